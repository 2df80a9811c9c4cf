"""How the worker is confined: an unprivileged user, resource limits, and where the
machine allows it, a private filesystem and no network (bubblewrap).

`plan` probes once what this machine permits; `Plan.notes` say in plain words what is
and is not enforced, and go into every grading report.

Layers, each used where available:
- always: its own session (a timeout kills the whole process group), limits on CPU
  time, data size (memory), file size, open files and core dumps, a minimal environment;
- as root: a dedicated unprivileged user (``dlgrader``, ``dlgrader<N>`` for parallel
  slot N), a process limit, and every leftover process of that user killed afterwards;
- with bubblewrap: a filesystem holding only the system, the Python installation and
  the folders the worker needs, less the packages its import profile hides and the
  data sets' files (`autograder.profiles`); new network, process, IPC and UTS namespaces;
- as root without bubblewrap: a new network namespace where the kernel allows it, and
  where ``run_autograder`` asks for it, hidden packages locked away by group;
- without bubblewrap and a network namespace: a seccomp filter that refuses sockets
  other than local (AF_UNIX) ones.
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import os
import pwd
import resource
import shutil
import signal
import site
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder import profiles

CLONE_NEWNET = 0x40000000
SYSTEM_DIRS = ("/usr", "/etc", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
SHARED_TMP = ("/tmp", "/dev/shm", "/var/tmp")  # writable by all where there is no bubblewrap


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker process."""

    cpu_seconds: int = 600
    memory_mb: int = 2048  # data size (rlimit), and resident memory (the engine's watchdog)
    file_mb: int = 64
    disk_mb: int = 256  # all files in the worker's folder together (the watchdog)
    processes: int = 64
    open_files: int = 256


@dataclass
class Plan:
    """What the sandbox does on this machine, decided by `plan`."""

    uid: int | None = None
    gid: int | None = None
    user: str | None = None
    bwrap: str | None = None
    setpriv: str | None = None
    unshare_net: bool = False
    lockdown: bool = False  # root without bubblewrap: packages hidden by group (profiles)
    socket_filter: bool = False  # without bubblewrap: a seccomp filter refuses sockets
    python: str = sys.executable
    notes: list[str] = field(default_factory=list)
    lock_fd: int | None = None  # holds this process's grading slot (see `_claim_slot`)

    def release(self) -> None:
        """Give the grading slot back (a plan is not used after this)."""
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

    @property
    def isolated_filesystem(self) -> bool:
        return self.bwrap is not None

    def summary(self) -> str:
        return "; ".join(self.notes)

    def command(
        self,
        argv: Sequence[str],
        readable: Sequence[str],
        writable: Sequence[str],
        cwd: str,
        mask: Sequence[str] = (),
        groups: Sequence[int] = (),
    ) -> list[str]:
        """The full command line that runs ``argv`` confined; ``mask``: bubblewrap
        arguments that take paths back out of its view (`profiles.bwrap_args`);
        ``groups``: the worker's supplementary groups (`profiles.groups_for`)."""
        if self.bwrap is None:
            return list(argv)
        prefix = _bwrap_prefix(self.bwrap, self.uid is None, readable, writable, cwd, mask)
        if self.uid is not None and self.setpriv is not None:
            prefix += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", self.setpriv]
            prefix += [f"--reuid={self.uid}", f"--regid={self.gid}"]
            prefix += [f"--groups={','.join(map(str, groups))}" if groups else "--clear-groups"]
            prefix += ["--inh-caps=-all", "--"]
        return prefix + list(argv)


def _site_dirs() -> list[str]:
    dirs = [*site.getsitepackages(), site.getusersitepackages()]
    return [d for d in dict.fromkeys(dirs) if os.path.isdir(d)]


