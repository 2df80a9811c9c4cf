"""Weight initialization: the scale that keeps activations and gradients from
exploding or vanishing as they pass through many layers."""

from __future__ import annotations

import numpy as np


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot and Bengio (2010): a Gaussian with variance 2 / (fan_in + fan_out), which
    balances the variance of activations (forward) and of gradients (backward) for
    linear, tanh-like layers.

    Return exactly ``std * rng.standard_normal((fan_in, fan_out))``.

    Returns: W (fan_in, fan_out).
    """
    # BEGIN SOLUTION: std = sqrt(2 / (fan_in + fan_out)) times one standard_normal draw
    return np.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal((fan_in, fan_out))
    # END SOLUTION


def kaiming_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He et al. (2015): a Gaussian with variance 2 / fan_in. A ReLU zeroes half of its
    inputs, halving the variance; the factor 2 restores it, layer after layer.

    Return exactly ``std * rng.standard_normal((fan_in, fan_out))``.

    Returns: W (fan_in, fan_out).
    """
    # BEGIN SOLUTION: std = sqrt(2 / fan_in) times one standard_normal draw
    return np.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))
    # END SOLUTION
