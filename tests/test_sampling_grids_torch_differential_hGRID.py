"""F.grid_sample, F.affine_grid, F.pixel_shuffle / pixel_unshuffle, F.channel_shuffle and their
modules, and nn.Upsample's attributes, against torch 2.13 over seeded random cases: values,
shapes and dtypes, and the gradients of a random weighted sum to every float input (float64 to
1e-10 of the largest entry, float32 to 1e-4). grid_sample's cases: 4-D and 5-D, every mode,
padding mode and align_corners, empty batches, channels and output grids, size-1 axes,
non-contiguous inputs and grids, points on pixel centres and edges, far outside (float64), and
ulp-neighbours of half and whole pixels (nearest's ties, bilinear's floors). Left out here
(tests/test_ctc_grid_sample*.py and the edge table hold them, docs/pytorch.md the rule): NaN and
inf coordinates beyond the size-1 case below, where torch's 2-D and 3-D kernels disagree with
each other and can crash; float32 coordinates past ~1e3, where a float32 position has lost its
fraction and both libraries read an arbitrary pixel; pixel_unshuffle of an empty tensor
(documented). interpolate is covered by tests/test_embedding_interpolate_torch_hE.py and
tests/test_interpolate_antialias_torch_hA2.py."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from oracle import jit_matches_eager, mismatch, one_line

import tinygrad_dl.nn as nn
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
_EDGES = np.array([-1.5, -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 3.0, -3.0, -0.0])


def _tol(dtype: Any) -> float:
    return 1e-4 if dtype == np.float32 else 1e-10


def _noncontiguous(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """a's values in a permuted memory layout (a transposed view), a third of the time."""
    if rng.random() < 0.33:
        perm = rng.permutation(a.ndim)
        return np.ascontiguousarray(a.transpose(perm)).transpose(np.argsort(perm))
    return a


