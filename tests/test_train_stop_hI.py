"""A stopped `train` run loses nothing: real CLI runs, real signals to the process group, real
file-system trouble. (The bit-exact resume after a stop at any update, during a checkpoint's
write and with a second Ctrl-C was also fuzzed by hand with random signal times for the four
models; these tests keep the cases that found a problem, and one of each kind of stop.)"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from test_train_resume import StopAfter

from tinygrad_dl import checkpoint
from tinygrad_dl.cli import main
from tinygrad_dl.train import TrainingInterrupted, load_train_state, run_training
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE

pytestmark = pytest.mark.usefixtures("embedded_data_only")  # conftest: the embedded sample only


def _env(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("TINYGRAD_DL_DATA", None)
    return env


def _cli(*args):
    return [sys.executable, "-m", "tinygrad_dl.cli", "train", *args, "--no-progress"]


def _start(cmd, env):
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)


def _wait_for(path, proc):
    deadline = time.monotonic() + 300
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.005)


def _lines(err):
    return [ln for ln in err.strip().splitlines() if ln and not ln.startswith("note:")]


# flags -> the folder of an uninterrupted run with them, made once for the module (in a fresh
# process, as the stopped one) and only read after: two tests here share each run's flags
_WHOLE = {}


def _whole(flags, tmp_path, env):
    if tuple(flags) not in _WHOLE or not _WHOLE[tuple(flags)].exists():
        whole = tmp_path / "whole"
        done = subprocess.run(_cli(*flags, "--out", str(whole)), capture_output=True,
                              text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        _WHOLE[tuple(flags)] = whole
    return _WHOLE[tuple(flags)]


def _same_outputs(a, b):
    assert (a / "history.json").read_text() == (b / "history.json").read_text()
    (_, x), (_, y) = checkpoint.read(a / "model.npz"), checkpoint.read(b / "model.npz")
    assert x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)  # bit for bit
    ra, rb = (json.loads((d / "result.json").read_text()) for d in (a, b))
    for r in (ra, rb):
        r.pop("seconds", None)
        r.pop("resumed_from", None)
    assert ra == rb


# ---- numbers a training state could not hold -------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("model,kw", [
    ("one-layer", {"seed": 2**62 + 1}),  # --seed takes up to 2**63 - 1
    ("one-layer", {"checkpoint_every": 2**62}),
    ("char-rnn", {"params": {"m": 5, "n_updates": 2**62 + 1}}),  # "until I stop it"
])
def test_a_run_that_saved_a_state_can_resume_it(tmp_path, model, kw):
    """Before: these runs trained and saved their state, and every resume was refused ("a step,
    epoch, position or seed out of range", "checkpoint_every must be >= 1"): all lost."""
    kw = {"params": {"epochs": 2}, **kw}
    out = tmp_path / "r"
    with pytest.raises(TrainingInterrupted):
        run_training(model, out=out, progress=False, print_fn=None, stop=StopAfter(3), **kw)
    with pytest.raises(TrainingInterrupted) as info:
        run_training(model, resume=out, progress=False, print_fn=None, stop=StopAfter(1))
    assert info.value.step == 4


@pytest.mark.parametrize("flags,named", [
    (["one-layer", "--epochs", "1", "--checkpoint-every", str(2**63)],
     "--checkpoint-every 9223372036854775808"),
])
def test_a_number_no_state_holds_is_refused_before_the_run(tmp_path, capsys, flags, named):
    """Refused in one line before "training ..." and before anything is written (it trained,
    then no resume could read its state; `--n-updates 2**64`, "until I stop it", likewise)."""
    out = tmp_path / "r"
    assert main(["train", *flags, "--out", str(out), "--no-progress"]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and _lines(cap.err) == [
        f"tinygrad-dl train: error: {named} is outside what the resumable state of a "
        f"{flags[0]} run holds ({1 if 'every' in named else 0} to 2**63 - 1); give a value in "
        "that range"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".r", "r"))]


@pytest.mark.parametrize("every", [0, -1])
def test_run_training_refuses_a_checkpoint_every_below_1_before_writing(tmp_path, every):
    """Before: 0 trained and saved a state that every resume refused ("checkpoint_every must
    be >= 1"); -1 was refused by the loop, after the output folder was set up."""
    with pytest.raises(ValueError, match=rf"^run_training: checkpoint_every={every} is outside "
                       r"what the resumable state of a one-layer run holds \(1 to 2\*\*63 - 1\)"):
        run_training("one-layer", {"epochs": 1}, out=tmp_path / "r", progress=False,
                     checkpoint_every=every)
    assert not (tmp_path / "r").exists() and not stage_dir(tmp_path / "r").exists()


