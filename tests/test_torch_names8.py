"""More of PyTorch's Tensor methods (tinygrad_dl/tensor/: splits, writes, inplace_forms, ...)
against torch 2.13: values (rtol 1e-12) and gradients (1e-10) in float64, float32 sanity,
the in-place forms against torch's own, and the refusals."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.tensor.inplace_forms import INPLACE_FORMS

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(8)
X = RNG.standard_normal((3, 4, 5))
NAN = np.nan


def _flat(out):
    """A tensor, or a tuple of them joined with weights (so each piece's place matters)."""
    if isinstance(out, (tuple, list)):
        mod = tg if isinstance(out[0], Tensor) else torch
        return mod.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(out)])
    return out


def _compare(ours, theirs, *arrays, float32=True):
    """ours(*tg tensors) == theirs(*torch tensors) in value, and in the gradient of a random
    weighting of the output to every float input."""
    ts = [Tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    tt = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out, ref = _flat(ours(*ts)), _flat(theirs(*tt))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=0)
    if ref.requires_grad:
        w = RNG.standard_normal(out.shape)
        (out * Tensor(w)).sum().backward()
        (ref * torch.tensor(w)).sum().backward()
        for a, b in zip(ts, tt):
            if b.requires_grad:
                want = np.zeros(b.shape) if b.grad is None else b.grad.numpy()
                got = np.zeros(b.shape) if a.grad is None else a.grad.data
                np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    if float32 and all(a.dtype.kind == "f" for a in arrays):
        o32 = _flat(ours(*[Tensor(a.astype(np.float32)) for a in arrays]))
        assert o32.dtype == np.float32
        np.testing.assert_allclose(o32.data, out.data, rtol=1e-4, atol=1e-5)


SPLITS = [
    (lambda x: x.tensor_split(3, dim=1), X), (lambda x: x.tensor_split([-1, 2, 9], dim=-1), X),
    (lambda x: x.tensor_split([3, 1]), X), (lambda x: x.hsplit([1, 3]), X),
    (lambda x: x.hsplit(2), np.arange(4.0)), (lambda x: x.vsplit(3), X),
    (lambda x: x.dsplit([2]), X), (lambda x: x.split_with_sizes([1, 0, 3], 1), X),
    (lambda x: x.unflatten(-1, (5, -1)), X), (lambda x: x.unflatten(0, (-1, 2)),
                                              np.zeros((0, 3))),
    (lambda x: x.unfold(2, 3, 1), X), (lambda x: x.unfold(0, 2, 2), X),
    (lambda x: x.unfold(-1, 0, 1), X), (lambda x: x.unfold(0, 1, 3), np.array(2.0)),
]


@pytest.mark.parametrize("i", range(len(SPLITS)))
def test_splits_and_unfold_match_torch(i):
    f, x = SPLITS[i]
    _compare(f, f, x)


def test_tensor_split_takes_a_tensor_of_indices_or_sections():
    x = np.arange(7.0)
    _compare(lambda t: t.tensor_split(Tensor(np.array([2, 5]))),
             lambda t: t.tensor_split(torch.tensor([2, 5])), x)
    _compare(lambda t: t.tensor_split(Tensor(np.array(3))),
             lambda t: t.tensor_split(torch.tensor(3)), x)


I2 = np.array([3, 0])
WRITES = [
    (lambda x: x.index_fill(1, I2, 2.5), lambda x: x.index_fill(1, torch.tensor(I2), 2.5), (X,)),
    (lambda x: x.index_fill(-1, np.array([-1, -1]), NAN),
     lambda x: x.index_fill(-1, torch.tensor([-1, -1]), NAN), (X,)),
    (lambda x, v: x.index_fill(0, np.array([1]), v),
     lambda x, v: x.index_fill(0, torch.tensor([1]), v), (X, np.array(1.5))),
    (lambda x, s: x.index_copy(1, I2, s), lambda x, s: x.index_copy(1, torch.tensor(I2), s),
     (X, RNG.standard_normal((3, 2, 5)))),
    (lambda x, s: x.index_copy(0, np.array(0), s),
     lambda x, s: x.index_copy(0, torch.tensor(0), s), (np.array(1.0), np.array(4.0))),
    (lambda x, s: x.select_scatter(s, 1, -1), lambda x, s: x.select_scatter(s, 1, -1),
     (X, RNG.standard_normal((3, 5)))),
    (lambda x, s: x.slice_scatter(s, 2, 1, None, 2), lambda x, s: x.slice_scatter(s, 2, 1, None, 2),
     (X, RNG.standard_normal((3, 4, 2)))),
    (lambda x, s: x.slice_scatter(s, 0, -2), lambda x, s: x.slice_scatter(s, 0, -2),
     (X, RNG.standard_normal((2, 4, 5)))),
    (lambda x, s: x.diagonal_scatter(s, 1, 0, 2), lambda x, s: x.diagonal_scatter(s, 1, 0, 2),
     (X, RNG.standard_normal((4, 3)))),
    (lambda x, s: x.diagonal_scatter(s, -1, 2, 1), lambda x, s: x.diagonal_scatter(s, -1, 2, 1),
     (X, RNG.standard_normal((3, 4)))),
    (lambda x, s: x.masked_scatter(X[0] > 0, s),
     lambda x, s: x.masked_scatter(torch.tensor(X[0] > 0), s),
     (X, RNG.standard_normal(70))),
]


