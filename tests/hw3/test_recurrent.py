"""hw3's numpy recurrent cells against PyTorch: ``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and
their ``*Cell`` versions given the same weights (which proves the stated conventions:
gate order, weight layout, biases), and autograd through those modules for every
backward pass, with a random upstream gradient on every output (every hidden state of a
sequence; h0 included). Plus: no function changes its inputs or its cache, and
saturated gates neither overflow nor give NaN."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from hw3 import lstm, rnn


@pytest.fixture(autouse=True)
def _float64() -> Iterator[None]:
    """Compare in float64; restore the default afterwards (it is global to the process)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


SIZES = [  # (N, T, D, H); T = 1 has no recurrence to backpropagate through
    (3, 5, 4, 6),
    (1, 1, 3, 2),
    (4, 1, 5, 3),
    (2, 8, 1, 4),
    (5, 3, 7, 1),
]
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def assert_close(got: Sequence[np.ndarray], expected: Sequence[Any], names: str) -> None:
    """Each of ``got`` has the shape and the values (float64) of its torch counterpart."""
    assert len(got) == len(names.split()), f"expected {names}, got {len(got)} arrays"
    for name, g, e in zip(names.split(), got, expected, strict=True):
        e = e.detach().numpy() if isinstance(e, torch.Tensor) else e
        assert isinstance(g, np.ndarray) and g.dtype == np.float64, f"{name}: {type(g)}"
        assert g.shape == e.shape, f"{name}: shape {g.shape}, expected {e.shape}"
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-11, err_msg=name)


def weights(
    kind: str, d: int, h: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Wx (D, kH), Wh (H, kH) and two biases (kH,) for k gates, at a scale that keeps
    the gates away from saturation (a test that saturates them is below)."""
    k = GATES[kind]
    scale = 1.0 / np.sqrt(h)
    return (
        rng.normal(scale=scale, size=(d, k * h)),
        rng.normal(scale=scale, size=(h, k * h)),
        rng.normal(scale=0.5, size=k * h),
        rng.normal(scale=0.5, size=k * h),
    )


def torch_module(
    module: type[nn.Module],
    d: int,
    h: int,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    **options: Any,
) -> nn.Module:
    """``module(d, h)`` (an RNN, LSTM or GRU, or its cell) with our weights copied in as
    the docstrings state: weight_ih = Wx.T, weight_hh = Wh.T, and the two biases."""
    net = module(d, h, **options)
    suffix = "" if "Cell" in module.__name__ else "_l0"
    with torch.no_grad():
        getattr(net, f"weight_ih{suffix}").copy_(torch.from_numpy(Wx.T))
        getattr(net, f"weight_hh{suffix}").copy_(torch.from_numpy(Wh.T))
        getattr(net, f"bias_ih{suffix}").copy_(torch.from_numpy(b_ih))
        getattr(net, f"bias_hh{suffix}").copy_(torch.from_numpy(b_hh))
    return net


def weight_grads(net: nn.Module) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(dWx, dWh, db) in our layout from the module's parameter gradients, for RNN and
    LSTM, where one bias b = bias_ih + bias_hh: both biases get the same gradient."""
    suffix = "" if isinstance(net, nn.RNNCellBase) else "_l0"
    grads = {name: p.grad for name, p in net.named_parameters()}
    b_ih, b_hh = grads[f"bias_ih{suffix}"], grads[f"bias_hh{suffix}"]
    assert b_ih is not None and b_hh is not None
    torch.testing.assert_close(b_ih, b_hh)
    return grads[f"weight_ih{suffix}"].T, grads[f"weight_hh{suffix}"].T, b_ih  # type: ignore[union-attr]


def leaf(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(a, requires_grad=True)


# ---------------------------------------------------------------- vanilla RNN


@pytest.mark.parametrize(("n", "t", "d", "h"), SIZES)
def test_rnn_step_matches_rnn_cell(n: int, t: int, d: int, h: int) -> None:
    rng = np.random.default_rng(n * 100 + d * 10 + h)
    Wx, Wh, b_ih, b_hh = weights("rnn", d, h, rng)
    x, h_prev = rng.normal(size=(n, d)), rng.normal(size=(n, h))
    h_next, cache = rnn.rnn_step_forward(x, h_prev, Wx, Wh, b_ih + b_hh)

    cell = torch_module(nn.RNNCell, d, h, Wx, Wh, b_ih, b_hh, nonlinearity="tanh")
    xt, ht = leaf(x), leaf(h_prev)
    expected = cell(xt, ht)
    assert_close([h_next], [expected], "h_next")

    dh_next = rng.normal(size=(n, h))
    expected.backward(torch.from_numpy(dh_next))
    got = rnn.rnn_step_backward(dh_next, cache)
    assert_close(got, [xt.grad, ht.grad, *weight_grads(cell)], "dx dh_prev dWx dWh db")


@pytest.mark.parametrize(("n", "t", "d", "h"), SIZES)
def test_rnn_sequence_matches_nn_rnn_and_autograd(n: int, t: int, d: int, h: int) -> None:
    rng = np.random.default_rng(n * 1000 + t * 100 + d * 10 + h)
    Wx, Wh, b_ih, b_hh = weights("rnn", d, h, rng)
    x, h0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h))
    hs, cache = rnn.rnn_forward(x, h0, Wx, Wh, b_ih + b_hh)

    net = torch_module(nn.RNN, d, h, Wx, Wh, b_ih, b_hh, nonlinearity="tanh", batch_first=True)
    xt, h0t = leaf(x), leaf(h0)
    expected, h_last = net(xt, h0t[None])
    assert_close([hs, hs[:, -1]], [expected, h_last[0]], "h h_last")

    dh = rng.normal(size=(n, t, h))  # a loss on every step's hidden state
    expected.backward(torch.from_numpy(dh))
    got = rnn.rnn_backward(dh, cache)
    assert_close(got, [xt.grad, h0t.grad, *weight_grads(net)], "dx dh0 dWx dWh db")


