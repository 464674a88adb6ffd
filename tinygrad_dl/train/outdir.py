"""The output folder of a training run, written as one unit.

A run never writes into `--out` directly: it writes into a hidden sibling, `.NAME.partial`
(checkpoints while it trains, then every output), and only a finished run swaps that folder in
place of `NAME`. So `NAME` always holds exactly one run's files, all from the same run: a killed
or interrupted run leaves the previous `NAME` untouched (and its `.NAME.partial`, which
`--resume NAME` continues); a new run over a previous run's folder replaces it whole (old plots
included, and it says so). A staging folder that nobody resumes is removed by the next
non-resume run on the same `--out`; a half-done swap (`.NAME.old`) is cleaned up at the next
start.

`--out` is checked before any data are loaded: a path under a regular file, an unwritable
parent, or an existing folder that is not a run folder is a one-line error.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tinygrad_dl.files import replace

from .state import STATE_FILE

__all__ = ["RUN_FILES", "commit_out", "prepare_out", "stage_dir"]

# a folder holding one of these (and no sub-folders) is a previous run that may be replaced
RUN_FILES = ("result.json", "history.json", "model.npz")


def stage_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.partial"


def _old_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.old"


def prepare_out(out: str | os.PathLike[str], *, resume: bool,
                notes: list[str] | None = None) -> Path:
    """Check `out` and return the staging folder the run writes into (created). With `resume`
    the staging folder must hold an interrupted run's training state. Notes for the user
    (a replaced run, a discarded interrupted run) are appended to `notes`."""
    out = Path(os.path.abspath(out))  # "." and "runs/" get a real name for their siblings
    notes = notes if notes is not None else []
    for p in (out, *out.parents):
        if p.exists() or p.is_symlink():
            if not p.is_dir():
                raise ValueError(f"--out {out}: {p} is a file, not a folder")
            break
    stage, old = stage_dir(out), _old_dir(out)
    if resume:
        if not (stage / STATE_FILE).is_file():
            raise FileNotFoundError(f"--resume {out}: no interrupted run to resume there "
                                    f"({stage / STATE_FILE} does not exist)")
        _cleanup(old)
        return stage
    if out.is_dir() and any(out.iterdir()):
        entries = list(out.iterdir())
        if any(e.is_dir() for e in entries) or not any((out / f).is_file() for f in RUN_FILES):
            raise ValueError(f"--out {out}: the folder exists and is not a tinygrad-dl run "
                             "folder; choose a new folder (a run replaces its --out whole)")
        notes.append(f"replacing the previous run in {out} ({_describe(out)}); its files "
                     "(plots included) are removed when this run finishes")
    if stage.exists():
        notes.append(f"discarding the interrupted run in {stage} (resume it with --resume "
                     f"{out} instead)")
    _cleanup(stage)
    _cleanup(old)
    try:
        stage.mkdir(parents=True)
        probe = stage / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise ValueError(f"--out {out}: cannot write there ({e.strerror or e})") from None
    return stage


def commit_out(stage: Path, out: str | os.PathLike[str]) -> Path:
    """Swap the finished staging folder in as `out` (the previous run's folder goes)."""
    out = Path(os.path.abspath(out))
    (stage / STATE_FILE).unlink(missing_ok=True)
    for tmp in stage.glob(".*.tmp"):  # an atomic write cut short by kill -9 in an earlier try
        tmp.unlink()
    old = _old_dir(out)
    _cleanup(old)
    if out.exists():
        replace(out, old)
    replace(stage, out)
    _cleanup(old)
    return out


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
