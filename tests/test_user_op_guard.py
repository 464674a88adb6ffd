"""A user's op (a Function defined outside tinygrad_dl) runs forward with its inputs read-only
(write_guard.user_op): a forward that writes into its input changed the caller's tensor
without a word; now the write raises one line, and everything else is as before."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from test_kit_skeptic import WritesUpstream  # 2x whose backward doubles g in place

import tinygrad_dl as tg
from tinygrad_dl import Function, Tensor
from tinygrad_dl.ops import Tanh

# a thread's wait for another (or for this one): only a real hang runs out of it. With a few
# seconds, a thread starved on a loaded machine ran on before the other was ready and the
# interleaving under test did not happen
TIMEOUT = 60


class SlipSoftmax(Function):
    """Softmax over rows with the classic slip: the max subtracted in place, from the input."""

    def forward(ctx, x):
        x -= x.max(axis=1, keepdims=True)
        e = np.exp(x)
        p = e / e.sum(axis=1, keepdims=True)
        ctx.save_for_backward(p)
        return p

    def backward(ctx, g):
        (p,) = ctx.saved
        return p * (g - (g * p).sum(axis=1, keepdims=True))


class Softmax(SlipSoftmax):
    def forward(ctx, x):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        ctx.save_for_backward(p)
        return p


class Flat(Function):
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.reshape(-1)

    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Shapes(Function):
    def forward(ctx, x, y):
        return x + y  # NumPy's broadcasting error for mismatched shapes

    def backward(ctx, g):
        return g, g


def test_a_forward_writing_into_its_input_raises_and_leaves_the_input_as_it_was() -> None:
    S = Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^SlipSoftmax\.forward wrote into a read-only array:"
                                           r" its inputs are read-only while it runs"):
        SlipSoftmax.apply(S)
    assert S.data.tolist() == [[1.0, 2.0, 3.0]]  # before: [[-2, -1, 0]], without a word
    assert S.data.flags.writeable  # unlocked again


def test_a_right_user_op_runs_as_before_and_unlocks_its_inputs() -> None:
    S = Tensor(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]]), requires_grad=True)
    P = Softmax.apply(S)
    ref = np.exp(S.data) / np.exp(S.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(P.data, ref, rtol=1e-15)
    (P * Tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
    assert S.grad is not None and np.isfinite(S.grad).all()
    assert S.data.flags.writeable  # the graph freed by backward, forward's hold long gone
    S.data += 1  # the user's own write, between steps, as ever


def test_an_input_a_live_graph_holds_stays_locked_until_that_graph_goes() -> None:
    W = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    y = (W * W).sum()  # Mul saved W: locked while y's graph lives
    assert not W.data.flags.writeable
    Softmax.apply(W)  # its own hold ends with its forward, the graph's stays
    assert not W.data.flags.writeable
    del y
    assert W.data.flags.writeable


def test_the_libraries_ops_are_not_wrapped_and_user_subclasses_are() -> None:
    assert not hasattr(Tanh.forward, "__wrapped__")  # no cost on the built-in ops
    assert hasattr(Softmax.forward, "__wrapped__") and Softmax.forward.__name__ == "forward"

    class MyTanh(Tanh):  # a subclass of a built-in op with its own forward: the user's
        def forward(ctx, x):
            np.tanh(x, out=x)
            return x.copy()

    class Inherits(Softmax):  # no forward of its own: Softmax's guarded one
        pass

    assert Inherits.forward is Softmax.forward
    t = Tensor(np.array([0.5]), requires_grad=True)
    with pytest.raises(RuntimeError, match="MyTanh.forward wrote into a read-only array"):
        MyTanh.apply(t)
    assert t.data.tolist() == [0.5]


def test_other_errors_of_a_user_forward_keep_their_message() -> None:
    a, b = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.ones((4,)))
    with pytest.raises(ValueError, match=r"Shapes: cannot apply to shapes \(2, 3\) and \(4,\)"):
        Shapes.apply(a, b)
    assert a.data.flags.writeable and b.data.flags.writeable


def test_a_view_returned_by_a_user_op_is_read_only_not_an_alias_to_write_through() -> None:
    x = Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    v = Flat.apply(x)
    assert v.data.tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="read-only"):
        v.data[0] = 9.0  # would have changed x too
    assert x.data[0, 0] == 0.0 and x.data.flags.writeable
    v.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_two_threads_sharing_an_input_keep_the_graph_lock_counted() -> None:
    """One thread's user-op forward ends while another thread's graph holds the same array:
    the array stays read-only for that graph (forward's guard never flips the input's own flag:
    it works on a read-only view)."""
    W = Tensor(np.ones((3, 3)), requires_grad=True)
    started, finish = threading.Event(), threading.Event()

    class Slow(Function):
        def forward(ctx, x):
            started.set()
            finish.wait(TIMEOUT)
            return x * 2.0

        def backward(ctx, g):
            return 2.0 * g

    out: list[Tensor] = []
    th = threading.Thread(target=lambda: out.append(Slow.apply(W)))
    th.start()
    assert started.wait(TIMEOUT)
    y = (W * W).sum()  # this thread's graph locks W while Slow's forward holds it
    finish.set()
    th.join(TIMEOUT)
    assert out and not W.data.flags.writeable  # y's graph still holds W
    del y
    assert W.data.flags.writeable


def test_the_pytorch_style_function_keeps_its_own_read_only_views() -> None:
    class Twice(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    Twice.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    assert not hasattr(Twice._engine_op.forward, "__wrapped__")


# ---- backward: the upstream gradient g and what forward saved -------------------------------
class CubeScribbles(Function):
    """x^3 whose backward writes into what forward saved (its own result y = x^3)."""

    def forward(ctx, x):
        y = x ** 3
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, g):
        x, y = ctx.saved
        y /= x  # y is now x^2: a second backward (retain_graph) would read x^2, not x^3
        return 3.0 * g * y


class Ident(Function):
    def forward(ctx, x):
        return x.copy()

    def backward(ctx, g):
        return g  # upstream's own array: right, and not to be added into


def test_a_backward_writing_into_g_raises_where_it_corrupted_a_sibling_gradient() -> None:
    """WritesUpstream's result (2x, its backward doubling g in place) and v meet in an add,
    which hands one g to both. Before, the in-place doubling changed v's gradient too: [2, 6]
    instead of [1, 3], without a word."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = Tensor(np.array([5.0, 5.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^WritesUpstream\.backward wrote into a read-only "
                                           r"array: its upstream gradient g"):
        ((WritesUpstream.apply(x) + v) * Tensor(np.array([1.0, 3.0]))).sum().backward()
    v.grad = None
    ((Tensor(np.array([1.0, 2.0])) + v) * Tensor(np.array([1.0, 3.0]))).sum().backward()
    assert v.grad.tolist() == [1.0, 3.0]  # (what it should have been)


