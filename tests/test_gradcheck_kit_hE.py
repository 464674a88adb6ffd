"""A skeptic's review of the gradient-checking kit on user-written ops with subtly wrong
backwards: each must fail with one line naming the op, the input, the worst element and the
two values; right ops at points where finite differences measure no derivative (a tie of max)
must say why; tuple outputs and torch.autograd.gradcheck's keywords are taken or refused in one
line."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from test_testing_kit import Exp

from tinygrad_dl import Function, Tensor
from tinygrad_dl.gradcheck import GradcheckError, gradcheck
from tinygrad_dl.testing import arrays, check_grad, shapes

RNG = np.random.default_rng(1)
A, B = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))


class MulSignOnY(Function):
    """x * y whose backward has a sign error on y only."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    def backward(ctx, g):
        x, y = ctx.saved
        return g * y, -g * x


class SinOffAtLast(Function):
    """sin, its backward 0.1% off at the last element in C order (a copy, so right, in Fortran
    order: `reshape(-1)` of a non-C array)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    def backward(ctx, g):
        r = g * np.cos(ctx.saved[0])
        r.reshape(-1)[-1] *= 1.001
        return r


class Max2(Function):
    """elementwise max, ties to x: right everywhere, with no derivative at a tie."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.maximum(x, y)

    def backward(ctx, g):
        x, y = ctx.saved
        m = x >= y
        return g * m, g * ~m


class Twice(Function):
    def forward(ctx, x):
        return x * 2.0

    def backward(ctx, g):
        return g  # forgot the 2


def _leaves(*arrays: np.ndarray) -> list[Tensor]:
    return [Tensor(a, requires_grad=True) for a in arrays]


def test_a_sign_error_on_one_input_names_the_op_the_input_and_both_values() -> None:
    with pytest.raises(AssertionError, match=r"^check_grad: MulSignOnY: input 1 \(3, 4\): max "
                       r"relative error 1\.000e\+00 > 1e-07 at \(\d, \d\): analytic \S+, "
                       r"numeric \S+$"):
        check_grad(MulSignOnY.apply, A, B)
    report = gradcheck(MulSignOnY.apply, _leaves(A, B))
    first = str(report).splitlines()[0]  # what a log or pytest's summary shows
    assert not report.passed and report.worst.name == "input 1"
    assert first.startswith("gradcheck FAILED for MulSignOnY: max relative error 1.000e+00")
    assert " at input 1 (" in first and "analytic" in first and "numeric" in first


def test_a_backward_wrong_at_one_element_fails_on_that_element_not_on_the_layout() -> None:
    # the layout check ran first and blamed "another memory layout" in NumPy's 10-line report
    with pytest.raises(AssertionError) as e:
        check_grad(SinOffAtLast.apply, A)
    msg = str(e.value)
    assert msg.startswith("check_grad: SinOffAtLast: input 0 (3, 4): max relative error")
    assert "at (2, 3)" in msg and "\n" not in msg
    assert not gradcheck(SinOffAtLast.apply, _leaves(A))


def test_a_layout_failure_is_one_line() -> None:
    class DoubleCOrder(Function):
        def forward(ctx, x):
            return x * 2.0

        def backward(ctx, g):
            out = np.zeros_like(g)  # keeps g's layout; ravel() of a non-C array is a copy
            out.ravel()[:] = (2.0 * g).ravel()
            return out

    with pytest.raises(AssertionError, match=r"^check_grad: DoubleCOrder: input 0: another "
                       r"gradient [^\n]* memory layout [^\n]* at "
                       r"\(\d, \d\): \S+ there, \S+ in C order: does backward assume C "
                       r"order\?$"):
        check_grad(DoubleCOrder.apply, A)


def test_a_factor_two_only_where_an_input_is_broadcast_is_caught() -> None:
    class AddTwiceWhenBroadcast(Function):
        def forward(ctx, x, y):
            ctx.broadcast = x.shape != y.shape
            return x + y

        def backward(ctx, g):
            return g, (2 * g.sum(0) if ctx.broadcast else g)

    check_grad(AddTwiceWhenBroadcast.apply, A, B)  # same shapes: right
    with pytest.raises(AssertionError, match=r"AddTwiceWhenBroadcast: input 1 \(4,\)"):
        check_grad(AddTwiceWhenBroadcast.apply, A, B[0])


def test_an_unbroadcast_over_the_wrong_axis_is_caught() -> None:
    class AddWrongAxis(Function):  # y (3, 1) summed over axis 0: the right shape, wrong values
        def forward(ctx, x, y):
            ctx.y_shape = y.shape
            return x + y

        def backward(ctx, g):
            return g, g.sum(axis=0, keepdims=True).reshape(ctx.y_shape)

    x = RNG.normal(size=(3, 3))
    with pytest.raises(AssertionError, match=r"AddWrongAxis: input 1 \(3, 1\)"):
        check_grad(AddWrongAxis.apply, x, RNG.normal(size=(3, 1)))


def test_a_backward_that_ignores_a_keyword_fails_at_any_value_but_the_default() -> None:
    class Scale(Function):
        def forward(ctx, x, k=1.0):
            return x * k

        def backward(ctx, g):
            return g

    check_grad(Scale.apply, A)
    with pytest.raises(AssertionError, match="Scale: input 0"):
        check_grad(Scale.apply, A, k=3.0)


