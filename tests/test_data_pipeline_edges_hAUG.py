"""The CIFAR-10 pipeline against hand references: Augment's flips and translations against a
per-pixel loop (CIFAR's channel-major rows: "horizontal" is the last axis of each 32 x 32
channel), the fit loop's augmentation generators (one per update, sharing no draws with the
generator that shuffles the data), and, where ../shared/data holds the real batches, the loaders
against a plain pickle read (labels, row order, training-only statistics, the embedded sample)."""

import pickle
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.data import Augment, Dataset, load_cifar10, load_embedded_sample
from tinygrad_dl.models import OneLayer
from tinygrad_dl.train.minibatch import fit


def _hand(X, flip, t, seed, side=32, channels=3):
    """The reference: per image, its own flip draw then its own (dy, dx) draw (the order
    Augment documents), each pixel (r, c) moved to (r + dy, c + dx) when that is inside."""
    rng = np.random.default_rng(seed)
    n, S, C = len(X), side, channels
    mirrored = rng.random(n) < flip if flip > 0 else np.zeros(n, bool)
    shifts = rng.integers(-t, t + 1, size=(n, 2)) if t > 0 else np.zeros((n, 2), int)
    out = np.zeros_like(X)
    for i in range(n):
        img = X[i].reshape(C, S, S)
        img = img[:, :, ::-1] if mirrored[i] else img
        o = np.zeros_like(img)
        dy, dx = shifts[i]
        for r in range(S):
            for c in range(S):
                if 0 <= r + dy < S and 0 <= c + dx < S:
                    o[:, r + dy, c + dx] = img[:, r, c]
        out[i] = o.reshape(-1)
    return out


@pytest.mark.parametrize("case", range(40))
def test_augment_matches_the_per_pixel_reference(case):
    R = np.random.default_rng(case)
    side, channels = int(R.choice([1, 2, 3, 5, 8])), int(R.choice([1, 3]))
    n, flip, t = int(R.integers(0, 6)), float(R.choice([0, 0.3, 0.5, 1])), int(R.integers(0, side))
    dtype = [np.float64, np.float32, np.uint8][case % 3]
    X = (R.standard_normal((n, channels * side * side)) * 50).astype(dtype)
    if case % 4 == 0:
        X = np.asfortranarray(X)  # (a column-major batch: same images)
    before = X.copy()
    got = Augment(flip=flip, translate=t, side=side, channels=channels)(
        X, np.random.default_rng(case + 100))
    assert got.dtype == X.dtype and got.shape == X.shape
    np.testing.assert_array_equal(got, _hand(X, flip, t, case + 100, side, channels))
    np.testing.assert_array_equal(X, before)
    assert not np.shares_memory(got, X)


def test_horizontal_is_the_column_axis_of_each_channel_and_twice_is_identity():
    col = np.tile(np.arange(32.0), (3, 32, 1))  # pixel value = its column
    X = (col + 100 * np.arange(3)[:, None, None]).reshape(1, 3072)
    a = Augment(flip=1.0)
    Y = a(X, np.random.default_rng(0)).reshape(3, 32, 32)
    np.testing.assert_array_equal(Y[:, 5, :], (31 - np.arange(32.0)) + 100 * np.arange(3)[:, None])
    np.testing.assert_array_equal(Y[:, :, 0], X.reshape(3, 32, 32)[:, :, 31])  # rows stay
    np.testing.assert_array_equal(a(a(X, np.random.default_rng(1)), np.random.default_rng(2)), X)


def test_translation_moves_down_right_for_positive_draws_fills_zeros_and_never_wraps():
    t, n = 3, 400
    X = np.zeros((n, 3, 32, 32))
    X[:, :, 0, 0] = 1.0  # the top-left pixel: lost (not wrapped) on any up or left shift
    X[:, :, 16, 16] = 2.0  # the centre pixel: always lands within t of the centre
    Y = Augment(translate=t)(X.reshape(n, -1), np.random.default_rng(3)).reshape(n, 3, 32, 32)
    shifts = np.random.default_rng(3).integers(-t, t + 1, size=(n, 2))
    for i, (dy, dx) in enumerate(shifts):
        r, c = np.argwhere(Y[i, 0] == 2.0)[0]
        assert (r - 16, c - 16) == (dy, dx)
        corner = np.argwhere(Y[i, 0] == 1.0)
        assert (len(corner) == 1) == (dy >= 0 and dx >= 0)
        assert set(np.unique(Y[i])) <= {0.0, 1.0, 2.0}
    every = {(a, b) for a in range(-t, t + 1) for b in range(-t, t + 1)}
    assert {tuple(s) for s in shifts} == every


