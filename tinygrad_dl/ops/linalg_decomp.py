"""Matrix decompositions and solvers (torch.linalg's): Cholesky, QR, Eigh, SVD, Solve,
LogAbsDet, Pinv, MatrixExp. Each works on the last two axes, batched over the leading ones.
An op with several outputs (QR's Q and R, SVD's U, S and Vh, Eigh's values and vectors) is one
Function per output, `part=` picking it: the backward formulas are linear in the output
gradients, so the sum the engine makes of the parts' gradients is the joint formula
(PyTorch's)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ..engine import Function
from .linalg_lu import LinAlgError, lapack_dtype, lapack_solve, lu_det_array, lu_solve_array

__all__ = ["Cholesky", "Eigh", "LogAbsDet", "MatrixExp", "Pinv", "QR", "SVD", "Solve"]


def _mT(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _matrices(who: str, a: np.ndarray, square: bool = True) -> None:
    if a.ndim < 2 or (square and a.shape[-1] != a.shape[-2]):
        raise ValueError(f"{who}: expects {'square ' if square else ''}matrices "
                         f"(*, {'n, n' if square else 'm, n'}), got shape {a.shape}")
    if a.dtype.kind not in "f":
        raise TypeError(f"{who}: expects a floating-point tensor, got dtype {a.dtype}")
    lapack_dtype(who, a.dtype, a.shape)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a^-1 b for stacks of matrices (b: (*, n, k))."""
    return np.linalg.solve(a, b)


class Cholesky(Function):
    """L with A = L L^T of each symmetric positive-definite A (only its lower triangle is
    read), or U = L^T for upper=True (then only its upper triangle is read, as torch's).
    Backward: PyTorch's (Murray 2016), gA = L^-T Phi(L^T gL) L^-1, Phi: the lower triangle
    with half the diagonal, symmetrized."""

    def forward(ctx, a, upper=False):
        _matrices("cholesky", a)
        if not np.isfinite(a).all():  # (torch: "not positive-definite")
            raise ValueError(f"cholesky: the input (shape {a.shape}) has NaN or inf entries: "
                             "not positive-definite")
        try:  # upper: torch reads A's upper triangle, the lower one of A^T
            low = np.linalg.cholesky(_mT(a) if upper else a)
        except np.linalg.LinAlgError:
            raise LinAlgError(f"cholesky: a matrix of the input (shape {a.shape}) is not "
                             "positive-definite") from None
        ctx.upper = upper
        ctx.save_for_backward(low)
        return np.ascontiguousarray(_mT(low)) if upper else low

    def backward(ctx, g):
        (low,) = ctx.saved
        if ctx.upper:
            g = _mT(g)
        p = np.tril(_mT(low) @ g)
        p = 0.5 * (p + _mT(np.tril(p, -1)))
        # L^-T p L^-1: two solves (p L^-1 = (L^-T p^T)^T)
        x = _solve(_mT(low), p)
        return _mT(_solve(_mT(low), _mT(x)))


def _qr(a: np.ndarray, mode: str) -> tuple[np.ndarray, np.ndarray]:
    return np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")


class QR(Function):
    """Q (part 0) or R (part 1) of A = Q R (np.linalg.qr, torch.linalg.qr; the same LAPACK
    signs). Backward: PyTorch's for m >= n; for m < n, A = [X | Y] with X square: R = [U | V],
    V = Q^T Y, so gY = Q gV and X's square-case gradient takes gQ + Y gV^T. mode='complete'
    with m > n has no gradient (torch refuses it too)."""

    def forward(ctx, a, part=0, mode="reduced"):
        _matrices("qr", a, square=False)
        if mode not in ("reduced", "complete"):
            raise ValueError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}")
        q, r = _qr(a, mode)
        ctx.part, ctx.mode = part, mode
        ctx.save_for_backward(q, r)
        return q if part == 0 else r

    def backward(ctx, g):
        q, r = ctx.saved
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise ValueError("qr: the decomposition with mode='complete' and more rows than "
                             "columns is not differentiable (torch refuses it too)")
        gq, gr = (g, None) if ctx.part == 0 else (None, g)
        return _qr_backward(gq, gr, q, r)


