"""The grading bundle: everything the judge needs, with the trusted part kept apart.

``build(name, dest)`` writes::

    dest/engine/      autograder/, dlkit/, and the solved modules of earlier assignments
                      this one depends on                  readable by the worker
    dest/package/     <name>/ as students have it (stubs, without the public fixtures),
                      plus the hidden cases (the worker runs case code; it never sees
                      expected values, and the hidden cases reach it only after the
                      public ones have run)
    dest/trusted/     mode 0700: the reference <name>/, expected.npz (every case's
                      expected outputs), secret (the salt of every graded case's seed)

The expected outputs are computed here, once, from the reference; grading then never
runs the reference, so a grading run holds at most one process with the submission's
libraries loaded besides the judge.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import autograder
import dlkit
from autograder import depends, outputs
from autograder.assignment import Assignment
from autograder.cases import seed_for
from autograder.handout import copy_tree, write_stub_package
from autograder.progress import Progress
from autograder.runner import run_case
from autograder.submission import Submission


def build(name: str, dest: Path, secret: str | None = None) -> Path:
    """Write the bundle of assignment ``name`` to ``dest``; return ``dest``."""
    assignment = Assignment.load(name)
    if dest.exists():
        shutil.rmtree(dest)
    engine, package, trusted = dest / "engine", dest / "package", dest / "trusted"
    copy_tree(Path(autograder.__file__).parent, engine / "autograder")
    copy_tree(Path(dlkit.__file__).parent, engine / "dlkit")
    depends.vendor(assignment.config.depends, engine)
    write_stub_package(assignment, package / name)
    shutil.rmtree(package / name / "fixtures")  # graded runs draw other inputs: no use, no leak
    shutil.copyfile(
        assignment.folder / "cases" / "hidden.py", package / name / "cases" / "hidden.py"
    )
    copy_tree(assignment.folder, trusted / name)
    secret = secret or secrets.token_hex(16)
    (trusted / "secret").write_text(secret)
    reference = Submission.installed(name)
    expected = {}
    # a trained model's case is judged on its own weights: no expected outputs
    compared = [case for case in assignment.all_cases() if case.needs_expected]
    progress = Progress(len(compared), f"expected outputs of {name}'s cases")
    for case in compared:
        outcome = run_case(case, reference, seed_for(name, case, secret))
        if not outcome.ok:
            raise RuntimeError(f"the reference fails case {case.label}: {outcome.error}")
        expected[case.name] = outcome.outputs
        progress.step()
    outputs.save(trusted / "expected.npz", expected)
    for path in [dest, *dest.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    trusted.chmod(0o700)
    return dest
