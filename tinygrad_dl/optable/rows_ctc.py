"""Op-table rows of F.ctc_loss (ops.CTCLoss) and F.grid_sample (ops.GridSample), with NumPy
references written from the definitions: CTC's probability of a target as a per-sequence DP
over the extended labels in probability space (Python loops), grid_sample point by point."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import ops
from ..tensor import Tensor
from .refs import case
from .spec import NN, Cases, Domain, OpInfo


def _log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def ctc_nll_ref(lp: np.ndarray, target: list[int], blank: int = 0) -> float:
    """-log of the sum over alignments of one sequence's label probabilities (T, C): the
    forward DP over blank, l1, blank, ..., blank in probability space."""
    p = np.exp(lp)
    ext = [blank]
    for c in target:
        ext += [c, blank]
    if len(p) == 0:
        return 0.0 if not target else float("inf")
    a = [0.0] * len(ext)
    a[0] = p[0, ext[0]]
    if len(ext) > 1:
        a[1] = p[0, ext[1]]
    for t in range(1, len(p)):
        b = [0.0] * len(ext)
        for s in range(len(ext)):
            v = a[s] + (a[s - 1] if s >= 1 else 0.0)
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                v += a[s - 2]
            b[s] = v * p[t, ext[s]]
        a = b
    total = a[-1] + (a[-2] if len(ext) > 1 else 0.0)
    return float(-np.log(total)) if total > 0 else float("inf")


# the rows' fixed targets: (N, S) padded, lengths per sample (repeated labels included)
_CTC_TARGETS = np.array([[1, 1, 2], [2, 1, 0], [1, 2, 2]])
_CTC_TLEN = np.array([3, 2, 1])


def _targets(n: int, blank: int) -> np.ndarray:
    return np.where(_CTC_TARGETS[:n] == blank, 0, _CTC_TARGETS[:n])  # (0: not the blank)


def ctc_call(z: Tensor, input_lengths: tuple[int, ...] = (5, 4, 3), reduction: str = "mean",
             blank: int = 0, zero_infinity: bool = False) -> Tensor:
    """ctc_loss of log_softmax(z) (T, N, C): torch's gradient is the derivative through a
    log_softmax, which finite differences then check."""
    n = z.shape[1]
    t = _targets(n, blank)
    return F.ctc_loss(z.log_softmax(-1), t, list(input_lengths[:n]), _CTC_TLEN[:n],
                      blank=blank, reduction=reduction, zero_infinity=zero_infinity)


def ctc_ref(z: np.ndarray, input_lengths: tuple[int, ...] = (5, 4, 3), reduction: str = "mean",
            blank: int = 0, zero_infinity: bool = False) -> np.ndarray:
    lp = _log_softmax(z)
    n = z.shape[1]
    t = _targets(n, blank)
    losses = np.array([ctc_nll_ref(lp[:input_lengths[i], i], list(t[i, :_CTC_TLEN[i]]), blank)
                       for i in range(n)])
    if zero_infinity:
        losses[np.isinf(losses)] = 0.0
    if reduction == "mean":
        return np.mean(losses / np.maximum(_CTC_TLEN[:n], 1))
    return losses.sum() if reduction == "sum" else losses


def _fold(x: float, lo: float, hi: float) -> float:
    """x reflected back and forth into [lo, hi] (one mirror at a time)."""
    if lo == hi:
        return 0.0
    while x < lo or x > hi:
        x = 2 * lo - x if x < lo else 2 * hi - x
    return x


def _position(g: float, n: int, padding: str, align: bool, pad: bool = True) -> float:
    x = (g + 1) / 2 * (n - 1) if align else ((g + 1) * n - 1) / 2
    if pad and padding == "reflection":
        x = _fold(x, 0, n - 1) if align else _fold(x, -0.5, n - 0.5)
    if pad and padding != "zeros":
        x = min(max(x, 0.0), n - 1.0)
    return x


def _read(img: np.ndarray, at: tuple[int, ...], padding: str, align: bool) -> float:
    """img[at], 0 outside; bicubic's taps moved inside first by border / reflection."""
    if padding == "reflection":
        at = tuple(int(_fold(i, 0, n - 1) if align else _fold(i, -0.5, n - 0.5))
                   for i, n in zip(at, img.shape))
    if padding != "zeros":
        at = tuple(min(max(i, 0), n - 1) for i, n in zip(at, img.shape))
    return float(img[at]) if all(0 <= i < n for i, n in zip(at, img.shape)) else 0.0


def _cubic_weights(t: float) -> list[float]:
    a = -0.75

    def k(x: float) -> float:  # Keys' kernel
        x = abs(x)
        if x <= 1:
            return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
        return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a if x < 2 else 0.0
    return [k(t + 1), k(t), k(1 - t), k(2 - t)]


def grid_sample_ref(x: np.ndarray, grid: np.ndarray, mode: str = "bilinear",
                    padding_mode: str = "zeros", align_corners: bool = False) -> np.ndarray:
    """Point by point: each grid point's input position, then the taps it reads."""
    d = grid.shape[-1]
    out = np.zeros(x.shape[:2] + grid.shape[1:-1])
    for n in range(x.shape[0]):
        for o in np.ndindex(*grid.shape[1:-1]):
            g = grid[(n,) + o][::-1]  # (z,) y, x: the input's axis order
            pos = [_position(float(v), s, padding_mode, align_corners, mode != "bicubic")
                   for v, s in zip(g, x.shape[2:])]
            for c in range(x.shape[1]):
                img = x[n, c]
                if mode == "nearest":
                    out[(n, c) + o] = _read(img, tuple(int(np.rint(p)) for p in pos),
                                            "zeros", align_corners)
                elif mode == "bilinear":
                    base = [int(np.floor(p)) for p in pos]
                    out[(n, c) + o] = sum(
                        np.prod([p - b if k else 1 - (p - b) for p, b, k in zip(pos, base, ks)])
                        * _read(img, tuple(b + k for b, k in zip(base, ks)), "zeros",
                                align_corners) for ks in np.ndindex(*(2,) * d))
                else:
                    base = [int(np.floor(p)) for p in pos]
                    wy, wx = (_cubic_weights(p - b) for p, b in zip(pos, base))
                    out[(n, c) + o] = sum(
                        wy[i] * wx[j] * _read(img, (base[0] + i - 1, base[1] + j - 1),
                                              padding_mode, align_corners)
                        for i in range(4) for j in range(4))
    return out


