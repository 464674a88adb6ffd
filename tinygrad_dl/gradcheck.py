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
    # perturbing flat must perturb x: reshape is a view only of a C-contiguous array
    flat = x.reshape(-1) if x.flags.c_contiguous else x.flat
    orig = flat[i]
    vals = {}
    try:  # f raising (or Ctrl-C in a long check) left the caller's array moved by 2h
        for k, _ in _STENCILS[order]:
            flat[i] = orig + k * h
            vals[k] = float(_scalar(f(x)))
    finally:
        flat[i] = orig
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
    fine = _derivative_at(f, x, int(np.ravel_multi_index(index, x.shape)), h / 10, order)
    spread = abs(fine - numeric)
    if not spread > 1e-3 * max(abs(fine), abs(numeric)) or spread < 0.1 * abs(analytic - numeric):
        return ""
    return (f"finite differences at h={h:g} and h={h / 10:g} disagree here ({numeric:.6g} vs "
            f"{fine:.6g}): the function has a kink or a jump within {2 * h:g} of this point, "
            "where they measure no derivative; check points away from it "
            "(tinygrad_dl.testing.arrays(..., avoid=[the kink], margin=...))")


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
    note: str = ""  # a likely cause of a failure, printed under the numbers (float32 output)

    @property
    def max_rel_error(self) -> float:
        return max((r.max_rel_error for r in self.inputs), default=0.0)

    @property
    def worst(self) -> InputReport | None:
        return max(self.inputs, key=lambda r: r.max_rel_error, default=None)

    @property
    def passed(self) -> bool:  # each input: max() over a NaN error depends on the order
        return all(r.max_rel_error <= self.tol for r in self.inputs)

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
        if self.note:
            lines.append(f"  note: {self.note}")
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
    that requires grad. f is called with copies of the inputs (float64 for those that require
    grad and for floating constants; integer and boolean ones, class labels, stay as given), so
    f must compute from its arguments: one that reads the original tensors (a closure, or
    `lambda *p: model.loss(X, y)`) is refused, as is an f whose value is random (dropout in
    training mode) or that returns something other than a Tensor.

    The output (a scalar too) is reduced to sum(out * R) with a fixed random R (entries of
    magnitude 0.5..1.5, random signs), which checks the whole vector-Jacobian product,
    multiplying by the upstream gradient included. Backward runs twice and must add exactly
    the same gradient the second time. `inputs` are Tensors (one Tensor alone is a list of
    one); pass constants through f. The tensors f closes over (a model's parameters) keep
    their .grad, as with torch's gradcheck.
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)  # one Tensor, as torch's
    for i, t in enumerate(inputs):  # (an ndarray or a number crashed on t.data or t.requires_grad)
        if not isinstance(t, Tensor):
            raise TypeError(f"gradcheck: inputs[{i}] is {type(t).__name__}, not a Tensor: pass "
                            "Tensors (Tensor(a, requires_grad=True) for an array to check), and "
                            "constants through f itself (lambda x: f(x, 2.0))")
    given = [_copy_for_check(t.data, t.requires_grad) for t in inputs]
    xs = [Tensor(a.copy(), requires_grad=t.requires_grad, name=t.name)
          for a, t in zip(given, inputs)]
    before = [None if t.grad is None else np.array(t.grad, copy=True) for t in inputs]
    out = f(*xs)
    for i, (x, a) in enumerate(zip(xs, given)):  # (it failed later as "f is random")
        if bits(x.data) != bits(a):
            raise ValueError(f"gradcheck: f modified {x.name or f'input {i}'} in place "
                             "(`x *= ...` or `x[...] = ...` in an op's forward?): an op must "
                             "leave its inputs as they were; compute a new array (x = x * 2)")
    if not isinstance(out, Tensor):  # .item()/float() ends the graph: nothing to backward
        raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__} (build it "
                        "from the Tensors f receives; .item() or float() cuts the graph)")
    if not any(x.requires_grad for x in xs):
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    if not out.requires_grad:
        raise ValueError(f"gradcheck: f does not depend on the inputs it was given (its output "
                         f"recorded no graph from them): {_COPIES}, or f ran under no_grad")
    rng = np.random.default_rng(seed)
    # a random weight for a scalar output too: an upstream gradient of exactly 1 lets a
    # backward that forgets to multiply by it (`return 2 * (x - t) / n`, not `... * grad`) pass
    weight = rng.uniform(0.5, 1.5, out.shape) * rng.choice([-1.0, 1.0], out.shape)
    base = out.data.copy()
    given = np.array(weight, dtype=out.data.dtype)  # backward's g, when f ends in the op
    # the leaves f closes over (a model's parameters) keep their .grad, as torch's gradcheck
    # leaves them: the two backwards below added twice their gradient to it
    others = [(t, None if t.grad is None else np.array(t.grad, copy=True))
              for t in _other_leaves(out, xs + inputs)]  # (inputs: see `leaked`)
    try:
        out.backward(given, retain_graph=True)
        if bits(given) != bits(np.asarray(weight, dtype=out.data.dtype)):
            raise ValueError(UPSTREAM_WRITTEN.format(who="gradcheck: f's last op's"))
        # a second backward must add exactly the same gradient (torch's "backward is not
        # reentrant"): one that changes what forward saved (`ctx.k += 1`, `y *= g`) was right
        # the first time, the only one compared, and wrong in a training loop's retain_graph
        # calls
        first = [None if x.grad is None else np.array(x.grad, copy=True) for x in xs]
        try:
            out.backward(np.array(weight, dtype=out.data.dtype))
        except Exception as e:  # (a backward that freed what it read: `ctx.saved = None`)
            raise ValueError(f"gradcheck: a second backward through f (the first with "
                             f"retain_graph=True) raised {type(e).__name__}: "
                             f"{str(e).splitlines()[0] if str(e) else ''}: backward must only "
                             "read ctx, never free or change it") from e
    finally:
        for t, g in others:
            t.grad = g
    for i, (x, g) in enumerate(zip(xs, first)):
        if g is not None and not np.array_equal(x.grad, g + g, equal_nan=True):
            raise ValueError(f"gradcheck: a second backward through f gave {x.name or f'input {i}'}"
                             " another gradient (backward changed what forward saved, or is "
                             "random): backward must only read ctx")
        x.grad = g
    # f that reads the caller's tensors fills *their* .grad, while the copies it was handed
    # (what is compared) get none: every such input would pass as analytic 0 vs numeric 0
    leaked = [t.name or f"input {i}" for i, (t, g) in enumerate(zip(inputs, before))
              if _grad_changed(t.grad, g)]
    for t, g in zip(inputs, before):
        if _grad_changed(t.grad, g):
            t.grad = g  # the caller's tensors are left as they were
    if leaked:
        raise ValueError(f"gradcheck: f reads {', '.join(leaked)} itself, not the copies it is "
                         f"given: {_COPIES} (for a model's parameters: compare_gradients)")

    def value() -> np.ndarray:
        with no_grad():
            return f(*xs).data

    _same_twice("gradcheck: f", base, value, "f")

    def loss_at(_: np.ndarray) -> float:
        with no_grad():  # minus base: outputs the perturbed input can't move add exact zeros
            o = f(*xs).data - base
        return float((o * weight).sum())

    report = GradcheckReport(tol=tol)
    reached = False  # did backward reach any checked input?
    moved = False  # did moving any checked input change f?
    kinks = []  # a failed input's note when f is not smooth at its worst element
    for i, x in enumerate(xs):
        if not x.requires_grad:
            continue
        reached |= x.grad is not None
        ga = x.grad if x.grad is not None else np.zeros_like(x.data)
        gn = numerical_grad(loss_at, x.data, h=h, order=order)
        moved |= bool(np.any(gn != 0))
        if out.data.size == 1:  # both are w * d(out)/dx: reported as d(out)/dx, W.grad's scale
            ga, gn = ga / weight.reshape(()), gn / weight.reshape(())
        with np.errstate(invalid="ignore"):  # NaN compares False: an input whose gradient
            err = np.nan_to_num(relative_error(ga, gn, eps), nan=np.inf)  # is NaN passed
        k = int(np.argmax(err)) if err.size else 0
        idx = np.unravel_index(k, err.shape) if err.size else ()
        report.inputs.append(InputReport(
            name=x.name or f"input {i}", shape=x.shape,
            max_rel_error=float(err.reshape(-1)[k]) if err.size else 0.0,
            worst_index=tuple(int(j) for j in idx),
            analytic=float(ga.reshape(-1)[k]) if err.size else 0.0,
            numeric=float(gn.reshape(-1)[k]) if err.size else 0.0,
        ))
        r = report.inputs[-1]
        if r.max_rel_error > tol:  # (in the report's units: a scalar output's, divided by w)
            w = float(weight.reshape(())) if out.data.size == 1 else 1.0
            note = _rounding_note(f, xs, x, r, base, weight, h, w) or kink_note(
                lambda a, w=w: loss_at(a) / w, x.data, r.worst_index, h, r.analytic, r.numeric,
                order)
            kinks += [f"{r.name}: {note}"] if note else []
    if not reached and not moved and any(x.size for x in xs if x.requires_grad):
        # analytic 0 vs numeric 0 everywhere checks nothing; a function partly constant in its
        # inputs still passes (some input got a gradient), and one constant in all of them has
        # no gradient to check
        raise ValueError(f"gradcheck: f does not depend on the inputs it was given (no input "
                         f"received a gradient and moving each changes nothing): {_COPIES}")
    if not report.passed:
        report.note = _dtype_note(out.data.dtype, "f", reached) or "; ".join(kinks)
    if raise_on_fail and not report.passed:
        raise GradcheckError(report)
    return report


