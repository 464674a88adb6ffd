"""The normalization layers at their edges against torch 2.13 (CPU, float64): sequences of
train/eval steps of BatchNorm1d/2d/3d, SyncBatchNorm and the Lazy forms with momentum None, 0
and 1, affine/bias/track_running_stats off, batches of 0 and 1, (N, C, L) inputs, constant
channels, reset_running_stats and torch state dicts loaded between steps; after each step the
outputs, the input's and parameters' gradients, and the running statistics (against the
course's rule: the first batch sets them, the biased variance is averaged) are compared. Then
the functional forms' edges (group_norm, instance_norm, rms_norm, layer_norm, normalize,
local_response_norm, tg.batch_norm), float32 at a large offset, and a jitted train/eval step.

Named regressions (each failed before its fix): momentum=0 refused; a state dict without
num_batches_tracked (torch before 0.4.1) refused by a strict load, and with strict=False its
running statistics replaced by the next batch; a Lazy layer's eps/momentum set before its
first call dropped; group_norm refusing an empty input and computing a lone value per group
(torch refuses it); tg.batch_norm refusing an empty input in evaluation without running
statistics."""

import copy
import warnings

import numpy as np
import pytest
from oracle import mismatch

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl import nn
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")

KINDS = {
    "bn1": (nn.BatchNorm1d, "BatchNorm1d", 2), "bn1L": (nn.BatchNorm1d, "BatchNorm1d", 3),
    "bn2": (nn.BatchNorm2d, "BatchNorm2d", 4), "bn3": (nn.BatchNorm3d, "BatchNorm3d", 5),
    "sync": (nn.SyncBatchNorm, "SyncBatchNorm", 3),
    "lazy1": (nn.LazyBatchNorm1d, "LazyBatchNorm1d", 2),
    "lazy2": (nn.LazyBatchNorm2d, "LazyBatchNorm2d", 4),
}


def _course_update(ref, a, mom):
    """The course's running statistics after a training batch `a` (None: none yet)."""
    axes = (0,) + tuple(range(2, a.ndim))
    mu, var = a.mean(axis=axes), a.var(axis=axes)
    if ref is None or ref[2] == 0:
        return [mu, var, 1]
    al = 1 - 1 / (ref[2] + 1) if mom is None else 1 - mom
    return [al * ref[0] + (1 - al) * mu, al * ref[1] + (1 - al) * var, ref[2] + 1]


