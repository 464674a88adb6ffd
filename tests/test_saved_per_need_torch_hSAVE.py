"""Ops save for backward only what a needed gradient reads (torch's derivatives.yaml: Mul saves
`self` only when `other` requires grad): a write after the forward into an array that no needed
gradient reads is no error, a write into one that one reads is still refused at backward, in
both exactly where torch raises. Against torch 2.13 in float64, to 1e-10."""

from __future__ import annotations

import gc
import itertools
import weakref

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tests.oracle import (  # noqa: F401 (torch_float64: a fixture)
    jit_matches_eager,
    mismatch,
    one_line,
    strict_replays_match,
    torch_float64,
)

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("torch_float64")


def _recurrence(lib, loop: bool):
    x = lib.tensor(np.arange(12.0).reshape(4, 3) / 7, requires_grad=True)
    h = x * 1.0
    if loop:
        for t in range(1, 4):
            h[t] = h[t - 1] * 0.5 + h[t]
        h[0] = h[3] * 2.0
    else:
        h[1] = h[2] * 3.0
        h[2] = h[1] + h[0]
    (h**2).sum().backward()
    return np.asarray(x.grad.detach() if lib is torch else x.grad)


@pytest.mark.parametrize("loop", [False, True])
def test_rows_written_after_a_product_that_did_not_save_them(loop: bool) -> None:
    assert mismatch(_recurrence(tg, loop), _recurrence(torch, loop)) is None


# op -> (shapes of its inputs, how each library applies it)
OPS = {
    "mul": ([(3, 4), (4,)], lambda lib, a, b: a * b),
    "mul_scalar": ([(3, 4), ()], lambda lib, a, b: a * b),
    "div": ([(3, 4), (3, 1)], lambda lib, a, b: a / b),
    "pow": ([(3, 4), (4,)], lambda lib, a, b: a**b),
    "mm": ([(3, 4), (4, 2)], lambda lib, a, b: a @ b),
    "mm_row": ([(1, 4), (4, 2)], lambda lib, a, b: a @ b),
    "dot": ([(4,), (4,)], lambda lib, a, b: a @ b),
    "vm": ([(4,), (4, 2)], lambda lib, a, b: a @ b),
    "mv": ([(3, 4), (4,)], lambda lib, a, b: a @ b),
    "bmm": ([(2, 3, 4), (4, 2)], lambda lib, a, b: a @ b),
    "linear": ([(3, 4), (2, 4)], lambda lib, a, b: (F if lib is tg else torch.nn.functional)
               .linear(a, b)),
    "einsum": ([(3, 4), (4, 2)], lambda lib, a, b: lib.einsum("ij,jk->ik", a, b)),
    "einsum3": ([(3, 4), (4,)], lambda lib, a, b: lib.einsum("ij,j,j->i", a, b, b)),
    "remainder": ([(3, 4), (4,)], lambda lib, a, b: a % b),
    "fmod": ([(3, 4), (4,)], lambda lib, a, b: lib.fmod(a, b)),
    "copysign": ([(3, 4), (4,)], lambda lib, a, b: lib.copysign(a, -b)),
}
CASES = [(op, needs, write) for op in OPS
         for needs in [(True, True), (True, False), (False, True)] for write in (0, 1)]


def _run(lib, op: str, needs: tuple[bool, bool], write: int):
    """The op on two inputs (where it needs a gradient, row 0 of an op's result h, else a
    constant), a write into input `write` after the forward, then backward: the leaves'
    gradients, or the error."""
    shapes, f = OPS[op]
    rng = np.random.default_rng(7)
    leaves, ins, bases = [], [], []
    for s, need in zip(shapes, needs):
        leaf = lib.tensor(rng.uniform(0.5, 2.0, (1, *s)) if need else rng.uniform(0.5, 2.0, s),
                          requires_grad=need)
        leaves.append(leaf)
        bases.append(leaf * 1.0 if need else leaf)
        ins.append(bases[-1][0] if need else leaf)
    out = f(lib, *ins)
    target = bases[write]
    with lib.no_grad():  # (a write outside the graph: a recorded write into h, not through
        if target.ndim:  # the op, is refused for another reason here, detached.check_order)
            target[0] = 5.0
        else:
            target.fill_(5.0)
    try:
        (out * out).sum().backward()
    except RuntimeError as e:
        return e
    return [None if not n else np.asarray(t.grad.detach() if lib is torch else t.grad)
            for t, n in zip(leaves, needs)]


