"""Numerical extremes of the ops and losses (forward and backward), each against exact math
(float64 closed forms, or mpmath where float64 itself cancels): values a course script meets
at confident predictions, masked logits and small arguments, where a formula that is right on
paper rounds to a wrong finite number or to NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F


def _log1pexp(x: np.ndarray) -> np.ndarray:
    """softplus(x) = log(1 + e^x) in float64, without cancellation for any sign of x."""
    return np.logaddexp(0.0, x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


# ---- binary_cross_entropy_with_logits: a confident right answer keeps its loss and gradient
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(x=st.floats(5, 60), y=st.sampled_from([0.0, 1.0]), pw=st.sampled_from([None, 2.0]))
def test_bce_with_logits_confident_right_answers_are_exact(dtype, x, y, pw):
    # y = 0 with a large negative logit (and y = 1 with a large positive one): the loss is
    # softplus(-|x|) and the gradient sigmoid(x) - y, both tiny but representable; the old form
    # (1 - y) x + softplus(-x) cancelled to 0 (float32 from |x| = 17, float64 from 37)
    logit = np.array([-x if y == 0.0 else x], dtype=dtype)
    t = Tensor(logit, requires_grad=True)
    kw = {} if pw is None else {"pos_weight": np.array([pw], dtype=dtype)}
    loss = F.binary_cross_entropy_with_logits(t, np.array([y], dtype=dtype), reduction="sum",
                                              **kw)
    loss.backward()
    x64 = logit.astype(np.float64)
    scale = 1.0 if pw is None or y == 0.0 else pw
    want_loss = scale * _log1pexp(-np.abs(x64))
    want_grad = scale * (_sigmoid(x64) if y == 0.0 else -_sigmoid(-x64))  # = sigmoid(x) - y
    np.testing.assert_allclose(loss.data, want_loss.sum(), rtol=1e-5 if dtype == np.float32
                               else 1e-12)
    np.testing.assert_allclose(t.grad, want_grad, rtol=1e-5 if dtype == np.float32 else 1e-12)


# ---- cross_entropy: a masked (-inf) logit gives one-hot rows the class-index path's loss
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(st.data())
def test_cross_entropy_one_hot_rows_take_masked_logits(dtype, data):
    n, K = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 5))
    z = np.array(data.draw(st.lists(st.floats(-5, 5), min_size=n * K, max_size=n * K)),
                 dtype=dtype).reshape(n, K)
    y = np.array(data.draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n)))
    masked = np.array(data.draw(st.lists(st.booleans(), min_size=n * K, max_size=n * K)))
    masked = masked.reshape(n, K) & (np.arange(K) != y[:, None])  # never the target's logit
    z[masked] = -np.inf  # attention-style masking: those classes are impossible
    for reduction in ("mean", "sum", "none"):
        by_index = F.cross_entropy(Tensor(z), y, reduction=reduction).data
        t = Tensor(z, requires_grad=True)
        by_row = F.cross_entropy(t, np.eye(K, dtype=dtype)[y], reduction=reduction)
        np.testing.assert_allclose(by_row.data, by_index, rtol=1e-6)  # was nan where masked
        assert np.isfinite(by_row.data).all()
        by_row.sum().backward()
        assert np.isfinite(t.grad).all() and not t.grad[masked].any()


# ---- elu: the negative side's gradient alpha e^x, also where e^x - 1 rounds to -1
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(x=st.floats(-80, 0), alpha=st.sampled_from([1.0, 0.5, 2.0]))
def test_elu_gradient_is_alpha_exp_x_on_the_negative_side(dtype, x, alpha):
    t = Tensor(np.array([x], dtype=dtype), requires_grad=True)
    F.elu(t, alpha=alpha).sum().backward()
    want = alpha * np.exp(np.float64(dtype(x)))  # was 0 from x = -17 (float32), -37 (float64)
    assert t.grad.dtype == dtype
    np.testing.assert_allclose(t.grad, [want], rtol=1e-6 if dtype == np.float32 else 1e-13)


# ---- sinc: float32 gradients near 0, where (cos(pi x) - sinc(x)) / x cancels
def _sinc_grad(x: np.ndarray) -> np.ndarray:
    """d/dx sin(pi x) / (pi x) by its Taylor series, exact to float64 for |x| <= 0.1."""
    k = np.arange(1, 12)
    terms = (-1.0) ** k * np.pi ** (2 * k) * 2 * k / np.array([float(np.prod(
        np.arange(1, 2 * j + 2, dtype=np.float64))) for j in k])
    return np.sum(terms * x[..., None] ** (2 * k - 1), axis=-1)


@given(x=st.floats(1e-4, 0.1), sign=st.sampled_from([-1.0, 1.0]))
def test_sinc_float32_gradient_near_zero(x, sign):
    a = np.array([sign * x], dtype=np.float32)
    t = Tensor(a, requires_grad=True)
    tg.sinc(t).sum().backward()
    assert t.grad.dtype == np.float32
    # float32's own rounding of the exact value; was 1.5% off at |x| = 1e-3
    np.testing.assert_allclose(t.grad, _sinc_grad(a.astype(np.float64)), rtol=3e-7)


# ---- sigmoid's gradient and gelu's negative tail, where 1 - s and 1 + tanh cancel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(x=st.floats(-60, 60))
def test_sigmoid_gradient_keeps_its_digits_in_the_tails(dtype, x):
    a = np.array([x], dtype=dtype)
    t = Tensor(a, requires_grad=True)
    t.sigmoid().sum().backward()
    e = np.exp(-np.abs(a.astype(np.float64)))
    want = e / (1 + e) ** 2  # s (1 - s); out (1 - out) was 0 from x = 17 in float32
    np.testing.assert_allclose(t.grad, want, rtol=1e-6 if dtype == np.float32 else 1e-14)


def _gelu64(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tanh-GELU and its derivative in float64 from x sigmoid(2u) (1 + tanh(u) is
    2 sigmoid(2u)), exact where float32's 1 + tanh(u) cancels."""
    c = np.sqrt(2 / np.pi)
    u2 = 2 * c * (x + 0.044715 * x**3)
    s = _sigmoid(u2)
    ds = np.exp(-np.abs(u2)) / (1 + np.exp(-np.abs(u2))) ** 2
    return x * s, s + x * 2 * ds * c * (1 + 3 * 0.044715 * x * x)


