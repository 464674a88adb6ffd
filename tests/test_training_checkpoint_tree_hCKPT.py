"""tg.save / tg.load of PyTorch's training-checkpoint habit (hCKPT, 2026-12-07):
`save({"model": sd, "optimizer": opt_sd, "scheduler": sched_sd, "epoch": 3}, path)` is written as
a "tree" (a flat JSON table of nodes + array members, no pickle) and comes back exactly; a run
resumed from it equals the uninterrupted run bit for bit; hostile tree metas are refused in one
line naming the file."""

from __future__ import annotations

import json
import math
import zipfile

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint, container, nn, optim
from tinygrad_dl.optim import lr_scheduler as sch

OPTS = [
    (optim.SGD, dict(lr=0.05)), (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (optim.Adam, dict(lr=0.01, amsgrad=True)), (optim.AdamW, dict(lr=0.01, amsgrad=True)),
    (optim.Adam, dict(lr=0.01, betas=(0.8, 0.99))), (optim.Adamax, dict(lr=0.01)),
    (optim.NAdam, dict(lr=0.01)), (optim.RAdam, dict(lr=0.01)), (optim.AdaGrad, dict(lr=0.1)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01)), (optim.Adadelta, dict()),
    (optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True)), (optim.Rprop, dict(lr=0.01)),
    (optim.ASGD, dict(lr=0.01, t0=2)), (optim.LBFGS, dict(lr=0.5, max_iter=3, history_size=4)),
]
SCHEDS = [
    (sch.StepLR, dict(step_size=2, gamma=0.5)), (sch.ExponentialLR, dict(gamma=0.9)),
    (sch.CosineAnnealingLR, dict(T_max=5)), (sch.MultiStepLR, dict(milestones=[1, 3])),
    (sch.LinearLR, dict(total_iters=4)), (sch.PolynomialLR, dict(total_iters=4)),
    (sch.CosineAnnealingWarmRestarts, dict(T_0=3)), (sch.ReduceLROnPlateau, dict(patience=0)),
    (sch.OneCycleLR, dict(max_lr=0.1, total_steps=20)),
]


def _setup(cls, kw, dtype, sched=None):
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    for p in net.parameters():
        p.data = p.data.astype(dtype)
    opt = cls(net.parameters(), **kw)
    return net, opt, (sched[0](opt, **sched[1]) if sched else None)


def _run(net, opt, sc, steps, start):
    for i in range(start, start + steps):
        rng = np.random.default_rng(i)
        x = tg.Tensor(rng.standard_normal((5, 3)).astype(net[0].weight.data.dtype))
        y = tg.Tensor(rng.standard_normal((5, 2)).astype(net[0].weight.data.dtype))

        def closure(x=x, y=y):
            opt.zero_grad()
            loss = ((net(x) - y) ** 2).mean()
            loss.backward()
            return loss
        loss = opt.step(closure) if isinstance(opt, optim.LBFGS) else (closure(), opt.step())[0]
        if sc is not None:
            sc.step(float(loss.data)) if isinstance(sc, sch.ReduceLROnPlateau) else sc.step()


