"""Reproduce the results table of docs/results.md (and the README's summary of it): the
course's target runs, through the real CLI.

    python3 benchmarks/results.py --data /path/to/cifar-10-batches-py            # all runs
    python3 benchmarks/results.py --data DIR --only one-layer two-layer --seeds 0 1 2 3 4

Each run is the exact `tinygrad-dl train ...` command printed in the table (plus --data, --seed
and --out); its outputs go to OUT/NAME/seed-S/ (default OUT = runs/results). A run whose
result.json already exists is not trained again (delete it, or pass --force), so an
interrupted script resumes. The table is printed and written to OUT/RESULTS.md.

Lambda for the two-layer and the [50, 50] batch-norm nets comes from a coarse-to-fine search on
the validation accuracy (mean of several seeds), see benchmarks/lambda_grid.py:

    python3 benchmarks/lambda_grid.py two-layer --data DIR --seeds 0 1 \
        --lambdas 1e-4 3e-4 1e-3 3e-3 1e-2 3e-2 1e-1 --set split=all val_size=500 cycles=2
    python3 benchmarks/lambda_grid.py two-layer --data DIR --seeds 0 1 2 \
        --lambdas 1e-4 3e-4 1e-3 3e-3 5e-3 1e-2 2e-2 --set split=all val_size=500 cycles=3
    python3 benchmarks/lambda_grid.py k-layer --data DIR --seeds 0 1 \
        --lambdas 0.005 0.01 0.02 0.04 0.08 0.12 0.16 0.25 --set split=all val_size=500 \
        "hidden=[50,50]" cycles=2
    python3 benchmarks/lambda_grid.py k-layer --data DIR --seeds 0 1 2 \
        --lambdas 0.04 0.06 0.08 0.1 --set split=all val_size=500 "hidden=[50,50]" cycles=2

(`--search` also runs the team's `tinygrad-dl search` random search for the two-layer lambda;
with one seed per trial its ranking is dominated by seed noise on this small subset.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar-10-batches-py"

# The coarse-to-fine lambda search for the two-layer net (course assignment 2): 8 random
# lambdas = 10^uniform(-5, -1) with 2 cycles, then 8 more in the range of the best ones.
LAMBDA_SEARCH = ["search", "two-layer", "--split", "all", "--val-size", "500", "--m", "50",
                 "--cycles", "2", "--param", "lambda=log10:-5:-1", "--trials", "8",
                 "--refine", "1", "--jobs", "1", "--seed", "0"]
LAMBDA_TWO_LAYER = "0.01"  # best mean validation accuracy in the search (= the course's 0.01)
LAMBDA_K_LAYER = "0.06"  # best mean validation accuracy in the search (course: 0.005)
NINE = "50,30,20,20,10,10,10,10"


@dataclass
class Run:
    name: str
    what: str
    argv: list[str]  # after `tinygrad-dl train`
    target: str  # the brief's target on this CIFAR-10 subset
    course: str  # the course's reference on the full dataset


RUNS = [
    Run("one-layer", "(a) one-layer, train batch 1 / val batch 2",
        ["one-layer", "--split", "batch1", "--lambda", "0.1", "--eta", "0.001",
         "--n-batch", "100", "--epochs", "40"], ">= 31.5%", "~39%"),
    Run("two-layer", "(b) two-layer m=50, cyclical eta, 3 cycles, searched lambda",
        ["two-layer", "--split", "all", "--val-size", "500", "--m", "50",
         "--lambda", LAMBDA_TWO_LAYER, "--eta-min", "1e-5", "--eta-max", "1e-1",
         "--n-batch", "100", "--cycles", "3"], ">= 42%", "~52%"),
    Run("k-layer-bn", "(c) 3-layer [50, 50] + batch norm, searched lambda",
        ["k-layer", "--split", "all", "--val-size", "500", "--hidden", "50,50", "--batch-norm",
         "--lambda", LAMBDA_K_LAYER, "--eta-min", "1e-5", "--eta-max", "1e-1", "--n-batch",
         "100", "--cycles", "2"], ">= 42%", "53-54%"),
    Run("k-layer-bn-lam0.005", "(c) 3-layer [50, 50] + batch norm, the course's lambda 0.005",
        ["k-layer", "--split", "all", "--val-size", "500", "--hidden", "50,50", "--batch-norm",
         "--lambda", "0.005", "--eta-min", "1e-5", "--eta-max", "1e-1", "--n-batch", "100",
         "--cycles", "2"], "(overfits here)", "53-54%"),
    Run("9-layer-bn", "(c) 9-layer + batch norm",
        ["k-layer", "--split", "all", "--val-size", "500", "--hidden", NINE, "--batch-norm",
         "--lambda", "0.005", "--eta-min", "1e-5", "--eta-max", "1e-1", "--n-batch", "100",
         "--cycles", "2"], "stable, > no BN", "-"),
    Run("9-layer-no-bn", "(c) 9-layer, no batch norm",
        ["k-layer", "--split", "all", "--val-size", "500", "--hidden", NINE,
         "--no-batch-norm", "--lambda", "0.005", "--eta-min", "1e-5", "--eta-max", "1e-1",
         "--n-batch", "100", "--cycles", "2"], "(baseline)", "-"),
    Run("9-layer-bn-sig1e-3", "(c) 9-layer + batch norm, init N(0, 1e-3^2)",
        ["k-layer", "--split", "all", "--val-size", "500", "--hidden", NINE, "--batch-norm",
         "--init", "gaussian", "--std", "1e-3", "--lambda", "0.005", "--eta-min", "1e-5",
         "--eta-max", "1e-1", "--n-batch", "100", "--cycles", "2"], "trains", "trains"),
    Run("9-layer-no-bn-sig1e-3", "(c) 9-layer, no batch norm, init N(0, 1e-3^2)",
        ["k-layer", "--split", "all", "--val-size", "500", "--hidden", NINE,
         "--no-batch-norm", "--init", "gaussian", "--std", "1e-3", "--lambda", "0.005",
         "--eta-min", "1e-5", "--eta-max", "1e-1", "--n-batch", "100", "--cycles", "2"],
        "(baseline)", "fails"),
    Run("char-rnn", "(d) char-RNN m=100 on the embedded corpus",
        ["char-rnn", "--m", "100", "--eta", "0.1", "--seq-length", "25",
         "--n-updates", "100000"], "smooth loss falls from ~log(K)*25", "-"),
]


def command(run: Run, seed: int) -> str:
    return "tinygrad-dl train " + shlex.join([*run.argv, "--seed", str(seed)])


def stale(run: Run, seed: int, result: dict) -> str | None:
    """What of `run`'s command (model, seed, a flag's value) a stored result.json was not
    trained with, or None: a run kept from before a setting changed (LAMBDA_K_LAYER, say) was
    reported under the new command, without a word."""
    from tinygrad_dl.cli import build_parser
    from tinygrad_dl.train.hyperparams import HYPERS

    given = vars(build_parser("train").parse_args(["train", *run.argv]))
    if result.get("model") != run.argv[0]:
        return f"model {result.get('model')!r}, not {run.argv[0]!r}"
    if result.get("seed") != seed:
        return f"seed {result.get('seed')!r}, not {seed}"
    params = result.get("params") or {}
    for h in HYPERS:
        want = given.get(h.key)
        if want is None:
            continue
        if h.key not in params:  # (an older result.json, or a setting the run did not use)
            return f"no {h.key} recorded, not {h.key}={want!r} as the command says"
        if not _same(params[h.key], want):
            return f"{h.key}={params[h.key]!r}, not {want!r} as the command says"
    return None


def _same(kept: object, want: object) -> bool:
    """A kept setting equals the command's: a float as written back (0.06 read as
    0.060000000000000005, or through float32) is the same value; 100 and 100.0 are too."""
    if isinstance(kept, bool) or isinstance(want, bool):
        return kept is want
    if isinstance(kept, (int, float)) and isinstance(want, (int, float)):
        return math.isclose(kept, want, rel_tol=1e-6, abs_tol=0.0)
    if isinstance(kept, (list, tuple)) and isinstance(want, (list, tuple)):
        return len(kept) == len(want) and all(_same(a, b) for a, b in zip(kept, want))
    return kept == want


def train(run: Run, seed: int, data: Path, out: Path, force: bool) -> dict:
    dest = out / run.name / f"seed-{seed}"
    if not force and (dest / "result.json").is_file():
        kept = json.loads((dest / "result.json").read_text())
        why = stale(run, seed, kept)
        if why:
            raise SystemExit(f"{run.name} (seed {seed}): {dest / 'result.json'} was trained with "
                             f"{why}; pass --force (or delete it) to train it again")
        return kept
    from tinygrad_dl.cli import main

    argv = ["train", *run.argv, "--seed", str(seed), "--out", str(dest), "--no-progress"]
    if run.argv[0] != "char-rnn":
        argv += ["--data", str(data)]
    print(f"$ tinygrad-dl {shlex.join(argv)}", flush=True)
    if main(argv) != 0:
        raise SystemExit(f"{run.name} (seed {seed}) failed")
    return json.loads((dest / "result.json").read_text())


def cell(run: Run, results: list[dict]) -> str:
    if run.argv[0] == "char-rnn":
        r = results[0]
        hist = json.loads((Path(r["_dir"]) / "history.json").read_text())["columns"]
        first = hist["smooth_loss"][0]
        K = len(r.get("_chars", [])) or math.nan
        return (f"smooth loss {first:.1f} -> {r['final']['smooth_loss']:.2f} "
                f"(25 log K = {25 * math.log(K):.1f}; {r['final']['smooth_loss'] / 25:.2f} "
                "per char)")
    accs = np.array([r["test_acc"] for r in results]) * 100
    s = f"**{accs[0]:.2f}%**"
    if len(accs) > 1:
        s += f" (seeds {len(accs)}: {accs.mean():.2f} ± {accs.std(ddof=1):.2f}%)"
    return s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("TINYGRAD_DL_DATA", SHARED)))
    ap.add_argument("--out", type=Path, default=Path("runs/results"))
    ap.add_argument("--only", nargs="+", default=None, choices=[r.name for r in RUNS])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--force", action="store_true", help="re-train runs that have results")
    ap.add_argument("--search", action="store_true", help="also run the two-layer lambda search")
    args = ap.parse_args()
    if not (args.data / "data_batch_1").is_file():
        raise SystemExit(f"no CIFAR-10 at {args.data}; pass --data DIR")
    if args.search:
        from tinygrad_dl.cli import main as cli

        cli([*LAMBDA_SEARCH, "--data", str(args.data), "--out",
             str(args.out / "search-two-layer"), "--no-progress"])
    rows = ["| run | command (`--data DIR` added for CIFAR-10) | result on this subset | target "
            "| course, full CIFAR-10 | time |", "|---|---|---|---|---|---|"]
    for run in RUNS:
        if args.only and run.name not in args.only:
            continue
        t0 = time.perf_counter()
        seeds = [0] if run.argv[0] == "char-rnn" else args.seeds
        results = []
        for s in seeds:
            r = train(run, s, args.data, args.out, args.force)
            r["_dir"] = str(args.out / run.name / f"seed-{s}")
            if run.argv[0] == "char-rnn":
                from tinygrad_dl import checkpoint

                r["_chars"] = checkpoint.read(Path(r["_dir"]) / "model.npz")[0]["extra"]["chars"]
            results.append(r)
        secs = sum(r["seconds"] for r in results) / len(results)
        rows.append(f"| {run.what} | `{command(run, seeds[0])}` | {cell(run, results)} | "
                    f"{run.target} | {run.course} | {secs:.0f} s |")
        print(f"[{run.name}] done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    table = "\n".join(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    # when and from which code: a table read later must say what it measured
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=Path(__file__).parent, check=False).stdout.strip()
    stamp = (f"Written by `python3 benchmarks/results.py` on {time.strftime('%Y-%m-%d')}"
             f"{f' at `{head}`' if head else ''}, seeds {' '.join(map(str, args.seeds))} "
             "(the char-RNN: seed 0).\n\n")
    (args.out / "RESULTS.md").write_text(stamp + table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
