"""Checks on the submitted source, done by trusted code without running it."""

from __future__ import annotations

import ast
from pathlib import Path


def _top(module: str) -> str:
    return module.split(".")[0]


def imported_modules(tree: ast.AST) -> list[tuple[str, int]]:
    """Top-level modules a source imports, with line numbers: statements and the
    string forms ``__import__("x")`` and ``importlib.import_module("x")``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(_top(alias.name), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((_top(node.module), node.lineno))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            arg = node.args[0]
            if name in ("__import__", "import_module") and isinstance(arg, ast.Constant):
                if isinstance(arg.value, str):
                    found.append((_top(arg.value), node.lineno))
    return found


def check_source(name: str, text: str, forbidden: tuple[str, ...]) -> str | None:
    """Why ``text`` (the file ``name``) cannot be graded, or None when it can."""
    try:
        tree = ast.parse(text, filename=name)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "somewhere"
        return f"{name} does not parse ({where}: {exc.msg}): fix the syntax error and resubmit"
    except ValueError as exc:  # e.g. null bytes
        return f"{name} does not parse: {exc}"
    banned = [(m, line) for m, line in imported_modules(tree) if m in forbidden]
    if banned:
        module, line = banned[0]
        return (
            f"{name} imports {module} (line {line}), which this assignment does not allow there: "
            "remove that import"
        )
    return None


def relative_imports(folder: Path, files: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """For each of ``files`` in the package ``folder``, the others it imports
    (``from . import layers``, ``from .model import MLP``, ``from hw1 import layers``,
    ``import hw1.model``), read from the copy given (the bundle's trusted stubs)."""
    package = folder.name
    found: dict[str, frozenset[str]] = {}
    for name in files:
        try:
            tree = ast.parse((folder / name).read_text(encoding="utf-8-sig"))
        except (OSError, SyntaxError, ValueError):
            found[name] = frozenset()
            continue
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                parts = (node.module or "").split(".") if node.module else []
                if node.level == 0 and parts[:1] == [package]:
                    parts = parts[1:]  # an absolute import of the package itself
                elif node.level != 1:
                    continue
                if parts:
                    targets.add(f"{parts[0]}.py")
                else:
                    targets |= {f"{alias.name}.py" for alias in node.names}
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == package and len(parts) > 1:
                        targets.add(f"{parts[1]}.py")
        found[name] = frozenset(targets & set(files) - {name})
    return found


def with_imports(used: frozenset[str], imports: dict[str, frozenset[str]]) -> frozenset[str]:
    """``used`` and every file it imports, directly or through others."""
    seen, todo = set(used), list(used)
    while todo:
        for target in imports.get(todo.pop(), frozenset()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return frozenset(seen)
