"""Tensor's random draws (the default generator's, or `generator=`'s): bernoulli, multinomial,
and the in-place fills bernoulli_, exponential_, geometric_, log_normal_, cauchy_, random_
under the rules of inplace.py (uniform_ and normal_ are inplace.py's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import tensor
from ..ops.allocation import check_alloc
from ..random import as_rng, float_dtype, multinomial_draws
from .conversions import no_grad_result
from .inplace import write

if TYPE_CHECKING:
    from . import Tensor


def _probabilities(who: str, p: Any) -> np.ndarray:
    prob = np.asarray(p.data if isinstance(p, tensor.Tensor) else p, dtype=np.float64)
    if not np.all((prob >= 0) & (prob <= 1)):  # NaN too
        raise ValueError(f"{who}: probabilities must lie in [0, 1], got "
                         f"{prob[~((prob >= 0) & (prob <= 1))].ravel()[:3].tolist()}")
    return prob


class SamplingMethods:
    """Random draws and fills (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- draws -------------------------------------------------------------------------------
    def bernoulli(self: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
        """torch's x.bernoulli(): 1 with probability x (or p, a number, for every entry),
        else 0, in x's dtype. A constant."""
        if p is None and self.data.dtype.kind != "f":  # (torch: not implemented for Long)
            raise NotImplementedError(f"bernoulli: probabilities in a {self.data.dtype} tensor"
                                      " are not supported (as in torch); cast it to float")
        prob = _probabilities("bernoulli", self.data if p is None else p)
        if p is not None and prob.ndim:
            raise TypeError("bernoulli: p must be a number (x.bernoulli_(p) takes a tensor)")
        draws = as_rng(generator, "bernoulli").random(self.shape) < prob
        return no_grad_result(draws.astype(self.data.dtype))

    def multinomial(self: Tensor, num_samples: int, replacement: bool = False, *,
                    generator: Any = None) -> Tensor:
        """torch's x.multinomial(num_samples): int64 indices drawn in proportion to the
        weights of each row of x (1-D or 2-D); without replacement, no index twice a row."""
        rng = as_rng(generator, "multinomial")
        check_alloc("multinomial", (*self.shape[:-1], num_samples), np.int64)
        return no_grad_result(multinomial_draws(self.data, num_samples, replacement, rng))

    # ---- in-place fills ----------------------------------------------------------------------
    def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """torch's x.bernoulli_(p=0.5): 1 with probability p (a number, or a tensor that
        broadcasts to x), else 0, written into x (inplace.py's rules)."""
        prob = _probabilities("Tensor.bernoulli_", p)
        try:
            prob = np.broadcast_to(prob, self.shape)
        except ValueError:
            raise RuntimeError(f"Tensor.bernoulli_: p of shape {prob.shape} does not broadcast "
                               f"to this tensor's {self.shape}") from None
        rng = as_rng(generator, "Tensor.bernoulli_")
        return write(self, "Tensor.bernoulli_", None, lambda a, _: np.copyto(
            a, (rng.random(a.shape) < prob).astype(a.dtype)))

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """Exponential draws of rate lambd (> 0) into this float tensor."""
        if not lambd > 0:
            raise ValueError(f"Tensor.exponential_: lambd must be > 0, got {lambd}")
        return _fill(self, "exponential_", generator, lambda rng, n: rng.exponential(
            1.0 / float(lambd), n))

    def geometric_(self, p: float, *, generator: Any = None) -> Tensor:
        """Geometric draws (trials up to the first success, from 1) with success chance p in
        (0, 1); integer tensors too, as torch's."""
        if not 0 < p < 1:
            raise ValueError(f"Tensor.geometric_: p must be in (0, 1), got {p}")
        dt = self.data.dtype
        if dt.kind == "b":  # (every count cast to True; torch: not implemented for 'Bool')
            raise TypeError("Tensor.geometric_: a bool tensor cannot hold trial counts; use an "
                            "integer or float tensor")
        top = np.iinfo(dt).max if dt.kind in "iu" else np.finfo(dt).max

        def draw(rng: Any, n: Any) -> np.ndarray:
            k = rng.geometric(float(p), n)
            if k.size and k.max() > top:  # (torch wraps int8's 200 to -56, float16's to inf)
                raise ValueError(f"Tensor.geometric_: a draw of {k.max()} trials (p={p}) does "
                                 f"not fit this tensor's dtype {dt} (max {top}); use a wider "
                                 "dtype or a larger p")
            return k
        return _fill(self, "geometric_", generator, draw, floats_only=False)

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator: Any = None
                    ) -> Tensor:
        """exp(N(mean, std^2)) draws (std > 0) into this float tensor."""
        if not std > 0:
            raise ValueError(f"Tensor.log_normal_: std must be > 0, got {std}")
        return _fill(self, "log_normal_", generator, lambda rng, n: rng.lognormal(
            float(mean), float(std), n))

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None
                ) -> Tensor:
        """Cauchy draws (median + sigma * a standard Cauchy draw, sigma > 0)."""
        if not sigma > 0:
            raise ValueError(f"Tensor.cauchy_: sigma must be > 0, got {sigma}")
        return _fill(self, "cauchy_", generator, lambda rng, n: float(median) + float(
            sigma) * rng.standard_cauchy(n))

    def random_(self, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
        """torch's random_: integers uniform on [from, to) (random_(to): [0, to); to=None: up
        to the top below); with no bound, [0, the largest integer the dtype holds exactly]
        (2^53 for float64, 2^24 for float32, the int dtype's max). torch's keyword `from` is
        accepted."""
        # torch's three forms, told apart by what is given (a default could not: random_(0)
        # is [0, 0), refused, and random_(3, None) is [3, top])
        if kwargs.keys() - {"from", "to"} or len(args) > 2 or (
                len(args) + len(kwargs) == 1 and "from" in kwargs):
            raise TypeError(f"Tensor.random_: expects random_(), random_(to) or random_(from, "
                            f"to), got {len(args)} positional and {sorted(kwargs)} keyword "
                            "arguments")
        given = dict(zip(("from", "to") if len(args) == 2 or "to" in kwargs else ("to",), args))
        if given.keys() & kwargs.keys():
            raise TypeError(f"Tensor.random_: {sorted(given.keys() & kwargs.keys())} given twice")
        given.update(kwargs)
        lo, hi = int(given.get("from", 0)), given.get("to")  # (hi None: up to the top)
        if "to" in given and hi is None and "from" not in given:
            raise TypeError("Tensor.random_: random_(to) needs an int, got None")
        dt = self.data.dtype
        top = (2 ** (np.finfo(dt).nmant + 1) if dt.kind == "f" else
               1 if dt.kind == "b" else int(np.iinfo(dt).max))
        bottom = -top if dt.kind == "f" else 0 if dt.kind == "b" else int(np.iinfo(dt).min)
        hi = top + 1 if hi is None else int(hi)  # (no bound: the top included)
        if not lo < hi:
            raise ValueError(f"Tensor.random_: expects from < to, got from={lo}, to={hi}")
        if lo < bottom or hi - 1 > top:
            raise ValueError(f"Tensor.random_: [{lo}, {hi}) does not fit this tensor's dtype "
                             f"{dt} (integers in [{bottom}, {top}])")
        # drawn in int64, as ever (in int8/int16 NumPy's 8/16-bit sampler gave other numbers
        # for a seed and left the stream elsewhere); uint64 only past int64's top
        wide = np.uint64 if hi - 1 > np.iinfo(np.int64).max else np.int64
        return _fill(self, "random_", generator, lambda rng, n: rng.integers(
            lo, hi, n, dtype=wide, endpoint=False), floats_only=False)


def _fill(t: Any, name: str, generator: Any, draw: Any, floats_only: bool = True) -> Any:
    """draw(rng, shape)'s values written into t (float dtypes only unless told: torch's)."""
    op = f"Tensor.{name}"
    if floats_only:
        float_dtype(t.data.dtype, op, "this tensor's dtype")
    rng = as_rng(generator, op)
    return write(t, op, None, lambda a, _: np.copyto(a, draw(rng, a.shape), casting="unsafe"))
