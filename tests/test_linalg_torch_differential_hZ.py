"""tinygrad_dl.linalg and the linear-algebra functions against torch 2.13, drawn from seeds:
values, dtypes and the gradients of a random weighted sum of gauge-free outputs (eigenvector
and singular-vector squares, U diag(S) Vh, V f(L) V^T), batched, broadcast and empty shapes,
float64 and float32, and the refusals (where torch raises we raise too). Then one named test
per bug the differential hunt found: cond of an empty batch of non-square matrices, det's
gradient of a 1 x 1 matrix with an inf or NaN entry, einsum's broadcasting of length-1 axes
and its explicit output without '...', householder_product (missing), and the warning for
nearly repeated eigenvalues or singular values (a finite gradient that is mostly round-off)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.linalg as LA
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

BATCHES = [(), (), (1,), (2,), (0,), (2, 3), (3, 1)]


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.data)


def _flat(o):
    return [y for x in o for y in _flat(x)] if isinstance(o, (tuple, list)) else [o]


def _agree(f, arrays, seed, grad=True, f32=False):
    """f(L, *xs) with L tg or torch: both raise, or the same values, dtypes and gradients."""
    rtol, gtol = (2e-4, 5e-3) if f32 else (1e-8, 1e-6)
    qs = [torch.tensor(a.copy(), requires_grad=grad) for a in arrays]
    ts = [Tensor(a.copy(), requires_grad=grad) for a in arrays]
    try:
        r = _flat(f(torch, *qs))
    except RuntimeError:
        with pytest.raises((ValueError, TypeError, RuntimeError)) as info:
            f(tg, *ts)
        assert "\n" not in str(info.value)
        return
    o = _flat(f(tg, *ts))
    assert len(o) == len(r)
    for x, y in zip(o, r):
        assert str(x.data.dtype) == str(y.dtype).replace("torch.", "")
        a, b = _np(x), _np(y)
        assert a.shape == b.shape
        scale = max(np.abs(b).max(initial=0.0), 1.0)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale, equal_nan=True)
    live = [(x, y) for x, y in zip(o, r) if y.requires_grad and y.dtype.is_floating_point
            and x.requires_grad]
    if not grad or not live:
        return
    rng = np.random.default_rng(seed)
    lo = lr = 0
    for x, y in live:
        w = rng.standard_normal(tuple(y.shape))
        lr = lr + (y * torch.tensor(w, dtype=y.dtype)).sum()
        lo = lo + (x * Tensor(w.astype(x.data.dtype))).sum()
    lr.backward()
    lo.backward()
    for t, q, a in zip(ts, qs, arrays):
        g = np.zeros(a.shape) if q.grad is None else q.grad.numpy()
        go = np.zeros(a.shape) if t.grad is None else np.asarray(t.grad)
        scale = max(np.abs(g).max(initial=0.0), 1.0)
        np.testing.assert_allclose(go, g, rtol=gtol, atol=gtol * scale)


def _draw(seed):
    """One random case: (f, arrays, whether torch has its gradient, float32)."""
    rng = np.random.default_rng(seed)
    dt = np.float32 if rng.random() < 0.2 else np.float64
    b = BATCHES[rng.integers(len(BATCHES))]
    n = int(rng.integers(0, 5))
    m = int(rng.integers(0, 5))
    a = rng.standard_normal(b + (n, n))
    spd = a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
    sym = a + np.swapaxes(a, -1, -2)
    rect = rng.standard_normal(b + (m, n))
    bb = tuple(1 if rng.random() < 0.3 else d for d in b)  # broadcasts against b
    k = int(rng.integers(0, 3))
    left = bool(rng.random() < 0.6)
    rhs = rng.standard_normal(bb + ((n, k) if left else (k, n)))
    upper = bool(rng.random() < 0.5)
    ordv = [None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1][rng.integers(9)]
    mk = int(rng.integers(0, n + 1))
    power = int(rng.integers(-2, 4))
    cases = [
        ("det", lambda L, x: L.linalg.det(x), [a]),
        ("slogdet", lambda L, x: L.linalg.slogdet(x).logabsdet, [a]),
        ("inv", lambda L, x: L.linalg.inv(x), [a]),
        ("solve", lambda L, x, y: L.linalg.solve(x, y, left=left), [a, rhs]),
        ("solve_triangular", lambda L, x, y: L.linalg.solve_triangular(
            x, y, upper=upper, left=left), [a + 3 * np.eye(n), rhs]),
        ("cholesky", lambda L, x: L.linalg.cholesky(x, upper=upper), [spd]),
        ("cholesky_solve", lambda L, x, y: L.cholesky_solve(
            y, L.linalg.cholesky(x, upper=upper), upper),
         [spd, rhs if left else rhs.swapaxes(-1, -2)]),
        ("qr", lambda L, x: L.linalg.qr(x), [rect]),
        ("eigh", lambda L, x: (lambda r: (r[0], r[1] * r[1]))(
            L.linalg.eigh(x, "U" if upper else "L")), [sym]),
        ("svd", lambda L, x: (lambda r: (r.S, r.U ** 2, r.Vh ** 2))(L.linalg.svd(x, False)),
         [rect]),
        ("pinv", lambda L, x: L.linalg.pinv(x), [rect]),
        ("lstsq", lambda L, x, y: L.linalg.lstsq(x, y, driver="gelsd")[:2],
         [rng.standard_normal(b + (m + n, n)), rng.standard_normal(b + (m + n, 2))]),
        ("lu", lambda L, x: L.linalg.lu(x), [rect]),
        ("cond", lambda L, x: L.linalg.cond(x, ordv), [rect if ordv in (None, 2, -2) else a]),
        ("matrix_norm", lambda L, x: L.linalg.matrix_norm(x, ordv or "fro"), [rect]),
        ("matrix_exp", lambda L, x: L.linalg.matrix_exp(x), [a / 2]),
        ("matrix_power", lambda L, x: L.linalg.matrix_power(x, power), [a]),
        ("householder_product", lambda L, x, t: L.linalg.householder_product(x, t),
         [rng.standard_normal(b + (n + m, n)), rng.standard_normal(b + (mk,))]),
    ]
    name, f, arrays = cases[rng.integers(len(cases))]
    # (torch's cond has no gradient for the other p: it writes in place)
    grad = name != "cond" or ordv in (None, 2, -2)
    return f, [x.astype(dt) for x in arrays], grad, dt == np.float32


@pytest.mark.parametrize("seed", range(120))
def test_random_cases_agree_with_torch(seed):
    f, arrays, grad, f32 = _draw(seed)
    _agree(f, arrays, seed, grad=grad, f32=f32)


def _einsum_case(seed):
    """Random subscripts: repeated letters, '...' (length-1 axes broadcast), implicit or
    explicit output (without '...' too: summed)."""
    rng = np.random.default_rng(seed)
    sizes = {c: int(rng.integers(0, 4)) for c in "abcd"}
    ell = rng.random() < 0.4
    ell_shape = tuple(int(rng.integers(1, 4)) for _ in range(rng.integers(0, 3)))
    terms, shapes = [], []
    for _ in range(rng.integers(1, 4)):
        t = "".join(rng.choice(list("abcd"), int(rng.integers(0, 4))))
        shp = [1 if rng.random() < 0.15 and t.count(c) == 1 else sizes[c] for c in t]
        if ell and rng.random() < 0.7:
            pos = int(rng.integers(0, len(t) + 1))
            tail = ell_shape[rng.integers(0, len(ell_shape) + 1):]
            sub = [1 if rng.random() < 0.3 else s for s in tail]
            t, shp = t[:pos] + "..." + t[pos:], shp[:pos] + sub + shp[pos:]
        terms.append(t)
        shapes.append(tuple(shp))
    spec = ",".join(terms)
    if rng.random() < 0.6:
        used = sorted({c for t in terms for c in t if c != "."})
        out = "".join(rng.permutation(used)[:rng.integers(0, len(used) + 1)])
        spec += "->" + (out + "..." if ell and rng.random() < 0.5 else out)
    return spec, [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("seed", range(60))
def test_random_einsums_agree_with_torch(seed):
    spec, arrays = _einsum_case(seed)
    _agree(lambda L, *xs: L.einsum(spec, *xs), arrays, seed)


# ---- the bugs found, one test each ------------------------------------------------------------
@pytest.mark.parametrize("p", [1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("shape", [(0, 3, 1), (0, 1, 3)])
def test_cond_of_an_empty_batch_of_non_square_matrices_is_empty_as_torch(p, shape):
    out = LA.cond(Tensor(np.zeros(shape)), p)
    assert out.shape == tuple(torch.linalg.cond(torch.zeros(shape), p).shape) == (0,)
    with pytest.raises(ValueError, match=r"^linalg\.cond\(p=1\): expects square matrices"):
        LA.cond(Tensor(np.ones((2, 3, 1))), 1)  # (a non-empty one still refused, as torch's)


def test_det_gradient_of_a_1x1_matrix_is_1_even_at_inf_and_nan():
    a = np.array([[[np.inf]], [[np.nan]], [[-np.inf]], [[2.0]]])
    x = Tensor(a.copy(), requires_grad=True)
    LA.det(x).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    torch.linalg.det(t).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), t.grad.numpy())
    np.testing.assert_array_equal(np.asarray(x.grad), np.ones(a.shape))


@pytest.mark.parametrize(("spec", "shapes"), [
    ("...,...->...", [(2, 3), (1, 3)]), ("...i,...i->...", [(2, 1, 3), (4, 3)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]), ("ij,jk->ik", [(2, 3), (1, 4)]),
    ("i,i->i", [(0,), (1,)]), ("cd,...cd,...->d...c", [(1, 2), (2, 1, 2), (1,)])])
def test_einsum_broadcasts_length_1_axes_as_torch(spec, shapes):
    rng = np.random.default_rng(0)
    _agree(lambda L, *xs: L.einsum(spec, *xs), [rng.standard_normal(s) for s in shapes], 1)


@pytest.mark.parametrize(("spec", "shapes"), [
    ("a...cc->", [(2, 3, 1, 1)]), ("...dd,a->a", [(2, 2, 2), (1,)]),
    ("ab...,b->a", [(2, 2, 3), (2,)]), ("...i->i", [(2, 3)])])
def test_einsum_explicit_output_without_ellipsis_sums_its_axes_as_torch(spec, shapes):
    rng = np.random.default_rng(0)
    _agree(lambda L, *xs: L.einsum(spec, *xs), [rng.standard_normal(s) for s in shapes], 2)


def test_einsum_refusals_and_the_einsums_that_still_need_equal_lengths():
    x = Tensor(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"^einsum: 'ii->i': a letter repeated in an operand of "
                                         r"shape \(1, 3\) names axes of lengths 1 and 3$"):
        tg.einsum("ii->i", x)
    with pytest.raises(ValueError, match="length 2 in one place and 3 in another .only length 1"):
        tg.einsum("i,i->i", Tensor(np.ones(2)), Tensor(np.ones(3)))
    # dot and inner refuse a length-1 axis against a longer one, as torch's
    for name in ("inner", "dot"):
        with pytest.raises(ValueError, match="length 3 in one place and 1 in another$"):
            getattr(tg, name)(Tensor(np.ones(3)), Tensor(np.ones(1)))
        with pytest.raises(RuntimeError):
            getattr(torch, name)(torch.ones(3), torch.ones(1))


@pytest.mark.parametrize(("ashape", "k"), [((4, 3), 2), ((3, 3), 3), ((2, 5, 2), 1),
                                           ((0, 0), 0), ((4, 3), 0), ((0, 4, 3), 2)])
def test_householder_product_values_and_gradients_are_torchs(ashape, k):
    rng = np.random.default_rng(3)
    a = rng.standard_normal(ashape)
    if ashape == (4, 3):
        a[0, 2] = np.inf  # above the diagonal: never read (torch's neither)
    _agree(lambda L, x, t: L.linalg.householder_product(x, t),
           [a, rng.standard_normal(ashape[:-2] + (k,))], 4)


def test_householder_product_of_geqrf_is_qrs_q_and_its_refusals():
    a = np.random.default_rng(5).standard_normal((5, 3))
    h, tau = torch.geqrf(torch.tensor(a))
    q = LA.householder_product(h.numpy(), tau.numpy())
    np.testing.assert_allclose(q.data, torch.linalg.qr(torch.tensor(a)).Q.numpy(), atol=1e-14)
    with pytest.raises(ValueError, match=r"^linalg\.householder_product: expects A .* got A "
                                         r"\(3, 4\) and tau \(2,\)$"):
        LA.householder_product(np.ones((3, 4)), np.ones(2))
    with pytest.raises(TypeError, match="tau has dtype float64, A float32"):
        LA.householder_product(np.ones((4, 3), np.float32), np.ones(2))


def _repeated(n=4, values=(1.0, 1.0, 2.0, 3.0), seed=0):
    q = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))[0]
    a = (q * np.array(values)) @ q.T
    return (a + a.T) / 2  # eigenvalues 1 and 1 apart by round-off only


def test_nearly_repeated_eigenvalues_warn_by_name():
    x = Tensor(_repeated(), requires_grad=True)
    w, v = LA.eigh(x)
    with pytest.warns(RuntimeWarning, match=r"^eigh: the gradient through the eigenvectors of a "
                                            r"matrix with nearly repeated eigenvalues .*\(4, 4\)"):
        ((v * w[None, :].sin()) @ v.mT).sum().backward()
    assert np.isfinite(np.asarray(x.grad)).all()  # (torch's is finite round-off too)


def test_nearly_repeated_singular_values_warn_by_name():
    q = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))[0]
    x = Tensor(2 * q, requires_grad=True)  # singular values 2, 2, 2 up to round-off
    u, s, vh = LA.svd(x)
    with pytest.warns(RuntimeWarning, match=r"^svd: the gradient through U or Vh of a matrix "
                                            r"with nearly repeated singular values"):
        (u * u * Tensor(np.arange(9.0).reshape(3, 3))).sum().backward()


def test_distinct_or_untouched_values_do_not_warn():
    a = _repeated(values=(1.0, 1.0 + 1e-6, 2.0, 3.0))  # 1e-6 apart: a sound gradient
    b = np.random.default_rng(2).standard_normal((4, 1)) @ np.ones((1, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Tensor(a, requires_grad=True)
        w, v = LA.eigh(x)
        ((v * w[None, :].sin()) @ v.mT).sum().backward()
        y = Tensor(_repeated(), requires_grad=True)
        LA.eigh(y).eigenvectors[:, 3].abs().sum().backward()  # (the tie's vectors unread)
        z = Tensor(b, requires_grad=True)  # rank 1: only the top column read
        LA.svd(z, full_matrices=False).U[:, 0].abs().sum().backward()


def test_near_zero_singular_values_of_a_non_square_matrix_warn_too():
    b = np.random.default_rng(3).standard_normal((4, 1)) @ np.ones((1, 3))  # rank 1, tall
    x = Tensor(b, requires_grad=True)
    u = LA.svd(x, full_matrices=False).U
    with pytest.warns(RuntimeWarning, match=r"^svd: .* or near 0 in a non-square matrix; input "
                                            r"shape \(4, 3\)\)"):
        (u * u * Tensor(np.arange(12.0).reshape(4, 3))).sum().backward()


def test_lstsq_rcond_gradient_is_pinvs_at_the_truncated_pseudoinverse():
    # (docs/pytorch.md: torch's backward takes pinv(A) at the default tolerance whatever rcond)
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    x = Tensor(a, requires_grad=True)
    LA.lstsq(x, b, 0.5, driver="gelsd").solution.sum().backward()
    y = Tensor(a, requires_grad=True)
    (LA.pinv(y, rtol=0.5) @ Tensor(b)).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), np.asarray(y.grad), rtol=1e-12)
    t = torch.tensor(a, requires_grad=True)
    torch.linalg.lstsq(t, torch.tensor(b), 0.5, driver="gelsd").solution.sum().backward()
    s = torch.tensor(a, requires_grad=True)
    (torch.linalg.pinv(s) @ torch.tensor(b)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), s.grad.numpy(), rtol=1e-12)
    assert not np.allclose(np.asarray(x.grad), t.grad.numpy(), rtol=1e-3)
