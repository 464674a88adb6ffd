"""Review of 0208022 (nn.Module extra state, the state-dict hooks, extra state in checkpoints):
a module used twice (torch's state dict lists its extra state under each name), missing keys in
torch's order, extra state that a checkpoint changed or could not read back, a hostile old
checkpoint carrying extra state, and the training loop's best state holding the live extra
state."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint, container, nn
from tinygrad_dl.train.loop import Best


def _extra_class(nn_mod):
    class Holder(nn_mod.Module):
        def __init__(self, v=0):
            super().__init__()
            self.v = v

        def get_extra_state(self):
            return {"v": self.v}

        def set_extra_state(self, state):
            self.v = state["v"]

    return Holder


def test_module_used_twice_loads_torchs_state_dict():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(*[_extra_class(torch.nn)(7)] * 2)
    sd = theirs.state_dict()
    assert list(sd) == ["0._extra_state", "1._extra_state"]  # torch lists each name
    h = _extra_class(nn)(0)
    ours = nn.Sequential(h, h)
    assert list(ours.state_dict()) == ["0._extra_state"]  # ours the first (as tied weights)
    assert ours.load_state_dict(sd) == ([], [])  # was: unexpected keys ['1._extra_state']
    assert h.v == 7
    h.v = 0
    assert ours.load_state_dict({"1._extra_state": {"v": 3}}) == ([], [])
    assert h.v == 3
    with pytest.raises(ValueError, match="'1._extra_state' and '0._extra_state'.*different"):
        ours.load_state_dict({"0._extra_state": {"v": 1}, "1._extra_state": {"v": 2}})
    assert h.v == 3  # nothing loaded


def test_missing_extra_state_in_torchs_order():
    torch = pytest.importorskip("torch")
    got = []
    for nn_mod in (nn, torch.nn):
        root = _extra_class(nn_mod)(1)
        root.lin = nn_mod.Linear(2, 2)
        root.sub = _extra_class(nn_mod)(2)
        got.append([k.replace("lin.W", "lin.weight").replace("lin.b", "lin.bias")
                    if nn_mod is nn else k
                    for k in root.load_state_dict({}, strict=False).missing_keys])
    assert got[0] == got[1] == ["_extra_state", "lin.weight", "lin.bias", "sub._extra_state"]


@pytest.mark.parametrize("state", [{0: "pad", 1: "unk"}, {"a": {2.5: 1}}, [{True: 1}]])
def test_save_refuses_dict_keys_json_turns_into_str(tmp_path, state):
    m = _extra_class(nn)(state)  # (was saved and loaded back as {'0': 'pad', '1': 'unk'})
    with pytest.raises(TypeError, match="'_extra_state'.*dict key .* str"):
        tg.save(m.state_dict(), tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()


def _nested(depth):
    v = 1
    for _ in range(depth):
        v = [v]
    return v


def test_save_refuses_extra_state_load_would_refuse(tmp_path):
    m = _extra_class(nn)(0)
    m.v = _nested(29)  # {"v": ...}: 30 levels, what a checkpoint holds
    tg.save(m.state_dict(), tmp_path / "ok.pt")
    assert tg.load(tmp_path / "ok.pt")["_extra_state"] == {"v": _nested(29)}
    m.v = _nested(30)  # (was written, then load refused it: nested deeper than 32 levels)
    with pytest.raises(TypeError, match="'_extra_state'.*nested deeper than the 30 levels"):
        tg.save(m.state_dict(), tmp_path / "deep.pt")
    m.v = ["x" * 1000] * 1100  # ~4.4 MB of metadata (was written, then refused by load)
    with pytest.raises(ValueError, match="metadata would be .* over the 4194304-byte limit"):
        tg.save(m.state_dict(), tmp_path / "big.pt")
    assert not (tmp_path / "deep.pt").exists() and not (tmp_path / "big.pt").exists()


@pytest.mark.parametrize("version", [1, 2])
def test_hostile_old_checkpoint_with_extra_state(tmp_path, version):
    meta = {"version": version, "model": None, "config": None, "extra": {},
            "extra_state": {"_extra_state": {"a": 1}}}
    path = tmp_path / "evil.pt"
    container.save(path, {"state/W": np.zeros((2, 2))}, meta, format=checkpoint.FORMAT,
                   kind="state_dict")  # (was AttributeError: 'dict' object has no 'ndim')
    with pytest.raises(ValueError, match=f"refused: extra state in a version-{version} "):
        tg.load(path)


def test_best_state_keeps_a_copy_of_extra_state():
    m = _extra_class(nn)(0)
    m.v = {"n": 1}
    best = Best(m, "acc", higher=True)
    best.offer(0.5, 1)
    m.v["n"] = 99  # the live state changes after the best one was kept
    assert best.state["_extra_state"] == {"v": {"n": 1}}  # was a 0-d object array, then 99
    m.load_state_dict(best.state)
    assert m.v == {"n": 1}


def test_module_used_thrice_with_tensor_extra_state_from_torch():
    torch = pytest.importorskip("torch")

    class Scale(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.s = torch.arange(3.0)

        def get_extra_state(self):
            return self.s.clone()  # a new tensor under each name

    class Ours(nn.Module):
        def set_extra_state(self, state):
            self.s = np.asarray(state)

    sd = torch.nn.Sequential(*[Scale()] * 3).state_dict()
    h = Ours()
    assert nn.Sequential(h, h, h).load_state_dict(sd) == ([], [])
    assert np.array_equal(h.s, np.arange(3.0))
    sd = {"1._extra_state": torch.zeros(3), "2._extra_state": torch.ones(3)}
    with pytest.raises(ValueError, match="'[12]._extra_state' and '0._extra_state'.*different"):
        nn.Sequential(h, h, h).load_state_dict(sd)