def _qr_square_or_tall(gq, gr, q, r):  # m >= n
    ga = np.zeros(r.shape[:-2] + (r.shape[-1], r.shape[-1]), dtype=q.dtype)
    if gr is not None:
        ga = ga + gr @ _mT(r)
    if gq is not None:
        ga = ga - _mT(q) @ gq
    t = np.triu(ga)
    sym = t + _mT(t)
    sym = sym - 0.5 * np.eye(sym.shape[-1], dtype=sym.dtype) * sym  # the diagonal once, not twice
    ga = q @ sym
    if gq is not None:
        ga = ga + gq
    # ga R^-T: solve R x^T = ga^T
    return _mT(_solve_upper(r, _mT(ga)))


def _solve_upper(r: np.ndarray, b: np.ndarray) -> np.ndarray:
    """r^-1 b for upper triangular r. A zero on r's diagonal (a rank-deficient input of QR)
    gives inf and NaN entries, as torch's triangular solve does, not NumPy's LinAlgError."""
    try:
        return np.linalg.solve(r, b)
    except np.linalg.LinAlgError:
        pass
    x = np.zeros(np.broadcast_shapes(r.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                 np.result_type(r, b))
    with np.errstate(divide="ignore", invalid="ignore"):  # back substitution, row by row
        for i in range(r.shape[-1] - 1, -1, -1):
            rest = b[..., i, :] - (r[..., i, None, i + 1:] @ x[..., i + 1:, :])[..., 0, :]
            x[..., i, :] = rest / r[..., i, i, None]
    return x


def _qr_backward(gq, gr, q, r):
    m, n = q.shape[-2], r.shape[-1]
    if m >= n:
        return _qr_square_or_tall(gq, gr, q, r)
    u, v = r[..., :m], r[..., m:]
    y = q @ v
    gu = None if gr is None else gr[..., :m]
    gv = None if gr is None else gr[..., m:]
    gq2 = gq
    if gv is not None:
        gq2 = y @ _mT(gv) if gq2 is None else gq2 + y @ _mT(gv)
    gx = _qr_square_or_tall(gq2, gu, q, u)
    gy = np.zeros(v.shape, q.dtype) if gv is None else q @ gv
    return np.concatenate([gx, gy], -1)


class Eigh(Function):
    """Eigenvalues (part 0, ascending) or eigenvectors (part 1, columns) of each symmetric A,
    read from its lower (UPLO='L') or upper triangle (np.linalg.eigh, torch.linalg.eigh).
    Backward: PyTorch's, gA = V (diag(gL) + skew(V^T gV) / 2 / E) V^T, E_ij = L_j - L_i:
    repeated eigenvalues give inf or NaN gradients for the vectors, as torch's."""

    def forward(ctx, a, part=0, UPLO="L"):
        _matrices("eigh", a)
        if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U"):  # ('l', 'u' too, as
            raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")  # torch's)
        if not np.isfinite(a).all():
            raise ValueError(f"eigh: the input (shape {a.shape}) has NaN or inf entries")
        w, v = np.linalg.eigh(a, UPLO=UPLO.upper())
        ctx.part = part
        ctx.save_for_backward(w, v)
        return w if part == 0 else v

    def backward(ctx, g):
        w, v = ctx.saved
        if ctx.part == 0:
            return (v * g[..., None, :]) @ _mT(v)
        k = _mT(v) @ g
        k = 0.5 * (k - _mT(k))
        e = w[..., None, :] - w[..., :, None]
        idx = np.arange(e.shape[-1])
        e[..., idx, idx] = 1.0
        with np.errstate(divide="ignore", invalid="ignore"):  # (told once, below, by name)
            out = v @ (k / e) @ _mT(v)
        _warn_not_finite(out, g, "eigh", "the eigenvectors", "repeated eigenvalues", v.shape)
        _warn_near_ties(out, g, w, np.abs(w).max(-1, initial=0.0), lambda: k, "eigh",
                        "the eigenvectors", "eigenvalues", v.shape)
        return out


class SVD(Function):
    """U (part 0), S (part 1) or Vh (part 2) of A = U diag(S) Vh (np.linalg.svd,
    torch.linalg.svd). Backward: PyTorch's svd_backward; with full_matrices=True only the
    first min(m, n) columns of U (rows of Vh) carry a gradient, as torch's. Repeated
    singular values give inf or NaN gradients for U and Vh, as torch's."""

    def forward(ctx, a, part=1, full_matrices=False):
        _matrices("svd", a, square=False)
        if not np.isfinite(a).all():
            raise ValueError(f"svd: the input (shape {a.shape}) has NaN or inf entries")
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices and part != 1)
        s += 0.0  # (LAPACK's gesdd can give -0.0: cond was -inf for a matrix with a zero row)
        ctx.part = part
        k = s.shape[-1]
        ctx.save_for_backward(a, u[..., :k], vh[..., :k, :], s)
        return (u, s, vh)[part]

    def backward(ctx, g):
        a, u, vh, s = ctx.saved
        if ctx.part == 1:
            m, n = a.shape[-2:]
            return u @ (g[..., :, None] * vh) if m >= n else (u * g[..., None, :]) @ vh
        k = s.shape[-1]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # (told below)
            if ctx.part == 0:
                out = _svd_backward(g[..., :k], None, u, s, vh)
            else:
                out = _svd_backward(None, g[..., :k, :], u, s, vh)
            # (torch's formula squares S: past sqrt(max) inf - inf, NaN, with no tie at all)
            tie = np.isfinite(s * s).all()
        _warn_not_finite(out, g, "svd", "U or Vh", "repeated singular values (or zero ones, for "
                         "a non-square matrix)" if tie else "singular values too large to "
                         "square (their squares overflow)", a.shape, tie)
        gk = g[..., :k] if ctx.part == 0 else _mT(g[..., :k, :])  # (U's or V's columns)
        vecs = u if ctx.part == 0 else _mT(vh)

        def mix():
            kk = _mT(vecs) @ gk
            return kk - _mT(kk)
        m, n = a.shape[-2:]
        # U of a tall matrix (Vh of a wide one) divides by each s too: near 0 is as bad as a
        # tie there (U of a wide matrix, V of a tall one, square U and V: never)
        lone = m != n and (ctx.part == 0) == (m > n)
        _warn_near_ties(out, g, s, s.max(-1, initial=0.0), mix, "svd", "U or Vh",
                        "singular values", a.shape, gk if lone else None)
        return out


