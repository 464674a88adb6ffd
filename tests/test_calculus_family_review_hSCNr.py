"""Second review (helper hSCNr) of the calculus-family hunt (c718c73): trapezoid /
cumulative_trapezoid's x broadcasting, dx spellings and refusals, gradients of y and x against
torch 2.13 at float64, jit replay, renorm's masked p < 1 path, linspace / logspace's dtypes.

Bugs found: a dx tensor that requires grad lost its gradient without a word (torch refuses it),
dx=True integrated with a spacing of 1 and a complex dx raised float()'s error naming no op
(torch refuses both: "we only support dx as a real number"), and an x that does not broadcast
against y raised "Mul: cannot apply to shapes ..." naming neither the op nor x."""

import warnings

import numpy as np
import pytest
from oracle import one_line, torch_float64  # noqa: F401 (the fixture, by name)

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.usefixtures("torch_float64")

FNS = ("trapezoid", "cumulative_trapezoid")
Y = np.array([[1.0, 2.5, 4.0], [0.5, -1.0, 3.0]])


# ---- dx: the bugs ------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", FNS)
def test_dx_tensor_requiring_grad_is_refused_not_detached(fn):
    dx = tg.tensor(np.array(2.0), requires_grad=True)
    with pytest.raises(TypeError) as e:  # (it computed, dx.grad staying None after backward)
        getattr(tg, fn)(tg.tensor(Y), dx=dx)
    one_line(e, fn, "dx", "requires grad")
    with pytest.raises(TypeError):  # torch refuses it too
        getattr(torch, fn)(torch.tensor(Y), dx=torch.tensor(2.0, requires_grad=True))


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("dx", [True, 1 + 2j, np.array([1.0, 2.0])], ids=["bool", "complex",
                                                                           "array"])
def test_dx_not_a_real_number_is_refused_in_one_line_naming_the_op(fn, dx):
    with pytest.raises(TypeError) as e:  # (True integrated as 1; 1+2j: float()'s words)
        getattr(tg, fn)(tg.tensor(Y), dx=dx)
    one_line(e, fn, "dx must be a number")
    if not isinstance(dx, np.ndarray):
        with pytest.raises(RuntimeError, match="only support dx as a real number"):
            getattr(torch, fn)(torch.tensor(Y), dx=dx)


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("dx", [-1.5, 0, np.float32(0.25), "tensor", float("inf")])
def test_dx_numbers_and_0d_tensors_give_torchs_values(fn, dx):
    got = getattr(tg, fn)(tg.tensor(Y), dx=tg.tensor(2.0) if dx == "tensor" else dx, dim=0)
    want = getattr(torch, fn)(torch.tensor(Y), dx=torch.tensor(2.0) if dx == "tensor" else dx,
                              dim=0)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-15)


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("ys, xs, dim", [((2, 3), (2, 4), -1), ((3,), (2, 3), 0),
                                         ((2, 3, 4), (3, 3), 1), ((2, 3), (4,), -1)])
def test_x_that_does_not_broadcast_is_refused_naming_the_op_and_shapes(fn, ys, xs, dim):
    y, x = np.ones(ys), np.cumsum(np.ones(xs), -1)
    with pytest.raises(ValueError if fn == "trapezoid" or len(xs) > 1 else RuntimeError) as e:
        getattr(tg, fn)(tg.tensor(y), tg.tensor(x), dim=dim)  # (it said "Mul: cannot apply")
    one_line(e, fn, str(xs) if len(xs) > 1 else "x")
    assert "Mul" not in str(e.value)
    with pytest.raises(RuntimeError):  # torch refuses each
        getattr(torch, fn)(torch.tensor(y), torch.tensor(x), dim=dim)


# ---- the rewrite against torch: values and both gradients --------------------------------------
def _case(rng):
    nd = int(rng.integers(1, 4))
    ys = tuple(int(s) for s in rng.integers(0, 4, nd))
    xnd = int(rng.integers(1, nd + 1))
    xs = tuple(ys[nd - xnd + k] if rng.random() < 0.85 else 1 for k in range(xnd))
    x = None if rng.random() < 0.2 else np.cumsum(rng.random(xs) + 0.1, -1)
    dim = int(rng.integers(-nd, nd))
    return rng.standard_normal(ys), x, dim


