"""A teacher's first afternoon, from a clean install: the flags of one course model are spelled
the same in every command, and a teacher's own short text for assignment 4 gets one line naming
the file and what the notebook needs.

- `graph --lambda`: train and search take `--lambda` (the hyperparameter table's flag), graph
  took only `--lam`, and `graph two-layer --lambda 0.1` was refused; `--lambda` is now graph's
  flag and `--lam` stays its alias (not a breaking rename). Likewise graph took
  `--no-batch-norm` but not train's `--batch-norm` (which the results table's commands write),
  and not convnet's `--channels` (it drew 16,32 only).
- `train k-layer --hidden 30 20 10` (graph's spelling of the sizes) was "unrecognized
  arguments: 20 10", not said to belong to --hidden: now "(did you mean --hidden 30,20,10?)".
- `graph k-layer` labelled each BatchNorm "on_stats=<bound method BatchNorm1d.update_runn...".
- `synthesize runs/char-rnn-*/model.npz` (docs/assignments/a4.md) after two runs: the second
  file was "unrecognized arguments: FILE"; now the one-file-too-many is said.
- `report a4 --text short.txt`: a 3-character text failed two cells after loading it, in the
  gradient check, as "CharRNN.loss: X and Y must have the same length, got 3 and 2".
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from oracle import one_line

from tinygrad_dl import Tensor, cli, nn
from tinygrad_dl.viz.graph import op_label

ROOT = Path(__file__).resolve().parents[1]


# ---- graph takes train's --lambda, --lam stays ---------------------------------------------
def test_graph_takes_trains_lambda_and_keeps_lam_as_its_alias(tmp_path, capsys):
    outs = {}
    for flag in ("--lambda", "--lam"):
        out = tmp_path / f"g{flag}.dot"
        assert cli.main(["graph", "two-layer", flag, "0.3", "--out", str(out)]) == 0
        outs[flag] = out.read_text()
    assert outs["--lambda"] == outs["--lam"]  # (the same graph, the same L2 weight)
    assert cli.main(["graph", "char-rnn", "--lambda", "0.5", "--out",
                     str(tmp_path / "r.dot")]) == 2
    assert capsys.readouterr().err.endswith("error: char-rnn does not take --lambda\n")
    assert "--lambda LAMBDA, --lam LAMBDA" in cli.build_parser("graph").commands[
        "graph"].format_help()


@pytest.mark.parametrize("argv, said", [
    (["k-layer", "--batch-norm"], "batch_norm=True"),  # (the results table's spelling)
    (["k-layer", "--no-batch-norm"], "batch_norm=False"),
    (["convnet", "--channels", "4,8"], "channels=4,8"),  # (was: unrecognized)
    (["two-layer", "--batch-norm"], "error: two-layer does not take --batch-norm"),
    (["k-layer", "--channels", "4,8"], "error: k-layer does not take --channels"),
])
def test_graph_takes_trains_batch_norm_pair_and_convnet_channels(argv, said, tmp_path, capsys):
    code = cli.main(["graph", *argv, "--out", str(tmp_path / "g.dot")])
    out, err = capsys.readouterr()
    assert code == (2 if "error" in said else 0), err
    assert said in (err if code else out), (out, err)


# ---- --hidden 30 20 10 where the sizes are one comma-separated value -------------------------
@pytest.mark.parametrize("argv, said", [
    (["train", "k-layer", "--hidden", "30", "20", "10", "--epochs", "1"],
     "tinygrad-dl train: error: unrecognized arguments: 20 10 (did you mean --hidden 30,20,10?)"),
    (["search", "k-layer", "--epochs", "1", "--hidden", "30", "20"],
     "unrecognized arguments: 20 (did you mean --hidden 30,20?)"),
    (["train", "convnet", "--channels", "8", "16"], "16 (did you mean --channels 8,16?)"),
    (["train", "k-layer", "--epochs", "20", "--hidden", "30", "20"], "--hidden 30,20?)"),
    (["train", "k-layer", "--hidden", "30", "20", "--epochs", "20"], "--hidden 30,20?)"),
    (["train", "k-layer", "--epochs", "1", "2"], "unrecognized arguments: 2"),  # (no list flag)
])
def test_sizes_given_apart_are_named_with_their_flag(argv, said, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith(said), last


@pytest.mark.parametrize("argv, said", [
    (["synthesize", "{a}", "{b}", "--length", "5"],
     "tinygrad-dl synthesize: error: unrecognized arguments: {b} (CHECKPOINT takes one file: 2 "
     "given, a shell pattern that matched several? name one)"),
    (["train", "char-rnn", "--text", "{a}", "{b}"], "{b} (--text takes one file: 2 given"),
    (["train", "char-rnn", "{b}"], "unrecognized arguments: {b}"),  # (not after a file)
])
def test_a_shell_pattern_matching_two_files_is_named(argv, said, tmp_path, capsys):
    """docs/assignments/a4.md writes `synthesize runs/char-rnn-*/model.npz`: after two runs the
    second file was "unrecognized arguments: ...", not said to be one file too many."""
    files = {"a": str(tmp_path / "a.npz"), "b": str(tmp_path / "b.npz")}
    for f in files.values():
        Path(f).write_bytes(b"")
    with pytest.raises(SystemExit) as e:
        cli.main([w.format(**files) for w in argv])
    assert e.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith(said.format(**files)) or said.format(**files) in last, last


# ---- report a4 on a teacher's own (short) text --------------------------------------------
def test_a4_notebook_names_a_text_too_short_for_it(tmp_path):
    pytest.importorskip("IPython")
    cells = [c for c in json.loads((ROOT / "notebooks" / "a4_char_rnn.ipynb").read_text(
        encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    params, imports = ("".join(c["source"]) for c in cells[:2])
    load = next("".join(c["source"]) for c in cells if "load_text(text_file)" in "".join(
        c["source"]))
    ns: dict = {}
    exec(params, ns)  # the parameters cell, then the one `tinygrad-dl report` injects
    for text, seq_length, need in (("abc", 25, 26), ("abcdefgh", 2, 11)):
        short = tmp_path / "short.txt"
        short.write_text(text, encoding="utf-8")
        ns.update(text_file=str(short), seq_length=seq_length, quick=True)
        exec(imports, ns)
        with pytest.raises(ValueError) as e:
            exec(load, ns)
        one_line(e, f"{short}: the text has {len(text)} characters; this notebook needs {need}")
    short.write_text("abcdefghijk", encoding="utf-8")  # 11: enough at seq_length=2
    exec(load, ns)
    assert ns["data"].text == "abcdefghijk"


# ---- the graph a teacher shows: no Python object repr in an op's label ----------------------
def test_batch_norm_op_label_names_its_callback_not_a_bound_method_repr():
    """`graph k-layer` drew each BatchNorm as "on_stats=<bound method
    BatchNorm1d.update_runn...": the callback's repr, cut at 40 characters."""
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)))
    bn = nn.BatchNorm1d(3)
    label = op_label(bn(x).grad_fn)
    assert "on_stats=update_running_stats" in label and "<" not in label, label
    assert "f=abs" in op_label(SimpleNamespace(name="Op", params={"f": np.abs}))


def test_a_search_range_past_a_settings_range_shows_an_infinite_end_open(capsys):
    """`--param eta=uniform:0:0.1` said eta's valid range was "(0, inf]": no flag takes inf
    (`--eta inf` is "expected a finite number"), so the range is (0, inf)."""
    assert cli.main(["search", "one-layer", "--param", "eta=uniform:0:0.1"]) != 0
    err = capsys.readouterr().err
    assert "values 0..0.1 leave eta's valid range (0, inf)" in err, err
