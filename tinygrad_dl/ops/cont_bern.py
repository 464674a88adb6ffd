"""The continuous Bernoulli's cdf and icdf given logits L (density L e^(L x) / expm1(L)), one op
each: computed in float64 (a narrower dtype's result rounded once), every value and partial
derivative without cancellation for every L, +-inf included (the point masses' limits).
Reflected to y = min(x, 1 - x) (1 - X has logits -L) and M = +-L: below |M| = 1/4 as series,
above as rearranged closed forms. Quiet inside the op (np.errstate: a jitted step replays);
backward gives the exact first derivatives (d/dx the density; icdf's by the inverse function
theorem, in u rather than in the rounded quantile: e^(L q) = 1 + u expm1(L))."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..engine import Function, unbroadcast

__all__ = ["ContinuousBernoulliCdf", "ContinuousBernoulliIcdf"]

_SMALL = 0.25  # |M| below: the series
_SINHC = [1.0 / math.factorial(2 * k + 1) for k in range(5)]  # sinh(w) / w, in w^2
_ATANHC = [1.0 / (2 * k + 1) for k in range(7)]  # atanh(q) / q, in q^2
_EXPM1_MAX = 709.0  # expm1 finite below


def _mean_series(n: int) -> list[float]:
    """(mean(M) - 1/2) / M in M^2: B_2k / (2k)! (Bernoulli numbers by their recurrence)."""
    b = [Fraction(1)]
    for m in range(1, 2 * n + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return [float(b[2 * k] / math.factorial(2 * k)) for k in range(1, n + 1)]


_MEAN = _mean_series(8)  # (|M| < 1/4: the terms fall by M^2 / 4 pi^2 < 0.0016)


def _horner(t: np.ndarray, coeffs: list[float]) -> np.ndarray:
    out = t * coeffs[-1] + coeffs[-2]
    for c in reversed(coeffs[:-2]):
        out = out * t + c
    return out


def _wide(x: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    dtype = np.result_type(x.dtype, L.dtype)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    x, L = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(L, np.float64))
    return x, L, dtype


def _reflect(x: np.ndarray, L: np.ndarray, low: np.ndarray, inside: np.ndarray):
    y = np.where(inside, x, 0.25)
    return np.where(low, y, 1.0 - y), np.where(low, L, -L)


def _bracket(y: np.ndarray, M: np.ndarray, small: np.ndarray) -> np.ndarray:
    """y mean(M y) - mean(M) = d log F(y; M) / dM: below |M| = 1/4 (y - 1) / 2 +
    M (y^2 S(M^2 y^2) - S(M^2)), above 1 / expm1(-M) - y / expm1(-M y)."""
    s = np.where(small, M, 0.0)
    t, ty = s * s, (s * y) ** 2
    series = (y - 1.0) * 0.5 + s * (y * y * _horner(ty, _MEAN) - _horner(t, _MEAN))
    closed = 1.0 / np.expm1(-M) - y / np.expm1(-M * y)
    return np.where(small, series, closed)


def _nan_at_nan(grad: np.ndarray, M: np.ndarray) -> np.ndarray:
    """NaN logits: NaN gradients (0 only where the logits are a number)."""
    return np.where(np.isnan(M), math.nan, grad)


def _cdf_reflected(y: np.ndarray, M: np.ndarray, small: np.ndarray):
    """F = expm1(M y) / expm1(M) and 1 - F for y in (0, 1/2]: below |M| = 1/4 as
    y e^(M (y - 1) / 2) sinhc(M y / 2) / sinhc(M / 2); above, with b = |M|, expm1(-b y) /
    expm1(-b) (M < 0; 1 - F as it stands where F <= 1/2, else e^(-b y) expm1(-b (1 - y)) /
    expm1(-b)), e^(-b (1 - y)) expm1(-b y) / expm1(-b) (M > 0)."""
    s = np.where(small, M, 0.0)
    sinhc = _horner((s * y * 0.5) ** 2, _SINHC) / _horner((s * 0.5) ** 2, _SINHC)
    series = y * np.exp(s * (y - 1.0) * 0.5) * sinhc
    b = np.abs(M)
    den = np.expm1(-b)
    ratio = np.expm1(-b * y) / den
    positive = M > 0
    upper = np.where(positive, np.exp(-b * (1.0 - y)) * ratio, ratio)
    lower = np.where(positive, 1.0 - upper, np.where(
        ratio <= 0.5, 1.0 - ratio, np.exp(-b * y) * np.expm1(-b * (1.0 - y)) / den))
    return np.where(small, series, upper), np.where(small, 1.0 - series, lower)


def _icdf_reflected(v: np.ndarray, M: np.ndarray, small: np.ndarray):
    """G = log1p(v expm1(M)) / M and 1 - G for v in [0, 1/2]: below |M| = 1/4 as
    v (expm1(M) / M) (log1p(w) / w), w = v expm1(M); above as it stands, except where G passes
    about 1/2 (M > 0, v > e^(-M / 2)): 1 - G = -(log v + log1p((1 / v - 1) e^-M)) / M, and
    past M = 709 (expm1 overflows): G = softplus(log v + M) / M."""
    s = np.where(small, M, 0.0)
    h = s * 0.5
    exprel = np.exp(h) * _horner(h * h, _SINHC)  # expm1(s) / s
    w = v * s * exprel
    two_w = 2.0 + w
    q = w / two_w
    series = v * exprel * 2.0 / two_w * _horner(q * q, _ATANHC)
    m = np.where(small, _SMALL, M)
    log_v = np.log(v)
    far = (m > 0) & (2.0 * log_v + m > 0.0)
    rest = -(log_v + np.log1p((1.0 - v) * np.exp(-m - log_v))) / m
    near = np.log1p(v * np.expm1(m)) / m
    huge = np.where(v == 0, 0.0, np.logaddexp(0.0, log_v + m) / m)
    near = np.where(m > _EXPM1_MAX, huge, near)
    g, g_c = np.where(far, 1.0 - rest, near), np.where(far, rest, 1.0 - near)
    return np.where(small, series, g), np.where(small, 1.0 - series, g_c)


class ContinuousBernoulliCdf(Function):
    """cdf(x; L) = expm1(L x) / expm1(L): 0 at x <= 0, 1 at x >= 1, NaN at NaN. Backward:
    d/dx the density, d/dL = F (y mean(M y) - mean(M)) (reflected), 0 outside (0, 1)."""

    def forward(ctx, x, L):
        ctx.inputs = (x.shape, x.dtype), (L.shape, L.dtype)
        x, L, dtype = _wide(x, L)
        with np.errstate(all="ignore"):
            low, inside = x <= 0.5, (x > 0) & (x < 1)
            y, M = _reflect(x, L, low, inside)
            small = np.abs(M) < _SMALL
            f, f_c = _cdf_reflected(y, M, small)
            out = np.where(inside, np.where(low, f, f_c), math.nan)
            out = np.where(x <= 0, 0.0, np.where(x >= 1, 1.0, out))
        ctx.save_for_backward(y, M, f, inside, small)
        return out.astype(dtype, copy=False)

    def backward(ctx, g):
        y, M, f, inside, small = ctx.saved
        nx, nl = ctx.needs_input_grad
        (xs, xd), (ls, ld) = ctx.inputs
        g = g.astype(np.float64, copy=False)
        with np.errstate(all="ignore"):
            gx = gl = None
            if nx:
                a = np.abs(M)
                z = np.where(M > 0, 1.0 - y, y)
                pdf = np.where(a == 0, 1.0, a * np.exp(-a * z) / -np.expm1(-a))
                pdf = np.where(np.isinf(a), 0.0, pdf)
                gx = _nan_at_nan(np.where(inside, g * pdf, 0.0), M)
                gx = unbroadcast(gx, xs).astype(xd, copy=False)
            if nl:
                d = f * _bracket(y, M, small)
                gl = unbroadcast(_nan_at_nan(np.where(inside, g * d, 0.0), M), ls)
                gl = gl.astype(ld, copy=False)
        return gx, gl


class ContinuousBernoulliIcdf(Function):
    """icdf(u; L) = log1p(u expm1(L)) / L, NaN outside [0, 1]. Backward, reflected (v =
    min(u, 1 - u), M = +-L, G = icdf(v; M)): d/du = 1 / pdf, pdf = M v + M / expm1(M); d/dL =
    (w - G) / M, w = v / (v + (1 - v) e^-M) (below |M| = 1/4: -v (G mean(M G) - mean(M)) / pdf);
    0 at u = 0, 1 and outside [0, 1] and at logits +-inf."""

    def forward(ctx, u, L):
        ctx.inputs = (u.shape, u.dtype), (L.shape, L.dtype)
        u, L, dtype = _wide(u, L)
        with np.errstate(all="ignore"):
            low, inside = u <= 0.5, (u >= 0) & (u <= 1)
            v, M = _reflect(u, L, low, inside)
            small = np.abs(M) < _SMALL
            q, q_c = _icdf_reflected(v, M, small)
            out = np.where(inside, np.where(low, q, q_c), math.nan)
        ctx.save_for_backward(v, M, q, q_c, inside, small)
        return out.astype(dtype, copy=False)

    def backward(ctx, g):
        v, M, q, q_c, inside, small = ctx.saved
        nu, nl = ctx.needs_input_grad
        (us, ud), (ls, ld) = ctx.inputs
        g = g.astype(np.float64, copy=False)
        with np.errstate(all="ignore"):
            used = inside & np.isfinite(M)
            r = np.where(M == 0, 1.0, M / np.expm1(M))
            pdf = M * v + np.where(M > _EXPM1_MAX, 0.0, r)
            gu = gl = None
            if nu:
                gu = _nan_at_nan(np.where(used, g / pdf, 0.0), M)
                gu = unbroadcast(gu, us).astype(ud, copy=False)
            if nl:
                e = np.exp(-M)
                den = v + (1.0 - v) * e
                closed = np.where(q <= 0.5, v / den - q, q_c - (1.0 - v) * e / den) / M
                series = -v * _bracket(q, M, small) / pdf
                d = np.where(v == 0, 0.0, np.where(small, series, closed))
                gl = unbroadcast(_nan_at_nan(np.where(used, g * d, 0.0), M), ls)
                gl = gl.astype(ld, copy=False)
        return gu, gl
