"""hw4's VAE against independent oracles (float64): the reparameterized draw's mean and
standard deviation by Monte Carlo, the closed-form KL against torch.distributions and a
Monte-Carlo estimate, the Bernoulli log-likelihood against torch.distributions.Bernoulli,
the negative ELBO assembled from those, the held-out evaluation against a loop over its
draws, and the reference recipe against an independent-pixel model on held-out digits."""

from __future__ import annotations

import time

import pytest
import torch
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

from dlkit.data import digits, train_test_indices
from hw4.vae import (
    VAE,
    bernoulli_log_likelihood,
    gaussian_kl,
    held_out_negative_elbo,
    negative_elbo,
    reparameterize,
    train_vae,
)

pytestmark = pytest.mark.usefixtures("torch_float64")


def _gaussian(N: int = 5, d: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(N, d, generator=g), torch.randn(N, d, generator=g)


def test_a_draw_has_the_posteriors_mean_and_standard_deviation() -> None:
    mu, logvar = torch.tensor([1.5, -2.0, 0.0]), torch.tensor([0.0, -3.0, 2.0])
    K = 200_000
    eps = torch.randn(K, 3, generator=torch.Generator().manual_seed(1))
    z = reparameterize(mu, logvar, eps)  # (K, 3)
    assert z.shape == (K, 3)
    std = torch.exp(0.5 * logvar)
    se = std / K**0.5  # the standard error of the sample mean
    assert torch.all((z.mean(0) - mu).abs() < 5 * se)
    assert torch.all((z.std(0) / std - 1).abs() < 5 / (2 * K) ** 0.5)


def test_a_draw_is_differentiable_in_mu_and_logvar() -> None:
    mu, logvar = _gaussian()
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    eps = torch.randn(5, 3, generator=torch.Generator().manual_seed(2))
    z = reparameterize(mu, logvar, eps)
    dmu, dlogvar = torch.autograd.grad(z.sum(), (mu, logvar))
    torch.testing.assert_close(dmu, torch.ones(5, 3))
    torch.testing.assert_close(dlogvar, 0.5 * torch.sqrt(logvar.exp()) * eps)
    # k draws per example broadcast
    assert reparameterize(mu, logvar, torch.zeros(4, 5, 3)).shape == (4, 5, 3)


def test_kl_matches_torch_distributions() -> None:
    mu, logvar = _gaussian(N=7, d=4)
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros(7, 4), torch.ones(7, 4)), 1)
    kl = gaussian_kl(mu, logvar)
    assert kl.shape == (7,)
    torch.testing.assert_close(kl, kl_divergence(q, p))
    assert torch.all(gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3)) == 0)


def test_kl_matches_a_monte_carlo_estimate() -> None:
    mu, logvar = torch.tensor([[0.5, -1.0]]), torch.tensor([[-0.5, 0.7]])
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros(1, 2), torch.ones(1, 2)), 1)
    torch.manual_seed(3)
    z = q.sample((200_000,))  # (K, 1, 2)
    terms = q.log_prob(z) - p.log_prob(z)  # (K, 1)
    estimate, se = terms.mean(0), terms.std(0) / len(terms) ** 0.5
    assert torch.all((gaussian_kl(mu, logvar) - estimate).abs() < 5 * se)


def test_log_likelihood_matches_bernoulli_log_prob() -> None:
    g = torch.Generator().manual_seed(4)
    logits = 3 * torch.randn(6, 64, generator=g)
    binary = (torch.rand(6, 64, generator=g) < 0.5).double()
    gray = torch.randint(0, 17, (6, 64), generator=g) / 16.0  # the digits' scale
    for x in (binary, gray):
        expected = Bernoulli(logits=logits, validate_args=False).log_prob(x).sum(-1)
        ll = bernoulli_log_likelihood(logits, x)
        assert ll.shape == (6,)
        torch.testing.assert_close(ll, expected)
    by_hand = (binary * torch.log(torch.sigmoid(logits))).sum(-1) + (
        (1 - binary) * torch.log(1 - torch.sigmoid(logits))
    ).sum(-1)
    torch.testing.assert_close(bernoulli_log_likelihood(logits, binary), by_hand)


