"""A student's `make hw1 FROM=...`: copy their own files of an earlier assignment in.

hw2 builds on hw1 (its ConvNet uses hw1's layers, loss, optimizers and training loop).
Unless the instructor chose to ship hw1's solutions (``depends_in_handout =
"reference"``), hw2's handout holds placeholders in their place (`placeholder`), and the
student brings their own hw1 files. Before anything is copied, each file is checked: it
is there, parses, and every function that this assignment (or another of the copied
files) imports from it is implemented. Then the copies must import.

Grading never depends on these files: Gradescope's grader runs the course's own hw1
modules, so a bug left in hw1 costs no points in hw2. Locally, hw2's cases run the
student's hw1 code, so such a bug shows there first.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from autograder import depends
from autograder.assignment import Assignment
from autograder.submit import unimplemented


class BringError(ValueError):
    """The files offered cannot be used; the message says why and what to do."""


def placeholder(assignment: str, dotted: str) -> str:
    """The source of a module that stands for the student's own ``dotted`` until they
    bring it: importing it says what to do."""
    package, module = dotted.split(".")
    message = (
        f"{assignment} builds on your own {package} files, and {package}/{module}.py is not "
        f"here yet: copy them in with `make {package} FROM=path/to/your/{package}` (the "
        f"folder of your {package} handout, or its {package}/ folder, or your "
        f"{package}-submission.zip). See README.md, 'Your {package} files'."
    )
    return (
        f'"""Placeholder for your own {package}/{module}.py: `make {package} FROM=...` '
        f'replaces it."""\n\nraise ImportError({message!r})\n'
    )


def write_placeholders(assignment: str, modules: tuple[str, ...], root: Path) -> list[Path]:
    """Write a placeholder for each of ``modules`` under ``root`` (where `vendor` would
    put the solved modules); return the files."""
    written = []
    for package in depends.packages(modules):
        init = root / package / "__init__.py"
        init.parent.mkdir(parents=True, exist_ok=True)
        init.write_text(f'"""{package}: your own modules, which {assignment} builds on."""\n')
        written.append(init)
    for dotted in modules:
        package, module = dotted.split(".")
        target = root / package / f"{module}.py"
        target.write_text(placeholder(assignment, dotted))
        written.append(target)
    return written


def _read_sources(source: Path, package: str, names: list[str]) -> dict[str, str]:
    """``{file name: text}`` of ``names`` found in ``source``: a folder holding them, a
    folder holding ``package/`` with them, or a zip of them (a submission zip)."""
    if not source.exists():
        raise BringError(f"{source} does not exist: give the folder of your {package} work")
    found: dict[str, str] = {}
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise BringError(f"{source} is neither a folder nor a zip file")
        with zipfile.ZipFile(source) as zf:
            members = {Path(n).name: n for n in zf.namelist() if n.endswith(".py")}
            for name in names:
                if name in members:
                    found[name] = zf.read(members[name]).decode("utf-8-sig", errors="replace")
        where = str(source)
    else:
        folder = source / package if (source / package / names[0]).is_file() else source
        for name in names:
            if (folder / name).is_file():
                found[name] = (folder / name).read_text(encoding="utf-8-sig", errors="replace")
        where = str(folder)
    missing = [n for n in names if n not in found]
    if len(missing) == len(names):
        raise BringError(
            f"none of {package}'s files ({', '.join(names)}) is in {where}: give the folder "
            f"of your {package} handout, its {package}/ folder, or your {package}-submission.zip"
        )
    if missing:
        raise BringError(
            f"{where} lacks {', '.join(missing)}: all of {', '.join(names)} are needed"
        )
    return found


def _imported_names(tree: ast.Module, package: str, current: str | None) -> dict[str, set[str]]:
    """``{module: names}`` that ``tree`` imports from ``package``'s modules (absolute
    ``from hw1.layers import x``, or relative ``from .layers import x`` inside it)."""
    wanted: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        if node.level == 0 and node.module.startswith(package + "."):
            module = node.module.split(".", 1)[1]
        elif node.level == 1 and current is not None:
            module = node.module
        else:
            continue
        wanted.setdefault(module, set()).update(a.name for a in node.names)
    return wanted


