"""Review of the reports hunt (hREP): the per-run log line of an "ok" run without a value, the
seeds cell and seconds of the results table, History.from_dict's named cell (its fast path
kept), and the docs' own results file re-rendered byte for byte."""

import json
import math
import re
from pathlib import Path

import pytest

from tinygrad_dl.commands.results import load_results
from tinygrad_dl.commands.train import summary
from tinygrad_dl.jupyter import percent_text
from tinygrad_dl.search.render import between_markers, render_block, seconds_text
from tinygrad_dl.search.seeds import Setting, _line
from tinygrad_dl.train.history import History, TrainResult

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("model, metric", [("two-layer", "test_acc"), ("char-rnn", "smooth_loss")])
def test_seed_log_line_of_an_ok_run_without_a_value(model, metric):
    # (a TypeError "unsupported format string passed to NoneType" ended run_seeds mid-way)
    s = Setting("row", "row", model, {})
    line = _line(s, {"seed": 2, "status": "ok", metric: None, "train_seconds": 0.3}, 5)
    assert line == f"row seed 2 of 0..4: {metric} no value (0.3 s)"
    line = _line(s, {"seed": 2, "status": "ok", metric: 0.41234, "train_seconds": 12.4}, 5)
    assert line == f"row seed 2 of 0..4: {metric} 0.4123 (12 s)"


def _setting(runs):
    return {"name": "x", "label": "x", "model": "two-layer", "command": "c",
            "metric": "test_acc", "runs": runs}


@pytest.mark.parametrize("runs, cell", [
    ([{"seed": i, "status": "ok", "test_acc": None} for i in range(3)],
     "0 (3 without a value): too few to claim anything"),
    ([{"seed": 0, "status": "failed", "test_acc": None},
      {"seed": 1, "status": "ok", "test_acc": None}],
     "0 (1 failed, 1 without a value): too few to claim anything"),
    ([{"seed": 0, "status": "failed"}], "0 (1 failed): too few to claim anything"),
])
def test_seeds_cell_with_no_ok_value_shows_no_number(runs, cell):
    row = render_block({"settings": [_setting(runs)]}).split("\n")[2]
    cells = [c.strip() for c in row.split("|")[1:-1]]
    assert cells[2:6] == ["—", "", "", cell]  # no mean, s.e., sd or range: no "nan", no 0
    assert "nan" not in row.lower()


@pytest.mark.parametrize("secs, text", [
    (0, "0"), (0.04, "0.04"), (0.05, "0.05"), (0.96, "0.96"), (1, "1"), (59.99, "60"),
    (3600, "3600"), (0.0123, "0.012")])
def test_seconds_text(secs, text):
    assert seconds_text(secs) == text


def test_seconds_column_is_the_mean_of_ok_runs():
    runs = [{"seed": 0, "status": "ok", "test_acc": 0.5, "train_seconds": 0.02},
            {"seed": 1, "status": "ok", "test_acc": None, "train_seconds": 0.04},
            {"seed": 2, "status": "failed", "train_seconds": 100.0}]
    row = render_block({"settings": [_setting(runs)]}).split("\n")[2]
    assert row.rstrip(" |").endswith("0.03")


@pytest.mark.parametrize("bad", ["abc", [1.0], {"a": 1}, ""])
def test_history_from_dict_names_the_edited_cell(bad):
    cols = {"step": [0.0, 1.0, 2.0], "cost": [1.0, None, "inf"], "val_acc": [0.1, 0.2, 0.3]}
    cols["val_acc"][1] = bad
    with pytest.raises(ValueError, match=r"columns\['val_acc'\]\[1\] is .*not a number"):
        History.from_dict({"meta": {}, "columns": cols})


def test_history_from_dict_fast_path_values_unchanged():
    cols = {"step": [0, 1, 2], "cost": [1.5, None, "inf"], "loss": ["-inf", True, 2]}
    h = History.from_dict(json.loads(json.dumps({"meta": {}, "columns": cols})))
    assert h.columns["step"] == [0.0, 1.0, 2.0]
    assert h.columns["cost"][0] == 1.5 and math.isnan(h.columns["cost"][1])
    assert h.columns["cost"][2] == math.inf and h.columns["loss"] == [-math.inf, 1.0, 2.0]
    assert all(type(v) is float for c in h.columns.values() for v in c)


@pytest.mark.parametrize("page", ["README.md", "docs/results.md"])
def test_docs_results_file_renders_the_pages_table_byte_for_byte(page):
    doc = load_results(ROOT / "docs" / "data" / "results.json")
    text = (ROOT / page).read_text(encoding="utf-8")
    assert render_block(doc) == between_markers(text)


@pytest.mark.parametrize("v, decimals, text", [
    (0.99996, 2, "99.996%"), (0.99996, 1, "99.996%"), (0.9996, 1, "99.96%"),
    (0.00004, 2, "0.004%"), (0.4996, 1, "50.0%"), (1.0, 2, "100.00%"), (0.0, 2, "0.00%"),
    (0.4213, 2, "42.13%")])
def test_percent_text_never_rounds_to_100_or_0(v, decimals, text):
    assert percent_text(v, decimals) == text


def test_train_summary_accuracies_never_read_100_or_0_percent(tmp_path):
    # (45,000 train images, 2 wrong: "final train accuracy: 100.00%")
    h = History({"sizes": {"train": 45000, "val": 5000, "test": 10000}, "best_step": 40})
    final = {"n_updates": 40, "epochs": 1, "train_acc": 44998 / 45000, "val_acc": 0.5,
             "test_acc": 1 / 50000}
    res = TrainResult(None, h, test_acc=1 / 50000, best_val_acc=0.99999, final=final,
                      seconds=1.0)
    text = summary(res, tmp_path / "none")
    assert "final train accuracy: 99.996%" in text
    assert "best 99.999%" in text and "test accuracy: 0.002%" in text
    assert not re.search(r"(?<![\d.])(100|0)\.00%", text)
