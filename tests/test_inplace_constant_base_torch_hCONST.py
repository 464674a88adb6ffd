"""A value that requires grad written in place into a CONSTANT (`out = tg.zeros(3, 3);
out[0] = x[0] * 2`, `out[1] += x[1]`, `c.add_(x)`, `w = out[1]; w.add_(v)`): recorded as
torch 2.13 records it (CopySlices over the constant; the constant requires grad afterwards and
is no leaf), against torch over seeded random programs, and the cases a skeptic would try."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import jit_matches_eager, mismatch, one_line
from tinygrad_dl.jit import JitError, jit

torch = pytest.importorskip("torch")

SHAPE = (4, 3)


# ---- the random programs: each step is (lib, out, x, reads) -> None, the same for both ------
def _const(kind: str, lib):
    if kind == "zeros":
        return lib.zeros(*SHAPE, dtype=lib.float64)
    if kind == "ones":
        return lib.ones(*SHAPE, dtype=lib.float64)
    # ours: a view of the arange (writes reach it, CopySlices); torch's own storage: torch
    # 2.13 refuses a second whole-tensor in-place op on a view of a constant written once
    # (`o = zeros(12).reshape(4, 3); o[1] = x[0]; o.add_(x)`: "a leaf Variable that requires
    # grad"), a fault of its own; the values and gradients are the same either way
    t = lib.arange(12, dtype=lib.float64).reshape(*SHAPE)
    return t.clone() if lib is torch else t


def _steps(rng: np.random.Generator) -> list:
    """The writes (and reads) of one program, drawn from `rng`."""
    steps = []
    for _ in range(int(rng.integers(2, 6))):
        kind = rng.choice(["index", "slice", "column_iadd", "mask", "add_", "mul_", "copy_",
                           "view_statement", "transpose", "masked_fill_", "index_copy_",
                           "scatter_", "read", "constant"])
        i, j = (int(v) for v in rng.integers(0, SHAPE[0], 2))
        k = float(rng.choice([-2.0, 0.5, 3.0]))
        m = rng.random(SHAPE) < 0.5
        col = int(rng.integers(0, SHAPE[1]))
        perm = rng.permutation(SHAPE[0])[:2]
        idx = np.argsort(rng.random(SHAPE), axis=1)  # (each row a permutation)
        if kind == "index":
            steps.append(lambda L, o, x, r, i=i, j=j, k=k: o.__setitem__(i, x[j] * k))
        elif kind == "slice":
            a, b = sorted((i, j))
            def step(L, o, x, r, a=a, b=b + 1, k=k):
                o[a:b] += x[a:b] * k
            steps.append(step)
        elif kind == "column_iadd":  # Python's `o[:, col] += ...`: get, iadd, set
            def step(L, o, x, r, col=col, k=k):
                o[:, col] += x[:, col] * k
            steps.append(step)
        elif kind == "mask":
            def step(L, o, x, r, m=m, k=k):
                mask = L.tensor(m)
                o[mask] = x[mask] * k
            steps.append(step)
        elif kind == "add_":
            steps.append(lambda L, o, x, r, k=k: o.add_(x * k))
        elif kind == "mul_":
            steps.append(lambda L, o, x, r: o.mul_(x))
        elif kind == "copy_":
            steps.append(lambda L, o, x, r, j=j: o.copy_(x[j] - 1.0))
        elif kind == "view_statement":  # the statement form: must reach o
            def step(L, o, x, r, i=i, j=j, k=k):
                w = o[i]
                w.add_(x[j])
                w.mul_(k)
            steps.append(step)
        elif kind == "transpose":
            def step(L, o, x, r, col=col):
                o.T[col].sub_(x[:, col] * 2.0)
            steps.append(step)
        elif kind == "masked_fill_":
            steps.append(lambda L, o, x, r, m=m, i=i: o.masked_fill_(L.tensor(m), x[i, 0]))
        elif kind == "index_copy_":
            steps.append(lambda L, o, x, r, p=perm: o.index_copy_(
                0, L.tensor(p), x[:2] * 3.0))
        elif kind == "scatter_":
            steps.append(lambda L, o, x, r, idx=idx: o.scatter_(1, L.tensor(idx), x))
        elif kind == "read":  # a read of the (written) constant between writes
            steps.append(lambda L, o, x, r, i=i: r.append(_numpy(o[i]).copy()))  # (its
            # values: an op that read o before a later write refuses backward here, below)
        else:  # a constant write in between
            steps.append(lambda L, o, x, r, i=i: o.__setitem__(i, 0.25))
    return steps


def _run(lib, base: str, steps: list, x0: np.ndarray, stale: bool):
    x = lib.tensor(x0, requires_grad=True)
    out = _const(base, lib)
    view = out[1:3] if stale else None  # a view taken before any write, read after
    reads: list = []
    for step in steps:
        step(lib, out, x, reads)
    loss = (out ** 2 * lib.tensor(np.arange(1.0, 13.0).reshape(SHAPE))).sum()
    if view is not None:
        loss = loss + (view * view).sum() * 0.5
    if not loss.requires_grad:
        return out, None, out.requires_grad, out.is_leaf, reads
    loss.backward()
    grad = x.grad.numpy() if lib is torch else x.grad
    return out, grad, out.requires_grad, out.is_leaf, reads


def _numpy(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.data


@pytest.mark.parametrize("seed", range(40))
def test_random_writes_into_a_constant_match_torch(seed):
    rng = np.random.default_rng(seed)
    base = str(rng.choice(["zeros", "ones", "arange"]))
    stale = bool(rng.random() < 0.5)
    steps = _steps(rng)
    x0 = rng.standard_normal(SHAPE)
    ours = _run(tg, base, steps, x0, stale)
    theirs = _run(torch, base, steps, x0, stale)
    assert mismatch(_numpy(ours[0]), _numpy(theirs[0])) is None
    if theirs[1] is None:
        assert ours[1] is None
    else:
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-10)
    assert ours[2:4] == theirs[2:4]
    assert len(ours[4]) == len(theirs[4])
    for a, b in zip(ours[4], theirs[4]):
        assert mismatch(a, b) is None


# ---- the brief's program and the skeptic's cases --------------------------------------------
def _both(prog):
    got = []
    for lib in (tg, torch):
        x = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
        out = prog(lib, x)
        (out ** 2).sum().backward()
        got.append((_numpy(out), np.asarray(x.grad), out.requires_grad, out.is_leaf))
    (a, ga, *fa), (b, gb, *fb) = got
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=1e-10)
    assert fa == fb == [True, False]


def test_the_char_rnn_pattern_is_recorded_as_torch():
    def prog(L, x):
        out = L.zeros(3, 3, dtype=L.float64)
        out[0] = x[0] * 2
        out[1] += x[1]
        out[2] = out[0] + out[1]
        return out
    _both(prog)


def test_a_recurrence_reading_the_row_before_the_first_write():
    def prog(L, x):  # h[-1] (a view of the constant taken before the write) read by it
        h = L.zeros(3, 3, dtype=L.float64)
        for t in range(2):
            h[t] = (x[t] + h[t - 1]).tanh()  # (an Add: torch's saves nothing either)
        return h
    _both(prog)


def _statement_form_on_a_view(L, x):  # reaches the constant
    out = L.zeros(3, 3, dtype=L.float64)
    w = out[1]
    w.add_(x[1])
    assert out.requires_grad and not out.is_leaf and w.requires_grad
    v = out[:, 1:]
    v.mul_(x[0, 1:])
    return out


def _view_taken_before_the_write(L, x):  # reads the new values
    c = L.ones(2, 3, dtype=L.float64)
    r = c[0]
    c.add_(x)
    assert r.requires_grad
    return r * 3.0


@pytest.mark.parametrize("prog", [_statement_form_on_a_view, _view_taken_before_the_write],
                         ids=["statement form", "view taken before"])
def test_writes_through_views_of_a_constant(prog):
    _both(prog)


@pytest.mark.parametrize("name", ["add_", "copy_", "mul_", "masked_fill_", "index_copy_",
                                  "index_put_", "scatter_", "masked_scatter_", "mask_set"])
def test_whole_tensor_forms_are_recorded(name):
    def prog(L, x):
        c = L.full((2, 3), 2.0, dtype=L.float64)
        mask = L.tensor(np.array([[True, False, True], [False, True, True]]))
        index = L.tensor(np.array([1, 0]))
        {"add_": lambda: c.add_(x, alpha=2.0), "copy_": lambda: c.copy_(x[0]),
         "mul_": lambda: c.mul_(x),
         "masked_fill_": lambda: c.masked_fill_(mask, x[1, 1]),
         "index_copy_": lambda: c.index_copy_(0, index, x),
         "index_put_": lambda: c.index_put_((index,), x * 2.0),
         "scatter_": lambda: c.scatter_(1, L.tensor(np.array([[2, 0, 1], [1, 2, 0]])), x),
         "masked_scatter_": lambda: c.masked_scatter_(mask, x),
         "mask_set": lambda: c.__setitem__(mask, x[mask] * 3.0)}[name]()
        return c
    _both(prog)


def test_a_float32_constant_keeps_its_dtype():
    x = tg.tensor(np.array([1.5, 2.5]), requires_grad=True)
    c = tg.zeros(3, dtype=tg.float32)
    c[:2] = x * 2.0
    assert c.dtype == np.float32 and c.requires_grad
    (c * 1.0).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_what_stays_refused():
    x = tg.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad") as e:
        x.add_(x.detach())
    one_line(e)
    w = tg.tensor(np.ones(3), requires_grad=True)
    with tg.no_grad():
        v = w[0:2]
    with pytest.raises(RuntimeError, match="a view taken under no_grad") as e:
        v.add_(x[:2])  # (torch: "A view was created in no_grad mode ...")
    one_line(e)
    assert w.data.tolist() == [1.0, 1.0, 1.0] and not v.requires_grad
    c = tg.zeros(3, dtype=tg.int64)  # (torch truncates the values unrecorded; NumPy's rule)
    with pytest.raises(TypeError, match="same_kind"):
        c[0] = x[0]
    c = tg.zeros(3)  # under no_grad nothing is recorded, as before
    with tg.no_grad():
        c.add_(x)
    assert not c.requires_grad and c.is_leaf and c.data.tolist() == [1.0, 1.0, 1.0]


def test_an_op_that_used_the_constant_before_the_write():
    x = tg.tensor(np.ones(3), requires_grad=True)
    w = tg.tensor(np.ones(3), requires_grad=True)
    c = tg.ones(3)
    y = w * c  # Mul saved c: torch raises at this backward ("modified by an inplace ...")
    c.add_(x)
    with pytest.raises(RuntimeError, match="modified by an in-place operation|replaced by"):
        y.sum().backward()
    grads = []  # `y = w + c` before the write: torch's edge to the constant, no gradient
    for lib in (tg, torch):  # through it (detached.redirect gives y's op the old constant)
        xl, wl = (lib.tensor(np.ones(3), requires_grad=True) for _ in range(2))
        c = lib.ones(3, dtype=lib.float64)
        y = wl + c * 2
        c.add_(xl)
        (y * y + c * c).sum().backward()
        grads.append((np.asarray(xl.grad), np.asarray(wl.grad)))
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)
    c = tg.ones(3)
    c.add_(x + c)  # (the value's own graph read c before the write: its old values, torch's)
    c.sum().backward()
    assert c.data.tolist() == [3.0, 3.0, 3.0] and x.grad.tolist() == [1.0, 1.0, 1.0]


def test_batchnorm_training_keeps_its_buffers_out_of_the_graph():
    bn = tg.nn.BatchNorm1d(3)
    x = tg.tensor(np.random.default_rng(0).standard_normal((8, 3)), requires_grad=True)
    for _ in range(3):
        bn(x * 2.0).sum().backward()
    for name in ("running_mean", "running_var"):
        buf = getattr(bn, name)
        assert not getattr(buf, "requires_grad", False) and getattr(buf, "_ctx", None) is None


def test_a_jitted_step_writing_a_constant_matches_eager():
    w = tg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)

    def step(x):
        out = tg.zeros(3, 3)
        out[0] = w[0] * x
        out[1] += w[1]
        out[2] = out[0] + out[1]
        loss = (out ** 2).sum()
        loss.backward()
        return loss

    rng = np.random.default_rng(5)
    jit_matches_eager(step, [tg.tensor(rng.standard_normal(3)) for _ in range(4)], w)
    with pytest.warns(RuntimeWarning, match="Tensor.__setitem__.*eagerly"):  # (it says why;
        jit(step)(tg.tensor(rng.standard_normal(3)))  # a strict jit refuses)
    with pytest.raises(JitError, match="Tensor.__setitem__"):
        jit(step, strict=True)(tg.tensor(rng.standard_normal(3)))


def test_views_that_a_copy_would_leave_behind_are_refused():
    x = tg.tensor(np.ones(3), requires_grad=True)
    w = tg.tensor(np.ones(3), requires_grad=True)
    c = tg.ones(3)
    r = c[0:2]
    y = w * c  # Mul saved c's array: the write would give c a copy, r would keep the old one
    with pytest.raises(RuntimeError, match="views taken before would not see") as e:
        c.add_(x)
    one_line(e)
    assert c.data.tolist() == [1.0, 1.0, 1.0] and not c.requires_grad
    del r, y


@pytest.mark.parametrize("prog", [
    lambda c, x: (c.__setitem__(0, x * 2), c)[1],
    lambda c, x: (c.__setitem__(0, x * 2), c.__setitem__(1, x * 3), c)[2],
    lambda c, x: (c.__setitem__(0, x * 2), c.mul_(2), c)[2],
    lambda c, x: (c.add_(x), c.mul_(x), c)[2],
    lambda c, x: (lambda d: (d.__setitem__(1, x.exp()), d.add_(x), c + d)[2])(c.detach())])
def test_writes_into_a_from_numpy_tensor_reach_the_array_as_torch(prog):
    """`c = from_numpy(a); c[0] = x * 2` was refused as "a copy.copy() of it (or is one)": c
    is noted as sharing the caller's array, and the check took c's own note for a copy's. Now
    it is recorded, and `a` holds the values, as torch's from_numpy."""
    got = []
    for lib in (tg, torch):
        a = np.arange(6.0).reshape(2, 3) / 5
        x = lib.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
        out = prog(lib.from_numpy(a), x)
        (out * out).sum().backward()
        got.append((np.asarray(x.grad.detach() if lib is torch else x.grad.data), a))
    assert mismatch(got[0][0], got[1][0]) is None and mismatch(got[0][1], got[1][1]) is None
