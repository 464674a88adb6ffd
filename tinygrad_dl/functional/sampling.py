"""PyTorch's random draws from a tensor's values or shape: torch.poisson and torch.binomial
(drawn inside a Draw op: a jitted step replays them afresh; constants, no gradient) and
torch.randint_like. The constructors' draws (rand, randint, normal, ...) are in
constructors.py; Tensor's own (x.bernoulli(), x.multinomial(n)) in tensor/sampling.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..device import check_device
from ..ops import Draw
from ..random import as_rng, exact_range, integers
from ..tensor import Tensor, as_tensor, np_dtype
from ..tensor.conversions import int_arg
from .constructors import leaf_tensor, rng_of
from .joins import stack
from .methods import as_tensor_of, tensor_arg

__all__ = ["poisson", "binomial"]  # tinygrad_dl.<name> (randint_like: through the op table)


# ---- random draws inside a Draw op ------------------------------------------------------------
@dataclass(frozen=True)
class _PoissonDraw:
    """`Draw`'s sampler: Poisson draws of the given rates, in their dtype."""

    gen: Any

    def __call__(self, rate: np.ndarray) -> np.ndarray:
        if not (np.isfinite(rate).all() and (rate >= 0).all()):
            raise ValueError("poisson: invalid Poisson rate, expected rate to be finite and "
                             "non-negative")
        try:
            return self.gen.poisson(rate).astype(rate.dtype)
        except ValueError:  # (NumPy's "lam value too large", said as the Draw op's)
            raise ValueError(f"poisson: a rate of {rate.max():g} is beyond NumPy's Poisson "
                             "sampler (rates up to about 9.2e18)") from None


@dataclass(frozen=True)
class _BinomialDraw:
    """`Draw`'s sampler: binomial draws of (count, prob) stacked, in their dtype."""

    gen: Any

    def __call__(self, cp: np.ndarray) -> np.ndarray:
        count, prob = cp[0], cp[1]
        if not ((count >= 0).all() and np.isfinite(count).all() and (count == np.floor(
                count)).all() and (prob >= 0).all() and (prob <= 1).all()):
            raise ValueError("binomial: count must hold non-negative whole numbers and prob "
                             "values in [0, 1]")
        return self.gen.binomial(count.astype(np.int64), prob).astype(cp.dtype)


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """torch.poisson: a Poisson draw for each rate in input (float; rates >= 0), from
    generator= or the default generator. A constant (no gradient)."""
    x = tensor_arg("poisson", input)
    if x.dtype.kind != "f":
        raise TypeError(f"poisson: expects a float tensor of rates, got dtype {x.dtype}")
    return Draw.apply(x.detach(), sample=_PoissonDraw(as_rng(generator, "poisson")))


def binomial(count: Tensor, prob: Tensor, generator: Any = None) -> Tensor:
    """torch.binomial: a draw of the number of successes in count trials of chance prob
    (float tensors of one dtype, broadcast together). A constant (no gradient)."""
    count, prob = tensor_arg("binomial", count), as_tensor(prob, count)
    if count.dtype.kind != "f" or prob.dtype != count.dtype:
        raise TypeError(f"binomial: expects float count and prob of one dtype, got "
                        f"{count.dtype} and {prob.dtype}")
    shape = np.broadcast_shapes(count.shape, prob.shape)
    both = stack([count.detach().broadcast_to(shape), prob.detach().broadcast_to(shape)])
    return Draw.apply(both, sample=_BinomialDraw(as_rng(generator, "binomial")))


def randint_like(input: Any, low: int = 0, high: Any = None, *, dtype: Any = None,
                 generator: Any = None, requires_grad: bool = False,
                 device: Any = None) -> Tensor:
    """torch.randint_like(x, high) / (x, low, high): integers on [low, high) of x's shape,
    in x's dtype (a float tensor holds whole numbers)."""
    check_device(device, "randint_like")  # (as every creation function)
    x = as_tensor_of(input)
    if high is None:
        low, high = 0, low
    # ints only, as torch: a float bound (5.5) was drawn below its floor without a word
    low, high = int_arg("randint_like", "low", low), int_arg("randint_like", "high", high)
    dt = np.dtype(x.data.dtype if dtype is None else np_dtype(dtype, "randint_like"))
    g = rng_of(None, generator, "randint_like")
    # both ends, within 2^(m+1) (2 ** m + 1 refused float32's [0, 2^23 + 3), and a low below
    # -2^24 was drawn and rounded without a word)
    bottom, top = exact_range(dt)
    if dt.kind == "f" and low < high and not (bottom <= low and high - 1 <= top):
        raise ValueError(f"randint_like: [{low}, {high}) is beyond the whole numbers {dt} "
                         f"holds exactly ([{bottom}, {top}])")
    draws = integers(low, high, x.shape, np.int64 if dt.kind == "f" else dt, g, "randint_like")
    return leaf_tensor(draws.astype(dt), requires_grad)
