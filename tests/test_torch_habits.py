"""PyTorch habits that used to mean something else here without a word (a reviewer's findings,
2026-12-03): each now gives torch's answer or raises one line. Every test failed before."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, autograd

torch = pytest.importorskip("torch")  # (the tests show torch's answer beside ours)


# ---- copies and views ------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda t: t.flip(0), lambda t: tg.flip(t, 0),
                                  lambda t: t.rot90(1), lambda t: t.rot90(2),
                                  lambda t: t.rot90(3), lambda t: t.rot90(0)])
def test_flip_and_rot90_return_copies_as_torch(make):
    """np.flip is a view: `xa = x.flip(3); xa += noise` changed the original batch."""
    a = Tensor(np.arange(4.0).reshape(2, 2))
    b = make(a)
    b += 10.0
    np.testing.assert_array_equal(a.data, np.arange(4.0).reshape(2, 2))
    ta = torch.arange(4.0).reshape(2, 2)
    tb = make(ta)
    tb += 10.0
    assert torch.equal(ta, torch.arange(4.0).reshape(2, 2))  # (what torch does)


def test_a_write_into_diagonal_raises_instead_of_being_lost():
    """diagonal() is a copy here (torch's is a view): `cov.diagonal().add_(eps)` did nothing."""
    A = tg.zeros(3, 3)
    with pytest.raises(ValueError, match=r"diagonal\(\).s copy"):
        A.diagonal().add_(1.0)
    W = Tensor(np.ones((3, 3)), requires_grad=True)
    with tg.no_grad(), pytest.raises(ValueError, match="diagonal"):
        W.diagonal().zero_()
    np.testing.assert_array_equal(W.data, np.ones((3, 3)))


@pytest.mark.parametrize("view", [lambda h: h[0:2], lambda h: h.reshape(3),
                                  lambda h: h.view(3, 1), lambda h: h.T, lambda h: h[None]])
def test_a_view_taken_under_no_grad_cannot_change_what_a_graph_saved(view):
    """`with no_grad(): v = h[0:2]` shares h's array, which (h * h) saved: `v += 10` gave
    x.grad [48, 56, 24] for [8, 16, 24]. torch raises at backward; here the write raises."""
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    with tg.no_grad():
        v = view(h)
    y = (h * h).sum()
    with tg.no_grad(), pytest.raises(RuntimeError, match="live graph saved"):
        v += 10
    y.backward()
    np.testing.assert_array_equal(x.grad, [8.0, 16.0, 24.0])
    with tg.no_grad():  # the graph is gone: the view is an ordinary array again
        v += 10
    assert h.data.max() > 10


# ---- iteration -------------------------------------------------------------------------
def test_iterating_a_0d_tensor_raises():
    """No __iter__: Python iterated t[0], t[1], ... and a 0-d t[0] ended it at once, so
    `sum(loss)` was 0 and `for v in loss:` skipped its body."""
    t = tg.tensor(5.0)
    for f in (list, sum):
        with pytest.raises(TypeError, match="0-d tensor"):
            f(t)
    assert 5.0 in t and 4.0 not in t  # any entry equal, as torch's __contains__ (was False)
    with pytest.raises(TypeError):
        list(torch.tensor(5.0))  # (torch too)
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    rows = list(x)
    assert [r.shape for r in rows] == [(3,), (3,)]
    sum(r.sum() * (i + 1) for i, r in enumerate(rows)).backward()
    np.testing.assert_array_equal(x.grad, [[1.0] * 3, [2.0] * 3])


# ---- requires_grad and .grad set by attribute --------------------------------------------
def test_requires_grad_set_on_an_integer_tensor_raises_at_backward():
    """`w = tg.tensor([1, 2, 3]); w.requires_grad = True` (int64): the gradient was cast to
    int and truncated, [0.5]*3 became [0, 0, 0]. torch refuses."""
    for use in (lambda w: w * 0.5, lambda w: w.float() * 0.5, lambda w: w * 2):
        w = tg.tensor([1, 2, 3])  # (through a cast the gradient came back truncated: [0, 0, 0])
        w.requires_grad = True
        with pytest.raises(TypeError, match="int64 tensor requires grad"):
            use(w).sum().backward()


def test_requires_grad_set_false_on_an_ops_result_raises():
    """It cut the gradient to x without a word (x.grad None). torch refuses the assignment."""
    for use in (lambda h, x: (h * x).sum().backward(),  # raised at backward
                lambda h, x: (h * 3 + x).sum().backward()):  # h * 3 was not recorded at all
        x = Tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        h.requires_grad = False
        with pytest.raises(RuntimeError, match="result of Mul was set requires_grad = False"):
            use(h, x)


def test_a_grad_set_by_hand_is_checked_at_backward():
    """A wrong shape was broadcast into by the next backward (a (2, 3) .grad for a (3,)
    tensor); a number or a list failed inside it with AttributeError. torch checks at the
    assignment; here backward checks (a property on .grad costs every replayed step)."""
    p = Tensor(np.ones(3), requires_grad=True)
    for bad, what in ((np.zeros((2, 3)), r"ndarray of shape \(2, 3\)"), (0, "int of shape None"),
                      ([0.0, 0.0, 0.0], "list"), (tg.zeros_like(p), "Tensor")):
        p.grad = bad
        with pytest.raises(TypeError, match=f".grad was set to a {what}"):
            (p * 2).sum().backward()
    p.grad = np.clip(np.full(3, 9.0), -5, 5)  # a plain array of the right shape: added into
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad, [7.0, 7.0, 7.0])


