"""Checkpoints: round trips of every model, atomic saving, clear errors for bad files."""

import os
import zipfile

import numpy as np
import pytest

from tinygrad_dl import checkpoint
from tinygrad_dl.models import CharRNN, KLayer, OneLayer, TwoLayer
from tinygrad_dl.nn import Linear, Module


def _models():
    rng = np.random.default_rng(0)
    return [
        OneLayer(12, 4, lam=0.1, rng=rng),
        TwoLayer(12, 6, 4, lam=0.01, rng=rng),
        KLayer(12, [6, 5], 4, batch_norm=True, lam=0.005, rng=rng),
        CharRNN(7, m=5, rng=rng, dtype=np.float32),
    ]


@pytest.mark.parametrize("model", _models(), ids=lambda m: type(m).__name__)
def test_round_trip_restores_state_config_and_outputs(tmp_path, model):
    rng = np.random.default_rng(1)
    if isinstance(model, CharRNN):
        X = rng.integers(0, 7, size=6)
        out = model(X).data
    else:
        X = rng.standard_normal((8, 12))
        model(X)  # a training-mode forward moves the batch-norm running statistics
        model.eval()
        out = model(X).data
    extra = {"chars": ["a", "\n", "ß", "…"], "note": "x", "n": np.int64(3)}
    path = checkpoint.save(model, tmp_path / "m.npz", **extra)
    loaded, got = checkpoint.load(path)
    assert type(loaded) is type(model)
    assert got == {"chars": ["a", "\n", "ß", "…"], "note": "x", "n": 3}
    assert loaded.config() == model.config()
    want = model.state_dict()
    have = loaded.state_dict()
    assert want.keys() == have.keys()
    for k in want:
        assert have[k].dtype == want[k].dtype, k
        np.testing.assert_array_equal(have[k], want[k])
    if isinstance(model, CharRNN):
        np.testing.assert_array_equal(loaded(X).data, out)
    else:
        loaded.eval()
        np.testing.assert_array_equal(loaded(X).data, out)


def _first_state(path):
    meta, state = checkpoint.read(path)
    return state["layers.0.W"]


@pytest.mark.parametrize("fail_in", ["savez", "replace", "interrupt"])
def test_interrupted_save_keeps_previous_checkpoint_and_leaves_no_temp_files(
    tmp_path, monkeypatch, fail_in
):
    old, new = _models()[0], OneLayer(12, 4, rng=np.random.default_rng(99))
    path = tmp_path / "model.npz"
    checkpoint.save(old, path)
    before = path.read_bytes()

    real_savez = np.savez

    def broken_savez(f, **arrays):
        if fail_in == "savez":
            f.write(b"PK\x03\x04 half a zip")  # something already hit the disk
            raise OSError("disk full")
        real_savez(f, **arrays)
        if fail_in == "interrupt":
            raise KeyboardInterrupt

    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(np, "savez", broken_savez)
    if fail_in == "replace":
        monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises((OSError, KeyboardInterrupt)):
        checkpoint.save(new, path)
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    np.testing.assert_array_equal(_first_state(path), old.state_dict()["layers.0.W"])
    checkpoint.save(new, path)  # and a later save still works
    np.testing.assert_array_equal(_first_state(path), new.state_dict()["layers.0.W"])


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        checkpoint.load(tmp_path / "nope.npz")


def test_corrupt_files_are_clear_errors_naming_the_file(tmp_path):
    good = checkpoint.save(_models()[0], tmp_path / "good.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip file at all")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.zeros(3))  # a valid npz, but no tinygrad_dl metadata
    for bad in (garbage, truncated, plain):
        with pytest.raises(ValueError, match=bad.name):
            checkpoint.load(bad)


def test_unknown_model_name_in_file_is_rejected(tmp_path):
    path = checkpoint.save(_models()[0], tmp_path / "m.npz")
    with zipfile.ZipFile(path) as z:
        meta = np.load(z.open("__meta__.npy")).item()
    np.savez(path, __meta__=np.array(meta.replace('"one-layer"', '"five-layer"')))
    with pytest.raises(ValueError, match="five-layer"):
        checkpoint.load(path)


def test_unregistered_model_and_non_json_extra_are_rejected(tmp_path):
    class Custom(Module):
        def __init__(self):
            super().__init__()
            self.lin = Linear(2, 2)

        def config(self):
            return {}

    with pytest.raises(ValueError, match="not one of the registered models"):
        checkpoint.save(Custom(), tmp_path / "c.npz")
    with pytest.raises(TypeError, match="JSON"):
        checkpoint.save(_models()[0], tmp_path / "m.npz", bad=object())
    assert not list(tmp_path.iterdir())
