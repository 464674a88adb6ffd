"""Op-table rows of torch.special and the special functions (ops/special.py): lgamma, digamma,
polygamma, mvlgamma, erfinv, the Bessel functions i0, i0e, i1, i1e, ndtr, ndtri, log_ndtr,
erfcx, entr and xlog1py. torch.special's aliases of other rows (expit, gammaln, psi, ...) are
in tinygrad_dl/special.py.

The references are written independently of the ops, one element at a time from Python's math
module (slow, small inputs): lgamma from math.lgamma, digamma and polygamma from Hurwitz's zeta
summed directly, erfinv and ndtri by inverting math.erf/erfc, i1 by its power series."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops, special
from .spec import KINK0, POSITIVE, UNIT, Case, Cases, Domain, Elementwise, OpInfo

SPECIAL = "Special functions"
# lgamma's and digamma's poles kept at a distance
_POLES = Domain(-3.5, 5.0, avoid=(-3.0, -2.0, -1.0, 0.0), margin=0.15)
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _each(f: Any) -> Any:
    return np.vectorize(f, otypes=[np.float64])


def _zeta(s: int, q: float) -> float:
    """Hurwitz's zeta(s, q) = sum_k (q + k)^-s, q not a pole: 40 terms, then Euler-Maclaurin."""
    total = math.fsum((q + k) ** -s for k in range(40))
    a = q + 40
    tail = a ** (1 - s) / (s - 1) + 0.5 * a**-s
    poch = float(s)  # s (s+1) ... (s+2j-2)
    for j, b in enumerate(_B2K, 1):
        tail += b / math.factorial(2 * j) * poch * a ** (-s - 2 * j + 1)
        poch *= (s + 2 * j - 1) * (s + 2 * j)
    return total + tail


def _digamma1(x: float) -> float:
    if x < 0:  # reflection
        return _digamma1(1 - x) - math.pi / math.tan(math.pi * x)
    shift = 0.0
    while x < 20:
        shift -= 1 / x
        x += 1
    z = 1 / (x * x)
    series = sum(b / (2 * k) * z**k for k, b in enumerate(_B2K, 1))
    return shift + math.log(x) - 0.5 / x - series


def polygamma_ref(a: np.ndarray, n: int) -> np.ndarray:
    if n == 0:
        return _each(_digamma1)(a)
    return _each(lambda x: (-1) ** (n + 1) * math.factorial(n) * _zeta(n + 1, x))(a)


def _invert(f: Any, df: Any, target: float, y: float) -> float:
    """Newton's method on f(y) = target from y (f monotone, y on the concave side)."""
    for _ in range(100):
        step = (f(y) - target) / df(y)
        y -= step
        if abs(step) <= 1e-17 * abs(y):
            break
    return y


def _erfinv1(x: float) -> float:
    sign, x = math.copysign(1.0, x), abs(x)
    return sign * _invert(math.erf, lambda y: 2 / math.sqrt(math.pi) * math.exp(-y * y), x, 0.0)


def _ndtr1(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def _ndtri1(p: float) -> float:
    lo, hi = -40.0, 40.0  # bisection to the last bit: ndtr is monotone
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return mid
        lo, hi = (mid, hi) if _ndtr1(mid) < p else (lo, mid)


def _log_ndtr1(x: float) -> float:
    return math.log1p(-_ndtr1(-x)) if x > 0 else math.log(_ndtr1(x))


def _i1(x: float) -> float:
    h = x / 2
    return math.fsum(h ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1))
                     for k in range(60))


def mvlgamma_ref(a: np.ndarray, p: int) -> np.ndarray:
    lg = _each(math.lgamma)
    return sum(lg(a - i / 2) for i in range(p)) + p * (p - 1) / 4 * math.log(math.pi)


def _row(name: str, impl: Any, ref: Any, doc: str, domain: Domain, **kw: Any) -> OpInfo:
    """A unary row; own names (torch.special's, not torch's) are tinygrad_dl.special's
    functions, also reachable as tinygrad_dl.<name>."""
    if "own" in kw:
        kw["function"] = getattr(special, name)
    return OpInfo(name, impl, doc, SPECIAL, ref=ref, sample=Elementwise((domain,)), **kw)


