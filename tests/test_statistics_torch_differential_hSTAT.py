"""The statistics family against torch 2.13 (seeded random cases): var/std (correction=,
unbiased=), var_mean/std_mean, median/nanmedian, mode, quantile/nanquantile (every
interpolation), cov (fweights/aweights), corrcoef, nanmean/nansum, aminmax, logsumexp: values,
indices, dtypes and float64 gradients; plus the named regressions found by this hunt.

Left out of the random comparison, as documented differences (docs/pytorch.md): NaNs in mode
(torch's std::sort of NaNs), indices and gradients among ties (torch's selection), an infinity
at a quantile's end, inf inputs in var_mean/std_mean's mean (Welford's NaN), data near the
float64 limit (torch's std overflows), gradients where no degrees of freedom are left, and the
gradient of aminmax at a NaN.
"""

import warnings
from fractions import Fraction

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

OPS = ("var", "std", "var_mean", "std_mean", "median", "nanmedian", "mode", "quantile",
       "nanquantile", "cov", "corrcoef", "nanmean", "nansum", "aminmax", "logsumexp")
INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _draw(r, op):
    """(x, ours, theirs, check_indices): one random case of op; x has no ties, infinities or
    NaNs where those are documented differences."""
    nd = int(r.integers(0, 4))
    shape = tuple(int(r.integers(1, 5)) for _ in range(nd))
    x = r.standard_normal(shape)
    if op in ("nanmedian", "nanquantile", "nanmean", "nansum") and x.size and r.random() < 0.5:
        x.flat[r.integers(0, x.size, size=int(r.integers(1, 3)))] = np.nan
    dim = None if r.random() < 0.3 else int(r.integers(-max(nd, 1), max(nd, 1)))
    kd = bool(r.random() < 0.5)
    if op in ("var", "std", "var_mean", "std_mean"):
        n = x.size if dim is None else (x.shape[dim] if nd else 1)
        kw = [{}, {"correction": 0}, {"unbiased": False}, {"unbiased": True},
              {"correction": 0.5}][int(r.integers(5))]
        if n < 2:
            kw = {"correction": 0}
        return x, lambda t, m: getattr(m, op)(t, dim=dim, keepdim=kd, **kw), True
    if op in ("median", "nanmedian"):
        if dim is None:
            return x, lambda t, m: getattr(m, op)(t), True
        return x, lambda t, m: tuple(getattr(m, op)(t, dim, kd)), True
    if op == "mode":
        x = r.integers(-2, 3, size=shape).astype(float)  # (ties: the smallest, torch's)
        d = -1 if dim is None else dim
        return x, lambda t, m: tuple(m.mode(t, d, kd)), True  # (dims <= 16: torch's index)
    if op in ("quantile", "nanquantile"):
        q = [float(v) for v in r.random(int(r.integers(1, 3)))] if r.random() < 0.5 \
            else float(r.random())
        interp = INTERPOLATIONS[int(r.integers(5))]

        def quant(t, m):
            qq = torch.tensor(q, dtype=torch.float64) if m is torch and isinstance(q, list) else q
            return getattr(m, op)(t, qq, dim, kd, interpolation=interp)
        return x, quant, True
    if op in ("cov", "corrcoef"):
        x = x.reshape(-1) if nd != 2 else x
        n = x.shape[-1]
        if op == "corrcoef":
            return x, lambda t, m: m.corrcoef(t), True
        fw = r.integers(1, 4, size=n) if r.random() < 0.5 else None
        aw = r.random(n) + 0.1 if r.random() < 0.5 else None
        c = int(r.integers(0, 2))

        def cov(t, m):
            kw = {"fweights": None if fw is None else (torch.tensor(fw) if m is torch else fw),
                  "aweights": None if aw is None else (torch.tensor(aw) if m is torch else aw)}
            return m.cov(t, correction=c, **kw)
        return x, cov, True
    if op in ("nanmean", "nansum", "logsumexp"):
        d = dim if dim is not None else tuple(range(nd))
        return x, lambda t, m: getattr(m, op)(t, dim=d, keepdim=kd), True
    return x, lambda t, m: tuple(m.aminmax(t, dim=dim, keepdim=kd)), True


def _arr(v):
    return v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v.data)


