"""Edge rows of pools and resampling: max_pool2d, avg_pool2d, interpolate, the max pools with
indices and max_unpool, lp_pool, the 1-D and adaptive pools, upsample, the fractional max pools
(compared with torch given the same _random_samples), the deprecated upsample names. `T` in a
`torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's value is the
reference."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows
from .edge_table import a64 as _a

_X3 = np.array([[[0.5, -1.0, 2.0, 1.5, 0.25], [1.0, 1.25, -0.5, 3.0, -2.0]]])  # (1, 2, 5)
_X4 = np.arange(24.0).reshape(1, 2, 3, 4) / 7 - 1.2
_ODD = np.array([[[1.0, 1.0, -INF, -INF, 2.0, 2.0, NAN, 0.0, NAN]]])  # ties, -inf, NaNs
_NOTE = "compared with torch (NumPy has none)"


_IMG = np.arange(16.0).reshape(1, 1, 4, 4) / 8

rows("max_pool2d", F.max_pool2d, {"2x2!": (_IMG,), "ties": (np.ones((1, 1, 2, 2)),),
                                  "nan": (np.array([[[[NAN, 0.0], [1.0, 2.0]]]]),),
                                  "-inf": (np.full((1, 1, 2, 2), -INF),)},
     torch=lambda T, x: T.nn.functional.max_pool2d(x, 2))
rows("avg_pool2d", F.avg_pool2d, {"2x2!": (_IMG,),
                                  "inf and nan": (np.array([[[[INF, 0.0], [NAN, 2.0]]]]),)},
     torch=lambda T, x: T.nn.functional.avg_pool2d(x, 2))
rows("max_pool2d", lambda x: F.max_pool2d(x, 3),
     {"kernel larger than the image": (_IMG[..., :2, :2],)}, raises="max_pool2d|MaxPool2d")
rows("avg_pool2d", lambda x: F.avg_pool2d(x, 0), {"zero kernel": (_IMG,)}, raises="avg_pool2d")


_UP_IMG = np.array([[[[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]]])
for _mode, _ac, _size in (("nearest", None, (3, 5)), ("bilinear", False, (3, 5)),
                          ("bilinear", True, (3, 5)), ("nearest-exact", None, (3, 5)),
                          ("area", None, (3, 2)), ("bicubic", False, (3, 5)),
                          ("bicubic", True, (3, 5)), ("nearest", None, (2, 3, 5)),
                          ("trilinear", False, (2, 3, 5)), ("trilinear", True, (2, 3, 5))):
    _kw = {"mode": _mode, "align_corners": _ac, "size": _size}
    _lead = (1,) * (len(_size) - 2)  # (a 5-D input: a depth of 1)

    def _up(x: Any, lead: tuple[int, ...] = _lead) -> Any:
        return x.reshape(x.shape[:2] + lead + x.shape[2:])

    rows("interpolate", lambda x, k=_kw, u=_up: F.interpolate(u(x), **k), {
        "empty batch": (np.zeros((0, 1, 2, 3)),),
        "one element!": (_a(0.75).reshape(1, 1, 1, 1),),
        "inf": (np.where(_UP_IMG > 1.8, INF, _UP_IMG),),
        "nan": (np.where(_UP_IMG < -0.9, NAN, _UP_IMG),),
        "finite!": (_UP_IMG,)},
        torch=lambda T, x, k=_kw, u=_up: T.nn.functional.interpolate(u(x), **k),
        note="compared with torch (NumPy has no interpolate)")
rows("interpolate", lambda x: F.interpolate(x, scale_factor=2, mode="lanczos"), {
    "another mode": (_UP_IMG,)}, raises="mode 'lanczos' is not supported")
for _mode in ("bilinear", "bicubic"):  # antialias: downsampled (2, 3) to (1, 2)
    _kw = {"mode": _mode, "size": (1, 2), "antialias": True}
    rows("interpolate", lambda x, k=_kw: F.interpolate(x, **k), {
        "antialias inf": (np.where(_UP_IMG > 1.8, INF, _UP_IMG),),
        "antialias nan": (np.where(_UP_IMG < -0.9, NAN, _UP_IMG),),
        "antialias finite!": (_UP_IMG,)},
        torch=lambda T, x, k=_kw: T.nn.functional.interpolate(x, **k),
        note="compared with torch (NumPy has no interpolate)")
rows("interpolate", lambda x: F.interpolate(x, scale_factor=2, mode="nearest", antialias=True), {
    "antialias of mode nearest": (_UP_IMG,)}, raises="antialias=True takes mode 'bilinear'")
rows("interpolate", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), {
    "bilinear of a 3-D input": (_UP_IMG[0],)}, raises="takes a 4-D input")


# ---- max pools with indices, max_unpool --------------------------------------------------------
for _d, _x in ((1, _X3), (2, _X4)):
    _name = f"max_pool{_d}d_with_indices"
    _fn, _tn = getattr(F, _name), f"max_pool{_d}d"
    for _j in (0, 1):  # the values (gradients to torch's positions), then the indices
        rows(_name, lambda x, f=_fn, j=_j: f(x, 2, 1, 1)[j], {
            "overlapping windows, padding" + ("!" if _j == 0 else ""): (_x,),
            "unbatched": (_x[0],), "ties": (np.round(_x),),
            "inf and nan": (np.where(_x > 1, INF, np.where(_x < -1, NAN, _x)),),
            "empty batch": (np.zeros((0,) + _x.shape[1:]),)},
             torch=lambda T, x, n=_tn, j=_j: getattr(T.nn.functional, n)(
                 x, 2, 1, 1, return_indices=True)[j], note=_NOTE)
        rows(_name, lambda x, f=_fn, j=_j: f(x, 2, 2, 0, 2, True)[j], {
            "dilation 2, ceil_mode": (_x,)},
             torch=lambda T, x, n=_tn, j=_j: getattr(T.nn.functional, n)(
                 x, 2, 2, 0, 2, True, return_indices=True)[j], note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 3, padding=2), {"padding above kernel // 2": (_x,)},
         raises=f"max_pool{_d}d: padding must be at most")
    rows(_name, lambda x, f=_fn: f(x, 2), {"too few dims": (_x[0, 0] if _d == 2 else _a(1, 2),)},
         raises=f"max_pool{_d}d: expected input")
    rows(_name, lambda x, f=_fn: f(x, 2, dilation=5), {"output too small": (_x,)},
         raises=f"max_pool{_d}d: the output would be")
rows("max_pool1d_with_indices", lambda x: F.max_pool1d_with_indices(x, 3, 1, 1)[1], {
    "torch's rule: first max, last NaN, first real position of -inf": (_ODD,)},
     torch=lambda T, x: T.nn.functional.max_pool1d(x, 3, 1, 1, return_indices=True)[1],
     note=_NOTE)
rows("max_pool1d_with_indices", lambda x: F.max_pool1d_with_indices(x, 2)[0], {
    "a bool input": (np.ones((1, 1, 4), bool),)}, raises="max_pool1d: expected a float")

# indices from torch's own pool: (1, 2, 3) values at positions of a length-6 (1-D) input and of
# a 4 x 4 (2-D) one; in 1-D the pool had stride 1, so position 3 is named twice
_I1 = np.array([[[1, 3, 3], [0, 2, 5]]])
_I2 = np.array([[[[5, 7], [13, 15]], [[0, 2], [9, 11]]]])
rows("max_unpool1d", lambda x: F.max_unpool1d(x, _I1, 2, 2), {
    "a position named twice: its value once, its gradient to both": (_X3[:, :, :3],),
    "inf and nan": (_a(INF, NAN, 1, 2, 3, -INF).reshape(1, 2, 3),)},
     torch=lambda T, x: T.nn.functional.max_unpool1d(x, T.tensor(_I1), 2, 2), note=_NOTE)
rows("max_unpool1d", lambda x: F.max_unpool1d(x, _I1, 2, 2, output_size=(7,)), {
    "output_size": (_X3[:, :, :3],)},
     torch=lambda T, x: T.nn.functional.max_unpool1d(x, T.tensor(_I1), 2, 2, output_size=(7,)),
     note=_NOTE)
rows("max_unpool1d", lambda x: F.max_unpool1d(x, _I1 + 4, 2, 2), {"an index past the end": (
    _X3[:, :, :3],)}, raises="max_unpool1d: found an invalid max index 9")
rows("max_unpool1d", lambda x: F.max_unpool1d(x, _I1.astype(np.int32), 2, 2), {
    "int32 indices": (_X3[:, :, :3],)}, raises="max_unpool1d: indices must be int64")
rows("max_unpool2d", lambda x: F.max_unpool2d(x, _I2 if x.ndim == 4 else _I2[0], 2), {
    "2 x 2 windows!": (_X4[:, :, :2, :2],), "unbatched": (_X4[0, :, :2, :2],)},
     torch=lambda T, x: T.nn.functional.max_unpool2d(
         x, T.tensor(_I2 if x.ndim == 4 else _I2[0]), 2), note=_NOTE)
rows("max_unpool2d", lambda x: F.max_unpool2d(x, _I2, 2, output_size=(5, 5)), {
    "output_size!": (_X4[:, :, :2, :2],)},
     torch=lambda T, x: T.nn.functional.max_unpool2d(x, T.tensor(_I2), 2, output_size=(5, 5)),
     note=_NOTE)
rows("max_unpool2d", lambda x: F.max_unpool2d(x, _I2, 2, output_size=(6, 4)), {
    "output_size beyond the stride": (_X4[:, :, :2, :2],)}, raises="max_unpool2d: output_size")
rows("max_unpool2d", lambda x: F.max_unpool2d(x, _I2[..., :1], 2), {
    "indices of another shape": (_X4[:, :, :2, :2],)}, raises="max_unpool2d: indices of shape")

# ---- lp_pool ---------------------------------------------------------------------------------
for _d, _x in ((1, np.abs(_X3) + 0.1), (2, np.abs(_X4) + 0.1)):
    _name = f"lp_pool{_d}d"
    for _p in (2.0, 3, INF):
        rows(_name, lambda x, n=_name, p=_p: getattr(F, n)(x, p, 2), {
            f"p = {_p}!": (_x,), f"p = {_p}, unbatched": (_x[0],),
            f"p = {_p}, empty batch": (np.zeros((0,) + _x.shape[1:]),)},
             torch=lambda T, x, n=_name, p=_p: getattr(T.nn.functional, n)(x, p, 2), note=_NOTE)
    rows(_name, lambda x, n=_name: getattr(F, n)(x, 2.0, 2), {
        "negative and zero": (np.where(_x > 1, -_x, np.where(_x < 0.3, 0.0, _x)),)},
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 2.0, 2), note=_NOTE)
    rows(_name, lambda x, n=_name: getattr(F, n)(x, 2.0, 9), {"kernel larger than the input": (
        _x,)}, raises=f"{_name}: kernel_size")
    rows(_name, lambda x, n=_name: getattr(F, n)(x, 2.0, 2, ceil_mode=True), {"ceil_mode!": (
        _x,)}, torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 2.0, 2, ceil_mode=True),
         note=_NOTE)

rows("upsample_nearest", lambda x: F.upsample_nearest(x, scale_factor=2), {
    "scale 2!": (_X4,), "inf and nan": (np.where(_X4 > 1, INF, np.where(_X4 < -1, NAN, _X4)),)},
     torch=lambda T, x: T.nn.functional.upsample_nearest(x, scale_factor=2), note=_NOTE)
rows("upsample_bilinear", lambda x: F.upsample_bilinear(x, size=(4, 7)), {
    "align_corners=True!": (_X4,), "one pixel": (_X4[:, :, :1, :1],)},
     torch=lambda T, x: T.nn.functional.upsample_bilinear(x, size=(4, 7)), note=_NOTE)

_TIES = np.array([[[1.0, 1.0, 0.5, 0.5, 2.0, 2.0]]])  # windows of 2: each a tie

# ---- 1-D and adaptive pools ---------------------------------------------------------------------
for _name, _k in (("max_pool1d", {}), ("avg_pool1d", {})):
    _fn = getattr(F, _name)
    rows(_name, lambda x, f=_fn: f(x, 2), {
        "ties: the first maximum's gradient": (_TIES,), "one window!": (_X3[:, :, :2],),
        "unbatched (C, L)!": (_X3[0],), "inf and nan": (np.array([[[INF, 1.0, NAN, 2.0]]]),),
        "empty batch": (np.zeros((0, 2, 4)),)},
        torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 2), note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 3, 2, 1), {"stride 2, padding 1!": (_X3,)},
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 3, 2, 1), note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 6), {"kernel longer than the input": (_X3,)},
         raises=f"{_name}: kernel_size 6 is larger")
    rows(_name, lambda x, f=_fn: f(x, 2, padding=2), {"padding above kernel // 2": (_X3,)},
         raises=f"{_name}: padding must be at most")
    rows(_name, lambda x, f=_fn: f(x, 2), {"a 4-D input": (_X4,)},
         raises=f"{_name}: expected input")
rows("max_pool1d", lambda x: F.max_pool1d(x, 2, ceil_mode=True), {"ceil_mode!": (_X3,)},
     torch=lambda T, x: T.nn.functional.max_pool1d(x, 2, ceil_mode=True), note=_NOTE)
rows("avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), {
    "ceil_mode, count_include_pad=False!": (_X3,)},
     torch=lambda T, x: T.nn.functional.avg_pool1d(x, 3, 2, 1, True, False), note=_NOTE)
for _name, _x, _out in (("adaptive_avg_pool1d", _X3, 3), ("adaptive_max_pool1d", _X3, 3),
                        ("adaptive_avg_pool2d", _X4, (2, 3)), ("adaptive_max_pool2d", _X4, (2, 3))):
    _fn = getattr(F, _name)
    _big = np.where(_x > 1.0, INF, np.where(_x < -1.1, NAN, _x))
    rows(_name, lambda x, f=_fn, o=_out: f(x, o), {
        "overlapping bins!": (_x,), "unbatched!": (_x[0],), "inf and nan": (_big,),
        "ties": (np.round(_x),), "empty batch": (np.zeros((0,) + _x.shape[1:]),)},
        torch=lambda T, x, n=_name, o=_out: getattr(T.nn.functional, n)(x, o), note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 0), {"output_size 0": (_x,)},  # (empty, as torch's;
         # its backward of it fails: the gradient is zeros)
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 0).detach(), note=_NOTE)
    rows(_name, lambda x, f=_fn, o=_out: f(x, o), {"too few dims": (_x[0, 0],)},
         raises=f"{_name}: expected input")
for _name, _x, _out in (("adaptive_max_pool1d", _X3, 3), ("adaptive_max_pool2d", _X4, (2, 3))):
    _big = np.where(_x > 1.0, INF, np.where(_x < -1.1, NAN, _x))
    for _j in (0, 1):  # (values, indices) with return_indices=True
        rows(_name, lambda x, n=_name, o=_out, j=_j: getattr(F, n)(x, o, return_indices=True)[j], {
            "return_indices, overlapping bins" + ("!" if _j == 0 else ""): (_x,),
            "return_indices, ties": (np.round(_x),), "return_indices, inf and nan": (_big,),
            "return_indices, unbatched": (_x[0],)},
             torch=lambda T, x, n=_name, o=_out, j=_j: getattr(T.nn.functional, n)(
                 x, o, return_indices=True)[j], note=_NOTE)

# ---- upsample --------------------------------------------------------------------------------
rows("upsample", lambda x: F.upsample(x, scale_factor=2), {
    "nearest!": (_X4,), "empty batch": (np.zeros((0, 2, 3, 4)),)},
     torch=lambda T, x: T.nn.functional.interpolate(x, scale_factor=2), note=_NOTE)
rows("upsample", lambda x: F.upsample(x, size=7, mode="linear", align_corners=True), {
    "linear, corners!": (_X3,)},
     torch=lambda T, x: T.nn.functional.interpolate(x, size=7, mode="linear",
                                                    align_corners=True), note=_NOTE)
rows("upsample", lambda x: F.upsample(x), {"no size": (_X3,)},
     raises="interpolate: give exactly one of size and scale_factor")

_NOTE = "compared with torch given the same _random_samples (NumPy has none)"
_X2 = np.arange(2 * 3 * 7 * 6.0).reshape(2, 3, 7, 6) % 5 / 2 - 0.9  # ties
_R2 = np.random.default_rng(4).permutation(_X2.size).reshape(_X2.shape) / _X2.size - 0.5
_ODD2 = np.where(_X2 > 0.9, INF, np.where(_X2 < -0.8, NAN, _X2))
_X3 = np.arange(2 * 2 * 5 * 6 * 5.0).reshape(2, 2, 5, 6, 5) % 7 / 3 - 0.9
_R3 = np.random.default_rng(5).permutation(_X3.size).reshape(_X3.shape) / _X3.size - 0.5
_ODD3 = np.where(_X3 > 0.9, INF, np.where(_X3 < -0.8, NAN, _X3))
_S2 = np.random.default_rng(6).random((2, 3, 2))
_S3 = np.random.default_rng(7).random((2, 2, 3))


def _s(x: np.ndarray, s: np.ndarray, dims: int) -> np.ndarray:
    return s if x.ndim == dims + 2 else s[:1]


for _name, _dims, _x, _r, _odd, _smp in (
        ("fractional_max_pool2d", 2, _X2, _R2, _ODD2, _S2),
        ("fractional_max_pool3d", 3, _X3, _R3, _ODD3, _S3)):
    for _fname in (_name, _name + "_with_indices"):
        _fn = getattr(F, _fname)
        for _j in (0, 1):
            for _opts in ({"output_size": 3}, {"output_ratio": 0.5}):
                rows(_fname, lambda x, f=_fn, j=_j, o=_opts, d=_dims, s=_smp: f(
                    x, 2, return_indices=True, _random_samples=_s(x, s, d), **o)[j], {
                    f"{_opts}" + ("!" if _j == 0 else ""): (_r,), f"{_opts}, ties": (_x,),
                    f"{_opts}, unbatched": (_x[0],), f"{_opts}, inf and nan": (_odd,),
                    f"{_opts}, empty batch": (_x[:0],)},
                     torch=lambda T, x, n=_name, j=_j, o=_opts, d=_dims, s=_smp: getattr(
                         T.nn.functional, n)(x, 2, return_indices=True, _random_samples=T.tensor(
                             _s(x, s, d)[:max(len(x), 1)] if x.ndim == d + 2 else _s(x, s, d)),
                             **({"output_ratio": (0.5,) * d} if "output_ratio" in o else o))[j],
                     note=_NOTE)
        rows(_fname, lambda x, f=_fn, s=_smp: f(x, 2, output_size=0, return_indices=True,
                                                 _random_samples=s)[0], {
            "output size 0": (_x,)},
             torch=lambda T, x, n=_name, s=_smp: getattr(T.nn.functional, n)(
                 x, 2, output_size=0, _random_samples=T.tensor(s)), note=_NOTE)
        rows(_fname, lambda x, f=_fn: f(x, 2, output_size=6), {
            "pool too large for the output": (_x,)}, raises="too large relative to input")
        rows(_fname, lambda x, f=_fn: f(x, 2), {"neither output_size nor output_ratio": (_x,)},
             raises=f"{_name} requires")
        rows(_fname, lambda x, f=_fn, s=_smp: f(x, 2, output_size=2,
                                                 _random_samples=s.astype(np.float32)), {
            "samples of another dtype": (_x,)}, raises=f"{_name}: Expect _random_samples")
        rows(_fname, lambda x, f=_fn, s=_smp: f(x, 2, output_size=2, _random_samples=s[:1]), {
            "too few samples": (_x,)}, raises=f"{_name}: _random_samples must be")
        rows(_fname, lambda x, f=_fn: f(x, 2, output_size=2), {"a 2-d input": (_x[0, 0],)},
             raises=f"{_name}: expected input")
        rows(_fname, lambda x, f=_fn: f(x.astype(np.int64), 2, output_size=2), {
            "an integer input": (_x,)}, raises=f"{_name}: expected a float input")