@given(x=st.floats(-7, 5))
def test_gelu_float32_negative_tail(x):
    a = np.array([x], dtype=np.float32)
    t = Tensor(a, requires_grad=True)
    y = F.gelu(t, approximate="tanh")
    y.sum().backward()
    want_y, want_g = _gelu64(a.astype(np.float64))
    assert y.dtype == np.float32 and t.grad.dtype == np.float32
    # 0.5 x (1 + tanh(u)) was 30% off at x = -5 and 0 from x = -6 (the value is -5e-12); the
    # tolerance is float32's rounding of u times e^-2u's condition number (2u ~ 36 at x = -7)
    np.testing.assert_allclose(y.data, want_y, rtol=1e-5, atol=1e-44)
    np.testing.assert_allclose(t.grad, want_g, rtol=1e-5, atol=1e-44)


@given(x=st.floats(-12, 5))
def test_exact_gelu_float32_negative_tail(x):
    a = np.array([x], dtype=np.float32)
    t = Tensor(a, requires_grad=True)
    y = F.gelu(t)
    y.sum().backward()
    v = float(a[0])  # Phi(v) = erfc(-v/sqrt 2)/2: 1 + erf(v/sqrt 2) would cancel for v < 0
    phi = 0.5 * math.erfc(-v / math.sqrt(2))
    want_g = phi + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi)
    assert y.dtype == np.float32 and t.grad.dtype == np.float32
    # computed in float64 and rounded once: float32's rounding (gelu(-12) is -2.1e-32, not 0)
    np.testing.assert_allclose(y.data, [v * phi], rtol=1e-7, atol=1e-44)
    np.testing.assert_allclose(t.grad, [want_g], rtol=1e-7, atol=1e-44)


def test_sigmoid_at_infinity():
    # e^-|x| is 0 at +-inf: a gradient of 0 (as out (1 - out) gave), and NaN passes NaN on
    t = Tensor(np.array([np.inf, -np.inf, 1e20, -1e20, np.nan], dtype=np.float32),
               requires_grad=True)
    t.sigmoid().sum().backward()
    np.testing.assert_array_equal(t.grad, [0, 0, 0, 0, np.nan])


# ---- logaddexp2 with an infinite result: the softmax weights 1 and 0, as logaddexp's
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(other=st.one_of(st.floats(-1e30, 1e30), st.just(-np.inf)), swap=st.booleans())
def test_logaddexp2_gradient_beside_inf(dtype, other, swap):
    xs = [np.array([np.inf], dtype=dtype), np.array([other], dtype=dtype)]
    if swap:
        xs.reverse()
    x, y = (Tensor(a, requires_grad=True) for a in xs)
    out = tg.logaddexp2(x, y)
    out.sum().backward()
    assert out.data[0] == np.inf
    want = ([0.0], [1.0]) if swap else ([1.0], [0.0])  # was nan for the inf input (inf - inf)
    np.testing.assert_array_equal(x.grad, want[0])
    np.testing.assert_array_equal(y.grad, want[1])


