"""What the table-driven suite (tests/test_ops.py) cannot say in a row: the conventions where a
derivative does not exist, the other call forms (reflected operators, index kinds, scalar
exponents), NumPy's and PyTorch's spellings side by side (and the errors where they disagree),
out=, and the new ops' special values, against PyTorch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle import functional_of

import tinygrad_dl as tg
from tinygrad_dl import Tensor, no_grad, optable
from tinygrad_dl import functional as F
from tinygrad_dl.testing import (
    arrays,
    broadcastable_shapes,
    check_float32,
    check_grad,
    nonzero_arrays,
    positive_arrays,
    shapes,
)


def grad_of(fn, *values):
    ts = [Tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]
    fn(*ts).sum().backward()
    return [t.grad for t in ts]


# ---- conventions where the derivative does not exist -------------------------------------------
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


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round"])
def test_piecewise_constant_ops_have_zero_gradient_also_at_the_jumps(name):
    x = Tensor(np.array([-1.7, -0.5, 0.0, 0.4, 2.5]), requires_grad=True)
    out = getattr(tg, name)(x)
    np.testing.assert_array_equal(out.data, getattr(np, name)(x.data))
    (out * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(5))


def test_prod_gradient_with_zeros_is_exact():
    x = Tensor(np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]]), requires_grad=True)
    x.prod(axis=1).sum().backward()
    # one zero: it gets the product of the rest; two zeros: all 0; none: the others' product
    np.testing.assert_array_equal(x.grad, [[6, 0, 0], [0, 0, 0], [8, 4, 2]])


def test_logsumexp_is_finite_for_huge_inputs():
    np.testing.assert_allclose(tg.logsumexp(Tensor([1000.0, 1000.0])).data, 1000 + np.log(2))


def test_argmax_argmin_are_constants():
    x = Tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]), requires_grad=True)
    assert x.argmax().item() == 3 and x.argmin().item() == 4
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])
    np.testing.assert_array_equal(tg.argmin(x, axis=0).data, [0, 1, 0])
    assert not x.argmax().requires_grad and x.argmax(axis=1).dtype.kind == "i"


# ---- call forms beyond a row's -----------------------------------------------------------------
@given(positive_arrays(shapes()), st.sampled_from([2, 3, 0.5, -1, 1.5, -2.5, 0]))
def test_pow_scalar_exponent(x, p):
    check_grad(lambda a: a**p, x, ref=lambda a: a**p)
    check_grad(lambda a: a.pow(p), x, ref=lambda a: a**p)


@given(nonzero_arrays(shapes(), margin=0.3), st.sampled_from([1, 2, 3, -1, -2]))
def test_pow_integer_exponent_negative_base(x, p):
    check_grad(lambda a: a**p, x, ref=lambda a: a**p)


@st.composite
def _pair(draw, second=arrays):
    sx, sy = draw(broadcastable_shapes())
    return draw(arrays(sx)), draw(second(sy))


@given(_pair(second=nonzero_arrays))
def test_reflected_with_numpy_arrays(ay):
    arr, y = ay
    check_grad(lambda b: arr + b, y, ref=lambda b: arr + b)
    check_grad(lambda b: arr - b, y, ref=lambda b: arr - b)
    check_grad(lambda b: arr * b, y, ref=lambda b: arr * b)
    check_grad(lambda b: arr / b, y, ref=lambda b: arr / b)


@given(nonzero_arrays(shapes()), st.floats(-3, 3))
def test_reflected_with_python_and_numpy_scalars(x, c):
    check_grad(lambda a: 2 - a, x, ref=lambda a: 2 - a)
    check_grad(lambda a: c * a, x, ref=lambda a: c * a)
    check_grad(lambda a: 2.5 / a, x, ref=lambda a: 2.5 / a)
    check_grad(lambda a: 2**a, x, ref=lambda a: 2.0**a)
    check_grad(lambda a: np.float64(3) - a, x, ref=lambda a: 3 - a)
    check_grad(lambda a: 0.5 % (abs(a) + 1.0), x, ref=lambda a: np.mod(0.5, np.abs(a) + 1))


def test_matmul_with_one_side_requiring_grad_and_a_numpy_array_on_the_left():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-2, 2, (2, 3)), rng.uniform(-2, 2, (3, 4))
    check_grad(lambda a, b: a.matmul(b), x, y, wrt=[1])
    check_grad(lambda b: x @ b, y, ref=lambda b: x @ b)


def test_transpose_call_forms():
    x = np.random.default_rng(1).uniform(-2, 2, (2, 3, 4))
    check_grad(lambda a: a.transpose(2, 0, 1), x, ref=lambda a: a.transpose(2, 0, 1))
    check_grad(lambda a: a.T, x, ref=lambda a: a.T)
    check_grad(lambda a: a.permute(1, 2, 0), x, ref=lambda a: a.transpose(1, 2, 0))


@pytest.mark.parametrize("index", [
    (Ellipsis, np.array([0, 0, 1])), (slice(1, None), [0, 0, 3]), np.array([[0, 0], [2, 1]]),
    (np.array([0, 2, 0]), slice(None), np.array([1, 1, 0])), (None, np.array([1, 1])),
    (np.array([True, False, True]), 1), (0, np.array([3, 3])), (-1, Ellipsis, None),
    [2, 0, 2], Tensor(np.array([1, 1])),
    # a Python bool is an int to Python, an advanced index to NumPy (x[True] is a copy): its
    # gradient was added into that copy and lost, all zeros (found 2026-12-03)
    True, (slice(1, None), True), (0, True), (Ellipsis, True), (True, 1), False,
], ids=str)
def test_getitem_index_kinds(index):
    x = np.random.default_rng(0).uniform(-2, 2, (3, 4, 2))
    idx = index.data if isinstance(index, Tensor) else index
    idx = np.asarray(idx) if isinstance(idx, list) else idx
    check_grad(lambda a: a[index], x, ref=lambda a: a[idx])


def test_getitem_duplicates_accumulate():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    x[np.array([0, 0, 1, 0]), np.array([2, 2, 1, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 0, 2], [0, 1, 0]])


@pytest.mark.parametrize("sections", [2, [1, 3], [2], [-1], [-3, 3], [1, -1], [3, 1], [0, 9],
                                      [-9, 2], []])
def test_split_pieces_are_numpys(sections):
    x = np.random.default_rng(4).uniform(-2, 2, (2, 4))
    parts, ref = tg.split(Tensor(x), sections, axis=1), np.split(x, sections, axis=1)
    assert len(parts) == len(ref)
    for p, r in zip(parts, ref):
        np.testing.assert_array_equal(p.data, r)


def test_python_scalars_keep_float32():
    def fn(a):
        return ((2 - a) * 0.5 + 1 / (a + 3) - 2**a + a**2 - a / 3 + tg.maximum(a, 1.0)
                + tg.where(a.data > 1, a, 0.0) + tg.where(a.data > 1, 2, a) + a.clamp(max=1.2))
    check_float32(fn, np.random.default_rng(0).uniform(0.5, 2.0, (2, 3)))


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
    with pytest.raises(ValueError, match="a '.' outside"):
        tg.einsum("....i->i", x)
    with pytest.raises(ValueError, match="length 3 in one place and 2 in another .only length"):
        tg.einsum("...i,...i->...i", Tensor(np.ones((3, 3))), x)  # (length 1 broadcasts)
    with pytest.raises(ValueError, match="pad: mode must be one of"):
        tg.pad(x, 1, mode="symmetric")
    with pytest.raises(ValueError, match="rot90: axes must be two different axes"):
        x.rot90(axes=(1, 1))
    with pytest.raises(ValueError, match="cross: vectors of length 3 only"):
        tg.cross(x.T, x.T)


# ---- PyTorch's spellings beside NumPy's -------------------------------------------------------
REDUCING = [op for op in optable.OPS if isinstance(op.sample, optable.Reduction)]


@pytest.mark.parametrize("name", [op.name for op in REDUCING])
def test_dim_and_keepdim_spell_axis_and_keepdims(name):
    """Every reduction and axis-taking op: dim=/keepdim= give what axis=/keepdims= give (var
    and std with PyTorch's unbiased default), as a method and as tinygrad_dl.<name>."""
    op = optable.BY_NAME[name]
    x = Tensor(np.random.default_rng(2).permutation(24).reshape(2, 3, 4) / 7.0)
    kw = {"keepdims": True} if op.sample.keepdims else {}
    torch_kw = {"keepdim": True} if op.sample.keepdims else {}
    extra = {"ddof": 1} if name in ("var", "std") else {}
    want = op.test_call()(x, axis=1, **kw, **extra)
    spellings = [op.test_call()(x, dim=1, **torch_kw)]
    spellings += [getattr(x, m)(dim=1, **torch_kw) for m in op.methods]
    spellings += [getattr(tg, n)(x, dim=1, **torch_kw) for n in op.names]
    for got in spellings:
        got = got.values if isinstance(got, tuple) else got
        np.testing.assert_array_equal(got.data, want.data)


@pytest.mark.parametrize("call", [
    lambda x: x.sum(axis=0, dim=1), lambda x: x.mean(1, dim=1),
    lambda x: x.max(axis=0, dim=1), lambda x: tg.sum(x, axis=0, dim=1),
    lambda x: x.var(keepdims=True, keepdim=False), lambda x: tg.cat([x, x], axis=1, dim=0),
    lambda x: x.flip(axis=0, dims=1), lambda x: x.cumsum(axis=0, dim=1),
    lambda x: x.softmax(axis=0, dim=1), lambda x: x.var(ddof=1, correction=1),
])
def test_both_spellings_of_one_argument_are_an_error(call):
    with pytest.raises(TypeError, match="NumPy's and PyTorch's names for one argument|ddof"):
        call(Tensor(np.ones((2, 3))))


def test_the_habits_of_the_issue():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    np.testing.assert_array_equal(x.mean(dim=1, keepdim=True).data, [[1], [4]])
    np.testing.assert_allclose(F.softmax(x, dim=-1).data, x.softmax(-1).data)
    np.testing.assert_array_equal(tg.stack([x, x], dim=0).shape, (2, 2, 3))
    np.testing.assert_array_equal(x.clamp(min=1, max=4).data, np.clip(x.data, 1, 4))
    np.testing.assert_array_equal(tg.clamp(x, 2).data, np.clip(x.data, 2, None))
    np.testing.assert_array_equal(tg.relu(x - 2).data, np.maximum(x.data - 2, 0))
    np.testing.assert_array_equal(tg.matmul(x, x.T).data, x.data @ x.data.T)
    np.testing.assert_array_equal(tg.mul(x, x).data, x.data**2)
    assert tg.exp(x).shape == tg.log(x + 1).shape == tg.sqrt(x).shape == (2, 3)
    assert tg.sum(x).item() == 15 and tg.mean(x).item() == 2.5
    np.testing.assert_array_equal(x.log_softmax(dim=0).data, F.log_softmax(x, 0).data)


def test_max_and_min_with_dim_give_values_and_indices():
    x = Tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]), requires_grad=True)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.data, [5, 7])
    np.testing.assert_array_equal(indices.data, [1, 0])  # the first maximum, as PyTorch
    assert x.min(dim=0, keepdim=True).values.shape == (1, 3)
    np.testing.assert_array_equal(tg.max(x, dim=0).indices.data, [1, 0, 1])
    np.testing.assert_array_equal(x.max(1).data, [5, 7])  # NumPy's: the values
    np.testing.assert_array_equal(x.max(Tensor([3.0, 3.0, 3.0])).data, [[3, 5, 3], [7, 3, 7]])
    values.sum().backward()
    # the tie's gradient goes to the index returned, as torch's (it was split: 0.5, 0, 0.5)
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])
    with pytest.raises(TypeError, match=r"max\(dim=...\) takes one dim.*amax"):
        x.max(dim=(0, 1))


