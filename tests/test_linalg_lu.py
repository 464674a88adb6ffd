"""torch.linalg's LU family, solve_triangular, cond, the *_ex functions, tensorinv,
tensorsolve, vander and matmul against torch 2.13 (values rtol 1e-12, gradients via
torch.autograd 1e-10, float64; float32 sanity); singular, empty, 0 x 0, non-square and
wrong-shape inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.gradcheck import gradcheck

torch = pytest.importorskip("torch")
la = tg.linalg
RNG = np.random.default_rng(0)


def _close(x, y, rtol=1e-12, atol=1e-12):
    y = y.detach().numpy() if hasattr(y, "detach") else np.asarray(y)
    x = x.data if isinstance(x, tg.Tensor) else np.asarray(x)
    assert x.shape == y.shape, (x.shape, y.shape)
    np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


def _grads(f_tg, f_t, *arrays, weights_seed=1):
    """Gradients of sum(w * f(*inputs)) (w fixed random weights per output) by both."""
    xs = [tg.Tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    outs_tg, outs_t = f_tg(*xs), f_t(*ts)
    outs_tg = outs_tg if isinstance(outs_tg, (tuple, list)) else (outs_tg,)
    outs_t = outs_t if isinstance(outs_t, (tuple, list)) else (outs_t,)
    rng = np.random.default_rng(weights_seed)
    loss_tg, loss_t = 0, 0
    for o, p in zip(outs_tg, outs_t):
        _close(o, p)
        w = rng.standard_normal(o.shape)
        loss_tg = loss_tg + (o * tg.Tensor(w)).sum()
        loss_t = loss_t + (p * torch.tensor(w)).sum()
    loss_tg.backward()
    loss_t.backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-10)


SHAPES = [(3, 3), (1, 1), (2, 4, 4), (2, 1, 3, 3), (4, 2), (2, 5), (3, 5, 3), (2, 3, 6)]


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_and_lu_values_and_grads(shape):
    a = RNG.standard_normal(shape)
    lu, piv = la.lu_factor(tg.Tensor(a)) if shape[-1] == shape[-2] else la.lu_factor_ex(
        tg.Tensor(a))[:2]
    tlu, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    _close(lu, tlu)
    assert piv.data.dtype == np.int32 and np.array_equal(piv.data, tpiv.numpy())
    _grads(lambda x: la.lu_factor_ex(x).LU, lambda x: torch.linalg.lu_factor_ex(x).LU, a)
    _grads(lambda x: tuple(la.lu(x)), lambda x: tuple(torch.linalg.lu(x)), a)
    p, low, up = la.lu(tg.Tensor(a))
    _close(p @ low @ up, torch.tensor(a))


def test_lu_factor_float32():
    a = RNG.standard_normal((3, 4, 4)).astype(np.float32)
    lu, piv = la.lu_factor(tg.Tensor(a))
    tlu, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    assert lu.data.dtype == np.float32
    _close(lu, tlu, rtol=1e-4, atol=1e-5)
    assert np.array_equal(piv.data, tpiv.numpy())


@pytest.mark.parametrize("left,adjoint", [(True, False), (True, True), (False, False),
                                          (False, True)])
@pytest.mark.parametrize("ashape,bshape", [((3, 3), (3, 2)), ((2, 4, 4), (2, 4, 1)),
                                           ((2, 1, 3, 3), (3, 3, 3))])
def test_lu_solve(left, adjoint, ashape, bshape):
    a = RNG.standard_normal(ashape) + 3 * np.eye(ashape[-1])
    b = RNG.standard_normal(bshape if left else bshape[:-2] + bshape[-2:][::-1])
    tlu, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    lu, piv = la.lu_factor(tg.Tensor(a))
    _close(la.lu_solve(lu, piv, tg.Tensor(b), left=left, adjoint=adjoint),
           torch.linalg.lu_solve(tlu, tpiv, torch.tensor(b), left=left, adjoint=adjoint))
    _grads(lambda m, y: la.lu_solve(m, piv, y, left=left, adjoint=adjoint),
           lambda m, y: torch.linalg.lu_solve(m, tpiv, y, left=left, adjoint=adjoint),
           tlu.numpy(), b)
    # through the factorization too: A -> lu_factor -> lu_solve
    _grads(lambda m, y: la.lu_solve(*la.lu_factor(m), y, left=left, adjoint=adjoint),
           lambda m, y: torch.linalg.lu_solve(*torch.linalg.lu_factor(m), y, left=left,
                                              adjoint=adjoint), a, b)


def test_old_spellings_lu_lu_unpack_lu_solve():
    a = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = RNG.standard_normal((2, 3, 2))
    lu, piv = tg.lu(tg.Tensor(a))
    tlu, tpiv = torch.lu(torch.tensor(a))
    _close(lu, tlu)
    assert np.array_equal(piv.data, tpiv.numpy())
    _, _, info = tg.Tensor(a).lu(get_infos=True)
    assert info.data.dtype == np.int32 and not info.data.any()
    _close(tg.lu_solve(tg.Tensor(b), lu, piv), torch.lu_solve(torch.tensor(b), tlu, tpiv))
    _close(tg.Tensor(b).lu_solve(lu, piv), torch.lu_solve(torch.tensor(b), tlu, tpiv))
    for ud, up in [(True, True), (False, True), (True, False)]:
        mine = tg.lu_unpack(lu, piv, unpack_data=ud, unpack_pivots=up)
        theirs = torch.lu_unpack(tlu, tpiv, unpack_data=ud, unpack_pivots=up)
        for x, y in zip(mine, theirs):
            _close(x, y)
    _grads(lambda m: tuple(tg.lu_unpack(m, piv)), lambda m: tuple(torch.lu_unpack(m, tpiv)),
           tlu.numpy())
    _grads(lambda y, m: tg.lu_solve(y, m, piv), lambda y, m: torch.lu_solve(y, m, tpiv),
           b, tlu.numpy())


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular(upper, left, unit):
    a = RNG.standard_normal((2, 1, 4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal((3, 4, 2) if left else (3, 2, 4))
    _grads(lambda m, y: la.solve_triangular(m, y, upper=upper, left=left, unitriangular=unit),
           lambda m, y: torch.linalg.solve_triangular(m, y, upper=upper, left=left,
                                                      unitriangular=unit), a, b)


@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("upper", [True, False])
def test_triangular_solve_old_spelling(transpose, upper):
    a = RNG.standard_normal((2, 3, 3)) + 4 * np.eye(3)
    b = RNG.standard_normal((2, 3, 2))
    _grads(lambda y, m: tuple(tg.triangular_solve(y, m, upper, transpose)),
           lambda y, m: tuple(torch.triangular_solve(y, m, upper, transpose)), b, a)
    _grads(lambda y, m: tuple(y.triangular_solve(m, upper=upper, transpose=transpose)),
           lambda y, m: tuple(y.triangular_solve(m, upper=upper, transpose=transpose)), b, a)


def test_solve_triangular_zero_diagonal_gives_inf_nan_as_torch():
    z = np.array([[0.0, 1.0], [0.0, 1.0]])
    _close(la.solve_triangular(tg.Tensor(z), tg.Tensor(np.ones((2, 2))), upper=True),
           torch.linalg.solve_triangular(torch.tensor(z), torch.ones(2, 2, dtype=torch.float64),
                                         upper=True))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1])
def test_cond(p):
    a = RNG.standard_normal((2, 3, 3))
    if p in (None, 2, -2):
        _grads(lambda x: la.cond(x, p), lambda x: torch.linalg.cond(x, p), a)
    else:  # (torch's cond has no gradient for these p: it fills singular ones in place)
        _close(la.cond(tg.Tensor(a), p), torch.linalg.cond(torch.tensor(a), p))
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    if p not in (None, 2, -2, "nuc"):  # torch: inf for a singular matrix ('nuc' is torch's
        assert la.cond(tg.Tensor(sing), p).item() == math.inf  # sum(s) sum(1/s): round-off's
    # big number there; tests/test_linalg_cond_singular_hR.py)
    if p in (None, 2, -2):
        _close(la.cond(tg.Tensor(RNG.standard_normal((3, 4, 2))), p),
               torch.linalg.cond(torch.tensor(RNG.standard_normal((3, 4, 2))), p), rtol=10)
        t = RNG.standard_normal((4, 2))
        _close(la.cond(tg.Tensor(t), p), torch.linalg.cond(torch.tensor(t), p))
    else:
        with pytest.raises(ValueError, match="linalg.cond.*square"):
            la.cond(tg.Tensor(np.ones((2, 3))), p)


def test_cond_bad_p():
    with pytest.raises(ValueError, match="linalg.cond: p must be"):
        la.cond(tg.Tensor(np.eye(2)), 3)


def test_ex_functions():
    a = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = RNG.standard_normal((2, 3, 2))
    _grads(lambda x: la.inv_ex(x).inverse, lambda x: torch.linalg.inv_ex(x).inverse, a)
    _grads(lambda x, y: la.solve_ex(x, y).result,
           lambda x, y: torch.linalg.solve_ex(x, y).result, a, b)
    _grads(lambda x, y: la.solve_ex(x, y, left=False).result,
           lambda x, y: torch.linalg.solve_ex(x, y, left=False).result, a,
           RNG.standard_normal((2, 2, 3)))
    spd = a @ np.swapaxes(a, -1, -2)
    for upper in (False, True):
        _grads(lambda x, upper=upper: la.cholesky_ex(x, upper=upper).L,
               lambda x, upper=upper: torch.linalg.cholesky_ex(x, upper=upper).L, spd)


def test_ex_info_on_singular_and_not_pd():
    sing = np.stack([np.array([[1.0, 2.0], [2.0, 4.0]]), np.eye(2), np.zeros((2, 2))])
    for mine, theirs in [(la.inv_ex, torch.linalg.inv_ex),
                         (lambda x: la.solve_ex(x, tg.Tensor(np.ones((3, 2, 1)))),
                          lambda x: torch.linalg.solve_ex(x, torch.ones(3, 2, 1,
                                                                        dtype=torch.float64))),
                         (la.cholesky_ex, torch.linalg.cholesky_ex)]:
        r, t = mine(tg.Tensor(sing)), theirs(torch.tensor(sing))
        assert r[1].data.dtype == np.int32
        np.testing.assert_array_equal(r[1].data, t[1].numpy())
        ok = t[1].numpy() == 0
        _close(r[0].data[ok], t[0][torch.tensor(ok)])
        assert np.isnan(r[0].data[~ok]).all()  # (torch's: LAPACK's half-done values)
    notpd = np.diag([2.0, -1.0, -1.0])
    assert la.cholesky_ex(tg.Tensor(notpd)).info.item() == 2
    info = la.lu_factor_ex(tg.Tensor(sing)).info
    np.testing.assert_array_equal(info.data, torch.linalg.lu_factor_ex(
        torch.tensor(sing)).info.numpy())
    with pytest.raises(la.LinAlgError, match="linalg.inv_ex: the input .batch element 0. is "
                       "singular"):
        la.inv_ex(tg.Tensor(sing), check_errors=True)
    with pytest.raises(RuntimeError, match="linalg.cholesky_ex: .* not positive-definite"):
        la.cholesky_ex(tg.Tensor(notpd), check_errors=True)


def test_lu_factor_singular_raises_and_lu_does_not():
    s = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(la.LinAlgError, match=r"linalg.lu_factor: U\[2,2\] is zero"):
        la.lu_factor(tg.Tensor(s))
    r, t = la.lu_factor_ex(tg.Tensor(s)), torch.linalg.lu_factor_ex(torch.tensor(s))
    _close(r.LU, t.LU)
    assert np.array_equal(r.pivots.data, t.pivots.numpy()) and r.info.item() == 2
    for x, y in zip(la.lu(tg.Tensor(s)), torch.linalg.lu(torch.tensor(s))):
        _close(x, y)
    lu, piv = tg.lu(tg.Tensor(s))  # torch.lu: no error
    _close(lu, t.LU)


def test_linalg_error_is_runtime_error_and_existing_refusals_use_it():
    assert issubclass(la.LinAlgError, RuntimeError)
    s = tg.Tensor(np.array([[1.0, 2.0], [2.0, 4.0]]))
    for f in (la.inv, lambda x: la.solve(x, tg.Tensor(np.ones(2))),
              lambda x: la.cholesky(-x), lambda x: x.inverse()):
        with pytest.raises(la.LinAlgError):
            f(s)
        with pytest.raises(RuntimeError):
            f(s)
        with pytest.raises(ValueError):  # (what they raised before: still caught)
            f(s)


def test_pivot_false_refused_as_torch():
    for f in (la.lu_factor, la.lu_factor_ex, la.lu):
        with pytest.raises(RuntimeError, match="LU without pivoting is not implemented"):
            f(tg.Tensor(np.eye(2)), pivot=False)
        with pytest.raises(RuntimeError):
            getattr(torch.linalg, f.__name__)(torch.eye(2), pivot=False)


def test_empty_and_zero_by_zero():
    for shape in [(0, 0), (2, 0, 3, 3), (3, 0), (0, 2)]:
        a = np.zeros(shape)
        r, t = la.lu_factor_ex(tg.Tensor(a)), torch.linalg.lu_factor_ex(torch.tensor(a))
        for x, y in zip(r, t):
            _close(x, y)
        for x, y in zip(la.lu(tg.Tensor(a)), torch.linalg.lu(torch.tensor(a))):
            _close(x, y)
    e = np.zeros((0, 3, 3))
    _close(la.solve_triangular(tg.Tensor(e), tg.Tensor(e), upper=True),
           torch.linalg.solve_triangular(torch.tensor(e), torch.tensor(e), upper=True))
    _close(la.inv_ex(tg.Tensor(e)).inverse, torch.linalg.inv_ex(torch.tensor(e)).inverse)


def test_wrong_shapes_and_dtypes_one_line():
    cases = [
        (lambda: la.lu_factor(tg.Tensor(np.ones(3))), ValueError, "linalg.lu_factor: expects"),
        (lambda: la.lu_factor(tg.Tensor(np.eye(2, dtype=np.int64))), TypeError,
         "floating-point"),
        (lambda: la.solve_triangular(tg.Tensor(np.eye(3)), tg.Tensor(np.ones(3)), upper=True),
         ValueError, "linalg.solve_triangular: expects matrices"),
        (lambda: la.solve_triangular(tg.Tensor(np.eye(3)), tg.Tensor(np.ones((2, 2))),
                                     upper=True), ValueError, "do not fit"),
        (lambda: la.solve_triangular(tg.Tensor(np.ones((2, 3))), tg.Tensor(np.ones((2, 2))),
                                     upper=True), ValueError, "expects square"),
        (lambda: la.lu_solve(*la.lu_factor(tg.Tensor(np.eye(3))), tg.Tensor(np.ones((2, 1)))),
         ValueError, "linalg.lu_solve: LU of shape"),
        (lambda: la.lu_solve(la.lu_factor(tg.Tensor(np.eye(3)))[0],
                             tg.Tensor(np.array([1, 2, 9], np.int32)),
                             tg.Tensor(np.ones((3, 1)))), ValueError, "pivots must lie in"),
        (lambda: tg.lu_unpack(tg.Tensor(np.eye(3)), tg.Tensor(np.ones(2, np.int32))),
         ValueError, "lu_unpack: pivots of shape"),
        (lambda: la.vander(tg.Tensor(np.ones(3)), N=1), ValueError, "greater than 1"),
        (lambda: la.tensorinv(tg.Tensor(np.ones((2, 3))), ind=1), ValueError, "tensorinv"),
        (lambda: la.tensorsolve(tg.Tensor(np.ones((2, 3))), tg.Tensor(np.ones(3))),
         ValueError, "tensorsolve"),
    ]
    for f, err, msg in cases:
        with pytest.raises(err, match=msg) as e:
            f()
        assert "\n" not in str(e.value)


def test_tensorinv_tensorsolve_vander_matmul():
    a = RNG.standard_normal((6, 2, 3)) + np.eye(6).reshape(6, 2, 3) * 3
    _grads(lambda x: la.tensorinv(x, ind=1), lambda x: torch.linalg.tensorinv(x, ind=1), a)
    a2 = RNG.standard_normal((2, 3, 6)) + np.eye(6).reshape(2, 3, 6) * 3
    b = RNG.standard_normal((2, 3))
    _grads(la.tensorsolve, torch.linalg.tensorsolve, a2, b)
    a3 = np.moveaxis(a2, 2, 0).copy()
    _grads(lambda x, y: la.tensorsolve(x, y, dims=(0,)),
           lambda x, y: torch.linalg.tensorsolve(x, y, dims=(0,)), a3, b)
    x = RNG.standard_normal((2, 4))
    x[0, 1] = 0.0
    _grads(la.vander, torch.linalg.vander, x)
    _grads(lambda y: la.vander(y, N=6), lambda y: torch.linalg.vander(y, N=6), x)
    xi = np.array([1, 2, 3])
    _close(la.vander(tg.Tensor(xi)), torch.linalg.vander(torch.tensor(xi)))
    assert la.vander(tg.Tensor(xi)).data.dtype == np.int64
    _grads(la.matmul, torch.linalg.matmul, RNG.standard_normal((2, 3, 4)),
           RNG.standard_normal((4, 2)))


def test_more_edges_as_torch():
    for shape in [(0, 0), (3, 0), (2, 0, 2)]:
        for p in (None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf):
            try:
                t = torch.linalg.cond(torch.zeros(shape, dtype=torch.float64), p)
            except RuntimeError:  # torch: 'fro' and 'nuc' of a non-square one
                with pytest.raises(ValueError, match="linalg.cond.*square"):
                    la.cond(tg.Tensor(np.zeros(shape)), p)
                continue
            _close(la.cond(tg.Tensor(np.zeros(shape)), p), t)
    _close(la.vander(tg.Tensor(np.array(2.0)), N=3),
           torch.linalg.vander(torch.tensor(2.0, dtype=torch.float64), N=3))
    a, b = np.triu(RNG.standard_normal((3, 3))) + 3 * np.eye(3), np.ones((3, 1), np.float32)
    x = la.solve_triangular(tg.Tensor(a), tg.Tensor(b), upper=True)
    assert x.data.dtype == np.float64
    _close(x, torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=True))
    s = np.stack([np.array([[1.0, 2.0], [2.0, 4.0]]), 2 * np.eye(2)])
    for rhs in (np.ones((2, 2)), np.ones(2), np.ones((2, 2, 3))):
        r = la.solve_ex(tg.Tensor(s), tg.Tensor(rhs))
        t = torch.linalg.solve_ex(torch.tensor(s), torch.tensor(rhs))
        assert r.result.shape == tuple(t.result.shape)
        np.testing.assert_array_equal(r.info.data, t.info.numpy())
        _close(r.result[1], t.result[1])
        assert np.isnan(r.result.data[0]).all()
    with pytest.raises(la.LinAlgError, match="inverse: .* singular"):
        la.tensorinv(tg.Tensor(np.zeros((2, 2))), ind=1)


def test_float32_sanity():
    a = (RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)).astype(np.float32)
    b = RNG.standard_normal((2, 3, 2)).astype(np.float32)
    for mine, theirs in [
            (lambda x, y: la.solve_triangular(x, y, upper=False),
             lambda x, y: torch.linalg.solve_triangular(x, y, upper=False)),
            (lambda x, y: la.lu_solve(*la.lu_factor(x), y),
             lambda x, y: torch.linalg.lu_solve(*torch.linalg.lu_factor(x), y))]:
        r = mine(tg.Tensor(a), tg.Tensor(b))
        assert r.data.dtype == np.float32
        _close(r, theirs(torch.tensor(a), torch.tensor(b)), rtol=1e-4, atol=1e-5)
    c = la.cond(tg.Tensor(a))
    assert c.data.dtype == np.float32
    _close(c, torch.linalg.cond(torch.tensor(a)), rtol=1e-4)


@pytest.mark.parametrize("p", ["fro", "nuc", math.inf, -math.inf, 1, -1])
def test_cond_gradient_finite_differences(p):
    # (torch's cond has no gradient for these p; this one's is the composition's)
    a = tg.Tensor(RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3), requires_grad=True)
    report = gradcheck(lambda x: la.cond(x, p), [a], tol=1e-6)
    assert report.max_rel_error < 1e-6, report
