"""Smoke tests of the benchmark at tiny sizes: it runs, its table is complete and its ratios
are the ratios of its own columns. No timing is asserted."""

from __future__ import annotations

import gc
import importlib.util
import math
import statistics
import sys

import numpy as np
import pytest

from tinygrad_dl import Tensor, bench, cli
from tinygrad_dl.bench import blas_info, workloads

HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(scope="module", autouse=True)
def _small_heap_for_gc():
    """The bench calls gc.collect() before every timing; inside the full test run the heap
    holds everything earlier tests left, and each collect took ~0.2 s (19 s for one table).
    Frozen objects are skipped by the collector: only what the bench makes is scanned. (Not
    unfrozen after: that would hand the collector back what conftest.py froze.)"""
    gc.collect()
    gc.freeze()
TINY = dict(n=40, d=12, batch=20, m=4, hidden3=(4, 4), hidden9=(4, 3, 3, 3, 3, 3, 3, 3),
            rnn_m=4, vocab=5, seq=3, rnn_updates=2, op_iters=5, chains=(50, 200),
            mem_steps=(2, 4), conv_n=40, conv_image=(3, 4, 4), conv_channels=(2, 2), repeats=1)


@pytest.fixture(scope="module")
def result() -> bench.Result:
    return bench.run(bench.quick_config(**TINY, torch=False))


@pytest.mark.slow
def test_every_benchmark_has_a_row(result):
    names = " | ".join(r.name for r in result.rows)
    for part in ["one-layer", "two-layer", "k-layer [4, 4] BN", "k-layer 9 layers", "graph",
                 "fused rnn op", "tiny op", "peak memory", "memory growth", "chain of 50 ops",
                 "chain of 200 ops", "ConvNet [2, 2] on 3x4x4", "ConvNet [2, 2] on 3x4x4 replayed",
                 "two-layer (m=4) GEMM floor", "peak memory, k-layer 9 layers BN epoch replayed",
                 "peak memory, char-RNN (m=4, T=3) graph replayed (jit)",
                 "char-RNN (m=4, T=3) plain hand BPTT loop",
                 "char-RNN (m=4, T=3) graph replayed (jit) vs plain loop"]:
        assert part in names, part
    assert {r.dtype for r in result.rows} == {"float64", "float32"}
    for dtype in ("float64", "float32"):  # peak memory of the replayed steps in each dtype
        mem = [r for r in result.rows if r.dtype == dtype and r.name.startswith("peak memory")
               and r.name.endswith("replayed (jit)")]
        assert len(mem) == 5 and all(r.ours > 0 and r.hand > 0 for r in mem)


@pytest.mark.slow
def test_every_classifier_row_reads_as_a_multiple_of_its_floor(result):
    rows = {(r.name, r.dtype): r for r in result.rows}
    for name, _, _, _ in workloads.classifiers(bench.quick_config(**TINY)):
        for dtype in ("float64", "float32"):
            floor = rows[(f"{name} GEMM floor", dtype)]
            assert floor.vs_floor == 1.0 and floor.floor > 0
            assert floor.vs_hand == pytest.approx(floor.ours / floor.hand)
            for kind in (name, f"{name} replayed (jit)"):
                row = rows[(kind, dtype)]
                assert row.floor == floor.ours
                assert row.vs_floor == pytest.approx(row.ours / floor.ours)


@pytest.mark.slow
def test_ratios_are_time_ratios_of_the_columns(result):
    epoch = next(r for r in result.rows if r.name == "one-layer")
    assert epoch.vs_hand == pytest.approx(epoch.ours / epoch.hand)
    rnn = next(r for r in result.rows if r.unit == "updates/s")
    assert rnn.vs_hand == pytest.approx(rnn.hand / rnn.ours)  # throughput: inverted
    assert all(r.torch is None and r.vs_torch is None for r in result.rows)
    assert all(r.target_text() == "" for r in result.rows)  # no targets at tiny sizes
    for r in result.rows:
        if r.unit in ("s/epoch", "updates/s", "µs", "µs/op"):
            assert r.ours > 0 and math.isfinite(r.ours)


