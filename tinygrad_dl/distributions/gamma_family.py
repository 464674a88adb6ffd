"""Gamma and the families made of gamma draws, as torch.distributions has them: Gamma, Chi2,
InverseGamma, Beta, Dirichlet, StudentT and FisherSnedecor (the ratio of two scaled
chi-squares). log_prob, entropy, mean, mode and variance composed of Tensor ops (lgamma,
digamma, xlogy), draws from NumPy's gamma sampler inside a `Draw` op; InverseGamma is built as
torch builds it, a TransformedDistribution of a Gamma.

Differences kept from torch: no rsample (torch's uses implicit reparameterization gradients,
`_standard_gamma_grad`, which is not implemented here): `has_rsample` is False and rsample
raises one line pointing at sample() with log_prob (a score-function gradient)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from ..engine import no_grad
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all, computed, normal_draws
from .elementwise_transforms import PowerTransform
from .sampling import numpy_draws
from .transformed import TransformedDistribution

__all__ = ["Beta", "Chi2", "Dirichlet", "FisherSnedecor", "Gamma", "InverseGamma", "StudentT"]


def _no_rsample(who: str) -> NotImplementedError:
    return NotImplementedError(f"{who}.rsample is not implemented (torch's implicit "
                               "reparameterization gradient of gamma draws is not here): use "
                               "sample() and log_prob for a score-function gradient")


def _tiny(t: Tensor) -> float:
    return float(np.finfo(t.dtype).tiny)


def _gamma_draws(concentration: Tensor, shape: tuple[int, ...], who: str) -> Tensor:
    """Standard gamma draws of `shape` (concentration broadcast), clamped at tiny as torch's."""
    return numpy_draws("standard_gamma", shape, concentration, who=who).clamp(
        min=_tiny(concentration))


def _at_most_one(df: np.ndarray) -> np.ndarray:
    return df <= 1


def _above_two(df: np.ndarray) -> np.ndarray:
    return df > 2


def _all_below_one(c: np.ndarray) -> np.ndarray:
    return np.broadcast_to((c < 1).all(-1, keepdims=True), c.shape)


def _first_one_hot(c: np.ndarray) -> np.ndarray:
    out = np.zeros(c.shape, c.dtype)
    out[..., 0] = 1  # argmax of an all-NaN row (0 / 0) is its first entry, as torch's
    return out


def _above_one(a: np.ndarray) -> np.ndarray:
    return a > 1


def _at_most_two(a: np.ndarray) -> np.ndarray:
    return a <= 2


def _at_most_four(a: np.ndarray) -> np.ndarray:
    return a <= 4


class Gamma(Distribution):
    """The gamma distribution of shape `concentration` and rate `rate` (mean c / rate)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = False

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(
            concentration, rate, names=("concentration", "rate"), who=type(self).__name__)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise _no_rsample(type(self).__name__)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            g = numpy_draws("standard_gamma", shape, self.concentration,
                            who=f"{type(self).__name__}.sample")
            return (g / self.rate.broadcast_to(shape)).clamp(min=_tiny(self.rate))

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        c, r = self.concentration, self.rate
        return c.xlogy(r) + (c - 1).xlogy(value) - r * value - c.lgamma()

    def cdf(self, value: Any) -> Tensor:
        """P(concentration, rate x), the regularized lower incomplete gamma (torch's: no
        gradient to the concentration, as igamma has none)."""
        value = self._validate_sample(value)
        return self.concentration.igamma(self.rate * value)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()


class Chi2(Gamma):
    """The chi-squared distribution of `df` degrees of freedom: Gamma(df / 2, 1 / 2)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        (self.df,) = broadcast_all(df, names=("df",), who="Chi2")
        super().__init__(0.5 * self.df, 0.5, validate_args=validate_args)


