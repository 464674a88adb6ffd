"""MatMul written out by the compiled replay where both operands are matrices
(`matrix_forward`, `matrix_backward`, checked by `jit.plan._which` on the recorded shapes):
`r9 = r7.dot(r5)` forward, `g.dot(W.T)` and one-row `Outer` terms backward, each case next to
eager, bit for bit (`twin_runs`), and a declaration that is not the op's methods called."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_jit_inline import t, twin_runs

from tinygrad_dl import Tensor, ops
from tinygrad_dl.jit.declared import agrees, forward_saves

R = np.random.default_rng(7)
DOT_FORWARD = re.compile(r"^ +r\d+ = [rk]\d+\.dot\(r\d+\)$", re.M)  # (k: a constant)
DOT_BACKWARD = re.compile(r"^ +x = g\.dot\(r\d+\.T\)$", re.M)
OUTER = re.compile(r"^ +x = Outer_\d+\(", re.M)


def rnn(W, A, h0, steps, tail=None):
    """h = tanh(a_t + h W) for `steps` steps, the states concatenated, times 2, summed."""
    def step():
        h, hs = h0, []
        for i in range(steps):
            h = (A[i:i + 1] + h @ (W if tail is None else tail(W))).tanh()
            hs.append(h)
        (ops.Concatenate.apply(*hs, axis=0) * 2.0).sum().backward()
    return step


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_an_rnn_s_products_are_written_out_and_match_eager(dtype):
    W = t((R.standard_normal((4, 4)) * 0.5).astype(dtype))
    A = t(R.standard_normal((5, 4)).astype(dtype))
    _, src = twin_runs(rnn(W, A, Tensor(np.zeros((1, 4), dtype)), 5), (W, A), ())
    assert len(DOT_FORWARD.findall(src)) == 5, src
    assert len(OUTER.findall(src)) == 5 and len(DOT_BACKWARD.findall(src)) == 4, src
    assert not re.search(r"\.saved", src)  # backward reads the registers forward wrote


def test_terms_sent_to_an_op_output_are_summed_before_its_backward_runs():
    """W2 = W * 1.5 is read by every step: its one-row terms wait in D and must be added
    up before Mul's backward reads W2's gradient (and W's .grad then holds all of them)."""
    W = t(R.standard_normal((4, 4)) * 0.5)
    A = t(R.standard_normal((4, 4)))
    _, src = twin_runs(rnn(W, A, Tensor(np.zeros((1, 4))), 4, tail=lambda W: W * 1.5),
                       (W, A), ())
    assert len(OUTER.findall(src)) == 4, src


@pytest.mark.parametrize("case", ["batch", "square", "vector", "batched 3-D", "constant x"])
def test_matrix_products_of_other_shapes_match_eager(case):
    x, W = t(R.standard_normal((3, 5))), t(R.standard_normal((5, 2)))
    written = True
    if case == "square":  # every shape equal: no same_shape declaration, the matrix one
        x, W = t(R.standard_normal((4, 4))), t(R.standard_normal((4, 4)))
    elif case == "vector":  # 1-D: MatMul's methods
        x, written = t(R.standard_normal(5)), False
    elif case == "batched 3-D":
        x, written = t(R.standard_normal((2, 3, 5))), False
    elif case == "constant x":  # no gradient for x: only W's expression (a product)
        x = Tensor(R.standard_normal((3, 5)))

    def step():
        (x @ W).tanh().sum().backward()

    _, src = twin_runs(step, (x, W) if x.requires_grad else (W,), ())
    assert bool(DOT_FORWARD.search(src)) is written, src
    assert bool(re.search(r"^ +x = [rk]\d+\.T\.dot\(g\) if|Outer_\d+\(\([rk]\d+, g", src, re.M)) \
        is written, src


class OneRowAsProduct(ops.MatMul):
    """Declares the product where MatMul's backward gives a one-row term: right for more rows,
    wrong for one (the type differs): the check on the recorded shapes must see that."""

    matrix_backward = ("g.dot({1}.T)", "{0}.T.dot(g)")


class OwnBackward(ops.MatMul):
    """Its own backward (scaled): MatMul's declarations are not its."""

    def backward(ctx, g):
        gx, gy = super().backward(g)
        return (None if gx is None else gx * 2.0), gy


@pytest.mark.parametrize("cls", [OneRowAsProduct, OwnBackward], ids=lambda c: c.__name__)
def test_a_matrix_declaration_that_is_not_the_method_is_not_written_out(cls):
    W = t(R.standard_normal((4, 4)) * 0.5)
    A = t(R.standard_normal((3, 4)))
    h0 = Tensor(np.zeros((1, 4)))

    def step():
        h = h0
        for i in range(3):
            h = (A[i:i + 1] + cls.apply(h, W)).tanh()
        h.sum().backward()

    _, src = twin_runs(step, (W, A), ())
    assert not DOT_BACKWARD.search(src) and not OUTER.search(src), src


@pytest.mark.parametrize("shapes", [((1, 6), (6, 3)), ((4, 6), (6, 3)), ((3, 3), (3, 3))])
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"),
                                    ("float32", "float64")])
def test_matmul_s_declarations_are_its_methods(shapes, dtypes):
    """The checks the plan runs, on their own: MatMul's expressions give its forward and
    backward bit for bit on these shapes, and its forward saves its two inputs."""
    exprs = ops.MatMul.matrix_backward
    assert agrees(ops.MatMul, exprs, dtypes, {}, {}, shapes)
    assert forward_saves(ops.MatMul, ops.MatMul.matrix_forward, dtypes, {}, shapes) == (0, 1)
    # and the check can fail: swapped operands give another product
    assert not agrees(ops.MatMul, ("g.dot({0}.T)", exprs[1]), dtypes, {}, {}, shapes)
    assert forward_saves(ops.MatMul, "{1}.dot({0})", dtypes, {}, shapes) is None


def test_inputs_too_large_to_check_are_not_written_out():
    from tinygrad_dl.jit import declared

    big = (declared.SAMPLE // 8 + 1, 8)
    assert not agrees(ops.MatMul, ops.MatMul.matrix_backward, ("float64",) * 2, {}, {},
                      (big, (8, 2)))
