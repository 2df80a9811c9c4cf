"""A small convolutional network in numpy, built from this assignment's layers and
hw1's (affine, ReLU, softmax cross-entropy), with hw1's model interface: ``params``,
``loss(X, y)`` returning the loss and a gradient per parameter, ``predict`` and
``bn_state``, so that hw1's optimizers and training loop train it unchanged.

Architecture, for (N, 1, 8, 8) digit images and F filters, H hidden units:

    conv 3x3, pad 1 (F)  -> ReLU -> max pool 2x2      (N, F, 4, 4)
    flatten -> affine (16 F -> H) -> ReLU             (N, H)
    affine (H -> 10)                                  (N, 10) scores
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hw1.layers import affine_backward, affine_forward, relu_backward, relu_forward
from hw1.losses import softmax_cross_entropy

from .conv import conv_backward_fast, conv_forward_fast
from .pool import max_pool_backward_fast, max_pool_forward_fast


class ConvNet:
    """The network above; weights drawn with Kaiming's scale, biases at 0.

    filters: F; hidden: H; l2: the L2 penalty on W1, W2 and W3 (biases are not penalized).
    """

    def __init__(
        self, rng: np.random.Generator, filters: int = 16, hidden: int = 64, l2: float = 0.0
    ) -> None:
        self.l2 = l2
        self.bn_state: list[dict[str, Any]] = []  # no batch normalization (hw1's interface)
        self.params = {
            "W1": rng.normal(scale=np.sqrt(2.0 / 9), size=(filters, 1, 3, 3)),
            "b1": np.zeros(filters),
            "W2": rng.normal(scale=np.sqrt(2.0 / (16 * filters)), size=(16 * filters, hidden)),
            "b2": np.zeros(hidden),
            "W3": rng.normal(scale=np.sqrt(2.0 / hidden), size=(hidden, 10)),
            "b3": np.zeros(10),
        }

    def loss(
        self, X: np.ndarray, y: np.ndarray | None = None, train: bool = True
    ) -> np.ndarray | tuple[float, dict[str, np.ndarray]]:
        """Scores (N, 10) without ``y``; with it, the softmax cross-entropy plus
        ``l2 / 2 * (||W1||^2 + ||W2||^2 + ||W3||^2)`` and the gradient of every parameter.

        Inputs: X (N, 1, 8, 8); y (N,) integer labels or None. (``train`` is accepted
        for hw1's interface; the network has no layer that behaves differently.)
        """
        # BEGIN SOLUTION: conv, relu, pool, flatten, affine, relu, affine; then backward
        p = self.params
        h, conv_cache = conv_forward_fast(X, p["W1"], p["b1"], stride=1, pad=1)
        h, relu1_cache = relu_forward(h)
        h, pool_cache = max_pool_forward_fast(h, 2, 2)  # (N, F, 4, 4)
        pooled_shape = h.shape
        h, affine2_cache = affine_forward(h.reshape(len(X), -1), p["W2"], p["b2"])
        h, relu2_cache = relu_forward(h)
        scores, affine3_cache = affine_forward(h, p["W3"], p["b3"])
        if y is None:
            return scores
        loss, dscores = softmax_cross_entropy(scores, y)
        loss += 0.5 * self.l2 * sum(float(np.sum(p[k] ** 2)) for k in ("W1", "W2", "W3"))
        grads: dict[str, np.ndarray] = {}
        dh, grads["W3"], grads["b3"] = affine_backward(dscores, affine3_cache)
        dh = relu_backward(dh, relu2_cache)
        dh, grads["W2"], grads["b2"] = affine_backward(dh, affine2_cache)
        dh = max_pool_backward_fast(dh.reshape(pooled_shape), pool_cache)
        dh = relu_backward(dh, relu1_cache)
        _, grads["W1"], grads["b1"] = conv_backward_fast(dh, conv_cache)
        for k in ("W1", "W2", "W3"):
            grads[k] = grads[k] + self.l2 * p[k]
        return loss, grads
        # END SOLUTION

    def predict(self, X: np.ndarray) -> np.ndarray:
        scores = self.loss(X)
        assert isinstance(scores, np.ndarray)
        return scores.argmax(axis=1)
