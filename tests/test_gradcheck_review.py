"""The gradient-checking kit attacked with deliberately wrong ops (a skeptic's review against
torch.autograd.gradcheck's semantics): each wrong backward must fail `check_grad` and
`gradcheck`, each right one pass, and bad arguments give one line.

Found and fixed here: gradcheck compared only the first backward (a backward that changes
what forward saved passed; torch's "backward is not reentrant"); gradcheck crashed on an
ndarray or a number among its inputs and iterated a lone Tensor's rows; numerical_grad at h=0
raised ZeroDivisionError; check_edge passed a row with `torch=` whose op cut the graph (its
gradients and, without `numpy=`, its value were never compared); check_grad's floor sized by a
large intermediate result that the output never reads (the other branch of a where) passed a
backward 1% off.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Function, Tensor
from tinygrad_dl.engine import unbroadcast
from tinygrad_dl.gradcheck import GradcheckError, gradcheck, numerical_grad
from tinygrad_dl.testing import check_float32, check_grad
from tinygrad_dl.testing.edges import Edge, check_edge

RNG = np.random.default_rng(7)
SQUARE = RNG.uniform(-2, 2, (3, 3))
OTHER = RNG.uniform(-2, 2, (3, 3))
ROW = RNG.uniform(-2, 2, (1, 3))


class Cube(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    def backward(ctx, g):
        return g * 3 * ctx.saved[0] ** 2


class OffByAThousandth(Cube):
    def backward(ctx, g):
        return g * 3 * ctx.saved[0] ** 2 * 1.001


class OffAtOneElement(Cube):
    def backward(ctx, g):
        out = g * 3 * ctx.saved[0] ** 2
        out.flat[-1] *= 1.0001
        return out


class IgnoresUpstream(Cube):
    def backward(ctx, g):
        return 3 * ctx.saved[0] ** 2


class RightOnlyForPositives(Function):  # x |x|: 2 |x|, written as 2 x
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.abs(x)

    def backward(ctx, g):
        return g * 2 * ctx.saved[0]


class TransposedMatmul(Function):  # the second input's gradient transposed: (a.T @ g).T
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    def backward(ctx, g):
        a, b = ctx.saved
        return g @ b.T, (a.T @ g).T


class FirstRowNotSum(Function):  # a broadcast input's gradient: one row, not their sum
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    def backward(ctx, g):
        a, b = ctx.saved
        return unbroadcast(g * b, a.shape), (g * a)[:1]


class WrongSecondInput(Function):  # d(a b^2)/db = 2 a b, given as a b
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b * b

    def backward(ctx, g):
        a, b = ctx.saved
        return g * b * b, g * a * b


class ReversedView(Function):  # a view of the input; the gradient is not reversed back
    def forward(ctx, a):
        return a[::-1]

    def backward(ctx, g):
        return g


WRONG = [
    ("off by 1.001", OffByAThousandth.apply, (SQUARE,)),
    ("off at one element by 1e-4", OffAtOneElement.apply, (SQUARE,)),
    ("ignores the upstream gradient", IgnoresUpstream.apply, (SQUARE,)),
    ("ignores it under a sum (scalar output)", lambda t: IgnoresUpstream.apply(t).sum(),
     (SQUARE,)),
    ("right only for positive inputs", RightOnlyForPositives.apply, (SQUARE,)),
    ("transposed for square inputs", TransposedMatmul.apply, (SQUARE, OTHER)),
    ("a broadcast input's rows not summed", FirstRowNotSum.apply, (SQUARE, ROW)),
    ("wrong only for the second input", WrongSecondInput.apply, (SQUARE, OTHER)),
    ("a view's gradient not mapped back", ReversedView.apply, (SQUARE,)),
]


@pytest.mark.parametrize(("what", "op", "arrays"), WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_backward_fails_check_grad_and_gradcheck(what, op, arrays) -> None:
    with pytest.raises(AssertionError, match="max relative error"):
        check_grad(op, *arrays)
    report = gradcheck(op, [Tensor(a, requires_grad=True) for a in arrays])
    assert not report.passed, f"{what}: {report}"


class ChangesItsState(Function):  # right the first time; each backward adds 1 to its factor
    def forward(ctx, x):
        ctx.k = 3.0
        ctx.save_for_backward(x)
        return x ** 3

    def backward(ctx, g):
        out = g * ctx.k * ctx.saved[0] ** 2
        ctx.k += 1
        return out


def test_gradcheck_fails_a_backward_whose_second_call_differs() -> None:
    # torch.autograd.gradcheck: "Backward is not reentrant"; gradcheck compared the first
    # backward only and passed it (check_grad already ran two)
    with pytest.raises(AssertionError, match="second backward"):
        check_grad(ChangesItsState.apply, SQUARE)
    # failed as torch's "backward is not reentrant" (a report, or GradcheckError with
    # raise_exception=True; it raised ValueError whatever the flag)
    report = gradcheck(ChangesItsState.apply, [Tensor(SQUARE, requires_grad=True)])
    assert not report.passed
    assert str(report).splitlines()[0].startswith(
        "gradcheck FAILED for ChangesItsState: input 0: a second backward gave another gradient")
    with pytest.raises(GradcheckError, match="a second backward gave another gradient"):
        gradcheck(ChangesItsState.apply, [Tensor(SQUARE, requires_grad=True)],
                  raise_exception=True)


def test_gradcheck_still_passes_right_ops_and_leaves_the_callers_tensor_alone() -> None:
    x = Tensor(SQUARE, requires_grad=True)
    assert gradcheck(Cube.apply, [x]).passed
    assert x.grad is None  # the caller's tensor: untouched (the check runs on copies)
    assert gradcheck(lambda a, b: (a @ b).tanh(), [Tensor(SQUARE, requires_grad=True),
                                                   Tensor(OTHER, requires_grad=True)]).passed


@pytest.mark.parametrize("bad", [np.array([1.0, 2.0]), 2.0, None, [1.0]],
                         ids=["ndarray", "float", "None", "list"])
def test_gradcheck_refuses_an_input_that_is_not_a_tensor_in_one_line(bad) -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(TypeError, match=r"^gradcheck: inputs\[1\] is \w+, not a Tensor[^\n]*$"):
        gradcheck(lambda a, b: a * 2, [x, bad])


def test_gradcheck_takes_one_tensor_as_its_inputs_as_torch_does() -> None:
    x = Tensor(RNG.uniform(-1, 1, (3, 2)), requires_grad=True)  # list(x) gave its rows
    report = gradcheck(lambda a: (a * a).sum(), x)
    assert report.passed and [r.shape for r in report.inputs] == [(3, 2)]


@pytest.mark.parametrize("h", [0.0, -0.0, float("nan"), float("inf")])
def test_a_step_that_is_not_positive_and_finite_is_refused_in_one_line(h) -> None:
    with pytest.raises(ValueError, match=r"^numerical_grad: the step h must be a positive "):
        numerical_grad(lambda a: (a * a).sum(), np.array([1.0, 2.0]), h=h)
    with pytest.raises(ValueError, match=r"^numerical_grad: the step h"):
        check_grad(Cube.apply, np.array([1.0, 2.0]), h=h)


def test_check_edge_fails_a_torch_row_whose_op_cut_the_graph() -> None:
    # computed on x.data: no graph, so the row's PyTorch gradients (2.1 x^2) were never
    # compared and the row passed (check_edge skips PyTorch's checks without it: nothing to fail)
    pytest.importorskip("torch")
    row = Edge("cube", "one element", lambda x: Tensor(x.data ** 3), (np.array([0.7]),),
               numpy=lambda a: a ** 3, torch=lambda torch, x: x ** 3)
    with pytest.raises(AssertionError, match="gradient 0 vs PyTorch"):
        check_edge(row)


def test_check_edge_compares_the_value_of_a_graphless_torch_row_without_numpy() -> None:
    pytest.importorskip("torch")  # (the value is compared with PyTorch's: none without it)
    row = Edge("cube", "one element", lambda x: Tensor(x.data ** 3 + 1e-3), (np.array([0.7]),),
               torch=lambda torch, x: (x ** 3).detach())
    with pytest.raises(AssertionError, match="value vs PyTorch"):
        check_edge(row)
    check_edge(Edge("cube", "one element", lambda x: Tensor(x.data ** 3), (np.array([0.7]),),
                    torch=lambda torch, x: (x ** 3).detach()))  # a right constant passes


class OffByOnePercent(Cube):
    def backward(ctx, g):
        return g * 3 * ctx.saved[0] ** 2 * 1.01


def test_a_large_result_the_output_never_reads_hides_no_wrong_gradient() -> None:
    # exp(40 x) in the branch a where does not pick: its moved values (up to 1e34) sized
    # every element's floor, and a backward 1% off passed; a right one still passes
    x = np.array([1.0, 1.5, 2.0])
    with pytest.raises(AssertionError, match="agree at h/10 and h/100"):
        check_grad(lambda t: tg.where(t > 0, OffByOnePercent.apply(t), (t * 40).exp()), x)
    check_grad(lambda t: tg.where(t > 0, Cube.apply(t), (t * 40).exp()), x)
    with pytest.raises(AssertionError, match="max relative error"):
        check_grad(lambda t: OffByOnePercent.apply(t) + (t * 40).exp() * 0, x)


def test_right_ops_at_large_and_tiny_magnitudes_pass_check_grad() -> None:
    check_grad(lambda t: t.exp(), np.array([30.0, -30.0, 5.0]))
    check_grad(Cube.apply, np.array([1e3, -2e3, 1e-3]))
    check_grad(Cube.apply, np.array([1e8, -2e8]))
    check_grad(lambda t: t.sin(), np.array([1e-8, 3e-9]))


class WrongOnlyInFloat32(Cube):
    def backward(ctx, g):
        out = g * 3 * ctx.saved[0] ** 2
        return out * np.float32(1.01) if out.dtype == np.float32 else out


def test_a_backward_wrong_only_in_float32_fails_check_float32() -> None:
    check_grad(WrongOnlyInFloat32.apply, SQUARE)  # float64 only: it cannot see it
    with pytest.raises(AssertionError, match="float32 gradient off"):
        check_float32(WrongOnlyInFloat32.apply, SQUARE)


def test_gradcheck_blames_rounding_not_a_kink_where_f_is_large() -> None:
    # x ** 3 at 2e8 is 8e24: its finite difference is 1.5e13 off by rounding alone (torch's
    # gradcheck fails it too), and the note sent the user looking for a kink x ** 3 has not
    report = gradcheck(Cube.apply, [Tensor(np.array([1e8, -2e8]), requires_grad=True)])
    assert not report.passed
    assert "rounding" in report.note and "kink" not in report.note, report.note
    wrong = gradcheck(OffByOnePercent.apply, [Tensor(np.array([1e8, -2e8]),
                                                     requires_grad=True)])
    assert not wrong.passed and "rounding" not in wrong.note, wrong.note  # 1% is measurable
