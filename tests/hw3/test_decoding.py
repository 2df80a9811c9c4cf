"""hw3's decoding on tiny table models where the right answer can be enumerated: greedy
against a loop over the vocabulary, `filtered_probs` against a plain-Python loop over
the vocabulary, `sample`'s frequencies against `filtered_probs` (a chi-square bound at a
fixed seed) and its exact draws against the stated recipe, beam search against
brute-force enumeration of every hypothesis."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import pytest
import torch
from scipy import stats

from hw3.decoding import beam_search, filtered_probs, greedy, sample

NextLogits = Callable[[torch.Tensor], torch.Tensor]


# ---------------------------------------------------------------- tiny table models


def last_token_model(table: torch.Tensor) -> NextLogits:
    """A bigram model: the logits of the next token are row ``prefix[:, -1]`` of table (V, V)."""

    def next_logits(prefix: torch.Tensor) -> torch.Tensor:
        return table[prefix[:, -1]]  # (B, V)

    return next_logits


def hashed_model(vocab: int, seed: int, integer: bool = False, buckets: int = 1009) -> NextLogits:
    """Logits that depend on the whole prefix: row hash(prefix) of a random table.
    ``integer``: logits in {0, 1, 2}, so that ties are everywhere."""
    g = torch.Generator().manual_seed(seed)
    if integer:
        table = torch.randint(0, 3, (buckets, vocab), generator=g).double()
    else:
        table = torch.randn(buckets, vocab, generator=g, dtype=torch.float64) * 2

    def next_logits(prefix: torch.Tensor) -> torch.Tensor:
        rows = [
            sum((t + 1) * 131**i for i, t in enumerate(seq)) % buckets for seq in prefix.tolist()
        ]
        return table[rows]  # (B, V)

    return next_logits


def prefix_table_model(table: dict[tuple[int, ...], Sequence[float]], vocab: int) -> NextLogits:
    """Logits looked up by the whole prefix (the prompt included); uniform when absent."""

    def next_logits(prefix: torch.Tensor) -> torch.Tensor:
        rows = [table.get(tuple(seq), [0.0] * vocab) for seq in prefix.tolist()]
        return torch.tensor(rows, dtype=torch.float64)  # (B, V)

    return next_logits


# ---------------------------------------------------------------- greedy


def first_argmax(row: Sequence[float]) -> int:
    best = 0
    for v in range(len(row)):
        if row[v] > row[best]:
            best = v
    return best


@pytest.mark.parametrize("integer", [False, True])
def test_greedy_takes_the_argmax_at_every_step_lowest_id_on_ties(integer: bool) -> None:
    model = hashed_model(vocab=5, seed=1, integer=integer)
    prompt = torch.tensor([[0, 1], [4, 4], [2, 3]])
    out = greedy(model, prompt, steps=6)
    assert out.shape == (3, 8) and out.dtype == torch.long
    for b in range(3):
        seq = prompt[b].tolist()
        for _ in range(6):
            seq.append(first_argmax(model(torch.tensor([seq]))[0].tolist()))
        assert out[b].tolist() == seq
    assert torch.equal(greedy(model, prompt, steps=0), prompt)


def test_greedy_breaks_an_exact_tie_toward_the_lowest_id() -> None:
    table = torch.tensor([[0.0, 2.0, 2.0, 1.0]] * 4, dtype=torch.float64)
    assert greedy(last_token_model(table), torch.tensor([[3]]), 2).tolist() == [[3, 1, 1]]


# ---------------------------------------------------------------- filtered_probs


def oracle_probs(
    row: Sequence[float], temperature: float, top_k: int | None, top_p: float | None
) -> list[float]:
    """The docstring's definition, one token at a time, in plain Python."""
    V = len(row)
    if temperature == 0:
        return [1.0 if v == first_argmax(row) else 0.0 for v in range(V)]
    z = [x / temperature for x in row]
    kept = list(range(V))
    if top_k is not None and top_k < V:
        kth = sorted(z, reverse=True)[top_k - 1]
        kept = [v for v in kept if z[v] >= kth]

    def softmax(tokens: list[int]) -> list[float]:
        m = max(z[v] for v in tokens)
        e = {v: math.exp(z[v] - m) for v in tokens}
        total = sum(e.values())
        return [e[v] / total if v in e else 0.0 for v in range(V)]

    if top_p is not None and top_p < 1:
        p = softmax(kept)
        nucleus, mass = [], 0.0
        for v in sorted(kept, key=lambda v: (-p[v], v)):
            nucleus.append(v)
            mass += p[v]
            if mass >= top_p:
                break
        kept = nucleus
    return softmax(kept)


