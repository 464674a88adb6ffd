"""`torch.autograd.functional`: the Jacobian of a function of tensors, and its products with
vectors, built on reverse mode alone.

Row i of the Jacobian of y = f(x) is the gradient of y_i, one backward pass with the one-hot
vector e_i as the output's gradient (a vector-Jacobian product e_iᵀ J), so

    jacobian(f, x)[i] = autograd.grad(y, x, e_i)      (one pass per entry of y)
    vjp(f, x, v)      = autograd.grad(y, x, v)        (vᵀ J: one pass)
    jvp(f, x, v)      = J v                           (from the Jacobian: one pass per entry of y)

which is how a student checks a hand-derived Jacobian (`tinygrad_dl.gradcheck` checks it
against finite differences). The shapes are torch's: `jacobian` of an output of shape (m...)
with respect to an input of shape (n...) has shape (m..., n...), in the input's dtype; a
tuple of inputs or outputs gives a tuple (outputs outermost). Functions are called on fresh
leaves that share the inputs' arrays, so the caller's tensors and their `.grad` are untouched.
Second derivatives (`hessian`, `hvp`, `vhp`, `create_graph=True`) are refused in one line:
backward runs on NumPy arrays and records no graph of itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import enable_grad
from ..tensor import Tensor
from . import grad

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

Tensors = tuple[Tensor, ...]


def _tensors(value: Any, what: str, who: str) -> tuple[Tensors, bool]:
    """`value` as a tuple of Tensors, and whether it was a tuple, as torch's `_as_tuple`:
    anything else, a list too (torch refuses one: taking it as a tuple answered where torch
    raises), is refused in one line."""
    if isinstance(value, list):
        raise TypeError(f"{who}: the {what} must be a Tensor or a tuple of Tensors, got a list "
                        "(as torch's: give tuple(...))")
    is_tuple = isinstance(value, tuple)
    items = tuple(value) if is_tuple else (value,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: the {what} must be a Tensor or a tuple of Tensors, but the "
                            f"value at index {i} has type {type(t).__name__}")
    return items, is_tuple


def _leaves(ins: Tensors, who: str) -> Tensors:
    """Fresh leaves that require grad, sharing the inputs' arrays (torch's detach():
    requires_grad_()): the function's graph starts at them, not at the caller's graph."""
    for i, t in enumerate(ins):
        if t.data.dtype.kind != "f":
            raise TypeError(f"{who}: input {i} is {t.data.dtype}; only floating-point inputs "
                            "have gradients")
    return tuple(Tensor(t.data, requires_grad=True) for t in ins)


def _no_graph(who: str, create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(f"{who}: create_graph=True is not supported: backward runs "
                                  "on NumPy arrays, so it records no graph of itself")


def _call(func: Callable[..., Any], ins: Tensors, who: str) -> tuple[Tensors, bool]:
    with enable_grad():  # (torch's: the function is differentiated even under no_grad)
        out = func(*ins)
    return _tensors(out, "outputs of the user-provided function", who)


def _vector(v: Any, like: Tensors, what: str, who: str) -> list[np.ndarray]:
    """The vectors `v` (one per tensor of `like`, each of its shape), as arrays in its dtype;
    None only where `like` is one tensor of one element (torch's rule)."""
    if v is None:
        if len(like) != 1 or like[0].data.size != 1:
            raise RuntimeError(f"{who}: the vector v can only be None if the user-provided "
                               f"function's {what} is a single Tensor with a single element")
        return [np.ones(like[0].data.shape, like[0].data.dtype)]
    vs, _ = _tensors(v, "vector v", who)
    if len(vs) != len(like):
        raise RuntimeError(f"{who}: v has {len(vs)} tensors, the {what} {len(like)}")
    for i, (a, t) in enumerate(zip(vs, like)):
        if a.data.shape != t.data.shape:
            raise RuntimeError(f"{who}: v[{i}] has shape {a.data.shape}, the {what} [{i}] "
                               f"{t.data.shape}")
    return [a.data if a.data.dtype.kind == "c" and t.data.dtype.kind != "c"  # (`_real`'s)
            else np.asarray(a.data, dtype=t.data.dtype) for a, t in zip(vs, like)]


def _real(vs: list[np.ndarray], like: Tensors, used: list[bool], what: str, who: str
          ) -> list[np.ndarray]:
    """`_vector`'s arrays with a complex v for a real tensor refused where the product uses
    it, as torch's (a cast dropped .imag): an output that requires grad (vjp), an input that
    an output depends on (jvp); elsewhere torch skips it, and so does this (its real part)."""
    for i, (a, t, u) in enumerate(zip(vs, like, used)):
        if u and a.dtype.kind == "c" and t.data.dtype.kind != "c":
            raise RuntimeError(f"{who}: v[{i}] is {a.dtype}, the {what} [{i}] {t.data.dtype}: "
                               "give a real v (as torch's, which refuses it)")
    return [a.real.astype(t.data.dtype) if a.dtype.kind == "c" and t.data.dtype.kind != "c"
            else a for a, t in zip(vs, like)]


def _independent(who: str, i: int, j: int | None = None) -> RuntimeError:
    of = "does not require gradients" if j is None else f"is independent of input {j}"
    return RuntimeError(f"{who}: output {i} of the user-provided function {of}, which is not "
                        "allowed in strict mode")


def _strict_overall(who: str, reached: list[list[bool]], n_in: int, per_output: bool) -> None:
    """vjp's and jvp's strict mode, as torch's: an input that no output depends on (and, for
    jvp, an output that depends on no input) is an error; an output independent of one input
    only (f(x, y) = (x * y, y)) is not (jacobian's strict checks each pair)."""
    for j in range(n_in):
        if not any(r[j] for r in reached):
            raise RuntimeError(f"{who}: every output of the user-provided function is "
                               f"independent of input {j}, which is not allowed in strict mode")
    for i, r in enumerate(reached if per_output else []):
        if not any(r):
            raise RuntimeError(f"{who}: output {i} of the user-provided function is independent "
                               "of every input, which is not allowed in strict mode")


def _grads(o: Tensor, ins: Tensors, g: np.ndarray, i: int, strict: bool, who: str
           ) -> list[np.ndarray | None]:
    """vᵀ J of output o (v = g) for each input, None where o does not depend on it."""
    got = grad(o, ins, g, retain_graph=True, allow_unused=True)
    if strict:
        for j, gj in enumerate(got):
            if gj is None:
                raise _independent(who, i, j)
    return [None if gj is None else gj.data for gj in got]


def _shaped(rows: list[tuple[Tensor, ...]], out_tuple: bool, in_tuple: bool) -> Any:
    """torch's nesting: outputs outermost; a tuple only where the caller gave one."""
    per_out = [r if in_tuple else r[0] for r in rows]
    return tuple(per_out) if out_tuple else per_out[0]


def _rows(outs: Tensors, ins: Tensors, strict: bool, who: str,
          reached: list[list[bool]] | None = None) -> list[list[np.ndarray]]:
    """Per output, per input, its Jacobian (output entries, input entries) in the input's
    dtype: row r is the gradient of entry r (one backward pass with the one-hot e_r).
    `reached[i][j]` (when given) says whether output i depends on input j."""
    rows = []
    for i, o in enumerate(outs):
        parts = [np.zeros((o.data.size, t.data.size), t.data.dtype) for t in ins]
        hit = [False] * len(ins)
        if not o.requires_grad:  # (an integer result, or one built from no input)
            if strict:
                raise _independent(who, i)
        elif o.data.size == 0:  # no entry, no pass: which inputs it depends on is still
            # its graph's (jvp's strict: torch answers for an empty output; jacobian's none)
            hit = [g is not None for g in _grads(o, ins, np.zeros(o.data.shape, o.data.dtype),
                                                  i, False, who)]
        else:
            e = np.zeros(o.data.size, o.data.dtype)
            for r in range(o.data.size):
                e[r - 1], e[r] = 0, 1  # (e[-1] = 0 at r = 0: zero already)
                got = _grads(o, ins, e.reshape(o.data.shape), i, strict, who)
                for j, (part, gj) in enumerate(zip(parts, got)):
                    if gj is not None:
                        part[r] = gj.reshape(-1)
                        hit[j] = True
        rows.append(parts)
        if reached is not None:
            reached.append(hit)
    return rows


def _options(who: str, strict: bool, vectorize: bool, strategy: str) -> None:
    """torch's refusals of jacobian's option pairs (the matrix would be the same here, but
    code that runs here must run under torch): forward mode needs vectorize=True and refuses
    strict=True (vectorize=True refuses it too: checked once the outputs are)."""
    if strategy == "forward-mode" and strict:
        raise RuntimeError(f"{who}: strict=True and strategy='forward-mode' are not supported "
                           "together (as torch's): set strict=False or strategy='reverse-mode'")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(f"{who}: strategy='forward-mode' is only implemented with "
                                  "vectorize=True (as torch's): pass vectorize=True or use "
                                  "strategy='reverse-mode'")


def _differentiable(outs: Tensors, who: str) -> None:
    """strict mode's first check, torch's: every output requires grad."""
    for i, o in enumerate(outs):
        if not o.requires_grad:
            raise _independent(who, i)


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """`torch.autograd.functional.jacobian`: d func(*inputs) / d inputs, one backward pass per
    output entry; shape output.shape + input.shape each, in the input's dtype. An output that
    does not depend on an input gives zeros (strict=True: an error). `vectorize` and
    `strategy` change how torch computes the same matrix, not what it is: accepted, with
    torch's refusals of their pairs (`_options`)."""
    who = "jacobian"
    _no_graph(who, create_graph)
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"{who}: strategy must be 'reverse-mode' or 'forward-mode', got "
                         f"{strategy!r}")
    _options(who, strict, vectorize, strategy)
    ins, in_tuple = _tensors(inputs, "inputs", who)
    ins = _leaves(ins, who)
    outs, out_tuple = _call(func, ins, who)
    if strict:  # (torch's order: every output's requires_grad before any pair's check)
        _differentiable(outs, who)
        if vectorize:
            raise RuntimeError(f"{who}: strict=True and vectorize=True are not supported "
                               "together (as torch's): set strict=False or vectorize=False")
    rows = [tuple(Tensor(J.reshape(o.data.shape + t.data.shape)) for J, t in zip(parts, ins))
            for parts, o in zip(_rows(outs, ins, strict, who), outs)]
    return _shaped(rows, out_tuple, in_tuple)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """`torch.autograd.functional.vjp`: (func(*inputs), vᵀ J) in one backward pass, v shaped
    as the outputs (None for one output of one element), the product shaped as the inputs, in
    their dtypes (zeros where the outputs do not depend on an input)."""
    who = "vjp"
    _no_graph(who, create_graph)
    ins, in_tuple = _tensors(inputs, "inputs", who)
    ins = _leaves(ins, who)
    outs, out_tuple = _call(func, ins, who)
    if strict:  # (torch's order: before v is read)
        _differentiable(outs, who)
    vs = _real(_vector(v, outs, "output", who), outs, [o.requires_grad for o in outs], "output",
               who)
    total: list[np.ndarray] = [np.zeros(t.data.shape, t.data.dtype) for t in ins]
    reached = []
    for i, (o, g) in enumerate(zip(outs, vs)):
        if not o.requires_grad:
            if strict:
                raise _independent(who, i)
            continue
        got = _grads(o, ins, g, i, False, who)  # (strict: over all outputs, below)
        reached.append([gj is not None for gj in got])
        for acc, gj in zip(total, got):
            if gj is not None:
                acc += gj
    if strict:
        _strict_overall(who, reached, len(ins), per_output=False)
    values = tuple(o.detach() for o in outs)
    products = tuple(Tensor(a) for a in total)
    return (values if out_tuple else values[0]), (products if in_tuple else products[0])


