"""Public cases of hw3: students run these with `make test`; the grader runs them too."""

from __future__ import annotations

import numpy as np
from gradescope_utils.autograder_utils.decorators import number, tags, visibility, weight

from autograder.cases import grader_data, judged_by, time_limit, tolerance
from autograder.lazy_import import lazy
from autograder.passes import call_on_copies, layer_check, overflow_is_an_error
from autograder.torch_inputs import generator, shapes, tensor
from autograder.trained import weights
from hw3.cases.charlm_checks import held_out_nats, names_split
from hw3.cases.harness import (
    AFFINE,
    GRU_STEP,
    LSTM_STEP,
    SEQUENCE,
    STEP,
    TableLM,
    attention_inputs,
    attention_pass,
    cached_decoding,
    normal,
    padding,
    raised,
    recurrent_inputs,
    rope_tables,
    seq2seq_outputs,
    spot_checks,
    table,
    vocabulary_arrays,
    with_ties,
    with_weights,
    words,
)
from hw3.cases.seq2seq_checks import disguised_dates, held_out_dates

torch = lazy("torch")  # imported where a case runs (the worker), not in the judge

SIGMA_HINT = (
    "compute sigma(z) without overflow: np.where on the sign of z, or (1 + tanh(z / 2)) / 2"
)

# The long sequence of the public memory case (8.2): its score matrix alone, T * T
# float64 numbers, takes 2 GiB, over the worker's memory limit (memory_mb = 1536).
LONG_T = 16384


# Part 1: numpy ------------------------------------------------------------------------


@weight(2)
@number("1.1")
@visibility("visible")
@tags("numpy", "rnn")
def rnn_step(sub, rng):
    """tanh RNN step, forward and backward: N 3, D 4, H 5"""
    R = sub.rnn
    inputs = recurrent_inputs(rng, 3, None, 4, 5, gates=1)
    return layer_check(R.rnn_step_forward, R.rnn_step_backward, inputs, rng, STEP)


@weight(3)
@number("2.1")
@visibility("visible")
@tags("numpy", "rnn")
def rnn_sequence_bptt(sub, rng):
    """tanh RNN over a sequence, forward and backpropagation through time with the
    gradient of h0: N 2, T 6, D 3, H 4; and a sequence of one step (T 1)"""
    R = sub.rnn
    return {
        "T6": layer_check(
            R.rnn_forward, R.rnn_backward, recurrent_inputs(rng, 2, 6, 3, 4, 1), rng, SEQUENCE
        ),
        "T1": layer_check(
            R.rnn_forward, R.rnn_backward, recurrent_inputs(rng, 3, 1, 2, 3, 1), rng, SEQUENCE
        ),
    }


@weight(2)
@number("3.1")
@visibility("visible")
@tags("numpy", "lstm")
def lstm_step_gate_order(sub, rng):
    """LSTM step, forward (h_next and c_next) and backward, gates in PyTorch's order
    i, f, g, o: N 3, D 4, H 5; and inputs 1000 times larger, with numpy's overflow an
    error (sigma computed so that exp never overflows)"""
    L = sub.lstm
    x, h, Wx, Wh, b = recurrent_inputs(rng, 3, None, 4, 5, gates=4)
    c = normal(rng, 3, 5)
    given = [x, h, c, Wx, Wh, b]
    h_next, c_next, cache = call_on_copies(L.lstm_step_forward, "lstm_step_forward", *given)
    dh, dc = normal(rng, 3, 5), normal(rng, 3, 5)
    grads = call_on_copies(L.lstm_step_backward, "lstm_step_backward", dh, dc, cache)
    if not isinstance(grads, tuple | list) or len(grads) != len(LSTM_STEP):
        raise ValueError(f"lstm_step_backward should return {len(LSTM_STEP)} values: {LSTM_STEP}")
    with overflow_is_an_error(SIGMA_HINT):
        large = L.lstm_step_forward(1000.0 * x, h, c, Wx, Wh, b)[:2]
    return {
        "h_next": h_next,
        "c_next": c_next,
        **dict(zip(LSTM_STEP, grads, strict=True)),
        "large": list(large),
    }


