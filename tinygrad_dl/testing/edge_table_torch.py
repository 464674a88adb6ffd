"""Edge rows of more of PyTorch's names (tests/test_torch_names6.py): the comparison methods,
type_as, t, ravel, narrow, select, the logical ops, trunc/frac/fmod, nansum/nanmean, median,
kthvalue, quantile, var_mean/std_mean. `T` in a `torch=` lambda is the torch module.
"""

from __future__ import annotations

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from .edge_table import E2, INF, NAN, E, rows


def _a(*v: float) -> np.ndarray:
    return np.array(v, dtype=np.float64)


X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])

# ---- the comparison methods (x.eq(y): the operators' rows cover their values) -------------------
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    rows(_name, lambda x, y, n=_name: getattr(x, n)(y), {
        "method: ties and nan": (_a(1.0, NAN, 2.0), _a(1.0, NAN, 3.0)), "method: empty": (E, E)},
         numpy=lambda x, y, n=_name: getattr(x, f"__{n}__")(y),
         torch=None, grad=(None, None))
    rows(_name, lambda x, n=_name: getattr(x, n)(1.0), {"method: a number": (_a(1.0, 2.0),)},
         numpy=lambda x, n=_name: getattr(x, f"__{n}__")(1.0), grad=(None,))

# ---- type_as, t, ravel, narrow, select ------------------------------------------------------
rows("type_as", lambda x, y: x.type_as(y), {
    "to float32": (_a(0.5, 1.25), np.zeros(1, np.float32)),
    "same dtype: x itself!": (_a(0.5, 1.25), _a(0.0))},
     numpy=lambda x, y: x.astype(y.dtype), wrt=(0,), torch=lambda T, x, y: x.type_as(y))
rows("type_as", lambda x, y: x.type_as(y), {"to int64": (_a(1.5, -2.5), np.zeros(1, np.int64))},
     numpy=lambda x, y: x.astype(y.dtype), wrt=(0,), grad=(None, None))
rows("type_as", lambda x: x.type_as(np.float32), {"a dtype, not a tensor": (_a(1.0),)},
     raises="type_as: other must be a Tensor")
rows("t", lambda x: x.t(), {
    "matrix!": (X23,), "vector: itself!": (_a(1.0, 2.0),), "0-d: itself!": (np.float64(2.0),),
    "empty": (E2,)}, numpy=lambda x: x.T, torch=lambda T, x: T.t(x))
rows("t", tg.t, {"3-d": (np.zeros((2, 2, 2)),)}, raises="t\\(\\) expects a tensor with at most 2")
rows("ravel", tg.ravel, {"matrix!": (X23,), "0-d!": (np.float64(2.0),), "empty": (E2,)},
     numpy=np.ravel, torch=lambda T, x: T.ravel(x))
rows("narrow", lambda x: x.narrow(1, -2, 2), {"negative start!": (X34,)},
     numpy=lambda x: x[:, 2:4], torch=lambda T, x: T.narrow(x, 1, -2, 2))
rows("narrow", lambda x: tg.narrow(x, 0, 3, 0), {"length 0 at the end": (X34,)},
     numpy=lambda x: x[3:3], torch=lambda T, x: T.narrow(x, 0, 3, 0))
rows("narrow", lambda x: x.narrow(1, 3, 2), {"past the end": (X34,)},
     raises="narrow: start \\(3\\) \\+ length \\(2\\) exceeds dim 1 of length 4")
rows("narrow", lambda x: x.narrow(0, 0, 1), {"0-d": (np.float64(1.0),)},
     raises="narrow: a 0-d tensor")
rows("narrow", lambda x: x.narrow(0, -4, 1), {"start below -n": (X34,)},
     raises="narrow: start -4 is out of range")
rows("select", lambda x: x.select(1, -1), {"negative index!": (X34,)},
     numpy=lambda x: x[:, -1], torch=lambda T, x: T.select(x, 1, -1))
rows("select", lambda x: tg.select(x, 0, 1), {"a row!": (X34,)},
     numpy=lambda x: x[1], torch=lambda T, x: T.select(x, 0, 1))
rows("select", lambda x: x.select(0, 3), {"index out of range": (X34,)},
     raises="select: index 3 is out of range for dim 0 of length 3")
rows("select", lambda x: x.select(0, 0), {"0-d": (np.float64(1.0),)},
     raises="select: a 0-d tensor")

# ---- logical ops: constant bool tensors -------------------------------------------------------
for _name in ("logical_and", "logical_or", "logical_xor"):
    rows(_name, getattr(tg, _name), {
        "empty": (E, E), "nan is true, -0.0 false": (_a(NAN, -0.0, 1.0, 0.0),
                                                     _a(1.0, 1.0, INF, 0.0)),
        "broadcast": (X23, _a(0.0, 1.0, 0.0))},
         numpy=getattr(np, _name), torch=None, grad=(None, None))
rows("logical_not", tg.logical_not, {"empty": (E,), "nan is true, -0.0 false":
                                     (_a(NAN, -0.0, 1.0, 0.0, INF),)},
     numpy=np.logical_not, grad=(None,))

