"""Op-table rows of writes in place: x[i] = v (setitem, CORE); the in-place forms
(tinygrad_dl/tensor/inplace_forms.py): x.sin_(), x.index_fill_() and the rest, the op's values
written into x, no graph (inplace.py's rules); the in-place draws (exponential_, geometric_,
log_normal_, cauchy_, random_, bernoulli_) and swapaxes_, cumsum_, cumprod_, scatter_add_,
addmm_, fill_diagonal_."""

from __future__ import annotations

from ..tensor.inplace_forms import INPLACE_FORMS, INPLACE_FORMS3
from .spec import INPLACE, OpInfo

_INPLACE_NOTE = ("writes in place: no graph (refused where a gradient needs the old values; "
                 "see Trustworthy gradients)")


def _inplace(name: str, doc: str) -> OpInfo:
    return OpInfo(name, "a write into the array", doc, INPLACE, methods=(name,), sample=None,
                  no_grad=_INPLACE_NOTE, float32=False)


# (the topic's first rows, before ROWS on the ops page: table.py keeps the table's order)
CORE: tuple[OpInfo, ...] = (
    # ---- in place: writes into the tensor's array, no graph (trust-ops' semantics) ---------------
    *(OpInfo(name, "a write into the array", doc, INPLACE, methods=(name,), syntax=syntax,
             sample=None, no_grad="writes in place: no graph (refused where a gradient needs "
             "the old values; see Trustworthy gradients)", float32=False)
      for name, doc, syntax in (
          ("add_", "x += alpha * y", ("x += y",)), ("sub_", "x -= alpha * y", ("x -= y",)),
          ("mul_", "x *= y", ("x *= y",)), ("div_", "x /= y", ("x /= y",)),
          ("zero_", "x = 0", ()), ("fill_", "x = value", ()),
          ("copy_", "x = src (broadcast)", ()), ("clamp_", "x = clamp(x, min, max)", ()),
          *((f"{n}_", f"x = x.{n}()", ()) for n in ("relu", "sigmoid", "tanh", "exp", "sqrt",
                                                     "abs", "neg", "sign")),
          ("clip_", "x = clip(x, min, max)", ()), ("tril_", "x = x.tril(diagonal)", ()),
          ("triu_", "x = x.triu(diagonal)", ()),
          ("masked_fill_", "x = x.masked_fill(mask, value)", ()),
          ("index_add_", "x = x.index_add(dim, index, source, alpha)", ()),
          ("scatter_", "x = x.scatter(dim, index, src)", ()),
          ("uniform_", "uniform draws on [a, b)", ()), ("normal_", "N(mean, std^2) draws", ()),
          ("squeeze_", "x = x.squeeze(dim)", ()), ("unsqueeze_", "x = x.unsqueeze(dim)", ()),
          ("transpose_", "x = x.swapaxes(dim0, dim1)", ()), ("t_", "x = x.t()", ()))),
    OpInfo("setitem", "a write into the array", "x[index] = value", INPLACE,
           methods=("__setitem__",), syntax=("x[i] = v",), sample=None,
           no_grad="writes in place: no graph", float32=False),
)


ROWS: tuple[OpInfo, ...] = (
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
    _inplace("cumsum_", "x = x.cumsum(dim)"),
    _inplace("cumprod_", "x = x.cumprod(dim)"),
    _inplace("scatter_add_", "x = x.scatter_add(dim, index, src)"),
    _inplace("addmm_", "x = x.addmm(mat1, mat2, beta=, alpha=)"),
    _inplace("fill_diagonal_", "the main diagonal set to a value (wrap=: every n + 1 rows)"),
    _inplace("bernoulli_", "1 with probability p (default 0.5), else 0, in x's dtype"),
    # ---- in place: the op's values written into x (inplace.py's rules) -------------------------
    *(OpInfo(f"{m}_", "a write into the array", f"x = x.{m}(...)", INPLACE, methods=(f"{m}_",),
             sample=None, no_grad=_INPLACE_NOTE, float32=False)
      for m in (*INPLACE_FORMS3, "index_reduce")),
)