def test_a_tie_of_max_fails_with_the_reason_not_a_bare_number() -> None:
    x, y = np.array([1.0, 2.0]), np.array([1.0, 3.0])  # a tie at 0
    with pytest.raises(AssertionError, match=r"Max2: input 0 .* at \(0,\).*corner at this very "
                       r"point \(one-sided slopes"):
        check_grad(Max2.apply, x, y)
    report = gradcheck(Max2.apply, _leaves(x, y))
    assert not report.passed and "corner at this very point" in report.note
    check_grad(Max2.apply, x, y + 0.5)  # off the tie: right


def test_a_wrong_smooth_backward_gets_no_corner_note() -> None:
    with pytest.raises(AssertionError) as e:
        check_grad(Twice.apply, A)
    assert "corner" not in str(e.value) and "kink" not in str(e.value)


def test_a_float32_forward_is_named_and_not_called_a_kink() -> None:
    class Sin32(Function):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.sin(x).astype(np.float32)

        def backward(ctx, g):
            return g * np.cos(ctx.saved[0])

    with pytest.raises(AssertionError) as e:
        check_grad(Sin32.apply, A)
    assert "returned float32 for float64 inputs" in str(e.value)
    assert "kink" not in str(e.value)  # (it said both: float32 rounding is no kink)


def test_several_outputs_are_checked_as_one_and_a_wrong_one_fails() -> None:
    def both(t: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        return t * 2, t.exp(), t.argmax()  # an integer output has no gradient: left out

    def wrong(t: Tensor) -> tuple[Tensor, Tensor]:
        return t * 3, Twice.apply(t)

    assert gradcheck(both, _leaves(A)).passed
    check_grad(both, A)
    assert not gradcheck(wrong, _leaves(A))
    with pytest.raises(AssertionError, match="check_grad: wrong: input 0"):
        check_grad(wrong, A, ref=lambda a: (3 * a, 2 * a))
    with pytest.raises(TypeError, match=r"^gradcheck: f returned a tuple whose output 1 is float"):
        gradcheck(lambda t: (t * 2, 3.0), _leaves(A))


def test_torch_gradcheck_keywords_are_taken_or_refused_in_one_line() -> None:
    x = _leaves(A)
    assert not gradcheck(Twice.apply, x, raise_exception=False)
    with pytest.raises(GradcheckError, match="Twice"):
        gradcheck(Twice.apply, x, raise_exception=True)
    assert gradcheck(lambda t: t * 2, x, nondet_tol=0.0, check_undefined_grad=True,
                     fast_mode=True).passed
    with pytest.raises(TypeError, match=r"^gradcheck: atol= is torch.autograd.gradcheck's, not "
                       r"supported here: tol= bounds the relative error[^\n]*$"):
        gradcheck(Twice.apply, x, atol=1e-5)
    # nondet_tol is taken, as torch's (it was refused): it lets two backwards differ, not a
    # wrong gradient pass; a negative or NaN one (torch's fails or passes every op) is refused
    assert not gradcheck(Twice.apply, x, nondet_tol=1e-3)
    assert gradcheck(lambda t: t * 2, x, nondet_tol=1e-3).passed
    with pytest.raises(ValueError, match=r"^gradcheck: nondet_tol=-0.001 must be a number >= 0"):
        gradcheck(lambda t: t * 2, x, nondet_tol=-1e-3)
    with pytest.raises(TypeError, match=r"^gradcheck: unknown option foo=; the options are tol"):
        gradcheck(Twice.apply, x, foo=1)


def test_what_the_kit_got_right_on_the_rest_of_the_list() -> None:
    # abs at exactly 0 with sign(0) = 0: the central difference is 0 too, no false failure
    class Abs(Function):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.abs(x)

        def backward(ctx, g):
            return g * np.sign(ctx.saved[0])

    check_grad(Abs.apply, np.array([0.0, 1.0, -2.0]))
    # exp at 700 (1e304): a right backward passes, no false alarm
    check_grad(Exp.apply, np.array([700.0, 1.0]))
    assert gradcheck(Exp.apply, _leaves(np.array([700.0, 1.0]))).passed
    # 0-d, 0-size, a constant input, an input that needs no grad (only input 1 checked)
    check_grad(lambda t: t.sin(), np.array(0.3))
    check_grad(MulSignOnY.apply, np.zeros((0, 3)), np.zeros((0, 3)))
    check_grad(MulSignOnY.apply, A, B, wrt=[0])
    report = gradcheck(MulSignOnY.apply, [Tensor(A), Tensor(B, requires_grad=True)])
    assert not report.passed and [r.name for r in report.inputs] == ["input 1"]
    # a backward that returns g itself (a view) for an op used twice: the engine never adds
    # into it, so the gradient is right and the check says so
    class Identity(Function):
        def forward(ctx, x):
            return x * 1.0

        def backward(ctx, g):
            return g[...]

    check_grad(lambda t: Identity.apply(t) * 2 + Identity.apply(t) + t, A)
    # one that writes into g in place is stopped with one line
    class DoubleInPlace(Function):
        def forward(ctx, x):
            return x * 2.0

        def backward(ctx, g):
            g *= 2
            return g

    with pytest.raises(RuntimeError, match="DoubleInPlace.backward wrote into a read-only"):
        check_grad(DoubleInPlace.apply, A)


@settings(deadline=None, max_examples=25)
@given(arrays(shapes()))
def test_hypothesis_catches_the_sign_error_at_every_drawn_shape(x: np.ndarray) -> None:
    if not x.size or np.abs(x).max() < 1e-3:  # (gradients below ~1e-11 are under the kit's
        check_grad(MulSignOnY.apply, x, x + 1.0, wrt=[0])  # absolute floor: not measured)
        return
    with pytest.raises(AssertionError, match="MulSignOnY: input 1"):
        check_grad(MulSignOnY.apply, x, x + 1.0)