def _run(lib, fn, y, x, dim, w):
    ty = lib.tensor(y, requires_grad=True)
    tx = None if x is None else lib.tensor(x, requires_grad=True)
    out = getattr(lib, fn)(ty, tx, dim=dim) if tx is not None else getattr(lib, fn)(ty, dim=dim)
    if out.requires_grad:  # (torch's integral of an empty y has no graph)
        (out * lib.tensor(w(out.shape))).sum().backward()
    grads = [np.zeros(t.shape) if t.grad is None else _np(t.grad)
             for t in (ty, tx) if t is not None]
    return _np(out), grads


def _np(t):
    return np.array(t.detach().numpy() if hasattr(t, "detach") else np.asarray(t))


@pytest.mark.parametrize("fn", FNS)
def test_random_x_of_every_rank_and_negative_dims_match_torch_with_gradients(fn):
    rng = np.random.default_rng(11)
    compared = 0
    for _ in range(150):
        y, x, dim = _case(rng)
        wr = np.random.default_rng(3)
        try:
            want, gw = _run(torch, fn, y, x, dim, lambda s, r=wr: r.standard_normal(tuple(s)))
        except RuntimeError:
            with pytest.raises((ValueError, RuntimeError)) as e:
                _run(tg, fn, y, x, dim, lambda s: np.ones(s))
            one_line(e, fn)
            continue
        wr = np.random.default_rng(3)
        got, go = _run(tg, fn, y, x, dim, lambda s, r=wr: r.standard_normal(tuple(s)))
        assert got.shape == want.shape, (y.shape, None if x is None else x.shape, dim)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        for a, b in zip(go, gw):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        compared += 1
    assert compared > 80


def test_jit_replays_trapezoid_with_x_bit_for_bit():
    rng = np.random.default_rng(0)
    w = tg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    x = tg.tensor(np.cumsum(rng.random(3)), requires_grad=True)

    def step(a):
        out = (tg.trapezoid(w * tg.Tensor(a), x) ** 2).sum()
        out = out + tg.cumulative_trapezoid(w * tg.Tensor(a), x[None], axis=-1).sum()
        out.backward()
        return out

    fast = jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a refused replay warns)
        for _ in range(4):
            a = rng.standard_normal((4, 3))
            w.grad = x.grad = None
            got, gw, gx = fast(a).numpy(), _np(w.grad), _np(x.grad)
            w.grad = x.grad = None
            want = step(a).numpy()
            assert got.tobytes() == want.tobytes()
            assert gw.tobytes() == _np(w.grad).tobytes()
            assert gx.tobytes() == _np(x.grad).tobytes()


