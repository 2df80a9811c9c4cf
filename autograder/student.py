"""What a student's `make test` runs: the static check of each submitted file, and the
public cases against the shipped fixtures.

A failing test fails with one readable line (``pytrace=False``): the import that is not
allowed, the output that differs and by how much, "not implemented yet: <task>: <hint>",
or the line a case was running when it ran past the grader's time limit.
"""

from __future__ import annotations

import io
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from functools import cache
from types import FrameType

import pytest

from autograder import fixtures
from autograder.assignment import Assignment
from autograder.cases import Case, case_seed
from autograder.judge import verdict
from autograder.outputs import Outputs
from autograder.report import excerpt
from autograder.runner import RunOutcome, location, run_case
from autograder.submission import Submission
from autograder.submit import FileProblem, checked_source
from autograder.usage import bounded_memory


@cache
def _expected(name: str) -> dict[str, Outputs]:
    return fixtures.read(Assignment.load(name))


def public_cases(name: str) -> list[Case]:
    """The public cases of assignment ``name``, in number order."""
    return Assignment.load(name).public_cases()


def submitted_files(name: str) -> list[str]:
    """The files a student of assignment ``name`` submits."""
    return list(Assignment.load(name).config.files)


def check_submitted_file(name: str, filename: str) -> None:
    """Fail the test when ``filename`` is missing, too large, not UTF-8, does not parse, or
    imports what the grader refuses (the checks of `make submit` and the grader)."""
    try:
        checked_source(Assignment.load(name), filename)
        return
    except FileProblem as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)  # outside the handler: one message, not two


class Printed(io.StringIO):
    """What a case's code prints, kept up to ``cap`` characters: a print in a training
    loop must not bury the one line that says what failed."""

    def __init__(self, cap: int = 64 * 1024) -> None:
        super().__init__()
        self.cap = cap

    def write(self, text: str) -> int:
        room = self.cap - self.tell()
        if room > 0:
            super().write(text[:room])
        return len(text)


class CaseTimeout(BaseException):
    """Raised inside a case that ran past its time limit (a BaseException, so that the
    runner's handler for the submission's own errors does not take it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with `CaseTimeout`, where the platform has
    SIGALRM (Linux, macOS) and this is the main thread; elsewhere, no limit."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise CaseTimeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_public_case(name: str, case: Case) -> None:
    """Run ``case`` on the importable package ``name`` and fail the test on any difference,
    or when it runs past the time limit the grader gives it."""
    expected = _expected(name)
    if case.needs_expected and case.name not in expected:
        pytest.fail(
            f"no expected outputs for {case.label} in {name}/fixtures/public.npz: "
            "your handout may be out of date; download it again",
            pytrace=False,
        )
    seed = case_seed(name, case)
    submission = Submission.installed(name)
    config = Assignment.load(name).config
    limit = case.timeout_s or config.case_timeout_s
    outcome: RunOutcome | None = None
    where = ""
    printed = Printed()
    try:
        # the grader's worker may allocate memory_mb: so may the case here (a laptop is
        # spared an allocation that the grader would refuse anyway)
        with (
            redirect_stdout(printed),
            redirect_stderr(printed),
            time_limit(limit),
            bounded_memory(config.memory_mb),
        ):
            outcome = run_case(case, submission, seed)
    except CaseTimeout as exc:  # failed outside this handler: no chained traceback
        where = location(exc, submission.folder)
    if outcome is None:
        message = (
            f"timed out after {limit:g} s, the grader's limit for this case (too slow, or an "
            f"infinite loop){where}"
        )
    elif outcome.error is not None:
        message = outcome.error
    else:
        result = verdict(case, outcome.outputs, expected.get(case.name, {}), seed)
        if result.passed:
            return
        message = result.message
    lines = excerpt(printed.getvalue())
    if lines:
        message += "\nYour code printed (the first lines):\n" + "\n".join(f"    {x}" for x in lines)
    pytest.fail(message, pytrace=False)
