"""Review of the jit's Tanh factor over a concatenation (`plan_choices.factor_rows`): a
concatenation made after a backward that reaches its tanh values is not read by that
backward, and the factor is computed over the tanh values' rows only (another piece's x*x
could overflow and warn where eager computes nothing). Each case replays next to eager,
bit for bit, with warnings as errors."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from test_jit_inline import twin_runs  # (one helper: eager and jitted from one .grad state)

from tinygrad_dl import Tensor, ops

R = np.random.default_rng(5)
ROWS = re.compile(r"^ +x = g \* (r\d+)\[(\d+):(\d+)\]$", re.M)


def t(a, grad=True):
    return Tensor(np.asarray(a), requires_grad=grad)


def weights(dtype, m=4, steps=3):
    W = t((R.standard_normal((m, m)) * 0.5).astype(dtype))
    A = t(R.standard_normal((steps, m)).astype(dtype))
    return W, A, Tensor(np.zeros((1, m), dtype))


def tanhs(W, A, h0, steps):
    h, hs = h0, []
    for i in range(steps):
        h = (A[i:i + 1] + h @ W).tanh()
        hs.append(h)
    return hs


def strict_twin_runs(step, params):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):
            return twin_runs(step, params, ())[1]


@pytest.mark.parametrize("when", ["after the only backward", "between two backwards"])
def test_a_concatenation_made_after_a_backward_is_not_read_by_it(when):
    W, A, h0 = weights("float64")

    def step():
        hs = tanhs(W, A, h0, 3)
        y = (hs[-1] * 2.0).sum()
        y.backward(retain_graph=when != "after the only backward")
        H = ops.Concatenate.apply(*hs, axis=0)
        if when == "after the only backward":
            return H.detach()
        (H * 3.0).sum().backward()
        return None
    src = strict_twin_runs(step, (W, A))
    assert not ROWS.findall(src), src  # (that backward reached them before H was made)


@pytest.mark.parametrize("dtype,big", [("float64", 1e200), ("float16", 300.0)])
@pytest.mark.parametrize("where", ["before", "after"])
def test_the_factor_covers_only_the_tanh_rows(dtype, big, where):
    """H = [x, h1..h3] or [h1..h3, x] with x*x overflowing: eager squares only the tanh
    values; the replay's factor must not square x (no overflow warning, same bits)."""
    W, A, h0 = weights(dtype)
    x = t(np.full((2, 4), big, dtype), grad=False)

    def step():
        hs = tanhs(W, A, h0, 3)
        H = ops.Concatenate.apply(*((x, *hs) if where == "before" else (*hs, x)), axis=0)
        (H * 2.0).sum().backward()
    src = strict_twin_runs(step, (W, A))
    assert sorted((int(a), int(b)) for _, a, b in ROWS.findall(src)) == [(0, 1), (1, 2),
                                                                          (2, 3)], src


def test_pieces_between_tanh_runs_split_the_factor():
    """H = [h1, x, h2, h3]: two factors, over rows 0:1 and 3:5, none over x's rows."""
    W, A, h0 = weights("float64")
    x = t(np.full((2, 4), 1e200), grad=False)

    def step():
        hs = tanhs(W, A, h0, 3)
        (ops.Concatenate.apply(hs[0], x, *hs[1:], axis=0) * 2.0).sum().backward()
    src = strict_twin_runs(step, (W, A))
    assert len({q for q, _, _ in ROWS.findall(src)}) == 2, src
    assert re.search(r"^ +r\d+ = r\d+\[3:5\]$", src, re.M), src
