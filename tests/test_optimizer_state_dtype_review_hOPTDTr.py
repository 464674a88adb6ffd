"""Review of optimizer state following a parameter's dtype (hOPTDTr): a parameter cast while its
gradient was None, then stepped alone where another (stepped alone before) had made the same
dtype list, kept its float64 buffers for good (the skip compared dtypes only, not which
parameters were stepped)."""

import warnings

import numpy as np
import pytest

from tinygrad_dl import optim
from tinygrad_dl.tensor import Tensor

NAMES = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam",
         "Rprop", "ASGD"]


def _kw(name):
    return {"SGD": {"lr": 0.1, "momentum": 0.9}}.get(name, {"lr": 0.1} if name != "Adadelta"
                                                       else {})


@pytest.mark.parametrize("name", NAMES)
def test_parameter_cast_while_skipped_follows_later(name):
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = getattr(optim, name)([a, b], **_kw(name))
    a.grad, b.grad = np.ones(3), np.ones(2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the parameter without a gradient is named)
        a.data = a.data.astype(np.float32)
        a.grad, b.grad = np.ones(3, np.float32), None
        opt.step()
        b.data = b.data.astype(np.float32)
        a.grad, b.grad = None, np.ones(2, np.float32)
        opt.step()
    arrays = {k: v.dtype for k, v in opt.state[1].items() if isinstance(v, np.ndarray)}
    assert arrays and all(dt == np.float32 for dt in arrays.values()), arrays
    assert b.data.dtype == np.float32


def test_unchanged_steps_keep_state_objects():
    """The skip still holds: a step with nothing cast keeps the very same buffers."""
    a = Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    a.grad = np.ones(3)
    opt.step()
    m = opt.state[0]["exp_avg"]
    opt.step()
    assert opt.state[0]["exp_avg"] is m and m.dtype == np.float64
