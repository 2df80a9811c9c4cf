"""The instructor's command line: ``python -m autograder <verb> <assignment>``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import fixtures, handout
from autograder.assignment import Assignment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    build = verbs.add_parser("handout", help="build dist/<hw>/ and dist/<hw>.zip")
    build.add_argument("assignment")
    build.add_argument("--dist", type=Path, default=Path("dist"))
    refresh = verbs.add_parser("fixtures", help="recompute the public expected outputs")
    refresh.add_argument("assignment")
    args = parser.parse_args(argv)

    try:
        assignment = Assignment.load(args.assignment)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.verb == "handout":
        out = handout.build(assignment.name, args.dist)
        print(f"handout written to {out}/ and {out}.zip")
    else:
        print(f"wrote {fixtures.write(assignment)}")
    return 0
