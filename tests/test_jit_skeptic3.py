"""A skeptic's probes of the replay's fast paths (2026-12-02 review): backwards written out
(`same_shape_backward`), ops not run forward at all ("direct"), the one generated entry and
its guards. Each step runs eagerly and jitted from the same state, call after call: the
jitted call gives eager's `.grad` bit for bit (replayed or recorded afresh), or refuses.

The first tests each failed before their fix: a replay that silently computed something else
than eager (an op's declarations inherited past a subclass's own methods, a wrong or
unchecked declaration, a parameter rebound inside the step)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, detect_anomaly, engine, ops
from tinygrad_dl.engine import Function, unbroadcast
from tinygrad_dl.grad import GradArray
from tinygrad_dl.jit import JitError, jit
from tinygrad_dl.jit.plan import Plan

R = np.random.default_rng(3)


def t(a, grad=True):
    return Tensor(np.asarray(a), requires_grad=grad)


def snapshot(params):
    return [(p.data, None if p.grad is None else p.grad.copy()) for p in params]


def restore(params, state):
    for p, (data, grad) in zip(params, state):
        p.data = data
        p.grad = None if grad is None else grad.copy().view(GradArray)


def same_as_eager(step, params, calls, before=lambda i: None):
    """`step(*calls[i])` eagerly, then jitted from the same state (data and .grad): the
    same .grad bits each call. Returns the jitted step."""
    jitted = jit(step, strict=True)
    for i, args in enumerate(calls):
        before(i)
        start = snapshot(params)
        step(*args)
        want = snapshot(params)
        restore(params, start)
        jitted(*args)
        for p, (_, e) in zip(params, want):
            if e is None:
                assert p.grad is None
            else:
                assert p.grad.dtype == e.dtype and p.grad.shape == e.shape
                assert p.grad.tobytes() == e.tobytes(), (i, p.grad, e)
        for p in params:
            p.grad = None
    return jitted


def plan_of(jitted):
    return next(v for v in jitted.cache.values() if type(v) is Plan)


# ---- bugs: each failed before its fix ------------------------------------------------------
class TwiceMul(ops.Mul):
    """Mul's forward and prepare, its own backward: inherits Mul.same_shape_backward."""

    def backward(ctx, g):
        x, y = ctx.saved
        return g * y * 2, g * x * 2


class ThriceAdd(ops.Add):
    def backward(ctx, g):
        return g * 3, g


class PassTanh(ops.Tanh):  # (its module has no `_ONE`: the parent's expression raised too)
    def backward(ctx, g):
        return g


@pytest.mark.parametrize("cls", [TwiceMul, ThriceAdd, PassTanh], ids=lambda c: c.__name__)
@pytest.mark.parametrize("where", ["root", "inside"])
def test_a_subclass_with_its_own_backward_is_called_not_its_parents_expressions(cls, where):
    x, w = t(R.standard_normal(4)), t(R.standard_normal(4))
    apply = (lambda: cls.apply(x * w)) if cls is PassTanh else (lambda: cls.apply(x, w))

    def step(g):
        y = apply()
        (y if where == "root" else y.tanh()).backward(g)

    same_as_eager(step, [x, w], [(R.standard_normal(4),) for _ in range(4)])


class Halved(Function):
    """Declares the expression of the identity; its backward halves: a wrong declaration."""

    same_shape_backward = ("g",)

    def forward(ctx, x):
        return x / 2

    def backward(ctx, g):
        return g / 2


def test_a_wrong_declaration_is_checked_and_not_written_out():
    x = t(R.standard_normal(4))
    jitted = same_as_eager(lambda: Halved.apply(x).tanh().sum().backward(), [x],
                           [()] * 4)
    assert "x = g\n" not in plan_of(jitted).source


def cos_saved():
    """sin, whose forward and prepare save cos(x) (not the input), and whose expression
    reads what they saved: right as declared, wrong where `{0}` is read as the input. (Made
    per test: test_jit_entry lists every Function subclass with a `prepare` it knows.)"""

    class CosSaved(Function):
        same_shape_backward = ("g * {0}",)

        def forward(ctx, x):
            ctx.saved = (np.cos(x),)
            return np.sin(x)

        def prepare(ctx, x):
            ctx.saved = (np.cos(x),)

        def backward(ctx, g):
            return g * ctx.saved[0]

    return CosSaved


