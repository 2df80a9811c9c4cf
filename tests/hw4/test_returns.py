"""hw4's reward-to-go and GAE against independent oracles (float64): explicit per-episode
sums written with Python loops over the episodes found in the batch, GAE with lam = 1
against the bootstrapped reward-to-go minus the values and with lam = 0 against the TD
errors, and batches that tell apart the three episode-boundary bugs (bootstrapping a
terminated step, not bootstrapping a truncated one, advantages leaking across episodes)."""

from __future__ import annotations

import pytest
import torch

from hw4.returns import gae, reward_to_go

pytestmark = pytest.mark.usefixtures("torch_float64")


def _episodes(dones: list[bool]) -> list[list[int]]:
    """The step indices of each episode of a batch (the last may run past the batch)."""
    episodes, current = [], []
    for t, done in enumerate(dones):
        current.append(t)
        if done:
            episodes.append(current)
            current = []
    if current:
        episodes.append(current)
    return episodes


def _brute_rtg(rewards: list[float], dones: list[bool], gamma: float) -> list[float]:
    out = [0.0] * len(rewards)
    for episode in _episodes(dones):
        for i, t in enumerate(episode):
            out[t] = sum(gamma ** (k - i) * rewards[episode[k]] for k in range(i, len(episode)))
    return out


def _brute_gae(
    rewards: list[float],
    values: list[float],
    next_values: list[float],
    terminated: list[bool],
    truncated: list[bool],
    gamma: float,
    lam: float,
) -> list[float]:
    """A_t as the (gamma lam)-weighted sum of the TD errors of t's episode from t on."""
    T = len(rewards)
    delta = [
        rewards[t] + (0.0 if terminated[t] else gamma * next_values[t]) - values[t]
        for t in range(T)
    ]
    dones = [terminated[t] or truncated[t] for t in range(T)]
    out = [0.0] * T
    for episode in _episodes(dones):
        for i, t in enumerate(episode):
            out[t] = sum(
                (gamma * lam) ** (k - i) * delta[episode[k]] for k in range(i, len(episode))
            )
    return out


def _batch(T: int, seed: int, p_end: float = 0.2) -> dict[str, torch.Tensor]:
    """A random batch: rewards, values, next values, and disjoint termination and
    truncation masks (a step is never both)."""
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(T, generator=g)
    kind = torch.rand(T, generator=g)
    ends = u < p_end
    return {
        "rewards": torch.randn(T, generator=g),
        "values": torch.randn(T, generator=g),
        "next_values": torch.randn(T, generator=g),
        "terminated": ends & (kind < 0.5),
        "truncated": ends & (kind >= 0.5),
    }


def _lists(b: dict[str, torch.Tensor]) -> dict[str, list]:
    return {k: v.tolist() for k, v in b.items()}


@pytest.mark.parametrize("seed", range(4))
def test_reward_to_go_matches_per_episode_sums(seed: int) -> None:
    b = _batch(40, seed)
    dones = b["terminated"] | b["truncated"]
    gamma = 0.9
    got = reward_to_go(b["rewards"], dones, gamma)
    assert got.shape == (40,) and got.dtype == torch.float64
    expected = _brute_rtg(b["rewards"].tolist(), dones.tolist(), gamma)
    torch.testing.assert_close(got, torch.tensor(expected))


def test_reward_to_go_small_case_by_hand() -> None:
    rewards = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    dones = torch.tensor([False, True, False, False, False])
    got = reward_to_go(rewards, dones, 0.5)
    # episode 1: [1 + 0.5 * 2, 2]; episode 2 (cut off by the batch): [3 + 2 + 1.25, 4 + 2.5, 5]
    torch.testing.assert_close(got, torch.tensor([2.0, 2.0, 6.25, 6.5, 5.0]))


def test_reward_to_go_keeps_float32_and_does_not_change_inputs() -> None:
    rewards = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float32)
    dones = torch.tensor([False, False, True])
    before = rewards.clone()
    got = reward_to_go(rewards, dones, 0.99)
    assert got.dtype == torch.float32
    assert torch.equal(rewards, before)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("lam", [0.0, 0.5, 0.95, 1.0])
def test_gae_matches_per_episode_sums_of_td_errors(seed: int, lam: float) -> None:
    b = _batch(50, seed + 10)
    gamma = 0.97
    adv, ret = gae(**b, gamma=gamma, lam=lam)
    assert adv.shape == ret.shape == (50,)
    expected = torch.tensor(_brute_gae(**_lists(b), gamma=gamma, lam=lam))
    torch.testing.assert_close(adv, expected)
    torch.testing.assert_close(ret, expected + b["values"])


def test_gae_lambda_zero_is_the_td_error() -> None:
    b = _batch(30, 3)
    gamma = 0.9
    adv, _ = gae(**b, gamma=gamma, lam=0.0)
    delta = b["rewards"] + gamma * (~b["terminated"]) * b["next_values"] - b["values"]
    torch.testing.assert_close(adv, delta)