def assert_matches_oracle(
    logits: torch.Tensor, temperature: float, top_k: int | None, top_p: float | None
) -> None:
    got = filtered_probs(logits, temperature, top_k, top_p)
    where = f"temperature={temperature}, top_k={top_k}, top_p={top_p}"
    expected = torch.tensor(
        [oracle_probs(row, temperature, top_k, top_p) for row in logits.tolist()],
        dtype=torch.float64,
    )
    assert got.shape == logits.shape and got.dtype == logits.dtype, where
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-12, msg=lambda m: f"{where}: {m}")
    assert torch.equal(got > 0, expected > 0), f"{where}: a different set of tokens survives"


@pytest.mark.parametrize("temperature", [0.0, 0.4, 1.0, 2.5])
def test_filtered_probs_equals_a_loop_over_the_vocabulary(temperature: float) -> None:
    g = torch.Generator().manual_seed(7)
    logits = torch.randn(6, 9, generator=g, dtype=torch.float64) * 2
    integers = torch.randint(-2, 3, (6, 9), generator=g).double()  # ties everywhere
    for top_k, top_p in itertools.product([None, 1, 3, 9, 20], [None, 0.05, 0.5, 0.9, 1.0]):
        assert_matches_oracle(logits, temperature, top_k, top_p)
        assert_matches_oracle(integers, temperature, top_k, top_p)


def test_top_k_keeps_every_token_tied_with_the_kth_value() -> None:
    logits = torch.tensor([[1.0, 3.0, 3.0, 2.0, 3.0, 0.0]], dtype=torch.float64)
    probs = filtered_probs(logits, top_k=2)
    assert probs.tolist() == [[0.0, 1 / 3, 1 / 3, 0.0, 1 / 3, 0.0]]
    probs = filtered_probs(logits, top_k=4)  # the 4th largest is the 2: four survive
    assert (probs > 0).tolist() == [[False, True, True, True, True, False]]


def test_top_p_keeps_the_crossing_token_and_stops_on_an_exact_hit() -> None:
    uniform = torch.zeros(1, 8, dtype=torch.float64)  # probabilities exactly 1/8
    assert (filtered_probs(uniform, top_p=3 / 8) > 0).sum() == 3  # reached exactly: stop
    kept = filtered_probs(uniform, top_p=3 / 8 + 1e-9) > 0  # crossed by the 4th: keep it
    assert kept.tolist() == [[True] * 4 + [False] * 4]  # equal probabilities: lowest ids first
    assert filtered_probs(uniform, top_p=3 / 8 + 1e-9)[0, 0] == 0.25


def test_top_p_acts_on_the_renormalized_top_k_distribution() -> None:
    logits = torch.tensor([[5.0, 5.0, 5.0, 5.0, 4.0, 4.0, 4.0]], dtype=torch.float64)
    # after top-k the four 5s have probability exactly 1/4 each, so p = 1/2 keeps two
    # (on the unfiltered softmax two of them would fall short of 1/2 and three be kept)
    assert filtered_probs(logits, top_k=4, top_p=0.5).tolist() == [[0.5, 0.5, 0, 0, 0, 0, 0]]


def test_temperature_is_applied_before_top_p() -> None:
    logits = torch.tensor([[2.0, 1.0, 0.0]], dtype=torch.float64)
    # at T = 1 the top token has 0.665 < 0.7, so two are kept; at T = 0.5 it has 0.867
    assert (filtered_probs(logits, 1.0, top_p=0.7) > 0).sum() == 2
    assert filtered_probs(logits, 0.5, top_p=0.7).tolist() == [[1.0, 0.0, 0.0]]
    hot = filtered_probs(logits, 2.0)
    torch.testing.assert_close(hot, torch.softmax(logits / 2, dim=-1), rtol=0, atol=1e-15)


def test_temperature_zero_is_one_hot_at_the_lowest_argmax_and_a_tiny_p_keeps_one() -> None:
    logits = torch.tensor([[0.0, 3.0, 3.0, 1.0]], dtype=torch.float64)
    assert filtered_probs(logits, 0.0).tolist() == [[0.0, 1.0, 0.0, 0.0]]
    assert filtered_probs(logits, 0.0, top_k=1, top_p=0.1).tolist() == [[0.0, 1.0, 0.0, 0.0]]
    assert filtered_probs(logits, 1.0, top_p=1e-9).tolist() == [[0.0, 1.0, 0.0, 0.0]]


