"""Edge rows of PyTorch's 3-D (volumetric) functions (functional/volumetric_conv.py, pooling3d.py,
F.dropout3d; tests/test_volumetric.py): values and gradients compared with torch's (`T` in a
`torch=` lambda is the torch module), on ties, inf and NaN, unbatched and empty batches, and the
refusals (wrong rank, a kernel larger than the padded input, bad options)."""

from __future__ import annotations

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows

_NOTE = "compared with torch (NumPy has none)"
_X = np.arange(2 * 2 * 3 * 4 * 4.0).reshape(2, 2, 3, 4, 4) % 7 / 3 - 0.9  # ties
_R = np.random.default_rng(3).permutation(_X.size).reshape(_X.shape) / _X.size - 0.5  # untied
_ODD = np.where(_X > 0.9, INF, np.where(_X < -0.8, NAN, _X))
_W = np.linspace(-1, 1, 3 * 2 * 2 * 2 * 2).reshape(3, 2, 2, 2, 2)
_WT = np.linspace(-1, 1, 2 * 3 * 2 * 2 * 2).reshape(2, 3, 2, 2, 2)
_B = np.array([0.5, -0.25, 1.0])
_EMPTY = np.zeros((0,) + _X.shape[1:])

rows("conv3d", lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1), {
    "stride and padding!": (_R, _W, _B), "unbatched": (_X[0], _W, _B),
    "inf and nan": (_ODD, _W, _B), "empty batch": (_EMPTY, _W, _B)},
     torch=lambda T, x, w, b: T.nn.functional.conv3d(x, w, b, stride=(1, 2, 1), padding=1),
     note=_NOTE)
rows("conv3d", lambda x, w: F.conv3d(x, w, padding="same", dilation=(1, 2, 1)), {
    "padding same, dilation!": (_R, _W)},
     torch=lambda T, x, w: T.nn.functional.conv3d(x, w, padding="same", dilation=(1, 2, 1)),
     note=_NOTE)
rows("conv3d", F.conv3d, {"a 4-D weight": (_X, _W[0]), "channels that do not match":
                          (_X[:, :1], _W)}, raises="conv3d:")
rows("conv3d", lambda x, w: F.conv3d(x, w, dilation=3), {
    "kernel larger than the padded input": (_X, _W)}, raises="conv3d: the kernel")
rows("conv3d", lambda x, w: F.conv3d(x, w, padding=-1), {
    "negative padding": (_X, _W)}, raises="conv3d: padding")

rows("conv_transpose3d", lambda x, w, b: F.conv_transpose3d(
    x, w, b, stride=2, padding=(1, 0, 1), output_padding=1), {
    "stride, padding, output_padding!": (_R, _WT, _B), "unbatched": (_X[0], _WT, _B),
    "inf and nan": (_ODD, _WT, _B), "empty batch": (_EMPTY, _WT, _B)},
     torch=lambda T, x, w, b: T.nn.functional.conv_transpose3d(
         x, w, b, stride=2, padding=(1, 0, 1), output_padding=1), note=_NOTE)
rows("conv_transpose3d", lambda x, w: F.conv_transpose3d(x, w, output_padding=1), {
    "output_padding not below stride or dilation": (_X, _WT)},
     raises="conv_transpose3d: output_padding")
rows("conv_transpose3d", F.conv_transpose3d, {"a 3-D input": (_X[0, 0], _WT)},
     raises="conv_transpose3d expects")

for _name in ("max_pool3d", "max_pool3d_with_indices"):
    _fn = getattr(F, _name)
    for _j in (0, 1):
        rows(_name, lambda x, f=_fn, j=_j: f(
            x, 2, 1, 1, return_indices=True)[j], {
            "overlapping windows, padding" + ("!" if _j == 0 else ""): (_R,), "ties": (_X,),
            "unbatched": (_X[0],), "inf and nan": (_ODD,), "empty batch": (_EMPTY,)},
             torch=lambda T, x, j=_j: T.nn.functional.max_pool3d(
                 x, 2, 1, 1, return_indices=True)[j], note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 5), {"kernel larger than the input": (_X,)},
         raises="max_pool3d:")
rows("max_pool3d", lambda x: F.max_pool3d(x, (2, 3, 2), (1, 2, 2), 1, 2, True), {
    "dilation, ceil_mode!": (_R,)},
     torch=lambda T, x: T.nn.functional.max_pool3d(x, (2, 3, 2), (1, 2, 2), 1, 2, True),
     note=_NOTE)
rows("max_pool3d", lambda x: F.max_pool3d(x, 2, padding=2), {"padding over half the kernel":
                                                              (_X,)}, raises="max_pool3d:")
rows("max_pool3d", lambda x: F.max_pool3d(x, 2), {"a 3-D input": (_X[0, 0],)},
     raises="max_pool3d: expected input")

for _opts in (dict(), dict(padding=1, count_include_pad=False),
              dict(stride=(2, 3, 3), padding=1, ceil_mode=True), dict(divisor_override=3)):
    rows("avg_pool3d", lambda x, o=_opts: F.avg_pool3d(x, 2, **o), {
        f"{_opts}!": (_R,), f"{_opts}, ties": (_X,), f"{_opts}, unbatched": (_X[0],),
        f"{_opts}, inf and nan": (_ODD,),
        f"{_opts}, empty batch": (_EMPTY,)},
         torch=lambda T, x, o=_opts: T.nn.functional.avg_pool3d(x, 2, **o), note=_NOTE)
