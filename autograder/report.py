"""The score table printed by `make check`, `run_autograder` and `make grade`."""

from __future__ import annotations

import textwrap

from autograder.results import GradeReport


def score_table(report: GradeReport, title: str = "", width: int = 100) -> str:
    """A row per case (verdict, number and name, points); below it, wrapped, a failed
    case's reason, or what a passed case's check found ("held-out accuracy 99.4%"); then
    the total."""
    name_width = max([len(t.name) for t in report.tests] + [10])
    lines = [title] if title else []
    for test in report.tests:
        mark = "PASS" if test.status == "passed" else "FAIL"
        lines.append(f"{mark}  {test.name:<{name_width}}  {test.score:g}/{test.max_score:g}")
        if test.output and (test.status != "passed" or test.output != "passed"):
            lines += textwrap.wrap(
                test.output, width, initial_indent=" " * 6, subsequent_indent=" " * 8
            )
    lines.append(f"Total: {report.score:g} / {report.max_score:g}")
    return "\n".join(lines)
