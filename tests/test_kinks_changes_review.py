"""Second review of the kinks review: maximum/minimum's backward for an inf or NaN upstream
gradient gave the right exact 0 but warned "invalid value encountered in multiply" (its g * 0
ran before the fix-up: torch says nothing), and the op table's gradient notes of min, amax and
amin said what the ops no longer do (amax's "as max" now read "all to the index returned")."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.optable import BY_NAME

torch = pytest.importorskip("torch")
INF, NAN = np.inf, np.nan


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_an_inf_or_nan_upstream_gradient_gives_exact_zeros_without_a_warning(op, dtype):
    """maximum([1, 2, nan], [2, 2, 1]) with upstream [inf, nan, inf]: torch's gradients, and
    no RuntimeWarning (there was "invalid value encountered in multiply"); broadcast and 0-d
    inputs too."""
    cases = [
        (np.array([1.0, 2.0, NAN, 3.0]), np.array([2.0, 2.0, 1.0, 0.0]),
         np.array([INF, NAN, INF, -INF])),
        (np.array([[1.0], [3.0]]), np.array([[2.0, 0.0, 1.0]]), np.full((2, 3), INF)),
        (np.array(1.0), np.array(2.0), np.array(-INF)),
    ]
    for x, y, up in cases:
        x, y, up = (np.asarray(a, dtype=dtype) for a in (x, y, up))
        tx, ty = (torch.tensor(a, requires_grad=True) for a in (x, y))
        getattr(torch, op)(tx, ty).backward(torch.tensor(up))
        gx, gy = (Tensor(a.copy(), requires_grad=True) for a in (x, y))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            getattr(tg, op)(gx, gy).backward(Tensor(up.copy()))
        for mine, theirs in ((gx.grad, tx.grad), (gy.grad, ty.grad)):
            mine, theirs = np.asarray(mine), theirs.numpy()
            assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
            assert np.array_equal(mine, theirs, equal_nan=True), (op, x, y, up, mine, theirs)


def _note(name: str) -> str:
    grad = BY_NAME[name].grad
    while grad.startswith("as "):  # ("as max": max's note)
        grad = BY_NAME[grad[3:]].grad
    return grad


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_the_op_tables_tie_notes_say_what_the_gradient_does(name):
    """max/min(dim=) give a tie's gradient to the index returned, amax/amin split it (as
    torch's): each row's note says which (amax's "as max" claimed the index, min's note only
    the split)."""
    tie = [[3.0, 3.0, 1.0]] if name.endswith("max") else [[1.0, 1.0, 3.0]]
    x = Tensor(np.array(tie), requires_grad=True)
    out = getattr(x, name)(dim=1)
    (out.values if name in ("max", "min") else out).sum().backward()
    to_index = np.array_equal(x.grad, [[1.0, 0.0, 0.0]])
    assert to_index == (name in ("max", "min")), x.grad  # (the split: [[0.5, 0.5, 0]])
    assert ("index returned" in _note(name)) == to_index, (name, _note(name))