def test_top_p_of_one_keeps_a_tail_that_the_running_sum_rounds_away() -> None:
    logits = torch.tensor([[0.0, -40.0, -40.0]], dtype=torch.float64)
    probs = filtered_probs(logits, top_p=1.0)
    assert (probs > 0).all()  # 1 + 4e-18 == 1 in float64: a cumsum test would drop token 2
    torch.testing.assert_close(probs, torch.softmax(logits, dim=-1), rtol=0, atol=0)


def test_filtered_probs_keeps_dtype_and_leading_axes_and_checks_its_arguments() -> None:
    logits = torch.randn(2, 3, 7)
    probs = filtered_probs(logits, 0.7, top_k=3, top_p=0.8)
    assert probs.dtype == torch.float32 and probs.shape == (2, 3, 7)
    torch.testing.assert_close(probs.sum(-1), torch.ones(2, 3))
    assert ((probs > 0).sum(-1) <= 3).all()
    for bad in [{"temperature": -1.0}, {"top_k": 0}, {"top_p": 0.0}, {"top_p": 1.5}]:
        with pytest.raises(ValueError):
            filtered_probs(logits, **bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------- sample


SETTINGS = [(1.0, None, None), (0.8, 5, None), (1.3, None, 0.8), (0.7, 6, 0.9)]


@pytest.mark.parametrize(("temperature", "top_k", "top_p"), SETTINGS)
def test_sample_frequencies_match_filtered_probs(
    temperature: float, top_k: int | None, top_p: float | None
) -> None:
    """Two steps from one prompt: the counts of each (first, second) pair against
    N * P(first) * P(second | first), both from filtered_probs. Deterministic (fixed
    seed); the bound is the chi-square quantile at 1 - 1e-6."""
    V, N = 8, 40_000
    table = torch.randn(V, V, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    model = last_token_model(table)
    generator = torch.Generator().manual_seed(11)
    prompt = torch.full((N, 1), 2)
    out = sample(model, prompt, 2, generator, temperature, top_k, top_p)
    assert out.shape == (N, 3) and torch.equal(out[:, 0], prompt[:, 0])
    probs = filtered_probs(table, temperature, top_k, top_p)  # (V, V) row = previous token
    expected = {
        (a, b): N * probs[2, a].item() * probs[a, b].item()
        for a, b in itertools.product(range(V), repeat=2)
        if probs[2, a] * probs[a, b] > 0
    }
    pairs = torch.bincount(out[:, 1] * V + out[:, 2], minlength=V * V).tolist()
    counts = {divmod(i, V): n for i, n in enumerate(pairs) if n > 0}
    assert set(counts) <= set(expected), "drew a token that the filters remove"
    chi2 = sum((counts.get(pair, 0) - e) ** 2 / e for pair, e in expected.items())
    assert chi2 < stats.chi2.ppf(1 - 1e-6, df=len(expected) - 1), chi2
    assert min(expected.values()) > 5  # the chi-square approximation holds


def test_sample_is_exactly_the_stated_recipe_and_reproducible() -> None:
    model = hashed_model(vocab=6, seed=5)
    prompt = torch.tensor([[0, 1], [2, 2], [5, 3]])
    out = sample(model, prompt, 10, torch.Generator().manual_seed(42), 0.9, 4, 0.85)
    assert torch.equal(
        out, sample(model, prompt, 10, torch.Generator().manual_seed(42), 0.9, 4, 0.85)
    )
    # the recipe of the docstring, written out with a generator seeded the same way
    generator, tokens = torch.Generator().manual_seed(42), prompt
    for _ in range(10):
        probs = filtered_probs(model(tokens), 0.9, 4, 0.85)
        tokens = torch.cat([tokens, torch.multinomial(probs, 1, generator=generator)], dim=1)
    assert torch.equal(out, tokens)
    other = sample(model, prompt, 10, torch.Generator().manual_seed(43), 0.9, 4, 0.85)
    assert not torch.equal(out, other)


def test_sample_continues_the_generator_and_temperature_zero_draws_nothing() -> None:
    model = hashed_model(vocab=6, seed=6)
    prompt = torch.tensor([[1], [4]])
    generator = torch.Generator().manual_seed(0)
    first = sample(model, prompt, 3, generator)
    second = sample(model, prompt, 3, generator)
    both = sample(model, prompt, 3, g := torch.Generator().manual_seed(0))
    assert torch.equal(first, both) and torch.equal(second, sample(model, prompt, 3, g))
    state = generator.get_state()
    assert torch.equal(
        sample(model, prompt, 5, generator, temperature=0.0), greedy(model, prompt, 5)
    )
    assert torch.equal(generator.get_state(), state)


# ---------------------------------------------------------------- beam search


def all_hypotheses(
    next_logits: NextLogits, prompt: list[int], max_steps: int, eos_id: int
) -> list[tuple[list[int], float]]:
    """Every sequence beam search could return (ending in eos within max_steps, or
    max_steps long without eos), with its log-probability summed in generation order."""
    out = []

    def extend(generated: list[int], logprob: float) -> None:
        row = torch.log_softmax(next_logits(torch.tensor([prompt + generated])).double(), -1)[0]
        for v, lp in enumerate(row.tolist()):
            seq, total = [*generated, v], logprob + lp
            if v == eos_id or len(seq) == max_steps:
                out.append((prompt + seq, total))
            else:
                extend(seq, total)

    extend([], 0.0)
    return out


def brute_force(
    next_logits: NextLogits, prompt: list[int], max_steps: int, eos_id: int, alpha: float
) -> tuple[list[int], float]:
    t0 = len(prompt)
    ranked = [
        (s / (len(seq) - t0) ** alpha, seq)
        for seq, s in all_hypotheses(next_logits, prompt, max_steps, eos_id)
    ]
    score, seq = min(ranked, key=lambda r: (-r[0], r[1][t0:]))
    return seq, score


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.0, 2.0])
def test_a_wide_beam_finds_the_exact_optimum(seed: int, alpha: float) -> None:
    V, steps, eos = 4, 4, 0
    model = hashed_model(vocab=V, seed=seed)
    prompt = [1, 3]
    tokens, score = beam_search(model, torch.tensor(prompt), V**steps, steps, eos, alpha)
    expected_tokens, expected_score = brute_force(model, prompt, steps, eos, alpha)
    assert tokens == expected_tokens
    assert isinstance(score, float) and score == pytest.approx(expected_score, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_a_beam_of_one_is_greedy_up_to_eos(seed: int) -> None:
    V, steps, eos = 5, 6, 2
    model = hashed_model(vocab=V, seed=seed)
    prompt = torch.tensor([[3]])
    tokens, score = beam_search(model, prompt, 1, steps, eos, length_penalty=0.0)
    path = greedy(model, prompt, steps)[0].tolist()
    if eos in path[1:]:
        path = path[: path.index(eos, 1) + 1]
    assert tokens == path
    logprob = sum(
        torch.log_softmax(model(torch.tensor([path[:t]])), -1)[0, path[t]].item()
        for t in range(1, len(path))
    )
    assert score == pytest.approx(logprob, abs=1e-12)


def test_a_narrow_beam_misses_the_optimum_that_a_wider_one_finds() -> None:
    """eos = 0. The first step prefers 1 (0.6) to 2 (0.4); after 1 every continuation is
    flat, after 2 eos is nearly certain. A beam of one commits to 1; a beam of two keeps 2."""
    lg = math.log
    table = {
        (3,): [-50.0, lg(0.6), lg(0.4)],
        (3, 1): [lg(1 / 3)] * 3,
        (3, 2): [lg(0.98), lg(0.01), lg(0.01)],
    }
    model = prefix_table_model(table, vocab=3)
    narrow, narrow_score = beam_search(model, torch.tensor([3]), 1, 3, 0, length_penalty=0.0)
    wide, wide_score = beam_search(model, torch.tensor([3]), 2, 3, 0, length_penalty=0.0)
    optimum, optimum_score = brute_force(model, [3], 3, 0, 0.0)
    assert narrow == [3, 1, 0] and narrow_score == pytest.approx(lg(0.6) + lg(1 / 3))
    assert wide == optimum == [3, 2, 0] and wide_score == pytest.approx(optimum_score)
    assert narrow_score < optimum_score


def test_the_length_penalty_changes_the_winner() -> None:
    """eos = 0. [eos] has probability 0.4 (length 1); [1, 2, eos] has 0.6 * 0.7 * 0.7 =
    0.294 (length 3). Unnormalized the short one wins; divided by the length, the long one."""
    lg, never = math.log, -60.0
    table = {
        (5,): [lg(0.4), lg(0.6), never, never],
        (5, 1): [never, never, lg(0.7), lg(0.3)],
        (5, 1, 2): [lg(0.7), lg(0.3), never, never],
    }
    model = prefix_table_model(table, vocab=4)
    tokens, score = beam_search(model, torch.tensor([[5]]), 3, 3, 0, length_penalty=0.0)
    assert tokens == [5, 0] and score == pytest.approx(lg(0.4))
    tokens, score = beam_search(model, torch.tensor([[5]]), 3, 3, 0, length_penalty=1.0)
    assert tokens == [5, 1, 2, 0] and score == pytest.approx(lg(0.294) / 3)
    for alpha in (0.0, 1.0):
        (tokens, score), (best, best_score) = (
            beam_search(model, torch.tensor([5]), 3, 3, 0, alpha),
            brute_force(model, [5], 3, 0, alpha),
        )
        assert tokens == best and score == pytest.approx(best_score, abs=1e-12)


def test_ties_at_the_cut_go_to_lower_ids_and_earlier_beams() -> None:
    """Uniform over {0, 1, 2}, eos = 2: every candidate ties. A beam of two keeps tokens 0
    and 1 at the first step, so it never holds [eos] (the unnormalized optimum)."""
    uniform = prefix_table_model({}, vocab=3)
    tokens, score = beam_search(uniform, torch.tensor([7]), 2, 2, 2, length_penalty=0.0)
    assert tokens == [7, 0, 0] and score == pytest.approx(2 * math.log(1 / 3))
    assert brute_force(uniform, [7], 2, 2, 0.0)[0] == [7, 2]
    # normalized, everything ties: the lexicographically smallest generated list wins
    assert beam_search(uniform, torch.tensor([7]), 9, 2, 2, 1.0)[0] == [7, 0, 0]
    assert brute_force(uniform, [7], 2, 2, 1.0)[0] == [7, 0, 0]
    # step 2 ties four ways; beam-major order keeps [0, 0] and [0, 1] (not [1, 0]),
    # and only [0, 1] leads to a likely eos
    low = -30.0
    table = {
        (7,): [0.0, 0.0, low],
        (7, 0): [0.0, 0.0, low],
        (7, 1): [0.0, 0.0, low],
        (7, 0, 1): [low, low, 0.0],
    }
    tokens, _ = beam_search(prefix_table_model(table, 3), torch.tensor([7]), 2, 3, 2, 0.0)
    assert tokens == [7, 0, 1, 2]


def test_beam_search_stops_when_every_beam_has_finished() -> None:
    calls: list[int] = []
    table = torch.full((4, 4), -20.0, dtype=torch.float64)
    table[:, 0] = 0.0  # eos = 0 is almost certain after any token
    bigram = last_token_model(table)

    def model(prefix: torch.Tensor) -> torch.Tensor:
        calls.append(prefix.shape[1])
        return bigram(prefix)

    tokens, _ = beam_search(model, torch.tensor([1, 2]), 1, 10, 0, 1.0)
    assert tokens == [1, 2, 0] and calls == [2]
    with pytest.raises(ValueError):
        beam_search(model, torch.tensor([1]), 0, 3, 0)
    with pytest.raises(ValueError):
        beam_search(model, torch.tensor([[1], [2]]), 2, 3, 0)


# ---------------------------------------------------------------- devices

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA")),
]


