"""Data augmentation of the classifiers' mini-batches (the course's bonus exercises): random
left-right mirroring (--flip P) and translation (--translate T pixels, zero-filled), drawn per
update from (seed, step), so runs repeat and an interrupted run resumes bit for bit; one table
entry each (train flags, search parameters and checks come from it)."""

import json

import numpy as np
import pytest

from tinygrad_dl.cli import main
from tinygrad_dl.data import Augment
from tinygrad_dl.search.space import PARAMS
from tinygrad_dl.train import TrainingInterrupted, run_training

pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: the embedded sample only


def _images(n: int, dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(7).standard_normal((n, 3072)).astype(dtype)


def _shift(img: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The reference: pixel (i, j) moves to (i + dy, j + dx), zeros where nothing lands (a
    window of the zero-padded image)."""
    p = np.pad(img, ((0, 0), (32, 32), (32, 32)))
    return p[:, 32 - dy:64 - dy, 32 - dx:64 - dx]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_flip_mirrors_each_channel_and_leaves_the_input_alone(dtype):
    X = _images(6, dtype)
    before = X.copy()
    Y = Augment(flip=1.0)(X, np.random.default_rng(0))
    assert Y.dtype == dtype and Y.shape == X.shape
    np.testing.assert_array_equal(Y.reshape(6, 3, 32, 32), X.reshape(6, 3, 32, 32)[..., ::-1])
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(Augment()(X, np.random.default_rng(0)), X)


def test_flip_probability_picks_about_that_share_of_images():
    X = _images(2000)
    Y = Augment(flip=0.3)(X, np.random.default_rng(1)).reshape(2000, 3, 32, 32)
    X4 = X.reshape(2000, 3, 32, 32)
    flipped = np.array([np.array_equal(Y[i], X4[i, ..., ::-1]) for i in range(2000)])
    kept = np.array([np.array_equal(Y[i], X4[i]) for i in range(2000)])
    assert np.all(flipped ^ kept)
    assert 0.25 < flipped.mean() < 0.35


def test_translation_matches_the_pixel_loop_for_every_drawn_shift():
    X = _images(30)
    t = 3
    Y = Augment(translate=t)(X, np.random.default_rng(2)).reshape(30, 3, 32, 32)
    X4 = X.reshape(30, 3, 32, 32)
    seen = set()
    for i in range(30):
        match = [(dy, dx) for dy in range(-t, t + 1) for dx in range(-t, t + 1)
                 if np.array_equal(Y[i], _shift(X4[i], dy, dx))]
        assert len(match) == 1, i
        seen.add(match[0])
    assert len(seen) > 12  # the draws cover many of the 49 shifts


def test_same_generator_same_batch():
    X = _images(10)
    a = Augment(flip=0.5, translate=2)
    np.testing.assert_array_equal(a(X, np.random.default_rng((4, 9))),
                                  a(X, np.random.default_rng((4, 9))))


@pytest.mark.parametrize("kw,words", [
    (dict(flip=1.5), r"flip is a probability in \[0, 1\]"),
    (dict(flip=-0.1), r"flip is a probability"),
    (dict(translate=32), r"translate must be in \[0, 31\]"),
    (dict(translate=-1), r"translate must be in"),
])
def test_bad_settings_refused(kw, words):
    with pytest.raises(ValueError, match=words):
        Augment(**kw)


def test_rows_that_are_not_cifar_images_refused():
    with pytest.raises(ValueError, match=r"augment: rows must be 3x32x32 images .*\(4, 100\)"):
        Augment(flip=0.5)(np.zeros((4, 100)), np.random.default_rng(0))


def test_one_table_entry_gives_the_flag_the_search_parameter_and_its_check(capsys):
    assert {"flip", "translate"} <= set(PARAMS)
    with pytest.raises(SystemExit):
        main(["train", "one-layer", "--flip", "1.5", "--n-updates", "1"])
    err = capsys.readouterr().err
    assert "argument --flip: must be <= 1, got 1.5" in err
    assert main(["train", "char-rnn", "--translate", "2", "--n-updates", "1"]) == 2
    assert "unknown parameter(s) --translate for char-rnn" in capsys.readouterr().err


@pytest.mark.slow  # (about 15 s: four short runs)
def test_augmented_run_repeats_changes_training_and_resumes_bit_for_bit(tmp_path):
    params = {"epochs": 2, "flip": 0.5, "translate": 2, "eval_every": 5}
    kw = dict(progress=False, print_fn=None)
    whole = run_training("one-layer", params, out=tmp_path / "a", seed=3, **kw)
    again = run_training("one-layer", params, out=tmp_path / "b", seed=3, **kw)
    plain = run_training("one-layer", {"epochs": 2, "eval_every": 5}, out=tmp_path / "c",
                         seed=3, **kw)
    w = whole.model.state_dict()
    assert all(np.array_equal(w[k], again.model.state_dict()[k]) for k in w)
    assert not all(np.array_equal(w[k], plain.model.state_dict()[k]) for k in w)
    assert "Augment(flip=0.5, translate=2" in whole.history.meta["augment"]

    class StopAfter:
        polls = 0

        def __bool__(self):
            StopAfter.polls += 1
            return StopAfter.polls >= 7

    out = tmp_path / "cut"
    with pytest.raises(TrainingInterrupted):
        run_training("one-layer", params, out=out, seed=3, stop=StopAfter(), **kw)
    resumed = run_training("one-layer", resume=out, **kw)
    r = resumed.model.state_dict()
    assert all(np.array_equal(w[k], r[k]) for k in w)
    assert json.dumps(whole.history.to_dict()) == json.dumps(resumed.history.to_dict())


def test_run_training_refuses_augmenting_data_that_are_not_images(tmp_path):
    from tinygrad_dl.data import Dataset

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 20)), rng.integers(0, 3, 50)
    ds = Dataset(X, y, X[:10], y[:10], X[:10], y[:10], ["a", "b", "c"], "random rows")
    with pytest.raises(ValueError, match=r"--flip / --translate augment CIFAR-10 images \(3072 "
                       r"features: 3 x 32 x 32\), but the data have 20"):
        run_training("one-layer", {"flip": 0.5, "n_updates": 1}, data=ds, out=tmp_path / "r",
                     progress=False, print_fn=None)
