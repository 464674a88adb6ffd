"""What a jitted step reads of an object beyond the first level of its __dict__. Through a
class's data descriptor or __getattr__: a slot (`@dataclass(slots=True)`'s `cfg.scale`), a
property (`self.scale` computed from state), an attribute-style config's `__getattr__` over
a dict of its own; and further in: `self.cfg.scale` in a bound method, `st["opt"]["scale"]`,
`a.b.c.scale`. Before, the guards looked one level into an object's __dict__ only: changing
any of these between calls replayed the recorded number without a word (6.0 where eager
gives 15.0). Each test runs the step eagerly and jitted side by side, bit for bit
(`differential`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from test_jit_bindings_review import X, differential, param

import tinygrad_dl as tg
from tinygrad_dl.jit import jit


@dataclass(slots=True)
class SlotCfg:
    scale: float


class Slots:
    __slots__ = ("scale",)

    def __init__(self, scale: float) -> None:
        self.scale = scale


class Prop:
    """A number computed from state on each read (a schedule, a unit conversion)."""

    def __init__(self) -> None:
        self._s = 2.0

    @property
    def scale(self) -> float:
        return self._s * 1.0


class Shadowed:
    """A property and an instance-dict entry of the same name: the property wins."""

    def __init__(self) -> None:
        self.__dict__["scale"] = 100.0
        self._s = 2.0

    @property
    def scale(self) -> float:
        return self._s


class AttrDict:
    """An attribute-style config over a dict of its own (`cfg.scale` is `cfg._d["scale"]`)."""

    def __init__(self) -> None:
        self._d = {"scale": 2.0}

    def __getattr__(self, k: str) -> float:
        try:
            return self._d[k]
        except KeyError:
            raise AttributeError(k) from None


def scaled(cfg):
    def make():
        w = param()
        c = cfg()

        def step(x):
            loss = (w * tg.Tensor(x)).sum() * c.scale
            loss.backward()
            return loss
        return step, [w], c
    return make


def setter(attr):
    return (lambda c: c._d.__setitem__("scale", 5.0)) if attr == "_d" else (
        lambda c: setattr(c, attr, 5.0))


@pytest.mark.parametrize("cfg, attr", [(lambda: SlotCfg(2.0), "scale"),
                                       (lambda: Slots(2.0), "scale"), (Prop, "_s"),
                                       (Shadowed, "_s"), (AttrDict, "_d")],
                         ids=["dataclass", "slots", "property", "shadowed", "getattr"])
def test_a_changed_slot_or_property_is_read_again(cfg, attr):
    step, c = differential(scaled(cfg), setter(attr))
    assert step.replays >= 2 and step.rerecords == 1  # replayed before and after the change
    assert c.scale == 5.0


def test_an_unchanged_slot_or_property_keeps_replaying():
    for cfg in (lambda: SlotCfg(2.0), Prop, AttrDict):
        step, _ = differential(scaled(cfg), calls=6)
        assert step.replays == 4 and step.rerecords == 0 and step.fallbacks == {}


def test_a_method_self_with_slots():
    class Trainer:
        __slots__ = ("w", "lam")

        def __init__(self) -> None:
            self.w, self.lam = param(), 0.5

        def step(self, x):
            loss = (self.w * tg.Tensor(x)).sum() + self.lam * (self.w * self.w).sum()
            loss.backward()
            return loss

    def make():
        t = Trainer()
        return t.step, [t.w], t
    step, t = differential(make, lambda t: setattr(t, "lam", 0.0))
    assert step.replays >= 2 and t.lam == 0.0


def replaying(w, c):
    """A jitted step reading `c.scale` itself, called until it has replayed once."""
    @jit
    def step(x):
        loss = (w * tg.Tensor(x)).sum() * c.scale
        loss.backward()
        return loss

    for _ in range(3):
        w.grad = None
        step(X)
    assert step.replays == 1
    return step


def test_an_emptied_slot_runs_eagerly_and_raises_as_eager():
    w, c = param(), Slots(2.0)
    step = replaying(w, c)
    del c.scale
    w.grad = None  # (as a training loop does: only the slot tells this call from the last)
    with pytest.raises(AttributeError, match="scale"):
        step(X)


def test_a_getter_that_raises_runs_eagerly_and_raises_as_eager():
    class Flaky:
        ok = True

        @property
        def scale(self) -> float:
            if not self.ok:
                raise RuntimeError("Flaky.scale: not ready")
            return 2.0

    w, c = param(), Flaky()
    step = replaying(w, c)
    c.ok = False
    w.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="not ready"):
            step(X)
    c.ok = True  # and it replays again with the same value
    w.grad = None
    assert float(step(X).data) == pytest.approx(2.0 * float(np.linspace(-1.0, 1.0, 3) @ X))


# ---- further in: `self.cfg.lr`, `cfg["opt"]["lam"]` ------------------------------------------
class Cfg:
    def __init__(self) -> None:
        self.scale = 2.0


def test_two_levels_in_a_bound_method_self_cfg_scale():
    class Trainer:
        def __init__(self) -> None:
            self.w, self.cfg = param(), Cfg()

        def step(self, x):
            loss = (self.w * tg.Tensor(x)).sum() * self.cfg.scale
            loss.backward()
            return loss

    def make():
        t = Trainer()
        return t.step, [t.w], t
    step, t = differential(make, lambda t: setattr(t.cfg, "scale", 5.0))
    assert step.replays >= 2 and step.rerecords == 1
    # the object on the way rebound (not only its number changed)
    step, t = differential(make, lambda t: setattr(t, "cfg", Cfg()) or setattr(
        t.cfg, "scale", 7.0))
    assert step.replays >= 2 and step.rerecords == 1


def test_nested_dict_entries_and_a_class_held_config():
    def make_nested():
        w, st = param(), {"opt": {"scale": 2.0}}

        def step(x):
            loss = (w * tg.Tensor(x)).sum() * st["opt"]["scale"]
            loss.backward()
            return loss
        return step, [w], st
    step, _ = differential(make_nested, lambda st: st["opt"].__setitem__("scale", 5.0))
    assert step.replays >= 2 and step.rerecords == 1

    class Model:
        cfg = Cfg()  # in the class body: `self.cfg` falls back to it

        def __init__(self) -> None:
            self.w = param()

        def step(self, x):
            loss = (self.w * tg.Tensor(x)).sum() * self.cfg.scale
            loss.backward()
            return loss

    def make_class():
        Model.cfg = Cfg()
        m = Model()
        return m.step, [m.w], m
    step, _ = differential(make_class, lambda m: setattr(Model.cfg, "scale", 5.0))
    assert step.replays >= 2 and step.rerecords == 1


def test_four_levels_in_and_a_counter_two_levels_in():
    class A:
        pass

    def make():
        w, a = param(), A()
        a.b = A()
        a.b.c = A()
        a.b.c.scale = 2.0

        def step(x):
            loss = (w * tg.Tensor(x)).sum() * a.b.c.scale
            loss.backward()
            return loss
        return step, [w], a
    step, _ = differential(make, lambda a: setattr(a.b.c, "scale", 5.0))
    assert step.replays >= 2 and step.rerecords == 1

    def make_counter():
        w, a = param(), A()
        a.stats = A()
        a.stats.calls = 0

        def step(x):
            a.stats.calls += 1  # replay would not count: every call runs eagerly
            loss = (w * tg.Tensor(x)).sum()
            loss.backward()
            return loss
        return step, [w], a
    step, a = differential(make_counter)
    assert a.stats.calls == 7 and step.replays == 0


# ---- lists at constant indices: `S[0]`, `cfg["opts"][0]["lr"]`, `nets[-1]` ------------------
def test_list_items_changed_in_place():
    def make(read):
        def inner():
            w, st = param(), {"S": [2.0, 3.0], "opts": [{"lr": 2.0}], "t": ([1.0],)}

            def step(x):
                loss = (w * tg.Tensor(x)).sum() * read(st)
                loss.backward()
                return loss
            return step, [w], st
        return inner

    changes = [(lambda st: st["S"][0], lambda st: st["S"].__setitem__(0, 5.0)),
               (lambda st: st["S"][-1], lambda st: st["S"].append(7.0)),
               (lambda st: st["opts"][0]["lr"], lambda st: st["opts"][0].__setitem__("lr", 1.0)),
               (lambda st: st["t"][0][0], lambda st: st["t"][0].__setitem__(0, 4.0))]
    for read, change in changes:
        step, _ = differential(make(read), change)
        assert step.replays >= 2 and step.rerecords == 1


def test_a_shortened_list_runs_eagerly_and_raises_as_eager():
    w, S = param(), [2.0, 3.0]

    @jit
    def step(x):
        loss = (w * tg.Tensor(x)).sum() * S[1]
        loss.backward()
        return loss

    for _ in range(3):
        w.grad = None
        step(X)
    assert step.replays == 1
    S.pop()
    w.grad = None
    with pytest.raises(IndexError):
        step(X)


# ---- a for loop over a list the guards reach: every item, and how many ---------------------
class Opt:
    def __init__(self, lr: float) -> None:
        self.lr = lr


def test_a_for_loop_over_a_list_reads_every_item_and_the_length():
    def make():
        def inner():
            w, st = param(), {"opts": [Opt(1.0), Opt(2.0)], "lams": [0.5, 0.25]}

            def step(x):
                loss = (w * tg.Tensor(x)).sum()
                for o in st["opts"]:
                    loss = loss * o.lr
                for lam in st["lams"]:
                    loss = loss + lam * (w * w).sum()
                loss.backward()
                return loss
            return step, [w], st
        return inner

    for change in (lambda st: setattr(st["opts"][1], "lr", 5.0),
                   lambda st: st["lams"].__setitem__(0, 3.0),
                   lambda st: st["opts"].append(Opt(10.0)),
                   lambda st: st["lams"].pop()):
        step, _ = differential(make(), change)
        assert step.replays >= 2 and step.rerecords == 1
    step, _ = differential(make(), calls=6)  # unchanged: replays
    assert (step.replays, step.rerecords) == (4, 0)
