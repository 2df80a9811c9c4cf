"""A character-level language model of first names: the course's small GPT (`hw3.gpt`)
learns to spell names one character at a time, then makes up new ones.

Tokens. The vocabulary has V = 27 ids: id 0 is the boundary token "." that starts and
ends every name, and ids 1..26 are the letters (a..z in `ALPHABET`, when names are
spelled plainly). A corpus is a flat int64 array: every name between two 0s, one 0
between two names,

    emma, olivia  ->  . e m m a . o l i v i a .  ->  [0, 5, 13, 13, 1, 0, 15, 12, 9, 22, 9, 1, 0]

The model reads one name per row (`name_rows`): the boundary, then the letters, and
predicts at each position the next token; the last target of a name is the boundary
that ends it, so the model learns where names stop. Training minimizes the mean
cross-entropy (nats per character) of these predictions.

Shapes: N names, T = (longest name) + 1 positions, V = 27.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from hw3.gpt import GPT, GPTConfig

BOUNDARY = 0  # the token "." before and after every name
ALPHABET = ".abcdefghijklmnopqrstuvwxyz"  # ALPHABET[i] is the character of id i
VOCAB_SIZE = len(ALPHABET)  # V = 27
IGNORE = -100  # a target to leave out of the loss (F.cross_entropy's ignore_index)


def char_lm_config(vocab_size: int = VOCAB_SIZE) -> GPTConfig:
    """The course's character model: the architecture whose weights the grader loads.

    2 blocks, 4 heads, C = 32 channels, learned positions (no RoPE), room for 16
    positions (a name of up to 15 letters after its start token). Dropout has no weights:
    you may train a copy with another ``dropout`` (``dataclasses.replace(config,
    dropout=p)``); the grader evaluates in evaluation mode, where dropout is off.
    """
    return GPTConfig(
        vocab_size=vocab_size, block_size=16, n_layer=2, n_head=4, n_embd=32, rope=False
    )


def encode(names: list[str]) -> np.ndarray:
    """Names of letters a..z as one corpus of ids (the module docstring's layout):
    (sum of the name lengths + number of names + 1,) int64."""
    ids = [BOUNDARY]
    for name in names:
        ids.extend(ALPHABET.index(ch) for ch in name)
        ids.append(BOUNDARY)
    return np.array(ids, dtype=np.int64)


def split_names(corpus: np.ndarray) -> list[np.ndarray]:
    """The names of a corpus, each as its letter ids (the boundaries dropped)."""
    cuts = np.flatnonzero(np.asarray(corpus) == BOUNDARY)
    return [corpus[a + 1 : b] for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a + 1]


def spell(ids: np.ndarray | list[int], alphabet: str = ALPHABET) -> str:
    """A name's letter ids as text, ``alphabet[i]`` for id i."""
    return "".join(alphabet[int(i)] for i in ids)


def name_rows(corpus: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """The names of a corpus as rows for the GPT, one name per row.

    For a name with letter ids c_1..c_n, row i of X is [0, c_1, ..., c_n] and row i of Y
    is [c_1, ..., c_n, 0] (Y[i, t] is the token after X[i, t]); both are padded on the
    right to T = (longest name) + 1 positions, X with 0 and Y with `IGNORE` (-100), so
    that ``model(X, Y)`` counts every letter and every end of a name, and no padding.
    (The attention is causal: padding after a name changes nothing before it.)

    Returns: X (N, T) and Y (N, T), torch.long.
    """
    names = split_names(corpus)
    T = max(len(name) for name in names) + 1
    X = torch.full((len(names), T), BOUNDARY, dtype=torch.long)
    Y = torch.full((len(names), T), IGNORE, dtype=torch.long)
    for i, name in enumerate(names):
        letters = torch.as_tensor(name, dtype=torch.long)
        X[i, 1 : len(name) + 1] = letters
        Y[i, : len(name)] = letters
        Y[i, len(name)] = BOUNDARY
    return X, Y


@torch.no_grad()
def sample_names(
    model: GPT,
    n: int,
    generator: torch.Generator,
    temperature: float = 1.0,
    alphabet: str = ALPHABET,
) -> list[str]:
    """``n`` names made up by ``model`` (in evaluation mode): each starts from the
    boundary token and draws its next token from softmax(logits / temperature) until it
    draws the boundary again (or fills the model's block_size). Spelled with
    ``alphabet``: a model trained on ciphered names writes ciphered names."""
    model.eval()
    limit = model.config.block_size
    tokens = torch.full((n, 1), BOUNDARY, dtype=torch.long)  # (n, 1)
    done = torch.zeros(n, dtype=torch.bool)
    while tokens.shape[1] < limit and not bool(done.all()):
        logits, _ = model(tokens)  # (n, t, V)
        probs = F.softmax(logits[:, -1, :] / temperature, dim=-1)  # (n, V)
        nxt = torch.multinomial(probs, 1, generator=generator)  # (n, 1)
        nxt[done] = BOUNDARY
        done |= nxt[:, 0] == BOUNDARY
        tokens = torch.cat([tokens, nxt], dim=1)
    names = []
    for row in tokens[:, 1:].tolist():
        end = row.index(BOUNDARY) if BOUNDARY in row else len(row)
        names.append(spell(row[:end], alphabet))
    return names


def train_char_lm(corpus: np.ndarray, seed: int, history: list[float] | None = None) -> GPT:
    """The graded task: train a ``GPT(char_lm_config())`` on the names of ``corpus`` and
    return it.

    The grader judges the network, not samples: it loads the returned model's
    ``state_dict()`` into its own ``GPT(char_lm_config())`` and measures, in evaluation
    mode, its mean cross-entropy per character on held-out names your code never sees,
    read as `name_rows` lays them out (every letter and every end of a name counted).
    The names come ciphered (the letters' ids in a secret order, the same for the held-out
    names): a model trained on what it is given does not notice.

    Reproducible from ``seed``: call ``torch.manual_seed(seed)`` first, so that the
    initial weights, the batches and the dropout all follow from it.

    ``history``: when a list is given, append to it, after each epoch (each pass over
    the names), that epoch's mean training loss, a float: the record your training
    curve is drawn from. The grader passes one and checks that it holds a finite number
    for each of at least two epochs, the last below the first.

    Inputs:  corpus (L,) int64 ids in 0..26, names between boundary tokens 0 (the module
             docstring's layout); a seed for torch; history, a list or None.
    Returns: the trained GPT.
    """
    # BEGIN SOLUTION: seed; the rows of the names; AdamW over shuffled minibatches for some epochs
    torch.manual_seed(seed)
    X, Y = name_rows(corpus)  # (N, T) each
    lengths = (Y != IGNORE).sum(dim=1)  # (N,) the positions each row counts
    model = GPT(char_lm_config())
    epochs, batch_size, lr = 18, 128, 1.5e-2
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    batches = -(-len(X) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=epochs * batches
    )
    model.train()
    for _ in range(epochs):
        losses = []
        for rows in torch.split(torch.randperm(len(X)), batch_size):
            T = int(lengths[rows].max())  # no column of padding only
            _, loss = model(X[rows, :T], Y[rows, :T])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
        if history is not None:
            history.append(float(np.mean(losses)))
    return model.eval()
    # END SOLUTION
