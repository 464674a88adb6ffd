"""What the compiled replay writes out instead of calling (tinygrad_dl.jit.compiled): an
op's backward as its expressions (`same_shape_backward`: Mul's products, Tanh's, Add's pass
through) at the root and inside the graph, the value nobody reads, and one entry function with
the checks and the steps, sharing the plan's kept arrays. Each case runs next to eager, bit
for bit, from the same `.grad` state."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from tinygrad_dl import Tensor, engine, ops
from tinygrad_dl.engine import Function
from tinygrad_dl.grad import GradArray
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.plan import Plan


def twin_runs(step, params, args, calls=5):
    """`step` eagerly and jitted from the same .grad state each call: .grad bit for bit."""
    jitted = jit(step, strict=True)
    for _ in range(calls):
        start = [None if p.grad is None else p.grad.copy() for p in params]
        step(*args)
        want = [None if p.grad is None else p.grad.copy() for p in params]
        for p, s in zip(params, start):
            p.grad = None if s is None else s.copy().view(GradArray)
        jitted(*args)
        for p, e in zip(params, want):
            if e is None:
                assert p.grad is None
            else:
                assert type(p.grad) is GradArray and p.grad.dtype == e.dtype
                assert p.grad.tobytes() == e.tobytes() and p.grad.shape == e.shape
        for p in params:
            p.grad = None
    assert jitted.replays == calls - 2
    plan = next(v for v in jitted.cache.values() if type(v) is Plan)
    return jitted, plan.source


def inlined(src):
    """Whether a product of the seed is written out (`x = g * r3`, `x = g * q1`)."""
    return bool(re.search(r"^ +x = g \* \w+$", src, re.M))


def t(a, grad=True):
    return Tensor(np.asarray(a), requires_grad=grad)


R = np.random.default_rng(0)


def test_the_root_product_is_written_out_and_matches_eager():
    x, w = t(R.standard_normal(4)), t(R.standard_normal(4))
    g = R.standard_normal(4)
    _, src = twin_runs(lambda g: (x * w).backward(g), (x, w), (g,))
    assert inlined(src) and not re.search(r"= b\d+\(g\)", src)  # no call of Mul.backward
    # the products read the parameters' registers: no prepare, no ctx, nothing to release
    assert not re.search(r"\bf\d+\(|\.saved|\bc\d+\(\)", src)


@pytest.mark.parametrize("case", ["broadcast", "not root", "one constant", "an op's output",
                                  "a seed of another shape", "x*x", "0-d",
                                  "mixed dtypes", "retain_graph"])
def test_each_product_replays_as_eager_computes_it(case):
    x, w = t(R.standard_normal((3, 4))), t(R.standard_normal((3, 4)))
    g = R.standard_normal((3, 4))
    params, expect_inline = (x, w), True
    if case == "broadcast":  # w (4,): its gradient summed back: the backward is called
        w = t(R.standard_normal(4))
        params, expect_inline = (x, w), False

        def step(g):
            (x * w).backward(g)
    elif case == "not root":  # the gradient comes from sum's backward: its product's shape

        def step(g):
            (x * w).sum().backward()
    elif case == "one constant":  # only w's gradient
        c = Tensor(R.standard_normal((3, 4)))
        params = (w,)

        def step(g):
            (c * w).backward(g)
    elif case == "an op's output":  # exp's value: read from what Mul's prepare saved
        params = (x, w)

        def step(g):
            (x * w.exp()).backward(g)
    elif case == "a seed of another shape":  # engine.backward takes it: summed back
        g, expect_inline = R.standard_normal((2, 3, 4)), False

        def step(g):
            engine.backward(x * w, g)
    elif case == "x*x":  # one key sent two products: the second added into the first
        params = (x,)

        def step(g):
            (x * x).backward(g)
    elif case == "0-d":  # NumPy scalars out of the products
        x, w, g = t(1.5), t(-0.25), np.asarray(3.0)
        params = (x, w)

        def step(g):
            (x * w).backward(g)
    elif case == "mixed dtypes":  # float64 gradients into float32 parameters: cast at store
        x = t(R.standard_normal((3, 4)).astype(np.float32))
        params = (x, w)

        def step(g):
            (x * w).backward(g)
    else:  # two backwards through one graph: the second adds into the first's .grad

        def step(g):
            y = x * w
            y.backward(g, retain_graph=True)
            y.backward(g)
    _, src = twin_runs(step, params, (g,))
    assert inlined(src) == expect_inline
    if case == "an op's output":
        assert re.search(r"= C\d+\.saved", src) and re.search(r"^ +f\d+\(", src, re.M)


def written(src):
    """How many gradients are written out, by kind: Tanh's, passed through (Add's: `x = g`, or
    as the key's first gradient `g5 = g; o5 = False`), products."""
    # (Tanh's over what forward saved, q0, or over its value's register, r7, where its
    # forward is written out too, or rows of its factor over a concatenation: g * r9[2:3])
    return (len(re.findall(r"^ +x = g \* \(_ONE_\d+\[(q0|r\d+)\.dtype\] - \1 \* \1\)$", src,
                           re.M)) + len(re.findall(r"^ +x = g \* r\d+\[\d+:\d+\]$", src, re.M)),
            len(re.findall(r"^ +(?:x = g|g\d+ = g; o\d+ = False)$", src, re.M)),
            len(re.findall(r"^ +x = g \* \w+$", src, re.M)))