@weight(3)
@number("3.2")
@visibility("visible")
@tags("numpy", "lstm")
def lstm_sequence_bptt_from_zero_cell(sub, rng):
    """LSTM over a sequence from h0 and the cell state c0 = 0, forward and backward with
    the gradient of h0: N 2, T 5, D 3, H 4"""
    L = sub.lstm
    inputs = recurrent_inputs(rng, 2, 5, 3, 4, gates=4)
    return layer_check(L.lstm_forward, L.lstm_backward, inputs, rng, SEQUENCE)


@weight(2)
@number("4.1")
@visibility("visible")
@tags("numpy", "gru")
def gru_step_two_biases(sub, rng):
    """GRU step, PyTorch's version (gates r, z, n; the reset gate multiplies the hidden
    part of n, bias bh_n included), forward and backward: N 3, D 4, H 5; and inputs
    1000 times larger, with numpy's overflow an error (sigma without overflow)"""
    L = sub.lstm
    x, h, Wx, Wh, bx = recurrent_inputs(rng, 3, None, 4, 5, gates=3)
    bh = normal(rng, 15, scale=0.3)
    out = layer_check(
        L.gru_step_forward, L.gru_step_backward, (x, h, Wx, Wh, bx, bh), rng, GRU_STEP
    )
    with overflow_is_an_error(SIGMA_HINT):
        out["large"] = L.gru_step_forward(1000.0 * x, h, Wx, Wh, bx, bh)[0]
    return out


@weight(2)
@number("5.1")
@visibility("visible")
@tags("numpy", "embedding")
def embedding_repeated_ids_accumulate(sub, rng):
    """word embedding, forward and backward, on ids (4, 6) from a vocabulary of 7 where
    ids repeat (their gradients add up) and some never appear (their rows of dW are 0)"""
    T = sub.temporal
    idx = rng.integers(0, 5, size=(4, 6))  # ids 5 and 6 never appear
    W = normal(rng, 7, 3)
    return layer_check(T.embedding_forward, T.embedding_backward, (idx, W), rng, ("dW",))


@weight(1)
@number("5.2")
@visibility("visible")
@tags("numpy", "affine")
def temporal_affine(sub, rng):
    """temporal affine layer, forward and backward: x (2, 4, 3), w (3, 5), b (5,)"""
    T = sub.temporal
    inputs = (normal(rng, 2, 4, 3), normal(rng, 3, 5), normal(rng, 5))
    return layer_check(T.temporal_affine_forward, T.temporal_affine_backward, inputs, rng, AFFINE)


@weight(2)
@number("6.1")
@visibility("visible")
@tags("numpy", "loss")
def temporal_cross_entropy_masked_per_sequence(sub, rng):
    """temporal softmax cross-entropy, loss and gradient: summed over the unmasked steps,
    divided by N (not by the number of tokens); masked steps have labels V + 7, out of
    range (never read), and zero gradient; scores 1000 apart, the label on a low one (a
    stable log-softmax, never the log of a softmax); every step masked gives loss 0 and
    a zero gradient"""
    loss = sub.temporal.temporal_softmax_cross_entropy
    name = "temporal_softmax_cross_entropy"
    N, T, V = 3, 5, 6
    scores = normal(rng, N, T, V, scale=2.0)
    mask = np.arange(T) < np.array([5, 3, 1])[:, None]  # sequences of 5, 3 and 1 steps
    y = np.where(mask, rng.integers(0, V, size=(N, T)), V + 7)
    extreme = scores.copy()
    extreme[0, 0] *= 1000.0
    y[0, 0] = np.argmin(extreme[0, 0])  # its probability underflows a plain softmax
    none = np.zeros((N, T), dtype=bool)
    return {
        "masked": call_on_copies(loss, name, scores, y, mask),
        "extreme": call_on_copies(loss, name, extreme, y, mask),
        "all_masked": call_on_copies(loss, name, scores, y, none),
    }


