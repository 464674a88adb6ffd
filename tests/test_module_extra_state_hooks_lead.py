"""nn.Module's extra state (`get_extra_state` / `set_extra_state`) and the four state-dict hooks,
against torch 2.13 where it defines the same thing. Before them, a module overriding
get_extra_state (a torch habit) lost that state from state_dict() without a word, and the hook
registrations were AttributeErrors."""

import random

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint, container, nn


def _counter_class(nn_mod, zeros, get=True, put=True):
    class Counter(nn_mod.Module):
        def __init__(self, k=5):
            super().__init__()
            self.lin = nn_mod.Linear(2, 2)
            self.k = k
            self.register_buffer("b", zeros(1))

    if get:
        Counter.get_extra_state = lambda self: {"k": self.k, "tag": "x"}
    if put:
        def set_extra_state(self, state):
            self.k = state["k"]
        Counter.set_extra_state = set_extra_state
    return Counter


def _outer(nn_mod, zeros, k):
    outer = nn_mod.Sequential(nn_mod.Linear(2, 2), _counter_class(nn_mod, zeros)(k))
    outer.register_buffer("z", zeros(1))
    return outer


def test_extra_state_saved_in_torch_order_and_loaded():
    torch = pytest.importorskip("torch")
    sd = _outer(nn, tg.zeros, 7).state_dict()
    theirs = [k.replace(".weight", ".W").replace(".bias", ".b")
              for k in _outer(torch.nn, torch.zeros, 7).state_dict()]
    assert list(sd) == theirs
    assert sd["1._extra_state"] == {"k": 7, "tag": "x"}
    fresh = _outer(nn, tg.zeros, 1)
    fresh.load_state_dict(sd)
    assert fresh[1].k == 7


def test_extra_state_missing_unexpected_and_default():
    Counter = _counter_class(nn, tg.zeros)
    m = Counter(3)
    sd = m.state_dict()
    del sd["_extra_state"]
    with pytest.raises(ValueError, match=r"missing keys \['_extra_state'\]"):
        m.load_state_dict(sd)
    assert m.load_state_dict(sd, strict=False).missing_keys == ["_extra_state"]
    lin = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"unexpected keys \['_extra_state'\]"):
        lin.load_state_dict({**lin.state_dict(), "_extra_state": 1})
    GetOnly = _counter_class(nn, tg.zeros, put=False)  # torch: saved, then unexpected when loaded
    g = GetOnly()
    assert "_extra_state" in g.state_dict()
    with pytest.raises(ValueError, match="unexpected keys"):
        g.load_state_dict(g.state_dict())
    with pytest.raises(RuntimeError, match="Linear.get_extra_state"):
        lin.get_extra_state()
    with pytest.raises(RuntimeError, match="Linear.set_extra_state"):
        lin.set_extra_state({})


def test_buffer_named_like_extra_state_is_still_copied():
    m = nn.Module()
    m.register_buffer("my_extra_state", np.zeros(2))
    sd = m.state_dict()
    assert sd["my_extra_state"] is not m.my_extra_state
    sd["my_extra_state"][0] = 5.0
    assert m.my_extra_state[0] == 0.0


def test_extra_state_through_save_and_load(tmp_path):
    Counter = _counter_class(nn, tg.zeros)
    m = Counter(9)
    path = tmp_path / "m.pt"
    tg.save(m.state_dict(), path)
    sd = tg.load(path)
    assert sd["_extra_state"] == {"k": 9, "tag": "x"}
    back = Counter(0)
    back.load_state_dict(sd)
    assert back.k == 9 and np.array_equal(back.lin.W.data, m.lin.W.data)

    class Bad(Counter):
        def get_extra_state(self):
            return {"k": np.float32(1.0)}
    with pytest.raises(TypeError, match="'_extra_state'.*not JSON"):
        tg.save(Bad().state_dict(), tmp_path / "bad.pt")

    class Arr(Counter):
        def get_extra_state(self):
            return np.arange(3.0)
    tg.save(Arr().state_dict(), tmp_path / "arr.pt")
    assert np.array_equal(tg.load(tmp_path / "arr.pt")["_extra_state"], np.arange(3.0))


def test_hostile_extra_state_in_a_file(tmp_path):
    meta = {"version": 3, "model": None, "config": None, "extra": {},
            "extra_state": {"W": [1, 2]}}  # would shadow a weight
    path = tmp_path / "evil.pt"
    container.save(path, {"state/W": np.zeros(2)}, meta, format=checkpoint.FORMAT,
                   kind="state_dict")
    with pytest.raises(ValueError, match="refused: extra state under 'W'"):
        tg.load(path)
    meta["extra_state"] = {"_extra_state": 1}
    container.save(path, {"state/_extra_state": np.zeros(2)}, meta, format=checkpoint.FORMAT,
                   kind="state_dict")
    with pytest.raises(ValueError, match="also an array"):
        tg.load(path)


