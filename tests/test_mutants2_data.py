"""Tests written against surviving mutants of the data pipeline (utils.data's DataLoader and
TensorDataset, data.text, data.cifar; round 2): a collate_fn is always called, a batch size of
0 and a 0-d tensor are refused, the vocabulary is sorted, decode refuses -1, load_text's limits
are exact, the fingerprint tells shapes/dtypes/absent splits apart, and normalization (population
std, every chunk, constant features, transform, float32 one-hot) is the training data's."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.data.cifar import (
    _train_stats,
    fingerprint,
    load_cifar_batch,
    load_embedded_sample,
)
from tinygrad_dl.data.text import CharData, load_text
from tinygrad_dl.utils.data import DataLoader, TensorDataset


def test_a_collate_fn_is_used_for_a_tensor_dataset_too() -> None:
    ds = TensorDataset(np.arange(5.0), np.arange(5))
    calls = []

    def collate_fn(samples: list) -> list:
        calls.append(len(samples))
        return [tuple(float(x.data) for x in s) for s in samples]

    batches = list(DataLoader(ds, batch_size=2, collate_fn=collate_fn))
    assert calls == [2, 2, 1]
    assert batches[0] == [(0.0, 0.0), (1.0, 1.0)] and batches[2] == [(4.0, 4.0)]


@pytest.mark.parametrize("bs", [0, -1])
def test_a_batch_size_below_one_is_refused(bs: int) -> None:
    with pytest.raises(ValueError, match=f"batch_size must be a positive integer, got {bs}"):
        DataLoader(TensorDataset(np.arange(3.0)), batch_size=bs)


def test_a_zero_dimensional_tensor_is_refused_by_tensor_dataset() -> None:
    with pytest.raises(ValueError, match=r"one first dimension, got shapes \(\)"):
        TensorDataset(Tensor(np.array(1.0)))


def test_the_vocabulary_is_sorted_not_in_first_seen_order() -> None:
    data = CharData("bca\nb")
    assert data.chars == ["\n", "a", "b", "c"]
    assert data.char_to_ix == {"\n": 0, "a": 1, "b": 2, "c": 3}
    assert data.decode(data.encode("cab")) == "cab"


@pytest.mark.parametrize("ix", [[-1], [0, 4]])
def test_decode_refuses_an_index_outside_the_vocabulary(ix: list[int]) -> None:
    data = CharData("abcd")
    with pytest.raises(ValueError, match=r"decode: indices must be in \[0, 4\)"):
        data.decode(ix)  # -1 would silently read the last character


def test_load_text_limits_are_exact(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text("abcab", encoding="utf-8")
    assert load_text(p, max_bytes=5, max_vocab=3).chars == ["a", "b", "c"]  # exactly at both
    with pytest.raises(ValueError, match=r"\(5 bytes\) is larger than the 4-byte limit"):
        load_text(p, max_bytes=4)
    with pytest.raises(ValueError, match="has 3 distinct characters, more than the 2"):
        load_text(p, max_vocab=2)


def test_the_data_fingerprint_tells_shapes_dtypes_and_absent_splits_apart() -> None:
    a = np.zeros((2, 3))
    prints = {
        fingerprint(a), fingerprint(a.reshape(3, 2)), fingerprint(a.view(np.int64)),
        fingerprint(a, None), fingerprint(None, a), fingerprint(a, a),
    }
    assert len(prints) == 6
    assert fingerprint(a, None) == fingerprint(np.zeros((2, 3)), None)  # the same: the same


def _sample(tmp_path: Path, y_val: list[int]) -> Path:
    rng = np.random.default_rng(0)
    arrays = {}
    for s, y in (("train", [0, 9, 3, 3, 5]), ("val", y_val), ("test", [1, 2, 3])):
        arrays[f"x_{s}"] = rng.integers(0, 256, (len(y), 3072), dtype=np.uint8)
        arrays[f"y_{s}"] = np.array(y, dtype=np.int64)
    names = np.array(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                      "ship", "truck"])
    np.savez(tmp_path / "s.npz", label_names=names, **arrays)
    return tmp_path / "s.npz"


def test_normalization_uses_the_population_std_over_every_training_row(tmp_path: Path) -> None:
    data = load_embedded_sample(path=_sample(tmp_path, [0, 9, 3]))
    with np.load(tmp_path / "s.npz") as z:
        x = z["x_train"].astype(np.float64)
    np.testing.assert_allclose(data.mean, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(data.std, x.std(0), rtol=1e-12)  # ddof=0: the course's
    for chunk in (1, 2, 4):  # chunks that split the 5 rows unevenly: every row counted once
        mean, std = _train_stats(x.astype(np.uint8), chunk=chunk)
        np.testing.assert_allclose(mean, x.mean(0), rtol=1e-12, err_msg=str(chunk))
        np.testing.assert_allclose(std, x.std(0), rtol=1e-12, err_msg=str(chunk))


def test_an_embedded_sample_label_of_10_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"y_val must be integer labels in \[0, 10\)"):
        load_embedded_sample(path=_sample(tmp_path, [0, 10, 3]))


def test_a_cifar_batch_of_zero_images_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "data_batch_1"
    d = {b"data": np.zeros((0, 3072), dtype=np.uint8), b"labels": []}
    p.write_bytes(pickle.dumps(d, protocol=4))
    with pytest.raises(ValueError, match=r"b'data' must be uint8 of shape \(n, 3072\) with n >= 1"):
        load_cifar_batch(p)
    d = {b"data": np.zeros((1, 3072), dtype=np.uint8), b"labels": [7]}
    p.write_bytes(pickle.dumps(d, protocol=4))
    X, y = load_cifar_batch(p)
    assert X.shape == (1, 3072) and y.tolist() == [7]


def test_a_float32_datasets_one_hot_rows_are_float32(tmp_path: Path) -> None:
    data = load_embedded_sample(path=_sample(tmp_path, [0, 9, 3]), dtype=np.float32)
    Y = data.one_hot(data.y_val)
    assert Y.dtype == np.float32 and data.X_val.dtype == np.float32
    np.testing.assert_array_equal(Y.argmax(1), [0, 9, 3])


def test_transform_repeats_the_training_preprocessing_and_a_constant_feature_is_centred(
        tmp_path: Path) -> None:
    path = _sample(tmp_path, [0, 9, 3])
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["x_train"][:, 5] = 77  # a constant feature: std 0
    np.savez(path, **arrays)
    data = load_embedded_sample(path=path)
    assert np.isfinite(data.X_train).all() and np.isfinite(data.X_test).all()
    assert data.std[5] == 1.0 and not data.X_train[:, 5].any()
    np.testing.assert_allclose(data.transform(arrays["x_train"]), data.X_train, rtol=1e-12)
    np.testing.assert_allclose(data.transform(arrays["x_test"]), data.X_test, rtol=1e-12)


@pytest.mark.parametrize("bs", [2.0, 2.5, "2", True])
def test_a_batch_size_that_is_not_an_integer_is_refused_as_torch(bs) -> None:
    """batch_size=2.0 was taken as 2 (torch: "should be a positive integer value"), and "2"
    raised int()'s own ValueError; a NumPy integer stays accepted (friendlier than torch)."""
    with pytest.raises(ValueError, match=f"batch_size must be a positive integer, got {bs!r}"):
        DataLoader(TensorDataset(np.arange(3.0)), batch_size=bs)
    assert len(DataLoader(TensorDataset(np.arange(3.0)), batch_size=np.int64(2))) == 2
