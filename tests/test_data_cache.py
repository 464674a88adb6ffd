"""The training loop's per-process dataset cache (train/minibatch.py `_load_data`) must never
serve data other than what the folder holds now. Found 2026-12-03: it was keyed by the --data
string, so regenerating the files (or a relative --data after a chdir) trained on the old data
and result.json said so."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.train import minibatch, run_training

NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer",
         b"dog", b"frog", b"horse", b"ship", b"truck"]
P = {"split": "batch1", "val_size": 1000}


def _write_cifar(root: Path, seed: int, n_train: int = 6) -> None:
    """A tiny CIFAR-10 folder whose images depend on `seed`."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i, name in enumerate([*(f"data_batch_{k}" for k in range(1, 6)), "test_batch"]):
        n = n_train if i == 0 else 4
        batch = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                 b"labels": rng.integers(0, 10, n).tolist()}
        (root / name).write_bytes(pickle.dumps(batch, protocol=4))
    (root / "batches.meta").write_bytes(pickle.dumps({b"label_names": NAMES}, protocol=2))


def _raw_train(root: Path) -> np.ndarray:
    with open(root / "data_batch_1", "rb") as f:
        return pickle.load(f, encoding="bytes")[b"data"]


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minibatch, "_DATA_CACHE", {})
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)


def test_a_second_run_after_the_files_changed_trains_on_the_new_files(tmp_path: Path) -> None:
    d = tmp_path / "cifar"
    _write_cifar(d, seed=0, n_train=6)
    kw = dict(data=str(d), progress=False, print_fn=None, seed=0)
    first = run_training("one-layer", {"epochs": 1, "n_batch": 2}, **kw)
    _write_cifar(d, seed=1, n_train=9)  # regenerated in the same folder
    second = run_training("one-layer", {"epochs": 1, "n_batch": 2}, **kw)
    assert "6 train" in first.history.meta["data"]
    assert "9 train" in second.history.meta["data"]


def test_files_rewritten_with_the_same_sizes_are_loaded_again(tmp_path: Path) -> None:
    d = tmp_path / "cifar"
    _write_cifar(d, seed=0)
    old = minibatch._load_data(str(d), P, np.dtype(np.float64))
    assert minibatch._load_data(str(d), P, np.dtype(np.float64)) is old  # unchanged: cached
    _write_cifar(d, seed=1)  # same sizes, other images
    # (a regeneration comes at least a clock tick later; say so explicitly, since two writes in
    # one test can land within one tick of a coarse file-system clock)
    st = os.stat(d / "data_batch_1")
    os.utime(d / "data_batch_1", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    new = minibatch._load_data(str(d), P, np.dtype(np.float64))
    assert new is not old
    np.testing.assert_allclose(new.X_train * new.std + new.mean, _raw_train(d), atol=1e-9)


def test_a_relative_data_folder_after_a_chdir_is_the_new_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for seed, where in enumerate(("a", "b")):
        _write_cifar(tmp_path / where / "cifar", seed=seed)
    loaded = []
    for where in ("a", "b"):
        monkeypatch.chdir(tmp_path / where)
        loaded.append(minibatch._load_data("cifar", P, np.dtype(np.float64)))
    raw = _raw_train(tmp_path / "b" / "cifar")
    assert loaded[1] is not loaded[0]
    np.testing.assert_allclose(loaded[1].X_train * loaded[1].std + loaded[1].mean, raw,
                               atol=1e-9)