def test_a_backward_writing_into_what_forward_saved_raises() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"CubeScribbles\.backward wrote into a read-only"):
        CubeScribbles.apply(x).sum().backward(retain_graph=True)


def test_a_backward_returning_g_itself_still_adds_up_right() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (Ident.apply(x) * 3.0 + Ident.apply(x)).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]
    assert x.data.flags.writeable


def test_a_right_backward_of_a_user_op_is_unchanged() -> None:
    x = Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)
    P = Softmax.apply(x)
    (P * Tensor(np.array([[1.0, 0.0, 0.0]]))).sum().backward()
    p = P.data[0]
    np.testing.assert_allclose(x.grad[0], p[0] * (np.array([1.0, 0, 0]) - p), rtol=1e-14)


# ---- arrays kept as attributes (ctx.x = x), the engine's own style ---------------------------
class SquareKeeps(Function):
    """x^2 keeping its input as an attribute, not through save_for_backward."""

    def forward(ctx, x):
        ctx.x = x
        return x * x

    def backward(ctx, g):
        return 2.0 * ctx.x * g


def test_an_input_kept_as_an_attribute_is_locked_as_a_saved_one() -> None:
    """Before: only save_for_backward locked the inputs, so `w.data += 1` between the forward
    and backward of an op that kept `ctx.x = x` gave the gradient at the new w ([4, 6] for
    [2, 4]) without a word."""
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = SquareKeeps.apply(w).sum()
    with pytest.raises(ValueError, match="read-only"):
        w.data += 1.0
    y.backward()
    assert w.grad.tolist() == [2.0, 4.0]
    assert w.data.flags.writeable  # the graph freed: the user's again
    w.data += 1.0


def test_an_optimizer_step_before_such_a_backward_is_named_there() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = SquareKeeps.apply(w).sum()
    w.grad = np.array([1.0, 1.0])
    tg.optim.SGD([w], lr=0.5).step()  # a copy for w, as for any op that saved w
    with pytest.raises(RuntimeError, match="replaced by SGD.step"):
        y.backward()


def test_a_backward_writing_into_an_attribute_array_raises() -> None:
    class CubeKeeps(Function):
        def forward(ctx, x):
            ctx.x, ctx.y = x, x ** 3
            return ctx.y

        def backward(ctx, g):
            ctx.y /= ctx.x  # the op's own output, and a second backward's input
            return 3.0 * g * ctx.y

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = CubeKeeps.apply(x)
    with pytest.raises(RuntimeError, match=r"CubeKeeps\.backward wrote into a read-only array"):
        y.sum().backward()
    assert y.data.tolist() == [1.0, 8.0]


def test_what_forward_keeps_of_its_inputs_is_their_own_array() -> None:
    """forward works on read-only views; what it keeps (saved, attributes, its result) is the
    input's own array again, as before the guard, which the graph then locks."""

    class Keeps(Function):
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            ctx.pair = [x, 1]
            return x * y

        def backward(ctx, g):
            x, y = ctx.saved
            return g * y, g * x

    class Same(Function):
        def forward(ctx, x):
            return x

        def backward(ctx, g):
            return g

    a = Tensor(np.array([1.0, 3.0]), requires_grad=True)
    out = Keeps.apply(a, a)
    ctx = out._ctx
    assert ctx.saved[0] is a.data and ctx.saved[1] is a.data and ctx.pair[0] is a.data
    assert not a.data.flags.writeable  # the graph holds what it saved
    out.sum().backward()
    assert a.grad.tolist() == [2.0, 6.0] and a.data.flags.writeable
    assert Same.apply(a).data is a.data  # its result: the input's own array, as before


def test_saved_set_to_an_array_by_hand_is_named() -> None:
    """Before: `ctx.saved = x` (not a tuple) failed deep in the engine with NumPy's bare 'truth
    value of an array ... is ambiguous'."""

    class SavesByHand(Function):
        def forward(ctx, x):
            ctx.saved = x
            return x * x

        def backward(ctx, g):
            return 2.0 * ctx.saved * g

    with pytest.raises(TypeError, match=r"^SavesByHand\.forward set ctx\.saved to a ndarray: "
                                        r"call ctx\.save_for_backward\(x, \.\.\.\)"):
        SavesByHand.apply(Tensor(np.array([1.0, 2.0]), requires_grad=True))
