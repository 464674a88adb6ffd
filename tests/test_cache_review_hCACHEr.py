"""Review of the stale-cache commit (hCACHEr): `parametrize.cached()`'s entry and CyclicLR's
refusal of a state of another cycle, made to go stale where the commit's checks did not look.

- cached(): a parametrization replaced in its list (`plist[0] = Other()`, or one deleted and
  another appended: the same list, the same length, no parameter changed) left the weight the
  old parametrization computed (torch 2.13's table is stale there too). The entry is now checked
  against the list's modules themselves, walked without parameters() (a cache hit cost ~3.4 us
  with parameters()' listing for ~1.0 us before the commit; ~1.7 us now).
- CyclicLR: its `_cycle` left out scale_mode, so a state of a scale_fn run "iterations" loaded
  into one built "cycle" (or the other way) went on along the built one without a word (torch's
  0.01140625 where ours gave 0.02125); the scale_mode run is in `_cycle` now, and refused as the
  other entries are.
"""

from __future__ import annotations

import gc
import warnings
import weakref
from typing import Any

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn, optim
from tinygrad_dl.nn.utils import parametrize
from tinygrad_dl.optim import lr_scheduler as L


class _Sym(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x + x.T


class _Neg(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return -x


def _fresh(m: Any) -> np.ndarray:
    return np.array(m.parametrizations.weight().data)


def _parametrized() -> Any:
    m = nn.Linear(3, 3)
    parametrize.register_parametrization(m, "weight", _Sym())
    return m


def test_cached_sees_a_parametrization_replaced_in_its_list() -> None:
    m = _parametrized()
    with parametrize.cached():
        before = np.array(m.weight.data)
        m.parametrizations.weight[0] = _Neg()
        assert np.array_equal(m.weight.data, _fresh(m))  # (it gave W + W^T for -W)
        assert np.array_equal(m.weight.data, -m.parametrizations.weight.original.data)
        assert not np.array_equal(m.weight.data, before)


def test_cached_sees_a_parametrization_deleted_and_another_appended() -> None:
    m = _parametrized()
    parametrize.register_parametrization(m, "weight", _Neg())
    with parametrize.cached():
        before = np.array(m.weight.data)
        plist = m.parametrizations.weight
        del plist[1]
        plist.append(_Sym())  # (the same list, of the same length)
        assert np.array_equal(m.weight.data, _fresh(m))
        assert not np.array_equal(m.weight.data, before)


def test_cached_entry_keeps_no_module_alive_and_hits_stay_hits() -> None:
    m = _parametrized()
    with parametrize.cached():
        w = m.weight
        assert m.weight is w  # (a hit: the walk finds the same list, modules and arrays)
        ref = weakref.ref(m)
        del m, w
        gc.collect()
        assert ref() is None


def _stepped(sched: Any, n: int) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (no gradient: the optimizer's step warns)
        for _ in range(n):
            sched.optimizer.step()
            sched.step()
    return sched


def _half(x: float) -> float:
    return 0.5 ** x


def _ours(**kw: Any) -> Any:
    o = optim.SGD([nn.Parameter(Tensor(np.ones(2)))], lr=0.1, momentum=0.9)
    return L.CyclicLR(o, 0.01, 0.1, step_size_up=2, **kw)


@pytest.mark.parametrize("saved,built", [("iterations", "cycle"), ("cycle", "iterations")])
def test_cyclic_lr_refuses_a_state_of_another_scale_mode(saved: str, built: str) -> None:
    state = _stepped(_ours(scale_fn=_half, scale_mode=saved), 3).state_dict()
    with pytest.raises(ValueError, match=r"^CyclicLR\.load_state_dict: the state is of another "
                                         r"cycle \(.*scale_mode '" + saved):
        _ours(scale_fn=_half, scale_mode=built).load_state_dict(state)


@pytest.mark.parametrize("saved,built", [("iterations", "cycle"), ("cycle", "iterations"),
                                         ("iterations", "iterations")])
def test_cyclic_lr_torchs_state_of_a_scale_fn_by_its_scale_mode(saved: str, built: str) -> None:
    torch = pytest.importorskip("torch")
    to = torch.optim.SGD([torch.nn.Parameter(torch.ones(2, dtype=torch.float64))], lr=0.1,
                         momentum=0.9)
    ts = _stepped(torch.optim.lr_scheduler.CyclicLR(to, 0.01, 0.1, step_size_up=2,
                                                    scale_fn=_half, scale_mode=saved), 3)
    ours = _ours(scale_fn=_half, scale_mode=built)
    if saved != built:  # (it loaded: 0.02125 for torch's 0.01140625 two steps on)
        with pytest.raises(ValueError, match=r"^CyclicLR\.load_state_dict: the state is of "
                                             r"another cycle"):
            ours.load_state_dict(ts.state_dict())
        return
    ours.load_state_dict(ts.state_dict())
    for _ in range(8):
        _stepped(ts, 1)
        _stepped(ours, 1)
        assert ours.optimizer.param_groups[0]["lr"] == pytest.approx(
            to.param_groups[0]["lr"], rel=1e-12)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr_torchs_state_of_a_mode_sets_its_scale_mode(mode: str) -> None:
    # (torch sets scale_mode by the mode where no scale_fn is given: exp_range "iterations")
    torch = pytest.importorskip("torch")
    to = torch.optim.SGD([torch.nn.Parameter(torch.ones(2, dtype=torch.float64))], lr=0.1,
                         momentum=0.9)
    ts = _stepped(torch.optim.lr_scheduler.CyclicLR(to, 0.01, 0.1, step_size_up=2, mode=mode,
                                                    gamma=0.9), 3)
    ours = _ours(mode=mode, gamma=0.9)
    ours.load_state_dict(ts.state_dict())
    for _ in range(6):
        _stepped(ts, 1)
        _stepped(ours, 1)
        assert ours.optimizer.param_groups[0]["lr"] == pytest.approx(
            to.param_groups[0]["lr"], rel=1e-12)


def test_cyclic_lr_state_saved_without_scale_mode_still_loads() -> None:
    # (a state saved by the commit under review: its _cycle has no scale_mode entry)
    state = _stepped(_ours(scale_fn=_half), 3).state_dict()
    state["_cycle"].pop("scale_mode", None)
    dst = _ours(scale_fn=_half)
    dst.load_state_dict(state)
    assert dst.last_epoch == 3