# ---- renorm's p < 1 path -----------------------------------------------------------------------
@pytest.mark.parametrize("dt, tol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_renorm_small_p_with_and_without_zeros_matches_torch(dt, tol):
    rng = np.random.default_rng(2)
    for _ in range(60):
        shape = tuple(int(s) for s in rng.integers(1, 4, int(rng.integers(2, 4))))
        a = rng.standard_normal(shape).astype(dt)
        if rng.random() < 0.6:
            a[rng.random(shape) < 0.3] = 0
        p, mx = float(rng.choice([0.2, 0.5, 0.999, 2.0])), float(rng.choice([0.0, 0.5, 3.0]))
        dim = int(rng.integers(-len(shape), len(shape)))
        wt = rng.standard_normal(shape).astype(dt)
        res = []
        for lib in (torch, tg):
            t = lib.tensor(a, requires_grad=True)
            r = t.renorm(p, dim, mx)
            (r * lib.tensor(wt)).sum().backward()
            res.append((_np(r), _np(t.grad)))
        (vt, gt), (vo, go) = res
        assert vo.dtype == vt.dtype
        np.testing.assert_allclose(vo, vt, rtol=tol, atol=tol)
        np.testing.assert_allclose(go, gt, rtol=tol, atol=tol)
        assert np.isfinite(go).all()


@pytest.mark.parametrize("p", [0.0, -1.0, float("nan")])
def test_renorm_nonpositive_p_refused_as_torch(p):
    with pytest.raises(ValueError) as e:
        tg.tensor(np.ones((2, 2))).renorm(p, 0, 1.0)
    one_line(e, "renorm", "p > 0")
    with pytest.raises(RuntimeError):
        torch.ones(2, 2).renorm(p, 0, 1.0)


# ---- linspace / logspace dtypes ----------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda L: L.linspace(0, 10, 5), lambda L: L.linspace(0, 1, steps=4),
    lambda L: L.linspace(1j, 2, 3), lambda L: L.linspace(1j, 2, 3, dtype=L.complex64),
    lambda L: L.linspace(0, 1, 3, dtype=L.float32), lambda L: L.linspace(0, 1.9, 3, dtype=L.int64),
    lambda L: L.linspace(L.tensor(0.0), L.tensor(1.0), 3),
    lambda L: L.linspace(L.tensor(1j), L.tensor(1.0), 3),
    lambda L: L.linspace(False, True, 3), lambda L: L.logspace(0, 2, 3),
    lambda L: L.logspace(0, 1j, 3), lambda L: L.logspace(0, 1j, 3, dtype=L.complex64),
    lambda L: L.logspace(0, 2.5, 4, dtype=L.int64), lambda L: L.logspace(1j, 2, 1)])
def test_linspace_logspace_dtypes_match_torch(call):
    got, want = call(tg), call(torch)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6 if "64" in str(
        got.dtype) and "complex" in str(got.dtype) or got.dtype == np.float32 else 1e-15)


def test_linspace_float_ends_stay_float64_with_requires_grad():
    t = tg.linspace(0, 1, 3, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad
    with pytest.raises(TypeError) as e:
        tg.linspace(1j, 2, 3, dtype=tg.float32)
    one_line(e, "linspace", "complex")


def test_gradient_0d_spacing_tensor_requiring_grad_is_refused_not_detached():
    y = tg.tensor(np.array([1.0, 2.0, 4.0, 7.0]))
    with pytest.raises(TypeError) as e:  # (it computed with the spacing's value, no gradient)
        tg.gradient(y, spacing=tg.tensor(2.0, requires_grad=True))
    one_line(e, "gradient", "spacing", "requires grad")
    with pytest.raises(TypeError):  # torch refuses it too
        torch.gradient(torch.tensor([1.0, 2.0, 4.0, 7.0]),
                       spacing=torch.tensor(2.0, requires_grad=True))
    got = tg.gradient(y, spacing=tg.tensor(2.0))[0].numpy()  # without grad: its value, torch's
    want = torch.gradient(torch.tensor([1.0, 2.0, 4.0, 7.0]), spacing=2.0)[0].numpy()
    np.testing.assert_allclose(got, want, rtol=1e-15)


@pytest.mark.parametrize("which", ["p", "maxnorm"])
def test_renorm_p_or_maxnorm_tensor_requiring_grad_is_refused_not_detached(which):
    a = np.array([[3.0, 4.0], [0.3, 0.4]])
    t = tg.tensor(2.0, requires_grad=True)
    p, mx = (t, 1.0) if which == "p" else (2.0, t)
    with pytest.raises(TypeError) as e:  # (it computed; t.grad stayed None after backward)
        tg.tensor(a).renorm(p, 0, mx)
    one_line(e, "renorm", "requires grad")
    with pytest.raises(TypeError):  # torch takes numbers only
        tt = torch.tensor(2.0, requires_grad=True)
        torch.tensor(a).renorm(p=tt if which == "p" else 2.0, dim=0,
                               maxnorm=tt if which == "maxnorm" else 1.0)
    np.testing.assert_allclose(tg.tensor(a).renorm(2.0, 0, tg.tensor(1.0)).numpy(),
                               torch.tensor(a).renorm(2.0, 0, 1.0).numpy(), rtol=1e-15)
