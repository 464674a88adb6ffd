"""F.grid_sample as one op: input (N, C, *S) (S of 2 or 3 sizes) read at the points of a grid
(N, *O, d) in [-1, 1] (grid[..., 0] the last spatial axis, W), bilinear (trilinear),
nearest or bicubic (2-D), padding zeros / border / reflection, as ATen's CPU kernels; the
gradient to the input scattered back (np.add.at), to the grid through the weights."""

from __future__ import annotations

import itertools

import numpy as np

from ..engine import Function
from .fma import fma

__all__ = ["GridSample"]

_A = -0.75  # the cubic convolution's parameter (ATen's, and bicubic interpolate's)


def _reflect(x: np.ndarray, twice_low: int, twice_high: int) -> tuple[np.ndarray, np.ndarray]:
    """ATen's reflect_coordinates_set_grad: x reflected into [low, high], and dx'/dx."""
    if twice_low == twice_high:  # (a size-1 axis with align_corners: a NaN stays NaN, as
        # under border and elsewhere; torch's reads the pixel here only)
        return np.where(np.isnan(x), x, np.zeros_like(x)), np.zeros_like(x)
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    x = x - lo
    sign = np.where(x < 0, -1.0, 1.0)
    x = np.abs(x)
    extra = np.fmod(x, span)
    odd = np.fmod(np.floor(x / span), 2) != 0
    return np.where(odd, span - extra + lo, extra + lo), np.where(odd, -sign, sign)


