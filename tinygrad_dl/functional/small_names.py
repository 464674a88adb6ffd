"""PyTorch's small top-level names that raised AttributeError (compared with torch 2.13):
logspace, vander, combinations, the windows (hann, hamming, blackman, bartlett, kaiser;
periodic=True by default, as torch's), gradient, cumulative_trapezoid, chain_matmul,
scalar_tensor, randint_like, real and imag, and the questions is_nonzero, typename and
is_inference_mode_enabled. Each composes existing ops; the constructors are leaves in the
default dtype (float64 here, torch's float32)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ..grad_mode import is_inference_mode_enabled  # noqa: F401 (tg.<name>, __all__)
from ..ops import I0
from ..ops.shape import axis_of
from ..random import exact_range, integers
from ..tensor import Tensor, np_dtype
from ..tensor.conversions import int_arg
from .constructors import rng_of
from .joins import concatenate
from .linalg import matrix_chain
from .methods import as_tensor_of

__all__ = ["imag", "is_inference_mode_enabled", "is_nonzero", "typename"]  # (not ops)


def _length(who: str, n: Any, what: str = "window_length") -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{who}: {what} must be an int, got {n!r}")
    if n < 0:
        raise RuntimeError(f"{who} requires non-negative {what}, got {what}={n}")
    return int(n)


def _float_dtype(who: str, dtype: Any) -> np.dtype:
    dt = np.dtype(np.float64 if dtype is None else np_dtype(dtype, who))
    if dt.kind != "f":
        raise TypeError(f"{who}: expects a floating point dtype, got {dt}")
    return dt


def _leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=bool(requires_grad))


# ---- constructors -----------------------------------------------------------------------------
def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.logspace: base ** linspace(start, end, steps); an integer dtype truncates, as
    torch's."""
    del device
    steps = _length("logspace", steps, "steps")
    ends = [float(v.item() if isinstance(v, Tensor) else v) for v in (start, end)]
    dt = np.dtype(np.float64 if dtype is None else np_dtype(dtype, "logspace"))
    with np.errstate(all="ignore"):  # (torch's inf and NaN for base 0 or below, quietly)
        values = np.power(float(base), np.linspace(ends[0], ends[1], steps))
    return _leaf(values.astype(dt), requires_grad)