def test_each_image_draws_its_own_flip_and_shift():
    X = np.repeat(np.random.default_rng(4).standard_normal((1, 3072)), 64, axis=0)
    Y = Augment(flip=0.5, translate=2)(X, np.random.default_rng(5))
    assert len(np.unique(Y, axis=0)) > 20  # one draw per batch would give 1


@pytest.mark.parametrize("kw,name", [
    (dict(side=0), "side"), (dict(side=True), "side"), (dict(side=2.5), "side"),
    (dict(channels=-1), "channels"), (dict(channels=0), "channels"),
])
def test_a_bad_image_geometry_is_refused_naming_it(kw, name):
    # (side=0 said "translate must be in [0, -1]"; side=True, channels=0 or -1 were taken and
    # described rows of 3, 0 or -1024 features)
    with pytest.raises(ValueError, match=rf"Augment: {name} must be a whole number >= 1"):
        Augment(**kw)


def test_a_masked_batch_is_refused_not_augmented_with_the_values_under_its_mask():
    X = np.ma.masked_array(np.ones((2, 3072)), mask=np.zeros((2, 3072), bool))
    X.mask[0, 0] = True  # (fit refuses it; Augment alone read 1.0 there and dropped the mask)
    with pytest.raises(TypeError, match=r"augment: the rows X is a masked array"):
        Augment(flip=0.5)(X, np.random.default_rng(0))


def test_the_generator_is_a_generator_or_the_default_one():
    X = np.random.default_rng(6).standard_normal((4, 3072))
    a = Augment(flip=0.5, translate=2)
    tg.manual_seed(11)
    first = a(X)  # (was a TypeError: rng was required)
    tg.manual_seed(11)
    np.testing.assert_array_equal(a(X), first)
    for bad in (5, np.random.RandomState(0)):  # (NumPy's "'int' object has no attribute")
        with pytest.raises(TypeError, match=r"augment: generator must be a tinygrad_dl.Generator"):
            a(X, bad)


def _tiny_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3072)).astype(np.float32)
    y = rng.integers(0, 3, n)
    return Dataset(X, y, X[:8].copy(), y[:8].copy(), X[:8].copy(), y[:8].copy(),
                   ["a", "b", "c"], "random images")


class _Spy:
    """An augmentation that records what fit hands it and changes nothing."""

    def __init__(self):
        self.draws, self.rows = [], []

    def __call__(self, X, rng):
        self.draws.append(rng.random(16))
        self.rows.append(np.array(X))
        return X


def _fit(augment, seed=3, epochs=2):
    data = _tiny_data()
    before = data.X_train.copy()
    model = OneLayer(d=3072, K=3, lam=0.0, rng=np.random.default_rng(1), dtype=np.float32)
    fit(model, data, epochs=epochs, n_batch=10, eta=0.01, seed=seed, progress=False,
        augment=augment)
    np.testing.assert_array_equal(data.X_train, before)  # the training rows never written
    return data


def test_the_augmentation_generators_share_no_draws_with_the_shuffling_one():
    # default_rng((seed, 0)) is default_rng(seed) (NumPy pads the entropy with zeros): the first
    # update's flips and shifts came from the very stream that had drawn the epoch's order, and
    # from run_training's init generator default_rng([seed, 0])
    spy = _Spy()
    _fit(spy, seed=3)
    shuffle = np.random.default_rng(3).random(16)
    assert not any(np.array_equal(d, shuffle) for d in spy.draws)
    assert len({d.tobytes() for d in spy.draws}) == len(spy.draws) == 8  # one per update
    for step, d in enumerate(spy.draws):  # child `step` of SeedSequence(seed): resumable
        ref = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(step,))).random(16)
        np.testing.assert_array_equal(d, ref)