def test_targets_are_judged_on_the_ratio():
    row = bench.Row("x", "float64", "s/epoch", 1.2, 1.0, 2.0, max_vs_hand=1.1, max_vs_torch=1.0)
    assert row.target_text() == "hand ≤1.10 MISSED, torch ≤1.00 met"
    fast = bench.Row("y", "float64", "updates/s", 95.0, 100.0, higher_is_better=True,
                     max_vs_hand=1 / 0.9)
    assert fast.target_text() == "hand ≤1.11 met"
    floored = bench.Row("z", "float32", "s/epoch", 1.2, 1.0, floor=1.0, max_vs_hand=0.95,
                        max_vs_floor=1.15)
    assert floored.vs_floor == pytest.approx(1.2)
    assert floored.target_text() == "hand ≤0.95 MISSED, floor ≤1.15 MISSED"
    assert bench.Row("w", "float32", "s/epoch", 1.0, 1.0).vs_floor is None  # no floor: none


@pytest.mark.parametrize("make", ["one-layer", "two-layer", "k-layer 9"])
def test_the_floor_products_are_the_steps_own_first_layer_products(make):
    """The floor times the products the step really does: X W1ᵀ is the first layer's
    pre-activation less its bias, and Gᵀ X is the gradient the first layer gives W1 for an
    upstream gradient G (so the floor has the step's shapes and layouts, not cheaper ones)."""
    cfg = bench.quick_config(**TINY)
    _, factory, _, _ = next(c for c in workloads.classifiers(cfg) if c[0].startswith(make))
    first = factory("float64").linears[0]
    X, _ = workloads.synthetic_data(cfg, "float64")
    Xb = X[:cfg.batch]
    S1 = first(Tensor(Xb))
    G = np.random.default_rng(1).standard_normal(S1.shape)
    S1.backward(G)
    forward, weight_grad = workloads.floor_products(Xb, first.W.data, G)
    bias = 0 if first.b is None else first.b.data  # batch-norm nets: no bias before BN
    np.testing.assert_allclose(forward + bias, S1.data, rtol=1e-12)
    np.testing.assert_allclose(weight_grad, first.W.grad, rtol=1e-12)


@pytest.mark.slow
def test_table_text_and_markdown(result):
    text = bench.format_table(result)
    md = bench.format_table(result, markdown=True)
    assert text.count("\n") >= len(result.rows) + 2
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) == len(result.rows) + 2
    assert table[0].startswith("| benchmark | dtype | ours÷hand | ours÷torch |")  # ratios first
    assert all(line.count("|") == table[0].count("|") for line in table)
    assert "BLAS thread" in md


def test_the_floor_holds_no_reference_to_the_models_arrays():
    """The floor times beside the eager epoch of the same model: a second reference to a
    parameter's array would put every eager step on the engine's watched path (copy and
    compare it), so the eager row would time the floor's side effect, not the step."""
    cfg = bench.quick_config(**TINY)
    model = workloads.classifiers(cfg)[1][1]("float64")
    X, _ = workloads.synthetic_data(cfg, "float64")
    before = [sys.getrefcount(p.data) for p in model.parameters()]
    floor = workloads.floor_epoch_fn(cfg, model, X)
    floor()
    assert [sys.getrefcount(p.data) for p in model.parameters()] == before


