"""Second review of the integer and bool ops hunt (helper hINTr): the integer dtype= of
sum/prod/cumsum/cumprod/nansum (nansum's NaNs, bool, torch's dtypes), var/std of int64 past
2**53 with no degrees of freedom left, cov/corrcoef of int64 past 2**53, addcmul's value= on
unsigned tensors, and a jitted step of the changed ops replayed bit for bit."""

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")


def _exact_var(v, ddof):
    m = Fraction(sum(v), len(v))
    ss = sum((Fraction(x) - m) ** 2 for x in v)
    d = len(v) - ddof
    return float(ss / d) if d > 0 else (math.nan if ss == 0 else math.inf)


def _exact_cov(rows, correction=1):
    n = len(rows[0])
    means = [Fraction(sum(r), n) for r in rows]
    return np.array([[float(sum((Fraction(a) - ma) * (Fraction(b) - mb) for a, b in zip(r, s))
                            / (n - correction)) for s, mb in zip(rows, means)]
                     for r, ma in zip(rows, means)])


def test_nansum_into_an_integer_dtype_reads_nan_as_zero_as_torch_and_numpy():
    """x.nansum(dtype=int64) cast the NaN itself (-2**63) and summed it in:
    -9223372036854775494 for torch's and NumPy's 314."""
    a = np.array([[1.5, -2.7, np.nan], [300.0, 7.0, 8.0]])
    want = torch.tensor(a).nansum(dtype=torch.int64).item()
    assert want == np.nansum(a, dtype=np.int64) == 314
    assert Tensor(a).nansum(dtype=np.int64).item() == 314
    np.testing.assert_array_equal(Tensor(a).nansum(1, dtype=np.int16).data,
                                  torch.tensor(a).nansum(1, dtype=torch.int16).numpy())
    assert np.nansum(Tensor(a.astype(np.float32)), dtype=np.int8).item() == 314 - 256
    assert Tensor(a).nansum(dtype=bool).item() is True  # (NaN is 0, not a nonzero value)
    assert not Tensor(np.array([np.nan, 0.0])).nansum(dtype=bool).item()


