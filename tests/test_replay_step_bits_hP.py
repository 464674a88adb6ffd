"""The classifier step's faster paths give the numbers of the paths they replace, bit for bit:
cross-entropy's row max over a column-major copy (`loss.row_max`), SGD's plain update written
out per block (`sgd._plain_blocks`), add_scaled's whole blocks. Each model (one-layer,
two-layer, k-layer BN, 9-layer BN), float32 and float64, with and without the L2 term,
eager and replayed, with weights large enough to be stepped and L2-added in blocks (one a
short last block): the parameters and gradients after a few SGD steps against a run with
those paths switched to what they were (the C-order max, one pass over the whole array)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import functional as F
from tinygrad_dl import grad as grad_module
from tinygrad_dl import models as M
from tinygrad_dl.jit import jit
from tinygrad_dl.ops import loss
from tinygrad_dl.optim import SGD, sgd
from tinygrad_dl.tensor import Tensor

D, K, B = 2001, 6, 12  # one-layer W 12,006 elements; two-layer and k-layer W1 over 16,384


def _model(name: str, dtype: str, lam: float):
    r = np.random.default_rng(2)
    if name == "one-layer":  # (K = 9: W of 18,009 elements, blocks of 4,503, the last short)
        return M.OneLayer(D, 9, lam=lam, rng=r, dtype=dtype)
    if name == "two-layer":
        return M.TwoLayer(D, 9, K, lam=lam, rng=r, dtype=dtype)
    hidden = [9, 7] if name == "k-layer BN" else [9, 8, 7, 6, 6, 5, 5, 5]
    return M.KLayer(D, hidden, K, lam=lam, rng=r, dtype=dtype)


def _train(name: str, dtype: str, lam: float, replay: bool, momentum: float = 0.0
           ) -> list[tuple[str, bytes, bytes]]:
    m = _model(name, dtype, lam)
    k = m.K
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((4 * B, D)).astype(dtype), rng.integers(0, k, 4 * B)
    opt = SGD(m.parameters(), lr=0.05, momentum=momentum)

    def step(Xb, yb):
        m.loss(Xb, yb).backward()
    f = jit(step) if replay else step
    for i in range(4):
        opt.zero_grad()
        f(X[i * B:(i + 1) * B], y[i * B:(i + 1) * B])
        opt.step()
    if replay:
        assert f.replays >= 1
    return [(n, p.data.tobytes(), p.grad.tobytes()) for n, p in m.named_parameters()]


def _old_paths(monkeypatch) -> None:
    """The paths these replace: the C-order row max, one SGD pass and one L2 add over the
    whole array."""
    monkeypatch.setattr(loss, "row_max", lambda z: loss._max(z, axis=1, keepdims=True))
    monkeypatch.setattr(sgd, "BLOCKED_FROM", 10 ** 12)
    monkeypatch.setattr(grad_module, "BLOCKED_FROM", 10 ** 12)


@pytest.mark.slow  # (32 short trainings: about 2 s)
@pytest.mark.parametrize("name", ["one-layer", "two-layer", "k-layer BN", "9-layer BN"])
def test_classifier_steps_are_bit_for_bit_the_replaced_paths(monkeypatch, name):
    runs = [(dtype, lam, replay) for dtype in ("float32", "float64") for lam in (0.0, 0.005)
            for replay in (False, True)]
    now = {r: _train(name, *r) for r in runs}
    blocked = _model(name, "float64", 0.0).parameters()[0].data.size > sgd.BLOCKED_FROM
    assert blocked  # (the blocks are what is compared)
    _old_paths(monkeypatch)
    for r in runs:
        assert now[r] == _train(name, *r), r
    for dtype, lam in {(d, lam) for d, lam, _ in runs}:  # replay is eager's, as before
        assert now[dtype, lam, True] == now[dtype, lam, False]


def test_sgd_plain_blocks_keep_a_float64_rate_on_float32_weights(monkeypatch):
    """lr an np.float64 on float32 weights: lr g in float64 (NumPy 2's promotion), then
    subtracted, as the whole-array step; a Python float: in float32. Blocks of 4 over 35."""
    def run(lr, block: int) -> bytes:
        monkeypatch.setattr(sgd, "block_size", lambda n: block)
        monkeypatch.setattr(sgd, "BLOCKED_FROM", 0 if block < 10 else 10 ** 12)
        rng = np.random.default_rng(3)
        p = Tensor(rng.standard_normal((5, 7)).astype(np.float32), requires_grad=True)
        opt = SGD([p], lr=0.1)
        opt.param_groups[0]["lr"] = lr
        for _ in range(3):
            p.grad = rng.standard_normal((5, 7)).astype(np.float32)
            opt.step()
        assert p.data.dtype == np.float32
        return p.data.tobytes()

    for lr in (np.float64(0.1) / 3, 0.1 / 3):
        assert run(lr, 4) == run(lr, 10 ** 9)
    assert run(np.float64(0.1) / 3, 4) != run(np.float32(0.1) / 3, 4)  # (can tell them apart)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_row_max_is_the_c_order_max_on_awkward_rows(dtype):
    """NaN, +-inf, signed zeros, ties: the same values as the C-order reduction, and the
    same cross-entropy value and gradient (a +0 / -0 max reads alike in z - max)."""
    z = np.array([[np.nan, 1, 2], [0.0, -0.0, -1], [-0.0, 0.0, -1], [np.inf, 1, 2],
                  [-np.inf, -np.inf, -np.inf], [3, 3, 3], [-0.0, -0.0, -2]], dtype=dtype)
    c = loss._max(z, axis=1, keepdims=True)
    got = loss.row_max(z)
    assert got.shape == c.shape and got.dtype == c.dtype
    np.testing.assert_array_equal(got, c)  # (NaN where NaN; -0 == 0)
    for rows in ([1, 2, 6], [5, 1]):
        t = Tensor(z[rows].copy(), requires_grad=True)
        v = F.cross_entropy(t, np.array([0, 1, 2][:len(rows)]))
        v.backward()
        t2 = Tensor(z[rows].copy(), requires_grad=True)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(loss, "row_max", lambda a: loss._max(a, axis=1, keepdims=True))
            v2 = F.cross_entropy(t2, np.array([0, 1, 2][:len(rows)]))
            v2.backward()
        assert v.data.tobytes() == v2.data.tobytes()
        assert t.grad.tobytes() == t2.grad.tobytes()
