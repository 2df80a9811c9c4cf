"""Decoding: turning a language model's next-token logits into text. Greedy decoding,
sampling with temperature, top-k and top-p (nucleus) filtering, and beam search with
length normalization.

The model is any function ``next_logits(prefix) -> logits``: ``prefix`` is a
``torch.long`` tensor (B, T) of B token sequences of the same length T, and ``logits``
(B, V) holds, for each sequence, the unnormalized log-probabilities of the next token
over a vocabulary of V tokens (a GPT's last position, a table of numbers, ...). The
functions here call it on the whole prefix at every step (no cache) and never look
inside it.

Every function is deterministic: ties are broken by stated rules, and the only source of
randomness is the ``torch.Generator`` passed to `sample`, so a grader who seeds its own
generator the same way gets the same tokens. New tensors go on the prompt's (or the
logits') device; nothing is changed in place.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

NextLogits = Callable[[torch.Tensor], torch.Tensor]


@torch.no_grad()
def greedy(next_logits: NextLogits, prompt: torch.Tensor, steps: int) -> torch.Tensor:
    """Greedy decoding: ``steps`` times, append to every sequence its most probable next
    token, argmax_v logits[b, v] of ``next_logits`` on the sequence so far (the prompt
    and the tokens appended before).

    Ties go to the lowest token id (the rule of ``torch.argmax``, which returns the first
    maximal index).

    Inputs:  next_logits, prompt (B, T0) long, steps >= 0.
    Returns: (B, T0 + steps) long: each prompt followed by its ``steps`` new tokens.
    """
    # BEGIN SOLUTION: one call of next_logits per step on the whole batch, argmax, append
    tokens = prompt  # (B, T0)
    for _ in range(steps):
        nxt = next_logits(tokens).argmax(dim=-1, keepdim=True)  # (B, 1)
        tokens = torch.cat([tokens, nxt.to(tokens.dtype)], dim=1)  # (B, T + 1)
    return tokens
    # END SOLUTION


def _check_filters(temperature: float, top_k: int | None, top_p: float | None) -> None:
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1 or None, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1] or None, got {top_p}")


def filtered_probs(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """The distribution `sample` draws the next token from, row by row, in this order:

    1. **Temperature.** ``temperature == 0`` means greedy: the result is one-hot at the
       argmax of ``logits`` (lowest token id on ties), and steps 2-4 are skipped.
       Otherwise z = logits / temperature.
    2. **Top-k** (skipped when ``top_k`` is None or >= V). Keep every token whose z is
       >= the k-th largest value of its row: **tokens tied with the k-th value are all
       kept**, so more than k tokens may survive (the rule of nanoGPT and Hugging Face).
       Removed tokens get z = -inf.
    3. **Top-p, nucleus** (skipped when ``top_p`` is None or 1). On p = softmax(z) (the
       distribution after top-k, renormalized), list the tokens by decreasing p, equal
       probabilities by increasing token id. Keep the shortest head of this list whose
       probabilities sum to >= top_p: token i is kept **iff the sum of the probabilities
       listed before it is < top_p**. So the token that crosses top_p is kept, a head
       that reaches top_p exactly stops there, and the most probable token is always
       kept. Removed tokens get z = -inf. (top_p = 1 keeps everything: the skip makes
       sure that a rounding error in the running sum cannot drop a tiny tail.)
    4. **Renormalize**: the result is softmax(z) over the tokens that are left (removed
       ones have probability exactly 0).

    Inputs:  logits (B, V) floating point (any leading axes work: the rules act on the
             last one), temperature >= 0, top_k >= 1 or None, top_p in (0, 1] or None.
    Returns: probabilities (B, V), logits' dtype and device, each row summing to 1.
    """
    _check_filters(temperature, top_k, top_p)
    # BEGIN SOLUTION: scale, mask below the k-th value, mask after the crossing token, softmax
    if temperature == 0:
        return F.one_hot(logits.argmax(dim=-1), logits.shape[-1]).to(logits.dtype)  # (B, V)
    z = logits / temperature  # (B, V)
    if top_k is not None and top_k < z.shape[-1]:
        kth = torch.topk(z, top_k, dim=-1).values[..., -1:]  # (B, 1) the k-th largest
        z = z.masked_fill(z < kth, -math.inf)
    if top_p is not None and top_p < 1:
        probs = torch.softmax(z, dim=-1)  # (B, V)
        ranked, order = torch.sort(probs, dim=-1, descending=True, stable=True)  # ties: low id
        before = F.pad(torch.cumsum(ranked, dim=-1)[..., :-1], (1, 0))  # (B, V) mass ahead
        keep = torch.empty_like(before, dtype=torch.bool).scatter_(-1, order, before < top_p)
        z = z.masked_fill(~keep, -math.inf)
    return torch.softmax(z, dim=-1)  # (B, V)
    # END SOLUTION


@torch.no_grad()
def sample(
    next_logits: NextLogits,
    prompt: torch.Tensor,
    steps: int,
    generator: torch.Generator,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """Ancestral sampling: ``steps`` times, draw every sequence's next token from
    `filtered_probs` of ``next_logits`` on the sequence so far, and append it.

    Exactly, so that the draws can be reproduced: each step is

        probs = filtered_probs(next_logits(tokens), temperature, top_k, top_p)  # (B, V)
        nxt = torch.multinomial(probs, 1, generator=generator)                 # (B, 1)

    one call of each per step on the whole batch (not one per sequence), with probs in
    the logits' dtype, and nothing else drawn from ``generator``. ``temperature == 0``
    means greedy decoding: the result is `greedy`'s, and nothing is drawn from
    ``generator`` (its state is left as it was).

    Inputs:  next_logits, prompt (B, T0) long, steps >= 0, generator (on the logits'
             device), temperature >= 0, top_k >= 1 or None, top_p in (0, 1] or None.
    Returns: (B, T0 + steps) long: each prompt followed by its ``steps`` drawn tokens.
    """
    # BEGIN SOLUTION: temperature 0 is greedy; else the two lines of the docstring, then append
    if temperature == 0:
        return greedy(next_logits, prompt, steps)
    tokens = prompt  # (B, T0)
    for _ in range(steps):
        logits = next_logits(tokens)  # (B, V)
        probs = filtered_probs(logits, temperature, top_k, top_p)  # (B, V)
        nxt = torch.multinomial(probs, 1, generator=generator)  # (B, 1), one draw per row
        tokens = torch.cat([tokens, nxt.to(tokens.dtype)], dim=1)  # (B, T + 1)
    return tokens
    # END SOLUTION


@torch.no_grad()
def beam_search(
    next_logits: NextLogits,
    prompt: torch.Tensor,
    beam_width: int,
    max_steps: int,
    eos_id: int,
    length_penalty: float = 1.0,
) -> tuple[list[int], float]:
    """Beam search for the most probable continuation of one prompt.

    A hypothesis is the prompt followed by generated tokens y_1..y_L. Its log-probability
    is the sum, in the order generated, of log p(y_t | prompt, y_<t), where log p is
    ``log_softmax`` of ``next_logits`` computed **in float64** (convert the logits with
    ``.double()`` first). It is *finished* when y_L = ``eos_id``; a finished hypothesis
    is never extended.

    Start with one live beam, the prompt, of log-probability 0. At each of at most
    ``max_steps`` steps:
    - extend every live beam by every token v of the vocabulary (K live beams give K * V
      candidates, candidate score = beam's log-probability + log p(v | beam));
    - keep the ``beam_width`` candidates of highest score. Equal scores are ordered
      earlier beam first, then lower token id (the live beams are kept in rank order,
      best first; candidate (beam j, token v) comes before (j, v + 1) and (j + 1, 0));
    - the kept candidates that end in ``eos_id`` are set aside as finished; the others,
      in rank order, are the new live beams (so there may be fewer than beam_width).
    Stop after ``max_steps`` steps or when no live beam is left, whichever comes first
    (no other early stop). The live beams left at the end are hypotheses too.

    Final ranking of all hypotheses (finished and live): by the length-normalized score

        log-probability / L ** length_penalty,

    where L counts the generated tokens, eos included, the prompt not (L >= 1).
    length_penalty = 0 ranks by plain log-probability; larger values favour longer
    hypotheses. Equal normalized scores go to the lexicographically smaller generated
    token list (Python's list order, in which a list comes before its extensions).

    Inputs:  next_logits, prompt (1, T0) or (T0,) long, beam_width >= 1, max_steps >= 1,
             eos_id, length_penalty.
    Returns: (tokens, score): the best hypothesis as a list of ints, the prompt followed
             by the generated tokens (ending in eos_id if finished), and its normalized
             score as a float.
    """
    if beam_width < 1 or max_steps < 1:
        raise ValueError(f"need beam_width >= 1 and max_steps >= 1, got {beam_width}, {max_steps}")
    if prompt.dim() not in (1, 2) or (prompt.dim() == 2 and prompt.shape[0] != 1):
        raise ValueError(
            f"beam search takes one prompt, (T0,) or (1, T0), got {tuple(prompt.shape)}"
        )
    # BEGIN SOLUTION: a batched call per step on the live beams, a stable sort of K * V scores
    beams = prompt.reshape(1, -1)  # (K, T0 + t) live beams, best first
    t0 = beams.shape[1]
    scores = torch.zeros(1, dtype=torch.float64, device=prompt.device)  # (K,)
    hypotheses: list[tuple[list[int], float]] = []  # finished ones, then the live ones
    for _ in range(max_steps):
        logp = torch.log_softmax(next_logits(beams).double(), dim=-1)  # (K, V)
        vocab = logp.shape[-1]
        candidates = (scores[:, None] + logp).reshape(-1)  # (K * V,) beam-major
        best = torch.sort(candidates, descending=True, stable=True).indices[:beam_width]
        parent, token = best // vocab, best % vocab  # (beam_width,) each
        beams = torch.cat([beams[parent], token[:, None].to(beams.dtype)], dim=1)
        scores = candidates[best]
        done = token == eos_id
        hypotheses += zip(beams[done].tolist(), scores[done].tolist(), strict=True)
        beams, scores = beams[~done], scores[~done]
        if len(beams) == 0:
            break
    hypotheses += zip(beams.tolist(), scores.tolist(), strict=True)

    def normalized(hypothesis: tuple[list[int], float]) -> float:
        tokens, logprob = hypothesis
        return logprob / (len(tokens) - t0) ** length_penalty

    winner = min(hypotheses, key=lambda h: (-normalized(h), h[0][t0:]))
    return winner[0], normalized(winner)
    # END SOLUTION
