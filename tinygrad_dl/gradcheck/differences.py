"""Central finite differences in float64 and what they can tell about a failed check: a
rounding step, a kink near the point, a corner at it; `bits` and `same_twice` tell a function
that gives the same value every call (gradcheck's and compare_gradients' refusals)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor

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
    if not 0 < h < np.inf:  # h=0 ended in a ZeroDivisionError; a NaN h gave NaN gradients
        raise ValueError(f"numerical_grad: the step h must be a positive finite number, not {h!r}")
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise TypeError(f"numerical_grad needs a floating-point array, got {x.dtype}")
    if x.dtype.itemsize < 8:  # h = 1e-4 moves a float32 loss by little more than its rounding:
        # relative errors of 1e-3 to 1 between correct gradients (a student's right answer
        # looks wrong, or a wrong one looks like float32 noise)
        raise TypeError(f"numerical_grad: x is {x.dtype}; finite differences need float64 "
                        "(check a float64 copy: x.astype(np.float64), or a model built with "
                        "dtype='float64')")
    if not x.flags.writeable and x.size:  # f reads the perturbation through x itself (often
        # through a closure over a parameter), so a copy would give silent zeros: refuse
        raise ValueError("numerical_grad: x is read-only, so it cannot be perturbed in place "
                         "(a tensor's .data while a graph that saved it is alive is locked by "
                         "the write guard): call backward() on that graph (or drop it) first, "
                         "or pass a writable copy that f reads")
    grad = np.zeros(x.shape, dtype=np.float64)
    gflat = grad.reshape(-1)
    for i in range(x.size):
        gflat[i] = _derivative_at(f, x, i, h, order)
    return grad


def _derivative_at(f: Callable[[np.ndarray], Any], x: np.ndarray, i: int, h: float,
                   order: int) -> float:
    """d f / d x.flat[i] by the central stencil of `order`, x perturbed in place, restored."""
    vals = {k: _value_at(f, x, i, k * h) for k, _ in _STENCILS[order]}
    # pair the symmetric points (w_-k = -w_k): f(x+kh) - f(x-kh) is exact when f barely
    # moves, so an input f ignores gets exactly 0 (summing w_k f_k leaves ~ulp(f)/h)
    return sum(w * (vals[k] - vals[-k]) for k, w in _STENCILS[order] if k > 0) / h


def without_rounding_step(f: Callable[[np.ndarray], Any], x: np.ndarray, index: tuple[int, ...],
                          h: float, numeric: float, largest_step: float,
                          order: int = 4) -> float | None:
    """The derivative at x[index] with f's rounding step taken out, when the central difference
    is mostly that step: it grows 10x at a 10x smaller h (f(x+kh) - f(x-kh) a constant, an ulp
    of a sum inside an op that a tie of its rounding turns, not a slope), and the step is at
    most `largest_step` in f (a jump of f is a kink, left to kink_note). Richardson's
    elimination of the 1/h term: n(h) = d + c/h, n(h/10) = d + 10c/h, d = (10 n(h) - n(h/10))
    / 9. None where that does not hold: the finite difference stands."""
    if not (np.isfinite(numeric) and numeric) or not x.size:
        return None
    fine = _derivative_at(f, x, int(np.ravel_multi_index(index, x.shape)), h / 10, order)
    if not abs(fine - 10 * numeric) <= 0.1 * abs(fine) or abs(numeric) * h > largest_step:
        return None
    return (10 * numeric - fine) / 9


def step_spread(f: Callable[[np.ndarray], Any], x: np.ndarray, index: tuple[int, ...], h: float,
                numeric: float, order: int = 4) -> float:
    """How far the central difference at x[index] moves from `numeric` (its value at h) at
    h/10 and h/100: rounding noise in f grows 10x and 100x there, a derivative stays put. A
    spread far below |analytic - numeric| (testing.check_grad: 1% of it) means that difference
    is no rounding."""
    at = int(np.ravel_multi_index(index, x.shape))
    return max(abs(_derivative_at(f, x, at, h / s, order) - numeric) for s in (10, 100))


def kink_note(f: Callable[[np.ndarray], Any], x: np.ndarray, index: tuple[int, ...], h: float,
              analytic: float, numeric: float, order: int = 4) -> str:
    """Why a right backward can fail at x[index]: f is not smooth within 2h of the point (relu
    or abs near 0, a floor's step), so the finite difference there is no derivative. Detected
    by the stencil at h/10, which a smooth f leaves unchanged to ~1e-9; '' if it agrees."""
    if not (np.isfinite(analytic) and np.isfinite(numeric)) or not x.size:
        return ""
    at = int(np.ravel_multi_index(index, x.shape))
    fine = _derivative_at(f, x, at, h / 10, order)
    spread = abs(fine - numeric)
    if not spread > 1e-3 * max(abs(fine), abs(numeric)) or spread < 0.1 * abs(analytic - numeric):
        return _corner_note(f, x, at, h, analytic, numeric)
    return (f"finite differences at h={h:g} and h={h / 10:g} disagree here ({numeric:.6g} vs "
            f"{fine:.6g}): the function has a kink or a jump within {2 * h:g} of this point, "
            "where they measure no derivative; check points away from it "
            "(tinygrad_dl.testing.arrays(..., avoid=[the kink], margin=...))")


def _corner_note(f: Callable[[np.ndarray], Any], x: np.ndarray, at: int, h: float,
                 analytic: float, numeric: float) -> str:
    """kink_note's case of a kink at the point itself (max of a tie, relu or abs at exactly
    0): every central difference there is the average of the two one-sided slopes, the same
    at h and h/10, so kink_note saw a smooth f and the failure came with no reason. Told by
    the one-sided slopes: their gap stays put from h/10 to h/100 at a corner, and shrinks
    tenfold (s |f''|) where f is smooth. Each one-sided slope must stay put too (to a tenth of
    the gap): f's rounding, ~ulp(f) / s, also gives a gap that does not shrink (it grows
    tenfold) but moves the slopes by as much (x * x + 1e8, a backward 1% off: "a corner")."""
    slopes = []
    for s in (h / 10, h / 100):
        lo, mid, hi = (_value_at(f, x, at, k * s) for k in (-1, 0, 1))
        slopes.append(((mid - lo) / s, (hi - mid) / s))
    (left1, right1), (left, right) = slopes
    gap = abs(right - left)
    drift = max(abs(left - left1), abs(right - right1))
    if not (drift < 0.1 * gap and gap > 1e-3 * max(abs(left), abs(right))
            and gap >= 0.1 * abs(analytic - numeric)):
        return ""
    return (f"the function has a corner at this very point (one-sided slopes {left:.6g} and "
            f"{right:.6g}: a tie of max/min, relu or abs at exactly 0), where the central "
            f"difference is their average and backward gives one choice ({analytic:.6g}); no "
            "derivative exists there to check: check points away from it "
            "(tinygrad_dl.testing.arrays(..., avoid=[the kink], margin=...), distinct_arrays)")


def _value_at(f: Callable[[np.ndarray], Any], x: np.ndarray, i: int, step: float) -> float:
    """f at x with x.flat[i] moved by step, x restored."""
    # perturbing flat must perturb x: reshape is a view only of a C-contiguous array
    flat = x.reshape(-1) if x.flags.c_contiguous else x.flat
    orig = flat[i]
    try:  # f raising (or Ctrl-C in a long check) left the caller's array moved by 2h
        flat[i] = orig + step
        return float(_scalar(f(x)))
    finally:
        flat[i] = orig


def _scalar(v: Any) -> float:
    v = v.data if isinstance(v, Tensor) else np.asarray(v)
    if v.size != 1:
        raise ValueError(f"numerical_grad: f must return a scalar, got shape {v.shape}")
    return float(v.reshape(()))


def first_difference(g: np.ndarray, other: np.ndarray, least: float = 0.0, atol: float = 0.0
                     ) -> tuple[int, ...] | None:
    """The worst index where `other` differs from `g` beyond round-off (1e-9 of the entry,
    1e-12 of g's largest finite entry or of `least`) and `atol` (gradcheck's nondet_tol; an
    inf or a NaN in both agrees), or None."""
    finite = np.abs(g[np.isfinite(g)])  # (an inf made atol inf: a warning, any passed)
    scale = max(least, float(finite.max(initial=0.0)))
    with np.errstate(invalid="ignore"):  # (NumPy's multi-line report: one line instead)
        off = np.abs(other - g) - 1e-9 * np.abs(g) - 1e-12 * scale - atol
    same = (other == g) | (np.isnan(other) & np.isnan(g))
    bad = np.where(same, 0.0, np.nan_to_num(off, nan=np.inf))
    if not bad.size or bad.max() <= 0:
        return None
    return tuple(int(j) for j in np.unravel_index(int(np.argmax(bad)), bad.shape))


LINEAR_WHY = ("a gradient is linear in the upstream gradient g: multiply by g, with no abs, max, "
              "sign or test of g (`dx[x <= 0] = 0`, not `dx[g <= 0] = 0`)")
LINEAR = ("backward(-g) is not -backward(g) at {k}: -backward(-g) there is {a!r}, backward(g) "
          "{b!r}: " + LINEAR_WHY)


class NegatedUpstreamRaised(Exception):
    """negated_upstream_differs's backward with -g raised (the original is its __cause__; the
    leaves have `first` back): the caller's backward with g tells a backward that freed its
    ctx (that one raises too) from one that fails for a negative g only (`math.sqrt(g)`)."""


def negated_upstream_differs(out: Tensor, upstream: np.ndarray, leaves: list[Tensor],
                             first: list[np.ndarray | None], atol: float = 0.0
                             ) -> tuple[int, tuple[int, ...], float, float] | None:
    """Backward through out's graph (retained) with -upstream must give minus `first`, the
    leaves' gradients for `upstream` (a backward is linear in its upstream gradient, and
    negation rounds exactly): a seeded upstream gradient has one sign for a one-element output
    (and for a few small shapes), so a backward right for one sign of g only (`np.abs(g) *
    ...`, `dx[g <= 0] = 0` for `dx[x <= 0] = 0`) passed. The leaves get copies of `first`
    back. The first leaf that differs, as (its position, the index, minus its gradient for -g
    there, `first`'s), or None; NegatedUpstreamRaised where that backward raised. `atol`:
    a difference let through beyond round-off (gradcheck's nondet_tol, a random backward)."""
    for t in leaves:
        t.grad = None
    try:
        out.backward(-upstream, retain_graph=True)
    except Exception as e:
        for t, g in zip(leaves, first):
            t.grad = None if g is None else g.copy()
        line = str(e).splitlines()[0] if str(e) else ""
        raise NegatedUpstreamRaised(f"backward with the upstream gradient -g raised "
                                    f"{type(e).__name__}: {line}: {LINEAR_WHY}") from e
    found = None
    for j, (t, g) in enumerate(zip(leaves, first)):
        neg = None if t.grad is None else -np.asarray(t.grad)
        t.grad = None if g is None else g.copy()
        if found is not None:
            continue
        if g is None or neg is None:  # (a gradient for one sign and none for the other)
            nz = g if neg is None else neg
            if nz is not None and nz.any():
                k = tuple(int(i) for i in np.argwhere(nz)[0])
                found = (j, k, 0.0 if neg is None else float(neg[k]),
                         0.0 if g is None else float(g[k]))
            continue
        k = first_difference(g, neg, atol=atol)
        if k is not None:
            found = (j, k, float(neg[k]), float(g[k]))
    return found


def relative_error(ga: np.ndarray, gn: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Elementwise |ga - gn| / max(eps, |ga| + |gn|)."""
    return np.abs(ga - gn) / np.maximum(eps, np.abs(ga) + np.abs(gn))


def bits(a: np.ndarray) -> tuple[Any, ...]:
    """dtype, shape and bytes: equal exactly when two arrays are the same bit for bit."""
    a = np.asarray(a)
    return a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes()


def same_twice(who: str, first: np.ndarray, again: Callable[[], np.ndarray], what: str) -> None:
    """Refuse a function whose value changes between calls at the same inputs (bit for bit):
    finite differences of a random function measure its noise (every error ~1, no reason
    given), and a function that differs under no_grad (where the differences run) is another
    function."""
    second = np.asarray(again())
    if bits(first) == bits(second):
        return
    third = np.asarray(again())
    shown = (f"{_show(first)}, then {_show(second)}" if np.size(first) == 1 else
             "different values")
    if bits(second) != bits(third):
        raise ValueError(f"{who} is random: it gave {shown} for the same inputs (dropout in "
                         f"training mode, or a random draw inside {what}): call model.eval(), "
                         f"pin the masks with Dropout.fix_mask(keep), or draw from a fixed seed "
                         f"inside {what}")
    raise ValueError(f"{who} gives {shown} for the same inputs with and without no_grad: the "
                     f"finite differences run under no_grad, so {what} must not depend on it")


def _show(a: np.ndarray) -> str:
    return f"{float(np.asarray(a).reshape(())):.17g}"
