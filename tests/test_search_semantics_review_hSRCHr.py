"""Second review of the search statistics (hSRCHr): stats.summarize against exact fractions at
every scale (1e-300 .. 1e300, mixed signs, n = 1 .. 1000, values one ulp apart), versus_target
exactly at the 2 s.e. boundary, and the documented choice weighting / 32-bit trial seeds."""

from __future__ import annotations

import math
import random
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.search import parse_param, trial_seed
from tinygrad_dl.search.stats import Summary, summarize, versus_target

DOCS = Path(__file__).resolve().parents[1] / "docs"
TINY = 2.0**-1022  # below this an sd is subnormal: fewer digits than a float's


def exact(values: list[float]) -> tuple[Fraction, Decimal | None]:
    """The exact mean and sd (to 50 digits) of `values`."""
    fs = [Fraction(x) for x in values]
    mean = sum(fs) / len(fs)
    if len(fs) < 2:
        return mean, None
    var = sum((x - mean) ** 2 for x in fs) / (len(fs) - 1)
    with localcontext() as ctx:
        ctx.prec = 50
        return mean, (Decimal(var.numerator) / Decimal(var.denominator)).sqrt()


def draw(rng: random.Random) -> list[float]:
    n = rng.choice([1, 2, 3, 5, 20, rng.randint(1, 1000)])
    e = rng.randint(-300, 300)
    kind = rng.randrange(4)
    base = rng.uniform(0.5, 1.0) * 10.0**e * rng.choice([1, -1])
    if kind == 0:  # seeds close to each other
        v = [base + rng.gauss(0, 1) * abs(base) * 10.0 ** rng.randint(-16, 0) for _ in range(n)]
    elif kind == 1:  # identical
        v = [base] * n
    elif kind == 2:  # one ulp apart
        v = [float(np.nextafter(base, math.inf)) if rng.random() < 0.5 else base for _ in range(n)]
    else:  # mixed signs and scales
        v = [rng.uniform(-1, 1) * 10.0 ** rng.randint(max(-307, e - 5), min(300, e + 5))
             for _ in range(n)]
    return [x for x in v if math.isfinite(x)] or [1.0]


def check(v: list[float]) -> None:
    s = summarize(v)
    mean, sd = exact(v)
    big = max(abs(x) for x in v)
    assert min(v) <= s.mean <= max(v), (v[:3], s)
    assert abs(Fraction(s.mean) - mean) <= Fraction(4 * np.finfo(float).eps) * Fraction(big)
    if len(set(v)) == 1:
        assert s.mean == v[0] and (len(v) == 1 or s.sd == 0.0)
    if sd is None:
        assert math.isnan(s.sd) and math.isnan(s.se)
        return
    assert math.isfinite(s.sd), (v[:3], s.sd, sd)
    if sd >= Decimal(TINY):
        assert abs(Decimal(s.sd) - sd) <= Decimal("1e-12") * sd, (v[:3], s.sd, sd)
    assert s.se == s.sd / math.sqrt(len(v))


@pytest.mark.parametrize("seed", range(4))
def test_summarize_against_exact_fractions_at_every_scale(seed):
    rng = random.Random(seed)
    for _ in range(60):
        check(draw(rng))


@pytest.mark.parametrize("values, sd", [
    ([1e200, 3e200], math.sqrt(2) * 1e200),  # was inf: (d - mean)**2 overflowed
    ([-1.5578600007716958e216, -6.203005417679472e210, 1e216], None),
    ([1e-300, 3e-300], math.sqrt(2) * 1e-300),  # was 0.0: the squares underflowed
    ([-9.129825817377688e-239, -9.129825816117684e-239], None),
])
def test_sd_neither_overflows_nor_underflows(values, sd):
    """An sd of 1e200 read as inf (any target 'undecided'), one of 1e-300 as 0 (any target a
    hair away 'met' or 'missed')."""
    s = summarize(values)
    want = exact(values)[1]
    assert math.isfinite(s.sd) and s.sd > 0, s
    assert abs(Decimal(s.sd) - want) <= Decimal("1e-14") * want, (s.sd, want)
    if sd is not None:
        assert s.sd == pytest.approx(sd, rel=1e-15)


