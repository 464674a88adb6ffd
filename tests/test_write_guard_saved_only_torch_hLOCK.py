"""The write guard locks only what an op saved (helper hLOCK): a leaf's or a constant's array
is made read-only while a graph lives only where an op of it saved that memory, as torch checks
the version counter of saved tensors only. `X @ W` with X constant saves X (for W's gradient),
not W: W stays writable, and an optimizer step, `W.add_(1)` under no_grad or a `.data` write
before backward computes as torch's does; a write into a saved array still raises one line at
backward (torch's "modified by an inplace operation"). Against torch 2.13 in float64, to 1e-10:
every op of a table, each input a leaf requiring grad or a constant, each input written after
the forward (add_, mul_, a .data write, an SGD step, `W -= lr * W.grad`), backward after the
write or once before it (retain_graph) and once after. The whole op table (slow) checks the
never-silently-wrong side without torch: a write either raises or leaves the gradient as it was
before the write."""

from __future__ import annotations

import gc
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tests.oracle import mismatch, one_line, torch_float64  # noqa: F401 (a fixture)
from tinygrad_dl import optable
from tinygrad_dl.saved_memory import saves
from tinygrad_dl.testing import op_inputs

torch = pytest.importorskip("torch")
TF = torch.nn.functional
pytestmark = pytest.mark.usefixtures("torch_float64")


def _f(lib):
    return F if lib is tg else TF


# op -> (its inputs' shapes, how each library applies it)
OPS = {
    "add": ([(3, 4), (4,)], lambda lib, a, b: a + b),
    "sub": ([(3, 4), (3, 4)], lambda lib, a, b: a - b),
    "mul": ([(3, 4), (4,)], lambda lib, a, b: a * b),
    "div": ([(3, 4), (3, 1)], lambda lib, a, b: a / b),
    "pow": ([(3, 4), (4,)], lambda lib, a, b: a**b),
    "mm": ([(3, 4), (4, 2)], lambda lib, a, b: a @ b),
    "mm_T": ([(3, 4), (2, 4)], lambda lib, a, b: a @ b.T),
    "mv": ([(3, 4), (4,)], lambda lib, a, b: a @ b),
    "linear": ([(3, 4), (2, 4)], lambda lib, a, b: _f(lib).linear(a, b)),
    "einsum": ([(3, 4), (4, 2)], lambda lib, a, b: lib.einsum("ij,jk->ik", a, b)),
    "maximum": ([(3, 4), (3, 4)], lambda lib, a, b: lib.maximum(a, b + 0.37)),
    "where": ([(3, 4), (3, 4)], lambda lib, a, b: lib.where(lib.tensor(np.eye(3, 4) > 0), a, b)),
    "cat": ([(3, 4), (2, 4)], lambda lib, a, b: lib.cat([a, b]) * 2.0),
    "ce": ([(3, 4), (4, 5)], lambda lib, a, b: _f(lib).cross_entropy(
        a @ b, lib.tensor(np.array([0, 3, 1])))),
    "exp": ([(3, 4)], lambda lib, a: a.exp()),
    "tanh": ([(3, 4)], lambda lib, a: a.tanh()),
    "sigmoid": ([(3, 4)], lambda lib, a: a.sigmoid()),
    "relu": ([(3, 4)], lambda lib, a: (a - 1.2).relu()),
    "sin": ([(3, 4)], lambda lib, a: a.sin()),
    "log": ([(3, 4)], lambda lib, a: a.log()),
    "sqrt": ([(3, 4)], lambda lib, a: a.sqrt()),
    "square": ([(3, 4)], lambda lib, a: a * a),
    "scale_T": ([(3, 4)], lambda lib, a: a.T * 3.0),
    "row": ([(3, 4)], lambda lib, a: a[1] * 3.0),
    "reshape": ([(3, 4)], lambda lib, a: a.reshape(-1) * 2.0),
    "sum": ([(3, 4)], lambda lib, a: a.sum(0)),
    "mean": ([(3, 4)], lambda lib, a: a.mean()),
    "softmax": ([(3, 4)], lambda lib, a: _f(lib).softmax(a, dim=-1)),
    "einsum1": ([(3, 4)], lambda lib, a: lib.einsum("ij->ji", a) * 2.0),
}
# sgd, isub: a leaf that requires grad; rec: a constant, by a write recorded (its operand
# requires grad: the constant becomes the result of that op)
WRITES = ("add_", "mul_", "data", "sgd", "isub", "rec")
TIMINGS = ("after", "retain")


