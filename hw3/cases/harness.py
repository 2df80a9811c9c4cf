"""Set-ups the cases of hw3 share. Every random input comes from the case's generator."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.lazy_import import lazy
from autograder.passes import layer_check
from autograder.torch_inputs import shapes

# imported where a case runs (the worker), not in the judge, which loads this for metadata
torch = lazy("torch")
nn = lazy("torch.nn")

STEP = ("dx", "dh_prev", "dWx", "dWh", "db")  # the gradients a backward pass returns, named
SEQUENCE = ("dx", "dh0", "dWx", "dWh", "db")
LSTM_STEP = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
GRU_STEP = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")
AFFINE = ("dx", "dw", "db")
ATTENTION = ("dq", "dk", "dv")


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return scale * rng.normal(size=shape)


def recurrent_inputs(
    rng: np.random.Generator, N: int, T: int | None, D: int, H: int, gates: int
) -> list[np.ndarray]:
    """x (N, T, D) (or (N, D) when T is None), h (N, H), Wx (D, gates*H), Wh (H, gates*H),
    b (gates*H,): weights of the size an initialization gives, so that tanh and the
    gates work in their curved part."""
    x = normal(rng, *((N, D) if T is None else (N, T, D)))
    h = normal(rng, N, H, scale=0.5)
    Wx = normal(rng, D, gates * H, scale=1.0 / np.sqrt(D))
    Wh = normal(rng, H, gates * H, scale=1.0 / np.sqrt(H))
    b = normal(rng, gates * H, scale=0.3)
    return [x, h, Wx, Wh, b]


def attention_inputs(
    rng: np.random.Generator, batch: tuple[int, ...], Tq: int, Tk: int, d: int, dv: int
) -> list[np.ndarray]:
    """q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv), standard normal."""
    return [normal(rng, *batch, Tq, d), normal(rng, *batch, Tk, d), normal(rng, *batch, Tk, dv)]


def padding(rng: np.random.Generator, N: int, Tk: int, empty_row: int | None = None) -> np.ndarray:
    """A key padding mask (N, Tk), True = padded: each sequence keeps a random number of
    its first keys (at least one), and sequence ``empty_row`` has every key padded."""
    lengths = rng.integers(1, Tk + 1, size=N)
    mask = np.arange(Tk) >= lengths[:, None]
    if empty_row is not None:
        mask[empty_row] = True
    return mask


def attention_pass(sub, rng: np.random.Generator, inputs, **options: Any) -> dict:
    """The submission's attention forward and backward, every gradient by name."""
    A = sub.attention
    return layer_check(A.attention_forward, A.attention_backward, inputs, rng, ATTENTION, **options)


def spot_checks(out: np.ndarray, every: int) -> dict:
    """Every ``every``-th row of a long output, and the sum of each column: enough to
    compare, small enough to store."""
    out = np.asarray(out)
    return {"rows": out[..., ::every, :], "sums": out.sum(axis=-2)}


def raised(func, *args: Any, **options: Any) -> str:
    """The name of the exception ``func(*args, **options)`` raised, or "none"."""
    try:
        func(*args, **options)
    except Exception as exc:  # the case compares the name with the reference's
        return type(exc).__name__
    return "none"


def with_weights(module: nn.Module, rng: np.random.Generator, scale: float = 0.3) -> nn.Module:
    """``module`` in float64 with every parameter drawn from ``rng``, in the order of the
    parameters' names (a parameter shared under two names, tied weights, is drawn once):
    a module built as its docstring says gets the same values as the reference's.
    LayerNorm-like weights (names ending in ``ln...weight``) are drawn around 1."""
    module = module.double()
    with torch.no_grad():
        for name, parameter in sorted(module.named_parameters()):
            values = scale * rng.normal(size=tuple(parameter.shape))
            if ".ln" in f".{name}" and name.endswith("weight"):
                values = 1.0 + values
            parameter.copy_(torch.tensor(values))
    return module


def rope_tables(T: int, hs: int, base: float = 10000.0) -> tuple[torch.Tensor, torch.Tensor]:
    """RoPE's cos and sin (T, hs/2) in float64, computed here: the attention cases get
    them from the grader, not from the submission's Task 10."""
    angles = np.arange(T)[:, None] * base ** (-np.arange(0, hs, 2) / hs)  # (T, hs/2)
    return torch.tensor(np.cos(angles)), torch.tensor(np.sin(angles))


