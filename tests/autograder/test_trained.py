"""Judging trained models on their weights: validation messages, thresholds, and the
trusted evaluation process (every case gets a verdict or a clear failure)."""

from __future__ import annotations

import numpy as np
import pytest
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder import evaluator
from autograder.assignment import Assignment
from autograder.cases import from_function, judged_by
from autograder.trained import Threshold, on_weights, weights, weights_problem

SHAPES = {"w": (3, 2), "b": (2,)}


def test_weights_problem_names_the_first_thing_wrong() -> None:
    good = {"w": np.zeros((3, 2)), "b": np.zeros(2)}
    assert weights_problem(good, SHAPES, "hint") is None
    assert "no weights named b (2,): hint" in weights_problem({"w": good["w"]}, SHAPES, "hint")
    extra = dict(good, c=np.zeros(1))
    assert "lacks: c: hint" in weights_problem(extra, SHAPES, "hint")
    wrong = dict(good, w=np.zeros((2, 3)))
    assert "w has shape (2, 3), expected (3, 2): hint" in weights_problem(wrong, SHAPES, "hint")
    assert "holds NaN" in weights_problem(dict(good, b=np.array([0.0, np.inf])), SHAPES, "h")
    assert "got list" in weights_problem([1.0], SHAPES, "hint")


def test_thresholds_judge_both_ways_and_report_the_score() -> None:
    accuracy = Threshold("held-out accuracy", 0.9, advice="train longer")
    assert (
        accuracy.judge(0.95).passed
        and "95.0% (needs at least 90.0%)" in accuracy.judge(0.95).message
    )
    low = accuracy.judge(0.5)
    assert not low.passed and low.message.endswith(
        "short of the target (needs at least 90.0%): train longer"
    )
    loss = Threshold("held-out loss", 1.5, at_least=False, format="{:.3f}")
    assert loss.judge(1.2).passed and not loss.judge(1.7).passed
    assert not loss.judge(float("nan")).passed


def test_weights_of_a_model_or_a_clear_error() -> None:
    class Numpy:
        params = {"w": np.zeros(2)}

    assert set(weights(Numpy(), "task", "the model")) == {"w"}
    with pytest.raises(TypeError, match="task returned a list: return the model"):
        weights([1, 2], "task", "the model")


check = on_weights(
    SHAPES,
    lambda w, data: float(np.sum(w["b"]) + data["offset"][0]),
    Threshold("score", 1.0, format="{:g}"),
    apart=True,
)


def _builder(rng: np.random.Generator) -> tuple[dict, dict]:
    return {}, {"offset": np.array([0.5])}


def test_a_weights_check_runs_apart_and_needs_no_reference() -> None:
    @weight(1)
    @number("1.1")
    @judged_by(check)
    def case(sub, rng):
        return {}

    parsed = from_function(case)
    assert parsed.apart and not parsed.needs_expected
    ok = check({"weights": {"w": np.zeros((3, 2)), "b": np.ones(2)}}, {}, {"offset": [0.5]})
    assert ok.passed and ok.message == "score 2.5 (needs at least 1)"


def test_the_evaluation_process_judges_and_survives_what_it_cannot_judge() -> None:
    """A real case of hw2 (its check needs torch), and a case its process cannot import:
    the first gets its verdict, the second none, with the trace for the instructor."""
    case = next(c for c in Assignment.load("hw2").all_cases() if c.number == "10.2")

    @weight(1)
    @number("1.1")
    @judged_by(check)
    def unimportable(sub, rng):
        return {}

    items = [
        evaluator.Item(case, {"weights": {"features.0.weight": np.zeros((8, 1, 3, 3))}}, {}, 3),
        evaluator.Item(from_function(unimportable), {"weights": {}}, {}, 3),
    ]
    evaluation = evaluator.evaluate(items)
    first, second = evaluation.verdicts
    assert first is not None and not first.passed
    assert "no weights named" in first.message or "has shape" in first.message, first.message
    assert second is None and "1.1 unimportable" in evaluation.log
    assert "Error" in evaluation.log
