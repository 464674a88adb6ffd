"""Op-table rows of more of PyTorch's Tensor methods (tinygrad_dl/tensor/splits.py,
writes.py, inplace_forms.py, ...): tensor_split and its kin, unflatten, unfold, the
out-of-place writes (index_fill, index_copy, *_scatter), aminmax, nanmedian, renorm, the
predicates, aliases, bitwise ops and the generated in-place forms."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..functional.small_names import real
from ..functional.torch_top import row_stack, rsub, unravel_index
from ..tensor.inplace_forms import INPLACE_FORMS
from .refs import case, joined, ref_joined
from .spec import DISTINCT, KINK0, REAL, SPREAD, Cases, Domain, Elementwise, OpInfo

JOIN, SHAPE, SORT, RED, CMP, INPLACE = (
    "Joining and splitting", "Shape", "Sorting and gathering", "Reductions", "Comparisons",
    "In place (no graph)")
_BOOL = "a constant bool tensor"
_INTS = "a constant: integer and bool tensors only"


def _method(name: str) -> Any:
    """A test call of a method that returns pieces: them weighted and joined."""
    return joined(lambda t, *a, **kw: getattr(t, name)(*a, **kw))


def _cut(shape: tuple[int, ...], at: Any) -> Any:
    return case(shape, indices_or_sections=at)


def _unfold_ref(a: np.ndarray, dimension: int, size: int, step: int) -> np.ndarray:
    d = dimension % a.ndim  # (the windows' axis comes last: -1 would name it)
    w = np.lib.stride_tricks.sliding_window_view(a, size, axis=d)
    return np.take(w, np.arange(0, a.shape[d] - size + 1, step), axis=d)


def _put_ref(a: np.ndarray, dim: int, idx: Any, src: Any) -> np.ndarray:
    out = np.array(a, copy=True)
    out[(slice(None),) * (dim % a.ndim) + (idx,)] = src
    return out


def _diag_ref(a: np.ndarray, s: np.ndarray, offset: int = 0, dim1: int = 0, dim2: int = 1
              ) -> np.ndarray:
    out = np.moveaxis(np.array(a, copy=True), (dim1, dim2), (-2, -1))
    n1, n2 = out.shape[-2:]
    r = np.arange(max(0, -offset), min(n1, n2 - offset))
    out[..., r, r + offset] = s
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


def _masked_scatter_ref(a: np.ndarray, s: np.ndarray, mask: Any = ()) -> np.ndarray:
    m = np.broadcast_to(np.asarray(mask, bool), a.shape)
    out = np.array(a, copy=True)
    out[m] = s.reshape(-1)[:int(m.sum())]
    return out


def _index_put_ref(a: np.ndarray, v: np.ndarray, rows: Any = (), cols: Any = (),
                   accumulate: bool = False) -> np.ndarray:
    out = np.array(a, copy=True)
    if accumulate:
        np.add.at(out, (list(rows), list(cols)), v)
    else:
        out[list(rows), list(cols)] = v
    return out


def _put_flat_ref(a: np.ndarray, s: np.ndarray, index: Any = (), accumulate: bool = False
                  ) -> np.ndarray:
    out = np.array(a, copy=True).reshape(-1)
    idx = np.reshape(index, -1)
    if accumulate:
        np.add.at(out, idx, s.reshape(-1))
    else:
        out[idx] = s.reshape(-1)
    return out.reshape(a.shape)


_SR = [[0, 1, 0, 2], [2, 2, 0, 1]]


def _scatter_reduce_ref(a: np.ndarray, s: np.ndarray, dim: int = 0, index: Any = (),
                        reduce: str = "sum", include_self: bool = True) -> np.ndarray:
    """Each position's group (x's own unless include_self=False, and the src entries sent
    there) reduced, loop by loop."""
    idx, out = np.asarray(index), np.array(a, copy=True)
    groups: dict[tuple[int, ...], list[float]] = {}
    for p in np.ndindex(*idx.shape):
        q = list(p)
        q[dim] = int(idx[p])
        groups.setdefault(tuple(q), [a[tuple(q)]] if include_self else []).append(s[p])
    fn = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
    for q, vals in groups.items():
        out[q] = fn[reduce](vals)
    return out


def _nanmedian_ref(a: np.ndarray, dim: int) -> np.ndarray:
    return np.take(np.sort(a, axis=dim), (a.shape[dim] - 1) // 2, axis=dim)


def _renorm_ref(a: np.ndarray, p: float, dim: int, maxnorm: float) -> np.ndarray:
    others = tuple(i for i in range(a.ndim) if i != dim % a.ndim)
    norm = (np.abs(a) ** p).sum(others, keepdims=True) ** (1 / p)
    return a * np.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)


_MASK = np.array([[True, False, True, True], [False, False, True, False]])
_INPLACE_NOTE = ("writes in place: no graph (refused where a gradient needs the old values; "
                 "see Trustworthy gradients)")

ROWS: tuple[OpInfo, ...] = (
    # ---- splits and reshapes (getitem's views: each piece's gradient flows back) ----------------
    OpInfo("tensor_split", "getitem", "torch.tensor_split: n pieces as equal as can be (the "
           "first n % sections one longer), or cut at indices (Python's slicing)", JOIN,
           methods=("tensor_split",), call=_method("tensor_split"),
           ref=ref_joined(lambda a, indices_or_sections, dim=0: np.array_split(
               a, indices_or_sections, axis=dim)),
           sample=Cases((case((2, 5), indices_or_sections=3, dim=1),
                         case((7,), indices_or_sections=[-2, 1, 9]),
                         case((4, 2), indices_or_sections=[3, 1], dim=0)))),
    *(OpInfo(name, "getitem", f"torch.{name}: tensor_split along dim {dim} (a number of "
             "pieces must divide the length)", JOIN, methods=(name,), torch=(name,),
             call=_method(name), ref=ref_joined(getattr(np, name)), sample=Cases(cases))
      for name, dim, cases in (
          ("hsplit", "1 (0 of a 1-D tensor)", (_cut((2, 4), 2), _cut((6,), [1, 4]))),
          ("vsplit", 0, (_cut((4, 3), 2), _cut((3, 2), [2]))),
          ("dsplit", 2, (_cut((1, 2, 4), [1, 3]), _cut((2, 1, 2), 2))))),
    OpInfo("split_with_sizes", "getitem", "torch's split_with_sizes: pieces of the listed "
           "sizes, which add up to dim's length", JOIN, methods=("split_with_sizes",),
           call=_method("split_with_sizes"),
           ref=ref_joined(lambda a, split_sizes, dim=0: np.split(
               a, np.cumsum(split_sizes)[:-1], axis=dim)),
           sample=Cases((case((2, 5), split_sizes=[2, 0, 3], dim=1), case((3,), split_sizes=[3])))),
    OpInfo("unflatten", "reshape", "torch's unflatten(dim, sizes): one axis reshaped to sizes "
           "(one may be -1)", SHAPE, methods=("unflatten",), torch=("unflatten",),
           call=lambda t, dim=0, sizes=(): t.unflatten(dim, sizes),
           ref=lambda a, dim=0, sizes=(): a.reshape(  # (NumPy's reshape takes the -1 too)
               a.shape[:dim % a.ndim] + tuple(sizes) + a.shape[dim % a.ndim + 1:]),
           sample=Cases((case((2, 6), dim=1, sizes=(2, 3)), case((6, 1), dim=0, sizes=(-1, 2))))),
    OpInfo("Tensor.unfold", "getitem and moveaxis", "torch's Tensor.unfold(dimension, size, step): "
           "sliding windows along a dim, as a new last axis", SHAPE, methods=("unfold",),
           call=lambda t, **kw: t.unfold(**kw), ref=_unfold_ref,
           grad="overlapping windows add up their gradients",
           sample=Cases((case((2, 6), dimension=1, size=3, step=1),
                         case((5, 2), dimension=0, size=2, step=2),
                         case((4,), dimension=-1, size=4, step=3)))),
    # ---- writes, out of place (where() of the written slices and the source) --------------------
    OpInfo("index_fill", "where", "torch's index_fill: a value in the slices an index names "
           "along dim (negative indices count from the end)", SORT, methods=("index_fill",),
           torch=("index_fill",),
           call=lambda t, dim=0, index=(), value=0.0: t.index_fill(dim, np.array(index), value),
           ref=lambda a, dim=0, index=(), value=0.0: _put_ref(a, dim, list(index), value),
           sample=Cases((case((3, 4), dim=1, index=(-1, 0), value=2.5),
                         case((3,), index=(1, 1), value=-1.0))),
           grad="to x: g outside the filled slices; to a 0-d tensor value: their sum"),
    OpInfo("index_copy", "where and getitem", "torch's index_copy: source's slices written "
           "into those a distinct index names along dim", SORT, methods=("index_copy",),
           torch=("index_copy",),
           call=lambda t, s, dim=0, index=(): t.index_copy(dim, np.array(index), s),
           ref=lambda a, s, dim=0, index=(): _put_ref(a, dim, list(index), s),
           sample=Cases((case((3, 4), (3, 2), dim=1, index=(3, 0)),
                         case((4,), (1,), index=(2,)))),
           grad="to x: g outside the written slices; to source: g read back there"),
    OpInfo("select_scatter", "where and getitem", "torch.select_scatter: x with "
           "x.select(dim, index) replaced by src", SORT, methods=("select_scatter",),
           torch=("select_scatter",), call=lambda t, s, **kw: t.select_scatter(s, **kw),
           ref=lambda a, s, dim=0, index=0: _put_ref(a, dim, index, s),
           sample=Cases((case((3, 4), (3,), dim=1, index=-1), case((2, 3), (3,), dim=0,
                                                                      index=1)))),
    OpInfo("slice_scatter", "where and getitem", "torch.slice_scatter: x with "
           "x[start:end:step] along dim replaced by src", SORT, methods=("slice_scatter",),
           torch=("slice_scatter",), call=lambda t, s, **kw: t.slice_scatter(s, **kw),
           ref=lambda a, s, dim=0, start=None, end=None, step=1: _put_ref(
               a, dim, slice(start, end, step), s),
           sample=Cases((case((3, 5), (3, 2), dim=1, start=1, step=2),
                         case((4,), (2,), start=-3, end=-1)))),
    OpInfo("diagonal_scatter", "where and getitem", "torch.diagonal_scatter: x with "
           "x.diagonal(offset, dim1, dim2) replaced by src", SORT,
           methods=("diagonal_scatter",), torch=("diagonal_scatter",),
           call=lambda t, s, **kw: t.diagonal_scatter(s, **kw), ref=_diag_ref,
           sample=Cases((case((3, 4), (3,), offset=1), case((2, 3, 3), (3, 2), offset=-1,
                                                            dim1=2, dim2=0)))),
    OpInfo("masked_scatter", "where and getitem", "torch's masked_scatter: source's values in "
           "order where the bool mask is True", SORT, methods=("masked_scatter",),
           torch=("masked_scatter",),
           call=lambda t, s, mask=(): t.masked_scatter(np.array(mask, bool), s),
           ref=_masked_scatter_ref,
           sample=Cases((case((2, 4), (9,), mask=_MASK.tolist()),
                         case((2, 4), (4,), mask=[True, False, False, True])))),
    OpInfo("index_put", "index_copy or index_add, flattened", "torch's index_put: x with "
           "x[indices] = values (broadcast), or += with accumulate=True", SORT,
           methods=("index_put",), torch=("index_put",),
           call=lambda t, v, rows=(), cols=(), accumulate=False: t.index_put(
               (np.array(rows), np.array(cols)), v, accumulate),
           ref=_index_put_ref,
           sample=Cases((case((3, 4), (2,), rows=(0, 2), cols=(1, -1)),
                         case((3, 4), (3,), rows=(1, 1, 0), cols=(2, 2, 0), accumulate=True))),
           grad="to x: g outside the written places (all of g with accumulate); to values: g "
           "read back there, summed over the broadcast"),
    OpInfo("put", "index_put of the flattened tensor", "torch's put: source's values at "
           "the flat positions index names (accumulate=True: added)", SORT, methods=("put",),
           call=lambda t, s, index=(), accumulate=False: t.put(np.array(index), s, accumulate),
           ref=_put_flat_ref,
           sample=Cases((case((3, 4), (2,), index=(0, -1)),
                         case((2, 3), (2, 2), index=((1, 1), (5, 0)), accumulate=True)))),
    OpInfo("scatter_reduce", ops.ScatterReduce, "torch's scatter_reduce: the positions index "
           "names along dim reduced (sum, prod, mean, amax, amin) with the src entries sent "
           "there, and x's own unless include_self=False", SORT, methods=("scatter_reduce",),
           torch=("scatter_reduce",),
           call=lambda t, s, dim=0, index=(), **kw: t.scatter_reduce(dim, np.array(index), s,
                                                                     **kw),
           ref=_scatter_reduce_ref,
           sample=Cases(tuple(case((3, 4), (2, 4), dim=0, index=_SR, reduce=r, include_self=i,
                                   domain=DISTINCT)
                              for r in ("sum", "prod", "mean", "amax", "amin")
                              for i in (True, False))),
           grad="torch's: prod's exact at zeros; amax/amin share g among the entries equal "
           "to the result", differs="amax/amin ties: g shared by the entries reduced only "
           "(torch 2.13 also counts x's own value where include_self=False)"),
    # ---- reductions --------------------------------------------------------------------------
    OpInfo("aminmax", "amin and amax", "torch.aminmax: (min, max) over dim (None: all)", RED,
           methods=("aminmax",), torch=("aminmax",),
           call=joined(lambda t, **kw: t.aminmax(**kw)),
           ref=lambda a, dim=None, keepdim=False: np.concatenate([
               np.reshape(a.min(dim, keepdims=keepdim), -1),
               2 * np.reshape(a.max(dim, keepdims=keepdim), -1)]),
           sample=Cases((case((3, 4), dim=1, domain=DISTINCT), case((5,), domain=DISTINCT),
                         case((2, 3), dim=0, keepdim=True, domain=DISTINCT))),
           grad="ties share the gradient, as amin's and amax's"),
    OpInfo("nanmedian", "sort and take_along_axis", "torch.nanmedian: the lower middle value "
           "ignoring NaNs (NaN where all are NaN); with dim, (values, indices)", RED,
           methods=("nanmedian",), torch=("nanmedian",),
           call=lambda t, dim=0: t.nanmedian(dim).values, ref=_nanmedian_ref,
           sample=Cases((case((3, 4), dim=1, domain=DISTINCT), case((5,), dim=0,
                                                                    domain=DISTINCT))),
           grad="to the picked entry", differs="an all-NaN slice's index is its first entry "
           "(torch's depends on its selection algorithm); the value NaN agrees"),
    OpInfo("Tensor.cov", "mean, sub, matmul and div", "x.cov(correction=1, fweights=None, "
           "aweights=None): torch's covariance of the rows, with its frequency and observation "
           "weights", RED, methods=("cov",), call=lambda t, **kw: t.cov(**kw),
           ref=lambda a, correction=1, fweights=None, aweights=None: np.cov(
               a, ddof=correction, fweights=fweights,
               aweights=None if aweights is None else np.array(aweights)),
           sample=Cases((case((3, 5)), case((4,), correction=0),
                         case((2, 4), fweights=np.array([1, 0, 3, 2])),
                         case((2, 4), correction=2, fweights=np.array([1, 2, 3, 2]),
                              aweights=(0.5, 1.0, 0.25, 2.0))))),
    OpInfo("Tensor.corrcoef", "cov, sqrt, div and clip", "x.corrcoef(): torch's Pearson "
           "correlation coefficients of the rows, clipped to [-1, 1]", RED,
           methods=("corrcoef",), ref=np.corrcoef,
           sample=Cases((case((3, 5), domain=SPREAD), case((2, 4), domain=SPREAD))),
           grad="needs a nonzero spread in each row"),
    OpInfo("renorm", "abs, sum, pow and where", "torch.renorm(p, dim, maxnorm): slices along "
           "dim whose p-norm exceeds maxnorm scaled to it (by maxnorm / (norm + 1e-7))", RED,
           methods=("renorm",), torch=("renorm",), call=lambda t, **kw: t.renorm(**kw),
           ref=_renorm_ref,  # (|x|'s kink at 0 kept out of the finite differences)
           # maxnorm below every slice's smallest norm (|x| >= 0.1: 0.2 for p=2 over 4, 0.6 for
           # p=1 over 6) or above its largest: a norm drawn near maxnorm, where the scale has
           # its kink, made the finite differences disagree (hypothesis found one at 0.70698)
           sample=Cases((case((3, 4), p=2.0, dim=0, maxnorm=0.15, domain=KINK0),
                         case((3, 4), p=2.0, dim=0, maxnorm=7.0, domain=KINK0),
                         case((2, 3, 2), p=1.0, dim=-1, maxnorm=0.5, domain=KINK0))),
           grad="through the norm where a slice is scaled (torch's)"),
    # ---- predicates, aliases, bitwise ops --------------------------------------------------------
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, CMP, methods=(name,), numpy=(name,),
             torch=(name,), ref=getattr(np, name), sample=Elementwise((REAL,)), no_grad=_BOOL,
             float32=False)
      for name, doc in (("isposinf", "x is +inf, elementwise"),
                        ("isneginf", "x is -inf, elementwise"),
                        ("isreal", "x has no imaginary part (True for every real dtype)"))),
    *(OpInfo(name, "NumPy's comparison (no graph)", f"x.{name}(y): torch's alias of x.{of}(y)",
             CMP, methods=(name,), tensors=2, ref=getattr(np, name),
             sample=Elementwise((KINK0, KINK0)), no_grad=_BOOL, float32=False)
      for name, of in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                       ("less_equal", "le"), ("not_equal", "ne"))),
    OpInfo("ldexp", (ops.Ldexp, ops.Mul, ops.Pow), "torch.ldexp: x * 2 ** other (an integer x "
           "made float32; an integer exponent: np.ldexp, exact where 2 ** other over- or "
           "underflows)",
           "Binary elementwise", methods=("ldexp",), numpy=("ldexp",), torch=("ldexp",),
           tensors=2, ref=lambda a, b: a * 2.0 ** b, sample=Elementwise((REAL, REAL)),
           grad="to x: 2 ** other; to other: x 2 ** other ln 2",
           differs="an integer exponent's gradient to x is 2 ** other (torch 2.13's integer "
           "pow gives 0 for a negative one); an exponent past int32 saturates (torch's wraps "
           "around)"),
    OpInfo("nextafter", ops.NextAfter, "torch.nextafter: the next float after x toward other",
           "Binary elementwise", methods=("nextafter",), numpy=("nextafter",),
           torch=("nextafter",), tensors=2, ref=np.nextafter,
           sample=Elementwise((REAL, REAL), untied=True),
           grad="torch's: g to x (0 where x == other), 0 to other"),
    OpInfo("frexp", ops.FrexpMantissa, "torch.frexp: (mantissa, int32 exponent), x = mantissa "
           "* 2 ** exponent", "Elementwise math", methods=("frexp",), numpy=("frexp",),
           torch=("frexp",), call=lambda t: t.frexp().mantissa,
           ref=lambda a: np.frexp(a)[0],
           sample=Cases((case((5,), domain=Domain(0.3, 3.0, avoid=(0.5, 1.0, 2.0), margin=0.05)),
                         case((2, 3), domain=Domain(-3.0, -0.3, avoid=(-2.0, -1.0, -0.5),
                                                    margin=0.05)))),  # (jumps at powers of 2)
           grad="the mantissa's: 2 ** -exponent (torch's)",
           differs="a named tuple (mantissa, exponent), torch's; NumPy's is a plain tuple. "
           "The gradient is exact where torch 2.13's overflows (|x| past float32's range)"),
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, "Binary elementwise", methods=(name,),
             numpy=(name,), torch=(name,), tensors=2, ref=getattr(np, name), sample=None,
             no_grad="a constant: integer tensors only", float32=False)
      for name, doc in (("gcd", "the greatest common divisor (>= 0) of integer tensors"),
                        ("lcm", "the least common multiple (>= 0) of integer tensors"))),
    OpInfo("sgn", "sign", "torch.sgn: sign() of a real tensor", "Elementwise math",
           methods=("sgn",), torch=("sgn",), ref=np.sign,
           sample=Elementwise((KINK0,)), grad="0 (sign's)"),
    OpInfo("positive", "x itself", "torch.positive: x itself (not on a bool tensor)",
           "Arithmetic", methods=("positive",), numpy=("positive",), torch=("positive",),
           ref=np.positive, grad="g: x itself"),
    *(OpInfo(name, f"NumPy's {name} (no graph)", doc, "Binary elementwise", methods=(name,),
             numpy=(name,), torch=(name,), tensors=n, ref=getattr(np, name), sample=None,
             no_grad=_INTS, float32=False)
      for name, n, doc in (("bitwise_and", 2, "x & y bitwise (integer and bool tensors)"),
                           ("bitwise_or", 2, "x | y bitwise (integer and bool tensors)"),
                           ("bitwise_xor", 2, "x ^ y bitwise (integer and bool tensors)"),
                           ("bitwise_not", 1, "~x bitwise (integer and bool tensors)"))),
    # ---- in place: the op's values written into x (inplace.py's rules) -------------------------
    *(OpInfo(f"{m}_", "a write into the array", f"x = x.{m}(...)", INPLACE, methods=(f"{m}_",),
             sample=None, no_grad=_INPLACE_NOTE, float32=False)
      for m in (*INPLACE_FORMS, "float_power")),
    *(OpInfo(f"{m}_", "a write into the array", f"x = x.{m}(...)", INPLACE, methods=(f"{m}_",),
             sample=None, no_grad=_INPLACE_NOTE, float32=False)
      for m in ("index_fill", "index_copy", "masked_scatter", "index_put", "scatter_reduce",
                "put")),
    *(OpInfo(name, "a write into the array", doc, INPLACE, methods=(name,), sample=None,
             no_grad=_INPLACE_NOTE, float32=False)
      for name, doc in (("exponential_", "exponential draws of rate lambd"),
                        ("geometric_", "geometric draws: trials to the first success"),
                        ("log_normal_", "exp(N(mean, std^2)) draws"),
                        ("cauchy_", "Cauchy draws (median, sigma)"),
                        ("random_", "integers uniform on [from, to)"))),
    OpInfo("swapaxes_", "a write into the array", "x = x.swapaxes(dim0, dim1)", INPLACE,
           methods=("swapaxes_", "swapdims_"), sample=None, no_grad=_INPLACE_NOTE,
           float32=False),
    # ---- torch.* small ops (tinygrad_dl/functional/torch_top.py, tensor/printing.py) ---------
    OpInfo("rsub", "sub", "torch.rsub: other - alpha * input", "Arithmetic", torch=("rsub",),
           function=rsub, tensors=2, ref=lambda a, b, alpha=1: b - alpha * a,
           sample=Cases((case((2, 3), (3,)), case((), (2,), alpha=2.5), case((3, 1), (1, 2))))),
    OpInfo("row_stack", "concatenate", "torch.row_stack: vstack's other name", JOIN,
           torch=("row_stack",), function=row_stack, call=lambda *ts: row_stack(list(ts)),
           ref=lambda *a: np.vstack(a), sample=Cases((case((2, 3), (3,)), case((1, 2), (3, 2))))),
    OpInfo("msort", "sort", "torch.msort: sorted along dim 0", SORT, methods=("msort",),
           torch=("msort",), ref=lambda a: np.sort(a, axis=0),
           sample=Cases((case((4,), domain=DISTINCT), case((3, 2), domain=DISTINCT))),
           grad="through the permutation, as sort's"),
    OpInfo("vdot", "mul, sum", "torch.vdot: the dot product of two 1-D tensors", "Linear algebra",
           methods=("vdot",), torch=("vdot",), tensors=2, ref=np.vdot,
           sample=Cases((case((3,), (3,)), case((1,), (1,))))),
    OpInfo("byte", ops.Cast, "torch's x.byte(), x.char(), x.short(): uint8, int8, int16 copies",
           "Copies and casts", methods=("byte", "char", "short"), sample=None,
           no_grad="a constant: an integer result", float32=False),
    OpInfo("conj", "x itself", "torch's x.conj(), resolve_conj(), resolve_neg(): x itself (a "
           "real tensor; x.conj() of a complex one: its conjugate, a constant)",
           "Copies and casts", methods=("conj", "resolve_conj", "resolve_neg"),
           torch=("conj",), ref=lambda a: a, grad="g (x itself)"),
    OpInfo("real", "x itself", "torch's x.real: x itself (a real tensor; x.imag is refused); of a "
           "complex one: its parts, constants",
           "Copies and casts", methods=("real",), torch=("real",), function=real,
           call=lambda t: t.real, ref=lambda a: a,
           grad="g (x itself)"),
    *(OpInfo(name, ops.Transpose, f"torch's x.{name}: the last two dims swapped (conjugated "
             "if complex)", SHAPE, methods=(name,), call=call,
             torch=(name,) if name == "adjoint" else (),
             ref=lambda a: np.swapaxes(a, -2, -1),
             sample=Cases((case((2, 3)), case((2, 3, 4)), case((1, 2, 2, 1)))))
      for name, call in (("adjoint", lambda t: t.adjoint()), ("mH", lambda t: t.mH))),
    OpInfo("unravel_index", "NumPy's unravel_index (no graph)", "torch.unravel_index: the "
           "coordinates of flat indices in shape (int64 tensors)", SORT,
           torch=("unravel_index",), function=unravel_index, sample=None,
           no_grad="a constant: integer coordinates", float32=False,
           differs="indices outside [0, numel) are refused (torch wraps them around)"),
)
