"""A run's outputs: its folder, written as one unit by one run at a time; what a finished run
writes into it; the settings it records.

THE FOLDER. A run never writes into `--out` directly: it writes into a hidden sibling,
`.NAME.partial` (checkpoints while it trains, then every output), and only a finished run puts that
folder in place of `NAME`. So `NAME` always holds exactly one run's files, all from the same run: a
killed or interrupted run leaves the previous `NAME` untouched (and its `.NAME.partial`, which
`--resume NAME` continues); a new run over a previous run's folder replaces it whole (old plots
included, and it says so). A new run (not `--resume`) on an `--out` whose interrupted run is saved
in `.NAME.partial` is refused (resume it, choose another `--out`, or delete it): a saved state is
never deleted by a run. A staging folder without a state (a run killed before its first save) is
removed by the next start on the same `--out`.

NAME may change while a run trains (a search writing there, a user's files): the staging folder
records what NAME held when the run started (`.seen.json`), and the commit replaces NAME only if
it holds that still (or nothing). Otherwise NAME is left as it is and the finished run is renamed
to a visible sibling `NAME-finished` (`-2`, ... when taken), named in the one-line error
(`OutChanged`). A run that diverges is never swapped in either: NAME stays as it was and the
run's history up to the blow-up goes to `NAME-diverged` (`keep_diverged`).

The commit survives a kill at any instant. It first marks the staging folder finished
(`.complete`, written atomically), then swaps it with `NAME` in one atomic step (Linux
renameat2 RENAME_EXCHANGE; elsewhere two renames via `.NAME.old`), then removes the previous run
and the mark. Whatever a kill leaves, the next start on the same `--out` (a run or `--resume`)
finishes it first (`recover`): a finished-but-not-swapped run is put in place, a half-done
two-rename swap is completed, leftovers are removed.

One run at a time: `lock_out` holds an OS lock (filelock, as `search` uses; released by the
kernel even on kill -9) on `.NAME.lock` beside the folder for the whole run (and removes it when
done); a second run on the same `--out` is refused with one line.

An `--out` that is a symbolic link is followed: the folder it points to is what the run
replaces (the link stays); it was set aside as changed after the whole run had trained.

`--out` is checked before any data are loaded: a path under a regular file, an unwritable
parent, or an existing folder that is not a run folder is a one-line error.

WHAT GOES IN IT. A finished run writes history.json, model.npz (the checkpoint), result.json
(exactly the settings that ran, the final numbers) and the plots, titled with the model and its
main hyperparameters.

THE SETTINGS THAT RAN (`ran_settings`, for result.json and the checkpoint): the course defaults
updated by the user's flags, minus every key that did not apply (a cyclical run has no single
`eta`; its length came from `cycles` or from `epochs`, not both; the embedded sample has no
`split`/`val_size`; `std` only matters for a Gaussian init, `momentum` only for SGD), and with
the values the run derived filled in (n_s, eval_every).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shlex
import shutil
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinygrad_dl import checkpoint, viz
from tinygrad_dl.files import atomic_write, exchange, file_in_the_way, jsonable, replace

from .history import format_sample
from .state import STATE_FILE, load_train_state

__all__ = ["RUN_FILES", "OutChanged", "RunFinished", "check_resumed_out", "commit_out",
           "finished_model", "held_by_a_run", "keep_diverged", "lock_file", "lock_out",
           "plot_title", "prepare_out", "ran_settings", "recover", "stage_dir", "write_outputs"]


# ---- the folder, written as one unit -----------------------------------------------------------
# a folder holding one of these (and no sub-folders) is a previous run that may be replaced
RUN_FILES = ("result.json", "history.json", "model.npz")
DONE = ".complete"  # in a staging folder: the run finished, its outputs are all there
SEEN = ".seen.json"  # in a staging folder: what NAME held when the run started
# every file a finished run writes (a staging folder without SEEN may replace only these)
OUTPUT_FILES = frozenset({*RUN_FILES, "samples.txt", "smooth_loss.png", "learning_curves.png",
                          "confusion_matrix.png", "lr_schedule.png", "weights.png", DONE, SEEN})


class RunFinished(Exception):  # noqa: N818  (an outcome, not an error)
    """`--resume` of a run that had finished (its outputs are in place): nothing to resume."""


class OutChanged(ValueError):  # noqa: N818  (a ValueError: the CLI's one line)
    """NAME changed while the run trained (other files appeared there): it was left as it is,
    and the finished run's outputs were put beside it, in `.kept`."""

    def __init__(self, message: str, kept: Path) -> None:
        super().__init__(message)
        self.kept = kept


