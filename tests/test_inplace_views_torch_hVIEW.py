"""In-place on a VIEW of an op's result (`h[i] += v`, `h[:, 0] *= 2`, `v = h[0]; v.add_(1)`,
`h.T.mul_(2)`, `h.view(-1).relu_()`), recorded as torch's CopySlices (tensor/copy_slices.py):
a seeded differential against torch 2.13 over random chains, values and every leaf's gradient
to 1e-10 in float64, and the skeptic's cases, each right or one line."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import jit_matches_eager, one_line, strict_replays_match

torch = pytest.importorskip("torch")

X = np.linspace(-1.3, 1.7, 12).reshape(3, 4)
W = np.linspace(0.4, -0.9, 12).reshape(3, 4)
MASK = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])


def _leaves(lib):
    if lib is torch:
        return (torch.tensor(X, requires_grad=True), torch.tensor(W, requires_grad=True))
    return tg.tensor(X, requires_grad=True), tg.tensor(W, requires_grad=True)


def _grads(leaves, lib):
    return [None if v.grad is None else (v.grad.numpy() if lib is torch else np.asarray(v.grad))
            for v in leaves]


# the views a chain takes of h (3, 4); "adv" / "mask" / "copyshape" are copies (no write-through)
VIEWS = {
    "row": lambda h, lib, r: h[r.integers(3)],
    "col": lambda h, lib, r: h[:, r.integers(4)],
    "rows": lambda h, lib, r: h[1:],
    "T": lambda h, lib, r: h.T,
    "flat": lambda h, lib, r: h.view(-1),
    "step": lambda h, lib, r: h[::2],
    "elem": lambda h, lib, r: h[r.integers(3), r.integers(4)],
    "Trow": lambda h, lib, r: h.T[r.integers(4)],
    "resh": lambda h, lib, r: h.reshape(4, 3),
    "unsq": lambda h, lib, r: h.unsqueeze(0),
    "narrow": lambda h, lib, r: h.narrow(1, 1, 2),
    "sub": lambda h, lib, r: h[1:][:, ::2],
    "adv": lambda h, lib, r: h[[0, 2]],
    "mask": lambda h, lib, r: h[lib.tensor(MASK)],
    "copyshape": lambda h, lib, r: h.T.reshape(-1),  # (a copy in both: writes stay there)
}
# the Python `h[idx] op= o` forms
INDICES = [1, (slice(None), 2), slice(0, 2), (0, 3), "mask", [0, 2], (slice(None, None, 2),)]


def _operand(w, r):
    """A 0-d operand that requires grad (a function of the leaf w) or a number."""
    k = r.integers(3)
    return float(r.uniform(-1, 1)) if k == 0 else (w * w).sum() * 0.1 if k == 1 else w[1, 2] * 0.7


def _write(v, lib, w, r):
    """One in-place op on v (a view or h itself)."""
    k = r.integers(11)
    o = _operand(w, r)
    if k == 0:
        v.add_(o)
    elif k == 1:
        v.mul_(o)
    elif k == 2:
        v.relu_()
    elif k == 3:
        v.clamp_(-0.5, 0.6)
    elif k == 4:
        v.zero_()
    elif k == 5:
        v.fill_(0.3)
    elif k == 6:
        v.copy_(o if not isinstance(o, float) else w[0, 0] * 2)
    elif k == 7:
        v += o
    elif k == 8 and v.dim() >= 1 and v.shape[0] > 0:
        v[0] = o
    elif k == 9:
        v.sub_(o, alpha=0.5)
    else:
        v.mul_(1.5)


def _chain(lib, seed):
    """x, w -> h = op(x, w) -> views of h written in place (and h itself) -> more ops -> loss."""
    r = np.random.default_rng(seed)
    x, w = _leaves(lib)
    k = r.integers(4)
    h = x * w + 1 if k == 0 else x.sin() * 2 if k == 1 else x @ (w.T @ w) if k == 2 else x * x
    last = None
    for _ in range(r.integers(1, 5)):
        c = r.integers(4)
        if c == 3 and last is not None:  # the view written last, again or a view of it
            sub = last if last.dim() == 0 or r.integers(2) else (
                last[-1] if r.integers(2) or last.dim() < 2 else last.swapaxes(0, 1))
            _write(sub, lib, w, r)
            last = sub
        elif c == 0 or c == 3:  # a view written through
            name = list(VIEWS)[r.integers(len(VIEWS))]
            v = VIEWS[name](h, lib, r)
            _write(v, lib, w, r)
            last = v
        elif c == 1:  # Python's `h[idx] op= o`
            idx = INDICES[r.integers(len(INDICES))]
            idx = lib.tensor(MASK) if isinstance(idx, str) else idx
            o = _operand(w, r)
            if r.integers(2):
                h[idx] += o
            else:
                h[idx] *= o
            last = None
        else:  # the base itself
            _write(h, lib, w, r)
            last = None
    loss = (h * h).sum() + (h.cos() * x).sum()
    if last is not None:  # (the view written last is current: its history is h's region)
        loss = loss + (last * 3).sum()
    loss.backward()
    return [h.detach().numpy() if lib is torch else h.data.copy(), *_grads((x, w), lib)]


def _compare(seed):
    try:
        want = _chain(torch, seed)
    except RuntimeError:  # (torch's own refusal, a relu saved output overwritten: not compared)
        return False
    got = _chain(tg, seed)
    for a, b in zip(got, want):
        assert (a is None) == (b is None), seed
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, err_msg=f"seed {seed}")
    return True


@pytest.mark.parametrize("block", range(4))
def test_random_view_chains_match_torch(block):
    compared = sum(_compare(seed) for seed in range(block * 90, block * 90 + 90))
    assert compared >= 80  # (torch refuses a few: relu_ / clamp_ of an overwritten result)


# ---- the skeptic's cases ----------------------------------------------------------------
def _both(fn):
    """fn(lib, x, w) -> loss, in both libraries; values and leaf gradients compared."""
    out = []
    for lib in (torch, tg):
        x, w = _leaves(lib)
        loss = fn(lib, x, w)
        loss.backward()
        out.append([float(loss.detach()) if lib is torch else float(loss.data),
                    *_grads((x, w), lib)])
    for a, b in zip(out[1], out[0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_the_python_forms_h_i_plus_equals_v():
    def fn(lib, x, w):
        h = x * w
        h[1] += x[0] * 2
        h[:, 0] *= 2
        h[lib.tensor(MASK)] += 1
        h[[0, 2]] -= w[0] * 0.5
        return (h * h).sum()
    _both(fn)


def test_an_operand_that_read_the_base_reads_its_old_value():
    def fn(lib, x, w):
        h = x * w
        h += h.sum() * 0.1  # (sum read the old h: its input becomes it, as torch's edge)
        h[0] += h[1:].mean()
        return (h * h).sum()
    _both(fn)


def test_an_op_that_used_h_before_the_write_reads_the_h_it_used():
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(X, requires_grad=True)
        h = x * 2
        z = h.sum() * 3  # (sum saved nothing of h: torch computes, and so do we)
        h[0] += 1
        (z + (h * h).sum()).backward()
        grads.append(np.asarray(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-15)
    h = tg.tensor(X, requires_grad=True) * 2
    z = h * h  # (mul saved h's array: the write through a view cannot give h a copy)
    with pytest.raises((RuntimeError, ValueError)) as info:
        h[0] += 1
    one_line(info, "live graph holds")


def test_an_op_that_used_the_view_before_the_write_raises_one_line():
    h = tg.tensor(X, requires_grad=True) * 2
    v = h[0]
    z = v.sum() * 3
    v.add_(1)
    with pytest.raises(RuntimeError) as info:
        (z + h.sum()).backward()
    one_line(info, "modified by an in-place operation")


def test_two_views_of_one_base_both_written():
    def fn(lib, x, w):
        h = x * w
        a, b = h[0], h[:, 1]
        a.add_(w[2, 2])
        b.mul_(x[1, 0])
        return (h * h).sum() + (a * 2).sum() + (b * 3).sum()
    _both(fn)


def test_a_view_written_then_the_base_written():
    def fn(lib, x, w):
        h = x * w
        v = h[1:]
        v.add_(w[0, 1])
        h.mul_(x)
        return (h * h).sum() + (v * v).sum()
    _both(fn)


def test_an_operand_that_is_another_region_of_the_base():
    def fn(lib, x, w):
        h = x * w
        v = h[0]
        v.copy_(h[1] + 2)  # (read before the write: old row 1; add saves no input)
        u = h[2]
        h[1].add_(u)  # (u does not overlap the written row: its history stays exact)
        return (h * h).sum() + (u * x[0]).sum()
    _both(fn)


def test_the_base_written_then_an_old_view_read():
    """The old view sees the new values (NumPy's memory, torch's storage); its history still
    reads h through an op made before the write: backward raises one line (torch
    regenerates its grad_fn instead)."""
    h = tg.tensor(X, requires_grad=True) * 2
    y = h[0]
    h.add_(1)
    np.testing.assert_array_equal(y.data, X[0] * 2 + 1)
    with pytest.raises(RuntimeError) as info:
        (y * h[1]).sum().backward()
    one_line(info, "modified by an in-place operation")


def test_y_taken_before_h_i_plus_equals_then_used():
    h = tg.tensor(X, requires_grad=True) * 2
    y = h[0]
    h[0] += 1
    np.testing.assert_array_equal(y.data, X[0] * 2 + 1)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    one_line(info, "modified by an in-place operation")


def test_partly_overlapping_slices_are_refused_as_torch_does():
    for lib in (torch, tg):
        h = _leaves(lib)[0].reshape(-1) * 1
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            h[0:3] += h[1:4]
    h = tg.tensor(X, requires_grad=True).reshape(-1) * 1
    with pytest.raises(RuntimeError) as info:
        h[0:3] += h[1:4]
    one_line(info, "h[1:4].clone()")
    np.testing.assert_array_equal(h.data, X.reshape(-1))  # (nothing written)


def test_self_operands_are_right_or_one_line():
    h = tg.tensor(X, requires_grad=True) * 1
    v = h[0:2]
    with pytest.raises(RuntimeError) as info:
        v += v
    one_line(info, "the operand is this tensor itself")
    def fn(lib, x, w):  # (the operand, a view of the written row made before the write,
        h = x * w  # reads a copy of the old row for its gradient: torch's, hVIEWr)
        h[0] += h[0]
        h[2] = h[1]
        return (h * h.sin()).sum()
    _both(fn)


def test_a_float64_operand_into_a_float32_view():
    def fn(lib, x, w):
        h = (x * w).float()
        h[1] += x[0] * 1.0
        assert h.dtype == (torch.float32 if lib is torch else np.float32)
        return (h.double() ** 2).sum()
    out = []
    for lib in (torch, tg):
        x, w = _leaves(lib)
        fn(lib, x, w).backward()
        out.append(_grads((x, w), lib))
    for a, b in zip(out[1], out[0]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def _arr(g):
    return g.detach().numpy().copy() if torch.is_tensor(g) else np.array(getattr(g, "data", g))


def test_retain_grad_and_hooks_on_the_view_and_the_base():
    heard = {}
    for lib in (torch, tg):
        x, _ = _leaves(lib)
        h = x * 2
        v = h[1]
        h.register_hook(lambda g, lib=lib: heard.__setitem__((lib.__name__, "h"), _arr(g)))
        v.register_hook(lambda g, lib=lib: heard.__setitem__((lib.__name__, "v"), _arr(g)))
        v.mul_(3)
        h.retain_grad()
        v.retain_grad()
        (h * h).sum().backward()
        heard[(lib.__name__, "hgrad")] = _arr(h.grad)
        heard[(lib.__name__, "vgrad")] = None if v.grad is None else _arr(v.grad)
    for k in ("h", "hgrad"):  # (h's hook hears the old h's gradient, retain_grad the new)
        np.testing.assert_allclose(heard[("tinygrad_dl", k)], heard[("torch", k)], rtol=1e-12)
    assert ("torch", "v") not in heard and ("tinygrad_dl", "v") not in heard  # (torch never
    assert heard[("torch", "vgrad")] is None  # calls a view's hook registered before the write)
    assert heard[("tinygrad_dl", "vgrad")] is None


def test_sharers_of_the_base_copy_and_detach():
    h = tg.tensor(X, requires_grad=True) * 2
    c = copy.copy(h)
    with pytest.raises(RuntimeError) as info:
        h[0] += 1
    one_line(info, "copy.copy")
    del c
    h = tg.tensor(X, requires_grad=True) * 2
    d = h.detach()  # (h's graph holds its array since: as for a write into h itself)
    with pytest.raises(RuntimeError) as info:
        h[0] += 1
    one_line(info, "shared with a constant made from it")
    np.testing.assert_array_equal(d.data, X * 2)  # (nothing written)


def test_zero_d_empty_and_negative_step_views():
    h = tg.tensor(X, requires_grad=True) * 2
    h[0, 0] += 1
    h[0:0] += 1
    h[::-1][0].add_(5)  # (torch has no negative steps: NumPy's, written through)
    want = X * 2
    want[0, 0] += 1
    want[2] += 5
    np.testing.assert_array_equal(h.data, want)
    (h * h).sum().backward()


def test_non_contiguous_base_and_copying_reshape():
    def fn(lib, x, w):
        h = (x * w).T  # (a view of x * w: the base)
        h[1] *= 3
        r = h.reshape(-1)  # a copy (h is not contiguous): the write stays in r
        r.add_(1)
        return (h * h).sum() + (r * r).sum()
    _both(fn)
    h = (tg.tensor(X, requires_grad=True) * 1).T
    r = h.reshape(-1)
    r.add_(1)
    assert not np.shares_memory(r.data, h.data)
    np.testing.assert_array_equal(h.data, X.T)


def test_expand_views_are_refused_as_torch_does():
    for lib in (torch, tg):
        h = _leaves(lib)[0][:, :1] * 1
        with pytest.raises(RuntimeError, match="single memory location"):
            h.expand(3, 4).add_(1)


def test_views_of_a_leaf_keep_todays_rule():
    w = tg.tensor(X, requires_grad=True)
    for write in (lambda: w[0].add_(1), lambda: w.T.mul_(2), lambda: w.view(-1).zero_()):
        with pytest.raises(RuntimeError) as info:
            write()
        one_line(info, "a view of a leaf Variable")
    with tg.no_grad():
        w.T[0] += 1
    assert w.data[0, 0] == X[0, 0] + 1


def test_under_no_grad_a_view_write_is_unrecorded():
    h = tg.tensor(X, requires_grad=True) * 2
    v, m = h[0], h.T  # (views taken in grad mode)
    with tg.no_grad():
        v += 1
        m.mul_(2)
    assert h._ctx.name == "Mul" and v._ctx.name == "GetItem"
    want = X * 2
    want[0] += 1
    np.testing.assert_array_equal(h.data, want * 2)


def test_diagonal_and_unfold_stay_refused_in_one_line():
    h = tg.tensor(X, requires_grad=True) * 2
    for write in (lambda: h.diagonal().add_(1), lambda: h.unfold(1, 2, 1).mul_(2)):
        with pytest.raises(RuntimeError) as info:
            write()
        one_line(info, "not one this library's write can follow")


def test_a_saved_base_is_refused_in_one_line():
    h = tg.tensor(X, requires_grad=True).exp()  # (exp saved its output)
    with pytest.raises((RuntimeError, ValueError)) as info:
        h[0] += 1
    one_line(info, "live graph")


def test_a_step_with_a_view_write_runs_under_the_jit():
    rng = np.random.default_rng(3)
    w = tg.tensor(W, requires_grad=True)

    def step(x):
        h = x * w
        h[1] += w[0] * 2
        h.T[0].relu_()
        loss = (h * h).sum()
        loss.backward()
        return loss

    jit_matches_eager(step, [tg.tensor(rng.normal(size=(3, 4))) for _ in range(4)], w)
    with pytest.raises(RuntimeError) as info:
        strict_replays_match(step, lambda: tg.tensor(rng.normal(size=(3, 4))), w)
    one_line(info, "Tensor.add_")
