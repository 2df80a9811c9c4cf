"""The worker: runs cases on a submission and reports plain data. Untrusted territory.

Started by the engine as ``python -m autograder.worker <request.json>`` inside the
sandbox, with the submission's package first on ``sys.path``. The request names the
assignment, the cases (module, function, seed) to run in order, and the reply file
descriptor. For each case the worker sends one frame: ``{"index", "status": "ok"}`` with
the outputs as ``.npz`` bytes, or ``{"index", "status": "error", "message"}``.

Nothing here is trusted: the submission runs in this process and may rewrite any of it.
It can only ever change the data it sends, which the engine validates and judges.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import numpy as np


def _limit_threads() -> None:
    # One thread each: a process limit would otherwise stop BLAS or torch from starting.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def main(request_path: str) -> int:
    request = json.loads(Path(request_path).read_text())
    fd = int(request["reply_fd"])
    _limit_threads()
    from autograder.outputs import normalize
    from autograder.protocol import encode_outputs, write_frame
    from autograder.runner import describe_error
    from autograder.submission import Submission

    package = request["assignment"]
    submission = Submission.installed(package)
    for item in request["cases"]:
        index = int(item["index"])
        try:
            module = importlib.import_module(item["module"])
            func = getattr(module, item["function"])
            rng = np.random.default_rng(int(item["seed"]))
            payload = encode_outputs(normalize(func(submission, rng)))
        except BaseException as exc:  # noqa: BLE001 - sys.exit and friends fail the case only
            if isinstance(exc, SystemExit):
                message = f"the submission called sys.exit({exc.code!r})"
            else:
                message = describe_error(exc, submission.folder)
            write_frame(fd, {"index": index, "status": "error", "message": message})
            continue
        write_frame(fd, {"index": index, "status": "ok"}, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
