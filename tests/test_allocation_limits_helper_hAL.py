"""The one allocation check (tinygrad_dl.ops.allocation): refused against the machine's (or
the process's) memory before allocating, not weighed at all for outputs up to 1 GiB, and
its exception both a MemoryError and a ValueError."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.ops import allocation
from tinygrad_dl.ops.allocation import TooBig, check_alloc, size_text

BIG = 10**15


def _refused(op, fn):
    with pytest.raises(TooBig) as e:
        fn()
    assert isinstance(e.value, MemoryError) and isinstance(e.value, ValueError)
    msg = str(e.value)
    assert msg.startswith(op) and "would need" in msg and "\n" not in msg, msg
    return msg


def test_refused_against_the_limit_before_allocating(monkeypatch):
    """2 GiB against a 1 GiB limit: refused by the check, never by NumPy (no allocation)."""
    monkeypatch.setattr(allocation, "memory_limit", lambda: 1 << 30)
    msg = _refused("zeros", lambda: tg.zeros(2**28))
    assert "2 GiB" in msg and "1 GiB" in msg, msg
    with pytest.raises(TooBig, match="^linspace"):
        tg.linspace(0, 1, 2**28)


def test_common_sizes_pass_and_are_not_weighed(monkeypatch):
    """Up to 1 GiB nothing reads the machine's memory (no cost for the common sizes)."""
    def boom():
        raise AssertionError("memory_limit read for a small output")
    monkeypatch.setattr(allocation, "memory_limit", boom)
    assert tg.zeros(3, 4).shape == (3, 4)
    assert tg.arange(10).shape == (10,)
    assert tg.linspace(0, 1, 5).shape == (5,)
    assert tg.full((2,), 1.0).tolist() == [1.0, 1.0]
    assert tg.eye(3).shape == (3, 3)
    check_alloc("x", (2**27,), np.float64)  # exactly 1 GiB: free


def test_helper_ignores_shapes_the_op_refuses_itself():
    check_alloc("x", (-1, BIG))  # (a negative size: the op's own message)
    check_alloc("x", ("a",))
    with pytest.raises(ValueError, match="non-negative"):
        tg.zeros(3).new_zeros(-1, BIG)


def test_size_text():
    assert size_text(512) == "512 B"
    assert size_text(1536) == "1.5 KiB"
    assert size_text(8 * BIG) == "7.11 PiB"
    assert size_text(2.0**80) == "1.05e+06 EiB"


def test_memory_limit_is_positive():
    assert allocation.memory_limit() > 0
