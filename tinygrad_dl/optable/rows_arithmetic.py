"""Op-table rows of arithmetic (ops/elementwise.py; Tensor's operators and methods): add,
sub, mul, div, pow, mod, fmod, neg, abs, matmul, addmm, mv, baddbmm, addcmul, addcdiv,
float_power, floor_divide."""

from __future__ import annotations

import numpy as np

from .. import ops
from .refs import case
from .spec import ARITH, KINK0, NONZERO, POSITIVE, REAL, Cases, Domain, Drawn, OpInfo
from .spec import binary as _binary
from .spec import unary as _unary

ROWS: tuple[OpInfo, ...] = (
    # ---- arithmetic -------------------------------------------------------------------------
    _binary("add", ops.Add, np.add, "x + y", ("add",), group=ARITH,
            methods=("__add__", "__radd__", "add"), syntax=("a + b", "2 + x", "arr + x")),
    _binary("sub", ops.Sub, np.subtract, "x - y", ("sub", "subtract"), group=ARITH,
            numpy=("subtract",),
            methods=("__sub__", "__rsub__", "sub", "subtract"), syntax=("a - b",)),
    _binary("mul", ops.Mul, np.multiply, "x * y", ("mul", "multiply"), group=ARITH,
            numpy=("multiply",),
            methods=("__mul__", "__rmul__", "mul", "multiply"), syntax=("a * b",)),
    # (rounding_mode="trunc" applies TruncDivide, "floor" FloorDivide: a zero gradient)
    _binary("div", (ops.Div, ops.TruncDivide), np.divide, "x / y", ("div", "divide",
                                                                      "true_divide"),
            (REAL, NONZERO), group=ARITH, numpy=("divide", "true_divide"),
            methods=("__truediv__", "__rtruediv__", "div", "divide", "true_divide"),
            syntax=("a / b",), grad="needs y != 0"),
    _binary("pow", ops.Pow, np.power, "x ** p (p a tensor or a constant)", ("pow",),
            (POSITIVE, Domain(-2.0, 2.0)), group=ARITH, numpy=("power",),
            methods=("__pow__", "__rpow__", "pow"),
            syntax=("x ** 2", "2 ** x"), grad="d/dp = x**p log x needs x > 0; d/dx of x**0 "
            "is 0, even at 0"),
    _binary("mod", ops.Mod, np.mod, "x mod y with the sign of y (Python's %)", ("remainder",),
            group=ARITH, numpy=("mod", "remainder"), methods=("__mod__", "__rmod__", "mod",
                                                              "remainder"),
            syntax=("x % y",), sample=Drawn("mod"), grad="d/dx = 1, d/dy = -floor(x/y); jumps "
            "where x/y is an integer"),
    _binary("fmod", ops.Fmod, np.fmod, "x mod y with the sign of x (C's fmod)", ("fmod",),
            group=ARITH, sample=Drawn("mod"), grad="d/dx = 1, d/dy = -trunc(x/y); jumps where "
            "x/y is an integer"),
    _unary("neg", ops.Neg, np.negative, "-x", ("neg", "negative"), group=ARITH,
           numpy=("negative",), methods=("__neg__", "neg", "negative"), syntax=("-x",)),
    _unary("abs", ops.Abs, np.abs, "|x|", ("abs", "absolute"), KINK0, group=ARITH,
           numpy=("abs", "absolute"), methods=("__abs__", "abs", "absolute"),
           syntax=("abs(x)",), grad="0 at x = 0"),
    OpInfo("matmul", ops.MatMul, "matrix product with NumPy's rules (1-D promoted, batch axes "
           "broadcast)", ARITH, methods=("__matmul__", "__rmatmul__", "matmul", "mm", "bmm"),
           numpy=("matmul",), torch=("matmul", "mm", "bmm"), syntax=("a @ b", "arr @ x"), tensors=2,
           ref=np.matmul, sample=Drawn("matmul")),
    OpInfo("addmm", "matmul, mul and add", "torch.addmm(x, mat1, mat2, beta=1, alpha=1): beta x "
           "+ alpha mat1 @ mat2 (beta = 0 ignores x)", ARITH, methods=("addmm",),
           torch=("addmm",), tensors=3, ref=lambda c, a, b, beta=1, alpha=1: beta * c
           + alpha * a @ b, sample=Cases((case((3, 5), (3, 4), (4, 5)),
                                         case((5,), (2, 3), (3, 5), beta=0.5, alpha=-2.0)))),
    OpInfo("mv", ops.MatMul, "torch.mv(mat, vec): a 2-D matrix times a 1-D vector", ARITH,
           methods=("mv",), torch=("mv",), tensors=2, ref=np.matmul,
           sample=Cases((case((3, 4), (4,)), case((1, 2), (2,))))),
    OpInfo("baddbmm", "matmul, mul and add", "torch.baddbmm(x, b1, b2, beta=1, alpha=1): beta x "
           "+ alpha b1 @ b2 of batches of matrices", ARITH, methods=("baddbmm",),
           torch=("baddbmm",), tensors=3, ref=lambda c, a, b, beta=1, alpha=1: beta * c
           + alpha * a @ b, sample=Cases((case((2, 3, 4), (2, 3, 2), (2, 2, 4)),
                                         case((1, 4), (2, 1, 3), (2, 3, 4), beta=2.0,
                                              alpha=0.5)))),
    OpInfo("addcmul", "mul and add", "torch.addcmul(x, t1, t2, value=1): x + value t1 t2",
           ARITH, methods=("addcmul",), torch=("addcmul",), tensors=3,
           ref=lambda c, a, b, value=1: c + value * a * b,
           sample=Cases((case((2, 3), (2, 3), (3,)), case((3,), (2, 3), (1,), value=-0.5)))),
    OpInfo("addcdiv", "div and add", "torch.addcdiv(x, t1, t2, value=1): x + value t1 / t2",
           ARITH, methods=("addcdiv",), torch=("addcdiv",), tensors=3,
           ref=lambda c, a, b, value=1: c + value * a / b,
           sample=Cases((case((2, 3), (2, 3), (3,), domain=POSITIVE),
                         case((3,), (2, 3), (1,), domain=POSITIVE, value=-0.5))),
           grad="needs t2 != 0"),
    _binary("float_power", "astype float64 and pow", np.float_power, "x ** y computed in "
            "float64 (the result is float64)", ("float_power",), (POSITIVE, Domain(-2.0, 2.0)),
            group=ARITH, call=lambda x, y: x.float_power(y).astype(x.dtype),
            grad="as pow's (tested cast back to x's dtype: float32 in, float32 out)"),
    _binary("floor_divide", ops.FloorDivide, np.floor_divide, "floor(x / y), Python's //",
            ("floor_divide",), group=ARITH, methods=("__floordiv__", "__rfloordiv__",
                                                     "floor_divide"),
            syntax=("x // y",), sample=Drawn("mod"),
            grad="**zero** everywhere (floor's; torch's backward raises)"),
)
