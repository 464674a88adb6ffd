"""out= (F.write_out) against torch 2.13: casts by torch.can_cast, an empty or wrong-shaped out
resized (a view refused), out under no_grad() that requires grad, out an array a live graph
saved, tuple results (max(x, dim=1), topk, frexp, ...) into tuples of Tensors."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _pair(rng, shape=(2, 3)):
    a = rng.standard_normal(shape) * 3
    return a, tg.Tensor(a.copy()), torch.tensor(a.copy())


def test_signed_result_into_uint8_out_as_torch_where_it_fits():
    a = np.array([3, 5, 120])
    out, tout = tg.Tensor(np.zeros(3, np.uint8)), torch.zeros(3, dtype=torch.uint8)
    tg.add(tg.Tensor(a), tg.Tensor(a), out=out)
    torch.add(torch.tensor(a), torch.tensor(a), out=tout)
    assert out.dtype == np.uint8 and np.array_equal(out.data, tout.numpy())
    with pytest.raises(OverflowError, match="torch would wrap it silently"):  # (torch: 250)
        tg.add(tg.Tensor(np.array([-3])), tg.Tensor(np.array([-3])), out=out[:1].clone())


def test_empty_out_is_resized_silently_as_torch():
    rng = np.random.default_rng(0)
    a, x, tx = _pair(rng)
    out = tg.Tensor(np.zeros(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = tg.exp(x, out=out)
    assert r is out and out.shape == (2, 3)
    np.testing.assert_allclose(out.data, torch.exp(tx).numpy(), rtol=1e-14)


def test_wrong_shaped_out_is_resized_with_a_warning_as_torch():
    rng = np.random.default_rng(1)
    a, x, tx = _pair(rng)
    out = tg.Tensor(np.zeros(4, np.float32))
    with pytest.warns(UserWarning, match=r"mul\(out=...\).*resized"):
        r = tg.mul(x, x, out=out)
    assert r is out and out.shape == (2, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out.data, (tx * tx).numpy().astype(np.float32))


def test_wrong_shaped_view_out_is_refused():
    base = tg.Tensor(np.zeros((2, 6)))
    with pytest.raises(ValueError, match=r"add\(out=...\).*view"):
        tg.add(tg.ones(2, 3), tg.ones(2, 3), out=base[:, :2])
    assert not base.data.any()


def test_out_that_requires_grad_is_written_under_no_grad_as_torch():
    rng = np.random.default_rng(2)
    a, x, tx = _pair(rng)
    out = tg.Tensor(np.zeros((2, 3)), requires_grad=True)
    with tg.no_grad():
        r = tg.sin(x, out=out)
    assert r is out and out.requires_grad
    np.testing.assert_allclose(out.data, np.sin(a), rtol=1e-14)
    with pytest.raises(RuntimeError, match=r"sin\(out=...\)"):
        tg.sin(x, out=out)


def test_out_a_live_graph_saved_is_written_and_its_backward_refused():
    w = tg.Tensor(np.full((2, 3), 2.0), requires_grad=True)
    o = tg.Tensor(np.ones((2, 3)))
    z = (w * o).sum()
    tg.add(tg.ones(2, 3), tg.ones(2, 3), out=o)
    assert np.array_equal(o.data, np.full((2, 3), 2.0))
    with pytest.raises(RuntimeError, match="replaced"):
        z.backward()


@pytest.mark.parametrize("name,kw", [("max", {"dim": 1}), ("min", {"dim": 1}), ("topk", {"k": 2}),
                                     ("kthvalue", {"k": 2, "dim": 1}), ("mode", {"dim": 1}),
                                     ("median", {"dim": 1}), ("cummax", {"dim": 1}),
                                     ("cummin", {"dim": 1}), ("aminmax", {"dim": 1}),
                                     ("frexp", {}), ("nanmedian", {"dim": 1})])
def test_tuple_results_into_tuple_outs_as_torch(name, kw):
    rng = np.random.default_rng(3)
    a, x, tx = _pair(rng, (3, 4))
    want = getattr(torch, name)(tx, **kw)
    outs = tuple(tg.Tensor(np.zeros(0, w.numpy().dtype)) for w in want)
    got = getattr(tg, name)(x, **kw, out=outs)
    assert all(g is o for g, o in zip(got, outs)) and type(got) is type(getattr(tg, name)(x, **kw))
    for o, w in zip(outs, want):
        assert o.dtype == w.numpy().dtype and np.array_equal(o.data, w.numpy())


def test_tuple_out_of_another_dtype_is_refused_as_torch():
    x = tg.Tensor(np.random.default_rng(4).standard_normal((3, 4)))
    v, i = tg.Tensor(np.zeros(3, np.float32)), tg.Tensor(np.zeros(3, np.int64))
    with pytest.raises(TypeError, match=r"max\(out=...\): out\[0\] has dtype float32"):
        tg.max(x, dim=1, out=(v, i))
    with pytest.raises(TypeError, match=r"max\(out=...\): out is a tuple.*dim=1"):
        tg.max(x, 1, out=(v, i))


DTYPES = [np.float64, np.float32, np.int64, np.uint8, np.int8, np.bool_, np.complex128]


def _draw(lib, name, args, mode, odt):
    """name(*args, out=...) in tinygrad_dl or torch: ("ok", returned out, out, the viewed base)
    or ("err", message)."""
    new, mod = (tg.Tensor, tg) if lib == "tg" else (torch.tensor, torch)
    ins = [new(a.copy()) for a in args]
    base = None
    if mode == "right":
        out = new(np.zeros((2, 3), odt))
    elif mode == "empty":
        out = new(np.zeros(0, odt))
    elif mode == "transpose":
        base = new(np.zeros((3, 2), odt))
        out = base.T
    elif mode == "step":
        base = new(np.zeros((2, 6), odt))
        out = base[:, ::2]
    else:
        out = ins[0]
    try:
        r = getattr(mod, name)(*ins, out=out)
    except (RuntimeError, TypeError, ValueError, OverflowError) as e:
        return ("err", str(e))

    def arr(t):
        return np.asarray(t.data if lib == "tg" else t.numpy())
    return ("ok", r is out, arr(out), None if base is None else arr(base))


@pytest.mark.parametrize("seed", range(6))
def test_random_out_draws_agree_with_torch(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        name = str(rng.choice(["add", "mul", "sub", "maximum", "atan2", "lt", "exp", "neg",
                               "abs", "sqrt", "floor"]))
        binary = name in ("add", "mul", "sub", "maximum", "atan2", "lt")
        kind = [np.float64, np.int64, np.bool_][rng.integers(3)] if name in (
            "add", "mul", "maximum", "lt", "neg", "abs", "floor") else np.float64
        if kind is np.bool_ and name in ("sub", "neg"):
            kind = np.int64
        args = [(rng.standard_normal((2, 3)) * 3).astype(kind) for _ in range(1 + binary)]
        odt = DTYPES[rng.integers(len(DTYPES))]
        mode = str(rng.choice(["right", "empty", "transpose", "step", "input"]))
        ours, theirs = (_draw(lib, name, args, mode, odt) for lib in ("tg", "th"))
        case = f"{name} {kind.__name__} into {odt.__name__} ({mode})"
        if theirs[0] == "err":  # torch refuses some casts per op (abs of int into float)
            continue
        if ours[0] == "err" and "torch would wrap it silently" in ours[1]:
            continue  # (an integer value outside out's dtype: refused here, wrapped by torch)
        assert ours[0] == "ok", (case, ours)
        assert ours[1], case
        for a, b in zip(ours[2:], theirs[2:]):
            if b is not None:
                assert a.dtype == b.dtype, case
                np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=case)


@pytest.mark.parametrize("name,arrays,kw", [
    ("where", ("mask", "a", "b"), {}), ("vstack", (["a", "b"],), {}),
    ("hstack", (["a", "b"],), {}), ("column_stack", (["v", "v"],), {}),
    ("dstack", (["a", "b"],), {}), ("inner", ("a", "b"), {}), ("outer", ("v", "w"), {}),
    ("diag", ("a",), {}), ("kron", ("a", "b"), {}), ("cross", ("a", "b"), {"dim": 1}),
    ("searchsorted", ("sorted", "w"), {}), ("bucketize", ("w", "sorted"), {})])
def test_functions_given_torchs_out_write_as_torch(name, arrays, kw):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    v, w = rng.standard_normal(3), rng.standard_normal(4)
    named = {"a": a, "b": b, "v": v, "w": w, "mask": a > 0, "sorted": np.sort(v)}

    def args(new):
        return [[new(named[k]) for k in x] if isinstance(x, list) else new(named[x])
                for x in arrays]
    want = getattr(torch, name)(*args(torch.tensor), **kw)
    out = tg.Tensor(np.zeros(0, want.numpy().dtype))
    assert getattr(tg, name)(*args(tg.Tensor), **kw, out=out) is out
    assert out.dtype == want.numpy().dtype
    np.testing.assert_allclose(out.data, want.numpy(), rtol=1e-13)


def test_sort_into_values_and_indices_as_torch():
    x = np.random.default_rng(6).standard_normal((3, 4))
    want = torch.sort(torch.tensor(x), 1, descending=True)
    v, i = tg.Tensor(np.zeros(0)), tg.Tensor(np.zeros(0, np.int64))
    got = tg.sort(tg.Tensor(x), dim=1, descending=True, out=(v, i))
    assert got.values is v and got.indices is i
    assert np.array_equal(v.data, want.values.numpy())
    assert np.array_equal(i.data, want.indices.numpy())


def test_take_along_dim_without_dim_flattens_the_indices_as_torch():
    a = np.arange(9.0).reshape(3, 3)
    index = np.array([[0, 1, 2], [2, 1, 0], [1, 1, 1]])
    want = torch.take_along_dim(torch.tensor(a), torch.tensor(index))
    out = tg.Tensor(np.zeros(0))
    assert tg.take_along_dim(tg.Tensor(a), tg.Tensor(index), out=out) is out
    np.testing.assert_array_equal(out.data, want.numpy())
