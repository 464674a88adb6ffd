"""A float cast to an integer dtype inside a jitted step warns at replay as it does eagerly.

Eagerly `x.long()` of a NaN, an inf or a number past the dtype's range gives torch's number
and a RuntimeWarning at the caller's line naming the cast (`int_cast`). A replayed step cast
each call's values again (`ConstantCast`) but said nothing: the same -2**63 came out of a NaN
without a word once the step was replayed. These tests failed before ConstantCast's forward
warned (the replay's calls gave no warning)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit


def _calls(cast, values: list[np.ndarray], jitted: bool) -> list[tuple[np.ndarray, list]]:
    """(output, the warnings said) of each call of a step whose loss uses cast(x, w)."""
    w = tg.tensor(np.ones(3), requires_grad=True)

    def step(x):
        y = cast(x, w)
        loss = (w * y.double()).sum()
        loss.backward()
        return loss

    f = jit(step) if jitted else step
    out = []
    for v in values:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            loss = f(v)
        out.append((np.array(loss.data), [s for s in said if s.category is RuntimeWarning]))
        w.grad = None
    if jitted:
        assert f.replays >= len(values) - 2  # (the late calls were replays, not eager runs)
    return out


CLEAN = np.array([1.0, 2.0, 3.0])
CASTS = {"long": lambda x, w: (tg.Tensor(x) * w).long(),
         "int": lambda x, w: (tg.Tensor(x) * w).int(),
         "to_int16": lambda x, w: (tg.Tensor(x) * w).to(tg.int16),
         "tensor_of_an_argument": lambda x, w: tg.Tensor(x, dtype=np.int64)}


@pytest.mark.parametrize("name", list(CASTS))
@pytest.mark.parametrize("bad", [np.nan, np.inf, 3e30])
def test_a_replayed_cast_of_a_bad_value_warns_as_eagerly(name: str, bad: float) -> None:
    values = [CLEAN, CLEAN, CLEAN, np.array([1.0, bad, 3.0]), CLEAN]
    eager = _calls(CASTS[name], values, jitted=False)
    replay = _calls(CASTS[name], values, jitted=True)
    for (e_out, e_said), (r_out, r_said) in zip(eager, replay):
        assert np.array_equal(e_out, r_out)
        assert len(r_said) == len(e_said)  # (one each, not two while recording)
    assert len(replay[3][1]) == 1 and "has no int" in str(replay[3][1][0].message)
    assert replay[3][1][0].filename == __file__  # (at the caller's line, as eagerly)
    assert not any(said for i, (_, said) in enumerate(replay) if i != 3)


def test_a_cast_recorded_with_a_bad_value_warns_once() -> None:
    """The first call (the recording) warns once: int_cast's warning and the op's forward are
    one now (the recording used to warn from both paths' checks in turn)."""
    values = [np.array([np.nan, 2.0, 3.0]), CLEAN, CLEAN]
    replay = _calls(CASTS["long"], values, jitted=True)
    assert [len(said) for _, said in replay] == [1, 0, 0]