# ---- trunc, frac, fmod ------------------------------------------------------------------------
_ROUNDING = {"empty": (E2,), "scalar!": (np.float64(0.3),), "one element!": (_a(0.7),),
             "+inf": (_a(INF),), "-inf": (_a(-INF),), "nan": (_a(NAN),),
             "integers": (_a(1.0, -2.0, 0.0),), "toward zero": (_a(-0.5, -1.7, 1.7),)}
rows("trunc", tg.trunc, _ROUNDING, numpy=np.trunc, torch=lambda T, x: T.trunc(x))
rows("trunc", lambda x: x.fix(), {"fix": (_a(-1.5, 2.5),)}, numpy=np.fix,
     torch=lambda T, x: T.fix(x))
rows("frac", tg.frac, _ROUNDING, numpy=lambda x: x - np.trunc(x),
     torch=lambda T, x: T.frac(x))
rows("fmod", tg.fmod, {
    "empty": (E, E), "one element!": (_a(0.7), _a(1.3)), "broadcast!": (_a(0.3, 1.2, 2.1),
                                                                         _a(1.7)),
    "negative dividend: x's sign!": (_a(-5.5, 5.5), _a(2.0, -2.0)),
    "+inf": (_a(INF), _a(2.0)), "by +inf": (_a(1.5), _a(INF)), "nan": (_a(NAN), _a(2.0)),
    "by zero": (_a(1.0), _a(0.0))}, numpy=np.fmod, torch=lambda T, x, y: T.fmod(x, y))
rows("fmod", lambda x: x.fmod(2), {"a number!": (_a(-5.5, 3.25),)},
     numpy=lambda x: np.fmod(x, 2.0), torch=lambda T, x: T.fmod(x, 2))

# ---- nansum, nanmean ------------------------------------------------------------------------
_NANS = {"empty": (E,), "scalar!": (np.float64(0.4),), "one element!": (_a(0.7),),
         "nan": (_a(NAN, 1.0, 2.5),), "all nan": (_a(NAN, NAN),), "+inf": (_a(INF, 1.0),),
         "inf and -inf": (_a(INF, -INF),)}
_ROWS = np.array([[NAN, 1.0, 2.0], [NAN, NAN, NAN], [0.5, -1.0, NAN]])
rows("nansum", tg.nansum, _NANS, numpy=np.nansum, torch=lambda T, x: T.nansum(x))
rows("nansum", lambda x: x.nansum(dim=1, keepdim=True), {"rows with nans": (_ROWS,)},
     numpy=lambda x: np.nansum(x, axis=1, keepdims=True),
     torch=lambda T, x: T.nansum(x, dim=1, keepdim=True))
rows("nansum", tg.nansum, {"integers": (np.array([1, 2, 3]),)}, numpy=np.nansum)
rows("nanmean", tg.nanmean, {k: v for k, v in _NANS.items() if k != "empty"},
     numpy=np.nanmean, torch=lambda T, x: T.nanmean(x))
rows("nanmean", lambda x: x.nanmean(dim=1), {"rows with nans": (_ROWS,)},
     numpy=lambda x: np.nanmean(x, axis=1), torch=lambda T, x: T.nanmean(x, dim=1))
rows("nanmean", tg.nanmean, {"integers": (np.array([1, 2, 3]),)},
     raises="nanmean: expects a floating-point tensor")

