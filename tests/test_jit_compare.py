"""Comparisons inside a jit recording are recorded `Compare` ops: a step that masks with a
comparison (`z * (z > 0)`, `where(causal, s, -1e9)`, `y == k`) replays, each call's mask
computed from that call's values (it ran eagerly with a warning: the mask was a constant made
inside the step). Outside a recording they stay NumPy calls; a Python decision on a
comparison (`if loss > 1.2:`) still runs the step eagerly. Jitted and eager side by side,
compared bit for bit."""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.ops import Compare

RNG = np.random.default_rng(0)


def weights(dtype=np.float64) -> tg.Tensor:
    return tg.Tensor(np.random.default_rng(1).standard_normal((3, 4)).astype(dtype),
                     requires_grad=True)


def masked(W):
    def step(x, y):
        z = tg.Tensor(x) @ W
        n = z.shape[0]
        causal = tg.arange(n)[:, None] >= tg.arange(n)[None, :]  # literals compared
        att = tg.where(causal, z @ z.T, -1e9).softmax(axis=1)
        hit = tg.Tensor(y)[:, None] == tg.arange(4)[None, :]  # an argument compared
        loss = (F.cross_entropy(z * (z > 0), y) + (att @ z).mean()
                + (z * hit).sum() + (z * (z.detach() <= 0.1)).sum() + (z * (0.25 < z)).sum())
        loss.backward()
        return loss
    return step


def decided(W):
    def step(x, y):
        loss = F.cross_entropy(tg.Tensor(x) @ W, y)
        (loss * 2 if loss > 1.2 else loss).backward()
        return loss
    return step


def side_by_side(make, dtype=np.float64, strict=True, n=6):
    Wa, Wb = weights(dtype), weights(dtype)
    eager, step = make(Wa), jit(make(Wb), strict=strict)
    for _ in range(n):
        x, y = RNG.standard_normal((5, 3)).astype(dtype), RNG.integers(0, 4, 5)
        Wa.grad = Wb.grad = None
        a, b = eager(x, y), step(x, y)
        assert a.item() == b.item() or (np.isnan(a.item()) and np.isnan(b.item()))
        np.testing.assert_array_equal(Wa.grad, Wb.grad)
        Wa.data -= 0.1 * Wa.grad
        Wb.data -= 0.1 * Wb.grad
    return step


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_step_masking_with_comparisons_replays(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step = side_by_side(masked, dtype)
    assert step.replays == 4


def test_a_python_decision_on_a_comparison_still_runs_eagerly():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        step = side_by_side(decided, strict=False)
    assert step.replays == 0 and any("eagerly" in str(w.message) for w in caught)


def test_outside_a_recording_a_comparison_is_no_op(monkeypatch):
    calls = []
    monkeypatch.setattr(Compare, "apply", lambda *a, **k: calls.append(1))
    x = tg.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    m = x > 0
    assert calls == [] and m._ctx is None and not m.requires_grad
    np.testing.assert_array_equal(m.data, [True, False])


@pytest.mark.parametrize("op, sign", [(operator.lt, "<"), (operator.eq, "==")])
def test_shapes_that_do_not_broadcast_are_said_as_eagerly(op, sign):
    x = tg.Tensor(np.ones(3))

    def step(a):
        w = tg.Tensor(np.ones(2), requires_grad=True)
        (w * op(tg.Tensor(a), x)[:2]).sum().backward()

    with pytest.raises(ValueError, match=rf"comparison x {sign} y: shapes \(2,\) and \(3,\)"):
        jit(step)(np.ones(2))


def test_the_mask_is_eagers_bit_for_bit_at_the_edges():
    """A float32 tensor against a Python float, an int64 against a big int, NaN: the recorded
    op compares the very operands eager does (as_data's), so the masks agree."""
    big = tg.Tensor(np.array([2**53 + 1, 2**53, -3], dtype=np.int64))

    def make(W):
        def step(x, y):
            z = tg.Tensor(x) @ W
            loss = (z * (z < 0.1) * (z == z)).sum() + (big > 2**53).astype(np.float32).sum()
            loss.backward()
            return loss
        return step

    Wa, Wb = weights(np.float32), weights(np.float32)
    eager, step = make(Wa), jit(make(Wb), strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(5):
            x = RNG.standard_normal((5, 3)).astype(np.float32)
            x[i % 5, 0] = np.nan
            Wa.grad = Wb.grad = None
            a, b = eager(x, None), step(x, None)
            assert np.isnan(a.item()) and np.isnan(b.item())
            np.testing.assert_array_equal(Wa.grad, Wb.grad)  # (NaN where eager's are)
    assert step.replays == 3


def test_a_python_number_is_compared_as_numpy_and_torch_compare_it():
    """In x's dtype where it fits (NumPy's rule for a Python scalar, torch's): as a float64
    array it made `x32 == 0.1` False and an int64 2**53 + 1 not above 2**53."""
    torch = pytest.importorskip("torch")
    cases = [(np.float32([0.1, 3e38, np.nan]), 0.1), (np.float32([0.1, 3e38]), 1e300),
             (np.array([2**53 + 1, 2**53, -3], np.int64), 2**53),
             (np.array([1, 2], np.int64), 1.5),
             (np.array([True, False]), 1), (np.float16([0.1, 65504]), 0.1)]
    ops = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (1e300 beside float32: no overflow warning)
        for a, v in cases:
            for op in ops:
                want = op(torch.from_numpy(a), v).numpy()
                np.testing.assert_array_equal(op(tg.Tensor(a), v).data, want)
                np.testing.assert_array_equal(op(v, tg.Tensor(a)).data, op(v, torch.from_numpy(a)))

                replays_as(op, a, v, want)
    # a number the dtype cannot hold: compared as the number (NumPy's); torch wraps 300 to 44
    # in uint8 and answers 250 < 300 False
    u8 = tg.Tensor(np.array([5, 250], np.uint8))
    assert (u8 < 300).data.all() and not (u8 > 300).data.any() and not (u8 == 256).data.any()


def replays_as(op: Any, a: np.ndarray, v: Any, want: np.ndarray) -> None:
    """`op(Tensor(x), v)` in a strict jitted step (the number `v` a Compare parameter):
    the recorded calls and the replay give `want`."""
    w = tg.Tensor(np.ones(a.shape), requires_grad=True)

    def step(x):
        m = op(tg.Tensor(x), v)
        (w * m).sum().backward()
        return m
    got = jit(step, strict=True)
    for _ in range(3):
        np.testing.assert_array_equal(got(a).data, want)
    assert got.replays == 1


def test_an_int_beyond_every_float_is_one_line_naming_the_comparison():
    with pytest.raises(OverflowError, match=r"comparison x < y: \d+.* does not fit float64"):
        _ = tg.Tensor(np.array([1.0])) < 2**1100
