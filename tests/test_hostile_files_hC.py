"""Hostile files the project reads, round 3: the CIFAR-10 sample's .npz, a History JSON, the
results file and its --into page, a search's results.json, and the download's HTTP answers.
Each is a real file (or a real local HTTP server); the answer is one ValueError / error line
naming the file, with nothing allocated that the file cannot back and nothing written."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import threading
import tracemalloc
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_dl.cli import main
from tinygrad_dl.data.cifar import load_embedded_sample
from tinygrad_dl.data.download import (
    ARCHIVE_NAME,
    ARCHIVE_ROOT,
    CIFAR10_FILES,
    DownloadError,
    download_cifar10,
)
from tinygrad_dl.search.results import ResultStore
from tinygrad_dl.train.history import History

DOCS_RESULTS = Path(__file__).resolve().parents[1] / "docs" / "data" / "results.json"


def _npy_header(shape: tuple[int, ...], descr: str = "|u1") -> bytes:
    h = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}".ljust(118)
    h = h.encode() + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h


def _peak_bytes(fn: Any) -> tuple[int, BaseException | None]:
    tracemalloc.start()
    err = None
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the caller checks it
        err = e
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, err


# ---- the CIFAR-10 sample (.npz a user may pass as path=) -------------------------------------
def test_sample_header_claiming_300_mb_is_refused_before_allocating(tmp_path: Path) -> None:
    # np.load made numpy.ndarray(count) of the claimed size, then failed reading it
    p = tmp_path / "forged.npz"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("x_train.npy", _npy_header((100_000, 3072)) + b"\0" * 10)
    peak, err = _peak_bytes(lambda: load_embedded_sample(path=p))
    assert isinstance(err, ValueError) and str(p) in str(err) and "claims shape" in str(err)
    assert peak < 50 << 20, f"{peak:,} bytes allocated for a 1 KB file"


def test_sample_deflate_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    p = tmp_path / "bomb.npz"  # 90 MB of zero images in ~90 KB
    np.savez_compressed(p, x_train=np.zeros((30_000, 3072), np.uint8))
    peak, err = _peak_bytes(lambda: load_embedded_sample(path=p))
    assert isinstance(err, ValueError) and str(p) in str(err) and "bomb" in str(err)
    assert peak < 50 << 20, f"{peak:,} bytes allocated"


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_bytes(b"hello, not a zip"), "not a zip file"),
    (lambda p: np.savez(p, x_train=np.array([object()], dtype=object)), "dtype object"),
], ids=["text", "object-array"])
def test_sample_not_an_npz_or_object_arrays_name_the_users_file(tmp_path: Path, make: Any,
                                                                 words: str) -> None:
    # (a text file was "pickled (object) data"; a user's path was told to reinstall tinygrad_dl)
    p = tmp_path / "mine.npz"
    make(p)
    with pytest.raises(ValueError) as e:
        load_embedded_sample(path=p)
    msg = str(e.value)
    assert str(p) in msg and words in msg and "reinstall" not in msg and "\n" not in msg


def test_sample_missing_key_is_named(tmp_path: Path) -> None:
    p = tmp_path / "few.npz"
    np.savez(p, x_train=np.zeros((2, 3072), np.uint8))
    with pytest.raises(ValueError, match=r"few.npz: the CIFAR-10 sample has no y_train"):
        load_embedded_sample(path=p)


def test_the_shipped_sample_still_loads() -> None:
    ds = load_embedded_sample()
    assert ds.X_train.shape == (1000, 3072) and ds.label_names[0] == "airplane"


def test_sample_with_extra_entries_still_loads(tmp_path: Path) -> None:
    # np.load read only the sample's keys: an extra pickled entry or a zip tool's __MACOSX/
    # file in a user's copy loaded, and must still (review: they were refused as hostile)
    p = tmp_path / "mine.npz"
    with np.load(Path(str(resources.files("tinygrad_dl") / "_data" / "cifar10_sample.npz"))) as z:
        arrays = {k: z[k] for k in z.files}
    np.savez(p, **arrays, info=np.array({"source": "me"}, dtype=object))
    with zipfile.ZipFile(p, "a") as z:
        z.writestr("__MACOSX/._x_train.npy", b"resource fork")
    ds = load_embedded_sample(path=p)
    assert ds.X_train.shape == (1000, 3072) and ds.label_names[0] == "airplane"


# ---- History.load ------------------------------------------------------------------------
@pytest.mark.parametrize("text, words", [
    ("[" * 100_000, "not a valid history JSON file"),  # was a RecursionError
    ("[1, 2]", "history must be an object"),  # was AttributeError: 'list' ... 'get'
    ('{"columns": [1]}', "history.columns must be an object"),  # AttributeError
    ('{"columns": {"a": [{}]}}', "history.columns.a[0] must be"),  # TypeError
    ('{"meta": [1]}', "history.meta must be dict"),  # TypeError
    ('{"columns": {"a": [1' + "0" * 400 + "]}}", "too large"),  # OverflowError
], ids=["deep", "list", "columns-list", "cell-dict", "meta-list", "int-1e400"])
def test_history_load_of_a_foreign_file_is_one_line_naming_it(tmp_path: Path, text: str,
                                                             words: str) -> None:
    p = tmp_path / "history.json"
    p.write_text(text)
    with pytest.raises(ValueError) as e:
        History.load(p)
    assert str(e.value).startswith(f"{p}: ") and words in str(e.value)


def test_history_with_other_keys_or_a_null_meta_still_loads(tmp_path: Path) -> None:
    # from_dict ignored other top-level keys and took a null meta as {}: a newer version's key
    # or a user's note must not make the file unreadable (review: the schema refused them)
    p = tmp_path / "history.json"
    p.write_text(json.dumps({"meta": None, "columns": {"loss": [1.0, "inf"]}, "version": 2}))
    h = History.load(p)
    assert h.meta == {} and h["loss"].tolist() == [1.0, float("inf")]


def test_history_round_trip_keeps_blow_ups(tmp_path: Path) -> None:
    h = History()
    h.log(loss=1.0)
    h.log(loss=float("inf"), acc=0.5)
    h.save(tmp_path / "h.json")
    back = History.load(tmp_path / "h.json")
    assert np.isnan(back["acc"][0]) and back["loss"].tolist() == [1.0, float("inf")]


# ---- tinygrad-dl results: --results and --into -------------------------------------------
def _results(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(["results", *argv])
    return rc, capsys.readouterr().err.strip()


@pytest.mark.parametrize("edit, words", [
    (lambda s: s["runs"][0].__setitem__("test_acc", float("nan")), "holds NaN"),
    (lambda s: s["runs"][0].__setitem__("test_acc", float("inf")), "holds Infinity"),
    (lambda s: s.__setitem__("target", float("nan")), "holds NaN"),  # "≥ nan%: undecided"
    (lambda s: s["runs"][0].__setitem__("test_acc", 10 ** 400), "runs[0].test_acc is"),
    (lambda s: s["runs"][1].__setitem__("train_seconds", 10 ** 400), "runs[1].train_secon"),
], ids=["nan", "infinity", "target-nan", "acc-1e400", "seconds-1e400"])
def test_results_file_with_non_finite_numbers_is_refused_naming_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any, words: str) -> None:
    # NaN: "summarize: expected a list of finite numbers" (no file); 10**400: OverflowError
    doc = json.loads(DOCS_RESULTS.read_text(encoding="utf-8"))
    edit(doc["settings"][0])
    p, page = tmp_path / "results.json", tmp_path / "page.md"
    p.write_text(json.dumps(doc), encoding="utf-8")
    rc, err = _results(["--render-only", "--results", str(p), "--page", str(page)], capsys)
    assert rc == 2 and f"--results {p}" in err and words in err and len(err.splitlines()) == 1
    assert not page.exists()


def test_results_into_a_binary_file_names_it_and_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    into = tmp_path / "README.md"
    into.write_bytes(b"\xff\xfe<!-- results:begin -->")
    rc, err = _results(["--render-only", "--results", str(DOCS_RESULTS), "--page",
                        str(tmp_path / "p.md"), "--into", str(into)], capsys)
    assert rc == 2 and f"--into {into}: not a UTF-8 text file" in err
    assert into.read_bytes() == b"\xff\xfe<!-- results:begin -->"


# ---- a search's results.json -------------------------------------------------------------
SPEC = {"model": "char-rnn", "params": [{"name": "eta", "dist": "log10", "low": -2.0,
                                         "high": -1.0, "choices": []}],
        "fixed": {}, "trials": 2, "refine": 0, "seed": 0}


@pytest.mark.parametrize("key", ["smooth_loss", "eta"])
def test_search_row_with_an_int_past_float_range_is_refused(tmp_path: Path, key: str) -> None:
    # math.isfinite(10**400) raised OverflowError: a traceback at load (a metric) or at the
    # summary line (a parameter) instead of the file's one line
    row = {"trial": 0, "round": 0, "eta": 0.05, "status": "ok", "smooth_loss": 2.0}
    row[key] = 10 ** 400
    (tmp_path / "results.json").write_text(json.dumps({"spec": SPEC, "rows": [row]}))
    before = (tmp_path / "results.json").read_bytes()
    with pytest.raises(ValueError) as e, \
            ResultStore(tmp_path, SPEC, ["trial"], metrics=["smooth_loss"]):
        pass
    assert str(e.value).startswith(f"{tmp_path / 'results.json'}: row of trial 0")
    assert (tmp_path / "results.json").read_bytes() == before


# ---- the download: a real local HTTP server ----------------------------------------------
def _tarball() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in CIFAR10_FILES:
            info = tarfile.TarInfo(f"{ARCHIVE_ROOT}/{name}")
            info.size = 3
            tar.addfile(info, io.BytesIO(b"abc"))
    return buf.getvalue()


@pytest.fixture
def http() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A server of `routes` (path -> body); a body b"->/x" is a 302 redirect to /x."""
    routes: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = routes.get(self.path, b"")
            if body.startswith(b"->"):
                self.send_response(302)
                self.send_header("Location", body[2:].decode())
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200 if self.path in routes else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    httpd.shutdown()
    httpd.server_close()


