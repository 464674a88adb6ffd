"""Data layer: CIFAR-10 pickles (real subset + fake dirs), splits, normalization, errors, text."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_dl import data
from tinygrad_dl.data import (
    CharData,
    batches,
    default_data_dir,
    load_cifar10,
    load_cifar_batch,
    load_embedded_sample,
    load_text,
    one_hot_sequence,
    resolve_data_dir,
)

NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer",
         b"dog", b"frog", b"horse", b"ship", b"truck"]
FAKE_SIZES = {"data_batch_1": 7, "data_batch_2": 5, "data_batch_3": 6, "data_batch_4": 4,
              "data_batch_5": 8, "test_batch": 3}


def _batch(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"fake", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": rng.integers(0, 10, n).tolist()}


def make_fake_cifar(root: Path, protocol: int = 4) -> dict[str, dict]:
    """A tiny CIFAR-10 dir with batches of different lengths; returns the raw dicts written."""
    root.mkdir(parents=True, exist_ok=True)
    written = {}
    for i, (name, n) in enumerate(FAKE_SIZES.items()):
        written[name] = _batch(n, seed=i)
        (root / name).write_bytes(pickle.dumps(written[name], protocol=protocol))
    meta = {b"num_cases_per_batch": 10000, b"label_names": NAMES, b"num_vis": 3072}
    (root / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return written


@pytest.fixture
def fake_dir(tmp_path: Path) -> Path:
    make_fake_cifar(tmp_path / "cifar")
    return tmp_path / "cifar"


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No --data, no $TINYGRAD_DL_DATA, and an empty home/cache: returns the cache dir path."""
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "tinygrad_dl" / "cifar-10-batches-py"


# ---------------------------------------------------------------- the real subset
def test_real_batch_matches_plain_pickle(cifar_dir: Path) -> None:
    lengths = set()
    for name in ("data_batch_1", "data_batch_2", "test_batch"):
        X, y = load_cifar_batch(cifar_dir / name)
        with open(cifar_dir / name, "rb") as f:
            raw = pickle.load(f, encoding="bytes")
        assert X.dtype == np.uint8 and X.shape == (len(raw[b"labels"]), 3072)
        assert y.dtype == np.int64 and 0 <= y.min() and y.max() <= 9
        np.testing.assert_array_equal(X, raw[b"data"])
        np.testing.assert_array_equal(y, raw[b"labels"])
        lengths.add(len(y))
    assert lengths  # any batch length works; the subset is not 10000 rows per batch


def test_real_batch1_split(cifar_dir: Path) -> None:
    ds = load_cifar10(cifar_dir)
    n = {s: len(load_cifar_batch(cifar_dir / f)[1])
         for s, f in (("train", "data_batch_1"), ("val", "data_batch_2"), ("test", "test_batch"))}
    assert ds.X_train.shape == (n["train"], 3072) and ds.y_train.shape == (n["train"],)
    assert ds.X_val.shape == (n["val"], 3072) and ds.X_test.shape == (n["test"], 3072)
    assert ds.X_train.dtype == np.float64 and ds.y_val.dtype == np.int64
    assert ds.d == 3072 and ds.K == 10 and ds.label_names[0] == "airplane"
    assert set(np.unique(ds.y_train)) <= set(range(10))
    assert str(cifar_dir) in ds.source and "split=batch1" in ds.source


@pytest.mark.parametrize("val_size", [1000, 5000, 17])
def test_real_all_split_sizes(cifar_dir: Path, val_size: int) -> None:
    parts = [load_cifar_batch(cifar_dir / f"data_batch_{i}") for i in range(1, 6)]
    total = sum(len(y) for _, y in parts)
    ds = load_cifar10(cifar_dir, split="all", val_size=val_size, normalize=False)
    assert len(ds.y_val) == val_size and len(ds.y_train) == total - val_size
    # validation is the LAST val_size rows of batches 1..5 in order
    np.testing.assert_array_equal(ds.X_val[-1], parts[-1][0][-1])
    np.testing.assert_array_equal(ds.y_train[:5], parts[0][1][:5])


