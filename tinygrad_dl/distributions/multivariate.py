"""MultivariateNormal, as torch.distributions has it: given loc and one of covariance_matrix,
precision_matrix or scale_tril (the other two computed from it when first used, as torch's
lazy properties), log_prob, entropy and rsample composed of Tensor ops (cholesky, solve,
matmul), so each is differentiable in loc and the matrix given.

A difference kept from torch: the triangular solves (torch's linalg.solve_triangular) are
general solves here (linalg.solve), equal to rounding for a triangular matrix."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import linalg
from ..engine import no_grad
from ..tensor import Tensor
from . import constraints
from .distribution import LocCentered, broadcast_all, lazy_property, normal_draws

__all__ = ["MultivariateNormal", "batch_mahalanobis", "solve_lower"]

_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


def solve_lower(lower: Tensor, b: Tensor) -> Tensor:
    """lower^-1 b for lower-triangular `lower` (batch dims broadcast), b a batch of matrices.
    As torch's solve_triangular(upper=False), only the lower triangle is read (and so only it
    has a gradient)."""
    return linalg.solve(lower.tril(), b)


def batch_mahalanobis(lower: Tensor, x: Tensor) -> Tensor:
    """x^T (L L^T)^-1 x over the last dim of x (torch's _batch_mahalanobis)."""
    shape = np.broadcast_shapes(lower.shape[:-2], x.shape[:-1])
    n = x.shape[-1]
    y = solve_lower(lower.broadcast_to(shape + (n, n)), x.broadcast_to(shape + (n,)).unsqueeze(-1))
    return y.squeeze(-1).pow(2).sum(-1)


def _precision_to_scale_tril(p: Tensor) -> Tensor:
    # torch's: the Cholesky factor of the flipped precision gives L^-T (no inverse of P)
    lf = linalg.cholesky(p.flip((-2, -1)))
    l_inv = lf.flip((-2, -1)).mT
    # a literal (new_tensor, not F.eye): a jitted step with a precision matrix replays
    eye = p.new_tensor(np.eye(p.shape[-1])).broadcast_to(p.shape)
    return solve_lower(l_inv, eye).tril()


class MultivariateNormal(LocCentered):
    """The multivariate normal N(loc, covariance_matrix) with event_shape (n,), given by
    exactly one of covariance_matrix, precision_matrix or scale_tril (lower-triangular with
    a positive diagonal, covariance = scale_tril @ scale_tril.mT)."""

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Any, covariance_matrix: Any = None, precision_matrix: Any = None,
                 scale_tril: Any = None, validate_args: bool | None = None) -> None:
        (loc,) = broadcast_all(loc, names=("loc",), who="MultivariateNormal")
        if loc.ndim < 1:
            raise ValueError("MultivariateNormal: loc must be at least one-dimensional.")
        given = {k: v for k, v in zip(_MATRICES, (covariance_matrix, precision_matrix,
                                                  scale_tril)) if v is not None}
        if len(given) != 1:
            raise ValueError("MultivariateNormal: exactly one of covariance_matrix or "
                             "precision_matrix or scale_tril may be specified.")
        ((name, m),) = given.items()
        (m,) = broadcast_all(m, names=(name,), who="MultivariateNormal")
        if m.ndim < 2:
            raise ValueError(f"MultivariateNormal: {name} matrix must be at least "
                             "two-dimensional, with optional leading batch dimensions")
        if m.shape[-1] != m.shape[-2] or m.shape[-1] != loc.shape[-1]:
            raise ValueError(f"MultivariateNormal: {name} of shape {m.shape} must be square "
                             f"with the size of loc's last dim, loc of shape {loc.shape}")
        try:
            batch = tuple(np.broadcast_shapes(m.shape[:-2], loc.shape[:-1]))
        except ValueError:
            raise ValueError(f"MultivariateNormal: the batch shapes of loc {loc.shape} and "
                             f"{name} {m.shape} do not broadcast") from None
        n = loc.shape[-1]
        self.loc = loc.broadcast_to(batch + (n,))
        setattr(self, name, m.broadcast_to(batch + (n, n)))
        super().__init__(batch, (n,), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = m
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(m)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(m)

    def _full(self, t: Tensor) -> Tensor:
        return t.broadcast_to(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def scale_tril(self) -> Tensor:
        return self._full(self._unbroadcasted_scale_tril)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        low = self._unbroadcasted_scale_tril
        return self._full(low @ low.mT)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        return self._full(self._unbroadcasted_scale_tril.cholesky_inverse())

    @property
    def variance(self) -> Tensor:
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).broadcast_to(
            self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = normal_draws(self.loc, self._extended_shape(sample_shape))
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def _half_log_det(self) -> Tensor:
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: Any) -> Tensor:
        value = self._validate_sample(value)
        diff = value - self.loc
        m = batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + m) - self._half_log_det()

    def entropy(self) -> Tensor:
        n = self._event_shape[0]
        h = 0.5 * n * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return h.broadcast_to(self._batch_shape) if self._batch_shape else h
