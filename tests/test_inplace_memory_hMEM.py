"""Memory of a recorded write into a region of an op's result (`h[:, 0] += b`, `h[:, 0] = v`,
`h[mask] = v`, `v = h[0]; v.add_(1)`): each write keeps the old value's copy (the graph reads
it) and the region's positions (ops/index_put.py's IndexPut), where a `where` over the whole
base kept a base-sized index, mask and gathered copy too (20 writes into a 1000 x 1000 float64
h held 680 MB; an RNN's `out[:, t] = cell(...)` grew with the square of the steps). Values and
gradients against torch 2.13 to 1e-10 for the same writes, a 3-D base, a broadcast value, and a
repeated index's last write (against NumPy: torch's gradient there reaches every duplicate)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import bytes_held, mismatch

torch = pytest.importorskip("torch")

N, WRITES = 400, 20


def _write(kind, h, b, mask, count):
    """One write of `kind` into the 2-D h (b: an operand that requires grad, at least as long
    as h's rows and the mask's count)."""
    rows = h.shape[0]
    if kind == "iadd col":
        h[:, 0] += b[:rows]
    elif kind == "set col":
        h[:, 0] = b[:rows] * 1
    elif kind == "set mask":
        h[mask] = b[:count] * 1
    else:  # "view add_"
        v = h[0]
        v.add_(1)


KINDS = ["iadd col", "set col", "set mask", "view add_"]


def _mask(n):
    m = np.zeros((n, n), bool)
    m[1, : n // 2] = True
    m[3, 1::3] = True
    return m


@pytest.mark.parametrize("kind", KINDS)
def test_twenty_writes_hold_the_old_copies_and_little_more(kind):
    """Held after 20 writes, until backward: the 20 copies of the old h (1.28 MB each) and the
    regions; before, 4 or more arrays of h's size per write (about 100 MB)."""
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((N, N)), requires_grad=True)
    b = tg.tensor(rng.standard_normal(N), requires_grad=True)
    mask = tg.tensor(_mask(N))
    count = int(_mask(N).sum())
    h = x * 1
    held = bytes_held(lambda: [_write(kind, h, b, mask, count) for _ in range(WRITES)])
    base = h.data.nbytes
    assert held < WRITES * base * 1.25, f"{kind}: {held / 1e6:.1f} MB held by {WRITES} writes"
    (h * h).sum().backward()  # (the graph still runs)
    assert x.grad is not None and (b.grad is None) == (kind == "view add_")


def _run(lib, kind, seed, shape, writes):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape)
    B = rng.standard_normal(64)
    W = rng.standard_normal(shape)
    mask = _mask(shape[0]) if len(shape) == 2 else None
    count = 0 if mask is None else int(mask.sum())
    if lib is torch:
        x, b = torch.tensor(X, requires_grad=True), torch.tensor(B, requires_grad=True)
        m = None if mask is None else torch.tensor(mask)
        w = torch.tensor(W)
    else:
        x, b = tg.tensor(X, requires_grad=True), tg.tensor(B, requires_grad=True)
        m = None if mask is None else tg.tensor(mask)
        w = tg.tensor(W)
    h = x * 1.5
    for i in range(writes):
        if kind == "3d set":
            h[i % shape[0], :, 1] = b[: shape[1]] * (i + 1)
        elif kind == "3d iadd":
            h[:, i % shape[1]] += (b[: shape[0] * shape[2]] * 0.5).reshape(shape[0], shape[2])
        elif kind == "broadcast":
            h[:, i % shape[1]] = b[i] * 2  # (one entry over a column: its gradient summed)
        elif kind == "mask broadcast":
            h[m] = b[i] * 3
        else:
            _write(kind, h, b, m, count)
        h = h * 1 if i % 2 else h  # (writes into one result, and into a new one)
    loss = (h * w).sum()
    loss.backward()
    val = h.detach().numpy() if lib is torch else np.asarray(h.data)
    grads = [np.zeros(t.shape) if t.grad is None else t.grad.numpy() if lib is torch
             else np.asarray(t.grad) for t in (x, b)]
    return val, grads


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("kind", "shape"), [
    *((k, (6, 6)) for k in KINDS), ("broadcast", (6, 6)), ("mask broadcast", (6, 6)),
    ("3d set", (4, 3, 5)), ("3d iadd", (4, 3, 5))])
def test_values_and_gradients_as_torch(kind, shape, seed):
    ours, theirs = _run(tg, kind, seed, shape, 4), _run(torch, kind, seed, shape, 4)
    assert (e := mismatch(ours[0], theirs[0])) is None, f"{kind} values: {e}"
    for i, (a, t) in enumerate(zip(ours[1], theirs[1])):
        assert (e := mismatch(a, t)) is None, f"{kind} gradient {i}: {e}"


def test_a_repeated_index_keeps_its_last_write():
    """`h[[0, 2, 0]] = v`: NumPy's last write lands (row 2 of v at row 0), and the gradient
    reaches only the rows of v that landed (torch's index_put_ leaves which undefined, and its
    gradient reaches every duplicate)."""
    rng = np.random.default_rng(3)
    X, V, W = rng.standard_normal((4, 3)), rng.standard_normal((3, 3)), rng.standard_normal((4, 3))
    x, v = tg.tensor(X, requires_grad=True), tg.tensor(V, requires_grad=True)
    h = x * 2
    h[[0, 2, 0]] = v * 1
    (h * tg.tensor(W)).sum().backward()
    want = X * 2
    want[[0, 2, 0]] = V
    assert mismatch(h.data, want) is None
    gv = np.zeros((3, 3))
    gv[1:] = W[[2, 0]]
    assert mismatch(v.grad, gv) is None
    gx = 2 * W
    gx[[0, 2]] = 0
    assert mismatch(x.grad, gx) is None
    assert h.grad_fn.name == "IndexPut"
