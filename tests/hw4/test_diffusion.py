"""hw4's diffusion against independent oracles: the schedules against their formulas
evaluated with the math module, q_sample against Monte-Carlo moments of the forward chain
run one step at a time, ddpm_step against the posterior q(x_{t-1} | x_t, x_0) obtained by
Gaussian conditioning, ddim_step against exact recovery of x_0, and both samplers against
data whose optimal noise predictor is known in closed form (one point; a Gaussian)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dlkit.toy2d import energy_distance, two_moons
from hw4.cases.points_checks import point_mlp_shapes
from hw4.diffusion import (
    T_2D,
    Denoiser2D,
    alphas_cumprod,
    cosine_betas,
    ddim_step,
    ddim_timesteps,
    ddpm_step,
    linear_betas,
    noise_loss,
    q_sample,
    sample,
    time_embedding,
    train_diffusion_2d,
)

pytestmark = pytest.mark.usefixtures("torch_float64")


# ---------------------------------------------------------------- oracles


def point_model(x0: torch.Tensor, alpha_bar: torch.Tensor):  # type: ignore[no-untyped-def]
    """The exact noise predictor when the data are the single point x0 (D,): x_t fixes
    eps = (x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t)."""

    def model(x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        a = alpha_bar[t - 1][:, None]
        return (x_t - a.sqrt() * x0) / (1 - a).sqrt()

    return model


def gaussian_model(m: float, s: float, alpha_bar: torch.Tensor):  # type: ignore[no-untyped-def]
    """The exact noise predictor E[eps | x_t] when the data are N(m, s^2) per coordinate:
    x_t = sqrt(a) x0 + sqrt(1 - a) eps is jointly Gaussian with eps."""

    def model(x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        a = alpha_bar[t - 1][:, None]
        var = a * s**2 + (1 - a)
        return (1 - a).sqrt() * (x_t - a.sqrt() * m) / var

    return model


# ---------------------------------------------------------------- schedules


def test_linear_betas() -> None:
    betas = linear_betas(1000)
    assert betas.shape == (1000,) and betas.dtype == torch.float64
    assert betas[0].item() == pytest.approx(1e-4) and betas[-1].item() == pytest.approx(0.02)
    np.testing.assert_allclose(np.diff(betas.numpy()), (0.02 - 1e-4) / 999, rtol=1e-9)


@pytest.mark.parametrize("T", [1, 10, 100, 1000])
def test_cosine_betas_match_the_formula(T: int) -> None:
    s = 0.008

    def f(t: int) -> float:
        return math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2

    expected = [min(1 - (f(t) / f(0)) / (f(t - 1) / f(0)), 0.999) for t in range(1, T + 1)]
    betas = cosine_betas(T)
    assert betas.dtype == torch.float64 and betas.shape == (T,)
    np.testing.assert_allclose(betas.numpy(), expected, rtol=1e-10, atol=1e-15)
    # alpha_bar_t is f(t) / f(0) wherever no clipping happened
    alpha_bar = alphas_cumprod(betas).numpy()
    unclipped = [t for t in range(1, T + 1) if max(expected[:t]) < 0.999]
    np.testing.assert_allclose(
        alpha_bar[[t - 1 for t in unclipped]], [f(t) / f(0) for t in unclipped], rtol=1e-9
    )


def test_alphas_cumprod_is_a_running_product() -> None:
    betas = torch.rand(50, generator=torch.Generator().manual_seed(0)) * 0.1
    product, expected = 1.0, []
    for b in betas.tolist():
        product *= 1 - b
        expected.append(product)
    np.testing.assert_allclose(alphas_cumprod(betas).numpy(), expected, rtol=1e-12)


# ---------------------------------------------------------------- forward process, loss


def test_q_sample_at_t1_is_one_forward_step() -> None:
    betas = linear_betas(10)
    x0, noise = torch.randn(4, 3), torch.randn(4, 3)
    got = q_sample(x0, torch.ones(4, dtype=torch.long), noise, alphas_cumprod(betas))
    expected = math.sqrt(1 - betas[0].item()) * x0 + math.sqrt(betas[0].item()) * noise
    torch.testing.assert_close(got, expected)


def test_q_sample_matches_the_moments_of_the_step_by_step_chain() -> None:
    """Run the chain q(x_s | x_{s-1}) one step at a time from x0 to t (the oracle) and
    compare the mean and variance of x_t with those of q_sample, per example's own t."""
    g = torch.Generator().manual_seed(1)
    T, N = 40, 40_000
    betas = cosine_betas(T)
    alpha_bar = alphas_cumprod(betas)
    x0 = torch.tensor([1.5, -2.0])
    for t in (1, 7, 25, 40):
        chain = x0.expand(N, 2)
        for s in range(1, t + 1):
            b = betas[s - 1].item()
            chain = math.sqrt(1 - b) * chain + math.sqrt(b) * torch.randn(N, 2, generator=g)
        steps = torch.full((N,), t, dtype=torch.long)
        xt = q_sample(x0.expand(N, 2), steps, torch.randn(N, 2, generator=g), alpha_bar)
        for draw in (chain, xt):
            var = draw.var(dim=0)
            se_mean = (var / N).sqrt()
            se_var = var * math.sqrt(2 / (N - 1))
            mean_cf = alpha_bar[t - 1].sqrt() * x0
            var_cf = (1 - alpha_bar[t - 1]).expand(2)
            assert torch.all((draw.mean(dim=0) - mean_cf).abs() < 5 * se_mean), t
            assert torch.all((var - var_cf).abs() < 5 * se_var), t


