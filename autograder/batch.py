"""Grade a folder of submissions in parallel: results, grades.csv, case statistics, histogram.

A submission is a folder or a zip directly inside the given folder. Gradescope's
"Export Submissions" layout (``submission_metadata.yml`` beside ``submission_<id>/``
folders) is recognised, and its submitters' names label the rows.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import statistics
import tempfile
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from autograder.grade import Grader
from autograder.progress import Progress
from autograder.results import CaseResult, GradeReport
from autograder.sandbox import Plan, plan


@dataclass(frozen=True)
class Submitter:
    """A student on a submission, as Gradescope's export names them."""

    name: str = ""
    sid: str = ""
    email: str = ""


@dataclass(frozen=True)
class Submission:
    label: str  # the submission's id: its folder or zip name (``submission_<id>``)
    path: Path
    submitters: tuple[Submitter, ...] = ()

    @property
    def display(self) -> str:
        names = "; ".join(p.name for p in self.submitters if p.name)
        return f"{self.label} ({names})" if names else self.label


METADATA = "submission_metadata.yml"
EXPORT_DEPTH = 3  # how deep under SUBMISSIONS an unpacked export is looked for


class SubmissionsError(ValueError):
    """The folder of submissions is ambiguous; the message says what to pass instead."""


def export_root(folder: Path) -> Path:
    """The folder that holds the submissions: ``folder`` itself, or the one Gradescope
    export under it (unpacking the export's zip adds a folder level or two)."""
    if (folder / METADATA).is_file():
        return folder
    found = sorted(
        path.parent
        for depth in range(1, EXPORT_DEPTH + 1)
        for path in folder.glob("/".join(["*"] * depth) + f"/{METADATA}")
        if not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    if len(found) > 1:
        listed = ", ".join(str(p) for p in found)
        raise SubmissionsError(
            f"{folder} holds {len(found)} Gradescope exports ({listed}): pass one of them "
            "as SUBMISSIONS"
        )
    return found[0] if found else folder


def _submitters(entry: object) -> tuple[Submitter, ...]:
    people: object = []
    if isinstance(entry, dict):
        people = entry.get(":submitters") or entry.get("submitters") or []
    found = []
    for person in people if isinstance(people, list) else []:
        if isinstance(person, dict):
            fields = {key.lstrip(":"): str(value or "") for key, value in person.items()}
            found.append(
                Submitter(fields.get("name", ""), fields.get("sid", ""), fields.get("email", ""))
            )
    return tuple(found)


def find_submissions(folder: Path) -> list[Submission]:
    """Every submission in ``folder`` (or in the Gradescope export under it), with its
    submitters where the export's metadata names them."""
    folder = export_root(folder)
    people: dict[str, tuple[Submitter, ...]] = {}
    metadata = folder / METADATA
    if metadata.is_file():
        loaded = yaml.safe_load(metadata.read_text()) or {}
        people = {str(k): _submitters(v) for k, v in loaded.items()}
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == METADATA:
            continue
        if path.is_dir() or path.suffix.lower() == ".zip":
            found.append(Submission(path.name, path, people.get(path.name, ())))
    return found


_plan: list[Plan] = []  # one per grading process, made on its first submission


def _init(scratch: str) -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    tempfile.tempdir = scratch  # the judge's scratch folders: removed with the batch


def _sandbox() -> Plan:
    if not _plan:
        _plan.append(plan())
    return _plan[0]


@functools.cache
def _grader(bundle: Path) -> Grader:
    """One grader per process: reading the bundle's expected outputs once, not per
    submission."""
    return Grader.from_bundle(bundle)


def _grade_one(args: tuple[Path, Submission, Path]) -> tuple[str, dict[str, Any]]:
    """Grade one submission; write its results.json, who submitted it (submission.json)
    and, for the instructor, log.txt."""
    bundle, submission, out = args
    folder = _folder(out, submission)
    grader = _grader(bundle)
    try:
        report = grader.grade(submission.path, folder / "results.json", sandbox=_sandbox())
    except Exception:  # noqa: BLE001 - one submission's failure must not stop the batch
        report = grader.internal_error(traceback.format_exc())
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
    _describe(folder, submission)
    log = [f"submission: {submission.path}", report.output]
    log += [
        f"--- {key} ---\n{value}"
        for key, value in report.extra.items()
        if value and isinstance(value, str)  # "printed" repeats worker_output by case
    ]
    (folder / "log.txt").write_text("\n".join(log) + "\n")
    return submission.label, report.to_json()


def _folder(out: Path, submission: Submission) -> Path:
    return out / "results" / _safe(submission.label)


def _describe(folder: Path, submission: Submission) -> None:
    """Write who submitted it; a regrade without the export's metadata (the one folder
    given again) keeps the names the first grading recorded."""
    people = [vars(p) for p in submission.submitters]
    if not people:
        try:
            people = json.loads((folder / "submission.json").read_text())["submitters"]
        except (OSError, ValueError, KeyError):
            people = []
    record = {"submission": submission.label, "path": str(submission.path), "submitters": people}
    (folder / "submission.json").write_text(json.dumps(record, indent=2) + "\n")


def collect(out: Path) -> list[tuple[Submission, GradeReport]]:
    """Every submission graded into ``out`` so far (this run's and earlier runs'), with
    its report, in the order of their ids."""
    rows = []
    for folder in sorted((out / "results").glob("*/")):
        try:
            record = json.loads((folder / "submission.json").read_text())
            report = GradeReport.from_json(json.loads((folder / "results.json").read_text()))
        except (OSError, ValueError, KeyError):
            continue  # a folder of another kind, or one a crash left half-written
        people = tuple(Submitter(**p) for p in record.get("submitters", []))
        rows.append((Submission(record["submission"], Path(record["path"]), people), report))
    return sorted(rows, key=lambda row: row[0].label)


def _safe(label: str) -> str:
    """A folder name for ``label``: readable, and unique (a hash of the whole label)."""
    readable = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)[:60]
    return f"{readable}-{hashlib.sha256(label.encode()).hexdigest()[:8]}"


