"""tinygrad_dl: a small, honest reverse-mode autodiff on NumPy, and the four course models.

Every op is reachable here under its NumPy and PyTorch names (`tg.exp`, `tg.cat`,
`tg.concatenate`, ...): they come from the one op table, tinygrad_dl.optable, as do the
dtype names (`tg.float32`, `tg.float`, `tg.long`, ...).
"""

import builtins

from . import functional
from .engine import (
    AnomalyError,
    Function,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    name_scope,
    no_grad,
    unbroadcast,
)
from .optable import namespace
from .tensor import Tensor, ValuesIndices

__version__ = "0.1.0"

_OPS = namespace()  # every op under each of its NumPy and PyTorch names, and the dtype names
globals().update(_OPS)

# `from tinygrad_dl import *` must not shadow Python's builtins (float, int, max, sum, ...):
# float(loss) would silently become np.float32(loss); they stay reachable as tg.float, tg.max
__all__ = [
    "AnomalyError", "Function", "Tensor", "ValuesIndices", "detect_anomaly", "enable_grad",
    "functional", "is_grad_enabled", "name_scope", "no_grad", "unbroadcast",
    *sorted(n for n in _OPS if not hasattr(builtins, n)),
]
