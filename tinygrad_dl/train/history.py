"""What a training run records and returns: `History` (named columns of numbers, saved as JSON),
`TrainResult` (what run_training returns) and `format_sample` (a char-RNN sample as printed)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..container import check_schema
from ..files import atomic_write, jsonable


class History:
    """Columns of values logged over a run, one row per `log` call.

    Conventional names: step, epoch, eta, train_cost, train_loss, train_acc, val_cost,
    val_loss, val_acc, smooth_loss. A column missing from a row holds NaN there.
    """

    def __init__(self, meta: dict[str, Any] | None = None) -> None:
        self.columns: dict[str, list[float]] = {}
        self.meta: dict[str, Any] = dict(meta or {})
        self._rows = 0

    def log(self, **values: float) -> None:
        for name in values:  # in the order given: the same file from every process
            if name not in self.columns:
                self.columns[name] = [math.nan] * self._rows
        for name, col in self.columns.items():
            v = values.get(name, math.nan)
            col.append(float(v))
        self._rows += 1

    def __len__(self) -> int:
        return self._rows

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.columns:
            raise KeyError(f"history has no column {name!r}; it has {sorted(self.columns)}")
        return np.asarray(self.columns[name], dtype=np.float64)

    def last(self, name: str) -> float:
        values = self[name]
        values = values[~np.isnan(values)]
        return float(values[-1]) if values.size else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: a NaN gap (a row that did not log the column) becomes None; +inf / -inf
        in a column (a run that blew up) the strings "inf" / "-inf", which `from_dict` reads
        back (strict JSON has no number for them: as None the plots' blow-up marker was lost
        and the reloaded curve just stopped). Non-finite meta values become None."""
        return {"meta": jsonable(self.meta),
                "columns": {str(k): [_cell(v) for v in col] for k, col in self.columns.items()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        h = cls(d.get("meta"))
        cols = d.get("columns", {})
        lengths = {len(c) for c in cols.values()}
        if len(lengths) > 1:  # the rows would misalign: the next log() put values in wrong rows
            raise ValueError(f"History.from_dict: columns of different lengths {sorted(lengths)}"
                             "; every column has one entry per logged row (NaN/None where a row "
                             "does not log it)")
        try:  # (float("inf") / float("-inf"): to_dict's encoding of a blow-up)
            h.columns = {k: [math.nan if v is None else float(v) for v in col]
                         for k, col in cols.items()}
        except (TypeError, ValueError):  # the cell named: cell by cell only here (2.5x slower)
            h.columns = {k: [_number(k, i, v) for i, v in enumerate(col)]
                         for k, col in cols.items()}
        h._rows = max((len(c) for c in h.columns.values()), default=0)
        return h

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write as JSON atomically (see tinygrad_dl.files.atomic_write)."""
        atomic_write(path, json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> History:
        """A History saved by `save`; one ValueError naming `path` for anything else (a
        hand-edited or foreign file gave AttributeError/TypeError/RecursionError tracebacks)."""
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            # (a cell: a number, null, or to_dict's "inf"/"-inf"; float() checks the string)
            # other top-level keys (a newer version's, a user's note) are left alone, as
            # from_dict always did; a null meta is an empty one, as from_dict takes it
            check_schema(doc, {"meta?": (dict, type(None)),
                               "columns?": {"*": [(float, str, type(None))]}, "*": object},
                         "history")
            return cls.from_dict(doc)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
            raise ValueError(f"{path}: not a valid history JSON file ({e})") from None
        except (ValueError, OverflowError) as e:  # (from_dict's: ragged columns, 1e400 as an
            raise ValueError(f"{path}: {e}") from None  # int; check_schema's Refused)


def _number(column: str, i: int, v: Any) -> float:
    """One saved cell back as a float (None: NaN); ValueError naming the cell for a text that
    is no number (a hand-edited "abc" said only "could not convert string to float")."""
    try:
        return math.nan if v is None else float(v)
    except (TypeError, ValueError):
        raise ValueError(f"History.from_dict: columns[{column!r}][{i}] is {v!r:.40}, not a "
                         "number (or null, \"inf\", \"-inf\")") from None


def _cell(v: Any) -> Any:
    """One history value as strict JSON: +inf / -inf as "inf" / "-inf", NaN as None."""
    if isinstance(v, (float, np.floating)) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return jsonable(v)


@dataclass
class TrainResult:
    """What run_training returns. `model` is the trained Module; `name` its registry name."""

    model: Any
    history: History
    test_acc: float | None
    best_val_acc: float | None
    final: dict[str, Any]
    seconds: float
    name: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    out: Path | None = None
    notes: list[str] = field(default_factory=list)  # what the user should know (printed)
    resumed_from: int | None = None  # the update step a resumed run continued from


def epochs_trained(done: float) -> int | float:
    """Epochs a run trained, as result.json, the summary and history.meta give it: a whole
    number as an int, a part of one to 2 decimals but at least 3 significant digits (300 char-RNN
    updates of 18,605 per epoch are 0.0161, not 0.02 or 0: a short run read as none or a whole
    epoch), never rounded to a whole number (1,999 updates of 2,000 are 0.9995, not 1.0: the
    first epoch read as finished)."""
    if done == int(done):
        return int(done)
    digits = max(2, 2 - math.floor(math.log10(abs(done))))
    out = round(done, digits)
    while out == int(out):  # (ends: at 17 digits round gives `done` itself, not whole)
        digits += 1
        out = round(done, digits)
    return out


def format_sample(s: dict[str, Any]) -> str:
    """A sample as the course prints it: a header line with the update and smooth loss."""
    loss = "-" if math.isnan(s["smooth_loss"]) else f"{s['smooth_loss']:.4f}"
    return f"--- update {s['step']}, smooth loss {loss} ---\n{s['text']}\n"