def test_var_and_std_follow_the_spelling_they_are_called_with():
    a = np.random.default_rng(0).standard_normal((3, 4))
    x = Tensor(a)
    np.testing.assert_allclose(x.var(axis=1).data, a.var(1))
    np.testing.assert_allclose(x.var(dim=1).data, a.var(1, ddof=1))  # torch: unbiased
    np.testing.assert_allclose(x.std(dim=0, correction=0).data, a.std(0))
    np.testing.assert_allclose(x.std(dim=0, unbiased=False).data, a.std(0))
    np.testing.assert_allclose(x.var(unbiased=True).data, a.var(ddof=1))
    np.testing.assert_allclose(tg.std(x, 1, ddof=1).data, a.std(1, ddof=1))


def test_transpose_reads_pytorchs_two_dims_and_refuses_the_ambiguous_one():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(Tensor(a).transpose(0, 2).data, a.swapaxes(0, 2))
    np.testing.assert_array_equal(Tensor(a).transpose(dim0=1, dim1=2).data, a.swapaxes(1, 2))
    m = Tensor(a[0])
    np.testing.assert_array_equal(m.transpose(1, 0).data, a[0].T)
    np.testing.assert_array_equal(m.transpose((0, 1)).data, a[0])  # NumPy's identity
    np.testing.assert_array_equal(tg.transpose(m).data, a[0].T)
    with pytest.raises(ValueError, match=r"transpose\(0, 1\) of a 2-D tensor.*x\.T"):
        m.transpose(0, 1)
    np.testing.assert_array_equal(m.permute(0, 1).data, a[0])  # permute is always a permutation


