"""optim.swa_utils against torch 2.13's torch.optim.swa_utils (CPU, float64 unless said):
seeded random small models (Linear, BatchNorm1d, Dropout, ReLU/Tanh mixes) built in both with
torch's weights loaded into ours, random SGD trajectories (the loss forward in eval mode, so
Dropout and BatchNorm agree; the buffers set to the same random values each step), and the
averaged parameters and buffers after k updates for every averaging rule (SWA, avg_fn EMA,
multi_avg_fn EMA/SWA, a user lambda), use_buffers True and False; SWALR's rates over random
settings, across a state_dict resume and with torch's own state loaded; update_bn's running
statistics. Then the cases a skeptic tries: aliasing, tied weights, float32, a model of
another structure, deepcopy and tg.save/tg.load round trips, bad arguments (one line each).

Kept differences (docs/pytorch.md): the running variance is BatchNorm's biased one (torch's is
unbiased: equal batches of n give torch's times (n - 1) / n); get_swa_multi_avg_fn averages an
integer buffer (truncated, as the default rule does) where torch's foreach addcdiv raises."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from oracle import mismatch, one_line, torch_float64  # noqa: F401

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit
from tinygrad_dl.optim import lr_scheduler as L
from tinygrad_dl.optim.swa_utils import (
    SWALR,
    AveragedModel,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_avg_fn,
    get_swa_multi_avg_fn,
    update_bn,
)

torch = pytest.importorskip("torch")
TS = torch.optim.swa_utils
pytestmark = [pytest.mark.usefixtures("torch_float64"),
              pytest.mark.filterwarnings("ignore:Detected call of")]


def _models(rng: np.random.Generator, dtype: str = "float64") -> tuple:
    """A random Sequential in torch and ours, ours loaded with torch's weights."""
    tdt = getattr(torch, dtype)
    width = int(rng.integers(2, 5))
    t_layers, o_layers = [], []
    for _ in range(int(rng.integers(1, 4))):
        out = int(rng.integers(2, 5))
        t_layers.append(torch.nn.Linear(width, out, dtype=tdt))
        o_layers.append(nn.Linear(width, out, dtype=dtype))
        width = out
        kind = rng.choice(["bn", "drop", "relu", "tanh", "none"])
        if kind == "bn":
            t_layers.append(torch.nn.BatchNorm1d(width, dtype=tdt))
            o_layers.append(nn.BatchNorm1d(width, eps=1e-5, momentum=0.1, dtype=dtype))
        elif kind == "drop":
            t_layers.append(torch.nn.Dropout(0.3))
            o_layers.append(nn.Dropout(0.3))
        elif kind in ("relu", "tanh"):
            t_layers.append(torch.nn.ReLU() if kind == "relu" else torch.nn.Tanh())
            o_layers.append(nn.ReLU() if kind == "relu" else nn.Tanh())
    tm, om = torch.nn.Sequential(*t_layers), nn.Sequential(*o_layers)
    for p in tm.parameters():  # (random values, so that every entry moves)
        with torch.no_grad():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    return tm, om, int(tm[0].in_features)


def _same_state(ours: dict, theirs: dict, rtol: float = 1e-10) -> None:
    assert len(ours) == len(theirs), (list(ours), list(theirs))
    for (k, a), (kt, b) in zip(ours.items(), theirs.items()):
        err = mismatch(np.asarray(a), b.numpy(), rtol)
        assert err is None, (k, kt, err)


def _sgd_steps(rng, tm, om, topt, oopt, n_in: int) -> None:
    """One SGD step of both on the same random batch and loss weights, in eval mode; then
    the same random buffers (as training would have moved them) in both."""
    x = rng.standard_normal((5, n_in))
    tm.eval()
    om.eval()
    tout = tm(torch.tensor(x, dtype=next(tm.parameters()).dtype))
    w = rng.standard_normal(tuple(tout.shape))
    topt.zero_grad()
    (tout * torch.tensor(w, dtype=tout.dtype)).sum().backward()
    topt.step()
    oopt.zero_grad()
    dt = tout.detach().numpy().dtype
    (om(tg.tensor(x.astype(dt))) * tg.tensor(w.astype(dt))).sum().backward()
    oopt.step()
    for (_, tb), (_, ob) in zip(tm.named_buffers(), om.named_buffers()):
        if tb.dtype == torch.int64:
            v = rng.integers(0, 50)
        else:
            v = np.abs(rng.standard_normal(tuple(tb.shape))) + 0.1
        with torch.no_grad():
            tb.copy_(torch.tensor(v))
        ob[...] = v


