"""`tinygrad-dl report`'s inputs and outputs without a Jupyter kernel (the kernel is faked):
--param values typed by the notebook's own defaults and checked for every selected notebook
before any runs, --timeout range-checked, and a failed run that never leaves an older report
beside its output as if it were current."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from tinygrad_dl import cli
from tinygrad_dl.commands import report

HAVE_NBCONVERT = all(importlib.util.find_spec(m) for m in ("nbformat", "nbconvert", "nbclient"))


def _err(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err  # one line, no traceback
    return err


@pytest.mark.parametrize("text, value", [("false", False), ("False", False), ("true", True),
                                         ("True", True)])
def test_a_bool_parameter_takes_true_and_false_words(report_calls, text, value) -> None:
    assert cli.main(["report", "a1", "--param", f"quick={text}"]) == 0
    assert report_calls == [("a1", {"progress": False, "quick": value})]  # never the string 'false'


@pytest.mark.parametrize("item, words", [
    ("quick=yes", "quick is a bool in a1_one_layer.ipynb"),
    ("quick=1", "quick is a bool in a1_one_layer.ipynb"),
    ("epochs=2.5", "epochs is an integer in a1_one_layer.ipynb"),
    ("epochs=ten", "epochs is an integer in a1_one_layer.ipynb"),
    ("epochs=1e999", "epochs is an integer in a1_one_layer.ipynb"),
    ("seed=True", "seed is an integer in a1_one_layer.ipynb"),
])
def test_a_value_of_the_wrong_type_is_one_line_naming_it(report_calls, capsys, item, words) -> None:
    assert cli.main(["report", "a1", "--param", item]) == 2
    err = _err(capsys)
    assert f"--param {item}" in err and words in err
    assert report_calls == []  # nothing ran


@pytest.mark.parametrize("text", ["1e999", "-1e999", "inf", "nan"])
def test_a_float_parameter_must_be_finite(report_calls, capsys, text) -> None:
    assert cli.main(["report", "a4", "--param", f"eta={text}"]) == 2
    assert f"--param eta={text}: eta" in _err(capsys) and report_calls == []


def test_numbers_and_paths_keep_their_types(report_calls) -> None:
    assert cli.main(["report", "a3", "--param", "dropout=0", "--param", "n_batch=30_000",
                     "--param", "search_out=my runs/x", "--param", "data_dir=None"]) == 0
    params = report_calls[0][1]
    assert params["dropout"] == 0.0 and isinstance(params["dropout"], float)
    assert params["n_batch"] == 30000
    assert params["search_out"] == str(Path("my runs/x").resolve())  # (the kernel runs in --out)
    assert params["data_dir"] is None


def test_an_explicit_quick_param_wins_over_the_flag(report_calls) -> None:
    assert cli.main(["report", "a1", "--quick", "--param", "quick=false"]) == 0
    assert report_calls[0][1]["quick"] is False
    assert cli.main(["report", "a1", "--quick"]) == 0 and report_calls[1][1]["quick"] is True


def test_all_checks_every_param_before_any_notebook_runs(report_calls, capsys) -> None:
    # a typo must not cost the minutes of the notebooks run before it is noticed
    assert cli.main(["report", "all", "--param", "n_updates=100", "--param", "epoch=2"]) == 2
    err = _err(capsys)
    assert "--param epoch=2: no such parameter in any notebook of a1, a2, a3, a4" in err
    assert "n_updates=100" not in err and report_calls == []


def test_all_gives_a_param_only_to_the_notebooks_that_have_it(report_calls) -> None:
    assert cli.main(["report", "all", "--param", "n_updates=100", "--param", "epochs=2",
                     "--param", "seed=7"]) == 0
    got = dict(report_calls)
    assert got["a4"]["n_updates"] == 100 and got["a1"]["epochs"] == 2
    assert all("n_updates" not in got[a] for a in ("a1", "a2", "a3"))
    assert all("epochs" not in got[a] for a in ("a2", "a3", "a4"))
    assert all(got[a]["seed"] == 7 for a in got)


def test_one_notebook_refuses_a_param_only_another_has(report_calls, capsys) -> None:
    assert cli.main(["report", "a1", "--param", "n_updates=100"]) == 2
    err = _err(capsys)
    assert "--param n_updates=100: no such parameter in notebook a1_one_layer.ipynb" in err
    assert "epochs" in err and report_calls == []  # it lists what the notebook does take


@pytest.mark.parametrize("value", ["0", "-5"])
def test_timeout_must_be_positive(report_calls, capsys, value) -> None:
    with pytest.raises(SystemExit) as e:
        cli.main(["report", "a1", "--timeout", value])
    assert e.value.code == 2
    assert f"argument --timeout: must be >= 1, got {value}" in capsys.readouterr().err
    assert report_calls == []


@pytest.mark.parametrize("flag", ["--data", "--text"])
def test_an_empty_data_or_text_flag_is_refused(report_calls, capsys, flag) -> None:
    """`--data "$UNSET"` became the working directory (Path("").resolve()), and the notebook
    then failed on the wrong folder minutes later."""
    assert cli.main(["report", "a1" if flag == "--data" else "a4", flag, ""]) == 2
    assert f"{flag} is empty" in _err(capsys)
    assert report_calls == []


# ---- a failed run next to an earlier report -------------------------------------------------
@pytest.mark.slow  # (2-3 s: three nbconvert exports)
@pytest.mark.skipif(not HAVE_NBCONVERT, reason='needs the notebooks extra: pip install -e '
                    '".[notebooks]"')
def test_a_failed_run_keeps_the_last_good_report_and_names_its_partial_notebook(
        tmp_path: Path, monkeypatch) -> None:
    import nbformat
    from nbclient.exceptions import CellExecutionError

    def fake_execute(nb: Any, cwd: Path, timeout: int) -> Any:  # no kernel: the params decide
        injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        if "n_batch = 0" in injected.source:
            injected.outputs = [nbformat.v4.new_output(
                "error", ename="ValueError", evalue="n_batch must be positive", traceback=[])]
            raise CellExecutionError("", "ValueError", "n_batch must be positive")
        return nb

    monkeypatch.setattr(report, "execute_notebook", fake_execute)
    monkeypatch.setattr(report, "require_dot", lambda: None)  # (no kernel: no graph drawn)
    stem, logs = "a1_one_layer", []
    good = report.build_report("a1", tmp_path, {"quick": True}, pdf=False, log=logs.append)
    assert set(good) == {"notebook", "html"}
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(before) == {f"{stem}.ipynb", f"{stem}.html"}

    with pytest.raises(RuntimeError) as e:
        report.build_report("a1", tmp_path, {"quick": True, "n_batch": 0}, pdf=False)
    msg = str(e.value)
    assert f"the partly executed notebook is {tmp_path / (stem + '.failed.ipynb')}" in msg
    assert f"{stem}.ipynb, {stem}.html in {tmp_path} are from an earlier run" in msg
    assert "n_batch must be positive" in msg
    for name, data in before.items():  # the last good report, whole and unchanged
        assert (tmp_path / name).read_bytes() == data, name
    assert "n_batch = 0" in (tmp_path / f"{stem}.failed.ipynb").read_text(encoding="utf-8")

    # the next good run: no failed notebook, and no PDF printed from an earlier page
    (tmp_path / f"{stem}.pdf").write_bytes(b"%PDF- an earlier run's")
    report.build_report("a1", tmp_path, {"quick": True, "seed": 1}, pdf=False,
                        log=logs.append)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{stem}.html", f"{stem}.ipynb"]
    assert any(f"removed {tmp_path / (stem + '.failed.ipynb')}" in m for m in logs)
    assert any(f"removed {tmp_path / (stem + '.pdf')}" in m for m in logs)
    assert "seed = 1" in (tmp_path / f"{stem}.ipynb").read_text(encoding="utf-8")