# ---- median, kthvalue, quantile ----------------------------------------------------------------
_MEDIAN = "the lower of the two middle values (torch's; np.median averages them)"
rows("median", tg.median, {
    "one element!": (_a(0.7),), "scalar!": (np.float64(0.4),), "even count!": (_a(3.0, 1.0, 2.5,
                                                                                 -1.0),),
    "ties share the gradient": (_a(1.0, 2.0, 2.0, 3.0),), "nan": (_a(1.0, NAN, 0.0),),
    "two nans share it": (_a(NAN, 1.0, NAN),), "+inf": (_a(INF, INF, 1.0),),
    "matrix!": (X34,)}, numpy=lambda x: np.sort(x, axis=None)[(x.size - 1) // 2]
     if not np.isnan(x).any() else np.array(NAN), numpy_warns=False,
     torch=lambda T, x: T.median(x), note=_MEDIAN)
rows("median", tg.median, {"empty": (E,)}, numpy=lambda x: np.array(NAN), grad=(E,),
     note="NaN, as torch's median() of no values")
rows("median", lambda x: x.median(dim=1).values, {
    "dim: ties": (np.array([[1.0, 2.0, 2.0, 2.0, 3.0], [5.0, 4.0, 4.0, 1.0, 1.0]]),),
    "dim: nan, the first one's index": (np.array([[1.0, NAN, 0.0, NAN], [1.0, 2.0, 3.0, 4.0]]),),
    "dim: length 1!": (np.array([[0.5], [1.5]]),)},
     numpy=lambda x: np.where(np.isnan(x).any(1), NAN, np.sort(x, 1)[:, (x.shape[1] - 1) // 2]),
     numpy_warns=False, torch=lambda T, x: T.median(x, dim=1).values, note=_MEDIAN)
rows("median", lambda x: Tensor(x.median(dim=1).indices.data.astype(float)), {
    "dim: indices, ties and nan": (np.array([[1.0, 2.0, 2.0, 2.0, 3.0],
                                             [1.0, NAN, 0.0, NAN, 2.0]]),)},
     numpy=lambda x: np.array([2.0, 1.0]), grad=(None,))
rows("median", lambda x: x.median(dim=0).values, {"0-d with dim!": (np.float64(0.4),)},
     numpy=lambda x: x, torch=lambda T, x: T.median(x, dim=0).values)
rows("median", lambda x: x.median(dim=1), {"dim: empty": (E2,)},
     raises="median: dim 1 of a tensor of shape \\(2, 0\\) is empty")
rows("median", lambda x: x.median(keepdim=True), {"keepdim without dim": (_a(1.0),)},
     raises="median: keepdim needs a dim")
_TIES = ("the second tied value: a stable sort's place for k = 2 (torch's selection gives "
         "index 3 here: which tied entry it picks is unspecified, torch's docs say)")
rows("kthvalue", lambda x: x.kthvalue(2).values, {"ties": (_a(3.0, 1.0, 1.0, 1.0, 2.0),)},
     numpy=lambda x: np.array(1.0), grad=(_a(0.0, 0.0, 1.0, 0.0, 0.0),), note=_TIES)
rows("kthvalue", lambda x: x.kthvalue(5).values, {"nan is the largest": (_a(3.0, NAN, 1.0,
                                                                             1.0, 2.0),)},
     numpy=lambda x: np.array(NAN), numpy_warns=False, torch=lambda T, x: T.kthvalue(x, 5).values)
rows("kthvalue", lambda x: x.kthvalue(2, dim=0, keepdim=True).values, {"dim 0, keepdim!": (X34,)},
     numpy=lambda x: np.sort(x, 0)[1:2], torch=lambda T, x: T.kthvalue(x, 2, 0, True).values)
rows("kthvalue", lambda x: x.kthvalue(1).values, {"0-d!": (np.float64(0.4),)},
     numpy=lambda x: x, torch=lambda T, x: T.kthvalue(x, 1).values)
rows("kthvalue", lambda x: x.kthvalue(4), {"k above the length": (_a(1.0, 2.0, 3.0),)},
     raises="kthvalue: k must be an int in \\[1, 3\\]")
rows("kthvalue", lambda x: x.kthvalue(0), {"k = 0": (_a(1.0, 2.0, 3.0),)},
     raises="kthvalue: k must be an int")
for _how in ("linear", "lower", "higher", "midpoint", "nearest"):
    rows("quantile", lambda x, h=_how: x.quantile(0.4, interpolation=h), {
        f"{_how}!": (_a(0.5, -1.2, 3.0, 2.2),),
        f"{_how}: ties": (_a(1.0, 2.0, 2.0, 2.0, 3.0, 0.0),),
        f"{_how}: nan": (_a(1.0, NAN, 3.0),), f"{_how}: +inf": (_a(1.0, INF, 3.0, -INF),)},
         numpy=lambda x, h=_how: np.array(NAN) if np.isnan(x).any() else
         np.quantile(x, 0.4, method=h), numpy_warns=False,
         torch=lambda T, x, h=_how: T.quantile(x, 0.4, interpolation=h))
rows("quantile", lambda x: x.quantile(0.125, interpolation="nearest"),
     {"nearest: half to even": (_a(4.0, 1.0, 2.0, 3.0, 0.0),)},
     numpy=lambda x: np.array(0.0), torch=lambda T, x: T.quantile(x, 0.125,
                                                                  interpolation="nearest"))
rows("quantile", lambda x: x.quantile(Tensor(_a(0.0, 0.5, 1.0)), dim=1, keepdim=True),
     {"q a tensor, dim, keepdim!": (X34,)},
     numpy=lambda x: np.quantile(x, [0.0, 0.5, 1.0], axis=1, keepdims=True),
     torch=lambda T, x: T.quantile(x, T.tensor([0.0, 0.5, 1.0], dtype=x.dtype), dim=1,
                                   keepdim=True))
rows("quantile", lambda x: x.quantile(0.5, dim=0), {"0-d!": (np.float64(0.4),)},
     numpy=lambda x: x, torch=lambda T, x: T.quantile(x, 0.5, dim=0))
rows("quantile", lambda x: x.quantile(1.5), {"q above 1": (_a(1.0, 2.0),)},
     raises="quantile: q must be")
rows("quantile", lambda x: x.quantile(0.5), {"empty": (E,)}, raises="quantile: the input")
rows("quantile", lambda x: x.quantile(0.5), {"integers": (np.array([1, 2]),)},
     raises="quantile: expects a float tensor")
rows("quantile", lambda x: x.quantile(0.5, interpolation="cubic"), {"unknown interpolation":
                                                                    (_a(1.0, 2.0),)},
     raises="quantile: interpolation must be one of")

# ---- var_mean, std_mean ----------------------------------------------------------------------
for _name, _np in (("var_mean", np.var), ("std_mean", np.std)):
    rows(_name, lambda x, n=_name: tg.stack(list(getattr(tg, n)(x, dim=-1))), {
        "spread!": (_a(0.5, 1.7, -0.4),), "constant": (_a(2.0, 2.0, 2.0),),
        "rows!": (X34,), "nan": (_a(NAN, 1.0),), "+inf": (_a(INF, 1.0),),
        "one element": (_a(0.7),)},
         numpy=lambda x, f=_np: np.stack([f(x, axis=-1, ddof=1), x.mean(-1)]),
         torch=lambda T, x, n=_name: T.stack(getattr(T, n)(x, dim=-1)))
    rows(_name, lambda x, n=_name: tg.stack(list(getattr(tg, n)(x, False))), {
        "unbiased=False positionally!": (_a(0.5, 1.7, -0.4),)},
         numpy=lambda x, f=_np: np.stack([f(x), x.mean()]),
         torch=lambda T, x, n=_name: T.stack(getattr(T, n)(x, False)))
    rows(_name, lambda x, n=_name: tg.stack(list(getattr(tg, n)(x, dim=(0, 1), correction=0,
                                                                   keepdim=True))), {
        "correction=0 over two dims, keepdim!": (X34,)},
         numpy=lambda x, f=_np: np.stack([f(x, axis=(0, 1), keepdims=True),
                                          x.mean((0, 1), keepdims=True)]),
         torch=lambda T, x, n=_name: T.stack(getattr(T, n)(x, dim=(0, 1), correction=0,
                                                           keepdim=True)))
    rows(_name, lambda x, n=_name: getattr(tg, n)(x, dim=2)[0], {"dim out of range":
                                                                 (X34,)},
         raises=f"{_name}: .*axis 2 is out of bounds")

# ---- fused products and sums ---------------------------------------------------------------
_A, _B = X34[:, :3], X34.T[:3]  # (3, 3) each
rows("addmm", lambda c, a, b: c.addmm(a, b, beta=0.5, alpha=2.0), {
    "broadcast x!": (_a(0.5, -1.0, 2.0), _A, _B), "empty inner dim": (np.zeros((3, 2)),
                                                                     np.zeros((3, 0)),
                                                                     np.zeros((0, 2)))},
     numpy=lambda c, a, b: 0.5 * c + 2.0 * a @ b,
     torch=lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=2.0))
rows("addmm", lambda c, a, b: tg.addmm(c, a, b, beta=0), {"beta=0 ignores a nan x":
                                                         (_a(NAN, 1.0, INF), _A, _B)},
     numpy=lambda c, a, b: a @ b, torch=lambda T, c, a, b: T.addmm(c, a, b, beta=0))
rows("addmm", lambda c, a, b: c.addmm(a, b), {"a 1-D mat1": (_a(1.0), _a(1.0, 2.0), _B)},
     raises="addmm: mat1 must be 2-D")
rows("mv", tg.mv, {"matrix-vector!": (_A, _a(0.5, -1.0, 2.0)), "empty": (np.zeros((2, 0)), E)},
     numpy=np.matmul, torch=lambda T, m, v: T.mv(m, v))
rows("mv", tg.mv, {"lengths differ": (_A, _a(1.0, 2.0))}, raises="mv: a matrix of shape")
rows("mv", tg.mv, {"a matrix for vec": (_A, _A)}, raises="mv: vec must be 1-D")
rows("baddbmm", lambda c, a, b: c.baddbmm(a, b, alpha=-1.0), {
    "batches!": (np.zeros((2, 3, 3)) + 0.5, np.stack([_A, _B]), np.stack([_B, _A]))},
     numpy=lambda c, a, b: c - a @ b, torch=lambda T, c, a, b: T.baddbmm(c, a, b, alpha=-1.0))
rows("baddbmm", lambda c, a, b: c.baddbmm(a, b), {"batch sizes differ":
                                                  (_a(0.0), np.zeros((2, 3, 3)),
                                                   np.zeros((1, 3, 3)))},
     raises="baddbmm: batch sizes differ")
rows("addcmul", lambda c, a, b: tg.addcmul(c, a, b, value=0.5), {
    "broadcast!": (_a(1.0, 2.0, 3.0), X34[:, :3], _a(2.0)), "inf * 0": (_a(1.0), _a(INF),
                                                                      _a(0.0))},
     numpy=lambda c, a, b: c + 0.5 * a * b,
     torch=lambda T, c, a, b: T.addcmul(c, a, b, value=0.5))
rows("addcdiv", lambda c, a, b: tg.addcdiv(c, a, b, value=0.5), {
    "broadcast!": (_a(1.0, 2.0, 3.0), X34[:, :3], _a(2.0)), "by zero": (_a(1.0), _a(1.0),
                                                                       _a(0.0))},
     numpy=lambda c, a, b: c + 0.5 * a / b,
     torch=lambda T, c, a, b: T.addcdiv(c, a, b, value=0.5))

# ---- elementwise ------------------------------------------------------------------------------
rows("xlogy", tg.xlogy, {
    "x = 0: 0, whatever y": (_a(0.0, 0.0, 0.0, 0.0), _a(0.0, 2.0, INF, -1.0)),
    "y nan": (_a(0.0, 1.0), _a(NAN, NAN)), "y = 0": (_a(2.0), _a(0.0)),
    "y < 0": (_a(2.0), _a(-1.0)), "spread!": (_a(0.5, -1.5), _a(0.3, 2.0)), "empty": (E, E)},
     numpy=lambda x, y: np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log(y)),
     numpy_warns=False, torch=lambda T, x, y: T.xlogy(x, y))
rows("xlogy", lambda x: x.xlogy(2.0), {"a number!": (_a(0.0, 1.5),)},
     numpy=lambda x: x * np.log(2.0), torch=lambda T, x: T.xlogy(x, 2.0))
rows("logit", tg.logit, {
    "0 and 1": (_a(0.0, 1.0),), "outside [0, 1]": (_a(-0.5, 1.5),), "nan": (_a(NAN),),
    "spread!": (_a(0.1, 0.5, 0.8),), "empty": (E,)},
     numpy=lambda x: np.log(x / (1 - x)), torch=lambda T, x: T.logit(x))
rows("logit", lambda x: x.logit(eps=0.1), {
    "eps clamps, the bounds included": (_a(0.0, 0.1, 0.5, 0.9, 1.0, -3.0),)},
     numpy=lambda x: np.log(np.clip(x, 0.1, 0.9) / (1 - np.clip(x, 0.1, 0.9))),
     torch=lambda T, x: T.logit(x, eps=0.1))
rows("copysign", tg.copysign, {
    "signed zeros": (_a(1.0, -2.0, 0.0, -0.0), _a(-0.0, 0.0, -1.0, 1.0)),
    "nan and inf": (_a(NAN, INF, 2.0), _a(-1.0, -1.0, -INF)), "spread!": (_a(0.5, -1.5),
                                                                          _a(-2.0, 3.0)),
    "empty": (E, E)}, numpy=np.copysign, torch=lambda T, x, y: T.copysign(x, y))
rows("signbit", tg.signbit, {"signed zeros, nan, inf": (_a(-0.0, 0.0, NAN, -INF, -1.0),),
                             "empty": (E,)}, numpy=np.signbit, grad=(None,))
rows("float_power", tg.float_power, {
    "float32 in, float64 out!": (np.array([1.5, 2.0], np.float32), np.array([2.5], np.float32)),
    "zero base": (_a(0.0, 0.0), _a(2.0, 0.0)), "out of domain": (_a(-2.0), _a(0.5)),
    "empty": (E, E)}, numpy=np.float_power, torch=lambda T, x, y: T.float_power(x, y))
rows("take", lambda x: x.take(Tensor(np.array([[0, -1], [5, 5]]))), {"repeats add up!": (X34,)},
     numpy=lambda x: x.ravel()[[[0, -1], [5, 5]]],
     torch=lambda T, x: T.take(x, T.tensor([[0, -1], [5, 5]])))
rows("take", lambda x: tg.take(x, np.array([12])), {"out of range": (X34,)},
     raises="take: an index is out of range")

# ---- running reductions ---------------------------------------------------------------------
_RUN = {"ties: the latest": (np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 0.0]]),),
        "nan sticks": (np.array([[1.0, NAN, 3.0, NAN, 0.0], [-INF, INF, 0.0, 1.0, 2.0]]),),
        "spread!": (X34,), "empty": (E2,)}
