"""Checks on the submitted source, done by trusted code without running it."""

from __future__ import annotations

import ast


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
