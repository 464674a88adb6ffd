"""Review of the blocked cdist / pdist (helper hCDBr): a float32 set against float64 points
(a course's float32 data and float64 centroids) took the unblocked path, which holds every
n m d difference (5.9 GB for (2000, 64) against (2000, 64)); the blocked op now takes the
pair cast to their promoted dtype, NumPy's own cast before the subtraction, so the values are
the unblocked path's to the bit and the gradients the same terms summed in float64."""
from __future__ import annotations

import importlib
import math
import tracemalloc

import numpy as np
import pytest
from oracle import strict_replays_match

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

distance = importlib.import_module("tinygrad_dl.ops.distance")

_MIXES = ((np.float32, np.float64), (np.float64, np.float32), (np.float16, np.float32),
          (np.float16, np.float64))


def _run(a, b, p, block, monkeypatch):
    monkeypatch.setattr(distance, "BLOCK_ENTRIES", block)
    x, z = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)
    out = F.cdist(x, z, p=p)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(out.data.dtype)
    (out * tg.Tensor(g)).sum().backward()
    return out.data, x.grad.data, z.grad.data


@pytest.mark.parametrize("p", (0.5, 1.0, 2.0, 3.0, math.inf))
@pytest.mark.parametrize("da,db", _MIXES)
def test_a_mixed_float_pair_gives_the_unblocked_values(da, db, p, monkeypatch):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((2, 5, 3)).astype(da)
    b = rng.standard_normal((1, 4, 3)).astype(db)
    b[0, 0] = a[0, 0]  # (a distance of 0: gradient 0)
    want = _run(a, b, p, 1 << 40, monkeypatch)
    got = _run(a, b, p, 7, monkeypatch)
    assert got[0].dtype == want[0].dtype == np.result_type(da, db)
    assert np.array_equal(got[0], want[0])
    for g, w, dt in zip(got[1:], want[1:], (da, db)):
        assert g.dtype == w.dtype == dt
        np.testing.assert_allclose(g, w, rtol=4 * np.finfo(dt).eps, atol=4 * np.finfo(dt).eps)


@pytest.mark.parametrize("p", (2.0, 3.0))
def test_a_float32_set_against_float64_points_is_blocked(p, monkeypatch):
    # all the differences: 300 x 300 x 16 float64 = 11.5 MB; the distances 0.7 MB
    monkeypatch.setattr(distance, "BLOCK_ENTRIES", 1 << 14)
    rng = np.random.default_rng(3)
    x = tg.Tensor(rng.standard_normal((300, 16)).astype(np.float32), requires_grad=True)
    c = tg.Tensor(rng.standard_normal((300, 16)), requires_grad=True)
    tracemalloc.start()
    try:
        F.cdist(x, c, p=p).sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4e6, peak
    assert x.grad.dtype == np.float32 and c.grad.dtype == np.float64


@pytest.mark.parametrize("p", (2.0, 3.0))
def test_a_jitted_step_of_a_mixed_pair_replays_as_eager(p, monkeypatch):
    monkeypatch.setattr(distance, "BLOCK_ENTRIES", 7)
    rng = np.random.default_rng(5)
    w = tg.Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    centroids = tg.Tensor(rng.standard_normal((3, 4)))

    def draw():
        return tg.Tensor(rng.standard_normal((5, 3)).astype(np.float32))

    def step(x):
        loss = tg.cdist(x @ w, centroids, p).sum()
        loss.backward()
        return loss

    strict_replays_match(step, draw, w, calls=5)
