"""CIFAR-10 in its official python-pickle layout, the embedded sample, and mini-batch indices.

Where the data is looked for (first match wins):
  1. the `data_dir` argument (CLI --data);
  2. the environment variable $TINYGRAD_DL_DATA;
  3. the cache directory `default_data_dir()` = $XDG_CACHE_HOME/tinygrad_dl/cifar-10-batches-py
     (~/.cache/tinygrad_dl/cifar-10-batches-py when XDG_CACHE_HOME is unset), if it exists;
  4. otherwise the real-image sample shipped in the package (tinygrad_dl/_data/cifar10_sample.npz).

Security: the official format is Python pickle, and unpickling can run code. Batches are only read
from the directory the user points at, through data/safe_pickle.py: no NumPy global is called,
arrays are rebuilt from checked (shape, integer dtype, bytes) with np.frombuffer, so a hostile
file can neither run code, crash NumPy nor make us allocate more than its own size.

Text data for the char-RNN lives in tinygrad_dl/data/text.py (tinygrad_dl.data re-exports both).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl.container import read_arrays
from tinygrad_dl.functional import one_hot

from .safe_pickle import UnsafePickleError, load_array_pickle, materialize

__all__ = [
    "CIFAR_URL", "Dataset", "batches", "default_data_dir", "load_cifar10", "load_cifar_batch",
    "load_embedded_sample", "resolve_data_dir",
]

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
ENV_VAR = "TINYGRAD_DL_DATA"
D, K = 3072, 10  # 32*32*3 features per image (1024 R, 1024 G, 1024 B), 10 classes
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))


# ---------------------------------------------------------------- locating the data
def default_data_dir() -> Path:
    """$XDG_CACHE_HOME/tinygrad_dl/cifar-10-batches-py (XDG default ~/.cache)."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "tinygrad_dl" / "cifar-10-batches-py"


def how_to_get() -> str:
    """The instructions every 'dataset not found' error ends with."""
    return (f"To get the dataset: run `tinygrad-dl data cifar10`, or download {CIFAR_URL}, "
            f"extract it (tar xzf), and point --data "
            f"or ${ENV_VAR} at the cifar-10-batches-py folder (or move it to {default_data_dir()})")


def _resolve(data_dir: str | os.PathLike[str] | None) -> tuple[Path | None, str]:
    if isinstance(data_dir, str) and data_dir == "":
        # an unset shell variable (`--data "$DIR"`): falling back to $TINYGRAD_DL_DATA, the
        # cache or the sample would train on data nobody named
        raise ValueError("--data/data_dir is an empty string (an unset variable?); name a "
                         "CIFAR-10 folder, or leave it out to use $TINYGRAD_DL_DATA, the cache "
                         "folder or the embedded sample")
    if data_dir is not None:
        return Path(data_dir).expanduser(), "--data/data_dir"
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser(), f"${ENV_VAR}"
    cache = default_data_dir()
    return (cache, "the cache dir") if cache.is_dir() else (None, "embedded sample")


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path | None:
    """The directory CIFAR-10 would be read from, or None when the embedded sample would be used.

    An explicit data_dir or $TINYGRAD_DL_DATA is returned even if it does not exist, so that a typo
    is reported by the loader instead of silently falling back to the sample.
    """
    return _resolve(data_dir)[0]


# ---------------------------------------------------------------- one pickle batch
def _unpickle(path: Path) -> Any:
    """The pickle at `path`, arrays as stand-ins (see data/safe_pickle.py): never runs code."""
    try:
        return load_array_pickle(path)
    except (FileNotFoundError, IsADirectoryError, PermissionError, MemoryError):
        raise  # MemoryError: sizes are bounded by the file, so this is a real out-of-memory
    except RecursionError:
        raise ValueError(f"{path}: corrupt CIFAR-10 pickle (nested too deeply)") from None
    except Exception as e:  # EOFError, UnpicklingError, ValueError, KeyError: "not a batch"
        raise ValueError(f"{path}: truncated or corrupt CIFAR-10 pickle "
                         f"({type(e).__name__}: {e}); re-extract the dataset") from None


def _get(d: dict, key: str, path: Path) -> Any:
    """Keys are bytes when read with encoding='bytes'; accept str keys from re-saved files too."""
    try:
        return materialize(d[key.encode()] if key.encode() in d else d[key])
    except UnsafePickleError as e:
        raise ValueError(f"{path}: corrupt CIFAR-10 pickle ({e})") from None