def _warn_not_finite(out: np.ndarray, g: np.ndarray, who: str, part: str, why: str,
                     shape: tuple[int, ...], tie: bool = True) -> None:
    """Say, by name, that a backward gave inf or NaN from finite upstream gradients: where the
    decomposition's vectors are not unique, torch's formula (kept, for torch's answer) divides
    by zero; NumPy's anonymous "invalid value encountered in matmul" (or nothing) said it
    before."""
    if np.isfinite(g).all() and not np.isfinite(out).all():
        warnings.warn(f"{who}: the gradient through {part} of a matrix with {why} (input shape "
                      f"{shape}) is inf or NaN, as torch's"
                      + (": those vectors are not unique there" if tie else ""),
                      RuntimeWarning, stacklevel=3)


def _warn_near_ties(out: np.ndarray, g: np.ndarray, values: np.ndarray, scale: np.ndarray,
                    mix: Callable[[], np.ndarray], who: str, part: str, what: str,
                    shape: tuple[int, ...], reach: np.ndarray | None = None) -> None:
    """Say, by name, that a finite gradient through the vectors is largely round-off: two
    eigen- (singular) values (sorted) closer than sqrt(eps) (float64; float32: eps**(2/3))
    * the largest one, whose vectors
    the upstream gradient mixes (k_ij != 0, k = mix(), the skew part of V^T g, computed only
    then), are divided by their gap (torch's formula, kept): the vectors' round-off, up to
    eps * max / gap relative, is then more than half the digits (a matrix built with repeated
    values lands here, its values apart by round-off; sqrt(eps) warned for most random
    float32 matrices of 256 rows, whose gradients kept 3 to 5 digits). reach: for U of a tall
    matrix (Vh of a wide one), whose gradient divides by each value too, the columns of g:
    values near 0 that g reaches warn as well."""
    if values.shape[-1] == 0:
        return
    # float64: sqrt(eps), half the digits; float32: eps**(2/3) (sqrt(eps) warned for most
    # random float32 matrices of 256 rows, whose gradients kept 3 to 5 of its 7 digits)
    f64 = values.dtype == np.float64
    tol = np.finfo(values.dtype).eps ** (0.5 if f64 else 2 / 3) * scale
    # (sorted values: two are near only where two neighbours are; O(n) before the O(n^2))
    near = bool((np.abs(np.diff(values, axis=-1)) <= tol[..., None]).any())
    small = reach is not None and bool((values <= tol[..., None]).any())
    if not (near or small) or not (np.isfinite(out).all() and np.isfinite(g).all()):
        return  # (_warn_not_finite says the inf and NaN)
    if near:
        off = ~np.eye(values.shape[-1], dtype=bool)
        near = bool(((np.abs(values[..., None, :] - values[..., :, None])
                      <= tol[..., None, None]) & off & (mix() != 0)).any())
    if small:
        small = bool(((values <= tol[..., None]) & (reach != 0).any(-2)).any())
    if near or small:
        zero = ", or near 0 in a non-square matrix" if reach is not None else ""
        warnings.warn(f"{who}: the gradient through {part} of a matrix with nearly repeated "
                      f"{what} (apart by less than {'sqrt(eps)' if f64 else 'eps**(2/3)'} * "
                      f"the largest{zero}; input "
                      f"shape {shape}) has lost half its digits or more to round-off, as "
                      f"torch's: those vectors are nearly not unique there (a loss of the "
                      f"{what} alone has a sound gradient)",
                      RuntimeWarning, stacklevel=3)


