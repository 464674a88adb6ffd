"""What the write guard's additions of issue 19 cost: each measured against itself switched off,
interleaved in one process (best of N, CPU clock; run with one BLAS thread).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 benchmarks/write_guard_cost.py [--reps 9]

- op parameters copied by the op (write_guard.private): cross_entropy targets, where's condition,
  getitem index arrays, on small ops where the copy is the largest share;
- a training step whose parameters are views of one flat buffer (the graph keeps a copy of each
  and compares it before backward), against the same step with that check off;
- the same step with ordinary parameters (nothing to copy: the check costs one global read).
Prints one line per case: on, off, ratio.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn, write_guard
from tinygrad_dl import functional as F
from tinygrad_dl.ops import elementwise, loss, shape


def _best(cases: dict[str, tuple[Callable[[], None], Callable[[bool], None], int]],
          reps: int) -> None:
    for name, (fn, switch, n) in cases.items():
        best = {True: float("inf"), False: float("inf")}
        for r in range(reps):
            for on in (True, False) if r % 2 else (False, True):
                switch(on)
                t = time.process_time()
                for _ in range(n):
                    fn()
                best[on] = min(best[on], (time.process_time() - t) / n * 1e6)
        switch(True)
        print(f"{name:44s} on {best[True]:9.1f} us  off {best[False]:9.1f} us  "
              f"ratio {best[True] / best[False]:.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=9)
    reps = p.parse_args().reps
    rng = np.random.default_rng(0)

    def private(on: bool) -> None:
        for mod in (elementwise, loss, shape):
            mod.private = write_guard.private if on else (lambda v: v)

    z = Tensor(rng.standard_normal((100, 10)), requires_grad=True)
    y = rng.integers(0, 10, 100)
    x = Tensor(rng.standard_normal((4, 8)), requires_grad=True)
    cond, idx = rng.standard_normal((4, 8)) > 0, rng.integers(0, 4, 50)

    def ce() -> None:
        F.cross_entropy(z, y).backward()
        z.grad = None

    def where() -> None:
        tg.where(cond, x, 0.0).sum().backward()
        x.grad = None

    def getitem() -> None:
        x[idx].sum().backward()
        x.grad = None

    X, Y = rng.standard_normal((100, 3072)), rng.integers(0, 10, 100)
    l1, l2 = nn.Linear(3072, 50, rng=rng), nn.Linear(50, 10, rng=rng)
    params = l1.parameters() + l2.parameters()

    def step() -> None:
        for q in params:
            q.grad = None
        F.cross_entropy(l2(l1(Tensor(X)).relu()), Y).backward()
        with tg.no_grad():
            for q in params:
                q -= 0.01 * q.grad

    watch = write_guard.Graph.watch

    def view_check(on: bool) -> None:
        write_guard.Graph.watch = watch if on else (lambda self, a: None)

    _best({"cross_entropy 100x10, targets copied": (ce, private, 1000),
           "where 4x8, condition copied": (where, private, 1000),
           "getitem 50 indices, index copied": (getitem, private, 1000),
           "2-layer step 100x3072, own parameters": (step, view_check, 10)}, reps)
    flat = np.concatenate([q.data.ravel() for q in params])
    start = 0
    for q in params:  # every parameter a view of one flat buffer
        q.data = flat[start:start + q.data.size].reshape(q.data.shape)
        start += q.data.size
    _best({"2-layer step, parameters views of one buffer": (step, view_check, 10)}, reps)
    assert np.shares_memory(params[0].data, flat)


if __name__ == "__main__":
    main()
