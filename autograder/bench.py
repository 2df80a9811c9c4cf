"""`make bench`: what grading costs. Prints ratios and peak memory, asserts nothing.

1. ps0's reference graded by the engine (sandboxed worker, fresh processes) against
   the same cases run in one plain process (a fresh interpreter as well): the cost of
   isolation. Target: at most 1.5 times.
2. 100 ps0 submissions (a mix of the samples) graded by `make grade` on 2 cores.
3. Peak resident memory of one grading run: the judge, its worker, and both at once
   (Gradescope's container has 768 MB for everything).
4. hw1's reference graded by the engine on one core (``taskset -c 0``): it must fit
   Gradescope's 10 minutes at half a CPU with room to spare (aim: under 60 s here).
5. The time the reference `train_digits` takes to train its MLP on digits, on one core,
   and the held-out accuracy of its weights on the public case and on a hidden one.
6. hw2's numpy convolution, forward and backward on x (50, 3, 32, 32), w (16, 3, 3, 3),
   padding 1, float64, one core: the fast version against PyTorch's conv2d (target:
   within 10 times) and the naive one against the fast (target: 100 times slower or more).
7. hw2's reference graded by the engine on one core (it trains two CNNs; aim: under
   120 s), and the peak memory of the judge and of its worker, which imports torch.
8. hw3's reference graded by the engine on one core (it trains two character language
   models and two seq2seq models; aim: under 120 s), and the peak memory.
9. hw3's numpy LSTM, forward and backward over N 32, T 50, D 64, H 128, one core, in
   float64 and float32, against ``nn.LSTM`` on the same sizes (target: within 10 times).
10. hw3's tiled attention against the plain one: peak memory (tracemalloc) at 4,096
   and 16,384 positions, causal, d 16 (target: tiled flat, plain quadratic).
11. hw4's reference graded by the engine on one core (it trains every generative model
   and every agent of the assignment; aim: under 240 s, so that Gradescope's half a CPU
   finishes well inside its 10 minutes), and the peak memory.
12. hw4's reference DQN and REINFORCE trainings on CartPole-v1, one core: environment
   steps per second of the whole training loop (acting, replay, updates).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import bundle, samples, usage

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


DIGITS = """
import os
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # as in the grader's worker (set before numpy loads)
import time
from autograder.assignment import Assignment
from autograder.calibrate import measure, seeds
from autograder.cases import case_seed
case = next(c for c in Assignment.load("hw1").public_cases() if c.number == "16.1")
runs = (("public", case.name, case_seed("hw1", case)),
        ("hidden", "train_digits_hidden_split", seeds("hw1", "train_digits_hidden_split", 1)[0]))
for name, case_name, seed in runs:
    start = time.perf_counter()
    result = measure("hw1", case_name, seed)
    print(name, time.perf_counter() - start, result.score)
"""


CONV = """
import os
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
import time
import numpy as np
import torch
from hw2 import conv
torch.set_num_threads(1)
rng = np.random.default_rng(0)
x, w, b = rng.normal(size=(50, 3, 32, 32)), rng.normal(size=(16, 3, 3, 3)), rng.normal(size=16)
xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
def best(step, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)
def ours(speed):
    out, cache = getattr(conv, f"conv_forward_{speed}")(x, w, b, 1, 1)
    getattr(conv, f"conv_backward_{speed}")(np.ones_like(out), cache)
def theirs():
    out = torch.nn.functional.conv2d(xt, wt, bt, padding=1)
    out.backward(torch.ones_like(out))
print(best(lambda: ours("fast"), 10), best(theirs, 10), best(lambda: ours("naive"), 1))
"""


LSTM = """
import os
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
import time
import numpy as np
import torch
from hw3 import lstm
torch.set_num_threads(1)
N, T, D, H = 32, 50, 64, 128
rng = np.random.default_rng(0)
def best(step, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)
for dtype in ("float64", "float32"):
    x = rng.normal(size=(N, T, D)).astype(dtype)
    h0 = np.zeros((N, H), dtype)
    Wx = (rng.normal(size=(D, 4 * H)) / 8).astype(dtype)
    Wh = (rng.normal(size=(H, 4 * H)) / 11).astype(dtype)
    b = np.zeros(4 * H, dtype)
    def ours():
        h, cache = lstm.lstm_forward(x, h0, Wx, Wh, b)
        lstm.lstm_backward(np.ones_like(h), cache)
    layer = torch.nn.LSTM(D, H, batch_first=True).to(getattr(torch, dtype))
    xt = torch.tensor(x, requires_grad=True)
    def theirs():
        out, _ = layer(xt)
        out.backward(torch.ones_like(out))
    print(dtype, best(ours), best(theirs))
"""


DQN_STEPS = """
import time
import torch
torch.set_num_threads(1)
from hw4.cases.cartpole import make_env_factory
from hw4.dqn import train_dqn
from hw4.reinforce import train_reinforce
for name, train in (("dqn", train_dqn), ("reinforce", train_reinforce)):
    history = []
    start = time.perf_counter()
    train(make_env_factory("CartPole-v1"), 0, True, history)
    print(name, history[-1][0], time.perf_counter() - start)
