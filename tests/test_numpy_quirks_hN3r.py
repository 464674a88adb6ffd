"""Second review of the broadcast-view write refusal (helper hN3r): writes that share no
memory between elements, or that replace the array rather than write into it, go through."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor

_as_strided = np.lib.stride_tricks.as_strided


def _empty_zero_stride() -> np.ndarray:
    """(3, 0), strides (0, 8), writable: no element, so none shares memory with another."""
    return _as_strided(np.zeros(0), (3, 0), (0, 8))


@pytest.mark.parametrize("write", [lambda t: t.add_(1.0), lambda t: t.zero_(),
                                   lambda t: tg.nn.init.normal_(t)], ids=["add_", "zero_", "init"])
def test_empty_zero_stride_write_allowed(write) -> None:
    torch = pytest.importorskip("torch")
    torch.zeros(1, 0).expand(3, 0).add_(1)  # torch writes it too (no element to overlap)
    t = tg.from_numpy(_empty_zero_stride())
    write(t)  # (HEAD: "a broadcast view ... whose elements share memory")
    assert t.shape == (3, 0)


def test_one_row_zero_stride_write_allowed() -> None:
    a = _as_strided(np.arange(4.0), (1, 4), (0, 8))
    t = tg.from_numpy(a)
    t += Tensor(np.ones((1, 4)))
    np.testing.assert_array_equal(a, [[1.0, 2.0, 3.0, 4.0]])


def test_load_state_dict_assign_replaces_broadcast_parameter() -> None:
    torch = pytest.importorskip("torch")
    tm = torch.nn.Linear(4, 3)
    tm.weight = torch.nn.Parameter(torch.arange(4.0).expand(3, 4))
    tm.load_state_dict({"weight": torch.ones(3, 4), "bias": torch.ones(3)}, assign=True)
    m = tg.nn.Linear(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shared = np.broadcast_arrays(np.arange(4.0), np.zeros((3, 4)))[0]
        m.W.data = shared  # nothing is written into it: assign=True gives W the loaded array
        state = {k: np.full(np.shape(v), 2.0) for k, v in m.state_dict().items()}
        m.load_state_dict(state, assign=True)  # (HEAD: refused as a write into a broadcast view)
    np.testing.assert_array_equal(m.W.data, np.full((3, 4), 2.0))
    np.testing.assert_array_equal(shared, np.broadcast_to(np.arange(4.0), (3, 4)))


def test_load_state_dict_copy_into_broadcast_parameter_still_refused() -> None:
    m = tg.nn.Linear(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.W.data = np.broadcast_arrays(np.arange(4.0), np.zeros((3, 4)))[0]
        state = {k: np.full(np.shape(v), 2.0) for k, v in m.state_dict().items()}
        with pytest.raises(RuntimeError, match="load_state_dict.*broadcast view"):
            m.load_state_dict(state)
    np.testing.assert_array_equal(m.W.data, np.broadcast_to(np.arange(4.0), (3, 4)))