def test_a_float32_grad_set_on_a_float64_tensor_is_summed_in_float64():
    """backward added float64 gradients into the user's float32 .grad in float32."""
    p = Tensor(np.ones(2), requires_grad=True)
    p.grad = np.zeros(2, dtype=np.float32)
    (p * (1 + 1e-12)).sum().backward()
    assert p.grad.dtype == np.float64 and p.grad[0] == 1 + 1e-12


# ---- autograd.backward -------------------------------------------------------------------
def test_autograd_backward_of_two_outputs_of_one_graph():
    """It ran one backward per tensor, so the second raised 'backward through Exp a second
    time'; torch runs one pass."""
    xv = np.array([0.5, 1.0, 1.5])
    x = Tensor(xv, requires_grad=True)
    y = x.exp()
    autograd.backward([y.sum(), (y * y).sum()])
    tx = torch.tensor(xv, requires_grad=True)
    ty = tx.exp()
    torch.autograd.backward([ty.sum(), (ty * ty).sum()])
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-15)
    z = Tensor(xv, requires_grad=True)
    autograd.backward(z * 3, np.array([1.0, 2.0, 3.0]))  # an array gradient (was TypeError)
    np.testing.assert_array_equal(z.grad, [3.0, 6.0, 9.0])


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin"])
def test_a_list_of_dims_reduces_over_them_as_torch(name):
    """`x.mean(dim=[0, 1])` raised "'list' object cannot be interpreted as an integer"."""
    xv = np.arange(1.0, 7.0).reshape(2, 3)
    x = Tensor(xv, requires_grad=True)
    for out in (getattr(x, name)(dim=[0, 1]), getattr(x, name)([0, 1]),
                getattr(x, name)(dim=[1], keepdim=True)):  # (torch's prod takes one int dim)
        ref = getattr(np, name)(xv, axis=(1,) if out.ndim else (0, 1), keepdims=bool(out.ndim))
        np.testing.assert_allclose(out.data, ref, rtol=1e-15)
    getattr(x, name)(dim=[0]).sum().backward()
    assert x.grad.shape == (2, 3)


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint8, np.bool_])
def test_reciprocal_of_integers_is_a_float_as_every_unary_op(dtype):
    """np.reciprocal truncates integers: tg.tensor([2, 4]).reciprocal() was [0, 0]."""
    x = tg.tensor(np.array([1, 2, 4], dtype=dtype) if dtype is not np.bool_
                  else np.array([True, True]))
    out = x.reciprocal()
    assert out.dtype.kind == "f"
    np.testing.assert_array_equal(out.data, 1.0 / x.data.astype(np.float64))
    assert torch.tensor(x.data).reciprocal().dtype.is_floating_point  # (torch too)