def _rounding_note(f: Callable[..., Tensor], xs: list[Tensor], x: Tensor, r: InputReport,
                   base: np.ndarray, weight: np.ndarray, h: float, w: float) -> str:
    """Why a right backward can fail where f is large: each value of f rounds by ~1e-16 of
    the outputs the element moves, ~1e-15 of them over h in a finite difference (x ** 3 at
    2e8, 8e24: a numeric derivative 1.5e12 off, which kink_note called a kink); '' where the
    error is larger than that."""
    flat = x.data.reshape(-1) if x.data.flags.c_contiguous else x.data.flat
    at = int(np.ravel_multi_index(r.worst_index, x.shape)) if x.size else 0
    if not x.size:
        return ""
    orig = flat[at]
    try:
        flat[at] = orig + h
        with no_grad():
            moved = f(*xs).data != base
    finally:
        flat[at] = orig
    terms = np.abs(base * weight)[moved]
    noise = 1e-15 * float(terms[np.isfinite(terms)].sum()) / abs(w) / h
    if not abs(r.analytic - r.numeric) <= noise:
        return ""
    return (f"the numeric derivative at h={h:g} carries the rounding of the values of f this "
            f"element moves (up to ~{noise:.2g} here), more than the error: no gradient error "
            "can be measured there; check at smaller values, or with a larger h")


