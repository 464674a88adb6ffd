"""Second review of the bool refusals of abs/floor/ceil/round/trunc and square's int64: a bool
array whose dtype is not NumPy's cached np.dtype(bool) object (unpickled: a DataLoader worker's
batch, a pickled checkpoint; a dtype with metadata) went by the `dtype is` check, so floor
returned the bools, round float16 and square int8, without a word, as before the fix."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _bools() -> list[np.ndarray]:
    b = np.array([True, False, True])
    return [b, pickle.loads(pickle.dumps(b)),
            np.array([True, False, True], dtype=np.dtype(bool, metadata={"m": 1}))]


@pytest.mark.parametrize("op", ["floor", "ceil", "trunc", "round", "abs", "fix"])
def test_unpickled_bool_refused_as_torch(op: str) -> None:
    with pytest.raises(NotImplementedError):
        getattr(torch.tensor([True, False]), op)()
    for b in _bools():
        with pytest.raises(NotImplementedError, match=r"not implemented for dtype bool"):
            getattr(tg.tensor(b), op)()


def test_unpickled_bool_abs_dunder_and_square_as_torch() -> None:
    want = torch.tensor([True, False, True]).square()
    for b in _bools():
        with pytest.raises(NotImplementedError, match="abs: not implemented for dtype bool"):
            abs(tg.tensor(b))
        sq = tg.tensor(b).square()
        assert str(sq.dtype) == str(want.dtype).removeprefix("torch.")
        assert sq.data.tolist() == want.tolist()