def _cosine_window(who: str, n: int, periodic: bool, coefficients: tuple[float, ...],
                   dtype: Any, requires_grad: bool) -> Tensor:
    """sum_k (-1)^k a_k cos(2 pi k i / (N - 1)), N = n + 1 for a periodic window (its last
    value dropped), as torch's hann/hamming/blackman windows."""
    n, dt = _length(who, n), _float_dtype(who, dtype)
    if n <= 1:
        return _leaf(np.ones(n, dt), requires_grad)
    m = n + 1 if periodic else n
    phase = np.arange(m) * (2 * math.pi / (m - 1))
    w = sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))
    return _leaf(np.asarray(w[:n], dtype=dt), requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.hann_window: 0.5 - 0.5 cos(2 pi i / (N - 1)); periodic (the default) uses
    N = window_length + 1, as torch's (NumPy's np.hanning is the symmetric one)."""
    del device
    return _cosine_window("hann_window", window_length, periodic, (0.5, 0.5), dtype,
                          requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, requires_grad: bool = False,
                   device: Any = None) -> Tensor:
    """torch.hamming_window: alpha - beta cos(2 pi i / (N - 1)) (periodic by default)."""
    del device
    return _cosine_window("hamming_window", window_length, periodic,
                          (float(alpha), float(beta)), dtype, requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.blackman_window: 0.42 - 0.5 cos(2 pi i / (N - 1)) + 0.08 cos(4 pi i / (N - 1))."""
    del device
    return _cosine_window("blackman_window", window_length, periodic, (0.42, 0.5, 0.08), dtype,
                          requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.bartlett_window: the triangle 1 - |2 i / (N - 1) - 1| (periodic by default)."""
    del device
    n, dt = _length("bartlett_window", window_length), _float_dtype("bartlett_window", dtype)
    if n <= 1:
        return _leaf(np.ones(n, dt), requires_grad)
    m = n + 1 if periodic else n
    w = np.arange(m) * (2.0 / (m - 1))
    half = (m - 1) // 2 + 1
    w[half:] = 2.0 - w[half:]  # (torch's two halves)
    return _leaf(w[:n].astype(dt), requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.kaiser_window: I0(beta sqrt(1 - ((i - a) / a)^2)) / I0(beta), a = (N - 1) / 2
    (periodic by default)."""
    del device
    n, dt = _length("kaiser_window", window_length), _float_dtype("kaiser_window", dtype)
    if n <= 1:
        return _leaf(np.ones(n, dt), requires_grad)
    m = n + 1 if periodic else n
    a = (m - 1) / 2.0
    r = (np.arange(m) - a) / a
    arg = float(beta) * np.sqrt(np.maximum(1 - r * r, 0.0))
    i0 = I0.apply(Tensor(np.append(arg, float(beta)))).data  # (Cephes' I0, as torch's)
    return _leaf((i0[:-1] / i0[-1])[:n].astype(dt), requires_grad)


def scalar_tensor(s: Any, *, dtype: Any = None, requires_grad: bool = False,
                  device: Any = None) -> Tensor:
    """torch.scalar_tensor(s): a 0-d tensor holding the number s, float64 by default (torch's
    default dtype is float32) whatever the number's type."""
    del device
    if isinstance(s, Tensor):
        s = s.item()
    if not isinstance(s, (int, float, np.integer, np.floating, np.bool_)):
        raise TypeError(f"scalar_tensor: s must be a real number, got {type(s).__name__}")
    dt = np.dtype(np.float64 if dtype is None else np_dtype(dtype, "scalar_tensor"))
    return _leaf(np.asarray(s).astype(dt), requires_grad)


def randint_like(input: Any, low: int = 0, high: Any = None, *, dtype: Any = None,
                 generator: Any = None, requires_grad: bool = False,
                 device: Any = None) -> Tensor:
    """torch.randint_like(x, high) / (x, low, high): integers on [low, high) of x's shape,
    in x's dtype (a float tensor holds whole numbers)."""
    del device
    x = as_tensor_of(input)
    if high is None:
        low, high = 0, low
    # ints only, as torch: a float bound (5.5) was drawn below its floor without a word
    low, high = int_arg("randint_like", "low", low), int_arg("randint_like", "high", high)
    dt = np.dtype(x.data.dtype if dtype is None else np_dtype(dtype, "randint_like"))
    g = rng_of(None, generator, "randint_like")
    # both ends, within 2^(m+1) (2 ** m + 1 refused float32's [0, 2^23 + 3), and a low below
    # -2^24 was drawn and rounded without a word)
    bottom, top = exact_range(dt)
    if dt.kind == "f" and low < high and not (bottom <= low and high - 1 <= top):
        raise ValueError(f"randint_like: [{low}, {high}) is beyond the whole numbers {dt} "
                         f"holds exactly ([{bottom}, {top}])")
    draws = integers(low, high, x.shape, np.int64 if dt.kind == "f" else dt, g, "randint_like")
    return _leaf(draws.astype(dt), requires_grad)


# ---- ops (compositions: their gradients are the ops') -----------------------------------------
def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:
    """torch.vander: the columns x^(N-1), ..., x, 1 (increasing=True: 1, x, ..., x^(N-1)) of
    a 1-D x, N = len(x) by default; built by running products (torch's), integers as int64."""
    x = as_tensor_of(x)
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape {x.shape}")
    n = x.shape[0] if N is None else N
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"vander: N must be an int, got {N!r}")
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {n}")
    if x.data.dtype.kind in "biu":
        x = x.to(np.int64)
    ones = Tensor(np.ones((x.shape[0], min(n, 1)), x.data.dtype))
    if n <= 1:
        out = ones
    else:
        powers = x.reshape(-1, 1).expand(x.shape[0], n - 1).cumprod(1)
        out = concatenate([ones, powers], 1)
    return out if increasing else out.flip(1)