# ---------------------------------------------------------------- LSTM


@pytest.mark.parametrize(("n", "t", "d", "h"), SIZES)
def test_lstm_step_matches_lstm_cell(n: int, t: int, d: int, h: int) -> None:
    rng = np.random.default_rng(n * 100 + d * 10 + h + 1)
    Wx, Wh, b_ih, b_hh = weights("lstm", d, h, rng)
    x, h_prev, c_prev = rng.normal(size=(n, d)), rng.normal(size=(n, h)), rng.normal(size=(n, h))
    h_next, c_next, cache = lstm.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b_ih + b_hh)

    cell = torch_module(nn.LSTMCell, d, h, Wx, Wh, b_ih, b_hh)
    xt, ht, ct = leaf(x), leaf(h_prev), leaf(c_prev)
    h_exp, c_exp = cell(xt, (ht, ct))
    assert_close([h_next, c_next], [h_exp, c_exp], "h_next c_next")

    dh_next, dc_next = rng.normal(size=(n, h)), rng.normal(size=(n, h))
    torch.autograd.backward([h_exp, c_exp], [torch.from_numpy(dh_next), torch.from_numpy(dc_next)])
    got = lstm.lstm_step_backward(dh_next, dc_next, cache)
    names = "dx dh_prev dc_prev dWx dWh db"
    assert_close(got, [xt.grad, ht.grad, ct.grad, *weight_grads(cell)], names)


