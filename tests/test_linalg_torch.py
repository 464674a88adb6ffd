"""tinygrad_dl.linalg (torch.linalg) and the linear-algebra Tensor methods (svd, qr, cholesky,
slogdet, logdet, pinverse, matrix_power, matrix_exp, cholesky_solve, cholesky_inverse, addmv,
addr, addbmm, cross, inner, kron, dist, ger)
against PyTorch: values (float64, rtol 1e-10) and gradients (weighted sums of the outputs,
rtol 1e-9) on random shapes and batches; finite differences for the functions that have no
op-table row; torch's refusals and edge values."""

# ruff: noqa: B023  (the lambdas in loops are called within their iteration, by _agree)
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.linalg as LA
from tinygrad_dl import Tensor
from tinygrad_dl.testing import check_grad

torch = pytest.importorskip("torch")
# (torch.svd, torch.qr, torch.cholesky and torch.cross without dim, the Tensor methods'
# references, warn that they are old)
pytestmark = [pytest.mark.filterwarnings("ignore:torch\\.(svd|qr|cholesky) is deprecated"),
              pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")]

RNG = np.random.default_rng(20261204)
BATCHES = [(), (2,), (2, 3)]


def _close(a, b, rtol=1e-10, atol=1e-12, what=""):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol,
                               equal_nan=True, err_msg=what)


def _agree(ours, theirs, *arrays, wrt=None):
    """ours(*Tensors) and theirs(*torch tensors): one tensor each; values and the gradients
    of a random weighted sum of the output agree."""
    wrt = range(len(arrays)) if wrt is None else wrt
    ts = [Tensor(a.copy(), requires_grad=i in wrt) for i, a in enumerate(arrays)]
    qs = [torch.tensor(a.copy(), requires_grad=i in wrt) for i, a in enumerate(arrays)]
    o, r = ours(*ts), theirs(*qs)
    _close(o.data, r.detach().numpy(), what="value")
    w = RNG.standard_normal(o.shape)
    (o * Tensor(w)).sum().backward()
    (r * torch.tensor(w)).sum().backward()
    for i in wrt:
        g = np.zeros(arrays[i].shape) if qs[i].grad is None else qs[i].grad.numpy()
        _close(np.asarray(ts[i].grad), g, rtol=1e-9, atol=1e-10, what=f"gradient {i}")


def _mat(batch, m, n):
    return RNG.standard_normal(batch + (m, n))


