"""Build a student handout: stubs, public cases and fixtures, helpers, Makefile, README.

``build(name, dist)`` writes ``dist/<name>/`` and ``dist/<name>.zip`` (one top folder,
``<name>/``). The reference never reaches it: every solution region becomes a stub, the
hidden cases stay behind, and the repo's tests scan the built tree to prove it.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import autograder
import dlkit
from autograder import bring, depends, fixtures
from autograder.assignment import TASKS_FILE, Assignment
from autograder.regions import find_regions, make_stub

TEMPLATES = Path(__file__).parent / "templates" / "handout"
# The instructor's side of the engine stays out of handouts: students need the cases,
# the comparison, the sandboxed judge (`make check`) and `make submit`, nothing more.
INSTRUCTOR_ONLY = (
    "batch.py",
    "bench.py",
    "bundle.py",
    "gradescope.py",
    "handout.py",
    "regions.py",
    "samples.py",
)
HIDDEN = ("cases/hidden.py",)
SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def pinned_versions(pyproject: Path) -> dict[str, str]:
    """Distribution name (lowercase) -> ``name==version`` from pyproject's dependencies."""
    project = tomllib.loads(pyproject.read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    pins = {}
    for spec in specs:
        name = re.split(r"[=<>!~ \[]", spec, maxsplit=1)[0]
        pins[name.lower()] = spec
    return pins


def repo_root() -> Path:
    return Path(autograder.__file__).parent.parent


def requirements(assignment: Assignment) -> str:
    """The handout's requirements.txt: the config's requirements with the repo's pins."""
    pins = pinned_versions(repo_root() / "pyproject.toml")
    unknown = [r for r in assignment.config.requirements if r.lower() not in pins]
    if unknown:
        raise ValueError(f"{assignment.name}: requirements {unknown} are not pinned in pyproject")
    return "".join(pins[r.lower()] + "\n" for r in assignment.config.requirements)


WRITTEN = "written.md"  # an assignment's written questions, with room for the answers

# The handout's `make experiments`, where the assignment has an experiments script: it
# runs with the handout's own environment (a bare `python -m` may lack matplotlib).
EXPERIMENTS_TARGET = """
#   make experiments   run {{name}}.experiments with your code; figures go to plots/
#                      (ARGS="..." passes options: ARGS=--help lists them)
.PHONY: experiments
experiments: $(NEEDS_SETUP)
	$(THREADS) $(PY) -m {{name}}.experiments --out plots $(ARGS)
"""


# The handout's `make hw1 FROM=...`, where students bring their own files of an earlier
# assignment that this one builds on (`autograder.bring`).
BRING_TARGET = """
#   make {{package}} FROM=dir   copy your own {{package}} files in (dir: your {{package}} handout)
.PHONY: {{package}}
{{package}}: $(NEEDS_SETUP)
	@test -n "$(FROM)" || { echo "usage: make {{package}} FROM=path/to/your/{{package}}"; exit 2; }
	$(PY) -m autograder bring {{name}} "$(FROM)"
"""


def _render(template: str, assignment: Assignment) -> str:
    config = assignment.config
    files = ", ".join(f"`{f}`" for f in config.files)
    values = {"name": assignment.name, "title": config.title, "files": files}
    has_experiments = (assignment.folder / "experiments.py").is_file()
    values["experiments"] = (
        EXPERIMENTS_TARGET.replace("{{name}}", assignment.name) if has_experiments else ""
    )
    brought = depends.packages(config.depends) if config.depends_in_handout == "own" else []
    values["bring"] = "".join(
        BRING_TARGET.replace("{{package}}", package).replace("{{name}}", assignment.name)
        for package in brought
    )
    text = (TEMPLATES / template).read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def copy_tree(source: Path, target: Path, skip: tuple[str, ...] = (), stubs: bool = False) -> None:
    """Copy a package tree; with ``stubs``, solution regions of its modules become stubs."""
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or SKIPPED_DIRS & set(rel.parts) or rel.as_posix() in skip:
            continue
        if path.suffix in (".pyc", ".pyo"):
            continue
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if stubs and path.suffix == ".py":
            out.write_text(make_stub(path.read_text(), str(path)))
        else:
            shutil.copyfile(path, out)


def tasks(assignment: Assignment) -> dict[str, list[str]]:
    """Per submitted file, the tasks (functions with a solution region) it holds."""
    return {
        path.name: [r.task for r in find_regions(path.read_text(), str(path))]
        for path in assignment.module_paths()
    }


def write_stub_package(assignment: Assignment, target: Path) -> Path:
    """The assignment package as students get it (stubs, no hidden cases) at ``target``,
    with ``tasks.json`` listing each submitted file's tasks."""
    copy_tree(assignment.folder, target, skip=HIDDEN + ("README.md", WRITTEN), stubs=True)
    (target / TASKS_FILE).write_text(json.dumps(tasks(assignment), indent=2) + "\n")
    return target


def _zip(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, Path(folder.name) / path.relative_to(folder))


def build(name: str, dist: Path, refresh: bool = True) -> Path:
    """Build the handout of assignment ``name`` under ``dist``; return its folder.

    With ``refresh``, stale public fixtures are recomputed first (in the repo).
    """
    assignment = Assignment.load(name)
    if refresh and fixtures.refresh_if_stale(assignment):
        print(f"refreshed {assignment.fixture_path} (the reference changed)")
    out = dist / name
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    write_stub_package(assignment, out / name)
    engine = Path(autograder.__file__).parent
    skip = INSTRUCTOR_ONLY + tuple(
        p.relative_to(engine).as_posix() for p in (engine / "templates").rglob("*")
    )
    copy_tree(engine, out / "autograder", skip=skip)
    copy_tree(Path(dlkit.__file__).parent, out / "dlkit")
    config = assignment.config
    if config.depends_in_handout == "reference":  # the earlier solutions, released
        depends.vendor(config.depends, out)
    else:  # students bring their own files: `make hw1 FROM=...`
        bring.write_placeholders(name, config.depends, out)
    if (assignment.folder / WRITTEN).is_file():  # the written part's template, beside README
        shutil.copyfile(assignment.folder / WRITTEN, out / WRITTEN)
    readme = (assignment.folder / "README.md").read_text()
    (out / "README.md").write_text(
        readme.rstrip("\n") + "\n" + _render("COMMANDS.md.tmpl", assignment)
    )
    (out / "Makefile").write_text(_render("Makefile.tmpl", assignment))
    (out / "pytest.ini").write_text(_render("pytest.ini.tmpl", assignment))
    (out / "requirements.txt").write_text(requirements(assignment))
    (out / "tests").mkdir()
    (out / "tests" / "test_public.py").write_text(_render("test_public.py.tmpl", assignment))
    _zip(out, dist / f"{name}.zip")
    return out