for _name, _f in (("cummax", np.fmax), ("cummin", np.fmin)):
    rows(_name, lambda x, n=_name: getattr(x, n)(1).values, _RUN,
         numpy=lambda x, f=_f: np.where(np.isnan(x).cumsum(1) > 0, NAN, f.accumulate(x, 1))
         if x.size else x, numpy_warns=False, torch=lambda T, x, n=_name: getattr(T, n)(x, 1)
         .values)
    rows(_name, lambda x, n=_name: Tensor(getattr(x, n)(1).indices.data.astype(float)), {
        "indices": (_RUN["ties: the latest"][0],)}, grad=(None,),
         numpy=lambda x, n=_name: np.array([[0.0, 1, 2, 2, 4], [0, 1, 1, 1, 1]] if n == "cummax"
                                           else [[0.0, 0, 0, 0, 0], [0, 1, 2, 3, 4]]))
    rows(_name, lambda x, n=_name: getattr(x, n)(2), {"dim out of range": (X34,)},
         raises=f"{_name}: ")
rows("logcumsumexp", lambda x: x.logcumsumexp(1), {
    "spread!": (X34,), "-inf first": (np.array([[-INF, -INF, 0.5], [1.0, -INF, 2.0]]),),
    "large!": (np.array([[1000.0, 1000.5, 999.0]]),), "empty": (E2,)},
     numpy=lambda x: np.logaddexp.accumulate(x, 1) if x.size else x,
     torch=lambda T, x: T.logcumsumexp(x, 1))
