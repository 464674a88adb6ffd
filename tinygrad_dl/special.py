"""PyTorch's `torch.special` (`import tinygrad_dl as torch; torch.special.ndtr(x)`): the names
this library computes, each differentiable in its tensor arguments; torch.special's others
(the Bessel functions J/Y/K, the orthogonal polynomials, airy_ai, zeta, gammainc, ...) are
absent, not approximated.

The values come from tinygrad_dl/ops/special_math.py (NumPy, float64; float32 computed in
float64 and rounded once; integer inputs give float64, as NumPy does, where PyTorch gives
float32). Where this module and PyTorch differ on purpose, docs/pytorch.md says so.
"""

from __future__ import annotations

from typing import Any

from .ops import I1, Entr, Erfcx, I0e, I1e, LogNdtr, Ndtr, Ndtri, Xlog1py
from .ops.spelling import numpy_keywords
from .tensor import Tensor, as_tensor, np_dtype

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
           "psi", "round", "sinc", "softmax", "xlog1py", "xlogy"]


def _pair(input: Any, other: Any) -> tuple[Tensor, Tensor]:
    """Two tensors; a number beside a tensor takes its float dtype (x.xlogy(2) keeps float32)."""
    if isinstance(input, Tensor):
        return input, as_tensor(other, input)
    y = as_tensor(other)
    return as_tensor(input, y), y


def _cast(x: Tensor, dtype: Any, op: str) -> Tensor:
    """x cast to a floating dtype= first (an integer one is refused, one line, as F.softmax's:
    torch's kernel is not implemented for it; it gave the softmax of the truncated values)."""
    return x if dtype is None else numpy_keywords(op, x, dtype=np_dtype(dtype, op))


# ---- the ops of their own (ops/special.py) ----------------------------------------------------
def ndtr(input: Any) -> Tensor:
    """The standard normal CDF Phi(x) = (1 + erf(x/sqrt 2))/2, its left tail to full relative
    accuracy (ndtr(-30) = 4.9e-198)."""
    return Ndtr.apply(as_tensor(input))


def ndtri(input: Any) -> Tensor:
    """The standard normal quantile, ndtr's inverse on (0, 1): -inf at 0, inf at 1, NaN
    outside (ndtri(1e-300) = -37.047...)."""
    return Ndtri.apply(as_tensor(input))


def log_ndtr(input: Any) -> Tensor:
    """log Phi(x) without underflow: about -x^2/2 far left (log_ndtr(-1e5) = -5e9), -0.0 at
    inf."""
    return LogNdtr.apply(as_tensor(input))


def erfcx(input: Any) -> Tensor:
    """The scaled complementary error function exp(x^2) erfc(x): about 1/(x sqrt(pi)) for
    large x (where erfc underflows), inf below -26.7."""
    return Erfcx.apply(as_tensor(input))


def i0e(input: Any) -> Tensor:
    """exp(-|x|) I0(x), the exponentially scaled modified Bessel function of order 0."""
    return I0e.apply(as_tensor(input))


def i1(input: Any) -> Tensor:
    """I1(x), the modified Bessel function of the first kind of order 1."""
    return I1.apply(as_tensor(input))


def i1e(input: Any) -> Tensor:
    """exp(-|x|) I1(x)."""
    return I1e.apply(as_tensor(input))


def entr(input: Any) -> Tensor:
    """-x log x elementwise: 0 at 0, -inf for x < 0."""
    return Entr.apply(as_tensor(input))


def xlog1py(input: Any, other: Any) -> Tensor:
    """x log1p(y), 0 where x = 0 (unless y is NaN); either may be a number."""
    return Xlog1py.apply(*_pair(input, other))


# ---- Tensor methods under torch.special's names ----------------------------------------------
def gammaln(input: Any) -> Tensor:
    """log|Gamma(x)| (x.lgamma())."""
    return as_tensor(input).lgamma()


def digamma(input: Any) -> Tensor:
    """psi(x) = d/dx lgamma(x) (x.digamma())."""
    return as_tensor(input).digamma()


psi = digamma


def gammainc(input: Any, other: Any) -> Tensor:
    """The regularized lower incomplete gamma P(a, x), a = input (x.igamma(); a gradient to
    x only, as torch's)."""
    return as_tensor(input).igamma(other)


def gammaincc(input: Any, other: Any) -> Tensor:
    """The regularized upper incomplete gamma Q(a, x) = 1 - P(a, x) (x.igammac())."""
    return as_tensor(input).igammac(other)


def polygamma(n: int, input: Any) -> Tensor:
    """torch.polygamma(n, x): the n-th derivative of digamma, n >= 0 an int."""
    return as_tensor(input).polygamma(n)


def multigammaln(input: Any, p: int) -> Tensor:
    """The multivariate log-gamma of dimension p (x.mvlgamma(p))."""
    return as_tensor(input).mvlgamma(p)


def erfinv(input: Any) -> Tensor:
    return as_tensor(input).erfinv()


def i0(input: Any) -> Tensor:
    return as_tensor(input).i0()


def erf(input: Any) -> Tensor:
    return as_tensor(input).erf()


def erfc(input: Any) -> Tensor:
    return as_tensor(input).erfc()


def expit(input: Any) -> Tensor:
    """The logistic sigmoid 1/(1 + e^-x) (x.sigmoid())."""
    return as_tensor(input).sigmoid()


def logit(input: Any, eps: float | None = None) -> Tensor:
    return as_tensor(input).logit(eps)


def exp2(input: Any) -> Tensor:
    return as_tensor(input).exp2()


def expm1(input: Any) -> Tensor:
    return as_tensor(input).expm1()


def log1p(input: Any) -> Tensor:
    return as_tensor(input).log1p()


def sinc(input: Any) -> Tensor:
    """The normalized sinc sin(pi x)/(pi x), 1 at 0."""
    return as_tensor(input).sinc()


def round(input: Any, decimals: int = 0) -> Tensor:  # noqa: A001  (torch.special.round)
    """Round half to even (decimals= as NumPy and PyTorch)."""
    return as_tensor(input).round(decimals)


def xlogy(input: Any, other: Any) -> Tensor:
    """x log y, 0 where x = 0 (unless y is NaN); either may be a number."""
    x, y = _pair(input, other)
    return x.xlogy(y)


def softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:
    """softmax along dim, after casting to dtype when given."""
    return _cast(as_tensor(input), dtype, "softmax").softmax(dim)


def log_softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:
    """log softmax along dim, after casting to dtype when given."""
    return _cast(as_tensor(input), dtype, "log_softmax").log_softmax(dim)


def logsumexp(input: Any, dim: Any, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over dim, stably."""
    return as_tensor(input).logsumexp(dim=dim, keepdim=keepdim)  # (torch's: dim=() is every dim)