def test_squeeze_flatten_flip_roll_with_torchs_names():
    a = np.arange(6.0).reshape(1, 2, 3)
    x = Tensor(a)
    assert x.squeeze(dim=1).shape == (1, 2, 3)  # PyTorch: a no-op on a length-2 axis
    assert x.squeeze(dim=0).shape == (2, 3)
    with pytest.raises(ValueError, match="squeeze"):
        x.squeeze(1)  # NumPy: an error
    assert x.flatten(start_dim=1).shape == (1, 6) and x.unsqueeze(dim=0).shape == (1, 1, 2, 3)
    np.testing.assert_array_equal(x.flip(dims=(2,)).data, a[..., ::-1])
    np.testing.assert_array_equal(x.roll(shifts=1, dims=2).data, np.roll(a, 1, 2))
    np.testing.assert_array_equal(x.swapdims(0, 2).data, a.swapaxes(0, 2))
    np.testing.assert_array_equal(x.movedim(0, -1).data, np.moveaxis(a, 0, -1))
    np.testing.assert_array_equal(x.expand(3, -1, -1).data, np.broadcast_to(a, (3, 2, 3)))
    np.testing.assert_array_equal(x.clip(a_min=1).data, np.clip(a, 1, None))
    np.testing.assert_array_equal(x.diagonal(dim1=1, dim2=2).data, np.diagonal(a, 0, 1, 2))
    np.testing.assert_array_equal(x.leaky_relu(negative_slope=0.2).data, a)
    with pytest.raises(TypeError, match=r"x.repeat\(\*sizes\) is x.tile\(\(1, 2, 1\)\)"):
        x.repeat(1, 2, 1)
    lo = Tensor(0.5, requires_grad=True)  # (a bound that requires grad gets torch's gradient:
    x.clamp(min=lo).sum().backward()  # the count of the entries clamped up to it)
    assert lo.grad == (a < 0.5).sum()


def test_out_writes_into_an_existing_tensor():
    a = Tensor(np.arange(6.0).reshape(2, 3))
    y3 = tg.rand_like(a @ a.T)
    got = tg.matmul(a, a.T, out=y3)
    assert got is y3
    np.testing.assert_array_equal(y3.data, a.data @ a.data.T)
    z = tg.zeros(2, 3)
    tg.mul(a, a, out=z)
    tg.cat([a], dim=0, out=tg.zeros(2, 3))
    np.testing.assert_array_equal(z.data, a.data**2)
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"exp\(out=...\) does not record a gradient"):
        tg.exp(w, out=tg.zeros(3))
    with pytest.warns(UserWarning, match=r"exp\(out=...\): an output .* resized"):
        o = tg.exp(np.ones(3), out=tg.zeros(2))  # (resized, as torch)
    assert o.shape == (3,)
    with pytest.raises(TypeError, match="can't be cast to out's dtype int64"):
        tg.exp(np.ones(3), out=tg.zeros(3, dtype=tg.int64))  # float into int: refused
    with pytest.raises(TypeError, match="out must be a Tensor"):
        tg.exp(np.ones(3), out=np.zeros(3))
    c = (w * z).sum()  # a live graph reads z's array: z gets a copy, c's backward is refused
    tg.exp(np.ones((2, 3)), out=z)
    with pytest.raises(RuntimeError, match=r"replaced by exp\(out=...\)"):
        c.backward()
    del c
    with no_grad():  # PyTorch's way around: no gradient is recorded, out= is fine
        tg.exp(w, out=z[0])
    np.testing.assert_allclose(z.data[0], np.e)


