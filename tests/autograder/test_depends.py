"""Modules of an earlier assignment shipped solved to a later one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.config import AssignmentConfig, ConfigError
from autograder.depends import DependencyError, relative_files, vendor

MODULES = ("hw1.layers", "hw1.losses")


def test_vendored_modules_are_solved_importable_and_where_relative_files_says(
    tmp_path: Path,
) -> None:
    written = vendor(MODULES, tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(
        relative_files(MODULES)
    )
    layers = (tmp_path / "hw1" / "layers.py").read_text()
    assert "BEGIN SOLUTION" not in layers and "NotImplementedError" not in layers
    check = (
        "import numpy as np; from hw1.layers import affine_forward; "
        "from hw1.losses import softmax_cross_entropy; import hw1.layers as m; "
        "out, _ = affine_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)); "
        "assert (out == 3).all(); print(m.__file__)"
    )
    run = subprocess.run(  # the way the worker finds them: on PYTHONPATH, before site
        [sys.executable, "-P", "-c", check],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(tmp_path / "hw1" / "layers.py")  # the vendored copy


def test_an_unknown_module_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DependencyError, match="no module 'hw1.nothing'"):
        vendor(("hw1.nothing",), tmp_path)


def test_depends_entries_must_name_package_and_module() -> None:
    raw = {"title": "T", "files": ["a.py"], "depends": ["hw1"]}
    with pytest.raises(ConfigError, match="package.module"):
        AssignmentConfig.from_dict(raw, "assignment.toml")
    raw["depends"] = list(MODULES)
    assert AssignmentConfig.from_dict(raw, "assignment.toml").depends == MODULES
