"""hw3's temporal layers against PyTorch: ``F.embedding``, a linear map at every step,
``F.cross_entropy`` with ``ignore_index`` and ``clip_grad_norm_``, with autograd for every
backward pass (float64)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hw3 import temporal

# compare in float64 (tests/conftest.py's fixture restores torch's default afterwards)
pytestmark = pytest.mark.usefixtures("torch_float64")


def check(
    forward: Callable[..., tuple[np.ndarray, Any]],
    backward: Callable[[np.ndarray, Any], Any],
    oracle: Callable[..., torch.Tensor],
    inputs: list[np.ndarray],
    differentiable: list[bool],
    rng: np.random.Generator,
) -> None:
    """Our forward equals the oracle's and changes no input; our backward equals autograd
    (for the inputs marked differentiable) for a random dout."""
    copies = [a.copy() for a in inputs]
    out, cache = forward(*inputs)
    for before, after in zip(copies, inputs, strict=True):
        np.testing.assert_array_equal(after, before, err_msg="the forward changed an input")
    tensors = [
        torch.tensor(a, requires_grad=grad) for a, grad in zip(inputs, differentiable, strict=True)
    ]
    expected = oracle(*tensors)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    dout = rng.normal(size=out.shape)
    expected.backward(torch.from_numpy(dout))
    dout_copy = dout.copy()
    grads = backward(dout, cache)
    np.testing.assert_array_equal(dout, dout_copy, err_msg="the backward changed dout")
    grads = grads if isinstance(grads, tuple) else (grads,)
    wanted = [t for t in tensors if t.requires_grad]
    assert len(grads) == len(wanted)
    for got, t in zip(grads, wanted, strict=True):
        assert t.grad is not None and got.shape == t.shape
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("n", "t", "v", "d"), [(4, 6, 5, 3), (3, 1, 7, 4), (1, 9, 2, 2)])
def test_embedding_matches_torch_and_accumulates_repeated_ids(
    n: int, t: int, v: int, d: int
) -> None:
    rng = np.random.default_rng(0)
    idx = rng.integers(0, v, size=(n, t))
    if n * t > v:  # more positions than tokens: some id repeats, its row must collect all
        assert len(np.unique(idx)) < idx.size
    check(
        temporal.embedding_forward,
        temporal.embedding_backward,
        F.embedding,
        [idx, rng.normal(size=(v, d))],
        [False, True],
        rng,
    )


def test_embedding_backward_sums_every_occurrence() -> None:
    """A brute-force count: one id used everywhere gets the sum of all of dout."""
    idx = np.full((3, 4), 2)
    _, cache = temporal.embedding_forward(idx, np.zeros((5, 2)))
    dout = np.arange(24.0).reshape(3, 4, 2)
    dW = temporal.embedding_backward(dout, cache)
    np.testing.assert_array_equal(dW[2], dout.sum(axis=(0, 1)))
    np.testing.assert_array_equal(np.delete(dW, 2, axis=0), 0.0)


@pytest.mark.parametrize(("n", "t", "d", "m"), [(2, 5, 4, 3), (3, 1, 2, 6)])
def test_temporal_affine_matches_torch(n: int, t: int, d: int, m: int) -> None:
    rng = np.random.default_rng(1)
    check(
        temporal.temporal_affine_forward,
        temporal.temporal_affine_backward,
        lambda x, w, b: F.linear(x, w.T, b),
        [rng.normal(size=(n, t, d)), rng.normal(size=(d, m)), rng.normal(size=m)],
        [True, True, True],
        rng,
    )


def torch_masked_loss(scores: torch.Tensor, y: np.ndarray, mask: np.ndarray) -> torch.Tensor:
    """Our convention in PyTorch's words: the sum over unmasked tokens, divided by N."""
    v = scores.shape[-1]
    target = torch.from_numpy(np.where(mask, y, -100).reshape(-1))
    total = F.cross_entropy(scores.reshape(-1, v), target, ignore_index=-100, reduction="sum")
    return total / scores.shape[0]


def loss_and_autograd(
    scores: np.ndarray, y: np.ndarray, mask: np.ndarray
) -> tuple[float, np.ndarray]:
    s = torch.tensor(scores, requires_grad=True)
    loss = torch_masked_loss(s, y, mask)
    loss.backward()
    assert s.grad is not None
    return loss.item(), s.grad.numpy()


