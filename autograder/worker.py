"""The worker: runs cases on a submission and reports plain data. Untrusted territory.

Started by the engine as ``python -m autograder.worker <request.json>`` inside the
sandbox, with the submission's package first on ``sys.path``. The request names the
assignment, the modules of the cases' code, the reply file descriptor and the case
descriptor, on which the engine sends one case (module, function, seed, data file) at a
time, when it starts. For each case the worker sends one frame: ``{"index", "status":
"ok"}`` with the outputs as ``.npz`` bytes, or ``{"index", "status": "error", "message"}``.

Nothing here is trusted: the submission runs in this process and may rewrite any of it.
It can only ever change the data it sends, which the engine validates and judges.
"""

from __future__ import annotations

import importlib
import importlib.abc
import json
import os
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np


def _limit_threads() -> None:
    # One thread each: a process limit would otherwise stop BLAS or torch from starting.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


class ImportGuard(importlib.abc.MetaPathFinder):
    """Refuses, at run time, the imports an assignment forbids in a submitted file, with
    a message that names the rule. A friendly early message only: the rule itself holds
    because the case's worker has no such package in its view (`autograder.profiles`).

    The judge checks the source before running it; this catches what a static check
    cannot see, such as ``importlib.import_module("sci" + "py")``. Walking up the stack,
    the first frame that is either a submitted file or an installed library decides:
    a submitted file is held to its list, and a library (torch probing for scikit-learn
    while it builds an optimizer) imports what it needs. Frames of the import machinery
    and the standard library are passed over, so ``importlib.import_module`` or
    ``pkgutil.resolve_name`` called from a submitted file still counts as that file's.
    """

    def __init__(self, folder: Path, forbidden: dict[str, list[str]]) -> None:
        self.folder = folder
        self.forbidden = forbidden

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            file = Path(filename)
            if file.parent == self.folder and file.name in self.forbidden:
                top = fullname.split(".")[0]
                if top in self.forbidden[file.name]:
                    raise ImportError(f"{file.name} may not import {top} in this assignment")
                return None
            if _installed_library(filename):
                return None
            frame = frame.f_back
        return None


def _installed_library(filename: str) -> bool:
    parts = Path(filename).parts
    return "site-packages" in parts or "dist-packages" in parts


class DataGuard:
    """An audit hook: a submitted file may not open the files of a data set (the grader
    hands it the data it may see), said in so many words. Like `ImportGuard`, only a
    message: the files are not in the worker's view of the filesystem."""

    def __init__(self, folder: Path, fragments: list[str]) -> None:
        self.folder = str(folder)
        self.fragments = [f for f in fragments if f]

    def __call__(self, event: str, args: tuple[object, ...]) -> None:
        if event != "open" or not self.fragments or not isinstance(args[0], str | bytes):
            return
        path = os.fsdecode(args[0])
        if not any(fragment in path for fragment in self.fragments):
            return
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if os.path.dirname(frame.f_code.co_filename) == self.folder:
                raise PermissionError(self.message(path))
            frame = frame.f_back

    @staticmethod
    def message(path: str) -> str:
        return (
            f"{os.path.basename(path)} belongs to a data set: use the data the grader "
            "passes in, do not load it yourself"
        )

    def explain(self, exc: BaseException) -> BaseException:
        """The friendly error for a data-set file the worker cannot see at all (the
        sandbox hides it), which fails before the ``open`` this hook watches."""
        if isinstance(exc, OSError) and not isinstance(exc, PermissionError):
            named = [str(a) for a in (exc.filename, *exc.args) if isinstance(a, str)]
            for text in named:
                if any(fragment in text for fragment in self.fragments):
                    path = exc.filename if isinstance(exc.filename, str) else text.split()[0]
                    friendly = PermissionError(self.message(path))
                    return friendly.with_traceback(exc.__traceback__)
        return exc


def main(request_path: str) -> int:
    request = json.loads(Path(request_path).read_text())
    fd = int(request["reply_fd"])
    _limit_threads()
    from autograder.protocol import write_frame
    from autograder.submission import Submission

    package = request["assignment"]
    submission = Submission.installed(package)
    sys.meta_path.insert(0, ImportGuard(submission.folder, request.get("forbidden", {})))
    data_guard = DataGuard(submission.folder, request.get("protected_data", []))
    sys.addaudithook(data_guard)
    for module in request["modules"]:
        importlib.import_module(module)  # the case code, not yet the submission
    write_frame(fd, {"ready": True})
    with os.fdopen(int(request["case_fd"]), "rb") as cases:
        for line in cases:  # one case at a time, sent when it starts
            item = json.loads(line)
            _run(item, submission, data_guard, fd)
    return 0


def _run(item: dict[str, Any], submission: Any, data_guard: DataGuard, fd: int) -> None:
    """Run one case and send its frame: the outputs, or what went wrong."""
    from autograder.outputs import normalize
    from autograder.protocol import CASE_MARK, encode_outputs, write_frame
    from autograder.runner import describe_error

    index = int(item["index"])
    # what the case prints follows this line in the worker's output (`printed_by_case`)
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, f"{CASE_MARK}{item['module']}:{item['function']}\n".encode())
    try:
        module = importlib.import_module(item["module"])
        func = getattr(module, item["function"])
        rng = np.random.default_rng(int(item["seed"]))
        args = []
        if item.get("data"):
            with np.load(item["data"], allow_pickle=False) as data:
                args.append({key: data[key] for key in data.files})
        payload = encode_outputs(normalize(func(submission, rng, *args)))
    except BaseException as exc:  # noqa: BLE001 - sys.exit and friends fail the case only
        failed = describe_error(data_guard.explain(exc), submission.folder)
        header = {"index": index, "status": "error", "kind": failed.kind, "message": failed.error}
        write_frame(fd, header)
        return
    write_frame(fd, {"index": index, "status": "ok"}, payload)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
