"""tg.save / tg.load as a round trip, against the object saved and torch.save/torch.load (found
2026-12-07): random flat state dicts of every dtype, shape and layout come back bit for bit; a
resumed run matches an uninterrupted one bit for bit; a failed save leaves the old file; a
corrupted file never loads other values. Regressions: a torch.save file was refused as
"unexpected member 'x/data.pkl'" (a legacy one and any pickle as "truncated or corrupt?"), and
load's third positional argument, torch's pickle_module, was taken as weights_only."""

from __future__ import annotations

import copy
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint, container, nn, optim

torch = pytest.importorskip("torch")

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
          np.bool_]
OURS_ONLY = [np.uint16, np.uint32, np.uint64]  # (torch's support of these is partial)


def _draw(rng, dtypes):
    """A random array: any dtype, 0-d to 4-D (empty too), in a random layout (transposed,
    negative strides, Fortran order, stepped), with NaN/-0.0/inf payloads for floats."""
    shape = tuple(int(n) for n in rng.integers(0, 4, size=rng.integers(0, 5)))
    dt = np.dtype(dtypes[rng.integers(len(dtypes))])
    if dt.kind == "f":
        a = rng.standard_normal(shape).astype(dt)
        if a.size:
            a.flat[rng.integers(a.size, size=3)] = rng.choice([np.nan, -0.0, np.inf, -np.inf])
    elif dt.kind == "b":
        a = rng.integers(0, 2, shape).astype(bool)
    else:
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, shape, dtype=dt, endpoint=True)
    layout = rng.integers(4)
    if layout == 1 and a.ndim >= 2:
        a = a.T
    elif layout == 2 and a.ndim >= 1:
        a = a[::-1]
    elif layout == 3 and a.ndim >= 2:
        a = np.asfortranarray(a)
    return a


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("seed", range(6))
def test_random_state_dicts_round_trip_bit_for_bit_as_torch(tmp_path, seed):
    rng = np.random.default_rng(seed)
    for case in range(15):
        sd = {f"m{i}.p{case}": _draw(rng, DTYPES) for i in range(rng.integers(1, 5))}
        sd.update({f"u{i}": _draw(rng, OURS_ONLY) for i in range(rng.integers(0, 2))})
        given = {k: tg.tensor(v) if rng.integers(2) and k.startswith("m") else v
                 for k, v in sd.items()}
        path = tmp_path / f"s{case}.pt"
        tg.save(given, str(path) if case % 2 else path)
        back = tg.load(path, allow_nonfinite=True)
        assert list(back) == list(sd)
        for k, v in sd.items():
            assert _same(back[k], v), k
            assert back[k].flags.c_contiguous
        tpath = tmp_path / f"t{case}.pt"  # torch's own round trip of what both define
        torch.save({k: torch.from_numpy(v.copy()) for k, v in sd.items()
                    if k.startswith("m")}, tpath)
        for k, t in torch.load(tpath).items():
            assert _same(back[k], t.numpy()), k


def test_python_numbers_and_sequences_come_back_as_they_were(tmp_path):
    """As torch.load's: they came back as arrays (array(3), array([1.5, 2.5])), where
    `if back["hist"] == [1.5, 2.5]:` raised and JSON refused them."""
    sd = {"n": 3, "x": -0.0, "big": 2**64 - 1, "flag": True, "hist": [1.5, 2.5],
          "w": np.arange(3.0)}
    tg.save(sd, tmp_path / "a.pt")
    back = tg.load(tmp_path / "a.pt")
    assert type(back["n"]) is int and back["n"] == 3
    assert type(back["x"]) is float and np.signbit(back["x"])
    assert back["big"] == 2**64 - 1 and back["flag"] is True and back["hist"] == [1.5, 2.5]
    assert _same(back["w"], sd["w"])
    tg.save({"n": np.int64(3), "f": np.float32(0.5)}, tmp_path / "b.pt")  # (NumPy's numbers:
    back = tg.load(tmp_path / "b.pt")  # they came back 0-d arrays)
    assert type(back["n"]) is np.int64 and type(back["f"]) is np.float32


