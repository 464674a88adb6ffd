"""gradcheck's second backward follows torch.autograd.gradcheck's contract: a backward whose
second call gives another gradient (it changes what forward saved, or is random) fails the
check as torch's "backward is not reentrant" does, a failed report with raise_exception=False
(torch: False) and GradcheckError with raise_exception=True or raise_on_fail=True (it raised
ValueError whatever the flag); nondet_tol is taken as torch's (it was refused), a negative or
NaN one refused (torch's fails, or passes, every op). A backward that raises the second time
still raises ValueError whatever the flag, as torch lets that error through, now naming the
op. check_grad (assert-based) is unchanged."""

import numpy as np
import pytest
from test_gradcheck_negated_upstream_hH4r import FreesSaved  # (a second backward raises)
from test_gradcheck_review import ChangesItsState  # (each backward adds 1 to its factor)

from tinygrad_dl import Function, Tensor
from tinygrad_dl.gradcheck import GradcheckError, gradcheck
from tinygrad_dl.testing import check_grad

X = np.array([[0.3, -1.2], [0.8, 2.0]])
FLAGS = [{"raise_exception": True}, {"raise_on_fail": True}]


def noisy_cube(noise: float) -> type:
    """x ** 3 whose backward adds seeded noise of `noise` (times g) each call."""
    rng = np.random.default_rng(7)

    class NoisyCube(Function):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        def backward(ctx, g):
            (x,) = ctx.saved
            return g * (3 * x ** 2 + noise * rng.standard_normal(x.shape))

    return NoisyCube


class NoneSecondTime(Function):  # a gradient the first time, None after
    def forward(ctx, x):
        ctx.calls = 0
        return x * 2

    def backward(ctx, g):
        ctx.calls += 1
        return 2 * g if ctx.calls == 1 else None


def _x() -> Tensor:
    return Tensor(X.copy(), requires_grad=True, name="x")


def _head(report) -> str:
    return str(report).splitlines()[0]


@pytest.mark.parametrize("op", [ChangesItsState, noisy_cube(1e-8)], ids=["drifts", "random"])
def test_a_second_backward_that_differs_is_a_failed_report_without_raise_exception(op):
    x = _x()
    report = gradcheck(op.apply, [x], raise_exception=False)  # raised ValueError
    assert not report.passed and not report
    assert _head(report).startswith(f"gradcheck FAILED for {op.__name__}: x: a second backward "
                                    "gave another gradient (off by "), _head(report)
    assert "not reentrant" in _head(report)
    assert not gradcheck(op.apply, [_x()]).passed  # the default: a report too
    assert x.grad is None  # the caller's tensor is left as it was


@pytest.mark.parametrize("flag", FLAGS, ids=["raise_exception", "raise_on_fail"])
def test_a_second_backward_that_differs_raises_gradcheck_error_when_asked(flag):
    with pytest.raises(GradcheckError, match=r"^gradcheck FAILED for ChangesItsState: x: a second "
                                             r"backward gave another gradient \(off by 4\.13 at "
                                             r"\(1, 1\), nondet_tol 0\)[^\n]*\n") as e:
        gradcheck(ChangesItsState.apply, [_x()], **flag)
    assert not e.value.report.passed
    assert e.value.report.inputs[0].max_rel_error < 1e-7  # its first gradient was right


def test_a_second_backward_that_gives_no_gradient_fails_for_both_flags():
    report = gradcheck(NoneSecondTime.apply, [_x()], raise_exception=False)
    assert not report.passed
    assert _head(report).startswith("gradcheck FAILED for NoneSecondTime: x: a second "
                                    "backward gave another gradient (off by "), _head(report)
    with pytest.raises(GradcheckError, match="^gradcheck FAILED for NoneSecondTime: x: a second "
                                             "backward gave another gradient"):
        gradcheck(NoneSecondTime.apply, [_x()], raise_exception=True)


def test_the_reentrancy_failure_is_told_first_where_the_numbers_fail_too():
    report = gradcheck(noisy_cube(1e-2).apply, [_x()])  # noise far above tol
    assert report.max_rel_error > report.tol  # (the numbers fail as well ...)
    assert "a second backward gave another gradient" in _head(report)  # (... this is why)


def test_nondet_tol_lets_a_random_backward_pass_as_torchs_does():
    torch = pytest.importorskip("torch")
    assert gradcheck(noisy_cube(1e-8).apply, [_x()], nondet_tol=1e-6).passed  # was refused
    # (backward(-g) vs -backward(g) differs by the noise too: nondet_tol covers it there)
    assert not gradcheck(noisy_cube(1e-8).apply, [_x()], nondet_tol=1e-10).passed
    assert not gradcheck(ChangesItsState.apply, [_x()], nondet_tol=1e-3).passed  # off by 4.13
    gen = torch.Generator().manual_seed(0)

    class TorchNoisyCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (3 * x ** 2 + 1e-8 * torch.randn(x.shape, generator=gen,
                                                          dtype=x.dtype))

    tx = torch.tensor(X, requires_grad=True)
    assert torch.autograd.gradcheck(TorchNoisyCube.apply, (tx,), nondet_tol=1e-6)
    assert not torch.autograd.gradcheck(TorchNoisyCube.apply, (tx,), raise_exception=False)


@pytest.mark.parametrize("bad", [-1e-3, float("nan"), "1e-3", True])
def test_a_nondet_tol_that_is_not_a_number_at_least_0_is_refused(bad):
    with pytest.raises(ValueError, match=r"^gradcheck: nondet_tol=\S+ must be a number >= 0: "
                                         r"[^\n]*$"):
        gradcheck(lambda t: t * 2, [_x()], nondet_tol=bad, raise_exception=False)


@pytest.mark.parametrize("flag", [{"raise_exception": False}, {"raise_exception": True}])
def test_a_second_backward_that_raises_raises_whatever_the_flag_naming_the_op(flag):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"^gradcheck: FreesSaved: a second backward "
                                         r"\(the first with retain_graph=True\) raised "
                                         r"TypeError: [^\n]*$"):
        gradcheck(FreesSaved.apply, [_x()], **flag)
    with pytest.raises(ValueError, match=r"^gradcheck: f: a second backward"):  # a lambda
        gradcheck(lambda t: FreesSaved.apply(t), [_x()], **flag)

    class TorchFreesSaved(torch.autograd.Function):  # the oracle: its error, any flag
        @staticmethod
        def forward(ctx, x):
            ctx.calls = 0
            return x * 2

        @staticmethod
        def backward(ctx, g):
            ctx.calls += 1
            if ctx.calls > 1:
                raise TypeError("freed")
            return 2 * g

    with pytest.raises(TypeError, match="freed"):
        torch.autograd.gradcheck(TorchFreesSaved.apply,
                                 (torch.tensor(X, requires_grad=True),), **flag)


def test_check_grad_is_unchanged_for_these_backwards():
    with pytest.raises(AssertionError, match="input 0: a second backward gave another gradient"):
        check_grad(ChangesItsState.apply, X)
    with pytest.raises(AssertionError, match=r"^a second backward \(the first with "
                                             r"retain_graph=True\) raised TypeError"):
        check_grad(FreesSaved.apply, X)
    with pytest.raises(AssertionError, match="a second backward gave another gradient"):
        check_grad(noisy_cube(1e-8).apply, X)
