"""nn.utils.prune against torch 2.13: seeded random Linear/Conv2d models pruned by the
deterministic methods (l1_unstructured, ln_structured with n 1, 2, inf, -inf, 'fro',
custom_from_mask, identity, global_unstructured; int and float amounts, random dims, one to
three prunings in a row) compared on masks, effective weights, state dicts, outputs and
gradients (float64, 1e-10); the random methods' law (exact counts, every subset equally
likely); the tie rule; optimizer training, jit, a tied weight, remove, deepcopy, save/load,
and torch's refusals."""

from __future__ import annotations

import copy
import itertools
import warnings

import numpy as np
import pytest
from oracle import jit_matches_eager, mismatch, one_line, torch_float64  # noqa: F401

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.nn.utils import prune

torch = pytest.importorskip("torch")
TP = pytest.importorskip("torch.nn.utils.prune")
pytestmark = pytest.mark.usefixtures("torch_float64")
COURSE = {"W": "weight", "b": "bias"}


def _pair(rng, conv):
    if conv:
        cin, cout, k = (int(v) for v in rng.integers(1, 4, 3))
        t = torch.nn.Conv2d(cin, cout, k + 1)
        m = nn.Conv2d(cin, cout, k + 1)
        x = rng.normal(size=(2, cin, k + 3, k + 3))
    else:
        din, dout = (int(v) for v in rng.integers(2, 7, 2))
        t, m = torch.nn.Linear(din, dout), nn.Linear(din, dout)
        x = rng.normal(size=(3, din))
    m.load_state_dict(t.state_dict())
    return t, m, x


def _hooks(m):
    """The module's forward pre-hooks (torch's _forward_pre_hooks.values())."""
    return [e[0] for e in m._hooks.forward_pre.values()]


def _torch_keys(m):
    return [".".join(COURSE.get(p, p) for p in k.split(".")) for k in m.state_dict()]


def _check(t, m, x, rng):
    """Masks, effective weights, state dicts, output and gradients equal torch's."""
    assert _torch_keys(m) == list(t.state_dict())
    for (k, a), b in zip(m.state_dict().items(), t.state_dict().values()):
        assert mismatch(np.asarray(a), b.numpy()) is None, k
    for name in ("weight", "bias"):
        if hasattr(t, name + "_mask"):
            assert np.array_equal(getattr(m, name + "_mask"), getattr(t, name + "_mask").numpy())
    gy = rng.normal(size=tuple(t(torch.tensor(x)).shape))
    xt, xo = torch.tensor(x, requires_grad=True), tg.Tensor(x, requires_grad=True)
    yt, yo = t(xt), m(xo)
    assert mismatch(yo.data, yt.detach().numpy()) is None
    (yt * torch.tensor(gy)).sum().backward()
    (yo * tg.Tensor(gy)).sum().backward()
    assert mismatch(xo.grad, xt.grad.numpy()) is None
    for name in ("weight", "bias"):  # the effective tensor, and the gradients of what trains
        assert mismatch(getattr(m, name).data, getattr(t, name).detach().numpy()) is None
        for key in (name, name + "_orig"):
            if key in dict(t.named_parameters()):
                got = dict(m.named_parameters())[{"weight": "W", "bias": "b"}.get(key, key)]
                assert mismatch(got.grad, dict(t.named_parameters())[key].grad.numpy()) is None


