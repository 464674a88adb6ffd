"""Constructors asked for more memory than the machine has (a typo, 10**15 entries): one line
naming the op, the shape and the bytes, raised before NumPy allocates (it raised a bare
"Unable to allocate 7.11 PiB for an array with shape (1000000000000000,)", naming no op, or
"Maximum allowed dimension exceeded"). No test here allocates more than a few bytes."""

import numpy as np
import pytest

import tinygrad_dl as tg

BIG = 10**15  # 8 PB of float64: beyond any machine


def _refused(op, fn):
    with pytest.raises(MemoryError) as e:
        fn()
    assert isinstance(e.value, ValueError)  # (and a MemoryError: both catch it)
    msg = str(e.value)
    assert msg.startswith(f"{op}") and "would need" in msg and "\n" not in msg, msg
    return msg


@pytest.mark.parametrize("op, fn", [
    ("zeros", lambda: tg.zeros(BIG)),
    ("zeros", lambda: tg.zeros(10**5, 10**10)),
    ("ones", lambda: tg.ones((BIG,))),
    ("empty", lambda: tg.empty(BIG)),
    ("full", lambda: tg.full((BIG,), 1.0)),
    ("rand", lambda: tg.rand(BIG)),
    ("randn", lambda: tg.randn(BIG, 2)),
    ("randint", lambda: tg.randint(0, 10, (BIG,))),
    ("randperm", lambda: tg.randperm(BIG)),
    ("normal", lambda: tg.normal(0.0, 1.0, size=(BIG,))),
    ("arange", lambda: tg.arange(BIG)),
    ("arange", lambda: tg.arange(0, 1, 1e-15)),
    ("arange", lambda: tg.arange(0, BIG, dtype=np.int32)),
    ("linspace", lambda: tg.linspace(0, 1, BIG)),
    ("logspace", lambda: tg.logspace(0, 1, BIG)),
    ("eye", lambda: tg.eye(10**8)),
    ("tril_indices", lambda: tg.tril_indices(10**8, 10**8)),
    ("triu_indices", lambda: tg.triu_indices(10**8, 10**8)),
    ("cartesian_prod", lambda: tg.cartesian_prod(tg.zeros(10**4), tg.zeros(10**4),
                                                 tg.zeros(10**4))),
    ("combinations", lambda: tg.combinations(tg.zeros(10**5), r=3)),
    ("new_zeros", lambda: tg.zeros(3).new_zeros(BIG)),
    ("new_ones", lambda: tg.zeros(3).new_ones(BIG)),
    ("new_empty", lambda: tg.zeros(3).new_empty(BIG)),
    ("new_full", lambda: tg.zeros(3).new_full((BIG,), 2.0)),
    ("hann_window", lambda: tg.hann_window(BIG)),
    ("vander", lambda: tg.vander(tg.zeros(3), N=BIG)),
    ("multinomial", lambda: tg.tensor([1.0]).multinomial(BIG, replacement=True)),
    ("multinomial", lambda: tg.multinomial(tg.tensor([1.0]), BIG, replacement=True)),
])
def test_constructor_too_big_is_one_line(op, fn):
    msg = _refused(op, fn)
    assert "PiB" in msg or "EiB" in msg or "TiB" in msg, msg


def test_beyond_the_address_space_is_the_same_line():
    """NumPy's own "Maximum allowed dimension exceeded" (a ValueError naming nothing)."""
    msg = _refused("zeros", lambda: tg.zeros(2**64))
    assert "18446744073709551616" in msg
    _refused("zeros", lambda: tg.zeros(10**10, 10**10))


def test_message_names_shape_dtype_and_size():
    msg = _refused("ones", lambda: tg.ones(BIG, dtype=np.float32))
    assert f"({BIG},) float32" in msg and "3.55 PiB" in msg, msg
