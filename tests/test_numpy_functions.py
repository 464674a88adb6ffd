"""NumPy's functions on a Tensor: np.sum(t), np.mean(t, axis=0), np.clip(t, 0, 1), ... call the
tensor's own method (NumPy's protocol for objects with those methods) and stay in the graph.

Before: they passed NumPy's keywords (out=None, dtype=None, order="C", transpose's None) that the
methods did not take. np.sum, np.mean, np.max, np.std, np.var, np.prod raised "unexpected keyword
argument 'out'"; worse, np.clip, np.argmax, np.cumsum, np.round, np.reshape, np.transpose and
np.repeat of a vector caught that TypeError and computed on the array instead: a plain ndarray,
cut from the graph without a word (`h = np.clip(s, 0, None)` trained nothing below it).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_dl import Tensor

A = np.array([[0.3, -1.2, 2.5], [1.7, 0.4, -0.6]])

# (name, NumPy's function on a tensor or array, the same through the tensor's method)
CASES = [
    ("sum", lambda x: np.sum(x), lambda t: t.sum()),
    ("sum axis", lambda x: np.sum(x, axis=0), lambda t: t.sum(axis=0)),
    ("sum keepdims", lambda x: np.sum(x, axis=1, keepdims=True), lambda t: t.sum(1, keepdims=True)),
    ("mean", lambda x: np.mean(x, axis=0), lambda t: t.mean(axis=0)),
    ("max", lambda x: np.max(x), lambda t: t.max()),
    ("amax axis", lambda x: np.amax(x, axis=1), lambda t: t.amax(1)),
    ("min axis", lambda x: np.min(x, axis=0), lambda t: t.min(axis=0)),
    ("std", lambda x: np.std(x), lambda t: t.std()),
    ("var ddof", lambda x: np.var(x, axis=1, ddof=1), lambda t: t.var(axis=1, ddof=1)),
    ("prod", lambda x: np.prod(x, axis=1), lambda t: t.prod(1)),
    ("cumsum", lambda x: np.cumsum(x, axis=1), lambda t: t.cumsum(1)),
    ("cumsum flat", lambda x: np.cumsum(x), lambda t: t.cumsum()),
    ("clip", lambda x: np.clip(x, -0.5, 1.0), lambda t: t.clip(-0.5, 1.0)),
    ("clip one side", lambda x: np.clip(x, 0, None), lambda t: t.clip(0, None)),
    ("round", lambda x: np.round(x), lambda t: t.round()),
    ("transpose", lambda x: np.transpose(x), lambda t: t.T),
    ("transpose axes", lambda x: np.transpose(x, (1, 0)), lambda t: t.transpose((1, 0))),
    ("reshape", lambda x: np.reshape(x, (3, 2)), lambda t: t.reshape(3, 2)),
    ("reshape -1", lambda x: np.reshape(x, -1), lambda t: t.reshape(-1)),
    ("repeat axis", lambda x: np.repeat(x, 2, axis=1), lambda t: t.repeat(2, axis=1)),
    ("repeat flat", lambda x: np.repeat(x, 2), lambda t: t.repeat(2, axis=None)),
    ("squeeze", lambda x: np.squeeze(x[None]), lambda t: t[None].squeeze()),
    ("swapaxes", lambda x: np.swapaxes(x, 0, 1), lambda t: t.swapaxes(0, 1)),
]


@pytest.mark.parametrize("name, np_fn, method", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numpys_function_on_a_tensor_is_its_method_in_the_graph(name, np_fn, method, dtype):
    a = A.astype(dtype)
    t = Tensor(a.copy(), requires_grad=True)
    out = np_fn(t)
    assert isinstance(out, Tensor), f"np's {name} gave a {type(out).__name__}: off the graph"
    expected = np_fn(a)
    if name.startswith("cumsum") and dtype == np.float32:  # (a float32 running sum is made
        expected = np_fn(a.astype(np.float64)).astype(dtype)  # in float64: torch's)
    assert out.data.dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(out.data, expected)  # NumPy's own numbers, bit for bit
    w = np.random.default_rng(0).standard_normal(out.shape)
    (out * Tensor(w.astype(dtype))).sum().backward()
    u = Tensor(a.copy(), requires_grad=True)
    (method(u) * Tensor(w.astype(dtype))).sum().backward()
    np.testing.assert_array_equal(t.grad, u.grad)  # the method's gradient, through np's call


@pytest.mark.parametrize("np_fn", [np.argmax, np.argmin])
def test_numpys_arg_extremes_give_tensors_of_its_indices(np_fn):
    t = Tensor(A, requires_grad=True)
    for axis in (None, 0, 1):
        out = np_fn(t, axis=axis)
        assert isinstance(out, Tensor)
        np.testing.assert_array_equal(out.data, np_fn(A, axis=axis))


def test_np_repeat_of_a_vector_is_numpys_each_element_while_the_bare_method_stays_ambiguous():
    v = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = np.repeat(v, 2)  # np.repeat passes axis=None: NumPy's spelling, NumPy's meaning
    np.testing.assert_array_equal(out.data, [1, 1, 2, 2, 3, 3])
    out.sum().backward()
    np.testing.assert_array_equal(v.grad, [2, 2, 2])
    with pytest.raises(TypeError, match="tiles"):  # PyTorch's v.repeat(2) tiles: refused
        v.repeat(2)


@pytest.mark.parametrize("call", [
    lambda t, buf: np.sum(t, out=buf), lambda t, buf: np.mean(t, out=buf),
    lambda t, buf: np.max(t, out=buf), lambda t, buf: np.min(t, out=buf),
    lambda t, buf: np.std(t, out=buf), lambda t, buf: np.var(t, out=buf),
    lambda t, buf: np.prod(t, out=buf), lambda t, buf: np.round(t, out=np.empty((2, 3))),
    lambda t, buf: np.clip(t, 0, 1, out=np.empty((2, 3))),
    lambda t, buf: np.cumsum(t, out=np.empty(6)),
    lambda t, buf: np.argmax(t, out=np.empty((), np.intp)),
])
def test_out_into_an_array_is_refused_in_one_line_not_computed_off_the_graph(call):
    # a TypeError here would be taken by NumPy's np.clip/np.argmax/np.cumsum for "another
    # signature" and the array's method run instead (a plain array, no gradient): ValueError
    t = Tensor(A, requires_grad=True)
    with pytest.raises(ValueError, match=r"\(out=\.\.\.\): a tensor op makes a new tensor"):
        call(t, np.empty(()))


def test_a_floating_dtype_casts_first_and_the_gradient_comes_back_in_the_tensors_dtype():
    a = A.astype(np.float32)
    t = Tensor(a.copy(), requires_grad=True)
    out = np.mean(t, dtype=np.float64)  # NumPy's float32 values read in float64
    assert out.data.dtype == np.float64
    assert out.item() == np.mean(a, dtype=np.float64)
    s = np.sum(t, axis=0, dtype=np.float64)
    np.testing.assert_array_equal(s.data, np.sum(a, axis=0, dtype=np.float64))
    (out + s.sum()).backward()
    assert t.grad.dtype == np.float32
    np.testing.assert_allclose(t.grad, np.full(a.shape, 1 / a.size + 1), rtol=1e-6)
    for dt in (np.int64, "bool", "not a dtype"):
        with pytest.raises(ValueError, match="only a floating dtype"):
            np.mean(t, dtype=dt)


def test_reshape_in_another_order_is_refused_and_the_advice_is_numpys_order():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = Tensor(a, requires_grad=True)
    for order in ("F", "A"):
        with pytest.raises(ValueError, match=re.escape(f"reshape(order='{order}')")):
            np.reshape(t, (4, 6), order=order)
    for shape in [(4, 6), (3, 8), (24,)]:  # the message's t.T.reshape(shape[::-1]).T
        np.testing.assert_array_equal(t.T.reshape(shape[::-1]).T.data,
                                      np.reshape(a, shape, order="F"))


def test_round_with_decimals_is_numpys_numbers_bit_for_bit():
    rng = np.random.default_rng(1)
    a = np.concatenate([rng.standard_normal(200) * 10.0 ** rng.integers(-3, 4, 200),
                        [0.125, 0.375, 2.5, -2.5, 1250.0, 0.0, -0.0]])
    for dtype in (np.float64, np.float32):
        x = a.astype(dtype)
        for d in (-2, -1, 0, 1, 2, 3):
            out = np.round(Tensor(x), d)
            np.testing.assert_array_equal(out.data, np.round(x, d), err_msg=f"decimals={d}")
            assert out.data.dtype == x.dtype
            assert Tensor(x).round(decimals=d).data.tobytes() == np.round(x, d).tobytes()