@pytest.mark.parametrize("device", DEVICES)
def test_decoding_runs_on_the_device_of_its_inputs(device: str) -> None:
    """The same answers as on the CPU (sampling: reproducible with a generator on the
    device; CUDA's draws differ from the CPU's, its generator being another one)."""
    table = torch.randn(6, 6, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    cpu_model, model = last_token_model(table), last_token_model(table.to(device))
    prompt = torch.tensor([[1], [4]])
    out = greedy(model, prompt.to(device), 5)
    assert out.device.type == device and torch.equal(out.cpu(), greedy(cpu_model, prompt, 5))
    probs = filtered_probs(table.to(device), 0.7, 4, 0.8)
    assert probs.device.type == device
    torch.testing.assert_close(probs.cpu(), filtered_probs(table, 0.7, 4, 0.8))
    drawn = [
        sample(model, prompt.to(device), 6, torch.Generator(device).manual_seed(1), 0.8, 4, 0.9)
        for _ in range(2)
    ]
    assert drawn[0].device.type == device and torch.equal(drawn[0], drawn[1])
    assert (
        filtered_probs(table, 0.8, 4, 0.9)[drawn[0][:, :-1].cpu(), drawn[0][:, 1:].cpu()] > 0
    ).all()
    assert beam_search(model, prompt[0].to(device), 3, 4, 0, 0.7) == beam_search(
        cpu_model, prompt[0], 3, 4, 0, 0.7
    )