def _write(lib, t, how: str) -> None:
    """Write leaf `t` in place as a user would between the forward and backward."""
    if how in ("sgd", "isub"):
        t.grad = lib.tensor(np.full(t.shape, 0.5)) if lib is torch else np.full(t.shape, 0.5)
    if how == "sgd":
        lib.optim.SGD([t], lr=0.1).step()
        return
    if how == "rec":
        t.mul_(lib.tensor(np.array(1.5), requires_grad=True))
        return
    with lib.no_grad():
        if how == "add_":
            t.add_(0.5)
        elif how == "mul_":
            t.mul_(1.5)
        elif how == "isub":
            t -= 0.1 * t.grad
        elif lib is torch:  # (torch's .data write does not count a version: its no_grad
            t.fill_(0.25)  # in-place write, which raises where the op saved t, is the rule)
        else:
            t.data[...] = 0.25


def _run(lib, op: str, needs: tuple[bool, ...], which: int, how: str, timing: str):
    """The leaves' gradients, or the error, of `op` on leaves (`needs`: which require grad)
    with leaf `which` written by `how` after the forward."""
    shapes, f = OPS[op]
    rng = np.random.default_rng(sorted(OPS).index(op))
    leaves = [lib.tensor(rng.uniform(0.5, 2.0, s), requires_grad=n) for s, n in zip(shapes, needs)]
    out = f(lib, *leaves)
    w = lib.tensor(rng.standard_normal(tuple(out.shape)))
    try:
        if timing == "retain":
            (out * w).sum().backward(retain_graph=True)
        _write(lib, leaves[which], how)
        (out * w).sum().backward()
    except (RuntimeError, ValueError) as e:
        return e
    return [np.asarray(t.grad.detach() if lib is torch else t.grad) if n else None
            for t, n in zip(leaves, needs)]


def _cases(op: str) -> list[tuple]:
    n = len(OPS[op][0])
    needs_all = [c for c in itertools.product([True, False], repeat=n) if any(c)]
    return [(needs, i, how, timing) for needs in needs_all for i in range(n)
            for how in WRITES if how in WRITES[:3] or needs[i] == (how != "rec")
            for timing in TIMINGS]


@pytest.mark.parametrize("op", list(OPS))
def test_a_write_after_the_forward_as_torch(op: str) -> None:
    for needs, i, how, timing in _cases(op):
        case = f"{op} needs={needs} write input {i} by {how}, backward {timing}"
        theirs, ours = _run(torch, op, needs, i, how, timing), _run(tg, op, needs, i, how, timing)
        if isinstance(theirs, Exception):
            assert "modified by an inplace operation" in str(theirs), (case, theirs)
            assert isinstance(ours, Exception), f"{case}: torch refuses, we gave {ours}"
            assert "\n" not in str(ours), case
            if how != "rec":  # (rec: the write's own refusals too, a view taken before)
                assert ("read-only" if how == "data" else "replaced by") in str(ours), (case, ours)
            continue
        assert not isinstance(ours, Exception), f"{case}: torch computes, we raised {ours}"
        for a, b in zip(ours, theirs):
            assert (a is None) == (b is None), case
            assert a is None or mismatch(a, b) is None, (case, mismatch(a, b))


def test_the_differential_ran_every_case() -> None:
    assert sum(len(_cases(op)) for op in OPS) > 600


