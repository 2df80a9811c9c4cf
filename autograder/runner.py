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


@dataclass(frozen=True)
class RunOutcome:
    """Normalized outputs, or the reason there are none."""

    outputs: Outputs | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _where(exc: BaseException, folder: Path) -> str:
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


def describe_error(exc: BaseException, folder: Path) -> str:
    """One line for a student: what went wrong and where."""
    if isinstance(exc, NotImplementedError):
        return f"not implemented yet: {exc}" if str(exc) else "not implemented yet"
    if isinstance(exc, OutputTypeError):
        return f"wrong return type: {exc}"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text + _where(exc, folder)


def run_case(case: Case, submission: Submission, seed: int) -> RunOutcome:
    """Call ``case.func(submission, rng)`` with a fresh generator seeded by ``seed``."""
    rng = np.random.default_rng(seed)
    try:
        outputs = normalize(case.func(submission, rng))
    except Exception as exc:  # noqa: BLE001 - every failure of student code is a verdict
        return RunOutcome(error=describe_error(exc, submission.folder))
    return RunOutcome(outputs=outputs)
