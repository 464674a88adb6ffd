"""The dropout family and the other random layers checked by their laws (torch's random bits
differ from ours): F.dropout / nn.Dropout, the channel dropouts, the alpha dropouts, F.rrelu /
nn.RReLU. Counts are checked by binomial bounds at z = 6 (a false alarm under 1e-8 per check;
seeded, so deterministic); torch (where installed) gives the exact structure and bits for the
same mask. Named regressions at the end (hDROP)."""

import math
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F
from tinygrad_dl import nn
from tinygrad_dl.jit import jit

Z = 6.0  # binomial bound: |count - n q| <= Z sqrt(n q (1 - q))
ALPHA = 1.7580993408473766


def binomial_ok(count, n, q):
    return abs(count - n * q) <= Z * math.sqrt(n * q * (1 - q)) + 1e-9


def scale_of(p, dtype):
    return np.asarray(1.0 / (1.0 - p)).astype(dtype)


# ---- F.dropout / nn.Dropout -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.9])
def test_kept_entries_are_x_times_the_scale_and_the_gradient_is_the_mask(dtype, p):
    tg.manual_seed(11)
    a = np.random.default_rng(0).standard_normal((40, 50)).astype(dtype)
    x = tg.tensor(a, requires_grad=True)
    y = F.dropout(x, p)
    keep = y.data != 0
    assert y.dtype == dtype and binomial_ok(keep.sum(), a.size, 1 - p)
    s = scale_of(p, dtype)
    np.testing.assert_array_equal(y.data, np.where(keep, a * s, 0))
    g = np.random.default_rng(1).standard_normal(a.shape).astype(dtype)
    y.backward(tg.tensor(g))
    np.testing.assert_array_equal(x.grad, np.where(keep, g * s, 0))


def test_float64_kept_values_are_torchs_bits_for_the_same_mask():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for p in rng.uniform(0, 0.99, 50):
        a = rng.standard_normal(300)
        t = torch.nn.functional.dropout(torch.tensor(a), float(p)).numpy()
        keep = t != 0
        np.testing.assert_array_equal(t[keep], (a * scale_of(p, np.float64))[keep])


def test_p_zero_and_evaluation_return_the_input_itself_p_one_zeros_with_zero_gradient():
    x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert F.dropout(x, 0.0) is x and F.dropout(x, 0.5, training=False) is x
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    y = F.dropout(x, 1.0)
    y.backward(tg.tensor(np.full((2, 3), 3.0)))
    assert not np.isnan(y.data).any() and (y.data == 0).all() and (x.grad == 0).all()


@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2)])
def test_empty_and_0d_inputs(shape):
    a = np.full(shape, 2.0)
    tg.manual_seed(0)
    y = F.dropout(tg.tensor(a), 0.5)
    assert y.shape == shape and np.isin(y.data, (0.0, 4.0)).all()


@pytest.mark.parametrize("p", [-0.1, 1.1, float("nan"), float("inf")])
def test_p_outside_0_1_refused(p):
    with pytest.raises(ValueError, match="dropout: p must be in"):
        F.dropout(tg.ones(3), p)
    with pytest.raises(ValueError, match="Dropout: p must be in"):
        nn.Dropout(p)


def test_seeding_reproduces_and_two_calls_differ():
    x = tg.ones(200)
    tg.manual_seed(5)
    first, second = F.dropout(x, 0.5).data, F.dropout(x, 0.5).data
    tg.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, first)
    assert not np.array_equal(first, second)
    gen = tg.Generator().manual_seed(3)
    a = F.dropout(x, 0.5, generator=gen).data
    gen.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x, 0.5, generator=gen).data, a)


def test_inplace_writes_the_input_refuses_a_leaf_and_differentiates_an_intermediate():
    a = np.random.default_rng(3).standard_normal((4, 5))
    x = tg.tensor(a.copy())
    tg.manual_seed(1)
    assert F.dropout(x, 0.5, inplace=True) is x and not np.array_equal(x.data, a)
    leaf = tg.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        F.dropout(leaf, 0.5, inplace=True)
    h = leaf * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = F.dropout(h, 0.5, inplace=True)
    y.sum().backward()
    np.testing.assert_array_equal(leaf.grad, np.where(y.data != 0, 2 * 2.0, 0))


# ---- channel dropouts -------------------------------------------------------------------------
@pytest.mark.parametrize("fn, shape, channel_axes", [
    (F.dropout1d, (30, 40, 5), 2), (F.dropout1d, (60, 5), 1), (F.dropout2d, (20, 30, 3, 2), 2),
    (F.dropout3d, (10, 30, 2, 2, 2), 2), (F.dropout3d, (60, 2, 3, 2), 1)])
