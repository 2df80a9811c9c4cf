"""hw2's numpy reference against PyTorch: conv2d, max_pool2d, avg_pool2d, batch_norm and
group_norm forward, and autograd for every backward pass. The naive and fast versions
are both checked against the oracle, not only against each other. And the reference
SmallResNet against the sizes its docstring states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hw2 import conv, normalization, pool
from hw2.resnet import SmallResNet

# compare in float64 (tests/conftest.py's fixture restores torch's default afterwards)
pytestmark = pytest.mark.usefixtures("torch_float64")


def check(
    forward: Callable[..., tuple[np.ndarray, Any]],
    backward: Callable[[np.ndarray, Any], Any],
    oracle: Callable[..., torch.Tensor],
    inputs: list[np.ndarray],
    rng: np.random.Generator,
    **options: Any,
) -> None:
    """Our forward equals the oracle's; our backward equals autograd for a random dout."""
    out, cache = forward(*inputs, **options)
    tensors = [torch.tensor(a, requires_grad=True) for a in inputs]
    expected = oracle(*tensors)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-9, atol=1e-10)
    dout = rng.normal(size=out.shape)
    expected.backward(torch.from_numpy(dout))
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == len(tensors)
    for got, t in zip(grads, tensors, strict=True):
        assert t.grad is not None and got.shape == t.shape
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-8, atol=1e-10)


CONV_SHAPES = [  # (x shape, w shape, stride, pad)
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, 1),
    ((2, 2, 8, 6), (3, 2, 3, 2), 2, 0),
    ((1, 1, 5, 5), (2, 1, 5, 5), 1, 2),
    ((3, 4, 9, 9), (2, 4, 3, 3), 3, 1),
]


@pytest.mark.parametrize("speed", ["naive", "fast"])
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "pad"), CONV_SHAPES)
def test_conv_matches_torch(
    speed: str, x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: int, pad: int
) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    check(
        getattr(conv, f"conv_forward_{speed}"),
        getattr(conv, f"conv_backward_{speed}"),
        lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=pad),
        [x, w, b],
        rng,
        stride=stride,
        pad=pad,
    )


def test_a_kernel_larger_than_the_padded_input_is_refused() -> None:
    x, w = np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 5, 5))
    for forward in (conv.conv_forward_naive, conv.conv_forward_fast):
        with pytest.raises(ValueError, match="does not fit"):
            forward(x, w, np.zeros(1))


POOL_SHAPES = [((2, 3, 8, 8), 2, 2), ((1, 2, 7, 9), 3, 2), ((2, 1, 6, 6), 3, 3)]


@pytest.mark.parametrize("speed", ["naive", "fast"])
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(("shape", "k", "stride"), POOL_SHAPES)
def test_pooling_matches_torch(
    speed: str, kind: str, shape: tuple[int, ...], k: int, stride: int
) -> None:
    rng = np.random.default_rng(1)
    oracle = F.max_pool2d if kind == "max" else F.avg_pool2d
    check(
        getattr(pool, f"{kind}_pool_forward_{speed}"),
        getattr(pool, f"{kind}_pool_backward_{speed}"),
        lambda x: oracle(x, k, stride),
        [rng.normal(size=shape)],
        rng,
        k=k,
        stride=stride,
    )


@pytest.mark.parametrize("speed", ["naive", "fast"])
def test_max_pool_routes_ties_to_the_first_maximum_like_torch(speed: str) -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2, size=(2, 2, 6, 6)).astype(np.float64)  # many equal maxima
    check(
        getattr(pool, f"max_pool_forward_{speed}"),
        getattr(pool, f"max_pool_backward_{speed}"),
        lambda x: F.max_pool2d(x, 2, 2),
        [x],
        rng,
    )


def test_spatial_batchnorm_matches_torch_in_training() -> None:
    rng = np.random.default_rng(3)
    x = 3.0 + 2.0 * rng.normal(size=(4, 3, 5, 5))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    state: dict[str, Any] = {"train": True}
    check(
        lambda x, g, b: normalization.spatial_batchnorm_forward(x, g, b, state),
        normalization.spatial_batchnorm_backward,
        lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-5),
        [x, gamma, beta],
        rng,
    )


def test_spatial_batchnorm_running_statistics_follow_torch() -> None:
    rng = np.random.default_rng(4)
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    layer = torch.nn.BatchNorm2d(3, momentum=0.1)  # torch's momentum is our 1 - momentum
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
    state: dict[str, Any] = {"train": True}
    for _ in range(4):
        x = 1.0 + rng.normal(size=(6, 3, 4, 4))
        normalization.spatial_batchnorm_forward(x, gamma, beta, state)
        layer(torch.from_numpy(x))
    # torch keeps the unbiased variance in running_var; ours keeps the biased one
    m = 6 * 4 * 4
    np.testing.assert_allclose(state["running_mean"], layer.running_mean.numpy(), rtol=1e-12)
    unbiased = 0.9**4 + (layer.running_var.numpy() - 0.9**4) * (m - 1) / m
    np.testing.assert_allclose(state["running_var"], unbiased, rtol=1e-12)
    state["train"] = False
    x = rng.normal(size=(2, 3, 4, 4))
    out, _ = normalization.spatial_batchnorm_forward(x, gamma, beta, state)
    expected = (x - state["running_mean"][None, :, None, None]) / np.sqrt(
        state["running_var"][None, :, None, None] + 1e-5
    ) * gamma[None, :, None, None] + beta[None, :, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("shape", "groups"), [((2, 6, 4, 4), 3), ((1, 4, 3, 5), 1), ((3, 4, 2, 2), 4)]
)
def test_groupnorm_matches_torch(shape: tuple[int, ...], groups: int) -> None:
    rng = np.random.default_rng(5)
    x = 2.0 + rng.normal(size=shape)
    c = shape[1]
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    check(
        lambda x, g, b: normalization.groupnorm_forward(x, g, b, groups),
        normalization.groupnorm_backward,
        lambda x, g, b: F.group_norm(x, groups, g, b, eps=1e-5),
        [x, gamma, beta],
        rng,
    )


def test_groupnorm_refuses_channels_that_do_not_split() -> None:
    with pytest.raises(ValueError, match="cannot be split"):
        normalization.groupnorm_forward(np.zeros((1, 5, 2, 2)), np.ones(5), np.zeros(5), 2)


def test_small_resnet_halves_the_maps_only_where_a_stage_starts() -> None:
    """The example of SmallResNet's docstring: widths (16, 32), two blocks each, 8x8."""
    model = SmallResNet(cin=1, classes=10, widths=(16, 32), blocks=2).eval()
    with torch.no_grad():
        h = model.stem(torch.zeros(1, 1, 8, 8))
        sizes = [tuple(h.shape[1:])]
        for block in model.stages:
            h = block(h)
            sizes.append(tuple(h.shape[1:]))
    assert sizes == [(16, 8, 8)] * 3 + [(32, 4, 4)] * 2
    strides = [block.conv1.stride for block in model.stages]
    assert strides == [(1, 1), (1, 1), (2, 2), (1, 1)]