@pytest.mark.parametrize("op", OPS)
def test_random_cases_match_torch(op):
    r = np.random.default_rng(sum(map(ord, op)))
    for _ in range(40):
        x, f, check_idx = _draw(r, op)
        if op in ("cov", "corrcoef") and x.shape[-1] < 2:
            continue
        tx = torch.tensor(x, requires_grad=True)
        ox = tg.Tensor(x.copy(), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs, ours = f(tx, torch), f(ox, tg)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        ours = ours if isinstance(ours, tuple) else (ours,)
        assert len(ours) == len(theirs), op
        for k, (o, t) in enumerate(zip(ours, theirs)):
            if k == 1 and not check_idx:
                continue
            a, b = _arr(o), _arr(t)
            assert a.shape == b.shape and a.dtype == b.dtype, (op, x.shape, a.shape, b.shape)
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{op} {x}")
        if not theirs[0].requires_grad:
            continue
        w = r.standard_normal(theirs[0].shape)
        with warnings.catch_warnings():  # (an all-NaN nanmean slice: NumPy's 1 / 0)
            warnings.simplefilter("ignore")
            (theirs[0] * torch.tensor(w)).sum().backward()
            (ours[0] * tg.Tensor(w)).sum().backward()
        tg_ = tx.grad.numpy() if tx.grad is not None else np.zeros_like(x)
        np.testing.assert_allclose(ox.grad.data, tg_, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{op} gradient {x}")


def test_lower_median_and_quantile_midpoint_spellings():
    """median is torch's lower middle value; quantile(0.5) NumPy's average: both kept."""
    x = tg.Tensor([4.0, 1.0, 3.0, 2.0])
    assert x.median().item() == 2.0 == torch.tensor([4.0, 1, 3, 2]).median().item()
    assert x.quantile(0.5).item() == 2.5 == np.median(x.data)


def test_var_of_large_offset_data_is_exact_to_round_off():
    r = np.random.default_rng(7)
    for off in (1e8, -1e8, 3e15):
        v = off + r.standard_normal(25)
        fr = [Fraction(float(a)) for a in v]
        m = sum(fr) / len(fr)
        exact = sum((a - m) ** 2 for a in fr) / (len(fr) - 1)
        for got in (tg.var(tg.Tensor(v), dim=0), tg.var_mean(tg.Tensor(v), dim=0)[0],
                    tg.cov(tg.Tensor(v))):
            assert abs(Fraction(float(got.item())) - exact) <= exact * 1e-14


# ---- named regressions ----------------------------------------------------------------------

@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e160, 1e200])
def test_cov_aweights_far_from_one_give_the_same_covariance(scale):
    """cov is unchanged by scaling aweights; w * aw underflowed (1e-300: half the covariance,
    0.25 for 0.5) or overflowed (1e200: inf; torch's NaN) in the correction's divisor."""
    x = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]])
    aw, fw = np.array([1.0, 2.0, 3.0]), np.array([1, 2, 3])
    for f in (None, fw):
        want = torch.cov(torch.tensor(x), aweights=torch.tensor(aw),
                         fweights=None if f is None else torch.tensor(f)).numpy()
        got = tg.cov(tg.Tensor(x), aweights=aw * scale, fweights=f).data
        np.testing.assert_allclose(got, want, rtol=1e-13)


def test_cov_float32_keeps_aweights_past_its_range():
    x = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]], np.float32)
    got = tg.cov(tg.Tensor(x), aweights=np.full(3, 1e200)).data
    np.testing.assert_allclose(got, np.cov(x.astype(np.float64)), rtol=1e-6)


def test_std_gradient_with_no_degrees_of_freedom_is_vars_limit():
    """correction >= n: std's gradient is var's limit, +-inf by the sign of x - mean
    (docs/ops.md), as var's; it was NaN everywhere (0 = g / (2 inf), times var's inf)."""
    for kw in ({"dim": 0}, {}):
        x = tg.Tensor([1.0, 2.0, 4.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = tg.std(x, correction=5, **kw)
            out.backward()
        assert out.item() == np.inf
        np.testing.assert_array_equal(x.grad.data, [-np.inf, -np.inf, np.inf])


def test_cov_of_one_weighted_observation_has_no_degrees_of_freedom():
    """One observation, aweights a, correction 1: the divisor a - a a / a is 0, which rounding
    made 0 or +-1e-17: a covariance of 0 or inf (torch's NaN, the exact 0 / 0, in most of
    these); now NaN, with a warning naming cov (torch warns too)."""
    r = np.random.default_rng(3)
    for a in r.random(40):
        with pytest.warns(RuntimeWarning, match="cov: degrees of freedom <= 0"):
            got = tg.cov(tg.Tensor([0.25]), aweights=np.array([a])).item()
        assert np.isnan(got), a


def test_cov_warns_where_correction_leaves_no_degrees_of_freedom():
    with pytest.warns(RuntimeWarning, match=r"correction=2 for 2 observations"):
        assert tg.cov(tg.Tensor([1.0, 2.0]), correction=2).item() == np.inf


@pytest.mark.parametrize("op", ["var", "std", "var_mean", "std_mean"])
def test_dim_empty_tuple_gradient_is_that_of_every_dim(op):
    """dim=() reduces every dim (torch's value too); torch 2.13's gradient there is that of
    reducing none (2 (x - mean) / (1 - correction)), so the reference is dim=None."""
    a = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    grads = []
    for dim in ((), None):
        x = tg.Tensor(a, requires_grad=True)
        out = getattr(tg, op)(x, dim=dim, correction=1)
        (out[0] if isinstance(out, tuple) else out).backward()
        grads.append(x.grad.data)
    want = torch.tensor(a, requires_grad=True)
    getattr(torch, op[:3])(want, dim=None, correction=1).backward()
    np.testing.assert_allclose(grads[0], want.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grads[1], want.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("correction", ["1", b"1", 1 + 0j])
def test_correction_that_is_no_real_number_is_refused_in_one_line(correction):
    """var(correction="1") computed (int("1")), where torch refuses it; 1+0j raised int()'s
    words, naming neither var nor correction."""
    for op in (tg.var, tg.std, tg.var_mean):
        with pytest.raises(TypeError, match=r"\(\): correction must be a real number"):
            op(tg.Tensor([1.0, 2.0, 4.0]), dim=0, correction=correction)
