"""Second review of the replay-memory change (the L2 term's `Scaled` gradient, SGD in blocks
from 8,192 elements, a plan compiled once): what it changed beyond memory.

- `Scaled` as a key's first gradient, or added to one that is not ours, must give the array
  the array path gave, layout included: `2 lam W` keeps a Fortran W's order (torch lays a
  gradient out as its parameter), `prev + total` NumPy's;
- SGD's `theta -= lr g` on a parameter now stepped in blocks must compute `lr g` as
  `np.multiply(g, lr)` does (a NumPy float64 lr written into a float32 group: in float64);
- a plan of a signature of arrays only gets its fast entry whichever arrays recorded it (a
  Tensor without grad, a GradArray: the same signature as plain arrays).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl.functional as F
from tinygrad_dl import Tensor, optim
from tinygrad_dl.grad import as_grad
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.plan import Plan

LAM = 0.0123


def _loss(case: str, W: Tensor, x: np.ndarray, C: np.ndarray) -> Tensor:
    if case == "l2 alone":
        return F.sum_of_squares(W, scale=LAM)
    if case == "l2 recorded last (its backward first)":
        data = F.linear(Tensor(x), W).sum()
        return data + F.sum_of_squares(W, scale=LAM)
    # l2 recorded first (its backward last), W's pending gradient the upstream one through
    # an Add (not ours), Fortran-ordered (Mul's g * C of a Fortran C)
    l2 = F.sum_of_squares(W, scale=LAM)
    return ((W + 0.0) * Tensor(C)).sum() + l2


@pytest.mark.parametrize("mode", ["eager", "replayed"])
@pytest.mark.parametrize("case", ["l2 alone", "l2 recorded last (its backward first)",
                                  "not ours: a Fortran upstream into a C-ordered W"])
def test_l2_gradient_is_laid_out_as_the_array_path_lays_it_out(case, mode):
    rng = np.random.default_rng(4)
    data = rng.standard_normal((100, 120))  # 12,000 elements: a `Scaled` term
    if case != "not ours: a Fortran upstream into a C-ordered W":
        data = np.asfortranarray(data)
    W = Tensor(data, requires_grad=True)
    x = rng.standard_normal((4, 120))
    C = np.asfortranarray(rng.standard_normal((100, 120)))

    def step():
        _loss(case, W, x, C).backward()

    g2 = 2.0 * (np.ones(()) * LAM)  # SumOfSquares's factor, as its backward makes it
    if case == "l2 alone":
        want = g2 * data  # Fortran, as W
    elif case == "l2 recorded last (its backward first)":
        want = g2 * data  # Fortran, the Linear's gradient then added into it
        ref = Tensor(np.ascontiguousarray(data), requires_grad=True)
        F.linear(Tensor(x), ref).sum().backward()
        want += ref.grad
    else:
        want = np.ones(()) * C + g2 * data  # (Fortran + C-ordered: C-ordered)
    run = jit(step) if mode == "replayed" else step
    for call in range(4 if mode == "replayed" else 1):  # (a jit's first two calls: eager)
        W.grad = None
        run()
        assert W.grad.strides == want.strides, (call, W.grad.strides, want.strides)
        assert W.grad.tobytes() == want.tobytes()
    if mode == "replayed":
        assert run.replays == 2


@pytest.mark.parametrize("n", [40_000, 300_000])  # stepped in blocks; the second one from 1 MiB
@pytest.mark.parametrize("layout", ["C", "strided"])
def test_sgd_plain_step_with_a_numpy_float64_rate_is_the_whole_array_line(n, layout):
    """A group's lr set by hand to a NumPy float64 (`g["lr"] = lr0 * np.cos(...)`), a
    float32 parameter: `theta -= np.multiply(g, lr)` computes lr g in float64, as a small
    parameter's step does; the blocked step rounded it to float32 first."""
    rng = np.random.default_rng(n)
    base = rng.standard_normal(2 * n).astype(np.float32)
    d = base[:n].copy() if layout == "C" else base[::2]
    p = Tensor(d, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    want = d.copy()
    for s in range(3):
        lr = np.float64(0.1) * np.cos(0.1 * s)
        opt.param_groups[0]["lr"] = lr
        g = np.random.default_rng(s).standard_normal(n).astype(np.float32)
        p.grad = g
        opt.step()
        want -= np.multiply(g, lr)
    assert p.data.dtype == np.float32 and p.data.tobytes() == want.tobytes()


@pytest.mark.parametrize("first", ["a Tensor without grad", "a GradArray"])
def test_a_plan_recorded_from_other_arrays_takes_the_fast_entry_for_plain_ones(
        monkeypatch, first):
    """Recorded and planned from calls with a Tensor (no grad) or an ndarray subclass, whose
    signature is a plain array's: the plain-array calls after them replay through the fast
    entry, not each through the general path (`Plan.run`), as before the change."""
    runs = []
    real = Plan.run

    def counted(self, arrays):
        runs.append(1)
        return real(self, arrays)

    monkeypatch.setattr(Plan, "run", counted)
    w = Tensor(np.linspace(0.5, 2.0, 4), requires_grad=True)

    def step(X):
        (Tensor(X) * w).sum().backward()

    jitted = jit(step)
    X = np.arange(12.0).reshape(3, 4)
    other = Tensor(X) if first == "a Tensor without grad" else as_grad(X.copy())
    for _ in range(2):  # recorded, then planned
        w.grad = None
        jitted(other)
    for k in range(5):
        w.grad = None
        jitted(X + k)
        assert np.array_equal(w.grad, (X + k).sum(0))
    assert jitted.replays == 5
    assert len(runs) == 1  # the first plain call finds the plan; the fast entry from then on
    w.grad = None
    jitted(other)  # the entry's checks send it to the general path, which replays it
    assert np.array_equal(w.grad, X.sum(0)) and jitted.replays == 6 and len(runs) == 2