def python_paths() -> list[str]:
    """What the worker's interpreter must read: prefixes, site-packages, its binary."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, *_site_dirs()}
    paths.add(str(Path(os.path.realpath(sys.executable)).parent.parent))
    return sorted(paths)


def _visible_already(path: str) -> bool:
    return any(path == d or path.startswith(d + "/") for d in SYSTEM_DIRS)


TMPFS_MB = 64  # each of the worker's /tmp and /dev/shm, under bubblewrap 0.7 and later


@functools.cache
def _bwrap_has_size(bwrap: str) -> bool:
    """Whether this bubblewrap takes ``--size`` (0.7 and later; Ubuntu 22.04 has 0.6)."""
    try:
        run = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return "--size" in run.stdout + run.stderr


def _bwrap_prefix(
    bwrap: str,
    user_ns: bool,
    readable: Sequence[str],
    writable: Sequence[str],
    cwd: str,
    mask: Sequence[str] = (),
) -> list[str]:
    argv = [bwrap, "--die-with-parent", "--new-session"]
    argv += ["--unshare-all"] if user_ns else ["--unshare-net", "--unshare-pid", "--unshare-ipc"]
    argv += ["--unshare-uts"] if not user_ns else []
    for system in SYSTEM_DIRS:
        if os.path.islink(system):
            argv += ["--symlink", os.readlink(system), system]
        elif os.path.isdir(system):
            argv += ["--ro-bind", system, system]
    # tmpfs writes are memory the data limit does not count: cap them where bwrap can
    size = ["--size", str(TMPFS_MB * 2**20)] if _bwrap_has_size(bwrap) else []
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", *size, "--tmpfs", "/dev/shm"]
    argv += ["--perms", "1777", *size, "--tmpfs", "/tmp"]
    made: set[str] = {"/", "/tmp"}
    binds: list[str] = []
    for flag, paths in (("--ro-bind", readable), ("--bind", writable)):
        for path in dict.fromkeys(os.path.abspath(p) for p in paths):
            if flag == "--ro-bind" and _visible_already(path):
                continue
            for parent in reversed(Path(path).parents):
                if str(parent) not in made and not _visible_already(str(parent)):
                    argv += ["--perms", "0755", "--dir", str(parent)]
                    made.add(str(parent))
            binds += [flag, path, path]
    return argv + binds + list(mask) + ["--chdir", cwd]


def ensure_user(name: str) -> tuple[int, int]:
    """The uid and gid of ``name``, creating it as a system user without a home if needed."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        # run_autograder may be started with a PATH that lacks the sbin folders
        useradd = shutil.which("useradd", path="/usr/sbin:/sbin:/usr/bin:/bin") or "useradd"
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def _unshare_net() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")


# A seccomp filter for workers without a network namespace: socket() is refused for every
# address family but AF_UNIX, and so are io_uring (which could open sockets past the
# filter) and system calls of another ABI (i386, x32) that would go around it.
_SECCOMP_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_IO_URING_SETUP = 425
_ALLOW, _EACCES = 0x7FFF0000, 0x00050000 | 13
_LD, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, |JGE|K, BPF_RET|K


class _Filter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def socket_filter_supported() -> bool:
    return sys.platform == "linux" and os.uname().machine in _SECCOMP_ARCH


