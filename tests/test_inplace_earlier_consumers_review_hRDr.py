"""Review of detached.redirect (an op made before an in-place write reads the version it used).

Two ways the redirect gave a silently wrong gradient:
- an op whose result shares the written array under a name other than a view op's
  (`einsum("ij->ji", h)` returns NumPy's transpose view; a user Function returning `x.T`):
  its values changed with the write, yet backward sent its gradient to the old version. Now
  refused in one line, as a view of the array is (torch computes through its regenerated
  view grad_fn: einsum's result is a view there too).
- a checkpointed function (utils.checkpoint) with an earlier consumer and a write inside:
  its recomputation walks the graph itself, without the redirect, so the consumer's gradient
  went into the written tensor after that tensor's op had run: lost. Now the same redirect.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import as_numpy, one_line, torch_float64  # noqa: F401 (a fixture)
from tinygrad_dl.engine import Function
from tinygrad_dl.utils.checkpoint import checkpoint

A = np.linspace(-1.0, 1.3, 6).reshape(2, 3)
G = np.arange(1.0, 7.0).reshape(3, 2)


class TransposeView(Function):  # a user's op returning a NumPy view of its input
    def forward(ctx, x):
        return x.T

    def backward(ctx, g):
        return g.T


@pytest.mark.parametrize("make", [
    pytest.param(lambda h: tg.einsum("ij->ji", h), id="einsum-transpose"),
    pytest.param(lambda h: tg.einsum("ij->ij", h)[:, :2].T, id="einsum-identity"),
    pytest.param(lambda h: TransposeView.apply(h), id="user-function-view"),
])
def test_a_result_sharing_the_written_array_is_refused(make) -> None:
    """(at c11c34d: x.grad 1 * G.T, the old h's slope, for values that are 2 h's)"""
    x = tg.tensor(A, requires_grad=True)
    h = x * 1.0
    z = make(h)
    assert np.shares_memory(z.data, h.data)
    h.mul_(2)
    with pytest.raises(RuntimeError) as info:
        (z * tg.tensor(G[: z.shape[0], : z.shape[1]])).sum().backward()
    one_line(info, "modified by an in-place operation", "Mul")


@pytest.mark.usefixtures("torch_float64")
def test_an_einsum_that_copies_still_reads_the_old_version() -> None:
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(A, requires_grad=True)
        h = x * 1.0
        z = lib.einsum("ij,jk->ik", h, lib.tensor(G))  # a fresh array: not refused
        h.mul_(2)
        ((z * z).sum() + h.sum()).backward()
        grads.append(as_numpy(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def _consumer_then_write(h):
    h = h * 2
    a = h.tanh().sum()  # made before the writes: reads h0
    h.mul_(3)
    b = (h * 5).sum()  # reads h1
    h.add_(1)
    return a + b + (h * h).sum()


def _view_then_write(h):
    h = h * 2
    v = h[0]  # a view: its values change with the write
    h.mul_(3)
    return (v * v).sum() + h.sum()


@pytest.mark.usefixtures("torch_float64")
def test_checkpoint_gives_an_earlier_consumer_its_version() -> None:
    """(at c11c34d: the consumers' terms were lost, x.grad [-180, -97.2, ...] for torch's
    [-329.86, -163.66, ...])"""
    torch = pytest.importorskip("torch")
    got = []
    for lib, ck in ((tg, True), (tg, False), (torch, False)):
        x = lib.tensor(A, requires_grad=True)
        (checkpoint(_consumer_then_write, x, use_reentrant=False) if ck
         else _consumer_then_write(x)).backward()
        got.append(as_numpy(x.grad))
    np.testing.assert_allclose(got[0], got[2], rtol=1e-12)
    np.testing.assert_array_equal(got[0], got[1])


def test_checkpoint_refuses_a_view_taken_before_the_write_as_eager() -> None:
    """(at c11c34d: x.grad all 6, the view's term lost without a word)"""
    for ck in (True, False):
        x = tg.tensor(A, requires_grad=True)
        out = checkpoint(_view_then_write, x, use_reentrant=False) if ck else _view_then_write(x)
        with pytest.raises(RuntimeError) as info:
            out.backward()
        one_line(info, "GetItem", "modified by an in-place operation")
