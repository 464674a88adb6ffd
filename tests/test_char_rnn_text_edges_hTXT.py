"""The char-RNN product path at its edges: text files (empty, one character, vocabulary 1,
non-ASCII, CRLF, BOM, invalid UTF-8), the vocabulary and encode/decode, sampling against the
exact softmax (chi-square, seeded), temperatures from 0 to huge, BPTT against autograd and
finite differences, AdaGrad + clipping + smooth loss against a hand NumPy loop (bits), a resumed
run against an uninterrupted one, and `tinygrad-dl synthesize`'s flags."""

import copy
import warnings

import numpy as np
import pytest

from tinygrad_dl import checkpoint
from tinygrad_dl.cli import main
from tinygrad_dl.commands.synthesize import synthesize_text
from tinygrad_dl.data import CharData, load_text
from tinygrad_dl.models import CharRNN
from tinygrad_dl.optim import AdaGrad
from tinygrad_dl.train.sequence import fit_rnn

# chi-square statistics with P(stat > x) = 1e-4, by degrees of freedom (scipy's chi2.isf)
CHI2_1E4 = {1: 15.14, 2: 18.42, 3: 21.11, 4: 23.51, 5: 25.74, 6: 27.86, 7: 29.88, 8: 31.83,
            9: 33.72}
QUIET = {"print_fn": None, "progress": False}


def write(tmp_path, raw: bytes):
    p = tmp_path / "corpus.txt"
    p.write_bytes(raw)
    return p


# ---- text files, the vocabulary, encode/decode ----------------------------------------------
@pytest.mark.parametrize("raw, text, chars", [
    (b"a", "a", ["a"]),
    (b"aaaa", "aaaa", ["a"]),  # a vocabulary of 1
    ("é👍e\u0301".encode(), "é👍e\u0301", ["e", "é", "\u0301", "👍"]),  # code points, sorted
    (b"a\r\nb\rc", "a\nb\nc", ["\n", "a", "b", "c"]),  # universal newlines
    (b"\xef\xbb\xbfab", "ab", ["a", "b"]),  # a leading BOM dropped
    ("a\ufeffb".encode(), "a\ufeffb", ["a", "b", "\ufeff"]),  # one mid-text kept as text
    (b"\r\n", "\n", ["\n"]),
])
def test_load_text_reads_the_edge_files(tmp_path, raw, text, chars):
    data = load_text(write(tmp_path, raw))
    assert data.text == text and data.chars == chars and data.K == len(chars)
    assert data.decode(data.encode(data.text)) == data.text
    assert data.source == str(tmp_path / "corpus.txt")


@pytest.mark.parametrize("raw, message", [
    (b"", "the text file is empty"),
    (b"\xef\xbb\xbf", "the text file is empty"),  # a BOM alone
    (b"ab\xff", r"not valid UTF-8 \(byte 2: b'\\xff'\); re-save the file as UTF-8"),
    (b"ab\xc3", r"not valid UTF-8 \(byte 2"),  # a truncated 2-byte sequence
    (b"\xed\xa0\x80", r"not valid UTF-8 \(byte 0"),  # an encoded surrogate
    (b"\xff\xfeA\x00", "a byte-order mark: a UTF-16 or UTF-32 file"),
])
def test_load_text_refuses_in_one_line_naming_the_file(tmp_path, raw, message):
    p = write(tmp_path, raw)
    with pytest.raises(ValueError, match=message) as e:
        load_text(p)
    assert str(e.value).startswith(str(p)) and "\n" not in str(e.value)


def test_encode_decode_round_trip_and_a_deterministic_vocabulary():
    rng = np.random.default_rng(0)
    alphabet = list("ab \n\t") + ["é", "e\u0301"[1], "👍", "\u200d", "\ufeff", "中"]
    for _ in range(50):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(1, 40))))
        data = CharData(text)
        assert data.chars == sorted(set(text))  # code-point order, never first-seen order
        assert CharData(text[::-1]).chars == data.chars
        ix = data.encode(text)
        assert ix.dtype == np.int64 and data.decode(ix) == text
        assert data.decode(list(ix)) == text and data.decode(iter(ix.tolist())) == text
    with pytest.raises(ValueError, match="encode: character 'z' is not in the vocabulary"):
        CharData("ab").encode("az")
    with pytest.raises(ValueError, match=r"decode: indices must be in \[0, 2\)"):
        CharData("ab").decode([0, 2])