def _tree(nn_mod, rng):
    """A random tree of Sequentials and Linears (the same draws for both libraries)."""
    def build(depth):
        n = rng.randint(1, 3)
        kids = [build(depth + 1) if depth < 2 and rng.random() < 0.5 else nn_mod.Linear(2, 2)
                for _ in range(n)]
        return nn_mod.Sequential(*kids)
    return build(0)


def _hook_log(model, log):
    for name, m in model.named_modules():
        m.register_state_dict_pre_hook(lambda mod, p, kv, name=name: log.append(("pre", name, p)))
        m.register_state_dict_post_hook(
            lambda mod, sd, p, md, name=name: log.append(("post", name, p)))
        m.register_load_state_dict_pre_hook(
            lambda mod, sd, p, md, strict, mk, uk, em, name=name: log.append(("lpre", name, p)))
        m.register_load_state_dict_post_hook(
            lambda mod, keys, name=name: log.append(("lpost", name)))


@pytest.mark.parametrize("seed", range(8))
def test_hook_order_as_torch(seed):
    torch = pytest.importorskip("torch")
    logs = []
    for nn_mod in (nn, torch.nn):
        model, log = _tree(nn_mod, random.Random(seed)), []
        _hook_log(model, log)
        model.load_state_dict(model.state_dict())
        logs.append(log)
    ours, theirs = logs
    for kind in ("pre", "post", "lpre", "lpost"):  # (torch interleaves pre and post; each
        assert [e for e in ours if e[0] == kind] == [e for e in theirs if e[0] == kind]  # order)


def test_post_hooks_must_return_none():
    m = nn.Linear(2, 2)
    m.register_state_dict_post_hook(lambda *a: {})
    with pytest.raises(RuntimeError, match="post-hook .* must return None"):
        m.state_dict()
    m = nn.Linear(2, 2)
    m.register_load_state_dict_post_hook(lambda mod, keys: 5)
    with pytest.raises(RuntimeError, match="post-hook .* must return None"):
        m.load_state_dict(m.state_dict())


def test_post_hook_may_clear_keys_and_strict_judges_what_is_left():
    m = nn.Linear(2, 2)
    h = m.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.clear())
    w = np.full((2, 2), 3.0)
    assert m.load_state_dict({"W": w, "b": np.zeros(2), "zz": np.ones(1)}) == ([], [])
    assert np.array_equal(m.W.data, w)
    h.remove()
    m.register_load_state_dict_post_hook(lambda mod, keys: None)
    with pytest.raises(ValueError, match=r"unexpected keys \['zz'\].*post-hooks"):
        m.load_state_dict({"W": w * 2, "b": np.zeros(2), "zz": np.ones(1)})
    assert np.array_equal(m.W.data, w * 2)  # loaded first, as torch's


def test_load_pre_hook_renames_and_refuses():
    m = nn.Linear(2, 2)

    def rename(mod, sd, prefix, md, strict, missing, unexpected, errors):
        if prefix + "old_w" in sd:
            sd[prefix + "W"] = sd.pop(prefix + "old_w")
    m.register_load_state_dict_pre_hook(rename)
    given = {"old_w": np.ones((2, 2)), "b": np.zeros(2)}
    m.load_state_dict(given)
    assert np.array_equal(m.W.data, np.ones((2, 2))) and "old_w" in given  # (a copy changed)
    m.register_load_state_dict_pre_hook(lambda mod, sd, *a: a[-1].append("version 0 refused"))
    with pytest.raises(ValueError, match="pre-hook: version 0 refused"):
        m.load_state_dict({"old_w": np.zeros((2, 2)), "b": np.zeros(2)})
    assert np.array_equal(m.W.data, np.ones((2, 2)))  # nothing written


def test_state_hooks_leave_forward_hooks_and_jit_alone():
    m = nn.Linear(2, 2)
    h = m.register_state_dict_pre_hook(lambda *a: None)
    assert not m._hooks  # Module.__call__'s fast path and the jit see no forward hooks
    h.remove()
    calls = []
    m.register_state_dict_pre_hook(lambda *a: calls.append(1))
    m.state_dict()
    assert calls == [1]
    with pytest.raises(TypeError, match="register_state_dict_pre_hook: the hook must be callable"):
        m.register_state_dict_pre_hook(3)
