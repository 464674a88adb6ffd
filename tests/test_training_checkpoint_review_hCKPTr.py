"""Review of the training-checkpoint "tree" kind (hCKPTr): forged node tables refused in one line
naming the file (a dict with a key twice kept the last silently; an 'f' node holding a list
raised an unhashable TypeError; ints past 64 bits, which save never writes, were taken), int keys
past 64 bits refused on save, and a dict that is no flat state dict because of a str, None or
a list of dicts ({"mode": "min", ...}: a ReduceLROnPlateau's state) saved as a tree (it was
refused: "state entry 'mode' has dtype <U3")."""
from __future__ import annotations

import json
from collections import OrderedDict, defaultdict

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint, nn, optim
from tinygrad_dl.models import KLayer


def _forge(p, tree, arrays=None, raw=None):
    meta = raw if raw is not None else json.dumps(
        {"format": checkpoint.FORMAT, "kind": "tree", "version": checkpoint.VERSION, "tree": tree})
    out = {k: np.asarray(v) for k, v in (arrays or {}).items()}
    out["__meta__"] = np.array(meta)
    with open(p, "wb") as f:
        np.savez(f, **out)
    return p


def _refused(p):
    with pytest.raises(ValueError) as e:
        tg.load(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}: ") and "\n" not in msg
    return msg


# ---- regressions: failed before the review's fix -----------------------------------------------
def test_a_forged_dict_with_a_key_twice_is_refused(tmp_path):
    p = _forge(tmp_path / "c.npz", [["v", 1], ["v", 2], ["d", [["a", 0], ["a", 1]]]])
    assert "key 'a' twice" in _refused(p)  # was {'a': 2}, the first value dropped


@pytest.mark.parametrize("val", [["nan"], {"a": 1}])
def test_a_forged_float_node_holding_a_container_is_refused(tmp_path, val):
    p = _forge(tmp_path / "c.npz", [["f", val], ["d", [["a", 0]]]])
    assert "not 'nan', 'inf' or '-inf'" in _refused(p)  # was TypeError: unhashable type


@pytest.mark.parametrize("tree", [[["v", 2**64], ["d", [["a", 0]]]],
                                  [["v", -2**63 - 1], ["d", [["a", 0]]]],
                                  [["v", 1], ["d", [[2**70, 0]]]]],
                         ids=["value 2**64", "value -2**63-1", "key 2**70"])
def test_a_forged_int_past_64_bits_is_refused(tmp_path, tree):
    _refused(_forge(tmp_path / "c.npz", tree))  # was taken: save never writes one


def test_an_int_key_past_64_bits_is_refused_on_save(tmp_path):
    p = tmp_path / "c.npz"
    with pytest.raises(TypeError, match=r"'x' has the key 1267650600228229401496703205376 "
                                        r"\(int\); .* str or 64-bit int"):
        tg.save({"x": {2**100: 1}}, p)
    assert not p.exists()
    tg.save({"x": {2**64 - 1: 1, -2**63: 2}}, p)
    assert tg.load(p) == {"x": {2**64 - 1: 1, -2**63: 2}}


@pytest.mark.parametrize("obj", [
    {"mode": "min", "best": float("inf"), "epoch": 3},
    {"w": np.arange(3.0), "note": None},
    {"epoch": 3, "history": [{"loss": 0.5}, {"loss": 0.25}]},
    {"names": ["a", "b"], "n": 2},
], ids=["str", "None", "list of dicts", "list of str"])
def test_a_dict_with_a_str_none_or_nested_entry_is_saved_as_a_tree(tmp_path, obj):
    p = tmp_path / "c.npz"
    tg.save(obj, p)  # was "state entry 'mode' has dtype <U3" (or dtype object)
    back = tg.load(p)
    with pytest.raises(ValueError, match="holds a training checkpoint"):
        checkpoint.read(p)
    assert back.keys() == obj.keys()
    for k, v in obj.items():
        if isinstance(v, np.ndarray):
            assert back[k].dtype == v.dtype and np.array_equal(back[k], v)
        else:
            assert back[k] == v and type(back[k]) is type(v)


