"""`tinygrad-dl data cifar10 [--dir DIR]`: download, verify and extract the full CIFAR-10.

By default the dataset lands in the cache folder that `--data` resolution already looks in
(~/.cache/tinygrad_dl/cifar-10-batches-py), so every later command uses it without flags.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tinygrad_dl.data import default_data_dir, download_cifar10
from tinygrad_dl.data.download import DownloadError


def register(subparsers: Any) -> None:

    p = subparsers.add_parser(
        "data",
        help="download a dataset (the full CIFAR-10) into the cache folder",
        description="Download the official CIFAR-10 python tarball (170 MB) with a progress bar, "
        "verify its published MD5, and extract it safely. An interrupted download resumes when "
        "you run the command again. Nothing the download did not put there is ever deleted: an "
        "existing --dir folder may hold only a previous copy of the dataset, complete or "
        "partial (files named as in the official cifar-10-batches-py), which is then replaced "
        "file by file; a folder holding anything else is refused before the download starts. A "
        "cifar-10-python.tar.gz beside the folder is never touched: extracted when its MD5 is "
        "the published one, else left as it is.",
    )
    p.add_argument("dataset", choices=["cifar10"], help="the dataset to download")
    p.add_argument("--dir", default=None, metavar="DIR",
                   help=f"the cifar-10-batches-py folder to create, or to update when it holds "
                        f"a previous copy and nothing else; `--dir .` fills an empty working "
                        f"directory (default: the cache folder {default_data_dir()}, used by "
                        f"every command without --data)")
    p.add_argument("--force", action="store_true",
                   help="download again even if a complete copy is present, replacing it")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        folder = download_cifar10(args.dir, force=args.force, progress=not args.no_progress)
    except DownloadError as e:  # offline, an HTTP error, a dropped connection: the work
        if not e.unfinished:  # could not finish (1); a refused --dir is bad input (2, main's)
            raise
        print(f"tinygrad-dl data: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tinygrad-dl data: interrupted; run the same command again to resume the download",
              file=sys.stderr)
        return 130
    if folder.resolve() == default_data_dir().resolve():
        print("cifar10: ready; commands without --data now use it "
              "(unless $TINYGRAD_DL_DATA points elsewhere)")
    else:
        print(f"cifar10: ready; use it with --data {folder} or TINYGRAD_DL_DATA={folder}")
    return 0
