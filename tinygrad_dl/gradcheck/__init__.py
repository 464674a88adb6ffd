"""Gradient checking by central finite differences, in float64.

The error measure is the course's relative error, elementwise:
    |g_a - g_n| / max(eps, |g_a| + |g_n|)
and a check reports its maximum and the worst element.

The finite differences and what they tell about a failed check live in
`tinygrad_dl.gradcheck.differences`, compare_gradients in `tinygrad_dl.gradcheck.compare`;
every public name is importable from here.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import no_grad
from ..functional import concatenate
from ..tensor import Tensor
from .compare import compare_gradients
from .differences import (
    LINEAR,
    NegatedUpstreamRaised,
    bits,
    first_difference,
    kink_note,
    negated_upstream_differs,
    numerical_grad,
    relative_error,
    same_twice,
    step_spread,
    without_rounding_step,
)

__all__ = ["LINEAR", "UPSTREAM_WRITTEN", "GradcheckError", "GradcheckReport", "InputReport",
           "NegatedUpstreamRaised", "bits", "compare_gradients", "first_difference", "gradcheck",
           "join_outputs", "kink_note", "negated_upstream_differs", "numerical_grad", "one_output",
           "op_name", "relative_error", "same_twice", "step_spread", "without_rounding_step"]


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
    op: str = ""  # f's name where it has one (a Function's class, a def), for the first line
    # a failure the finite differences pass (backward(-g) is not -backward(g)): its first line
    failure: str = ""

    @property
    def max_rel_error(self) -> float:
        return max((r.max_rel_error for r in self.inputs), default=0.0)

    @property
    def worst(self) -> InputReport | None:
        return max(self.inputs, key=lambda r: r.max_rel_error, default=None)

    @property
    def passed(self) -> bool:  # each input: max() over a NaN error depends on the order
        return not self.failure and all(r.max_rel_error <= self.tol for r in self.inputs)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = ("passed" if self.passed else "FAILED") + (f" for {self.op}" if self.op else "")
        first = (f"gradcheck {head}: max relative error {self.max_rel_error:.3e} "
                 f"(tol {self.tol:.0e})")
        w = self.worst
        if self.failure:  # (the errors below pass: no worst element to name)
            first = f"gradcheck {head}: {self.failure}"
        elif not self.passed and w is not None:  # the first line alone says where and what: a
            # log or a pytest summary shows only it
            first += (f" at {w.name} {w.worst_index}: analytic {w.analytic:.10g}, numeric "
                      f"{w.numeric:.10g}")
        lines = [first]
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
    raise_exception: bool | None = None,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    fast_mode: bool = False,
    **torch_options: Any,
) -> GradcheckReport:
    """Compare autograd's gradient of f(*inputs) with finite differences, for every input
    that requires grad. f is called with copies of the inputs (float64 for those that require
    grad and for floating constants; integer and boolean ones, class labels, stay as given), so
    f must compute from its arguments: one that reads the original tensors (a closure, or
    `lambda *p: model.loss(X, y)`) is refused, as is an f whose value is random (dropout in
    training mode) or that returns something other than a Tensor.

    The output (a scalar too) is reduced to sum(out * R) with a fixed random R (entries of
    magnitude 0.5..1.5, random signs), which checks the whole vector-Jacobian product,
    multiplying by the upstream gradient included. Backward runs twice and must give the same
    gradient the second time (bit for bit, or within nondet_tol): one that gives another
    fails the check (torch's "backward is not reentrant"); one that raises the second time
    raises ValueError whatever raise_exception says, as torch's lets the error through.
    `inputs` are Tensors (one Tensor alone is a list of one); pass constants through f. The
    tensors f closes over (a model's parameters) keep their .grad, as with torch's gradcheck.
    f may return a tuple of Tensors (checked as one: `one_output`).

    torch.autograd.gradcheck's keywords: raise_exception (raise_on_fail's name there; False
    returns the report, false when failed: where torch returns the bool False, test it with
    `not` or `.passed`, never `is False` or `== False`), nondet_tol (>= 0: the largest
    difference let between the two backwards' gradients, and between backward(-g) and
    -backward(g); f itself must give the same value every call), check_undefined_grad
    (backward always gets an array here) and fast_mode (the full check is run) are taken;
    others (atol, rtol, ...) raise one line saying what to use. Note that torch's eps is the
    step, here h: eps here floors the relative error's denominator.
    """
    if raise_exception is not None:
        raise_on_fail = bool(raise_exception)
    _refuse_torch_options(torch_options, nondet_tol)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)  # one Tensor, as torch's
    name = op_name(f)
    f = one_output(f, "gradcheck: f")
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
    raised = None  # (backward with -g raised, and with g did not: told after `others`)
    try:
        out.backward(given, retain_graph=True)
        if bits(given) != bits(np.asarray(weight, dtype=out.data.dtype)):
            raise ValueError(UPSTREAM_WRITTEN.format(who="gradcheck: f's last op's"))
        # a second backward must add exactly the same gradient (torch's "backward is not
        # reentrant"): one that changes what forward saved (`ctx.k += 1`, `y *= g`) was right
        # the first time, the only one compared, and wrong in a training loop's retain_graph
        # calls
        first = [None if x.grad is None else np.array(x.grad, copy=True) for x in xs]
        checked = [j for j, x in enumerate(xs) if x.requires_grad]  # (the sign of g: told
        # only where the finite differences pass, below, which name a wrong gradient better)
        try:
            try:
                signed = negated_upstream_differs(out, given, [xs[j] for j in checked],
                                                  [first[j] for j in checked], nondet_tol)
            except NegatedUpstreamRaised as e:  # (the next backward tells a freed ctx from it)
                signed, raised = None, e
            for x in xs:  # (the second gradient alone: added onto the first, a difference
                x.grad = None  # under half an ulp of their sum rounded away, nondet_tol 0 too)
            out.backward(np.array(weight, dtype=out.data.dtype))
        except Exception as e:  # (a backward that freed what it read: `ctx.saved = None`)
            # (torch's gradcheck lets the backward's error through whatever raise_exception
            # says: a refusal here too, not a failed report)
            raise ValueError(f"gradcheck: {name or 'f'}: a second backward (the first with "
                             f"retain_graph=True) raised {type(e).__name__}: "
                             f"{str(e).splitlines()[0] if str(e) else ''}: backward must only "
                             "read ctx, never free or change it") from e
    finally:
        for t, g in others:
            t.grad = g
    if raised is not None:  # it raised for -g only: as torch's gradcheck, not a failed report
        raise ValueError(f"gradcheck: {name or 'f'}: {raised}") from raised.__cause__
    unequal = ""  # (the first input whose second gradient differs: failed as torch's
    for i, (x, g) in enumerate(zip(xs, first)):  # "backward is not reentrant", below)
        if g is not None and not unequal:
            unequal = _second_gradient_differs(x.grad, g, nondet_tol, x.name or f"input {i}")
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

    same_twice("gradcheck: f", base, value, "f")

    def loss_at(_: np.ndarray) -> float:
        with no_grad():  # minus base: outputs the perturbed input can't move add exact zeros
            o = f(*xs).data - base
        return float((o * weight).sum())

    report = GradcheckReport(tol=tol, op=name)
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
    # both failed as a wrong gradient is (a report, or GradcheckError with raise_exception=True)
    if unequal:  # (told first, as torch's: where the numbers fail too, it is why)
        report.failure = unequal
    elif report.passed and signed is not None:  # right for this upstream weight's signs only
        j, k, a, b = signed
        report.failure = (f"{xs[checked[j]].name or f'input {checked[j]}'}: "
                          + LINEAR.format(k=k, a=a, b=b))
    if not report.passed:
        report.note = _dtype_note(out.data.dtype, "f", reached) or "; ".join(kinks)
    if raise_on_fail and not report.passed:
        raise GradcheckError(report)
    return report


# torch.autograd.gradcheck's options with no counterpart here, and what to use instead
_TORCH_ONLY = {"atol": "tol= bounds the relative error |a - n| / max(eps, |a| + |n|)",
               "rtol": "tol= bounds the relative error |a - n| / max(eps, |a| + |n|)",
               "check_batched_grad": "no vmap", "check_batched_forward_grad": "no vmap",
               "check_forward_ad": "no forward-mode AD", "masked": "no sparse tensors",
               "check_backward_ad": "backward is always checked",
               "check_grad_dtypes": "testing.check_float32 checks float32 gradients"}


def _refuse_torch_options(given: Mapping[str, Any], nondet_tol: float) -> None:
    """One line for an option of torch's gradcheck with no counterpart here (Python's "got an
    unexpected keyword argument 'atol'" did not say what to use instead)."""
    if not (isinstance(nondet_tol, numbers.Real) and not isinstance(nondet_tol, bool)
            and nondet_tol >= 0):  # (torch's fails every op for a negative one, passes any
        # backward for NaN)
        raise ValueError(f"gradcheck: nondet_tol={nondet_tol!r} must be a number >= 0: the "
                         "largest difference let between two backwards' gradients (0: bit "
                         "for bit)")
    for name in given:
        why = _TORCH_ONLY.get(name)
        if why is None:
            raise TypeError(f"gradcheck: unknown option {name}=; the options are tol, h, "
                            "order, eps, seed, raise_on_fail (and torch's raise_exception, "
                            "nondet_tol, check_undefined_grad, fast_mode)")
        raise TypeError(f"gradcheck: {name}= is torch.autograd.gradcheck's, not supported "
                        f"here: {why}")


def op_name(f: Callable[..., Any]) -> str:
    """The name a failure message gives f: a Function's class (`Cube.apply` -> "Cube"), a
    def's name; "" for a lambda (its name says nothing)."""
    owner = getattr(f, "__self__", None)
    if isinstance(owner, type):
        return owner.__name__
    name = getattr(f, "__name__", "") or ""
    return "" if name == "<lambda>" else name


def one_output(f: Callable[..., Any], who: str) -> Callable[..., Any]:
    """f, its outputs joined by `join_outputs` where it returns several."""
    def joined(*args: Any, **kw: Any) -> Any:
        return join_outputs(f(*args, **kw), who)
    return joined


def join_outputs(out: Any, who: str) -> Any:
    """out, or, where it is a tuple or list of Tensors (torch's gradcheck takes them: values
    and indices, several heads), one Tensor: its floating outputs flattened and concatenated,
    so the check's random weights cover each; integer and boolean outputs (an argmax) have no
    gradient and are left out, as torch leaves them. Floating outputs that record no graph are
    kept (torch leaves them out): one that moves with an input (a `.detach()` where a gradient
    was due) fails. The join is in the narrowest floating dtype among them, so that a float32
    output among float64 ones is named as such (joined in float64, its rounding was called a
    kink). A tuple was refused as "must return a Tensor"."""
    if not isinstance(out, (tuple, list)):
        return out
    for k, o in enumerate(out):
        if not isinstance(o, Tensor):
            raise TypeError(f"{who} returned a {type(out).__name__} whose output {k} is "
                            f"{type(o).__name__}, not a Tensor: return Tensors only")
    floats = [o for o in out if o.data.dtype.kind == "f"]
    if not floats:
        raise TypeError(f"{who} returned {len(out)} outputs, none floating-point: there is "
                        "no gradient to check")
    narrow = min((o.data.dtype for o in floats), key=lambda d: d.itemsize)
    return concatenate([(o if o.data.dtype == narrow else o.astype(narrow)).reshape(-1)
                        for o in floats])


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


def _second_gradient_differs(now: Any, g: np.ndarray, nondet_tol: float, who: str) -> str:
    """'' where a second backward gave `now`, g again (its gradient the first time): bit for
    bit, or within nondet_tol (torch's max |difference| <= nondet_tol); else the failure,
    naming the input, where and by how much (torch's "backward is not reentrant")."""
    now = np.zeros_like(g) if now is None else np.asarray(now)  # (None: no gradient)
    if np.array_equal(now, g, equal_nan=True):
        return ""
    with np.errstate(invalid="ignore"):
        off = np.abs(now - g)
    same = (now == g) | (np.isnan(now) & np.isnan(g))
    off = np.where(same, 0.0, np.nan_to_num(off, nan=np.inf))
    if off.max(initial=0.0) <= nondet_tol:
        return ""
    k = tuple(int(j) for j in np.unravel_index(int(np.argmax(off)), off.shape))
    return (f"{who}: a second backward gave another gradient (off by {off[k]:.3g} at {k}, "
            f"nondet_tol {nondet_tol:g}): backward changed what forward saved (`ctx.k += 1`) "
            "or is random (torch's \"backward is not reentrant\"): backward must only read "
            "ctx; for one random by design pass a nondet_tol above that difference")


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