def test_a_state_dict_of_arrays_keeps_its_kind_and_arrays(tmp_path):
    sd = {"w": np.arange(3.0), "n": np.array(3), "b": np.array(True)}
    tg.save(sd, tmp_path / "a.pt")
    assert checkpoint.read(tmp_path / "a.pt")[0]["kind"] == "state_dict"
    back = tg.load(tmp_path / "a.pt")
    assert all(_same(back[k], np.asarray(v)) for k, v in sd.items())


def _step(m, o, s, i, dtype):
    r = np.random.default_rng(i)
    x, y = tg.tensor(r.standard_normal((6, 4)).astype(dtype)), tg.tensor(r.integers(0, 3, 6))
    o.zero_grad()
    nn.functional.cross_entropy(m(x), y).backward()
    o.step()
    s.step()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make_opt", [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda p: optim.Adam(p, lr=1e-2, amsgrad=True),
    lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, centered=True),
], ids=["sgd", "adam", "rmsprop"])
def test_a_resumed_run_matches_an_uninterrupted_one_bit_for_bit(tmp_path, dtype, make_opt):
    def make():
        tg.manual_seed(0)
        m = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
        return m.to(dtype)
    m = make()
    o = make_opt(m.parameters())
    s = optim.lr_scheduler.StepLR(o, 2, 0.5)
    for i in range(4):
        _step(m, o, s, i, dtype)
    tg.save(m.state_dict(), tmp_path / "m.pt")
    o_sd, s_sd = copy.deepcopy(o.state_dict()), copy.deepcopy(s.state_dict())
    for i in range(4, 8):
        _step(m, o, s, i, dtype)
    m2 = make()
    m2.load_state_dict(tg.load(tmp_path / "m.pt"))
    o2 = make_opt(m2.parameters())
    o2.load_state_dict(o_sd)
    s2 = optim.lr_scheduler.StepLR(o2, 2, 0.5)
    s2.load_state_dict(s_sd)
    for i in range(4, 8):
        _step(m2, o2, s2, i, dtype)
    a, b = m.state_dict(), m2.state_dict()
    assert list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    assert np.asarray(a["0.W"]).dtype == dtype


