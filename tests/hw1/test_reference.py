"""hw1's reference against independent oracles: PyTorch's functions, modules and
``torch.optim``, and finite differences. One helper compares a forward and its backward
with autograd, so most layer checks are one line."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import torch

from dlkit.gradcheck import numerical_gradient, relative_error
from hw1 import init, layers, losses, optim
from hw1.autodiff import Value
from hw1.model import MLP


@pytest.fixture(autouse=True)
def _float64() -> Iterator[None]:
    """Compare in float64; restore the default afterwards (it is global to the process)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(4)


def check_layer(
    forward: Callable[..., tuple[np.ndarray, object]],
    backward: Callable[..., object],
    oracle: Callable[..., torch.Tensor],
    inputs: list[np.ndarray],
    rng: np.random.Generator,
    atol: float = 1e-10,
) -> None:
    """Our forward equals the oracle's; our backward equals autograd for a random dout."""
    out, cache = forward(*inputs)
    tensors = [torch.tensor(a, requires_grad=True) for a in inputs]
    expected = oracle(*tensors)
    np.testing.assert_allclose(out, expected.detach().numpy(), atol=atol, rtol=1e-9)
    dout = rng.normal(size=out.shape)
    expected.backward(torch.from_numpy(dout))
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for got, t in zip(grads, tensors, strict=True):
        assert t.grad is not None
        np.testing.assert_allclose(got, t.grad.numpy(), atol=atol, rtol=1e-8)


def test_affine(rng: np.random.Generator) -> None:
    x, w, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    check_layer(
        layers.affine_forward, layers.affine_backward, lambda x, w, b: x @ w + b, [x, w, b], rng
    )


@pytest.mark.parametrize(
    ("name", "oracle"),
    [
        ("relu", torch.relu),
        ("sigmoid", torch.sigmoid),
        ("tanh", torch.tanh),
        ("gelu", lambda x: torch.nn.functional.gelu(x, approximate="tanh")),
        ("leaky_relu", lambda x: torch.nn.functional.leaky_relu(x, 0.01)),
    ],
)
def test_activations(
    name: str, oracle: Callable[..., torch.Tensor], rng: np.random.Generator
) -> None:
    x = rng.normal(scale=3.0, size=(6, 7))
    forward = getattr(layers, f"{name}_forward")
    backward = getattr(layers, f"{name}_backward")
    check_layer(forward, backward, oracle, [x], rng)


def test_sigmoid_does_not_overflow() -> None:
    with np.errstate(over="raise"):
        out, _ = layers.sigmoid_forward(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])


def test_dropout_is_inverted_and_identity_in_evaluation(rng: np.random.Generator) -> None:
    x = np.ones((200, 500))
    out, cache = layers.dropout_forward(x, 0.3, True, np.random.default_rng(0))
    assert abs((out == 0).mean() - 0.3) < 0.01
    assert out.mean() == pytest.approx(1.0, abs=0.02)  # inverted: the mean is kept
    np.testing.assert_array_equal(np.unique(out), [0.0, 1 / 0.7])
    dout = rng.normal(size=x.shape)
    np.testing.assert_array_equal(layers.dropout_backward(dout, cache), dout * out)
    out_eval, cache_eval = layers.dropout_forward(x, 0.3, False, rng)
    np.testing.assert_array_equal(out_eval, x)
    np.testing.assert_array_equal(layers.dropout_backward(dout, cache_eval), dout)


