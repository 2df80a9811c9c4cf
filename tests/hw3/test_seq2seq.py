"""The dates task (hw3.seq2seq, dlkit.dates): the generator parses back, the attention
step against an independent computation, greedy decoding against a plain loop, the
trusted evaluation against one of its own, a model trained elsewhere fails the disguised
check, and the reference clears the target on 20 seeds."""

from __future__ import annotations

import datetime
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.assignment import Assignment
from autograder.calibrate import calibrate, measure, seeds
from autograder.cases import case_seed
from autograder.trained import weights
from dlkit import dates
from dlkit.dates import (
    FORMATS,
    SOURCE_LEN,
    SOURCE_VOCAB,
    TARGET_VOCAB,
    date_pairs,
    decode_sources,
    decode_targets,
    encode_sources,
    encode_targets,
    random_dates,
    written,
)
from hw3 import seq2seq
from hw3.cases.seq2seq_checks import (
    HELD_OUT_PAIRS,
    SEQ2SEQ_SHAPES,
    TARGET_EXACT,
    TRAIN_PAIRS,
    disguise,
    disguised_dates,
    exact_dates,
    held_out_dates,
    seq2seq_shapes,
)
from hw3.seq2seq import Seq2Seq, Seq2SeqConfig, attend, decoder_inputs, train_seq2seq, translate

MARGIN = 0.02  # 20 of the 1,000 held-out dates


# strptime's directives for each format of dlkit.dates (the ordinal suffix is dropped
# first). strptime reads month and day names in any case.
STRPTIME = {
    "{d} {Month} {Y}": "%d %B %Y",
    "{dd} {Mon} {Y}": "%d %b %Y",
    "{Month} {d}, {Y}": "%B %d, %Y",
    "{Mon} {d} {Y}": "%b %d %Y",
    "{d}{th} of {Month}, {Y}": "%d of %B, %Y",
    "{Weekday}, {Month} {d}, {Y}": "%A, %B %d, %Y",
    "{Wkd} {Mon} {d} {Y}": "%a %b %d %Y",
    "{Wkd}, {d} {Mon} {Y}": "%a, %d %b %Y",
    "{dd}.{mm}.{Y}": "%d.%m.%Y",
    "{Y}.{mm}.{dd}": "%Y.%m.%d",
    "{m}/{d}/{Y}": "%m/%d/%Y",
    "{Y}/{m}/{d}": "%Y/%m/%d",
}


def parse(source: str) -> datetime.date:
    """The date of a source, whichever format wrote it (exactly one must read it)."""
    plain = re.sub(r"(\d)(st|nd|rd|th) of", r"\1 of", source, flags=re.IGNORECASE)
    found = set()
    for directive in STRPTIME.values():
        try:
            found.add(datetime.datetime.strptime(plain, directive).date())
        except ValueError:
            continue
    assert len(found) == 1, (source, found)
    return found.pop()


def test_every_format_parses_back_to_its_target() -> None:
    assert set(STRPTIME) == set(FORMATS)
    sources, targets = random_dates(3000, np.random.default_rng(0))
    for source, target in zip(sources, targets, strict=True):
        assert parse(source).isoformat() == target, (source, target)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", target)


def test_every_format_and_casing_is_drawn_and_dates_span_the_range() -> None:
    sources, targets = random_dates(5000, np.random.default_rng(1))
    years = [int(t[:4]) for t in targets]
    assert 1900 <= min(years) < 1905 and 2095 < max(years) <= 2099
    assert any(s.isupper() for s in sources) and any(s.islower() for s in sources)
    assert any(s[0].isupper() and not s.isupper() for s in sources)
    date = datetime.date(1998, 3, 3)
    shapes = {re.sub(r"[A-Za-z]+", "a", re.sub(r"\d+", "9", s)) for s in sources}
    assert shapes >= {
        re.sub(r"[A-Za-z]+", "a", re.sub(r"\d+", "9", written(date, f))) for f in FORMATS
    }
    assert max(map(len, sources)) <= SOURCE_LEN
    assert written(date, FORMATS[4]) == "3rd of March, 1998"
    assert [dates.ordinal_suffix(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 30, 31)] == [
        "st", "nd", "rd", "th", "th", "th", "th", "st", "nd", "rd", "th", "st",
    ]  # fmt: skip


