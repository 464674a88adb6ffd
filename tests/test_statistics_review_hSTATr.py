"""Second review of the statistics fixes (cov's aweights scaling and round-off divisor, std's
gradient at correction >= n, ddof_of's refusals): cov's weighted divisor against exact
fractions, its dtype, complex input and warnings against torch 2.13 and NumPy, and the
correction/ddof/unbiased refusals of every spelling.
"""

import warnings
from fractions import Fraction

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _exact_cov(x, fw, aw, c):
    """torch.cov's definition in exact fractions (a divisor <= 0: +-inf, 0 / 0 NaN)."""
    x = np.atleast_2d(x)
    n = x.shape[1]
    f = [Fraction(1)] * n if fw is None else [Fraction(int(v)) for v in fw]
    a = [Fraction(1)] * n if aw is None else [Fraction(float(v)) for v in aw]
    w = [fi * ai for fi, ai in zip(f, a)]
    tot = sum(w)
    fac = tot - c * (sum(wi * ai for wi, ai in zip(w, a)) / tot if aw is not None else 1)
    rows = [[Fraction(float(v)) for v in r] for r in x]
    av = [sum(wi * v for wi, v in zip(w, r)) / tot for r in rows]
    out = np.empty((len(rows), len(rows)))
    for i in range(len(rows)):
        for j in range(len(rows)):
            num = sum(wk * (rows[i][k] - av[i]) * (rows[j][k] - av[j]) for k, wk in enumerate(w))
            out[i, j] = float(num / fac) if fac > 0 else (
                np.nan if num == 0 else np.inf if num > 0 else -np.inf)
    return out


@pytest.mark.parametrize("aw,fw", [([1.0, 1e-10], None), ([1.0, 1e-15], None),
                                   ([1.0, 3e-16], None), ([1.0, 1e-16], None),
                                   ([1.0, 1e-17, 1e-17], None), ([1.0, 1e-16], [3, 1]),
                                   ([6.7e-3, 2.3e-18], [1, 2]), ([1.0, 2e-9, 0.0], [2, 1, 4])])