# ---- std: the spread of float32 values past 1.8e19 or below 1e-19, whose squares leave float32
@given(st.data())
def test_std_float32_of_very_large_and_very_small_spreads(data):
    n = data.draw(st.integers(2, 5))
    unit = data.draw(st.sampled_from([1e-30, 1e-22, 1e-20, 1.0, 1e20, 1e25, 1e30]))
    base = np.array(data.draw(st.lists(st.floats(-4, 4), min_size=n, max_size=n)))
    x = (base * unit).astype(np.float32)
    x64 = x.astype(np.float64)
    c = x64 - x64.mean()
    want = np.sqrt((c * c).mean())  # float64 holds these squares exactly enough
    t = Tensor(x, requires_grad=True)
    s = t.std()  # NumPy's ddof=0
    s.backward()
    assert s.dtype == np.float32
    # was inf, or 0, or a few digits; atol: float32's rounding of the mean, relative to x, and
    # of a subnormal std (its spacing is 1.4e-45)
    top = float(np.abs(x64).max())
    np.testing.assert_allclose(s.data, want, rtol=1e-5, atol=1e-6 * top + 1.5e-45)
    # (a near-constant slice's gradient is its rounding's, a subnormal std's its spacing's)
    if want > max(1e-3 * top, np.finfo(np.float32).tiny):
        np.testing.assert_allclose(t.grad, c / (x.size * want), rtol=1e-4, atol=1e-6)


def test_std_float64_beyond_the_square_range():
    t = Tensor(np.array([0.0, 1e170, 2e170]), requires_grad=True)
    s = t.std(dim=0)  # PyTorch's unbiased: sqrt((1e340 + 0 + 1e340) / 2) = 1e170
    s.backward()
    np.testing.assert_allclose(s.data, 1e170, rtol=1e-15)  # was inf, with gradient 0
    np.testing.assert_allclose(t.grad, [-0.5, 0.0, 0.5], rtol=1e-15, atol=1e-16)


# ---- expm1: its gradient e^x, also where e^x - 1 rounds to -1
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(x=st.floats(-80, 5))
def test_expm1_gradient_is_exp_x(dtype, x):
    t = Tensor(np.array([x], dtype=dtype), requires_grad=True)
    t.expm1().sum().backward()
    assert t.grad.dtype == dtype
    want = np.exp(np.float64(dtype(x)))  # expm1(x) + 1 was 0 from x = -17 in float32
    np.testing.assert_allclose(t.grad, [want], rtol=1e-6 if dtype == np.float32 else 1e-13)


# ---- cross_entropy of integer logits: float64, as softmax and log_softmax give them
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_cross_entropy_of_integer_logits(dtype):
    z = np.array([[1, 0, 3], [4, 5, 0]]).astype(dtype)
    y = np.array([0, 1])
    want = F.cross_entropy(Tensor(z.astype(np.float64)), y).data
    got = F.cross_entropy(tg.tensor(z), y)  # was NumPy's UFuncTypeError (exp into int64)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.data, want, rtol=1e-15)
    got = F.cross_entropy(tg.tensor(z), y, reduction="none")
    np.testing.assert_allclose(got.data, F.cross_entropy(Tensor(z.astype(np.float64)), y,
                                                         reduction="none").data, rtol=1e-15)


def test_cross_entropy_soft_rows_beside_integer_logits_are_not_truncated():
    z = np.array([[1, 2, 3], [0, 0, 4]])
    soft = np.array([[0.5, 0.5, 0.0], [0.25, 0.25, 0.5]])
    want = F.cross_entropy(Tensor(z.astype(np.float64)), soft).data
    got = F.cross_entropy(tg.tensor(z), soft)  # was 0.0: the rows were cast to int64 first
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.data, want, rtol=1e-15)


def test_where_of_a_non_finite_branch_and_the_documented_remedy():
    # docs/ops.md: the NaN of where(c, sqrt(x), 0) at x < 0 (PyTorch's too) and its remedy
    x = Tensor(np.array([-1.0, 0.0, 4.0]), requires_grad=True)
    c = x.data > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        tg.where(c, x.sqrt(), 0.0).sum().backward()
    assert np.isnan(x.grad[0]) and x.grad[2] == 0.25
    x.grad = None
    tg.where(c, tg.where(c, x, 1.0).sqrt(), 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.25])


# ---- arange in float32: each value rounded once from float64, not stepped in float32
@given(start=st.sampled_from([-5.0, 0.0, 1e8, 16777216.0, 3e5]),
       step=st.sampled_from([0.3, 1.0, 0.01, 7.0]), n=st.integers(1, 80))