@pytest.mark.parametrize("f", [lambda X, W: X @ W, lambda X, W: W * 3.0, lambda X, W: W.exp(),
                               lambda X, W: X @ W.T.T, lambda X, W: F.linear(X, W.T)],
                         ids=["mm", "times_constant", "exp", "view", "linear"])
def test_a_leaf_no_op_saved_stays_writable(f) -> None:
    X = tg.tensor(np.ones((3, 4)))
    W = tg.tensor(np.ones((4, 2)), requires_grad=True)
    y = f(X, W)
    assert W.data.flags.writeable  # (mm saved X for W's gradient; exp its result; W * 3 3.0)
    with tg.no_grad():
        W.add_(1.0)  # written in place, no copy: no graph saved W
    y.sum().backward()
    assert W.grad is not None


def test_a_leaf_an_op_saved_is_still_locked() -> None:
    X = tg.tensor(np.ones((3, 4)), requires_grad=True)
    W = tg.tensor(np.ones((4, 2)), requires_grad=True)
    y = X @ W  # X's gradient reads W
    assert not W.data.flags.writeable and not X.data.flags.writeable
    with tg.no_grad():
        W.add_(1.0)
    with pytest.raises(RuntimeError) as e:
        y.sum().backward()
    one_line(e, "MatMul", "replaced by")
    del y, e  # (the error's traceback holds the graph too)
    gc.collect()
    assert W.data.flags.writeable and X.data.flags.writeable  # unlocked with the graph


def _classifier_steps(lib, retain: bool):
    rng = np.random.default_rng(3)
    X = lib.tensor(rng.standard_normal((8, 5)))
    W = lib.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    opt = lib.optim.SGD([W], lr=0.1)
    loss = _f(lib).cross_entropy(X @ W.T, lib.tensor(rng.integers(0, 3, 8)))
    out = []
    for _ in range(3):  # the graph lives across the steps: mm saved X only, not W
        opt.zero_grad()
        loss.backward(retain_graph=True) if retain else None
        if not retain:
            _f(lib).cross_entropy(X @ W.T, lib.tensor(rng.integers(0, 3, 8))).backward()
        opt.step()
        out.append((W.detach().numpy() if lib is torch else W.data).copy())
    return out


@pytest.mark.parametrize("retain", [True, False])
def test_steps_while_a_graph_that_read_w_lives(retain: bool) -> None:
    for a, b in zip(_classifier_steps(tg, retain), _classifier_steps(torch, retain)):
        assert mismatch(a, b) is None


# the rows of a product h = x * 1.0 written in place with another row as the operand: the
# operand's op saved a constant, not h (the lead's three cases, refused before)
ROW_WRITES = {
    "isub_scaled_row": lambda h: h[0].sub_(h[2] * 2),
    "imul_exp_column": lambda h: h[:, 0].mul_(h[:, 1].exp()),
    "add_alpha_row": lambda h: h[0].add_(h[1], alpha=2),
}


def _row_write(lib, case: str):
    x = lib.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    h = x * 1.0
    ROW_WRITES[case](h)
    (h**2).sum().backward()
    return np.asarray(x.grad.detach() if lib is torch else x.grad)


@pytest.mark.parametrize("case", list(ROW_WRITES))
def test_a_row_written_with_another_row_as_torch(case: str) -> None:
    assert mismatch(_row_write(tg, case), _row_write(torch, case)) is None


def test_the_python_operator_spelling_of_a_row_write() -> None:
    def run(lib):
        x = lib.tensor(np.arange(12.0).reshape(4, 3) / 5, requires_grad=True)
        h = x * 1.0
        h[0] -= h[2] * 2
        h[:, 0] *= h[:, 1].exp()
        (h**2).sum().backward()
        return np.asarray(x.grad.detach() if lib is torch else x.grad)
    assert mismatch(run(tg), run(torch)) is None