def test_an_engine_function_returning_two_outputs_is_refused():
    """Its forward's (x, 2x) was stacked into one (2, n) output without a word, and backward
    failed later with "missing 1 required positional argument: 'g2'"."""

    class Two(tg.Function):
        def forward(ctx, x):
            return x, 2 * x

        def backward(ctx, g1, g2):
            return g1 + 2 * g2

    with pytest.raises(TypeError, match="Two.forward returned 2 outputs"):
        Two.apply(Tensor(np.ones(3), requires_grad=True))


# ---- gather with a 0-d input or index (torch reads a 0-d tensor as 1-d of one element) ------
@pytest.mark.parametrize("shape, index, dim", [((3,), 2, 0), ((3,), 0, -1), ((), 0, 0),
                                               ((), [0, 0, 0], 0), ((), [0], -1)])
def test_gather_with_a_0d_index_or_input_as_torch(shape, index, dim):
    """`x.gather(0, tensor(2))` on a 1-D x was refused ("as many dims"); torch gives x[2], 0-d,
    and its gradient (duplicates added up)."""
    a = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    x = Tensor(a, requires_grad=True)
    y = x.gather(dim, Tensor(np.array(index)))
    g = np.arange(1.0, 1.0 + np.prod(y.shape)).reshape(y.shape)
    y.backward(g)
    xt = torch.tensor(a, requires_grad=True)
    yt = xt.gather(dim, torch.tensor(index))
    yt.backward(torch.tensor(g))
    assert y.shape == tuple(yt.shape)
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    np.testing.assert_array_equal(x.grad, xt.grad.numpy())


@pytest.mark.parametrize("shape, index, dim, err, words", [
    ((3,), 3, 0, IndexError, r"index 3 is out of bounds .* \(input of shape \(3,\), index of "
                             r"shape \(\), dim 0\)"),
    ((3,), -1, 0, IndexError, "index -1 is out of bounds"),
    ((), 1, 0, IndexError, r"index 1 is out of bounds .*input of shape \(\)"),
    ((), [[0]], 0, ValueError, "index must have as many dims as the input"),
    ((2, 3), 1, 1, ValueError, "index must have as many dims as the input"),
    ((3,), 1, 1, ValueError, "axis 1 is out of bounds")])
def test_gather_with_a_0d_index_or_input_refuses_what_torch_refuses(shape, index, dim, err,
                                                                     words):
    with pytest.raises(err, match=words):
        Tensor(np.ones(shape)).gather(dim, np.array(index))
    with pytest.raises((RuntimeError, IndexError)):  # (what torch does)
        torch.ones(shape).gather(dim, torch.tensor(index))


@pytest.mark.parametrize("other", [None, "a"])
def test_equality_with_none_or_a_string_is_python_identity_as_torch(other):
    """`t == None` raised (Tensor() cannot make an array of None), so `t in [None, t]` and a
    cache lookup comparing with None crashed; torch's operator answers by identity: False for
    ==, True for !=. The method spellings still refuse it, as torch's do."""
    t, a = tg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    assert (t == other) is (a == other) is False and (t != other) is (a != other) is True
    assert (other == t) is False and (t in [other]) is False and (t in [other, t]) is True
    with pytest.raises(TypeError, match="cannot make a numeric array"):
        t.eq(other)
    assert (t == 2.0).data.tolist() == [False, True]  # numbers compare as before
