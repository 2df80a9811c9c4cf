"""hw1 and hw2 through their real Gradescope zips: full and zero points, hw1's digits
case guards (its data comes from the grader; neither a data file nor dlkit may supply
it), and hw2's torch worker under the sandbox's limits."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from autograder.assignment import Assignment

N_CASES = len(Assignment.load("hw1").all_cases())
DIGITS_CASES = ("16.1", "16.2")


def _edited(source: Path, dest: Path, file: str, old: str, new: str) -> Path:
    shutil.copytree(source, dest)
    text = (dest / file).read_text()
    assert old in text, f"the edit's anchor is missing from {file}"
    (dest / file).write_text(text.replace(old, new, 1))
    return dest


def test_the_reference_scores_100_and_the_stubs_0(homework_hw1: Any) -> None:
    gradescope_hw1, hw1_samples = homework_hw1
    results, _ = gradescope_hw1.run(hw1_samples / "reference")
    assert results["score"] == 100 and len(results["tests"]) == N_CASES, results["output"]
    results, _ = gradescope_hw1.run(hw1_samples / "stubs")
    assert results["score"] == 0 and len(results["tests"]) == N_CASES


def test_train_digits_may_not_read_the_data_set_file(homework_hw1: Any, tmp_path: Path) -> None:
    gradescope_hw1, hw1_samples = homework_hw1
    anchor = "    X = X_train / 16.0\n"
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


def test_train_py_may_not_import_dlkit(homework_hw1: Any, tmp_path: Path) -> None:
    gradescope_hw1, hw1_samples = homework_hw1
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


def test_hw2_reference_scores_100_through_its_zip(homework_hw2: Any) -> None:
    """hw2's worker imports torch under the sandbox's limits and trains two CNNs."""
    gradescope, samples = homework_hw2
    results, _ = gradescope.run(samples / "reference")
    failed = [
        f"{t['number']}: {t['output']}" for t in results["tests"] if t["score"] < t["max_score"]
    ]
    assert results["score"] == 100, failed


@pytest.mark.parametrize("sandbox", ["bubblewrap", "no_bubblewrap"])
def test_the_data_set_file_is_out_of_reach_past_the_guard(
    sandbox: str, homework_hw1: Any, tmp_path: Path
) -> None:
    """The in-process data guard sees only ``open`` calls: a child process reading the
    data set's file gets past it. The file is absent from the worker's view (bubblewrap)
    or locked away from its user (root without bubblewrap), so this reference, which
    stops if it can read the file, still scores 100."""
    gradescope_hw1, hw1_samples = homework_hw1
    anchor = "    X = X_train / 16.0\n"
    peek = (
        "    import os, subprocess\n"
        "    site = os.path.dirname(os.path.dirname(np.__file__))\n"
        "    data = os.path.join(site, 'sklearn', 'datasets', 'data', 'digits.csv.gz')\n"
        "    read = subprocess.run(['gzip', '-dc', data], capture_output=True)\n"
        "    if read.returncode == 0 or os.path.exists('//' + data):\n"
        "        raise RuntimeError(f'read {len(read.stdout)} bytes of the data set')\n"
    )
    submission = _edited(
        hw1_samples / "reference", tmp_path / "peek", "train.py", anchor, peek + anchor
    )
    results, _ = gradescope_hw1.run(submission, bubblewrap=sandbox == "bubblewrap")
    if sandbox == "no_bubblewrap" and "locked away" not in results["output"]:
        pytest.skip("not run as root: nothing can be hidden without bubblewrap")
    failed = [
        f"{t['number']}: {t['output']}" for t in results["tests"] if t["score"] < t["max_score"]
    ]
    assert results["score"] == 100, failed
