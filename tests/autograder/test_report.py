from __future__ import annotations

from autograder.protocol import CASE_MARK, printed_by_case
from autograder.report import excerpt, printed_section, score_table
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


def test_a_workers_output_splits_at_the_case_marks() -> None:
    output = f"importing\n{CASE_MARK}ps0.cases.public:a\nx = 1\n{CASE_MARK}ps0.cases.public:b\n"
    assert printed_by_case(output.encode()) == {
        "": "importing\n",
        "ps0.cases.public:a": "x = 1\n",
        "ps0.cases.public:b": "",
    }


def test_printed_text_is_cut_to_a_few_short_lines_that_say_how_much_is_left() -> None:
    text = "".join(f"line {i}\n" for i in range(25)) + "y" * 500
    shown = excerpt(text, max_lines=3, width=50)
    assert shown == ["line 0", "line 1", "line 2", "... and 23 more lines"]
    assert excerpt("z" * 500, width=50) == ["z" * 50 + " ..."]
    section = printed_section({"1.1 alpha": "hello\n", "1.2 beta": "  \n"})
    assert section.splitlines() == [
        "What your code printed, by case (the first lines of each):",
        "  1.1 alpha:",
        "    hello",
    ]
    assert printed_section({"1.2 beta": ""}) == ""