def _random_pruning(rng, t, m, name, prior):
    """One deterministic pruning of `name`, applied to both; its kind."""
    shape = tuple(getattr(t, name).shape)
    size = int(np.prod(shape))
    kinds = ["l1", "custom", "identity"] + (["ln"] * 2 if len(shape) > 1 else [])
    kind = kinds[rng.integers(len(kinds))]
    left = int(getattr(t, name + "_mask").sum()) if prior else size
    amount = (int(rng.integers(0, left + 1)) if rng.random() < 0.5
              else float(np.round(rng.random(), 2)))
    scores = rng.normal(size=shape) if rng.random() < 0.3 else None
    if kind == "l1":
        ts = None if scores is None else torch.tensor(scores)
        TP.l1_unstructured(t, name, amount, importance_scores=ts)
        prune.l1_unstructured(m, name, amount, importance_scores=scores)
    elif kind == "ln":
        n = [1, 2, np.inf, -np.inf, "fro"][rng.integers(5 if len(shape) < 4 else 4)]
        dim = int(rng.integers(-len(shape), len(shape)))
        others = tuple(d for d in range(len(shape)) if d != dim % len(shape))
        channels = (int((getattr(t, name + "_mask").numpy().sum(axis=others) != 0).sum())
                    if prior else shape[dim])
        amount = int(rng.integers(0, channels + 1)) if isinstance(amount, int) else amount
        if n == -np.inf and prior and scores is None:  # (zeros: ties at norm 0)
            scores = rng.normal(size=shape)
        ts = None if scores is None else torch.tensor(scores)
        TP.ln_structured(t, name, amount, n, dim, importance_scores=ts)
        prune.ln_structured(m, name, amount, n, dim, importance_scores=scores)
    elif kind == "custom":
        mask = (rng.random(shape) < 0.7).astype(np.float64)
        TP.custom_from_mask(t, name, torch.tensor(mask))
        prune.custom_from_mask(m, name, tg.Tensor(mask) if rng.random() < 0.5 else mask)
    else:
        TP.identity(t, name)
        prune.identity(m, name)
    return kind


@pytest.mark.parametrize("seed", range(10))
def test_random_models_pruned_in_sequence_match_torch(seed):
    rng = np.random.default_rng(seed)
    cases = 0
    for _ in range(10):
        torch.manual_seed(int(rng.integers(1 << 30)))
        t, m, x = _pair(rng, conv=rng.random() < 0.5)
        done = set()
        for _ in range(int(rng.integers(1, 4))):
            name = "weight" if rng.random() < 0.75 else "bias"
            _random_pruning(rng, t, m, name, name in done)
            done.add(name)
            _check(t, m, x, rng)
            cases += 1
            for name in done:  # the methods registered: torch's classes, in torch's order
                theirs = next(h for h in t._forward_pre_hooks.values() if h._tensor_name == name)
                ours = next(h for h in _hooks(m) if h._tensor_name == name)
                assert type(ours).__name__ == type(theirs).__name__
                if isinstance(theirs, TP.PruningContainer):
                    assert [type(a).__name__ for a in ours] == [type(a).__name__ for a in theirs]
        assert prune.is_pruned(m) and TP.is_pruned(t)
        for name in sorted(done):  # the permanent form
            TP.remove(t, name)
            prune.remove(m, name)
        assert not prune.is_pruned(m)
        _check(t, m, x, rng)
    assert cases >= 10


