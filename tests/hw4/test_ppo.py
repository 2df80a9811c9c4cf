"""hw4's PPO loss against independent oracles (float64): the log-probabilities and
entropies against torch.distributions.Categorical, the loss against a per-element Python
loop over the batch, ratio = 1 against -mean(A), the gradient of the clipped surrogate
(zero exactly where clipping is active, the unclipped gradient elsewhere) against a
per-element derivation, and advantage normalization against numpy's statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.distributions import Categorical

from hw4.ppo import categorical_logprob_entropy, ppo_loss

pytestmark = pytest.mark.usefixtures("torch_float64")


def _batch(N: int, seed: int, spread: float = 0.5) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    old = -torch.rand(N, generator=g) * 2
    return {
        "new_logprobs": old + spread * torch.randn(N, generator=g),
        "old_logprobs": old,
        "advantages": torch.randn(N, generator=g),
        "values": torch.randn(N, generator=g),
        "returns": torch.randn(N, generator=g),
        "entropy": torch.rand(N, generator=g),
    }


def _loop_loss(
    b: dict[str, torch.Tensor], clip_eps: float, vf_coef: float, ent_coef: float
) -> tuple[float, float, float, float]:
    """The loss term by term with Python floats, one element at a time."""
    new, old = b["new_logprobs"].tolist(), b["old_logprobs"].tolist()
    adv, v, ret, ent = (b[k].tolist() for k in ("advantages", "values", "returns", "entropy"))
    N = len(new)
    surrogate, squared = 0.0, 0.0
    for i in range(N):
        ratio = math.exp(new[i] - old[i])
        clipped = min(max(ratio, 1 - clip_eps), 1 + clip_eps)
        surrogate += min(ratio * adv[i], clipped * adv[i])
        squared += (v[i] - ret[i]) ** 2
    policy, value, entropy = -surrogate / N, 0.5 * squared / N, sum(ent) / N
    return policy + vf_coef * value - ent_coef * entropy, policy, value, entropy


def test_logprob_and_entropy_match_torch_distributions() -> None:
    g = torch.Generator().manual_seed(0)
    logits = 3 * torch.randn(7, 5, generator=g)
    actions = torch.randint(0, 5, (7,), generator=g)
    logprobs, entropy = categorical_logprob_entropy(logits, actions)
    dist = Categorical(logits=logits)
    assert logprobs.shape == entropy.shape == (7,)
    torch.testing.assert_close(logprobs, dist.log_prob(actions))
    torch.testing.assert_close(entropy, dist.entropy())


def test_logprob_and_entropy_are_finite_for_extreme_logits() -> None:
    logits = torch.tensor([[0.0, -1000.0, 5.0], [800.0, 0.0, 0.0]], dtype=torch.float32)
    actions = torch.tensor([1, 0])
    logits.requires_grad_(True)
    logprobs, entropy = categorical_logprob_entropy(logits, actions)
    assert torch.isfinite(logprobs).all() and torch.isfinite(entropy).all()
    torch.testing.assert_close(
        logprobs[0], torch.tensor(-1005.0, dtype=torch.float32), rtol=1e-5, atol=1e-3
    )
    assert entropy[1].abs() < 1e-6
    (logprobs.sum() + entropy.sum()).backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("clip_eps", [0.1, 0.2])
def test_loss_matches_a_per_element_loop(seed: int, clip_eps: float) -> None:
    b = _batch(64, seed)
    got = ppo_loss(**b, clip_eps=clip_eps, vf_coef=0.5, ent_coef=0.01)
    expected = _loop_loss(b, clip_eps, 0.5, 0.01)
    assert len(got) == 4 and all(t.shape == () for t in got)
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, torch.tensor(e))


def test_batch_has_elements_clipped_on_both_sides() -> None:
    """The batch of the loop test exercises every branch of the min."""
    b = _batch(64, 0)
    ratio = torch.exp(b["new_logprobs"] - b["old_logprobs"])
    A = b["advantages"]
    assert ((ratio > 1.2) & (A > 0)).any() and ((ratio < 0.8) & (A < 0)).any()
    assert ((ratio > 1.2) & (A < 0)).any() and ((ratio < 0.8) & (A > 0)).any()


def test_ratio_one_gives_minus_mean_advantage() -> None:
    b = _batch(32, 5)
    b["new_logprobs"] = b["old_logprobs"].clone()
    total, policy, value, entropy = ppo_loss(**b, clip_eps=0.2, vf_coef=0.0, ent_coef=0.0)
    torch.testing.assert_close(policy, -b["advantages"].mean())
    torch.testing.assert_close(total, policy)


def test_value_loss_is_halved_and_entropy_is_a_bonus() -> None:
    b = _batch(16, 6)
    b["new_logprobs"] = b["old_logprobs"].clone()
    b["advantages"] = torch.zeros(16)
    b["values"], b["returns"] = torch.full((16,), 3.0), torch.full((16,), 1.0)
    b["entropy"] = torch.full((16,), 0.7)
    total, policy, value, entropy = ppo_loss(**b, clip_eps=0.2, vf_coef=0.25, ent_coef=0.1)
    torch.testing.assert_close(value, torch.tensor(2.0))  # 0.5 * (3 - 1)^2
    torch.testing.assert_close(entropy, torch.tensor(0.7))
    torch.testing.assert_close(total, torch.tensor(0.25 * 2.0 - 0.1 * 0.7))


def test_gradient_is_zero_exactly_where_clipping_is_active() -> None:
    """d(policy_loss)/d(new_logprob_i) = -ratio_i A_i / N where the unclipped term is the
    min (inside the band, or outside it on the side where clipping would help), and 0
    where it is not: A > 0 with ratio > 1 + eps, A < 0 with ratio < 1 - eps."""
    b = _batch(200, 7, spread=0.6)
    eps = 0.2
    new = b["new_logprobs"].clone().requires_grad_(True)
    _, policy, _, _ = ppo_loss(**dict(b, new_logprobs=new), clip_eps=eps, vf_coef=0.5, ent_coef=0.0)
    (grad,) = torch.autograd.grad(policy, new)
    ratio = torch.exp(b["new_logprobs"] - b["old_logprobs"]).tolist()
    A = b["advantages"].tolist()
    N = len(A)
    expected = []
    clipped_count = 0
    for r, a in zip(ratio, A, strict=True):
        active = (a > 0 and r > 1 + eps) or (a < 0 and r < 1 - eps)
        clipped_count += active
        expected.append(0.0 if active else -r * a / N)
    assert 20 < clipped_count < 180  # both kinds of elements are present
    torch.testing.assert_close(grad, torch.tensor(expected))


def test_value_and_entropy_gradients() -> None:
    b = _batch(10, 8)
    values = b["values"].clone().requires_grad_(True)
    entropy = b["entropy"].clone().requires_grad_(True)
    total, *_ = ppo_loss(
        **dict(b, values=values, entropy=entropy), clip_eps=0.2, vf_coef=0.5, ent_coef=0.01
    )
    dv, de = torch.autograd.grad(total, (values, entropy))
    torch.testing.assert_close(dv, 0.5 * (b["values"] - b["returns"]) / 10)
    torch.testing.assert_close(de, torch.full((10,), -0.01 / 10))


def test_normalized_advantages_use_the_unbiased_std() -> None:
    b = _batch(40, 9)
    b["advantages"] = 5.0 + 3.0 * b["advantages"]
    A = b["advantages"].numpy()
    normalized = (A - A.mean()) / (A.std(ddof=1) + 1e-8)
    expected = _loop_loss(dict(b, advantages=torch.from_numpy(normalized)), 0.2, 0.5, 0.01)
    got = ppo_loss(**b, clip_eps=0.2, vf_coef=0.5, ent_coef=0.01, normalize_advantages=True)
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, torch.tensor(e))
    # and the default does not normalize
    plain = ppo_loss(**b, clip_eps=0.2, vf_coef=0.5, ent_coef=0.01)
    assert not torch.allclose(plain[1], got[1])
    assert np.isfinite(normalized).all()


def test_float32_stays_float32() -> None:
    b = {k: v.float() for k, v in _batch(8, 10).items()}
    out = ppo_loss(**b, clip_eps=0.2, vf_coef=0.5, ent_coef=0.01, normalize_advantages=True)
    assert all(t.dtype == torch.float32 for t in out)