def test_an_html_page_instead_of_the_archive_is_named_as_such(
        tmp_path: Path, http: tuple[str, dict[str, bytes]]) -> None:
    # (a login page was "corrupt: run the same command again", which fetched the same page)
    base, routes = http
    routes["/c.tar.gz"] = b"\n  <!DOCTYPE html><html><body>Please log in</body></html>"
    target = tmp_path / ARCHIVE_ROOT
    with pytest.raises(DownloadError) as e:
        download_cifar10(target, url=base + "/c.tar.gz", md5="0" * 32, progress=False,
                         log=None)
    assert "sent an HTML page" in str(e.value) and base + "/c.tar.gz" in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no .part, no folder


def test_a_redirect_is_followed_and_the_archive_verified(
        tmp_path: Path, http: tuple[str, dict[str, bytes]]) -> None:
    base, routes = http
    body = _tarball()
    routes["/old"], routes["/new.tar.gz"] = b"->/new.tar.gz", body
    target = download_cifar10(tmp_path / ARCHIVE_ROOT, url=base + "/old",
                              md5=hashlib.md5(body).hexdigest(), progress=False, log=None)
    assert sorted(p.name for p in target.iterdir()) == sorted(CIFAR10_FILES)
    assert not (tmp_path / (ARCHIVE_NAME + ".part")).exists()
    shutil.rmtree(target)
