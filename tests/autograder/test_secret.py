"""The course's secret behind every graded case's inputs: made once, kept outside dist/
(`make clean` keeps it), or derived from a passphrase every TA's clone shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.cli import PASSPHRASE_ENV, secret_for


def test_the_secret_is_made_once_and_survives_removing_dist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    dist, kept = tmp_path / "dist", tmp_path / ".course-secret"
    first = secret_for("ps0", dist, kept)
    assert len(first) == 32 and (kept / "ps0").stat().st_mode & 0o077 == 0
    assert not dist.exists()
    assert secret_for("ps0", dist, kept) == first
    assert secret_for("hw1", dist, kept) != first


def test_a_secret_kept_in_dist_by_an_earlier_version_is_moved_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    dist, kept = tmp_path / "dist", tmp_path / ".course-secret"
    (dist / ".secrets").mkdir(parents=True)
    (dist / ".secrets" / "hw1").write_text("0123456789abcdef\n")
    assert secret_for("hw1", dist, kept) == "0123456789abcdef"
    assert not (dist / ".secrets" / "hw1").exists()
    assert (kept / "hw1").read_text().strip() == "0123456789abcdef"


def test_a_passphrase_gives_every_clone_the_same_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse battery staple")
    mine = secret_for("hw2", tmp_path / "a" / "dist", tmp_path / "a" / ".course-secret")
    theirs = secret_for("hw2", tmp_path / "b" / "dist", tmp_path / "b" / ".course-secret")
    assert mine == theirs and len(mine) == 32
    assert secret_for("hw1", tmp_path / "dist", tmp_path / "k") != mine
    assert not (tmp_path / "a" / ".course-secret").exists()  # nothing written
