"""Issue 20, items 2-3: training states and checkpoints are read as hostile by the one container
reader (tinygrad_dl.container). Every forged file below gave a traceback (MemoryError, KeyError,
TypeError, "Unable to allocate 76.7 GiB") or a message without the file's name before; each is
now one line naming the file, refused before anything is allocated from it."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy

from tinygrad_dl import checkpoint, container
from tinygrad_dl.cli import main
from tinygrad_dl.models import CharRNN, OneLayer
from tinygrad_dl.train import TrainingInterrupted, load_train_state, run_training
from tinygrad_dl.train.outputs import stage_dir
from tinygrad_dl.train.state import STATE_FILE


@pytest.fixture(autouse=True)
def embedded_data_only(monkeypatch, tmp_path):
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def interrupted(tmp_path: Path) -> Path:
    """The --out of a two-layer run stopped after its first update (its state is saved)."""
    out = tmp_path / "run"
    with pytest.raises(TrainingInterrupted):
        run_training("two-layer", {"m": 6, "epochs": 1}, out=out, stop=True, progress=False,
                     print_fn=None)
    assert (stage_dir(out) / STATE_FILE).is_file()
    return out


def refused_peak(fn, *args, exc: type[BaseException] = ValueError) -> tuple[int, BaseException]:
    """fn(*args), which must raise `exc`, under tracemalloc: (its peak allocation, the error).
    (Shared with test_checkpoint_review: hostile files are refused before they allocate.)"""
    tracemalloc.start()
    try:
        with pytest.raises(exc) as e:
            fn(*args)
        return tracemalloc.get_traced_memory()[1], e.value
    finally:
        tracemalloc.stop()


def _members(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _edit_meta(path: Path, edit) -> None:
    arrays = _members(path)
    meta = json.loads(str(arrays.pop("__meta__")))
    new = edit(meta)
    text = new if isinstance(new, str) else json.dumps(meta)
    np.savez(path, __meta__=np.array(text), **arrays)


def _resume_fails(out: Path, capsys, *words: str) -> str:
    """`tinygrad-dl train two-layer --resume OUT`: exit 2 with one line naming the state."""
    tracemalloc.start()
    try:
        rc = main(["train", "two-layer", "--resume", str(out), "--no-progress"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert str(stage_dir(out) / STATE_FILE) in err, err
    for w in words:
        assert w in err, err
    assert peak < 64 << 20, f"{peak} bytes allocated while refusing the state"
    return err


# ---- item 2: train_state.npz -----------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("edit, words", [
    # m: 10**8 -> "Unable to allocate 76.7 GiB" traceback before
    (lambda m: m["run"]["params"].update(m=10**8), "config m=100000000 does not match"),
    (lambda m: m.pop("optim"), "meta has no 'optim'"),  # KeyError traceback before
    (lambda m: m.update(run=[1, 2]), "meta.run must be an object"),  # TypeError traceback
    (lambda m: "[" * 10**5 + "]" * 10**5, "nested deeper than"),  # no file name before
    (lambda m: m["run"]["params"].update(n_batch=-5), "out of range"),
    (lambda m: m["run"]["params"].update(bogus=1), "unknown setting 'bogus'"),
    (lambda m: m["loop"].update(rng={"bit_generator": "PCG64", "state": 5}), "generator"),
    (lambda m: m["loop"].update(step="7"), "meta.loop.step must be int"),
    (lambda m: m.update(version=7), "version 7"),
])
def test_forged_training_state_is_one_line(interrupted: Path, capsys, edit, words) -> None:
    _edit_meta(stage_dir(interrupted) / STATE_FILE, edit)
    _resume_fails(interrupted, capsys, words)


@pytest.mark.slow
def test_training_state_deflate_bomb_is_refused_before_inflating(interrupted: Path,
                                                                   capsys) -> None:
    """A 300 KB state whose member inflates to 256 MiB (the issue's: 3 MB -> 3 GiB)."""
    path = stage_dir(interrupted) / STATE_FILE
    arrays = _members(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for k, a in arrays.items():
            if k == "model/layers.0.W":
                continue
            with z.open(k + ".npy", "w") as f:
                npy.write_array(f, a)
        with z.open("model/layers.0.W.npy", "w", force_zip64=True) as f:
            npy.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False,
                                           "shape": (32 << 20,)})
            for _ in range(256):
                f.write(bytes(1 << 20))
    assert path.stat().st_size < 1 << 20
    _resume_fails(interrupted, capsys, "deflate bomb")


