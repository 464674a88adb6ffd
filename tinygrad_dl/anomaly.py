"""Anomaly mode: `detect_anomaly()` names the op that first made a NaN or inf.

PyTorch's `torch.autograd.detect_anomaly`, in a module of its own as PyTorch's
`autograd/anomaly_mode.py`. Inside the `with` block the engine hands every op's output and
every backward's gradients to `Checks` (through `hooks.attach(anomaly=...)`); outside it the
engine reads one thread-local slot per op and does nothing more.
"""

from __future__ import annotations

import contextlib
import linecache
import sys
from threading import get_ident
from typing import Any

import numpy as np

from . import hooks
from .grad_mode import pop_own

__all__ = ["AnomalyError", "detect_anomaly"]


class AnomalyError(FloatingPointError):
    """Raised inside detect_anomaly() by the first op whose forward or backward made NaN/inf."""


class detect_anomaly(contextlib.ContextDecorator):
    """Inside, the first op whose forward output or backward gradient holds NaN or inf (from
    finite inputs) raises AnomalyError naming the op, its name scope, its input shapes and the
    line of user code that created it (PyTorch's torch.autograd.detect_anomaly).

    It costs a finiteness check per op and a stack walk per recorded op, so use it to debug;
    outside it the engine does nothing more than read one thread-local slot.
    """

    def __init__(self) -> None:
        # thread id -> a stack: the block may be re-entered, and by two threads at once (as
        # `@detect_anomaly()` on a function both call): one shared stack restored a thread's
        # slot to what the other thread had before (its outer block's checks lost)
        self._inside: dict[int, list[Any]] = {}

    def __enter__(self) -> detect_anomaly:
        # inside a jitted step: its replay would run no checks (a call made inside the block
        # runs eagerly, checked, instead)
        hooks.notify_write("detect_anomaly()")
        cm = hooks.attach(anomaly=CHECKS)
        cm.__enter__()
        self._inside.setdefault(get_ident(), []).append(cm)
        return self

    def __exit__(self, *exc: object) -> None:
        pop_own(self._inside, "detect_anomaly").__exit__(None, None, None)


class Checks:
    """What the engine calls inside detect_anomaly(): `forward` with every op's output,
    `backward` with every op's input gradients."""

    def forward(self, ctx: Any, inputs: tuple[Any, ...], data: np.ndarray,
                params: Any = None) -> None:
        ctx.origin = _user_line()  # kept for the backward check (a __dict__ entry: freed with it)
        if not _finite(data) and all(_finite(t.data) for t in inputs):
            bad = "nan" if np.isnan(data).any() else "inf"
            raise AnomalyError(f"detect_anomaly: the forward of {ctx.describe(inputs)} produced "
                               f"{bad}; the op was created at {ctx.origin}")

    def backward(self, ctx: Any, grad: np.ndarray, grads: tuple[Any, ...]) -> None:
        for i, g in enumerate(grads):
            if getattr(g, "passes_on", False):  # the upstream as it is (a module hook's term,
                continue  # whose total, made here, would run the hooks before all have come)
            # a term the accumulator adds in (GetItem's rows, MatMul's x^T g): as an array
            full = type(g).total([g]) if hasattr(g, "add_to") else g
            if full is not None and not _finite(full) and _finite(grad):
                bad = "nan" if np.isnan(full).any() else "inf"
                origin = ctx.__dict__.get("origin", "an unknown line (made outside "
                                          "detect_anomaly)")
                raise AnomalyError(
                    f"detect_anomaly: the backward of {ctx.describe()} produced {bad} in the "
                    f"gradient of input {i}; the op was created at {origin}")


CHECKS = Checks()


def _user_line() -> str:
    """file:line: code of the innermost frame outside tinygrad_dl (where the op was made)."""
    f = sys._getframe(1)
    while f is not None and f.f_globals.get("__name__", "").startswith("tinygrad_dl"):
        f = f.f_back
    if f is None:
        return "inside tinygrad_dl"
    code = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    return f"{f.f_code.co_filename}:{f.f_lineno}: {code}"


def _finite(a: Any) -> bool:
    a = np.asarray(a)
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())
