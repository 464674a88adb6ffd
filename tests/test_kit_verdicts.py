"""Verdicts of the gradient-check tools that were wrong or unexplained (found 2026-12-03): a
check that passed any gradient because f read the original tensors, hand gradients silently
dropped for their keys or broadcast for their shape, a random loss failing with errors ~1 and
no reason, one large output hiding a wrong gradient elsewhere, integer labels made float, a
float32 forward blamed on the backward, and raw NumPy/attribute errors for plain mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Function, Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.gradcheck import compare_gradients, gradcheck, numerical_grad
from tinygrad_dl.testing import check_grad

RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 6))
Y = RNG.integers(0, 3, 5)


class BadCube(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    def backward(ctx, g):
        return g * 7 * ctx.saved[0]  # wrong: 3 x^2


def one_layer():
    from tinygrad_dl.models import OneLayer
    return OneLayer(6, 3, lam=0.1, init="gaussian", std=0.1, rng=np.random.default_rng(1),
                    dtype="float64")


# ---- 1. f that ignores the inputs it is given --------------------------------------------
def test_gradcheck_refuses_f_that_reads_the_original_tensors():
    W = Tensor(RNG.standard_normal((6, 2)), requires_grad=True, name="W")
    b = Tensor(np.zeros(2), requires_grad=True, name="b")
    with pytest.raises(ValueError, match=r"f reads W, b itself, not the copies"):
        gradcheck(lambda W_, b_: (BadCube.apply(Tensor(X) @ W + b) ** 2).sum(), [W, b])
    assert W.grad is None and b.grad is None  # the caller's tensors are left alone
    m = one_layer()  # the natural call on a model
    with pytest.raises(ValueError, match=r"f reads layers\.0\.W, layers\.0\.b itself"):
        gradcheck(lambda *p: m.loss(X, Y), list(m.parameters()))
    # the same function written on its arguments is checked, and its wrong backward found
    assert not gradcheck(lambda W_, b_: (BadCube.apply(Tensor(X) @ W_ + b_) ** 2).sum(),
                         [W, b]).passed


def test_gradcheck_and_check_grad_refuse_f_that_depends_on_none_of_its_inputs():
    V = Tensor(RNG.standard_normal((3, 2)), requires_grad=True)  # not among the inputs
    x = Tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    with pytest.raises(ValueError, match="f does not depend on the inputs it was given"):
        gradcheck(lambda t: (BadCube.apply(V) ** 2).sum(), [x])
    with pytest.raises(ValueError, match="f does not depend on the inputs it was given"):
        gradcheck(lambda t: (Tensor(X) ** 2).sum(), [x])  # no graph at all
    with pytest.raises(ValueError, match="the op does not depend on the inputs it was given"):
        check_grad(lambda t: BadCube.apply(V), V.data.copy())
    # constant in some inputs but not all: still checked (and a relu's true zeros pass)
    y = Tensor(RNG.standard_normal(4), requires_grad=True, name="y")
    assert gradcheck(lambda a, b: (a * a).sum(), [x, y]).passed
    check_grad(lambda a, b: a * 2, x.data, y.data)
    check_grad(lambda a: a.relu(), -np.ones(3))


# ---- 2 and 5. compare_gradients: keys and shapes -------------------------------------------
def test_compare_gradients_takes_course_names_and_refuses_unknown_or_missing_keys():
    m = one_layer()
    good = m.hand_gradients(X, Y)

    def table(hand):
        return compare_gradients(m, lambda: m.loss(X, Y), lambda: hand)

    # the course's names (model.course_names()): a wrong hand gradient now shows
    t = table({"W": 2 * good["layers.0.W"], "b": good["layers.0.b"]})
    rows = {r["parameter"]: r for r in t.rows}
    assert rows["layers.0.W"]["hand vs autograd"] == pytest.approx(1 / 3)
    assert rows["layers.0.b"]["hand vs autograd"] < 1e-12
    with pytest.raises(ValueError, match=r"keys 'W1' name no parameter of the model; the "
                                         r"parameters are layers\.0\.W \(W\), layers\.0\.b \(b\)"):
        table({"W1": good["layers.0.W"], "b": good["layers.0.b"]})
    with pytest.raises(ValueError, match=r"no gradient for layers\.0\.b \(b\)"):
        table({"layers.0.W": good["layers.0.W"]})
    with pytest.raises(ValueError, match=r"keys 'layers\.0\.W' and 'W' both name"):
        table({"layers.0.W": good["layers.0.W"], "W": good["layers.0.W"], "b": good["layers.0.b"]})


def test_compare_gradients_refuses_a_hand_gradient_of_the_wrong_shape():
    m = one_layer()
    good = m.hand_gradients(X, Y)
    for key, bad, shape, want in [
        ("layers.0.b", good["layers.0.b"][:, None], r"\(3, 1\)", r"\(3,\)"),  # broadcast: err 1
        ("layers.0.W", good["layers.0.W"].T, r"\(6, 3\) \(transposed\?\)", r"\(3, 6\)"),
    ]:
        hand = {**good, key: bad}
        with pytest.raises(ValueError, match=rf"hand gradient '{key}' has shape {shape}, "
                                             rf"parameter {key} has shape {want}"):
            compare_gradients(m, lambda: m.loss(X, Y), lambda h=hand: h)


# ---- 3. a random loss --------------------------------------------------------------------
def test_a_random_loss_is_refused_with_the_reason():
    from tinygrad_dl.models import KLayer
    m = KLayer(6, [4], 3, batch_norm=False, dropout=0.5, rng=np.random.default_rng(1),
               dtype="float64")
    m.train()
    with pytest.raises(ValueError, match=r"loss_fn\(\) is random: .*dropout in training mode.*"
                                         r"model\.eval\(\)"):
        compare_gradients(m, lambda: m.loss(X, Y), lambda: m.hand_gradients(X, Y))
    x = Tensor(RNG.standard_normal((5, 6)), requires_grad=True)
    with pytest.raises(ValueError, match="f is random"):
        gradcheck(lambda t: m.loss(t, Y), [x])
    with pytest.raises(ValueError, match="the op is random"):
        check_grad(lambda t: t * Tensor(np.random.default_rng().random(3)), np.ones(3))
    m.eval()  # the way out it names
    table = compare_gradients(m, lambda: m.loss(X, Y), lambda: m.hand_gradients(X, Y))
    assert max(r["hand vs autograd"] for r in table.rows) < 1e-10
    assert gradcheck(lambda t: m.loss(t, Y), [x]).passed


# ---- 4. check_grad's error floor, element by element ----------------------------------------
class ExpPosOnly(Function):
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, g):
        x, y = ctx.saved
        return g * np.where(x > 0, y, 0.0)  # wrong for x <= 0


def test_one_large_output_does_not_hide_a_wrong_gradient_elsewhere():
    x = np.array([-1.0, 0.5, 25.0])  # exp(25) = 7e10 set the floor for every element
    with pytest.raises(AssertionError, match=r"at \(0,\): analytic -?0\.0, numeric -?0\.\d+"):
        check_grad(ExpPosOnly.apply, x)
    check_grad(lambda t: t.exp(), x)  # the right gradient still passes at that scale


# ---- 6. integer inputs not checked stay integers -------------------------------------------
def test_integer_labels_stay_integers():
    logits = RNG.standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    check_grad(F.cross_entropy, logits, labels, wrt=[0])
    report = gradcheck(lambda z, t: F.cross_entropy(z, t),
                       [Tensor(logits, requires_grad=True), Tensor(labels)])
    assert report.passed


# ---- 7. a float32 forward ------------------------------------------------------------------
class Cube32(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.astype(np.float32) ** 3  # right math, rounded to float32

    def backward(ctx, g):
        return g * 3 * ctx.saved[0] ** 2


def test_a_float32_forward_is_named_in_the_failure():
    x = RNG.uniform(-3, 3, (2, 3))
    with pytest.raises(AssertionError, match="the op returned float32 for float64 inputs"):
        check_grad(Cube32.apply, x)
    report = gradcheck(Cube32.apply, [Tensor(x, requires_grad=True)])
    assert not report.passed
    assert "note: f returned float32 for float64 inputs" in str(report)


# ---- 8 and 9. plain mistakes, one line each -------------------------------------------------
def test_numerical_grad_on_a_locked_parameter_says_what_to_do():
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    loss = (W * W).sum()  # the live graph locks W.data (the write guard)
    with pytest.raises(ValueError, match=r"x is read-only.*call backward\(\) on that graph"):
        numerical_grad(lambda _: (W * W).sum().item(), W.data)
    np.testing.assert_array_equal(W.data, np.ones((2, 2)))
    loss.backward()
    g = numerical_grad(lambda _: (W * W).sum().item(), W.data)
    np.testing.assert_allclose(g, 2 * np.ones((2, 2)), rtol=1e-9)


def test_gradcheck_says_f_must_return_a_tensor():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="gradcheck: f must return a Tensor, got float"):
        gradcheck(lambda t: float((t * t).sum().item()), [x])
    with pytest.raises(TypeError, match="loss_fn\\(\\) must return the loss Tensor, got float"):
        m = one_layer()
        compare_gradients(m, lambda: m.loss(X, Y).item(), lambda: m.hand_gradients(X, Y))


# ---- 10. wrt= with negative, repeated or out-of-range indices (found 2026-12-03) ------------
def _x_times_badcube(x, y):
    return x * BadCube.apply(y)  # right gradient for x, wrong for y


def test_check_grad_wrt_negative_index_counts_from_the_end():
    x, y = RNG.uniform(1, 2, 3), RNG.uniform(1, 2, 3)
    with pytest.raises(AssertionError, match="input 1"):  # -1 is y, whose gradient is wrong
        check_grad(_x_times_badcube, x, y, wrt=[-1])
    check_grad(_x_times_badcube, x, y, wrt=[-2])  # -2 is x, whose gradient is right
    check_grad(_x_times_badcube, x, y, wrt=-2)    # one index alone works too


@pytest.mark.parametrize("wrt, error, match", [
    ([2], IndexError, r"wrt=\[2\] names input 2, but the op was given 2 input\(s\)"),
    ([-3], IndexError, r"wrt=\[-3\] names input -3, but the op was given 2 input\(s\)"),
    ([1, -1], ValueError, r"wrt=\[1, -1\] names input 1 twice \(of 2 inputs\)"),
    ([], ValueError, r"wrt=\[\] names no input"),
    ([1.0], TypeError, r"wrt=\[1\.0\] must list input indices \(ints\)"),
    ([True], TypeError, r"must list input indices \(ints\), got bool"),
])
def test_check_grad_refuses_a_bad_wrt_in_one_line(wrt, error, match):
    with pytest.raises(error, match=match) as info:
        check_grad(lambda a, b: a * b, np.ones(2), np.ones(2), wrt=wrt)
    assert "\n" not in str(info.value)