@pytest.mark.parametrize("where", ["root", "inside"])
def test_an_unread_op_whose_prepare_saves_no_input_is_not_read_from_its_inputs(where):
    x, CosSaved = t(R.standard_normal(4)), cos_saved()

    def step(g):
        y = CosSaved.apply(x)
        (y if where == "root" else y + x).backward(g)

    same_as_eager(step, [x], [(R.standard_normal(4),) for _ in range(4)])


class DoubledSaves(ops.Mul):
    """Its own forward (saves 2x, 2y) and backward; inherits Mul.prepare (saves x, y)."""

    def forward(ctx, x, y):
        ctx.saved = (x * 2, y * 2)
        return x * y

    def backward(ctx, g):
        x, y = ctx.saved
        return unbroadcast(g * y, x.shape), unbroadcast(g * x, y.shape)


def test_a_parents_prepare_is_not_run_for_a_subclasss_own_forward():
    x, b = t(R.standard_normal((3, 4))), t(R.standard_normal(4))  # (broadcast: not written out)
    same_as_eager(lambda g: DoubledSaves.apply(x, b).backward(g), [x, b],
                  [(R.standard_normal((3, 4)),) for _ in range(4)])


class DoubledLinear(ops.Linear):
    """Its own backward; inherits Linear.backward_into (the parent's gradients)."""

    def backward(ctx, g):
        return tuple(None if a is None else a * 2 for a in super().backward(g))


def test_a_parents_backward_into_is_not_called_for_a_subclasss_own_backward():
    X = Tensor(R.standard_normal((5, 4)))
    W, b = t(R.standard_normal((3, 4))), t(R.standard_normal(3))
    same_as_eager(lambda: DoubledLinear.apply(X, W, b).sum().backward(), [W, b], [()] * 5)


@pytest.mark.parametrize("how", ["rebound", "written in place", "rebound between its ops"])
def test_a_parameter_updated_by_hand_inside_the_step_is_refused(how):
    a, b = t(np.ones(3)), t(np.full(3, 2.0))

    def step():
        (a * b).sum().backward()
        if how == "rebound":
            a.data = a.data - 0.1 * a.grad
        elif how == "written in place":
            a.data -= 0.1 * a.grad
        else:
            a.data = a.data - 0.1 * a.grad
            (a * b).sum().backward()
        a.grad = b.grad = None

    jitted = jit(step, strict=True)
    with pytest.raises(JitError, match="rebinds or writes a parameter's .data"):
        for _ in range(3):
            jitted()
    assert jitted.replays == 0


# ---- probes that held: kept so that they keep holding ---------------------------------------
def test_a_parameter_swapped_between_replays_for_another_shape_or_dtype():
    x, w = t(R.standard_normal(4)), t(R.standard_normal(4))
    swaps = {2: R.standard_normal(4).astype(np.float32), 4: R.standard_normal(5),
             6: R.standard_normal(5)}

    def before(i):
        if i in swaps:
            w.data = swaps[i]
            x.data = R.standard_normal(w.data.shape).astype(w.data.dtype)

    jitted = same_as_eager(lambda: ((x * w).tanh() + x).sum().backward(), [x, w],
                           [()] * 9, before)
    assert jitted.replays and jitted.rerecords


@pytest.mark.parametrize("case", ["read-only seed", "broadcast seed", "0-d", "empty",
                                  "float16", "float16 and float64", "y+y", "y*y",
                                  "two consumers", "two backwards", "tensor subclass"])
def test_edge_values_replay_as_eager(case):
    x, w = t(R.standard_normal(4)), t(R.standard_normal(4))
    params, calls = [x, w], [()] * 4
    if case in ("read-only seed", "broadcast seed"):
        seed = np.broadcast_to(np.float64(2.0), (4,)) if case == "broadcast seed" else \
            R.standard_normal(4)
        seed.flags.writeable = False

        def step():
            (x + w).backward(seed)
            (x * w).backward(seed)
    elif case in ("0-d", "empty", "float16", "float16 and float64"):
        if case == "0-d":
            x, w = t(1.5), t(-0.5)
        elif case == "empty":
            x, w = t(np.zeros((0, 3))), t(np.zeros((0, 3)))
        else:
            x = t(R.standard_normal(4).astype(np.float16))
            if case == "float16":
                w = t(R.standard_normal(4).astype(np.float16))
        params = [x, w]

        def step():
            ((x * w).tanh() + x * w + x).sum().backward()
    elif case == "y+y":
        def step():
            y = x * w
            (y + y).tanh().sum().backward()
    elif case == "y*y":
        def step():
            y = (x + w).tanh()
            (y * y).sum().backward()
    elif case == "two consumers":
        def step():
            y = x * w
            (y.tanh() * y + y.exp()).sum().backward()
    elif case == "two backwards":
        def step():
            (x * w).sum().backward()
            (x + w).tanh().sum().backward()
    else:
        class Sub(Tensor):
            pass

        x, w = Sub(R.standard_normal(4), requires_grad=True), \
            Sub(R.standard_normal(4), requires_grad=True)
        params = [x, w]

        def step():
            (x * w + x).tanh().sum().backward()
    jitted = same_as_eager(step, params, calls)
    assert jitted.replays == 2


