"""Review of optim.swa_utils (helper hSWAr), against torch 2.13's torch.optim.swa_utils.

Fixed: an avg_fn that returns nothing (an in-place rule, or a multi_avg_fn, given as avg_fn)
wrote NaN into every averaged weight without a word, where torch's copy_ raises; update_bn
left out a LazyBatchNorm not built yet (the pass did not run at all, or the layer kept its
first batch's statistics moved by its own momentum), where torch raises.
Held, pinned here: every optimizer steps, saves and loads groups holding SWALR's swa_lr and a
scheduler's initial_lr as torch's; SWALR inside SequentialLR and ChainedScheduler gives torch's
rates; update_bn's means are torch's and its variances the plain mean of the batches' biased
ones (the course's BatchNorm, docs/pytorch.md), for every BatchNorm kind and unequal batches;
a jitted step reading an EMA teacher replays with each update's weights."""

from __future__ import annotations

import os
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
    get_ema_multi_avg_fn,
    update_bn,
)

torch = pytest.importorskip("torch")
TS = torch.optim.swa_utils
pytestmark = [pytest.mark.usefixtures("torch_float64"),
              pytest.mark.filterwarnings("ignore:Detected call of"),
              pytest.mark.filterwarnings("ignore:Seems like `optimizer.step()`")]


def _in_place_ema(avg, cur, n):  # (torch's and ours: an in-place rule, returns nothing)
    avg.mul_(0.9).add_(cur * 0.1)


NO_RESULT = {
    "returns None": lambda lib: (lambda avg, cur, n: None),
    "in-place rule": lambda lib: _in_place_ema,
    "multi_avg_fn as avg_fn": lambda lib: lib.get_ema_multi_avg_fn(0.9),
}


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("kind", sorted(NO_RESULT))
def test_an_avg_fn_that_returns_no_average_is_one_line_not_nan_weights(kind, use_buffers):
    from tinygrad_dl.optim import swa_utils
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    a = AveragedModel(m, avg_fn=NO_RESULT[kind](swa_utils), use_buffers=use_buffers)
    a.update_parameters(m)  # (the first copies)
    with pytest.raises(TypeError) as e:
        a.update_parameters(m)  # (NaN weights, silently)
    one_line(e, "AveragedModel.update_parameters", "avg_fn returned NoneType", "multi_avg_fn")
    assert all(np.isfinite(p.data).all() for p in a.parameters())
    assert int(a.n_averaged) == 1
    if kind == "returns None":  # (nothing written: the copy as it was)
        assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(),
                                                                  m.parameters()))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    ta = TS.AveragedModel(tm, avg_fn=NO_RESULT[kind](TS), use_buffers=use_buffers)
    ta.update_parameters(tm)
    with pytest.raises((TypeError, RuntimeError)):  # (torch's copy_ or foreach refuses it)
        ta.update_parameters(tm)


def test_an_avg_fn_returning_an_array_or_a_number_still_writes_it():
    m = nn.Linear(3, 2)
    for fn, want in ((lambda a, c, n: a.data * 0 + 2.0, 2.0), (lambda a, c, n: 3.0, 3.0),
                     (lambda a, c, n: np.float32(4), 4.0)):
        a = AveragedModel(m, avg_fn=fn)
        a.update_parameters(m)
        a.update_parameters(m)
        assert np.all(a.module.W.data == want) and int(a.n_averaged) == 2


LAZY = {
    "only BatchNorm": lambda N: N.Sequential(N.Linear(3, 4), N.LazyBatchNorm1d(momentum=0.3)),
    "beside a built one": lambda N: N.Sequential(N.Linear(3, 4), N.BatchNorm1d(4),
                                                 N.LazyBatchNorm1d(momentum=0.3)),
}


@pytest.mark.parametrize("kind", sorted(LAZY))
@pytest.mark.parametrize("wrapped", [False, True])
def test_update_bn_refuses_a_lazy_batchnorm_not_built_yet(kind, wrapped):
    rng = np.random.default_rng(5)
    xs = [rng.standard_normal((4, 3)) for _ in range(3)]
    tm = LAZY[kind](torch.nn)
    with pytest.raises(ValueError):  # (torch's: an uninitialized buffer)
        TS.update_bn([torch.tensor(x) for x in xs], TS.AveragedModel(tm) if wrapped else tm)
    om = LAZY[kind](nn)
    model = AveragedModel(om) if wrapped else om
    model.eval()
    built = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)]
    for bn in built:
        bn.running_mean[...] = 7.0
    with pytest.raises(ValueError) as e:  # (skipped: no pass, or its own momentum's averages)
        update_bn([tg.tensor(x) for x in xs], model)
    one_line(e, "update_bn", "LazyBatchNorm1d", "forward")
    assert not model.training  # (nothing changed: the built one's statistics and momentum)
    assert all(np.all(bn.running_mean == 7.0) and bn.momentum == 0.1 for bn in built)
    # built by a forward pass: a BatchNorm1d, recomputed as any other
    model(tg.tensor(xs[0]))
    update_bn([tg.tensor(x) for x in xs], model)
    bn = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)][-1]
    assert int(bn.num_batches_tracked) == 3 and bn.momentum == 0.3


