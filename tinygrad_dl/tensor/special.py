"""The special functions as Tensor methods (torch.special's, x.lgamma(), ...)."""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING

from ..ops import I0, Digamma, Erfinv, Lgamma, Polygamma

if TYPE_CHECKING:
    from . import Tensor


def int_order(n: object, op: str, name: str, least: int) -> int:
    """n as an int >= least (a bool or a float is refused, as PyTorch does), in one line."""
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise TypeError(f"{op}: {name} must be an int, got {type(n).__name__}")
    n = operator.index(n)
    if n < least:
        raise ValueError(f"{op}: {name} must be >= {least}, got {n}")
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
        """x.polygamma(n): the n-th derivative of digamma (n >= 0; torch.polygamma(n, x))."""
        return Polygamma.apply(self, n=int_order(n, "polygamma", "n", 0))

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
        out = Lgamma.apply(self)
        for i in range(1, p):
            out = out + Lgamma.apply(self - i / 2)
        return out + p * (p - 1) / 4 * math.log(math.pi)
