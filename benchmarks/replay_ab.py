"""Before/after timing of the replayed (jit) rows of `tinygrad-dl bench`, both trees in ONE process.

On a shared machine the same code's bench row moves by 10-30% from run to run, so two whole
bench runs cannot tell a 5% change. This script loads two versions of the package side by side
(copies of `tinygrad_dl` and `models` renamed to `tg_a` and `tg_b`), builds the bench's replayed
workloads (same sizes as `tinygrad-dl bench`: a 10,000 x 3072 epoch in batches of 100, the
char-RNN's 200 updates of T=25, m=100, the tiny `x*y` step) for each, and times A, B and hand
NumPy interleaved repeat by repeat (CPU clock, one BLAS thread), reporting the best of the
repeats and B/A per row. `--rows eager` times the unfused char-RNN's eager backward alone;
`etiny` and `ecls` the tiny step and the classifier epochs eager (no @jit), `etinyref` the
tiny eager step with a second reference to w's array held (the write guard's watched path);
`clssgd` and `rnnsgd` the classifier epochs and the char-RNN's updates through each tree's
`optim.SGD` (the bench's loop, where the optimizer's Python runs right after the step).

    python benchmarks/replay_ab.py --a main              # main against this working tree
    python benchmarks/replay_ab.py --a de18439 --b HEAD --rows tiny,rnn --repeats 30
    python benchmarks/replay_ab.py --a old/  # a folder with tinygrad_dl/ and models/ of a commit

Run it a few times and read the medians: a single run still has a few percent of noise.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N, D, K, BATCH, LAM, LR = 10_000, 3072, 10, 100, 0.005, 0.01


def build(rev: str | None, name: str, into: Path) -> None:
    """Copy tinygrad_dl and models of `rev` (None: the working tree; a directory holding
    the two folders, such as a `git archive` of a commit for a machine without the history)
    as package `name`."""
    src = into / f"src_{name}"
    src.mkdir()
    if rev is None or Path(rev).is_dir():
        for part in ("tinygrad_dl", "models"):
            shutil.copytree(Path(rev or ROOT) / part, src / part,
                            ignore=shutil.ignore_patterns("__pycache__"))
    else:
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "tinygrad_dl", "models"],
                             check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=tar, check=True)
    pkg = into / name
    shutil.copytree(src / "tinygrad_dl", pkg)
    # (a checkout that links tinygrad_dl/models to ../models already copied it: the same files)
    shutil.copytree(src / "models", pkg / "models", dirs_exist_ok=True)
    for f in pkg.rglob("*.py"):
        f.write_text(f.read_text().replace("tinygrad_dl", name))


def best(fns: dict[str, Any], repeats: int) -> dict[str, float]:
    for f in fns.values():
        f()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            gc.collect()
            t0 = time.thread_time()
            spent = f()  # a function that times only part of its work returns that time
            times[k].append(time.thread_time() - t0 if spent is None else spent)
    return {k: min(v) for k, v in times.items()}


def classifier_rows(pk: dict[str, Any], dtype: str, repeats: int, replay: bool = True,
                    sgd: bool = False) -> dict[str, dict[str, float]]:
    """Each classifier's epoch (10,000 x 3072 in batches of 100) replayed (or, with
    replay=False, eager: the same step without @jit) beside the hand-derived epoch. The update
    is `p.data -= LR * p.grad`, or with sgd=True each tree's own `optim.SGD` (zero_grad, step:
    what `tinygrad-dl bench` runs)."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((N, D)).astype(dtype), rng.integers(0, K, N)

    def model(v: str, name: str) -> Any:
        M, r = pk[v].models, np.random.default_rng(0)
        if name == "one-layer":
            return M.OneLayer(D, K, lam=LAM, rng=r, dtype=dtype)
        if name == "two-layer (m=50)":
            return M.TwoLayer(D, 50, K, lam=LAM, rng=r, dtype=dtype)
        hidden = [50, 50] if name == "k-layer [50, 50] BN" else [50, 30, 20, 20, 10, 10, 10, 10]
        return M.KLayer(D, hidden, K, lam=LAM, rng=r, dtype=dtype)

    def replayed(v: str, m: Any) -> Any:
        params = m.parameters()

        def step(Xb: np.ndarray, yb: np.ndarray) -> None:
            m.loss(Xb, yb).backward()
        if replay:
            step = pk[v].jit.jit(step)

        def epoch() -> None:
            for i in range(N // BATCH):
                for p in params:
                    p.grad = None
                step(X[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH])
                for p in params:
                    p.data -= LR * p.grad

        if sgd:
            opt = pk[v].optim.SGD(params, lr=LR)

            def epoch() -> None:  # noqa: F811 - the bench's loop instead
                for i in range(N // BATCH):
                    opt.zero_grad()
                    step(X[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH])
                    opt.step()
        return epoch

    def hand(m: Any) -> Any:
        named = m.named_parameters()

        def epoch() -> None:
            for i in range(N // BATCH):
                g = m.hand_gradients(X[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH])
                for name, p in named:
                    p.data -= LR * g[name]
        return epoch

    out = {}
    for name in ("one-layer", "two-layer (m=50)", "k-layer [50, 50] BN", "k-layer 9 layers BN"):
        fns = {v: replayed(v, model(v, name)) for v in pk}
        fns["hand"] = hand(model("a", name))
        out[f"{name} {'replayed' if replay else 'eager'}{', SGD' if sgd else ''}"] = \
            best(fns, repeats)
    return out


def eager_classifier_rows(pk: dict[str, Any], dtype: str, repeats: int
                          ) -> dict[str, dict[str, float]]:
    return classifier_rows(pk, dtype, repeats, replay=False)


def rnn_rows(pk: dict[str, Any], dtype: str, repeats: int, sgd: bool = False
             ) -> dict[str, dict[str, float]]:
    """The char-RNN's 200 replayed updates (unfused graph, fused rnn op) beside the model's
    hand_gradients; the update `p.data -= LR * p.grad`, or with sgd=True each tree's own
    `optim.SGD` (zero_grad, the step, step(): the loop `tinygrad-dl bench` and
    `rnn_floor.py` time, where the optimizer's Python runs right after the replayed step)."""
    n, m, vocab, T = 200, 100, 80, 25
    seqs = np.random.default_rng(0).integers(0, vocab, (n, T + 1))

    def replayed(v: str, fused: bool) -> Any:
        model = pk[v].models.CharRNN(vocab, m=m, rng=np.random.default_rng(0), dtype=dtype,
                                     fused=fused)
        params = model.parameters()

        @pk[v].jit.jit
        def step(X: np.ndarray, Y: np.ndarray, h0: np.ndarray) -> Any:
            J = model.loss(X, Y, h0)
            J.backward()
            return J

        def run() -> None:
            h = np.zeros(m, dtype=dtype)
            for i in range(n):
                for p in params:
                    p.grad = None
                step(seqs[i, :-1], seqs[i, 1:], h)
                for p in params:
                    p.data -= LR * p.grad
                h = model.h_last

        if sgd:
            opt = pk[v].optim.SGD(params, lr=LR)

            def run() -> None:  # noqa: F811 - the bench's loop instead
                h = np.zeros(m, dtype=dtype)
                for i in range(n):
                    opt.zero_grad()
                    step(seqs[i, :-1], seqs[i, 1:], h)
                    opt.step()
                    h = model.h_last
        return run

    ref = pk["a"].models.CharRNN(vocab, m=m, rng=np.random.default_rng(0), dtype=dtype)
    named = ref.named_parameters()

    def hand() -> None:
        h = None
        for i in range(n):
            g = ref.hand_gradients(seqs[i, :-1], seqs[i, 1:], h)
            for name, p in named:
                p.data -= LR * g[name]
            h = ref.h_last

    out = {}
    for fused in (False, True):
        fns = {v: replayed(v, fused) for v in pk}
        fns["hand"] = hand
        out[f"char-RNN {'fused rnn op' if fused else 'graph'} replayed"
            f"{', SGD' if sgd else ''}"] = best(fns, repeats)
    return out


def eager_rows(pk: dict[str, Any], dtype: str, repeats: int) -> dict[str, dict[str, float]]:
    """The unfused char-RNN's eager backward alone (the same 200 updates of T=25, m=100):
    forward and SGD run untimed, `J.backward()` is timed."""
    n, m, vocab, T = 200, 100, 80, 25
    seqs = np.random.default_rng(0).integers(0, vocab, (n, T + 1))

    def eager(v: str) -> Any:
        model = pk[v].models.CharRNN(vocab, m=m, rng=np.random.default_rng(0), dtype=dtype)
        params = model.parameters()

        def run() -> float:
            h, spent = None, 0.0
            for i in range(n):
                for p in params:
                    p.grad = None
                J = model.loss(seqs[i, :-1], seqs[i, 1:], h)
                t0 = time.thread_time()
                J.backward()
                spent += time.thread_time() - t0
                for p in params:
                    p.data -= LR * p.grad
                h = model.h_last
            return spent
        return run

    ref = pk["a"].models.CharRNN(vocab, m=m, rng=np.random.default_rng(0), dtype=dtype)

    def hand() -> None:  # the whole hand-written BPTT, forward included
        h = None
        for i in range(n):
            ref.hand_gradients(seqs[i, :-1], seqs[i, 1:], h)
            h = ref.h_last

    fns = {v: eager(v) for v in pk}
    fns["hand"] = hand
    return {"char-RNN graph eager backward only": best(fns, repeats)}


def tiny_rows(pk: dict[str, Any], dtype: str, repeats: int, replay: bool = True,
              ref: bool = False) -> dict[str, dict[str, float]]:
    """5,000 forward+backward of `x * w` (4 elements), replayed (or eager), beside the three
    NumPy multiplies they amount to. ref=True holds a second reference to w's array (`W =
    w.data`, as a user may), which puts each eager graph on the write guard's watched path."""
    k = 5000
    fns = {}
    for v in pk:
        T = pk[v].Tensor
        x = T(np.ones(4, dtype=dtype), requires_grad=True)
        w = T(np.ones(4, dtype=dtype), requires_grad=True)
        g = np.ones(4, dtype=dtype)
        held = w.data if ref else None

        def make(x: Any = x, w: Any = w, g: np.ndarray = g, v: str = v, held: Any = held
                 ) -> Any:
            def step(g: np.ndarray) -> None:
                (x * w).backward(g)
            if replay:
                step = pk[v].jit.jit(step)

            def run() -> None:
                for _ in range(k):
                    x.grad = w.grad = None
                    step(g)
            run.held = held  # type: ignore[attr-defined]
            return run
        fns[v] = make()
    a = np.ones(4, dtype=dtype)

    def hand() -> None:
        for _ in range(k):
            a * a, a * a, a * a  # noqa: B018 - the three multiplies of x*y fwd+bwd
    fns["hand"] = hand
    how = "replayed" if replay else "eager, w.data held" if ref else "eager"
    return {f"tiny op x*y fwd+bwd {how}": best(fns, repeats)}


def eager_tiny_rows(pk: dict[str, Any], dtype: str, repeats: int) -> dict[str, dict[str, float]]:
    return tiny_rows(pk, dtype, repeats, replay=False)


def eager_tiny_ref_rows(pk: dict[str, Any], dtype: str, repeats: int
                        ) -> dict[str, dict[str, float]]:
    return tiny_rows(pk, dtype, repeats, replay=False, ref=True)


def positive_int(s: str) -> int:
    """argparse type: an integer >= 1. (Not tinygrad_dl.commands.args's: this script loads
    only its copies of the trees, it runs where no tinygrad_dl is importable.)"""
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {s!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {s}")
    return v


KINDS: dict[str, Any] = {
    "tiny": tiny_rows, "rnn": rnn_rows, "cls": classifier_rows, "eager": eager_rows,
    "etiny": eager_tiny_rows, "etinyref": eager_tiny_ref_rows, "ecls": eager_classifier_rows,
    "clssgd": lambda pk, dt, r: classifier_rows(pk, dt, r, sgd=True),
    "rnnsgd": lambda pk, dt, r: rnn_rows(pk, dt, r, sgd=True),
    "eclssgd": lambda pk, dt, r: classifier_rows(pk, dt, r, replay=False, sgd=True)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", default="main", help="git revision A (before)")
    ap.add_argument("--b", default=None, help="git revision B (after; default the working tree)")
    ap.add_argument("--rows", default="tiny,rnn,cls",
                    help="tiny, rnn, cls (replayed); eager (the char-RNN's eager backward), "
                         "etiny, etinyref (w.data held), ecls (eager steps); clssgd, "
                         "eclssgd, rnnsgd: cls, ecls, rnn with each tree's optim.SGD; a "
                         "comma list")
    ap.add_argument("--dtypes", default="float64,float32")
    ap.add_argument("--repeats", type=positive_int, default=15)
    args = ap.parse_args(argv)
    unknown = [k for k in args.rows.split(",") if k not in KINDS]
    if unknown:  # (a KeyError after minutes of copying and importing both trees)
        ap.error(f"--rows: unknown row kind {unknown[0]!r}; choose from {', '.join(KINDS)}")
    bad = [d for d in args.dtypes.split(",") if d not in ("float64", "float32")]
    if bad:
        ap.error(f"--dtypes: {bad[0]!r} is not float64 or float32")
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "tinygrad_dl",
                            "models"], capture_output=True, text=True).stdout.strip()
    if dirty and None not in (args.a, args.b):  # a revision is what was committed: say so
        print(f"replay_ab: both trees are commits ({args.a}, {args.b}); the working tree's "
              f"uncommitted changes to tinygrad_dl/ or models/ are in neither (leave out --b "
              f"to time them)", file=sys.stderr)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    with tempfile.TemporaryDirectory() as tmp:
        build(args.a, "tg_a", Path(tmp))
        build(args.b, "tg_b", Path(tmp))
        sys.path.insert(0, tmp)
        pk = {}
        for v in ("a", "b"):
            pk[v] = importlib.import_module(f"tg_{v}")
            importlib.import_module(f"tg_{v}.jit")
            importlib.import_module(f"tg_{v}.models")
            importlib.import_module(f"tg_{v}.optim")
        print(f"A = {args.a}, B = {args.b or 'working tree'}; best of {args.repeats}, CPU time")
        for dtype in args.dtypes.split(","):
            for kind in args.rows.split(","):
                for row, t in KINDS[kind](pk, dtype, args.repeats).items():
                    print(f"{row:40s} {dtype}  A {t['a']:.4g} s  B {t['b']:.4g} s  "
                          f"B/A {t['b'] / t['a']:.3f}  A/hand {t['a'] / t['hand']:.2f}  "
                          f"B/hand {t['b'] / t['hand']:.2f}", flush=True)


if __name__ == "__main__":
    main()
