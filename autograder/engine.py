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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.protocol import FrameReader, ProtocolError, decode_outputs
from autograder.runner import RunOutcome
from autograder.sandbox import Limits, Plan, kill_leftovers, preexec, site_path

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
    """One case for the worker: where its function lives and its seed."""

    module: str
    function: str
    seed: int
    timeout_s: float


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
    """What the workers printed (capped) and how many were started."""

    stdout: bytearray = field(default_factory=bytearray)
    workers: int = 0
    cap: int = 64 * 1024

    def add(self, chunk: bytes) -> None:
        room = self.cap - len(self.stdout)
        if room > 0:
            self.stdout.extend(chunk[:room])


def _drain(stream: object, log: EngineLog, lock: threading.Lock) -> None:
    read = stream.read1  # type: ignore[attr-defined]
    while chunk := read(65536):
        with lock:
            log.add(chunk)


def _describe_exit(code: int) -> str:
    # A signal shows as -N from a direct child, as 128 + N through bubblewrap's init.
    number = -code if code < 0 else code - 128 if code > 128 else 0
    if number in {s.value for s in signal.Signals}:
        sig = signal.Signals(number)
        return SIGNAL_WORDS.get(sig, f"was killed by signal {sig.name}")
    return f"exited with status {code} (os._exit, or a fatal error)"


class Engine:
    """Runs cases for one submission in sandboxed workers."""

    def __init__(self, workspace: Workspace, plan: Plan, limits: Limits, max_output_mb: int = 64):
        self.ws = workspace
        self.plan = plan
        self.limits = limits
        self.max_payload = max_output_mb * 2**20
        self.log = EngineLog()

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
            "PYTHONHASHSEED": "0",
            "PYTHONNOUSERSITE": "1",
            "MPLBACKEND": "Agg",
            "LANG": "C.UTF-8",
        }
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        return env

    def _spawn(
        self, items: Sequence[tuple[int, CaseRequest]]
    ) -> tuple[subprocess.Popen[bytes], int]:
        read_fd, write_fd = os.pipe()
        self.log.workers += 1
        request = self.ws.control / f"request-{self.log.workers}.json"
        request.write_text(
            json.dumps(
                {
                    "assignment": self.ws.assignment,
                    "reply_fd": write_fd,
                    "cases": [
                        {"index": i, "module": r.module, "function": r.function, "seed": r.seed}
                        for i, r in items
                    ],
                }
            )
        )
        request.chmod(0o644)
        argv = [self.plan.python, "-m", "autograder.worker", str(request)]
        readable = [str(self.ws.package_root), str(self.ws.engine_root), str(self.ws.control)]
        from autograder.sandbox import python_paths

        command = self.plan.command(
            argv, readable + python_paths(), [str(self.ws.work)], str(self.ws.work)
        )
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            env=self._env(),
            cwd=self.ws.work,
            preexec_fn=preexec(self.plan, self.limits),
        )
        os.close(write_fd)
        return process, read_fd

    def run(self, requests: Sequence[CaseRequest]) -> list[RunOutcome]:
        """An outcome for every request, in order."""
        outcomes: dict[int, RunOutcome] = {}
        pending = list(enumerate(requests))
        lock = threading.Lock()
        while pending:
            process, fd = self._spawn(pending)
            drainer = threading.Thread(target=_drain, args=(process.stdout, self.log, lock))
            drainer.start()
            try:
                done = self._collect(process, fd, pending, outcomes)
            finally:
                kill_leftovers(self.plan, process.pid)
                process.wait()
                os.close(fd)
                drainer.join(timeout=5)
            pending = pending[done:]
        return [outcomes[i] for i in range(len(requests))]

    def _collect(
        self,
        process: subprocess.Popen[bytes],
        fd: int,
        pending: Sequence[tuple[int, CaseRequest]],
        outcomes: dict[int, RunOutcome],
    ) -> int:
        """Read replies until the worker finishes or fails; return how many cases got one."""
        reader = FrameReader(fd, self.max_payload)
        done = 0
        deadline = time.monotonic() + pending[0][1].timeout_s
        while done < len(pending):
            index, request = pending[done]
            try:
                frame = reader.pop()
            except ProtocolError as exc:
                outcomes[index] = RunOutcome(error=f"the worker sent malformed data: {exc}")
                return done + 1
            if frame is not None:
                if frame.header.get("index") != index:
                    outcomes[index] = RunOutcome(error="the worker replied out of order")
                    return done + 1
                outcomes[index] = self._outcome(frame.header, frame.payload)
                done += 1
                if done < len(pending):
                    deadline = time.monotonic() + pending[done][1].timeout_s
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcomes[index] = RunOutcome(
                    error=f"timed out after {request.timeout_s:g} s (an infinite loop?)"
                )
                return done + 1
            ready, _, _ = select.select([fd], [], [], min(remaining, 1.0))
            if ready:
                chunk = os.read(fd, 1 << 20)
                if chunk:
                    reader.feed(chunk)
                    continue
                code = process.wait()
                outcomes[index] = RunOutcome(error=f"the submission {_describe_exit(code)}")
                return done + 1
        return done

    @staticmethod
    def _outcome(header: dict[str, object], payload: bytes) -> RunOutcome:
        if header.get("status") == "ok":
            try:
                return RunOutcome(outputs=decode_outputs(payload))
            except (ProtocolError, TypeError) as exc:
                return RunOutcome(error=f"wrong return type: {exc}")
        message = header.get("message")
        return RunOutcome(error=str(message)[:2000] if message else "the case failed")
