"""kl_divergence's same-family pairs of the count families (counts.py): Binomial, Geometric
and Poisson, as torch registers them, with torch's formulas, composed of Tensor ops."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .counts import Binomial, Geometric, Poisson
from .distribution import check, computed
from .kl import register_kl

__all__: list[str] = []


def _greater(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a > b


def _not_fewer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a >= b


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> Tensor:
    # checked inside a Tap op: a Python `if` on the counts ran once, when a jitted step was
    # recorded, and its replays gave numbers for counts torch refuses
    check(computed(_not_fewer, p.total_count, q.total_count), None, "kl_divergence: KL between "
          "Binomials where q.total_count > p.total_count is not implemented",
          error=NotImplementedError)
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p()
                          - (-q.probs).log1p())
    more = computed(_greater, p.total_count, q.total_count)
    return F.where(more.broadcast_to(kl.shape), math.inf, kl)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)
