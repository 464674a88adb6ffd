"""The backprop engine: random compositions, accumulation, graph lifetime, no_grad, errors,
aliasing, dtype, and depth (a chain of a million ops)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_dl as tg
from tinygrad_dl import Function, Tensor, enable_grad, is_grad_enabled, name_scope, no_grad
from tinygrad_dl.functional import softmax
from tinygrad_dl.ops.shape import Sparse
from tinygrad_dl.testing import arrays, check_grad, shapes

# a thread's wait for another (or for this one): only a real hang runs out of it. With a few
# seconds, a thread starved on a loaded machine ran on before the other was ready and the
# interleaving under test did not happen
TIMEOUT = 60


# ---- random compositions ------------------------------------------------------------------
@functools.cache
def every_third(shape: tuple[int, ...]) -> np.ndarray:
    """A constant mask, made once per shape (a jitted step may keep it: not made per call)."""
    mask = np.arange(int(np.prod(shape))).reshape(shape) % 3 == 0
    mask.flags.writeable = False
    return mask


# Smooth steps only (kinks are tested op by op), each keeping t's shape and its values
# moderate so that tanh/sigmoid never saturate into finite-difference noise. Several reuse t
# (diamonds) or the leaf x again.
STEPS = {
    "tanh": lambda t, x, y, W: t.tanh(),
    "sigmoid": lambda t, x, y, W: t.sigmoid(),
    "mul_y": lambda t, x, y, W: t * y,
    "add_y": lambda t, x, y, W: t + y,
    "sub_x": lambda t, x, y, W: t - x,
    "rsub": lambda t, x, y, W: 1.5 - t,
    "neg": lambda t, x, y, W: -t,
    "t_tanh_t": lambda t, x, y, W: t * t.tanh(),
    "div": lambda t, x, y, W: t / (t * t + 1),
    "div_y": lambda t, x, y, W: t / (y * y + 1),
    "gauss": lambda t, x, y, W: (-(t * t)).exp(),
    "log": lambda t, x, y, W: (t * t + 1).log(),
    "sqrt": lambda t, x, y, W: (t * t + 1).sqrt(),
    "pow": lambda t, x, y, W: (t * t + 1) ** -0.5,
    "pow_tensor": lambda t, x, y, W: (y * y + 0.5) ** t.tanh(),
    "matmul": lambda t, x, y, W: t @ W,
    "center": lambda t, x, y, W: t - t.mean(axis=0, keepdims=True),
    "rowsum": lambda t, x, y, W: t + 0.25 * t.sum(axis=-1, keepdims=True),
    "var": lambda t, x, y, W: t * t.var(axis=-1, keepdims=True),
    "softmax": lambda t, x, y, W: softmax(t, axis=-1),
    "flip": lambda t, x, y, W: t[::-1],
    "reshape": lambda t, x, y, W: t.reshape(-1).reshape(t.shape),
    "transpose": lambda t, x, y, W: (t.T * 0.5).T,
    "stack": lambda t, x, y, W: tg.stack([t, t * y]).sum(axis=0),
    "concat": lambda t, x, y, W: tg.concatenate([t, x], axis=-1)[..., : t.shape[-1]] * 2,
    "where": lambda t, x, y, W: tg.where(every_third(t.shape), t, t * y),
}


@st.composite
def composition(draw):
    shape = draw(shapes(min_dims=1, max_dims=3))
    # y broadcasts into x's shape: some leading dims dropped, some dims set to 1
    drop = draw(st.integers(0, len(shape)))
    yshape = tuple(1 if draw(st.booleans()) else n for n in shape[drop:])
    d = shape[-1]
    x = draw(arrays(shape, -2, 2))
    y = draw(arrays(yshape, -1.5, 1.5))
    W = draw(arrays((d, d), -0.5, 0.5))
    steps = draw(st.lists(st.sampled_from(sorted(STEPS)), min_size=3, max_size=6))
    return steps, x, y, W


@given(composition())
def test_random_compositions_match_finite_differences(case):
    steps, x, y, W = case

    def f(x, y, W):
        t = x
        for s in steps:
            t = STEPS[s](t, x, y, W)
        return t

    check_grad(f, x, y, W)


# ---- accumulation, zero_grad, graph lifetime ------------------------------------------------
def test_two_backwards_accumulate():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.copy()
    np.testing.assert_array_equal(first, [2, 4, 6])
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * first)
    (x * x).sum().backward()  # a fresh graph accumulates too
    np.testing.assert_array_equal(x.grad, 3 * first)


def test_zero_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    x.zero_grad()
    assert x.grad is None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3, 3])


def test_retain_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, 2 * np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))
    y.backward()  # frees the saved arrays
    assert y._ctx.released
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_records_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    c = Tensor([3.0, 4.0])
    with name_scope("layer"), name_scope("t=3"):
        out = (x * c).sum(axis=0)
    assert out._ctx.name == "Sum" and out._ctx.params == {"axis": 0, "keepdims": False}
    mul = out._ctx.parents[0]._ctx
    assert mul.name == "Mul" and mul.parents[0] is x and mul.parents[1] is c
    assert mul.scope == "layer/t=3"
    assert not x._ctx and x.is_leaf and not out.is_leaf
    out.backward()
    assert mul.released and mul.parents[0] is x  # structure kept for drawing
    assert c.grad is None  # constants get no gradient


def test_retain_grad_on_intermediate():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = (x * 2).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, [4, 8])
    np.testing.assert_array_equal(x.grad, [8, 16])
    z = x * 2  # intermediates without retain_grad keep no grad
    (z * z).sum().backward()
    assert z.grad is None


# ---- diamonds and graph order --------------------------------------------------------------
def test_diamond_accumulates():
    x = Tensor([0.5, -1.0], requires_grad=True)
    (x * x + x).sum().backward()  # x feeds Mul twice and Add once
    np.testing.assert_allclose(x.grad, 2 * x.data + 1)


def test_intermediate_used_by_a_longer_path_gets_all_its_gradient():
    # a feeds the root directly and through b = exp(a): a must be processed after b.
    x = Tensor([0.3, -0.2], requires_grad=True)
    a = x * 2
    b = a.exp()
    (a + b).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * (1 + np.exp(2 * x.data)))
    x.grad = None
    a = x * 2
    ((a.exp() * 3).tanh() + a).sum().backward()  # a longer detour
    e = np.exp(2 * x.data)
    np.testing.assert_allclose(x.grad, 2 * (1 + (1 - np.tanh(3 * e) ** 2) * 3 * e))


def test_deep_diamond_ladder():
    # t_{k+1} = t_k * t_k.tanh() + t_k : many overlapping paths; compare with the chain rule
    x = Tensor([0.7], requires_grad=True)
    t, v, dv = x, 0.7, 1.0
    for _ in range(50):
        t = t * 0.5 * t.tanh() + t * 0.5
        dv = dv * (0.5 * np.tanh(v) + 0.5 * v * (1 - np.tanh(v) ** 2) + 0.5)
        v = 0.5 * v * np.tanh(v) + 0.5 * v
    t.backward()
    np.testing.assert_allclose(t.data, [v], rtol=1e-12)
    np.testing.assert_allclose(x.grad, [dv], rtol=1e-12)


# ---- no_grad -------------------------------------------------------------------------------
def test_no_grad_context_manager():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2 + 1
        assert not is_grad_enabled()
        with enable_grad():
            z = x * 2
    assert is_grad_enabled()
    assert y._ctx is None and not y.requires_grad
    assert z.requires_grad and z._ctx is not None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_decorator_and_reentrancy():
    x = Tensor([1.0], requires_grad=True)

    @no_grad()
    def f(n):
        assert not is_grad_enabled()
        return x * 2 if n == 0 else f(n - 1)

    assert not f(3).requires_grad
    assert is_grad_enabled()  # a recursive call must not leave grad disabled

    ng = no_grad()  # one instance entered twice, nested
    with ng:
        with ng:
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with pytest.raises(ValueError), no_grad():
        raise ValueError
    assert is_grad_enabled()  # restored after an exception


@pytest.mark.parametrize("bare", [False, True])
def test_no_grad_on_a_generator_function_covers_its_body(bare):
    """A decorator that only wrapped the call left grad mode when the generator object was
    returned, before the body ran: every tensor it yielded was recorded (torch: not). Each
    step of the body runs in the mode; the consumer keeps its own between steps."""
    x = Tensor([1.0, 2.0], requires_grad=True)

    def batches(n):
        for i in range(n):
            assert not is_grad_enabled()
            sent = yield x * float(i)
            if sent is not None:
                yield x * sent
        return "done"

    gen_fn = no_grad(batches) if bare else no_grad()(batches)
    g = gen_fn(2)
    first = next(g)
    assert is_grad_enabled()  # the consumer's own mode between steps
    assert not first.requires_grad
    assert not g.send(3.0).requires_grad  # send(), too
    assert not next(g).requires_grad
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == "done"  # the generator's return value comes through

    def enabled_inside():
        while True:
            yield is_grad_enabled()
    with no_grad():
        assert next(enable_grad()(enabled_inside)()) is True  # enable_grad inside no_grad
        assert next(enable_grad(enabled_inside)()) is True


def test_a_bare_grad_mode_decorator_works_on_methods():
    """Bare `@no_grad` was the wrapper object itself: on a method it never received `self`
    (TypeError: missing 1 required positional argument)."""

    class Model:
        w = Tensor([1.0, 2.0], requires_grad=True)

        @no_grad
        def predict(self, a):
            return self.w * a

        @tg.inference_mode
        def infer(self, a):
            return self.w * a

    assert not Model().predict(2.0).requires_grad and not Model().infer(2.0).requires_grad
    assert Model.predict.__name__ == "predict"  # functools.wraps


def test_a_decorated_function_called_from_two_threads_restores_each_threads_mode():
    """The decorated function kept ONE stack of saved modes for every thread: thread A
    entering, B entering from inside its own no_grad block, then A leaving first, left A
    with grad off for good and B with grad on after its block."""
    import threading

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    @no_grad()
    def work(first):
        if first:
            a_in.set()
            b_in.wait(TIMEOUT)
        else:
            b_in.set()
            a_out.wait(TIMEOUT)

    def thread_a():
        work(True)
        seen["A after"] = is_grad_enabled()
        a_out.set()

    def thread_b():
        with no_grad():
            a_in.wait(TIMEOUT)
            work(False)
            seen["B inside its block"] = is_grad_enabled()
        seen["B after"] = is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert seen == {"A after": True, "B inside its block": False, "B after": True}


# ---- errors --------------------------------------------------------------------------------
def test_backward_errors():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"non-scalar.*\(2, 3\)"):
        (x * 2).backward()
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()
    with pytest.raises(TypeError, match="int64"):
        Tensor(np.arange(3), requires_grad=True)
    assert Tensor([1, 2]).dtype == np.float64  # Python ints become float64
    assert Tensor(np.arange(3)).dtype == np.int64  # integer arrays stay integer, no grad


def test_shape_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError) as e:
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
    assert "Add" in str(e.value) and "(2, 3)" in str(e.value) and "(4,)" in str(e.value)
    with pytest.raises(ValueError) as e:
        Tensor(np.ones((2, 3)), requires_grad=True) @ Tensor(np.ones((2, 3)))
    assert "MatMul" in str(e.value) and str(e.value).count("(2, 3)") >= 2
    with pytest.raises(ValueError, match=r"Reshape.*\(2, 3\)"):
        Tensor(np.ones((2, 3))).reshape(4)
    with pytest.raises(ValueError, match=r"Stack.*\(2,\) and \(3,\)"):
        tg.stack([Tensor(np.ones(2)), Tensor(np.ones(3))])
    with pytest.raises(ValueError, match=r"Where.*cond \(2, 1\), x \(\) and y \(3, 1\)"):
        tg.where(np.ones((2, 1), bool), 1.0, Tensor(np.ones((3, 1))))


def test_wrong_number_or_shape_of_gradients_is_reported():
    class TwoGrads(Function):
        def forward(ctx, x):
            return x * 2

        def backward(ctx, g):
            return g, g

    class BadShape(Function):
        def forward(ctx, x):
            return x * 2

        def backward(ctx, g):
            return g.sum()

    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="TwoGrads.backward returned 2 gradients for 1"):
        TwoGrads.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"BadShape.backward.*shape \(\).*\(3,\)"):
        BadShape.apply(x).sum().backward()


# ---- aliasing ------------------------------------------------------------------------------
def test_grads_never_alias_each_other_or_user_data():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad[:] = 100  # an optimizer writing in place into one grad
    np.testing.assert_array_equal(b.grad, [1, 1])

    G = np.array([1.0, 2.0])
    (a + b).backward(G)  # the user's upstream gradient flows unchanged to both leaves
    np.testing.assert_array_equal(G, [1, 2])
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.backward(G)
    x.grad += 1
    np.testing.assert_array_equal(G, [1, 2])
    y = Tensor(np.ones((2, 2)), requires_grad=True)
    y.reshape(4).backward(np.arange(4.0))
    y.T.backward(np.ones((2, 2)))  # accumulating must not write into the first upstream array
    np.testing.assert_array_equal(y.grad, [[1, 2], [3, 4]])


class SameArrayTwice(Function):
    """x + y whose backward hands one fresh array to both inputs (allowed by the contract)."""

    def forward(ctx, x, y):
        return x + y

    def backward(ctx, g):
        h = g * 1.0
        return h, h


@pytest.mark.parametrize("order", ["op first", "op last"])
def test_one_array_returned_for_two_inputs_is_not_accumulated_into(order):
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    u = SameArrayTwice.apply(a, b)
    out = u + a * 3 if order == "op first" else a * 3 + u
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [4, 4])
    np.testing.assert_array_equal(b.grad, [1, 1])


@pytest.mark.parametrize("op", ["sum", "mean", "expand", "getitem", "concat", "stack", "T",
                                "reshape"])
def test_leaf_grads_are_writable_arrays_of_the_leaf_shape(op):
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    out = {
        "sum": lambda: x.sum(),
        "mean": lambda: x.mean(axis=0),
        "expand": lambda: x + np.zeros((4, 2, 3)),
        "getitem": lambda: x[1],
        "concat": lambda: tg.concatenate([x, x], axis=1),
        "stack": lambda: tg.stack([x, x * 2]),
        "T": lambda: x.T,
        "reshape": lambda: x.reshape(6),
    }[op]()
    out.sum().backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == (2, 3)
    assert x.grad.flags.writeable
    x.grad += 1  # optimizers update in place


def test_scalar_leaf_grad_is_an_array():
    w = Tensor(2.0, requires_grad=True)
    (w * Tensor([1.0, 2.0, 3.0])).sum().backward()
    assert isinstance(w.grad, np.ndarray) and w.grad.shape == () and w.grad == 6.0
    (w * Tensor([1.0, 2.0, 3.0])).sum().backward()
    assert isinstance(w.grad, np.ndarray) and w.grad == 12.0


class _ExpGradIsOutput(Function):
    """exp whose backward returns its saved output as the gradient when g is all ones (a
    shortcut a student may write: d exp(x)/dx = exp(x)); the array is also y.data."""

    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, g):
        (out,) = ctx.saved
        return out if np.all(g == 1) else out * g


class _SquareKeepsTwoX(Function):
    """x**2 whose backward returns an intermediate it keeps on ctx (2x) when g is all ones."""

    def forward(ctx, x):
        ctx.two_x = 2 * x
        return x * x

    def backward(ctx, g):
        return ctx.two_x if np.all(g == 1) else ctx.two_x * g


class _TwoOfItsOwn(Function):
    """x * y whose backward returns the tuple it keeps (its saved inputs, swapped) for g = 1."""

    def forward(ctx, x, y):
        ctx.swapped = (y.copy(), x.copy())
        return x * y

    def backward(ctx, g):
        return ctx.swapped if np.all(g == 1) else (g * ctx.swapped[0], g * ctx.swapped[1])


@pytest.mark.parametrize("op", [_ExpGradIsOutput, _SquareKeepsTwoX])
def test_a_gradient_the_op_keeps_is_never_added_into(op):
    """The accumulator adds an input's next gradient into its first one only when nothing else
    holds that array. It used to test only "not g, not a view, not given twice", so an array
    the op kept (its output, y.data here; an intermediate for a second backward) was added
    into: y.data became [4, 5.72] for [1, 2.72] and the second backward gave [7, 8.72] for
    [4, 5.72] (the first use of x, recorded first, is reached last)."""
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    a = x * 3.0
    y = op.apply(x)
    y_before = y.data.copy()
    loss = (y + a).sum()
    loss.backward(retain_graph=True)
    expected = (np.exp if op is _ExpGradIsOutput else lambda v: 2 * v)(x.data) + 3.0
    np.testing.assert_array_equal(x.grad, expected)
    np.testing.assert_array_equal(y.data, y_before)
    x.grad = None
    loss.backward()
    np.testing.assert_array_equal(x.grad, expected)


def test_a_gradient_tuple_the_op_keeps_is_never_added_into():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([3.0, 5.0]), requires_grad=True)
    a, b = x * 2.0, w * 2.0
    loss = (_TwoOfItsOwn.apply(x, w) + a + b).sum()
    loss.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad, [5.0, 7.0])
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])
    x.grad = w.grad = None
    loss.backward()
    np.testing.assert_array_equal(x.grad, [5.0, 7.0])
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])


def _scale_noting_addresses(seen: list) -> type:
    """2x, whose backward notes the address of the fresh array it returns (not a reference:
    one would change the count the accumulator reads)."""

    class Scale(Function):
        def forward(ctx, x):
            return 2.0 * x

        def backward(ctx, g):
            out = 2.0 * g
            seen.append(out.__array_interface__["data"][0])
            return out
    return Scale


def test_a_fresh_gradient_is_still_added_into_in_place():
    """The other side of the rule above: a fresh array from backward is the one the next
    gradient goes into and the one .grad keeps (no copy): the references are counted as this
    Python counts them (grad.FRESH is measured at import), not assumed."""
    seen: list = []
    Scale = _scale_noting_addresses(seen)
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    a = x * 3.0
    (Scale.apply(x) + a).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
    assert x.grad.__array_interface__["data"][0] == seen[0]


# ---- dtype ---------------------------------------------------------------------------------
def test_float32_end_to_end():
    rng = np.random.default_rng(0)
    X = Tensor(rng.standard_normal((5, 4)).astype(np.float32))
    W = Tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(3, np.float32), requires_grad=True)
    h = (X @ W + b).relu()
    loss = tg.functional.cross_entropy(h * 2.0 - 1, np.array([0, 1, 2, 1, 0])) + 0.1 * (W * W).sum()
    assert loss.dtype == np.float32
    loss.backward()
    assert W.grad.dtype == np.float32 and b.grad.dtype == np.float32
    with pytest.raises(AssertionError):  # the check above can fail
        assert (Tensor(np.ones(2, np.float32)) * np.ones(2)).dtype == np.float32


def test_backward_casts_upstream_grad_to_the_tensor_dtype():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    (x * 2).backward(np.ones(3))  # float64 upstream
    assert x.grad.dtype == np.float32


def test_detach_cuts_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d._ctx is None
    out = (x * d).sum()
    out.backward()
    np.testing.assert_array_equal(x.grad, [2, 4])


# ---- depth ---------------------------------------------------------------------------------
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_deep_op_chain_backprops_without_recursion():
    # 100,000 ops are 100x Python's recursion limit: a recursive backward or a recursive free
    # fails at that depth as surely as at 10^6 (`tinygrad-dl bench` times chains up to 10^6)
    n = 100_000
    x = Tensor(0.5, requires_grad=True)
    one = Tensor(1.0)
    y = x
    for _ in range(n):
        y = y + one
    y.backward()
    assert y.item() == n + 0.5
    assert x.grad == 1.0
    del y  # freeing a deep graph must not overflow the C stack either


# ---- sparse gradients: indexing's backward returns the rows, the accumulator scatters ---------
def _dense_getitem_grad(shape, uses):
    """The reference: the gradient of sum_k w_k * x[index_k].sum() written with full arrays."""
    out = np.zeros(shape)
    for index, w in uses:
        np.add.at(out, index, w)
    return out


@pytest.mark.parametrize("first", ["sparse", "dense", "upstream"])
def test_sparse_getitem_gradients_add_to_any_pending_gradient(first):
    """x[index] sends only its rows; they must add to whatever x has pending (nothing, a fresh
    array, or the caller's upstream array, which must stay unchanged), duplicates included."""
    x = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    G = np.full((4, 3), 2.0)
    uses = [((slice(1, 3),), 3.0), ((np.array([0, 0, 3]),), 5.0), ((2,), 7.0)]
    parts = [(x[index] * w).sum() for index, w in uses]
    loss = parts[0] + parts[1] + parts[2]
    expected = _dense_getitem_grad((4, 3), uses)
    if first == "dense":  # a fresh dense gradient reaches x before the rows
        loss = loss + (x * 4.0).sum()
        expected += 4.0
    if first == "upstream":  # x's first gradient is the caller's own array (an Add passes it
        out = x + (x[1:3] * 3.0).sum()  # on as it is): the rows must not be added into it
        out.backward(G)
        np.testing.assert_array_equal(G, np.full((4, 3), 2.0))
        expected = G.copy()
        expected[1:3] += 3.0 * G.sum()
        np.testing.assert_array_equal(x.grad, expected)
        return
    loss.backward()
    np.testing.assert_array_equal(x.grad, expected)


def test_getitem_per_step_scatters_into_one_array(monkeypatch):
    """An unrolled RNN slices its input once per step: the rows of all T slices go into ONE
    pending array (scattered in place), not a full array of zeros per slice (O(T^2))."""
    x = Tensor(np.random.default_rng(0).standard_normal((50, 4)), requires_grad=True)
    targets, add_to = [], Sparse.add_to

    def spy(self, pending, key, out=None):  # the pending array of x after each slice's rows
        add_to(self, pending, key, out)
        targets.append(pending.grads[key])  # (kept: no id reused by a later array)

    monkeypatch.setattr(Sparse, "add_to", spy)
    h = x[0:1] * 0.0
    for t in range(1, 50):
        h = h + x[t:t + 1] * float(t)
    h.sum().backward()
    assert len(targets) == 50 and len({id(a) for a in targets}) == 1
    np.testing.assert_array_equal(x.grad, np.repeat(np.arange(50.0)[:, None], 4, axis=1))


def test_sparse_gradient_of_a_float32_tensor_from_float64_rows():
    x = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    x[1:2].backward(np.full((1, 2), 0.5))  # float64 upstream rows
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [[0, 0], [0.5, 0.5], [0, 0]])