def test_a_seed_argument_aliased_by_a_parameter_and_written_between_replays():
    x, w = t(R.standard_normal(4)), t(R.standard_normal(4))
    g = R.standard_normal(4)

    def before(i):  # the caller writes into the argument between calls
        g[:] = R.standard_normal(4)

    same_as_eager(lambda g: (x * w + x).backward(g), [x, w], [(g,)] * 5, before)
    with pytest.raises(JitError, match="a step input requires grad"):  # the seed is x's
        same_as_eager(lambda g: (x * w).backward(g), [x, w], [(x.data,)] * 4)


def test_anomaly_mode_between_replays_runs_eagerly_with_the_same_numbers():
    x, w = t(R.standard_normal(4)), t(R.standard_normal(4))
    step = lambda: (x * w + x).tanh().sum().backward()  # noqa: E731
    jitted = same_as_eager(step, [x, w], [()] * 3)
    n = jitted.replays
    start = snapshot([x, w])
    step()
    want = x.grad.copy()
    restore([x, w], start)
    with detect_anomaly():
        jitted()
    assert jitted.replays == n and x.grad.tobytes() == want.tobytes()


def test_a_strided_gradient_through_matmul_replays_as_eager():
    X = Tensor(R.standard_normal((6, 5)))
    W, V = t(R.standard_normal((5, 4))), t(R.standard_normal((4, 3)))

    def step():
        h = (X @ W).tanh()  # the gradient reaching X @ W: a product of a transposed view
        ((h @ V).T * 2.0).sum().backward(retain_graph=True)
        (h[::2] @ V).sum().backward()  # strided rows

    same_as_eager(step, [W, V], [()] * 4)


P, D, G_0, q0, r0, x = 2.0, 3.0, 4.0, 5.0, 6.0, 7.0  # names the generated code also uses


class Clash(Function):
    """An expression over module globals named as the compiled code's own names."""

    same_shape_backward = ("g * (P + D + G_0 + q0 + r0 + x)",)

    def forward(ctx, a):
        return a * (P + D + G_0 + q0 + r0 + x)

    def backward(ctx, g):
        return g * (P + D + G_0 + q0 + r0 + x)


def test_expression_names_that_clash_with_generated_names():
    w = t(R.standard_normal(4))
    jitted = same_as_eager(lambda: Clash.apply(w * w).tanh().sum().backward(), [w], [()] * 4)
    assert "x = g * (P_" in plan_of(jitted).source


def test_engine_backward_with_a_numpy_scalar_seed_on_a_0d_product():
    x, w = t(1.5), t(-0.25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same_as_eager(lambda g: engine.backward(x * w + x, g), [x, w],
                      [(np.asarray(2.0),)] * 4)


def noisy(source):
    """x * a mask drawn in forward from `source` (the default generator or NumPy's global
    stream), declared as written out: the check of the declaration runs it once per plan."""
    from tinygrad_dl.random import default_generator

    class Noisy(Function):
        same_shape_backward = ("g * {0}",)

        def forward(ctx, x):
            shape = x.shape
            mask = (default_generator.rng.uniform(size=shape) if source == "default"
                    else np.random.uniform(size=shape))
            ctx.saved = (mask,)
            return x * mask

        def backward(ctx, g):
            return g * ctx.saved[0]

    return Noisy


@pytest.mark.parametrize("source", ["default", "numpy global"])
def test_checking_a_declaration_draws_nothing_from_the_random_streams(source):
    """A jitted run draws the same masks as an eager run from the same seed: before, the
    check of the expressions ran forward once more and shifted the stream."""
    from tinygrad_dl.random import manual_seed

    Noisy, x = noisy(source), t(R.standard_normal(4))

    def step():
        Noisy.apply(x).tanh().sum().backward()

    runs = []
    for f in (step, jit(step, strict=True)):
        manual_seed(5)
        np.random.seed(5)
        grads = []
        for _ in range(5):
            x.grad = None
            f()
            grads.append(x.grad.tobytes())
        runs.append(grads)
    assert runs[0] == runs[1]