def test_torch_state_dict_loads_into_ours_and_back():
    rng = np.random.default_rng(11)
    t, m, x = _pair(rng, conv=True)
    TP.ln_structured(t, "weight", 0.5, 2, 0)
    TP.l1_unstructured(t, "bias", 1)
    prune.identity(m, "weight")
    prune.identity(m, "bias")
    assert m.load_state_dict(t.state_dict()) == ([], [])
    _check(t, m, x, rng)
    t2 = torch.nn.Conv2d(*t.weight.shape[1::-1], t.weight.shape[2])
    TP.identity(t2, "weight")
    TP.identity(t2, "bias")
    ours = {k: torch.tensor(np.asarray(v)) for k, v in zip(_torch_keys(m), m.state_dict().values())}
    t2.load_state_dict(ours)
    assert np.array_equal(t2(torch.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy())


def test_save_load_of_a_pruned_state_dict(tmp_path):
    rng = np.random.default_rng(12)
    t, m, x = _pair(rng, conv=False)
    prune.l1_unstructured(m, "weight", 0.5)
    tg.save(m.state_dict(), tmp_path / "sd.pt")
    m2 = nn.Linear(m.d_in, m.d_out)
    prune.identity(m2, "weight")
    assert m2.load_state_dict(tg.load(tmp_path / "sd.pt")) == ([], [])
    assert np.array_equal(m2.weight_mask, m.weight_mask)
    assert np.array_equal(m2(tg.Tensor(x)).data, m(tg.Tensor(x)).data)
    with pytest.raises(ValueError):  # an unpruned model: the unexpected keys (torch: too)
        nn.Linear(m.d_in, m.d_out).load_state_dict(tg.load(tmp_path / "sd.pt"))


@pytest.mark.parametrize("seed", range(3))
def test_global_unstructured_matches_torch(seed):
    rng = np.random.default_rng(100 + seed)
    torch.manual_seed(seed)
    (t1, m1, _), (t2, m2, _) = _pair(rng, False), _pair(rng, True)
    TP.l1_unstructured(t2, "weight", 1)
    prune.l1_unstructured(m2, "weight", 1)
    s = rng.normal(size=tuple(t1.weight.shape))
    for amount in (0.3, 3):
        TP.global_unstructured([(t1, "weight"), (t2, "weight"), (t2, "bias")],
                               TP.L1Unstructured, amount=amount,
                               importance_scores={(t1, "weight"): torch.tensor(s)})
        ours = [(m1, "weight"), (m2, "W"), (m2, "bias")]
        prune.global_unstructured((p for p in ours), prune.L1Unstructured, amount=amount,
                                  importance_scores={(m1, "weight"): s})
        for t, m in ((t1, m1), (t2, m2)):
            for n in ("weight", "bias"):
                if hasattr(t, n + "_mask"):
                    assert np.array_equal(getattr(m, n + "_mask"), getattr(t, n + "_mask").numpy())
    with pytest.raises(TypeError) as e:
        prune.global_unstructured([(m1, "weight")], prune.LnStructured, amount=1, n=2)
    one_line(e, "unstructured")
    with pytest.raises(TypeError):
        prune.global_unstructured([(m1, "weight")], prune.L1Unstructured, importance_scores=[1],
                                  amount=1)


def test_method_objects_compute_mask_and_prune_match_torch():
    rng = np.random.default_rng(5)
    w = rng.normal(size=(4, 3, 2))
    d = (rng.random(size=w.shape) < 0.8).astype(np.float64)
    for ours, theirs in [(prune.L1Unstructured(5), TP.L1Unstructured(5)),
                         (prune.LnStructured(0.5, "fro", 1), TP.LnStructured(0.5, "fro", 1)),
                         (prune.LnStructured(2, -np.inf, 0), TP.LnStructured(2, -np.inf, 0)),
                         (prune.LnStructured(1, "nuc", 0), TP.LnStructured(1, "nuc", 0)),
                         (prune.LnStructured(0.6, 3, -1), TP.LnStructured(0.6, 3, -1)),
                         (prune.CustomFromMask(d), TP.CustomFromMask(torch.tensor(d)))]:
        got = ours.compute_mask(w, d)
        assert np.array_equal(got, theirs.compute_mask(torch.tensor(w), torch.tensor(d)).numpy())
        p = ours.prune(tg.Tensor(w, requires_grad=True))
        assert isinstance(p, tg.Tensor) and p._ctx is not None
        assert np.array_equal(p.data, theirs.prune(torch.tensor(w)).numpy())


def test_gradients_reach_orig_only_through_kept_entries_and_sgd_keeps_pruned_zero():
    rng = np.random.default_rng(3)
    t, m, x = _pair(rng, conv=False)
    TP.l1_unstructured(t, "weight", 0.5)
    prune.l1_unstructured(m, "weight", 0.5)
    om = tg.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=0.1)
    bufs = {}  # (torch's SGD by hand: torch.optim's first import costs seconds)
    for _ in range(3):
        om.zero_grad()
        t.zero_grad()
        (t(torch.tensor(x)) ** 2).mean().backward()
        (m(tg.Tensor(x)) ** 2).mean().backward()
        assert (m.weight_orig.grad[m.weight_mask == 0] == 0).all()
        with torch.no_grad():
            for n, p in t.named_parameters():
                g = p.grad + 0.1 * p
                bufs[n] = g.clone() if n not in bufs else 0.9 * bufs[n] + g
                p -= 0.1 * bufs[n]
        om.step()
        assert mismatch(m.weight_orig.data, t.weight_orig.detach().numpy()) is None
    m(tg.Tensor(x))  # (the hook: the effective weight afresh, pruned entries still 0)
    assert (m.weight.data[m.weight_mask == 0] == 0).all()
    assert (m.weight_orig.data[m.weight_mask == 0] != 0).any()  # (decay moved the originals)


