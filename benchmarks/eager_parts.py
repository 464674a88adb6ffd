"""Where an eager backward of the unfused char-RNN spends its time (issue 23's row), by part.

The bench's graph (m=100, T=25, vocab 80; 106 recorded ops: 27 Add, 26 MatMul, 26 GetItem, 25
Tanh, a CrossEntropy, a Concatenate), one BLAS thread, CPU time of this thread, best of the
repeats, in microseconds per backward:

- `backward()`: `J.backward()` as the bench times it (forward and the update untimed);
- `backward(retain_graph=True)`: the same without freeing what forward saved (the difference
  is the release: the ops' saved arrays and the write guard's graph let go);
- `toposort`: the engine's walk and sort alone;
- `op backwards alone`: each op's `backward(g)` called on the gradient it receives, nothing
  else (no accumulation, no checks): what any engine running these ops must pay;
- `Pending.run + leaves`: the accumulator's loop over the ops and the leaves' gradients
  completed (MatMul's deferred `H^T G`, the gather's rows), graph retained.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 benchmarks/eager_parts.py [--dtype float32]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from tinygrad_dl.engine import Pending, toposort
from tinygrad_dl.models import CharRNN

N, M, VOCAB, T = 200, 100, 80, 25


def best(fn: Callable[[], float], repeats: int) -> float:
    return min(fn() for _ in range(repeats))


def backward_rows(dtype: str, repeats: int) -> dict[str, float]:
    seqs = np.random.default_rng(0).integers(0, VOCAB, (N, T + 1))
    model = CharRNN(VOCAB, m=M, rng=np.random.default_rng(0), dtype=dtype)
    params = model.parameters()

    def run(retain: bool) -> float:
        h, spent = None, 0.0
        for i in range(N):
            for p in params:
                p.grad = None
            J = model.loss(seqs[i, :-1], seqs[i, 1:], h)
            t0 = time.thread_time()
            J.backward(retain_graph=retain)
            spent += time.thread_time() - t0
            J = None  # (the graph let go before the update writes the parameters)
            for p in params:
                p.data -= 0.01 * p.grad
            h = model.h_last
        return spent / N * 1e6

    return {"backward()": best(lambda: run(False), repeats),
            "backward(retain_graph=True)": best(lambda: run(True), repeats)}


def part_rows(dtype: str, repeats: int) -> dict[str, float]:
    model = CharRNN(VOCAB, m=M, rng=np.random.default_rng(0), dtype=dtype)
    seq = np.random.default_rng(0).integers(0, VOCAB, T + 1)
    J = model.loss(seq[:-1], seq[1:])
    ops, leaves = toposort(J)
    seed = np.ones_like(J.data)
    upstream = {}  # each op's incoming gradient, from one retained pass
    pending = Pending(J, seed)
    for t in ops:
        g = pending.pop(t)
        upstream[t] = g
        pending.grads[t] = g
        pending.run([t], True)

    def timed(fn: Callable[[], object], k: int = 200) -> Callable[[], float]:
        def one() -> float:
            t0 = time.thread_time()
            for _ in range(k):
                fn()
            return (time.thread_time() - t0) / k * 1e6
        return one

    def op_backwards() -> None:
        for t in ops:
            t._ctx.backward(upstream[t])

    def accumulate() -> None:
        p = Pending(J, seed)
        p.run(ops, True)
        for t in leaves:
            p.pop(t)

    return {"toposort": best(timed(lambda: toposort(J)), repeats),
            "op backwards alone": best(timed(op_backwards), repeats),
            "Pending.run + leaves": best(timed(accumulate), repeats)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    rows = {**backward_rows(args.dtype, args.repeats), **part_rows(args.dtype, args.repeats)}
    for name, us in rows.items():
        print(f"{name:30s} {args.dtype}  {us:7.1f} us")


if __name__ == "__main__":
    main()
