"""What many seeds of one setting say, and when two settings may be said to differ.

A setting's number is the mean over seeds with its standard error, s.e. = sd / sqrt(n) (sd with
n - 1). Two settings are compared by the difference of their means; over the seeds both ran
(the same initialisation and shuffling streams) the difference is taken seed by seed, and its
s.e. is that of the mean paired difference; without common seeds, sqrt(se_a^2 + se_b^2). A
difference is claimed only when it is larger than twice its s.e., and only from MIN_SEEDS seeds
or more: below that, nothing is claimed at all. The same rule decides whether a target is met.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

MIN_SEEDS = 20  # no claim rests on fewer seeds than this
Z = 2.0  # a claim needs |difference| > Z standard errors


@dataclass(frozen=True)
class Summary:
    """mean, sd, s.e., min, max of one setting's values over n seeds."""

    n: int
    mean: float
    sd: float
    se: float
    lo: float
    hi: float

    @property
    def enough(self) -> bool:
        return self.n >= MIN_SEEDS


def summarize(values: Sequence[float]) -> Summary:
    """The summary of `values` (finite numbers, one per seed); sd and s.e. are NaN for n < 2."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or not np.isfinite(v).all():
        raise ValueError("summarize: expected a list of finite numbers, one per seed")
    n = len(v)
    if n == 0:
        return Summary(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    # mean = v[0] + mean(v - v[0]), kept in [min, max]: seeds that all scored x have mean x and
    # sd 0 exactly (v.mean() of twenty 0.4287 is 0.42869999999999997, sd 5.7e-17: "missed" a
    # target of 0.4287 by 2 s.e. of round-off)
    lo, hi = float(v.min()), float(v.max())
    # worked on in [-1, 1) (a power-of-two scale is exact): sums of values near 1e308 cannot
    # overflow, and the spread is squared at its own scale (an sd of 1e-300 or 1e200 does not
    # underflow to 0 or overflow to inf, which read any target as met/missed or undecided)
    scale = math.frexp(max(abs(lo), abs(hi)))[1]
    u = np.ldexp(v, -scale)
    d = u - u[0]  # (exact for values within a factor of 2 of each other: sd keeps its digits)
    mean = min(max(math.ldexp(float(u[0]) + float(d.mean()), scale), lo), hi)
    sd = math.nan
    if n > 1:
        r = d - d.mean()
        k = math.frexp(float(np.abs(r).max()))[1]
        spread = math.sqrt(float(np.square(np.ldexp(r, -k)).sum()) / (n - 1))
        with np.errstate(over="ignore"):  # (an sd over 1.8e308 is inf)
            sd = float(np.ldexp(spread, k + scale))
    return Summary(n, mean, sd, sd / math.sqrt(n), lo, hi)


@dataclass(frozen=True)
class Difference:
    """mean(a) - mean(b), its s.e., over n seeds (paired: the same seeds in both)."""

    diff: float
    se: float
    n: int  # pairs when paired, else the smaller of the two counts
    paired: bool

    @property
    def enough(self) -> bool:
        return self.n >= MIN_SEEDS

    @property
    def shown(self) -> bool:
        """A difference may be claimed: enough seeds and |diff| > Z s.e."""
        return self.enough and abs(self.diff) > Z * self.se

    @property
    def sign(self) -> int:
        """+1: a is larger, -1: b is larger, 0: no claim."""
        return (1 if self.diff > 0 else -1) if self.shown else 0


def compare(a: Mapping[int, float], b: Mapping[int, float]) -> Difference:
    """a - b from per-seed values {seed: value}: paired over the seeds both have (a seed that
    failed in one is left out of both), unpaired (Welch's s.e.) when they share fewer than two."""
    common = sorted(set(a) & set(b))
    if len(common) >= 2:
        d = np.array([a[s] - b[s] for s in common], dtype=np.float64)
        s = summarize(d)
        return Difference(s.mean, s.se, s.n, True)
    sa, sb = summarize(list(a.values())), summarize(list(b.values()))
    return Difference(sa.mean - sb.mean, math.hypot(sa.se, sb.se), min(sa.n, sb.n), False)


def versus_target(s: Summary, target: float, higher_is_better: bool = True) -> str:
    """'met', 'missed', 'undecided' (within Z s.e. of it) or 'too few seeds'."""
    if not s.enough:
        return "too few seeds"
    margin = (s.mean - target) * (1 if higher_is_better else -1)
    if math.isfinite(margin) and math.isfinite(s.se):  # exact: a rounded mean - target read a
        margin = (Fraction(s.mean) - Fraction(target)) * (1 if higher_is_better else -1)
    if margin > Z * s.se:  # target a hair over 2 s.e. away as "undecided" (2.4% of such cases)
        return "met"
    if margin < -Z * s.se:
        return "missed"
    return "undecided"
