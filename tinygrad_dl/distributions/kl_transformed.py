"""KL divergences of the third batch's families, as torch registers them: two
TransformedDistributions with equal transforms (their bases' KL), Pareto, ContinuousBernoulli
and LowRankMultivariateNormal pairs; composed of Tensor ops."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .continuous_bernoulli import ContinuousBernoulli
from .distribution import computed
from .kl import kl_divergence, register_kl
from .lowrank import LowRankMultivariateNormal, lowrank_logdet, lowrank_mahalanobis
from .more_families import Pareto
from .multivariate import solve_lower
from .transformed import TransformedDistribution

__all__: list[str] = []


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p: TransformedDistribution, q: TransformedDistribution
                                ) -> Tensor:
    if p.transforms != q.transforms:
        raise NotImplementedError("kl_divergence: the two TransformedDistributions have "
                                  "different transforms")
    if p.event_shape != q.event_shape:
        raise NotImplementedError("kl_divergence: the two TransformedDistributions have "
                                  f"different event shapes: {p.event_shape} vs {q.event_shape}")
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p: Pareto, q: Pareto) -> Tensor:
    scale_ratio = p.scale / q.scale
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * scale_ratio.log() - alpha_ratio.log() + alpha_ratio - 1
    # inf where p's support starts below q's (a mask made in an op: a jitted step recomputes)
    below = computed(np.less, p.scale, q.scale)
    return F.where(below.broadcast_to(result.shape), math.inf, result)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_cb_cb(p: ContinuousBernoulli, q: ContinuousBernoulli) -> Tensor:
    t1 = p.mean * (p.logits - q.logits)
    t2 = p.cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q.cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3


def _trace_xxt(m: Tensor) -> Tensor:
    """trace(M M^T) over the last two dims."""
    return m.pow(2).sum((-2, -1))


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p: LowRankMultivariateNormal, q: LowRankMultivariateNormal) -> Tensor:
    if p.event_shape != q.event_shape:
        raise ValueError("kl_divergence: KL-divergence between two Low Rank Multivariate "
                         "Normals with different event shapes cannot be computed")
    pw, pd = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    qw, qd = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag
    term1 = (lowrank_logdet(qw, qd, q._capacitance_tril)
             - lowrank_logdet(pw, pd, p._capacitance_tril))
    term3 = lowrank_mahalanobis(qw, qd, q.loc - p.loc, q._capacitance_tril)
    # inv(qcov) @ pcov = [inv(qD) - A^T A] @ (pD + pW pW^T), A = qC^-1 qW^T qD^-1 (torch's)
    a = solve_lower(q._capacitance_tril, qw.mT / qd.unsqueeze(-2))
    term21 = (pd / qd).sum(-1)
    term22 = _trace_xxt(pw * qd.rsqrt().unsqueeze(-1))
    term23 = _trace_xxt(a * pd.sqrt().unsqueeze(-2))
    term24 = _trace_xxt(a @ pw)
    term2 = term21 + term22 - term23 - term24
    return 0.5 * (term1 + term2 + term3 - p.event_shape[0])