@weight(1)
@number("6.2")
@visibility("visible")
@tags("numpy", "clipping")
def clip_grad_norm_global(sub, rng):
    """gradient clipping by global norm, over three arrays of different shapes: a norm
    above max_norm (all scaled by one factor), one below (left as they are), and a norm
    of 1e-3 where PyTorch's 1e-6 in max_norm / (total_norm + 1e-6) shows; the norm
    returned is the one before clipping; the given arrays are not changed"""
    clip = sub.temporal.clip_grad_norm
    grads = {"W": normal(rng, 3, 4), "b": normal(rng, 4), "E": normal(rng, 2, 2, 2)}
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    out = {}
    tiny = {key: value * (1e-3 / norm) for key, value in grads.items()}
    for name, source, max_norm in (
        ("above", grads, 0.5 * norm),
        ("below", grads, 2.0 * norm),
        ("tiny", tiny, 5e-4),
    ):
        given = {key: value.copy() for key, value in source.items()}
        clipped, total = clip(given, max_norm)
        for key in grads:
            if not np.array_equal(given[key], source[key]):
                raise ValueError(f"clip_grad_norm changed grads[{key!r}] in place")
        out[name] = {"clipped": {key: clipped[key] for key in sorted(grads)}, "norm": total}
    return out


@weight(2)
@number("7.1")
@visibility("visible")
@tags("numpy", "attention")
def attention_unmasked_and_heads(sub, rng):
    """scaled dot-product attention, forward and backward: q (2, 3, 4), k and v with 5
    keys of sizes 4 and 6; and batch axes (N, H) = (2, 3)"""
    return {
        "plain": attention_pass(sub, rng, attention_inputs(rng, (2,), 3, 5, 4, 6)),
        "heads": attention_pass(sub, rng, attention_inputs(rng, (2, 3), 4, 4, 8, 8)),
    }


@weight(3)
@number("7.2")
@visibility("visible")
@tags("numpy", "attention")
def attention_causal_padding_and_empty_rows(sub, rng):
    """attention with the causal mask (query i sees keys j <= i); with a key padding
    mask (True = padded) where one sequence pads every key, whose rows are zeros with
    zero gradients, never NaN; both masks at once; the (N, 1, Tk) mask of every head;
    and scores 1000 apart (a stable softmax)"""
    q, k, v = attention_inputs(rng, (3,), 5, 5, 4, 3)
    mask = padding(rng, 3, 5, empty_row=1)
    hq, hk, hv = attention_inputs(rng, (3, 2), 5, 5, 4, 3)
    far = [50.0 * q, 50.0 * k, v]
    return {
        "causal": attention_pass(sub, rng, (q, k, v), causal=True),
        "padding": attention_pass(sub, rng, (q, k, v), key_padding_mask=mask),
        "both": attention_pass(sub, rng, (q, k, v), causal=True, key_padding_mask=mask),
        "heads": attention_pass(sub, rng, (hq, hk, hv), key_padding_mask=mask[:, None, :]),
        "far": attention_pass(sub, rng, far, causal=True),
    }


@weight(2)
@number("8.1")
@visibility("visible")
@tags("numpy", "attention", "tiled")
@tolerance(rtol=1e-9, atol=1e-11)
def tiled_attention_equals_plain(sub, rng):
    """tiled attention: block sizes that divide T and that do not (T 10, blocks of 4 and
    3, and 1, and 16 > T), causal, padded keys with a sequence that pads every key
    (rows of zeros), batch axes (N, H), and Tq != Tk; the same numbers as plain
    attention to 1e-9"""
    tiled = sub.flash.tiled_attention
    q, k, v = attention_inputs(rng, (3,), 10, 10, 4, 5)
    mask = padding(rng, 3, 10, empty_row=2)
    hq, hk, hv = attention_inputs(rng, (2, 2), 10, 10, 4, 4)
    cq, ck, cv = attention_inputs(rng, (2,), 6, 11, 4, 3)
    out = {}
    for block in (4, 3, 1, 16):
        out[f"plain_{block}"] = call_on_copies(tiled, "tiled_attention", q, k, v, block_size=block)
        out[f"causal_{block}"] = call_on_copies(
            tiled, "tiled_attention", q, k, v, causal=True, block_size=block
        )
    out["padded"] = call_on_copies(
        tiled, "tiled_attention", q, k, v, block_size=4, key_padding_mask=mask
    )
    out["causal_padded"] = call_on_copies(
        tiled, "tiled_attention", q, k, v, causal=True, block_size=3, key_padding_mask=mask
    )
    out["heads"] = call_on_copies(tiled, "tiled_attention", hq, hk, hv, causal=True, block_size=4)
    out["cross"] = call_on_copies(tiled, "tiled_attention", cq, ck, cv, block_size=4)
    return out


