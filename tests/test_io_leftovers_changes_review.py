"""Second review of the I/O leftovers' fixes (tests/test_io_leftovers_review.py): a search's data
id of a text read with universal newlines, the test inputs' NaN check (object arrays, unlabelled
X_test, memory), the mode of a killed write's temp, a report's PDF printed beside the report,
and the resume hint of a lone-CR text."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from tinygrad_dl.commands.report import print_pdf
from tinygrad_dl.data.cifar import Dataset
from tinygrad_dl.files import atomic_write, remove_stale_temps
from tinygrad_dl.search.trial import resolve_data
from tinygrad_dl.train import run as run_module
from tinygrad_dl.train.run import run_training


# ---- a search's data id: a text with "\r" is read otherwise now, so it is other data
def test_a_text_with_carriage_returns_gets_a_new_search_data_id(tmp_path):
    def bytes_id(p):  # the id every text had: the file's name and bytes
        return "text:" + hashlib.sha256(p.name.encode() + b"\0" + p.read_bytes()).hexdigest()[:12]
    for name, raw, same in (("lf.txt", b"ab\ncd\n", True), ("crlf.txt", b"ab\r\ncd\r\n", False),
                            ("cr.txt", b"ab\rcd\r", False)):
        p = tmp_path / name
        p.write_bytes(raw)
        # (the same id: a search's trials on the "\r"-as-a-character reading were counted done
        # on rerun and ranked with the new ones, one data id for two texts)
        assert (resolve_data("char-rnn", None, str(p)).id == bytes_id(p)) is same, name


# ---- the test inputs' NaN check
def _data(X_test, y_test):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 8)), rng.integers(0, 3, 40)
    return Dataset(X[:20], y[:20], X[20:30], y[20:30], X_test, y_test, ["a", "b", "c"], "mine")


def _train(ds):
    return run_training("one-layer", {"n_batch": 10, "epochs": 1}, data=ds, progress=False,
                        print_fn=None)


def test_object_and_unlabelled_test_inputs_train_as_before():
    X = np.random.default_rng(1).standard_normal((10, 8))
    y = np.arange(10) % 3
    # an object array of numbers: evaluated as floats (it was np.isfinite's TypeError)
    assert _train(_data(X.astype(object), y)).test_acc is not None
    nan = np.full((10, 8), np.nan)
    # no test labels: X_test is never evaluated, so not refused (it was)
    assert _train(_data(nan, None)).test_acc is None
    assert _train(_data(nan, y[:0])).test_acc is None
    bad = X.astype(object)
    bad[2, 3] = float("nan")
    with pytest.raises(ValueError, match=r"hold 1 NaN/inf"):
        _train(_data(bad, y))


def test_the_test_inputs_nan_check_makes_no_full_size_temporary():
    X_test = np.zeros((500_000, 8))  # 32 MB; a bool copy of it is 4 MB
    X_test[-1, -1] = np.inf
    ds = _data(X_test, np.zeros(500_000, dtype=np.int64))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"hold 1 NaN/inf"):
            _train(ds)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < X_test.nbytes / 16, peak  # (np.isfinite(X_test).all(): a 4 MB temporary)


# ---- a write killed before its rename leaves a temp the next write can remove
KILLED = """import os, sys
from tinygrad_dl.files import atomic_write
def write(f):
    f.write(b"half")
    f.flush()
    os.kill(os.getpid(), 9)
atomic_write(sys.argv[1], write)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="kill -9")
def test_a_killed_writes_temp_stays_0600_whatever_the_files_mode(tmp_path):
    p = tmp_path / "model.npz"
    atomic_write(p, b"old")
    os.chmod(p, 0o200)  # write-only: a temp of this mode cannot be opened to be removed
    r = subprocess.run([sys.executable, "-c", KILLED, str(p)], cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert r.returncode == -signal.SIGKILL
    left = [q for q in tmp_path.iterdir() if q.name != p.name]
    assert len(left) == 1 and stat.S_IMODE(os.stat(left[0]).st_mode) == 0o600  # (was 0200)
    assert remove_stale_temps(p) == left and sorted(os.listdir(tmp_path)) == [p.name]
    atomic_write(p, b"new")  # a finished write keeps the mode, as before
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o200
    os.chmod(p, 0o600)
    assert p.read_bytes() == b"new"


# ---- a report's PDF: printed beside the report (a snap's Chromium has its own /tmp)
SNAP = """#!{python}
import os, sys
out = next(a for a in sys.argv if a.startswith("--print-to-pdf="))[len("--print-to-pdf="):]
page = next(a for a in sys.argv if a.startswith("file://"))[len("file://"):]
if os.path.dirname(out) != os.path.dirname(page):  # a confined Chromium: the user's folder only
    sys.exit("ERROR: cannot write " + out)
if os.environ.get("FAIL"):
    open(out, "wb").write(b"%PDF half")
    sys.exit("ERROR: crashed")
with open(out, "wb") as f:
    f.write(b"%PDF-1.4 page")
"""


def test_the_pdf_is_printed_beside_the_report_and_its_temp_removed(tmp_path, monkeypatch):
    engine = tmp_path / "bin" / "chromium"
    engine.parent.mkdir()
    engine.write_text(SNAP.format(python=sys.executable))
    engine.chmod(0o755)
    out = tmp_path / "report"
    out.mkdir()
    html, pdf = out / "a1.html", out / "a1.pdf"
    html.write_text("<p>hi</p>")
    # (printed into the system temp folder: "chromium could not print ...: cannot write")
    assert print_pdf(str(engine), html, pdf) == pdf and pdf.read_bytes() == b"%PDF-1.4 page"
    assert sorted(os.listdir(out)) == ["a1.html", "a1.pdf"]
    monkeypatch.setenv("FAIL", "1")
    with pytest.raises(RuntimeError, match="could not print"):
        print_pdf(str(engine), html, pdf)
    assert sorted(os.listdir(out)) == ["a1.html", "a1.pdf"] and pdf.read_bytes() != b"%PDF half"
    monkeypatch.delenv("FAIL")
    stale = out / ".a1.pdf.tgdl-abcd1234.tmp"  # a report killed while Chromium printed
    stale.write_bytes(b"%PDF half")
    assert print_pdf(str(engine), html, pdf) == pdf and not stale.exists()


# ---- resuming on a text with lone "\r" line endings: as many characters, other ones
def test_resuming_a_lone_cr_text_run_from_before_says_why(tmp_path):
    run = {"sizes": {"characters": 6, "vocabulary": 5}, "data_sha256": "a" * 64, "text": "mac.txt"}
    with pytest.raises(ValueError, match=r"other contents.*if the text has \\r\\n or \\r line"):
        run_module._check_same_data(run, {"characters": 6, "vocabulary": 5}, "b" * 64, "out")
    with pytest.raises(ValueError, match=r"trained on \(mac.txt\)$"):  # more characters: no hint
        run_module._check_same_data(run, {"characters": 9, "vocabulary": 5}, "b" * 64, "out")
    images = {"sizes": {"train": 10, "val": 0, "test": 0}, "data_sha256": "a" * 64, "data": "d"}
    with pytest.raises(ValueError, match=r"trained on \(d\)$"):  # not a text: no hint
        run_module._check_same_data(images, {"train": 10, "val": 0, "test": 0}, "b" * 64, "out")