def _spd(batch, n):
    a = _mat(batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _sym(batch, n):
    a = _mat(batch, n, n)
    return a + np.swapaxes(a, -1, -2)


SHAPES = [(b, m, n) for b in BATCHES for m, n in ((3, 3), (4, 2), (2, 5))]
SQUARE = [(b, n) for b in BATCHES for n in (1, 3, 4)]


# ---- decompositions: gauge-free functions of the factors ---------------------------------------
@pytest.mark.parametrize(("batch", "m", "n"), SHAPES)
def test_svd_and_svdvals(batch, m, n):
    a = _mat(batch, m, n)
    _agree(LA.svdvals, torch.linalg.svdvals, a)
    _agree(lambda x: LA.svd(x, full_matrices=False).S, lambda x: torch.linalg.svd(x)[1], a)
    for fm in (False, True):
        k = min(m, n)
        _agree(lambda x: (lambda r: r.U[..., :k] @ r.Vh[..., :k, :])(LA.svd(x, fm)),
               lambda x: (lambda r: r.U[..., :k] @ r.Vh[..., :k, :])(torch.linalg.svd(x, fm)),
               a)
        _agree(lambda x: LA.svd(x, fm).U ** 2, lambda x: torch.linalg.svd(x, fm).U ** 2, a)
        _agree(lambda x: LA.svd(x, fm).Vh ** 2, lambda x: torch.linalg.svd(x, fm).Vh ** 2, a)
    t = Tensor(a, requires_grad=True)
    u, s, v = t.svd(compute_uv=False)  # torch: zero-filled (m, m) U and (n, n) V
    q = torch.svd(torch.tensor(a), compute_uv=False)
    assert (u.shape, v.shape) == (tuple(q[0].shape), tuple(q[2].shape))
    assert not u.data.any() and not u.requires_grad and s.requires_grad
    _close(s.data, q[1].numpy())
    # the old API: V, not Vh; some=False is full_matrices=True
    _agree(lambda x: (lambda r: r[0] @ r[2].mT)(x.svd()),
           lambda x: (lambda r: r[0] @ r[2].mT)(torch.svd(x)), a)
    _agree(lambda x: x.svd(some=False)[2] ** 2, lambda x: torch.svd(x, some=False)[2] ** 2, a)
    u, s, vh = LA.svd(a, full_matrices=False)
    _close((u.data * s.data[..., None, :]) @ vh.data, a)


@pytest.mark.parametrize(("batch", "m", "n"), SHAPES)
def test_qr(batch, m, n):
    a = _mat(batch, m, n)
    for mode in ("reduced", "complete"):
        if mode == "complete" and m > n:
            continue
        _agree(lambda x: LA.qr(x, mode).Q, lambda x: torch.linalg.qr(x, mode).Q, a)
        _agree(lambda x: LA.qr(x, mode).R, lambda x: torch.linalg.qr(x, mode).R, a)
    _agree(lambda x: x.qr()[0], lambda x: torch.qr(x)[0], a)
    _close(LA.qr(a, "r").R.data, torch.linalg.qr(torch.tensor(a), "r").R.numpy())
    assert LA.qr(a, "r").Q.shape == (0,)


@pytest.mark.parametrize(("batch", "n"), SQUARE)
def test_cholesky_and_its_solvers(batch, n):
    a = _spd(batch, n)
    for upper in (False, True):
        _agree(lambda x: LA.cholesky(x, upper=upper),
               lambda x: torch.linalg.cholesky(x, upper=upper), a)
        _agree(lambda x: x.cholesky(upper), lambda x: torch.cholesky(x, upper), a)
        low = np.linalg.cholesky(a)
        fac = np.swapaxes(low, -1, -2).copy() if upper else low
        b = _mat(batch, n, 2)
        _agree(lambda x, f: x.cholesky_solve(f, upper),
               lambda x, f: torch.cholesky_solve(x, f, upper), b, fac)
        _agree(lambda f: f.cholesky_inverse(upper), lambda f: torch.cholesky_inverse(f, upper),
               fac)
    _agree(lambda x, f: tg.cholesky_solve(x, f), lambda x, f: torch.cholesky_solve(x, f),
           _mat(batch, n, 1), np.linalg.cholesky(a))


@pytest.mark.parametrize(("batch", "n"), SQUARE)
def test_eigh_and_eigvalsh(batch, n):
    a = _sym(batch, n)
    for uplo in ("L", "U"):
        _agree(lambda x: LA.eigvalsh(x, uplo), lambda x: torch.linalg.eigvalsh(x, uplo), a)
        _agree(lambda x: LA.eigh(x, uplo).eigenvectors ** 2,
               lambda x: torch.linalg.eigh(x, uplo).eigenvectors ** 2, a)
        # a non-symmetric input: only one triangle is read, the gradient is torch's
        b = _mat(batch, n, n)
        _agree(lambda x: (lambda r: (r[1] * r[0][..., None, :].exp()) @ r[1].mT)(
            LA.eigh(x, uplo)), lambda x: (lambda r: (r[1] * r[0][..., None, :].exp()) @ r[1].mT)(
            torch.linalg.eigh(x, uplo)), b)


@pytest.mark.parametrize(("batch", "n"), SQUARE)
def test_determinants_inverses_solve(batch, n):
    a = _mat(batch, n, n) + 2 * np.eye(n)
    _agree(LA.det, torch.linalg.det, a)
    _agree(LA.inv, torch.linalg.inv, a)
    _agree(lambda x: LA.slogdet(x).logabsdet, lambda x: torch.linalg.slogdet(x).logabsdet, a)
    _close(LA.slogdet(a).sign.data, torch.linalg.slogdet(torch.tensor(a)).sign.numpy())
    _agree(lambda x: x.slogdet()[1], lambda x: torch.slogdet(x)[1], a)
    spd = _spd(batch, n)
    _agree(lambda x: x.logdet(), torch.logdet, spd)
    _agree(lambda x: tg.logdet(x), torch.logdet, spd)
    b = _mat(batch, n, 2)
    _agree(LA.solve, torch.linalg.solve, a, b)
    _agree(lambda x, y: LA.solve(x, y, left=False), lambda x, y: torch.linalg.solve(x, y,
                                                                                   left=False),
           a, _mat(batch, 2, n))
    _agree(LA.solve, torch.linalg.solve, a, _mat(batch, n, 1)[..., 0])  # a batch of vectors
    _agree(LA.solve, torch.linalg.solve, a, _mat((), n, 1)[..., 0])  # one vector, broadcast
    _agree(LA.solve, torch.linalg.solve, a, _mat((2,) + batch, n, 3))  # A's batch broadcast
    for k in (0, 1, 2, 3, -1, -3):
        _agree(lambda x: LA.matrix_power(x, k), lambda x: torch.linalg.matrix_power(x, k), a)
    _agree(lambda x: x.matrix_power(2), lambda x: torch.matrix_power(x, 2), a)


@pytest.mark.parametrize(("batch", "m", "n"), SHAPES)
def test_pinv_lstsq_rank(batch, m, n):
    a = _mat(batch, m, n)
    _agree(LA.pinv, torch.linalg.pinv, a)
    _agree(lambda x: x.pinverse(), lambda x: torch.pinverse(x), a)
    _agree(lambda x: LA.pinv(x, rtol=0.5), lambda x: torch.linalg.pinv(x, rtol=0.5), a)
    _agree(lambda x: LA.pinv(x, atol=1.0), lambda x: torch.linalg.pinv(x, atol=1.0), a)
    if m == n:  # symmetric: hermitian=True is the same pseudoinverse
        sym = a + np.swapaxes(a, -1, -2)
        _agree(lambda x: LA.pinv(x, hermitian=True), lambda x: torch.linalg.pinv(
            x, hermitian=True), sym)
        np.testing.assert_array_equal(LA.matrix_rank(sym, hermitian=True).data,
                                      torch.linalg.matrix_rank(torch.tensor(sym),
                                                               hermitian=True))
    if m >= n:  # a full-rank tall A: torch's gelsy solution is the least-squares one
        b = _mat(batch, m, 2)
        _agree(lambda x, y: LA.lstsq(x, y).solution,
               lambda x, y: torch.linalg.lstsq(x, y).solution, a, b)
    low = a[..., :, :1] @ a[..., :1, :]  # rank 1
    for x in (a, low, np.zeros(a.shape)):
        got = LA.matrix_rank(x)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got.data, torch.linalg.matrix_rank(torch.tensor(x)))
    np.testing.assert_array_equal(LA.matrix_rank(a, atol=1.0).data,
                                  torch.linalg.matrix_rank(torch.tensor(a), atol=1.0))


