"""The results table: seeds run through the search machinery (resumable), mean ± s.e. and the
2 s.e. rule computed from the per-seed numbers, the Markdown rendered from the saved results
file, and the docs showing exactly what that file holds."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.cli import main
from tinygrad_dl.commands.results import COMPARISONS, COURSE_ROWS, course_settings, parse_setting
from tinygrad_dl.search.render import (
    BEGIN,
    END,
    between_markers,
    render_block,
    render_page,
    row_values,
    write_between_markers,
)
from tinygrad_dl.search.seeds import Comparison, Setting, collect, run_seeds
from tinygrad_dl.search.stats import MIN_SEEDS, compare, summarize, versus_target

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "data" / "results.json"


@pytest.fixture(autouse=True)
def embedded_data_only(monkeypatch, tmp_path):
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


# ---- the statistics ------------------------------------------------------------------------
def test_summary_is_mean_and_standard_error():
    v = [31.0, 33.0, 32.0, 36.0]
    s = summarize(v)
    assert s.n == 4 and s.mean == 33.0 and (s.lo, s.hi) == (31.0, 36.0)
    assert s.sd == pytest.approx(np.std(v, ddof=1)) and s.se == pytest.approx(s.sd / 2)
    assert math.isnan(summarize([1.0]).se) and summarize([]).n == 0
    with pytest.raises(ValueError, match="finite"):
        summarize([1.0, math.nan])


def test_paired_and_unpaired_differences():
    rng = np.random.default_rng(0)
    base = rng.normal(30, 2, 25)  # the seed-to-seed spread both settings share
    a = {s: base[s] + 0.5 + rng.normal(0, 0.1) for s in range(25)}
    b = {s: base[s] for s in range(25)}
    d = compare(a, b)
    diffs = np.array([a[s] - b[s] for s in range(25)])
    assert d.paired and d.n == 25
    assert d.diff == pytest.approx(diffs.mean()) and d.se == pytest.approx(
        diffs.std(ddof=1) / 5)
    assert d.shown and d.sign == 1  # 0.5 against an s.e. of about 0.02
    # a failed seed in one is left out of both
    part = compare(a, {s: v for s, v in b.items() if s != 7})
    assert part.paired and part.n == 24
    assert part.diff == pytest.approx(np.delete(diffs, 7).mean())
    # other seeds: unpaired, Welch's s.e. -- the shared spread now hides the 0.5
    u = compare(a, {s + 100: v for s, v in b.items()})
    sa, sb = summarize(list(a.values())), summarize(list(b.values()))
    assert not u.paired and u.se == pytest.approx(math.hypot(sa.se, sb.se))
    assert not u.shown and u.sign == 0


def test_no_claim_from_fewer_than_min_seeds_or_within_two_standard_errors():
    few = {s: 40.0 + s % 2 for s in range(MIN_SEEDS - 1)}
    assert not compare(few, {s: 10.0 + s % 2 for s in few}).shown  # huge, but 19 seeds
    # exactly 2 s.e. is not "larger than twice its standard error"
    d = {s: (1.0 if s % 2 else -1.0) for s in range(MIN_SEEDS)}
    se = summarize(list(d.values())).se
    a = {s: 2 * se + v for s, v in d.items()}
    diff = compare(a, {s: 0.0 for s in d})
    assert diff.diff == pytest.approx(2 * se) and not diff.shown
    s = summarize([32.0 + (i % 5) * 0.1 for i in range(20)])
    assert versus_target(s, 31.5) == "met" and versus_target(s, 33.0) == "missed"
    assert versus_target(s, s.mean + s.se) == "undecided"
    assert versus_target(summarize([50.0] * 5), 31.5) == "too few seeds"
    assert versus_target(summarize([40.0 + i % 2 for i in range(20)]), 45.0, False) == "met"


# ---- rendering -----------------------------------------------------------------------------
def doc_with(values_a, values_b, target=None):
    def setting(name, values):
        return {"name": name, "label": name.upper(), "model": "k-layer", "params": {},
                "command": f"k-layer --{name}", "target": target, "course": "", "metric":
                "test_acc", "runs": [{"seed": s, "status": "ok", "test_acc": v,
                                      "train_seconds": 2.0, "data_id": "cifar:x"}
                                     for s, v in enumerate(values)]}
    return {"format": "tinygrad_dl.results/1", "generated": "2026-01-01", "command": "cmd",
            "seeds": len(values_a), "machine": {"cpus": 2, "jobs": 2},
            "settings": [setting("a", values_a), setting("b", values_b)],
            "comparisons": [{"a": "a", "b": "b", "question": "A or B?"}]}


def test_render_claims_only_what_the_numbers_show():
    rng = np.random.default_rng(1)
    base = rng.normal(0.33, 0.02, 20)
    shown = render_block(doc_with(list(base + 0.01), list(base), target=0.30))
    assert "**A: higher test accuracy** (beyond 2·s.e.)" in shown
    assert "≥ 30%: met" in shown
    mean = np.mean(base + 0.01) * 100
    se = np.std((base + 0.01) * 100, ddof=1) / math.sqrt(20)
    assert f"**{mean:.2f} ± {se:.2f}**" in shown
    noise = rng.normal(0, 0.02, 20)
    same = render_block(doc_with(list(base + noise), list(base)))
    assert "no difference shown (within 2·s.e.)" in same and "higher" not in same
    few = render_block(doc_with(list(base[:5] + 0.1), list(base[:5]), target=0.30))
    assert "no claim: fewer than 20 seeds" in few and "too few seeds" in few
    assert "5: too few to claim anything" in few and "**" not in few.split("\n\n")[0]


def test_footer_counts_runs_at_a_time_in_words():
    """It said '1 runs at a time' (found 2026-12-03)."""
    doc = doc_with([0.3] * 3, [0.3] * 3)
    assert "(2 runs at a time;" in render_block(doc)
    doc["machine"]["jobs"] = 1
    assert "(1 run at a time;" in render_block(doc)


def test_page_notes_and_spread():
    rng = np.random.default_rng(2)
    doc = doc_with(list(rng.normal(0.3, 0.02, 20)), list(rng.normal(0.3, 0.01, 20)))
    doc["notes"] = ["**First.** context", "Second."]
    page = render_page(doc)
    assert "## Notes\n\n**First.** context\n\nSecond.\n" in page
    sd = max(np.std(np.array([r["test_acc"] for r in st["runs"]]) * 100, ddof=1)
             for st in doc["settings"])
    assert f"reaches {sd:.1f} points (the sd column)" in page


def test_failed_seeds_are_counted_and_left_out():
    doc = doc_with([0.3] * 21, [0.3] * 21)
    doc["settings"][0]["runs"][3] = {"seed": 3, "status": "failed", "test_acc": None,
                                     "error": "NonFiniteLossError: ..."}
    assert len(row_values(doc["settings"][0])) == 20
    assert "| 20 (1 failed) |" in render_block(doc)


def test_markers(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(f"# Front\n\n{BEGIN}\nold table\n{END}\n\nafter\n")
    assert write_between_markers(page, "| new |")
    assert page.read_text() == f"# Front\n\n{BEGIN}\n| new |\n{END}\n\nafter\n"
    assert not write_between_markers(page, "| new |")  # unchanged: not rewritten
    assert between_markers(page.read_text()) == "| new |"
    # a marker quoted in a sentence is not a marker
    page.write_text(f"use `{BEGIN}` and `{END}`:\n{BEGIN}\nold\n{END}\n")
    assert write_between_markers(page, "t") and between_markers(page.read_text()) == "t"
    assert page.read_text().startswith(f"use `{BEGIN}` and `{END}`:\n")
    for bad in ("no markers", f"{END}\n{BEGIN}", f"{BEGIN}\n{BEGIN}\n{END}",
                f"text {BEGIN} text\n{END}"):
        page.write_text(bad)
        with pytest.raises(ValueError, match="expected one line <!-- results:begin -->"):
            write_between_markers(page, "x")
    with pytest.raises(FileNotFoundError, match="no such file"):
        write_between_markers(tmp_path / "missing.md", "x")


# ---- the rows are the train command's --------------------------------------------------------
def test_rows_parse_with_the_train_parser():
    settings = course_settings()
    assert [s.name for s in settings] == [r[0] for r in COURSE_ROWS]
    nine = {s.name: s for s in settings}["9-layer-bn"]
    assert nine.model == "k-layer" and nine.params["hidden"] == [50, 30, 20, 20, 10, 10, 10, 10]
    assert nine.params["batch_norm"] is True and "drop_last" not in nine.params
    assert {s.name: s for s in settings}["9-layer-bn-keep-last"].params["drop_last"] is False
    names = {s.name for s in settings}
    assert all(c.a in names and c.b in names for c in COMPARISONS)
    with pytest.raises(ValueError, match="results row x: `tinygrad-dl train k-layer --bogus`"):
        parse_setting("x", "x", "k-layer --bogus")
    with pytest.raises(ValueError, match="leave --data"):
        parse_setting("x", "x", "k-layer --data /tmp")


# ---- running seeds: parallel machinery, resumable --------------------------------------------
TINY = Setting("tiny", "tiny one-layer", "one-layer", {"epochs": 1, "n_batch": 250},
               "one-layer --epochs 1 --n-batch 250")


@pytest.mark.slow
def test_seeds_are_train_runs_and_resume(tmp_path):
    from tinygrad_dl.train import run_training

    run_seeds([TINY], 2, tmp_path, progress=False)
    rows = json.loads((tmp_path / "tiny" / "results.json").read_text())["rows"]
    assert [(r["seed"], r["status"]) for r in rows] == [(0, "ok"), (1, "ok")]
    one = run_training("one-layer", TINY.params, seed=1, progress=False, print_fn=None)
    assert rows[1]["test_acc"] == one.test_acc  # seed s is `train ... --seed s`
    run_seeds([TINY], 3, tmp_path, progress=False)  # one more seed: only it runs
    again = json.loads((tmp_path / "tiny" / "results.json").read_text())["rows"]
    assert again[:2] == rows and again[2]["seed"] == 2
    doc = collect([TINY], [Comparison("tiny", "tiny", "same?")], tmp_path, 2)
    assert [r["seed"] for r in doc["settings"][0]["runs"]] == [0, 1]
    other = Setting("tiny", "tiny", "one-layer", {"epochs": 2, "n_batch": 250})
    with pytest.raises(ValueError, match="holds a different search"):
        run_seeds([other], 3, tmp_path, progress=False)


def test_a_char_rnn_trial_runs(tmp_path):
    """It failed with KeyError: 'split' (the data cache key read the classifiers' params)."""
    from tinygrad_dl.search import TrainingTrial

    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 8)
    row = TrainingTrial("char-rnn", text=str(text))({"n_updates": 30, "m": 8}, 0)
    assert math.isfinite(row["smooth_loss"]) and row["best_smooth_loss"] <= row["smooth_loss"]


