"""Ops a replay writes out for the shapes it recorded (`shaped_forward`, `shaped_backward`:
MatMul's 2-D products, an RNN step's h @ W with its one-row gradient term): written out only
where the declaration is the op's own and gives its methods' results bit for bit on inputs
of those shapes; every case runs next to eager, bit for bit, from the same `.grad` state."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_jit_inline import t, twin_runs

from tinygrad_dl import ops
from tinygrad_dl.jit import declared
from tinygrad_dl.jit.plan import Plan
from tinygrad_dl.ops.elementwise import Outer

R = np.random.default_rng(3)
DOT_FORWARD = re.compile(r"^ +r\d+ = r\d+\.dot\([rk]\d+\)$", re.M)  # (k: a constant)
# (into D, or into the local list of a key that only such lines send terms: `dw7`)
ONE_ROW_TERM = re.compile(r"^ +(?:D\.setdefault\(\d+, \[\]\)|dw\d+)\.append\(Outer_\d+\(\(r\d+, "
                          r"g, \(\d+, \d+\)\)\)\)$", re.M)
CALLED_FORWARD = re.compile(r"^ +r\d+ = f\d+\(r\d+, r\d+\)$", re.M)


def rnn_step(A, W, h0, T):
    def step():
        h = h0.reshape(1, -1)
        hs = []
        for i in range(T):
            h = (A[i:i + 1] + h @ W).tanh()
            hs.append(h)
        (ops.Concatenate.apply(*hs, axis=0) ** 2).sum().backward()
    return step


def plan_of(jitted):
    return next(v for v in jitted.cache.values() if type(v) is Plan)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_rnn_step_s_product_is_written_out_forward_and_backward(dtype):
    A = t(R.standard_normal((5, 4)).astype(dtype))
    W = t((R.standard_normal((4, 4)) * 0.5).astype(dtype))
    h0 = t(R.standard_normal(4).astype(dtype))
    jitted, src = twin_runs(rnn_step(A, W, h0, 5), (A, W, h0), ())
    assert len(DOT_FORWARD.findall(src)) == 5, src
    assert len(ONE_ROW_TERM.findall(src)) == 5, src  # W's terms: one product at the end
    # (W's transpose, one view made where the last step's backward first reads it)
    assert len(re.findall(r"^ +x = g\.dot\((r\d+)\)$", src, re.M)) == 5
    assert len(re.findall(r"^ +r\d+ = r\d+\.T$", src, re.M)) == 1, src
    assert not CALLED_FORWARD.search(src) and ".saved" not in src
    # (their ctx objects are not kept: the plan calls no MatMul method)
    assert not any(type(c) is ops.MatMul for c in plan_of(jitted).ctxs)


def test_a_product_of_many_rows_writes_its_weight_gradient_as_one_product():
    X, W = t(R.standard_normal((6, 3))), t(R.standard_normal((3, 2)))
    _, src = twin_runs(lambda: ((X @ W).tanh() * 3.0).sum().backward(), (X, W), ())
    assert re.search(r"^ +x = r\d+\.T\.dot\(g\)$", src, re.M), src
    assert len(DOT_FORWARD.findall(src)) == 1


def test_the_weight_s_terms_and_a_dense_gradient_add_up_as_eagerly():
    """W gets one-row terms (deferred to one product) and a dense L2 gradient: the order of
    the sums is eager's, so the bits are."""
    A, W = t(R.standard_normal((4, 3))), t(R.standard_normal((3, 3)) * 0.5)
    h0 = t(R.standard_normal(3))
    inner = rnn_step(A, W, h0, 4)

    def step():
        inner()
        ((W * W).sum() * 0.01).backward()  # a second backward into the same .grad
        (W @ W).sum().backward()  # a dense product of W with itself, same op class

    twin_runs(step, (A, W, h0), ())


def test_a_frozen_weight_gets_no_term_and_h0_its_gradient():
    A, W = t(R.standard_normal((4, 3))), t(R.standard_normal((3, 3)) * 0.5, grad=False)
    h0 = t(R.standard_normal(3))
    _, src = twin_runs(rnn_step(A, W, h0, 4), (A, h0), ())
    assert not ONE_ROW_TERM.search(src)
    assert len(DOT_FORWARD.findall(src)) == 4


def test_a_vector_operand_is_not_written_out():
    x, W = t(R.standard_normal(3)), t(R.standard_normal((3, 2)))
    _, src = twin_runs(lambda: ((x @ W) ** 2).sum().backward(), (x, W), ())
    assert not DOT_FORWARD.search(src) and CALLED_FORWARD.search(src), src


def test_a_product_larger_than_the_check_s_sample_is_called(monkeypatch):
    monkeypatch.setattr(declared, "SHAPED_SAMPLE", 10)  # (the check's bound, made small)
    X, W = t(R.standard_normal((4, 3))), t(R.standard_normal((3, 2)))
    _, src = twin_runs(lambda: ((X @ W) ** 2).sum().backward(), (X, W), ())
    assert not DOT_FORWARD.search(src) and CALLED_FORWARD.search(src), src
    assert ".dot(" not in src


class HalfGradMatMul(ops.MatMul):
    """MatMul's forward and declarations, its own backward (half the gradient): inherits
    neither shaped expression, so replay must call its backward."""

    def backward(ctx, g):
        gx, gy = super().backward(g * 0.5)
        return gx, gy


