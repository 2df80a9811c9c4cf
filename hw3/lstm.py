"""Gated recurrent cells: the LSTM (one step and a whole sequence, forward and backward)
and one step of the GRU (forward and backward), with PyTorch's conventions.

Shapes: N sequences in a batch, T time steps, D input features, H hidden units.
sigma is the logistic sigmoid 1 / (1 + exp(-z)); compute it so that exp never overflows:
with np.where on the sign as in hw1, or as (1 + tanh(z / 2)) / 2, the same function.
``*`` is the elementwise product.

The gates are stacked along the last axis of the weights in PyTorch's order, so that
the weights map to ``nn.LSTM`` / ``nn.LSTMCell`` and ``nn.GRU`` / ``nn.GRUCell`` as

    LSTM (i, f, g, o): weight_ih = Wx.T (4H, D), weight_hh = Wh.T (4H, H),
                       bias_ih + bias_hh = b (4H,)
    GRU  (r, z, n):    weight_ih = Wx.T (3H, D), weight_hh = Wh.T (3H, H),
                       bias_ih = bx (3H,), bias_hh = bh (3H,)

The functions follow hw1's interface: ``*_forward -> (out, cache)``, ``*_backward(dout,
cache)`` returns the gradients with respect to the forward's inputs, each with its
input's shape. No function changes its inputs in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Cache = Any


def lstm_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, Cache]:
    """One step of the LSTM. The pre-activation a = x Wx + h_prev Wh + b (N, 4H) holds the
    four gates' in PyTorch's order, each H columns wide: a = [a_i | a_f | a_g | a_o].

        i = sigma(a_i)   input gate          f = sigma(a_f)   forget gate
        g = tanh(a_g)    cell candidate      o = sigma(a_o)   output gate
        c_next = f * c_prev + i * g
        h_next = o * tanh(c_next)

    Inputs:  x (N, D), h_prev (N, H), c_prev (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,).
    Returns: h_next (N, H), c_next (N, H), and a cache for `lstm_step_backward`.
    """
    # BEGIN SOLUTION: one pre-activation for all four gates, split in four; cache the gates
    a = x @ Wx + h_prev @ Wh + b  # (N, 4H)
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, o = (0.5 + 0.5 * np.tanh(0.5 * z) for z in (a_i, a_f, a_o))  # sigma, never overflows
    g = np.tanh(a_g)
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    # END SOLUTION


def lstm_step_backward(
    dh_next: np.ndarray, dc_next: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of `lstm_step_forward`. dh_next and dc_next are the gradients of the
    loss with respect to h_next and c_next from outside this step; c_next also feeds
    h_next, so its full gradient collects from both. Go backward through the step's
    computation graph to the four pre-activations, then through the affine part.

    Inputs:  dh_next (N, H), dc_next (N, H), the cache.
    Returns: dx (N, D), dh_prev (N, H), dc_prev (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    # BEGIN SOLUTION: the cell's full gradient first, then each gate's, stacked i, f, g, o
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc = dc_next + dh_next * o * (1.0 - tanh_c**2)  # (N, H)
    da = np.concatenate(  # (N, 4H), the gradient of the pre-activation a
        [
            dc * g * i * (1.0 - i),
            dc * c_prev * f * (1.0 - f),
            dc * i * (1.0 - g**2),
            dh_next * tanh_c * o * (1.0 - o),
        ],
        axis=1,
    )
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    # END SOLUTION


def lstm_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, Cache]:
    """The LSTM over a whole sequence of T >= 1 steps: `lstm_step_forward` once per step,
    from the given h0 and a zero initial cell state c0 (as in CS231n: the cell state is
    internal, neither given nor returned). Step t takes x[:, t] and the previous step's
    hidden and cell states.

    Inputs:  x (N, T, D), h0 (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,).
    Returns: h (N, T, H), the hidden states of all steps (h0 not included), and a cache
             for `lstm_backward`.
    """
    # BEGIN SOLUTION: c0 = zeros; loop over time carrying (h, c), storing h and each cache
    n, t_len, _ = x.shape
    h = np.empty((n, t_len, h0.shape[1]))
    caches = []
    h_prev, c_prev = h0, np.zeros_like(h0)
    for t in range(t_len):
        h_prev, c_prev, step_cache = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        h[:, t] = h_prev
        caches.append(step_cache)
    return h, caches
    # END SOLUTION


def lstm_backward(
    dh: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for `lstm_forward`.

    ``dh[:, t]`` is the gradient of the loss with respect to h[:, t] through the outputs
    only; each step's hidden and cell states also feed the next step, so their full
    gradients collect from there too (the cell state is not an output). Go backward over
    time with `lstm_step_backward`; the weights are shared by all steps. c0 is a constant
    (zeros), so it gets no gradient.

    Inputs:  dh (N, T, H), the cache of `lstm_forward`.
    Returns: dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    # BEGIN SOLUTION: loop from the last step to the first, carrying dh_prev and dc_prev
    n, t_len, hidden = dh.shape
    x0, _, _, Wx, Wh = cache[0][:5]
    dx = np.empty((n, t_len, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1])
    dh_prev, dc_prev = np.zeros((n, hidden)), np.zeros((n, hidden))
    for t in reversed(range(t_len)):
        dx[:, t], dh_prev, dc_prev, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t] + dh_prev, dc_prev, cache[t]
        )
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db
    # END SOLUTION


def gru_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    bx: np.ndarray,
    bh: np.ndarray,
) -> tuple[np.ndarray, Cache]:
    """One step of the GRU, PyTorch's version. The input part gx = x Wx + bx and the
    hidden part gh = h_prev Wh + bh (each (N, 3H)) hold the gates in the order reset r,
    update z, new n, each H columns wide: gx = [gx_r | gx_z | gx_n], likewise gh.

        r = sigma(gx_r + gh_r)             reset gate
        z = sigma(gx_z + gh_z)             update gate
        n = tanh(gx_n + r * gh_n)          new (candidate) state
        h_next = (1 - z) * n + z * h_prev

    The reset gate multiplies the whole hidden part of n, its bias bh_n included: that
    is why the GRU has two biases, where one would do for the LSTM.

    Inputs:  x (N, D), h_prev (N, H), Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,).
    Returns: h_next (N, H), and a cache for `gru_step_backward`.
    """
    # BEGIN SOLUTION: the input and hidden parts, each split in three; then the gates
    gx_r, gx_z, gx_n = np.split(x @ Wx + bx, 3, axis=1)
    gh_r, gh_z, gh_n = np.split(h_prev @ Wh + bh, 3, axis=1)
    r, z = (0.5 + 0.5 * np.tanh(0.5 * s) for s in (gx_r + gh_r, gx_z + gh_z))  # sigma
    n = np.tanh(gx_n + r * gh_n)
    h_next = (1.0 - z) * n + z * h_prev
    return h_next, (x, h_prev, Wx, Wh, r, z, n, gh_n)
    # END SOLUTION


def gru_step_backward(
    dh_next: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of `gru_step_forward`. Go backward through the step's computation
    graph; h_prev reaches h_next along several paths (directly through z * h_prev, and
    through the hidden part gh of every gate), and its gradient collects from each.

    Inputs:  dh_next (N, H), the cache.
    Returns: dx (N, D), dh_prev (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,).
    """
    # BEGIN SOLUTION: the gradients of gx and gh first (compare them block by block), then affine
    x, h_prev, Wx, Wh, r, z, n, gh_n = cache
    d_an = dh_next * (1.0 - z) * (1.0 - n**2)  # (N, H), through tanh to n's argument
    d_ar = d_an * gh_n * r * (1.0 - r)
    d_az = dh_next * (h_prev - n) * z * (1.0 - z)
    dgx = np.concatenate([d_ar, d_az, d_an], axis=1)  # (N, 3H)
    dgh = np.concatenate([d_ar, d_az, d_an * r], axis=1)  # (N, 3H)
    dx = dgx @ Wx.T
    dh_prev = dh_next * z + dgh @ Wh.T
    return dx, dh_prev, x.T @ dgx, h_prev.T @ dgh, dgx.sum(axis=0), dgh.sum(axis=0)
    # END SOLUTION
