"""Leftovers of the CLI and optimizer reviews: a resume whose default CIFAR-10 folder (the cache
or $TINYGRAD_DL_DATA's) moved said "resuming ..." and loaded the embedded sample before "the data
differ"; `synthesize --length 0 --seed N` took a seed that changed nothing; an older optimizer
state's bad buffer was named by its new key ("exp_avg", where the file holds "m"); an older
RMSprop state restarted its step count without a word; `report --param x=1 --param x=2` and
`search --set k=1 --set k=2` (or a flag and --set) kept the last without a word."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_data import make_fake_cifar
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl import Tensor
from tinygrad_dl.cli import main
from tinygrad_dl.optim import SGD, Adam, RMSprop
from tinygrad_dl.train import TrainingInterrupted, run_training
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE

PARAMS = {"n_batch": 2, "epochs": 3, "split": "batch1"}


def _interrupted(out, **kw):
    try:
        run_training("one-layer", PARAMS, out=out, progress=False, print_fn=None,
                     stop=StopAfter(3), **kw)
    except TrainingInterrupted:
        pass
    assert (stage_dir(out) / STATE_FILE).is_file()


@pytest.fixture
def no_env(tmp_path, monkeypatch):
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "tinygrad_dl" / "cifar-10-batches-py"


# ---- 1. a resume whose default data folder moved: refused before "resuming" ----------------
def test_resume_refuses_a_moved_default_cache_folder_before_saying_resuming(tmp_path, no_env,
                                                                            capsys):
    make_fake_cifar(no_env)
    out = tmp_path / "run"
    _interrupted(out)
    no_env.rename(tmp_path / "moved")
    assert main(["train", "one-layer", "--resume", str(out), "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == ""  # (was: "resuming one-layer -> run", the sample loaded, "data differ")
    assert r.err.count("\n") == 1
    assert "the CIFAR-10 folder it trained on without --data" in r.err
    assert f"{no_env}, is no longer there" in r.err and "--data DIR" in r.err
    # named where it is now: resumed, end to end
    assert main(["train", "one-layer", "--resume", str(out), "--data", str(tmp_path / "moved"),
                 "--no-progress"]) == 0
    assert "resumed at update" in capsys.readouterr().out


def test_resume_refuses_when_the_default_now_points_elsewhere(tmp_path, no_env, monkeypatch,
                                                               capsys):
    make_fake_cifar(tmp_path / "envdata")
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(tmp_path / "envdata"))
    out = tmp_path / "run"
    _interrupted(out)
    monkeypatch.delenv("TINYGRAD_DL_DATA")  # (a new shell: the embedded sample is the default)
    assert main(["train", "one-layer", "--resume", str(out), "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == "" and r.err.count("\n") == 1
    assert "is no longer the default (that is the embedded sample now)" in r.err
    # the other way: trained on the sample, a $TINYGRAD_DL_DATA set since
    out2 = tmp_path / "run2"
    _interrupted(out2)
    monkeypatch.setenv("TINYGRAD_DL_DATA", str(tmp_path / "envdata"))
    assert main(["train", "one-layer", "--resume", str(out2), "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == "" and r.err.count("\n") == 1
    assert "it trained on the embedded CIFAR-10 sample" in r.err


def test_resume_on_an_unmoved_default_folder_still_resumes(tmp_path, no_env, capsys):
    make_fake_cifar(no_env)
    out = tmp_path / "run"
    _interrupted(out)
    assert main(["train", "one-layer", "--resume", str(out), "--no-progress"]) == 0
    assert "resumed at update" in capsys.readouterr().out


# ---- 2. synthesize --length 0: a seed that draws nothing ------------------------------------
def test_synthesize_refuses_a_seed_with_length_zero(tmp_path, capsys):
    argv = ["synthesize", str(tmp_path / "model.npz"), "--length", "0", "--seed", "3"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--seed 3 has no effect with --length 0" in err
    assert main(argv[:4]) == 2  # --length 0 alone is valid: only the missing file is refused
    assert "--seed" not in capsys.readouterr().err


# ---- 3. an older RMSprop state: the same updates, and its missing step count said -----------
OLD = {"square_avg": "v", "grad_avg": "gbar", "momentum_buffer": "b",
       "exp_avg": "m", "exp_avg_sq": "v", "step": "t", "max_exp_avg_sq": "v_max"}


def _steps(cls, kw, old_keys=None, n=4, total=8):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4))
    gs = [rng.standard_normal((3, 4)) for _ in range(total)]
    w = Tensor(w0.copy(), requires_grad=True)
    opt = cls([w], lr=0.01, **kw)
    for i, g in enumerate(gs):
        if i == n and old_keys is not None:
            sd = opt.state_dict()
            sd["state"] = [{old_keys.get(k, k): v for k, v in s.items()
                            if not (cls is RMSprop and k == "step")} for s in sd["state"]]
            w = Tensor(w.data.copy(), requires_grad=True)
            opt = cls([w], lr=0.01, **kw)
            opt.load_state_dict(sd)
        w.grad = g.copy()
        opt.step()
    return w.data, opt.state_dict()["state"][0]


@pytest.mark.parametrize("cls, kw", [
    (RMSprop, {}), (RMSprop, {"centered": True, "momentum": 0.9, "weight_decay": 0.1}),
    (Adam, {"amsgrad": True}), (SGD, {"momentum": 0.9, "nesterov": True}),
])
def test_an_older_state_steps_as_an_uninterrupted_run(cls, kw):
    a, sa = _steps(cls, kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        b, sb = _steps(cls, kw, OLD if cls is not SGD else {"momentum_buffer": "v"})
    assert np.array_equal(a, b)  # bit for bit
    said = [str(w.message) for w in caught]
    if cls is RMSprop:  # the count cannot be known: said (was: 4 where 8, without a word)
        assert len(said) == 1 and "counts from this load" in said[0]
    else:
        assert said == [] and sa.get("step") == sb.get("step")


# ---- 4. an older key's bad buffer: named as the file has it ---------------------------------
@pytest.mark.parametrize("cls, state, shown", [
    (Adam, {"m": np.zeros((2, 2)), "v": np.zeros((3, 4)), "t": 3}, "'m' (now 'exp_avg')"),
    (Adam, {"m": np.zeros((3, 4)), "v": np.zeros((3, 4)), "t": -1}, "'t' (now 'step')"),
    (SGD, {"v": np.zeros(4)}, "'v' (now 'momentum_buffer')"),
    (RMSprop, {"v": np.zeros((3, 4), dtype=np.int64)}, "'v' (now 'square_avg')"),
    (Adam, {"exp_avg": np.zeros(2), "exp_avg_sq": np.zeros((3, 4)), "step": 1}, "'exp_avg' "),
])
def test_an_older_keys_bad_buffer_is_named_as_saved(cls, state, shown):
    opt = cls([Tensor(np.zeros((3, 4)), requires_grad=True)], lr=0.1)
    sd = opt.state_dict()
    sd["state"] = [state]
    with pytest.raises(ValueError) as e:
        opt.load_state_dict(sd)
    assert "parameter 0's " in str(e.value) and shown in str(e.value)


# ---- 5. the same --param / --set twice ------------------------------------------------------
def test_report_refuses_a_param_given_twice(tmp_path, monkeypatch, capsys, report_calls):
    monkeypatch.chdir(tmp_path)
    assert main(["report", "a1", "--param", "seed=1", "--param", "seed=2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--param seed given more than once (seed=1, seed=2)" in err
    assert report_calls == []  # (was: run with seed=2, seed=1 dropped without a word)


@pytest.mark.parametrize("extra, said", [
    (["--set", "n_batch=2", "--set", "n_batch=3"], "--set n_batch and --set n_batch both set"),
    (["--n-batch", "2", "--set", "n_batch=3"], "--n-batch and --set n_batch both set n_batch"),
])
def test_search_refuses_one_setting_given_twice(tmp_path, monkeypatch, capsys, extra, said):
    monkeypatch.chdir(tmp_path)
    assert main(["search", "one-layer", "--param", "eta=log:1e-3:1e-1", *extra]) == 2
    r = capsys.readouterr()
    assert r.err.count("\n") == 1 and said in r.err and not list(tmp_path.iterdir())
