"""Review of tg.testing.assert_close (helper hTOPr): no false pass where the allowance
`atol + rtol * |expected|` overflows or is infinite, exact integer differences, complex
magnitudes that overflow give the AssertionError (not Python's OverflowError), and negative
tolerances are refused in one line. Against torch 2.13 where torch is right."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

MAX32 = float(np.finfo(np.float32).max)


def _outcome(fn: Any, *args: Any, **kw: Any) -> str:
    try:
        fn(*args, **kw)
    except AssertionError:
        return "AssertionError"
    return "ok"


# (actual, expected, kwargs): torch fails each; np.isclose's rule (only expected's finiteness
# tested, rtol * |expected| overflowing) passed them
FALSE_PASSES = [
    (np.array([np.inf]), np.array([1.0]), {"rtol": 0.0, "atol": math.inf}),
    (np.array([np.inf]), np.array([1.0]), {"rtol": math.inf, "atol": 0.0}),
    (np.array([-np.inf, 2.0]), np.array([1.0, 2.0]), {"rtol": 0.0, "atol": math.inf}),
    (np.array([np.inf], np.float32), np.array([3e38], np.float32), {"rtol": 2.0, "atol": 0.0}),
    (np.array([np.inf], np.float16), np.array([60000], np.float16), {"rtol": 2.0, "atol": 0.0}),
    (np.array([complex(np.inf, 1)]), np.array([1 + 1j]), {"rtol": 0.0, "atol": math.inf}),
    # |expected| = 3.8e38 overflows complex64 (torch takes |rtol * expected|): |a - e| = 3.4e38
    (np.array([1.7e38j], np.complex64), np.array([-3.4e38 + 1.7e38j], np.complex64), {}),
    (np.array([[1.7e38j, 1]], np.complex64), np.array([[-MAX32 + 1.7e38j, 1]], np.complex64),
     {}),
]


@pytest.mark.parametrize("wrap", ["tensor", "ndarray"])
@pytest.mark.parametrize("case", range(len(FALSE_PASSES)))
def test_no_false_pass_when_the_allowance_is_infinite(case, wrap):
    a, e, kw = FALSE_PASSES[case]
    theirs = _outcome(torch.testing.assert_close, torch.from_numpy(a), torch.from_numpy(e), **kw)
    assert theirs == "AssertionError"
    ours = (tg.Tensor(a), tg.Tensor(e)) if wrap == "tensor" else (a, e)
    with pytest.raises(AssertionError, match="not close"):
        tg.testing.assert_close(*ours, **kw)


def test_integer_differences_are_exact():
    # |2**62 - (2**62 + 1)| = 1 > 0.5: float64 rounding made them equal (torch passes too);
    # int32 -1 vs 2**31 - 1: torch's difference wraps to -2**31 and passes; the true one is 2**31
    cases = [(np.int64([2**62]), np.int64([2**62 + 1]), {"rtol": 0.0, "atol": 0.5}),
             (np.int64([2**63 - 1]), np.int64([2**63 - 2]), {"rtol": 0.0, "atol": 0.5}),
             (np.int64([-(2**63)]), np.int64([2**63 - 1]), {"rtol": 0.0, "atol": 1e18}),
             (np.int32([-1]), np.int32([2**31 - 1]), {"rtol": 1.0, "atol": 1e-8}),
             (np.uint8([3]), np.uint8([250]), {"rtol": 0.0, "atol": 10.0})]
    for a, e, kw in cases:
        with pytest.raises(AssertionError, match="not close"):
            tg.testing.assert_close(tg.Tensor(a), tg.Tensor(e), **kw)
    tg.testing.assert_close(tg.Tensor(np.int64([2**62])), tg.Tensor(np.int64([2**62 + 1])),
                            rtol=0.0, atol=1.0)
    tg.testing.assert_close(np.uint8([250]), np.uint8([245]), rtol=0.0, atol=5.0)


@pytest.mark.parametrize("pair", [
    (complex(1, 1.7976931348623157e308), complex(8.988465674311579e307, 1.000001)),
    (complex(1.7e308, 1.7e308), complex(-1.7e308, -1.7e308)),
])
def test_overflowing_complex_magnitudes_fail_with_the_assertion(pair):
    a, e = pair
    for actual, expected in [(a, e), (np.array(a), np.array(e)), (tg.tensor(a), tg.tensor(e))]:
        with pytest.raises(AssertionError, match="Scalars are not close"):
            tg.testing.assert_close(actual, expected)


def test_negative_tolerances_are_refused():
    t = tg.tensor([1.0])
    for kw in [{"rtol": -1.0, "atol": 0.0}, {"rtol": 0.0, "atol": -1e-3},
               {"rtol": math.nan, "atol": 0.0}]:
        with pytest.raises(ValueError, match="must be non-negative") as err:
            tg.testing.assert_close(t, t, **kw)
        assert "\n" not in str(err.value)
