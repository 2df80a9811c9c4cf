"""Shared fixtures: the assignments of this repo, their stubs and their built handouts."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from autograder.assignment import CONFIG_FILE, Assignment
from autograder.cases import case_seed
from autograder.handout import build, write_stub_package
from autograder.judge import judge_case
from autograder.runner import RunOutcome, run_case
from autograder.student import CaseTimeout, time_limit
from autograder.submission import Submission, load_package
from autograder.usage import bounded_memory

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(p.parent.name for p in ROOT.glob(f"*/{CONFIG_FILE}"))


@pytest.fixture(scope="session", params=ASSIGNMENTS)
def assignment(request: pytest.FixtureRequest) -> Assignment:
    return Assignment.load(request.param)


@pytest.fixture(scope="session")
def stubs(assignment: Assignment, tmp_path_factory: pytest.TempPathFactory) -> Submission:
    """The generated stubs, loaded as a package of their own beside the reference."""
    folder = write_stub_package(assignment, tmp_path_factory.mktemp("stubs") / assignment.name)
    return load_package(folder, f"{assignment.name}_stubs")


@pytest.fixture(scope="session")
def handout(assignment: Assignment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built handout folder (the zip sits beside it)."""
    return build(assignment.name, tmp_path_factory.mktemp("dist"), refresh=False)


class Mutant:
    """The reference with one plausible student bug, loaded as a package of its own.

    ``make(file, old, new)`` copies the reference, replaces the one occurrence of
    ``old`` in ``file`` by ``new`` and loads the copy; ``public_failures(sub)`` grades it
    on the public cases in this process and returns {case label: message} of the cases
    it fails. A bug a README or docstring rules out must appear there: a student learns
    each stated rule from a public case, never from a hidden "wrong answer".
    """

    def __init__(self, assignment: Assignment, root: Path) -> None:
        self.assignment = assignment
        self.root = root
        self.count = 0

    def make(self, file: str, old: str, new: str) -> Submission:
        source = Submission.installed(self.assignment.name).folder
        self.count += 1
        folder = self.root / f"m{self.count}" / self.assignment.name
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__"))
        path = folder / file
        text = path.read_text()
        assert text.count(old) == 1, f"{file}: the text to replace occurs {text.count(old)} times"
        path.write_text(text.replace(old, new))
        return load_package(folder, f"{self.assignment.name}_mutant{self.count}")

    def public_failures(
        self, sub: Submission, only: str | None = None, trained: bool = False
    ) -> dict[str, str]:
        """Run the public cases (or the one labelled ``only``) on ``sub`` within the time
        and memory limits `make test` gives each; cases judged on trained weights (seconds each) run
        only with ``trained`` or when named."""
        name = self.assignment.name
        reference = Submission.installed(name)
        failures = {}
        for case in self.assignment.public_cases():
            if (only or case.label) != case.label or not (trained or only or case.needs_expected):
                continue
            seed = case_seed(name, case)
            expected = run_case(case, reference, seed) if case.needs_expected else RunOutcome({})
            assert expected.ok, f"the reference fails {case.label}: {expected.error}"
            limit = case.timeout_s or self.assignment.config.case_timeout_s
            try:
                with time_limit(limit), bounded_memory(self.assignment.config.memory_mb):
                    outcome = run_case(case, sub, seed)
            except CaseTimeout:
                outcome = RunOutcome.failed("timeout", f"timed out after {limit:g} s")
            result = judge_case(case, outcome, expected.outputs, seed=seed)
            if result.score < result.max_score:
                failures[case.label] = result.output
        return failures

    def failure(self, file: str, old: str, new: str, label: str) -> str | None:
        """The message of public case ``label`` on the reference with ``old`` replaced by
        ``new`` in ``file`` (`make`), within the limits `make test` gives the case; None
        when the case passes."""
        return self.public_failures(self.make(file, old, new), only=label).get(label)


@pytest.fixture
def torch_float64() -> Iterator[None]:
    """torch's default dtype is float64 for the test, then what it was (it is global to
    the process): oracles compare in float64."""
    import torch

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.fixture
def mutants(tmp_path: Path) -> Callable[[str], Mutant]:
    """``mutants("hw1")`` is a `Mutant` maker for hw1, writing its copies under tmp_path."""
    return lambda name: Mutant(Assignment.load(name), tmp_path / name)