def test_a_reduce_lr_on_plateau_state_dict_round_trips(tmp_path):
    net = nn.Linear(2, 1)
    s = optim.lr_scheduler.ReduceLROnPlateau(optim.SGD(net.parameters(), lr=0.1), patience=0)
    for loss in (1.0, 0.5, 0.7, 0.9):
        s.step(loss)
    tg.save(s.state_dict(), tmp_path / "s.npz")  # was refused: 'mode' is a str
    r = optim.lr_scheduler.ReduceLROnPlateau(optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1))
    r.load_state_dict(tg.load(tmp_path / "s.npz"))
    assert r.state_dict() == s.state_dict()


# ---- what the review judged right (guards) ---------------------------------------------------
def test_flat_state_dicts_keep_the_state_dict_kind(tmp_path):
    class Extra(nn.Module):
        def __init__(self):
            super().__init__()
            self.l = nn.Linear(2, 2)

        def get_extra_state(self):
            return {"k": [1, 2], "s": "x"}

        def set_extra_state(self, v):
            pass

    for obj in (KLayer(8, [5], 3).state_dict(), Extra().state_dict()):
        tg.save(obj, tmp_path / "f.npz")
        assert checkpoint.read(tmp_path / "f.npz")[0]["kind"] == "state_dict"
    for obj in ({"a": [1.0, 2.0]}, {"b": (0.9, 0.999), "n": 3}):  # (Python values: a tree,
        tg.save(obj, tmp_path / "f.npz")  # which gives them back as they were, as torch's)
        assert checkpoint.load(tmp_path / "f.npz") == obj


@pytest.mark.parametrize("tree, arrays, raw", [
    ([["v", 1], ["d", [[True, 0]]]], None, None),
    ([["a", 0], ["d", [["a", 0]]]], {"tree/0": np.array([1, 2], dtype=object)}, None),
    ([["a", 0], ["d", [["a", 0]]]], {"tree/0": np.zeros(2, dtype=[("a", "f8")])}, None),
    ([["f", "NaN"], ["d", [["a", 0]]]], None, None),
    ([["v", "x" * 3_000_000], ["d", [["a", 0]]]], None, None),
    (None, None, '{"format": "%s", "kind": "tree", "version": %d, "tree": [["v", NaN], '
                 '["d", [["a", 0]]]]}'),
    (None, None, '{"format": "%s", "kind": "tree", "version": %d, "tree": [["v", 1e999], '
                 '["d", [["a", 0]]]]}'),
], ids=["bool key", "object array", "structured", "f NaN", "3 MB str", "JSON NaN", "1e999"])
def test_other_forged_trees_are_refused(tmp_path, tree, arrays, raw):
    if raw is not None:
        raw = raw % (checkpoint.FORMAT, checkpoint.VERSION)
    _refused(_forge(tmp_path / "c.npz", tree, arrays, raw))


def test_a_refusal_mid_tree_leaves_the_old_file(tmp_path):
    p = tmp_path / "c.npz"
    tg.save({"model": {"w": np.ones(2)}, "epoch": 1}, p)
    before = p.read_bytes()
    with pytest.raises(TypeError, match=r"'optimizer'\.'state'\[1\] is a set"):
        tg.save({"model": {"w": np.zeros(2)}, "optimizer": {"state": [1, {2}]}}, p)
    assert p.read_bytes() == before and [q.name for q in tmp_path.iterdir()] == ["c.npz"]


def test_mapping_subclasses_come_back_plain_dicts_and_tensors_as_arrays(tmp_path):
    w = tg.Tensor(np.ones(2), requires_grad=True)
    tg.save({"a": OrderedDict(x=1), "b": defaultdict(list, y=[1]), "w": w}, tmp_path / "c.npz")
    back = tg.load(tmp_path / "c.npz")
    assert type(back["a"]) is dict and type(back["b"]) is dict and back["b"] == {"y": [1]}
    assert type(back["w"]) is np.ndarray and np.array_equal(back["w"], np.ones(2))
