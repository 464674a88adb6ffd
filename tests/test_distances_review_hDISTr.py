"""Review of the distances commit (helper hDISTr): tg.cdist (p = 2) of large sets held every
difference, n * m * d entries plus the norm's temporaries (5.9 GB at the peak for (2000, 64)
and (2000, 64) in float64, torch 80 MB); it now computes them a block of rows at a time
(ops/distance.py, the block size lowered here so that small draws take that path), against
torch 2.13's exact form (values and gradients, batch dims that broadcast, coincident rows),
exact fractions far from the origin and a jitted step. F.normalize took dim (0, -1) of a 0-d
input (torch: dim 0 twice) and refused torch's dim=None (every dim)."""
from __future__ import annotations

import importlib
import math
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
from oracle import (  # noqa: F401 (torch_float64: the fixture)
    grads_compared,
    one_line,
    outputs_compared,
    strict_replays_match,
    torch_float64,
)

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

torch = pytest.importorskip("torch")


@pytest.fixture
def blocks(monkeypatch):
    """cdist's block of differences lowered to 7 entries: every draw here is cut in blocks."""
    monkeypatch.setattr(importlib.import_module("tinygrad_dl.ops.distance"), "BLOCK_ENTRIES", 7)


def _draw(rng):
    dt = np.float64 if rng.random() < 0.7 else np.float32
    lead1 = tuple(int(s) for s in rng.integers(1, 3, size=int(rng.integers(0, 3))))
    lead2 = tuple(1 if rng.random() < 0.3 else s for s in lead1)
    lead2 = lead2[1:] if lead2 and rng.random() < 0.3 else lead2
    p, r, m = (int(s) for s in rng.integers(0, 6, size=3))
    a = rng.standard_normal((*lead1, p, max(m, 2)))
    b = rng.standard_normal((*lead2, r, max(m, 2)))
    if lead1 == lead2 and p and r:
        b[..., 0, :] = a[..., 0, :]  # coincident rows: distance 0, gradient 0
    return a.astype(dt), b.astype(dt)


@pytest.mark.usefixtures("torch_float64", "blocks")
@pytest.mark.parametrize("seed", range(4))
def test_cdist_in_blocks_is_torchs_exact_form(seed):
    rng, errors = np.random.default_rng(seed), []
    for _ in range(40):
        a, b = _draw(rng)
        tt = [torch.tensor(x, requires_grad=True) for x in (a, b)]
        oo = [tg.Tensor(x, requires_grad=True) for x in (a, b)]
        rtol = 1e-10 if a.dtype == np.float64 else 2e-5
        errs, tl, ol = outputs_compared(
            torch.cdist(*tt, compute_mode="donot_use_mm_for_euclid_dist"), tg.cdist(*oo), rtol)
        if not errs and not isinstance(tl, int):
            tl.backward()
            ol.backward()
            errs = grads_compared(list(zip(tt, oo)), rtol)
        errors += [f"{a.shape} {b.shape} {a.dtype}: {e}" for e in errs]
    assert not errors, errors[:5]


@pytest.mark.usefixtures("blocks")
def test_cdist_in_blocks_stays_exact_far_from_the_origin_and_at_the_extremes():
    rng = np.random.default_rng(1)
    a = (1000 + 1e-3 * rng.standard_normal((9, 8))).astype(np.float32)
    b = (1000 + 1e-3 * rng.standard_normal((7, 8))).astype(np.float32)
    b[0] = a[0]
    want = np.array([[math.sqrt(sum((Fraction(float(u)) - Fraction(float(v))) ** 2
                                    for u, v in zip(r, s))) for s in b] for r in a])
    got = tg.cdist(tg.Tensor(a), tg.Tensor(b)).data
    assert got.dtype == np.float32 and got[0, 0] == 0
    np.testing.assert_allclose(got, want, rtol=4e-7)
    for scale in (1e200, 1e-200):  # (the squares overflow / underflow: rescaled, as before)
        x = tg.Tensor(np.array([[3.0, 4.0], [0.0, 0.0]]) * scale, requires_grad=True)
        d = tg.cdist(x, tg.Tensor(np.zeros((1, 2))))
        d.sum().backward()
        np.testing.assert_allclose(d.data, [[5 * scale], [0]], rtol=1e-15)
        np.testing.assert_allclose(x.grad, [[0.6, 0.8], [0, 0]], rtol=1e-15)