def test_channel_dropouts_zero_whole_channels(fn, shape, channel_axes):
    tg.manual_seed(4)
    p = 0.3
    a = np.random.default_rng(4).uniform(1, 2, shape)
    x = tg.tensor(a, requires_grad=True)
    y = fn(x, p)
    per_channel = (y.data != 0).reshape(shape[:channel_axes] + (-1,))
    kept = per_channel.all(-1)
    assert (kept | ~per_channel.any(-1)).all()  # each channel kept whole or zeroed whole
    assert binomial_ok(kept.sum(), kept.size, 1 - p)
    np.testing.assert_array_equal(y.data[y.data != 0], (a * scale_of(p, a.dtype))[y.data != 0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.where(y.data != 0, scale_of(p, a.dtype), 0))


def test_channel_dropout_structure_matches_torch_for_unbatched_input():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t = torch.nn.functional.dropout1d(torch.ones(200, 7), 0.5).numpy()
    ours = F.dropout1d(tg.ones(200, 7), 0.5).data
    for out in (t, ours):  # (C, L): one draw per row (channel)
        assert ((out == 0).all(1) | (out == 2).all(1)).all()


def test_dropout2d_of_a_3d_input_refused_as_ambiguous():
    with pytest.raises(ValueError, match="dropout2d: .*ambiguous.*dropout1d"):
        F.dropout2d(tg.ones(2, 3, 4), 0.5)


# ---- alpha dropouts ---------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5])
def test_alpha_dropout_keeps_mean_and_variance_of_unit_normal_input(p):
    tg.manual_seed(6)
    n = 200_000
    a = np.random.default_rng(6).standard_normal(n)
    y = F.alpha_dropout(tg.tensor(a), p, True).data
    sa = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
    kept_value, dropped = sa * a + ALPHA * sa * p, -ALPHA * sa + ALPHA * sa * p
    keep = np.isclose(y, kept_value, rtol=0, atol=1e-15) & (y != dropped)
    assert (keep | (y == dropped)).all() and binomial_ok(keep.sum(), n, 1 - p)
    # mean 0 and variance 1 preserved: sample sd of the mean ~ 1/sqrt(n), of the variance
    # ~ sqrt(2/n) for a near-normal output (loose: the output is a mixture)
    assert abs(y.mean()) < Z / math.sqrt(n) and abs(y.var() - 1) < 2 * Z * math.sqrt(2 / n)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_alpha_dropout_bits_are_torchs_for_the_same_mask(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for p in rng.uniform(0.01, 0.99, 20):
        a = rng.standard_normal(200).astype(dtype)
        t = torch.nn.functional.alpha_dropout(torch.tensor(a), float(p), True).numpy()
        sa = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
        candidates = [(tg.tensor(a) * (k * sa) + ((k - 1) * (ALPHA * sa) + ALPHA * sa * p)).data
                      for k in (tg.tensor(np.ones(200, dtype)), tg.tensor(np.zeros(200, dtype)))]
        assert ((t == candidates[0]) | (t == candidates[1])).all()


def test_feature_alpha_dropout_drops_whole_channels_and_gradient_is_the_scale():
    tg.manual_seed(8)
    p = 0.4
    a = np.random.default_rng(8).standard_normal((50, 40, 6))
    x = tg.tensor(a, requires_grad=True)
    y = F.feature_alpha_dropout(x, p, True)
    sa = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
    dropped = (y.data == -ALPHA * sa + ALPHA * sa * p).all(-1)
    assert binomial_ok((~dropped).sum(), dropped.size, 1 - p)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.where(dropped[..., None], 0.0, sa) + 0 * a)


# ---- rrelu ------------------------------------------------------------------------------------
def test_rrelu_training_slopes_uniform_in_bounds_gradient_is_the_slope():
    tg.manual_seed(9)
    lo, hi, n = 0.1, 0.4, 100_000
    a = -np.random.default_rng(9).uniform(0.5, 2.0, n)
    a[:10] = np.abs(a[:10])
    x = tg.tensor(a, requires_grad=True)
    y = F.rrelu(x, lo, hi, training=True)
    y.sum().backward()
    slopes = y.data[10:] / a[10:]
    np.testing.assert_array_equal(y.data[:10], a[:10])
    np.testing.assert_array_equal(x.grad[:10], 1.0)
    assert ((slopes >= lo) & (slopes <= hi)).all()
    np.testing.assert_allclose(x.grad[10:], slopes, rtol=1e-15)
    assert abs(slopes.mean() - (lo + hi) / 2) < Z * (hi - lo) / math.sqrt(12 * n)
    assert abs(slopes.var() - (hi - lo) ** 2 / 12) < Z * (hi - lo) ** 2 / math.sqrt(180 * n)


def test_rrelu_evaluation_is_leaky_relu_with_the_mean_slope_as_torch():
    torch = pytest.importorskip("torch")
    a = np.array([-3.0, -0.5, 0.0, -0.0, 2.0])
    x = tg.tensor(a, requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3)
    xt = torch.tensor(a, requires_grad=True)
    yt = torch.nn.functional.rrelu(xt, 0.1, 0.3)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    np.testing.assert_array_equal(x.grad, xt.grad.numpy())


# ---- jit: each replay draws afresh, bits equal to eager ---------------------------------------
LAYERS = {
    "Dropout": lambda: nn.Dropout(0.5),
    "F.dropout": lambda: (lambda h: F.dropout(h, 0.5)),
    "Dropout1d": lambda: (lambda d: lambda h: d(h.reshape(4, 5, 1)).reshape(4, 5))(
        nn.Dropout1d(0.5)),
    "AlphaDropout": lambda: nn.AlphaDropout(0.5),
    "FeatureAlphaDropout": lambda: (lambda d: lambda h: d(h.reshape(4, 5, 1)).reshape(4, 5))(
        nn.FeatureAlphaDropout(0.5)),
    "F.alpha_dropout": lambda: (lambda h: F.alpha_dropout(h, 0.5, True)),
    "RReLU": lambda: nn.RReLU(0.1, 0.3),
    "F.rrelu": lambda: (lambda h: F.rrelu(h, 0.1, 0.3, True)),
    "gumbel_softmax": lambda: (lambda w: lambda h: F.gumbel_softmax(h, 0.7) * w)(
        tg.tensor(np.arange(5.0))),
    "gumbel_softmax hard": lambda: (lambda w: lambda h: F.gumbel_softmax(h, 0.7, True) * w)(
        tg.tensor(np.arange(5.0))),
}


def _grads(make, jitted, steps=4):
    tg.manual_seed(0)
    lin, layer = nn.Linear(6, 5), make()
    X = tg.tensor(np.linspace(-1, 1, 24).reshape(4, 6))

    def step(X):
        layer(lin(X)).sum().backward()

    f = jit(step) if jitted else step
    out = []
    for _ in range(steps):
        lin.zero_grad()
        f(X)
        out.append(lin.weight.grad.copy())
    return out, f


@pytest.mark.parametrize("name", list(LAYERS))
def test_a_jitted_step_replays_fresh_draws_bit_equal_to_eager(name):
    eager, _ = _grads(LAYERS[name], False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning
        replayed, step = _grads(LAYERS[name], True)
    assert step.replays == 2
    for a, b in zip(eager, replayed):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(replayed[2], replayed[3])  # a new draw at each replay


# ---- a seeded differential subset against torch (errors, shapes, deterministic values) --------
_FNS = ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
        "feature_alpha_dropout", "rrelu")


def _call(M, tensor, fn, a, p, training):
    x = tensor(a, requires_grad=True)
    y = M.rrelu(x, *p, training) if fn == "rrelu" else getattr(M, fn)(x, p, training)
    g = np.random.default_rng(0).standard_normal(y.shape).astype(a.dtype)
    y.backward(tensor(g))
    return y, x.grad


def test_random_cases_agree_with_torch_where_the_result_is_not_random():
    torch = pytest.importorskip("torch")
    R = np.random.default_rng(2026)
    checked = 0
    for _ in range(400):
        fn = str(R.choice(_FNS))
        a = R.standard_normal(tuple(int(R.integers(0, 4)) for _ in range(int(R.integers(0, 6)))))
        a = a.astype(R.choice([np.float64, np.float32]))
        if a.size and R.random() < 0.3:
            a.flat[0] = R.choice([0.0, -0.0, np.inf, -np.inf, np.nan])
        p = ((0.1, float(R.choice([0.1, 0.3]))) if fn == "rrelu"
             else float(R.choice([0.0, 1.0, 0.5, -0.1, 1.5])))
        training = bool(R.random() < 0.6)
        out = []
        for M, tensor in ((torch.nn.functional, torch.tensor), (F, tg.tensor)):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out.append(_call(M, tensor, fn, a, p, training))
            except (ValueError, RuntimeError, TypeError) as e:
                out.append(e)
        (t, o) = out
        if isinstance(o, ValueError) and "expected input" in str(o) and fn in _FNS[2:4]:
            continue  # torch's deprecated ranks, refused here (docs/pytorch.md)
        assert isinstance(t, Exception) == isinstance(o, Exception), (fn, a.shape, p, t, o)
        if isinstance(o, Exception):
            assert "\n" not in str(o) and (fn.split("_")[0] in str(o) or "dropout" in str(o))
            continue
        (yt, gt), (yo, go) = t, o
        assert yt.shape == yo.shape and str(yo.dtype) == str(yt.dtype).replace("torch.", "")
        if (not training or a.size == 0 or (fn != "rrelu" and p in (0.0, 1.0))
                or (fn == "rrelu" and p[0] == p[1])):
            np.testing.assert_array_equal(yo.data, yt.detach().numpy())
            np.testing.assert_array_equal(go, gt.numpy())
            checked += 1
    assert checked > 100


# ---- named regressions (hDROP) ----------------------------------------------------------------
def test_rrelu_alpha_dropout_and_gumbel_softmax_replay_in_a_jitted_step():
    # before: their draws were constants made in the step, so jit warned and ran eagerly
    for name in ("RReLU", "AlphaDropout", "gumbel_softmax hard"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            _, step = _grads(LAYERS[name], True)
        assert step.replays == 2 and not step.fallbacks


def test_dropout_takes_a_one_element_tensor_p_as_torch():
    # before: nn.Dropout(tg.tensor(0.3)) and F.dropout(x, tg.tensor(0.3)) raised NumPy's
    # "operand 'Tensor' does not support ufuncs"
    tg.manual_seed(0)
    y = F.dropout(tg.ones(1000), tg.tensor(0.2))
    assert np.isin(y.data, (0.0, 1.25)).all() and binomial_ok((y.data != 0).sum(), 1000, 0.8)
    assert nn.Dropout(tg.tensor(0.2)).p == 0.2
    assert F.dropout2d(tg.ones(2, 3, 4, 4), tg.tensor(0.0)).shape == (2, 3, 4, 4)


def test_alpha_dropout_module_takes_a_numpy_float_p():
    # before: nn.AlphaDropout(np.float32(0.3)) refused (F.alpha_dropout and torch take it)
    assert nn.AlphaDropout(np.float32(0.25)).p == 0.25
    assert nn.FeatureAlphaDropout(np.float64(0.5)).p == 0.5


@pytest.mark.parametrize("call", [
    lambda: F.dropout(tg.ones(3), True), lambda: nn.Dropout(True),
    lambda: F.dropout1d(tg.ones(2, 3), True), lambda: F.alpha_dropout(tg.ones(3), True, True),
    lambda: nn.AlphaDropout(False)])
def test_a_bool_p_is_refused_by_every_dropout(call):
    # before: F.dropout(x, True) and nn.Dropout(True) dropped every unit (the others refused)
    with pytest.raises(ValueError, match="a bool: `training=` is the third argument"):
        call()


@pytest.mark.parametrize("lower, upper", [(float("nan"), 0.3), (0.1, float("inf")),
                                          (float("-inf"), 0.3)])
def test_rrelu_nan_or_infinite_bounds_refused_in_one_line(lower, upper):
    # before: NumPy's "OverflowError: Range exceeds valid bounds" from the draw
    with pytest.raises(ValueError, match=r"rrelu: lower .* and upper .* must be finite"):
        F.rrelu(tg.tensor([-1.0, 2.0]), lower, upper, training=True)


def test_dropout3d_of_a_3d_input_does_not_advise_unsqueeze():
    # before: the message said "x.unsqueeze(0) for one (C, H, W) image", which dropout3d
    # then reads as one unbatched (C, D, H, W) volume of C = 1
    with pytest.raises(ValueError, match=r"dropout3d: expected input") as e:
        F.dropout3d(tg.ones(2, 3, 4), 0.5)
    assert "unsqueeze" not in str(e.value)


@pytest.mark.parametrize("training", ["no", None, 1, 0.2])
@pytest.mark.parametrize("call", [
    lambda t: F.dropout(tg.ones(2, 3), 0.5, t), lambda t: F.dropout2d(tg.ones(1, 2, 3, 3), 0.5, t),
    lambda t: F.alpha_dropout(tg.ones(2, 3), 0.5, t), lambda t: F.rrelu(-tg.ones(3), 0.1, 0.3, t)])
def test_a_training_flag_that_is_not_a_bool_is_refused(call, training):
    # before: read as truthy ("no", 1, 0.2 trained; None evaluated) without a word; torch
    # refuses them ("argument 'train' must be bool")
    with pytest.raises(TypeError, match="training must be True or False"):
        call(training)
    assert call(np.bool_(False)).shape  # NumPy's bools are taken
