"""float32 (and float16) training end to end against torch 2.13 (helper hF32O): every optimizer
stepped on float32 parameters with the same gradients as torch's float32 run, the gradients
clipped (norm or value) on some steps and the rate set to a NumPy float64 mid-run (NumPy 2
promotes a float32 array by a float64 scalar); after every step each parameter, gradient and
state buffer is still float32 and laid out as before, and ours' distance from the float64 run
is within a few times torch float32's. Also: float16 parameters, LBFGS with NumPy float64
hyperparameters, Conv/BatchNorm/Linear stacks against torch float32, and the course's own
loops (`fit` with every optimizer and a NumPy-float64 schedule, `fit_rnn` with AdaGrad), jit
on and off, on float32 models given float64 data (the loaders' dtype).

Nothing wrong was found here: these pin the behaviour. Measured (scratch, 20 steps, relative to
|x| + 1e-3): ours within 1.2e-5 of the float64 run for every optimizer bar Rprop (sign steps:
3e-4, torch float32's the same), torch float32's within 3.8e-5. Round-off-level gradients (a
bias or shift ahead of a batch norm) make sign/normalised steps (Rprop, Adam's family at large
lr) chaotic in any dtype, so the module runs compare SGD only."""

from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn as nn
import tinygrad_dl.nn.functional as F
from tinygrad_dl import optim as O
from tinygrad_dl.data.text import CharData
from tinygrad_dl.models.char_rnn import CharRNN
from tinygrad_dl.models.convnet import ConvNet
from tinygrad_dl.models.k_layer import KLayer
from tinygrad_dl.train.minibatch import fit
from tinygrad_dl.train.sequence import fit_rnn

torch = pytest.importorskip("torch")

NAMES = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta", "RMSprop",
         "Rprop", "ASGD"]
KW = {  # every flag that changes the update at least once
    "SGD": [dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
            dict(lr=0.1, momentum=0.5, dampening=0.3, maximize=True)],
    "Adam": [dict(lr=0.01, amsgrad=True, weight_decay=1e-2), dict(lr=0.05, eps=1e-3)],
    "AdamW": [dict(lr=0.01, amsgrad=True), dict(lr=0.03, weight_decay=0.1, maximize=True)],
    "Adamax": [dict(lr=0.02, weight_decay=1e-2), dict(lr=0.002)],
    "NAdam": [dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.05), dict(lr=0.02)],
    "RAdam": [dict(lr=0.01, weight_decay=1e-2), dict(lr=0.05, decoupled_weight_decay=True)],
    "Adagrad": [dict(lr=0.05, lr_decay=0.1, initial_accumulator_value=0.1), dict(lr=0.1)],
    "Adadelta": [dict(lr=1.0, rho=0.8, weight_decay=1e-2), dict(lr=0.5, maximize=True)],
    "RMSprop": [dict(lr=0.01, centered=True, momentum=0.5), dict(lr=0.005, weight_decay=0.1)],
    "Rprop": [dict(lr=0.01), dict(lr=0.05, etas=(0.3, 1.5), maximize=True)],
    "ASGD": [dict(lr=0.05, t0=3.0, lambd=1e-2), dict(lr=0.1, weight_decay=1e-2)],
}


def _arrays(rng, dtype):
    """A 0-d, a transposed (F-ordered), a 3-d and a vector parameter."""
    return [rng.standard_normal(()).astype(dtype),
            np.asfortranarray(rng.standard_normal((4, 3)).astype(dtype)),
            rng.standard_normal((2, 3, 2)).astype(dtype), rng.standard_normal(5).astype(dtype)]


def _layout(a: np.ndarray) -> tuple:
    return a.dtype, a.flags.c_contiguous, a.flags.f_contiguous


def _state_dtypes(opt) -> set:
    states = opt.state if isinstance(opt.state, list) else list(opt.state.values())
    out = set()
    for st in states:
        for v in (st or {}).values():
            for x in (v if isinstance(v, list) else [v]):
                if isinstance(x, np.ndarray) and x.ndim:
                    out.add(x.dtype)
    return out


