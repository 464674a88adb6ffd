"""Review of the LU family (f9c2485) and the NaN/inf rule of inv, solve, det, slogdet,
matrix_power(-1), inverse and cond, against torch 2.13: a matrix with NaN or inf entries
follows torch's LU path (getrf + getrs; det and slogdet factor A^T), never NumPy's LAPACK,
which left finite entries beside NaNs (inv([[nan, 1], [2, 3]]) had the row [-2, 1]); and the
*_ex functions and cond, which decide on A's values in Python, are not replayed by the jit."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
la = tg.linalg
NAN, INF = math.nan, math.inf


def _same(x, y, rtol=1e-10, atol=1e-12):
    x = x.data if isinstance(x, tg.Tensor) else np.asarray(x)
    y = y.detach().numpy() if hasattr(y, "detach") else np.asarray(y)
    assert x.shape == y.shape and x.dtype == y.dtype, (x.shape, y.shape, x.dtype, y.dtype)
    np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True)


def _nonfinite(seed: int, count: int, batch: int = 1):
    """Integer matrices (n <= 4, some made well conditioned) with one or two NaN / inf."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.integers(1, 5))
        a = rng.integers(-2, 3, (batch, n, n)).astype(float)
        if rng.random() < 0.5:
            a += 4 * np.eye(n)
        for _ in range(int(rng.integers(1, 3))):
            a[rng.integers(batch), rng.integers(n), rng.integers(n)] = rng.choice(
                [INF, -INF, NAN])
        # (a finite one beside them: well conditioned, so that NumPy's and MKL's round-off
        # agree on whether it is singular)
        a[np.isfinite(a).all((-2, -1))] += 4 * np.eye(n)
        out.append(a if batch > 1 else a[0])
    return out


def test_inv_of_a_nan_matrix_is_all_nan_as_torch():
    for m in ([[NAN, 1.0], [2.0, 3.0]], [[1.0, 0, 0], [0, NAN, 0], [0, 0, 1.0]]):
        a = np.array(m)
        want = torch.linalg.inv(torch.tensor(a))
        assert np.isnan(want.numpy()).all()
        _same(la.inv(tg.Tensor(a)), want)
        _same(tg.Tensor(a).inverse(), want)
        _same(la.matrix_power(tg.Tensor(a), -1), want)
        _same(la.matrix_power(tg.Tensor(a), -2), torch.linalg.matrix_power(torch.tensor(a), -2))
        _same(la.inv_ex(tg.Tensor(a)).inverse, want)
        _same(la.solve(tg.Tensor(a), tg.Tensor(np.ones(len(m)))),
              torch.linalg.solve(torch.tensor(a), torch.ones(len(m), dtype=torch.float64)))


def test_inv_solve_det_slogdet_with_nan_or_inf_follow_torch():
    """Random matrices with NaN/inf (inf can leave finite entries in torch's inverse); a
    batch mixes them with finite ones; solve left=False too (torch factors A, not A^T)."""
    rng = np.random.default_rng(1)
    for a in _nonfinite(2, 150, batch=2):
        t = torch.tensor(a)
        b = rng.integers(-2, 3, a.shape[:-1] + (2,)).astype(float)
        _same(la.det(tg.Tensor(a)), torch.linalg.det(t))
        s, lad = la.slogdet(tg.Tensor(a))
        ts, tlad = torch.linalg.slogdet(t)
        _same(s, ts)
        _same(lad, tlad)
        bt = np.swapaxes(b, -1, -2)
        cases = [("inv", (a,), {}), ("solve", (a, b), {}), ("solve", (a, bt), {"left": False})]
        for name, args, kw in cases:
            try:
                want = getattr(torch.linalg, name)(*map(torch.tensor, args), **kw)
            except RuntimeError:  # torch: singular (info > 0): refused here too
                with pytest.raises(la.LinAlgError):
                    getattr(la, name)(*map(tg.Tensor, args), **kw)
                continue
            _same(getattr(la, name)(*map(tg.Tensor, args), **kw), want)


def test_solve_with_nan_or_inf_in_b_follows_torch():
    rng = np.random.default_rng(3)
    for _ in range(60):
        n = int(rng.integers(1, 5))
        a = rng.integers(-2, 3, (2, n, n)).astype(float) + 4 * np.eye(n)
        b = rng.integers(-2, 3, (2, 2, n)).astype(float)
        b[rng.integers(2), rng.integers(2), rng.integers(n)] = rng.choice([INF, NAN])
        _same(la.solve(tg.Tensor(a), tg.Tensor(b), left=False),
              torch.linalg.solve(torch.tensor(a), torch.tensor(b), left=False))
        _same(la.solve(tg.Tensor(a), tg.Tensor(b.swapaxes(-1, -2).copy())),
              torch.linalg.solve(torch.tensor(a), torch.tensor(b).mT))


def test_nan_matrix_det_and_slogdet_are_nan_with_sign_zero():
    a = np.array([[-1.0, NAN, 0, -1], [-2, 0, -2, 1], [1, -1, 2, 0], [0, 2, -2, -1]])
    assert np.isnan(la.det(tg.Tensor(a)).data)  # NumPy's gave 0.0
    s, lad = la.slogdet(tg.Tensor(a))
    assert s.data == 0 and np.isnan(lad.data)  # NumPy's gave (0, -inf)
    a = np.array([[2.0, INF, -2, 0], [0, 1, 2, -1], [2, -2, -1, 1], [-1, 1, 0, -INF]])
    _same(la.det(tg.Tensor(a)), torch.linalg.det(torch.tensor(a)))  # -inf (NumPy's: inf)


