"""Run cases on a submission in a sandboxed worker process, surviving whatever it does.

One worker runs the cases in order and replies with a frame per case. When it hangs
past a case's timeout, crashes, exits, or sends garbage, the engine kills it (and every
process it left), records a verdict for the case at hand, and starts a fresh worker for
the remaining cases. Every case therefore gets an outcome, whatever the submission does.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from autograder import profiles, usage
from autograder.protocol import FrameReader, ProtocolError, decode_outputs
from autograder.runner import WORKER_KINDS, RunOutcome
from autograder.sandbox import (
    SHARED_TMP,
    Limits,
    Plan,
    kill_leftovers,
    preexec,
    python_paths,
    site_path,
)

T = TypeVar("T")
STARTUP_S = 60.0  # for a fresh worker to start Python and import its libraries
WATCH_S = 0.25  # how often the watchdog reads the worker's memory and folder

SIGNAL_WORDS = {
    signal.SIGSEGV: "crashed the interpreter (segmentation fault)",
    signal.SIGABRT: "aborted the interpreter",
    signal.SIGBUS: "crashed the interpreter (bus error)",
    signal.SIGFPE: "crashed the interpreter (floating-point exception)",
    signal.SIGKILL: "was killed (out of memory, or a process limit)",
    signal.SIGXCPU: "ran out of CPU time",
    signal.SIGXFSZ: "wrote a file larger than the limit",
}


@dataclass(frozen=True)
class CaseRequest:
    """One case for the worker: where its function lives, its seed, and the file of
    its grader data (an ``.npz`` the worker may read), if it has any: given as a
    function, the file is written only when the case starts."""

    module: str
    function: str
    seed: int
    timeout_s: float
    data: str | Callable[[], str | None] | None = None  # a path, or what writes it when due


@dataclass
class Workspace:
    """The folders a worker sees: the assembled package, the engine, control and scratch."""

    assignment: str
    package_root: Path  # holds the assembled <assignment>/ package, read-only to the worker
    engine_root: Path  # holds autograder/ and dlkit/, read-only to the worker
    control: Path  # request files, written here, read-only to the worker
    work: Path  # the worker's writable scratch: cwd, HOME, TMPDIR


@dataclass
class EngineLog:
    """What the workers printed (capped), how many were started, and what the trusted
    evaluation process reported of its failures (for the instructor)."""

    stdout: bytearray = field(default_factory=bytearray)
    workers: int = 0
    cap: int = 64 * 1024
    evaluation: str = ""

    def add(self, chunk: bytes) -> None:
        room = self.cap - len(self.stdout)
        if room > 0:
            self.stdout.extend(chunk[:room])


def _drain(stream: object, log: EngineLog, lock: threading.Lock) -> None:
    read = stream.read1  # type: ignore[attr-defined]
    while chunk := read(65536):
        with lock:
            log.add(chunk)


def _timed_out(seconds: float) -> str:
    return f"timed out after {seconds:g} s (too slow, or an infinite loop)"


def _describe_exit(code: int) -> str:
    # A signal shows as -N from a direct child, as 128 + N through bubblewrap's init.
    number = -code if code < 0 else code - 128 if code > 128 else 0
    if number in {s.value for s in signal.Signals}:
        sig = signal.Signals(number)
        return SIGNAL_WORDS.get(sig, f"was killed by signal {sig.name}")
    return f"exited with status {code} (os._exit, or a fatal error)"


class Engine:
    """Runs cases for one submission in sandboxed workers."""

    def __init__(
        self,
        workspace: Workspace,
        plan: Plan,
        limits: Limits,
        forbidden: dict[str, tuple[str, ...]] | None = None,
        protected_data: tuple[str, ...] = (),
        max_output_mb: int = 64,
    ):
        self.ws = workspace
        self.forbidden = forbidden or {}
        self.protected_data = protected_data
        self.plan = plan
        self.limits = limits
        self.max_payload = max_output_mb * 2**20
        self.log = EngineLog()
        self._next_watch = 0.0
        self._case_fd = -1  # the case pipe of the running worker

    def _env(self) -> dict[str, str]:
        paths = [str(self.ws.package_root), str(self.ws.engine_root)]
        if self.plan.python != sys.executable:  # another interpreter needs our packages
            paths.append(site_path())
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.ws.work),
            "TMPDIR": str(self.ws.work),
            "PYTHONPATH": os.pathsep.join(paths),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",  # what it printed survives os._exit
            "PYTHONHASHSEED": "0",
            "PYTHONNOUSERSITE": "1",
            "MPLBACKEND": "Agg",
            "LANG": "C.UTF-8",
        }
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        return env

    def _spawn(
        self, items: Sequence[tuple[int, CaseRequest]], hidden: frozenset[str]
    ) -> tuple[subprocess.Popen[bytes], int]:
        read_fd, write_fd = os.pipe()
        case_read, case_write = os.pipe()
        self.log.workers += 1
        request = self.ws.control / f"request-{self.log.workers}.json"
        # Where each case's code lives, so that the worker imports it before any of the
        # submission; a case's seed and data come on the case pipe only when it starts
        # (`_send`), so no case knows another's inputs in advance.
        request.write_text(
            json.dumps(
                {
                    "assignment": self.ws.assignment,
                    "reply_fd": write_fd,
                    "case_fd": case_read,
                    "forbidden": {f: list(m) for f, m in self.forbidden.items()},
                    "protected_data": list(self.protected_data),
                    "modules": sorted({r.module for _, r in items}),
                }
            )
        )
        request.chmod(0o644)
        # -P: the worker's writable folder must not shadow the engine on sys.path.
        argv = [self.plan.python, "-P", "-m", "autograder.worker", str(request)]
        readable = [str(self.ws.package_root), str(self.ws.engine_root), str(self.ws.control)]
        interpreter = python_paths()
        sites = profiles.site_dirs(interpreter)
        mask = profiles.bwrap_args(sites, hidden, self.protected_data) if self.plan.bwrap else []
        # packages locked by group (by this run or an earlier one), less the hidden ones
        groups = profiles.groups_for(hidden) if self.plan.uid is not None else []
        command = self.plan.command(
            argv, readable + interpreter, [str(self.ws.work)], str(self.ws.work), mask, groups
        )
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd, case_read),
            env=self._env(),
            cwd=self.ws.work,
            preexec_fn=preexec(self.plan, self.limits, groups),
        )
        os.close(write_fd)
        os.close(case_read)
        self._case_fd = case_write
        return process, read_fd

    def _send(self, index: int, request: CaseRequest) -> None:
        """Start case ``index`` in the worker: its code, seed and data, now."""
        data = request.data() if callable(request.data) else request.data
        line = json.dumps(
            {
                "index": index,
                "module": request.module,
                "function": request.function,
                "seed": request.seed,
                "data": data,
            }
        )
        try:
            os.write(self._case_fd, line.encode() + b"\n")
        except OSError:
            pass  # the worker is gone: reading its replies will say how

    def run(
        self,
        requests: Sequence[CaseRequest],
        judge: Callable[[int, RunOutcome], T],
        budget_s: float = float("inf"),
        started: float | None = None,
        hidden: frozenset[str] = frozenset(),
    ) -> list[T]:
        """Run every request; hand each outcome to ``judge`` as it arrives (so outputs are
        not kept) and return what it made of them, in order. A case still running when
        ``budget_s`` seconds are up (counted from ``started``, a `time.monotonic` reading,
        by default now) is stopped there; cases not started are not run. ``hidden``: the
        top-level modules the workers' import profile leaves out of their view (where
        the sandbox can hide packages; see `autograder.profiles`)."""
        results: dict[int, T] = {}
        pending = list(enumerate(requests))
        lock = threading.Lock()
        stop = (time.monotonic() if started is None else started) + budget_s
        while pending and time.monotonic() < stop:
            process, fd = self._spawn(pending, hidden)
            drainer = threading.Thread(target=_drain, args=(process.stdout, self.log, lock))
            drainer.start()
            try:
                done = self._collect(process, fd, pending, results, judge, stop)
            finally:
                kill_leftovers(self.plan, process.pid)
                process.wait()
                os.close(fd)
                os.close(self._case_fd)
                drainer.join(timeout=5)
            pending = pending[done:]
        for index, _ in pending:
            message = f"not run: the grading time budget of {budget_s:g} s ran out"
            results[index] = judge(index, RunOutcome.failed("budget", message))
        return [results[i] for i in range(len(requests))]

    def _collect(
        self,
        process: subprocess.Popen[bytes],
        fd: int,
        pending: Sequence[tuple[int, CaseRequest]],
        results: dict[int, T],
        judge: Callable[[int, RunOutcome], T],
        stop: float,
    ) -> int:
        """Read replies until the worker finishes or fails; return how many cases got one.

        The worker first says it is ready (Python started, libraries and case code
        imported), within `STARTUP_S`; each case's timeout counts from then on."""
        reader = FrameReader(fd, self.max_payload)
        done, ready = 0, False
        # no deadline goes past the budget's end: a long case started late is cut there
        deadline = min(time.monotonic() + STARTUP_S, stop)
        while done < len(pending):
            index, request = pending[done]
            try:
                frame = reader.pop()
            except ProtocolError as exc:
                message = f"the worker sent malformed data: {exc}"
                results[index] = judge(index, RunOutcome.failed("protocol", message))
                return done + 1
            if frame is not None and not ready:
                ready = True
                deadline = min(time.monotonic() + request.timeout_s, stop)
                self._send(index, request)
                if frame.header.get("ready"):
                    continue
            if frame is not None:
                if frame.header.get("index") != index:
                    message = "the worker replied out of order"
                    results[index] = judge(index, RunOutcome.failed("protocol", message))
                    return done + 1
                results[index] = judge(index, self._outcome(frame.header, frame.payload))
                done += 1
                if done < len(pending):
                    if time.monotonic() >= stop:
                        return done
                    deadline = min(time.monotonic() + pending[done][1].timeout_s, stop)
                    self._send(*pending[done])
                continue
            excess = self._excess(process.pid)
            if excess:
                results[index] = judge(index, RunOutcome.failed("crash", excess))
                return done + 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kind, message = "timeout", _timed_out(request.timeout_s)
                if not ready:
                    message = f"the grader's worker did not start within {STARTUP_S:g} s"
                if time.monotonic() >= stop:
                    kind, message = "budget", "stopped: the grading time budget ran out"
                results[index] = judge(index, RunOutcome.failed(kind, message))
                return done + 1
            readable, _, _ = select.select([fd], [], [], min(remaining, WATCH_S))
            if readable:
                chunk = os.read(fd, 1 << 20)
                if chunk:
                    reader.feed(chunk)
                    continue
                try:
                    code = process.wait(timeout=max(remaining, 0.1))
                except subprocess.TimeoutExpired:
                    message = _timed_out(request.timeout_s)
                    results[index] = judge(index, RunOutcome.failed("timeout", message))
                    return done + 1
                message = f"the submission {_describe_exit(code)}"
                results[index] = judge(index, RunOutcome.failed("crash", message))
                return done + 1
        return done

    def _excess(self, pid: int) -> str | None:
        """What the worker uses beyond its limits, which no rlimit catches: resident memory
        with shared mappings, and the files written to its folder. None within them."""
        now = time.monotonic()
        if now < self._next_watch:
            return None
        self._next_watch = now + WATCH_S
        memory = usage.tree_rss_mb(pid)
        if memory > self.limits.memory_mb:
            return (
                f"the submission used {memory:.0f} MB of memory, over the limit of "
                f"{self.limits.memory_mb} MB (shared memory included)"
            )
        disk = usage.folder_mb(self.ws.work)
        if self.plan.bwrap is None and self.plan.uid is not None:
            # no private /tmp and /dev/shm (both memory, often): count the user's files there
            disk += sum(usage.folder_mb(Path(p), owner=self.plan.uid) for p in SHARED_TMP)
        if disk > self.limits.disk_mb:
            return (
                f"the submission wrote more than {self.limits.disk_mb} MB of files "
                "(or too many files) into its folder"
            )
        return None

    @staticmethod
    def _outcome(header: dict[str, object], payload: bytes) -> RunOutcome:
        if header.get("status") == "ok":
            try:
                return RunOutcome(outputs=decode_outputs(payload))
            except (ProtocolError, TypeError) as exc:
                return RunOutcome.failed("output_type", f"wrong return type: {exc}")
        message = str(header.get("message") or "the case failed")[:2000]
        kind = str(header.get("kind"))
        return RunOutcome.failed(kind if kind in WORKER_KINDS else "exception", message)
