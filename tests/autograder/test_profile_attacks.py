"""Attacks on per-file import rules: hw2's conv.py may not use torch, and tries to get it
anyway. Each attack implements `conv_forward_naive` (and `conv_forward_fast`) with
torch's conv2d, so it scores wherever torch reaches it. The case's worker has no torch in
its view of the filesystem (with bubblewrap, and, as root without it, by group
permissions), so none of these ways can find it: the conv cases score 0."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from autograder.assignment import Assignment

HW2 = Assignment.load("hw2")
CONV_CASES = {c.name for c in HW2.all_cases() if c.func.__name__.startswith("conv_")}
PUBLIC = {c.name for c in HW2.public_cases()}

USE_TORCH = """
def _with(torch):
    def forward(x, w, b, stride=1, pad=0):
        out = torch.nn.functional.conv2d(
            torch.as_tensor(x), torch.as_tensor(w), torch.as_tensor(b), stride, pad
        ).numpy()
        return out, (x, w, stride, pad)
    return forward

def conv_forward_naive(x, w, b, stride=1, pad=0):
    return _with(get_torch())(x, w, b, stride, pad)

def conv_forward_fast(x, w, b, stride=1, pad=0):
    return _with(get_torch())(x, w, b, stride, pad)
"""

# Each defines get_torch(); what the static check can see is spelled so it cannot.
ATTACKS = {
    "through_a_sibling_file": """
        import importlib
        def get_torch():
            return importlib.import_module("hw2." + "cnn").torch
    """,
    "from_a_thread": """
        import importlib, threading
        def get_torch():
            box = []
            def load():
                try:
                    box.append(importlib.import_module("to" + "rch"))
                except BaseException as exc:
                    box.append(exc)
            t = threading.Thread(target=load)
            t.start(); t.join()
            if isinstance(box[0], BaseException):
                raise box[0]
            return box[0]
    """,
    "without_the_guard": """
        import importlib, sys
        def get_torch():
            sys.meta_path[:] = [f for f in sys.meta_path if "Guard" not in type(f).__name__]
            return importlib.import_module("to" + "rch")
    """,
    "from_its_file_path": """
        import importlib.util, os, sys
        import numpy
        def get_torch():
            beside_numpy = os.path.dirname(os.path.dirname(numpy.__file__))
            for site in [beside_numpy] + [p for p in sys.path if p.endswith("-packages")]:
                init = os.path.join(site, "to" + "rch", "__init__.py")
                if os.path.exists(init):
                    spec = importlib.util.spec_from_file_location("to" + "rch", init)
                    module = importlib.util.module_from_spec(spec)
                    sys.modules["to" + "rch"] = module
                    spec.loader.exec_module(module)
                    return module
            raise ImportError("no torch on this filesystem")
    """,
}


@pytest.mark.parametrize("sandbox", ["bubblewrap", "no_bubblewrap"])
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_conv_py_cannot_reach_torch(
    attack: str, sandbox: str, homework_hw2: Any, tmp_path: Path
) -> None:
    gradescope, samples = homework_hw2
    submission = tmp_path / "submission"
    shutil.copytree(samples / "stubs", submission)
    conv = submission / "conv.py"
    code = textwrap.dedent(ATTACKS[attack]) + USE_TORCH
    conv.write_text(conv.read_text() + "\n" + code)
    results, _ = gradescope.run(submission, bubblewrap=sandbox == "bubblewrap")
    if sandbox == "no_bubblewrap" and "locked away" not in results["output"]:
        pytest.skip("not run as root: nothing can be hidden without bubblewrap")
    conv_results = [t for t in results["tests"] if t["name"] in CONV_CASES]
    assert conv_results, "no conv case ran"
    assert all(t["score"] == 0 for t in conv_results), conv_results
    assert results["score"] == 0, [t for t in results["tests"] if t["score"] > 0]
    public = [t["output"] for t in conv_results if t["name"] in PUBLIC]
    assert public and all("torch" in output for output in public), public  # refused there


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_each_attack_computes_the_convolution_where_torch_is_there(attack: str) -> None:
    """The attacks are sound: run where torch can be imported, each gives the reference's
    convolution, so a conv case that scores 0 above was stopped by the sandbox."""
    check = """
import numpy as np
from hw2 import conv as reference
rng = np.random.default_rng(0)
x, w, b = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
got, _ = conv_forward_naive(x, w, b, 2, 1)
want, _ = reference.conv_forward_naive(x, w, b, 2, 1)
assert np.allclose(got, want, atol=1e-5), abs(got - want).max()
print("same")
"""
    code = textwrap.dedent(ATTACKS[attack]) + USE_TORCH + check
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.stdout.strip() == "same", run.stderr[-2000:]


REPLACED_DRIVER = '''
import sys as _sys
import numpy as _np


def _fabricated(sub, images, rng, passes=1):
    """The case's driver, replaced: faithful shifts, of images of its own choosing."""
    labels = rng.integers(0, 10, len(images))
    other = _np.ascontiguousarray(_np.asarray(images)[::-1])
    padded = _np.pad(other, ((0, 0), (0, 0), (1, 1), (1, 1)))
    draw = _np.random.default_rng(0)

    def one_pass():
        return _np.stack(
            [p[:, dy : dy + 8, dx : dx + 8] for p in padded for dy, dx in [draw.integers(0, 3, 2)]]
        )

    return {
        "x": other,
        "labels": labels,
        "lengths": [len(other), len(other)],
        "shifted": [one_pass() for _ in range(passes)],
        "item_labels": [labels.tolist()] * passes,
        "plain": other,
    }


for _name in ("hw2.cases.public", "hw2.cases.hidden", "hw2.cases.harness"):
    if _name in _sys.modules:
        _sys.modules[_name].augmented_items = _fabricated
'''


def test_a_replaced_case_driver_earns_nothing(homework_hw2: Any, tmp_path: Path) -> None:
    """The submission runs in the worker beside the case code and can replace a case's
    driver. Checks judge the outputs against the case's own inputs (the reference's
    run), so a driver that fabricates outputs for other inputs earns nothing."""
    gradescope, samples = homework_hw2
    submission = tmp_path / "submission"
    shutil.copytree(samples / "stubs", submission)
    cnn = submission / "cnn.py"
    cnn.write_text(cnn.read_text() + "\n" + REPLACED_DRIVER)
    results, _ = gradescope.run(submission)
    assert results["score"] == 0, [t for t in results["tests"] if t["score"] > 0]
    by_number = {t["number"]: t for t in results["tests"]}
    # the fabricated outputs arrived (the driver was replaced) and were refused
    assert by_number["9.1"]["output"] == (
        "the images given to DigitsDataset changed: do not modify them in place"
    )
