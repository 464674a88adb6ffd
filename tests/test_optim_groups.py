"""Parameter groups kept apart: fit's rates per group, group keys a step would ignore,
load_state_dict all or nothing and checked as the constructor checks, and the PyTorch habits
around them (opt.state[p], saving an optimizer, load_state_dict's named tuple)."""

from __future__ import annotations

import copy
import types

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn, optim
from tinygrad_dl.models import TwoLayer
from tinygrad_dl.train import fit


def _w(*shape: int, value: float = 1.0) -> tg.Tensor:
    return tg.Tensor(np.full(shape, value), requires_grad=True)


def _data(n: int = 40) -> types.SimpleNamespace:
    rng = np.random.default_rng(0)
    return types.SimpleNamespace(X_train=rng.standard_normal((n, 5)),
                                 y_train=rng.integers(0, 3, n))


def _grouped(lrs: tuple[float, float]) -> tuple[TwoLayer, optim.SGD, list[np.ndarray]]:
    model = TwoLayer(5, 4, 3, rng=np.random.default_rng(1))
    ps = list(model.parameters())
    opt = optim.SGD([{"params": ps[:2], "lr": lrs[0]}, {"params": ps[2:], "lr": lrs[1]}],
                    lr=lrs[0])
    return model, opt, [p.data.copy() for p in ps]


# ---- 1. fit keeps each group's rate ------------------------------------------------------------
def test_fit_with_an_optimizer_keeps_its_per_group_rates() -> None:
    model, opt, before = _grouped((0.1, 0.0))  # the second layer frozen by lr 0
    fit(model, _data(), optimizer=opt, epochs=1, n_batch=10, progress=False, jit=False)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.0]
    changed = [not np.array_equal(b, p.data) for b, p in zip(before, model.parameters())]
    assert changed == [True, True, False, False]


def test_fit_schedule_scales_every_group_by_its_ratio_to_group_0() -> None:
    model, opt, before = _grouped((0.1, 0.0))
    sched = optim.CyclicLR(0.01, 0.1, 2)
    h = fit(model, _data(), optimizer=opt, schedule=sched, n_updates=3, n_batch=10,
            progress=False, jit=False)
    assert h.meta["etas"] == [sched(t) for t in range(3)]
    assert [g["lr"] for g in opt.param_groups] == [sched(2), 0.0]  # frozen stays frozen
    assert [np.array_equal(b, p.data) for b, p in zip(before, model.parameters())] == \
        [False, False, True, True]
    model, opt, _ = _grouped((0.2, 0.05))  # a quarter of group 0's rate, all along
    fit(model, _data(), optimizer=opt, schedule=sched, n_updates=2, n_batch=10,
        progress=False, jit=False)
    assert opt.param_groups[1]["lr"] == pytest.approx(sched(1) / 4, rel=1e-15)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.2, 0.05]  # kept for a resume


def test_fit_schedule_refuses_a_zero_group_0_among_others() -> None:
    model, opt, _ = _grouped((0.0, 0.1))
    with pytest.raises(ValueError, match="group 0 has lr 0"):
        fit(model, _data(), optimizer=opt, schedule=optim.CyclicLR(0.01, 0.1, 2), n_updates=1,
            n_batch=10, progress=False, jit=False)


def test_fit_one_rate_with_a_schedule_is_unchanged() -> None:
    model, opt, _ = _grouped((0.1, 0.1))  # every group gets the schedule's value itself
    sched = optim.CyclicLR(1e-5, 0.1, 3)
    fit(model, _data(), optimizer=opt, schedule=sched, n_updates=4, n_batch=10,
        progress=False, jit=False)
    assert [g["lr"] for g in opt.param_groups] == [sched(3)] * 2
    assert all("initial_lr" not in g for g in opt.param_groups)


