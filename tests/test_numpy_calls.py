"""NumPy's functions on tensors through `__array_function__` (tinygrad_dl/optable/numpy_calls.py).

Before: a NumPy function that converts its arguments with np.asarray (np.concatenate, np.stack,
np.where, np.dot, np.sort, np.pad, np.ravel, ...) computed on the values and returned a plain
array: `h = np.concatenate([a, b])` cut a and b from the graph, and what lay below them trained
on nothing, without a word. Now the op of that NumPy name runs (a Tensor on the graph, NumPy's
numbers, the gradient checked against finite differences), and a function with no such op that
would hand back floating values of a tensor that requires grad raises one TypeError line.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracle import strict_replays_match

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit
from tinygrad_dl.optable import numpy_calls
from tinygrad_dl.testing import check_grad

R = np.random.default_rng(7)
A = R.standard_normal((3, 4))
B = R.standard_normal((3, 4))
V = R.standard_normal(3)
M = A > 0

# (name, NumPy's call on arrays or tensors alike, its array arguments)
ROUTED = [
    ("concatenate", lambda a, b: np.concatenate([a, b]), (A, B)),
    ("concatenate axis", lambda a, b: np.concatenate((a, b), axis=1), (A, B)),
    ("concat", lambda a, b: np.concat([a, b], axis=-1), (A, B)),
    ("stack", lambda a, b: np.stack([a, b], axis=1), (A, B)),
    ("vstack", lambda a, b: np.vstack([a, b]), (A, B)),
    ("hstack", lambda a, b: np.hstack([a, b]), (A, B)),
    ("column_stack", lambda a, b: np.column_stack([a, b]), (A, B)),
    ("append", lambda a, b: np.append(a, b, axis=0), (A, B)),
    ("where", lambda a, b: np.where(M, a, b), (A, B)),
    ("where scalar", lambda a: np.where(M, a, 0.0), (A,)),
    ("dot", lambda a, b: np.dot(a, b.T), (A, B)),
    ("dot vectors", lambda u, v: np.dot(u, v), (V, V[::-1].copy())),
    ("inner", lambda a, b: np.inner(a, b), (A, B)),
    ("outer", lambda u, v: np.outer(u, v), (V, V[:2].copy())),
    ("tensordot", lambda a, b: np.tensordot(a, b, axes=([1], [1])), (A, B)),
    ("einsum", lambda a, b: np.einsum("ij,kj->ik", a, b), (A, B)),
    ("kron", lambda a, b: np.kron(a[:2, :2], b[:2, :2]), (A, B)),
    ("cross", lambda u, v: np.cross(u, v), (V, V[::-1].copy())),
    ("sort", lambda a: np.sort(a), (A,)),
    ("sort axis", lambda a: np.sort(a, axis=0), (A,)),
    ("diagonal", lambda a: np.diagonal(a), (A,)),
    ("trace", lambda a: np.trace(a), (A,)),
    ("diag", lambda v: np.diag(v), (V,)),
    ("tril", lambda a: np.tril(a), (A,)),
    ("triu", lambda a: np.triu(a, 1), (A,)),
    ("pad", lambda a: np.pad(a, 1), (A,)),
    ("tile", lambda a: np.tile(a, (2, 1)), (A,)),
    ("flip", lambda a: np.flip(a, 0), (A,)),
    ("roll", lambda a: np.roll(a, 1, axis=1), (A,)),
    ("rot90", lambda a: np.rot90(a), (A,)),
    ("expand_dims", lambda a: np.expand_dims(a, 1), (A,)),
    ("moveaxis", lambda a: np.moveaxis(a, 0, -1), (A,)),
    ("broadcast_to", lambda v: np.broadcast_to(v, (2, 3)), (V,)),
    ("take_along_axis", lambda a: np.take_along_axis(a, np.argsort(A, axis=1), axis=1), (A,)),
    ("diff", lambda a: np.diff(a, axis=1), (A,)),
    ("ravel", lambda a: np.ravel(a), (A,)),
]


@pytest.mark.parametrize("name, call, arrays", ROUTED, ids=[c[0] for c in ROUTED])
def test_a_numpy_function_with_an_op_of_its_name_stays_on_the_graph(name, call, arrays):
    out = call(*[Tensor(a, requires_grad=True) for a in arrays])
    assert isinstance(out, Tensor), f"np's {name} gave a {type(out).__name__}: off the graph"
    # NumPy's numbers, and the gradient against finite differences of the same call
    check_grad(lambda *ts: call(*ts), *arrays, ref=lambda *xs: call(*xs))


def test_split_gives_tensors_on_the_graph():
    t = Tensor(A, requires_grad=True)
    parts = np.split(t, 2, axis=1)
    assert [type(p) for p in parts] == [Tensor, Tensor]
    for p, q in zip(parts, np.split(A, 2, axis=1)):
        np.testing.assert_array_equal(p.data, q)
    (parts[0] * 2 + parts[1]).sum().backward()
    np.testing.assert_array_equal(t.grad, np.repeat([[2.0, 2.0, 1.0, 1.0]], 3, axis=0))


def test_the_layers_below_a_numpy_join_train():
    # the course's habit that lost gradients: two branches joined with NumPy's function
    x = Tensor(R.standard_normal((5, 3)))
    w1 = Tensor(R.standard_normal((3, 2)), requires_grad=True)
    w2 = Tensor(R.standard_normal((3, 2)), requires_grad=True)
    h = np.concatenate([x @ w1, (x @ w2).relu()], axis=1)
    (h * h).sum().backward()
    assert w1.grad is not None and w2.grad is not None
    np.testing.assert_allclose(w1.grad, 2 * x.data.T @ (x.data @ w1.data), rtol=1e-12)


@pytest.mark.parametrize("call, hint", [
    (lambda t: np.median(t), "tg.sort"),
    (lambda t: np.linalg.norm(t), "t.norm()"),
    (lambda t: np.percentile(t, 50), "tensor ops"),
    (lambda t: np.average(t, weights=np.ones(t.shape)), "(t * w).sum() / w.sum()"),
    (lambda t: np.sort(t, order=None), "tg.sort(x, axis, kind"),
    (lambda t: np.ravel(t, order="K"), None),
    (lambda t: np.copy(t), "t.clone() (on the graph)"),
])
def test_a_numpy_function_that_would_cut_the_graph_raises_one_line(call, hint):
    t = Tensor(A, requires_grad=True)
    with pytest.raises((TypeError, ValueError)) as e:
        call(t)
    msg = str(e.value)
    assert "\n" not in msg
    if hint is not None:
        assert e.type is TypeError and "cut from the graph" in msg and hint in msg, msg
        assert "t.detach().numpy()" in msg


def test_values_pass_where_no_gradient_is_lost():
    t = Tensor(A, requires_grad=True)
    # integer and boolean results (indices, comparisons, shapes) carry no gradient
    assert np.allclose(t, A) and np.array_equal(t, A)
    np.testing.assert_array_equal(np.isclose(t, A), np.ones(A.shape, bool))
    np.testing.assert_array_equal(np.argwhere(t > 0), np.argwhere(A > 0))
    assert np.shape(t) == A.shape and np.ndim(t) == 2 and np.count_nonzero(t > 0) == M.sum()
    np.testing.assert_array_equal(np.where(t > 0)[1], np.where(A > 0)[1])  # (one argument)
    z = np.zeros_like(t)  # no values read: NumPy's plain zeros
    assert type(z) is np.ndarray and z.shape == A.shape
    # on purpose: under no_grad, or of a tensor that needs no gradient
    with tg.no_grad():
        assert np.median(t) == np.median(A)
    assert np.median(Tensor(A)) == np.median(A)
    assert np.median(t.detach().numpy()) == np.median(A)


def test_a_tensor_without_grad_also_gives_a_tensor_from_a_routed_function():
    out = np.concatenate([Tensor(A), B])
    assert isinstance(out, Tensor) and not out.requires_grad
    np.testing.assert_array_equal(out.data, np.concatenate([A, B]))


class _Other:
    """Another library's array type: its own __array_function__ answers."""

    def __array_function__(self, func, types, args, kwargs):
        return "theirs"


