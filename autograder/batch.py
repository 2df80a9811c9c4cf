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
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from autograder.grade import Grader
from autograder.results import GradeReport
from autograder.sandbox import Plan, plan


@dataclass(frozen=True)
class Submission:
    label: str  # a row of grades.csv
    path: Path


def find_submissions(folder: Path) -> list[Submission]:
    """Every submission in ``folder``, labelled by submitter where the metadata says."""
    names: dict[str, str] = {}
    metadata = folder / "submission_metadata.yml"
    if metadata.is_file():
        for key, value in (yaml.safe_load(metadata.read_text()) or {}).items():
            people = (value or {}).get(":submitters") or (value or {}).get("submitters") or []
            who = "; ".join(str(p.get(":name") or p.get("name") or "") for p in people if p)
            if who:
                names[str(key)] = f"{key} ({who})"
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == metadata.name:
            continue
        if path.is_dir() or path.suffix.lower() == ".zip":
            found.append(Submission(names.get(path.name, path.name), path))
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
    """Grade one submission; write its results.json and, for the instructor, log.txt."""
    bundle, submission, out = args
    folder = out / "results" / _safe(submission.label)
    grader = _grader(bundle)
    try:
        report = grader.grade(submission.path, folder / "results.json", sandbox=_sandbox())
    except Exception:  # noqa: BLE001 - one submission's failure must not stop the batch
        report = grader.internal_error(traceback.format_exc())
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
    log = [f"submission: {submission.path}", report.output]
    log += [f"--- {key} ---\n{value}" for key, value in report.extra.items() if value]
    (folder / "log.txt").write_text("\n".join(log) + "\n")
    return submission.label, report.to_json()


def _safe(label: str) -> str:
    """A folder name for ``label``: readable, and unique (a hash of the whole label)."""
    readable = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)[:60]
    return f"{readable}-{hashlib.sha256(label.encode()).hexdigest()[:8]}"


def _progress(done: int, total: int, start: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    bar = "#" * filled + "." * (width - filled)
    elapsed = time.monotonic() - start
    sys.stderr.write(f"\r[{bar}] {done}/{total} graded, {elapsed:.0f} s")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _died(submission: Submission, grader: Grader, out: Path) -> dict[str, Any]:
    """The report of a submission whose grading process died (killed by the kernel for
    memory, say): every case failed by the grader, and a results.json that says so."""
    report = grader.internal_error(
        "the grading process died while grading this submission (out of memory, or killed)"
    )
    folder = out / "results" / _safe(submission.label)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
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
    always finishes, and the judges' scratch folders go with it."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "results", ignore_errors=True)  # no stale results of another run
    reports: dict[str, dict[str, Any]] = {}
    start = time.monotonic()
    _progress(0, len(submissions), start)

    def done(label: str, report: dict[str, Any]) -> None:
        reports[label] = report
        _progress(len(reports), len(submissions), start)

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


def write_csv(reports: dict[str, GradeReport], path: Path) -> None:
    """A row per submission, a column per case, and the total."""
    cases = [t.name for t in next(iter(reports.values())).tests] if reports else []
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", *cases, "total"])
        for label, report in reports.items():
            writer.writerow([label, *(f"{t.score:g}" for t in report.tests), f"{report.score:g}"])


def case_statistics(reports: dict[str, GradeReport]) -> list[tuple[str, float, float]]:
    """Per case: name, fraction of submissions with full points, mean score."""
    if not reports:
        return []
    rows = []
    tests_by_case = list(zip(*(r.tests for r in reports.values()), strict=True))
    for tests in tests_by_case:
        passed = sum(t.status == "passed" for t in tests) / len(tests)
        mean = sum(t.score for t in tests) / len(tests)
        rows.append((tests[0].name, passed, mean))
    return rows


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
    lines += ["", f"{'case':<40} {'passed':>7} {'mean':>6}"]
    lines += [f"{name:<40} {passed:>7.0%} {mean:>6.2f}" for name, passed, mean in stats]
    return "\n".join(lines)


def main(bundle: Path, submissions: list[Submission], out: Path, jobs: int, title: str) -> str:
    reports = grade_all(bundle, submissions, out, jobs)
    write_csv(reports, out / "grades.csv")
    stats = case_statistics(reports)
    with (out / "case_stats.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case", "pass_rate", "mean_score"])
        writer.writerows([(n, f"{p:.3f}", f"{m:.3f}") for n, p, m in stats])
    write_histogram(reports, out / "histogram.png", title)
    return summary(reports, stats)
