"""The differences `tests/test_jit_differential.py`'s review (2026-12-02) found between a step
run eagerly and jitted, each a case of its harness that failed before its fix, and the limits
it found, documented in docs/jit.md ("What jit cannot see") and pinned here.

Fixed: a step that wrote a parameter's .grad (scaled, clipped, zeroed by hand) or reseeded the
default generator replayed without it; a returned parameter came back as a new Tensor without
its .grad; a returned graph that backward() could still go through came back without it
(backward() then raised only under jit); an array read through `W.detach()` was not guarded
against `W.data` rebound between calls; a view of one argument that was another argument's
memory (step(X, X.T), then B.T) was taken for that argument, which replay then read when the
two were independent arrays; detect_anomaly() or np.errstate() entered inside the step were not
in force in its replay (no error raised); and a model's accuracy() returned by the step (a
float from .data, the same in the two recorded calls of full-batch training) was replayed as
the recorded number (accuracy() reports its read; a float the step's own NumPy computes from
.data and returns is refused since 2026-12-03). Later: a layout made by the step
(np.ascontiguousarray(X), recorded with a C-ordered X, was replayed on a Fortran-ordered or
strided X as it is, where eager sums a C-ordered copy: other last bits).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from test_jit_differential import (
    BATCHES,
    calls,
    check,
    data,
    lin_loss,
    lin_step,
    linear,
    rebind_every_3,
    two_layer,
    zero,
)

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.models import KLayer, TwoLayer
from tinygrad_dl.ops import SumOfSquares

FIXED: dict[str, tuple] = {}


def case(expect: str, make=linear, batches=None, after=None):
    """A case of the harness (`test_jit_differential.case`) that failed before its fix."""
    def register(body):
        FIXED[body.__name__] = (expect, make, body, BATCHES if batches is None else batches,
                                after, True)
        return body
    return register


@case("replay")
@lin_step
def returns_a_parameter(X, y, W, b):  # was: a new Tensor without W's .grad
    (Tensor(X) @ W + b).sum().backward()
    return W, b


@case("eager")
@lin_step
def forward_only_step(X, y, W, b):  # was: replay's loss had no graph: backward() raised
    return F.cross_entropy(Tensor(X) @ W + b, y)


@case("eager")
@lin_step
def returns_a_graph_kept_by_retain_graph(X, y, W, b):
    loss = (Tensor(X) @ W + b).sum()
    loss.backward(retain_graph=True)
    return loss


def k_layer_default_generator() -> dict:
    net = KLayer(4, [6, 5], 3, dropout=0.3)  # dropout draws from the default generator
    return {"net": net, "params": net.parameters()}


@case("eager", make=k_layer_default_generator)
def manual_seed_inside_the_step(st):  # was: replay drew other dropout masks
    net = st["net"]

    def step(X, y):
        tg.manual_seed(7)
        loss = net.loss(X, y)
        loss.backward()
        return loss
    return step


@case("eager", after=zero)
@lin_step
def gradient_scaled_in_place(X, y, W, b):
    loss = (Tensor(X) @ W + b).sum()
    loss.backward()
    W.grad *= 0.5
    return loss


@case("eager", after=zero)
@lin_step
def gradient_clipped_by_hand(X, y, W, b):
    loss = (Tensor(X) @ W + b).sum()
    loss.backward()
    np.clip(W.grad, -0.5, 0.5, out=W.grad)
    return loss


@case("eager", after=zero)
@lin_step
def gradient_rebound(X, y, W, b):
    loss = (Tensor(X) @ W + b).sum()
    loss.backward()
    W.grad = W.grad * 0.5
    return loss


@case("eager")
@lin_step
def gradients_zeroed_by_hand_first(X, y, W, b):  # PyTorch's loop over p.grad.zero_()
    for p in (W, b):
        if p.grad is not None:
            p.grad.zero_()
    loss = (Tensor(X) @ W + b).sum()
    loss.backward()
    return loss


@case("rerecord", batches=calls(data, range(7)), after=rebind_every_3)
@lin_step
def parameter_read_detached_then_rebound(X, y, W, b):  # was: replay read the old W.data
    x = Tensor(X)
    loss = ((x @ W) * (x @ W.detach())).sum() + (x @ Tensor(W.data)).sum() + b.sum()
    loss.backward()
    return loss


SAME_FIRST_TWO = calls(data, [0, 0, 1, 2, 3])  # (full-batch training: every call alike)


@case("eager", make=two_layer, batches=SAME_FIRST_TWO, after=zero)
def accuracy_returned(st):  # was: replay returned the recorded accuracy, a float from .data
    net = st["net"]

    def step(X, y):
        loss = net.loss(X, y)
        loss.backward()
        return loss, net.accuracy(X, y)
    return step


def blows_up_from_call_3(s: int) -> tuple:
    X, y = data(s)
    if s >= 3:  # from the first replayed call on: log(0), inf
        X = np.zeros_like(X)
    return X, y


@case("eager", batches=calls(blows_up_from_call_3, range(5)), after=zero)
@lin_step
def detect_anomaly_inside_the_step(X, y, W, b):  # was: replay ran no checks (no AnomalyError)
    with tg.detect_anomaly():
        loss = ((Tensor(X) @ W + b) ** 2).log().sum()
        loss.backward()
    return loss


@case("eager", batches=calls(blows_up_from_call_3, range(5)), after=zero)
@lin_step
def np_errstate_inside_the_step(X, y, W, b):  # was: replay ran under the caller's (no raise)
    with np.errstate(divide="raise", invalid="raise"):
        loss = ((Tensor(X) @ W + b) ** 2).log().sum()
        loss.backward()
    return loss


@case("replay", batches=calls(lambda s: (data(s, n=8)[0], data(s, n=8)[0][2:])), after=zero)
@lin_step
def an_argument_inside_another_used_as_it_is(A, B, W, b):  # step(X, X[2:]): Tensor(B) is B
    loss = (Tensor(A) @ W).sum() + ((Tensor(B) @ W) ** 2).sum() + (Tensor(np.asarray(B)) @ W).sum()
    loss.backward()
    return loss


def view_then_independent(view: Callable) -> Callable[[int], tuple]:
    def f(s: int) -> tuple:
        X = data(s, n=8)[0]
        return (X, view(X)) if s < 2 else (X, view(data(s + 20, n=8)[0]))
    return f


for name, view, use in [("transpose", lambda X: X.T, lambda A, B: B.T),
                        ("slice", lambda X: X[2:], lambda A, B: A[2:]),
                        ("view", lambda X: X.view(), lambda A, B: B[:])]:
    def view_body(st, use=use):
        W = st["W"]

        def step(A, B):
            loss = (Tensor(A) @ W).sum() + ((Tensor(use(A, B)) @ W) ** 2).sum()
            loss.backward()
            return loss
        return step
    # was: replay read argument A for B.T (B.T was A's memory when recorded)
    FIXED[f"arguments_sharing_memory_{name}"] = ("eager", linear, view_body,
                                                 calls(view_then_independent(view), range(5)),
                                                 zero, True)


@pytest.mark.parametrize("name", sorted(FIXED))
def test_jitted_step_is_eager_or_warns(name):
    check(FIXED[name], name)


def test_the_fixes_are_all_here():
    assert len(FIXED) >= 15 and {c[0] for c in FIXED.values()} == {"replay", "rerecord", "eager"}


# ---- limits: documented in docs/jit.md, "What jit cannot see" ------------------------------------
def test_limit_a_returned_tensor_has_no_graph_after_replay():
    """A replayed step returns values: the loss it returns is a Tensor without a graph
    (requires_grad False, grad_fn None) where eager's is the output of a spent graph."""
    st = linear()
    step = jit(lin_loss(st), strict=True)
    outs = [step(*data(s)) for s in range(3)]
    assert step.replays == 1
    assert outs[1].requires_grad and outs[1].grad_fn is not None  # recorded: eager's
    assert not outs[2].requires_grad and outs[2].grad_fn is None  # replayed: a value


