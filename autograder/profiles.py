"""Import profiles: which installed packages a case's worker can see at all.

Per-file import rules cannot be kept inside one process (a numpy-only file takes torch
from a sibling, from ``sys.modules``, from a thread, through ctypes). So each case runs in
a worker whose view of the filesystem lacks every package that one of the submitted
files it calls may not import, and the files of the data sets: for those files, the
package is simply not there. Cases with the same profile share a worker.

Two ways to take a package out of a worker's view, chosen by the sandbox:
- with bubblewrap, each site-packages folder is an empty tmpfs with every entry but the
  hidden ones bound back into it (`bwrap_args`);
- as root without bubblewrap (Gradescope's unprivileged container), `lock_down` gives
  each hideable entry to a group of its own and takes it from everyone else; a worker
  joins the groups of the packages its profile allows (`groups_for`). Protected data
  goes to root alone. This changes the machine's files, so it is done only where the
  grading machine is the grader's alone (``run_autograder`` opts in).
"""

from __future__ import annotations

import functools
import grp
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

LOCKDOWN_ENV = "DLGRADER_LOCKDOWN"  # "1": lock installed packages down by group (root)
GROUP_PREFIX = "dlg-"
# The course's own packages come to the worker on its PYTHONPATH, as copies without
# the reference; an editable install's finder would point back at the repository.
ALWAYS_HIDDEN_PREFIX = "__editable__"


def hidden_modules(
    files: Iterable[str], forbidden: Mapping[str, tuple[str, ...]]
) -> frozenset[str]:
    """The top-level modules absent from the worker of a case that calls ``files``: every
    module one of them may not import."""
    return frozenset(m for f in files for m in forbidden.get(f, ()))


@functools.cache
def installed_modules(sites: tuple[str, ...]) -> frozenset[str]:
    """The top-level modules the site folders hold: hiding any other is a no-op, and
    must not split the cases into more workers than the machine needs."""
    found = set()
    for site in sites:
        try:
            found |= {stem(name) for name in os.listdir(site)}
        except OSError:
            continue
    return frozenset(found)


def stem(entry: str) -> str:
    """The module a site-packages entry belongs to: ``torch-2.1.dist-info`` and
    ``scipy.libs`` belong to ``torch`` and ``scipy``."""
    return re.split(r"[.-]", entry, maxsplit=1)[0]


def site_dirs(paths: Iterable[str]) -> list[str]:
    """The folders among ``paths`` that hold installed packages."""
    return [p for p in paths if Path(p).name in ("site-packages", "dist-packages")]


def _entries(site: str) -> list[str]:
    try:
        return sorted(os.listdir(site))
    except OSError:
        return []


def _hidden(name: str, hidden: frozenset[str]) -> bool:
    """Whether the site-packages entry ``name`` is out of a worker's view."""
    return stem(name) in hidden or name.startswith(ALWAYS_HIDDEN_PREFIX)


def protected_dirs(sites: Iterable[str], protected: Iterable[str]) -> list[str]:
    """The data-set folders (``sklearn/datasets/data``) found under the site folders."""
    found = []
    for site in sites:
        for relative in protected:
            path = os.path.join(site, relative.strip("/"))
            if os.path.isdir(path):
                found.append(path)
    return found


def bwrap_args(sites: Iterable[str], hidden: frozenset[str], protected: Iterable[str]) -> list[str]:
    """bubblewrap arguments (after the system and site folders are bound) that take the
    hidden packages and the protected data out of the worker's view."""
    args: list[str] = []
    masked: list[str] = []
    sites = list(sites)
    for site in sites:
        names = _entries(site)
        if not any(_hidden(name, hidden) for name in names):
            continue
        args += ["--tmpfs", site]
        for name in names:
            if not _hidden(name, hidden):
                path = os.path.join(site, name)
                if os.path.islink(path):
                    args += ["--symlink", os.readlink(path), path]
                else:
                    args += ["--ro-bind", path, path]
        masked.append(site)
    for path in protected_dirs(sites, protected):
        module = Path(path).relative_to(_site_of(path, sites)).parts[0]
        if stem(module) not in hidden:
            args += ["--tmpfs", path]
    for site in masked:
        args += ["--remount-ro", site]
    return args


def _site_of(path: str, sites: list[str]) -> str:
    return next(s for s in sites if path.startswith(s.rstrip("/") + "/"))


def group_name(module: str) -> str:
    return f"{GROUP_PREFIX}{module}"[:32]


def lockdown_requested() -> bool:
    return os.environ.get(LOCKDOWN_ENV) == "1"


def lock_down(sites: Iterable[str], hideable: frozenset[str], protected: Iterable[str]) -> None:
    """As root: give each entry of ``hideable`` modules in the site folders to its own
    group (mode o-rwx), the editable install's entries and the protected data folders to
    root alone. Idempotent."""
    sites = list(sites)
    for site in sites:
        for name in (n for n in _entries(site) if _hidden(n, hideable)):
            module = stem(name)
            gid = _ensure_group(group_name(module)) if module in hideable else 0
            _own(os.path.join(site, name), gid)
        if os.stat(site).st_mode & 0o002:
            raise RuntimeError(f"{site} is writable by everyone: the lockdown cannot hold")
    for path in protected_dirs(sites, protected):
        _own(path, 0)


def _own(path: str, gid: int) -> None:
    info = os.lstat(path)
    if os.path.islink(path):
        os.lchown(path, info.st_uid, gid)
        return
    os.chown(path, info.st_uid, gid)
    # the top entry suffices: nothing below it can be reached without passing it; the
    # group gets the owner's read and search rights, everyone else none
    os.chmod(path, (info.st_mode & 0o7700) | ((info.st_mode & 0o500) >> 3))


def _ensure_group(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        groupadd = shutil.which("groupadd", path="/usr/sbin:/sbin:/usr/bin:/bin") or "groupadd"
        subprocess.run([groupadd, "--system", name], check=True, capture_output=True)
        return grp.getgrnam(name).gr_gid


def groups_for(hidden: frozenset[str]) -> list[int]:
    """The supplementary groups of a worker whose profile hides ``hidden``: the group of
    every package locked on this machine (by any assignment's grading) but those."""
    return sorted(
        g.gr_gid
        for g in grp.getgrall()
        if g.gr_name.startswith(GROUP_PREFIX) and g.gr_name[len(GROUP_PREFIX) :] not in hidden
    )
