"""Tied and shared parameters against torch 2.13: one Parameter used by two modules (an
Embedding's weight as the output Linear's, `l2.weight = l1.weight`, a module used twice, a
weight used transposed, a buffer shared by two batch norms). Listing, gradients, optimizers,
hooks, casts, copies, state dicts, checkpoints and a jitted step keep one array for the tie."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint
from tinygrad_dl.jit import jit
from tinygrad_dl.models import KLayer

torch = pytest.importorskip("torch")

F = tg.nn.functional


def _tied(lib, W, b1, b2):
    """Sequential(l1, Tanh, l2) with l2.weight = l1.weight, in tg or torch."""
    kw = {"dtype": torch.float64} if lib is torch else {}
    l1, l2 = lib.nn.Linear(4, 4, **kw), lib.nn.Linear(4, 4, **kw)
    if lib is torch:
        with torch.no_grad():
            for p, v in ((l1.weight, W), (l1.bias, b1), (l2.bias, b2)):
                p.copy_(torch.tensor(v))
    else:
        l1.W.data[...], l1.b.data[...], l2.b.data[...] = W, b1, b2
    l2.weight = l1.weight
    return lib.nn.Sequential(l1, lib.nn.Tanh(), l2)


def _names(m, **kw):
    return [n for n, _ in m.named_parameters(**kw)]


def spell(names):
    """torch's spelling of our names (Linear's W and b are torch's weight and bias)."""
    rename = {"W": "weight", "b": "bias"}
    return [".".join(rename.get(s, s) for s in n.split(".")) for n in names]


def test_listing_a_tied_weight_a_module_used_twice_and_a_name_registered_twice():
    for make in (lambda lib: _tied(lib, np.eye(4), np.zeros(4), np.zeros(4)),
                 lambda lib: (lambda lin: lib.nn.Sequential(lin, lib.nn.Tanh(), lin))(
                     lib.nn.Linear(3, 3))):
        ours, theirs = make(tg), make(torch)
        assert spell(_names(ours)) == _names(theirs)
        assert spell(_names(ours, remove_duplicate=False)) == _names(theirs, remove_duplicate=False)
        assert len(ours.parameters()) == len(list(theirs.parameters()))
        assert ([n for n, _ in ours.named_modules(remove_duplicate=False)]
                == [n for n, _ in theirs.named_modules(remove_duplicate=False)])
        visited: tuple[list[object], list[object]] = ([], [])
        ours.apply(visited[0].append)
        theirs.apply(visited[1].append)
        # a shared submodule once, as torch's children()
        assert [type(v).__name__ for v in visited[0]] == [type(v).__name__ for v in visited[1]]
    m = tg.nn.Module()
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    m.register_parameter("a", p)
    m.register_parameter("b", p)
    assert _names(m) == ["a"] and _names(m, remove_duplicate=False) == ["a", "b"]


@pytest.mark.parametrize("seed", range(20))
def test_tied_gradient_is_torch_bits_and_the_sum_of_its_uses(seed):
    rng = np.random.default_rng(seed)
    o, i, n = (int(v) for v in rng.integers(1, 6, 3))
    E, x, wt = rng.standard_normal((o, i)), rng.standard_normal((n, i)), rng.standard_normal((n, i))
    idx = rng.integers(0, o, n)

    def ours(emb, lin):
        e = tg.tensor(E, requires_grad=True)
        h = F.embedding(tg.tensor(idx), e if emb else tg.tensor(E)) + tg.tensor(x)
        y = F.linear(F.linear(h, e if lin else tg.tensor(E)).tanh(), (e if lin else tg.tensor(E)).T)
        (y * tg.tensor(wt)).sum().backward()
        return e.grad

    e = torch.tensor(E, requires_grad=True)
    h = torch.nn.functional.embedding(torch.tensor(idx), e) + torch.tensor(x)
    y = torch.nn.functional.linear(torch.tanh(torch.nn.functional.linear(h, e)), e.T)
    (y * torch.tensor(wt)).sum().backward()
    both = ours(True, True)
    np.testing.assert_allclose(both, e.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(both, ours(True, False) + ours(False, True), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("opt, kw", [
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5)),
])
def test_training_a_tied_model_steps_the_weight_once_as_torch(opt, kw):
    rng = np.random.default_rng(2)
    W, b1, b2 = rng.standard_normal((4, 4)), rng.standard_normal(4), rng.standard_normal(4)
    data = [(rng.standard_normal((6, 4)), rng.standard_normal((6, 4))) for _ in range(3)]
    out = {}
    for lib in (tg, torch):
        m = _tied(lib, W, b1, b2)
        o = getattr(lib.optim, opt)(m.parameters(), **kw)
        calls, norms = [], []
        m[0].weight.register_hook(calls.append)
        for X, Y in data:
            o.zero_grad()
            ((m(lib.tensor(X)) - lib.tensor(Y)) ** 2).mean().backward()
            norms.append(float(lib.nn.utils.clip_grad_norm_(m.parameters(), 0.5)))
            o.step()
        assert m[2].weight is m[0].weight and len(calls) == len(data)  # the hook once a backward
        out[lib] = m[0].weight.detach().numpy(), norms
    np.testing.assert_allclose(out[tg][0], out[torch][0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out[tg][1], out[torch][1], rtol=1e-12)


def test_optimizer_refuses_a_parameter_in_two_groups_as_torch_and_twice_in_one():
    m = _tied(tg, np.eye(4), np.zeros(4), np.zeros(4))
    w = m[0].weight
    with pytest.raises(ValueError, match="more than one group"):
        tg.optim.SGD([{"params": [w]}, {"params": [m[2].weight]}], lr=0.1)
    with pytest.raises(ValueError, match="more than one group"):
        tg.optim.SGD(m.parameters(), lr=0.1).add_param_group({"params": [m[2].weight]})
    with pytest.raises(ValueError, match="appears twice in one group"):  # torch: warns, then
        tg.optim.SGD([w, w], lr=0.1)  # steps it twice
    p = tg.tensor([0.0], requires_grad=True)
    o = tg.optim.SGD([w], lr=1.0)
    o.add_param_group({"params": [p]})
    p.grad, w.grad = np.ones(1), np.zeros((4, 4))
    o.step()
    assert p.data[0] == -1.0


def test_casts_and_copies_keep_the_tie_inside_the_model():
    for convert in (lambda m: m.float(), lambda m: m.double(), lambda m: m.to(np.float32),
                    lambda m: m.half().double(), copy.deepcopy,
                    lambda m: pickle.loads(pickle.dumps(m))):
        m = _tied(tg, np.eye(4), np.zeros(4), np.zeros(4))
        c = convert(m)
        assert c[2].weight is c[0].weight and len(c.parameters()) == 3
    m = _tied(tg, np.eye(4), np.zeros(4), np.zeros(4))
    c = copy.deepcopy(m)
    assert c[0].weight is not m[0].weight
    bn1, bn2 = tg.nn.BatchNorm1d(3), tg.nn.BatchNorm1d(3)
    bn2.running_mean = bn1.running_mean
    c = copy.deepcopy(tg.nn.Sequential(bn1, bn2))
    assert c[1].running_mean is c[0].running_mean


def test_torch_state_dict_of_a_tied_model_loads_and_assign_keeps_the_tie():
    rng = np.random.default_rng(4)
    W, b1, b2 = rng.standard_normal((4, 4)), rng.standard_normal(4), rng.standard_normal(4)
    theirs = _tied(torch, W, b1, b2)
    sd = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}
    assert "2.weight" in sd
    for assign in (False, True):
        m = _tied(tg, np.zeros((4, 4)), np.zeros(4), np.zeros(4))
        m.load_state_dict(sd, assign=assign)  # (torch's assign=True unties them)
        assert m[2].weight is m[0].weight
        np.testing.assert_array_equal(m[0].weight.data, W)
    sd["2.weight"] = sd["2.weight"] + 1  # torch keeps the last without a word
    with pytest.raises(ValueError, match="one tied parameter"):
        _tied(tg, np.zeros((4, 4)), np.zeros(4), np.zeros(4)).load_state_dict(sd)