def test_limit_an_outside_array_with_an_arguments_memory_is_taken_for_it():
    """An array the step reads from outside (a global buffer) that is, when recorded, the
    very memory of an argument is taken for that argument: replay then reads the argument."""
    G = data(0, n=8)[0]
    W = Tensor(np.ones((4, 3)), requires_grad=True)

    def step(X):
        (Tensor(G[2:]) @ W).sum().backward()  # G[2:], not X

    f = jit(step)
    for _ in range(2):
        W.grad = None
        f(G[2:])
    W.grad = None
    f(np.zeros((6, 4)))  # eagerly W.grad would be G[2:]'s column sums; replay read X
    assert f.replays == 1 and not W.grad.any()


# ---- an argument's layout made by the step (was a limit): its strides are guarded -------------
RNG = np.random.default_rng(3)
XC = RNG.standard_normal((1000, 30))  # C order
XF = np.asfortranarray(XC)  # Fortran order: NumPy's column sums follow it (other last bits)
XS = np.asfortranarray(RNG.standard_normal((2000, 30)))[::2]  # strided: neither C nor F
X3 = RNG.standard_normal((1000, 30))  # another C-ordered array (replayed, not recorded)


def layout_run(make, order):
    """The step `make(X)` feeds to an op, jitted and eagerly, call by call over `order`: the
    returned losses (bit for bit), the replays, and the warnings."""
    w = Tensor(np.ones(30), requires_grad=True)

    def step(X):
        loss = (Tensor(make(X)) * w).sum(0).sum()
        loss.backward()
        return loss

    f = jit(step)
    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        for call, X in enumerate(order):
            w.grad = None
            replayed, g = f(X).item(), w.grad
            w.grad = None
            eager = step(X).item()
            assert replayed == eager and np.array_equal(g, w.grad), (
                f"call {call}: replay {replayed!r} != eager {eager!r}")
    return f, [str(h.message) for h in heard]


