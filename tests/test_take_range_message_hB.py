"""tg.take's out-of-range refusal names the index value and the size (helper hB), as gather's
and index_select's do (it said "an index is out of range for 6 entries"); a uint64 one is
named as check_uint64 names it for the other index ops."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor


@pytest.mark.parametrize("bad, named", [(7, 7), (-7, -7), (6, 6)])
def test_take_out_of_range_names_value_and_size(bad, named) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises((IndexError, RuntimeError), match=f"index {named} on a tensor of 6"):
        torch.take(torch.zeros(2, 3), torch.tensor([0, bad]))
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with pytest.raises(IndexError, match=rf"^take: index {named} is out of bounds for the "
                       r"flattened input of size 6 \(shape \(2, 3\)\); torch\.take takes "
                       r"\[-6, 6\)$"):
        tg.take(t, tg.tensor([0, bad]))


def test_take_uint64_index_named() -> None:
    t = Tensor(np.arange(6.0))
    with pytest.raises(IndexError, match=r"^take: index 18446744073709551615 \(uint64\) is out "
                       r"of bounds for axis 0 of the flattened input of size 6$"):
        t.take(np.array([1, 2**64 - 1], np.uint64))
    np.testing.assert_array_equal(t.take(np.array([5, 0], np.uint64)).data, [5.0, 0.0])
