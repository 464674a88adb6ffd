"""Saving and loading reviewed as an attacker and against torch 2.13: a zip whose directory
claims more stored bytes than the file holds, load_state_dict all or nothing (and its entries
read in one line: ragged lists, object arrays, torch tensors that require grad or are
bfloat16), tied weights under torch's names, and optimizer states whose per-parameter values
are not what a step can use."""

from __future__ import annotations

import copy
import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.lib import format as npy
from test_state_hostile import refused_peak  # (one helper: load under tracemalloc)

import tinygrad_dl as tg
from tinygrad_dl import nn, optim


# ---- a stored member claiming GiBs in a 1 KB file ---------------------------------------------
def _forged_stored_member(path: Path, claimed: int) -> None:
    """A checkpoint whose one array member's local and central headers claim `claimed` more
    stored bytes (and the npy header a shape to match), in a file of about 1 KB."""
    meta = {"format": "tinygrad_dl.checkpoint", "kind": "state_dict", "version": 3,
            "model": None, "config": None, "extra": {}}
    b = io.BytesIO()
    npy.write_array(b, np.array(json.dumps(meta)))
    h = io.BytesIO()
    npy.write_array_header_1_0(h, {"descr": "<f8", "fortran_order": False,
                                   "shape": (claimed // 8,)})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("__meta__.npy", b.getvalue())
        z.writestr("state/w.npy", h.getvalue() + bytes(64))
    data = bytearray(buf.getvalue())
    size = len(h.getvalue()) + claimed
    for sig, name_at, sizes_at in ((b"PK\x03\x04", 30, 18), (b"PK\x01\x02", 46, 20)):
        i = data.find(sig)
        while i >= 0:
            n = struct.unpack_from("<H", data, i + name_at - 4 if sig == b"PK\x03\x04"
                                   else i + 28)[0]
            if bytes(data[i + name_at:i + name_at + n]) == b"state/w.npy":
                struct.pack_into("<II", data, i + sizes_at, size, size)
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))


def test_stored_member_claiming_more_than_the_file_allocates_nothing(tmp_path: Path) -> None:
    p = tmp_path / "forged.npz"
    _forged_stored_member(p, 1 << 30)
    assert p.stat().st_size < 2000
    peak, err = refused_peak(tg.load, p)
    # (before: zipfile read the claimed GiB in one buffered read, allocated up front, and
    # the error was "(EOFError: )", or MemoryError under a memory limit)
    assert peak < 64 << 20, peak
    msg = str(err)
    assert "\n" not in msg and str(p) in msg and "beyond the end" in msg


def test_a_bzip2_member_is_refused_before_it_inflates(tmp_path: Path) -> None:
    """A 1 KB file whose member is bzip2 of 96 MB of zeros, its directory claiming 64 bytes:
    zipfile inflates a bzip2 chunk without a limit (200 MB allocated before the CRC failed)."""
    meta = {"format": "tinygrad_dl.checkpoint", "kind": "state_dict", "version": 3,
            "model": None, "config": None, "extra": {}}
    b, h = io.BytesIO(), io.BytesIO()
    npy.write_array(b, np.array(json.dumps(meta)))
    npy.write_array_header_1_0(h, {"descr": "<f8", "fortran_order": False, "shape": (8,)})
    info = zipfile.ZipInfo("state/w.npy")
    info.compress_type = zipfile.ZIP_BZIP2
    p = tmp_path / "bz.npz"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("__meta__.npy", b.getvalue())
        z.writestr(info, h.getvalue() + bytes(96 << 20))
    data = bytearray(p.read_bytes())
    for sig, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        i = data.find(sig)
        while i >= 0:
            n = struct.unpack_from("<H", data, i + name_at - 4 if name_at == 30 else i + 28)[0]
            if bytes(data[i + name_at:i + name_at + n]) == b"state/w.npy":
                struct.pack_into("<I", data, i + size_at, len(h.getvalue()) + 64)
            i = data.find(sig, i + 4)
    p.write_bytes(bytes(data))
    assert p.stat().st_size < 2000
    peak, err = refused_peak(tg.load, p)
    assert peak < 32 << 20, peak
    assert str(p) in str(err) and "compression method 12" in str(err)


def test_a_truncated_checkpoint_is_one_line(tmp_path: Path) -> None:
    p = tg.save({"w": np.arange(1000.0)}, tmp_path / "m.npz")
    raw = p.read_bytes()
    for n in (len(raw) // 3, len(raw) // 2, len(raw) - 30):
        q = tmp_path / f"t{n}.npz"
        q.write_bytes(raw[:n])
        with pytest.raises(ValueError, match=str(q)) as e:
            tg.load(q)
        assert "\n" not in str(e.value)


# ---- Module.load_state_dict -------------------------------------------------------------------
def _snapshot(m: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in m.state_dict().items()}


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_a_refused_load_state_dict_changes_nothing() -> None:
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    before = _snapshot(m)
    sd = {k: np.full_like(v, 5.0) for k, v in before.items()}
    sd["1.W"] = np.ones((3, 3))  # refused: the first layer's entries came before it
    with pytest.raises(ValueError, match=r"'1.W' has shape \(3, 3\)"):
        m.load_state_dict(sd)
    assert _same(_snapshot(m), before)  # (before: 0.W and 0.b were already 5)
    bn = nn.BatchNorm1d(2)
    before = _snapshot(bn)
    sd = {k: v + 1 for k, v in before.items()}
    sd["num_batches_tracked"] = np.array(2.5)
    with pytest.raises(ValueError, match="num_batches_tracked"):
        bn.load_state_dict(sd)
    assert _same(_snapshot(bn), before)


def test_a_refused_assign_load_changes_nothing() -> None:
    """load_state_dict(assign=True) made each entry a parameter as it went: an integer entry
    after them was refused with the first layer already replaced (merged with all-or-nothing)."""
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    before, ids = _snapshot(m), [id(p.data) for p in m.parameters()]
    sd = {k: np.full_like(v, 5.0) for k, v in before.items()}
    sd["1.W"] = np.ones((2, 2), dtype=np.int64)
    with pytest.raises(TypeError, match=r"assign=True\): '1.W' is int64"):
        m.load_state_dict(sd, assign=True)
    assert _same(_snapshot(m), before) and [id(p.data) for p in m.parameters()] == ids
    sd["1.W"] = np.full((2, 2), 5.0)
    m.load_state_dict(sd, assign=True)
    assert m[0].W.data is sd["0.W"] and float(m[1].W.data[0, 0]) == 5.0


@pytest.mark.parametrize("value, words", [
    ([[1.0, 2.0, 3.0], [4.0, 5.0]], "'W' is not an array of numbers (list"),
    (np.array([[object()] * 3] * 2), "'W' holds object values"),
    ("abc", "'W' holds <U3 values (str)"),
    (None, "'W' holds object values (NoneType)"),
])
def test_an_entry_that_is_not_numbers_is_one_line_naming_it(value: Any, words: str) -> None:
    m = nn.Linear(3, 2)
    with pytest.raises(ValueError) as e:
        m.load_state_dict({"W": value, "b": np.zeros(2)})
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("Linear.load_state_dict:") and words in msg, msg


def test_torch_tensors_that_require_grad_or_are_bfloat16_load_as_torch() -> None:
    torch = pytest.importorskip("torch")
    src = torch.nn.Linear(3, 2)
    for sd in ({k: v.detach().requires_grad_(True) for k, v in src.state_dict().items()},
               {k: v.to(torch.bfloat16) for k, v in src.state_dict().items()}):
        t = torch.nn.Linear(3, 2)
        t.load_state_dict(sd)  # torch: copied under no_grad, bfloat16 cast into float32
        m = nn.Linear(3, 2).float()
        m.load_state_dict(sd)  # (before: torch's "Can't call numpy()" / "unsupported
        #                        ScalarType BFloat16")
        assert m.W.data.dtype == np.float32
        np.testing.assert_array_equal(m.W.data, t.weight.detach().numpy())
        np.testing.assert_array_equal(m.b.data, t.bias.detach().numpy())


def test_save_takes_torch_tensors_that_require_grad_or_are_bfloat16(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    lin = torch.nn.Linear(3, 2)
    p = tg.save(dict(lin.named_parameters()), tmp_path / "p.npz")  # torch.save's habit
    np.testing.assert_array_equal(tg.load(p)["weight"], lin.weight.detach().numpy())
    half = lin.to(torch.bfloat16)  # (before: "Got unsupported ScalarType BFloat16")
    d = tg.load(tg.save(half.state_dict(), tmp_path / "h.npz"))
    assert d["weight"].dtype == np.float32
    np.testing.assert_array_equal(d["weight"], half.weight.float().detach().numpy())


def test_a_read_only_buffer_is_one_line() -> None:
    class R(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            a = np.zeros(2)
            a.setflags(write=False)
            self.register_buffer("x", a)
            self.p = nn.Parameter(np.zeros(2))

    r = R()
    with pytest.raises(ValueError, match=r"R.load_state_dict: buffer 'x' is a read-only"):
        r.load_state_dict({"x": np.ones(2), "p": np.ones(2)})
    assert not r.p.data.any()  # (the parameter before it was not written either)


class _Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 3)
        self.b.W = self.a.W


def test_a_torch_state_dict_with_tied_weights_loads() -> None:
    torch = pytest.importorskip("torch")

    class TT(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = torch.nn.Linear(3, 3), torch.nn.Linear(3, 3)
            self.b.weight = self.a.weight

    t = TT().double()
    sd = {k: v.numpy() for k, v in t.state_dict().items()}
    assert "b.weight" in sd  # torch lists every name of a tied parameter; ours lists one
    m = _Tied()
    m.load_state_dict(sd)  # (before: "unexpected keys ['b.weight']")
    np.testing.assert_array_equal(m.a.W.data, sd["a.weight"])
    assert m.b.W is m.a.W
    np.testing.assert_array_equal(m.b.b.data, sd["b.bias"])
    # a module used twice: torch's state dict lists it under both places
    lin = torch.nn.Linear(2, 2).double()
    sd = {k: v.numpy() for k, v in torch.nn.Sequential(lin, lin).state_dict().items()}
    ours = nn.Linear(2, 2)
    seq = nn.Sequential(ours, ours)
    seq.load_state_dict(sd)
    np.testing.assert_array_equal(ours.W.data, sd["1.weight"])
    # our own names of the other place load too; strict still sees a missing key
    before = _snapshot(m)
    with pytest.raises(ValueError, match=r"missing keys \['a.b'\]"):
        m.load_state_dict({"a.W": np.ones((3, 3)), "b.W": np.ones((3, 3)), "b.b": np.ones(3)})
    assert _same(_snapshot(m), before)


def test_tied_names_holding_different_values_are_refused() -> None:
    m = _Tied()
    before = _snapshot(m)
    sd = {**before, "b.W": before["a.W"] + 1}
    with pytest.raises(ValueError, match="'b.W' and 'a.W' are one tied parameter"):
        m.load_state_dict(sd)
    assert _same(_snapshot(m), before)
    m.load_state_dict({**before, "b.W": before["a.W"].copy()})  # agreeing: fine


# ---- optimizer state dicts --------------------------------------------------------------------
def _stepped(cls: Any, **kw: Any) -> tuple[nn.Module, Any]:
    m = nn.Linear(3, 2)
    o = cls(m.parameters(), **kw)
    for p in m.parameters():
        p.grad = np.ones_like(p.data)
    o.step()
    return m, o


@pytest.mark.parametrize("edit, words", [
    (lambda d: d["state"].__setitem__(0, 5), "'state' must be a list of dicts"),
    (lambda d: d.pop("state"), "'state' must be a list of dicts"),
    (lambda d: d.__setitem__("param_groups", 5), "'param_groups' must be a list of dicts"),
    (lambda d: d.__setitem__("param_groups", [5]), "'param_groups' must be a list of dicts"),
    (lambda d: (d.pop("param_groups"), d.pop("lr")), "neither 'param_groups' nor an 'lr'"),
    (lambda d: (d.pop("param_groups"), d.__setitem__("hyper", 3)), "nor an 'lr' and a dict"),
    (lambda d: d["state"][0].__setitem__("exp_avg", d["state"][0]["exp_avg"].tolist()),
     "state 'exp_avg' must be an array shaped as the parameter, got list"),
    (lambda d: d["state"][0].__setitem__("step", -1), "step count 'step' must be a whole number"),
    (lambda d: d["state"][0].__setitem__("step", 1.5), "step count 'step' must be a whole number"),
    (lambda d: d["state"][0].__setitem__("step", "3"), "step count 'step' must be a whole number"),
    (lambda d: d["state"][0].__setitem__("step", True),
     "step count 'step' must be a whole number"),
])
def test_a_malformed_optimizer_state_is_refused_before_anything_changes(edit: Any,
                                                                        words: str) -> None:
    m, o = _stepped(optim.Adam, lr=0.1)
    d = copy.deepcopy(o.state_dict())
    edit(d)
    o2 = optim.Adam(m.parameters(), lr=0.1)
    before = copy.deepcopy(o2.state)
    with pytest.raises(ValueError) as e:  # (before: AttributeError/KeyError/TypeError, or
        o2.load_state_dict(d)  # loaded, and t = -1 gave NaN weights at the next step)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("Adam.load_state_dict:") and words in msg, msg
    assert o2.state == before


def test_optimizer_state_round_trips_still_load() -> None:
    for cls, kw in ((optim.Adam, {}), (optim.SGD, {"momentum": 0.9}), (optim.ASGD, {}),
                    (optim.NAdam, {}), (optim.Rprop, {}), (optim.Adadelta, {})):
        m, o = _stepped(cls, lr=0.1, **kw)
        sd = o.state_dict()
        o2 = cls(m.parameters(), lr=0.1, **kw)
        o2.load_state_dict(copy.deepcopy(sd))
        for a, b in zip(sd["state"], o2.state_dict()["state"]):
            assert a.keys() == b.keys()
    m = nn.Linear(3, 2)
    o = optim.LBFGS(m.parameters())

    def closure() -> float:
        for p in m.parameters():
            p.grad = p.data.copy()
        return float(sum((p.data ** 2).sum() for p in m.parameters()) / 2)

    o.step(closure)
    o2 = optim.LBFGS(m.parameters())
    o2.load_state_dict(copy.deepcopy(o.state_dict()))  # (its "t" is a float step length)
    assert o2.state[0]["n_iter"] == o.state[0]["n_iter"]


# ---- --resume: a training state's best weights ----------------------------------------------
def test_resume_checks_the_best_weights_before_training(tmp_path: Path, monkeypatch,
                                                        capsys) -> None:
    from tinygrad_dl.cli import main
    from tinygrad_dl.train import TrainingInterrupted, run_training
    from tinygrad_dl.train.outputs import stage_dir
    from tinygrad_dl.train.state import STATE_FILE

    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "run"
    with pytest.raises(TrainingInterrupted):
        run_training("two-layer", {"m": 6, "epochs": 1, "restore_best": True}, out=out,
                     stop=True, progress=False, print_fn=None)
    path = stage_dir(out) / STATE_FILE
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    # best weights that never get replaced (accuracy 1.0), one of the wrong shape
    meta["has_best"], meta["loop"]["best_acc"] = True, 1.0
    arrays.update({"best/" + k[6:]: a for k, a in arrays.items() if k.startswith("model/")})
    arrays["best/layers.0.W"] = np.ones((2, 2))
    np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)
    rc = main(["train", "two-layer", "--resume", str(out), "--no-progress"])
    err = capsys.readouterr().err
    # (before: every update ran, then the end's load_state_dict failed naming no file, and
    # each resume did the same again)
    assert rc == 2 and err.count("\n") == 1, err
    assert str(path) in err and "its best weights" in err and "(2, 2)" in err, err


def test_loading_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="is a folder, not a file") as e:
        tg.load(tmp_path)  # (before: "checkpoint not found: DIR", which exists)
    assert str(tmp_path) in str(e.value)


# ---- the results command's results.json (read by --render-only and --merge) ------------------
@pytest.mark.parametrize("doc, words", [
    ({"settings": 5}, "results.settings must be a list, got int 5"),
    ({}, "results has no 'settings'"),
    ({"settings": ["x"]}, "results.settings[0] must be an object"),
    ({"settings": [{}]}, "results.settings[0] has no 'name'"),
    ({"settings": [{"name": "a", "label": "a", "model": "two-layer", "command": "", "metric":
                    "test_acc", "runs": [{"seed": 0, "status": "ok", "test_acc": "high"}]}]},
     "results.settings[0].runs[0].test_acc must be float or null"),
    ({"settings": [{"name": "a", "label": "a", "model": "nope", "command": "", "metric":
                    "test_acc", "runs": []}]}, "unknown model 'nope'"),
])
@pytest.mark.parametrize("flags", [["--render-only"], ["--merge", "--only", "two-layer"]])
def test_a_hand_edited_results_file_is_one_line(tmp_path: Path, capsys, doc: dict[str, Any],
                                                words: str, flags: list[str]) -> None:
    from tinygrad_dl.cli import main
    from tinygrad_dl.search.seeds import FORMAT

    p = tmp_path / "results.json"
    p.write_text(json.dumps({"format": FORMAT, **doc}))
    # (before: KeyError / TypeError tracebacks, or NumPy's words naming no file)
    rc = main(["results", "--results", str(p), "--page", str(tmp_path / "page.md"), "--out",
               str(tmp_path / "out"), "--no-progress", "--seeds", "1", *flags])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert str(p) in err and words in err, err
    assert not (tmp_path / "out").exists()


def test_a_results_file_nested_too_deep_names_the_file(tmp_path: Path, capsys) -> None:
    from tinygrad_dl.cli import main

    p = tmp_path / "results.json"
    p.write_text("[" * 100000 + "]" * 100000)
    rc = main(["results", "--results", str(p), "--render-only"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and str(p) in err, err


# ---- atomic writes ----------------------------------------------------------------------------
def test_a_long_valid_file_name_can_be_saved(tmp_path: Path) -> None:
    for name in ("a" * 250 + ".npz", "é" * 125 + ".npz"):  # 254 bytes each, a valid name
        p = tg.save({"w": np.ones(2)}, tmp_path / name)  # (before: "File name too long")
        np.testing.assert_array_equal(tg.load(p)["w"], np.ones(2))
    assert sorted(q.name for q in tmp_path.iterdir()) == sorted(
        ("a" * 250 + ".npz", "é" * 125 + ".npz"))


def test_an_exception_mid_write_keeps_the_old_file_and_no_temp(tmp_path: Path,
                                                               monkeypatch) -> None:
    p = tg.save({"w": np.zeros(3)}, tmp_path / "m.npz")
    old = p.read_bytes()

    def boom(*a: Any, **k: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="m.npz"):
        tg.save({"w": np.ones(3)}, p)
    assert p.read_bytes() == old and [q.name for q in tmp_path.iterdir()] == ["m.npz"]


# ---- CIFAR-10 pickles -------------------------------------------------------------------------
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
@pytest.mark.parametrize("op", [b"(", b"]", b"}"])
def test_a_pickle_of_one_byte_containers_is_refused_early(tmp_path: Path, op: bytes) -> None:
    """MARK / EMPTY_LIST / EMPTY_DICT cost one byte of file and a 56-byte object each: a 10 MB
    file took 650 MB and 30 s (a 1 GiB one, within MAX_PICKLE_BYTES, 65 GiB)."""
    from tinygrad_dl.data.cifar import load_cifar_batch

    p = tmp_path / "data_batch_1"
    p.write_bytes(b"\x80\x02" + op * (2 << 20) + b".")
    peak, err = refused_peak(load_cifar_batch, p)
    assert peak < 40 << 20, peak
    assert str(p) in str(err) and "more containers than a CIFAR-10 batch" in str(err)


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_a_large_real_shaped_batch_still_loads(tmp_path: Path) -> None:
    import pickle

    from tinygrad_dl.data.cifar import load_cifar_batch

    n = 20000
    rng = np.random.default_rng(0)
    d = {b"batch_label": b"training batch 1 of 5", b"labels": rng.integers(0, 10, n).tolist(),
         b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
         b"filenames": [b"f_%d.png" % i for i in range(n)]}
    for proto in (2, 4):  # (protocol 0 runs 12 opcodes an image, 2 runs 9)
        p = tmp_path / f"b{proto}"
        p.write_bytes(pickle.dumps(d, protocol=proto))
        X, y = load_cifar_batch(p)
        assert np.array_equal(X, d[b"data"]) and y.tolist() == d[b"labels"]


def test_a_ragged_list_is_saved_and_comes_back_as_it_was(tmp_path: Path) -> None:
    """It raised NumPy's ValueError naming neither the file nor the entry, then was refused;
    a tree (Python values) keeps it now, as torch.save does."""
    value = {"w": [[1.0, 2.0], [3.0]]}
    tg.save(value, tmp_path / "c.ckpt")
    assert tg.load(tmp_path / "c.ckpt") == value


@pytest.mark.parametrize("make", ["meta", "sparse"])
def test_saving_an_entry_with_no_array_is_one_line(tmp_path: Path, make: str) -> None:
    """tg.save of a torch meta tensor raised torch's bare NotImplementedError, a sparse one
    its TypeError, naming neither the file nor the entry."""
    torch = pytest.importorskip("torch")
    value = torch.empty(3, device="meta") if make == "meta" else torch.eye(3).to_sparse()
    p = tmp_path / "c.ckpt"
    with pytest.raises(TypeError) as e:
        tg.save({"w": value}, p)
    msg = str(e.value)
    assert msg.startswith(f"checkpoint {p}: state entry 'w' is not an array of numbers")
    assert "\n" not in msg and not p.exists()
    if make == "sparse":
        assert "to_dense" in msg  # (torch's own advice kept)
