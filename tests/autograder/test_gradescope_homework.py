"""hw1 and hw2 through their real Gradescope zips: full and zero points, hw1's digits
case guards (its data comes from the grader; neither a data file nor dlkit may supply
it), and hw2's torch worker under the sandbox's limits."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from autograder.assignment import Assignment

N_CASES = len(Assignment.load("hw1").all_cases())
DIGITS_CASES = ("16.1", "16.2")


def _edited(source: Path, dest: Path, file: str, old: str, new: str) -> Path:
    shutil.copytree(source, dest)
    text = (dest / file).read_text()
    assert old in text, f"the edit's anchor is missing from {file}"
    (dest / file).write_text(text.replace(old, new, 1))
    return dest


def test_the_reference_scores_100_and_the_stubs_0(gradescope_hw1: Any, hw1_samples: Path) -> None:
    results, _ = gradescope_hw1.run(hw1_samples / "reference")
    assert results["score"] == 100 and len(results["tests"]) == N_CASES, results["output"]
    results, _ = gradescope_hw1.run(hw1_samples / "stubs")
    assert results["score"] == 0 and len(results["tests"]) == N_CASES


def test_train_digits_may_not_read_the_data_set_file(
    gradescope_hw1: Any, hw1_samples: Path, tmp_path: Path
) -> None:
    anchor = "    X_train, X_test = X_train / 16.0, X_test / 16.0\n"
    site = "os.path.dirname(os.path.dirname(np.__file__))"
    peek = (
        "    import os\n"
        f"    np.loadtxt(os.path.join({site}, 'sklearn/datasets/data/digits.csv.gz'), "
        "delimiter=',')\n"
    )
    submission = _edited(
        hw1_samples / "reference", tmp_path / "peek", "train.py", anchor, peek + anchor
    )
    results, _ = gradescope_hw1.run(submission)
    by_number = {t["number"]: t for t in results["tests"]}
    for number in DIGITS_CASES:
        assert by_number[number]["score"] == 0
    assert "use the data the grader passes in" in by_number["16.1"]["output"]
    assert results["score"] == 100 - sum(by_number[n]["max_score"] for n in DIGITS_CASES)


def test_train_py_may_not_import_dlkit(
    gradescope_hw1: Any, hw1_samples: Path, tmp_path: Path
) -> None:
    anchor = "import numpy as np\n"
    submission = _edited(
        hw1_samples / "stubs",
        tmp_path / "dlkit",
        "train.py",
        anchor,
        anchor + "from dlkit.data import digits\n",
    )
    results, _ = gradescope_hw1.run(submission)
    by_number = {t["number"]: t for t in results["tests"]}
    for number in ("15.1", *DIGITS_CASES):
        assert "train.py imports dlkit" in by_number[number]["output"], by_number[number]
    # model.py does not import train.py: its cases are graded (here: stubs, not implemented)
    assert "not implemented yet" in by_number["11.1"]["output"]


def test_hw2_reference_scores_100_through_its_zip(gradescope_hw2: Any, hw2_samples: Path) -> None:
    """hw2's worker imports torch under the sandbox's limits and trains two CNNs."""
    results, _ = gradescope_hw2.run(hw2_samples / "reference")
    failed = [
        f"{t['number']}: {t['output']}" for t in results["tests"] if t["score"] < t["max_score"]
    ]
    assert results["score"] == 100, failed
