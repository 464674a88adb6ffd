"""Tests written against surviving mutants of tinygrad_dl.random (round 2): a negative seed
wraps modulo 2**64 as PyTorch's does, and an integer range one past its dtype is refused in
this module's own words."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl.random import Generator, integers


def test_a_negative_seed_wraps_modulo_2_to_the_64() -> None:
    g = Generator().manual_seed(-1)
    assert g.initial_seed() == 2**64 - 1  # torch.Generator().manual_seed(-1).initial_seed()
    want = np.random.Generator(np.random.PCG64(2**64 - 1)).standard_normal(3)
    np.testing.assert_array_equal(g.rng.standard_normal(3), want)


@pytest.mark.parametrize(("low", "high", "dtype"), [(0, 257, np.uint8), (-129, 0, np.int8),
                                                    (0, 3, np.bool_)])
def test_a_range_one_past_the_dtype_is_refused(low: int, high: int, dtype: type) -> None:
    with pytest.raises(ValueError, match=f"does not fit dtype {np.dtype(dtype)}"):
        integers(low, high, (3,), dtype)
    fits = integers(max(low, 0 if dtype is np.bool_ else low + 1), high - 1, (50,), dtype)
    assert fits.dtype == np.dtype(dtype)


def test_manual_seed_reseeds_the_generator_object_a_layer_already_holds() -> None:
    g = Generator()
    held = g.rng  # what Dropout(rng=g) / as_rng(g) keep
    g.manual_seed(5)
    want = np.random.Generator(np.random.PCG64(5)).random(4)
    np.testing.assert_array_equal(held.random(4), want)


@pytest.mark.parametrize("seed", [True, np.bool_(False), 1.0, "3"])
def test_a_seed_that_is_not_an_int_is_refused(seed: object) -> None:
    with pytest.raises(TypeError, match="manual_seed: the seed must be an int"):
        Generator().manual_seed(seed)  # type: ignore[arg-type]
