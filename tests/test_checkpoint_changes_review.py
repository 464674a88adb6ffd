"""The hardening of saving and loading (a5e9db6) reviewed for what it broke: legitimate files
and state dicts it refused, and the places its "all or nothing" and tied-weight rules missed.
Each test failed before its fix."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn, optim


# ---- a CIFAR batch of 50,000 images whose labels are NumPy integers ---------------------------
@pytest.mark.parametrize("proto", [0, 1])
def test_a_50000_image_batch_with_numpy_labels_loads(tmp_path: Path, proto: int) -> None:
    """Protocols 0 and 1 build each tuple with MARK ... TUPLE: both were counted as a
    container, so a batch of 50,000 images (labels `list(y)` of np.int64, three MARKs each)
    was refused as "more containers than a CIFAR-10 batch has"; it loaded before the caps."""
    from tinygrad_dl.data.safe_pickle import load_array_pickle, materialize

    n = 50000
    y = np.random.default_rng(0).integers(0, 10, n)
    d = {b"labels": list(y), b"filenames": [b"f_%06d.png" % i for i in range(n)],
         b"data": np.zeros((2, 3072), np.uint8)}  # (the image bytes add no opcodes)
    p = tmp_path / "data_batch"
    p.write_bytes(pickle.dumps(d, protocol=proto))
    got = load_array_pickle(p)
    assert [int(materialize(v)) for v in got[b"labels"]] == y.tolist()
    assert len(got[b"filenames"]) == n


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_one_byte_marks_are_still_refused(tmp_path: Path) -> None:
    from tinygrad_dl.data.cifar import load_cifar_batch

    for body in (b"(" * (2 << 20), b"(l" * (1 << 20)):
        p = tmp_path / "data_batch_1"
        p.write_bytes(b"\x80\x02" + body + b".")
        with pytest.raises(ValueError, match="more containers than a CIFAR-10 batch"):
            load_cifar_batch(p)


# ---- optimizer step counters in another spelling of a whole number ----------------------------
def _model() -> nn.Linear:
    rng = np.random.default_rng(0)
    lin = nn.Linear(4, 3)
    lin.W.data[...] = rng.standard_normal(lin.W.data.shape)
    lin.b.data[...] = rng.standard_normal(3)
    return lin


_X = np.random.default_rng(1).standard_normal((8, 4))
_Y = np.random.default_rng(2).standard_normal((8, 3))


def _step(lin: nn.Linear, opt: Any) -> None:
    def closure() -> Any:
        opt.zero_grad()
        loss = ((lin(tg.Tensor(_X)) - tg.Tensor(_Y)) ** 2).mean()
        loss.backward()
        return loss

    if isinstance(opt, optim.LBFGS):
        opt.step(closure)
    else:
        closure()
        opt.step()


OPTIMIZERS = [("Adam", {"lr": 0.01}), ("AdamW", {"lr": 0.01, "amsgrad": True}),
              ("Adagrad", {"lr": 0.1}), ("Adadelta", {"lr": 1.0}), ("Adamax", {"lr": 0.01}),
              ("NAdam", {"lr": 0.01}), ("RAdam", {"lr": 0.01}), ("ASGD", {"lr": 0.01}),
              ("Rprop", {"lr": 0.01}), ("LBFGS", {"lr": 0.5, "max_iter": 3})]
SPELLINGS = {"float": float, "np.float64": np.float64, "0-d int array": np.array,
             "0-d float array": lambda v: np.array(float(v))}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS)
def test_a_step_counter_spelled_as_a_whole_float_or_0d_array_loads(name: str, kw: dict,
                                                                    spelling: str) -> None:
    """t = 3.0 (torch keeps its step as a float tensor) loaded before the counters were
    checked, and steps as 3; it was refused as "must be a whole number >= 0, got float 3.0".
    A 0-d array (a torch step converted with .numpy()) was refused as of the wrong shape."""
    cls = getattr(optim, name)
    a = _model()
    oa = cls(a.parameters(), **kw)
    for _ in range(3):
        _step(a, oa)
    sd = oa.state_dict()
    _step(a, oa)
    counters = ("func_evals", "n_iter") if name == "LBFGS" else ("t", "step")
    edited = copy.deepcopy(sd)
    for st in edited["state"]:
        for k in counters:
            if k in st:
                st[k] = SPELLINGS[spelling](st[k])
    b = _model()
    ob = cls(b.parameters(), **kw)
    for _ in range(3):
        _step(b, ob)
    ob2 = cls(b.parameters(), **kw)
    ob2.load_state_dict(edited)
    assert all(type(st[k]) is int for st in ob2.state for k in counters if k in st)
    _step(b, ob2)
    for p, q in zip(a.parameters(), b.parameters()):
        assert np.array_equal(p.data, q.data)


@pytest.mark.parametrize("bad", [3.5, -1.0, float("nan"), float("inf"), True, np.array(2.5),
                                 np.array(-1), np.array([3])])
def test_a_counter_that_is_not_a_whole_number_is_still_refused(bad: Any) -> None:
    lin = _model()
    opt = optim.Adam(lin.parameters(), lr=0.01)
    _step(lin, opt)
    sd = opt.state_dict()
    sd["state"][0]["step"] = bad
    with pytest.raises(ValueError, match="Adam.load_state_dict: parameter 0's"):
        opt.load_state_dict(sd)
    assert opt.state[0]["step"] == 1


# ---- load_state_dict: all or nothing for a read-only parameter -------------------------------
def test_a_read_only_parameter_refuses_the_load_before_anything_is_copied() -> None:
    """A read-only parameter (assign=True from a read-only array, or one made read-only)
    raised NumPy's "assignment destination is read-only" after the entries before it had been
    copied: a half-loaded model."""
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    before = {k: v.copy() for k, v in m.state_dict().items()}
    m[1].W.data.flags.writeable = False
    sd = {k: np.full_like(v, 7.0) for k, v in before.items()}
    with pytest.raises(ValueError, match=r"parameter '1\.W' is a read-only array"):
        m.load_state_dict(sd)
    for k, v in m.state_dict().items():
        assert np.array_equal(v, before[k]), k


# ---- tied weights and shared modules from torch -----------------------------------------------
def test_a_torch_tied_weight_holding_nan_loads() -> None:
    """torch lists one tensor under both names; NaN != NaN made them "different values"."""
    torch = pytest.importorskip("torch")
    tl = torch.nn.Linear(3, 3).double()
    with torch.no_grad():
        tl.weight[0, 0] = float("nan")
    ours = nn.Linear(3, 3)
    model = nn.Sequential(ours, ours)
    model.load_state_dict(torch.nn.Sequential(tl, tl).state_dict())
    np.testing.assert_array_equal(ours.W.data, tl.weight.detach().numpy())


def test_tied_names_of_other_shapes_say_so() -> None:
    lin = nn.Linear(3, 3)
    model = nn.Sequential(lin, lin)
    with pytest.raises(ValueError, match=r"shapes \(2, 3\) and \(3, 3\)"):
        model.load_state_dict({"0.W": np.ones((3, 3)), "1.W": np.ones((2, 3)),
                               "0.b": np.zeros(3)})


def test_tied_names_that_load_as_the_same_float32_values_are_accepted() -> None:
    """A float32 model: one name holding float64 values, the other their float32 rounding,
    load the same weight; a float64 model still refuses them (they differ there)."""
    w = np.random.default_rng(0).standard_normal((3, 3))
    sd = {"0.W": w, "1.W": w.astype(np.float32), "0.b": np.zeros(3)}
    lin = nn.Linear(3, 3).float()
    nn.Sequential(lin, lin).load_state_dict(sd)
    assert np.array_equal(lin.W.data, w.astype(np.float32))
    lin64 = nn.Linear(3, 3)
    with pytest.raises(ValueError, match="different values"):
        nn.Sequential(lin64, lin64).load_state_dict(sd)


def test_a_torch_state_dict_of_a_shared_batch_norm_loads() -> None:
    """torch's state_dict lists a shared module's buffers under every name, as its
    parameters: the parameters loaded, the buffers were unexpected keys."""
    torch = pytest.importorskip("torch")
    tb = torch.nn.BatchNorm1d(3).double()
    tseq = torch.nn.Sequential(tb, tb)
    tseq(torch.randn(5, 3, dtype=torch.float64))
    bn = nn.BatchNorm1d(3)
    seq = nn.Sequential(bn, bn)
    keys = seq.load_state_dict(tseq.state_dict())
    assert keys.missing_keys == [] and keys.unexpected_keys == []
    np.testing.assert_array_equal(bn.running_mean, tb.running_mean.numpy())
    np.testing.assert_array_equal(bn.running_var, tb.running_var.numpy())
    # differing values under the two names are refused, as for a tied parameter
    sd = tseq.state_dict()
    sd["1.running_mean"] = sd["1.running_mean"] + 1
    with pytest.raises(ValueError, match="different values"):
        seq.load_state_dict(sd)


@pytest.mark.parametrize("assign", [False, True])
def test_a_refused_load_leaves_a_live_graph_usable(assign: bool) -> None:
    """The check of each parameter gave it a copy when a live graph held its array (as the
    write does), so a load refused at a later entry had changed nothing, yet the graph's
    backward raised "an array ... was replaced by Sequential.load_state_dict()"."""
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    x = tg.Tensor(np.ones((3, 2)))
    loss = m(x).sum()
    sd = m.state_dict()
    sd["1.W"] = np.ones((3, 3))
    with pytest.raises(ValueError, match=r"'1\.W' has shape \(3, 3\)"):
        m.load_state_dict(sd, assign=assign)
    loss.backward()
    assert m[0].W.grad is not None
    # a load that does happen still protects the graph
    loss = m(x).sum()
    m.load_state_dict(m.state_dict())
    with pytest.raises(RuntimeError, match="replaced by Sequential.load_state_dict"):
        loss.backward()


def test_a_torch_meta_tensor_is_one_line_naming_the_entry() -> None:
    torch = pytest.importorskip("torch")
    lin = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="'W' is not an array of numbers"):
        lin.load_state_dict({"W": torch.empty(2, 2, device="meta"), "b": np.zeros(2)})
