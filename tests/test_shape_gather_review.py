"""A skeptic's review of the shape and gathering ops (gather, scatter*, index_*, masked_*, take,
put, nonzero, unique, repeat_interleave, split/chunk, movedim, flip/roll, tril/triu, ...) and of
the type promotion of binary ops, against torch 2.13. Each test below the sanity sweep failed
before its fix: repeat_interleave's gradient with a one-element count tensor, its output_size=
and one-argument forms, binary float ops of int8/uint8/int16/bool pairs in float16/float32,
`**=` / `//=` / `%=` that rebound the name instead of writing in place, tril/triu of 1-D input,
a uint8 index tensor read as positions where torch reads a mask, index_select of a 0-d index."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _pair(a: np.ndarray, grad: bool = True):
    """The same array as a torch tensor and a tinygrad_dl one (float64 ones require grad)."""
    t = torch.tensor(a, requires_grad=grad and a.dtype == np.float64)
    return t, (tg.tensor(a, requires_grad=True) if grad and a.dtype == np.float64
               else tg.tensor(a))


def _same(t, g, rtol=1e-12):
    """Values, shape and dtype of a torch result and ours agree."""
    a, b = t.detach().numpy(), np.asarray(g.data)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    np.testing.assert_allclose(b, a, rtol=rtol, atol=0)


def _same_grads(fn, *arrays):
    """fn(lib, *tensors)'s values and, through a random weighting, its gradients agree."""
    ts, gs = zip(*(_pair(a) for a in arrays))
    t_out, g_out = fn(torch, *ts), fn(tg, *gs)
    _same(t_out, g_out)
    w = np.random.default_rng(0).standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(w)).sum().backward()
    (g_out * tg.tensor(w)).sum().backward()
    for t, g in zip(ts, gs):
        if t.requires_grad:
            np.testing.assert_allclose(g.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---- a sanity sweep: duplicate indices and their gradients, torch's values ---------------------
_X = np.random.default_rng(1).standard_normal((3, 4))
_DUP = np.array([[0, 0, 3], [1, 1, 1], [2, 0, 2]])


@pytest.mark.parametrize("name,fn,extra", [
    ("gather", lambda L, x: x.gather(1, L.tensor(_DUP)), ()),
    ("take_along_dim", lambda L, x: L.take_along_dim(x, L.tensor(_DUP), 1), ()),
    ("scatter_add", lambda L, x, s: x.scatter_add(1, L.tensor(_DUP), s), (np.ones((3, 3)) * 1.5,)),
    ("scatter_reduce sum", lambda L, x, s: x.scatter_reduce(1, L.tensor(_DUP), s, "sum"),
     (np.arange(9.0).reshape(3, 3),)),
    ("scatter_reduce prod", lambda L, x, s: x.scatter_reduce(1, L.tensor(_DUP), s, "prod",
                                                             include_self=False),
     (np.arange(9.0).reshape(3, 3) - 4,)),
    ("scatter_reduce mean", lambda L, x, s: x.scatter_reduce(1, L.tensor(_DUP), s, "mean"),
     (np.arange(9.0).reshape(3, 3),)),
    ("index_add", lambda L, x, s: x.index_add(1, L.tensor([0, 0, -1 + 4]), s, alpha=2.5),
     (np.arange(9.0).reshape(3, 3),)),
    ("index_select", lambda L, x: x.index_select(1, L.tensor([3, 3, 0], dtype=L.int32)), ()),
    ("index_put acc", lambda L, x, v: x.index_put((L.tensor([0, 0, -1]),), v, accumulate=True),
     (np.arange(12.0).reshape(3, 4),)),
    ("take", lambda L, x: x.take(L.tensor([[0, 0], [-1, 5]])), ()),
    ("put acc", lambda L, x, s: x.put(L.tensor([1, 1, -12]), s, accumulate=True),
     (np.array([1.0, 2.0, 3.0]),)),
    ("x[i] dup", lambda L, x: x[L.tensor([2, 2, -1])], ()),
    ("masked_scatter", lambda L, x, s: x.masked_scatter(L.tensor(_X[0] > 0), s),
     (np.arange(13.0),)),
    ("repeat_interleave", lambda L, x: x.repeat_interleave(L.tensor([2, 0, 1, 3]), dim=1), ()),
    ("roll", lambda L, x: x.roll((-5, 2), (1, 0)), ()),
    ("diag_embed", lambda L, x: x.diag_embed(-1, 0, 2), ()),
    ("tril", lambda L, x: x.reshape(1, 3, 4).expand(2, 3, 4).tril(-1), ()),
])
def test_duplicate_indices_values_and_gradients_match_torch(name, fn, extra):
    _same_grads(fn, _X, *extra)


def test_out_of_range_indices_raise_one_line():
    x = tg.tensor(_X)
    for call in (lambda: x.gather(1, tg.tensor([[4]] * 3)),
                 lambda: x.gather(1, tg.tensor([[-1]] * 3)),
                 lambda: x.scatter_add(0, tg.tensor([[3]]), tg.ones(1, 1)),
                 lambda: x.index_select(1, tg.tensor([-1])),
                 lambda: x.index_add(0, tg.tensor([3]), tg.ones(1, 4)),
                 lambda: x.take(tg.tensor([12])),
                 lambda: x.put(tg.tensor([-13]), tg.ones(1)),
                 lambda: x.index_put((tg.tensor([3]),), tg.tensor(1.0))):
        with pytest.raises((IndexError, ValueError)) as e:
            call()
        assert "\n" not in str(e.value)


# ---- repeat_interleave ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape,reps,dim", [
    ((2, 3), [2], 1), ((2, 3), [3], 0), ((4,), [2], 0), ((2, 2), [2], None), ((0, 2), [2], 0),
    ((2, 3), 2, -1),
])
def test_repeat_interleave_one_count_tensor_gradient(shape, reps, dim):
    """A count tensor of one element ([k]) repeats every entry k times, as an int does; its
    backward raised NumPy's IndexError (a boolean index of length 1)."""
    x = np.random.default_rng(2).standard_normal(shape)
    _same_grads(lambda L, t: t.repeat_interleave(L.tensor(reps) if isinstance(reps, list)
                                                 else reps, dim=dim), x)