def test_the_generator_is_reproducible_and_encodes_both_ways() -> None:
    a, b = date_pairs(200, np.random.default_rng(5)), date_pairs(200, np.random.default_rng(5))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    sources, targets = random_dates(200, np.random.default_rng(5))
    src, tgt = encode_sources(sources), encode_targets(targets)
    assert np.array_equal(src, a[0]) and np.array_equal(tgt, a[1])
    assert src.shape == (200, SOURCE_LEN) and tgt.shape == (200, 10)
    assert src.dtype == tgt.dtype == np.int64
    assert decode_sources(src) == sources and decode_targets(tgt) == targets
    lengths = (src != dates.PAD).sum(axis=1)
    assert np.all(src[np.arange(SOURCE_LEN) >= lengths[:, None]] == dates.PAD)  # padded at the end
    assert np.all(tgt > 0)  # START is never a target
    with pytest.raises(ValueError, match="not in SOURCE_VOCAB"):
        encode_sources(["3 März 1998"])


def test_the_student_file_states_the_vocabulary_of_dlkit_dates() -> None:
    assert seq2seq.PAD == dates.PAD and seq2seq.START == dates.START
    assert seq2seq.SOURCE_VOCAB_SIZE == len(SOURCE_VOCAB) == len(set(SOURCE_VOCAB))
    assert seq2seq.TARGET_VOCAB_SIZE == len(TARGET_VOCAB) and seq2seq.TARGET_LEN == 10


def test_the_grader_expects_the_state_of_the_reference_seq2seq() -> None:
    for E, H in ((32, 32), (6, 5)):
        state = Seq2Seq(Seq2SeqConfig(embed=E, hidden=H)).state_dict()
        assert {k: tuple(v.shape) for k, v in state.items()} == seq2seq_shapes(E, H)
    assert seq2seq_shapes() == SEQ2SEQ_SHAPES


def _padding(rng: np.random.Generator, B: int, S: int) -> torch.Tensor:
    lengths = rng.integers(1, S + 1, size=B)
    lengths[0] = S  # one source without padding
    return torch.as_tensor(np.arange(S) >= lengths[:, None])


def test_attend_matches_scaled_dot_product_attention_with_padding(torch_float64: None) -> None:
    rng = np.random.default_rng(2)
    for B, T, S, D, Dv in ((3, 4, 6, 5, 7), (2, 1, 1, 3, 2), (4, 10, 30, 64, 64)):
        q, k, v = (torch.tensor(rng.normal(size=s)) for s in ((B, T, D), (B, S, D), (B, S, Dv)))
        mask = _padding(rng, B, S)
        context, w = attend(q, k, v, mask)
        want = F.scaled_dot_product_attention(q, k, v, attn_mask=~mask[:, None, :])
        torch.testing.assert_close(context, want, rtol=1e-12, atol=1e-12)
        # the weights by hand: exp of the scores of the real positions, normalized
        scores = np.einsum("btd,bsd->bts", q.numpy(), k.numpy()) / np.sqrt(D)
        e = np.exp(scores - scores.max(axis=-1, keepdims=True)) * ~mask.numpy()[:, None, :]
        np.testing.assert_allclose(w.numpy(), e / e.sum(axis=-1, keepdims=True), atol=1e-12)
        assert w.shape == (B, T, S) and torch.all(w[mask[:, None, :].expand_as(w)] == 0)


def _small_model(rng: np.random.Generator) -> Seq2Seq:
    model = Seq2Seq(Seq2SeqConfig(embed=6, hidden=5)).double()
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            p.copy_(torch.tensor(0.5 * rng.normal(size=tuple(p.shape))))
    return model


def _sources(rng: np.random.Generator, B: int, S: int) -> torch.Tensor:
    src = torch.as_tensor(rng.integers(1, len(SOURCE_VOCAB), size=(B, S)))
    return src.masked_fill(_padding(rng, B, S), dates.PAD)


