"""Writing files safely: the one atomic write, the one durable rename and the one JSON-safe
conversion of the project.

No imports from the project, so every layer (checkpoint, training, search) may use it.
"""

from __future__ import annotations

import ctypes
import errno
import math
import os
import re
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no flock, so no temp file is taken for stale
    fcntl = None  # type: ignore[assignment]


def atomic_write(path: str | os.PathLike[str], data: str | bytes | Any) -> Path:
    """Write `data` to `path` so that a crash leaves the old file or the new one, never half.

    `data` is text (written as UTF-8), bytes, or a callable `write(f)` that writes into the open
    binary file (e.g. `lambda f: np.savez(f, **arrays)`). A temp file in the same folder,
    `.NAME.tgdl-XXXXXXXX.tmp` (NAME cut to 40 characters), is written, flushed and fsynced,
    os.replace'd over `path`, then the folder is fsynced so the rename itself is durable. The
    parent folder is created if needed. A new file gets the user's umask (0644 by default), a
    replaced one keeps its mode (as open(path, "w")). An
    OSError (a full disk, a read-only file system) names `path`.

    A temp file left by a kill -9 is removed by the next write to the same `path`: the writer
    holds an OS lock (flock) on its temp file until it is renamed, and only a file of exactly
    that naming, of this user and not locked, is removed (`remove_stale_temps`). (In a folder
    of n >= 200 entries, by one of the next n/200 writes: the folder is listed that seldom.)
    A temp removed under its writer all the same (flock not honoured: local to one NFS
    client) is written again from the open file, once, not lost.

    A `path` that is a symbolic link is written through, as open() and torch.save do: the
    file it points to is replaced (atomically, in its own folder) and the link stays.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
        if path.is_symlink():  # a loop of links: open() says so, and so do we
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
    # the folders this write makes (their names are fsynced too)
    made = [] if path.parent.is_dir() else [d for d in path.parents if not d.is_dir()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for d in reversed(made):
            _fsync_dir(d.parent)
    except (FileExistsError, NotADirectoryError):  # a file where a folder should be ("File
        in_the_way = file_in_the_way(path.parent)  # exists: 'afile'" said nothing of that)
        if in_the_way is None:
            raise
        raise NotADirectoryError(errno.ENOTDIR, f"{in_the_way} is a file, not a folder",
                                 str(path)) from None
    if _scan_due(path.parent):
        remove_stale_temps(path)
    return _write_temp(path, data)


def _write_temp(path: Path, data: Any, again: Any = None) -> Path:
    # writes `data` (or, `again`, what an open file holds) into a new locked temp, renamed over
    # `path` while still open
    try:
        fd, tmp = _locked_temp(path)
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "w+b") as f:  # (readable: written again if its name is taken away)
            if again is not None:
                shutil.copyfileobj(again, f)
            elif isinstance(data, str):
                f.write(data.encode("utf-8"))
            elif isinstance(data, (bytes, bytearray)):
                f.write(data)
            else:
                data(f)
            f.flush()
            # mkstemp makes 0600 files; what we write is the user's, with their umask (0644
            # usually), or, replacing a file, with that file's mode, as open(path, "w") keeps it
            # (a checkpoint chmod'ed 0600 became 0644, readable by all, when saved again). Set
            # once written, fsynced with it: a temp a kill -9 left while it was written stays
            # 0600, which the next writer can open to remove (one of a 0200 or 0000 file's mode
            # could never be opened, so never removed)
            os.fchmod(f.fileno(), _mode_for(path))
            os.fsync(f.fileno())
            # renamed while still open, so its lock holds until it is `path`: no other writer
            # takes it for a stale temp in between
            try:
                return replace(tmp, path)
            except FileNotFoundError:
                # its name was removed as a killed writer's (where the OS lock is not honoured:
                # flock local to one NFS client): the save is not lost, it is written again
                # from this open file, once
                if again is not None or os.path.lexists(tmp) or not path.parent.is_dir():
                    raise
                f.seek(0)
                return _write_temp(path, data, again=f)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:  # gone (renamed), or the file system went read-only
            pass
        # write/fsync errors name no file, and the rename's name the hidden temp file ("cannot
        # write out/.x.svg.k3j.tmp: Is a directory" when `path` is a folder): name `path`
        if isinstance(e, OSError) and (not e.filename or e.filename == tmp):
            raise OSError(e.errno, e.strerror, str(path)) from None
        raise
    finally:
        _writing.discard(tmp)


def _mode_for(path: Path) -> int:
    """The permission bits a write to `path` leaves: those of the file it replaces (set-id and
    sticky bits dropped, as a write by a non-root user drops them), else the umask's default."""
    try:
        st = os.stat(path)
    except OSError:  # (absent: a first save)
        return 0o666 & ~umask()
    return stat.S_IMODE(st.st_mode) & 0o777 if stat.S_ISREG(st.st_mode) else 0o666 & ~umask()


# this process's temps being written: never taken for stale by another thread of it (where
# flock is emulated by POSIX locks, NFS, a lock is the process's, not the file descriptor's)
_writing: set[str] = set()
_TEMP_TAG = ".tgdl-"  # atomic_write's temp files: .NAME.tgdl-XXXXXXXX.tmp


