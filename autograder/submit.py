"""A student's `make submit`: check the files to hand in and zip them.

Refuses, with the reason, when a file is missing, does not parse, imports what the
assignment forbids there, is too large, or when nothing is implemented at all; warns
about files and tasks not implemented yet.
"""

from __future__ import annotations

import ast
import json
import sys
import zipfile
from pathlib import Path

from autograder.assignment import TASKS_FILE, Assignment
from autograder.intake import MAX_FILE_BYTES
from autograder.static import check_source, reached_imports


def _is_stub(statement: ast.stmt, function: str, alone: bool) -> bool:
    """A handout stub: ``raise NotImplementedError("<task>: <hint>")`` naming ``function``
    (anywhere in the body: it may follow given code), or a bare ``raise
    NotImplementedError`` that is the whole body. A student's own ``raise
    NotImplementedError("unknown option")`` after real code is not a stub."""
    if not isinstance(statement, ast.Raise):
        return False
    exc = statement.exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    if not (isinstance(target, ast.Name) and target.id == "NotImplementedError"):
        return False
    args = exc.args if isinstance(exc, ast.Call) else []
    if not args:
        return alone
    message = args[0]
    if not (isinstance(message, ast.Constant) and isinstance(message.value, str)):
        return False
    task = message.value.split(":", 1)[0]
    return task.split(".")[-1] == function


def unimplemented(tree: ast.Module) -> list[str]:
    """Functions (and methods) whose body still holds a stub."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]  # the docstring
            if any(_is_stub(statement, node.name, len(body) == 1) for statement in body):
                names.append(node.name)
    return names


NOTHING_DONE = "nothing is implemented yet: every file still holds only stubs"


class FileProblem(ValueError):
    """A submitted file the grader would not accept; the message says why and what to do."""


def checked_source(assignment: Assignment, name: str) -> str:
    """The text of the submitted file ``name``; `FileProblem` when it is missing, too
    large, not UTF-8, empty, does not parse, or imports what the assignment forbids there."""
    path = assignment.folder / name
    if not path.is_file():
        folder = assignment.folder.name
        raise FileProblem(f"{name} is missing from {folder}/: restore it from the handout")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FileProblem(f"{name} is over {MAX_FILE_BYTES:,} bytes: is it the right file?")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(f"{name} is not UTF-8 text: save it as UTF-8") from None
    if not text.strip():
        raise FileProblem(f"{name} is empty: restore it from the handout, or save your work")
    problem = check_source(name, text, assignment.config.forbidden_imports.get(name, ()))
    if problem:
        raise FileProblem(problem)
    return text


def problems(assignment: Assignment) -> tuple[list[str], list[str]]:
    """(errors that block the submission, warnings).

    A file that still holds only stubs is a warning (its cases score 0, the others
    count); it is an error only when every file does: then there is nothing to grade.
    """
    errors: list[str] = []
    warnings: list[str] = []
    stubs_only: list[str] = []
    config = assignment.config
    listing = assignment.folder / TASKS_FILE
    tasks: dict[str, list[str]] = json.loads(listing.read_text()) if listing.is_file() else {}
    tasks = {f: [t.split(".")[-1] for t in names] for f, names in tasks.items()}
    sources: dict[str, str] = {}
    for name in config.files:
        try:
            text = checked_source(assignment, name)
        except FileProblem as problem:
            errors.append(str(problem))
            continue
        sources[name] = text
        tree = ast.parse(text)
        functions = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        known = tasks.get(name, functions)  # without a task list, every function counts
        todo = [t for t in unimplemented(tree) if t in known]
        if todo and len(todo) == len(known):
            stubs_only.append(name)
        elif todo:
            warnings.append(
                f"{name}: not implemented yet: {', '.join(todo)} (a case that calls one of "
                "them scores 0, even where it also checks functions you wrote)"
            )
    # what a file reaches through another submitted file counts as its own import
    errors += reached_imports(sources, config.forbidden_imports, assignment.name).values()
    if stubs_only and len(stubs_only) == len(config.files):
        errors.append(NOTHING_DONE)
    else:
        warnings += [
            f"{name} still holds only stubs: its cases will score 0" for name in stubs_only
        ]
    return errors, warnings


def main(name: str, output: Path | None = None) -> int:
    assignment = Assignment.load(name)
    errors, warnings = problems(assignment)
    for warning in warnings:
        print(f"warning: {warning}")
    if errors:
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        print(
            "Nothing was written: fix the errors above, then run `make submit` again.",
            file=sys.stderr,
        )
        return 1
    archive = output or Path(f"{name}-submission.zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in assignment.config.files:
            zf.write(assignment.folder / file, file)
    print(f"wrote {archive} with {', '.join(assignment.config.files)}: upload it to Gradescope")
    if (assignment.folder.parent / "written.md").is_file():
        print(
            "the written answers (written.md, exported as a PDF) go to the separate written "
            "assignment on Gradescope"
        )
    return 0
