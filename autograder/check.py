"""A student's `make check`: the grading engine on the public cases, the table Gradescope shows.

The same engine as on Gradescope: your files are read the way Gradescope reads them,
checked for forbidden imports, and run in a separate process with time and memory
limits. Hidden cases are not here: Gradescope adds them, on other inputs.
"""

from __future__ import annotations

from pathlib import Path

import autograder
from autograder.assignment import TOTAL_POINTS, Assignment
from autograder.grade import Grader
from autograder.report import printed_section, score_table


def main(name: str) -> int:
    assignment = Assignment.load(name)
    engine_root = Path(autograder.__file__).resolve().parent.parent
    grader = Grader.for_public_cases(name, engine_root)
    report = grader.grade(assignment.folder)
    print(score_table(report, title=f"{assignment.config.title}: public cases"))
    printed = printed_section(report.extra.get("printed", {}))
    if printed:
        print(printed)
    print(report.output)
    hidden = TOTAL_POINTS - report.max_score  # the handout holds no hidden case to count
    print(
        f"These public cases carry {report.max_score:g} of the assignment's {TOTAL_POINTS} "
        f"points. Gradescope runs them and hidden cases (the other {hidden:g} points) on "
        "other inputs; your final score comes from both."
    )
    return 0 if report.score == report.max_score else 1