@pytest.mark.parametrize("i", range(len(WRITES)))
def test_out_of_place_writes_match_torch(i):
    ours, theirs, arrays = WRITES[i]
    _compare(ours, theirs, *arrays)


N = np.array([[1.0, NAN, 3.0, 2.0], [NAN, NAN, 4.0, NAN], [5.0, 1.0, 1.0, NAN]])
REDUCTIONS = [
    (lambda x: x.aminmax(dim=1), np.array([[1.0, 1, 0], [2, 3, 3]])),
    (lambda x: x.aminmax(dim=0, keepdim=True), X[0]), (lambda x: x.aminmax(), X),
    (lambda x: x.nanmedian(1).values, N), (lambda x: x.nanmedian(), N),
    (lambda x: x.nanmedian(), np.array([2.0, 1.0, 2.0, NAN, 2.0])),  # ties share
    (lambda x: x.nanmedian(), np.array([NAN, NAN])), (lambda x: x.nanmedian(), np.zeros(0)),
    (lambda x: x.nanmedian(-1, keepdim=True).values, X),
    (lambda x: x.renorm(2, 1, 1.5), X), (lambda x: x.renorm(1, 0, 4.0), X),
    (lambda x: x.renorm(3.5, -1, 1.0), X), (lambda x: x.renorm(float("inf"), 2, 1.0), X),
    (lambda x: x.renorm(2, 0, 1.0), np.zeros((2, 3))),
]


@pytest.mark.parametrize("i", range(len(REDUCTIONS)))
def test_reductions_match_torch(i):
    f, x = REDUCTIONS[i]
    _compare(f, f, x)


def test_nanmedian_indices_match_torch():
    for dim in (0, 1, -1):
        ours, theirs = Tensor(N).nanmedian(dim), torch.tensor(N).nanmedian(dim)  # (no slice
        # of N is all NaN: there torch's index depends on its selection algorithm)
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    assert Tensor(np.array(3.0)).nanmedian(0).indices.shape == ()


def test_predicates_and_info_match_torch():
    a = np.array([np.inf, -np.inf, NAN, -0.0, 1.0])
    for name in ("isposinf", "isneginf", "isreal"):
        ours = getattr(Tensor(a), name)()
        assert not ours.requires_grad and ours.dtype == np.bool_
        np.testing.assert_array_equal(ours.data, getattr(torch.tensor(a), name)().numpy())
    assert Tensor(np.array([1, -2])).isposinf().data.tolist() == [False, False]
    for v in (0.0, -0.0, NAN, 2.0):
        assert Tensor(np.array([v])).is_nonzero() == torch.tensor([v]).is_nonzero()
    for shape, msg in (((2,), "more than one value"), ((0,), "no values")):
        with pytest.raises(RuntimeError, match=f"is_nonzero: Boolean value of Tensor with {msg}"):
            Tensor(np.zeros(shape)).is_nonzero()
    for dt, tdt in ((np.float32, torch.float32), (np.int64, torch.int64),
                    (np.uint8, torch.uint8), (np.bool_, torch.bool), (np.int8, torch.int8)):
        ours, theirs = Tensor(np.zeros(3, dt)), torch.zeros(3, dtype=tdt)
        assert ours.is_signed() == theirs.is_signed(), dt
        assert (ours.nbytes, ours.itemsize) == (theirs.nbytes, theirs.itemsize), dt
        assert ours.is_complex() is theirs.is_complex() is False
    x = Tensor(X)
    assert x.is_same_size(Tensor(X * 2)) and not x.is_same_size(Tensor(X[0]))
    assert x.is_conj() is False and x.is_neg() is False
    with pytest.raises(TypeError, match="is_same_size: other must be a Tensor"):
        x.is_same_size(X)


