"""Solution regions: the one source that yields both the reference and the stubs.

Reference code that students must write sits between two marker comments inside a
function body::

    def softmax(z, axis=-1):
        \"\"\"...docstring with the math and the shapes...\"\"\"
        # BEGIN SOLUTION: subtract the max along `axis` before exponentiating
        shifted = z - z.max(axis=axis, keepdims=True)
        ...
        # END SOLUTION

The text after ``BEGIN SOLUTION:`` is the one-line hint. In the stub the whole region
becomes ``raise NotImplementedError("softmax: <hint>")``, the task named after the
function (``Class.method`` for methods) that encloses the region.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?::\s*(?P<hint>.*\S))?\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")


class RegionError(ValueError):
    """Solution markers are malformed; the message gives the file and line."""


@dataclass(frozen=True)
class Region:
    """Lines ``begin``..``end`` (1-based, inclusive, the markers included) of a source."""

    begin: int
    end: int
    indent: str
    task: str
    hint: str


def _enclosing_functions(tree: ast.Module) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, outermost first."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def find_regions(source: str, filename: str = "<source>") -> list[Region]:
    """Every solution region of ``source``, checked for balance and placement."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise RegionError(f"{filename}:{exc.lineno}: not valid Python: {exc.msg}") from exc
    functions = _enclosing_functions(tree)
    comments = {
        tok.start[0]
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }
    regions: list[Region] = []
    open_at: tuple[int, re.Match[str]] | None = None
    for lineno, line in enumerate(source.splitlines(), start=1):
        if lineno not in comments:  # markers are comments, never text inside a string
            continue
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_at:
                raise RegionError(f"{filename}:{lineno}: BEGIN SOLUTION inside another region")
            open_at = (lineno, begin)
        elif end:
            if not open_at:
                raise RegionError(f"{filename}:{lineno}: END SOLUTION without BEGIN SOLUTION")
            start, match = open_at
            inside = [name for first, last, name in functions if first < start <= last]
            if not inside:
                raise RegionError(f"{filename}:{start}: a solution region must be in a function")
            hint = match.group("hint")
            if not hint:
                raise RegionError(f"{filename}:{start}: write a hint after 'BEGIN SOLUTION:'")
            regions.append(Region(start, lineno, match.group("indent"), inside[-1], hint))
            open_at = None
    if open_at:
        raise RegionError(f"{filename}:{open_at[0]}: BEGIN SOLUTION is never closed")
    return regions


def stub_message(region: Region) -> str:
    return f"{region.task}: {region.hint}"


def make_stub(
    source: str, filename: str = "<source>", keep: Callable[[Region], bool] = lambda r: False
) -> str:
    """``source`` with each solution region (but those ``keep`` selects) made a stub."""
    lines = source.splitlines(keepends=True)
    for region in reversed(find_regions(source, filename)):
        if keep(region):
            del lines[region.end - 1]
            del lines[region.begin - 1]
            continue
        raise_line = f"{region.indent}raise NotImplementedError({stub_message(region)!r})\n"
        lines[region.begin - 1 : region.end] = [raise_line]
    return "".join(lines)


def solution_lines(source: str, filename: str = "<source>") -> list[str]:
    """The stripped code lines inside solution regions (markers excluded)."""
    lines = source.splitlines()
    return [
        lines[i].strip()
        for region in find_regions(source, filename)
        for i in range(region.begin, region.end - 1)
        if lines[i].strip()
    ]
