"""The loss of proximal policy optimization (PPO; Schulman et al., 2017) for a policy over
discrete actions, with the conventions of CleanRL's ``ppo.py`` but for one: the value loss
is not clipped (CleanRL's ``--clip-vloss`` off).

A batch of N steps was collected with the old policy pi_old; for each step we know the
action a_t, its log-probability under pi_old, an advantage estimate A_t (e.g. from
`hw4.returns.gae`) and a value target R_t (the returns). The current policy pi_theta and
value function V_theta are being trained on that batch for several epochs.

The probability ratio of a step is

    rho_t = pi_theta(a_t | s_t) / pi_old(a_t | s_t)
          = exp(log pi_theta(a_t | s_t) - log pi_old(a_t | s_t)),

and the clipped surrogate objective (to be maximized) is

    L_clip = mean_t min(rho_t A_t, clip(rho_t, 1 - eps, 1 + eps) A_t).

The loss, minimized, combines three terms:

    policy_loss  = -L_clip
    value_loss   = 0.5 * mean_t (V_theta(s_t) - R_t)^2        (halved, not clipped)
    entropy_mean = mean_t H(pi_theta(. | s_t))
    total        = policy_loss + vf_coef * value_loss - ent_coef * entropy_mean

(the entropy is a bonus: more entropy, lower loss). Advantage normalization, when asked
for, standardizes the batch's advantages before anything else: (A - mean(A)) /
(std(A) + 1e-8), with torch's default (unbiased, N - 1) standard deviation.

Shapes: N steps, K actions. Everything runs on the device and dtype of its inputs; the
old log-probabilities, advantages and returns are constants (detached by the caller).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

ADV_EPS = 1e-8  # added to the standard deviation when normalizing advantages


def categorical_logprob_entropy(
    logits: torch.Tensor, actions: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The log-probability of the taken actions and the entropy of the categorical
    distributions pi(k) = softmax(logits)_k, differentiable in the logits.

    Compute from log-softmax, not from the log of softmax (which is -inf for a logit far
    below the others): H = -sum_k pi(k) log pi(k).

    Inputs:  logits (N, K); actions (N,) int64 in [0, K).
    Returns: logprobs (N,) = log pi(actions), entropy (N,) >= 0.
    """
    # BEGIN SOLUTION: log_softmax once; gather the actions; the entropy from it
    logp = F.log_softmax(logits, dim=-1)  # (N, K)
    logprobs = logp.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)  # (N,)
    entropy = -(logp.exp() * logp).sum(dim=-1)  # (N,)
    return logprobs, entropy
    # END SOLUTION


def ppo_loss(
    new_logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    values: torch.Tensor,
    returns: torch.Tensor,
    entropy: torch.Tensor,
    clip_eps: float,
    vf_coef: float,
    ent_coef: float,
    normalize_advantages: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """PPO's loss on a batch (the module docstring's definitions).

    Inputs:  new_logprobs (N,), log pi_theta(a_t | s_t), differentiable; old_logprobs (N,);
             advantages (N,); values (N,), V_theta(s_t), differentiable; returns (N,);
             entropy (N,), H(pi_theta(. | s_t)), differentiable; clip_eps > 0;
             vf_coef >= 0; ent_coef >= 0; normalize_advantages: standardize the
             advantages of this batch first (N >= 2: the unbiased std).
    Returns: (total, policy_loss, value_loss, entropy_mean), each a scalar (0-dim).
    """
    # BEGIN SOLUTION: the ratio, the pessimistic min of the two surrogates, the three terms
    if normalize_advantages:
        advantages = (advantages - advantages.mean()) / (advantages.std() + ADV_EPS)
    ratio = torch.exp(new_logprobs - old_logprobs)  # (N,)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1.0 - clip_eps, 1.0 + clip_eps) * advantages
    policy_loss = -torch.min(unclipped, clipped).mean()
    value_loss = 0.5 * ((values - returns) ** 2).mean()
    entropy_mean = entropy.mean()
    total = policy_loss + vf_coef * value_loss - ent_coef * entropy_mean
    return total, policy_loss, value_loss, entropy_mean
    # END SOLUTION