def test_repeat_interleave_output_size_and_counts_alone():
    x = tg.tensor([1.0, 2.0, 3.0])
    r = [1, 2, 0]
    t = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    _same(t.repeat_interleave(torch.tensor(r), output_size=3),
          x.repeat_interleave(tg.tensor(r), output_size=3))
    with pytest.raises(ValueError, match="output_size=4"):
        x.repeat_interleave(tg.tensor(r), dim=0, output_size=4)
    _same(torch.repeat_interleave(torch.tensor([1, 0, 3])),
          tg.repeat_interleave(tg.tensor([1, 0, 3])))
    with pytest.raises(TypeError, match="repeat_interleave: repeats must be integers"):
        x.repeat_interleave(tg.tensor([1.0, 2.0, 1.0]))
    # a 0-d input with dim 0: torch's 1-D of one element (the modulo by ndim 0 raised
    # ZeroDivisionError)
    assert tg.tensor(2.0).repeat_interleave(3, dim=0).tolist() == [2.0, 2.0, 2.0]


# ---- binary float ops of small integer and bool inputs: float64 --------------------------------
_FLOAT_BINARY = {
    "atan2": lambda a, b: a.atan2(b), "hypot": lambda a, b: a.hypot(b),
    "logaddexp": lambda a, b: a.logaddexp(b), "logaddexp2": lambda a, b: a.logaddexp2(b),
    "xlogy": lambda a, b: a.xlogy(b), "copysign": lambda a, b: a.copysign(b),
    "xlog1py": lambda a, b: tg.special.xlog1py(a, b),
}


@pytest.mark.parametrize("op", sorted(_FLOAT_BINARY))
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.bool_])
def test_binary_float_ops_of_small_ints_are_float64(op, dtype):
    """As the unary ops (exp of an int8): NumPy's ufuncs gave float16 for int8/uint8/bool
    pairs (atan2 to 3 digits, without a word) and float32 for int16; torch gives float32.
    The values are float64's, computed on the integers as they are."""
    a, b = np.array([1, 3, 0, 7]).astype(dtype), np.array([2, 1, 5, 3]).astype(dtype)
    out = _FLOAT_BINARY[op](tg.tensor(a), tg.tensor(b))
    assert out.dtype == np.float64
    want = _FLOAT_BINARY[op](tg.tensor(a.astype(np.float64)), tg.tensor(b.astype(np.float64)))
    np.testing.assert_array_equal(out.data, want.data)
    # a Python int beside them too (as_tensor makes it the tensor's own dtype)
    assert _FLOAT_BINARY[op](tg.tensor(a), 2).dtype == np.float64 or dtype == np.bool_