LAYOUT_CALLS = {
    "ascontiguousarray": np.ascontiguousarray,
    "asarray_order_C": lambda X: np.asarray(X, order="C"),
    "array_copy_None_order_C": lambda X: np.array(X, copy=None, order="C"),
    "astype_order_C_no_copy": lambda X: X.astype(X.dtype, order="C", copy=False),
    "transposed_contiguous_transposed": lambda X: np.ascontiguousarray(X.T).T,
}


@pytest.mark.parametrize("name", sorted(LAYOUT_CALLS))
def test_a_layout_made_by_the_step_C_then_F_then_C(name):
    """np.ascontiguousarray(X) copies nothing when recorded with a C-ordered X: the op's input
    was X itself. A later Fortran-ordered X of the same shape and dtype was replayed as it is
    (before the fix), where eager sums a C-ordered copy: other last bits. Now X's strides
    join the signature: each layout is recorded on its own (here the Fortran one is refused,
    a copy made inside the step, and runs eagerly), and C-ordered calls still replay."""
    assert (XF * 1.0).sum(0).sum() != XC.sum(0).sum()  # the layouts' sums differ
    make = LAYOUT_CALLS[name]
    first, other = (XF, XC) if name.startswith("transposed") else (XC, XF)
    f, heard = layout_run(make, [first, first, X3 if first is XC else np.asfortranarray(X3),
                                 other, other, other, first, first])
    assert f.replays == 3 and f.rerecords == 0
    assert len(heard) == 1 and "made inside the step" in heard[0]


def test_a_layout_made_by_the_step_strided_view():
    """A recording with C-ordered arguments, then a strided view (no copy: not contiguous)."""
    assert np.ascontiguousarray(XS).sum(0).sum() != XS.sum(0).sum()
    f, heard = layout_run(np.ascontiguousarray, [XC, XC, XS, XS, X3])
    assert f.replays == 1 and len(heard) == 1


def test_a_layout_made_by_the_step_reshape_of_a_non_contiguous_argument():
    """X.reshape(-1).reshape(X.shape) is X's memory for a C-ordered X, a C-ordered copy for a
    Fortran-ordered or strided one."""
    f, heard = layout_run(lambda X: X.reshape(-1).reshape(X.shape),
                          [XC, XC, XF, XF, XS, XS, X3])
    assert f.replays == 1 and len(heard) == 2  # (the Fortran and the strided layout refused)


def test_an_argument_used_as_it_is_has_no_layout_guard():
    """Tensor(X), X.view(np.ndarray), a model's own conversions: the argument as it is in any
    layout, so no strides guard (a replay checks shapes and dtypes only) and every layout
    replays the one recording."""
    f, heard = layout_run(lambda X: X.view(np.ndarray), [XC, XC, XF, XS, X3])
    assert f.replays == 3 and heard == [] and not f._layouts
    assert all(p.guards.layouts == () for p in f.cache.values())
    net = TwoLayer(30, 5, 3, lam=0.01, rng=np.random.default_rng(0))
    y = np.arange(1000) % 3
    step = jit(lambda X, y: net.loss(X, y).backward())
    for X in (XC, XC, XF):
        zero({"params": net.parameters()})
        step(X, y)
    assert step.replays == 1 and not step._layouts


def test_the_layout_guard_in_the_source_of_the_checks():
    """The guard is one strides comparison per such argument, in the compiled checks."""
    f, _ = layout_run(np.ascontiguousarray, [XC, XC, XC])
    (plan,) = f.cache.values()
    assert plan.guards.layouts == ((0, XC.strides),)
    for t in plan.guards.grad_none:
        t.grad = None
    assert plan.guards.why_stale([XF]).startswith("argument 0 has strides")
    assert plan.stale([XF]) and not plan.stale([X3])


