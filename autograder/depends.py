"""Modules of an earlier assignment that a later one builds on, shipped solved.

hw2's numpy ConvNet uses hw1's affine layer, ReLU and loss, and trains with hw1's
optimizers and loop. Rather than a copy in hw2 (two sources to keep in step), hw2's
``assignment.toml`` names them (``depends = ["hw1.layers", ...]``) and the handout, the
Gradescope bundle and the grader's worker get them at build time: the reference
modules with their solution markers removed, in a package of the same name, so that
``from hw1.layers import affine_forward`` works everywhere. The earlier assignment's
solutions are thereby released to the students of the later one: build its handout
after the earlier one is due.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


class DependencyError(ValueError):
    """A ``depends`` entry does not name a module of another assignment."""


def source_file(dotted: str) -> Path:
    """The reference source of ``package.module`` (installed in this repo)."""
    spec = importlib.util.find_spec(dotted)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        raise DependencyError(f"depends: no module {dotted!r} to ship")
    return Path(spec.origin)


def packages(modules: tuple[str, ...]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules})


def vendor(modules: tuple[str, ...], root: Path) -> list[Path]:
    """Write each of ``modules`` (``"hw1.layers"``), solved, under ``root`` as
    ``root/hw1/layers.py``, with the package's ``__init__.py``; return the files."""
    from autograder.regions import make_stub  # instructor-side: handouts do not ship it

    written = []
    for package in packages(modules):
        folder = root / package
        folder.mkdir(parents=True, exist_ok=True)
        init = folder / "__init__.py"
        init.write_text(
            f'"""{package}: the reference modules that later assignments build on."""\n'
        )
        written.append(init)
    for dotted in modules:
        path = source_file(dotted)
        package, module = dotted.split(".")
        target = root / package / f"{module}.py"
        target.write_text(make_stub(path.read_text(), str(path), keep=lambda region: True))
        written.append(target)
    return written


def relative_files(modules: tuple[str, ...]) -> list[str]:
    """Where `vendor` puts ``modules``, relative to its root (for copying a tree)."""
    files = [f"{package}/__init__.py" for package in packages(modules)]
    return files + [f"{dotted.replace('.', '/')}.py" for dotted in modules]