def test_arange_float32_values_are_rounded_once(start, step, n):
    stop = start + n * step
    got = tg.arange(start, stop, step, dtype=np.float32)
    count = len(np.arange(start, stop, step, dtype=np.float64))  # torch's values: start + i *
    want = (start + np.arange(count) * step).astype(np.float32)  # step in float64, rounded
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.data, want)  # was 1e8 sixty-four times for 1e8..1e8+64


# ---- elu and leaky_relu of integer tensors: float64, as the other unary ops give them
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8])
def test_elu_and_leaky_relu_of_integers_keep_their_fractional_parameters(dtype):
    x = np.array([-5, -1, 0, 2], dtype=dtype)
    f = x.astype(np.float64)
    got = F.leaky_relu(tg.tensor(x), 0.2)  # was [0, 0, 0, 2]: int(0.2) = 0
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.data, np.where(f > 0, f, 0.2 * f))
    got = F.elu(tg.tensor(x), alpha=0.5)  # was [-0, -0, -0, 2]: int(0.5) = 0
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.data, np.where(f > 0, f, 0.5 * np.expm1(f)), rtol=1e-15)


# ---- div and hypot beside a subnormal: g / y or g / out overflows, then meets a 0
@given(y=st.floats(5e-324, 1e-308), sign=st.sampled_from([-1.0, 1.0]))
def test_div_of_zero_by_a_subnormal_has_gradient_zero_for_y(y, sign):
    a = Tensor(np.array([0.0]), requires_grad=True)
    b = Tensor(np.array([sign * y]), requires_grad=True)
    with np.errstate(over="ignore"):  # d/dx = 1 / y past float64: inf, with NumPy's warning
        (a / b).sum().backward()
    assert b.grad[0] == 0  # -x / y^2 at x = 0; was (g / y) * 0 = inf * 0 = nan
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(a.grad, [1 / (sign * y)])  # (inf past float64's range)


@given(v=st.floats(1e-315, 5e-309))  # g / out overflows; v keeps 27 bits or more
def test_hypot_beside_a_subnormal(v):
    a = Tensor(np.array([0.0, v]), requires_grad=True)
    b = Tensor(np.array([v, v]), requires_grad=True)
    tg.hypot(a, b).sum().backward()
    # x / hypot and y / hypot: (0, 1) and (1/sqrt 2, 1/sqrt 2); was nan and inf
    np.testing.assert_allclose(a.grad, [0.0, np.sqrt(0.5)], rtol=1e-6)
    np.testing.assert_allclose(b.grad, [1.0, np.sqrt(0.5)], rtol=1e-6)


# ---- arcsinh and arccosh past the square's range: the gradient 1 / |x| is a normal number
@given(x=st.floats(1e19, 3e38), sign=st.sampled_from([-1.0, 1.0]))
def test_arcsinh_arccosh_float32_gradient_for_large_x(x, sign):
    a = np.array([x], dtype=np.float32)
    t = Tensor(sign * a, requires_grad=True)
    tg.arcsinh(t).sum().backward()  # was 0 from |x| = 1.8e19: x^2 + 1 overflowed
    np.testing.assert_allclose(t.grad, 1 / a.astype(np.float64), rtol=1e-6)
    t = Tensor(a, requires_grad=True)
    tg.arccosh(t).sum().backward()
    np.testing.assert_allclose(t.grad, 1 / a.astype(np.float64), rtol=1e-6)


def test_diff_of_integers_with_a_fractional_edge_promotes_as_numpy():
    """Before: prepend=0.5 was cast to x's int64 (0): [1, 1, 2] where NumPy gives [0.5, 1, 2]."""
    x = tg.tensor([1, 2, 4])
    for kw in ({"prepend": 0.5}, {"append": 4.5}):
        got = tg.diff(x, **kw)
        want = np.diff(np.array([1, 2, 4]), **kw)
        assert got.dtype == want.dtype and np.array_equal(got.data, want)
    assert tg.diff(x, prepend=1).dtype == np.int64  # an integer edge keeps the integers
    assert tg.diff(tg.tensor(np.float32([1, 2])), prepend=0.5).dtype == np.float32


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_of_an_empty_axis_is_one_line_naming_the_op_and_shape(name):
    """Before: NumPy's "attempt to get argmax of an empty sequence" (no op, no shape)."""
    x = tg.tensor(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=rf"{name}: a tensor of shape \(0, 3\) is empty"):
        getattr(x, name)()
    with pytest.raises(ValueError, match=rf"{name}: axis 0 of a tensor of shape \(0, 3\)"):
        getattr(x, name)(axis=0)
    assert getattr(x, name)(axis=1).shape == (0,)  # an empty result is fine
    with pytest.raises(ValueError, match=rf"{name}: axis 5 is out of bounds"):  # not "empty"
        getattr(x, name)(axis=5)
