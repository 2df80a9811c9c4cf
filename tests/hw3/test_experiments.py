from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hw3 import experiments

LENGTHS = (128, 256, 512, 1024)  # small: the whole file runs in a few seconds


def test_the_memory_experiment_writes_its_figure(tmp_path: Path) -> None:
    report = experiments.run(tmp_path, lengths=LENGTHS, parts=("memory",))
    memory = report["memory"]
    assert isinstance(memory, dict)
    np.testing.assert_array_equal(memory["lengths"], LENGTHS)
    for key in ("plain", "tiled", "plain_s", "tiled_s", "max_error"):
        assert memory[key].shape == (len(LENGTHS),) and np.all(memory[key] >= 0), key
    assert np.all(memory["max_error"] < 1e-12)  # the two versions agree
    data = (tmp_path / "attention_memory.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def test_the_tiled_peak_stays_flat_while_the_plain_one_grows_quadratically() -> None:
    """Over 8 times the length: the plain version's peak grows about 64 times (it holds
    T x T matrices), the tiled version's peak less its (T, d) output stays within a
    factor 1.5 (one tile at a time), and at every length the plain one is larger."""
    memory = experiments.attention_memory(LENGTHS, head_size=16, block_size=32)
    t = memory["lengths"].astype(float)
    plain, tiled = memory["plain"], memory["tiled"]
    beyond_output = tiled - t * 16 * 8
    assert experiments.slope(t, plain) == pytest.approx(2.0, abs=0.15)
    assert np.all(beyond_output > 0)
    assert beyond_output.max() < 1.5 * beyond_output.min(), beyond_output
    assert np.all(plain > 2 * tiled)
    assert plain[-1] > t[-1] ** 2 * 8  # at least one T x T float64 matrix


def test_the_command_line_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--out", str(tmp_path), "--parts", "memory", "--lengths", "64", "128"]
    assert experiments.main(argv) == 0
    printed = capsys.readouterr().out
    assert "plain MB" in printed and "attention_memory.png" in printed
    assert (tmp_path / "attention_memory.png").is_file()


def test_a_missing_task_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unfinished(*args: object, **kwargs: object) -> None:
        raise NotImplementedError("tiled_attention: the online softmax")

    monkeypatch.setattr(experiments, "tiled_attention", unfinished)
    assert experiments.main(["--out", str(tmp_path), "--parts", "memory", "--lengths", "64"]) == 1
    assert "not implemented yet: tiled_attention" in capsys.readouterr().err


def test_an_unknown_part_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown parts"):
        experiments.run(tmp_path, parts=("memory", "bleu"))


def test_the_trained_parts_write_their_figures_and_samples(tmp_path: Path) -> None:
    """A quick run of Tasks 14 and 15's parts (few names, few dates): the files are
    written, the samples are names, and what they measured is in range."""
    names = experiments.char_lm_part(tmp_path, seed=1, max_names=600)
    assert (tmp_path / "charlm_curves.png").is_file()
    lines = (tmp_path / "charlm_samples.txt").read_text().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"temperature {t}" for t in experiments.TEMPERATURES
    ]
    assert all(len(line.split(":")[1].split(",")) == 12 for line in lines)
    assert 1.5 < float(names["held_out_nats"]) < 3.3  # below a uniform guess's ln 27
    dates = experiments.seq2seq_part(tmp_path, seed=1, n_train=1500)
    assert (tmp_path / "seq2seq_attention.png").is_file()
    assert 0.0 <= float(dates["accuracy"]) <= 1.0
