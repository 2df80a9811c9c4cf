"""FrozenLake for the tabular cases of hw4 (`hw4.tabular`): the grader reads the lake's
transition tables from gymnasium (`dlkit.frozenlake`, trusted) and hands them to the case
as arrays; the case runs Q-learning against a simulator of its own over those tables; the
learned table is judged by the exact value of its greedy policy.
"""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, DataBuilder
from autograder.trained import Threshold, Weights, on_weights

GAMMA = 0.99
# Q-learning on the 4x4 slippery lake, the judged case: measured over 20 seeds
# (tests/hw4/test_tabular.py, make calibrate), the greedy policy of the reference's Q
# reaches 0.866 to 1.0 of the optimal value of the start state (18 of 20 at 0.98 or more);
# constant policies reach at most 0.083, random deterministic ones 0.22 (99th percentile).
TARGET_RATIO = 0.7
EPISODES, ALPHA, EPSILON = 5000, 0.05, 0.3


class TableSimulator:
    """A step function over the tables with its own randomness: ``step(s, a)`` draws the
    next state s2 from P[s, a] and returns (s2, R[s, a, s2], terminal[s2]).

    The draw: one ``rng.random()`` u, then the first s2 whose cumulative probability
    P[s, a, 0] + ... + P[s, a, s2] exceeds u. A deterministic row (one probability 1)
    consumes the draw all the same, so the stream depends only on the number of steps.
    """

    def __init__(
        self, P: np.ndarray, R: np.ndarray, terminal: np.ndarray, rng: np.random.Generator
    ) -> None:
        self._cdf = np.cumsum(P, axis=-1)  # (S, A, S)
        self._cdf[..., -1] = np.inf  # rounding never walks off the end
        self._R = R
        self._terminal = terminal
        self._rng = rng
        self.steps = 0

    def __call__(self, s: int, a: int) -> tuple[int, float, bool]:
        u = self._rng.random()
        s2 = int(np.searchsorted(self._cdf[s, a], u, side="right"))
        self.steps += 1
        return s2, float(self._R[s, a, s2]), bool(self._terminal[s2])


def policy_value(P: np.ndarray, R: np.ndarray, policy: np.ndarray, gamma: float) -> np.ndarray:
    """The exact discounted value of a deterministic policy, the grader's judge of a
    learned or computed one: the solution of V = r_pi + gamma P_pi V, where P_pi[s, s2] =
    P[s, policy[s], s2] and r_pi[s] = sum over s2 of P_pi[s, s2] R[s, policy[s], s2].

    Inputs:  P (S, A, S), R (S, A, S), policy (S,) int in [0, A), gamma in [0, 1).
    Returns: V (S,) float64.
    """
    policy = np.asarray(policy, dtype=np.int64)
    states = np.arange(P.shape[0])
    P_pi = P[states, policy]  # (S, S)
    r_pi = (P_pi * R[states, policy]).sum(axis=-1)  # (S,)
    return np.linalg.solve(np.eye(P.shape[0]) - gamma * P_pi, r_pi)


def lakes(*maps: tuple[str, str | int, bool]) -> DataBuilder:
    """A builder giving the case the tables of each lake, by name: ``(name, map, slippery)``
    with map "4x4" or "8x8" (gymnasium's), or an int n for a random n x n lake drawn from
    the case's generator. Arrays ``{name}_P``, ``{name}_R``, ``{name}_terminal``."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        from dlkit.frozenlake import frozenlake_tables, random_map

        out: Arrays = {}
        for name, layout, slippery in maps:
            if isinstance(layout, int):
                desc = random_map(layout, int(rng.integers(2**31)))
                P, R, terminal = frozenlake_tables(is_slippery=slippery, desc=desc)
            else:
                P, R, terminal = frozenlake_tables(layout, slippery)
            out.update({f"{name}_P": P, f"{name}_R": R, f"{name}_terminal": terminal})
        return out, {}

    return build


def tables(data: Arrays, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P, R and terminal of lake ``name`` from the case's data."""
    return data[f"{name}_P"], data[f"{name}_R"], data[f"{name}_terminal"]


def slippery_4x4() -> DataBuilder:
    """The judged Q-learning case's data: the 4x4 slippery lake's tables for the case, and
    for the check as well (it computes the optimal value and the greedy policy's)."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        for_case, _ = lakes(("lake", "4x4", True))(rng)
        return for_case, {"P": for_case["lake_P"], "R": for_case["lake_R"]}

    return build


def greedy_value_ratio(weights: Weights, data: Arrays) -> float:
    """V^pi(start) / V*(start), pi the greedy policy of the learned table Q (lowest index
    on ties), both exact (`dlkit.frozenlake.policy_value`; V* by policy iteration)."""
    P, R = data["P"], data["R"]
    Q = weights["Q"]
    policy = np.argmax(Q >= Q.max(axis=1, keepdims=True) - 1e-9, axis=1)
    optimal = np.zeros(P.shape[0], dtype=np.int64)
    while True:  # policy iteration, the judge's own
        V = policy_value(P, R, optimal, GAMMA)
        lookahead = np.einsum("ijk,ijk->ij", P, R + GAMMA * V)
        improved = np.argmax(lookahead >= lookahead.max(axis=1, keepdims=True) - 1e-9, axis=1)
        if np.array_equal(improved, optimal):
            break
        optimal = improved
    return float(policy_value(P, R, policy, GAMMA)[0] / V[0])


greedy_value = on_weights(
    {"Q": (16, 4)},
    greedy_value_ratio,
    Threshold(
        "value of the greedy policy of Q (share of the optimal value of the start)",
        TARGET_RATIO,
        format="{:.1%}",
        advice="check the update's target, the exploration and the tie rule",
    ),
    hint="return Q as an (S, A) array of floats",
)
