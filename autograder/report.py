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


def excerpt(text: str, max_lines: int = 10, width: int = 200) -> list[str]:
    """The first ``max_lines`` lines of what a submission printed, each cut at ``width``
    characters, and a last line saying how many more there were."""
    lines = text.rstrip("\n").splitlines()
    shown = [line if len(line) <= width else line[:width] + " ..." for line in lines[:max_lines]]
    if len(lines) > max_lines:
        shown.append(f"... and {len(lines) - max_lines:,} more lines")
    return shown


def printed_section(printed: dict[str, str], max_lines: int = 10) -> str:
    """What each case's code printed, a few lines per case, for `make check`."""
    parts = []
    for label, text in printed.items():
        if text.strip():
            parts.append(f"  {label}:")
            parts += [f"    {line}" for line in excerpt(text, max_lines)]
    if not parts:
        return ""
    return "\n".join(["What your code printed, by case (the first lines of each):", *parts])
