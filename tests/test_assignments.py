"""Invariants every assignment keeps: the reference scores full points, the stubs zero."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from autograder import fixtures
from autograder.assignment import TOTAL_POINTS, Assignment
from autograder.cases import case_seed
from autograder.judge import grade_in_process, judge_case, verdict
from autograder.regions import find_regions
from autograder.runner import run_case
from autograder.submission import Submission


def test_points_sum_to_100(assignment: Assignment) -> None:
    assert sum(c.points for c in assignment.all_cases()) == TOTAL_POINTS == 100


def test_every_task_has_public_and_hidden_cases(assignment: Assignment) -> None:
    task = lambda c: c.number.split(".")[0]  # noqa: E731
    public = {task(c) for c in assignment.public_cases()}
    hidden = {task(c) for c in assignment.hidden_cases()}
    assert public == hidden, f"tasks only public: {public - hidden}, only hidden: {hidden - public}"


def test_every_submitted_file_has_solution_regions(assignment: Assignment) -> None:
    for path in assignment.module_paths():
        assert find_regions(path.read_text(), str(path)), f"{path.name} has no solution region"


def test_every_solution_region_is_exercised_by_a_case(assignment: Assignment) -> None:
    # the cases, and the harness that drives the submission for them
    case_sources = "".join(path.read_text() for path in (assignment.folder / "cases").glob("*.py"))
    for path in assignment.module_paths():
        for region in find_regions(path.read_text(), str(path)):
            *owner, name = region.task.split(".")
            # an operator method (Value.__add__) is used as an operator, a module's forward
            # by calling the module: their class must be used
            if (name.startswith("__") or name == "forward") and owner:
                name = owner[-1]
            used = re.search(rf"\.{name}\b", case_sources)
            assert used, f"no case uses {region.task} ({path.name})"


def test_the_reference_scores_full_points_on_every_case(assignment: Assignment) -> None:
    """Each case runs twice on the reference with one seed, once for the expected
    outputs and once as the submission: full points also prove the outputs depend on the
    seed alone (a regrade gives the same score). The trained-model cases are left to
    tests/<assignment>, which train the reference on the public seeds (`make test`) and
    on 20 grading secrets (`make calibrate`): training them here again would take
    minutes."""
    reference = Submission.installed(assignment.name)
    cases = [case for case in assignment.all_cases() if case.needs_expected]
    trained = sum(case.points for case in assignment.all_cases() if not case.needs_expected)
    report = grade_in_process(
        cases, reference, reference, lambda c: case_seed(assignment.name, c, "h")
    )
    failed = [f"{t.name}: {t.output}" for t in report.tests if t.status != "passed"]
    assert not failed and report.score == 100 - trained


def test_the_stubs_score_zero_on_every_case(assignment: Assignment, stubs: Submission) -> None:
    for case in assignment.all_cases():
        outcome = run_case(case, stubs, case_seed(assignment.name, case, "h"))
        # a stub never gets as far as a comparison: no expected outputs are needed
        result = judge_case(case, outcome, expected=None)
        assert result.score == 0, case.label
        assert result.output.startswith("not implemented yet: "), f"{case.label}: {result.output}"


def test_public_fixtures_are_current(assignment: Assignment) -> None:
    reason = fixtures.stale_reason(assignment)
    assert reason is None, reason


def test_a_changed_reference_makes_the_fixtures_stale(
    assignment: Assignment, tmp_path: Path
) -> None:
    copy = Assignment(assignment.name, tmp_path / assignment.name)
    shutil.copytree(assignment.folder, copy.folder)
    assert fixtures.stale_reason(copy) is None
    module = copy.module_paths()[0]
    module.write_text(module.read_text() + "\n# an edit\n")
    reason = fixtures.stale_reason(copy)
    assert reason is not None and f"make fixtures HW={assignment.name}" in reason


def test_the_reference_reproduces_the_public_fixtures(assignment: Assignment) -> None:
    reference = Submission.installed(assignment.name)
    expected = fixtures.read(assignment)
    for case in assignment.public_cases():
        if not case.needs_expected:  # a trained model: tests/<assignment> calibrate it
            continue
        seed = case_seed(assignment.name, case)
        outcome = run_case(case, reference, seed)
        assert outcome.ok, outcome.error
        result = verdict(case, outcome.outputs, expected[case.name], seed)
        assert result.passed, f"{case.label}: {result.message}"


def test_no_trained_reference_weights_ship_with_the_handout(assignment: Assignment) -> None:
    """Cases judged on their own weights keep no expected outputs: the reference's trained
    weights would hand students a network that passes."""
    judged_alone = {c.name for c in assignment.public_cases() if not c.needs_expected}
    assert not judged_alone & set(fixtures.read(assignment))


def test_public_cases_are_visible(assignment: Assignment) -> None:
    assert all(c.visibility == "visible" for c in assignment.public_cases())


def test_the_judge_loads_the_cases_without_importing_torch(assignment: Assignment) -> None:
    """The judge imports the case modules for their metadata and checks; torch (hundreds
    of MB resident) belongs in the worker alone, or two copies crowd Gradescope's 768 MB.
    Case modules that need torch take it from `autograder.lazy_import.lazy`."""
    code = (
        "import sys; from autograder.assignment import Assignment; "
        f"Assignment.load({assignment.name!r}).all_cases(); "
        "print(sorted(m for m in ('torch', 'torchvision') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]", run.stdout