RULES = ["swa", "swa_avg_fn", "ema_avg_fn", "ema_multi", "swa_multi", "lambda"]


def _rule(kind: str, decay: float, lib) -> dict:
    if kind == "swa":
        return {}
    if kind == "swa_avg_fn":
        return {"avg_fn": lib.get_swa_avg_fn()}
    if kind == "ema_avg_fn":
        return {"avg_fn": lib.get_ema_avg_fn(decay)}
    if kind == "ema_multi":
        return {"multi_avg_fn": lib.get_ema_multi_avg_fn(decay)}
    if kind == "swa_multi":
        return {"multi_avg_fn": lib.get_swa_multi_avg_fn()}
    return {"avg_fn": lambda a, c, n: 0.25 * a + 0.75 * c + 0.01 * n}


class _Ours:  # (the module's functions under torch's names, for _rule)
    get_swa_avg_fn, get_ema_avg_fn = staticmethod(get_swa_avg_fn), staticmethod(get_ema_avg_fn)
    get_ema_multi_avg_fn = staticmethod(get_ema_multi_avg_fn)
    get_swa_multi_avg_fn = staticmethod(get_swa_multi_avg_fn)


@pytest.mark.parametrize("seed", range(24))
def test_averaged_parameters_and_buffers_match_torch(seed):
    rng = np.random.default_rng(seed)
    tm, om, n_in = _models(rng)
    kind = RULES[seed % len(RULES)]
    use_buffers = bool(seed // len(RULES) % 2)
    has_bn = any(isinstance(m, torch.nn.BatchNorm1d) for m in tm.modules())
    if kind == "swa_multi" and use_buffers and has_bn:
        use_buffers = False  # (torch's foreach addcdiv refuses the integer count: below)
    decay = float(rng.uniform(0.5, 0.99))
    ta = TS.AveragedModel(tm, use_buffers=use_buffers, **_rule(kind, decay, TS))
    oa = AveragedModel(om, use_buffers=use_buffers, **_rule(kind, decay, _Ours))
    lr, mom = float(rng.uniform(0.01, 0.2)), float(rng.choice([0.0, 0.9]))
    topt = torch.optim.SGD(tm.parameters(), lr=lr, momentum=mom)
    oopt = tg.optim.SGD(om.parameters(), lr=lr, momentum=mom)
    for _ in range(int(rng.integers(1, 7))):
        _sgd_steps(rng, tm, om, topt, oopt, n_in)
        ta.update_parameters(tm)
        oa.update_parameters(om)
        _same_state(oa.state_dict(), ta.state_dict())
    x = rng.standard_normal((4, n_in))
    ta.eval()
    oa.eval()
    assert mismatch(oa(tg.tensor(x)).data, ta(torch.tensor(x)).detach().numpy()) is None
    _same_state(om.state_dict(), tm.state_dict())  # (the models themselves untouched)


def test_integer_buffers_average_truncated_and_swa_multi_takes_them():
    """use_buffers=True with BatchNorm: the count is averaged and truncated as torch's default
    rule does; get_swa_multi_avg_fn gives the same (torch's raises on the integer count)."""
    rng = np.random.default_rng(5)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    om = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2, eps=1e-5))
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    ta = TS.AveragedModel(tm, use_buffers=True)
    oa, om2 = AveragedModel(om, use_buffers=True), AveragedModel(
        om, use_buffers=True, multi_avg_fn=get_swa_multi_avg_fn())
    for count in (1, 2, 5, 9):
        tm[1].num_batches_tracked.fill_(count)
        om[1].num_batches_tracked[...] = count
        for (_, tb), (_, ob) in zip(tm.named_buffers(), om.named_buffers()):
            if tb.dtype != torch.int64:
                v = rng.standard_normal(tuple(tb.shape))
                tb.copy_(torch.tensor(v))
                ob[...] = v
        ta.update_parameters(tm)
        oa.update_parameters(om)
        om2.update_parameters(om)
    _same_state(oa.state_dict(), ta.state_dict())
    _same_state(om2.state_dict(), ta.state_dict())
    assert int(oa.module[1].num_batches_tracked) == 3  # 1, 1.5 -> 1, 2.33 -> 2, 3.75 -> 3
    a = TS.AveragedModel(tm, use_buffers=True, multi_avg_fn=TS.get_swa_multi_avg_fn())
    a.update_parameters(tm)
    with pytest.raises(RuntimeError, match="addcdiv"):  # (torch's own refusal, for the record)
        a.update_parameters(tm)


