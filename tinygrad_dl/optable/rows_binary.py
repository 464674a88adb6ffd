"""Op-table rows of binary elementwise ops (ops/elementwise.py): maximum, minimum, fmax, fmin,
arctan2, hypot, logaddexp, logaddexp2 and where."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import ops
from .spec import BIN, NONZERO, Drawn, OpInfo
from .spec import binary as _binary

ROWS: tuple[OpInfo, ...] = (
    # ---- binary elementwise ------------------------------------------------------------------
    _binary("maximum", ops.Maximum, np.maximum, "elementwise max", ("maximum",),
            untied=True, grad="ties split the gradient 1/2, 1/2"),
    _binary("minimum", ops.Minimum, np.minimum, "elementwise min", ("minimum",),
            untied=True, grad="ties split the gradient 1/2, 1/2"),
    _binary("fmax", ops.Fmax, np.fmax, "elementwise max that ignores NaN", ("fmax",),
            untied=True, grad="to the number over a NaN; ties split 1/2, 1/2"),
    _binary("fmin", ops.Fmin, np.fmin, "elementwise min that ignores NaN", ("fmin",),
            untied=True, grad="to the number over a NaN; ties split 1/2, 1/2"),
    _binary("arctan2", ops.Arctan2, np.arctan2, "the angle of the point (x, y): arctan2(y, x)",
            ("atan2", "arctan2"), (NONZERO, NONZERO), methods=("arctan2", "atan2"),
            grad="undefined at the origin"),
    _binary("hypot", ops.Hypot, np.hypot, "sqrt(x^2 + y^2) without overflow", ("hypot",),
            (NONZERO, NONZERO), grad="undefined at the origin"),
    _binary("logaddexp", ops.LogAddExp, np.logaddexp, "log(e^x + e^y), stably",
            ("logaddexp",), grad="the softmax weights of (x, y)"),
    _binary("logaddexp2", ops.LogAddExp2, np.logaddexp2, "log2(2^x + 2^y), stably",
            ("logaddexp2",), grad="2^(x - out), 2^(y - out)"),
    OpInfo("where", ops.Where, "x where cond else y (cond a constant bool array)", BIN,
           methods=("where",), numpy=("where",), torch=("where",), function=F.where,
           call=lambda x, y, cond=None: F.where(cond, x, y),
           ref=lambda x, y, cond=None: np.where(cond, x, y), sample=Drawn("where"),
           grad="none for cond"),
)
