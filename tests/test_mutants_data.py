"""Tests written against surviving mutants of the file and data layers: Fortran-ordered and
strided arrays round-trip through a checkpoint/container unscrambled, the array-size limit is
exact, normalization statistics are stored in float64, and CIFAR labels stay with their images
in every split."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl import checkpoint, container
from tinygrad_dl.data import load_cifar10
from tinygrad_dl.models import OneLayer


# ---- container / checkpoint: memory layouts --------------------------------------------------
def _layouts() -> dict[str, np.ndarray]:
    base = np.arange(24.0).reshape(2, 3, 4) * 1.5 - 7
    return {
        "transposed": np.arange(6.0).reshape(2, 3).T,  # np.savez writes it fortran_order=True
        "fortran3d": np.asfortranarray(base),
        "fortran_int": np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
        "strided": np.arange(20.0).reshape(4, 5)[::2, 1::2],  # neither C nor F contiguous
        "reversed": np.arange(5.0)[::-1],
        "plain": np.arange(6.0).reshape(2, 3),
    }


def _fortran_members(path: Path) -> set[str]:
    """The members np.savez wrote with fortran_order=True (the case the reader must undo)."""
    out = set()
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            with z.open(name) as f:
                np.lib.format.read_magic(f)
                _, fortran, _ = np.lib.format.read_array_header_1_0(f)
            if fortran:
                out.add(name[:-4])
    return out


def test_fortran_ordered_and_strided_arrays_round_trip_through_a_checkpoint(tmp_path: Path):
    arrays = _layouts()
    path = checkpoint.save(arrays, tmp_path / "sd.npz")
    # the file really holds Fortran-ordered members, so the test exercises the reader's order
    assert {"state/transposed", "state/fortran3d", "state/fortran_int"} <= _fortran_members(path)
    loaded = checkpoint.load(path)
    assert loaded.keys() == arrays.keys()
    for k, a in arrays.items():
        assert loaded[k].shape == a.shape and loaded[k].dtype == a.dtype, k
        np.testing.assert_array_equal(loaded[k], a, err_msg=k)
    assert loaded["transposed"].tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_container_read_restores_fortran_order(tmp_path: Path):
    arrays = _layouts()
    path = container.save(tmp_path / "c.npz", arrays, {"n": 1}, format="t", kind="k")
    meta, got = container.read(path, format="t", schemas={"k": {"format": str, "kind": str,
                                                              "n": int}})
    assert meta["n"] == 1
    for k, a in arrays.items():
        np.testing.assert_array_equal(got[k], a, err_msg=k)
        assert got[k].flags.writeable, k


# ---- container: the array-size limit ------------------------------------------------------------
def test_max_bytes_refuses_a_file_just_over_the_limit(tmp_path: Path):
    path = checkpoint.save({"w": np.zeros(1000)}, tmp_path / "big.npz")
    with zipfile.ZipFile(path) as z:
        total = sum(i.file_size for i in z.infolist())  # what the reader counts
    _, state = checkpoint.read(path, max_bytes=total)  # exactly at the limit: read
    assert state["w"].shape == (1000,)
    for limit in (total - 1, (total * 2) // 3, total // 2 + 1):  # 1x..2x over the limit
        with pytest.raises(ValueError, match=f"more than the {limit}-byte limit"):
            checkpoint.read(path, max_bytes=limit)


# ---- checkpoint: normalization statistics in float64 --------------------------------------------
def test_normalization_statistics_are_stored_in_float64_exactly(tmp_path: Path):
    d = 6
    model = OneLayer(d, 3, rng=np.random.default_rng(0))
    mean = 0.1 + np.arange(d) / 3.0 + 1e-12  # not representable in float32
    std = 1.0 / 7.0 + np.arange(d) * 1e-9
    assert (mean.astype(np.float32).astype(np.float64) != mean).all()
    path = checkpoint.save_model(model, tmp_path / "m.npz", normalization=(mean, std))
    meta, _ = checkpoint.read(path)
    got_mean, got_std = meta["extra"]["mean"], meta["extra"]["std"]
    assert got_mean.dtype == np.float64 and got_std.dtype == np.float64
    np.testing.assert_array_equal(got_mean, mean)
    np.testing.assert_array_equal(got_std, std)
    # float32 statistics are stored widened to float64 (the stored dtype does not follow them)
    path = checkpoint.save_model(model, tmp_path / "m32.npz", normalization=(
        mean.astype(np.float32), std.astype(np.float32)))
    meta, _ = checkpoint.read(path)
    assert meta["extra"]["mean"].dtype == np.float64 == meta["extra"]["std"].dtype
    np.testing.assert_array_equal(meta["extra"]["mean"], mean.astype(np.float32))


# ---- CIFAR: labels stay with their images ---------------------------------------------------
_SIZES = {"data_batch_1": 7, "data_batch_2": 5, "data_batch_3": 6, "data_batch_4": 4,
          "data_batch_5": 8, "test_batch": 3}
_NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse",
          b"ship", b"truck"]


def _fake_cifar_with_labels_in_pixels(root: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A CIFAR-10 folder in the official pickle layout whose every image carries its own label
    (pixel 0 = 20 * label) and its place (pixel 1 = batch, pixel 2 = row)."""
    root.mkdir(parents=True)
    written = {}
    for b, (name, n) in enumerate(_SIZES.items()):
        rng = np.random.default_rng(b)
        labels = rng.integers(0, 10, n)
        X = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        X[:, 0], X[:, 1], X[:, 2] = 20 * labels, b, np.arange(n)
        d = {b"batch_label": b"fake", b"data": X, b"labels": labels.tolist()}
        (root / name).write_bytes(pickle.dumps(d, protocol=4))
        written[name] = (X, labels)
    meta = {b"num_cases_per_batch": 10000, b"label_names": _NAMES, b"num_vis": 3072}
    (root / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return written


@pytest.mark.parametrize("split, val_size", [("batch1", 1000), ("all", 1), ("all", 7),
                                             ("all", 29)])
def test_cifar_labels_stay_aligned_with_their_images_in_every_split(tmp_path: Path, split: str,
                                                                    val_size: int):
    written = _fake_cifar_with_labels_in_pixels(tmp_path / "cifar")
    ds = load_cifar10(tmp_path / "cifar", split=split, val_size=val_size, normalize=False)
    for X, y in ((ds.X_train, ds.y_train), (ds.X_val, ds.y_val), (ds.X_test, ds.y_test)):
        assert len(X) == len(y) > 0
        np.testing.assert_array_equal(X[:, 0], 20 * y)
    # and every image is the one expected there, in order
    if split == "batch1":
        want = [written["data_batch_1"], written["data_batch_2"]]
    else:
        X = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
        y = np.concatenate([written[f"data_batch_{i}"][1] for i in range(1, 6)])
        want = [(X[:-val_size], y[:-val_size]), (X[-val_size:], y[-val_size:])]
    for (X, y), (gX, gy) in zip(want + [written["test_batch"]],
                                ((ds.X_train, ds.y_train), (ds.X_val, ds.y_val),
                                 (ds.X_test, ds.y_test))):
        np.testing.assert_array_equal(gX, X)
        np.testing.assert_array_equal(gy, y)
