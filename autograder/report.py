"""The score table printed by `make check`, `run_autograder` and `make grade`."""

from __future__ import annotations

from autograder.results import GradeReport


def score_table(report: GradeReport, title: str = "", width: int = 100) -> str:
    """One row per case: number and name, points, verdict; then the total."""
    rows = []
    name_width = max([len(t.name) for t in report.tests] + [10])
    for test in report.tests:
        mark = "PASS" if test.status == "passed" else "FAIL"
        points = f"{test.score:g}/{test.max_score:g}"
        verdict = test.output.replace("\n", " ")
        room = max(width - name_width - 18, 20)
        if len(verdict) > room:
            verdict = verdict[: room - 3] + "..."
        rows.append(f"{mark}  {test.name:<{name_width}}  {points:>7}  {verdict}")
    total = f"Total: {report.score:g} / {report.max_score:g}"
    lines = [title] if title else []
    return "\n".join([*lines, *rows, total])