# ---- norms ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("ord", [2, 1, 3.5, 0.5, math.inf, -math.inf, 0])
def test_vector_norm(ord):
    x = RNG.standard_normal((2, 3, 4))
    for dim, keep in ((None, False), (1, False), ((0, 2), True), (-1, True)):
        _agree(lambda t: LA.vector_norm(t, ord, dim, keep),
               lambda t: torch.linalg.vector_norm(t, ord, dim, keep), x)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norm_and_norm(ord):
    x = RNG.standard_normal((2, 3, 4))
    for dim, keep in (((-2, -1), False), ((0, 2), True), ((2, 1), False)):
        _agree(lambda t: LA.matrix_norm(t, ord, dim, keep),
               lambda t: torch.linalg.matrix_norm(t, ord, dim, keep), x)
    _agree(lambda t: LA.norm(t[0], ord), lambda t: torch.linalg.norm(t[0], ord), x)
    _agree(lambda t: LA.norm(t, ord, (0, 1)), lambda t: torch.linalg.norm(t, ord, (0, 1)), x)


def test_norm_vector_cases():
    x = RNG.standard_normal((2, 3, 4))
    _agree(LA.norm, torch.linalg.norm, x)
    _agree(lambda t: LA.norm(t, 3, 1), lambda t: torch.linalg.norm(t, 3, 1), x)
    _agree(lambda t: LA.norm(t[0, 0], 1), lambda t: torch.linalg.norm(t[0, 0], 1), x)
    _agree(lambda t: LA.norm(t, dim=(2,)), lambda t: torch.linalg.norm(t, dim=(2,)), x)


