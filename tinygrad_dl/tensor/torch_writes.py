"""PyTorch's index_put and scatter_reduce (out of place, with gradients), and the in-place
forms of the writes of torch_extra.py (index_fill_, index_copy_, masked_scatter_, index_put_,
scatter_reduce_) under the rules of inplace.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..ops import ScatterReduce
from ..ops.indexing import check_scatter
from ..ops.shape import axis_of
from ..random import as_rng, float_dtype
from .conversions import as_tensor, index_arg
from .inplace import recompute, write

if TYPE_CHECKING:
    from . import Tensor

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _positions(x: Tensor, indices: Any, op: str = "index_put", shape: Any = None
               ) -> np.ndarray:
    """The flat positions x[indices] reads (torch's index_put indices: a tuple of integer or
    bool index tensors, one per leading dim), refused in one line where NumPy's indexing is;
    `op` and `shape` are those the message names (put: its input's shape, not the flat one)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}: indices must be a tuple of index tensors, got "
                        f"{type(indices).__name__}")
    idx = tuple(np.asarray(index_arg(i)) for i in indices)
    for i in idx:
        if i.dtype.kind not in "iub" and not (i.size == 0 and i.dtype.kind == "f"):
            raise IndexError(f"{op}: indices must be integer or bool tensors, got dtype "
                             f"{i.dtype}")
        if i.dtype == np.uint8:  # (NumPy would read positions where torch reads a mask)
            raise IndexError(f"{op}: a uint8 index is a mask in torch (deprecated there) "
                             "and positions in NumPy; give a bool mask or int64 positions")
    idx = tuple(i.astype(np.intp) if i.dtype.kind == "f" else i for i in idx)
    try:
        return np.arange(x.data.size).reshape(x.shape)[idx]
    except IndexError as e:
        raise IndexError(f"{op}: {e} (a tensor of shape {x.shape if shape is None else shape})"
                         ) from None


def _index_put(x: Tensor, indices: Any, values: Any, accumulate: bool, op: str = "index_put",
               shape: Any = None) -> Tensor:
    """index_put's values, its messages naming `op` and `shape` (put's: see _positions)."""
    pos = _positions(x, indices, op, shape)
    vals = as_tensor(values, x)
    if vals.dtype != x.dtype:
        raise TypeError(f"{op}: values have dtype {vals.dtype}, the input "
                        f"{x.dtype}; torch wants the same (cast one with .to())")
    try:
        vals = vals.broadcast_to(pos.shape).reshape(-1)
    except ValueError:
        raise ValueError(f"{op}: values of shape {vals.shape} do not broadcast to the "
                         f"indexed shape {pos.shape}") from None
    flat, pos = x.reshape(-1), pos.reshape(-1)
    if accumulate:
        return flat.index_add(0, pos, vals).reshape(x.shape)
    if len(np.unique(pos)) != len(pos):
        raise ValueError(f"{op}: the indices name one position twice (torch leaves "
                         "which write wins undefined; accumulate=True adds them up)")
    return flat.index_copy(0, pos, vals).reshape(x.shape)


class TorchWriteMethods:
    """index_put, scatter_reduce and the in-place writes (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """torch's index_put: x with x[indices] = values (broadcast), or += where
        `accumulate` (repeated positions then add up; without it a repeated position is
        refused, torch leaving which write wins undefined). Gradients to x and values."""
        return _index_put(self, indices, values, accumulate)

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        """torch's put: index_put on the flattened tensor (index and source of one size, any
        shapes; negative indices count from the end)."""
        idx = np.asarray(index_arg(index))
        src = as_tensor(source, self)
        if idx.size != src.data.size:
            raise ValueError(f"put: index and source must have the same number of elements, "
                             f"got {idx.size} and {src.data.size}")
        if idx.size and idx.dtype.kind not in "iu":
            raise IndexError(f"put: the index must hold integers, got dtype {idx.dtype}")
        if idx.dtype == np.uint8:  # (flat positions: index_put refuses a uint8 one, torch's mask)
            idx = idx.astype(np.int64)
        return _index_put(self.reshape(-1), (idx.reshape(-1),), src.reshape(-1), accumulate,
                          "put", f"{self.shape}, flattened").reshape(self.shape)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str,
                       include_self: bool = True) -> Tensor:
        """torch's scatter_reduce (reduce: sum, prod, mean, amax, amin): each position index
        names along dim reduced with the src entries sent there (and x's own value unless
        include_self=False); the others keep x's. Gradients as torch's (ops/more.py)."""
        if reduce not in _REDUCES:
            raise ValueError(f"scatter_reduce: reduce must be one of {', '.join(_REDUCES)}, got "
                             f"{reduce!r}")
        src = as_tensor(src, self)
        if src.dtype != self.dtype:
            raise TypeError(f"scatter_reduce: src has dtype {src.dtype}, the input "
                            f"{self.dtype}; torch wants the same (cast one with .to())")
        if self.dtype.kind not in "fiu" or (reduce == "mean" and self.dtype.kind != "f"):
            raise TypeError(f"scatter_reduce: reduce={reduce!r} on a {self.dtype} tensor is not "
                            "supported")
        if self.ndim == 0:
            return self.reshape(1).scatter_reduce(
                0, np.reshape(index_arg(index), -1), src.reshape(-1), reduce,
                include_self).reshape(())
        axis = axis_of("scatter_reduce", dim, self.ndim)
        idx = check_scatter("scatter_reduce", self.shape, axis, index_arg(index), src.shape)
        return ScatterReduce.apply(self, src, index=idx, dim=axis, reduce=reduce,
                                   include_self=bool(include_self))

    # ---- in place (inplace.py's rules: the out-of-place values written into x) -------------
    def index_fill_(self, dim: int, index: Any, value: Any) -> Tensor:
        return recompute(self, "index_fill", dim, index, value, operand=value)

    def index_copy_(self, dim: int, index: Any, source: Any) -> Tensor:
        return recompute(self, "index_copy", dim, index, source, operand=source)

    def masked_scatter_(self, mask: Any, source: Any) -> Tensor:
        return recompute(self, "masked_scatter", mask, source, operand=source)

    def put_(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        return recompute(self, "put", index, source, accumulate, operand=source)

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        return recompute(self, "index_put", indices, values, accumulate, operand=values)

    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str,
                        include_self: bool = True) -> Tensor:
        return recompute(self, "scatter_reduce", dim, index, src, reduce, include_self,
                         operand=src)



class RandomFillMethods:
    """PyTorch's in-place random fills (the default generator's draws, or `generator=`'s),
    under the rules of inplace.py (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

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
        return _fill(self, "geometric_", generator, lambda rng, n: rng.geometric(float(p), n),
                     floats_only=False)

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