def test_real_normalization_uses_train_stats(cifar_dir: Path) -> None:
    ds = load_cifar10(cifar_dir)
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1, atol=1e-10)
    X1, _ = load_cifar_batch(cifar_dir / "data_batch_1")
    np.testing.assert_allclose(ds.mean, X1.mean(axis=0))
    np.testing.assert_allclose(ds.std, X1.std(axis=0))
    # val/test were shifted by the TRAINING stats, so their own stats are not exactly 0/1
    assert np.abs(ds.X_val.mean(axis=0)).max() > 1e-3
    assert np.abs(ds.X_test.std(axis=0) - 1).max() > 1e-3
    Xt, _ = load_cifar_batch(cifar_dir / "test_batch")
    np.testing.assert_allclose(ds.transform(Xt), ds.X_test)


def test_float32_stays_float32(cifar_dir: Path) -> None:
    ds = load_cifar10(cifar_dir, dtype=np.float32)
    for X in (ds.X_train, ds.X_val, ds.X_test, ds.mean, ds.std, ds.one_hot(ds.y_val)):
        assert X.dtype == np.float32
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-4)


# ---------------------------------------------------------------- fake dirs: sizes and splits
def test_fake_any_batch_length(fake_dir: Path) -> None:
    ds = load_cifar10(fake_dir, split="batch1", normalize=False)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (7, 5, 3)
    ds = load_cifar10(fake_dir, split="all", val_size=10)
    assert (len(ds.y_train), len(ds.y_val)) == (7 + 5 + 6 + 4 + 8 - 10, 10)
    assert ds.source.endswith("(split=all: 20 train / 10 val / 3 test)")


@pytest.mark.parametrize("val_size", [30, 31, 0, -1, 2.5, True])
def test_bad_val_size(fake_dir: Path, val_size: object) -> None:
    with pytest.raises(ValueError, match="val_size"):
        load_cifar10(fake_dir, split="all", val_size=val_size)


def test_bad_split_and_dtype(fake_dir: Path) -> None:
    with pytest.raises(ValueError, match="split"):
        load_cifar10(fake_dir, split="batch2")
    with pytest.raises(ValueError, match="float"):
        load_cifar10(fake_dir, dtype=np.int32)


def test_legacy_protocol2_numpy_core_pickle(tmp_path: Path) -> None:
    # the official files were written by Python 2 / numpy 1.x: protocol 2, numpy.core globals
    b = _batch(4, seed=3)
    raw = pickle.dumps(b, protocol=2).replace(b"numpy._core.", b"numpy.core.")
    assert b"numpy.core.multiarray" in raw
    (tmp_path / "b").write_bytes(raw)
    X, y = load_cifar_batch(tmp_path / "b")
    np.testing.assert_array_equal(X, b[b"data"])
    np.testing.assert_array_equal(y, b[b"labels"])


# ---------------------------------------------------------------- error cases
def test_missing_dir_lists_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as e:
        load_cifar10(tmp_path / "nope", split="all")
    msg = str(e.value)
    assert "nope" in msg and "does not exist" in msg and data.CIFAR_URL in msg
    for f in ("data_batch_1", "data_batch_5", "test_batch", "batches.meta"):
        assert f in msg


def test_missing_files_listed(fake_dir: Path) -> None:
    (fake_dir / "data_batch_4").unlink()
    load_cifar10(fake_dir, split="batch1")  # batch1 does not need batch 4
    (fake_dir / "batches.meta").unlink()
    with pytest.raises(FileNotFoundError) as e:
        load_cifar10(fake_dir, split="all")
    msg = str(e.value)
    assert "data_batch_4" in msg and "batches.meta" in msg and "data_batch_3" not in msg
    assert "TINYGRAD_DL_DATA" in msg and data.CIFAR_URL in msg


