"""What a jitted step's Python reads by name, besides the numbers of 04fb851, is guarded too:
any object a closure variable or global it reads holds (an array, a tuple, an Enum member, a
str subclass, a Fraction, a helper function), the entries of a dict or plain object its code
names (`cfg["scale"]`, `cfg.scale`, a bound method's `self.scale` and `self.model`, a
classmethod's `cls.S`), its default arguments and a partial's keywords. Each was replayed as
recorded after it changed, without a word. Every case runs the step jitted and eagerly side
by side (fresh state for each) and compares every call's value and gradients bit for bit."""

from __future__ import annotations

import enum
import functools
import types
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.guards import same_scalar

X = np.arange(1.0, 7.0).reshape(2, 3)


def differential(make, change, calls=7, at=3):
    """make() -> (step function, its parameters, change(state)): the step run eagerly and
    jitted, each on a fresh make(), `change` applied before call `at`; the jit object."""
    seen = {}
    for mode in ("eager", "jit"):
        tg.manual_seed(0)
        fn, params, state = make()
        step = jit(fn, strict=True) if mode == "jit" else fn
        out = []
        for k in range(calls):
            if k == at:
                change(state)
            for p in params:
                p.grad = None
            try:
                v = step(X).data.tobytes()
            except NameError as e:  # (a variable deleted: the same error, eager and jitted)
                v = str(e)
            out.append((v, [None if p.grad is None else p.grad.tobytes() for p in params]))
        seen[mode] = (out, step)
    for k, (e, j) in enumerate(zip(seen["eager"][0], seen["jit"][0])):
        assert e == j, f"call {k}: eager {e[0]!r}, jit {j[0]!r}"
    return seen["jit"][1]


def param():
    return tg.Tensor(np.linspace(-1.0, 1.0, 3), requires_grad=True)


def scaled_by(W, s):
    out = (tg.Tensor(X) * W * s).sum()
    out.backward()
    return out


# ---- objects a global or closure variable holds, rebound: guarded by identity ----------------
class Mode(enum.Enum):
    SUM = 1
    MEAN = 2


class Level(enum.IntEnum):
    LOW = 2
    HIGH = 5


class Name(str):
    pass


def namespace(value):
    """A module-like namespace (a script or notebook cell) whose step reads global S."""
    g = {"tg": tg, "np": np, "Mode": Mode, "S": value, "W": param()}
    exec(  # noqa: S102 - our own source: a step defined in a notebook cell
        "def step(x):\n"
        "    y = tg.Tensor(x) * W\n"
        "    if isinstance(S, Mode):\n"
        "        out = y.sum() if S is Mode.SUM else y.mean()\n"
        "    elif isinstance(S, str):\n"
        "        out = y.sum() if S == 'sum' else y.mean()\n"
        "    elif isinstance(S, np.ndarray):\n"
        "        out = (y * tg.Tensor(S)).sum()\n"
        "    elif isinstance(S, tuple):\n"
        "        out = (y * S[0]).sum()\n"
        "    else:\n"
        "        out = (y * float(S)).sum()\n"
        "    out.backward()\n"
        "    return out\n", g)
    return g


REBOUND = [
    (np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0, 5.0])),  # Tensor(M): a new array
    ((2.0, 3.0), (5.0, 3.0)),
    (Mode.SUM, Mode.MEAN),
    (Level.LOW, Level.HIGH),
    (Name("sum"), Name("mean")),
    (Fraction(1, 2), Fraction(1, 3)),
    (Decimal("0.5"), Decimal("0.25")),
    (Decimal("0"), Decimal("-0")),  # float(): 0.0 and -0.0
    (np.array(2.0), np.array(5.0)),  # a 0-d array read by float()
]


@pytest.mark.parametrize("before, after", REBOUND,
                         ids=[f"{type(b).__name__}-{a!r}" for b, a in REBOUND])
def test_a_global_of_any_type_rebound_after_recording_is_seen(before, after):
    def make():
        g = namespace(before)
        return g["step"], [g["W"]], g

    step = differential(make, lambda g: g.__setitem__("S", after))
    assert step.rerecords == 1 and step.replays == 3


def test_a_closure_array_rebound_after_recording_is_seen():
    def make():
        W, m = param(), np.array([1.0, 2.0, 3.0])

        def step(x):
            out = (tg.Tensor(x) * W * tg.Tensor(m)).sum()
            out.backward()
            return out

        def set_m(v):
            nonlocal m
            m = v
        return step, [W], set_m

    step = differential(make, lambda set_m: set_m(np.full(3, 5.0)))
    assert step.rerecords == 1


