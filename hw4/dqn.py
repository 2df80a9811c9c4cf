"""Deep Q-learning (DQN; Mnih et al., 2015) and Double DQN (van Hasselt et al., 2016) on
CartPole.

Q-learning. A network Q(s, .) gives one value per action; the greedy policy takes the
argmax. Transitions (s, a, r, s', terminated) played by an epsilon-greedy policy go into
a replay buffer; minibatches drawn uniformly from it regress Q(s, a) onto the targets

    DQN:         y = r + gamma * (1 - terminated) * max_a' Q_target(s', a')
    Double DQN:  y = r + gamma * (1 - terminated) * Q_target(s', argmax_a' Q_online(s', a'))

where Q_target is a copy of the online network Q_online that lags behind it (refreshed
from it now and then) and the targets are constants (no gradient flows into them). Double
DQN chooses the next action with the online network and values it with the target
network: one network's noise no longer both picks and scores the maximum, which lowers
the overestimation of max_a' Q.

Truncation. A CartPole episode ends when the pole falls (terminated) or after 500 steps
(truncated). Only termination zeroes the bootstrap: a truncated transition stores
terminated = False and its real next observation s' (the episode's final observation),
and its target bootstraps from Q_target(s', .) as any other, because the state s' could
have been played on.

Loss. The Huber loss (``F.smooth_l1_loss`` with beta = 1, mean over the batch) between
Q_online(s, a) and y: quadratic for errors below 1, linear beyond, so rare large TD errors
do not blow up the gradient.

Shapes: B transitions of a minibatch, obs_dim = 4 and A = 2 actions for CartPole, H
hidden units. Randomness comes from a given ``numpy.random.Generator`` (exploration,
replay draws) and from ``torch.manual_seed`` (initial weights).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

OBS_DIM = 4
N_ACTIONS = 2
HIDDEN = 64  # H

MakeEnv = Callable[[], Any]  # () -> a fresh gymnasium Env
History = list[tuple[int, float]]  # (env_steps so far, episode return), one per episode


class QNetwork(nn.Module):
    """The course's Q-network: two hidden layers of H ReLU units and a linear output of
    one action value per action,

        Q(s, .) = out(relu(fc2(relu(fc1(s)))))

    all layers nn.Linear with bias. Parameter names and shapes (the grader loads a
    ``state_dict`` into its own ``QNetwork(obs_dim, n_actions, hidden)`` by these names):

        fc1.weight  (H, obs_dim)   fc1.bias  (H,)
        fc2.weight  (H, H)         fc2.bias  (H,)
        out.weight  (A, H)         out.bias  (A,)

    Nothing else is stored. Input (N, obs_dim), output (N, A).
    """

    def __init__(self, obs_dim: int = OBS_DIM, n_actions: int = N_ACTIONS, hidden: int = HIDDEN):
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.fc2(F.relu(self.fc1(obs)))))


class ReplayBuffer:
    """A circular replay buffer of at most ``capacity`` transitions (float32 observations).

    ``add`` writes transition number k (counting from 0) into slot k % capacity: once
    full, each new transition overwrites the oldest. ``len(buffer)`` is the number of
    transitions held, min(added, capacity). ``sample`` draws B slots uniformly with
    replacement: exactly ``idx = rng.integers(0, len(self), size=B)``, one call, and
    returns the transitions in those slots in that order.
    """

    def __init__(self, capacity: int, obs_dim: int) -> None:
        self.capacity = capacity
        self.obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=bool)
        self.added = 0  # transitions added so far

    def __len__(self) -> int:
        return min(self.added, self.capacity)

    def add(
        self, obs: np.ndarray, action: int, reward: float, next_obs: np.ndarray, terminated: bool
    ) -> None:
        """Store one transition in slot (transitions added so far) % capacity."""
        # BEGIN SOLUTION: the slot, write every field, count it
        k = self.added % self.capacity
        self.obs[k] = obs
        self.actions[k] = action
        self.rewards[k] = reward
        self.next_obs[k] = next_obs
        self.terminated[k] = terminated
        self.added += 1
        # END SOLUTION

    def sample(
        self, batch_size: int, rng: np.random.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """B transitions drawn uniformly with replacement (the class docstring's draw).

        Returns: obs (B, obs_dim) float32, actions (B,) int64, rewards (B,) float32,
        next_obs (B, obs_dim) float32, terminated (B,) bool, as torch tensors.
        """
        # BEGIN SOLUTION: one integers draw over the filled slots, then index every field
        idx = rng.integers(0, len(self), size=batch_size)
        return (
            torch.from_numpy(self.obs[idx]),
            torch.from_numpy(self.actions[idx]),
            torch.from_numpy(self.rewards[idx]),
            torch.from_numpy(self.next_obs[idx]),
            torch.from_numpy(self.terminated[idx]),
        )
        # END SOLUTION


def epsilon_schedule(step: int, start: float, end: float, decay_steps: int) -> float:
    """The exploration rate at environment step ``step`` (from 0): linear from ``start``
    at step 0 to ``end`` at step ``decay_steps``, then ``end`` for ever."""
    # BEGIN SOLUTION: linear interpolation with the fraction clipped at 1
    fraction = min(step / decay_steps, 1.0) if decay_steps > 0 else 1.0
    return start + fraction * (end - start)
    # END SOLUTION


def epsilon_greedy(q_values: torch.Tensor, epsilon: float, rng: np.random.Generator) -> int:
    """An action for one state: with probability epsilon a uniformly random action, else
    the argmax of ``q_values`` (A,). The draws: ``rng.random() < epsilon`` decides, then
    (only when it is True) ``rng.integers(A)`` is the action."""
    if rng.random() < epsilon:
        return int(rng.integers(q_values.shape[-1]))
    return int(q_values.argmax())


def dqn_targets(
    rewards: torch.Tensor, next_q_target: torch.Tensor, terminated: torch.Tensor, gamma: float
) -> torch.Tensor:
    """The DQN targets y = r + gamma * (1 - terminated) * max_a' Q_target(s', a').

    Inputs:  rewards (B,), next_q_target (B, A) = Q_target(s', .), terminated (B,) bool,
             gamma.
    Returns: (B,), no gradient.
    """
    # BEGIN SOLUTION: max over actions, zeroed where terminated
    not_term = (~terminated.bool()).to(rewards.dtype)  # (B,)
    return (rewards + gamma * not_term * next_q_target.max(dim=-1).values).detach()
    # END SOLUTION


def double_dqn_targets(
    rewards: torch.Tensor,
    next_q_online: torch.Tensor,
    next_q_target: torch.Tensor,
    terminated: torch.Tensor,
    gamma: float,
) -> torch.Tensor:
    """The Double DQN targets y = r + gamma * (1 - terminated) * Q_target(s', a*), with
    a* = argmax_a' Q_online(s', a') (the lowest index on a tie, as ``torch.argmax``).

    Inputs:  rewards (B,), next_q_online (B, A) = Q_online(s', .), next_q_target (B, A) =
             Q_target(s', .), terminated (B,) bool, gamma.
    Returns: (B,), no gradient.
    """
    # BEGIN SOLUTION: choose with the online values, evaluate with the target values
    best = next_q_online.argmax(dim=-1, keepdim=True)  # (B, 1)
    not_term = (~terminated.bool()).to(rewards.dtype)  # (B,)
    return (rewards + gamma * not_term * next_q_target.gather(-1, best)[:, 0]).detach()
    # END SOLUTION


def td_loss(q_values: torch.Tensor, actions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The Huber loss (smooth L1, beta = 1, mean over the batch) between Q(s, a), the
    entries of ``q_values`` at the actions taken, and the (constant) targets.

    Inputs:  q_values (B, A) = Q_online(s, .), actions (B,) long, targets (B,).
    Returns: a scalar (0-dim tensor).
    """
    # BEGIN SOLUTION: gather Q(s, a), smooth L1 to detached targets
    taken = q_values.gather(-1, actions.long()[:, None])[:, 0]  # (B,)
    return F.smooth_l1_loss(taken, targets.detach(), beta=1.0)
    # END SOLUTION


@torch.no_grad()
def greedy_episodes(envs: list[Any], q: QNetwork) -> np.ndarray:
    """One episode in each of ``envs`` side by side, each from ``env.reset()``, with the
    greedy action of ``q`` (one batched forward pass per step over the environments still
    playing). Returns: the episodes' returns (len(envs),) float64."""
    obs = np.stack([env.reset()[0] for env in envs]).astype(np.float32)  # (K, obs_dim)
    returns = np.zeros(len(envs))
    playing = list(range(len(envs)))
    while playing:
        actions = q(torch.as_tensor(obs[playing])).argmax(dim=-1).tolist()
        still = []
        for i, action in zip(playing, actions, strict=True):
            obs[i], reward, terminated, truncated, _ = envs[i].step(action)
            returns[i] += float(reward)
            if not (terminated or truncated):
                still.append(i)
        playing = still
    return returns


def train_dqn(
    make_env: MakeEnv,
    seed: int,
    double: bool = True,
    history: History | None = None,
) -> QNetwork:
    """The graded task: train a ``QNetwork(obs_dim, n_actions)`` with DQN (Double DQN's
    targets when ``double``, DQN's otherwise), a replay buffer and a target network, in
    the environments ``make_env()`` makes, and return the online network.

    The grader judges the network: it loads the returned ``state_dict()`` into its own
    ``QNetwork``, plays it greedily (the argmax of Q) from its own episode seeds and
    requires a mean return of at least the case's target. It also checks ``history``.

    Reproducible from ``seed``: call ``torch.manual_seed(seed)`` first (initial weights),
    draw exploration and replay from ``np.random.default_rng(seed)``, and reset each
    environment you make at its first reset with a seed derived from ``seed``.

    ``history``: when a list is given, append to it after each finished training episode
    the pair (env_steps, episode_return): the total number of environment steps of
    training taken so far, this episode's included, and its undiscounted return.

    Inputs:  make_env, a function returning a fresh gymnasium Env with a Box observation
             space of shape (obs_dim,) and a Discrete(n_actions) action space; a seed;
             double; history, a list or None.
    Returns: the trained QNetwork.
    """
    # BEGIN SOLUTION: explore epsilon-greedily, replay, Huber TD steps, hard target refreshes
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    env = make_env()
    obs_dim, n_actions = int(env.observation_space.shape[0]), int(env.action_space.n)
    total_steps, learning_starts, train_every, batch_size = 30_000, 1_000, 4, 128
    target_every, decay_steps, eps_end, gamma = 250, 8_000, 0.02, 0.98
    eval_every, n_eval = 1_000, 5
    q = QNetwork(obs_dim, n_actions)
    q_target = copy.deepcopy(q)
    optimizer = torch.optim.Adam(q.parameters(), lr=2e-3)
    buffer = ReplayBuffer(total_steps, obs_dim)
    # The recipe's own greedy checks, on environments of its own: keep the best network
    # (DQN on CartPole often forgets late), stop once all of them reach the time limit.
    eval_envs = [make_env() for _ in range(n_eval)]
    for i, e in enumerate(eval_envs):
        e.reset(seed=seed + 1 + i)
    best, best_state = -1.0, copy.deepcopy(q.state_dict())
    obs, _ = env.reset(seed=seed)
    episode_return = 0.0
    for step in range(total_steps):
        epsilon = epsilon_schedule(step, 1.0, eps_end, decay_steps)
        with torch.no_grad():
            action = (
                int(rng.integers(n_actions))
                if rng.random() < epsilon  # the draws of `epsilon_greedy`, without a forward
                else int(q(torch.as_tensor(obs, dtype=torch.float32)[None]).argmax())
            )
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(obs, action, float(reward), next_obs, bool(terminated))  # truncation bootstraps
        episode_return += float(reward)
        obs = next_obs
        if terminated or truncated:
            if history is not None:
                history.append((step + 1, episode_return))
            obs, _ = env.reset()
            episode_return = 0.0
        if step >= learning_starts and step % train_every == 0:
            s, a, r, s2, term = buffer.sample(batch_size, rng)
            q_both = q(torch.cat([s, s2]))  # (2B, A): one forward pass for s and s'
            with torch.no_grad():
                next_target = q_target(s2)  # (B, A)
                if double:
                    y = double_dqn_targets(r, q_both[batch_size:], next_target, term, gamma)
                else:
                    y = dqn_targets(r, next_target, term, gamma)
            loss = td_loss(q_both[:batch_size], a, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if (step + 1) % target_every == 0:
            q_target.load_state_dict(q.state_dict())
        if step >= decay_steps and (step + 1) % eval_every == 0:
            score = float(greedy_episodes(eval_envs, q).mean())
            if score >= best:
                best, best_state = score, copy.deepcopy(q.state_dict())
            if score >= 500:
                break
    for e in [env, *eval_envs]:
        e.close()
    q.load_state_dict(best_state)
    return q.eval()
    # END SOLUTION
