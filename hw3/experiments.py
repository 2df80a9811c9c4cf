"""Run the experiments of HW3 and write their figures.

    python -m hw3.experiments [--out plots] [--parts memory charlm seq2seq]
                              [--lengths 256 512 1024 2048 4096] [--seed 0]

Writes:
- ``attention_memory.png``: the peak memory and the time of one causal self-attention
  call, plain (`hw3.attention.attention_forward`, Task 7) against tiled
  (`hw3.flash.tiled_attention`, Task 8, blocks of 64), as the sequence grows from 256 to
  4,096 positions (one sequence, one head of size 64, float64), on log-log axes, with
  the size of one T x T score matrix and of the output for comparison. The peak is what
  Python's ``tracemalloc`` sees allocated during the call (numpy reports its arrays to
  it), the inputs not included. At 4,096 positions the plain version holds about
  400 MB; the tiled one about 2 MB, most of it the output itself.

The memory figure runs your Tasks 7 and 8. The script stops at the first unfinished
task it needs and names it.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .attention import attention_forward
from .flash import tiled_attention

LENGTHS = (256, 512, 1024, 2048, 4096)  # sequence lengths T of the memory figure
HEAD_SIZE = 64  # d = dv, the query/key and value size of the one head
BLOCK_SIZE = 64  # the tiled attention's block of queries and of keys
MB = 2**20


def peak_and_time(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, float, Any]:
    """Call ``fn(*args, **kwargs)`` once: the peak bytes allocated during the call
    (``tracemalloc``; memory held before it, the inputs included, does not count), its
    wall-clock seconds, and its result."""
    tracemalloc.start()
    try:
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
        return tracemalloc.get_traced_memory()[1], seconds, result
    finally:
        tracemalloc.stop()


def attention_memory(
    lengths: Sequence[int] = LENGTHS,
    head_size: int = HEAD_SIZE,
    block_size: int = BLOCK_SIZE,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Peak memory and time of causal attention, plain against tiled, at each length.

    For each T: q, k, v (1, T, head_size) standard normal, then one call of each version
    with ``causal=True``. Returns arrays over the lengths: ``lengths``, ``plain`` and
    ``tiled`` (peak bytes), ``plain_s`` and ``tiled_s`` (seconds), and ``max_error``, the
    largest absolute difference between the two outputs (about 1e-15 when both are right:
    a figure of a wrong tiled version would mean nothing).
    """
    rng = np.random.default_rng(seed)
    rows: dict[str, list[float]] = {
        key: [] for key in ("plain", "tiled", "plain_s", "tiled_s", "max_error")
    }
    for t in lengths:
        q, k, v = (rng.standard_normal((1, t, head_size)) for _ in range(3))
        plain_peak, plain_s, (plain, cache) = peak_and_time(attention_forward, q, k, v, causal=True)
        del cache  # its T x T weights: free them before the tiled call
        tiled_peak, tiled_s, tiled = peak_and_time(
            tiled_attention, q, k, v, causal=True, block_size=block_size
        )
        error = np.max(np.abs(np.asarray(plain) - np.asarray(tiled)))
        for key, value in zip(rows, (plain_peak, tiled_peak, plain_s, tiled_s, error), strict=True):
            rows[key].append(float(value))
    report = {key: np.array(values) for key, values in rows.items()}
    report["lengths"] = np.array(lengths)
    return report


