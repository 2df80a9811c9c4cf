"""Checks on the submitted source, done by trusted code without running it."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
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
        # the compiler finds more than the parser: a __future__ import that is not first,
        # `return` outside a function, `nonlocal` of nothing...
        compile(tree, name, "exec", dont_inherit=True)
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


def relative_imports(package: str, sources: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """For each file of ``sources`` (name to text) in the package ``package``, the others
    it imports (``from . import layers``, ``from .model import MLP``, ``from hw1 import
    layers``, ``import hw1.model``). The judge reads the submitted files: what they
    import decides which files a case needs, and what a file reaches through others."""
    files = set(sources)
    found: dict[str, frozenset[str]] = {}
    for name, text in sources.items():
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
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
        found[name] = frozenset(targets & files - {name})
    return found


def read_sources(folder: Path, files: Iterable[str]) -> dict[str, str]:
    """The text of each of ``files`` in ``folder`` that can be read."""
    sources = {}
    for name in files:
        try:
            sources[name] = (folder / name).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
    return sources


def reached_imports(
    sources: Mapping[str, str], forbidden: Mapping[str, tuple[str, ...]], package: str
) -> dict[str, str]:
    """Files that reach a module they may not import through another submitted file
    (``conv.py`` importing ``cnn.py``, which imports torch), each with why it cannot be
    graded. The direct imports are `check_source`'s."""
    imports = relative_imports(package, sources)
    modules: dict[str, list[tuple[str, int]]] = {}
    for name, text in sources.items():
        try:
            modules[name] = imported_modules(ast.parse(text))
        except (SyntaxError, ValueError):
            modules[name] = []
    problems = {}
    for name in sorted(sources):
        banned = forbidden.get(name, ())
        for other in sorted(with_imports(frozenset({name}), imports) - {name}):
            hit = [(m, line) for m, line in modules.get(other, []) if m in banned]
            if hit:
                module, line = hit[0]
                problems[name] = (
                    f"{name} imports {other}, which imports {module} (line {line}): {name} "
                    f"may not use {module} in this assignment, not even through another file"
                )
                break
    return problems


def with_imports(used: frozenset[str], imports: dict[str, frozenset[str]]) -> frozenset[str]:
    """``used`` and every file it imports, directly or through others."""
    seen, todo = set(used), list(used)
    while todo:
        for target in imports.get(todo.pop(), frozenset()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return frozenset(seen)