class KeepsInput(tg.autograd.Function):
    """A user's op keeping its input as a ctx attribute beside what it saved."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(w)
        ctx.x = x
        return x * w

    @staticmethod
    def backward(ctx, g):
        (w,) = ctx.saved_tensors
        return g * w, g * ctx.x


def test_a_user_function_still_locks_every_leaf_it_read() -> None:
    x = tg.tensor(np.ones(3))  # a constant kept as ctx.x, not saved: locked the long way
    w = tg.tensor(np.ones(3), requires_grad=True)
    y = KeepsInput.apply(x, w)
    assert not x.data.flags.writeable
    with tg.no_grad():
        x.add_(1.0)  # (x gets a copy: ctx.x keeps the values the forward used)
    y.sum().backward()
    assert (x.data == 2.0).all() and (np.asarray(w.grad) == 1.0).all()


def test_saves_finds_the_memory_by_any_route() -> None:
    a = np.arange(12.0).reshape(3, 4)
    strided = np.lib.stride_tricks.sliding_window_view(a, (2, 2))  # (.base: no array)
    other = np.ones(3)
    assert saves((a.T,), a) and saves((a,), a[1]) and saves((None, [other, a[0]]), a)
    assert saves((strided,), a) and saves((other, a.reshape(-1)[2:]), a[0])
    assert not saves((other, None), a) and not saves((), a) and not saves((a.copy(),), a)


# ---- the whole op table, without torch: a write either raises or changes no gradient ---------
ROWS = [op for op in optable.OPS if op.sample is not None]


def _grads(op, arrays, kw, needs, write: int | None):
    leaves = [tg.tensor(a.copy(), requires_grad=n) for a, n in zip(arrays, needs)]
    out = op.test_call()(*leaves, **kw)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    outs = [o for o in outs if isinstance(o, tg.Tensor) and o.requires_grad]
    if not outs:
        return None
    if write is not None:
        with tg.no_grad():
            leaves[write].add_(0.5)
    sum(((o * 1.0).sum() for o in outs[1:]), (outs[0] * 1.0).sum()).backward()
    return [np.array(t.grad) if n and t.grad is not None else None for t, n in zip(leaves, needs)]


CHUNKS = [ROWS[i:i + 8] for i in range(0, len(ROWS), 8)]  # (one draw holds 8 rows' inputs)


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(len(CHUNKS)))
@settings(max_examples=1, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_op_of_the_table_raises_or_keeps_its_gradient(chunk: int, data) -> None:
    for op in CHUNKS[chunk]:
        arrays, kw = data.draw(op_inputs(op.sample), label=op.name)
        floats = [isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
        for needs in {tuple(floats), *(tuple(j == k for j in range(len(floats)))
                                        for k in range(len(floats)) if floats[k])}:
            _unchanged_or_raises(op, arrays, kw, needs)
        CHECKED.append(op.name)


CHECKED: list[str] = []


def _unchanged_or_raises(op, arrays, kw, needs) -> None:
    """Each input `needs` marks written after the forward: backward raises one line, or gives
    the gradient of the same graph unwritten."""
    try:
        with np.errstate(all="ignore"):
            want = _grads(op, arrays, kw, needs, None)
    except Exception:  # noqa: BLE001 (a call the draw does not suit: not this file's question)
        return
    if want is None:
        return
    for i in range(len(arrays)):
        if not needs[i] and not (isinstance(arrays[i], np.ndarray) and arrays[i].dtype.kind == "f"):
            continue
        try:
            with np.errstate(all="ignore"):
                got = _grads(op, arrays, kw, needs, i)
        except (RuntimeError, ValueError) as e:
            assert "\n" not in str(e), (op.name, i, e)
            continue
        for a, b in zip(got, want):
            assert (a is None) == (b is None) and (a is None or np.array_equal(
                a, b, equal_nan=True)), f"{op.name} {needs}: input {i} written, gradient changed"
