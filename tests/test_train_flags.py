"""Training flags that set a run's length, and the epochs a run reports (found 2026-12-03 by a
review of the course CLI): --cycles with --n-updates was dropped without a word, char-rnn ran
whichever of --epochs/--n-updates ended first, the char-RNN and the classifiers' history meta
reported the epoch a run was in rather than the epochs it trained, the mid-cycle note gave the
rate of an update that never runs, and --hidden 50,,50 was read as 50,50."""

import argparse
import json

import pytest

from tinygrad_dl.cli import main
from tinygrad_dl.commands.args import int_list
from tinygrad_dl.data import CharData, load_text
from tinygrad_dl.models import CharRNN
from tinygrad_dl.optim import CyclicLR
from tinygrad_dl.train import fit_rnn, resolve_params, run_training
from tinygrad_dl.train.hyperparams import flag_names

pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: run_training uses the sample


@pytest.mark.parametrize("model, params, message", [
    ("two-layer", {"cycles": 5, "n_updates": 30},
     "give either --cycles or --n-updates, not both"),
    ("k-layer", {"cycles": 1, "n_updates": 7}, "give either --cycles or --n-updates, not both"),
    ("char-rnn", {"epochs": 1, "n_updates": 100},
     "give either --epochs or --n-updates, not both"),
])
def test_two_lengths_are_refused_not_one_dropped(model, params, message, capsys, tmp_path):
    """--cycles 5 --n-updates 30 trained 30 updates and result.json had no cycles; char-rnn
    --epochs 1 --n-updates 100 recorded both though only the shorter applied."""
    with pytest.raises(ValueError, match=message):
        resolve_params(model, params, names=flag_names())
    argv = [a for k, v in params.items() for a in (f"--{k.replace('_', '-')}", str(v))]
    out = tmp_path / "run"
    assert main(["train", model, *argv, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()  # refused before anything is written
    # the search shares the resolve step: refused before any trial, nothing written
    searched = "m=int:5:10" if model != "k-layer" else "lambda=log10:-5:-1"
    assert main(["search", model, "--param", searched, "--trials", "1", *argv,
                 "--out", str(tmp_path / "s"), "--no-progress"]) == 2
    err = capsys.readouterr().err  # (the search names the flags as the user typed them)
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "s").exists()
    # each alone still sets the length
    for k, v in params.items():
        assert resolve_params(model, {k: v})[k] == v


def test_char_rnn_counts_the_epochs_it_trained():
    """4 updates of 3 per pass through the text said 2 epochs (the pass it was in)."""
    data = CharData("abcdefghijklm")  # 13 characters, seq_length 4: 3 sequences per epoch
    for n, want in ((4, 1.33), (2, 0.667), (6, 2)):
        model = CharRNN(data.K, m=4)
        h = fit_rnn(model, data, n_updates=n, seq_length=4, sample_every=None, progress=False)
        assert h.meta["updates_per_epoch"] == 3 and h.meta["epochs"] == want
        assert isinstance(h.meta["epochs"], int) == (n % 3 == 0)


def test_char_rnn_run_reports_its_fraction_of_an_epoch(tmp_path, capsys):
    """--n-updates 300: 'trained: 300 updates, 1 epoch' though 300 x 25 characters are 0.016 of
    the 465,126-character text; result.json final.epochs and history meta.epochs were 1."""
    out = tmp_path / "rnn"
    assert main(["train", "char-rnn", "--n-updates", "40", "--m", "5", "--sample-every", "1000",
                 "--out", str(out), "--no-progress"]) == 0
    result = json.loads((out / "result.json").read_text())
    meta = json.loads((out / "history.json").read_text())["meta"]
    per = meta["updates_per_epoch"]
    # the embedded text is this Python's pydoc topics (465,126 characters on 3.11, 492,311 on
    # 3.12, 459,073 on 3.10): whole 25-character sequences of the text this run got
    text = load_text().text
    assert len(text) > 100_000 and per == (len(text) - 1) // 25
    epochs = float(f"{40 / per:.3g}")  # a part of an epoch, to 3 significant digits
    assert 0.001 < epochs < 0.01
    assert result["final"]["epochs"] == meta["epochs"] == epochs
    assert f"trained: 40 updates, {epochs} epochs in" in capsys.readouterr().out


@pytest.fixture(scope="module")
def mid_cycle():
    """16 updates on the embedded sample (10 per epoch), n_s = 7: 1.6 epochs, 1.14 cycles."""
    return run_training("two-layer", {"m": 5, "n_s": 7, "n_updates": 16}, progress=False,
                        print_fn=None)


def test_classifier_history_meta_counts_the_epochs_it_trained(mid_cycle):
    """history.json meta.epochs said 2 where result.json and the epoch column said 1.4."""
    res = mid_cycle
    assert res.history.meta["updates_per_epoch"] == 10
    assert res.final["epochs"] == res.history.meta["epochs"] == 1.6
    assert res.history["epoch"][-1] == pytest.approx(1.6)


def test_mid_cycle_note_gives_the_last_updates_rate_and_what_to_replace(mid_cycle):
    """The note gave schedule(16), the rate of an update that never runs, and said 'use
    --cycles 1 instead' without naming the flag it replaces."""
    last = mid_cycle.history.meta["etas"][-1]
    assert last == CyclicLR(1e-5, 0.1, 7)(15) != CyclicLR(1e-5, 0.1, 7)(16)
    assert mid_cycle.history["eta"][-1] == last
    note, = [n for n in mid_cycle.notes if "mid-cycle" in n]
    assert f"its last update at eta={last:.3g}, not at eta_min;" in note
    assert note.endswith("for whole cycles give --cycles 1 instead of --n-updates")


def test_mid_cycle_note_one_update_past_whole_cycles_says_eta_min():
    from tinygrad_dl.models import model_class
    from tinygrad_dl.train.minibatch import _schedule
    """11 updates with n_s 5: the last one starts a second cycle, at eta_min itself."""
    p, notes = resolve_params("two-layer", {"n_s": 5, "n_updates": 11}), []
    _schedule(model_class("two-layer"), p, 1000, False, notes)
    assert "its last update at eta=1e-05; for whole cycles give --cycles 1" in notes[0]


@pytest.mark.parametrize("text", ["50,,50", "50,", ",50"])
def test_an_empty_hidden_size_is_refused(text, capsys, tmp_path):
    """'50,,50' was read as [50, 50] (one size silently left out) while '' was refused."""
    with pytest.raises(argparse.ArgumentTypeError, match="an empty item"):
        int_list(text)
    with pytest.raises(SystemExit) as stop:  # argparse's own one-line error
        main(["train", "k-layer", "--hidden", text, "--out", str(tmp_path / "k")])
    assert stop.value.code == 2 and not (tmp_path / "k").exists()
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "argument --hidden: an empty item in" in err
    assert int_list("50, 50") == [50, 50]


@pytest.mark.slow
def test_a_run_resumed_mid_epoch_reports_the_same_epochs(tmp_path):
    """meta.epochs now comes from the loop's position: a run stopped and resumed mid-epoch
    reports what the uninterrupted run does (1.6), in result.json and history.json alike."""
    from tinygrad_dl.train import TrainingInterrupted

    polls = iter(range(1, 10**6))
    stop_at_13 = type("Stop", (), {"__bool__": lambda self: next(polls) >= 13})()
    kw = dict(progress=False, print_fn=None)
    params = {"m": 5, "n_s": 7, "n_updates": 16}
    whole = run_training("two-layer", params, out=tmp_path / "whole", seed=4, **kw)
    with pytest.raises(TrainingInterrupted) as info:
        run_training("two-layer", params, out=tmp_path / "cut", seed=4, stop=stop_at_13, **kw)
    assert info.value.step == 13  # in the second epoch, 3 of its 10 updates done
    resumed = run_training("two-layer", resume=tmp_path / "cut", **kw)
    assert resumed.history.to_dict() == whole.history.to_dict()
    assert resumed.final == whole.final
    saved = json.loads((tmp_path / "cut" / "history.json").read_text())["meta"]
    assert resumed.final["epochs"] == saved["epochs"] == 1.6
