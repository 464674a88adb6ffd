"""Tensor.backward's PyTorch keywords: `gradient=` (torch's name for the seed; it raised
TypeError), `create_graph=False` (accepted; True refused in one line), and `inputs=` (only
the named tensors' `.grad` filled, by the ops between them and the output), each compared with
torch 2.13, hooks and retain_grad() included."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, autograd
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")


def make(lib, values, requires_grad=True):
    if lib is torch:
        return torch.tensor(values, dtype=torch.float64, requires_grad=requires_grad)
    return Tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def grad_of(t):
    g = t.grad
    return None if g is None else np.array(g.detach().numpy() if hasattr(g, "detach") else g)


def same(ours, theirs):
    assert (ours is None) == (theirs is None), (ours, theirs)
    if ours is not None:
        np.testing.assert_array_equal(ours, theirs)


# ---- gradient= and create_graph= -----------------------------------------------------------
def test_gradient_is_torchs_name_for_the_seed_and_grad_still_works():
    for kw in ("gradient", "grad"):
        x = make(tg, [1.0, 2.0])
        (x * 3).backward(**{kw: np.array([1.0, 10.0])})
        np.testing.assert_array_equal(x.grad, [3.0, 30.0])
    x = make(tg, [1.0, 2.0])
    (x * 3).backward(np.array([1.0, 10.0]), None, False)  # torch's positional order
    np.testing.assert_array_equal(x.grad, [3.0, 30.0])
    with pytest.raises(TypeError, match="both gradient= and grad="):
        (x * 3).backward(gradient=np.ones(2), grad=np.ones(2))
    with pytest.raises(ValueError, match="gradient has shape"):
        (x * 3).backward(gradient=np.ones(3))


def test_create_graph_false_is_accepted_and_true_refused_in_one_line():
    x = make(tg, [1.0, 2.0])
    (x * x).sum().backward(create_graph=False)
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    with pytest.raises(NotImplementedError, match="create_graph=True") as e:
        (x * x).sum().backward(create_graph=True)
    assert "\n" not in str(e.value)
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])  # (refused before anything ran)


# ---- inputs= against torch ------------------------------------------------------------------
def hooked(lib):
    """x, w leaves; h = x * w with a hook (x10) whose op runs on to w; y = sum(h * h + w)."""
    x, w = make(lib, [1.0, 2.0]), make(lib, [3.0, -4.0])
    h = x * w
    h.register_hook(lambda g: g * 10)
    return {"x": x, "w": w, "h": h}, (h * h + w).sum()


def chain(lib):
    """a -> b = a.exp() -> c = b * k (retain_grad) -> y = sum(c * c); k a second leaf."""
    a, k = make(lib, [0.5, -1.0, 2.0]), make(lib, [2.0, 3.0, -1.0])
    b = a.exp()
    c = b * k
    c.retain_grad()
    return {"a": a, "k": k, "b": b, "c": c}, (c * c).sum()


@pytest.mark.parametrize("build, names", [
    (hooked, ["x"]), (hooked, ["w"]), (hooked, ["h"]), (hooked, ["h", "w"]), (hooked, ["w", "h"]),
    (hooked, ["x", "w"]), (hooked, ["x", "x"]),
    (chain, ["a"]), (chain, ["k"]), (chain, ["b"]), (chain, ["c"]), (chain, ["b", "a"]),
    (chain, ["c", "k"]),
])
def test_inputs_fill_only_the_named_tensors_as_torch(build, names):
    got = {}
    for lib in (tg, torch):
        ts, y = build(lib)
        y.backward(inputs=[ts[n] for n in names])
        got[lib] = {n: grad_of(t) for n, t in ts.items() if lib is tg or t.is_leaf
                    or t.retains_grad or n in names}
    for n, theirs in got[torch].items():
        same(got[tg][n], theirs)
    for n in names:
        assert got[tg][n] is not None


def test_a_single_tensor_the_output_itself_and_an_unused_tensor():
    for lib in (tg, torch):
        x, u = make(lib, [1.0, 2.0]), make(lib, [5.0])
        y = (x * 2).sum()
        y.backward(inputs=x)  # one tensor, not a list
        same(grad_of(x), [2.0, 2.0])
        y = (x * x).sum()
        y.backward(inputs=[u, x])  # u is not below y: its .grad stays None, as torch's
        assert u.grad is None
        same(grad_of(x), [4.0, 6.0])
        z = x * 3
        z.backward(gradient=(np.ones(2) if lib is tg else torch.ones(2, dtype=torch.float64)),
                   inputs=[z])  # the output itself: its .grad is the seed
        same(grad_of(z), [1.0, 1.0])
        same(grad_of(x), [4.0, 6.0])  # (nothing below it ran)


def test_accumulation_retain_graph_and_post_accumulate_hooks_as_torch():
    logs = {}
    for lib in (tg, torch):
        log = logs[lib] = []
        x, w = make(lib, [1.0, -2.0]), make(lib, [0.5, 3.0])
        x.register_post_accumulate_grad_hook(lambda t, log=log: log.append(grad_of(t).tolist()))
        y = (x * w).sum() * 3
        y.backward(inputs=[x], retain_graph=True)
        y.backward(inputs=[w, x], retain_graph=True)
        y.backward()
        log.append(grad_of(w).tolist())
    assert logs[tg] == logs[torch]


def test_the_ops_run_are_freed_and_the_others_are_not():
    for lib in (tg, torch):
        x, w = make(lib, [1.0, 2.0]), make(lib, [3.0, 4.0])
        h = x * w
        k = x.exp()  # below y, not between y and h: neither run nor freed
        y = (h * h + k).sum()
        y.backward(inputs=[h])  # runs y's ops down to h; h's own Mul is freed, not run (torch)
        with pytest.raises(RuntimeError, match="a second time"):
            y.backward()
        with pytest.raises(RuntimeError, match="a second time"):
            (h * x).sum().backward()  # through h's Mul
        (k * x).sum().backward()  # k's Exp was not run, so not freed: its backward still works
        same(grad_of(x), np.exp([1.0, 2.0]) * [2.0, 3.0])
        assert w.grad is None


def test_a_float32_leaf_gets_float32_gradients_as_torch():
    x32 = Tensor(np.array([1.5, 2.5], np.float32), requires_grad=True)
    c = Tensor(np.array([2.0, 3.0]))
    (x32 * c).sum().backward(inputs=[x32])
    assert x32.grad.dtype == np.float32
    np.testing.assert_array_equal(x32.grad, np.array([2.0, 3.0], np.float32))


@pytest.mark.parametrize("bad, error, words", [
    ("empty", RuntimeError, "inputs= is empty"),
    ("const", RuntimeError, r"inputs\[0\] \(Tensor\) does not require grad"),
    ("array", TypeError, "takes a tensor or an iterable of tensors"),
    ("in list", RuntimeError, r"inputs\[1\] \(ndarray\) does not require grad"),
])
def test_bad_inputs_are_refused_in_one_line_before_anything_runs(bad, error, words):
    x = make(tg, [1.0, 2.0])
    y = (x * x).sum()
    bad = {"empty": [], "const": [Tensor(np.ones(2))], "array": np.ones(2),
           "in list": [x, np.ones(2)]}[bad]
    with pytest.raises(error, match=words) as e:
        y.backward(inputs=bad)
    assert "\n" not in str(e.value)
    assert x.grad is None
    y.backward()  # the graph is intact
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_autograd_backward_takes_inputs_as_torch():
    got = {}
    for lib, bw in ((tg, autograd.backward), (torch, torch.autograd.backward)):
        x, w = make(lib, [1.0, 2.0]), make(lib, [3.0, 4.0])
        a, b = (x * w).sum(), (x * x * w).sum()
        bw([a, b], inputs=[w])
        got[lib] = (x.grad, grad_of(w))
    assert got[tg][0] is None and got[torch][0] is None
    same(got[tg][1], got[torch][1])


def test_a_jitted_step_with_inputs_runs_eagerly_never_stale():
    w = make(tg, [1.0, 2.0])
    v = make(tg, [3.0, 4.0])

    @jit
    def step(X):
        (Tensor(X) * w * v).sum().backward(inputs=[w])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(4):
            w.grad = v.grad = None
            step(np.full(2, float(k)))
            np.testing.assert_array_equal(w.grad, np.full(2, float(k)) * v.data)
            assert v.grad is None
    assert step.replays == 0
    assert any("inputs=" in str(c.message) for c in caught)


@pytest.mark.parametrize("wrap", [lambda ts: (t for t in ts), set, lambda ts: iter(tuple(ts))])
def test_inputs_may_be_any_iterable_of_tensors_as_torch(wrap):
    for lib in (tg, torch):
        x, w = make(lib, [1.0, 2.0]), make(lib, [3.0, 4.0])
        (x * w).sum().backward(inputs=wrap([w]))  # (a generator was refused in one line)
        same(grad_of(w), [1.0, 2.0])
        assert x.grad is None
