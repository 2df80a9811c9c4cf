"""What a process tree uses right now, read from Linux's /proc, and what a folder holds.

The engine's watchdog reads these while a worker runs: the data-size limit (RLIMIT_DATA)
does not count shared memory (``mmap(MAP_SHARED)``, files on a tmpfs mapped in), and no
resource limit bounds how much a process writes across many files. `make bench` reads
the same numbers for its peak-memory figures. Where there is no /proc (macOS), the
numbers are 0 and the watchdog sees nothing.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def status_mb(pid: int | str, field: str) -> float:
    """A memory figure of /proc/<pid>/status in MB ("VmRSS", "VmData"); 0 without it."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (anonymous, file-backed and shared pages)."""
    return status_mb(pid, "VmRSS")


def descendants(root: int) -> list[int]:
    """Every process below ``root``, however deep."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2 :].split()[1])  # after "(comm) state"
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack += children.get(pid, [])
    return found


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and every process below it, in MB."""
    return rss_mb(root) + sum(rss_mb(pid) for pid in descendants(root))


def folder_mb(folder: Path, max_entries: int = 20_000, owner: int | None = None) -> float:
    """The bytes in the files under ``folder``, in MB; infinite when it holds more than
    ``max_entries`` entries (counting them would cost more than they are worth). With
    ``owner``, only what that user owns counts (and only its folders are entered)."""
    total, seen = 0, 0
    stack = [str(folder)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    info = entry.stat(follow_symlinks=False)
                    if owner is not None and info.st_uid != owner:
                        continue
                    seen += 1
                    if seen > max_entries:
                        return float("inf")
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        total += info.st_blocks * 512
        except OSError:
            continue
    return total / 2**20


@contextmanager
def bounded_memory(headroom_mb: int) -> Iterator[None]:
    """Lower this process's soft data limit to what it uses now plus ``headroom_mb``: a
    submission's outputs that would make judging them exhaust memory raise MemoryError in
    the judge (failing that case) instead of drawing the kernel's OOM killer, which would
    leave no results.json. Children may raise the soft limit back (the hard one stays)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    used_mb = status_mb("self", "VmData")
    if not used_mb:
        yield  # no /proc (macOS): no bound
        return
    limit = int((used_mb + headroom_mb) * 2**20)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