class LyingMatMul(ops.MatMul):
    """Declares its own shaped backward with W's transpose left out: the check against
    backward (square W, where the shapes would not give it away) must refuse it."""

    @staticmethod
    def shaped_backward(shapes):
        return ("g.dot({1})", "{0}.T.dot(g)")


@pytest.mark.parametrize("cls", [HalfGradMatMul, LyingMatMul], ids=lambda c: c.__name__)
def test_a_backward_that_is_not_its_declaration_is_called(cls):
    X, W = t(R.standard_normal((3, 3))), t(R.standard_normal((3, 3)))
    jitted, src = twin_runs(lambda: (cls.apply(X, W).tanh() ** 2).sum().backward(), (X, W), ())
    assert re.search(r"^ +r = b\d+\(g\)$", src, re.M), src  # its backward, called
    assert not re.search(r"^ +x = g\.dot", src, re.M), src


def test_same_compares_gradient_terms_item_by_item():
    x, g = np.ones((1, 3)), np.arange(3.0).reshape(1, 3)
    assert declared.same(Outer((x, g, (3, 3))), Outer((x, g.copy(), (3, 3))))
    assert not declared.same(Outer((x, g, (3, 3))), Outer((x, g + 1, (3, 3))))
    assert not declared.same(Outer((x, g, (3, 3))), Outer((x, g, (3, 4))))
    assert not declared.same(Outer((x, g, (3, 3))), (x, g, (3, 3)))  # a plain tuple
    assert not declared.same(np.float64(1.0), np.asarray(1.0))  # a scalar, a 0-d array
    assert not declared.same(g, g.reshape(3, 1))  # same bytes, another shape
    assert not declared.same(g, g.astype(np.float32).astype(np.float64).view(np.int64))


class BadDeclarations(ops.MatMul):
    """A user's MatMul whose shaped declarations raise or answer nonsense: its methods are
    called, and the step replays as eagerly."""

    @staticmethod
    def shaped_forward(shapes):
        raise RuntimeError("no")

    @staticmethod
    def shaped_backward(shapes):
        return ["g.dot({1}.T)", 3]  # a list, with an int


def test_declarations_that_raise_or_answer_nonsense_are_not_used():
    X, W = t(R.standard_normal((3, 2))), t(R.standard_normal((2, 2)))
    _, src = twin_runs(lambda: (BadDeclarations.apply(X, W) ** 2).sum().backward(), (X, W), ())
    assert CALLED_FORWARD.search(src) and re.search(r"^ +r = b\d+\(g\)$", src, re.M), src


@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float32")])
def test_operands_of_two_dtypes_replay_as_eagerly(dtypes):
    """x in one dtype and W in another: the product, its gradients and W's one-row terms
    in the wider dtype, each gradient stored in its tensor's own dtype, as eagerly."""
    A = t(R.standard_normal((4, 3)).astype(dtypes[0]))
    h0 = t(R.standard_normal(3).astype(dtypes[0]))
    W = t((R.standard_normal((3, 3)) * 0.5).astype(dtypes[1]))
    _, src = twin_runs(rnn_step(A, W, h0, 4), (A, W, h0), ())
    assert len(DOT_FORWARD.findall(src)) == 4, src


def test_an_empty_batch_replays_as_eagerly():
    X, W = t(np.zeros((0, 3))), t(R.standard_normal((3, 2)))
    twin_runs(lambda: ((X @ W) ** 2).sum().backward(), (X, W), ())


@settings(deadline=None)  # (examples: the profile, tests/conftest.py)
@given(n=st.integers(1, 3), k=st.integers(1, 4), m=st.integers(1, 3),
       dtypes=st.sampled_from([("float64", "float64"), ("float32", "float32"),
                               ("float32", "float64")]),
       needs=st.sampled_from([(True, True), (True, False), (False, True)]),
       seed=st.integers(0, 2**16))
def test_any_two_matrices_replay_as_eagerly(n, k, m, dtypes, needs, seed):
    """Products of random shapes (one row or more), dtypes and which operand needs a
    gradient, used twice (the second use of W after a tanh): bit for bit as eagerly."""
    rng = np.random.default_rng(seed)
    X = t(rng.standard_normal((n, k)).astype(dtypes[0]), needs[0])
    W = t(rng.standard_normal((k, m)).astype(dtypes[1]), needs[1])
    V = t(rng.standard_normal((m, k)).astype(dtypes[1]))

    def step():
        ((X @ W).tanh() @ V @ W).sum().backward()

    twin_runs(step, [p for p in (X, W, V) if p.requires_grad], ())


def two_backwards_source() -> str:
    """A 3-step RNN whose loss is backpropagated twice (retain_graph=True, then again),
    replayed against eager (twin_runs): the compiled step's source."""
    A, W = t(R.standard_normal((3, 2))), t(R.standard_normal((2, 2)))
    h0 = t(R.standard_normal(2))

    def step():
        h, hs = h0.reshape(1, -1), []
        for i in range(3):
            h = (A[i:i + 1] + h @ W).tanh()
            hs.append(h)
        loss = (ops.Concatenate.apply(*hs, axis=0) ** 2).sum()
        loss.backward(retain_graph=True)
        (loss * 3.0).backward()

    _, src = twin_runs(step, (A, W, h0), ())
    return src


def test_two_backwards_through_one_graph_replay_as_eagerly():
    """retain_graph=True, then a second backward: the written-out products read their
    operands' registers both times (nothing was released), W's one-row terms are made
    and summed once per backward, as eagerly."""
    src = two_backwards_source()
    assert len(ONE_ROW_TERM.findall(src)) == 6, src  # three per backward
