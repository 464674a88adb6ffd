"""In-place operators on an op's result, recorded as torch 2.13 records them (helper hINPL):
`y = x * 2; y += 1`, `h.relu_()`, `out += residual`, `y[mask] = v` (tensor/rebase.py).

The differential: random chains x -> an op -> one to three in-place ops (add_, sub_, mul_, div_,
relu_, clamp_, sigmoid_, exp_, t[i] = v, copy_, zero_, fill_, +=, *=, -=; operands numbers,
constants or leaves that require grad, broadcast) -> ops that use y several times -> a loss, in
float64. The reference is torch with `y = y.clone()` before each in-place op (it never raises);
torch's own in-place run either raises ("modified by an inplace operation") or gives the
reference; ours must raise where torch's does or give the reference (values and every leaf's
gradient to 1e-10), and give it wherever torch's does. Then the skeptic's cases: an earlier
consumer (our one line), a saved output overwritten, dtypes, hooks and retain_grad, grad_fn,
aliases, double writes, retain_graph, views (refused), no_grad, and a jitted step.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import as_numpy, jit_matches_eager, one_line
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")

SHAPE = (3, 4)
BCAST = [(), (4,), (1, 4), (3, 1), (3, 4)]


# ---- a chain, as data: run by either library -------------------------------------------------
def _operand(rng, kind=None, shape=None):
    """("num", x) | ("const", array) | ("leaf", array): a number, a constant, a leaf."""
    kind = kind or ["num", "const", "leaf", "leaf"][rng.integers(4)]
    if kind == "num":
        return ("num", float(np.round(rng.uniform(-1.5, 1.5), 3)))
    shape = BCAST[rng.integers(len(BCAST))] if shape is None else shape
    return (kind, rng.uniform(-1.0, 1.0, shape))


def _positive(spec):
    kind, v = spec
    return (kind, 1.5 + abs(v)) if kind == "num" else (kind, 1.5 + np.abs(v))


def _setitem(rng):
    which = rng.integers(3)
    if which == 0:  # a mask: a number, a 0-d leaf or one value per True entry
        mask = rng.random(SHAPE) < 0.5
        mask[0, 0] = True
        v = [_operand(rng, "num"), _operand(rng, "leaf", ()),
             _operand(rng, "leaf", (int(mask.sum()),))][rng.integers(3)]
        return ("setitem", mask, v)
    if which == 1:  # a basic slice, its value broadcast
        return ("setitem", (slice(0, 2), slice(1, 3)),
                _operand(rng, None, [(2, 2), (2, 1), (2,), ()][rng.integers(4)]))
    return ("setitem", 1, _operand(rng, None, [(4,), ()][rng.integers(2)]))  # a row


def _step(rng):
    kind = ["add_", "sub_", "mul_", "div_", "relu_", "clamp_", "sigmoid_", "exp_", "setitem",
            "copy_", "zero_", "fill_", "iadd", "imul", "isub"][rng.integers(15)]
    if kind in ("add_", "sub_"):
        return (kind, _operand(rng), [1, 0.5, -2.0][rng.integers(3)])
    if kind in ("mul_", "iadd", "imul", "isub"):
        return (kind, _operand(rng))
    if kind == "div_":
        return (kind, _positive(_operand(rng)))
    if kind == "clamp_":
        lo = float(np.round(rng.uniform(-1.0, 0.0), 3))
        return (kind, lo, lo + float(np.round(rng.uniform(0.2, 1.5), 3)))
    if kind == "setitem":
        return _setitem(rng)
    if kind == "copy_":
        return (kind, _operand(rng, ["const", "leaf"][rng.integers(2)]))
    if kind == "fill_":
        return (kind, [_operand(rng, "num"), _operand(rng, "leaf", ())][rng.integers(2)])
    return (kind,)


def make_chain(seed):
    rng = np.random.default_rng(seed)
    first = ["scale", "matmul", "add", "mul", "exp", "sigmoid", "tanh"][rng.integers(7)]
    steps = [_step(rng) for _ in range(rng.integers(1, 4))]
    return {"x": rng.uniform(-1.0, 1.0, SHAPE), "W": rng.uniform(-1.0, 1.0, (4, 4)),
            "a": rng.uniform(-1.0, 1.0, (4,)), "b": rng.uniform(-1.0, 1.0, (4, 2)),
            "r": rng.uniform(-1.0, 1.0, SHAPE), "first": first, "steps": steps}


class Lib:
    """One library's spelling of the chain: its tensors, the leaves made (for their grads)."""

    def __init__(self, lib):
        self.lib, self.leaves = lib, []

    def t(self, arr, leaf=False):
        if self.lib is torch:
            out = torch.tensor(np.array(arr), dtype=torch.float64, requires_grad=leaf)
        else:
            out = Tensor(np.array(arr, dtype=np.float64), requires_grad=leaf)
        if leaf:
            self.leaves.append(out)
        return out

    def value(self, spec):
        kind, v = spec
        return v if kind == "num" else self.t(v, kind == "leaf")

    def numpy(self, t):
        return t.detach().numpy().copy() if self.lib is torch else np.array(t.data)

    def grad(self, t):
        if t.grad is None:
            return np.zeros(t.shape)
        return t.grad.numpy() if self.lib is torch else np.asarray(t.grad)


