"""The built handout: self-contained, stubs only, no hidden case, and it runs."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from autograder.assignment import Assignment
from autograder.depends import source_file
from autograder.handout import build
from autograder.regions import find_regions, solution_lines


def _texts(folder: Path) -> dict[Path, str]:
    texts = {}
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix not in (".npz", ".zip"):
            texts[path] = path.read_text()
    return texts


def _secret_lines(assignment: Assignment) -> set[str]:
    """Reference lines that appear nowhere outside solution regions and hidden cases."""
    secret, public = set(), set()
    for package in ("autograder", "dlkit"):  # shipped code: its lines are public anyway
        for path in (assignment.folder.parent / package).rglob("*.py"):
            public |= {line.strip() for line in path.read_text().splitlines()}
    for module in assignment.config.depends:
        source = source_file(module).read_text()
        if assignment.config.depends_in_handout == "reference":  # released on purpose
            public |= {line.strip() for line in source.splitlines()}
        else:  # students bring their own: the earlier solutions must not be here
            secret |= set(solution_lines(source, module))
    for path in assignment.folder.rglob("*.py"):
        source = path.read_text()
        lines = source.splitlines()
        if path.name == "hidden.py":
            secret |= {line.strip() for line in lines}
            continue
        secret |= set(solution_lines(source, str(path)))
        # lines outside the regions ship; one may equal a solution line (a docstring
        # stating the recurrence the region implements): then the line is public
        within = {i for r in find_regions(source, str(path)) for i in range(r.begin - 1, r.end)}
        public |= {line.strip() for i, line in enumerate(lines) if i not in within}
    return {line for line in secret - public if len(line) >= 8 and not line.startswith("#")}


def test_no_reference_line_or_hidden_case_reaches_the_handout(
    assignment: Assignment, handout: Path
) -> None:
    secret = _secret_lines(assignment)
    assert secret, "the scan must have something to look for"
    hidden_names = {
        node.name
        for node in ast.parse((assignment.folder / "cases" / "hidden.py").read_text()).body
        if isinstance(node, ast.FunctionDef)
    }
    for path, text in _texts(handout).items():
        lines = {line.strip() for line in text.splitlines()}
        leaked = lines & secret
        assert not leaked, f"{path.relative_to(handout)} contains reference lines: {leaked}"
        named = {name for name in hidden_names if name in text}
        assert not named, f"{path.relative_to(handout)} names hidden cases {named}"
    assert not list(handout.rglob("hidden.py"))


def test_the_zip_holds_the_folder_under_one_top_directory(
    assignment: Assignment, handout: Path
) -> None:
    with zipfile.ZipFile(handout.parent / f"{assignment.name}.zip") as zf:
        names = set(zf.namelist())
    files = {f"{assignment.name}/{p.relative_to(handout).as_posix()}" for p in handout.rglob("*")}
    assert names == {f for f in files if (handout.parent / f).is_file()}
    assert f"{assignment.name}/Makefile" in names and f"{assignment.name}/README.md" in names


def test_the_handout_pins_its_requirements(assignment: Assignment, handout: Path) -> None:
    lines = (handout / "requirements.txt").read_text().split()
    assert len(lines) == len(assignment.config.requirements)
    assert all("==" in line for line in lines)


def test_make_experiments_exists_where_the_assignment_has_experiments(
    assignment: Assignment, handout: Path
) -> None:
    """Students run the experiments with the handout's environment, not a bare python."""
    run = subprocess.run(
        ["make", "-n", "experiments"], cwd=handout, capture_output=True, text=True, timeout=60
    )
    if (assignment.folder / "experiments.py").is_file():
        assert f"-m {assignment.name}.experiments --out plots" in run.stdout, run.stderr
    else:
        assert run.returncode != 0 and "experiments" in run.stderr


def test_the_written_questions_sit_beside_the_readme_which_says_where_they_go(
    assignment: Assignment, handout: Path
) -> None:
    readme = (handout / "README.md").read_text()
    assert "## Handing in" in readme
    assert not (handout / assignment.name / "written.md").exists()
    if (assignment.folder / "written.md").is_file():
        written = (handout / "written.md").read_text()
        assert "**Answer:**" in written and "1. " in written
        assert "written.md" in readme and "PDF" in readme
    else:
        assert not (handout / "written.md").exists() and "no written part" in readme


