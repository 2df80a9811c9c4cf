"""Students bring their own files of the assignment this one builds on (hw2 on hw1)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import bring, handout
from autograder.assignment import Assignment
from autograder.config import AssignmentConfig, ConfigError
from autograder.depends import source_file

HW1 = Path(source_file("hw1.__init__")).parent
FILES = ["layers.py", "losses.py", "init.py", "model.py", "optim.py", "train.py"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A handout root with hw1's placeholders, where the files are brought."""
    root = tmp_path / "hw2-handout"
    bring.write_placeholders("hw2", Assignment.load("hw2").config.depends, root)
    return root


def _import(root: Path, module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-c", f"import {module}"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
    )


def test_a_placeholder_says_how_to_bring_the_files(folder: Path) -> None:
    run = _import(folder, "hw1.layers")
    assert run.returncode != 0
    assert "hw2 builds on your own hw1 files" in run.stderr
    assert "make hw1 FROM=path/to/your/hw1" in run.stderr


def test_finished_files_are_copied_from_a_folder_and_import(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bring.main("hw2", HW1, root=folder) == 0
    assert "copied layers.py, losses.py" in capsys.readouterr().out
    assert (folder / "hw1" / "layers.py").read_text() == (HW1 / "layers.py").read_text()
    assert _import(folder, "hw1.train").returncode == 0


def test_files_come_from_the_handout_folder_or_a_submission_zip(
    folder: Path, tmp_path: Path
) -> None:
    earlier = tmp_path / "hw1-handout"
    shutil.copytree(HW1, earlier / "hw1")
    assert bring.main("hw2", earlier, root=folder) == 0  # the handout's top folder
    archive = tmp_path / "hw1-submission.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in [*FILES, "autodiff.py"]:
            zf.write(HW1 / name, name)
    assert bring.main("hw2", archive, root=folder) == 0


def test_a_stub_that_hw2_uses_is_refused_and_nothing_is_copied(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stubs = tmp_path / "hw1-handout"
    handout.write_stub_package(Assignment.load("hw1"), stubs / "hw1")
    before = (folder / "hw1" / "layers.py").read_text()
    assert bring.main("hw2", stubs, root=folder) == 1
    err = capsys.readouterr().err
    assert "hw1/layers.py: affine_backward, affine_forward, relu_backward, relu_forward" in err
    assert "still raise NotImplementedError, and hw2 uses them" in err
    assert "hw1/losses.py: softmax_cross_entropy" in err
    assert "Nothing was copied." in err
    assert (folder / "hw1" / "layers.py").read_text() == before


def test_an_unfinished_function_hw2_does_not_use_is_only_a_note(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "hw1"
    shutil.copytree(HW1, mine)
    optim = mine / "optim.py"
    text = optim.read_text()
    start = text.index("def adamw(")
    body = text.index('    """', text.index('"""', start) + 3)  # after the docstring's end
    end = text.index("\ndef ", body)
    optim.write_text(
        text[:body] + '    """\n    raise NotImplementedError("adamw: soon")\n' + text[end:]
    )
    assert bring.main("hw2", mine, root=folder) == 0
    assert "note: hw1/optim.py: adamw not implemented (hw2 does not need them)" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: (d / "train.py").unlink(), "lacks train.py"),
        (lambda d: (d / "losses.py").write_text("def softmax_cross_entropy(:\n"), "does not parse"),
        (
            lambda d: (d / "init.py").write_text("import nonexistent_module\n"),
            "do not import here: ModuleNotFoundError: No module named 'nonexistent_module'",
        ),
    ],
)
def test_broken_files_are_refused_and_the_placeholders_stay(
    change, message: str, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "hw1"
    shutil.copytree(HW1, mine)
    change(mine)
    before = {f: (folder / "hw1" / f).read_text() for f in FILES}
    assert bring.main("hw2", mine, root=folder) == 1
    assert message in capsys.readouterr().err
    assert {f: (folder / "hw1" / f).read_text() for f in FILES} == before


def test_a_folder_without_the_files_says_what_to_give(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bring.main("hw2", tmp_path / "nowhere", root=folder) == 1
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert bring.main("hw2", tmp_path / "empty", root=folder) == 1
    assert "give the folder of your hw1 handout" in capsys.readouterr().err


def test_the_instructor_may_release_the_reference_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hw2 = Assignment.load("hw2")
    released = Assignment("hw2", hw2.folder)
    released.__dict__["config"] = dataclasses.replace(hw2.config, depends_in_handout="reference")
    monkeypatch.setattr(handout.Assignment, "load", classmethod(lambda cls, name: released))
    built = handout.build("hw2", tmp_path, refresh=False)
    assert (built / "hw1" / "layers.py").read_text().count("NotImplementedError") == 0
    assert _import(built, "hw1.layers").returncode == 0
    assert "make hw1" not in (built / "Makefile").read_text()


def test_by_default_the_handout_holds_placeholders_and_a_bring_target(tmp_path: Path) -> None:
    built = handout.build("hw2", tmp_path, refresh=False)
    assert "raise ImportError" in (built / "hw1" / "layers.py").read_text()
    run = subprocess.run(
        ["make", "-n", "hw1", "FROM=../hw1", f"PY={sys.executable}"],
        cwd=built,
        capture_output=True,
        text=True,
    )
    assert '-m autograder bring hw2 "../hw1"' in run.stdout, run.stderr
    run = subprocess.run(
        ["make", "-s", "hw1", f"PY={sys.executable}"], cwd=built, capture_output=True, text=True
    )
    assert run.returncode != 0 and "usage: make hw1 FROM=" in run.stdout


def test_depends_in_handout_takes_two_values() -> None:
    raw = {"title": "T", "files": ["a.py"], "depends": ["hw1.layers"]}
    assert AssignmentConfig.from_dict(raw, "a.toml").depends_in_handout == "own"
    with pytest.raises(ConfigError, match="depends_in_handout must be one of"):
        AssignmentConfig.from_dict({**raw, "depends_in_handout": "mine"}, "a.toml")
