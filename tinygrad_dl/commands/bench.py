"""`tinygrad-dl bench`: the benchmark table (autograd vs hand-derived NumPy vs PyTorch).

The benchmark itself lives in tinygrad_dl.bench; benchmarks/bench.py runs the same thing.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tinygrad_dl import bench

from .args import positive_int


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes, a smoke test in seconds (the timings mean nothing)")
    p.add_argument("--repeats", type=positive_int, default=None, metavar="N",
                   help="timed repeats per measurement, median reported (default 7; 2 quick)")
    p.add_argument("--dtype", choices=["float64", "float32", "both"], default="both",
                   help="dtype of the models, the data and PyTorch (default both)")
    p.add_argument("--no-torch", action="store_true",
                   help="skip the PyTorch column even when torch is installed")
    p.add_argument("--threads", type=positive_int, default=None, metavar="N",
                   help="BLAS threads for NumPy, and torch.set_num_threads (default: NumPy's)")
    p.add_argument("--clock", choices=sorted(bench.CLOCKS), default="wall",
                   help="wall: elapsed time (default); cpu: CPU time of the working thread, "
                   "steadier on a machine shared with other jobs (needs --threads 1)")
    p.add_argument("--best", action="store_true",
                   help="report the best (fastest) of the repeats instead of the median: the "
                   "least disturbed run on a machine shared with other jobs")
    p.add_argument("--only", type=_groups, default=(), metavar="GROUP[,GROUP]",
                   help="run only these row groups: " + ", ".join(bench.GROUPS))
    p.add_argument("--markdown", action="store_true", help="print the table as markdown")


def _groups(text: str) -> tuple[str, ...]:
    """argparse type for --only: named groups, none of them empty (an unset shell variable,
    `--only ""`, or `--only a,,b` is refused, not read as "every group")."""
    items = [g.strip() for g in text.split(",")]
    if "" in items:
        what = "the value is empty" if not text.strip() else f"an empty item in {text!r}"
        raise argparse.ArgumentTypeError(f"{what}: name the row groups, e.g. {bench.GROUPS[0]}, "
                                         "or leave out --only to run them all")
    groups = tuple(items)
    for g in groups:
        if g not in bench.GROUPS:
            raise argparse.ArgumentTypeError(f"unknown row group {g!r}; choose from "
                                             f"{', '.join(bench.GROUPS)}")
    return groups


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "bench",
        help="benchmark autograd against hand-derived NumPy gradients and PyTorch",
        description="Time a training epoch of each course model three ways (autograd, the "
        "model's hand-derived gradients, PyTorch CPU if installed) and print one table, "
        "ratios first, plus per-op overhead, memory and long-chain backward.",
    )
    add_arguments(p)
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> bench.Config:
    kw: dict[str, Any] = {
        "dtypes": ("float64", "float32") if args.dtype == "both" else (args.dtype,),
        "torch": not args.no_torch,
        "threads": args.threads,
        "clock": args.clock,
        "only": args.only,
        "best": args.best,
    }
    if args.repeats is not None:
        if args.repeats < 1:
            raise ValueError(f"--repeats must be at least 1, got {args.repeats}")
        kw["repeats"] = args.repeats
    if args.threads is not None and args.threads < 1:
        raise ValueError(f"--threads must be at least 1, got {args.threads}")
    return bench.quick_config(**kw) if args.quick else bench.Config(**kw)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    try:
        result = bench.run(cfg, log=log)
    except ValueError as e:  # the API's "bench: ..." after the CLI's own "tinygrad-dl bench:
        # error:" read "bench: " twice
        msg = str(e)
        if not msg.startswith("bench: "):
            raise
        raise ValueError(msg[len("bench: "):]) from None
    print(bench.format_table(result, markdown=args.markdown))
    print(f"\n({result.seconds:.0f} s)", file=sys.stderr)
    return 0
