"""FrozenLake as transition tables: the trusted side of the tabular reinforcement-learning
cases (their simulator and the exact value of a policy are in `hw4.cases.lake`).

The lake is gymnasium's ``FrozenLake-v1``: an n x n grid of tiles, S = n * n states
numbered row by row from the start tile 0 (top left), A = 4 actions (0 left, 1 down,
2 right, 3 up). On a slippery lake the agent moves in the intended direction or in one
of the two perpendicular ones, each with probability 1/3; on a non-slippery lake it
moves as intended. Stepping onto the goal pays reward 1; every other step pays 0.
Holes and the goal end the episode.

The tables, read from the environment's own ``env.unwrapped.P``:

    P[s, a, s2]  the probability of moving from s to s2 under action a  (S, A, S)
    R[s, a, s2]  the expected reward of that transition                 (S, A, S)
    terminal[s]  whether s ends the episode (a hole or the goal)        (S,)

gymnasium encodes a terminal state as one that moves to itself with probability 1 and
reward 0 under every action, so the Bellman equations need no special case for it: its
value is 0 for any discount below 1.

gymnasium is imported on first use (the students' files take arrays and never import it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

ACTIONS = 4  # left, down, right, up


def random_map(size: int, seed: int, frozen: float = 0.8) -> list[str]:
    """A random ``size`` x ``size`` lake from gymnasium's generator, each tile frozen
    with probability ``frozen``, redrawn until the goal is reachable; start top left,
    goal bottom right. The same ``seed`` gives the same map.

    Returns: the rows of the map as strings of 'S', 'F', 'H', 'G'.
    """
    from gymnasium.envs.toy_text.frozen_lake import generate_random_map

    return list(generate_random_map(size=size, p=frozen, seed=seed))


def make_env(
    map_name: str = "4x4",
    is_slippery: bool = True,
    desc: list[str] | None = None,
    max_episode_steps: int = 100,
) -> Any:
    """gymnasium's ``FrozenLake-v1`` with the named map (``"4x4"`` or ``"8x8"``) or the
    given rows ``desc`` (which win over ``map_name``), cut off after
    ``max_episode_steps`` steps (gymnasium's default 100)."""
    import gymnasium as gym

    return gym.make(
        "FrozenLake-v1",
        desc=desc,
        map_name=map_name,
        is_slippery=is_slippery,
        max_episode_steps=max_episode_steps,
    )


def frozenlake_tables(
    map_name: str = "4x4", is_slippery: bool = True, desc: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The transition tables of the lake (the module docstring), from gymnasium's own
    model of it.

    Returns: P (S, A, S) float64, each P[s, a] summing to 1; R (S, A, S) float64, the
             expected reward of each transition (0 where P is 0); terminal (S,) bool.
    """
    env = make_env(map_name, is_slippery, desc)
    model = env.unwrapped.P  # {s: {a: [(prob, s2, reward, terminated), ...]}}
    S, A = len(model), len(model[0])
    P = np.zeros((S, A, S))
    reward_mass = np.zeros((S, A, S))  # sum of prob * reward over the entries of each s2
    terminal = np.zeros(S, dtype=bool)
    letters = np.asarray(env.unwrapped.desc).reshape(-1)  # (S,) bytes
    for s in range(S):
        terminal[s] = letters[s] in (b"H", b"G")
        for a in range(A):
            # gymnasium may list the same s2 several times (slipping into a wall)
            for prob, s2, reward, _ in model[s][a]:
                P[s, a, s2] += prob
                reward_mass[s, a, s2] += prob * reward
    env.close()
    R = np.divide(reward_mass, P, out=np.zeros_like(P), where=P > 0)
    return P, R, terminal