@weight(3)
@number("8.2")
@visibility("visible")
@tags("numpy", "attention", "tiled", "memory")
@tolerance(rtol=1e-9, atol=1e-11)
@time_limit(60)
def tiled_attention_16k_positions_within_the_memory_limit(sub, rng):
    """tiled attention on 16,384 positions, causal, blocks of 512: the full score matrix
    would take 2 GiB, more than the grader's memory limit, so only a computation one
    tile at a time passes (returns every 64th row of the output and its column sums)

    Measured on one core: the reference takes 3 to 6 s and holds about 10 MB at its
    peak; plain attention stops with a MemoryError.
    """
    q, k, v = attention_inputs(rng, (1,), LONG_T, LONG_T, 8, 8)
    out = sub.flash.tiled_attention(q, k, v, causal=True, block_size=512)
    return spot_checks(out, every=64)


@weight(1)
@number("9.1")
@visibility("visible")
@tags("bpe")
def bpe_merge_left_to_right(sub, rng):
    """merge: every occurrence of the pair replaced scanning left to right, overlaps
    skipped (7 7 7 -> 9 7, 7 7 7 7 -> 9 9), on a list and on an array; the input kept"""
    merge = sub.bpe.merge
    ids = rng.integers(0, 4, size=40)
    return {
        "run3": call_on_copies(merge, "merge", [7, 7, 7], (7, 7), 9),
        "run4": call_on_copies(merge, "merge", [7, 7, 7, 7], (7, 7), 9),
        "mixed": call_on_copies(merge, "merge", [1, 7, 7, 7, 2, 7, 7, 1, 7], (7, 7), 300),
        "random": call_on_copies(merge, "merge", ids, (1, 2), 256),
        "same": call_on_copies(merge, "merge", ids, (1, 1), 256),
        "list": call_on_copies(merge, "merge", list(map(int, ids)), (3, 0), 257),
    }


@weight(3)
@number("9.2")
@visibility("visible")
@tags("bpe")
def bpe_train_encode_decode(sub, rng):
    """BPE on the raw UTF-8 bytes (tokens cross spaces; é and 日 are 2 and 3 bytes):
    "aaabdaaabac" (ties go to the smaller pair; training stops once no pair occurs
    twice); "aaabcbc" (overlapping pairs count: aa twice); 40 merges of a 300-word
    text; encode and decode of another text, exact round trip; encode applies merges by
    rank ("abcbcbc" with merges ab, bc); the vocabulary's bytes; decode of an id outside
    the vocabulary, or negative, raises ValueError; encode of a lone surrogate raises
    UnicodeEncodeError; an incomplete character decodes to U+FFFD"""
    B = sub.bpe
    text, other = words(rng, 300), words(rng, 50)
    merges = [tuple(map(int, pair)) for pair in B.train_bpe(text, 40)]
    ids = B.encode(other, merges)
    vocabulary = B.vocabulary(merges)
    return {
        "wikipedia": np.array(B.train_bpe("aaabdaaabac", 10)),
        "overlaps": np.array(B.train_bpe("aaabcbc", 1)),
        "by_rank": np.array(B.encode("abcbcbc", [(97, 98), (98, 99)])),
        "merges": np.array(merges),
        "ids": np.array(ids),
        "training_text_ids": np.array(B.encode(text, merges)),
        "round_trip": B.decode(ids, merges) == other,
        "vocabulary": vocabulary_arrays(vocabulary[250:]),
        "too_large_raises_valueerror": raised(B.decode, [len(vocabulary)], merges) == "ValueError",
        "negative_raises_valueerror": raised(B.decode, [-1], merges) == "ValueError",
        "surrogate_raises": raised(B.encode, "a\ud800", merges) == "UnicodeEncodeError",
        "incomplete": [ord(c) for c in B.decode([0xE6, 0x97], merges)],
    }


# Part 2: PyTorch ----------------------------------------------------------------------


@weight(1)
@number("10.1")
@visibility("visible")
@tags("pytorch", "positions")
@tolerance(rtol=1e-12, atol=1e-12)
def sinusoidal_positions(sub, rng):
    """sinusoidal positional encoding in float64 to 1e-12, T 7 and C 8, and an odd C 5
    (the last channel a sine); the dtype asked for (float32)"""
    P = sub.positions
    f64 = torch.float64
    return {
        "even": P.sinusoidal_encoding(7, 8, dtype=f64),
        "odd": P.sinusoidal_encoding(7, 5, dtype=f64),
        "is_float32": P.sinusoidal_encoding(3, 4, dtype=torch.float32).dtype == torch.float32,
    }