class InverseGamma(TransformedDistribution):
    """1 / X for X ~ Gamma(concentration, rate). No rsample (this project's Gamma has none)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None
                 ) -> None:
        base = Gamma(concentration, rate, validate_args=validate_args)
        super().__init__(base, PowerTransform(-base.rate.new_ones(())),
                         validate_args=validate_args)

    @property
    def concentration(self) -> Tensor:
        return self.base_dist.concentration

    @property
    def rate(self) -> Tensor:
        return self.base_dist.rate

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise _no_rsample("InverseGamma")  # (its base's refusal named Gamma)

    @property
    def mean(self) -> Tensor:
        c = self.concentration
        return F.where(computed(_above_one, c), self.rate / (c - 1), math.inf)

    @property
    def mode(self) -> Tensor:
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        result = self.rate.square() / ((c - 1).square() * (c - 2))
        return F.where(computed(_above_two, c), result, math.inf)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c + self.rate.log() + c.lgamma() - (1 + c) * c.digamma()


class Dirichlet(Distribution):
    """The Dirichlet distribution on the simplex of the last dim of `concentration`."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = False

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        (c,) = broadcast_all(concentration, names=("concentration",), who="Dirichlet")
        if c.ndim < 1:
            raise ValueError("Dirichlet: `concentration` parameter must be at least "
                             "one-dimensional.")
        self.concentration = c
        super().__init__(c.shape[:-1], c.shape[-1:], validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        # torch's: a row with every concentration below 1 has the mode (1, 0, ..., 0) (the
        # argmax of its 0 / 0 row); replacing the row first keeps NaN out of the gradient
        cm1 = (self.concentration - 1).clamp(min=0)
        mask = computed(_all_below_one, self.concentration)
        cm1 = F.where(mask, computed(_first_one_hot, self.concentration), cm1)
        return cm1 / cm1.sum(-1, keepdim=True)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        c0 = c.sum(-1, keepdim=True)
        return c * (c0 - c) / (c0.pow(2) * (c0 + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise _no_rsample(type(self).__name__)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            g = _gamma_draws(self.concentration, self._extended_shape(sample_shape),
                             f"{type(self).__name__}.sample")
            tiny = _tiny(g)
            return (g / g.sum(-1, keepdim=True)).clamp(min=tiny, max=1 - float(
                np.finfo(g.dtype).eps))

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        c = self.concentration
        return (c - 1.0).xlogy(value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    def entropy(self) -> Tensor:
        c = self.concentration
        k, a0 = c.shape[-1], c.sum(-1)
        return (c.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((c - 1.0) * c.digamma()).sum(-1))


class Beta(Distribution):
    """The beta distribution on [0, 1] (torch's: a two-category Dirichlet)."""

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = False

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        c1, c0 = broadcast_all(concentration1, concentration0,
                               names=("concentration1", "concentration0"), who="Beta")
        self._dirichlet = Dirichlet(F.stack([c1, c0], -1), validate_args=False)
        super().__init__(self._dirichlet.batch_shape, validate_args=validate_args)
        if self._validate_args:
            for name, constraint in self.arg_constraints.items():
                self._check_param(name, getattr(self, name), constraint)

    @property
    def concentration1(self) -> Tensor:
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise _no_rsample(type(self).__name__)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self._dirichlet.sample(sample_shape)[..., 0]

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return self._dirichlet.log_prob(F.stack(broadcast_all(value, 1.0 - value), -1))

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()


class StudentT(Distribution):
    """Student's t distribution of `df` degrees of freedom, location `loc`, scale `scale`."""

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0,
                 validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale,
                                                      names=("df", "loc", "scale"),
                                                      who="StudentT")
        if validate_args is False:  # torch's inner Chi2(df) still checks df > 0 by default
            Chi2(self.df)
        super().__init__(self.df.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return F.where(computed(_at_most_one, self.df), math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        above2 = computed(_above_two, df)
        safe = F.where(above2, df, 3.0)  # no inf * 0 in the gradient of the other entries
        v = F.where(above2, self.scale.pow(2) * safe / (safe - 2), math.inf)
        return F.where(computed(_at_most_one, df), math.nan, v)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise _no_rsample(type(self).__name__)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            x = normal_draws(self.df, shape)
            z = 2 * _gamma_draws(0.5 * self.df, shape, "StudentT.sample")  # chi-squared(df)
            return self.loc + self.scale * x * (z / self.df).rsqrt()

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * df.log() + 0.5 * math.log(math.pi) + (0.5 * df).lgamma()
             - (0.5 * (df + 1.0)).lgamma())
        return -0.5 * (df + 1.0) * (y.pow(2) / df).log1p() - z

    def entropy(self) -> Tensor:
        df = self.df
        lbeta = (0.5 * df).lgamma() + math.lgamma(0.5) - (0.5 * (df + 1)).lgamma()
        return (self.scale.log() + 0.5 * (df + 1) * ((0.5 * (df + 1)).digamma()
                                                     - (0.5 * df).digamma())
                + 0.5 * df.log() + lbeta)


class FisherSnedecor(Distribution):
    """The F distribution of `df1` and `df2` degrees of freedom: (X1 / df1) / (X2 / df2) for
    chi-squares X1, X2."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = False  # torch's: True (implicit gamma gradients, not here)

    def __init__(self, df1: Any, df2: Any, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = broadcast_all(df1, df2, names=("df1", "df2"),
                                           who="FisherSnedecor")
        # torch's Gammas check df1, df2 > 0 by default (with validate_args=False too)
        inner = None if validate_args is False else False
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1, validate_args=inner)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2, validate_args=inner)
        scalar = all(isinstance(v, (int, float, np.number)) for v in (df1, df2))
        super().__init__(() if scalar else self.df1.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = super().expand(batch_shape)
        new._gamma1 = self._gamma1.expand(new.batch_shape)
        new._gamma2 = self._gamma2.expand(new.batch_shape)
        return new

    @property
    def mean(self) -> Tensor:
        df2 = F.where(computed(_at_most_two, self.df2), math.nan, self.df2)
        return df2 / (df2 - 2)

    @property
    def mode(self) -> Tensor:
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return F.where(computed(_at_most_two, self.df1), math.nan, mode)

    @property
    def variance(self) -> Tensor:
        df2 = F.where(computed(_at_most_four, self.df2), math.nan, self.df2)
        return 2 * df2.pow(2) * (self.df1 + df2 - 2) / (self.df1 * (df2 - 2).pow(2) * (df2 - 4))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            x1 = self._gamma1.sample(sample_shape).reshape(shape)
            tiny = float(np.finfo(x1.dtype).tiny)
            x2 = self._gamma2.sample(sample_shape).reshape(shape).clamp(min=tiny)
            return (x1 / x2).clamp(min=tiny)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError("FisherSnedecor.rsample is not implemented (torch's implicit "
                                  "reparameterization gradient of gamma draws is not here): "
                                  "use sample() and log_prob for a score-function gradient")

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        ct1, ct2 = self.df1 * 0.5, self.df2 * 0.5
        ct3 = self.df1 / self.df2
        t1 = (ct1 + ct2).lgamma() - ct1.lgamma() - ct2.lgamma()
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3
