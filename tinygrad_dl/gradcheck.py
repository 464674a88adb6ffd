"""Gradient checking by central finite differences, in float64.

The error measure is the course's relative error, elementwise:
    |g_a - g_n| / max(eps, |g_a| + |g_n|)
and a check reports its maximum and the worst element.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .engine import no_grad
from .jupyter import ResultsTable
from .tensor import Tensor

# 4th-order central stencil: f'(x) ~ (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / 12h
_STENCILS = {2: ((-1, -0.5), (1, 0.5)), 4: ((-2, 1 / 12), (-1, -8 / 12), (1, 8 / 12), (2, -1 / 12))}


def numerical_grad(
    f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = 1e-4, order: int = 4
) -> np.ndarray:
    """d f / d x by central differences, f mapping an array like x to a scalar.

    order=2 is the textbook (f(x+h) - f(x-h)) / 2h; order=4 (default) uses four points and is
    accurate to ~1e-10 relative in float64 where the 2-point rule stalls near 1e-8. x is
    perturbed in place and restored.
    """
    if order not in _STENCILS:
        raise ValueError(f"numerical_grad: order must be 2 or 4, not {order}")
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise TypeError(f"numerical_grad needs a floating-point array, got {x.dtype}")
    if x.dtype.itemsize < 8:  # h = 1e-4 moves a float32 loss by little more than its rounding:
        # relative errors of 1e-3 to 1 between correct gradients (a student's right answer
        # looks wrong, or a wrong one looks like float32 noise)
        raise TypeError(f"numerical_grad: x is {x.dtype}; finite differences need float64 "
                        "(check a float64 copy: x.astype(np.float64), or a model built with "
                        "dtype='float64')")
    grad = np.zeros(x.shape, dtype=np.float64)
    # perturbing flat must perturb x: reshape is a view only of a C-contiguous array
    flat = x.reshape(-1) if x.flags.c_contiguous else x.flat
    gflat = grad.reshape(-1)
    for i in range(x.size):
        orig = flat[i]
        vals = {}
        for k, _ in _STENCILS[order]:
            flat[i] = orig + k * h
            vals[k] = float(_scalar(f(x)))
        flat[i] = orig
        # pair the symmetric points (w_-k = -w_k): f(x+kh) - f(x-kh) is exact when f barely
        # moves, so an input f ignores gets exactly 0 (summing w_k f_k leaves ~ulp(f)/h)
        gflat[i] = sum(w * (vals[k] - vals[-k]) for k, w in _STENCILS[order] if k > 0) / h
    return grad


def _scalar(v: Any) -> float:
    v = v.data if isinstance(v, Tensor) else np.asarray(v)
    if v.size != 1:
        raise ValueError(f"numerical_grad: f must return a scalar, got shape {v.shape}")
    return float(v.reshape(()))


def relative_error(ga: np.ndarray, gn: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Elementwise |ga - gn| / max(eps, |ga| + |gn|)."""
    return np.abs(ga - gn) / np.maximum(eps, np.abs(ga) + np.abs(gn))


@dataclass
class InputReport:
    name: str
    shape: tuple[int, ...]
    max_rel_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float


@dataclass
class GradcheckReport:
    """The outcome of a gradient check: overall max relative error and the worst element."""

    tol: float
    inputs: list[InputReport] = field(default_factory=list)

    @property
    def max_rel_error(self) -> float:
        return max((r.max_rel_error for r in self.inputs), default=0.0)

    @property
    def worst(self) -> InputReport | None:
        return max(self.inputs, key=lambda r: r.max_rel_error, default=None)

    @property
    def passed(self) -> bool:
        return self.max_rel_error <= self.tol

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = "passed" if self.passed else "FAILED"
        lines = [
            f"gradcheck {head}: max relative error {self.max_rel_error:.3e} (tol {self.tol:.0e})"
        ]
        for r in self.inputs:
            lines.append(
                f"  {r.name} {r.shape}: max rel err {r.max_rel_error:.3e} at {r.worst_index} "
                f"(analytic {r.analytic:.10g}, numeric {r.numeric:.10g})"
            )
        return "\n".join(lines)


class GradcheckError(AssertionError):
    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(str(report))
        self.report = report


