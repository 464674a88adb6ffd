"""More of PyTorch's Tensor names: x.H, angle, the bit shifts, histogram, narrow_copy, the
unsafe_ splits, index_reduce, igamma/igammac, and the in-place forms still missing (sinc_,
lgamma_, addmv_, floor_divide_, renorm_, ...) under the rules of inplace.py."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import tensor
from ..ops import Igamma
from ..ops.shape import axis_of
from .conversions import as_tensor, index_arg, no_grad_result
from .inplace import recompute

if TYPE_CHECKING:
    from . import Tensor


class Histogram(NamedTuple):
    """What torch.histogram returns: (hist, bin_edges)."""

    hist: Tensor
    bin_edges: Tensor


def _shift_operands(who: str, x: Tensor, other: Any) -> tuple[np.ndarray, Any]:
    """x's array and other's (an int tensor or a Python int, which keeps x's dtype; a bool x
    with a Python int is int64), cast to their common integer dtype; float refused, and two
    bools (torch's lshift/rshift are not implemented for them)."""
    b = other.data if isinstance(other, tensor.Tensor) else other
    for v in (x.data, b):
        if type(v) is float or np.asarray(v).dtype.kind not in "iub":
            raise TypeError(f"{who}: expects integer tensors, got dtype {np.asarray(v).dtype} "
                            "(torch's shifts refuse float and bool)")
    a = x.data.astype(np.int64) if x.data.dtype == bool and type(b) is int else x.data
    if type(b) is int:
        try:
            b = np.asarray(b, a.dtype)
        except OverflowError:
            raise OverflowError(f"{who}: {b} is out of the range of this tensor's dtype "
                                f"{a.dtype} (torch wraps it around)") from None
    dt = np.result_type(a, np.asarray(b))
    if dt.kind not in "iu":
        raise TypeError(f"{who}: expects integer tensors, got dtype {dt} (torch's shifts "
                        "refuse float and bool)")
    return np.asarray(a, dt), np.asarray(b, dt)


def _shifted(a: np.ndarray, b: np.ndarray, left: bool) -> np.ndarray:
    """torch's shift rule on one integer dtype of n bits: a shift read as signed that is < 0
    or >= n gives 0 (left) or the sign fill (right: -1 for a negative signed value, else 0);
    a left shift wraps around (as C's on the unsigned bits)."""
    a, b = np.broadcast_arrays(a, b)
    n = a.dtype.itemsize * 8
    signed_b = b.view(np.dtype(f"i{a.dtype.itemsize}"))
    bad = (signed_b < 0) | (signed_b >= n)
    safe = np.where(bad, 0, b).astype(a.dtype)
    if left:
        u = np.dtype(f"u{a.dtype.itemsize}")
        out = np.left_shift(a.view(u), safe.view(u)).view(a.dtype)
        return np.where(bad, np.zeros((), a.dtype), out)
    fill = np.right_shift(a, n - 1) if a.dtype.kind == "i" else np.zeros((), a.dtype)
    return np.where(bad, fill, np.right_shift(a, safe))


def _shift(who: str, x: Tensor, other: Any, left: bool) -> Tensor:
    a, b = _shift_operands(who, x, other)
    return no_grad_result(np.asarray(_shifted(a, b, left)))


def _range_of(a: np.ndarray, range: Any, bins: int) -> tuple[float, float]:
    """torch.histogram's range: given, or the data's (empty: [0, 1]); equal ends are widened
    by 0.5 each side (torch's); refused where not finite or min > max."""
    if range is not None:
        if len(range) != 2:
            raise ValueError(f"histogram: range must be (min, max), got {range!r}")
        lo, hi = float(range[0]), float(range[1])
    elif a.size:
        lo, hi = float(np.min(a)), float(np.max(a))
    else:
        lo, hi = 0.0, 1.0
    if lo > hi:
        raise ValueError(f"histogram: min should not exceed max, but got min {lo:g} max {hi:g}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"histogram: the range [{lo:g}, {hi:g}] is not finite")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def torch_linspace(lo: float, hi: float, steps: int, dtype: Any) -> np.ndarray:
    """torch.linspace's values in dtype, bit for bit (so histogram edges, and the counts at
    them, are torch's): the step in dtype, the first half lo + step * i and the second
    hi - step * (steps - 1 - i), each with one rounding as torch's fused multiply-add (the
    product and sum in a wider float: float64 for float32, long double for float64)."""
    dt = np.dtype(dtype)
    t = dt.type
    wide = np.float64 if dt.itemsize < 8 else np.longdouble
    start, end = t(lo), t(hi)
    with np.errstate(over="ignore", invalid="ignore"):
        step = (end - start) / t(max(steps - 1, 1))
        i = np.arange(steps)
        up = wide(start) + wide(step) * i.astype(wide)
        down = wide(end) - wide(step) * (steps - 1 - i).astype(wide)
        return np.where(i < steps // 2, up, down).astype(dt)


class TorchNames3Methods:
    """x.H, angle, shifts, histogram, narrow_copy, unsafe splits, index_reduce, igamma and
    in-place forms (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    @property
    def H(self) -> Tensor:
        """torch's x.H: a matrix's conjugate transpose (x.T for a real one); a 0-d tensor is
        itself (deprecated there, a warning, as torch's); other ndims refused, as torch."""
        if self.ndim == 0:
            warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                          UserWarning, stacklevel=2)
            return self.reshape(())
        if self.ndim != 2:
            tip = (" For batches of matrices, consider using tensor.mH" if self.ndim > 2
                   else "")
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self.ndim}-D tensor.{tip}")
        return self.swapaxes(0, 1).conj()  # (complex: conjugated, as torch's and x.mH)

    def angle(self) -> Tensor:
        """torch.angle of a real tensor: pi where x < 0, else 0 (NaN stays NaN); an integer
        or bool x gives float32 (torch's default dtype). Gradient 0, as torch's."""
        x = self if self.dtype.kind == "f" else self.astype(np.float32)
        s = x.sign()  # (its gradient is 0: the path that gives x a zero gradient)
        return (s < 0).astype(x.dtype) * np.pi + s * 0

    # ---- shifts: integer tensors, no gradient -------------------------------------------------
    def bitwise_left_shift(self, other: Any) -> Tensor:
        """torch.bitwise_left_shift: x << other, wrapping in x's dtype; a shift < 0 or of the
        dtype's bits or more gives 0 (torch's)."""
        return _shift("bitwise_left_shift", self, other, left=True)

    def bitwise_right_shift(self, other: Any) -> Tensor:
        """torch.bitwise_right_shift: x >> other (arithmetic for signed dtypes); a shift < 0
        or of the dtype's bits or more gives the sign fill, -1 or 0 (torch's)."""
        return _shift("bitwise_right_shift", self, other, left=False)

    def __lshift__(self, other: Any) -> Tensor: return self.bitwise_left_shift(other)
    def __rshift__(self, other: Any) -> Tensor: return self.bitwise_right_shift(other)

    def __rlshift__(self, other: Any) -> Tensor:
        return as_tensor(other, self).bitwise_left_shift(self)

    def __rrshift__(self, other: Any) -> Tensor:
        return as_tensor(other, self).bitwise_right_shift(self)

    def __ilshift__(self, other: Any) -> Tensor: return self.bitwise_left_shift_(other)
    def __irshift__(self, other: Any) -> Tensor: return self.bitwise_right_shift_(other)
    # //= in place, as torch's (Python rebound x to x // y otherwise: torch_extra_names' **=)
    def __ifloordiv__(self, other: Any) -> Tensor: return self.floor_divide_(other)  # type: ignore[attr-defined]

    # ---- histogram --------------------------------------------------------------------------
    def histogram(self, bins: Any = 100, *, range: Any = None, weight: Any = None,  # noqa: A002
                  density: bool = False) -> Histogram:
        """torch.histogram: (hist, bin_edges) of a float tensor, `bins` equal bins over range
        (default: the data's) or the given increasing edges (a 1-D tensor); the last bin holds
        its right edge; values outside and NaN are left out. weight: one weight a value;
        density: hist / (total * bin width). Constants (no gradient), in x's dtype."""
        a = self.data
        if a.dtype.kind != "f":
            raise TypeError(f"histogram: expects a float tensor, got dtype {a.dtype} (torch's "
                            "histogram refuses integers too)")
        if isinstance(bins, tensor.Tensor) or isinstance(bins, (list, tuple, np.ndarray)):
            if range is not None:
                raise TypeError("histogram: range= goes with a number of bins, not with edges")
            edges = np.asarray(bins.data if isinstance(bins, tensor.Tensor) else bins, a.dtype)
            if edges.ndim != 1 or edges.size < 2:  # (one edge is 0 bins: torch refuses)
                raise ValueError(f"histogram: bins must be a 1-D tensor of 2 or more edges, "
                                 f"got shape {edges.shape}")
            if np.any(np.diff(edges) < 0):
                raise ValueError("histogram: the bin edges must increase")
        else:
            if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
                raise ValueError(f"histogram: bins must be a positive int, got {bins!r}")
            lo, hi = _range_of(a, range, int(bins))
            edges = torch_linspace(lo, hi, int(bins) + 1, a.dtype)
        w = None
        if weight is not None:
            w = np.asarray(weight.data if isinstance(weight, tensor.Tensor) else weight)
            if w.shape != a.shape or w.dtype != a.dtype:
                raise ValueError(f"histogram: weight must have the input's shape {a.shape} and "
                                 f"dtype {a.dtype}, got {w.shape} {w.dtype}")
            w = w.reshape(-1)
        v = a.reshape(-1)
        nb = edges.size - 1
        with np.errstate(invalid="ignore"):
            inside = (v >= edges[0]) & (v <= edges[-1]) if nb else np.zeros(v.shape, bool)
        pos = np.minimum(np.searchsorted(edges, v[inside], side="right") - 1, nb - 1)
        hist = np.bincount(pos, None if w is None else w[inside], minlength=nb)[:nb]
        hist = hist.astype(a.dtype)
        if density:
            with np.errstate(invalid="ignore", divide="ignore"):
                hist = hist / (hist.sum() * np.diff(edges))
        return Histogram(no_grad_result(hist.astype(a.dtype)), no_grad_result(edges))

    # ---- copies and the unsafe_ spellings -----------------------------------------------------
    def narrow_copy(self, dim: int, start: Any, length: Any) -> Tensor:
        """torch's narrow_copy: x.narrow(dim, start, length) as a new tensor."""
        return self.narrow(dim, start, length).clone()

    def unsafe_chunk(self, chunks: int, dim: int = 0) -> list[Tensor]:
        """torch's unsafe_chunk: x.chunk (the pieces are not views here: safe anyway)."""
        return list(self.chunk(chunks, dim))

    def unsafe_split(self, split_size: Any, dim: int = 0) -> list[Tensor]:
        """torch's unsafe_split: x.split(split_size, dim)."""
        return list(self.split(split_size, dim))

    def unsafe_split_with_sizes(self, split_sizes: Any, dim: int = 0) -> list[Tensor]:
        """torch's unsafe_split_with_sizes: x.split_with_sizes(split_sizes, dim)."""
        return list(self.split_with_sizes(split_sizes, dim))

    # ---- index_reduce -----------------------------------------------------------------------
    def index_reduce(self, dim: int, index: Any, source: Any, reduce: str, *,
                     include_self: bool = True) -> Tensor:
        """torch's index_reduce (reduce: prod, mean, amax, amin): the slices of x at `index`
        along dim reduced with source's slices (and x's own unless include_self=False), as
        scatter_reduce with the index spread over source's shape; its gradients."""
        if reduce not in ("prod", "mean", "amax", "amin"):
            raise ValueError(f"index_reduce: reduce must be one of prod, mean, amax, amin, got "
                             f"{reduce!r}")
        src = as_tensor(source, self)
        idx = np.asarray(index_arg(index))
        if idx.ndim > 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise IndexError(f"index_reduce: index must be a 1-D integer tensor, got shape "
                             f"{idx.shape}, dtype {idx.dtype}")
        if self.ndim == 0:
            return self.reshape(1).index_reduce(0, idx.reshape(-1), src.reshape(-1), reduce,
                                                include_self=include_self).reshape(())
        axis = axis_of("index_reduce", dim, self.ndim)
        idx = idx.reshape(-1)
        if src.ndim != self.ndim or src.shape[axis] != idx.size or any(
                s != t for i, (s, t) in enumerate(zip(src.shape, self.shape)) if i != axis):
            raise ValueError(f"index_reduce: source of shape {src.shape} does not fit the input "
                             f"{self.shape} with {idx.size} indices along dim {dim}")
        if idx.size and (idx.min() < -self.shape[axis] or idx.max() >= self.shape[axis]):
            raise IndexError(f"index_reduce: index out of range for dim {dim} of size "
                             f"{self.shape[axis]}")
        idx = np.where(idx < 0, idx + self.shape[axis], idx).astype(np.int64)
        shape = [1] * self.ndim
        shape[axis] = idx.size
        spread = np.broadcast_to(idx.reshape(shape), src.shape)
        return self.scatter_reduce(axis, spread, src, reduce, include_self)

    def index_reduce_(self, dim: int, index: Any, source: Any, reduce: str, *,
                      include_self: bool = True) -> Tensor:
        return recompute(self, "index_reduce", dim, index, source, reduce,
                         include_self=include_self, operand=source)

    # ---- the regularized incomplete gamma functions -------------------------------------------
    def igamma(self, other: Any) -> Tensor:
        """torch.igamma(a, x): the regularized lower incomplete gamma P(a, x) (a = this
        tensor); a gradient to x only (torch has none for a: asking for it is refused)."""
        return _igamma(self, other, upper=False)

    def igammac(self, other: Any) -> Tensor:
        """torch.igammac(a, x): the regularized upper incomplete gamma Q(a, x) = 1 - P."""
        return _igamma(self, other, upper=True)


def _igamma(a: Tensor, other: Any, upper: bool) -> Tensor:
    who = "igammac" if upper else "igamma"
    x = as_tensor(other, a)
    if a.dtype.kind != "f" or x.dtype.kind != "f":
        raise TypeError(f"{who}: expects float tensors, got dtypes {a.dtype} and {x.dtype} "
                        "(torch's is not implemented for integers)")
    dt = np.result_type(a.data, x.data)
    shape = np.broadcast_shapes(a.shape, x.shape)
    return Igamma.apply(a.astype(dt).broadcast_to(shape), x.astype(dt).broadcast_to(shape),
                        upper=upper)


def _inplace_form(method: str) -> Any:
    """x.<method>_(*args): x.<method>(*args)'s values written into x (inplace.py's rules; an
    operand that requires grad is refused while grad mode is on)."""
    def form(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, tensor.Tensor)]
        operand = next((a for a in tensors if a.requires_grad), tensors[0] if tensors else None)
        return recompute(self, method, *args, operand=operand, **kwargs)

    form.__name__ = form.__qualname__ = f"{method}_"
    form.__doc__ = f"x = x.{method}(...), in place (torch's {method}_)."
    return form


# the in-place forms generated (each method's own arguments)
INPLACE_FORMS3 = (
    "sinc", "lgamma", "digamma", "erfinv", "i0", "polygamma", "mvlgamma", "arccosh",
    "arcsinh", "arctanh", "addbmm", "addmv", "addr", "baddbmm", "floor_divide", "renorm",
    "bitwise_left_shift", "bitwise_right_shift", "igamma", "igammac",
)
for _m in INPLACE_FORMS3:
    setattr(TorchNames3Methods, f"{_m}_", _inplace_form(_m))
