"""The search space: which training parameters can be searched, and their ranges.

`parse_param("lambda=log10:-5:-1")` -> ParamSpec, rejecting unknown names, malformed ranges and
values outside what the parameter allows; `ParamSpec.sample(rng)` draws a value and
`ParamSpec.narrowed(best_values)` makes the next coarse-to-fine round's range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ParamInfo:
    key: str  # run_training's name for it
    kind: type  # int or float
    low: float  # smallest valid value
    high: float = math.inf  # largest valid value
    open_low: bool = False  # low itself is invalid (e.g. eta > 0)
    open_high: bool = False


# Searchable parameters by their CLI names (underscores; hyphens and "lam" are accepted too).
PARAMS: dict[str, ParamInfo] = {
    "lambda": ParamInfo("lam", float, 0.0),
    "eta": ParamInfo("eta", float, 0.0, open_low=True),
    "eta_min": ParamInfo("eta_min", float, 0.0, open_low=True),
    "eta_max": ParamInfo("eta_max", float, 0.0, open_low=True),
    "n_s": ParamInfo("n_s", int, 1),
    "n_batch": ParamInfo("n_batch", int, 1),
    "epochs": ParamInfo("epochs", int, 1),
    "cycles": ParamInfo("cycles", int, 1),
    "m": ParamInfo("m", int, 1),
    "dropout": ParamInfo("dropout", float, 0.0, 1.0, open_high=True),
    "clip": ParamInfo("clip", float, 0.0, open_low=True),
    "momentum": ParamInfo("momentum", float, 0.0, 1.0, open_high=True),
    "std": ParamInfo("std", float, 0.0, open_low=True),
    "seq_length": ParamInfo("seq_length", int, 1),
    "n_updates": ParamInfo("n_updates", int, 1),
}
ALIASES = {"lam": "lambda"}
DISTS = ("log10", "uniform", "int", "choice")


def canonical_name(name: str) -> str:
    """'n-batch' -> 'n_batch', 'lam' -> 'lambda'; ValueError for an unknown name."""
    n = name.strip().replace("-", "_")
    n = ALIASES.get(n, n)
    if n not in PARAMS:
        raise ValueError(
            f"unknown search parameter {name!r}; searchable: {', '.join(sorted(PARAMS))}"
        )
    return n


def fmt_value(v: float) -> str:
    return f"{v:.6g}"


@dataclass(frozen=True)
class ParamSpec:
    """One searched parameter: a distribution over a range (or over a list of choices)."""

    name: str  # canonical CLI name, e.g. "lambda"
    dist: str  # one of DISTS
    low: float = math.nan  # in the distribution's own scale: exponents for log10
    high: float = math.nan
    choices: tuple = ()

    @property
    def info(self) -> ParamInfo:
        return PARAMS[self.name]

    @property
    def key(self) -> str:
        return self.info.key

    @property
    def is_log(self) -> bool:
        return self.dist == "log10"

    def __str__(self) -> str:
        if self.dist == "choice":
            return f"{self.name}=choice:{','.join(fmt_value(c) for c in self.choices)}"
        return f"{self.name}={self.dist}:{fmt_value(self.low)}:{fmt_value(self.high)}"

    def value_bounds(self) -> tuple[float, float]:
        """Smallest and largest value this spec can produce (not in log scale)."""
        if self.dist == "choice":
            return min(self.choices), max(self.choices)
        if self.is_log:
            return 10.0**self.low, 10.0**self.high
        return self.low, self.high

    def sample(self, rng: np.random.Generator) -> float | int:
        if self.dist == "choice":
            return self.choices[int(rng.integers(len(self.choices)))]
        if self.dist == "int":
            return int(rng.integers(int(self.low), int(self.high) + 1))
        u = float(rng.uniform(self.low, self.high))
        v = 10.0**u if self.is_log else u
        if self.info.kind is int:  # an integer parameter on a continuous range: round, stay inside
            lo, hi = self.value_bounds()
            v = int(min(max(round(v), math.ceil(lo)), math.floor(hi)))
        return v

    def narrowed(
        self, values: Iterable[float], widen: float = 0.1, min_keep: float = 0.25
    ) -> ParamSpec:
        """The range spanned by `values` (the best trials' values), widened by `widen` of its width
        on each side, in this spec's scale (log10 or linear); at least `min_keep` of the current
        width, and inside the current range. Choices narrow to those among `values`."""
        values = list(values)
        if not values:
            return self
        if self.dist == "choice":
            kept = tuple(c for c in self.choices if c in values)
            return replace(self, choices=kept or self.choices)
        scaled = np.log10(values) if self.is_log else np.asarray(values, dtype=np.float64)
        lo, hi = float(np.min(scaled)), float(np.max(scaled))
        lo, hi = lo - widen * (hi - lo), hi + widen * (hi - lo)
        min_width = min_keep * (self.high - self.low)
        if hi - lo < min_width:  # a few close values say little: keep a fair share of the range
            mid = (lo + hi) / 2
            lo, hi = mid - min_width / 2, mid + min_width / 2
        lo, hi = max(lo, self.low), min(hi, self.high)  # stay inside, keeping the width
        lo, hi = max(self.low, min(lo, hi - min_width)), min(self.high, max(hi, lo + min_width))
        if self.dist == "int":
            lo, hi = math.floor(lo), math.ceil(hi)
        return replace(self, low=lo, high=hi)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["choices"] = list(self.choices)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ParamSpec:
        return cls(d["name"], d["dist"], d["low"], d["high"], tuple(d.get("choices", ())))


def _number(text: str, what: str, kind: type) -> float | int:
    try:
        return kind(text) if kind is int else float(text)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise ValueError(f"{what}: {text!r} is not {noun}") from None


def parse_param(text: str) -> ParamSpec:
    """Parse 'NAME=DIST:ARGS': log10:A:B (10**uniform(A,B)), uniform:A:B, int:A:B (inclusive),
    choice:V1,V2,... ValueError, saying what is wrong, for anything malformed or out of range."""
    what = f"--param {text!r}"
    name, sep, rng_text = text.partition("=")
    if not sep or not name.strip() or not rng_text.strip():
        raise ValueError(f"{what}: expected NAME=DIST:ARGS, e.g. lambda=log10:-5:-1")
    try:
        name = canonical_name(name)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None
    info = PARAMS[name]
    dist, _, args = rng_text.strip().partition(":")
    if dist not in DISTS:
        raise ValueError(f"{what}: unknown distribution {dist!r}; use one of {', '.join(DISTS)}")
    if dist == "choice":
        items = [a.strip() for a in args.split(",") if a.strip()]
        if not items:
            raise ValueError(f"{what}: choice needs at least one value, e.g. choice:50,100")
        spec = ParamSpec(name, dist, choices=tuple(_number(a, what, info.kind) for a in items))
    else:
        parts = args.split(":")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise ValueError(f"{what}: {dist} needs two bounds, as {dist}:LOW:HIGH")
        if dist == "int" and info.kind is not int:
            raise ValueError(f"{what}: int ranges are for integer parameters; use uniform or log10")
        kind = int if dist == "int" else float
        low, high = (_number(p.strip(), what, kind) for p in parts)
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            raise ValueError(f"{what}: need LOW < HIGH (finite), got {low} and {high}")
        if dist == "log10" and max(abs(low), abs(high)) > 300:  # 10**400 overflows a float
            raise ValueError(f"{what}: log10 exponents must lie in [-300, 300], got {low:g} "
                             f"and {high:g}")
        spec = ParamSpec(name, dist, low, high)
    lo, hi = spec.value_bounds()
    bad_low = lo < info.low or (info.open_low and lo <= info.low)
    bad_high = hi > info.high or (info.open_high and hi >= info.high)
    if bad_low or bad_high:
        left, right = "(" if info.open_low else "[", ")" if info.open_high else "]"
        valid = f"{left}{info.low:g}, {info.high:g}{right}"
        raise ValueError(f"{what}: values {lo:g}..{hi:g} leave {name}'s valid range {valid}")
    if info.kind is int and dist != "choice" and math.floor(hi) < math.ceil(lo):
        raise ValueError(f"{what}: the range {lo:g}..{hi:g} holds no integer")
    return spec


# Training params that are only ever fixed, with the same checks as the searchable ones.
FIXED_ONLY: dict[str, ParamInfo] = {
    "val_size": ParamInfo("val_size", int, 1),
    "eval_every": ParamInfo("eval_every", int, 1),
    "sample_every": ParamInfo("sample_every", int, 1),
    "temperature": ParamInfo("temperature", float, 0.0, open_low=True),
}
FIXED_CHOICES = {"split": ("batch1", "all"), "dtype": ("float64", "float32"),
                 "init": ("gaussian", "xavier", "he"), "optimizer": ("sgd", "adam", "adagrad")}


def check_fixed(fixed: dict[str, Any]) -> None:
    """ValueError, naming the flag, for a fixed training value (a flag or a --set) that every
    trial would reject: a wrong type, or outside the parameter's valid range."""
    by_key = {info.key: (name, info) for name, info in PARAMS.items()}
    by_key.update({k: (k, info) for k, info in FIXED_ONLY.items()})
    for key, v in fixed.items():
        flag = f"--{key.replace('_', '-')}".replace("--lam", "--lambda")
        where = f"{flag} / --set {key}="
        if key in FIXED_CHOICES and v not in FIXED_CHOICES[key]:
            raise ValueError(f"{where}: {v!r} is not one of {', '.join(FIXED_CHOICES[key])}")
        if key == "drop_last" and not isinstance(v, bool):
            raise ValueError(f"{where}: drop_last must be true or false, got {v!r}")
        if key == "hidden" and (not isinstance(v, list) or not v or not all(
                isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in v)):
            raise ValueError(f"{where}: hidden sizes must be a list of positive integers, "
                             f"got {v!r}")
        if key not in by_key:
            continue
        name, info = by_key[key]
        number = isinstance(v, (int, float)) and not isinstance(v, bool)
        if info.kind is int and not (number and isinstance(v, int)):
            raise ValueError(f"{where}: {name} must be an integer, got {v!r}")
        if not number or not math.isfinite(v):
            raise ValueError(f"{where}: {name} must be a finite number, got {v!r}")
        if (v < info.low or (info.open_low and v <= info.low) or v > info.high
                or (info.open_high and v >= info.high)):
            left, right = "(" if info.open_low else "[", ")" if info.open_high else "]"
            raise ValueError(f"{where}: {name}={v!r} is outside its valid range "
                             f"{left}{info.low:g}, {info.high:g}{right}")
