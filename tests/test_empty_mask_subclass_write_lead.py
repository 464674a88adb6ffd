"""A 1-D boolean mask of length 0 against a non-empty axis is refused for writes as for
reads whatever ndarray subclass holds it: a np.memmap mask (a mask saved to disk) wrote
nothing without a word (`x[m] = 5` left x as it was), where a plain array's is refused."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg


def _masks(tmp_path):
    m = np.memmap(tmp_path / "mask.bin", dtype=bool, mode="w+", shape=(0,))
    return [np.zeros(0, bool), m]


def test_an_empty_mask_of_any_ndarray_type_is_refused_for_a_write(tmp_path):
    for mask in _masks(tmp_path):
        x = tg.arange(4.0)
        with pytest.raises(IndexError, match="boolean mask of length 0") as e:
            x[mask] = 5.0
        assert "\n" not in str(e.value) and x.tolist() == [0.0, 1.0, 2.0, 3.0]
        with pytest.raises(IndexError, match="boolean mask of length 0"):
            x[mask]
        y = tg.zeros((2, 3))
        with pytest.raises(IndexError, match="boolean mask of length 0"):
            y[:, mask] = 1.0  # (the tuple path)
        assert not y.numpy().any()


def test_an_empty_mask_against_an_empty_axis_still_writes_nothing(tmp_path):
    m = np.memmap(tmp_path / "m.bin", dtype=bool, mode="w+", shape=(0,))
    x = tg.zeros((0, 3))
    x[m] = 1.0  # (nothing to pick, nothing lost: as NumPy and torch)
    assert x.shape == (0, 3)


def test_a_full_length_memmap_mask_writes(tmp_path):
    m = np.memmap(tmp_path / "m.bin", dtype=bool, mode="w+", shape=(4,))
    m[[1, 3]] = True
    x = tg.arange(4.0)
    x[m] = -1.0
    assert x.tolist() == [0.0, -1.0, 2.0, -1.0]