def _both(ours: Any, theirs: Any, args: list[np.ndarray], grad: bool, rng: np.random.Generator
          ) -> list[str]:
    """ours(*Tensors) and theirs(*torch tensors) on the same arrays: output and gradients."""
    ts = [torch.tensor(np.ascontiguousarray(a), requires_grad=grad) for a in args]
    xs = [Tensor(a, requires_grad=grad) for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = theirs(*ts)
    out = ours(*xs)
    errs = [f"dtype {out.dtype} vs {ref.dtype}"] if str(ref.dtype) != f"torch.{out.dtype}" else []
    tol = _tol(args[0].dtype)
    if e := mismatch(out.data, ref.detach().numpy(), tol):
        errs.append(f"output: {e}")
    if grad:
        w = rng.normal(size=tuple(ref.shape))
        (ref * torch.tensor(w, dtype=ref.dtype)).sum().backward()
        (out * Tensor(w.astype(out.dtype))).sum().backward()
        for i, (x, t) in enumerate(zip(xs, ts)):
            got = np.zeros(x.shape) if x.grad is None else x.grad
            if e := mismatch(got, t.grad.numpy(), tol):
                errs.append(f"gradient {i}: {e}")
    return errs


# ---- grid_sample ------------------------------------------------------------------------------
def _grid_case(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    d = 2 if rng.random() < 0.65 else 3
    kw = dict(mode=str(rng.choice(["bilinear", "nearest", "bicubic"][:3 if d == 2 else 2])),
              padding_mode=str(rng.choice(["zeros", "border", "reflection"])),
              align_corners=bool(rng.random() < 0.5))
    n = int(rng.choice([0, 1, 2, 3])) if rng.random() < 0.9 else 0
    c = int(rng.integers(0, 3)) if rng.random() < 0.1 else int(rng.integers(1, 4))
    sizes = tuple(int(v) for v in rng.integers(1, 6, size=d))
    out = tuple(int(v) for v in rng.integers(0 if rng.random() < 0.1 else 1, 5, size=d))
    dtype = np.float32 if rng.random() < 0.25 else np.float64
    shape = (n,) + out + (d,)
    kind = rng.random()
    if kind < 0.3:
        g = rng.uniform(-1.3, 1.3, size=shape)
    elif kind < 0.5:  # borders, corners, half-way points
        g = rng.choice(_EDGES, size=shape)
    elif kind < 0.65:  # k / s - 1: pixel centres and edges of inputs of size s
        g = rng.integers(-4, 12, size=shape) / rng.integers(1, 6, size=shape) - 1.0
    elif kind < 0.8:  # far outside (reflection's many folds)
        g = rng.uniform(-1, 1, size=shape) * 10.0 ** rng.integers(0, 8, size=shape)
    else:
        g = rng.uniform(-3, 3, size=shape)
        g[rng.random(shape) < 0.3] = 0.5
    if dtype == np.float32:  # (past ~1e3 a float32 position has lost its fraction)
        g = np.clip(g, -1e3, 1e3)
    x = rng.normal(size=(n, c) + sizes)
    return _noncontiguous(x.astype(dtype), rng), _noncontiguous(g.astype(dtype), rng), kw


@pytest.mark.parametrize("seed", range(3))
def test_grid_sample_matches_torch_over_random_cases(seed: int) -> None:
    rng = np.random.default_rng(7000 + seed)
    failures = []
    for i in range(60):
        x, g, kw = _grid_case(rng)
        errs = _both(lambda a, b, kw=kw: F.grid_sample(a, b, **kw),
                     lambda a, b, kw=kw: TF.grid_sample(a, b, **kw), [x, g], True, rng)
        if errs:
            failures.append(f"case {i} {kw} x {x.shape} {x.dtype} grid {g.shape}: {errs}")
    assert not failures, failures[:3]


def _near_ties(rng: np.random.Generator, d: int, dtype: Any) -> tuple[np.ndarray, np.ndarray,
                                                                       bool]:
    """Coordinates within 2 ulps of half and whole pixels of sizes up to 40."""
    sizes = tuple(int(v) for v in rng.integers(1, 40, size=d))
    align = bool(rng.random() < 0.5)
    g = np.empty((1, 48) + (1,) * (d - 1) + (d,), dtype)
    for a in range(d):
        size = sizes[d - 1 - a]
        pos = rng.integers(-2 * size, 3 * size, size=g.shape[:-1]) / 2.0
        v = (pos * 2 / (size - 1) - 1 if align and size > 1 else (2 * pos + 1) / size - 1
             ).astype(dtype)
        for step in rng.integers(-2, 3, size=2):
            v = np.nextafter(v, dtype(np.inf) * np.sign(step)) if step else v
        g[..., a] = v
    return rng.normal(size=(1, 2) + sizes).astype(dtype), g, align


@pytest.mark.parametrize("d", [2, 3])
def test_grid_sample_ulp_neighbours_of_ties_and_kinks_match_torch(d: int) -> None:
    rng = np.random.default_rng(40 + d)
    failures = []
    for i in range(40):
        dtype = (np.float32, np.float64)[i % 2]
        x, g, align = _near_ties(rng, d, dtype)
        kw = dict(mode=("nearest", "bilinear", "bicubic")[i % (3 if d == 2 else 2)],
                  padding_mode=("zeros", "border", "reflection")[i % 3], align_corners=align)
        errs = _both(lambda a, b, kw=kw: F.grid_sample(a, b, **kw),
                     lambda a, b, kw=kw: TF.grid_sample(a, b, **kw), [x, g], True, rng)
        if errs:
            failures.append(f"case {i} {kw} {dtype.__name__}: {errs}")
    assert not failures, failures[:3]


def test_grid_sample_2d_rounds_the_unnormalised_coordinate_once_as_torch() -> None:
    # (g + 1) * 3 / 2 - 1 / 2 at g = -0.3333333333333333 (just above -1/3) is 0.50000000000000006
    # exactly: nearest reads pixel 1 (torch's fused multiply-add); rounded twice it was 0.5,
    # the tie to even: pixel 0
    x = np.arange(3.0).reshape(1, 1, 1, 3)
    g = np.array([-0.3333333333333333, 0.0]).reshape(1, 1, 1, 2)
    out = F.grid_sample(x, g, mode="nearest", padding_mode="border", align_corners=False)
    ref = TF.grid_sample(torch.tensor(x), torch.tensor(g), mode="nearest",
                         padding_mode="border", align_corners=False)
    assert out.data.item() == ref.item() == 1.0
    # the same coordinate one ulp from a whole pixel: bilinear's floor, so the grid gradient's
    # side of the kink, is torch's
    x = np.array([0.0, 10.0, 0.0]).reshape(1, 1, 1, 3)
    g = np.array([np.nextafter(1 / 3, 1), 0.0]).reshape(1, 1, 1, 2)
    gt, go = torch.tensor(g, requires_grad=True), Tensor(g, requires_grad=True)
    TF.grid_sample(torch.tensor(x), gt, padding_mode="border", align_corners=False).sum().backward()
    F.grid_sample(x, go, padding_mode="border", align_corners=False).sum().backward()
    np.testing.assert_array_equal(go.grad, gt.grad.numpy())


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
def test_grid_sample_size_one_axis_with_align_corners_reads_its_pixel_at_inf(
        mode: str, padding: str) -> None:
    # align_corners=True maps every coordinate of a size-1 axis to its one pixel's centre:
    # +-inf too, the limit of far finite ones (inf * 0 read NaN before)
    grads = []
    for v in (1e300, np.inf):
        x = Tensor(np.array([[[[3.0, 5.0]]]]), requires_grad=True)  # (1, 1, 1, 2): H = 1
        g = Tensor(np.array([[[[0.0, v], [1.0, -v]]]]), requires_grad=True)
        out = F.grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=True)
        out.sum().backward()
        grads.append((out.data, x.grad, g.grad))
    for far, inf in zip(*grads):
        assert np.isfinite(inf).all()
        np.testing.assert_array_equal(inf, far)
    assert not grads[1][2][..., 1].any()  # no gradient along the size-1 axis


def test_grid_sample_3d_reflection_far_out_folds_exactly() -> None:
    # position -24019979070.42 of a size-5 axis (span [-0.5, 4.5]): 4803995813 folds (odd),
    # landing at -0.42, clipped to pixel 0 (exact arithmetic on that position). torch 2.13's
    # 3-D kernel counts the folds in an int, which overflows past 2^31: it reads pixel 4 (16)
    x = (np.arange(5.0) ** 2).reshape(1, 1, 1, 1, 5)
    g = np.zeros((1, 1, 1, 1, 3))
    g[..., 0] = -9607991628.96781
    for mode in ("bilinear", "nearest"):
        out = F.grid_sample(x, g, mode=mode, padding_mode="reflection", align_corners=False)
        assert out.data.item() == 0.0
    assert F.grid_sample(x[:, :, 0], g[:, 0, ..., :2], padding_mode="reflection",
                         align_corners=False).data.item() == 0.0  # 2-D alike (torch's too)


def test_grid_sample_refusals_are_one_line() -> None:
    x, g = np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 2))
    for call, words in [
            (lambda: F.grid_sample(x.astype(np.int64), g.astype(np.int64)), ("floating",)),
            (lambda: F.grid_sample(x, g.astype(np.float32)), ("one floating dtype",)),
            (lambda: F.grid_sample(x, g, padding_mode="circular"), ("padding_mode",)),
            (lambda: F.grid_sample(x, g, align_corners=1), ("align_corners",)),
            (lambda: F.grid_sample(x[:, :, :, :0], g), ("non-empty",))]:
        with pytest.raises((ValueError, TypeError)) as e:
            call()
        one_line(e, "grid_sample", *words)


