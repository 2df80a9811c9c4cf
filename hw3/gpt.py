"""A small decoder-only transformer language model (GPT; Radford et al., 2018/2019), in
the pre-LayerNorm arrangement, with tied input and output embeddings and a KV cache for
incremental decoding.

Shapes: B batch, T time, C = n_embd channels, nh = n_head heads, hs = C / nh head size,
V = vocab_size, L = n_layer. Device-agnostic: the model runs wherever its parameters
are (``model.to(device)``), on the dtype of its parameters (``model.double()`` for exact
comparisons).

Parameter names (the grader loads a ``state_dict`` into the course's own `GPT` by
these names; ``l`` = 0..L-1):

    wte.weight                       (V, C)           token embedding
    wpe.weight                       (block_size, C)  learned positions; absent with rope
    blocks.l.ln_1.weight, .bias      (C,)
    blocks.l.attn.q_proj.weight      (C, C)   and .bias (C,); the same for k_proj,
                                              v_proj, out_proj
    blocks.l.ln_2.weight, .bias      (C,)
    blocks.l.mlp.fc.weight           (4C, C)  and .bias (4C,)
    blocks.l.mlp.proj.weight         (C, 4C)  and .bias (C,)
    ln_f.weight, .bias               (C,)
    lm_head.weight                   (V, C)   the same Parameter as wte.weight (tied)

``state_dict()`` lists ``lm_head.weight`` and ``wte.weight`` both (one tensor);
``parameters()`` yields it once. Nothing else is stored: RoPE's angles are computed
from the positions at every forward, never kept as buffers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from hw3.mha import KVCache, MultiHeadSelfAttention
from hw3.positions import rope_frequencies


@dataclass(frozen=True)
class GPTConfig:
    """The architecture. An unknown field is a TypeError (dataclass), an impossible
    value a ValueError.

    vocab_size  V, the number of token ids (0..V-1)
    block_size  the most positions the model handles (prompt and cache included)
    n_layer     L, the number of blocks
    n_head      nh; n_embd must be a multiple of it
    n_embd      C
    dropout     the probability of dropout (embeddings, attention weights, residual
                branches) in training mode
    rope        True: rotary positions in every attention layer, and no wpe; False:
                learned positions wpe added to the token embeddings
    """

    vocab_size: int
    block_size: int
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 64
    dropout: float = 0.0
    rope: bool = False

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"GPTConfig.{name} must be a positive int, got {value!r}")
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd {self.n_embd} is not a multiple of n_head {self.n_head}")
        if self.rope and (self.n_embd // self.n_head) % 2:
            raise ValueError(f"RoPE needs an even head size, got {self.n_embd // self.n_head}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    @property
    def head_size(self) -> int:
        return self.n_embd // self.n_head


class MLP(nn.Module):
    """The position-wise feed-forward network, C -> 4C -> C:

        mlp(x) = proj(gelu(fc(x)))

    with ``fc`` = nn.Linear(C, 4C), ``proj`` = nn.Linear(4C, C) (both with bias) and the
    exact GELU, gelu(z) = z * Phi(z), Phi the standard normal CDF (``F.gelu``'s default,
    not its tanh approximation).

    Input (..., C); output (..., C).
    """

    def __init__(self, n_embd: int) -> None:
        super().__init__()
        self.fc = nn.Linear(n_embd, 4 * n_embd)
        self.proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION: widen, exact GELU, narrow
        return self.proj(F.gelu(self.fc(x)))  # (..., C)
        # END SOLUTION


class Block(nn.Module):
    """One pre-LayerNorm transformer block: each sublayer reads a normalized copy of the
    residual stream and adds its result back to it,

        x = x + dropout(attn(ln_1(x), causal))
        x = x + dropout(mlp(ln_2(x)))

    ``attn`` is a causal `MultiHeadSelfAttention` (it gets ``rope`` and ``cache``
    unchanged), ``ln_1`` and ``ln_2`` are nn.LayerNorm(C) (eps 1e-5, with weight and
    bias), ``mlp`` is an `MLP`; dropout (``drop``) acts in training mode only.

    Input (B, T, C); output (B, T, C).
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = MultiHeadSelfAttention(config.n_embd, config.n_head, config.dropout)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config.n_embd)
        self.drop = nn.Dropout(config.dropout)

    def forward(
        self,
        x: torch.Tensor,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
        cache: KVCache | None = None,
    ) -> torch.Tensor:
        # BEGIN SOLUTION: two residual additions, each sublayer reading a layer-normed x
        x = x + self.drop(self.attn(self.ln_1(x), causal=True, rope=rope, cache=cache))
        x = x + self.drop(self.mlp(self.ln_2(x)))  # (B, T, C)
        return x
        # END SOLUTION


