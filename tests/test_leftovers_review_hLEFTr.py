"""Review of the leftovers commit b780372 (hLEFTr): @jit on a method of a `__slots__` object
(jit.WeakBound) guarded for a callable object, freed when the method calls a helper of self,
one jit per object (not per value); transpose / movedim / rot90 / linalg.matrix_norm refuse a
bool or float dim (True was dim 1, 1.7 dim 1); max / min(dim=) and cosine_similarity take a
0-d integer tensor as the other dim checks do; a 0-d dim tensor changed between calls of a
jitted step is never replayed stale."""

from __future__ import annotations

import gc
import warnings
import weakref
from dataclasses import dataclass, field

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
from tinygrad_dl.jit import jit


# ---- @jit on a method of a __slots__ object -----------------------------------------------------
class _Slotted:
    __slots__ = ("w", "scale", "__weakref__")

    def __init__(self, scale: float = 2.0) -> None:
        self.w = tg.Tensor(np.ones(3), requires_grad=True)
        self.scale = scale

    def helper(self, x):
        return x * self.scale

    @jit
    def step(self, x):
        loss = (self.w * x * self.scale).sum()
        loss.backward()
        return loss

    @jit
    def step_via_helper(self, x):
        loss = (self.w * self.helper(x)).sum()
        loss.backward()
        return loss


class _CallableSlotted(_Slotted):
    __slots__ = ()

    def __call__(self, x):  # (its weak proxy is a weakref.CallableProxyType)
        return x


def _run(obj, method, calls, change_at=None, change=None):
    x = tg.Tensor(np.arange(3.0))
    got, want = [], []
    for i in range(calls):
        obj.w.grad = None
        if i == change_at:
            change(obj)
        got.append((float(getattr(obj, method)(x).item()), obj.w.grad.tolist()))
        want.append((3.0 * obj.scale, (np.arange(3.0) * obj.scale).tolist()))
    return got, want


@pytest.mark.parametrize("cls", [_Slotted, _CallableSlotted])
@pytest.mark.parametrize("method", ["step", "step_via_helper"])
def test_slots_method_guards_self_also_for_a_callable_object(cls, method):
    """A callable object's proxy (CallableProxyType) was not read through: no guard on
    self.scale, so after `obj.scale = 5.0` replay returned 6.0 (the gradient too) for 15.0;
    rebinding self.w sent the gradient to the old tensor."""
    obj = cls(2.0)
    got, want = _run(obj, method, 8, 4, lambda o: setattr(o, "scale", 5.0))
    assert got == want
    assert getattr(obj, method).replays >= 2
    got, want = _run(obj, method, 6, 2, lambda o: setattr(
        o, "w", tg.Tensor(np.ones(3), requires_grad=True)))
    assert got == want


@pytest.mark.parametrize("cls", [_Slotted, _CallableSlotted])
@pytest.mark.parametrize("method", ["step", "step_via_helper"])
def test_slots_object_is_freed_also_when_its_method_calls_a_helper(cls, method):
    """The guards of what `self.helper(x)` read (heard as the step ran) held the object
    itself: it was never freed, WeakBound notwithstanding."""
    obj = cls(2.0)
    _run(obj, method, 5)
    ref = weakref.ref(obj)
    del obj
    gc.collect()
    assert ref() is None


def test_the_jit_of_a_freed_slots_object_says_so_in_one_line():
    obj = _Slotted()
    kept = obj.step_via_helper
    _run(obj, "step_via_helper", 4)
    del obj
    gc.collect()
    with pytest.raises(ReferenceError) as e:  # (weakref's words named neither step nor fix)
        kept(tg.Tensor(np.arange(3.0)))
    one_line(e, "jit", "step_via_helper", "freed", "live object")


@dataclass(frozen=True, slots=True, weakref_slot=True)
class _Named:
    name: str
    w: tg.Tensor = field(compare=False)

    @jit
    def step(self, x):
        loss = (self.w * x).sum()
        loss.backward()
        return loss


