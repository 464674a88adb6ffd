"""The default trial (one `run_training` run) and the data it trains on, the same on every worker.

The client pins the data before the first trial: a CIFAR-10 folder made absolute (or, with no
folder configured, the embedded sample chosen explicitly, so a worker with its own
$TINYGRAD_DL_DATA or cache cannot substitute other data), and a content fingerprint (SHA-256 of
the batch files, the sample, or the text). Every trial re-checks the fingerprint on its worker
before training and fails with an error naming the host when the data is missing or differs; with
`ship=True` the loaded data travels with the trial instead (for workers without a shared disk).
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_dl import __version__
from tinygrad_dl.data import load_cifar10, load_embedded_sample, load_text, resolve_data_dir
from tinygrad_dl.models import Loop, model_class
from tinygrad_dl.train import resolve_params, run_training


class DataError(RuntimeError):
    """The data a trial would read is missing or is not the client's."""


@dataclass(frozen=True)
class DataRef:
    """Which data a search trains on: kind ("cifar", "embedded", "text", "corpus"), the absolute
    path it is read from (None for the built-in corpus), the files hashed, their SHA-256."""

    kind: str
    path: str | None
    files: tuple[str, ...]
    digest: str

    @property
    def id(self) -> str:
        """Short, table-friendly name of the content: "cifar:1a2b3c4d5e6f"."""
        return f"{self.kind}:{self.digest[:12]}"

    def verify(self) -> None:
        """Raise DataError, naming this host, unless this machine has the same data."""
        host = socket.gethostname()
        try:
            here = _digest(self.kind, self.path, self.files)
        except (OSError, RuntimeError) as e:
            raise DataError(f"host {host}: data {self.id} is not readable here: {e}") from None
        if here != self.digest:
            raise DataError(f"host {host}: data at {self.path or self.kind} differs from the "
                            f"client's (sha256 {here[:12]} here, {self.digest[:12]} on the client)")


_DIGESTS: dict[tuple[Any, ...], str] = {}  # per process: a worker hashes its files once


