"""The real Gradescope zip, run end to end in a temporary /autograder-like root."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from autograder.assignment import Assignment
from autograder.judge import HIDDEN_VERDICTS

N_CASES = len(Assignment.load("ps0").all_cases())


def test_zip_has_the_gradescope_layout(gradescope: Any) -> None:
    source = gradescope.root / "source"
    for script in ("setup.sh", "run_autograder"):
        assert (source / script).is_file()
    archive = next(gradescope.root.parent.glob("dist*/ps0-autograder.zip"), None)
    if archive is not None:
        with zipfile.ZipFile(archive) as zf:
            modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    requirements = (source / "requirements.txt").read_text().split()
    assert requirements and all("==" in line for line in requirements)
    assert "pytest" not in " ".join(requirements)
    assert "pip install" in (source / "setup.sh").read_text()
    assert not list((source / "bundle" / "engine").rglob("hidden.py"))


def test_the_grading_environment_pins_every_package_and_torch_as_its_cpu_build() -> None:
    """Dependencies of dependencies are pinned too (a new release of one cannot change
    the grader), torch and torchvision come as their CPU pair, and the CUDA wheel's
    own dependencies are left out."""
    from autograder.gradescope import requirements

    lines = requirements(Assignment.load("hw2")).split()
    names = {line.split("==")[0] for line in lines}
    assert all(line.count("==") == 1 for line in lines)
    assert {"torch==2.14.1+cpu", "torchvision==0.29.1+cpu"} <= set(lines)
    assert {"scipy", "pillow", "sympy", "numpy"} <= names  # needed by what the config lists
    assert not any(n.startswith(("nvidia-", "cuda-", "triton")) for n in names)
    assert not any(line.endswith("+cpu") for line in requirements(Assignment.load("ps0")).split())


@pytest.mark.parametrize(
    ("sample", "low", "high"),
    [
        ("reference", 100, 100),
        ("stubs", 0, 0),
        ("partial", 20, 80),
        ("syntax_error", 40, 90),
        ("infinite_loop", 85, 99),
        ("crash", 85, 99),
        ("cheat", 0, 0),
    ],
)
def test_samples_are_graded_as_expected(
    gradescope: Any, sample_dir: Path, sample: str, low: float, high: float
) -> None:
    results, stdout = gradescope.run(sample_dir / sample)
    assert len(results["tests"]) == N_CASES
    assert low <= results["score"] <= high, results["output"]
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    assert "Sandbox:" in results["output"]
    outputs = " ".join(t["output"] for t in results["tests"])
    expected_words = {
        "stubs": "not implemented yet",
        "syntax_error": "does not parse (line",
        "infinite_loop": "timed out after",
        "crash": "segmentation fault",
        "cheat": "exited with status 0",
    }
    if sample in expected_words:
        assert expected_words[sample] in outputs


def test_hidden_cases_show_no_values(gradescope: Any, sample_dir: Path) -> None:
    results, _ = gradescope.run(sample_dir / "partial")
    public = {c.name for c in Assignment.load("ps0").public_cases()}
    hidden_failures = [
        t for t in results["tests"] if t["name"] not in public and t["status"] == "failed"
    ]
    assert hidden_failures, "the partial sample must fail some hidden case"
    for test in hidden_failures:
        assert not re.search(r"got -?\d|expected -?\d|max abs error", test["output"]), test


def test_regrading_gives_the_same_results(gradescope: Any, sample_dir: Path) -> None:
    first, _ = gradescope.run(sample_dir / "partial")
    second, _ = gradescope.run(sample_dir / "partial")
    assert [(t["name"], t["score"]) for t in first["tests"]] == [
        (t["name"], t["score"]) for t in second["tests"]
    ]


def test_a_submitted_zip_and_stray_files_are_handled(
    gradescope: Any, sample_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    with zipfile.ZipFile(folder / "mywork.zip", "w") as zf:
        for path in (sample_dir / "reference").iterdir():
            zf.write(path, f"ps0/{path.name}")
        zf.writestr("../escape.py", "print('outside')")
    results, _ = gradescope.run(folder)
    assert results["score"] == 100
    assert "'..' component" in results["output"]
    assert not (gradescope.root / "escape.py").exists()


def test_an_empty_submission_still_gets_a_result_for_every_case(
    gradescope: Any, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    results, _ = gradescope.run(tmp_path / "empty")
    assert results["score"] == 0 and len(results["tests"]) == N_CASES
    assert "the submission is empty" in results["output"]
    assert all("was not submitted" in t["output"] for t in results["tests"])


def test_the_worker_output_reaches_the_instructor_only(gradescope: Any, variant: Any) -> None:
    chatty = variant(
        "reference", "arrays.py", lambda s: s + "\nprint('hello from the submission')\n"
    )
    results, stdout = gradescope.run(chatty)
    assert "hello from the submission" in stdout
    assert results["stdout_visibility"] == "hidden"
    assert "hello from the submission" not in str(results["tests"])


def test_a_module_that_does_not_import_shows_the_error_in_its_cases(
    gradescope: Any, variant: Any
) -> None:
    broken = variant(
        "reference",
        "arrays.py",
        lambda s: s.replace(
            "import numpy as np\n", "import numpy as np\nimport not_a_real_module\n"
        ),
    )
    source = (broken / "arrays.py").read_text()
    line = source.splitlines().index("import not_a_real_module") + 1
    results, _ = gradescope.run(broken)
    arrays_cases = [t for t in results["tests"] if t["number"].split(".")[0] in set("12345")]
    assert arrays_cases and all(t["score"] == 0 for t in arrays_cases)
    public = {c.name for c in Assignment.load("ps0").public_cases()}
    for test in arrays_cases:
        if test["name"] in public:
            assert "No module named 'not_a_real_module'" in test["output"]
            assert f"arrays.py, line {line}" in test["output"]
        else:  # hidden cases never repeat what the worker said; the public ones show it
            assert test["output"] == HIDDEN_VERDICTS["exception"]
    others = [t for t in results["tests"] if t not in arrays_cases]
    assert sum(t["score"] for t in others) == sum(t["max_score"] for t in others)


def test_a_forbidden_import_fails_only_the_cases_of_its_file(gradescope: Any, variant: Any) -> None:
    results, _ = gradescope.run(
        variant("reference", "calculus.py", lambda s: s + "\nimport torch\n")
    )
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and {t["number"].split(".")[0] for t in failed} == {"6", "7", "8", "9"}
    assert all("calculus.py imports torch" in t["output"] for t in failed)
    assert "calculus.py imports torch" in results["output"]


def test_a_file_saved_with_a_byte_order_mark_is_graded(gradescope: Any, variant: Any) -> None:
    with_bom = variant("reference", "arrays.py", lambda s: "\ufeff" + s)
    assert (with_bom / "arrays.py").read_bytes().startswith(b"\xef\xbb\xbf")
    results, _ = gradescope.run(with_bom)
    assert results["score"] == 100, results["output"]


def test_a_submission_may_not_open_a_data_set_itself(gradescope: Any, variant: Any) -> None:
    def peek(source: str) -> str:  # read scikit-learn's copy of the table directly
        marker = "    n, d = X.shape\n"
        site = "os.path.dirname(os.path.dirname(np.__file__))"
        path = f"os.path.join({site}, 'sklearn/datasets/data/diabetes_target.csv.gz')"
        return source.replace(marker, f"    import os\n    np.loadtxt({path})\n" + marker)

    results, _ = gradescope.run(variant("reference", "regression.py", peek))
    by_number = {t["number"]: t for t in results["tests"]}
    assert by_number["15.1"]["score"] == 0
    assert "PermissionError" in by_number["15.1"]["output"]
    assert "use the data the grader passes in" in by_number["15.1"]["output"]
    assert by_number["14.1"]["score"] == by_number["14.1"]["max_score"]
