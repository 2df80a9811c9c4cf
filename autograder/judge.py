"""Judge a case's outputs and grade a submission case by case.

Trusted code: it decides scores from plain data only (normalized outputs), with the
default `compare` or a case's own check.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from autograder.cases import Case, Verdict
from autograder.compare import compare
from autograder.outputs import Outputs
from autograder.results import CaseResult, GradeReport
from autograder.runner import RunOutcome, run_case
from autograder.submission import Submission


def verdict(case: Case, got: Outputs, expected: Outputs, seed: int = 0) -> Verdict:
    """Apply the case's check, or the default comparison, to normalized outputs; a check
    also gets the judge's part of the case's grader data for ``seed``."""
    if case.check is None:
        problem = compare(got, expected, case.tol)
        if problem is None:
            return Verdict(1.0, "passed")
        # the numbers say what differs; the case's description, which rule was broken
        return Verdict(
            0.0, f"{problem} (this case: {case.description})" if case.description else problem
        )
    try:
        result = case.check(got, expected, case.make_data(seed)[1])
    except Exception as exc:  # noqa: BLE001 - a check that trips over odd outputs fails the case
        return Verdict(0.0, f"the outputs could not be checked: {type(exc).__name__}: {exc}")
    return Verdict(min(max(result.fraction, 0.0), 1.0), result.message)


# What a hidden case says when it fails. Messages that come from the worker, or that
# describe the submission's outputs, could carry the hidden inputs out (the submission
# chooses their text, their shapes, its exit status): hidden cases show a fixed phrase
# instead. The judge's own messages (timeouts, files not graded) are shown as they are.
HIDDEN_VERDICTS = {
    "not_implemented": "not implemented yet",
    "exception": "your code raised an exception; the public cases of this task show "
    "which, and where",
    "output_type": "the returned value is not made of numbers and arrays",
    "protocol": "the returned value is not made of numbers and arrays",
    "crash": "the process running your code died (a crash, an exit, or too much memory)",
}
WRONG_ANSWER = "wrong answer: the outputs differ from the expected ones"
FAILED_CHECK = "wrong answer: the outputs fail this case's check"


def judge_case(
    case: Case,
    outcome: RunOutcome,
    expected: Outputs,
    detailed: bool = True,
    seed: int = 0,
    decided: Verdict | None = None,
) -> CaseResult:
    """Turn a run of ``case`` into its result; without ``detailed`` (hidden cases), the
    message is one of a few fixed phrases, never values or the worker's own words.
    ``decided``: the verdict on the outputs, when a trusted process apart reached it."""
    if outcome.error is not None:
        score, message = 0.0, outcome.error
        if not detailed:
            message = HIDDEN_VERDICTS.get(outcome.kind, message)
    else:
        v = decided or verdict(case, outcome.outputs, expected, seed)
        score, message = round(case.points * v.fraction, 6), v.message
        if not detailed:
            wrong = WRONG_ANSWER if case.check is None else FAILED_CHECK
            message = "passed" if v.passed else wrong if v.fraction == 0 else "partly right"
    return CaseResult(
        name=case.label,
        number=case.number,
        score=score,
        max_score=case.points,
        output=message,
        visibility=case.visibility,
        tags=case.tags,
    )


def grade_in_process(
    cases: Sequence[Case],
    submission: Submission,
    reference: Submission,
    seed_for: Callable[[Case], int],
) -> GradeReport:
    """Grade every case in this process, the reference giving the expected outputs
    (where the case's check uses them).

    The reference must run cleanly: an error there is a bug in the assignment, and is
    raised rather than scored.
    """
    start = time.perf_counter()
    results = []
    for case in cases:
        seed = seed_for(case)
        expected = run_case(case, reference, seed) if case.needs_expected else RunOutcome({})
        if not expected.ok:
            raise RuntimeError(f"the reference fails case {case.label}: {expected.error}")
        outcome = run_case(case, submission, seed)
        results.append(judge_case(case, outcome, expected.outputs, seed=seed))
    return GradeReport(tests=results, execution_time=time.perf_counter() - start)