def test_aliases_match_torch():
    a, b = np.array([1.0, NAN, 2.0, 3.0]), np.array([1.0, NAN, 3.0, 2.0])
    for name in ("greater", "greater_equal", "less", "less_equal", "not_equal"):
        ours = getattr(Tensor(a), name)(Tensor(b))
        np.testing.assert_array_equal(ours.data, getattr(torch.tensor(a), name)(
            torch.tensor(b)).numpy())
    s = np.array([0.0, -0.0, NAN, np.inf, -2.0])
    np.testing.assert_array_equal(Tensor(s).sgn().data, torch.tensor(s).sgn().numpy())
    x = Tensor(X, requires_grad=True)
    assert x.positive() is x
    _compare(lambda t: t.sgn() + t.positive(), lambda t: t.sgn() + t.positive(), X)
    with pytest.raises(TypeError, match="positive: not supported on a bool tensor"):
        Tensor(np.array([True])).positive()


def test_bitwise_ops_match_torch():
    a, b = np.array([5, -3, 0, 7]), np.array([6, 6, -1, 2])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        for x, y in ((a, b), (a > 0, b > 0), (a.astype(np.int32), 3)):
            ours = getattr(Tensor(x), name)(Tensor(y) if isinstance(y, np.ndarray) else y)
            theirs = getattr(torch.tensor(x), name)(
                torch.tensor(y) if isinstance(y, np.ndarray) else y)
            assert ours.dtype == np.dtype(str(theirs.dtype).split(".")[1]), name
            np.testing.assert_array_equal(ours.data, theirs.numpy())
            assert not ours.requires_grad
    np.testing.assert_array_equal(Tensor(a).bitwise_not().data, torch.tensor(a).bitwise_not())
    np.testing.assert_array_equal(Tensor(a > 0).bitwise_not().data,
                                  torch.tensor(a > 0).bitwise_not())
    with pytest.raises(TypeError, match="bitwise_and: expects integer or bool tensors, got "
                                        "dtype float64"):
        Tensor(np.array([1.0])).bitwise_and(1)
    with pytest.raises(TypeError, match="bitwise_or: expects integer or bool tensors"):
        Tensor(a).bitwise_or(1.5)
    with pytest.raises(OverflowError, match="bitwise_xor: 300 is out of the range of this "
                                            "tensor's dtype uint8"):
        Tensor(np.array([1], np.uint8)).bitwise_xor(300)


# each in-place form's arguments (as numbers, or arrays made tensors of each library)
V = np.array([0.25, 0.5, 0.75, -0.4])
W = np.array([0.5, -0.5, 0.75, 0.75])
ARGS = {"logit": (0.1,), "lerp": (W, 0.25),
        "addcmul": (W, V), "addcdiv": (W, W), "nan_to_num": (),
        **dict.fromkeys(("pow", "fmod", "remainder", "copysign", "xlogy", "heaviside",
                         "multiply", "subtract", "divide", "true_divide", "hypot", "atan2",
                         "arctan2", "logical_and", "logical_or", "logical_xor", "eq", "ne", "lt",
                         "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
                         "not_equal", "clamp_min", "clamp_max"), (W,))}
ARGS.update({"ldexp": (W,), "nextafter": (W,), "gcd": (np.array([4, 6, 9, 2]),),
             "lcm": (np.array([4, 6, 9, 2]),), "bitwise_and": (np.array([5, 3, 1, 7]),),
             "bitwise_or": (np.array([5, 3, 1, 7]),), "bitwise_xor": (np.array([5, 3, 1, 7]),)})
INTS = {"gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"}
ODD = {"acosh": V + 1.5, "log": np.abs(V), "log2": np.abs(V), "log10": np.abs(V),
       "rsqrt": np.abs(V), "pow": np.abs(V)}


@pytest.mark.parametrize("name", INPLACE_FORMS)
def test_inplace_forms_write_torchs_values(name):
    x0 = np.array([6, -4, 0, 12]) if name in INTS else ODD.get(name, V)
    args = ARGS.get(name, ())
    ours, theirs = Tensor(x0.copy()), torch.tensor(x0.copy())
    got = getattr(ours, f"{name}_")(*[Tensor(a) if isinstance(a, np.ndarray) else a
                                      for a in args])
    want = getattr(theirs, f"{name}_")(*[torch.tensor(a) if isinstance(a, np.ndarray) else a
                                         for a in args])
    assert got is ours and ours.dtype == x0.dtype
    np.testing.assert_allclose(ours.data, want.numpy(), rtol=1e-12, atol=0)