def first_op(L, c, x):
    f = c["first"]
    if f == "scale":
        return x * 1.5
    if f == "matmul":
        return x @ L.t(c["W"], True)
    if f in ("add", "mul"):
        a = L.t(c["a"], True)
        return x + a if f == "add" else x * a
    return getattr(x, f)()


def apply(L, y, step, clone):
    if clone:  # the reference: each write on a fresh copy (torch then never raises)
        y = y.clone()
    kind = step[0]
    if kind in ("add_", "sub_"):
        getattr(y, kind)(L.value(step[1]), alpha=step[2])
    elif kind in ("mul_", "div_", "copy_", "fill_"):
        getattr(y, kind)(L.value(step[1]))
    elif kind == "iadd":
        y += L.value(step[1])
    elif kind == "imul":
        y *= L.value(step[1])
    elif kind == "isub":
        y -= L.value(step[1])
    elif kind == "clamp_":
        y.clamp_(step[1], step[2])
    elif kind == "setitem":
        idx = torch.from_numpy(step[1]) if L.lib is torch and isinstance(step[1], np.ndarray) \
            else step[1]
        y[idx] = L.value(step[2])
    else:
        getattr(y, kind)()
    return y


def run(lib, c, clone=False):
    """(y's values, the loss, every leaf's gradient), or the error's text."""
    L = Lib(lib)
    x = L.t(c["x"], True)
    y = first_op(L, c, x)
    for step in c["steps"]:
        y = apply(L, y, step, clone)
    b = L.t(c["b"], True)
    loss = (y * L.t(c["r"])).sum() + (y.tanh() * y).sum() + ((y @ b) ** 2).sum()
    try:
        loss.backward()
    except RuntimeError as e:
        return str(e)
    return L.numpy(y), float(L.numpy(loss)), [L.grad(t) for t in L.leaves]


def same(got, want):
    assert not isinstance(got, str), got
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)
    assert len(got[2]) == len(want[2])
    for g, w in zip(got[2], want[2]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("block", range(6))
def test_random_chains_match_torch(block):
    """240 seeded chains (6 blocks of 40): ours raises exactly where torch's in-place run does
    (its saved output overwritten), else both give the out-of-place reference."""
    torch_raised = 0
    for seed in range(block * 40, block * 40 + 40):
        c = make_chain(seed)
        want = run(torch, c, clone=True)
        assert not isinstance(want, str), (seed, want)
        theirs, ours = run(torch, c), run(tg, c)
        if isinstance(theirs, str):  # torch: "modified by an inplace operation"
            torch_raised += 1
            assert "modified by an inplace operation" in theirs
            if isinstance(ours, str):
                assert "\n" not in ours and "replaced by Tensor." in ours, (seed, ours)
            else:  # (ours may be right where torch gives up: the reference)
                same(ours, want)
            continue
        same(theirs, want)  # (torch's own in-place run is the reference)
        same(ours, want)
    assert torch_raised < 40  # (most chains compute)


# ---- the skeptic's cases ----------------------------------------------------------------------
X = np.array([[1.0, -2.0, 3.0], [-0.5, 0.25, 2.0]])


def _leaf(lib, arr=X):
    if lib is torch:
        return torch.tensor(arr, dtype=torch.float64, requires_grad=True)
    return Tensor(arr.copy(), requires_grad=True)


def test_an_earlier_consumer_reads_the_value_it_used():
    """z = y * 3 used y before y.relu_(): its gradient goes to the y it read (torch's edge to
    y's old grad_fn; Mul by a number saves nothing), not through the write; the out-of-place
    spelling gives the same numbers."""
    grads = []
    for lib in (tg, torch, None):
        x = _leaf(lib or tg)
        y = x * 2
        z = y * 3
        y = y.relu() if lib is None else y.relu_()
        (z.sum() + y.sum()).backward()
        grads.append(as_numpy(x.grad))
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], grads[2])