def test_a_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "c.pt"
    tg.save({"a": np.arange(3.0)}, path)
    old = path.read_bytes()

    class Raises:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("boom")
    with pytest.raises(TypeError, match="state entry 'b'"):
        tg.save({"a": np.ones(2), "b": Raises()}, path)

    def half(f, **arrays):  # interrupted mid-write
        f.write(b"PK\x03\x04 half a file")
        raise KeyboardInterrupt
    monkeypatch.setattr(container.np, "savez", half)
    with pytest.raises(KeyboardInterrupt):
        tg.save({"a": np.ones(2)}, path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["c.pt"]
    monkeypatch.undo()
    assert _same(tg.load(path)["a"], np.arange(3.0))


def test_truncated_or_corrupted_files_never_load_other_values(tmp_path):
    want = {"a": np.random.default_rng(1).standard_normal(7), "b": np.arange(4, dtype=np.int32)}
    tg.save(want, tmp_path / "g.pt")
    data = (tmp_path / "g.pt").read_bytes()
    rng = np.random.default_rng(0)
    bad = tmp_path / "bad.pt"
    for i in range(150):
        b = bytearray(data[: rng.integers(len(data))] if i % 5 == 0 else data)
        for _ in range(rng.integers(1, 3)):
            if b:
                b[rng.integers(len(b))] = rng.integers(256)
        bad.write_bytes(bytes(b))
        try:
            back = tg.load(bad)
        except ValueError as e:
            assert str(bad) in str(e) and "\n" not in str(e)
        else:
            assert list(back) == list(want) and all(_same(back[k], want[k]) for k in want)


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch hSER_pwned",))


@pytest.mark.parametrize("write, words", [
    (lambda p: torch.save({"w": torch.ones(2)}, p), "a PyTorch torch.save file"),
    (lambda p: torch.save({"w": torch.ones(2)}, p, _use_new_zipfile_serialization=False),
     "a PyTorch torch.save file"),
    (lambda p: Path(p).write_bytes(pickle.dumps(_Payload())), "a Python pickle"),
    (lambda p: Path(p).write_bytes(pickle.dumps({"w": [1.0]}, protocol=5)), "a Python pickle"),
], ids=["torch", "torch-legacy", "reduce-payload", "pickle"])
def test_a_pickle_or_torch_file_is_refused_in_one_line_running_nothing(tmp_path, monkeypatch,
                                                                        write, words):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "x.pt"
    write(path)
    with pytest.raises(ValueError) as e:
        tg.load(path)
    msg = str(e.value)
    assert str(path) in msg and words in msg and "never unpickle" in msg and "\n" not in msg
    assert not (tmp_path / "hSER_pwned").exists()


def test_load_takes_torchs_positional_order_and_keywords(tmp_path):
    path = tmp_path / "a.pt"
    tg.save({"a": np.ones(2)}, path)
    with pytest.raises(TypeError, match="pickle_module=pickle is not taken"):
        tg.load(path, "cpu", pickle)  # torch's 3rd positional: was taken as weights_only
    for mmap in (None, False, True):
        assert _same(tg.load(path, map_location="cpu", weights_only=True, mmap=mmap)["a"],
                     np.ones(2))
    with pytest.raises(TypeError, match=r"load\(\) got an unexpected keyword argument 'encoding'"):
        tg.load(path, encoding="latin1")  # (named read())


def test_map_location_takes_a_dict_onto_the_cpu(tmp_path):
    path = tmp_path / "a.pt"
    tg.save({"a": np.ones(2)}, path)
    assert _same(tg.load(path, map_location={"cuda:0": "cpu"})["a"], np.ones(2))  # was refused
    with pytest.raises(RuntimeError, match="'cuda:0' is not available"):
        tg.load(path, map_location={"cpu": "cuda:0"})
    with pytest.raises(ValueError, match="is not a device"):
        tg.load(path, map_location=lambda storage, location: storage)


def test_a_torch_tensor_with_its_negative_bit_set_is_saved_and_loaded(tmp_path):
    im = torch.randn(2, 3, dtype=torch.cfloat).conj().imag  # a view with the negative bit set
    assert im.is_neg()
    want = im.resolve_neg().numpy()
    tg.save({"x": im}, tmp_path / "a.pt")  # was "Can't call numpy() on Tensor that has ..."
    assert _same(tg.load(tmp_path / "a.pt")["x"], want)
    m = nn.Linear(3, 2, dtype=np.float32)
    m.load_state_dict({"W": im, "b": torch.zeros(2)})
    assert _same(m.W.data, want)


@pytest.mark.parametrize("value", [2**70, [1, -2**64]])
def test_an_int_beyond_64_bits_is_refused_saying_so(tmp_path, value):
    with pytest.raises((TypeError, ValueError), match="'n'.* beyond 64 bits"):
        tg.save({"n": value}, tmp_path / "a.pt")  # was "this is not an array of numbers"
    assert not list(tmp_path.iterdir())


def test_a_course_model_comes_back_in_its_modes_and_flags(tmp_path):
    from tinygrad_dl.models import KLayer
    m = KLayer(8, [5], 3)
    rng = np.random.default_rng(0)
    m(tg.tensor(rng.standard_normal((4, 8))))  # (training: the running averages move)
    m.eval()
    m.layers[0].W.requires_grad_(False)
    x = tg.tensor(rng.standard_normal((4, 8)) * 3 + 1)
    tg.save(m, tmp_path / "m.pt")
    back = tg.load(tmp_path / "m.pt")  # was training, every parameter requiring grad
    assert [b.training for b in back.modules()] == [a.training for a in m.modules()]
    assert [b.requires_grad for b in back.parameters()] == [False, True, True, True, True]
    assert _same(back(x).data, m(x).data)  # was 7.5 away: normalized by the batch
    m.train()
    m.layers[0].W.requires_grad_(True)
    tg.save(m, tmp_path / "t.pt")  # all training, all requiring grad: a file as before
    assert "modes" not in checkpoint.read(tmp_path / "t.pt")[0]
    assert tg.load(tmp_path / "t.pt").training


def test_a_file_whose_modes_name_no_module_is_refused(tmp_path):
    from tinygrad_dl.models import OneLayer
    m = OneLayer(4, 3)
    path = checkpoint.save_model(m, tmp_path / "m.pt")
    meta, arrays = container.read(path, format=checkpoint.FORMAT, schemas=checkpoint.SCHEMAS)
    meta["modes"] = {"eval": ["nope"], "frozen": []}
    container.save(path, arrays, meta, format=checkpoint.FORMAT, kind="model")
    with pytest.raises(ValueError, match=r"m\.pt: refused: its modes name 'nope'"):
        tg.load(path)


def test_nan_payloads_signed_zeros_and_infinities_keep_their_bits(tmp_path):
    sd = {"f32": tg.tensor(np.array([0x7FC00001, 0xFFA00000, 0x80000000, 0x7F800000],
                                    dtype=np.uint32).view(np.float32)),
          "f64": np.array([0x7FF0000000000001, 0x8000000000000000], dtype=np.uint64).view(
              np.float64),
          "f16": np.array([0x7E01, 0xFC00], dtype=np.uint16).view(np.float16)}
    tg.save(sd, tmp_path / "a.pt")
    with pytest.raises(ValueError, match="refused: NaN/inf in f32, f64, f16"):
        tg.load(tmp_path / "a.pt")  # (the format's own rule: allow_nonfinite to read them)
    back = tg.load(tmp_path / "a.pt", allow_nonfinite=True)
    for k, v in sd.items():
        assert _same(back[k], v.data if isinstance(v, tg.Tensor) else v), k


@pytest.mark.parametrize("make", [
    lambda o: optim.lr_scheduler.MultiStepLR(o, [2, 4]),
    lambda o: optim.lr_scheduler.StepLR(o, 2, 0.5),
    lambda o: optim.lr_scheduler.CyclicLR(o, 1e-3, 1e-1, step_size_up=2, cycle_momentum=False),
], ids=["multistep", "step", "cyclic"])
@pytest.mark.filterwarnings("ignore:.*no parameter has a gradient")
def test_a_scheduler_state_saved_and_loaded_resumes_as_the_one_in_memory(tmp_path, make):
    def run():
        o = optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1)
        return o, make(o)
    o, s = run()
    for _ in range(3):
        o.step()
        s.step()
    tg.save(s.state_dict(), tmp_path / "s.pt")
    o2, s2 = run()
    o2.load_state_dict(copy.deepcopy(o.state_dict()))
    s2.load_state_dict(tg.load(tmp_path / "s.pt"))  # MultiStepLR: "milestones ... got ndarray"
    assert type(s2.last_epoch) is int and s2.state_dict() == s.state_dict()  # was array(3)
    for _ in range(6):
        o.step()
        s.step()
        o2.step()
        s2.step()
        assert o2.param_groups[0]["lr"] == o.param_groups[0]["lr"]


def test_torch_tensors_beside_python_numbers_are_saved(tmp_path):
    """torch.save's habit `{"w": t, "epoch": 3}` (and nested in a tree): the torch tensor's
    values, as a flat state dict's; a tree refused every torch tensor."""
    torch = pytest.importorskip("torch")
    w = torch.arange(3, dtype=torch.float64).neg()  # (its negative bit set)
    tg.save({"w": w, "epoch": 3, "m": {"b": torch.ones(2, dtype=torch.bfloat16)}},
            tmp_path / "a.pt")
    back = tg.load(tmp_path / "a.pt")
    assert _same(back["w"], -np.arange(3.0)) and back["epoch"] == 3
    assert _same(back["m"]["b"], np.ones(2, dtype=np.float32))
    with pytest.raises(TypeError, match="'m' is a torch tensor with no array of numbers"):
        tg.save({"m": torch.empty(3, device="meta"), "epoch": 3}, tmp_path / "b.pt")
    assert not (tmp_path / "b.pt").exists()
