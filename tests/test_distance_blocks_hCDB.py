"""cdist of every p and pdist in blocks (helper hCDB): above ops.distance.BLOCK_ENTRIES
differences, cdist with p != 2 and pdist held every n m d difference at once (p = 2 alone took
the blocked op); now one op each (ops.BlockedCdist, ops.BlockedPdist) runs VectorNorm's own
forward and backward on a block at a time. The block size is lowered here so that small draws
take that path: the values are the unblocked path's to the bit, the gradients the same terms
summed in float64, against torch 2.13 to 1e-10. A huge batch of few rows is cut along the
batch too (one row of x1 against x2 was a whole batch)."""
from __future__ import annotations

import importlib
import math
import tracemalloc
import warnings

import numpy as np
import pytest
from oracle import (  # noqa: F401 (torch_float64: the fixture)
    grads_compared,
    outputs_compared,
    strict_replays_match,
    torch_float64,
)

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

torch = pytest.importorskip("torch")
distance = importlib.import_module("tinygrad_dl.ops.distance")

_PS = (0.0, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 25.0, math.inf)


def _run(fn, arrays, block, monkeypatch):
    monkeypatch.setattr(distance, "BLOCK_ENTRIES", block)
    ts = [tg.Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(out.data.dtype)
    (out * tg.Tensor(g)).sum().backward()
    return out, [t.grad.data for t in ts]


def _draw(rng, pairs):
    dt = (np.float64, np.float64, np.float32, np.float16)[int(rng.integers(4))]
    p = float(_PS[int(rng.integers(len(_PS)))])
    m, n, r = (int(s) for s in rng.integers(2, 6, size=3))
    lead = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3))))
    scale = 10.0 ** float(rng.choice([0, -200, 200, -30])) if dt == np.float64 else 1.0
    a = rng.standard_normal((n, m) if pairs else (*lead, n, m)) * scale
    b = rng.standard_normal((*(lead[1:] if rng.random() < 0.3 else lead), r, m)) * scale
    a[rng.random(a.shape) < 0.15] = 0
    if rng.random() < 0.3:
        a = np.round(a)  # (ties for p = inf)
    if rng.random() < 0.2:
        a.flat[int(rng.integers(a.size))] = rng.choice([np.inf, -np.inf, np.nan])
    if pairs and n > 1 and rng.random() < 0.5:
        a[1] = a[0]  # coincident points: distance 0
    elif not pairs and a.shape[:-2] == b.shape[:-2] and rng.random() < 0.4:
        b[..., 0, :] = a[..., 0, :]
    return p, a.astype(dt), b.astype(dt)


def _resummed(got, want, dtype):
    """got and want (the same per-entry gradient terms summed in another order) agree where
    one is NaN or inf, and elsewhere within 8 eps of the gradient's largest entry (the sums
    cancel: an ulp of the result itself is not the scale of their round-off)"""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    fin = np.isfinite(want)
    scale = np.abs(want[fin]).max(initial=0.0)
    with np.errstate(all="ignore"):
        close = fin & (np.abs(got - want) <= 8 * np.finfo(dtype).eps * scale)
    return bool(np.all(same | close))