@pytest.mark.parametrize(("n", "t", "v"), [(3, 5, 7), (4, 1, 3), (1, 8, 11)])
@pytest.mark.parametrize("offset", [0.0, 1000.0, -1000.0])
def test_temporal_softmax_cross_entropy_matches_torch(
    n: int, t: int, v: int, offset: float
) -> None:
    rng = np.random.default_rng(2)
    scores = offset + 3.0 * rng.normal(size=(n, t, v))  # near +-1000: exp overflows unshifted
    y = rng.integers(0, v, size=(n, t))
    mask = rng.random((n, t)) < 0.7
    mask[0, 0] = True  # at least one counted step
    copies = scores.copy(), y.copy(), mask.copy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dscores = temporal.temporal_softmax_cross_entropy(scores, y, mask)
    for before, after in zip(copies, (scores, y, mask), strict=True):
        np.testing.assert_array_equal(after, before)
    expected_loss, expected_grad = loss_and_autograd(scores, y, mask)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dscores, expected_grad, rtol=1e-10, atol=1e-14)


def test_the_loss_is_divided_by_n_not_by_the_number_of_tokens() -> None:
    """The stated normalization: PyTorch's default (a mean over unmasked tokens) times
    the number of unmasked tokens, divided by N."""
    rng = np.random.default_rng(3)
    scores, y = rng.normal(size=(4, 6, 5)), rng.integers(0, 5, size=(4, 6))
    mask = np.zeros((4, 6), dtype=bool)
    mask[:, :3] = True
    mask[1, 3:] = True
    loss, _ = temporal.temporal_softmax_cross_entropy(scores, y, mask)
    target = torch.from_numpy(np.where(mask, y, -100).reshape(-1))
    mean = F.cross_entropy(torch.from_numpy(scores.reshape(-1, 5)), target).item()
    assert loss == pytest.approx(mean * mask.sum() / 4, rel=1e-12)


def test_masked_steps_are_ignored_whatever_their_labels_and_scores() -> None:
    rng = np.random.default_rng(4)
    scores, y = rng.normal(size=(2, 5, 4)), rng.integers(0, 4, size=(2, 5))
    mask = np.array([[True] * 5, [True, True, False, False, False]])
    loss, dscores = temporal.temporal_softmax_cross_entropy(scores, y, mask)
    other_scores, other_y = scores.copy(), y.copy()
    other_scores[1, 2:] = 1e6 * rng.normal(size=(3, 4))
    other_y[1, 2:] = (other_y[1, 2:] + 1) % 4
    other_loss, other_dscores = temporal.temporal_softmax_cross_entropy(other_scores, other_y, mask)
    assert other_loss == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(other_dscores, dscores, rtol=1e-14, atol=0)
    np.testing.assert_array_equal(dscores[1, 2:], 0.0)


def test_a_fully_masked_batch_gives_zero_loss_and_zero_gradient() -> None:
    rng = np.random.default_rng(5)
    scores, y = rng.normal(size=(3, 4, 6)), rng.integers(0, 6, size=(3, 4))
    with np.errstate(all="raise"):
        loss, dscores = temporal.temporal_softmax_cross_entropy(
            scores, y, np.zeros((3, 4), dtype=bool)
        )
    assert loss == 0.0
    assert dscores.shape == scores.shape
    np.testing.assert_array_equal(dscores, 0.0)


def torch_clip(grads: dict[str, np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    params = []
    for g in grads.values():
        p = torch.zeros(g.shape, requires_grad=True)
        p.grad = torch.tensor(g)
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad.numpy() for p in params if p.grad is not None], float(total)


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_clip_grad_norm_matches_torch(max_norm: float) -> None:
    rng = np.random.default_rng(6)
    grads = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=4), "h0": rng.normal(size=(2, 2))}
    copies = {name: g.copy() for name, g in grads.items()}
    clipped, total = temporal.clip_grad_norm(grads, max_norm)
    expected, expected_total = torch_clip(copies, max_norm)
    assert isinstance(total, float)
    assert total == pytest.approx(expected_total, rel=1e-12)
    assert list(clipped) == list(grads)
    for name, want in zip(grads, expected, strict=True):
        np.testing.assert_allclose(clipped[name], want, rtol=1e-12, atol=0)
        np.testing.assert_array_equal(grads[name], copies[name])  # the inputs untouched
        assert not np.shares_memory(clipped[name], grads[name])  # new arrays, even unclipped
    if total <= max_norm:  # under the limit: the values come back as they were
        for name in grads:
            np.testing.assert_array_equal(clipped[name], grads[name])
    new_norm = np.sqrt(sum(np.sum(g**2) for g in clipped.values()))
    assert new_norm == pytest.approx(min(total, max_norm), rel=1e-6)