def test_a_text_shorter_than_a_sequence_is_refused_naming_the_file(tmp_path):
    data = load_text(write(tmp_path, b"ab"))
    net = CharRNN(data.K, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"fit_rnn: the text .*corpus\.txt has 2 characters, "
                                         r"fewer than seq_length \+ 1 = 3"):
        fit_rnn(net, data, seq_length=2, n_updates=1, **QUIET)
    hist = fit_rnn(net, data, seq_length=1, n_updates=3, sample_every=1, sample_length=4, **QUIET)
    assert hist.meta["updates_per_epoch"] == 1 and hist.meta["n_updates"] == 3
    assert all(set(s["text"]) <= {"a", "b"} and len(s["text"]) == 4 for s in hist.meta["samples"])


# ---- sampling ---------------------------------------------------------------------------------
def exact_p(net, h, x, temperature):
    o = np.tanh(net.U.data[x] + h @ net.W.data + net.b.data) @ net.V.data + net.c.data
    z = o / temperature
    p = np.exp(z - z.max())
    return p / p.sum(), np.tanh(net.U.data[x] + h @ net.W.data + net.b.data)


def chi2_fits(counts, p):
    """The counts fit the probabilities p: a chi-square test at level 1e-4."""
    keep = p * counts.sum() >= 5  # lump the rare cells into one
    obs = np.append(counts[keep], counts[~keep].sum())
    exp = np.append(p[keep], p[~keep].sum()) * counts.sum()
    obs, exp = obs[exp > 0], exp[exp > 0]
    assert counts[p == 0].sum() == 0  # a zero-probability character is never drawn
    assert len(exp) > 1  # (else nothing is tested)
    return ((obs - exp) ** 2 / exp).sum() < CHI2_1E4[len(exp) - 1]


@pytest.mark.parametrize("temperature", [1.0, 0.4, 3.0])
def test_the_first_two_characters_follow_the_exact_softmax(temperature):
    """Joint law of the first two sampled characters (the hidden state carried, the first fed
    back) against the exact products of softmax probabilities: chi-square over 6000 seeded
    draws."""
    K, m = 3, 4
    net = CharRNN(K, m, std=1.0, rng=np.random.default_rng(1))
    h0, x0 = np.random.default_rng(2).standard_normal(m), 1
    p1, h1 = exact_p(net, h0, x0, temperature)
    joint = np.concatenate([p1[a] * exact_p(net, h1, a, temperature)[0] for a in range(K)])
    rng = np.random.default_rng(3)
    draws = [net.synthesize(h0, x0, 2, temperature, rng=rng) for _ in range(6000)]
    counts = np.bincount([a * K + b for a, b in draws], minlength=K * K)
    assert chi2_fits(counts, joint)


def test_sampling_seeds_lengths_and_temperatures():
    net = CharRNN(5, 4, std=1.0, rng=np.random.default_rng(3))
    a = net.synthesize(None, 0, 60, 1.0, rng=np.random.default_rng(7))
    assert np.array_equal(a, net.synthesize(None, 0, 60, 1.0, rng=np.random.default_rng(7)))
    assert net.synthesize(None, 0, 0).shape == (0,) and net.synthesize(None, 0, 1).shape == (1,)
    greedy = net.synthesize(None, 0, 30, 0.0)
    for t in (1e-6, 1e-200, 5e-324):  # the argmax (no ties here), never a refusal
        assert np.array_equal(net.synthesize(None, 0, 30, t, rng=np.random.default_rng(1)), greedy)
    # huge temperatures: every character equally likely
    flat = net.synthesize(None, 0, 5000, 1e300, rng=np.random.default_rng(2))
    assert chi2_fits(np.bincount(flat, minlength=5), np.full(5, 0.2))
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="CharRNN.synthesize: temperature must be >= 0"):
            net.synthesize(None, 0, 3, bad)


def test_synthesize_refuses_a_bool_or_str_temperature_regression_hTXT():
    """temperature=True sampled at temperature 1; "1" failed with Python's own comparison
    message (naming neither synthesize nor temperature)."""
    net = CharRNN(3, 2, rng=np.random.default_rng(0))
    for bad in (True, "1", None):
        with pytest.raises(TypeError, match="CharRNN.synthesize: temperature must be a number"):
            net.synthesize(None, 0, 3, bad, rng=np.random.default_rng(0))


