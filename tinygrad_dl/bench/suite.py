"""The benchmark behind `tinygrad-dl bench` and benchmarks/bench.py.

For each course model it times one training epoch (or, for the char-RNN, updates per second)
three ways: autograd over the recorded graph (model.loss + backward + SGD), the model's own
hand-derived NumPy gradients (`hand_gradients`, the ones the gradient tests check) with the
same SGD update, and PyTorch on the CPU when it is installed. Everything runs in one process,
interleaved repeat by repeat after a warm-up, and each number is the median of the repeats (or
with --best the fastest, the least disturbed on a machine shared with other jobs), so
load from other processes hits all three alike: the RATIOS are the result, not the seconds.
It also measures per-op overhead, peak memory of an epoch, memory growth over many steps
(is the graph freed?) and backward time of very long op chains (is it linear?).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit
from tinygrad_dl.models import CharRNN

from .env import blas_info, cpu_name, set_blas_threads, steady_malloc, torch_or_none
from .memory import chain_rows, memory_rows
from .table import Result, Row
from .torch_ref import char_rnn_step, convnet_step, mlp_step, tiny_op
from .workloads import (
    ACTIVE_CLOCK,
    ACTIVE_STAT,
    CLOCKS,
    Config,
    autograd_epoch_fn,
    classifiers,
    convnet,
    convnet_data,
    epoch_fns,
    median_times,
    replay_epoch_fn,
    synthetic_data,
)

# the row groups, in the table's order per dtype (memory and chains run once, after them)
GROUPS = ("classifiers", "char-rnn", "tiny-op", "convnet", "memory", "chains")


def classifier_rows(cfg: Config, dtype: str, torch_mod: Any) -> list[Row]:
    X, y = synthetic_data(cfg, dtype)
    rows = []
    for name, make, sizes, bn in classifiers(cfg):
        autograd_epoch, hand_epoch = epoch_fns(cfg, make(dtype), X, y)
        fns = {"ours": autograd_epoch, "hand": hand_epoch,
               "replay": replay_epoch_fn(cfg, make(dtype), X, y)}
        if torch_mod is not None:
            step = mlp_step(X, y, sizes, batch=cfg.batch, lr=cfg.lr, lam=cfg.lam, batch_norm=bn)
            fns["torch"] = _loop(step, cfg.n // cfg.batch)
        t = median_times(fns, cfg.repeats)
        rows.append(Row(name, dtype, "s/epoch", t["ours"], t["hand"], t.get("torch"),
                        max_vs_hand=1.10, max_vs_torch=1.0))
        rows.append(Row(f"{name} replayed (jit)", dtype, "s/epoch", t["replay"], t["hand"],
                        t.get("torch"), max_vs_hand=1.00, max_vs_torch=1.0))
    return rows


# ---- the ConvNet ----------------------------------------------------------------------------
def convnet_rows(cfg: Config, dtype: str, torch_mod: Any) -> list[Row]:
    """One epoch of cfg.conv_n images through the README's ConvNet, eager and replayed, beside
    the same network written idiomatically in PyTorch (no hand-derived gradient to compare)."""
    X, y = convnet_data(cfg, dtype)
    fns = {"ours": autograd_epoch_fn(cfg, convnet(cfg, dtype), X, y),
           "replay": replay_epoch_fn(cfg, convnet(cfg, dtype), X, y)}
    if torch_mod is not None:
        step = convnet_step(X, y, cfg.conv_image, cfg.conv_channels, cfg.K, batch=cfg.batch,
                            lr=cfg.lr, lam=cfg.lam, seed=cfg.seed)
        fns["torch"] = _loop(step, len(X) // cfg.batch)
    t = median_times(fns, cfg.repeats)
    c, h, w = cfg.conv_image
    name = f"ConvNet {list(cfg.conv_channels)} on {c}x{h}x{w}"
    note = f"epoch of {len(X)} images; torch: F.conv2d / relu / max_pool2d"
    return [Row(name, dtype, "s/epoch", t["ours"], None, t.get("torch"), max_vs_torch=1.25,
                note=note),
            Row(f"{name} replayed (jit)", dtype, "s/epoch", t["replay"], None, t.get("torch"),
                max_vs_torch=1.25, note=note)]


# ---- the char-RNN ------------------------------------------------------------------------
def char_rnn_rows(cfg: Config, dtype: str, torch_mod: Any) -> list[Row]:
    rng = np.random.default_rng(cfg.seed)
    n = cfg.rnn_updates
    seqs = rng.integers(0, cfg.vocab, (n, cfg.seq + 1))

    def make(**kw: Any) -> Any:
        return CharRNN(cfg.vocab, m=cfg.rnn_m, rng=np.random.default_rng(cfg.seed),
                              dtype=dtype, **kw)

    def graph_updates(model: Any) -> Callable[[], None]:
        params = model.parameters()

        def run() -> None:
            h = None
            for i in range(n):
                autograd_step_rnn(model, params, seqs[i], h, cfg.lr)
                h = model.h_last

        return run

    def hand_updates(model: Any) -> Callable[[], None]:
        named = model.named_parameters()

        def run() -> None:
            h = None
            for i in range(n):
                grads = model.hand_gradients(seqs[i, :-1], seqs[i, 1:], h)
                for name, p in named:
                    p.data -= cfg.lr * grads[name]
                h = model.h_last

        return run

    def replay_updates(model: Any) -> Callable[[], None]:
        params = model.parameters()

        @jit
        def step(X: np.ndarray, Y: np.ndarray, h0: np.ndarray) -> Any:
            J = model.loss(X, Y, h0)
            J.backward()
            return J  # read every update (the smooth loss), as the hand loop computes it

        def run() -> None:
            h = np.zeros(cfg.rnn_m, dtype=dtype)
            for i in range(n):
                for p in params:
                    p.grad = None
                step(seqs[i, :-1], seqs[i, 1:], h)
                for p in params:
                    p.data -= cfg.lr * p.grad
                h = model.h_last

        return run

    fns = {"graph": graph_updates(make()), "fused": graph_updates(make(fused=True)),
           "graph_jit": replay_updates(make()), "fused_jit": replay_updates(make(fused=True)),
           "hand": hand_updates(make())}
    if torch_mod is not None:
        for key, fused in (("torch", False), ("torch_fused", True)):
            step = char_rnn_step(seqs, cfg.vocab, cfg.rnn_m, lr=cfg.lr, dtype=np.dtype(dtype),
                                 fused=fused)
            fns[key] = _loop(step, n)
    t = median_times(fns, cfg.repeats)
    ups = {k: n / v for k, v in t.items()}
    name = f"char-RNN (m={cfg.rnn_m}, T={cfg.seq})"
    return [
        Row(f"{name} graph", dtype, "updates/s", ups["graph"], ups["hand"], ups.get("torch"),
            higher_is_better=True, max_vs_hand=1 / 0.4, note="torch: autograd loop"),
        Row(f"{name} fused rnn op", dtype, "updates/s", ups["fused"], ups["hand"],
            ups.get("torch_fused"), higher_is_better=True, max_vs_hand=1 / 0.9,
            note="torch: nn.RNN"),
        Row(f"{name} graph replayed (jit)", dtype, "updates/s", ups["graph_jit"], ups["hand"],
            ups.get("torch"), higher_is_better=True, max_vs_hand=1 / 0.6,
            note="torch: autograd loop"),
        Row(f"{name} fused rnn op replayed (jit)", dtype, "updates/s", ups["fused_jit"],
            ups["hand"], ups.get("torch_fused"), higher_is_better=True, max_vs_hand=1.0,
            note="torch: nn.RNN"),
    ]


def autograd_step_rnn(model: Any, params: list[Tensor], seq: np.ndarray, h0: Any,
                      lr: float) -> None:
    """One char-RNN SGD update through the graph on seq (inputs seq[:-1], targets seq[1:])."""
    J = model.loss(seq[:-1], seq[1:], h0)
    for p in params:
        p.grad = None
    J.backward()
    for p in params:
        p.data -= lr * p.grad


def _loop(step: Callable[[int], None], n: int) -> Callable[[], None]:
    def run() -> None:
        for i in range(n):
            step(i)

    return run


# ---- per-op overhead, memory, long chains ------------------------------------------------
def tiny_op_rows(cfg: Config, dtype: str, torch_mod: Any) -> list[Row]:
    """Forward + backward of x * y on 4-element vectors: pure per-op overhead."""
    x = Tensor(np.ones(4, dtype=dtype), requires_grad=True)
    w = Tensor(np.ones(4, dtype=dtype), requires_grad=True)
    g = np.ones(4, dtype=dtype)
    xa, wa = x.data, w.data
    k = cfg.op_iters

    def ours() -> None:
        for _ in range(k):
            x.grad = w.grad = None
            (x * w).backward(g)

    def hand() -> None:  # the same arithmetic, no graph
        for _ in range(k):
            out = xa * wa  # noqa: F841
            gx, gw = g * wa, g * xa  # noqa: F841

    @jit
    def step(g: np.ndarray) -> None:
        (x * w).backward(g)

    def replayed() -> None:
        for _ in range(k):
            x.grad = w.grad = None
            step(g)

    fns = {"ours": ours, "hand": hand, "replay": replayed}
    if torch_mod is not None:
        run = tiny_op(4, np.dtype(dtype))

        def torch_run() -> None:
            for _ in range(k):
                run()

        fns["torch"] = torch_run
    t = {key: v / k * 1e6 for key, v in median_times(fns, cfg.repeats).items()}
    return [Row("tiny op x*y fwd+bwd (per-op overhead)", dtype, "µs", t["ours"], t["hand"],
                t.get("torch"), note="hand: the 3 NumPy multiplies alone; target ≤ 3 µs"),
            Row("tiny op x*y fwd+bwd replayed (jit)", dtype, "µs", t["replay"], t["hand"],
                t.get("torch"), note="target ≤ 1 µs")]


# ---- the whole run and the table ---------------------------------------------------------
def run(cfg: Config, log: Callable[[str], None] | None = None) -> Result:
    """Run every benchmark in one process and return the rows (see `format_table`).

    The clock and thread settings it changes are put back afterwards.
    """
    if cfg.clock not in CLOCKS:
        raise ValueError(f"bench: clock must be one of {', '.join(CLOCKS)}, not {cfg.clock!r}")
    unknown = [g for g in cfg.only if g not in GROUPS]
    if unknown:
        raise ValueError(f"bench: unknown row group {unknown[0]!r}; choose from "
                         f"{', '.join(GROUPS)}")
    if cfg.clock == "cpu" and cfg.threads != 1:
        raise ValueError("bench: --clock cpu times the calling thread only, so it needs "
                         "--threads 1 (else BLAS worker threads would go uncounted)")
    torch_mod = torch_or_none() if cfg.torch else None
    saved = (ACTIVE_CLOCK[0], blas_info()[0], torch_mod.get_num_threads() if torch_mod else None,
             ACTIVE_STAT[0])
    ACTIVE_CLOCK[0] = CLOCKS[cfg.clock]
    ACTIVE_STAT[0] = min if cfg.best else statistics.median
    try:
        if cfg.threads:
            set_blas_threads(cfg.threads)
        return _run(cfg, torch_mod, log or (lambda s: None))
    finally:
        ACTIVE_CLOCK[0], ACTIVE_STAT[0] = saved[0], saved[3]
        if cfg.threads:
            set_blas_threads(saved[1])
        if torch_mod is not None:
            torch_mod.set_num_threads(saved[2])


def _run(cfg: Config, torch_mod: Any, log: Callable[[str], None]) -> Result:
    t_start = time.perf_counter()
    threads, blas = blas_info()
    header = [
        f"machine: {cpu_name()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}",
        f"NumPy {np.__version__} with {blas}, {threads} BLAS thread(s)"
        + (" (--threads)" if cfg.threads else " (its default)"),
    ]
    if steady_malloc():
        header.append("glibc malloc keeps freed memory (no trimming; no mmap under 32 MiB): "
                      "no path pays page faults for its temporaries")
    if torch_mod is not None:
        torch_mod.set_num_threads(threads)
        header.append(f"PyTorch {torch_mod.__version__} (CPU), torch.set_num_threads({threads}): "
                      f"the same as NumPy's BLAS; same dtype")
    else:
        header.append("PyTorch: not run" + (
            " (--no-torch)" if not cfg.torch
            else " (not installed; `pip install torch==2.13.0`, the CPU build, adds its columns)"))
    clock = ("wall-clock time" if cfg.clock == "wall"
             else "CPU time of the one thread doing the work (time.thread_time), not wall-clock")
    stat = "best" if cfg.best else "median"
    header.append(f"{clock}; {stat} of {cfg.repeats} interleaved repeats after a warm-up; epochs "
                  f"of {cfg.n} samples x {cfg.d} features, batch {cfg.batch}, SGD")
    if "convnet" in (cfg.only or GROUPS):
        header.append(f"ConvNet: {cfg.conv_n} images of {'x'.join(map(str, cfg.conv_image))}, "
                      f"batch {cfg.batch}, SGD")
    rows: list[Row] = []
    groups = cfg.only or GROUPS
    per_dtype = {"classifiers": classifier_rows, "char-rnn": char_rnn_rows,
                 "tiny-op": tiny_op_rows, "convnet": convnet_rows}
    for dtype in cfg.dtypes:
        for group, rows_of in per_dtype.items():
            if group in groups:
                log(f"[{dtype}] {group} ...")
                rows += rows_of(cfg, dtype, torch_mod)
    if "memory" in groups:
        log("memory ...")
        rows += memory_rows(cfg, cfg.dtypes[0])
    if "chains" in groups:
        log("long chains ...")
        rows += chain_rows(cfg, cfg.dtypes[0])
    if not cfg.targets:
        for r in rows:
            r.max_vs_hand = r.max_vs_torch = None
    return Result(rows, header, time.perf_counter() - t_start)


