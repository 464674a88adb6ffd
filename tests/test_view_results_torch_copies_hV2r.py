"""Results torch 2.13 makes as new memory that NumPy made as views of the input (helper hV2r,
siblings of hV2's tile of an empty tensor): a view let the write guard's lock on it reach the
input, so a write into the input after the forward made the backward refuse ("was replaced"),
where torch's runs. take and F.embedding with a 0-d index (NumPy's basic indexing), and
pixel_shuffle, pixel_unshuffle and channel_shuffle of an empty input (NumPy's reshape of an
empty array is a view, and np.may_share_memory does not see it)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

_CASES = {
    "take 0-d index": (lambda m, x: m.take(x, m.tensor(2)), (5,)),
    "embedding 0-d index": (lambda m, x: m.nn.functional.embedding(m.tensor(1), x), (3, 2)),
    "embedding 0-d index, padding_idx": (
        lambda m, x: m.nn.functional.embedding(m.tensor(1), x, padding_idx=0), (3, 2)),
    "pixel_shuffle of an empty batch": (
        lambda m, x: m.nn.functional.pixel_shuffle(x, 2), (0, 8, 2, 3)),
    "pixel_unshuffle of an empty batch": (
        lambda m, x: m.nn.functional.pixel_unshuffle(x, 2), (0, 2, 4, 6)),
    "channel_shuffle of an empty batch": (
        lambda m, x: m.nn.functional.channel_shuffle(x, 2), (0, 4, 2)),
}


def _write_after_forward(m, fn, shape):
    """fn's result y of x, a loss reading y twice, then a write into x, then backward: w's
    gradient, and whether y changed with the write."""
    x = m.tensor(np.arange(float(np.prod(shape))).reshape(shape) + 1.0)
    w = m.tensor(np.ones(()), requires_grad=True)
    y = fn(m, x)
    before = np.array(y.detach().numpy() if m is torch else y.numpy())
    loss = (y * w * y).sum()
    x.add_(1.0)
    after = np.array(y.detach().numpy() if m is torch else y.numpy())
    loss.backward()
    return float(w.grad.item() if m is torch else np.asarray(w.grad)), before, after


@pytest.mark.parametrize("name", sorted(_CASES))
def test_a_write_into_the_input_after_the_forward_leaves_backward_as_torch(name: str) -> None:
    fn, shape = _CASES[name]
    want, tb, ta = _write_after_forward(torch, fn, shape)  # (torch's runs: y is new memory)
    got, ob, oa = _write_after_forward(tg, fn, shape)  # (ours raised "was replaced")
    assert got == pytest.approx(want, rel=1e-12), name
    np.testing.assert_array_equal(ta, tb)
    np.testing.assert_array_equal(oa, ob)  # (y keeps its values, as torch's)
    if name != "pixel_unshuffle of an empty batch":  # (torch 2.13 returns an empty input's
        np.testing.assert_array_equal(ob, tb)  # shape: (0, 2, 4, 6); ours (0, 8, 2, 3))


def test_a_write_into_a_one_index_lookup_does_not_reach_the_table() -> None:
    table = tg.tensor(np.arange(6.0).reshape(3, 2))
    row = tg.nn.functional.embedding(tg.tensor(1), table)
    row.add_(10.0)
    np.testing.assert_array_equal(table.numpy(), np.arange(6.0).reshape(3, 2))
    v = tg.take(tg.tensor([1.0, 2.0, 3.0]), tg.tensor(1))
    assert v.shape == () and v.item() == 2.0
