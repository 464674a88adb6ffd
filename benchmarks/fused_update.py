"""How much could a fused L2 + update pass save? (issue 24's "replayed ÷ hand ≤ 0.95" lever)

The two-layer net's W1 (50 x 3072) gets, every batch, its gradient's L2 term and the SGD update:
`g = dW + 2λW` then `W -= lr * g`, four whole-array passes as the hand loop (and a replayed
step) makes them. Fused: the same NumPy operations block by block (4,096 elements), so each block
is still in cache for the next operation. Both give the same bits (checked here before timing);
the question is only memory traffic against the Python of one call per block and operation.

With the bench's malloc settings (`bench.env.steady_malloc`), one BLAS thread, CPU time of this
thread, both variants interleaved round by round, best of the rounds:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/fused_update.py --rounds 7
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from tinygrad_dl.bench.env import steady_malloc

SHAPE, LAM2, LR = (50, 3072), 2 * 0.01, 0.001


def passes(W: np.ndarray, dW: np.ndarray) -> None:
    """The hand loop's update: whole-array passes with their temporaries."""
    g = dW + LAM2 * W
    W -= LR * g


def fused(W: np.ndarray, dW: np.ndarray, block: int = 4096) -> None:
    """The same operations per block of `block` elements (the same bits, element by element)."""
    w, d = W.reshape(-1), dW.reshape(-1)
    for s in range(0, w.size, block):
        wb = w[s:s + block]
        t = LAM2 * wb
        t = d[s:s + block] + t  # (dW + 2λW: the operands in the hand loop's order)
        t *= LR
        wb -= t


def best_per_call(fns: dict[str, Callable[[], None]], rounds: int, calls: int) -> dict[str, float]:
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.thread_time()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], (time.thread_time() - t0) / calls)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=100)
    args = ap.parse_args()
    steady_malloc()  # as `tinygrad-dl bench`: no page faults for the passes' temporaries
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        W0 = (rng.standard_normal(SHAPE) * 0.01).astype(dtype)
        dW = rng.standard_normal(SHAPE).astype(dtype)
        a, b = W0.copy(), W0.copy()
        passes(a, dW)
        fused(b, dW)
        if not np.array_equal(a, b):
            raise SystemExit(f"{dtype.__name__}: the fused pass does not give the same bits")
        Wa, Wb = W0.copy(), W0.copy()
        fns = {"passes": lambda Wa=Wa, dW=dW: passes(Wa, dW),
               "fused": lambda Wb=Wb, dW=dW: fused(Wb, dW)}
        t = best_per_call(fns, args.rounds, args.calls)
        print(f"{dtype.__name__}: passes {t['passes'] * 1e6:.0f} µs, fused {t['fused'] * 1e6:.0f}"
              f" µs per batch (fused ÷ passes {t['fused'] / t['passes']:.2f}; same bits)")


if __name__ == "__main__":
    main()
