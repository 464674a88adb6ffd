"""Edge rows of normalization functions: batch_norm, layer_norm, torch.batch_norm,
local_response_norm, group_norm, instance_norm, rms_norm. `T` in a `torch=` lambda is the torch
module; where a row has no `numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows
from .edge_table import a64 as _a

X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])
_X3 = np.array([[[0.5, -1.0, 2.0, 1.5, 0.25], [1.0, 1.25, -0.5, 3.0, -2.0]]])  # (1, 2, 5)
_X4 = np.arange(24.0).reshape(1, 2, 3, 4) / 7 - 1.2
_NOTE = "compared with torch (NumPy has none)"


_X = np.array([[0.5, -1.0], [1.5, 2.0], [-0.5, 0.0]])
_G, _B = _a(1.5, 0.5), _a(0.1, -0.2)
rows("batch_norm", F.batch_norm, {
    "three rows!": (_X, _G, _B), "constant feature": (np.array([[1.0, 2.0], [1.0, 3.0]]), _G, _B),
    "nan": (np.array([[NAN, 2.0], [1.0, 3.0]]), _G, _B),
}, numpy=lambda x, g, b: g * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-8) + b, numpy_warns=False,
     torch=lambda T, x, g, b: T.nn.functional.batch_norm(x, None, None, g, b, True, 0.0, 1e-8))
rows("batch_norm", F.batch_norm, {"issue: one row in training": (np.ones((1, 2)), _G, _B)},
     raises="batch_norm: expected more than 1 row")
rows("batch_norm", F.batch_norm, {"no rows (torch's: empty)": (np.zeros((0, 2)), _G, _B)},
     numpy=lambda x, g, b: x * g + b, numpy_warns=False,
     torch=lambda T, x, g, b: T.nn.functional.batch_norm(x, None, None, g, b, True, 0.0, 1e-8))
rows("batch_norm", lambda x, g, b: F.batch_norm(x, g, b, training=False, mean=_a(0.0, 1.0),
                                                var=_a(1.0, 4.0)),
     {"evaluation, one row!": (np.array([[0.5, -1.0]]), _G, _B)},
     numpy=lambda x, g, b: g * (x - _a(0.0, 1.0)) / np.sqrt(_a(1.0, 4.0) + 1e-8) + b,
     numpy_warns=False)


_LN = np.array([[0.5, -1.0, 2.0, 0.0], [3.0, 3.0, 3.0, 3.0]])
rows("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), {
    "rows!": (_LN[:1], _a(1.0, 2.0, 0.5, 1.0), _a(0.0, 0.1, 0.0, -0.1)),
    "a constant row": (_LN, np.ones(4), np.zeros(4)),
    "empty batch": (np.zeros((0, 4)), np.ones(4), np.zeros(4)),
    "inf": (np.array([[INF, 0.0, 1.0, 2.0]]), np.ones(4), np.zeros(4))},
     numpy=lambda x, w, b: (x - x.mean(-1, keepdims=True)) / np.sqrt(
         x.var(-1, keepdims=True) + 1e-5) * w + b, numpy_warns=False,
     torch=lambda T, x, w, b: T.nn.functional.layer_norm(x, (4,), w, b))
rows("layer_norm", lambda x: F.layer_norm(x, (3,)), {"not the trailing shape": (_LN,)},
     raises="layer_norm: normalized_shape")


# ---- torch.batch_norm ---------------------------------------------------------------------------
_XB = np.arange(24.0).reshape(3, 2, 4) ** 1.5 / 10
for _train in (True, False):
    rows("batch_norm", lambda x, w, b, t=_train: tg.batch_norm(
        x, w, b, Tensor(_a(0.5, -1.0)), Tensor(_a(2.0, 0.5)), t, 0.1, 1e-5, False),
         {f"training={_train}!": (_XB, _a(1.5, -0.5), _a(0.1, 0.2))},
         torch=lambda T, x, w, b, t=_train: T.batch_norm(
             x, w, b, T.tensor(_a(0.5, -1.0)), T.tensor(_a(2.0, 0.5)), t, 0.1, 1e-5, False))
rows("batch_norm", lambda x: tg.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False),
     {"no affine, no running stats, 2-D!": (X34,)},
     torch=lambda T, x: T.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False))
rows("batch_norm", lambda x: tg.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False),
     {"one value per channel": (np.ones((1, 3)),)},
     raises="batch_norm: expected more than 1 value per channel when training")
rows("batch_norm", lambda x: tg.batch_norm(x, None, None, None, None, False, 0.1, 1e-5, False),
     {"eval without running stats": (X34,)},
     raises="batch_norm: running_mean and running_var must be defined in evaluation mode")

# ---- local_response_norm ---------------------------------------------------------------------
for _x in (_X3, _X4, _X4.reshape(1, 2, 3, 2, 2)):
    rows("local_response_norm", lambda x: F.local_response_norm(x, 3, 0.5, 0.7, 1.2), {
        f"{_x.ndim}-D!": (_x,), f"{_x.ndim}-D, inf and nan": (np.where(_x > 1.2, INF, np.where(
            _x < -1.1, NAN, _x)),)},
         torch=lambda T, x: T.nn.functional.local_response_norm(x, 3, 0.5, 0.7, 1.2),
         note=_NOTE)
rows("local_response_norm", lambda x: F.local_response_norm(x, 2), {
    "empty": (np.zeros((0, 2, 3)),)},
     torch=lambda T, x: T.nn.functional.local_response_norm(x, 2), note=_NOTE)
rows("local_response_norm", lambda x: F.local_response_norm(x, 2), {"2-D": (_X4[0, 0],)},
     raises="local_response_norm: expected an input of 3 or more dims")

# ---- group_norm, instance_norm, rms_norm --------------------------------------------------------
_G = np.linspace(-2, 3, 24).reshape(2, 4, 3) ** 2 / 5
rows("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), {
    "affine!": (_G, _a(0.5, -1.0, 2.0, 1.5), _a(0.1, 0.0, -0.2, 0.3)),
    "a constant group": (np.ones((1, 4, 3)), _a(1.0, 1.0, 1.0, 1.0), _a(0.0, 0.0, 0.0, 0.0)),
    "inf and nan": (np.where(_G > 1.5, INF, _G), _a(1, 1, 1, 1.0), _a(0, 0, 0, 0.0)),
    "empty batch": (np.zeros((0, 4, 3)), _a(1, 1, 1, 1.0), _a(0, 0, 0, 0.0))},
     torch=lambda T, x, w, b: T.nn.functional.group_norm(x, 2, w, b), note=_NOTE)
rows("group_norm", lambda x: F.group_norm(x, 4, eps=0.1), {"groups of one channel!": (_G,)},
     torch=lambda T, x: T.nn.functional.group_norm(x, 4, eps=0.1), note=_NOTE)
rows("group_norm", lambda x: F.group_norm(x, 3), {"channels not divisible": (_G,)},
     raises="group_norm: expected input .* divisible by num_groups=3")
rows("group_norm", lambda x, w: F.group_norm(x, 2, w), {"a weight of another shape": (
    _G, _a(1.0, 2.0))}, raises="group_norm: weight must have shape")
rows("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b), {
    "affine!": (_G, _a(0.5, -1.0, 2.0, 1.5), _a(0.1, 0.0, -0.2, 0.3)),
    "a constant channel": (np.ones((1, 4, 3)), _a(1, 1, 1, 1.0), _a(0, 0, 0, 0.0)),
    "nan": (np.where(_G > 1.5, NAN, _G), _a(1, 1, 1, 1.0), _a(0, 0, 0, 0.0))},
     torch=lambda T, x, w, b: T.nn.functional.instance_norm(x, weight=w, bias=b), note=_NOTE)
rows("instance_norm", lambda x, m, v: F.instance_norm(x, m.data, v.data, use_input_stats=False),
     {"running statistics!": (_G, _a(0.5, -1.0, 0.0, 2.0), _a(1.0, 0.25, 4.0, 2.0))},
     wrt=(0,), torch=lambda T, x, m, v: T.nn.functional.instance_norm(
         x, m, v, use_input_stats=False), note=_NOTE)
rows("instance_norm", F.instance_norm, {"one position per channel": (np.ones((2, 4, 1)),),
                                        "a 2-D input": (np.ones((2, 4)),)},
     raises="instance_norm: expected")
rows("instance_norm", lambda x: F.instance_norm(x, use_input_stats=False), {
    "no running statistics": (_G,)}, raises="instance_norm: use_input_stats=False needs")
rows("rms_norm", lambda x, w: F.rms_norm(x, 3, w), {
    "weight!": (_G, _a(0.5, -1.0, 2.0)), "zeros: eps keeps it finite": (np.zeros((2, 3)),
                                                                        _a(1.0, 1.0, 1.0)),
    "inf and nan": (_a(INF, 1.0, NAN).reshape(1, 3), _a(1.0, 1.0, 1.0)),
    "empty batch": (np.zeros((0, 3)), _a(1.0, 1.0, 1.0))},
     torch=lambda T, x, w: T.nn.functional.rms_norm(x, (3,), w), note=_NOTE)
rows("rms_norm", lambda x: F.rms_norm(x, (4, 3), eps=0.5), {"two dims, eps 0.5!": (_G,)},
     torch=lambda T, x: T.nn.functional.rms_norm(x, (4, 3), eps=0.5), note=_NOTE)
rows("rms_norm", lambda x: F.rms_norm(x, 4), {"not the last dims": (_G,)},
     raises="rms_norm: normalized_shape \\(4,\\) must be the input's last")
rows("rms_norm", lambda x: F.rms_norm(x, 3, eps=-1.0), {"negative eps": (_G,)},
     raises="rms_norm: eps must be")
