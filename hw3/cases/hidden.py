"""Hidden cases of hw3: never in the handout; the grader draws their inputs from a secret
seed. They vary the sizes and inputs of the public cases, never their rules."""

from __future__ import annotations

import numpy as np
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.cases import grader_data, judged_by, time_limit, tolerance
from autograder.lazy_import import lazy
from autograder.passes import call_on_copies, layer_check
from autograder.torch_inputs import generator, shapes, tensor
from autograder.trained import weights
from hw3.cases.charlm_checks import held_out_nats, names_split
from hw3.cases.harness import (
    AFFINE,
    GRU_STEP,
    SEQUENCE,
    STEP,
    TableLM,
    attention_inputs,
    attention_pass,
    cached_decoding,
    normal,
    padding,
    recurrent_inputs,
    seq2seq_outputs,
    table,
    vocabulary_arrays,
    with_ties,
    with_weights,
    words,
)
from hw3.cases.seq2seq_checks import disguised_dates, held_out_dates

torch = lazy("torch")  # imported where a case runs (the worker), not in the judge


@weight(1)
@number("1.2")
@tags("numpy", "rnn")
def rnn_step_other_sizes(sub, rng):
    """tanh RNN step, forward and backward: N 5, D 7, H 3"""
    R = sub.rnn
    inputs = recurrent_inputs(rng, 5, None, 7, 3, gates=1)
    return layer_check(R.rnn_step_forward, R.rnn_step_backward, inputs, rng, STEP)


@weight(2)
@number("2.2")
@tags("numpy", "rnn")
def rnn_sequence_longer(sub, rng):
    """tanh RNN over a sequence with BPTT: N 4, T 9, D 5, H 6"""
    R = sub.rnn
    inputs = recurrent_inputs(rng, 4, 9, 5, 6, gates=1)
    return layer_check(R.rnn_forward, R.rnn_backward, inputs, rng, SEQUENCE)


@weight(3)
@number("3.3")
@tags("numpy", "lstm")
def lstm_other_sizes(sub, rng):
    """LSTM step (N 4, D 2, H 3) and sequence (N 3, T 7, D 4, H 5), forward and backward"""
    L = sub.lstm
    x, h, Wx, Wh, b = recurrent_inputs(rng, 4, None, 2, 3, gates=4)
    c = normal(rng, 4, 3)
    h_next, c_next, cache = call_on_copies(
        L.lstm_step_forward, "lstm_step_forward", x, h, c, Wx, Wh, b
    )
    grads = L.lstm_step_backward(normal(rng, 4, 3), normal(rng, 4, 3), cache)
    sequence = recurrent_inputs(rng, 3, 7, 4, 5, gates=4)
    return {
        "step": {"h_next": h_next, "c_next": c_next, "grads": list(grads)},
        "sequence": layer_check(L.lstm_forward, L.lstm_backward, sequence, rng, SEQUENCE),
    }


@weight(1)
@number("4.2")
@tags("numpy", "gru")
def gru_step_other_sizes(sub, rng):
    """GRU step, forward and backward: N 5, D 2, H 6"""
    L = sub.lstm
    x, h, Wx, Wh, bx = recurrent_inputs(rng, 5, None, 2, 6, gates=3)
    bh = normal(rng, 18, scale=0.3)
    return layer_check(
        L.gru_step_forward, L.gru_step_backward, (x, h, Wx, Wh, bx, bh), rng, GRU_STEP
    )


@weight(1)
@number("5.3")
@tags("numpy", "embedding", "affine")
def embedding_and_affine_larger(sub, rng):
    """word embedding with ids (5, 8) of a vocabulary of 12, many repeated; temporal
    affine with x (3, 6, 4), w (4, 7)"""
    T = sub.temporal
    idx = rng.integers(0, 6, size=(5, 8))
    W = normal(rng, 12, 4)
    affine = (normal(rng, 3, 6, 4), normal(rng, 4, 7), normal(rng, 7))
    return {
        "embedding": layer_check(T.embedding_forward, T.embedding_backward, (idx, W), rng, ("dW",)),
        "affine": layer_check(
            T.temporal_affine_forward, T.temporal_affine_backward, affine, rng, AFFINE
        ),
    }


