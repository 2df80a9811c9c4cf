"""CartPole for the policy cases of hw4 (`hw4.reinforce`, `hw4.dqn`): the environment the
grader hands to a training function, seen through a secret disguise, and the check that
plays the returned network greedily from the judge's own seeds (`dlkit.rollouts`).

A `Disguise` relabels an environment the way hw3 ciphers its names: the agent sees
``obs[perm] * sign`` and its action a is played as ``actions[a]``. A network trained in
the disguised environment and evaluated in the same disguise does exactly as well as in
the plain one (a permutation and sign flips of the inputs and a relabelling of the
outputs are symmetries of an MLP and of its random initialization), but a controller
written by hand for the plain environment ("push toward the side the pole leans") does
not know which coordinate is the angle, nor which action pushes right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.cases import Arrays, DataBuilder, Verdict
from autograder.outputs import Outputs
from autograder.trained import Threshold, Weights, WeightsCheck, on_weights


@dataclass(frozen=True)
class Disguise:
    """A relabelling of observations and actions (the module docstring): the agent sees
    ``obs[perm] * sign`` and its action a is played as ``actions[a]``."""

    perm: tuple[int, ...]
    sign: tuple[float, ...]
    actions: tuple[int, ...]

    @staticmethod
    def draw(rng: np.random.Generator, obs_dim: int = 4, n_actions: int = 2) -> Disguise:
        """A random disguise: a permutation of the coordinates, a random sign for each,
        a permutation of the actions (three draws from ``rng``)."""
        perm = tuple(int(i) for i in rng.permutation(obs_dim))
        sign = tuple(float(s) for s in rng.choice([-1.0, 1.0], size=obs_dim))
        actions = tuple(int(a) for a in rng.permutation(n_actions))
        return Disguise(perm, sign, actions)

    @staticmethod
    def identity(obs_dim: int = 4, n_actions: int = 2) -> Disguise:
        return Disguise(tuple(range(obs_dim)), (1.0,) * obs_dim, tuple(range(n_actions)))

    def observe(self, obs: np.ndarray) -> np.ndarray:
        """What the agent sees of the environment's observation(s) (..., obs_dim)."""
        return np.asarray(obs)[..., list(self.perm)] * np.asarray(self.sign, dtype=np.float32)

    def wrap(self, env: Any) -> Any:
        """``env`` (a gymnasium Env) seen through the disguise."""
        import gymnasium as gym

        disguise = self

        class _Observed(gym.ObservationWrapper):  # type: ignore[misc]
            def observation(self, observation: np.ndarray) -> np.ndarray:
                return np.asarray(disguise.observe(observation), dtype=observation.dtype)

        class _Acted(gym.ActionWrapper):  # type: ignore[misc]
            def action(self, action: Any) -> int:
                return disguise.actions[int(action)]

        return _Acted(_Observed(env))


def make_env_factory(
    env_id: str = "CartPole-v1", disguise: Disguise | None = None
) -> Callable[[], Any]:
    """A function that makes a fresh ``env_id`` environment (seen through ``disguise``
    when one is given) at each call: what a training function receives."""

    def make_env() -> Any:
        import gymnasium as gym

        env = gym.make(env_id)
        return env if disguise is None else disguise.wrap(env)

    return make_env


ENV_ID = "CartPole-v1"
JUDGE_EPISODES = 10
# Measured over 20 grading secrets (tests/hw4/test_trained_cases.py, make calibrate): the
# reference REINFORCE returns 312 to 500 (19 of 20 at 494 or more), the reference Double
# DQN 175 to 500 (median 373); a random policy about 22.
REINFORCE_TARGET = 250.0
DQN_TARGET = 120.0
PROGRESS_MARGIN = 20.0  # the last tenth of the training episodes above the first tenth


def disguised_cartpole() -> DataBuilder:
    """A builder giving the case (and the check) a secret `Disguise` of CartPole, as the
    arrays ``perm``, ``sign`` and ``actions``, and the check alone the seeds of its
    JUDGE_EPISODES greedy episodes."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        d = Disguise.draw(rng)
        arrays = {
            "perm": np.array(d.perm),
            "sign": np.array(d.sign),
            "actions": np.array(d.actions),
        }
        seeds = rng.integers(0, 2**31, size=JUDGE_EPISODES)
        return arrays, {**arrays, "seeds": seeds}

    return build


def disguise_of(data: Arrays) -> Disguise:
    """The `Disguise` the grader data describes."""
    return Disguise(
        tuple(int(i) for i in data["perm"]),
        tuple(float(s) for s in data["sign"]),
        tuple(int(a) for a in data["actions"]),
    )


def rising_history(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """``history`` is a training record (one (env_steps, return) pair per episode) whose
    last tenth of episodes returns at least PROGRESS_MARGIN more than its first tenth."""
    from dlkit.rollouts import progress_problem

    history = got.get("history") if isinstance(got, dict) else None
    problem = progress_problem(history, PROGRESS_MARGIN)
    return Verdict(0.0, problem) if problem else Verdict(1.0, "")


def greedy_mean_return(network: str) -> Callable[[Weights, Arrays], float]:
    """The mean return of JUDGE_EPISODES greedy episodes of the course's ``network``
    ("PolicyMLP" of hw4.reinforce or "QNetwork" of hw4.dqn) with these weights, in the
    case's disguise, from the judge's own seeds. (Trusted evaluation process.)"""

    def evaluate(weights: Weights, data: Arrays) -> float:
        from dlkit.rollouts import greedy_return, load_strict

        if network == "PolicyMLP":
            from hw4.reinforce import PolicyMLP as Net
        else:
            from hw4.dqn import QNetwork as Net
        model = load_strict(Net(), weights)
        seeds = [int(s) for s in data["seeds"]]
        return greedy_return(model, ENV_ID, seeds, disguise=disguise_of(data))[0]

    return evaluate


def _shapes(outputs: int) -> dict[str, tuple[int, ...]]:
    return {
        "fc1.weight": (64, 4),
        "fc1.bias": (64,),
        "fc2.weight": (64, 64),
        "fc2.bias": (64,),
        "out.weight": (outputs, 64),
        "out.bias": (outputs,),
    }


def _judged(network: str, target: float, advice: str, hint: str) -> WeightsCheck:
    return on_weights(
        _shapes(2),
        greedy_mean_return(network),
        Threshold("mean greedy return", target, format="{:.1f}", advice=advice),
        hint=hint,
        first=rising_history,
        apart=True,
    )


policy_rollouts = _judged(
    "PolicyMLP",
    REINFORCE_TARGET,
    "train on more episodes, check the sign of the loss and the reward-to-go",
    "return PolicyMLP() built as hw4.reinforce's docstring says",
)
q_rollouts = _judged(
    "QNetwork",
    DQN_TARGET,
    "train longer; check the targets, the target network's updates and epsilon",
    "return QNetwork() built as hw4.dqn's docstring says",
)
cartpole = disguised_cartpole()