def _clip(x: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """x clipped to [0, size - 1]; its slope: 1 strictly inside, 0 at and past the borders
    (ATen's vectorised CPU kernel counts a border as out of bounds)."""
    return np.clip(x, 0, size - 1), ((x > 0) & (x < size - 1)).astype(x.dtype)


def _source(g: np.ndarray, size: int, padding: str, align: bool, pad: bool, fused: bool
            ) -> tuple[np.ndarray, np.ndarray]:
    """Grid coordinates in [-1, 1] as input positions (and d position / d coordinate).
    fused (2-D): (g + 1) size / 2 - 1 / 2 rounded once, as ATen's vectorised 2-D kernel
    (compiled to a fused multiply-add); its 3-D kernel rounds ((g + 1) size - 1) / 2 twice,
    and so does its 2-D one in float16 (each step rounded to float16: bit for bit torch's
    over every float16 coordinate in [-1.2, 1.2]). The last bit decides a nearest tap, or a
    bilinear floor, beside a half or whole pixel."""
    if align and size == 1:  # every coordinate is the one pixel's centre: inf too (not NaN)
        x, d = np.where(np.isnan(g), g, np.zeros_like(g)), np.zeros_like(g)
    elif align:
        x, d = (g + 1) / 2 * (size - 1), np.full_like(g, (size - 1) / 2)
    elif fused:
        x, d = fma(g + 1, size / 2, -0.5, g.dtype.type), np.full_like(g, size / 2)
    else:
        x, d = ((g + 1) * size - 1) / 2, np.full_like(g, size / 2)
    if not pad or padding == "zeros":
        return x, d
    if padding == "reflection":
        x, r = _reflect(x, 0, 2 * (size - 1)) if align else _reflect(x, -1, 2 * size - 1)
        d = d * r
    x, c = _clip(x, size)
    return x, d * c


def _tap_index(i: np.ndarray, size: int, padding: str, align: bool) -> np.ndarray:
    """Bicubic's tap positions moved by the padding mode (ATen's compute_coordinates)."""
    if padding == "border":
        return np.clip(i, 0, size - 1)
    if padding == "reflection":
        r = _reflect(i, 0, 2 * (size - 1))[0] if align else _reflect(i, -1, 2 * size - 1)[0]
        return np.clip(r, 0, size - 1)
    return i


def _cubic(t: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The four cubic-convolution weights at taps -1, 0, 1, 2 for a fraction t, and d/dt."""
    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A

    def dnear(x: np.ndarray) -> np.ndarray:
        return (3 * (_A + 2) * x - 2 * (_A + 3)) * x

    def dfar(x: np.ndarray) -> np.ndarray:
        return (3 * _A * x - 10 * _A) * x + 8 * _A

    w = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    dw = [dfar(t + 1), dnear(t), -dnear(1 - t), -dfar(2 - t)]
    return w, dw


class GridSample(Function):
    """out[n, c, o] = sum over taps of weight(o, tap) input[n, c, tap] (taps outside the input
    read 0), the taps and weights from grid[n, o] per mode and padding mode."""

    def forward(ctx, x, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
        d = grid.shape[-1]
        sizes = x.shape[2:]
        # per spatial axis a (input order: D, H, W): positions (N, *O) and their slopes
        pos = [_source(grid[..., d - 1 - a], sizes[a], padding_mode, align_corners,
                       mode != "bicubic", d == 2 and grid.dtype != np.float16)
               for a in range(d)]
        taps, weights, slopes = [], [], []  # slopes[k][a]: d weight_k / d position_a
        if mode == "nearest":
            taps = [[np.rint(p) for p, _ in pos]]
            weights = [np.ones_like(pos[0][0])]
            if padding_mode != "zeros":  # a NaN position (NaN grid, reflected inf) reads NaN,
                # as bilinear's (docs); its tap is outside, so without this it read 0
                lost = np.logical_or.reduce([np.isnan(p) for p, _ in pos])
                weights = [np.where(lost, np.nan, weights[0])]
        elif mode == "bilinear":
            lo = [np.floor(p) for p, _ in pos]
            frac = [p - f for (p, _), f in zip(pos, lo)]
            for corner in itertools.product((0, 1), repeat=d):
                taps.append([f + c for f, c in zip(lo, corner)])
                ws = [t if c else 1 - t for t, c in zip(frac, corner)]
                weights.append(np.prod(ws, axis=0))
                slopes.append([np.prod([ws[b] for b in range(d) if b != a], axis=0)
                               * (1.0 if corner[a] else -1.0) for a in range(d)])
        else:  # bicubic (2-D): 4 x 4 taps about floor(position)
            lo = [np.floor(p) for p, _ in pos]
            wd = [_cubic(p - f) for (p, _), f in zip(pos, lo)]
            for i, j in itertools.product(range(4), repeat=2):
                taps.append([_tap_index(lo[0] + i - 1, sizes[0], padding_mode, align_corners),
                             _tap_index(lo[1] + j - 1, sizes[1], padding_mode, align_corners)])
                weights.append(wd[0][0][i] * wd[1][0][j])
                slopes.append([wd[0][1][i] * wd[1][0][j], wd[0][0][i] * wd[1][1][j]])
        n_index = np.arange(x.shape[0]).reshape((-1,) + (1,) * (grid.ndim - 2))
        xs = np.moveaxis(x, 1, -1)  # (N, *S, C): a gather gives (N, *O, C)
        out = np.zeros(grid.shape[:-1] + (x.shape[1],), np.result_type(x, grid))
        index, reads = [], []
        for tap, w in zip(taps, weights):
            inside = np.logical_and.reduce([(t >= 0) & (t <= s - 1) for t, s in zip(tap, sizes)])
            idx = tuple(np.where(inside, t, 0).astype(np.intp) for t in tap)
            v = np.where(inside[..., None], xs[(n_index,) + idx], 0)  # (not 0 * a NaN)
            with np.errstate(invalid="ignore"):
                out += w[..., None] * v
            index.append((idx, inside))
            reads.append(v)
        ctx.save_for_backward(index, weights, slopes, reads, [p[1] for p in pos], n_index)
        ctx.shape, ctx.mode, ctx.d = x.shape, mode, d
        return np.moveaxis(out, -1, 1)

    def backward(ctx, g):
        index, weights, slopes, reads, dpos, n_index = ctx.saved
        go = np.moveaxis(g, 1, -1)  # (N, *O, C)
        gx = gg = None
        if ctx.needs_input_grad[0]:
            acc = np.zeros(ctx.shape[:1] + ctx.shape[2:] + ctx.shape[1:2], go.dtype)
            for (idx, inside), w in zip(index, weights):
                np.add.at(acc, (n_index,) + idx, go * np.where(inside, w, 0)[..., None])
            gx = np.moveaxis(acc, -1, 1)
        if ctx.needs_input_grad[1]:
            d = ctx.d
            gg = np.zeros(go.shape[:-1] + (d,), go.dtype)
            if ctx.mode != "nearest":  # nearest: 0, as torch's
                for a in range(d):
                    s = sum((go * v).sum(axis=-1) * sl[a] for v, sl in zip(reads, slopes))
                    gg[..., d - 1 - a] = s * dpos[a]
        return gx, gg
