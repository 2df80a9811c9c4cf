"""Each rule hw3's README or docstrings state fails a public case when a student breaks
it: a copy of the reference with one plausible bug fails the public case that names the
rule, with a message that says what went wrong (a student never learns a rule from a
hidden "wrong answer").

Only the public case that should catch the bug is run, within the time limit a
student's `make test` gives it and under the assignment's memory limit (as a data-size
limit on this process, beyond what it already holds): the tiled attention that calls
the plain one must fail 8.2 with a MemoryError, never allocate its 2 GiB score matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def region(file: str, start: str) -> str:
    """The solution region of ``file`` that begins with ``start``: its text up to the end
    marker, the marker excluded (what a student writes)."""
    text = (ROOT / "hw3" / file).read_text()
    begin = text.index(start)
    return text[begin : text.index("# END SOLUTION", begin)]


MEMORY_CASE = "8.2 tiled_attention_16k_positions_within_the_memory_limit"
# A tiled attention that calls the plain one: the whole score matrix at once.
PLAIN_TILED = (
    region("flash.py", "tq, tk = q.shape[-2], k.shape[-2]"),
    "from hw3.attention import attention_forward\n\n"
    "    return attention_forward(q, k, v, causal, key_padding_mask)[0]\n    ",
)
# Training that counts the pairs without overlaps ("a a a" holds (a, a) once).
NON_OVERLAPPING_COUNT = (
    "        keys, counts = np.unique(ids[:-1] * new_id + ids[1:], return_counts=True)\n",
    "        found: dict[int, int] = {}\n"
    "        last: dict[int, int] = {}\n"
    "        for i, key in enumerate((ids[:-1] * new_id + ids[1:]).tolist()):\n"
    "            if last.get(key, -2) < i - 1:\n"
    "                found[key] = found.get(key, 0) + 1\n"
    "                last[key] = i\n"
    "        keys = np.array(sorted(found))\n"
    "        counts = np.array([found[key] for key in keys.tolist()])\n",
)
# Encoding that merges the most frequent known pair first, not the one of lowest rank.
ENCODE_BY_FREQUENCY = (
    region(
        "bpe.py",
        'ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)\n    for rank',
    ),
    'ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)\n'
    "    rank = {tuple(map(int, pair)): r for r, pair in enumerate(merges)}\n"
    "    while ids.size >= 2:\n"
    "        pairs = list(zip(ids[:-1].tolist(), ids[1:].tolist(), strict=True))\n"
    "        known = [p for p in pairs if p in rank]\n"
    "        if not known:\n"
    "            break\n"
    "        best = max(known, key=lambda p: (known.count(p), -rank[p]))\n"
    "        ids = merge(ids, best, 256 + rank[best])\n"
    "    return ids.tolist()\n    ",
)
# RoPE pairing dimension i with i + hs/2 (GPT-NeoX's layout).
ROPE_HALVES = (
    region("positions.py", "x_even, x_odd = x[..., 0::2], x[..., 1::2]"),
    "half = x.shape[-1] // 2\n"
    "    x_even, x_odd = x[..., :half], x[..., half:]\n"
    "    return torch.cat((x_even * cos - x_odd * sin, x_even * sin + x_odd * cos), dim=-1)\n    ",
)
# RoPE written into x itself.
ROPE_IN_PLACE = (
    region("positions.py", "x_even, x_odd = x[..., 0::2], x[..., 1::2]"),
    "x_even, x_odd = x[..., 0::2].clone(), x[..., 1::2].clone()\n"
    "    x[..., 0::2] = x_even * cos - x_odd * sin\n"
    "    x[..., 1::2] = x_even * sin + x_odd * cos\n"
    "    return x\n    ",
)
# Masked attention scores filled with a large negative number, then a plain softmax.
LARGE_NEGATIVE_FILL = (
    region("attention.py", "row_max = np.max(scores"),
    "scores = np.where(allowed, scores, -1e9)\n"
    "    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
    "    weights /= weights.sum(axis=-1, keepdims=True)\n"
    "    return weights @ v, (q, k, v, weights, scale)\n    ",
)

# (bug, file, text of the reference, the student's text, the public case, words its
# message must hold; "" where the default comparison says it: which output differs, and
# the rule the case checks)
BUGS = [
    # Task 1-2: the tanh RNN
    (
        "tanh's derivative written with tanh of the cached output",
        "rnn.py",
        "da = dh_next * (1.0 - h_next**2)",
        "da = dh_next * (1.0 - np.tanh(h_next) ** 2)",
        "1.1 rnn_step",
        "['dx'] differs",
    ),
    (
        "BPTT that does not carry dh_prev into the previous step",
        "rnn.py",
        "rnn_step_backward(dh[:, t] + dh_prev, cache[t])",
        "rnn_step_backward(dh[:, t], cache[t])",
        "2.1 rnn_sequence_bptt",
        "['T6']['dx'] differs",
    ),
    (
        "rnn_backward returning zeros for dh0",
        "rnn.py",
        "    return dx, dh_prev, dWx, dWh, db\n",
        "    return dx, np.zeros_like(dh_prev), dWx, dWh, db\n",
        "2.1 rnn_sequence_bptt",
        "['dh0'] differs",
    ),
    # Task 3: the LSTM
    (
        "LSTM gates in the order i, f, o, g",
        "lstm.py",
        "a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)",
        "a_i, a_f, a_o, a_g = np.split(a, 4, axis=1)",
        "3.1 lstm_step_gate_order",
        "['h_next'] differs",
    ),
    (
        "LSTM with the input and forget gates exchanged",
        "lstm.py",
        "g = np.tanh(a_g)\n    c_next = f * c_prev + i * g",
        "g = np.tanh(a_g)\n    c_next = i * c_prev + f * g",
        "3.1 lstm_step_gate_order",
        "['h_next'] differs",
    ),
    (
        "LSTM step backward without the cell's gradient through h_next",
        "lstm.py",
        "dc = dc_next + dh_next * o * (1.0 - tanh_c**2)",
        "dc = dc_next",
        "3.1 lstm_step_gate_order",
        "['dx'] differs",
    ),
    (
        "LSTM starting from c0 = h0",
        "lstm.py",
        "h_prev, c_prev = h0, np.zeros_like(h0)",
        "h_prev, c_prev = h0, h0",
        "3.2 lstm_sequence_bptt_from_zero_cell",
        "['out'] differs",
    ),
    (
        "LSTM backward that drops dc_prev between steps",
        "lstm.py",
        "dh[:, t] + dh_prev, dc_prev, cache[t]",
        "dh[:, t] + dh_prev, np.zeros_like(dc_prev), cache[t]",
        "3.2 lstm_sequence_bptt_from_zero_cell",
        "['dx'] differs",
    ),
    # Task 4: the GRU
    (
        "GRU adding bh_n after the reset gate, r * (h Wh_n) + bh_n",
        "lstm.py",
        "n = np.tanh(gx_n + r * gh_n)",
        "bh_n = bh[2 * h_prev.shape[1] :]\n    n = np.tanh(gx_n + r * (gh_n - bh_n) + bh_n)",
        "4.1 gru_step_two_biases",
        "['out'] differs",
    ),
    (
        "GRU with z and 1 - z exchanged",
        "lstm.py",
        "h_next = (1.0 - z) * n + z * h_prev",
        "h_next = z * n + (1.0 - z) * h_prev",
        "4.1 gru_step_two_biases",
        "['out'] differs",
    ),
    # Task 5: embedding and temporal affine
    (
        "embedding backward with dW[idx] += dout (repeated ids lost)",
        "temporal.py",
        "np.add.at(dW, idx, dout)",
        "dW[idx] += dout",
        "5.1 embedding_repeated_ids_accumulate",
        "['dW'] differs",
    ),
    (
        "temporal affine db summed over the batch axis only",
        "temporal.py",
        "dout.sum(axis=(0, 1))",
        "dout.sum(axis=0)",
        "5.2 temporal_affine",
        "['db']",
    ),
    # Task 6: masked cross-entropy and clipping
    (
        "temporal cross-entropy divided by the number of tokens",
        "temporal.py",
        "    n = scores.shape[0]\n    mask = mask.astype(bool)\n",
        "    mask = mask.astype(bool)\n    n = max(int(mask.sum()), 1)\n",
        "6.1 temporal_cross_entropy_masked_per_sequence",
        "['masked'][0] differs",
    ),
    (
        "temporal cross-entropy with gradient at masked steps",
        "temporal.py",
        "dscores = (np.exp(log_p) - one_hot) * mask[..., None] / n",
        "dscores = (np.exp(log_p) - one_hot) / n",
        "6.1 temporal_cross_entropy_masked_per_sequence",
        "['masked'][1] differs",
    ),
    (
        "temporal cross-entropy without the max shift",
        "temporal.py",
        "shifted = scores - scores.max(axis=-1, keepdims=True)",
        "shifted = scores",
        "6.1 temporal_cross_entropy_masked_per_sequence",
        "['extreme']",
    ),
    (
        "clipping that scales the given arrays in place",
        "temporal.py",
        "    return {name: g * scale for name, g in grads.items()}, total_norm\n",
        "    for g in grads.values():\n        g *= scale\n    return dict(grads), total_norm\n",
        "6.2 clip_grad_norm_global",
        "clip_grad_norm changed grads",
    ),
    (
        "clipping returning the norm after clipping",
        "temporal.py",
        "    return {name: g * scale for name, g in grads.items()}, total_norm\n",
        "    return {name: g * scale for name, g in grads.items()}, total_norm * scale\n",
        "6.2 clip_grad_norm_global",
        "['above']['norm'] differs",
    ),
    (
        "clipping that scales up gradients below max_norm",
        "temporal.py",
        "scale = min(1.0, max_norm / (total_norm + 1e-6))",
        "scale = max_norm / (total_norm + 1e-6)",
        "6.2 clip_grad_norm_global",
        "['below']['clipped']",
    ),
    # Task 7: attention
    (
        "attention without the 1/sqrt(d) scale",
        "attention.py",
        "scale = 1.0 / np.sqrt(q.shape[-1])",
        "scale = 1.0",
        "7.1 attention_unmasked_and_heads",
        "['plain']['out'] differs",
    ),
    (
        "attention backward without the softmax's row term",
        "attention.py",
        "dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True))",
        "dscores = weights * dweights",
        "7.1 attention_unmasked_and_heads",
        "['plain']['dq'] differs",
    ),
    (
        "causal mask that hides the diagonal (j < i)",
        "attention.py",
        "allowed = np.tril(allowed)",
        "allowed = np.tril(allowed, -1)",
        "7.2 attention_causal_padding_and_empty_rows",
        "['causal']['out'] differs",
    ),
    (
        "causal mask on the upper triangle (j >= i)",
        "attention.py",
        "allowed = np.tril(allowed)",
        "allowed = np.triu(allowed)",
        "7.2 attention_causal_padding_and_empty_rows",
        "['causal']['out'] differs",
    ),
    (
        "key padding mask read as True = keep",
        "attention.py",
        "allowed & ~key_padding_mask.astype(bool)[..., None, :]",
        "allowed & key_padding_mask.astype(bool)[..., None, :]",
        "7.2 attention_causal_padding_and_empty_rows",
        "['padding']['out'] differs",
    ),
    (
        "a query that sees no key divides 0 by 0 (NaN)",
        "attention.py",
        "weights /= np.where(total > 0, total, 1.0)",
        "weights /= total",
        "7.2 attention_causal_padding_and_empty_rows",
        "nan",
    ),
    (
        "masked scores filled with -1e9 (a query with no key averages every value)",
        "attention.py",
        *LARGE_NEGATIVE_FILL,
        "7.2 attention_causal_padding_and_empty_rows",
        "['padding']['out'] differs",
    ),
    # Task 8: tiled attention
    (
        "tiled attention that calls the plain one",
        "flash.py",
        *PLAIN_TILED,
        MEMORY_CASE,
        "MemoryError",
    ),
    (
        "online softmax that does not rescale acc",
        "flash.py",
        "acc = rescale * acc + p @ v[..., j0:j1, :]",
        "acc = acc + p @ v[..., j0:j1, :]",
        "8.1 tiled_attention_equals_plain",
        "['plain_4'] differs",
    ),
    (
        "query blocks that drop the last partial block",
        "flash.py",
        "for i0 in range(0, tq, block_size):",
        "for i0 in range(0, tq - block_size + 1, block_size):",
        "8.1 tiled_attention_equals_plain",
        "['plain_4'] differs",
    ),
    (
        "online softmax shifting by a running max of -inf (NaN rows)",
        "flash.py",
        "shift = np.where(np.isfinite(m_new), m_new, 0.0)",
        "shift = m_new",
        "8.1 tiled_attention_equals_plain",
        "nan",
    ),
    # Task 9: BPE
    (
        "merge replacing overlapping occurrences",
        "bpe.py",
        "if a == b and starts.size:",
        "if False:",
        "9.1 bpe_merge_left_to_right",
        "['run3'] has shape (1,)",
    ),
    (
        "training ties going to the largest pair",
        "bpe.py",
        "best = int(counts.argmax())",
        "best = len(counts) - 1 - int(counts[::-1].argmax())",
        "9.2 bpe_train_encode_decode",
        "['vocabulary']",
    ),
    (
        "training that merges pairs occurring once",
        "bpe.py",
        "if counts[best] < 2:",
        "if counts[best] < 1:",
        "9.2 bpe_train_encode_decode",
        "['wikipedia'] has shape (7, 2)",
    ),
    (
        "decoding with errors='strict'",
        "bpe.py",
        '.decode("utf-8", errors="replace")',
        '.decode("utf-8")',
        "9.2 bpe_train_encode_decode",
        "UnicodeDecodeError",
    ),
    (
        "decoding an unknown id without ValueError",
        "bpe.py",
        "    if unknown:\n",
        "    if False:\n",
        "9.2 bpe_train_encode_decode",
        "['too_large_raises_valueerror'] is False",
    ),
    # Task 10: positions
    (
        "sinusoidal encoding with cosines in the even channels",
        "positions.py",
        "    pe[:, 0::2] = torch.sin(angles)\n    pe[:, 1::2] = torch.cos(angles[:, : C // 2])\n",
        "    pe[:, 0::2] = torch.cos(angles)\n    pe[:, 1::2] = torch.sin(angles[:, : C // 2])\n",
        "10.1 sinusoidal_positions",
        "['even'] differs",
    ),
    (
        "sinusoidal frequencies 10000 ** (-i / C) with the pair index i",
        "positions.py",
        "angles = t[:, None] * 10000.0 ** (-i / C)",
        "angles = t[:, None] * 10000.0 ** (-(i / 2) / C)",
        "10.1 sinusoidal_positions",
        "['even'] differs",
    ),
    (
        "RoPE pairing dimension i with i + hs/2",
        "positions.py",
        *ROPE_HALVES,
        "10.2 rope_interleaved_pairs_and_offsets",
        "['rotated'] differs",
    ),
    (
        "RoPE frequencies computed in float32",
        "positions.py",
        "base ** (-torch.arange(0, hs, 2, dtype=torch.float64, device=device) / hs)",
        "base ** (-torch.arange(0, hs, 2, dtype=torch.float32, device=device) / hs)",
        "10.2 rope_interleaved_pairs_and_offsets",
        "differs",
    ),
    (
        "RoPE rotating x in place",
        "positions.py",
        *ROPE_IN_PLACE,
        "10.2 rope_interleaved_pairs_and_offsets",
        "changed its input x in place",
    ),
    # Task 11: multi-head attention and the KV cache
    (
        "heads split by interleaving channels",
        "mha.py",
        "return y.view(B, T, nh, hs).transpose(1, 2)",
        "return y.view(B, T, hs, nh).permute(0, 3, 1, 2)",
        "11.1 multi_head_attention_masks",
        "['plain'] differs",
    ),
    (
        "scores scaled by sqrt(C) instead of sqrt(hs)",
        "mha.py",
        "/ math.sqrt(hs)",
        "/ math.sqrt(C)",
        "11.1 multi_head_attention_masks",
        "['plain'] differs",
    ),
    (
        "a query that sees no key gives NaN",
        "mha.py",
        'scores.masked_fill(~allowed & sees_a_key, float("-inf"))',
        'scores.masked_fill(~allowed, float("-inf"))',
        "11.1 multi_head_attention_masks",
        "nan",
    ),
    (
        "RoPE on the queries only",
        "mha.py",
        "q, k = apply_rope(q, *rope), apply_rope(k, *rope)",
        "q = apply_rope(q, *rope)",
        "11.1 multi_head_attention_masks",
        "['rope'] differs",
    ),
    (
        "KVCache.append concatenating along the head size",
        "mha.py",
        "self.k = torch.cat((self.k, k), dim=-2)",
        "self.k = torch.cat((self.k, k), dim=-1)",
        "11.2 kv_cache_offsets",
        "Sizes of tensors must match",
    ),
    (
        "causal mask without the cache's offset",
        "mha.py",
        "allowed = torch.tril(allowed, diagonal=start)",
        "allowed = torch.tril(allowed)",
        "11.2 kv_cache_offsets",
        "['pieces'] differs",
    ),
    # Task 12: the block and the GPT
    (
        "MLP with the tanh approximation of GELU",
        "gpt.py",
        "self.proj(F.gelu(self.fc(x)))",
        'self.proj(F.gelu(self.fc(x), approximate="tanh"))',
        "12.1 mlp_and_pre_layernorm_block",
        "['mlp'] differs",
    ),
    (
        "post-LayerNorm block",
        "gpt.py",
        "        x = x + self.drop(self.attn(self.ln_1(x), causal=True, rope=rope, cache=cache))\n"
        "        x = x + self.drop(self.mlp(self.ln_2(x)))  # (B, T, C)\n",
        "        x = self.ln_1(x + self.drop(self.attn(x, causal=True, rope=rope, cache=cache)))\n"
        "        x = self.ln_2(x + self.drop(self.mlp(x)))  # (B, T, C)\n",
        "12.1 mlp_and_pre_layernorm_block",
        "['out'] differs",
    ),
    (
        "Block calling its attention without the causal mask",
        "gpt.py",
        "self.attn(self.ln_1(x), causal=True,",
        "self.attn(self.ln_1(x), causal=False,",
        "12.1 mlp_and_pre_layernorm_block",
        "['out'] differs",
    ),
    (
        "GPT without the final LayerNorm",
        "gpt.py",
        "logits = self.lm_head(self.ln_f(x))",
        "logits = self.lm_head(x)",
        "12.2 gpt_logits_loss_and_tied_weights",
        "['logits'] differs",
    ),
    (
        "learned positions restarting at 0 with a cache",
        "gpt.py",
        "positions = torch.arange(start, start + T, device=idx.device)",
        "positions = torch.arange(T, device=idx.device)",
        "12.3 gpt_kv_cache_equals_recomputing",
        "['learned']['pieces'] differs",
    ),
    (
        "RoPE rows restarting at 0 with a cache",
        "gpt.py",
        "rope = (cos[start:], sin[start:])",
        "rope = (cos[:T], sin[:T])",
        "12.3 gpt_kv_cache_equals_recomputing",
        "['rope']['pieces'] differs",
    ),
    # Task 13: decoding
    (
        "greedy ties going to the highest id",
        "decoding.py",
        "nxt = next_logits(tokens).argmax(dim=-1, keepdim=True)",
        "logits = next_logits(tokens)\n"
        "        nxt = logits.shape[-1] - 1 - logits.flip(-1).argmax(dim=-1, keepdim=True)",
        "13.1 greedy_ties_to_lowest_id",
        "['tied'] differs",
    ),
    (
        "top-k keeping exactly k tokens (ties with the k-th dropped)",
        "decoding.py",
        "z = z.masked_fill(z < kth, -math.inf)",
        "top = torch.topk(z, top_k, dim=-1).indices\n"
        "        z = z.masked_fill(~torch.zeros_like(z, dtype=torch.bool).scatter_(-1, top, True),"
        " -math.inf)",
        "13.2 filtered_probs_temperature_top_k_top_p",
        "['top_k_ties'] differs",
    ),
    (
        "top-p dropping the token that crosses p",
        "decoding.py",
        "before = F.pad(torch.cumsum(ranked, dim=-1)[..., :-1], (1, 0))",
        "before = torch.cumsum(ranked, dim=-1)",
        "13.2 filtered_probs_temperature_top_k_top_p",
        "['top_p'] differs",
    ),
    (
        "top-p keeping a token when the mass before it equals p",
        "decoding.py",
        "before < top_p",
        "before <= top_p",
        "13.2 filtered_probs_temperature_top_k_top_p",
        "['top_p_exact'] differs",
    ),
    (
        "top-p on the distribution before temperature and top-k",
        "decoding.py",
        "probs = torch.softmax(z, dim=-1)  # (B, V)",
        "probs = torch.softmax(logits, dim=-1)  # (B, V)",
        "13.2 filtered_probs_temperature_top_k_top_p",
        "['both'] differs",
    ),
    (
        "sampling at temperature 0 that draws from the generator",
        "decoding.py",
        "    if temperature == 0:\n        return greedy(next_logits, prompt, steps)\n",
        "",
        "13.3 sample_one_multinomial_per_step",
        "['greedy']['next_draws'] differs",
    ),
    (
        "beam search ranking without length normalization",
        "decoding.py",
        "return logprob / (len(tokens) - t0) ** length_penalty",
        "return logprob",
        "13.4 beam_search_length_normalized",
        "_p1']['score'] differs",
    ),
    (
        "beam search counting the prompt in L",
        "decoding.py",
        "return logprob / (len(tokens) - t0) ** length_penalty",
        "return logprob / len(tokens) ** length_penalty",
        "13.4 beam_search_length_normalized",
        "['score'] differs",
    ),
    (
        "beam search extending finished hypotheses",
        "decoding.py",
        "done = token == eos_id",
        "done = torch.zeros_like(token, dtype=torch.bool)",
        "13.4 beam_search_length_normalized",
        "['tokens'] has shape (8,)",
    ),
    (
        "temporal cross-entropy reading the labels of masked steps",
        "temporal.py",
        "labels = np.where(mask, y, 0)[..., None]",
        "labels = y[..., None]",
        "6.1 temporal_cross_entropy_masked_per_sequence",
        "out of bounds",
    ),
    (
        "temporal cross-entropy as the log of a softmax",
        "temporal.py",
        "log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))",
        "log_p = np.log(np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True))",
        "6.1 temporal_cross_entropy_masked_per_sequence",
        "out['extreme']",
    ),
    (
        "clipping without PyTorch's 1e-6",
        "temporal.py",
        "scale = min(1.0, max_norm / (total_norm + 1e-6))",
        "scale = min(1.0, max_norm / total_norm)",
        "6.2 clip_grad_norm_global",
        "out['tiny']",
    ),
    (
        "training counting pairs without overlaps",
        "bpe.py",
        *NON_OVERLAPPING_COUNT,
        "9.2 bpe_train_encode_decode",
        "out['overlaps']",
    ),
    (
        "encoding by frequency instead of rank",
        "bpe.py",
        *ENCODE_BY_FREQUENCY,
        "9.2 bpe_train_encode_decode",
        "out['by_rank']",
    ),
    (
        "encoding a lone surrogate with errors='replace'",
        "bpe.py",
        'ids = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)\n    for rank',
        'ids = np.frombuffer(text.encode("utf-8", errors="replace"), dtype=np.uint8)'
        ".astype(np.int64)\n    for rank",
        "9.2 bpe_train_encode_decode",
        "out['surrogate_raises']",
    ),
    (
        "decoding a negative id (it wraps to the end of the vocabulary)",
        "bpe.py",
        "unknown = [i for i in ids if not 0 <= i < len(table)]",
        "unknown = [i for i in ids if not i < len(table)]",
        "9.2 bpe_train_encode_decode",
        "out['negative_raises_valueerror']",
    ),
    (
        "sinusoidal angles in float32",
        "positions.py",
        "angles = t[:, None] * 10000.0 ** (-i / C)",
        "angles = (t[:, None] * 10000.0 ** (-i / C)).float()",
        "10.1 sinusoidal_positions",
        "out['even']",
    ),
    (
        "attention dropout left out",
        "mha.py",
        "weights = self.attn_dropout(weights)",
        "pass",
        "11.1 multi_head_attention_masks",
        "out['dropout']",
    ),
    (
        "a key padding mask read for the new keys only",
        "mha.py",
        "~key_padding_mask.bool()[:, None, None, :]",
        "~key_padding_mask.bool()[:, None, None, -T:]",
        "11.2 kv_cache_offsets",
        "mha.py",
    ),
    (
        "Block without dropout on the MLP branch",
        "gpt.py",
        "x = x + self.drop(self.mlp(self.ln_2(x)))",
        "x = x + self.mlp(self.ln_2(x))",
        "12.1 mlp_and_pre_layernorm_block",
        "out['dropout_train']",
    ),
    (
        "beam search log-probabilities in float32",
        "decoding.py",
        "next_logits(beams).double()",
        "next_logits(beams).float()",
        "13.4 beam_search_length_normalized",
        "['score'] differs",
    ),
    (
        "beam search breaking equal final scores to the larger token list",
        "decoding.py",
        "key=lambda h: (-normalized(h), h[0][t0:])",
        "key=lambda h: (-normalized(h), [-x for x in h[0][t0:]])",
        "13.4 beam_search_length_normalized",
        "['tokens'] has",
    ),
]


STATUS = Path("/proc/self/status")  # Linux: where a process's data size is read


def failure(mutants: Callable[[str], Any], file: str, old: str, new: str, label: str) -> str | None:
    """The message of public case ``label`` on the reference with ``old`` replaced by
    ``new`` in ``file``, or None when the case passes."""
    if label == MEMORY_CASE and not STATUS.exists():
        pytest.skip("the plain attention would take gigabytes here: no data-size limit to stop it")
    message: str | None = mutants("hw3").failure(file, old, new, label)
    return message


@pytest.mark.parametrize(
    ("file", "old", "new", "label", "words"),
    [pytest.param(*bug[1:], id=bug[0]) for bug in BUGS],
)
def test_a_public_case_catches_the_bug(
    mutants: Callable[[str], Any], file: str, old: str, new: str, label: str, words: str
) -> None:
    message = failure(mutants, file, old, new, label)
    assert message is not None, f"{label} passes with the bug"
    assert words in message, message
