"""Op-table rows of PyTorch's small names (tinygrad_dl/tensor/ and
functional/small_names.py): sum_to_size, mode, nanquantile, vander, combinations, gradient,
cumulative_trapezoid, chain_matmul, the in-place forms and draws, and the constant makers
(logspace, the windows, scalar_tensor, randint_like). `constructors` gives the constructor
rows bernoulli and multinomial their Tensor methods."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import numpy as np

from ..functional import small_names as S
from .refs import case, joined, ref_joined
from .spec import DISTINCT, Cases, OpInfo

RED, SHAPE, LINALG, INPLACE, NEW = ("Reductions", "Shape", "Linear algebra",
                                    "In place (no graph)", "Constructors")
_INPLACE_NOTE = ("writes in place: no graph (refused where a gradient needs the old values; "
                 "see Trustworthy gradients)")
_CONST = "a constant: numbers made from the arguments, no tensor input"


def _sum_to_size_ref(a: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    lead = a.ndim - len(size)
    out = a.sum(axis=tuple(range(lead))) if lead else a
    axes = tuple(i for i, (d, m) in enumerate(zip(size, out.shape)) if d == 1 and m != 1)
    return out.sum(axis=axes, keepdims=True) if axes else out


def _combinations_ref(a: np.ndarray, r: int = 2, with_replacement: bool = False) -> np.ndarray:
    make = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    return np.array(list(make(list(a), r))).reshape(-1, r)


def _cumulative_trapezoid_ref(y: np.ndarray, dx: float = 1.0, dim: int = -1) -> np.ndarray:
    n = y.shape[dim]
    pair = np.take(y, range(n - 1), axis=dim) + np.take(y, range(1, n), axis=dim)
    return np.cumsum(pair * dx / 2, axis=dim)


def _gradient_ref(a: np.ndarray, spacing: Any = 1, dim: Any = None,
                  edge_order: int = 1) -> list[np.ndarray]:
    axes = list(range(a.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    h = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(axes)
    g = np.gradient(a, *h, axis=axes, edge_order=edge_order)
    return list(g) if isinstance(g, (list, tuple)) else [g]


def _inplace(name: str, doc: str) -> OpInfo:
    return OpInfo(name, "a write into the array", doc, INPLACE, methods=(name,), sample=None,
                  no_grad=_INPLACE_NOTE, float32=False)


def _made(name: str, doc: str, function: Any) -> OpInfo:
    return OpInfo(name, "NumPy (no graph)", doc, NEW, torch=(name,), function=function,
                  sample=None, no_grad=_CONST, float32=False)


ROWS: tuple[OpInfo, ...] = (
    OpInfo("sum_to_size", "sum", "torch's x.sum_to_size(*size): summed down to a shape x "
           "broadcasts from", RED, methods=("sum_to_size",),
           call=lambda x, size: x.sum_to_size(size), ref=_sum_to_size_ref,
           sample=Cases((case((2, 3), size=(3,)), case((2, 3), size=(2, 1)),
                         case((2, 3, 4), size=(1, 1, 4)), case((3,), size=())))),
    OpInfo("mode", "take_along_axis", "torch.mode(x, dim=-1): (values, indices) of the most "
           "frequent value, the smallest of equally frequent ones, at its last occurrence", RED,
           methods=("mode",), torch=("mode",), call=lambda x, **kw: x.mode(**kw).values,
           ref=lambda a, dim=-1, keepdim=False: a.min(axis=dim, keepdims=keepdim),
           sample=Cases((case((5,), domain=DISTINCT), case((3, 4), domain=DISTINCT, dim=0),
                         case((2, 3), domain=DISTINCT, dim=1, keepdim=True))),
           grad="to the index picked (distinct values: the mode is the minimum)",
           differs="NaNs count as one value here; torch's CPU order of NaN is unspecified"),
    OpInfo("nanquantile", "sort, take_along_axis and lerp", "torch.nanquantile(x, q, dim="
           "None): quantile with each slice's NaNs left out (all NaN: NaN)", RED,
           methods=("nanquantile",), torch=("nanquantile",),
           ref=lambda a, q, dim=None, keepdim=False: np.nanquantile(a, q, axis=dim,
                                                                    keepdims=keepdim),
           sample=Cases((case((5,), domain=DISTINCT, q=0.3),
                         case((3, 4), domain=DISTINCT, q=0.75, dim=1),
                         case((4, 3), domain=DISTINCT, q=(0.1, 0.5), dim=0, keepdim=True))),
           grad="1 - w and w to the two sorted values interpolated"),
    OpInfo("vander", "cumprod, cat and flip", "torch.vander(x, N=None, increasing=False): "
           "the powers x^(N-1) ... 1 as columns (NumPy's order)", LINALG, torch=("vander",),
           function=S.vander, ref=lambda a, N=None, increasing=False: np.vander(a, N, increasing),
           sample=Cases((case((3,)), case((4,), N=2), case((2,), N=4, increasing=True),
                         case((3,), N=3)))),
    OpInfo("combinations", "getitem", "torch.combinations(x, r=2, with_replacement=False): "
           "the r-element combinations of a 1-D x as rows", SHAPE, torch=("combinations",),
           function=S.combinations, ref=_combinations_ref,
           sample=Cases((case((4,)), case((3,), r=3, with_replacement=True), case((3,), r=1)))),
    OpInfo("gradient", "narrow, sub, div and cat", "torch.gradient(y, spacing=1, dim=None, "
           "edge_order=1): a tuple of derivative estimates, one per dim (central differences, "
           "one-sided at the ends)", RED, torch=("gradient",), function=S.gradient,
           call=joined(S.gradient), ref=ref_joined(_gradient_ref),
           sample=Cases((case((5,)), case((3, 4)), case((4, 3), spacing=2.0, dim=0),
                         case((3, 4), spacing=(0.5, 2.0), edge_order=2),
                         case((2, 3), dim=-1, edge_order=2)))),
    OpInfo("cumulative_trapezoid", "narrow, add, mul and cumsum", "torch.cumulative_trapezoid("
           "y, x=None, dx=None, dim=-1): the running trapezoid rule", RED,
           torch=("cumulative_trapezoid",), function=S.cumulative_trapezoid,
           ref=_cumulative_trapezoid_ref,
           sample=Cases((case((5,)), case((3, 4), dx=0.5), case((4, 3), dim=0)))),
    OpInfo("chain_matmul", "matmul", "torch.chain_matmul(*matrices): the product of 2-D "
           "tensors, left to right (deprecated for linalg.multi_dot)", LINALG,
           torch=("chain_matmul",), function=S.chain_matmul, tensors=3,
           ref=lambda a, b, c: a @ b @ c,
           sample=Cases((case((2, 3), (3, 4), (4, 2)), case((1, 1), (1, 3), (3, 1))))),
    _inplace("cumsum_", "x = x.cumsum(dim)"),
    _inplace("cumprod_", "x = x.cumprod(dim)"),
    _inplace("scatter_add_", "x = x.scatter_add(dim, index, src)"),
    _inplace("addmm_", "x = x.addmm(mat1, mat2, beta=, alpha=)"),
    _inplace("fill_diagonal_", "the main diagonal set to a value (wrap=: every n + 1 rows)"),
    _inplace("bernoulli_", "1 with probability p (default 0.5), else 0, in x's dtype"),
    _made("logspace", "torch.logspace(start, end, steps, base=10): base ** linspace",
          S.logspace),
    *(_made(f"{w}_window", f"torch.{w}_window(n, periodic=True, ...): the {w} window "
            "(periodic by default, as torch's)", getattr(S, f"{w}_window"))
      for w in ("hann", "hamming", "blackman", "bartlett", "kaiser")),
    _made("scalar_tensor", "torch.scalar_tensor(s): a 0-d tensor, float64 by default",
          S.scalar_tensor),
    _made("randint_like", "torch.randint_like(x, low=0, high): integers on [low, high) in x's "
          "shape and dtype", S.randint_like),
)

_METHODS = {"bernoulli": ("bernoulli",), "multinomial": ("multinomial",)}


def constructors(rows: tuple[OpInfo, ...]) -> tuple[OpInfo, ...]:
    """The constructor rows, bernoulli and multinomial with their Tensor methods
    (x.bernoulli(), x.multinomial(n): tensor/sampling.py)."""
    return tuple(replace(r, methods=_METHODS[r.name]) if r.name in _METHODS else r
                 for r in rows)
