"""The trusted evaluation process: checks that need heavy libraries, run apart from the judge.

A check marked ``apart`` (a trained network judged with torch) does not run in the
judge, which stays small and never imports torch. Once the submission's worker has
finished, the judge starts one evaluation process, hands it every such case's outputs
(plain arrays in an ``.npz``, read without pickle) and reads back one verdict per case.
It never imports submitted code: on Gradescope its Python path is the judge's, which
holds the reference and the engine, not the submission. At most one process holds
torch at any time: the worker has exited when the evaluation process starts.

Whatever happens to it (a crash, a hang, an exception in a check), every case gets a
result: a case without a verdict fails with a message for the student and the trace
for the instructor.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.cases import Case, Verdict, from_function
from autograder.outputs import Outputs, load, save

STARTUP_S = 60.0  # to start Python and import torch on a slow, shared machine
PER_CASE_S = 60.0
FAILED = "the grader could not evaluate the trained model; your instructor has the details"


@dataclass(frozen=True)
class Item:
    """One case to evaluate: the submission's outputs, the reference's (when the check
    uses them) and the seed that made the case's grader data."""

    case: Case
    got: Outputs
    expected: Outputs
    seed: int


@dataclass
class Evaluation:
    """One verdict per item, or None where the process gave none, and what to tell the
    instructor about failures."""

    verdicts: list[Verdict | None]
    log: str = ""


def _environment() -> dict[str, str]:
    paths = [p or os.getcwd() for p in sys.path]
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)),
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
    )
    return env


def _lift_data_limit() -> None:
    """Trusted and holding torch, the evaluation process needs more than the judge's own
    bound (`usage.bounded_memory`): back to the hard limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))


def evaluate(items: Sequence[Item]) -> Evaluation:
    """Run the checks of ``items`` in one trusted evaluation process."""
    if not items:
        return Evaluation([])
    folder = Path(tempfile.mkdtemp(prefix="evaluate-"))
    try:
        requests = []
        for index, item in enumerate(items):
            path = folder / f"outputs-{index}.npz"
            save(path, {"got": item.got, "expected": item.expected or {}})
            func = item.case.func
            requests.append(
                {"module": func.__module__, "function": func.__name__, "seed": item.seed}
                | {"outputs": str(path)}
            )
        request = folder / "request.json"
        request.write_text(json.dumps({"cases": requests}))
        timeout = STARTUP_S + PER_CASE_S * len(items)
        try:
            run = subprocess.run(
                [sys.executable, "-m", "autograder.evaluator", str(request)],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=_environment(),
                stdin=subprocess.DEVNULL,
                preexec_fn=_lift_data_limit,
            )
            stdout, log = run.stdout, run.stderr[-20000:]
            if run.returncode != 0:
                log = f"the evaluation process exited with status {run.returncode}\n{log}"
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            log = f"the evaluation process ran past {timeout:g} s"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    verdicts: list[Verdict | None] = [None] * len(items)
    for line in stdout.splitlines():
        try:
            reply = json.loads(line)
            index = int(reply["index"])
            if "error" in reply:
                log += f"\n{items[index].case.label}: {reply['error']}"
            else:
                verdicts[index] = Verdict(float(reply["fraction"]), str(reply["message"]))
        except (ValueError, KeyError, TypeError, IndexError):
            log += f"\nunreadable reply from the evaluation process: {line[:200]!r}"
    return Evaluation(verdicts, log.strip())


def main(request_path: str) -> int:
    """Evaluate each requested case; print one JSON line per case as it is done."""
    from autograder.judge import verdict

    request = json.loads(Path(request_path).read_text())
    for index, item in enumerate(request["cases"]):
        try:
            module = importlib.import_module(item["module"])
            case = from_function(getattr(module, item["function"]))
            named, _ = load(Path(item["outputs"]))
            result = verdict(case, named["got"], named["expected"], int(item["seed"]))
            reply = {"index": index, "fraction": result.fraction, "message": result.message}
        except Exception:  # noqa: BLE001 - one failing check must not cost the others
            reply = {"index": index, "error": traceback.format_exc()[-4000:]}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
