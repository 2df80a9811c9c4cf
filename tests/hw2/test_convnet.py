"""The numpy ConvNet: its gradients against PyTorch autograd and finite differences,
and hw1's training loop training it on digits."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from dlkit.data import digits, train_test_indices
from dlkit.gradcheck import numerical_gradient, relative_error
from hw1.train import TrainConfig, train
from hw2.convnet import ConvNet


def test_gradients_match_torch_autograd() -> None:
    rng = np.random.default_rng(0)
    net = ConvNet(rng, filters=4, hidden=6, l2=0.1)
    X, y = rng.normal(size=(5, 1, 8, 8)), rng.integers(0, 10, size=5)
    loss, grads = net.loss(X, y)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    h = F.max_pool2d(torch.relu(F.conv2d(torch.from_numpy(X), p["W1"], p["b1"], padding=1)), 2)
    h = torch.relu(h.reshape(5, -1) @ p["W2"] + p["b2"])
    expected = F.cross_entropy(h @ p["W3"] + p["b3"], torch.from_numpy(y))
    expected = expected + 0.05 * sum((p[k] ** 2).sum() for k in ("W1", "W2", "W3"))
    expected.backward()
    assert abs(loss - expected.item()) < 1e-10
    for name, t in p.items():
        assert t.grad is not None
        np.testing.assert_allclose(grads[name], t.grad.numpy(), rtol=1e-7, atol=1e-10, err_msg=name)


def test_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(1)
    net = ConvNet(rng, filters=2, hidden=3)
    X, y = rng.normal(size=(3, 1, 8, 8)), rng.integers(0, 10, size=3)
    _, grads = net.loss(X, y)
    for name in ("W1", "b1", "b3"):

        def f(v: np.ndarray, name: str = name) -> float:
            saved, net.params[name] = net.params[name], v
            loss, _ = net.loss(X, y)
            net.params[name] = saved
            return float(loss)

        assert relative_error(grads[name], numerical_gradient(f, net.params[name])) < 1e-6, name


def test_hw1s_training_loop_trains_it_on_digits() -> None:
    X, y = digits()
    train_idx, val_idx = train_test_indices(len(y), 0.2, seed=1001)
    images = (X / 16.0).reshape(-1, 1, 8, 8)
    rng = np.random.default_rng(0)
    net = ConvNet(rng, l2=1e-4)
    config = TrainConfig(optimizer="adam", lr=1e-2, epochs=4, batch_size=32, warmup=20)
    history = train(net, images[train_idx], y[train_idx], images[val_idx], y[val_idx], config, rng)
    assert history.loss[-1] < history.loss[0] / 5
    assert history.best_val_acc > 0.93