def test_inplace_forms_keep_the_inplace_rules():
    leaf = Tensor(V.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match="Tensor.sin_: a leaf Variable that requires grad"):
        leaf.sin_()
    with tg.no_grad():  # the optimizer idiom
        leaf.clamp_min_(0.0)
    np.testing.assert_array_equal(leaf.data, np.maximum(V, 0))
    h = leaf * 2  # an op's result: recorded (before: refused), as torch's
    assert h.cos_() is h and h.grad_fn.name == "Cos"
    for call in (lambda x, g, T: x.pow_(g), lambda x, g, T: x.lerp_(T(W), g),
                 lambda x, g, T: x.addcmul_(T(W), g, value=0.5)):
        # a constant written with an operand that requires grad: recorded, as torch's (the
        # refusal "the operand requires grad" it replaced dropped nothing, said nothing wrong)
        x, g = Tensor(V.copy()), Tensor(W, requires_grad=True)
        tx, tg_ = torch.tensor(V.copy()), torch.tensor(W, requires_grad=True)
        call(x, g, Tensor)
        call(tx, tg_, torch.tensor)
        (x * x).sum().backward()
        (tx * tx).sum().backward()
        np.testing.assert_allclose(x.data, tx.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(g.grad, tg_.grad.numpy(), rtol=1e-10, atol=1e-12)
        assert x.requires_grad and not x.is_leaf
    with pytest.raises(TypeError, match="Tensor.sin_.*same_kind"):
        Tensor(np.array([1, 2])).sin_()
    with pytest.raises(ValueError, match="Tensor.pow_: the result's shape \\(2, 4\\)"):
        Tensor(V.copy()).pow_(Tensor(np.ones((2, 4))))
    x = Tensor(V.copy())
    x.addcmul_(Tensor(W), Tensor(V), value=2.0)
    np.testing.assert_allclose(x.data, torch.tensor(V).addcmul_(torch.tensor(W), torch.tensor(V),
                                                                value=2.0).numpy(), rtol=1e-12)
    r = Tensor(V.copy())
    r.round_(decimals=1)
    np.testing.assert_array_equal(r.data, torch.tensor(V).round_(decimals=1).numpy())
    ints = Tensor(np.array([1, 2, 3]))
    ints.eq_(2)
    assert ints.dtype == np.int64 and ints.data.tolist() == [0, 1, 0]  # torch's: x's dtype
    d = Tensor(V.copy())
    d.float_power_(2)
    np.testing.assert_allclose(d.data, V ** 2)
    with pytest.raises(TypeError, match="Tensor.float_power_: the result is float64"):
        Tensor(V.astype(np.float32)).float_power_(2)


def test_swapaxes_in_place():
    x = Tensor(X.copy())
    assert x.swapaxes_(0, 2) is x and x.shape == (5, 4, 3)
    x.swapdims_(-1, 0)
    np.testing.assert_array_equal(x.data, X.swapaxes(0, 2).swapaxes(-1, 0))
    with pytest.raises(RuntimeError, match="Tensor.swapaxes_: a leaf Variable"):
        Tensor(X, requires_grad=True).swapaxes_(0, 1)


REFUSALS = [
    (lambda: Tensor(np.array(1.0)).tensor_split(2), ValueError,
     "tensor_split: expects a tensor of 1 or more dims"),
    (lambda: Tensor(X).tensor_split(True), TypeError, "tensor_split: sections must be an int"),
    (lambda: Tensor(X).hsplit(3), ValueError, "hsplit: dim 1 of length 4 .* 3 equal pieces"),
    (lambda: Tensor(np.arange(5.0)).hsplit(2), ValueError, "hsplit: dim 0 of length 5"),
    (lambda: Tensor(X[0]).dsplit(1), ValueError, "dsplit: expects a tensor of 3 or more dims"),
    (lambda: Tensor(X).split_with_sizes([1, 1]), ValueError,
     "split_with_sizes: sizes \\[1, 1\\] do not add up to the length 3"),
    (lambda: Tensor(X).unflatten(1, (3, -1)), ValueError, "unflatten: sizes \\[3, -1\\]"),
    (lambda: Tensor(X).unflatten(1, (-1, -1)), ValueError, "unflatten: sizes"),
    (lambda: Tensor(X).unfold(1, 5, 1), ValueError, "unfold: size 5 is not in \\[0, 4\\]"),
    (lambda: Tensor(X).unfold(1, 2, 0), ValueError, "unfold: step must be positive"),
    (lambda: Tensor(X).unfold(3, 1, 1), ValueError, "unfold: "),
    (lambda: Tensor(X).index_fill(0, np.array([3]), 1.0), IndexError,
     "index_fill: index 3 is out of bounds"),
    (lambda: Tensor(X).index_fill(0, np.array([0.5]), 1.0), IndexError,
     "index_fill: the index must be a 0-d or 1-D integer array"),
    (lambda: Tensor(X).index_fill(0, np.array([0]), Tensor(np.ones(2))), ValueError,
     "index_fill: value must be a number or a 0-d tensor"),
    (lambda: Tensor(X).index_copy(0, np.array([1, 1]), Tensor(X[:2])), ValueError,
     "index_copy: the index \\[1, 1\\] names a slice twice"),
    (lambda: Tensor(X).index_copy(0, np.array([-1]), Tensor(X[:1])), IndexError,
     "index_copy: index -1 is out of bounds"),
    (lambda: Tensor(X).index_copy(0, np.array([0]), Tensor(X[:1].astype(np.float32))),
     TypeError, "index_copy: source has dtype float32, the input float64"),
    (lambda: Tensor(X).select_scatter(Tensor(X[0, 0]), 0, 0), ValueError,
     "select_scatter: src of shape \\(5,\\) is not the selected slice's shape \\(4, 5\\)"),
    (lambda: Tensor(X).slice_scatter(Tensor(X), 0, 0, None, -1), ValueError,
     "slice_scatter: step must be positive"),
    (lambda: Tensor(X).diagonal_scatter(Tensor(np.ones(3)), 0, 1, 1), ValueError,
     "diagonal_scatter: dim1 and dim2 are both dim 1"),
    (lambda: Tensor(X).masked_scatter(X > 0, Tensor(np.ones(3))), ValueError,
     "masked_scatter: the mask has \\d+ True entries, source only 3 values"),
    (lambda: Tensor(X).masked_scatter(np.ones(2, bool), Tensor(X)), ValueError,
     "masked_scatter: a mask of shape \\(2,\\) and a tensor of shape \\(3, 4, 5\\)"),
    (lambda: Tensor(np.zeros(0)).aminmax(), ValueError, "aminmax: an empty tensor"),
    (lambda: Tensor(X).aminmax(dim=3), ValueError, "aminmax: "),
    (lambda: Tensor(np.zeros((2, 0))).nanmedian(1), IndexError,
     "nanmedian: dim 1 of a tensor of shape \\(2, 0\\) is empty"),
    (lambda: Tensor(X).nanmedian(keepdim=True), ValueError, "nanmedian: keepdim needs a dim"),
    (lambda: Tensor(X).renorm(-1, 0, 1.0), ValueError, "renorm: needs p > 0"),
    (lambda: Tensor(X[0, 0]).renorm(2, 0, 1.0), ValueError,
     "renorm: expects a tensor of 2 or more dims"),
]


@pytest.mark.parametrize("i", range(len(REFUSALS)))
def test_refusals_are_one_line(i):
    call, err, msg = REFUSALS[i]
    with pytest.raises(err, match=msg) as info:
        call()
    assert "\n" not in str(info.value)


def test_function_spellings_are_the_methods():
    x = Tensor(X)
    for name in ("hsplit", "vsplit", "dsplit"):
        assert [p.shape for p in getattr(tg, name)(x, 1)] == [p.shape for p in
                                                               getattr(x, name)(1)]
    np.testing.assert_array_equal(tg.renorm(x, 2, 0, 1.0).data, x.renorm(2, 0, 1.0).data)
    np.testing.assert_array_equal(tg.bitwise_and(np.array([3]), np.array([6])).data, [2])
    assert tg.isposinf(np.array([np.inf])).data.tolist() == [True]


SI = np.array([[0, 1, 0, 2], [2, 2, 0, 1]])
SCATTER = [(r, i, x, s) for r in ("sum", "prod", "mean", "amax", "amin") for i in (True, False)
           for x, s in ((X[0, :3], RNG.standard_normal((2, 4))),
                        (np.array([[0.0, 2, 3, 1], [0, 0, 1, 2], [1, 1, 1, 1]]),
                         np.array([[0.0, 5, 0, 1], [2, 0, 1, 1]])))
           if not (r in ("amax", "amin") and not i and x is not X[0, :3])]


@pytest.mark.parametrize("i", range(len(SCATTER)))
def test_scatter_reduce_matches_torch(i):
    reduce, include_self, x, s = SCATTER[i]
    _compare(lambda t, u: t.scatter_reduce(0, SI, u, reduce, include_self=include_self),
             lambda t, u: t.scatter_reduce(0, torch.tensor(SI), u, reduce,
                                           include_self=include_self), x, s)


def test_scatter_reduce_on_other_dims_and_integers():
    idx = np.array([[1, 1], [0, 2], [3, 3]])
    _compare(lambda t, u: t.scatter_reduce(-1, idx, u, "mean"),
             lambda t, u: t.scatter_reduce(-1, torch.tensor(idx), u, "mean"), X[0, :3],
             RNG.standard_normal((3, 2)))  # (torch's mean backward fails on a src larger
    # than the index; ours reads the index's corner of src, as scatter_add)
    idx0 = np.array([[1], [0]])
    out = Tensor(X[0]).scatter_reduce(0, idx0, Tensor(np.ones((2, 3))), "sum")
    np.testing.assert_array_equal(out.data, torch.tensor(X[0]).scatter_reduce(
        0, torch.tensor(idx0), torch.ones((2, 3), dtype=torch.float64), "sum").numpy())
    a, s = np.array([[5, 1, 7], [2, 2, 2]]), np.array([[9, -4, 7], [0, 3, 1]])
    for reduce in ("sum", "prod", "amax", "amin"):
        for inc in (True, False):
            ours = Tensor(a).scatter_reduce(0, np.zeros((2, 3), np.int64), Tensor(s), reduce,
                                            include_self=inc)
            theirs = torch.tensor(a).scatter_reduce(0, torch.zeros((2, 3), dtype=torch.long),
                                                    torch.tensor(s), reduce, include_self=inc)
            assert ours.dtype == np.int64
            np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_amax_ties_without_x_share_among_the_reduced_only():
    x = Tensor(np.array([[3.0, 5.0]]), requires_grad=True)
    s = Tensor(np.array([[3.0, 5.0], [2.0, 5.0]]), requires_grad=True)
    x.scatter_reduce(0, np.zeros((2, 2), np.int64), s, "amax", include_self=False).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0]])  # (torch 2.13: the same, but its
    np.testing.assert_array_equal(s.grad.data, [[1.0, 0.5], [0.0, 0.5]])  # src gets 1/2, 1/3)


