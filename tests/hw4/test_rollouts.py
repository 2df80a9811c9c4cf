"""dlkit.rollouts, the trusted judge of the reinforcement-learning cases: strict loading
of weights, greedy returns against a plain one-episode-at-a-time loop, the disguise
against the plain environment, the training-record checks, and what cheap non-learning
policies score (they must fall far short of any target)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from dlkit.rollouts import (
    greedy_return,
    history_problem,
    load_strict,
    progress_problem,
    training_progress,
)
from hw4.cases.cartpole import Disguise, make_env_factory

ENV = "CartPole-v1"
SEEDS = list(range(100, 110))


def _loop_return(policy, seed: int, max_steps: int = 500) -> float:
    """One greedy episode, step by step, straight from gymnasium."""
    env = gym.make(ENV)
    obs, _ = env.reset(seed=seed)
    total = 0.0
    for _ in range(max_steps):
        obs, reward, terminated, truncated, _ = env.step(policy(obs))
        total += float(reward)
        if terminated or truncated:
            break
    return total


def _controller(obs: np.ndarray) -> int:
    """A hand-written CartPole controller: push toward the side the pole falls to."""
    return int(obs[2] + 0.5 * obs[3] > 0)


def _linear(weight: list[float]) -> nn.Module:
    """A network whose greedy action is that of ``_controller``-like linear rules:
    scores (0, w . obs)."""
    net = nn.Linear(4, 2)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[0.0] * 4, weight]))
        net.bias.zero_()
    return net


def test_load_strict_loads_exact_weights_and_names_every_problem() -> None:
    source, target = nn.Linear(3, 2), nn.Linear(3, 2)
    state = {k: v.numpy().copy() for k, v in source.state_dict().items()}
    loaded = load_strict(target, state)
    assert not loaded.training
    torch.testing.assert_close(loaded.weight, source.weight, rtol=0, atol=0)
    with pytest.raises(ValueError, match=r"missing bias \(2,\)"):
        load_strict(nn.Linear(3, 2), {"weight": state["weight"]})
    with pytest.raises(ValueError, match="unexpected extra"):
        load_strict(nn.Linear(3, 2), {**state, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"weight has shape \(3, 2\), expected \(2, 3\)"):
        load_strict(nn.Linear(3, 2), {**state, "weight": state["weight"].T})
    with pytest.raises(ValueError, match="bias holds NaN"):
        load_strict(nn.Linear(3, 2), {**state, "bias": np.array([0.0, np.nan])})


def test_greedy_return_matches_a_plain_episode_loop() -> None:
    net = _linear([0.0, 0.1, 1.0, 0.3])  # a decent but imperfect linear rule
    mean, returns = greedy_return(net, ENV, SEEDS)
    expected = [_loop_return(lambda o: int(0.1 * o[1] + o[2] + 0.3 * o[3] > 0), s) for s in SEEDS]
    np.testing.assert_array_equal(returns, expected)
    assert mean == pytest.approx(np.mean(expected))
    _, capped = greedy_return(_controller, ENV, SEEDS[:3], max_steps=50)
    np.testing.assert_array_equal(capped, [_loop_return(_controller, s, 50) for s in SEEDS[:3]])


def test_a_disguise_relabels_observations_and_actions() -> None:
    disguise = Disguise((2, 0, 3, 1), (-1.0, 1.0, 1.0, -1.0), (1, 0))
    plain, hidden = gym.make(ENV), disguise.wrap(gym.make(ENV))
    obs, _ = plain.reset(seed=3)
    seen, _ = hidden.reset(seed=3)
    np.testing.assert_array_equal(seen, obs[[2, 0, 3, 1]] * np.array([-1, 1, 1, -1]))
    for a in (0, 1, 1, 0):
        obs, *_ = plain.step(disguise.actions[a])
        seen, *_ = hidden.step(a)
        np.testing.assert_array_equal(seen, disguise.observe(obs))


def test_a_policy_does_as_well_in_a_disguise_seen_through_it() -> None:
    rng = np.random.default_rng(0)
    for _ in range(3):
        d = Disguise.draw(rng)
        inverse = np.argsort(d.perm)
        back = {act: a for a, act in enumerate(d.actions)}

        def disguised(seen: np.ndarray, d: Disguise = d, inverse=inverse, back=back) -> int:
            obs = (seen * np.asarray(d.sign))[inverse]  # the plain observation
            return back[_controller(obs)]

        _, plain = greedy_return(_controller, ENV, SEEDS)
        _, hidden = greedy_return(disguised, ENV, SEEDS, disguise=d)
        np.testing.assert_array_equal(hidden, plain)


def test_a_hand_written_controller_fails_when_the_actions_are_swapped() -> None:
    _, plain = greedy_return(_controller, ENV, SEEDS)
    assert plain.min() == 500
    swapped = Disguise((0, 1, 2, 3), (1.0,) * 4, (1, 0))
    mean, _ = greedy_return(_controller, ENV, SEEDS, disguise=swapped)
    assert mean < 15


def test_make_env_factory_makes_fresh_disguised_environments() -> None:
    d = Disguise.draw(np.random.default_rng(1))
    make = make_env_factory(ENV, d)
    a, b = make(), make()
    assert a is not b
    np.testing.assert_array_equal(a.reset(seed=5)[0], b.reset(seed=5)[0])
    plain_obs, _ = gym.make(ENV).reset(seed=5)
    np.testing.assert_array_equal(a.reset(seed=5)[0], d.observe(plain_obs))


def _history(returns: list[float]) -> list[tuple[int, float]]:
    steps = np.cumsum(returns)
    return [(int(s), float(r)) for s, r in zip(steps, returns, strict=True)]


def test_training_records_are_checked() -> None:
    rising = _history([20.0] * 10 + [100.0] * 80 + [400.0] * 10)
    assert history_problem(rising) is None
    assert training_progress(rising) == (20.0, 400.0)
    assert progress_problem(rising, margin=100) is None
    flat = _history([30.0] * 100)
    assert "do not improve" in str(progress_problem(flat, margin=100))
    assert "at least 10" in str(history_problem(_history([10.0] * 5)))
    assert "one (env_steps" in str(history_problem([[1, 2, 3]]))
    assert "one (env_steps" in str(history_problem("rising"))
    inflated = [(s, 2 * r) for s, r in rising]  # more than one reward per step
    assert "more than one reward" in str(history_problem(inflated))
    backwards = list(reversed(rising))
    assert "increase" in str(history_problem(backwards))
    assert "more than 300" in str(history_problem(rising, max_return=300))


def test_cheap_policies_score_far_below_any_target() -> None:
    """Random, constant and typical untrained-network policies over the judge's kind of
    seeds (measured: random about 22, always-left or -right about 9; untrained networks:
    median 9.6 over 200 initializations of each network)."""
    from hw4.dqn import QNetwork
    from hw4.reinforce import PolicyMLP

    rng = np.random.default_rng(0)
    random_mean, _ = greedy_return(lambda o: int(rng.integers(2)), ENV, SEEDS)
    left, _ = greedy_return(lambda o: 0, ENV, SEEDS)
    right, _ = greedy_return(lambda o: 1, ENV, SEEDS)
    assert random_mean < 40 and left < 15 and right < 15, (random_mean, left, right)
    untrained = []
    for seed in range(20):
        torch.manual_seed(seed)
        for net in (PolicyMLP(), QNetwork()):
            untrained.append(greedy_return(net, ENV, SEEDS)[0])
    assert np.median(untrained) < 15 and sum(u >= 150 for u in untrained) <= 1, untrained


def test_random_search_over_initializations_finds_a_perfect_policy() -> None:
    """The weakness of any CartPole target judged on weights alone: about 1 in 200 fresh
    PolicyMLP initializations (seed 4 of 0..199; 1 of 200 QNetworks reaches 152) already
    balances the pole for 500 steps greedily, so trying initializations until one does
    passes in seconds. The weights cannot tell it from REINFORCE: the training record
    and the function-level cases are what stand against it."""
    from hw4.reinforce import PolicyMLP

    found = None
    for seed in range(10):
        torch.manual_seed(seed)
        net = PolicyMLP()
        if greedy_return(net, ENV, SEEDS[:3])[0] == 500:
            found = seed
            break
    assert found == 4
    torch.manual_seed(found)
    assert greedy_return(PolicyMLP(), ENV, list(range(10_000, 10_010)))[0] >= 400
