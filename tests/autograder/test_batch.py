"""Batch grading's bookkeeping: finding submissions, grades.csv, statistics, histogram."""

from __future__ import annotations

import csv
import os
import signal
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from autograder import batch
from autograder.batch import (
    Submission,
    SubmissionsError,
    Submitter,
    case_statistics,
    find_submissions,
    write_csv,
    write_histogram,
)
from autograder.results import CaseResult, GradeReport

METADATA = """\
submission_123:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.com
  :created_at: 2026-11-20 10:00:00
submission_456:
  :submitters:
  - :name: Alan Turing
    :sid: '1912'
    :email: alan@example.com
  - :name: Grace Hopper
    :sid: '1906'
    :email: grace@example.com
  :created_at: 2026-11-20 11:00:00
"""
ADA = Submitter("Ada Lovelace", "1815", "ada@example.com")
ALAN = Submitter("Alan Turing", "1912", "alan@example.com")
GRACE = Submitter("Grace Hopper", "1906", "grace@example.com")


def _report(*scores: tuple[str, float, float]) -> GradeReport:
    return GradeReport(
        tests=[
            CaseResult(name=name, number=f"1.{i}", score=score, max_score=top, output="")
            for i, (name, score, top) in enumerate(scores, start=1)
        ]
    )


@pytest.fixture
def reports() -> dict[str, GradeReport]:
    return {
        "alice": _report(("softmax", 2, 2), ("one_hot", 1.5, 3), ("entropy", 5, 5)),
        "bob": _report(("softmax", 0, 2), ("one_hot", 3, 3), ("entropy", 2.25, 5)),
        "carol (C. Lee)": _report(("softmax", 2, 2), ("one_hot", 0, 3), ("entropy", 0, 5)),
    }


def test_folders_and_zips_are_found_and_labelled_by_name(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    with zipfile.ZipFile(tmp_path / "bob.zip", "w") as zf:
        zf.writestr("arrays.py", "x = 1\n")
    (tmp_path / "carol.ZIP").write_bytes((tmp_path / "bob.zip").read_bytes())
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".secret.zip").write_bytes(b"")
    (tmp_path / ".DS_Store").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a submission\n")
    (tmp_path / "arrays.py").write_text("x = 1\n")
    found = find_submissions(tmp_path)
    assert found == [
        Submission("alice", tmp_path / "alice"),
        Submission("bob.zip", tmp_path / "bob.zip"),
        Submission("carol.ZIP", tmp_path / "carol.ZIP"),
    ]


def test_an_empty_folder_has_no_submissions(tmp_path: Path) -> None:
    assert find_submissions(tmp_path) == []


def test_a_gradescope_export_names_each_submissions_submitters(tmp_path: Path) -> None:
    (tmp_path / "submission_metadata.yml").write_text(METADATA)
    for folder in ("submission_123", "submission_456", "submission_789"):
        (tmp_path / folder).mkdir()
    found = find_submissions(tmp_path)
    assert found == [
        Submission("submission_123", tmp_path / "submission_123", (ADA,)),
        Submission("submission_456", tmp_path / "submission_456", (ALAN, GRACE)),
        Submission("submission_789", tmp_path / "submission_789"),  # not in the metadata
    ]
    assert found[1].display == "submission_456 (Alan Turing; Grace Hopper)"


@pytest.mark.parametrize("depth", [1, 2])
def test_an_export_unpacked_deeper_is_found(tmp_path: Path, depth: int) -> None:
    export = tmp_path.joinpath(*["assignment_1_export"] * depth)
    export.mkdir(parents=True)
    (export / "submission_metadata.yml").write_text(METADATA)
    (export / "submission_123").mkdir()
    assert find_submissions(tmp_path) == [
        Submission("submission_123", export / "submission_123", (ADA,))
    ]


def test_two_exports_in_one_folder_are_refused_with_both_named(tmp_path: Path) -> None:
    for name in ("hw1_export", "hw2_export"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "submission_metadata.yml").write_text(METADATA)
    with pytest.raises(SubmissionsError) as caught:
        find_submissions(tmp_path)
    assert "holds 2 Gradescope exports" in str(caught.value)
    assert "hw1_export" in str(caught.value) and "pass one of them" in str(caught.value)


def test_an_empty_metadata_file_leaves_plain_labels(tmp_path: Path) -> None:
    (tmp_path / "submission_metadata.yml").write_text("")
    (tmp_path / "submission_1").mkdir()
    assert find_submissions(tmp_path) == [Submission("submission_1", tmp_path / "submission_1")]