# ---- compositions --------------------------------------------------------------------------------
def test_cross_multi_dot_vecdot_diagonal():
    a, b = RNG.standard_normal((1, 2, 3)), RNG.standard_normal((4, 1, 3))
    _agree(LA.cross, torch.linalg.cross, a, b)
    _agree(lambda x, y: LA.cross(x, y, dim=0), lambda x, y: torch.linalg.cross(x, y, dim=0),
           RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2)))
    ms = [RNG.standard_normal(s) for s in ((3,), (3, 4), (4, 2), (2,))]
    _agree(lambda *t: LA.multi_dot(t), lambda *t: torch.linalg.multi_dot(t), *ms)
    _agree(lambda *t: LA.multi_dot(t), lambda *t: torch.linalg.multi_dot(t), *ms[1:3])
    _agree(lambda x, y: LA.vecdot(x, y), lambda x, y: torch.linalg.vecdot(x, y), a, b)
    _agree(lambda x, y: LA.vecdot(x, y, dim=0), lambda x, y: torch.linalg.vecdot(x, y, dim=0),
           RNG.standard_normal((3, 2)), RNG.standard_normal((3, 1)))
    c = RNG.standard_normal((2, 3, 4))
    _agree(LA.diagonal, torch.linalg.diagonal, c)
    _agree(lambda x: LA.diagonal(x, offset=1, dim1=0, dim2=2),
           lambda x: torch.linalg.diagonal(x, offset=1, dim1=0, dim2=2), c)


@pytest.mark.parametrize("scale", [0.1, 1.0, 8.0])
def test_matrix_exp(scale):
    for batch in BATCHES:
        a = _mat(batch, 3, 3) * scale
        _agree(LA.matrix_exp, torch.linalg.matrix_exp, a)
        _agree(lambda x: x.matrix_exp(), torch.matrix_exp, a)
    check_grad(LA.matrix_exp, RNG.standard_normal((2, 3, 3)) * scale)
    _close(LA.matrix_exp(np.zeros((2, 0, 0))).data, np.zeros((2, 0, 0)))
    assert np.isnan(LA.matrix_exp(np.array([[np.inf, 0.0], [0.0, 1.0]])).data).all()


def test_methods_of_the_tg_functions():
    x, y = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    _agree(lambda a, b: a.cross(b), lambda a, b: a.cross(b), x, y)  # torch: the first 3-axis
    _agree(lambda a, b: a.cross(b, dim=1), lambda a, b: a.cross(b, dim=1), x, y)
    _agree(lambda a, b: a.cross(b, axis=-1), lambda a, b: a.cross(b, dim=-1), x, y)
    _agree(lambda a, b: a.inner(b), lambda a, b: a.inner(b), x, y[:2])
    _agree(lambda a, b: a.kron(b), lambda a, b: a.kron(b), x, y[:2, :1])
    for p in (2, 1, 3.0, math.inf):
        _agree(lambda a, b: a.dist(b, p), lambda a, b: a.dist(b, p), x, y)
    _agree(lambda a, b: a.ger(b), lambda a, b: a.ger(b), x[0], y[1])
    _agree(tg.ger, torch.ger, x[0], y[1])
    b1, b2 = RNG.standard_normal((4, 3, 2)), RNG.standard_normal((4, 2, 5))
    for beta, alpha in ((1, 1), (0.5, -2.0), (0, 3.0)):
        _agree(lambda *t: t[0].addbmm(t[1], t[2], beta=beta, alpha=alpha),
               lambda *t: torch.addbmm(*t, beta=beta, alpha=alpha),
               RNG.standard_normal((3, 5)), b1, b2)


