"""The command line: ``python -m autograder <verb> <assignment> [options]``.

Instructors (in the repo): ``handout``, ``fixtures``, ``autograder``, ``grade``.
Students (in a handout): ``check``, ``submit``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import sys
from pathlib import Path

from autograder.assignment import Assignment

SECRET_DIR = Path(".course-secret")  # beside dist/, not in it: `make clean` keeps it
PASSPHRASE_ENV = "COURSE_SECRET"


def secret_for(name: str, dist: Path, folder: Path = SECRET_DIR) -> str:
    """The assignment's secret, which seeds every graded case: the Gradescope zip and
    `make grade` must share it, or they draw other inputs.

    From the course's passphrase (``$COURSE_SECRET``) where one is set: every clone
    that sets it (a second TA's) gets the same secret. Otherwise made once and kept in
    ``.course-secret/<name>`` (git-ignored, outside ``dist/``). A secret an earlier
    version kept in ``dist/.secrets/`` is moved there."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase:
        return hashlib.sha256(f"{passphrase}\0{name}".encode()).hexdigest()[:32]
    path = folder / name
    old = dist / ".secrets" / name
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if old.is_file():
            shutil.move(old, path)
        else:
            path.write_text(secrets.token_hex(16))
            print(
                f"made {path}, the secret behind every graded case's inputs: keep it (and "
                f"share it with your TAs privately), or set ${PASSPHRASE_ENV} instead",
                file=sys.stderr,
            )
        path.chmod(0o600)
    return path.read_text().strip()


def _handout(args: argparse.Namespace) -> int:
    from autograder import handout

    out = handout.build(args.assignment, args.dist)
    print(f"handout written to {out}/ and {out}.zip")
    return 0


def _fixtures(args: argparse.Namespace) -> int:
    from autograder import fixtures

    print(f"wrote {fixtures.write(Assignment.load(args.assignment))}")
    return 0


def _autograder(args: argparse.Namespace) -> int:
    from autograder import gradescope

    secret = secret_for(args.assignment, args.dist)
    print(f"wrote {gradescope.build_zip(args.assignment, args.dist, secret)}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from autograder import batch, bundle, samples

    name = args.assignment
    if args.submissions:
        out = args.out or args.dist / "grades" / name
        folder = Path(args.submissions)
        if not folder.is_dir():
            print(f"error: {folder} is not a folder of submissions", file=sys.stderr)
            return 2
    else:  # the demo: apart from the class's grades
        out = args.out or args.dist / "grades" / f"{name}-samples"
        folder = out / "samples"
        samples.make(name, folder)
        print(f"no SUBMISSIONS given: grading the sample submissions in {folder}")
    try:
        found = batch.find_submissions(folder)
    except batch.SubmissionsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not found:
        print(f"error: {folder} holds no submissions (folders or zips)", file=sys.stderr)
        return 2
    if not args.allow_unsandboxed:
        from autograder.sandbox import plan

        probe = plan()
        probe.release()
        if not probe.isolated_filesystem:
            print(
                "error: bubblewrap is not available here, so submissions could read this\n"
                "repository, the reference solutions included. Grade on Linux with bubblewrap\n"
                "(as root: apt-get install bubblewrap), or accept the risk with\n"
                "ALLOW_UNSANDBOXED=1 (make) or --allow-unsandboxed.\n"
                f"Sandbox here: {probe.summary()}.",
                file=sys.stderr,
            )
            return 2
    built = bundle.build(name, out / "bundle", secret_for(name, args.dist))
    jobs = args.jobs or os.cpu_count() or 1
    title = Assignment.load(name).config.title
    print(batch.main(built, found, out, min(jobs, len(found)), title, fresh=args.fresh))
    print(f"\nwrote {out}/grades.csv, {out}/case_stats.csv, {out}/histogram.png, {out}/results/")
    return 0


def _check(args: argparse.Namespace) -> int:
    from autograder import check

    return check.main(args.assignment)


def _submit(args: argparse.Namespace) -> int:
    from autograder import submit

    return submit.main(args.assignment, args.output)


def _bring(args: argparse.Namespace) -> int:
    from autograder import bring

    return bring.main(args.assignment, args.source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    commands = {
        "handout": (_handout, "build dist/<hw>/ and dist/<hw>.zip, the student handout"),
        "fixtures": (_fixtures, "recompute the public cases' expected outputs"),
        "autograder": (_autograder, "build dist/<hw>-autograder.zip for Gradescope"),
        "grade": (_grade, "grade a folder of submissions (default: the samples)"),
        "check": (_check, "grade your work on the public cases, as Gradescope will"),
        "submit": (_submit, "check your files and zip them for upload"),
        "bring": (_bring, "copy your own files of the earlier assignment this one builds on"),
    }
    for verb, (func, text) in commands.items():
        sub = verbs.add_parser(verb, help=text)
        sub.add_argument("assignment")
        sub.add_argument("--dist", type=Path, default=Path("dist"))
        sub.set_defaults(func=func)
        if verb == "grade":
            sub.add_argument("--submissions", default=None)
            sub.add_argument("--out", type=Path, default=None)
            sub.add_argument("--jobs", type=int, default=0)
            sub.add_argument("--allow-unsandboxed", action="store_true")
            sub.add_argument(
                "--fresh", action="store_true", help="drop the results of earlier runs first"
            )
        if verb == "bring":
            sub.add_argument("source", type=Path, help="your earlier handout folder or zip")
        if verb == "submit":
            sub.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        Assignment.load(args.assignment)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return int(args.func(args))
