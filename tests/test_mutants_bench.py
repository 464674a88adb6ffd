"""Pure unit tests of how the benchmark turns timings into rows: the suite's and the memory
benchmarks' row builders run on hand-made timings (their timing and workload functions
replaced by stubs: nothing is trained or timed), and the table's verdicts and formatting."""

from __future__ import annotations

import statistics
from types import SimpleNamespace

import pytest

from tinygrad_dl.bench import memory, suite, workloads
from tinygrad_dl.bench.table import Result, Row, format_table
from tinygrad_dl.bench.workloads import quick_config


def _noop() -> None:
    return None


def _fake_times(monkeypatch, module, times: dict[str, float]) -> None:
    """`module.median_times` returns `times` for the functions it is given."""
    def median_times(fns, repeats):
        assert set(fns) <= set(times)
        return {k: times[k] for k in fns}

    monkeypatch.setattr(module, "median_times", median_times)


# ---- the char-RNN rows: updates per second --------------------------------------------------
def _char_rnn_rows(monkeypatch, times: dict[str, float], n: int = 10) -> dict[str, Row]:
    model = SimpleNamespace(named_parameters=lambda: [])
    monkeypatch.setattr(suite, "char_rnn_seqs", lambda cfg: [])
    monkeypatch.setattr(suite, "char_rnn", lambda cfg, dtype, fused=False: model)
    for name in ("rnn_graph_updates", "rnn_replay_updates", "rnn_hand_updates",
                 "rnn_plain_updates"):
        monkeypatch.setattr(suite, name, lambda cfg, model, seqs: _noop)
    _fake_times(monkeypatch, suite, times)
    cfg = quick_config(rnn_updates=n)
    rows = suite.char_rnn_rows(cfg, "float64", None)
    prefix = f"char-RNN (m={cfg.rnn_m}, T={cfg.seq}) "
    return {r.name.removeprefix(prefix): r for r in rows}


RNN_TIMES = {"graph": 2.0, "fused": 1.0, "graph_jit": 0.5, "fused_jit": 0.25, "hand": 0.4,
             "plain": 1.5}  # seconds for the n updates of one repeat


def test_char_rnn_rows_count_updates_per_second(monkeypatch):
    rows = _char_rnn_rows(monkeypatch, RNN_TIMES, n=10)
    assert rows["graph"].unit == "updates/s"
    assert rows["graph"].ours == pytest.approx(10 / 2.0)
    assert rows["graph"].hand == pytest.approx(10 / 0.4)
    # the faster timing is the higher throughput
    assert rows["fused rnn op"].ours > rows["graph"].ours
    assert rows["graph replayed (jit)"].ours == pytest.approx(10 / 0.5)


@pytest.mark.parametrize("jit_seconds, verdict, times", [(0.5, "met", "3.00"),
                                                          (0.75, "MISSED", "2.00")])
def test_the_replayed_graph_vs_the_plain_loop_target(monkeypatch, jit_seconds, verdict, times):
    rows = _char_rnn_rows(monkeypatch, {**RNN_TIMES, "graph_jit": jit_seconds})
    row = rows["graph replayed (jit) vs plain loop"]
    assert row.higher_is_better
    # the target: >= 2.5x the plain loop's updates/s, i.e. plain ÷ ours <= 0.40
    assert row.vs_hand == pytest.approx(jit_seconds / RNN_TIMES["plain"])
    assert row.target_text() == f"hand ≤0.40 {verdict}"
    assert row.note.startswith(f"{times}x the plain loop's updates/s (target ≥ 2.50x)")


def test_every_vs_plain_loop_row_is_a_throughput(monkeypatch):
    rows = _char_rnn_rows(monkeypatch, RNN_TIMES)
    plain = [r for name, r in rows.items() if name.endswith("vs plain loop")]
    assert len(plain) == 4
    for r in plain:
        assert r.higher_is_better and r.vs_hand == pytest.approx(r.hand / r.ours)
    # graph: 2.0 s against the plain loop's 1.5 s: 0.75x its updates/s
    assert rows["graph vs plain loop"].note.startswith("0.75x the plain loop's updates/s;")


# ---- the classifier rows: the GEMM floor's note ---------------------------------------------
def test_the_gemm_floor_row_says_how_many_floors_the_hand_epoch_takes(monkeypatch):
    W = SimpleNamespace(shape=(4, 6))
    model = SimpleNamespace(linears=[SimpleNamespace(W=W)])
    monkeypatch.setattr(suite, "synthetic_data", lambda cfg, dtype: (None, None))
    monkeypatch.setattr(suite, "classifiers",
                        lambda cfg: [("two-layer (m=4)", lambda dt: model, [6, 4, 3], False)])
    monkeypatch.setattr(suite, "epoch_fns", lambda cfg, model, X, y: (_noop, _noop))
    monkeypatch.setattr(suite, "replay_epoch_fn", lambda cfg, model, X, y: _noop)
    monkeypatch.setattr(suite, "floor_epoch_fn", lambda cfg, model, X: _noop)
    _fake_times(monkeypatch, suite, {"ours": 3.0, "hand": 2.0, "replay": 1.5, "floor": 0.5})
    rows = {r.name: r for r in suite.classifier_rows(quick_config(), "float64", None)}
    floor = rows["two-layer (m=4) GEMM floor"]
    assert floor.ours == 0.5 and floor.hand == 2.0
    assert "hand = 4.00x floor" in floor.note
    assert rows["two-layer (m=4)"].vs_floor == pytest.approx(6.0)