def test_addmv_addr():
    x, m, v = RNG.standard_normal(3), RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    for beta, alpha in ((1, 1), (0.5, -2.0), (0, 3.0)):
        _agree(lambda *t: t[0].addmv(t[1], t[2], beta=beta, alpha=alpha),
               lambda *t: torch.addmv(*t, beta=beta, alpha=alpha), x, m, v)
        _agree(lambda *t: tg.addr(*t, beta=beta, alpha=alpha),
               lambda *t: torch.addr(*t, beta=beta, alpha=alpha), m, x, v)
    nan = np.full(3, np.nan)
    _close(Tensor(nan).addmv(m, v, beta=0).data,
           torch.addmv(torch.tensor(nan), torch.tensor(m), torch.tensor(v), beta=0).numpy())


# ---- finite differences: the functions with no op-table row (float64, check_grad) ----------------
def _spread(m, n):
    d = np.zeros((m, n))
    k = min(m, n)
    d[range(k), range(k)] = np.arange(k, 0, -1)
    return d + 0.3


FD = [
    ("svd U", lambda x: LA.svd(x + _spread(4, 3), full_matrices=False).U ** 2, (4, 3)),
    ("svd Vh", lambda x: LA.svd(x + _spread(2, 3), full_matrices=False).Vh ** 2, (2, 3)),
    ("svdvals", lambda x: LA.svdvals(x + _spread(3, 3)), (3, 3)),
    ("eigh", lambda x: (lambda s: LA.eigh(s).eigenvectors ** 2 + LA.eigvalsh(s))(
        x + x.mT + Tensor(np.diag([3.0, 0.0, -3.0]))), (3, 3)),
    ("solve", lambda x: LA.solve(x + 3 * np.eye(3), Tensor(np.arange(6.0).reshape(3, 2))),
     (3, 3)),
    ("qr complete wide", lambda x: LA.qr(x + _spread(2, 4), "complete").Q, (2, 4)),
    ("matrix_norm nuc", lambda x: LA.matrix_norm(x + _spread(3, 2), "nuc"), (3, 2)),
    ("matrix_norm -2", lambda x: LA.matrix_norm(x + _spread(3, 2), -2), (3, 2)),
    ("lstsq", lambda x: LA.lstsq(x + _spread(4, 2), Tensor(np.ones((4, 1)))).solution, (4, 2)),
]


@pytest.mark.parametrize(("name", "f", "shape"), FD, ids=[f[0] for f in FD])
def test_finite_differences(name, f, shape):
    check_grad(f, RNG.uniform(-0.3, 0.3, shape))


def test_solve_gradient_wrt_b_by_finite_differences():
    a = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    check_grad(lambda b: LA.solve(Tensor(a), b), RNG.standard_normal((3, 2)))


# ---- torch's degenerate cases --------------------------------------------------------------------
def test_repeated_values_give_torchs_nan_gradients():
    eye = np.eye(3)
    for ours, theirs in ((lambda x: LA.svd(x).U.sum(), lambda x: torch.linalg.svd(x).U.sum()),
                         (lambda x: LA.eigh(x).eigenvectors.sum(),
                          lambda x: torch.linalg.eigh(x).eigenvectors.sum())):
        t, q = Tensor(eye, requires_grad=True), torch.tensor(eye, requires_grad=True)
        with pytest.warns(RuntimeWarning, match=r"^(svd|eigh): the gradient through .* is inf "
                                                r"or NaN, as torch's"):
            ours(t).backward()
        theirs(q).backward()
        _close(np.asarray(t.grad), q.grad.numpy())
        assert np.isnan(np.asarray(t.grad)).all()
    _agree(LA.svdvals, torch.linalg.svdvals, eye)  # the values' gradient is fine: U V^T
    _agree(LA.eigvalsh, torch.linalg.eigvalsh, eye)


