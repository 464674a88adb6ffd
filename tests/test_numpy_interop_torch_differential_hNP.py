"""NumPy beside tensors (helper hNP): NumPy's functions called on tensors against NumPy on the
arrays (values, dtype, shape; a Tensor on the graph, or a one-line refusal, where a tensor
requires grad), NumPy arrays and scalars on the left of an operator against torch 2.13, and
NumPy masked arrays refused wherever an op read the values under their mask."""

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl import Tensor

# ---- NumPy's functions on tensors, drawn from a seed ----------------------------------------


def _axis_kw(r, nd, multi=True):
    kw = {}
    c = r.random()
    if nd and c < 0.5:
        kw["axis"] = int(r.integers(-nd, nd))
    elif nd >= 2 and multi and c < 0.7:
        kw["axis"] = tuple(sorted({int(a) for a in r.integers(0, nd, 2)}))
    if r.random() < 0.4:
        kw["keepdims"] = bool(r.random() < 0.5)
    return kw


def _one_axis(r, x):
    return {"axis": int(r.integers(-x.ndim, x.ndim))} if x.ndim and r.random() < 0.7 else {}


# name -> (args, kwargs) drawn for an array x; each runs the tensor's own method (NEP 18's
# methods) or the op table's function of the name, a Tensor on the graph
CALLS = {
    "sum": lambda r, x: ((x,), _axis_kw(r, x.ndim)),
    "mean": lambda r, x: ((x,), _axis_kw(r, x.ndim)),
    "prod": lambda r, x: ((x,), _axis_kw(r, x.ndim)),
    "max": lambda r, x: ((x,), _axis_kw(r, x.ndim)),
    "amin": lambda r, x: ((x,), _axis_kw(r, x.ndim)),
    "std": lambda r, x: ((x,), {**_axis_kw(r, x.ndim), "ddof": int(r.integers(0, 2))}),
    "var": lambda r, x: ((x,), _axis_kw(r, x.ndim)),
    "argmax": lambda r, x: ((x,), _axis_kw(r, x.ndim, False)),
    "cumsum": lambda r, x: ((x,), _one_axis(r, x)),
    "clip": lambda r, x: ((x, float(r.standard_normal()), float(r.standard_normal()) + 2), {}),
    "reshape": lambda r, x: ((x, (-1,) if r.random() < 0.5 else x.shape[::-1]), {}),
    "transpose": lambda r, x: ((x, tuple(r.permutation(x.ndim).tolist())), {}),
    "sort": lambda r, x: ((x,), {"axis": int(r.integers(-x.ndim, x.ndim)) if x.ndim else None}),
    "repeat": lambda r, x: ((x, int(r.integers(0, 3))), _one_axis(r, x)),
    "concatenate": lambda r, x: (([x, 2 * x],), {"axis": int(r.integers(-x.ndim, x.ndim))
                                                  if x.ndim else None}),
    "stack": lambda r, x: (([x, x + 1],), {"axis": int(r.integers(-x.ndim - 1, x.ndim + 1))}),
    "where": lambda r, x: ((x > 0, x, float(r.standard_normal())), {}),
    "dot": lambda r, x: ((x, x.T if x.ndim <= 2 else x[..., :1]), {}),
    "outer": lambda r, x: ((x, x), {}),
    "flip": lambda r, x: ((x,), _one_axis(r, x)),
    "roll": lambda r, x: ((x, int(r.integers(-3, 4))), _one_axis(r, x)),
    "tensordot": lambda r, x: ((x, x, int(r.integers(0, x.ndim + 1))), {}),
    "pad": lambda r, x: ((x, int(r.integers(0, 3))), {}),
    "moveaxis": lambda r, x: ((x, 0, -1), {}),
}