def test_binary_float_op_of_float_and_small_int_keeps_numpys_promotion():
    x32 = tg.tensor(np.array([1.0, 2.0], np.float32))
    assert x32.atan2(tg.tensor(np.array([1, 2], np.int8))).dtype == np.float32
    assert x32.hypot(3).dtype == np.float32


# ---- **=, //=, %= write in place, as torch's ----------------------------------------------------
@pytest.mark.parametrize("op,dtype", [(operator.ipow, np.float64), (operator.ifloordiv, np.int64),
                                      (operator.imod, np.int64), (operator.ipow, np.int64)])
def test_augmented_pow_floordiv_mod_are_in_place(op, dtype):
    """Python rebound x to x ** y (no __ipow__): an alias, a view's base or a model's parameter
    kept the old values, where torch's write in place."""
    def run(lib):
        x = lib.tensor(np.array([[3, -4], [5, 7]]).astype(dtype))
        alias, row = x, x[0]
        out = op(x, 2)
        row2 = op(row, 3)
        return out is x, row2 is row, alias.tolist()

    assert run(tg) == run(torch)


@pytest.mark.parametrize("op", [operator.ipow, operator.ifloordiv, operator.imod])
def test_augmented_ops_with_a_float_into_an_int_tensor_are_refused(op):
    """`int_t **= 0.5` made x a float64 tensor without a word; torch raises, as `int_t += 0.5`
    does here (the in-place same_kind rule)."""
    x = tg.tensor([3, 4])
    with pytest.raises(TypeError, match="same_kind"):
        op(x, 2.5)
    assert x.dtype == np.int64 and x.tolist() == [3, 4]


def test_augmented_pow_on_an_op_result_is_recorded():
    """`h **= 2` on an op's result was refused (naming `x = x ** y`); it is recorded now, as
    torch records it (tensor/rebase.py): h = (2x)^2, so d sum(h) / dx = 8x."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h **= 2
    h.sum().backward()
    assert h.tolist() == [4.0, 16.0] and np.asarray(x.grad).tolist() == [8.0, 16.0]


# ---- tril / triu need a matrix ------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["tril", "triu", "tril_", "triu_"])
@pytest.mark.parametrize("value", [[1.0, 2.0, 3.0], 2.0])
def test_tril_triu_of_fewer_than_two_dims_are_refused(fn, value):
    """torch refuses; NumPy's tril of a 1-D x built a (3, 3) matrix, whose backward then failed
    ("gradient of shape (3, 3) for an input of shape (3,)"), and of a 0-d x raised a TypeError
    about np.tri."""
    x = tg.tensor(value)
    with pytest.raises(ValueError, match="2 or more dimensions") as e:
        getattr(x, fn)()
    with pytest.raises(RuntimeError):
        getattr(torch.tensor(value), fn)()
    assert "\n" not in str(e.value)


def test_tril_triu_of_batches_with_offsets_match_torch():
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    for k in (-4, -1, 0, 2, 5):
        _same_grads(lambda L, t, k=k: t.tril(k) * 2 + t.triu(diagonal=k), x)


# ---- a uint8 index tensor: torch's mask, NumPy's positions: refused ------------------------------
def test_uint8_index_tensor_is_refused():
    """torch 2.13 reads `x[m.byte()]` as a mask (with a deprecation warning); here it picked
    rows 0 and 1 as positions without a word. Refused in one line, as index_put's."""
    x = tg.tensor(np.arange(6.0).reshape(3, 2))
    m = tg.tensor(np.array([1, 0, 1], np.uint8))
    for call in (lambda: x[m], lambda: x[m, 0], lambda: x.__setitem__(m, 0.0)):
        with pytest.raises(IndexError, match=r"uint8 index tensor.*\.bool\(\)"):
            call()
    assert x[m.bool()].tolist() == [[0.0, 1.0], [4.0, 5.0]]
    # a uint8 NumPy array stays NumPy's positions (the NumPy habit)
    assert x[np.array([2, 0], np.uint8)].tolist() == [[4.0, 5.0], [0.0, 1.0]]


