"""compare_gradients: hand-derived, autograd and numerical gradients of a model's parameters,
one row each (the course's notebooks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..engine import no_grad
from ..jupyter import ResultsTable
from ..tensor import Tensor
from .differences import numerical_grad, relative_error, same_twice


def compare_gradients(model: Any, loss_fn: Callable[[], Any],
                      hand_fn: Callable[[], Mapping[str, Any]], *, eps: float = 1e-6,
                      h: float = 1e-4) -> ResultsTable:
    """One row per parameter of `model`: max relative errors (the course's
    |a - b| / max(eps, |a| + |b|)) between hand-derived, autograd and numerical gradients.

    loss_fn() builds the scalar loss Tensor from the model's current parameters; it must give
    the same value every call (a random one, dropout in training mode, is refused). hand_fn()
    returns one hand-derived gradient per parameter, of the parameter's shape, keyed like
    model.named_parameters() ("layers.0.W") or by the course's names where the model has
    course_names() ("W1", or "W" for one layer); an unknown, missing or misshapen key is
    refused. Use small sizes: the finite differences evaluate loss_fn 4 times per parameter
    entry. The model's buffers (batch norm's running averages, which each training-mode call
    moves) are left as they were before the check.
    """
    params = dict(model.named_parameters())
    narrow = [f"{k} ({p.data.dtype})" for k, p in params.items()
              if p.data.dtype.kind == "f" and p.data.dtype.itemsize < 8]
    if narrow:  # numerical_grad would refuse each; one line naming them all
        raise TypeError(f"compare_gradients: parameters {', '.join(narrow)} are not float64; "
                        "finite differences need float64: check a copy of the model built "
                        "with dtype='float64'")
    # the buffers as they were: each of the ~4-per-entry loss_fn() calls of a training-mode
    # batch norm moved its running averages (a trained model left with this batch's
    # statistics and ~300 more batches counted: its eval accuracy changed by the check)
    # (by name: a forward that rebinds a buffer, `self.n = self.n + 1`, left the module with
    # the check's new array; every name of a shared one; the original arrays, which a caller
    # may hold, get their values back and stay the module's)
    named = getattr(model, "named_buffers", None)
    kept = [(n, b, b.copy()) for n, b in (named(remove_duplicate=False) if named else ())]
    try:
        return _compare(model, params, loss_fn, hand_fn, eps, h)
    finally:
        for name, b, saved in kept:
            if b.flags.writeable:
                b[...] = saved
            elif not np.array_equal(b, saved, equal_nan=b.dtype.kind in "fc"):
                b = saved
            path, _, attr = name.rpartition(".")
            owner = model.get_submodule(path)
            if getattr(owner, attr, None) is not b:
                setattr(owner, attr, b)


def _compare(model: Any, params: dict[str, Any], loss_fn: Callable[[], Any],
             hand_fn: Callable[[], Mapping[str, Any]], eps: float, h: float) -> ResultsTable:
    model.zero_grad()
    loss = loss_fn()
    if not isinstance(loss, Tensor):
        raise TypeError(f"compare_gradients: loss_fn() must return the loss Tensor, got "
                        f"{type(loss).__name__} (.item() or float() cuts the graph)")
    loss.backward()

    def value() -> np.ndarray:
        with no_grad():
            return np.asarray(loss_fn().data)

    same_twice("compare_gradients: loss_fn()", np.asarray(loss.data), value, "loss_fn")
    hand = _hand_by_name(model, params, hand_fn())

    def f(_: Any) -> float:
        with no_grad():
            return float(loss_fn().item())

    rows = []
    for name, p in params.items():
        auto = np.zeros_like(p.data) if p.grad is None else np.asarray(p.grad)
        num = numerical_grad(f, p.data, h=h)
        row: dict[str, Any] = {"parameter": name, "shape": "x".join(map(str, p.shape))}
        row["hand vs autograd"] = float(relative_error(hand[name], auto, eps).max(initial=0.0))
        row["hand vs numerical"] = float(relative_error(hand[name], num, eps).max(initial=0.0))
        row["autograd vs numerical"] = float(relative_error(auto, num, eps).max(initial=0.0))
        rows.append(row)
    return ResultsTable(rows, ["parameter", "shape", "hand vs autograd", "hand vs numerical",
                               "autograd vs numerical"], title="max relative error", digits=3)


def _hand_by_name(model: Any, params: dict[str, Any], given: Mapping[str, Any]
                  ) -> dict[str, np.ndarray]:
    """hand_fn()'s gradients keyed by qualified parameter name. A key that matched no
    parameter used to be dropped: blank 'hand' columns, which the notebooks read as agreement
    0.0 for a wrong gradient; a misshapen one broadcast (a (3, 1) db: error 1, no word why)."""
    names = getattr(model, "course_names", None)
    course = {c: q for q, c in names().items()} if callable(names) else {}
    label = {q: (f"{q} ({c})" if c != q else q) for c, q in course.items()}
    out: dict[str, np.ndarray] = {}
    key_of: dict[str, str] = {}
    unknown = []
    for key, v in given.items():
        q = key if key in params else course.get(key)
        if q is None:
            unknown.append(repr(key))
            continue
        if q in out:
            raise ValueError(f"compare_gradients: hand_fn() keys {key_of[q]!r} and {key!r} both "
                             f"name parameter {q}")
        out[q], key_of[q] = np.asarray(v.data if isinstance(v, Tensor) else v), key
    valid = ", ".join(label.get(q, q) for q in params)
    if unknown:
        raise ValueError(f"compare_gradients: hand_fn() keys {', '.join(unknown)} name no "
                         f"parameter of the model; the parameters are {valid}")
    missing = [label.get(q, q) for q in params if q not in out]
    if missing:
        raise ValueError(f"compare_gradients: hand_fn() has no gradient for {', '.join(missing)}"
                         f" (one per parameter: {valid})")
    for q, g in out.items():
        shape = params[q].shape
        if g.shape != tuple(shape):
            hint = " (transposed?)" if g.ndim == 2 and g.shape == tuple(shape)[::-1] else ""
            raise ValueError(f"compare_gradients: hand gradient {key_of[q]!r} has shape "
                             f"{g.shape}{hint}, parameter {q} has shape {tuple(shape)}")
    return out