class TableLM:
    """A fixed language model of the grader's own for the decoding cases: the logits of
    the next token are a row of a table chosen by the last token and the length of the
    prefix, ``table[len(prefix) % periods, prefix[:, -1]]`` (B, V). It counts its calls
    and the rows it was asked for."""

    def __init__(self, table: np.ndarray) -> None:
        self.table = torch.tensor(table)  # (periods, V, V)
        self.calls = 0
        self.rows = 0

    def __call__(self, prefix: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        self.rows += int(prefix.shape[0])
        periods = self.table.shape[0]
        return self.table[prefix.shape[1] % periods][prefix[:, -1]]  # (B, V)


def table(rng: np.random.Generator, periods: int, V: int, scale: float = 1.5) -> np.ndarray:
    """A (periods, V, V) table of logits."""
    return scale * rng.normal(size=(periods, V, V))


def with_ties(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``logits`` (..., V) where, in every row, two random tokens tie for the maximum
    and two others tie with each other below it."""
    out = logits.copy()
    rows = out.reshape(-1, out.shape[-1])
    for row in rows:
        a, b, c, d = rng.choice(len(row), size=4, replace=False)
        row[[a, b]] = row.max() + 1.0
        row[c] = row[d]
    return out


def cached_decoding(model: nn.Module, idx: torch.Tensor, pieces: list[int]) -> dict:
    """The logits of ``model`` on ``idx`` (B, T) in one forward without a cache, and fed
    in pieces of the given lengths through one cache (the pieces' logits concatenated),
    with the cache's length after each piece."""
    model.eval()
    with torch.no_grad():
        whole, _ = model(idx)
        cache = model.new_cache()
        parts, lengths, start = [], [], 0
        for size in pieces:
            logits, _ = model(idx[:, start : start + size], cache=cache)
            parts.append(logits)
            start += size
            lengths.append([len(c) for c in cache])
    return {"whole": whole, "pieces": torch.cat(parts, dim=1), "cache_lengths": lengths}


def vocabulary_arrays(tokens: list[bytes]) -> dict[str, np.ndarray]:
    """A vocabulary's entries as two arrays: every entry's bytes one after another, and
    each entry's length (a wrong entry then shows as the bytes or the length it got)."""
    for i, token in enumerate(tokens):
        if not isinstance(token, bytes):
            raise TypeError(f"vocabulary entry {i} is {type(token).__name__}: each is bytes")
    return {
        "bytes": np.frombuffer(b"".join(tokens), dtype=np.uint8).astype(np.int64),
        "lengths": np.array([len(token) for token in tokens]),
    }


def words(rng: np.random.Generator, n: int) -> str:
    """A text of ``n`` made-up words from a few syllables (so that pairs repeat and merges
    have something to find), with some non-ASCII letters (several UTF-8 bytes each)."""
    syllables = ["ta", "ne", "ri", "so", "mu", "é", "ka", "lo", "zä", "日"]
    out = []
    for _ in range(n):
        parts = rng.integers(1, 4)
        out.append("".join(syllables[i] for i in rng.integers(0, len(syllables), size=parts)))
    return " ".join(out)


def seq2seq_outputs(sub, rng: np.random.Generator, E: int, H: int, B: int, S: int) -> dict:
    """A Seq2Seq(embed=E, hidden=H) on fixed float64 weights: its state's shapes, the
    teacher-forced logits and attention of B random sources of S ids (padded at the end)
    and random targets, and translate's tokens and attention on the same sources."""
    S2S = sub.seq2seq
    model = with_weights(S2S.Seq2Seq(S2S.Seq2SeqConfig(embed=E, hidden=H)), rng, scale=1.5)
    src = torch.as_tensor(rng.integers(1, S2S.SOURCE_VOCAB_SIZE, size=(B, S)))
    src = src.masked_fill(torch.as_tensor(padding(rng, B, S)), S2S.PAD)
    targets = torch.as_tensor(rng.integers(1, S2S.TARGET_VOCAB_SIZE, size=(B, S2S.TARGET_LEN)))
    with torch.no_grad():
        logits, attention = model(src, targets)
    tokens, greedy_attention = S2S.translate(model, src)
    return {
        "shapes": shapes(model),
        "logits": logits,
        "attention": attention,
        "tokens": tokens,
        "greedy_attention": greedy_attention,
    }
