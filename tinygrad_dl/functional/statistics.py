"""PyTorch's torch.var_mean and torch.std_mean ((var, mean) and (std, mean) in one call, with
torch's correction rules: Tensor.var's and Tensor.std's), cov, corrcoef and trapezoid."""

from __future__ import annotations

from typing import Any

from ..ops.shape import axis_of
from ..ops.spelling import NOT_GIVEN
from ..tensor import Tensor
from .methods import as_tensor_of


def _spread_mean(who: str, input: Any, dim: Any, unbiased: Any, keepdim: bool,
                 correction: Any) -> tuple[Tensor, Tensor]:
    x = as_tensor_of(input)
    if isinstance(dim, bool):  # torch's older var_mean(x, unbiased): a bool second argument
        if unbiased is not None:
            raise TypeError(f"{who}: unbiased given twice (positionally and by keyword)")
        dim, unbiased = NOT_GIVEN, dim
    dim = tuple(dim) if isinstance(dim, list) else dim
    dim = NOT_GIVEN if dim == () else dim  # (torch's dim=() or []: every dim, as var's)
    try:  # (the error names this function, not only the Var or Std op inside it)
        spread = getattr(x, who[:3])(dim=None if dim is NOT_GIVEN else dim, keepdim=keepdim,
                                     correction=correction, unbiased=unbiased)
    except (ValueError, TypeError) as e:
        raise type(e)(f"{who}: {e}") from None
    return spread, x.mean(axis=None if dim is NOT_GIVEN else dim, keepdims=keepdim)


def var_mean(input: Any, dim: Any = NOT_GIVEN, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: Any = None) -> tuple[Tensor, Tensor]:
    """torch.var_mean: (x.var(dim, ...), x.mean(dim)), torch's defaults (correction=1; a
    bool second argument is the older `unbiased`)."""
    return _spread_mean("var_mean", input, dim, unbiased, keepdim, correction)


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


def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """torch.trapezoid: the trapezoid rule along dim, at sample points x (a tensor) or spacing
    dx (a number, default 1)."""
    y = as_tensor_of(y)
    if x is not None and dx is not None:
        raise TypeError("trapezoid: give x or dx, not both")
    if y.ndim == 0:
        raise ValueError("trapezoid: expects at least 1 dim, got a 0-d tensor")
    axis = axis_of("trapezoid", dim, y.ndim)
    n = y.shape[axis]
    xs = None if x is None else as_tensor_of(x)
    if xs is not None and xs.ndim == 0:
        raise TypeError(f"trapezoid: x must be a tensor of sample points, got {x!r} (a "
                        "spacing goes in dx=)")
    if n == 0:
        return y.sum(axis=dim) * 0.0
    lo, hi = y.narrow(dim, 0, n - 1), y.narrow(dim, 1, n - 1)
    if xs is None:
        return (lo + hi).sum(axis=dim) * (0.5 * (1.0 if dx is None else float(dx)))
    if xs.ndim == 1 and xs.shape[0] != n:
        raise ValueError(f"trapezoid: x has {xs.shape[0]} sample points, y has {n} along dim "
                         f"{dim} (shape {y.shape})")
    spacing = xs[1:] - xs[:-1] if xs.ndim == 1 else xs.narrow(dim, 1, n - 1) - xs.narrow(
        dim, 0, n - 1)
    if xs.ndim == 1:  # along y's axis: one trailing 1 for each axis after it
        spacing = spacing.reshape((-1,) + (1,) * (y.ndim - axis - 1))
    return ((lo + hi) * spacing).sum(axis=dim) * 0.5