@pytest.mark.slow
def test_training_state_that_does_not_fit_the_model(interrupted: Path, capsys) -> None:
    path = stage_dir(interrupted) / STATE_FILE
    arrays = _members(path)
    arrays["loop/order"] = np.full(5, 10**6)  # an order of the wrong length, out of range
    np.savez(path, **arrays)
    _resume_fails(interrupted, capsys, "permutation")


def test_training_state_checks_do_not_refuse_a_real_one(interrupted: Path) -> None:
    st = load_train_state(stage_dir(interrupted) / STATE_FILE)
    assert st["run"]["params"] == {"m": 6, "epochs": 1} and st["loop"]["step"] == 1


# ---- item 3: checkpoints ---------------------------------------------------------------------
def test_huge_metadata_is_refused_by_its_size(tmp_path: Path) -> None:
    """The issue's 2 GB `[[[...` __meta__ (MemoryError, 4.9 GB RSS, 73 s before): refused from
    the member's size in the zip directory, before a byte of it is read (here 8 MB)."""
    p = tmp_path / "meta.npz"
    np.savez(p, __meta__=np.array("[" * (2 << 20)), **{"state/W": np.zeros(2)})
    peak, err = refused_peak(checkpoint.load, p)
    assert str(p) in str(err) and "byte limit" in str(err) and "\n" not in str(err)
    assert peak < 1 << 20


def test_deep_metadata_is_refused_with_the_file_name(tmp_path: Path) -> None:
    p = tmp_path / "deep.npz"
    np.savez(p, __meta__=np.array("[" * 100_000 + "]" * 100_000))
    with pytest.raises(ValueError, match=r"deep\.npz: refused: .*nested deeper than 32"):
        checkpoint.load(p)


def _char_rnn(tmp_path: Path, **extra) -> Path:
    net = CharRNN(3, m=4, rng=np.random.default_rng(0))
    return checkpoint.save_model(net, tmp_path / "rnn.npz", **extra)


@pytest.mark.parametrize("make, words", [
    # AttributeError: 'str' object has no attribute 'loop' before
    (lambda d: checkpoint.save({"a": np.ones(2), "b": np.ones(2)}, d / "sd.npz"),
     "holds a state dict"),
    # "not enough values to unpack" before
    (lambda d: checkpoint.save({"a": np.ones(2)}, d / "sd.npz"), "holds a state dict"),
    (lambda d: checkpoint.save_model(OneLayer(4, 3, rng=np.random.default_rng(0)),
                                     d / "m.npz"), "holds a one-layer model"),
    # TypeError traceback before
    (lambda d: _char_rnn(d, chars=["a", "b", "c"], start_char=5), "start_char 5"),
    # "--start must be at least one character" although no --start was given, before
    (lambda d: _char_rnn(d, chars=[1, 2, 3]), "vocabulary of 3 distinct characters"),
    (lambda d: _char_rnn(d, chars=["a", "a", "b"]), "vocabulary of 3 distinct characters"),
])
def test_synthesize_on_a_wrong_checkpoint_is_one_line(tmp_path: Path, capsys, make,
                                                      words) -> None:
    p = make(tmp_path)
    assert main(["synthesize", str(p), "--length", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(p) in err and words in err, err


def test_synthesize_still_works(tmp_path: Path, capsys) -> None:
    p = _char_rnn(tmp_path, chars=["a", "b", "c"], start_char="b")
    assert main(["synthesize", str(p), "--length", "5", "--seed", "1"]) == 0
    out = capsys.readouterr().out.strip()
    assert len(out) == 6 and out[0] == "b" and set(out) <= set("abc")


def test_container_round_trip_and_schema(tmp_path: Path) -> None:
    """The small public API other file kinds build on."""
    p = container.save(tmp_path / "c.npz", {"w/a": np.arange(3.0)}, {"note": "x", "n": 2},
                       format="demo", kind="thing")
    meta, arrays = container.read(p, format="demo", schemas={"thing": {
        "format": str, "kind": str, "note": str, "n": int}})
    assert meta["note"] == "x" and arrays["w/a"].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match=r"c\.npz: refused: meta.n must be str, got int 2"):
        container.read(p, format="demo", schemas={"thing": {"*": str}})
    with pytest.raises(ValueError, match=r"c\.npz: refused: meta 'kind' must be one of"):
        container.read(p, format="demo", schemas={"other": {}})
    with pytest.raises(ValueError, match=r"c\.npz: not a tinygrad_dl file \(format='demo'\)"):
        container.read(p, format="else", schemas={"thing": {"*": object}}, what="file")