def test_a_jitted_step_of_a_pruned_model_runs_eagerly_as_eager():
    rng = np.random.default_rng(4)
    _, m, _ = _pair(rng, conv=False)
    prune.l1_unstructured(m, "weight", 3)

    def step(x):
        loss = (m(tg.Tensor(x)) ** 2).sum()
        loss.backward()
        return loss

    xs = [rng.normal(size=(3, m.d_in)) for _ in range(4)]
    jit_matches_eager(step, xs, m.weight_orig)
    j = tg.jit.jit(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        j(xs[0])
    assert j.replays == 0 and any("hooks" in str(w.message) for w in caught)


def test_pruning_one_side_of_a_tied_weight_as_torch():
    rng = np.random.default_rng(6)
    t1, t2 = torch.nn.Linear(3, 3), torch.nn.Linear(3, 3)
    t2.weight = t1.weight
    m1, m2 = nn.Linear(3, 3), nn.Linear(3, 3)
    m1.load_state_dict(t1.state_dict())
    m2.load_state_dict(t2.state_dict())
    m2.W = m1.W
    TP.l1_unstructured(t1, "weight", 4)
    prune.l1_unstructured(m1, "weight", 4)
    assert m1.weight_orig is m2.W  # (one tensor: masked in m1 only, trained by both)
    x = rng.normal(size=(2, 3))
    yt = t2(t1(torch.tensor(x)))
    yo = m2(m1(tg.Tensor(x)))
    assert mismatch(yo.data, yt.detach().numpy()) is None
    yt.sum().backward()
    yo.sum().backward()
    assert mismatch(m2.W.grad, t2.weight.grad.numpy()) is None
    seq = nn.Sequential(m1, m2)
    assert sum(p is m2.W for p in seq.parameters()) == 1


def test_pruning_twice_with_different_methods_builds_a_container():
    rng = np.random.default_rng(8)
    t, m, x = _pair(rng, conv=True)
    TP.ln_structured(t, "weight", 1, 1, 0)
    TP.l1_unstructured(t, "weight", 0.25)
    TP.custom_from_mask(t, "weight", torch.ones_like(t.weight))
    prune.ln_structured(m, "W", 1, 1, 0)
    prune.l1_unstructured(m, "W", 0.25)
    hook = prune.custom_from_mask(m, "W", np.ones(m.W.shape))
    assert hook is m
    [container] = _hooks(m)
    assert [type(h).__name__ for h in container] == ["LnStructured", "L1Unstructured",
                                                     "CustomFromMask"]
    _check(t, m, x, rng)


def test_amount_edges_and_refusals_are_torchs():
    for amount, kept in ((0, 6), (0.0, 6), (1.0, 0), (6, 0), (0.25, 4), (0.75, 2)):
        m = nn.Linear(3, 2)  # (0.25 * 6 = 1.5 and 0.75 * 6 = 4.5 round to even: 2 and 4)
        prune.l1_unstructured(m, "weight", amount)
        assert m.weight_mask.sum() == kept
    for amount, err in ((7, ValueError), (-1, ValueError), (1.5, ValueError),
                        (-0.1, ValueError), ("0.3", TypeError), (None, TypeError)):
        for mod in (prune, TP):
            lin = nn.Linear(3, 2) if mod is prune else torch.nn.Linear(3, 2)
            with pytest.raises(err) as e:
                mod.l1_unstructured(lin, "weight", amount)
            if mod is prune:
                one_line(e)
                assert list(lin.state_dict()) == ["W", "b"] and not prune.is_pruned(lin)
    lin = nn.Linear(3, 2)
    with pytest.raises(ValueError) as e:
        prune.ln_structured(lin, "bias", 1, 2, 0)
    one_line(e, "multidimensional")
    for dim in (2, -3):
        with pytest.raises(IndexError):
            prune.ln_structured(lin, "weight", 1, 2, dim)
    conv = nn.Conv2d(1, 2, 2)
    for n in ("fro", "nuc"):  # (torch.norm's matrix norms over 3 dims: its RuntimeError)
        with pytest.raises(RuntimeError) as e:
            prune.ln_structured(conv, "weight", 1, n, 0)
        one_line(e, n)
    assert not prune.is_pruned(conv) and "W" in conv._parameters
    with pytest.raises(ValueError) as e:
        prune.remove(lin, "weight")
    one_line(e, "has to be pruned")
    with pytest.raises(AttributeError):
        prune.l1_unstructured(lin, "nothing", 1)
    lin.register_buffer("weight_mask", np.zeros(1))
    with pytest.raises(KeyError, match="weight_mask"):
        prune.l1_unstructured(lin, "weight", 1)
    del lin.weight_mask
    with pytest.raises(TypeError) as e:
        prune.l1_unstructured(nn.BatchNorm1d(2), "running_mean", 1)
    one_line(e, "not a parameter")
    with pytest.raises(AssertionError):
        prune.l1_unstructured(lin, "weight", 1, importance_scores=np.ones(3))
    assert not prune.is_pruned(lin)


def test_a_refused_second_pruning_leaves_the_first_in_place():
    m, t = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    prune.l1_unstructured(m, "weight", 2)
    TP.l1_unstructured(t, "weight", 2)
    before = m.weight_mask.copy()
    with pytest.raises(ValueError):
        prune.l1_unstructured(m, "weight", 5)  # (4 candidates left)
    with pytest.raises(ValueError):
        TP.l1_unstructured(t, "weight", 5)
    assert len(t._forward_pre_hooks) == 0  # (torch's fault: its hook is gone)
    assert prune.is_pruned(m) and np.array_equal(m.weight_mask, before)
    with tg.no_grad():  # (its array is locked while the computed weight's graph holds it)
        m.weight_orig.fill_(7.0)
    m(tg.Tensor(np.ones((1, 3))))
    assert np.array_equal(m.weight.data, 7.0 * before)


def test_remove_makes_it_permanent_on_the_same_tensor():
    m = nn.Linear(4, 3)
    orig = m.W
    prune.random_structured(m, "weight", 1, dim=0)
    assert m.weight_orig is orig and "W" not in m._parameters
    opt = tg.optim.SGD(m.parameters(), lr=0.1)
    prune.remove(m, "W")
    assert m.W is orig and list(m.state_dict()) == ["b", "W"]
    assert (orig.data == 0).all(axis=1).sum() == 1
    assert opt.param_groups[0]["params"][1] is orig
    with pytest.raises(ValueError):
        prune.remove(m, "weight")


LAYERS = [(lambda M: M.Conv1d(2, 3, 2), (2, 2, 5), "weight", "bias"),
          (lambda M: M.Embedding(5, 3), None, "weight", "weight"),
          (lambda M: M.LSTM(3, 4), (2, 1, 3), "weight_ih_l0", "bias_hh_l0"),
          (lambda M: M.LayerNorm(4), (2, 4), "weight", "bias"),
          (lambda M: M.ConvTranspose2d(2, 3, 2), (1, 2, 3, 3), "weight", "bias")]


@pytest.mark.parametrize("make,shape,name,second", LAYERS)
def test_other_layers_pruned_as_torch(make, shape, name, second):
    rng = np.random.default_rng(10)
    torch.manual_seed(1)
    t, m = make(torch.nn), make(nn)
    with torch.no_grad():  # (LayerNorm's ones: no ties)
        for p in t.parameters():
            p.copy_(torch.randn_like(p))
    m.load_state_dict(t.state_dict())
    if getattr(t, name).dim() > 1:
        TP.ln_structured(t, name, 1, 1, 0)
        prune.ln_structured(m, name, 1, 1, 0)
    TP.l1_unstructured(t, second, 2)
    prune.l1_unstructured(m, second, 2)
    assert _torch_keys(m) == list(t.state_dict())
    x = rng.integers(0, 5, (2, 3)) if shape is None else rng.normal(size=shape)
    yt, yo = t(torch.tensor(x)), m(tg.Tensor(x))
    yt, yo = (yt[0], yo[0]) if isinstance(yt, tuple) else (yt, yo)
    assert mismatch(yo.data, yt.detach().numpy()) is None
    yt.sum().backward()
    yo.sum().backward()
    for n in (name + "_orig", second + "_orig"):
        if hasattr(t, n):
            assert mismatch(getattr(m, n).grad, getattr(t, n).grad.numpy()) is None


def test_a_frozen_parameter_is_pruned_and_restored_as_torch():
    t, m = torch.nn.Linear(3, 2), nn.Linear(3, 2)
    m.load_state_dict(t.state_dict())
    t.requires_grad_(False)
    m.requires_grad_(False)
    TP.l1_unstructured(t, "weight", 3)
    prune.l1_unstructured(m, "weight", 3)
    assert _torch_keys(m) == list(t.state_dict())
    assert not m.weight_orig.requires_grad and "weight_orig" in m._parameters
    x = np.random.default_rng(9).normal(size=(2, 3))
    assert mismatch(m(tg.Tensor(x)).data, t(torch.tensor(x)).numpy()) is None
    TP.remove(t, "weight")
    prune.remove(m, "weight")
    assert _torch_keys(m) == list(t.state_dict()) and not m.W.requires_grad
    assert mismatch(m.W.data, t.weight.numpy()) is None


def test_deepcopy_as_torch():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2))
    prune.l1_unstructured(m[0], "weight", 2)
    with pytest.raises(RuntimeError):  # (torch's too: the computed weight is an op's result)
        copy.deepcopy(m)
    with tg.no_grad():
        m(tg.Tensor(np.ones((1, 3))))
    c = copy.deepcopy(m)
    assert prune.is_pruned(c) and c[0].weight_orig is not m[0].weight_orig
    with tg.no_grad():
        c[0].weight_orig.fill_(5.0)
    c(tg.Tensor(np.ones((1, 3))))
    assert np.array_equal(c[0].weight.data, 5.0 * m[0].weight_mask)
    assert not np.array_equal(m[0].weight_orig.data, c[0].weight_orig.data)


