"""Grader data and the check of hw3's character-level language model (`hw3.charlm`).

The case trains on ciphered names and returns the GPT's weights; the check loads them into
the course's own ``GPT(char_lm_config())`` and measures the mean cross-entropy per
character on held-out names, ciphered the same way, that never entered the submission's
process.
"""

from __future__ import annotations

import numpy as np

from autograder.cases import Arrays, DataBuilder, Verdict
from autograder.heldout import split_indices
from autograder.outputs import Outputs
from autograder.trained import Threshold, Weights, on_weights
from dlkit.data import first_names

# Measured over 20 grading secrets (tests/hw3/test_charlm.py; each its own split,
# cipher and training seed): the reference reaches 1.965 to 2.010 nats per character on
# the held-out names, median 1.986, so it passes 20 of 20 with at least 0.040 to spare.
# Count-based models of the same training names, with the best add-k smoothing chosen
# on the held-out names themselves, stay above the target: unigram 2.801 to 2.820,
# bigram 2.338 to 2.366, trigram 2.105 to 2.149 (at least 0.055 above). (Richer counts
# come closer: add-k 4-grams reach 2.044 to 2.102, interpolated Kneser-Ney 5-grams 1.881
# to 1.932; no one writes those into a transformer's weights by hand.)
TARGET_NATS = 2.05
LETTERS = 26
V = LETTERS + 1  # the boundary token 0 and the letters 1..26


def char_lm_shapes(V: int = V, T: int = 16, C: int = 32, L: int = 2) -> dict[str, tuple[int, ...]]:
    """The state of ``GPT(char_lm_config())`` by name, as hw3.gpt's docstring lists it."""
    shapes: dict[str, tuple[int, ...]] = {"wte.weight": (V, C), "wpe.weight": (T, C)}
    for layer in range(L):
        block = f"blocks.{layer}"
        for norm in ("ln_1", "ln_2"):
            shapes[f"{block}.{norm}.weight"] = (C,)
            shapes[f"{block}.{norm}.bias"] = (C,)
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            shapes[f"{block}.attn.{proj}.weight"] = (C, C)
            shapes[f"{block}.attn.{proj}.bias"] = (C,)
        shapes[f"{block}.mlp.fc.weight"] = (4 * C, C)
        shapes[f"{block}.mlp.fc.bias"] = (4 * C,)
        shapes[f"{block}.mlp.proj.weight"] = (C, 4 * C)
        shapes[f"{block}.mlp.proj.bias"] = (C,)
    shapes["ln_f.weight"] = (C,)
    shapes["ln_f.bias"] = (C,)
    shapes["lm_head.weight"] = (V, C)
    return shapes


CHAR_LM_SHAPES = char_lm_shapes()
CHAR_LM_HINT = "return GPT(char_lm_config()) built as hw3.gpt's docstring says"


def ciphered_corpus(names: list[str], cipher: np.ndarray) -> np.ndarray:
    """``names`` (letters a..z) as one corpus of ids (hw3.charlm's layout: each name
    between boundary tokens 0), every letter id i replaced by ``cipher[i]``."""
    ids = [0]
    for name in names:
        ids.extend(int(cipher[ord(ch) - ord("a") + 1]) for ch in name)
        ids.append(0)
    return np.array(ids, dtype=np.int64)


def ciphered_names_split(test_fraction: float = 0.2) -> DataBuilder:
    """A builder giving the case ``corpus``, the training names, and the check alone
    ``held_out``, the other names: a random split of `dlkit.data.first_names` drawn from
    the case's generator, the training names in a random order (the alphabetical order
    would tell the cipher of first letters), and every name spelled with one random
    substitution cipher: letter id i (1..26) becomes ``cipher[i]``, a random permutation
    of 1..26, the boundary 0 stays 0."""

    def build(rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        names = first_names()
        train, test = split_indices(len(names), test_fraction, rng)
        cipher = np.concatenate([[0], 1 + rng.permutation(LETTERS)])
        train = rng.permutation(train)
        return (
            {"corpus": ciphered_corpus([names[i] for i in train], cipher)},
            {"held_out": ciphered_corpus([names[i] for i in test], cipher)},
        )

    return build


def char_lm_nats(weights: Weights, data: Arrays) -> float:
    """The mean cross-entropy, in nats per character, of the course's
    ``GPT(char_lm_config())`` with these weights, in evaluation mode, on the names of
    ``data["held_out"]``: each name read from its start token, every letter and the
    end of every name predicted (`hw3.charlm.name_rows`). (Runs in the trusted
    evaluation process, which holds torch; on Gradescope, hw3 there is the reference.)"""
    import torch
    import torch.nn.functional as F

    from hw3.charlm import IGNORE, char_lm_config, name_rows
    from hw3.gpt import GPT

    model = GPT(char_lm_config())
    state = model.state_dict()
    model.load_state_dict(
        {name: torch.as_tensor(value, dtype=state[name].dtype) for name, value in weights.items()}
    )
    model.eval()
    X, Y = name_rows(data["held_out"])  # (N, T) each
    with torch.no_grad():
        logits, _ = model(X)  # (N, T, V)
        loss = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), Y.reshape(-1), ignore_index=IGNORE
        )
    return float(loss)


def recorded_and_tied(got: Outputs, expected: Outputs, data: Arrays) -> Verdict:
    """``history`` holds a finite mean loss for each of at least two epochs, the last
    below the first (`train_char_lm`'s docstring); and the weights hold one matrix as
    both ``wte.weight`` and ``lm_head.weight`` (the course's GPT ties them: the grader's
    copy has a single matrix for the two)."""
    history = got.get("history") if isinstance(got, dict) else None
    if history is not None:
        values = np.asarray(history, dtype=float).ravel() if np.size(history) else np.zeros(0)
        if values.size < 2 or not np.all(np.isfinite(values)):
            return Verdict(
                0.0,
                f"history holds {values.size} finite values: append each epoch's mean "
                "training loss to it (at least two epochs)",
            )
        if not values[-1] < values[0]:
            return Verdict(
                0.0,
                f"the last epoch's mean loss ({values[-1]:.3f}) is not below the first's "
                f"({values[0]:.3f}): the model does not learn",
            )
    weights = got["weights"]
    if not isinstance(weights, dict):
        return Verdict(1.0, "")  # the names and shapes are checked next, with a message
    wte, head = weights.get("wte.weight"), weights.get("lm_head.weight")
    if isinstance(wte, np.ndarray) and isinstance(head, np.ndarray) and wte.shape == head.shape:
        if not np.array_equal(wte, head):
            return Verdict(
                0.0,
                "wte.weight and lm_head.weight differ: tie them (lm_head.weight is "
                "wte.weight, one Parameter, as hw3.gpt's GPT docstring says)",
            )
    return Verdict(1.0, "")


held_out_nats = on_weights(
    CHAR_LM_SHAPES,
    char_lm_nats,
    Threshold(
        "held-out cross-entropy",
        TARGET_NATS,
        at_least=False,
        format="{:.3f} nats",
        advice="train longer, or with dropout against overfitting the names you are given",
    ),
    hint=CHAR_LM_HINT,
    first=recorded_and_tied,
    apart=True,
)

names_split = ciphered_names_split()
