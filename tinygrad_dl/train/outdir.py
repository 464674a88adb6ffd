"""The output folder of a training run, written as one unit, by one run at a time.

A run never writes into `--out` directly: it writes into a hidden sibling, `.NAME.partial`
(checkpoints while it trains, then every output), and only a finished run puts that folder in
place of `NAME`. So `NAME` always holds exactly one run's files, all from the same run: a killed
or interrupted run leaves the previous `NAME` untouched (and its `.NAME.partial`, which
`--resume NAME` continues); a new run over a previous run's folder replaces it whole (old plots
included, and it says so). A staging folder that nobody resumes is removed by the next
non-resume run on the same `--out`.

The commit survives a kill at any instant. It first marks the staging folder finished
(`.complete`, written atomically), then swaps it with `NAME` in one atomic step (Linux
renameat2 RENAME_EXCHANGE; elsewhere two renames via `.NAME.old`), then removes the previous run
and the mark. Whatever a kill leaves, the next start on the same `--out` (a run or `--resume`)
finishes it first (`recover`): a finished-but-not-swapped run is put in place, a half-done
two-rename swap is completed, leftovers are removed.

One run at a time: `lock_out` holds an OS lock (filelock, as `search` uses; released by the
kernel even on kill -9) on `.NAME.lock` beside the folder for the whole run (and removes it when
done); a second run on the same `--out` is refused with one line.

`--out` is checked before any data are loaded: a path under a regular file, an unwritable
parent, or an existing folder that is not a run folder is a one-line error.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from tinygrad_dl.files import atomic_write, exchange, replace

from .state import STATE_FILE

__all__ = ["RUN_FILES", "RunFinished", "commit_out", "lock_out", "prepare_out", "recover",
           "stage_dir"]

# a folder holding one of these (and no sub-folders) is a previous run that may be replaced
RUN_FILES = ("result.json", "history.json", "model.npz")
DONE = ".complete"  # in a staging folder: the run finished, its outputs are all there


class RunFinished(Exception):  # noqa: N818  (an outcome, not an error)
    """`--resume` of a run that had finished (its outputs are in place): nothing to resume."""


def stage_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.partial"


def _old_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.old"


def _abs(out: str | os.PathLike[str]) -> Path:
    return Path(os.path.abspath(out))  # "." and "runs/" get a real name for their siblings


@contextlib.contextmanager
def lock_out(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the lock of `out` (its parent is created) for the duration; ValueError when another
    run holds it."""
    from filelock import FileLock, Timeout

    out = _abs(out)
    _check_path(out)
    lock_path = out.parent / f".{out.name}.lock"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path, timeout=0)
        lock.acquire()
    except Timeout:
        raise ValueError(f"--out {out}: another tinygrad-dl run is writing there (it holds "
                         f"{lock_path}); wait for it to finish or choose another --out") from None
    except OSError as e:
        raise ValueError(f"--out {out}: cannot write there ({e.strerror or e})") from None
    try:
        yield out
    finally:
        # removed while still held, so no stale file stays beside the run: a process that opened
        # it meanwhile finds it unlinked when it gets the flock, and retries (filelock >= 4.3.1)
        lock_path.unlink(missing_ok=True)
        lock.release()


def _check_path(out: Path) -> None:
    for p in (out, *out.parents):
        if p.exists() or p.is_symlink():
            if not p.is_dir():
                raise ValueError(f"--out {out}: {p} is a file, not a folder")
            break


def recover(out: str | os.PathLike[str], notes: list[str] | None = None) -> bool:
    """Finish whatever a kill left of a commit on `out` (module docstring); True when a finished
    run was put in place now. Call with the lock held."""
    out = _abs(out)
    stage, old = stage_dir(out), _old_dir(out)
    finished = False
    if old.exists() and not out.exists():  # killed between the two renames of the fallback
        if (stage / DONE).is_file():
            replace(stage, out)
            finished = True
        else:
            replace(old, out)
    if (stage / DONE).is_file():  # finished, killed before (or during) its swap
        _swap_in(stage, out)
        finished = True
    elif stage.exists() and not (stage / STATE_FILE).is_file():
        # neither finished nor resumable: the previous run an exchange left there, or a run
        # killed before its first state
        _cleanup(stage)
    _cleanup(old)
    (out / DONE).unlink(missing_ok=True)
    if finished and notes is not None:
        notes.append(f"the run writing {out} had finished but was stopped while its outputs "
                     "were put in place: that is done now")
    return finished


def _has_outputs(d: Path) -> bool:
    return any((d / f).is_file() for f in RUN_FILES)


def prepare_out(out: str | os.PathLike[str], *, resume: bool,
                notes: list[str] | None = None) -> Path:
    """Check `out` and return the staging folder the run writes into (created). With `resume`
    the staging folder must hold an interrupted run's training state. Notes for the user
    (a replaced run, a discarded interrupted run) are appended to `notes`. Call with the lock
    (`lock_out`) held."""
    out = _abs(out)
    notes = notes if notes is not None else []
    _check_path(out)
    finished = recover(out, notes)
    stage = stage_dir(out)
    if resume:
        if not (stage / STATE_FILE).is_file():
            if finished or (out.is_dir() and _has_outputs(out)):
                raise RunFinished(f"nothing to resume: the run in {out} finished; its outputs "
                                  "are there")
            raise FileNotFoundError(f"--resume {out}: no interrupted run to resume there "
                                    f"({stage / STATE_FILE} does not exist)")
        return stage
    if out.is_dir() and any(out.iterdir()):
        entries = list(out.iterdir())
        if any(e.is_dir() for e in entries) or not _has_outputs(out):
            raise ValueError(f"--out {out}: the folder exists and is not a tinygrad-dl run "
                             "folder; choose a new folder (a run replaces its --out whole)")
        notes.append(f"replacing the previous run in {out} ({_describe(out)}); its files "
                     "(plots included) are removed when this run finishes")
    if stage.exists():
        notes.append(f"discarding the interrupted run in {stage} (resume it with --resume "
                     f"{out} instead)")
    _cleanup(stage)
    try:
        stage.mkdir(parents=True)
        probe = stage / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise ValueError(f"--out {out}: cannot write there ({e.strerror or e})") from None
    return stage


def commit_out(stage: Path, out: str | os.PathLike[str]) -> Path:
    """Put the finished staging folder in place as `out` (the previous run's folder goes)."""
    out = _abs(out)
    for tmp in stage.glob(".*.tmp"):  # an atomic write cut short by kill -9 in an earlier try
        tmp.unlink()
    atomic_write(stage / DONE, "")  # from here on, a kill is finished by the next start
    _swap_in(stage, out)
    return out


def _swap_in(stage: Path, out: Path) -> None:
    """The swap of a finished staging folder (marked DONE) and what follows it; each step may
    be cut by a kill and is redone by `recover`."""
    (stage / STATE_FILE).unlink(missing_ok=True)
    if not out.exists():
        replace(stage, out)
    elif exchange(stage, out):  # `stage` now holds the previous run
        _cleanup(stage)
    else:
        old = _old_dir(out)
        _cleanup(old)
        replace(out, old)
        replace(stage, out)
        _cleanup(old)
    (out / DONE).unlink(missing_ok=True)


def _cleanup(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    elif p.exists() or p.is_symlink():
        p.unlink()


def _describe(out: Path) -> str:
    try:
        return str(json.loads((out / "result.json").read_text())["model"])
    except (OSError, ValueError, KeyError, TypeError):
        return "an earlier run"