@pytest.mark.parametrize("seed", [None, "generator", True])
def test_an_augmented_fit_without_an_integer_seed_is_refused_in_one_line(seed):
    # (None or a Generator met NumPy's "object of type 'NoneType' has no len()" at the first
    # update; True trained as seed 1)
    seed = np.random.default_rng(0) if seed == "generator" else seed
    with pytest.raises(TypeError, match=r"augment: .* seed must be an integer >= 0, got"):
        _fit(Augment(flip=0.5), seed=seed)


def test_fit_augments_training_batches_only_reproducibly_and_differently_each_epoch():
    spy, again, other = _Spy(), _Spy(), _Spy()
    data = _fit(spy, seed=3)
    _fit(again, seed=3)
    _fit(other, seed=4)
    assert all(len(r) == 10 for r in spy.rows)  # batches, never the evaluation's full sets
    assert all(np.array_equal(a, b) for a, b in zip(spy.draws, again.draws))
    assert not any(np.array_equal(a, b) for a, b in zip(spy.draws, other.draws))
    first, second = spy.draws[:4], spy.draws[4:]  # epoch 1 vs epoch 2: fresh draws
    assert not any(np.array_equal(a, b) for a, b in zip(first, second))
    rows = {r.tobytes() for r in data.X_train}
    assert all(r.tobytes() in rows for b in spy.rows for r in b)


# ---------------------------------------------------------------- the real CIFAR-10 files
# (conftest's cifar_dir: $TINYGRAD_DL_TEST_CIFAR or ../shared/data/cifar-10-batches-py, else skip)
def _pickle(cifar_dir, name):
    with open(cifar_dir / name, "rb") as f:
        d = pickle.load(f, encoding="bytes")  # (the test's own trusted copy)
    return d[b"data"], np.array(d[b"labels"])


@pytest.mark.slow  # (about 1 s: three batches read twice)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch1_splits_match_a_plain_pickle_read_normalized_by_training_statistics(cifar_dir,
                                                                                    dtype):
    ds = load_cifar10(cifar_dir, split="batch1", dtype=dtype)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = (_pickle(cifar_dir, f) for f in (
        "data_batch_1", "data_batch_2", "test_batch"))
    np.testing.assert_array_equal(ytr[:10], [6, 9, 9, 4, 1, 1, 2, 7, 8, 3])  # frog truck truck..
    assert ds.label_names[6] == "frog" and ds.label_names[9] == "truck"
    mean, std = Xtr.mean(0, dtype=np.float64), Xtr.std(0, dtype=np.float64)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    for got, X, y, want_y in ((ds.X_train, Xtr, ds.y_train, ytr), (ds.X_val, Xva, ds.y_val, yva),
                              (ds.X_test, Xte, ds.y_test, yte)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, (X - mean) / std, **tol)  # training mean/std for all
        np.testing.assert_array_equal(y, want_y)
    np.testing.assert_allclose(ds.transform(Xte[:5]), ds.X_test[:5], rtol=0, atol=0)


@pytest.mark.slow  # (about 1 s: the test batch read and hashed row by row)
def test_the_embedded_sample_is_the_shared_one_and_its_labels_are_the_real_ones(cifar_dir):
    shared_npz = cifar_dir.parent / "cifar10_sample.npz"
    if not shared_npz.is_file():
        pytest.skip(f"no {shared_npz}")
    shared = np.load(shared_npz, allow_pickle=False)
    ours = np.load(Path(__file__).resolve().parents[1] / "tinygrad_dl" / "_data" /
                   "cifar10_sample.npz", allow_pickle=False)
    assert sorted(shared.files) == sorted(ours.files)
    for k in shared.files:
        assert shared[k].dtype == ours[k].dtype
        np.testing.assert_array_equal(shared[k], ours[k])
    X, y = _pickle(cifar_dir, "test_batch")
    where = {r.tobytes(): int(v) for r, v in zip(X, y)}
    hits = [(where[r.tobytes()], int(v)) for r, v in zip(ours["x_test"], ours["y_test"])
            if r.tobytes() in where]
    assert len(hits) == len(ours["x_test"]) and all(a == b for a, b in hits)
    ds = load_embedded_sample()
    Xs = ours["x_train"].astype(np.float64)
    np.testing.assert_allclose(ds.X_val, (ours["x_val"] - Xs.mean(0)) / Xs.std(0), rtol=1e-10,
                               atol=1e-12)
