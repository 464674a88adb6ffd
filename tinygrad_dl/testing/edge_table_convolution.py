"""Edge rows of F.conv1d: strides, padding, dilation, groups, padding="same", and its
refusals. `T` in a `torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's
value is the reference."""

from __future__ import annotations

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows
from .edge_table import a64 as _a

_NOTE = "compared with torch (NumPy has none)"
_W3 = np.array([[[0.5, -1.0]], [[1.5, 0.25]], [[-0.75, 2.0]]])  # (3, 1, 2): groups=2 needs 2
_X3 = np.array([[[0.5, -1.0, 2.0, 1.5, 0.25], [1.0, 1.25, -0.5, 3.0, -2.0]]])  # (1, 2, 5)

# ---- conv1d -------------------------------------------------------------------------------------
rows("conv1d", lambda x, w: F.conv1d(x, w.reshape(3, 2, 1)), {
    "one position, 1x1 kernel!": (_X3[:, :, :1], _W3[:, 0, :]),
    "inf and nan": (np.where(_X3 > 1.8, INF, np.where(_X3 < -1.8, NAN, _X3)), _W3[:, 0, :])},
     torch=lambda T, x, w: T.nn.functional.conv1d(x, w.reshape(3, 2, 1)), note=_NOTE)
rows("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2), {
    "stride, padding, dilation!": (_X3, np.linspace(-1, 1, 12).reshape(3, 2, 2), _a(0.1, 0, -2)),
    "empty batch": (np.zeros((0, 2, 5)), np.ones((3, 2, 2)), _a(0.0, 1.0, 2.0))},
     torch=lambda T, x, w, b: T.nn.functional.conv1d(x, w, b, stride=2, padding=1, dilation=2),
     note=_NOTE)
rows("conv1d", lambda x, w: F.conv1d(x, w, padding="same", groups=2), {
    "same, groups!": (_X3, np.array([[[0.5, -1.0, 2.0]], [[1.0, 0.25, -0.5]]]))},
     torch=lambda T, x, w: T.nn.functional.conv1d(x, w, padding="same", groups=2), note=_NOTE)
rows("conv1d", F.conv1d, {"channels differ": (_X3, np.ones((3, 3, 2))),
                          "a 2-D weight": (_X3, np.ones((3, 2)))}, raises="^conv1d: ")
rows("conv1d", lambda x, w: F.conv1d(x, w), {"kernel longer than the input": (
    _X3, np.ones((1, 2, 6)))}, raises="conv1d: the kernel spans 6")
rows("conv1d", lambda x, w: F.conv1d(x, w, stride=2, padding="same"), {
    "same with stride 2": (_X3, np.ones((1, 2, 3)))}, raises="conv1d: padding='same' needs")