OPTIMIZERS = ["ASGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "RAdam",
              "RMSprop", "Rprop", "SGD"]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_steps_saves_and_loads_groups_holding_swa_lr(name, tmp_path):
    """Groups of two rates each, a cosine schedule then SWALR: torch's weights and rates step
    for step; the state (initial_lr and swa_lr in its groups) through tg.save and back, and
    into a fresh optimizer and SWALR that go on as the first."""
    rng = np.random.default_rng(OPTIMIZERS.index(name))
    tm = torch.nn.Linear(3, 2)
    om = nn.Linear(3, 2)
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    T, O = getattr(torch.optim, name), getattr(tg.optim, name)
    topt = T([{"params": [tm.weight]}, {"params": [tm.bias], "lr": 0.05}], lr=0.1)
    groups = lambda: [{"params": [om.W]}, {"params": [om.b], "lr": 0.05}]  # noqa: E731
    oopt = O(groups(), lr=0.1)
    TL = torch.optim.lr_scheduler
    tcos, ocos = TL.CosineAnnealingLR(topt, T_max=6), L.CosineAnnealingLR(oopt, T_max=6)
    tswa = TS.SWALR(topt, swa_lr=[0.01, 0.02], anneal_epochs=3)
    oswa = SWALR(oopt, swa_lr=[0.01, 0.02], anneal_epochs=3)
    x = rng.standard_normal((4, 3))

    def step(opt, sched, model, lib):
        opt.zero_grad()
        (model(lib.tensor(x)) ** 2).sum().backward()
        opt.step()
        sched.step()

    for i in range(6):
        step(topt, tcos if i < 2 else tswa, tm, torch)
        step(oopt, ocos if i < 2 else oswa, om, tg)
        assert mismatch(om.W.data, tm.weight.detach().numpy(), 1e-12) is None
        assert mismatch(np.array([g["lr"] for g in oopt.param_groups]),
                        np.array([g["lr"] for g in topt.param_groups]), 1e-14) is None
    assert all({"initial_lr", "swa_lr"} <= g.keys() for g in oopt.param_groups)
    path = os.fspath(tmp_path / "state.npz")
    tg.save({"opt": oopt.state_dict(), "swa": oswa.state_dict()}, path)
    back = tg.load(path)
    again = O(groups(), lr=0.1)
    swa_again = SWALR(again, swa_lr=0.5)
    again.load_state_dict(back["opt"])
    swa_again.load_state_dict(back["swa"])
    assert [g["swa_lr"] for g in again.param_groups] == [0.01, 0.02]
    oopt.step()  # (both go on from one state: the same rates)
    oswa.step()
    swa_again.step()
    assert oswa.get_last_lr() == swa_again.get_last_lr()


@pytest.mark.parametrize("first", ["cos", "step", "linear"])
def test_swalr_in_sequential_and_chained_schedulers_matches_torch(first):
    TL = torch.optim.lr_scheduler
    kinds = {"cos": lambda lib, o: lib.CosineAnnealingLR(o, T_max=10),
             "step": lambda lib, o: lib.StepLR(o, 2, 0.5),
             "linear": lambda lib, o: lib.LinearLR(o, 0.2, 1.0, 4)}
    for nested in ("sequential", "chained"):
        to = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.5)
        oo = tg.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.5)
        built = []
        for lib, opt, swa in ((TL, to, TS.SWALR), (L, oo, SWALR)):
            inner = [kinds[first](lib, opt), swa(opt, 0.05, anneal_epochs=3)]
            built.append(lib.SequentialLR(opt, inner, milestones=[4]) if nested == "sequential"
                         else lib.ChainedScheduler(inner))
        for _ in range(10):
            to.step()
            for s in built:
                s.step()
            assert mismatch(oo.param_groups[0]["lr"], to.param_groups[0]["lr"], 1e-14) is None


BN_KINDS = {  # (the layer in torch, ours, the shape of one input row)
    "BatchNorm1d (N, C, L)": ("BatchNorm1d", "BatchNorm1d", (3, 4)),
    "BatchNorm2d": ("BatchNorm2d", "BatchNorm2d", (3, 2, 3)),
    "BatchNorm3d": ("BatchNorm3d", "BatchNorm3d", (3, 2, 2, 2)),
    "SyncBatchNorm": ("SyncBatchNorm", "SyncBatchNorm", (3, 5)),
}


