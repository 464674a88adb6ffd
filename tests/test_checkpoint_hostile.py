"""Checkpoints: the state-dict API for any Module, model checkpoints with normalisation
statistics, and hostile files (forged headers, configs asking for GiBs, deflate bombs, edited
metadata, NaN weights) refused with one line naming the file, before any big allocation."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy

from tinygrad_dl import checkpoint
from tinygrad_dl.models import OneLayer, TwoLayer
from tinygrad_dl.nn import BatchNorm1d, Linear, Module, ReLU, Sequential


class Net(Module):  # not a registered course model
    def __init__(self, seed: int) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.body = Sequential(Linear(3, 4, rng=rng), ReLU(), BatchNorm1d(4))
        self.head = Linear(4, 2, rng=rng)


def test_state_dict_of_any_module_round_trips(tmp_path: Path) -> None:
    a, b = Net(0), Net(1)
    p = checkpoint.save(a.state_dict(), tmp_path / "net.npz")
    state = checkpoint.load(p)
    assert isinstance(state, dict) and state.keys() == a.state_dict().keys()
    b.load_state_dict(state)
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[k], v)
    with pytest.raises(ValueError, match=r"net\.npz.*state dict, not a course model"):
        checkpoint.load_model(p)
    with pytest.raises(ValueError, match=r"save\(model\.state_dict\(\), path\)"):
        checkpoint.save(a, tmp_path / "x.npz")


def test_model_checkpoint_keeps_one_call_and_normalization(tmp_path: Path) -> None:
    net = TwoLayer(5, 3, 2, rng=np.random.default_rng(0))
    mean, std = np.arange(5.0), np.full(5, 2.0)
    p = checkpoint.save_model(net, tmp_path / "m.npz", normalization=(mean, std), note="hi")
    loaded = checkpoint.load_model(p)
    assert type(loaded) is TwoLayer and loaded.config() == net.config()
    meta, _ = checkpoint.read(p)
    assert meta["extra"]["note"] == "hi"
    np.testing.assert_array_equal(meta["extra"]["mean"], mean)
    np.testing.assert_array_equal(meta["extra"]["std"], std)
    model, extra = checkpoint.load(p)  # the older call still works
    assert type(model) is TwoLayer and extra["note"] == "hi"
    net.load_state_dict(checkpoint.read(p)[1])  # the model file is a state dict too


# ---- hostile files ---------------------------------------------------------------------------
def _member(z: zipfile.ZipFile, name: str, header: dict, payload: bytes = b"",
            repeat: int = 1, compress: int = zipfile.ZIP_STORED) -> None:
    with z.open(zipfile.ZipInfo(name), "w") if compress == zipfile.ZIP_STORED else \
            z.open(name, "w", force_zip64=True) as f:
        npy.write_array_header_1_0(f, header)
        for _ in range(repeat):
            f.write(payload)


def _meta_member(z: zipfile.ZipFile, meta: dict) -> None:
    with z.open("__meta__.npy", "w") as f:
        npy.write_array(f, np.array(json.dumps(meta)))


def _good_meta() -> dict:
    return {"format": checkpoint.FORMAT, "version": 2, "kind": "state_dict", "model": None,
            "config": None, "extra": {}}


def _assert_refused(path: Path, words: str, **limits: object) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as e:
            checkpoint.load(path, **limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    msg = str(e.value)
    assert str(path) in msg and "\n" not in msg and words in msg, msg
    assert peak < 32 << 20, f"{peak} bytes allocated while refusing {path.name}"


def test_forged_npy_header_with_huge_shape(tmp_path: Path) -> None:
    p = tmp_path / "forged.npz"
    with zipfile.ZipFile(p, "w") as z:
        _meta_member(z, _good_meta())
        _member(z, "state/W.npy", {"descr": "<f8", "fortran_order": False,
                                   "shape": (1 << 40,)}, b"\0" * 64)
    _assert_refused(p, "claims shape (1099511627776,)")


def test_deflate_bomb_member(tmp_path: Path) -> None:
    p = tmp_path / "bomb.npz"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        _meta_member(z, _good_meta())
        _member(z, "state/W.npy", {"descr": "<f8", "fortran_order": False,
                                   "shape": (8 << 20,)}, bytes(1 << 20), repeat=64,
                compress=zipfile.ZIP_DEFLATED)
    assert p.stat().st_size < 1 << 20
    _assert_refused(p, "deflate bomb")


def test_arrays_beyond_the_byte_limit(tmp_path: Path) -> None:
    p = checkpoint.save({"W": np.zeros((10, 10))}, tmp_path / "big.npz")
    _assert_refused(p, "limit", max_bytes=500)
    assert checkpoint.load(p)["W"].shape == (10, 10)


def test_config_asking_for_gibs_is_refused_before_building(tmp_path: Path) -> None:
    p = checkpoint.save_model(TwoLayer(5, 3, 2, rng=np.random.default_rng(0)), tmp_path / "m.npz")
    meta, state = checkpoint.read(p)
    meta["config"]["m"] = 1 << 28  # 3072 x 2**28 float64 would be 6 TiB
    _rewrite(p, meta, state)
    assert p.stat().st_size < 64 << 10
    _assert_refused(p, "config m=268435456 does not match")


def _rewrite(p: Path, meta: dict, state: dict) -> None:
    arrays = {"state/" + k: v for k, v in state.items()}
    np.savez(p, __meta__=np.array(json.dumps(meta)), **arrays)


@pytest.mark.parametrize("edit, words", [
    (lambda m: m.update(version="2"), "meta.version must be int, got str '2'"),
    (lambda m: m.update(version=99), "version 99"),
    (lambda m: m.update(config=[1, 2]), "meta.config must be an object"),
    (lambda m: m.update(extra="x"), "meta.extra must be dict or null"),
    (lambda m: m.update(model=5), "meta.model must be str"),
    (lambda m: m.update(kind="pickle"), "'kind' must be one of"),
    (lambda m: m["config"].update(lam=float("nan")), "NaN"),
    (lambda m: m["config"].update(K="ten"), "cannot rebuild"),
    (lambda m: m["config"].update(bogus=1), "cannot rebuild"),
])
def test_hand_edited_metadata(tmp_path: Path, edit, words: str) -> None:
    p = checkpoint.save_model(OneLayer(4, 3, rng=np.random.default_rng(0)), tmp_path / "m.npz")
    meta, state = checkpoint.read(p)
    edit(meta)
    np.savez(p, __meta__=np.array(json.dumps(meta)),
             **{"state/" + k: v for k, v in state.items()})
    _assert_refused(p, words)


def test_nan_weights_are_refused_on_load(tmp_path: Path) -> None:
    net = OneLayer(4, 3, rng=np.random.default_rng(0))
    next(iter(net.parameters())).data[0, 0] = np.nan
    p = checkpoint.save_model(net, tmp_path / "nan.npz")
    _assert_refused(p, "NaN/inf in layers.0.W")
    meta, state = checkpoint.read(p, allow_nonfinite=True)
    assert np.isnan(state["layers.0.W"][0, 0])


def test_object_and_structured_members_are_refused(tmp_path: Path) -> None:
    for descr in ("|O", [("a", "<f8")]):
        p = tmp_path / "obj.npz"
        with zipfile.ZipFile(p, "w") as z:
            _meta_member(z, _good_meta())
            _member(z, "state/W.npy", {"descr": descr, "fortran_order": False, "shape": (1,)},
                    b"\0" * 8)
        _assert_refused(p, "has dtype")


def test_mutated_checkpoints_load_or_fail_cleanly(tmp_path: Path) -> None:
    good = checkpoint.save_model(TwoLayer(6, 3, 2, rng=np.random.default_rng(0)),
                                 tmp_path / "g.npz").read_bytes()
    rng = np.random.default_rng(0)
    outcomes = {"ok": 0, "error": 0}
    for i in range(300):
        b = bytearray(good)
        for _ in range(int(rng.integers(1, 4))):
            j = int(rng.integers(0, len(b)))
            b[j] = int(rng.integers(0, 256))
        p = tmp_path / f"m{i}.npz"
        p.write_bytes(bytes(b))
        try:
            checkpoint.load_model(p)
            outcomes["ok"] += 1
        except ValueError as e:
            assert str(p) in str(e) and "\n" not in str(e), str(e)
            outcomes["error"] += 1
    assert outcomes["ok"] and outcomes["error"]


@pytest.mark.slow
def test_trained_classifier_classifies_new_images_without_the_training_data(tmp_path: Path,
                                                                             capsys) -> None:
    from tinygrad_dl.cli import main
    from tinygrad_dl.data import load_embedded_sample

    out = tmp_path / "run"
    assert main(["train", "one-layer", "--epochs", "1", "--out", str(out), "--no-progress"]) == 0
    model = checkpoint.load_model(out / "model.npz")
    extra = checkpoint.read(out / "model.npz")[0]["extra"]
    raw = load_embedded_sample(normalize=False)  # raw pixels, as new images would come
    X = (raw.X_test - extra["mean"]) / extra["std"]
    acc = float((model.predict(X) == raw.y_test).mean())
    assert acc == json.loads((out / "result.json").read_text())["test_acc"]
