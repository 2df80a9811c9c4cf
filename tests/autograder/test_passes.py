"""`layer_check`: the forward's output and the backward's gradients, by name."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.passes import layer_check


def scale_forward(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, tuple]:
    return x * w, (x, w)


def scale_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray]:
    x, w = cache
    return dout * w, dout * x


def test_gradients_are_named_and_the_upstream_gradient_comes_from_the_rng() -> None:
    x, w = np.arange(3.0), np.full(3, 2.0)
    got = layer_check(scale_forward, scale_backward, (x, w), np.random.default_rng(0), ("dx", "dw"))
    dout = np.random.default_rng(0).normal(size=3)
    assert set(got) == {"out", "dx", "dw"}
    np.testing.assert_array_equal(got["out"], x * w)
    np.testing.assert_array_equal(got["dx"], dout * w)
    np.testing.assert_array_equal(got["dw"], dout * x)


def test_several_gradients_may_come_as_a_list() -> None:
    def as_list(dout: np.ndarray, cache: tuple) -> list[np.ndarray]:
        return list(scale_backward(dout, cache))

    x, w = np.ones(2), np.ones(2)
    got = layer_check(scale_forward, as_list, (x, w), np.random.default_rng(0), ("dx", "dw"))
    assert set(got) == {"out", "dx", "dw"}


def test_a_single_gradient_may_be_bare_or_a_one_tuple() -> None:
    def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.maximum(x, 0), x

    def bare(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
        return dout * (x > 0)

    def one_tuple(dout: np.ndarray, x: np.ndarray) -> tuple[np.ndarray]:
        return (dout * (x > 0),)

    x = np.array([-1.0, 2.0])
    a = layer_check(relu_forward, bare, (x,), np.random.default_rng(0))
    b = layer_check(relu_forward, one_tuple, (x,), np.random.default_rng(0))
    np.testing.assert_array_equal(a["dx"], b["dx"])


def test_a_wrong_number_of_gradients_says_what_to_return() -> None:
    def conv_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray]:
        return scale_backward(dout, cache)

    with pytest.raises(ValueError, match=r"conv_backward returned 2 values; .* 3: \(dx, dw, db\)"):
        layer_check(
            scale_forward,
            conv_backward,
            (np.ones(2), np.ones(2)),
            np.random.default_rng(0),
            ("dx", "dw", "db"),
        )


def relu_forward_in_place(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    np.maximum(x, 0, out=x)
    return x, x


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    return dout * (cache > 0)


def relu_backward_in_place(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    dout *= cache > 0
    return dout


def test_a_forward_that_changes_its_input_is_named_and_the_input_kept() -> None:
    """An in-place ReLU is reported as such, not as a wrong answer of the next check on
    the same input (which gets its own copy)."""
    x = np.array([-1.0, 2.0, -3.0])
    with pytest.raises(ValueError) as caught:
        layer_check(relu_forward_in_place, relu_backward, (x,), np.random.default_rng(0))
    assert str(caught.value) == (
        "relu_forward_in_place changed its input x in place: compute a new array instead "
        "(the caller still needs the original)"
    )
    np.testing.assert_array_equal(x, [-1.0, 2.0, -3.0])


def test_a_backward_that_changes_dout_is_named() -> None:
    x = np.array([-1.0, 2.0])
    with pytest.raises(ValueError, match="relu_backward_in_place changed its input dout"):
        layer_check(_relu, relu_backward_in_place, (x,), np.random.default_rng(0))


def _relu(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.maximum(x, 0), x


def test_an_optimizer_that_updates_w_in_place_is_named_and_the_next_run_is_clean() -> None:
    from hw1.cases.harness import optimizer_run

    def sgd_in_place(w: np.ndarray, dw: np.ndarray, config: dict) -> tuple[np.ndarray, dict]:
        w -= config["lr"] * dw
        return w, config

    def sgd(w: np.ndarray, dw: np.ndarray, config: dict) -> tuple[np.ndarray, dict]:
        return w - config["lr"] * dw, config

    w, grads = np.ones(3), [np.full(3, 0.5)]
    with pytest.raises(ValueError, match="sgd_in_place changed its input w in place"):
        optimizer_run(sgd_in_place, w, grads, {"lr": 0.1}, ())
    np.testing.assert_array_equal(w, np.ones(3))  # the next optimizer starts from here
    got = optimizer_run(sgd, w, grads, {"lr": 0.1}, ())
    np.testing.assert_allclose(got["iterates"][0], np.full(3, 0.95))
