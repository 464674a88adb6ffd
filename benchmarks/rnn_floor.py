"""How far the replayed unfused char-RNN is from what its graph costs as straight NumPy.

Issue 24's target for the char-RNN: the course's unfused graph, replayed, at >= 2.5x the
updates/s of the plain per-time-step BPTT loop (`workloads.plain_bptt`). This times, in one
process, interleaved (CPU time, one BLAS thread, best of the repeats):

- plain:  the plain loop (the reference);
- floor:  the unfused graph's own NumPy calls written out by hand, in the order the graph makes
          them (per step a row of A, h @ W, +, tanh; backward per step tanh's gradient, g Wᵀ,
          the row added into A's gradient, the one-row products kept for one dW = Hᵀ G), with
          no bookkeeping: what a perfect compiled replay of that graph would run;
- unrolled: the floor's calls in the same order with its loops over the time steps written
          out T times, as the compiled replay writes a step (what straight-line code costs);
- replay: `tinygrad_dl.jit` replaying `CharRNN(fused=False).loss(...).backward()`.

If floor/plain is under 2.5 the target cannot be met by replay of this graph at all; the gap
replay/floor is what the compiled plan still spends beyond NumPy.

    OMP_NUM_THREADS=1 python benchmarks/rnn_floor.py --dtype float32 --repeats 7
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from tinygrad_dl.bench.workloads import (
    Config,
    char_rnn,
    char_rnn_seqs,
    rnn_plain_updates,
    rnn_replay_updates,
)


def floor_updates(cfg: Config, params: dict[str, np.ndarray], seqs: np.ndarray) -> Any:
    """The unfused graph's NumPy calls for each update, nothing else (see the docstring)."""
    U, W, V, b, c = (params[k] for k in ("U", "W", "V", "b", "c"))
    T, m = seqs.shape[1] - 1, W.shape[0]
    rows = np.arange(T)

    def run() -> None:
        h0 = np.zeros((1, m), dtype=W.dtype)
        for seq in seqs:
            X, Y = seq[:-1], seq[1:]
            A = U[X] + b
            h, hs = h0, []
            for t in range(T):
                h = np.tanh(A[t:t + 1] + h.dot(W))
                hs.append(h)
            H = np.concatenate(hs)
            O = H.dot(V) + c
            O -= O.max(axis=1, keepdims=True)
            E = np.exp(O)
            S = E.sum(axis=1, keepdims=True)
            float((np.log(S[:, 0]) - O[rows, Y]).sum())  # the loss, read as the loop does
            G = E / S
            G[rows, Y] -= 1
            dV, dc, dH = H.T.dot(G), G.sum(axis=0), G.dot(V.T)
            gA = np.zeros((T, m), dtype=W.dtype)
            xs, gs, gn = [], [], None
            for t in range(T - 1, -1, -1):
                gh = dH[t:t + 1] if gn is None else dH[t:t + 1] + gn
                ga = gh * (1 - hs[t] * hs[t])
                row = gA[t:t + 1]
                row += ga
                gn = ga.dot(W.T)
                xs.append(hs[t - 1] if t else h0)
                gs.append(ga)
            dW = np.concatenate(xs).T @ np.concatenate(gs)
            dU = np.zeros_like(U)
            np.add.at(dU, X, gA)
            for p, g in ((U, dU), (W, dW), (V, dV), (b, gA.sum(axis=0)), (c, dc)):
                p -= cfg.lr * g
            h0 = hs[-1]

    return run


def unrolled_updates(cfg: Config, params: dict[str, np.ndarray], seqs: np.ndarray) -> Any:
    """`floor_updates`' NumPy calls, in the same order, with its two loops over the time
    steps written out as T copies of their lines (as the compiled replay writes a step):
    the same numbers; the time it takes against the floor's is what straight-line code costs
    the interpreter over a loop (each line's bytecode run once per update, not T times)."""
    T = seqs.shape[1] - 1
    fwd = [f"  s{t} = np.tanh(A[{t}:{t + 1}] + {f's{t - 1}' if t else 'h0'}.dot(W))"
           for t in range(T)]
    bwd = []
    for t in range(T - 1, -1, -1):
        bwd += [f"  gh = dH[{t}:{t + 1}]" + ("" if t == T - 1 else " + gn"),
                f"  g{t} = gh * (1 - s{t} * s{t})", f"  row = gA[{t}:{t + 1}]",
                f"  row += g{t}", "  gn = " + f"g{t}.dot(W.T)"]
    xs = ", ".join(f"s{t - 1}" if t else "h0" for t in range(T - 1, -1, -1))
    gs = ", ".join(f"g{t}" for t in range(T - 1, -1, -1))
    source = "\n".join([
        "def run():", " h0 = np.zeros((1, m), dtype=W.dtype)", " for seq in seqs:",
        "  X, Y = seq[:-1], seq[1:]", "  A = U[X] + b", *fwd,
        f"  H = np.concatenate([{', '.join(f's{t}' for t in range(T))}])",
        "  O = H.dot(V) + c", "  O -= O.max(axis=1, keepdims=True)", "  E = np.exp(O)",
        "  S = E.sum(axis=1, keepdims=True)", "  float((np.log(S[:, 0]) - O[rows, Y]).sum())",
        "  G = E / S", "  G[rows, Y] -= 1", "  dV, dc, dH = H.T.dot(G), G.sum(axis=0), G.dot(V.T)",
        "  gA = np.zeros((T, m), dtype=W.dtype)", *bwd,
        f"  dW = np.concatenate([{xs}]).T @ np.concatenate([{gs}])",
        "  dU = np.zeros_like(U)", "  np.add.at(dU, X, gA)",
        "  for p, g in ((U, dU), (W, dW), (V, dV), (b, gA.sum(axis=0)), (c, dc)):",
        "   p -= lr * g", f"  h0 = s{T - 1}"])
    env = {"np": np, "seqs": seqs, "m": params["W"].shape[0], "T": T, "rows": np.arange(T),
           "lr": cfg.lr, **{k: params[k] for k in ("U", "W", "V", "b", "c")}}
    exec(compile(source, "<unrolled floor>", "exec"), env)  # noqa: S102 - our own lines
    return env["run"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    threadpool_limits(1)
    cfg = Config()
    seqs = char_rnn_seqs(cfg)

    def own() -> dict[str, np.ndarray]:  # each loop updates its own copies of the weights
        return {k: p.data.copy() for k, p in char_rnn(cfg, args.dtype).named_parameters()}

    fns = {"plain": rnn_plain_updates(cfg, own(), seqs),
           "floor": floor_updates(cfg, own(), seqs),
           "unrolled": unrolled_updates(cfg, own(), seqs),
           "replay": rnn_replay_updates(cfg, char_rnn(cfg, args.dtype), seqs)}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for f in fns.values():
        f()  # warm-up (and the replay's recording)
    for _ in range(args.repeats):
        for k, f in fns.items():
            gc.collect()
            t0 = time.thread_time()
            f()
            times[k].append(time.thread_time() - t0)
    best = {k: min(v) for k, v in times.items()}
    n = len(seqs)
    for k, t in best.items():
        print(f"{k:7s} {args.dtype}  {t / n * 1e6:7.0f} us/update  "
              f"{best['plain'] / t:5.2f}x the plain loop's updates/s")
    print(f"replay / floor: {best['replay'] / best['floor']:.2f} (the compiled plan's own cost); "
          f"unrolled / floor: {best['unrolled'] / best['floor']:.2f} (the same calls as "
          "straight-line code)")


if __name__ == "__main__":
    main()