def test_pad_takes_numpys_widths_and_pytorchs_flat_tuple():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tg.pad(a, 1).data, np.pad(a, 1))
    np.testing.assert_array_equal(F.pad(a, (1, 2, 0, 1), value=9).data,
                                  np.pad(a, ((0, 1), (1, 2)), constant_values=9))
    np.testing.assert_array_equal(tg.pad(a[0], (1, 2)).data, np.pad(a[0], (1, 2)))
    with pytest.raises(ValueError, match=r"NumPy pads every axis by \(1, 1\), PyTorch only"):
        F.pad(a, (1, 1))


def test_split_with_dim_is_torch_split_and_tensor_split_is_array_split():
    x = tg.arange(10.0)
    assert [p.shape[0] for p in tg.split(x, 3, dim=0)] == [3, 3, 3, 1]
    assert [p.shape[0] for p in tg.split(x, [2, 8], dim=0)] == [2, 8]
    assert [p.shape[0] for p in tg.split(x, 5)] == [2, 2, 2, 2, 2]  # NumPy's: 5 sections
    assert [p.shape[0] for p in tg.tensor_split(x, 3)] == [4, 3, 3]
    with pytest.raises(ValueError, match=r"sizes \[2, 3\] do not add up to the length 10"):
        tg.split(x, [2, 3], dim=0)


def test_sort_gives_values_or_values_and_indices_by_spelling():
    a = np.array([[3.0, 1.0, 2.0, 1.0], [np.nan, 0.5, 4.0, 0.5]])
    np.testing.assert_array_equal(tg.sort(a).data, np.sort(a))
    values, indices = Tensor(a).sort(descending=True)
    np.testing.assert_array_equal(values.data, [[3, 2, 1, 1], [np.nan, 4, 0.5, 0.5]])
    np.testing.assert_array_equal(indices.data, [[0, 2, 1, 3], [0, 2, 1, 3]])  # ties in order
    np.testing.assert_array_equal(Tensor(a).argsort(dim=1).data,
                                  np.argsort(a, 1, kind="stable"))
    assert tg.sort(a, axis=None).shape == (8,) and tg.sort(a, dim=0).indices.shape == (2, 4)


def test_sort_gradient_goes_back_through_the_permutation():
    x = Tensor(np.array([3.0, 1.0, 2.0]), requires_grad=True)
    (x.sort().values * Tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [100, 1, 10])


def test_new_ops_special_values():
    x = Tensor(np.array([0.0, 1e-9, 0.5]), requires_grad=True)
    tg.sinc(x).sum().backward()
    assert x.grad[0] == 0 and abs(x.grad[1] + np.pi**2 / 3 * 1e-9) < 1e-20
    y = Tensor(np.array([1.0, np.nan, np.inf, -np.inf]), requires_grad=True)
    out = y.nan_to_num(posinf=5.0)
    np.testing.assert_array_equal(out.data, [1, 0, 5, np.finfo(np.float64).min])
    out.sum().backward()
    np.testing.assert_array_equal(y.grad, [1, 0, 0, 0])
    a = Tensor(np.array([1.0, np.nan, 2.0, np.nan]), requires_grad=True)
    b = Tensor(np.array([np.nan, 3.0, 2.0, np.nan]), requires_grad=True)
    out = tg.fmax(a, b)
    np.testing.assert_array_equal(out.data, [1, 3, 2, np.nan])
    out.backward(np.ones(4))
    np.testing.assert_array_equal(a.grad, [1, 0, 0.5, 1])
    np.testing.assert_array_equal(b.grad, [0, 1, 0.5, 0])
    np.testing.assert_array_equal(tg.atleast_2d(1.0, [1.0, 2.0])[1].shape, (1, 2))
    np.testing.assert_allclose(tg.radians(Tensor([180.0])).data, [np.pi])
    np.testing.assert_allclose(tg.degrees(Tensor([np.pi])).data, [180.0])


def test_einsum_sublist_and_list_forms():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    np.testing.assert_allclose(tg.einsum(a, [0, 1], b, [1, 2]).data,
                               np.einsum(a, [0, 1], b, [1, 2]))
    np.testing.assert_allclose(tg.einsum("ij,jk", [a, b]).data, a @ b)
    with pytest.raises(ValueError, match="axis label 'i' must be an int in"):
        tg.einsum(a, ["i", "j"])
    with pytest.raises(TypeError, match="the subscripts must be a str .*NumPy's sublists"):
        tg.einsum(a)


def test_functional_dropout():
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    assert F.dropout(x, 0.3, training=False) is x and F.dropout(x, 0.0) is x
    out = F.dropout(x, 0.3, rng=np.random.default_rng(0))
    kept = out.data != 0
    assert abs(kept.mean() - 0.7) < 0.02 and np.allclose(out.data[kept], 1 / 0.7)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # d/dx (mask * x) = mask
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0)
    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\], got 1.5"):
        F.dropout(x, 1.5)


