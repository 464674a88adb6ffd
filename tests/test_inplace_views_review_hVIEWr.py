"""Review of in-place on a view of an op's result (tensor/copy_slices.py, rebase.rebind):
a view of the base read by the write's operand (`y = h[1:]; h[0] += y.mean()`) had its
history rewritten to read the old value for good, so a later write into its region gave a
silently wrong gradient; `h[i] -= h[i].mean()` and `h[:, 0] *= h[:, 0].clone()` raised where
torch computes. Each case against torch 2.13 in float64, values and every leaf's gradient."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import jit_matches_eager, one_line, strict_replays_match, torch_float64  # noqa: F401

import tinygrad_dl as tg
from tinygrad_dl.jit import JitError

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("torch_float64")

X = np.linspace(-1.3, 1.7, 12).reshape(3, 4)


def _later_write_into_y(lib, x):
    h = x * 2
    y = h[1:]
    h[0] += y.mean()  # (y read before the write: its mean's gradient goes to the old h)
    h[1] *= x[0, 0]  # (y's values change: its history must follow, as torch's)
    return (y * y).sum() + (h * h).sum()


def _later_write_of_the_whole_base(lib, x):
    h = x * 2
    y = h[1:]
    h[0] += y.mean()
    h.mul_(x[0, 0])
    return (y * y).sum()


def _later_write_through_another_view(lib, x):
    h = x * 2
    y = h[1:]
    h[0] += y.mean()
    h[1:].mul_(x[0, 0])
    return (y * y).sum() + (h * h).sum()


def _y_itself_written(lib, x):
    h = x * 2
    y = h[1:]
    h[0] += y.mean()
    y.mul_(x[0, 0])
    return (y * y).sum() + (h * h).sum()


def _centered_row(lib, x):
    h = x.sin() * 2
    h[1] -= h[1].mean()  # (the operand reads the written region, before the write)
    return (h * h.cos()).sum()


def _scaled_by_a_clone_of_itself(lib, x):
    h = x * 2
    h[:, 0] *= h[:, 0].clone()
    return (h * h).sum()


def _self_operand(lib, x):
    h = x * 1
    h[0] += h[0]
    return (h * h.sin()).sum()


def _row_copied(lib, x):
    h = x * 1
    h[1] = h[0]
    return (h * h.sin()).sum()


def _region_read_then_kept(lib, x):
    h = x * 3
    u = h[2]
    h[1].add_(u)  # (u does not overlap row 1: it takes its region of the new h)
    h[2] *= 0.5  # (... and follows this write)
    return (h * h).sum() + (u * x[0]).sum()


CASES = [_later_write_into_y, _later_write_of_the_whole_base,
         _later_write_through_another_view, _y_itself_written, _centered_row,
         _scaled_by_a_clone_of_itself, _self_operand, _row_copied, _region_read_then_kept]


def _run(lib, fn):
    x = lib.tensor(X.copy(), requires_grad=True)
    loss = fn(lib, x)
    loss.backward()
    if lib is torch:
        return float(loss.detach()), x.grad.numpy()
    return float(loss.data), np.asarray(x.grad)


@pytest.mark.parametrize("fn", CASES, ids=[f.__name__.strip("_") for f in CASES])
def test_a_view_read_by_the_operand_matches_torch(fn):
    want, got = _run(torch, fn), _run(tg, fn)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)


def test_a_view_read_before_and_used_after_a_write_of_its_region_raises_one_line():
    """y = h.T overlaps the written row: its history still reads h through an op made before
    the write, so a backward through y raises one line (torch regenerates its grad_fn)."""
    h = tg.tensor(X, requires_grad=True) * 2
    y = h.T
    h[0] += y[1].sum()
    with pytest.raises(RuntimeError) as info:
        (y * y).sum().backward()
    one_line(info, "modified by an in-place operation")


def test_a_jitted_step_whose_operand_reads_a_view_of_the_written_tensor_runs_eagerly():
    """The view `h[1:]` made before the write is only read by the operand here, but the jit
    cannot tell a view Python keeps (eagerly showing the written values, replayed the old
    ones) from one it drops: the step runs eagerly, bit-equal, and strict says why."""
    w = tg.tensor(np.linspace(0.4, -0.9, 12).reshape(3, 4), requires_grad=True)
    rng = np.random.default_rng(7)

    def step(x):
        h = x * w
        h.mul_(h[1:].mean())  # (the operand's view of h: a copy of it stands for its op)
        h.add_(h.T[0].sum())
        loss = (h * h.sin()).sum()
        loss.backward()
        return loss

    jit_matches_eager(step, [tg.tensor(rng.normal(size=(3, 4))) for _ in range(3)], w)
    with pytest.raises(JitError) as ei:
        strict_replays_match(step, lambda: tg.tensor(rng.normal(size=(3, 4))), w)
    one_line(ei, "Tensor.mul_", "take the view after the write")