def test_batchnorm_training_matches_torch(rng: np.random.Generator) -> None:
    x, gamma, beta = rng.normal(2.0, 3.0, size=(16, 5)), rng.normal(size=5), rng.normal(size=5)
    state: dict[str, object] = {"train": True}

    def oracle(x: torch.Tensor, g: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.batch_norm(x, None, None, g, b, training=True, eps=1e-5)

    check_layer(
        lambda x, g, b: layers.batchnorm_forward(x, g, b, state),
        layers.batchnorm_backward,
        oracle,
        [x, gamma, beta],
        rng,
        atol=1e-9,
    )


def test_batchnorm_running_statistics_follow_torch(rng: np.random.Generator) -> None:
    # torch's momentum weighs the *new* batch: ours 0.9 keeps 90% of the old value,
    # which is torch's momentum 0.1. torch's running_var uses the unbiased variance.
    module = torch.nn.BatchNorm1d(4, momentum=0.1, eps=1e-5)
    state: dict[str, object] = {"train": True}
    gamma, beta = np.ones(4), np.zeros(4)
    for _ in range(3):
        x = rng.normal(1.0, 2.0, size=(32, 4))
        layers.batchnorm_forward(x, gamma, beta, state)
        module(torch.from_numpy(x))
    n = 32
    np.testing.assert_allclose(state["running_mean"], module.running_mean.numpy(), rtol=1e-10)
    unbiased = module.running_var.numpy()
    ours = np.asarray(state["running_var"])
    assert np.all(np.abs(ours - unbiased) / unbiased < 1.5 / n)  # biased vs unbiased
    state["train"] = False
    module.eval()
    x = rng.normal(size=(8, 4))
    out, _ = layers.batchnorm_forward(x, gamma, beta, state)
    expected = (x - state["running_mean"]) / np.sqrt(ours + 1e-5)
    np.testing.assert_allclose(out, expected)


def test_layernorm_matches_torch(rng: np.random.Generator) -> None:
    x, gamma, beta = rng.normal(size=(6, 10)), rng.normal(size=10), rng.normal(size=10)

    def oracle(x: torch.Tensor, g: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.layer_norm(x, (10,), g, b, eps=1e-5)

    check_layer(
        layers.layernorm_forward,
        layers.layernorm_backward,
        oracle,
        [x, gamma, beta],
        rng,
        atol=1e-9,
    )


def test_softmax_cross_entropy_matches_torch(rng: np.random.Generator) -> None:
    scores, y = rng.normal(scale=50.0, size=(7, 5)), rng.integers(0, 5, size=7)
    t = torch.tensor(scores, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.from_numpy(y))
    expected.backward()
    loss, dscores = losses.softmax_cross_entropy(scores, y)
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    assert t.grad is not None
    np.testing.assert_allclose(dscores, t.grad.numpy(), atol=1e-14)


def test_mse_matches_torch(rng: np.random.Generator) -> None:
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    t = torch.tensor(pred, requires_grad=True)
    expected = torch.nn.functional.mse_loss(t, torch.from_numpy(target))
    expected.backward()
    loss, dpred = losses.mse(pred, target)
    assert loss == pytest.approx(expected.item())
    assert t.grad is not None
    np.testing.assert_allclose(dpred, t.grad.numpy())


def test_initializations_have_the_stated_variance() -> None:
    rng = np.random.default_rng(0)
    assert init.xavier_normal(400, 600, rng).std() == pytest.approx(math.sqrt(2 / 1000), rel=0.01)
    assert init.kaiming_normal(400, 600, rng).std() == pytest.approx(math.sqrt(2 / 400), rel=0.01)
    assert init.kaiming_normal(3, 2, np.random.default_rng(1)).shape == (3, 2)


def test_autodiff_matches_torch_on_an_expression_with_shared_nodes() -> None:
    a, b = Value(-1.3), Value(0.7)
    c = a * b + b**3
    d = (c * c).tanh() + (b.exp() + 1.0).log() - a.relu() + (a * -2.0).relu() / b
    d.backward()
    ta = torch.tensor(-1.3, requires_grad=True)
    tb = torch.tensor(0.7, requires_grad=True)
    tc = ta * tb + tb**3
    td = (
        torch.tanh(tc * tc)
        + torch.log(torch.exp(tb) + 1.0)
        - torch.relu(ta)
        + torch.relu(ta * -2.0) / tb
    )
    td.backward()
    assert d.data == pytest.approx(td.item(), rel=1e-12)
    assert ta.grad is not None and tb.grad is not None
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)


def test_autodiff_handles_deep_graphs_without_recursion() -> None:
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-9)


OPTIMIZERS = [
    ("sgd", optim.sgd, lambda p: torch.optim.SGD(p, lr=0.1), {"lr": 0.1}),
    (
        "sgd_momentum",
        optim.sgd_momentum,
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        {"lr": 0.1, "momentum": 0.9},
    ),
    (
        "nesterov",
        optim.nesterov,
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        {"lr": 0.1, "momentum": 0.9},
    ),
    (
        "rmsprop",
        optim.rmsprop,
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8),
        {"lr": 0.01},
    ),
    ("adam", optim.adam, lambda p: torch.optim.Adam(p, lr=0.01), {"lr": 0.01}),
    (
        "adamw",
        optim.adamw,
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
        {"lr": 0.01, "weight_decay": 0.1},
    ),
]


@pytest.mark.parametrize(("name", "ours", "theirs", "config"), OPTIMIZERS)
def test_optimizers_follow_torch_optim_step_for_step(
    name: str,
    ours: Callable[..., tuple[np.ndarray, dict[str, object]]],
    theirs: Callable[..., torch.optim.Optimizer],
    config: dict[str, object],
    rng: np.random.Generator,
) -> None:
    w0 = rng.normal(size=(3, 4))
    target = rng.normal(size=(3, 4))
    param = torch.tensor(w0.copy(), requires_grad=True)
    opt = theirs([param])
    w, cfg = w0.copy(), dict(config)
    for _ in range(25):
        dw = 2 * (w - target) + np.sin(w)  # the gradient of a bumpy bowl
        w, cfg = ours(w, dw, cfg)
        opt.zero_grad()
        loss = ((param - torch.from_numpy(target)) ** 2).sum() - torch.cos(param).sum()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(w, param.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_optimizers_do_not_modify_the_parameter_in_place(rng: np.random.Generator) -> None:
    for _, ours, _, config in OPTIMIZERS:
        w = rng.normal(size=5)
        before = w.copy()
        ours(w, np.ones(5), dict(config))
        np.testing.assert_array_equal(w, before)


def test_schedules_match_torch_schedulers() -> None:
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    for step in range(10):
        assert optim.step_decay(step, 0.5, 3, 0.5) == pytest.approx(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    lrs = [optim.cosine_with_warmup(s, 100, 10, 1.0, 0.1) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[10] == pytest.approx(1.0) and lrs[-1] == pytest.approx(0.1, abs=1e-3)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))
    opt = torch.optim.SGD([param], lr=1.0)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=90, eta_min=0.1)
    for step in range(10, 100):
        assert lrs[step] == pytest.approx(opt.param_groups[0]["lr"], rel=1e-9)
        opt.step()
        cosine.step()