@pytest.mark.parametrize("temperature", [1e-40, 1e-46, 1e-300, 5e-324])
def test_float32_model_tiny_temperature_samples_the_argmax_regression_hTXT(temperature):
    """A float32 model at temperature 1e-300: the temperature rounded to float32 0, 0 / 0 made
    a NaN score and synthesize refused with "not finite ... a diverged model" (the weights were
    fine); now the argmax, as at temperature 0 and as a float64 model samples."""
    net = CharRNN(5, 4, std=1.0, rng=np.random.default_rng(3), dtype=np.float32)
    greedy = net.synthesize(None, 0, 30, 0.0)
    with warnings.catch_warnings():  # (and no divide-by-zero warning)
        warnings.simplefilter("error")
        got = net.synthesize(None, 0, 30, temperature, rng=np.random.default_rng(1))
    assert np.array_equal(got, greedy)


class FixedDraw(np.random.Generator):
    """A generator whose uniform draw is `u`: it picks the character whose cumulative interval
    holds u."""

    def __init__(self, u):
        super().__init__(np.random.PCG64(0))
        self.u = u

    def random(self, *args, **kwargs):
        return self.u


def test_float32_model_draws_a_rare_character_with_its_probability_regression_hTXT():
    """A float32 model whose middle character has p = 2e-8 (scores 0, -17, 0): the float32
    running sum 1 + 4e-8 rounded to 1, so the character's interval was empty and it was never
    drawn (u in it gave character 0); now each u gives the character whose exact interval
    holds it."""
    net = CharRNN(3, 2, rng=np.random.default_rng(0), dtype=np.float32)
    net.V.data[...] = 0
    net.c.data[...] = np.array([0, -17, 0], np.float32)
    p = np.exp(np.array([0, np.float32(-17), 0], dtype=np.float64))
    edges = np.cumsum(p / p.sum())  # 0.49999999, 0.50000001, 1
    for u, want in [(edges[0] * (1 - 1e-9), 0), (0.5, 1), (edges[1] * (1 + 1e-9), 2)]:
        assert net.synthesize(None, 0, 1, 1.0, rng=FixedDraw(u))[0] == want


def test_a_diverged_model_is_still_refused_at_tiny_temperatures():
    net = CharRNN(4, 3, rng=np.random.default_rng(0), dtype=np.float32)
    net.V.data[0, 0] = np.nan
    for t in (1.0, 1e-300):
        with pytest.raises(ValueError, match="scores o_t at character 0 are not finite"):
            net.synthesize(np.ones(3), 0, 2, t, rng=np.random.default_rng(0))


# ---- BPTT -----------------------------------------------------------------------------------
def test_bptt_matches_autograd_and_finite_differences_at_edge_sizes():
    rng = np.random.default_rng(0)
    sizes = [(1, 1, 1), (1, 3, 4), (3, 1, 2), (4, 3, 1), (2, 2, 5)]
    sizes += [tuple(int(v) for v in rng.integers(1, 6, 3)) for _ in range(6)]
    for K, m, T in sizes:
        net = CharRNN(K, m, std=0.5, rng=rng)
        X, Y = rng.integers(0, K, T), rng.integers(0, K, T)
        h0 = rng.standard_normal(m) * 0.5 if T % 2 else None
        g = net.hand_gradients(X, Y, h0)
        loss = net.loss(X, Y, h0)
        loss.backward()
        assert abs(loss.item() - net.last_loss) <= 1e-13 * max(1.0, abs(loss.item()))
        for k in "UWVbc":
            p = getattr(net, k)
            np.testing.assert_allclose(p.grad.data, g[k], rtol=1e-12, atol=1e-14)
            fd = np.zeros_like(p.data)
            for i in np.ndindex(p.data.shape):
                old = p.data[i]
                p.data[i] = old + 1e-6
                up = net.loss(X, Y, h0).item()
                p.data[i] = old - 1e-6
                down = net.loss(X, Y, h0).item()
                p.data[i] = old
                fd[i] = (up - down) / 2e-6
            np.testing.assert_allclose(fd, g[k], atol=1e-7)
        if K == 1:  # one character: p_t = 1, every gradient 0, the loss 0
            assert net.last_loss == 0 and all(not g[k].any() for k in "UWVbc")


