"""A parameter on memory no NumPy array owns (helper hB): an np.lib.stride_tricks.as_strided
view (writable, no 0 stride) is made read-only by a forward's lock, and NumPy will not set it
writable again; the step's refusal said "has a read-only array", which the user never made.
It now says why (and load_state_dict's copy likewise)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn

_as_strided = np.lib.stride_tricks.as_strided


def _strided() -> np.ndarray:
    """(2, 3) rows of a 6-entry buffer, writable, strides (24, 8): no element shared."""
    return _as_strided(np.arange(6.0), (2, 3), (24, 8))


@pytest.mark.parametrize("opt", [tg.optim.SGD, tg.optim.Adam])
def test_step_on_as_strided_parameter_says_why(opt) -> None:
    w = Tensor(_strided(), requires_grad=True, name="w")
    assert w.data.flags.writeable  # the user's array is writable
    (w * w).sum().backward()
    with pytest.raises(ValueError, match=r"^\w+\.step\(\): parameter w has a read-only array, "
                       r"a view of memory no NumPy array owns \(np\.lib\.stride_tricks\.as_strided"
                       r"[^\n]*a forward sets[^\n]*p\.data = p\.data\.copy\(\)$"):
        opt([w], lr=0.1).step()
    fresh = Tensor(_strided(), requires_grad=True)  # no forward, no lock: the step writes it
    fresh.grad = np.ones((2, 3))
    opt([fresh], lr=0.5).step()
    assert (fresh.data < np.arange(6.0).reshape(2, 3)).all()
    plain = Tensor(np.broadcast_to(np.arange(3.0), (2, 3)), requires_grad=True, name="p")
    plain.grad = np.ones((2, 3))  # read-only of its own: the message as it was
    with pytest.raises(ValueError, match=r"parameter p has a read-only array: nothing"):
        opt([plain], lr=0.1).step()


def test_load_into_locked_as_strided_parameter_says_why() -> None:
    lin = nn.Linear(3, 2)
    lin.W.data = _strided()  # (an input that requires grad: Linear saves W for its gradient,
    lin(Tensor(np.ones((1, 3)), requires_grad=True)).sum().backward()  # so it is locked)
    state = {k: np.zeros(np.shape(v)) for k, v in lin.state_dict().items()}
    with pytest.raises(ValueError, match=r"parameter 'W' is a read-only array, a view of memory "
                       "no NumPy array owns"):
        lin.load_state_dict(state)