# a backward that writes into g corrupts the gradient of every op that shares g (an add sends
# one array to both inputs): check_grad blamed what forward saved, gradcheck gave no reason
UPSTREAM_WRITTEN = ("{who} backward wrote into its upstream gradient g in place (`g *= ...`): "
                    "that array may be another op's gradient too (an add hands the same one to "
                    "both inputs); compute a new array (return g * 2)")


_COPIES = ("gradcheck passes copies of the inputs — compute from f's arguments "
           "(lambda W, b: ..., using W and b), not from tensors f closes over")


def _copy_for_check(data: Any, checked: bool) -> np.ndarray:
    """A copy the check owns: float64 for an input whose gradient is checked and for floating
    constants (the check runs in float64); integer and boolean arrays (class labels, indices,
    masks) keep their dtype, which ops like cross_entropy require."""
    a = np.asarray(data)
    if checked or a.dtype.kind == "f":
        return np.array(a, dtype=np.float64)
    return np.array(a, copy=True)


def _other_leaves(out: Tensor, mine: list[Tensor]) -> list[Tensor]:
    """The leaves requiring grad in out's graph that are not in `mine` (f's closed-over
    parameters), each once."""
    own, seen, found, stack = {id(x) for x in mine}, set(), {}, [out]
    while stack:
        t = stack.pop()
        if id(t) in seen or not isinstance(t, Tensor):
            continue
        seen.add(id(t))
        if t._ctx is None:
            if t.requires_grad and id(t) not in own:
                found[id(t)] = t
            continue
        stack.extend(t._ctx.parents)
    return list(found.values())


def _grad_changed(now: Any, before: np.ndarray | None) -> bool:
    if now is None:
        return before is not None
    return before is None or not np.array_equal(np.asarray(now), before, equal_nan=True)


def _dtype_note(dtype: np.dtype, who: str, reached: bool) -> str:
    """A likely cause for a failed check, or ''."""
    if dtype.kind == "f" and dtype.itemsize < 8:
        return (f"{who} returned {dtype} for float64 inputs; the check runs in float64, so "
                f"{dtype} rounding shows as gradient error (compute in the input's dtype)")
    if not reached:
        return (f"backward reached no checked input: does {who} use x.data, .item() or "
                "detach()?")
    return ""


def bits(a: np.ndarray) -> tuple[Any, ...]:
    """dtype, shape and bytes: equal exactly when two arrays are the same bit for bit."""
    a = np.asarray(a)
    return a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes()


def _same_twice(who: str, first: np.ndarray, again: Callable[[], np.ndarray], what: str) -> None:
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

    _same_twice("compare_gradients: loss_fn()", np.asarray(loss.data), value, "loss_fn")
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