def _tensors(v, rg):
    if isinstance(v, np.ndarray):
        return tg.tensor(v.copy(), requires_grad=rg and v.dtype.kind == "f")
    if isinstance(v, list):
        return [_tensors(a, rg) for a in v]
    return v


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (NumPy's own: std of one entry)
def test_numpy_functions_on_tensors_match_numpy_and_stay_on_the_graph():
    checked = grads = 0
    for case in range(300):
        r = np.random.default_rng(case)
        name = list(CALLS)[case % len(CALLS)]
        nd = int(r.integers(1 if name in ("dot", "moveaxis") else 0, 4))
        x = np.asarray(r.standard_normal(tuple(int(s) for s in r.integers(1, 4, nd))) * 3)
        args, kwargs = CALLS[name](r, x)
        f = getattr(np, name)
        try:
            ref = f(*args, **kwargs)
        except Exception:  # (NumPy's refusals are not this test's concern)
            continue
        targs = _tensors(list(args), True)
        got = f(*targs, **kwargs)
        assert isinstance(got, Tensor), (name, case)
        assert got.shape == np.shape(ref) and got.dtype == np.asarray(ref).dtype, (name, case)
        np.testing.assert_allclose(got.data, ref, rtol=1e-12, atol=1e-12, err_msg=name)
        checked += 1
        # the first tensor that requires grad, at args[i] (or args[i][j] in a list)
        i, j = next((i, j) for i, a in enumerate(targs) for j, v in enumerate(
            a if isinstance(a, list) else [a]) if isinstance(v, Tensor) and v.requires_grad)
        leaf = targs[i][j] if isinstance(targs[i], list) else targs[i]
        if got.requires_grad and got.data.size and name not in ("sort", "max", "amin"):
            w = r.standard_normal(got.shape)
            (got * tg.tensor(w)).sum().backward()

            def loss(a, i=i, j=j, w=w, args=args, f=f, kwargs=kwargs):
                aa = list(args)
                if isinstance(aa[i], list):
                    aa[i] = [a if k == j else v for k, v in enumerate(aa[i])]
                else:
                    aa[i] = a
                return float((f(*aa, **kwargs) * w).sum())

            x0 = np.asarray(args[i][j] if isinstance(args[i], list) else args[i])
            num = np.zeros_like(x0)
            for k in range(x0.size):
                e = np.zeros_like(x0)
                e.flat[k] = 1e-6
                num.flat[k] = (loss(x0 + e) - loss(x0 - e)) / 2e-6
            np.testing.assert_allclose(leaf.grad, num, rtol=1e-5, atol=1e-6, err_msg=name)
            grads += 1
    assert checked > 200 and grads > 50


@pytest.mark.parametrize("call", [lambda t: np.transpose(t, ()), lambda t: t.transpose(()),
                                  lambda t: t.transpose([])])
def test_transpose_by_an_empty_permutation_is_refused_hNP(call):
    # before: the axes were reversed, (2, 3) -> (3, 2), where NumPy raises "axes don't match
    # array" (and torch's permute(()) raises)
    t = tg.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="must name all 2 axes"):
        call(t)
    assert call(tg.tensor(2.0)).shape == ()  # (a 0-d tensor's permutation is empty)


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "wrap"])
def test_pad_of_a_0d_tensor_is_a_copy_as_numpy_hNP(mode):
    # before: "Pad: cannot apply to shapes (): zero-size array to reduction operation minimum"
    # where np.pad(np.array(2.0), 1) is array(2.0)
    t = tg.tensor(2.0, requires_grad=True)
    for out in (tg.pad(t, 1, mode=mode), np.pad(t, 1, mode=mode)):
        assert out.shape == () and float(out) == float(np.pad(np.array(2.0), 1, mode=mode))
        (3 * out).backward()
    assert float(t.grad) == 6.0


@pytest.mark.parametrize("name, call", [
    ("median", lambda t: np.median(t)), ("linalg.norm", lambda t: np.linalg.norm(t)),
    ("percentile", lambda t: np.percentile(t, 50)), ("average", lambda t: np.average(t)),
    ("ptp", lambda t: np.ptp(t)), ("copy", lambda t: np.copy(t)),
])
def test_numpy_functions_that_would_cut_the_graph_are_refused_in_one_line(name, call):
    t = tg.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], requires_grad=True)
    with pytest.raises(TypeError, match="cut from the graph") as e:
        call(t)
    assert "\n" not in str(e.value)
    with tg.no_grad():  # (values on purpose: NumPy's own)
        np.testing.assert_allclose(call(t), call(t.data))


@pytest.mark.parametrize("call", [lambda t: np.exp(t), lambda t: np.maximum(t, 0),
                                  lambda t: np.add.reduce(t), lambda t: np.multiply.outer(t, t),
                                  lambda t: np.add.at(t, [0], 1.0), lambda t: np.isnan(t)])
def test_numpy_ufuncs_on_a_tensor_are_refused(call):
    t = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="does not support ufuncs"):
        call(t)
    assert t.data.tolist() == [1.0, 2.0, 3.0]


# ---- NumPy on the left of an operator, against torch ----------------------------------------

LEFT = [
    ("arr + t", lambda L, t: L(np.array([1.0, 2.0, 3.0])) + t),
    ("arr - t", lambda L, t: L(np.array([1.0, 2.0, 3.0])) - t),
    ("arr * t", lambda L, t: L(np.array([1.0, 2.0, 3.0])) * t),
    ("arr / t", lambda L, t: L(np.array([1.0, 2.0, 3.0])) / t),
    ("arr ** t", lambda L, t: L(np.array([1.0, 2.0, 3.0])) ** t),
    ("arr @ t", lambda L, t: L(np.array([1.0, 2.0, 3.0])) @ t),
    ("f64 ** t", lambda L, t: L(np.float64(2.0)) ** t),
    ("f32 * t", lambda L, t: L(np.float32(0.1)) * t),
    ("i64 - t", lambda L, t: L(np.int64(3)) - t),
    ("bool + t", lambda L, t: L(np.bool_(True)) + t),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("what, op", LEFT, ids=[w for w, _ in LEFT])
def test_numpy_on_the_left_of_an_operator_matches_torch(what, op, dtype):
    torch = pytest.importorskip("torch")
    if what == "arr @ t" and dtype == "float32":  # (torch refuses a float64 @ a float32;
        pytest.skip("mixed-dtype matmul: NumPy's promotion here, torch refuses")  # pytorch.md)
    x = np.array([0.5, -1.5, 2.0], dtype=dtype)
    t = tg.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    ours = op(lambda a: a, t)
    theirs = op(lambda a: torch.tensor(a) if isinstance(a, np.ndarray) else a.item(), tt)
    assert isinstance(ours, Tensor) and ours.requires_grad
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-6 if dtype ==
                               "float32" else 1e-13)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-6 if dtype == "float32"
                               else 1e-13)


