"""Reductions, scans and softmax at the edges a review found against torch 2.13: 0-d tensors
with dim 0 / -1, empty inputs to softmax, integer and bool inputs to logsumexp / softmax
(int32 wrap-around), diff of bool tensors and a negative order."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")


def _check(out, want, x=None, xt=None):
    """Values, shape and dtype as torch's; with x/xt the gradient of out.sum() too."""
    got = np.asarray(out.numpy())
    ref = want.detach().numpy()
    assert got.shape == ref.shape and str(got.dtype) == str(ref.dtype), (got, ref)
    np.testing.assert_allclose(got, ref, rtol=1e-12, equal_nan=True)
    if x is not None and out.requires_grad:
        out.sum().backward()
        want.sum().backward()
        np.testing.assert_allclose(np.asarray(x.grad), xt.grad.numpy(), rtol=1e-10,
                                   equal_nan=True)


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name, kw", [
    ("sum", {}), ("mean", {}), ("prod", {}), ("amax", {}), ("amin", {}), ("nansum", {}),
    ("logsumexp", {}), ("var", {"correction": 0}), ("std", {"correction": 0}),
    ("norm", {"p": 2}), ("norm", {"p": 1}), ("cumsum", {}), ("cumprod", {}),
    ("softmax", {}), ("log_softmax", {}), ("logcumsumexp", {})])
def test_zero_dim_tensor_takes_dim_0_and_minus_1(name, kw, dim):
    x, xt = Tensor(np.array(-2.5), requires_grad=True), torch.tensor(-2.5, dtype=torch.float64,
                                                                  requires_grad=True)
    _check(getattr(x, name)(dim=dim, **kw), getattr(xt, name)(dim=dim, **kw), x, xt)


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_zero_dim_max_min_argmax_with_dim(dim, keepdim):
    for name in ("max", "min"):
        x, xt = Tensor(np.array(1.5), requires_grad=True), torch.tensor(1.5, dtype=torch.float64,
                                                                requires_grad=True)
        v, i = getattr(x, name)(dim=dim, keepdim=keepdim)
        vt, it = getattr(xt, name)(dim=dim, keepdim=keepdim)
        _check(i, it)
        _check(v, vt, x, xt)  # (the backward raised NumPy's AxisError for dim=0)
    for name in ("argmax", "argmin"):
        _check(getattr(Tensor(np.array(1.5)), name)(dim=dim, keepdim=keepdim),
               getattr(torch.tensor(1.5, dtype=torch.float64), name)(dim=dim, keepdim=keepdim))
    _check(Tensor(np.array(1.5)).count_nonzero(dim=dim), torch.tensor(1.5).count_nonzero(dim=dim))


def test_zero_dim_scan_stays_zero_dim_and_bad_dims_are_refused():
    for name in ("cumsum", "cumprod"):
        assert getattr(Tensor(np.array(3, dtype=np.int32)), name)(dim=0).shape == ()
        assert getattr(Tensor(np.array(3.0)), name)().shape == (1,)  # NumPy's flattened scan
        with pytest.raises(ValueError, match="axis 1"):
            getattr(Tensor(np.array(3.0)), name)(dim=1)
    for call in (lambda x: x.sum(dim=-2), lambda x: x.argmax(dim=1),
                 lambda x: x.count_nonzero(dim=1), lambda x: x.amax(dim=1)):
        with pytest.raises(ValueError, match="axis"):
            call(Tensor(np.array(3.0)))


@pytest.mark.parametrize("shape, dim", [((0,), 0), ((2, 0, 3), 1), ((2, 0, 3), -1)])
def test_softmax_of_an_empty_tensor_is_empty(shape, dim):
    for name in ("softmax", "log_softmax"):
        x = Tensor(np.zeros(shape), requires_grad=True)
        xt = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        _check(getattr(x, name)(dim=dim), getattr(xt, name)(dim=dim), x, xt)


def test_integer_softmax_and_logsumexp_do_not_wrap_around():
    a = np.array([[-2**31, 2**31 - 1], [3, -4]], dtype=np.int32)
    x, xt = Tensor(a), torch.tensor(a, dtype=torch.float64)
    for name in ("softmax", "log_softmax", "logsumexp"):
        _check(getattr(x, name)(dim=1), getattr(xt, name)(dim=1))  # softmax was [0.73, 0.27]
    _check(x.logcumsumexp(dim=1), xt.logcumsumexp(dim=1))
    # int8 and bool: float64, the default float dtype (NumPy's exp gives float16; bool - bool
    # was NumPy's TypeError)
    for b in (np.array([1, 0, 1], dtype=np.int8), np.array([True, False, True])):
        bt = torch.tensor(b).double()
        for name in ("softmax", "log_softmax", "logsumexp"):
            _check(getattr(Tensor(b), name)(dim=0), getattr(bt, name)(dim=0))


