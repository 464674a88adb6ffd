"""A skeptic's review of the torch.* utilities (functional/dtypes.py, settings.py) and
top-level spellings (functional/torch_spellings.py): each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def test_unravel_index_shape_past_int64_is_refused_for_its_size_not_the_index() -> None:
    # np.prod in int64 wrapped (0 or negative entries), so the valid index 5 was refused as
    # "out of bounds for shape ... (0 entries)"
    with pytest.raises(ValueError, match="more than int64 holds") as e:
        tg.unravel_index(tg.tensor([5]), (2**40, 2**40))
    assert "\n" not in str(e.value)
    # a shape just inside int64 still unravels as torch's
    sh = (2**31, 2**31)
    ours = tg.unravel_index(tg.tensor([5, 2**40 + 3]), sh)
    theirs = torch.unravel_index(torch.tensor([5, 2**40 + 3]), sh)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.numpy(), t.numpy())
