"""Linear algebra at its edge values (a skeptic's review): singular and rank-deficient
matrices, repeated eigenvalues and singular values, ties of matrix norms, empty and 1x1 and
batched inputs, non-symmetric input to eigh/cholesky, float16 and float32. Values and
gradients against torch (the oracle, where it is installed) and against finite differences.

Found here: a float16 input got NumPy's "array type float16 is unsupported in linalg" (no op,
no shape); eigh's backward at repeated eigenvalues leaked NumPy's anonymous "invalid value
encountered in matmul" and svd's said nothing at all (both give torch's inf/NaN: now a warning
names the op); slogdet's backward refused a whole batch when one matrix of it was singular,
even one that got no gradient (another element's loss): now the others get theirs, the
singular one NaN (torch's 0 * inf), with a warning."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.testing import check_grad

LA = tg.linalg
RNG = np.random.default_rng(20240611)


def _torch():
    return pytest.importorskip("torch")


def _grads(fn, a: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, gradient of sum(w * fn(a))) of ours."""
    x = Tensor(a.copy(), requires_grad=True)
    y = fn(x)
    (y * Tensor(w)).sum().backward()
    return y.data, np.asarray(x.grad)


def _torch_grads(fn, a: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    torch = _torch()
    x = torch.tensor(a.copy(), requires_grad=True)
    y = fn(x)
    (y * torch.tensor(w)).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


def _agree(ours, theirs, a: np.ndarray, rtol: float = 1e-9) -> None:
    w = RNG.standard_normal(np.shape(ours(Tensor(a)).data))
    v, g = _grads(ours, a, w)
    tv, tgr = _torch_grads(theirs, a, w)
    np.testing.assert_allclose(v, tv, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(g, tgr, rtol=rtol, atol=1e-12)


# ---- float16: refused by name (was NumPy's "array type float16 is unsupported in linalg") ----
F16 = [("det", lambda x: x.det()), ("inverse", LA.inv), ("slogdet", LA.slogdet),
       ("slogdet", lambda x: x.logdet()), ("linalg.solve", lambda x: LA.solve(x, x)),
       ("cholesky", LA.cholesky), ("qr", LA.qr), ("svd", LA.svdvals), ("eigh", LA.eigh),
       ("pinv", LA.pinv), ("linalg.matrix_rank", LA.matrix_rank),
       ("linalg.lstsq", lambda x: LA.lstsq(x, x)), ("svd", lambda x: LA.matrix_norm(x, 2)),
       ("inverse", lambda x: LA.matrix_power(x, -1)), ("inverse", lambda x: LA.cond(x, 1))]


@pytest.mark.parametrize(("name", "fn"), F16, ids=[f"{n}-{i}" for i, (n, _) in enumerate(F16)])
def test_float16_is_refused_in_one_line_naming_the_op(name, fn):
    x = Tensor(np.eye(3, dtype=np.float16) * 2)
    with pytest.raises(TypeError, match=rf"^{name}: dtype float16 is not supported .*\(3, 3\)"):
        fn(x)


def test_float16_ops_that_need_no_lapack_still_work():
    x = Tensor(np.eye(3, dtype=np.float16) * 2)
    for y in (LA.matrix_norm(x, 1), LA.matrix_power(x, 3), LA.matrix_exp(x), LA.norm(x)):
        assert y.data.dtype == np.float16
    assert LA.matrix_power(x, 3).data[0, 0] == 8


# ---- repeated eigenvalues / singular values: torch's inf/NaN, now said by name --------------
def _eigh_vectors(x):
    return LA.eigh(x).eigenvectors


def _svd_u(x):
    return LA.svd(x).U


def _svd_vh(x):
    return LA.svd(x, full_matrices=False).Vh


REPEATED = [(_eigh_vectors, "eigh", np.eye(3)), (_eigh_vectors, "eigh", np.diag([1.0, 1, 2])),
            (_svd_u, "svd", np.eye(3)), (_svd_vh, "svd", np.diag([1.0, 1, 2])),
            (_svd_u, "svd", np.zeros((2, 4, 3))), (_svd_vh, "svd", np.zeros((2, 4, 3)))]


@pytest.mark.parametrize(("fn", "name", "a"), REPEATED, ids=[str(i) for i in range(6)])
def test_repeated_values_warn_by_name_and_give_torchs_nan(fn, name, a):
    x = Tensor(a.copy(), requires_grad=True)
    y = fn(x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (y * Tensor(np.ones(y.shape))).sum().backward()
    said = [str(w.message) for w in caught]
    assert len(said) == 1 and said[0].startswith(f"{name}: the gradient through"), said
    assert str(a.shape) in said[0]
    assert not np.isfinite(np.asarray(x.grad)).all()
    torch = _torch()
    t = torch.tensor(a.copy(), requires_grad=True)
    tf = {"eigh": lambda z: torch.linalg.eigh(z).eigenvectors}.get(name)
    if tf is not None:
        tf(t).sum().backward()
        np.testing.assert_array_equal(np.isnan(np.asarray(x.grad)), np.isnan(t.grad.numpy()))


def test_distinct_values_do_not_warn_and_near_ties_are_finite_and_right():
    # 1e-4 apart: the gradient ~1e4 is real (finite differences agree), not a warning's case
    a = np.diag([1.0, 1.0 + 1e-4, 2.0])
    q, _ = np.linalg.qr(RNG.standard_normal((3, 3)))
    a = q @ a @ q.T
    a = (a + a.T) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # (eigh reads one triangle, its gradient is torch's symmetric one: symmetrize first)
        check_grad(lambda x: LA.eigh((x + x.mT) / 2).eigenvectors.abs(), a, h=1e-7, tol=1e-4)
        check_grad(lambda x: LA.svd(x, full_matrices=False).U.abs(), a + 0.5 * np.eye(3),
                   h=1e-7, tol=1e-4)


# ---- slogdet: a singular matrix of a batch that gets no gradient ----------------------------
def test_slogdet_batch_with_a_masked_singular_matrix_gives_the_others_theirs():
    sing = np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])
    good = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    a = np.stack([good, sing, np.zeros((3, 3))])
    x = Tensor(a.copy(), requires_grad=True)
    with pytest.warns(RuntimeWarning, match=r"^slogdet: 2 singular matrices of the input "
                                            r"\(shape \(3, 3, 3\)\)"):
        LA.slogdet(x).logabsdet[0].backward()
    g = np.asarray(x.grad)
    np.testing.assert_allclose(g[0], np.linalg.inv(good).T, rtol=1e-12)
    assert np.isnan(g[1:]).all()
    torch = _torch()
    t = torch.tensor(a.copy(), requires_grad=True)
    torch.linalg.slogdet(t).logabsdet[0].backward()
    np.testing.assert_allclose(g[0], t.grad.numpy()[0], rtol=1e-12)


def test_slogdet_and_logdet_refuse_an_infinite_gradient():
    # (two equal rows: an exact zero pivot in any LU; [[1..9]] was one in OpenBLAS's, not MKL's)
    sing = np.array([[1.0, 2, 3], [4, 5, 7], [1, 2, 3]])
    for fn in (lambda x: LA.slogdet(x).logabsdet, lambda x: x.logdet(),
               lambda x: LA.slogdet(x).logabsdet.sum()):
        x = Tensor(np.stack([np.eye(3), sing]), requires_grad=True)
        with pytest.raises(ValueError, match=r"^slogdet: the gradient of log\|det A\| at a "
                                             r"singular A \(shape \(2, 3, 3\)\) is infinite$"):
            fn(x).sum().backward()


def test_slogdet_masked_singular_ones_are_the_forwards_minus_inf_ones():
    # rank-deficient matrices of small fractions: the NumPy LU (lu_factor_array) of A^T
    # found zero pivots where NumPy's LAPACK did not, and missed some it found, so a batch
    # whose forward said -inf (only there) was refused or a finite gradient called infinite
    r = np.random.default_rng(7)
    b = r.integers(-3, 4, (300, 3, 2)) / r.choice([1.0, 3, 7, 10], (300, 1, 1))
    a = b @ (r.integers(-3, 4, (300, 2, 3)) / r.choice([1.0, 3, 7], (300, 1, 1)))
    a = np.concatenate([a, [[[-4.0, -1, 3], [-3, 0, 1], [9, 3, -8]]]])
    x = Tensor(a.copy(), requires_grad=True)
    logabs = LA.slogdet(x).logabsdet
    minus_inf = np.isneginf(logabs.data)
    assert minus_inf.any() and not minus_inf.all()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logabs[Tensor(np.flatnonzero(~minus_inf))].sum().backward()
    assert [str(w.message).split(" singular")[0] for w in caught] == [
        f"slogdet: {int(minus_inf.sum())}"]
    g = np.asarray(x.grad)
    assert np.isnan(g[minus_inf]).all()
    np.testing.assert_allclose(g[~minus_inf], np.swapaxes(np.linalg.inv(a[~minus_inf]), -1, -2),
                               rtol=1e-9)


def test_svd_backward_names_an_overflow_not_a_tie():
    a = np.array([[2.0, 1, 0], [1, 3, 1e200], [0, 1e200, 5]])  # S^2 overflows: torch's NaN
    x = Tensor(a, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LA.svd(x).U.sum().backward()
    said = [str(w.message) for w in caught]
    assert len(said) == 1 and "singular values too large to square" in said[0], said
    assert "not unique" not in said[0] and "repeated" not in said[0]
    assert np.isnan(np.asarray(x.grad)).all()


# ---- det: the cofactor matrix at singular matrices (finite differences; torch says 0) --------
@settings(deadline=None, max_examples=25)
@given(st.integers(1, 4), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_det_gradient_at_rank_deficient_matrices_is_the_cofactor_matrix(n, drop, seed):
    r = np.random.default_rng(seed)
    rank = max(n - drop, 0)
    a = r.standard_normal((n, rank)) @ r.standard_normal((rank, n))
    check_grad(lambda x: x.det(), a)


def test_det_gradient_at_diag_0_1_2_is_its_cofactor_not_torchs_zero():
    _, g = _grads(lambda x: x.det(), np.diag([0.0, 1.0, 2.0]), np.ones(()))
    np.testing.assert_allclose(g, np.diag([2.0, 0.0, 0.0]), atol=1e-15)


def test_det_and_inverse_of_empty_one_by_one_and_broadcast_batches_agree_with_torch():
    torch = _torch()
    for a in (np.zeros((0, 0)), np.zeros((3, 0, 0)), np.zeros((0, 2, 2)),
              np.array([[-2.5]]), RNG.standard_normal((2, 1, 3, 3)) + 2 * np.eye(3)):
        _agree(lambda x: x.det(), torch.linalg.det, a)
        _agree(LA.inv, torch.linalg.inv, a)
        _agree(lambda x: LA.slogdet(x).logabsdet, lambda x: torch.linalg.slogdet(x)[1], a)
    with pytest.raises(tg.linalg.LinAlgError, match=r"^inverse: .*\(shape \(3, 3\)\) is "
                                                    "singular"):
        LA.inv(np.ones((3, 3)))


def test_logdet_of_a_negative_determinant_is_nan_with_zero_gradient_and_sign_is_constant():
    torch = _torch()
    a = np.diag([-1.0, 2.0, 3.0])
    _agree(lambda x: x.logdet(), torch.logdet, a)
    _agree(lambda x: LA.slogdet(x).sign * x.sum(),
           lambda x: torch.linalg.slogdet(x)[0] * x.sum(), a)


# ---- matrix_power, norms at ties, cond -------------------------------------------------------
@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power_negative_and_zero_exponents_agree_with_torch(n):
    torch = _torch()
    a = RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)
    _agree(lambda x: LA.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), a)
    check_grad(lambda x: LA.matrix_power(x, n), a[0])


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("a", [np.array([[1.0, 2], [2, 1]]), np.array([[1.0, -2, 0], [0, 3, 0],
                                                                         [3, 0, 0]]),
                               np.array([[-2.5]])], ids=["tie2", "tie3", "1x1"])
def test_matrix_norms_at_ties_agree_with_torch(ord, a):
    torch = _torch()
    _agree(lambda x: LA.matrix_norm(x, ord), lambda x: torch.linalg.matrix_norm(x, ord), a)


# ---- one triangle read: values and gradients as torch's (the unused one included) -----------
@pytest.mark.parametrize("upper", [False, True])
def test_non_symmetric_input_to_eigh_and_cholesky_follows_torch(upper):
    torch = _torch()
    b = RNG.standard_normal((2, 4, 4))
    a = b @ np.swapaxes(b, -1, -2) + 4 * np.eye(4)
    a = a + 3 * (np.triu if not upper else np.tril)(RNG.standard_normal((4, 4)), 1 if not upper
                                                    else -1)
    uplo = "U" if upper else "L"
    _agree(lambda x: LA.eigvalsh(x, UPLO=uplo), lambda x: torch.linalg.eigvalsh(x, UPLO=uplo),
           a)
    _agree(lambda x: LA.eigh(x, UPLO=uplo).eigenvectors.abs(),
           lambda x: torch.linalg.eigh(x, UPLO=uplo).eigenvectors.abs(), a, rtol=1e-7)
    _agree(lambda x: LA.cholesky(x, upper=upper),
           lambda x: torch.linalg.cholesky(x, upper=upper), a)


# ---- float32: float32 out, gradients that agree with float64's -------------------------------
F32 = [lambda x: x.det(), LA.inv, lambda x: LA.slogdet(x).logabsdet, LA.svdvals, LA.eigvalsh,
       lambda x: LA.cholesky(x @ x.mT + Tensor(np.eye(3, dtype=x.data.dtype))), LA.pinv,
       lambda x: LA.matrix_norm(x, "nuc"), lambda x: LA.matrix_power(x, -2), LA.matrix_exp,
       lambda x: LA.solve(x, x.sum(-1))]


@pytest.mark.parametrize("fn", F32, ids=[str(i) for i in range(len(F32))])
def test_float32_stays_float32_and_its_gradient_agrees_with_float64s(fn):
    a = RNG.standard_normal((3, 3))
    a = (a + a.T) / 2 + 3 * np.eye(3)
    w = RNG.standard_normal(fn(Tensor(a)).shape)
    v64, g64 = _grads(fn, a, w)
    v32, g32 = _grads(fn, a.astype(np.float32), w.astype(np.float32))
    assert v32.dtype == np.float32 and g32.dtype == np.float32
    np.testing.assert_allclose(v32, v64, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(g32, g64, rtol=2e-3, atol=2e-4)
