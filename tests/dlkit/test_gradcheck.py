from __future__ import annotations

import numpy as np
import pytest

from dlkit.gradcheck import numerical_gradient, relative_error


def test_scalar_function_matches_its_analytic_gradient() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    before = x.copy()
    grad = numerical_gradient(lambda v: float(np.sum(np.sin(v) * v**2)), x)
    analytic = np.cos(x) * x**2 + 2 * x * np.sin(x)
    assert relative_error(grad, analytic) < 1e-7
    np.testing.assert_array_equal(x, before)


def test_array_function_gives_the_vector_jacobian_product() -> None:
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(5, 3)), rng.normal(size=(3, 2))
    dout = rng.normal(size=(5, 2))
    dw = numerical_gradient(lambda w_: x @ w_, w, dout)
    np.testing.assert_allclose(dw, x.T @ dout, rtol=1e-6, atol=1e-8)


def test_a_wrong_gradient_shows_a_large_relative_error() -> None:
    x = np.linspace(0.5, 2.0, 6)
    grad = numerical_gradient(lambda v: float(np.sum(v**3)), x)
    assert relative_error(grad, 3 * x**2) < 1e-7
    assert relative_error(grad, 2 * x**2) > 0.1


def test_array_output_without_dout_says_what_to_pass() -> None:
    with pytest.raises(ValueError, match="pass dout"):
        numerical_gradient(lambda v: v * 2, np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        numerical_gradient(lambda v: v * 2, np.ones(3), dout=np.ones(4))


def test_relative_error_is_scale_free_and_checks_shapes() -> None:
    a = np.array([1e-3, 1e3])
    assert relative_error(a, a * (1 + 1e-9)) < 1e-8
    assert relative_error(0.0, 0.0) == 0.0
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.ones(2), np.ones(3))
