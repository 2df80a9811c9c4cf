"""The sandbox's fallbacks: no bubblewrap (as on many graders), and no root (a laptop)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from autograder import bundle
from autograder.grade import Grader
from autograder.sandbox import SYSTEM_DIRS, Plan, plan

PROBE = """
    import os, socket
    def pairwise_sq_dists(X, Y):
        socket.create_connection(("1.1.1.1", 53), timeout=2)
    def softmax(z, axis=-1):
        open("/root/owned-by-the-submission", "w").write("x")
    def logsumexp(z, axis=-1):
        raise RuntimeError(f"uid={os.getuid()}")
"""


@pytest.fixture(scope="module")
def grader(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    built = bundle.build("ps0", tmp_path_factory.mktemp("bundle") / "b", secret="s")
    return Grader.from_bundle(built, public_only=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")
@pytest.mark.parametrize("network", ["namespace", "system_call_filter"])
def test_without_bubblewrap_root_still_drops_privileges_and_network(
    network: str, grader: Grader, sample_dir: Path, variant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if network == "system_call_filter":  # as in Gradescope's container: no namespaces
        monkeypatch.setenv("DLGRADER_BUBBLEWRAP", "off")
    sandbox = plan(use_bwrap=False)
    try:
        assert sandbox.uid is not None and sandbox.bwrap is None
        report = grader.grade(sample_dir / "reference", sandbox=sandbox)
        assert report.score == report.max_score, report.output
        assert "no bubblewrap" in report.output and "unprivileged user" in report.output
        probe = variant("stubs", "arrays.py", lambda s: s + textwrap.dedent(PROBE))
        outputs = {t.name.split()[1]: t.output for t in grader.grade(probe, sandbox=sandbox).tests}
    finally:
        sandbox.release()
    if network == "namespace" and sandbox.unshare_net:
        assert "Network is unreachable" in outputs["pairwise_sq_dists_small"]
    if network == "system_call_filter":
        assert sandbox.socket_filter and not sandbox.unshare_net, report.output
        assert "system-call filter" in report.output
        assert "PermissionError" in outputs["pairwise_sq_dists_small"]
    assert "PermissionError" in outputs["softmax_rows"]
    assert not Path("/root/owned-by-the-submission").exists()
    assert f"uid={sandbox.uid}" in outputs["logsumexp_rows"]


def test_without_root_the_report_says_privileges_were_not_dropped(
    grader: Grader, sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    sandbox = plan(use_bwrap=False)
    assert sandbox.uid is None
    report = grader.grade(sample_dir / "reference", sandbox=sandbox)
    assert report.score == report.max_score
    assert "privileges not dropped" in report.output


def test_a_case_that_exhausts_memory_fails_alone(grader: Grader, variant: Any) -> None:
    hog = '    hog = [bytearray(2**28) for _ in range(10**6)]\n    """Task 2a.'
    hungry = variant("reference", "arrays.py", lambda s: s.replace('    """Task 2a.', hog, 1))
    report = grader.grade(hungry)
    failed = {t.name: t.output for t in report.tests if t.status == "failed"}
    assert "2.1 softmax_rows" in failed
    # only softmax's own task fails (its cases call softmax); every other case passes
    assert all(name.startswith("2.") for name in failed), failed
    assert all("MemoryError" in out or "killed" in out for out in failed.values()), failed


def test_the_bubblewrap_command_exposes_only_what_it_is_given() -> None:
    argv = Plan(bwrap="bwrap").command(
        ["python", "-m", "autograder.worker"], ["/opt/engine"], ["/tmp/scratch/work"], "/tmp"
    )
    bound = {
        (argv[i], argv[i + 1])
        for i in range(len(argv) - 2)
        if argv[i] in ("--ro-bind", "--bind") and argv[i + 1] == argv[i + 2]
    }
    system = {("--ro-bind", d) for d in SYSTEM_DIRS if os.path.isdir(d) and not os.path.islink(d)}
    assert bound == system | {("--ro-bind", "/opt/engine"), ("--bind", "/tmp/scratch/work")}
    assert "--unshare-all" in argv or "--unshare-net" in argv
    assert argv[-3:] == ["python", "-m", "autograder.worker"]


def test_what_the_submission_printed_survives_os_exit(grader: Grader, variant: Any) -> None:
    """The instructor's log keeps what a submission printed before it ended its own
    process (the worker's output is unbuffered)."""
    code = """
    import os
    def softmax(z, axis=-1):
        print("printed before os._exit")
        os._exit(3)
    """
    exits = variant("stubs", "arrays.py", lambda s: s + textwrap.dedent(code))
    report = grader.grade(exits)
    assert "--- 2.1 softmax_rows ---\nprinted before os._exit" in report.extra["worker_output"]
    # `make check` shows each case what its own code printed
    assert report.extra["printed"]["2.1 softmax_rows"] == "printed before os._exit\n"
    failed = {t.name: t.output for t in report.tests}
    assert "exited with status 3" in failed["2.1 softmax_rows"]
