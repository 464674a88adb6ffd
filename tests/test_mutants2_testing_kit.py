"""Tests written against surviving mutants of tinygrad_dl.testing (round 2): each of
check_grad's and check_float32's checks fails on an op made wrong in exactly the way it
checks (a negative wrt index, a wrong forward, a gradient in another layout or dtype, a graph
under no_grad, a float64 output for float32 inputs), and `lattice` keeps two lattices apart."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from tinygrad_dl import Function, Tensor
from tinygrad_dl.testing import check_float32, check_grad, distinct_arrays, lattice


class _Sum3WrongLast(Function):
    """a + b + c whose gradient for c is 10% too large."""

    def forward(ctx, a, b, c):
        return a + b + c

    def backward(ctx, g):
        return g, g, 1.1 * g


def test_a_negative_wrt_index_checks_the_input_it_counts_from_the_end() -> None:
    a, b, c = (np.array([0.5, 1.5]) * k for k in (1, 2, 3))
    op = _Sum3WrongLast.apply
    check_grad(op, a, b, c, wrt=[-2])  # input 1: right
    with pytest.raises(AssertionError, match=r"input 2 \(2,\): max relative error"):
        check_grad(op, a, b, c, wrt=[-1])  # input 2: wrong


def test_check_grad_checks_the_forward_against_ref() -> None:
    x = np.array([0.5, 1.5, -2.0])
    with pytest.raises(AssertionError, match="forward"):
        check_grad(lambda t: t * 2.0, x, ref=lambda a: a * 2.0 + 1e-9)


class _DoubleReadsMemoryAsContiguous(Function):
    """2 x whose backward reads the upstream gradient's memory as if it were C-contiguous."""

    def forward(ctx, x):
        return x * 2.0

    def backward(ctx, g):
        g = np.asarray(g)
        flat = np.lib.stride_tricks.as_strided(g, shape=(g.size,), strides=(g.itemsize,))
        return 2.0 * flat.reshape(g.shape).copy()


def test_check_grad_tries_a_strided_one_dimensional_upstream_gradient() -> None:
    with pytest.raises(AssertionError, match="memory layout"):
        check_grad(_DoubleReadsMemoryAsContiguous.apply, np.array([0.5, 1.5, -2.0, 0.7]))


def test_check_grad_refuses_an_op_that_records_a_graph_under_no_grad() -> None:
    # an output that requires grad even under no_grad (a new leaf: what a broken op returns)
    with pytest.raises(AssertionError, match="no_grad recorded a graph"):
        check_grad(lambda t: Tensor(t.data * 2.0, requires_grad=True), np.array([0.5, 1.5]))


class _Float64Out(Function):
    """x * 3 computed and returned in float64 whatever the input's dtype."""

    def forward(ctx, x):
        return np.asarray(x, dtype=np.float64) * 3.0

    def backward(ctx, g):
        return 3.0 * g


def test_check_float32_refuses_a_float64_output_for_float32_inputs() -> None:
    with pytest.raises(AssertionError, match="float32 inputs gave a float64 output"):
        check_float32(_Float64Out.apply, np.array([0.5, 1.5]))


def test_lattice_points_of_the_two_offsets_stay_a_tenth_apart() -> None:
    a = np.linspace(-3.0, 3.0, 601)  # every 0.01: values right next to each other
    x, y = lattice(a, 0.0), lattice(a, 0.2)
    assert np.abs(x[:, None] - y[None, :]).min() >= 0.1 - 1e-12
    # each value is squeezed toward its own lattice point, not moved off it
    assert np.abs(lattice(np.array([0.4, 0.5]), 0.0) - [0.4, 0.425]).max() < 1e-12


class _SquareBumpsSaved(Function):
    """x**2 whose backward is right once, then adds 1 to the copy of x it saved. (As if one of
    the library's ops, which the engine does not guard: a user's op raises at the write.)"""

    __module__ = "tinygrad_dl.a_fake_module"

    def forward(ctx, x):
        ctx.save_for_backward(x * 1.0)
        return x * x

    def backward(ctx, g):
        s = ctx.saved[0]
        out = 2 * s * g
        s += 1.0  # a later backward through this graph sees another x
        return out


def test_check_grad_catches_a_backward_that_changes_what_forward_saved() -> None:
    with pytest.raises(AssertionError, match="a second backward gave another gradient"):
        check_grad(_SquareBumpsSaved.apply, np.array([0.5, 1.5]))


@settings(max_examples=15, deadline=None, derandomize=True)
@given(distinct_arrays((40,)))
def test_distinct_arrays_holds_no_two_equal_values(a: np.ndarray) -> None:
    assert len(np.unique(a)) == a.size