def stage_dir(out: str | os.PathLike[str]) -> Path:
    out = _abs(out)
    return out.parent / f".{out.name}.partial"


def lock_file(out: str | os.PathLike[str]) -> Path:
    """The file a run's OS lock is taken on (`lock_out`), beside its folder."""
    out = _abs(out)
    return out.parent / f".{out.name}.lock"


def held_by_a_run(out: str | os.PathLike[str]) -> str | None:
    """Why another tool (a search) must not write into `out`: a run trains there (its lock is
    held: tried, not looked for, so a file left by a killed run blocks nothing), an interrupted
    one is staged there, or the folder holds a finished run; None when none of these."""
    from filelock import FileLock, Timeout

    out = _abs(out)
    if lock_file(out).is_file():
        lock = FileLock(lock_file(out), timeout=0)
        try:
            lock.acquire()
            lock.release()  # (not unlinked: a run may be waiting on it)
        except Timeout:
            return "a tinygrad-dl train run is writing there"
    if stage_dir(out).exists():
        return f"a tinygrad-dl train run is staged there ({stage_dir(out)})"
    found = [f for f in RUN_FILES if (out / f).is_file()]
    if found:
        return f"it holds a training run ({', '.join(found)})"
    return None


def _old_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.old"


def _abs(out: str | os.PathLike[str]) -> Path:
    """`out` absolute ("." and "runs/" get a real name for their siblings), and, when it is a
    symbolic link, the folder it points to: a run writes through the link (its staging folder
    and lock beside the target), as a file is written through one (files.atomic_write)."""
    p = os.path.abspath(out)
    return Path(os.path.realpath(p) if os.path.islink(p) else p)


@contextlib.contextmanager
def lock_out(out: str | os.PathLike[str], *, flag: str = "--out") -> Iterator[Path]:
    """Hold the lock of `out` (its parent is created) for the duration; ValueError when another
    run holds it. `flag`: how errors name `out` (--resume: a resumed run's folder)."""
    from filelock import FileLock, Timeout

    out = _abs(out)
    _check_path(out, flag)
    lock_path = lock_file(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path, timeout=0)
        lock.acquire()
    except Timeout:
        other = "" if flag == "--resume" else " or choose another --out"
        raise ValueError(f"{flag} {out}: another tinygrad-dl run is writing there (it holds "
                         f"{lock_path}); wait for it to finish{other}") from None
    except OSError as e:
        raise _cannot_write(out, e, flag) from None
    try:
        yield out
    finally:
        # removed while still held, so no stale file stays beside the run: a process that opened
        # it meanwhile finds it unlinked when it gets the flock, and retries (filelock >= 4.3.1;
        # an older one, Python 3.10's, would hold a lock on the unlinked file, beside a new
        # run's on a new one: the file stays there)
        try:
            if unlink_retried():
                lock_path.unlink(missing_ok=True)
        except OSError:  # (a folder made read-only meanwhile: the unlink's EPERM replaced the
            pass         # run's own error, and a lock file left there blocks nothing)
        lock.release()


def unlink_retried() -> bool:
    """Does this filelock retry a lock file unlinked while it waited (4.3.1 and later)?"""
    import filelock

    parts = []
    for p in filelock.__version__.split(".")[:3]:
        digits = "".join(c for c in p if c.isdigit()) if p[:1].isdigit() else ""
        parts.append(int(digits or 0))
    return tuple(parts) >= (4, 3, 1)