def _run(name: str, kw: dict, dtype, seed: int, steps: int = 12):
    """ours, torch in dtype and torch float64 from the same start and gradients; returns the
    three final parameter lists (float64 arrays); checks dtypes and layouts after each step."""
    rng = np.random.default_rng(seed)
    arrays = _arrays(rng, dtype)
    grads = [[rng.standard_normal(a.shape).astype(dtype) for a in arrays] for _ in range(steps)]
    ps = [tg.Tensor(a.copy(order="K"), requires_grad=True) for a in arrays]
    before = [_layout(p.data) for p in ps]
    opt = getattr(O, name)(ps, **kw)
    tdt = {np.float32: torch.float32, np.float16: torch.float16}[dtype]
    runs = []
    for td in (tdt, torch.float64):
        tps = [torch.tensor(a, dtype=td, requires_grad=True) for a in arrays]
        runs.append((tps, getattr(torch.optim, name)(tps, **kw)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for k, gs in enumerate(grads):
            if k == 5:
                opt.param_groups[0]["lr"] = np.float64(opt.param_groups[0]["lr"] * 0.5)
                for _, to in runs:
                    to.param_groups[0]["lr"] *= 0.5
            for p, g in zip(ps, gs):
                p.grad = g.copy()
            for tps, _ in runs:
                for tp, g in zip(tps, gs):
                    tp.grad = torch.tensor(g, dtype=tp.dtype)
            if k % 3 == 1:
                O.clip_grad_norm_(ps, 1.0)
                for tps, _ in runs:
                    torch.nn.utils.clip_grad_norm_(tps, 1.0)
            elif k % 3 == 2:
                O.clip_grad_value_(ps, 0.5)
                for tps, _ in runs:
                    torch.nn.utils.clip_grad_value_(tps, 0.5)
            opt.step()
            for _, to in runs:
                to.step()
            assert [_layout(p.data) for p in ps] == before, f"{name} step {k}"
            assert {np.asarray(p.grad).dtype for p in ps} == {np.dtype(dtype)}
            assert _state_dtypes(opt) <= {np.dtype(dtype)}, f"{name} step {k}"
    ours = [np.asarray(p.data, np.float64) for p in ps]
    return ours, *([tp.detach().double().numpy() for tp in tps] for tps, _ in runs)


def _err(xs, ref) -> float:
    return max(float(np.max(np.abs(x - r) / (np.abs(r) + 1e-3), initial=0.0))
               for x, r in zip(xs, ref))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("variant", [0, 1])
def test_optimizer_float32_matches_torch(name: str, variant: int) -> None:
    for seed in range(2):
        ours, th32, th64 = _run(name, KW[name][variant], np.float32, seed)
        assert _err(ours, th64) <= 4 * _err(th32, th64) + 1e-5, (name, seed)


@pytest.mark.parametrize("name", NAMES)
def test_optimizer_float16_stays_float16(name: str) -> None:
    ours, th16, th64 = _run(name, KW[name][0], np.float16, 0, steps=6)
    assert _err(ours, th64) <= 4 * _err(th16, th64) + 2e-2, name


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_float32_with_numpy_float64_settings(line_search) -> None:
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    p = tg.Tensor(a.copy(), requires_grad=True)
    kw = dict(lr=np.float64(0.5), history_size=3, max_iter=4, tolerance_grad=np.float64(1e-7),
              tolerance_change=np.float64(1e-9), line_search_fn=line_search)
    opt = O.LBFGS([p], **kw)
    tp = torch.tensor(a.astype(np.float64), requires_grad=True)
    to = torch.optim.LBFGS([tp], **{k: float(v) if isinstance(v, np.floating) else v
                                    for k, v in kw.items()})
    for _ in range(4):
        g = rng.standard_normal((3, 4)).astype(np.float32)

        def closure(g=g):
            opt.zero_grad()
            loss = (p ** 4).sum() + (p * tg.Tensor(g)).sum()
            loss.backward()
            return loss

        def tclosure(g=g):
            to.zero_grad()
            loss = (tp ** 4).sum() + (tp * torch.tensor(g, dtype=torch.float64)).sum()
            loss.backward()
            return loss

        opt.step(closure)
        to.step(tclosure)
        assert p.data.dtype == np.float32 and _state_dtypes(opt) <= {np.dtype(np.float32)}
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-3, atol=1e-4)


def test_conv_batchnorm_linear_float32_sgd_matches_torch() -> None:
    rng = np.random.default_rng(0)
    ours = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1, dtype=np.float32),
        nn.BatchNorm2d(3, eps=1e-5, momentum=0.1, dtype=np.float32), nn.ReLU(), nn.Flatten(),
        nn.Linear(75, 4, dtype=np.float32))
    T = torch.nn
    th = T.Sequential(T.Conv2d(2, 3, 3, padding=1), T.BatchNorm2d(3), T.ReLU(), T.Flatten(),
                      T.Linear(75, 4))
    ps, tps = list(ours.parameters()), list(th.parameters())
    with torch.no_grad():
        for p, tp in zip(ps, tps):
            v = (rng.standard_normal(tuple(tp.shape)) * 0.3).astype(np.float32)
            p.data[...] = v
            tp.copy_(torch.tensor(v))
    kw = dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)
    opt, to = O.SGD(ps, **kw), torch.optim.SGD(tps, **kw)
    for k in range(6):
        X = rng.standard_normal((6, 2, 5, 5))  # float64, as the course's loaders give
        y = rng.integers(0, 4, 6)
        opt.zero_grad()
        to.zero_grad()
        F.cross_entropy(ours(tg.Tensor(X.astype(np.float32))), tg.Tensor(y)).backward()
        T.functional.cross_entropy(th(torch.tensor(X, dtype=torch.float32)),
                                   torch.tensor(y)).backward()
        if k % 2:
            O.clip_grad_norm_(ps, 0.5)
            T.utils.clip_grad_norm_(tps, 0.5)
        opt.step()
        to.step()
        for p, tp in zip(ps, tps):
            assert _layout(p.data) == (np.float32, True, p.data.ndim <= 1)
            assert np.asarray(p.grad).dtype == np.float32
            np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-4, atol=1e-5)
        for name, b in ours.named_buffers():  # (values: the course's rule, docs/pytorch.md)
            if "running" in name:
                assert np.asarray(b.data).dtype == np.float32, name


