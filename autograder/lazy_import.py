"""A module imported on first use, for case files: the judge loads them for their
metadata and checks, and should not pay for torch (hundreds of MB resident, in a
768 MB container) when only the worker calls into it.

    torch = lazy("torch")      # in a case module, instead of `import torch`
    nn = lazy("torch.nn")
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name`` and imports it at the first attribute lookup."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r}, {state}>"


def lazy(name: str) -> Any:
    """The module ``name``, imported when an attribute of it is first used."""
    return LazyModule(name)
