"""Tabular reinforcement learning on a finite Markov decision process: dynamic programming
with a known model (value iteration, policy evaluation, policy iteration) and model-free
Q-learning from interaction.

The model. S states, A actions, given as tables (the grader reads them from gymnasium's
FrozenLake; nothing here imports gymnasium):

    P[s, a, s2]  the probability of moving from s to s2 under action a   (S, A, S)
    R[s, a, s2]  the expected reward of that transition                  (S, A, S)

A terminal state (a hole or the goal of the lake) is encoded the way gymnasium encodes
it: every action moves it to itself with probability 1 and reward 0. So the equations
below need no special case for it: its value is 0 for any discount gamma < 1.

The values of a deterministic policy pi (an (S,) array of actions) with discount gamma:

    Q^pi(s, a) = sum_{s2} P[s, a, s2] (R[s, a, s2] + gamma V^pi(s2)),
    V^pi(s)    = Q^pi(s, pi(s)),

and of an optimal policy (the Bellman optimality equation):

    V*(s) = max_a sum_{s2} P[s, a, s2] (R[s, a, s2] + gamma V*(s2)).

Greedy policies break ties between actions of (numerically) equal value by taking the
LOWEST action index among those within TIE_TOL of the best (``greedy`` below, given);
so a state where all actions are worth the same, a terminal one, gets action 0.

Shapes: V (S,) float64, Q (S, A) float64, a policy (S,) int64. numpy only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TIE_TOL = 1e-9  # actions within this of a state's best value count as tied

# A simulator step: (state, action) -> (next state, reward, terminated).
Step = Callable[[int, int], tuple[int, float, bool]]


def greedy(Q: np.ndarray) -> np.ndarray:
    """The greedy policy of action values Q (S, A): in each state the lowest-index action
    among those within TIE_TOL of the state's maximum. Returns (S,) int64."""
    best = Q.max(axis=1, keepdims=True)  # (S, 1)
    return np.asarray(np.argmax(Q >= best - TIE_TOL, axis=1), dtype=np.int64)


def q_values(P: np.ndarray, R: np.ndarray, V: np.ndarray, gamma: float) -> np.ndarray:
    """One-step lookahead: Q(s, a) = sum_{s2} P[s, a, s2] (R[s, a, s2] + gamma V(s2)) for
    every state and action at once.

    Inputs:  P (S, A, S), R (S, A, S), V (S,), gamma in [0, 1).
    Returns: Q (S, A).
    """
    # BEGIN SOLUTION: expected reward plus discounted value of the next state, summed over s2
    return np.asarray(np.einsum("ijk,ijk->ij", P, R + gamma * V))  # (S, A)
    # END SOLUTION


