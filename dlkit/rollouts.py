"""Policy rollouts, the trusted side of the reinforcement-learning cases: the grader loads
a submission's weights strictly into the course's own network, runs it greedily in a
gymnasium environment from the grader's own seeds, and checks that the submission's
record of its training episodes rises.

Greedy. A network maps a batch of observations (N, obs_dim) to one score per action
(N, n_actions), the logits of a policy or the action values of a Q-network; the greedy
action is the argmax (the lowest index on a tie, as ``torch.argmax``). Any other policy
is a callable ``policy(obs (obs_dim,) float64 array) -> int``.

Disguise. An environment may be seen through a disguise (`hw4.cases.cartpole.Disguise`,
which lives with the cases: the worker builds the training environments with it): any
object whose ``wrap(env)`` returns the relabelled environment.

History. A training record is a sequence of (env_steps, episode_return) pairs, one per
finished training episode in the order played: env_steps the total number of
environment steps taken so far, this episode's included, and episode_return its
undiscounted sum of rewards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

Policy = nn.Module | Callable[[np.ndarray], int]


def load_strict(module: nn.Module, state: Mapping[str, Any]) -> nn.Module:
    """Load ``state`` (name -> array or tensor) into ``module`` (the course's own copy of
    the architecture) and return it in evaluation mode, or raise ValueError naming every
    missing and unexpected name and every wrong shape; NaN or infinite values are a
    ValueError too. Values are copied in the module's dtype."""
    own = module.state_dict()
    missing = [name for name in own if name not in state]
    extra = sorted(name for name in state if name not in own)
    problems = []
    if missing:
        problems.append("missing " + ", ".join(f"{n} {tuple(own[n].shape)}" for n in missing))
    if extra:
        problems.append("unexpected " + ", ".join(extra))
    tensors = {}
    for name, value in state.items():
        if name not in own:
            continue
        tensor = torch.as_tensor(np.asarray(value), dtype=own[name].dtype)
        if tuple(tensor.shape) != tuple(own[name].shape):
            problems.append(
                f"{name} has shape {tuple(tensor.shape)}, expected {tuple(own[name].shape)}"
            )
        elif not bool(torch.isfinite(tensor).all()):
            problems.append(f"{name} holds NaN or infinite values")
        tensors[name] = tensor
    if problems:
        kind = type(module).__name__
        raise ValueError(f"the weights do not fit the course's {kind}: " + "; ".join(problems))
    module.load_state_dict(tensors, strict=True)
    return module.eval()


def _act(policy: Policy, obs: np.ndarray) -> np.ndarray:
    """The greedy actions (N,) of ``policy`` for observations (N, obs_dim)."""
    if isinstance(policy, nn.Module):
        dtype = next(policy.parameters()).dtype
        with torch.no_grad():
            scores = policy(torch.as_tensor(obs, dtype=dtype))  # (N, A)
        return scores.argmax(dim=-1).numpy()
    return np.array([int(policy(o)) for o in obs], dtype=np.int64)


def greedy_return(
    policy: Policy,
    env_id: str,
    seeds: Sequence[int],
    max_steps: int = 500,
    disguise: Any = None,
) -> tuple[float, np.ndarray]:
    """Run one episode per seed with the greedy action of ``policy`` (the module
    docstring) and return (the mean return, the returns (len(seeds),) float64).

    Episode i starts from ``env.reset(seed=seeds[i])`` of a fresh ``gym.make(env_id)``
    (seen through ``disguise`` when given) and ends when the environment terminates or
    truncates it, or after ``max_steps`` steps. The episodes run side by side, one batched
    forward pass per step. A network is put in evaluation mode.
    """
    import gymnasium as gym

    if isinstance(policy, nn.Module):
        policy.eval()
    envs = [gym.make(env_id) for _ in seeds]
    if disguise is not None:
        envs = [disguise.wrap(env) for env in envs]
    obs = np.stack([env.reset(seed=int(s))[0] for env, s in zip(envs, seeds, strict=True)])
    returns = np.zeros(len(envs))
    alive = np.ones(len(envs), dtype=bool)
    for _ in range(max_steps):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        actions = _act(policy, obs[idx].astype(np.float64))
        for i, a in zip(idx, actions, strict=True):
            obs[i], reward, terminated, truncated, _ = envs[i].step(int(a))
            returns[i] += float(reward)
            alive[i] = not (terminated or truncated)
    for env in envs:
        env.close()
    return float(returns.mean()), returns


def history_problem(history: Any, max_return: float | None = None) -> str | None:
    """Why ``history`` is not a training record (the module docstring): an (E, 2) array
    of finite numbers, E >= 10 episodes, env_steps strictly increasing, each episode's
    return at least 0 and at most its length in steps (rewards of at most 1 per step, as
    in CartPole) and at most ``max_return``; None when it is."""
    h = np.asarray(history, dtype=np.float64) if _numeric(history) else None
    if h is None or h.ndim != 2 or h.shape[1] != 2:
        return "history must hold one (env_steps, episode_return) pair per training episode"
    if len(h) < 10 or not np.all(np.isfinite(h)):
        return f"history holds {len(h)} episodes of finite numbers; at least 10 are needed"
    steps, returns = h[:, 0], h[:, 1]
    lengths = np.diff(steps, prepend=0.0)
    if np.any(lengths <= 0):
        return "history's env_steps must increase from one episode to the next"
    if np.any(returns < 0) or np.any(returns > lengths + 1e-9):
        return "an episode of history returned more than one reward per step it took"
    if max_return is not None and np.any(returns > max_return + 1e-9):
        return f"an episode of history returned more than {max_return:g}"
    return None


def _numeric(history: Any) -> bool:
    try:
        np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def training_progress(history: Any, fraction: float = 0.1) -> tuple[float, float]:
    """The mean return of the first and of the last ``fraction`` of the training
    episodes of ``history`` (at least one episode each)."""
    returns = np.asarray(history, dtype=np.float64)[:, 1]
    k = max(1, int(round(fraction * len(returns))))
    return float(returns[:k].mean()), float(returns[-k:].mean())


def progress_problem(history: Any, margin: float, fraction: float = 0.1) -> str | None:
    """Why ``history`` does not show learning: it is not a training record
    (`history_problem`), or the mean return of its last ``fraction`` of episodes is not
    at least ``margin`` above that of its first; None when it shows learning."""
    problem = history_problem(history)
    if problem:
        return problem
    first, last = training_progress(history, fraction)
    if last < first + margin:
        return (
            f"the training episodes do not improve: the last {fraction:.0%} return "
            f"{last:.1f} on average, the first {first:.1f} (needs {margin:g} more)"
        )
    return None
