"""A review of torch.linalg (tinygrad_dl.linalg) and the linear-algebra Tensor methods against
torch 2.13: the cases where they gave another number than torch's without a word, or crashed
instead of a one-line error."""

import math

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import linalg as LA

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(20261204)


def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


# ---- vector_norm: dim=() and a 0-d input -----------------------------------------------------
@pytest.mark.parametrize("dim", [(), []])
@pytest.mark.parametrize("keepdim", [False, True])
def test_vector_norm_empty_dim_is_all_dims(dim, keepdim):
    # torch: no dims means all of them; NumPy's axis=() reduced none (|x| itself, no word)
    x = RNG.standard_normal((2, 3))
    ours = LA.vector_norm(Tensor(x), 3, dim, keepdim)
    ref = torch.linalg.vector_norm(_t(x), 3, dim, keepdim)
    assert ours.shape == tuple(ref.shape)
    np.testing.assert_allclose(ours.data, ref.numpy())


@pytest.mark.parametrize("dim", [0, -1, (0,), [-1]])
def test_vector_norm_of_a_0d_tensor_takes_dim_0(dim):
    x = Tensor(np.array(-3.0), requires_grad=True)
    out = LA.vector_norm(x, 2, dim, keepdim=True)
    assert out.shape == () and out.item() == 3.0
    out.backward()
    assert x.grad.item() == -1.0


def test_vector_norm_of_a_0d_tensor_refuses_other_dims():
    with pytest.raises(ValueError, match="dim 1 out of range for a 0-d tensor"):
        LA.vector_norm(Tensor(np.array(3.0)), 2, 1)
    with pytest.raises(ValueError, match="names the one axis of a 0-d tensor twice"):
        LA.vector_norm(Tensor(np.array(3.0)), 2, (0, -1))


@pytest.mark.parametrize("f", [LA.vector_norm, LA.matrix_norm, LA.norm])
def test_norms_refuse_an_integer_dtype(f):
    # astype(int64) truncated the values, then the norm of those came back as float64
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype, got int64"):
        f(Tensor(np.array([[0.5, 1.7], [2.2, -0.4]])), dtype=np.int64)
    out = f(Tensor(np.array([[0.5, 1.7], [2.2, -0.4]], np.float32)), dtype=np.float64)
    assert out.dtype == np.float64


# ---- matrix_norm of an empty matrix: only a minimum over nothing is undefined -----------------
@pytest.mark.parametrize(("shape", "ord"), [((0, 3), -1), ((3, 0), -math.inf),
                                            ((2, 0, 3), -1)])
def test_matrix_norm_empty_minimum_over_something_is_0(shape, ord):
    ours = LA.matrix_norm(Tensor(np.zeros(shape)), ord)
    ref = torch.linalg.matrix_norm(torch.zeros(shape, dtype=torch.float64), ord)
    assert ours.shape == tuple(ref.shape)
    np.testing.assert_array_equal(ours.data, ref.numpy())


@pytest.mark.parametrize(("shape", "ord"), [((3, 0), -1), ((0, 3), -math.inf), ((0, 3), -2)])
def test_matrix_norm_empty_minimum_over_nothing_is_refused(shape, ord):
    with pytest.raises(ValueError, match="is undefined \\(a minimum over nothing\\)"):
        LA.matrix_norm(Tensor(np.zeros(shape)), ord)


# ---- cholesky(upper=True) reads the upper triangle ---------------------------------------------
def test_cholesky_upper_reads_the_upper_triangle():
    a = np.array([[4.0, 2.0, 0.4], [-7.0, 3.0, 0.5], [9.0, 11.0, 2.0]])  # lower: not PD
    ref = torch.linalg.cholesky(_t(a), upper=True).numpy()
    np.testing.assert_allclose(LA.cholesky(Tensor(a), upper=True).data, ref)
    np.testing.assert_allclose(Tensor(a).cholesky(upper=True).data, ref)
    # and its gradient (symmetric, as torch's)
    w = RNG.standard_normal((3, 3))
    at, ag = _t(a, True), Tensor(a.copy(), requires_grad=True)
    (torch.linalg.cholesky(at, upper=True) * _t(w)).sum().backward()
    (LA.cholesky(ag, upper=True) * Tensor(w)).sum().backward()
    np.testing.assert_allclose(ag.grad, at.grad.numpy(), atol=1e-12)