# ---- affine_grid ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(2))
def test_affine_grid_matches_torch_over_random_cases(seed: int) -> None:
    rng = np.random.default_rng(7100 + seed)
    failures = []
    for i in range(40):
        d = int(rng.integers(2, 4))
        size = (int(rng.integers(1, 3)), int(rng.integers(1, 3))) + tuple(
            int(v) for v in rng.integers(1, 6, size=d))
        ac = [None, False, True][i % 3]
        dtype = np.float32 if rng.random() < 0.3 else np.float64
        th = (rng.normal(size=(size[0], d, d + 1)) * 10.0 ** rng.integers(-3, 4)).astype(dtype)
        th = _noncontiguous(th, rng)
        sz = torch.Size(size) if i % 2 else size
        errs = _both(lambda t, sz=sz, ac=ac: F.affine_grid(t, sz, align_corners=ac),
                     lambda t, sz=sz, ac=ac: TF.affine_grid(t, sz, align_corners=ac), [th],
                     True, rng)
        if errs:
            failures.append(f"case {i} size {size} {dtype.__name__} ac {ac}: {errs}")
    assert not failures, failures[:3]


# ---- pixel_shuffle, pixel_unshuffle, channel_shuffle -----------------------------------------
_SHUFFLES = {
    "pixel_shuffle": (lambda r: lambda a: F.pixel_shuffle(a, r),
                      lambda r: lambda a: TF.pixel_shuffle(a, r)),
    "PixelShuffle": (lambda r: nn.PixelShuffle(r), lambda r: torch.nn.PixelShuffle(r)),
    "pixel_unshuffle": (lambda r: lambda a: F.pixel_unshuffle(a, r),
                        lambda r: lambda a: TF.pixel_unshuffle(a, r)),
    "PixelUnshuffle": (lambda r: nn.PixelUnshuffle(r), lambda r: torch.nn.PixelUnshuffle(r)),
    "channel_shuffle": (lambda r: lambda a: F.channel_shuffle(a, r),
                        lambda r: lambda a: TF.channel_shuffle(a, r)),
    "ChannelShuffle": (lambda r: nn.ChannelShuffle(r), lambda r: torch.nn.ChannelShuffle(r)),
}


