"""Op-table rows of the bitwise ops (tinygrad_dl/tensor/bitwise.py,
functional/tensor_functions.py): bitwise_and, bitwise_or, bitwise_xor, bitwise_not and the shifts
bitwise_left_shift, bitwise_right_shift: constants, no gradient."""

from __future__ import annotations

import numpy as np

from ..functional import tensor_functions as TF
from .spec import OpInfo

_INTS = "a constant: integer and bool tensors only"
_SHIFT_INTS = "a constant: integer tensors only"

ROWS: tuple[OpInfo, ...] = (
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, "Binary elementwise", methods=(name,),
             numpy=(name,), torch=(name,), tensors=n, ref=getattr(np, name), sample=None,
             no_grad=_INTS, float32=False)
      for name, n, doc in (("bitwise_and", 2, "x & y bitwise (integer and bool tensors)"),
                           ("bitwise_or", 2, "x | y bitwise (integer and bool tensors)"),
                           ("bitwise_xor", 2, "x ^ y bitwise (integer and bool tensors)"),
                           ("bitwise_not", 1, "~x bitwise (integer and bool tensors)"))),
    *(OpInfo(name, "NumPy's shifts (no graph)", doc, "Binary elementwise", methods=(name,),
             torch=(name,), function=fn, tensors=2, sample=None, no_grad=_SHIFT_INTS, float32=False)
      for name, fn, doc in (
          ("bitwise_left_shift", TF.bitwise_left_shift, "x << y, wrapping in x's dtype; a shift "
           "< 0 or of the dtype's bits or more gives 0 (torch's)"),
          ("bitwise_right_shift", TF.bitwise_right_shift, "x >> y (arithmetic when signed); a "
           "shift < 0 or of the dtype's bits or more gives the sign fill (torch's)"))),
)