# ---- things in the way, folders made read-only -----------------------------------------------
def test_a_folder_in_the_way_of_the_lock_file_is_named(tmp_path, capsys):
    """Before: "--out R: cannot write there (Is a directory)", of an R that did not exist."""
    out = tmp_path / "r"
    (tmp_path / ".r.lock").mkdir()
    assert main(["train", "one-layer", "--out", str(out), "--no-progress"]) == 2
    err = _lines(capsys.readouterr().err)
    assert err == [f"tinygrad-dl train: error: --out {out}: cannot write {tmp_path / '.r.lock'} "
                   "(Is a directory)"]
    assert not out.exists() and not stage_dir(out).exists()


def _immutable(path, on):
    """chattr +i / -i: a folder even root cannot write into (chmod does not stop root)."""
    r = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True)
    return r.returncode == 0


@pytest.mark.slow
def test_output_folder_read_only_mid_run_keeps_what_was_done(tmp_path):
    """The folder holding --out made read-only while the run trains: the run finished and wrote
    its outputs into its staging folder, then could not move them into place. Before: "cannot
    write .r.lock ...; nothing was saved yet: once it is fixed, run the same command again" (the
    lock file's unlink hid the real error, and the advice trained the whole run again)."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr")
    parent = tmp_path / "runs"
    parent.mkdir()
    if not _immutable(parent, True) or not _immutable(parent, False):
        pytest.skip("chattr +i is not allowed here (needs root on ext4/xfs/btrfs)")
    env, out = _env(tmp_path), parent / "r"
    flags = ["two-layer", "--m", "10", "--cycles", "3", "--checkpoint-every", "1"]
    proc = _start(_cli(*flags, "--out", str(out)), env)
    try:
        _wait_for(stage_dir(out) / STATE_FILE, proc)
        assert _immutable(parent, True)
        _, err = proc.communicate(timeout=300)
    finally:
        _immutable(parent, False)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err
    lines = _lines(err)
    assert len(lines) == 1 and "Traceback" not in err, err
    assert ".lock" not in lines[0] and "run the same command again" not in lines[0], err
    assert lines[0].endswith(f"the run finished and its outputs are kept in {stage_dir(out)}: "
                             "once it is fixed, put them in place with: tinygrad-dl train "
                             f"two-layer --resume {out}"), err
    done = subprocess.run(_cli("two-layer", "--resume", str(out)), capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0 and "nothing to resume" in done.stderr, done.stderr
    _same_outputs(out, _whole(flags, tmp_path, env))


@pytest.mark.slow
def test_staging_folder_read_only_mid_run_keeps_the_last_state(tmp_path):
    """A checkpoint that cannot be written: one line, the previous state kept and resumable to
    exactly the uninterrupted run's end."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr")
    env, out = _env(tmp_path), tmp_path / "r"
    flags = ["two-layer", "--m", "10", "--cycles", "3", "--checkpoint-every", "1"]
    proc = _start(_cli(*flags, "--out", str(out)), env)
    stage = stage_dir(out)
    try:
        _wait_for(stage / STATE_FILE, proc)
        if not _immutable(stage, True):
            pytest.skip("chattr +i is not allowed here")
        _, err = proc.communicate(timeout=300)
    finally:
        _immutable(stage, False)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err
    lines = _lines(err)
    assert len(lines) == 1 and f"cannot write {stage / STATE_FILE}" in lines[0], err
    assert lines[0].endswith(f"what was saved is kept: once it is fixed, resume with: "
                             f"tinygrad-dl train two-layer --resume {out}"), err
    load_train_state(stage / STATE_FILE)  # the last whole one
    done = subprocess.run(_cli("two-layer", "--resume", str(out)), capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    _same_outputs(out, _whole(flags, tmp_path, env))


# ---- real signals -----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("sig,twice", [(signal.SIGINT, True), (signal.SIGTERM, False)])
def test_a_stop_in_the_first_step_resumes_bit_exact(tmp_path, sig, twice):
    """k-layer with batch norm and dropout (its mask generator's state is in the save), every
    update a checkpoint: the signal lands while the data load and the first update run, a
    second Ctrl-C while the state is written; one line, then the resumed run ends exactly as an
    uninterrupted one."""
    env, out = _env(tmp_path), tmp_path / "cut"
    flags = ["k-layer", "--hidden", "12,8", "--dropout", "0.3", "--n-s", "5", "--cycles", "1",
             "--restore-best", "--eval-every", "3", "--checkpoint-every", "1"]
    proc = _start(_cli(*flags, "--out", str(out)), env)
    try:
        _wait_for(stage_dir(out) / ".seen.json", proc)  # (its signal handlers are set)
        os.killpg(proc.pid, sig)
        if twice:
            os.killpg(proc.pid, sig)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + sig, err
    word = "interrupted" if sig == signal.SIGINT else "terminated"
    assert _lines(err) == [f"{word} at epoch 1 step 1; resume with: tinygrad-dl train k-layer "
                           f"--resume {out}"], err
    done = subprocess.run(_cli("k-layer", "--resume", str(out)), capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    _same_outputs(out, _whole(flags, tmp_path, env))
