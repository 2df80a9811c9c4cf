"""Run one case on a submission and capture what it produced or how it failed.

Everything a case raises is caught here and turned into a short message: an unfinished
stub (`NotImplementedError`) becomes "not implemented yet: <task>", any other exception
names its type, message and the line of the submission that raised it.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.cases import Case
from autograder.outputs import Outputs, OutputTypeError, normalize
from autograder.submission import Submission

# Why a case has no outputs. The judge writes the messages of "timeout", "crash",
# "blocked", "budget" and "internal" itself; the others come from the worker, so for
# hidden cases only their kind is shown (see `judge.judge_case`).
KINDS = (
    "ok",
    "not_implemented",  # the task still raises NotImplementedError
    "exception",  # the submission raised
    "output_type",  # it returned something that is not plain data
    "timeout",  # the case ran past its time limit
    "crash",  # the worker process died
    "protocol",  # the worker sent malformed data
    "blocked",  # not run: a file is missing, does not parse, or imports what it may not
    "budget",  # not run: the grading time budget ran out
    "internal",  # the grader failed
)
# The kinds a worker may report; any other kind it claims is read as "exception", so
# that a submission cannot pass its own text off as the judge's (a timeout message, say).
WORKER_KINDS = ("not_implemented", "exception", "output_type")


@dataclass(frozen=True)
class RunOutcome:
    """Normalized outputs, or the reason there are none and its kind (one of KINDS)."""

    outputs: Outputs | None = None
    error: str | None = None
    kind: str = "ok"

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def failed(cls, kind: str, error: str) -> RunOutcome:
        return cls(error=error, kind=kind if kind in KINDS else "exception")


def location(exc: BaseException, folder: Path) -> str:
    """``" (arrays.py, line 12, in softmax)"``: the deepest frame inside the submission."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if Path(f.filename).parent == folder  # the submitted modules, not the cases
    ]
    if not frames:
        return ""
    frame = frames[-1]
    return f" ({Path(frame.filename).name}, line {frame.lineno}, in {frame.name})"


def describe_error(exc: BaseException, folder: Path) -> RunOutcome:
    """The failed outcome for an exception: its kind, and one line for a student saying
    what went wrong and where."""
    if isinstance(exc, NotImplementedError):
        text = f"not implemented yet: {exc}" if str(exc) else "not implemented yet"
        return RunOutcome.failed("not_implemented", text)
    if isinstance(exc, OutputTypeError):
        return RunOutcome.failed("output_type", f"wrong return type: {exc}")
    if isinstance(exc, SystemExit):
        return RunOutcome.failed("exception", f"the submission called sys.exit({exc.code!r})")
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if isinstance(exc, MemoryError):
        text += " (over the memory the grader gives a case: hold less at once)"
    return RunOutcome.failed("exception", text + location(exc, folder))


def run_case(case: Case, submission: Submission, seed: int) -> RunOutcome:
    """Call ``case.func(submission, rng)`` with a fresh generator seeded by ``seed``
    (and the case's grader data, made here, when it has some)."""
    rng = np.random.default_rng(seed)
    args = (case.make_data(seed)[0],) if case.data is not None else ()
    try:
        outputs = normalize(case.func(submission, rng, *args))
    except Exception as exc:  # noqa: BLE001 - every failure of student code is a verdict
        return describe_error(exc, submission.folder)
    return RunOutcome(outputs=outputs)