rows("logcumsumexp", lambda x: x.logcumsumexp(0), {"0-d!": (np.float64(0.3),)},
     numpy=lambda x: x, torch=lambda T, x: T.logcumsumexp(x, 0))

# ---- flips, diagonals, determinants, inverses ----------------------------------------------------
rows("fliplr", tg.fliplr, {"matrix!": (X34,), "empty": (E2,)}, numpy=np.fliplr,
     torch=lambda T, x: T.fliplr(x))
rows("fliplr", tg.fliplr, {"1-D": (_a(1.0, 2.0),)}, raises="fliplr: expects at least 2 dims")
rows("flipud", tg.flipud, {"matrix!": (X34,), "vector!": (_a(1.0, 2.0),), "empty": (E,)},
     numpy=np.flipud, torch=lambda T, x: T.flipud(x))
rows("flipud", tg.flipud, {"0-d": (np.float64(1.0),)}, raises="flipud: expects at least 1 dim")
rows("diagflat", lambda x: tg.diagflat(x, 1), {"matrix, offset 1!": (X23,), "empty": (E,)},
     numpy=lambda x: np.diagflat(x, 1), torch=lambda T, x: T.diagflat(x, 1))
rows("diag_embed", lambda x: x.diag_embed(), {"matrix!": (X23,), "inf stays on the diagonal":
                                              (_a(INF, NAN),), "empty": (E2,)},
     numpy=lambda x: np.apply_along_axis(np.diag, -1, x) if x.size else np.zeros((2, 0, 0)),
     torch=lambda T, x: T.diag_embed(x))