def combinations(input: Any, r: int = 2, with_replacement: bool = False) -> Tensor:
    """torch.combinations: the r-element combinations of a 1-D tensor's entries, as rows, in
    itertools' order (r = 0: an empty tensor)."""
    x = as_tensor_of(input)
    if x.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {list(x.shape)}")
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
        raise TypeError(f"combinations: r must be an int, got {r!r}")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return x[:0]
    make = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(make(range(x.shape[0]), int(r))), dtype=np.int64).reshape(-1, int(r))
    return x[idx]


def chain_matmul(*matrices: Any) -> Tensor:
    """torch.chain_matmul (deprecated for linalg.multi_dot): the product of 2-D tensors, left
    to right; one matrix is itself."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    ts = [as_tensor_of(m) for m in matrices]
    out = matrix_chain("chain_matmul", ts, ts, RuntimeError)
    return out if len(ts) > 1 else out * 1


def cumulative_trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """torch.cumulative_trapezoid: the running trapezoid rule along dim (one value fewer than
    y), at sample points x or spacing dx (default 1)."""
    y = as_tensor_of(y)
    if x is not None and dx is not None:
        raise TypeError("cumulative_trapezoid: give x or dx, not both")
    if y.ndim == 0:
        raise IndexError("cumulative_trapezoid: expects at least 1 dim, got a 0-d tensor")
    if y.data.dtype.kind in "biu":
        y = y.to(np.float64)
    axis = axis_of("cumulative_trapezoid", dim, y.ndim)
    n = y.shape[axis]
    if n <= 1:
        return y.narrow(axis, 0, 0) * 1.0
    pair = y.narrow(axis, 0, n - 1) + y.narrow(axis, 1, n - 1)
    if x is None:
        return (pair * (1.0 if dx is None else float(dx))).cumsum(axis) * 0.5
    xs = as_tensor_of(x)
    if xs.ndim == 1:
        if xs.shape[0] != n:
            raise RuntimeError(f"cumulative_trapezoid: There must be one `x` value for each "
                               f"sample point (x has {xs.shape[0]}, y {n} along dim {dim})")
        xs = xs.reshape((-1,) + (1,) * (y.ndim - axis - 1))
        step = xs[1:] - xs[:-1]
    else:
        xa = axis_of("cumulative_trapezoid", dim, xs.ndim)
        if xs.shape[xa] != n:
            raise RuntimeError(f"cumulative_trapezoid: There must be one `x` value for each "
                               f"sample point (x of shape {xs.shape}, y of shape {y.shape})")
        step = xs.narrow(xa, 1, n - 1) - xs.narrow(xa, 0, n - 1)
    return (pair * step).cumsum(axis) * 0.5


def _spacings(y: Tensor, spacing: Any, dims: list[int], given: bool) -> list[Any]:
    """One spacing per dim: a number, or a 1-D tensor of coordinates (torch's rules)."""
    if isinstance(spacing, (list, tuple)):
        items = list(spacing)
        if len(items) != len(dims):
            where = "len(dim)" if given else f"'self.dim() = {y.ndim}'"
            raise RuntimeError(f"gradient: expected spacing to be unspecified, a scalar, or a "
                               f"list of length equal to {where}, but got a list of length "
                               f"{len(items)}")
    else:
        items = [spacing] * len(dims)
    out = []
    for s, d in zip(items, dims):
        if isinstance(s, Tensor) and (s.ndim or isinstance(spacing, (list, tuple))):
            if s.ndim != 1:
                raise RuntimeError(f"gradient: expected each element of spacing to have one "
                                   f"dimension, but got an element with {s.ndim} dimensions")
            if s.shape[0] != y.shape[d]:  # (torch reads past or short of them silently)
                raise RuntimeError(f"gradient: spacing coordinates for dim {d} hold "
                                   f"{s.shape[0]} values, the input {y.shape[d]} there")
            out.append(s if s.data.dtype.kind == "f" else s.to(np.float64))
            continue
        v = s.item() if isinstance(s, Tensor) else s
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer,
                                                                  np.floating)):
            raise TypeError(f"gradient: spacing must be numbers or 1-D tensors, got {s!r}")
        out.append(float(v))
    return out


