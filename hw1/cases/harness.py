"""Set-ups the cases share: they drive the submission the same way for public and
hidden cases. Every random input comes from the case's generator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder.passes import changed_in_place

AFFINE = ("dx", "dw", "db")  # the gradients a backward pass returns, named
NORM = ("dx", "dgamma", "dbeta")


def spawn(rng: np.random.Generator, k: int) -> list[np.random.Generator]:
    """``k`` independent generators drawn from ``rng``: a submission that draws too much
    or too little from one of them cannot shift the inputs of the others."""
    return [np.random.default_rng(s) for s in rng.integers(2**63, size=k)]


def optimizer_run(
    update: Callable[..., tuple[np.ndarray, dict[str, Any]]],
    w: np.ndarray,
    grads: Sequence[np.ndarray],
    config: dict[str, Any],
    state: Sequence[str],
    lrs: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Steps of ``update`` on a given sequence of gradients: every iterate and the named
    state entries at the end. Each step gets its own copies of ``w`` and the gradient,
    and an update that changes them in place is named (the caller keeps the old
    weights, and the next optimizer's run starts from the same ``w``)."""
    iterates = []
    for i, g in enumerate(grads):
        if lrs is not None:
            config["lr"] = lrs[i]
        given = [np.copy(w), np.copy(g)]
        new_w, config = update(*given, config)
        changed_in_place(update, [w, g], given)
        w = new_w
        iterates.append(np.array(w))
    kept = {key: config[key] for key in state if key in config}
    return {"iterates": iterates, "state": kept}


def mlp_with_params(
    model_module: Any, dims: list[int], rng: np.random.Generator, **options: Any
) -> Any:
    """An MLP of the submission (``sub.model``) whose weights are drawn here, not by its
    init functions (the cases of `MLP.loss` and `train` must not depend on Task 10), and
    whose other parameters are random too (so a mix-up of biases, gammas and betas shows)."""
    build, draw, dropout = spawn(rng, 3)

    def weight_init(fan_in: int, fan_out: int, _: np.random.Generator) -> np.ndarray:
        return draw.normal(scale=np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))

    model = model_module.MLP(dims, build, weight_init=weight_init, **options)
    for key, value in model.params.items():
        if key.startswith("gamma"):
            model.params[key] = 1.0 + 0.1 * draw.normal(size=value.shape)
        elif not key.startswith("W"):
            model.params[key] = 0.1 * draw.normal(size=value.shape)
    model.rng = dropout
    return model


def blobs(rng: np.random.Generator, n: int, d: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in ``d`` dimensions around ``k`` random centers, with their labels."""
    centers = rng.normal(scale=2.5, size=(k, d))
    y = rng.integers(0, k, size=n)
    return centers[y] + rng.normal(size=(n, d)), y


def trained_history(
    train_module: Any,
    model: Any,
    data: tuple[np.ndarray, ...],
    config: Any,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Train ``model`` on ``data`` (X_train, y_train, X_val, y_val) with the submission's
    `train`; the history and the parameters (and batch-norm statistics) it leaves."""
    history = train_module.train(model, *data, config, rng)
    out = {
        "loss": history.loss,
        "lr": history.lr,
        "train_acc": history.train_acc,
        "val_acc": history.val_acc,
        "best": {"val_acc": history.best_val_acc, "epoch": history.best_epoch},
        "params": model.params,
    }
    if model.bn_state:  # the running statistics of the best epoch come back too
        out["running"] = [[s["running_mean"], s["running_var"]] for s in model.bn_state]
    return out


def early_best_run(
    sub: Any, rng: np.random.Generator, dims: list[int], config: Any, **options: Any
) -> dict[str, Any]:
    """`trained_history` of an MLP whose best epoch comes first: it trains on noise (random
    inputs, random labels), and its validation labels are what it predicts *before*
    training. Its function drifts away from where it started, so validation accuracy is
    best before the last epoch (for the configurations of cases 15.1, and of 15.2 and 15.3,
    which share one, in 400 of 400 seeds; tests/hw1 checks it), and `train` must put that
    epoch's parameters back."""
    n, d, k = 160, dims[0], dims[-1]
    X, y = rng.normal(size=(n + 40, d)), rng.integers(0, k, size=n + 40)
    model = mlp_with_params(sub.model, dims, rng, **options)
    (train_rng,) = spawn(rng, 1)
    y_val = np.asarray(model.predict(X[n:]))
    return trained_history(sub.train, model, (X[:n], y[:n], X[n:], y_val), config, train_rng)
