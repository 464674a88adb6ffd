"""tinygrad-dl: train the course models, synthesize text, draw graphs, benchmark, search.

Each subcommand lives in tinygrad_dl/commands/<name>.py with `register(subparsers)` (adds its
parser and sets `func`) so the features stay independent of one another.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .commands import bench, data, graph, report, search, synthesize, train

COMMANDS = {"train": train, "synthesize": synthesize, "graph": graph, "bench": bench,
            "search": search, "data": data, "report": report}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tinygrad-dl",
        description="Train and inspect the four course models built on tinygrad_dl.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        module.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        # user-facing errors: one clear line, no traceback
        print(f"tinygrad-dl {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