def test_diff_of_bool_is_logical_xor_and_negative_order_is_refused():
    m = np.array([[True, False, False, True], [False, False, True, True]])
    for n in (1, 2, 3):
        _check(Tensor(m).diff(n=n), torch.tensor(m).diff(n=n))
    _check(Tensor(m).diff(dim=0), torch.tensor(m).diff(dim=0))
    with pytest.raises(ValueError, match="diff: order n must be non-negative"):
        Tensor(np.array([1.0, 2.0])).diff(n=-1)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "nansum", "nanmean",
                                  "count_nonzero", "norm", "var", "std"])
@pytest.mark.parametrize("dims", [(), []])
def test_an_empty_dim_is_every_dim_as_torch(name, dims):
    a = np.arange(24.0).reshape(2, 3, 4)
    x, xt = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    # (torch 2.13's var/std backward with an empty dim is -inf everywhere; its value is
    # dim=None's, and so is the gradient here)
    tdims = None if name in ("var", "std") else dims
    _check(getattr(x, name)(dim=dims), getattr(xt, name)(dim=tdims), x, xt)  # was (2, 3, 4)


def test_empty_dim_spellings_torch_and_numpy():
    a = np.arange(24.0).reshape(2, 3, 4)
    x, xt = Tensor(a), torch.tensor(a)
    _check(x.sum([]), xt.sum([]))  # a list is torch's
    _check(x.mean(dim=[], keepdim=True), xt.mean(dim=[], keepdim=True))
    assert x.sum(axis=()).shape == x.sum(()).shape == (2, 3, 4)  # NumPy's: over no axis
    from tinygrad_dl import std_mean, var_mean
    for ours, theirs in ((var_mean, torch.var_mean), (std_mean, torch.std_mean)):
        for got, want in zip(ours(x, dim=()), theirs(xt, dim=())):
            _check(got, want)
    assert x.any(dim=()).shape == (2, 3, 4)  # torch's any/all reduce over no dim here


def test_quantile_refuses_a_q_that_requires_grad_under_linear():
    x = Tensor(np.array([[1.0, 5, 2], [3, 3, 0]]), requires_grad=True)
    q = Tensor(np.array([0.1, 0.9]), requires_grad=True)  # torch: a nonzero gradient to q
    for name in ("quantile", "nanquantile"):
        with pytest.raises(ValueError, match=f"{name}: a q that requires grad"):
            getattr(x, name)(q, dim=1)
        # piecewise constant in q: torch's gradient to q is 0, as here
        getattr(x, name)(q, dim=1, interpolation="lower").sum().backward()
        assert q.grad is None or not np.asarray(q.grad).any()
    qt = torch.tensor([0.1, 0.9], dtype=torch.float64)
    np.testing.assert_allclose(x.quantile(q.detach(), dim=1).numpy(),
                               torch.tensor(x.numpy()).quantile(qt, dim=1).numpy(), rtol=1e-12)


UNARY_FLOAT = ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "arcsin", "arccos",
               "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "expm1", "log1p",
               "log2", "log10", "exp2", "softplus", "silu", "rsqrt"]


@pytest.mark.parametrize("dt", [np.int8, np.uint8, np.int16, np.bool_])
def test_float_unary_ops_of_small_integers_are_float64(dt):
    """NumPy's ufuncs gave int8, uint8 and bool input float16 results (exp of an int8 to 3
    digits, without a word) and int16 float32, where the project's rule (docs/pytorch.md) is
    float64; sigmoid, softplus and silu of bools raised NumPy's TypeError (the reductions
    review's leftover)."""
    a = np.array([1, 0, 1, 1], dtype=dt)
    with np.errstate(all="ignore"):
        for name in UNARY_FLOAT:
            y = getattr(Tensor(a), name)()
            assert y.dtype == np.float64, name
            ref = getattr(Tensor(a.astype(np.float64)), name)().data
            np.testing.assert_array_equal(y.data, ref, err_msg=name)
    assert Tensor(a).square().dtype == np.dtype(dt) or dt is np.bool_  # (an int's square: int)