@pytest.mark.parametrize("case", ["rnn", "two consumers", "x+x", "broadcast add",
                                  "broadcast mul", "mixed dtypes", "0-d", "one constant",
                                  "value unread", "retain_graph"])
def test_backwards_inside_the_graph_replay_as_eager_computes_them(case):
    """Tanh, Add and Mul written out where they are not the root: the gradient reaching them
    has their output's shape (recorded), so only their inputs' shapes decide."""
    x, w = t(R.standard_normal((3, 4))), t(R.standard_normal((3, 4)))
    params = (x, w)
    if case == "rnn":  # three steps of h = tanh(a_t + h W), h read by the next step and cat
        W, A = t(R.standard_normal((4, 4)) * 0.5), t(R.standard_normal((3, 4)))
        params, expect, h0 = (W, A), (3, 6, 0), Tensor(np.zeros((1, 4)))

        def step():
            h, hs = h0, []
            for i in range(3):
                h = (A[i:i + 1] + h @ W).tanh()
                hs.append(h)
            (ops.Concatenate.apply(*hs, axis=0) * 2.0).sum().backward()
    elif case == "two consumers":  # h's gradient from a product and a sum, then Tanh's
        expect = (1, 2, 4)

        def step():
            h = (x * w).tanh()
            (h * h + h).sum().backward()
    elif case == "x+x":  # one key sent g twice: the second added into a new array
        params, expect = (x,), (1, 2, 0)

        def step():
            (x + x).tanh().sum().backward()
    elif case == "broadcast add":  # b (4,): its gradient summed back, written out too (Add's
        b = t(R.standard_normal(4))  # `shaped_backward`: x's g, b's np.add.reduce(g, 0))
        params, expect = (x, b), (1, 1, 0)

        def step():
            (x + b).tanh().sum().backward()
    elif case == "broadcast mul":  # likewise the product; the tanh below it is written out
        b = t(R.standard_normal(4))
        params, expect = (x, b), (1, 0, 0)

        def step():
            (x * b).tanh().sum().backward()
    elif case == "mixed dtypes":  # float32 x: float64 gradients through, cast at the store
        x = t(R.standard_normal((3, 4)).astype(np.float32))
        params, expect = (x, w), (2, 2, 2)

        def step():
            (x.tanh() * w + x).tanh().sum().backward()
    elif case == "0-d":  # NumPy scalars out of the expressions: through the engine's `_add`
        x, w = t(0.5), t(-1.25)
        params, expect = (x, w), (1, 2, 4)

        def step():
            ((x * w).tanh() + x * w).sum().backward()
    elif case == "one constant":  # c needs no gradient: only w's expression is written
        c = Tensor(R.standard_normal((3, 4)))
        params, expect = (w,), (1, 1, 0)

        def step():
            (c + w).tanh().sum().backward()
    elif case == "value unread":  # x*w and x+w: `prepare` not run, registers read directly
        expect, seed = (0, 4, 2), R.standard_normal((3, 4))

        def step():
            (x * w + (x + w)).backward(seed)
    else:  # two backwards through one graph: what forward saved is let go after the second
        expect = (2, 4, 4)

        def step():
            y = (x * w + x).tanh().sum()
            y.backward(retain_graph=True)
            y.backward()
    jitted, src = twin_runs(step, params, ())
    assert written(src) == expect, src
    if case == "value unread":
        assert not re.search(r"\.saved|^ +f\d+\(r4, r5\)", src, re.M)
    plan = next(v for v in jitted.cache.values() if type(v) is Plan)
    # what forward saved is let go of after the (last) backward: no ctx keeps an array
    # (an op's ctx the plan does not call is not kept at all: None in plan.ctxs)
    assert all(c is None or not vars(c) for c in plan.ctxs)