def test_q_sample_uses_each_examples_own_step_and_broadcasts_over_axes() -> None:
    alpha_bar = alphas_cumprod(linear_betas(20))
    x0, noise = torch.randn(3, 2, 4, 4), torch.randn(3, 2, 4, 4)
    t = torch.tensor([1, 20, 9])
    got = q_sample(x0, t, noise, alpha_bar)
    for i in range(3):
        a = alpha_bar[t[i] - 1]
        torch.testing.assert_close(got[i], a.sqrt() * x0[i] + (1 - a).sqrt() * noise[i])


def test_noise_loss() -> None:
    alpha_bar = alphas_cumprod(cosine_betas(50))
    g = torch.Generator().manual_seed(2)
    x0 = torch.tensor([0.3, -1.0])
    t = torch.randint(1, 51, (64,), generator=g)
    noise = torch.randn(64, 2, generator=g)
    # the exact predictor of a one-point data set has zero loss
    exact = noise_loss(point_model(x0, alpha_bar), x0.expand(64, 2), t, noise, alpha_bar)
    assert exact.item() == pytest.approx(0.0, abs=1e-20)
    # a model predicting 2 eps - 1 has loss mean((eps - 1)^2)
    loss = noise_loss(lambda x, s: 2 * noise - 1, x0.expand(64, 2), t, noise, alpha_bar)
    assert loss.item() == pytest.approx(((noise - 1) ** 2).mean().item(), rel=1e-12)
    # gradients reach the model's parameters
    torch.manual_seed(0)
    model = Denoiser2D().double()
    noise_loss(model, torch.randn(8, 2), t[:8], noise[:8], alpha_bar).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


# ---------------------------------------------------------------- reverse steps