# ---- against PyTorch, where it is installed (values and gradients, float64) ---------------------
def _torch_cases():
    return [
        ("arcsinh", lambda m, a: m.arcsinh(a), [(3,)]),
        ("atanh", lambda m, a: m.atanh(a * 0.3), [(3,)]),
        ("acosh", lambda m, a: m.acosh(abs(a) + 1.5), [(3,)]),
        ("sinc", lambda m, a: m.sinc(a), [(4,)]),
        ("deg2rad", lambda m, a: m.deg2rad(a), [(2,)]),
        ("rad2deg", lambda m, a: m.rad2deg(a), [(2,)]),
        ("fmax", lambda m, a, b: m.fmax(a, b), [(3,), (3,)]),
        ("fmin", lambda m, a, b: m.fmin(a, b), [(2, 3), (3,)]),
        ("logaddexp2", lambda m, a, b: m.logaddexp2(a, b), [(3,), (3,)]),
        ("erf", lambda m, a: m.erf(a * 2), [(5,)]),
        ("erfc", lambda m, a: m.erfc(a * 2), [(5,)]),
        ("x.erf", lambda m, a: (a * 3).erf() + a.erfc(), [(2, 3)]),
        ("F.gelu", lambda m, a: functional_of(m).gelu(a * 3), [(2, 3)]),
        ("F.gelu-tanh", lambda m, a: functional_of(m).gelu(a * 3, approximate="tanh"), [(2, 3)]),
        ("diff", lambda m, a: m.diff(a, n=2, dim=0), [(4, 2)]),
        ("kron", lambda m, a, b: m.kron(a, b), [(2, 2), (2, 3)]),
        ("cross", lambda m, a, b: m.cross(a, b, dim=-1), [(2, 3), (2, 3)]),
        ("sort", lambda m, a: m.sort(a, dim=0, descending=True).values, [(4, 2)]),
        ("rot90", lambda m, a: m.rot90(a, 1, [0, 1]), [(2, 3)]),
        ("trace", lambda m, a: m.trace(a), [(3, 3)]),
        ("diagonal", lambda m, a: m.diagonal(a, offset=1, dim1=0, dim2=2), [(3, 2, 4)]),
        ("gather", lambda m, a: m.gather(a, 1, _index(m, [[0, 0], [2, 1]])), [(2, 3)]),
        ("take_along_dim", lambda m, a: m.take_along_dim(a, _index(m, [[2], [0]]), dim=1),
         [(2, 3)]),
        ("softmax", lambda m, a: m.softmax(a, dim=0), [(3, 2)]),
        ("log_softmax", lambda m, a: m.log_softmax(a, dim=1), [(3, 2)]),
        ("var-dim", lambda m, a: m.var(a, dim=1), [(3, 4)]),
        ("std-correction", lambda m, a: m.std(a, dim=0, correction=0), [(3, 4)]),
        ("max-dim", lambda m, a: m.max(a, dim=1).values, [(3, 4)]),
        ("amin", lambda m, a: m.amin(a, dim=(0, 1), keepdim=True), [(3, 4)]),
        ("clamp", lambda m, a: m.clamp(a, min=-0.5, max=0.5), [(3, 4)]),
        ("transpose", lambda m, a: m.transpose(a, 0, 2), [(2, 3, 4)]),
        ("tensor_split", lambda m, a: _flat(m, m.tensor_split(a, 3, dim=1)), [(2, 5)]),
        ("split", lambda m, a: _flat(m, m.split(a, 2, dim=1)), [(2, 5)]),
        ("repeat_interleave", lambda m, a: m.repeat_interleave(a, 2, dim=1), [(2, 3)]),
        ("atleast_3d", lambda m, a: m.atleast_3d(a), [(2, 3)]),
        ("column_stack", lambda m, a, b: m.column_stack([a, b]), [(3,), (3, 2)]),
        ("nan_to_num", lambda m, a: m.nan_to_num(a / (a > 0), nan=0.5, posinf=7.0), [(4,)]),
        ("F.pad", lambda m, a: functional_of(m).pad(a, (1, 2, 0, 1), value=0.5), [(2, 3)]),
        ("F.dropout-eval", lambda m, a: functional_of(m).dropout(a, 0.5, training=False), [(3,)]),
    ]


def _flat(m, pieces):
    return m.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)])


def _index(m, rows):
    return m.tensor(rows) if m is not tg else np.array(rows)


@pytest.mark.parametrize("case", range(len(_torch_cases())),
                         ids=[c[0] for c in _torch_cases()])
