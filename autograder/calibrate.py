"""Calibrating a trained-model case: the reference's score over many grading secrets.

A threshold is fair when the reference clears it, with a margin, whatever the secret
draws (the split, the disguise, the training seed). `measure` runs a case on the
reference for one seed and judges it exactly as the grader would; `calibrate` does so for
``n`` seeds standing for ``n`` different secrets, on several cores. The repo's tests hold
every trained-model case to it, and its docstring states what they measured.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import dataclass

from autograder.assignment import Assignment
from autograder.cases import case_seed
from autograder.runner import run_case
from autograder.submission import Submission
from autograder.trained import WeightsCheck


@dataclass(frozen=True)
class Measurement:
    """The reference's score on one seed of a case, and whether the check passed it."""

    seed: int
    score: float
    passed: bool
    message: str


def measure(assignment: str, case_name: str, seed: int) -> Measurement:
    """Run case ``case_name`` on the reference with ``seed`` and judge it as the grader
    does (a `WeightsCheck`: the weights' names and shapes, then the trusted evaluation)."""
    cases = {c.name: c for c in Assignment.load(assignment).all_cases()}
    case = cases[case_name]
    check = case.check
    if not isinstance(check, WeightsCheck):
        raise TypeError(f"{case.label} is not judged on weights: nothing to calibrate")
    outcome = run_case(case, Submission.installed(assignment), seed)
    if not outcome.ok:
        raise RuntimeError(f"the reference fails {case.label}: {outcome.error}")
    verdict, score = check.judge(outcome.outputs, {}, case.make_data(seed)[1])
    if score is None:
        raise RuntimeError(f"the reference's weights fail {case.label}: {verdict.message}")
    return Measurement(seed, score, verdict.passed, verdict.message)


def seeds(assignment: str, case_name: str, n: int) -> list[int]:
    """``n`` seeds of the case as ``n`` different grading secrets would draw them."""
    case = next(c for c in Assignment.load(assignment).all_cases() if c.name == case_name)
    return [case_seed(assignment, case, f"calibration-{i}") for i in range(n)]


def calibrate(
    assignment: str, case_name: str, seeds: Sequence[int], processes: int = 2
) -> list[Measurement]:
    """`measure` for each seed, in ``processes`` fresh interpreters (each with one thread)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # the children read it as they import numpy, torch
    context = multiprocessing.get_context("spawn")  # no fork of a process holding torch
    jobs = [(assignment, case_name, seed) for seed in seeds]
    with context.Pool(processes) as pool:
        return pool.starmap(measure, jobs)