def _check_path(out: Path, flag: str = "--out") -> None:
    p = file_in_the_way(out)
    if p is not None:
        raise ValueError(f"{flag} {out}: {p} is a file, not a folder")
    if flag == "--resume" and not stage_dir(out).exists():  # nothing there replaces `out`: a
        return  # finished run's "nothing to resume" (exit 0) was refused from inside it
    try:  # (a run replaces its folder whole: `--out .` left the shell in a removed folder,
        # where `ls` showed nothing, and the summary listed no outputs)
        here = Path(os.getcwd())
    except OSError:
        return
    real = Path(os.path.realpath(out))
    if real == here or real in here.parents:
        raise ValueError(f"{flag} {out}: it is the current folder (or holds it), and a run "
                         "replaces its folder whole, leaving the shell in a removed folder; "
                         "run the command from outside it" + (
                             "" if flag == "--resume" else ", or choose a new folder"))


def check_resumed_out(out: str | os.PathLike[str]) -> None:
    """lock_out's refusals of a resumed run's folder (the current folder, one in the way),
    made before the CLI says "resuming" (the refusal came after that line)."""
    _check_path(_abs(out), "--resume")


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
        _swap_in(stage, out, recovering=True)
        finished = True
    elif stage.exists() and not (stage / STATE_FILE).is_file():
        # neither finished nor resumable: the previous run an exchange left there, or a run
        # killed before its first state
        _cleanup(stage)
    _cleanup(old)
    for mark in (DONE, SEEN):
        (out / mark).unlink(missing_ok=True)
    if finished and notes is not None:
        notes.append(f"the run writing {out} had finished but was stopped while its outputs "
                     "were put in place: that is done now")
    return finished


def _has_outputs(d: Path) -> bool:
    return any((d / f).is_file() for f in RUN_FILES)


def check_new_out(out: str | os.PathLike[str]) -> None:
    """prepare_out's refusals of a new run's `out`, made without writing anything (the CLI makes
    them before it says "training ..."): a file in the way, a folder that is not a run's, an
    interrupted run staged there. Where a killed commit waits to be finished (`recover`), the
    refusals are left to prepare_out, which finishes it first."""
    out = _abs(out)
    _check_path(out)
    if _held(out):  # a run writing there now: its staged state is live, not an interrupted
        # run's (the refusal said to resume it, or `rm -r` it), so lock_out's refusal
        raise ValueError(f"--out {out}: another tinygrad-dl run is writing there (it holds "
                         f"{lock_file(out)}); wait for it to finish or choose another --out")
    stage = stage_dir(out)
    if _old_dir(out).exists() or (stage / DONE).is_file():
        return
    if out.is_dir() and any(out.iterdir()):
        entries = list(out.iterdir())
        if any(e.is_dir() for e in entries) or not _has_outputs(out):
            raise ValueError(f"--out {out}: the folder exists and is not a tinygrad-dl run "
                             "folder; choose a new folder (a run replaces its --out whole)")
    if (stage / STATE_FILE).is_file():
        raise ValueError(_interrupted_there(out, stage))


def _held(out: Path) -> bool:
    """Does a run hold the lock of `out` now? (Only an existing lock file is tried: nothing is
    created.)"""
    from filelock import FileLock, Timeout

    path = lock_file(out)
    if not path.is_file():
        return False
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return True
    except OSError:  # (left to lock_out, which says why)
        return False
    lock.release()  # (not unlinked: a run may be waiting on it)
    return False