PUTS = [
    (lambda x, v: x.index_put((np.array([0, 2]), np.array([1, -1])), v),
     lambda x, v: x.index_put((torch.tensor([0, 2]), torch.tensor([1, -1])), v),
     (X[0], np.array([5.0, 6.0]))),
    (lambda x, v: x.index_put((np.array([0, 0, 1]),), v, accumulate=True),
     lambda x, v: x.index_put((torch.tensor([0, 0, 1]),), v, accumulate=True),
     (X[0], RNG.standard_normal((3, 5)))),
    (lambda x, v: x.index_put((X[0] > 0,), v), lambda x, v: x.index_put(
        (torch.tensor(X[0] > 0),), v), (X[0], np.array(7.0))),
    (lambda x, v: x.index_put((np.array([1]),), v), lambda x, v: x.index_put(
        (torch.tensor([1]),), v), (X[0], RNG.standard_normal(5))),
    (lambda x, v: x.index_put((np.array([], np.int64),), v), lambda x, v: x.index_put(
        (torch.tensor([], dtype=torch.long),), v), (X[0], np.zeros((0, 5)))),
    (lambda x, v: x.put(np.array([[0, -1], [7, 3]]), v),
     lambda x, v: x.put(torch.tensor([[0, -1], [7, 3]]), v), (X[0], np.arange(4.0))),
    (lambda x, v: x.put(np.array([2, 2, 19]), v, accumulate=True),
     lambda x, v: x.put(torch.tensor([2, 2, 19]), v, accumulate=True),
     (X[0], np.array([1.0, 2.0, 3.0]))),
]