rows("diag_embed", lambda x: x.diag_embed(-1, 0, 2), {"offset, dims!": (X23,)},
     numpy=lambda x: np.moveaxis(np.stack([np.diag(r, -1) for r in x]), (1, 2), (0, 2)),
     torch=lambda T, x: T.diag_embed(x, -1, 0, 2))
rows("diag_embed", lambda x: x.diag_embed(0, 1, -2), {"dim1 = dim2": (X23,)},
     raises="diag_embed: dim1 and dim2 must differ")
_SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
rows("det", tg.det, {"spread!": (_A,), "batch!": (np.stack([_A, _B]),), "1 x 1!": (_a(2.5)
                                                                                 .reshape(1, 1),),
                     "0 x 0": (np.zeros((0, 0)),)},
     numpy=np.linalg.det, torch=lambda T, x: T.det(x))
rows("det", tg.det, {"singular!": (_SINGULAR,)}, numpy=np.linalg.det,
     grad=(np.array([[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]]),),
     note="the cofactor matrix, as finite differences (torch 2.13's CPU gives zeros here)")
rows("det", tg.det, {"not square": (X23,)}, raises="det: expects square matrices")
rows("inverse", tg.inverse, {"spread!": (_A,), "batch!": (np.stack([_A, _B]),)},
     numpy=np.linalg.inv, torch=lambda T, x: T.inverse(x))
rows("inverse", tg.inverse, {"singular": (_SINGULAR,)}, raises="inverse: a matrix of the input")
rows("inverse", tg.inverse, {"not square": (X23,)}, raises="inverse: expects square matrices")


# ---- in-place forms: the op's values written back (rules: tinygrad_dl/tensor/inplace.py) -----
def _inplace(method: str, *args: object) -> object:
    def call(x: Tensor) -> Tensor:
        getattr(x, method)(*args)
        return x
    return call


_IP = {"empty": (E,), "one element": (_a(0.7),), "inf and nan": (_a(INF, -INF, NAN, -0.5),)}
for _name, _args, _np in (
        ("relu_", (), lambda x: np.maximum(x, 0)), ("sigmoid_", (), lambda x: 1 / (1 + np.exp(-x))),
        ("tanh_", (), np.tanh), ("exp_", (), np.exp), ("sqrt_", (), np.sqrt),
        ("abs_", (), np.abs), ("neg_", (), np.negative), ("sign_", (), np.sign),
        ("clip_", (-1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0))):
    rows(_name, _inplace(_name, *_args), _IP, numpy=_np, wrt=(), grad=(None,),
         numpy_warns=False)
    rows(_name, _inplace(_name, *_args), {"a leaf that requires grad": (_a(1.0),)},
         wrt=(0,), raises=f"Tensor.{_name}.*a leaf Variable that requires grad")
rows("sigmoid_", _inplace("sigmoid_"), {"an integer tensor": (np.array([1, 2]),)},
     raises="Tensor.sigmoid_.*same_kind")
rows("relu_", lambda x: (x * 2).relu_(), {"an op's result": (_a(1.0),)}, wrt=(0,),
     raises="Tensor.relu_: in-place on the result of Mul")
for _name in ("tril_", "triu_"):
    rows(_name, _inplace(_name, -1), {"matrix": (X34.copy(),), "empty": (E2,)},
         numpy=lambda x, n=_name: getattr(np, n[:-1])(x, -1), wrt=(), grad=(None,))
rows("masked_fill_", _inplace("masked_fill_", np.array([True, False, True]), -INF), {
    "rows": (X23.copy(),)}, numpy=lambda x: np.where([True, False, True], -INF, x), wrt=(),
     grad=(None,))
rows("masked_fill_", lambda x, v: (x.masked_fill_(np.array([True]), v), x)[1],
     {"a value that requires grad": (_a(1.0), _a(2.0))}, wrt=(1,),
     raises="Tensor.masked_fill_: the operand requires grad")
rows("index_add_", _inplace("index_add_", 0, np.array([1, 1]), np.ones((2, 3)), 0.5), {
    "repeats add up": (X23.copy(),)}, numpy=lambda x: x + np.array([[0.0], [1.0]]), wrt=(),
     grad=(None,))
