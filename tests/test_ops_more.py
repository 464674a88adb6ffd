"""The ops beyond the core: each against NumPy (forward) and finite differences (gradient)
through tinygrad_dl.testing, float32 end to end, and the zero-gradient / no-gradient ops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.testing import (
    arrays,
    axes,
    broadcastable_shapes,
    check_float32,
    check_grad,
    distinct_arrays,
    nonzero_arrays,
    positive_arrays,
    shapes,
    untied_pairs,
)

# name -> (our function, NumPy reference, value strategy for one shape)
UNARY = {
    "sin": (tg.sin, np.sin, arrays),
    "cos": (tg.cos, np.cos, arrays),
    "tan": (tg.tan, np.tan, lambda s: arrays(s, -1.2, 1.2)),
    "arcsin": (tg.arcsin, np.arcsin, lambda s: arrays(s, -0.9, 0.9)),
    "arccos": (tg.arccos, np.arccos, lambda s: arrays(s, -0.9, 0.9)),
    "arctan": (tg.arctan, np.arctan, arrays),
    "sinh": (tg.sinh, np.sinh, arrays),
    "cosh": (tg.cosh, np.cosh, arrays),
    "log1p": (tg.log1p, np.log1p, lambda s: arrays(s, -0.8, 3.0)),
    "expm1": (tg.expm1, np.expm1, arrays),
    "log2": (tg.log2, np.log2, positive_arrays),
    "log10": (tg.log10, np.log10, positive_arrays),
    "exp2": (tg.exp2, np.exp2, arrays),
    "square": (tg.square, np.square, arrays),
    "reciprocal": (tg.reciprocal, np.reciprocal, nonzero_arrays),
    "softplus": (F.softplus, lambda a: np.logaddexp(a, 0), lambda s: arrays(s, -8, 8)),
    "leaky_relu": (F.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a),
                   lambda s: arrays(s, avoid=[0.0])),
    "elu": (F.elu, lambda a: np.where(a > 0, a, np.expm1(a)), lambda s: arrays(s, avoid=[0.0])),
    "gelu": (F.gelu, lambda a: 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a**3))),
             arrays),
    "silu": (F.silu, lambda a: a / (1 + np.exp(-a)), arrays),
    "relu": (F.relu, lambda a: np.maximum(a, 0), lambda s: arrays(s, avoid=[0.0])),
    "tanh": (F.tanh, np.tanh, arrays),
    "sigmoid": (F.sigmoid, lambda a: 1 / (1 + np.exp(-a)), arrays),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary(name, data):
    fn, ref, values = UNARY[name]
    x = data.draw(values(data.draw(shapes())))
    out = check_grad(fn, x)
    np.testing.assert_allclose(out.data, ref(x), rtol=1e-12, atol=1e-12)
    method = getattr(Tensor(x), name)().data  # the Tensor method of the same name
    np.testing.assert_array_equal(method, out.data)


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round"])
def test_piecewise_constant_ops_have_zero_gradient(name):
    x = Tensor(np.array([-1.7, -0.5, 0.0, 0.4, 2.5]), requires_grad=True)
    out = getattr(tg, name)(x) if name != "round" else x.round()
    np.testing.assert_array_equal(out.data, getattr(np, name)(x.data))
    (out * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(5))


BINARY = {
    "minimum": (tg.minimum, np.minimum, untied_pairs()),
    "arctan2": (tg.arctan2, np.arctan2, None),
    "hypot": (tg.hypot, np.hypot, None),
    "logaddexp": (tg.logaddexp, np.logaddexp, None),
}


@st.composite
def nonorigin_pair(draw):
    sx, sy = draw(broadcastable_shapes())
    return draw(nonzero_arrays(sx)), draw(nonzero_arrays(sy))


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary(name, data):
    fn, ref, pairs = BINARY[name]
    x, y = data.draw(nonorigin_pair() if pairs is None else pairs)
    check_grad(fn, x, y, ref=ref)


@st.composite
def mod_pair(draw):
    """x, y with x / y kept off the integers (where mod jumps)."""
    sx, sy = draw(broadcastable_shapes())
    y = draw(nonzero_arrays(sy))
    q = draw(arrays(sx, -3, 3))
    q = np.floor(q) + 0.2 + 0.6 * (q - np.floor(q))  # the fractional part is in [0.2, 0.8]
    if q.ndim < y.ndim or any(a < b for a, b in zip(q.shape[::-1], y.shape[::-1])):
        q = np.broadcast_to(q, np.broadcast_shapes(sx, sy))  # x = q y must keep x's shape
    return q * y, y


@given(mod_pair())
def test_mod(xy):
    x, y = xy
    check_grad(lambda a, b: a % b, x, y, ref=np.mod)
    check_grad(tg.remainder, x, y, ref=np.mod)
    check_grad(lambda b: 0.5 % b, np.abs(y) + 1.0, ref=lambda b: np.mod(0.5, b))  # 0.5/b < 0.4


def reduce_case(values=arrays):
    return shapes().flatmap(lambda s: st.tuples(values(s), axes(len(s)), st.booleans()))


@given(reduce_case(distinct_arrays))
def test_min(case):
    x, axis, keep = case
    check_grad(lambda a: a.min(axis, keep), x, ref=lambda a: a.min(axis, keepdims=keep))


@given(reduce_case())
def test_prod(case):
    x, axis, keep = case
    check_grad(lambda a: a.prod(axis, keep), x, ref=lambda a: a.prod(axis, keepdims=keep))


def test_prod_gradient_with_zeros_is_exact():
    x = Tensor(np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]]), requires_grad=True)
    x.prod(axis=1).sum().backward()
    # one zero: it gets the product of the rest; two zeros: all 0; none: the others' product
    np.testing.assert_array_equal(x.grad, [[6, 0, 0], [0, 0, 0], [8, 4, 2]])


@given(reduce_case(), st.sampled_from([0, 1]))
def test_std(case, ddof):
    x, axis, keep = case
    x = x + np.arange(x.size).reshape(x.shape) * 0.37  # no constant slices: std > 0
    count = x.size // np.sum(x, axis=axis, keepdims=True).size
    ddof = ddof if count > ddof else 0
    if count == 1:
        return  # std of one value is 0: sqrt has no derivative there
    check_grad(lambda a: tg.std(a, axis, keep, ddof), x,
               ref=lambda a: a.std(axis, keepdims=keep, ddof=ddof))


@given(reduce_case())
def test_logsumexp(case):
    x, axis, keep = case
    check_grad(lambda a: a.logsumexp(axis, keep), x,
               ref=lambda a: np.log(np.exp(a).sum(axis, keepdims=keep)))


def test_logsumexp_is_finite_for_huge_inputs():
    out = tg.logsumexp(Tensor([1000.0, 1000.0]))
    np.testing.assert_allclose(out.data, 1000 + np.log(2))


@given(shapes().flatmap(lambda s: st.tuples(
    arrays(s), st.none() | (st.integers(-len(s), len(s) - 1) if s else st.none()))))
def test_cumsum(case):
    x, axis = case
    check_grad(lambda a: a.cumsum(axis), x, ref=lambda a: np.cumsum(a, axis))


def test_argmax_argmin_are_constants():
    x = Tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]), requires_grad=True)
    assert x.argmax().item() == 3 and x.argmin().item() == 4
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])
    np.testing.assert_array_equal(tg.argmin(x, axis=0).data, [0, 1, 0])
    assert not x.argmax().requires_grad and x.argmax(axis=1).dtype.kind == "i"


# ---- linear algebra -------------------------------------------------------------------------
EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->", [(3, 3)]), ("ii->i", [(3, 3)]),
           ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)]),
           ("ij,ij->i", [(2, 3), (2, 3)]), ("ijk->kji", [(2, 3, 4)]), ("ij,j", [(2, 3), (3,)]),
           ("iij,jk->ik", [(2, 2, 3), (3, 2)]), ("ij,kl->", [(2, 2), (1, 3)]),
           # "..." as NumPy reads it: right-aligned across operands, first in an implicit output
           ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]), ("...ij,jk", [(2, 2, 3), (3, 2)]),
           ("i...->...", [(2, 3)]), ("...,...", [(2, 3), (3,)]), ("...i,...i->...", [(2, 3)] * 2),
           ("ij...,j...->i...", [(2, 3), (3,)]), ("b...ii->b...", [(2, 3, 2, 2)]),
           ("...ii->...i", [(3, 3)]), ("... ij , jk -> ... ik", [(2, 3), (3, 2)])]


@pytest.mark.parametrize("spec,shapes_", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum(spec, shapes_):
    rng = np.random.default_rng(0)
    xs = [rng.uniform(-2, 2, s) for s in shapes_]
    check_grad(lambda *ts: tg.einsum(spec, *ts), *xs, ref=lambda *a: np.einsum(spec, *a))


@st.composite
def dot_case(draw):
    kind = draw(st.sampled_from(["vv", "mv", "vm", "mm", "3d-1d", "3d-3d", "scalar"]))
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    s = {"vv": ((k,), (k,)), "mv": ((n, k), (k,)), "vm": ((k,), (k, m)), "mm": ((n, k), (k, m)),
         "3d-1d": ((2, n, k), (k,)), "3d-3d": ((2, n, k), (2, k, m)), "scalar": ((), (n, k))}[kind]
    return draw(arrays(s[0])), draw(arrays(s[1]))


@given(dot_case())
def test_dot_inner_outer(xy):
    x, y = xy
    check_grad(tg.dot, x, y, ref=np.dot)
    check_grad(lambda a, b: a.dot(b), x, y, ref=np.dot)
    check_grad(tg.outer, x, y, ref=np.outer)
    if x.shape[-1:] == y.shape[-1:] or x.ndim == 0:
        check_grad(tg.inner, x, y, ref=np.inner)


@pytest.mark.parametrize("sx,sy,axes_", [((2, 3, 4), (3, 4, 2), 2), ((2, 3), (3, 2), 1),
                                         ((2, 3), (4,), 0), ((3, 2, 4), (4, 3), ([0, 2], [1, 0]))])
def test_tensordot(sx, sy, axes_):
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-2, 2, sx), rng.uniform(-2, 2, sy)
    check_grad(lambda a, b: tg.tensordot(a, b, axes_), x, y,
               ref=lambda a, b: np.tensordot(a, b, axes_))


@pytest.mark.parametrize("k", [-1, 0, 2])
def test_trace_diag_tril_triu(k):
    rng = np.random.default_rng(2)
    m, v = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3,))
    check_grad(lambda a: tg.trace(a, k), m, ref=lambda a: np.trace(a, k))
    check_grad(lambda a: tg.diag(a, k), m, ref=lambda a: np.diag(a, k))
    check_grad(lambda a: tg.diag(a, k), v, ref=lambda a: np.diag(a, k))
    check_grad(lambda a: tg.tril(a, k), m, ref=lambda a: np.tril(a, k))
    check_grad(lambda a: a.triu(k), rng.uniform(-2, 2, (2, 3, 3)), ref=lambda a: np.triu(a, k))


# ---- shape ----------------------------------------------------------------------------------
SHAPE_CASES = [
    ("squeeze", lambda a: a.squeeze(), np.squeeze, (1, 3, 1)),
    ("squeeze-axis", lambda a: tg.squeeze(a, 0), lambda a: np.squeeze(a, 0), (1, 3, 1)),
    ("expand_dims", lambda a: tg.expand_dims(a, (0, -1)), lambda a: np.expand_dims(a, (0, -1)),
     (2, 3)),
    ("unsqueeze", lambda a: a.unsqueeze(1), lambda a: np.expand_dims(a, 1), (2, 3)),
    ("flatten", lambda a: a.flatten(), lambda a: a.reshape(-1), (2, 3, 2)),
    ("flatten-1", lambda a: tg.flatten(a, 1), lambda a: a.reshape(2, -1), (2, 3, 2)),
    ("swapaxes", lambda a: tg.swapaxes(a, 0, -1), lambda a: np.swapaxes(a, 0, -1), (2, 3, 4)),
    ("moveaxis", lambda a: tg.moveaxis(a, [0, 1], [-1, 0]),
     lambda a: np.moveaxis(a, [0, 1], [-1, 0]), (2, 3, 4)),
    ("repeat", lambda a: tg.repeat(a, 2, axis=1), lambda a: np.repeat(a, 2, axis=1), (2, 3)),
    ("repeat-flat", lambda a: a.repeat(3), lambda a: np.repeat(a, 3), (2, 2)),
    ("repeat-counts", lambda a: a.repeat([1, 0, 3], axis=-1),
     lambda a: np.repeat(a, [1, 0, 3], axis=-1), (2, 3)),
    ("tile", lambda a: tg.tile(a, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3)), (2, 3)),
    ("tile-short", lambda a: a.tile(2), lambda a: np.tile(a, 2), (2, 3)),
    ("flip", lambda a: tg.flip(a, 1), lambda a: np.flip(a, 1), (2, 3)),
    ("flip-all", lambda a: a.flip(), np.flip, (2, 3)),
    ("roll", lambda a: tg.roll(a, 2, 1), lambda a: np.roll(a, 2, 1), (2, 3)),
    ("roll-multi", lambda a: a.roll((1, -1), (0, 1)), lambda a: np.roll(a, (1, -1), (0, 1)),
     (2, 3)),
    ("roll-flat", lambda a: a.roll(4), lambda a: np.roll(a, 4), (2, 3)),
    ("pad", lambda a: tg.pad(a, ((1, 0), (2, 1)), constant_values=0.5),
     lambda a: np.pad(a, ((1, 0), (2, 1)), constant_values=0.5), (2, 3)),
    ("broadcast_to", lambda a: tg.broadcast_to(a, (4, 2, 3)),
     lambda a: np.broadcast_to(a, (4, 2, 3)), (2, 1)),
    ("vstack", lambda a: tg.vstack([a, a[0]]), lambda a: np.vstack([a, a[0]]), (2, 3)),
    ("hstack", lambda a: tg.hstack([a, a[:, :1]]), lambda a: np.hstack([a, a[:, :1]]), (2, 3)),
    ("hstack-1d", lambda a: tg.hstack([a[0], a[1]]), lambda a: np.hstack([a[0], a[1]]), (2, 3)),
]


@pytest.mark.parametrize("name,fn,ref,shape", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_shape_ops(name, fn, ref, shape):
    x = np.random.default_rng(3).uniform(-2, 2, shape)
    if name == "broadcast_to":
        x = x[:, :1]
    check_grad(fn, x, ref=ref)


@pytest.mark.parametrize("sections", [2, [1, 3], [2], [-1], [-3, 3], [1, -1], [3, 1], [0, 9],
                                      [-9, 2], []])
def test_split(sections):
    x = np.random.default_rng(4).uniform(-2, 2, (2, 4))
    parts, ref = tg.split(Tensor(x), sections, axis=1), np.split(x, sections, axis=1)
    assert len(parts) == len(ref)
    for p, r in zip(parts, ref):
        np.testing.assert_array_equal(p.data, r)
    check_grad(lambda a: tg.concatenate([p * (i + 1) for i, p in enumerate(
        tg.split(a, sections, axis=1))], axis=1), x)


def test_shape_errors_name_the_op():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="squeeze: cannot apply to shape"):
        x.squeeze(0)
    with pytest.raises(ValueError, match="moveaxis"):
        x.moveaxis(0, 5)
    with pytest.raises(ValueError, match="split: axis 1 of length 3"):
        tg.split(x, 2, axis=1)
    # the op's own message, unchanged by Function.apply (issue 20)
    with pytest.raises(ValueError, match="einsum: 'ij,jk->ik': an axis has length 3 in one "):
        tg.einsum("ij,jk->ik", x, x)
    with pytest.raises(ValueError, match="the output needs '...' for the 1 axes"):
        tg.einsum("...i->i", x)
    with pytest.raises(ValueError, match="a '.' outside"):
        tg.einsum("....i->i", x)
    with pytest.raises(ValueError, match="length 1 in one place and 2 in another"):
        tg.einsum("...i,...i->...i", Tensor(np.ones((1, 3))), x)  # NumPy would broadcast
    with pytest.raises(ValueError, match="pad: only mode='constant'"):
        tg.pad(x, 1, mode="reflect")


# ---- float32 stays float32 and agrees with float64 --------------------------------------------
def _u(*shape, lo=0.3, hi=0.9, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


F32 = {
    **{name: (fn, [(2, 3)]) for name, (fn, _, _) in UNARY.items()},
    "minimum": (tg.minimum, [(2, 3), (3,)]), "arctan2": (tg.arctan2, [(2, 3), (3,)]),
    "hypot": (tg.hypot, [(2, 3), (1, 3)]), "logaddexp": (tg.logaddexp, [(2, 3), (3,)]),
    "mod": (lambda a, b: (a * 3.3) % b, [(2, 3), (3,)]),
    "min": (lambda a: a.min(axis=0), [(2, 3)]), "prod": (lambda a: a.prod(axis=1), [(2, 3)]),
    "std": (lambda a: a.std(ddof=1), [(2, 3)]), "logsumexp": (tg.logsumexp, [(2, 3)]),
    "cumsum": (lambda a: a.cumsum(1), [(2, 3)]),
    "einsum": (lambda a, b: tg.einsum("ij,kj->ik", a, b), [(2, 3), (4, 3)]),
    "dot": (tg.dot, [(2, 3), (3,)]), "tensordot": (tg.tensordot, [(2, 3), (2, 3)]),
    "trace": (tg.trace, [(3, 3)]), "diag": (tg.diag, [(3,)]), "tril": (tg.tril, [(3, 3)]),
    "pad": (lambda a: tg.pad(a, 1), [(2, 3)]), "tile": (lambda a: a.tile((2, 2)), [(2, 3)]),
    "repeat": (lambda a: a.repeat(2, axis=0), [(2, 3)]), "roll": (lambda a: a.roll(1), [(2, 3)]),
    "flip": (tg.flip, [(2, 3)]), "broadcast_to": (lambda a: a.broadcast_to((2, 2, 3)), [(2, 3)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, padding=1), [(2, 2, 4, 4), (3, 2, 3, 3), (3,)]),
    "max_pool2d": (F.max_pool2d, [(1, 2, 4, 4)]), "avg_pool2d": (F.avg_pool2d, [(1, 2, 4, 4)]),
}


@pytest.mark.parametrize("name", sorted(F32))
def test_float32(name):
    fn, shapes_ = F32[name]
    check_float32(fn, *[_u(*s, seed=i) for i, s in enumerate(shapes_)])