def _bn_sequence(seed):
    """Every difference from torch in one random sequence of steps (an empty list: none)."""
    rng = np.random.default_rng(seed)
    kind = list(KINDS)[seed % len(KINDS)]
    ocls, tname, nd = KINDS[kind]
    C, mom = int(rng.integers(1, 4)), [0.1, None, 0.0, 1.0, 0.5][rng.integers(5)]
    kw = dict(eps=float(rng.choice([1e-5, 0.5])), momentum=mom, affine=bool(rng.random() < .7),
              track_running_stats=bool(rng.random() < .7), bias=bool(rng.random() < .8))
    args = () if "lazy" in kind else (C,)
    tm, om = getattr(torch.nn, tname)(*args, **kw).double(), ocls(*args, **kw)
    ref, out = None, []
    for step in range(5):
        sized = hasattr(om, "running_mean")
        r = rng.random()
        if r < 0.1 and sized and om.running_mean is not None:
            om.reset_running_stats(), tm.reset_running_stats()
            ref = None
        elif r < 0.2 and sized and om.running_mean is not None:
            sd = {k: v.numpy().copy() for k, v in tm.state_dict().items()}
            sd["num_batches_tracked"] = np.asarray(int(rng.integers(1, 4)))
            if rng.random() < 0.5:  # (an old checkpoint's)
                del sd["num_batches_tracked"]
            om.load_state_dict(sd)
            ref = [sd["running_mean"], sd["running_var"], int(om.num_batches_tracked)]
        mode = bool(rng.random() < 0.7)
        om.train(mode), tm.train(mode)
        shape = (int(rng.choice([0, 1, 2, 3, 5])), C) + tuple(
            int(rng.integers(1, 4)) for _ in range(nd - 2))
        a = rng.normal(size=shape) * rng.choice([1, 10]) + rng.choice([0, 3])
        if rng.random() < 0.2 and a.size:
            a[:, 0] = 2.5  # a constant channel: variance 0
        if ref is not None and tm.running_mean is not None:  # torch evaluates with ours
            with torch.no_grad():
                tm.running_mean.copy_(torch.tensor(ref[0]))
                tm.running_var.copy_(torch.tensor(ref[1]))
        x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        tag = f"{kind} {kw} step {step} train={mode} {shape}"
        try:
            ty = tm(tx)
        except (ValueError, RuntimeError):
            with pytest.raises(ValueError) as e:
                om(x)
            assert "\n" not in str(e.value)
            return out
        y = om(x)
        out += [f"{tag} out: {m}" for m in [mismatch(y.data, ty.detach().numpy(), 1e-9)] if m]
        if a.size:
            w = rng.normal(size=shape)
            (y * tg.tensor(w)).sum().backward()
            (ty * torch.tensor(w)).sum().backward()
            out += [f"{tag} x.grad: {m}" for m in [mismatch(x.grad, tx.grad.numpy(), 1e-8)] if m]
            for p, tp in ((om.gamma, tm.weight), (om.beta, tm.bias)):
                assert (p is None) == (tp is None), tag
                if p is not None and mode:
                    m = mismatch(p.grad, tp.grad.numpy(), 1e-8)
                    out += [f"{tag} param grad: {m}"] if m else []
                    p.grad = tp.grad = None
        if mode and kw["track_running_stats"] and a.size:
            ref = _course_update(ref, a, mom)
        if om.running_mean is not None:
            want = ref or [np.zeros(C), np.ones(C), 0]
            for got, exp in ((om.running_mean, want[0]), (om.running_var, want[1])):
                out += [f"{tag} running: {m}" for m in [mismatch(got, exp, 1e-12)] if m]
            assert int(om.num_batches_tracked) == want[2], tag
    return out


@pytest.mark.parametrize("block", range(4))
def test_batchnorm_sequences_against_torch(block):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (empty batches' means)
        bad = [m for s in range(block * 35, block * 35 + 35) for m in _bn_sequence(s)]
    assert not bad, bad[:5]


# ---- the named regressions -------------------------------------------------------------------
@pytest.mark.parametrize("cls", [nn.BatchNorm1d, nn.BatchNorm2d, nn.SyncBatchNorm])
def test_momentum_zero_is_taken_and_freezes_loaded_statistics(cls):
    """torch's momentum=0 (freeze the running statistics: fine-tuning) was refused."""
    shape = (4, 3) if cls is nn.BatchNorm1d else (4, 3, 2, 2)
    t = getattr(torch.nn, cls.__name__)(3).double()
    rng = np.random.default_rng(1)
    t(torch.tensor(rng.normal(size=shape) + 2))
    m = cls(3, momentum=0, eps=1e-5)
    assert m.momentum == 0.0
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    t.momentum = 0.0
    for _ in range(2):
        a = rng.normal(size=shape) * 3
        m(tg.tensor(a)), t(torch.tensor(a))
    np.testing.assert_array_equal(m.running_mean, t.running_mean.numpy())
    np.testing.assert_array_equal(m.running_var, t.running_var.numpy())
    with pytest.raises(ValueError, match=r"momentum in \[0, 1\]"):
        cls(3, momentum=1.5)


@pytest.mark.parametrize("strict", [True, False])
def test_state_dict_without_num_batches_tracked_loads_and_keeps_its_statistics(strict):
    """An old checkpoint (no num_batches_tracked): strict refused it; strict=False left the
    count 0, so the next training batch replaced the loaded statistics (torch averages)."""
    rng = np.random.default_rng(2)
    t = torch.nn.BatchNorm1d(3).double()
    t(torch.tensor(rng.normal(size=(8, 3)) * 2 + 5))
    sd = {k: v for k, v in t.state_dict().items() if k != "num_batches_tracked"}
    t2 = torch.nn.BatchNorm1d(3).double()
    t2.load_state_dict(sd)
    seq = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3, eps=1e-5))
    keys = seq.load_state_dict({"0.W": np.zeros((3, 2)), "0.b": np.zeros(3),
                                **{f"1.{k}": v.numpy() for k, v in sd.items()}}, strict=strict)
    assert keys.missing_keys == [] and int(seq[1].num_batches_tracked) == 1
    a = rng.normal(size=(6, 3))
    seq[1](tg.tensor(a)), t2(torch.tensor(a))
    np.testing.assert_allclose(seq[1].running_mean, t2.running_mean.numpy(), rtol=1e-14)