def _died(submission: Submission, grader: Grader, out: Path) -> dict[str, Any]:
    """The report of a submission whose grading process died (killed by the kernel for
    memory, say): every case failed by the grader, and a results.json that says so."""
    report = grader.internal_error(
        "the grading process died while grading this submission (out of memory, or killed)"
    )
    folder = _folder(out, submission)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
    _describe(folder, submission)
    (folder / "log.txt").write_text(f"submission: {submission.path}\n{report.extra['trace']}\n")
    return report.to_json()


def _run_pool(
    bundle: Path,
    todo: list[Submission],
    out: Path,
    jobs: int,
    scratch: str,
    done: Callable[[str, dict[str, Any]], None],
) -> list[Submission]:
    """Grade ``todo`` in a pool of ``jobs`` processes; call ``done(label, report)`` for
    each; return the submissions whose process died before they were graded."""
    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init, initargs=(scratch,)) as pool:
        futures = {pool.submit(_grade_one, (bundle, s, out)): s for s in todo}
        lost = []
        for future in as_completed(futures):
            try:
                label, report = future.result()
            except BrokenProcessPool:
                lost.append(futures[future])
                continue
            done(label, report)
    return lost


def grade_all(
    bundle: Path, submissions: list[Submission], out: Path, jobs: int
) -> dict[str, GradeReport]:
    """Grade every submission with ``jobs`` parallel graders; write the per-submission results.

    A grading process that dies (the kernel's OOM killer, say) takes the submissions it
    and its pool had in hand with it: those are graded again in a fresh pool, then one
    at a time, and one that still kills its process gets a report saying so. The batch
    always finishes, and the judges' scratch folders go with it. Results of submissions
    graded into ``out`` before, and not graded now, stay as they were."""
    out.mkdir(parents=True, exist_ok=True)
    reports: dict[str, dict[str, Any]] = {}
    progress = Progress(len(submissions), "graded")

    def done(label: str, report: dict[str, Any]) -> None:
        reports[label] = report
        progress.step()

    scratch = tempfile.mkdtemp(prefix="dlgrade-batch-")
    os.chmod(scratch, 0o711)  # the grading user reaches its own scratch folder inside
    try:
        lost = _run_pool(bundle, submissions, out, jobs, scratch, done)
        if lost:
            lost = _run_pool(bundle, lost, out, jobs, scratch, done)
        for submission in lost:  # alone in its pool: it is the one that kills its grader
            if _run_pool(bundle, [submission], out, 1, scratch, done):
                done(submission.label, _died(submission, _grader(bundle), out))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {s.label: GradeReport.from_json(reports[s.label]) for s in submissions}