def affine_grid_ref(theta: np.ndarray, size: tuple[int, ...] = (1, 1, 3, 4),
                    align_corners: bool = False) -> np.ndarray:
    """Each output position's normalised coordinates (x, y[, z], 1), times theta^T."""
    spatial = size[2:]
    out = np.zeros((size[0],) + tuple(spatial) + (len(spatial),))
    for n in range(size[0]):
        for o in np.ndindex(*spatial):
            xyz = [0.0 if s == 1 else (2 * i / (s - 1) - 1 if align_corners else
                                       (2 * i + 1) / s - 1) for i, s in zip(o, spatial)]
            out[(n,) + o] = theta[n] @ np.array(xyz[::-1] + [1.0])
    return out


# grid values in [-1.2, 1.2] away from those that land on a tap (bilinear's and bicubic's
# kinks, the borders) or half-way between (nearest's ties) for sizes up to 4, either corners
_NEAR_GRID = Domain(-1.2, 1.2, avoid=tuple(sorted({round(s * v, 12) for s in (-1, 1) for v in (
    0.0, 0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0)})), margin=0.03)


def _rows() -> tuple[OpInfo, ...]:
    return (
        OpInfo("ctc_loss", ops.CTCLoss, "F.ctc_loss: -log p(target | log_probs) over all CTC "
               "alignments, log_probs (T, N, C) or (T, C), padded or concatenated targets, "
               "blank, reduction, zero_infinity", NN, F=("ctc_loss",), function=F.ctc_loss,
               call=ctc_call, ref=ctc_ref,
               sample=Cases((case((5, 3, 4)), case((6, 2, 3), reduction="sum"),
                             case((5, 3, 4), input_lengths=(3, 2, 4), reduction="none",
                                  zero_infinity=True),
                             case((4, 3, 5), input_lengths=(4, 4, 1), blank=2,
                                  reduction="none"))),
               grad="torch's: exp(lp) - sum over a class's positions of exp(log_alpha + "
               "log_beta - lp + nll), the derivative through a log_softmax; 0 past an input's "
               "length (and for an inf loss with zero_infinity)",
               differs="the gradient to raw log_probs is torch's, exact only after a "
               "log_softmax (the exp(lp) term)"),
        OpInfo("affine_grid", "a constant base grid matmul theta^T", "F.affine_grid: the "
               "sampling grid (N, H, W, 2) or (N, D, H, W, 3) of affine matrices theta (N, 2, "
               "3) or (N, 3, 4), align_corners", NN, F=("affine_grid",),
               function=F.affine_grid, ref=affine_grid_ref,
               sample=Cases((case((2, 2, 3), size=(2, 1, 3, 4)),
                             case((1, 2, 3), size=(1, 2, 1, 5), align_corners=True),
                             case((2, 3, 4), size=(2, 1, 2, 3, 2)))),
               grad="matmul's"),
        OpInfo("grid_sample", ops.GridSample, "F.grid_sample: input (N, C, H, W) or (N, C, D, "
               "H, W) read at a grid's points in [-1, 1]: bilinear, nearest, bicubic (4-D); "
               "padding zeros, border, reflection; align_corners", NN, F=("grid_sample",),
               function=F.grid_sample, tensors=2, ref=grid_sample_ref,
               sample=Cases((
                   case((2, 2, 3, 4), (2, 2, 3, 2), domain=_NEAR_GRID),
                   case((1, 1, 4, 3), (1, 3, 2, 2), domain=_NEAR_GRID, padding_mode="border",
                        align_corners=True),
                   case((1, 2, 3, 3), (1, 2, 2, 2), domain=_NEAR_GRID,
                        padding_mode="reflection"),
                   case((1, 1, 3, 4), (1, 2, 3, 2), domain=_NEAR_GRID, mode="nearest"),
                   case((1, 2, 4, 4), (1, 2, 2, 2), domain=_NEAR_GRID, mode="bicubic"),
                   case((1, 1, 3, 4), (1, 2, 2, 2), domain=_NEAR_GRID, mode="bicubic",
                        padding_mode="reflection", align_corners=True),
                   case((1, 1, 3, 4), (1, 2, 2, 2), domain=_NEAR_GRID, mode="bicubic",
                        padding_mode="border"),
                   case((1, 2, 2, 3, 3), (1, 2, 2, 1, 3), domain=_NEAR_GRID),
                   case((1, 1, 3, 2, 3), (1, 1, 2, 2, 3), domain=_NEAR_GRID, mode="nearest",
                        padding_mode="reflection", align_corners=True))),
               grad="to the input: each output's gradient times its weights, scattered to "
               "the taps read (np.add.at); to the grid: the weights' slopes times the values "
               "read, times the padding's slope (0 at a clipped border, as torch's CPU kernel)"
               "; nearest: none to the grid"),
    )


ROWS: tuple[OpInfo, ...] = _rows()