def test_log_likelihood_is_stable_for_large_logits_in_float32() -> None:
    logits = torch.tensor([[-200.0, 200.0, -40.0, 40.0]], dtype=torch.float32)
    x = torch.tensor([[1.0, 0.0, 1.0, 0.5]], dtype=torch.float32)
    ll = bernoulli_log_likelihood(logits, x)
    assert torch.isfinite(ll).all()
    # log sigma(-200) = -200, log(1 - sigma(200)) = -200, log sigma(-40) = -40, then -20
    torch.testing.assert_close(
        ll, torch.tensor([-460.0], dtype=torch.float32), rtol=1e-6, atol=1e-3
    )


def test_negative_elbo_assembles_the_batch_mean() -> None:
    mu, logvar = _gaussian(N=4, d=3)
    g = torch.Generator().manual_seed(5)
    logits, x = torch.randn(4, 64, generator=g), torch.rand(4, 64, generator=g)
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros(4, 3), torch.ones(4, 3)), 1)
    ll = Bernoulli(logits=logits, validate_args=False).log_prob(x).sum(-1)
    loss = negative_elbo(x, logits, mu, logvar)
    assert loss.shape == ()
    torch.testing.assert_close(loss, (kl_divergence(q, p) - ll).mean())


EXPECTED_PARAMETERS = {
    "enc_fc.weight": (128, 64),
    "enc_fc.bias": (128,),
    "enc_mu.weight": (8, 128),
    "enc_mu.bias": (8,),
    "enc_logvar.weight": (8, 128),
    "enc_logvar.bias": (8,),
    "dec_fc.weight": (128, 8),
    "dec_fc.bias": (128,),
    "dec_out.weight": (64, 128),
    "dec_out.bias": (64,),
}


def test_the_vae_has_the_documented_parameters_and_forward() -> None:
    torch.manual_seed(6)
    model = VAE()
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == EXPECTED_PARAMETERS
    x, eps = torch.rand(5, 64), torch.randn(5, 8)
    logits, mu, logvar = model(x, eps)
    assert logits.shape == (5, 64) and mu.shape == logvar.shape == (5, 8)
    h = torch.relu(x @ model.enc_fc.weight.T + model.enc_fc.bias)
    torch.testing.assert_close(mu, h @ model.enc_mu.weight.T + model.enc_mu.bias)
    torch.testing.assert_close(logvar, h @ model.enc_logvar.weight.T + model.enc_logvar.bias)
    z = mu + torch.exp(logvar / 2) * eps
    hz = torch.relu(z @ model.dec_fc.weight.T + model.dec_fc.bias)
    torch.testing.assert_close(logits, hz @ model.dec_out.weight.T + model.dec_out.bias)


def test_held_out_negative_elbo_averages_its_draws() -> None:
    torch.manual_seed(7)
    model, X = VAE(latent_dim=3, hidden=16), torch.rand(10, 64)
    value = held_out_negative_elbo(model, X, torch.Generator().manual_seed(8), samples=4)
    eps = torch.randn(4, 10, 3, generator=torch.Generator().manual_seed(8))
    with torch.no_grad():
        per_draw = [negative_elbo(X, *model(X, eps[s])) for s in range(4)]
    assert isinstance(value, float)
    assert value == pytest.approx(float(sum(per_draw)) / 4, rel=1e-12)


def test_the_reference_recipe_beats_independent_pixels_on_held_out_digits() -> None:
    torch.set_default_dtype(torch.float32)  # the model trains in float32
    images, _ = digits()
    X = torch.tensor(images / 16.0, dtype=torch.float32)
    train, test = train_test_indices(len(X), 0.2, seed=0)
    history: list[float] = []
    start = time.perf_counter()
    model = train_vae(X[train], seed=0, history=history)
    seconds = time.perf_counter() - start
    assert len(history) >= 2 and history[-1] < history[0]
    nats = held_out_negative_elbo(model, X[test], torch.Generator().manual_seed(9), samples=8)
    p = X[train].mean(0).clamp(1e-4, 1 - 1e-4)  # the best model of independent pixels
    x = X[test]
    independent = float(-(x * p.log() + (1 - x) * (1 - p).log()).sum(1).mean())
    # measured: 24.1-24.5 nats over 10 splits and seeds; independent pixels 27.0
    assert nats < 25.0 < independent - 1.0, (nats, independent)
    assert seconds < 60
