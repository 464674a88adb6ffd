"""benchmarks/rnn_floor.py's floor is the unfused char-RNN graph's own computation: the same
updates as the graph (replayed) gives, to round-off, so replay/floor measures bookkeeping only."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from tinygrad_dl.bench.workloads import char_rnn, char_rnn_seqs, quick_config, rnn_replay_updates

_SPEC = importlib.util.spec_from_file_location(
    "rnn_floor", Path(__file__).resolve().parent.parent / "benchmarks" / "rnn_floor.py")
rnn_floor = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(rnn_floor)


def test_the_floor_makes_the_updates_the_graph_makes() -> None:
    cfg = quick_config()
    seqs = char_rnn_seqs(cfg)
    model = char_rnn(cfg, "float64")
    start = {k: p.data.copy() for k, p in model.named_parameters()}
    mine = {k: a.copy() for k, a in start.items()}
    rnn_floor.floor_updates(cfg, mine, seqs)()
    rnn_replay_updates(cfg, model, seqs)()  # recorded on the first update, then replayed
    for k, p in model.named_parameters():
        assert not np.array_equal(p.data, start[k])  # (the updates moved every weight)
        np.testing.assert_allclose(mine[k], p.data, rtol=1e-10, atol=1e-12, err_msg=k)


def test_the_unrolled_floor_makes_the_floor_s_updates_bit_for_bit() -> None:
    """The same NumPy calls in the same order, written out per time step: the same numbers, so
    unrolled/floor times only straight-line code against a loop."""
    cfg = quick_config()
    seqs = char_rnn_seqs(cfg)
    start = {k: p.data.copy() for k, p in char_rnn(cfg, "float32").named_parameters()}
    loop = {k: a.copy() for k, a in start.items()}
    flat = {k: a.copy() for k, a in start.items()}
    rnn_floor.floor_updates(cfg, loop, seqs)()
    rnn_floor.unrolled_updates(cfg, flat, seqs)()
    for k in start:
        assert not np.array_equal(loop[k], start[k])
        assert loop[k].tobytes() == flat[k].tobytes(), k