def test_ties_prune_the_earlier_entries_and_channels():
    m = nn.Linear(3, 4)
    prune.l1_unstructured(m, "weight", 5, importance_scores=-np.ones((4, 3)))
    assert np.flatnonzero(m.weight_mask == 0).tolist() == [0, 1, 2, 3, 4]
    prune.ln_structured(m, "weight", 1, 2, 0, importance_scores=np.ones((4, 3)))
    # (of the rows still kept, 1 to 3, with equal norms: the earliest, row 1, goes)
    assert (m.weight_mask == 0).all(axis=1).tolist() == [True, True, False, False]


def test_random_methods_prune_exact_counts_with_every_subset_equally_likely():
    tg.manual_seed(0)
    counts = {}
    for _ in range(1200):
        mask = prune.RandomUnstructured(2).compute_mask(np.zeros(4), np.ones(4))
        assert mask.sum() == 2
        key = tuple(np.flatnonzero(mask == 0))
        counts[key] = counts.get(key, 0) + 1
    assert set(counts) == set(itertools.combinations(range(4), 2))
    chi2 = sum((c - 200) ** 2 / 200 for c in counts.values())
    assert chi2 < 20.5  # (5 degrees of freedom: p ~ 0.001)
    rows = np.zeros(5)
    for _ in range(500):
        mask = prune.RandomStructured(0.4, dim=0).compute_mask(np.zeros((5, 2)), np.ones((5, 2)))
        gone = (mask == 0).all(axis=1)
        assert gone.sum() == 2 and ((mask == 0).any(axis=1) == gone).all()
        rows += gone
    assert (np.abs(rows - 200) < 45).all()
    m = nn.Linear(4, 4)
    prune.random_unstructured(m, "weight", 6)
    first = m.weight_mask.copy()
    prune.random_unstructured(m, "weight", 0.5)  # (half of the 10 left, among those only)
    assert m.weight_mask.sum() == 5 and (m.weight_mask <= first).all()
