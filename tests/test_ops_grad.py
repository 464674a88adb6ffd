"""Every primitive op: forward against NumPy and gradient against finite differences, through
the one harness in tinygrad_dl.testing. Then the conventions at kinks (ties, clip bounds, relu at 0)
and float32 end to end for every op."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.testing import (
    arrays,
    axes,
    broadcastable_shapes,
    check_grad,
    distinct_arrays,
    nonzero_arrays,
    positive_arrays,
    shapes,
    untied_pairs,
)


@st.composite
def pair(draw, second=arrays, first=arrays):
    """Two float64 arrays of broadcast-compatible shapes (first, second value strategies)."""
    sx, sy = draw(broadcastable_shapes())
    return draw(first(sx)), draw(second(sy))


# ---- binary elementwise (with broadcasting) -----------------------------------------------
@given(pair())
def test_add(xy):
    check_grad(lambda a, b: a + b, *xy, ref=np.add)


@given(pair())
def test_sub(xy):
    check_grad(lambda a, b: a - b, *xy, ref=np.subtract)


@given(pair())
def test_mul(xy):
    check_grad(lambda a, b: a * b, *xy, ref=np.multiply)


@given(pair(second=nonzero_arrays))
def test_truediv(xy):
    check_grad(lambda a, b: a / b, *xy, ref=np.divide)


@given(pair(first=positive_arrays, second=lambda s: arrays(s, -2.0, 2.0)))
def test_pow_tensor_exponent(xp):
    check_grad(lambda a, p: a**p, *xp, ref=np.power)


@given(positive_arrays(shapes()), st.sampled_from([2, 3, 0.5, -1, 1.5, -2.5, 0]))
def test_pow_scalar_exponent(x, p):
    check_grad(lambda a: a**p, x, ref=lambda a: a**p)


@given(nonzero_arrays(shapes(), margin=0.3), st.sampled_from([1, 2, 3, -1, -2]))
def test_pow_integer_exponent_negative_base(x, p):
    check_grad(lambda a: a**p, x, ref=lambda a: a**p)


@given(untied_pairs())
def test_maximum(xy):
    check_grad(lambda a, b: tg.maximum(a, b), *xy, ref=np.maximum)
    check_grad(lambda a, b: a.maximum(b), *xy, ref=np.maximum)


@st.composite
def where_case(draw):
    sc, sx, sy = draw(broadcastable_shapes(3))
    return draw(hnp.arrays(np.bool_, sc)), draw(arrays(sx)), draw(arrays(sy))


@given(where_case())
def test_where(case):
    cond, x, y = case
    check_grad(lambda a, b: tg.where(cond, a, b), x, y, ref=lambda a, b: np.where(cond, a, b))


# ---- unary --------------------------------------------------------------------------------
@given(arrays(shapes()))
def test_neg(x):
    check_grad(lambda a: -a, x, ref=np.negative)


@given(arrays(shapes()))
def test_exp(x):
    check_grad(lambda a: a.exp(), x, ref=np.exp)


@given(positive_arrays(shapes()))
def test_log(x):
    check_grad(lambda a: a.log(), x, ref=np.log)


@given(positive_arrays(shapes()))
def test_sqrt(x):
    check_grad(lambda a: a.sqrt(), x, ref=np.sqrt)


@given(arrays(shapes(), avoid=[0.0]))
def test_abs(x):
    check_grad(lambda a: a.abs(), x, ref=np.abs)
    check_grad(abs, x, ref=np.abs)


@given(arrays(shapes(), avoid=[0.0]))
def test_relu(x):
    check_grad(lambda a: a.relu(), x, ref=lambda a: np.maximum(a, 0))


@given(arrays(shapes()))
def test_tanh(x):
    check_grad(lambda a: a.tanh(), x, ref=np.tanh)


@given(arrays(shapes(), -8.0, 8.0))
def test_sigmoid(x):
    check_grad(lambda a: a.sigmoid(), x, ref=lambda a: 1 / (1 + np.exp(-a)))


@st.composite
def clip_case(draw):
    lo = draw(st.none() | st.floats(-2, 0.5))
    hi = draw(st.none() | st.floats(1, 2))
    x = draw(arrays(shapes(), avoid=[b for b in (lo, hi) if b is not None]))
    return x, lo, hi


@given(clip_case())
def test_clip(case):
    x, lo, hi = case
    check_grad(lambda a: a.clip(lo, hi), x, ref=lambda a: np.clip(a, lo, hi))


# ---- matmul -------------------------------------------------------------------------------
@st.composite
def matmul_shapes(draw):
    """(x shape, y shape) for 1-D@1-D, 1-D@2-D, 2-D@1-D, 2-D@2-D and batched with broadcasting."""
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["vv", "vm", "mv", "mm", "batched", "v-batched", "batched-v"]))
    bx, by = draw(broadcastable_shapes(min_dims=1, max_dims=2))
    return {
        "vv": ((k,), (k,)),
        "vm": ((k,), (k, m)),
        "mv": ((n, k), (k,)),
        "mm": ((n, k), (k, m)),
        "batched": (bx + (n, k), by + (k, m)),
        "v-batched": ((k,), by + (k, m)),
        "batched-v": (bx + (n, k), (k,)),
    }[kind]


@given(matmul_shapes().flatmap(lambda s: st.tuples(arrays(s[0]), arrays(s[1]))))
def test_matmul(xy):
    check_grad(lambda a, b: a @ b, *xy, ref=np.matmul)
    check_grad(lambda a, b: a.matmul(b), *xy, wrt=[1])  # only y requires grad


# ---- reductions ---------------------------------------------------------------------------
def reduce_case(values=arrays):
    return shapes().flatmap(lambda s: st.tuples(values(s), axes(len(s)), st.booleans()))


@given(reduce_case())
def test_sum(case):
    x, axis, keep = case
    check_grad(lambda a: a.sum(axis=axis, keepdims=keep), x,
               ref=lambda a: a.sum(axis, keepdims=keep))


@given(reduce_case())
def test_mean(case):
    x, axis, keep = case
    check_grad(lambda a: a.mean(axis, keep), x, ref=lambda a: a.mean(axis, keepdims=keep))


@given(reduce_case(), st.sampled_from([0, 1]))
def test_var(case, ddof):
    x, axis, keep = case
    count = x.size // np.sum(x, axis=axis, keepdims=True).size  # elements per variance
    ddof = ddof if count > ddof else 0
    check_grad(lambda a: a.var(axis=axis, keepdims=keep, ddof=ddof), x,
               ref=lambda a: a.var(axis, keepdims=keep, ddof=ddof))


@given(reduce_case(distinct_arrays))
def test_max(case):
    x, axis, keep = case
    check_grad(lambda a: a.max(axis=axis, keepdims=keep), x,
               ref=lambda a: a.max(axis, keepdims=keep))


# ---- shape ops ----------------------------------------------------------------------------
@st.composite
def reshape_case(draw):
    shape = draw(shapes())
    size = int(np.prod(shape))
    target = draw(st.sampled_from([(size,), (-1,), shape[::-1], (1, *shape, 1), (size, 1)]))
    return draw(arrays(shape)), target


@given(reshape_case())
def test_reshape(case):
    x, target = case
    check_grad(lambda a: a.reshape(target), x, ref=lambda a: a.reshape(target))
    check_grad(lambda a: a.reshape(*target), x, ref=lambda a: a.reshape(target))


@st.composite
def transpose_case(draw):
    shape = draw(shapes())
    perm = draw(st.permutations(range(len(shape))))
    negative = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    perm = tuple(p - len(shape) if neg else p for p, neg in zip(perm, negative))
    return draw(arrays(shape)), perm


@given(transpose_case())
def test_transpose(case):
    x, perm = case
    check_grad(lambda a: a.transpose(perm), x, ref=lambda a: np.transpose(a, perm))
    check_grad(lambda a: a.transpose(*perm), x, ref=lambda a: np.transpose(a, perm))
    check_grad(lambda a: a.transpose(), x, ref=np.transpose)
    check_grad(lambda a: a.T, x, ref=lambda a: a.T)


@given(shapes(min_dims=1).flatmap(
    lambda s: st.tuples(arrays(s), hnp.basic_indices(s, allow_newaxis=True))))
def test_getitem_basic(case):
    x, index = case
    check_grad(lambda a: a[index], x, ref=lambda a: a[index])


@st.composite
def fancy_case(draw):
    """x (n, k) with class-index style picks x[arange(n), y] and repeated row picks."""
    n, k = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    cols = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    rows = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=8)))
    return draw(arrays((n, k))), cols, rows


@given(fancy_case())
def test_getitem_integer_arrays(case):
    x, cols, rows = case
    n = x.shape[0]
    check_grad(lambda a: a[np.arange(n), cols], x, ref=lambda a: a[np.arange(n), cols])
    check_grad(lambda a: a[rows], x, ref=lambda a: a[rows])  # duplicates accumulate
    check_grad(lambda a: a[rows.tolist()], x, ref=lambda a: a[rows])
    check_grad(lambda a: a[Tensor(rows), 0], x, ref=lambda a: a[rows, 0])


@pytest.mark.parametrize("index", [
    (Ellipsis, np.array([0, 0, 1])), (slice(1, None), [0, 0, 3]), np.array([[0, 0], [2, 1]]),
    (np.array([0, 2, 0]), slice(None), np.array([1, 1, 0])), (None, np.array([1, 1])),
    (np.array([True, False, True]), 1), (0, np.array([3, 3])), (-1, Ellipsis, None),
], ids=str)
def test_getitem_mixed_indices(index):
    x = np.random.default_rng(0).uniform(-2, 2, (3, 4, 2))
    check_grad(lambda a: a[index], x, ref=lambda a: a[index])


def test_getitem_duplicates_accumulate():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    x[np.array([0, 0, 1, 0]), np.array([2, 2, 1, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 0, 2], [0, 1, 0]])


@given(shapes(min_dims=1).flatmap(lambda s: st.tuples(arrays(s), hnp.arrays(np.bool_, s))))
def test_getitem_boolean_mask(case):
    x, mask = case
    check_grad(lambda a: a[mask], x, ref=lambda a: a[mask])
    check_grad(lambda a: a[Tensor(mask)], x, ref=lambda a: a[mask])


@st.composite
def concat_case(draw, stack=False):
    shape = draw(shapes(min_dims=0 if stack else 1, max_dims=3))
    nd = len(shape)
    axis = draw(st.integers(-nd - 1, nd) if stack else st.integers(-nd, nd - 1))
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(shape)
        if not stack:
            s[axis] = draw(st.integers(1, 3))
        parts.append(draw(arrays(tuple(s))))
    return parts, axis


@given(concat_case())
def test_concatenate(case):
    parts, axis = case
    check_grad(lambda *ts: tg.concatenate(ts, axis=axis), *parts,
               ref=lambda *a: np.concatenate(a, axis=axis))


@given(concat_case(stack=True))
def test_stack(case):
    parts, axis = case
    check_grad(lambda *ts: tg.stack(ts, axis=axis), *parts, ref=lambda *a: np.stack(a, axis=axis))


# ---- reflected operators: Python scalars and NumPy arrays on the left ----------------------
@given(pair(second=nonzero_arrays))
def test_reflected_with_numpy_arrays(ay):
    arr, y = ay
    check_grad(lambda b: arr + b, y, ref=lambda b: arr + b)
    check_grad(lambda b: arr - b, y, ref=lambda b: arr - b)
    check_grad(lambda b: arr * b, y, ref=lambda b: arr * b)
    check_grad(lambda b: arr / b, y, ref=lambda b: arr / b)


@given(matmul_shapes().flatmap(lambda s: st.tuples(arrays(s[0]), arrays(s[1]))))
def test_reflected_matmul_with_numpy_array(xy):
    arr, y = xy
    check_grad(lambda b: arr @ b, y, ref=lambda b: arr @ b)


@given(nonzero_arrays(shapes()), st.floats(-3, 3))
def test_reflected_with_python_and_numpy_scalars(x, c):
    check_grad(lambda a: 2 - a, x, ref=lambda a: 2 - a)
    check_grad(lambda a: c + a, x, ref=lambda a: c + a)
    check_grad(lambda a: c * a, x, ref=lambda a: c * a)
    check_grad(lambda a: 2.5 / a, x, ref=lambda a: 2.5 / a)
    check_grad(lambda a: 2**a, x, ref=lambda a: 2.0**a)
    check_grad(lambda a: a - c, x, ref=lambda a: a - c)
    check_grad(lambda a: np.float64(c) * a, x, ref=lambda a: c * a)
    check_grad(lambda a: np.float64(3) - a, x, ref=lambda a: 3 - a)


# ---- conventions where the derivative does not exist -----------------------------------------
def grad_of(fn, *values):
    ts = [Tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]
    fn(*ts).sum().backward()
    return [t.grad for t in ts]


def test_kink_conventions():
    # maximum ties split the gradient evenly; max-reduction ties share it equally
    gx, gy = grad_of(tg.maximum, [1.0, 2.0, 3.0], [3.0, 2.0, 1.0])
    np.testing.assert_array_equal(gx, [0, 0.5, 1])
    np.testing.assert_array_equal(gy, [1, 0.5, 0])
    (g,) = grad_of(lambda a: a.max(axis=1), [[1.0, 5.0, 5.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(g, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    # relu and abs: 0 at 0; clip: zero gradient outside [lo, hi], 1 on the bounds
    (g,) = grad_of(lambda a: a.relu(), [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(g, [0, 0, 1])
    (g,) = grad_of(abs, [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(g, [-1, 0, 1])
    (g,) = grad_of(lambda a: a.clip(-1, 1), [-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(g, [0, 1, 1, 1, 0])
    # x**0 is constant: gradient 0 even at x = 0 (not 0 * inf = nan)
    (g,) = grad_of(lambda a: a**0, [0.0, 2.0])
    np.testing.assert_array_equal(g, [0, 0])
    (g,) = grad_of(lambda a: a**2, [0.0, -3.0])
    np.testing.assert_array_equal(g, [0, -6])


# ---- float32 in, float32 out, float32 grads -----------------------------------------------
def _f32(*shape, lo=0.5, hi=2.0, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(np.float32)


F32_OPS = {
    "add": (lambda a, b: a + b, [(2, 3), (3,)]),
    "sub": (lambda a, b: a - b, [(2, 3), (1, 3)]),
    "mul": (lambda a, b: a * b, [(2, 3), (2, 1)]),
    "truediv": (lambda a, b: a / b, [(2, 3), (3,)]),
    "pow": (lambda a, b: a**b, [(2, 3), (3,)]),
    "maximum": (lambda a, b: tg.maximum(a, b), [(2, 3), (3,)]),
    "where": (lambda a, b: tg.where(np.array([True, False, True]), a, b), [(2, 3), (3,)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 4)]),
    "matmul-batched": (lambda a, b: a @ b, [(2, 1, 2, 3), (3, 4)]),
    "matmul-vec": (lambda a, b: a @ b, [(3,), (2, 3, 4)]),
    "concatenate": (lambda a, b: tg.concatenate([a, b], axis=-1), [(2, 3), (2, 1)]),
    "stack": (lambda a, b: tg.stack([a, b], axis=1), [(2, 3), (2, 3)]),
    "neg": (lambda a: -a, [(2, 3)]),
    "exp": (lambda a: a.exp(), [(2, 3)]),
    "log": (lambda a: a.log(), [(2, 3)]),
    "sqrt": (lambda a: a.sqrt(), [(2, 3)]),
    "abs": (lambda a: abs(a - 1.25), [(2, 3)]),
    "relu": (lambda a: (a - 1.25).relu(), [(2, 3)]),
    "tanh": (lambda a: a.tanh(), [(2, 3)]),
    "sigmoid": (lambda a: a.sigmoid(), [(2, 3)]),
    "clip": (lambda a: a.clip(0.8, 1.5), [(2, 3)]),
    "sum": (lambda a: a.sum(axis=(0, -1)), [(2, 3, 4)]),
    "mean": (lambda a: a.mean(axis=1, keepdims=True), [(2, 3)]),
    "var": (lambda a: a.var(axis=0), [(2, 3)]),
    "max": (lambda a: a.max(axis=-1), [(2, 3)]),
    "max-all": (lambda a: a.max(), [(2, 3)]),
    "reshape": (lambda a: a.reshape(3, 2), [(2, 3)]),
    "transpose": (lambda a: a.transpose(1, 0, 2), [(2, 3, 4)]),
    "T": (lambda a: a.T, [(2, 3)]),
    "getitem-slice": (lambda a: a[:, 1:], [(2, 3)]),
    "getitem-int-array": (lambda a: a[np.arange(2), np.array([0, 0])], [(2, 3)]),
    "getitem-mask": (lambda a: a[a.data > 1.0], [(2, 3)]),
    # Python-scalar operands take the tensor's dtype instead of upcasting it
    "scalar-ops": (lambda a: (2 - a) * 0.5 + 1 / (a + 3) - 2**a + a**2 - a / 3, [(2, 3)]),
    "scalar-maximum-where-clip": (
        lambda a: tg.maximum(a, 1.0) + tg.where(a.data > 1, a, 0.0) + tg.where(a.data > 1, 2, a),
        [(2, 3)],
    ),
}


@pytest.mark.parametrize("name", sorted(F32_OPS))
def test_float32_stays_float32(name):
    fn, shapes_ = F32_OPS[name]
    leaves = [Tensor(_f32(*s, seed=i), requires_grad=True) for i, s in enumerate(shapes_)]
    out = fn(*leaves)
    assert out.dtype == np.float32, f"{name}: output {out.dtype}"
    out.backward(np.ones(out.shape, dtype=np.float32))
    for leaf in leaves:
        assert leaf.grad is not None and leaf.grad.dtype == np.float32, (
            f"{name}: grad dtype {None if leaf.grad is None else leaf.grad.dtype}"
        )
