"""load_state_dict and broadcast views (helper hB): a buffer that is a writable broadcast view
(np.broadcast_arrays', as_strided with a 0 stride) is refused at the copy, as a parameter is,
naming the entry (the copy left every element the last value written); assign=True gives a
parameter or buffer an array of its own for such a view (it took the view, and the first
optimizer step refused it; a read-only array was already copied likewise)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn

_as_strided = np.lib.stride_tricks.as_strided


def _shared(n: int = 3) -> np.ndarray:
    """(n,) writable, one memory for every element."""
    return _as_strided(np.zeros(1), (n,), (0,))


def _shared_rows() -> np.ndarray:
    """(3, 4) writable rows that are one memory (NumPy 2 warns only at the write)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.broadcast_arrays(np.arange(4.0), np.zeros((3, 4)))[0]


@pytest.mark.parametrize("make", [_shared, lambda: np.broadcast_arrays(
    np.zeros(1), np.zeros(3))[0]], ids=["as_strided", "broadcast_arrays"])
def test_batchnorm_broadcast_buffer_copy_refused(make) -> None:
    torch = pytest.importorskip("torch")
    tbn = torch.nn.BatchNorm1d(3)
    tbn.register_buffer("running_mean", torch.zeros(1).expand(3))
    with pytest.raises(RuntimeError, match="more than one element"):
        tbn.load_state_dict({**tbn.state_dict(), "running_mean": torch.tensor([1.0, 2.0, 3.0])})
    bn = nn.BatchNorm1d(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bn.register_buffer("running_mean", make())
        state = {**bn.state_dict(), "running_mean": np.array([1.0, 2.0, 3.0])}
        with pytest.raises(RuntimeError, match=r"^BatchNorm1d\.load_state_dict\(\): buffer "
                           r"'running_mean' is a broadcast view [^\n]*$"):
            bn.load_state_dict(state)  # (before: running_mean became [3, 3, 3])
    np.testing.assert_array_equal(bn.running_mean, np.zeros(3))  # nothing written


def test_nested_buffer_refused_before_any_copy() -> None:
    m = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    m[1].register_buffer("running_var", _shared())
    state = {k: np.full(np.shape(v), 7.0) for k, v in m.state_dict().items()}
    before = m[0].W.data.copy()
    with pytest.raises(RuntimeError, match=r"buffer '1\.running_var' is a broadcast view"):
        m.load_state_dict(state)
    np.testing.assert_array_equal(m[0].W.data, before)  # all or nothing


def test_parameter_broadcast_copy_names_key() -> None:
    lin = nn.Linear(4, 3)
    lin.W.data = _shared_rows()
    state = {k: np.full(np.shape(v), 2.0) for k, v in lin.state_dict().items()}
    with pytest.raises(RuntimeError, match=r"parameter 'W' is a broadcast view"):
        lin.load_state_dict(state)


def test_assign_broadcast_view_buffer_copied() -> None:
    """A buffer given such a view by assign=True gets an array of its own: a training forward
    updates the running statistics in place (every channel the last one's, silently)."""
    bn = nn.BatchNorm1d(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (NumPy's FutureWarning at reading its flags)
        src = np.broadcast_arrays(np.zeros(1), np.zeros(3))[0]  # (as_strided's: copied before)
        bn.load_state_dict({**bn.state_dict(), "running_mean": src}, assign=True)
    assert 0 not in bn.running_mean.strides and not np.shares_memory(bn.running_mean, src)
    x = np.arange(12.0).reshape(4, 3)
    bn(Tensor(x))
    np.testing.assert_allclose(bn.running_mean, x.mean(0), rtol=1e-15)  # (the first batch)


def test_assign_broadcast_view_parameter_copied() -> None:
    """torch's assign=True takes an expanded tensor, whose first step then raises; ours gives
    the parameter the same values in an array of its own, so training works."""
    lin = nn.Linear(4, 3)
    src = _shared_rows()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (NumPy's FutureWarning at reading its flags)
        lin.load_state_dict({"W": src, "b": np.zeros(3)}, assign=True)
    assert 0 not in lin.W.data.strides and not np.shares_memory(lin.W.data, src)
    np.testing.assert_array_equal(lin.W.data, np.broadcast_to(np.arange(4.0), (3, 4)))
    x = np.arange(8.0).reshape(2, 4)
    lin(Tensor(x)).sum().backward()
    tg.optim.SGD(lin.parameters(), lr=0.1).step()  # (before: refused, a broadcast view)
    want = np.arange(4.0) - 0.1 * x.sum(0)
    np.testing.assert_allclose(lin.W.data, np.broadcast_to(want, (3, 4)), rtol=0, atol=1e-15)
    np.testing.assert_array_equal(src[0], np.arange(4.0))  # the state dict's array untouched
    w = np.ones((3, 4))
    lin.load_state_dict({"W": w, "b": np.zeros(3)}, assign=True)
    assert lin.W.data is w  # (only a view that cannot be trained is copied)
