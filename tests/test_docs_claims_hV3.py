"""Claims of docs/testing-your-op.md and docs/jit.md checked against the code (helper hV3).

- check_grad: "a second backward must add exactly the same gradient": it compared the sum of
  the two backwards with g + g, where half an ulp of their sum rounds away, so a second backward
  one ulp off passed (gradcheck already compared the second gradient alone).
- check_grad: "its own keywords (ref, wrt, h, tol, seed) never reach the op: where the op's
  forward takes one of them too, it raises": only a Function's forward was read; a plain
  function's own `h` (`def op(x, h=0.1)`) silently became check_grad's step.
- jit: "the step changes a module: assigns an attribute ... runs eagerly": a module the step
  reaches only through a dict entry or an object's attribute (`cfg["net"].last = ...`) was
  guarded at its first call, after the assignment, and replays skipped it (stale attribute).
"""

import warnings

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor
from tinygrad_dl.gradcheck import gradcheck
from tinygrad_dl.jit import jit
from tinygrad_dl.models import TwoLayer
from tinygrad_dl.testing import check_grad, upstream


class UlpOffThirdTime(Function):  # backward with G, -G, then G again one ulp off
    def forward(ctx, x):
        ctx.calls = 0
        return x * 1.0

    def backward(ctx, g):
        ctx.calls += 1
        return g if ctx.calls < 3 else np.nextafter(g, np.inf)


@pytest.mark.parametrize("values", [[1.0], [0.3], [0.5, -2.0]])
def test_check_grad_fails_a_second_backward_one_ulp_off(values):
    with pytest.raises(AssertionError, match="a second backward gave another gradient"):
        check_grad(UlpOffThirdTime.apply, np.array(values))
    assert not gradcheck(UlpOffThirdTime.apply, [Tensor(np.array(values), requires_grad=True)])


def test_check_grad_refuses_its_own_keyword_taken_by_a_plain_function():
    def smooth(x, h=0.1):
        return (x * x + h).sqrt()

    with pytest.raises(TypeError, match=r"h= is check_grad's own argument, and smooth takes"):
        check_grad(smooth, np.array([0.5]), h=1e-5)
    check_grad(lambda *t: smooth(*t, h=0.2), np.array([0.5]), h=1e-5)  # the way out
    check_grad(smooth, np.array([0.5]))  # check_grad's defaults: nothing given, nothing lost


def test_the_documented_one_line_failure_and_seeded_upstream_signs():
    class Wrong(Function):  # 6 x^2 for 3 x^2: relative error |6 - 3| / (6 + 3) = 1/3
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        def backward(ctx, g):
            return g * 6 * ctx.saved[0] ** 2

    x = np.random.default_rng(0).normal(size=(3, 2))
    with pytest.raises(AssertionError, match=r"input 0 \(3, 2\): max relative error 3\.333e-01 "
                                             r"> 1e-07 at \(\d, \d\): analytic .*, numeric "):
        check_grad(Wrong.apply, x)
    assert upstream((1,))[0] > 0 and (upstream((2,)) < 0).all() and (upstream((3,)) < 0).all()


def test_x_cubed_at_2e8_is_beyond_measure_by_about_2e13():
    r = gradcheck(lambda a: a ** 3, [Tensor(np.array([2e8]), requires_grad=True)])
    w = r.inputs[0]
    assert not r.passed and "rounding" in r.note and "kink" not in r.note
    assert 1e13 < abs(w.analytic - w.numeric) < 4e13


class _Box:
    pass


def _stale_after_replay(reach):
    rng = np.random.default_rng(1)
    Xs, y = [rng.standard_normal((10, 20)) for _ in range(5)], rng.integers(0, 3, 10)
    net = TwoLayer(20, 8, 3, rng=np.random.default_rng(0))
    step = jit(reach(net))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for X in Xs:
            net.zero_grad()
            step(X, y)
            assert net.last.data is not None and np.array_equal(net.last.data, X)
    assert step.replays == 0
    assert any("assigns an attribute of TwoLayer" in str(w.message) for w in caught)


def _keep(net, Xb, yb):
    net.last = Tensor(Xb)
    net.loss(Xb, yb).backward()


def test_jit_runs_eagerly_a_step_assigning_an_attribute_of_a_module_in_a_dict():
    cfg = {}

    def reach(net):
        cfg["net"] = net
        return lambda Xb, yb: _keep(cfg["net"], Xb, yb)

    _stale_after_replay(reach)


def test_jit_runs_eagerly_a_step_assigning_an_attribute_of_a_module_on_an_object():
    box = _Box()

    def reach(net):
        box.net = net
        return lambda Xb, yb: _keep(box.net, Xb, yb)

    _stale_after_replay(reach)
