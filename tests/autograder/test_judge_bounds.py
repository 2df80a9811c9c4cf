"""The judge bounds its own memory and survives outputs it cannot judge: that case fails,
every other case is graded, and results.json is written."""

from __future__ import annotations

import resource
from pathlib import Path

import numpy as np
import pytest

import autograder
from autograder import judge
from autograder.cases import Case, Verdict
from autograder.grade import Grader
from autograder.outputs import Outputs
from autograder.usage import bounded_memory


def test_bounded_memory_turns_a_runaway_allocation_into_memory_error() -> None:
    before = resource.getrlimit(resource.RLIMIT_DATA)
    with bounded_memory(64):
        with pytest.raises(MemoryError):
            np.ones(2**28)  # 2 GB
        small = np.ones(2**20)  # 8 MB: within the headroom
        assert small.sum() == 2**20
    assert resource.getrlimit(resource.RLIMIT_DATA) == before
    assert np.ones(2**25).size == 2**25  # 256 MB again, once the bound is lifted


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (MemoryError, "the outputs are too large to judge"),
        (RecursionError, "the outputs are nested too deeply to judge"),
        (KeyError, "the grader could not judge the outputs"),
    ],
)
def test_a_case_the_judge_cannot_judge_fails_alone(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch, error: type[Exception], message: str
) -> None:
    grader = Grader.for_public_cases("ps0", Path(autograder.__file__).resolve().parent.parent)
    first = grader.cases[0]
    original = judge.verdict

    def failing(case: Case, got: Outputs, expected: Outputs, seed: int = 0) -> Verdict:
        if case.name == first.name:
            raise error("boom")
        return original(case, got, expected, seed)

    monkeypatch.setattr(judge, "verdict", failing)
    results = sample_dir.parent / "results.json"
    report = grader.grade(sample_dir / "reference", results=results)
    head, *rest = report.tests
    assert head.score == 0 and message in head.output, head.output
    assert all(t.score == t.max_score for t in rest), [
        t.output for t in rest if t.score < t.max_score
    ]
    assert results.is_file()
