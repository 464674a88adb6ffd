"""A skeptic's review of the for-loop guards (58f5a78). Each test failed before its fix:
`for a, b in pairs:` with an inner list changed in place, and `cfg.get("m", 1.0)` with the
key set later, replayed stale numbers without a word; a loop over a 10,000-item list made a
replay ~35 ms (one guard term per item), now one term in C."""

from __future__ import annotations

import numpy as np
from test_jit_bindings_review import differential, param

import tinygrad_dl as tg
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.guards import ITEMS
from tinygrad_dl.jit.plan import Plan


def test_tuple_unpacking_in_a_for_loop_guards_each_inner_item():
    def make():
        w, st = param(), {"pairs": [[1.0, 2.0], [3.0, 4.0]]}

        def step(x):
            loss = (w * tg.Tensor(x)).sum()
            for a, b in st["pairs"]:
                loss = loss * a + b
            loss.backward()
            return loss
        return step, [w], st

    for change in (lambda st: st["pairs"][0].__setitem__(0, 5.0),
                   lambda st: st["pairs"][1].__setitem__(1, 5.0)):
        step, _ = differential(make, change)
        assert step.rerecords == 1


def test_a_get_of_an_absent_key_set_later():
    def make():
        w, st = param(), {"opts": [{"lr": 1.0}], "lr": 1.0}

        def step(x):
            loss = (w * tg.Tensor(x)).sum() * st.get("m", 1.0)
            for o in st["opts"]:
                loss = loss * o.get("m", 1.0)
            loss.backward()
            return loss
        return step, [w], st

    for change in (lambda st: st.__setitem__("m", 5.0),
                   lambda st: st["opts"][0].__setitem__("m", 5.0)):
        differential(make, change)


def test_a_long_list_is_guarded_at_once_and_still_every_item():
    def make():
        w, lams = param(), [0.5] * 10_000

        def step(x):
            s = 0.0
            for lam in lams:
                s = s + lam
            loss = (w * tg.Tensor(x)).sum() * s
            loss.backward()
            return loss
        return step, [w], lams

    for change in (lambda ls: ls.__setitem__(7000, 1.0), lambda ls: ls.append(2.0),
                   lambda ls: ls.pop()):
        step, _ = differential(make, change)
        assert step.rerecords == 1
    step, params, lams = make()
    j = jit(step)
    for _ in range(4):
        params[0].grad = None
        j(np.arange(1.0, 4.0))
    plan = next(v for v in j.cache.values() if type(v) is Plan)
    on_lams = [b for b in plan.guards.bindings if b[0] is lams]  # (one term per item made
    assert j.replays == 2 and [b[1] for b in on_lams] == [ITEMS]  # a replay 35 ms)


def test_a_long_list_of_objects_still_guards_what_each_gives():
    class Opt:
        def __init__(self, lr: float) -> None:
            self.lr = lr

    def make():
        w, opts = param(), [Opt(1.0) for _ in range(100)]

        def step(x):
            loss = (w * tg.Tensor(x)).sum()
            for o in opts:
                loss = loss * o.lr
            loss.backward()
            return loss
        return step, [w], opts

    step, _ = differential(make, lambda opts: setattr(opts[60], "lr", 2.0))
    assert step.rerecords == 1
