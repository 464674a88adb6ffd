"""jit's guards read the step's bytecode (`jit.bindings.attribute_reads`): what each Python
spells differently must name the same paths, or a guard goes missing and a replay keeps a
stale number without a word. Python 3.14 (not installed on this project's machines) loads an
int 0..255 by LOAD_SMALL_INT and subscripts by BINARY_OP `[]`; the instructions of this
Python are rewritten that way here and must name what they name as they are."""

from __future__ import annotations

import dis
import types
from typing import Any

import pytest

from tinygrad_dl.jit import bindings
from tinygrad_dl.jit.bindings import attribute_reads


def as_314(code: Any) -> Any:
    """`code`'s instructions as Python 3.14 spells a small int constant and a subscript."""
    for ins in dis.get_instructions(code):
        if ins.opname == "LOAD_CONST" and type(ins.argval) is int and 0 <= ins.argval < 256:
            yield ins._replace(opname="LOAD_SMALL_INT", arg=ins.argval, argval=ins.argval,
                               argrepr=repr(ins.argval))
        elif ins.opname == "BINARY_SUBSCR":
            yield ins._replace(opname="BINARY_OP", arg=26, argval=26, argrepr="[]")
        else:
            yield ins


def first_item(S, x):
    return x * S[0]


def last_item(nets, x):
    return x * nets[-1]


def nested(cfg, x):
    return x * cfg["opts"][0]["lr"] + cfg.get(1, 0.0)


def method(self, x):
    c = self.cfg
    return x * c.lr * self.sizes[2]


@pytest.mark.parametrize("fn, name, path", [
    (first_item, "S", (0,)),
    (last_item, "nets", (-1,)),
    (nested, "cfg", ("opts", 0, "lr")),
    (nested, "cfg", (1,)),
    (method, "self", ("cfg", "lr")),
    (method, "self", ("sizes", 2)),
])
def test_python_3_14s_spelling_names_the_same_paths(monkeypatch, fn, name, path):
    here = attribute_reads(fn.__code__)
    assert path in here[("l", name)]  # (this Python's own spelling)
    monkeypatch.setattr(bindings, "dis", types.SimpleNamespace(get_instructions=as_314))
    spelled = list(as_314(fn.__code__))
    assert any(i.opname in ("LOAD_SMALL_INT", "BINARY_OP") for i in spelled)
    assert attribute_reads(fn.__code__) == here
