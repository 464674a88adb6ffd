"""Edge rows of torch.nn.functional's further names (tests/test_torch_names7.py): conv1d, the
1-D and adaptive pools, group_norm / instance_norm / rms_norm, dropout1d / dropout2d, upsample,
hardshrink / softshrink, bilinear, pdist, pad's reflect / replicate / circular modes, and the
margin, ranking, embedding, Poisson and Gaussian losses. `T` in a `torch=` lambda is the torch
module; a row with `torch=` and no `numpy=` compares values and gradients with torch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, E, rows


def _a(*v: Any) -> np.ndarray:
    return np.array(v, dtype=np.float64)


_X3 = np.array([[[0.5, -1.0, 2.0, 1.5, 0.25], [1.0, 1.25, -0.5, 3.0, -2.0]]])  # (1, 2, 5)
_X4 = np.arange(24.0).reshape(1, 2, 3, 4) / 7 - 1.2
_TIES = np.array([[[1.0, 1.0, 0.5, 0.5, 2.0, 2.0]]])  # windows of 2: each a tie
_W3 = np.array([[[0.5, -1.0]], [[1.5, 0.25]], [[-0.75, 2.0]]])  # (3, 1, 2): groups=2 needs 2
_NOTE = "compared with torch (NumPy has none)"

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
    rows(_name, lambda x, f=_fn: f(x, 0), {"output_size 0": (_x,)},
         raises=f"{_name}: output_size must be")
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

# ---- dropout1d, dropout2d, upsample -------------------------------------------------------------
for _name, _x in (("dropout1d", _X3), ("dropout2d", _X4)):
    _fn = getattr(F, _name)
    rows(_name, lambda x, f=_fn: f(x, 0.5, training=False), {
        "evaluation: x itself": (_x,), "empty batch": (np.zeros((0,) + _x.shape[1:]),)},
        numpy=lambda x: x, numpy_warns=False)
    rows(_name, lambda x, f=_fn: f(x, 1.0), {"p = 1: zeros": (_x,)},
         numpy=lambda x: np.zeros_like(x), numpy_warns=False)
    rows(_name, lambda x, f=_fn: f(x, 1.5), {"p above 1": (_x,)}, raises=f"{_name}: p must be")
    rows(_name, lambda x, f=_fn: f(x, 0.5, training=False), {"a 1-D input": (_a(1.0, 2.0),)},
         raises=f"{_name}: expected input")
rows("dropout2d", F.dropout2d, {"a 3-D input: ambiguous": (_X3,)},
     raises="dropout2d: expected input .* ambiguous")
rows("upsample", lambda x: F.upsample(x, scale_factor=2), {
    "nearest!": (_X4,), "empty batch": (np.zeros((0, 2, 3, 4)),)},
     torch=lambda T, x: T.nn.functional.interpolate(x, scale_factor=2), note=_NOTE)
rows("upsample", lambda x: F.upsample(x, size=7, mode="linear", align_corners=True), {
    "linear, corners!": (_X3,)},
     torch=lambda T, x: T.nn.functional.interpolate(x, size=7, mode="linear",
                                                    align_corners=True), note=_NOTE)
rows("upsample", lambda x: F.upsample(x), {"no size": (_X3,)},
     raises="interpolate: give exactly one of size and scale_factor")

# ---- hardshrink, softshrink ---------------------------------------------------------------------
_SHRINK = {"on the bounds and inside": (_a(-0.5, 0.5, 0.0, -0.2, 0.3),),
           "outside!": (_a(-2.0, 0.7, 1.5, -0.6),), "inf and nan": (_a(INF, -INF, NAN),),
           "empty": (E,), "0-d": (np.float64(-0.75),)}
for _name in ("hardshrink", "softshrink"):
    rows(_name, getattr(F, _name), _SHRINK,
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x), note=_NOTE)
    rows(_name, lambda x, n=_name: getattr(F, n)(x, 1.0), {"lambd 1, on the bounds": (
        _a(1.0, -1.0, 1.5, -0.25),)},
        torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 1.0), note=_NOTE)
    rows(_name, lambda x, n=_name: getattr(F, n)(x, "a"), {"a string lambd": (_a(1.0),)},
         raises=f"{_name}: lambd must be a number")
rows("softshrink", lambda x: F.softshrink(x, -1.0), {"negative lambd": (_a(1.0),)},
     raises="softshrink: lambd must be >= 0")
rows("hardshrink", lambda x: F.hardshrink(x, 0.0), {"lambd 0: kink at 0": (_a(0.0, -1.0),)},
     torch=lambda T, x: T.nn.functional.hardshrink(x, 0.0), note=_NOTE)

# ---- bilinear, pdist ----------------------------------------------------------------------------
_B1, _B2 = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]), np.array([[1.0, -2.0], [0.25, 0.75]])
_BW = np.linspace(-1, 1, 24).reshape(4, 3, 2)
rows("bilinear", F.bilinear, {
    "with bias!": (_B1, _B2, _BW, _a(0.1, -0.2, 0.3, 0.0)),
    "inf": (np.where(_B1 > 1.8, INF, _B1), _B2, _BW, _a(0, 0, 0, 0.0)),
    "empty batch": (np.zeros((0, 3)), np.zeros((0, 2)), _BW, _a(0, 0, 0, 0.0))},
     torch=lambda T, a, b, w, c: T.nn.functional.bilinear(a, b, w, c), note=_NOTE)
rows("bilinear", F.bilinear, {"no bias, one sample!": (_B1[0], _B2[0], _BW)},
     torch=lambda T, a, b, w: T.nn.functional.bilinear(a, b, w), note=_NOTE)
rows("bilinear", F.bilinear, {"leading shapes differ": (_B1, _B2[:1], _BW),
                              "in1 differs": (_B1[:, :2], _B2, _BW)},
     raises="bilinear: expected input1")
_PD = np.array([[0.5, -1.0, 2.0], [0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [-2.0, 1.0, 0.0]])
for _p in (2.0, 1.0, 0.5, 3.0):
    rows("pdist", lambda x, p=_p: F.pdist(x, p), {
        f"p={_p}, a repeated row (distance 0)": (_PD,), f"p={_p}, one row": (_PD[:1],)},
        torch=lambda T, x, p=_p: T.nn.functional.pdist(x, p), note=_NOTE)
rows("pdist", F.pdist, {"empty rows": (np.zeros((3, 0)),), "inf": (
    np.array([[INF, 1.0], [0.0, 1.0], [1.0, 2.0]]),)},
     torch=lambda T, x: T.nn.functional.pdist(x), note=_NOTE)
rows("pdist", lambda x: F.pdist(x, np.inf), {"p=inf, no ties!": (_PD[2:],)},
     torch=lambda T, x: T.nn.functional.pdist(x, float("inf")), note=_NOTE)
rows("pdist", F.pdist, {"a 3-D input": (np.ones((2, 2, 2)),)}, raises="pdist: expected input")
rows("pdist", lambda x: F.pdist(x, -1.0), {"negative p": (_PD,)}, raises="pdist: p must be")

# ---- pad's reflect, replicate and circular modes ------------------------------------------------
for _mode in ("reflect", "replicate", "circular"):
    rows("pad", lambda x, m=_mode: F.pad(x, (2, 1, 1, 0), mode=m), {
        f"{_mode}: each entry's gradient adds up!": (_X4,),
        f"{_mode}: inf and nan": (np.where(_X4 > 1.5, INF, np.where(_X4 < -1.0, NAN, _X4)),)},
        torch=lambda T, x, m=_mode: T.nn.functional.pad(x, (2, 1, 1, 0), mode=m), note=_NOTE)
    rows("pad", lambda x, m=_mode: F.pad(x, (1, 1, 0, 0), mode=m, value=1.0), {
        f"{_mode} with a value": (_X4,)}, raises=f"pad: mode '{_mode}' takes no fill value")
rows("pad", lambda x: F.pad(x, (4, 0, 0, 0), mode="reflect"), {
    "reflect as wide as the axis": (_X4,)}, raises="pad: mode 'reflect' needs widths")
rows("pad", lambda x: F.pad(x, (0, 0, 1, 0), mode="replicate"), {
    "replicate an empty axis": (np.zeros((1, 2, 0, 3)),)}, raises="pad: mode 'replicate' needs")
rows("pad", lambda x: F.pad(x, (1, 1, 0, 0), mode="symmetric"), {"an unknown mode": (_X4,)},
     raises="pad: mode must be one of")

# ---- margin, ranking and embedding losses -------------------------------------------------------
_Y6 = _a(1.0, -1.0, 1.0, -1.0, 1.0, -1.0)
_L1, _L2 = _a(0.5, -1.0, 2.0, 0.3, 0.0, 1.0), _a(0.5, -1.0, 1.0, 1.3, -0.25, 4.0)
for _red in ("mean", "sum", "none"):
    rows("margin_ranking_loss", lambda a, b, y, r=_red: F.margin_ranking_loss(a, b, y,
                                                                              reduction=r), {
        f"{_red}: ties on the kink": (_L1, _L2, _Y6)},
        torch=lambda T, a, b, y, r=_red: T.nn.functional.margin_ranking_loss(a, b, y,
                                                                             reduction=r))
rows("margin_ranking_loss", lambda a, b, y: F.margin_ranking_loss(a, b, y, 0.5), {
    "margin 0.5, on the kink": (_L1, _L1 - 0.5, _Y6), "inf and nan": (
        _a(INF, NAN, 1.0), _a(0.0, 0.0, -INF), _a(1.0, 1.0, -1.0)), "empty": (E, E, E)},
     torch=lambda T, a, b, y: T.nn.functional.margin_ranking_loss(a, b, y, 0.5))
rows("margin_ranking_loss", F.margin_ranking_loss, {
    "shapes differ": (np.ones((2, 1)), np.ones((2, 1)), np.ones(2))},
     raises="margin_ranking_loss: input1 \\(2, 1\\), input2 \\(2, 1\\), target \\(2,\\)")
rows("margin_ranking_loss", lambda a, b, y: F.margin_ranking_loss(a, b, y, reduction="avg"), {
    "a bad reduction": (_L1, _L2, _Y6)}, raises="margin_ranking_loss: reduction must be")
_H = _a(1.0, 0.5, -0.3, 2.0, 1.0, 0.0)
rows("hinge_embedding_loss", lambda x, y: F.hinge_embedding_loss(x, y, reduction="none"), {
    "on the margin and at 0": (_H, _Y6), "a target of neither sign": (_H[:2], _a(0.0, 2.0)),
    "inf and nan": (_a(INF, -INF, NAN, INF), _a(1.0, -1.0, 1.0, -1.0))},
     wrt=(0,), torch=lambda T, x, y: T.nn.functional.hinge_embedding_loss(x, y, reduction="none"))
rows("hinge_embedding_loss", lambda x, y: F.hinge_embedding_loss(x, y, 2.0), {
    "margin 2, on the kink": (_H, _Y6), "empty": (E, E)}, wrt=(0,),
     torch=lambda T, x, y: T.nn.functional.hinge_embedding_loss(x, y, 2.0))
rows("hinge_embedding_loss", F.hinge_embedding_loss, {"shapes differ": (_H, _Y6[:2])},
     raises="hinge_embedding_loss: input \\(6,\\), target \\(2,\\) must have one shape")
rows("soft_margin_loss", F.soft_margin_loss, {
    "finite!": (_L1, _Y6), "large: no overflow": (_a(-30.0, 30.0), _a(1.0, -1.0)),
    "nan": (_a(NAN, 1.0), _a(1.0, 1.0)), "empty": (E, E)}, wrt=(0,),
     torch=lambda T, x, y: T.nn.functional.soft_margin_loss(x, y))
rows("soft_margin_loss", F.soft_margin_loss, {"a target that requires grad": (_L1, _Y6)},
     raises="soft_margin_loss: the target requires grad")
_ML = np.array([[0.5, -1.0, 2.0, 0.0], [1.5, 0.25, -3.0, 0.7], [-0.2, 0.9, 1.1, -1.4]])
_MY = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
rows("multilabel_soft_margin_loss", F.multilabel_soft_margin_loss, {
    "finite!": (_ML, _MY), "one sample (C,)": (_ML[0], _MY[0]),
    "large: no overflow": (np.array([[40.0, -40.0]]), np.array([[0.0, 1.0]])),
    "inf and nan": (np.array([[INF, NAN]]), np.array([[1.0, 0.0]]))},
     torch=lambda T, x, y: T.nn.functional.multilabel_soft_margin_loss(x, y))
rows("multilabel_soft_margin_loss", lambda x, y, w: F.multilabel_soft_margin_loss(
    x, y, w, reduction="none"), {"class weights!": (_ML, _MY, _a(0.5, 1.0, 2.0, 0.0))},
     torch=lambda T, x, y, w: T.nn.functional.multilabel_soft_margin_loss(x, y, w,
                                                                          reduction="none"))
rows("multilabel_soft_margin_loss", lambda x, y, w: F.multilabel_soft_margin_loss(x, y, w), {
    "a weight of another length": (_ML, _MY, _a(1.0, 2.0))},
     raises="multilabel_soft_margin_loss: weight must have shape \\(4,\\)")
_CA = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [1.5, 0.25, -0.5], [1.0, 2.0, 3.0]])
_CB = np.array([[1.0, 0.5, 0.0], [1.0, 2.0, 0.5], [1.5, 0.25, -0.5], [-1.0, -2.0, -3.0]])
rows("cosine_embedding_loss", lambda a, b, y: F.cosine_embedding_loss(a, b, y, 0.1, "none"), {
    "a zero row, equal rows, opposite rows": (_CA, _CB, _a(1.0, -1.0, -1.0, 1.0)),
    "finite!": (_CA[2:] + 0.5, _CB[:2], _a(1.0, -1.0)),
    "a target of 0: no loss": (_CA[:1], _CB[:1], _a(0.0)),
    "cos at the margin": (np.array([[1.0, 0.0]]), np.array([[0.1, np.sqrt(0.99)]]), _a(-1.0))},
     wrt=(0, 1), torch=lambda T, a, b, y: T.nn.functional.cosine_embedding_loss(
         a, b, y, 0.1, reduction="none"))
rows("cosine_embedding_loss", F.cosine_embedding_loss, {
    "one pair, a 0-d target, cos 0 on the kink": (_CA[0], _CB[0], np.float64(-1.0)),
    "empty batch": (np.zeros((0, 3)), np.zeros((0, 3)), E)},
     wrt=(0, 1), torch=lambda T, a, b, y: T.nn.functional.cosine_embedding_loss(a, b, y))
rows("cosine_embedding_loss", F.cosine_embedding_loss, {
    "a target per feature": (_CA, _CB, np.ones((4, 3)))},
     raises="cosine_embedding_loss: expected inputs \\(N, D\\) with target \\(N,\\)")
_TA = np.array([[0.5, -1.0], [1.5, 0.25], [0.0, 2.0]])
_TP, _TN = _TA + 0.3, np.array([[0.8, -0.7], [1.0, 1.0], [0.0, 2.0]])
for _kw in ({}, {"swap": True}, {"p": 1.0, "margin": 0.5}):
    rows("triplet_margin_loss", lambda a, p, n, k=_kw: F.triplet_margin_loss(
        a, p, n, reduction="none", **k), {
        f"{_kw}: a tie, a negative on the anchor": (_TA, _TP, _TN),
        f"{_kw}: one triplet (D,)!": (_TA[0], _TP[0], _TN[1])},
        torch=lambda T, a, p, n, k=_kw: T.nn.functional.triplet_margin_loss(
            a, p, n, reduction="none", **k))
rows("triplet_margin_loss", F.triplet_margin_loss, {
    "empty batch": (np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 2)))},
     torch=lambda T, a, p, n: T.nn.functional.triplet_margin_loss(a, p, n))
rows("triplet_margin_loss", lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=0.0), {
    "margin 0": (_TA, _TP, _TN)}, raises="triplet_margin_loss: margin must be greater than 0")
rows("triplet_margin_loss", F.triplet_margin_loss, {"shapes differ": (_TA, _TP[:1], _TN)},
     raises="triplet_margin_loss: anchor \\(3, 2\\), positive \\(1, 2\\)")
_MM = np.array([[0.5, -1.0, 1.5, 0.0], [1.5, 0.25, -3.0, 0.7], [-0.2, 0.9, 1.1, -1.4]])
_MT = np.array([0, 3, 1])  # row 0: 1.5 - 0.5 = margin 1, on the kink
for _p in (1, 2):
    for _red in ("mean", "sum", "none"):
        rows("multi_margin_loss", lambda x, t, p=_p, r=_red: F.multi_margin_loss(
            x, t, p, reduction=r), {f"p={_p}, {_red}: on the kink": (_MM, _MT)},
            torch=lambda T, x, t, p=_p, r=_red: T.nn.functional.multi_margin_loss(
                x, t, p, reduction=r))
rows("multi_margin_loss", lambda x, t, w: F.multi_margin_loss(x, t, 1, 0.5, w), {
    "class weights": (_MM, _MT, _a(0.5, 2.0, 1.0, 0.0))}, wrt=(0,),
     torch=lambda T, x, t, w: T.nn.functional.multi_margin_loss(x, t, 1, 0.5, w))
rows("multi_margin_loss", F.multi_margin_loss, {
    "one sample (C,), a 0-d target, on the kink": (_MM[0], np.int64(2)),
    "off the kinks!": (_MM[1], np.int64(1)),
    "inf": (np.array([[INF, 0.0, 2.0]]), np.array([1])),
    "one class": (np.array([[0.5], [1.0]]), np.array([0, 0]))},
     torch=lambda T, x, t: T.nn.functional.multi_margin_loss(x, t))
rows("multi_margin_loss", F.multi_margin_loss, {"nan: NaN": (np.array([[INF, 0.0, NAN]]),
                                                              np.array([1]))},
     numpy=lambda x, t: np.float64(NAN), numpy_warns=False,
     note="torch 2.13's kernel skips a NaN term (its `z > 0` is false) and gives inf here")
rows("multi_margin_loss", F.multi_margin_loss, {"a label out of range": (_MM, np.array([0, 4, 1])),
                                                "float labels": (_MM, _a(0.0, 1.0, 2.0))},
     raises="multi_margin_loss: ")
rows("multi_margin_loss", lambda x, t: F.multi_margin_loss(x, t, p=3), {"p=3": (_MM, _MT)},
     raises="multi_margin_loss: only p == 1 and p == 2")
rows("multi_margin_loss", F.multi_margin_loss, {"labels of another length": (
    _MM, np.array([0, 1]))}, raises="multi_margin_loss: expected input \\(N, C\\)")

# ---- Poisson and Gaussian negative log-likelihoods ----------------------------------------------
_PT = _a(0.0, 1.0, 2.0, 3.5, 0.5, 7.0)
_PX = _a(0.5, -1.0, 2.0, 0.3, -0.2, 1.7)
for _li in (True, False):
    for _full in (False, True):
        rows("poisson_nll_loss", lambda x, t, a=_li, b=_full: F.poisson_nll_loss(
            x, t, a, b, reduction="none"), {
            f"log_input={_li}, full={_full}: targets 0, 1 and above!": (
                _PX if _li else np.abs(_PX), _PT)}, wrt=(0,),
            torch=lambda T, x, t, a=_li, b=_full: T.nn.functional.poisson_nll_loss(
                x, t, a, b, reduction="none"))
rows("poisson_nll_loss", F.poisson_nll_loss, {
    "the target's gradient too!": (_PX, _PT + 0.5), "empty": (E, E),
    "inf and nan": (_a(INF, NAN, -INF), _a(1.0, 1.0, 2.0))},
     torch=lambda T, x, t: T.nn.functional.poisson_nll_loss(x, t))
rows("poisson_nll_loss", F.poisson_nll_loss, {"shapes differ": (_PX, _PT[:2])},
     raises="poisson_nll_loss: input \\(6,\\), target \\(2,\\)")
_GX = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
_GT = np.array([[1.0, -1.0, 0.0], [0.5, 0.5, 0.5]])
_GV = np.array([[0.5, 0.0, 1e-8], [2.0, 1.0, 1e-6]])  # 0 and 1e-8: clamped to eps, on eps
rows("gaussian_nll_loss", F.gaussian_nll_loss, {
    "variances at and below eps (the gradient passes)": (_GX, _GT, _GV),
    "finite!": (_GX, _GT, _GV + 0.5),
    "one variance per row": (_GX, _GT, _a(0.5, 2.0)),
    "one variance per column": (_GX, _GT, np.array([[0.5, 1.0, 2.0]])),
    "empty": (np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3))),
    "inf and nan": (_a(INF, NAN, 1.0), _a(0.0, 0.0, 1.0), _a(1.0, 1.0, INF))},
     torch=lambda T, x, t, v: T.nn.functional.gaussian_nll_loss(x, t, v))
rows("gaussian_nll_loss", lambda x, t, v: F.gaussian_nll_loss(x, t, v, True, 0.1, "none"), {
    "full, eps 0.1 (a variance below it)": (_GX, _GT, _GV + 0.05)},
     torch=lambda T, x, t, v: T.nn.functional.gaussian_nll_loss(x, t, v, True, 0.1, "none"))
rows("gaussian_nll_loss", lambda x, t: F.gaussian_nll_loss(x, t, 0.5, reduction="sum"), {
    "a number for var!": (_GX, _GT)},
     torch=lambda T, x, t: T.nn.functional.gaussian_nll_loss(x, t, 0.5, reduction="sum"))
rows("gaussian_nll_loss", F.gaussian_nll_loss, {
    "a negative variance": (_GX, _GT, _GV - 0.1)}, raises="gaussian_nll_loss: var has negative")
rows("gaussian_nll_loss", F.gaussian_nll_loss, {
    "var of another size": (_GX, _GT, np.ones((3, 2)))},
     raises="gaussian_nll_loss: var of shape \\(3, 2\\) is of incorrect size")