def prepare_out(out: str | os.PathLike[str], *, resume: bool,
                notes: list[str] | None = None) -> Path:
    """Check `out` and return the staging folder the run writes into (created). With `resume`
    the staging folder must hold an interrupted run's training state; without, a staging folder
    holding one is refused (a ValueError saying how to resume it or start afresh), and what
    `out` holds is recorded for the commit to check. Notes for the user (a replaced run) are
    appended to `notes`. Call with the lock (`lock_out`) held."""
    out = _abs(out)
    notes = notes if notes is not None else []
    _check_path(out, "--resume" if resume else "--out")
    finished = recover(out, notes)
    stage = stage_dir(out)
    if resume:
        if not (stage / STATE_FILE).is_file():
            if finished or (out.is_dir() and _has_outputs(out)):
                raise RunFinished(f"nothing to resume: the run in {out} finished; its outputs "
                                  "are there")
            raise FileNotFoundError(f"--resume {out}: no interrupted run to resume there "
                                    f"({stage / STATE_FILE} does not exist)")
        if out.is_dir() and _has_outputs(out):  # said at the start of every leg of the run (the
            # first leg's note was lost: a resumed run replaced it without a word)
            notes.append(_replacing(out))
        return stage
    if out.is_dir() and any(out.iterdir()):
        entries = list(out.iterdir())
        if any(e.is_dir() for e in entries) or not _has_outputs(out):
            raise ValueError(f"--out {out}: the folder exists and is not a tinygrad-dl run "
                             "folder; choose a new folder (a run replaces its --out whole)")
    if stage.exists():  # (recover left it: it holds an interrupted run's state)
        raise ValueError(_interrupted_there(out, stage))
    if out.is_dir() and any(out.iterdir()):
        notes.append(_replacing(out))
    try:
        stage.mkdir(parents=True)
        # what NAME holds now: the commit replaces it only if it still holds that (or nothing).
        # A plain write (it also proves the folder writable, as a probe did): a torn record is
        # unreadable, and the commit then replaces only a folder of a run's own files
        (stage / SEEN).write_text(json.dumps({"entries": _snapshot(out)}))
    except OSError as e:
        _cleanup(stage)
        raise _cannot_write(out, e) from None
    return stage


def _cannot_write(out: Path, e: OSError, flag: str = "--out") -> ValueError:
    """The refusal of an --out whose lock file or staging folder (beside it) cannot be written,
    naming the one in the way: a folder named .OUT.lock said "--out OUT: cannot write there
    (Is a directory)", of an OUT that was no folder at all."""
    name = os.fspath(e.filename) if e.filename else ""
    where = f"cannot write {name}" if name and name != os.fspath(out) else "cannot write there"
    return ValueError(f"{flag} {out}: {where} ({e.strerror or e})")