# ---- index_select of a 0-d index or input, as torch ---------------------------------------------
def test_index_select_of_a_0d_index_or_input():
    _same_grads(lambda L, t: t.index_select(1, L.tensor(2)), _X)
    _same_grads(lambda L, t: t.index_select(0, L.tensor([0])), np.array(1.5))
    _same_grads(lambda L, t: t.index_select(-1, L.tensor(0)), np.array(1.5))
    with pytest.raises(IndexError, match="exactly one index"):
        tg.tensor(1.0).index_select(0, tg.tensor([0, 0]))
    with pytest.raises(ValueError, match=r"index_select: indices must lie in \[0, 1\)"):
        tg.tensor(1.0).index_select(0, tg.tensor([1]))


# ---- masked_fill: mask and x broadcast together, as torch's out-of-place form -------------------
def test_masked_fill_broadcasts_x_to_the_mask():
    """torch's x.masked_fill(mask, v) broadcasts x against a larger mask; it was refused here
    (the docstring said "as torch"). masked_fill_ still keeps x's shape, as torch's."""
    m = np.array([[True, False, True], [False, False, True]])
    _same_grads(lambda L, t: t.masked_fill(L.tensor(m), -1.5), np.array([[1.0, 2.0, 3.0]]))
    _same_grads(lambda L, t, v: t.masked_fill(L.tensor(m), v), np.array([2.0]), np.array(0.5))
    with pytest.raises(ValueError, match="cannot broadcast it"):
        tg.tensor([[1.0, 2.0, 3.0]]).masked_fill_(tg.tensor(m), 0.0)


# ---- fill values keep the input's dtype, and one it cannot hold exactly is refused ---------------
_FILLS = {
    "masked_fill": lambda x, v: x.masked_fill(tg.tensor([True, False, True]), v),
    "index_fill": lambda x, v: x.index_fill(0, tg.tensor([0, 2]), v),
    "scatter value": lambda x, v: x.scatter(0, tg.tensor([0, 2]), v),
    "index_fill_": lambda x, v: x.clone().index_fill_(0, tg.tensor([0]), v),
    "masked_fill_": lambda x, v: x.clone().masked_fill_(tg.tensor([True, False, False]), v),
}


@pytest.mark.parametrize("op", sorted(_FILLS))
@pytest.mark.parametrize("dtype,value", [
    (np.int64, float("nan")), (np.int64, float("inf")), (np.int64, 1e30), (np.int32, 2.0**40),
    (np.uint8, 300), (np.uint8, -1), (np.float32, 1e300), (np.float16, -1e9)])
def test_fill_values_the_dtype_cannot_hold_are_refused(op, dtype, value):
    """index_fill(int64 x, NaN) gave -9223372036854775808 with only NumPy's RuntimeWarning
    (torch raises), scatter(value=) likewise; now each refuses, in one line, a value x's dtype
    cannot hold."""
    x = tg.tensor(np.array([1, 2, 3]).astype(dtype))
    with pytest.raises(ValueError, match="does not fit the input's dtype") as e:
        _FILLS[op](x, value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("op", ["masked_fill", "index_fill", "scatter"])
@pytest.mark.parametrize("dtype,value", [(np.int64, 7.0), (np.int32, -2), (np.uint8, 255),
                                         (np.int64, 7.5), (np.int64, -2.5),
                                         (np.float32, float("-inf")), (np.float32, 0.1),
                                         (np.bool_, 1)])
def test_fill_values_keep_the_dtype_as_torch(op, dtype, value):
    """masked_fill of an integer x with 7.5 gave a float64 tensor of 7.5 (torch: int64, 7),
    while index_fill and scatter(value=) truncated as torch's."""
    a = np.array([1, 0, 3]).astype(dtype)

    def run(lib):
        x, i = lib.tensor(a), lib.tensor([0, 2])
        if op == "masked_fill":
            return x.masked_fill(lib.tensor([True, False, True]), value)
        return x.index_fill(0, i, value) if op == "index_fill" else x.scatter(0, i, value)

    t, g = run(torch), run(tg)
    assert g.dtype == t.numpy().dtype and g.tolist() == t.tolist()


def test_masked_fill_with_a_float64_0d_value_keeps_float32_and_its_gradient():
    """torch keeps x's dtype; the value's gradient comes back in its own dtype."""
    x = tg.tensor(np.array([1.0, 2.0, 3.0], np.float32), requires_grad=True)
    v = tg.tensor(0.5, requires_grad=True)
    out = x.masked_fill(tg.tensor([True, False, True]), v)
    assert out.dtype == np.float32
    (out * tg.tensor(np.array([1.0, 10.0, 100.0], np.float32))).sum().backward()
    assert v.grad == 101.0 and x.grad.tolist() == [0.0, 10.0, 0.0]
