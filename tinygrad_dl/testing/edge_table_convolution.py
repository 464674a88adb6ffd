"""Edge rows of convolutions: conv2d, conv_transpose2d / conv_transpose1d, unfold, fold,
pixel_shuffle / pixel_unshuffle; F.conv1d's strides, padding, dilation, groups, padding="same",
and its refusals. `T` in a `torch=` lambda is the torch module; where a row has no `numpy=`,
PyTorch's value is the reference."""

from __future__ import annotations

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows
from .edge_table import a64 as _a

_NOTE = "compared with torch (NumPy has none)"
_W3 = np.array([[[0.5, -1.0]], [[1.5, 0.25]], [[-0.75, 2.0]]])  # (3, 1, 2): groups=2 needs 2
_X3 = np.array([[[0.5, -1.0, 2.0, 1.5, 0.25], [1.0, 1.25, -0.5, 3.0, -2.0]]])  # (1, 2, 5)

_IMG = np.arange(16.0).reshape(1, 1, 4, 4) / 8
_K = np.array([[[[0.5, -1.0], [0.25, 2.0]]]])
rows("conv2d", F.conv2d, {"1x1 image and kernel!": (np.array([[[[0.7]]]]), np.array([[[[1.3]]]])),
                          "2x2 kernel!": (_IMG, _K),
                          "inf and nan pixels": (np.array([[[[INF, 0.0], [NAN, 1.0]]]]), _K),
                          "empty batch": (np.zeros((0, 1, 4, 4)), _K)},
     numpy=None, torch=lambda T, x, w: T.nn.functional.conv2d(x, w))
rows("conv2d", F.conv2d, {"issue: 0x0 kernel": (_IMG, np.zeros((1, 1, 0, 0))),
                          "kernel larger than the image": (np.ones((1, 1, 1, 1)), _K)},
     raises="conv2d")


# ---- transposed convolution, unfold, fold, pixel shuffle (against torch: NumPy has none) -----
_CT_W = np.array([[[[0.5, -1.0], [0.25, 2.0]], [[1.5, 0.5], [-0.5, 1.0]]]])  # (1, 2, 2, 2)
_CT_BAD = {  # case -> (call, inputs): each refused as torch refuses it
    "stride 0": (lambda x, w: F.conv_transpose2d(x, w, stride=0), (_IMG, _CT_W)),
    "groups not dividing the channels": (lambda x, w: F.conv_transpose2d(x, w, groups=2),
                                         (np.ones((1, 3, 2, 2)), np.ones((3, 1, 2, 2)))),
    "output_padding not below stride or dilation": (
        lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=2), (_IMG, _CT_W)),
    "channels differ from the weight's": (F.conv_transpose2d, (np.ones((1, 2, 2, 2)), _CT_W)),
    "output too small": (lambda x, w: F.conv_transpose2d(x, w, padding=3), (_IMG, _CT_W)),
    "bias of the wrong size": (F.conv_transpose2d, (_IMG, _CT_W, np.ones(3))),
    "input not 3-D or 4-D": (F.conv_transpose2d, (_IMG[0, 0], _CT_W)),
    "weight without channels": (F.conv_transpose2d, (_IMG, np.ones((1, 0, 2, 2)))),
}
for _case, (_call, _inputs) in _CT_BAD.items():
    rows("conv_transpose2d", _call, {_case: _inputs}, raises="^conv_transpose2d")
rows("conv_transpose2d", F.conv_transpose2d, {
    "1x1 image and kernel!": (np.array([[[[0.7]]]]), np.array([[[[1.3]]]])),
    "2x2 kernel!": (_IMG, _CT_W), "with a bias!": (_IMG, _CT_W, _a(0.5, -2.0)),
    "inf and nan pixels": (np.array([[[[INF, 0.0], [NAN, 1.0]]]]), _CT_W),
    # (an inf weight reaches only the pixels its offset reaches: 0 * inf was NaN elsewhere)
    "an inf weight": (_IMG, np.where(_CT_W == 0.25, INF, _CT_W)),
    "empty batch": (np.zeros((0, 1, 4, 4)), _CT_W), "one image (C, H, W)!": (_IMG[0], _CT_W)},
    torch=lambda T, *a: T.nn.functional.conv_transpose2d(*a))
rows("conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1,
                                                         output_padding=1), {
    "strided, cropped, output_padding!": (_IMG, _CT_W)},
    torch=lambda T, x, w: T.nn.functional.conv_transpose2d(x, w, stride=2, padding=1,
                                                           output_padding=1))
_SEQ, _CT_W1 = np.array([[[0.5, -1.0, 2.0, 0.25]]]), np.array([[[1.5, -0.5], [0.5, 2.0]]])
rows("conv_transpose1d", lambda x, w: F.conv_transpose1d(x, w, stride=2, output_padding=1), {
    "one element!": (np.array([[[0.7]]]), np.array([[[1.3]]])), "strided!": (_SEQ, _CT_W1),
    "one sequence (C, L)!": (_SEQ[0], _CT_W1), "empty batch": (np.zeros((0, 1, 4)), _CT_W1),
    "inf and nan": (np.array([[[INF, 0.0, NAN]]]), _CT_W1)},
    torch=lambda T, x, w: T.nn.functional.conv_transpose1d(x, w, stride=2, output_padding=1))