def _peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_cdist_of_large_sets_does_not_hold_every_difference(monkeypatch):
    """(300, 16) and (300, 16): 11.5 MB of differences, each one held at once before (three
    such arrays at the peak); in blocks of 2**16 entries the peak is the distances and a few
    blocks."""
    monkeypatch.setattr(importlib.import_module("tinygrad_dl.ops.distance"), "BLOCK_ENTRIES",
                        1 << 16)
    rng = np.random.default_rng(2)
    x = tg.Tensor(rng.standard_normal((300, 16)), requires_grad=True)
    y = tg.Tensor(rng.standard_normal((300, 16)), requires_grad=True)

    def step():
        tg.cdist(x, y).sum().backward()

    peak = _peak_bytes(step)
    assert peak < 300 * 300 * 16 * 8 / 2, peak
    assert x.grad.shape == (300, 16) and y.grad.shape == (300, 16)


def test_cdist_in_blocks_sums_float32_gradients_in_float64(monkeypatch):
    """each row's gradient sums 600 terms: one by one in float32 they were ~10 ulps off (torch
    ~2); summed in float64 and rounded once"""
    monkeypatch.setattr(importlib.import_module("tinygrad_dl.ops.distance"), "BLOCK_ENTRIES",
                        1 << 14)
    rng = np.random.default_rng(5)
    a, b = (rng.standard_normal((600, 8)).astype(np.float32) for _ in range(2))
    w = rng.standard_normal((600, 600)).astype(np.float32)
    x, y = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)
    (tg.cdist(x, y) * tg.Tensor(w)).sum().backward()
    x64, y64 = tg.Tensor(a.astype(np.float64), requires_grad=True), tg.Tensor(b.astype(np.float64),
                                                                               requires_grad=True)
    (tg.cdist(x64, y64) * tg.Tensor(w.astype(np.float64))).sum().backward()
    assert x.grad.dtype == y.grad.dtype == np.float32
    for got, want in ((x.grad, x64.grad), (y.grad, y64.grad)):
        assert np.max(np.abs(got - want)) < 1.5e-7 * np.max(np.abs(want))


@pytest.mark.usefixtures("blocks")
def test_a_jitted_step_of_cdist_in_blocks_replays_as_eager():
    rng = np.random.default_rng(3)
    w = tg.Tensor(rng.standard_normal((3, 4)), requires_grad=True)

    def draw():
        x = rng.standard_normal((5, 3))
        x[1] = x[0]
        return tg.Tensor(x)

    def step(x):
        h = x @ w
        loss = tg.cdist(h, h[:3]).sum() + tg.cdist(h[None], h[None, 1:]).sum()
        loss.backward()
        return loss

    strict_replays_match(step, draw, w, calls=5)


def test_normalize_refuses_one_dim_twice_of_a_0d_input_as_torch():
    """(0, -1) of a 0-d input is dim 0 twice: torch refuses it; it was taken."""
    with pytest.raises(RuntimeError, match="multiple times"):
        torch.nn.functional.normalize(torch.tensor(3.0), dim=(0, -1))
    with pytest.raises(ValueError) as e:
        F.normalize(tg.Tensor(np.float64(3.0)), dim=(0, -1))
    one_line(e, "normalize", "(0, -1)", "twice")


@pytest.mark.usefixtures("torch_float64")
@pytest.mark.parametrize("shape", [(2, 3), (), (2, 0, 3)])
def test_normalize_takes_dim_none_as_torch_every_dim(shape):
    a = np.random.default_rng(4).standard_normal(shape)
    t, o = torch.tensor(a, requires_grad=True), tg.Tensor(a, requires_grad=True)
    errs, tl, ol = outputs_compared(torch.nn.functional.normalize(t, 2.0, None),
                                    F.normalize(o, 2.0, None), 1e-12)
    tl.backward()
    ol.backward()
    assert not errs + grads_compared([(t, o)], 1e-12)