def test_sums_near_the_float_max_do_not_overflow():
    s = summarize([1.7e308, 1.7e308, -1.7e308])
    assert s.mean == pytest.approx(1.7e308 / 3, rel=1e-15)
    assert summarize([1e308] * 20) == Summary(20, 1e308, 0.0, 0.0, 1e308, 1e308)
    assert summarize([1.7e308, -1.7e308]).sd == math.inf  # its sd, 2.4e308, is past the max


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_refused(bad):
    with pytest.raises(ValueError, match="summarize: expected a list of finite numbers"):
        summarize([0.5, bad, 0.25])


def test_target_a_hair_over_two_se_away_is_decided():
    """mean - target rounded to exactly 2 s.e. read 'undecided' though the target was past it."""
    s = Summary(20, 0.023673799335066328, 0.18180288529886404 * math.sqrt(20),
                0.18180288529886404, 0.0, 0.05)
    target = -0.3399319712626618
    assert Fraction(s.mean) - Fraction(target) > 2 * Fraction(s.se)
    assert versus_target(s, target, higher_is_better=False) == "missed"
    assert versus_target(s, target, higher_is_better=True) == "met"


def test_target_exactly_two_se_away_is_undecided():
    s = Summary(20, 1.0, 0.25 * math.sqrt(20), 0.25, 0.5, 1.5)
    assert versus_target(s, 0.5) == "undecided" and versus_target(s, 1.5) == "undecided"
    assert versus_target(s, float(np.nextafter(0.5, 0))) == "met"
    assert versus_target(s, float(np.nextafter(1.5, 2))) == "missed"
    assert versus_target(s, float(np.nextafter(0.5, 0)), higher_is_better=False) == "missed"


def test_versus_target_against_exact_fractions_at_the_boundary():
    rng = random.Random(7)
    for _ in range(3000):
        mean = rng.uniform(-1, 1) * 10.0 ** rng.randint(-5, 5)
        se = abs(mean) * 10.0 ** rng.uniform(-8, 1)
        target = float(np.nextafter(mean - 2 * se * rng.choice([1, -1]),
                                    rng.choice([math.inf, -math.inf, 0.0])))
        higher = rng.random() < 0.5
        s = Summary(20, mean, se * math.sqrt(20), se, mean, mean)
        margin = (Fraction(mean) - Fraction(target)) * (1 if higher else -1)
        want = "met" if margin > 2 * Fraction(se) else (
            "missed" if margin < -2 * Fraction(se) else "undecided")
        assert versus_target(s, target, higher) == want, (mean, se, target, higher)


def test_versus_target_infinite_margin_and_se():
    s = Summary(20, 1e308, 1.0, 0.5, 1e308, 1e308)
    assert versus_target(s, -1e308) == "met"  # mean - target overflows: still decided
    assert versus_target(Summary(20, 1.0, math.inf, math.inf, 0.0, 2.0), 0.0) == "undecided"


def test_choice_listed_twice_is_drawn_twice_as_often_as_documented():
    spec = parse_param("m=choice:5,5,6")
    rng = np.random.default_rng(0)
    draws = np.array([spec.sample(rng) for _ in range(6000)])
    assert set(draws.tolist()) == {5, 6}
    assert abs((draws == 5).mean() - 2 / 3) < 0.03  # 5 sigma is 0.03
    assert "`choice:5,5,6`: 5 two thirds of the time" in (DOCS / "search.md").read_text()


def test_trial_seeds_are_32_bit_as_documented():
    seeds = [trial_seed(3, t) for t in range(2000)]
    assert all(0 <= s < 2**32 for s in seeds)
    assert "trials²/2³³" in (DOCS / "search.md").read_text()
