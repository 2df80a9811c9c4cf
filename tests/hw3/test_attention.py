"""hw3's attention against PyTorch: ``F.scaled_dot_product_attention`` for the forward
pass and autograd for the backward pass (float64), the stated convention for queries
that see no key, and the tiled attention against both the plain one and PyTorch, with
its peak memory measured by tracemalloc."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hw3.attention import attention_backward, attention_forward
from hw3.flash import tiled_attention

# compare in float64 (tests/conftest.py's fixture restores torch's default afterwards)
pytestmark = pytest.mark.usefixtures("torch_float64")


def torch_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    causal: bool,
    key_padding_mask: np.ndarray | None,
) -> torch.Tensor:
    """The oracle. SDPA's boolean attn_mask means True = take part, the opposite of our
    key_padding_mask, and it cannot be combined with is_causal: build one mask then."""
    if key_padding_mask is None:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    allowed = ~torch.from_numpy(key_padding_mask)[..., None, :]  # (..., 1, Tk)
    if causal:
        allowed = allowed & torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()
    return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)


def inputs(
    rng: np.random.Generator, batch: tuple[int, ...], tq: int, tk: int, d: int, dv: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        rng.normal(size=(*batch, tq, d)),
        rng.normal(size=(*batch, tk, d)),
        rng.normal(size=(*batch, tk, dv)),
    )


def check_against_torch(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    causal: bool,
    key_padding_mask: np.ndarray | None,
    rng: np.random.Generator,
) -> None:
    """Forward equals SDPA, backward equals autograd for a random dout, no input changed."""
    copies = [a.copy() for a in (q, k, v)]
    out, cache = attention_forward(q, k, v, causal=causal, key_padding_mask=key_padding_mask)
    for before, after in zip(copies, (q, k, v), strict=True):
        np.testing.assert_array_equal(after, before, err_msg="attention_forward changed an input")
    tensors = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    expected = torch_attention(*tensors, causal, key_padding_mask)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    dout = rng.normal(size=out.shape)
    expected.backward(torch.from_numpy(dout))
    dout_copy = dout.copy()
    grads = attention_backward(dout, cache)
    np.testing.assert_array_equal(dout, dout_copy, err_msg="attention_backward changed dout")
    assert len(grads) == 3
    for got, t in zip(grads, tensors, strict=True):
        assert t.grad is not None and got.shape == t.shape
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-9, atol=1e-11)


SHAPES = [  # (batch axes, Tq, Tk, d, dv)
    ((2,), 5, 5, 4, 4),
    ((3,), 6, 6, 8, 3),  # d != dv
    ((2, 3), 7, 7, 4, 5),  # (N, heads, T, d)
    ((2,), 1, 1, 3, 2),  # a single position
    ((1,), 4, 9, 6, 6),  # more keys than queries (not causal)
    ((2,), 8, 3, 2, 4),  # fewer keys than queries (not causal)
]


@pytest.mark.parametrize(
    ("batch", "tq", "tk", "d", "dv", "causal"),
    [
        (*shape, causal)
        for shape in SHAPES
        for causal in (False, True)
        if not causal or shape[1] == shape[2]
    ],
)
def test_attention_matches_torch(
    batch: tuple[int, ...], tq: int, tk: int, d: int, dv: int, causal: bool
) -> None:
    rng = np.random.default_rng(tq * 10 + tk)
    check_against_torch(*inputs(rng, batch, tq, tk, d, dv), causal, None, rng)


@pytest.mark.parametrize("causal", [False, True])
def test_key_padding_mask_matches_torch(causal: bool) -> None:
    """Right padding (each sequence ends early), so that every query still sees a key."""
    rng = np.random.default_rng(1)
    lengths = np.array([6, 3, 1, 4])
    mask = np.arange(6) >= lengths[:, None]  # (N, Tk), True = padded
    check_against_torch(*inputs(rng, (4,), 6, 6, 5, 3), causal, mask, rng)


def test_key_padding_mask_broadcasts_over_heads() -> None:
    rng = np.random.default_rng(2)
    mask = np.array([[False] * 5, [False, False, True, False, True]])[:, None, :]  # (N, 1, Tk)
    check_against_torch(*inputs(rng, (2, 3), 4, 5, 4, 2), False, mask, rng)


@pytest.mark.parametrize("scale", [30.0, 300.0])
def test_large_scores_stay_finite_and_exact(scale: float) -> None:
    """Scores in the thousands: exp overflows unless the row max is subtracted."""
    rng = np.random.default_rng(3)
    q, k, v = inputs(rng, (2,), 5, 5, 4, 3)
    with np.errstate(over="raise", invalid="raise"):
        check_against_torch(scale * q, scale * k, v, True, None, rng)


def per_example_oracle(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    causal: bool,
    mask: np.ndarray,
    dout: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Outputs and gradients that do not rely on what PyTorch does with a query that sees
    no key: per example, run SDPA on the queries that see at least one key only, and put
    zeros in the other rows (our convention: zero output, zero gradient)."""
    out, dq, dk, dv = np.zeros((*q.shape[:-1], v.shape[-1])), *(np.zeros_like(a) for a in (q, k, v))
    tq, tk = q.shape[-2], k.shape[-2]
    for n in range(q.shape[0]):
        allowed = np.broadcast_to(~mask[n], (tq, tk))
        if causal:
            allowed = allowed & np.tri(tq, tk, dtype=bool)
        rows = allowed.any(axis=1)
        if not rows.any():
            continue
        qt = torch.tensor(q[n, rows], requires_grad=True)
        kt, vt = (torch.tensor(a[n], requires_grad=True) for a in (k, v))
        o = F.scaled_dot_product_attention(qt, kt, vt, attn_mask=torch.from_numpy(allowed[rows]))
        o.backward(torch.from_numpy(dout[n, rows]))
        assert qt.grad is not None and kt.grad is not None and vt.grad is not None
        out[n, rows] = o.detach().numpy()
        dq[n, rows], dk[n], dv[n] = qt.grad.numpy(), kt.grad.numpy(), vt.grad.numpy()
    return out, dq, dk, dv