@pytest.mark.parametrize("op", ["sum", "prod", "nansum"])
def test_a_bool_dtype_reduces_as_torch_and_numpy(op):
    """x.sum(dtype=torch.bool) is torch's any and NumPy's np.sum(a, dtype=bool); prod's all:
    refused ("only a floating dtype")."""
    a = np.array([[0, 2, 0], [0, 0, 3], [1, 4, 5]], np.int8)
    for args in ((), (0,), (1,)):
        got = getattr(Tensor(a), op)(*args, dtype=torch.bool)
        want = getattr(torch.tensor(a), op)(*args, dtype=torch.bool)
        assert got.dtype == np.bool_ and not got.requires_grad
        np.testing.assert_array_equal(got.data, want.numpy())
        np.testing.assert_array_equal(getattr(Tensor(a), op)(*args, dtype=bool).data,
                                      getattr(np, op)(a, *args, dtype=bool))
    for cum in ("cumsum", "cumprod"):  # (torch refuses these: NumPy's values)
        np.testing.assert_array_equal(getattr(np, cum)(Tensor(a), axis=1, dtype=bool).data,
                                      getattr(np, cum)(a, axis=1, dtype=bool))
    x = Tensor(np.array([1.5, 0.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"sum\(dtype=bool\): a bool result has no gradient"):
        x.sum(dtype=bool)


def test_a_torch_dtype_is_read_by_the_reductions_dtype_as_by_the_casts():
    """x.sum(dtype=torch.float32), tg.sum(x, dtype=torch.int8): refused ("only a floating
    dtype"), though x.to(torch.float32) and tg.zeros(2, dtype=torch.int8) read it."""
    a = np.array([[100, 100, 3], [-5, 7, 8]], np.int64)
    x, tx = Tensor(a), torch.tensor(a)
    for call in (lambda m, t: t.sum(dtype=torch.int8),
                 lambda m, t: t.cumsum(1, dtype=torch.int16),
                 lambda m, t: t.prod(0, dtype=torch.uint8),
                 lambda m, t: m.sum(t, 1, dtype=torch.int8),
                 lambda m, t: t.sum(dtype=torch.float32),
                 lambda m, t: t.double().mean(dim=0, dtype=torch.float32),
                 lambda m, t: m.nansum(t, dim=1, dtype=torch.int8)):
        got, want = call(tg, x), call(torch, tx)
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")
        np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-6)
    f = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    s = f.sum(dtype=torch.float32)
    assert s.dtype == np.float32 and s.requires_grad
    s.backward()
    np.testing.assert_array_equal(f.grad, [1.0, 1.0])
    with pytest.raises(ValueError, match=r"sum\(dtype=torch.bfloat16\): only a floating dtype"):
        x.sum(dtype=torch.bfloat16)  # (NumPy has none: one line, as before)


def test_var_of_int64_with_no_degrees_of_freedom_left_is_inf_or_nan_as_the_exact_sum():
    """ddof >= n: the sum of squares decides inf (> 0) or NaN (0). int64 summed for the mean
    wrapped (a constant slice of 2**62 was inf, not NaN) and float64 lost digits
    ([2**62 + 5, 2**62 + 6] was NaN, not inf)."""
    for v, ddof in (([2**62, 2**62], 2), ([2**63 - 19] * 2, 2), ([2**62 + 5, 2**62 + 6], 2),
                    ([-(2**63), -(2**63) + 1], 3), ([2**64 - 1, 2**64 - 1], 2)):
        t = Tensor(np.array(v, np.uint64 if v[0] >= 2**63 else np.int64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = t.var(ddof=ddof).item()
            assert t.std(ddof=ddof).item() == pytest.approx(math.sqrt(_exact_var(v, ddof)),
                                                            nan_ok=True)
        assert got == _exact_var(v, ddof) or math.isnan(got) and math.isnan(_exact_var(v, ddof))


def test_var_std_and_their_means_of_int64_are_exact_over_axes_and_keepdims():
    rng = np.random.default_rng(7)
    for _ in range(60):
        base = int(rng.choice([2**53, 2**62, -(2**62), 2**63 - 2**40]))
        a = (base + rng.integers(-1000, 1000, (3, 2, 4))).astype(np.int64)
        axes = tuple(int(z) for z in rng.choice(3, int(rng.integers(1, 4)), replace=False))
        ddof, keep = int(rng.integers(0, 2)), bool(rng.integers(0, 2))
        moved = np.moveaxis(a, axes, tuple(range(len(axes)))).reshape(
            math.prod(a.shape[i] for i in axes), -1)
        want = np.array([_exact_var([int(z) for z in col], ddof) for col in moved.T])
        want = want.reshape([s for i, s in enumerate(a.shape) if i not in axes])
        if keep:
            want = want.reshape([1 if i in axes else s for i, s in enumerate(a.shape)])
        v, _ = tg.var_mean(Tensor(a), dim=axes, correction=ddof, keepdim=keep)
        s, _ = tg.std_mean(Tensor(a), dim=list(axes), correction=ddof, keepdim=keep)
        np.testing.assert_allclose(v.data, want, rtol=4e-16)
        np.testing.assert_allclose(s.data, np.sqrt(want), rtol=4e-16)


def test_cov_and_corrcoef_of_int64_past_2_53_are_exact_as_var():
    """cov of int64 rows made them float64 first: cov([2**62 + 1, 2**62 + 2, 2**62 + 4]) was 0
    (var: 7/3), of [2**53 + 1, 2**53, 2**53 + 3] beside [1, 2, 4] 5.33 (7/3), corrcoef 0.94
    (0.79). torch.cov casts to float (0 and NaN) and np.cov gives 6.0."""
    rows = [[2**53 + 1, 2**53, 2**53 + 3], [1, 2, 4]]
    got = tg.cov(Tensor(np.array(rows, np.int64)))
    np.testing.assert_allclose(got.data, _exact_cov(rows), rtol=1e-15)
    c = _exact_cov(rows)
    r = tg.corrcoef(Tensor(np.array(rows, np.int64))).data
    np.testing.assert_allclose(r, c / np.sqrt(np.outer(np.diag(c), np.diag(c))), rtol=1e-15)
    one = [2**62 + 1, 2**62 + 2, 2**62 + 4]
    assert Tensor(np.array(one, np.int64)).cov().item() == pytest.approx(7 / 3, rel=1e-15)
    assert Tensor(np.array(one, np.uint64) + np.uint64(2**63)).cov(correction=0).item() == \
        pytest.approx(_exact_var(one, 0), rel=1e-15)
    w = Tensor(np.array([1, 2, 1]))  # (weights: the same shift, torch's formula)
    small = np.array([[1, 0, 3], [1, 2, 4]], np.int64)
    np.testing.assert_allclose(tg.cov(Tensor(np.array(rows, np.int64)), fweights=w).data,
                               torch.cov(torch.tensor(small).double(),
                                         fweights=torch.tensor(w.data)).numpy(), rtol=1e-14)


def test_addcmul_takes_a_negative_value_on_unsigned_tensors_wrapped_as_torch():
    """uint8 x.addcmul(a, b, value=-1) is x - a b (torch's); NumPy 2 refused -1 beside uint8,
    as add's alpha= was."""
    u, v, w = (np.array(z, np.uint8) for z in ([3, 250, 0], [5, 7, 1], [2, 3, 4]))
    tu, tv, tw = torch.tensor(u), torch.tensor(v), torch.tensor(w)
    for value in (-1, -3, -255, 255):
        want = tu.addcmul(tv, tw, value=value).numpy()
        np.testing.assert_array_equal(Tensor(u).addcmul(Tensor(v), Tensor(w), value=value).data,
                                      want)
        np.testing.assert_array_equal(tg.addcmul(Tensor(u), Tensor(v), Tensor(w),
                                                 value=value).data, want)
        x = Tensor(u.copy())
        x.addcmul_(Tensor(v), Tensor(w), value=value)
        np.testing.assert_array_equal(x.data, want)
    for value in (-256, 256):  # (torch: "cannot be converted to type uint8_t")
        with pytest.raises(OverflowError, match="addcmul"):
            Tensor(u).addcmul(Tensor(v), Tensor(w), value=value)


def test_a_jitted_step_of_int64_var_cov_bool_power_and_empty_division_replays_as_eager():
    w = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)

    def step(x, ints, b):
        it, bt = Tensor(ints), Tensor(b)
        out = (it.var(), it.std(correction=0), bt ** bt, bt ** True, it[:0, None] // (it * 0),
               tg.cov(it.reshape(1, -1)), tg.corrcoef(tg.stack([it, it * 3 - 1])))
        (w * Tensor(x)).sum().backward()
        return out

    jitted = jit(step, strict=True)
    for k in range(5):
        args = (np.array([1.0, 2.0, 3.5 + k]), np.array([2**53 + 1 + k, 2**53, 7], np.int64),
                np.array([True, False, k % 2 == 0]))
        w.grad = None
        eager, ge = step(*args), w.grad.copy()
        w.grad = None
        replayed = jitted(*args)
        np.testing.assert_array_equal(w.grad, ge)
        for a, b in zip(eager, replayed):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a.data, b.data)
    assert jitted.replays == 3


def test_a_bool_alpha_of_a_bool_result_computes_as_torch_and_is_named_elsewhere():
    """b.add(c, alpha=True) was refused ("alpha must be a number, got bool"); torch computes
    it, and refuses a bool alpha of any other result ("only supported for Boolean results")."""
    b, c = np.array([True, False, False]), np.array([False, True, False])
    for alpha in (True, False, np.True_):
        want = torch.tensor(b).add(torch.tensor(c), alpha=bool(alpha)).numpy()
        np.testing.assert_array_equal(Tensor(b).add(Tensor(c), alpha=alpha).data, want)
        np.testing.assert_array_equal(tg.add(Tensor(b), Tensor(c), alpha=alpha).data, want)
        x = Tensor(b.copy())
        x.add_(Tensor(c), alpha=alpha)
        np.testing.assert_array_equal(x.data, want)
    for x in (Tensor(b).long(), Tensor(b).double()):
        with pytest.raises(TypeError, match=r"^add\(alpha=True\): a bool alpha is for a bool "
                                            r"result only \(as torch\), this one is"):
            x.add(Tensor(c), alpha=True)
