"""Checkpoints of course models, cases that came back wrong without a word before (found
2026-12-03): a model cast with .double()/.float()/.to() was rebuilt in its constructor's dtype
(its float64 weights rounded to float32), the data mean/std kept with a classifier were never
checked (a NaN made every prediction class 0; a (1,) mean broadcast), and synthesize at a
temperature of ~1e-320 sampled NaN (the last character, every step)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint
from tinygrad_dl.models import CharRNN, KLayer, OneLayer, TwoLayer


@pytest.mark.parametrize("make, cast, want", [
    (lambda: TwoLayer(8, 4, 3, dtype=np.float32), lambda m: m.double(), np.float64),
    (lambda: KLayer(8, [5], 3), lambda m: m.float(), np.float32),
    (lambda: CharRNN(6, m=4), lambda m: m.to(np.float32), np.float32),
])
def test_a_cast_model_comes_back_in_its_dtype(tmp_path, make, cast, want):
    m = cast(make())
    p = m.parameters()[0]
    p.data.flat[0] = 0.1  # not a float32 number: a float64 -> float32 round trip would show
    tg.save(m, tmp_path / "m.npz")
    back = tg.load(tmp_path / "m.npz")
    assert back.dtype == want and m.config()["dtype"] == np.dtype(want).name
    for a, b in zip(m.parameters(), back.parameters()):
        assert b.data.dtype == want
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("mean, std, message", [
    (np.r_[np.nan, np.zeros(5)], np.ones(6), "NaN/inf or a std <= 0"),
    (np.zeros(6), np.r_[0.0, np.ones(5)], "NaN/inf or a std <= 0"),
    (np.zeros(1), np.ones(1), r"must both have shape \(6,\)"),
    (np.zeros(6), np.ones(5), r"must both have shape \(6,\)"),
])
def test_normalization_statistics_are_checked_at_save_and_load(tmp_path, monkeypatch, mean,
                                                              std, message):
    model = OneLayer(6, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        checkpoint.save_model(model, tmp_path / "a.npz", normalization=(mean, std))
    assert not (tmp_path / "a.npz").exists()
    with monkeypatch.context() as mp:  # a file written without the check (an old or edited one)
        mp.setattr(checkpoint, "check_normalization", lambda *a: None)
        checkpoint.save_model(model, tmp_path / "b.npz", normalization=(mean, std))
    with pytest.raises(ValueError, match="refused: normalization|normalization mean"):
        checkpoint.load_model(tmp_path / "b.npz")
    good = (np.zeros(6), np.ones(6))
    checkpoint.save_model(model, tmp_path / "c.npz", normalization=good)
    assert checkpoint.load_model(tmp_path / "c.npz").d == 6


def test_synthesize_at_a_vanishing_temperature_is_greedy():
    m = CharRNN(5, m=4, std=0.5, rng=np.random.default_rng(0))
    h0 = np.zeros(4)
    greedy = m.synthesize(h0, 0, 30, temperature=0.0, rng=np.random.default_rng(1))
    for t in (1e-300, 1e-320):
        tiny = m.synthesize(h0, 0, 30, temperature=t, rng=np.random.default_rng(1))
        np.testing.assert_array_equal(tiny, greedy)
