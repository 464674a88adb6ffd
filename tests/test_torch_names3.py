"""More of PyTorch's names (tensor/: bitwise, counting, inplace_forms, ...; functional/:
tensor_functions, sampling, recurrent, ...; linalg/torch_norms.py, nn.Buffer), each compared
with torch 2.13: values, gradients, dtypes and refusals. Before, each name was an AttributeError."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X34 = RNG.normal(size=(3, 4))


def _t(a: np.ndarray, grad: bool = False) -> tuple[Tensor, object]:
    return Tensor(a.copy(), requires_grad=grad), torch.tensor(a.copy(), requires_grad=grad)


def _close(ours: object, theirs: object, rtol: float = 1e-12) -> None:
    o = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    t = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert o.shape == t.shape, (o.shape, t.shape)
    assert o.dtype == t.dtype, (o.dtype, t.dtype)
    np.testing.assert_allclose(o, t, rtol=rtol, atol=1e-14, equal_nan=True)


# ---- predicates and no-op conversions ------------------------------------------------------------
@pytest.mark.parametrize("name", ["is_signed", "is_complex", "is_conj", "is_neg",
                                  "is_inference"])
@pytest.mark.parametrize("a", [np.zeros(2), np.zeros(2, np.uint8), np.zeros(2, bool),
                               np.zeros(2, np.int16)])
def test_predicates_as_torch(name: str, a: np.ndarray) -> None:
    assert getattr(tg, name)(Tensor(a)) == getattr(torch, name)(torch.tensor(a))


def test_is_same_size_resolve_and_detach_() -> None:
    a, b = Tensor(np.zeros((2, 3))), Tensor(np.zeros((3, 2)))
    assert tg.is_same_size(a, a) and not tg.is_same_size(a, b)
    assert tg.resolve_conj(a) is a.resolve_conj() or np.array_equal(tg.resolve_conj(a).data,
                                                                     a.data)
    np.testing.assert_array_equal(tg.resolve_neg(a).data, a.data)
    x = Tensor(np.ones(2), requires_grad=True)
    y = x * 2
    assert tg.detach_(y) is y and not y.requires_grad
    with pytest.raises(TypeError, match="is_signed\\(\\): argument 'input' must be a Tensor"):
        tg.is_signed(np.zeros(2))


def test_H_is_the_matrix_transpose_and_refuses_other_ndims() -> None:
    x, tx = _t(X34, True)
    x.H.backward(np.arange(12.0).reshape(4, 3))
    tx.H.backward(torch.arange(12.0, dtype=torch.float64).reshape(4, 3))
    _close(x.H, tx.H)
    _close(x.grad, tx.grad)
    for shape in [(3,), (2, 2, 2)]:
        with pytest.raises(RuntimeError) as theirs:
            _ = torch.zeros(shape).H
        with pytest.raises(RuntimeError) as ours:
            _ = Tensor(np.zeros(shape)).H
        assert str(ours.value) == str(theirs.value).replace("\n", "")
    with pytest.warns(UserWarning, match="Tensor.H is deprecated on 0-D tensors"):
        assert Tensor(np.float64(2.0)).H.shape == ()


# ---- in-place forms ------------------------------------------------------------------------------
_X = np.array([0.3, 0.7, 1.4])
_INPLACE = {
    "sinc_": ((), _X), "lgamma_": ((), _X), "digamma_": ((), _X), "erfinv_": ((), _X - 0.6),
    "i0_": ((), _X), "polygamma_": ((2,), _X), "mvlgamma_": ((2,), _X + 1),
    "arccosh_": ((), _X + 1), "arcsinh_": ((), _X), "arctanh_": ((), _X - 0.5),
    "floor_divide_": ((np.array([0.2, -0.3, 0.5]),), _X),
    "renorm_": ((2, 0, 0.5), X34), "igamma_": ((np.array([0.5, 2.0, 3.0]),), _X),
    "igammac_": ((np.array([0.5, 2.0, 3.0]),), _X),
    "addmv_": ((X34, np.arange(4.0)), np.ones(3)),
    "addr_": ((np.arange(3.0), np.arange(4.0)), X34),
    "addbmm_": ((RNG.normal(size=(2, 3, 2)), RNG.normal(size=(2, 2, 4))), X34),
    "baddbmm_": ((RNG.normal(size=(2, 3, 2)), RNG.normal(size=(2, 2, 4))),
                 RNG.normal(size=(2, 3, 4))),
}


@pytest.mark.parametrize("name", sorted(_INPLACE))
def test_inplace_forms_write_torchs_values(name: str) -> None:
    args, x0 = _INPLACE[name]
    x, tx = Tensor(x0.copy()), torch.tensor(x0.copy())
    ours = getattr(x, name)(*(Tensor(a) if isinstance(a, np.ndarray) else a for a in args))
    getattr(tx, name)(*(torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args))
    assert ours is x
    _close(x, tx, rtol=1e-10)
    leaf = Tensor(x0.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match=f"Tensor.{name}.*a leaf Variable that requires grad"):
        getattr(leaf, name)(*(Tensor(a) if isinstance(a, np.ndarray) else a for a in args))
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        getattr(torch.tensor(x0.copy(), requires_grad=True), name)(
            *(torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args))


@pytest.mark.parametrize("name", ["sinc_", "lgamma_", "digamma_", "erfinv_", "i0_",
                                  "arcsinh_"])
def test_inplace_forms_refuse_an_integer_tensor_as_torch(name: str) -> None:
    with pytest.raises(RuntimeError, match="can't be cast"):
        getattr(torch.tensor([1, 2]), name)()
    with pytest.raises(TypeError, match=f"Tensor.{name}.*same_kind"):
        getattr(Tensor(np.array([1, 2])), name)()


def test_inplace_bumps_the_version_and_top_level_forms() -> None:
    x = Tensor(_X.copy())
    y = x * 1.0  # (x's array saved by nothing: the write is allowed)
    for name in ("sinc_", "i0_", "arcsinh_"):
        tx = torch.tensor(_X.copy())
        getattr(tg, name)(x)
        getattr(torch, name)(tx)
        _close(x, tx)
        x = Tensor(_X.copy())
    x, tx = Tensor(_X + 1), torch.tensor(_X + 1)
    tg.arccosh_(x)
    torch.arccosh_(tx)
    _close(x, tx)
    a, ta = Tensor(np.ones(3)), torch.ones(3, dtype=torch.float64)
    tg.addmv_(a, Tensor(X34), Tensor(np.ones(4)), beta=0.5, alpha=2)
    torch.addmv_(ta, torch.tensor(X34), torch.ones(4, dtype=torch.float64), beta=0.5, alpha=2)
    _close(a, ta)
    assert y.shape == (3,)
    with pytest.raises(TypeError, match="sinc_\\(\\): argument 'input' must be a Tensor"):
        tg.sinc_(np.ones(2))


def test_floor_divide_and_shift_inplace_on_ints() -> None:
    x, tx = Tensor(np.array([7, -7, 5])), torch.tensor([7, -7, 5])
    x.floor_divide_(2)
    tx.floor_divide_(2)
    _close(x, tx)
    x.bitwise_left_shift_(3)
    tx.bitwise_left_shift_(3)
    _close(x, tx)
    x >>= 1
    tx >>= 1
    _close(x, tx)
    x <<= Tensor(np.array([1, 70, -1]))
    tx <<= torch.tensor([1, 70, -1])
    _close(x, tx)


# ---- angle, shifts -------------------------------------------------------------------------------
def test_angle_values_dtype_and_zero_gradient() -> None:
    a = np.array([-1.0, 0.0, 2.0, np.nan, -0.0, np.inf, -np.inf])
    x, tx = _t(a, True)
    y, ty = tg.angle(x), torch.angle(tx)
    _close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    _close(x.grad, tx.grad)
    for ints in (np.array([-3, 0, 4]), np.array([True, False])):
        _close(Tensor(ints).angle(), torch.tensor(ints).angle())


@pytest.mark.parametrize("dt", [np.int8, np.uint8, np.int16, np.int32, np.int64])
def test_shifts_as_torch_for_every_integer_dtype(dt: type) -> None:
    info = np.iinfo(dt)
    a = RNG.integers(info.min, info.max, size=40, endpoint=True).astype(dt)
    bits = np.dtype(dt).itemsize * 8
    b = RNG.integers(-3 if info.min < 0 else 0, bits + 4, size=40).astype(dt)
    for name in ("bitwise_left_shift", "bitwise_right_shift"):
        ours = getattr(tg, name)(Tensor(a), Tensor(b))
        theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
        _close(ours, theirs)
        for s in (0, 1, bits - 1, bits, bits + 5):
            _close(getattr(Tensor(a), name)(s), getattr(torch.tensor(a), name)(s))
    _close(Tensor(a) << 2, torch.tensor(a) << 2)
    _close(Tensor(a) >> 2, torch.tensor(a) >> 2)


def test_shifts_promote_and_refuse_as_torch() -> None:
    a8, a64 = np.array([1, 2], np.int8), np.array([3, 1])
    _close(tg.bitwise_left_shift(Tensor(a8), Tensor(a64)),
           torch.bitwise_left_shift(torch.tensor(a8), torch.tensor(a64)))
    _close(tg.bitwise_left_shift(3, Tensor(a8)), torch.bitwise_left_shift(3, torch.tensor(a8)))
    _close(2 << Tensor(a64), 2 << torch.tensor(a64))
    for bad, other in ((np.array([1.0]), 1), (np.array([True]), np.array([True]))):
        t_other = torch.tensor(other) if isinstance(other, np.ndarray) else other
        o_other = Tensor(other) if isinstance(other, np.ndarray) else other
        with pytest.raises(NotImplementedError):
            torch.bitwise_left_shift(torch.tensor(bad), t_other)
        with pytest.raises(TypeError, match="bitwise_left_shift: expects integer tensors"):
            tg.bitwise_left_shift(Tensor(bad), o_other)
    b = np.array([True, False])  # (a bool tensor with a Python int: int64, as torch's)
    _close(Tensor(b).bitwise_left_shift(3), torch.tensor(b).bitwise_left_shift(3))
    _close(Tensor(b) >> 0, torch.tensor(b) >> 0)


# ---- histogram, histogramdd ----------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(bins=5), dict(bins=3, range=(-1.0, 1.0)), dict(),
                                dict(bins=4, density=True), dict(bins=np.array([-2.0, 0.0, 0.5,
                                                                                3.0]))])
@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_histogram_as_torch(kw: dict, dt: type) -> None:
    a = np.concatenate([RNG.normal(size=30), [0.0, 0.5, -1.0, 1.0]]).astype(dt)
    w = RNG.random(a.shape).astype(dt)
    tkw = {k: (torch.tensor(v.astype(dt)) if isinstance(v, np.ndarray) else v)
           for k, v in kw.items()}
    okw = {k: (Tensor(v.astype(dt)) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    for weight in (None, w):
        ours = Tensor(a).histogram(**okw, weight=None if weight is None else Tensor(weight))
        theirs = torch.histogram(torch.tensor(a), **tkw,
                                 weight=None if weight is None else torch.tensor(weight))
        _close(ours.hist, theirs.hist, rtol=1e-5 if dt == np.float32 else 1e-12)
        _close(ours.bin_edges, theirs.bin_edges, rtol=1e-6 if dt == np.float32 else 1e-12)


def test_histogram_edges_cases_and_refusals() -> None:
    for a in (np.array([2.0, 2.0]), np.zeros(0), np.array([1.0, np.nan, 2.0])):
        kw = dict(range=(0.0, 3.0)) if np.isnan(a).any() else {}
        ours, theirs = Tensor(a).histogram(3, **kw), torch.histogram(torch.tensor(a), 3, **kw)
        _close(ours.hist, theirs.hist)
        _close(ours.bin_edges, theirs.bin_edges)
    with pytest.raises(TypeError, match="histogram: expects a float tensor"):
        Tensor(np.array([1, 2])).histogram(3)
    with pytest.raises(ValueError, match="histogram: min should not exceed max"):
        Tensor(np.array([1.0])).histogram(3, range=(2.0, 1.0))


def test_histogramdd_as_torch() -> None:
    pts = RNG.normal(size=(50, 2))
    w = RNG.random(50)
    for bins, kw in (([3, 4], {}), (2, dict(range=[-1.0, 1.0, -2.0, 2.0])),
                     ([3, 2], dict(density=True))):
        for weight in (None, w):
            ours = tg.histogramdd(Tensor(pts), bins, weight=None if weight is None else
                                  Tensor(weight), **kw)
            theirs = torch.histogramdd(torch.tensor(pts), bins, weight=None if weight is None
                                       else torch.tensor(weight), **kw)
            _close(ours[0], theirs.hist)
            for e, te in zip(ours[1], theirs.bin_edges):
                _close(e, te)


# ---- copies and splits ---------------------------------------------------------------------------
_COPIES = {
    "t_copy": ((), ()), "view_copy": (((4, 3),), ((4, 3),)), "permute_copy": (((1, 0),),) * 2,
    "transpose_copy": ((0, 1),) * 2, "squeeze_copy": ((), ()),
    "unsqueeze_copy": ((1,),) * 2, "expand_copy": (((2, 3, 4),),) * 2,
    "diagonal_copy": ((1,),) * 2, "select_copy": ((1, -1),) * 2,
    "slice_copy": ((1, 1, 100, 2),) * 2, "unfold_copy": ((1, 2, 1),) * 2,
    "alias_copy": ((), ()), "narrow_copy": ((1, 1, 2),) * 2,
}


@pytest.mark.parametrize("name", sorted(_COPIES))
def test_copies_as_torch_with_gradients(name: str) -> None:
    args, targs = _COPIES[name]
    x, tx = _t(X34, True)
    y, ty = getattr(tg, name)(x, *args), getattr(torch, name)(tx, *targs)
    _close(y, ty)
    g = RNG.normal(size=ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    _close(x.grad, tx.grad)
    assert not np.shares_memory(y.data, x.data)


@pytest.mark.parametrize("name,args", [("split_copy", (2, 1)), ("unbind_copy", (1,)),
                                       ("split_with_sizes_copy", ([1, 2], 0)),
                                       ("split_with_sizes", ([1, 0, 2],)),
                                       ("unsafe_split", (3, 1)), ("unsafe_chunk", (3, 1)),
                                       ("unsafe_split_with_sizes", ([3, 1], 1))])
def test_split_spellings_as_torch(name: str, args: tuple) -> None:
    x, tx = _t(X34, True)
    ours, theirs = getattr(tg, name)(x, *args), getattr(torch, name)(tx, *args)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        _close(o, t)
    tg.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(ours)]).sum().backward()
    torch.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(theirs)]).sum().backward()
    _close(x.grad, tx.grad)
    if name.startswith("unsafe"):
        method = getattr(Tensor(X34), name)(*args)
        assert [m.shape for m in method] == [tuple(t.shape) for t in theirs]


def test_detach_copy_and_slice_copy_refusals() -> None:
    x = Tensor(X34, requires_grad=True)
    assert not tg.detach_copy(x).requires_grad
    with pytest.raises(ValueError, match="slice_copy: step must be greater than zero"):
        tg.slice_copy(x, 0, None, None, -1)
    with pytest.raises(RuntimeError):
        torch.slice_copy(torch.tensor(X34), 0, None, None, -1)


# ---- index_reduce, put ---------------------------------------------------------------------------
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dim", [0, -1])
def test_index_reduce_values_and_gradients(reduce: str, include_self: bool, dim: int) -> None:
    src = RNG.normal(size=(5, 4)) if dim == 0 else RNG.normal(size=(3, 5))
    idx = np.array([0, 2, 0, 1, 2])
    x, tx = _t(X34 if dim == 0 else X34[:, :3].copy(), True)
    s, ts = _t(src, True)
    y = x.index_reduce(dim, idx, s, reduce, include_self=include_self)
    ty = tx.index_reduce(dim, torch.tensor(idx), ts, reduce, include_self=include_self)
    _close(y, ty)
    g = RNG.normal(size=ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    _close(x.grad, tx.grad)
    _close(s.grad, ts.grad)
    z, tz = Tensor(x.data.copy()), tx.detach().clone()
    z.index_reduce_(dim, idx, Tensor(src), reduce, include_self=include_self)
    tz.index_reduce_(dim, torch.tensor(idx), torch.tensor(src), reduce,
                     include_self=include_self)
    _close(z, tz)


def test_put_and_fill_top_level() -> None:
    x, tx = _t(X34, True)
    y = tg.put(x, Tensor(np.array([0, -1, 5])), Tensor(np.array([1.0, 2.0, 3.0])), True)
    ty = torch.put(tx, torch.tensor([0, -1, 5]), torch.tensor([1.0, 2.0, 3.0],
                                                              dtype=torch.float64), True)
    _close(y, ty)
    for a, v in ((X34, 2.5), (np.array([1, 2]), 2.7), (X34, Tensor(np.float64(-1.0)))):
        tv = torch.tensor(v.data) if isinstance(v, Tensor) else v
        _close(tg.fill(Tensor(a), v), torch.fill(torch.tensor(a), tv))
    with pytest.raises(ValueError, match="fill: only supports 0-dimension value tensor"):
        tg.fill(Tensor(X34), Tensor(np.ones(2)))


# ---- igamma, igammac -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_igamma_values_and_gradient_wrt_x(name: str) -> None:
    a = np.array([0.1, 0.5, 1.0, 2.5, 7.0, 15.0, 12.0, 3.0, 0.0, 1.0, 2.0, np.inf, 1e-3])
    xs = np.array([0.05, 2.0, 1.0, 0.3, 9.0, 14.0, 25.0, 60.0, 1.0, 0.0, np.inf, 2.0, 1e-3])
    x, tx = _t(xs, True)
    y, ty = getattr(tg, name)(Tensor(a), x), getattr(torch, name)(torch.tensor(a), tx)
    _close(y, ty, rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    _close(x.grad, tx.grad, rtol=1e-12)
    m = getattr(Tensor(a[:4]), name)(Tensor(xs[:4]))  # (the method, and float32)
    _close(m, getattr(torch.tensor(a[:4]), name)(torch.tensor(xs[:4])))
    f = getattr(Tensor(a[:8].astype(np.float32)), name)(Tensor(xs[:8].astype(np.float32)))
    _close(f, getattr(torch.tensor(a[:8], dtype=torch.float32), name)(
        torch.tensor(xs[:8], dtype=torch.float32)), rtol=1e-5)


def test_igamma_for_large_a_agrees_with_mpmath_where_torch_is_off() -> None:
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(40):
        for a, x in ((30.0, 25.0), (100.0, 101.0), (1000.0, 1010.0)):
            exact = float(mpmath.gammainc(a, 0, x, regularized=True))
            ours = tg.igamma(Tensor(np.array([a])), Tensor(np.array([x]))).data[0]
            theirs = torch.igamma(torch.tensor(a, dtype=torch.float64),
                                  torch.tensor(x, dtype=torch.float64)).item()
            assert abs(ours - exact) <= 5e-13 * exact
            assert abs(theirs - exact) <= 1e-8 * exact  # (torch 2.13: up to about 1e-9 off)


def test_igamma_refuses_a_gradient_wrt_a_and_integers_as_torch() -> None:
    a, ta = Tensor(np.array([1.0]), requires_grad=True), torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for .* is not implemented"):
        torch.igamma(ta, torch.tensor([2.0])).backward()
    y = tg.igamma(a, Tensor(np.array([2.0])))  # (the forward runs, as torch's)
    with pytest.raises(RuntimeError, match="igamma: the derivative for 'self' \\(a\\) is not"):
        y.backward()
    with pytest.raises(NotImplementedError):
        torch.igamma(torch.tensor([1]), torch.tensor([2]))
    with pytest.raises(TypeError, match="igamma: expects float tensors"):
        tg.igamma(Tensor(np.array([1])), Tensor(np.array([2])))


# ---- constant_pad_nd, batch_norm, norms, range, matrix_rank --------------------------------------
@pytest.mark.parametrize("pad", [(1, 2), (-1, 1, 1, 0), (0, 0, 2, -1), ()])
def test_constant_pad_nd_as_torch(pad: tuple) -> None:
    x, tx = _t(X34, True)
    y, ty = tg.constant_pad_nd(x, pad, 1.5), torch.constant_pad_nd(tx, pad, 1.5)
    _close(y, ty)
    g = RNG.normal(size=ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    _close(x.grad, tx.grad)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (3, 3, 5), (2, 3, 2, 2)])
def test_batch_norm_positional_signature(training: bool, shape: tuple) -> None:
    a = RNG.normal(size=shape)
    w, b = RNG.normal(size=3), RNG.normal(size=3)
    x, tx = _t(a, True)
    (wt, twt), (bt, tbt) = _t(w, True), _t(b, True)
    rm, rv = Tensor(np.array([0.1, -0.2, 0.3])), Tensor(np.array([1.5, 0.5, 2.0]))
    trm, trv = torch.tensor(rm.data.copy()), torch.tensor(rv.data.copy())
    y = tg.batch_norm(x, wt, bt, rm, rv, training, 0.2, 1e-5, True)
    ty = torch.batch_norm(tx, twt, tbt, trm, trv, training, 0.2, 1e-5, True)
    _close(y, ty, rtol=1e-10)
    _close(rm, trm, rtol=1e-12)
    _close(rv, trv, rtol=1e-12)
    g = RNG.normal(size=shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    for o, t in ((x, tx), (wt, twt), (bt, tbt)):
        _close(o.grad, t.grad, rtol=1e-9)


def test_norm_spellings_as_torch() -> None:
    x, tx = _t(X34, True)
    for ours, theirs in ((tg.frobenius_norm(x, (0, 1)), torch.frobenius_norm(tx, (0, 1))),
                         (tg.frobenius_norm(x, 1, True), torch.frobenius_norm(tx, [1], True)),
                         (tg.nuclear_norm(x), torch.nuclear_norm(tx)),
                         (tg.nuclear_norm(x, True), torch.nuclear_norm(tx, True))):
        _close(ours, theirs, rtol=1e-11)
        x.grad, tx.grad = None, None
        ours.sum().backward()
        theirs.sum().backward()
        _close(x.grad, tx.grad, rtol=1e-10)
    b = RNG.normal(size=(2, 3, 4))
    _close(tg.nuclear_norm(Tensor(b), (1, 2)), torch.nuclear_norm(torch.tensor(b), (1, 2)),
           rtol=1e-11)
    with pytest.raises(RuntimeError, match="deprecated since version 1.9 and is now removed"):
        torch.matrix_rank(torch.eye(2))
    with pytest.raises(RuntimeError, match="deprecated since version 1.9 and is now removed"):
        tg.matrix_rank(Tensor(np.eye(2)))


def test_range_is_end_inclusive_with_torchs_warning() -> None:
    for args, kw in (((0, 1, 0.25), {}), ((1, 4), {}), ((0, 10, 3), dict(dtype=tg.int64)),
                     ((5.0, 1.0, -1.5), {})):
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            ours = tg.range(*args, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = torch.range(*args, **({"dtype": torch.int64} if kw else {
                "dtype": torch.float64}))
        _close(ours, theirs)
    assert tg.range.__module__.endswith("constructors") and "range" not in tg.__all__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tg.range(0, 1).dtype == tg.get_default_dtype()
        with pytest.raises(ValueError, match="range: upper bound and larger bound"):
            tg.range(0, 1, -1)


# ---- poisson, binomial (Draw ops) ----------------------------------------------------------------
def test_poisson_and_binomial_draw_from_the_generator_inside_draw() -> None:
    rates = np.array([0.0, 0.5, 3.0, 40.0] * 500)
    tg.manual_seed(1)
    a = tg.poisson(Tensor(rates))
    tg.manual_seed(1)
    b = tg.poisson(Tensor(rates))
    np.testing.assert_array_equal(a.data, b.data)
    assert a.dtype == np.float64 and not a.requires_grad
    means = a.data.reshape(-1, 4).mean(0)
    np.testing.assert_allclose(means, rates[:4], atol=0.5)
    assert np.all(a.data[::4] == 0)
    c = tg.binomial(Tensor(np.full(2000, 10.0)), Tensor(np.full(2000, 0.3)))
    assert c.data.min() >= 0 and c.data.max() <= 10 and abs(c.data.mean() - 3.0) < 0.2
    g = tg.Generator().manual_seed(5)
    d1 = tg.binomial(Tensor(np.array([5.0, 0.0])), Tensor(np.array([1.0, 0.5])), generator=g)
    np.testing.assert_array_equal(d1.data, [5.0, 0.0])
    with pytest.raises(RuntimeError, match="invalid Poisson rate"):
        torch.poisson(torch.tensor([-1.0]))
    with pytest.raises(ValueError, match="poisson: invalid Poisson rate"):
        tg.poisson(Tensor(np.array([-1.0])))
    with pytest.raises(TypeError, match="binomial: expects float count and prob"):
        tg.binomial(Tensor(np.array([5])), Tensor(np.array([0.5])))


def test_a_jitted_step_draws_poisson_afresh() -> None:
    from tinygrad_dl.jit import jit

    @jit
    def step(x: Tensor) -> Tensor:
        return tg.poisson(x) + x * 0

    x = Tensor(np.full(200, 5.0))
    draws = [step(x).data.copy() for _ in range(4)]
    assert step.replays >= 2 and not step.fallbacks
    assert not np.array_equal(draws[-1], draws[-2])


# ---- RNN cells -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,gates", [("rnn_tanh_cell", 1), ("rnn_relu_cell", 1),
                                        ("gru_cell", 3), ("lstm_cell", 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_cells_as_torch(name: str, gates: int, bias: bool) -> None:
    arrays = [RNG.normal(size=(2, 3)), RNG.normal(size=(2, 4)), RNG.normal(size=(2, 4)),
              RNG.normal(size=(gates * 4, 3)), RNG.normal(size=(gates * 4, 4))]
    if bias:
        arrays += [RNG.normal(size=gates * 4), RNG.normal(size=gates * 4)]
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]

    def run(mod: object, ts: list) -> object:
        x, h, c, *w = ts
        out = getattr(mod, name)(x, (h, c) if name == "lstm_cell" else h, *w)
        return mod.cat([out[0], out[1] * 2]) if name == "lstm_cell" else out

    y, ty = run(tg, ours), run(torch, theirs)
    _close(y, ty)
    g = RNG.normal(size=ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    for o, t in zip(ours, theirs):
        if t.grad is not None:
            _close(o.grad, t.grad, rtol=1e-10)


# ---- nn.Buffer -----------------------------------------------------------------------------------
def test_nn_buffer_registers_a_buffer_as_torch() -> None:
    m, tm = nn.Module(), torch.nn.Module()
    m.b = nn.Buffer(Tensor(np.ones(3)))
    tm.b = torch.nn.Buffer(torch.ones(3))
    assert list(m.state_dict()) == list(tm.state_dict()) == ["b"]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert not list(m.parameters())
    np.testing.assert_array_equal(m.b, np.ones(3))
    m.c = nn.Buffer(Tensor(np.ones(2)), persistent=False)  # (test_buffers_as_torch.py)
    assert list(m.state_dict()) == ["b"]
    with pytest.raises(TypeError, match="nn.Buffer: data must be a Tensor or an ndarray"):
        nn.Buffer([1, 2])
