"""Expected outputs of the public cases, computed from the reference and shipped to students.

The fixture file records a fingerprint of the sources its outputs depend on. When the
reference changes, the fingerprint no longer matches: `make handout` refreshes the file,
and the repo's tests fail with the command that refreshes it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import dlkit
from autograder import depends
from autograder.assignment import Assignment
from autograder.cases import case_seed
from autograder.outputs import Outputs, load, save
from autograder.progress import Progress
from autograder.runner import run_case
from autograder.submission import Submission

REFRESH_HINT = "run `make fixtures HW={name}` and commit {path}"


def _inputs(assignment: Assignment) -> list[Path]:
    """The files that determine the public outputs: the package but its hidden cases,
    dlkit, the modules of earlier assignments it depends on, and the engine's helpers
    that cases call (`passes`, `heldout`)."""
    dlkit_folder = Path(dlkit.__file__).parent
    package = [p for p in assignment.folder.rglob("*.py") if p.name != "hidden.py"]
    earlier = [depends.source_file(m) for m in assignment.config.depends]
    engine = Path(__file__).parent
    helpers = [engine / "passes.py", engine / "heldout.py"]
    return sorted(package) + sorted(dlkit_folder.rglob("*.py")) + earlier + helpers


def fingerprint(assignment: Assignment) -> str:
    """SHA-256 over the contents of the files the public outputs depend on."""
    digest = hashlib.sha256()
    for path in _inputs(assignment):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def compute(assignment: Assignment) -> dict[str, Outputs]:
    """Run every public case whose check compares with the reference on the reference;
    an error there is a bug in the assignment. A trained-model case has no expected
    outputs: it is judged on its own weights, and the reference's stay unshipped."""
    reference = Submission.installed(assignment.name)
    expected: dict[str, Outputs] = {}
    compared = [case for case in assignment.public_cases() if case.needs_expected]
    progress = Progress(len(compared), f"public expected outputs of {assignment.name}")
    for case in compared:
        outcome = run_case(case, reference, case_seed(assignment.name, case))
        if not outcome.ok:
            raise RuntimeError(f"the reference fails public case {case.label}: {outcome.error}")
        expected[case.name] = outcome.outputs
        progress.step()
    return expected


def write(assignment: Assignment) -> Path:
    """Recompute and write the fixture file; return its path."""
    save(assignment.fixture_path, compute(assignment), {"fingerprint": fingerprint(assignment)})
    return assignment.fixture_path


def read(assignment: Assignment) -> dict[str, Outputs]:
    """The shipped expected outputs, keyed by case name."""
    if not assignment.fixture_path.is_file():
        raise FileNotFoundError(
            f"{assignment.fixture_path} is missing: "
            + REFRESH_HINT.format(name=assignment.name, path=assignment.fixture_path)
        )
    named, _ = load(assignment.fixture_path)
    return named


def stale_reason(assignment: Assignment) -> str | None:
    """Why the fixture file does not match the current sources, or None when it does."""
    hint = REFRESH_HINT.format(name=assignment.name, path=assignment.fixture_path)
    if not assignment.fixture_path.is_file():
        return f"{assignment.fixture_path} is missing: {hint}"
    named, extra = load(assignment.fixture_path)
    if extra.get("fingerprint") != fingerprint(assignment):
        return f"the public fixtures of {assignment.name} predate its current sources: {hint}"
    missing = sorted({c.name for c in assignment.public_cases() if c.needs_expected} - set(named))
    if missing:
        return f"the public fixtures of {assignment.name} lack cases {missing}: {hint}"
    return None


def refresh_if_stale(assignment: Assignment) -> bool:
    """Rewrite the fixtures when they are stale; True when they were rewritten."""
    if stale_reason(assignment) is None:
        return False
    write(assignment)
    return True