# ---- 2. eta that changes nothing ---------------------------------------------------------------
def test_fit_refuses_eta_with_an_optimizer_or_a_schedule() -> None:
    model = TwoLayer(5, 4, 3)
    with pytest.raises(ValueError, match=r"^fit: eta=0.05 .* optimizer= given it changes nothing"):
        fit(model, _data(), optimizer=optim.Adam(model.parameters()), eta=0.05, epochs=1,
            n_batch=10, progress=False, jit=False)
    with pytest.raises(ValueError, match="schedule= given it changes nothing"):
        fit(model, _data(), schedule=optim.ConstantLR(0.1), eta=0.05, epochs=1, n_batch=10,
            progress=False, jit=False)
    h = fit(model, _data(), eta=0.05, n_updates=2, n_batch=10, progress=False, jit=False)
    assert h.meta["etas"] == [0.05, 0.05]  # eta alone: the default SGD's rate, as before


# ---- 3. a group key the optimizer would ignore -------------------------------------------------
def test_step_refuses_torch_betas_written_into_an_adam_group() -> None:
    a = _w(3)
    opt = optim.Adam([a], lr=0.1)
    opt.param_groups[0]["betas"] = (0.0, 0.0)
    a.grad = np.ones(3)
    with pytest.raises(ValueError, match=r"\['betas'\] that Adam does not use .*set "
                                         r"group\['beta1'\] and group\['beta2'\]"):
        opt.step()
    assert np.array_equal(a.data, np.ones(3))  # refused before any update
    del opt.param_groups[0]["betas"]
    opt.param_groups[0]["beta1"] = 0.0  # the spelling that works
    opt.step()
    assert not np.array_equal(a.data, np.ones(3))


def test_step_refuses_an_unknown_group_key_but_not_a_schedulers_initial_lr() -> None:
    a = _w(3)
    opt = optim.SGD([a], lr=0.1)
    optim.lr_scheduler.StepLR(opt, 2)  # writes PyTorch's "initial_lr" into the group
    a.grad = np.ones(3)
    opt.step()
    opt.param_groups[0]["amsgrad"] = True
    with pytest.raises(ValueError, match=r"SGD.step\(\): parameter group 0 has key\(s\) "
                                         r"\['amsgrad'\] that SGD does not use"):
        opt.step()


# ---- 4-6. load_state_dict ----------------------------------------------------------------------
def _sgd(sizes: list[int], lr2: float = 0.5) -> tuple[list[tg.Tensor], optim.SGD]:
    ps = [_w(3) for _ in range(3)]
    opt = optim.SGD([{"params": ps[:sizes[0]]}, {"params": ps[sizes[0]:], "lr": lr2}],
                    lr=0.1, momentum=0.9)
    return ps, opt


def test_load_state_dict_refuses_groups_of_other_sizes() -> None:
    ps, opt = _sgd([1, 2])
    for i, p in enumerate(ps):
        p.grad = np.full(3, i + 1.0)
    opt.step()
    _, other = _sgd([2, 1])
    with pytest.raises(ValueError, match="parameter group that doesn't match the size of "
                                         r"optimizer's group \(group 0: 1 parameters saved, 2"):
        other.load_state_dict(opt.state_dict())
    assert [len(g["params"]) for g in opt.state_dict()["param_groups"]] == [1, 2]
    _, same = _sgd([1, 2], lr2=0.3)
    same.load_state_dict(copy.deepcopy(opt.state_dict()))  # the same partition loads
    assert same.param_groups[1]["lr"] == 0.5
    assert np.array_equal(same.state[2]["momentum_buffer"], [3.0] * 3)


def test_a_refused_load_state_dict_changes_nothing() -> None:
    a = [_w(3), _w(4)]
    src = optim.SGD(a, lr=0.5, momentum=0.5)
    for p in a:
        p.grad = np.ones(p.shape)
    src.step()
    dst = optim.SGD([_w(3), _w(5)], lr=0.01, momentum=0.9)
    with pytest.raises(ValueError, match=r"parameter 1's state 'momentum_buffer' has shape \(4,\)"):
        dst.load_state_dict(src.state_dict())
    assert (dst.param_groups[0]["lr"], dst.param_groups[0]["momentum"]) == (0.01, 0.9)
    assert list(dst.state) == [{}, {}]


