"""Shared fixtures: the assignments of this repo, their stubs and their built handouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.assignment import CONFIG_FILE, Assignment
from autograder.handout import build, write_stub_package
from autograder.submission import Submission, load_package

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
