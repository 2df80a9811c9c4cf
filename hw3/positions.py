"""Where a token is: attention by itself ignores order (permute the keys and values
together and every output stays the same), so a transformer is told each position.

Two ways here. The sinusoidal encoding (Vaswani et al., 2017) is a fixed vector added to
the token embedding. Rotary position embedding, RoPE (Su et al., RoFormer, 2021), instead
rotates each query and key by an angle proportional to its position, so that a query-key
score depends on the two positions only through their offset.

Shapes: T positions, C channels, B batch, nh heads, hs head size.
Device-agnostic: tensors are created on the ``device`` and with the ``dtype`` asked for;
angles are always computed in float64 and cast at the end, so a float64 model gets
float64-exact rotations.
"""

from __future__ import annotations

import torch


def sinusoidal_encoding(
    T: int, C: int, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """The sinusoidal positional encoding PE (T, C): for position t = 0..T-1 and pair
    index i = 0, 1, ...,

        PE[t, 2i]     = sin(t * w_i),
        PE[t, 2i + 1] = cos(t * w_i),      w_i = 10000 ** (-2i / C).

    Even channels hold sines, odd channels cosines, one frequency per pair; when C is odd
    the last channel is a sine (its cosine partner would be channel C). ``dtype`` defaults
    to torch's default dtype.

    Returns: PE (T, C), to be added to token embeddings (B, T, C).
    """
    # BEGIN SOLUTION: an outer product of positions and frequencies, sines to the even channels
    dtype = dtype or torch.get_default_dtype()
    t = torch.arange(T, dtype=torch.float64, device=device)  # (T,)
    i = torch.arange(0, C, 2, dtype=torch.float64, device=device)  # (ceil(C/2),) the values 2i
    angles = t[:, None] * 10000.0 ** (-i / C)  # (T, ceil(C/2))
    pe = torch.empty(T, C, dtype=torch.float64, device=device)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles[:, : C // 2])
    return pe.to(dtype)
    # END SOLUTION


def rope_frequencies(
    T: int,
    hs: int,
    base: float = 10000.0,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The rotation angles of RoPE for positions t = 0..T-1, as their cosines and sines:

        theta[t, i] = t * base ** (-2i / hs),      i = 0 .. hs/2 - 1,
        cos = cos(theta),  sin = sin(theta),       each (T, hs/2).

    Pair i of a head's vector is rotated by theta[t, i] at position t (`apply_rope`). The
    head size ``hs`` must be even (a ValueError otherwise). ``dtype`` defaults to torch's
    default dtype; compute the angles in float64 and cast the cosines and sines.

    Offsets: the rows are absolute positions. Tokens at positions start..start+T-1 (the
    new tokens after a KV cache that already holds ``start`` positions) use rows
    ``cos[start : start + T]`` and ``sin[start : start + T]`` of a table of at least
    start + T rows.

    Returns: cos (T, hs/2), sin (T, hs/2).
    """
    if hs % 2:
        raise ValueError(f"RoPE rotates pairs of dimensions: head size {hs} is odd")
    # BEGIN SOLUTION: one frequency per pair, an outer product with the positions
    dtype = dtype or torch.get_default_dtype()
    t = torch.arange(T, dtype=torch.float64, device=device)  # (T,)
    freqs = base ** (-torch.arange(0, hs, 2, dtype=torch.float64, device=device) / hs)  # (hs/2,)
    theta = t[:, None] * freqs  # (T, hs/2)
    return torch.cos(theta).to(dtype), torch.sin(theta).to(dtype)
    # END SOLUTION


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate each pair of dimensions of x by its position's angle (RoPE).

    Pairing convention: **interleaved**, as in the RoFormer paper: pair i is the two
    adjacent dimensions (2i, 2i + 1), i.e. (0, 1), (2, 3), ... (Meta's LLaMA code does the
    same; GPT-NeoX and Hugging Face's LLaMA pair dimension i with i + hs/2 instead: a
    different, incompatible layout). For the token at time index t (row t of cos and sin):

        out[..., t, 2i]     = x[..., t, 2i] * cos[t, i] - x[..., t, 2i + 1] * sin[t, i]
        out[..., t, 2i + 1] = x[..., t, 2i] * sin[t, i] + x[..., t, 2i + 1] * cos[t, i]

    which is the complex product (x_2i + j x_2i+1) * exp(j theta[t, i]).

    Inputs:  x (B, nh, T, hs), or any (..., T, hs); cos, sin (T, hs/2), the rows of the
             T positions of x (slice the table at start..start+T for an offset).
    Returns: the rotated x, same shape and dtype; x itself is not changed.
    """
    # BEGIN SOLUTION: split even and odd dimensions, rotate each pair, interleave them back
    x_even, x_odd = x[..., 0::2], x[..., 1::2]  # (..., T, hs/2) each
    rotated_even = x_even * cos - x_odd * sin
    rotated_odd = x_even * sin + x_odd * cos
    return torch.stack((rotated_even, rotated_odd), dim=-1).flatten(-2)  # (..., T, hs)
    # END SOLUTION