@weight(2)
@number("10.2")
@visibility("visible")
@tags("pytorch", "positions", "rope")
@tolerance(rtol=1e-12, atol=1e-12)
def rope_interleaved_pairs_and_offsets(sub, rng):
    """RoPE in float64 to 1e-12: the angles' cosines and sines (T 6, hs 8, base 10000
    and 100); float32 cosines and sines of 4096 positions that are the float64 ones
    rounded (angles computed in float64); apply_rope on (2, 3, 6, 8) with interleaved
    pairs (2i, 2i + 1), x left unchanged; rows start..start+T of the table for tokens
    after an offset; and the scores of rotated q and k depend only on the offset
    between their positions"""
    P = sub.positions
    f64 = torch.float64
    cos, sin = P.rope_frequencies(6, 8, dtype=f64)
    cos100, sin100 = P.rope_frequencies(6, 8, base=100.0, dtype=f64)
    x = tensor(rng, 2, 3, 6, 8)
    rotated = call_on_copies(P.apply_rope, "apply_rope", x, cos, sin)
    long32 = P.rope_frequencies(4096, 8, dtype=torch.float32)
    long64 = P.rope_frequencies(4096, 8, dtype=f64)
    rounded = all(
        torch.allclose(a.double(), b, rtol=0.0, atol=1e-6)
        for a, b in zip(long32, long64, strict=True)
    )
    big_cos, big_sin = P.rope_frequencies(10, 8, dtype=f64)
    tail = tensor(rng, 2, 3, 4, 8)
    q, k = tensor(rng, 8), tensor(rng, 8)
    # q at position p, k at position p - 3, for p = 3..9: every score the same
    qs = P.apply_rope(q.expand(10, 8).clone(), big_cos, big_sin)
    ks = P.apply_rope(k.expand(10, 8).clone(), big_cos, big_sin)
    return {
        "cos": cos,
        "sin": sin,
        "cos100": cos100,
        "sin100": sin100,
        "float32_is_float64_rounded": rounded and long32[0].dtype == torch.float32,
        "rotated": rotated,
        "offset": P.apply_rope(tail, big_cos[6:10], big_sin[6:10]),
        "relative": (qs[3:] * ks[:-3]).sum(-1),
    }


@weight(3)
@number("11.1")
@visibility("visible")
@tags("pytorch", "attention")
def multi_head_attention_masks(sub, rng):
    """MultiHeadSelfAttention(8, 2) in evaluation mode on fixed weights: parameter names
    and shapes; x (2, 5, 8) plain, causal, with a key padding mask (True = padded)
    where one sequence pads every key (its rows are out_proj's bias); with RoPE; and
    with dropout 0.5 in training mode (attn_dropout on the attention weights, after
    the softmax; torch seeded by the grader)"""
    M = sub.mha
    attn = with_weights(M.MultiHeadSelfAttention(8, 2), rng).eval()
    x = tensor(rng, 2, 5, 8)
    mask = torch.tensor(padding(rng, 2, 5, empty_row=1))
    rope = rope_tables(5, 4)  # the grader's own: Task 11 does not rest on Task 10
    dropping = with_weights(M.MultiHeadSelfAttention(8, 2, dropout=0.5), rng).train()
    with torch.no_grad():
        out = {
            "shapes": shapes(attn),
            "plain": call_on_copies(attn, "MultiHeadSelfAttention", x),
            "causal": attn(x, causal=True),
            "padded": attn(x, key_padding_mask=mask),
            "rope": attn(x, causal=True, rope=rope),
        }
        torch.manual_seed(int(rng.integers(2**31)))
        out["dropout"] = dropping(x, causal=True)
    return out


