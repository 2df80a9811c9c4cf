from __future__ import annotations

from pathlib import Path

from hw1.experiments import run
from hw1.train import OPTIMIZERS


def test_the_experiments_write_both_plots_and_train_every_optimizer(tmp_path: Path) -> None:
    histories = run(tmp_path, epochs=2)
    assert set(histories) == set(OPTIMIZERS)
    for name, history in histories.items():
        assert len(history.train_acc) == len(history.val_acc) == 2, name
        assert history.loss[-1] < history.loss[0], f"{name} did not lower the loss"
        assert history.best_val_acc > 0.5, name
    for plot in ("curves.png", "optimizers.png"):
        data = (tmp_path / plot).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
