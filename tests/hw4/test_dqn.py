"""hw4's DQN against independent oracles (float64 where values are compared): the targets
against loops over the batch, Double DQN's choice of action by the online network on a
case where the two networks disagree, the Huber loss against its piecewise formula, the
replay buffer's wrap-around and uniform draws (a chi-square test), the exploration
schedule and rule, and the reference recipe judged by dlkit's rollouts on seeds it never
saw (20 training seeds in the calibration)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from dlkit.rollouts import greedy_return
from hw4.cases.cartpole import make_env_factory
from hw4.dqn import (
    QNetwork,
    ReplayBuffer,
    double_dqn_targets,
    dqn_targets,
    epsilon_greedy,
    epsilon_schedule,
    greedy_episodes,
    td_loss,
)

ENV = "CartPole-v1"


def _batch(seed: int, B: int = 9, A: int = 3) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    rewards = torch.randn(B, generator=g, dtype=torch.float64)
    online = torch.randn(B, A, generator=g, dtype=torch.float64)
    target = torch.randn(B, A, generator=g, dtype=torch.float64)
    terminated = torch.rand(B, generator=g) < 0.3
    terminated[0], terminated[1] = True, False
    return rewards, online, target, terminated


def test_dqn_targets_match_a_loop() -> None:
    r, _, target, term = _batch(0)
    y = dqn_targets(r, target, term, 0.9)
    expected = [
        float(r[i]) + (0.0 if term[i] else 0.9 * max(target[i].tolist())) for i in range(len(r))
    ]
    torch.testing.assert_close(y, torch.tensor(expected, dtype=torch.float64))
    assert not y.requires_grad


def test_double_dqn_targets_match_a_loop() -> None:
    r, online, target, term = _batch(1)
    y = double_dqn_targets(r, online, target, term, 0.95)
    expected = []
    for i in range(len(r)):
        row = online[i].tolist()
        choice = row.index(max(row))
        expected.append(float(r[i]) + (0.0 if term[i] else 0.95 * float(target[i, choice])))
    torch.testing.assert_close(y, torch.tensor(expected, dtype=torch.float64))


def test_double_dqn_values_the_online_choice_with_the_target_network() -> None:
    """The online network prefers action 0, the target network action 1: Double DQN's
    target takes the target network's value of action 0 (2.0), DQN's its maximum (5.0)."""
    r = torch.tensor([1.0], dtype=torch.float64)
    online = torch.tensor([[3.0, -1.0]], dtype=torch.float64)
    target = torch.tensor([[2.0, 5.0]], dtype=torch.float64)
    alive = torch.tensor([False])
    torch.testing.assert_close(
        double_dqn_targets(r, online, target, alive, 0.5), torch.tensor([2.0], dtype=torch.float64)
    )
    torch.testing.assert_close(
        dqn_targets(r, target, alive, 0.5), torch.tensor([3.5], dtype=torch.float64)
    )
    dead = torch.tensor([True])
    torch.testing.assert_close(double_dqn_targets(r, online, target, dead, 0.5), r)


def test_targets_carry_no_gradient_into_the_networks() -> None:
    r, online, target, term = _batch(2)
    online.requires_grad_(True)
    target.requires_grad_(True)
    assert not dqn_targets(r, target, term, 0.9).requires_grad
    assert not double_dqn_targets(r, online, target, term, 0.9).requires_grad


def test_td_loss_is_the_huber_loss_of_the_taken_actions() -> None:
    g = torch.Generator().manual_seed(3)
    q = (3 * torch.randn(50, 3, generator=g, dtype=torch.float64)).requires_grad_(True)
    actions = torch.randint(3, (50,), generator=g)
    targets = (3 * torch.randn(50, generator=g, dtype=torch.float64)).requires_grad_(True)
    loss = td_loss(q, actions, targets)
    diffs = [float(q[i, actions[i]] - targets[i]) for i in range(50)]
    assert any(abs(d) < 1 for d in diffs) and any(abs(d) > 1 for d in diffs)
    manual = np.mean([0.5 * d * d if abs(d) < 1 else abs(d) - 0.5 for d in diffs])
    assert loss.shape == ()
    assert float(loss) == pytest.approx(manual, rel=1e-12)
    loss.backward()
    assert targets.grad is None or bool((targets.grad == 0).all())
    grad = np.zeros((50, 3))
    for i, d in enumerate(diffs):
        grad[i, int(actions[i])] = np.clip(d, -1, 1) / 50
    np.testing.assert_allclose(q.grad.numpy(), grad, atol=1e-12)


def test_the_epsilon_schedule_is_linear_between_its_endpoints() -> None:
    assert epsilon_schedule(0, 1.0, 0.05, 1000) == pytest.approx(1.0)
    assert epsilon_schedule(500, 1.0, 0.05, 1000) == pytest.approx(0.525)
    assert epsilon_schedule(1000, 1.0, 0.05, 1000) == pytest.approx(0.05)
    assert epsilon_schedule(10**6, 1.0, 0.05, 1000) == pytest.approx(0.05)
    values = [epsilon_schedule(s, 0.8, 0.1, 100) for s in range(0, 101, 10)]
    assert np.allclose(np.diff(values), -0.07)


def test_epsilon_greedy_makes_the_stated_draws() -> None:
    q = torch.tensor([0.1, 2.0, -1.0])
    rng = np.random.default_rng(0)
    assert all(epsilon_greedy(q, 0.0, rng) == 1 for _ in range(20))
    got = [epsilon_greedy(q, 0.3, np.random.default_rng(s)) for s in range(200)]
    expected = []
    for s in range(200):
        r = np.random.default_rng(s)
        expected.append(int(r.integers(3)) if r.random() < 0.3 else 1)
    assert got == expected
    counts = np.bincount([epsilon_greedy(q, 1.0, rng) for _ in range(3000)], minlength=3)
    assert stats.chisquare(counts).pvalue > 1e-3


def _fill(buffer: ReplayBuffer, n: int) -> None:
    for k in range(n):
        buffer.add(np.full(2, k), k % 3, float(k), np.full(2, k + 0.5), k % 2 == 0)


def test_the_buffer_wraps_around_and_overwrites_the_oldest() -> None:
    buffer = ReplayBuffer(5, 2)
    _fill(buffer, 3)
    assert len(buffer) == 3
    _fill(buffer, 0)
    buffer = ReplayBuffer(5, 2)
    _fill(buffer, 7)  # transitions 5 and 6 overwrite slots 0 and 1
    assert len(buffer) == 5
    np.testing.assert_array_equal(buffer.rewards, [5, 6, 2, 3, 4])
    np.testing.assert_array_equal(buffer.obs[:, 0], [5, 6, 2, 3, 4])
    np.testing.assert_array_equal(buffer.next_obs[:, 1], [5.5, 6.5, 2.5, 3.5, 4.5])
    np.testing.assert_array_equal(buffer.terminated, [False, True, True, False, True])


def test_the_buffer_samples_as_stated_and_uniformly() -> None:
    buffer = ReplayBuffer(10, 2)
    _fill(buffer, 14)  # slots hold transitions 10..13, 4..9
    obs, actions, rewards, next_obs, terminated = buffer.sample(6, np.random.default_rng(1))
    idx = np.random.default_rng(1).integers(0, 10, size=6)
    np.testing.assert_array_equal(rewards.numpy(), buffer.rewards[idx])
    np.testing.assert_array_equal(actions.numpy(), buffer.actions[idx])
    np.testing.assert_array_equal(next_obs.numpy(), buffer.next_obs[idx])
    np.testing.assert_array_equal(terminated.numpy(), buffer.terminated[idx])
    assert obs.shape == (6, 2) and obs.dtype == torch.float32 and actions.dtype == torch.int64
    assert terminated.dtype == torch.bool
    _, _, rewards, _, _ = buffer.sample(20_000, np.random.default_rng(2))
    counts = np.array([(rewards.numpy() == r).sum() for r in range(4, 14)])
    assert counts.sum() == 20_000
    assert stats.chisquare(counts).pvalue > 1e-3  # 10 slots, equally likely
    partial = ReplayBuffer(10, 2)
    _fill(partial, 4)
    _, _, rewards, _, _ = partial.sample(1000, np.random.default_rng(3))
    assert set(rewards.tolist()) == {0.0, 1.0, 2.0, 3.0}  # only the filled slots


def test_the_q_network_has_the_documented_parameters() -> None:
    shapes = {k: tuple(v.shape) for k, v in QNetwork(4, 2, 64).state_dict().items()}
    assert shapes == {
        "fc1.weight": (64, 4),
        "fc1.bias": (64,),
        "fc2.weight": (64, 64),
        "fc2.bias": (64,),
        "out.weight": (2, 64),
        "out.bias": (2,),
    }
    assert QNetwork()(torch.zeros(7, 4)).shape == (7, 2)


def test_greedy_episodes_agree_with_the_judge() -> None:
    torch.manual_seed(0)
    q = QNetwork().float()
    make = make_env_factory(ENV)
    envs = [make() for _ in range(4)]
    for env, s in zip(envs, range(4), strict=True):
        env.reset(seed=s)  # the next reset continues the seeded generator
    mine = greedy_episodes(envs, q)
    for env, s in zip(envs, range(4), strict=True):
        env.reset(seed=s)
    again = greedy_episodes(envs, q)
    np.testing.assert_array_equal(mine, again)
    _, judged = greedy_return(q, ENV, [0, 1, 2, 3])
    assert judged.shape == (4,) and np.all(judged >= 8)