@pytest.mark.parametrize("i", range(len(PUTS)))
def test_index_put_matches_torch(i):
    ours, theirs, arrays = PUTS[i]
    _compare(ours, theirs, *arrays)


def test_inplace_writes_match_torch_and_keep_the_rules():
    m = X[0] > 0
    src = RNG.standard_normal((4, 5))
    calls = [
        (lambda t, T: t.index_fill_(1, T(np.array([0, -1])), 2.0)),
        (lambda t, T: t.index_copy_(0, T(np.array([3, 1])), T(src[:2]))),
        (lambda t, T: t.masked_scatter_(T(m), T(src))),
        (lambda t, T: t.index_put_((T(np.array([0, 0])),), T(src[:2]), True)),
        (lambda t, T: t.scatter_reduce_(0, T(np.zeros((2, 5), np.int64)), T(src[:2]), "amax")),
        (lambda t, T: t.put_(T(np.array([1, -2])), T(src[0, :2]))),
    ]
    for call in calls:
        ours, theirs = Tensor(X[0].copy()), torch.tensor(X[0].copy())
        assert call(ours, Tensor) is ours
        call(theirs, torch.tensor)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            call(Tensor(X[0], requires_grad=True), Tensor)
    # a source that requires grad into a constant: recorded, as torch's (was refused)
    s, ts = Tensor(src[:1], requires_grad=True), torch.tensor(src[:1], requires_grad=True)
    ours = Tensor(X[0].copy()).index_copy_(0, np.array([1]), s)
    theirs = torch.tensor(X[0].copy()).index_copy_(0, torch.tensor([1]), ts)
    (ours * ours).sum().backward()
    (theirs * theirs).sum().backward()
    np.testing.assert_allclose(s.grad, ts.grad.numpy(), rtol=1e-12)
    assert ours.requires_grad and ours.grad_fn is not None


