"""Optimizers, all with one interface, and learning-rate schedules.

    next_w, config = update(w, dw, config)

w: the current parameter (any shape); dw: the gradient of the loss at w (w's shape);
config: a dict of hyperparameters ("lr", ...) and of the optimizer's state, which the
update stores back into it ("velocity", "m", "v", "t", ...). Return the new parameter
as a new array (do not modify w in place) and the updated config. State arrays start
as zeros of w's shape when absent from config.

Conventions follow PyTorch's ``torch.optim`` exactly (the course's own tests check them
against it, step by step).
Momentum is written v <- mu v + g, w <- w - lr v: the velocity accumulates gradients,
and the learning rate scales the step when it is taken, so a schedule that changes lr
takes effect at once (CS231n's v <- mu v - lr g folds lr into the velocity instead; the
two agree only while lr is constant).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Config = dict[str, Any]


def sgd(w: np.ndarray, dw: np.ndarray, config: Config) -> tuple[np.ndarray, Config]:
    """Plain stochastic gradient descent: ``w <- w - lr * dw``. Config: "lr"."""
    # BEGIN SOLUTION: one step against the gradient
    return w - config["lr"] * dw, config
    # END SOLUTION


def sgd_momentum(w: np.ndarray, dw: np.ndarray, config: Config) -> tuple[np.ndarray, Config]:
    """SGD with momentum:  v <- mu v + dw,  w <- w - lr v.

    Config: "lr", "momentum" (mu, default 0.9); state "velocity".
    """
    # BEGIN SOLUTION: update the stored velocity, then step along it
    mu = config.get("momentum", 0.9)
    v = mu * config.get("velocity", np.zeros_like(w)) + dw
    config["velocity"] = v
    return w - config["lr"] * v, config
    # END SOLUTION


def nesterov(w: np.ndarray, dw: np.ndarray, config: Config) -> tuple[np.ndarray, Config]:
    """Nesterov momentum (in PyTorch's form, which needs no look-ahead gradient):

        v <- mu v + dw,   w <- w - lr (dw + mu v)

    Config: "lr", "momentum" (default 0.9); state "velocity".
    """
    # BEGIN SOLUTION: as momentum, but the step adds the gradient to mu times the new v
    mu = config.get("momentum", 0.9)
    v = mu * config.get("velocity", np.zeros_like(w)) + dw
    config["velocity"] = v
    return w - config["lr"] * (dw + mu * v), config
    # END SOLUTION


def rmsprop(w: np.ndarray, dw: np.ndarray, config: Config) -> tuple[np.ndarray, Config]:
    """RMSProp: a per-parameter step size from a running mean of squared gradients.

        s <- alpha s + (1 - alpha) dw^2,   w <- w - lr dw / (sqrt(s) + eps)

    Config: "lr", "alpha" (default 0.99), "eps" (default 1e-8); state "square_avg".
    """
    # BEGIN SOLUTION: update the running mean of dw^2, then divide the step by its root
    alpha, eps = config.get("alpha", 0.99), config.get("eps", 1e-8)
    s = alpha * config.get("square_avg", np.zeros_like(w)) + (1 - alpha) * dw**2
    config["square_avg"] = s
    return w - config["lr"] * dw / (np.sqrt(s) + eps), config
    # END SOLUTION


def adam(w: np.ndarray, dw: np.ndarray, config: Config) -> tuple[np.ndarray, Config]:
    """Adam (Kingma and Ba, 2015), with bias correction:

        t <- t + 1
        m <- beta1 m + (1 - beta1) dw,        v <- beta2 v + (1 - beta2) dw^2
        m_hat = m / (1 - beta1^t),            v_hat = v / (1 - beta2^t)
        w <- w - lr m_hat / (sqrt(v_hat) + eps)

    m and v start at zero, so early averages are biased towards zero; dividing by
    1 - beta^t removes that bias.

    Config: "lr", "beta1" (0.9), "beta2" (0.999), "eps" (1e-8); state "m", "v", "t" (0).
    """
    # BEGIN SOLUTION: count the step, update both moments, correct their bias, step
    beta1, beta2 = config.get("beta1", 0.9), config.get("beta2", 0.999)
    eps = config.get("eps", 1e-8)
    t = config.get("t", 0) + 1
    m = beta1 * config.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * config.get("v", np.zeros_like(w)) + (1 - beta2) * dw**2
    config.update(m=m, v=v, t=t)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - config["lr"] * m_hat / (np.sqrt(v_hat) + eps), config
    # END SOLUTION


def adamw(w: np.ndarray, dw: np.ndarray, config: Config) -> tuple[np.ndarray, Config]:
    """AdamW (Loshchilov and Hutter, 2019): Adam with *decoupled* weight decay.

    First shrink the weights, w <- w - lr * weight_decay * w, then take the Adam step
    from the shrunk w with the unchanged gradient dw. (Adding weight_decay * w to dw
    instead is L2 regularization, which Adam's per-parameter scaling distorts.)

    Config: Adam's, plus "weight_decay" (default 0.01).
    """
    # BEGIN SOLUTION: decay w by lr * weight_decay, then call adam on the result
    decayed = w * (1 - config["lr"] * config.get("weight_decay", 0.01))
    return adam(decayed, dw, config)
    # END SOLUTION


def step_decay(step: int, lr: float, every: int, gamma: float = 0.1) -> float:
    """The learning rate at ``step``: ``lr`` multiplied by ``gamma`` once every ``every``
    steps (``lr * gamma ** (step // every)``)."""
    # BEGIN SOLUTION: integer division counts the decays so far
    return lr * gamma ** (step // every)
    # END SOLUTION


def cosine_with_warmup(
    step: int, total: int, warmup: int, lr_max: float, lr_min: float = 0.0
) -> float:
    """Linear warm-up, then cosine decay.

    For step < warmup:  lr = lr_max * (step + 1) / warmup.
    Afterwards, with progress p = (step - warmup) / (total - warmup), clipped to [0, 1]:
        lr = lr_min + (lr_max - lr_min) * (1 + cos(pi p)) / 2.
    """
    # BEGIN SOLUTION: a ramp during warm-up, then half a cosine from lr_max to lr_min
    if step < warmup:
        return lr_max * (step + 1) / warmup
    progress = min(max((step - warmup) / max(total - warmup, 1), 0.0), 1.0)
    return lr_min + (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress)) / 2.0
    # END SOLUTION
