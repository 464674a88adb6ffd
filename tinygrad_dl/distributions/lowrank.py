"""PyTorch's LowRankMultivariateNormal: N(loc, cov_factor cov_factor^T + diag(cov_diag)),
scored through the small capacitance matrix I + W^T D^-1 W (the Woodbury identity and the
matrix determinant lemma, as torch's), composed of Tensor ops."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import linalg
from ..engine import no_grad
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, LocCentered, lazy_property, normal_draws, shape_of
from .multivariate import batch_mahalanobis, solve_lower

__all__ = ["LowRankMultivariateNormal", "lowrank_logdet", "lowrank_mahalanobis"]


def _float_tensor(v: Any, name: str) -> Tensor:
    if isinstance(v, np.ndarray):
        v = Tensor(v)
    if not isinstance(v, Tensor):
        raise TypeError(f"LowRankMultivariateNormal: {name} must be a Tensor, got "
                        f"{type(v).__name__}")
    return v if v.dtype.kind == "f" else v.astype(np.float64)


def _eye_plus(k: Tensor) -> Tensor:
    """k + I over the last two dims (the identity a literal: a jitted step replays it)."""
    return k + k.new_tensor(np.eye(k.shape[-1]))


def _capacitance_tril(w: Tensor, d: Tensor) -> Tensor:
    """The Cholesky factor of I + W^T D^-1 W."""
    return linalg.cholesky(_eye_plus((w.mT / d.unsqueeze(-2)) @ w))


def lowrank_logdet(w: Tensor, d: Tensor, capacitance_tril: Tensor) -> Tensor:
    """log |W W^T + D| by the matrix determinant lemma."""
    return 2 * capacitance_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1) + d.log().sum(-1)


def lowrank_mahalanobis(w: Tensor, d: Tensor, x: Tensor, capacitance_tril: Tensor) -> Tensor:
    """x^T (W W^T + D)^-1 x by the Woodbury identity."""
    wt_dinv_x = ((w.mT / d.unsqueeze(-2)) @ x.unsqueeze(-1)).squeeze(-1)
    return (x.pow(2) / d).sum(-1) - batch_mahalanobis(capacitance_tril, wt_dinv_x)


class LowRankMultivariateNormal(LocCentered):
    """The multivariate normal with covariance cov_factor @ cov_factor.mT + diag(cov_diag):
    loc (batch + (n,)), cov_factor (batch + (n, rank)), cov_diag (batch + (n,))."""

    arg_constraints = {"loc": constraints.real_vector,
                       "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Any, cov_factor: Any, cov_diag: Any,
                 validate_args: bool | None = None) -> None:
        loc = _float_tensor(loc, "loc")
        cov_factor = _float_tensor(cov_factor, "cov_factor")
        cov_diag = _float_tensor(cov_diag, "cov_diag")
        who = "LowRankMultivariateNormal"
        if loc.ndim < 1:
            raise ValueError(f"{who}: loc must be at least one-dimensional")
        event_shape = loc.shape[-1:]
        if cov_factor.ndim < 2:
            raise ValueError(f"{who}: cov_factor must be at least two-dimensional, with "
                             "optional leading batch dimensions")
        if cov_factor.shape[-2:-1] != event_shape:
            raise ValueError(f"{who}: cov_factor must be a batch of matrices with shape "
                             f"{event_shape[0]} x m, got {cov_factor.shape}")
        if cov_diag.shape[-1:] != event_shape:
            raise ValueError(f"{who}: cov_diag must be a batch of vectors with shape "
                             f"{event_shape}, got {cov_diag.shape}")
        try:
            shape = np.broadcast_shapes(loc.shape + (1,), cov_factor.shape,
                                        cov_diag.shape + (1,))
        except ValueError:
            raise ValueError(f"{who}: incompatible batch shapes: loc {loc.shape}, cov_factor "
                             f"{cov_factor.shape}, cov_diag {cov_diag.shape}") from None
        self.loc = loc.broadcast_to(shape[:-1])
        self.cov_factor = cov_factor.broadcast_to(shape)
        self.cov_diag = cov_diag.broadcast_to(shape[:-1])
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        super().__init__(shape[:-2], event_shape, validate_args=validate_args)
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        batch_shape = shape_of(batch_shape, "LowRankMultivariateNormal.expand")
        new = super().expand(batch_shape)
        loc_shape = batch_shape + self.event_shape
        new.cov_factor = self.cov_factor.broadcast_to(loc_shape + self.cov_factor.shape[-1:])
        return new

    def _full(self, t: Tensor, matrix: bool = True) -> Tensor:
        n = self._event_shape
        return t.broadcast_to(self._batch_shape + n + (n if matrix else ()))

    @lazy_property
    def variance(self) -> Tensor:  # type: ignore[override]
        return self._full(self._unbroadcasted_cov_factor.pow(2).sum(-1)
                          + self._unbroadcasted_cov_diag, matrix=False)

    @lazy_property
    def scale_tril(self) -> Tensor:
        d_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        w = self._unbroadcasted_cov_factor / d_sqrt
        return self._full(d_sqrt * linalg.cholesky(_eye_plus(w @ w.mT)))

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        w = self._unbroadcasted_cov_factor
        return self._full(w @ w.mT + self._unbroadcasted_cov_diag.diag_embed())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        d = self._unbroadcasted_cov_diag
        a = solve_lower(self._capacitance_tril, self._unbroadcasted_cov_factor.mT
                        / d.unsqueeze(-2))
        return self._full(d.reciprocal().diag_embed() - a.mT @ a)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps_w = normal_draws(self.loc, shape[:-1] + self.cov_factor.shape[-1:])
        eps_d = normal_draws(self.loc, shape)
        return (self.loc + (self._unbroadcasted_cov_factor @ eps_w.unsqueeze(-1)).squeeze(-1)
                + self._unbroadcasted_cov_diag.sqrt() * eps_d)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        w, d, c = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, \
            self._capacitance_tril
        m = lowrank_mahalanobis(w, d, value - self.loc, c)
        log_det = lowrank_logdet(w, d, c)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + log_det + m)

    def entropy(self) -> Tensor:
        log_det = lowrank_logdet(self._unbroadcasted_cov_factor,
                                  self._unbroadcasted_cov_diag, self._capacitance_tril)
        h = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)
        return h if not self._batch_shape else h.broadcast_to(self._batch_shape)