ROWS: tuple[OpInfo, ...] = (
    _row("lgamma", ops.Lgamma, _each(math.lgamma), "log|Gamma(x)|, inf at the poles 0, -1, "
         "-2, ... (fdlibm's method; torch.special.gammaln)", _POLES, methods=("lgamma",),
         torch=("lgamma",), grad="digamma(x)"),
    _row("digamma", ops.Digamma, _each(_digamma1), "psi(x) = d/dx lgamma(x): -inf at +0, NaN "
         "at -1, -2, ... (torch.special.psi)", _POLES, methods=("digamma",),
         torch=("digamma",), grad="polygamma(1, x)"),
    OpInfo("polygamma", ops.Polygamma, "the n-th derivative of digamma (n >= 0): "
           "tg.polygamma(n, x) as torch.polygamma, x.polygamma(n)", SPECIAL,
           methods=("polygamma",), torch=("polygamma",), function=special.polygamma,
           call=lambda x, n: x.polygamma(n), ref=polygamma_ref, grad="polygamma(n + 1, x)",
           sample=Cases((Case(((3,),), {"n": 1}, Domain(0.3, 4.0)),
                         Case(((2, 3),), {"n": 2}, _POLES),
                         Case(((4,),), {"n": 0}, Domain(0.2, 3.0)),
                         Case(((2,),), {"n": 3}, Domain(-1.9, -1.1))))),
    OpInfo("mvlgamma", "lgamma composition", "the multivariate log-gamma sum_(i<p) "
           "lgamma(x - i/2) + p(p-1)/4 log(pi) (torch.special.multigammaln)", SPECIAL,
           methods=("mvlgamma",), torch=("mvlgamma",), call=lambda x, p: x.mvlgamma(p),
           ref=mvlgamma_ref, grad="sum_(i<p) digamma(x - i/2)",
           sample=Cases((Case(((3,),), {"p": 1}, Domain(0.3, 4.0)),
                         Case(((2, 2),), {"p": 3}, Domain(1.2, 5.0))))),
    _row("erfinv", ops.Erfinv, _each(_erfinv1), "the inverse of erf: +-inf at +-1, NaN "
         "outside [-1, 1]", UNIT, methods=("erfinv",), torch=("erfinv",),
         grad="sqrt(pi)/2 exp(erfinv(x)^2)"),
    _row("i0", ops.I0, np.i0, "I0(x), the modified Bessel function of the first kind of order "
         "0 (Cephes' expansions)", Domain(-5.0, 5.0), methods=("i0",), numpy=("i0",),
         torch=("i0",), grad="i1(x)"),
    _row("i0e", ops.I0e, lambda a: np.i0(a) * np.exp(-np.abs(a)), "exp(-|x|) I0(x) "
         "(torch.special.i0e)", KINK0, own=("i0e",), grad="i1e(x) - sign(x) i0e(x)"),
    _row("i1", ops.I1, _each(_i1), "I1(x), the modified Bessel function of the first kind of "
         "order 1 (torch.special.i1)", Domain(-5.0, 5.0), own=("i1",),
         grad="i0(x) - i1(x)/x (1/2 at 0)"),
    _row("i1e", ops.I1e, lambda a: _each(_i1)(a) * np.exp(-np.abs(a)), "exp(-|x|) I1(x) "
         "(torch.special.i1e)", KINK0, own=("i1e",),
         grad="i0e(x) - i1e(x) (sign(x) + 1/x) (1/2 at 0)"),
    _row("ndtr", ops.Ndtr, _each(_ndtr1), "the standard normal CDF Phi(x), its left tail to "
         "full relative accuracy (torch.special.ndtr)", Domain(-5.0, 5.0), own=("ndtr",),
         grad="exp(-x^2/2)/sqrt(2 pi)"),
    _row("ndtri", ops.Ndtri, _each(_ndtri1), "the standard normal quantile, ndtr's inverse: "
         "-inf at 0, inf at 1 (torch.special.ndtri)", Domain(0.02, 0.98), own=("ndtri",),
         grad="sqrt(2 pi) exp(ndtri(p)^2/2)"),
    _row("log_ndtr", ops.LogNdtr, _each(_log_ndtr1), "log Phi(x) without underflow "
         "(torch.special.log_ndtr)", Domain(-6.0, 6.0), own=("log_ndtr",),
         grad="sqrt(2/pi) / erfcx(-x/sqrt 2)"),
    _row("erfcx", ops.Erfcx, _each(lambda x: math.exp(x * x) * math.erfc(x)), "exp(x^2) "
         "erfc(x), accurate where erfc underflows (torch.special.erfcx)", Domain(-3.0, 5.0),
         own=("erfcx",), grad="2x erfcx(x) - 2/sqrt(pi)"),
    _row("entr", ops.Entr, lambda a: -a * np.log(a), "-x log x, 0 at 0, -inf below "
         "(torch.special.entr)", POSITIVE, own=("entr",),
         grad="-(1 + log x): inf at 0, NaN below (PyTorch's)"),
    OpInfo("xlog1py", ops.Xlog1py, "x log1p(y), 0 where x = 0 unless y is NaN "
           "(torch.special.xlog1py)", SPECIAL, own=("xlog1py",), function=special.xlog1py,
           tensors=2, ref=lambda x, y: np.where(x == 0, 0.0, x * np.log1p(y)),
           sample=Elementwise((KINK0, Domain(-0.8, 3.0))),
           grad="d/dx = log1p(y) (0 where x = 0), d/dy = x / (1 + y)"),
)
