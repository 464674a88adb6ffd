"""PyTorch's torch.var_mean and torch.std_mean ((var, mean) and (std, mean) in one call, with
torch's correction rules: Tensor.var's and Tensor.std's), cov, corrcoef, trapezoid,
cumulative_trapezoid and gradient (torch.gradient: finite differences along each dim)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops.shape import axis_of
from ..ops.spelling import NOT_GIVEN, one_name
from ..tensor import Tensor
from .joins import concatenate
from .methods import as_tensor_of, number_arg


def _spread_mean(who: str, input: Any, dim: Any, unbiased: Any, keepdim: bool,
                 correction: Any) -> tuple[Tensor, Tensor]:
    x = as_tensor_of(input)
    if isinstance(dim, bool):  # torch's older var_mean(x, unbiased): a bool second argument
        if unbiased is not None:
            raise TypeError(f"{who}: unbiased given twice (positionally and by keyword)")
        dim, unbiased = NOT_GIVEN, dim
    dim = tuple(dim) if isinstance(dim, list) else dim
    # (torch's dim=() or []: every dim, as var's; `dim == ()` of a NumPy int raised)
    dim = NOT_GIVEN if isinstance(dim, tuple) and not dim else dim
    try:  # (the error names this function, not only the Var or Std op inside it)
        spread = getattr(x, who[:3])(dim=None if dim is NOT_GIVEN else dim, keepdim=keepdim,
                                     correction=correction, unbiased=unbiased)
    except (ValueError, TypeError) as e:
        raise type(e)(f"{who}: {e}") from None
    return spread, x.mean(axis=None if dim is NOT_GIVEN else dim, keepdims=keepdim)


def _bool_dim_keyword_refused(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` (var_mean, std_mean) refusing a bool `dim=` by keyword in one line, as torch's:
    only a bool second argument by position is the older `unbiased` (torch's overload), and
    `dim=True` computed over every dim as unbiased=True without a word."""

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if isinstance(kwargs.get("dim"), (bool, np.bool_)):
            raise TypeError(f"{fn.__name__}: dim must be an int or a tuple of ints, got "
                            f"{kwargs['dim']!r} (by position, a bool is the older unbiased: "
                            f"{fn.__name__}(x, True); write unbiased= or correction=)")
        return fn(*args, **kwargs)
    return checked


@_bool_dim_keyword_refused
def var_mean(input: Any, dim: Any = NOT_GIVEN, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: Any = None) -> tuple[Tensor, Tensor]:
    """torch.var_mean: (x.var(dim, ...), x.mean(dim)), torch's defaults (correction=1; a
    bool second argument is the older `unbiased`)."""
    return _spread_mean("var_mean", input, dim, unbiased, keepdim, correction)


@_bool_dim_keyword_refused
def std_mean(input: Any, dim: Any = NOT_GIVEN, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: Any = None) -> tuple[Tensor, Tensor]:
    """torch.std_mean: (x.std(dim, ...), x.mean(dim)), torch's defaults (correction=1)."""
    return _spread_mean("std_mean", input, dim, unbiased, keepdim, correction)


def cov(input: Any, *, correction: int = 1, fweights: Any = None,
        aweights: Any = None) -> Tensor:
    """torch.cov: `Tensor.cov` (the rows are the variables, the columns the observations;
    frequency and observation weights as torch's); one implementation for both spellings
    (this one refused the weights that the method takes)."""
    return as_tensor_of(input).cov(correction=correction, fweights=fweights, aweights=aweights)


def corrcoef(input: Any) -> Tensor:
    """torch.corrcoef: `Tensor.corrcoef`, Pearson's correlation coefficients of the rows,
    clipped to [-1, 1]."""
    return as_tensor_of(input).corrcoef()


def _refuse_bool(who: str, *ts: Any) -> None:
    if any(t is not None and t.data.dtype == np.bool_ for t in ts):
        raise RuntimeError(f"{who}: received a bool input for `x` or `y`, but bool is not "
                           "supported; cast it first (y.to(np.float64))")


