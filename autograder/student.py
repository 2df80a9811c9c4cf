"""What a student's `make test` runs: public cases against the shipped fixtures.

A failing case fails its test with one readable line (``pytrace=False``): the output
that differs and by how much, or "not implemented yet: <task>: <hint>".
"""

from __future__ import annotations

from functools import cache

import pytest

from autograder import fixtures
from autograder.assignment import Assignment
from autograder.cases import Case, case_seed
from autograder.judge import verdict
from autograder.outputs import Outputs
from autograder.runner import run_case
from autograder.submission import Submission


@cache
def _expected(name: str) -> dict[str, Outputs]:
    return fixtures.read(Assignment.load(name))


def public_cases(name: str) -> list[Case]:
    """The public cases of assignment ``name``, in number order."""
    return Assignment.load(name).public_cases()


def check_public_case(name: str, case: Case) -> None:
    """Run ``case`` on the importable package ``name`` and fail the test on any difference."""
    expected = _expected(name)
    if case.name not in expected:
        pytest.fail(
            f"no expected outputs for {case.label} in {name}/fixtures/public.npz: "
            "your handout may be out of date; download it again",
            pytrace=False,
        )
    seed = case_seed(name, case)
    outcome = run_case(case, Submission.installed(name), seed)
    if outcome.error is not None:
        pytest.fail(outcome.error, pytrace=False)
    result = verdict(case, outcome.outputs, expected[case.name], seed)
    if not result.passed:
        pytest.fail(result.message, pytrace=False)