def value_iteration(
    P: np.ndarray, R: np.ndarray, gamma: float, tol: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    """Value iteration: from V_0 = 0, apply the Bellman optimality backup
    V_{k+1}(s) = max_a Q_k(s, a) (Q_k the one-step lookahead of V_k) until
    max_s |V_{k+1}(s) - V_k(s)| < tol.

    Inputs:  P (S, A, S), R (S, A, S), gamma in [0, 1), tol > 0.
    Returns: V (S,), the last iterate V_{k+1}; policy (S,) int64, the greedy policy
             (``greedy``) of the one-step lookahead of that V.
    """
    # BEGIN SOLUTION: synchronous backups of the whole table until the largest change < tol
    V = np.zeros(P.shape[0])
    while True:
        V_next = q_values(P, R, V, gamma).max(axis=1)  # (S,)
        done = np.max(np.abs(V_next - V)) < tol
        V = V_next
        if done:
            return V, greedy(q_values(P, R, V, gamma))
    # END SOLUTION


def policy_evaluation(P: np.ndarray, R: np.ndarray, policy: np.ndarray, gamma: float) -> np.ndarray:
    """The exact value V^pi of a deterministic policy: the solution of the linear system
    (I - gamma P_pi) V = r_pi, where P_pi[s, s2] = P[s, pi(s), s2] and
    r_pi[s] = sum_{s2} P_pi[s, s2] R[s, pi(s), s2]. (Solve it; do not iterate.)

    Inputs:  P (S, A, S), R (S, A, S), policy (S,) int in [0, A), gamma in [0, 1).
    Returns: V (S,).
    """
    # BEGIN SOLUTION: pick each state's row with fancy indexing, then np.linalg.solve
    states = np.arange(P.shape[0])
    P_pi = P[states, policy]  # (S, S)
    r_pi = np.einsum("ij,ij->i", P_pi, R[states, policy])  # (S,)
    return np.linalg.solve(np.eye(P.shape[0]) - gamma * P_pi, r_pi)
    # END SOLUTION


def policy_iteration(P: np.ndarray, R: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Policy iteration: from the policy that takes action 0 everywhere, evaluate the
    policy exactly (`policy_evaluation`), replace it by the greedy policy (``greedy``) of
    the one-step lookahead of its values, and stop when that leaves it unchanged. (Use
    ``greedy``: actions whose values are equal but for rounding must not swap forever.)

    Inputs:  P (S, A, S), R (S, A, S), gamma in [0, 1).
    Returns: V (S,), the values of the final policy; policy (S,) int64.
    """
    # BEGIN SOLUTION: evaluate, improve, until the improvement changes nothing
    policy = np.zeros(P.shape[0], dtype=np.int64)
    while True:
        V = policy_evaluation(P, R, policy, gamma)
        improved = greedy(q_values(P, R, V, gamma))
        if np.array_equal(improved, policy):
            return V, policy
        policy = improved
    # END SOLUTION


def q_learning(
    step: Step,
    n_states: int,
    n_actions: int,
    start: int,
    episodes: int,
    alpha: float,
    gamma: float,
    epsilon: float,
    rng: np.random.Generator,
    max_steps: int = 100,
) -> np.ndarray:
    """Tabular Q-learning with epsilon-greedy exploration, learned from a simulator.

    ``step(s, a)`` plays action a in state s and returns (s2, r, terminated): the next
    state, the reward and whether s2 is terminal. It owns its own randomness; ``rng`` is
    for exploration only.

    Q starts at zeros (S, A). Each of ``episodes`` episodes starts in ``start`` and runs
    until a step returns terminated = True or ``max_steps`` steps have been played (the
    episode is then truncated). Each step, in this order:

      1. choose the action: draw u = rng.random(); if u < epsilon explore,
         a = int(rng.integers(n_actions)); otherwise a = int(np.argmax(Q[s])) (exact ties
         to the lowest index). ``rng`` is drawn from nowhere else, so the same calls
         give the same Q exactly;
      2. s2, r, terminated = step(s, a);
      3. update Q[s, a] += alpha * (target - Q[s, a]), where target = r if terminated,
         else r + gamma * max_a2 Q[s2, a2] (also on the last step of a truncated
         episode: s2 is not terminal, only the time ran out);
      4. s = s2.

    Inputs:  step as above; n_states S; n_actions A; start in [0, S); episodes >= 0;
             alpha in (0, 1]; gamma in [0, 1]; epsilon in [0, 1]; rng a numpy Generator;
             max_steps >= 1.
    Returns: Q (S, A) float64.
    """
    # BEGIN SOLUTION: epsilon-greedy action, one simulator step, the TD update toward the target
    Q = np.zeros((n_states, n_actions))
    for _ in range(episodes):
        s = start
        for _ in range(max_steps):
            if rng.random() < epsilon:
                a = int(rng.integers(n_actions))
            else:
                a = int(np.argmax(Q[s]))
            s2, r, terminated = step(s, a)
            target = r if terminated else r + gamma * Q[s2].max()
            Q[s, a] += alpha * (target - Q[s, a])
            if terminated:
                break
            s = s2
    return Q
    # END SOLUTION