def posterior_mean(
    x_t: torch.Tensor, x0: torch.Tensor, t: int, betas: torch.Tensor
) -> torch.Tensor:
    """The mean of q(x_{t-1} | x_t, x_0) by Gaussian conditioning (precision-weighted):
    prior x_{t-1} ~ N(sqrt(abar_{t-1}) x0, 1 - abar_{t-1}), likelihood
    x_t | x_{t-1} ~ N(sqrt(alpha_t) x_{t-1}, beta_t)."""
    abar_prev = math.prod(1 - b for b in betas[: t - 1].tolist())
    beta = betas[t - 1].item()
    precision = 1 / (1 - abar_prev) + (1 - beta) / beta
    weighted = math.sqrt(abar_prev) * x0 / (1 - abar_prev) + math.sqrt(1 - beta) * x_t / beta
    return weighted / precision


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_ddpm_step_with_the_exact_noise_is_the_posterior_mean(schedule: str) -> None:
    T = 30
    betas = linear_betas(T, 1e-3, 0.2) if schedule == "linear" else cosine_betas(T)
    alpha_bar = alphas_cumprod(betas)
    g = torch.Generator().manual_seed(3)
    x0 = torch.tensor([0.7, -0.4, 2.0])
    model = point_model(x0, alpha_bar)
    for t in (2, 5, 17, 30):
        x_t = torch.randn(6, 3, generator=g) * 2
        z = torch.randn(6, 3, generator=g)
        mean = posterior_mean(x_t, x0, t, betas)
        zero = ddpm_step(model, x_t, t, torch.zeros_like(z), betas, alpha_bar)
        torch.testing.assert_close(zero, mean, rtol=1e-9, atol=1e-9)
        got = ddpm_step(model, x_t, t, z, betas, alpha_bar)
        torch.testing.assert_close(got, mean + betas[t - 1].sqrt() * z, rtol=1e-9, atol=1e-9)


def test_ddpm_step_at_t1_adds_no_noise_and_returns_x0() -> None:
    betas = cosine_betas(10)
    alpha_bar = alphas_cumprod(betas)
    x0 = torch.tensor([0.5, -1.5])
    x1 = q_sample(x0.expand(4, 2), torch.ones(4, dtype=torch.long), torch.randn(4, 2), alpha_bar)
    model = point_model(x0, alpha_bar)
    without = ddpm_step(model, x1, 1, None, betas, alpha_bar)
    with_noise = ddpm_step(model, x1, 1, torch.randn(4, 2), betas, alpha_bar)
    torch.testing.assert_close(without, x0.expand(4, 2))
    torch.testing.assert_close(with_noise, without)


def test_ddim_step_with_the_exact_noise_recovers_the_forward_process() -> None:
    T = 50
    alpha_bar = alphas_cumprod(cosine_betas(T))
    g = torch.Generator().manual_seed(4)
    x0 = torch.tensor([1.0, -0.5])
    eps = torch.randn(5, 2, generator=g)
    model = point_model(x0, alpha_bar)
    for t in (1, 10, 49):
        x_t = q_sample(x0.expand(5, 2), torch.full((5,), t), eps, alpha_bar)
        torch.testing.assert_close(ddim_step(model, x_t, t, 0, alpha_bar), x0.expand(5, 2))
        for t_prev in range(1, t):
            expected = q_sample(x0.expand(5, 2), torch.full((5,), t_prev), eps, alpha_bar)
            torch.testing.assert_close(ddim_step(model, x_t, t, t_prev, alpha_bar), expected)
    with pytest.raises(ValueError):
        ddim_step(model, x0.expand(5, 2), 3, 3, alpha_bar)


# ---------------------------------------------------------------- samplers


def test_ddim_timesteps() -> None:
    assert ddim_timesteps(10, 10) == list(range(10, -1, -1))
    assert ddim_timesteps(100, 4) == [100, 75, 50, 25, 0]
    assert ddim_timesteps(10, 3) == [10, 7, 3, 0]
    for T, steps in [(1000, 50), (7, 7), (100, 33)]:
        times = ddim_timesteps(T, steps)
        assert len(set(times)) == steps + 1 and times[0] == T and times[-1] == 0