def test_new_ops_and_spellings_match_pytorch(case):
    torch = pytest.importorskip("torch")
    _, fn, shapes_ = _torch_cases()[case]
    rng = np.random.default_rng(case)
    xs = [rng.uniform(-2, 2, s) for s in shapes_]
    ours = [Tensor(x, requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    out, ref = fn(tg, *ours), fn(torch, *theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    G = rng.standard_normal(out.shape)
    out.backward(G)
    ref.backward(torch.tensor(G))
    for a, b in zip(ours, theirs):
        expected = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


# ---- found 2026-12-03: silent differences from NumPy / PyTorch (each failed before) ---------
@pytest.mark.parametrize("f", [
    lambda t: t + 1, lambda t: t ** 2, lambda t: t % 2, lambda t: 1 - t, lambda t: t * 0.5,
    lambda t: t - 2**53,
], ids=["add", "pow", "mod", "rsub", "mul_float", "big"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_an_integer_tensor_and_a_python_number_give_numpys_dtype(f, dtype, request):
    """int_t + 1 was float64 (a Python number became a float64 constant beside any tensor):
    t + 1 and t += 1 disagreed, uint8 did not wrap, and int64 beyond 2**53 lost digits.
    A bool tensor in a subtraction is refused, as torch's (NumPy gives int64)."""
    if dtype is np.bool_ and request.node.callspec.id.split("-")[-1] in ("rsub", "big"):
        with pytest.raises(TypeError, match=r"subtraction \(-\) with a bool"):
            f(Tensor(np.array([True, False])))
        return
    if dtype is np.bool_ and f(np.array([True])).dtype == np.int8:
        pytest.skip("NumPy's power has no bool loop and picks int8; here int64")
    a = np.array([0, 1, 3], dtype=dtype) if dtype is not np.bool_ else np.array([True, False])
    if dtype is np.int64:
        a = np.append(a, 2**53 + 1)
    try:
        want = f(a)
    except (TypeError, OverflowError, ValueError) as e:  # NumPy refuses: so does the op
        with pytest.raises(type(e) if not isinstance(e, TypeError) else Exception):
            f(Tensor(a))
        return
    got = f(Tensor(a))
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_array_equal(got.data, want)


def test_uint8_plus_a_python_int_wraps_as_numpys():
    np.testing.assert_array_equal((Tensor(np.uint8([250])) + 10).data, np.uint8([4]))
    t = tg.tensor([1, 2, 3])
    u = tg.tensor([1, 2, 3])
    u += 1
    assert (t + 1).dtype == u.dtype == np.int64


@pytest.mark.parametrize("call, want", [
    (lambda x: x.var(dim=None), lambda x: x.var(ddof=1)),
    (lambda x: x.std(keepdim=True), lambda x: x.std(ddof=1, keepdims=True)),
    (lambda x: tg.var(x, dim=None), lambda x: x.var(ddof=1)),
    (lambda x: x.var(), lambda x: x.var()),  # NumPy's call: NumPy's ddof=0
    (lambda x: x.std(0), lambda x: x.std(0)),
])
def test_var_std_with_any_pytorch_keyword_are_pytorchs(call, want):
    """dim=None and keepdim= alone were PyTorch's spellings read with NumPy's ddof=0."""
    x = np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 4.0]])
    np.testing.assert_allclose(np.asarray(call(Tensor(x)).data), want(x), rtol=1e-15)


@pytest.mark.parametrize("call", [lambda t: t.var(1, True), lambda t: t.std(0, True),
                                  lambda t: t.max(1, True), lambda t: t.min(0, True)])
def test_a_second_positional_argument_that_means_another_thing_in_each_library_raises(call):
    """x.var(1, True) is PyTorch's unbiased=True (NumPy's second positional is dtype): it was
    read as keepdims, giving neither library's answer; x.max(1, True) is PyTorch's (values,
    indices) with keepdim, and it unpacked rows."""
    with pytest.raises(TypeError, match="positional argument"):
        call(Tensor(np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 4.0]])))


def test_as_tensor_is_torchs_and_numpys():
    """tg.as_tensor([1, 2]) was float64 (the library's internal helper under PyTorch's name);
    torch.as_tensor and np.asarray give int64."""
    assert tg.as_tensor([1, 2]).dtype == np.int64 and tg.asarray([1.5]).dtype == np.float64
    a = np.ones(3)
    assert np.shares_memory(tg.as_tensor(a).data, a)  # no copy
    t = Tensor(np.ones(2), requires_grad=True)
    assert tg.as_tensor(t) is t and tg.as_tensor(t, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="as_tensor"):
        tg.as_tensor(["a", None])


# ---- PyTorch's names added beside NumPy's: rsqrt, lerp, x.where, x.outer, x.mT, x.new_* -------
def test_lerp_is_exact_at_both_ends_and_a_tensor_weight_gets_its_gradient():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    x, e = Tensor(a), Tensor(b)
    np.testing.assert_array_equal(x.lerp(e, 0.0).data, a)  # each end exactly (two forms)
    np.testing.assert_array_equal(x.lerp(e, 1.0).data, b)
    np.testing.assert_array_equal(tg.lerp(x, e, 1.0).data, b)
    w = rng.uniform(-1.0, 2.0, (2, 3))
    w[np.abs(np.abs(w) - 0.5) < 0.05] = 0.2  # (away from the switch of forms)
    check_grad(lambda s, t, u: s.lerp(t, u), a, b, w)
    torch = pytest.importorskip("torch")
    want = torch.lerp(torch.tensor(a), torch.tensor(b), torch.tensor(w)).numpy()
    np.testing.assert_allclose(x.lerp(e, Tensor(w)).data, want, rtol=0, atol=1e-15)


def test_where_method_outer_method_and_mT_agree_with_their_functions():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    x = Tensor(a, requires_grad=True)
    np.testing.assert_array_equal(x.where(x > 0, 0.0).data, np.where(a > 0, a, 0.0))
    np.testing.assert_array_equal(x.where(a > 0, Tensor(b)).data, tg.where(a > 0, x, b).data)
    check_grad(lambda s, t: s.where(a > 0, t), a, b)
    with pytest.raises(ValueError, match=r"Where: cannot broadcast cond \(5,\), x \(2, 3, 4\)"):
        x.where(np.ones(5, bool), 0.0)
    np.testing.assert_array_equal(x.outer(b[0, 0]).data, np.outer(a, b[0, 0]))
    np.testing.assert_array_equal(x.mT.data, np.swapaxes(a, -2, -1))
    np.testing.assert_array_equal(tg.matrix_transpose(x).data, np.matrix_transpose(a))
    assert np.matrix_transpose(x).requires_grad  # NumPy's function on a tensor stays a Tensor
    with pytest.raises(ValueError, match=r"x.mT needs 2 or more dimensions.*\(3,\)"):
        _ = Tensor(np.ones(3)).mT