@weight(2)
@number("11.2")
@visibility("visible")
@tags("pytorch", "attention", "cache")
def kv_cache_offsets(sub, rng):
    """KVCache.append (lengths, the keys and values it returns), and a causal
    MultiHeadSelfAttention(8, 2) fed 3 tokens then 1 then 2 through one cache: the
    same outputs as the 6 tokens at once, with and without RoPE, and with a key padding
    mask that covers every key so far (Tk = cached + new)"""
    M = sub.mha
    cache = M.KVCache()
    k1, v1, k2, v2 = (tensor(rng, 1, 2, n, 3) for n in (2, 2, 3, 3))
    first = cache.append(k1, v1)
    lengths = [len(cache)]
    second = cache.append(k2, v2)
    lengths.append(len(cache))
    attn = with_weights(M.MultiHeadSelfAttention(8, 2), rng).eval()
    x = tensor(rng, 2, 6, 8)
    cos, sin = rope_tables(6, 4)
    mask = torch.tensor(padding(rng, 2, 6))
    out = {"append": {"first": list(first), "second": list(second), "lengths": lengths}}
    with torch.no_grad():
        for name, rope in (("learned", False), ("rope", True)):
            cache, pieces, start = M.KVCache(), [], 0
            for size in (3, 1, 2):
                part = (cos[start : start + size], sin[start : start + size]) if rope else None
                pieces.append(attn(x[:, start : start + size], True, None, part, cache))
                start += size
            whole = attn(x, causal=True, rope=(cos, sin) if rope else None)
            out[name] = {"whole": whole, "pieces": torch.cat(pieces, dim=1)}
        cache, pieces = M.KVCache(), []
        for start, stop in ((0, 3), (3, 6)):
            pieces.append(attn(x[:, start:stop], True, mask[:, :stop], None, cache))
        out["padded"] = {
            "whole": attn(x, causal=True, key_padding_mask=mask),
            "pieces": torch.cat(pieces, dim=1),
        }
    return out


@weight(2)
@number("12.1")
@visibility("visible")
@tags("pytorch", "transformer")
def mlp_and_pre_layernorm_block(sub, rng):
    """the MLP (exact GELU, not its tanh approximation) on x (2, 5, 8), and the Block of a
    GPTConfig(C 8, 2 heads) in evaluation mode, both on fixed weights: parameter names
    and shapes, and their outputs on x (2, 5, 8); the Block with dropout 0.3 in
    training mode (torch seeded by the grader: the attention weights, then each
    residual branch) and in evaluation mode (no dropout)"""
    G = sub.gpt
    mlp = with_weights(G.MLP(8), rng, scale=1.0)
    config = G.GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
    block = with_weights(G.Block(config), rng).eval()
    dropping = G.GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8, dropout=0.3)
    noisy = with_weights(G.Block(dropping), rng)
    x = tensor(rng, 2, 5, 8)
    with torch.no_grad():
        out = {
            "mlp_shapes": shapes(mlp),
            "mlp": call_on_copies(mlp, "MLP", x),
            "shapes": shapes(block),
            "out": call_on_copies(block, "Block", x),
            "dropout_eval": noisy.eval()(x),
        }
        torch.manual_seed(int(rng.integers(2**31)))
        out["dropout_train"] = noisy.train()(x)
    return out


@weight(2)
@number("12.2")
@visibility("visible")
@tags("pytorch", "transformer")
def gpt_logits_loss_and_tied_weights(sub, rng):
    """GPT (V 11, 2 layers, C 8, 2 heads) on fixed weights, learned positions and RoPE:
    parameter names and shapes, lm_head.weight the same Parameter as wte.weight, the
    logits (2, 6, 11), and the loss with targets where -100 marks padding"""
    G = sub.gpt
    idx = torch.tensor(rng.integers(0, 11, size=(2, 6)))
    targets = torch.tensor(rng.integers(0, 11, size=(2, 6)))
    targets[1, 4:] = -100
    out = {}
    for name, rope in (("learned", False), ("rope", True)):
        config = G.GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=8, rope=rope)
        model = with_weights(G.GPT(config), rng).eval()
        with torch.no_grad():
            logits, loss = model(idx, targets)
        out[name] = {
            "shapes": shapes(model),
            "tied": model.lm_head.weight is model.wte.weight,
            "parameters": sum(p.numel() for p in model.parameters()),
            "logits": logits,
            "loss": loss,
        }
    return out


