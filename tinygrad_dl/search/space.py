"""The search space: which training parameters can be searched, and their ranges.

The searchable parameters are the entries of tinygrad_dl.train.hyperparams.HYPERS marked
`search`. `parse_param("lambda=log10:-5:-1")` -> ParamSpec, rejecting unknown names, malformed
ranges and values outside what the parameter allows; `ParamSpec.sample(rng)` draws a value and
`ParamSpec.narrowed(best_values)` makes the next coarse-to-fine round's range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from tinygrad_dl.train.hyperparams import BY_KEY, HYPERS, Hyper

# Searchable parameters by their CLI names ("lambda", "n_batch"): the table's entries that search
# may vary. A name may also be typed with hyphens, or as its run_training key ("lam").
PARAMS: dict[str, Hyper] = {h.name: h for h in HYPERS if h.search}
DISTS = ("log10", "uniform", "int", "choice")


def canonical_name(name: str) -> str:
    """'n-batch' -> 'n_batch', 'lam' -> 'lambda'; ValueError for an unknown name."""
    n = name.strip().replace("-", "_")
    n = BY_KEY[n].name if n in BY_KEY else n
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
    def info(self) -> Hyper:
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

    def int_bounds(self) -> tuple[int, int]:
        """The smallest and largest integer an integer parameter's range holds. 10**x is a few
        ulps off (10**log10(50) is 49.99999999999999, 10**log10(5) 5.000000000000001): on a
        log10 range an end within 1e-12 (relative) of an integer is that integer, or a range
        narrowed to end on a trial's value could never draw that value again. (1e-12, a few
        hundred ulps: 1e-9 admitted a whole number past the end above 1e9.)"""
        lo, hi = self.value_bounds()
        tol = 1e-12 if self.is_log else 0.0
        return math.ceil(lo - tol * abs(lo)), math.floor(hi + tol * abs(hi))

    def sample(self, rng: np.random.Generator) -> float | int:
        if self.dist == "choice":
            return self.choices[int(rng.integers(len(self.choices)))]
        if self.dist == "int":
            return int(rng.integers(int(self.low), int(self.high) + 1))
        u = float(rng.uniform(self.low, self.high))
        v = 10.0**u if self.is_log else u
        if self.info.kind is int:  # an integer parameter on a continuous range: round, stay inside
            lo, hi = self.int_bounds()
            v = int(min(max(round(v), lo), hi))
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
        # each value: min/max below skip a NaN (min(0.1, nan) is 0.1), and inf is in [0, inf]
        bad = [c for c in spec.choices if not (math.isfinite(c) and info.in_range(c))]
        if bad:
            raise ValueError(f"{what}: choice {fmt_value(bad[0])} is not a finite value in "
                             f"{name}'s valid range {info.range_text()}")
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
        if dist == "int" and not (-2**63 <= low and high < 2**63):  # (NumPy's int64 draw said
            # "high is out of bounds for int64", naming no flag, at the first trial)
            raise ValueError(f"{what}: int bounds must be 64-bit integers (below 2**63 in "
                             f"size), got {low} and {high}")
        if dist == "log10" and max(abs(low), abs(high)) > 300:  # 10**400 overflows a float
            raise ValueError(f"{what}: log10 exponents must lie in [-300, 300], got {low:g} "
                             f"and {high:g}")
        spec = ParamSpec(name, dist, low, high)
    lo, hi = spec.value_bounds()
    if not (info.in_range(lo) and info.in_range(hi)):
        raise ValueError(f"{what}: values {lo:g}..{hi:g} leave {name}'s valid range "
                         f"{info.range_text()}")
    if info.kind is int and dist != "choice" and spec.int_bounds()[1] < spec.int_bounds()[0]:
        raise ValueError(f"{what}: the range {lo:g}..{hi:g} holds no integer")
    return spec


def check_fixed(fixed: dict[str, Any]) -> None:
    """ValueError, naming the flag, for a fixed training value (a flag or a --set) that every
    trial would reject: a wrong type, or outside the parameter's valid range or choices (each
    entry's `check` in tinygrad_dl.train.hyperparams). Unknown keys are left to resolve_params."""
    for key, v in fixed.items():
        if key in BY_KEY:
            h = BY_KEY[key]
            try:
                h.check(v)
            except ValueError as e:
                raise ValueError(f"{h.shown} / --set {h.name}=: {e}") from None
