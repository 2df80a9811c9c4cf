from __future__ import annotations

import types

import numpy as np
import pytest
from gradescope_utils.autograder_utils.decorators import number, visibility, weight

from autograder.cases import CaseDefinitionError, case_seed, collect, from_function, time_limit
from autograder.judge import WRONG_ANSWER, judge_case
from autograder.runner import RunOutcome


def _module(**funcs: object) -> types.ModuleType:
    module = types.ModuleType("fake_cases")
    for name, func in funcs.items():
        func.__module__ = "fake_cases"  # type: ignore[attr-defined]
        setattr(module, name, func)
    return module


def make(name: str, num: str, points: float = 1, vis: str = "visible"):  # type: ignore[no-untyped-def]
    def case(sub, rng):  # type: ignore[no-untyped-def]
        """first line

        more text"""
        return 0

    case.__name__ = name
    return weight(points)(number(num)(visibility(vis)(case)))


def test_metadata_is_read_from_the_decorators() -> None:
    case = from_function(make("alpha", "2.1", 3))
    assert (case.name, case.number, case.points, case.visibility) == (
        "alpha",
        "2.1",
        3.0,
        "visible",
    )
    assert case.description == "first line" and case.label == "2.1 alpha"
    assert case.timeout_s is None  # the assignment's limit applies


def test_time_limit_gives_a_case_its_own_timeout() -> None:
    assert from_function(time_limit(90)(make("slow", "3.1"))).timeout_s == 90.0


def test_collect_sorts_by_number_numerically() -> None:
    module = _module(
        a=make("a", "10.1"), b=make("b", "2.1"), c=make("c", "2.10"), d=make("d", "2.2")
    )
    assert [c.number for c in collect([module])] == ["2.1", "2.2", "2.10", "10.1"]


def test_duplicate_names_or_numbers_are_errors() -> None:
    with pytest.raises(CaseDefinitionError, match="number"):
        collect([_module(a=make("a", "1.1"), b=make("b", "1.1"))])


@pytest.mark.parametrize(
    ("func", "problem"),
    [
        (number("1.1")(lambda s, r: 0), "lacks __weight__"),
        (make("x", "1.1", points=0), "positive"),
        (make("x", "1.1", vis="secret"), "visibility"),
        (time_limit(0)(make("x", "1.1")), "time_limit"),
        (time_limit(float("inf"))(make("x", "1.1")), "time_limit"),
    ],
)
def test_bad_metadata_is_an_error(func: object, problem: str) -> None:
    with pytest.raises(CaseDefinitionError, match=problem):
        from_function(func)  # type: ignore[arg-type]


def test_seeds_are_stable_and_depend_on_salt_and_case() -> None:
    a, b = from_function(make("a", "1.1")), from_function(make("b", "1.2"))
    assert case_seed("ps0", a) == case_seed("ps0", a)
    assert len({case_seed("ps0", a), case_seed("ps0", b), case_seed("ps0", a, "secret")}) == 3


def test_a_failed_comparison_names_the_rule_the_case_checks_but_only_in_public() -> None:
    def case(sub, rng):  # type: ignore[no-untyped-def]
        """cross-entropy on scores 1000 apart: subtract the max,
        never log(softmax)

        Measured: details a student does not need."""
        return 0

    checked = from_function(weight(1)(number("9.5")(visibility("visible")(case))))
    assert checked.description == (
        "cross-entropy on scores 1000 apart: subtract the max, never log(softmax)"
    )
    outcome = RunOutcome({"loss": np.float64(np.inf)})
    public = judge_case(checked, outcome, {"loss": np.float64(1249.7)})
    assert public.output.startswith("out['loss'] differs")
    assert public.output.endswith(f"(this case: {checked.description})")
    hidden = judge_case(checked, outcome, {"loss": np.float64(1249.7)}, detailed=False)
    assert hidden.output == WRONG_ANSWER
