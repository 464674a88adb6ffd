"""What a training run leaves and says: the output folder as one unit, --out checked first,
divergence errors that name the cause, exactly the settings that ran, one consistent set of
numbers with --restore-best, the mid-cycle note, per-update learning curves, the summary."""

import io
import json
import math
import sys
import warnings

import numpy as np
import pytest
from test_train import TEXT, Tiny, blobs

from tinygrad_dl.cli import main
from tinygrad_dl.data import CharData
from tinygrad_dl.models import CharRNN
from tinygrad_dl.train import History, NonFiniteLossError, fit, fit_rnn, run_training
from tinygrad_dl.train import minibatch as minibatch_mod
from tinygrad_dl.train.outputs import plot_title, stage_dir
from tinygrad_dl.viz import plot_learning_curves, plot_smooth_loss

pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: the embedded sample only


QUICK = ["--m", "5", "--cycles", "1", "--eval-every", "20", "--no-progress"]


# ---- the output folder ------------------------------------------------------------------------
def test_out_under_a_regular_file_is_refused_before_loading_data(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(minibatch_mod, "_load_data", lambda *a: pytest.fail("data loaded first"))
    (tmp_path / "file").write_text("x")
    assert main(["train", "two-layer", "--out", str(tmp_path / "file" / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file, not a folder" in err and "--out" in err
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("precious")
    assert main(["train", "two-layer", "--out", str(tmp_path / "mine")]) == 2
    assert "not a tinygrad-dl run folder" in capsys.readouterr().err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "precious"


@pytest.mark.slow
def test_a_new_run_replaces_the_old_one_whole_and_says_so(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "one-layer", "--epochs", "1", "--out", str(out), "--no-progress"]) == 0
    assert (out / "weights.png").is_file()
    stage_dir(out).mkdir()  # a stale staging folder (a killed run nobody resumed)
    (stage_dir(out) / ".model.npz.123.tmp").write_bytes(b"junk")
    capsys.readouterr()
    assert main(["train", "two-layer", *QUICK, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "replacing the previous run" in err and "one-layer" in err
    assert not (out / "weights.png").exists()  # the other model's plot did not survive
    assert json.loads((out / "result.json").read_text())["model"] == "two-layer"
    assert {p.name for p in tmp_path.iterdir()} - {"cache"} == {"run"}  # nothing stale


@pytest.mark.slow
def test_an_interrupted_run_leaves_the_previous_run_untouched(tmp_path):
    out = tmp_path / "run"
    run_training("two-layer", {"m": 5, "cycles": 1}, out=out, progress=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    class Now:
        def __bool__(self):
            return True

    with pytest.raises(Exception, match="interrupted at epoch 1 step 1"):
        run_training("two-layer", {"m": 6, "cycles": 1}, out=out, progress=False, stop=Now())
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# ---- divergence -------------------------------------------------------------------------------
def test_an_exploding_cost_stops_naming_the_learning_rate_without_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leaked RuntimeWarning would fail the test
        with pytest.raises(NonFiniteLossError, match=r"epoch \d+, update step \d+") as e:
            fit(Tiny(lam=1.0), blobs(), epochs=100, n_batch=20, eta=1e4, progress=False)
    assert "learning rate" in str(e.value) and "data" not in str(e.value)


def test_a_cost_growing_by_orders_of_magnitude_stops_before_it_overflows():
    # lam * ||W||^2 with a huge step: finite but 1e4x the first cost within a few updates
    with pytest.raises(NonFiniteLossError, match="grew from .* training diverged"):
        fit(Tiny(lam=1.0), blobs(), epochs=50, n_batch=20, eta=3.0, progress=False)


def test_nan_in_the_settings_or_data_is_not_blamed_on_the_learning_rate(capsys):
    with pytest.raises(NonFiniteLossError, match="already in the data or the settings"):
        fit(Tiny(lam=math.nan), blobs(), epochs=2, n_batch=20, eta=0.1, progress=False)
    data = blobs()
    data.X_train[3, 1] = np.nan
    with pytest.raises(ValueError, match="training inputs hold 1 NaN"):
        fit(Tiny(), data, epochs=2, n_batch=20, eta=0.1, progress=False)
    with pytest.raises(SystemExit):
        main(["train", "one-layer", "--lambda", "nan"])
    assert "argument --lambda: expected a finite number" in capsys.readouterr().err


# ---- what a run records and reports ------------------------------------------------------------
@pytest.mark.slow
def test_result_json_records_exactly_the_settings_that_ran(tmp_path):
    res = run_training("two-layer", {"m": 5}, out=tmp_path / "r", progress=False)
    p = json.loads((tmp_path / "r" / "result.json").read_text())["params"]
    for key in ("epochs", "eta", "split", "val_size", "std"):  # did not apply
        assert key not in p, key
    assert (p["cycles"], p["n_s"], p["eta_min"], p["eta_max"]) == (3, 20, 1e-5, 0.1)
    assert res.final["n_updates"] == 2 * 20 * 3
    const = run_training("one-layer", {"epochs": 2, "split": "all"}, progress=False).params
    assert const["eta"] == 0.001 and "cycles" not in const and "n_s" not in const
    assert "split" not in const and const["std"] == 0.01


@pytest.mark.slow
def test_restore_best_reports_one_consistent_set(tmp_path):
    res = run_training("two-layer", {"m": 8, "cycles": 1, "restore_best": True},
                       out=tmp_path / "r", progress=False)
    f = res.final
    assert f["val_acc"] == res.best_val_acc  # the validation accuracy of the restored weights
    best_row = list(res.history["step"]).index(res.history.meta["best_step"])
    assert f["train_acc"] == res.history["train_acc"][best_row]
    assert f["test_acc"] == res.model.accuracy(*_test_set()) == res.test_acc


def _test_set():
    from tinygrad_dl.data import load_cifar10

    ds = load_cifar10()
    return ds.X_test, ds.y_test


@pytest.mark.slow
def test_epochs_that_end_mid_cycle_are_noted_and_whole_cycles_are_not(capsys):
    res = run_training("two-layer", {"m": 5, "epochs": 1}, progress=False)
    (note,) = res.notes
    assert "0.25 cycles" in note and "stops mid-cycle" in note and "--cycles 1" in note
    assert "stops mid-cycle" in capsys.readouterr().err  # printed, not only recorded
    assert run_training("two-layer", {"m": 5, "epochs": 4}, progress=False).notes == []


@pytest.mark.slow
def test_few_epochs_give_learning_curves_per_update(tmp_path):
    short = run_training("two-layer", {"m": 5, "cycles": 1}, progress=False)
    assert len(short.history) == 41  # 40 updates, one row per update step, plus step 0
    assert plot_learning_curves(short.history).axes[0].get_xlabel() == "update step"
    long = run_training("one-layer", {"epochs": 20, "n_batch": 500}, progress=False)
    assert len(long.history) == 21  # 20 epochs: one row per epoch
    assert plot_learning_curves(long.history).axes[0].get_xlabel() == "epoch"


@pytest.mark.slow
def test_plot_titles_name_the_model_and_its_hyperparameters():
    res = run_training("k-layer", {"hidden": [6], "cycles": 1, "n_s": 5}, progress=False)
    title = plot_title(res)
    assert title.startswith("k-layer: hidden=6") and "λ=0.005" in title
    assert "η 1e-05..0.1 cyclic (n_s=5, 1 cycle)" in title and "batch=100" in title


@pytest.mark.slow
def test_the_summary_says_what_was_used_and_what_the_numbers_mean(tmp_path, capsys):
    assert main(["train", "two-layer", *QUICK, "--epochs", "1", "--cycles", "1",
                 "--out", str(tmp_path / "r")]) == 2  # epochs and cycles: one or the other
    assert "give either --epochs or --cycles" in capsys.readouterr().err  # the flags' names
    assert main(["train", "two-layer", "--eta", "0.1", "--eta-max", "1"]) == 2
    assert "--eta (constant learning rate) or --cycles/--eta-min/--eta-max/--n-s" in (
        capsys.readouterr().err)
    assert main(["train", "one-layer", "--m", "5"]) == 2
    assert "unknown parameter(s) --m for one-layer" in capsys.readouterr().err
    assert main(["train", "two-layer", "--m", "5", "--epochs", "1", "--no-progress",
                 "--out", str(tmp_path / "r")]) == 0
    text = capsys.readouterr().out
    assert "embedded sample" in text and "200 validation" in text and "0.5%" in text
    assert "10 updates, 1 epoch in " in text  # "1 epoch", not "1 epochs"
    assert "chance = 10%" in text and f"outputs: {tmp_path / 'r'}" in text


# ---- the char-RNN's terminal and plot ----------------------------------------------------------
class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_the_first_sample_header_starts_on_its_own_line(monkeypatch):
    term = FakeTTY()
    monkeypatch.setattr(sys, "stderr", term)
    net = CharRNN(CharData(TEXT).K, m=6, rng=np.random.default_rng(0))
    fit_rnn(net, CharData(TEXT), n_updates=20, sample_every=10, sample_length=20,
            print_fn=lambda s: term.write(s + "\n"))
    shown = term.getvalue()
    i = shown.index("--- update 0,")
    assert i == 0 or shown[i - 1] in "\r\n", repr(shown[max(0, i - 40):i + 5])


def test_the_smooth_loss_plot_and_the_terminal_agree_on_the_best():
    data = CharData(TEXT)
    net = CharRNN(data.K, m=6, rng=np.random.default_rng(0))
    h = History()
    fit_rnn(net, data, n_updates=60, log_every=7, sample_every=None, progress=False,
            print_fn=None, history=h)
    every = History()
    fit_rnn(CharRNN(data.K, m=6, rng=np.random.default_rng(0)), data, n_updates=60,
            sample_every=None, progress=False, print_fn=None, history=every)
    best = h.meta["best_smooth_loss"]
    assert best == every["smooth_loss"].min()  # the best over every update, not every 100th
    assert f"best {best:.4f}" in plot_smooth_loss(h).axes[0].get_title()