rows("index_add_", _inplace("index_add_", 0, np.array([1]), np.ones((2, 3))), {
    "source of another shape": (X23.copy(),)}, wrt=(), raises="index_add: source of shape")
rows("scatter_", _inplace("scatter_", 1, np.array([[2], [0]]), np.array([[9.0], [8.0]])), {
    "rows": (X23.copy(),)}, numpy=lambda x: np.array([[x[0, 0], x[0, 1], 9.0],
                                                      [8.0, x[1, 1], x[1, 2]]]), wrt=(),
     grad=(None,))
rows("uniform_", lambda x: Tensor(((x.uniform_(2.0, 3.0).data >= 2) & (x.data < 3)).astype(float)),
     {"within [a, b)": (np.zeros(50),), "empty": (E,)}, numpy=np.ones_like, wrt=(),
     grad=(None,))
rows("uniform_", _inplace("uniform_"), {"an integer tensor": (np.array([1, 2]),)},
     raises="Tensor.uniform_: this tensor's dtype int64 cannot hold random floats")
rows("normal_", lambda x: Tensor(np.asarray(float(x.normal_(5.0, 0.0).data.mean()))),
     {"std 0: the mean": (np.zeros(4),)}, numpy=lambda x: np.array(5.0), wrt=(), grad=(None,))
rows("normal_", _inplace("normal_", 0.0, -1.0), {"negative std": (np.zeros(2),)},
     raises="Tensor.normal_: std must be >= 0")


# ---- floor_divide, heaviside, isin, joins, cov/corrcoef, trapezoid ----------------------------
_STEP = "gradient 0, floor's rule (torch's backward of floor_divide and heaviside raises)"
for _case, _x, _y in (("by zero", _a(5.0, -5.0, 0.0), _a(0.0, 0.0, 0.0)),
                      ("signs: Python's //", _a(7.5, -7.5, 7.5), _a(2.0, 2.0, -2.0)),
                      ("1 // 0.1", _a(1.0), _a(0.1)),
                      ("nan and inf", _a(NAN, INF, 1.0), _a(2.0, 2.0, INF)), ("empty", E, E)):
    rows("floor_divide", lambda x, y: x // y, {_case: (_x, _y)}, numpy=np.floor_divide,
         grad=(np.zeros_like(_x), np.zeros_like(_y)), note=_STEP)