def test_cov_weighted_divisor_is_exact_for_very_unequal_weights(aw, fw):
    """total - correction sum(w aw) / total lost every digit to cancellation where one weight
    dominates: aweights [1, 1e-10] gave cov([0, 1]) 0.49999996, [1, 1e-15] 0.45 without a word,
    [1, 1e-16] inf (with a warning) for the exact 0.5 (torch's: 0.49999996, 0.45, inf)."""
    x = np.array([[0.0, 1.0, 2.5][:len(aw)], [1.0, -2.0, 0.5][:len(aw)]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no degrees-of-freedom warning: there are some)
        got = tg.cov(tg.Tensor(x), aweights=np.array(aw), fweights=fw).data
    np.testing.assert_allclose(got, _exact_cov(x, fw, aw, 1), rtol=1e-13)


def test_cov_random_weights_against_exact_fractions():
    r = np.random.default_rng(11)
    for _ in range(150):
        n, v = int(r.integers(1, 6)), int(r.integers(1, 3))
        x = r.standard_normal((v, n)).round(int(r.integers(0, 4)))
        fw = r.integers(0, 4, size=n) if r.random() < 0.4 else None
        aw = 10.0 ** r.uniform(-20, 0, size=n) if r.random() < 0.5 else r.random(n)
        aw[r.random(n) < 0.15] = 0
        c = int(r.integers(-1, 3))
        if ((np.ones(n) if fw is None else fw) * (aw > 0)).sum() == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = tg.cov(tg.Tensor(x), fweights=fw, aweights=aw, correction=c).data
        np.testing.assert_allclose(got, _exact_cov(x, fw, aw, c), rtol=1e-12,
                                   err_msg=f"{x} {fw} {aw} {c}")


def test_cov_aweights_gradient_matches_torch_and_differences():
    r = np.random.default_rng(4)
    for k in range(30):
        n = int(r.integers(2, 6))
        x, aw = r.standard_normal((2, n)), r.random(n) + 0.1
        fw = r.integers(1, 4, size=n) if k % 2 else None
        g = r.standard_normal((2, 2))
        ox, oa = tg.Tensor(x.copy(), requires_grad=True), tg.Tensor(aw.copy(), requires_grad=True)
        (tg.cov(ox, aweights=oa, fweights=fw) * tg.Tensor(g)).sum().backward()
        tx, ta = torch.tensor(x, requires_grad=True), torch.tensor(aw, requires_grad=True)
        (torch.cov(tx, aweights=ta, fweights=None if fw is None else torch.tensor(fw))
         * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(oa.grad.data, ta.grad.numpy(), rtol=1e-8, atol=1e-11)
        for i in range(n):  # central differences in aweights[i]
            d = np.zeros(n)
            d[i] = 1e-6
            fd = [(tg.cov(tg.Tensor(x), aweights=aw + s * d, fweights=fw).data * g).sum()
                  for s in (1, -1)]
            assert abs((fd[0] - fd[1]) / 2e-6 - oa.grad.data[i]) < 1e-6
        # scaled aweights: the same covariance, the gradient divided by the scale
        big = tg.Tensor(aw * 1e200, requires_grad=True)
        (tg.cov(tg.Tensor(x), aweights=big, fweights=fw) * tg.Tensor(g)).sum().backward()
        np.testing.assert_allclose(big.grad.data * 1e200, ta.grad.numpy(), rtol=1e-8, atol=1e-11)


def test_cov_of_complex_data_with_weights_matches_torch():
    """The round-off threshold took float() of the complex total: TypeError (its parent
    computed it; the weights now stay real)."""
    x = np.array([[1 + 1j, 2, 4 - 2j], [0, 3j, 1]])
    for kw in ({"aweights": [1.0, 2.0, 3.0]}, {"aweights": [1.0, 2.0, 3.0], "fweights": [1, 2, 1]},
               {"aweights": [0.5, 1e-12, 3.0], "correction": 0}):
        want = torch.cov(torch.tensor(x), **{
            k: torch.tensor(np.array(v)) if isinstance(v, list) else v for k, v in kw.items()})
        got = tg.cov(tg.Tensor(x), **kw)
        assert got.dtype == np.complex128
        np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("xdt,adt", [(np.float32, np.float64), (np.float64, np.float32),
                                     (np.float32, np.float32), (np.float32, np.float16),
                                     (np.complex64, np.float64)])
def test_cov_dtype_is_data_and_aweights_promoted(xdt, adt):
    """float32 data with float64 aweights gave float32, where torch and np.cov give float64."""
    x = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]])
    aw = np.array([0.1, 2.0, 3.0]).astype(adt)
    want = torch.cov(torch.tensor(x.astype(xdt)), aweights=torch.tensor(aw))
    got = tg.cov(tg.Tensor(x.astype(xdt)), aweights=tg.Tensor(aw))
    assert got.dtype == np.dtype(str(want.dtype).replace("torch.", ""))
    if xdt is np.float32 and adt is np.float64:
        assert got.dtype == np.cov(x.astype(xdt), aweights=aw).dtype
        np.testing.assert_allclose(got.data, np.cov(x, aweights=aw), rtol=1e-14)


def test_cov_aweights_as_python_floats_keep_float32():
    """A list or tuple of Python floats is weak, as a Python number beside a float32 tensor."""
    x = tg.Tensor(np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]], np.float32))
    for aw in ([0.5, 1.0, 2.0], (0.5, 1.0, 2.0)):
        assert tg.cov(x, aweights=aw, fweights=[1, 2, 1]).dtype == np.float32


def test_cov_warns_once_at_the_callers_line():
    """NumPy's own divide warning came second, from ops/elementwise.py."""
    for f in (lambda: tg.cov(tg.Tensor([1.0, 2.0]), correction=3),
              lambda: tg.Tensor([1.0, 2.0]).cov(aweights=[1.0, 0.0])):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            f()
        assert [(str(w.message)[:30], w.filename) for w in rec] == [
            ("cov: degrees of freedom <= 0 (", __file__)]


def test_cov_names_aweights_lost_past_the_range():
    """1e-300 beside 1e300 is past float64's range once scaled: one observation left (NaN, not
    the exact 0.5); the warning says why rather than only 'degrees of freedom <= 0'."""
    with pytest.warns(RuntimeWarning, match="1 aweights past float64's range below the largest"):
        assert np.isnan(tg.cov(tg.Tensor([0.0, 1.0]), aweights=np.array([1e300, 1e-300])).item())


