"""Op-table rows of comparisons (NumPy's, no graph; tensor/comparisons.py): lt, le, gt, ge, eq,
ne, the logical ops, isin, isclose, allclose, isnan, isinf, isfinite, and the bool reductions
any and all (listed under Reductions)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .refs import case
from .spec import CMP, KINK0, REAL, Cases, Elementwise, OpInfo
from .spec import reduction as _reduction


def _compare(name: str, numpy: str, dunder: str, ref: Any, torch: tuple[str, ...],
             sym: str) -> OpInfo:
    return OpInfo(name, "NumPy's comparison (no graph)", f"x {sym} y elementwise: a constant "
                  "bool tensor, for where() and masks", CMP, methods=(dunder, name),
                  numpy=(numpy,),
                  torch=torch, syntax=(f"x {sym} y",), tensors=2, ref=ref,
                  sample=Elementwise((REAL, REAL)), no_grad="a constant bool tensor",
                  float32=False)


ROWS: tuple[OpInfo, ...] = (
    # ---- comparisons --------------------------------------------------------------------------
    _compare("lt", "less", "__lt__", np.less, ("lt", "less"), "<"),
    _compare("le", "less_equal", "__le__", np.less_equal, ("le", "less_equal"), "<="),
    _compare("gt", "greater", "__gt__", np.greater, ("gt", "greater"), ">"),
    _compare("ge", "greater_equal", "__ge__", np.greater_equal, ("ge", "greater_equal"), ">="),
    _compare("eq", "equal", "__eq__", np.equal, ("eq",), "=="),
    _compare("ne", "not_equal", "__ne__", np.not_equal, ("ne", "not_equal"), "!="),
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, CMP, methods=(name,), numpy=(name,),
             torch=(name,), tensors=n, ref=getattr(np, name), sample=Elementwise((KINK0,) * n),
             no_grad="a constant bool tensor", float32=False)
      for name, n, doc in (("logical_and", 2, "x and y, elementwise (nonzero is true)"),
                           ("logical_or", 2, "x or y, elementwise (nonzero is true)"),
                           ("logical_xor", 2, "x xor y, elementwise (nonzero is true)"),
                           ("logical_not", 1, "not x, elementwise (zero is true)"))),
    OpInfo("isin", "NumPy's isin (no graph)", "is each entry of x among test_elements",
           CMP, numpy=("isin",), torch=("isin",), function=F.isin, tensors=2,
           call=lambda x, y: F.isin(x.round(), y.round()),
           ref=lambda a, b: np.isin(np.round(a), np.round(b)),
           sample=Cases((case((3, 4), (5,)), case((2,), (3, 2)))),
           no_grad="a constant bool tensor", float32=False),
    OpInfo("isclose", "NumPy's isclose (no graph)", "|x - y| <= atol + rtol |y| elementwise "
           "(rtol=1e-5, atol=1e-8, equal_nan=False: NumPy's and PyTorch's defaults)", CMP,
           methods=("isclose",), numpy=("isclose",), torch=("isclose",), tensors=2,
           ref=np.isclose, sample=Elementwise((REAL, REAL)), no_grad="a constant bool tensor",
           float32=False),
    OpInfo("allclose", "NumPy's allclose (no graph)", "x.isclose(y) everywhere: a Python bool",
           CMP, methods=("allclose",), numpy=("allclose",), torch=("allclose",), tensors=2,
           call=lambda x, y: Tensor(np.asarray(x.allclose(y))),
           ref=lambda x, y: np.asarray(np.allclose(x, y)), sample=Elementwise((REAL, REAL)),
           no_grad="a Python bool", float32=False),
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, CMP, methods=(name,), numpy=(name,),
             torch=(name,), ref=getattr(np, name), sample=Elementwise(),
             no_grad="a constant bool tensor", float32=False)
      for name, doc in (("isnan", "x is NaN, elementwise: `if x.isnan().any():`"),
                        ("isinf", "x is +inf or -inf, elementwise"),
                        ("isfinite", "x is neither NaN nor infinite, elementwise"))),
    *(_reduction(name, f"NumPy's {name} (no graph)", getattr(np, name), doc, (name,),
                 no_grad="a constant bool tensor", float32=False)
      for name, doc in (("any", "is any element nonzero (True) over axis"),
                        ("all", "are all elements nonzero (True) over axis"))),
)
