"""Second look at the CLI leftovers' fourth pass: its import hook (a finder on sys.meta_path for
`tinygrad_dl.cuda.amp` and the like) changed `importlib.util.find_spec("tinygrad_dl.cuda")` from
None to a raised ModuleNotFoundError and, after a purge and re-import, kept the old package alive
in the process's meta_path; it is removed (Python's own error, documented). And a resumed run
whose CIFAR-10 folder is still there but lost a batch was said to be "no longer there"."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from test_data import make_fake_cifar
from test_train_resume import StopAfter  # the one stop-after-n-polls helper

from tinygrad_dl.cli import main
from tinygrad_dl.train import TrainingInterrupted, run_training
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE

ROOT = Path(__file__).resolve().parents[1]


def test_find_spec_of_a_torch_module_name_is_none_as_for_any_missing_submodule():
    for name in ("tinygrad_dl.cuda", "tinygrad_dl.amp", "tinygrad_dl.cpu", "tinygrad_dl.backends"):
        assert importlib.util.find_spec(name) is None, name  # (was: ModuleNotFoundError raised)


def test_importing_tinygrad_dl_leaves_the_import_system_as_it_was():
    code = ("import sys; before = list(sys.meta_path); import tinygrad_dl; "
            "assert sys.meta_path == before, sys.meta_path[len(before):]; "
            "from tinygrad_dl import backends; cudnn = backends.cudnn\n"
            "try:\n    from tinygrad_dl.cuda.amp import GradScaler\n"
            "except ModuleNotFoundError as e:\n    assert e.name == 'tinygrad_dl.cuda', e.name; "
            "print(e)\n")
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr  # (was: a _NotAModule finder appended to sys.meta_path)
    assert r.stdout == "No module named 'tinygrad_dl.cuda'\n"


def test_resume_names_the_batch_a_cifar_folder_still_there_lost(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    make_fake_cifar(tmp_path / "cifar")
    out = tmp_path / "run"
    try:
        run_training("one-layer", {"n_batch": 2, "epochs": 3, "split": "batch1"}, out=out,
                     progress=False, print_fn=None, stop=StopAfter(3), data=str(tmp_path / "cifar"))
    except TrainingInterrupted:
        pass
    assert (stage_dir(out) / STATE_FILE).is_file()
    (tmp_path / "cifar" / "data_batch_2").unlink()
    assert main(["train", "one-layer", "--resume", str(out), "--no-progress"]) == 2
    r = capsys.readouterr()
    assert r.out == "" and r.err.count("\n") == 1
    assert (f"--resume {out}: the CIFAR-10 folder it trained on, {tmp_path / 'cifar'}, no longer "
            "holds data_batch_2; put it back") in r.err  # (was: "is no longer there (moved or
    assert "no longer there" not in r.err  # deleted?)", of a folder that is there)