def _interrupted_there(out: Path, stage: Path) -> str:
    """The refusal of a new run where an interrupted run's state is saved: how to resume it,
    and how to start afresh (only the user deletes a saved state)."""
    try:
        st = load_train_state(stage / STATE_FILE)
        model, step = st["run"]["model"], int(st["loop"]["step"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        return (f"--out {out}: {stage} holds an interrupted run's state that cannot be resumed "
                f"({str(e)[:200]}); delete {stage} to start a run there, or choose another "
                "--out")
    resume = shlex.join(["tinygrad-dl", "train", model, "--resume", str(out)])
    return (f"--out {out}: an interrupted {model} run is saved there "
            f"({_plural(f'{step:,}', 'update')}, in {stage}); continue it with: {resume}; or "
            f"choose another --out; or, to start afresh there, delete it first: rm -r "
            f"{shlex.quote(str(stage))}")


def commit_out(stage: Path, out: str | os.PathLike[str]) -> Path:
    """Put the finished staging folder in place as `out` (the previous run's folder goes)."""
    out = _abs(out)
    for tmp in stage.glob(".*.tmp"):  # an atomic write cut short by kill -9 in an earlier try
        tmp.unlink()
    atomic_write(stage / DONE, "")  # from here on, a kill is finished by the next start
    _swap_in(stage, out)
    return out


def keep_diverged(stage: Path, out: str | os.PathLike[str]) -> Path:
    """A diverged run is never swapped in: NAME stays as it was, and the staging folder (the
    history up to the blow-up) becomes the visible sibling `NAME-diverged` (returned)."""
    return _set_aside(stage, _abs(out), "diverged")


def _swap_in(stage: Path, out: Path, recovering: bool = False) -> None:
    """The swap of a finished staging folder (marked DONE) and what follows it; each step may
    be cut by a kill and is redone by `recover`. When NAME no longer holds what it held when the
    run started, it is left as it is and the run goes beside it (OutChanged)."""
    (stage / STATE_FILE).unlink(missing_ok=True)
    why = _changed(stage, out)
    if why is not None:
        kept = _set_aside(stage, out, "finished")
        if recovering:
            raise OutChanged(f"--out {out} changed after the run writing it had finished ({why})"
                             f", so it is left as it is; that run's outputs are in {kept}", kept)
        raise OutChanged(f"--out {out} changed while this run trained ({why}), so it is left as "
                         f"it is; this run finished and its outputs are in {kept}", kept)
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
    for mark in (DONE, SEEN):
        (out / mark).unlink(missing_ok=True)


def _snapshot(out: Path) -> list[list[Any]] | None:
    """What `out` holds, entry by entry (name, file type, size, mtime in ns); None when it is not
    a folder."""
    if out.is_symlink() or not out.is_dir():
        return None
    entries = []
    with os.scandir(out) as it:
        for e in it:
            st = e.stat(follow_symlinks=False)
            entries.append([e.name, stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns])
    return sorted(entries)


def _changed(stage: Path, out: Path) -> str | None:
    """None when the finished run in `stage` may replace `out`: `out` is missing or empty, or
    holds exactly what it held when the run started (as `stage`'s SEEN records it; a staging
    folder from before that record: only a run's output files). Else what changed, in words."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        return f"{out} is no longer a folder"
    now = _snapshot(out)
    if not now:
        return None
    try:
        seen = json.loads((stage / SEEN).read_text())["entries"]
    except (OSError, ValueError, KeyError, TypeError):
        extra = [n for n, kind, *_ in now if n not in OUTPUT_FILES or kind != stat.S_IFREG]
        return f"it holds {_names(extra)}, which a run does not write" if extra else None
    if now == seen:
        return None
    old = {e[0]: e for e in seen} if isinstance(seen, list) else {}
    new = {e[0]: e for e in now}
    parts = []
    for what, names in (("appeared", sorted(set(new) - set(old))),
                        ("changed", sorted(n for n in set(new) & set(old) if new[n] != old[n])),
                        ("went", sorted(set(old) - set(new)))):
        if names:
            parts.append(f"{_names(names)} {what}")
    return "; ".join(parts) or "its entries changed"


def _names(names: list[str], most: int = 4) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _set_aside(stage: Path, out: Path, what: str) -> Path:
    """Rename `stage` to the first free `NAME-WHAT`, `NAME-WHAT-2`, ... beside `out` (never over
    anything), and drop the staging marks from it."""
    for i in range(1, 10_000):
        dst = out.parent / (f"{out.name}-{what}" + (f"-{i}" if i > 1 else ""))
        if dst.exists() or dst.is_symlink():
            continue
        try:
            replace(stage, dst)  # (over an empty folder at most, made in between)
        except OSError as e:
            if e.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                continue  # taken in between
            raise
        for mark in (STATE_FILE, DONE, SEEN):
            (dst / mark).unlink(missing_ok=True)
        return dst
    raise ValueError(f"no free name {out.name}-{what}-N beside {out} to keep the run in: it is "
                     f"in {stage}")


def _cleanup(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    elif p.exists() or p.is_symlink():
        p.unlink()


def _replacing(out: Path) -> str:
    return (f"replacing the previous run in {out} ({_describe(out)}); its files (plots "
            "included) are removed when this run finishes")


def _describe(out: Path) -> str:
    return finished_model(out) or "an earlier run"


def finished_model(out: str | os.PathLike[str]) -> str | None:
    """The model of the finished run in `out` (its result.json says), None: unreadable."""
    try:
        model = json.loads((_abs(out) / "result.json").read_text())["model"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return model if isinstance(model, str) else None


# ---- what a finished run writes ------------------------------------------------------------
# the hyperparameters a plot title names, in this order, when they applied to the run
_TITLE_KEYS = (("hidden", "hidden"), ("m", "m"), ("batch_norm", "BN"), ("dropout", "dropout"),
               ("lam", "λ"), ("eta", "η"), ("n_batch", "batch"), ("seq_length", "seq"))


def plot_title(result: Any) -> str:
    """e.g. "two-layer: m=50, λ=0.01, η 1e-05..0.1 cyclic (n_s=20, 3 cycles), batch=100"."""
    p = result.params
    parts = []
    for key, label in _TITLE_KEYS:
        if key in p and p[key] is not None and not (key == "dropout" and not p[key]):
            v = p[key]
            v = ",".join(map(str, v)) if isinstance(v, list) else f"{v:g}" if isinstance(
                v, float) else v
            parts.append(f"{label}={v}")
        if key == "eta" and p.get("schedule") == "cyclic":
            parts.append(f"η {p['eta_min']:g}..{p['eta_max']:g} cyclic (n_s={p['n_s']}, "
                         f"{_plural(p.get('cycles'), 'cycle')})" if "cycles" in p else
                         f"η {p['eta_min']:g}..{p['eta_max']:g} cyclic (n_s={p['n_s']})")
    return f"{result.name}: {', '.join(parts)}"


def _plural(n: Any, word: str) -> str:
    return f"{n} {word}" + ("" if n in (1, "1") else "s")


def write_outputs(result: Any, out: Path, *, seed: int, data: Any = None,
                  chars: Any = None) -> list[Path]:
    """history.json, model.npz, result.json, then the plots (a failing plot only warns).
    `result` is a train.run.TrainResult."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "history.json", out / "model.npz", out / "result.json"]
    result.history.save(written[0])
    extra: dict[str, Any] = {"params": result.params, "seed": seed, "final": result.final}
    norm = None
    if chars is not None:
        extra.update(chars=list(chars.chars), start_char=chars.text[0])
        if getattr(result.model, "h_last", None) is not None:  # synthesize's h0 (fit_rnn)
            extra["h_last"] = [float(v) for v in result.model.h_last]  # (exact in JSON)
    else:
        extra.update(label_names=list(data.label_names))
        if data.mean is not None and data.std is not None:  # to classify new images later
            norm = (data.mean, data.std)
    checkpoint.save_model(result.model, written[1], normalization=norm, **extra)
    summary = {
        "model": result.name, "params": result.params, "seed": seed,
        "data": result.history.meta.get("data"), "test_acc": result.test_acc,
        "best_val_acc": result.best_val_acc, "final": result.final,
        "notes": result.notes, "seconds": round(result.seconds, 2),
    }
    atomic_write(written[2], json.dumps(jsonable(summary), indent=1, default=str) + "\n")

    plots: list[tuple[str, Any]] = []
    h = result.history
    title = plot_title(result)
    if chars is not None:
        f = result.final
        last = f.get("last_smooth_loss", f["smooth_loss"])  # (--restore-best moves it there)
        loss_title = (f"{title}\nsmooth loss: last {last:.4f}, best "
                      f"{f['best_smooth_loss']:.4f}")
        plots.append(("smooth_loss.png",
                      lambda f: viz.plot_smooth_loss(h, save=f, title=loss_title)))
        lines = [format_sample(s) for s in h.meta.get("samples", [])]
        lines.append(f"--- final model, {len(result.final['sample']) - 1} characters ---\n"
                     f"{result.final['sample']}\n")
        atomic_write(out / "samples.txt", "\n".join(lines))
        written.append(out / "samples.txt")
    else:
        y_pred = result.model.predict(data.X_test)
        names = list(data.label_names)
        plots.append(("learning_curves.png",
                      lambda f: viz.plot_learning_curves(h, save=f, title=title)))
        plots.append(("confusion_matrix.png",
                      lambda f: viz.plot_confusion_matrix(data.y_test, y_pred, names, save=f)))
        if result.params.get("schedule") == "cyclic":
            plots.append(("lr_schedule.png", lambda f: viz.plot_lr_schedule(
                h.meta["etas"], save=f, title=f"learning rate, {title}")))
        if getattr(result.model, "weights_are_templates", False):
            W = result.model.state_dict()[_first_weight(result.model)]
            plots.append(("weights.png",
                          lambda f: viz.plot_weight_templates(W, names, save=f)))
    for fname, draw in plots:
        try:
            draw(out / fname)
            written.append(out / fname)
        except Exception as e:  # noqa: BLE001  (the run itself is saved; a plot is a bonus)
            print(f"warning: could not draw {fname}: {type(e).__name__}: {e}", file=sys.stderr)
    return written


def _first_weight(model: Any) -> str:
    return next(n for n, p in model.named_parameters() if p.data.ndim == 2)


# ---- the settings that ran ------------------------------------------------------------------
def ran_settings(p: dict[str, Any], unused: set[str]) -> dict[str, Any]:
    """`p` (resolved params, with derived values filled in) without what did not apply: the
    unset values and `unused`, what the run's Trainer says did not apply to it."""
    return {k: v for k, v in p.items() if v is not None and k not in unused}