WRITE_REFUSALS = [
    (lambda: Tensor(X[0]).scatter_reduce(0, SI, Tensor(X[0, :2]), "max"), ValueError,
     "scatter_reduce: reduce must be one of sum, prod, mean, amax, amin, got 'max'"),
    (lambda: Tensor(X[0]).scatter_reduce(0, SI, Tensor(X[0, :2].astype(np.float32)), "sum"),
     TypeError, "scatter_reduce: src has dtype float32, the input float64"),
    (lambda: Tensor(X[0]).scatter_reduce(0, SI + 3, Tensor(X[0, :2]), "sum"), IndexError,
     "scatter_reduce: index 5 is out of bounds for dim 0 with size 4"),
    (lambda: Tensor(np.array([1, 2])).scatter_reduce(0, np.array([0]), Tensor(np.array([1])),
                                                     "mean"),
     TypeError, "scatter_reduce: reduce='mean' on a int64 tensor is not supported"),
    (lambda: Tensor(X[0]).index_put((np.array([0, 0]),), Tensor(X[0, :2])), ValueError,
     "index_put: the indices name one position twice"),
    (lambda: Tensor(X[0]).index_put((np.array([9]),), 1.0), IndexError,
     "index_put: index 9 is out of bounds"),
    (lambda: Tensor(X[0]).index_put((np.array([0.5]),), 1.0), IndexError,
     "index_put: indices must be integer or bool tensors"),
    (lambda: Tensor(X[0]).index_put((np.array([0]),), Tensor(np.ones(3))), ValueError,
     "index_put: values of shape \\(3,\\) do not broadcast to the indexed shape \\(1, 5\\)"),
    (lambda: Tensor(X[0]).index_put((np.array([0]),), Tensor(np.ones(5, np.float32))),
     TypeError, "index_put: values have dtype float32, the input float64"),
]


@pytest.mark.parametrize("i", range(len(WRITE_REFUSALS)))
def test_write_refusals_are_one_line(i):
    call, err, msg = WRITE_REFUSALS[i]
    with pytest.raises(err, match=msg) as info:
        call()
    assert "\n" not in str(info.value)


FW, AW = np.array([1, 2, 0, 3, 1]), np.array([0.5, 1.0, 2.0, 0.1, 1.5])
COVS = [
    (lambda x: x.cov(), lambda x: x.cov(), (X[0, :3],)),
    (lambda x: x.cov(correction=0), lambda x: x.cov(correction=0), (X[0, 0],)),
    (lambda x: x.cov(fweights=FW), lambda x: x.cov(fweights=torch.tensor(FW)), (X[0, :3],)),
    (lambda x, a: x.cov(correction=2, fweights=FW, aweights=a),
     lambda x, a: x.cov(correction=2, fweights=torch.tensor(FW), aweights=a), (X[0, :3], AW)),
    (lambda x: x.corrcoef(), lambda x: x.corrcoef(), (X[0],)),
    (lambda x: x.corrcoef(), lambda x: x.corrcoef(), (X[0, 0],)),
]


@pytest.mark.parametrize("i", range(len(COVS)))
def test_cov_and_corrcoef_methods_match_torch(i):
    ours, theirs, arrays = COVS[i]
    _compare(ours, theirs, *arrays)


def test_cov_method_agrees_with_the_function():
    np.testing.assert_allclose(Tensor(X[0]).cov(correction=0).data,
                               tg.cov(Tensor(X[0]), correction=0).data, rtol=1e-14)


def test_random_fills_draw_from_the_default_generator():
    n = 40000
    tg.manual_seed(3)
    draws = {}
    for name, args in (("exponential_", (2.0,)), ("geometric_", (0.25,)),
                       ("log_normal_", (0.5, 0.25)), ("cauchy_", (1.0, 2.0)),
                       ("random_", (2, 6))):
        x = tg.zeros(n)
        assert getattr(x, name)(*args) is x
        draws[name] = x.data.copy()
    assert abs(draws["exponential_"].mean() - 0.5) < 0.01 and draws["exponential_"].min() >= 0
    g = draws["geometric_"]
    assert g.min() == 1 and (g == np.round(g)).all() and abs(g.mean() - 4.0) < 0.1
    assert abs(np.log(draws["log_normal_"]).mean() - 0.5) < 0.01
    assert abs(np.log(draws["log_normal_"]).std() - 0.25) < 0.01
    assert abs(np.median(draws["cauchy_"]) - 1.0) < 0.05  # (the median; the mean is undefined)
    assert abs(np.quantile(draws["cauchy_"], 0.75) - 3.0) < 0.1  # median + sigma
    assert set(np.unique(draws["random_"])) == {2.0, 3.0, 4.0, 5.0}
    tg.manual_seed(3)
    again = tg.zeros(n)
    again.exponential_(2.0)
    np.testing.assert_array_equal(again.data, draws["exponential_"])  # the default generator's