def test_sample_follows_the_stated_draw_order() -> None:
    T = 12
    betas = cosine_betas(T)
    alpha_bar = alphas_cumprod(betas)
    torch.manual_seed(0)
    model = Denoiser2D().double()
    got = sample(model, (7, 2), torch.Generator().manual_seed(5), betas)
    g = torch.Generator().manual_seed(5)
    x = torch.randn(7, 2, generator=g)
    for t in range(T, 0, -1):
        z = torch.randn(7, 2, generator=g) if t > 1 else None
        x = ddpm_step(model, x, t, z, betas, alpha_bar)
    torch.testing.assert_close(got, x, rtol=0, atol=0)
    got = sample(model, (7, 2), torch.Generator().manual_seed(5), betas, 4, "ddim")
    x = torch.randn(7, 2, generator=torch.Generator().manual_seed(5))
    for t, t_prev in [(12, 9), (9, 6), (6, 3), (3, 0)]:
        x = ddim_step(model, x, t, t_prev, alpha_bar)
    torch.testing.assert_close(got, x, rtol=0, atol=0)
    with pytest.raises(ValueError):
        sample(model, (7, 2), torch.Generator(), betas, 4, "ddpm")


@pytest.mark.parametrize("method", ["ddpm", "ddim"])
def test_samplers_collapse_one_point_data_onto_the_point(method: str) -> None:
    betas = cosine_betas(20)
    x0 = torch.tensor([2.0, -3.0])
    model = point_model(x0, alphas_cumprod(betas))
    steps = 5 if method == "ddim" else None
    got = sample(model, (9, 2), torch.Generator().manual_seed(6), betas, steps, method)
    torch.testing.assert_close(got, x0.expand(9, 2))


@pytest.mark.parametrize("method", ["ddpm", "ddim"])
def test_samplers_reproduce_gaussian_data_with_the_exact_predictor(method: str) -> None:
    """Data N(m, s^2): with E[eps | x_t] in closed form, both samplers' outputs should
    have mean m and standard deviation s, up to Monte-Carlo and discretization error."""
    m, s, N = 1.5, 0.4, 20_000
    betas = linear_betas(1000)
    model = gaussian_model(m, s, alphas_cumprod(betas))
    steps = 200 if method == "ddim" else None
    x = sample(model, (N, 1), torch.Generator().manual_seed(7), betas, steps, method)
    se_mean, se_std = s / math.sqrt(N), s / math.sqrt(2 * N)
    assert abs(x.mean().item() - m) < 5 * se_mean + 0.01
    assert abs(x.std().item() - s) < 5 * se_std + 0.01


# ---------------------------------------------------------------- the 2-D denoiser


def test_time_embedding_matches_the_formula() -> None:
    t = torch.tensor([0.0, 1.0, 37.0, 100.0])
    emb = time_embedding(t, 8)
    for i, ti in enumerate(t.tolist()):
        freqs = [10000 ** (-k / 4) for k in range(4)]
        expected = [math.sin(ti * w) for w in freqs] + [math.cos(ti * w) for w in freqs]
        np.testing.assert_allclose(emb[i].numpy(), expected, rtol=1e-12, atol=1e-12)
    assert time_embedding(torch.tensor([3, 5]), 6).dtype == torch.float64


def test_denoiser_2d_parameters_and_shapes() -> None:
    model = Denoiser2D()
    names = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert names == point_mlp_shapes()  # what the grader expects
    out = model(torch.randn(5, 2), torch.tensor([1, 2, 3, 50, 100]))
    assert out.shape == (5, 2) and out.dtype == torch.float64


def test_train_diffusion_2d_learns_two_moons() -> None:
    """One seed of the graded task: closer to held-out moons than a Gaussian fit is."""
    rng = np.random.default_rng(0)
    X, held_out = two_moons(2000, rng), two_moons(1000, rng)
    model = train_diffusion_2d(torch.tensor(X, dtype=torch.float32), seed=0)
    assert not model.training and next(model.parameters()).dtype == torch.float32
    x = sample(model, (1000, 2), torch.Generator().manual_seed(0), cosine_betas(T_2D),
               dtype=torch.float32)  # fmt: skip
    assert energy_distance(x.numpy(), held_out) < 0.1
