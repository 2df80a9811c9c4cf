"""Grader data and the check of hw3's dates model (`hw3.seq2seq`).

The case trains on generated pairs of dates whose character ids are renamed by a secret
permutation and returns the Seq2Seq's weights; the check loads them into the course's
own ``Seq2Seq()``, decodes held-out sources, renamed the same way, that never entered
the submission's process, and counts the dates written exactly right.
"""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, DataBuilder
from autograder.trained import Threshold, Weights, on_weights
from dlkit.dates import PAD, SOURCE_VOCAB, START, TARGET_VOCAB, date_pairs

# Measured over 20 seeds of the builder and the training (tests/hw3/test_seq2seq.py,
# 10,000 training pairs, 1,000 held out, one core): the reference Seq2Seq writes 98.0% to
# 100% of the held-out dates exactly, median 99.4%: it passes 20 of 20 with at least 3
# points (30 dates) to spare. It trains in 6.9 to 15.0 s, median 7.8 s (a shared core).
TARGET_EXACT = 0.95
TRAIN_PAIRS = 10_000
HELD_OUT_PAIRS = 1_000


def seq2seq_shapes(
    E: int = 32, H: int = 32, Vs: int = len(SOURCE_VOCAB), V: int = len(TARGET_VOCAB)
) -> dict[str, tuple[int, ...]]:
    """The state of ``Seq2Seq(Seq2SeqConfig(embed=E, hidden=H))`` as its docstring builds
    it, by name (nn.LSTM's names: the gates i, f, g, o stacked, 4 blocks of rows)."""
    D = 2 * H
    shapes: dict[str, tuple[int, ...]] = {"src_embed.weight": (Vs, E)}
    for suffix in ("l0", "l0_reverse"):
        shapes[f"encoder.weight_ih_{suffix}"] = (4 * H, E)
        shapes[f"encoder.weight_hh_{suffix}"] = (4 * H, H)
        shapes[f"encoder.bias_ih_{suffix}"] = (4 * H,)
        shapes[f"encoder.bias_hh_{suffix}"] = (4 * H,)
    shapes["key.weight"] = (D, D)
    shapes["tgt_embed.weight"] = (V, E)
    shapes["decoder.weight_ih_l0"] = (4 * D, E)
    shapes["decoder.weight_hh_l0"] = (4 * D, D)
    shapes["decoder.bias_ih_l0"] = (4 * D,)
    shapes["decoder.bias_hh_l0"] = (4 * D,)
    shapes["combine.weight"] = (D, 2 * D)
    shapes["combine.bias"] = (D,)
    shapes["out.weight"] = (V, D)
    shapes["out.bias"] = (V,)
    return shapes


SEQ2SEQ_SHAPES = seq2seq_shapes()
SEQ2SEQ_HINT = "return Seq2Seq() (the default Seq2SeqConfig) built as hw3.seq2seq gives it"


def disguise(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The secret renaming of a case: ``source_ids`` (Vs,) and ``target_ids`` (V,), maps
    of old id -> new id that keep PAD and START and permute every other id at random."""
    source_ids = np.concatenate([[PAD], 1 + rng.permutation(len(SOURCE_VOCAB) - 1)])
    target_ids = np.concatenate([[START], 1 + rng.permutation(len(TARGET_VOCAB) - 1)])
    return source_ids, target_ids


def disguised_dates(n_train: int = TRAIN_PAIRS, n_test: int = HELD_OUT_PAIRS) -> DataBuilder:
    """A builder giving the case ``src`` (n_train, S) and ``targets`` (n_train, 10), and
    the check alone ``src_test`` and ``targets_test`` (n_test pairs): fresh dates of
    `dlkit.dates.date_pairs` drawn from the case's generator, every character id renamed
    by the case's secret `disguise`, the same for both parts."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        src, targets = date_pairs(n_train + n_test, rng)
        source_ids, target_ids = disguise(rng)
        src, targets = source_ids[src], target_ids[targets]
        return (
            {"src": src[:n_train], "targets": targets[:n_train]},
            {"src_test": src[n_train:], "targets_test": targets[n_train:]},
        )

    return build


def exact_dates(weights: Weights, data: Arrays) -> float:
    """The share of ``data``'s held-out dates that the course's ``Seq2Seq()`` with these
    weights writes exactly (all 10 characters) by greedy decoding (`hw3.seq2seq.translate`).
    (Runs in the trusted evaluation process, which holds torch; on Gradescope, hw3 there
    is the reference.)"""
    import torch

    from hw3.seq2seq import Seq2Seq, translate

    model = Seq2Seq()
    state = model.state_dict()
    model.load_state_dict(
        {name: torch.as_tensor(value, dtype=state[name].dtype) for name, value in weights.items()}
    )
    tokens, _ = translate(model, torch.as_tensor(data["src_test"], dtype=torch.long))
    return float(np.mean(np.all(tokens.numpy() == data["targets_test"], axis=1)))


held_out_dates = on_weights(
    SEQ2SEQ_SHAPES,
    exact_dates,
    Threshold(
        "held-out dates written exactly",
        TARGET_EXACT,
        advice="train on more batches, or with a larger learning rate early on",
    ),
    hint=SEQ2SEQ_HINT,
    apart=True,
)
