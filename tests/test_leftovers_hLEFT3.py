"""Small gaps, each checked against torch 2.13 first (hLEFT3): get_total_norm a 0-d Tensor and
clip_grads_with_norm_ multiplying by torch's coefficient for a non-finite total; subtraction
with a bool tensor refused; number arguments (softplus's beta, hardtanh's bounds, ...) taken
as 0-d tensors, and an int past float64's range refused in one line; SWALR's Tensor swa_lr and
AveragedModel's negative n_averaged; LR schedulers' deprecated step(epoch) with torch's closed
forms and warning."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.nn import functional as F
from tinygrad_dl.nn.utils import clip_grad_norm_, clip_grads_with_norm_, get_total_norm
from tinygrad_dl.optim import lr_scheduler as L
from tinygrad_dl.optim.swa_utils import SWALR, AveragedModel


def _param(grad: list[float]) -> tg.Tensor:
    p = tg.Tensor(np.zeros(len(grad)), requires_grad=True)
    p.grad = np.array(grad, dtype=np.float64)
    return p


# ---- 1. get_total_norm / clip_grads_with_norm_ ---------------------------------------------
def test_get_total_norm_is_a_0d_tensor_as_torchs():
    torch = pytest.importorskip("torch")
    grads = [np.array([3.0, 4.0]), np.array([[12.0]], np.float32)]
    got = get_total_norm(grads)
    want = torch.nn.utils.get_total_norm([torch.from_numpy(g) for g in grads])
    assert isinstance(got, tg.Tensor) and got.shape == () and got.dtype == np.float64
    assert got.item() == want.item() == 13.0
    assert get_total_norm([], "inf").item() == 0.0  # (torch refuses the inf norm of nothing)
    # clip_grad_norm_'s total, to the bit, and its two halves give its clipping
    a, b = _param([0.3, -7.0, 2.5]), _param([0.3, -7.0, 2.5])
    total = get_total_norm([a.grad], 3.0)
    clip_grads_with_norm_([a], 1.5, total)
    assert clip_grad_norm_([b], 1.5, 3.0) == total.item()
    np.testing.assert_array_equal(a.grad, b.grad)


@pytest.mark.parametrize("grad,total,max_norm", [
    ([3.0, math.inf], None, 1.0), ([3.0, math.nan], None, 1.0), ([3.0, 4.0], math.inf, 1.0),
    ([3.0, 4.0], math.nan, 1.0), ([3.0, 4.0], math.inf, 0.0), ([3.0, 4.0], math.inf, math.inf),
    ([-3.0, 4.0], 2.0, 1.0)])
def test_clip_grads_with_norm_non_finite_total_multiplies_as_torch(grad, total, max_norm):
    torch = pytest.importorskip("torch")
    ours = _param(grad)
    theirs = torch.zeros(len(grad), dtype=torch.float64, requires_grad=True)
    theirs.grad = torch.tensor(grad, dtype=torch.float64)
    t_ours = get_total_norm([ours.grad]) if total is None else tg.tensor(total)
    t_theirs = (torch.nn.utils.get_total_norm([theirs.grad]) if total is None
                else torch.tensor(total, dtype=torch.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (inf * 0 is NaN without a NumPy warning)
        clip_grads_with_norm_([ours], max_norm, t_ours)
    torch.nn.utils.clip_grads_with_norm_([theirs], max_norm, t_theirs)
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_clip_grad_norm_still_leaves_a_non_finite_gradient():
    p = _param([3.0, math.inf])
    assert clip_grad_norm_([p], 1.0) == math.inf
    np.testing.assert_array_equal(p.grad, [3.0, math.inf])  # (documented: a divergence check)


# ---- 3. subtraction with a bool tensor -----------------------------------------------------
_X = np.array([1.0, 2.0])
_B = np.array([True, False])
_SUBS = {
    "x - b": lambda T, x, b: x - b, "b - x": lambda T, x, b: b - x,
    "b - b": lambda T, x, b: b - b, "1 - b": lambda T, x, b: 1 - b,
    "b - 1": lambda T, x, b: b - 1, "x.sub(b)": lambda T, x, b: x.sub(b),
    "x.sub(b, alpha=2)": lambda T, x, b: x.sub(b, alpha=2),
    "b.sub(x, alpha=2)": lambda T, x, b: b.sub(x, alpha=2),
    "sub(x, b)": lambda T, x, b: T.sub(x, b), "subtract(b, x)": lambda T, x, b: T.subtract(b, x),
    "x.sub_(b)": lambda T, x, b: x.sub_(b), "x -= b": lambda T, x, b: x.__isub__(b),
    "b.sub_(b)": lambda T, x, b: b.sub_(b), "rsub(x, b)": lambda T, x, b: T.rsub(x, b),
    "rsub(b, x)": lambda T, x, b: T.rsub(b, x), "x - b[0]": lambda T, x, b: x - b[0],
    "-b": lambda T, x, b: -b, "b.neg()": lambda T, x, b: b.neg(),
}


@pytest.mark.parametrize("name", list(_SUBS))
def test_subtraction_with_a_bool_tensor_is_refused_as_torchs(name):
    torch = pytest.importorskip("torch")
    f = _SUBS[name]
    with pytest.raises(RuntimeError):  # torch's refusal
        f(torch, torch.tensor(_X), torch.tensor(_B))
    x = tg.tensor(_X)
    with pytest.raises(TypeError) as e:
        f(tg, x, tg.tensor(_B))
    one_line(e)
    assert "bool" in str(e.value)
    np.testing.assert_array_equal(x.data, _X)  # (an in-place one wrote nothing)


def test_bool_addition_and_python_bools_kept():
    torch = pytest.importorskip("torch")
    x, b = tg.tensor(_X), tg.tensor(_B)
    tx, tb = torch.tensor(_X), torch.tensor(_B)
    np.testing.assert_array_equal((b + b).data, (tb + tb).numpy())
    np.testing.assert_array_equal((x + b).data, (tx + tb).numpy())
    np.testing.assert_array_equal(x.add(b, alpha=-1).data, tx.add(tb, alpha=-1).numpy())
    np.testing.assert_array_equal((x - (~b).float()).data, [1.0, 1.0])
    with pytest.raises(TypeError, match="Python bool"):  # (torch refuses it too: hLEFT4)
        x - True  # noqa: B018
    np.testing.assert_array_equal((x - np.True_).data, (tx - np.True_).numpy())


# ---- 4. number arguments: 0-d tensors, ints past float64's range ---------------------------
_NUMBER_CALLS = {
    "softplus beta": lambda T, F, x, v: F.softplus(x, beta=v),
    "softplus threshold": lambda T, F, x, v: F.softplus(x, 1.0, v),
    "Softplus": lambda T, F, x, v: T.nn.Softplus(beta=v)(x),
    "hardtanh": lambda T, F, x, v: F.hardtanh(x, v, 2.5),
    "Hardtanh": lambda T, F, x, v: T.nn.Hardtanh(v, 2.5)(x),
    "celu": lambda T, F, x, v: F.celu(x, v),
    "CELU": lambda T, F, x, v: T.nn.CELU(v)(x),
    "threshold": lambda T, F, x, v: F.threshold(x, v, -3.0),
    "threshold value": lambda T, F, x, v: F.threshold(x, 0.0, v),
    "hardshrink": lambda T, F, x, v: F.hardshrink(x, v),
    "Softshrink": lambda T, F, x, v: T.nn.Softshrink(v)(x),
    "normalize": lambda T, F, x, v: F.normalize(x, p=v),
    "embedding max_norm": lambda T, F, x, v: F.embedding(T.tensor([0, 1]), x.clone(),
                                                         max_norm=v),
    "triplet margin": lambda T, F, x, v: F.triplet_margin_with_distance_loss(
        x, x + 1, x - 1, margin=v),
    "local_response_norm": lambda T, F, x, v: F.local_response_norm(x[None], 2, alpha=v),
}


@pytest.mark.parametrize("name", list(_NUMBER_CALLS))
@pytest.mark.parametrize("value", [0.7, 2])
def test_number_args_take_a_0d_tensor_as_torchs(name, value):
    torch = pytest.importorskip("torch")
    f = _NUMBER_CALLS[name]
    data = np.array([[-2.0, 0.5, 3.0], [1.0, -1.0, 2.0]])
    v = torch.tensor(value, dtype=torch.float64 if isinstance(value, float) else torch.int64)
    want = f(torch, torch.nn.functional, torch.tensor(data), v)
    got = f(tg, F, tg.tensor(data), tg.tensor(value))
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(got.data, f(tg, F, tg.tensor(data), value).data)


@pytest.mark.parametrize("name", list(_NUMBER_CALLS))
def test_number_args_past_float64_refused_in_one_line(name):
    f = _NUMBER_CALLS[name]
    x = tg.tensor(np.array([[-2.0, 0.5, 3.0], [1.0, -1.0, 2.0]]))
    with pytest.raises(OverflowError) as e:
        f(tg, F, x, 10 ** 400)
    one_line(e, "past float64's range", "401 digits")


def test_number_arg_refuses_a_tensor_that_requires_grad_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.nn.functional.softplus(torch.ones(2), beta=torch.tensor(2.0, requires_grad=True))
    with pytest.raises(TypeError) as e:
        F.softplus(tg.ones(2), beta=tg.tensor(2.0, requires_grad=True))
    one_line(e, "softplus: beta", "requires grad")


# ---- 6. SWALR's Tensor swa_lr; AveragedModel's n_averaged ----------------------------------
def test_swalr_takes_a_tensor_swa_lr_as_torch():
    torch = pytest.importorskip("torch")
    from torch.optim.swa_utils import SWALR as TSWALR

    w = tg.Tensor(np.zeros(2), requires_grad=True)
    tw = torch.zeros(2, requires_grad=True)
    opt, topt = tg.optim.SGD([w], lr=0.1), torch.optim.SGD([tw], lr=0.1)
    s, ts = SWALR(opt, swa_lr=tg.tensor(0.05), anneal_epochs=4), TSWALR(
        topt, swa_lr=torch.tensor(0.05, dtype=torch.float64), anneal_epochs=4)
    for _ in range(6):
        topt.step()
        s.step()
        ts.step()
        assert opt.param_groups[0]["lr"] == pytest.approx(float(topt.param_groups[0]["lr"]),
                                                          rel=1e-15)
    assert opt.param_groups[0]["lr"] == 0.05
    with pytest.raises(ValueError) as e:  # (torch's True: one annealing step; refused here)
        SWALR(opt, swa_lr=0.05, anneal_epochs=True)
    one_line(e, "anneal_epochs", "a bool")


@pytest.mark.parametrize("n", [-1, -5, -1.0])
def test_averaged_model_refuses_a_negative_n_averaged(n):
    tg.manual_seed(0)
    model = nn.Linear(2, 1)
    avg = AveragedModel(model)
    avg.update_parameters(model)
    before = {k: np.array(v) for k, v in avg.state_dict().items()}
    state = dict(avg.state_dict(), n_averaged=np.asarray(n))
    with pytest.raises(ValueError) as e:
        avg.load_state_dict(state)
    one_line(e, "AveragedModel.load_state_dict", "n_averaged", ">= 0")
    for k, v in avg.state_dict().items():  # (nothing loaded)
        np.testing.assert_array_equal(v, before[k])
    avg.n_averaged = np.asarray(-1, np.int64)  # set by hand: the update refuses it
    with pytest.raises(ValueError) as e:
        avg.update_parameters(model)
    one_line(e, "update_parameters", "n_averaged")
    assert np.isfinite(avg.module.weight.data).all()


# ---- 7. step(epoch): torch's closed forms, with its warning --------------------------------
_SCHEDULERS = {
    "StepLR": lambda L, o: L.StepLR(o, 3, 0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [2, 2, 5], 0.5),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.9),
    "ConstantLR": lambda L, o: L.ConstantLR(o, 0.5, 4),
    "LinearLR": lambda L, o: L.LinearLR(o, 0.2, 0.9, 5),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, 6, 2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 7, 0.01),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 1 / (1 + e)),
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 3),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, 0.5, total_steps=30),
}
_EPOCHS = [None, 4, None, None, 10, 2, None, 0, None]


@pytest.mark.parametrize("name", list(_SCHEDULERS))
def test_step_epoch_gives_torchs_rates_and_warning(name):
    torch = pytest.importorskip("torch")
    w = torch.zeros(2, requires_grad=True)
    topt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    opt = tg.optim.SGD([tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's order warning)
        theirs = _SCHEDULERS[name](torch.optim.lr_scheduler, topt)
    ours = _SCHEDULERS[name](L, opt)
    for epoch in _EPOCHS:
        topt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step() if epoch is None else theirs.step(epoch)
        if epoch is None:
            ours.step()
        else:
            with pytest.warns(UserWarning, match="epoch parameter"):
                ours.step(epoch)
        assert ours.last_epoch == theirs.last_epoch
        for g, tg_ in zip(opt.param_groups, topt.param_groups):
            assert g["lr"] == pytest.approx(tg_["lr"], rel=1e-13, abs=1e-15), (name, epoch)
            assert g["momentum"] == pytest.approx(tg_["momentum"], rel=1e-13), (name, epoch)


@pytest.mark.parametrize("make", [lambda o: L.MultiplicativeLR(o, lambda e: 0.9),
                                  lambda o: SWALR(o, 0.05, 5)])
def test_step_epoch_refused_where_the_rate_depends_on_the_steps_before(make):
    opt = tg.optim.SGD([tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    s = make(opt)
    before = (s.last_epoch, opt.param_groups[0]["lr"])
    with pytest.raises(TypeError) as e:
        s.step(3)
    one_line(e, "step(epoch)", "steps before it")
    assert (s.last_epoch, opt.param_groups[0]["lr"]) == before


@pytest.mark.parametrize("epoch", [-1, 1.5, "3", True])
def test_step_epoch_must_be_an_int(epoch):
    s = L.StepLR(tg.optim.SGD([tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1), 2)
    with pytest.raises(ValueError) as e:
        s.step(epoch)
    one_line(e, "StepLR.step(epoch)", "epoch")
    assert s.last_epoch == 0


def test_reduce_lr_on_plateau_step_epoch_as_torch():
    torch = pytest.importorskip("torch")
    topt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    opt = tg.optim.SGD([tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, patience=0)
    ours = L.ReduceLROnPlateau(opt, patience=0)
    for epoch in (None, 5, None, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step(1.0) if epoch is None else theirs.step(1.0, epoch)
        if epoch is None:
            ours.step(1.0)
        else:
            with pytest.warns(UserWarning, match="epoch parameter"):
                ours.step(1.0, epoch)
        assert ours.last_epoch == theirs.last_epoch
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"])