def _declared():
    return [c for c in map(lambda n: getattr(ops, n), ops.__all__)
            if isinstance(c, type) and "same_shape_backward" in vars(c)]


@pytest.mark.parametrize("cls", _declared(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"),
                                    ("float32", "float64"), ("0-d", "float64")])
def test_declared_expressions_are_the_backward(cls, dtypes):
    """Each op's `same_shape_backward`, evaluated as the plan writes it (over g and
    ctx.saved, all unpacked), gives backward's arrays bit for bit where the inputs and g
    have the output's shape, in every dtype mix: a backward changed without its expressions
    fails here."""
    exprs = cls.same_shape_backward
    dt, gdt = dtypes
    shape = () if dt == "0-d" else (3, 5)
    dt = "float64" if dt == "0-d" else dt
    xs = [np.asarray(R.uniform(0.5, 2.0, shape)).astype(dt) for _ in exprs]
    ctx = cls()
    ctx.needs_input_grad = [True] * len(exprs)
    out = ctx.forward(*xs)
    g = np.asarray(R.standard_normal(np.shape(out))).astype(gdt)
    want = ctx.backward(g)
    want = want if type(want) is tuple else (want,)
    saved = getattr(ctx, "saved", ())
    n = max((int(f) for e in exprs for f in re.findall(r"\{(\d+)\}", e)), default=-1) + 1
    assert len(saved) == n  # (the plan unpacks them all: `q0, q1, = C.saved`)
    for e, ref in zip(exprs, want):
        names = {**vars(sys.modules[cls.__module__]), "g": g, "saved": saved}
        got = eval(e.format(*[f"saved[{i}]" for i in range(n)]), names)  # noqa: S307
        assert type(got) is type(ref) and np.asarray(got).dtype == np.asarray(ref).dtype
        assert np.asarray(got).tobytes() == np.asarray(ref).tobytes()
    if hasattr(cls, "prepare"):  # read in place of saved (`direct`): the inputs, in order
        p = cls()
        p.prepare(*xs)
        assert all(a is b for a, b in zip(getattr(p, "saved", xs), xs)) and n <= len(xs)


TWO = np.float64(2.0)
casting = "unsafe"  # a global named as the keyword the expression passes: not bound to it


class Double(Function):
    """2x, whose expression names this module's globals (as Tanh's names `_ONE`)."""

    same_shape_backward = ('np.multiply(g, TWO, casting="same_kind")',)

    def forward(ctx, x):
        return x * TWO

    def backward(ctx, g):
        return np.multiply(g, TWO, casting="same_kind")


def test_an_expression_reads_its_modules_globals_but_not_keywords():
    x = t(R.standard_normal((3, 4)))
    _, src = twin_runs(lambda: Double.apply(x).tanh().sum().backward(), (x,), ())
    assert re.search(r'^ +x = np_\d+\.multiply\(g, TWO_\d+, casting="same_kind"\)$', src,
                     re.M), src


# ---- forwards written out (`same_shape_forward`) ---------------------------------------------
FORWARD = re.compile(r"^ +r\d+ = (r\d+ [*+] r\d+|np_\d+\.tanh\(r\d+\))$", re.M)


@pytest.mark.parametrize("cls", [c for c in _declared() if "same_shape_forward" in vars(c)],
                         ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"),
                                    ("float32", "float64"), ("0-d", "float64")])
def test_declared_forwards_are_the_forward(cls, dtypes):
    """Each op's `same_shape_forward` gives forward's value bit for bit, and what forward
    saved is its inputs or that value, the very objects (what the plan then reads)."""
    from tinygrad_dl.jit.declared import forward_saves

    shape = () if dtypes[0] == "0-d" else (3, 5)
    dts = tuple("float64" if d == "0-d" else d for d in dtypes)[:len(cls.same_shape_backward)]
    xs = [np.asarray(R.uniform(-2.0, 2.0, shape)).astype(d) for d in dts]
    ctx = cls()
    ctx.needs_input_grad = [True] * len(xs)
    out = ctx.forward(*xs)
    got = eval(cls.same_shape_forward.format(*[f"xs[{i}]" for i in range(len(xs))]),  # noqa: S307
               {**vars(sys.modules[cls.__module__]), "xs": xs})
    assert type(got) is type(out) and np.asarray(got).tobytes() == np.asarray(out).tobytes()
    where = forward_saves(cls, cls.same_shape_forward, dts, {})
    assert where is not None
    assert all((a is out) if j is None else (a is xs[j]) for a, j in zip(ctx.saved if
               hasattr(ctx, "saved") else (), where))