def test_a_helper_redefined_or_rebound_after_recording_is_seen():
    def make():
        g = {"tg": tg, "W": param()}
        exec("def act(t):\n    return t * 2.0\n"  # noqa: S102 - a notebook's helper
             "def step(x):\n    out = act(tg.Tensor(x) * W).sum()\n"
             "    out.backward()\n    return out\n", g)
        return g["step"], [g["W"]], g

    def redefine(g):  # the notebook cell re-run with another body
        exec("def act(t):\n    return t.tanh()\n", g)  # noqa: S102
    differential(make, redefine)


# ---- entries of a dict or plain object the code names ---------------------------------------
def test_a_dict_entry_and_a_plain_objects_attribute_the_step_reads_are_seen():
    def make():
        W, V = param(), tg.Tensor(np.linspace(2.0, 3.0, 3), requires_grad=True)
        cfg = {"scale": 2.0}
        ns = types.SimpleNamespace(scale=3.0, epoch=0)
        params = {"w": W}

        def step(x):
            out = (tg.Tensor(x) * params["w"] * cfg["scale"] * ns.scale).sum()
            out.backward()
            return out
        return step, [W, V], (cfg, ns, params, V)

    def change(state):
        cfg, ns, params, V = state
        cfg["scale"] = 5.0
    differential(make, change)

    def change_ns(state):
        state[1].scale = 7.0
    differential(make, change_ns)

    def swap_param(state):  # a dict of tensors the step looks its parameters up in
        state[2]["w"] = state[3]
    differential(make, swap_param)


def test_entries_the_step_does_not_name_may_change_freely():
    """A dict or namespace the step reads, with other entries changing every call (a counter,
    a history): no recording afresh, no warning."""
    cfg = {"scale": 2.0, "step": 0}
    ns = types.SimpleNamespace(scale=3.0, epoch=0, history=[])
    W = param()

    def fn(x):
        out = (tg.Tensor(x) * W * cfg["scale"] * ns.scale).sum()
        out.backward()
        return out

    step = jit(fn, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(6):
            cfg["step"], ns.epoch = k, k
            ns.history.append(k)
            W.grad = None
            step(X)
    assert step.replays == 4 and step.rerecords == 0


class Scaler:
    scale = 2.0  # a class attribute, shadowed later by the object's own

    def __init__(self, model):
        self.model = model
        self.calls = 0

    def step(self, x):
        out = self.model(tg.Tensor(x)) * self.scale
        out.backward()
        return out

    @classmethod
    def class_step(cls, x):
        out = (tg.Tensor(x) * cls.W * cls.scale).sum()
        out.backward()
        return out


class Summed(nn.Module):
    def __init__(self, W):
        super().__init__()
        self.W = W

    def forward(self, x):
        return (x * self.W).sum()


def test_a_bound_method_of_a_plain_object_sees_self_change():
    def make():
        W, V = param(), tg.Tensor(np.linspace(2.0, 3.0, 3), requires_grad=True)
        s = Scaler(Summed(W))
        return s.step, [W, V], (s, V)

    differential(make, lambda st: setattr(st[0], "scale", 5.0))  # shadows Scaler.scale
    differential(make, lambda st: setattr(st[0], "model", Summed(st[1])))  # another model

    def counted(st):  # an attribute the step does not read: replays on
        st[0].calls += 1
    step = differential(make, counted)
    assert step.rerecords == 0 and step.replays == 5


def test_a_class_attribute_a_classmethod_step_reads_is_seen():
    class Holder(Scaler):
        W = param()
        scale = 2.0

    def make():
        Holder.scale = 2.0
        Holder.W = param()
        return Holder.class_step, [Holder.W], Holder

    differential(make, lambda h: setattr(h, "scale", 5.0))


# ---- defaults and partials -------------------------------------------------------------------
def test_defaults_and_keyword_defaults_changed_after_recording_are_seen():
    def make():
        W = param()

        def step(x, s=2.0, *, t=3.0):
            return scaled_by(W, s * t)
        return step, [W], step

    differential(make, lambda f: setattr(f, "__defaults__", (5.0,)))
    differential(make, lambda f: f.__kwdefaults__.__setitem__("t", 7.0))
    differential(make, lambda f: setattr(f, "__kwdefaults__", {"t": 7.0}))


def test_a_partials_keyword_changed_after_recording_is_seen():
    def make():
        W = param()
        cfg = types.SimpleNamespace(s=2.0)

        def fn(c, x, s):
            return scaled_by(W, s * c.s)
        step = functools.partial(fn, cfg, s=2.0)
        return step, [W], (step, cfg)

    differential(make, lambda st: st[0].keywords.__setitem__("s", 5.0))
    differential(make, lambda st: setattr(st[1], "s", 5.0))  # an argument's attribute


# ---- a name emptied or deleted: the eager error, not a guard's crash -------------------------
def test_an_emptied_closure_variable_gives_eagers_error():
    def make():
        W, s = param(), 2.0

        def step(x):
            return scaled_by(W, s)

        def kill():
            nonlocal s
            del s
        return step, [W], kill

    step = differential(make, lambda kill: kill())  # NameError both ways (was: ValueError
    assert step.replays == 1  # 'Cell is empty' out of the compiled guards)


def test_a_deleted_global_is_named_by_why_stale():
    g = namespace(2.0)
    step = jit(g["step"], strict=True)
    for _ in range(3):
        g["W"].grad = None
        step(X)
    plan = next(iter(step.cache.values()))
    g["W"].grad = None
    del g["S"]
    assert plan.stale([X])
    why = plan.guards.why_stale([X])
    assert "the global S of the step held 2.0 when recorded, now nothing (deleted)" in why
    with pytest.raises(NameError):
        step(X)


def test_same_scalar_of_values_with_signs_and_nans():
    assert not same_scalar(Decimal("0"), Decimal("-0"))  # float() tells them apart
    assert same_scalar(Decimal("NaN"), Decimal("NaN"))
    assert same_scalar(Decimal("sNaN"), Decimal("sNaN"))  # (== raises on a signaling NaN)
    assert same_scalar((1.0, "a", (2, None)), (1.0, "a", (2, None)))
    assert not same_scalar((0.0,), (-0.0,)) and not same_scalar((1,), (1.0,))
    assert same_scalar(Fraction(1, 2), Fraction(2, 4)) and not same_scalar(Fraction(1), 1)


# ---- the step behind a callable object, a decorator, a helper passed in ----------------------
class CallableStep:
    def __init__(self, W):
        self.w, self.s = W, 2.0

    def __call__(self, x):
        return scaled_by(self.w, self.s)


def test_an_object_with_its_own_call_sees_its_attributes_change():
    def make():
        W, V = param(), tg.Tensor(np.linspace(2.0, 3.0, 3), requires_grad=True)
        step = CallableStep(W)
        return step, [W, V], (step, V)

    differential(make, lambda st: setattr(st[0], "s", 5.0))
    differential(make, lambda st: setattr(st[0], "w", st[1]))  # another parameter


def timed(f):  # a decorator (functools.wraps): the wrapper holds the step in its closure
    @functools.wraps(f)
    def wrapper(*args):
        return f(*args)
    return wrapper


def test_a_decorated_step_and_a_helper_passed_in_read_globals_that_are_guarded():
    for how in ("decorated", "passed in"):
        def make(how=how):
            g = {"tg": tg, "W": param(), "S": 2.0, "timed": timed}
            exec("def act(t):\n    return t * S\n"  # noqa: S102 - a notebook cell
                 "def make(a):\n    def step(x):\n        out = a(tg.Tensor(x) * W).sum()\n"
                 "        out.backward()\n        return out\n    return step\n"
                 "@timed\ndef decorated(x):\n    out = (tg.Tensor(x) * W * S).sum()\n"
                 "    out.backward()\n    return out\n", g)
            fn = g["decorated"] if how == "decorated" else g["make"](g["act"])
            return fn, [g["W"]], g

        step = differential(make, lambda g: g.__setitem__("S", 5.0))
        assert step.rerecords == 1, how


def test_only_the_attributes_of_self_the_code_takes_are_guarded():
    """`self.model.loss(...)` takes `model` of self, not `loss`: a Trainer's own `self.loss`
    (a float the loop stores after each call) must not make every call record again."""
    from tinygrad_dl.models import TwoLayer

    class Trainer:
        def __init__(self):
            self.model = TwoLayer(3, 4, 2, lam=0.01, rng=np.random.default_rng(0))
            self.loss, self.lam = 0.0, 0.0

        def step(self, x, y):
            out = self.model.loss(x, y)
            out.backward()
            return out

    t = Trainer()
    step = jit(t.step, strict=True)
    y = np.array([0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(6):
            t.model.zero_grad()
            t.loss = float(step(X, y))  # the same names as the model's, on self
            t.lam = float(k)
    assert step.replays == 4 and step.rerecords == 0


def test_a_step_that_rebinds_what_it_reads_every_call_runs_eagerly_with_one_warning():
    """`self.last = out` in the step: a replay would leave the recorded tensor there."""
    W = param()

    class Keeper:
        last = None

        def step(self, x):
            self.last = scaled_by(W, 2.0)
            return self.last

    k = Keeper()
    step = jit(k.step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(10):  # (three recordings dropped in a row: eager from then on)
            W.grad = None
            out = step(X)
            assert k.last is out  # eager's: the tensor this call returned
    assert step.replays == 0 and len(caught) == 1
    assert "self.last holds another Tensor" in str(caught[0].message)
