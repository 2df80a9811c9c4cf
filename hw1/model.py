"""A multi-layer perceptron assembled from the layers of `layers`.

Architecture, for hidden sizes H1..H(L-1) and C classes:

    {affine -> [batchnorm] -> activation -> [dropout]} x (L - 1) -> affine -> scores

Parameters live in one dict, ``model.params`` ("W1", "b1", ..., "gamma1", "beta1" with
batch normalization), and `loss` returns gradients in a dict with the same keys, so an
optimizer can treat every parameter alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import init, layers
from .losses import softmax_cross_entropy

ACTIVATIONS = {
    "relu": (layers.relu_forward, layers.relu_backward),
    "leaky_relu": (layers.leaky_relu_forward, layers.leaky_relu_backward),
    "tanh": (layers.tanh_forward, layers.tanh_backward),
    "sigmoid": (layers.sigmoid_forward, layers.sigmoid_backward),
    "gelu": (layers.gelu_forward, layers.gelu_backward),
}


class MLP:
    """A fully connected classifier (given, apart from `loss`).

    dims: [D, H1, ..., C], the input size, the hidden sizes, and the number of classes.
    activation: a key of ACTIVATIONS. dropout: the drop probability p (0: none).
    batchnorm: normalize each hidden affine output. l2: the L2 penalty strength.
    weight_init: a function ``(fan_in, fan_out, rng) -> W``; by default Kaiming's scheme
    (Xavier's for tanh and sigmoid). Biases and betas start at 0, gammas at 1.
    """

    def __init__(
        self,
        dims: list[int],
        rng: np.random.Generator,
        activation: str = "relu",
        dropout: float = 0.0,
        batchnorm: bool = False,
        l2: float = 0.0,
        weight_init: Callable[[int, int, np.random.Generator], np.ndarray] | None = None,
    ) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.dims, self.activation, self.dropout = list(dims), activation, dropout
        self.batchnorm, self.l2, self.rng = batchnorm, l2, rng
        self.num_layers = len(dims) - 1
        default = init.xavier_normal if activation in ("tanh", "sigmoid") else init.kaiming_normal
        scheme = weight_init or default
        self.params: dict[str, np.ndarray] = {}
        self.bn_state: list[dict[str, Any]] = []
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = scheme(dims[i - 1], dims[i], rng)
            self.params[f"b{i}"] = np.zeros(dims[i])
            if batchnorm and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(dims[i])
                self.params[f"beta{i}"] = np.zeros(dims[i])
                self.bn_state.append({"train": True})

    def loss(
        self, X: np.ndarray, y: np.ndarray | None = None, train: bool = True
    ) -> np.ndarray | tuple[float, dict[str, np.ndarray]]:
        """Scores, or the loss and the gradient of every parameter.

        Forward through the architecture above, caching each layer. Without ``y``,
        return the scores (N, C) in evaluation mode (no dropout; batch normalization with
        its running statistics). With ``y``, in mode ``train``, return

            loss = softmax_cross_entropy(scores, y) + l2 / 2 * sum over i of ||W_i||^2

        (biases, gammas and betas are not penalized) and ``grads``, a dict with the keys
        of ``self.params``, each gradient of the parameter's shape, the penalty's
        gradient included. Backward goes through the layers in reverse order.
        Pass ``self.rng`` to dropout, and ``self.bn_state[i - 1]`` (with "train" set to
        the mode) to batch normalization of hidden layer i.

        Inputs:  X (N, D); y (N,) integer labels or None.
        """
        # BEGIN SOLUTION: forward with caches per layer, loss plus penalty, then backward
        train = train and y is not None
        act_forward, act_backward = ACTIVATIONS[self.activation]
        p, caches, h = self.params, [], X
        for i in range(1, self.num_layers):
            h, affine_cache = layers.affine_forward(h, p[f"W{i}"], p[f"b{i}"])
            bn_cache = None
            if self.batchnorm:
                state = self.bn_state[i - 1]
                state["train"] = train
                h, bn_cache = layers.batchnorm_forward(h, p[f"gamma{i}"], p[f"beta{i}"], state)
            h, act_cache = act_forward(h)
            h, drop_cache = layers.dropout_forward(h, self.dropout, train, self.rng)
            caches.append((affine_cache, bn_cache, act_cache, drop_cache))
        last = self.num_layers
        scores, last_cache = layers.affine_forward(h, p[f"W{last}"], p[f"b{last}"])
        if y is None:
            return scores
        loss, dscores = softmax_cross_entropy(scores, y)
        weights = [p[f"W{i}"] for i in range(1, last + 1)]
        loss += 0.5 * self.l2 * sum(float(np.sum(W * W)) for W in weights)
        grads: dict[str, np.ndarray] = {}
        dh, grads[f"W{last}"], grads[f"b{last}"] = layers.affine_backward(dscores, last_cache)
        for i in range(last - 1, 0, -1):
            affine_cache, bn_cache, act_cache, drop_cache = caches[i - 1]
            dh = act_backward(layers.dropout_backward(dh, drop_cache), act_cache)
            if self.batchnorm:
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = layers.batchnorm_backward(dh, bn_cache)
            dh, grads[f"W{i}"], grads[f"b{i}"] = layers.affine_backward(dh, affine_cache)
        for i in range(1, last + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.l2 * p[f"W{i}"]
        return loss, grads
        # END SOLUTION

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted classes (N,): the arg-max of the evaluation-mode scores."""
        scores = self.loss(X)
        assert isinstance(scores, np.ndarray)
        return scores.argmax(axis=1)
