"""Review of c1e27a9's jitted steps holding lazy layers not yet sized (hMODWr).

The commit ran a call eagerly when a module the step names directly (its closure, defaults,
globals, a partial's arguments, a bound self) held an unsized lazy layer. A lazy layer reached
any other way (a list, a dict, a plain object's attribute, a helper function's closure) still
sized itself inside a recording, which was refused for good ("it assigns an attribute of
Linear"; strict=True raised), and a lazy layer the step never calls made every call eager,
silently, strict=True too. Now the recording hears the layer size itself, however the step
reached it: that call is the eager one and the next ones record and replay; a layer never
called leaves the step recorded and replayed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit

_MAKERS = {
    "LazyLinear": (lambda: nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.Linear(4, 2)), (3, 5)),
    "LazyConv2d": (lambda: nn.LazyConv2d(2, 3), (2, 3, 5, 5)),
    "LazyBatchNorm2d": (lambda: nn.LazyBatchNorm2d(), (2, 3, 4, 4)),
}


class _Box:
    """A plain object holding the model (`trainer.model`)."""


def _step_reaching(route: str, m: nn.Module, w: tg.Tensor):
    """A step that reaches m through `route` (none of them a name the step's code reads)."""
    box, table, obj = [m], {"net": m}, _Box()
    obj.model = m

    def helper(x):
        return m(x)
    reach = {"list": lambda: box[0], "dict": lambda: table["net"], "attr": lambda: obj.model,
             "helper": lambda: helper}[route]

    def step(x):
        y = reach()(x * w)
        out = (y * y).sum()
        out.backward()
        return out
    return step


def _run(make, shape, route, jitted, calls=5):
    """Each call's output and w.grad (bytes), the model's state at the end, jit's replays;
    warnings raise."""
    tg.manual_seed(0)
    m = make()
    w = tg.Tensor(np.linspace(0.5, 1.5, shape[-1]), requires_grad=True)
    step = _step_reaching(route, m, w)
    f = jit(step, strict=True) if jitted else step
    rng = np.random.default_rng(0)
    got = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(calls):
            w.grad = None
            got.append((f(tg.Tensor(rng.standard_normal(shape))).data.tobytes(),
                        w.grad.tobytes()))
    state = {k: np.asarray(v.data).tobytes() for k, v in m.state_dict().items()}
    return (got, state), getattr(f, "replays", None)


@pytest.mark.parametrize("route", ["list", "dict", "attr", "helper"])
@pytest.mark.parametrize("layer", list(_MAKERS))
def test_lazy_layer_reached_through_a_container_sizes_then_replays(layer, route):
    """strict=True raised "it assigns an attribute of Linear" (without strict: eager for good,
    with a warning): the first call sizes the layer, the next two record, the rest replay,
    bit for bit as eager (running statistics too)."""
    make, shape = _MAKERS[layer]
    eager, _ = _run(make, shape, route, jitted=False)
    got, replays = _run(make, shape, route, jitted=True)
    assert got == eager
    assert replays == 2


class _WithUnusedHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(5, 3)
        self.aux = nn.LazyLinear(2)  # (an evaluation head the training step never calls)

    def forward(self, x):
        return self.body(x)


def test_lazy_layer_the_step_never_calls_leaves_it_replayed():
    """Every call ran eagerly, without a word (strict=True too): now the step records and
    replays; sizing the layer outside the step (an evaluation) makes the next call record
    again, and the numbers stay eager's."""
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal((4, 5)) for _ in range(8)]
    results = []
    for jitted in (False, True):
        tg.manual_seed(0)
        m = _WithUnusedHead()
        w = tg.Tensor(np.linspace(0.5, 1.5, 5), requires_grad=True)

        def step(x, m=m, w=w):
            y = m(x * w)
            out = (y * y).sum()
            out.backward()
            return out
        f = jit(step, strict=True) if jitted else step
        got = []
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for i, x in enumerate(xs):
                if i == 5:
                    m.aux(tg.Tensor(x))  # (sizes it: a guard of the recording fails)
                w.grad = None
                got.append((f(tg.Tensor(x)).data.tobytes(), w.grad.tobytes()))
        results.append((got, getattr(f, "replays", None)))
    (eager, _), (got, replays) = results
    assert got == eager
    assert replays == 3 + 1  # calls 3-5, then (5 and 6 recording again) 8


def test_lazy_layer_made_inside_the_step_is_still_refused():
    """A lazy layer the step builds (a new one each call, new parameters each call) is no
    first call to wait out: refused as a Linear built inside the step is, not run eagerly
    for good without a word."""
    x = np.random.default_rng(2).standard_normal((3, 5))

    def step(x):
        y = nn.LazyLinear(2)(tg.Tensor(x))
        (y * y).sum().backward()
        return y.detach()
    f = jit(step)
    with pytest.warns(RuntimeWarning, match="running it eagerly"):
        for _ in range(3):
            f(x)
    assert f.replays == 0