@pytest.mark.parametrize("seed", range(4))
def test_float32_model_stays_float32_and_matches_torch(seed):
    rng = np.random.default_rng(100 + seed)
    tm, om, n_in = _models(rng, "float32")
    kind = ["swa", "ema_multi", "ema_avg_fn", "swa_multi"][seed]
    ta = TS.AveragedModel(tm, **_rule(kind, 0.9, TS))
    oa = AveragedModel(om, **_rule(kind, 0.9, _Ours))
    topt, oopt = torch.optim.SGD(tm.parameters(), lr=0.1), tg.optim.SGD(om.parameters(), lr=0.1)
    for _ in range(4):
        _sgd_steps(rng, tm, om, topt, oopt, n_in)
        ta.update_parameters(tm)
        oa.update_parameters(om)
    assert all(p.dtype == np.float32 for p in oa.parameters())
    _same_state(oa.state_dict(), ta.state_dict(), rtol=2e-6)


def test_the_copy_shares_no_array_and_a_step_on_the_model_leaves_the_average():
    rng = np.random.default_rng(7)
    _, om, n_in = _models(rng)
    oa = AveragedModel(om, use_buffers=True)
    ours = [p.data for p in oa.parameters()] + list(oa.module.buffers())
    theirs = [p.data for p in om.parameters()] + list(om.buffers())
    assert not any(np.shares_memory(a, b) for a in ours for b in theirs)
    oa.update_parameters(om)
    before = {k: np.array(v) for k, v in oa.state_dict().items()}
    opt = tg.optim.SGD(om.parameters(), lr=0.5)
    om.eval()
    om(tg.tensor(rng.standard_normal((3, n_in)))).sum().backward()
    opt.step()
    for b in om.buffers():
        b[...] = b + 1
    after = oa.state_dict()
    assert all(np.array_equal(before[k], np.asarray(after[k])) for k in before)
    assert not any(np.shares_memory(a, b) for a in ours for b in theirs)


def test_tied_parameters_stay_tied_and_match_torch():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.Linear(3, 3))
    tm[2].weight = tm[0].weight
    om = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 3))
    om[2].W = om[0].W
    om[0].W.data[...] = tm[0].weight.detach().numpy()
    for i in (0, 2):
        om[i].b.data[...] = tm[i].bias.detach().numpy()
    ta, oa = TS.AveragedModel(tm), AveragedModel(om)
    assert oa.module[2].W is oa.module[0].W and oa.module[0].W is not om[0].W
    assert len(oa.parameters()) == len(list(ta.parameters())) == 3
    rng = np.random.default_rng(11)
    topt, oopt = torch.optim.SGD(tm.parameters(), lr=0.1), tg.optim.SGD(om.parameters(), lr=0.1)
    for _ in range(3):
        _sgd_steps(rng, tm, om, topt, oopt, 3)
        ta.update_parameters(tm)
        oa.update_parameters(om)
    assert mismatch(oa.module[2].W.data, ta.module[2].weight.detach().numpy()) is None
    assert mismatch(oa.module[0].b.data, ta.module[0].bias.detach().numpy()) is None


def test_a_model_of_another_structure_is_one_line_and_changes_nothing():
    om = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    oa = AveragedModel(om)
    oa.update_parameters(om)
    before = {k: np.array(v) for k, v in oa.state_dict().items()}
    for other, words in ((nn.Sequential(nn.Linear(3, 4)), ["2 parameters", "4"]),
                         (nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5)), ["shape", "(5, 3)"]),
                         (nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4)), ["0 buffers", "3"])):
        with pytest.raises(ValueError) as e:
            oa.update_parameters(other)
        one_line(e, "AveragedModel.update_parameters", *words)
    with pytest.raises(TypeError) as e:
        oa.update_parameters(np.zeros(3))
    one_line(e, "nn.Module")
    assert all(np.array_equal(before[k], np.asarray(v)) for k, v in oa.state_dict().items())


