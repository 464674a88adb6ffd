"""Wrong, silent or misleading verdicts of the gradient-check kit found by a skeptical review
(2026-12-03); each test failed on the code before its fix: a NaN or infinite gradient passed;
numerical_grad left the array moved when f raised; a complex input was checked by its real
part; a forward writing into its input, a backward writing into g, a right backward at a
kink and a backward returning a list or a string failed for another reason or none;
check_float32 passed a wrong float32 gradient of small entries, or NaN, and refused labels;
and `arrays(..., avoid=...)` pushed a value near a bound out of [lo, hi]."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import tinygrad_dl as tg
from tinygrad_dl import Function, Tensor, autograd
from tinygrad_dl import functional as F
from tinygrad_dl.gradcheck import gradcheck, numerical_grad
from tinygrad_dl.testing import arrays, check_float32, check_grad


class NanAtZero(Function):
    """x * y whose gradient of y is NaN (or `bad`) at element 0."""

    bad = np.nan

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    def backward(ctx, g):
        x, y = ctx.saved
        gy = g * x
        gy[0] = ctx.bad
        return g * y, gy


class InfAtZero(NanAtZero):
    bad = np.inf


@pytest.mark.parametrize("op", [NanAtZero, InfAtZero], ids=["nan", "inf"])
def test_a_non_finite_gradient_fails_check_grad(op: type[Function]) -> None:
    with pytest.raises(AssertionError, match="input 1 .*backward returned a non-finite"):
        check_grad(op.apply, np.array([1.0, 2.0]), np.array([3.0, 4.0]))


def test_a_nan_gradient_of_the_second_input_fails_gradcheck() -> None:
    xs = [Tensor(np.array([1.0, 2.0]), requires_grad=True),
          Tensor(np.array([3.0, 4.0]), requires_grad=True)]
    report = gradcheck(NanAtZero.apply, xs)
    assert not report.passed and report.worst is report.inputs[1], str(report)


def test_numerical_grad_restores_the_array_when_f_raises() -> None:
    W = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(w: np.ndarray) -> float:
        calls.append(1)
        if len(calls) == 6:  # inside the second element's stencil (Ctrl-C in a long check)
            raise KeyboardInterrupt
        return float((w**2).sum())

    with pytest.raises(KeyboardInterrupt):
        numerical_grad(f, W)
    np.testing.assert_array_equal(W, [1.0, 2.0, 3.0])


class Square(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    def backward(ctx, g):
        return g * 2 * ctx.saved[0]


def test_check_grad_refuses_a_complex_input_rather_than_checking_its_real_part() -> None:
    with pytest.raises(TypeError, match="complex128; gradients are checked for real inputs"):
        check_grad(Square.apply, np.array([1 + 2j, 3 - 1j]))


class DoublesInPlace(Function):
    """2x, written into the input's own array (right backward, wrong forward)."""

    def forward(ctx, x):
        x *= 2
        return x.copy()

    def backward(ctx, g):
        return 2 * g


def _doubles_its_input(x: Tensor) -> Tensor:
    """2x, by writing into the Tensor's own array first (not an op: the engine cannot see it)."""
    x.data *= 2
    return x * 1.0


def test_a_forward_that_writes_into_its_input_is_named() -> None:
    # a user's op: the engine makes its inputs read-only while forward runs (write_guard.user_op)
    with pytest.raises(RuntimeError, match="DoublesInPlace.forward wrote into a read-only"):
        check_grad(DoublesInPlace.apply, np.array([1.0, 2.0, 3.0]))
    # any other write into an input: the kit compares the inputs after f
    with pytest.raises(ValueError, match="the op modified input 0 in place"):
        check_grad(_doubles_its_input, np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="f modified x in place"):
        gradcheck(_doubles_its_input, [Tensor(np.array([1.0, 2.0]), requires_grad=True,
                                              name="x")])


class SmallSquare(Function):
    """1e-4 x**2 whose float32 backward is `f32` times the right one."""

    f32 = 3.0

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 1e-4 * x * x

    def backward(ctx, g):
        gx = g * 2e-4 * ctx.saved[0]
        return gx * ctx.f32 if gx.dtype == np.float32 else gx


class NanInFloat32(SmallSquare):
    f32 = np.nan


@pytest.mark.parametrize("op", [SmallSquare, NanInFloat32], ids=["3x", "nan"])
def test_check_float32_catches_a_wrong_float32_gradient_of_small_entries(op) -> None:
    with pytest.raises(AssertionError, match="float32 gradient off"):
        check_float32(op.apply, np.array([0.5, 1.5, -2.0]))


def test_check_float32_compares_at_the_float32_rounded_inputs() -> None:
    # y log x at x = 0.99999: float32's x is 1e-8 off, which moves log x by 0.1%: not the op's
    check_float32(lambda x, y: x**y, np.array(0.99999), np.array(0.0))


def test_check_float32_keeps_integer_labels_integers() -> None:
    logits = np.random.default_rng(0).standard_normal((4, 3))
    check_float32(F.cross_entropy, logits, np.array([0, 1, 2, 1]))