def test_new_constructors_take_xs_dtype_and_make_constants():
    x = Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    assert x.new_zeros(2, 3).dtype == np.float32 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(4, dtype=tg.float64).dtype == np.float64
    assert x.new_empty(0).shape == (0,)
    full = x.new_full((2,), 7.0)
    assert full.dtype == np.float32 and full.data.tolist() == [7.0, 7.0]
    assert not full.requires_grad and full._ctx is None
    y = (x * 2).sum()
    copied = x.new_tensor(y)  # values only (PyTorch's data.clone().detach())
    assert copied._ctx is None and not copied.requires_grad and copied.item() == 8.0
    copied.data += 1  # a copy: y is untouched
    assert y.item() == 8.0
    assert x.new_zeros(2, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="new_zeros: sizes must be non-negative ints"):
        x.new_zeros(-1)
    with pytest.raises(ValueError, match="new_ones: sizes"):
        x.new_ones(2.5)


def test_rsqrt_matches_torch_and_its_gradient():
    a = np.random.default_rng(5).uniform(0.1, 4.0, (3, 4))
    check_grad(tg.rsqrt, a)
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(Tensor(a).rsqrt().data, torch.tensor(a).rsqrt().numpy())


def test_fills_that_the_dtype_cannot_hold_raise_instead_of_becoming_another_number():
    """np.full(shape, nan, int64) is -2**63 with a RuntimeWarning; 1e300 into float32 inf."""
    x = Tensor(np.arange(2))
    for call in (lambda: x.new_full((2,), float("nan")), lambda: x.new_full((1,), 1e20),
                 lambda: tg.full((2,), float("nan"), dtype=tg.int64),
                 lambda: tg.full((1,), 1e300, dtype=tg.float32),
                 lambda: tg.full_like(x, 1e20)):
        with pytest.raises(ValueError, match="fill value .* does not fit"):
            call()
    assert tg.full((2,), 2.5, dtype=tg.int64).data.tolist() == [2, 2]  # truncation, as torch
    assert np.isinf(tg.full((1,), np.inf).data).all()  # inf into a float dtype is a value


def test_new_constructors_take_pytorchs_size_keyword_and_einsum_checks_optimize():
    x = Tensor(np.ones(2))
    assert x.new_zeros(size=(2, 3)).shape == (2, 3) and x.new_ones(size=[4]).shape == (4,)
    with pytest.raises(TypeError, match="new_zeros: sizes given twice"):
        x.new_zeros(2, size=(2,))
    with pytest.raises(ValueError, match="einsum: optimize must be"):
        tg.einsum("i,i->", x, x, optimize="bogus")


def test_lerp_with_a_tensor_weight_replays_under_jit():
    """A tensor weight picked PyTorch's form by its values (a mask made inside the step), so
    every jitted step with one ran eagerly with a warning about a Where the user never wrote."""
    import warnings

    from tinygrad_dl.jit import jit
    w = Tensor(np.array([0.2, 0.7, 1.0]))
    p = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)

    @jit(strict=True)  # any refusal raises
    def step(end):
        p.lerp(Tensor(end), w).sum().backward()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(4):
            p.grad = None
            step(np.full(3, float(k)))
    np.testing.assert_array_equal(p.grad, 1 - w.data)


def test_randperm_normal_bernoulli_multinomial_draw_what_they_say_from_the_generator():
    g = np.random.default_rng(0)
    perm = tg.randperm(50, generator=g)
    assert perm.dtype == np.int64 and sorted(perm.data.tolist()) == list(range(50))
    tg.manual_seed(3)
    a = tg.randperm(10)
    tg.manual_seed(3)
    assert a.data.tolist() == tg.randperm(10).data.tolist()  # the default generator, seeded
    z = tg.normal(2.0, 3.0, (20000,), generator=np.random.default_rng(1))
    assert abs(z.data.mean() - 2.0) < 0.1 and abs(z.data.std() - 3.0) < 0.1
    m = tg.normal(tg.tensor([0.0, 100.0], dtype=tg.float32), tg.tensor([0.0, 0.0]))
    assert m.dtype == np.float64 and m.data.tolist() == [0.0, 100.0]  # std 0: the mean
    assert not m.requires_grad
    b = tg.bernoulli(tg.full((20000,), 0.25), generator=np.random.default_rng(2))
    assert set(np.unique(b.data)) <= {0.0, 1.0} and abs(b.data.mean() - 0.25) < 0.02
    w = tg.tensor([[0.0, 1.0, 3.0], [5.0, 0.0, 0.0]])
    s = tg.multinomial(w, 4000, replacement=True, generator=np.random.default_rng(3))
    assert s.shape == (2, 4000) and s.dtype == np.int64
    assert not (s.data[0] == 0).any() and abs((s.data[0] == 2).mean() - 0.75) < 0.03
    assert (s.data[1] == 0).all()
    two = tg.multinomial(w[0], 2, generator=np.random.default_rng(4))  # without replacement
    assert sorted(two.data.tolist()) == [1, 2]


