"""`@jit` on a method (a torch.compile habit): each instance replays its own recordings of its
bound method, with the method's reads of `self.x` guarded, and the same numbers as the plain
method; an object a cache cannot follow is refused in one line. Before, the decorated method
was called without `self` (Python's "missing 1 required positional argument")."""

import copy
import pickle

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit


class Net(nn.Module):
    def __init__(self, seed: int) -> None:
        super().__init__()
        tg.manual_seed(seed)
        self.lin, self.scale = nn.Linear(3, 2), 1.0

    def plain(self, X):
        loss = (self.lin(X) * self.scale).sum()
        loss.backward()
        return loss

    @jit
    def step(self, X):
        loss = (self.lin(X) * self.scale).sum()
        loss.backward()
        return loss

    @jit(strict=True)
    def strict_step(self, X):
        loss = (self.lin(X).relu() * self.scale).mean()
        loss.backward()
        return loss


def _run(net: Net, method: str, X, calls: int, change_at: int) -> list[tuple[float, np.ndarray]]:
    out = []
    for i in range(calls):
        if i == change_at:
            net.scale = 5.0
        net.zero_grad(set_to_none=False) if i else None
        loss = getattr(net, method)(X)
        out.append((loss.item(), net.lin.weight.grad.data.copy()))
    return out


@pytest.mark.parametrize("method", ["step", "strict_step"])
def test_a_jitted_method_replays_per_instance_with_self_guarded(method):
    X = tg.tensor(np.random.default_rng(0).normal(size=(5, 3)))
    a, b, ref = Net(1), Net(2), Net(1)
    got_a = _run(a, method, X, 7, change_at=4)
    got_b = _run(b, method, X, 7, change_at=99)
    plain = "plain" if method == "step" else None
    if plain:
        want = _run(ref, plain, X, 7, change_at=4)
        for (la, ga), (lw, gw) in zip(got_a, want):
            assert la == lw and np.array_equal(ga, gw)
    assert got_a[5][0] != got_a[3][0]  # self.scale's change was seen
    assert len({loss for loss, _ in got_b}) == 1
    ja, jb = getattr(a, method), getattr(b, method)
    assert ja is getattr(a, method) and ja is not jb  # one jit per instance
    assert ja.replays >= 2 and jb.replays >= 4
    assert isinstance(getattr(Net, method), jit)  # (the class attribute: the descriptor)


def test_an_object_a_cache_cannot_follow_is_refused_in_one_line():
    class Slotted:  # (no __dict__ to keep the jit in, no weak reference, unhashable)
        __slots__ = ()
        __hash__ = None

        @jit
        def step(self, X):
            return X

    with pytest.raises(TypeError, match=r"jit: @jit on a method of Slotted.*jit\(obj\.method\)"):
        _ = Slotted().step


class Unhashable(Net):
    __hash__ = None  # (a dataclass(eq=True)'s, a class defining __eq__ alone)


def test_an_unhashable_object_keeps_its_own_jit_and_copies_start_afresh():
    X = tg.tensor(np.random.default_rng(1).normal(size=(4, 3)))
    a = Unhashable(3)
    for _ in range(4):
        a.step(X)
    assert a.step is a.step and a.step.replays >= 2 and a.step.fn.__self__ is a
    for c in (copy.deepcopy(a), copy.copy(a), pickle.loads(pickle.dumps(a))):
        assert c.step is not a.step and c.step.replays == 0 and c.step.fn.__self__ is c
        assert c.step(X).item() == a.plain(X).item()


def test_a_shallow_copy_made_before_any_call_gets_its_own_jit():
    X = tg.tensor(np.random.default_rng(2).normal(size=(4, 3)))
    fresh = Net(4)
    _ = fresh.step  # (the holder made, empty)
    c = copy.copy(fresh)  # (shares the original's __dict__ values)
    c.step(X)
    fresh.step(X)
    assert c.step.fn.__self__ is c and fresh.step.fn.__self__ is fresh
    assert c.step is not fresh.step