def _pytest_in(folder: Path, target: str = "test") -> subprocess.CompletedProcess[str]:
    # The handout's own command, with this interpreter standing in for its .venv.
    return subprocess.run(
        ["make", "-s", target, f"PY={sys.executable}"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _bring_earlier_work(assignment: Assignment, folder: Path) -> None:
    """Bring the earlier assignments' files this one builds on, as a student would: the
    reference stands for a student's finished hw1."""
    if assignment.config.depends_in_handout != "own":
        return
    for package in sorted({m.split(".")[0] for m in assignment.config.depends}):
        source = Path(source_file(f"{package}.__init__")).parent
        run = subprocess.run(
            ["make", "-s", package, f"FROM={source}", f"PY={sys.executable}"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "copied" in run.stdout


def test_every_stub_imports_and_every_public_case_says_not_implemented(
    assignment: Assignment, handout: Path, tmp_path: Path
) -> None:
    for path in (handout / assignment.name).rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    if assignment.config.depends:
        handout = shutil.copytree(handout, tmp_path / assignment.name)
        _bring_earlier_work(assignment, handout)
    run = _pytest_in(handout)
    n, files = len(assignment.public_cases()), len(assignment.config.files)
    assert run.returncode != 0, run.stdout + run.stderr
    # the stubs pass the static check of each file, and fail every case
    assert f"{n} failed, {files} passed" in run.stdout, run.stdout
    assert run.stdout.count("not implemented yet: ") >= n
    assert "Traceback" not in run.stdout and "Traceback" not in run.stderr


def test_the_handout_filled_with_the_reference_passes(
    assignment: Assignment, handout: Path, tmp_path: Path
) -> None:
    filled = tmp_path / assignment.name
    shutil.copytree(handout, filled)
    for path in assignment.module_paths():
        shutil.copyfile(path, filled / assignment.name / path.name)
    _bring_earlier_work(assignment, filled)
    run = _pytest_in(filled)
    n = len(assignment.public_cases()) + len(assignment.config.files)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{n} passed" in run.stdout


def test_make_test_flags_a_forbidden_import_and_stops_an_endless_case(tmp_path: Path) -> None:
    ps0 = Assignment.load("ps0")
    filled = build("ps0", tmp_path, refresh=False)
    for path in ps0.module_paths():
        shutil.copyfile(path, filled / "ps0" / path.name)
    arrays, calculus = filled / "ps0" / "arrays.py", filled / "ps0" / "calculus.py"
    signature = "def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:\n"
    arrays.write_text(
        arrays.read_text().replace(signature, signature + "    while True:\n        pass\n")
    )
    future = "from __future__ import annotations\n"  # line 3: the import comes after it
    calculus.write_text(calculus.read_text().replace(future, future + "import sympy\n", 1))
    logsumexp = "def logsumexp(z: np.ndarray, axis: int = -1) -> np.ndarray:\n"
    chatty = "    for i in range(100_000):\n        print('step', i)\n    return z\n"
    arrays.write_text(arrays.read_text().replace(logsumexp, logsumexp + chatty))
    run = _pytest_in(filled)
    assert run.returncode != 0
    assert "calculus.py imports sympy (line 4)" in run.stdout, run.stdout
    assert "During handling" not in run.stdout  # the import's message, once
    # a failing case shows the first lines its code printed, not 100,000 of them
    assert "Your code printed (the first lines):\n    step 0\n" in run.stdout, run.stdout
    assert "step 10\n" not in run.stdout and len(run.stdout) < 20_000
    assert "timed out after 10 s, the grader's limit for this case" in run.stdout, run.stdout
    assert "(arrays.py, line 34, in softmax)" in run.stdout, run.stdout


def test_make_check_and_make_submit_in_the_filled_handout(
    assignment: Assignment, handout: Path, tmp_path: Path
) -> None:
    filled = tmp_path / assignment.name
    shutil.copytree(handout, filled)
    refused = _pytest_in(filled, "submit")
    assert refused.returncode != 0 and "nothing is implemented yet" in refused.stderr
    for path in assignment.module_paths():
        shutil.copyfile(path, filled / assignment.name / path.name)
    _bring_earlier_work(assignment, filled)
    check = _pytest_in(filled, "check")
    points = sum(c.points for c in assignment.public_cases())
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"Total: {points:g} / {points:g}" in check.stdout
    assert "Sandbox:" in check.stdout
    submit = _pytest_in(filled, "submit")
    assert submit.returncode == 0, submit.stderr
    with zipfile.ZipFile(filled / f"{assignment.name}-submission.zip") as zf:
        assert sorted(zf.namelist()) == sorted(assignment.config.files)
