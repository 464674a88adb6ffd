"""A skeptic's review of the bytecode reader (jit/bindings.py) on the Pythons it claims, 3.10
to 3.13. Each test failed before its fix: on 3.13 a store and a load on one line are one
instruction, STORE_FAST_LOAD_FAST (`for o in cfg.opts: loss = loss * o.lr`, a comprehension's
`[self.wd * (p * p).sum() for p in ps]`), and the load was lost, so `o.lr` and `self.wd` went
unguarded; on 3.12 and 3.13 a class body in the step reads a closure variable by
LOAD_FROM_DICT_OR_DEREF (`class A: v = cfg.lr`), which was not read. Each left a replay with
the old number without a word. This Python's instructions are rewritten as 3.12 and 3.13
spell them (as tests/test_jit_bytecode.py does for 3.14), so CI's 3.11 runs them too. A local
bound to a path by a tuple assignment (`a, b = cfg.a, cfg.b`, then `a.lr`) was followed on
3.11 and 3.12 for `b` only, on 3.10 and 3.13 for neither; one bound by a walrus read further
(`(c := cfg.opt).lr`) on none: each is followed now (3.10's ROT_TWO is simulated too)."""

from __future__ import annotations

import dis
import types
from typing import Any

import pytest
from test_jit_bindings_review import differential, param

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import bindings
from tinygrad_dl.jit.bindings import attribute_reads

_MERGED = {("LOAD_FAST", "LOAD_FAST"): "LOAD_FAST_LOAD_FAST",
           ("STORE_FAST", "LOAD_FAST"): "STORE_FAST_LOAD_FAST",
           ("STORE_FAST", "STORE_FAST"): "STORE_FAST_STORE_FAST"}


def as_313(code: Any) -> Any:
    """`code`'s instructions with each two plain fast loads and stores in a row as 3.13's one
    superinstruction (3.13 merges them on one line only: merging more is still a spelling)."""
    held = None
    for ins in dis.get_instructions(code):
        if held is not None:
            op = _MERGED.get((held.opname, ins.opname))
            if op is not None:
                names = (held.argval, ins.argval)
                yield held._replace(opname=op, arg=0, argval=names, argrepr=", ".join(names))
                held = None
                continue
            yield held
            held = None
        if ins.opname in ("LOAD_FAST", "STORE_FAST"):
            held = ins
        else:
            yield ins
    if held is not None:
        yield held


def as_312_class_body(code: Any) -> Any:
    """`code`'s instructions with a class body's LOAD_CLASSDEREF as 3.12 spells it."""
    for ins in dis.get_instructions(code):
        if ins.opname == "LOAD_CLASSDEREF":
            yield ins._replace(opname="LOAD_LOCALS", arg=None, argval=None, argrepr="")
            yield ins._replace(opname="LOAD_FROM_DICT_OR_DEREF")
        else:
            yield ins


def as_310_swap(code: Any) -> Any:
    """`code`'s `a, b = ...` of two STORE_FASTs as 3.10 spells it: ROT_TWO, then the first
    name stored first (3.11+ stores the last one first)."""
    out = list(dis.get_instructions(code))
    ops = ["", *(i.opname for i in out), ""]
    for i in range(len(out) - 1):  # (two stores in a row, no more, not rotated already)
        if ops[i + 1] == ops[i + 2] == "STORE_FAST" and ops[i + 3] != "STORE_FAST" and (
                ops[i] not in ("STORE_FAST", "ROT_TWO")):
            first, second = out[i], out[i + 1]
            out[i:i + 2] = [first._replace(argval=second.argval, argrepr=second.argrepr),
                            second._replace(argval=first.argval, argrepr=first.argrepr)]
            out.insert(i, first._replace(opname="ROT_TWO", arg=None, argval=None, argrepr=""))
            break
    yield from out


def spelled(monkeypatch: Any, how: Any) -> None:
    monkeypatch.setattr(bindings, "dis", types.SimpleNamespace(get_instructions=how))


class Obj:
    pass


# ---- attribute_reads: the same paths in each spelling ----------------------------------------
def one_line_for(cfg, loss):
    for o in cfg.opts: loss = loss * o.lr  # noqa: E701 - (one line: 3.13 merges the two)
    return loss


def one_line(self, x):
    k = 2.0; y = self.wd * k; z = self.cfg["lam"]  # noqa: E702
    return x * y * z


def unpacked(pairs, x):
    for a, b in pairs: x = x * a.lr + b  # noqa: E701
    return x


def aliased(self, x):
    c = self.cfg; lr = c.lr  # noqa: E702
    return x * lr


def class_body(cfg, x):
    class A:
        v = cfg.lr
    return x * A.v


def tuple_assigned(cfg, x):
    a, b = cfg.a, cfg["b"]
    return x * a.lr * b.lr


def three(cfg, x):
    a, b, c = cfg.a, cfg["b"], cfg.c
    return x * a.lr * b.lr * c.lr


def walrus(cfg, x):
    return x * (c := cfg.opt).lr * c.wd


@pytest.mark.parametrize("how", [None, as_310_swap, as_313], ids=["native", "3.10", "3.13"])
@pytest.mark.parametrize("fn, path", [
    (tuple_assigned, ("a", "lr")), (tuple_assigned, ("b", "lr")),
    (three, ("a", "lr")), (three, ("b", "lr")), (three, ("c", "lr")),
    (walrus, ("opt", "lr")), (walrus, ("opt", "wd")),
])
def test_a_local_bound_by_a_tuple_assignment_or_a_walrus_reads_into_its_path(
        monkeypatch, how, fn, path):
    if how is not None:
        spelled(monkeypatch, how)
    assert path in attribute_reads(fn.__code__)[("l", "cfg")]


