"""A skeptic's review of the guards on slots, properties, __getattr__ and paths up to four
deep (jit/bindings.py, 5a6524d and dca1b89). Each test failed before its fix, the step's
replay keeping the recorded number without a word: a number held by the class of a slots-only
object (`Cfg.scale = 5.0`, `@dataclass(slots=True)` with a class attribute), a plain object
held by a Module read in its method (`self.cfg.lr` of a Module: `model.cfg.lr = 5.0` leaves
the Module's version), a local bound to a path (`c = self.cfg`, then `c.lr`); a property's
getter ran twice per replay."""

from __future__ import annotations

import dataclasses
import functools
import types

import numpy as np
from test_jit_bindings_review import differential, param

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.bindings import attribute_reads


def _loss(x, W, k):
    loss = (tg.Tensor(x) * W).sum() * k
    loss.backward()
    return loss


# ---- a number the class of a slots-only object holds ------------------------------------------
class Slotted:
    __slots__ = ("lr",)
    scale = 2.0

    def __init__(self):
        self.lr = 1.0


@dataclasses.dataclass(slots=True)
class SlottedCfg:
    lr: float = 1.0
    scale = 2.0  # (not a field: a class attribute)


def test_a_number_the_class_of_a_slots_only_object_holds_is_guarded():
    def make():
        Slotted.scale = 2.0
        W, c = param(), Slotted()
        return (lambda x: _loss(x, W, c.scale * c.lr)), [W], c

    try:
        step, _ = differential(make, lambda c: setattr(Slotted, "scale", 5.0))
    finally:
        Slotted.scale = 2.0
    assert step.replays > 0


def test_a_class_attribute_of_a_slots_dataclass_deep_in_is_guarded():
    def make():
        SlottedCfg.scale = 2.0
        W, s = param(), types.SimpleNamespace(cfg=SlottedCfg())
        return (lambda x: _loss(x, W, s.cfg.scale * s.cfg.lr)), [W], s

    try:
        step, _ = differential(make, lambda s: setattr(SlottedCfg, "scale", 5.0))
    finally:
        SlottedCfg.scale = 2.0
    assert step.replays > 0


# ---- a plain object held by a Module ---------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = param()
        self.cfg = types.SimpleNamespace(lr=1.0, opt={"lam": 1.0})

    def step(self, x):
        return _loss(x, self.W, self.cfg.lr * self.cfg.opt["lam"])


def test_a_plain_object_a_module_holds_read_in_its_method_is_guarded():
    def make():
        net = Net()
        return net.step, [net.W], net

    step, _ = differential(make, lambda net: setattr(net.cfg, "lr", 5.0))
    assert step.replays > 0
    step, _ = differential(make, lambda net: net.cfg.opt.__setitem__("lam", 3.0))
    assert step.replays > 0


def test_a_module_in_a_closure_read_into_is_guarded_and_its_layers_still_replay():
    def make():
        net = Net()

        def step(x):
            return _loss(x, net.W, net.cfg.lr)
        return step, [net.W], net

    step, _ = differential(make, lambda net: setattr(net.cfg, "lr", 5.0))
    assert step.replays > 0
    # an activation the step keeps on the module (`self.out = ...`) is not followed
    assert ("cfg", "lr") in attribute_reads(Net.step.__code__)[("l", "self")]


# ---- a local bound to a path -----------------------------------------------------------------
class Trainer:
    def __init__(self):
        self.W = param()
        self.cfg = types.SimpleNamespace(lr=1.0, opt=types.SimpleNamespace(lam=1.0))

    def step(self, x):
        c = self.cfg
        o = c.opt
        return _loss(x, self.W, c.lr * o.lam)


def test_a_local_bound_to_a_path_reads_into_it():
    def make():
        t = Trainer()
        return t.step, [t.W], t

    step, _ = differential(make, lambda t: setattr(t.cfg, "lr", 5.0))
    assert step.replays > 0
    step, _ = differential(make, lambda t: setattr(t.cfg.opt, "lam", 5.0))
    assert step.replays > 0
    reads = attribute_reads(Trainer.step.__code__)[("l", "self")]
    assert {("cfg", "lr"), ("cfg", "opt", "lam")} <= reads


def test_a_global_bound_to_a_local_reads_into_it():
    CFG = {"lam": 1.0}

    def make():
        CFG["lam"] = 1.0
        W = param()

        def step(x):
            c = CFG
            return _loss(x, W, c["lam"])
        return step, [W], CFG

    step, _ = differential(make, lambda cfg: cfg.__setitem__("lam", 5.0))
    assert step.replays > 0


# ---- a property's getter, once per replay ----------------------------------------------------
GETS: list[int] = []  # (a list the getter appends to: of a list only items at constant
# indices are guarded, so the getter's own count does not make every call run eagerly, as
# a counter attribute would)


class Counted:
    def __init__(self):
        self.base = 1.0

    @property
    def lr(self):
        GETS.append(1)
        return self.base * 2  # (a new float every call: compared by value)


def test_a_getter_runs_once_per_replay():
    W, c = param(), Counted()
    step = jit(lambda x: _loss(x, W, c.lr))
    for _ in range(4):
        W.grad = None
        step(np.arange(1.0, 4.0))
    assert step.replays > 0
    before = len(GETS)
    W.grad = None
    step(np.arange(1.0, 4.0))
    assert step.replays > 0 and len(GETS) == before + 1


def test_a_cached_property_set_or_invalidated_is_seen():
    class Cached:
        def __init__(self):
            self.base = 1.0

        @functools.cached_property
        def lr(self):
            return self.base * 3

    def make():
        W, c = param(), Cached()
        return (lambda x: _loss(x, W, c.lr)), [W], c

    def invalidate(c):
        del c.lr
        c.base = 4.0

    differential(make, lambda c: setattr(c, "lr", 7.0))
    differential(make, invalidate)
