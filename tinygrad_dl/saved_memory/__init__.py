"""Does what an op saved for backward hold the memory of an array it read?

The write guard (`write_guard.join`) locks an array an op read only where the op's `saved`
holds its memory, as torch checks the version of a saved tensor only: `X @ W` with X constant
saves X for W's gradient and not W, which stays writable (an optimizer step while that graph
lives writes W in place, as torch's). An array is held by `saved` as itself, as a view of it
or of the array it views (`W.T` of W, Max's reshape of its saved result), in a tuple or list
there, or as a view of the same memory by another route (np.lib.stride_tricks.as_strided's
windows, whose `.base` is no array: NumPy's bounds check then answers, erring on holding).
"""

from __future__ import annotations

from typing import Any

import numpy as np

# ndarray's .base without a watched array's report (jit.watch): the library's own checks
array_base = np.ndarray.base.__get__
_ndarray = np.ndarray


def saves(saved: Any, a: np.ndarray) -> bool:
    """Does `saved` (an op's saved tuple) hold the memory of `a`: `a`, a view of it, the array
    `a` is a view of, or another view of that memory?"""
    for x in saved:  # (the usual case first: the array itself)
        if x is a:
            return True
    if not isinstance(a, _ndarray):  # (a NumPy scalar, `w.data = w.data - 0.1 * w.grad` of a
        return False  # 0-d w: immutable, no memory to share; .base raised a TypeError)
    own = array_base(a)
    foreign = own is not None and type(own) is not _ndarray  # (a's memory: no plain array's)
    own = a if own is None else own
    for x in saved:
        if isinstance(x, _ndarray):
            b = array_base(x)
            if x is own or b is own or b is a:
                return True
            if (foreign or b is not None and type(b) is not _ndarray) and np.may_share_memory(x, a):
                return True
        elif type(x) is tuple or type(x) is list:  # (a saved sequence of arrays)
            if saves(x, a):
                return True
    return False