@pytest.mark.parametrize("fn, name, path", [
    (one_line_for, "cfg", ("opts", bindings.EACH, "lr")),
    (one_line, "self", ("wd",)),
    (one_line, "self", ("cfg", "lam")),
    (unpacked, "pairs", (bindings.EACH, 0, "lr")),
    (aliased, "self", ("cfg", "lr")),
])
def test_python_3_13s_superinstructions_name_the_same_paths(monkeypatch, fn, name, path):
    here = attribute_reads(fn.__code__)
    assert path in here[("l", name)]  # (this Python's own spelling)
    spelled(monkeypatch, as_313)
    codes = [fn.__code__, *(c for c in fn.__code__.co_consts if hasattr(c, "co_code"))]
    assert any(i.opname in _MERGED.values() for c in codes for i in as_313(c))
    assert attribute_reads(fn.__code__) == here


@pytest.mark.skipif(not any(i.opname in ("LOAD_CLASSDEREF", "LOAD_FROM_DICT_OR_DEREF")
                            for c in class_body.__code__.co_consts if hasattr(c, "co_code")
                            for i in dis.get_instructions(c)),
                    reason="this Python reads a class body's closure variable otherwise")
def test_python_3_12s_class_body_names_the_same_paths(monkeypatch):
    assert ("lr",) in attribute_reads(class_body.__code__)[("l", "cfg")]
    spelled(monkeypatch, as_312_class_body)
    assert ("lr",) in attribute_reads(class_body.__code__)[("l", "cfg")]


# ---- end to end: each spelling replays what eager computes -----------------------------------
class Trainer:  # a jitted bound method: `self` read in a comprehension (3.12+: inlined, on
    # 3.13 as STORE_FAST_LOAD_FAST p, self; before 3.12 a function of its own, reading `self`
    # by LOAD_DEREF: simulated here it is as this Python spells it, so 3.13 itself tests it)
    def __init__(self):
        self.W, self.wd = param(), 1.0

    def step(self, x):
        loss = (self.W * tg.Tensor(x)).sum()
        loss = loss + sum([self.wd * (p * p).sum() for p in [self.W]])
        loss.backward()
        return loss


class Net(nn.Module):  # heard by the profile hook (jit/calls.py): a Module's forward
    def __init__(self):
        super().__init__()
        self.W, self.cfg = param(), {"opts": [{"lr": 1.0}, {"lr": 2.0}]}

    def forward(self, x):
        out = (self.W * tg.Tensor(x)).sum()
        for o in self.cfg["opts"]: out = out * o["lr"]  # noqa: E701
        return out


def closure_loop():
    W, cfg = param(), Obj()
    cfg.opts = [Obj(), Obj()]
    cfg.opts[0].lr, cfg.opts[1].lr = 1.0, 2.0

    def step(x):
        loss = (W * tg.Tensor(x)).sum()
        for o in cfg.opts: loss = loss * o.lr  # noqa: E701
        loss.backward()
        return loss
    return step, [W], cfg


def method():
    t = Trainer()
    return t.step, [t.W], t


def module():
    m = Net()

    def step(x):
        loss = m(x)
        loss.backward()
        return loss
    return step, [m.W], m


def class_in_step():
    W, cfg = param(), Obj()
    cfg.lr = 1.0

    def step(x):
        class A:
            v = cfg.lr
        loss = (W * tg.Tensor(x)).sum() * A.v
        loss.backward()
        return loss
    return step, [W], cfg


def tuple_in_step():
    W, cfg = param(), Obj()
    cfg.a, cfg.b = Obj(), Obj()
    cfg.a.lr = cfg.b.lr = 1.0

    def step(x):
        a, b = cfg.a, cfg.b
        loss = (W * tg.Tensor(x)).sum() * a.lr * b.lr
        loss.backward()
        return loss
    return step, [W], cfg


def walrus_in_step():
    W, cfg = param(), Obj()
    cfg.opt = Obj()
    cfg.opt.lr = 1.0

    def step(x):
        loss = (W * tg.Tensor(x)).sum() * (c := cfg.opt).lr  # noqa: F841 - (the shape read)
        loss.backward()
        return loss
    return step, [W], cfg


@pytest.mark.parametrize("make, change, how", [
    (walrus_in_step, lambda cfg: setattr(cfg.opt, "lr", 5.0), as_313),
    (tuple_in_step, lambda cfg: setattr(cfg.a, "lr", 5.0), as_310_swap),
    (tuple_in_step, lambda cfg: setattr(cfg.b, "lr", 5.0), as_310_swap),
    (tuple_in_step, lambda cfg: setattr(cfg.b, "lr", 5.0), as_313),
    (closure_loop, lambda cfg: setattr(cfg.opts[0], "lr", 5.0), as_313),
    (method, lambda t: setattr(t, "wd", 5.0), as_313),
    (module, lambda m: m.cfg["opts"][1].__setitem__("lr", 5.0), as_313),
    (class_in_step, lambda cfg: setattr(cfg, "lr", 5.0), as_312_class_body),
], ids=["walrus", "tuple a", "tuple b", "tuple b 3.13", "one-line for", "comprehension of self",
        "Module forward", "class body"])
@pytest.mark.parametrize("native", [True, False], ids=["this Python", "simulated"])
def test_a_change_in_place_is_replayed_as_eager_in_each_spelling(monkeypatch, make, change,
                                                                  how, native):
    if not native:
        spelled(monkeypatch, how)
    step, _ = differential(make, change)
    assert step.replays > 0 and step.rerecords == 1
