"""A vanilla recurrent network (tanh RNN): one step, then a whole sequence, forward and
backward (backpropagation through time).

One step maps the input x_t and the previous hidden state h_{t-1} to the next one,

    h_t = tanh(x_t Wx + h_{t-1} Wh + b),

the same weights at every step. Shapes: N sequences in a batch, T time steps, D input
features, H hidden units; x_t (N, D), h_t (N, H), Wx (D, H), Wh (H, H), b (H,).

The weights map to PyTorch's ``nn.RNN(D, H, nonlinearity="tanh", batch_first=True)`` as
``weight_ih_l0 = Wx.T``, ``weight_hh_l0 = Wh.T``, ``bias_ih_l0 + bias_hh_l0 = b``.

The functions follow hw1's interface: ``*_forward -> (out, cache)``, ``*_backward(dout,
cache)`` returns the gradients with respect to the forward's inputs, each with its
input's shape. No function changes its inputs in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Cache = Any


def rnn_step_forward(
    x: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, Cache]:
    """One step of the tanh RNN: ``h_next = tanh(x Wx + h_prev Wh + b)``.

    Inputs:  x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), b (H,).
    Returns: h_next (N, H), and a cache for `rnn_step_backward`.
    """
    # BEGIN SOLUTION: two matrix products, the bias, tanh; cache what the backward pass reuses
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)
    # END SOLUTION


def rnn_step_backward(
    dh_next: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of `rnn_step_forward`: go back through tanh (write its derivative
    with the cached output), then through the affine part, as in hw1.

    Inputs:  dh_next (N, H), the gradient of the loss with respect to h_next; the cache.
    Returns: dx (N, D), dh_prev (N, H), dWx (D, H), dWh (H, H), db (H,).
    """
    # BEGIN SOLUTION: through tanh with the cached output, then hw1's affine backward twice
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1.0 - h_next**2)  # (N, H), the gradient of tanh's argument
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    # END SOLUTION


def rnn_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, Cache]:
    """The tanh RNN over a whole sequence of T >= 1 steps, from the initial state h0:

        h[:, t] = tanh(x[:, t] Wx + prev Wh + b),   t = 0..T-1,

    where prev is h0 at t = 0 and h[:, t - 1] after (h0 is not one of the outputs; the
    README counts steps from 1 and writes h_t for h[:, t - 1]).
    Use `rnn_step_forward` once per time step (a loop over time is the nature of a
    recurrence; no loop over the batch).

    Inputs:  x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,).
    Returns: h (N, T, H), the hidden states of all steps (h0 not included), and a cache
             for `rnn_backward`.
    """
    # BEGIN SOLUTION: loop over time, feeding each step the previous hidden state
    n, t_len, _ = x.shape
    h = np.empty((n, t_len, h0.shape[1]))
    caches = []
    h_prev = h0
    for t in range(t_len):
        h_prev, step_cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        caches.append(step_cache)
    return h, caches
    # END SOLUTION


def rnn_backward(
    dh: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for `rnn_forward`.

    ``dh[:, t]`` is the gradient of the loss with respect to the hidden state h[:, t]
    through the outputs only (a loss on every step, as a language model has). The
    hidden state of each step also feeds the next step, so its full gradient collects
    from both; go backward over time with `rnn_step_backward`. The weights are shared by
    all steps.

    Inputs:  dh (N, T, H), the cache of `rnn_forward`.
    Returns: dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,).
    """
    # BEGIN SOLUTION: loop from the last step to the first, carrying dh_prev; sum dW, db
    n, t_len, _ = dh.shape
    x0, _, Wx, Wh, _ = cache[0]
    dx = np.empty((n, t_len, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    dh_prev = np.zeros((n, Wh.shape[0]))
    for t in reversed(range(t_len)):
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db
    # END SOLUTION
