"""Review of the optimizers' steps, param groups, state dicts and schedulers against torch 2.13:
a group's lr written by hand between steps (PyTorch's `g["lr"] = ...` habit) is checked as the
constructor checks it, an integer parameter's step names its dtype, and differential runs
(several steps, groups, gradients None or zero, resumed from state dicts) agree with torch."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import optim as O
from tinygrad_dl.optim import lr_scheduler as L

torch = pytest.importorskip("torch")
TL = torch.optim.lr_scheduler


def _param(values=(1.0, 2.0, 3.0), grad=(0.5, -1.0, 2.0)):
    p = tg.Tensor(np.array(values, dtype=np.float64), requires_grad=True)
    p.grad = np.array(grad, dtype=np.float64)
    return p


@pytest.fixture
def torch_float64():
    # torch keeps NAdam's mu_product and ASGD's eta and mu as tensors of its default dtype
    # (float32 unless set): float64 here, to compare in float64 throughout
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


# ---- a group's lr edited between steps -----------------------------------------------------
@pytest.mark.parametrize("cls", [O.SGD, O.Adam, O.RMSprop, O.Adagrad])
@pytest.mark.parametrize("lr", [tg.Tensor(np.array(0.1)), np.array([0.1, 0.2, 0.3]),
                                np.array(0.1), "0.1", float("nan"), -0.1, float("inf")],
                         ids=["tg-tensor", "array", "0d-array", "str", "nan", "negative", "inf"])
def test_group_lr_edited_is_checked_at_step(cls, lr):
    # before: a Tensor or a string failed in NumPy ("operand 'Tensor' does not support
    # ufuncs"), an array of rates broadcast over the elements, NaN made the weights NaN and a
    # negative rate climbed the loss, each without a word naming the group or its lr
    p = _param()
    opt = cls([p], lr=0.1)
    opt.param_groups[0]["lr"] = lr
    before = p.data.copy()
    with pytest.raises(ValueError, match=r"step\(\): parameter group 0's lr, set since"):
        opt.step()
    assert np.array_equal(p.data, before)  # nothing stepped


def test_group_lr_edited_torch_tensor_refused_in_second_group():
    a, b = _param(), _param()
    opt = O.Adam([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1)
    opt.param_groups[1]["lr"] = torch.tensor(0.05)  # torch 2.x's tensor lr
    with pytest.raises(ValueError, match="group 1's lr.*Tensor of shape"):
        opt.step()
    assert np.array_equal(a.data, [1.0, 2.0, 3.0])  # all or nothing: group 0 not stepped


@pytest.mark.parametrize("tcls, ocls", [(torch.optim.Adamax, O.Adamax),
                                        (torch.optim.NAdam, O.NAdam),
                                        (torch.optim.Adagrad, O.Adagrad)])
def test_group_lr_edited_to_numpy_float32_steps_in_float64(tcls, ocls, torch_float64):
    # before: a np.float32 lr written into a group kept NumPy 2's float32 scalar arithmetic in
    # lr / (1 - b1^t) (Adamax), lr (1 - mu) / (1 - mu_prod) (NAdam), lr / (1 + ...) (Adagrad):
    # float64 weights a relative 1e-7 off the same rate's float64 step, as the constructor's
    # own np.float32 lr (made a float) does not
    rng = np.random.default_rng(3)
    w = rng.standard_normal(6)
    tp = torch.tensor(w.copy(), dtype=torch.float64, requires_grad=True)
    op = tg.Tensor(w.copy(), requires_grad=True)
    to, oo = tcls([tp], lr=0.5), ocls([op], lr=0.5)
    lr = np.float32(0.1)
    to.param_groups[0]["lr"] = float(lr)
    oo.param_groups[0]["lr"] = lr
    for _ in range(4):
        g = rng.standard_normal(6)
        tp.grad = torch.tensor(g.copy())
        op.grad = g.copy()
        to.step()
        oo.step()
    np.testing.assert_allclose(op.data, tp.detach().numpy(), rtol=1e-12, atol=0)
    assert type(oo.param_groups[0]["lr"]) is float


def test_group_lr_edited_to_a_plain_number_still_steps():
    p = _param()
    opt = O.SGD([p], lr=0.1)
    opt.param_groups[0]["lr"] = 1  # an int, or 0: fine, as in the constructor
    opt.step()
    np.testing.assert_array_equal(p.data, [0.5, 3.0, 1.0])
    opt.param_groups[0]["lr"] = 0
    opt.step()
    np.testing.assert_array_equal(p.data, [0.5, 3.0, 1.0])


# ---- hyperparameters torch refuses ------------------------------------------------------
@pytest.mark.parametrize("cls", [O.Adam, O.AdamW, O.RMSprop, O.AdaGrad])
@pytest.mark.parametrize("eps", [-1e-8, float("nan")])
def test_eps_negative_or_nan_refused_as_torch(cls, eps):
    # torch: "Invalid epsilon value" (Adam, AdamW, RMSprop); before: accepted, and a NaN eps
    # made every weight NaN at the first step, without a word (the course's AdaGrad too)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: eps must be a finite number >= 0"):
        cls([_param()], lr=0.1, eps=eps)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: eps must be"):  # a group's too
        cls([{"params": [_param()], "eps": eps}], lr=0.1)


def test_eps_negative_refused_by_load_state_dict():
    p = _param()
    src, dst = O.Adam([p], lr=0.1), O.Adam([p], lr=0.1)
    saved = src.state_dict()
    saved["param_groups"][0]["eps"] = -1.0
    with pytest.raises(ValueError, match="load_state_dict: parameter group 0: eps must be"):
        dst.load_state_dict(saved)
    assert dst.param_groups[0]["eps"] == 1e-8


@pytest.mark.parametrize("cls, key, value", [(O.SGD, "momentum", "0.9"),
                                             (O.SGD, "weight_decay", None),
                                             (O.RMSprop, "alpha", "0.9"),
                                             (O.RMSprop, "momentum", None)])
def test_group_hyperparameter_not_a_number_named(cls, key, value):
    # before: "'<=' not supported between instances of 'float' and 'str'" or "must be real
    # number, not NoneType", naming neither the optimizer nor the key
    with pytest.raises(ValueError, match=rf"{cls.__name__}: {key} must be"):
        cls([{"params": [_param()], key: value}], lr=0.1)


# ---- an integer parameter ----------------------------------------------------------------
def test_integer_parameter_step_names_its_dtype():
    # requires_grad set by attribute on an int tensor: before, NumPy's "Cannot cast ufunc
    # 'subtract' output from dtype('float64') to dtype('int64')" named no parameter
    p = tg.Tensor(np.ones(3, dtype=np.int64))
    p.requires_grad = True
    p.grad = np.ones(3)
    with pytest.raises(TypeError, match=r"SGD.step\(\): parameter of shape \(3,\) has dtype "
                                        r"int64: only floating-point"):
        O.SGD([p], lr=0.1).step()


# ---- differential runs against torch (checked right) -------------------------------------
_CASES = [
    (torch.optim.SGD, O.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
    (torch.optim.Adam, O.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    (torch.optim.AdamW, O.AdamW, dict(lr=0.01, amsgrad=True)),
    (torch.optim.Adagrad, O.Adagrad, dict(lr_decay=0.1, weight_decay=0.2,
                                          initial_accumulator_value=0.3, maximize=True)),
    (torch.optim.RMSprop, O.RMSprop, dict(momentum=0.5, centered=True, weight_decay=0.1)),
    (torch.optim.NAdam, O.NAdam, dict(weight_decay=0.1, decoupled_weight_decay=True)),
    (torch.optim.RAdam, O.RAdam, dict(weight_decay=0.1, maximize=True)),
    (torch.optim.Adadelta, O.Adadelta, dict(weight_decay=0.1)),
    (torch.optim.Rprop, O.Rprop, dict(maximize=True)),
    (torch.optim.ASGD, O.ASGD, dict(t0=2, weight_decay=0.1)),
]


@pytest.mark.parametrize("tcls, ocls, kw", _CASES, ids=[c[0].__name__ for c in _CASES])
def test_steps_match_torch_with_groups_none_and_zero_grads_and_resume(tcls, ocls, kw,
                                                                      torch_float64):
    rng = np.random.default_rng(7)
    shapes = [(3, 4), (5,), ()]
    ws = [rng.standard_normal(s) for s in shapes]
    tps = [torch.tensor(w.copy(), dtype=torch.float64, requires_grad=True) for w in ws]
    ops = [tg.Tensor(w.copy(), requires_grad=True) for w in ws]

    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.05}]

    to, oo = tcls(groups(tps), **kw), ocls(groups(ops), **kw)
    for k in range(8):
        for i, (a, b) in enumerate(zip(tps, ops)):
            if (k + i) % 4 == 1:  # no gradient: skipped, as torch skips it
                a.grad, b.grad = None, None
                continue
            g = rng.standard_normal(a.shape)
            g[rng.random(g.shape) < 0.4] = 0.0  # sparse-ish
            a.grad, b.grad = torch.tensor(g.copy()), g.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            to.step()
            oo.step()
        if k == 4:  # resume from a state dict into a fresh optimizer
            saved = oo.state_dict()
            oo = ocls(groups(ops), **kw)
            oo.load_state_dict(copy.deepcopy(saved))
    for a, b in zip(tps, ops):
        np.testing.assert_allclose(b.data, a.detach().numpy(), rtol=1e-12, atol=1e-300)


def test_state_dict_is_a_snapshot_and_load_copies():
    p = _param()
    opt = O.Adam([p], lr=0.1)
    opt.step()
    sd = opt.state_dict()
    m = sd["state"][0]["exp_avg"].copy()
    opt.step()  # later steps do not reach the saved dict
    assert np.array_equal(sd["state"][0]["exp_avg"], m) and sd["state"][0]["step"] == 1
    opt.load_state_dict(sd)
    sd["state"][0]["exp_avg"][:] = 99.0  # nor does the dict reach the loaded state
    assert not np.any(opt.state[0]["exp_avg"] == 99.0)


_SCHEDULERS = {
    "StepLR": lambda M, o: M.StepLR(o, 3, 0.5),
    "CosineAnnealingLR": lambda M, o: M.CosineAnnealingLR(o, 7, 0.001),
    "OneCycleLR": lambda M, o: M.OneCycleLR(o, [1.0, 2.0], total_steps=25),
    "OneCycleLR-linear-3": lambda M, o: M.OneCycleLR(o, 1.0, total_steps=25,
                                                      anneal_strategy="linear", three_phase=True),
    "CyclicLR": lambda M, o: M.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=3,
                                        base_momentum=[0.7, 0.75], max_momentum=0.95),
    "SequentialLR": lambda M, o: M.SequentialLR(
        o, [M.LinearLR(o, 0.1, 1.0, 3), M.CosineAnnealingLR(o, 10)], milestones=[3]),
    "ChainedScheduler": lambda M, o: M.ChainedScheduler([M.ExponentialLR(o, 0.9),
                                                         M.StepLR(o, 2, 0.5)]),
}


@pytest.mark.filterwarnings("ignore:Detected call of")
@pytest.mark.parametrize("name", sorted(_SCHEDULERS))
def test_scheduler_rates_and_momenta_match_torch_across_a_resume(name):
    make = _SCHEDULERS[name]

    def opt(mod, ps):
        return mod.SGD([{"params": [ps[0]], "lr": 0.1}, {"params": [ps[1]], "lr": 0.2}],
                       lr=0.1, momentum=0.9)

    def ours():
        o = opt(O, [tg.Tensor(np.zeros(2), requires_grad=True) for _ in range(2)])
        return o, make(L, o)

    to = opt(torch.optim, [torch.zeros(2, requires_grad=True) for _ in range(2)])
    ts = make(TL, to)
    oo, os_ = ours()
    for k in range(24):
        assert os_.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12, abs=0)
        for tg_, og in zip(to.param_groups, oo.param_groups):
            assert og["lr"] == pytest.approx(tg_["lr"], rel=1e-12, abs=0)
            assert og["momentum"] == pytest.approx(tg_["momentum"], rel=1e-12, abs=0)
        if k == 10:  # save, build afresh, load both states, go on
            so, ss = copy.deepcopy(oo.state_dict()), copy.deepcopy(os_.state_dict())
            oo, os_ = ours()
            oo.load_state_dict(so)
            os_.load_state_dict(ss)
        ts.step()
        os_.step()