def test_cov_inf_aweight_is_nan_without_a_degrees_of_freedom_warning():
    """inf / inf in the divisor is NaN, which the round-off rule turned into 0 and a warning of
    no degrees of freedom (there are some: the weight is what is wrong)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        got = tg.cov(tg.Tensor([0.0, 1.0, 3.0]), aweights=np.array([1.0, np.inf, 2.0]))
    assert np.isnan(got.item())
    assert not [w for w in rec if "degrees of freedom" in str(w.message)]


@pytest.mark.parametrize("correction", ["1", None, 0.5, [1], 1j, np.array("1"), float("nan")])
def test_cov_correction_that_is_no_integer_is_refused_in_one_line(correction):
    """torch.cov and np.cov take an integer: "1" and None failed in cov's arithmetic naming no
    argument, 0.5 computed."""
    with pytest.raises(TypeError, match=r"cov\(\): correction must be (a real number|an integer)"):
        tg.cov(tg.Tensor([1.0, 2.0, 4.0]), correction=correction)


_T = tg.Tensor([1.0, 2.0, 4.0])
SPELLINGS = {"np.var": lambda **k: np.var(_T, **k), "np.std": lambda **k: np.std(_T, **k),
             "Tensor.var": lambda **k: _T.var(**k), "tg.std": lambda **k: tg.std(_T, **k)}


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("ddof", ["1", b"1", None, [1], 1j, np.array("1")])
def test_ddof_that_is_no_real_number_is_refused_naming_the_op(spelling, ddof):
    """A str ddof failed inside var's arithmetic ("unsupported operand type(s) for -: 'int'
    and 'str'"), naming neither var nor ddof."""
    with pytest.raises(TypeError, match=r"(var|std)\(\): ddof must be a real number"):
        SPELLINGS[spelling](ddof=ddof)


@pytest.mark.parametrize("op", [tg.var, tg.std, tg.var_mean, tg.std_mean])
def test_correction_as_a_0d_string_array_is_refused(op):
    """np.array("1") passed the str check and int() made it 1."""
    with pytest.raises(TypeError, match=r"correction must be a real number"):
        op(_T, dim=0, correction=np.array("1"))


@pytest.mark.parametrize("unbiased", ["False", "0", 2, 0.5, [True]])
def test_unbiased_that_is_no_bool_is_refused(unbiased):
    """bool("False") is True: unbiased="False" gave the unbiased variance (torch takes a bool)."""
    for op in (tg.var, tg.std, tg.var_mean):
        with pytest.raises(TypeError, match=r"unbiased must be True or False"):
            op(_T, dim=0, unbiased=unbiased)
    for ok, want in ((False, 14 / 9), (True, 7 / 3), (np.bool_(False), 14 / 9), (1, 7 / 3)):
        assert abs(tg.var(_T, dim=0, unbiased=ok).item() - want) < 1e-15


@pytest.mark.parametrize("name", ["t.var", "t.std", "tg.var", "tg.std", "np.var", "np.std",
                                  "var_mean", "std_mean"])
def test_degrees_of_freedom_warning_points_at_the_callers_line(name):
    """stacklevel=4 reached the caller only from t.var: tg.var's pointed into methods.py,
    t.std's into reductions.py, np.var's into NumPy's fromnumeric.py."""
    t = tg.Tensor([1.0, 2.0], requires_grad=True)
    f = {"t.var": lambda: t.var(ddof=3), "t.std": lambda: t.std(ddof=3),
         "tg.var": lambda: tg.var(t, correction=3), "tg.std": lambda: tg.std(t, correction=3),
         "np.var": lambda: np.var(t, ddof=3), "np.std": lambda: np.std(t, ddof=3),
         "var_mean": lambda: tg.var_mean(t, correction=3)[0],
         "std_mean": lambda: tg.std_mean(t, correction=3)[0]}[name]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = f()
    assert [(str(w.message), w.filename) for w in rec] == [
        ("Degrees of freedom <= 0 for slice", __file__)]
    assert out.item() == np.inf


def test_std_and_var_gradients_below_no_degrees_of_freedom_match_torch():
    """std's backward changed only at correction >= n: elsewhere torch's gradient (random
    shapes, dims, corrections 0, 0.5, 1)."""
    r = np.random.default_rng(8)
    for _ in range(60):
        shape = tuple(int(r.integers(2, 5)) for _ in range(int(r.integers(1, 4))))
        x, dim = r.standard_normal(shape), int(r.integers(0, len(shape)))
        for op in ("var", "std"):
            c = [0, 0.5, 1][int(r.integers(3))]
            ox, tx = tg.Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
            g = r.standard_normal(np.delete(shape, dim))
            (getattr(tg, op)(ox, dim=dim, correction=c) * tg.Tensor(g)).sum().backward()
            (getattr(torch, op)(tx, dim=dim, correction=c) * torch.tensor(g)).sum().backward()
            np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-11, atol=1e-14)