@pytest.mark.parametrize(("n", "t", "d", "h"), SIZES)
def test_lstm_sequence_matches_nn_lstm_and_autograd(n: int, t: int, d: int, h: int) -> None:
    rng = np.random.default_rng(n * 1000 + t * 100 + d * 10 + h + 1)
    Wx, Wh, b_ih, b_hh = weights("lstm", d, h, rng)
    x, h0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h))
    hs, cache = lstm.lstm_forward(x, h0, Wx, Wh, b_ih + b_hh)

    net = torch_module(nn.LSTM, d, h, Wx, Wh, b_ih, b_hh, batch_first=True)
    xt, h0t = leaf(x), leaf(h0)
    c0 = torch.zeros(1, n, h)  # the stated convention: c0 = 0, a constant
    expected, (h_last, _) = net(xt, (h0t[None], c0))
    assert_close([hs, hs[:, -1]], [expected, h_last[0]], "h h_last")

    dh = rng.normal(size=(n, t, h))
    expected.backward(torch.from_numpy(dh))
    got = lstm.lstm_backward(dh, cache)
    assert_close(got, [xt.grad, h0t.grad, *weight_grads(net)], "dx dh0 dWx dWh db")


def test_lstm_gate_order_is_pytorchs() -> None:
    """Only the input gate's block of b open (the rest shut): the order i, f, g, o is
    the one that turns this into c_next = g, h_next = 0 (o shut); CS231n's i, f, o, g
    would open o instead of g."""
    n, d, h = 2, 3, 4
    rng = np.random.default_rng(7)
    x, h_prev, c_prev = rng.normal(size=(n, d)), rng.normal(size=(n, h)), rng.normal(size=(n, h))
    Wx, Wh = np.zeros((d, 4 * h)), np.zeros((h, 4 * h))
    g = rng.uniform(-1, 1, size=h)
    b = np.concatenate([np.full(h, 50.0), np.full(h, -50.0), np.arctanh(g), np.full(h, -50.0)])
    h_next, c_next, _ = lstm.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    np.testing.assert_allclose(c_next, np.broadcast_to(g, (n, h)), atol=1e-12)
    np.testing.assert_allclose(h_next, 0.0, atol=1e-12)


# ---------------------------------------------------------------- GRU


@pytest.mark.parametrize(("n", "t", "d", "h"), SIZES)
def test_gru_step_matches_gru_cell(n: int, t: int, d: int, h: int) -> None:
    rng = np.random.default_rng(n * 100 + d * 10 + h + 2)
    Wx, Wh, bx, bh = weights("gru", d, h, rng)
    x, h_prev = rng.normal(size=(n, d)), rng.normal(size=(n, h))
    h_next, cache = lstm.gru_step_forward(x, h_prev, Wx, Wh, bx, bh)

    cell = torch_module(nn.GRUCell, d, h, Wx, Wh, bx, bh)
    xt, ht = leaf(x), leaf(h_prev)
    expected = cell(xt, ht)
    assert_close([h_next], [expected], "h_next")

    dh_next = rng.normal(size=(n, h))
    expected.backward(torch.from_numpy(dh_next))
    got = lstm.gru_step_backward(dh_next, cache)
    # two biases that enter differently (r scales the hidden one): their gradients differ
    p = dict(cell.named_parameters())
    grads = [p[k].grad for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    assert grads[0] is not None and grads[1] is not None
    expected_grads = [xt.grad, ht.grad, grads[0].T, grads[1].T, *grads[2:]]
    assert_close(got, expected_grads, "dx dh_prev dWx dWh dbx dbh")


@pytest.mark.parametrize(("n", "t", "d", "h"), SIZES)
def test_gru_steps_over_a_sequence_match_nn_gru(n: int, t: int, d: int, h: int) -> None:
    rng = np.random.default_rng(n * 1000 + t * 100 + d * 10 + h + 2)
    Wx, Wh, bx, bh = weights("gru", d, h, rng)
    x, h0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, h))
    net = torch_module(nn.GRU, d, h, Wx, Wh, bx, bh, batch_first=True)
    with torch.no_grad():
        expected, _ = net(torch.from_numpy(x), torch.from_numpy(h0)[None])
    h_prev = h0
    for step in range(t):
        h_prev, _ = lstm.gru_step_forward(x[:, step], h_prev, Wx, Wh, bx, bh)
        assert_close([h_prev], [expected[:, step]], f"h[:,{step}]")