@pytest.mark.parametrize("batchnorm", [False, True])
def test_mlp_gradients_match_torch(batchnorm: bool, rng: np.random.Generator) -> None:
    model = MLP(
        [6, 5, 4, 3], np.random.default_rng(0), activation="tanh", batchnorm=batchnorm, l2=0.1
    )
    X, y = rng.normal(size=(8, 6)), rng.integers(0, 3, size=8)
    loss, grads = model.loss(X, y)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    h = torch.from_numpy(X)
    for i in (1, 2):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if batchnorm:
            h = torch.nn.functional.batch_norm(
                h, None, None, params[f"gamma{i}"], params[f"beta{i}"], training=True, eps=1e-5
            )
        h = torch.tanh(h)
    scores = h @ params["W3"] + params["b3"]
    expected = torch.nn.functional.cross_entropy(scores, torch.from_numpy(y))
    expected = expected + 0.05 * sum((params[f"W{i}"] ** 2).sum() for i in (1, 2, 3))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-10)
    assert set(grads) == set(params)
    for name, t in params.items():
        assert t.grad is not None
        np.testing.assert_allclose(grads[name], t.grad.numpy(), rtol=1e-7, atol=1e-10, err_msg=name)


LAYERS_FOR_FINITE_DIFFERENCES = [
    ("affine", lambda r: [r.normal(size=(4, 5)), r.normal(size=(5, 3)), r.normal(size=3)], {}),
    ("relu", lambda r: [r.normal(size=(3, 4))], {}),
    ("leaky_relu", lambda r: [r.normal(size=(3, 4))], {"alpha": 0.2}),
    ("sigmoid", lambda r: [3 * r.normal(size=(3, 4))], {}),
    ("tanh", lambda r: [r.normal(size=(3, 4))], {}),
    ("gelu", lambda r: [2 * r.normal(size=(3, 4))], {}),
    ("layernorm", lambda r: [r.normal(size=(4, 6)), r.normal(size=6), r.normal(size=6)], {}),
]


@pytest.mark.parametrize(
    ("name", "make_inputs", "options"),
    LAYERS_FOR_FINITE_DIFFERENCES,
    ids=[c[0] for c in LAYERS_FOR_FINITE_DIFFERENCES],
)
def test_backward_passes_match_finite_differences(
    name: str,
    make_inputs: Callable[[np.random.Generator], list[np.ndarray]],
    options: dict[str, float],
    rng: np.random.Generator,
) -> None:
    """The second oracle, independent of PyTorch: dlkit.gradcheck's centered differences."""
    forward = getattr(layers, f"{name}_forward")
    backward = getattr(layers, f"{name}_backward")
    inputs = make_inputs(rng)
    out, cache = forward(*inputs, **options)
    dout = rng.normal(size=out.shape)
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for i, got in enumerate(grads):

        def f(v: np.ndarray, i: int = i) -> np.ndarray:
            return forward(*inputs[:i], v, *inputs[i + 1 :], **options)[0]

        assert relative_error(got, numerical_gradient(f, inputs[i], dout)) < 1e-6, (name, i)


def test_batchnorm_backward_matches_finite_differences(rng: np.random.Generator) -> None:
    x, gamma, beta = rng.normal(size=(6, 3)), rng.normal(size=3), rng.normal(size=3)
    out, cache = layers.batchnorm_forward(x, gamma, beta, {"train": True})
    dout = rng.normal(size=out.shape)
    dx, dgamma, dbeta = layers.batchnorm_backward(dout, cache)
    inputs = [x, gamma, beta]
    for i, got in enumerate((dx, dgamma, dbeta)):

        def f(v: np.ndarray, i: int = i) -> np.ndarray:
            args = [*inputs[:i], v, *inputs[i + 1 :]]
            return layers.batchnorm_forward(*args, {"train": True})[0]

        assert relative_error(got, numerical_gradient(f, inputs[i], dout)) < 1e-6, i


def test_mlp_gradients_match_finite_differences(rng: np.random.Generator) -> None:
    model = MLP([5, 4, 3], np.random.default_rng(1), activation="gelu", batchnorm=True, l2=0.3)
    X, y = rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)
    _, grads = model.loss(X, y)
    for name, value in model.params.items():

        def f(v: np.ndarray, name: str = name) -> float:
            saved, model.params[name] = model.params[name], v
            loss, _ = model.loss(X, y)
            model.params[name] = saved
            return float(loss)

        assert relative_error(grads[name], numerical_gradient(f, value)) < 1e-6, name
