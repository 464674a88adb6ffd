"""The special functions as Tensor methods (torch.special's, x.lgamma(), digamma,
polygamma, erfinv, i0, mvlgamma, igamma/igammac, ...)."""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine import literal
from ..ops import I0, Digamma, Erfinv, Igamma, Lgamma, Polygamma
from ..ops.special_math import POLYGAMMA_MAX_N
from .conversions import as_tensor

if TYPE_CHECKING:
    from . import Tensor


def int_order(n: object, op: str, name: str, least: int, most: int | None = None,
              why: str = "") -> int:
    """n as an int in [least, most] (a bool or a float is refused, as PyTorch does; a float
    tensor too, as when tg.polygamma(x, n) swaps its arguments), in one line."""
    try:
        if isinstance(n, bool):
            raise TypeError
        n = operator.index(n)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {type(n).__name__}") from None
    if n < least:
        raise ValueError(f"{op}: {name} must be >= {least}, got {n}")
    if most is not None and n > most:
        raise ValueError(f"{op}: {name} must be <= {most}{why}, got {n}")
    return n


class SpecialMethods:
    """lgamma, digamma, polygamma, erfinv, i0 and mvlgamma (a base of Tensor; x.sinc() is in
    elementwise.py)."""

    __slots__ = ()

    def lgamma(self) -> Tensor:
        """log|Gamma(x)|: inf at 0, -1, -2, ... (gradient digamma)."""
        return Lgamma.apply(self)

    def digamma(self) -> Tensor:
        """psi(x) = lgamma'(x): -inf at +0, +inf at -0, NaN at -1, -2, ... (gradient
        polygamma(1, x))."""
        return Digamma.apply(self)

    def polygamma(self, n: int) -> Tensor:
        """x.polygamma(n): the n-th derivative of digamma (0 <= n <= 170: n! overflows float64
        beyond, where PyTorch's values are inf or NaN; torch.polygamma(n, x))."""
        n = int_order(n, "polygamma", "n", 0, POLYGAMMA_MAX_N, " (n! overflows float64 beyond)")
        return Polygamma.apply(self, n=n)

    def erfinv(self) -> Tensor:
        """The inverse of erf on (-1, 1): +-inf at +-1, NaN outside."""
        return Erfinv.apply(self)

    def i0(self) -> Tensor:
        """I0(x), the modified Bessel function of the first kind of order 0."""
        return I0.apply(self)

    def mvlgamma(self, p: int) -> Tensor:
        """The multivariate log-gamma of dimension p >= 1: sum_i lgamma(x - i/2) over
        i < p, plus p(p-1)/4 log(pi). Like PyTorch 2.13, values at or below (p-1)/2 are
        computed, not refused."""
        p = int_order(p, "mvlgamma", "p", 1)
        if self.dtype.kind == "b":
            raise TypeError("mvlgamma: the input may not be a bool tensor (as torch's); cast it "
                            "first (x.double())")
        # one lgamma over a new last axis of the p shifts (as PyTorch), not p ops on the graph:
        # p = 10**6 is seconds, not a loop of a million nodes; the shifts in x's float dtype, a
        # literal (from p alone: a jitted step replays)
        dt = np.dtype(self.dtype if np.dtype(self.dtype).kind == "f" else np.float64)
        shifts = literal(np.arange(p, dtype=dt) / dt.type(2))
        out = Lgamma.apply(self.unsqueeze(-1) - shifts).sum(-1)
        return out + p * (p - 1) / 4 * math.log(math.pi)

    # ---- the regularized incomplete gamma functions ------------------------------------------
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
    dt = np.result_type(a.data, x.data)  # (an integer beside a float promotes, as torch's)
    if dt.kind != "f":
        raise TypeError(f"{who}: expects float tensors, got dtypes {a.dtype} and {x.dtype} "
                        "(torch's is not implemented for integers)")
    shape = np.broadcast_shapes(a.shape, x.shape)
    return Igamma.apply(a.astype(dt).broadcast_to(shape), x.astype(dt).broadcast_to(shape),
                        upper=upper)