def test_bad_rows_are_refused_before_any_run(tmp_path):
    with pytest.raises(ValueError, match="unknown parameter"):
        run_seeds([TINY, Setting("bad", "bad", "one-layer", {"bogus": 1})], 2, tmp_path)
    assert not (tmp_path / "tiny").exists()


# ---- the CLI ---------------------------------------------------------------------------------
def test_render_only_and_into(tmp_path, capsys):
    doc = doc_with([0.3 + 0.001 * i for i in range(20)], [0.31] * 20)
    res = tmp_path / "r.json"
    res.write_text(json.dumps(doc))
    target = tmp_path / "front.md"
    target.write_text(f"intro\n{BEGIN}\n{END}\n")
    assert main(["results", "--render-only", "--results", str(res), "--page",
                 str(tmp_path / "page.md"), "--into", str(target)]) == 0
    assert between_markers(target.read_text()) == render_block(doc)
    assert (tmp_path / "page.md").read_text() == render_page(doc, source=str(res))
    assert main(["results", "--render-only", "--results", str(res)]) == 0
    assert not (tmp_path / "r.md").exists()  # --render-only writes only what it is asked to
    assert render_block(doc) in capsys.readouterr().out
    (tmp_path / "plain.md").write_text("no markers\n")
    assert main(["results", "--render-only", "--results", str(res), "--into",
                 str(tmp_path / "plain.md")]) == 2
    assert "expected one line <!-- results:begin -->" in capsys.readouterr().err
    res.write_text("{not json")
    assert main(["results", "--render-only", "--results", str(res)]) == 2
    assert "not a results file" in capsys.readouterr().err


