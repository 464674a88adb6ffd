"""Op-table rows of elementwise ops (tinygrad_dl/tensor/elementwise.py, comparisons.py,
complex_numbers.py, functional/tensor_functions.py): the predicates isposinf, isneginf, isreal, the
comparison aliases (greater, less_equal, ...), ldexp, nextafter, frexp, gcd, lcm, sgn,
positive, rsub, angle, igamma and igammac."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..functional.tensor_functions import rsub
from ..tensor import Tensor
from .refs import case
from .spec import CMP, KINK0, MATH, POSITIVE, REAL, Cases, Domain, Elementwise, OpInfo

_BOOL = "a constant bool tensor"


def _with_a(a: float, upper: bool) -> Any:
    """igamma(a, x) (or igammac) at a fixed a: the gradient tests' x is the one input."""
    name = "igammac" if upper else "igamma"
    return lambda x: getattr(Tensor(np.full(x.shape, a, x.dtype)), name)(x)


ROWS: tuple[OpInfo, ...] = (
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, CMP, methods=(name,), numpy=(name,),
             torch=(name,), ref=getattr(np, name), sample=Elementwise((REAL,)), no_grad=_BOOL,
             float32=False)
      for name, doc in (("isposinf", "x is +inf, elementwise"),
                        ("isneginf", "x is -inf, elementwise"),
                        ("isreal", "x has no imaginary part (True for every real dtype)"))),
    *(OpInfo(name, "NumPy's comparison (no graph)", f"x.{name}(y): torch's alias of x.{of}(y)",
             CMP, methods=(name,), tensors=2, ref=getattr(np, name),
             sample=Elementwise((KINK0, KINK0)), no_grad=_BOOL, float32=False)
      for name, of in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                       ("less_equal", "le"), ("not_equal", "ne"))),
    OpInfo("ldexp", (ops.Ldexp, ops.Mul, ops.Pow), "torch.ldexp: x * 2 ** other (an integer x "
           "made float32; an integer exponent: np.ldexp, exact where 2 ** other over- or "
           "underflows)",
           "Binary elementwise", methods=("ldexp",), numpy=("ldexp",), torch=("ldexp",),
           tensors=2, ref=lambda a, b: a * 2.0 ** b, sample=Elementwise((REAL, REAL)),
           grad="to x: 2 ** other; to other: x 2 ** other ln 2",
           differs="an integer exponent's gradient to x is 2 ** other (torch 2.13's integer "
           "pow gives 0 for a negative one); an exponent past int32 saturates (torch's wraps "
           "around)"),
    OpInfo("nextafter", ops.NextAfter, "torch.nextafter: the next float after x toward other",
           "Binary elementwise", methods=("nextafter",), numpy=("nextafter",),
           torch=("nextafter",), tensors=2, ref=np.nextafter,
           sample=Elementwise((REAL, REAL), untied=True),
           grad="torch's: g to x (0 where x == other), 0 to other"),
    OpInfo("frexp", ops.FrexpMantissa, "torch.frexp: (mantissa, int32 exponent), x = mantissa "
           "* 2 ** exponent", "Elementwise math", methods=("frexp",), numpy=("frexp",),
           torch=("frexp",), call=lambda t: t.frexp().mantissa,
           ref=lambda a: np.frexp(a)[0],
           sample=Cases((case((5,), domain=Domain(0.3, 3.0, avoid=(0.5, 1.0, 2.0), margin=0.05)),
                         case((2, 3), domain=Domain(-3.0, -0.3, avoid=(-2.0, -1.0, -0.5),
                                                    margin=0.05)))),  # (jumps at powers of 2)
           grad="the mantissa's: 2 ** -exponent (torch's)",
           differs="a named tuple (mantissa, exponent), torch's; NumPy's is a plain tuple. "
           "The gradient is exact where torch 2.13's overflows (|x| past float32's range)"),
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, "Binary elementwise", methods=(name,),
             numpy=(name,), torch=(name,), tensors=2, ref=getattr(np, name), sample=None,
             no_grad="a constant: integer tensors only", float32=False)
      for name, doc in (("gcd", "the greatest common divisor (>= 0) of integer tensors"),
                        ("lcm", "the least common multiple (>= 0) of integer tensors"))),
    OpInfo("sgn", "sign", "torch.sgn: sign() of a real tensor", "Elementwise math",
           methods=("sgn",), torch=("sgn",), ref=np.sign,
           sample=Elementwise((KINK0,)), grad="0 (sign's)"),
    OpInfo("positive", "x itself", "torch.positive: x itself (not on a bool tensor)",
           "Arithmetic", methods=("positive",), numpy=("positive",), torch=("positive",),
           ref=np.positive, grad="g: x itself"),
    OpInfo("rsub", "sub", "torch.rsub: other - alpha * input", "Arithmetic", torch=("rsub",),
           function=rsub, tensors=2, ref=lambda a, b, alpha=1: b - alpha * a,
           sample=Cases((case((2, 3), (3,)), case((), (2,), alpha=2.5), case((3, 1), (1, 2))))),
    OpInfo("angle", "sign, lt and mul", "torch.angle of a real tensor: pi where x < 0, else 0 "
           "(NaN stays NaN; integers give float32)", MATH, methods=("angle",),
           torch=("angle",), ref=lambda a: np.where(a < 0, np.pi, 0.0).astype(a.dtype),
           sample=Elementwise((KINK0,)), grad="0 (torch's)"),
    *(OpInfo(name, ops.Igamma, doc, MATH, methods=(name,), torch=(name,), tensors=2,
             call=_with_a(2.0, upper), ref=ref, sample=Elementwise((POSITIVE,)),
             grad="wrt x: +-x^(a-1) e^-x / Gamma(a); none wrt a (torch's backward raises)",
             differs="for a of 20 or more with x near a, torch 2.13's value is off by up to "
             "about 1e-9 relative (mpmath); this one's agrees with mpmath to about 1e-13")
      for name, upper, doc, ref in (
          ("igamma", False, "torch.igamma(a, x): the regularized lower incomplete gamma "
           "P(a, x) (tests: a = 2, P = 1 - e^-x (1 + x))",
           lambda x: 1 - np.exp(-x) * (1 + x)),
          ("igammac", True, "torch.igammac(a, x): the regularized upper incomplete gamma "
           "Q(a, x) = 1 - P(a, x) (tests: a = 2, Q = e^-x (1 + x))",
           lambda x: np.exp(-x) * (1 + x)))),
)
