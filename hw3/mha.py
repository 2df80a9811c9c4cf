"""Multi-head self-attention as an ``nn.Module``, with a causal mask, a key padding
mask, optional rotary positions, and a KV cache for incremental decoding.

Shapes: B batch, T time (the positions of x), C = n_embd channels, nh = n_head heads,
hs = C / nh head size. The mask conventions are those of `hw3.attention`:
``key_padding_mask`` True = a padded key to ignore; a query that sees no key gets the
output row zeros (before ``out_proj``), never NaN.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from hw3.positions import apply_rope


class KVCache:
    """The keys and values one attention layer has computed so far, for incremental
    decoding: ``k`` and ``v`` (B, nh, T_so_far, hs), None before the first call.

    ``len(cache)`` is T_so_far, the number of positions cached (0 when empty); the next
    tokens fed through the layer are at positions len(cache), len(cache) + 1, ...
    Keys are stored as the attention uses them: after RoPE, when there is RoPE.
    """

    def __init__(self) -> None:
        self.k: torch.Tensor | None = None
        self.v: torch.Tensor | None = None

    def __len__(self) -> int:
        return 0 if self.k is None else self.k.shape[-2]

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add the keys and values of new positions after those cached.

        Inputs:  k, v (B, nh, T, hs) of the T new positions.
        Returns: all keys and values so far, (B, nh, T_so_far + T, hs) each, which the
                 cache now holds.
        """
        # BEGIN SOLUTION: concatenate along the time axis (or start with k and v), keep, return
        if self.k is None or self.v is None:
            self.k, self.v = k, v
        else:
            self.k = torch.cat((self.k, k), dim=-2)  # (B, nh, T_so_far + T, hs)
            self.v = torch.cat((self.v, v), dim=-2)
        return self.k, self.v
        # END SOLUTION


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention (Vaswani et al., 2017). With W_q, W_k, W_v, W_o the
    weights of ``q_proj``, ``k_proj``, ``v_proj``, ``out_proj`` (each an ``nn.Linear(C,
    C)`` with bias, y = x W^T + b):

        q = q_proj(x), k = k_proj(x), v = v_proj(x)                        (B, T, C)
        split each into nh heads: channels h*hs .. (h+1)*hs - 1 are head h  (B, nh, T, hs)
        head_h = softmax over the allowed keys of (q_h k_h^T / sqrt(hs)) v_h   (B, nh, T, hs)
        out = out_proj(concatenation of the heads along channels)          (B, T, C)

    the layout of ``nn.MultiheadAttention``: its ``in_proj_weight`` (3C, C) is
    [W_q; W_k; W_v] stacked by rows, its ``in_proj_bias`` (3C,) the three biases.

    Masks (a query attends only to the keys that every given mask allows):
    - ``causal``: the query at position p sees the keys at positions <= p.
    - ``key_padding_mask`` (B, Tk) booleans, True = a padded key to ignore, where Tk
      counts every key: those in the cache, then the T new ones.
    A query that sees no key at all: its attention weights are all 0, its head outputs
    zeros (then ``out_proj`` adds its bias), and its gradients are finite (no NaN).

    ``rope`` = (cos, sin), each (T, hs/2), the rows of `hw3.positions.rope_frequencies`
    for the positions of x: when given, q and k of every head are rotated with
    `hw3.positions.apply_rope` after the head split and before the scores (v is not).

    ``cache``: a `KVCache` holding the keys and values of the first len(cache)
    positions. x then holds positions start = len(cache) .. start + T - 1; its keys and
    values are appended to the cache, and its queries attend to all keys so far, so the
    query at time index i of x is at position start + i (and, when causal, sees keys
    0 .. start + i).

    ``dropout``: the probability of zeroing each attention weight in training mode
    (after the softmax, as ``nn.MultiheadAttention`` does); no dropout in eval mode.

    Parameters (the grader loads weights by these names): ``q_proj.weight`` (C, C),
    ``q_proj.bias`` (C,), and the same for ``k_proj``, ``v_proj``, ``out_proj``.
    """

    def __init__(self, n_embd: int, n_head: int, dropout: float = 0.0) -> None:
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd {n_embd} is not a multiple of n_head {n_head}")
        self.n_head = n_head
        self.q_proj = nn.Linear(n_embd, n_embd)
        self.k_proj = nn.Linear(n_embd, n_embd)
        self.v_proj = nn.Linear(n_embd, n_embd)
        self.out_proj = nn.Linear(n_embd, n_embd)
        self.attn_dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        causal: bool = False,
        key_padding_mask: torch.Tensor | None = None,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
        cache: KVCache | None = None,
    ) -> torch.Tensor:
        """Inputs:  x (B, T, C); the masks, rope and cache of the class docstring.
        Returns: (B, T, C).
        """
        # BEGIN SOLUTION: project, split heads, rope q and k, extend the cache, masked softmax
        B, T, C = x.shape
        nh, hs = self.n_head, C // self.n_head

        def heads(y: torch.Tensor) -> torch.Tensor:
            return y.view(B, T, nh, hs).transpose(1, 2)  # (B, nh, T, hs)

        q, k, v = heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x))
        if rope is not None:
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        start = 0
        if cache is not None:
            start = len(cache)
            k, v = cache.append(k, v)  # (B, nh, Tk, hs), Tk = start + T
        Tk = k.shape[-2]

        scores = (q @ k.transpose(-2, -1)) / math.sqrt(hs)  # (B, nh, T, Tk)
        allowed = torch.ones(T, Tk, dtype=torch.bool, device=x.device)  # (T, Tk)
        if causal:
            allowed = torch.tril(allowed, diagonal=start)  # query i is at position start + i
        if key_padding_mask is not None:
            allowed = allowed & ~key_padding_mask.bool()[:, None, None, :]  # (B, 1, T, Tk)
        allowed = allowed.expand_as(scores)
        sees_a_key = allowed.any(dim=-1, keepdim=True)  # (B, nh, T, 1)
        # -inf where masked; a row with no key gets finite scores, so softmax stays NaN-free
        scores = scores.masked_fill(~allowed & sees_a_key, float("-inf"))
        weights = torch.softmax(scores, dim=-1) * allowed  # (B, nh, T, Tk), 0 where masked
        weights = self.attn_dropout(weights)
        out = weights @ v  # (B, nh, T, hs)
        out = out.transpose(1, 2).reshape(B, T, C)  # (B, T, C), heads side by side
        return self.out_proj(out)
        # END SOLUTION
