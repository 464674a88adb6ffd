"""A student's walk through `tinygrad-dl report`: a Ctrl-C while Chromium prints must not leave
an earlier run's PDF beside the new page, and --data / --text are checked (taken by a selected
notebook, and there) before any notebook runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from test_report_params import HAVE_NBCONVERT, _err

from tinygrad_dl import cli
from tinygrad_dl.commands import report


@pytest.mark.skipif(not HAVE_NBCONVERT, reason='needs the notebooks extra: pip install -e '
                    '".[notebooks]"')
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_an_interrupted_print_leaves_no_earlier_pdf_beside_the_new_page(tmp_path: Path,
                                                                         monkeypatch) -> None:
    # the earlier PDF was removed only after the print: a Ctrl-C while Chromium printed (seconds)
    # left the seed=3 run's PDF beside the seed=5 run's notebook and HTML, as if current
    def interrupted(engine: str, html: Path, pdf: Path) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "execute_notebook", lambda nb, cwd, timeout: nb)
    monkeypatch.setattr(report, "require_dot", lambda: None)  # (no cell runs: none draws)
    monkeypatch.setattr(report, "find_pdf_engine", lambda: "chromium")
    monkeypatch.setattr(report, "print_pdf", interrupted)
    stem = "a1_one_layer"
    (tmp_path / f"{stem}.pdf").write_bytes(b"%PDF- an earlier run's")
    with pytest.raises(KeyboardInterrupt):
        report.build_report("a1", tmp_path, {"quick": True, "seed": 5}, log=lambda m: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{stem}.html", f"{stem}.ipynb"]
    assert "seed = 5" in (tmp_path / f"{stem}.ipynb").read_text(encoding="utf-8")


@pytest.mark.skipif(not HAVE_NBCONVERT, reason='needs the notebooks extra: pip install -e '
                    '".[notebooks]"')
def test_a_failed_print_still_says_it_removed_the_earlier_pdf(tmp_path: Path,
                                                              monkeypatch) -> None:
    def fails(engine: str, html: Path, pdf: Path) -> Path:
        raise RuntimeError("chromium could not print")

    monkeypatch.setattr(report, "execute_notebook", lambda nb, cwd, timeout: nb)
    monkeypatch.setattr(report, "require_dot", lambda: None)  # (no cell runs: none draws)
    monkeypatch.setattr(report, "find_pdf_engine", lambda: "chromium")
    monkeypatch.setattr(report, "print_pdf", fails)
    pdf, logs = tmp_path / "a1_one_layer.pdf", []
    pdf.write_bytes(b"%PDF- an earlier run's")
    assert set(report.build_report("a1", tmp_path, {"quick": True}, log=logs.append)) == {
        "notebook", "html"}
    assert not pdf.exists()
    assert any(f"removed {pdf}, printed from an earlier run's page" in m for m in logs)
    assert any("no PDF (chromium could not print)" in m for m in logs)


@pytest.mark.parametrize("argv, words", [
    (["a1", "--text", "{file}"], "--text is for a4; a1 does not read it"),
    (["a4", "--data", "{dir}"], "--data is for a1, a2, a3; a4 does not read it"),
])
def test_an_input_flag_no_selected_notebook_reads_is_refused(report_calls, capsys, tmp_path, argv,
                                                             words) -> None:
    # it was dropped without a word (`report a1 --text my.txt` ran on CIFAR-10 and exit 0),
    # while `--param text_file=my.txt` for a1 was refused
    (tmp_path / "t.txt").write_text("hello")
    argv = [a.format(file=tmp_path / "t.txt", dir=tmp_path) for a in argv]
    assert cli.main(["report", *argv]) == 2
    assert words in _err(capsys) and report_calls == []


@pytest.mark.parametrize("argv, words", [
    (["all", "--text", "{missing}"], "--text {missing}: no such file"),
    (["all", "--text", "{dir}"], "--text {dir}: not a file"),
    (["a2", "--data", "{missing}"], "--data {missing}: no such folder"),
    (["a3", "--data", "{file}"], "--data {file}: not a folder"),
    (["a4", "--param", "text_file={missing}"], "--param text_file={missing}: no such file"),
    (["all", "--param", "data_dir={file}"], "--param data_dir={file}: not a folder"),
])
def test_a_missing_input_is_refused_before_any_notebook_runs(report_calls, capsys, tmp_path, argv,
                                                             words) -> None:
    # `all --text typo.txt` ran a1, a2 and a3 (minutes; hours on the full CIFAR-10), then failed
    # in a4's kernel
    names = {"missing": tmp_path / "typo.txt", "dir": tmp_path, "file": tmp_path / "t.txt"}
    names["file"].write_text("hello")
    argv = [a.format(**names) for a in argv]
    assert cli.main(["report", *argv]) == 2
    assert words.format(**names) in _err(capsys) and report_calls == []


def test_existing_inputs_reach_the_notebooks_they_are_for(report_calls, tmp_path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("hello")
    assert cli.main(["report", "all", "--text", str(text), "--data", str(tmp_path)]) == 0
    got = dict(report_calls)
    assert got["a4"]["text_file"] == str(text) and "data_dir" not in got["a4"]
    assert all(got[a]["data_dir"] == str(tmp_path) and "text_file" not in got[a]
               for a in ("a1", "a2", "a3"))


@pytest.mark.skipif(not HAVE_NBCONVERT, reason='needs the notebooks extra: pip install -e '
                    '".[notebooks]"')
def test_a_missing_dot_is_refused_before_any_cell_runs(tmp_path: Path, monkeypatch) -> None:
    # every notebook draws its model's graph: a4 after its training, so `report a4 --param
    # n_updates=...` trained for minutes, then failed in the graph cell and kept no report
    from tinygrad_dl.viz import GraphvizNotFoundError

    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no `dot` (and no kernel started)
    out = tmp_path / "out"
    out.mkdir()
    (out / "a4_char_rnn.html").write_text("an earlier run's report")
    with pytest.raises(GraphvizNotFoundError, match="Graphviz's `dot` program is not on PATH"):
        report.build_report("a4", out, {"quick": True}, pdf=False, log=lambda m: None)
    assert sorted(p.name for p in out.iterdir()) == ["a4_char_rnn.html"]  # no .failed.ipynb
    assert (out / "a4_char_rnn.html").read_text() == "an earlier run's report"


@pytest.mark.parametrize("assignment", ["a2", "a3"])
def test_search_out_is_the_users_folder_not_one_inside_out(report_calls, tmp_path, monkeypatch,
                                                           assignment) -> None:
    # the kernel runs in --out: `--param search_out=my_search` wrote reports/my_search, and
    # `~/s` a folder named "~" inside it
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cli.main(["report", assignment, "--param", "search_out=my_search"]) == 0
    assert cli.main(["report", assignment, "--param", "search_out=~/s"]) == 0
    assert [p["search_out"] for _, p in report_calls] == [str(tmp_path / "my_search"),
                                                   str(tmp_path / "home" / "s")]


@pytest.mark.parametrize("stop, code, words", [
    (KeyboardInterrupt, 130, "tinygrad-dl report: interrupted in a2; a1 written; a3, a4 not run"),
    (RuntimeError("a2: the notebook failed (cell 3 raised ValueError: x)"), 2,
     "a2: the notebook failed (cell 3 raised ValueError: x); a1 written; a3, a4 not run"),
])
def test_all_says_which_reports_were_written_when_one_stops(monkeypatch, capsys, stop, code,
                                                            words) -> None:
    # `report all` stopped at a2 said only "interrupted" / a2's failure: nothing told that a3
    # and a4 never ran
    def build(name: str, out: Path, params: dict[str, Any], **kw: Any) -> dict[str, Path]:
        if name == "a2":
            raise stop
        return {}

    monkeypatch.setattr(report, "build_report", build)
    assert cli.main(["report", "all"]) == code
    assert words in _err(capsys)


def test_graph_without_dot_and_no_room_for_the_dot_source_names_both(tmp_path, monkeypatch,
                                                                     capsys) -> None:
    # it said only "cannot write .../g.dot: Is a directory", for a .svg asked for: the missing
    # `dot` program, the cause, was not named
    pytest.importorskip("graphviz")
    (tmp_path / "bin").mkdir()
    (tmp_path / "g.dot").mkdir()  # where the DOT source would be saved
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert cli.main(["graph", "two-layer", "--out", str(tmp_path / "g.svg")]) == 2
    err = _err(capsys)
    assert "`dot` program was not found on PATH" in err and "could not be saved" in err
    assert f"cannot write {tmp_path / 'g.dot'}" in err and not (tmp_path / "g.svg").exists()


@pytest.mark.skipif(not HAVE_NBCONVERT or importlib.util.find_spec("ipykernel") is None,
                    reason='needs the notebooks extra: pip install -e ".[notebooks]"')
@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_timeout_stops_a_cell_that_runs_longer(tmp_path: Path, monkeypatch) -> None:
    # the kernel manager's blocking client blocked nbclient's event loop while it waited for
    # output: the deadline was never checked, and `--timeout 1` let a 30 s cell run to its end
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import time\nfor _ in range(100):\n    time.sleep(0.1)\nprint('ran to its end')")])
    monkeypatch.setattr(report, "require_dot", lambda: None)  # (this cell draws no graph)
    with pytest.raises(TimeoutError):
        report.execute_notebook(nb, tmp_path, 1)
    assert "ran to its end" not in str(nb.cells[0].get("outputs"))
