"""jit's guards read the step's bytecode (`jit.bindings.attribute_reads`): what each Python
spells differently must name the same paths, or a guard goes missing and a replay keeps a
stale number without a word. Python 3.14 (not installed on this project's machines) loads an
int 0..255 by LOAD_SMALL_INT and subscripts by BINARY_OP `[]`; the instructions of this
Python are rewritten that way here and must name what they name as they are."""

from __future__ import annotations

import dis
import sys
import types
import warnings
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.jit import bindings, jit, opcodes
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


# ---- an instruction the reader does not know: the step runs eagerly (jit/opcodes.py) ------
def helper_with_a_set(x, a, b):
    return x * len({a, b})  # (BUILD_SET: an instruction the step itself does not hold)


def _jitted(W, use_helper):
    @jit
    def step(X):
        out = (W * Tensor(X)).sum()
        if use_helper:
            out = helper_with_a_set(out, 1.0, 2.0)
        out.backward()
        return out
    return step


def test_on_a_tested_python_every_instruction_is_known():
    assert opcodes.TESTED == ((3, 10) <= sys.version_info[:2] <= (3, 13))
    if opcodes.TESTED:
        assert opcodes.unread(first_item.__code__) is None
    assert opcodes.unread(nested.__code__, known=frozenset()) is not None
    inner = compile("def f():\n    def g():\n        return {1, x}\n    return g", "<t>", "exec")
    assert opcodes.unread(inner, known=opcodes.KNOWN_313 - {"BUILD_SET"}) == "BUILD_SET"


@pytest.mark.skipif(sys.version_info[:2] != (3, 13), reason="the list is 3.13's dis.opmap")
def test_the_known_list_is_3_13s_instructions():
    assert opcodes.KNOWN_313 == frozenset(dis.opmap)


@pytest.mark.parametrize("use_helper", [False, True])
def test_a_step_with_an_unknown_instruction_runs_eagerly_with_the_warning(monkeypatch,
                                                                          use_helper):
    W = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    step = _jitted(W, use_helper)
    code = helper_with_a_set.__code__ if use_helper else step.fn.__code__
    op = "BUILD_SET" if use_helper else next(
        i.opname for i in dis.get_instructions(code) if i.opname.startswith("LOAD_GLOBAL"))
    # as on a Python newer than 3.13 whose `op` is new: this Python's instructions known but it
    monkeypatch.setattr(opcodes, "TESTED", False)
    monkeypatch.setattr(opcodes, "KNOWN", frozenset(dis.opmap) - {op})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(4):
            W.grad = None
            X = np.array([float(k), 1.0])
            out = step(X)
            assert float(out.data) == float((W.data * X).sum()) * (2 if use_helper else 1)
            np.testing.assert_array_equal(W.grad, X * (2 if use_helper else 1))
    assert step.replays == 0
    assert any(op in str(c.message) and "3.10 to 3.13" in str(c.message) for c in caught)


def test_with_every_instruction_known_the_same_step_replays(monkeypatch):
    monkeypatch.setattr(opcodes, "TESTED", False)  # the check runs, and finds nothing
    monkeypatch.setattr(opcodes, "KNOWN", frozenset(dis.opmap))
    W = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    step = _jitted(W, True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(4):
            W.grad = None
            step(np.array([float(k), 1.0]))
    assert step.replays == 2
