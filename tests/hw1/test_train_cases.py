"""Task 15's cases test the rule they state: in their second run the best epoch comes
before the last, so a loop that leaves the last parameters in place fails them."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.assignment import Assignment
from autograder.cases import case_seed
from autograder.submission import Submission
from hw1.cases import hidden, public

REFERENCE = Submission.installed("hw1")


def _early(run: dict[str, Any]) -> bool:
    return int(run["best"]["epoch"]) < len(run["val_acc"]) - 1


def test_the_public_case_has_an_early_best_epoch_on_its_students_seed() -> None:
    case = next(c for c in Assignment.load("hw1").public_cases() if c.number == "15.1")
    out = public.train_on_blobs(REFERENCE, np.random.default_rng(case_seed("hw1", case)))
    assert _early(out["early_best"]), out["early_best"]["val_acc"]


def test_the_best_epoch_comes_early_whatever_the_secret_draws() -> None:
    for seed in range(60):
        runs = (
            public.train_on_blobs(REFERENCE, np.random.default_rng(seed))["early_best"],
            hidden.train_adam_batchnorm_dropout(REFERENCE, np.random.default_rng(seed))[
                "early_best"
            ],
        )
        for run in runs:
            assert _early(run), (seed, run["val_acc"])