def _times(J: np.ndarray, x: np.ndarray) -> np.ndarray:
    """J x, where a zero of J times an infinite or NaN x_j adds nothing (torch's J v adds only
    the terms its graph has: an entry of x*2 is not NaN for another entry's infinite v)."""
    if np.isfinite(x).all():
        return J.dot(x)
    with np.errstate(invalid="ignore"):
        return np.where(J != 0, J * x, 0).sum(1)


def _coarser(outs: Tensors, ins: Tensors, reached: list[list[bool]], who: str) -> None:
    """Warn where J v is less precise than its dtype: the Jacobian's rows are gradients, in
    the input's dtype, so a float32 input's J v is float32-accurate even for a float64 output
    (torch's double backward runs the cast's derivative in the output's dtype)."""
    for i, (o, hit) in enumerate(zip(outs, reached)):
        for j, (t, h) in enumerate(zip(ins, hit)):
            if h and o.data.dtype.kind == "f" and o.data.dtype.itemsize > t.data.dtype.itemsize:
                warnings.warn(f"{who}: input {j} is {t.data.dtype} and output {i} "
                              f"{o.data.dtype}: J v comes from the Jacobian's rows, in the "
                              f"input's dtype, so it is {t.data.dtype}-accurate (torch's can be "
                              f"{o.data.dtype}-accurate); cast the input to {o.data.dtype} first",
                              RuntimeWarning, stacklevel=3)
                return