def test_forward_is_one_decoder_step_after_another(torch_float64: None) -> None:
    """Teacher forcing in one call equals the decoder fed one true character at a time,
    its state carried by hand through nn.LSTMCell with the same weights."""
    rng = np.random.default_rng(3)
    model = _small_model(rng)
    src, targets = _sources(rng, 4, 9), torch.as_tensor(rng.integers(1, 12, size=(4, 10)))
    logits, w = model(src, targets)
    states, keys, mask = model.encode(src)
    cell = torch.nn.LSTMCell(6, 10).double()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data = getattr(model.decoder, f"{name}_l0").data
    h = c = torch.zeros(4, 10)
    inputs = decoder_inputs(targets)
    assert torch.equal(inputs[:, 0], torch.zeros(4, dtype=torch.long))
    assert torch.equal(inputs[:, 1:], targets[:, :-1])
    for t in range(10):
        h, c = cell(model.tgt_embed(inputs[:, t]), (h, c))
        scores = (keys @ h[:, :, None]).squeeze(-1) / np.sqrt(10)  # (B, S)
        a = torch.softmax(scores.masked_fill(mask, -torch.inf), dim=-1)
        context = (a[:, :, None] * states).sum(dim=1)
        want = model.out(torch.tanh(model.combine(torch.cat([context, h], dim=-1))))
        torch.testing.assert_close(logits[:, t], want, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(w[:, t], a, rtol=1e-10, atol=1e-12)


def test_translate_equals_a_plain_greedy_loop(torch_float64: None) -> None:
    """Greedy decoding with the state carried equals a loop that runs the whole model
    on the prefix so far and takes the argmax of its last position."""
    rng = np.random.default_rng(4)
    model = _small_model(rng)
    src = _sources(rng, 6, 12)
    tokens, w = translate(model, src.numpy())
    assert tokens.shape == (6, 10) and tokens.dtype == torch.long and w.shape == (6, 10, 12)
    prefix, anything = torch.zeros(6, 0, dtype=torch.long), torch.ones(6, 1, dtype=torch.long)
    with torch.no_grad():
        for t in range(10):  # forward's last position reads the prefix and predicts token t
            logits, attention = model(src, torch.cat([prefix, anything], dim=1))
            prefix = torch.cat([prefix, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
            torch.testing.assert_close(w[:, t], attention[:, -1], rtol=1e-10, atol=1e-12)
    assert torch.equal(tokens, prefix)
    assert len(set(tokens.flatten().tolist())) > 2  # not a constant answer


def test_exact_dates_counts_whole_dates_like_a_plain_loop() -> None:
    rng = np.random.default_rng(6)
    torch.manual_seed(0)
    model = Seq2Seq()
    state = {k: v.numpy() for k, v in weights(model, "train_seq2seq", "a model").items()}
    src = _sources(rng, 50, SOURCE_LEN).numpy()
    with torch.no_grad():
        encoded = model.encode(torch.as_tensor(src))
        chosen, previous, hc = [], torch.zeros(50, 1, dtype=torch.long), None
        for _ in range(10):
            logits, _, hc = model.decode(previous, encoded, hc)
            previous = logits.argmax(dim=-1)
            chosen.append(previous)
    predicted = torch.cat(chosen, dim=1).numpy()
    targets = predicted.copy()
    targets[::3, 4] = (targets[::3, 4] + 1) % 12  # a third of them one character off
    data = {"src_test": src, "targets_test": targets}
    assert exact_dates(state, data) == pytest.approx(1 - 17 / 50)
    assert exact_dates(state, {"src_test": src, "targets_test": targets[:, ::-1]}) < 1


def test_the_disguise_renames_ids_and_keeps_the_task() -> None:
    plain, _ = date_pairs(TRAIN_PAIRS + HELD_OUT_PAIRS, np.random.default_rng([9, 0]))
    rng = np.random.default_rng(9)
    case, judge = disguised_dates()(rng)
    assert case["src"].shape == (TRAIN_PAIRS, SOURCE_LEN) and judge["src_test"].shape[0] == 1000
    assert case["targets"].shape == (TRAIN_PAIRS, 10)
    assert set(case) == {"src", "targets"}  # the held-out pairs stay with the check
    again = disguised_dates()(np.random.default_rng(9))
    assert all(np.array_equal(case[k], again[0][k]) for k in case)
    rng = np.random.default_rng(9)
    src, targets = date_pairs(TRAIN_PAIRS + HELD_OUT_PAIRS, rng)
    source_ids, target_ids = disguise(rng)
    assert source_ids[0] == dates.PAD and sorted(source_ids) == list(range(len(SOURCE_VOCAB)))
    assert target_ids[0] == dates.START and sorted(target_ids) == list(range(len(TARGET_VOCAB)))
    assert np.array_equal(case["src"], source_ids[src[:TRAIN_PAIRS]])
    assert np.array_equal(judge["targets_test"], target_ids[targets[TRAIN_PAIRS:]])
    assert not np.array_equal(case["src"], src[:TRAIN_PAIRS])
    del plain


def _trained_weights(seed: int, n: int = TRAIN_PAIRS) -> dict[str, np.ndarray]:
    src, targets = date_pairs(n, np.random.default_rng([seed, 1]))
    model = train_seq2seq(src, targets, seed)
    return {k: v.numpy() for k, v in weights(model, "train_seq2seq", "a model").items()}


def test_a_model_trained_elsewhere_or_untrained_fails_the_disguised_check() -> None:
    """Weights trained on the plain generator (the task's own dates, undisguised) write
    plain dates well and disguised ones not at all; an untrained model writes nothing
    right."""
    elsewhere = _trained_weights(seed=0)
    plain_src, plain_targets = date_pairs(HELD_OUT_PAIRS, np.random.default_rng(123))
    plain = {"src_test": plain_src, "targets_test": plain_targets}
    assert exact_dates(elsewhere, plain) > TARGET_EXACT
    torch.manual_seed(0)
    untrained = {k: v.numpy() for k, v in Seq2Seq().state_dict().items()}
    for seed in range(3):
        _, judge = disguised_dates()(np.random.default_rng([seed, 2]))
        for state in (elsewhere, untrained):
            verdict = held_out_dates({"weights": state}, {}, judge)
            assert not verdict.passed and "short of the target" in verdict.message, verdict


def test_the_weights_are_checked_by_name_and_shape() -> None:
    small = {k: v.numpy() for k, v in Seq2Seq(Seq2SeqConfig(hidden=16)).state_dict().items()}
    data = {"src_test": np.ones((2, SOURCE_LEN), dtype=np.int64), "targets_test": np.ones((2, 10))}
    verdict = held_out_dates({"weights": small}, {}, data)
    assert "encoder.weight_ih_l0 has shape (64, 32), expected (128, 32)" in verdict.message
    assert "Seq2Seq() (the default Seq2SeqConfig)" in verdict.message


@pytest.mark.calibration
def test_the_reference_clears_the_target_with_a_margin_on_20_secrets() -> None:
    """The numbers in seq2seq_checks.py's comment and the cases' docstrings come from
    here: the hidden case run as the grader runs it, for 20 grading secrets."""
    name = "train_seq2seq_hidden_dates"
    measured = calibrate("hw3", name, seeds("hw3", name, 20))
    scores = sorted(m.score for m in measured)
    low, high, median = scores[0], scores[-1], float(np.median(scores))
    print(f"hw3 dates, 20 secrets: {low:.1%} to {high:.1%}, median {median:.1%}")
    assert all(m.passed for m in measured), [m.message for m in measured if not m.passed]
    assert low >= TARGET_EXACT + MARGIN, scores


def test_the_public_training_case_passes_on_its_students_seed() -> None:
    """What a student's `make test` runs, judged as the grader judges it."""
    case = next(c for c in Assignment.load("hw3").public_cases() if c.number == "15.3")
    result = measure("hw3", case.name, case_seed("hw3", case))
    assert result.passed and result.score >= TARGET_EXACT + MARGIN, result