def test_another_librarys_type_is_left_to_it():
    assert np.concatenate([Tensor(A), _Other()]) == "theirs"


def test_a_jitted_step_with_a_numpy_join_replays_as_eager():
    w1 = Tensor(R.standard_normal((3, 2)), requires_grad=True)
    w2 = Tensor(R.standard_normal((3, 2)), requires_grad=True)

    def step(x):
        h = np.concatenate([Tensor(x) @ w1, Tensor(x) @ w2], axis=1)
        (h * h).sum().backward()

    jitted = jit(step, strict=True)
    for _ in range(4):
        x = R.standard_normal((5, 3))
        w1.grad = w2.grad = None
        step(x)
        want = w1.grad.copy(), w2.grad.copy()
        w1.grad = w2.grad = None
        jitted(x)
        assert w1.grad.tobytes() == want[0].tobytes() and w2.grad.tobytes() == want[1].tobytes()
    assert jitted.replays == 2


def test_every_route_is_the_op_tables_function_of_that_numpy_name():
    for f, route in numpy_calls.ROUTES.items():
        if f is np.ravel:
            continue
        assert getattr(tg, f.__name__) is route, f.__name__
    assert not any(f.__name__ in numpy_calls._BY_METHOD for f in numpy_calls.ROUTES)


def test_a_numpy_join_of_a_step_argument_and_a_tensor_replays_as_eager():
    # while jit records, a NumPy argument is a watched view whose own __array_function__ ran
    # first and took the tensor's values: the recorded h was a plain array (no .backward);
    # it now leaves the call to the tensor's, as eager does
    w = Tensor(R.standard_normal((2, 3)), requires_grad=True)

    def step(x):
        h = np.concatenate([x, w], axis=0)
        (h * h).sum().backward()

    strict_replays_match(step, lambda: R.standard_normal((1, 3)), w)