class GPT(nn.Module):
    """A decoder-only language model: the logits of each next token given the tokens up
    to it.

        x = wte(idx) + wpe(positions)          (B, T, C)  (without wpe when config.rope)
        x = dropout(x), then each block in turn (causal; RoPE in each when config.rope)
        logits = lm_head(ln_f(x))              (B, T, V)

    ``lm_head`` = nn.Linear(C, V, bias=False) whose weight *is* ``wte.weight`` (weight
    tying): one Parameter (V, C), one gradient, the sum of what reaches it through the
    embedding and through the output layer. ``blocks`` is an nn.ModuleList of `Block`.
    The parameter names and shapes are listed in the module docstring.

    Initialization (nanoGPT's): every Linear and Embedding weight ~ N(0, 0.02^2), the
    residual projections (``attn.out_proj``, ``mlp.proj``) ~ N(0, (0.02 / sqrt(2L))^2),
    biases 0, LayerNorms weight 1 and bias 0. It draws from torch's global generator:
    seed it (torch.manual_seed) for a reproducible model.

    Positions: the token idx[:, i] is at position start + i, where start = 0 without a
    cache and start = the number of positions cached with one. Learned positions read
    row start + i of wpe; RoPE uses rows start .. start + T - 1 of `rope_frequencies`.
    start + T may not exceed block_size (a ValueError).

    KV cache (incremental decoding): ``cache = model.new_cache()`` holds one `KVCache`
    per block. Each forward with the cache appends the keys and values of idx's tokens,
    so feeding a sequence in pieces (one token at a time, or a prompt then one token at
    a time) gives the same logits, piece by piece, as one forward over the whole
    sequence without a cache.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = None if config.rope else nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied: one Parameter under two names
        self.apply(self._init_weights)
        residual_std = 0.02 / math.sqrt(2 * config.n_layer)
        for block in self.blocks:
            nn.init.normal_(block.attn.out_proj.weight, mean=0.0, std=residual_std)
            nn.init.normal_(block.mlp.proj.weight, mean=0.0, std=residual_std)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    @torch.no_grad()
    def next_logits(self, prefix: torch.Tensor) -> torch.Tensor:
        """The logits of the token after each prefix, the model form that `hw3.decoding`
        takes: prefix (B, T) -> (B, V). The model reads at most the last block_size
        tokens of each prefix. Call ``model.eval()`` first (dropout off)."""
        logits, _ = self(prefix[:, -self.config.block_size :])  # (B, T', V)
        return logits[:, -1, :]  # (B, V)

    def new_cache(self) -> list[KVCache]:
        """An empty KV cache: one `KVCache` per block."""
        return [KVCache() for _ in self.blocks]

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        cache: list[KVCache] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Inputs:  idx (B, T) token ids in 0..V-1; targets (B, T) the next token ids, or
                 None; cache from `new_cache`, or None.
        Returns: logits (B, T, V), and the loss: None without targets, else the mean
                 cross-entropy F.cross_entropy(logits (B*T, V), targets (B*T,)) over the
                 positions whose target is not -100 (F.cross_entropy's ignore_index:
                 mark padding with -100; with every target -100 the mean is NaN, as
                 F.cross_entropy's).
        """
        if cache is not None and len(cache) != len(self.blocks):
            raise ValueError(f"a cache of {len(cache)} layers for {len(self.blocks)} blocks")
        start = 0 if cache is None else len(cache[0])
        if start + idx.shape[1] > self.config.block_size:
            raise ValueError(
                f"positions {start}..{start + idx.shape[1] - 1} exceed "
                f"block_size {self.config.block_size}"
            )
        # BEGIN SOLUTION: embeddings at positions start.., the blocks (each with its cache), head
        B, T = idx.shape
        x = self.wte(idx)  # (B, T, C)
        rope = None
        if self.config.rope:
            cos, sin = rope_frequencies(
                start + T, self.config.head_size, device=idx.device, dtype=x.dtype
            )
            rope = (cos[start:], sin[start:])  # (T, hs/2) each: the rows of idx's positions
        else:
            assert self.wpe is not None
            positions = torch.arange(start, start + T, device=idx.device)  # (T,)
            x = x + self.wpe(positions)  # (B, T, C)
        x = self.drop(x)
        for layer, block in enumerate(self.blocks):
            x = block(x, rope=rope, cache=None if cache is None else cache[layer])
        logits = self.lm_head(self.ln_f(x))  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T))
        return logits, loss
        # END SOLUTION
