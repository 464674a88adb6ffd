"""Review of the grid_sample / fma / Upsample commit (hGRIDr): ops.fma rounds a b + c once in
float16, float32 and float64 (exact fractions as the oracle: half-way products plus a tiny
addend, subnormals, past 2^997, -0.0), float16 grid_sample bit for bit torch 2.13's (its
float16 kernel rounds each step: no fused multiply-add), nn.Upsample's repr torch's, and an
infinite or astronomic interpolate scale refused in one line."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.ops.allocation import TooBig
from tinygrad_dl.ops.fma import fma

_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _rounded(v: Fraction, dtype: Any) -> float:
    """The exact v rounded once to `dtype`, ties to even (an overflow is inf)."""
    fi = np.finfo(dtype)
    if v == 0:
        return 0.0
    size = abs(v)
    e = size.numerator.bit_length() - size.denominator.bit_length()
    e += (Fraction(2) ** (e + 1) <= size) - (Fraction(2) ** e > size)
    ulp = Fraction(2) ** (max(e, fi.minexp) - fi.nmant)
    n, rest = divmod(size / ulp, 1)
    n = int(n) + (rest > Fraction(1, 2) or (rest == Fraction(1, 2) and n % 2 == 1))
    out = float("inf") if n * ulp > Fraction(float(fi.max)) else float(n * ulp)
    return out if v > 0 else -out


def _exact_fma(a: Any, b: Any, c: Any, dtype: Any) -> np.ndarray:
    """a b + c rounded once (finite operands); an exact zero has IEEE's sign (-0.0 only for
    -0.0 + -0.0)."""
    ab, fc = Fraction(float(a)) * Fraction(float(b)), Fraction(float(c))
    if ab + fc == 0:
        neg = ab == 0 and fc == 0 and np.signbit(a) != np.signbit(b) and np.signbit(c)
        return np.array(-0.0 if neg else 0.0, dtype)
    r = _rounded(ab + fc, dtype)
    return np.array(r if r != 0 else np.copysign(0.0, float(ab + fc)), dtype)


def _same_bits(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


# ---- ops.fma rounds once ---------------------------------------------------------------------
@pytest.mark.parametrize("a, b, c, want, dtype", [
    # 24929 * 673 = 2^24 + 1: a b = 1 + 2^-24, half-way between float32 1 and 1 + 2^-23;
    # the tiny c decides up. C: through float64 (1 + 2^-24 exactly), then ties to even: 1.0
    (24929.0, 673 * 2.0 ** -24, 2.0 ** -80, 1 + 2.0 ** -23, np.float32),
    (24929.0, 673 * 2.0 ** -24, -(2.0 ** -80), 1.0, np.float32),
    # 5 * 1801439850948199 = 2^53 + 3: a b = 1 + 3 2^-53, past a float64 half-way point by
    # -2^-110: 1 + 2^-52. C (the two errors added, then to the sum): 1 + 2^-51
    (5.0, 1801439850948199 * 2.0 ** -53, -(2.0 ** -110), 1 + 2.0 ** -52, np.float64),
    # a subnormal product: -1.5 of the smallest subnormal, ties to even -2 (C: -1)
    (0.5, -5e-324, -5e-324, -1e-323, np.float64),
    # a split past 2^997 (C: the product rounded, then the sum: one ulp off)
    (-1.2939826714699224e+303, 3.4102290959599922e-71, -1.1844419073737424e+221,
     -4.412777355926614e+232, np.float64),
    # -0.0 + -0.0 is -0.0 (C: 0.0)
    (0.5, -0.0, -0.0, -0.0, np.float64),
    (-0.0, 2.0, -0.0, -0.0, np.float64),
])
def test_fma_rounds_once_where_twice_rounding_slips(a: float, b: float, c: float, want: float,
                                                    dtype: Any) -> None:
    got = fma(dtype(a), dtype(b), dtype(c), dtype)
    assert _same_bits(np.asarray(got, dtype), np.array(want, dtype)), (got, want)


def _operands(rng: np.random.Generator, n: int, dtype: Any) -> tuple[np.ndarray, ...]:
    """Triples where rounding twice slips: a b on (or beside) a half-way point of `dtype` and
    c tiny, c = -a b rounded (cancellation), exponents from subnormal to overflow, random
    bits (incl. inf, NaN), and the specials."""
    fi = np.finfo(dtype)
    bits = 53 if dtype == np.float64 else fi.nmant + 1
    out = []
    # half-way products: a b = (2^bits + odd) 2^-bits, a a small odd factor of it, b the
    # rest, plus a tiny c (below the last bit even of float64)
    k = rng.choice([3, 5, 7, 9, 11, 13], n)
    m = rng.integers(2 ** bits // k, 2 ** (bits + 1) // k, dtype=np.int64) | 1
    a, b = k.astype(np.float64), m.astype(np.float64) * 2.0 ** -bits
    c = rng.choice([-1, 1], n) * 2.0 ** rng.integers(-140, -bits - 3, n).astype(np.float64)
    out.append((a, b, np.maximum(np.abs(c), float(fi.smallest_subnormal)) * np.sign(c)))
    x, y = rng.normal(size=n), rng.normal(size=n)
    out.append((x, y, -(x.astype(dtype) * y.astype(dtype)).astype(np.float64)))
    lo, hi = np.log2(float(fi.smallest_subnormal)), np.log2(float(fi.max))
    out.append(tuple(rng.choice([-1, 1], n) * np.exp2(rng.uniform(lo, hi, n)) for _ in range(3)))
    u = _UINT[np.dtype(dtype).itemsize]
    out.append(tuple(rng.integers(0, np.iinfo(u).max, n, dtype=u, endpoint=True).view(dtype)
                     for _ in range(3)))
    special = np.array([0.0, -0.0, 1.0, -0.5, np.inf, -np.inf, np.nan, float(fi.max),
                        float(fi.smallest_subnormal), -float(fi.tiny)])
    out.append(tuple(rng.choice(special, n) for _ in range(3)))
    with np.errstate(all="ignore"):
        return tuple(np.concatenate([t[i] for t in out]).astype(dtype) for i in range(3))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_fma_matches_exact_fractions_over_random_triples(dtype: Any) -> None:
    a, b, c = _operands(np.random.default_rng(2026), 120, dtype)
    got = np.asarray(fma(a, b, c, dtype), dtype)
    with np.errstate(all="ignore"):
        plain = (a.astype(np.float64) * b + c).astype(dtype)  # inf / NaN operands
    bad = []
    for i in range(a.size):
        if np.isfinite(a[i]) and np.isfinite(b[i]) and np.isfinite(c[i]):
            want = _exact_fma(a[i], b[i], c[i], dtype)
        else:
            want = plain[i]
        if not (_same_bits(got[i], want) or (np.isnan(got[i]) and np.isnan(want))):
            bad.append((a[i], b[i], c[i], got[i], want))
    assert not bad, (len(bad), bad[:3])


# ---- float16 grid_sample: torch's float16 kernel rounds each step -----------------------------
def test_float16_grid_sample_nearest_picks_torchs_pixel() -> None:
    torch = pytest.importorskip("torch")
    # (g + 1) 3 / 2 - 1 / 2 at g = -0.3328 (float16): torch rounds each step, 0.49805 (pixel
    # 0); fused, 0.5005 (pixel 1). C read 0.1487 (pixel 1) for torch's -0.6235 (pixel 0)
    x = np.array([[[[-0.6235, 0.1487, 0.5]]]], np.float16)
    g = np.array([[[[-0.3328, 0.0]]]], np.float16)
    out = F.grid_sample(Tensor(x), Tensor(g), mode="nearest", align_corners=False)
    ref = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), mode="nearest",
                                          align_corners=False)
    assert out.numpy().ravel()[0] == ref.numpy().ravel()[0] == np.float16(-0.6235)


@pytest.mark.parametrize("width", [3, 5, 7, 13])
def test_float16_grid_sample_bit_for_bit_torchs_over_every_coordinate(width: int) -> None:
    torch = pytest.importorskip("torch")
    # every float16 x coordinate in [-1.2, 1.2] (~30,000): C differed from torch on 1 in 50
    # bilinear reads (0.1592 for 0.168 at width 5, g = 0.6006) and on nearest's ties
    g = np.arange(2 ** 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    g = g[np.isfinite(g) & (np.abs(g) <= 1.2)]
    rng = np.random.default_rng(width)
    x = rng.normal(size=(1, 2, 2, width)).astype(np.float16)
    grid = np.stack([g, np.full_like(g, -0.25)], -1).reshape(1, 1, -1, 2)
    bad = []
    for mode in ("nearest", "bilinear"):
        for padding in ("zeros", "border", "reflection"):
            for align in (False, True):
                kw = dict(mode=mode, padding_mode=padding, align_corners=align)
                out = F.grid_sample(Tensor(x), Tensor(grid), **kw).numpy()
                ref = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid),
                                                      **kw).numpy()
                if out.tobytes() != ref.tobytes():
                    bad.append((kw, int((out != ref).sum())))
    assert not bad, bad


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_nan_coordinate_reflected_on_a_size_1_axis_reads_nan(d: int, mode: str) -> None:
    # docs: a NaN coordinate under 'border' or 'reflection' reads NaN (torch: the pixel);
    # C read the pixel under reflection where an axis is 1 wide with align_corners=True
    x = Tensor(np.full((1, 1) + (1,) * d, 7.0))
    grid = Tensor(np.full((1,) + (1,) * d + (d,), np.nan))
    for padding in ("border", "reflection"):
        out = F.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=True)
        assert np.isnan(out.numpy()).all(), (padding, out.numpy())


# ---- nn.Upsample: torch's repr and falsy rule ------------------------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(scale_factor=0), dict(scale_factor=False),
                                dict(size=3, scale_factor=2), dict(size=np.int64(3)),
                                dict(scale_factor=0.0, size=(2, 3)),
                                dict(scale_factor=(np.int64(2), np.float32(1.5)))])
def test_upsample_repr_is_torchs(kw: dict) -> None:
    torch = pytest.importorskip("torch")
    # torch prints scale_factor where there is one, else size (repr'd): C printed
    # "scale_factor=None" for Upsample() and Upsample(scale_factor=0), and size first
    assert repr(nn.Upsample(**kw)) == repr(torch.nn.Upsample(**kw))


def test_upsample_empty_list_scale_factor_is_none_as_torchs_falsy_rule() -> None:
    up = nn.Upsample(size=(2, 3), scale_factor=[])
    assert up.scale_factor is None and repr(up) == "Upsample(size=(2, 3), mode='nearest')"
    assert up(Tensor(np.ones((1, 1, 4, 4)))).shape == (1, 1, 2, 3)
    assert nn.Upsample(scale_factor=[2, 3]).scale_factor == [2.0, 3.0]  # (our extension)


# ---- absurd scales: one line ------------------------------------------------------------------
@pytest.mark.parametrize("scale", [float("inf"), (2.0, float("inf"))])
def test_interpolate_refuses_an_infinite_scale_factor_in_one_line(scale: Any) -> None:
    # C: OverflowError "cannot convert float infinity to integer"
    with pytest.raises(ValueError) as e:
        F.interpolate(Tensor(np.ones((1, 1, 3, 4))), scale_factor=scale)
    one_line(e, "interpolate", "scale_factor", "finite")


@pytest.mark.parametrize("make", [
    lambda: F.interpolate(Tensor(np.ones((1, 1, 3, 4))), scale_factor=1e300),
    lambda: tg.zeros((10 ** 160, 10 ** 160))])
def test_astronomic_allocation_refused_in_one_line(make: Any) -> None:
    # C: OverflowError "integer division result too large for a float" writing the size
    with pytest.raises(TooBig) as e:
        make()
    one_line(e, "would need", "EiB")
