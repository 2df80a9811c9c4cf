"""Trained models, judged on their weights by trusted code.

A trained-model case runs the submission's training code in the worker and returns the
weights it produced, by name (``{"weights": model.state_dict()}``). The check made by
`on_weights` never sees a prediction of submitted code: it validates the weights' names
and shapes against the architecture the course defines, loads them into the course's
own copy of that architecture and measures it on held-out data that never entered the
submission's process (see `autograder.heldout`). A nearest-neighbour lookup, a table of
answers or predictions computed any other way have nothing to offer it.

    @judged_by(on_weights(DIGITS_MLP, mlp_accuracy, Threshold("held-out accuracy", 0.96)))
    @grader_data(disguised_split(digits, image_shape=(8, 8)))
    def train_digits(sub, rng, data):
        return {"weights": weights(sub.train.train_digits(data["X_train"], ...), ...)}

A check that needs torch runs ``apart``: the judge hands it to a trusted process of its
own (`autograder.evaluator`) once the submission's worker is done, so the judge itself
never holds torch and at most one process holds it at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.cases import Arrays, Check, Verdict
from autograder.outputs import Outputs

Shapes = Mapping[str, tuple[int, ...]]
Weights = dict[str, np.ndarray]
# Trusted evaluation: the validated weights and the check's part of the grader data in,
# one number out (an accuracy, a loss, a return).
Evaluate = Callable[[Weights, Arrays], float]


def weights(model: object, task: str, what: str) -> dict[str, Any]:
    """The named weights of the model a task returned: a torch module's ``state_dict()``,
    or the ``params`` dict of a numpy model (hw1's MLP). Anything else is an error that
    says what to return (``what``: "the trained MLP")."""
    state_dict = getattr(model, "state_dict", None)
    if callable(state_dict):
        state = state_dict()
        if isinstance(state, Mapping):
            return dict(state)
    params = getattr(model, "params", None)
    if isinstance(params, dict):
        return dict(params)
    kind = type(model).__qualname__
    raise TypeError(f"{task} returned a {kind}: return {what} (the grader judges its weights)")


def weights_problem(got: Outputs, shapes: Shapes, hint: str) -> str | None:
    """Why ``got`` is not a set of weights with exactly the names and shapes of
    ``shapes``, finite numbers throughout; None when it is."""
    if not isinstance(got, dict):
        return f"expected the model's weights by name, got {type(got).__name__}: {hint}"
    for name, shape in shapes.items():
        value = got.get(name)
        if value is None:
            continue
        if not isinstance(value, np.ndarray):
            return f"{name} is not an array: {hint}"
        if value.shape != tuple(shape):
            return f"{name} has shape {value.shape}, expected {tuple(shape)}: {hint}"
    missing = [name for name in shapes if name not in got]
    if missing:
        listed = ", ".join(f"{name} {shapes[name]}" for name in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        return f"the model has no weights named {listed}{more}: {hint}"
    extra = sorted(name for name in got if name not in shapes)
    if extra:
        listed = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        return f"the model has weights the course's network lacks: {listed}: {hint}"
    for name, value in got.items():
        if not np.all(np.isfinite(value)):
            return (
                f"{name} holds NaN or infinite values: the training diverged (a smaller "
                "learning rate, or a check of the loss, helps)"
            )
    return None


@dataclass(frozen=True)
class Threshold:
    """What a trained model must reach: ``measure`` at least (or, for a loss, at most)
    ``value``. ``advice`` ends the message of a model that falls short."""

    measure: str  # "held-out accuracy"
    value: float
    at_least: bool = True
    format: str = "{:.1%}"
    advice: str = ""

    def judge(self, score: float) -> Verdict:
        shown, target = self.format.format(score), self.format.format(self.value)
        word = "at least" if self.at_least else "at most"
        needs = f"needs {word} {target}"
        passed = score >= self.value if self.at_least else score <= self.value
        if passed:
            return Verdict(1.0, f"{self.measure} {shown} ({needs})")
        if not np.isfinite(score):
            return Verdict(0.0, f"{self.measure} is {score} ({needs})")
        advice = f": {self.advice}" if self.advice else ""
        return Verdict(0.0, f"{self.measure} {shown}, short of the target ({needs}){advice}")


@dataclass(frozen=True, eq=False)  # hashed by identity, as a function is
class WeightsCheck:
    """The check of a trained-model case: validate ``got["weights"]`` against ``shapes``,
    evaluate them with trusted code, and hold the score to ``threshold``.

    first: a check of the case's other outputs (a loss curve, say), which must pass
    before the weights are judged.
    apart: evaluate in the trusted evaluation process (for checks that need torch).
    It never uses the reference's outputs (`needs_expected` is False): the reference's
    trained weights are neither stored in fixtures nor shipped to students.
    """

    shapes: Shapes
    evaluate: Evaluate
    threshold: Threshold
    hint: str = "build the model as the docstring says"
    first: Check | None = None
    apart: bool = False
    needs_expected: bool = False

    def __call__(self, got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
        return self.judge(got, expected, data)[0]

    def judge(self, got: Outputs, expected: Outputs, data: Arrays) -> tuple[Verdict, float | None]:
        """The verdict, and the score the trained model reached (None when the outputs
        failed before the weights were evaluated)."""
        if not isinstance(got, dict) or "weights" not in got:
            return Verdict(0.0, "the case returned no weights"), None
        before = Verdict(1.0, "")
        if self.first is not None:
            before = self.first(got, expected, data)
            if not before.passed:
                return before, None
        problem = weights_problem(got["weights"], self.shapes, self.hint)
        if problem:
            return Verdict(0.0, problem), None
        score = float(self.evaluate(dict(got["weights"]), data))
        result = self.threshold.judge(score)
        message = "; ".join(m for m in (before.message, result.message) if m)
        return Verdict(result.fraction, message), score


def on_weights(
    shapes: Shapes,
    evaluate: Evaluate,
    threshold: Threshold,
    hint: str = "build the model as the docstring says",
    first: Check | None = None,
    apart: bool = False,
) -> WeightsCheck:
    """A check for `autograder.cases.judged_by`: the trained model is judged on its weights
    (see `WeightsCheck`)."""
    return WeightsCheck(shapes, evaluate, threshold, hint, first, apart)


def recorded_progress(key: str, what: str, rising: bool = False, epochs: str = "epoch") -> Check:
    """A check for ``first``: the case's output ``key`` holds at least two finite numbers,
    one per ``epochs`` (what the task's docstring asks it to record), and the last is
    below the first (above it when ``rising``: a return, say). ``what`` names the numbers
    in messages ("mean training loss")."""

    def check(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
        history = got.get(key) if isinstance(got, dict) else None
        values = np.zeros(0) if history is None else np.asarray(history, dtype=float).ravel()
        if values.size < 2 or not np.all(np.isfinite(values)):
            return Verdict(
                0.0,
                f"{key} holds {values.size} finite values: append each {epochs}'s {what} "
                f"to it (at least two)",
            )
        better = values[-1] > values[0] if rising else values[-1] < values[0]
        if not better:
            word = "above" if rising else "below"
            return Verdict(
                0.0,
                f"the last {epochs}'s {what} ({values[-1]:.3f}) is not {word} the first's "
                f"({values[0]:.3f}): the model does not learn",
            )
        return Verdict(1.0, "")

    return check