def test_singular_and_empty_inputs():
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    sign, logabs = LA.slogdet(sing)
    assert sign.item() == 0 and logabs.item() == -math.inf
    _agree(LA.pinv, torch.linalg.pinv, sing)
    assert LA.matrix_rank(sing).item() == 1
    for shape in ((0, 0), (2, 0, 0), (0, 3, 3)):
        z = np.zeros(shape)
        for ours, theirs in ((LA.det, torch.linalg.det), (LA.inv, torch.linalg.inv),
                             (LA.cholesky, torch.linalg.cholesky),
                             (LA.eigvalsh, torch.linalg.eigvalsh),
                             (LA.svdvals, torch.linalg.svdvals), (LA.pinv, torch.linalg.pinv),
                             (lambda x: LA.slogdet(x)[1], lambda x: torch.linalg.slogdet(x)[1]),
                             (LA.matrix_norm, torch.linalg.matrix_norm),
                             (lambda x: LA.matrix_norm(x, "nuc"),
                              lambda x: torch.linalg.matrix_norm(x, "nuc"))):
            _close(ours(z).data, theirs(torch.tensor(z)).numpy())
    for shape in ((3, 0), (0, 3)):
        z = np.zeros(shape)
        _close(LA.pinv(z).data, torch.linalg.pinv(torch.tensor(z)).numpy())
        _close(LA.matrix_norm(z, 2).data, 0.0)
        assert [t.shape for t in LA.svd(z)] == [tuple(t.shape) for t in
                                                torch.linalg.svd(torch.tensor(z))]
        assert [t.shape for t in LA.qr(z)] == [tuple(t.shape) for t in
                                               torch.linalg.qr(torch.tensor(z))]
    nan = np.array([[np.nan, 1.0], [1.0, 2.0]])
    sign, logabs = LA.slogdet(nan)
    assert sign.item() == 0 and np.isnan(logabs.item())
    assert Tensor(-np.eye(2)).logdet().item() == 0.0  # det 1: two negative factors
    assert np.isnan(tg.Tensor(np.diag([-1.0, 1.0])).logdet().item())


REFUSALS = [
    (lambda: LA.cholesky(-np.eye(2)), "cholesky: a matrix of the input .* not positive-definite"),
    (lambda: LA.cholesky(np.array([[np.nan, 0.0], [0.0, 1.0]])), "cholesky: .* NaN or inf"),
    (lambda: LA.cholesky(np.ones((2, 3))), "cholesky: expects square matrices"),
    (lambda: LA.svd(np.array([[np.nan, 0.0]])), "svd: the input .* NaN or inf"),
    (lambda: LA.eigh(np.ones((2, 3))), "eigh: expects square matrices"),
    (lambda: LA.eigh(np.eye(2), "X"), "eigh: UPLO must be 'L' or 'U'"),
    (lambda: LA.qr(np.eye(2), "full"), "qr: mode must be 'reduced' or 'complete'"),
    (lambda: LA.solve(np.array([[1.0, 2.0], [2.0, 4.0]]), np.ones((2, 1))),
     "solve: a matrix A of the input .* is singular"),
    (lambda: LA.solve(np.eye(3), np.ones((2, 1))), "solve: A of shape .* and B of shape"),
    (lambda: LA.solve(np.ones((2, 3)), np.ones((2, 1))), "linalg.solve: expects square"),
    (lambda: LA.inv(np.array([[1.0, 2.0], [2.0, 4.0]])), "inverse: a matrix of the input"),
    (lambda: LA.det(Tensor(np.eye(2, dtype=np.int64))), "linalg.det: expects a floating"),
    (lambda: LA.vector_norm(Tensor(np.arange(3))), "linalg.vector_norm: expects a floating"),
    (lambda: LA.vector_norm(np.ones(3), "fro"), "linalg.vector_norm: ord must be a number"),
    (lambda: LA.matrix_norm(np.ones(3)), "linalg.matrix_norm: expects matrices"),
    (lambda: LA.matrix_norm(np.ones((2, 2)), 3), "linalg.matrix_norm: ord must be"),
    (lambda: LA.matrix_norm(np.ones((2, 2)), dim=(0, 0)), "dim .* must be two different"),
    (lambda: LA.matrix_norm(np.zeros((0, 2)), -2), "ord=-2 of an empty matrix"),
    (lambda: LA.norm(np.ones((2, 2, 2)), 2), "linalg.norm: with ord=2 and dim=None"),
    (lambda: LA.multi_dot([np.ones((2, 2))]), "linalg.multi_dot: expects at least 2"),
    (lambda: LA.multi_dot([np.ones((2, 2)), np.ones((3, 2))]), "shapes .* cannot be multiplied"),
    (lambda: LA.multi_dot([np.ones((2, 2, 2)), np.ones((2, 2))]), "tensor 0 must be 2-D"),
    (lambda: LA.lstsq(np.ones((3, 2)), np.ones((2, 1))), "linalg.lstsq: A of shape"),
    (lambda: LA.matrix_rank(np.array([[np.nan]])), "linalg.matrix_rank: .* NaN or inf"),
    (lambda: LA.matrix_power(np.eye(2), 1.5), "matrix_power: n must be an int"),
    (lambda: LA.pinv(np.array([[np.inf, 1.0]])), "pinv: the input .* NaN or inf"),
    (lambda: LA.cross(np.ones(3), np.ones((2, 3))), "linalg.cross: inputs must have the same"),
    (lambda: Tensor(np.ones((2, 2))).cross(np.ones((2, 2))), "cross: no axis of length 3"),
    (lambda: Tensor(np.ones((3, 2))).cross(np.ones((3, 2)), dim=1), "cross: vectors of length"),
    (lambda: Tensor(np.ones((3, 3))).addbmm(np.ones((3, 3)), np.ones((3, 3))), "addbmm: batch1"),
    (lambda: LA.matrix_exp(np.ones((2, 3))), "matrix_exp: expects square"),
    (lambda: LA.pinv(np.triu(np.ones((2, 2))), hermitian=True), "hermitian=True needs symm"),
    (lambda: LA.matrix_rank(np.ones((2, 3)), hermitian=True), "hermitian=True needs symm"),
    (lambda: LA.solve(np.eye(2), np.ones(2), left=False), "left=False needs B as matrices"),
]


