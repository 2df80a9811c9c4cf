from __future__ import annotations

from autograder.report import score_table
from autograder.results import CaseResult, GradeReport


def test_the_table_lists_cases_reasons_and_total() -> None:
    report = GradeReport(
        tests=[
            CaseResult("1.1 alpha", "1.1", 2.0, 2.0, "passed"),
            CaseResult("1.2 beta", "1.2", 0.0, 3.0, "out['p'] differs " + "x" * 150),
        ]
    )
    table = score_table(report, title="PS0")
    lines = table.splitlines()
    assert lines[0] == "PS0"
    assert lines[1].startswith("PASS  1.1 alpha") and lines[1].endswith("2/2")
    assert lines[2].startswith("FAIL  1.2 beta") and lines[2].endswith("0/3")
    assert lines[3].startswith("      out['p'] differs")
    assert all(len(line) <= 100 for line in lines)
    assert lines[-1] == "Total: 2 / 5"


def test_a_passed_case_shows_what_its_check_found_but_not_a_bare_passed() -> None:
    report = GradeReport(
        tests=[
            CaseResult("1.1 alpha", "1.1", 2.0, 2.0, "passed"),
            CaseResult("2.1 digits", "2.1", 8.0, 8.0, "held-out accuracy 99.4% (needs 98%)"),
        ]
    )
    lines = score_table(report).splitlines()
    assert lines[1].startswith("PASS  2.1 digits")
    assert lines[2] == "      held-out accuracy 99.4% (needs 98%)"
    assert len(lines) == 4
