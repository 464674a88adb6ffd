"""Second review of Optimizer.step's checks-before-updates: a refused step changes nothing for
every optimizer (state bit for bit, the parameters, a live graph that holds one of them), its
closure runs once, and LBFGS (its own step()) gets the parameter checks step() has."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.optim import (
    ASGD,
    LBFGS,
    SGD,
    Adadelta,
    AdaGrad,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    NAdam,
    RAdam,
    RMSprop,
    Rprop,
)

OPTIMIZERS = [
    (SGD, {"momentum": 0.9}), (SGD, {"momentum": 0.9, "nesterov": True}), (Adam, {}),
    (AdamW, {"amsgrad": True}), (RMSprop, {"centered": True, "momentum": 0.5}), (Adagrad, {}),
    (AdaGrad, {}), (Adadelta, {}), (Adamax, {}), (NAdam, {}), (RAdam, {}), (Rprop, {}),
    (ASGD, {}),
]


def _snapshot(opt: object, ps: list[Tensor]) -> list:
    out = [p.data.copy() for p in ps]
    for s in opt.state:  # type: ignore[attr-defined]
        out.append(sorted(s))
        out += [np.array(v, copy=True) for _, v in sorted(s.items())]
    return out


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        (x == y) if isinstance(x, list) else
        (x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes())
        for x, y in zip(a, b))


@pytest.mark.parametrize("bad", ["shape", "read_only", "tensor_grad"])
@pytest.mark.parametrize(("cls", "kw"), OPTIMIZERS, ids=lambda x: getattr(x, "__name__", ""))
def test_refused_step_changes_nothing(cls: type, kw: dict, bad: str) -> None:
    rng = np.random.default_rng(1)
    ps = [Tensor(rng.standard_normal((2, 3)), requires_grad=True, name=n) for n in "abc"]
    twins = [Tensor(p.data.copy(), requires_grad=True) for p in ps]
    opt = cls([{"params": ps[:2]}, {"params": ps[2:]}], lr=0.01, **kw)
    ref = cls([{"params": twins[:2]}, {"params": twins[2:]}], lr=0.01, **kw)
    grads = [rng.standard_normal((2, 3)) for _ in range(6)]
    for first in (True, False):  # one step first: the refused one has state to keep
        for p, t, g in zip(ps, twins, grads[:3] if first else grads[3:]):
            p.grad, t.grad = g.copy(), g.copy()
        if first:
            opt.step()
            ref.step()
    c = ps[2]  # the last group's parameter is the bad one: group 0 is checked first
    if bad == "shape":
        c.grad = np.ones((3, 2))
    elif bad == "read_only":
        c.data.flags.writeable = False
    else:
        c.grad = Tensor(c.grad)
    before = _snapshot(opt, ps)
    calls = []
    with pytest.raises((ValueError, TypeError), match=r"parameter c\b"):
        opt.step(lambda: calls.append(1))
    assert calls == [1]  # (run first, as torch's, and once)
    assert _same(_snapshot(opt, ps), before)
    c.grad, c.data = grads[5].copy(), c.data.copy()  # fixed: the retry is the second step
    opt.step()
    ref.step()
    assert _same(_snapshot(opt, ps), _snapshot(ref, twins))


def test_refusal_leaves_a_live_graph_as_it_was() -> None:
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    v = Tensor(np.ones(3), requires_grad=True, name="v")
    loss = (w * w).sum()  # the graph holds w's array
    opt = SGD([{"params": [w]}, {"params": [v]}], lr=0.1)
    array = w.data
    w.grad, v.grad = np.ones(3), np.ones((1, 3))
    with pytest.raises(ValueError, match=r"gradient of shape \(1, 3\) for parameter v"):
        opt.step()
    assert w.data is array  # (a copy had been taken for the write the refusal never made)
    w.grad = None
    loss.backward()  # (raised: "an array ... it saved was replaced by SGD.step()")
    assert np.array_equal(w.grad, 2 * np.ones(3))
    v.grad = np.ones(3)
    w.grad = np.ones(3)
    opt.step()
    assert np.allclose(w.data, 0.9) and np.allclose(v.data, 0.9)


def _lbfgs(p: Tensor, calls: list[int]) -> tuple[LBFGS, object]:
    opt = LBFGS([p], lr=0.1, max_iter=3)

    def closure() -> Tensor:
        calls.append(1)
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    return opt, closure


def test_lbfgs_numpy_scalar_data_is_updated() -> None:
    torch = pytest.importorskip("torch")
    b = Tensor(np.array(1.0), requires_grad=True)
    b.data = b.data - 0.5  # NumPy's scalar np.float64(0.5): LBFGS's `a += ...` rebound it
    assert isinstance(b.data, np.generic)
    opt, closure = _lbfgs(b, [])
    opt.step(closure)
    tb = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.LBFGS([tb], lr=0.1, max_iter=3)

    def tclosure() -> object:
        topt.zero_grad()
        loss = tb * tb
        loss.backward()
        return loss
    topt.step(tclosure)
    assert type(b.data) is np.ndarray and b.data.shape == ()
    assert float(b.data) == pytest.approx(tb.item(), rel=1e-12) and float(b.data) != 0.5


def test_lbfgs_read_only_parameter_refused_before_any_state() -> None:
    c = Tensor(np.ones(3), requires_grad=True, name="c")
    c.data.flags.writeable = False
    calls: list[int] = []
    opt, closure = _lbfgs(c, calls)
    with pytest.raises(ValueError, match=r"^LBFGS\.step\(\): parameter c has a read-only array"):
        opt.step(closure)
    assert calls == [1] and opt.state[0] == {}  # (func_evals, n_iter had advanced)
    assert np.array_equal(c.data, np.ones(3))

