"""Import profiles: a worker's view of the installed packages lacks what its files may not
import, and the data sets' files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import profiles
from autograder.sandbox import plan, python_paths


def test_entries_belong_to_the_module_before_the_first_dot_or_dash() -> None:
    assert profiles.stem("torch-2.14.1.dist-info") == "torch"
    assert profiles.stem("scipy.libs") == "scipy"
    assert profiles.stem("sklearn") == "sklearn"
    assert profiles.stem("torchvision") == "torchvision"  # not torch's


def test_a_case_hides_what_any_file_it_calls_may_not_import() -> None:
    forbidden = {"conv.py": ("torch", "jax"), "cnn.py": ("sklearn",), "data.py": ()}
    assert profiles.hidden_modules(["conv.py", "cnn.py"], forbidden) == {
        "torch",
        "jax",
        "sklearn",
    }
    assert profiles.hidden_modules(["data.py"], forbidden) == frozenset()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "lib" / "site-packages"
    for folder in ("torch", "torch-2.14.1.dist-info", "numpy", "sklearn/datasets/data"):
        (site / folder).mkdir(parents=True)
    (site / "torch" / "__init__.py").write_text("")
    (site / "__editable___course_finder.py").write_text("")
    (site / "six.py").write_text("")
    (site / "alias").symlink_to("numpy")
    return site


def test_bubblewrap_arguments_bind_back_all_but_the_hidden_entries(site: Path) -> None:
    args = profiles.bwrap_args([str(site)], frozenset({"torch"}), ["sklearn/datasets/data"])
    assert args[:2] == ["--tmpfs", str(site)]
    bound = {args[i + 1] for i, a in enumerate(args) if a == "--ro-bind"}
    assert bound == {str(site / "numpy"), str(site / "sklearn"), str(site / "six.py")}
    assert ["--symlink", "numpy", str(site / "alias")] == args[args.index("--symlink") :][:3]
    assert ["--tmpfs", str(site / "sklearn/datasets/data")] == args[-4:-2]
    assert args[-2:] == ["--remount-ro", str(site)]


def test_a_hidden_package_takes_its_data_folder_with_it(site: Path) -> None:
    args = profiles.bwrap_args([str(site)], frozenset({"sklearn"}), ["sklearn/datasets/data"])
    assert str(site / "sklearn") not in args
    assert str(site / "sklearn/datasets/data") not in args  # nothing to mount over


def test_without_hidden_entries_only_the_data_is_masked(site: Path) -> None:
    (site / "__editable___course_finder.py").unlink()
    args = profiles.bwrap_args([str(site)], frozenset({"jax"}), ["sklearn/datasets/data"])
    assert args == ["--tmpfs", str(site / "sklearn/datasets/data")]


@pytest.mark.skipif(sys.platform != "linux", reason="bubblewrap is Linux only")
def test_under_bubblewrap_a_hidden_package_is_not_there_at_all() -> None:
    sandbox = plan()
    try:
        if sandbox.bwrap is None:
            pytest.skip("bubblewrap cannot run here")
        sites = profiles.site_dirs(python_paths())
        mask = profiles.bwrap_args(sites, frozenset({"scipy"}), ["sklearn/datasets/data"])
        code = (
            "import importlib.util, os, numpy\n"
            "print(importlib.util.find_spec('scipy'), numpy.__name__)\n"
            "site = os.path.dirname(os.path.dirname(numpy.__file__))\n"
            "print(os.listdir(os.path.join(site, 'sklearn', 'datasets', 'data')))\n"
        )
        groups = profiles.groups_for(frozenset({"scipy"}))  # packages an earlier run locked
        command = sandbox.command(
            [sys.executable, "-c", code], python_paths(), [], "/", mask, groups
        )
        run = subprocess.run(
            command, capture_output=True, text=True, timeout=120, env={"PATH": os.defpath}
        )
    finally:
        sandbox.release()
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.splitlines() == ["None numpy", "[]"]
