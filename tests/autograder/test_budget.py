"""The grading budget: no case runs past it, however long its own time limit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import autograder
from autograder.grade import Grader


def test_a_case_running_at_the_end_of_the_budget_is_stopped_there(sample_dir: Path) -> None:
    grader = Grader.for_public_cases("ps0", Path(autograder.__file__).resolve().parent.parent)
    config = grader.assignment.config
    assert config.case_timeout_s >= 10  # the first case loops forever; its limit is far off
    grader.assignment.__dict__["config"] = dataclasses.replace(config, budget_s=3.0)
    report = grader.grade(sample_dir / "infinite_loop")
    first, *rest = report.tests
    assert first.output == "stopped: the grading time budget ran out", first.output
    assert rest and all(t.output.startswith("not run: the grading time budget") for t in rest)
    assert report.score == 0