def test_objects_equal_by_value_get_their_own_jit():
    """The class's table was a WeakKeyDictionary, by equality: `b.step` of an object equal
    to `a` (a frozen dataclass's __eq__, its weights left out of it) ran a's step: 3.0 for
    15.0, and the gradient went to a's weights (older than b780372)."""
    x = tg.Tensor(np.ones(3))
    a = _Named("fc", tg.Tensor(np.ones(3), requires_grad=True))
    b = _Named("fc", tg.Tensor(np.full(3, 5.0), requires_grad=True))
    for _ in range(4):
        a.w.grad = b.w.grad = None
        assert float(a.step(x).item()) == 3.0 and float(b.step(x).item()) == 15.0
        assert a.w.grad.tolist() == b.w.grad.tolist() == [1.0] * 3
    assert a.step is a.step and a.step is not b.step
    ref = weakref.ref(a)
    del a
    gc.collect()
    assert ref() is None and float(b.step(x).item()) == 15.0


def test_an_unhashable_slots_object_gets_its_jit_too():
    """(a dataclass(eq=True, slots=True): __hash__ None; the table by identity needs none)"""

    @dataclass(slots=True, weakref_slot=True)
    class Unhashable:
        w: tg.Tensor

        @jit
        def step(self, x):
            return (self.w * x).sum()

    u = Unhashable(tg.Tensor(np.full(3, 2.0)))
    assert [float(u.step(tg.Tensor(np.ones(3))).item()) for _ in range(4)] == [6.0] * 4


# ---- transpose / movedim: a bool or float dim ---------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x: x.transpose(True, 0), lambda x: x.transpose(0, np.bool_(True)),
    lambda x: x.transpose(tg.tensor(True), 0), lambda x: x.transpose(tg.tensor(1.7), 0),
    lambda x: x.transpose(np.array(2.0), 0), lambda x: x.movedim(True, 0),
    lambda x: x.movedim([True, 0], [1, 2]), lambda x: x.movedim(0, tg.tensor(True)),
    lambda x: x.movedim(1.5, 0), lambda x: tg.moveaxis(x, [0, 1.0], [1, 2])])
def test_transpose_and_movedim_refuse_a_bool_or_float_dim(call):
    """int(v) took True as dim 1 and 1.7 as dim 1 (x.transpose(True, 0) swapped dims 1 and
    0; torch refuses: 'must be int, not bool'); older than b780372."""
    x = tg.Tensor(np.zeros((2, 3, 4)))
    with pytest.raises(TypeError) as e:
        call(x)
    one_line(e, "dim must be an integer")


@pytest.mark.parametrize("call", [
    lambda x: tg.rot90(x, 1, (1.7, 2)), lambda x: tg.rot90(x, 1, (True, 2)),
    lambda x: x.rot90(1, (tg.tensor(1.0), 0)), lambda x: x.rot90(1, (0, tg.tensor(True))),
    lambda x: tg.linalg.matrix_norm(x, dim=(0.9, 1)),
    lambda x: tg.linalg.matrix_norm(x, dim=(True, 2)),
    lambda x: tg.linalg.matrix_norm(x, dim=("0", 2)),
    lambda x: tg.linalg.norm(x, dim=(tg.tensor(1.0), 2))])
def test_rot90_and_matrix_norm_refuse_a_bool_float_or_text_dim(call):
    """int(v) again: rot90(x, 1, (1.7, 2)) turned dims 1 and 2, matrix_norm(dim=(0.9, 1))
    gave the norms over dims 0 and 1, dim=("0", 2) over 0 and 2; torch refuses each
    (older than b780372)."""
    x = tg.Tensor(np.arange(24.0).reshape(2, 3, 4))
    with pytest.raises(TypeError) as e:
        call(x)
    one_line(e, "dim must be")


