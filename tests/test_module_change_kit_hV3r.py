"""Second review of 2ff610a (helper hV3r): jit's module-change notification and check_grad's
own-keyword check.

- check_grad(lin.forward, x): the own-keyword check read `op.__self__.forward` for any bound
  method and named `op.__self__.__name__` unconditionally: a bound method of an object that has
  a `forward` (a Module's forward, any model's method) raised AttributeError, with no keyword
  given; a method of such an object was checked against `forward`'s parameters, not its own.
- a parameter no keyword can reach (positional-only `h`, `*wrt`) or one a functools.partial
  already binds was refused as a clash; `wrt=np.array([0, 1])` raised "truth value ambiguous".
- jit: a module the step builds was kept alive by the cached recording until the next call.
"""

import functools
import gc
import warnings
import weakref

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor, nn
from tinygrad_dl.jit import jit
from tinygrad_dl.testing import check_grad

X = np.array([0.5, -0.7])


class _Obj:
    def forward(self, x):
        return x * x

    def smooth(self, x, h=0.1):
        return (x * x + h).sqrt()


def test_check_grad_takes_a_bound_method_of_an_object_with_forward():
    lin = nn.Linear(2, 3)
    check_grad(lin.forward, X.reshape(1, 2))
    check_grad(lin.forward, X.reshape(1, 2), h=1e-5, tol=1e-6)
    check_grad(_Obj().forward, X, seed=3)


def test_check_grad_reads_the_bound_method_itself_not_its_objects_forward():
    with pytest.raises(TypeError, match=r"h= is check_grad's own argument, and smooth takes"):
        check_grad(_Obj().smooth, X, h=1e-5)


def _posonly(x, h, /):
    return x * h


def _star(*wrt):
    return wrt[0] * wrt[1]


def _smooth(x, h=0.1):
    return (x * x + h).sqrt()


def _kwonly(x, *, h=0.1):
    return x * x + h


def test_check_grad_takes_own_keywords_no_keyword_of_the_op_can_take():
    check_grad(_posonly, X, X, h=1e-5)  # (h of the op is positional only)
    check_grad(_star, X, X, wrt=[0])  # (*wrt: no keyword)
    check_grad(functools.partial(_smooth, h=0.2), X, h=1e-5)  # (the partial set the op's h)


def test_check_grad_still_refuses_a_keyword_the_op_takes():
    with pytest.raises(TypeError, match=r"h= is check_grad's own argument, and _kwonly takes"):
        check_grad(_kwonly, X, h=1e-5)
    with pytest.raises(TypeError, match=r"h= is check_grad's own argument, and op takes"):
        check_grad(functools.partial(_smooth), X, h=1e-5)

    class Shift(Function):
        def forward(ctx, x, tol=0.0):
            return x + tol

        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match=r"tol= is check_grad's own argument, and "
                                        r"Shift\.forward takes it too.*Shift\.apply"):
        check_grad(Shift.apply, X, tol=1e-6)


def test_check_grad_takes_wrt_as_an_array_of_indices():
    check_grad(lambda a, b: a * b, X, X, wrt=np.array([0, 1]))


def test_jit_does_not_keep_a_module_the_step_built_after_the_call():
    net = nn.Linear(2, 1)
    built = []

    def step(x):
        act = nn.Tanh()  # built inside the step, used through forward (no module call)
        built.append(weakref.ref(act))
        act.note = "made here"  # (its own: the step still replays)
        act.forward(net(Tensor(x))).sum().backward()

    s = jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s(np.ones((3, 2)))
        gc.collect()
        assert built[0]() is None  # (the cached recording held it until the next call)
        for _ in range(3):
            s(np.ones((3, 2)))
    assert s.replays == 2


def test_jit_runs_eagerly_a_step_assigning_a_submodule_reached_by_getattr():
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    cfg = {"net": net}
    seen = []

    def step(x):
        layer = getattr(cfg["net"], "0")
        layer.last = x.sum()  # a value per call: replay would leave the first one
        cfg["net"](Tensor(x)).sum().backward()

    s = jit(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(4):
            s(np.full((3, 2), float(k)))
            seen.append(float(net[0].last))
    assert s.replays == 0 and seen == [0.0, 6.0, 12.0, 18.0]
    assert any("assigns an attribute of Linear" in str(w.message) for w in caught)
