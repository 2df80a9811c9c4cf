"""Gradescope: build the autograder zip, and what its ``run_autograder`` runs.

The zip follows Gradescope's autograder specification: ``setup.sh`` and
``run_autograder`` at its root, unpacked to ``/autograder/source``; each submission in
``/autograder/submission``; results to ``/autograder/results/results.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

from autograder import bundle
from autograder.assignment import Assignment
from autograder.grade import Grader
from autograder.handout import pinned_versions, repo_root
from autograder.report import score_table

TEMPLATES = Path(__file__).parent / "templates" / "gradescope"
BASE_REQUIREMENTS = ("numpy", "gradescope-utils", "pyyaml")


# Dependencies of the default (CUDA) torch wheel that its CPU build does without.
CUDA_ONLY = ("nvidia-", "cuda-", "triton")
CPU_BUILDS = ("torch", "torchvision")  # installed as "+cpu" builds from PyTorch's index


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def pinned_closure(names: list[str]) -> dict[str, str]:
    """Every distribution ``names`` need, transitively, with the version installed here
    (``make setup`` installed the repo's pins): name -> version."""
    from importlib import metadata

    from packaging.requirements import Requirement

    found: dict[str, str] = {}
    todo = [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            found[name] = metadata.version(name).split("+")[0]  # 2.14.1+cpu: 2.14.1
        except metadata.PackageNotFoundError:
            raise ValueError(f"{name} is not installed here: run `make setup` first") from None
        for spec in metadata.requires(name) or []:
            requirement = Requirement(spec)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            if not _canonical(requirement.name).startswith(CUDA_ONLY):
                todo.append(_canonical(requirement.name))
    return found


def requirements(assignment: Assignment) -> str:
    """The grading environment's requirements.txt: every package pinned, dependencies of
    dependencies too, as installed with the repo's pins; torch and torchvision as their
    CPU builds (about 210 MB resident on import instead of about 650 MB)."""
    pins = pinned_versions(repo_root() / "pyproject.toml")
    listed = dict.fromkeys([*BASE_REQUIREMENTS, *assignment.config.requirements])
    top = [n for n in listed if n.lower() != "pytest"]
    versions = pinned_closure(top)
    for name in top:
        wanted = pins[name.lower()].split("==")[1]
        if versions[_canonical(name)] != wanted:
            raise ValueError(
                f"{name} {versions[_canonical(name)]} is installed, the repo pins {wanted}: "
                "run `make setup`"
            )
    lines = [
        f"{name}=={version}{'+cpu' if name in CPU_BUILDS else ''}"
        for name, version in sorted(versions.items())
    ]
    return "\n".join(lines) + "\n"


def build_zip(name: str, dist: Path, secret: str | None = None) -> Path:
    """Write ``dist/<name>-autograder.zip``; return its path."""
    assignment = Assignment.load(name)
    staging = dist / f"{name}-autograder"
    bundle.build(name, staging / "bundle", secret)
    archive = dist / f"{name}-autograder.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for script in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(script)
            info.external_attr = 0o100755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (TEMPLATES / script).read_text())
        zf.writestr("requirements.txt", requirements(assignment))
        for path in sorted((staging / "bundle").rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(staging).as_posix())
    return archive


def run(root: Path) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``."""
    results = root / "results" / "results.json"
    grader = Grader.from_bundle(root / "source" / "bundle")
    report = grader.grade(root / "submission", results)
    print(score_table(report, title=grader.assignment.config.title))
    print(report.output)
    if report.extra.get("trace"):
        print(report.extra["trace"])
    if report.extra.get("worker_output"):
        print("--- what the submission printed (first 64 KB) ---")
        print(report.extra["worker_output"])
    json.loads(results.read_text())  # it was written, and it parses
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    args = parser.parse_args(argv)
    return run(args.root)


if __name__ == "__main__":
    sys.exit(main())