def test_limit_np_require_hands_back_the_watched_argument_itself():
    """np.require(X, requirements="C") returns the step's watched X itself when it is C-ordered
    (NumPy's C, unseen): the recording takes it for X as it is, no strides guard, and a later
    Fortran-ordered X is replayed as it is where eager sums a C-ordered copy."""
    w = Tensor(np.ones(30), requires_grad=True)

    def step(X):
        loss = (Tensor(np.require(X, requirements="C")) * w).sum(0).sum()
        loss.backward()
        return loss

    f = jit(step, strict=True)
    for _ in range(2):
        f(XC)
    replayed = f(XF).item()
    assert f.replays == 1 and not f._layouts and replayed != step(XF).item()


def test_limit_numpys_warnings_about_a_value_nothing_reads(monkeypatch):
    """Replay does not compute what nothing reads (the cost, when the step does not return
    it), so NumPy's warning about it (an L2 penalty of exploding weights overflowing), which
    eager gives, does not come: the gradients are the same."""
    computed = []  # the L2 penalty's values computed: by eager calls, never by replay
    forward = SumOfSquares.forward
    monkeypatch.setattr(SumOfSquares, "forward", lambda ctx, *xs, **kw: computed.append(
        len(xs)) or forward(ctx, *xs, **kw))
    net = TwoLayer(4, 5, 3, lam=0.01, rng=np.random.default_rng(0))
    net.layers[2].W.data[:] = 1e200  # its sum of squares overflows; its gradient does not
    step = jit(lambda X, y: net.loss(X, y).backward(), strict=True)
    heard = []
    for s in range(3):
        zero({"params": net.parameters()})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            step(*data(s))
        heard.append([str(w.message) for w in caught])
    assert step.replays == 1 and all(np.isfinite(p.grad).all() for p in net.parameters())
    assert computed == [2, 2] and heard[2] == []  # (both weights, in the two eager calls)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.dot(np.full(2, 1e200), np.full(2, 1e200))
    if not caught:  # NumPy 2.4's np.dot warns of an overflow, NumPy 2.2's does not
        pytest.skip(f"NumPy {np.__version__}'s np.dot does not warn of an overflow, so no "
                    "warning is heard eagerly either (the replay's silence checked above)")
    assert "overflow" in " ".join(heard[1])


def test_a_float_computed_from_data_and_returned_is_refused():
    """A number the step's Python computes from `.data` (unreported) and returns: both
    recorded calls gave the same (full-batch training's accuracy, not trained between them),
    so replay returned that number for ever (this was a documented limit: the accuracy froze
    while eagerly it moved). Now a returned float that is not one of the call's arguments
    refuses replay: the step runs eagerly, with the right number every call."""
    W = Tensor(np.zeros((4, 3)), requires_grad=True)

    def step(X, y):
        logits = Tensor(X) @ W
        F.cross_entropy(logits, y).backward()
        return float(np.mean(logits.data.argmax(1) == np.asarray(y)))

    f = jit(step)
    X, y = data(0)
    accs, eager = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for lr in (0.0, 10.0, 10.0, 10.0):  # (not trained between the recorded calls)
            W.grad = None
            accs.append(f(X, y))
            W.grad = None
            eager.append(step(X, y))
            W.data -= lr * W.grad  # training outside the step changes the predictions
    assert f.replays == 0 and accs == eager and len(set(accs)) > 1
    assert [str(w.message) for w in caught if "cannot replay" in str(w.message)] == [
        f"jit: cannot replay step: it returns the Python float {accs[0]!r}, not one of its "
        "arguments: "
        "replay would return the recorded one; return a Tensor (W.sum().detach(), not "
        "float(W.data.sum())), or compute the number outside the step; running it eagerly"]
    with pytest.raises(tg.jit.JitError, match="returns the Python float"):
        W.grad = None
        jit(step, strict=True)(X, y)


def test_a_float_argument_returned_as_it_is_replays():
    """The refusal above spares the call's own float arguments (the signature fixes them):
    a step that hands back its learning rate or scale replays, and returns this call's."""
    W = Tensor(np.ones((4, 3)), requires_grad=True)

    def step(X, scale):
        ((Tensor(X) @ W) * scale).sum().backward()
        return scale, 3

    f = jit(step, strict=True)
    X, _ = data(0)
    out = []
    for s in (0.5, 0.5, 0.5, -0.0, -0.0, -0.0):
        W.grad = None
        out.append(f(X, s))
    assert f.replays >= 2
    assert [o[0] for o in out] == [0.5] * 3 + [-0.0] * 3
    assert all(np.signbit(o[0]) for o in out[3:]) and {o[1] for o in out} == {3}
