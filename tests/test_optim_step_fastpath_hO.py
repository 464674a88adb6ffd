"""Review of Optimizer.step's fast path (a gradient as backward leaves it skips the per-check
branches): its numbers are the checked path's bit for bit, and a step the checks refuse
changes nothing (no state advanced, no group stepped), nor does a parameter whose .data was
set by hand to a NumPy scalar stay silently unchanged."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_dl.optim.optimizer as optimizer_module
from tinygrad_dl import Tensor
from tinygrad_dl.grad import GradArray
from tinygrad_dl.optim import SGD, Adam, AdamW, RMSprop

LR = 0.05
CONFIGS = [
    (SGD, {}), (SGD, {"momentum": 0.9, "nesterov": True}), (SGD, {"weight_decay": 0.1}),
    (SGD, {"momentum": 0.9, "weight_decay": 0.1, "dampening": 0.3, "maximize": True}),
    (Adam, {"amsgrad": True, "weight_decay": 0.1}), (Adam, {"maximize": True}),
    (AdamW, {"amsgrad": True}), (RMSprop, {"momentum": 0.5, "centered": True}),
]
# how the two parameters' gradients are given at each step
KINDS = ["ndarray", "shared_base", "own_data", "other_data", "strided_view", "same_object"]


def _grads(kind: str, ps: list[Tensor], g0: np.ndarray, g1: np.ndarray) -> None:
    p, q = ps
    if kind == "ndarray":
        p.grad, q.grad = g0.copy(), g1.copy()
    elif kind == "shared_base":  # two GradArray views of one buffer
        buf = np.concatenate([g0.ravel(), g1.ravel()]).view(GradArray)
        p.grad, q.grad = buf[:g0.size].reshape(g0.shape), buf[g0.size:].reshape(g0.shape)
    elif kind == "own_data":  # p.grad = p.data
        p.grad, q.grad = p.data, g1.copy()
    elif kind == "other_data":  # each the other's array
        p.grad, q.grad = q.data, p.data
    elif kind == "strided_view":
        big = np.stack([g0, g1], axis=-1)
        p.grad, q.grad = big[..., 0], big[..., 1]
    else:
        p.grad = q.grad = g0


def _run(cls: type, kw: dict, kind: str, dtype: str, shape: tuple[int, ...]) -> list:
    rng = np.random.default_rng(0)
    ps = [Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True) for _ in "pq"]
    opt = cls(ps, lr=LR, **kw)
    for _ in range(3):
        _grads(kind, ps, *(rng.standard_normal(shape).astype(dtype) for _ in "pq"))
        opt.step()
    return [p.data.copy() for p in ps] + [
        s[k] for s in opt.state for k in sorted(s) if isinstance(s[k], np.ndarray)]


@pytest.mark.parametrize(("cfg", "kind"), list(itertools.product(range(len(CONFIGS)), KINDS)))
def test_fast_path_same_bits_as_checked_path(cfg: int, kind: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cls, kw = CONFIGS[cfg]
    for dtype, shape in (("float64", (3, 4)), ("float32", ()), ("float32", (150, 120))):
        fast = _run(cls, kw, kind, dtype, shape)
        with monkeypatch.context() as m:  # no gradient type qualifies: every one is checked
            m.setattr(optimizer_module, "_GRAD_TYPES", ())
            checked = _run(cls, kw, kind, dtype, shape)
        assert len(fast) == len(checked)
        for a, b in zip(fast, checked):
            assert a.dtype == b.dtype and np.array_equal(a, b), (dtype, shape)


@pytest.mark.parametrize(("cls", "kw"), [(SGD, {"momentum": 0.9}), (Adam, {})])
def test_read_only_parameter_refused_before_any_update(cls: type, kw: dict) -> None:
    p = Tensor(np.arange(1.0, 4.0), requires_grad=True, name="w")
    q = Tensor(np.arange(1.0, 4.0), requires_grad=True, name="w")
    opt, fresh = cls([p], lr=LR, **kw), cls([q], lr=LR, **kw)
    p.data.flags.writeable = False
    p.grad, q.grad = np.ones(3), np.ones(3)
    with pytest.raises(ValueError, match=r"\.step\(\): parameter w has a read-only array"):
        opt.step()
    assert opt.state[0] == {}  # no momentum buffer or step count from the refused step
    p.data.flags.writeable = True
    opt.step()
    fresh.step()  # (the retried step is the first one: momentum applied once)
    assert np.array_equal(p.data, q.data)


def test_refusal_in_a_later_group_steps_no_group() -> None:
    p = Tensor(np.ones(3), requires_grad=True, name="a")
    q = Tensor(np.ones(3), requires_grad=True, name="b")
    opt = SGD([{"params": [p]}, {"params": [q]}], lr=LR, momentum=0.9)
    p.grad, q.grad = np.ones(3), np.ones((1, 3))  # b's gradient of the wrong shape
    with pytest.raises(ValueError, match=r"gradient of shape \(1, 3\) for parameter b"):
        opt.step()
    assert np.array_equal(p.data, np.ones(3)) and opt.state[0] == {}


def test_numpy_scalar_data_is_updated() -> None:
    torch = pytest.importorskip("torch")
    b = Tensor(np.array(1.0), requires_grad=True)
    b.data = b.data - 0.5  # a 0-d array minus a number: NumPy's scalar np.float64(0.5)
    assert isinstance(b.data, np.generic)
    tb = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    tb.data = tb.data - 0.5
    opt, topt = SGD([b], lr=LR, momentum=0.9), torch.optim.SGD([tb], lr=LR, momentum=0.9)
    for _ in range(2):
        b.grad, tb.grad = np.array(2.0), torch.tensor(2.0, dtype=torch.float64)
        opt.step()
        topt.step()
    assert type(b.data) is np.ndarray and b.data.shape == ()
    assert float(b.data) == pytest.approx(tb.item(), rel=1e-15)
    assert float(b.data) != 0.5  # (before: never updated, without a word)


@pytest.mark.parametrize("data", [Tensor(np.ones(3)), [1.0, 1.0, 1.0]])
def test_data_not_an_array_named(data: object) -> None:
    p = Tensor(np.ones(3), requires_grad=True, name="w")
    p.data = data  # a torch habit (p.data = other) or a list, by hand
    p.grad = np.ones(3)
    with pytest.raises(TypeError, match=r"the \.data of parameter w is a (Tensor|list)"):
        SGD([p], lr=LR).step()