def test_gru_reset_gate_scales_the_hidden_bias() -> None:
    """With r shut (its bias very negative), n = tanh(gx_n): the hidden part of n, its
    bias bh_n included, vanishes. A GRU that adds bh_n outside r would keep it."""
    n, d, h = 3, 2, 4
    rng = np.random.default_rng(8)
    x, h_prev = rng.normal(size=(n, d)), rng.normal(size=(n, h))
    Wx, Wh = rng.normal(size=(d, 3 * h)), rng.normal(size=(h, 3 * h))
    bx = np.concatenate([np.full(h, -60.0), np.zeros(h), rng.normal(size=h)])
    bh = np.concatenate([np.zeros(2 * h), np.full(h, 5.0)])
    h_next, _ = lstm.gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
    z = 1.0 / (1.0 + np.exp(-(x @ Wx[:, h : 2 * h] + h_prev @ Wh[:, h : 2 * h])))
    new = np.tanh(x @ Wx[:, 2 * h :] + bx[2 * h :])
    np.testing.assert_allclose(h_next, (1 - z) * new + z * h_prev, atol=1e-12)


# ---------------------------------------------------------------- all of them

N, T, D, H = 3, 4, 5, 6
ALL = {  # name: forward, backward, the inputs' shapes, how many upstream gradients
    "rnn_step": (
        rnn.rnn_step_forward,
        rnn.rnn_step_backward,
        [(N, D), (N, H), (D, H), (H, H), (H,)],
        1,
    ),
    "rnn": (rnn.rnn_forward, rnn.rnn_backward, [(N, T, D), (N, H), (D, H), (H, H), (H,)], 1),
    "lstm_step": (  # two upstream gradients: dh_next and dc_next
        lstm.lstm_step_forward,
        lstm.lstm_step_backward,
        [(N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,)],
        2,
    ),
    "lstm": (
        lstm.lstm_forward,
        lstm.lstm_backward,
        [(N, T, D), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,)],
        1,
    ),
    "gru_step": (
        lstm.gru_step_forward,
        lstm.gru_step_backward,
        [(N, D), (N, H), (D, 3 * H), (H, 3 * H), (3 * H,), (3 * H,)],
        1,
    ),
}


@pytest.mark.parametrize("name", list(ALL))
def test_no_input_or_cache_is_modified(name: str) -> None:
    """Forward leaves its inputs as they were; backward leaves dout and the cache (a
    second backward call on the same cache gives the same gradients)."""
    rng = np.random.default_rng(9)
    forward, backward, shapes, n_upstream = ALL[name]
    inputs = [rng.normal(size=shape) for shape in shapes]
    before = [a.copy() for a in inputs]
    *outs, cache = forward(*inputs)
    for i, (a, b) in enumerate(zip(inputs, before, strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"{name} forward changed input {i}")
    upstream = [rng.normal(size=o.shape) for o in outs[:n_upstream]]
    kept = [u.copy() for u in upstream]
    first = backward(*upstream, cache)
    for i, (u, k) in enumerate(zip(upstream, kept, strict=True)):
        np.testing.assert_array_equal(u, k, err_msg=f"{name} backward changed upstream {i}")
    second = backward(*upstream, cache)
    for g1, g2 in zip(first, second, strict=True):
        np.testing.assert_array_equal(g1, g2, err_msg=f"{name} backward changed its cache")
    for i, (a, b) in enumerate(zip(inputs, before, strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"{name} backward changed input {i}")


@pytest.mark.parametrize("name", list(ALL))
def test_saturated_gates_neither_overflow_nor_give_nan(name: str) -> None:
    """Pre-activations in the thousands: every sigmoid and tanh saturates. The result
    is finite, with no overflow warning (hw1's cases make overflow an error)."""
    rng = np.random.default_rng(10)
    forward, backward, shapes, n_upstream = ALL[name]
    inputs = [rng.normal(scale=30.0, size=shape) for shape in shapes]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        *outs, cache = forward(*inputs)
        grads = backward(*(np.ones_like(o) for o in outs[:n_upstream]), cache)
    for a in [*outs, *grads]:
        assert np.all(np.isfinite(a)), f"{name}: inf or NaN"
