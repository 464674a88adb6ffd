"""Command-line flags at their edges (helper hCLI's random flag combinations): every refusal one
line naming the flag the user typed (--resume, not --out; --eta-min, not CyclicLR's eta_min; an
abbreviated size flag by its full name), no flag dropped without a word (--resume of a finished
run, an empty --out of search and report), and no --out that is the working directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tinygrad_dl import cli
from tinygrad_dl.train import resolve_params
from tinygrad_dl.train.outputs import lock_file

pytestmark = pytest.mark.usefixtures("embedded_data_only")


def _err_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def _finished_run(out: Path, model: str) -> Path:
    """A folder holding a finished run's files (what --resume reads of it: result.json)."""
    out.mkdir()
    (out / "result.json").write_text(json.dumps({"model": model, "params": {}, "seed": 0}))
    (out / "history.json").write_text("{}")
    return out


# ---- --resume: its errors name --resume, and a finished run's leftovers are not dropped ------
def test_resume_of_a_file_names_resume_not_out(tmp_path, capsys):
    """Before: "--out /x/afile: /x/afile is a file, not a folder" for `--resume afile`."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert cli.main(["train", "one-layer", "--resume", str(afile)]) == 2
    err = _err_line(capsys)
    assert err == f"tinygrad-dl train: error: --resume {afile}: {afile} is a file, not a folder"


def test_resume_while_another_run_holds_the_folder_names_resume(tmp_path, capsys):
    """Before: "--out X: another tinygrad-dl run is writing there ...; wait for it to finish or
    choose another --out", of a command that gave no --out (and cannot choose one)."""
    from filelock import FileLock

    out = _finished_run(tmp_path / "run", "one-layer")
    lock = FileLock(lock_file(os.path.abspath(out)), timeout=0)
    lock.acquire()
    try:
        assert cli.main(["train", "one-layer", "--resume", str(out)]) == 2
    finally:
        lock.release()
    err = _err_line(capsys)
    assert err.startswith(f"tinygrad-dl train: error: --resume {out}: another tinygrad-dl run "
                          "is writing there"), err
    assert "--out" not in err and err.endswith("wait for it to finish"), err


def test_resume_of_a_finished_run_of_another_model_is_refused(tmp_path, capsys):
    """Before: `train convnet --resume RUN` of a finished one-layer run said "nothing to resume"
    and exited 0, the MODEL given dropped without a word."""
    out = _finished_run(tmp_path / "run", "one-layer")
    assert cli.main(["train", "convnet", "--resume", str(out), "--channels", "3"]) == 2
    err = _err_line(capsys)
    assert err == (f"tinygrad-dl train: error: --resume {out}: the run there trained one-layer, "
                   "not convnet (and it finished: there is nothing to resume)")


def test_resume_of_a_finished_run_names_the_flags_that_changed_nothing(tmp_path, capsys):
    """Before: "nothing to resume: ..." alone, exit 0: --lambda 5 and --seed 3 were accepted
    and ignored."""
    out = _finished_run(tmp_path / "run", "one-layer")
    assert cli.main(["train", "one-layer", "--resume", str(out), "--lambda", "5",
                     "--seed", "3"]) == 0
    err = _err_line(capsys)
    assert err.startswith("nothing to resume: the run in ")
    assert err.endswith("; --lambda, --seed changed nothing"), err
    assert cli.main(["train", "one-layer", "--resume", str(out)]) == 0  # (nothing given: as ever)
    assert _err_line(capsys).endswith("finished; its outputs are there")