def gradcheck(
    f: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    *,
    tol: float = 1e-7,
    h: float = 1e-4,
    order: int = 4,
    eps: float = 1e-6,
    seed: int = 0,
    raise_on_fail: bool = False,
) -> GradcheckReport:
    """Compare autograd's gradient of f(*inputs) with finite differences, for every input
    that requires grad. Inputs are copied to float64 first.

    The output (a scalar too) is reduced to sum(out * R) with a fixed random R (entries of
    magnitude 0.5..1.5, random signs), which checks the whole vector-Jacobian product,
    multiplying by the upstream gradient included.
    """
    xs = [Tensor(np.array(t.data, dtype=np.float64), requires_grad=t.requires_grad, name=t.name)
          for t in inputs]
    out = f(*xs)
    rng = np.random.default_rng(seed)
    # a random weight for a scalar output too: an upstream gradient of exactly 1 lets a
    # backward that forgets to multiply by it (`return 2 * (x - t) / n`, not `... * grad`) pass
    weight = rng.uniform(0.5, 1.5, out.shape) * rng.choice([-1.0, 1.0], out.shape)
    if not out.requires_grad:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    base = out.data.copy()
    out.backward(np.asarray(weight, dtype=out.data.dtype))

    def loss_at(_: np.ndarray) -> float:
        with no_grad():  # minus base: outputs the perturbed input can't move add exact zeros
            o = f(*xs).data - base
        return float((o * weight).sum())

    report = GradcheckReport(tol=tol)
    for i, x in enumerate(xs):
        if not x.requires_grad:
            continue
        ga = x.grad if x.grad is not None else np.zeros_like(x.data)
        gn = numerical_grad(loss_at, x.data, h=h, order=order)
        if out.data.size == 1:  # both are w * d(out)/dx: reported as d(out)/dx, W.grad's scale
            ga, gn = ga / weight.reshape(()), gn / weight.reshape(())
        err = relative_error(ga, gn, eps)
        k = int(np.argmax(err)) if err.size else 0
        idx = np.unravel_index(k, err.shape) if err.size else ()
        report.inputs.append(InputReport(
            name=x.name or f"input {i}", shape=x.shape,
            max_rel_error=float(err.reshape(-1)[k]) if err.size else 0.0,
            worst_index=tuple(int(j) for j in idx),
            analytic=float(ga.reshape(-1)[k]) if err.size else 0.0,
            numeric=float(gn.reshape(-1)[k]) if err.size else 0.0,
        ))
    if raise_on_fail and not report.passed:
        raise GradcheckError(report)
    return report


def compare_gradients(model: Any, loss_fn: Callable[[], Any],
                      hand_fn: Callable[[], Mapping[str, Any]], *, eps: float = 1e-6,
                      h: float = 1e-4) -> ResultsTable:
    """One row per parameter of `model`: max relative errors (the course's
    |a - b| / max(eps, |a| + |b|)) between hand-derived, autograd and numerical gradients.

    loss_fn() builds the scalar loss Tensor from the model's current parameters; hand_fn()
    returns the hand-derived gradients keyed like model.named_parameters(). Use small sizes:
    the finite differences evaluate loss_fn 4 times per parameter entry.
    """
    params = dict(model.named_parameters())
    narrow = [f"{k} ({p.data.dtype})" for k, p in params.items()
              if p.data.dtype.kind == "f" and p.data.dtype.itemsize < 8]
    if narrow:  # numerical_grad would refuse each; one line naming them all
        raise TypeError(f"compare_gradients: parameters {', '.join(narrow)} are not float64; "
                        "finite differences need float64: check a copy of the model built "
                        "with dtype='float64'")
    model.zero_grad()
    loss_fn().backward()
    hand = {k: np.asarray(v) for k, v in hand_fn().items()}

    def f(_: Any) -> float:
        with no_grad():
            return float(loss_fn().item())

    rows = []
    for name, p in params.items():
        auto = np.zeros_like(p.data) if p.grad is None else np.asarray(p.grad)
        num = numerical_grad(f, p.data, h=h)
        row: dict[str, Any] = {"parameter": name, "shape": "x".join(map(str, p.shape))}
        if name in hand:
            row["hand vs autograd"] = float(relative_error(hand[name], auto, eps).max())
            row["hand vs numerical"] = float(relative_error(hand[name], num, eps).max())
        row["autograd vs numerical"] = float(relative_error(auto, num, eps).max())
        rows.append(row)
    return ResultsTable(rows, ["parameter", "shape", "hand vs autograd", "hand vs numerical",
                               "autograd vs numerical"], title="max relative error", digits=3)