class Relu(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x > 0)
        return np.where(x > 0, x, 0.0)

    def backward(ctx, g):
        return g * ctx.saved[0]


def test_a_right_backward_failing_at_a_kink_says_so() -> None:
    x = np.array([0.5, 3e-5, -1.0])  # 3e-5: the stencil's x - h and x - 2h cross 0
    with pytest.raises(AssertionError, match=r"at \(1,\).*kink or a jump within 0.0002"):
        check_grad(Relu.apply, x)
    report = gradcheck(lambda t: Relu.apply(t).sum(), [Tensor(x, requires_grad=True, name="x")])
    assert not report.passed and "x: finite differences at h=0.0001 and h=1e-05" in str(report)


class OffExp(Function):
    """exp(x) whose backward is 1 + 1e-6 times too large: wrong, at a smooth point."""

    def forward(ctx, x):
        ctx.y = np.exp(x)
        return ctx.y

    def backward(ctx, g):
        return g * ctx.y * (1 + 1e-6)


@pytest.mark.parametrize("x", [[0.3, -2.0], [9.0, 0.1]])
def test_a_wrong_backward_at_a_smooth_point_is_not_blamed_on_a_kink(x: list[float]) -> None:
    with pytest.raises(AssertionError) as e:
        check_grad(OffExp.apply, np.array(x))
    assert "kink" not in str(e.value)
    report = gradcheck(lambda t: OffExp.apply(t).sum(), [Tensor(np.array(x), requires_grad=True)])
    assert not report.passed and "kink" not in str(report)


def test_check_float32_passes_an_output_at_a_zero_of_the_function() -> None:
    # sinc(1) = sin(pi) / pi: float64 gives 3.9e-17, float32 -2.8e-8 (its pi is rounded)
    check_float32(tg.sinc, np.array(1.0))


class WritesUpstream(Function):
    """2x whose backward doubles g in place: right values, but g may be another op's too."""

    def forward(ctx, x):
        return 2 * x

    def backward(ctx, g):
        g *= 2
        return g


class WritesUpstreamUnguarded(WritesUpstream):
    """The same, as if it were one of the library's ops (which the engine does not guard): the
    kit's own check must still see the write."""

    __module__ = "tinygrad_dl.a_fake_module"

    def backward(ctx, g):
        g *= 2
        return g


def test_a_backward_that_writes_into_g_is_named() -> None:
    # a user's op: the engine holds g read-only while its backward runs (write_guard.user_op)
    with pytest.raises(RuntimeError, match=r"WritesUpstream.backward wrote into a read-only "
                                           r"array: its upstream gradient g"):
        check_grad(WritesUpstream.apply, np.array([1.0, 2.0]))
    # an op the engine does not guard: the kit compares g after backward
    assert not hasattr(WritesUpstreamUnguarded.backward, "__wrapped__")
    with pytest.raises(AssertionError, match="backward wrote into its upstream gradient g"):
        check_grad(WritesUpstreamUnguarded.apply, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="backward wrote into its upstream gradient g"):
        gradcheck(WritesUpstreamUnguarded.apply,
                  [Tensor(np.array([1.0, 2.0]), requires_grad=True)])


class ListBackward(Function):
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    def backward(ctx, g):
        x, y = ctx.saved
        return [g * y, g * x]


class ListBackward1(Function):
    def forward(ctx, x):
        return 2 * x

    def backward(ctx, g):
        return [2 * g]


@pytest.mark.parametrize("op, n", [(ListBackward, 2), (ListBackward1, 1)])
def test_a_backward_returning_a_list_is_told_to_return_a_tuple(op, n: int) -> None:
    with pytest.raises(RuntimeError, match=f"backward returned a list of {n}: .* as a tuple"):
        check_grad(op.apply, *[np.array([1.0, 2.0])] * n)


class ReturnsText(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return "2 * g"


def test_an_autograd_function_backward_returning_a_non_array_names_itself() -> None:
    with pytest.raises(TypeError, match="ReturnsText.backward returned str '2 . g' for argument 0"):
        check_grad(ReturnsText.apply, np.array([1.0, 2.0]))


# ---- arrays(..., avoid=...) keeps its values in [lo, hi] -------------------------------------
@given(arrays((6,), lo=0.0, hi=1.0, avoid=[0.05], margin=0.1))
def test_values_pushed_off_a_kink_near_a_bound_stay_in_the_range(a):
    """0.05 with margin 0.1 near lo = 0: a value in (0, 0.05) went to -0.05, outside [lo, hi]
    (a log's check then drew a negative); it goes to the zone's other edge, 0.15."""
    assert a.min() >= 0.0 and a.max() <= 1.0
    assert not np.any(np.abs(a - 0.05) < 0.1 - 1e-12)


def test_a_range_wholly_within_the_margin_is_refused_in_one_line():
    with pytest.raises(ValueError, match=r"arrays: every value in \[0.0, 0.1\] is within 0.1"):
        arrays((3,), lo=0.0, hi=0.1, avoid=[0.05], margin=0.1)