def _resume_equals_uninterrupted(tmp_path, cls, kw, dtype, sched=None):
    net, opt, sc = _setup(cls, kw, dtype, sched)
    _run(net, opt, sc, 3, 0)
    ck = {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "best": 0.42}
    if sc is not None:
        ck["scheduler"] = sc.state_dict()
    tg.save(ck, tmp_path / "ck.pt")
    _run(net, opt, sc, 3, 3)
    net2, opt2, sc2 = _setup(cls, kw, dtype, sched)  # fresh objects, another init
    for p in net2.parameters():
        p.data = p.data * 0 + 7
    back = tg.load(tmp_path / "ck.pt")
    net2.load_state_dict(back["model"])
    opt2.load_state_dict(back["optimizer"])
    if sc2 is not None:
        sc2.load_state_dict(back["scheduler"])
    assert back["epoch"] == 3 and back["best"] == 0.42
    _run(net2, opt2, sc2, 3, 3)
    for (k, a), b in zip(net.state_dict().items(), net2.state_dict().values()):
        assert a.dtype == b.dtype == dtype and a.tobytes() == b.tobytes(), k
    if sc is not None:
        assert opt.param_groups[0]["lr"] == opt2.param_groups[0]["lr"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls,kw", OPTS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_optimizer_resumes_bit_for_bit(tmp_path, cls, kw, dtype) -> None:
    _resume_equals_uninterrupted(tmp_path, cls, kw, dtype)


@pytest.mark.parametrize("sched", SCHEDS, ids=lambda s: s[0].__name__)
def test_schedulers_resume_bit_for_bit(tmp_path, sched) -> None:
    _resume_equals_uninterrupted(tmp_path, optim.SGD, dict(lr=0.05, momentum=0.9), np.float64,
                                 sched)


def test_leaves_and_containers_round_trip_exactly(tmp_path) -> None:
    obj = {"t": (0.9, 0.999), 0: {1: None, -2: "x"}, "f": [-0.0, math.inf, -math.inf, math.nan],
           "b": [True, False], "i": [2**63 - 1, -2**63, 2**64 - 1], "e": ((), [], {}),
           "a": np.arange(6, dtype=np.int16).reshape(2, 3), "s": np.float32(1.5),
           "T": tg.Tensor(np.eye(2)), "u": "é\n\"{[", "1.0": 1.0, "1": 1}
    tg.save(obj, tmp_path / "x.npz")
    back = tg.load(tmp_path / "x.npz")
    assert list(back) == list(obj) and back["t"] == (0.9, 0.999) and type(back["t"]) is tuple
    assert back[0] == {1: None, -2: "x"} and back["e"] == ((), [], {})
    f = back["f"]
    assert math.copysign(1, f[0]) == -1 and f[1:3] == [math.inf, -math.inf] and math.isnan(f[3])
    assert back["b"] == [True, False] and all(type(b) is bool for b in back["b"])
    assert back["i"] == obj["i"] and type(back["1.0"]) is float and type(back["1"]) is int
    assert back["a"].dtype == np.int16 and np.array_equal(back["a"], obj["a"])
    assert type(back["s"]) is np.float32 and back["s"] == 1.5
    assert isinstance(back["T"], np.ndarray) and np.array_equal(back["T"], np.eye(2))
    assert back["u"] == obj["u"]


def test_flat_state_dict_keeps_todays_kind(tmp_path) -> None:
    net = nn.Linear(2, 2)
    tg.save(net.state_dict(), tmp_path / "m.npz")
    assert checkpoint.read(tmp_path / "m.npz")[0]["kind"] == "state_dict"


@pytest.mark.parametrize("obj,where", [
    ({"optimizer": {"param_groups": [{"foreach": len}]}},
     r"'optimizer'\.'param_groups'\[0\]\.'foreach' is a builtin_function_or_method"),
    ({"m": {(1, 2): 3}}, r"'m' has the key \(1, 2\)"), ({"m": {"x": 2**64}}, "beyond 64 bits"),
    ({"m": {"x": np.array(["a"])}}, r"'m'\.'x' is an array of <U1"),
])
def test_what_no_tree_holds_is_refused_naming_its_path(tmp_path, obj, where) -> None:
    with pytest.raises((TypeError, ValueError), match=where):
        tg.save(obj, tmp_path / "x.npz")
    deep: list = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(ValueError, match="deeper than the 30 levels"):
        tg.save({"m": {"d": deep}}, tmp_path / "x.npz")
    assert not any(tmp_path.iterdir())


def _forge(path, tree, arrays=None):
    meta = {"version": 3, "extra": {}, "tree": tree, "format": checkpoint.FORMAT, "kind": "tree"}
    np.savez(path, __meta__=np.array(json.dumps(meta)), **(arrays or {}))


BIG = [["v", 0]] * 400_000 + [["l", list(range(400_000))]]
HOSTILE = {
    "missing member": ([["a", 0], ["l", [0]]], {}),
    "member twice": ([["a", 0], ["a", 0], ["l", [0, 1]]], {"tree/0": np.zeros(2)}),
    "node twice": ([["v", 1], ["l", [0, 0]]], {}),
    "forward child": ([["l", [1]], ["v", 1]], {}),
    "deep": ([["v", 1]] + [["l", [i]] for i in range(10**4)], {}),
    "3 MB": (BIG, {}),  # (its npy text is 4 bytes a char: over the metadata's 4 MiB)
    "key type": ([["v", 1], ["d", [[1.5, 0]]]], {}),
    "null key": ([["v", 1], ["d", [[None, 0]]]], {}),
    "tuple of 10**9": ([["t", 10**9]], {}),
    "unknown tag": ([["x", 1]], {}),
    "float leaf": ([["v", [1]]], {}),
    "unused member": ([["d", []]], {"tree/0": np.zeros(2)}),
    "scalar not 0-d": ([["s", 0], ["d", [["x", 0]]]], {"tree/0": np.zeros(2)}),
    "root no dict": ([["v", 1], ["t", [0]]], {}),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_tree_metas_are_refused_in_one_line(tmp_path, name) -> None:
    path = tmp_path / "h.npz"
    _forge(path, *HOSTILE[name])
    with pytest.raises(ValueError) as e:
        tg.load(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_a_tree_file_read_as_a_flat_state_dict_is_refused(tmp_path) -> None:
    tg.save({"model": {"w": np.ones(2)}, "epoch": 1}, tmp_path / "t.npz")
    with pytest.raises(ValueError, match=r"t\.npz: holds a training checkpoint .*\.load\(path\)"):
        checkpoint.read(tmp_path / "t.npz")
    old = {k: v for k, v in checkpoint.SCHEMAS.items() if k != "tree"}  # today's readers
    with pytest.raises(ValueError, match=r"t\.npz: refused: meta 'kind' must be one of"):
        container.read(tmp_path / "t.npz", format=checkpoint.FORMAT, schemas=old)
    with zipfile.ZipFile(tmp_path / "t.npz") as z:
        assert sorted(z.namelist()) == ["__meta__.npy", "tree/0.npy"]


def test_nan_in_a_tree_array_is_refused_unless_allowed(tmp_path) -> None:
    tg.save({"model": {"w": np.array([1.0, np.nan])}}, tmp_path / "n.npz")
    with pytest.raises(ValueError, match=r"n\.npz: refused: NaN/inf in the array tree/0"):
        tg.load(tmp_path / "n.npz")
    assert np.isnan(tg.load(tmp_path / "n.npz", allow_nonfinite=True)["model"]["w"][1])
