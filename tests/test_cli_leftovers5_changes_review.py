"""Second look at the fifth CLI pass: the resume check's refusal split in two lines by a text
path holding a newline (read from the state file); `results --results r.md` blamed a --page
never given; `--into a.md --into link-to-a.md` said "given more than once" of one spelling."""

from __future__ import annotations

import json
import os

import pytest
from test_results import doc_with
from test_train_resume import StopAfter

from tinygrad_dl.cli import main
from tinygrad_dl.search.render import BEGIN, END
from tinygrad_dl.train import TrainingInterrupted, run_training

TEXT = "the quick brown fox\njumps over the lazy dog.\n" * 8


def test_resume_refusal_is_one_line_for_a_text_path_with_a_newline(tmp_path, capsys):
    text, out = tmp_path / "a\nb.txt", tmp_path / "run"
    text.write_bytes(TEXT.encode())
    with pytest.raises(TrainingInterrupted):
        run_training("char-rnn", {"n_updates": 30, "m": 8, "sample_every": 1000}, out=out,
                     progress=False, print_fn=None, stop=StopAfter(3), text=str(text))
    text.write_bytes(TEXT.replace("fox", "fix").encode())
    assert main(["train", "char-rnn", "--resume", str(out), "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == "" and "the data differ" in r.err
    assert r.err.count("\n") == 1 and "a b.txt" in r.err  # (was: split at the newline)


def _results(tmp_path, name):
    res = tmp_path / name
    res.write_text(json.dumps(doc_with([0.3 + 0.001 * i for i in range(20)], [0.31] * 20)))
    return res


def test_results_md_refusal_names_the_default_page_not_a_page_flag(tmp_path, capsys):
    res = _results(tmp_path, "r.md")  # a training run writes the page to r.md by default
    assert main(["results", "--results", str(res), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--page" not in err.split(";")[0]  # (was: "--page r.md")
    assert "the page is written by default" in err and "--page FILE" in err
    assert json.loads(res.read_text())  # untouched, nothing trained
    assert not (tmp_path / "o").exists()
    # --render-only writes no default page: r.md is read, as before
    assert main(["results", "--render-only", "--results", str(res)]) == 0


def test_results_into_one_file_by_two_spellings_names_both(tmp_path, capsys):
    res = _results(tmp_path, "r.json")
    a, b = tmp_path / "a.md", tmp_path / "sub" / "b.md"
    b.parent.mkdir()
    for f in (a, b):
        f.write_text(f"x\n{BEGIN}\n{END}\n")
    os.symlink(a, tmp_path / "la.md")
    base = ["results", "--render-only", "--results", str(res)]
    assert main([*base, "--into", str(tmp_path / "la.md"), "--into", str(a)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "given more than once" not in err
    assert f"--into {a} names the same file as --into {tmp_path / 'la.md'}" in err
    # other files, by a link and a "sub/../" spelling: both rendered
    os.symlink(b, tmp_path / "lb.md")
    assert main([*base, "--into", str(tmp_path / "la.md"), "--into",
                 str(tmp_path / "sub" / ".." / "sub" / "b.md")]) == 0
    assert "table in" in capsys.readouterr().err
    assert BEGIN in a.read_text() and "x\n" in b.read_text() and len(b.read_text()) > 40