CSV_PEOPLE = ("name", "sid", "email")


def write_csv(rows: list[tuple[Submission, GradeReport]], path: Path) -> None:
    """A row per submission: its id, its submitters' names, SIDs and emails (several
    joined by "; "), a column of points per case, and the total."""
    cases = list(dict.fromkeys(t.name for _, report in rows for t in report.tests))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", *CSV_PEOPLE, *cases, "total"])
        for submission, report in rows:
            people = [
                "; ".join(getattr(p, field) for p in submission.submitters if getattr(p, field))
                for field in CSV_PEOPLE
            ]
            points = {t.name: f"{t.score:g}" for t in report.tests}
            writer.writerow(
                [
                    submission.label,
                    *people,
                    *(points.get(c, "") for c in cases),
                    f"{report.score:g}",
                ]
            )


def case_statistics(reports: dict[str, GradeReport]) -> list[tuple[str, float, float]]:
    """Per case: name, fraction of submissions with full points, mean score (over the
    submissions whose report has the case)."""
    by_case: dict[str, list[CaseResult]] = {}
    for report in reports.values():
        for test in report.tests:
            by_case.setdefault(test.name, []).append(test)
    return [
        (
            name,
            sum(t.status == "passed" for t in tests) / len(tests),
            sum(t.score for t in tests) / len(tests),
        )
        for name, tests in by_case.items()
    ]


def write_histogram(reports: dict[str, GradeReport], path: Path, title: str) -> None:
    """Total scores in 5%-wide bins, with the mean and the median marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    scores = [r.score for r in reports.values()]
    top = max((r.max_score for r in reports.values()), default=100)
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=120)
    ax.hist(scores, bins=[top * i / 20 for i in range(21)], color="#4c72b0", edgecolor="white")
    if scores:
        mean, median = statistics.fmean(scores), statistics.median(scores)
        ax.axvline(mean, color="#dd8452", linestyle="--", label=f"mean {mean:.1f}")
        ax.axvline(median, color="#55a868", linestyle=":", label=f"median {median:.1f}")
        ax.legend(loc="upper center", frameon=False)
    ax.set_xlim(0, top)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"total score (out of {top:g})")
    ax.set_ylabel("submissions")
    ax.set_title(f"{title}\n{len(scores)} submissions", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def summary(reports: dict[str, GradeReport], stats: list[tuple[str, float, float]]) -> str:
    width = max([len(label) for label in reports] + [10])
    lines = [
        f"{'submission':<{width}}  score",
        *(f"{k:<{width}}  {r.score:6g}" for k, r in reports.items()),
    ]
    cases = max([len(name) for name, _, _ in stats] + [4])
    lines += ["", f"{'case':<{cases}} {'passed':>7} {'mean':>6}"]
    lines += [f"{name:<{cases}} {passed:>7.0%} {mean:>6.2f}" for name, passed, mean in stats]
    return "\n".join(lines)


def main(
    bundle: Path,
    submissions: list[Submission],
    out: Path,
    jobs: int,
    title: str,
    fresh: bool = False,
) -> str:
    """Grade ``submissions`` into ``out``, then write grades.csv, case statistics and the
    histogram over every submission graded there (earlier runs' too, unless ``fresh``)."""
    if fresh:
        shutil.rmtree(out / "results", ignore_errors=True)
    grade_all(bundle, submissions, out, jobs)
    rows = collect(out)
    write_csv(rows, out / "grades.csv")
    reports = {s.display: r for s, r in rows}
    stats = case_statistics(reports)
    with (out / "case_stats.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case", "pass_rate", "mean_score"])
        writer.writerows([(n, f"{p:.3f}", f"{m:.3f}") for n, p, m in stats])
    write_histogram(reports, out / "histogram.png", title)
    earlier = len(rows) - len({s.label for s in submissions})
    note = f"\n{len(submissions)} graded now"
    note += f"; {earlier} more from earlier runs kept in grades.csv" if earlier > 0 else ""
    return summary(reports, stats) + note
