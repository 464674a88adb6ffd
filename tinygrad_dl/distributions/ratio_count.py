"""FisherSnedecor (the ratio of two scaled chi-squares) and NegativeBinomial (failures before
total_count successes), as torch.distributions has them. Their draws come from NumPy's gamma
and Poisson samplers inside Draw ops (no rsample: this project's Gamma has none)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from ..engine import no_grad
from ..tensor import Tensor
from . import constraints
from .discrete import BinaryParams, count_params
from .distribution import Distribution, broadcast_all, computed
from .gamma_family import Gamma
from .sampling import numpy_draws

__all__ = ["FisherSnedecor", "NegativeBinomial"]


def _at_most_two(a: np.ndarray) -> np.ndarray:
    return a <= 2


def _at_most_four(a: np.ndarray) -> np.ndarray:
    return a <= 4


def _both_zero(n: np.ndarray, v: np.ndarray) -> np.ndarray:
    return n + v == 0


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


class NegativeBinomial(BinaryParams, Distribution):
    """The number of failures before `total_count` successes, each trial failing with
    probability `probs` (or sigmoid(`logits`))."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        param = count_params(self, "NegativeBinomial", total_count, probs, logits)
        super().__init__(param.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            # torch's: Poisson(Gamma(total_count, rate exp(-logits))) draws
            rate = Gamma(self.total_count, (-self.logits).exp(), validate_args=False).sample(
                sample_shape)
            return numpy_draws("poisson", shape, rate, who="NegativeBinomial.sample")

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        n = self.total_count
        log_unnormalized = n * F.logsigmoid(-self.logits) + value * F.logsigmoid(self.logits)
        log_normalization = -(n + value).lgamma() + (1.0 + value).lgamma() + n.lgamma()
        # total_count 0 and value 0 has probability 1 (lgamma(0) is inf): 0 there, as torch's
        zero = computed(_both_zero, n, value)
        log_normalization = F.where(zero, 0.0, log_normalization)
        return log_unnormalized - log_normalization
