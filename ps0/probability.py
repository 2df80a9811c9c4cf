"""Tasks 10-13: likelihoods, information, Monte Carlo and Bayes' rule."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def gaussian_log_likelihood(x: np.ndarray, mu: float, sigma: float) -> float:
    """Task 10a. Log-likelihood of i.i.d. samples under a Gaussian N(mu, sigma^2).

    log p(x | mu, sigma) = sum_i [ -1/2 log(2 pi sigma^2) - (x_i - mu)^2 / (2 sigma^2) ]

    Inputs:  x (N,), mu a float, sigma > 0.
    Returns: a float.
    """
    # BEGIN SOLUTION: sum the log-density over samples; keep it in log space
    n = x.shape[0]
    return float(
        -0.5 * n * np.log(2.0 * np.pi * sigma**2) - np.sum((x - mu) ** 2) / (2.0 * sigma**2)
    )
    # END SOLUTION


def gaussian_mle(x: np.ndarray) -> tuple[float, float]:
    """Task 10b. Maximum-likelihood estimates of a Gaussian's mean and standard deviation.

    (mu_hat, sigma_hat) maximize ``gaussian_log_likelihood(x, mu, sigma)``: set its
    derivatives in mu and sigma to zero and solve, by hand, before writing the code.

    Inputs:  x (N,).
    Returns: (mu_hat, sigma_hat), two floats.
    """
    # BEGIN SOLUTION: the values that make both derivatives of the log-likelihood zero
    mu = float(np.mean(x))
    return mu, float(np.sqrt(np.mean((x - mu) ** 2)))
    # END SOLUTION


def entropy(p: np.ndarray) -> np.ndarray:
    """Task 11a. Shannon entropy in nats of each discrete distribution (row) of ``p``.

    H(p) = - sum_k p_k log p_k,   with the convention 0 log 0 = 0.

    Inputs:  p (..., K), rows non-negative and summing to 1.
    Returns: H, p's shape without the last axis.
    """
    # BEGIN SOLUTION: compute p log p only where p > 0 (np.where), then sum the last axis
    safe = np.where(p > 0, p, 1.0)
    return -np.sum(np.where(p > 0, p * np.log(safe), 0.0), axis=-1)
    # END SOLUTION


def kl_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Task 11b. Kullback-Leibler divergence KL(p || q) in nats, row by row.

    KL(p || q) = sum_k p_k log(p_k / q_k),   terms with p_k = 0 count 0,

    and KL is +inf when some q_k = 0 where p_k > 0. KL >= 0, with equality iff p = q.

    Inputs:  p, q (..., K), rows non-negative and summing to 1.
    Returns: KL, p's shape without the last axis (float64, possibly inf).
    """
    # BEGIN SOLUTION: mask the p_k = 0 terms; a q_k = 0 under p_k > 0 must give inf
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf is what we want
        log_ratio = np.log(np.where(p > 0, p, 1.0)) - np.log(q)
        terms = np.where(p > 0, p * log_ratio, 0.0)
    return np.sum(terms, axis=-1)
    # END SOLUTION


def monte_carlo_expectation(
    f: Callable[[np.ndarray], np.ndarray],
    sampler: Callable[[np.random.Generator, int], np.ndarray],
    n: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Task 12. Monte Carlo estimate of E[f(X)] and its standard error.

    Draw x_1..x_n with ``sampler(rng, n)`` (one call), then

    estimate = 1/n sum_i f(x_i),   standard error = s / sqrt(n),

    where s is the sample standard deviation of f(x_i) with 1/(n - 1) (``ddof=1``).
    The error of the estimate shrinks like 1/sqrt(n).

    Inputs:  f maps an array of samples to an array of values; sampler(rng, n) returns
             n samples; n >= 2; a numpy Generator.
    Returns: (estimate, standard_error), two floats.
    """
    # BEGIN SOLUTION: one call to sampler, f on all samples at once, then mean and std/sqrt(n)
    values = f(sampler(rng, n))
    return float(np.mean(values)), float(np.std(values, ddof=1) / np.sqrt(n))
    # END SOLUTION


def bayes_posterior(prior: np.ndarray, likelihood: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Task 13. Bayes' rule on a table: the posterior over K hypotheses for each of E outcomes.

    With prior P(H = k) and likelihood P(E = e | H = k):

    P(E = e) = sum_k P(E = e | H = k) P(H = k)                      (evidence)
    P(H = k | E = e) = P(E = e | H = k) P(H = k) / P(E = e)          (posterior)

    Inputs:  prior (K,) summing to 1; likelihood (K, E), each row summing to 1.
    Returns: (posterior, evidence): posterior (K, E) with columns summing to 1,
             evidence (E,).
    """
    # BEGIN SOLUTION: the joint table prior[:, None] * likelihood, its column sums, a division
    joint = prior[:, None] * likelihood  # (K, E)
    evidence = joint.sum(axis=0)  # (E,)
    return joint / evidence[None, :], evidence
    # END SOLUTION