def _sample_steps(who: str, y: Tensor, x: Any, axis: int) -> Tensor:
    """torch's (and NumPy's) dx for sample points x along y's axis: a 1-D x lies along that
    axis; another x gets leading 1s up to y's dims and is differenced along the axis, the
    difference broadcast against y's (so a size-1 x there means dx = 0)."""
    xs = as_tensor_of(x)
    if xs.ndim == 0:
        raise TypeError(f"{who}: x must be a tensor of sample points, got {x!r} (a spacing "
                        "goes in dx=)")
    _refuse_bool(who, xs)
    if xs.data.dtype.kind in "iu" and y.data.dtype.kind in "fc":  # torch's: y's dtype
        xs = xs.to(y.data.real.dtype)
    if xs.ndim == 1:
        n, m = xs.shape[0], y.shape[axis]
        if n != m and who == "trapezoid":
            raise ValueError(f"trapezoid: x has {n} sample points, y has {m} along dim {axis} "
                             f"(shape {y.shape})")
        if n != m:  # (torch's words)
            raise RuntimeError(f"{who}: There must be one `x` value for each sample point (x "
                               f"has {n}, y {m} along dim {axis} of shape {y.shape})")
        xs = xs.reshape(tuple(-1 if i == axis else 1 for i in range(y.ndim)))
    elif xs.ndim < y.ndim:
        xs = xs.reshape((1,) * (y.ndim - xs.ndim) + xs.shape)
    step = _ends_sum(xs, axis, -1)
    pairs = y.shape[:axis] + (max(y.shape[axis] - 1, 0),) + y.shape[axis + 1:]
    try:  # (the product's error named Mul and neither argument)
        np.broadcast_shapes(pairs, step.shape)
    except ValueError:
        raise ValueError(f"{who}: x of shape {as_tensor_of(x).shape} does not broadcast against "
                         f"y of shape {y.shape} along dim {axis} (x's steps {step.shape}, y's "
                         f"pairs {pairs}); give x one value per sample point there") from None
    return step


def _dx_of(who: str, dx: Any) -> float:
    """dx= as a real number (None: 1), a 0-d tensor's value too (torch's); bool, complex, an
    array of values and a tensor that requires grad (its gradient was dropped without a word)
    refused in one line, as torch refuses them."""
    if dx is None:
        return 1.0
    if isinstance(dx, Tensor) and dx.requires_grad:
        raise TypeError(f"{who}: dx is a number, and a tensor that requires grad would lose its "
                        "gradient; pass sample points x = dx * arange(n) to differentiate the "
                        "spacing")
    if isinstance(dx, (Tensor, np.ndarray)) and dx.ndim == 0:
        dx = dx.item()
    return number_arg(who, "dx", dx)


def _ends_sum(t: Tensor, axis: int, sign: int) -> Tensor:
    """t[1:] + sign * t[:-1] along axis (slices: empty where the axis holds 0 or 1 entries)."""
    lead = (slice(None),) * axis
    hi, lo = t[lead + (slice(1, None),)], t[lead + (slice(None, -1),)]
    return hi + lo if sign > 0 else hi - lo


def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int | None = None,
              axis: int | None = None) -> Tensor:
    """torch.trapezoid / np.trapezoid: the trapezoid rule along dim (NumPy's axis=), at sample
    points x (a tensor, broadcast as torch's and NumPy's) or spacing dx (a number, default 1)."""
    y, dim = as_tensor_of(y), one_name("trapezoid", axis, "axis", dim, "dim", -1)
    if x is not None and dx is not None:
        raise TypeError("trapezoid: give x or dx, not both")
    spacing = _dx_of("trapezoid", dx)
    if y.ndim == 0:
        raise ValueError("trapezoid: expects at least 1 dim, got a 0-d tensor")
    axis = axis_of("trapezoid", dim, y.ndim)
    n = y.shape[axis]
    if n == 0:
        return y.sum(axis=axis) * 0.0
    _refuse_bool("trapezoid", y)
    step = None if x is None else _sample_steps("trapezoid", y, x, axis)
    pair = _ends_sum(y, axis, 1)
    if step is None:
        return pair.sum(axis=axis) * (0.5 * spacing)
    return (pair * step).sum(axis=axis) * 0.5


def cumulative_trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int | None = None,
                         axis: int | None = None) -> Tensor:
    """torch.cumulative_trapezoid (SciPy's without initial=, axis= its name of dim): the running
    trapezoid rule along dim (one value fewer than y), at sample points x (broadcast as in
    trapezoid) or spacing dx (default 1)."""
    y, dim = as_tensor_of(y), one_name("cumulative_trapezoid", axis, "axis", dim, "dim", -1)
    if x is not None and dx is not None:
        raise TypeError("cumulative_trapezoid: give x or dx, not both")
    spacing = _dx_of("cumulative_trapezoid", dx)
    if y.ndim == 0:
        raise IndexError("cumulative_trapezoid: expects at least 1 dim, got a 0-d tensor")
    _refuse_bool("cumulative_trapezoid", y)
    if y.data.dtype.kind in "biu":
        y = y.to(np.float64)
    axis = axis_of("cumulative_trapezoid", dim, y.ndim)
    step = None if x is None else _sample_steps("cumulative_trapezoid", y, x, axis)
    pair = _ends_sum(y, axis, 1)
    if step is None:
        return (pair * spacing).cumsum(axis) * 0.5
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
        if isinstance(s, Tensor) and s.requires_grad:  # (.item() dropped its gradient)
            raise TypeError("gradient: a 0-d spacing tensor that requires grad would lose its "
                            "gradient (it is read as a number); pass coordinates, a 1-D tensor "
                            "per dim, to differentiate the spacing")
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