@pytest.mark.parametrize("op,needs,write", CASES)
def test_write_after_forward_as_torch(op: str, needs: tuple[bool, bool], write: int) -> None:
    theirs, ours = _run(torch, op, needs, write), _run(tg, op, needs, write)
    if isinstance(theirs, RuntimeError):
        assert "modified by an inplace operation" in str(theirs)
        assert isinstance(ours, RuntimeError), f"{op}: torch refuses, we gave {ours}"
        assert "\n" not in str(ours) and "replaced by" in str(ours)
        return
    assert not isinstance(ours, RuntimeError), f"{op}: torch gives a gradient, we: {ours}"
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            assert mismatch(a, b) is None


def test_the_refusal_is_one_line_naming_the_op() -> None:
    w = tg.tensor(np.ones(3), requires_grad=True)
    h = w * 1.0
    y = h * h  # both factors' gradients read h
    with tg.no_grad():
        h[0] = 2.0
    with pytest.raises(RuntimeError) as e:
        y.sum().backward()
    one_line(e, "Mul", "replaced by")


@pytest.mark.parametrize("op", ["matmul", "mul", "linear", "einsum"])
def test_an_array_no_needed_gradient_reads_is_not_pinned(op: str) -> None:
    # data @ h: h's gradient reads the data, the data's (not needed) h: h's array, replaced
    # after the forward, is freed (main's MatMul kept it until backward)
    rng = np.random.default_rng(5)
    x = tg.tensor(rng.standard_normal((4, 3)))
    f, shape = {"matmul": (lambda h: x @ h, (3, 2)), "mul": (lambda h: h * x, (4, 3)),
                "linear": (lambda h: F.linear(x, h), (2, 3)),
                "einsum": (lambda h: tg.einsum("ij,jk->ik", x, h), (3, 2))}[op]
    W = tg.tensor(rng.standard_normal(shape), requires_grad=True)
    h = W * 2.0  # an op's result that needs a gradient (its own op keeps 2.0 only)
    out = f(h)
    old = weakref.ref(h.data)
    with tg.no_grad():
        h.data = np.zeros(shape)
    gc.collect()
    assert old() is None
    out.sum().backward()
    Wt = torch.tensor(W.data, requires_grad=True)
    xt = torch.tensor(x.data)
    ft = {"matmul": lambda h: xt @ h, "mul": lambda h: h * xt,
          "linear": lambda h: torch.nn.functional.linear(xt, h),
          "einsum": lambda h: torch.einsum("ij,jk->ik", xt, h)}[op]
    ft(Wt * 2.0).sum().backward()
    assert mismatch(W.grad, Wt.grad.numpy()) is None


@pytest.mark.parametrize("needs", list(itertools.product([True, False], repeat=2)))
def test_replay_bit_equal_per_need(needs: tuple[bool, bool]) -> None:
    rng = np.random.default_rng(11)
    W = tg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    c = tg.tensor(rng.standard_normal((4, 3)), requires_grad=needs[0])
    k = tg.tensor(rng.standard_normal(2), requires_grad=needs[1])

    def step(x):
        h = (x @ W) * k  # data @ W, then a parameter's result times a (maybe) constant
        y = (c * x) @ W / (k * k + 1.0)
        loss = (h.tanh() + y * 2.0).sum() + (W * 0.5).sum()
        loss.backward()
        return loss

    xs = [tg.tensor(rng.standard_normal((4, 3))) for _ in range(5)]
    jit_matches_eager(step, xs, W)
    draw = iter(xs)
    strict_replays_match(step, lambda: next(draw), W)
