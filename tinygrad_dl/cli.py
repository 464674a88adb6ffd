"""tinygrad-dl: train the course models, synthesize text, draw graphs, benchmark, search.

Each subcommand lives in tinygrad_dl/commands/<name>.py with `register(subparsers)` (adds its
parser and sets `func`) so the features stay independent of one another.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Sequence

import numpy as np

from . import __version__
from .commands import bench, data, graph, report, results, search, synthesize, train

COMMANDS = {"train": train, "synthesize": synthesize, "graph": graph, "bench": bench,
            "search": search, "results": results, "data": data, "report": report}


def version_text() -> str:
    """'tinygrad-dl 0.1.0 (Python 3.11.7, NumPy 2.4.6)'."""
    return f"tinygrad-dl {__version__} (Python {platform.python_version()}, NumPy {np.__version__})"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tinygrad-dl",
        description="Train and inspect the four course models built on tinygrad_dl.",
    )
    p.add_argument("--version", action="version", version=version_text(),
                   help="print the version (with Python's and NumPy's, for bug reports) and exit")
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
    except KeyboardInterrupt:  # Ctrl-C where a command does not save anything (e.g. startup)
        print(f"\ntinygrad-dl {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