def test_cond_of_a_nan_or_inf_matrix_is_inf_as_torch():
    """torch's cond (p not 2, -2, None) is nan_to_num(norm(A) norm(A^-1), nan=inf)."""
    for a in _nonfinite(4, 120):
        for p in (1, -1, INF, -INF, "fro"):
            _same(la.cond(tg.Tensor(a), p), torch.linalg.cond(torch.tensor(a), p))
    assert la.cond(tg.Tensor(np.array([[NAN, 1.0], [2, 3]])), 1).item() == INF


def test_float32_keeps_its_dtype_on_the_nan_path():
    a = np.array([[NAN, 1.0], [2, 3]], np.float32)
    for r in (la.inv(tg.Tensor(a)), la.det(tg.Tensor(a)), la.slogdet(tg.Tensor(a))[1],
              la.slogdet(tg.Tensor(a))[0], la.solve(tg.Tensor(a), tg.Tensor(a))):
        assert r.data.dtype == np.float32


def test_gradient_on_the_finite_path_unchanged_and_nan_path_nan():
    a = np.array([[2.0, 1], [1, 3]])
    x = tg.Tensor(a, requires_grad=True)
    la.inv(x).sum().backward()
    y = torch.tensor(a, requires_grad=True)
    torch.linalg.inv(y).sum().backward()
    _same(x.grad, y.grad)
    x = tg.Tensor(np.array([[NAN, 1.0], [2, 3]]), requires_grad=True)
    la.inv(x).sum().backward()
    assert np.isnan(np.asarray(x.grad)).all()


@pytest.mark.parametrize("name", ["inv_ex", "solve_ex", "cond", "cholesky_ex"])
def test_ex_functions_are_not_replayed_by_the_jit(name):
    """They decide info and the NaN (inf) results in Python on A's values: a replayed step
    froze that (a singular A in a later call raised instead of giving NaN)."""
    w = tg.Tensor(np.eye(3), requires_grad=True)
    f = {"inv_ex": lambda a: la.inv_ex(a).inverse.sum(),
         "solve_ex": lambda a: la.solve_ex(a, tg.Tensor(np.ones(3))).result.sum(),
         "cond": lambda a: la.cond(a, 1),
         "cholesky_ex": lambda a: la.cholesky_ex(a).L.sum()}[name]

    def step(X):
        loss = f(tg.Tensor(X) @ w)
        loss.backward()
        return loss

    js = jit(step)
    rng = np.random.default_rng(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(4):
            X = rng.standard_normal((3, 3))
            w.grad = None
            js(X @ X.T + 3 * np.eye(3))
        bad = -np.eye(3) if name == "cholesky_ex" else np.array([[1.0, 2, 3], [2, 4, 6],
                                                                  [3, 6, 10]])
        w.grad = None
        got = js(bad).item()
    assert (got == INF) if name == "cond" else np.isnan(got)


def test_lu_factor_singular_batch_info_and_check_errors():
    a = np.stack([np.eye(3), np.ones((3, 3)), np.diag([1.0, 0, 2])])
    r = la.lu_factor_ex(tg.Tensor(a))
    t = torch.linalg.lu_factor_ex(torch.tensor(a))
    _same(r.LU, t.LU)
    assert (r.info.data == t.info.numpy()).all() and (r.pivots.data == t.pivots.numpy()).all()
    with pytest.raises(la.LinAlgError, match="batch element 1"):
        la.lu_factor_ex(tg.Tensor(a), check_errors=True)
    i = la.inv_ex(tg.Tensor(a))
    assert (i.info.data == torch.linalg.inv_ex(torch.tensor(a)).info.numpy()).all()
    _same(i.inverse[0], torch.eye(3, dtype=torch.float64))


@pytest.mark.parametrize("left", [True, False])
def test_solve_gradient_of_a_nan_or_inf_matrix_follows_torch(left):
    """B's gradient solves with A^T: NumPy's left a finite row beside NaNs there too."""
    rng = np.random.default_rng(6)
    for a in _nonfinite(7, 80, batch=2):
        n = a.shape[-1]
        b, w = rng.integers(-2, 3, (2, n, n)).astype(float), rng.standard_normal((2, n, n))
        y, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        try:
            (torch.linalg.solve(y, bt, left=left) * torch.tensor(w)).sum().backward()
        except RuntimeError:  # (singular)
            continue
        x, bb = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)
        (la.solve(x, bb, left=left) * tg.Tensor(w)).sum().backward()
        _same(np.asarray(bb.grad), bt.grad)
        _same(np.asarray(x.grad), y.grad)


def test_slogdet_gradient_of_a_nan_matrix_is_all_nan_as_torch():
    for m in ([[NAN, 1.0], [2, 3]], [[1.0, 0, 0], [0, NAN, 0], [0, 0, 1]],
              [[INF, 1.0], [2, 3]]):
        a = np.array(m)
        x = tg.Tensor(a, requires_grad=True)
        la.slogdet(x)[1].backward()
        y = torch.tensor(a, requires_grad=True)
        torch.linalg.slogdet(y)[1].backward()
        _same(np.asarray(x.grad), y.grad)  # NumPy's inverse had [-2, 1] beside the NaNs