def slope(x: np.ndarray, y: np.ndarray) -> float:
    """The slope of log y against log x, fitted by least squares: 2 for y ~ x^2."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def slope_label(name: str, x: np.ndarray, y: np.ndarray) -> str:
    return f"{name} (slope {round(slope(x, y), 1) + 0.0:.1f})"  # + 0.0: never "-0.0"


def plot_attention_memory(
    memory: dict[str, np.ndarray], path: Path, head_size: int = HEAD_SIZE
) -> None:
    """Two log-log panels against T: peak memory (MB), with the tiled version's peak less
    its (T, d) output, and the size of one T x T float64 score matrix (dashed) and of the
    output (dotted) for comparison; then seconds per call. Each measured line's legend
    gives its fitted slope (2: quadratic, 1: linear, 0: flat)."""
    import matplotlib.pyplot as plt

    t = memory["lengths"].astype(float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    for key, name, marker in (("plain", "plain", "o"), ("tiled", "tiled", "s")):
        mb = memory[key] / MB
        left.plot(t, mb, marker=marker, label=slope_label(name, t, mb))
        seconds = memory[f"{key}_s"]
        right.plot(t, seconds, marker=marker, label=slope_label(name, t, seconds))
    output_mb = t * head_size * 8 / MB
    beyond = np.maximum(memory["tiled"] / MB - output_mb, 1e-3)  # the tiles, the output aside
    left.plot(
        t,
        beyond,
        "s--",
        color="tab:orange",
        mfc="none",
        lw=1,
        label=slope_label("tiled, less its output", t, beyond),
    )
    left.plot(t, t**2 * 8 / MB, "k--", lw=1, label="one T x T score matrix")
    left.plot(t, output_mb, "k:", lw=1, label=f"the output, T x {head_size}")
    left.set(ylabel="peak memory during the call (MB)", title="Peak memory")
    right.set(ylabel="seconds per call", title="Time")
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(t, [str(int(x)) for x in t])
        ax.set_xlabel("sequence length T")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(frameon=False, fontsize=8)
    fig.suptitle(
        f"Causal attention, one head of size {head_size}, float64: plain against tiled",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# Tasks 14 and 15: their parts of the experiments. Each takes the output folder and a
# seed, writes its files there and returns what it measured (an empty dict: nothing).


TEMPERATURES = (0.5, 1.0, 1.5)


def char_lm_part(out: Path, seed: int = 0, max_names: int | None = None) -> dict[str, object]:
    """Task 14: train your `train_char_lm` on 80% of the first names (plain, not
    ciphered), draw its training curve with the held-out cross-entropy it reaches
    (``charlm_curves.png``), and write 12 names sampled at each of three temperatures
    (``charlm_samples.txt``)."""
    import matplotlib.pyplot as plt
    import torch

    from dlkit.data import first_names

    from .cases.charlm_checks import TARGET_NATS, char_lm_nats
    from .charlm import encode, sample_names, train_char_lm

    names = first_names()[:max_names]
    order = np.random.default_rng(seed).permutation(len(names))
    cut = int(0.8 * len(names))
    train = encode([names[i] for i in order[:cut]])
    held_out = encode([names[i] for i in order[cut:]])
    history: list[float] = []
    start = time.perf_counter()
    model = train_char_lm(train, seed, history)
    took = time.perf_counter() - start
    state = {key: value.detach().numpy() for key, value in model.state_dict().items()}
    nats = char_lm_nats(state, {"held_out": held_out})

    fig, ax = plt.subplots(figsize=(6.5, 4))
    epochs = np.arange(1, len(history) + 1)
    ax.plot(epochs, history, marker="o", label="training loss (mean of each epoch)")
    ax.axhline(nats, color="C1", label=f"held-out after training: {nats:.3f}")
    ax.axhline(TARGET_NATS, color="C3", linestyle="--", label=f"the grader's target {TARGET_NATS}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title(f"character LM on {cut} first names ({took:.0f} s of training)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "charlm_curves.png", dpi=120)
    plt.close(fig)

    generator = torch.Generator().manual_seed(seed)
    lines = [
        f"temperature {t}: " + ", ".join(sample_names(model, 12, generator, t))
        for t in TEMPERATURES
    ]
    (out / "charlm_samples.txt").write_text("\n".join(lines) + "\n")
    return {"held_out_nats": nats, "train_s": took, "samples": lines}


def seq2seq_part(out: Path, seed: int = 0, n_train: int = 10_000) -> dict[str, object]:
    """Task 15: train your `train_seq2seq` on ``n_train`` generated dates, measure its
    exact-match accuracy on 1,000 others, and draw its attention on four of them
    (``seq2seq_attention.png``: output characters down, source characters across)."""
    import matplotlib.pyplot as plt
    import torch

    from dlkit.dates import date_pairs, decode_sources, decode_targets

    from .seq2seq import train_seq2seq, translate

    rng = np.random.default_rng(seed)
    src, targets = date_pairs(n_train, rng)
    held_src, held_targets = date_pairs(1000, rng)
    start = time.perf_counter()
    model = train_seq2seq(src, targets, seed)
    took = time.perf_counter() - start
    with torch.no_grad():
        tokens, attention = translate(model, held_src)
    right = (tokens.numpy() == held_targets).all(axis=1)
    shown = list(np.flatnonzero(right)[:3]) + list(np.flatnonzero(~right)[:1])
    shown = (shown + [i for i in range(4) if i not in shown])[:4]
    sources, written = decode_sources(held_src), decode_targets(tokens.numpy())
    truths = decode_targets(held_targets)
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5))
    for ax, i in zip(axes.flat, shown, strict=True):
        length = len(sources[i])
        ax.imshow(attention[i, :, :length].numpy(), cmap="viridis", vmin=0.0, vmax=1.0)
        ax.set_xticks(range(length), list(sources[i]), fontsize=8)
        ax.set_yticks(range(len(written[i])), list(written[i]), fontsize=8)
        mark = "right" if right[i] else f"wrong: should be {truths[i]}"
        ax.set_title(f"{sources[i]!r} -> {written[i]} ({mark})", fontsize=9)
    fig.suptitle(f"where the decoder looks ({right.mean():.1%} of 1,000 held-out dates exact)")
    fig.tight_layout()
    fig.savefig(out / "seq2seq_attention.png", dpi=120)
    plt.close(fig)
    return {"accuracy": float(right.mean()), "train_s": took}


PARTS = ("memory", "charlm", "seq2seq")  # what `run` does by default, in this order


def run(
    out: Path, lengths: Sequence[int] = LENGTHS, seed: int = 0, parts: Sequence[str] = PARTS
) -> dict[str, object]:
    """Run the chosen parts (any of `PARTS`) and write their files into ``out``; returns
    what each part measured, by part name."""
    import matplotlib

    matplotlib.use("Agg")
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; the parts are {PARTS}")
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {}
    if "memory" in parts:
        memory = attention_memory(lengths, seed=seed)
        plot_attention_memory(memory, out / "attention_memory.png")
        report["memory"] = memory
    if "charlm" in parts:
        report["charlm"] = char_lm_part(out, seed)
    if "seq2seq" in parts:
        report["seq2seq"] = seq2seq_part(out, seed)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw3.experiments", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("plots"))
    parser.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    args = parser.parse_args(argv)
    try:
        report = run(args.out, args.lengths, args.seed, args.parts)
    except NotImplementedError as exc:
        print(f"not implemented yet: {exc}\nFinish the tasks it needs first.", file=sys.stderr)
        return 1
    memory = report.get("memory")
    if isinstance(memory, dict):
        print("     T   plain MB   tiled MB   plain s   tiled s   max |plain - tiled|")
        for i, t in enumerate(memory["lengths"]):
            print(
                f"{t:6d} {memory['plain'][i] / MB:10.1f} {memory['tiled'][i] / MB:10.2f}"
                f" {memory['plain_s'][i]:9.3f} {memory['tiled_s'][i]:9.3f}"
                f" {memory['max_error'][i]:12.1e}"
            )
        print(f"wrote {args.out}/attention_memory.png")
    names = report.get("charlm")
    if isinstance(names, dict) and names:
        print(
            f"names: {names['held_out_nats']:.3f} nats per character on held-out names after "
            f"{names['train_s']:.0f} s of training; wrote {args.out}/charlm_curves.png and "
            f"{args.out}/charlm_samples.txt"
        )
        for line in names["samples"]:
            print(f"  {line}")
    dates = report.get("seq2seq")
    if isinstance(dates, dict) and dates:
        print(
            f"dates: {dates['accuracy']:.1%} of 1,000 held-out dates exact after "
            f"{dates['train_s']:.0f} s of training; wrote {args.out}/seq2seq_attention.png"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