def test_release_frees_what_forward_saved_and_the_graph_in_one_clear():
    """A recorded op keeps `released = False` and its write-guard graph beside what forward
    saved; backward's release (one __dict__.clear()) drops all three, so the leaf it read is
    writable again while the op itself (held by y) stays for drawing."""
    x = Tensor(np.ones(3), requires_grad=True)
    y = x * x
    ctx = y._ctx
    assert ctx.released is False and ctx.graph is not None and len(ctx.saved) == 2
    with pytest.raises(ValueError, match="read-only"):
        x.data[:] = 2.0  # the graph holds x's array
    y.sum().backward()
    assert ctx.released is True and ctx.graph is None and ctx.saved == () and not ctx.__dict__
    assert ctx.parents[0] is x
    x.data[:] = 2.0  # unlocked, y and its op still alive
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def test_grad_takes_pytorchs_zero_in_place_and_stays_a_plain_array_elsewhere():
    """Before: `w.grad.zero_()` (PyTorch's habit, in its tutorials) was NumPy's AttributeError."""
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (w * 2).sum().backward()
    g = w.grad
    assert g.zero_() is g and w.grad is g and not g.any()  # in place, as torch
    (w * 3).sum().backward()  # accumulates into the zeroed buffer
    assert w.grad is g and g.tolist() == [3.0, 3.0]
    # arithmetic on a gradient gives plain arrays: the subclass never reaches results or data
    assert type(g * 2) is np.ndarray and type(np.exp(g)) is np.ndarray
    assert type(g.sum()) is np.float64 and repr(g) == "array([3., 3.])"
    data = w.data
    w.data -= 0.1 * w.grad
    assert w.data is data and type(w.data) is np.ndarray
    # a float32 parameter with a float64 upstream: the cast path stores a GradArray too
    v = Tensor(np.ones(2, np.float32), requires_grad=True)
    (v * Tensor(np.ones(2))).sum().backward()
    assert v.grad.dtype == np.float32 and v.grad.zero_().tolist() == [0.0, 0.0]
