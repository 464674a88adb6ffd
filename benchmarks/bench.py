"""Run the tinygrad_dl benchmark: python benchmarks/bench.py [--quick] [--markdown] ...

The same as `tinygrad-dl bench`; the code is in tinygrad_dl/bench/.
"""

from __future__ import annotations

import argparse
import sys

from tinygrad_dl.commands.bench import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/bench.py", description=__doc__.splitlines()[0])
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
