"""How long `tinygrad-dl --help` takes (best of N, wall clock), for one or more source trees,
interleaved so that machine load hits them alike.

    python3 benchmarks/cli_startup.py [--runs 7] [TREE ...]   # default: this checkout

A TREE is a folder holding a `tinygrad_dl` package (e.g. an exported older commit); it goes first
on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

CODE = "import sys; sys.argv[0] = 'tinygrad-dl'; from tinygrad_dl.cli import main; main(['--help'])"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("trees", nargs="*", default=[str(Path(__file__).resolve().parents[1])])
    p.add_argument("--runs", type=int, default=7)
    a = p.parse_args()
    best = {t: float("inf") for t in a.trees}
    for _ in range(a.runs):
        for t in a.trees:
            env = {**os.environ, "PYTHONPATH": t, "OPENBLAS_NUM_THREADS": "1"}
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", CODE], cwd=t, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            best[t] = min(best[t], time.perf_counter() - t0)
    for t, s in best.items():
        print(f"{s:.2f} s  {t}")


if __name__ == "__main__":
    main()
