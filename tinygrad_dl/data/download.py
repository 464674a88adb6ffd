"""Download the full CIFAR-10 (python version) into the folder `--data` resolution looks in.

    from tinygrad_dl.data.download import download_cifar10
    download_cifar10()          # -> ~/.cache/tinygrad_dl/cifar-10-batches-py (the cache dir)

What makes it safe:
- the tarball is streamed to ``cifar-10-python.tar.gz.part`` beside the target and extracted
  from there only after its MD5 matches the published one, so an interrupted download is never
  mistaken for a complete one. Re-running resumes a ``.part`` with an HTTP Range request when the
  server honours it, and restarts cleanly when it does not;
- a corrupt download (wrong MD5) is deleted and reported;
- a ``cifar-10-python.tar.gz`` beside the target is the user's (the download never writes that
  name): when its MD5 is the published one it is extracted instead of downloading and kept;
  otherwise it is left as it is, with one line saying so, and the tarball is downloaded;
- the archive is extracted with tarfile's ``data`` filter (no absolute paths, no ``..``, no links
  out of the folder, no device files) into a temporary folder, checked for every batch file, and
  only then moved into place with one rename: a new folder either holds the whole dataset or
  does not exist;
- nothing the download did not put there is ever deleted. A target folder that already exists
  may hold only a previous copy, complete or partial: plain files named as in the official
  ``cifar-10-batches-py`` (``CIFAR10_KNOWN_FILES``), or nothing. Such a copy is replaced file by
  file (each file renamed over the old one; the folder itself is kept, so ``--dir .`` works);
  a folder holding anything else is refused before anything is downloaded.

The URL and checksum can be overridden (for tests against a local server) with the function's
``url``/``md5`` arguments or the environment variables ``TINYGRAD_DL_CIFAR10_URL`` and
``TINYGRAD_DL_CIFAR10_MD5``.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import files
from ..jupyter import progress_bar
from .cifar import default_data_dir

__all__ = [
    "CIFAR10_FILES", "CIFAR10_KNOWN_FILES", "CIFAR10_MD5", "CIFAR10_URL", "DownloadError",
    "check_target", "download_cifar10", "extract_tarball", "fetch", "md5sum",
]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
# the most a download may stream (a server that never ends its body would fill the disk before
# the MD5 check): the published tarball is 170.5 MB; an archive of another url/MD5, 1 GiB
CIFAR10_MAX_BYTES, OTHER_MAX_BYTES = 200_000_000, 1 << 30
URL_ENV, MD5_ENV = "TINYGRAD_DL_CIFAR10_URL", "TINYGRAD_DL_CIFAR10_MD5"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
ARCHIVE_ROOT = "cifar-10-batches-py"  # the one folder the official tarball holds
CIFAR10_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta")
# everything the official cifar-10-batches-py holds: a previous copy is made of these and nothing
# else, so they are the only names a download may overwrite or remove in an existing folder
CIFAR10_KNOWN_FILES = (*CIFAR10_FILES, "readme.html")
CHUNK = 1 << 16


class DownloadError(RuntimeError):
    """A download or extraction failed; the message says what to do next. `unfinished`: the
    network or the server failed (offline, an HTTP error, a dropped connection, a corrupt
    download), not the input: the CLI exits 1 ("could not finish"), not 2 ("bad input")."""

    def __init__(self, message: str, *, unfinished: bool = False) -> None:
        super().__init__(message)
        self.unfinished = unfinished


def md5sum(path: str | os.PathLike[str]) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _manual(url: str, md5: str, target: Path) -> str:
    return (f"to install it by hand: download {url} (MD5 {md5}), run `tar xzf {ARCHIVE_NAME}` "
            f"and move the {ARCHIVE_ROOT} folder to {target} (or point --data / "
            f"$TINYGRAD_DL_DATA at it)")


def _bar(total: int | None, initial: int, enabled: bool) -> Any:
    return progress_bar(total, enabled, ARCHIVE_NAME, initial=initial, unit="B",
                        unit_scale=True, unit_divisor=1024)


def _content_range_start(value: str | None) -> int | None:
    m = re.match(r"bytes (\d+)-\d+/(\d+|\*)", value or "")
    return int(m.group(1)) if m else None


def fetch(url: str, part: Path, *, progress: bool = True, timeout: float = 30.0,
          on_chunk: Callable[[int], None] | None = None, max_bytes: int | None = None) -> int:
    """Stream `url` into `part`, resuming from its current size with an HTTP Range request.

    A server that ignores the Range (200 instead of 206) or cannot satisfy it (416) makes the
    download start over. Returns the final size. Raises DownloadError if the connection drops
    or the body is shorter than its Content-Length; the `.part` file is kept for a resume.
    More than `max_bytes` in all (announced or streamed) is refused and the `.part` deleted.
    """
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"User-Agent": "tinygrad_dl"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)  # noqa: S310 (http/https only)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # the .part cannot be continued: start over
            part.unlink()
            return fetch(url, part, progress=progress, timeout=timeout, on_chunk=on_chunk,
                         max_bytes=max_bytes)
        raise
    with resp:
        if have and resp.status == 206 and _content_range_start(
                resp.headers.get("Content-Range")) == have:
            mode = "ab"
        else:  # 200: the server sent the whole file again
            mode, have = "wb", 0
        length = resp.headers.get("Content-Length")
        expected = have + int(length) if length is not None else None
        if max_bytes is not None and expected is not None and expected > max_bytes:
            raise DownloadError(f"{url} announces {expected:,} bytes, more than the "
                                f"{max_bytes:,} expected: not downloaded", unfinished=True)
        got = have
        with open(part, mode) as f, _bar(expected, have, progress) as bar:
            try:
                while True:
                    block = resp.read(CHUNK)
                    if not block:
                        break
                    f.write(block)
                    got += len(block)
                    if max_bytes is not None and got > max_bytes:
                        break
                    bar.update(len(block))
                    if on_chunk is not None:
                        on_chunk(got)
            except (http.client.IncompleteRead, OSError) as e:
                raise DownloadError(
                    f"the download was interrupted after {got:,} bytes ({type(e).__name__}); "
                    f"run the same command again to resume it", unfinished=True) from e
    if max_bytes is not None and got > max_bytes:  # (after the file is closed: then deleted)
        part.unlink()
        raise DownloadError(f"{url} sent more than the {max_bytes:,} bytes expected (a server "
                            "that does not end its body?); the partial file was deleted",
                            unfinished=True)
    if expected is not None and got < expected:
        raise DownloadError(f"the download stopped after {got:,} of {expected:,} bytes "
                            f"(connection closed early); run the same command again to resume it",
                            unfinished=True)
    return got


def _check_members(tar: tarfile.TarFile) -> None:
    """For Pythons without tarfile's data filter: refuse anything but plain files and folders
    inside the extraction folder."""
    for m in tar.getmembers():
        p = Path(m.name)
        if p.is_absolute() or ".." in p.parts or not (m.isfile() or m.isdir()):
            raise DownloadError(f"refusing to extract unsafe archive member {m.name!r}")


def _plain_file(p: Path) -> bool:
    return p.is_file() and not p.is_symlink()


def _absolute(target: str | os.PathLike[str]) -> Path:
    """`target` as an absolute path, `..` and `.` folded: `--dir .` is then the working
    directory by its name (whose parent holds the archive), never the unrenamable '.'."""
    return Path(os.path.abspath(Path(target).expanduser()))


def check_target(target: str | os.PathLike[str]) -> None:
    """Raise DownloadError unless `target` is absent or a folder holding only a previous copy of
    the dataset: plain files named in CIFAR10_KNOWN_FILES (any subset of them, or none)."""
    target = Path(target)
    if target.is_symlink() and not target.exists():
        raise DownloadError(f"refusing to download into {target}: it is a broken symbolic link")
    if not target.exists():
        return
    if not target.is_dir():
        raise DownloadError(f"refusing to download into {target}: it is a file, not a folder")
    try:
        foreign = sorted(e.name for e in os.scandir(target)
                         if e.name not in CIFAR10_KNOWN_FILES or not _plain_file(Path(e.path)))
    except OSError as e:
        raise DownloadError(f"cannot read the target folder {target}: {e.strerror}") from None
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3
                                         else "")
        raise DownloadError(
            f"refusing to download into {target}: it holds {shown}, which is not part of a "
            f"CIFAR-10 copy, and the download never deletes what it did not put there; name a "
            f"new or empty folder (e.g. --dir {target / ARCHIVE_ROOT})")


def _install(root: Path, target: Path) -> None:
    """Move the checked extraction `root` (known files only) to `target`."""
    if not os.path.lexists(target):  # one rename: the new folder is whole or absent
        files.replace(root, target)
        return
    # A previous copy: replace its files one by one and keep the folder itself (it may be the
    # working directory, a mount point, or a link the user made); each name always holds an old
    # or a new whole file. Checked again here: the folder may have changed during the download.
    check_target(target)
    new = [name for name in CIFAR10_KNOWN_FILES if _plain_file(root / name)]
    for name in new:
        files.replace(root / name, target / name)
    for name in set(CIFAR10_KNOWN_FILES) - set(new):  # an older copy's file the archive lacks
        if _plain_file(target / name):
            (target / name).unlink()


def extract_tarball(archive: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Extract the official tarball's cifar-10-batches-py folder to `target`: a new folder in one
    rename, or over a previous copy file by file (see the module docstring; a folder holding
    anything else is a DownloadError and is left untouched). Returns `target`, absolute."""
    target = _absolute(target)
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".cifar10-extract-", dir=target.parent))
    try:
        try:
            with tarfile.open(archive, "r:*") as tar:
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(tmp, filter="data")
                else:  # pragma: no cover (Python < 3.10.12)
                    _check_members(tar)
                    tar.extractall(tmp)
        except (tarfile.TarError, EOFError, OSError) as e:  # an OSError (a full disk, a
            # read-only folder: the MD5 was verified) is work that could not finish: exit 1
            raise DownloadError(f"cannot extract {archive}: {type(e).__name__}: {e}",
                                unfinished=isinstance(e, OSError)) from e
        root = tmp / ARCHIVE_ROOT
        missing = [f for f in CIFAR10_FILES if not _plain_file(root / f)]
        if missing:
            raise DownloadError(f"{archive} is not the CIFAR-10 python tarball: "
                                f"{ARCHIVE_ROOT}/ lacks {', '.join(missing)}")
        # only the known files are installed (anything else in an unofficial archive stays in
        # tmp), so a copy made here is always one that a later download may replace
        for entry in list(root.iterdir()):
            if entry.name not in CIFAR10_KNOWN_FILES or not _plain_file(entry):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        _install(root, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def is_complete(folder: str | os.PathLike[str]) -> bool:
    return all((Path(folder) / f).is_file() for f in CIFAR10_FILES)


def download_cifar10(
    target: str | os.PathLike[str] | None = None,
    *,
    url: str | None = None,
    md5: str | None = None,
    force: bool = False,
    progress: bool = True,
    timeout: float = 30.0,
    log: Callable[[str], Any] | None = print,
) -> Path:
    """Download, verify and extract CIFAR-10 into `target` (default: the cache folder
    `tinygrad_dl.data.default_data_dir()`, which every loader looks in); returns the folder.

    The archive is fetched next to it as ``cifar-10-python.tar.gz.part`` and deleted after a
    successful extraction; a verified ``cifar-10-python.tar.gz`` already there is used instead
    and kept (any file of that name is left untouched). A folder that already holds every
    batch file is kept unless `force`; an existing folder holding anything but a previous copy
    is refused (DownloadError) before anything is downloaded.
    """
    if isinstance(target, str) and target == "":
        # an unset shell variable (`--dir "$DIR"`): Path("") is the working directory, and the
        # archive would land in its parent; refused as an empty --data is
        raise ValueError("--dir/target is an empty string (an unset variable?); name the "
                         "folder to download into, or leave it out for the cache folder")
    target = _absolute(target if target is not None else default_data_dir())
    url = url or os.environ.get(URL_ENV) or CIFAR10_URL
    md5 = (md5 or os.environ.get(MD5_ENV) or CIFAR10_MD5).lower()
    say = log or (lambda _msg: None)
    if not force and is_complete(target):
        say(f"cifar10: already present in {target} (use --force to download it again)")
        return target
    check_target(target)  # before 170 MB are fetched for a folder that will be refused
    target.parent.mkdir(parents=True, exist_ok=True)
    archive = target.parent / ARCHIVE_NAME
    part = archive.with_name(ARCHIVE_NAME + ".part")
    # The final name is never written, renamed over or deleted: a file there is the user's
    # (e.g. the tarball fetched by hand). A verified one saves the download; any other is left.
    if _verified(archive, md5):
        say(f"cifar10: using {archive} (MD5 {md5} verified; it is kept)")
        extract_tarball(archive, target)
        say(f"cifar10: extracted to {target}")
        return target
    if os.path.lexists(archive):
        say(f"cifar10: {archive} is not the CIFAR-10 tarball (MD5 is not {md5}): left as it "
            f"is; downloading to {part.name} instead")
    # a .part already whole and verified (an extraction that failed last time) is not fetched
    # again: asked to resume past its end, the server would answer 416 and it would restart
    if not _verified(part, md5):
        if part.exists():
            say(f"cifar10: resuming {part} ({part.stat().st_size:,} bytes so far)")
        say(f"cifar10: downloading {url}")
        try:
            fetch(url, part, progress=progress, timeout=timeout,
                  max_bytes=CIFAR10_MAX_BYTES if md5 == CIFAR10_MD5 else OTHER_MAX_BYTES)
        except urllib.error.HTTPError as e:
            raise DownloadError(f"cannot download {url}: HTTP {e.code} {e.reason}; "
                                f"{_manual(url, md5, target)}", unfinished=True) from e
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            reason = getattr(e, "reason", e)
            raise DownloadError(f"cannot reach {url} ({reason}); are you offline? "
                                f"{_manual(url, md5, target)}", unfinished=True) from e
        got = md5sum(part)
        if got != md5:
            with open(part, "rb") as f:  # a login page (hotel Wi-Fi) or a moved URL's page
                html = f.read(512).lstrip().lower().startswith((b"<!doctype html", b"<html"))
            part.unlink()
            if html:  # (running it again fetched the same page: not a corrupt transfer)
                raise DownloadError(f"{url} sent an HTML page, not the archive (a network "
                                    "login page, or the file moved?); it was deleted: "
                                    f"{_manual(url, md5, target)}", unfinished=True)
            raise DownloadError(f"the downloaded file is corrupt: MD5 {got}, expected {md5}; "
                                f"it was deleted, run the same command again", unfinished=True)
        say(f"cifar10: MD5 {md5} verified")
    extract_tarball(part, target)  # only a verified archive is ever extracted
    part.unlink()
    say(f"cifar10: extracted to {target}")
    return target


def _verified(path: Path, md5: str) -> bool:
    """True when `path` is a readable file whose MD5 is `md5` (a folder, a broken link or an
    unreadable file is not, and is never touched)."""
    try:
        return path.is_file() and md5sum(path) == md5
    except OSError:
        return False
