"""`make bench`: what grading costs. Prints ratios and peak memory, asserts nothing.

1. ps0's reference graded by the engine (sandboxed worker, fresh processes) against
   the same cases run in one plain process (a fresh interpreter as well): the cost of
   isolation. Target: at most 1.5 times.
2. 100 ps0 submissions (a mix of the samples) graded by `make grade` on 2 cores.
3. Peak resident memory of one grading run: the judge and its worker.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import bundle, samples

IN_PROCESS = """
import numpy as np
from autograder.assignment import Assignment
from autograder.cases import case_seed
from autograder.judge import grade_in_process
from autograder.submission import Submission
a = Assignment.load("ps0")
ref = Submission.installed("ps0")
report = grade_in_process(a.all_cases(), ref, ref, lambda c: case_seed("ps0", c, "b"))
assert report.score == 100
"""

ENGINE = """
import sys
from pathlib import Path
from autograder.grade import Grader
report = Grader.from_bundle(Path(sys.argv[1])).grade(Path(sys.argv[2]))
assert report.score == 100, report.output
"""


def _time(argv: list[str], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak_mb(argv: list[str]) -> float:
    """Largest resident set of any process ``argv`` starts (the judge or a worker), in MB."""
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *argv], check=True, capture_output=True)
    return int(out.stdout.decode().split()[-1]) / 1024


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        built = bundle.build("ps0", tmp / "bundle", secret="bench")
        sample_dir = tmp / "samples"
        samples.make("ps0", sample_dir)
        reference = sample_dir / "reference"

        plain = _time([python, "-c", IN_PROCESS])
        engine = _time([python, "-c", ENGINE, str(built), str(reference)])
        print("1. grading the ps0 reference (median of 5, fresh processes)")
        print(f"   one plain process:   {plain:6.2f} s")
        print(f"   the engine:          {engine:6.2f} s")
        print(f"   ratio:               {engine / plain:6.2f}  (target: at most 1.5)")
        print(
            f"   isolation overhead:  {engine - plain:6.2f} s "
            "(a second interpreter and the sandbox)"
        )

        mix = {"reference": 40, "partial": 30, "stubs": 20, "syntax_error": 10}
        batch = tmp / "batch"
        batch.mkdir()
        for label, count in mix.items():
            for i in range(count):
                shutil.copytree(sample_dir / label, batch / f"{label}-{i:02d}")
        start = time.perf_counter()
        subprocess.run(
            [
                python,
                "-m",
                "autograder",
                "grade",
                "ps0",
                "--submissions",
                str(batch),
                "--out",
                str(tmp / "grades"),
                "--jobs",
                "2",
                "--dist",
                str(tmp / "dist"),
            ],
            check=True,
            capture_output=True,
        )
        elapsed = time.perf_counter() - start
        print(
            f"2. `make grade` on 100 ps0 submissions, 2 cores: {elapsed:.1f} s "
            f"({elapsed / 100:.2f} s per submission)"
        )

        peak = _peak_mb([python, "-c", ENGINE, str(built), str(reference)])
        self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"3. peak resident memory of one grading run: {peak:.0f} MB "
            f"(largest process: judge or worker; this benchmark itself {self_peak:.0f} MB)"
        )
        print(f"   machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