def test_random_integers_follow_torchs_bounds():
    x = Tensor(np.zeros(4000))
    x.random_(5)
    assert set(np.unique(x.data)) == {0.0, 1.0, 2.0, 3.0, 4.0}
    x.random_(**{"from": -2, "to": 1})
    assert set(np.unique(x.data)) == {-2.0, -1.0, 0.0}
    b = Tensor(np.zeros(200, bool))
    b.random_()
    assert set(np.unique(b.data)) == {False, True}
    f = Tensor(np.zeros(3, np.float32))
    f.random_()
    assert f.dtype == np.float32 and (f.data <= 2 ** 24).all()
    assert (f.data == np.round(f.data)).all()
    i = Tensor(np.zeros(3, np.int64))
    i.geometric_(0.5)
    assert i.dtype == np.int64 and (i.data >= 1).all()
    with pytest.raises(ValueError, match="Tensor.random_: \\[0, 300\\) does not fit"):
        Tensor(np.zeros(2, np.uint8)).random_(300)
    with pytest.raises(TypeError, match="Tensor.cauchy_: this tensor's dtype int64"):
        Tensor(np.zeros(2, np.int64)).cauchy_()
    with pytest.raises(RuntimeError, match="Tensor.exponential_: a leaf Variable"):
        Tensor(np.zeros(2), requires_grad=True).exponential_()
    r = np.random.default_rng(1)
    own = Tensor(np.zeros(3))
    own.exponential_(generator=r)
    np.testing.assert_array_equal(own.data, np.random.default_rng(1).exponential(1.0, 3))


MORE_MATH = [
    (lambda x, e: x.ldexp(e), (np.array([1.5, -2.0, 0.0, np.inf, NAN]),
                               np.array([2.0, -1.5, 3.0, 1.0, 1.0]))),
    (lambda x, e: x.ldexp(e), (np.array([1.5, -2.0]), np.array([3, 1]))),
    (lambda x, y: x.nextafter(y), (np.array([1.0, 1.0, 2.0, np.inf, NAN, 0.0]),
                                   np.array([2.0, 0.0, 2.0, 0.0, 1.0, -1.0]))),
    (lambda x, y: x.nextafter(y), (np.array([1.0, 3.0]), np.array(2.0))),
    (lambda x: x.frexp().mantissa, (np.array([0.0, -0.0, np.inf, -np.inf, NAN, 1e-30, 1.0,
                                              -0.5, 3.0, 1e30]),)),
]


@pytest.mark.parametrize("i", range(len(MORE_MATH)))
def test_ldexp_nextafter_frexp_match_torch(i):
    f, arrays = MORE_MATH[i]
    _compare(f, f, *arrays, float32=False)


def test_frexp_exponent_gcd_lcm_and_refusals():
    x = np.array([0.0, np.inf, NAN, 5e-320, 1.0, -0.5, 3.0])
    ours, theirs = Tensor(x).frexp(), torch.tensor(x).frexp()
    assert ours.exponent.dtype == np.int32 and not ours.exponent.requires_grad
    np.testing.assert_array_equal(ours.exponent.data, theirs.exponent.numpy())
    np.testing.assert_array_equal(ours.mantissa.data, theirs.mantissa.numpy())
    a, b = np.array([4, -6, 0, 7, 0]), np.array([6, 4, 0, -3, 5])
    for name in ("gcd", "lcm"):
        got = getattr(Tensor(a), name)(Tensor(b))
        np.testing.assert_array_equal(got.data, getattr(torch.tensor(a), name)(
            torch.tensor(b)).numpy())
        assert got.dtype == np.int64 and not got.requires_grad
        with pytest.raises(TypeError, match=f"{name}: expects integer tensors, got dtype float64"):
            getattr(Tensor(np.array([2.0])), name)(Tensor(np.array([4.0])))
    # the mantissa's gradient 2 ** -exponent, exact far out (torch 2.13's overflows past
    # float32's range: inf at 5e-300, 0 at 1e300)
    m = Tensor(np.array([5e-300, 1e300]), requires_grad=True)
    m.frexp().mantissa.sum().backward()
    np.testing.assert_array_equal(m.grad.data, np.ldexp(1.0, -np.frexp(m.data)[1]))
    # an integer exponent's gradient: 2 ** other (torch 2.13's integer pow gives 0 for -1)
    t = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    t.ldexp(Tensor(np.array([3, -1]))).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [8.0, 0.5])
    assert Tensor(np.array([3, 1])).ldexp(Tensor(np.array([1.0, 2.0]))).dtype == np.float32
    # mixed float dtypes promote (torch's too; it refused them before): a float64 step
    assert Tensor(np.array([1.0])).nextafter(Tensor(np.array([2.0], np.float32))).item() \
        == 1.0 + 2.0**-52
    with pytest.raises(TypeError, match="nextafter: expects float tensors"):
        Tensor(np.array([1])).nextafter(Tensor(np.array([2])))
    with pytest.raises(TypeError, match="frexp: expects a float tensor, got dtype int64"):
        Tensor(np.array([1])).frexp()
