"""Tensor's linear algebra: dot, vdot, outer, diagonal, diag/diagflat/diag_embed, trace,
tril/triu (ops/linalg.py; dot and trace compose einsum and diagonal); det, inverse and
PyTorch's decompositions svd, qr, cholesky, slogdet, logdet, pinverse, matrix_power,
matrix_exp, cholesky_solve/cholesky_inverse, lu, lu_solve, triangular_solve
(ops/linalg_decomp.py); inner, kron, cross, dist, ger, renorm (compositions).
The matrix product, @, is arithmetic: the class core's; addmm and kin are fused.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import tensor
from ..ops import (
    QR,
    SVD,
    Cholesky,
    Det,
    Diag,
    Diagonal,
    Einsum,
    Inverse,
    LogAbsDet,
    MatrixExp,
    Pad,
    Pinv,
    Solve,
    Tril,
    Triu,
    VectorNorm,
    Where,
)
from ..ops.allocation import check_alloc
from ..ops.linalg import dot_subscripts
from ..ops.linalg_lu import lapack_dtype, lu_det_array, rhs_dtype
from ..ops.shape import axis_of
from ..ops.spelling import spellings, torch_keywords
from .conversions import as_data, as_tensor
from .linalg_lu import (
    LUInfoResult,
    LUResult,
    TriangularSolveResult,
    lu_factor_ex,
    lu_solve,
    solve_triangular,
)

if TYPE_CHECKING:
    from . import Tensor


class SignLogAbsDet(NamedTuple):
    """What slogdet returns (torch.return_types.slogdet): sign (constant) and log|det|."""

    sign: Tensor
    logabsdet: Tensor


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class SVDResult(NamedTuple):
    """torch.svd's (U, S, V) (V, not Vh) and torch.linalg.svd's (U, S, Vh) alike."""

    U: Tensor
    S: Tensor
    V: Tensor


def square_matrices(who: str, x: Tensor, name: str = "the input") -> None:
    """Refuse, in one line, what is not a stack of square float matrices. name: the operand
    a float16 refusal tells to cast, where the op takes two (a solve's A, cholesky_solve's L)."""
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{who}: expects square matrices (*, n, n), got shape {x.shape}")
    if x.data.dtype.kind != "f":
        raise TypeError(f"{who}: expects a floating-point tensor, got dtype {x.data.dtype}")
    lapack_dtype(who, x.data.dtype, x.shape, name)


def cross_dtypes(who: str, x: Tensor, y: Tensor) -> None:
    """Refuse bool inputs to a cross product in one line: NumPy's own error named the `-`
    operator, not the op (torch refuses bool too)."""
    if x.data.dtype == np.bool_ and y.data.dtype == np.bool_:
        raise TypeError(f"{who}: bool inputs are not supported (shapes {x.shape} and "
                        f"{y.shape}): cast them to an integer or floating dtype first")


def _eye_like(x: Tensor) -> Tensor:
    n = x.shape[-1]
    return type(x).from_result(np.broadcast_to(np.eye(n, dtype=x.data.dtype), x.shape).copy())


_L = "abcdefghijklmnopqrstuvwxyz"


class LinalgMethods:
    """Linear algebra (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- linear algebra (ops/linalg.py; dot/trace compose einsum and diagonal) --------------
    @torch_keywords(tensor="other")
    def dot(self, other: Any) -> Tensor:
        return Einsum.apply(self, as_tensor(other, self), who="dot",
                            subscripts=dot_subscripts(self.ndim, np.ndim(as_data(other))))

    @torch_keywords(vec2="other")
    def outer(self, other: Any) -> Tensor:
        """x[i] y[j] of x and y flattened (np.outer, PyTorch's x.outer(y))."""
        y = as_tensor(other, self)
        check_alloc("outer", (self.data.size, y.data.size), np.result_type(self.data, y.data))
        return Einsum.apply(self.reshape(-1), y.reshape(-1), subscripts="i,j->ij")

    ger = outer  # (PyTorch's old name of outer)

    def inner(self, other: Any) -> Tensor:
        """np.inner / torch.inner: the sum over the last axes of x and y (a 0-d one
        multiplies)."""
        y = as_tensor(other, self)
        if self.ndim == 0 or y.ndim == 0:
            return self * y
        a, b = _L[:self.ndim - 1] + "z", _L[13:13 + y.ndim - 1] + "z"
        return Einsum.apply(self, y, subscripts=f"{a},{b}->{a[:-1]}{b[:-1]}", who="inner")

    def kron(self, other: Any) -> Tensor:
        """np.kron / torch.kron: every x[i] times all of y, blocks laid out like x."""
        y = as_tensor(other, self)
        n = max(self.ndim, y.ndim)
        xs, ys = (1,) * (n - self.ndim) + self.shape, (1,) * (n - y.ndim) + y.shape
        check_alloc("kron", [p * q for p, q in zip(xs, ys)], np.result_type(self.data, y.data))
        a = self.reshape([d for s in xs for d in (s, 1)])
        b = y.reshape([d for s in ys for d in (1, s)])
        return (a * b).reshape([p * q for p, q in zip(xs, ys)])

    def cross(self, other: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """torch's x.cross(y, dim=None): the cross product of 3-vectors along dim; dim None:
        the first axis of length 3 (torch's rule; tg.cross's default is NumPy's, the last).
        NumPy's axis= spells dim."""
        y = as_tensor(other, self)
        cross_dtypes("cross", self, y)
        if dim is not None and axis is not None:
            raise TypeError("cross: got both dim= and axis= (PyTorch's and NumPy's name of "
                            "one argument)")
        d = dim if dim is not None else axis
        shape = tuple(np.broadcast_shapes(self.shape, y.shape))
        if d is None:
            if 3 not in shape:
                raise ValueError(f"cross: no axis of length 3 in shapes {self.shape} and "
                                 f"{y.shape}")
            d = shape.index(3)
        if not -len(shape) <= d < len(shape):
            raise ValueError(f"cross: dim {d} out of range for shapes {self.shape} and "
                             f"{y.shape}")
        d = d - len(shape) if d >= 0 else d  # (counted from the right: both inputs agree)
        if -d > min(self.ndim, y.ndim) or self.shape[d] != 3 or y.shape[d] != 3:
            raise ValueError(f"cross: vectors of length 3 only, along dim {d}; got shapes "
                             f"{self.shape} and {y.shape}")
        a, b = self.moveaxis(d, -1), y.moveaxis(d, -1)
        i, j = [1, 2, 0], [2, 0, 1]  # component k: a[i[k]] b[j[k]] - a[j[k]] b[i[k]]
        return (a[..., i] * b[..., j] - a[..., j] * b[..., i]).moveaxis(-1, d)

    def dist(self, other: Any, p: float = 2.0) -> Tensor:
        """torch.dist: the p-norm of x - y over all entries (broadcast together)."""
        return VectorNorm.apply(self - as_tensor(other, self), ord=float(p), axis=None,
                                keepdims=False)

    @spellings(dim1="axis1", dim2="axis2", k="offset")
    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"diagonal needs a tensor of 2 or more dimensions, got shape "
                             f"{self.shape}")
        return Diagonal.apply(self, offset=offset, axis1=axis_of("diagonal", axis1, self.ndim),
                              axis2=axis_of("diagonal", axis2, self.ndim))

    @spellings(dim1="axis1", dim2="axis2", k="offset")
    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return self.diagonal(offset, axis1, axis2).sum(-1)

    @torch_keywords(diagonal="k")
    def tril(self, k: int = 0) -> Tensor: return Tril.apply(_matrices(self, "tril"), k=k)

    @torch_keywords(diagonal="k")
    def triu(self, k: int = 0) -> Tensor: return Triu.apply(_matrices(self, "triu"), k=k)

    # ---- decompositions and solvers (ops/linalg_decomp.py) ------------------------------------
    def svd(self, some: bool = True, compute_uv: bool = True) -> SVDResult:
        """torch.svd (the old API): (U, S, V) with x = U diag(S) V^T (V, not Vh); some=False:
        full U and V; compute_uv=False: U and V zero, as torch's."""
        s = SVD.apply(self, part=1)
        if not compute_uv:  # torch: zero-filled (m, m) U and (n, n) V, with no gradient
            m, n = self.shape[-2:]
            dt = self.data.dtype
            # (from_result: a subclass's constants as its op results, its __init__ not run)
            return SVDResult(type(self).from_result(np.zeros(self.shape[:-2] + (m, m), dt)), s,
                             type(self).from_result(np.zeros(self.shape[:-2] + (n, n), dt)))
        u = SVD.apply(self, part=0, full_matrices=not some)
        v = SVD.apply(self, part=2, full_matrices=not some).mT
        return SVDResult(u, s, v)

    def qr(self, some: bool = True) -> QRResult:
        """torch.qr: (Q, R) with x = Q R; some=False: the complete Q."""
        mode = "reduced" if some else "complete"
        return QRResult(QR.apply(self, part=0, mode=mode), QR.apply(self, part=1, mode=mode))

    def cholesky(self, upper: bool = False) -> Tensor:
        """torch.cholesky: L (lower, x = L L^T) or, upper=True, U = L^T; a matrix that is not
        positive-definite is refused."""
        return Cholesky.apply(self, upper=bool(upper))

    def slogdet(self) -> SignLogAbsDet:
        """torch.slogdet: (sign, log|det|) of each square matrix; a singular one: (0, -inf).
        The sign is a constant (its gradient is 0 where defined)."""
        square_matrices("slogdet", self)
        with np.errstate(invalid="ignore"):  # (a NaN matrix: sign 0, as torch's)
            d, logabs = np.linalg.slogdet(self.data)
        d = np.where(np.isnan(logabs), 0.0, d).astype(self.data.dtype)
        bad = ~np.isfinite(self.data).all((-2, -1))
        if bad.any():  # torch's LU for matrices with NaN or inf entries (as LogAbsDet's)
            d[bad] = lu_det_array(self.data[bad])[1]
        sign = type(self).from_result(np.asarray(d))
        return SignLogAbsDet(sign, LogAbsDet.apply(self))

    def logdet(self) -> Tensor:
        """torch.logdet: log det x; NaN where det < 0, -inf where it is 0 (as torch's)."""
        sign, logabs = self.slogdet()
        # where, not + NaN: the gradient where det < 0 is 0, as torch's (not g A^-T)
        return logabs.where(type(self).from_result(np.asarray(sign.data >= 0)), np.nan)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        """torch.pinverse: the pseudoinverse, singular values <= rcond * max dropped."""
        return Pinv.apply(self, atol=None, rtol=float(rcond))

    def matrix_power(self, n: int) -> Tensor:
        """torch.matrix_power: x @ x @ ... (n times, by squaring); n = 0: the identity;
        n < 0: the inverse's power (a singular matrix refused)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"matrix_power: n must be an int, got {n!r}")
        if self.ndim < 2 or self.shape[-1] != self.shape[-2]:
            raise ValueError(f"matrix_power: expects square matrices (*, n, n), got shape "
                             f"{self.shape}")
        if n == 0:  # on the graph with a zero gradient, as torch's (x's values unread; 0,
            # not 0.0: an int matrix's identity stays int, as torch's)
            return _eye_like(self) + self.where(
                type(self).from_result(np.zeros(self.shape, bool)), 0)
        base = self.inverse() if n < 0 else self
        n, out = abs(int(n)), None
        while n:
            if n & 1:
                out = base if out is None else out @ base
            n >>= 1
            if n:
                base = base @ base
        return out

    def matrix_exp(self) -> Tensor:
        """torch.matrix_exp: exp of each square matrix (Taylor 18, scaling and squaring)."""
        return MatrixExp.apply(self)

    def cholesky_solve(self, input2: Any, upper: bool = False) -> Tensor:
        """torch.cholesky_solve(B, L): X with A X = B, A = L L^T (upper: U^T U) from its
        Cholesky factor; the gradient is torch's (the one of solve(L L^T, B))."""
        fac = _factor("cholesky_solve", as_tensor(input2, self), upper)
        rhs_dtype("cholesky_solve", self.data.dtype, self.shape)
        a = fac.mT @ fac if upper else fac @ fac.mT
        return Solve.apply(a, self)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        """torch.cholesky_inverse(L): (L L^T)^-1 (upper: (U^T U)^-1)."""
        fac = _factor("cholesky_inverse", self, upper)
        a = fac.mT @ fac if upper else fac @ fac.mT
        return a.inverse()

    def lu(self, pivot: bool = True, get_infos: bool = False) -> LUResult | LUInfoResult:
        """torch.lu: (A_LU, pivots) of each matrix (tensor/linalg_lu.py), with infos when
        get_infos=True; a singular matrix is factored without error, as torch's."""
        r = lu_factor_ex("lu", self, bool(pivot))
        return r if get_infos else LUResult(r.LU, r.pivots)

    def lu_solve(self, LU_data: Any, LU_pivots: Any) -> Tensor:
        """torch.lu_solve(b, LU_data, LU_pivots): X with A X = b, A from torch.lu's factors."""
        return lu_solve("lu_solve", LU_data, LU_pivots, self)

    def triangular_solve(self, A: Any, upper: bool = True, transpose: bool = False,
                         unitriangular: bool = False) -> TriangularSolveResult:
        """torch.triangular_solve(b, A): (X with A X = b (A^T X = b when transpose), a copy
        of A); A's upper (lower) triangle read. The copy passes its gradient on to A."""
        a = as_tensor(A, self)
        x = solve_triangular("triangular_solve", a.mT if transpose else a, self,
                             bool(upper) != bool(transpose), unitriangular=unitriangular)
        batch = x.shape[:-2] + a.shape[-2:]
        return TriangularSolveResult(x, (a.broadcast_to(batch) if a.shape != batch
                                         else a).clone())


    # ---- determinants and inverses -----------------------------------------------------------
    def det(self) -> Tensor:
        """The determinant of each (n, n) matrix of (*, n, n); its gradient is the cofactor
        matrix, singular matrices too."""
        return Det.apply(self)

    def inverse(self) -> Tensor:
        """The inverse of each (n, n) matrix of (*, n, n); a singular one is refused."""
        return Inverse.apply(self)

    # ---- diagonals ---------------------------------------------------------------------------
    def diag(self: Tensor, diagonal: int = 0, *, k: int | None = None) -> Tensor:
        """torch's x.diag(diagonal): a 1-D x -> a matrix with x on that diagonal; a 2-D x ->
        that diagonal (NumPy's k= too)."""
        if k is not None:
            diagonal = k
        return Diag.apply(self, k=diagonal)

    def diagflat(self, offset: int = 0) -> Tensor:
        """x flattened, on diagonal `offset` of a square matrix."""
        return Diag.apply(self.reshape(-1), k=int(offset))

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """The last axis of x on diagonal `offset` of the (dim1, dim2) planes of a new tensor
        with one more dim (torch.diag_embed); zeros elsewhere, never 0 * inf."""
        if self.ndim == 0:  # (torch's: the result's dims -2, -1 would not exist)
            raise IndexError("diag_embed: expects a tensor of 1 or more dims (its last dim goes "
                             "on the diagonal), got a 0-d tensor; write x.reshape(1).diag_embed()")
        x = self
        n, k, lead = x.shape[-1], int(offset), x.shape[:-1]
        # rows [v_i, 0 ... 0] of length n + 1, read flat as n x n: v on the diagonal
        rows = Pad.apply(x.unsqueeze(-1), pad_width=[(0, 0)] * x.ndim + [(0, n)])
        d = rows.reshape(lead + (n * (n + 1),))[..., :n * n].reshape(lead + (n, n))
        if k:
            shift = [(0, k), (k, 0)] if k > 0 else [(-k, 0), (0, -k)]
            d = Pad.apply(d, pad_width=[(0, 0)] * len(lead) + shift)
        nd = d.ndim
        a1, a2 = axis_of("diag_embed", dim1, nd), axis_of("diag_embed", dim2, nd)
        if a1 == a2:
            raise ValueError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
        return d.moveaxis((nd - 2, nd - 1), (a1, a2))

    # ---- vdot and renorm ---------------------------------------------------------------------
    def vdot(self: Tensor, other: Tensor) -> Tensor:
        """torch's x.vdot(y): the dot product of two 1-D tensors of one length and one dtype
        (x conjugated where complex, as torch's); an int32 pair sums to int64, as sum() does."""
        if not isinstance(other, tensor.Tensor):
            raise TypeError(f"vdot: other must be a Tensor, got {type(other).__name__}")
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"vdot: 1D tensors expected, but got {self.ndim}D and "
                               f"{other.ndim}D tensors")
        if self.shape != other.shape:
            raise RuntimeError(f"vdot: expected both vectors to have the same number of "
                               f"elements, got {self.shape[0]} and {other.shape[0]}")
        if self.dtype == np.bool_:
            raise TypeError("vdot: not implemented for bool tensors (as torch's)")
        if self.dtype != other.dtype:
            raise RuntimeError(f"vdot: expected both vectors to have same dtype, but found "
                               f"{self.dtype} and {other.dtype}")
        return (self.conj() * other).sum()

    def renorm(self, p: float, dim: int, maxnorm: float) -> Tensor:
        """torch.renorm: each slice along dim whose p-norm exceeds maxnorm scaled by
        maxnorm / (norm + 1e-7) (torch's), the others unchanged."""
        if self.ndim < 2:
            raise ValueError(f"renorm: expects a tensor of 2 or more dims, got shape {self.shape}")
        if any(isinstance(v, tensor.Tensor) and v.requires_grad for v in (p, maxnorm)):
            raise TypeError("renorm: p and maxnorm are numbers; a tensor that requires grad "
                            "would lose its gradient, pass its value (t.item())")
        if not p > 0 or not maxnorm >= 0:
            raise ValueError(f"renorm: needs p > 0 and maxnorm >= 0, got p={p}, maxnorm={maxnorm}")
        axis = axis_of("renorm", dim, self.ndim)
        others = tuple(a for a in range(self.ndim) if a != axis)
        one = as_tensor(1.0, self)
        if p == float("inf"):
            norm = self.abs().amax(others, True)
            over = norm.data > maxnorm
        else:  # (the root of a slice left alone is not taken: at a zero slice its gradient
            # would be inf * 0)
            size = self.abs()
            nz = size.data != 0 if p < 1 else None
            if nz is not None and not nz.all():  # |x| ** p's gradient at 0 is inf * 0: 0
                # there, as torch's (masked only where there are zeros: twice the work)
                size = Where.apply(Where.apply(size, one, cond=nz) ** float(p), one * 0.0,
                                   cond=nz)
            else:
                size = size ** float(p)
            total = size.sum(others, keepdims=True)
            over = total.data ** (1.0 / float(p)) > maxnorm
            norm = Where.apply(total, one, cond=over) ** (1.0 / float(p))
        return self * Where.apply(float(maxnorm) / (norm + 1e-7), one, cond=over)

def _factor(who: str, fac: Tensor, upper: bool) -> Tensor:
    """A Cholesky factor as torch's cholesky_solve/cholesky_inverse read it: its lower (upper)
    triangle only, the other one taken as 0 (subtracted as a constant, so that every entry
    gets the gradient of torch's formula, -(C + C^T) L, as torch's does; torch's formula
    reads the other triangle's entries too, this one, as the values, not)."""
    square_matrices(who, fac, "L")
    return fac - (fac.tril(-1) if upper else fac.triu(1)).detach()




def _matrices(x: Tensor, op: str) -> Tensor:
    """x, refused in one line unless it has 2 or more dims (torch's rule): NumPy's tril of a
    1-D x builds a square matrix, whose gradient then failed to fit x, and of a 0-d one raises
    a TypeError that names neither."""
    if x.ndim < 2:
        raise ValueError(f"{op}: needs a tensor of 2 or more dimensions (the last two are the "
                         f"matrix), got shape {x.shape}")
    return x
