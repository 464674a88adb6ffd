"""Writing files safely: the one atomic write, the one durable rename and the one JSON-safe
conversion of the project.

No imports from the project, so every layer (checkpoint, training, search) may use it.
"""

from __future__ import annotations

import ctypes
import errno
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def atomic_write(path: str | os.PathLike[str], data: str | bytes | Any) -> Path:
    """Write `data` to `path` so that a crash leaves the old file or the new one, never half.

    `data` is text (written as UTF-8), bytes, or a callable `write(f)` that writes into the open
    binary file (e.g. `lambda f: np.savez(f, **arrays)`). A temp file in the same folder is
    written, flushed and fsynced, os.replace'd over `path`, then the folder is fsynced so the
    rename itself is durable. The parent folder is created if needed. The file gets the user's
    umask (0644 by default). An OSError (a full disk, a read-only file system) names `path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # (the name cut to 40 characters: a valid 250-byte name plus the temp's own 14 was
        # "File name too long"; 40 UTF-8 characters are at most 160 bytes)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.", suffix=".tmp")
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from None
    try:
        # mkstemp makes 0600 files; what we write is the user's, with their umask (0644 usually)
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, str):
                f.write(data.encode("utf-8"))
            elif isinstance(data, (bytes, bytearray)):
                f.write(data)
            else:
                data(f)
            f.flush()
            os.fsync(f.fileno())
        return replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:  # gone, or the file system went read-only
            pass
        # write/fsync errors name no file, and the rename's name the hidden temp file ("cannot
        # write out/.x.svg.k3j.tmp: Is a directory" when `path` is a folder): name `path`
        if isinstance(e, OSError) and (not e.filename or e.filename == tmp):
            raise OSError(e.errno, e.strerror, str(path)) from None
        raise


def file_in_the_way(path: str | os.PathLike[str]) -> Path | None:
    """The file (or broken link) standing where the folder `path`, or the nearest of its
    parents that exists, should be; None when that is a folder (or nothing exists)."""
    path = Path(path)
    for p in (path, *path.parents):
        if p.exists() or p.is_symlink():
            return None if p.is_dir() else p
    return None


def write_error(e: OSError, where: Any = None) -> str:
    """An OSError while writing as one line: the path, the OS's words and the errno's name,
    e.g. "cannot write runs/a/model.npz: No space left on device (ENOSPC)"."""
    name = errno.errorcode.get(e.errno or 0, "")
    path = e.filename or where or "the output folder"
    return f"cannot write {path}: {e.strerror or e}" + (f" ({name})" if name else "")


def stdout_gone() -> None:
    """stdout's reader has left (a pipe into `head`): point stdout at /dev/null, so that what
    is printed later, and Python's flush at exit, do not raise BrokenPipeError again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # (no real stdout: a test's capture)
        pass


def umask() -> int:
    """The process's umask, read without changing it (Linux: /proc; elsewhere set and reset)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> Path:
    """Rename a finished file or folder `src` over `dst` (same file system) and fsync the
    folder, so the rename itself survives a crash: what `dst` names is old or new, never half."""
    dst = Path(dst)
    os.replace(src, dst)
    _fsync_dir(dst.parent)
    return dst


_RENAME_EXCHANGE = 2  # linux/fs.h


def exchange(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Swap two existing paths (folders) in one atomic step, so that at every instant each name
    holds one of the two, whole (Linux renameat2 RENAME_EXCHANGE). False where this OS or file
    system cannot: the caller falls back to two renames (and a recovery for the gap between)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # glibc < 2.28, musl without it
        return False
    at_fdcwd = -100
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc != 0:
        err = ctypes.get_errno()
        if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            return False
        raise OSError(err, os.strerror(err), str(b))
    _fsync_dir(Path(b).parent)
    return True


def _fsync_dir(d: Path) -> None:
    """Best effort: not every OS can open (and fsync) a directory."""
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def jsonable(v: Any) -> Any:
    """`v` as strict-JSON values, recursively: NumPy scalars and arrays become Python numbers and
    lists, NaN/inf None, paths and dtypes strings, dict keys strings. Anything else is returned
    as is (json.dumps then decides)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return np.dtype(v).name  # dtype=np.float32 in a config -> "float32"
    return v