@pytest.mark.parametrize("kind", ["tied", "twice", "transposed", "untied at step 4"])
def test_jitted_steps_of_a_tied_model_are_eager_bits(kind):
    rng = np.random.default_rng(7)
    W, b = rng.standard_normal((4, 4)), rng.standard_normal(4)
    data = [(rng.standard_normal((5, 4)), rng.standard_normal((5, 4))) for _ in range(7)]

    def run(use_jit):
        m = _tied(tg, W, b, -b)
        if kind == "twice":
            m = tg.nn.Sequential(m[0], tg.nn.Tanh(), m[0])
        fwd = (lambda x: F.linear(m[0](x).tanh(), m[0].weight.T)) if kind == "transposed" else m
        opt = tg.optim.SGD((m[0] if kind == "transposed" else m).parameters(), lr=0.1,
                           momentum=0.9, weight_decay=0.01)

        def step(X, Y):
            loss = ((fwd(tg.Tensor(X)) - tg.Tensor(Y)) ** 2).mean()
            loss.backward()
            return loss
        f = jit(step) if use_jit else step
        losses = []
        for i, (X, Y) in enumerate(data):
            if kind.startswith("untied") and i == 4:
                m[2].weight = tg.Tensor(m[0].weight.data.copy(), requires_grad=True)
                opt.add_param_group({"params": [m[2].weight]})
            opt.zero_grad()
            losses.append(float(f(X, Y).data))
            opt.step()
        return losses, [p.data.copy() for p in m.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed, not run eagerly with the jit's warning
        (la, pa), (lb, pb) = run(False), run(True)
    assert la == lb and len(pa) == len(pb)
    for a, b_ in zip(pa, pb):
        np.testing.assert_array_equal(a, b_)


def _tie_weight(m):
    m.layers[2].weight = m.layers[0].weight


def _use_twice(m):
    m.layers[4] = m.layers[2]


def _share_buffer(m):
    bns = [x for x in m.modules() if isinstance(x, tg.nn.BatchNorm1d)]
    bns[1].running_mean = bns[0].running_mean


@pytest.mark.parametrize("tie", [_tie_weight, _use_twice, _share_buffer])
def test_save_model_refuses_a_tie_its_config_cannot_rebuild(tmp_path, tie):
    # it saved, then load_model refused it (missing keys) or rebuilt it untied without a word
    m = KLayer(4, [4, 4], 4, batch_norm=tie is _share_buffer)
    tie(m)
    for save in (checkpoint.save_model, tg.save):
        with pytest.raises(ValueError, match=r"refused: '.*' is '.*' \(a tied weight"):
            save(m, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()
    checkpoint.save(m.state_dict(), tmp_path / "s.npz")  # the way offered: the state dict
    back = KLayer(4, [4, 4], 4, batch_norm=tie is _share_buffer)
    tie(back)
    back.load_state_dict(checkpoint.load(tmp_path / "s.npz"))
    for a, b in zip(m.parameters(), back.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_save_model_of_an_untied_model_still_round_trips(tmp_path):
    m = KLayer(4, [4, 4], 4)
    checkpoint.save_model(m, tmp_path / "m.npz")
    back = checkpoint.load_model(tmp_path / "m.npz")
    for a, b in zip(m.parameters(), back.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
