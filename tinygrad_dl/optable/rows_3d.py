"""Op-table rows of PyTorch's 3-D (volumetric) functions (functional/volumetric_conv.py,
pooling3d.py, F.dropout3d): compositions of ops that have rows (conv2d, conv_transpose2d,
pad, slicing, take_along_dim, scatter), with NumPy references written from the definitions,
window by window (so they check the compositions' bookkeeping, not re-run it)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .refs import case, conv_transpose_ref
from .spec import DISTINCT, NN, POSITIVE, Cases, OpInfo


def _three(v: Any) -> tuple[int, int, int]:
    return (v,) * 3 if isinstance(v, int) else tuple(v)  # type: ignore[return-value]


def conv3d_ref(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, stride: Any = 1,
               padding: Any = 0, dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """Cross-correlation by definition: out[n, f, o] = sum over c, q of
    xpad[n, g C/G + c, o * s + q * d] w[f, c, q] (+ b[f])."""
    s, d = _three(stride), _three(dilation)
    if padding == "same":
        pads = [(t // 2, t - t // 2) for t in (di * (k - 1) for di, k in zip(d, w.shape[2:]))]
    else:
        pads = [(p, p) for p in _three(0 if padding == "valid" else padding)]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    f, cg = w.shape[:2]
    out = tuple((n - di * (k - 1) - 1) // si + 1
                for n, di, k, si in zip(xp.shape[2:], d, w.shape[2:], s))
    y = np.zeros((x.shape[0], f) + out)
    for q in np.ndindex(w.shape[2:]):
        win = xp[(slice(None), slice(None)) + tuple(
            slice(qi * di, qi * di + si * (o - 1) + 1, si) for qi, di, si, o in zip(q, d, s, out))]
        for g in range(groups):
            fs = slice(g * (f // groups), (g + 1) * (f // groups))
            y[:, fs] += np.einsum("nc...,fc->nf...", win[:, g * cg:(g + 1) * cg],
                                  w[(fs, slice(None)) + q])
    return y if b is None else y + b.reshape(-1, 1, 1, 1)


def _pool_ref(x: np.ndarray, reduce: Any, windows: list[list[tuple[int, int]]]) -> np.ndarray:
    """reduce(x[..., window]) for every output position: windows[j] lists axis j's (start,
    end) per output position, clipped to the input."""
    out = np.zeros(x.shape[:-3] + tuple(len(w) for w in windows))
    for o in itertools.product(*(range(len(w)) for w in windows)):
        cut = tuple(slice(*windows[j][o[j]]) for j in range(3))
        out[(Ellipsis,) + o] = reduce(x[(Ellipsis,) + cut])
    return out


def max_pool3d_ref(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
                   dilation: Any = 1) -> np.ndarray:
    k, p, d = _three(kernel_size), _three(padding), _three(dilation)
    s = k if stride is None else _three(stride)
    xp = np.pad(x, [(0, 0)] * (x.ndim - 3) + [(pi, pi) for pi in p], constant_values=-np.inf)
    out = tuple((n - di * (ki - 1) - 1) // si + 1
                for n, di, ki, si in zip(xp.shape[-3:], d, k, s))
    views = [xp[(Ellipsis,) + tuple(slice(qi * di, qi * di + si * (o - 1) + 1, si)
                                    for qi, di, si, o in zip(q, d, s, out))]
             for q in np.ndindex(*k)]
    return np.max(views, axis=0)


def avg_pool3d_ref(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
                   count_include_pad: bool = True, divisor_override: Any = None) -> np.ndarray:
    k, p = _three(kernel_size), _three(padding)
    s = k if stride is None else _three(stride)
    spans = [[(o * si - pi, o * si - pi + ki) for o in range((n + 2 * pi - ki) // si + 1)]
             for n, ki, si, pi in zip(x.shape[-3:], k, s, p)]
    clipped = [[(max(a, 0), min(b, n)) for a, b in sp] for sp, n in zip(spans, x.shape[-3:])]
    total = _pool_ref(x, lambda v: v.sum(axis=(-3, -2, -1)), clipped)
    if divisor_override is not None:
        return total / divisor_override
    sizes = [np.array([b - a for a, b in (sp if count_include_pad else cl)])
             for sp, cl in zip(spans, clipped)]
    return total / (sizes[0][:, None, None] * sizes[1][None, :, None] * sizes[2][None, None, :])


def _bins(n: int, o: int) -> list[tuple[int, int]]:
    return [(int(np.floor(i * n / o)), int(np.ceil((i + 1) * n / o))) for i in range(o)]


def _adaptive_ref(reduce: Any) -> Any:
    def ref(x: np.ndarray, output_size: Any) -> np.ndarray:
        sizes = [n if o is None else o for n, o in zip(x.shape[-3:], (
            output_size if isinstance(output_size, tuple) else (output_size,) * 3))]
        return _pool_ref(x, lambda v: reduce(v, axis=(-3, -2, -1)),
                         [_bins(n, o) for n, o in zip(x.shape[-3:], sizes)])
    return ref


def lp_pool3d_ref(x: np.ndarray, norm_type: float, kernel_size: Any, stride: Any = None
                  ) -> np.ndarray:
    return avg_pool3d_ref(x ** norm_type, kernel_size, stride, divisor_override=1) ** (
        1.0 / norm_type)


_UNPOOL_IDX = np.array([1, 7, 26, 60, 33, 48, 10, 23]).reshape(1, 1, 2, 2, 2).repeat(2, 1)


def max_unpool3d_call(x: Tensor, **kw: Any) -> Tensor:
    return F.max_unpool3d(x, _UNPOOL_IDX, 2, **kw)


def max_unpool3d_ref(x: np.ndarray) -> np.ndarray:
    out = np.zeros(x.shape[:2] + (64,))
    np.put_along_axis(out, _UNPOOL_IDX.reshape(1, 2, 8), x.reshape(1, 2, 8), axis=-1)
    return out.reshape(x.shape[:2] + (4, 4, 4))


def dropout3d_call(x: Tensor, p: float = 0.5) -> Tensor:
    # a fresh generator of one seed per call: finite differences see one mask
    return F.dropout3d(x, p, rng=np.random.default_rng(0))


def dropout3d_ref(x: np.ndarray, p: float = 0.5) -> np.ndarray:
    keep = np.random.default_rng(0).random(x.shape[:-3]) >= p
    return x * (keep / (1 - p))[..., None, None, None]


def _indices_call(x: Tensor, **kw: Any) -> Tensor:
    return F.max_pool3d_with_indices(x, **kw)[0]


ROWS: tuple[OpInfo, ...] = (
    OpInfo("conv3d", "stack of the KD depth taps into channels, then one conv2d",
           "3-D cross-correlation, (N, C, D, H, W)", NN, F=("conv3d",), function=F.conv3d,
           tensors=3, ref=conv3d_ref,
           sample=Cases((case((2, 2, 3, 3, 3), (2, 2, 2, 2, 2), (2,), padding=1),
                         case((1, 4, 4, 3, 5), (2, 2, 2, 1, 3), (2,), stride=(2, 1, 2),
                              dilation=(1, 2, 1), groups=2),
                         case((1, 1, 3, 4, 3), (2, 1, 3, 2, 2), padding="same"))),
           grad="conv2d's, stack's, slicing's and pad's"),
    OpInfo("conv_transpose3d", "one conv_transpose2d, its depth taps shifted and summed",
           "3-D transposed convolution, (N, C, D, H, W): conv3d's input gradient", NN,
           F=("conv_transpose3d",), function=F.conv_transpose3d, tensors=3,
           ref=conv_transpose_ref,
           sample=Cases((case((1, 2, 2, 3, 2), (2, 3, 2, 2, 2), (3,)),
                         case((1, 4, 2, 2, 3), (4, 1, 3, 2, 2), (2,), stride=(2, 1, 2),
                              padding=1, output_padding=(1, 0, 1), groups=2),
                         case((1, 1, 2, 2, 2), (1, 2, 2, 2, 2), stride=3, padding=(0, 1, 0),
                              output_padding=2, dilation=(1, 2, 1)))),
           grad="conv_transpose2d's, pad's and slicing's"),
    OpInfo("max_pool3d", "two MaxPool2d ops, (H, W) then depth (dilation, return_indices: "
           "torch's indices, then take_along_dim)", "max over windows "
           "(N, C, D, H, W), dilation, ceil_mode, return_indices", NN, F=("max_pool3d",),
           function=F.max_pool3d, ref=max_pool3d_ref,
           sample=Cases((case((1, 2, 4, 4, 4), domain=DISTINCT, kernel_size=2),
                         case((1, 1, 5, 4, 5), domain=DISTINCT, kernel_size=(3, 2, 3),
                              stride=(2, 1, 2), padding=1),
                         case((1, 1, 5, 4, 5), domain=DISTINCT, kernel_size=2, stride=1,
                              dilation=(2, 1, 2)))),
           grad="to the first maximum of each window (the last NaN), as torch's"),
    OpInfo("max_pool3d_with_indices", "torch's indices, then take_along_dim",
           "(values, int64 indices) of max_pool3d", NN, F=("max_pool3d_with_indices",),
           function=F.max_pool3d_with_indices, call=_indices_call, ref=max_pool3d_ref,
           sample=Cases((case((1, 2, 4, 4, 4), domain=DISTINCT, kernel_size=2, stride=1,
                              padding=1),)),
           grad="max_pool3d's (the indices are constants)"),
    OpInfo("avg_pool3d", "the sum of the window's strided views over a divisor",
           "mean over windows (N, C, D, H, W), count_include_pad, ceil_mode, divisor_override",
           NN, F=("avg_pool3d",), function=F.avg_pool3d, ref=avg_pool3d_ref,
           sample=Cases((case((1, 2, 4, 4, 4), kernel_size=2),
                         case((1, 1, 4, 5, 4), kernel_size=(3, 2, 3), stride=(1, 2, 2),
                              padding=1, count_include_pad=False),
                         case((1, 1, 4, 3, 4), kernel_size=3, stride=1, padding=1),
                         case((1, 1, 4, 4, 4), kernel_size=2, divisor_override=3))),
           grad="1 / divisor to each position of each window"),
    OpInfo("adaptive_avg_pool3d", "bin means (reshape and mean, or slices and stack)",
           "mean over torch's adaptive bins (N, C, D, H, W)", NN, F=("adaptive_avg_pool3d",),
           function=F.adaptive_avg_pool3d, ref=_adaptive_ref(np.mean),
           sample=Cases((case((1, 2, 4, 4, 4), output_size=2),
                         case((1, 1, 5, 3, 4), output_size=(3, 2, None)))),
           grad="1 / bin size to each position of each bin"),
    OpInfo("adaptive_max_pool3d", "torch's indices, then take_along_dim",
           "max over torch's adaptive bins (N, C, D, H, W), return_indices", NN,
           F=("adaptive_max_pool3d",), function=F.adaptive_max_pool3d,
           ref=_adaptive_ref(np.max),
           sample=Cases((case((1, 2, 4, 4, 4), domain=DISTINCT, output_size=2),
                         case((1, 1, 5, 3, 4), domain=DISTINCT, output_size=(3, 2, 3)))),
           grad="to the first maximum of each bin"),
    OpInfo("lp_pool3d", "avg_pool3d of x^p, times the window size, to the 1/p", "(sum of x^p "
           "over each window)^(1/p), (N, C, D, H, W)", NN, F=("lp_pool3d",),
           function=F.lp_pool3d, ref=lp_pool3d_ref,
           sample=Cases((case((1, 2, 4, 4, 4), domain=POSITIVE, norm_type=2.0, kernel_size=2),
                         case((1, 1, 4, 3, 4), domain=POSITIVE, norm_type=3.0,
                              kernel_size=(2, 2, 3), stride=1))),
           grad="torch's composition's"),
    OpInfo("max_unpool3d", "scatter into zeros", "max_pool3d's partial inverse: values "
           "written at their flat indices into zeros", NN, F=("max_unpool3d",),
           function=F.max_unpool3d, call=max_unpool3d_call, ref=max_unpool3d_ref,
           sample=Cases((case((1, 2, 2, 2, 2)),)),
           grad="the output's gradient read back at the indices"),
    OpInfo("dropout3d", "the dropout op with one mask entry per channel", "F.dropout3d: "
           "each channel of (N, C, D, H, W) or (C, D, H, W) zeroed whole with probability p, "
           "the rest scaled by 1/(1-p)", NN, F=("dropout3d",), function=F.dropout3d,
           call=dropout3d_call, ref=dropout3d_ref,
           sample=Cases((case((2, 3, 2, 2, 2)), case((4, 2, 1, 3), p=0.25))),
           grad="the mask (a constant)"),
)
