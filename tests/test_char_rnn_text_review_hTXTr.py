"""Second review of the char-RNN sampling edges (hTXT): the sampled law at small temperatures
in float64, float32 and float16 against the exact softmax of the model's own scores, the
sampler against a hand NumPy one (bits), fit_rnn's early sampling-argument check drawing
nothing, non-finite and one-character edges, and `--start` errors on hostile text."""

import warnings

import numpy as np
import pytest

import tinygrad_dl
from tinygrad_dl.commands.synthesize import synthesize_text
from tinygrad_dl.data import CharData
from tinygrad_dl.models import CharRNN
from tinygrad_dl.train.sequence import fit_rnn

QUIET = {"print_fn": None, "progress": False}


def fixed_scores(scores, dtype):
    """A CharRNN whose scores o_t are `scores` at every step (U = W = V = b = 0, c = scores)."""
    model = CharRNN(len(scores), m=1, rng=np.random.default_rng(0), dtype=dtype)
    for p in (model.U, model.W, model.V, model.b):
        p.data[...] = 0
    model.c.data[...] = np.asarray(scores, dtype=dtype)
    return model


# ---- small temperatures: o / T rounded to the ulp of |o| / T --------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("k", [1.5, 3.0])
def test_small_temperature_samples_the_exact_softmax_regression_hTXTr(dtype, k):
    # scores 10 and the next float up, T = their gap / k: p0 = 1 / (1 + e^k) exactly; o / T
    # was ~1e7 (float32) in steps of 1: p0 0.182 sampled as 0.268 (float16 at T = 5e-3 alike)
    o0 = np.asarray(10.0, dtype=dtype)
    o1 = np.nextafter(o0, np.asarray(np.inf, dtype=dtype))
    T = (float(o1) - float(o0)) / k
    n = 20_000
    x = fixed_scores([o0, o1], dtype).synthesize(None, 0, n, temperature=T,
                                                 rng=np.random.default_rng(1))
    p0 = 1.0 / (1.0 + np.exp(k))
    assert abs(np.mean(x == 0) - p0) < 5 * np.sqrt(p0 * (1 - p0) / n)


def test_float32_model_at_small_temperature_against_exact_law_regression_hTXTr():
    # a random float32 model's scores ~30 at T = 2e-6: each step's p against the exact
    # softmax of its float32 scores (o / T in float32 was off by up to ~1 in the exponent)
    K, T = 3, 2e-6
    base = np.float32(30.0)
    gaps = np.array([0.0, 2, 5], dtype=np.float64) * float(np.spacing(base))
    scores = (base + gaps.astype(np.float32)).astype(np.float32)
    model = fixed_scores(scores, np.float32)
    n = 30_000
    x = model.synthesize(None, 0, n, temperature=T, rng=np.random.default_rng(7))
    z = (scores.astype(np.float64) - scores.max()) / T
    p = np.exp(z) / np.exp(z).sum()
    counts = np.bincount(x, minlength=K)
    stat = ((counts - n * p) ** 2 / (n * p)).sum()
    assert stat < 18.42  # chi-square, 2 degrees of freedom, P = 1e-4


# ---- the sampler, bit for bit -----------------------------------------------------------------
def hand_sampler(model, n, temperature, seed):
    U, W, V, b, c = (p.data for p in (model.U, model.W, model.V, model.b, model.c))
    rng, h, x, out = np.random.default_rng(seed), np.zeros(model.m, model.dtype), 0, []
    for _ in range(n):
        h = np.tanh(U[x] + h @ W + b)
        o = (h @ V + c).astype(np.float64)
        cp = np.cumsum(np.exp((o - o.max()) / temperature))
        x = min(int(np.searchsorted(cp, rng.random() * cp[-1], side="right")), model.K - 1)
        out.append(x)
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("temperature", [1.0, 0.5, 1e-3, 7.0])
def test_synthesize_is_the_hand_sampler_to_the_bit(dtype, temperature):
    model = CharRNN(6, m=5, std=0.8, rng=np.random.default_rng(2), dtype=dtype)
    got = model.synthesize(None, 0, 300, temperature=temperature, rng=np.random.default_rng(4))
    assert got.tolist() == hand_sampler(model, 300, temperature, 4)


# ---- fit_rnn's early check draws nothing -------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_rnn_early_check_draws_nothing_and_changes_no_weight(dtype):
    data = CharData(text="the quick brown fox jumps over the lazy dog. " * 4)
    states = []
    for sample_every in (None, 10**9):
        tinygrad_dl.manual_seed(11)
        model = CharRNN(data.K, m=6, rng=np.random.default_rng(3), dtype=dtype)
        fit_rnn(model, data, n_updates=12, seq_length=5, sample_every=sample_every,
                sample_length=20, temperature=0.7, seed=2, **QUIET)
        states.append(([p.data.tobytes() for p in model.parameters()],
                       tinygrad_dl.random.default_generator.rng.random()))
    assert states[0] == states[1]


# ---- edges: non-finite scores, a vocabulary of 1, an infinite temperature ----------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_non_finite_scores_and_one_character_edges(dtype):
    for bad in ([1.0, np.nan, 0.0], [np.inf, 0.0, 0.0], [-np.inf, -np.inf, -np.inf]):
        with pytest.raises(ValueError, match="scores o_t at character 0 are not finite"):
            fixed_scores(bad, dtype).synthesize(None, 0, 3, temperature=0.5,
                                                rng=np.random.default_rng(0))
    x = fixed_scores([0.0, -np.inf, 1.0], dtype).synthesize(None, 0, 500, temperature=1e-30,
                                                            rng=np.random.default_rng(0))
    assert set(x.tolist()) == {2}  # the argmax; the -inf score never drawn
    x = fixed_scores([3.0, 3.0, 1.0], dtype).synthesize(None, 0, 4000, temperature=1e-300,
                                                        rng=np.random.default_rng(0))
    assert set(x.tolist()) == {0, 1} and abs(np.mean(x == 0) - 0.5) < 0.04  # tied maxima share
    x = fixed_scores([5.0, 0.0, -5.0], dtype).synthesize(None, 0, 6000, temperature=np.inf,
                                                         rng=np.random.default_rng(0))
    assert np.abs(np.bincount(x, minlength=3) / 6000 - 1 / 3).max() < 0.03  # uniform
    one = fixed_scores([2.0], dtype)
    assert one.synthesize(None, 0, 5, temperature=0.3).tolist() == [0] * 5


# ---- --start on hostile text: one short printable line -----------------------------------------
@pytest.mark.parametrize("start", [
    "".join(chr(0x4E00 + i) for i in range(100_000)),
    "a\x00\x1b[2J\r\x85\u2028\u2029\x0b\x0c\n",
    "\ud800e\u0301",
])
def test_start_outside_the_vocabulary_is_one_short_printable_line(start):
    chars = list("abc")
    model = CharRNN(len(chars), m=2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="--start has character") as e:
        synthesize_text(model, chars, start, 3)
    msg = str(e.value)
    assert len(msg.splitlines()) == 1 and msg.isprintable() and len(msg) < 600


@pytest.mark.parametrize("temperature", [1e-308, 6e-309])
def test_scores_whose_gap_over_t_overflows_sample_the_argmax_quietly_regression_hTXTr(temperature):
    # o / T = +-1e308 finite, then z - z.max() overflowed: a RuntimeWarning on every step
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = fixed_scores([1.0, -1.0], np.float64).synthesize(None, 0, 50, temperature=temperature,
                                                             rng=np.random.default_rng(0))
    assert set(x.tolist()) == {0}