def test_write_csv_has_submitters_a_column_per_case_and_a_total(
    reports: dict[str, GradeReport], tmp_path: Path
) -> None:
    rows = [
        (Submission("submission_123", tmp_path, (ADA,)), reports["alice"]),
        (Submission("submission_456", tmp_path, (ALAN, GRACE)), reports["bob"]),
        (Submission("carol", tmp_path), reports["carol (C. Lee)"]),
    ]
    path = tmp_path / "grades.csv"
    write_csv(rows, path)
    with path.open(newline="") as handle:
        table = list(csv.reader(handle))
    assert table == [
        ["submission", "name", "sid", "email", "softmax", "one_hot", "entropy", "total"],
        ["submission_123", "Ada Lovelace", "1815", "ada@example.com", "2", "1.5", "5", "8.5"],
        [
            "submission_456",
            "Alan Turing; Grace Hopper",
            "1912; 1906",
            "alan@example.com; grace@example.com",
            "0",
            "3",
            "2.25",
            "5.25",
        ],
        ["carol", "", "", "", "2", "0", "0", "2"],
    ]


def test_write_csv_of_no_reports_is_only_a_header(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    write_csv([], path)
    assert path.read_text().splitlines() == ["submission,name,sid,email,total"]


def test_case_statistics_gives_pass_rates_and_means(reports: dict[str, GradeReport]) -> None:
    stats = case_statistics(reports)
    assert [name for name, _, _ in stats] == ["softmax", "one_hot", "entropy"]
    assert [passed for _, passed, _ in stats] == pytest.approx([2 / 3, 1 / 3, 1 / 3])
    assert [mean for _, _, mean in stats] == pytest.approx([4 / 3, 1.5, 7.25 / 3])


def test_case_statistics_of_no_reports_is_empty() -> None:
    assert case_statistics({}) == []


def test_write_histogram_writes_a_png(reports: dict[str, GradeReport], tmp_path: Path) -> None:
    path = tmp_path / "histogram.png"
    write_histogram(reports, path, "PS0")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 1000


GRADE_ONE = batch._grade_one


def _dies_on_the_killer(args: tuple[Path, Submission, Path]) -> tuple[str, dict[str, Any]]:
    if args[1].label == "killer":
        os.kill(os.getpid(), signal.SIGKILL)
    return GRADE_ONE(args)


def test_a_grading_process_that_dies_costs_one_submission_not_the_batch(
    tmp_path: Path, sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel kills the process grading "killer" (as the OOM killer would): the batch
    still returns, grades the others, reports the lost one, and leaves no scratch behind."""
    from autograder import bundle

    built = bundle.build("ps0", tmp_path / "bundle", secret="s")
    monkeypatch.setattr(batch, "_grade_one", _dies_on_the_killer)  # inherited by the fork
    subs = [Submission(label, sample_dir / "reference") for label in ("a", "killer", "b", "c")]
    before = set(Path(tempfile.gettempdir()).glob("dlgrade-batch-*"))
    reports = batch.grade_all(built, subs, tmp_path / "out", jobs=2)
    assert [reports[label].score for label in ("a", "b", "c")] == [100, 100, 100]
    lost = reports["killer"]
    assert lost.score == 0 and "the grader failed" in lost.tests[0].output
    assert (
        "grading process died"
        in (tmp_path / "out" / "results").joinpath(batch._safe("killer"), "log.txt").read_text()
    )
    assert set(Path(tempfile.gettempdir()).glob("dlgrade-batch-*")) == before


def test_regrading_one_submission_keeps_every_other_row(tmp_path: Path, sample_dir: Path) -> None:
    """The class is graded, then one student is regraded: grades.csv still has every
    submission, and only the regraded one's results changed."""
    from autograder import bundle

    built = bundle.build("ps0", tmp_path / "bundle", secret="s")
    out = tmp_path / "out"
    ada = Submission("submission_123", sample_dir / "stubs", (ADA,))
    alan = Submission("submission_456", sample_dir / "reference", (ALAN,))
    batch.main(built, [ada, alan], out, jobs=2, title="PS0")
    regraded = Submission("submission_123", sample_dir / "reference")  # no metadata now
    text = batch.main(built, [regraded], out, jobs=1, title="PS0")
    assert "1 graded now; 1 more from earlier runs kept in grades.csv" in text
    with (out / "grades.csv").open(newline="") as handle:
        table = {row["submission"]: row for row in csv.DictReader(handle)}
    assert set(table) == {"submission_123", "submission_456"}
    assert table["submission_123"]["total"] == "100" == table["submission_456"]["total"]
    assert table["submission_123"]["sid"] == "1815"
    batch.main(built, [ada], out, jobs=1, title="PS0", fresh=True)
    with (out / "grades.csv").open(newline="") as handle:
        assert [row["submission"] for row in csv.DictReader(handle)] == ["submission_123"]