def test_a_lazy_layers_settings_before_its_first_call_are_kept():
    """`lazy.eps = ...` / `lazy.momentum = ...` before the first call were silently replaced
    by the constructor's values when the layer was built (torch's keeps them)."""
    a = np.random.default_rng(3).normal(size=(4, 3))
    m, t = nn.LazyBatchNorm1d(eps=1e-5), torch.nn.LazyBatchNorm1d().double()
    for layer in (m, t):
        layer.eps, layer.momentum = 0.25, 0.5
    y, ty = m(tg.tensor(a)), t(torch.tensor(a))
    assert (m.eps, m.momentum) == (0.25, 0.5)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    m.train(), m(tg.tensor(a * 2))
    np.testing.assert_allclose(m.running_mean, 0.5 * a.mean(0) + 0.5 * (2 * a).mean(0))


@pytest.mark.parametrize("shape,groups", [((2, 4, 0), 2), ((1, 0), 1), ((2, 4, 0, 0), 4),
                                          ((0, 4, 3), 2)])
def test_group_norm_of_no_values_is_empty_as_torchs(shape, groups):
    a = np.ones(shape)
    w = tg.tensor(np.ones(shape[1]), requires_grad=True)
    y = F.group_norm(tg.tensor(a), groups, w, w)
    ty = torch.nn.functional.group_norm(torch.tensor(a), groups, torch.ones(shape[1]).double())
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, np.zeros(shape[1]))


def test_group_norm_of_one_value_per_group_is_refused_as_torchs():
    with pytest.raises(ValueError, match="Expected more than 1 value"):
        torch.nn.functional.group_norm(torch.ones(1, 2).double(), 2)
    with pytest.raises(ValueError, match="more than 1 value per group") as e:
        nn.GroupNorm(2, 2)(tg.tensor(np.ones((1, 2))))
    assert "\n" not in str(e.value)
    y = F.group_norm(tg.tensor(np.arange(4.0).reshape(2, 2)), 2)  # (torch computes this: 0s)
    np.testing.assert_array_equal(y.data, np.zeros((2, 2)))


def test_tg_batch_norm_of_an_empty_input_in_evaluation_without_running_statistics():
    a = np.ones((1, 3, 0))
    y = tg.batch_norm(tg.tensor(a), None, None, None, None, False, 0.1, 1e-5, False)
    ty = torch.batch_norm(torch.tensor(a), None, None, None, None, False, 0.1, 1e-5, False)
    assert y.shape == tuple(ty.shape)
    with pytest.raises(ValueError, match="running_mean and running_var must be defined"):
        tg.batch_norm(tg.tensor(np.ones((1, 3, 2))), None, None, None, None, False, 0.1, 1e-5,
                      False)


# ---- the other layers' edges -----------------------------------------------------------------
def _same(ours, theirs, a, rtol=1e-9):
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    assert mismatch(y.data, ty.detach().numpy(), rtol) is None
    w = np.random.default_rng(0).normal(size=y.shape)
    (y * tg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    assert mismatch(x.grad, tx.grad.numpy(), 1e-8) is None


def _edgy(seed, shape):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape) * rng.choice([1, 1e-3, 1e3])
    kind = seed % 4
    if kind == 1:
        a.reshape(-1)[rng.integers(a.size)] = np.nan  # which outputs become NaN: torch's
    elif kind == 2:
        a[...] = 1.5  # constant: variance 0
    elif kind == 3:
        a += 1e4
    return a


