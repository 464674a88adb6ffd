"""Categorical, OneHotCategorical and Bernoulli, as torch.distributions has them: given by
`probs` or `logits` (one of them), the other computed from it as torch computes it (probs'
logits are log(clamp(probs, eps, 1 - eps)), so values agree with torch's to rounding)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import functional as F
from ..engine import no_grad
from ..random import as_rng
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all, computed, draw, lazy_property, shape_of

__all__ = ["Bernoulli", "Categorical", "OneHotCategorical"]


def one_of(probs: Any, logits: Any, who: str) -> None:
    if (probs is None) == (logits is None):
        raise ValueError(f"{who}: either `probs` or `logits` must be specified, but not both")


def count_params(d: Any, who: str, total_count: Any, probs: Any, logits: Any) -> Tensor:
    """Set `d.total_count` and `d.probs` or `d.logits` (the one given), broadcast together
    and the count cast to their dtype (Binomial's and NegativeBinomial's constructors);
    returns that parameter, also kept as `d._param`."""
    one_of(probs, logits, who)
    name = "probs" if probs is not None else "logits"
    n, param = broadcast_all(total_count, probs if probs is not None else logits,
                             names=("total_count", name), who=who)
    d.total_count = n.type_as(param)
    setattr(d, name, param)
    d._param = param
    return param


def _float(x: Any, who: str, name: str) -> Tensor:
    (t,) = broadcast_all(x, names=(name,), who=who)
    return t


def clamp_probs(p: Tensor) -> Tensor:
    eps = float(np.finfo(p.dtype).eps)
    return p.clamp(min=eps, max=1 - eps)


# argmax, one-hot rows and Bernoulli's mode made inside ops (`computed`), so a jitted step
# replays them (Tensor.argmax and comparisons give arrays made by the step's Python)
def _argmax(a: np.ndarray) -> np.ndarray:
    return a.argmax(-1)


@dataclass(frozen=True)
class _OneHot:
    n: int

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        return indices[..., None] == np.arange(self.n)


def _bernoulli_mode(p: np.ndarray) -> np.ndarray:
    return np.where(p == 0.5, math.nan, (p >= 0.5).astype(p.dtype))


@dataclass(frozen=True)
class _CategoricalDraw:
    """`Draw`'s sampler: int64 indices of shape sample_shape + batch_shape, each drawn from its
    row of probabilities by inverting the row's cumulative sum (a category of probability 0
    is never drawn: its interval is empty)."""

    gen: Any
    sample_shape: tuple[int, ...]

    def __call__(self, p: np.ndarray) -> np.ndarray:
        if not (np.isfinite(p).all() and (p >= 0).all() and (p.sum(-1) > 0).all()):
            raise ValueError("Categorical.sample: probs must be finite and non-negative, each "
                             "row with a positive sum")
        cdf = np.cumsum(p, axis=-1, dtype=np.float64)
        cdf /= cdf[..., -1:]
        u = self.gen.random(self.sample_shape + p.shape[:-1])
        idx = (u[..., None] >= cdf).sum(-1)
        return np.minimum(idx, p.shape[-1] - 1).astype(np.int64)


@dataclass(frozen=True)
class _BernoulliDraw:
    """`Draw`'s sampler: 1.0 with probability p (in p's dtype), else 0.0."""

    gen: Any

    def __call__(self, p: np.ndarray) -> np.ndarray:
        if not ((p >= 0) & (p <= 1)).all():
            raise ValueError("Bernoulli.sample: probs must lie in [0, 1]")
        return (self.gen.random(p.shape) < p).astype(p.dtype)


class Categorical(Distribution):
    """One of K categories (int64 indices 0..K-1) with probabilities `probs` (normalized along
    the last dim) or unnormalized log-probabilities `logits`; the dims before the last are
    the batch: `Categorical(logits=out).sample()` samples one character per row."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        one_of(probs, logits, type(self).__name__)
        name = "probs" if probs is not None else "logits"
        param = _float(probs if probs is not None else logits, type(self).__name__, name)
        if param.ndim < 1:
            raise ValueError(f"{type(self).__name__}: `{name}` parameter must be at least "
                             "one-dimensional")
        if probs is not None:
            self.probs = param / param.sum(-1, keepdim=True)
        else:
            self.logits = param - param.logsumexp(-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return clamp_probs(self.probs).log()

    @lazy_property
    def probs(self) -> Tensor:
        return F.softmax(self.logits, dim=-1)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._param.shape

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self) -> Tensor:
        return F.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def variance(self) -> Tensor:
        return F.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        return computed(_argmax, self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = shape_of(sample_shape, f"{type(self).__name__}.sample")
        return draw(self.probs, _CategoricalDraw(as_rng(None), shape))

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        v = value.long().unsqueeze(-1)
        try:
            full = np.broadcast_shapes(v.shape, self.logits.shape)
        except ValueError:
            raise ValueError(f"{type(self).__name__}.log_prob: value of shape {value.shape} "
                             f"does not broadcast with batch_shape {self._batch_shape}"
                             ) from None
        idx = v.broadcast_to(full[:-1] + (1,))
        return self.logits.broadcast_to(full).gather(-1, idx).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = F.arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.broadcast_to((self._num_events,) + self._batch_shape) if expand else values


class CategoricalParams:
    """probs, logits and param_shape of a distribution built on a `Categorical` it holds as
    `_categorical` (OneHotCategorical's, Multinomial's): that one's, read through."""

    _categorical: Categorical

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape


class OneHotCategorical(CategoricalParams, Distribution):
    """Categorical with one-hot draws (event_shape (K,)), in the parameters' dtype."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        one_of(probs, logits, type(self).__name__)
        # this distribution checks its parameter (its errors name OneHotCategorical) and its
        # one-hot values; with validate_args=False, as torch's, the inner Categorical still
        # checks its (normalized) probs by default
        inner = None if validate_args is False else False
        self._categorical = Categorical(probs, logits, validate_args=inner)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)
        if self._validate_args:
            name = "probs" if probs is not None else "logits"
            self._check_param(name, self._param, self.arg_constraints[name])

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        return self._one_hot(computed(_argmax, self.probs))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def _one_hot(self, indices: Tensor) -> Tensor:
        return computed(_OneHot(self._categorical._num_events), indices).type_as(self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self._one_hot(self._categorical.sample(sample_shape))

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        return self._categorical.log_prob(computed(_argmax, value))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self._event_shape[0]
        values = F.eye(n, dtype=self.probs.dtype).reshape((n,) + (1,) * len(self._batch_shape)
                                                          + (n,))
        return values.broadcast_to((n,) + self._batch_shape + (n,)) if expand else values

    def __repr__(self) -> str:
        return repr(self._categorical).replace("Categorical", "OneHotCategorical", 1)


class BinaryParams:
    """probs <-> logits of a two-outcome parameter (Bernoulli's, the relaxed Bernoulli's, the
    negative binomial's): the one given is stored in `_param`, the other made from it (a
    lazy_property, so under no_grad too it stays on the graph) when first read."""

    @lazy_property
    def logits(self) -> Tensor:
        p = clamp_probs(self.probs)
        return p.log() - (-p).log1p()

    @lazy_property
    def probs(self) -> Tensor:
        return self.logits.sigmoid()

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._param.shape


class Bernoulli(BinaryParams, Distribution):
    """1 with probability `probs` (or sigmoid(`logits`)), else 0, in the parameter's dtype."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        one_of(probs, logits, type(self).__name__)
        given = probs if probs is not None else logits
        param = _float(given, type(self).__name__, "probs" if probs is not None else "logits")
        if probs is not None:
            self.probs = param
        else:
            self.logits = param
        self._param = param
        scalar = isinstance(given, (int, float, np.number, bool, np.bool_))
        super().__init__(() if scalar else param.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        return computed(_bernoulli_mode, self.probs).type_as(self.probs)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return draw(self.probs.broadcast_to(shape), _BernoulliDraw(as_rng(None)))

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value, names=("logits", "value"),
                                      who=f"{type(self).__name__}.log_prob")
        return F.logsigmoid(logits) - (1 - value) * logits  # -BCE-with-logits, as torch's

    def entropy(self) -> Tensor:
        return (1 - self.probs) * self.logits - F.logsigmoid(self.logits)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = F.arange(2, dtype=self._param.dtype).reshape((-1,) + (1,) * len(
            self._batch_shape))
        return values.broadcast_to((2,) + self._batch_shape) if expand else values
