"""PyTorch's small names that raised AttributeError, each against torch 2.13 (values 1e-12,
gradients 1e-10, float64): the Tensor methods in tensor/ and the functions in functional/
(windows, constructors, sampling, combinations, statistics, ...). The random ones by their
deterministic properties and statistics, not torch's stream."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")
NAN, INF = float("nan"), float("inf")


def _close(ours, theirs, what=""):
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs), what
    for a, b in zip(ours, theirs):
        b = b.detach().numpy()
        assert a.shape == b.shape, (what, a.shape, b.shape)
        np.testing.assert_allclose(a.data, b, rtol=1e-12, atol=1e-14, equal_nan=True,
                                   err_msg=str(what))


def _grads(f_ours, f_torch, *arrays):
    xs = [tg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = f_ours(*xs), f_torch(*ts)
    _close(out, ref)
    w = np.random.default_rng(0).normal(size=out.shape)
    (out * tg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---- windows, logspace, vander, combinations -------------------------------------------------
@pytest.mark.parametrize("w", ["hann", "hamming", "blackman", "bartlett", "kaiser"])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 8])
def test_windows_periodic_by_default_as_torch(w, n):
    f, t = getattr(tg, f"{w}_window"), getattr(torch, f"{w}_window")
    _close(f(n), t(n, dtype=torch.float64), (w, n))
    _close(f(n, periodic=False), t(n, periodic=False, dtype=torch.float64), (w, n))
    assert f(n, dtype=tg.float32).dtype == np.float32


def test_window_parameters():
    _close(tg.hamming_window(6, True, 0.5, 0.3), torch.hamming_window(6, True, 0.5, 0.3,
                                                                       dtype=torch.float64))
    for beta in (0.0, 3.5, 12.0):
        _close(tg.kaiser_window(7, False, beta), torch.kaiser_window(7, False, beta,
                                                                     dtype=torch.float64))
    assert not np.allclose(tg.hann_window(5).data, np.hanning(5))  # NumPy's is symmetric


@pytest.mark.parametrize("args", [(0, 2, 3), (0, 2, 0), (0, 2, 1), (-1, 1, 5, 2.0),
                                  (0, 1, 3, -2.0), (-1, 1, 3, 0.0)])
def test_logspace(args):
    _close(tg.logspace(*args), torch.logspace(*args, dtype=torch.float64), args)


def test_logspace_integer_dtype_truncates():
    _close(tg.logspace(0, 1, 5, 3, dtype=tg.int64), torch.logspace(0, 1, 5, 3, dtype=torch.int64))


@pytest.mark.parametrize("kw", [{}, {"N": 2}, {"increasing": True}, {"N": 0}, {"N": 1},
                                {"N": 6, "increasing": True}])
def test_vander_decreasing_by_default(kw):
    x = np.array([1.5, -2.0, 0.5, 3.0])
    _close(tg.vander(tg.tensor(x), **kw), torch.vander(torch.tensor(x), **kw), kw)
    ints = tg.vander(tg.tensor([1, 2, 3], dtype=tg.int32), **kw)
    assert ints.dtype == np.int64
    _close(ints, torch.vander(torch.tensor([1, 2, 3], dtype=torch.int32), **kw))


@pytest.mark.parametrize("r", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("rep", [False, True])
def test_combinations(r, rep):
    x = np.array([1.5, -2.0, 0.5])
    if r:
        _grads(lambda t: tg.combinations(t, r, rep), lambda t: torch.combinations(t, r, rep), x)
    else:
        _close(tg.combinations(tg.tensor(x), r, rep), torch.combinations(torch.tensor(x), r, rep))


# ---- gradient, cumulative_trapezoid, chain_matmul --------------------------------------------
Y1, Y2 = np.array([1.0, 4, 9, 16, 25]) / 3, np.arange(12.0).reshape(3, 4) ** 2 / 7
COORDS = np.array([0.0, 1, 3, 4, 7])


@pytest.mark.parametrize("kw", [{}, {"spacing": 2.0}, {"edge_order": 2}, {"spacing": [0.5]},
                                {"spacing": "coords"}, {"spacing": "coords", "edge_order": 2}])
def test_gradient_1d(kw):
    def call(mod, y):
        k = dict(kw)
        if k.get("spacing") == "coords":
            k["spacing"] = (mod.tensor(COORDS),)
        return mod.gradient(y, **k)[0]
    _grads(lambda y: call(tg, y), lambda y: call(torch, y), Y1)


@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": -1}, {"dim": [0, 1], "spacing": [1.0, 2.0]},
                                {"spacing": 2.0, "dim": (1,)}, {"edge_order": 2}])
def test_gradient_2d(kw):
    def joined(mod, y):
        return mod.cat([g.reshape(-1) * (i + 1) for i, g in enumerate(mod.gradient(y, **kw))])
    _grads(lambda y: joined(tg, y), lambda y: joined(torch, y), Y2)


def test_gradient_edges_as_torch():
    _close(tg.gradient(tg.tensor([1.0, NAN, 4, INF])), torch.gradient(torch.tensor(
        [1.0, NAN, 4, INF], dtype=torch.float64)))
    assert tg.gradient(tg.tensor(1.0)) == () == torch.gradient(torch.tensor(1.0))
    _close(tg.gradient(tg.tensor([1, 2, 4])), torch.gradient(torch.tensor([1.0, 2, 4],
                                                                          dtype=torch.float64)))
    with pytest.raises(RuntimeError, match="spacing coordinates for dim 0 hold 2 values"):
        tg.gradient(tg.tensor([1.0, 2, 4]), spacing=(tg.tensor([1.0, 2]),))


@pytest.mark.parametrize("kw", [{}, {"dx": 2.0}, {"x": "coords"}, {"dim": 0}])
def test_cumulative_trapezoid(kw):
    def call(mod, y):
        k = dict(kw)
        if k.get("x") == "coords":
            k["x"] = mod.tensor(COORDS[:4])
        return mod.cumulative_trapezoid(y, **k)
    y = np.array([[1.0, 2, 4, -1], [0.5, 3, 2, 2]])
    _grads(lambda t: call(tg, t), lambda t: call(torch, t), y)


def test_chain_matmul():
    a, b, c = (np.random.default_rng(i).normal(size=s) for i, s in
               enumerate([(2, 3), (3, 4), (4, 2)]))
    _grads(tg.chain_matmul, lambda *t: torch.linalg.multi_dot(t), a, b, c)
    one = tg.tensor(a)
    assert tg.chain_matmul(one) is not one
    np.testing.assert_array_equal(tg.chain_matmul(one).data, a)


# ---- mode, nanquantile, sum_to_size, diag ----------------------------------------------------
def test_mode_ties_smallest_value_last_index_as_torch():
    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 16):
        for _ in range(20):
            a = rng.integers(0, 4, (3, n)).astype(float)
            ours, theirs = tg.tensor(a).mode(), torch.tensor(a).mode()
            np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
            np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    a = rng.integers(0, 4, (4, 40)).astype(float)  # longer: torch's index is any occurrence
    ours, theirs = tg.mode(tg.tensor(a), 1, True), torch.mode(torch.tensor(a), 1, True)
    np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
    assert (np.take_along_axis(a, ours.indices.data, 1) == ours.values.data).all()


def test_mode_gradient_and_dims():
    a = np.array([[3.0, 1, 1, 3, 2], [5, 5, 4, 4, 4]])
    _grads(lambda t: t.mode(0).values, lambda t: t.mode(0).values, a.T.copy())
    _grads(lambda t: tg.mode(t, -1, keepdim=True).values,
           lambda t: torch.mode(t, -1, keepdim=True).values, a)
    v, i = tg.tensor(5.0).mode()
    assert v.shape == () and int(i.item()) == 0


@pytest.mark.parametrize("how", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_nanquantile(how):
    a = np.array([[1.0, NAN, 3, 2, 7], [NAN] * 5, [4, 0.5, NAN, NAN, 2]])
    _grads(lambda t: t.nanquantile(0.3, dim=1, interpolation=how),
           lambda t: t.nanquantile(0.3, dim=1, interpolation=how), a)
    _close(tg.nanquantile(tg.tensor(a), tg.tensor([0.25, 1.0]), dim=0, keepdim=True,
                          interpolation=how),
           torch.nanquantile(torch.tensor(a), torch.tensor([0.25, 1.0], dtype=torch.float64),
                             dim=0, keepdim=True, interpolation=how))


@pytest.mark.parametrize("size", [(3,), (1, 3), (2, 1), (), (2, 3)])
def test_sum_to_size(size):
    a = np.arange(6.0).reshape(2, 3) / 3
    _grads(lambda t: t.sum_to_size(size), lambda t: t.sum_to_size(size), a)
    if size:  # (torch's x.sum_to_size() with no sizes is a TypeError)
        _close(tg.tensor(a).sum_to_size(*size), torch.tensor(a).sum_to_size(*size))


def test_diag_method():
    _grads(lambda t: t.diag(1), lambda t: t.diag(1), np.array([1.0, 2, 3]))
    _grads(lambda t: t.diag(diagonal=-1), lambda t: t.diag(diagonal=-1), np.ones((3, 4)))


# ---- in-place forms --------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "args", "kwargs"), [
    ("cumsum_", (0,), {}), ("cumprod_", (1,), {}), ("fill_diagonal_", (2.5,), {}),
    ("fill_diagonal_", (NAN,), {"wrap": True}),
    ("scatter_add_", (1, np.array([[0, 0], [2, 1], [1, 1]]), np.ones((3, 2))), {}),
    ("addmm_", (np.ones((3, 2)), np.full((2, 3), 0.5)), {"beta": 2, "alpha": 0.5})])
@pytest.mark.parametrize("shape", [(3, 3), (7, 3)])
def test_inplace_forms_as_torch(name, args, kwargs, shape):
    if name in ("scatter_add_", "addmm_") and shape != (3, 3):
        return
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 5
    x, t = tg.tensor(a), torch.tensor(a)
    assert getattr(x, name)(*[tg.tensor(v) if isinstance(v, np.ndarray) else v for v in args],
                            **kwargs) is x
    getattr(t, name)(*[torch.tensor(v) if isinstance(v, np.ndarray) else v for v in args],
                     **kwargs)
    _close(x, t, name)
    leaf = tg.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"Tensor.{name}.*leaf Variable"):
        getattr(leaf, name)(*[tg.tensor(v) if isinstance(v, np.ndarray) else v for v in args],
                            **kwargs)
    with tg.no_grad():  # the optimizer idiom
        getattr(leaf, name)(*[tg.tensor(v) if isinstance(v, np.ndarray) else v for v in args],
                            **kwargs)
    _close(leaf, t, name)


def test_detach_and_inference_questions():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y and not y.requires_grad and y.is_leaf and y.grad_fn is None
    assert x.detach_() is x and not x.requires_grad
    assert not tg.is_inference_mode_enabled() and not x.is_inference()
    with tg.inference_mode():
        assert tg.is_inference_mode_enabled()
        with tg.inference_mode(False):
            assert not tg.is_inference_mode_enabled()  # (mode False turns it off, as torch)
    with tg.no_grad():
        assert not tg.is_inference_mode_enabled()
    assert not tg.is_inference_mode_enabled()


# ---- random draws: their deterministic properties and statistics -----------------------------
def test_bernoulli_and_multinomial():
    p = tg.tensor(np.array([0.0, 1.0, 0.3] * 4000))
    draws = p.bernoulli(generator=tg.Generator().manual_seed(3))
    again = p.bernoulli(generator=tg.Generator().manual_seed(3))
    np.testing.assert_array_equal(draws.data, again.data)
    d = draws.data.reshape(-1, 3)
    assert (d[:, 0] == 0).all() and (d[:, 1] == 1).all() and abs(d[:, 2].mean() - 0.3) < 0.03
    assert tg.zeros(5).bernoulli(1.0).data.tolist() == [1.0] * 5
    assert tg.zeros(2, dtype=tg.float32).bernoulli().dtype == np.float32
    x = tg.zeros(2000)
    assert x.bernoulli_() is x and abs(x.data.mean() - 0.5) < 0.05
    ints = torch.zeros(2, dtype=torch.long).bernoulli_(1.0)
    np.testing.assert_array_equal(tg.zeros(2, dtype=tg.int64).bernoulli_(1.0).data, ints.numpy())
    w = tg.tensor([[0.0, 1.0, 3.0], [1.0, 0.0, 0.0]])
    m = w.multinomial(2000, replacement=True, generator=tg.Generator().manual_seed(1))
    assert m.dtype == np.int64 and m.shape == (2, 2000) and (m.data[1] == 0).all()
    assert (m.data[0] != 0).all() and abs((m.data[0] == 2).mean() - 0.75) < 0.04
    once = tg.tensor([1.0, 2.0, 3.0]).multinomial(3)
    assert sorted(once.data.tolist()) == [0, 1, 2]
    with pytest.raises(ValueError, match="multinomial: 4 samples without replacement"):
        tg.tensor([1.0, 2.0, 3.0]).multinomial(4)


def test_randint_like_and_scalar_tensor():
    x = tg.zeros((50, 40), dtype=tg.float32)
    r = tg.randint_like(x, 2, 5)
    assert r.dtype == np.float32 and r.shape == x.shape and set(np.unique(r.data)) == {2, 3, 4}
    assert tg.randint_like(tg.zeros(3, dtype=tg.int32), 7).dtype == np.int32
    assert torch.randint_like(torch.zeros(3, dtype=torch.int32), 7).dtype == torch.int32
    s = tg.scalar_tensor(3)
    assert s.shape == () and s.dtype == np.float64 and s.item() == 3.0
    assert tg.scalar_tensor(True, dtype=tg.int64).item() == torch.scalar_tensor(
        True, dtype=torch.int64).item()


# ---- questions and the complex views of real tensors -----------------------------------------
def test_questions_and_complex_views():
    x = tg.tensor([[1.0, 2.0]])
    assert tg.real(x) is x and tg.conj(x) is x
    _close(tg.adjoint(x), torch.adjoint(torch.tensor([[1.0, 2.0]], dtype=torch.float64)))
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        tg.imag(x)
    for dt, tdt in ((tg.float32, torch.float32), (tg.float64, torch.float64),
                    (tg.int64, torch.int64), (tg.bool, torch.bool), (tg.uint8, torch.uint8)):
        assert tg.typename(tg.zeros(1, dtype=dt)) == torch.typename(torch.zeros(1, dtype=tdt))
    assert tg.typename(3) == torch.typename(3) == "int"
    assert tg.typename([1]) == torch.typename([1])
    assert tg.is_nonzero(tg.tensor([0.5])) is True and tg.is_nonzero(tg.tensor(0.0)) is False
    with pytest.raises(RuntimeError, match="more than one value"):
        tg.is_nonzero(tg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="is_nonzero: expects a Tensor"):
        tg.is_nonzero(3)
    assert not hasattr(torch.Tensor, "std_mean")  # (torch has no method: none added here)


def test_bernoulli_dtypes_as_torch():
    # torch.bernoulli(x) keeps x's dtype, and refuses integer probabilities (NotImplementedError,
    # a RuntimeError); before, tg.bernoulli gave float64 for them, and x.bernoulli() int draws
    ints = tg.tensor([0, 1, 1])
    for f in (lambda: tg.bernoulli(ints), lambda: ints.bernoulli()):
        with pytest.raises(NotImplementedError, match="bernoulli: probabilities in a int64"):
            f()
    with pytest.raises(NotImplementedError):
        torch.bernoulli(torch.tensor([0, 1, 1]))
    for p in (0.0, 1.0):
        ours, theirs = tg.bernoulli(ints, p), torch.bernoulli(torch.tensor([0, 1, 1]), p)
        assert ours.dtype == np.int64 and theirs.dtype == torch.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert tg.bernoulli(tg.ones(3, dtype=tg.float32)).dtype == np.float32
    assert tg.bernoulli([0.0, 1.0]).data.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("args", [(5.5,), (1, 5.0), (True,)])
def test_randint_like_refuses_bounds_that_are_not_ints_as_torch(args):
    # before: 5.5 was taken and the draws fell on [0, 5) without a word
    with pytest.raises(TypeError):
        torch.randint_like(torch.zeros(3), *args)
    with pytest.raises(TypeError, match="randint_like: (low|high) must be an int"):
        tg.randint_like(tg.zeros(3), *args)
