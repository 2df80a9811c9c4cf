"""REINFORCE (Williams, 1992) with and without a learned baseline, on CartPole.

Policy. A network maps an observation s (obs_dim,) to one logit per action; the policy
pi(a | s) is the softmax of the logits. Its gradient estimate from a batch of complete
episodes is

    grad J  ~  mean over the batch's steps t of  grad log pi(a_t | s_t) * A_t,

with A_t = G_t, the reward-to-go of step t (`hw4.returns.reward_to_go`, discount gamma),
or, with a baseline, A_t = G_t - V(s_t), where the value network V is fitted to G_t by
the mean squared error. The baseline does not change the expected gradient; it lowers
its variance. The losses are written to be *minimized* by gradient descent, the policy
loss -mean(log pi(a_t | s_t) * A_t) with the advantages held constant (no gradient flows
into A: it is a weight, not a function of the policy's parameters).

Episodes. The training function receives ``make_env``, a function that returns a fresh
gymnasium environment (the grader's CartPole-v1, possibly relabelled: rely only on
``env.observation_space.shape`` and ``env.action_space.n``). A CartPole episode ends
when the pole falls (terminated) or after 500 steps (truncated). REINFORCE uses complete
episodes and does not bootstrap: the return of a truncated episode simply stops at the
time limit (the states near step 500 look worse than they are, a small bias the method
accepts).

Shapes: N steps of a batch, obs_dim = 4 and A = 2 actions for CartPole, H hidden units.
Randomness comes from the seed given to the training function (torch.manual_seed and
the environment's first reset) or from a ``torch.Generator`` passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hw4.returns import reward_to_go

OBS_DIM = 4  # CartPole: cart position, cart velocity, pole angle, pole angular velocity
N_ACTIONS = 2  # CartPole: push left, push right
HIDDEN = 64  # H
GAMMA = 0.99

MakeEnv = Callable[[], Any]  # () -> a fresh gymnasium Env
History = list[tuple[int, float]]  # (env_steps so far, episode return), one per episode


class PolicyMLP(nn.Module):
    """The course's policy network: two hidden layers of H tanh units and a linear output
    of one logit per action,

        logits = out(tanh(fc2(tanh(fc1(s)))))

    all layers nn.Linear with bias. Parameter names and shapes (the grader loads a
    ``state_dict`` into its own ``PolicyMLP(obs_dim, n_actions, hidden)`` by these names):

        fc1.weight  (H, obs_dim)   fc1.bias  (H,)
        fc2.weight  (H, H)         fc2.bias  (H,)
        out.weight  (A, H)         out.bias  (A,)

    Nothing else is stored. Input (N, obs_dim), output the logits (N, A).
    """

    def __init__(self, obs_dim: int = OBS_DIM, n_actions: int = N_ACTIONS, hidden: int = HIDDEN):
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.out(torch.tanh(self.fc2(torch.tanh(self.fc1(obs)))))


class ValueMLP(nn.Module):
    """The baseline's value network: the same layers as `PolicyMLP` with one output,

        V(s) = out(tanh(fc2(tanh(fc1(s)))))[..., 0]

    Parameter names and shapes: fc1.weight (H, obs_dim), fc1.bias (H,), fc2.weight (H, H),
    fc2.bias (H,), out.weight (1, H), out.bias (1,). Input (N, obs_dim), output (N,).
    """

    def __init__(self, obs_dim: int = OBS_DIM, hidden: int = HIDDEN):
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.out(torch.tanh(self.fc2(torch.tanh(self.fc1(obs)))))[..., 0]


def policy_loss(
    logits: torch.Tensor, actions: torch.Tensor, advantages: torch.Tensor
) -> torch.Tensor:
    """The REINFORCE loss -mean_t(log pi(a_t | s_t) * A_t), pi = softmax(logits), with the
    advantages held constant (no gradient flows into them).

    Compute log pi from the logits with a log-softmax (stable for any logits), not as the
    log of a softmax.

    Inputs:  logits (N, A), actions (N,) long in 0..A-1, advantages (N,).
    Returns: a scalar (0-dim tensor).
    """
    # BEGIN SOLUTION: log-softmax, pick the taken actions' entries, weight by detached A
    log_probs = F.log_softmax(logits, dim=-1)  # (N, A)
    taken = log_probs.gather(-1, actions.long()[:, None])[:, 0]  # (N,)
    return -(taken * advantages.detach()).mean()
    # END SOLUTION


def value_loss(values: torch.Tensor, returns: torch.Tensor) -> torch.Tensor:
    """The baseline's regression loss mean_t((V(s_t) - G_t)^2), the returns constant.

    Inputs:  values (N,), returns (N,).
    Returns: a scalar (0-dim tensor).
    """
    # BEGIN SOLUTION: mean squared error to detached targets
    return ((values - returns.detach()) ** 2).mean()
    # END SOLUTION


def normalize(advantages: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """(A - mean(A)) / (std(A) + eps), the standard deviation with Bessel's correction
    (``torch.std``'s default): the batch's advantages on a common scale, so one learning
    rate suits returns of 10 and of 100. Needs N >= 2.

    Inputs:  advantages (N,).
    Returns: (N,).
    """
    # BEGIN SOLUTION: subtract the mean, divide by the standard deviation plus eps
    return (advantages - advantages.mean()) / (advantages.std() + eps)
    # END SOLUTION


def sample_actions(logits: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """One action per row drawn from softmax(logits): ``torch.multinomial(softmax(logits),
    1, generator=generator)``.

    Inputs:  logits (N, A); a torch.Generator or None (torch's global generator).
    Returns: (N,) long.
    """
    probs = F.softmax(logits, dim=-1)  # (N, A)
    return torch.multinomial(probs, 1, generator=generator)[:, 0]


@torch.no_grad()
def play_episodes(
    envs: list[Any],
    policy: PolicyMLP,
    generator: torch.Generator | None = None,
    greedy: bool = False,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Play one episode in each of ``envs`` side by side, each from ``env.reset()``, with
    actions sampled from ``policy`` (`sample_actions`), until every environment has
    terminated or truncated its episode. Each step runs one batched forward pass over
    the environments still playing (one call of `sample_actions` on their logits, in the
    order of ``envs``): the cost of a forward pass is spread over the batch. With
    ``greedy``, each action is the argmax of the logits instead (nothing is drawn).

    Returns: per environment, in the order of ``envs``: the observations (T, obs_dim)
    float32 the actions were chosen on, the actions (T,) int64 and the rewards (T,)
    float32 of its episode.
    """
    obs = np.stack([env.reset()[0] for env in envs]).astype(np.float32)  # (K, obs_dim)
    records: list[tuple[list[np.ndarray], list[int], list[float]]] = [([], [], []) for _ in envs]
    playing = list(range(len(envs)))
    while playing:
        logits = policy(torch.as_tensor(obs[playing]))  # (k, A)
        chosen = logits.argmax(dim=-1) if greedy else sample_actions(logits, generator)
        actions = chosen.tolist()
        still = []
        for i, action in zip(playing, actions, strict=True):
            seen, taken, rewards = records[i]
            seen.append(obs[i].copy())
            taken.append(action)
            obs[i], reward, terminated, truncated, _ = envs[i].step(action)
            rewards.append(float(reward))
            if not (terminated or truncated):
                still.append(i)
        playing = still
    return [
        (
            np.asarray(seen, dtype=np.float32),
            np.asarray(taken, dtype=np.int64),
            np.asarray(rewards, dtype=np.float32),
        )
        for seen, taken, rewards in records
    ]


def train_reinforce(
    make_env: MakeEnv,
    seed: int,
    baseline: bool = True,
    history: History | None = None,
) -> PolicyMLP:
    """The graded task: train a ``PolicyMLP(obs_dim, n_actions)`` with REINFORCE (with a
    `ValueMLP` baseline when ``baseline``, plain reward-to-go otherwise) in the
    environments ``make_env()`` makes, and return it.

    The grader judges the network, not your returns: it loads the returned policy's
    ``state_dict()`` into its own ``PolicyMLP``, plays it greedily (the argmax of the
    logits) from its own episode seeds and requires a mean return of at least the case's
    target. It also checks ``history``.

    Reproducible from ``seed``: call ``torch.manual_seed(seed)`` first (initial weights,
    action draws) and reset the first environment with ``env.reset(seed=seed)``; later
    resets take no seed (the environment's generator goes on).

    ``history``: when a list is given, append to it after each finished training episode
    the pair (env_steps, episode_return): the total number of environment steps taken
    so far, this episode's included, and the episode's undiscounted return (a float).

    Inputs:  make_env, a function returning a fresh gymnasium Env with a Box observation
             space of shape (obs_dim,) and a Discrete(n_actions) action space; a seed;
             baseline; history, a list or None.
    Returns: the trained PolicyMLP.
    """
    # BEGIN SOLUTION: seed; batches of episodes side by side; G_t, baseline, normalized A; Adam
    torch.manual_seed(seed)
    n_envs, max_steps = 8, 150_000  # episodes per update; the budget of environment steps
    envs = [make_env() for _ in range(n_envs)]
    for i, env in enumerate(envs):
        env.reset(seed=seed + i)
    obs_dim = int(envs[0].observation_space.shape[0])
    n_actions = int(envs[0].action_space.n)
    policy, value = PolicyMLP(obs_dim, n_actions), ValueMLP(obs_dim)
    policy_opt = torch.optim.Adam(policy.parameters(), lr=1e-2)
    value_opt = torch.optim.Adam(value.parameters(), lr=1e-2)
    steps = 0
    while steps < max_steps:
        batch = play_episodes(envs, policy)
        obs = torch.as_tensor(np.concatenate([b[0] for b in batch]))  # (N, obs_dim)
        actions = torch.as_tensor(np.concatenate([b[1] for b in batch]))  # (N,)
        rewards = torch.as_tensor(np.concatenate([b[2] for b in batch]))  # (N,)
        lengths = [len(b[2]) for b in batch]
        dones = torch.zeros(len(rewards), dtype=torch.bool)
        dones[np.cumsum(lengths) - 1] = True
        returns = reward_to_go(rewards, dones, GAMMA)  # (N,)
        for b in batch:
            steps += len(b[2])
            if history is not None:
                history.append((steps, float(b[2].sum())))
        advantages = returns
        if baseline:
            advantages = returns - value(obs).detach()
            value_opt.zero_grad()
            value_loss(value(obs), returns).backward()
            value_opt.step()
        policy_opt.zero_grad()
        policy_loss(policy(obs), actions, normalize(advantages)).backward()
        policy_opt.step()
        # Stop once the greedy policy (what the grader plays) lasts the whole time limit.
        if (
            np.mean(lengths) >= 450
            and min(len(b[2]) for b in play_episodes(envs, policy, greedy=True)) >= 500
        ):
            break
    for env in envs:
        env.close()
    return policy.eval()
    # END SOLUTION
