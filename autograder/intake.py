"""Read a submission (a folder or a zip) into memory, safely, with a message for each problem.

Only the assignment's own files are taken, by name, wherever they sit in the tree;
nothing is extracted to disk here and no path from the submission is ever used to
write, so entries with ``..``, absolute paths or symlinks cannot touch anything. Each
problem becomes a message: per file (missing, too large, not UTF-8, misnamed) or
general (an entry skipped, an empty submission).
"""

from __future__ import annotations

import difflib
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 1 * 2**20
MAX_TOTAL_BYTES = 50 * 2**20
MAX_ENTRIES = 200_000  # names looked at; only the assignment's files are ever read


@dataclass
class Intake:
    """The submitted files by name, and what was wrong with the submission."""

    files: dict[str, bytes] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # expected file -> why it's unusable
    notes: list[str] = field(default_factory=list)  # everything else worth saying
    folders: set[str] = field(default_factory=set)  # the names of the folders seen


@dataclass(frozen=True)
class _Entry:
    path: str  # posix path inside the submission
    size: int
    read: object  # () -> bytes


def _zip_name(info: zipfile.ZipInfo) -> str | None:
    """The entry's name as UTF-8 text, or None when it is not valid UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.orig_filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def _unsafe(name: str) -> str | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in path.parts:
        return "a '..' component"
    return None


def _zip_entries(archive: Path, intake: Intake) -> list[_Entry]:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        intake.notes.append(f"{archive.name} is not a readable zip file ({exc})")
        return []
    entries = []
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        intake.notes.append(
            f"{archive.name} has {len(infos)} entries; only the first {MAX_ENTRIES} were read"
        )
    for info in infos[:MAX_ENTRIES]:
        name = _zip_name(info)
        if name is None:
            intake.notes.append(f"skipped an entry whose name is not UTF-8: {info.orig_filename!r}")
            continue
        if info.is_dir():
            intake.folders.add(PurePosixPath(name.replace("\\", "/")).name)
            continue
        for parent in PurePosixPath(name.replace("\\", "/")).parents:
            intake.folders.add(parent.name)
        reason = _unsafe(name)
        if reason:
            intake.notes.append(f"skipped {name!r}: {reason} is not allowed in a submission")
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            intake.notes.append(f"skipped {name!r}: symbolic links are not accepted")
            continue
        entries.append(_Entry(name, info.file_size, lambda i=info: zf.read(i)))
    return entries


def _folder_entries(folder: Path, intake: Intake) -> list[_Entry]:
    entries: list[_Entry] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in sorted(dirnames):
            intake.folders.add(name)
            if os.path.islink(os.path.join(dirpath, name)):
                intake.notes.append(f"skipped {name!r}: symbolic links are not accepted")
        for name in sorted(filenames):
            full = Path(dirpath) / name
            rel = full.relative_to(folder).as_posix()
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                intake.notes.append(f"skipped a file whose name is not UTF-8: {rel!r}")
                continue
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                intake.notes.append(f"skipped {rel!r}: symbolic links are not accepted")
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            entries.append(_Entry(rel, info.st_size, lambda p=full: p.read_bytes()))
            if len(entries) >= MAX_ENTRIES:
                intake.notes.append(f"only the first {MAX_ENTRIES} files were read")
                return entries
    return entries


def _entries(path: Path, intake: Intake) -> list[_Entry]:
    if path.is_file():
        return _zip_entries(path, intake)
    if not path.is_dir():
        intake.notes.append(f"the submission {path.name} does not exist")
        return []
    entries = _folder_entries(path, intake)
    zips = [e for e in entries if e.path.lower().endswith(".zip")]
    if len(zips) == 1 and not any(e.path.endswith(".py") for e in entries):
        intake.notes.append(f"read the files inside {zips[0].path}")
        return _zip_entries(path / zips[0].path, intake)
    return entries


def read_submission(path: Path, expected: tuple[str, ...]) -> Intake:
    """Collect the ``expected`` files from the folder or zip at ``path``."""
    intake = Intake()
    entries = _entries(path, intake)
    if not entries:
        intake.notes.append("the submission is empty: upload " + ", ".join(expected))
    by_name: dict[str, list[_Entry]] = {}
    for entry in entries:
        # Some Windows tools write "folder\\file.py" into zips.
        by_name.setdefault(PurePosixPath(entry.path.replace("\\", "/")).name, []).append(entry)
    total = 0
    for name in expected:
        candidates = sorted(by_name.get(name, []), key=lambda e: (e.path.count("/"), e.path))
        if not candidates:
            intake.problems[name] = _missing(name, by_name, expected, intake.folders)
            continue
        chosen = candidates[0]
        if len(candidates) > 1:
            others = ", ".join(c.path for c in candidates[1:])
            intake.notes.append(
                f"several files named {name}: graded {chosen.path}, ignored {others}"
            )
        if chosen.size > MAX_FILE_BYTES:
            intake.problems[name] = (
                f"{name} is {chosen.size:,} bytes, over the limit of {MAX_FILE_BYTES:,}: "
                "submit the source file only"
            )
            continue
        if total + chosen.size > MAX_TOTAL_BYTES:
            intake.problems[name] = f"the submitted files exceed {MAX_TOTAL_BYTES:,} bytes in all"
            continue
        try:
            data = chosen.read()  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - a damaged zip entry is the submission's problem
            intake.problems[name] = (
                f"{name} could not be read from the submission ({type(exc).__name__}: {exc}): "
                "zip the files again and resubmit"
            )
            continue
        if len(data) > MAX_FILE_BYTES:  # a zip may lie about sizes
            intake.problems[name] = f"{name} is larger than {MAX_FILE_BYTES:,} bytes"
            continue
        if not data.strip():
            intake.problems[name] = (
                f"{name} is empty: submit the file with your code in it (save it before zipping)"
            )
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            intake.problems[name] = f"{name} is not UTF-8 text: save it as UTF-8 and resubmit"
            continue
        total += len(data)
        intake.files[name] = data
    return intake


def _missing(
    name: str, by_name: dict[str, list[_Entry]], expected: tuple[str, ...], folders: set[str]
) -> str:
    if name in folders:
        return f"{name} is a folder in the submission, not a file: submit the file {name} itself"
    stem = name.removesuffix(".py")
    compiled = sorted(n for n in by_name if n.endswith(".pyc") and n.split(".")[0] == stem)
    if compiled:
        return (
            f"{name} was not submitted, only {compiled[0]!r}, a compiled file the grader "
            f"cannot read: submit the source file {name}"
        )
    others = [n.lower() for n in by_name if n not in expected]  # never another required file
    near = difflib.get_close_matches(name.lower(), others, n=1, cutoff=0.6)
    if near:
        actual = next(n for n in by_name if n.lower() == near[0])
        return f"{name} was not submitted; found {actual!r}: rename it to {name}"
    return f"{name} was not submitted"
