"""Second review of the bench review: the recording's garbage is not a replay's memory, the
char-RNN's PyTorch reference starts from our weights whatever the seed, the settings checks
refuse only what the run would time, a kept result.json's settings compare as values, and
benchmarks/replay_ab.py runs without an importable tinygrad_dl. No timings are asserted."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.bench import memory, suite, workloads
from tinygrad_dl.bench.workloads import quick_config

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parent.parent
MiB = 2**20


# ---- memory: what the recording keeps, not what it left for the cycle collector -------------
def test_traced_does_not_count_the_setups_uncollected_garbage():
    # the recording's eager graph is cyclic garbage when the replays start: it was counted as
    # kept (the quick sizes' replayed peaks about doubled: one-layer float64 0.12 -> 0.06 MiB)
    kept = []

    def record() -> None:
        kept.append(np.ones(4 * MiB // 8))
        cycle = [np.ones(8 * MiB // 8)]
        cycle.append(cycle)  # garbage only gc.collect frees

    def temp() -> None:
        a = np.ones(10 * MiB // 8)
        del a

    was = gc.isenabled()
    gc.disable()  # (no automatic collection in between: the 8 MiB waits for one)
    try:
        assert memory._traced(temp, setup=record) / MiB == pytest.approx(14, abs=0.5)
    finally:
        if was:
            gc.enable()


# ---- the char-RNN's PyTorch reference: our network for any seed --------------------------------
def test_the_char_rnn_torch_reference_starts_from_our_weights_with_any_seed(monkeypatch):
    made = []
    real = suite.char_rnn_step

    def spy(*args, **kwargs):
        step = real(*args, **kwargs)
        made.append((kwargs["fused"], [p.detach().numpy().copy() for p in step.params]))
        return step

    monkeypatch.setattr(suite, "char_rnn_step", spy)
    monkeypatch.setattr(suite, "median_times", lambda fns, repeats: {k: 1.0 for k in fns})
    cfg = quick_config(seed=3)
    suite.char_rnn_rows(cfg, "float64", torch)
    assert [f for f, _ in made] == [False, True]
    ours = workloads.char_rnn(cfg, "float64")  # (torch's lists: V, c, then U, W, b or U^T, W^T)
    for fused, (V, _, U, W, _) in made:
        np.testing.assert_array_equal(V, ours.V.data)
        np.testing.assert_array_equal(U.T if fused else U, ours.U.data)
        np.testing.assert_array_equal(W.T if fused else W, ours.W.data)


# ---- settings: refuse what the run would time, accept NumPy integers ---------------------------
@pytest.fixture
def checked_only(monkeypatch):
    """suite.run with its settings checked and nothing timed: it returns "ran"."""
    monkeypatch.setattr(suite, "_run", lambda cfg, torch_mod, log: "ran")
    return lambda **kw: suite.run(quick_config(torch=False, **kw))


def test_a_batch_larger_than_an_epoch_the_run_does_not_time_is_accepted(checked_only):
    # --only tiny-op runs no ConvNet epoch: conv_n=100 < batch=200 refused a valid run
    assert checked_only(only=("tiny-op",), batch=200) == "ran"
    assert checked_only(only=("classifiers", "char-rnn"), batch=200) == "ran"
    with pytest.raises(ValueError, match="conv_n=100 is less than one batch of 200"):
        checked_only(batch=200)
    with pytest.raises(ValueError, match="n=200 is less than one batch of 300"):
        checked_only(only=("memory",), batch=300)


def test_numpy_integer_sizes_are_accepted(checked_only):
    assert checked_only(only=("tiny-op",), op_iters=np.int64(50), n=np.int64(200)) == "ran"
    with pytest.raises(ValueError, match="op_iters must be an integer >= 1"):
        checked_only(op_iters=np.int64(0))


# ---- benchmarks/results.py: the kept settings compared as values -------------------------------
def _kept(run, seed, **params):
    return {"model": run.argv[0], "seed": seed, "params": params}


def test_results_compares_kept_settings_as_values(results_py):
    run = next(r for r in results_py.RUNS if r.name == "k-layer-bn")
    same = dict(lam=float(np.float32(0.06)), split="all", val_size=500.0, hidden=[50, 50],
                batch_norm=True, eta_min=1.0000000001e-05, eta_max=0.1, n_batch=100, cycles=2)
    # a float written back through float32 or with another rounding is the command's value
    assert results_py.stale(run, 0, _kept(run, 0, **same)) is None
    assert "lam=0.005, not 0.06" in results_py.stale(run, 0, _kept(run, 0, **{**same,
                                                                              "lam": 0.005}))
    assert "hidden=[50, 30], not [50, 50]" in results_py.stale(
        run, 0, _kept(run, 0, **{**same, "hidden": [50, 30]}))
    assert "batch_norm=False" in results_py.stale(run, 0, _kept(run, 0, **{**same,
                                                                           "batch_norm": False}))


def test_results_says_a_kept_result_does_not_record_a_setting(results_py, tmp_path):
    # an older result.json without the key: it read "lam=None, not 0.06"
    run = next(r for r in results_py.RUNS if r.name == "k-layer-bn")
    kept = _kept(run, 0, split="all", val_size=500, hidden=[50, 50], batch_norm=True,
                 eta_min=1e-05, eta_max=0.1, n_batch=100, cycles=2)
    assert results_py.stale(run, 0, kept) == "no lam recorded, not lam=0.06 as the command says"
    del kept["params"]
    assert results_py.stale(run, 0, kept).startswith("no ")
    dest = tmp_path / run.name / "seed-0"
    dest.mkdir(parents=True)
    (dest / "result.json").write_text(json.dumps(kept))
    with pytest.raises(SystemExit, match="pass --force"):
        results_py.train(run, 0, tmp_path, tmp_path, False)


# ---- benchmarks/replay_ab.py: a script of its own ----------------------------------------------
def test_replay_ab_checks_its_flags_without_an_importable_tinygrad_dl():
    # it loads only its copies of the trees (tg_a, tg_b); importing tinygrad_dl for a flag
    # type failed at once where the package is not installed
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'tinygrad_dl':\n"
            "            raise ImportError('no tinygrad_dl here')\n"
            "sys.meta_path.insert(0, Block())\n"
            f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
            "import replay_ab\n"
            "replay_ab.main(['--repeats', '0'])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, done.stderr
    assert "argument --repeats: must be >= 1, got 0" in done.stderr
