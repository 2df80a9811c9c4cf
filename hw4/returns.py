"""Returns and advantages of a batch of environment steps: Monte-Carlo reward-to-go and
generalized advantage estimation (GAE; Schulman et al., 2016).

A batch. T steps of one or more episodes laid end to end in the order they were played
(a rollout buffer of one environment): step t saw the state s_t, took an action, got the
reward r_t and produced the observation s_{t+1}. An episode ends at a step t in one of two
ways, and the difference matters:

    terminated[t]  the episode reached a terminal state (the pole fell, the agent fell in a
                   hole). Nothing follows it: the value of a terminal state is 0.
    truncated[t]   the episode was cut off by a time limit (or the batch ran out). The
                   state s_{t+1} is an ordinary state the agent could have gone on from:
                   its value V(s_{t+1}) is NOT 0, and the estimate bootstraps with it.

done_t = terminated_t or truncated_t. The step after a done step belongs to another
episode (the environment was reset): no return or advantage flows across that boundary.

Reward-to-go (Monte Carlo, no value function). The discounted sum of the rewards from
step t to the end of t's episode,

    G_t = sum_{k = t .. end of t's episode} gamma^(k - t) r_k,

so that G_t = r_t + gamma * G_{t+1} within an episode and G_t = r_t at its last step.

GAE. With a value function V, the TD error of step t is

    delta_t = r_t + gamma * (1 - terminated_t) * V(s_{t+1}) - V(s_t),

and the advantage is the lambda-weighted sum of the TD errors that follow within the
episode,

    A_t = sum_{k = t .. end of t's episode} (gamma * lam)^(k - t) delta_k,

equivalently A_t = delta_t + gamma * lam * (1 - done_t) * A_{t+1}, with A_T = 0 beyond the
last step of the batch. The value targets are the returns A_t + V(s_t). lam = 0 gives the
one-step TD error; lam = 1 gives the reward-to-go bootstrapped, when the episode was
truncated, with the value of its final observation (``next_values`` at its last step),
minus V(s_t).

Shapes: every argument and result is (T,); masks are bool. Results have the dtype and
device of the rewards. A backward loop over the T steps is fine; no loop over episodes
beyond it.
"""

from __future__ import annotations

import torch


def reward_to_go(rewards: torch.Tensor, dones: torch.Tensor, gamma: float) -> torch.Tensor:
    """The Monte-Carlo return G_t of each step (the module docstring): the discounted sum
    of the rewards from t to the end of t's episode, nothing beyond it (no bootstrap).

    Inputs:  rewards (T,) float; dones (T,) bool, True at the LAST step of an episode
             (terminated or truncated); gamma the discount in [0, 1].
    Returns: (T,), the dtype and device of ``rewards``.
    """
    # BEGIN SOLUTION: backward over t, G = r_t + gamma * (1 - done_t) * G_{t+1}
    returns = torch.zeros_like(rewards)
    not_done = (~dones.bool()).to(rewards.dtype)  # (T,)
    running = torch.zeros((), dtype=rewards.dtype, device=rewards.device)
    for t in range(rewards.shape[0] - 1, -1, -1):
        running = rewards[t] + gamma * not_done[t] * running
        returns[t] = running
    return returns
    # END SOLUTION


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    truncated: torch.Tensor,
    gamma: float,
    lam: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized advantage estimates and value targets of a batch of steps (the module
    docstring's definitions).

    Inputs:  rewards (T,) float; values (T,), V(s_t); next_values (T,), V(s_{t+1}) of the
             observation step t produced (for a truncated step the episode's final
             observation, not the next episode's first); terminated (T,) bool;
             truncated (T,) bool; gamma in [0, 1]; lam in [0, 1]. Within an episode
             next_values[t] = values[t + 1] (the same state); use ``next_values``.
    Returns: (advantages (T,), returns (T,) = advantages + values), the dtype and device
             of ``rewards``. Targets need no gradient: pass detached values.
    """
    # BEGIN SOLUTION: vectorized deltas, then A_t = delta_t + gamma lam (1 - done_t) A_{t+1}
    term = terminated.bool()
    not_term = (~term).to(rewards.dtype)  # (T,)
    not_done = (~(term | truncated.bool())).to(rewards.dtype)  # (T,)
    deltas = rewards + gamma * not_term * next_values - values  # (T,)
    advantages = torch.zeros_like(deltas)
    running = torch.zeros((), dtype=deltas.dtype, device=deltas.device)
    for t in range(deltas.shape[0] - 1, -1, -1):
        running = deltas[t] + gamma * lam * not_done[t] * running
        advantages[t] = running
    return advantages, advantages + values
    # END SOLUTION
