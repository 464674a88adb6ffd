"""Coarse-to-fine lambda search with several seeds per value (less noisy than one run each).

    python3 benchmarks/lambda_grid.py two-layer --data DIR --lambdas 1e-4 1e-3 1e-2 \
        --seeds 0 1 2 --set split=all val_size=500 cycles=2

For each lambda it trains one run per seed with tinygrad_dl.train.run_training and reports the
mean (± std) final validation accuracy; lambda is chosen on validation accuracy only. The test
accuracy is printed for information. Results are appended to OUT/grid.jsonl (resumable).
"""

from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path

import numpy as np


def parse_set(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--data", required=True)
    ap.add_argument("--lambdas", type=float, nargs="+", required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--set", nargs="*", default=[], help="fixed params, KEY=VALUE")
    ap.add_argument("--out", type=Path, default=Path("runs/lambda-grid"))
    args = ap.parse_args()
    from tinygrad_dl.train import run_training

    fixed = parse_set(args.set)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "grid.jsonl"
    done = {}
    if log.is_file():
        for line in log.read_text().splitlines():
            r = json.loads(line)
            done[(r["model"], json.dumps(r["fixed"], sort_keys=True), r["lam"], r["seed"])] = r
    rows = []
    for lam in args.lambdas:
        runs = []
        for seed in args.seeds:
            key = (args.model, json.dumps(fixed, sort_keys=True), lam, seed)
            if key not in done:
                res = run_training(args.model, {**fixed, "lam": lam}, data=args.data, seed=seed,
                                   progress=False)
                done[key] = {"model": args.model, "fixed": fixed, "lam": lam, "seed": seed,
                             "val_acc": res.final["val_acc"], "best_val_acc": res.best_val_acc,
                             "test_acc": res.test_acc, "train_acc": res.final["train_acc"]}
                with log.open("a") as f:
                    f.write(json.dumps(done[key]) + "\n")
            runs.append(done[key])
        val = np.array([r["val_acc"] for r in runs]) * 100
        test = np.array([r["test_acc"] for r in runs]) * 100
        train = np.array([r["train_acc"] for r in runs]) * 100
        rows.append((lam, val.mean(), val.std(), test.mean(), train.mean()))
        print(f"lambda={lam:<8g} val {val.mean():6.2f} ± {val.std():4.2f}   "
              f"(test {test.mean():6.2f}, train {train.mean():6.2f})", flush=True)
    best = max(rows, key=lambda r: r[1])
    print(f"best lambda by mean validation accuracy: {best[0]:g} ({best[1]:.2f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