@pytest.mark.parametrize(("call", "match"), REFUSALS, ids=[m for _, m in REFUSALS])
def test_refusals_are_one_line(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        call()
    assert "\n" not in str(info.value)


def test_gradients_torch_refuses_are_refused():
    tall = Tensor(RNG.standard_normal((4, 2)), requires_grad=True)
    with pytest.raises(ValueError, match="qr: the decomposition with mode='complete'"):
        LA.qr(tall, "complete").R.sum().backward()
    sing = Tensor(np.array([[1.0, 2.0], [2.0, 4.0]]), requires_grad=True)
    with pytest.raises(ValueError, match="slogdet: the gradient of log"):
        LA.slogdet(sing).logabsdet.backward()


def test_float32_stays_float32():
    a = (RNG.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
    spd = (a @ a.T).astype(np.float32)
    for f, x in ((LA.svdvals, a), (lambda t: LA.svd(t).U, a), (lambda t: LA.qr(t).R, a),
                 (LA.cholesky, spd), (LA.eigvalsh, spd), (lambda t: LA.eigh(t)[1], spd),
                 (LA.pinv, a), (lambda t: LA.slogdet(t)[1], a), (LA.inv, a),
                 (lambda t: LA.solve(t, t), a), (lambda t: LA.matrix_norm(t, 2), a)):
        t = Tensor(x, requires_grad=True)
        out = f(t)
        out.sum().backward()
        assert out.dtype == np.float32 and t.grad.dtype == np.float32


def test_namespace_is_torch_linalgs():
    import tinygrad_dl

    assert tinygrad_dl.linalg is LA
    for name in LA.__all__:
        assert callable(getattr(LA, name)) and hasattr(torch.linalg, name), name
    for name in ("svd", "qr", "cholesky", "slogdet", "logdet", "pinverse", "matrix_power",
                 "matrix_exp", "cholesky_solve", "cholesky_inverse", "addmv", "addr", "addbmm",
                 "cross", "inner", "kron", "dist", "ger", "outer"):
        assert hasattr(Tensor, name) and hasattr(tg, name) and hasattr(torch, name), name
    # namedtuple-like results, as torch's
    r = LA.slogdet(np.eye(2))
    assert r.sign.item() == 1 and r.logabsdet.item() == 0
    assert LA.eigh(np.eye(2))._fields == ("eigenvalues", "eigenvectors")
    assert LA.svd(np.eye(2))._fields == ("U", "S", "Vh")
    assert Tensor(np.eye(2)).svd()._fields == ("U", "S", "V")
    assert LA.qr(np.eye(2))._fields == ("Q", "R")
