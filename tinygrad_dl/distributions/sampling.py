"""Draws of the families whose samplers are NumPy's (gamma, Poisson, binomial, multinomial),
made inside a `Draw` op from the default generator, so a jitted step draws afresh at each
replay. Their values follow NumPy's algorithms, not torch's random stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import functional as F
from ..random import as_rng
from ..tensor import Tensor
from .distribution import broadcast_all, draw

__all__ = ["numpy_draws"]


@dataclass(frozen=True)
class _NumpyDraw:
    """`Draw`'s sampler: `gen.<method>(*params, size=shape)` in the parameters' dtype; the
    parameters arrive stacked (one array, first axis the parameter). Equal by value, so two
    recordings of a jitted step agree."""

    gen: Any
    method: str
    shape: tuple[int, ...]
    who: str

    def __call__(self, stacked: np.ndarray) -> np.ndarray:
        try:
            return self._draw(stacked)
        except ValueError as e:  # NumPy's refusal (a NaN or negative parameter, a huge rate)
            raise ValueError(f"{self.who}: invalid parameters for the draws ({e})") from None

    def _draw(self, stacked: np.ndarray) -> np.ndarray:
        params = [np.broadcast_to(p, self.shape) for p in stacked]
        dtype = stacked.dtype
        if self.method == "standard_gamma":
            out = self.gen.standard_gamma(params[0], size=self.shape)
        elif self.method == "poisson":
            out = self.gen.poisson(params[0], size=self.shape)
        elif self.method == "binomial":
            out = self.gen.binomial(params[0].astype(np.int64), params[1], size=self.shape)
        else:  # multinomial: params (total_count, probs rows); shape ends with the K categories
            p = params[1] / params[1].sum(-1, keepdims=True)
            n = params[0][..., 0].astype(np.int64)
            out = self.gen.multinomial(n, p, size=self.shape[:-1]) if p.size else \
                np.zeros(self.shape)
        return np.asarray(out).astype(dtype, copy=False)


def numpy_draws(method: str, shape: tuple[int, ...], *params: Tensor, who: str) -> Tensor:
    """Draws of `shape` from NumPy's `method` with the parameters broadcast to `shape`
    (a constant tensor, in the parameters' dtype; no gradient); NumPy's refusal of a
    parameter raises one ValueError line naming `who`."""
    stacked = F.stack(broadcast_all(*params))
    return draw(stacked, _NumpyDraw(as_rng(None), method, tuple(shape), who))
