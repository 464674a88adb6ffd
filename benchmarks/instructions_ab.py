"""Instructions per replayed char-RNN update, two trees side by side (valgrind's callgrind).

On the shared 2-core box a replayed row's time moves by 5-15% between runs, so a change of a
few percent cannot be seen in time (`replay_ab.py` interleaves two trees in one process and
still reads B/A 0.95-1.06 for the same code). Instructions do not depend on the load. This
script copies the two trees as `replay_ab.py` does (`tg_a`, `tg_b`), runs the unfused
char-RNN's replayed step (the bench's sizes: m=100, T=25, vocab 80; `p.grad = None`, the
step, `p.data -= lr * p.grad`) under `valgrind --tool=callgrind` for two numbers of updates
after the same warm-up, and reports the difference divided by the difference in updates:
start-up, imports and the recording cancel out. `--floor` adds `rnn_floor.py`'s
hand-written NumPy of the same graph, measured the same way. `--eager` counts the eager
graph's backward instead (issue 23's row): updates with `J.backward()` less the same updates
without it.

Instructions are not time: straight-line code with one copy of the lines per time step runs
fewer instructions per cycle than a loop over one copy (see docs/performance-history.md), so a
change that saves instructions by writing more lines out must still be timed.

    python benchmarks/instructions_ab.py --a HEAD~1 [--b HEAD] [--dtype float32] [--floor] [--sgd]
    python benchmarks/instructions_ab.py --a fbfdd00 --eager
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN = """
import sys, importlib, numpy as np
sys.path.insert(0, {root!r})
name, n, dtype, sgd = {name!r}, {n}, {dtype!r}, {sgd!r}
if name == "floor":
    sys.path.insert(0, {here!r})
    from rnn_floor import floor_updates
    from tinygrad_dl.bench.workloads import Config, char_rnn, char_rnn_seqs
    cfg = Config()
    params = {{k: p.data.copy() for k, p in char_rnn(cfg, dtype).named_parameters()}}
    floor_updates(cfg, params, char_rnn_seqs(cfg)[:3 + n])()
    sys.exit()
pk = importlib.import_module(name)
importlib.import_module(name + ".models"), importlib.import_module(name + ".jit")
importlib.import_module(name + ".optim")
m, vocab, T = 100, 80, 25
seqs = np.random.default_rng(0).integers(0, vocab, (3 + n, T + 1))
model = pk.models.CharRNN(vocab, m=m, rng=np.random.default_rng(0), dtype=dtype, fused=False)
params = model.parameters()

@pk.jit.jit
def step(X, Y, h0):
    J = model.loss(X, Y, h0)
    J.backward()
    return J

h = np.zeros(m, dtype=dtype)
opt = pk.optim.SGD(params, lr=0.01) if sgd else None
for seq in seqs:
    if sgd:  # the bench's loop: the optimizer's Python right after the replayed step
        opt.zero_grad()
        step(seq[:-1], seq[1:], h)
        opt.step()
        h = model.h_last
        continue
    for p in params:
        p.grad = None
    step(seq[:-1], seq[1:], h)
    for p in params:
        p.data -= 0.01 * p.grad
    h = model.h_last
assert step.replays == n + 1, step.replays
"""

EAGER = """
import sys, importlib, numpy as np
sys.path.insert(0, {root!r})
name, n, dtype, backward = {name!r}, {n}, {dtype!r}, {backward!r}
pk = importlib.import_module(name)
importlib.import_module(name + ".models")
m, vocab, T = 100, 80, 25
seqs = np.random.default_rng(0).integers(0, vocab, (3 + n, T + 1))
model = pk.models.CharRNN(vocab, m=m, rng=np.random.default_rng(0), dtype=dtype)
params = model.parameters()
h = None
for seq in seqs:
    for p in params:
        p.grad = None
    J = model.loss(seq[:-1], seq[1:], h)
    if backward:
        J.backward()
    else:  # the same update's work with zero gradients, without backward
        for p in params:
            p.grad = np.zeros_like(p.data)
    del J  # (the graph let go of: it may guard the parameters against writes)
    for p in params:
        p.data -= 0.01 * p.grad
    h = model.h_last
"""


def collected(log: str) -> int:
    """The instruction count callgrind prints at exit ("Collected : 123")."""
    found = re.findall(r"Collected\s*:\s*(\d+)", log)
    if not found:
        raise RuntimeError(f"instructions_ab: no 'Collected' line in valgrind's output:\n{log}")
    return int(found[-1])


def per_update(counts: dict[int, int]) -> float:
    """Instructions per update from the counts of two runs (updates -> instructions)."""
    (n0, c0), (n1, c1) = sorted(counts.items())
    return (c1 - c0) / (n1 - n0)


def count(root: Path, name: str, n: int, dtype: str, eager: bool | None = None,
          sgd: bool = False) -> int:
    """Instructions of `n` updates (after 3 more) of tree `name`: replayed (with `sgd`, each
    update through the tree's optim.SGD), or with `eager` the eager graph's forward and
    backward (True) or its forward alone (False)."""
    script = (RUN.format(root=str(root), name=name, n=n, dtype=dtype, here=str(HERE), sgd=sgd)
              if eager is None else
              EAGER.format(root=str(root), name=name, n=n, dtype=dtype, backward=eager))
    # (no .pyc written: a first run that wrote them would count compiling that a second, which
    # read them, does not, and the difference would be off by it)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, check=False)
    if out.returncode:
        raise RuntimeError(f"instructions_ab: {name} with {n} updates failed:\n{out.stderr}")
    return collected(out.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", default="HEAD", help="git revision A (before)")
    ap.add_argument("--b", default=None, help="git revision B (default: the working tree)")
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--updates", default="5,45", help="the two numbers of updates to run")
    ap.add_argument("--floor", action="store_true", help="also the hand-written NumPy floor")
    ap.add_argument("--eager", action="store_true",
                    help="the eager backward instead of the replayed update: instructions of "
                         "forward + backward less forward alone (issue 23's row)")
    ap.add_argument("--sgd", action="store_true",
                    help="the replayed update through each tree's optim.SGD (zero_grad, the "
                         "step, step(): the bench's loop), not p.data -= lr * p.grad")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("instructions_ab: needs valgrind (apt-get install valgrind)")
    sys.path.insert(0, str(HERE))
    from replay_ab import build  # the same copies of the trees as the timing A/B

    ns = [int(v) for v in args.updates.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(args.a, "tg_a", root)
        build(args.b, "tg_b", root)
        names = ["tg_a", "tg_b"] + (["floor"] if args.floor and not args.eager else [])
        if args.eager:
            got = {v: per_update({n: count(root, v, n, args.dtype, True) for n in ns})
                   - per_update({n: count(root, v, n, args.dtype, False) for n in ns})
                   for v in names}
        else:
            got = {v: per_update({n: count(root, v, n, args.dtype, sgd=args.sgd and v != "floor")
                                  for n in ns}) for v in names}
    what = "eager backward" if args.eager else "update"
    for v, k in got.items():
        print(f"{v:6s} {args.dtype}  {k / 1e6:.3f} M instructions per {what}")
    print(f"B/A {got['tg_b'] / got['tg_a']:.4f}")
    if args.floor:
        print(f"A/floor {got['tg_a'] / got['floor']:.3f}  B/floor {got['tg_b'] / got['floor']:.3f}")


if __name__ == "__main__":
    main()
