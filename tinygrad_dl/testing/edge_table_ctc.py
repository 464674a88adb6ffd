"""Edge rows of F.ctc_loss (and of F.affine_grid and F.grid_sample): impossible alignments,
zero lengths, -inf / +inf / NaN log-probabilities, unbatched and concatenated targets, and the
refusals. `T` in a `torch=` lambda is the torch module; a row with `torch=` and no `numpy=`
compares values and gradients with torch's (for ctc_loss, torch's gradient formula, applied
to raw log-probabilities as torch applies it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows

_NOTE = "compared with torch (NumPy has none)"
_LP = np.log(np.array([[[0.5, 0.3, 0.2], [0.2, 0.2, 0.6]], [[0.1, 0.6, 0.3], [0.3, 0.3, 0.4]],
                       [[0.4, 0.4, 0.2], [0.7, 0.1, 0.2]], [[0.25, 0.25, 0.5], [0.2, 0.5, 0.3]]]))
_TG = np.array([[1, 2], [2, 2]])


def _ctc(tg: Any, il: Any, tl: Any, **kw: Any) -> Any:
    return lambda x: F.ctc_loss(x, tg, il, tl, **kw)


def _torch_ctc(tg: Any, il: Any, tl: Any, **kw: Any) -> Any:
    return lambda T, x: T.nn.functional.ctc_loss(x, T.tensor(np.asarray(tg)), tuple(il),
                                                 tuple(tl), **kw)


def _with(v: float, *at: tuple[int, int, int]) -> np.ndarray:
    a = _LP.copy()
    for i in at:
        a[i] = v
    return a


for _red in ("mean", "sum", "none"):
    for _zi in (False, True):
        _args = (_TG, [4, 3], [2, 2])
        rows("ctc_loss", _ctc(*_args, reduction=_red, zero_infinity=_zi), {
            f"padded targets, {_red}, zero_infinity={_zi}": (_LP,),
            f"-inf log-probabilities, {_red}, zero_infinity={_zi}": (
                _with(-INF, (1, 0, 1), (2, 1, 0)),)},
             torch=_torch_ctc(*_args, reduction=_red, zero_infinity=_zi), note=_NOTE)
        # sample 1's [2, 2] needs 3 steps (a blank between the repeats): 2 give inf
        _args = (_TG, [4, 2], [2, 2])
        rows("ctc_loss", _ctc(*_args, reduction=_red, zero_infinity=_zi), {
            f"an impossible alignment, {_red}, zero_infinity={_zi}": (_LP,),
            f"a +inf log-probability, {_red}, zero_infinity={_zi}": (_with(INF, (0, 0, 0)),),
            f"a NaN log-probability, {_red}, zero_infinity={_zi}": (_with(NAN, (3, 1, 2)),)},
             torch=_torch_ctc(*_args, reduction=_red, zero_infinity=_zi), note=_NOTE)
rows("ctc_loss", _ctc(_TG, [0, 4], [0, 1], reduction="none"), {
    "input length 0 with target length 0 (loss 0) and a target length 0 (all blanks)": (
        _LP,)}, torch=_torch_ctc(_TG, [0, 4], [0, 1], reduction="none"), note=_NOTE)
rows("ctc_loss", _ctc(_TG, [0, 4], [1, 0], reduction="none"), {
    "input length 0 with a label: inf": (_LP,)},
     torch=_torch_ctc(_TG, [0, 4], [1, 0], reduction="none"), note=_NOTE)
rows("ctc_loss", _ctc(np.array([1, 2, 2]), (4, 4), (1, 2), reduction="none"), {
    "concatenated targets": (_LP,)},
     torch=_torch_ctc(np.array([1, 2, 2]), (4, 4), (1, 2), reduction="none"), note=_NOTE)
rows("ctc_loss", _ctc(np.array([2, 1]), 4, 2, blank=0), {"unbatched (T, C)": (_LP[:, 0],)},
     torch=lambda T, x: T.nn.functional.ctc_loss(x, T.tensor([2, 1]), (4,), (2,)), note=_NOTE)
rows("ctc_loss", _ctc(np.array([[0, 1], [1, 2]]), [4, 4], [2, 1], blank=2), {
    "blank 2, padded targets of one row each, a label past its length ignored": (
        _LP[:, :1].repeat(2, 1),)},
     torch=_torch_ctc(np.array([[0, 1], [1, 2]]), [4, 4], [2, 1], blank=2), note=_NOTE)
# torch's gradient is the derivative through a log_softmax: finite differences check it there
for _args in ((_TG, [4, 3], [2, 2]), (np.array([1, 2, 2]), (4, 4), (1, 2)),
              (_TG, [0, 4], [0, 1]), (_TG, [4, 2], [2, 2])):
    rows("ctc_loss", lambda x, a=_args: F.ctc_loss(x.log_softmax(-1), *a, reduction="none",
                                                    zero_infinity=True), {
        f"through log_softmax, lengths {_args[1]} and {_args[2]}!": (_LP * 1.3,)},
         torch=lambda T, x, a=_args: _torch_ctc(*a, reduction="none", zero_infinity=True)(
             T, x.log_softmax(-1)), note=_NOTE)
for _case, _call, _msg in (
        ("4-D log_probs", _ctc(_TG, [4, 4], [2, 2]), "log_probs must be"),
        ("blank out of range", _ctc(_TG, [4, 4], [2, 2], blank=3), "blank must be in"),
        ("a label equal to blank", _ctc(_TG, [4, 4], [2, 2], blank=2), "equals blank"),
        ("a label out of range", _ctc(_TG + 1, [4, 4], [2, 2]), "labels must be in"),
        ("a negative label", _ctc(_TG - 2, [4, 4], [2, 2]), "labels must be in"),
        ("input length above T", _ctc(_TG, [5, 4], [2, 2]), "input_lengths must be at most"),
        ("target length above S", _ctc(_TG, [4, 4], [3, 2]), "target_lengths must be at most"),
        ("a negative length", _ctc(_TG, [-1, 4], [2, 2]), "must be at least 0"),
        ("one length too many", _ctc(_TG, [4, 4, 4], [2, 2]), "one length per sample"),
        ("float targets", _ctc(_TG.astype(float), [4, 4], [2, 2]), "must hold integers"),
        ("concatenated targets of the wrong size", _ctc(np.array([1, 2, 1]), [4, 4], [2, 2]),
         "sum\\(target_lengths\\)"),
        ("a bad reduction", _ctc(_TG, [4, 4], [2, 2], reduction="avg"), "reduction must be"),
        ("empty log_probs", _ctc(np.zeros((0, 2), np.int64), [], []), "must not be empty"),
):
    x = _LP[None] if _case == "4-D log_probs" else _LP[:, :0] if "empty" in _case else _LP
    rows("ctc_loss", _call, {_case: (x,)}, raises=f"ctc_loss: .*{_msg}")

# ---- affine_grid, grid_sample -------------------------------------------------------------------
_TH = np.array([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.25]]])
_TH3 = np.array([[[0.9, -0.2, 0.1, 0.05], [0.3, 1.1, -0.25, 0.0], [0.0, 0.2, 0.8, 0.1]]])
for _ac in (None, False, True):
    rows("affine_grid", lambda th, a=_ac: F.affine_grid(th, (1, 2, 3, 4), align_corners=a), {
        f"2-D, align_corners={_ac}": (_TH,)},
         torch=lambda T, th, a=_ac: T.nn.functional.affine_grid(th, (1, 2, 3, 4),
                                                                  align_corners=a), note=_NOTE)
    rows("affine_grid", lambda th, a=_ac: F.affine_grid(th, (1, 1, 1, 2, 3), align_corners=a), {
        f"3-D with a size-1 axis (coordinate 0), align_corners={_ac}!": (_TH3,)},
         torch=lambda T, th, a=_ac: T.nn.functional.affine_grid(th, (1, 1, 1, 2, 3),
                                                                  align_corners=a), note=_NOTE)
rows("affine_grid", lambda th: F.affine_grid(th, (1, 1, 2, 2)), {
    "inf and nan in theta": (np.where(_TH > 1, INF, np.where(_TH < -0.2, NAN, _TH)),)},
     torch=lambda T, th: T.nn.functional.affine_grid(th, (1, 1, 2, 2), align_corners=False),
     note=_NOTE)
for _case, _th, _size, _msg in (
        ("theta of the wrong shape", _TH3, (1, 1, 3, 4), "affine matrices of shape"),
        ("batch sizes differ", _TH, (2, 1, 3, 4), "affine matrices of shape"),
        ("a 3-D size", _TH, (1, 3, 4), "size must be"),
        ("an empty size", _TH, (1, 1, 0, 4), "size must be positive"),
        ("integer theta", _TH.astype(np.int64), (1, 1, 3, 4), "floating point")):
    rows("affine_grid", lambda th, s=_size: F.affine_grid(th, s), {_case: (_th,)},
         raises=f"affine_grid: .*{_msg}")

_IMG = np.arange(24.0).reshape(1, 2, 3, 4) / 5 - 1.7
_VOL = np.arange(24.0).reshape(1, 2, 2, 3, 2) / 5 - 1.7
# points inside, between taps, on borders and corners, outside, ties of nearest
_PTS = np.array([[[[-1.0, -1.0], [1.0, 1.0], [0.1, -0.35], [-1.3, 0.4]],
                  [[0.0, 0.0], [0.5, -0.5], [1.4, 1.2], [-0.62, 0.93]]]])
_PTS3 = np.array([[[[[-1.0, 0.3, 0.6], [0.12, -0.4, 1.0], [1.3, -1.2, 0.0]]]]])
for _mode in ("bilinear", "nearest", "bicubic"):
    for _pad in ("zeros", "border", "reflection"):
        for _ac in (False, True):
            _kw = dict(mode=_mode, padding_mode=_pad, align_corners=_ac)
            # (torch clamps a NaN coordinate, and reflection's fold of inf, to a border in
            # some code paths and can crash in backward: NaN for zeros only, inf not reflected)
            _big = 7.5 if _pad == "reflection" else INF
            _odd = np.where(_PTS > 1.3, _big, np.where(_PTS < -1.2, NAN if _pad == "zeros"
                                                       else -_big, np.where(
                                                           _PTS == -1, -_big, _PTS)))
            rows("grid_sample", lambda x, g, kw=_kw: F.grid_sample(x, g, **kw), {
                f"{_mode}, {_pad}, align_corners={_ac}: borders, outside, ties": (_IMG, _PTS),
                f"{_mode}, {_pad}, align_corners={_ac}: inf (and nan) or far outside": (
                    _IMG, _odd)},
                 torch=lambda T, x, g, kw=_kw: T.nn.functional.grid_sample(x, g, **kw),
                 note=_NOTE)
            if _mode != "bicubic":
                rows("grid_sample", lambda x, g, kw=_kw: F.grid_sample(x, g, **kw), {
                    f"5-D, {_mode}, {_pad}, align_corners={_ac}": (_VOL, _PTS3)},
                     torch=lambda T, x, g, kw=_kw: T.nn.functional.grid_sample(x, g, **kw),
                     note=_NOTE)
rows("grid_sample", lambda x, g: F.grid_sample(x, g), {
    "nan and inf in the input (a tap read with weight 0 stays out)": (
        np.where(_IMG > 2, INF, np.where(_IMG < -1.5, NAN, _IMG)), _PTS),
    "a 1 x 1 input": (_IMG[:, :, :1, :1], _PTS),
    "an empty batch": (_IMG[:0], _PTS[:0]), "an empty grid": (_IMG, _PTS[:, :0])},
     torch=lambda T, x, g: T.nn.functional.grid_sample(x, g, align_corners=False), note=_NOTE)
rows("grid_sample", lambda x, g: F.grid_sample(x, g, padding_mode="border"), {
    "off the kinks, border!": (_IMG, _PTS * 0.9 + 0.013)},
     torch=lambda T, x, g: T.nn.functional.grid_sample(x, g, padding_mode="border",
                                                       align_corners=False), note=_NOTE)
_NANPT = _PTS.copy()
_NANPT[0, 1, 2, 0] = NAN


def _nan_at_point(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = F.grid_sample(x, np.nan_to_num(g), padding_mode="border").data.copy()
    out[0, :, 1, 2] = NAN
    return out


rows("grid_sample", lambda x, g: F.grid_sample(x, g, padding_mode="border"), {
    "a NaN grid point under border padding reads NaN": (_IMG, _NANPT)},
     numpy=_nan_at_point, numpy_warns=False,
     note="torch clamps it to a border in some code paths (and can crash in backward)")
for _case, _x, _g, _kw, _msg in (
        ("3-D input", _IMG[0], _PTS[0], {}, "input must be"),
        ("grid of the wrong rank", _IMG, _PTS3, {}, "grid must be"),
        ("grid's last axis not 2", _IMG, _PTS3[0], {}, "grid must be"),
        ("batch sizes differ", _IMG, np.concatenate([_PTS, _PTS]), {}, "grid must be"),
        ("dtypes differ", _IMG, _PTS.astype(np.float32), {}, "one floating dtype"),
        ("empty spatial dims", _IMG[:, :, :0], _PTS, {}, "non-empty spatial"),
        ("bicubic 5-D", _VOL, _PTS3, {"mode": "bicubic"}, "bicubic interpolation only"),
        ("a bad mode", _IMG, _PTS, {"mode": "area"}, "mode must be"),
        ("a bad padding mode", _IMG, _PTS, {"padding_mode": "wrap"}, "padding_mode must be")):
    rows("grid_sample", lambda x, g, kw=_kw: F.grid_sample(x, g, **kw), {_case: (_x, _g)},
         raises=f"grid_sample: .*{_msg}")