def test_an_rnn_s_adds_and_tanhs_are_written_out_forward_and_backward():
    A, W = t(R.standard_normal((5, 4))), t(R.standard_normal((4, 4)) * 0.5)

    def step():
        h = Tensor.zeros(1, 4)
        hs = []
        for i in range(5):
            h = (A[i:i + 1] + h @ W).tanh()
            hs.append(h)
        (hs[-1] * hs[1]).sum().backward()  # a product of two op outputs: both kept for it

    jitted, src = twin_runs(step, (A, W), ())
    assert len(FORWARD.findall(src)) == 11  # 5 adds, 5 tanhs, the product
    assert not re.search(r"\.saved", src)  # their backwards read the registers
    plan = next(v for v in jitted.cache.values() if type(v) is Plan)
    assert all(c is None or not vars(c) for c in plan.ctxs)
    assert not any(type(c) in (ops.Tanh, ops.Mul, ops.Add) for c in plan.ctxs)


class ScaledMul(ops.Mul):
    """Mul's backward and declarations, its own forward: inherits neither expression."""

    def forward(ctx, x, y):
        ctx.saved = (x, y)
        return x * y * 0.5


class WrongForward(ops.Mul):
    same_shape_forward = "{0} * {1} + {0}"  # its own, and not what forward computes


class SavesACopy(ops.Mul):
    same_shape_backward = ops.Mul.same_shape_backward
    same_shape_forward = ops.Mul.same_shape_forward

    def forward(ctx, x, y):
        ctx.saved = (x.copy(), y)  # equal to x, not x: the plan must not read x's register
        return x * y


@pytest.mark.parametrize("cls", [ScaledMul, WrongForward, SavesACopy], ids=lambda c: c.__name__)
def test_a_forward_that_is_not_its_expression_is_called(cls):
    x, w = t(R.standard_normal((3, 4))), t(R.standard_normal((3, 4)))

    def step():
        y = x + w  # op 0, written out; the op under test is op 1
        cls.apply(y, w).sum().backward()

    _, src = twin_runs(step, (x, w), ())
    # the Add written out, the op's forward called on it
    assert re.search(r"^ +(r\d+) = r\d+ \+ r\d+\n +r\d+ = f\d+\(\1, ", src, re.M), src


class Minus(Function):
    """x - y with its operands swapped in its forward expression: equal samples would hide it."""

    same_shape_backward = ("g", "-g")
    same_shape_forward = "{1} - {0}"

    def forward(ctx, x, y):
        return x - y

    def backward(ctx, g):
        return g, -g


def test_a_forward_expression_with_its_operands_swapped_is_called():
    x, w = t(R.standard_normal((3, 4))), t(R.standard_normal((3, 4)))

    def step():
        (Minus.apply(x, w) * Minus.apply(x, w)).sum().backward()

    _, src = twin_runs(step, (x, w), ())
    assert len(re.findall(r"^ +r\d+ = f\d+\(r\d+, r\d+\)$", src, re.M)) == 2, src


class _ReadOnlyResults(np.ndarray):
    """An ndarray subclass whose arithmetic hands back read-only plain arrays: the one way a
    written-out expression's result could be other than a new writeable array."""

    def __array_wrap__(self, obj, context=None, return_scalar=False):
        out = obj.view(np.ndarray).copy()
        out.flags.writeable = False
        return out


def test_an_expression_s_result_is_ours_without_reading_its_flags_and_stays_right():
    # the compiled lines take a written-out expression's result that is no view as ours (to
    # add into) without reading its flags; a parameter's array of a subclass that returns
    # read-only results must still give eager's gradients, bit for bit, or raise
    x = Tensor(np.linspace(0.5, 2.0, 4), requires_grad=True)
    w = Tensor(np.zeros(4), requires_grad=True)
    w.data = np.linspace(-1.0, 1.0, 4).view(_ReadOnlyResults)

    def step(g):
        y = x * w
        (y * w + y * x).sum().backward()

    twin_runs(step, [x, w], (np.ones(4),))
    lines = Plan.__dict__["source"].fget  # the written-out test, for the common case
    jitted = jit(lambda g: (x * w).backward(g), strict=True)
    for _ in range(3):
        x.grad = w.grad = None
        jitted(np.ones(4))
    (plan,) = jitted.cache.values()
    assert "o1 = x is not g and x.base is None\n" in lines(plan) + "\n"
