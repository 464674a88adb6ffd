"""Leftovers of earlier reviews, each checked against torch 2.13: optimizer state under torch's
names (older state dicts and checkpoints still load), a saved group without a later key takes
torch's default, eps=inf as torch takes it, relu/hardtanh of bool and integer tensors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import optim as O
from tinygrad_dl.train.history import History
from tinygrad_dl.train.state import load_train_state, save_train_state

torch = pytest.importorskip("torch")


def _run(cls_name, kw, steps=3, seed=0):
    rng = np.random.default_rng(seed)
    d = rng.standard_normal(4)
    p = tg.Tensor(d.copy(), requires_grad=True)
    tp = torch.nn.Parameter(torch.tensor(d))
    opt, topt = getattr(O, cls_name)([p], **kw), getattr(torch.optim, cls_name)([tp], **kw)
    for _ in range(steps):
        g = rng.standard_normal(4)
        p.grad = g.copy()
        tp.grad = torch.tensor(g)
        opt.step()
        topt.step()
    return p, opt, tp, topt


@pytest.mark.parametrize("cls_name, kw", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.1}),
    ("Adam", {"lr": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.1, "momentum": 0.5, "centered": True}),
])
def test_state_keys_are_torchs(cls_name, kw):
    # before: SGD's "v", Adam's "m", "v", "t", "v_max", RMSprop's "v", "gbar", "b": a porting
    # user's opt.state[i]["momentum_buffer"] was a KeyError
    p, opt, tp, topt = _run(cls_name, kw)
    theirs = topt.state[tp]
    assert set(opt.state[0]) == set(theirs)
    for k, v in theirs.items():
        np.testing.assert_allclose(opt.state[0][k], v.numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("cls_name, kw, old", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}, {"momentum_buffer": "v"}),
    ("Adam", {"lr": 0.1, "amsgrad": True},
     {"exp_avg": "m", "exp_avg_sq": "v", "step": "t", "max_exp_avg_sq": "v_max"}),
    ("RMSprop", {"lr": 0.1, "momentum": 0.5, "centered": True},
     {"square_avg": "v", "grad_avg": "gbar", "momentum_buffer": "b"}),
])
def test_a_state_dict_with_the_older_names_still_loads_and_resumes(cls_name, kw, old):
    p, opt, tp, topt = _run(cls_name, kw)
    sd = opt.state_dict()
    sd["state"] = [{old.get(k, k): v for k, v in s.items() if k != "step" or "step" in old}
                   for s in sd["state"]]
    q = tg.Tensor(p.data.copy(), requires_grad=True)
    resumed = getattr(O, cls_name)([q], **kw)
    with warnings.catch_warnings(record=True) as caught:  # (RMSprop's older state kept no
        warnings.simplefilter("always")                   # step count: said, once)
        resumed.load_state_dict(sd)
    said = [str(w.message) for w in caught]
    assert said == ([] if cls_name != "RMSprop" else [said[0]])
    assert cls_name != "RMSprop" or "'step' counts from this load" in said[0]
    assert set(old) <= set(resumed.state[0]) and not set(old.values()) & set(resumed.state[0])
    g = np.linspace(-1.0, 1.0, 4)
    for w, o in ((p, opt), (q, resumed)):
        w.grad = g.copy()
        o.step()
    assert np.array_equal(p.data, q.data)


def test_both_spellings_of_one_buffer_are_refused():
    p, opt, _, _ = _run("SGD", {"lr": 0.1, "momentum": 0.9})
    sd = opt.state_dict()
    sd["state"][0]["v"] = sd["state"][0]["momentum_buffer"] * 2
    with pytest.raises(ValueError, match=r"^SGD.load_state_dict: parameter 0's state has 'v' "
                                         r"and 'momentum_buffer'"):
        opt.load_state_dict(sd)
    assert "v" not in opt.state[0]  # unchanged


def test_a_training_checkpoint_with_the_older_names_resumes(tmp_path):
    # train.state stores each buffer as "optim/<i>/<key>" and resumes through load_state_dict
    model = tg.nn.Linear(3, 2)
    opt = O.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for p in model.parameters():
        p.grad = np.ones(p.shape)
    opt.step()
    older = {**opt.state_dict()}
    older["state"] = [{"v": s["momentum_buffer"]} for s in older["state"]]

    class Old:  # what an older version's optimizer.state_dict() gave
        def state_dict(self):
            return older
    path = save_train_state(tmp_path / "s.npz", run={"model": "two-layer", "params": {},
                            "seed": 0, "data": None, "text": None}, model=model, optimizer=Old(),
                            history=History({}), loop={"kind": "sequence", "step": 1, "epoch": 0,
                            "e": 0, "smooth": None, "rng": np.random.default_rng(0)
                            .bit_generator.state, "samples": [], "guard_first": None,
                            "best_loss": None, "best_step": None})
    state = load_train_state(path)
    assert [sorted(s) for s in state["optim"]["state"]] == [["v"], ["v"]]  # as saved
    fresh = O.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fresh.load_state_dict(state["optim"])
    for a, b in zip(fresh.state, opt.state):
        assert np.array_equal(a["momentum_buffer"], b["momentum_buffer"])


@pytest.mark.parametrize("cls_name, kw, dropped", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True},
     ("nesterov", "dampening", "maximize")),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "maximize": True}, ("nesterov", "maximize")),
    ("RMSprop", {"lr": 0.1, "maximize": True}, ("maximize",)),
    ("Adam", {"lr": 0.1, "amsgrad": True, "maximize": True}, ("amsgrad", "maximize")),
])
def test_a_group_saved_without_a_later_key_takes_torchs_default(cls_name, kw, dropped):
    # torch's load_state_dict takes the saved groups and its __setstate__ fills a missing
    # nesterov/maximize/amsgrad with False; here the constructor's True stayed, silently
    # changing the resumed run's update
    base = {k: v for k, v in kw.items() if k not in dropped}
    p, opt, tp, topt = _run(cls_name, base)
    sd, tsd = opt.state_dict(), topt.state_dict()
    for g in (*sd["param_groups"], *tsd["param_groups"]):
        for k in dropped:
            g.pop(k, None)
    q = tg.Tensor(p.data.copy(), requires_grad=True)
    tq = torch.nn.Parameter(tp.detach().clone())
    mine, theirs = getattr(O, cls_name)([q], **kw), getattr(torch.optim, cls_name)([tq], **kw)
    mine.load_state_dict(sd)
    theirs.load_state_dict(tsd)
    for k in dropped:
        if k in theirs.param_groups[0]:
            assert mine.param_groups[0][k] == theirs.param_groups[0][k]
    if "dampening" not in theirs.param_groups[0]:  # (torch's step would KeyError on it)
        theirs.param_groups[0]["dampening"] = 0.0
    g = np.linspace(-1.0, 2.0, 4)
    q.grad = g.copy()
    tq.grad = torch.tensor(g)
    mine.step()
    theirs.step()
    np.testing.assert_allclose(q.data, tq.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("cls_name, kw", [
    ("Adam", {}), ("AdamW", {}), ("Adam", {"amsgrad": True, "weight_decay": 0.1}),
    ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {"weight_decay": 0.1}),
    ("Adamax", {}), ("NAdam", {"decoupled_weight_decay": True, "weight_decay": 0.2}),
    ("RAdam", {}),
])
def test_eps_inf_is_taken_as_torch_takes_it(cls_name, kw):
    # before: "eps must be a finite number >= 0"; torch takes it (the adaptive step is 0)
    p, _, tp, _ = _run(cls_name, {"lr": 0.1, "eps": float("inf"), **kw}, steps=8)
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-15)


def test_eps_inf_stays_refused_where_torch_gives_nan():
    # torch's Adadelta takes eps=inf and steps by sqrt(inf) / sqrt(inf): NaN weights, silently
    t = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    to = torch.optim.Adadelta([t], eps=float("inf"))
    t.grad = torch.ones(2, dtype=torch.float64)
    to.step()
    assert torch.isnan(t).all()
    with pytest.raises(ValueError, match=r"^Adadelta: eps must be a finite number >= 0, got inf"):
        O.Adadelta([tg.Tensor(np.ones(2), requires_grad=True)], eps=float("inf"))
    for name in ("Adam", "RMSprop", "AdaGrad"):  # NaN still refused everywhere
        with pytest.raises(ValueError, match=rf"^{name}: eps must be a finite number >= 0 or "
                                             r"inf, got nan"):
            getattr(O, name)([tg.Tensor(np.ones(2), requires_grad=True)], eps=float("nan"))


@pytest.mark.parametrize("call", [
    lambda x, lib: x.relu(), lambda x, lib: lib.nn.functional.relu(x),
    lambda x, lib: lib.nn.ReLU()(x), lambda x, lib: lib.nn.functional.relu(x, inplace=True),
    lambda x, lib: lib.nn.functional.relu6(x), lambda x, lib: lib.nn.functional.hardtanh(x),
])
@pytest.mark.parametrize("shape", [(3,), (), (0,)])
def test_relu_and_hardtanh_refuse_bool_as_torch(call, shape):
    # before: relu gave int64 0/1, relu6/hardtanh float64; torch: "Boolean inputs not
    # supported for relu" / "Bool inputs not supported for hardtanh"
    data = np.zeros(shape, dtype=bool)
    with pytest.raises(RuntimeError):
        call(torch.tensor(data), torch)
    with pytest.raises(RuntimeError, match=r"^(relu|hardtanh): Bool(ean)? inputs not supported"):
        call(tg.Tensor(data), tg)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8])
@pytest.mark.parametrize("bounds", [None, (-1.5, 2.7), (0.0, 6.0), (-3.0, -0.5)])
def test_hardtanh_keeps_an_integer_dtype_as_torch(dtype, bounds):
    # before: float64 for every integer input
    x = np.array([1, -2, 0, 3, 9, 100], dtype=np.int64)
    x = x[x >= 0] if dtype == np.uint8 else x
    x = x.astype(dtype)
    args = () if bounds is None else bounds
    try:
        want = torch.nn.functional.hardtanh(torch.tensor(x), *args)
    except RuntimeError:
        with pytest.raises(RuntimeError, match=r"^hardtanh: "):
            F.hardtanh(tg.Tensor(x), *args)
        return
    got = F.hardtanh(tg.Tensor(x), *args)
    assert got.dtype == x.dtype and got.data.tolist() == want.tolist()
    r6 = F.relu6(tg.Tensor(x))
    assert r6.dtype == x.dtype and r6.data.tolist() == torch.nn.functional.relu6(
        torch.tensor(x)).tolist()


def test_hardtanh_bounds_past_an_integer_dtype_are_refused_as_torch():
    x = np.array([1, 100], dtype=np.int8)
    with pytest.raises(RuntimeError):
        torch.nn.functional.hardtanh(torch.tensor(x), -1000.0, 1000.0)
    with pytest.raises(RuntimeError, match=r"^hardtanh: limits \(-1000.0, 1000.0\) cannot be "
                                           r"converted to int8"):
        F.hardtanh(tg.Tensor(x), -1000.0, 1000.0)


def test_round_of_integers_with_decimals_zero_is_a_kept_difference():
    # torch 2.13 raises "round_vml_cpu" not implemented for 'Long' on decimals=0 (and not
    # without decimals); the answer is exact, so it is kept (docs/pytorch.md says so)
    x = np.array([1, -2, 3], dtype=np.int64)
    with pytest.raises(NotImplementedError):
        torch.round(torch.tensor(x), decimals=0)
    assert torch.round(torch.tensor(x)).tolist() == x.tolist()
    r = tg.round(tg.Tensor(x), decimals=0)
    assert r.dtype == np.int64 and r.data.tolist() == x.tolist()
    with pytest.raises(NotImplementedError, match="round: not implemented for dtype int64"):
        tg.round(tg.Tensor(x), decimals=1)
