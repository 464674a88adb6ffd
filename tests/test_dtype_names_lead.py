"""PyTorch's dtype names for the dtypes NumPy and tinygrad_dl hold but that had no name here:
`tg.complex64` / `complex128` / `cfloat` / `cdouble` and `tg.uint16` / `uint32` / `uint64`
(AttributeError before, so `torch.complex128` code failed on its first line)."""

import numpy as np
import pytest

import tinygrad_dl as tg

NAMES = {"complex64": np.complex64, "complex128": np.complex128, "cfloat": np.complex64,
         "cdouble": np.complex128, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_name_is_the_numpy_dtype_and_makes_tensors(name):
    dt = getattr(tg, name)
    assert np.dtype(dt) == np.dtype(NAMES[name])
    assert tg.zeros(2, dtype=dt).dtype == NAMES[name]
    assert tg.tensor([1, 2], dtype=dt).dtype == NAMES[name]
    assert tg.ones(3).to(dt).dtype == NAMES[name]


@pytest.mark.parametrize("name", sorted(NAMES))
def test_name_matches_torchs(name):
    torch = pytest.importorskip("torch")
    t = torch.zeros(2, dtype=getattr(torch, name))
    assert str(t.numpy().dtype) == np.dtype(getattr(tg, name)).name


def test_bfloat16_stays_absent_with_numpy():
    assert not hasattr(np, "bfloat16") and not hasattr(tg, "bfloat16")
