"""Edge rows of binary arithmetic: add, sub, mul, div, pow, maximum / minimum, mod, arctan2,
hypot, logaddexp, lerp (empty, broadcast, +-inf, NaN, division by zero, out of domain), their
reflected and method spellings, remainder, fmax / fmin, logaddexp2. `T` in a `torch=` lambda is
the torch module."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg

from .edge_table import INF, NAN, E, rows
from .edge_table import a64 as _a

# ---- binary arithmetic ------------------------------------------------------------------------
_BINARY: list[tuple[str, Any, Any, bool, Any, dict[str, Any]]] = [
    ("add", lambda x, y: x + y, np.add, True, lambda T, x, y: x + y,
     {"inf - inf": (_a(INF), _a(-INF))}),
    ("sub", lambda x, y: x - y, np.subtract, True, lambda T, x, y: x - y,
     {"inf - inf": (_a(INF), _a(INF))}),
    ("mul", lambda x, y: x * y, np.multiply, True, lambda T, x, y: x * y,
     {"inf * 0": (_a(INF), _a(0.0))}),
    ("div", lambda x, y: x / y, np.true_divide, True, lambda T, x, y: x / y,
     {"by zero": (_a(1.0, -1.0), _a(0.0, 0.0)), "0 / 0": (_a(0.0), _a(0.0))}),
    ("pow", lambda x, y: x**y, np.power, True, lambda T, x, y: x**y,
     {"out of domain": (_a(-2.0), _a(0.5)), "zero base": (_a(0.0, 0.0), _a(2.0, 0.0)),
      "zero to a negative power": (_a(0.0), _a(-1.0))}),
    ("maximum", tg.maximum, np.maximum, True, lambda T, x, y: T.maximum(x, y),
     {"ties": (_a(1.0, 2.0), _a(1.0, 3.0)), "nan on either side": (_a(NAN, 1.0), _a(1.0, NAN))}),
    ("minimum", tg.minimum, np.minimum, True, lambda T, x, y: T.minimum(x, y),
     {"ties": (_a(1.0, 2.0), _a(1.0, 3.0)), "nan on either side": (_a(NAN, 1.0), _a(1.0, NAN))}),
    ("mod", lambda x, y: x % y, np.mod, True, lambda T, x, y: T.remainder(x, y),
     {"by zero": (_a(1.0), _a(0.0)), "negative divisor!": (_a(5.5), _a(-2.0))}),
    ("arctan2", tg.arctan2, np.arctan2, True, lambda T, y, x: T.atan2(y, x),
     {"origin": (_a(0.0), _a(0.0))}),
    ("hypot", tg.hypot, np.hypot, True, lambda T, x, y: T.hypot(x, y),
     {"origin": (_a(0.0), _a(0.0))}),
    ("logaddexp", tg.logaddexp, np.logaddexp, True, lambda T, x, y: T.logaddexp(x, y),
     {"both -inf": (_a(-INF), _a(-INF)), "both +inf": (_a(INF), _a(INF)),
      "one -inf!": (_a(-INF), _a(0.5))}),
    ("lerp", lambda x, y: tg.lerp(x, y, 0.25), lambda x, y: x + 0.25 * (y - x), False,
     lambda T, x, y: T.lerp(x, y, 0.25), {"inf to inf": (_a(INF), _a(INF))}),
]

for _name, _call, _np, _own, _torch, _extra in _BINARY:
    rows(_name, _call, {
        "empty": (E, E), "one element!": (_a(0.7), _a(1.3)),
        "broadcast!": (_a(0.3, 1.2, 2.1), _a(1.7)),
        "+inf": (_a(INF), _a(2.0)), "-inf": (_a(-INF), _a(2.0)),
        "nan": (_a(NAN), _a(2.0)),
        **_extra,
    }, numpy=_np, numpy_warns=_own, torch=_torch)

# the reflected and method spellings of the same ops
rows("sub", lambda x: 2.0 - x, {"reflected!": (_a(0.5, 1.5),)}, numpy=lambda x: 2.0 - x,
     torch=lambda T, x: 2.0 - x)
rows("div", lambda x: 1.0 / x, {"reflected by zero": (_a(0.0, -0.0),)},
     numpy=lambda x: 1.0 / x, torch=lambda T, x: 1.0 / x)
rows("pow", lambda x: 2.0**x, {"reflected!": (_a(0.5, -1.0),)}, numpy=lambda x: 2.0**x,
     torch=lambda T, x: 2.0**x)
rows("pow", lambda x, y: x.pow(y), {"method!": (_a(1.5), _a(2.0))}, numpy=np.power,
     torch=lambda T, x, y: x.pow(y))
rows("remainder", tg.remainder, {"one element!": (_a(7.5), _a(2.0)),
                                 "by zero": (_a(1.0), _a(0.0))},
     numpy=np.remainder, torch=lambda T, x, y: T.remainder(x, y))
rows("add", lambda x, y: x + y, {"shapes that do not broadcast": (_a(1, 2), _a(1, 2, 3))},
     raises="Add")


_TIES_NAN = {"ties": (_a(1.0, 2.0), _a(1.0, 3.0)), "nan on either side": (_a(NAN, 1.0),
                                                                         _a(1.0, NAN)),
             "nan on both": (_a(NAN), _a(NAN))}
for _name, _call, _np, _torch in (
        ("fmax", tg.fmax, np.fmax, lambda T, x, y: T.fmax(x, y)),
        ("fmin", tg.fmin, np.fmin, lambda T, x, y: T.fmin(x, y))):
    rows(_name, _call, {"empty": (E, E), "one element!": (_a(0.7), _a(1.3)),
                        "+inf": (_a(INF), _a(2.0)), "nan on either side": _TIES_NAN[
                            "nan on either side"], "nan on both": _TIES_NAN["nan on both"]},
         numpy=_np, torch=_torch)
    rows(_name, _call, {"ties": _TIES_NAN["ties"]}, numpy=_np, grad=(_a(0.5, 0.0 if _name ==
         "fmax" else 1.0), _a(0.5, 1.0 if _name == "fmax" else 0.0)),
         note="ties split the gradient 1/2, 1/2 as maximum's do (PyTorch's fmax gives it all "
         "to the first input)")
rows("logaddexp2", tg.logaddexp2, {
    "empty": (E, E), "one element!": (_a(0.7), _a(1.3)), "both -inf": (_a(-INF), _a(-INF)),
    "both +inf": (_a(INF), _a(INF)), "one -inf!": (_a(-INF), _a(0.5)), "nan": (_a(NAN),
                                                                              _a(2.0)),
}, numpy=np.logaddexp2, torch=lambda T, x, y: T.logaddexp2(x, y))


# ---- branches one element switches on for the whole array (found 2026-12-03 by mutation
# testing: a wrong sign, a lost mask or a missing broadcast in these branches passed every
# test, because the drawn inputs never reach them and the edge rows above had one element) --
def _arctan2_grads(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d/dy, d/dx of arctan2(y, x): x / r^2 and -y / r^2, 0 at the origin (PyTorch's)."""
    r2 = np.where((x == 0) & (y == 0), 1.0, x * x + y * y)
    return x / r2, -y / r2


_Y3, _X3 = _a(0.0, 1.0, -2.0), _a(0.0, 1.0, 0.5)
rows("arctan2", tg.arctan2, {"origin beside other points": (_Y3, _X3)}, numpy=np.arctan2,
     grad=_arctan2_grads(_Y3, _X3))
