"""`tinygrad-dl train` and `tinygrad-dl synthesize` end to end, on the embedded data."""

import json

import numpy as np
import pytest

from tinygrad_dl import checkpoint
from tinygrad_dl.cli import build_parser, main
from tinygrad_dl.commands.train import params_from_args

TINY = {
    "one-layer": ["--epochs", "1"],
    "two-layer": ["--epochs", "1", "--m", "10"],
    "k-layer": ["--epochs", "1", "--hidden", "10,8", "--lambda", "0.01"],
    "char-rnn": ["--n-updates", "60", "--m", "12", "--sample-every", "30"],
}
FILES = {
    "one-layer": ["learning_curves.png", "confusion_matrix.png", "weights.png"],
    "two-layer": ["learning_curves.png", "confusion_matrix.png", "lr_schedule.png"],
    "k-layer": ["learning_curves.png", "confusion_matrix.png", "lr_schedule.png"],
    "char-rnn": ["smooth_loss.png", "samples.txt"],
}


pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: every run uses the sample


@pytest.fixture(scope="module")
def rnn_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("rnn")
    assert main(["train", "char-rnn", *TINY["char-rnn"], "--out", str(out), "--no-progress"]) == 0
    return out


@pytest.mark.slow
@pytest.mark.parametrize("model", ["one-layer", "two-layer", "k-layer"])
def test_train_classifier_writes_outputs_and_prints_test_accuracy(tmp_path, capsys, model):
    out = tmp_path / "run"
    code = main(["train", model, *TINY[model], "--seed", "3", "--out", str(out),
                 "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0
    result = json.loads((out / "result.json").read_text())
    assert f"test accuracy: {result['test_acc']:.2%}" in printed
    assert "embedded sample" in printed
    for f in ["history.json", "model.npz", *FILES[model]]:
        assert (out / f).is_file(), f
    model_obj, extra = checkpoint.load(out / "model.npz")
    assert extra["seed"] == 3 and len(extra["label_names"]) == 10
    assert result["params"]["epochs"] == 1 and result["final"]["epochs"] == 1


def test_train_char_rnn_writes_samples_and_history(rnn_run):
    for f in ["history.json", "model.npz", *FILES["char-rnn"]]:
        assert (rnn_run / f).is_file(), f
    samples = (rnn_run / "samples.txt").read_text()
    assert "update 0," in samples and "update 30," in samples and "update 60," in samples
    result = json.loads((rnn_run / "result.json").read_text())
    assert result["final"]["n_updates"] == 60
    history = json.loads((rnn_run / "history.json").read_text())
    assert result["final"]["smooth_loss"] == history["columns"]["smooth_loss"][-1]


def test_train_char_rnn_output(tmp_path, capsys):
    main(["train", "char-rnn", "--n-updates", "5", "--m", "4", "--sample-every", "5",
          "--out", str(tmp_path), "--no-progress"])
    printed = capsys.readouterr().out
    assert "--- update 0," in printed and "--- update 5," in printed
    assert "final smooth loss:" in printed and "sample:" in printed


@pytest.mark.slow
def test_default_out_dir_is_runs_model_timestamp(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "one-layer", "--epochs", "1", "--no-progress"]) == 0
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("one-layer-") and (run / "model.npz").is_file()


def test_flags_map_to_run_training_params():
    args = build_parser().parse_args(
        ["train", "k-layer", "--lambda", "0.005", "--hidden", "50,30,20", "--no-batch-norm",
         "--eta-min", "1e-5", "--n-s", "900", "--dtype", "float32", "--split", "all"])
    assert params_from_args(args) == {
        "lam": 0.005, "hidden": [50, 30, 20], "batch_norm": False, "eta_min": 1e-5,
        "n_s": 900, "dtype": "float32", "split": "all"}
    assert params_from_args(build_parser().parse_args(["train", "one-layer"])) == {}


def test_train_errors_are_one_clean_line(tmp_path, capsys):
    assert main(["train", "one-layer", "--hidden", "5", "--out", str(tmp_path / "a")]) == 2
    assert "hidden for one-layer" in capsys.readouterr().err
    missing = tmp_path / "no-such-dir"
    assert main(["train", "one-layer", "--data", str(missing), "--out", str(tmp_path)]) == 2
    assert "no-such-dir" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "one-layer", "--hidden", "a,b"])


def test_synthesize_prints_text_from_the_rnn_checkpoint(rnn_run, capsys):
    ckpt = str(rnn_run / "model.npz")
    assert main(["synthesize", ckpt, "--length", "300", "--seed", "1"]) == 0
    text = capsys.readouterr().out[:-1]  # print's newline
    _, extra = checkpoint.load(ckpt)
    assert len(text) == 301 and text[0] == extra["start_char"]
    assert set(text) <= set(extra["chars"])
    assert main(["synthesize", ckpt, "--length", "300", "--seed", "1"]) == 0
    assert capsys.readouterr().out[:-1] == text  # the seed fixes the sample
    assert main(["synthesize", ckpt, "--length", "20", "--start", "The ",
                 "--temperature", "0.5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The ") and len(out) == 4 + 20 + 1


def test_synthesize_errors(rnn_run, tmp_path, capsys):
    ckpt = str(rnn_run / "model.npz")
    assert main(["synthesize", ckpt, "--start", "\u2603"]) == 2
    assert "not in the model's vocabulary" in capsys.readouterr().err
    assert main(["synthesize", str(tmp_path / "missing.npz")]) == 2
    assert "missing.npz" in capsys.readouterr().err
    from tinygrad_dl.models import OneLayer

    clf = checkpoint.save(OneLayer(4, 2, rng=np.random.default_rng(0)), tmp_path / "clf.npz")
    assert main(["synthesize", str(clf)]) == 2
    assert "needs a char-rnn checkpoint" in capsys.readouterr().err



def test_no_jit_reaches_run_training(monkeypatch, tmp_path):
    """--no-jit runs every update eagerly (run_training(jit=False)); the default replays."""
    import tinygrad_dl.commands.train as train_cmd

    seen = []

    def fake_run_training(*a, **kw):
        seen.append(kw["jit"])
        raise ValueError("stop here")

    monkeypatch.setattr(train_cmd, "run_training", fake_run_training)
    for flag in ([], ["--no-jit"]):
        main(["train", "one-layer", "--out", str(tmp_path), "--no-progress", *flag])
    assert seen == [True, False]