def _svd_backward(gu, gvh, u, s, vh):  # (its caller silences NumPy's divide warnings)
    m, n = u.shape[-2], vh.shape[-1]
    s2 = s * s
    e = s2[..., None, :] - s2[..., :, None]
    idx = np.arange(s.shape[-1])
    e[..., idx, idx] = 1.0
    if gu is not None:
        k = _mT(u) @ gu
        ga = (k - _mT(k)) * s[..., None, :] / e
        if m > n:
            ga = u @ ga
            gus = gu / s[..., None, :]
            ga = ga + gus - u @ (_mT(u) @ gus)
            return ga @ vh
        return u @ ga @ vh
    k = vh @ _mT(gvh)
    ga = s[..., :, None] * (k - _mT(k)) / e
    if m < n:
        ga = ga @ vh
        sg = gvh / s[..., :, None]
        ga = ga + sg - (sg @ _mT(vh)) @ vh
        return u @ ga
    return u @ ga @ vh


def _broadcast_solve(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return (np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:]))


class Solve(Function):
    """X with A X = B (torch.linalg.solve; B: (*, n, k), batch axes broadcast). A singular A
    is refused, as torch's. Backward: gB = A^-T g, gA = -gB X^T (summed over broadcast axes
    by the engine's unbroadcast of the caller)."""

    def forward(ctx, a, b, transposed=False):
        # (transposed: a is A^T of torch's solve(A, B, left=False), whose LU torch takes of A)
        _matrices("solve", a)
        lapack_dtype("solve", b.dtype, b.shape, "B")  # (the callers name their op first)
        if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
            raise ValueError(f"solve: A of shape {a.shape} and B of shape {b.shape} do not "
                             "fit (B: (*, n, k) with n = A's size)")
        aa, bb = _broadcast_solve(a, b)
        # the matrices A (or B) with NaN or inf entries
        bad = ~(np.isfinite(aa).all((-2, -1)) & np.isfinite(bb).all((-2, -1)))
        x = lapack_solve(np.where(bad[..., None, None], np.eye(a.shape[-1], dtype=a.dtype), aa)
                         if bad.any() else aa, bb, transposed)
        if x is None:
            raise LinAlgError(f"solve: a matrix A of the input (shape {a.shape}) is singular")
        if bad.any():  # torch's LU path for those: NumPy's left finite entries beside NaNs
            xb, info = lu_solve_array(aa[bad], bb[bad], transposed)
            if (info > 0).any():
                raise LinAlgError(f"solve: a matrix A of the input (shape {a.shape}) is "
                                  "singular")
            x[bad] = xb
        ctx.save_for_backward(aa, x)
        ctx.shapes = a.shape, b.shape
        ctx.bad, ctx.transposed = bad, transposed
        return x

    def backward(ctx, g):
        aa, x = ctx.saved
        bad = ctx.bad
        at = _mT(aa)
        gb = lapack_solve(np.where(bad[..., None, None], np.eye(at.shape[-1], dtype=at.dtype), at)
                          if bad.any() else at, g, not ctx.transposed)
        if bad.any():  # torch's: the forward's LU, solved with it transposed (all NaN for NaN)
            gb[bad] = lu_solve_array(at[bad], np.broadcast_to(g, gb.shape)[bad],
                                     not ctx.transposed)[0]
        ga = -gb @ _mT(x) if ctx.needs_input_grad[0] else None
        sa, sb = ctx.shapes
        return (_sum_to(ga, sa) if ga is not None else None,
                _sum_to(gb, sb) if ctx.needs_input_grad[1] else None)