def test_an_earlier_consumer_off_the_backward_path_is_harmless():
    x, xt = _leaf(tg), _leaf(torch)
    for v in (x, xt):
        y = v * 2
        _ = y * 3  # (never backpropagated)
        y.relu_()
        (y * y).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-15)


@pytest.mark.parametrize("op", ["exp", "sigmoid", "tanh"])
def test_a_saved_output_overwritten_raises_as_torchs_or_is_right(op):
    """torch's op saved y (its backward reads its output): writing y makes torch raise; ours
    raises in one line where its op saved y too (exp, tanh), else (sigmoid: ours keeps its
    input) gives the gradient of the values the forward used."""
    xt = _leaf(torch)
    y = getattr(xt, op)()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (y * y).sum().backward()
    x = _leaf(tg)
    y = getattr(x, op)()
    y.add_(1)
    try:
        (y * y).sum().backward(retain_graph=True)  # (kept: the line is read again below)
    except RuntimeError:
        assert op != "sigmoid"
        with pytest.raises(RuntimeError) as info:
            (y * y).sum().backward()
        one_line(info, f"backward through {op.capitalize()}", "replaced by Tensor.add_ (+=)")
        return
    xt = _leaf(torch)
    yt = getattr(xt, op)() + 1
    (yt * yt).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-13)


def test_a_saved_output_written_then_written_again_is_right():
    """y.exp_() then y.add_(1): torch raises (ExpBackward saved y); ours keeps what exp_ saved
    apart from y's array, so its gradient is the out-of-place one's."""
    x, xt = _leaf(tg), _leaf(torch)
    y = x * 1.0
    y.exp_()
    y.add_(1)
    (y * y).sum().backward()
    yt = (xt * 1.0).exp() + 1
    (yt * yt).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-13)


def test_dtype_stays_the_tensors():
    """float32 y += a float64 tensor: y stays float32 (the same_kind rule), as torch's; the
    float64 leaf's gradient is float64."""
    outs = []
    for lib in (tg, torch):
        x = _leaf(lib)
        a = _leaf(lib, np.array([0.5, 1.5, -1.0]))
        y = x.float() * 2
        y += a
        assert str(y.dtype).endswith("float32")
        (y * y).sum().backward()
        outs.append((np.asarray(x.grad if lib is tg else x.grad.numpy()),
                     np.asarray(a.grad if lib is tg else a.grad.numpy())))
    assert outs[0][1].dtype == np.float64
    for g, w in zip(*outs):
        np.testing.assert_allclose(g, w, rtol=1e-6)
    y = Tensor(np.ones(3, np.int64)) * 1  # (an integer result: no graph, the old rules)
    with pytest.raises(TypeError, match="same_kind"):
        y += 0.5


def test_hooks_before_the_write_hear_the_old_value_retain_grad_the_new():
    """As torch 2.13: a hook registered before the write is the old node's, after it the new
    one's; retain_grad() keeps the gradient of the value the tensor holds."""
    got = {}
    for lib in (tg, torch):
        x = _leaf(lib)
        y = x * 2
        y.retain_grad()
        seen = []

        def hook(key, seen=seen, lib=lib):
            return lambda g: seen.append((key, np.array(g.detach().numpy() if lib is torch
                                                        else g.data)))

        y.register_hook(hook("before"))
        y.add_(1).mul_(3)
        y.register_hook(hook("after"))
        (y * y).sum().backward()
        got[lib] = (seen, np.asarray(y.grad if lib is tg else y.grad.numpy()),
                    np.asarray(x.grad if lib is tg else x.grad.numpy()))
    (s1, yg1, xg1), (s2, yg2, xg2) = got[tg], got[torch]
    assert [k for k, _ in s1] == [k for k, _ in s2] == ["after", "before"]
    for (_, a), (_, b) in zip(s1, s2):
        np.testing.assert_allclose(a, b, rtol=1e-15)
    np.testing.assert_allclose(yg1, yg2, rtol=1e-15)
    np.testing.assert_allclose(xg1, xg2, rtol=1e-15)


@pytest.mark.parametrize(("write", "name"), [
    (lambda y: y.add_(1), "Add"), (lambda y: y.__imul__(2.0), "Mul"), (lambda y: y.relu_(), "ReLU"),
    (lambda y: y.zero_(), "Where"), (lambda y: y.__setitem__(0, 1.0), "Where")])