@weight(2)
@number("6.3")
@tags("numpy", "loss", "clipping")
def cross_entropy_and_clipping_other_sizes(sub, rng):
    """temporal softmax cross-entropy on (4, 7, 9) with random lengths, labels -1 where
    masked; clipping of four arrays to half and to twice their norm"""
    T = sub.temporal
    N, steps, V = 4, 7, 9
    scores = normal(rng, N, steps, V, scale=3.0)
    mask = np.arange(steps) < rng.integers(1, steps + 1, size=N)[:, None]
    y = np.where(mask, rng.integers(0, V, size=(N, steps)), -1)
    grads = {
        name: normal(rng, *shape)
        for name, shape in zip("abcd", ((2,), (3, 3), (1, 5), (2, 2, 2)), strict=True)
    }
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    clipped = {}
    for factor in (0.5, 2.0):
        out, total = T.clip_grad_norm({k: v.copy() for k, v in grads.items()}, factor * norm)
        clipped[str(factor)] = {"clipped": {k: out[k] for k in sorted(grads)}, "norm": total}
    loss = call_on_copies(
        T.temporal_softmax_cross_entropy, "temporal_softmax_cross_entropy", scores, y, mask
    )
    return {"loss": loss, "clipped": clipped}


@weight(3)
@number("7.3")
@tags("numpy", "attention")
def attention_masks_other_sizes(sub, rng):
    """attention forward and backward: q (2, 3, 6, 5) with 6 keys, causal; padded keys
    (one sequence pads all) across heads; Tq 3 against Tk 7 with padding"""
    q, k, v = attention_inputs(rng, (2, 3), 6, 6, 5, 4)
    mask = padding(rng, 2, 6, empty_row=0)[:, None, :]
    cq, ck, cv = attention_inputs(rng, (3,), 3, 7, 4, 2)
    cross_mask = padding(rng, 3, 7)
    return {
        "causal": attention_pass(sub, rng, (q, k, v), causal=True),
        "padded": attention_pass(sub, rng, (q, k, v), causal=True, key_padding_mask=mask),
        "cross": attention_pass(sub, rng, (cq, ck, cv), key_padding_mask=cross_mask),
    }


@weight(2)
@number("8.3")
@tags("numpy", "attention", "tiled")
@tolerance(rtol=1e-9, atol=1e-11)
def tiled_attention_other_sizes(sub, rng):
    """tiled attention on T 37 with blocks of 5, 8 and 64, causal and padded, batch (2, 2);
    and Tq 9 against Tk 23"""
    tiled = sub.flash.tiled_attention
    q, k, v = attention_inputs(rng, (2, 2), 37, 37, 6, 3)
    mask = padding(rng, 2, 37, empty_row=1)[:, None, :]
    cq, ck, cv = attention_inputs(rng, (2,), 9, 23, 4, 5)
    out = {}
    for block in (5, 8, 64):
        out[f"causal_{block}"] = tiled(q, k, v, causal=True, block_size=block)
        out[f"padded_{block}"] = tiled(q, k, v, block_size=block, key_padding_mask=mask)
    out["cross"] = tiled(cq, ck, cv, block_size=4)
    return out


@weight(2)
@number("9.3")
@tags("bpe")
def bpe_other_text(sub, rng):
    """BPE: 80 merges of a 500-word text; encode, decode and the vocabulary; merge of a
    random array"""
    B = sub.bpe
    text, other = words(rng, 500), words(rng, 80)
    merges = [tuple(map(int, pair)) for pair in B.train_bpe(text, 80)]
    ids = B.encode(other, merges)
    return {
        "merges": np.array(merges),
        "ids": np.array(ids),
        "round_trip": B.decode(ids, merges) == other,
        "vocabulary": vocabulary_arrays(B.vocabulary(merges)[256:]),
        "merge": B.merge(rng.integers(0, 3, size=60), (2, 2), 256),
    }


@weight(1)
@number("10.3")
@tags("pytorch", "positions")
def positions_other_sizes(sub, rng):
    """sinusoidal encoding T 9, C 11; RoPE with hs 6 over 9 positions, rotating
    (3, 2, 4, 6) at positions 5..8"""
    P = sub.positions
    cos, sin = P.rope_frequencies(9, 6)
    return {
        "sinusoidal": P.sinusoidal_encoding(9, 11),
        "cos": cos,
        "rotated": P.apply_rope(tensor(rng, 3, 2, 4, 6), cos[5:], sin[5:]),
    }


@weight(2)
@number("11.3")
@tags("pytorch", "attention", "cache")
def multi_head_attention_other_sizes(sub, rng):
    """MultiHeadSelfAttention(12, 3) on fixed weights: padded and causal on (3, 4, 12); fed
    2 tokens then 2 through a cache with a padding mask over all 4 keys"""
    attn = with_weights(sub.mha.MultiHeadSelfAttention(12, 3), rng).eval()
    x = tensor(rng, 3, 4, 12)
    mask = torch.tensor(padding(rng, 3, 4, empty_row=2))
    with torch.no_grad():
        whole = attn(x, causal=True, key_padding_mask=mask)
        cache = sub.mha.KVCache()
        first = attn(x[:, :2], causal=True, key_padding_mask=mask[:, :2], cache=cache)
        second = attn(x[:, 2:], causal=True, key_padding_mask=mask, cache=cache)
    return {"shapes": shapes(attn), "whole": whole, "pieces": torch.cat([first, second], dim=1)}


