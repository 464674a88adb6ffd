"""The kit's backward with -g (check_grad, gradcheck): a backward right for one sign of g only
fails gradcheck as a wrong gradient does (a failed report, GradcheckError with
raise_exception=True, as torch's gradcheck returns False / raises for every failed check: it
raised ValueError whatever the flag, naming no op); a backward that raises for a negative g
only is named as such (it was "a second backward raised ...: never free or change ctx");
correct backwards with inf / NaN / -0.0 entries or a branch on g pass."""

import math
import warnings

import numpy as np
import pytest
from test_gradcheck_upstream_sign_hH4 import CubeLossAbsG  # (a scalar loss taking |g|)

from tinygrad_dl import Function, Tensor
from tinygrad_dl.gradcheck import GradcheckError, gradcheck, negated_upstream_differs
from tinygrad_dl.testing import check_grad


class CubeLossSqrtG(Function):  # right for g > 0, raises for g < 0
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray((x ** 3).sum())

    def backward(ctx, g):
        (x,) = ctx.saved
        return math.sqrt(float(g)) ** 2 * 3 * x ** 2


class FreesSaved(Function):  # frees what it read: any second backward raises
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    def backward(ctx, g):
        (x,) = ctx.saved
        ctx.saved = None
        return 2 * g


X = np.array([0.3, -1.2])


def test_gradcheck_reports_a_one_sign_backward_as_failed_without_raise_exception():
    x = Tensor(X, requires_grad=True, name="x")
    report = gradcheck(CubeLossAbsG.apply, [x], raise_exception=False)  # raised ValueError
    assert not report.passed and not report
    head = str(report).splitlines()[0]
    assert head.startswith("gradcheck FAILED for CubeLossAbsG: x: backward(-g) is not "
                           "-backward(g) at (1,)"), head
    assert not gradcheck(CubeLossAbsG.apply, [x]).passed  # the default: a report too


@pytest.mark.parametrize("flag", [{"raise_exception": True}, {"raise_on_fail": True}])
def test_gradcheck_raises_gradcheck_error_for_a_one_sign_backward_when_asked(flag):
    x = Tensor(X, requires_grad=True, name="x")
    with pytest.raises(GradcheckError, match=r"^gradcheck FAILED for CubeLossAbsG: x: "
                                             r"backward\(-g\)") as e:
        gradcheck(CubeLossAbsG.apply, [x], **flag)
    assert not e.value.report.passed
    assert x.grad is None  # the caller's tensor is left as it was


def test_check_grad_names_a_backward_that_raises_for_negative_g_only():
    with pytest.raises(AssertionError, match=r"^check_grad: CubeLossSqrtG: backward with the "
                                             r"upstream gradient -g raised ValueError: math "
                                             r"domain error: a gradient is linear"):
        check_grad(CubeLossSqrtG.apply, X)


def test_gradcheck_names_a_backward_that_raises_for_negative_g_only():
    x = Tensor(X, requires_grad=True)
    with pytest.raises(ValueError, match=r"^gradcheck: CubeLossSqrtG: backward with the "
                                         r"upstream gradient -g raised ValueError"):
        gradcheck(CubeLossSqrtG.apply, [x])


def test_a_backward_that_frees_ctx_still_says_second_backward_raised():
    with pytest.raises(AssertionError, match=r"^a second backward \(the first with "
                                             r"retain_graph=True\) raised TypeError"):
        check_grad(FreesSaved.apply, X)
    # (torch's gradcheck lets the backward's error through whatever raise_exception says)
    with pytest.raises(ValueError, match=r"^gradcheck: FreesSaved: a second backward"):
        gradcheck(FreesSaved.apply, [Tensor(X, requires_grad=True)], raise_exception=False)


@pytest.mark.parametrize("f, a", [
    (lambda t: t.sqrt(), [0.0, 4.0, -1.0]),  # inf and NaN entries
    (lambda t: Tensor(np.array([0.0, 2.0, 0.0])) ** t, [0.5, -1.0, 2.0]),  # pow: where(g == 0)
    (lambda t: t.relu() * 0.0, [1.0, -1.0, 0.0]),  # -0.0 for one sign, 0.0 for the other
    (lambda t: t.maximum(Tensor(np.array([1.0, 0.0, np.nan]))), [1.0, -1.0, 0.0]),  # ties, NaN
])
def test_negated_upstream_passes_correct_backwards_with_odd_entries(f, a):
    x = Tensor(np.array(a), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = f(x)
        g = np.array([0.7, -1.3, 0.9])
        out.backward(g, retain_graph=True)
        first = [x.grad.copy()]
        assert negated_upstream_differs(out, g, [x], first) is None
    np.testing.assert_array_equal(x.grad, first[0])  # the leaf gets its gradient back


def test_negated_upstream_finds_a_gradient_for_one_sign_only():
    class GradForPositiveGOnly(Function):
        def forward(ctx, x):
            return x * 2

        def backward(ctx, g):
            return None if (g < 0).all() else 2 * g

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = GradForPositiveGOnly.apply(x)
    g = np.array([0.5, 0.25])
    out.backward(g, retain_graph=True)
    first = [x.grad.copy()]
    assert negated_upstream_differs(out, g, [x], first) == (0, (0,), 0.0, 1.0)