rows("floor_divide", lambda x: 10 // x, {"reflected": (_a(3.0, -4.0),)},
     numpy=lambda x: 10 // x, grad=(_a(0.0, 0.0),), note=_STEP)
# div(rounding_mode=): torch's values; a zero gradient, torch's own (not floor_divide's raise)
for _mode, _ref in (("trunc", lambda x, y: np.trunc(np.true_divide(x, y))),
                    ("floor", np.floor_divide)):
    for _case, _x, _y in (("by zero", _a(5.0, -5.0, 0.0), _a(0.0, 0.0, 0.0)),
                          ("signs", _a(7.5, -7.5, 7.5, -0.0), _a(2.0, 2.0, -2.0, 3.0)),
                          ("nan and inf", _a(NAN, INF, 1.0, 5.0), _a(2.0, 2.0, INF, -INF)),
                          ("empty", E, E)):
        rows("div", lambda x, y, m=_mode: x.div(y, rounding_mode=m),
             {f"rounding_mode={_mode}: {_case}": (_x, _y)}, numpy=_ref,
             torch=lambda T, x, y, m=_mode: T.div(x, y, rounding_mode=m))
    rows("div", lambda x, y, m=_mode: tg.div(x, y, rounding_mode=m),
         {f"rounding_mode={_mode}: int64 past 2**53": (np.array([2**62 + 1, -(2**53) - 1]),
                                                       np.array([3, 2]))},
         numpy=_ref if _mode == "floor" else lambda x, y: np.array([(2**62 + 1) // 3,
                                                                   -(2**52)]),
         grad=(None, None))
    rows("div", lambda x, y, m=_mode: x.div(y, rounding_mode=m),
         {f"rounding_mode={_mode}: integer by zero": (np.array([7, -7]), np.array([1, 0]))},
         raises="integer division by zero")
for _case, _x, _y in (("at 0: values", _a(-1.0, 0.0, -0.0, 2.0), _a(0.5, 0.5, 0.25, 0.5)),
                      ("nan: 0, torch's", _a(NAN), _a(0.5)), ("empty", E, E)):
    rows("heaviside", tg.heaviside, {_case: (_x, _y)},
         numpy=lambda x, v: np.where(x == 0, v, x > 0).astype(float), numpy_warns=False,
         grad=(np.zeros_like(_x), np.zeros_like(_y)), note=_STEP)
rows("isin", tg.isin, {"nan is in nothing, -0.0 is 0": (_a(NAN, -0.0, 1.0, 2.0),
                                                          _a(NAN, 0.0, 2.0)),
                       "empty": (E, _a(1.0)), "nothing to test": (_a(1.0), E)},
     numpy=np.isin, grad=(None, None))
rows("dstack", lambda x, y: tg.dstack([x, y]), {
    "1-D!": (_a(1.0, 2.0), _a(3.0, 4.0)), "2-D!": (X23, X23), "empty": (E2, E2)},
     numpy=lambda x, y: np.dstack([x, y]), torch=lambda T, x, y: T.dstack([x, y]))
rows("dstack", lambda x, y: tg.dstack([x, y]), {"shapes differ": (X23, X34)},
     raises="(?i)concatenate")
rows("block_diag", tg.block_diag, {
    "matrix, vector, 0-d!": (X23, _a(1.0, 2.0), np.float64(3.0)),
    "an empty block": (E2, X23), "inf stays in its block": (_a(INF), _a(NAN))},
     numpy=lambda *b: __import__("tinygrad_dl.optable.refs", fromlist=["x"]).block_diag_ref(*b),
     torch=lambda T, *b: T.block_diag(*b))
rows("block_diag", tg.block_diag, {"3-D": (np.zeros((1, 1, 1)),)},
     raises="block_diag: expects tensors of at most 2 dims")
rows("cartesian_prod", tg.cartesian_prod, {
    "two!": (_a(1.0, 2.0, 3.0), _a(-1.0, 0.5)), "one: itself!": (_a(1.0, 2.0),),
    "an empty one": (_a(1.0, 2.0), E)},
     numpy=lambda *a: np.array(list(__import__("itertools").product(*a))).reshape(-1, len(a))
     if len(a) > 1 else a[0], torch=lambda T, *a: T.cartesian_prod(*a))
rows("cartesian_prod", tg.cartesian_prod, {"2-D": (X23, X23)},
     raises="cartesian_prod: expects one or more 1-D tensors")
rows("cov", tg.cov, {"rows!": (X34,), "one variable!": (_a(0.5, 1.5, -1.0),),
                     "one observation": (np.array([[1.0], [2.0]]),), "nan": (_a(NAN, 1.0, 2.0),)},
     numpy=lambda x: np.cov(x), numpy_warns=False, torch=lambda T, x: T.cov(x))
rows("cov", lambda x: tg.cov(x, correction=0), {"correction=0!": (X34,)},
     numpy=lambda x: np.cov(x, ddof=0), torch=lambda T, x: T.cov(x, correction=0))
rows("cov", lambda x: tg.cov(x, fweights=np.array([1, 2, 1, 3])), {"fweights": (X34,)},
     numpy=lambda x: np.cov(x, fweights=np.array([1, 2, 1, 3])),
     torch=lambda T, x: T.cov(x, fweights=T.tensor([1, 2, 1, 3])))
rows("cov", lambda x: tg.cov(x, fweights=np.ones(4)), {"float fweights": (X34,)},
     raises="cov: fweights must be integers")
rows("corrcoef", tg.corrcoef, {"rows!": (X34,), "a constant row": (np.array([[1.0, 1.0, 1.0],
                                                                          [1.0, 2.0, 4.0]]),)},
     numpy=np.corrcoef, numpy_warns=False, torch=lambda T, x: T.corrcoef(x))
rows("trapezoid", tg.trapezoid, {"rows!": (X34,), "inf": (_a(1.0, INF, 2.0),)},
     numpy=np.trapezoid, torch=lambda T, y: T.trapezoid(y))
rows("trapezoid", tg.trapezoid, {"one sample": (_a(2.0),)}, numpy=np.trapezoid,
     grad=(_a(0.0),))
rows("trapezoid", tg.trapezoid, {"empty": (E,)}, numpy=np.trapezoid, grad=(E,))
rows("trapezoid", lambda y, x: tg.trapezoid(y, x), {"at points x!": (X34, _a(0.0, 0.5, 2.0,
                                                                              2.5))},
     numpy=lambda y, x: np.trapezoid(y, x), torch=lambda T, y, x: T.trapezoid(y, x))
rows("trapezoid", lambda y: tg.trapezoid(y, dx=0.25, dim=0), {"dx, dim 0!": (X34,)},
     numpy=lambda y: np.trapezoid(y, dx=0.25, axis=0),
     torch=lambda T, y: T.trapezoid(y, dx=0.25, dim=0))
rows("trapezoid", tg.trapezoid, {"0-d": (np.float64(1.0),)},
     raises="trapezoid: expects at least 1 dim")
for _name, _args, _np in (("squeeze_", (), np.squeeze), ("squeeze_", (0,), np.squeeze),
                          ("unsqueeze_", (-1,), lambda x: x[..., None]),
                          ("transpose_", (0, 1), lambda x: np.swapaxes(x, 0, 1)),
                          ("t_", (), lambda x: x.T)):
    rows(_name, _inplace(_name, *_args), {f"{_args}": (X23[None] if _name == "squeeze_" else
                                                        X23,)},
         numpy=_np, wrt=(), grad=(None,))
    rows(_name, _inplace(_name, *_args), {"a leaf that requires grad": (X23.copy(),)},
         wrt=(0,), raises=f"Tensor.{_name}.*a leaf Variable that requires grad")
rows("unsqueeze_", _inplace("unsqueeze_", 3), {"dim out of range": (X23,)}, wrt=(),
     raises="Tensor.unsqueeze_: ")
rows("t_", _inplace("t_"), {"3-d": (np.zeros((2, 2, 2)),)}, wrt=(),
     raises="Tensor.t_: t\\(\\) expects")
