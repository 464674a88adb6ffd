"""A second look at the char-RNN review's fixes: the same stdout-encoding failure through the
other commands that print text (`results`, `report`), through the one printer of the project
(files.StdoutPrinter), and the UTF-32-BE byte-order mark the BOM note missed."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tinygrad_dl import cli
from tinygrad_dl.commands import report
from tinygrad_dl.data import load_text

ROOT = Path(__file__).resolve().parents[1]


def _narrow_stdout(monkeypatch, encoding: str) -> io.BytesIO:
    buf = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(buf, encoding=encoding))
    return buf


def test_results_on_a_cp1252_stdout_prints_its_table_with_escapes(tmp_path, monkeypatch,
                                                                   capsys):
    """`results` printed its table (± √ … ≥) with print(): on a cp1252 or ASCII stdout every run
    ended "error: 'charmap' codec can't encode character '\\u2265'", exit 2, after the hours of
    training and with results.json and the page written. Now escapes and one warning."""
    results = tmp_path / "results.json"
    shutil.copyfile(ROOT / "docs" / "data" / "results.json", results)
    capsys.readouterr()
    buf = _narrow_stdout(monkeypatch, "cp1252")
    assert cli.main(["results", "--render-only", "--results", str(results),
                     "--page", str(tmp_path / "results.md")]) == 0
    sys.stdout.flush()
    printed = buf.getvalue().decode("cp1252")
    err = capsys.readouterr().err
    assert err.count("tinygrad-dl results: warning: stdout's encoding cp1252 cannot print") == 1
    assert f"({results} holds them as they are)" in err and "Traceback" not in err
    assert "\\u221a" in printed and "±" in printed  # √ escaped, what cp1252 has as it is
    assert "√" in (tmp_path / "results.md").read_text(encoding="utf-8")


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_report_on_an_ascii_stdout_with_a_non_ascii_path_warns_once(tmp_path, monkeypatch,
                                                                     capsys):
    """`report a4 --text café.txt` on an ASCII stdout: its first progress line (the parameters)
    raised UnicodeEncodeError, exit 2, before the notebook ran; with a non-ASCII --out the last
    line did, after the report was written. Now escapes, one warning for all its lines."""
    pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    monkeypatch.setattr(report, "execute_notebook", lambda nb, cwd, timeout: nb)
    monkeypatch.setattr(report, "require_dot", lambda: None)  # (no cell runs: none draws)
    text, out = tmp_path / "caf\u00e9.txt", tmp_path / "r\u00e9port"
    text.write_text("hello", encoding="utf-8")
    capsys.readouterr()
    buf = _narrow_stdout(monkeypatch, "ascii")
    assert cli.main(["report", "a4", "--text", str(text), "--out", str(out), "--no-pdf"]) == 0
    sys.stdout.flush()
    printed = buf.getvalue().decode("ascii").splitlines()
    err = capsys.readouterr().err
    assert err.count("tinygrad-dl report: warning: stdout's encoding ascii cannot print") == 1
    assert "caf\\xe9.txt" in printed[0] and "wrote" in printed[-1] and "r\\xe9port" in printed[-1]
    assert (out / "a4_char_rnn.html").is_file()


def test_the_printer_keeps_print_bytes_and_lives_in_one_place(monkeypatch, capsys):
    """A UTF-8 stdout gets print's own bytes (no escape, no warning); train uses the same
    printer as results and report (one home)."""
    from tinygrad_dl.commands import results, train
    from tinygrad_dl.files import StdoutPrinter

    assert not hasattr(train, "_Printer")
    assert results.StdoutPrinter is train.StdoutPrinter is StdoutPrinter
    buf = _narrow_stdout(monkeypatch, "utf-8")
    say: Any = StdoutPrinter("train")
    say("caf\u00e9 \u65e5 \U0001f600")
    sys.stdout.flush()
    assert buf.getvalue() == "caf\u00e9 \u65e5 \U0001f600\n".encode()
    assert capsys.readouterr().err == ""


def test_a_utf32_be_text_with_its_bom_is_named(tmp_path):
    """UTF-32-BE's byte-order mark is 00 00 FE FF: the note looked at FF FE / FE FF only, so
    that file was "not valid UTF-8 (byte 2: b'\\xfe')" with no word of a BOM."""
    p = tmp_path / "t.txt"
    p.write_bytes(b"\0\0\xfe\xff" + "hello".encode("utf-32-be"))
    with pytest.raises(ValueError, match="byte-order mark: a UTF-16 or UTF-32 file"):
        load_text(p)