@pytest.mark.parametrize("call, match", [
    (lambda: tg.randperm(-1), "randperm: n must be a non-negative int"),
    (lambda: tg.normal(0.0, -1.0, (2,)), "normal: std must be >= 0"),
    (lambda: tg.normal(tg.zeros(2), 1.0, size=(3,)), "normal: size= goes with a number"),
    (lambda: tg.bernoulli(tg.tensor([0.5, 1.5])), r"bernoulli: probabilities must lie in \[0, 1\]"),
    (lambda: tg.multinomial(tg.tensor([1.0, -1.0]), 1), "finite and non-negative"),
    (lambda: tg.multinomial(tg.tensor([0.0, 0.0]), 1), "sums to 0"),
    (lambda: tg.multinomial(tg.tensor([1.0, 0.0]), 2), "without replacement from a row"),
    (lambda: tg.multinomial(tg.tensor([1.0]), 0), "num_samples must be a positive int"),
])
def test_random_draws_refuse_bad_arguments_in_one_line(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_isclose_allclose_and_bmm():
    x, y = Tensor(np.array([1.0, 2.0, np.nan])), Tensor(np.array([1.0 + 1e-9, 2.1, np.nan]))
    np.testing.assert_array_equal(x.isclose(y).data, [True, False, False])
    np.testing.assert_array_equal(tg.isclose(x, y, equal_nan=True).data, [True, False, True])
    assert tg.allclose(x[:1], y[:1]) is True and x.allclose(y) is False
    assert np.allclose(x[:1], y[:1])  # NumPy's own name, on tensors
    a, b = np.random.default_rng(6).standard_normal((2, 2, 3, 4))
    np.testing.assert_array_equal(tg.bmm(Tensor(a), Tensor(b.transpose(0, 2, 1))).data,
                                  a @ b.transpose(0, 2, 1))


# ---- cumprod, masked_select, meshgrid, broadcast_tensors, cdist, dist, norm(p), numel --------
def test_cumprod_gradient_is_exact_with_zeros_and_matches_torch():
    a = np.array([[1.5, 0.0, 2.0, -1.0, 0.0], [0.5, 3.0, -2.0, 0.25, 4.0]])
    for axis in (0, 1, None):
        check_grad(lambda t, ax=axis: t.cumprod(ax), a)
    torch = pytest.importorskip("torch")
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = np.random.default_rng(8).standard_normal(a.shape)
    (x.cumprod(dim=1) * Tensor(w)).sum().backward()
    (tx.cumprod(dim=1) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_meshgrid_needs_indexing_with_two_inputs_and_gives_each_librarys_grids():
    a, b = np.arange(3.0), np.arange(4.0)
    with pytest.raises(ValueError, match="meshgrid: give indexing='xy' .* or indexing='ij'"):
        tg.meshgrid(Tensor(a), Tensor(b))
    with pytest.raises(ValueError, match="meshgrid: give indexing"):
        np.meshgrid(Tensor(a), Tensor(b))  # NumPy's call on tensors: the same question
    for indexing in ("xy", "ij"):
        got = tg.meshgrid(Tensor(a), Tensor(b), indexing=indexing)
        for g, want in zip(got, np.meshgrid(a, b, indexing=indexing)):
            np.testing.assert_array_equal(g.data, want)
    (single,) = tg.meshgrid(Tensor(a))  # one input: the conventions agree
    np.testing.assert_array_equal(single.data, a)
    check_grad(lambda x, y: tg.stack(tg.meshgrid(x, y, indexing="xy")).sum(axis=0), a, b)


def test_masked_select_broadcast_tensors_cdist_dist_and_norm_p_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    a = rng.standard_normal((2, 3))
    mask = np.array([True, False, True])
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    x.masked_select(mask).sum().backward()
    tx.masked_select(torch.tensor(mask)).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    with pytest.raises(TypeError, match="masked_select: the mask must be bool"):
        x.masked_select(np.array([1, 0, 1]))
    shapes = [t.shape for t in tg.broadcast_tensors(Tensor(np.ones((3, 1))), Tensor(np.ones(4)))]
    assert shapes == [(3, 4), (3, 4)]
    x1, x2 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4, 3))
    for p in (1.0, 2.0, np.inf, 3.0):
        ours = [Tensor(v, requires_grad=True) for v in (x1, x2)]
        theirs = [torch.tensor(v, requires_grad=True) for v in (x1, x2)]
        w = rng.standard_normal((2, 5, 4))
        d, td = tg.cdist(*ours, p=p), torch.cdist(*theirs, p=p)
        np.testing.assert_allclose(d.data, td.detach().numpy(), rtol=1e-12)
        (d * Tensor(w)).sum().backward()
        (td * torch.tensor(w)).sum().backward()
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)
        y1 = x1[::-1].copy()
        assert np.isclose(tg.dist(Tensor(x1), Tensor(y1), p=p).item(),
                          torch.dist(torch.tensor(x1), torch.tensor(y1), p=p).item())
        np.testing.assert_allclose(Tensor(a).norm(p, dim=1).data,
                                   torch.tensor(a).norm(p, dim=1).numpy(), rtol=1e-13)
    with pytest.raises(ValueError, match="norm\\(p='nuc'\\)"):
        Tensor(a).norm("nuc")
    assert tg.numel(Tensor(a)) == 6 and tg.is_tensor(Tensor(a)) and not tg.is_tensor(a)
