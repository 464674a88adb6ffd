"""Review of the data-pipeline hunt (hAUG): Augment's settings as NumPy's small integers, and
fit's resume of an augmented run (the flips and shifts come from update_generator(seed, step),
which no snapshot held: a resume with another seed, or with augmentation switched on or off,
drew other batches without a word)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from tinygrad_dl.data import Augment, Dataset
from tinygrad_dl.data.augment import update_generator
from tinygrad_dl.models import OneLayer
from tinygrad_dl.search.run import trial_rng, trial_seed
from tinygrad_dl.train.minibatch import fit
from tinygrad_dl.train.state import TrainingInterrupted

ROWS = np.random.default_rng(0).standard_normal((12, 3072))


# ---- Augment: NumPy integers as settings (a small one overflowed) ----------------------------
@pytest.mark.parametrize("side", [np.uint8(32), np.int16(32), np.uint16(32)])
def test_side_as_a_small_numpy_integer_reads_cifar_rows(side):
    # (np.uint8(32): 3 * 32 * 32 overflowed to 0, "rows must be 3x32x32 images (0 features)")
    got = Augment(flip=1.0, side=side)(ROWS, np.random.default_rng(1))
    want = Augment(flip=1.0)(ROWS, np.random.default_rng(1))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("t", [np.uint8(3), np.uint64(3), np.int8(3)])
def test_translate_as_a_numpy_integer_draws_what_the_int_does(t):
    # (-np.uint8(3) is 253: "low >= high" from NumPy's integers, or an overflow warning)
    got = Augment(flip=0.5, translate=t)(ROWS, np.random.default_rng(2))
    want = Augment(flip=0.5, translate=3)(ROWS, np.random.default_rng(2))
    np.testing.assert_array_equal(got, want)


def test_small_int8_image_sides_and_shifts():
    X = ROWS[:, :768]  # 3 x 16 x 16
    got = Augment(translate=np.int8(2), side=np.int8(16))(X, np.random.default_rng(3))
    want = Augment(translate=2, side=16)(X, np.random.default_rng(3))
    np.testing.assert_array_equal(got, want)


def test_settings_kept_as_python_ints_equal_hashed_and_pickled_as_before():
    a = Augment(flip=0.5, translate=np.int64(2), side=np.uint8(32), channels=np.int32(3))
    assert [type(v) for v in (a.translate, a.side, a.channels)] == [int, int, int]
    b = Augment(flip=0.5, translate=2)
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
    assert pickle.loads(pickle.dumps(a)) == b
    with pytest.raises(AttributeError):  # still frozen
        a.side = 16  # type: ignore[misc]


def test_side_one_and_translate_zero():
    X = np.arange(6.0).reshape(2, 3)  # 3 channels of 1 x 1
    np.testing.assert_array_equal(Augment(flip=1.0, side=1)(X, np.random.default_rng(0)), X)
    with pytest.raises(ValueError, match="translate must be in \\[0, 0\\]"):
        Augment(translate=1, side=1)


# ---- update_generator: apart from the package's other streams -------------------------------
def test_update_streams_apart_from_shuffle_init_and_search_streams():
    def head(g):
        return tuple(g.integers(0, 2**63, size=2))
    seen = {}
    for s in (0, 1, 2**63 - 1):
        streams = [np.random.default_rng(s), np.random.default_rng([s, 0]),  # init == shuffle
                   *(update_generator(s, k) for k in range(40)),
                   *(trial_rng(s, t) for t in range(10))]
        if s < 2**32:
            streams += [np.random.default_rng(trial_seed(s, t)) for t in range(10)]
        for i, g in enumerate(streams):
            seen.setdefault(head(g), []).append((s, i))
    shared = [v for v in seen.values() if len(v) > 1]
    # only run_training's init generator default_rng([s, 0]) is the shuffling default_rng(s)
    assert shared == [[(s, 0), (s, 1)] for s in (0, 1, 2**63 - 1)]


def test_numpy_integer_seed_and_step_are_the_int_ones():
    a = update_generator(np.uint64(2**63), np.int64(5)).random(4)
    np.testing.assert_array_equal(a, update_generator(2**63, 5).random(4))


# ---- fit: a resumed augmented run ------------------------------------------------------------
def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3072)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    return Dataset(X, y, X[:8].copy(), y[:8].copy(), X[:8].copy(), y[:8].copy(),
                   ["a", "b", "c"], "random images")


class _StopAt:
    def __init__(self, n):
        self.polls, self.n = 0, n

    def __bool__(self):
        self.polls += 1
        return self.polls >= self.n


def _cut(augment, seed=3, stop_at=3):
    """A model trained until update `stop_at`, and the snapshot it stopped with."""
    model = OneLayer(d=3072, K=3, lam=0.0, rng=np.random.default_rng(1), dtype=np.float32)
    snaps = []
    with pytest.raises(TrainingInterrupted):
        fit(model, _data(), epochs=2, n_batch=10, eta=0.01, seed=seed, progress=False,
            augment=augment, on_checkpoint=snaps.append, stop=_StopAt(stop_at))
    return model, snaps[-1]


def _resume(model, snap, augment, seed):
    fit(model, _data(), epochs=2, n_batch=10, eta=0.01, seed=seed, progress=False,
        augment=augment, resume=snap)
    return model.state_dict()


def test_resume_with_another_seed_refused():
    aug = Augment(flip=0.5, translate=2)
    model, snap = _cut(aug, seed=3)
    with pytest.raises(ValueError, match=r"fit: resume: .*from seed=3, this one from seed=4"):
        _resume(model, snap, aug, seed=4)


@pytest.mark.parametrize("was, now", [(Augment(flip=0.5), None), (None, Augment(flip=0.5))])
def test_resume_switching_augmentation_on_or_off_refused(was, now):
    model, snap = _cut(was)
    with pytest.raises(ValueError, match="fit: resume: the interrupted run augmented"):
        _resume(model, snap, now, seed=3)


def test_resume_with_the_same_seed_is_the_uninterrupted_run():
    aug = Augment(flip=0.5, translate=2)
    whole = OneLayer(d=3072, K=3, lam=0.0, rng=np.random.default_rng(1), dtype=np.float32)
    fit(whole, _data(), epochs=2, n_batch=10, eta=0.01, seed=3, progress=False, augment=aug)
    model, snap = _cut(aug, seed=3)
    assert snap["augment_seed"] == 3
    got = _resume(model, snap, aug, seed=np.int64(3))
    for k, v in whole.state_dict().items():
        np.testing.assert_array_equal(got[k], v)


def test_snapshot_saved_before_augment_seed_still_resumes():
    aug = Augment(flip=0.5)
    model, snap = _cut(aug, seed=3)
    old = {k: v for k, v in snap.items() if k != "augment_seed"}
    _resume(model, old, aug, seed=3)  # (not checked: nothing recorded)
