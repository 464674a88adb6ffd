"""A search's folder on disk: spec.json, results.json, results.csv (the plot is viz.plot_search).

Both tables are rewritten atomically (temp file, fsync, rename) after every finished trial, so an
interrupted search loses at most the trials that were running, and a re-run can resume. While a
search runs it holds an OS lock on `.lock` in the folder, so a second process is refused.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from tinygrad_dl.container import Refused, check_schema
from tinygrad_dl.files import atomic_write, file_in_the_way, jsonable
from tinygrad_dl.train.outputs import held_by_a_run

from .space import ParamSpec

# the files a store keeps in its folder (an output named as one of them is refused elsewhere)
STORE_FILES = ("spec.json", "results.json", "results.csv", ".lock")
# what a row of results.json must hold before a resumed search reads it
ROW = {"trial": int, "round": int, "status": str, "*": object}


def finite(v: Any) -> bool:
    """A finite int or float, not a bool (JSON's true would otherwise rank as 1.0); an int
    beyond a float's range (a hand-typed 1e400 as digits) is not: isfinite raised on it."""
    try:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    except OverflowError:
        return False


def check_out(out: Path) -> None:
    """ValueError, naming --out, for a folder a search cannot use: a file in its place, or one a
    `tinygrad-dl train` run holds (checked again under the lock; the command checks it before
    it prints anything)."""
    p = file_in_the_way(out)
    if p is not None:
        raise ValueError(f"--out {out}: {p} is a file, not a folder; nothing was written: "
                         "choose another --out")
    train = held_by_a_run(out)  # train's commit would keep a run, and set ours aside
    if train is not None:
        raise ValueError(f"--out {out}: {train}; nothing was written: choose another --out")


class ResultStore:
    """The search's folder: spec.json, results.json and results.csv, rewritten after every trial."""

    def __init__(
        self, out: str | os.PathLike[str], spec: dict[str, Any], columns: list[str],
        metrics: Sequence[str] = (),
    ) -> None:
        """`metrics`: the columns an "ok" row holds a result in (a finite number or null)."""
        self.out = Path(out)
        self.spec, self.columns, self.metrics = spec, columns, tuple(metrics)
        self.spec_path, self.json_path, self.csv_path, self.lock_path = (
            self.out / f for f in STORE_FILES)
        self.rows: dict[int, dict[str, Any]] = {}
        self.rounds: list[list[str]] = []  # each round's ranges, as shown
        self.round_params: list[list[ParamSpec]] = []  # the same, to full precision
        self._lock: Any = None
        self._wrote_spec = False  # this run made spec.json (the folder held no search)

    def __enter__(self) -> ResultStore:
        """Lock the folder (one search process at a time), then check and load it. A folder
        that cannot be one (a file in its place) or cannot be written is a ValueError naming
        it, raised before anything is written there (so before any trial runs)."""
        check_out(self.out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            # the OS's own answer (EROFS, EACCES), before the lock turns it into something else
            os.close(os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666))
        except OSError as e:
            why = f"{e.strerror or e}" + (f", {errno.errorcode[e.errno]}"
                                          if e.errno in errno.errorcode else "")
            raise ValueError(f"--out {self.out}: cannot write there ({why}); nothing in it was "
                             "changed: choose another --out, or make it writable and run the "
                             "same command again") from None
        # an OS lock (flock): released by the kernel when its holder dies, even by kill -9
        self._lock = FileLock(self.lock_path, timeout=0)
        try:
            self._lock.acquire()
        except Timeout:
            raise ValueError(f"another search is running in {self.out} (it holds "
                             f"{self.lock_path}); wait for it to finish or use another "
                             "--out") from None
        try:
            self._load()
        except BaseException as e:  # (a Ctrl-C just after it wrote spec.json: that goes too)
            self.__exit__(type(e), e, e.__traceback__)
            raise
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is not None and self._wrote_spec and not self.json_path.exists():
                # stopped before its first trial finished (a Ctrl-C, a lost cluster): nothing
                # to resume, and the spec.json left behind refused a corrected command in the
                # same --out as "a different search"
                self.spec_path.unlink(missing_ok=True)
        except OSError:  # (best effort: the same command still resumes with it)
            pass
        finally:
            self._lock.release()

    def _same_spec(self, old: dict[str, Any], where: Path) -> None:
        new = self.spec
        # without --refine rounds, --top-k and --widen shape nothing: a search saved with them
        # (accepted before they were refused without --refine) resumes without them
        loose = ("top_k", "widen") if not old.get("refine") and not new.get("refine") else ()
        diff = [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in new
                if old.get(k) != new[k] and k not in loose]
        if diff:
            raise ValueError(
                f"{self.out} holds a different search ({where.name}: {'; '.join(diff)}); use "
                f"another --out, or delete {self.out} to start over"
            )

    def _load(self) -> None:
        new = self.spec
        doc = self._read_json(self.json_path) if self.json_path.exists() else None
        if self.spec_path.exists():
            self._same_spec(self._read_json(self.spec_path), self.spec_path)
        # the table holds its search's spec too: with spec.json gone (deleted, or results.json
        # copied in) another search's rows were taken as this one's, their best named its best
        if doc is not None and isinstance(doc.get("spec"), dict):
            self._same_spec(doc["spec"], self.json_path)
        if not self.spec_path.exists():
            self._wrote_spec = True  # (first: a Ctrl-C just after the write must find it set)
            atomic_write(self.spec_path, json.dumps(new, indent=1))
        if doc is not None:
            try:  # a hand-edited table: every row is checked before one is used
                check_schema(doc, {"rows": [ROW], "*": object}, "results.json")
                search = "trials" in new  # (a search's store; `results` keeps seeds in one)
                names = [p["name"] for p in new["params"]] if search else []
                total = new["trials"] * (new.get("refine", 0) + 1) if search else None
                for r in doc["rows"]:
                    if r["trial"] < 0 or r["round"] < 0 or r["status"] not in ("ok", "failed"):
                        raise Refused(f"row of trial {r['trial']}: trial/round must be >= 0 "
                                      f"and status 'ok' or 'failed', got {r['status']!r:.20}")
                    if total is not None and r["trial"] >= total:  # would be named best
                        raise Refused(f"row of trial {r['trial']}: this search has {total} "
                                      "trials")
                    # (the ranges of later rounds are narrowed from these values: a NaN or
                    # an int past a float's range, 1 and 400 zeros, crashed the summary line)
                    lost = [n for n in names if not finite(r.get(n))]
                    if lost:
                        raise Refused(f"row of trial {r['trial']}: no number for "
                                      f"{', '.join(map(str, lost))}")
                    # a finished trial's results: saved rows hold finite numbers or null (NaN
                    # is written as null), so a NaN here was typed in and would count as done
                    bad = [m for m in self.metrics if r["status"] == "ok"
                           and r.get(m) is not None and not finite(r[m])]
                    if bad:
                        raise Refused(f"row of trial {r['trial']}: status 'ok' but "
                                      + ", ".join(f"{m} is {r[m]!r:.20}" for m in bad)
                                      + ", not a finite number (null if it was not measured)")
            except Refused as e:
                raise ValueError(f"{self.json_path}: {e}; fix the row or delete the file to "
                                 "run every trial again") from None
            self.rows = {r["trial"]: r for r in doc["rows"]}
            try:  # (absent from files written before 2026-12-03: the ranges are recomputed)
                self.round_params = [[ParamSpec.from_dict(d) for d in rr]
                                     for rr in doc.get("round_params", [])]
            except (TypeError, KeyError, ValueError) as e:
                raise ValueError(f"{self.json_path}: its round_params are not ranges ({e}); "
                                 "delete the file to run every trial again") from None

    @staticmethod
    def _read_json(path: Path) -> dict[str, Any]:
        try:
            doc = json.loads(path.read_text())
            if not isinstance(doc, dict):
                raise ValueError(f"a {type(doc).__name__}, not an object")
            return doc
        except (ValueError, RecursionError) as e:
            raise ValueError(
                f"{path}: not a valid search file ({e}); delete it to start over"
            ) from None

    def done(self, trial: int, retry_failed: bool = False) -> bool:
        row = self.rows.get(trial)
        return row is not None and (row["status"] == "ok" or not retry_failed)

    def add(self, row: dict[str, Any]) -> None:
        self.rows[row["trial"]] = jsonable(row)
        self.save()

    def save(self) -> None:
        rows = [self.rows[t] for t in sorted(self.rows)]
        doc = {"spec": self.spec, "rounds": self.rounds,
               "round_params": [[p.to_dict() for p in rr] for rr in self.round_params],
               "rows": rows}
        atomic_write(self.json_path, json.dumps(doc, indent=1))
        buf = io.StringIO()
        w = csv.DictWriter(buf, self.columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        atomic_write(self.csv_path, buf.getvalue())
