"""Review of sorting, counting, statistics and comparison ops against torch 2.13: the cases
where a value or gradient came out wrong without a word."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")


def _grads(fn_tg, fn_torch, x, g):
    t = Tensor(x.copy(), requires_grad=True)
    (fn_tg(t) * Tensor(g)).sum().backward()
    th = torch.tensor(x.copy(), requires_grad=True)
    (fn_torch(th) * torch.tensor(g)).sum().backward()
    return np.asarray(t.grad), th.grad.numpy()


@pytest.mark.parametrize("correction", [0.5, 1.5, 2.25])
@pytest.mark.parametrize("op", ["var", "std"])
def test_a_fractional_correction_is_not_truncated(op, correction):
    # correction=0.5 was int()-ed to 0: var divided by n, torch's by n - 0.5
    x = np.random.default_rng(1).standard_normal((3, 6))
    ours = getattr(Tensor(x), op)(dim=1, correction=correction).data
    theirs = getattr(torch, op)(torch.tensor(x), 1, correction=correction).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    g = np.ones(3)
    a, b = _grads(lambda t: getattr(t, op)(dim=1, correction=correction),
                  lambda t: getattr(torch, op)(t, 1, correction=correction), x, g)
    np.testing.assert_allclose(a, b, rtol=1e-10)
    mean_fn = getattr(tg, f"{op}_mean")
    np.testing.assert_allclose(mean_fn(Tensor(x), 1, correction=correction)[0].data, theirs,
                               rtol=1e-12)


def test_cov_of_an_integer_input_keeps_fractional_aweights():
    # the aweights were cast to the input's int64: 0.5 -> 0, 1.5 -> 1 (cov [[2, 0], [0, 0]])
    x = np.array([[1, 2, 4, 7], [0, 1, 1, 3]])
    aw, fw = np.array([0.5, 1.5, 2.5, 0.25]), np.array([1, 0, 2, 3])
    ref = torch.cov(torch.tensor(x, dtype=torch.float64), aweights=torch.tensor(aw))
    np.testing.assert_allclose(Tensor(x).cov(aweights=Tensor(aw)).data, ref.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tg.cov(x, aweights=aw).data, ref.numpy(), rtol=1e-12)
    ref = torch.cov(torch.tensor(x, dtype=torch.float64), fweights=torch.tensor(fw),
                    aweights=torch.tensor(aw))
    np.testing.assert_allclose(Tensor(x).cov(fweights=Tensor(fw), aweights=Tensor(aw)).data,
                               ref.numpy(), rtol=1e-12)


def test_isclose_compares_integers_exactly():
    # np.isclose read int64 as float64: 2**60 and 2**60 + 1 were "close" with rtol=atol=0
    a, b = np.array([2**60, 5, -(2**63), 2**62]), np.array([2**60 + 1, 5, 2**63 - 1, 2**62])
    ref = torch.isclose(torch.tensor(a), torch.tensor(b), rtol=0, atol=0).numpy()
    np.testing.assert_array_equal(Tensor(a).isclose(Tensor(b), rtol=0, atol=0).data, ref)
    assert not Tensor(a[:1]).allclose(Tensor(b[:1]), rtol=0, atol=0)
    assert not tg.isclose(Tensor(np.array([2**60])), 2**60 + 1, rtol=0, atol=0).data.any()
    # with a tolerance, the gap is exact too (torch's is in float32: it calls 2**62 and
    # 2**62 + 64 close within atol=1; we do not), small integers as torch's
    assert not Tensor(np.array([2**62])).isclose(2**62 + 64, rtol=0, atol=1).data.any()
    assert Tensor(np.array([2**62])).isclose(2**62 + 64, rtol=0, atol=64).data.all()
    x, y = np.array([10, 10, -3, 0, 7]), np.array([12, 11, -4, 1, 7])
    for rtol, atol in ((0.0, 1.0), (0.1, 0.0), (1e-5, 1e-8)):
        ref = torch.isclose(torch.tensor(x), torch.tensor(y), rtol=rtol, atol=atol).numpy()
        np.testing.assert_array_equal(Tensor(x).isclose(Tensor(y), rtol, atol).data, ref)
    # floats as before (NumPy's isclose), a mixed int/float pair too
    assert Tensor(np.array([1, 2])).isclose(Tensor(np.array([1.0, 2.0 + 1e-9]))).data.all()


@pytest.mark.parametrize("kw", [{"rtol": -1e-5}, {"atol": -1.0}])
def test_isclose_refuses_a_negative_tolerance(kw):
    x = Tensor(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="isclose: rtol and atol must be >= 0"):
        x.isclose(x, **kw)
    with pytest.raises(ValueError, match="allclose: rtol and atol must be >= 0"):
        x.allclose(x, **kw)


def test_diff_of_order_zero_ignores_prepend_and_append():
    # n=0 returned prepend + x + append joined; torch and NumPy give x
    x = np.array([[1.0, 4.0, 9.0], [2.0, 3.0, 5.0]])
    ref = torch.diff(torch.tensor(x), 0, 0, prepend=torch.ones(1, 3, dtype=torch.float64),
                     append=torch.zeros(2, 3, dtype=torch.float64))
    out = Tensor(x).diff(0, 0, prepend=Tensor(np.ones((1, 3))), append=Tensor(np.zeros((2, 3))))
    np.testing.assert_array_equal(out.data, ref.numpy())
    np.testing.assert_array_equal(np.diff(x, 0, 0, prepend=np.ones((1, 3))), out.data)


def test_topk_of_zero_of_a_0d_tensor_is_one_clear_error():
    # it failed inside Reshape ("cannot reshape array of size 0 into shape ()")
    with pytest.raises(ValueError, match="topk: k=0 of a 0-d tensor"):
        Tensor(np.array(2.5)).topk(0)
    v, i = Tensor(np.array(2.5)).topk(1)
    assert v.shape == () and float(v.data) == 2.5 and int(i.data) == 0


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std_and_cov_of_complex_values_use_the_modulus(correction):
    # var summed c * c, not |c|^2: var([1+2j, 3-1j, -2+.5j]) was 4.08-3j (torch: 8.58, real);
    # cov multiplied by X^T, not X^H (and Tensor.conj() returned x itself)
    a = np.array([[1 + 2j, 3 - 1j, -2 + 0.5j, 0.25j], [2, 1j, 1, -1 - 1j]])
    for op in ("var", "std"):
        ours = getattr(Tensor(a), op)(dim=1, correction=correction).data
        theirs = getattr(torch, op)(torch.tensor(a), 1, correction=correction).numpy()
        assert ours.dtype == theirs.dtype == np.float64
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(Tensor(a[0]).var().data, np.var(a[0]), rtol=1e-12)
    ref = torch.cov(torch.tensor(a), correction=correction).numpy()
    np.testing.assert_allclose(Tensor(a).cov(correction=correction).data, ref, rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(Tensor(a).corrcoef().data, torch.corrcoef(torch.tensor(a)),
                               rtol=1e-12, atol=1e-15)


def test_conj_real_imag_and_adjoint_of_a_complex_tensor():
    a = np.array([[1 + 2j, 3 - 1j], [0.5j, 2.0 + 0j]])
    t, th = Tensor(a), torch.tensor(a)
    np.testing.assert_array_equal(t.conj().data, th.conj().resolve_conj().numpy())
    np.testing.assert_array_equal(t.real.data, th.real.numpy())
    np.testing.assert_array_equal(t.imag.data, th.imag.numpy())
    np.testing.assert_array_equal(t.adjoint().data, th.adjoint().resolve_conj().numpy())
    np.testing.assert_array_equal(t.mH.data, th.mH.resolve_conj().numpy())
    r = Tensor(np.ones((2, 2)), requires_grad=True)  # a real tensor: itself, as before
    assert r.conj() is r and r.real is r


def test_float16_means_and_spreads_of_more_than_65504_values():
    # the count (or n - 1) is inf in float16: nanmean of 70000 halves was 0, var nan, std 0,
    # and mean's gradient 0 (g / 70000 in float16)
    a = np.random.default_rng(2).standard_normal(70000).astype(np.float16)
    a[0] = np.nan
    ours, theirs = Tensor(a).nanmean(), torch.nanmean(torch.tensor(a))
    assert ours.dtype == np.float16
    np.testing.assert_allclose(float(ours.data), float(theirs), rtol=2e-3)  # (was 0)
    b = a[1:]
    for op in ("var", "std"):
        ours, theirs = getattr(Tensor(b), op)(dim=0), getattr(torch, op)(torch.tensor(b), 0)
        assert ours.dtype == np.float16
        np.testing.assert_allclose(float(ours.data), float(theirs), rtol=2e-3)
        x = Tensor(b, requires_grad=True)
        getattr(x, op)(dim=0).backward()
        assert np.asarray(x.grad).dtype == np.float16 and np.abs(np.asarray(x.grad)).max() > 0
    x = Tensor(b, requires_grad=True)
    x.mean().backward()
    np.testing.assert_array_equal(np.asarray(x.grad)[:3], np.full(3, 1 / b.size, np.float16))