# ---- the training loop ------------------------------------------------------------------------
@pytest.mark.parametrize("seq_length", [1, 3, 20])
def test_fit_rnn_is_the_hand_adagrad_loop_to_the_bit(seq_length):
    """AdaGrad (m += g^2; w -= eta g / sqrt(m + eps)) after clipping, the hidden state carried
    and reset at each epoch, smooth = 0.999 smooth + 0.001 loss from the first loss."""
    data = CharData("abcab cabbba\nccab aab")
    ints = data.encode(data.text)
    net = CharRNN(data.K, 4, std=0.5, rng=np.random.default_rng(0))
    ref = CharRNN(data.K, 4, std=0.5, rng=np.random.default_rng(0))
    hist = fit_rnn(net, data, seq_length=seq_length, n_updates=17, clip=0.3, eta=0.7,
                   sample_every=None, jit=False, **QUIET)
    acc = {k: np.zeros_like(getattr(ref, k).data) for k in "UWVbc"}
    h, e, smooth, losses = np.zeros(4), 0, None, []
    for _ in range(17):
        if e + seq_length + 1 > len(ints):
            e, h = 0, np.zeros(4)
        loss = ref.loss(ints[e:e + seq_length], ints[e + 1:e + seq_length + 1], h)
        for k in "UWVbc":
            getattr(ref, k).grad = None
        loss.backward()
        for k in "UWVbc":
            p = getattr(ref, k)
            g = np.clip(p.grad.data, -0.3, 0.3)
            acc[k] += g * g
            p.data -= 0.7 * g / np.sqrt(acc[k] + 1e-8)
        h, e = ref.h_last, e + seq_length
        smooth = loss.item() if smooth is None else 0.999 * smooth + 0.001 * loss.item()
        losses.append(smooth)
    for k in "UWVbc":
        assert np.array_equal(getattr(net, k).data, getattr(ref, k).data), k
    assert hist.meta["final_smooth_loss"] == smooth
    assert hist.meta["best_smooth_loss"] == min(losses)


@pytest.mark.parametrize("jit, cut, e", [(True, 7, 28), (False, 7, 28), (True, 11, 44),
                                         (False, 12, 4)])
def test_a_resumed_run_continues_as_the_uninterrupted_one(jit, cut, e):
    """Stopped mid-epoch (update 7 of 11 per pass, seq_length 4), at the end of the first pass
    (11) or just after it (12): the same weights, samples, smooth loss and final hidden state
    as a run never stopped."""
    data = CharData("hello wörld, the quick brown fox 👍 jumps\nover")
    kw = dict(seq_length=4, n_updates=23, sample_every=3, sample_length=7, seed=5, jit=jit,
              **QUIET)

    def model():
        net = CharRNN(data.K, 6, rng=np.random.default_rng(0))
        return net, AdaGrad(net.parameters(), lr=0.1)

    net, opt = model()
    whole = fit_rnn(net, data, optimizer=opt, **kw)
    net2, opt2 = model()
    saved = {}

    def keep(snap):
        if snap["step"] == cut:
            saved.update(snap=copy.deepcopy(snap), w=copy.deepcopy(net2.state_dict()),
                         opt=copy.deepcopy(opt2.state_dict()))

    fit_rnn(net2, data, optimizer=opt2, checkpoint_every=1, on_checkpoint=keep, **kw)
    assert saved["snap"]["e"] == e
    net3, opt3 = model()
    net3.load_state_dict(saved["w"])
    opt3.load_state_dict(saved["opt"])
    rest = fit_rnn(net3, data, optimizer=opt3, resume=saved["snap"], **kw)
    for a, b in zip(net.parameters(), net3.parameters()):
        assert np.array_equal(a.data, b.data)
    assert rest.meta["samples"] == whole.meta["samples"]
    assert rest.meta["final_smooth_loss"] == whole.meta["final_smooth_loss"]
    assert np.array_equal(net.h_last, net3.h_last)


@pytest.mark.parametrize("bad, message", [({"temperature": -1.0}, "temperature must be >= 0"),
                                          ({"sample_length": -1}, "sample_length must be >= 0")])