rows("avg_pool3d", lambda x: F.avg_pool3d(x, 5), {"kernel larger than the input": (_X,)},
     raises="avg_pool3d: kernel_size")
rows("avg_pool3d", lambda x: F.avg_pool3d(x, 2), {"a 3-D input": (_X[0, 0],)},
     raises="avg_pool3d: expected input")
rows("avg_pool3d", lambda x: F.avg_pool3d(x, 2, divisor_override=0), {"divisor 0": (_X,)},
     raises="avg_pool3d: divisor_override")

for _size in (1, (2, 3, None), (3, 3, 3)):
    rows("adaptive_avg_pool3d", lambda x, s=_size: F.adaptive_avg_pool3d(x, s), {
        f"{_size}!": (_R,), f"{_size}, ties": (_X,), f"{_size}, unbatched": (_X[0],),
        f"{_size}, inf and nan": (_ODD,), f"{_size}, empty batch": (_EMPTY,)},
         torch=lambda T, x, s=_size: T.nn.functional.adaptive_avg_pool3d(x, s), note=_NOTE)
    for _j in (0, 1):
        rows("adaptive_max_pool3d", lambda x, s=_size, j=_j: F.adaptive_max_pool3d(
            x, s, True)[j], {
            f"{_size}" + ("!" if _j == 0 else ""): (_R,), f"{_size}, ties": (_X,),
            f"{_size}, unbatched": (_X[0],),
            f"{_size}, inf and nan": (_ODD,), f"{_size}, empty batch": (_EMPTY,)},
             torch=lambda T, x, s=_size, j=_j: T.nn.functional.adaptive_max_pool3d(
                 x, s, True)[j], note=_NOTE)
rows("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, 0), {"output size 0": (_X,)},
     torch=lambda T, x: T.nn.functional.adaptive_avg_pool3d(x, 0).detach(), note=_NOTE)
rows("adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, 2), {"a 3-D input": (_X[0, 0],)},
     raises="adaptive_max_pool3d: expected input")

for _p in (2.0, 3, INF):
    rows("lp_pool3d", lambda x, p=_p: F.lp_pool3d(x, p, 2, 1), {
        f"p = {_p}!": (_R + 0.6,), f"p = {_p}, unbatched": (np.abs(_X[0]) + 0.1,),
        f"p = {_p}, empty batch": (_EMPTY,)},
         torch=lambda T, x, p=_p: T.nn.functional.lp_pool3d(x, p, 2, 1), note=_NOTE)
rows("lp_pool3d", lambda x: F.lp_pool3d(x, 2.0, 2, ceil_mode=True), {
    "ceil_mode, negative and zero": (np.where(_X > 0.5, -_X, _X),)},
     torch=lambda T, x: T.nn.functional.lp_pool3d(x, 2.0, 2, ceil_mode=True), note=_NOTE)
rows("lp_pool3d", lambda x: F.lp_pool3d(x, 2.0, 5), {"kernel larger than the input": (_X,)},
     raises="lp_pool3d:")

_XP = _X[:, :, :2, :2, :2]
_IDX = np.array([0, 9, 18, 27, 36, 45, 54, 63]).reshape(1, 1, 2, 2, 2).repeat(2, 0).repeat(2, 1)
rows("max_unpool3d", lambda x: F.max_unpool3d(x, _IDX if x.ndim == 5 else _IDX[0], 4), {
    "4 x 4 x 4 windows!": (_XP,), "unbatched": (_XP[0],)},
     torch=lambda T, x: T.nn.functional.max_unpool3d(
         x, T.tensor(_IDX if x.ndim == 5 else _IDX[0]), 4), note=_NOTE)
rows("max_unpool3d", lambda x: F.max_unpool3d(x, _IDX[..., :1], 4), {
    "indices of another shape": (_XP,)}, raises="max_unpool3d: indices of shape")
rows("max_unpool3d", lambda x: F.max_unpool3d(x, _IDX * 9, 4), {
    "an index past the output": (_XP,)}, raises="max_unpool3d: found an invalid max index")

rows("dropout3d", lambda x: F.dropout3d(x, 0.5, training=False), {
    "evaluation!": (_R,), "evaluation, unbatched": (_X[0],), "inf and nan": (_ODD,)},
     torch=lambda T, x: T.nn.functional.dropout3d(x, 0.5, training=False), note=_NOTE)
rows("dropout3d", lambda x: F.dropout3d(x, 1.0), {"p = 1": (_X,), "empty batch": (_EMPTY,)},
     torch=lambda T, x: T.nn.functional.dropout3d(x, 1.0), note=_NOTE)
rows("dropout3d", lambda x: F.dropout3d(x, 0.5), {"a 3-D input": (_X[0, 0],)},
     raises="dropout3d: expected input")
rows("dropout3d", lambda x: F.dropout3d(x, 1.5), {"p above 1": (_X,)},
     raises="dropout3d: p must be")