@pytest.mark.parametrize("pairs", [False, True], ids=["cdist", "pdist"])
@pytest.mark.parametrize("seed", range(2))
def test_blocks_give_the_unblocked_values_to_the_bit(pairs, seed, monkeypatch):
    """every p, float16/32/64, batch dims that broadcast, inf / NaN entries, zeros, ties and
    coincident points: the values bit for bit, the gradients the same terms re-summed"""
    rng, errors = np.random.default_rng(seed), []
    for _ in range(60):
        p, a, b = _draw(rng, pairs)
        arrays = [a] if pairs else [a, b]
        fn = ((lambda x, p=p: F.pdist(x, p)) if pairs
              else (lambda x, y, p=p: tg.cdist(x, y, p)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want, gwant = _run(fn, arrays, 1 << 40, monkeypatch)
            got, ggot = _run(fn, arrays, 1 + int(rng.integers(want.size * a.shape[-1] // 2)),
                             monkeypatch)  # (blocks of 1 entry up to half of them)
        assert want._ctx.name == "VectorNorm"
        assert got._ctx.name == ("BlockedPdist" if pairs else "BlockedCdist") or got.size < 2
        if got.data.tobytes() != want.data.tobytes() or got.dtype != want.dtype:
            errors.append(f"p={p} {a.shape} {b.shape} {a.dtype}: values")
        for x, y in zip(ggot, gwant):
            if x.dtype != y.dtype or not _resummed(x, y, a.dtype):
                errors.append(f"p={p} {a.shape} {b.shape} {a.dtype}: gradients")
    assert not errors, errors[:5]


@pytest.mark.usefixtures("torch_float64")
@pytest.mark.parametrize("p", _PS)
def test_blocks_are_torchs_values_and_gradients(p, monkeypatch):
    """finite inputs without ties (torch's subgradients at ties and zeros differ: see
    docs/pytorch.md), float64 to 1e-10: cdist with batch dims that broadcast, and pdist"""
    monkeypatch.setattr(distance, "BLOCK_ENTRIES", 5)
    rng, errors = np.random.default_rng(_PS.index(p)), []
    for lead1, lead2 in (((), ()), ((2,), ()), ((2, 3), (3,)), ((1, 2), (3, 1))):
        a = rng.standard_normal((*lead1, 4, 3))
        b = rng.standard_normal((*lead2, 5, 3))
        tt = [torch.tensor(x, requires_grad=True) for x in (a, b)]
        oo = [tg.Tensor(x, requires_grad=True) for x in (a, b)]
        errs, tl, ol = outputs_compared(
            torch.cdist(*tt, p=p, compute_mode="donot_use_mm_for_euclid_dist"),
            tg.cdist(*oo, p=p), 1e-10)
        assert tg.cdist(*oo, p=p)._ctx.name == "BlockedCdist"
        tl.backward()
        ol.backward()
        errors += errs + grads_compared(list(zip(tt, oo)), 1e-10)
    x = rng.standard_normal((7, 3))
    t, o = torch.tensor(x, requires_grad=True), tg.Tensor(x, requires_grad=True)
    errs, tl, ol = outputs_compared(torch.nn.functional.pdist(t, p), F.pdist(o, p), 1e-10)
    assert F.pdist(o, p)._ctx.name == "BlockedPdist"
    tl.backward()
    ol.backward()
    assert not errors + errs + grads_compared([(t, o)], 1e-10)


def _peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("p", [1.0, 3.0, math.inf, 0.5])
def test_cdist_of_any_p_does_not_hold_every_difference(p, monkeypatch):
    """(300, 16) and (300, 16): 11.5 MB of differences, each held at once for p != 2 before"""
    monkeypatch.setattr(distance, "BLOCK_ENTRIES", 1 << 16)
    rng = np.random.default_rng(2)
    x = tg.Tensor(rng.standard_normal((300, 16)), requires_grad=True)
    y = tg.Tensor(rng.standard_normal((300, 16)), requires_grad=True)
    peak = _peak_bytes(lambda: tg.cdist(x, y, p).sum().backward())
    assert peak < 300 * 300 * 16 * 8 / 2, peak
    assert x.grad.shape == (300, 16) and y.grad.shape == (300, 16)


@pytest.mark.parametrize("p", [2.0, 1.0, math.inf])
def test_pdist_does_not_hold_every_difference(p, monkeypatch):
    """(400, 16): 79,800 pairs, 10.2 MB of differences (and 1.3 MB of indices) held before"""
    monkeypatch.setattr(distance, "BLOCK_ENTRIES", 1 << 16)
    x = tg.Tensor(np.random.default_rng(3).standard_normal((400, 16)), requires_grad=True)
    peak = _peak_bytes(lambda: F.pdist(x, p).sum().backward())
    assert peak < 400 * 399 // 2 * 16 * 8 / 2, peak
    assert x.grad.shape == (400, 16)


def test_a_huge_batch_of_few_rows_is_cut_along_the_batch(monkeypatch):
    """x1 (2000, 2, 4), x2 (2000, 64, 4): one row of x1 against all of x2 was one block of
    2000 * 64 * 4 differences (4 MB, whatever BLOCK_ENTRIES said); now a batch at a time"""
    monkeypatch.setattr(distance, "BLOCK_ENTRIES", 1 << 12)
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((2000, 2, 4)), rng.standard_normal((2000, 64, 4))
    x, y = tg.Tensor(a), tg.Tensor(b)
    peak = _peak_bytes(lambda: tg.cdist(x, y))
    assert peak < 2000 * 2 * 64 * 8 + 2000 * 64 * 4 * 8 / 2, peak  # (the distances and less)
    want = np.sqrt(((a[:, :, None, :] - b[:, None, :, :]) ** 2).sum(-1))
    np.testing.assert_allclose(tg.cdist(x, y).data, want, rtol=1e-14)


@pytest.mark.parametrize("p", [1.0, 3.0])
def test_a_jitted_step_of_the_blocks_replays_as_eager(p, monkeypatch):
    monkeypatch.setattr(distance, "BLOCK_ENTRIES", 7)
    rng = np.random.default_rng(5)
    w = tg.Tensor(rng.standard_normal((3, 4)), requires_grad=True)

    def draw():
        x = rng.standard_normal((5, 3))
        x[1] = x[0]
        return tg.Tensor(x)

    def step(x):
        h = x @ w
        loss = tg.cdist(h, h[:3], p).sum() + F.pdist(h, p).sum()
        loss.backward()
        return loss

    strict_replays_match(step, draw, w, calls=5)
