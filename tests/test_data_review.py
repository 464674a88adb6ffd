"""A skeptic's review of the data pipeline: what gave a wrong number (or a nonsense batch)
without a word. The default collate stacked strings and None into a Tensor (PyTorch gives a
list of strings and refuses None); the char-RNN's decode and one_hot_sequence cast float
indices to int64 (0.5 and 1.9 became characters 0 and 1) where one_hot refuses them; and
Dataset.transform met images (n, 3, 32, 32) with NumPy's broadcasting error."""

from __future__ import annotations

import os
from collections import namedtuple

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.data import CharData, load_embedded_sample, one_hot_sequence
from tinygrad_dl.utils.data import DataLoader, Dataset, IterableDataset, collate

try:
    import torch
    import torch.utils.data as tud
except ImportError:  # the comparisons with torch skip; the rest runs
    torch = tud = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


class Items(Dataset):
    def __init__(self, items: list) -> None:
        self.items = items

    def __getitem__(self, i: int) -> object:
        return self.items[i]

    def __len__(self) -> int:
        return len(self.items)


class Stream(IterableDataset):
    def __init__(self, items: list) -> None:
        self.items = items

    def __iter__(self):
        return iter(self.items)


# ---- collate: strings are a list, None and objects are refused ----------------------------------
@pytest.mark.parametrize("items", [["a", "bb", "c"], [b"x", b"yz", b"w"],
                                   [np.str_("a"), np.str_("b"), np.str_("c")]])
def test_strings_collate_into_a_list_as_torch(items: list) -> None:
    got = [b for b in DataLoader(Items(items), batch_size=2)]
    assert got == [items[:2], items[2:]]
    assert all(type(b) is list for b in got)
    assert list(DataLoader(Stream(items), batch_size=3)) == [items]
    if tud is not None:
        assert [list(b) for b in tud.DataLoader(items, batch_size=2)] == got


def test_a_file_name_beside_the_image_stays_a_list_of_names() -> None:
    Sample = namedtuple("Sample", "x y name")
    items = [Sample(np.full(3, i, np.float32), i, f"img_{i}.png") for i in range(3)]
    xb, yb, names = next(iter(DataLoader(Items(items), batch_size=3)))
    assert isinstance(xb, Tensor) and xb.shape == (3, 3) and xb.dtype == np.float32
    assert yb.data.tolist() == [0, 1, 2]
    assert names == ["img_0.png", "img_1.png", "img_2.png"]
    d = next(iter(DataLoader(Items([{"id": "a", "v": 1.0}, {"id": "b", "v": 2.0}]),
                             batch_size=2)))
    assert d["id"] == ["a", "b"] and d["v"].data.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("items", [[None, None], [object(), object()],
                                   [np.array(["a", "b"]), np.array(["c", "d"])],
                                   [np.array([1, None], dtype=object)] * 2,
                                   [np.datetime64("2026-01-01"), np.datetime64("2026-01-02")]])
def test_none_objects_and_string_arrays_are_refused_as_torch(items: list) -> None:
    with pytest.raises(TypeError, match=r"^default_collate: batch must contain tensors") as e:
        collate(items)
    assert "\n" not in str(e.value)
    if tud is not None:
        with pytest.raises(TypeError, match="default_collate: batch must contain"):
            tud.default_collate(items)


# ---- text: indices must be integers ------------------------------------------------------------
def test_float_or_bool_character_indices_are_refused_not_truncated() -> None:
    c = CharData("hello world")
    for bad in ([1.7, 2.2], np.array([0.5, 1.9]), [True, False]):
        with pytest.raises(ValueError, match=r"^decode: character indices must be integers"):
            c.decode(bad)
        with pytest.raises(ValueError, match=r"^one_hot_sequence: character indices must be "):
            c.one_hot(bad)
        with pytest.raises(ValueError, match=r"^one_hot_sequence: character indices must be "):
            one_hot_sequence(bad, c.K)
    # integers of any width still work, and an empty sequence is the empty string
    ix = c.encode("hello")
    for good in (ix, ix.astype(np.uint8), ix.tolist(), Tensor(ix)):
        assert c.decode(good) == "hello"
        np.testing.assert_array_equal(c.one_hot(good), np.eye(c.K)[ix])
    assert c.decode([]) == "" and c.decode(np.array([], dtype=np.int64)) == ""
    assert c.one_hot([]).shape == (0, c.K)


# ---- Dataset.transform: rows only ---------------------------------------------------------------
def test_transform_names_the_layout_it_needs() -> None:
    d = load_embedded_sample()
    with np.load(_sample()) as z:
        raw = z["x_test"]
    np.testing.assert_array_equal(d.transform(raw), d.X_test)
    np.testing.assert_array_equal(d.transform(raw[0]), d.X_test[0])
    for X in (raw.reshape(-1, 3, 32, 32), raw.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1),
              raw[:, :100], raw[:10].T):
        with pytest.raises(ValueError, match=r"^Dataset\.transform: X must be rows of 3072 "):
            d.transform(X)
    plain = load_embedded_sample(normalize=False)  # the same rule without normalization
    with pytest.raises(ValueError, match=r"^Dataset\.transform"):
        plain.transform(raw.reshape(-1, 3, 32, 32))


def _sample() -> str:
    from importlib import resources
    return str(resources.files("tinygrad_dl") / "_data" / "cifar10_sample.npz")


# ---- the sample's splits: n >= 1, as a batch file's ----------------------------------------------
@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_an_empty_split_in_a_sample_file_is_refused_not_nan(split: str, tmp_path) -> None:
    with np.load(_sample()) as z:
        arrays = dict(z)
    arrays[f"x_{split}"], arrays[f"y_{split}"] = arrays[f"x_{split}"][:0], arrays[f"y_{split}"][:0]
    p = tmp_path / "odd name é.npz"
    np.savez(p, **arrays)
    with pytest.raises(ValueError, match=rf"odd name é\.npz: x_{split} must be uint8 \(n, 3072\) "
                                         r"with n >= 1"):
        load_embedded_sample(path=p)


# ---- download: an empty --dir is refused, as an empty --data is ----------------------------------
def test_an_empty_dir_is_refused_before_anything_is_written(tmp_path, monkeypatch) -> None:
    from tinygrad_dl.data import download_cifar10
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("TINYGRAD_DL_CIFAR10_URL", "http://127.0.0.1:9/never-fetched.tar.gz")
    with pytest.raises(ValueError, match=r"^--dir/target is an empty string \(an unset "):
        download_cifar10("", progress=False, log=None)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["work"]


def test_a_search_data_digest_does_not_go_stale_when_a_file_is_replaced(tmp_path):
    """The per-process digest cache keyed on (path, size, mtime): a text of the same size
    restored to the old mtime (tar x, rsync -t) kept the old digest, so a worker's check that
    it trains on the client's data passed on other data (the data review's leftover)."""
    from tinygrad_dl.search.trial import resolve_data

    text = tmp_path / "t.txt"
    text.write_text("hello world\n" * 20)
    before = resolve_data("char-rnn", None, str(text)).digest
    st = text.stat()
    text.write_text("HELLO WORLD\n" * 20)  # the same size
    os.utime(text, ns=(st.st_atime_ns, st.st_mtime_ns))  # the old mtime restored
    assert resolve_data("char-rnn", None, str(text)).digest != before