def test_grad_fn_is_the_writes_op(write, name):
    y = _leaf(tg) * 2
    write(y)
    assert y.grad_fn.name == name and y._ctx is y.grad_fn and y.requires_grad
    assert y.grad_fn.next_functions[0][0].name in ("Mul", "Where", "GetItem")


def test_an_alias_of_the_array_sees_the_values():
    """t.numpy() taken before the write sees it, as torch's storage does."""
    for lib in (tg, torch):
        y = _leaf(lib) * 2
        alias = y.numpy() if lib is tg else y.detach().numpy()
        y.add_(1)
        np.testing.assert_array_equal(alias, X * 2 + 1)


def test_double_writes_and_a_tensor_used_twice_after():
    x, xt = _leaf(tg), _leaf(torch)
    for v in (x, xt):
        y = v * 2
        assert y.add_(1).mul_(2) is y
        (y * y.sin() + y).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-13)


def test_backward_twice_with_retain_graph():
    x, xt = _leaf(tg), _leaf(torch)
    for v in (x, xt):
        y = v @ v.T
        y += 1
        y.relu_()  # (after: torch's relu_ saved its result, which `y += 1` would change)
        loss = (y * y).sum()
        loss.backward(retain_graph=True)
        loss.backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-13)


def test_setitem_gradients_reach_the_value_and_the_old_entries():
    """y[mask] = v and y[rows] = v with a repeated index: v's gradient is the entries it
    landed in (the last write wins, as NumPy's), y's old value the others'."""
    x, v = _leaf(tg), Tensor(np.array([10.0, 20.0, 30.0, 40.0]), requires_grad=True)
    xt, vt = _leaf(torch), torch.tensor([10.0, 20.0, 30.0, 40.0], dtype=torch.float64,
                                        requires_grad=True)
    mask = X > 0
    for a, b, m in ((x, v, mask), (xt, vt, torch.from_numpy(mask))):
        y = a * 2
        y[m] = b
        (y * y).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-15)
    np.testing.assert_allclose(v.grad, vt.grad.numpy(), rtol=1e-15)
    w = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = _leaf(tg) * 1
    y[np.array([0, 0])] = w[None, :] * Tensor(np.array([[1.0], [2.0]]))  # row 0 twice
    y.sum().backward()
    np.testing.assert_array_equal(y.data[0], [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])  # (the last write's factor)


def test_a_view_write_reaches_its_base_and_the_old_spelling_runs():
    """(Was: refused in one line. Now recorded as torch's CopySlices, tensor/copy_slices.py:
    the write reaches h, as torch's; tests/test_inplace_views_torch_hVIEW.py compares it.)"""
    h = _leaf(tg) * 2
    h[0].add_(1)
    h.reshape(-1).relu_()
    h.T.mul_(2)
    want = X * 2.0
    want[0] += 1
    np.testing.assert_array_equal(h.data, np.maximum(want, 0) * 2)
    h[0] += 1  # (Python: h[0].__iadd__ on GetItem's view, then h[0] = that: recorded)
    h[0] = h[0] + 1  # the out-of-place spelling still runs
    w = _leaf(tg)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        w[0:1] += 1


def test_no_grad_write_on_a_result_is_torchs():
    """Under no_grad a write is not recorded (torch's too): the graph goes on as before."""
    x, xt = _leaf(tg), _leaf(torch)
    for v, lib in ((x, tg), (xt, torch)):
        y = v * 2
        with lib.no_grad():
            y.add_(1)
        assert (y.grad_fn.name if lib is tg else type(y.grad_fn).__name__) in (
            "Mul", "MulBackward0")
        (y * y).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-15)


def test_the_leaf_rule_and_the_unrecorded_forms_stay_refused():
    w = _leaf(tg)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w += 1
    h = w * 2
    for write in (lambda: h.squeeze_(), lambda: h.uniform_(), lambda: h.fill_diagonal_(0.0)):
        with pytest.raises(RuntimeError, match="in-place on the result of Mul"):
            write()
    with pytest.raises(RuntimeError, match="list holding a tensor that requires grad"):
        h[0] = [w[0, 0], 1.0, 2.0]


def test_a_jitted_step_with_inplace_writes_matches_eager():
    rng = np.random.default_rng(7)
    w = Tensor(rng.standard_normal((4, 3)), requires_grad=True)

    def step(x):
        h = x @ w
        h.relu_()
        out = h * 2
        out += h
        loss = (out * out).sum()
        loss.backward()
        return loss

    jit_matches_eager(step, [Tensor(rng.standard_normal((5, 4))) for _ in range(4)], w)