@pytest.mark.parametrize("causal", [False, True])
def test_a_query_that_sees_no_key_gives_zeros_and_zero_gradients(causal: bool) -> None:
    """Example 0 has every key padded (every query sees nothing); example 1 is left-padded,
    so with the causal mask its first queries see nothing; example 2 is unpadded."""
    rng = np.random.default_rng(4)
    q, k, v = inputs(rng, (3,), 6, 6, 4, 3)
    mask = np.zeros((3, 6), dtype=bool)
    mask[0] = True
    mask[1, :2] = True
    with np.errstate(all="raise"):  # no 0/0, no inf - inf on the way
        out, cache = attention_forward(q, k, v, causal=causal, key_padding_mask=mask)
        dout = rng.normal(size=out.shape)
        dq, dk, dv = attention_backward(dout, cache)
    assert np.isfinite(out).all() and all(np.isfinite(g).all() for g in (dq, dk, dv))
    np.testing.assert_array_equal(out[0], 0.0)
    np.testing.assert_array_equal(dq[0], 0.0)
    np.testing.assert_array_equal(dk[0], 0.0)
    np.testing.assert_array_equal(dv[0], 0.0)
    if causal:
        np.testing.assert_array_equal(out[1, :2], 0.0)
        np.testing.assert_array_equal(dq[1, :2], 0.0)
    expected = per_example_oracle(q, k, v, causal, mask, dout)
    for got, want in zip((out, dq, dk, dv), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)


def test_padded_keys_do_not_matter() -> None:
    """Whatever a padded key and its value hold (here huge numbers), nothing changes."""
    rng = np.random.default_rng(5)
    q, k, v = inputs(rng, (2,), 4, 6, 3, 2)
    mask = np.zeros((2, 6), dtype=bool)
    mask[:, 4:] = True
    out, _ = attention_forward(q, k, v, key_padding_mask=mask)
    k2, v2 = k.copy(), v.copy()
    k2[:, 4:], v2[:, 4:] = 1e8, -1e8
    out2, _ = attention_forward(q, k2, v2, key_padding_mask=mask)
    np.testing.assert_allclose(out2, out, rtol=1e-14, atol=0)


def test_causal_attention_needs_as_many_queries_as_keys() -> None:
    q, k, v = np.zeros((1, 3, 2)), np.zeros((1, 4, 2)), np.zeros((1, 4, 2))
    with pytest.raises(ValueError, match="Tq == Tk"):
        attention_forward(q, k, v, causal=True)
    with pytest.raises(ValueError, match="Tq == Tk"):
        tiled_attention(q, k, v, causal=True)


