"""Random module trees with extra state (get / set / both / neither), buffers (persistent or
not), Linears and state-dict hooks, against torch 2.13: state_dict's keys in order (prefix,
keep_vars), each hook's calls (kind by kind, with their prefixes), load_state_dict's missing keys
in torch's order and unexpected keys (as a set: torch groups them by module), and the extra
state each module ends with; then a tree reaching modules twice loads torch's state dict."""

import random

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn

torch = pytest.importorskip("torch")


def _ours_to_torch(name):
    head, _, last = name.rpartition(".")
    last = {"W": "weight", "b": "bias"}.get(last, last)
    return f"{head}.{last}" if head else last


def _classes(nn_mod, zeros):
    class Plain(nn_mod.Module):
        def __init__(self, v, persistent, kids):
            super().__init__()
            self.v = v
            self.register_buffer("buf", zeros(2), persistent=persistent)
            for i, k in enumerate(kids):
                setattr(self, f"c{i}", k)

    class Get(Plain):
        def get_extra_state(self):
            return {"v": self.v}

    class Set(Plain):
        def set_extra_state(self, state):
            self.v = state["v"]

    class Both(Get, Set):
        pass

    return [Plain, Get, Set, Both]


def _tree(nn_mod, zeros, rng, shared=False):
    kinds = _classes(nn_mod, zeros)
    if shared:  # (a Get or Set module's own state dict does not load strictly, in torch too)
        kinds = [kinds[0], kinds[3], kinds[3]]
    made = []

    def build(depth):
        if shared and made and rng.random() < 0.4:
            return rng.choice(made)  # a module reached twice
        if depth >= 3 or rng.random() < 0.3:
            return nn_mod.Linear(2, 2, bias=rng.random() < 0.7)
        kids = [build(depth + 1) for _ in range(rng.randint(0, 3))]
        m = rng.choice(kinds)(rng.randint(0, 9), rng.random() < 0.8, kids)
        made.append(m)
        return m
    return build(0)


def _hooks(model, seed, log):
    rng = random.Random(seed)
    for name, m in model.named_modules():
        if rng.random() < 0.5:
            m.register_state_dict_pre_hook(
                lambda mod, p, kv, name=name: log.append(("pre", name, p, kv)))
        if rng.random() < 0.5:
            m.register_state_dict_post_hook(
                lambda mod, sd, p, md, name=name: log.append(("post", name, p)))
        if rng.random() < 0.4:
            m.register_load_state_dict_pre_hook(
                lambda mod, sd, p, md, st, mk, uk, em, name=name: log.append(("lpre", name, p)))
        if rng.random() < 0.4:
            m.register_load_state_dict_post_hook(
                lambda mod, keys, name=name: log.append(("lpost", name)))


def _run(nn_mod, zeros, seed):
    rng = random.Random(seed)
    model, log = _tree(nn_mod, zeros, random.Random(seed)), []
    _hooks(model, seed + 1, log)
    prefix, keep_vars = rng.choice(["", "net."]), rng.random() < 0.3
    keys = [_ours_to_torch(k) for k in model.state_dict(prefix=prefix, keep_vars=keep_vars)]
    state = {_ours_to_torch(k): v for k, v in model.state_dict().items()}
    for k in sorted(state):
        if random.Random(f"{seed}/{k}").random() < 0.2:
            del state[k]
    if rng.random() < 0.3:
        state["zz"] = zeros(1)
    if rng.random() < 0.4:
        state["_extra_state"] = {"v": 11}
    if nn_mod is nn:
        theirs = {_ours_to_torch(k): k for k, _ in model._saved_entries()}
        state = {theirs.get(k, k): v for k, v in state.items()}
    strict = rng.random() < 0.5
    try:
        r = model.load_state_dict(state, strict=strict)
        res = ([_ours_to_torch(k) for k in r.missing_keys],
               sorted(_ours_to_torch(k) for k in r.unexpected_keys))
        values = [getattr(m, "v", None) for _, m in model.named_modules()]
    except (ValueError, RuntimeError):
        res, values = "refused", None  # (torch's loads what matched first; ours nothing)
    return keys, log, res, values


@pytest.mark.parametrize("chunk", range(4))
def test_random_trees_as_torch(chunk):
    for seed in range(chunk * 50, chunk * 50 + 50):
        (k1, l1, r1, v1), (k2, l2, r2, v2) = (_run(nn, tg.zeros, seed),
                                              _run(torch.nn, torch.zeros, seed))
        assert k1 == k2, seed
        assert r1 == r2, seed
        assert v1 == v2, seed
        for kind in ("pre", "post", "lpre", "lpost"):  # (torch interleaves the kinds)
            assert [e for e in l1 if e[0] == kind] == [e for e in l2 if e[0] == kind], seed


@pytest.mark.parametrize("seed", range(40))
def test_modules_reached_twice_load_torchs_state_dict(seed):
    theirs = _tree(torch.nn, torch.zeros, random.Random(seed), shared=True)
    ours = _tree(nn, tg.zeros, random.Random(seed), shared=True)
    for (_, a), (_, b) in zip(ours.named_modules(), theirs.named_modules()):
        if hasattr(b, "v"):
            b.v = a.v + 100
    sd = {k: v.numpy() if hasattr(v, "numpy") else v for k, v in theirs.state_dict().items()}
    names = {_ours_to_torch(k): k for k in ours.state_dict()}
    result = ours.load_state_dict({names.get(k, k): v for k, v in sd.items()})
    assert result == ([], [])
    for (_, a), (_, b) in zip(ours.named_modules(), theirs.named_modules()):
        if type(b).__name__ in ("Set", "Both"):
            assert a.v == b.v
        if isinstance(b, torch.nn.Linear):
            assert np.array_equal(a.W.data, b.weight.detach().numpy())
