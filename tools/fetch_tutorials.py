"""Fetch the PyTorch tutorial scripts that tests/tutorials/test_upstream_tutorials.py runs.

    python3 tools/fetch_tutorials.py [DEST]        # then: export TINYGRAD_DL_TUTORIALS=DEST

The scripts are pytorch/tutorials' (BSD-3-Clause) and are never copied into this repository:
this downloads each one, pinned to a commit (PINS), from raw.githubusercontent.com into DEST
(default `${XDG_CACHE_HOME:-~/.cache}/tinygrad_dl/pytorch-tutorials`), laid out as the upstream
checkout (`DEST/beginner_source/examples_nn/...`). A commit is immutable, so a later upstream
change cannot change what the tests run; each file has its own pin because these are the versions
the tests were checked against (the public index this project reads holds each file at a
different commit).

Quick and safe to repeat: DEST/PINNED records what is there, and a DEST that already holds these
pins is used without the network. Nothing is half-written: every file is downloaded first (in
parallel, `--timeout` seconds each), then each is written atomically and PINNED last. On success
it prints DEST; on any failure one line on stderr and exit status 1 (CI then runs without them,
and the tests skip).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_URL = "https://raw.githubusercontent.com/pytorch/tutorials"

# path under beginner_source -> the pytorch/tutorials commit it is fetched at
PINS: dict[str, str] = {
    "examples_tensor/polynomial_tensor.py": "4fe88118795089fb1d5d4b1e91834ea6e31f67e4",
    "examples_autograd/polynomial_autograd.py": "92f11a171bb3f3f6bbd8dfb102c59d67c2385032",
    "examples_autograd/polynomial_custom_function.py":
        "c53e7d4efc0e39e455c531d21ec7db28ba220214",
    "examples_nn/polynomial_nn.py": "90fb0068a1941e996b100fd9b4e05dbaa497076e",
    "examples_nn/polynomial_optim.py": "96efa19f4e1be1b64c5474c1f3ae18a47d98aa90",
    "examples_nn/polynomial_module.py": "c53e7d4efc0e39e455c531d21ec7db28ba220214",
    "examples_nn/dynamic_net.py": "1d189709801e98f5f184af0567c7f06b8b5156c2",
    "basics/tensorqs_tutorial.py": "7a5420a2093171a4560d25d4a19d95aa0ae6d8c7",
    "basics/autogradqs_tutorial.py": "db77dcf6e3637924f43852c014f2af9978b0f891",
    "basics/buildmodel_tutorial.py": "c53e7d4efc0e39e455c531d21ec7db28ba220214",
    "basics/optimization_tutorial.py": "802d68671f544c32347a2f1e780b80fcc2d8c9e7",
    "blitz/neural_networks_tutorial.py": "7a017bba463ba73cfd9d48aabc7e05827a680906",
}
# path -> sha256 of the text the tests were checked against (line endings as "\n"): a file
# that differs (a wrong pin, a proxy's page) is refused and the tests skip, never run on it
SHA256: dict[str, str] = {
    "examples_tensor/polynomial_tensor.py":
        "fd55136661c9e6bf24efb74f5b5a47537222db1003070cd3a92a1a08f8201e71",
    "examples_autograd/polynomial_autograd.py":
        "fe33b9be763dc8ca1425e485930d355eef5bf263956d8f91ea166b85c970f97c",
    "examples_autograd/polynomial_custom_function.py":
        "c53204001d626017650d2aa2425d2f6f201538a000e38f571985b049d8d82bd2",
    "examples_nn/polynomial_nn.py":
        "09b8939df6b1cc6091677ac1cfe64f8b52354926f66c99d48ea4a0acee9bb348",
    "examples_nn/polynomial_optim.py":
        "d4d32619fcd4758f2005be13234100fcac2db3c6599ba63b6201ad84179d184a",
    "examples_nn/polynomial_module.py":
        "75f22bc886562a2efb5ac14b01019d833efe3ce4f3aa9936bf50981935af0b9e",
    "examples_nn/dynamic_net.py":
        "c5c2394a6e9cac72b42360db5edffbf679e061636919f3e4efb49d0dbcab9a42",
    "basics/tensorqs_tutorial.py":
        "5e0150f9ff6beb8d4c9a7b9686d53773cd0d416d75fa35e4a9c31373827880b3",
    "basics/autogradqs_tutorial.py":
        "cdcd73aa6697ac144bab9b08dc952a08e07b207f6f4031787d9fa562a3c251c6",
    "basics/buildmodel_tutorial.py":
        "3848002404239acb7555f3ae26959c680c39be463803eaa6c2dc43b92983e2f4",
    "basics/optimization_tutorial.py":
        "6d42fcf1c517625b4d56e28eb6128450666aaee003fb393cc0a76f657cd0349e",
    "blitz/neural_networks_tutorial.py":
        "478e65e6a299e67c2c21d88e10c46a593f972de8a91186591dd04f6f31e4a9a2",
}
MAX_BYTES = 1 << 20  # a tutorial script is ~10 KB: anything past 1 MiB is not one


def default_dest() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "tinygrad_dl" / "pytorch-tutorials"


def pinned_text() -> str:
    return "".join(f"{commit} beginner_source/{path}\n" for path, commit in sorted(PINS.items()))


def _get(url: str, timeout: float) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310  (https, fixed host)
        body = r.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise ValueError(f"more than {MAX_BYTES} bytes: not a tutorial script")
    return body.decode("utf-8")


def fetch(dest: Path, base_url: str = BASE_URL, timeout: float = 10.0) -> Path:
    """Make `dest` hold PINS; raises RuntimeError (one line) when a download fails."""
    from tinygrad_dl.files import atomic_write  # the one home of atomic writes

    stamp = dest / "PINNED"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == pinned_text() and all(
            (dest / "beginner_source" / p).is_file() for p in PINS):
        return dest
    urls = {p: f"{base_url}/{c}/beginner_source/{p}" for p, c in PINS.items()}

    def get(path: str) -> str:
        try:
            return _get(urls[path], timeout)
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"could not fetch {urls[path]}: HTTP {e.code} {e.reason}") from None
        except (OSError, ValueError) as e:  # URLError (no network, DNS) is an OSError
            reason = getattr(e, "reason", None) or e
            raise RuntimeError(f"could not fetch {urls[path]}: {reason}") from None

    with ThreadPoolExecutor(max_workers=len(PINS)) as pool:
        texts = dict(zip(PINS, pool.map(get, PINS)))
    for path, text in texts.items():
        text = texts[path] = text.replace("\r\n", "\n")
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != SHA256[path]:
            raise RuntimeError(f"{urls[path]}: not the text the tests were checked against "
                               "(sha256 differs)")
    for path, text in texts.items():
        atomic_write(dest / "beginner_source" / path, text)
    atomic_write(stamp, pinned_text())
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", nargs="?", type=Path, default=None,
                    help="where to put them (default: %(default)s -> the user cache folder)")
    ap.add_argument("--base-url", default=BASE_URL, help="raw-file server (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per file (default: 10)")
    args = ap.parse_args(argv)
    dest = args.dest or default_dest()
    try:
        fetch(dest, args.base_url, args.timeout)
    except (RuntimeError, OSError) as e:
        print(f"fetch_tutorials: {e}; the PyTorch-tutorial tests will skip", file=sys.stderr)
        return 1
    print(dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
