"""PyTorch's small Tensor names that raised AttributeError: diag, sum_to_size, mode,
nanquantile, the draws bernoulli/bernoulli_/multinomial, the in-place forms cumsum_, cumprod_,
scatter_add_, addmm_, fill_diagonal_ (inplace.py's rules), detach_ and is_inference."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import detached, engine, tensor
from ..ops import Diag
from ..ops.shape import axis_of
from ..random import as_rng, multinomial_draws
from .conversions import no_grad_result, shape_arg
from .inplace import recompute, write
from .results import ValuesIndices
from .statistics import quantiles

if TYPE_CHECKING:
    from . import Tensor


def _probabilities(who: str, p: Any) -> np.ndarray:
    prob = np.asarray(p.data if isinstance(p, tensor.Tensor) else p, dtype=np.float64)
    if not np.all((prob >= 0) & (prob <= 1)):  # NaN too
        raise ValueError(f"{who}: probabilities must lie in [0, 1], got "
                         f"{prob[~((prob >= 0) & (prob <= 1))].ravel()[:3].tolist()}")
    return prob


def mode_indices(a: np.ndarray) -> np.ndarray:
    """Per row of a 2-D array, the index of its mode: the most frequent value, the smallest of
    equally frequent ones, at its last occurrence (torch's CPU kernel's index for rows of up to
    16; NaNs count as one value that sorts last)."""
    m, n = a.shape
    order = np.argsort(a, axis=1, kind="stable")
    s = np.take_along_axis(a, order, axis=1)
    new = np.ones((m, n), dtype=bool)
    if s.dtype.kind == "f":
        new[:, 1:] = ~((s[:, 1:] == s[:, :-1]) | (np.isnan(s[:, 1:]) & np.isnan(s[:, :-1])))
    else:
        new[:, 1:] = s[:, 1:] != s[:, :-1]
    pos = np.arange(n)
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    end = np.ones((m, n), dtype=bool)
    end[:, :-1] = new[:, 1:]
    length = np.where(end, pos - start + 1, 0)
    best = np.argmax(length, axis=1)  # (the first longest run: the smallest value)
    return order[np.arange(m), best]


def _running(t: Tensor, method: str, dim: int) -> Tensor:
    """t.cumsum_(dim) / t.cumprod_(dim): a 0-d t is its own running sum (torch's; NumPy's
    cumsum makes it 1-D), written under the in-place rules all the same."""
    if t.ndim == 0:
        axis_of(f"Tensor.{method}_", dim, 1)
        return write(t, f"Tensor.{method}_", None, lambda a, _: None)
    return recompute(t, method, dim)


class SmallNamesMethods:
    """PyTorch's small Tensor names (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    def diag(self: Tensor, diagonal: int = 0, *, k: int | None = None) -> Tensor:
        """torch's x.diag(diagonal): a 1-D x -> a matrix with x on that diagonal; a 2-D x ->
        that diagonal (NumPy's k= too)."""
        if k is not None:
            diagonal = k
        return Diag.apply(self, k=diagonal)

    def sum_to_size(self: Tensor, *size: Any) -> Tensor:
        """torch's x.sum_to_size(*size): x summed down to `size`, a shape x broadcasts from
        (leading dims summed away, dims of size 1 summed with keepdim)."""
        if not size:  # (x.sum_to_size(()) is the 0-d sum; no argument at all is a slip)
            raise TypeError("sum_to_size() missing 1 required positional argument: 'size'")
        shape = shape_arg(size)
        if any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in shape):
            raise TypeError(f"sum_to_size: size must be ints, got {size!r}")
        lead = self.ndim - len(shape)
        if lead < 0 or any(d not in (1, m) for d, m in zip(shape, self.shape[lead:])):
            raise RuntimeError(f"sum_to_size: size {list(shape)} is not expandable to size "
                               f"{list(self.shape)}")
        axes = tuple(range(lead)) + tuple(lead + i for i, (d, m) in enumerate(
            zip(shape, self.shape[lead:])) if d == 1 and m != 1)
        out = self.sum(axis=axes, keepdims=True) if axes else self
        return out.reshape(shape) if out.shape != tuple(shape) else out

    def mode(self: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """torch's x.mode(dim=-1): (values, indices) of the most frequent value along dim, the
        smallest of equally frequent ones, at its last occurrence (torch's CPU index for dims
        of up to 16: longer ones give one of the occurrences there). The gradient goes to the
        index."""
        axis = axis_of("mode", dim, max(self.ndim, 1))
        x = self.reshape(1) if self.ndim == 0 else self
        if x.shape[axis] == 0:
            raise RuntimeError(f"mode(): Expected reduction dim {axis} to have non-zero size "
                               f"(shape {self.shape})")
        a = np.moveaxis(x.data, axis, -1)
        idx = mode_indices(a.reshape(-1, a.shape[-1])).reshape(a.shape[:-1] + (1,))
        idx = np.moveaxis(idx, -1, axis)
        values = x.take_along_dim(idx, axis)
        if not keepdim or self.ndim == 0:
            values, idx = values.squeeze(axis), np.squeeze(idx, axis)
        return ValuesIndices(values, no_grad_result(np.asarray(idx, dtype=np.int64)))

    def nanquantile(self: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Tensor:
        """torch.nanquantile: quantile with each slice's NaNs left out (an all-NaN slice
        gives NaN)."""
        return quantiles(self, q, dim, keepdim, interpolation, "nanquantile", skip_nan=True)

    # ---- random draws (the default generator's, or generator=) ------------------------------
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

    def multinomial(self: Tensor, num_samples: int, replacement: bool = False, *,
                    generator: Any = None) -> Tensor:
        """torch's x.multinomial(num_samples): int64 indices drawn in proportion to the
        weights of each row of x (1-D or 2-D); without replacement, no index twice a row."""
        rng = as_rng(generator, "multinomial")
        return no_grad_result(multinomial_draws(self.data, num_samples, replacement, rng))

    # ---- in-place forms (inplace.py's rules) --------------------------------------------------
    def cumsum_(self: Tensor, dim: int) -> Tensor:
        """x = x.cumsum(dim), in place."""
        return _running(self, "cumsum", dim)

    def cumprod_(self: Tensor, dim: int) -> Tensor:
        """x = x.cumprod(dim), in place."""
        return _running(self, "cumprod", dim)

    def scatter_add_(self: Tensor, dim: int, index: Any, src: Any) -> Tensor:
        """x = x.scatter_add(dim, index, src), in place."""
        return recompute(self, "scatter_add", dim, index, src, operand=src)

    def addmm_(self: Tensor, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """x = x.addmm(mat1, mat2, beta=, alpha=), in place (the product must have x's shape)."""
        s1, s2 = (np.shape(m.data if isinstance(m, tensor.Tensor) else m) for m in (mat1, mat2))
        if len(s1) == len(s2) == 2 and (s1[0], s2[1]) != self.shape:  # (x.addmm broadcasts x
            raise RuntimeError(f"Tensor.addmm_: the result's shape {(s1[0], s2[1])} is not "
                               f"this tensor's {self.shape} (mat1 @ mat2's)")  # torch's no)
        operand = next((m for m in (mat1, mat2) if isinstance(m, tensor.Tensor)
                        and m.requires_grad), mat1)
        return recompute(self, "addmm", mat1, mat2, beta=beta, alpha=alpha, operand=operand)

    def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
        """torch's x.fill_diagonal_(value, wrap=False): the main diagonal (all dims of one
        length beyond 2-D) set to value; a tall matrix with wrap=True starts again every
        n + 1 rows (NumPy's and torch's wrap)."""
        if self.ndim < 2:
            raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1 (got "
                               f"{self.ndim}-D)")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal "
                               f"length, got shape {self.shape}")
        value = fill_value.data if isinstance(fill_value, tensor.Tensor) else fill_value
        if np.ndim(value) != 0:  # (np.fill_diagonal would cycle a sequence along the diagonal)
            raise TypeError(f"fill_diagonal_: fill_value must be a number (or a 0-d tensor), "
                            f"got shape {np.shape(value)}")

        def put(a: np.ndarray, _: Any) -> None:
            np.fill_diagonal(a, np.asarray(value).astype(a.dtype, casting="same_kind"),
                             wrap=bool(wrap))

        return write(self, "Tensor.fill_diagonal_", fill_value if isinstance(
            fill_value, tensor.Tensor) else None, put)

    # ---- autograd questions ------------------------------------------------------------------
    def detach_(self: Tensor) -> Tensor:
        """torch's x.detach_(): x cut from its graph in place, a leaf that requires no grad.
        An op that used x before stays on x's graph in torch; here its backward is refused in
        one line (it would stop at x without a word)."""
        detached.detach_in_place(self, next(engine.made_count))
        return self

    def is_inference(self: Tensor) -> bool:
        """torch's x.is_inference(): False (inference_mode here is no_grad: its tensors are
        ordinary ones)."""
        return False
