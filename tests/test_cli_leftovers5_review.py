"""Fifth pass over the CLI's leftovers: `train char-rnn --resume` on a text edited since said
"resuming ..." before "the data differ"; `results --into F --into F` rendered F twice, and
`--page F --into F` replaced F's own text by the page; `synthesize --length 0 --temperature T`
took a temperature that changed nothing; `search --param n_batch=int:1:1e20`-sized bounds failed
at the first trial with NumPy's "high is out of bounds for int64"."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from test_results import doc_with
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl.cli import main
from tinygrad_dl.search.render import BEGIN, END
from tinygrad_dl.search.space import parse_param
from tinygrad_dl.train import TrainingInterrupted, run_training
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE

TEXT = "the quick brown fox\njumps over the lazy dog.\n" * 8


def _interrupted_on(text_path, out):
    try:
        run_training("char-rnn", {"n_updates": 30, "m": 8, "sample_every": 1000}, out=out,
                     progress=False, print_fn=None, stop=StopAfter(3), text=str(text_path))
    except TrainingInterrupted:
        pass
    assert (stage_dir(out) / STATE_FILE).is_file()


# ---- 1. a text edited since the run: refused before "resuming"; one converted to CRLF resumes
def test_resume_on_an_edited_text_is_refused_before_saying_resuming(tmp_path, capsys):
    text, out = tmp_path / "t.txt", tmp_path / "run"
    text.write_bytes(TEXT.encode())
    _interrupted_on(text, out)
    before = {p.name: p.read_bytes() for p in stage_dir(out).iterdir()}
    text.write_bytes(TEXT.replace("fox", "fix").encode())  # as many characters, other ones
    assert main(["train", "char-rnn", "--resume", str(out), "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == ""  # (was: "resuming char-rnn -> run", then the refusal)
    assert r.err.count("\n") == 1 and "the data differ from the interrupted run's" in r.err
    assert {p.name: p.read_bytes() for p in stage_dir(out).iterdir()} == before
    other = tmp_path / "other.txt"  # a --text given: checked the same way
    other.write_bytes((TEXT + "more").encode())
    assert main(["train", "char-rnn", "--resume", str(out), "--text", str(other),
                 "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == "" and "the data differ" in r.err and "characters" in r.err


def test_resume_on_a_text_converted_to_crlf_resumes_on_the_same_characters(tmp_path, capsys):
    text, out = tmp_path / "t.txt", tmp_path / "run"
    text.write_bytes(TEXT.encode())
    _interrupted_on(text, out)
    text.write_bytes(TEXT.replace("\n", "\r\n").encode())  # (read as "\n": the same data)
    assert main(["train", "char-rnn", "--resume", str(out), "--no-progress"]) == 0
    r = capsys.readouterr().out
    assert r.startswith("resuming char-rnn") and "resumed at update" in r
    assert "a vocabulary of 29" in r  # no "\\r" in it


# ---- 2. results: one file named twice --------------------------------------------------------
def test_results_refuses_one_file_named_twice(tmp_path, capsys):
    res = tmp_path / "r.json"
    res.write_text(json.dumps(doc_with([0.3 + 0.001 * i for i in range(20)], [0.31] * 20)))
    target = tmp_path / "front.md"
    target.write_text(f"intro\n{BEGIN}\n{END}\n")
    base = ["results", "--render-only", "--results", str(res)]
    assert main([*base, "--into", str(target), "--into", str(tmp_path / "." / "front.md")]) == 2
    err = capsys.readouterr().err  # (was: rendered twice, "table in F; table in F")
    assert err.count("\n") == 1 and "given more than once; give it once" in err
    assert main([*base, "--page", str(target), "--into", str(target)]) == 2
    assert "names the same file as --page" in capsys.readouterr().err
    assert target.read_text() == f"intro\n{BEGIN}\n{END}\n"  # (was: the page, "intro" lost)
    saved = res.read_text()
    assert main([*base, "--page", str(res)]) == 2  # (was: the results replaced by the page)
    assert "names the same file as --results" in capsys.readouterr().err
    assert res.read_text() == saved
    assert main([*base, "--into", str(target)]) == 0  # once: rendered
    assert "intro" in target.read_text() and "table in" in capsys.readouterr().err


# ---- 3. synthesize --length 0: a temperature that samples nothing ----------------------------
def test_synthesize_refuses_a_temperature_with_length_zero(tmp_path, capsys):
    argv = ["synthesize", str(tmp_path / "model.npz"), "--length", "0", "--temperature", "0.5"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--temperature 0.5 has no effect with --length 0" in err  # before the checkpoint
    assert main(argv[:4]) == 2  # --length 0 alone: only the missing checkpoint is refused
    assert "--temperature" not in capsys.readouterr().err


# ---- 4. search: integer ranges ---------------------------------------------------------------
def test_int_ranges_reach_both_ends_and_past_int64_is_refused_at_parse():
    rng = np.random.default_rng(0)
    for text, ends in (("n_batch=int:10:12", {10, 12}), ("m=uniform:3:5", {3, 5}),
                       ("m=log10:0:1", {1, 10})):
        spec = parse_param(text)
        seen = Counter(spec.sample(rng) for _ in range(2000))
        assert ends <= set(seen) and min(seen) == min(ends) and max(seen) == max(ends), text
        assert all(type(v) is int for v in seen)
    with pytest.raises(ValueError, match="'1.5' is not an integer"):
        parse_param("m=int:1.5:3")
    with pytest.raises(ValueError, match=r"int bounds must be 64-bit integers"):
        parse_param("n_batch=int:1:100000000000000000000")  # (was: at the first trial)
    big = parse_param(f"n_batch=int:{2**63 - 2}:{2**63 - 1}")  # the largest still draws
    assert {big.sample(rng) for _ in range(50)} == {2**63 - 2, 2**63 - 1}