def test_a_decision_on_a_step_argument_beside_a_tensor_is_still_a_read_jit_will_not_freeze():
    # a watched argument now leaves a call with a Tensor among its arguments to the Tensor's
    # handler; a NumPy function with a Python result (np.array_equal(X, W)) must still stop
    # the replay, which would freeze the branch the first calls took
    w = Tensor(np.ones((1, 3)), requires_grad=True)

    def step(x):
        s = 2.0 if np.array_equal(x, w.detach()) else 1.0
        (w * s).sum().backward()

    jitted = jit(step)
    with pytest.warns(RuntimeWarning, match="cannot replay step"):
        for x in [np.ones((1, 3)), np.zeros((1, 3)), np.ones((1, 3)), np.zeros((1, 3))]:
            w.grad = None
            jitted(x)
            assert w.grad[0, 0] == (2.0 if x.all() else 1.0)
    assert jitted.replays == 0


# ---- tensors inside a list: NumPy converts them with __array__, without asking -------------
def test_a_numpy_function_on_a_list_of_graph_tensors_raises_instead_of_cutting_them():
    """Before: np.mean([l1, l2]) averaged the values, and `np.mean([l1, l2]) + l2` was a
    tensor whose backward gave b.grad = 2b (only the `+ l2`) instead of 3b, and a.grad None,
    without a word. __array__ now refuses an op's result on a live graph under grad mode."""
    a = Tensor(A, requires_grad=True)
    b = Tensor(B, requires_grad=True)
    l1, l2 = (a * a).sum(), (b * b).sum()
    for convert in (lambda: np.mean([l1, l2]), lambda: np.array([l1, l2]),
                    lambda: np.asarray(l1), lambda: np.sum((l1, l2))):
        with pytest.raises(TypeError, match=r"np.asarray\(\) of the result of Sum .*tg.stack"):
            convert()
    # what the message offers gives the right gradient
    (tg.stack([l1, l2]).mean() + l2).backward()
    np.testing.assert_allclose(a.grad, A, rtol=1e-15)
    np.testing.assert_allclose(b.grad, 3 * B, rtol=1e-15)


def test_values_of_parameters_detached_tensors_and_no_grad_still_convert():
    w = Tensor(A, requires_grad=True)
    assert np.asarray(w) is w.data  # a parameter's values: plots, comparisons
    loss = (w * w).sum()
    assert np.asarray(loss.detach()) == np.sum(A * A)
    with tg.no_grad():  # nothing is recorded: evaluation code reads values freely
        assert np.mean([loss, loss]) == np.sum(A * A)
    assert np.asarray(Tensor(A) * 2).shape == A.shape  # no grad needed: no graph


def test_einsum_with_numpys_optimize_keyword_stays_on_the_graph():
    """Before: np.einsum(..., optimize=True) did not bind to the op (no such keyword), so
    NumPy's own einsum ran and its einsum_path of the tensors was refused by a message naming
    np.einsum_path, a function the user never called."""
    a, b = Tensor(A, requires_grad=True), Tensor(B.T.copy(), requires_grad=True)
    for optimize in (True, False, "greedy"):
        out = np.einsum("ij,jk->ik", a, b, optimize=optimize)
        assert isinstance(out, Tensor) and out.requires_grad
        np.testing.assert_allclose(out.data, A @ B.T, rtol=1e-14)
    assert np.einsum_path("ij,jk->ik", a, b)[0] == ["einsum_path", (0, 1)]  # shapes only
    check_grad(lambda x, y: tg.einsum("ij,jk->ik", x, y, optimize=True), A, B.T.copy())


def test_numpys_other_functions_read_the_values_of_a_graph_tensor_and_answer_right():
    """After Tensor.__array__ began refusing an op's result, NumPy's own code met the refusal:
    np.array_equal catches it and answered False for Y == Y without a word, and np.zeros_like
    (value-free) was refused naming np.asarray. Now each tensor is handed to NumPy as its
    values, the read reported (a jit recording hears it), and only a floating result of a
    tensor that requires grad is refused."""
    W = Tensor(np.ones(3), requires_grad=True)
    Y = W * 2
    assert np.array_equal(Y, Y) and np.array_equiv(Y, Y) and np.array_equal(Y, [2.0, 2.0, 2.0])
    assert not np.array_equal(Y, [2.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.zeros_like(Y), np.zeros(3))
    assert np.count_nonzero(Y) == 3 and np.nonzero(Y)[0].tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="np.median of a tensor that requires grad"):
        np.median(Y)
    assert isinstance(np.sum(Y), Tensor)  # a method's protocol: still on the graph