def _deny_sockets() -> None:
    """Install the filter in this process (inherited by everything it starts)."""
    arch, socket_nr = _SECCOMP_ARCH[os.uname().machine]
    steps = [
        (_LD, 0, 0, 4),  # seccomp_data.arch
        (_JEQ, 1, 0, arch),
        (_RET, 0, 0, _EACCES),
        (_LD, 0, 0, 0),  # seccomp_data.nr
        (_JGE, 6, 0, 0x40000000),  # x32
        (_JEQ, 5, 0, _IO_URING_SETUP),
        (_JEQ, 1, 0, socket_nr),
        (_RET, 0, 0, _ALLOW),
        (_LD, 0, 0, 16),  # seccomp_data.args[0], low word: the address family
        (_JEQ, 0, 1, 1),  # AF_UNIX
        (_RET, 0, 0, _ALLOW),
        (_RET, 0, 0, _EACCES),
    ]
    filters = (_Filter * len(steps))(*[_Filter(*step) for step in steps])
    program = _Program(len(steps), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(22, 2, ctypes.byref(program), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
        raise OSError(ctypes.get_errno(), "the seccomp filter was refused")


def _drop(uid: int | None, gid: int | None, groups: Sequence[int] = ()) -> None:
    if uid is not None and gid is not None:
        os.setgroups(list(groups))
        os.setgid(gid)
        os.setuid(uid)


def _probe(argv: list[str], preexec_fn: Callable[[], None] | None = None) -> bool:
    try:
        run = subprocess.run(
            argv,
            preexec_fn=preexec_fn,
            capture_output=True,
            timeout=120,
            env={"PATH": os.defpath, "TMPDIR": "/tmp"},
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return run.returncode == 0


MAX_SLOTS = 64


def _lock_folder() -> str:
    """A folder only this user can write: no submission can plant a link there."""
    base = "/run" if os.geteuid() == 0 and os.path.isdir("/run") else tempfile.gettempdir()
    folder = os.path.join(base, f"dlgrader-locks-{os.geteuid()}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise RuntimeError(f"{folder} is not a private folder of this user: remove it")
    return folder


def _claim_slot() -> tuple[int, int]:
    """A grading slot no other process on this machine holds: (slot, its lock's fd).

    Each slot has its own user, and leftovers are killed by user: two grading runs
    sharing a user would kill each other's workers. The lock lives as long as the process.
    """
    folder = _lock_folder()
    for slot in range(MAX_SLOTS):
        path = os.path.join(folder, f"slot-{slot}.lock")
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return slot, fd
    raise RuntimeError(f"all {MAX_SLOTS} grading slots are busy on this machine")


def plan(use_bwrap: bool = True) -> Plan:
    """Probe this machine and decide how to confine this process's workers."""
    p = Plan()
    if os.geteuid() == 0:
        slot, p.lock_fd = _claim_slot()
        p.user = "dlgrader" if slot == 0 else f"dlgrader{slot}"
        p.uid, p.gid = ensure_user(p.user)
        p.setpriv = shutil.which("setpriv")
        p.notes.append(f"the submission runs as the unprivileged user {p.user}")
    else:
        p.notes.append("not run as root: privileges not dropped, no process limit")

    check = [sys.executable, "-S", "-c", "pass"]  # namespaces, binds and user all work
    # DLGRADER_BUBBLEWRAP=off: grade as on a machine without it (the tests try both ways)
    use_bwrap = use_bwrap and os.environ.get("DLGRADER_BUBBLEWRAP") != "off"
    bwrap = shutil.which("bwrap") if use_bwrap else None
    if bwrap and (p.uid is None or p.setpriv):
        p.bwrap = bwrap
        mask = profiles.bwrap_args(profiles.site_dirs(python_paths()), frozenset({"numpy"}), ())
        if _probe(p.command(check, python_paths(), [], "/", mask)):
            p.notes.append(
                "bubblewrap: private filesystem (each case's worker sees only the packages "
                "its files may import, and no data-set files), no network, own process "
                "namespace"
            )
            return p
        p.bwrap = None
    p.notes.append("no bubblewrap: the submission sees the filesystem as its user does")
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if p.uid is not None:
        uid, gid = p.uid, p.gid

        def drop() -> None:
            _drop(uid, gid)

        def drop_unshared() -> None:
            _unshare_net()
            _drop(uid, gid)

        p.python = _python_for(drop)
        if profiles.lockdown_requested():
            p.lockdown = True
            p.notes.append(
                "packages a file may not import, and data-set files, locked away from the "
                "grading user by group permissions"
            )
        else:
            p.notes.append(
                "packages a file may not import are installed where the submission can "
                "read them: only an in-process guard refuses them"
            )
        # DLGRADER_BUBBLEWRAP=off stands for Gradescope's unprivileged container, where
        # the kernel refuses a network namespace too
        emulated = os.environ.get("DLGRADER_BUBBLEWRAP") == "off"
        if not emulated and _probe([p.python, "-c", "pass"], drop_unshared):
            p.unshare_net = True
            p.notes.append("network namespace: no network")
    else:
        p.notes.append("packages a file may not import are refused by an in-process guard only")
    if not p.unshare_net:
        p.socket_filter = _socket_filter_works(p.python, drop)
        p.notes.append(
            "network blocked by a system-call filter (no sockets but local ones)"
            if p.socket_filter
            else "network not blocked"
        )
    return p


def _socket_filter_works(python: str, drop: Callable[[], None]) -> bool:
    """Whether the seccomp filter installs here and refuses an internet socket."""
    if not socket_filter_supported():
        return False

    def filtered() -> None:
        drop()
        _deny_sockets()

    fine = _probe([python, "-c", "pass"], filtered)
    code = "import socket, sys\ntry:\n socket.socket()\nexcept OSError:\n sys.exit(0)\nsys.exit(1)"
    return fine and _probe([python, "-c", code], filtered)


def _python_for(drop: Callable[[], None]) -> str:
    """An interpreter the dropped user can execute (a venv under a 0700 home is not one)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    for candidate in candidates:
        if os.path.exists(candidate) and _probe([candidate, "-c", "pass"], drop):
            return candidate
    raise RuntimeError(
        f"no Python {version} that the grading user can execute: install python{version} "
        "system-wide (the interpreter of a venv under a private home directory will not do)"
    )


def site_path() -> str:
    """PYTHONPATH entries that give another interpreter this environment's packages."""
    return os.pathsep.join(_site_dirs())


def preexec(p: Plan, limits: Limits, groups: Sequence[int] = ()) -> Callable[[], None]:
    """What the child does between fork and exec: session, limits, namespace, user (with
    ``groups``, the packages its import profile allows where `Plan.lockdown` holds)."""
    uid = None if p.bwrap else p.uid  # with bubblewrap, setpriv drops inside the sandbox
    gid = None if p.bwrap else p.gid

    def setup() -> None:
        os.setsid()
        for limit, value in (
            (resource.RLIMIT_CPU, limits.cpu_seconds),
            (resource.RLIMIT_DATA, limits.memory_mb * 2**20),
            (resource.RLIMIT_FSIZE, limits.file_mb * 2**20),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_NOFILE, limits.open_files),
        ):
            resource.setrlimit(limit, (value, value))
        if p.uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        if p.unshare_net:
            _unshare_net()
        _drop(uid, gid, groups)
        if p.socket_filter:
            _deny_sockets()

    return setup


def kill_leftovers(p: Plan, pid: int) -> None:
    """Kill the worker's process group and, as root, every process of the worker's user."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if p.uid is None:
        return
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only kills and exits
        try:
            os.setuid(p.uid)
            os.kill(-1, signal.SIGKILL)  # every process this uid may signal: its own
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    if p.bwrap is None:
        remove_files_of(p.uid)


def remove_files_of(uid: int) -> None:
    """Remove what the user ``uid`` left in the shared temporary folders: the next
    submission graded by the same user must not find it."""
    for folder in SHARED_TMP:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue
