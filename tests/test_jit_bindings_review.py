"""A skeptic's review of the guards on what a jitted step reads by name (jit/bindings.py,
04fb851 and b1f36e5) and of the constructors made literals (e7a5eb1). Each test failed before
its fix: a script's `loss = step(X, y)` beside `model.loss(...)` ran every call eagerly with a
warning; a counter the step bumps (`self.calls += 1`, `st["n"] += 1`), a `cfg.get("lam")`, an
entry of an OrderedDict / defaultdict / dict subclass were replayed stale without a word; a
global proxy whose `__getattr__` raises KeyError crashed the recording; a literal the step
filled with data through `.data` (`buf = tg.empty(3); buf.data[:] = X`) was replayed frozen."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

X = np.arange(1.0, 4.0)


def param():
    return tg.Tensor(np.linspace(-1.0, 1.0, 3), requires_grad=True)


def differential(make, change=lambda state: None, calls=7, at=3, data=None):
    """make() -> (step, its parameters, state): run eagerly and jitted on fresh make()s,
    `change(state)` before call `at`, data(k) the argument of call k; every value and
    gradient compared bit for bit. Returns the jit object and the jitted run's state."""
    seen = {}
    for mode in ("eager", "jit"):
        tg.manual_seed(0)
        fn, params, state = make()
        step = jit(fn) if mode == "jit" else fn
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for k in range(calls):
                if k == at:
                    change(state)
                for p in params:
                    p.grad = None
                v = step(X if data is None else data(k))
                out.append((v.data.tobytes(), [p.grad.tobytes() for p in params]))
        seen[mode] = (out, step, state)
    for k, (e, j) in enumerate(zip(seen["eager"][0], seen["jit"][0])):
        assert e == j, f"call {k}: eager and jit differ"
    return seen["jit"][1], seen["jit"][2]


# ---- a false alarm: a global that only shares an attribute's name ----------------------------
SCRIPT = """
import numpy as np
import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = tg.Tensor(np.linspace(-1.0, 1.0, 12).reshape(4, 3), requires_grad=True)

    def loss(self, X, y):
        return ((tg.Tensor(X) @ self.W - tg.Tensor(y)) ** 2).mean()

model = Net()
opt = tg.optim.SGD(model.parameters(), lr=0.1)

@jit
def step(Xb, yb):
    loss = model.loss(Xb, yb)
    loss.backward()
    return loss

rng = np.random.default_rng(0)
X, Y = rng.standard_normal((40, 4)), rng.standard_normal((40, 3))
for i in range(8):
    opt.zero_grad()
    loss = step(X[i % 4 * 10:][:10], Y[i % 4 * 10:][:10])  # a global Tensor, every call
    opt.step()
"""


def test_a_scripts_global_loss_beside_model_loss_does_not_stop_replay():
    """`loss = step(...)` at a script's top level rebinds the global `loss`, a Tensor, every
    call; the step reads `model.loss`, an attribute, not that global. It was guarded (names
    from co_names, which holds attribute names): every call re-recorded, then eager."""
    g = {"__name__": "__main__"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        exec(compile(SCRIPT, "<script>", "exec"), g)
    step = g["step"]
    assert (step.replays, step.rerecords, step.fallbacks) == (6, 0, {})


def test_a_global_tensor_the_step_assigns_is_still_guarded():
    """(`global W; W = ...`: named by STORE_GLOBAL, kept when co_names was dropped)"""
    g = {"__name__": "cell", "tg": tg, "np": np, "W0": param()}
    exec("def step(x):\n    global W\n    W = W0\n    out = (tg.Tensor(x) * W0).sum()\n"
         "    out.backward()\n    return out\n", g)
    g["W"] = g["W0"]
    step = jit(g["step"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(3):
            step(X)
        g["W"] = param()  # the step rebinds it to W0: a replay would not
        step(X)
    assert g["W"] is g["W0"]


# ---- counters the step bumps: `+=` reads and writes one attribute or entry -------------------
class Trainer:
    def __init__(self):
        self.W, self.calls, self.scale = param(), 0, 2.0

    def step(self, x):
        self.calls += 1  # (COPY between the name and its attribute: was not seen)
        out = (tg.Tensor(x) * self.W).sum() * self.scale
        out.backward()
        return out


def test_a_counter_the_step_bumps_is_not_left_behind_by_replay():
    def make():
        t = Trainer()
        return t.step, [t.W], t
    step, t = differential(make)
    assert t.calls == 7  # every call ran the step's Python (replay would have skipped 4)
    assert step.replays == 0


def test_an_entry_the_step_bumps_is_not_left_behind_by_replay():
    def make():
        W, st = param(), {"n": 0}

        def step(x):
            st["n"] += 1
            out = (tg.Tensor(x) * W).sum()
            out.backward()
            return out
        return step, [W], st
    _, st = differential(make)
    assert st["n"] == 7


# ---- entries read through dict.get and of dict subclasses ------------------------------------
@pytest.mark.parametrize("kind", [dict, collections.OrderedDict,
                                  lambda **kw: collections.defaultdict(float, **kw),
                                  type("Cfg", (dict,), {})])
@pytest.mark.parametrize("get", [False, True])
def test_an_entry_read_by_key_or_get_of_any_dict_is_seen(kind, get):
    def make():
        W, cfg = param(), kind(lam=2.0)

        def step(x):
            lam = cfg.get("lam", 1.0) if get else cfg["lam"]
            out = (tg.Tensor(x) * W).sum() * lam
            out.backward()
            return out
        return step, [W], cfg
    step, _ = differential(make, lambda cfg: cfg.__setitem__("lam", 5.0))
    assert step.rerecords == 1


# ---- a global whose __getattr__ raises what getattr does not catch ---------------------------
class Proxy:
    """A config proxy with slots whose __getattr__ raises KeyError (no __dict__ to find)."""

    __slots__ = ("_d",)

    def __init__(self, d):
        self._d = d

    def __getattr__(self, k):
        return self._d[k]


P = Proxy({"lam": 2.0})


def test_a_global_proxy_whose_getattr_raises_keyerror_does_not_crash_the_recording():
    W = param()

    def step(x):
        out = (tg.Tensor(x) * W).sum() * P.lam
        out.backward()
        return out
    step = jit(step, strict=True)
    for _ in range(4):
        W.grad = None
        assert float(step(X)) == float((X * W.data).sum() * 2.0)
    assert step.replays == 2


# ---- a literal the step fills with data through .data ---------------------------------------
def data(k):  # equal in both recorded calls, then another at every call
    return X * (1 if k < 2 else k)


@pytest.mark.parametrize("make_buf", [lambda: tg.empty(3), lambda: tg.full((3,), 1.0),
                                      lambda: tg.zeros(3), lambda: tg.eye(3)[0],
                                      lambda: tg.Tensor([0.0, 0.0, 0.0])])
@pytest.mark.parametrize("after", [False, True])
def test_a_literal_filled_with_data_through_its_data_is_not_frozen(make_buf, after):
    """`buf = tg.empty(3); buf.data[:] = x` (the reason to ask for an empty tensor): marked a
    literal when made, it was kept by replay with the recorded call's data; so too when
    filled after an op read it (the recorded array then holds the data)."""
    def make():
        W = param()

        def step(x):
            buf = make_buf()
            if not after:
                buf.data[:] = x
            out = (buf * tg.Tensor(x) * W).sum()
            if after:
                buf.data[:] = x
            out.backward()
            return out
        return step, [W], None
    differential(make, data=data)


def test_a_literal_left_as_made_still_replays():
    def make():
        W = param()

        def step(x):
            out = (tg.full((3,), 2.0) * tg.Tensor(x) * W + tg.arange(3.0)).sum()
            out.backward()
            return out
        return step, [W], None
    step, _ = differential(make, data=data)
    assert step.replays == 5
