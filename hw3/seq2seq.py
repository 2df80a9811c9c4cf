"""Sequence to sequence with attention: reading a date as people write it and writing it
as "YYYY-MM-DD", character by character ("3rd of March, 1998" -> "1998-03-03").

The data (made by `dlkit.dates`): sources (N, S) of character ids, padded at the end
with ``PAD`` (0); targets (N, T) of character ids, T = 10 ("YYYY-MM-DD"). Shapes:
N or B batch, S source positions, T target positions, E embedding size, H the encoder's
hidden size in each direction, D = 2H the size of an encoder state and of the decoder's
state, V the target vocabulary.

The model (`Seq2Seq`, given): an encoder reads the source in both directions; a decoder
writes the target one character at a time, and at every step *attends* over the encoder
states: it scores each source position against its own state, turns the scores into
weights with a softmax, and reads the weighted average of the encoder states. The
weights, one row (S,) per output character, show which source characters the model
looked at to write it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# The layout of the data (`dlkit.dates` makes it; the grader hands it to you).
PAD = 0  # the source id of padding, after the last character of a source
START = 0  # the target id that starts every decoder input; never a target character
SOURCE_VOCAB_SIZE = 67  # padding, " ,./", the digits, a-z and A-Z
TARGET_VOCAB_SIZE = 12  # START, the digits and "-"
TARGET_LEN = 10  # "YYYY-MM-DD"

# An LSTM's state: its hidden and cell states, (1, B, D) each.
State = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class Seq2SeqConfig:
    """The architecture: E ``embed``, H ``hidden`` (each direction of the encoder), and
    the sizes of the source and target vocabularies."""

    embed: int = 32
    hidden: int = 32
    source_vocab: int = SOURCE_VOCAB_SIZE
    target_vocab: int = TARGET_VOCAB_SIZE


def attend(
    query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, pad_mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """One attention step for every query: scaled dot-product scores, a softmax over the
    source positions that are not padding, the weighted average of the values.

        s[b, t, j] = query[b, t, :] . keys[b, j, :] / sqrt(D),
        a[b, t, :] = softmax over the j with pad_mask[b, j] False of s[b, t, :]
                     (a[b, t, j] = 0 exactly where pad_mask[b, j] is True),
        context[b, t, :] = sum_j a[b, t, j] values[b, j, :].

    ``pad_mask`` is True at a padded source position, which no query may see. Every
    source has at least one real character, so every softmax has something to weigh.
    Use no loop: batched matrix products (``@`` or ``torch.bmm``) and ``torch.softmax``.

    Inputs:  query (B, T, D), keys (B, S, D), values (B, S, Dv), pad_mask (B, S) bool.
    Returns: context (B, T, Dv) and the weights a (B, T, S) (each row sums to 1).
    """
    # BEGIN SOLUTION: scores by a batched product, -inf where padded, softmax over S, product
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])  # (B, T, S)
    scores = scores.masked_fill(pad_mask[:, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # (B, T, S)
    return weights @ values, weights  # (B, T, Dv), (B, T, S)
    # END SOLUTION


def decoder_inputs(targets: torch.Tensor) -> torch.Tensor:
    """The decoder's inputs under teacher forcing: START, then the targets but the last,
    so that position t reads the true character t - 1 and predicts character t.

    Inputs:  targets (B, T) long.  Returns: (B, T) long.
    """
    start = torch.full_like(targets[:, :1], START)
    return torch.cat([start, targets[:, :-1]], dim=1)


class Seq2Seq(nn.Module):
    """An encoder-decoder with dot-product attention (Luong et al., 2015, "global
    attention" without input feeding).

    Encoder: ``src_embed`` (Embedding(Vs, E), the PAD row kept at zero), then
    ``encoder``, a bidirectional LSTM(E, H): the states h_j (B, S, D), D = 2H, each the
    forward and the backward hidden state at position j side by side. The attention's keys are
    ``key(h_j)`` (Linear(D, D), no bias) and its values the h_j themselves.

    Decoder, at output position t: ``tgt_embed`` (Embedding(V, E)) of the previous
    character y_{t-1} (START before the first), then ``decoder``, an LSTM(E, D) whose
    hidden and cell states start at zero; its hidden state s_t (D,); then, with s_t as the query,

        c_t, a_t = attend(s_t, keys, h, pad_mask)                  (D,), (S,)
        o_t      = tanh(combine([c_t ; s_t]))                      combine: Linear(2D, D)
        logits_t = out(o_t)                                        out: Linear(D, V)

    ``[c_t ; s_t]`` is the concatenation (context first), (2D,). Padded source positions
    (``src == PAD``) are masked in every attention step.

    The decoder's state depends on the previous characters only (the context is not fed
    back), so under teacher forcing the LSTM runs over all T inputs in one call, and every
    position attends at once.
    """

    def __init__(self, config: Seq2SeqConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or Seq2SeqConfig()
        d = 2 * config.hidden
        self.src_embed = nn.Embedding(config.source_vocab, config.embed, padding_idx=PAD)
        self.encoder = nn.LSTM(config.embed, config.hidden, batch_first=True, bidirectional=True)
        self.key = nn.Linear(d, d, bias=False)
        self.tgt_embed = nn.Embedding(config.target_vocab, config.embed)
        self.decoder = nn.LSTM(config.embed, d, batch_first=True)
        self.combine = nn.Linear(2 * d, d)
        self.out = nn.Linear(d, config.target_vocab)

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The encoder's states h (B, S, D), the keys key(h) (B, S, D), and the padding
        mask (B, S), True where ``src`` is PAD.

        Inputs: src (B, S) long.
        """
        states, _ = self.encoder(self.src_embed(src))  # (B, S, D)
        return states, self.key(states), src == PAD

    def decode(
        self,
        inputs: torch.Tensor,
        encoded: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
        state: State | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, State]:
        """The decoder over the characters ``inputs``, attending to ``encoded`` (what
        `encode` returned), starting from the LSTM's state ``state`` (None: zeros, as at
        the start of a target).

        Inputs:  inputs (B, T') long (T' = T under teacher forcing, 1 when decoding one
                 step at a time), encoded, state (h, c) of (1, B, D) each, or None.
        Returns: logits (B, T', V), the attention weights (B, T', S), and the LSTM's
                 state (h, c) after the last input, from which decoding continues.
        """
        # BEGIN SOLUTION: embed, run the LSTM from the state, attend with its outputs, combine, out
        states, keys, pad_mask = encoded
        queries, state = self.decoder(self.tgt_embed(inputs), state)  # (B, T', D), (1, B, D)
        context, weights = attend(queries, keys, states, pad_mask)  # (B, T', D), (B, T', S)
        mixed = torch.tanh(self.combine(torch.cat([context, queries], dim=-1)))  # (B, T', D)
        return self.out(mixed), weights, state
        # END SOLUTION

    def forward(
        self, src: torch.Tensor, targets: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing: the scores of every target character given the source and the
        true characters before it (`decoder_inputs`).

        Inputs:  src (B, S) long, targets (B, T) long.
        Returns: logits (B, T, V) and the attention weights (B, T, S).
        """
        # BEGIN SOLUTION: encode, then decode the shifted targets from a zero state
        logits, weights, _ = self.decode(decoder_inputs(targets), self.encode(src))
        return logits, weights
        # END SOLUTION


@torch.no_grad()
def translate(
    model: Seq2Seq, src: torch.Tensor | np.ndarray, steps: int = TARGET_LEN
) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy decoding: encode the sources once; then, from START and a zero state, feed
    each chosen character back and choose the next as the argmax of the logits (ties
    to the lowest id, as ``torch.argmax`` does), ``steps`` times. Carry the decoder's
    state from step to step, feeding it one character per step (running it over the
    whole prefix again gives the same tokens, at T times the cost). The model is put in
    evaluation mode.

    Inputs:  the model, src (N, S) ids (a tensor or an integer array), steps.
    Returns: the tokens (N, steps) long (without START), and the attention weights
             (N, steps, S): row t is where the model looked to write token t.
    """
    # BEGIN SOLUTION: encode once; steps times: decode one character from the state, argmax
    model.eval()
    src = torch.as_tensor(src, dtype=torch.long)
    encoded = model.encode(src)
    token = torch.full((len(src), 1), START, dtype=torch.long)  # (N, 1)
    state = None
    tokens, weights = [], []
    for _ in range(steps):
        logits, attention, state = model.decode(token, encoded, state)  # (N, 1, V), (N, 1, S)
        token = logits.argmax(dim=-1)  # (N, 1)
        tokens.append(token)
        weights.append(attention)
    return torch.cat(tokens, dim=1), torch.cat(weights, dim=1)
    # END SOLUTION


def train_seq2seq(src: np.ndarray, targets: np.ndarray, seed: int) -> Seq2Seq:
    """The graded task: train a ``Seq2Seq()`` (the default configuration) on pairs of
    sources and targets and return it.

    The grader judges the network, not its answers: it loads the returned model's
    ``state_dict()`` into its own ``Seq2Seq()``, decodes held-out sources your code never
    sees with `translate`, and counts the dates whose 10 characters all come out right.
    The character ids may come renamed (a secret permutation of each case, the same for
    the held-out pairs): a model trained on what it is given does not notice.

    Reproducible from ``seed``: call ``torch.manual_seed(seed)`` first, so that the
    initial weights and the order of the batches follow from it.

    Inputs:  src (N, S) int64 source ids, PAD-padded at the end; targets (N, T) int64.
    Returns: the trained Seq2Seq.
    """
    # BEGIN SOLUTION: cross-entropy under teacher forcing, Adam, a one-cycle schedule, clipping
    torch.manual_seed(seed)
    model = Seq2Seq()
    src_t, tgt_t = torch.as_tensor(src), torch.as_tensor(targets)
    epochs, batch_size, lr = 2, 128, 1e-2
    steps_per_epoch = -(-len(src_t) // batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch
    )
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(src_t))
        for i in range(0, len(order), batch_size):
            batch = order[i : i + batch_size]
            logits, _ = model(src_t[batch], tgt_t[batch])  # (B, T, V)
            loss = F.cross_entropy(logits.flatten(0, 1), tgt_t[batch].flatten())
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
    return model
    # END SOLUTION
