"""The worker's run-time import guard: a submitted file's own imports are held to its
list; a library's imports on its behalf are not."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograder.worker import ImportGuard

FORBIDDEN_MODULE = "colorsys"  # a small standard module nothing here has imported


def _function(source: str, filename: Path, name: str) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, str(filename), "exec"), namespace)
    return namespace[name]


@pytest.fixture
def guard(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "submission"
    sys.modules.pop(FORBIDDEN_MODULE, None)
    finder = ImportGuard(folder, {"model.py": [FORBIDDEN_MODULE]})
    sys.meta_path.insert(0, finder)
    try:
        yield folder
    finally:
        sys.meta_path.remove(finder)
        sys.modules.pop(FORBIDDEN_MODULE, None)


def test_a_submitted_file_may_not_import_by_a_computed_name(guard: Path) -> None:
    sneaky = _function(
        "import importlib\ndef f():\n    return importlib.import_module('color' + 'sys')\n",
        guard / "model.py",
        "f",
    )
    with pytest.raises(ImportError, match=f"model.py may not import {FORBIDDEN_MODULE}"):
        sneaky()


def test_a_library_may_import_what_it_needs_for_a_submitted_file(
    guard: Path, tmp_path: Path
) -> None:
    library = _function(
        "import importlib\ndef helper():\n    return importlib.import_module('colorsys')\n",
        tmp_path / "lib" / "site-packages" / "somelib" / "core.py",
        "helper",
    )
    caller = _function("def f(helper):\n    return helper()\n", guard / "model.py", "f")
    assert caller(library).__name__ == FORBIDDEN_MODULE


def test_other_files_are_not_restricted(guard: Path) -> None:
    free = _function(
        "import importlib\ndef f():\n    return importlib.import_module('colorsys')\n",
        guard / "train.py",
        "f",
    )
    assert free().__name__ == FORBIDDEN_MODULE
