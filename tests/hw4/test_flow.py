"""hw4's flow matching against independent oracles: the straight path and its velocity
against finite differences, the loss of the exact marginal velocity field of a
Gaussian-to-Gaussian problem against its closed form (the conditional variance of the
target given the point) by Monte Carlo, and Euler integration of linear fields against
their analytic solutions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dlkit.toy2d import energy_distance, two_moons
from hw4.cases.points_checks import point_mlp_shapes
from hw4.flow import (
    VelocityField2D,
    euler_sample,
    flow_matching_loss,
    interpolate,
    target_velocity,
    train_flow_2d,
)

pytestmark = pytest.mark.usefixtures("torch_float64")


def test_interpolate_runs_from_noise_to_data() -> None:
    g = torch.Generator().manual_seed(0)
    x0, x1 = torch.randn(4, 3, 2, generator=g), torch.randn(4, 3, 2, generator=g)
    torch.testing.assert_close(interpolate(x0, x1, torch.zeros(4)), x0)
    torch.testing.assert_close(interpolate(x0, x1, torch.ones(4)), x1)
    t = torch.tensor([0.1, 0.5, 0.25, 0.9])
    for i in range(4):
        ti = t[i].item()
        torch.testing.assert_close(interpolate(x0, x1, t)[i], x0[i] + ti * (x1[i] - x0[i]))


def test_target_velocity_is_the_paths_derivative() -> None:
    g = torch.Generator().manual_seed(1)
    x0, x1 = torch.randn(5, 2, generator=g), torch.randn(5, 2, generator=g)
    t, h = torch.rand(5, generator=g) * 0.8 + 0.1, 1e-6
    numeric = (interpolate(x0, x1, t + h) - interpolate(x0, x1, t - h)) / (2 * h)
    torch.testing.assert_close(target_velocity(x0, x1), numeric, rtol=1e-7, atol=1e-7)


def gaussian_field(m: float, s: float):  # type: ignore[no-untyped-def]
    """The exact marginal velocity E[x1 - x0 | x_t = x] for x0 ~ N(0, 1), x1 ~ N(m, s^2)
    independent, per coordinate: (x_t, x1 - x0) is jointly Gaussian."""

    def field(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        tt = t[:, None]
        var = (1 - tt) ** 2 + tt**2 * s**2
        cov = tt * s**2 - (1 - tt)
        return m + cov / var * (x - tt * m)

    return field


def gaussian_loss(m: float, s: float, t: float) -> float:
    """Var(x1 - x0 | x_t): the flow-matching loss of the exact field at time t."""
    var = (1 - t) ** 2 + t**2 * s**2
    cov = t * s**2 - (1 - t)
    return 1 + s**2 - cov**2 / var


@pytest.mark.parametrize("t", [0.0, 0.3, 0.7, 0.95])
def test_flow_loss_of_the_exact_gaussian_field(t: float) -> None:
    m, s, N = 2.0, 0.5, 100_000
    g = torch.Generator().manual_seed(2)
    x0 = torch.randn(N, 3, generator=g)
    x1 = m + s * torch.randn(N, 3, generator=g)
    times = torch.full((N,), t)
    loss = flow_matching_loss(gaussian_field(m, s), x0, x1, times).item()
    # the per-element squared errors are (conditional variance) * chi-square(1): sd sqrt(2) v
    expected = gaussian_loss(m, s, t)
    assert abs(loss - expected) < 5 * math.sqrt(2) * expected / math.sqrt(3 * N)
    # any other field does worse: the exact field minimizes the loss
    shifted = flow_matching_loss(lambda x, u: gaussian_field(m, s)(x, u) + 0.1, x0, x1, times)
    assert shifted.item() > loss


def test_flow_loss_with_random_times() -> None:
    """t uniform: the loss estimates the integral over t of the closed form."""
    m, s, N = -1.0, 1.5, 200_000
    g = torch.Generator().manual_seed(3)
    x0, x1 = torch.randn(N, 1, generator=g), m + s * torch.randn(N, 1, generator=g)
    t = torch.rand(N, generator=g)
    loss = flow_matching_loss(gaussian_field(m, s), x0, x1, t).item()
    grid = np.linspace(0, 1, 10_001)
    expected = np.trapezoid([gaussian_loss(m, s, u) for u in grid], grid)
    per = ((gaussian_field(m, s)(interpolate(x0, x1, t), t) - (x1 - x0)) ** 2).squeeze(1)
    assert abs(loss - expected) < 5 * per.std().item() / math.sqrt(N)


def test_flow_loss_reaches_the_parameters() -> None:
    torch.manual_seed(0)
    model = VelocityField2D().double()
    loss = flow_matching_loss(model, torch.randn(8, 2), torch.randn(8, 2), torch.rand(8))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_euler_of_a_linear_field() -> None:
    """dx/dt = A x: Euler with n steps is exactly (I + A / n)^n x0, and tends to expm(A) x0."""
    A = torch.tensor([[-0.5, 1.0], [-1.0, -0.2]])
    x0 = torch.randn(6, 2, generator=torch.Generator().manual_seed(4))

    def field(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return x @ A.T

    for n in (1, 3, 50):
        expected = x0 @ torch.linalg.matrix_power(torch.eye(2) + A / n, n).T
        torch.testing.assert_close(euler_sample(field, x0, n), expected)
    exact = x0 @ torch.linalg.matrix_exp(A).T
    errors = [(euler_sample(field, x0, n) - exact).abs().max().item() for n in (100, 200)]
    assert errors[0] < 0.02 and errors[1] == pytest.approx(errors[0] / 2, rel=0.05)


def test_euler_uses_the_left_end_of_each_step() -> None:
    """dx/dt = 2 t: the exact solution moves by 1; left-end Euler by (n - 1) / n."""
    x0 = torch.zeros(3, 2)
    for n in (1, 4, 10):
        got = euler_sample(lambda x, t: 2 * t[:, None].expand_as(x), x0, n)
        torch.testing.assert_close(got, torch.full((3, 2), (n - 1) / n))


def test_euler_transports_gaussian_noise_to_gaussian_data() -> None:
    m, s = 2.0, 0.5
    x0 = torch.randn(50_000, 1, generator=torch.Generator().manual_seed(5))
    x = euler_sample(gaussian_field(m, s), x0, 200)
    assert abs(x.mean().item() - m) < 0.01 and abs(x.std().item() - s) < 0.01


def test_velocity_field_2d_parameters_and_shapes() -> None:
    model = VelocityField2D()
    names = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert names == point_mlp_shapes()  # what the grader expects
    assert model(torch.randn(5, 2), torch.rand(5)).shape == (5, 2)


def test_train_flow_2d_learns_two_moons() -> None:
    """One seed of the graded task: closer to held-out moons than a Gaussian fit is."""
    rng = np.random.default_rng(0)
    X, held_out = two_moons(2000, rng), two_moons(1000, rng)
    model = train_flow_2d(torch.tensor(X, dtype=torch.float32), seed=0)
    assert not model.training and next(model.parameters()).dtype == torch.float32
    x0 = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float32)
    assert energy_distance(euler_sample(model, x0, 100).numpy(), held_out) < 0.1
