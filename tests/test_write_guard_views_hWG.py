"""The write guard and arrays that are views of other arrays (hWG).

A leaf (or an op's result) whose array views another array, read by a view op (reshape,
transpose, getitem, expand) or a plain op: locking the owner of the memory did not make the
views that existed before (the leaf's own array, `big` of `big[0, :3]`) read-only, so a write
through them before backward gave a gradient for the written values without a word (W's
gradient 0 for [0, 1, 2]). Each write now raises (at the write, or at backward), and after the
graph is gone every array is writable again and the leaf's array is still the view it was.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracle import watching

import tinygrad_dl as tg
from tinygrad_dl.optim import SGD

# ops whose gradient to W (2, 3) is X's values at the forward in each row
OPS = {
    "reshape": lambda X, W: (X.reshape(1, 3) @ W.T).sum(),
    "getitem": lambda X, W: (X[None] @ W.T).sum(),
    "slice": lambda X, W: (X[0:3] * W).sum(),
    "transpose": lambda X, W: (X.reshape(3, 1).T @ W.T).sum(),
    "expand": lambda X, W: (X.expand(2, 3) * W).sum(),
    "plain": lambda X, W: (X * W).sum(),
    "matmul": lambda X, W: (X @ W.T).sum(),
}


def _leaf(big):
    return tg.Tensor(big[0, :3], requires_grad=True)


def _input(big):  # a leaf that needs no gradient (a batch viewing a data set)
    return tg.Tensor(big[0, :3])


def _assigned(big):
    t = tg.Tensor(np.zeros(3), requires_grad=True)
    t.data = big[0, :3]
    return t


def _from_numpy(big):
    return tg.from_numpy(big[0, :3]).requires_grad_()


MAKERS = {"leaf": _leaf, "input": _input, "assigned": _assigned, "from_numpy": _from_numpy}


def _no_grad_add(X, big):
    with tg.no_grad():
        X.add_(1.0)


def _sgd(X, big):
    X.grad = np.ones(3)
    SGD([X], lr=1.0).step()


WRITES = {
    "X.data": lambda X, big: X.data.__setitem__(Ellipsis, 0.0),
    "big": lambda X, big: big.__setitem__(Ellipsis, 0.0),
    "other view": lambda X, big: big[0].__setitem__(slice(None), 0.0),
    "owner": lambda X, big: big.base.__setitem__(slice(0, 3), 0.0),
    "numpy()": lambda X, big: X.numpy().__setitem__(Ellipsis, 0.0),
    "add_ under no_grad": _no_grad_add,
    "optimizer step": _sgd,
}


def _refused_or_right(make, op, write):
    """Run op, the write, backward: the write or backward raises one line, or W's gradient is
    the forward's X. Then every array is writable and X.data still views big."""
    big = np.arange(12.0).reshape(3, 4)
    X = make(big)
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    y = op(X, W)
    refused = False
    try:
        write(X, big)
    except (ValueError, RuntimeError) as e:
        assert "\n" not in str(e) and ("read-only" in str(e) or "backward" in str(e)), str(e)
        refused = True
    if refused:
        y.backward()
        np.testing.assert_array_equal(np.asarray(W.grad), [[0.0, 1.0, 2.0]] * 2)
    else:
        try:
            y.backward()
        except RuntimeError as e:
            assert "\n" not in str(e) and "written after the forward" in str(e), str(e)
        else:
            np.testing.assert_array_equal(np.asarray(W.grad), [[0.0, 1.0, 2.0]] * 2)
    del y
    assert big.flags.writeable and big.base.flags.writeable and X.data.flags.writeable
    assert np.shares_memory(X.data, big)  # no copy untied the leaf from the array it views
    X.data[0] = 7.0  # and a write through it still reaches big
    assert big[0, 0] == 7.0


def _cases():
    """(maker, op, write), less an input's optimizer step (no parameter) and what stays
    unguarded by design for a constant (docs/engine.md, 'What stays unguarded' 1-2: checking
    its other views would copy every input batch; a view op of a constant records nothing
    that leads back to it)."""
    for make in MAKERS:
        for op in OPS:
            for write in WRITES:
                if make == "input" and (write in ("optimizer step", "big", "other view") or
                                        op not in ("plain", "matmul") and
                                        write in ("X.data", "numpy()")):
                    continue
                yield make, op, write


@pytest.mark.parametrize(("make", "op", "write"), list(_cases()))
def test_a_write_before_backward_never_gives_a_silent_wrong_gradient(make, op, write):
    _refused_or_right(MAKERS[make], OPS[op], WRITES[write])


def test_the_report_repro_raises_at_the_write():
    big = np.arange(12.0).reshape(3, 4)
    X = tg.Tensor(big[0, :3], requires_grad=True)
    Wt = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    y = (X.reshape(1, 3) @ Wt.T).sum()
    with pytest.raises(ValueError, match="read-only"):
        X.data[...] = 0
    y.backward()
    np.testing.assert_array_equal(np.asarray(Wt.grad), [[0.0, 1.0, 2.0]] * 2)
    assert X.data.flags.writeable and np.shares_memory(X.data, big)