# ---- an --out that is the working directory -------------------------------------------------
def test_out_dot_is_refused(tmp_path, monkeypatch, capsys):
    """Before: `--out .` in an empty folder trained, then replaced the folder whole: the shell
    was left in a removed folder (`ls` showed nothing) and the summary listed no outputs."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    inode = here.stat().st_ino
    assert cli.main(["train", "one-layer", "--n-updates", "1", "--n-batch", "1000",
                     "--no-progress", "--out", "."]) == 2
    err = _err_line(capsys)
    assert err.startswith(f"tinygrad-dl train: error: --out {here}: it is the current folder")
    assert here.stat().st_ino == inode and not any(tmp_path.glob(".here*")), \
        sorted(p.name for p in tmp_path.iterdir())


# ---- the cyclical learning rate's bounds: refused by their flags, before "training" ---------
def test_eta_min_above_eta_max_names_the_flags(tmp_path, capsys):
    """Before: "CyclicLR: eta_min=1e-05 must be <= eta_max=1e-06", after "training ..."."""
    assert cli.main(["train", "two-layer", "--eta-max", "1e-6", "--n-updates", "1",
                     "--out", str(tmp_path / "run")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.strip() == (
        "tinygrad-dl train: error: --eta-min 1e-05 (its default) is above --eta-max 1e-06: the "
        "cyclical learning rate rises from the lowest eta to the highest; give a lower one")
    assert not (tmp_path / "run").exists()


def test_eta_min_above_eta_max_is_refused_by_resolve_params():
    with pytest.raises(ValueError, match=r"^eta_min 0\.5 is above eta_max 0\.1 \(its default\)"):
        resolve_params("one-layer", {"eta_min": 0.5})
    assert resolve_params("one-layer", {"eta_min": 0.1})["eta_max"] == 0.1  # (equal: a constant)


def test_search_refuses_eta_min_above_eta_max_before_a_trial(tmp_path, monkeypatch, capsys):
    def no_search(*a, **k):
        raise AssertionError("a trial started")

    monkeypatch.setattr("tinygrad_dl.commands.search.run_search", no_search)
    assert cli.main(["search", "one-layer", "--param", "lambda=uniform:0:1", "--eta-min", "0.5",
                     "--eta-max", "0.1", "--out", str(tmp_path / "s")]) == 2
    assert _err_line(capsys) == (
        "tinygrad-dl search: error: --eta-min 0.5 is above --eta-max 0.1: the cyclical learning "
        "rate rises from the lowest eta to the highest; give a lower one")


# ---- more memory than exists: an abbreviated size flag is named by its full name ------------
def test_memory_error_names_an_abbreviated_size_flag(tmp_path, capsys):
    """Before: `--hid 100000000000` said "this machine has too little free memory for it"."""
    assert cli.main(["train", "k-layer", "--hid", "100000000000", "--n-upd", "1",
                     "--out", str(tmp_path / "run")]) == 2
    err = _err_line(capsys)
    assert err.startswith("tinygrad-dl train: error: "), err
    assert "would need" in err or "cannot allocate" in err, err  # (the layer's line, or NumPy's)
    assert err.endswith("use smaller sizes (--hidden 100000000000)"), err


def test_full_flag_resolves_as_argparse_does():
    commands = cli.build_parser().commands
    assert commands["train"].full_flag("--hid") == "--hidden"
    assert commands["train"].full_flag("--m") == "--m"  # (exact, though --momentum starts so)
    assert commands["train"].full_flag("--n") == "--n"  # (ambiguous: left as typed)
    assert commands["graph"].full_flag("--le") == "--legend"  # (not synthesize's --length)
    spell = commands["graph"].full_flag
    msg = cli.memory_error(MemoryError(), ["graph", "two-layer", "--le", "--n", "9"], spell)
    assert msg.endswith("use smaller sizes (--n 9)"), msg


# ---- an empty --out ("$UNSET") is refused, not read as the default or the working folder ----
def test_search_refuses_an_empty_out(tmp_path, monkeypatch, capsys):
    """Before: `--out ""` ran the search into search-MODEL without a word."""
    monkeypatch.chdir(tmp_path)
    ran = []
    monkeypatch.setattr("tinygrad_dl.commands.search.run_search",
                        lambda spec, out, *a, **k: ran.append(out))
    assert cli.main(["search", "one-layer", "--param", "lambda=uniform:0:1", "--out", ""]) == 2
    assert _err_line(capsys) == ("tinygrad-dl search: error: --out is empty (an unset "
                                 "variable?); name the results folder, or leave it out for "
                                 "search-one-layer")
    assert ran == [] and not any(tmp_path.iterdir())


def test_report_refuses_an_empty_out(tmp_path, monkeypatch, capsys):
    """Before: `report a1 --out ""` wrote the report into the working directory (train, graph
    and results refuse an empty --out)."""
    monkeypatch.chdir(tmp_path)
    built = []
    monkeypatch.setattr("tinygrad_dl.commands.report.build_report",
                        lambda name, out, *a, **k: built.append(out))
    assert cli.main(["report", "a1", "--out", "", "--no-pdf"]) == 2
    assert _err_line(capsys) == ("tinygrad-dl report: error: --out is empty (an unset "
                                 "variable?); name the folder, or leave it out")
    assert built == []


# ---- --batch-norm with --no-batch-norm: refused as --drop-last with --keep-last is -----------
BN, NO_BN = "--batch-norm", "--no-batch-norm"


@pytest.mark.parametrize("argv, first, second", [
    (["train", "k-layer", BN, NO_BN], BN, NO_BN),
    (["train", "k-layer", "--no-b", "--bat"], NO_BN, BN),  # (abbreviated: named in full)
    (["search", "k-layer", "--param", "lambda=uniform:0:1", NO_BN, BN], NO_BN, BN),
])
def test_batch_norm_and_no_batch_norm_together_are_refused(argv, first, second, capsys):
    """Before: the last one won and the other was dropped without a word (`[--batch-norm |
    --no-batch-norm]`, as usage shows it, reads as one or the other)."""
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith(f"error: argument {second}: not allowed with argument {first}"), err


def test_an_on_off_flag_given_twice_the_same_way_is_let_through():
    parser = cli.build_parser("train")
    for flag, want in (("--batch-norm", True), ("--no-batch-norm", False)):
        assert parser.parse_args(["train", "k-layer", flag, flag]).batch_norm is want
    assert parser.parse_args(["train", "k-layer"]).batch_norm is None


def test_graph_legend_and_no_legend_together_are_refused(capsys):
    """Before: `graph one-layer --legend --no-legend` drew no legend, --legend dropped unsaid."""
    with pytest.raises(SystemExit) as e:
        cli.main(["graph", "one-layer", "--legend", "--no-legend"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == ("tinygrad-dl graph: error: argument --no-legend: not allowed with argument "
                   "--legend")
    parser = cli.build_parser("graph")
    assert [parser.parse_args(["graph", "one-layer", *f]).legend for f in
            ([], ["--legend"], ["--no-legend"], ["--no-legend", "--no-legend"])] == \
        [None, True, False, False]  # (None: the default, drawn)


# ---- results: a flag the command would not use is refused, not dropped ----------------------
DOCS_RESULTS = Path(__file__).resolve().parents[1] / "docs" / "data" / "results.json"


@pytest.mark.parametrize("flags, named", [
    (["--seeds", "3"], "--seeds is"),
    (["--jobs", "2", "--data", "x", "--merge", "--only", "one-layer"],
     "--data, --jobs, --merge are"),
])
def test_results_render_only_refuses_the_training_flags(flags, named, tmp_path, capsys):
    """Before: `--render-only --seeds 3` rendered every seed of the file, exit 0 (as did
    --jobs, --data, --merge ...: --render-only trains nothing)."""
    page = tmp_path / "page.md"
    assert cli.main(["results", "--render-only", "--results", str(DOCS_RESULTS), "--page",
                     str(page), *flags]) == 2
    assert _err_line(capsys) == (f"tinygrad-dl results: error: {named} for training the rows, "
                                 "and --render-only trains nothing: leave "
                                 f"{'it' if ',' not in named else 'them'} out")
    assert not page.exists()


def test_results_merge_without_only_is_refused(tmp_path, monkeypatch, capsys):
    """Before: `results --merge` (help: "with --only: keep the other rows") ran every row, the
    --merge changing nothing."""
    def no_runs(*a, **k):
        raise RuntimeError("the rows started training")

    monkeypatch.setattr("tinygrad_dl.commands.results.run_seeds", no_runs)
    assert cli.main(["results", "--merge", "--out", str(tmp_path / "r")]) == 2
    assert _err_line(capsys) == ("tinygrad-dl results: error: --merge keeps the rows of "
                                 "--results that --only leaves out; without --only every row "
                                 "is run: add --only ROW, or leave out --merge")