@weight(3)
@number("12.3")
@visibility("visible")
@tags("pytorch", "transformer", "cache")
def gpt_kv_cache_equals_recomputing(sub, rng):
    """GPT with a KV cache (learned positions, then RoPE): a prompt of 4 tokens then one
    token at a time gives the logits of one forward over the whole sequence, and each
    block's cache holds the positions fed so far"""
    G = sub.gpt
    out = {}
    for name, rope in (("learned", False), ("rope", True)):
        config = G.GPTConfig(vocab_size=9, block_size=8, n_layer=2, n_head=2, n_embd=8, rope=rope)
        model = with_weights(G.GPT(config), rng)
        idx = torch.tensor(rng.integers(0, 9, size=(2, 7)))
        out[name] = cached_decoding(model, idx, [4, 1, 1, 1])
    return out


@weight(1)
@number("13.1")
@visibility("visible")
@tags("pytorch", "decoding")
def greedy_ties_to_lowest_id(sub, rng):
    """greedy decoding of a fixed table model (V 6) for 5 steps from prompts (3, 2),
    one call of the model per step; rows where tokens tie for the maximum (the lowest id
    wins)"""
    D = sub.decoding
    plain = TableLM(table(rng, 3, 6))
    tied = TableLM(with_ties(table(rng, 3, 6), rng))
    prompt = torch.tensor(rng.integers(0, 6, size=(3, 2)))
    return {
        "plain": D.greedy(plain, prompt, 5),
        "tied": D.greedy(tied, prompt, 5),
        "calls": [plain.calls, tied.calls],
    }


@weight(2)
@number("13.2")
@visibility("visible")
@tags("pytorch", "decoding")
def filtered_probs_temperature_top_k_top_p(sub, rng):
    """filtered_probs of logits (4, 8): temperature 0.5 and 2; temperature 0 (one-hot at
    the argmax, lowest id on ties); top-k 3 where tokens tie with the 3rd value (all
    kept); top-p 0.6 (the token that crosses 0.6 is kept); top-p reached exactly
    (probabilities 0.5, 0.25, 0.125, ... and p 0.75 keep two tokens); top-k then top-p"""
    filtered = sub.decoding.filtered_probs
    logits = tensor(rng, 4, 8, scale=2.0)
    ties = torch.tensor(with_ties(logits.numpy(), rng))
    kth = logits.clone()
    kth[:, 4] = torch.sort(kth, dim=-1, descending=True).values[:, 2]  # ties with the 3rd
    halves = torch.log(torch.tensor([[0.5, 0.25, 0.125, 0.0625, 0.0625]], dtype=torch.float64))
    name = "filtered_probs"
    return {
        "t0.5": call_on_copies(filtered, name, logits, 0.5),
        "t2": call_on_copies(filtered, name, logits, 2.0),
        "greedy": call_on_copies(filtered, name, ties, 0.0),
        "top_k_ties": call_on_copies(filtered, name, kth, 1.0, 3),
        "top_p": call_on_copies(filtered, name, logits, 1.0, None, 0.6),
        "top_p_exact": call_on_copies(filtered, name, halves, 1.0, None, 0.75),
        "both": call_on_copies(filtered, name, logits, 0.8, 4, 0.7),
    }


@weight(2)
@number("13.3")
@visibility("visible")
@tags("pytorch", "decoding")
def sample_one_multinomial_per_step(sub, rng):
    """sampling 6 steps from a table model with a seeded generator, one
    torch.multinomial(probs, 1, generator=generator) per step on the whole batch:
    temperature 1, top-k 3, top-p 0.8 give the grader's tokens exactly; temperature 0
    is greedy and draws nothing (the generator's next numbers are unchanged)"""
    D = sub.decoding
    model = TableLM(table(rng, 2, 7))
    prompt = torch.tensor(rng.integers(0, 7, size=(4, 1)))
    out = {}
    for name, options in (
        ("plain", {}),
        ("top_k", {"top_k": 3}),
        ("top_p", {"top_p": 0.8}),
        ("greedy", {"temperature": 0.0}),
    ):
        g = generator(rng)
        out[name] = {
            "tokens": D.sample(model, prompt, 6, g, **options),
            "next_draws": torch.rand(3, generator=g, dtype=torch.float64),
        }
    return out