for _case, _call, _inputs in (
        ("stride 0", lambda x, w: F.conv_transpose1d(x, w, stride=0), (_SEQ, _CT_W1)),
        ("groups not dividing the channels", lambda x, w: F.conv_transpose1d(x, w, groups=2),
         (np.ones((1, 3, 4)), np.ones((3, 1, 2)))),
        ("output_padding not below stride or dilation",
         lambda x, w: F.conv_transpose1d(x, w, output_padding=1), (_SEQ, _CT_W1)),
        ("a 2-D weight", F.conv_transpose1d, (_SEQ, _CT_W1[0]))):
    rows("conv_transpose1d", _call, {_case: _inputs}, raises="^conv_transpose1d")

_UNF_X = np.arange(24.0).reshape(1, 2, 3, 4) / 8
rows("unfold", lambda x: F.unfold(x, 2, padding=1, stride=(2, 1)), {
    "one pixel!": (_a(0.7).reshape(1, 1, 1, 1),), "2x2 blocks, padded, strided!": (_UNF_X,),
    "one image (C, H, W)!": (_UNF_X[0],), "empty batch": (np.zeros((0, 2, 3, 4)),),
    "inf and nan": (np.where(_UNF_X > 2.5, INF, np.where(_UNF_X < 0.1, NAN, _UNF_X)),)},
    torch=lambda T, x: T.nn.functional.unfold(x, 2, padding=1, stride=(2, 1)))
for _case, _call, _inputs in (
        ("kernel larger than the image", lambda x: F.unfold(x, 4), (_UNF_X,)),
        ("stride 0", lambda x: F.unfold(x, 2, stride=0), (_UNF_X,)),
        ("a 2-D input", lambda x: F.unfold(x, 1), (_UNF_X[0, 0],))):
    rows("unfold", _call, {_case: _inputs}, raises="^unfold")
_FOLD_X = np.arange(48.0).reshape(1, 8, 6) / 16  # 2 channels of 2x2 blocks, 2 x 3 of them
rows("fold", lambda x: F.fold(x, (3, 4), 2), {
    "overlapping blocks add up!": (_FOLD_X,), "one image (C*KH*KW, L)!": (_FOLD_X[0],),
    "empty batch": (np.zeros((0, 8, 6)),),
    "inf and nan": (np.where(_FOLD_X > 2.5, INF, np.where(_FOLD_X < 0.1, NAN, _FOLD_X)),)},
    torch=lambda T, x: T.nn.functional.fold(x, (3, 4), 2))
rows("fold", lambda x: F.fold(x, 1, 1), {"one pixel!": (_a(0.7).reshape(1, 1, 1),)},
     torch=lambda T, x: T.nn.functional.fold(x, 1, 1))
for _case, _call, _inputs in (
        ("blocks not matching output_size", lambda x: F.fold(x, (4, 4), 2), (_FOLD_X,)),
        ("rows not a multiple of the kernel", lambda x: F.fold(x, (3, 4), 2),
         (_FOLD_X[:, :7],)),
        ("stride 0", lambda x: F.fold(x, (3, 4), 2, stride=0), (_FOLD_X,)),
        ("a 4-D input", lambda x: F.fold(x, (3, 4), 2), (_FOLD_X[None],))):
    rows("fold", _call, {_case: _inputs}, raises="^fold")

_PS_X = np.arange(16.0).reshape(1, 4, 2, 2) / 4
for _op, _f, _r, _x, _out in (
        ("pixel_shuffle", F.pixel_shuffle, 2, _PS_X, (0, 1, 4, 4)),
        ("pixel_unshuffle", F.pixel_unshuffle, 2, _PS_X.reshape(1, 1, 4, 4), (0, 4, 2, 2))):
    rows(_op, lambda x, f=_f, r=_r: f(x, r), {
        "2x2 blocks!": (_x,), "no batch axis!": (_x[0],), "extra batch axes!": (_x[None],),
        "inf and nan": (np.where(_x > 3.5, INF, np.where(_x < 0.1, NAN, _x)),)},
        torch=lambda T, x, o=_op, r=_r: getattr(T.nn.functional, o)(x, r))
    rows(_op, lambda x, f=_f: f(x, 1), {"factor 1: the identity!": (_x,)},
         numpy=lambda x: x, numpy_warns=False)
    _e = np.zeros((0,) + _x.shape[1:])
    rows(_op, lambda x, f=_f, r=_r: f(x, r), {"empty batch": (_e,)}, numpy_warns=False,
         numpy=lambda x, o=_out: np.zeros(o), grad=(_e,),
         note="torch 2.13's pixel_unshuffle returns an empty input as it is (and "
         "pixel_shuffle's backward, which calls it, fails): the shape here is the rule's")
    rows(_op, lambda x, f=_f: f(x, 0), {"factor 0": (_x,)}, raises=f"^{_op}")
    rows(_op, lambda x, f=_f: f(x, 2), {"a 2-D input": (_x[0, 0],)}, raises=f"^{_op}")
rows("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), {
    "channels not a multiple of r^2": (_PS_X[:, :3],)}, raises="^pixel_shuffle")
rows("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), {
    "height not a multiple of r": (_PS_X[..., :1, :],)}, raises="^pixel_unshuffle")


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