@pytest.mark.parametrize("seed", range(8))
def test_functional_norms_at_their_edges(seed):
    TF = torch.nn.functional
    a = _edgy(seed, (2, 4, 3))
    _same(lambda x: F.layer_norm(x, (4, 3)), lambda x: TF.layer_norm(x, (4, 3)), a)
    _same(nn.LayerNorm(3, elementwise_affine=False),
          torch.nn.LayerNorm(3, elementwise_affine=False).double(), a)
    for g in (1, 2, 4):
        _same(lambda x, g=g: F.group_norm(x, g), lambda x, g=g: TF.group_norm(x, g), a)
    _same(nn.RMSNorm(3), torch.nn.RMSNorm(3).double(), a)  # (eps None: float64's epsilon)
    _same(nn.LocalResponseNorm(3, 0.5, 0.75, 1.0), torch.nn.LocalResponseNorm(3, 0.5, 0.75), a)
    for p in (2.0, 1.0, float("inf"), 0.5):
        _same(lambda x, p=p: F.normalize(x, p=p, dim=1, eps=1e-3),
              lambda x, p=p: TF.normalize(x, p=p, dim=1, eps=1e-3), a)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_instance_norm_with_running_statistics_as_torchs(k):
    ocls = (nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)[k - 1]
    m = ocls(3, affine=True, track_running_stats=True, momentum=1.0)
    t = getattr(torch.nn, ocls.__name__)(3, affine=True, track_running_stats=True,
                                        momentum=1.0).double()
    rng = np.random.default_rng(k)
    for mode in (True, True, False, True, False):
        m.train(mode), t.train(mode)
        _same(m, t, rng.normal(size=(2, 3) + (3,) * k) * 2 + 1)
        np.testing.assert_allclose(m.running_var, t.running_var.numpy(), rtol=1e-12)
        np.testing.assert_allclose(m.running_mean, t.running_mean.numpy(), rtol=1e-12,
                                   atol=1e-15)
    with pytest.raises(ValueError, match="momentum must be a number"):
        ocls(3, track_running_stats=True, momentum=None)  # (documented: torch's stays 0, 1)


def test_float32_at_a_large_offset_against_a_float64_reference():
    """Mean 1e4, spread 1e-2: both keep about one digit (one pass each, docs/pytorch.md);
    ours no worse than torch's."""
    a32 = (np.random.default_rng(4).normal(size=(64, 3)) * 1e-2 + 1e4).astype(np.float32)
    a64 = a32.astype(np.float64)
    ref = (a64 - a64.mean(0)) / np.sqrt(a64.var(0) + 1e-5)
    y = nn.BatchNorm1d(3, eps=1e-5).float()(tg.tensor(a32)).data
    ty = torch.nn.BatchNorm1d(3).float()(torch.tensor(a32)).detach().numpy()
    assert y.dtype == np.float32
    assert np.abs(y - ref).max() <= max(np.abs(ty - ref).max(), 0.1)


def test_jitted_step_in_train_then_eval_replays_bit_for_bit():
    rng = np.random.default_rng(5)
    for cls, shape in ((nn.BatchNorm1d, (6, 3, 2)), (nn.BatchNorm3d, (2, 3, 1, 2, 2))):
        bn = cls(3, eps=1e-5, momentum=None)
        bn2 = copy.deepcopy(bn)

        @jit
        def step(X, bn=bn):
            out = bn(tg.Tensor(X) * 1.0)
            return (out * out * out).sum().detach()

        for mode in [True] * 3 + [False] * 3:
            bn.train(mode), bn2.train(mode)
            a = rng.normal(size=shape) * 2 + 1
            o2 = bn2(tg.Tensor(a) * 1.0)
            assert float(step(a).data) == float((o2 * o2 * o2).sum().data)
            assert np.array_equal(bn.running_var, bn2.running_var)
        assert step.replays >= 2 and not step.fallbacks
