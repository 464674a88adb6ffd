"""In-place operators are in place (issue 19, item 3), with PyTorch's rules.

Before: `p -= lr * p.grad` built a new Tensor and rebound the loop variable, so PyTorch's own
tutorial loop (`with no_grad(): for p in model.parameters(): p -= lr * p.grad`) never trained
and nothing was raised; `+=`, `*=`, `/=` likewise.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn, no_grad


def _tutorial_model(seed: int = 0) -> tuple[nn.Module, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(3, 1, rng=rng))
    x = rng.standard_normal((50, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    return model, x, y


def test_pytorchs_tutorial_update_loop_trains() -> None:
    model, x, y = _tutorial_model()
    losses = []
    for _ in range(20):
        loss = ((model(Tensor(x)) - Tensor(y)) ** 2).mean()
        losses.append(float(loss))
        for p in model.parameters():
            p.grad = None
        loss.backward()
        with no_grad():
            for param in model.parameters():
                param -= 0.1 * param.grad
    assert losses[-1] < 0.2 * losses[0]  # before: every loss equal to the first


def test_pytorchs_polynomial_tutorial_trains() -> None:
    # "Learning PyTorch with examples", the nn version: a cubic fit of sin(x), updated with
    # `param -= learning_rate * param.grad` under no_grad (the issue: loss 5946.34 forever)
    x = np.linspace(-np.pi, np.pi, 2000)
    xx = Tensor(x[:, None] ** np.array([1, 2, 3]))
    y = Tensor(np.sin(x))
    model = nn.Linear(3, 1, rng=np.random.default_rng(0))
    losses = []
    for _ in range(200):
        loss = ((model(xx).reshape(-1) - y) ** 2).sum()
        losses.append(float(loss))
        for p in model.parameters():
            p.grad = None
        loss.backward()
        with no_grad():
            for param in model.parameters():
                param -= 1e-6 * param.grad
    assert losses[-1] < 0.5 * losses[0] and len(set(losses)) == len(losses)


@pytest.mark.parametrize("op, expected", [("+=", 3.0), ("-=", -1.0), ("*=", 2.0), ("/=", 0.5)])
def test_augmented_assignment_writes_into_the_same_array(op: str, expected: float) -> None:
    w = Tensor(np.ones(3), requires_grad=True)
    array, obj = w.data, w
    with no_grad():
        exec(f"w {op} Tensor(np.full(3, 2.0))", {"Tensor": Tensor, "np": np}, {"w": w})
    assert w is obj and w.data is array  # the same tensor, the same array
    np.testing.assert_array_equal(array, np.full(3, expected))


def test_augmented_assignment_rebinds_nothing() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    alias = w
    with no_grad():
        w -= 0.5
        w *= 4
        w += Tensor(np.array([1.0, 2.0]))
        w /= 2
    assert w is alias
    np.testing.assert_array_equal(alias.data, [1.5, 2.0])


def test_leaf_that_requires_grad_is_refused_with_pytorchs_message() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation.*no_grad") as e:
        w -= 1.0
    assert "\n" not in str(e.value)
    for name, args in [("add_", (1.0,)), ("sub_", (1.0,)), ("mul_", (2.0,)), ("div_", (2.0,)),
                       ("zero_", ()), ("fill_", (3.0,)), ("copy_", (np.zeros(2),)),
                       ("clamp_", (0.0, 0.5))]:
        with pytest.raises(RuntimeError, match=f"Tensor.{name}.*leaf Variable"):
            getattr(w, name)(*args)
    with pytest.raises(RuntimeError, match="setitem.*leaf Variable"):
        w[0] = 5.0
    np.testing.assert_array_equal(w.data, [1.0, 1.0])


def test_an_ops_result_is_recorded_and_a_saved_one_raises_at_backward() -> None:
    # (before: refused in every mode; now recorded as torch's, tensor/rebase.py)
    w = Tensor(np.ones(2), requires_grad=True)
    h = w * 3.0
    h -= 1.0  # recorded: h's op is now the subtraction
    assert h.grad_fn.name == "Sub" and h.data.tolist() == [2.0, 2.0]
    (h * h).sum().backward()
    np.testing.assert_allclose(w.grad, 2 * 2.0 * 3.0)
    t = w.tanh()
    with no_grad():
        t += 1.0  # Tanh saved t's array for its backward: t gets a copy, backward raises
    with pytest.raises(RuntimeError, match="Tanh.*replaced by Tensor.add_"):
        t.sum().backward()  # (torch: "... modified by an inplace operation")


def test_an_operand_that_requires_grad_is_not_dropped_silently() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    x = Tensor(np.zeros(2))  # a constant: recorded, as torch's (was refused: w's gradient
    x += w  # would be lost otherwise)
    assert x.requires_grad and not x.is_leaf
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])
    x = Tensor(np.zeros(2))
    with no_grad():
        x += w  # under no_grad nothing is recorded anyway: a plain update
    np.testing.assert_array_equal(x.data, [1.0, 1.0])


def test_constants_update_in_place_in_grad_mode() -> None:
    x = Tensor(np.arange(4.0))
    buf = x.data
    x -= 1
    x *= 2
    x[0] = 10.0
    x.clamp_(0, 5)
    assert x.data is buf
    np.testing.assert_array_equal(buf, [5.0, 0.0, 2.0, 4.0])


def test_methods_return_self_and_match_numpy() -> None:
    with no_grad():
        t = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
        assert t.add_(1, alpha=2) is t
        np.testing.assert_array_equal(t.data, [3.0, 0.0, 5.0])
        assert t.sub_(Tensor(np.ones(3)), alpha=0.5) is t
        np.testing.assert_array_equal(t.data, [2.5, -0.5, 4.5])
        assert t.clamp_(min=0.0) is t
        np.testing.assert_array_equal(t.data, [2.5, 0.0, 4.5])
        assert t.fill_(7.0) is t and (t.data == 7).all()
        assert t.copy_(np.array([1.0, 2.0, 3.0])) is t
        np.testing.assert_array_equal(t.data, [1.0, 2.0, 3.0])
        t[1:] = Tensor(np.array([9.0, 8.0]))
        np.testing.assert_array_equal(t.data, [1.0, 9.0, 8.0])
        assert t.zero_() is t and not t.data.any()


def test_integer_tensors_follow_numpys_same_kind_rule() -> None:
    t = Tensor([0, 1, 2])  # float64: the constructor's default for Python ints
    i = Tensor(np.arange(3, dtype=np.int64))
    i += 2
    i *= 3
    np.testing.assert_array_equal(i.data, [6, 9, 12])
    for bad in (lambda: i.add_(0.5), lambda: i.div_(2), lambda: i.fill_(1.5),
                lambda: i.__setitem__(0, 2.5)):
        with pytest.raises(TypeError, match="Tensor\\.\\w+.*same_kind") as e:
            bad()
        assert "\n" not in str(e.value)
    np.testing.assert_array_equal(i.data, [6, 9, 12])
    t /= 2  # float: fine
    f32 = Tensor(np.ones(2, np.float32))
    f32 += np.ones(2)  # float64 into float32: same kind, as NumPy
    assert f32.dtype == np.float32


def test_shape_errors_name_the_op() -> None:
    t = Tensor(np.ones(3))
    with pytest.raises(ValueError, match="Tensor.add_ \\(\\+=\\):.*broadcast") as e:
        t += np.ones((2, 3))  # the result would not fit into t
    assert "\n" not in str(e.value)


def test_under_a_live_graph_the_update_is_in_place_and_that_graph_then_refuses() -> None:
    w = Tensor(np.ones(3), requires_grad=True)
    x = Tensor(np.arange(3.0))
    loss = (w * w).sum()  # saves w's array (its gradient 2w reads it; `w * x` with a
    # constant x does not, as torch's: w's gradient x stays right, so a write there is fine)
    with no_grad():
        w -= 1.0  # w gets a new array (the old one stays the graph's), updated in place
    np.testing.assert_array_equal(w.data, [0.0, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="replaced by Tensor.sub_"):
        loss.backward()
    (w * x).sum().backward()  # a fresh forward is fine
    np.testing.assert_array_equal(w.grad, x.data)


def test_a_write_through_detach_cannot_change_what_a_graph_saved() -> None:
    w = Tensor(np.array([0.5, 1.0]), requires_grad=True)
    h = w.tanh()  # Tanh saved h's array
    d = h.detach()
    with pytest.raises(ValueError, match="read-only"):
        d.data[:] = 0.0
    d -= 1.0  # a constant: allowed, on a copy, and the graph that saved the array refuses
    with pytest.raises(RuntimeError, match="replaced by Tensor.sub_"):
        h.sum().backward()
    h2 = w.tanh()
    h2.detach()
    h2.sum().backward()  # backward unlocks the array again
    assert h2.data.flags.writeable


def test_item_assignment_under_no_grad_on_a_parameter() -> None:
    lin = nn.Linear(2, 2, rng=np.random.default_rng(0))
    with no_grad():
        lin.W[0, 0] = 0.0
        lin.W[:, 1] = Tensor(np.array([1.0, 2.0]))
    assert lin.W.data[0, 0] == 0.0
    np.testing.assert_array_equal(lin.W.data[:, 1], [1.0, 2.0])
    out = lin(Tensor(np.ones((1, 2)))).sum()
    out.backward()
    assert lin.W.grad is not None


def test_inplace_on_a_read_only_constant_names_the_op() -> None:
    t = Tensor(np.broadcast_to(np.ones(1), (3,)))  # a read-only NumPy view
    with pytest.raises(ValueError, match="Tensor.mul_ \\(\\*=\\): .*read-only"):
        t *= 2


def test_the_sgd_idiom_with_momentum_buffers_as_tensors() -> None:
    # a hand-written optimizer in PyTorch style: in-place on Tensors everywhere
    model, x, y = _tutorial_model(1)
    params = model.parameters()
    bufs = [Tensor(np.zeros_like(p.data)) for p in params]
    first = None
    for _ in range(30):
        loss = ((model(Tensor(x)) - Tensor(y)) ** 2).mean()
        first = float(loss) if first is None else first
        for p in params:
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p, b in zip(params, bufs):
                b *= 0.9
                b += p.grad
                p.sub_(b, alpha=0.05)
    assert float(loss) < 0.1 * first


# (in-place op, its call on a result h, the out-of-place spelling the error names, that
# spelling run: the value the write meant, as a new tensor the graph can go through)
_OUT_OF_PLACE = [
    ("add_ (+=)", lambda h: h.__iadd__(2.0), "`x = x + y`", lambda h: h + 2.0),
    ("sub_ (-=)", lambda h: h.__isub__(2.0), "`x = x - y`", lambda h: h - 2.0),
    ("mul_ (*=)", lambda h: h.__imul__(2.0), "`x = x * y`", lambda h: h * 2.0),
    ("div_ (/=)", lambda h: h.__itruediv__(2.0), "`x = x / y`", lambda h: h / 2.0),
    ("zero_", lambda h: h.zero_(), "`x = tg.zeros_like(x)`", lambda h: tg.zeros_like(h)),
    ("fill_", lambda h: h.fill_(2.0), "`x = tg.full_like(x, value)`",
     lambda h: tg.full_like(h, 2.0)),
    ("copy_", lambda h: h.copy_(Tensor([2.0, 3.0])), "`x = src.clone()`",
     lambda h: Tensor([2.0, 3.0]).clone()),
    ("clamp_", lambda h: h.clamp_(0.0, 0.5), "`x = x.clamp(lo, hi)`", lambda h: h.clamp(0.0, 0.5)),
    ("__setitem__ (t[i] = v)", lambda h: h.__setitem__(0, 2.0), "`x = tg.where(mask, v, x)`",
     lambda h: tg.where(np.array([True, False]), 2.0, h)),
]


@pytest.mark.parametrize("op, write, spelling, fix", _OUT_OF_PLACE,
                         ids=[o[0] for o in _OUT_OF_PLACE])
def test_a_results_write_is_recorded_as_its_out_of_place_spelling(
        op, write, spelling, fix) -> None:
    # before: refused, naming `spelling`; now recorded (tensor/rebase.py): the same values and
    # gradient as that spelling (Mul by a number saved no output: torch computes it too)
    w = Tensor(np.array([0.3, 0.9]), requires_grad=True)
    h = w * 3.0
    assert write(h) in (h, None)  # (t[i] = v returns None)
    (h * h).sum().backward()
    got, w.grad = w.grad, None
    out = fix(w * 3.0)
    np.testing.assert_array_equal(h.data, out.data)
    if out.requires_grad:  # (zero_, fill_, copy_ of constants: w's gradient is 0, as torch's)
        (out * out).sum().backward()
    np.testing.assert_allclose(got, np.zeros(2) if w.grad is None else w.grad, rtol=1e-15)