def test_render_only_with_rows_the_file_lacks_is_refused(tmp_path, capsys):
    """`--render-only --only convnet` on a file without a convnet row printed an empty table
    and exited 0; `--only two-layer one-layer` showed one row without a word."""
    doc = json.loads(RESULTS.read_text())
    doc["settings"] = [s for s in doc["settings"] if s["name"] != "convnet"]
    res = tmp_path / "r.json"
    res.write_text(json.dumps(doc))
    assert main(["results", "--render-only", "--results", str(res), "--only", "convnet",
                 "one-layer"]) == 2
    assert "--only convnet: no such row" in capsys.readouterr().err
    assert main(["results", "--render-only", "--results", str(res), "--only", "one-layer"]) == 0


# ---- the docs show the command's numbers -----------------------------------------------------
def saved():
    if not RESULTS.is_file():
        pytest.fail(f"{RESULTS} is missing: run the command in docs/results.md")
    return json.loads(RESULTS.read_text())


def test_docs_results_page_is_rendered_from_the_saved_results():
    doc = saved()
    page = (ROOT / "docs" / "results.md").read_text()
    assert page == render_page(doc, source="docs/data/results.json"), (
        "docs/results.md differs from what the saved results render to: run `tinygrad-dl "
        "results --render-only --results docs/data/results.json --page docs/results.md`")