def _temp_prefix(path: Path) -> str:
    # (the name cut to 40 characters: a valid 250-byte name plus the temp's own 20 was
    # "File name too long"; 40 UTF-8 characters are at most 160 bytes)
    return f".{path.name[:40]}{_TEMP_TAG}"


def _locked_temp(path: Path) -> tuple[int, str]:
    """A new temp file beside `path`, open and flock'ed (where the OS has flock): (fd, name)."""
    for _ in range(100):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix=".tmp")
        tmp = os.path.abspath(tmp)  # (mkstemp's is relative before Python 3.12 for a relative
        _writing.add(tmp)           # folder, and remove_stale_temps compares absolute names)
        if fcntl is None:
            return fd, tmp
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.stat(tmp).st_ino == os.fstat(fd).st_ino:
                return fd, tmp
        except FileNotFoundError:
            pass  # another writer took it for stale before it was locked: take a new one
        except OSError:  # no flock on this file system: written unlocked, never cleaned
            return fd, tmp
        _writing.discard(tmp)
        os.close(fd)
    raise OSError(errno.EEXIST, "no temp file could be made", str(path))


def remove_stale_temps(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temp files a killed `atomic_write(path)` left beside `path`: only names of
    exactly its pattern (`.NAME.tgdl-XXXXXXXX.tmp`), regular files of this user, that no live
    writer holds locked. Best effort (nothing is removed where the OS has no flock); returns
    what was removed."""
    path = Path(path)
    if fcntl is None:
        return []
    prefix = _temp_prefix(path)
    pattern = re.compile(re.escape(prefix) + r"[a-z0-9_]{8}\.tmp")
    removed = []
    try:
        with os.scandir(path.parent) as it:
            entries = [e.name for e in it]
    except OSError:
        return []
    names = [n for n in entries if n.startswith(prefix)]
    if len(entries) >= _SCAN_EVERY:  # a big folder: scanned again after len/_SCAN_EVERY saves
        _big_dirs[os.path.abspath(path.parent)] = [len(entries), 0]
    else:
        _big_dirs.pop(os.path.abspath(path.parent), None)
    for name in names:
        if pattern.fullmatch(name) and os.path.abspath(path.parent / name) not in _writing \
                and _remove_if_stale(path.parent / name):
            removed.append(path.parent / name)
    return removed


# A save lists its folder for stale temps: in a folder of n entries (100k: 170 ms a save, where
# the save itself took 20) only once in n/_SCAN_EVERY saves of this process, so that a save
# lists ~_SCAN_EVERY names on average. A folder of fewer is listed at every save.
_SCAN_EVERY = 200
_big_dirs: dict[str, list[int]] = {}  # folder -> [entries its last listing had, saves since]


def _scan_due(folder: Path) -> bool:
    seen = _big_dirs.get(os.path.abspath(folder))
    if seen is None or seen[1] + 1 >= seen[0] // _SCAN_EVERY:
        return True
    seen[1] += 1
    return False


def _remove_if_stale(p: Path) -> bool:
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: a live writer's (OSError)
        if os.lstat(p).st_ino != st.st_ino:
            return False
        os.unlink(p)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def file_in_the_way(path: str | os.PathLike[str]) -> Path | None:
    """The file (or broken link) standing where the folder `path`, or the nearest of its
    parents that exists, should be; None when that is a folder (or nothing exists)."""
    path = Path(path)
    for p in (path, *path.parents):
        if p.exists() or p.is_symlink():
            return None if p.is_dir() else p
    return None


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """`a` and `b` name one file or folder, however spelled: "./F", "d/../F", a symbolic link,
    a hard link (two names of one file: only the OS's device and inode say so). Two names of
    which neither exists yet are the same when they resolve to the same path."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # (one is not there; a name too long, a NUL in it)
        return False


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


class StdoutPrinter:
    """print(text, flush=True) for a command's lines on stdout (train's samples and summary,
    report's progress, results' table): a character stdout's encoding cannot print (an ASCII or
    cp1252 stdout: a char-rnn text with a CJK or an emoji, results' square root, a path)
    is printed as a \\x/\\u escape, with one warning line on stderr per printer (`kept`: where
    the text is kept as it is), never a UnicodeEncodeError that ended the command ("error",
    exit 2) mid-run or after its files were written. A UTF-8 stdout gets exactly print's bytes."""

    def __init__(self, command: str, kept: str = "") -> None:
        self.command, self.kept, self.warned = command, kept, False

    def __call__(self, text: str) -> None:
        try:
            print(text, flush=True)
        except UnicodeEncodeError:  # (raised before anything of `text` is written)
            enc = getattr(sys.stdout, "encoding", None) or "ascii"
            print(text.encode(enc, "backslashreplace").decode(enc), flush=True)
            if not self.warned:
                self.warned = True
                kept = f" ({self.kept} as they are)" if self.kept else ""
                print(f"tinygrad-dl {self.command}: warning: stdout's encoding {enc} cannot print "
                      f"some characters: they are printed as \\x/\\u escapes{kept}; set "
                      "PYTHONIOENCODING=utf-8 to see them", file=sys.stderr, flush=True)


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