def _sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """g summed over the axes broadcasting added or stretched to reach its shape."""
    extra = g.ndim - len(shape)
    g = g.sum(tuple(range(extra))) if extra else g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axes, keepdims=True) if axes else g


class LogAbsDet(Function):
    """log |det A| of each square A (slogdet's second output; -inf for a singular one).
    Backward: g A^-T, refused for a singular A (its gradient is infinite)."""

    def forward(ctx, a):
        _matrices("slogdet", a)
        with np.errstate(invalid="ignore"):  # a NaN entry: NaN, without NumPy's warning
            out = np.asarray(np.linalg.slogdet(a)[1])
        bad = ~np.isfinite(a).all((-2, -1))
        if bad.any():  # torch's LU for matrices with NaN or inf (NumPy's gave -inf for some)
            out[bad] = lu_det_array(a[bad])[2]
        ctx.save_for_backward(a)
        return out

    def backward(ctx, g):
        (a,) = ctx.saved
        g = np.asarray(g)
        bad = ~np.isfinite(a).all((-2, -1))  # (NaN or inf: torch's LU inverse, as Inverse's)
        eye = np.eye(a.shape[-1], dtype=a.dtype)
        safe = np.where(bad[..., None, None], eye, a) if bad.any() else a
        try:
            inv = np.linalg.inv(safe)
        except np.linalg.LinAlgError:
            inv = None
        if inv is None:
            inv = _inverse_but_singular(safe, np.broadcast_to(g, bad.shape), a.shape)
        if bad.any():
            inv[bad] = lu_solve_array(a[bad], np.broadcast_to(eye, a[bad].shape))[0]
        return np.asarray(g)[..., None, None] * _mT(inv)