def _corruptions() -> dict[str, bytes]:
    good = _batch(5, seed=9)
    ok = pickle.dumps(good)
    wrong_shape = {**good, b"data": good[b"data"].reshape(5, 32, 96)}
    return {
        "truncated": ok[: len(ok) // 2],
        "garbage": b"this is not a pickle at all",
        "not a dict": pickle.dumps([1, 2, 3]),
        "wrong keys": pickle.dumps({b"images": good[b"data"], b"labels": good[b"labels"]}),
        "wrong shape": pickle.dumps(wrong_shape),
        "wrong width": pickle.dumps({**good, b"data": good[b"data"][:, :3000]}),
        "wrong dtype": pickle.dumps({**good, b"data": good[b"data"].astype(np.float32)}),
        "label count": pickle.dumps({**good, b"labels": good[b"labels"][:4]}),
        "label range": pickle.dumps({**good, b"labels": [0, 1, 2, 3, 10]}),
        "float labels": pickle.dumps({**good, b"labels": [0.5, 1, 2, 3, 4]}),
    }


@pytest.mark.parametrize("kind", list(_corruptions()))
def test_corrupt_batch_named(fake_dir: Path, kind: str) -> None:
    (fake_dir / "data_batch_2").write_bytes(_corruptions()[kind])
    with pytest.raises(ValueError, match="data_batch_2"):
        load_cifar10(fake_dir)
    with pytest.raises(ValueError, match="data_batch_2"):
        load_cifar_batch(fake_dir / "data_batch_2")


def test_corrupt_meta_named(fake_dir: Path) -> None:
    (fake_dir / "batches.meta").write_bytes(pickle.dumps({b"label_names": NAMES[:3]}))
    with pytest.raises(ValueError, match="batches.meta"):
        load_cifar10(fake_dir)


# found 2026-12-03: label_names were taken as whatever iterated (b"0123456789" gave names
# '48', '49', ...; a list of arrays gave their stand-ins' reprs), and the sample's count was not
# checked (12 names made a 12-class model, 5 names loaded and failed later)
@pytest.mark.parametrize("raw, words", [
    (b"0123456789", "list of 10 strings, got bytes"),
    ("0123456789", "list of 10 strings, got str"),
    ([np.arange(3, dtype=np.uint8)] * 10, "list holding Array"),
    (list(range(10)), "list holding int"),
    ([*NAMES, b"x", b"y"], "expected 10 label names (labels are 0..9), got 12"),
    ([b"\xff"] * 10, "not UTF-8"),
])
def test_bad_label_names_are_one_line_naming_the_meta_file(fake_dir: Path, raw: object,
                                                            words: str) -> None:
    (fake_dir / "batches.meta").write_bytes(pickle.dumps({b"label_names": raw}, protocol=2))
    with pytest.raises(ValueError, match="batches.meta: ") as e:
        load_cifar10(fake_dir)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_str_or_bytes_label_names_are_read(fake_dir: Path) -> None:
    for raw in (NAMES, [n.decode() for n in NAMES], tuple(NAMES)):
        (fake_dir / "batches.meta").write_bytes(pickle.dumps({b"label_names": raw}, protocol=2))
        assert load_cifar10(fake_dir).label_names == [n.decode() for n in NAMES]


@pytest.mark.parametrize("names, words", [
    (np.array([f"c{i}" for i in range(12)]), "expected 10 label names (labels are 0..9), got 12"),
    (np.array([f"c{i}" for i in range(5)]), "expected 10 label names (labels are 0..9), got 5"),
    (np.arange(10), "list of 10 strings, got ndarray"),
])
def test_sample_label_names_must_match_the_labels(tmp_path: Path, names: np.ndarray,
                                                  words: str) -> None:
    with np.load(data.cifar._sample_path()) as z:
        arrays = {k: z[k] for k in z.files}
    bad = tmp_path / "names.npz"
    np.savez(bad, **{**arrays, "label_names": names})
    with pytest.raises(ValueError, match="names.npz: ") as e:
        load_embedded_sample(path=bad)
    assert words in str(e.value)
    np.savez(bad, **arrays)  # the same file with its own names reads
    assert load_embedded_sample(path=bad).K == 10


# found 2026-12-03: an empty --data (an unset shell variable) fell back to $TINYGRAD_DL_DATA,
# the cache or the embedded sample without a word
def test_empty_data_dir_is_refused_not_a_fallback(no_config: Path, fake_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(fake_dir))
    for call in (load_cifar10, resolve_data_dir):
        with pytest.raises(ValueError, match="--data/data_dir is an empty string"):
            call("")
    assert str(fake_dir) in load_cifar10().source  # left out, the documented order applies
    monkeypatch.delenv("TINYGRAD_DL_DATA")
    assert resolve_data_dir(None) is None


def test_train_with_an_empty_data_flag_is_one_line_and_writes_nothing(
        no_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tinygrad_dl.cli import main

    out = tmp_path / "run"
    assert main(["train", "one-layer", "--data", "", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "empty string" in err[0] and err[0].startswith("tinygrad-dl train")
    assert not out.exists()


class _Evil:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):  # a pickle that would create a directory when loaded
        return (Path.mkdir, (self.target,))


def test_pickle_with_code_is_refused(fake_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    (fake_dir / "test_batch").write_bytes(pickle.dumps({b"data": _Evil(target), b"labels": []}))
    with pytest.raises(ValueError, match="test_batch"):
        load_cifar10(fake_dir)
    assert not target.exists()


# ---------------------------------------------------------------- where data is looked for
def test_default_data_dir_honours_xdg(no_config: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_data_dir() == no_config
    monkeypatch.delenv("XDG_CACHE_HOME")
    home_cache = tmp_path / "home" / ".cache"
    assert default_data_dir() == home_cache / "tinygrad_dl" / "cifar-10-batches-py"


def test_embedded_fallback(no_config: Path) -> None:
    assert resolve_data_dir(None) is None
    ds = load_cifar10()
    assert ds.source == "embedded sample (1000 train / 200 val / 500 test)"
    assert ds.X_train.shape == (1000, 3072) and ds.X_val.shape == (200, 3072)
    assert ds.X_test.shape == (500, 3072) and ds.y_test.dtype == np.int64
    assert ds.K == 10 and ds.label_names[-1] == "truck"
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-10)
    assert np.abs(ds.X_test.mean(axis=0)).max() > 1e-3


def test_cache_dir_used_when_present(no_config: Path) -> None:
    make_fake_cifar(no_config)
    assert resolve_data_dir(None) == no_config
    assert str(no_config) in load_cifar10().source


def test_env_var_honoured(no_config: Path, fake_dir: Path, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(fake_dir))
    ds = load_cifar10(normalize=False)
    assert str(fake_dir) in ds.source and len(ds.y_train) == FAKE_SIZES["data_batch_1"]
    other = tmp_path / "other"
    make_fake_cifar(other)
    assert str(other) in load_cifar10(other).source  # the argument beats the env var
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(tmp_path / "typo"))  # no silent fallback
    with pytest.raises(FileNotFoundError, match="TINYGRAD_DL_DATA"):
        load_cifar10()


def test_embedded_sample_float32() -> None:
    ds = load_embedded_sample(dtype=np.float32)
    assert ds.X_val.dtype == np.float32 and ds.mean.dtype == np.float32


def test_corrupt_npz(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    good = data.cifar._sample_path().read_bytes()
    bad.write_bytes(good[: len(good) // 3])
    with pytest.raises(ValueError, match="bad.npz"):
        load_embedded_sample(path=bad)
    np.savez(bad, x_train=np.zeros((2, 3072), np.uint8))  # missing keys
    with pytest.raises(ValueError, match="bad.npz"):
        load_embedded_sample(path=bad)
    arrays = {k: np.zeros((2, 3072), np.uint8) for k in ("x_train", "x_val", "x_test")}
    arrays |= {k: np.zeros(2, np.int64) for k in ("y_train", "y_val", "y_test")}
    np.savez(bad, **{**arrays, "x_val": np.zeros((2, 100), np.uint8)}, label_names=np.array(["a"]))
    with pytest.raises(ValueError, match="x_val"):
        load_embedded_sample(path=bad)


# ---------------------------------------------------------------- helpers
def test_one_hot(fake_dir: Path) -> None:
    ds = load_cifar10(fake_dir)
    Y = ds.one_hot(ds.y_train)
    assert Y.shape == (len(ds.y_train), 10) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.argmax(axis=1), ds.y_train)
    np.testing.assert_array_equal(Y.sum(axis=1), 1)


@given(n=st.integers(0, 50), n_batch=st.integers(1, 20), seed=st.integers(0, 3),
       drop_last=st.booleans())
def test_batches_cover_indices(n: int, n_batch: int, seed: int, drop_last: bool) -> None:
    for rng in (None, np.random.default_rng(seed)):
        out = list(batches(n, n_batch, rng=rng, drop_last=drop_last))
        assert all(0 < len(b) <= n_batch for b in out)
        got = np.concatenate(out) if out else np.array([], np.int64)
        expected = n - n % n_batch if drop_last else n
        assert len(got) == expected and len(np.unique(got)) == expected
        if rng is None:
            np.testing.assert_array_equal(got, np.arange(expected))
        else:
            assert drop_last or sorted(got.tolist()) == list(range(n))


def test_batches_shuffle() -> None:
    a = np.concatenate(list(batches(100, 10, rng=np.random.default_rng(0))))
    b = np.concatenate(list(batches(100, 10, rng=np.random.default_rng(1))))
    assert not np.array_equal(a, np.arange(100)) and not np.array_equal(a, b)
    with pytest.raises(ValueError, match="n_batch"):
        next(batches(10, 0))


# ---------------------------------------------------------------- text
def test_load_text_file(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_bytes("\ufeffhello wörld\nbye".encode())
    cd = load_text(p)
    assert cd.text == "hello wörld\nbye"  # BOM dropped
    assert cd.chars == sorted(set(cd.text)) and cd.K == len(set(cd.text))
    assert all(cd.ix_to_char[cd.char_to_ix[c]] == c for c in cd.chars)
    ix = cd.encode(cd.text)
    assert ix.dtype == np.int64 and cd.decode(ix) == cd.text
    X = cd.one_hot(ix)
    assert X.shape == (len(ix), cd.K)
    np.testing.assert_array_equal(X.argmax(axis=1), ix)
    with pytest.raises(ValueError, match="'z'"):
        cd.encode("z")
    with pytest.raises(ValueError, match="decode"):
        cd.decode([cd.K])
    with pytest.raises(ValueError, match="one_hot"):
        one_hot_sequence([-1], 3)


@given(st.text(min_size=1, max_size=60))
def test_encode_decode_round_trip(text: str) -> None:
    cd = CharData(text)
    assert cd.decode(cd.encode(text)) == text
    assert cd.decode(list(cd.encode(text))) == text


def test_bad_text_files(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\u00e9".encode("latin-1"))
    with pytest.raises(ValueError, match="latin1.txt.*UTF-8"):
        load_text(bad)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.txt"):
        load_text(empty)
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        load_text(tmp_path / "missing.txt")


def test_default_corpus() -> None:
    from pydoc_data.topics import topics

    cd = load_text()
    assert len(cd.text) > 100_000 and 70 <= cd.K <= 130
    assert cd.text.startswith(topics[sorted(topics)[0]])
    assert load_text().chars == cd.chars  # deterministic map
    assert "pydoc_data" in cd.source


def test_default_corpus_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pydoc_data.topics", None)  # makes the import fail
    with pytest.raises(RuntimeError, match="pydoc_data"):
        load_text()