"""

TILED = """
import tracemalloc
import numpy as np
from hw3.attention import attention_forward
from hw3.flash import tiled_attention
rng = np.random.default_rng(0)
for T in (4096, 16384):
    q, k, v = (rng.normal(size=(1, T, 16)) for _ in range(3))
    for name, run in (
        ("tiled", lambda: tiled_attention(q, k, v, causal=True, block_size=256)),
        ("plain", lambda: attention_forward(q, k, v, causal=True)),
    ):
        tracemalloc.start()
        run()
        print(T, name, tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
"""


def _one_core(argv: list[str]) -> tuple[list[str], str]:
    """``argv`` pinned to CPU 0 with taskset when there is one."""
    taskset = shutil.which("taskset")
    if taskset is None:
        return argv, "all cores (no taskset here)"
    return [taskset, "-c", "0", *argv], "one core"


def _grading_reference_on_one_core(name: str, tmp: Path) -> tuple[list[str], str]:
    """The command that grades assignment ``name``'s reference with its bundle, pinned to
    one core, and where it runs."""
    built = bundle.build(name, tmp / f"{name}-bundle", secret="bench")
    samples.make(name, tmp / f"{name}-samples", only=("reference",))
    reference = tmp / f"{name}-samples" / "reference"
    return _one_core([sys.executable, "-c", ENGINE, str(built), str(reference)])


def _report_grading(item: int, name: str, tmp: Path, repeats: int, aim_s: int) -> None:
    """Print item ``item``: assignment ``name``'s reference graded on one core (the
    median of ``repeats`` runs), and the peak memory of one more run."""
    argv, where = _grading_reference_on_one_core(name, tmp)
    took = _time(argv, repeats=repeats)
    runs = f"median of {repeats}; " if repeats > 1 else ""
    print(
        f"{item}. grading the {name} reference with the engine, {where}: {took:.1f} s "
        f"({runs}aim: under {aim_s} s); peak resident memory: {_peaks(argv)}"
    )


def _time(argv: list[str], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass(frozen=True)
class Peaks:
    """Peak resident memory, in MB, of the judge (the process ``argv`` starts), of its
    largest descendant (the worker), and of the whole tree at one moment."""

    judge: float
    worker: float
    together: float

    def __str__(self) -> str:
        return (
            f"judge {self.judge:.0f} MB, worker {self.worker:.0f} MB, "
            f"both at once {self.together:.0f} MB"
        )


def _peaks(argv: list[str]) -> Peaks:
    """Run ``argv`` and poll the resident memory of it and its descendants (Linux /proc;
    a sandboxed worker's own accounting does not reach the judge's rusage)."""
    judge = worker = together = 0.0
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        own = usage.rss_mb(proc.pid)
        others = [usage.rss_mb(pid) for pid in usage.descendants(proc.pid)]
        judge, worker = max(judge, own), max([worker, *others])
        together = max(together, own + sum(others))
        time.sleep(0.05)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return Peaks(judge, worker, together)


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

        peaks = _peaks([python, "-c", ENGINE, str(built), str(reference)])
        print(f"3. peak resident memory of one ps0 grading run: {peaks}")

        _report_grading(4, "hw1", tmp, repeats=3, aim_s=60)

        argv, where = _one_core([python, "-c", DIGITS])
        lines = subprocess.run(argv, check=True, capture_output=True, text=True).stdout.split()
        for name, took, accuracy in zip(lines[::3], lines[1::3], lines[2::3], strict=True):
            print(
                f"5. training the reference MLP on digits ({name} case), {where}: "
                f"{float(took):.1f} s to {float(accuracy):.1%} (target: 96%)"
            )

        argv, where = _one_core([python, "-c", CONV])
        out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout.split()
        fast, torch_time, naive = (float(v) for v in out)
        print(
            f"6. hw2 convolution forward+backward, {where}: fast {fast * 1e3:.0f} ms, "
            f"PyTorch {torch_time * 1e3:.0f} ms ({fast / torch_time:.1f} times; target: "
            f"within 10), naive {naive:.1f} s ({naive / fast:.0f} times the fast; target: 100+)"
        )

        _report_grading(7, "hw2", tmp, repeats=1, aim_s=120)
        _report_grading(8, "hw3", tmp, repeats=1, aim_s=120)

        argv, where = _one_core([python, "-c", LSTM])
        timings = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
        for line in timings.splitlines():
            dtype, ours, theirs = line.split()
            print(
                f"9. hw3 numpy LSTM forward+backward (N 32, T 50, D 64, H 128, {dtype}), "
                f"{where}: {float(ours) * 1e3:.0f} ms, nn.LSTM {float(theirs) * 1e3:.0f} ms "
                f"({float(ours) / float(theirs):.1f} times; target: within 10)"
            )

        run = subprocess.run([python, "-c", TILED], check=True, capture_output=True, text=True)
        memory = [line.split() for line in run.stdout.splitlines()]
        shown = ", ".join(f"{name} {float(mb):.0f} MB at T {t}" for t, name, mb in memory)
        print(f"10. hw3 attention peak memory (causal, d 16): {shown} (target: tiled flat)")
        _report_grading(11, "hw4", tmp, repeats=1, aim_s=240)

        argv, where = _one_core([python, "-c", DQN_STEPS])
        trained = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
        for line in trained.splitlines():
            name, steps, seconds = line.split()
            rate = float(steps) / float(seconds)
            print(
                f"12. hw4 {name} training on CartPole-v1 (seed 0), {where}: {int(steps)} "
                f"environment steps in {float(seconds):.1f} s, {rate:,.0f} steps per second "
                f"(the environment alone: about 37,000)"
            )
        print(f"   machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