def test_state_dict_round_trips_through_save_load_deepcopy_and_torch(tmp_path):
    rng = np.random.default_rng(3)
    tm, om, n_in = _models(rng)
    oa = AveragedModel(om, multi_avg_fn=get_ema_multi_avg_fn(0.8), use_buffers=True)
    ta = TS.AveragedModel(tm, multi_avg_fn=TS.get_ema_multi_avg_fn(0.8), use_buffers=True)
    topt, oopt = torch.optim.SGD(tm.parameters(), lr=0.1), tg.optim.SGD(om.parameters(), lr=0.1)
    for _ in range(3):
        _sgd_steps(rng, tm, om, topt, oopt, n_in)
        ta.update_parameters(tm)
        oa.update_parameters(om)
    path = tmp_path / "swa.npz"
    tg.save(oa.state_dict(), path)
    loaded = AveragedModel(om, multi_avg_fn=get_ema_multi_avg_fn(0.8), use_buffers=True)
    loaded.load_state_dict(tg.load(path))
    from_torch = AveragedModel(om, multi_avg_fn=get_ema_multi_avg_fn(0.8), use_buffers=True)
    from_torch.load_state_dict(ta.state_dict())  # (torch's names: weight for W, ...)
    copied = copy.deepcopy(oa)
    assert int(loaded.n_averaged) == int(from_torch.n_averaged) == int(copied.n_averaged) == 3
    for again in (loaded, from_torch, copied):
        _same_state(again.state_dict(), ta.state_dict())
    _sgd_steps(rng, tm, om, topt, oopt, n_in)
    ta.update_parameters(tm)
    for again in (oa, loaded, from_torch, copied):
        again.update_parameters(om)
        _same_state(again.state_dict(), ta.state_dict())
    assert not any(np.shares_memory(a.data, b.data)
                   for a, b in zip(copied.parameters(), oa.parameters()))


@pytest.mark.parametrize("seed", range(30))
def test_swalr_rates_match_torch(seed):
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(1, 4))
    lrs = [float(v) for v in rng.uniform(0.05, 1.0, n)]
    swa = ([float(v) for v in rng.uniform(0.0, 0.2, n)] if rng.random() < 0.5
           else float(rng.uniform(0.0, 0.2)))
    kw = {"anneal_epochs": int(rng.integers(0, 7)),
          "anneal_strategy": str(rng.choice(["cos", "linear"]))}
    tp = [torch.zeros(2, requires_grad=True) for _ in lrs]
    op = [tg.zeros(2, requires_grad=True) for _ in lrs]
    topt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(tp, lrs)])
    oopt = tg.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(op, lrs)])
    pre = int(rng.integers(0, 4))  # (a cosine schedule first: SWALR takes over its rate)
    tc = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=6)
    oc = L.CosineAnnealingLR(oopt, T_max=6)
    for _ in range(pre):
        tc.step()
        oc.step()
    ts, os_ = TS.SWALR(topt, swa, **kw), SWALR(oopt, swa, **kw)
    resume = int(rng.integers(0, 12))
    for i in range(12):
        assert mismatch(os_.get_last_lr(), ts.get_last_lr(), 1e-14) is None, i
        assert mismatch([g["lr"] for g in oopt.param_groups],
                        [g["lr"] for g in topt.param_groups], 1e-14) is None, i
        if i == resume:  # a fresh optimizer and scheduler loaded with the saved states
            state, opt_state = os_.state_dict(), oopt.state_dict()
            oopt = tg.optim.SGD([{"params": [p], "lr": 9.0} for p in op])
            os_ = SWALR(oopt, 0.5, anneal_epochs=99, anneal_strategy="linear")
            oopt.load_state_dict(opt_state)
            os_.load_state_dict(state if i % 2 else ts.state_dict())  # (ours, or torch's)
            assert (os_.anneal_epochs, os_._anneal_strategy) == (kw["anneal_epochs"],
                                                               kw["anneal_strategy"])
        if rng.random() < 0.2:  # a rate set by hand: both take it up from there
            for tg_, og in zip(topt.param_groups, oopt.param_groups):
                tg_["lr"] = og["lr"] = 0.3
        ts.step()
        os_.step()