def gradient(input: Any, *, spacing: Any = 1, dim: Any = None,
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """torch.gradient: estimates of the derivative along each dim (one tensor per dim), by
    central differences inside and one-sided ones of edge_order (1 or 2) at the ends, for a
    spacing that is a number or a tensor of coordinates per dim (torch's formulas;
    differentiable as the differences they are)."""
    y = as_tensor_of(input)
    if edge_order not in (1, 2) or isinstance(edge_order, bool):
        raise RuntimeError(f"gradient: only supports edge_order=1 and edge_order=2, got "
                           f"{edge_order!r}")
    if y.data.dtype.kind in "biu":
        y = y.to(np.float64)
    given = dim is not None
    dims = list(range(y.ndim)) if dim is None else [dim] if isinstance(
        dim, (int, np.integer)) and not isinstance(dim, bool) else list(dim)
    dims = [axis_of("gradient", d, y.ndim) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"gradient: dim {dims} names a dim twice")
    for d in dims:
        if y.shape[d] < edge_order + 1:
            raise RuntimeError(f"gradient: expected each dimension size to be at least "
                               f"edge_order+1 (dim {d} of shape {y.shape})")
    return tuple(_derivative(y, d, h, edge_order)
                 for d, h in zip(dims, _spacings(y, spacing, dims, given)))


def _derivative(y: Tensor, d: int, h: Any, edge_order: int) -> Tensor:
    def part(start: int, stop: int | None = None) -> Tensor:
        n = y.shape[d]
        lo = start % n if start < 0 else start
        hi = n if stop is None else stop % n if stop < 0 else stop
        return y.narrow(d, lo, hi - lo)

    if not isinstance(h, Tensor):  # a uniform spacing
        center = (part(2) - part(0, -2)) / h / 2
        if edge_order == 1:
            first, last = (part(1, 2) - part(0, 1)) / h, (part(-1) - part(-2, -1)) / h
        else:
            first = (-1.5 * part(0, 1) + 2 * part(1, 2) - 0.5 * part(2, 3)) / h
            last = (0.5 * part(-3, -2) - 2 * part(-2, -1) + 1.5 * part(-1)) / h
        return concatenate([first, center, last], d)
    shape = [1] * y.ndim
    shape[d] = -1
    dx = h[1:] - h[:-1]
    dx1, dx2 = dx[:-1], dx[1:]
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * part(0, -2) + b * part(1, -1) + c * part(2)
    if edge_order == 1:
        first, last = (part(1, 2) - part(0, 1)) / dx[0], (part(-1) - part(-2, -1)) / dx[-1]
    else:
        d0, d1, e1, e2 = dx[0], dx[1], dx[-1], dx[-2]
        first = (-(2.0 * d0 + d1) / (d0 * (d0 + d1)) * part(0, 1)
                 + (d0 + d1) / (d0 * d1) * part(1, 2) + (-d0) / (d1 * (d0 + d1)) * part(2, 3))
        last = (e1 / (e2 * (e1 + e2)) * part(-3, -2) - (e1 + e2) / (e1 * e2) * part(-2, -1)
                + (2 * e1 + e2) / (e1 * (e1 + e2)) * part(-1))
    return concatenate([first, center, last], d)


# ---- questions, and the complex parts of a real tensor ----------------------------------------
def real(input: Any) -> Tensor:
    """torch.real: a real tensor itself."""
    return as_tensor_of(input).real


def imag(input: Any) -> Tensor:
    """torch.imag: refused for a real tensor, as torch's."""
    return as_tensor_of(input).imag


def is_nonzero(input: Tensor) -> bool:
    """torch.is_nonzero: a one-element tensor's value is nonzero."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_nonzero: expects a Tensor, got {type(input).__name__}")
    return input.is_nonzero()


_TYPENAMES = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
              "int8": "CharTensor", "int16": "ShortTensor", "int32": "IntTensor",
              "int64": "LongTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def typename(obj: Any) -> str:
    """torch.typename: 'torch.DoubleTensor' and the like for a tensor (by its dtype), else the
    object's type's module and name (a builtin's name alone)."""
    if isinstance(obj, Tensor):
        name = _TYPENAMES.get(obj.data.dtype.name)
        if name is None:
            raise TypeError(f"typename: no torch type name for dtype {obj.data.dtype}")
        return f"torch.{name}"
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