def needed(assignment: Assignment, package: str, sources: dict[str, str]) -> dict[str, set[str]]:
    """``{module: names}`` used from ``package``: by the assignment's own modules and by
    the brought files from each other."""
    wanted: dict[str, set[str]] = {}
    trees = [ast.parse(p.read_text()) for p in sorted(assignment.folder.glob("*.py"))]
    for tree in trees:
        for module, names in _imported_names(tree, package, None).items():
            wanted.setdefault(module, set()).update(names)
    for name, text in sources.items():
        for module, names in _imported_names(ast.parse(text), package, name).items():
            wanted.setdefault(module, set()).update(names)
    return wanted


def check(assignment: Assignment, package: str, sources: dict[str, str]) -> list[str]:
    """What keeps ``sources`` from serving ``assignment`` (empty when nothing does)."""
    problems = []
    for name, text in sources.items():
        try:
            ast.parse(text, filename=name)
        except SyntaxError as exc:
            problems.append(f"{package}/{name} does not parse (line {exc.lineno}): {exc.msg}")
    if problems:
        return problems
    wanted = needed(assignment, package, sources)
    for name, text in sorted(sources.items()):
        todo = set(unimplemented(ast.parse(text)))
        used = sorted(todo & wanted.get(name.removesuffix(".py"), set()))
        if used:
            problems.append(
                f"{package}/{name}: {', '.join(used)} still "
                f"{'raises' if len(used) == 1 else 'raise'} NotImplementedError, and "
                f"{assignment.name} uses {'it' if len(used) == 1 else 'them'}: finish "
                f"{'it' if len(used) == 1 else 'them'} in {package} first"
            )
    return problems


def import_problem(root: Path, modules: tuple[str, ...]) -> str | None:
    """Import ``modules`` from ``root`` in a fresh interpreter; the error, if any."""
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = subprocess.run(
        [sys.executable, "-c", code, *modules],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if run.returncode == 0:
        return None
    lines = [line for line in run.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {run.returncode}"


def main(name: str, source: Path, root: Path = Path(".")) -> int:
    assignment = Assignment.load(name)
    modules = assignment.config.depends
    if not modules:
        print(f"error: {name} builds on no earlier assignment", file=sys.stderr)
        return 2
    for package in depends.packages(modules):
        mine = tuple(m for m in modules if m.startswith(package + "."))
        files = [f"{m.split('.')[1]}.py" for m in mine]
        try:
            sources = _read_sources(source, package, files)
        except BringError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        problems = check(assignment, package, sources)
        if problems:
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
            print("Nothing was copied.", file=sys.stderr)
            return 1
        target = root / package
        backup = {f: (target / f).read_bytes() for f in files if (target / f).is_file()}
        target.mkdir(exist_ok=True)
        for file, text in sources.items():
            (target / file).write_text(text)
        failure = import_problem(root.resolve(), mine)
        if failure:
            for file, data in backup.items():  # put back what was there
                (target / file).write_bytes(data)
            print(f"error: your {package} files do not import here: {failure}", file=sys.stderr)
            print("Nothing was copied.", file=sys.stderr)
            return 1
        shutil.rmtree(target / "__pycache__", ignore_errors=True)
        for file, text in sorted(sources.items()):
            todo = unimplemented(ast.parse(text))
            if todo:
                names = ", ".join(todo)
                print(
                    f"note: {package}/{file}: {names} not implemented ({name} does not need them)"
                )
        print(f"copied {', '.join(files)} into {package}/.")
        print(f"They import, and every function {name} uses from them is implemented. {name}'s")
        print(f"cases now run your {package} code; Gradescope grades {name} with the course's own")
        print(f"{package}, so a bug left in your {package} costs no points in {name}, though a")
        print("public case that fails here may point to it.")
    return 0