def test_an_op_result_that_is_a_view_read_by_a_view_op():
    """h = (P * 1)[0, :3] is an op's result viewing another result's array: locked itself."""
    P = tg.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    h = (P * 1.0)[0, :3]
    y = (h.reshape(1, 3) @ W.T).sum()
    with pytest.raises(ValueError, match="read-only"):
        h.data[...] = 0
    y.backward()
    np.testing.assert_array_equal(np.asarray(W.grad), [[0.0, 1.0, 2.0]] * 2)
    assert h.data.flags.writeable


def test_a_chain_of_views_of_a_view():
    """X views big; a = X.reshape(3, 1) and b = a.T are views of views: all locked."""
    big = np.arange(12.0).reshape(3, 4)
    X = tg.Tensor(big[1, 1:], requires_grad=True)
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    a = X.reshape(3, 1)
    y = (a.T @ W.T).sum()
    for arr in (X.data, a.data):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0
    y.backward()
    np.testing.assert_array_equal(np.asarray(W.grad), [[5.0, 6.0, 7.0]] * 2)
    assert all(v.flags.writeable for v in (big, X.data, a.data))


def test_two_graphs_on_one_view_unlock_with_the_last():
    big = np.arange(12.0).reshape(3, 4)
    X = tg.Tensor(big[0, :3], requires_grad=True)
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    y1 = (X.reshape(1, 3) @ W.T).sum()
    y2 = (X[None] @ W.T).sum()
    y1.backward()
    with pytest.raises(ValueError, match="read-only"):
        X.data[0] = 5.0
    y2.backward()
    X.data[0] = 5.0
    assert big[0, 0] == 5.0


def test_a_dropped_graph_unlocks_the_view():
    big = np.arange(12.0).reshape(3, 4)
    X = tg.Tensor(big[0, :3], requires_grad=True)
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    y = (X.reshape(1, 3) @ W.T).sum()
    del y
    X.data[0] = 3.0
    assert big[0, 0] == 3.0


def test_a_view_of_foreign_memory_is_writable_again():
    """A view of memory a bytearray owns (np.frombuffer, torch.from_numpy's kind)."""
    buf = np.frombuffer(bytearray(np.arange(12.0).tobytes()), np.float64)
    X = tg.Tensor(buf[:3], requires_grad=True)
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    y = (X.reshape(1, 3) @ W.T).sum()
    with pytest.raises(ValueError, match="read-only"):
        X.data[0] = 9.0
    y.backward()
    np.testing.assert_array_equal(np.asarray(W.grad), [[0.0, 1.0, 2.0]] * 2)
    X.data[0] = 9.0
    assert buf[0] == 9.0


def test_a_view_of_a_torch_tensor_is_guarded():
    """Memory a torch tensor owns: NumPy will not set a view of it writable again, so the
    views read through view ops are not locked (hWGr: X.data stayed read-only for good, and
    the next step raised); a write through one is found by the comparison at backward."""
    torch = pytest.importorskip("torch")
    t = torch.arange(12.0, dtype=torch.float64)
    X = tg.Tensor(t.numpy()[:3], requires_grad=True)
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    y = (X.reshape(1, 3) @ W.T).sum()
    X.data[0] = 9.0
    with pytest.raises(RuntimeError, match="written after the forward"):
        y.backward()
    t[1] = 50.0  # torch's own write: no lock reaches it, the comparison at backward does
    y = (X.reshape(1, 3) @ W.T).sum()
    t[1] = 51.0
    with pytest.raises(RuntimeError, match="written after the forward"):
        y.backward()


def test_a_parameters_view_made_before_is_found_through_a_view_op():
    """v = W.data[:] before `x @ W.T`: W's array is locked, v is not; found at backward as for
    `x @ W` (W.T's reference to W's array is accounted for, so no copy without such a v)."""
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    v = W.data[:]
    x = tg.Tensor(np.arange(3.0)[None], requires_grad=True)
    y = (x @ W.T).sum()
    v[...] = 0.0
    with pytest.raises(RuntimeError, match="written after the forward") as e:
        y.backward()
    assert "\n" not in str(e.value)


def test_an_op_results_view_made_before_is_found_through_a_view_op():
    P = tg.Tensor(np.arange(3.0), requires_grad=True)
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    h = P * 1.0
    v = h.data[:]
    y = (h.reshape(1, 3) @ W.T).sum()
    v[...] = 0.0
    with pytest.raises(RuntimeError, match="written after the forward"):
        y.backward()


@pytest.mark.parametrize("expr", ["x @ W.T", "W * W.T.T", "x @ W.T.reshape(3, 2)", "W.T @ W"])
def test_a_parameter_read_through_view_ops_costs_no_copy(expr):
    """The course's `x @ W.T` and friends: no array copied to compare (watching stays 0)."""
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    x = tg.Tensor(np.ones((4, 3)))
    before = watching()
    y = eval(expr, {"x": x, "W": W}).sum()
    assert watching() == before
    y.backward()
