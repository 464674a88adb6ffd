"""Time one optimizer step on the two-layer net's parameters (W1 50x3072, b1, W2 10x50, b2):
`tinygrad_dl.optim`'s in-place steps against the same formulas written the obvious way with
temporaries (`p -= lr * (g + wd * p)`, what the optimizers did before) and against
`torch.optim` (for-loop, foreach and fused) when PyTorch 2.13.0 (CPU) is installed.

One BLAS thread, CPU time of this thread, all variants interleaved round by round in one
process, best of the rounds (the least disturbed on a shared machine): read the ratios.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/optim_step.py --rounds 15
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_dl import Tensor, optim

SHAPES = [(50, 3072), (50,), (10, 50), (10,)]
CASES = {  # name: (optimizer, hyperparameters)
    "SGD (the course: L2 in the loss)": ("sgd", {"lr": 0.01}),
    "SGD weight_decay=0.01": ("sgd", {"lr": 0.01, "weight_decay": 0.01}),
    "SGD momentum=0.9": ("sgd", {"lr": 0.01, "momentum": 0.9}),
    "Adam": ("adam", {"lr": 1e-3}),
}


def old_step(kind: str, ps: list[np.ndarray], gs: list[np.ndarray], st: list[dict[str, Any]],
             h: dict[str, Any]) -> None:
    """The formulas as written before the in-place steps (a temporary per operator)."""
    for p, g, s in zip(ps, gs, st):
        if h.get("weight_decay"):
            g = g + h["weight_decay"] * p
        if kind == "sgd":
            if h.get("momentum"):
                v = s.setdefault("v", np.zeros_like(p))
                v *= h["momentum"]
                v += g
                g = v
            p -= h["lr"] * g
        else:
            b1, b2 = 0.9, 0.999
            if "m" not in s:
                s.update(m=np.zeros_like(p), v=np.zeros_like(p), t=0)
            s["t"] += 1
            t, m, v = s["t"], s["m"], s["v"]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= h["lr"] * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)


def variants(kind: str, h: dict[str, Any], dtype: Any, torch: Any) -> dict[str, Callable]:
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [rng.standard_normal(s).astype(dtype) * 1e-3 for s in SHAPES]
    ps = [Tensor(d.copy()) for d in data]
    for p, g in zip(ps, grads):
        p.grad = g
    ours = (optim.SGD if kind == "sgd" else optim.Adam)(ps, **h)
    old = [d.copy() for d in data]
    old_state: list[dict[str, Any]] = [{} for _ in old]
    fns = {"ours (in place)": ours.step,
           "old formulas": lambda: old_step(kind, old, grads, old_state, h)}
    if torch is not None:
        for impl in ("for-loop", "foreach", "fused"):
            tp = [torch.tensor(d.copy(), requires_grad=True) for d in data]
            for p, g in zip(tp, grads):
                p.grad = torch.from_numpy(g.copy())
            kw = {"foreach": impl == "foreach", "fused": impl == "fused"}
            make = torch.optim.SGD if kind == "sgd" else torch.optim.Adam
            fns[f"torch {impl}"] = make(tp, **h, **kw).step
    return fns


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--steps", type=int, default=200, help="steps per timed call")
    args = ap.parse_args()
    torch = None
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(1)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    print("| case | dtype | µs per step (best of rounds) and ratio to the old formulas |")
    print("|---|---|---|")
    for name, (kind, h) in CASES.items():
        for dtype in (np.float64, np.float32):
            fns = variants(kind, h, dtype, torch)
            best = {k: float("inf") for k in fns}
            for fn in fns.values():  # warm-up: state arrays, caches
                fn()
            for _ in range(args.rounds):
                for k, fn in fns.items():
                    gc.collect()
                    t0 = time.thread_time()
                    for _ in range(args.steps):
                        fn()
                    best[k] = min(best[k], (time.thread_time() - t0) / args.steps * 1e6)
            ref = best["old formulas"]
            cells = ", ".join(f"{k} {v:.0f} µs ({v / ref:.2f})" for k, v in best.items())
            print(f"| {name} | {np.dtype(dtype).name} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
