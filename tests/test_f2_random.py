"""Random draws' dtypes and generator state (found 2026-12-03): randint into a float dtype gave
NumPy's message, naming neither randint nor the fix; Generator.initial_seed() after set_state()
reported the seed set before, not the restored state's (PyTorch's restores it)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.random import Generator, integers


@pytest.mark.parametrize("dtype", [tg.float32, "float64", np.complex64])
def test_integer_draws_refuse_a_float_dtype_in_one_line(dtype):
    with pytest.raises(TypeError, match=r"^randint: dtype \w+ cannot hold integer draws.*"
                                        r"cast the result") as info:
        integers(0, 5, (3,), dtype)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("low, high, dtype, match", [
    (0, 300, "uint8", r"randint: \[low, high\) = \[0, 300\) does not fit dtype uint8"),
    (-1, 3, "uint8", r"does not fit dtype uint8 \(\[0, 256\)\)"),
    (0, 5, bool, r"does not fit dtype bool \(\[0, 2\)\)"),
    (5, 5, "int64", r"randint: low=5 >= high=5: the range \[low, high\) is empty"),
])
def test_integer_draws_refuse_a_range_in_one_line(low, high, dtype, match):
    with pytest.raises(ValueError, match=match):
        integers(low, high, (3,), dtype)


def test_integer_draws_are_numpys_in_every_integer_dtype():
    for dtype in ("int64", "int32", "uint8", bool):
        hi = 2 if dtype is bool else 256
        got = integers(0, hi, (50,), dtype, np.random.default_rng(4))
        want = np.random.default_rng(4).integers(0, hi, (50,), dtype=dtype)
        assert got.dtype == np.dtype(dtype) and np.array_equal(got, want)


def test_randint_refuses_a_float_dtype_in_one_line():
    with pytest.raises(TypeError, match=r"^randint: dtype float32 cannot hold integer draws"):
        tg.randint(0, 5, (3,), dtype=tg.float32)


def test_set_state_restores_the_seed_as_pytorch_does():
    g = Generator().manual_seed(1)
    state = g.get_state()
    first = g.rng.random(3)
    g.manual_seed(2)
    g.set_state(state)
    assert g.initial_seed() == 1
    np.testing.assert_array_equal(g.rng.random(3), first)
    assert g.get_state()["seed"] == 1


def test_default_generator_round_trips_its_seed():
    before = tg.default_generator.get_state()
    try:
        tg.manual_seed(7)
        s = tg.default_generator.get_state()
        tg.manual_seed(8)
        tg.default_generator.set_state(s)
        assert tg.initial_seed() == 7
    finally:
        tg.default_generator.set_state(before)


def test_set_state_refuses_a_state_without_its_seed():
    g = Generator().manual_seed(3)
    with pytest.raises(TypeError, match=r"Generator.set_state: .* got dict without a seed"):
        g.set_state(np.random.default_rng(0).bit_generator.state)
    with pytest.raises(TypeError, match=r"Generator.set_state: the seed must be an int"):
        g.set_state({**g.get_state(), "seed": 1.5})
    assert g.initial_seed() == 3  # a refused state leaves the generator as it was