def test_swalr_bad_arguments_and_states_are_one_line():
    opt = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1)
    for kw, words in (({"anneal_strategy": "cosine"}, ["'cos' or 'linear'", "cosine"]),
                      ({"anneal_epochs": -1}, ["anneal_epochs", "-1"]),
                      ({"anneal_epochs": 2.5}, ["anneal_epochs", "2.5"]),
                      ({"swa_lr": [0.1, 0.2]}, ["2 swa_lr", "1 parameter groups"]),
                      ({"swa_lr": -0.1}, ["swa_lr", ">= 0"]),
                      ({"last_epoch": 3}, ["last_epoch=3", "load_state_dict"])):
        args = {"swa_lr": 0.05, **kw}
        with pytest.raises(ValueError) as e:
            SWALR(opt, **args)
        one_line(e, "SWALR", *words)
        assert "swa_lr" not in opt.param_groups[0] and opt.param_groups[0]["lr"] == 0.1
    s = SWALR(opt, 0.05)
    opt.add_param_group({"params": [tg.zeros(1, requires_grad=True)]})
    with pytest.raises(ValueError) as e:
        s.step()
    one_line(e, "SWALR.step()", "2 parameter groups")
    opt2 = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1)
    cos = L.CosineAnnealingLR(opt2, T_max=3)
    with pytest.raises(ValueError) as e:
        cos.load_state_dict(s.state_dict())
    one_line(e, "unexpected", "anneal_epochs")
    s2 = SWALR(opt2, 0.05)
    with pytest.raises(ValueError) as e:
        s2.load_state_dict(cos.state_dict())
    one_line(e, "missing", "anneal_epochs")
    with pytest.raises(ValueError) as e:
        s2.load_state_dict({**s2.state_dict(), "_anneal_strategy": "step"})
    one_line(e, "_anneal_strategy", "step")


@pytest.mark.parametrize("seed", range(8))
def test_update_bn_matches_torch(seed):
    rng = np.random.default_rng(200 + seed)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4, momentum=0.3),
                             torch.nn.ReLU(), torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    om = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, eps=1e-5, momentum=0.3), nn.ReLU(),
                       nn.Linear(4, 3), nn.BatchNorm1d(3, eps=1e-5))
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    batch, k = int(rng.integers(2, 7)), int(rng.integers(1, 6))
    xs = [rng.standard_normal((batch, 3)) * 3 + 1 for _ in range(k)]
    tuples = seed % 2 == 0  # (batches as (x, y) pairs, or bare)
    tl = [(torch.tensor(x), 0) if tuples else torch.tensor(x) for x in xs]
    ol = [(tg.tensor(x), 0) if tuples else tg.tensor(x) for x in xs]
    wrap = seed % 4 < 2  # (through an AveragedModel, as the docs' example)
    tw, ow = (TS.AveragedModel(tm), AveragedModel(om)) if wrap else (tm, om)
    tw.train(seed % 3 == 0)
    ow.train(seed % 3 == 0)
    alphas = [m.alpha for m in ow.modules() if isinstance(m, nn.BatchNorm1d)]
    TS.update_bn(tl, tw)
    update_bn(ol, ow)
    t_bns = [m for m in tw.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    o_bns = [m for m in ow.modules() if isinstance(m, nn.BatchNorm1d)]
    for t, o in zip(t_bns, o_bns):
        assert mismatch(o.running_mean, t.running_mean.numpy()) is None
        # (biased here, torch's unbiased: equal batches of n give torch's times (n - 1) / n)
        assert mismatch(o.running_var, t.running_var.numpy() * (batch - 1) / batch) is None
        assert int(o.num_batches_tracked) == int(t.num_batches_tracked) == k
        assert o.momentum == t.momentum
    assert [m.alpha for m in o_bns] == alphas and ow.training == tw.training == (seed % 3 == 0)


def test_update_bn_restores_momentum_after_an_error_and_warns_on_an_empty_loader():
    om = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2, momentum=0.25))
    om.eval()
    with pytest.raises(ValueError):
        update_bn([tg.zeros(4, 5)], om)  # (a batch of the wrong width)
    assert om[1].momentum == 0.25 and not om.training
    with pytest.warns(RuntimeWarning, match="no batch"):
        update_bn([], om)
    assert np.array_equal(om[1].running_var, np.ones(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        update_bn([], nn.Sequential(nn.Linear(3, 2)))  # (no BatchNorm: nothing to do)


def test_bad_arguments_are_one_line():
    m = nn.Linear(2, 2)
    with pytest.raises(ValueError) as e:
        AveragedModel(m, avg_fn=get_ema_avg_fn(), multi_avg_fn=get_ema_multi_avg_fn())
    one_line(e, "avg_fn", "multi_avg_fn")
    with pytest.raises(TypeError) as e:
        AveragedModel(m, use_buffers="yes")
    one_line(e, "use_buffers")
    with pytest.raises(TypeError) as e:
        AveragedModel([m])
    one_line(e, "nn.Module")
    with pytest.raises(RuntimeError) as e:
        AveragedModel(m, device="cuda")
    one_line(e, "AveragedModel")
    for f in (get_ema_avg_fn, get_ema_multi_avg_fn):
        with pytest.raises(ValueError) as e:
            f(1.5)
        one_line(e, "decay", "1.5")


def test_paths_and_forward():
    assert tg.optim.swa_utils.AveragedModel is AveragedModel
    m = nn.Linear(3, 2)
    a = AveragedModel(m)
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    assert np.array_equal(a(x).data, m(x).data)
    assert list(a.state_dict())[0] == "n_averaged" and a.n_averaged.dtype == np.int64


def test_the_docs_loop_matches_torch():
    """torch's documented SWA loop: a cosine schedule, then SWALR with averaging after
    swa_start, optimizer steps on groups holding swa_lr, update_bn at the end."""
    rng = np.random.default_rng(42)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.BatchNorm1d(5), torch.nn.Tanh(),
                             torch.nn.Linear(5, 1))
    om = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5, eps=1e-5), nn.Tanh(), nn.Linear(5, 1))
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    xs = [rng.standard_normal((6, 3)) for _ in range(3)]
    ys = [rng.standard_normal((6, 1)) for _ in range(3)]
    topt = torch.optim.SGD(tm.parameters(), lr=0.2, momentum=0.9)
    oopt = tg.optim.SGD(om.parameters(), lr=0.2, momentum=0.9)
    tsched, osched = (torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=8),
                      L.CosineAnnealingLR(oopt, T_max=8))
    ta, oa = TS.AveragedModel(tm), AveragedModel(om)
    tswa, oswa = TS.SWALR(topt, swa_lr=0.05, anneal_epochs=2), SWALR(oopt, swa_lr=0.05,
                                                                     anneal_epochs=2)
    for epoch in range(7):
        for x, y in zip(xs, ys):
            topt.zero_grad()
            ((tm(torch.tensor(x)) - torch.tensor(y)) ** 2).mean().backward()
            topt.step()
            oopt.zero_grad()
            ((om(tg.tensor(x)) - tg.tensor(y)) ** 2).mean().backward()
            oopt.step()
        if epoch >= 3:
            ta.update_parameters(tm)
            oa.update_parameters(om)
            tswa.step()
            oswa.step()
        else:
            tsched.step()
            osched.step()
        assert mismatch(oopt.param_groups[0]["lr"], topt.param_groups[0]["lr"], 1e-14) is None
    TS.update_bn([(torch.tensor(x), 0) for x in xs], ta)
    update_bn([(tg.tensor(x), 0) for x in xs], oa)
    params = lambda m: [v for k, v in m.state_dict().items() if "running" not in k]  # noqa: E731
    for a, b in zip(params(oa), params(ta)):
        assert mismatch(np.asarray(a), b.numpy(), 1e-9) is None
    assert mismatch(oa.module[1].running_mean, ta.module[1].running_mean.numpy(), 1e-9) is None


