"""Sample submissions made from an assignment's reference: the demo of `make grade`.

Each sample is a folder of the assignment's submitted files:

- ``reference``: the reference itself (full points);
- ``stubs``: the handout as students get it (zero);
- ``partial``: every other task left as a stub, and one task subtly wrong;
- ``syntax_error``: the reference with one file that does not parse;
- ``infinite_loop``: the first task never returns;
- ``crash``: the first task crashes the interpreter (a null-pointer read);
- ``cheat``: stubs whose module code tries to cheat: it reads the reference and the
  expected outputs from disk, writes a perfect results.json, and exits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from autograder.assignment import Assignment
from autograder.regions import find_regions, make_stub

CHEAT = """
# --- an attempt to cheat: every step must fail or gain nothing ---
import glob as _glob, json as _json, os as _os
for _pattern in ("/autograder/source/bundle/trusted/*", "/autograder/source/bundle/trusted/*/*.py",
                 "/work/*/{name}/*.py", "/root/*", "/home/*/*/{name}/*.py"):
    for _path in _glob.glob(_pattern)[:5]:
        try:
            with open(_path, "rb") as _f:
                print("read", _path, len(_f.read()))
        except OSError as _e:
            print("could not read", _path, _e)
for _results in ("/autograder/results/results.json", "../results/results.json"):
    try:
        with open(_results, "w") as _f:
            _json.dump({"score": 100, "tests": []}, _f)
    except OSError as _e:
        print("could not write", _results, _e)
_os._exit(0)
"""


def _inject(source: str, filename: str, lines: str, which: int = 0) -> str:
    """Insert ``lines`` at the start of solution region number ``which``."""
    region = find_regions(source, filename)[which]
    text = source.splitlines(keepends=True)
    indented = "".join(region.indent + line + "\n" for line in lines.splitlines())
    text.insert(region.begin, indented)
    return "".join(text)


def _every_other_stubbed(source: str, filename: str) -> str:
    regions = find_regions(source, filename)
    keep = {r.begin for i, r in enumerate(regions) if i % 2 == 0}
    return make_stub(source, filename, keep=lambda r: r.begin in keep)


def _subtly_wrong(source: str) -> str:
    """The first ``np.mean`` becomes a sum over N - 1: close to right, still wrong."""
    return re.sub(r"np\.mean\((\w+)\)", r"(np.sum(\1) / (len(\1) - 1))", source, count=1)


def make(name: str, dest: Path, only: tuple[str, ...] | None = None) -> list[Path]:
    """Write the samples of assignment ``name`` under ``dest`` (all of them, or those
    named in ``only``); return their folders."""
    assignment = Assignment.load(name)
    files = {p.name: p.read_text() for p in assignment.module_paths()}
    first = assignment.config.files[0]
    cheat = CHEAT.replace("{name}", name)
    variants: dict[str, Callable[[str, str], str]] = {
        "reference": lambda f, s: s,
        "stubs": lambda f, s: make_stub(s, f),
        "partial": lambda f, s: _subtly_wrong(_every_other_stubbed(s, f)),
        "syntax_error": lambda f, s: s + "\ndef broken(:\n    pass\n" if f == first else s,
        "infinite_loop": lambda f, s: _inject(s, f, "while True:\n    pass") if f == first else s,
        "crash": lambda f, s: (
            _inject(s, f, "import ctypes\nctypes.string_at(0)") if f == first else s
        ),
        "cheat": lambda f, s: make_stub(s, f) + (cheat if f == first else ""),
    }
    unknown = sorted(set(only or ()) - set(variants))
    if unknown:
        raise ValueError(f"no samples named {unknown}; the samples are {sorted(variants)}")
    folders = []
    for label, transform in variants.items():
        if only is not None and label not in only:
            continue
        folder = dest / label
        folder.mkdir(parents=True, exist_ok=True)
        for filename, source in files.items():
            (folder / filename).write_text(transform(filename, source))
        folders.append(folder)
    return folders
