"""A byte-level byte-pair-encoding (BPE) tokenizer: train merges on a text, encode a text
into token ids, decode ids back into the text.

Tokens are ids. Ids 0..255 are the 256 byte values: a text starts as the bytes of its
UTF-8 encoding, so every string has a tokenization and nothing is ever "unknown". Merge
k (counting from 0) joins the adjacent pair (a, b) into the new id 256 + k, whose bytes
are the bytes of a followed by the bytes of b. The merges, in the order training found
them, are the whole tokenizer: ``merges[k] = (a, b)``, and k is the merge's *rank*.

Conventions (the cases compare merges and ids exactly, so every choice is fixed here):
- Training runs over the raw byte stream of the whole text: no pre-splitting into
  words, so a token may cross a space (``"e t"``). Encoding does the same.
- A pair's count is the number of positions i where ``(ids[i], ids[i + 1])`` equals it,
  overlaps included: ``a a a`` holds the pair (a, a) twice.
- Merging a pair replaces its occurrences scanning left to right, never two that
  overlap: ``a a a`` becomes ``Z a``, ``a a a a`` becomes ``Z Z``.
- Ties between equally frequent pairs go to the smallest pair as a tuple of ids (the
  smaller a; for equal a, the smaller b).
- Text is encoded with strict UTF-8 (a str holding a lone surrogate, which has no UTF-8
  encoding, raises ``UnicodeEncodeError``, as ``str.encode`` does); bytes are decoded
  with ``errors="replace"``, so any id sequence decodes, an incomplete character
  becoming U+FFFD.

Shapes: V = 256 + len(merges) ids in the vocabulary; ids are 1-D (a list or an integer
array). No function changes its inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Pair = tuple[int, int]


def merge(ids: np.ndarray | Sequence[int], pair: Pair, new_id: int) -> np.ndarray:
    """Replace every occurrence of the adjacent pair ``(a, b)`` in ``ids`` by ``new_id``,
    scanning left to right: an occurrence that overlaps the one just replaced is not an
    occurrence any more (``merge([7, 7, 7], (7, 7), 9)`` is ``[9, 7]``).

    Inputs:  ids (L,) integers (a list or an array), pair (a, b), new_id.
    Returns: a new int64 array (L - r,), where r is the number of replacements.
    """
    # BEGIN SOLUTION: the starts of the pair; in a run of a == b, keep every other one
    ids = np.asarray(ids, dtype=np.int64)
    a, b = pair
    starts = np.flatnonzero((ids[:-1] == a) & (ids[1:] == b))
    if a == b and starts.size:
        # Consecutive starts s, s + 1, ... lie in one run of a's: scanning left to right
        # replaces the run's 1st, 3rd, 5th ... start, an even offset from the run's first.
        run_first = np.where(np.diff(starts, prepend=-2) > 1, starts, 0)
        starts = starts[(starts - np.maximum.accumulate(run_first)) % 2 == 0]
    out = ids.copy()
    out[starts] = new_id
    return np.delete(out, starts + 1)
    # END SOLUTION


def train_bpe(text: str, num_merges: int) -> list[Pair]:
    """Learn up to ``num_merges`` merges from ``text`` (``num_merges >= 0``).

    Start from the UTF-8 bytes of the text as ids 0..255. Then, for k = 0, 1, ...:
    count every adjacent pair of the current ids (overlaps included), take the most
    frequent pair (ties: the smallest (a, b)), record it as merge k and `merge` it into
    the new id 256 + k. Stop after ``num_merges`` merges, or earlier as soon as no pair
    occurs at least twice (fewer than two ids left included): merging a pair that
    occurs once saves nothing.

    Example (Wikipedia's): ``"aaabdaaabac"`` gives ``[(97, 97), (97, 98), (256, 257)]``
    (aa -> 256, then ab -> 257, which ties with (256, 97) and is the smaller pair, then
    256 257 -> 258); the text is then 258 100 258 97 99, where no pair repeats, so
    training stops there whatever ``num_merges`` is.

    Returns: the merges in the order they were found, each a tuple of two Python ints.
    """
    # BEGIN SOLUTION: recount all pairs after each merge, pair (a, b) numbered a * V + b
    ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
    merges: list[Pair] = []
    for new_id in range(256, 256 + num_merges):
        if ids.size < 2:
            break
        # Every id is below new_id, so the numbers a * new_id + b sort as the tuples (a, b).
        keys, counts = np.unique(ids[:-1] * new_id + ids[1:], return_counts=True)
        best = int(counts.argmax())  # the first maximum: the smallest of the most frequent
        if counts[best] < 2:
            break
        pair = divmod(int(keys[best]), new_id)
        merges.append(pair)
        ids = merge(ids, pair, new_id)
    return merges
    # END SOLUTION


def encode(text: str, merges: Sequence[Pair]) -> list[int]:
    """The token ids of ``text``, as the trained tokenizer splits it.

    Start from the UTF-8 bytes of the text as ids 0..255. Then, as long as some adjacent
    pair of the current ids is one of the merges, take the one of lowest rank k (its
    index in ``merges``) and `merge` it into 256 + k. On the training text this gives
    exactly the ids that training ended with.

    Inputs:  text, merges (a sequence of pairs (a, b), as `train_bpe` returns).
    Returns: the ids, a list of Python ints, each below V = 256 + len(merges).
    """
    # BEGIN SOLUTION: a merge never creates a pair of lower rank: apply each once, in order
    ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
    for rank, pair in enumerate(merges):
        if ids.size < 2:
            break
        ids = merge(ids, pair, 256 + rank)
    return ids.tolist()
    # END SOLUTION


def vocabulary(merges: Sequence[Pair]) -> list[bytes]:
    """The bytes each id stands for: entry i of the returned list is the bytes of id i.

    Ids 0..255 are the single bytes ``bytes([i])``; id 256 + k, made by merge k = (a, b),
    is the bytes of a followed by the bytes of b.

    Returns: a list of V = 256 + len(merges) bytes objects.
    """
    # BEGIN SOLUTION: the 256 single bytes, then each merge's two parts joined, in order
    table = [bytes([i]) for i in range(256)]
    for a, b in merges:
        table.append(table[a] + table[b])
    return table
    # END SOLUTION


def decode(ids: Sequence[int], merges: Sequence[Pair]) -> str:
    """The text of the token ids: the bytes of each id (`vocabulary`), joined, decoded
    as UTF-8 with ``errors="replace"``. ``decode(encode(s, merges), merges) == s`` for
    every string s that UTF-8 can encode, whatever the merges.

    Inputs:  ids (a list or an integer array), merges as for `encode`.
    Returns: the text. An id outside 0..V-1 (V = 256 + len(merges)) raises ValueError.
    """
    # BEGIN SOLUTION: look each id up in the vocabulary, join the bytes, decode once
    table = vocabulary(merges)
    unknown = [i for i in ids if not 0 <= i < len(table)]
    if unknown:
        raise ValueError(f"ids {unknown[:5]} are not in a vocabulary of {len(table)}")
    return b"".join(table[i] for i in ids).decode("utf-8", errors="replace")
    # END SOLUTION