def test_jit_replays_see_each_update_and_an_update_inside_a_step_runs_eagerly():
    m = nn.Linear(3, 2)
    a = AveragedModel(m, avg_fn=get_ema_avg_fn(0.5))
    x = tg.tensor(np.ones((1, 3)))

    def evaluate(x):
        with tg.no_grad():
            return a(x)

    f = jit(evaluate, strict=True)
    for i in range(5):
        with tg.no_grad():
            m.W.data[...] = i
        a.update_parameters(m)
        assert np.array_equal(f(x).data, a(x).data)
    assert f.replays == 3

    def step(x):
        a.update_parameters(m)
        return m(x).sum()

    j = jit(step)
    with pytest.warns(RuntimeWarning, match="AveragedModel.update_parameters"):
        for _ in range(3):
            j(x)
    assert int(a.n_averaged) == 8  # (every call ran, eagerly)


def test_an_update_after_a_forward_through_the_average_makes_its_backward_one_line():
    m = nn.Linear(3, 2)
    a = AveragedModel(m)
    a.update_parameters(m)
    out = a(tg.tensor(np.ones((1, 3)), requires_grad=True))  # (Linear keeps W for x's grad)
    with tg.no_grad():
        m.W.data[...] += 1
    a.update_parameters(m)
    assert np.allclose(a.module.W.data, m.W.data - 0.5, rtol=0, atol=1e-15)
    with pytest.raises(RuntimeError) as e:
        out.sum().backward()
    one_line(e, "AveragedModel.update_parameters", "run the forward again")
