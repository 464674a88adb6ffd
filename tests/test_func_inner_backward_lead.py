"""A backward inside a function that tinygrad_dl.func.grad / vjp transforms is refused in one line
(lead fix after hFCr's report). Its gradient entered the function's result as a constant, so the
transform's gradient lacked the second-derivative term without a word: for
f(x) = sum(diag(J(x)) * x) with J the Jacobian of x**3 (so f = sum(3 x**3)), grad gave 3 x**2
= [3, 12, 27] where the answer is 9 x**2 = [9, 36, 81]; torch 2.13 refuses it too."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import hooks

X = np.array([1.0, 2.0, 3.0])


def _jacobian_inside(x):
    j = tg.autograd.functional.jacobian(lambda y: y ** 3, x)
    return (j.sum(0) * x).sum()


def _grad_inside(x):
    (g,) = tg.autograd.grad((x ** 3).sum(), [x])
    return (g * x).sum()


def _backward_inside(x):
    (x ** 3).sum().backward()
    return (x * x).sum()


def _vjp_inside(x):
    _, (g,) = tg.autograd.functional.vjp(lambda y: (y ** 3).sum(), x)
    return (g * x).sum()


@pytest.mark.parametrize("fn", [_jacobian_inside, _grad_inside, _backward_inside, _vjp_inside])
@pytest.mark.parametrize("transform", ["grad", "grad_and_value", "vjp"])
def test_a_backward_inside_a_transform_is_refused_in_one_line(fn, transform):
    x = tg.tensor(X.copy())
    with pytest.raises(RuntimeError, match=r"^backward\(\) or autograd.grad inside a function "
                       rf"being transformed by tinygrad_dl.func.{transform.split('_')[0]}:") as e:
        if transform == "vjp":
            tg.func.vjp(fn, x)
        else:
            getattr(tg.func, transform)(fn)(x)
    assert "\n" not in str(e.value)
    assert hooks.active == 0 and hooks.attached.transform is None  # the slot emptied again


def test_the_transforms_still_work_after_a_refusal_and_outside_it():
    with pytest.raises(RuntimeError):
        tg.func.grad(_jacobian_inside)(tg.tensor(X.copy()))
    g = tg.func.grad(lambda x: (x ** 3).sum())(tg.tensor(X.copy()))
    np.testing.assert_allclose(g.data, 3 * X ** 2, rtol=1e-15)
    out, vjp_fn = tg.func.vjp(lambda x: x ** 2, tg.tensor(X.copy()))
    (v,) = vjp_fn(tg.tensor(np.ones(3)))  # (its backward runs outside the function: allowed)
    np.testing.assert_allclose(v.data, 2 * X, rtol=1e-15)
    x = tg.tensor(X.copy(), requires_grad=True)  # a plain backward after it: untouched
    (x ** 3).sum().backward()
    np.testing.assert_allclose(x.grad, 3 * X ** 2, rtol=1e-15)


def test_a_checkpointed_block_inside_grad_recomputes_outside_the_function():
    # (utils.checkpoint's backward reruns the block during the transform's own backward,
    # after the function returned: allowed, and equal to the plain block's gradient)
    def block(y):
        return (y.tanh() * y).sum()

    plain = tg.func.grad(block)(tg.tensor(X.copy()))
    ckpt = tg.func.grad(lambda y: tg.utils.checkpoint.checkpoint(block, y, use_reentrant=False))(
        tg.tensor(X.copy()))
    np.testing.assert_array_equal(ckpt.data, plain.data)
