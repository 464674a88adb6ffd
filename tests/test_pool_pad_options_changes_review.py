"""Second review of the pooling/padding options change: F.pad with negative widths under jit."""

import warnings

import numpy as np
import pytest

from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.tensor import Tensor


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_negative_widths_replays_under_jit(mode):
    # constant mode's crop handed Pad an array of widths made inside the step: jit refused
    # to replay (a warning, eager every call); the widths are ints now, as the other modes'
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((2, 5, 6)), requires_grad=True)
    widths = (-1, 2, 2, -1)

    @jit
    def step(X):
        (F.pad(w * Tensor(X), widths, mode) ** 2).sum().backward()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            X = rng.standard_normal((2, 5, 6))
            w.grad = None
            step(X)
            replayed = np.array(w.grad)
            w.grad = None
            (F.pad(w * Tensor(X), widths, mode) ** 2).sum().backward()
            np.testing.assert_array_equal(replayed, np.array(w.grad))