def _check_float32(model, opt=None) -> None:
    for name, p in model.named_parameters():
        assert p.data.dtype == np.float32 and p.data.flags.c_contiguous, name
        assert p.grad is None or np.asarray(p.grad).dtype == np.float32, name
    for name, b in model.named_buffers():
        arr = np.asarray(b.data)
        assert arr.dtype.kind != "f" or arr.dtype == np.float32, name
    if opt is not None:
        assert _state_dtypes(opt) <= {np.dtype(np.float32)}


def _data(rng, d: int, n: int = 30):
    return types.SimpleNamespace(X_train=rng.standard_normal((n, d)), y_train=rng.integers(0, 3, n),
                                 X_val=rng.standard_normal((9, d)), y_val=rng.integers(0, 3, 9))


FIT_OPTS = {
    "SGD": lambda ps: O.SGD(ps, lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": lambda ps: O.Adam(ps, lr=1e-3, amsgrad=True),
    "RMSprop": lambda ps: O.RMSprop(ps, lr=1e-3, centered=True, momentum=0.5),
    "AdaGrad": lambda ps: O.AdaGrad(ps, lr=0.01),
    "Adadelta": lambda ps: O.Adadelta(ps), "NAdam": lambda ps: O.NAdam(ps),
    "ASGD": lambda ps: O.ASGD(ps), "Rprop": lambda ps: O.Rprop(ps),
}


@pytest.mark.parametrize("opt_name", list(FIT_OPTS))
@pytest.mark.parametrize("model_name", ["klayer", "convnet"])
def test_fit_float32_models_float64_data_jit_and_eager(model_name: str, opt_name: str) -> None:
    makers = {
        "klayer": lambda: KLayer(16, [8, 6], 3, batch_norm=True, rng=np.random.default_rng(1),
                                 dtype=np.float32),
        "convnet": lambda: ConvNet(image=(1, 4, 4), K=3, channels=(2,),
                                   rng=np.random.default_rng(1), dtype=np.float32)}
    results = []
    for jit in (True, False):
        model = makers[model_name]()
        opt = FIT_OPTS[opt_name](list(model.parameters()))
        data = _data(np.random.default_rng(2), 16)
        schedule = (lambda s: np.float64(1e-3) * (1 + np.cos(np.float64(s)))) \
            if opt_name == "SGD" else None
        fit(model, data, epochs=2, n_batch=10, optimizer=opt, jit=jit, progress=False,
            schedule=schedule, clip_norm=1.0)
        _check_float32(model, opt)
        results.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_fit_rnn_float32_adagrad_jit_and_eager() -> None:
    data = CharData("the quick brown fox jumps over the lazy dog. " * 4)
    results = []
    for jit in (True, False):
        model = CharRNN(data.K, m=8, rng=np.random.default_rng(0), dtype=np.float32)
        opt = O.AdaGrad(list(model.parameters()), lr=0.1)
        fit_rnn(model, data, seq_length=5, n_updates=15, jit=jit, print_fn=None, progress=False,
                sample_every=None, optimizer=opt)
        _check_float32(model, opt)
        results.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


SCHEDULERS = {
    "StepLR": lambda o: O.lr_scheduler.StepLR(o, 2, gamma=np.float64(0.5)),
    "ExponentialLR": lambda o: O.lr_scheduler.ExponentialLR(o, np.float64(0.9)),
    "CosineAnnealingLR": lambda o: O.lr_scheduler.CosineAnnealingLR(o, 5),
    "CosineAnnealingWarmRestarts": lambda o: O.lr_scheduler.CosineAnnealingWarmRestarts(o, 3),
    "OneCycleLR": lambda o: O.lr_scheduler.OneCycleLR(o, max_lr=np.float64(0.1),
                                                      total_steps=20),
    "CyclicLR": lambda o: O.lr_scheduler.CyclicLR(o, base_lr=np.float64(0.01), max_lr=0.1,
                                                  step_size_up=3),
    "PolynomialLR": lambda o: O.lr_scheduler.PolynomialLR(o, 10, power=np.float64(2.0)),
    "LambdaLR": lambda o: O.lr_scheduler.LambdaLR(o, lambda e: np.float64(0.9) ** e),
    "ReduceLROnPlateau": lambda o: O.lr_scheduler.ReduceLROnPlateau(o, patience=0),
}


@pytest.mark.parametrize("sched", list(SCHEDULERS))
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "NAdam"])
def test_schedulers_numpy_float64_rates_keep_float32(sched: str, name: str) -> None:
    """rates (and cycled momenta / beta1) that come out as NumPy float64 scalars: the
    parameters and the state stay float32, and the steps are torch float32's."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 2)).astype(np.float32)
    kw = dict(lr=0.05, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.05)
    p = tg.Tensor(a.copy(), requires_grad=True)
    opt = getattr(O, name)([p], **kw)
    tp = torch.tensor(a.copy(), requires_grad=True)
    to = getattr(torch.optim, name)([tp], **kw)
    s, ts = SCHEDULERS[sched](opt), getattr(torch.optim.lr_scheduler, sched)(
        to, **{"StepLR": dict(step_size=2, gamma=0.5), "ExponentialLR": dict(gamma=0.9),
               "CosineAnnealingLR": dict(T_max=5), "CosineAnnealingWarmRestarts": dict(T_0=3),
               "OneCycleLR": dict(max_lr=0.1, total_steps=20),
               "CyclicLR": dict(base_lr=0.01, max_lr=0.1, step_size_up=3),
               "PolynomialLR": dict(total_iters=10, power=2.0),
               "LambdaLR": dict(lr_lambda=lambda e: 0.9 ** e),
               "ReduceLROnPlateau": dict(patience=0)}[sched])
    for _ in range(8):
        g = rng.standard_normal((3, 2)).astype(np.float32)
        p.grad, tp.grad = g.copy(), torch.tensor(g)
        opt.step()
        to.step()
        for sc in (s, ts):
            sc.step(1.0) if sched == "ReduceLROnPlateau" else sc.step()
        assert p.data.dtype == np.float32 and _state_dtypes(opt) <= {np.dtype(np.float32)}
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES + ["AdaGrad"])
def test_float64_gradients_and_float64_state_on_float32_parameters(name: str) -> None:
    """a float64 .grad (assigned, or a float64 run's state loaded) is cast: the parameters and
    the state stay float32."""
    kw = KW[name][0] if name in KW else dict(lr=0.1)
    p64 = tg.Tensor(np.ones((3, 2)), requires_grad=True)
    o64 = getattr(O, name)([p64], **kw)
    p = tg.Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    o = getattr(O, name)([p], **kw)
    for k in range(3):
        for q, opt in ((p64, o64), (p, o)):
            q.grad = np.full((3, 2), 0.1 * (k + 1))  # float64 for both
            opt.step()
    assert p.data.dtype == np.float32 and _state_dtypes(o) == {np.dtype(np.float32)}
    o.load_state_dict(o64.state_dict())
    p.grad = np.full((3, 2), 0.1, np.float32)
    o.step()
    assert p.data.dtype == np.float32 and _state_dtypes(o) <= {np.dtype(np.float32)}