def _digest(kind: str, path: str | None, files: tuple[str, ...]) -> str:
    if kind == "corpus":  # the built-in corpus: it depends on the Python version
        return hashlib.sha256(load_text(None).text.encode()).hexdigest()
    assert path is not None
    paths = [Path(path) / f for f in files] if files else [Path(path)]
    # each file's identity and times, ctime too: a file replaced by one of the same size with
    # its mtime restored (tar x, rsync -t) kept its old digest, and verify() then passed
    stats = tuple((str(p), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                  for p, st in ((p, p.stat()) for p in paths))
    if stats not in _DIGESTS:
        h = hashlib.sha256()
        cr = False
        for p in paths:
            h.update(p.name.encode() + b"\0")
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
                    cr = cr or b"\r" in block
        if cr and kind == "text":  # load_text reads its "\r\n" and "\r" as "\n" since
            # 2026-12-05: a search's finished trials on the old reading are other data (rerun,
            # they were counted done and ranked with the new ones); a text without "\r" keeps
            # its id
            h.update(b"\0newlines:universal")
        _DIGESTS[stats] = h.hexdigest()
    return _DIGESTS[stats]


def _ref(kind: str, path: str | None, files: tuple[str, ...] = ()) -> DataRef:
    return DataRef(kind, path, files, _digest(kind, path, files))


def resolve_data(model: str, data: str | None, text: str | None) -> DataRef:
    """The data a search of `model` trains on, pinned on this machine (the
    client). FileNotFoundError / ValueError, naming the flag, when it is missing."""
    # a flag the model does not read is refused, as `train` refuses it (it was dropped)
    if model_class(model).loop is Loop.SEQUENCE and data is not None:
        raise ValueError("--data is for the CIFAR-10 classifiers; char-rnn reads --text")
    if model_class(model).loop is not Loop.SEQUENCE and text is not None:
        raise ValueError("--text is for char-rnn; the classifiers read --data")
    if model_class(model).loop is Loop.SEQUENCE:
        if text is None:
            return _ref("corpus", None)
        p = Path(text).expanduser().resolve()
        if p.is_dir():
            raise ValueError(f"--text {text}: is a folder, not a text file: name a UTF-8 text file")
        if not p.is_file():
            raise FileNotFoundError(f"--text {text}: no such file")
        load_text(p)  # an empty or non-UTF-8 file is refused now, not in every trial
        return _ref("text", str(p))
    root = resolve_data_dir(data)
    if root is None:  # the sample shipped in the package, named explicitly
        sample = resources.files("tinygrad_dl") / "_data" / "cifar10_sample.npz"
        return _ref("embedded", str(Path(str(sample)).resolve()))
    root = root.expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise ValueError(f"--data {data or root}: is a file, not a folder; point it at the "
                         "cifar-10-batches-py folder")
    if not root.is_dir():
        raise FileNotFoundError(f"--data {data or root}: no such folder")
    # every batch file there (whichever --split reads them), in one fixed order
    files = tuple(sorted(p.name for p in root.glob("data_batch_*") if p.is_file()))
    files += ("test_batch", "batches.meta")
    missing = [f for f in ("data_batch_1", *files[-2:]) if not (root / f).is_file()]
    if missing:
        raise FileNotFoundError(f"--data {root}: missing {', '.join(missing)}")
    return _ref("cifar", str(root), files)


_LOADED: dict[tuple[Any, ...], Any] = {}  # one entry: a worker keeps its data between trials
_LOADED_LOCK = threading.Lock()  # a Dask worker runs trials in several threads


class TrainingTrial:
    """The default trial: one `run_training` run on the pinned data; picklable, so it ships to
    worker processes. `ship=True` loads the data here and sends it along with the trial."""

    def __init__(self, model: str, ref: DataRef | None = None,
                 fixed: dict[str, Any] | None = None, ship: bool = False, *,
                 data: str | None = None, text: str | None = None) -> None:
        """`ref`: the pinned data (`resolve_data`); without it, `data` / `text` (paths, or None
        for the defaults) are pinned here."""
        self.model = model
        self.ref = ref if ref is not None else resolve_data(model, data, text)
        self.loaded: Any = self._load(resolve_params(model, fixed or {})) if ship else None

    @property
    def ships_data(self) -> bool:
        return self.loaded is not None

    @property
    def data_id(self) -> str:
        return self.ref.id

    def _load(self, p: dict[str, Any]) -> Any:
        ref = self.ref
        # the char-RNN's params have no split/val_size: its text is read whole
        key = (ref.digest, p.get("split"), p.get("val_size"), p["dtype"])
        with _LOADED_LOCK:
            if key not in _LOADED:
                _LOADED.clear()
                if ref.kind in ("text", "corpus"):
                    _LOADED[key] = load_text(ref.path)
                elif ref.kind == "embedded":
                    _LOADED[key] = load_embedded_sample(dtype=p["dtype"], path=ref.path)
                else:
                    _LOADED[key] = load_cifar10(ref.path, split=p["split"],
                                                val_size=p["val_size"], dtype=p["dtype"])
            return _LOADED[key]

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, Any]:
        if self.loaded is None:
            self.ref.verify()
        data = self.loaded if self.loaded is not None else self._load(
            resolve_params(self.model, params))
        seq = model_class(self.model).loop is Loop.SEQUENCE
        res = run_training(self.model, params, data=None if seq else data,
                           text=data if seq else None, seed=seed, progress=False, print_fn=None)
        final = res.final or {}
        common = {"train_seconds": res.seconds, "data_id": self.ref.id}
        if seq:
            return {"best_smooth_loss": final.get("best_smooth_loss"),
                    "smooth_loss": final.get("smooth_loss"),
                    "train_loss": final.get("train_loss"), **common}
        y_val = getattr(data, "y_val", None)
        return {
            "best_val_acc": res.best_val_acc,
            "train_cost": final.get("train_cost"),
            "val_cost": final.get("val_cost"),
            "test_acc": res.test_acc,
            # what the accuracies were measured on: one image is 100 / val_images points
            "val_images": None if y_val is None else len(y_val),
            **common,
        }


def environment(ref: DataRef | None = None) -> dict[str, Any]:
    """What `search --check-cluster` reports for one worker process."""
    info: dict[str, Any] = {
        "host": socket.gethostname(), "pid": os.getpid(),
        "python": ".".join(map(str, sys.version_info[:3])),
        "tinygrad_dl": __version__, "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "blas_threads": _blas_threads(),
        "MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
    }
    if ref is not None:
        try:
            ref.verify()
            info["data"] = "ok"
        except DataError as e:
            info["data"] = str(e)
    return info


def _blas_threads() -> int | None:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    n = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return max(n) if n else None