def test_cholesky_lower_still_reads_the_lower_triangle():
    a = np.array([[4.0, -70.0], [2.0, 3.0]])
    np.testing.assert_allclose(LA.cholesky(Tensor(a)).data,
                               torch.linalg.cholesky(_t(a)).numpy())


# ---- cholesky_solve / cholesky_inverse read one triangle of the factor ------------------------
_LOW = np.array([[2.0, 0.0, 0.0], [0.5, 1.5, 0.0], [-0.3, 0.2, 1.2]])
_JUNK = _LOW + np.triu(np.array([[0, 0.7, -0.4], [0, 0, 0.9], [0, 0, 0]]), 1)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_reads_one_triangle(upper):
    b = RNG.standard_normal((3, 2))
    fac = _JUNK.T.copy() if upper else _JUNK
    ref = torch.cholesky_solve(_t(b), _t(fac), upper=upper).numpy()
    np.testing.assert_allclose(Tensor(b).cholesky_solve(Tensor(fac), upper=upper).data, ref)
    np.testing.assert_allclose(tg.cholesky_solve(Tensor(b), Tensor(fac), upper=upper).data, ref)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_reads_one_triangle(upper):
    fac = _JUNK.T.copy() if upper else _JUNK
    ref = torch.cholesky_inverse(_t(fac), upper=upper).numpy()
    np.testing.assert_allclose(Tensor(fac).cholesky_inverse(upper=upper).data, ref)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse_gradients_of_a_triangular_factor_are_torchs(upper):
    fac = _LOW.T.copy() if upper else _LOW
    b = RNG.standard_normal((3, 2))
    bt, ft = _t(b, True), _t(fac, True)
    bg, fg = Tensor(b.copy(), requires_grad=True), Tensor(fac.copy(), requires_grad=True)
    w = RNG.standard_normal((3, 2))
    (torch.cholesky_solve(bt, ft, upper=upper) * _t(w)).sum().backward()
    (bg.cholesky_solve(fg, upper=upper) * Tensor(w)).sum().backward()
    np.testing.assert_allclose(bg.grad, bt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(fg.grad, ft.grad.numpy(), atol=1e-12)
    ft2, fg2 = _t(fac, True), Tensor(fac.copy(), requires_grad=True)
    w2 = RNG.standard_normal((3, 3))
    (torch.cholesky_inverse(ft2, upper=upper) * _t(w2)).sum().backward()
    (fg2.cholesky_inverse(upper=upper) * Tensor(w2)).sum().backward()
    np.testing.assert_allclose(fg2.grad, ft2.grad.numpy(), atol=1e-12)


# ---- logdet: the gradient where det < 0 is 0, as torch's ---------------------------------------
def test_logdet_gradient_at_a_negative_determinant_is_torchs():
    a = np.stack([np.array([[1.0, 2.0], [3.0, 1.0]]), np.array([[2.0, 1.0], [1.0, 3.0]])])
    at, ag = _t(a, True), Tensor(a.copy(), requires_grad=True)
    rt, rg = torch.logdet(at), ag.logdet()
    np.testing.assert_allclose(rg.data, rt.detach().numpy())  # (nan, log 5)
    rt.sum().backward()
    rg.sum().backward()
    np.testing.assert_allclose(ag.grad, at.grad.numpy())  # (0, A^-T): was (A^-T, A^-T)
    assert ag.grad.dtype == np.float64
    assert Tensor(a.astype(np.float32)).logdet().dtype == np.float32


# ---- qr's gradient at a rank-deficient input: NaN/inf, not NumPy's LinAlgError ----------------
@pytest.mark.parametrize("a", [np.zeros((3, 3)), np.zeros((2, 3, 3)), np.zeros((4, 2)),
                               np.zeros((2, 3))], ids=["3x3", "batch", "tall", "wide"])
def test_qr_gradient_at_a_zero_matrix_is_nan_as_torchs(a):
    at, ag = _t(a, True), Tensor(a.copy(), requires_grad=True)
    q, r = torch.linalg.qr(at)
    (q.sum() + r.sum()).backward()
    q, r = LA.qr(ag)
    (q.sum() + r.sum()).backward()  # raised numpy.linalg.LinAlgError: Singular matrix
    ref = at.grad.numpy()
    assert np.isnan(ag.grad)[np.isnan(ref)].all()  # (BLAS's trsm skips zero entries: torch
    both = np.isfinite(ref) & np.isfinite(ag.grad)  # has a few finite ones more, tall)
    np.testing.assert_allclose(ag.grad[both], ref[both])


def test_qr_gradient_with_a_zero_on_rs_diagonal_is_not_finite_where_torchs_is_not():
    a = np.diag([1.0, 0.0, 1.0])
    at, ag = _t(a, True), Tensor(a.copy(), requires_grad=True)
    torch.linalg.qr(at).R.sum().backward()
    LA.qr(ag).R.sum().backward()
    ref = at.grad.numpy()
    np.testing.assert_array_equal(np.isfinite(ag.grad), np.isfinite(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(ag.grad[fin], ref[fin])


# ---- pinv / matrix_rank: atol and rtol as tensors (batch-broadcast), as torch's -----------------
_DECAY = RNG.standard_normal((3, 4, 4)) @ np.diag([1.0, 1e-3, 1e-6, 0.0])


@pytest.mark.parametrize("kw", [{"atol": np.array(1e-4)}, {"atol": np.array([1e-2, 1e-5, 1e-8])},
                                {"rtol": np.array([1e-2, 1e-5, 1e-8])},
                                {"atol": np.array([0.0, 1e-2, 0.0])}])
def test_pinv_and_matrix_rank_take_tensor_tolerances(kw):
    tkw = {k: torch.tensor(v) for k, v in kw.items()}
    gkw = {k: Tensor(v) for k, v in kw.items()}
    np.testing.assert_array_equal(LA.matrix_rank(Tensor(_DECAY), **gkw).data,
                                  torch.linalg.matrix_rank(_t(_DECAY), **tkw).numpy())
    np.testing.assert_allclose(LA.pinv(Tensor(_DECAY), **gkw).data,
                               torch.linalg.pinv(_t(_DECAY), **tkw).numpy(), rtol=1e-6,
                               atol=1e-6)


def test_pinv_tolerance_of_another_kind_is_refused_in_one_line():
    with pytest.raises(TypeError, match="linalg.pinv: atol must be a number or a tensor"):
        LA.pinv(Tensor(np.eye(2)), atol="x")


# ---- small API points ------------------------------------------------------------------------
def test_eigh_takes_a_lowercase_uplo_as_torch():
    a = RNG.standard_normal((3, 3))
    for uplo in ("u", "l"):
        np.testing.assert_allclose(LA.eigvalsh(Tensor(a), uplo).data,
                                   torch.linalg.eigvalsh(_t(a), uplo).numpy())
        np.testing.assert_allclose(LA.eigh(Tensor(a), UPLO=uplo).eigenvalues.data,
                                   torch.linalg.eigh(_t(a), UPLO=uplo).eigenvalues.numpy())
    with pytest.raises(ValueError, match="eigh: UPLO must be 'L' or 'U', got 'X'"):
        LA.eigh(Tensor(a), "X")


def test_matrix_power_0_of_an_int_matrix_stays_int():
    m = np.array([[1, 2], [3, 4]])
    assert LA.matrix_power(Tensor(m), 0).dtype == torch.linalg.matrix_power(
        torch.tensor(m), 0).numpy().dtype == np.int64
    assert LA.matrix_power(Tensor(m.astype(np.float32)), 0).dtype == np.float32


def test_lstsq_refuses_an_unknown_driver():
    with pytest.raises(ValueError, match="linalg.lstsq: driver must be None, 'gels'"):
        LA.lstsq(Tensor(np.eye(2)), Tensor(np.eye(2)), driver="xx")
    for d in ("gels", "gelsy", "gelsd", "gelss"):
        np.testing.assert_allclose(LA.lstsq(Tensor(np.eye(2)), Tensor(np.eye(2)),
                                            driver=d).solution.data, np.eye(2))


def test_svd_driver_is_refused_in_one_line_as_torchs_cpu():
    for f in (LA.svd, LA.svdvals):
        with pytest.raises(ValueError, match="driver= picks a cuSOLVER routine"):
            f(Tensor(np.eye(2)), driver="gesvd")
    assert LA.svdvals(Tensor(np.eye(2)), driver=None).shape == (2,)


@pytest.mark.parametrize(("name", "args"), [
    ("inv", (np.eye(2) * 2,)), ("det", (np.eye(2) * 2,)), ("cholesky", (np.eye(2) * 4,)),
    ("svdvals", (np.eye(2),)), ("pinv", (np.eye(2) * 2,)), ("eigvalsh", (np.eye(2),)),
    ("vector_norm", (np.ones(4),)), ("matrix_norm", (np.eye(2),)), ("norm", (np.eye(2),)),
    ("solve", (np.eye(2) * 2, np.ones(2))), ("matrix_power", (np.eye(2) * 2, 3)),
    ("matrix_rank", (np.eye(2),)), ("cross", (np.eye(3), np.ones((3, 3)))),
    ("multi_dot", ([np.eye(2), np.ones((2, 2))],)), ("vecdot", (np.eye(2), np.ones(2)))])
def test_out_of_one_result_functions(name, args):
    ours = [Tensor(a) if isinstance(a, np.ndarray) else
            [Tensor(x) for x in a] if isinstance(a, list) else a for a in args]
    ref = getattr(LA, name)(*ours)
    out = Tensor(np.zeros(ref.shape, ref.dtype))
    assert getattr(LA, name)(*ours, out=out) is out
    np.testing.assert_array_equal(out.data, ref.data)
    theirs = [_t(a) if isinstance(a, np.ndarray) else
              [_t(x) for x in a] if isinstance(a, list) else a for a in args]
    np.testing.assert_allclose(out.data, getattr(torch.linalg, name)(*theirs).numpy())


def test_out_is_refused_in_one_line_while_recording():
    with pytest.raises(RuntimeError, match="linalg.inv\\(out=...\\) does not record a gradient"):
        LA.inv(Tensor(np.eye(2), requires_grad=True), out=Tensor(np.zeros((2, 2))))
    with pytest.raises(ValueError, match="linalg.inv\\(out=...\\): out has shape \\(3,\\)"):
        base = Tensor(np.zeros(6))  # (a view of a tensor held elsewhere: not resized)
        LA.inv(Tensor(np.eye(2)), out=base[:3])


# ---- the write guard holds for the new ops -----------------------------------------------------
_S = RNG.standard_normal((3, 3))
_SPD = _S @ _S.T + 3 * np.eye(3)
# (cholesky, qr, eigh and eigvalsh save their results only, as torch's: their input stays
# writable, RESULTS_ONLY below)
GUARDED = {
    "svd U": (lambda a: LA.svd(a).U, _S), "svdvals": (LA.svdvals, _S),
    "svd Vh": (lambda a: LA.svd(a).Vh, _S),
    "solve": (lambda a: LA.solve(a, Tensor(_S)), _S), "slogdet": (lambda a: LA.slogdet(a)[1], _S),
    "pinv": (LA.pinv, _S), "lstsq": (lambda a: LA.lstsq(a, Tensor(_S)).solution, _S),
    "matrix_exp": (LA.matrix_exp, _S),
}


@pytest.mark.parametrize("name", list(GUARDED))
def test_an_input_written_after_forward_is_refused(name):
    f, a = GUARDED[name]
    x = Tensor(a.copy(), requires_grad=True)
    out = f(x)
    with pytest.raises(ValueError, match="read-only"):
        x.data[0, 0] = 5.0
    (out * out).sum().backward()  # the graph unlocks it after
    x.data[0, 0] = 5.0


RESULTS_ONLY = {
    "cholesky": (LA.cholesky, torch.linalg.cholesky, _SPD),
    "cholesky upper": (lambda a: LA.cholesky(a, upper=True),
                       lambda a: torch.linalg.cholesky(a, upper=True), _SPD),
    "qr Q": (lambda a: LA.qr(a).Q, lambda a: torch.linalg.qr(a).Q, _S),
    "qr R wide": (lambda a: LA.qr(a).R, lambda a: torch.linalg.qr(a).R, _S[:2].copy()),
    "eigh vectors": (lambda a: LA.eigh(a).eigenvectors,
                     lambda a: torch.linalg.eigh(a).eigenvectors, _SPD),
    "eigvalsh": (LA.eigvalsh, torch.linalg.eigvalsh, _SPD),
}


@pytest.mark.parametrize("name", list(RESULTS_ONLY))
def test_an_input_only_the_results_were_saved_of_is_writable_as_torch(name):
    # (the write guard locks what an op saved: these read their results only, torch's too)
    f, ft, a = RESULTS_ONLY[name]
    x, xt = Tensor(a.copy(), requires_grad=True), _t(a.copy(), True)
    out, o = f(x), ft(xt)
    x.data[0, 0] = 5.0
    with torch.no_grad():
        xt[0, 0] = 5.0
    (out * out).sum().backward()
    (o * o).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_a_cholesky_factor_written_after_forward_leaves_the_gradient():
    # (cholesky_solve/cholesky_inverse read the factor through fac - triu(fac, 1): the ops that
    # save it save that difference, so the leaf stays writable and its writes are not read)
    low = np.linalg.cholesky(_SPD)
    x = Tensor(low.copy(), requires_grad=True)
    out = x.cholesky_inverse()
    x.data[0, 0] = 5.0
    out.sum().backward()
    xt = _t(low, True)
    torch.cholesky_inverse(xt).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-12)


def test_norm_with_a_matrix_ord_for_a_vector_says_so():
    for x, ord, dim in ((np.ones(3), "fro", None), (np.ones((3, 3)), "nuc", 0)):
        with pytest.raises(ValueError, match=f"linalg.norm: ord='{ord}' is a matrix norm"):
            LA.norm(Tensor(x), ord, dim)


def test_norm_and_vector_norm_take_a_numpy_int_dim():
    x = RNG.standard_normal((3, 4))
    ref = torch.linalg.norm(_t(x), None, 1).numpy()
    np.testing.assert_allclose(LA.norm(Tensor(x), None, np.int64(1)).data, ref)
    np.testing.assert_allclose(LA.vector_norm(Tensor(x), 2, np.int64(1)).data, ref)


def test_vecdot_refuses_integers_as_torch():
    with pytest.raises(TypeError, match="linalg.vecdot: expects a floating-point tensor"):
        LA.vecdot(Tensor(np.array([1, 2])), Tensor(np.array([3, 4])))


# ---- matrix_exp: the exact zeros of a block-triangular matrix stay exact, as torch's ------------
@pytest.mark.parametrize("a", [
    [[0.0, 0.0, 0.0], [0.0, 11.0, 0.0], [0.0, 4.0, 0.0]],  # (test_ops' hypothesis found it)
    [[-6.0, -6.0, 0.0], [0.0, 11.0, 0.0], [0.0, 4.0, -6.0]],
    [[11.0, 0.0, 0.0], [-6.0, 0.0, -6.0], [0.0, 11.0, -6.0]],
    [[0.0, 0.0, 4.0], [11.0, -6.0, -6.0], [4.0, 0.0, 11.0]]])
def test_matrix_exp_keeps_exact_zeros_as_torchs(a):
    a = np.array(a)
    ref = torch.linalg.matrix_exp(_t(a)).numpy()
    ours = LA.matrix_exp(Tensor(a)).data  # the Pade solve left ~1e-12 where torch has 0
    np.testing.assert_array_equal(ours[ref == 0], 0.0)
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    w = RNG.standard_normal((3, 3))
    at, ag = _t(a, True), Tensor(a.copy(), requires_grad=True)
    (torch.linalg.matrix_exp(at) * _t(w)).sum().backward()
    (LA.matrix_exp(ag) * Tensor(w)).sum().backward()
    np.testing.assert_allclose(ag.grad, at.grad.numpy(), rtol=1e-10, atol=1e-10)