def _smeared(acc: np.ndarray, parts: list[np.ndarray], o: Tensor, i: int, who: str) -> None:
    """Warn where J v is NaN at a non-NaN output entry whose Jacobian row holds a NaN: a row is
    one backward pass with a one-hot seed, whose zeros can meet a derivative's inf (sqrt, log
    or 1/x at 0: row 1 of sqrt at [0, 1] is [0/0, 0.5]), so the entry is NaN where torch's
    double backward (and the directional derivative) can give a number ([inf, 0.5] for
    v = [1, 1]). (A NaN of v reaching the entry through J's nonzeros is torch's NaN too.)"""
    bad = np.isnan(acc)
    if not bad.any():
        return
    bad &= ~np.isnan(o.data.reshape(-1)) & np.logical_or.reduce(
        [np.isnan(J).any(1) for J in parts], initial=False)
    if bad.any():
        warnings.warn(f"{who}: J v of output {i} is NaN at {int(bad.sum())} of {acc.size} "
                      "entries of a non-NaN output value whose Jacobian row has a NaN: a row is "
                      "one backward pass with a one-hot seed, which can meet 0 * inf or 0 / 0 "
                      "(sqrt, log or a division at 0) where torch's J v can be a number; "
                      "evaluate off the singular point or compute J v by hand", RuntimeWarning,
                      stacklevel=3)


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """`torch.autograd.functional.jvp`: (func(*inputs), J v), v shaped as the inputs (None for
    one input of one element), the product shaped as the outputs, in their dtypes. Reverse
    mode only here, so J v comes from the Jacobian: one backward pass per output entry (torch
    uses a double backward, which needs the graph of a backward this engine does not record)."""
    who = "jvp"
    _no_graph(who, create_graph)
    ins, _ = _tensors(inputs, "inputs", who)
    vs = _vector(v, ins, "input", who)
    ins = _leaves(ins, who)
    outs, out_tuple = _call(func, ins, who)
    if strict:
        _differentiable(outs, who)
    for i, o in enumerate(outs):  # (torch's: its J v is a gradient of the output's dtype)
        if o.data.dtype.kind not in "fc":
            raise RuntimeError(f"{who}: output {i} of the user-provided function is "
                               f"{o.data.dtype}; J v needs floating-point outputs (as torch's): "
                               "return it from outside func")
    reached: list[list[bool]] = []
    rows = _rows(outs, ins, False, who, reached)  # (strict: over all outputs, below)
    if strict:
        _strict_overall(who, reached, len(ins), per_output=True)
    vs = _real(vs, ins, [any(r[j] for r in reached) for j in range(len(ins))], "input", who)
    _coarser(outs, ins, reached, who)
    products = []
    for i, (o, parts) in enumerate(zip(outs, rows)):
        acc = sum((_times(J, x.reshape(-1)) for J, x in zip(parts, vs)),
                  np.zeros(o.data.size, parts[0].dtype if parts else o.data.dtype))
        _smeared(acc, parts, o, i, who)
        products.append(Tensor(acc.reshape(o.data.shape).astype(o.data.dtype)))
    values = tuple(o.detach() for o in outs)
    return ((values if out_tuple else values[0]),
            (tuple(products) if out_tuple else products[0]))


def _second(who: str) -> NotImplementedError:
    return NotImplementedError(f"{who}: second derivatives are not supported: backward runs on "
                               "NumPy arrays, so it records no graph of itself to differentiate "
                               "again (jacobian of a hand-written gradient function works)")


def hessian(func: Callable[..., Any], inputs: Any, *args: Any, **kwargs: Any) -> Any:
    """`torch.autograd.functional.hessian`: refused (second derivatives), in one line."""
    raise _second("hessian")


def hvp(func: Callable[..., Any], inputs: Any, *args: Any, **kwargs: Any) -> Any:
    """`torch.autograd.functional.hvp`: refused (second derivatives), in one line."""
    raise _second("hvp")


def vhp(func: Callable[..., Any], inputs: Any, *args: Any, **kwargs: Any) -> Any:
    """`torch.autograd.functional.vhp`: refused (second derivatives), in one line."""
    raise _second("vhp")