TILED_CASES = [  # (batch axes, Tq, Tk, d, dv, block_size)
    ((2,), 10, 10, 4, 4, 4),  # T not a multiple of the block
    ((2,), 12, 12, 4, 4, 4),  # T a multiple of the block
    ((3,), 5, 5, 3, 6, 64),  # T < block, d != dv
    ((2, 2), 33, 33, 8, 5, 8),  # (N, heads, T, d)
    ((1,), 7, 7, 2, 2, 1),  # blocks of one position
    ((2,), 1, 1, 3, 2, 4),  # a single position
    ((2,), 9, 20, 4, 3, 6),  # more keys than queries (not causal)
    ((1,), 70, 70, 16, 8, 64),  # one full block and a ragged one
]


@pytest.mark.parametrize("padding", [False, True])
@pytest.mark.parametrize(
    ("batch", "tq", "tk", "d", "dv", "block", "causal"),
    [
        (*case, causal)
        for case in TILED_CASES
        for causal in (False, True)
        if not causal or case[1] == case[2]
    ],
)
def test_tiled_attention_equals_plain_attention(
    batch: tuple[int, ...],
    tq: int,
    tk: int,
    d: int,
    dv: int,
    block: int,
    causal: bool,
    padding: bool,
) -> None:
    rng = np.random.default_rng(tq + tk + block)
    q, k, v = inputs(rng, batch, tq, tk, d, dv)
    mask = None
    if padding:  # random padding, example 0 fully padded: its queries see no key at all
        mask = rng.random((batch[0], *(1,) * (len(batch) - 1), tk)) < 0.4
        mask[0] = True
    copies = [a.copy() for a in (q, k, v)]
    with np.errstate(all="raise"):
        tiled = tiled_attention(q, k, v, causal=causal, block_size=block, key_padding_mask=mask)
    plain, _ = attention_forward(q, k, v, causal=causal, key_padding_mask=mask)
    for before, after in zip(copies, (q, k, v), strict=True):
        np.testing.assert_array_equal(after, before, err_msg="tiled_attention changed an input")
    assert tiled.shape == plain.shape
    np.testing.assert_allclose(tiled, plain, rtol=0, atol=1e-10)
    if mask is not None:
        np.testing.assert_array_equal(tiled[0], 0.0)


@pytest.mark.parametrize("causal", [False, True])
def test_tiled_attention_matches_torch(causal: bool) -> None:
    """Directly against the oracle too, not only against the plain version."""
    rng = np.random.default_rng(6)
    q, k, v = inputs(rng, (2, 3), 50, 50, 8, 6)
    expected = torch_attention(*(torch.from_numpy(a) for a in (q, k, v)), causal, None)
    tiled = tiled_attention(q, k, v, causal=causal, block_size=16)
    np.testing.assert_allclose(tiled, expected.numpy(), rtol=1e-10, atol=1e-12)


def test_causal_tiled_attention_skips_key_blocks_above_the_diagonal() -> None:
    """Poison the values of the last key block with NaN: a query block before it must
    never read them (even 0 * NaN is NaN), so its rows stay finite and exact."""
    rng = np.random.default_rng(7)
    block, t = 8, 32
    q, k, v = inputs(rng, (2,), t, t, 4, 3)
    plain, _ = attention_forward(q, k, v, causal=True)
    v[:, t - block :] = np.nan
    tiled = tiled_attention(q, k, v, causal=True, block_size=block)
    np.testing.assert_allclose(tiled[:, : t - block], plain[:, : t - block], rtol=0, atol=1e-10)


def peak_bytes(run: object) -> int:
    """The peak of numpy's and Python's allocations while ``run()`` runs."""
    assert callable(run)
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_tiled_attention_never_holds_the_score_matrix() -> None:
    """At T = 4096 the T x T float64 score matrix is 128 MiB. The plain version's peak
    allocation is above it; the tiled version's is under an eighth of it."""
    n, t, d = 1, 4096, 8
    rng = np.random.default_rng(8)
    q, k, v = inputs(rng, (n,), t, t, d, d)
    scores_bytes = n * t * t * 8
    tiled_peak = peak_bytes(lambda: tiled_attention(q, k, v, causal=True, block_size=128))
    plain_peak = peak_bytes(lambda: attention_forward(q, k, v, causal=True))
    assert tiled_peak < scores_bytes / 8, f"tiled peak {tiled_peak} bytes"
    assert plain_peak > scores_bytes, f"plain peak {plain_peak} bytes"
