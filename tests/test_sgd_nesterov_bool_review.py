"""SGD's dampening, nesterov and maximize and RMSprop's maximize, step by step as torch 2.13's
(several groups, a parameter without a gradient some steps, a state_dict round trip mid-run,
float64 and float32); and the elementwise ops on bool and integer tensors as torch's (its
refusals in one line, sign(bool) a bool)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), (2, 2), (7,)]


def _run(lib: str, name: str, kw: dict[str, Any], dtype: Any, sd_at: int | None = None,
         steps: int = 40) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    init = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    if lib == "ours":
        ps = [tg.tensor(a, requires_grad=True) for a in init]
        mod: Any = optim
    else:
        ps = [torch.tensor(a, requires_grad=True) for a in init]
        mod = torch.optim

    def make() -> Any:
        return getattr(mod, name)([{"params": ps[:2]},
                                   {"params": ps[2:], "lr": 0.05, "momentum": 0.5}], **kw)
    opt = make()
    for s in range(steps):
        gs = [rng.normal(size=sh).astype(dtype) for sh in SHAPES]
        for i, (p, g) in enumerate(zip(ps, gs)):
            none = s % 5 == 2 and i == 1  # a parameter the loss did not reach this step
            if lib == "ours":
                p.grad = None if none else g
            else:
                p.grad = None if none else torch.tensor(g)
        opt.step()
        if sd_at == s:
            sd = opt.state_dict()
            opt = make()
            opt.load_state_dict(sd)
    return [p.detach().numpy() if lib == "torch" else p.data for p in ps]


def _grid(**axes: list[Any]) -> list[dict[str, Any]]:
    return [dict(zip(axes, v)) for v in itertools.product(*axes.values())]


SGD_CONFIGS = [c for c in _grid(momentum=[0.0, 0.9], dampening=[0.0, 0.3],
                                nesterov=[False, True], maximize=[False, True],
                                weight_decay=[0.0, 0.1])
               if not (c["nesterov"] and (c["momentum"] == 0 or c["dampening"]))
               and (c["dampening"] or c["nesterov"] or c["maximize"])]
RMS_CONFIGS = _grid(momentum=[0.0, 0.9], centered=[False, True], weight_decay=[0.0, 0.1],
                    maximize=[True])


@pytest.mark.filterwarnings("ignore:.*have no gradient and were not updated")
@pytest.mark.parametrize("name,kw", [("SGD", c) for c in SGD_CONFIGS]
                         + [("RMSprop", c) for c in RMS_CONFIGS])
@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("sd_at", [None, 17])
def test_sgd_and_rmsprop_flags_step_as_torch(name: str, kw: dict[str, Any], dtype: Any,
                                             rtol: float, sd_at: int | None) -> None:
    kw = {"lr": 0.01, **kw}
    for a, b in zip(_run("ours", name, kw, dtype, sd_at), _run("torch", name, kw, dtype)):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-2)


def test_sgd_dampening_skips_the_first_step_and_nesterov_looks_ahead() -> None:
    # by hand: v1 = g (no dampening); v2 = mu v1 + (1 - d) g; nesterov steps g + mu v
    w = tg.tensor(np.array([0.0]), requires_grad=True)
    opt = optim.SGD([w], lr=1.0, momentum=0.5, dampening=0.5)
    for _ in range(2):
        w.grad = np.array([1.0])
        opt.step()
    assert w.data.tolist() == [-(1.0 + 0.5 * 1.0 + 0.5 * 1.0)]
    assert opt.state[0]["momentum_buffer"].tolist() == [1.0]
    n = tg.tensor(np.array([0.0]), requires_grad=True)
    opt = optim.SGD([n], lr=1.0, momentum=0.5, nesterov=True, maximize=True)
    n.grad = np.array([2.0])
    opt.step()
    assert n.data.tolist() == [2.0 + 0.5 * 2.0]


def test_sgd_positional_dampening_is_torchs() -> None:
    # SGD(p, lr, momentum, dampening): torch's 4th positional, now implemented
    w, tw = tg.tensor(np.ones(3), requires_grad=True), torch.ones(3, dtype=torch.float64,
                                                                  requires_grad=True)
    opt, topt = optim.SGD([w], 0.1, 0.9, 0.5), torch.optim.SGD([tw], 0.1, 0.9, 0.5)
    assert opt.param_groups[0]["dampening"] == 0.5 and opt.param_groups[0]["weight_decay"] == 0
    for k in range(3):
        g = np.arange(3.0) + k
        w.grad, tw.grad = g, torch.tensor(g)
        opt.step()
        topt.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("kw", [dict(nesterov=True), dict(nesterov=True, momentum=0.9,
                                                          dampening=0.1)])
def test_sgd_nesterov_needs_momentum_and_no_dampening_as_torch(kw: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="^Nesterov momentum requires a momentum and zero "
                                         "dampening$"):
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, **kw)
    with pytest.raises(ValueError, match="^Nesterov momentum requires a momentum and zero "
                                         "dampening$"):
        optim.SGD([tg.tensor(np.zeros(1), requires_grad=True)], lr=0.1, **kw)


def test_sgd_dampening_nan_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="SGD: dampening must be a finite number, got nan"):
        optim.SGD([tg.tensor(np.zeros(1), requires_grad=True)], lr=0.1, momentum=0.9,
                  dampening=float("nan"))


def test_sgd_new_flags_alias_grad_and_param() -> None:
    # p.grad = p.data (the same memory): the decayed/negated gradient is read before the write
    d = np.array([1.0, -2.0])
    w, tw = tg.tensor(d.copy(), requires_grad=True), torch.tensor(d.copy(), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)
    topt = torch.optim.SGD([tw], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1,
                           maximize=True)
    for _ in range(3):
        w.grad = w.data
        tw.grad = tw.detach().clone()
        opt.step()
        topt.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12)


# ---- elementwise ops on bool and integer tensors ---------------------------------------------
@pytest.mark.parametrize("op", ["floor", "ceil", "trunc", "round", "abs", "fix"])
def test_rounding_and_abs_of_bool_refused_as_torch(op: str) -> None:
    with pytest.raises(NotImplementedError):
        getattr(torch.tensor([True, False]), op)()
    x = tg.tensor(np.array([True, False]))
    with pytest.raises(NotImplementedError, match=r"not implemented for dtype bool"):
        getattr(x, op)()
    with pytest.raises(NotImplementedError, match=r"not implemented for dtype bool"):
        getattr(tg, op)(x)


def test_round_decimals_of_bool_refused_abs_dunder_too() -> None:
    x = tg.tensor(np.array([True]))
    with pytest.raises(NotImplementedError, match="round: not implemented for dtype bool"):
        x.round(decimals=2)
    with pytest.raises(NotImplementedError, match="abs: not implemented for dtype bool"):
        abs(x)


@pytest.mark.parametrize("dt", [np.int64, np.int32, np.uint8, np.int8, np.bool_])
def test_frac_of_integers_and_bool_refused_as_torch(dt: Any) -> None:
    v = np.array([1, 0], dtype=dt)
    with pytest.raises(NotImplementedError):
        torch.tensor(v).frac()
    with pytest.raises(NotImplementedError, match=f"frac: not implemented for dtype "
                                                  f"{np.dtype(dt)}"):
        tg.tensor(v).frac()


def test_sign_and_square_of_bool_as_torch() -> None:
    v = np.array([True, False, True])
    for op in ("sign", "sgn", "square"):
        ours, theirs = getattr(tg.tensor(v), op)(), getattr(torch.tensor(v), op)()
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        assert ours.data.tolist() == theirs.tolist()


@pytest.mark.parametrize("dt", [np.int64, np.int32, np.uint8, np.int8])
@pytest.mark.parametrize("op", ["floor", "ceil", "trunc", "round", "abs", "sign", "neg",
                                "square"])
def test_integer_elementwise_keep_dtype_and_values_as_torch(dt: Any, op: str) -> None:
    v = np.array([3, 0, 5, 100] if dt == np.uint8 else [-3, 0, 5, -100], dtype=dt)
    ours, theirs = getattr(tg.tensor(v), op)(), getattr(torch.tensor(v), op)()
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.data.tolist() == theirs.tolist()
