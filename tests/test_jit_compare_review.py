"""A skeptic's review of comparisons as recorded ops inside a jit recording (ops.Compare,
tests/test_jit_compare.py): each test failed before its fix. Jitted and eager side by side,
compared bit for bit over calls whose data change."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl.jit import JitError, jit


def weights() -> tg.Tensor:
    return tg.Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)


def written_mask(how):
    def make(W):
        def step(x):
            z = tg.Tensor(x) @ W
            m = z > 0
            how(m, z)
            loss = (z * m).sum()
            loss.backward()
            return loss
        return step
    return make


def _first_row(m, z):
    m.data[0] = False


def _ored(m, z):
    m.data |= z.data < -1


@pytest.mark.parametrize("how", [_first_row, _ored], ids=["m.data[0] = v", "m.data |= M"])
def test_a_mask_written_through_data_is_refused(how):
    """The mask was a constant (refused); as a Compare op's output, replay computed it afresh
    and dropped the step's write: another loss and gradient, without a word."""
    Wa, Wb = weights(), weights()
    eager, step = written_mask(how)(Wa), jit(written_mask(how)(Wb))
    rng = np.random.default_rng(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(5):
            x = rng.standard_normal((5, 3))
            Wa.grad = Wb.grad = None
            assert eager(x).item() == step(x).item()
            np.testing.assert_array_equal(Wa.grad, Wb.grad)
    assert step.replays == 0
    assert any("writes into the mask" in str(w.message) for w in caught)
    with pytest.raises(JitError, match=r"writes into the mask that op 1 \(Compare\)"):
        jit(written_mask(how)(weights()), strict=True)(rng.standard_normal((5, 3)))


def test_gaussian_nll_loss_checks_each_replayed_var():
    """Its `v >= eps` clamp made the step fall back; replayed, the Python check of var's
    sign ran only while recording: a negative var gave a number instead of the error."""
    W = weights()

    def step(x, var):
        loss = F.gaussian_nll_loss(tg.Tensor(x) @ W, tg.zeros(5, 4), tg.Tensor(var))
        loss.backward()
        return loss

    jitted = jit(step, strict=True)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x, var = rng.standard_normal((5, 3)), rng.random((5, 4)) + 0.1
        W.grad = None
        a = step(x, var).item()
        ga = W.grad
        W.grad = None
        assert jitted(x, var).item() == a
        np.testing.assert_array_equal(W.grad, ga)
    assert jitted.replays == 2
    var[0, 0] = -1.0
    for fn in (jitted, step):
        W.grad = None
        with pytest.raises(ValueError, match=r"var has negative entry/entries \(var of shape "
                                             r"\(5, 4\)\)"):
            fn(x, var)


class Unit(tg.Tensor):
    """A user's subclass whose constructor takes one more argument."""

    __slots__ = ("unit",)

    def __init__(self, data, unit):
        super().__init__(data)
        self.unit = unit


def test_a_subclass_compares_to_a_plain_tensor_while_recording():
    """Eagerly a comparison gives a plain Tensor; while recording it gave x's type, and a
    subclass whose __init__ takes more failed there only."""
    jitted = jit(lambda x: Unit(x, "m") > 0, strict=True)
    for i in range(3):
        x = np.random.default_rng(i).standard_normal(4)
        m = jitted(x)
        assert type(m) is tg.Tensor
        np.testing.assert_array_equal(m.data, x > 0)
    assert jitted.replays == 1
