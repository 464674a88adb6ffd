"""Leftovers of earlier reviews in data loading, text, files and state loading: CRLF texts,
NaN test inputs, the collate of mappings, a re-saved file's mode, two reports' PDF temps, and
load_state_dict(strict=False) with unsized lazy layers."""

from __future__ import annotations

import os
import stat
import sys
from collections import OrderedDict, defaultdict
from types import MappingProxyType

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.commands.report import print_pdf
from tinygrad_dl.data import load_text
from tinygrad_dl.data.cifar import Dataset
from tinygrad_dl.files import atomic_write, umask
from tinygrad_dl.train.run import run_training
from tinygrad_dl.utils.data import collate, convert

torch = pytest.importorskip("torch")


# ---- 1. a text saved on Windows: "\r\n" read as "\n", as open() in text mode reads it
def test_crlf_and_cr_line_endings_read_as_newlines(tmp_path):
    p = tmp_path / "win.txt"
    p.write_bytes(b"\xef\xbb\xbfab\r\ncd\re\r\n")
    data = load_text(p)
    with open(p, encoding="utf-8-sig") as f:
        assert data.text == f.read() == "ab\ncd\ne\n"
    assert "\r" not in data.chars and data.chars == ["\n", "a", "b", "c", "d", "e"]
    # a checkpoint's stored vocabulary (with "\r", from before) still decodes as saved
    old = tg.data.CharData(text="", chars=["\n", "\r", "a"])
    assert old.decode([2, 1, 0]) == "a\r\n"


# ---- 2. a NaN in the test split: one line, not a test accuracy over NaN logits
def test_nan_in_the_test_inputs_is_one_line():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 8)), rng.integers(0, 3, 40)
    X_test = X[:10].copy()
    X_test[3, 2] = np.inf
    X_test[0, 0] = np.nan
    ds = Dataset(X[:20], y[:20], X[20:30], y[20:30], X_test, y[:10], ["a", "b", "c"], "mine")
    with pytest.raises(ValueError, match=r"test inputs \(X_test of mine\) hold 2 NaN/inf"):
        run_training("one-layer", {"n_batch": 10, "epochs": 1}, data=ds, progress=False,
                     print_fn=None)


# ---- 3. collate keeps the mapping type, as torch's default_collate / default_convert
class Tagged(dict):
    tag = "t"


@pytest.mark.parametrize("make", [
    lambda: OrderedDict(b=np.ones(2), a=1.5),
    lambda: defaultdict(list, a=np.arange(3)),
    lambda: Tagged(a=np.ones((2, 2))),
    lambda: MappingProxyType({"a": np.ones(2), "b": 2}),
], ids=["OrderedDict", "defaultdict", "dict-subclass", "mappingproxy"])
def test_collate_keeps_the_mapping_type(make):
    from torch.utils.data import default_collate, default_convert
    samples = [make(), make()]
    ours, theirs = collate(samples), default_collate(samples)
    assert type(ours) is type(theirs) is type(samples[0])
    assert list(ours) == list(theirs)
    for k in theirs:
        np.testing.assert_array_equal(ours[k].numpy(), theirs[k].numpy())
    assert type(convert(samples[0])) is type(default_convert(samples[0]))
    if isinstance(ours, defaultdict):
        assert ours.default_factory is list


# ---- 4. a re-saved file keeps its mode, as open(path, "w") does
def test_a_resaved_file_keeps_its_mode(tmp_path):
    p = tmp_path / "m.npz"
    tg.save({"w": np.ones(2)}, p)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o666 & ~umask()  # a new file: the umask's
    os.chmod(p, 0o600)
    tg.save({"w": np.zeros(2)}, p)
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    os.chmod(plain, 0o600)
    plain.write_text("y")
    assert stat.S_IMODE(os.stat(p).st_mode) == stat.S_IMODE(os.stat(plain).st_mode) == 0o600
    os.chmod(p, 0o640)
    atomic_write(p, "again")
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640 and p.read_text() == "again"