# ---- the tiny op: microseconds per iteration ----------------------------------------------
def test_tiny_op_rows_are_microseconds_per_op(monkeypatch):
    _fake_times(monkeypatch, suite, {"ours": 0.005, "hand": 0.001, "replay": 0.002})
    rows = suite.tiny_op_rows(quick_config(op_iters=1000), "float64", None)
    assert [r.unit for r in rows] == ["µs", "µs"]
    assert rows[0].ours == pytest.approx(5.0) and rows[0].hand == pytest.approx(1.0)
    assert rows[1].ours == pytest.approx(2.0)


# ---- run(): median of the repeats, or with --best the fastest -------------------------------
@pytest.mark.parametrize("best, expected", [(True, 1.0), (False, 2.0)])
def test_run_reports_the_median_or_with_best_the_fastest_repeat(monkeypatch, best, expected):
    seen = []

    def fake_run(cfg, torch_mod, log):
        seen.append(workloads.ACTIVE_STAT[0]([3.0, 1.0, 2.0]))
        return Result([])

    monkeypatch.setattr(suite, "_run", fake_run)
    before = workloads.ACTIVE_STAT[0]
    suite.run(quick_config(best=best, torch=False))
    assert seen == [expected]
    assert workloads.ACTIVE_STAT[0] is before is statistics.median


# ---- memory: MiB, and the backward time of a chain ----------------------------------------
def test_memory_rows_are_in_mib(monkeypatch):
    def fn(name):
        def f() -> None:
            return None
        f.__name__ = name
        return f

    fa, fh, fr, frr, frh = (fn(n) for n in ("autograd", "hand", "replay", "rnn_replay",
                                            "rnn_hand"))
    traced = {fa: 3 * 2**20, fh: 2**20, fr: 2 * 2**20, frr: 5 * 2**19, frh: 2**19}
    monkeypatch.setattr(memory, "_traced", lambda f, setup=None: traced[f])
    monkeypatch.setattr(memory, "synthetic_data", lambda cfg, dtype: (None, None))
    monkeypatch.setattr(memory, "classifiers",
                        lambda cfg: [("one-layer", lambda dt: None, [6, 3], False)])
    monkeypatch.setattr(memory, "epoch_fns", lambda cfg, model, X, y: (fa, fh))
    monkeypatch.setattr(memory, "replay_epoch_fn", lambda cfg, model, X, y: fr)
    monkeypatch.setattr(memory, "char_rnn_seqs", lambda cfg: [1, 2])
    monkeypatch.setattr(memory, "char_rnn", lambda cfg, dtype: None)
    monkeypatch.setattr(memory, "rnn_replay_updates", lambda cfg, model, seqs: frr)
    monkeypatch.setattr(memory, "rnn_hand_updates", lambda cfg, model, seqs: frh)
    rows = memory.memory_rows(quick_config(), "float64", growth=False)
    assert [r.unit for r in rows] == ["MiB"] * 3
    assert [(r.ours, r.hand) for r in rows] == [(3.0, 1.0), (2.0, 1.0), (2.5, 0.5)]


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_chain_rows_time_the_backward_alone(monkeypatch):
    # each chain reads the clock before the forward, after it and after the backward
    ticks = iter([0.0, 0.001, 0.003,     # 10 ops: forward 1 ms, backward 2 ms
                  1.0, 1.002, 1.008])    # 20 ops: forward 2 ms, backward 6 ms
    monkeypatch.setattr(memory, "now", lambda: next(ticks))
    rows = memory.chain_rows(quick_config(chains=(10, 20)), "float64")
    assert [r.unit for r in rows] == ["µs/op", "µs/op"]
    assert rows[0].ours == pytest.approx(200.0) and rows[1].ours == pytest.approx(300.0)
    assert rows[1].note.startswith("1.50x the first chain's µs/op; forward 100.0 µs/op")


# ---- the table ----------------------------------------------------------------------------
def test_a_ratio_exactly_at_its_limit_meets_it():
    at = Row("r", "float64", "s", 2.0, hand=1.0, max_vs_hand=2.0)
    assert at.vs_hand == 2.0 and at.target_text() == "hand ≤2.00 met"
    over = Row("r", "float64", "s", 2.5, hand=1.0, max_vs_hand=2.0)
    assert over.target_text() == "hand ≤2.00 MISSED"


def test_sub_hundredth_values_print_in_scientific_notation():
    text = format_table(Result([Row("tiny", "float64", "s", 0.001234, hand=0.5)]))
    line = text.splitlines()[-1]
    assert line.split()[5:7] == ["1.23e-03", "0.5"]  # the ours and hand NumPy columns