@weight(3)
@number("12.4")
@tags("pytorch", "transformer", "cache")
def gpt_other_config(sub, rng):
    """GPT (V 13, 3 layers, C 12, 3 heads, RoPE, then learned positions): logits and loss,
    and cached decoding of 6 tokens in pieces 2, 3, 1"""
    G = sub.gpt
    out = {}
    for name, rope in (("rope", True), ("learned", False)):
        config = G.GPTConfig(vocab_size=13, block_size=6, n_layer=3, n_head=3, n_embd=12, rope=rope)
        model = with_weights(G.GPT(config), rng).eval()
        idx = torch.tensor(rng.integers(0, 13, size=(3, 6)))
        targets = torch.tensor(rng.integers(0, 13, size=(3, 6)))
        targets[0, 3:] = -100
        with torch.no_grad():
            logits, loss = model(idx, targets)
        out[name] = {"logits": logits, "loss": loss, **cached_decoding(model, idx, [2, 3, 1])}
    return out


@weight(3)
@number("13.5")
@tags("pytorch", "decoding")
def decoding_other_models(sub, rng):
    """greedy with ties, filtered_probs, sampling and beam search on other table models
    (V 7, eos 2)"""
    D = sub.decoding
    model = TableLM(with_ties(table(rng, 2, 7), rng))
    prompt = torch.tensor(rng.integers(0, 7, size=(2, 3)))
    logits = tensor(rng, 3, 7, scale=1.5)
    g = generator(rng)
    out = {
        "greedy": D.greedy(model, prompt, 4),
        "probs": D.filtered_probs(logits, 0.7, 5, 0.9),
        "top_p": D.filtered_probs(logits, 1.3, None, 0.5),
        "sample": D.sample(model, prompt, 5, g, temperature=0.9, top_k=4, top_p=0.95),
    }
    for width in (2, 4):
        tokens, score = D.beam_search(TableLM(table(rng, 3, 7)), prompt[0], width, 5, 2, 0.7)
        out[f"beam_{width}"] = {"tokens": np.array(tokens), "score": score}
    return out


@weight(5)
@number("14.2")
@tags("pytorch", "transformer", "training", "names")
@time_limit(90)
@judged_by(held_out_nats)
@grader_data(names_split)
def train_char_lm_hidden_split(sub, rng, data):
    """train the course's GPT on a hidden split and cipher of the first names; its weights
    reach at most 2.050 nats per character on the 1033 held-out names

    Calibrated (tests/hw3/test_charlm.py, make calibrate): the reference passes on 20
    of 20 grading secrets, 1.965 to 2.010 nats (median 1.986), at least 0.040 below the target; the
    best add-k trigram of the same names gets 2.105 to 2.149.
    """
    history: list[float] = []
    model = sub.charlm.train_char_lm(data["corpus"], int(rng.integers(2**31)), history)
    return {"weights": weights(model, "train_char_lm", "the trained GPT"), "history": history}


@weight(4)
@number("15.4")
@tags("pytorch", "training", "seq2seq")
@time_limit(120)
@judged_by(held_out_dates)
@grader_data(disguised_dates())
def train_seq2seq_hidden_dates(sub, rng, data):
    """train a Seq2Seq on 10,000 hidden dates; its weights write at least 95% of 1,000
    held-out dates exactly

    Calibrated (tests/hw3/test_seq2seq.py, make calibrate): the reference passes on 20
    of 20 secrets, writing 98.0% to 100% of the held-out dates exactly (median 99.4%),
    at least 3 points above the target; it trains in 7 to 15 s on one core.
    """
    model = sub.seq2seq.train_seq2seq(data["src"], data["targets"], int(rng.integers(2**31)))
    return {"weights": weights(model, "train_seq2seq", "the trained Seq2Seq")}


@weight(1)
@number("15.5")
@tags("pytorch", "attention", "seq2seq")
@tolerance(rtol=1e-6, atol=1e-9)
def seq2seq_other_sizes_on_fixed_weights(sub, rng):
    """Seq2Seq(embed=4, hidden=3) on fixed weights, 5 sources of 13 ids: teacher-forced
    logits and attention, and translate's tokens and attention"""
    return seq2seq_outputs(sub, rng, E=4, H=3, B=5, S=13)
