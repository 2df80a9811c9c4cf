"""hw3's BPE tokenizer against a brute-force oracle written here: the textbook loop in
plain Python (recount every pair with a Counter after each merge, replace with a while
loop, encode by repeatedly merging the pair of lowest rank), with the module's tie rule.
Then the properties a tokenizer must have: the hand-worked Wikipedia example, exact round
trips on random Unicode, compression of the training text, token bytes that are the
bytes they cover, and inputs left as they were."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from hw3.bpe import decode, encode, merge, train_bpe, vocabulary

# ---------------------------------------------------------------------------- the oracle


def oracle_merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Scan left to right; a match consumes both ids."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def oracle_train(text: str, num_merges: int) -> tuple[list[tuple[int, int]], list[int]]:
    """The merges and the ids training ends with: recount all pairs at every merge."""
    ids, merges = list(text.encode("utf-8")), []
    for k in range(num_merges):
        counts = Counter(zip(ids, ids[1:], strict=False))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if not ranked or ranked[0][1] < 2:
            break
        merges.append(ranked[0][0])
        ids = oracle_merge(ids, ranked[0][0], 256 + k)
    return merges, ids


def oracle_encode(text: str, merges: list[tuple[int, int]]) -> list[int]:
    """While a merge applies, merge the present pair of lowest rank (minbpe's loop)."""
    rank = {tuple(pair): k for k, pair in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while True:
        present = [rank[p] for p in zip(ids, ids[1:], strict=False) if p in rank]
        if not present:
            return ids
        k = min(present)
        ids = oracle_merge(ids, merges[k], 256 + k)


def oracle_bytes(token: int, merges: list[tuple[int, int]]) -> bytes:
    """Expand a token recursively down to its bytes."""
    if token < 256:
        return bytes([token])
    a, b = merges[token - 256]
    return oracle_bytes(a, merges) + oracle_bytes(b, merges)


# ----------------------------------------------------------------------- random texts

ALPHABETS = [
    "ab",  # long runs: the (a, a) overlaps and the left-to-right rule
    "abc ",
    "abcdefgh \n",
    "aé€😀 ",  # 1- to 4-byte characters: merges inside and across characters
    "xyz\x00\t",
]


def random_text(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def random_unicode(rng: random.Random, length: int) -> str:
    """Code points from every UTF-8 length, surrogates excluded (UTF-8 cannot encode them)."""
    ranges = [(0, 0x7F), (0x80, 0x7FF), (0x800, 0xD7FF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF)]
    picks = [chr(rng.randint(*rng.choice(ranges))) for _ in range(length)]
    return "".join(picks)


def corpus(size: int, seed: int = 0) -> str:
    """Words of a made-up language with Zipf-like frequencies, as a stand-in for prose."""
    rng = random.Random(seed)
    letters = "etaoinshrdlucmfwyp"
    words = ["".join(rng.choices(letters, k=rng.randint(1, 7))) for _ in range(300)]
    weights = [1 / (i + 1) for i in range(len(words))]
    text = ""
    while len(text) < size:
        text += " ".join(rng.choices(words, weights, k=50)) + ".\n"
    return text[:size]


# ---------------------------------------------------------------- hand-worked examples


def test_wikipedia_example() -> None:
    """aaabdaaabac: aa -> Z, then ab -> Y (tied with Za, the smaller pair), then ZY -> X;
    XdXac repeats no pair, so training stops after 3 merges whatever is asked."""
    text = "aaabdaaabac"
    merges = train_bpe(text, 10)
    assert merges == [(97, 97), (97, 98), (256, 257)]
    assert encode(text, merges) == [258, 100, 258, 97, 99]
    assert decode([258, 100, 258, 97, 99], merges) == text
    assert train_bpe(text, 2) == [(97, 97), (97, 98)]
    assert train_bpe(text, 10**9) == merges  # "until no pair repeats", at no cost


def test_ties_go_to_the_smallest_pair() -> None:
    # abcdabcd: ab, bc, cd each twice -> ab; ZcdZcd: Zc and cd twice -> (99, 100) < (256, 99).
    assert train_bpe("abcdabcd", 10) == [(97, 98), (99, 100), (256, 257)]
    assert encode("abcdabcd", [(97, 98), (99, 100), (256, 257)]) == [258, 258]


def test_runs_count_overlaps_and_merge_left_to_right() -> None:
    assert merge([7, 7, 7], (7, 7), 9).tolist() == [9, 7]
    assert merge([7, 7, 7, 7], (7, 7), 9).tolist() == [9, 9]
    assert merge([7, 7, 7, 1, 7, 7, 7, 7, 7], (7, 7), 9).tolist() == [9, 7, 1, 9, 9, 7]
    # "aaa" holds (a, a) twice, so it is merged; then Z a repeats nothing.
    assert train_bpe("aaa", 5) == [(97, 97)]
    assert encode("aaa", [(97, 97)]) == [256, 97]
    assert train_bpe("aaaaa", 5) == [(97, 97)]  # Z Z a: each pair once
    # 8 a's: Z Z Z Z holds (Z, Z) three times, Y Y once: two merges.
    assert train_bpe("a" * 8, 5) == [(97, 97), (256, 256)]
    assert encode("a" * 8, [(97, 97), (256, 256)]) == [257, 257]


def test_empty_and_tiny_inputs() -> None:
    assert train_bpe("", 5) == []
    assert train_bpe("a", 5) == []
    assert train_bpe("ab", 5) == []  # each pair once
    assert train_bpe("abab", 0) == []
    assert encode("", [(97, 98)]) == []
    assert encode("a", [(97, 98)]) == [97]
    assert decode([], [(97, 98)]) == ""
    assert merge([], (1, 2), 3).tolist() == []
    assert merge([1], (1, 1), 3).tolist() == [1]


# --------------------------------------------------------------- against the oracle


def test_merge_matches_the_oracle() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        ids = rng.integers(0, 3, size=int(rng.integers(0, 30))).tolist()
        pair = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        got = merge(np.array(ids, dtype=np.int64), pair, 99)
        assert got.dtype == np.int64
        assert got.tolist() == oracle_merge(ids, pair, 99)
        assert merge(ids, pair, 99).tolist() == oracle_merge(ids, pair, 99)  # a list too


@pytest.mark.parametrize("alphabet", ALPHABETS)
def test_training_matches_the_brute_force_oracle(alphabet: str) -> None:
    rng = random.Random(alphabet)
    for _ in range(40):
        text = random_text(rng, alphabet, rng.randint(0, 120))
        num_merges = rng.randint(0, 40)
        expected, final_ids = oracle_train(text, num_merges)
        merges = train_bpe(text, num_merges)
        assert merges == expected, text
        assert encode(text, merges) == final_ids, text


def test_training_on_a_larger_corpus_matches_the_oracle() -> None:
    text = corpus(4000)
    expected, final_ids = oracle_train(text, 120)
    merges = train_bpe(text, 120)
    assert merges == expected
    assert len(merges) == 120  # prose has far more than 120 repeated pairs
    assert encode(text, merges) == final_ids


def test_encode_merges_the_lowest_rank_first_on_unseen_text() -> None:
    """Merges learnt on one text, applied to others: as the textbook's lowest-rank loop."""
    rng = random.Random(1)
    merges = train_bpe(corpus(3000, seed=1) + random_text(rng, "aé€😀 ", 300), 150)
    for alphabet in ALPHABETS:
        for _ in range(20):
            text = random_text(rng, alphabet + "etaoin", rng.randint(0, 80))
            assert encode(text, merges) == oracle_encode(text, merges), text
    for _ in range(20):
        text = corpus(200, seed=rng.randint(0, 10**6))
        assert encode(text, merges) == oracle_encode(text, merges)


def test_outputs_are_plain_python_ints() -> None:
    merges = train_bpe(corpus(500), 20)
    assert all(type(p) is tuple and len(p) == 2 for p in merges)
    assert all(type(i) is int for p in merges for i in p)
    assert all(type(i) is int for i in encode("the rain", merges))


def test_merges_given_as_lists_work_the_same() -> None:
    """Merges that crossed a process boundary as plain data arrive as lists of lists."""
    text = corpus(800)
    merges = train_bpe(text, 40)
    as_lists = [list(p) for p in merges]
    ids = encode(text, as_lists)
    assert ids == encode(text, merges)
    assert decode(ids, as_lists) == text
    assert vocabulary(as_lists) == vocabulary(merges)


# ---------------------------------------------------------------------- properties


def test_round_trip_on_random_unicode() -> None:
    rng = random.Random(2)
    trained_on_mixed = train_bpe(corpus(1500) + random_unicode(rng, 400) + "😀😀é€" * 30, 200)
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one emoji of five code points
    specials = ["", "😀", "é", "\x00", "a\u0301", family, "\U0010ffff", " \n\t ", "日本語です"]
    texts = specials + [random_unicode(rng, rng.randint(0, 60)) for _ in range(100)]
    for text in texts:
        for merges in (trained_on_mixed, train_bpe(text, 30), []):
            ids = encode(text, merges)
            assert decode(ids, merges) == text
            assert decode(np.array(ids, dtype=np.int64), merges) == text


def test_encoding_the_training_text_compresses_it() -> None:
    """Each merge of training replaces at least one occurrence: the training text ends at
    least len(merges) ids shorter than its bytes."""
    rng = random.Random(3)
    for text in [corpus(3000), random_unicode(rng, 500) * 3, "aaabdaaabac" * 7]:
        merges = train_bpe(text, 80)
        n_bytes = len(text.encode("utf-8"))
        assert len(encode(text, merges)) <= n_bytes - len(merges)


def test_each_token_stands_for_the_bytes_it_covers() -> None:
    rng = random.Random(4)
    text = corpus(2000) + random_unicode(rng, 300) + "€€😀😀" * 20
    data = text.encode("utf-8")
    merges = train_bpe(text, 150)
    table = vocabulary(merges)
    assert len(table) == 256 + len(merges)
    assert table[:256] == [bytes([i]) for i in range(256)]
    for k, (a, b) in enumerate(merges):
        assert a < 256 + k and b < 256 + k  # a merge joins ids that already exist
        assert table[256 + k] == oracle_bytes(256 + k, merges) == table[a] + table[b]
        assert table[256 + k] in data  # every token was seen in the training text
    for sample in (text, random_unicode(rng, 200), "never seen: qqq ÷ 🦀"):
        ids = encode(sample, merges)
        assert b"".join(table[i] for i in ids) == sample.encode("utf-8")


def test_decode_replaces_incomplete_characters() -> None:
    euro = "€".encode()  # 3 bytes
    assert decode(list(euro[:2]), []) == "\ufffd"
    assert decode(list(euro[:1]) + [ord("a")], []) == "\ufffda"
    merges = [(euro[0], euro[1])]  # a token that ends inside a character
    assert decode([256], merges) == "\ufffd"
    assert decode([256, euro[2]], merges) == "€"


def test_decode_rejects_ids_outside_the_vocabulary() -> None:
    merges = [(97, 98)]
    for bad in (257, -1, 10**6):
        with pytest.raises(ValueError):
            decode([97, bad], merges)


def test_inputs_are_not_modified() -> None:
    text = corpus(600)
    merges = train_bpe(text, 30)
    merges_before = list(merges)
    ids = encode(text, merges)
    ids_before = list(ids)
    decode(ids, merges)
    vocabulary(merges)
    encode("another text", merges)
    assert merges == merges_before and ids == ids_before
    array = np.array([5, 5, 5, 6], dtype=np.int64)
    merge(array, (5, 5), 300)
    assert array.tolist() == [5, 5, 5, 6]
    as_list = [5, 5, 5, 6]
    merge(as_list, (5, 5), 300)
    assert as_list == [5, 5, 5, 6]
