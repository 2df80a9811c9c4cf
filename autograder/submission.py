"""Load an assignment package from a folder, under a name of our choosing.

The reference lives in the installed package (``ps0``); a student's work, or the stubs
built from the reference, live in other folders with the same layout. Loading each
folder as a package with its own alias lets several versions coexist in one process:
modules of an assignment import each other relatively (``from .arrays import softmax``),
so each version resolves to its own siblings.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType


class Submission:
    """Attribute access to an assignment's modules: ``sub.arrays.softmax(x)``."""

    def __init__(self, package: str, folder: Path) -> None:
        self._package = package
        self._folder = folder

    @classmethod
    def installed(cls, package: str) -> Submission:
        """The importable package ``package`` itself (the reference, in this repo)."""
        module = importlib.import_module(package)
        assert module.__file__ is not None
        return cls(package, Path(module.__file__).parent)

    @property
    def package(self) -> str:
        return self._package

    @property
    def folder(self) -> Path:
        return self._folder

    def __getattr__(self, module: str) -> ModuleType:
        if module.startswith("_"):
            raise AttributeError(module)
        return importlib.import_module(f"{self._package}.{module}")

    def __repr__(self) -> str:
        return f"Submission({self._package!r})"


def load_package(folder: Path, alias: str) -> Submission:
    """Import ``folder`` (which holds an ``__init__.py``) as the package ``alias``."""
    init = folder / "__init__.py"
    if not init.is_file():
        raise FileNotFoundError(f"{folder} is not a package: it has no __init__.py")
    for name in [m for m in sys.modules if m == alias or m.startswith(alias + ".")]:
        del sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        alias, init, submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return Submission(alias, folder)
