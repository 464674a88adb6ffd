"""Memory and scaling benchmarks: peak memory of a training epoch, memory growth over many
steps (is the graph freed?), and backward time through very long op chains (is it linear?)."""

from __future__ import annotations

import gc
import math
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_dl import Tensor
from tinygrad_dl.optim import SGD

from .table import Row
from .workloads import (
    Config,
    autograd_step,
    char_rnn,
    char_rnn_seqs,
    classifiers,
    epoch_fns,
    hand_step,
    now,
    replay_epoch_fn,
    rnn_hand_updates,
    rnn_replay_updates,
    synthetic_data,
)


def _traced(fn: Callable[[], Any], setup: Callable[[], Any] | None = None) -> int:
    """Peak bytes NumPy and Python allocate while fn runs (tracemalloc sees NumPy's data),
    above what was allocated before; with `setup` (a replayed step's recording), above what
    was allocated before setup ran: what setup keeps for fn (the recorded buffers a replay
    reuses) is counted in fn's peak, setup's own peak is not, nor its garbage still awaiting
    the cycle collector (the recording's eager graph: it doubled the quick sizes' replayed
    peaks). Nests in a trace already running (python -X tracemalloc): its earlier peak is not
    taken, nor is it stopped."""
    gc.collect()
    outer = tracemalloc.is_tracing()
    if not outer:
        tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        if setup is not None:
            setup()
            gc.collect()  # what setup keeps, as fn's own start is after a collection
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        if not outer:
            tracemalloc.stop()


def memory_rows(cfg: Config, dtype: str, growth: bool = True) -> list[Row]:
    """Peak memory of an epoch of each classifier (eager, replayed, hand-derived) and of the
    char-RNN's updates (replayed, hand); with growth, the memory-growth row too."""
    X, y = synthetic_data(cfg, dtype)
    rows = []
    note = "tracemalloc, above the data"
    for name, make, _, _ in classifiers(cfg):
        autograd_epoch, hand_epoch = epoch_fns(cfg, make(dtype), X, y)
        ours, hand = _traced(autograd_epoch) / 2**20, _traced(hand_epoch) / 2**20
        rows.append(Row(f"peak memory, {name} epoch", dtype, "MiB", ours, hand, note=note))
        replay_epoch = replay_epoch_fn(cfg, make(dtype), X, y)
        # the peak of an epoch of replays, counting what the recording (the first epoch) keeps
        rows.append(Row(f"peak memory, {name} epoch replayed (jit)", dtype, "MiB",
                        _traced(replay_epoch, setup=replay_epoch) / 2**20, hand,
                        max_vs_hand=1.0, note=f"{note}; the recorded buffers included"))
    seqs = char_rnn_seqs(cfg)
    replayed = rnn_replay_updates(cfg, char_rnn(cfg, dtype), seqs)
    rows.append(Row(f"peak memory, char-RNN (m={cfg.rnn_m}, T={cfg.seq}) graph replayed (jit)",
                    dtype, "MiB", _traced(replayed, setup=replayed) / 2**20,
                    _traced(rnn_hand_updates(cfg, char_rnn(cfg, dtype), seqs)) / 2**20,
                    max_vs_hand=1.0, note=f"{len(seqs)} updates; tracemalloc"))
    if growth:
        rows.append(_growth_row(cfg, dtype, X, y))
    return rows


def _growth_row(cfg: Config, dtype: str, X: np.ndarray, y: np.ndarray) -> Row:
    # memory growth: if the graph or its saved arrays leaked, step N would hold more NumPy
    # memory than step n. (Python objects are reported apart: CPython's free lists of tuples
    # and floats fill up over the first few thousand steps, then stay flat.)
    name, make, _, _ = classifiers(cfg)[1]
    first, last = cfg.mem_steps
    grown: dict[str, tuple[float, float]] = {}
    for key in ("ours", "hand"):
        model = make(dtype)
        named = model.named_parameters()
        opt = SGD([p for _, p in named], lr=cfg.lr)
        B, nb = cfg.batch, cfg.n // cfg.batch
        gc.collect()
        outer = tracemalloc.is_tracing()  # (python -X tracemalloc: leave its trace running)
        if not outer:
            tracemalloc.start()
        try:
            at = (0, 0)
            for s in range(1, last + 1):
                i = s % nb
                Xb, yb = X[i * B:(i + 1) * B], y[i * B:(i + 1) * B]
                if key == "ours":
                    autograd_step(model, opt, Xb, yb)
                else:
                    hand_step(model, named, Xb, yb, cfg.lr)
                if s == first:
                    at = _numpy_and_total_bytes()
            now = _numpy_and_total_bytes()
            grown[key] = ((now[0] - at[0]) / 1024, (now[1] - now[0] - at[1] + at[0]) / 1024)
        finally:
            if not outer:
                tracemalloc.stop()
    return Row(f"memory growth, {name}, step {first} -> {last}", dtype, "KiB",
               grown["ours"][0], grown["hand"][0],
               note=f"NumPy arrays; 0 = the graph is freed. Python objects: "
               f"{grown['ours'][1]:+.0f} KiB (free lists)")


_NUMPY_DOMAIN = 389047  # the tracemalloc domain NumPy reports its array data in


def _numpy_and_total_bytes() -> tuple[int, int]:
    snap = tracemalloc.take_snapshot()
    numpy_only = snap.filter_traces([tracemalloc.DomainFilter(True, _NUMPY_DOMAIN)])
    return sum(t.size for t in numpy_only.traces), tracemalloc.get_traced_memory()[0]


def chain_rows(cfg: Config, dtype: str) -> list[Row]:
    """Backward through n chained multiplies y = y * w: time per op must not grow with n."""
    rows, base, clock = [], None, now
    for n in cfg.chains:
        w = Tensor(np.ones((), dtype=dtype), requires_grad=True)
        y = Tensor(np.ones(4, dtype=dtype), requires_grad=True)
        t0 = clock()
        for _ in range(n):
            y = y * w
        t1 = clock()
        y.backward(np.ones(4, dtype=dtype))
        t2 = clock()
        if w.grad is None or not math.isclose(float(w.grad), 4.0 * n, rel_tol=1e-6):
            raise RuntimeError(f"chain of {n} ops: wrong gradient {w.grad}")
        del y
        gc.collect()
        per_op = (t2 - t1) / n * 1e6
        base = base or per_op
        rows.append(Row(f"chain of {n:,} ops, backward", dtype, "µs/op", per_op,
                        note=f"{per_op / base:.2f}x the first chain's µs/op; "
                        f"forward {(t1 - t0) / n * 1e6:.1f} µs/op"))
    return rows
