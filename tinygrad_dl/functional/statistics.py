"""PyTorch's torch.var_mean and torch.std_mean ((var, mean) and (std, mean) in one call, with
torch's correction rules: Tensor.var's and Tensor.std's), cov, corrcoef and trapezoid."""

from __future__ import annotations

from typing import Any

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
    """torch.cov: the covariance matrix of the variables in the rows of input (observations in
    the columns; a 1-D input is one variable), divided by N - correction."""
    if fweights is not None or aweights is not None:
        raise ValueError("cov: fweights and aweights are not supported")
    x = as_tensor_of(input)
    if x.ndim > 2:
        raise ValueError(f"cov: expects a 1-D or 2-D input, got shape {x.shape}")
    x = x.reshape(1, -1) if x.ndim < 2 else x
    centered = x - x.mean(axis=1, keepdims=True)
    c = centered @ centered.T / (x.shape[1] - correction)
    return c.reshape(()) if as_tensor_of(input).ndim < 2 else c


def corrcoef(input: Any) -> Tensor:
    """torch.corrcoef: Pearson's correlation coefficients of the rows, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal().sqrt()
    return (c / d.reshape(-1, 1) / d.reshape(1, -1)).clip(-1.0, 1.0)


def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """torch.trapezoid: the trapezoid rule along dim, at sample points x (a tensor) or spacing
    dx (a number, default 1)."""
    y = as_tensor_of(y)
    if x is not None and dx is not None:
        raise TypeError("trapezoid: give x or dx, not both")
    n = y.shape[dim] if y.ndim else 0
    if y.ndim == 0:
        raise ValueError("trapezoid: expects at least 1 dim, got a 0-d tensor")
    if n == 0:
        return y.sum(axis=dim) * 0.0
    lo, hi = y.narrow(dim, 0, n - 1), y.narrow(dim, 1, n - 1)
    if x is None:
        return (lo + hi).sum(axis=dim) * (0.5 * (1.0 if dx is None else float(dx)))
    xs = as_tensor_of(x)
    spacing = xs[1:] - xs[:-1] if xs.ndim == 1 else xs.narrow(dim, 1, n - 1) - xs.narrow(
        dim, 0, n - 1)
    if xs.ndim == 1:
        spacing = spacing.reshape((-1,) + (1,) * (-dim % y.ndim - 1 if dim < 0 else
                                                  y.ndim - dim - 1))
    return ((lo + hi) * spacing).sum(axis=dim) * 0.5