# ---- 5. two reports at once: each PDF has its own temp
ENGINE = """#!{python}
import os, subprocess, sys
out = next(a for a in sys.argv if a.startswith("--print-to-pdf="))[len("--print-to-pdf="):]
with open(out, "wb") as f:
    f.write(b"%PDF-1.4 " + os.environ["TAG"].encode())
if os.environ["TAG"] == "A":  # a second report prints while this one is printing
    code = ("import sys; from pathlib import Path; from tinygrad_dl.commands.report import "
            "print_pdf; print_pdf(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))")
    subprocess.run([sys.executable, "-c", code, *os.environ["ARGS"].split("|")],
                   env={{**os.environ, "TAG": "B"}}, check=True)
"""


def test_two_reports_at_once_do_not_share_a_pdf_temp(tmp_path, monkeypatch):
    engine = tmp_path / "chromium"
    engine.write_text(ENGINE.format(python=sys.executable))
    engine.chmod(0o755)
    html, pdf = tmp_path / "report.html", tmp_path / "out" / "report.pdf"
    html.write_text("<p>hi</p>")
    pdf.parent.mkdir()
    monkeypatch.setenv("TAG", "A")
    monkeypatch.setenv("ARGS", f"{engine}|{html}|{pdf}")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(sys.path))
    # (it raised "chromium could not print": the other report unlinked this one's temp)
    assert print_pdf(str(engine), html, pdf) == pdf
    assert pdf.read_bytes() == b"%PDF-1.4 A" and os.listdir(pdf.parent) == ["report.pdf"]


# ---- 6. load_state_dict(strict=False) leaves an unsized lazy layer lazy, as torch's
@pytest.mark.parametrize("lazy, torch_lazy", [
    (lambda: nn.LazyLinear(4), lambda: torch.nn.LazyLinear(4)),
    (lambda: nn.LazyConv2d(4, 3, groups=2), lambda: torch.nn.LazyConv2d(4, 3, groups=2)),
], ids=["LazyLinear", "LazyConv2d"])
def test_strict_false_leaves_an_unsized_lazy_layer_lazy(lazy, torch_lazy):
    m = nn.Sequential(nn.Linear(2, 3), lazy())
    tm = torch.nn.Sequential(torch.nn.Linear(2, 3), torch_lazy())
    state = {"0.weight": np.full((3, 2), 0.5), "0.bias": np.arange(3.0)}
    keys = m.load_state_dict(state, strict=False)
    theirs = tm.load_state_dict({k: torch.tensor(v) for k, v in state.items()}, strict=False)
    assert keys.missing_keys == ["1.W", "1.b"]  # (torch's "1.weight", "1.bias": our names)
    assert len(theirs.missing_keys) == 2 and keys.unexpected_keys == theirs.unexpected_keys == []
    np.testing.assert_array_equal(m[0].W.data, state["0.weight"])
    np.testing.assert_array_equal(m[0].b.data, state["0.bias"])
    assert type(m[1]).__name__.startswith("Lazy")
    with pytest.raises(RuntimeError, match="run one forward pass first"):
        m.state_dict()  # still unsized: refused, as before
    with pytest.raises(RuntimeError, match="inferred at the first call"):
        m.load_state_dict(state)  # strict: one line (torch's: "Missing key(s)")


def test_strict_false_lazy_linear_itself_and_sized_by_a_forward():
    m = nn.LazyLinear(3, bias=False)
    keys = m.load_state_dict({"bias": np.ones(3)}, strict=False)
    # no weight to size it off: the bias is not loaded, and said so (torch loads it into a
    # half-sized layer)
    assert keys.missing_keys == ["W"] and keys.unexpected_keys == ["bias"]
    out = m(tg.Tensor(np.ones((2, 5))))
    assert out.shape == (2, 3) and type(m) is nn.Linear and list(m.state_dict()) == ["W"]


def test_resuming_a_crlf_run_from_before_says_why_it_cannot(tmp_path):
    from tinygrad_dl.train.run import _check_same_data
    run = {"sizes": {"characters": 8, "vocabulary": 6}, "text": "win.txt"}
    with pytest.raises(ValueError, match=r"the text has \\r\\n or \\r line endings: read as \\n"):
        _check_same_data(run, {"characters": 6, "vocabulary": 5}, None, "out")