def test_every_docs_row_rests_on_at_least_20_seeds_and_shows_their_mean():
    doc = saved()
    page = (ROOT / "docs" / "results.md").read_text()
    assert doc["settings"]
    for st in doc["settings"]:
        ok = [r for r in st["runs"] if r["status"] == "ok"]
        assert len(ok) >= MIN_SEEDS, st["name"]
        scale = 100 if st["metric"] == "test_acc" else 1
        v = np.array([r[st["metric"]] for r in ok]) * scale  # computed here, independently
        cell = f"**{v.mean():.2f} ± {v.std(ddof=1) / math.sqrt(len(v)):.2f}**"
        row = next(line for line in page.splitlines() if line.startswith(f"| {st['label']} |"))
        assert cell in row, (st["name"], cell, row)


@pytest.mark.parametrize("doc_path", ["README.md"])
def test_other_pages_with_the_markers_show_the_same_table(doc_path):
    text = (ROOT / doc_path).read_text()
    assert BEGIN in text, f"{doc_path} lost its results markers"
    assert between_markers(text) == render_block(saved()), (
        f"the table in {doc_path} is stale: run `tinygrad-dl results --render-only --results "
        f"docs/data/results.json --into {doc_path}`")


# ---- --merge: one row added or redone, the others kept ---------------------------------------
def course_doc(names, command):
    """A results doc of these course rows (their real definitions), 20 fake seeds each."""
    by = {s.name: s for s in course_settings()}
    doc = doc_with([0.3] * 20, [0.3] * 20)
    doc["command"] = command
    doc["settings"] = [{**doc["settings"][0], "name": n, "label": by[n].label,
                        "command": by[n].command} for n in names]
    return doc


def test_merge_keeps_the_other_rows_in_course_order_with_every_command():
    from tinygrad_dl.commands.results import merged
    old = course_doc(["one-layer", "two-layer", "convnet"], "tinygrad-dl results --only a b")
    new = course_doc(["convnet"], "tinygrad-dl results --only convnet --merge")
    new["settings"][0]["runs"][0]["test_acc"] = 0.9  # the redone row's numbers win
    doc = merged(old, new)
    assert [st["name"] for st in doc["settings"]] == ["one-layer", "two-layer", "convnet"]
    assert doc["settings"][2]["runs"][0]["test_acc"] == 0.9
    assert doc["commands"] == ["tinygrad-dl results --only a b",
                               "tinygrad-dl results --only convnet --merge"]
    page = render_page(doc)
    assert ("```console\n$ tinygrad-dl results --only a b\n"
            "$ tinygrad-dl results --only convnet --merge\n```") in page
    again = merged(doc, course_doc(["two-layer"], "third"))  # a third merge keeps all three
    assert again["commands"][-1] == "third" and len(again["commands"]) == 3


def test_merge_refuses_a_kept_row_whose_command_changed_before_any_run(tmp_path, capsys):
    old = course_doc(["one-layer", "two-layer"], "tinygrad-dl results")
    old["settings"][1]["command"] = "two-layer --m 7"  # made under another definition
    res = tmp_path / "r.json"
    res.write_text(json.dumps(old))
    assert main(["results", "--only", "one-layer", "--merge", "--seeds", "1", "--out",
                 str(tmp_path / "runs"), "--results", str(res), "--no-progress"]) == 2
    assert "row two-layer of the results file was made with `two-layer --m 7`" in (
        capsys.readouterr().err)
    assert not (tmp_path / "runs").exists()


def test_merge_refuses_rows_trained_on_other_data(tmp_path, capsys):
    """--merge put a row trained on the embedded sample beside one trained on another CIFAR
    folder and compared them seed by seed, with a verdict (found 2026-12-03): refused, after
    the runs (merged) and before any run (the CLI, from the data it would use)."""
    from tinygrad_dl.commands.results import merged
    old = course_doc(["one-layer", "two-layer"], "first")
    new = course_doc(["two-layer"], "second")
    for r in new["settings"][0]["runs"]:
        r["data_id"] = "embedded:y"
    with pytest.raises(ValueError, match=r"--merge: the rows kept from the results file trained "
                                         r"on cifar:x and these on embedded:y"):
        merged(old, new)
    for r in new["settings"][0]["runs"]:
        r["data_id"] = "cifar:x"
    assert len(merged(old, new)["settings"]) == 2  # the same data: merged
    res = tmp_path / "r.json"
    res.write_text(json.dumps(course_doc(["one-layer", "two-layer"], "first")))  # cifar:x
    assert main(["results", "--only", "one-layer", "--merge", "--seeds", "1", "--out",
                 str(tmp_path / "runs"), "--results", str(res), "--no-progress"]) == 2
    assert "trained on cifar:x and these on embedded:" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