def _inverse_but_singular(a: np.ndarray, g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The inverses for LogAbsDet's backward where some matrices of the batch are singular:
    one whose log|det| gets a nonzero gradient g is refused (its gradient is infinite); one
    that gets none (masked out, another batch element's loss) gets NaN, torch's 0 * inf,
    with a warning, and the others their own gradient (the whole batch was refused before)."""
    # NumPy's getrf, as the inv that failed and the forward's -inf: the NumPy LU of A or A^T
    # (lu_factor_array) rounds otherwise and missed or added singular ones
    sing = np.isneginf(np.linalg.slogdet(a)[1])
    if (g[sing] != 0).any() or not sing.any():
        raise ValueError(f"slogdet: the gradient of log|det A| at a singular A (shape "
                         f"{shape}) is infinite")
    try:
        inv = np.linalg.inv(np.where(sing[..., None, None], np.eye(a.shape[-1], dtype=a.dtype),
                                     a))
    except np.linalg.LinAlgError:  # (NumPy's LAPACK found a zero pivot that ours did not)
        raise ValueError(f"slogdet: the gradient of log|det A| at a singular A (shape "
                         f"{shape}) is infinite") from None
    inv[sing] = np.nan
    warnings.warn(f"slogdet: {int(sing.sum())} singular matrices of the input (shape {shape}) "
                  "have no gradient (it is infinite there): NaN for them, as torch's",
                  RuntimeWarning, stacklevel=3)
    return inv


class Pinv(Function):
    """The Moore-Penrose pseudoinverse from the SVD, singular values <= max(atol, rtol * s_max)
    dropped (torch.linalg.pinv; rtol None: eps * max(m, n) when atol is None or 0, else 0).
    Backward: PyTorch's pinv_backward. svd: a's reduced SVD where the caller has it (lstsq)."""

    def forward(ctx, a, atol=None, rtol=None, svd=None):
        _matrices("pinv", a, square=False)
        if not np.isfinite(a).all():
            raise ValueError(f"pinv: the input (shape {a.shape}) has NaN or inf entries")
        u, s, vh = np.linalg.svd(a, full_matrices=False) if svd is None else svd
        keep = s > cutoff(s, atol, rtol, a.shape)
        with np.errstate(divide="ignore"):
            sinv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(a.dtype)
        out = (_mT(vh) * sinv[..., None, :]) @ _mT(u)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, g):
        a, p = ctx.saved
        m, n = a.shape[-2:]
        ph, gh = _mT(p), _mT(g)
        if m <= n:
            k = gh @ p
            kph = k @ ph
            return -_mT(p @ k) + kph - (a @ p) @ kph + (ph @ p) @ (gh - k @ a)
        k = p @ gh
        phk = ph @ k
        return -_mT(k @ p) + (gh - a @ k) @ p @ ph + phk - phk @ p @ a


def cutoff(s: np.ndarray, atol, rtol, shape: tuple[int, ...]) -> np.ndarray:
    """max(atol, rtol * s_max) of torch.linalg.pinv and matrix_rank for singular values s
    (*, k), descending; atol and rtol numbers or arrays broadcasting with the batch axes (*).
    rtol None: eps * max(m, n) where atol is None or 0, else 0 (torch's rule, entry by
    entry)."""
    at = np.zeros(()) if atol is None else np.asarray(atol, dtype=np.float64)
    eps = np.finfo(s.dtype).eps * max(shape[-2:], default=0)
    rt = np.where(at > 0, 0.0, eps) if rtol is None else np.asarray(rtol, dtype=np.float64)
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    return np.maximum(at[..., None], rt[..., None] * smax)


# The Taylor polynomial of degree 18 and the 1-norm below which it is accurate to double
# precision (||X||^19 / 19! < 1e-16), as torch's matrix_exp (Bader, Blanes, Casas 2019): no
# solve, so the exact zeros of a block-triangular A (a zero row or column, the backward's
# [[A^T, g], [0, A^T]]) stay exact, as torch's; a Pade approximant's solve left ~1e-12 there.
_TAYLOR = 18
_THETA18 = 1.09


def expm(a: np.ndarray) -> np.ndarray:
    """exp of each square matrix of a stack: Taylor 18 (Horner) after scaling by 2^-s, then s
    squarings. A matrix with a NaN or inf entry gives NaNs."""
    out = np.empty_like(a)
    if a.size == 0:
        return out
    flat, res = a.reshape((-1,) + a.shape[-2:]), out.reshape((-1,) + a.shape[-2:])
    n = a.shape[-1]
    eye = np.eye(n, dtype=a.dtype)
    for k, m in enumerate(flat):
        if not np.isfinite(m).all():
            res[k] = np.nan
            continue
        norm = np.abs(m).sum(0).max() if n else 0.0
        s = max(0, int(np.ceil(np.log2(norm / _THETA18)))) if norm > _THETA18 else 0
        m = m / 2.0 ** s
        r = eye
        for j in range(_TAYLOR, 0, -1):  # I + m (I + m/2 (I + m/3 (...))) / 1
            r = eye + (m @ r) / j
        for _ in range(s):
            r = r @ r
        res[k] = r
    return out


class MatrixExp(Function):
    """exp of each square matrix (torch.linalg.matrix_exp). Backward: PyTorch's, the upper right
    block of exp([[A^T, g], [0, A^T]])."""

    def forward(ctx, a):
        if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
            raise ValueError(f"matrix_exp: expects square matrices (*, n, n), got shape "
                             f"{a.shape}")
        if a.dtype.kind != "f":
            raise TypeError(f"matrix_exp: expects a floating-point tensor, got dtype {a.dtype}")
        ctx.save_for_backward(a)
        return expm(a)

    def backward(ctx, g):
        (a,) = ctx.saved
        n = a.shape[-1]
        big = np.zeros(a.shape[:-2] + (2 * n, 2 * n), dtype=g.dtype)
        big[..., :n, :n] = big[..., n:, n:] = _mT(a)
        big[..., :n, n:] = g
        return np.ascontiguousarray(expm(big)[..., :n, n:])
