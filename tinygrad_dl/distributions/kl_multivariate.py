"""kl_divergence's pairs of the multivariate normals: two MultivariateNormals and two
LowRankMultivariateNormals, as torch registers them, with torch's formulas (triangular solves,
the capacitance matrix), composed of Tensor ops."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .kl import register_kl
from .lowrank import LowRankMultivariateNormal, lowrank_logdet, lowrank_mahalanobis
from .multivariate import MultivariateNormal, batch_mahalanobis, solve_lower

__all__: list[str] = []


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    if p.event_shape != q.event_shape:
        raise ValueError("kl_divergence: KL-divergence between two Multivariate Normals with "
                         f"different event shapes cannot be computed: {p.event_shape} vs "
                         f"{q.event_shape}")
    pl, ql = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = (ql.diagonal(dim1=-2, dim2=-1).log().sum(-1)
                  - pl.diagonal(dim1=-2, dim2=-1).log().sum(-1))
    n = p.event_shape[0]
    batch = tuple(np.broadcast_shapes(ql.shape[:-2], pl.shape[:-2]))
    term2 = solve_lower(ql.broadcast_to(batch + (n, n)),
                        pl.broadcast_to(batch + (n, n))).pow(2).sum((-2, -1))
    term3 = batch_mahalanobis(ql, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


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