@pytest.mark.slow
def test_cli_quick_runs_and_prints_one_table(capsys, monkeypatch):
    monkeypatch.setattr(workloads, "QUICK", {**workloads.QUICK, **TINY})
    assert cli.main(["bench", "--quick", "--no-torch", "--dtype", "float32", "--markdown",
                     "--clock", "cpu", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "| one-layer | float32 |" in out and "float64" not in out.split("\n\n", 1)[1]
    assert "1 BLAS thread(s) (--threads)" in out and "CPU time" in out


def test_cli_rejects_bad_values(capsys):
    with pytest.raises(SystemExit) as e:  # range-checked by argparse (commands/args.py)
        cli.main(["bench", "--quick", "--repeats", "0"])
    assert e.value.code == 2 and "--repeats" in capsys.readouterr().err
    assert cli.main(["bench", "--quick", "--clock", "cpu"]) == 2  # one thread's clock: 1 thread
    assert "--threads 1" in capsys.readouterr().err


def test_blas_threads_are_known():
    threads, name = blas_info()
    assert threads >= 1 and name


@pytest.mark.slow
@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is optional")
def test_torch_column_when_installed():
    res = bench.run(bench.quick_config(**TINY, dtypes=("float32",), threads=1))
    rows = {r.name: r for r in res.rows}
    assert rows["one-layer"].torch > 0 and rows["one-layer"].vs_torch is not None
    assert any("torch.set_num_threads(1)" in h for h in res.header)


@pytest.mark.slow
def test_settings_are_put_back():
    before = blas_info()[0]
    tiny = dict(TINY, torch=False, dtypes=("float32",), only=("tiny-op",))  # any group sets them
    bench.run(bench.quick_config(**tiny, threads=before + 1))
    assert blas_info()[0] == before
    bench.run(bench.quick_config(**tiny, threads=1, clock="cpu"))
    assert blas_info()[0] == before
    assert workloads.ACTIVE_CLOCK[0] is bench.CLOCKS["wall"]


@pytest.mark.slow
def test_header_says_how_to_get_the_torch_columns_when_torch_is_missing(monkeypatch):
    import tinygrad_dl.bench.suite as suite

    monkeypatch.setattr(suite, "torch_or_none", lambda: None)
    res = bench.run(bench.quick_config(**TINY, dtypes=("float32",), threads=1))
    assert "PyTorch: not run (not installed; `pip install torch==2.13.0`" in "\n".join(res.header)


def test_only_runs_the_named_groups(capsys, monkeypatch):
    monkeypatch.setattr(workloads, "QUICK", {**workloads.QUICK, **TINY})
    assert cli.main(["bench", "--quick", "--only", "convnet", "--dtype", "float32",
                     "--threads", "1", "--best", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "; best of 1 interleaved repeats" in out  # TINY: one repeat
    assert workloads.ACTIVE_STAT[0] is statistics.median  # put back
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert [line.split(" | ")[0] for line in table[1:]] == [
        "| ConvNet [2, 2] on 3x4x4", "| ConvNet [2, 2] on 3x4x4 replayed (jit)"]
    if HAS_TORCH:  # the PyTorch column: the same network, idiomatic torch
        assert all(line.split(" | ")[3] != "—" for line in table[1:])
    with pytest.raises(SystemExit):
        cli.main(["bench", "--quick", "--only", "convnets"])
    assert "unknown row group 'convnets'" in capsys.readouterr().err


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_plain_bptt_loop_computes_the_models_hand_gradients(dtype):
    """The char-RNN's plain per-step reference (issue 24's "plain hand BPTT loop") must do
    the same work as `hand_gradients`: the same gradients, final state and loss to round-off,
    with repeated characters (dU rows added twice) and a nonzero h0."""
    from tinygrad_dl.models import CharRNN

    rng = np.random.default_rng(3)
    model = CharRNN(7, m=6, std=0.5, rng=rng, dtype=dtype)  # large weights: tanh not linear
    X, Y = np.array([2, 5, 2, 0, 6, 2, 1, 1]), np.array([5, 2, 0, 6, 2, 1, 1, 3])
    h0 = rng.standard_normal(6).astype(dtype)
    want = model.hand_gradients(X, Y, h0)
    U, W, V, b, c = (getattr(model, k).data for k in "UWVbc")
    got, h_T, loss = workloads.plain_bptt(U, W, V, b, c, X, Y, h0)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-4, atol=1e-5)
    assert set(got) == set(want)
    for k in want:
        assert got[k].dtype == want[k].dtype and np.abs(want[k]).max() > 1e-2, k
        np.testing.assert_allclose(got[k], want[k], err_msg=k, **tol)
    np.testing.assert_allclose(h_T, model.h_last, **tol)
    assert loss == pytest.approx(model.last_loss, rel=1e-9 if dtype == "float64" else 1e-5)


def test_the_plain_loop_updates_as_the_hand_loop_does():
    """Its SGD updates (hidden state carried) land where the vectorized hand loop's do."""
    cfg = bench.quick_config(**TINY)
    seqs = workloads.char_rnn_seqs(cfg)
    model = workloads.char_rnn(cfg, "float64")
    before = {k: p.data.copy() for k, p in model.named_parameters()}
    params = {k: v.copy() for k, v in before.items()}
    workloads.rnn_plain_updates(cfg, params, seqs)()
    workloads.rnn_hand_updates(cfg, model, seqs)()
    for k, p in model.named_parameters():
        assert not np.array_equal(params[k], before[k]), k  # it did update
        np.testing.assert_allclose(params[k], p.data, rtol=1e-10, atol=1e-13, err_msg=k)