def test_rot90_and_matrix_norm_take_0d_integer_dims_as_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((2, 3, 4))
    x, t = tg.Tensor(a), torch.tensor(a)
    for dims, want in [((tg.tensor(2), np.array(0)), (2, 0)), ((np.int64(-1), 1), (-1, 1))]:
        for k in (-1, 1, 2):
            np.testing.assert_array_equal(tg.rot90(x, k, dims).data, torch.rot90(t, k, want))
        for order in ("fro", "nuc", 1, 2, -np.inf):
            np.testing.assert_allclose(tg.linalg.matrix_norm(x, ord=order, dim=dims).data,
                                       torch.linalg.matrix_norm(t, ord=order, dim=want),
                                       rtol=1e-12)


def test_transpose_and_movedim_take_0d_integer_dims_as_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((2, 3, 4))
    x, t = tg.Tensor(a), torch.tensor(a)
    for d0, d1 in [(0, 2), (-1, 1), (2, 2), (1, -3)]:
        np.testing.assert_array_equal(x.transpose(tg.tensor(d0), np.array(d1)).data,
                                      t.transpose(d0, d1).numpy())
        np.testing.assert_array_equal(x.movedim(tg.tensor(d0), d1).data,
                                      t.movedim(torch.tensor(d0), d1).numpy())
    np.testing.assert_array_equal(x.movedim([tg.tensor(0), 1], [2, np.int64(0)]).data,
                                  t.movedim([0, 1], [2, 0]).numpy())


# ---- max / min(dim=) and cosine_similarity: a 0-d integer tensor -----------------------------
def test_max_min_dim_and_cosine_similarity_take_a_0d_integer_tensor_as_torch():
    """Refused before ('max(dim=...) takes one dim, got Tensor(1)') where torch's
    x.max(dim=torch.tensor(1)) is the max over dim 1, as every other dim check here."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).standard_normal((2, 3, 4))
    x, t = tg.Tensor(a), torch.tensor(a)
    for d in (0, 1, 2, -1, -3):
        for op in ("max", "min"):
            for keep in (False, True):
                got = getattr(x, op)(dim=tg.tensor(d), keepdim=keep)
                want = getattr(t, op)(dim=torch.tensor(d), keepdim=keep)
                np.testing.assert_array_equal(got.values.data, want.values.numpy())
                np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
        np.testing.assert_allclose(
            tg.nn.functional.cosine_similarity(x, x + 1, dim=np.array(d)).data,
            torch.nn.functional.cosine_similarity(t, t + 1, dim=torch.tensor(d)).numpy(),
            rtol=1e-13)
    for bad in (True, tg.tensor(True), tg.tensor(1.0)):
        with pytest.raises(TypeError) as e:
            x.max(dim=bad)
        one_line(e, "max(dim=...)")


# ---- a 0-d dim tensor in a jitted step ----------------------------------------------------------
@pytest.mark.parametrize("kind", ["argument", "closed_over", "numpy_closed_over"])
def test_a_0d_dim_changed_between_jitted_calls_is_not_replayed_stale(kind):
    """A dim read from a tensor is a value the step's Python takes: the jit runs eagerly (a
    tensor's __index__) or guards the array, never replays the first call's dim."""
    a = np.arange(6.0).reshape(2, 3)
    w = tg.Tensor(a.copy(), requires_grad=True)
    d = np.array(0) if kind == "numpy_closed_over" else tg.tensor(0)

    @jit
    def step(x, dim):
        loss = (w * x).sum(dim if kind == "argument" else d).pow(2).sum()
        loss.backward()
        return loss

    x = tg.Tensor(np.ones((2, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(8):
            w.grad = None
            if i == 4:
                (d if kind == "numpy_closed_over" else d.data)[...] = 1
            axis = int(np.asarray(d.data if isinstance(d, tg.Tensor) else d))
            assert float(step(x, d).item()) == float((a.sum(axis) ** 2).sum())
            want = np.broadcast_to(np.expand_dims(2 * a.sum(axis), axis), a.shape)
            np.testing.assert_array_equal(w.grad, want)