def test_gae_lambda_one_is_bootstrapped_reward_to_go_minus_values() -> None:
    """With lam = 1 the TD errors telescope within an episode when next_values[t] is
    values[t + 1] (the same state): A_t is the return of the rest of the episode,
    bootstrapped with V of the final observation where the episode was truncated (or the
    batch ran out), minus V(s_t). The oracle: the brute-force reward-to-go of the rewards
    with gamma * V(final observation) added to the last reward of each truncated episode."""
    b = _batch(60, 4)
    gamma = 0.95
    dones = b["terminated"] | b["truncated"]
    # consistent values: V(s_{t+1}) is the next step's V(s_t) unless the episode ended at t
    b["next_values"] = torch.where(dones, b["next_values"], b["values"].roll(-1))
    b["next_values"][-1] = 3.0  # the batch cuts the last episode: it bootstraps from here
    cut = b["truncated"].clone()
    cut[-1] = not bool(b["terminated"][-1])
    bootstrapped = b["rewards"] + gamma * cut * b["next_values"]
    rtg = torch.tensor(_brute_rtg(bootstrapped.tolist(), (dones | cut).tolist(), gamma))
    adv, ret = gae(**b, gamma=gamma, lam=1.0)
    torch.testing.assert_close(adv, rtg - b["values"])
    torch.testing.assert_close(ret, rtg)


def _two_episode_batch() -> dict[str, torch.Tensor]:
    """Episode 1 (steps 0-2) is truncated, episode 2 (steps 3-5) terminates. Rewards 1;
    values 0 except V(s_3) = 100, the first state of episode 2, which must not leak into
    episode 1; next values 0 except at the two last steps: 10 for the final observation
    of the truncated episode (bootstrapped) and 10 for the terminal observation (what a
    value network might say about it, to be ignored)."""
    return {
        "rewards": torch.ones(6),
        "values": torch.tensor([0.0, 0.0, 0.0, 100.0, 0.0, 0.0]),
        "next_values": torch.tensor([0.0, 0.0, 10.0, 0.0, 0.0, 10.0]),
        "terminated": torch.tensor([False, False, False, False, False, True]),
        "truncated": torch.tensor([False, False, True, False, False, False]),
    }


def _loop_gae(
    b: dict[str, torch.Tensor], gamma: float, lam: float, bootstrap: str, cut: str
) -> torch.Tensor:
    """GAE by a plain loop, with the bootstrap mask ("not terminated" is right) and the
    recursion's cut ("done" is right) as options, to write the plausible bugs."""
    masks = {
        "not terminated": ~b["terminated"],
        "not done": ~(b["terminated"] | b["truncated"]),
        "always": torch.ones(6, dtype=torch.bool),
    }
    keep = masks[bootstrap].tolist()
    go_on = masks[cut].tolist()
    r, v, nv = b["rewards"].tolist(), b["values"].tolist(), b["next_values"].tolist()
    out, running = [0.0] * 6, 0.0
    for t in reversed(range(6)):
        delta = r[t] + (gamma * nv[t] if keep[t] else 0.0) - v[t]
        running = delta + (gamma * lam * running if go_on[t] else 0.0)
        out[t] = running
    return torch.tensor(out)


def test_gae_termination_does_not_bootstrap_and_truncation_does() -> None:
    b = _two_episode_batch()
    adv, ret = gae(**b, gamma=0.5, lam=1.0)
    # episode 1: deltas [1, 1, 1 + 0.5 * 10]; A = [3, 4, 6]
    # episode 2: deltas [1 - 100, 1, 1] (terminal: no bootstrap); A = [-98.25, 1.5, 1]
    torch.testing.assert_close(adv, torch.tensor([3.0, 4.0, 6.0, -98.25, 1.5, 1.0]))
    torch.testing.assert_close(ret, adv + b["values"])


@pytest.mark.parametrize(
    ("bootstrap", "cut", "bug"),
    [
        ("always", "not done", "bootstraps a terminated step"),
        ("not done", "not done", "does not bootstrap a truncated step"),
        ("not terminated", "not terminated", "leaks A across a truncation"),
        ("not terminated", "always", "leaks A across every episode boundary"),
    ],
)
def test_gae_two_episode_batch_catches_each_boundary_bug(
    bootstrap: str, cut: str, bug: str
) -> None:
    b = _two_episode_batch()
    for lam in (1.0, 0.9):
        right = _loop_gae(b, 0.5, lam, "not terminated", "not done")
        wrong = _loop_gae(b, 0.5, lam, bootstrap, cut)
        got, _ = gae(**b, gamma=0.5, lam=lam)
        torch.testing.assert_close(got, right)
        assert (wrong - right).abs().max() > 0.5, bug


def test_gae_on_float32_keeps_dtype() -> None:
    b = {k: (v.float() if v.is_floating_point() else v) for k, v in _batch(20, 5).items()}
    adv, ret = gae(**b, gamma=0.99, lam=0.95)
    assert adv.dtype == ret.dtype == torch.float32