def _shuffle_shape(name: str, r: int, rng: np.random.Generator) -> tuple[int, ...]:
    lead = tuple(int(v) for v in rng.integers(0, 3, size=int(rng.integers(0, 3))))
    if name.lower().startswith("pixel_shuffle") or name == "PixelShuffle":
        return lead + (int(rng.integers(1, 3)) * r * r,) + tuple(
            int(v) for v in rng.integers(1, 4, size=2))
    if "nshuffle" in name:  # (not empty: torch 2.13 returns an empty input as it is, docs)
        return tuple(max(n, 1) for n in lead) + (int(rng.integers(1, 4)),) + tuple(
            int(v) * r for v in rng.integers(1, 3, size=2))
    return (int(rng.integers(0, 3)), int(rng.integers(1, 3)) * r) + tuple(
        int(v) for v in rng.integers(0, 3, size=int(rng.integers(1, 3))))


@pytest.mark.parametrize("name", list(_SHUFFLES))
def test_shuffles_match_torch_bit_for_bit(name: str) -> None:
    rng = np.random.default_rng(len(name))
    ours, theirs = _SHUFFLES[name]
    for i in range(25):
        r = int(rng.integers(1, 4))
        dtype = [np.float64, np.float32, np.int64, np.bool_][i % 4]
        x = _noncontiguous((rng.normal(size=_shuffle_shape(name, r, rng)) * 3).astype(dtype), rng)
        grad = dtype in (np.float64, np.float32)
        ts = torch.tensor(np.ascontiguousarray(x), requires_grad=grad)
        xs = Tensor(x, requires_grad=grad)
        ref, out = theirs(r)(ts), ours(r)(xs)
        assert out.shape == tuple(ref.shape) and str(ref.dtype) == f"torch.{out.dtype}"
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        if grad and x.size:  # (torch's backward of an empty pixel_shuffle raises)
            w = rng.normal(size=tuple(ref.shape))
            (ref * torch.tensor(w, dtype=ref.dtype)).sum().backward()
            (out * Tensor(w.astype(out.dtype))).sum().backward()
            np.testing.assert_array_equal(xs.grad, ts.grad.numpy())


# ---- nn.Upsample and the deprecated spellings ------------------------------------------------
@pytest.mark.parametrize("cls, kw", [
    ("Upsample", dict(scale_factor=2)), ("Upsample", dict(scale_factor=(2, 3), mode="bilinear")),
    ("Upsample", dict(size=3, scale_factor=0)), ("Upsample", dict(size=(3, 7), mode="area")),
    ("Upsample", dict(scale_factor=np.float64(1.5), mode="bicubic", align_corners=True)),
    ("UpsamplingNearest2d", dict(scale_factor=3)), ("UpsamplingBilinear2d", dict(scale_factor=2)),
    ("UpsamplingBilinear2d", dict(size=(5, 3)))])
def test_upsample_modules_keep_torch_attributes_repr_and_values(cls: str, kw: dict) -> None:
    # torch keeps scale_factor as float(s) (repr "scale_factor=2.0"), a falsy one as None:
    # ours kept 2, and an Upsample(size=3, scale_factor=0) was refused at its call
    mo, mt = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(mo) == repr(mt)
    assert mo.scale_factor == mt.scale_factor and type(mo.scale_factor) is type(mt.scale_factor)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 4, 5))
    assert not _both(mo, mt, [x], True, rng)


@pytest.mark.parametrize("name, kw", [
    ("upsample", dict(scale_factor=2, mode="bilinear", align_corners=False)),
    ("upsample", dict(size=(3, 9))), ("upsample_nearest", dict(scale_factor=2)),
    ("upsample_bilinear", dict(size=(7, 2))), ("upsample_bilinear", dict(scale_factor=1.5))])
def test_deprecated_upsample_spellings_match_torch(name: str, kw: dict) -> None:
    x = np.random.default_rng(4).normal(size=(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="deprecated"):
        out = getattr(F, name)(x, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = getattr(TF, name)(torch.tensor(x), **kw)
    assert mismatch(out.data, ref.numpy(), 1e-12) is None


# ---- a jitted step through all of them --------------------------------------------------------
def test_jitted_step_with_shuffles_upsample_and_grid_sample_matches_eager() -> None:
    rng = np.random.default_rng(11)
    conv = nn.Conv2d(2, 8, 3, padding=1)
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    grid = Tensor(rng.uniform(-1.2, 1.2, size=(2, 3, 5, 2)))

    def step(x: np.ndarray) -> Tensor:
        h = F.pixel_shuffle(nn.ChannelShuffle(2)(conv(Tensor(x))), 2)  # (2, 2, 8, 8)
        h = F.pixel_unshuffle(up(h), 4)  # (2, 32, 4, 4)
        loss = (F.grid_sample(h, grid, mode="bicubic", padding_mode="reflection",
                              align_corners=True) ** 2).mean()
        loss.backward()
        return loss

    jit_matches_eager(step, [rng.normal(size=(2, 2, 4, 4)) for _ in range(4)], conv.weight)