def test_a_resumed_run_checks_its_sampling_arguments_first_regression_hTXT(bad, message):
    """A resumed run draws no sample at its start: a bad temperature or sample_length failed at
    the first sample, after sample_every updates had already changed the weights."""
    data = CharData("abcab cabbba\nccab aab")
    net = CharRNN(data.K, 4, rng=np.random.default_rng(0))
    kw = dict(seq_length=3, n_updates=12, sample_every=4, sample_length=5, jit=False, **QUIET)
    saved = {}
    fit_rnn(net, data, checkpoint_every=3, on_checkpoint=lambda snap: saved.setdefault(
        "snap", copy.deepcopy(snap)), **kw)
    before = [p.data.copy() for p in net.parameters()]
    with pytest.raises(ValueError, match=message):
        fit_rnn(net, data, resume=saved["snap"], **{**kw, **bad})
    assert all(np.array_equal(a, p.data) for a, p in zip(before, net.parameters()))


# ---- tinygrad-dl synthesize -------------------------------------------------------------------
@pytest.fixture
def rnn_checkpoint(tmp_path):
    chars = ["\n", " ", "a", "b", "é", "👍"]
    net = CharRNN(len(chars), 5, std=1.0, rng=np.random.default_rng(0))
    return str(checkpoint.save(net, tmp_path / "model.npz", chars=chars, start_char="a")), chars


def test_synthesize_flags(rnn_checkpoint, capsys):
    ckpt, chars = rnn_checkpoint
    assert main(["synthesize", ckpt, "--length", "0"]) == 0
    assert capsys.readouterr().out == "a\n"
    assert main(["synthesize", ckpt, "--length", "1", "--start", "👍é"]) == 0
    out = capsys.readouterr().out
    assert len(out) == 4 and out.startswith("👍é") and out[2] in chars
    runs = []
    for _ in range(2):
        assert main(["synthesize", ckpt, "--length", "40", "--seed", "9"]) == 0
        runs.append(capsys.readouterr().out)
    assert runs[0] == runs[1] and len(runs[0]) == 42 and set(runs[0][:-1]) <= set(chars)
    assert main(["synthesize", ckpt, "--length", "30", "--temperature", "0"]) == 0
    greedy = capsys.readouterr().out
    assert main(["synthesize", ckpt, "--length", "30", "--temperature", "1e-300",
                 "--seed", "1"]) == 0
    assert capsys.readouterr().out == greedy
    for flags, message in [(["--temperature", "nan"], "expected a finite number"),
                           (["--temperature", "-1"], "must be >= 0"),
                           (["--length", "-1"], "must be >= 0")]:
        with pytest.raises(SystemExit):  # argparse's one line
            main(["synthesize", ckpt, *flags])
        assert message in capsys.readouterr().err
    for flags, message in [(["--start", ""], "--start must be at least one character"),
                           (["--length", "0", "--seed", "1"], "has no effect with --length 0"),
                           (["--start", "ax"], "--start has character(s) 'x' not in")]:
        assert main(["synthesize", ckpt, *flags]) == 2
        assert message in capsys.readouterr().err


def test_synthesize_a_float32_checkpoint_at_a_tiny_temperature_regression_hTXT(tmp_path, capsys):
    """`synthesize --temperature 1e-300` (and `train --dtype float32 --temperature 1e-300`'s
    first sample) on a float32 model: "the scores o_t ... are not finite" (exit 2); now the
    greedy text."""
    chars = ["a", "b", "c", "d"]
    net = CharRNN(4, 5, std=1.0, rng=np.random.default_rng(0), dtype=np.float32)
    ckpt = str(checkpoint.save(net, tmp_path / "model.npz", chars=chars, start_char="a"))
    assert main(["synthesize", ckpt, "--length", "25", "--temperature", "0"]) == 0
    greedy = capsys.readouterr().out
    assert main(["synthesize", ckpt, "--length", "25", "--temperature", "1e-300",
                 "--seed", "2"]) == 0
    assert capsys.readouterr().out == greedy


def test_start_outside_vocab_error_is_short_and_names_code_points_regression_hTXT(capsys):
    """A --start character outside a 5000-character vocabulary: the message listed the whole
    vocabulary (a 5000-character line), and a combining mark's repr merged with its quote."""
    chars = [chr(0x4E00 + i) for i in range(4998)] + ["a", "e"]
    net = CharRNN(len(chars), 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError) as e:
        synthesize_text(net, chars, "ae\u0301x" + "".join(chr(0x0400 + i) for i in range(30)), 3)
    msg = str(e.value)
    assert msg.startswith("--start has character(s) 'x', '\u0301' (U+0301), ")
    assert "and 12 more not in the model's vocabulary of 5000: '一" in msg
    assert len(msg) < 500 and "\n" not in msg