def test_a_comparison_with_an_array_on_the_left_is_a_bool_tensor():
    t = tg.tensor([0.5, -1.5, 2.0], requires_grad=True)
    a = np.array([1.0, -2.0, 2.0])
    for got, ref in [(a < t, a < t.data), (a >= t, a >= t.data), (a == t, a == t.data)]:
        assert isinstance(got, Tensor) and got.dtype == bool
        assert got.data.tolist() == ref.tolist()


# ---- masked arrays: refused where an op read the values under the mask ----------------------

MA = np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])
MB = np.ma.masked_array([True, False, True], mask=[0, 1, 0])
MI = np.ma.masked_array([0, 2], mask=[0, 1])


@pytest.mark.parametrize("what, call", [
    ("tensor([m, m])", lambda: tg.tensor([MA, MA])),
    ("tensor((m,))", lambda: tg.tensor((MA,))),
    ("tensor([[m]])", lambda: tg.tensor([[MA]])),
    ("Tensor([m])", lambda: Tensor([MA])),
    ("as_tensor([m])", lambda: tg.as_tensor([MA])),
    ("t + [m]", lambda: tg.zeros(3) + [MA]),
    ("new_tensor(m)", lambda: tg.zeros(3).new_tensor(MA)),
    ("new_tensor([m])", lambda: tg.zeros(3).new_tensor([MA])),
])
def test_masked_array_in_a_list_is_refused_hNP(what, call):
    # before: the values under the mask (2.0) were read without a word (torch reads NaN)
    with pytest.raises(TypeError, match="masked array, whose mask no op would honour"):
        call()


@pytest.mark.parametrize("what, call", [
    ("where(m, x, 0)", lambda x: tg.where(MB, x, 0.0)),
    ("x.where(m, 0)", lambda x: x.where(MB, 0.0)),
    ("np.where(m, x, 0)", lambda x: np.where(MB, x, 0.0)),
    ("masked_fill", lambda x: x.masked_fill(MB, 0.0)),
    ("masked_select", lambda x: x.masked_select(MB)),
    ("masked_scatter", lambda x: x.masked_scatter(MB, tg.zeros(3))),
    ("roll shifts", lambda x: x.roll(np.ma.masked_array([1], mask=[1]), 0)),
    ("cross_entropy target", lambda x: F.cross_entropy(x.reshape(1, 3),
                                                       np.ma.masked_array([1], mask=[1]))),
    ("nll_loss target", lambda x: F.nll_loss(F.log_softmax(x.reshape(1, 3), 1),
                                             np.ma.masked_array([1], mask=[1]))),
    ("cross_entropy weight", lambda x: F.cross_entropy(x.reshape(1, 3), tg.tensor([0]),
                                                       weight=MA)),
    ("embedding indices", lambda x: F.embedding(MI, x.reshape(3, 1))),
    ("one_hot labels", lambda x: F.one_hot(MI, 3)),
    ("searchsorted values", lambda x: tg.searchsorted(tg.tensor([1.0, 2.0, 3.0]), MA)),
    ("bucketize input", lambda x: tg.bucketize(MA, tg.tensor([1.0, 2.0]))),
    ("isin test_elements", lambda x: tg.isin(x, MA)),
    ("full fill value", lambda x: tg.full((3,), MA)),
    ("full_like fill value", lambda x: tg.full_like(x, np.ma.masked_array(5.0, mask=True))),
    ("clamp bound", lambda x: x.clamp(min=MA)),
    ("fill_diagonal_ value", lambda x: tg.zeros(2, 2).fill_diagonal_(
        np.ma.masked_array(5.0, mask=True))),
])
def test_masked_array_as_an_op_argument_is_refused_hNP(what, call):
    # before (all but clamp): each computed with the values under the mask, silently
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="is a masked array, whose mask no op would honour") as e:
        call(x)
    assert "\n" not in str(e.value)


def test_masked_refusals_leave_plain_arrays_alone():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert tg.tensor([MA.filled(0.0), np.ones(3)]).shape == (2, 3)
    assert x.masked_fill(MB.filled(False), 0.0).data.tolist() == [0.0, 2.0, 0.0]
    assert tg.where(MB.filled(False), x, 0.0).data.tolist() == [1.0, 0.0, 3.0]
    assert F.one_hot(MI.filled(0), 3).tolist() == [[1, 0, 0], [1, 0, 0]]
    assert tg.tensor([[1.0, 2.0], [3.0, 4.0]]).shape == (2, 2)
    assert tg.full((2,), np.float32(1.5)).data.tolist() == [1.5, 1.5]