@weight(3)
@number("13.4")
@visibility("visible")
@tags("pytorch", "decoding", "beam")
@tolerance(rtol=1e-10, atol=1e-12)
def beam_search_length_normalized(sub, rng):
    """beam search on table models (V 5, eos 0), beam widths 1, 2 and 3, up to 6 steps,
    length_penalty 1 and 0 (plain log-probability); a prompt given as (T0,) and as
    (1, T0); a model that favours eos at once (finished hypotheses are never
    extended); a float32 model (log_softmax in float64: scores to 1e-10); a uniform
    model, where every hypothesis ties (the lexicographically smallest wins); the
    tokens (prompt included) and the normalized score"""
    search = sub.decoding.beam_search
    models = [TableLM(table(rng, 3, 5)) for _ in range(2)]
    eager = table(rng, 3, 5)
    eager[:, :, 0] += 2.0  # eos likely at every step
    models.append(TableLM(eager))
    models.append(TableLM(table(rng, 3, 5).astype(np.float32)))
    models.append(TableLM(np.zeros((1, 5, 5))))
    prompt = torch.tensor(rng.integers(1, 5, size=2))
    out = {}
    for m, model in enumerate(models):
        for width in (1, 2, 3):
            for penalty in (1.0, 0.0):
                tokens, score = search(model, prompt, width, 6, 0, penalty)
                out[f"m{m}_w{width}_p{penalty:g}"] = {"tokens": np.array(tokens), "score": score}
    tokens, score = search(models[0], prompt[None, :], 2, 6, 0)
    out["batched_prompt"] = {"tokens": np.array(tokens), "score": score}
    return out


@weight(3)
@number("14.1")
@visibility("visible")
@tags("pytorch", "transformer", "training", "names")
@time_limit(90)
@judged_by(held_out_nats)
@grader_data(names_split)
def train_char_lm_public_split(sub, rng, data):
    """train the course's GPT on 4130 ciphered first names; its weights reach at most
    2.050 nats per character on the 1033 held-out names; history holds each epoch's
    mean loss, falling

    Calibrated (tests/hw3/test_charlm.py, make calibrate): the reference passes on 20
    of 20 grading secrets, 1.965 to 2.010 nats (median 1.986), at least 0.040 below the target; the
    best add-k trigram of the same names gets 2.105 to 2.149.
    """
    history: list[float] = []
    model = sub.charlm.train_char_lm(data["corpus"], int(rng.integers(2**31)), history)
    return {"weights": weights(model, "train_char_lm", "the trained GPT"), "history": history}


@weight(2)
@number("15.1")
@visibility("visible")
@tags("pytorch", "attention", "seq2seq")
@tolerance(rtol=1e-6, atol=1e-9)
def seq2seq_attention_step(sub, rng):
    """attend: queries (3, 4, 5) over keys (3, 6, 5) and values (3, 6, 7), the sources
    padded at their ends (one not at all): the context and the weights, exactly 0 at
    every padded position"""
    q, k, v = tensor(rng, 3, 4, 5), tensor(rng, 3, 6, 5), tensor(rng, 3, 6, 7)
    mask = padding(rng, 3, 6)
    mask[0] = False
    context, weights_ = sub.seq2seq.attend(q, k, v, torch.as_tensor(mask))
    return {"context": context, "weights": weights_}


@weight(2)
@number("15.2")
@visibility("visible")
@tags("pytorch", "attention", "seq2seq")
@tolerance(rtol=1e-6, atol=1e-9)
def seq2seq_forward_and_translate_on_fixed_weights(sub, rng):
    """Seq2Seq(embed=6, hidden=5) on fixed weights, 6 sources of 9 ids padded at their
    ends: teacher-forced logits and attention (START, then the targets but the last), and
    translate's 10 greedy tokens and attention"""
    return seq2seq_outputs(sub, rng, E=6, H=5, B=6, S=9)


@weight(2)
@number("15.3")
@visibility("visible")
@tags("pytorch", "training", "seq2seq")
@time_limit(120)
@judged_by(held_out_dates)
@grader_data(disguised_dates())
def train_seq2seq_public_dates(sub, rng, data):
    """train a Seq2Seq on 10,000 dates; its weights write at least 95% of 1,000 held-out
    dates exactly

    Calibrated (tests/hw3/test_seq2seq.py, make calibrate): the reference passes on 20
    of 20 secrets, writing 98.0% to 100% of the held-out dates exactly (median 99.4%),
    at least 3 points above the target; it trains in 7 to 15 s on one core.
    """
    model = sub.seq2seq.train_seq2seq(data["src"], data["targets"], int(rng.integers(2**31)))
    return {"weights": weights(model, "train_seq2seq", "the trained Seq2Seq")}
