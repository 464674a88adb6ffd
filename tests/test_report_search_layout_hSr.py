"""`report --param search_out=DIR` across the folder layout of a50b188 (second review): `all`
now searches in DIR/a2 and DIR/a3, `report a2` in DIR. A search the other layout left (an
`all` run before that change searched in DIR itself; an `all` run after it leaves DIR/a3 to a
later `report a3`) was not resumed: a new search started beside its trials (hours) with no
word of them. It is refused before any notebook runs, naming the folder to give. And
plot_lr_schedule of a History that two fit() calls logged into drew the second run's meta
etas alone, as if they were the whole history."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from test_batching import RowSpy, rows  # the row-index model and its data

from tinygrad_dl import cli
from tinygrad_dl.optim import SGD
from tinygrad_dl.train import History, fit
from tinygrad_dl.viz import plot_lr_schedule


def _search(folder: Path, model: str) -> None:
    folder.mkdir(parents=True)
    (folder / "spec.json").write_text(json.dumps({"model": model}))
    (folder / "results.json").write_text("{}")


def _err(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_all_on_a_folder_holding_an_earlier_all_runs_search_is_refused(
        report_calls, tmp_path, capsys) -> None:
    _search(tmp_path / "s", "two-layer")  # a2's, from `all` before a50b188
    assert cli.main(["report", "all", "--param", f"search_out={tmp_path / 's'}"]) == 2
    err = _err(capsys)
    assert report_calls == []  # (was: a1, a2, a3 run, a2's search new in s/a2)
    assert f"{tmp_path / 's'} holds a two-layer search of an earlier report" in err
    assert "move its files to" in err


def test_one_notebook_on_the_folder_that_all_gave_it_is_refused(report_calls, tmp_path,
                                                                capsys) -> None:
    _search(tmp_path / "s" / "a3", "k-layer")  # `all` stopped in a3; now a3 alone
    assert cli.main(["report", "a3", "--param", f"search_out={tmp_path / 's'}"]) == 2
    err = _err(capsys)
    assert report_calls == []
    assert f"give search_out={tmp_path / 's' / 'a3'}" in err


def test_searches_in_their_own_layout_resume_and_new_folders_start(report_calls,
                                                                  tmp_path) -> None:
    s = tmp_path / "s"
    _search(s / "a2", "two-layer")  # `all`'s own layout: resumed there
    assert cli.main(["report", "all", "--quick", "--param", f"search_out={s}"]) == 0
    outs = {name: p.get("search_out") for name, p in report_calls}
    assert outs == {"a1": None, "a2": str(s / "a2"), "a3": str(s / "a3"), "a4": None}
    report_calls.clear()
    _search(tmp_path / "t", "two-layer")  # `report a2`'s own: DIR
    assert cli.main(["report", "a2", "--param", f"search_out={tmp_path / 't'}"]) == 0
    assert report_calls[0][1]["search_out"] == str(tmp_path / "t")
    report_calls.clear()
    _search(tmp_path / "u", "two-layer")  # both layouts there: `report a2` resumes DIR's
    _search(tmp_path / "u" / "a2", "two-layer")
    assert cli.main(["report", "a2", "--param", f"search_out={tmp_path / 'u'}"]) == 0
    assert report_calls[0][1]["search_out"] == str(tmp_path / "u")


def _fit(model, h, lr):
    fit(model, rows(20), epochs=1, n_batch=5, optimizer=SGD(model.parameters(), lr=lr),
        progress=False, jit=False, history=h)


def test_plot_lr_schedule_of_two_fits_in_one_history_draws_both() -> None:
    model, h = RowSpy(), History()
    _fit(model, h, 0.1)
    _fit(model, h, 0.01)
    assert h.meta["etas"] == [0.01] * 4  # the second fit's alone
    y = plot_lr_schedule(h).axes[0].get_lines()[0].get_data()[1]
    assert 0.1 in list(y) and 0.01 in list(y)  # was [0.01] * 4: the first run gone
    one = History()
    _fit(RowSpy(), one, 0.1)  # one fit: its meta etas, each update's rate at its step
    x, y = plot_lr_schedule(one).axes[0].get_lines()[0].get_data()
    assert list(x) == [0, 1, 2, 3] and list(y) == [0.1] * 4
    assert list(plot_lr_schedule(History({"etas": [0.5, np.nan, 0.25]})).axes[0]
                .get_lines()[0].get_data()[1]) == [0.5, 0.25]  # (no rows: the etas)