def load_cifar_batch(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch file -> (X uint8 (n, 3072), y int64 (n,)). Any n >= 1 is accepted.

    Everything is checked before anything is returned: a bad batch is a ValueError naming the file.
    """
    path = Path(path)
    d = _unpickle(path)
    if not isinstance(d, dict):
        raise ValueError(f"{path}: expected a pickled dict, got {type(d).__name__}")
    try:
        X, labels = _get(d, "data", path), _get(d, "labels", path)
    except KeyError:
        keys = str(list(d)[:5])
        raise ValueError(f"{path}: missing b'data' or b'labels' (keys: {keys:.200})") from None
    if not (isinstance(X, np.ndarray) and X.dtype == np.uint8 and X.ndim == 2 and X.shape[1] == D
            and X.shape[0] > 0):
        desc = f"{X.dtype} {X.shape}" if isinstance(X, np.ndarray) else type(X).__name__
        raise ValueError(f"{path}: b'data' must be uint8 of shape (n, {D}) with n >= 1, got {desc}")
    y = _labels(path, labels, X.shape[0])
    return np.array(X, order="C"), y  # a writable copy: frombuffer views of the file are not


def _labels(path: Path, labels: Any, n: int) -> np.ndarray:
    """b'labels' (a list of ints, or an integer array) as int64 (n,) in [0, K), else ValueError."""
    if isinstance(labels, list):
        bad = next((v for v in labels if not isinstance(v, (int, np.integer))
                    or isinstance(v, bool)), None)
        if bad is not None:
            raise ValueError(f"{path}: b'labels' must be integers, got {type(bad).__name__} "
                             f"{bad!r:.40}")
        if any(not -(2**63) <= int(v) < 2**63 for v in labels):
            raise ValueError(f"{path}: labels must be in [0, {K}), got a huge integer")
        y = np.array(labels, dtype=np.int64)
    elif isinstance(labels, np.ndarray) and labels.dtype.kind in "iu":
        if labels.size and (labels.min() < 0 or labels.max() >= K):  # before any cast can wrap
            raise ValueError(f"{path}: labels must be in [0, {K}), got "
                             f"{labels.min()}..{labels.max()}")
        y = labels.astype(np.int64)
    else:
        raise ValueError(f"{path}: b'labels' must be a list of integers, got "
                         f"{type(labels).__name__}")
    if y.shape != (n,):
        raise ValueError(f"{path}: {n} images but labels of shape {y.shape}")
    if y.min() < 0 or y.max() >= K:
        raise ValueError(f"{path}: labels must be in [0, {K}), got {y.min()}..{y.max()}")
    return y


def _label_names(path: Path, raw: Any) -> list[str]:
    """`raw` as K (= 10) class names, else ValueError naming the file. A list (or 1-D str/bytes
    array) of str or UTF-8 bytes only: iterating whatever came would turn b"0123456789" into
    ['48', '49', ...] and a list of arrays into their reprs, and another count than K would
    give a model of another size than the labels (checked to be in [0, K)) need."""
    if isinstance(raw, np.ndarray) and raw.ndim == 1 and raw.dtype.kind in "US":
        raw = raw.tolist()
    if not isinstance(raw, (list, tuple)):
        raise ValueError(f"{path}: label_names must be a list of {K} strings, got "
                         f"{type(raw).__name__}")
    bad = next((n for n in raw if not isinstance(n, (str, bytes))), None)
    if bad is not None:  # (an array in a pickle is safe_pickle's _Array stand-in: "Array")
        raise ValueError(f"{path}: label_names must be a list of {K} strings, got a list "
                         f"holding {type(bad).__name__.lstrip('_')}")
    if len(raw) != K:
        raise ValueError(f"{path}: expected {K} label names (labels are 0..{K - 1}), got "
                         f"{len(raw)}")
    try:
        return [n.decode() if isinstance(n, bytes) else n for n in raw]
    except UnicodeDecodeError:
        raise ValueError(f"{path}: label_names are not UTF-8 text") from None


def _load_label_names(path: Path) -> list[str]:
    d = _unpickle(path)
    try:
        raw = _get(d, "label_names", path)
    except (KeyError, TypeError):
        raise ValueError(f"{path}: expected a dict with b'label_names'") from None
    return _label_names(path, raw)


# ---------------------------------------------------------------- the Dataset
@dataclass
class Dataset:
    """Train/val/test splits. X rows are images (n, 3072), normalized with TRAINING mean/std."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    label_names: list[str]
    source: str
    mean: np.ndarray | None = None  # (3072,) training statistics, None if not normalized
    std: np.ndarray | None = None

    @property
    def d(self) -> int:
        return self.X_train.shape[1]

    @property
    def K(self) -> int:
        return len(self.label_names)

    def one_hot(self, y: np.ndarray) -> np.ndarray:
        """Class indices (n,) -> one-hot (n, K) in the dtype of X."""
        return one_hot(y, self.K, dtype=self.X_train.dtype)

    def fingerprint(self) -> str:
        """SHA-256 of the splits as they are (images, labels, in order): a resumed run checks
        that it trains on what the interrupted one did, not only on as many images."""
        return fingerprint(self.X_train, self.y_train, self.X_val, self.y_val, self.X_test,
                           self.y_test)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Apply this dataset's preprocessing (float + training mean/std) to new raw images."""
        out = np.asarray(X).astype(self.X_train.dtype)
        if out.ndim not in (1, 2) or out.shape[-1] != self.d:  # images (n, 3, 32, 32) or HWC
            # met NumPy's broadcasting error, which named neither transform nor the layout
            raise ValueError(f"Dataset.transform: X must be rows of {self.d} features, (n, "
                             f"{self.d}) or ({self.d},), as X_train; got shape {out.shape}")
        if self.mean is not None and self.std is not None:
            out -= self.mean
            out /= self.std
        return out


def fingerprint(*arrays: np.ndarray | None) -> str:
    """SHA-256 of arrays' dtypes, shapes and bytes, in order (None: an absent split)."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none;")
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape};".encode())
        h.update(memoryview(a.reshape(-1)).cast("B"))
    return h.hexdigest()


def _train_stats(X: np.ndarray, chunk: int = 5000) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and std in float64, chunked so 50000x3072 never makes a float64 copy."""
    mean = X.mean(axis=0, dtype=np.float64)
    ss = np.zeros(X.shape[1])
    for i in range(0, X.shape[0], chunk):
        ss += np.square(X[i:i + chunk] - mean).sum(axis=0)
    std = np.sqrt(ss / X.shape[0])
    std[std == 0] = 1.0  # a constant feature: centre it, do not divide by zero
    return mean, std


def _make_dataset(splits: list[tuple[np.ndarray, np.ndarray]], label_names: list[str],
                  source: str, dtype: Any, normalize: bool) -> Dataset:
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a float type (float64 or float32), not {dtype}")
    (Xtr, ytr), (Xva, yva), (Xte, yte) = splits
    mean = std = None
    if normalize:
        mean, std = _train_stats(Xtr)
        mean, std = mean.astype(dtype), std.astype(dtype)

    def prep(X: np.ndarray) -> np.ndarray:
        out = X.astype(dtype)
        if normalize:
            out -= mean  # in place: no extra full-size temporaries
            out /= std
        return out

    return Dataset(prep(Xtr), ytr, prep(Xva), yva, prep(Xte), yte, label_names, source, mean, std)


def load_cifar10(data_dir: str | os.PathLike[str] | None = None, split: str = "batch1",
                 val_size: int = 1000, dtype: Any = np.float64, normalize: bool = True) -> Dataset:
    """Load CIFAR-10 with the course's splits.

    split="batch1": data_batch_1 train, data_batch_2 validation, test_batch test.
    split="all": data_batch_1..5 concatenated, the last `val_size` rows are validation.
    With no dataset configured (see the module docstring), the embedded sample is returned
    and `split`/`val_size` do not apply (its splits are fixed: 1000/200/500). An empty string
    (an unset shell variable) is a ValueError, not a request for that fallback.
    """
    if split not in ("batch1", "all"):
        raise ValueError(f"split must be 'batch1' or 'all', not {split!r}")
    if split == "all" and (isinstance(val_size, bool) or not isinstance(val_size, (int, np.integer))
                           or val_size < 1):
        raise ValueError(f"val_size must be a positive integer, not {val_size!r}")
    root, origin = _resolve(data_dir)
    if root is None:
        return load_embedded_sample(dtype=dtype, normalize=normalize)

    train_files = TRAIN_FILES if split == "all" else TRAIN_FILES[:2]
    needed = [*train_files, "test_batch", "batches.meta"]
    if root.exists() and not root.is_dir():  # a file named where the folder should be
        raise ValueError(f"CIFAR-10 directory {root} (from {origin}) is a file, not a folder; "
                         f"point it at the cifar-10-batches-py folder, which holds "
                         f"{', '.join(needed)}. {how_to_get()}")
    if not root.is_dir():
        raise FileNotFoundError(f"CIFAR-10 directory {root} (from {origin}) does not exist; it "
                                f"should hold {', '.join(needed)}. {how_to_get()}")
    missing = [f for f in needed if not (root / f).is_file()]
    if missing:
        inner = root / "cifar-10-batches-py"  # (the folder above it named: "download it")
        raise FileNotFoundError(f"CIFAR-10 directory {root} (from {origin}) is missing "
                                f"{', '.join(missing)}. " + (
                                    f"It holds a cifar-10-batches-py folder: point --data or "
                                    f"${ENV_VAR} at {inner}" if inner.is_dir() else how_to_get()))

    label_names = _load_label_names(root / "batches.meta")
    test = load_cifar_batch(root / "test_batch")
    if split == "batch1":
        train = load_cifar_batch(root / TRAIN_FILES[0])
        val = load_cifar_batch(root / TRAIN_FILES[1])
    else:
        parts = [load_cifar_batch(root / f) for f in TRAIN_FILES]
        X, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        if val_size >= len(y):
            raise ValueError(f"val_size={val_size} must be smaller than the {len(y)} training "
                             f"images in {root}")
        train, val = (X[:-val_size], y[:-val_size]), (X[-val_size:], y[-val_size:])
    n = (len(train[1]), len(val[1]), len(test[1]))
    source = f"CIFAR-10 at {root} (split={split}: {n[0]} train / {n[1]} val / {n[2]} test)"
    return _make_dataset([train, val, test], label_names, source, dtype, normalize)


# ---------------------------------------------------------------- the embedded sample
SAMPLE_KEYS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test", "label_names")


def _sample_path() -> Path:
    return Path(str(resources.files("tinygrad_dl") / "_data" / "cifar10_sample.npz"))


def load_embedded_sample(dtype: Any = np.float64, normalize: bool = True,
                         path: str | os.PathLike[str] | None = None) -> Dataset:
    """The 1000 train / 200 val / 500 test real CIFAR-10 images shipped with the package.

    `path` reads another .npz of the same layout (keys x_train..y_test uint8/int64, label_names).
    """
    p = Path(path) if path is not None else _sample_path()
    fix = "reinstall tinygrad_dl" if path is None else "pass an .npz of the sample's layout"
    try:  # (np.load allocated what a member's header claims before reading it: 931 GiB)
        arrays = read_arrays(p, what="CIFAR-10 sample", kinds="biufUS",
                             names=SAMPLE_KEYS)
    except FileNotFoundError:
        if path is not None:
            raise
        raise FileNotFoundError(f"embedded CIFAR-10 sample not found at {p}; reinstall "
                                f"tinygrad_dl or {how_to_get()}") from None
    except ValueError as e:
        raise ValueError(f"{e}; {fix}") from None
    missing = [k for k in SAMPLE_KEYS if k not in arrays]
    if missing:
        raise ValueError(f"{p}: the CIFAR-10 sample has no {', '.join(missing)} (it needs "
                         f"{', '.join(SAMPLE_KEYS)}); {fix}")
    splits = []
    for s in ("train", "val", "test"):
        X, y = arrays[f"x_{s}"], arrays[f"y_{s}"]
        # n >= 1, as a batch file's: an empty x_train made the training mean and std NaN, and
        # so every normalized image, with only NumPy's "Mean of empty slice" warning
        if (X.dtype != np.uint8 or X.ndim != 2 or X.shape[1] != D or X.shape[0] < 1
                or y.shape != (X.shape[0],)):
            raise ValueError(f"{p}: x_{s} must be uint8 (n, {D}) with n >= 1 and y_{s} of "
                             f"shape (n,), got {X.dtype} {X.shape} and {y.shape}")
        if y.dtype.kind not in "iu" or (y.size and (y.min() < 0 or y.max() >= K)):
            raise ValueError(f"{p}: y_{s} must be integer labels in [0, {K})")
        splits.append((X, y.astype(np.int64)))
    names = _label_names(p, arrays["label_names"])
    n = [len(s[1]) for s in splits]
    source = f"embedded sample ({n[0]} train / {n[1]} val / {n[2]} test)"
    return _make_dataset(splits, names, source, dtype, normalize)


# ---------------------------------------------------------------- mini-batches
def batches_per_epoch(n: int, n_batch: int, drop_last: bool) -> int:
    """Mini-batches in one pass over n rows: floor(n / n_batch) with drop_last (the course's
    `for j = 1:n/n_batch`: full batches only), ceil(n / n_batch) without (the last one short).
    The one count that both `batches` and the training loop, and so the cyclical schedule's
    n_s, are built from."""
    if isinstance(n_batch, (bool, np.bool_)) or not isinstance(n_batch, (int, np.integer)):
        # (2.5 gave 4.0 batches here, then a range() TypeError in `batches`; True batches of 1)
        raise TypeError(f"n_batch must be an integer, not {n_batch!r}")
    if n_batch < 1:
        raise ValueError(f"n_batch must be >= 1, not {n_batch}")
    return n // n_batch if drop_last else -(-n // n_batch)


def batches(n: int, n_batch: int, rng: np.random.Generator | None = None,
            drop_last: bool = False) -> Iterator[np.ndarray]:
    """Yield int64 index arrays covering range(n) in chunks of n_batch (one epoch).

    With rng, the order is a fresh permutation (shuffle each epoch by calling again); without,
    it is 0..n-1 in order, as in the course's plain mini-batch GD. The last batch may be shorter
    unless drop_last=True. Use as: `for ix in batches(len(y), 100, rng): step(X[ix], y[ix])`.
    """
    count = batches_per_epoch(n, n_batch, drop_last)
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for i in range(0, min(n, count * n_batch), n_batch):
        yield order[i:i + n_batch]
