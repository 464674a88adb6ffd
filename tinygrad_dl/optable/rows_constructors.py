"""Op-table rows of constant makers (functional/constructors.py, windows.py, sampling.py): the
leaves (CORE: tensor, zeros, ones, arange, linspace, rand, randn, ..., the constructor rows),
logspace, the windows (hann, hamming, blackman, bartlett, kaiser), scalar_tensor and
randint_like. `constructors` gives the constructor rows bernoulli and multinomial their Tensor
methods."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .. import functional as F
from ..functional import constructors, sampling, windows
from .spec import NEW, OpInfo

_CONST = "a constant: numbers made from the arguments, no tensor input"


def _made(name: str, doc: str, function: Any) -> OpInfo:
    return OpInfo(name, "NumPy (no graph)", doc, NEW, torch=(name,), function=function,
                  sample=None, no_grad=_CONST, float32=False)


ROWS: tuple[OpInfo, ...] = (
    _made("logspace", "torch.logspace(start, end, steps, base=10): base ** linspace",
          constructors.logspace),
    *(_made(f"{w}_window", f"torch.{w}_window(n, periodic=True, ...): the {w} window "
            "(periodic by default, as torch's)", getattr(windows, f"{w}_window"))
      for w in ("hann", "hamming", "blackman", "bartlett", "kaiser")),
    _made("scalar_tensor", "torch.scalar_tensor(s): a 0-d tensor, float64 by default",
          constructors.scalar_tensor),
    _made("randint_like", "torch.randint_like(x, low=0, high): integers on [low, high) in x's "
          "shape and dtype", sampling.randint_like),
)

# ---- constructors: leaves, no inputs to differentiate (tests/test_ops.py checks their values)
_LEAF = "a leaf: nothing to differentiate"
CORE: tuple[OpInfo, ...] = tuple(
    OpInfo(name, "NumPy", doc, NEW, numpy=numpy, torch=torch, own=own, function=fn,
           sample=None, no_grad=_LEAF, float32=False)
    for name, fn, numpy, torch, own, doc in (
        ("tensor", F.tensor, ("array",), ("tensor",), (), "a copy of data, dtype inferred as "
         "NumPy does (ints stay int64)"),
        ("from_numpy", F.from_numpy, (), ("from_numpy",), (), "a Tensor on the same array"),
        ("as_tensor", F.as_tensor, ("asarray",), ("as_tensor",), (), "data as a Tensor, "
         "no copy where it can be (dtype inferred as NumPy does)"),
        ("zeros", F.zeros, ("zeros",), ("zeros",), (), "zeros(2, 3) or zeros((2, 3))"),
        ("ones", F.ones, ("ones",), ("ones",), (), "ones"),
        ("empty", F.empty, ("empty",), ("empty",), (), "zeros (no uninitialised memory)"),
        ("full", F.full, ("full",), ("full",), (), "full(shape, fill_value)"),
        ("eye", F.eye, ("eye",), ("eye",), (), "identity matrix eye(n, m=None, k=0)"),
        ("arange", F.arange, ("arange",), ("arange",), (), "start, start + step, ... < stop"),
        ("linspace", F.linspace, ("linspace",), ("linspace",), (), "num (torch: steps) "
         "numbers from start to stop inclusive"),
        ("rand", F.rand, (), ("rand",), (), "uniform in [0, 1)"),
        ("randn", F.randn, (), ("randn",), (), "standard normal"),
        ("randint", F.randint, (), ("randint",), (), "integers in [low, high)"),
        ("randperm", F.randperm, (), ("randperm",), (), "0..n-1 in a random order"),
        ("normal", F.normal, (), ("normal",), (), "N(mean, std^2) draws: elementwise over "
         "tensors of mean and std, or of size= for numbers"),
        ("bernoulli", F.bernoulli, (), ("bernoulli",), (), "1 with probability p, else 0"),
        ("multinomial", F.multinomial, (), ("multinomial",), (), "indices drawn in proportion "
         "to each row's weights (int64), with or without replacement"),
        ("zeros_like", F.zeros_like, ("zeros_like",), ("zeros_like",), (), "zeros of x's shape "
         "and dtype"),
        ("ones_like", F.ones_like, ("ones_like",), ("ones_like",), (), "ones like x"),
        ("empty_like", F.empty_like, ("empty_like",), ("empty_like",), (), "zeros like x"),
        ("full_like", F.full_like, ("full_like",), ("full_like",), (), "fill_value like x"),
        ("rand_like", F.rand_like, (), ("rand_like",), (), "uniform like x (x float, or "
         "dtype=)"),
        ("randn_like", F.randn_like, (), ("randn_like",), (), "standard normal like x"),
        ("tril_indices", F.tril_indices, (), ("tril_indices",), (), "the (2, N) int64 "
         "coordinates of a lower triangle (torch's; NumPy's returns a tuple)"),
        ("triu_indices", F.triu_indices, (), ("triu_indices",), (), "the (2, N) int64 "
         "coordinates of an upper triangle"),
    ))

_METHODS = {"bernoulli": ("bernoulli",), "multinomial": ("multinomial",)}


def constructors(rows: tuple[OpInfo, ...]) -> tuple[OpInfo, ...]:
    """The constructor rows, bernoulli and multinomial with their Tensor methods
    (x.bernoulli(), x.multinomial(n): tensor/sampling.py)."""
    return tuple(replace(r, methods=_METHODS[r.name]) if r.name in _METHODS else r
                 for r in rows)