@pytest.mark.parametrize("kind", sorted(BN_KINDS))
def test_update_bn_running_statistics_for_every_batchnorm_and_unequal_batches(kind):
    """The means torch's; the variances the mean over the batches of each one's biased
    variance (the course's BatchNorm: with unequal batches no one factor of torch's)."""
    rng = np.random.default_rng(sorted(BN_KINDS).index(kind))
    t_name, o_name, row = BN_KINDS[kind]
    t = getattr(torch.nn, t_name)(3, momentum=0.2)
    o = getattr(nn, o_name)(3, momentum=0.2)
    xs = [rng.standard_normal((n, *row)) * 2 + 1 for n in (5, 3, 2)]
    tw, ow = TS.AveragedModel(t), AveragedModel(o)
    tw.eval()
    ow.eval()
    TS.update_bn([[torch.tensor(x)] for x in xs], tw, device="cpu")
    update_bn([[tg.tensor(x)] for x in xs], ow, device="cpu")
    axes = tuple(i for i in range(len(row) + 1) if i != 1)
    assert mismatch(o.running_mean, t.running_mean.numpy(), 1e-12) is None
    assert mismatch(ow.module.running_var, np.mean([x.var(axis=axes) for x in xs], axis=0),
                    1e-12) is None
    assert int(ow.module.num_batches_tracked) == int(tw.module.num_batches_tracked) == 3
    assert ow.module.momentum == tw.module.momentum == 0.2 and not ow.training


def test_a_jitted_step_reading_an_ema_teacher_replays_with_each_update():
    """Distillation from an EMA of the model (its parameters frozen or not, with BatchNorm
    buffers averaged): each replay reads the weights the last update wrote."""

    def run(use_jit: bool, freeze: bool) -> tuple[list[float], int | None]:
        tg.manual_seed(0)
        m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))
        ema = AveragedModel(m, multi_avg_fn=get_ema_multi_avg_fn(0.5), use_buffers=True)
        ema.eval()
        for p in ema.parameters():
            p.requires_grad = not freeze
        opt = tg.optim.SGD(m.parameters(), lr=0.1)

        def step(x):
            with tg.no_grad():
                teacher = ema(tg.Tensor(x))
            loss = ((m(tg.Tensor(x)) - teacher) ** 2).sum() + (m(tg.Tensor(x)) ** 2).mean()
            loss.backward()
            return loss

        f = jit(step, strict=True) if use_jit else step
        x = np.random.default_rng(0).standard_normal((5, 3))
        out = []
        for _ in range(8):
            opt.zero_grad()
            out.append(float(f(x).data))
            opt.step()
            ema.update_parameters(m)
        return out, getattr(f, "replays", None)

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for freeze in (False, True):
            eager, _ = run(False, freeze)
            replayed, replays = run(True, freeze)
            assert replayed == eager and replays == 6


class _Scaled(nn.Module):
    def __init__(self, scale: np.ndarray) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.register_buffer("scale", scale, persistent=False)

    def forward(self, x):
        return self.lin(x) * tg.from_numpy(self.scale)


class _Shared(nn.Module):  # (two layers holding one buffer array)
    def __init__(self) -> None:
        super().__init__()
        scale = np.ones(2)
        self.a, self.b = _Scaled(scale), _Scaled(scale)

    def forward(self, x):
        return self.b(self.a(x))


@pytest.mark.parametrize("use_buffers", [False, True])
def test_a_shared_buffer_a_live_graph_holds_stays_shared(use_buffers):
    """The copy's buffer, read-only while a forward's graph lives, is replaced in both layers
    (the second kept the old values, and the next update refused the copy's structure)."""
    m = _Shared()
    a = AveragedModel(m, use_buffers=use_buffers)
    out = a(tg.tensor(np.ones((1, 2))))  # (its graph holds the buffer: read-only)
    m.a.scale[...] = 5.0
    a.update_parameters(m)
    assert a.module.a.scale is a.module.b.scale and np.all(a.module.b.scale == 5.0)
    assert np.array_equal(a(tg.tensor(np.ones((1, 2)))).data,
                          m(tg.tensor(np.ones((1, 2)))).data)
    del out
    m.a.scale[...] = 7.0
    a.update_parameters(m)  # (refused: "the model has 1 buffers, the averaged copy 2")
    assert np.all(a.module.b.scale == (6.0 if use_buffers else 7.0))
    assert a.module.a.scale is a.module.b.scale
