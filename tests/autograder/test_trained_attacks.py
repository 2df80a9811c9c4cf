"""Trained-model cases through the real Gradescope zips, tried as an attacker would: a
nearest-neighbour classifier, predictions in place of a model, and weights trained
elsewhere (on every digit, the held-out ones included) pasted into the source. Each
earns nothing on the trained-model cases, with a message that says why."""

from __future__ import annotations

import base64
import io
import shutil
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dlkit.data import digits

HW1_CASES = ("16.1", "16.2")
HW2_CASES = ("10.2", "10.3")


def _replace_tail(sample: Path, dest: Path, file: str, start: str, code: str) -> Path:
    """A copy of ``sample`` whose ``file`` has everything from ``start`` on replaced."""
    shutil.copytree(sample, dest)
    text = (dest / file).read_text()
    assert start in text, f"{start!r} is not in {file}"
    (dest / file).write_text(text[: text.index(start)] + textwrap.dedent(code))
    return dest


def _arrays_literal(arrays: dict[str, np.ndarray]) -> str:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()})
    return base64.b64encode(buffer.getvalue()).decode()


def _results(gradescope: Any, submission: Path, numbers: tuple[str, ...]) -> list[dict]:
    results, _ = gradescope.run(submission)
    by_number = {t["number"]: t for t in results["tests"]}
    return [by_number[n] for n in numbers]


HW1_ATTACKS = {
    "returns_predictions": """
        def train_digits(X_train, y_train, rng):
            return np.zeros(359, dtype=np.int64)
        """,
    "nearest_neighbour_in_params": """
        class NearestNeighbour:
            def __init__(self, X, y):
                self.params = {"X": X, "y": y.astype(float)}
            def predict(self, X):
                d = ((X[:, None, :] - self.params["X"][None]) ** 2).sum(-1)
                return self.params["y"][d.argmin(1)].astype(int)

        def train_digits(X_train, y_train, rng):
            return NearestNeighbour(X_train / 16.0, y_train)
        """,
}


@pytest.fixture(scope="module")
def hw1_trained_elsewhere() -> str:
    from hw1.train import train_digits

    X, y = digits()
    return _arrays_literal(train_digits(X, y, np.random.default_rng(0)).params)


@pytest.mark.parametrize("attack", [*sorted(HW1_ATTACKS), "pastes_weights"])
def test_hw1_attacks_earn_nothing_on_the_digits_cases(
    attack: str, homework_hw1: Any, hw1_trained_elsewhere: str, tmp_path: Path
) -> None:
    gradescope, samples = homework_hw1
    code = (
        HW1_ATTACKS.get(attack)
        or f"""
        import base64, io
        WEIGHTS = "{hw1_trained_elsewhere}"

        def train_digits(X_train, y_train, rng):
            model = MLP(DIGITS_DIMS, rng)
            with np.load(io.BytesIO(base64.b64decode(WEIGHTS))) as saved:
                model.params = {{k: saved[k].astype(np.float64) for k in saved.files}}
            return model
        """
    )
    submission = _replace_tail(
        samples / "reference", tmp_path / attack, "train.py", "def train_digits(", code
    )
    public, hidden = _results(gradescope, submission, HW1_CASES)
    assert public["score"] == hidden["score"] == 0, (public, hidden)
    why = {
        "returns_predictions": "train_digits returned a ndarray: return the trained MLP",
        "nearest_neighbour_in_params": "the model has no weights named W1 (64, 256)",
        "pastes_weights": "short of the target",
    }[attack]
    assert why in public["output"], public["output"]
    assert hidden["output"].startswith(("wrong answer", "your code raised")), hidden["output"]


@pytest.fixture(scope="module")
def hw2_trained_elsewhere() -> str:
    from hw2.cnn import train_digits_cnn

    X, y = digits()
    state = train_digits_cnn(X, y, seed=0).state_dict()
    return _arrays_literal({k: v.numpy() for k, v in state.items()})


def test_hw2_pasted_weights_and_predictions_earn_nothing(
    homework_hw2: Any, hw2_trained_elsewhere: str, tmp_path: Path
) -> None:
    gradescope, samples = homework_hw2
    pasted = f"""
        import base64, io
        WEIGHTS = "{hw2_trained_elsewhere}"

        def train_digits_cnn(X_train, y_train, seed):
            c = 32
            features = nn.Sequential(
                nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(c, 2 * c, 3, padding=1, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(),
                nn.MaxPool2d(2),
            )
            model = nn.Module()
            model.features = features
            model.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(8 * c, 10))
            with np.load(io.BytesIO(base64.b64decode(WEIGHTS))) as saved:
                model.load_state_dict({{k: torch.tensor(saved[k]) for k in saved.files}})
            return model
        """
    submission = _replace_tail(
        samples / "stubs", tmp_path / "pasted", "cnn.py", "def train_digits_cnn(", pasted
    )
    public, hidden = _results(gradescope, submission, HW2_CASES)
    assert public["score"] == hidden["score"] == 0, (public, hidden)
    assert "short of the target" in public["output"], public["output"]

    predictions = """
        def train_digits_cnn(X_train, y_train, seed):
            return torch.zeros(359, dtype=torch.long)
        """
    submission = _replace_tail(
        samples / "stubs", tmp_path / "predictions", "cnn.py", "def train_digits_cnn(", predictions
    )
    public, hidden = _results(gradescope, submission, HW2_CASES)
    assert public["score"] == hidden["score"] == 0, (public, hidden)
    assert "return the trained DigitsCNN" in public["output"], public["output"]