@pytest.mark.parametrize("edit, match", [
    ({"momentum": 1.5}, r"parameter group 0: momentum must be in \[0, 1\), got 1.5"),
    ({"amsgrad": True}, r"parameter group 0 has unknown option\(s\) \['amsgrad'\]"),
    ({"lr": -1.0}, "parameter group 0: learning rate must be a finite number >= 0"),
    ({"momentum": "x"}, r"parameter group 0: momentum must be in \[0, 1\), got 'x'"),
    ({"initial_lr": float("nan")}, "parameter group 0: learning rate must be a finite number"),
    ({"params": 5}, "group 0's 'params' must be a list of parameter positions"),
])
def test_load_state_dict_checks_groups_as_the_constructor(edit: dict, match: str) -> None:
    a = [_w(3)]
    sd = optim.SGD(a, lr=0.5, momentum=0.5).state_dict()
    sd["param_groups"][0].update(edit)
    dst = optim.SGD([_w(3)], lr=0.1)
    with pytest.raises(ValueError, match=r"^SGD\.load_state_dict: " + match):
        dst.load_state_dict(sd)
    assert dst.param_groups[0]["lr"] == 0.1 and "amsgrad" not in dst.param_groups[0]


def test_load_state_dict_written_without_group_params_still_loads() -> None:
    a = [_w(3), _w(3)]
    sd = optim.SGD(a, lr=0.5, momentum=0.5).state_dict()
    for g in sd["param_groups"]:
        g.pop("params", None)  # as state dicts (and training states) saved before it was kept
    dst = optim.SGD([_w(3), _w(3)], lr=0.1)
    dst.load_state_dict(sd)
    assert dst.param_groups[0]["momentum"] == 0.5


# ---- 7-9. PyTorch habits -----------------------------------------------------------------------
def test_saving_a_torch_style_checkpoint_round_trips(tmp_path) -> None:
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    ck = {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}
    tg.save(ck, tmp_path / "ck.pt")
    back = tg.load(tmp_path / "ck.pt")
    assert back["epoch"] == 3 and back["optimizer"]["param_groups"][0]["momentum"] == 0.9
    assert all(np.array_equal(back["model"][k], v) for k, v in net.state_dict().items())
    tg.save(opt.state_dict(), tmp_path / "opt.pt")
    assert tg.load(tmp_path / "opt.pt")["type"] == "SGD"


def test_opt_state_indexed_by_a_parameter_names_the_way() -> None:
    a = _w(2)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = np.ones(2)
    opt.step()
    with pytest.raises(TypeError, match=r"SGD.state is a list in the order of opt.params.*"
                                        r"opt.state\[i\]"):
        opt.state[a]
    assert np.array_equal(opt.state[0]["momentum_buffer"], np.ones(2))
    opt.load_state_dict(opt.state_dict())  # still the list that explains itself
    with pytest.raises(TypeError, match="not a dict keyed by parameter"):
        opt.state[a]
    assert isinstance(copy.deepcopy(opt).state, list)


def test_module_load_state_dict_returns_torchs_named_tuple() -> None:
    small = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    big = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2), nn.Linear(2, 2))
    r = big.load_state_dict(small.state_dict(), strict=False)
    assert r.missing_keys == ["2.W", "2.b"] and r.unexpected_keys == []
    missing, unexpected = r  # still a tuple
    assert (missing, unexpected) == (["2.W", "2.b"], []) and isinstance(r, tuple)
    r = small.load_state_dict(big.state_dict(), strict=False)
    assert r.unexpected_keys == ["2.W", "2.b"] and r.missing_keys == []
