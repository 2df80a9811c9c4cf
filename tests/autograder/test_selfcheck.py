"""setup.sh's last step: the grading environment holds the pinned packages, and torch and
torchvision work together."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import selfcheck
from autograder.assignment import Assignment
from autograder.gradescope import requirements


def test_this_environment_passes_with_hw2s_pins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(requirements(Assignment.load("hw2")))
    assert selfcheck.main(str(path)) == 0
    out = capsys.readouterr().out
    assert "torch 2.14.1" in out and "work together" in out


def test_a_wrong_or_missing_pin_fails_with_what_is_installed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("numpy==1.0\nno-such-package==2.0\n")
    assert selfcheck.main(str(path)) == 1
    err = capsys.readouterr().err
    assert "numpy 2.4.6 is installed, not 1.0" in err
    assert "no-such-package is not installed (wanted 2.0)" in err
