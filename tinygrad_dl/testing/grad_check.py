"""check_grad: an op's autograd gradients against the library's finite differences, with
what can tell a wrong backward from the differences' own noise (the floors of the relative
error, rounding steps, the results inside the op), and its side checks (the inputs untouched,
a second backward, another memory layout). Re-exported by tinygrad_dl.testing."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_dl import Function, Tensor, hooks, no_grad
from tinygrad_dl.grad import GradArray
from tinygrad_dl.gradcheck import (
    LINEAR,
    UPSTREAM_WRITTEN,
    NegatedUpstreamRaised,
    bits,
    first_difference,
    join_outputs,
    kink_note,
    negated_upstream_differs,
    numerical_grad,
    one_output,
    op_name,
    relative_error,
    step_spread,
    without_rounding_step,
)

TOL = 1e-7  # float64 relative error vs the 4-point stencil; the library's gradcheck default


# ---- the check -----------------------------------------------------------------------------
def _floor(scales: list[float], x: np.ndarray, unmoved: float) -> np.ndarray:
    """Per element of x, 1e-4 times the largest scale its perturbations reported, or times
    `unmoved` (the scale of all the outputs, `_unmoved_scale`) where none reported any: those
    moved no output (at least 1)."""
    per_call = np.reshape(scales, (x.size, -1)) if x.size else np.zeros((0, 1))
    top = per_call.max(axis=1, initial=0.0)
    return 1e-4 * np.maximum(1.0, np.where(top > 0, top, unmoved)).reshape(x.shape)


def _unmoved_scale(out0: np.ndarray, G: np.ndarray) -> float:
    """The scale of an element whose perturbations by +-h and +-2h moved no output: its effect
    on each output it reads into stayed below that output's rounding (|d o_j| 2h < ulp(o_j)),
    so its numeric derivative is exactly 0 whatever its true one, up to ~1e-12 * sum |G_j o_j|
    over those outputs. Which ones they are is unknown (none moved), so all of them, weighted
    as the moved ones are in check_grad's f. Without this the floor fell to 1e-4 of "at least 1": a
    conv3d weight of 7.2e-12 into an output of 14 gave analytic 1.0e-11 (exact, torch agrees)
    vs numeric 0, relative error 1.01e-7 (hypothesis, tests/test_ops.py). A wrong gradient that
    h could see still fails (|error| <= 1e-11 * this): analytic 1e-3, or O(1) for an element
    the op never reads, unless sum |G_j o_j| is ~1e8 (where 1e-3 is below what h resolves)."""
    fine = np.isfinite(out0)
    return max(float(np.abs(out0[fine]).max(initial=0.0)),
               float((np.abs(np.broadcast_to(G, out0.shape)) * np.abs(out0))[fine].sum()))


def _errors(ga: np.ndarray, gn: np.ndarray, floor: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # NaN is never > tol: a NaN or infinite gradient
        return np.nan_to_num(relative_error(ga, gn, eps=floor), nan=np.inf)  # (inf/inf) passed


def _rounding_steps_out(f: Any, x: np.ndarray, ga: np.ndarray, gn: np.ndarray,
                        floor: np.ndarray, err: np.ndarray, tol: float, h: float) -> np.ndarray:
    """gn with the failing elements' rounding steps taken out where that is what they are
    (gradcheck.without_rounding_step; at most 20 elements, each 4 more calls of f): a tiny
    weight's product turned a rounding tie of a sum inside one op (a conv's 3 * -2.72 + 2 + 6
    at 8, cancelled to 0.16), one ulp of 8 at every h, a numeric 1.3e-11 for a gradient of
    3e-146 (hypothesis, tests/test_conv.py). The step allowed is 1e-8 of the element's floor
    (1e-12 of its outputs' scale): a jump of f is larger and stays a failure."""
    gn = gn.copy()
    for k in map(tuple, np.argwhere(err > tol)[:20]):
        d = without_rounding_step(f, x, k, h, float(gn[k]), 1e-8 * float(floor[k]))
        if d is not None:
            gn[k] = d
    return gn


def _inner_floor_checked(f: Any, x: np.ndarray, ga: np.ndarray, gn: np.ndarray,
                         err: np.ndarray, err_out: np.ndarray, tol: float, h: float
                         ) -> tuple[np.ndarray, str]:
    """err, with the elements that passed only by the floor of the op's intermediate results
    (`_moved_scale`) held to the outputs' floor again where those results added no rounding to
    the finite difference: its rounding noise grows 10x and 100x at h / 10 and h / 100, so a
    numeric derivative that moves by less than 1% of |analytic - numeric| there is a derivative,
    and the analytic one is wrong (rounding that stays put from h to h / 10 as a sum's does,
    1.45e-11 then 1.05e-11 where BCE's gradient is 0 at p = y, moves more than that). A result
    the output never reads (the other branch of a where, a product with 0: `where(x > 0, op(x),
    exp(40 x))`) floored every element at 1e-4 of exp(40 x) and passed a backward 1% off. At
    most the 20 worst elements, 8 calls of f each."""
    rescued = np.argwhere((err_out > tol) & (err <= tol))
    if not len(rescued):
        return err, ""
    err = err.copy()
    order = np.argsort([-err_out[tuple(k)] for k in rescued], kind="stable")
    held = False
    for k in map(tuple, rescued[order][:20]):
        if step_spread(f, x, k, h, float(gn[k])) < 0.01 * abs(ga[k] - gn[k]):
            err[k], held = err_out[k], True
    if held:
        return err, (" (note: the finite differences agree at h/10 and h/100, so the large "
                     "intermediate results of the op that this element moves add no rounding "
                     "here: the error is the gradient's)")
    return err, ""


class _Results:
    """Every op's result in one forward, in order, with its magnitude (`_magnitude`): heard in
    the engine's anomaly slot (which every op reports to, recorded or not), so that the check
    sees the intermediate values a perturbation moved, not only the outputs (see
    `_moved_scale`)."""

    def __init__(self) -> None:
        self.arrays: list[tuple[np.ndarray, np.ndarray]] = []

    def forward(self, ctx: Any, inputs: Any, data: Any, params: Any = None) -> None:
        a = np.asarray(data)
        if a.dtype.kind == "f":
            self.arrays.append((a, _magnitude(ctx, inputs, a, params)))

    def backward(self, ctx: Any, g: Any, in_grads: Any) -> None:  # (forwards only here)
        pass


def _magnitude(ctx: Any, inputs: Any, a: np.ndarray, params: Any) -> np.ndarray:
    """|a|; for a multilinear op (its Function says `multilinear = True`: matmul, conv, linear,
    einsum, each a sum of products of its inputs' entries), the op of its inputs' absolute
    values, the largest its partial sums can be: they round at that magnitude inside the one
    op before they cancel to `a` (a conv's 2.73 * -3 + ... = 0.43, 9x its output: a tiny
    weight's gradient, 1.1e-6 * G, measured 1.5e-11 off, over the outputs' floor)."""
    if not _declares_multilinear(type(ctx)):
        return np.abs(a)
    bound = type(ctx)()
    bound.needs_input_grad = [False] * len(inputs)
    with np.errstate(all="ignore"):
        m = np.abs(np.asarray(bound.forward(*[np.abs(t.data) for t in inputs], **(params or {}))))
    return m if m.shape == a.shape else np.abs(a)


def _declares_multilinear(cls: type) -> bool:
    """`multilinear = True` said of the forward that runs: by the class that defines it or a
    subclass of it. A subclass of MatMul whose own forward is exp(x @ y) inherited the flag,
    and exp(|x| @ |y|) = 1800 floored its gradient: a backward 1% off passed."""
    for k in cls.__mro__:
        if "multilinear" in k.__dict__:
            return bool(k.__dict__["multilinear"])
        if "forward" in k.__dict__:
            return False
    return False


def _results(op: Callable[..., Tensor], inputs: list[Tensor], kw: dict[str, Any]
             ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """op's output under no_grad and every op's result on the way, in order, each with its
    magnitude."""
    heard = _Results()
    with hooks.attach(anomaly=heard), no_grad():
        out = op(*inputs, **kw).data
    return out, heard.arrays


def _moved_scale(now: list[tuple[np.ndarray, np.ndarray]],
                 then: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The largest magnitude among the op results a perturbation moved (results compared in
    order with the unperturbed forward's, where their shapes agree)."""
    top = 0.0
    for (a, ma), (b, mb) in zip(now, then):
        if a.shape == b.shape:
            at = a != b
            if at.any():
                m = np.concatenate([ma[at], mb[at]])
                top = max(top, float(m[np.isfinite(m)].max(initial=0.0)))
    return top


def upstream(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """A random upstream gradient with entries of magnitude 0.5..1.5 and random signs."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def check_grad(
    op: Callable[..., Tensor],
    *arrays: np.ndarray,
    ref: Callable[..., Any] | None = None,
    wrt: Sequence[int] | None = None,
    h: float = 1e-4,
    tol: float = TOL,
    seed: int = 0,
    **kw: Any,
) -> Any:
    """Check op(*Tensors, **kw)'s autograd gradients against the library's finite differences.

    Leaves are built from copies of `arrays` (those listed in `wrt`, default all, require
    grad, and are float64; the others keep their dtype where it is not floating, so integer
    class labels stay integers; negative indices in `wrt` count from the end, as Python's
    do); backward runs with a random upstream gradient G, and each leaf's .grad is compared
    with numerical_grad of sum(G * (op(x) - op(x0))) by the course's relative error: its max
    over elements must be <= tol. Subtracting the unperturbed output makes outputs that do
    not depend on the perturbed element contribute exact zeros, so the finite-difference
    noise stays at the level of the op itself (the error's denominator is floored at that
    noise level, element by element, see below). A leaf that backward never
    reached (grad None) counts as a zero gradient, but an op that none of its checked inputs
    reach or move (it reads tensors it closes over) is refused, as is a random op. Also
    checks that the forward matches `ref` (a NumPy function) when given (to 1e-12 of each
    entry or of the largest entry's magnitude, whichever is larger), that
    no_grad gives the same values, that grads are ndarrays of their leaf's shape and dtype,
    and that backward leaves the inputs untouched. Returns what the op returned (a tuple of
    outputs is checked as one, see gradcheck.join_outputs).
    """
    _check_own_names(op, {k for k, v in (("seed", seed), ("h", h), ("tol", tol), ("ref", ref),
                                         ("wrt", wrt)) if v is not None  # (wrt: an array too)
                          and (_DEFAULTS[k] is None or v != _DEFAULTS[k])})
    wrt = range(len(arrays)) if wrt is None else _normalize_wrt(wrt, len(arrays))
    who = f"check_grad: {op_name(op) or 'the op'}"  # (a lambda: no name worth giving)
    ref = None if ref is None else _joined_ref(ref)
    originals = [_copy_for_check(a, i in wrt) for i, a in enumerate(arrays)]
    leaves = [Tensor(a.copy(), requires_grad=i in wrt) for i, a in enumerate(originals)]
    returned = op(*leaves, **kw)  # (the caller gets the op's own outputs back, not the join)
    out = join_outputs(returned, who)
    op = one_output(op, who)  # several outputs: checked as one
    assert isinstance(out, Tensor), f"op returned {type(out).__name__}, not a Tensor"
    _unchanged("check_grad: the op", [t.data for t in leaves], originals)
    if any(i in wrt for i in range(len(arrays))) and not out.requires_grad:
        raise ValueError(f"check_grad: the op's output recorded no graph from the inputs it "
                         f"was given: {_COPIES}")
    out0 = out.data.copy()
    if ref is not None:
        expected = np.asarray(ref(*originals, **kw))
        assert out0.shape == expected.shape, f"forward shape {out0.shape} != {expected.shape}"
        # (to 1e-12 of each entry, or of the output's largest: a matrix function's entries
        # are exact only to round-off of its norm, exp(A)'s -1.96 beside 8e4 to 2.4e-12)
        finite = np.abs(expected[np.isfinite(expected)])  # (an inf entry: no floor of inf)
        floor = 1e-12 * max(1.0, float(np.max(finite, initial=0.0)))
        np.testing.assert_allclose(out0, expected, rtol=1e-12, atol=floor, err_msg="forward")
    with no_grad():
        again = op(*[Tensor(a) for a in originals], **kw)
    assert again._ctx is None and not again.requires_grad, "no_grad recorded a graph"
    if bits(again.data) != bits(out0):
        with no_grad():  # a third value tells a random op from one that differs under no_grad
            third = op(*[Tensor(a) for a in originals], **kw).data
        if bits(third) != bits(again.data):
            raise ValueError("check_grad: the op is random (it gave different values for the "
                             "same inputs: dropout in training mode, or a random draw): "
                             "finite differences would measure its noise; fix the mask or seed")
    np.testing.assert_array_equal(again.data, out0, err_msg="no_grad forward differs")

    G = upstream(out0.shape, seed)
    given = G.copy()  # the engine hands the op's backward this very array as its g
    out.backward(given, retain_graph=True)
    if bits(given) != bits(G):
        raise AssertionError(UPSTREAM_WRITTEN.format(who="the op's"))
    for leaf, a in zip(leaves, originals):
        np.testing.assert_array_equal(leaf.data, a, err_msg="backward modified an input")
    # a backward that writes into what forward saved (`y = ctx.saved[0]; y *= grad`) passed:
    # its output changed, and the next backward through the graph went wrong
    np.testing.assert_array_equal(out.data, out0, err_msg="backward modified the op's output "
                                  "(an array its forward saved, written in place?)")
    first = [leaves[i].grad.copy() if leaves[i].grad is not None else None for i in wrt]
    raised = None
    try:  # a second backward adds exactly the same gradient again (and one of -G: below)
        try:
            signed = negated_upstream_differs(out, G, [leaves[i] for i in wrt], first)
        except NegatedUpstreamRaised as e:  # (the backward with G tells a freed ctx from it)
            signed, raised = None, e
        for i in wrt:  # (the second gradient alone: added onto the first, a difference under
            leaves[i].grad = None  # half an ulp of their sum rounded away, as in gradcheck)
        out.backward(G)
    except Exception as e:  # (a backward that freed what it read: `ctx.saved = None`)
        raise AssertionError(f"a second backward (the first with retain_graph=True) raised "
                             f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}: "
                             "backward must only read ctx, never free or change it") from e
    for i, g in zip(wrt, first):
        if g is not None:
            np.testing.assert_array_equal(leaves[i].grad, g, err_msg=(
                f"input {i}: a second backward gave another gradient (backward changed what "
                "forward saved?)"))
            leaves[i].grad = g
    if raised is not None:
        raise AssertionError(f"{who}: {raised}") from raised.__cause__

    checks = []
    unmoved = _unmoved_scale(out0, G)  # (the floor of an element that moves no output)
    for i in wrt:
        ga = leaves[i].grad
        if ga is not None:
            assert type(ga) in (np.ndarray, GradArray), (  # an array, not a scalar or a matrix
                f"input {i}: .grad is {type(ga).__name__}, not ndarray")
            assert ga.shape == originals[i].shape, (
                f"grad {i} shape {ga.shape} != {originals[i].shape}")
            assert ga.dtype == np.float64, f"grad {i} dtype {ga.dtype}"
        x = originals[i].copy()
        inputs = [Tensor(a) for a in originals]
        inputs[i] = Tensor(x)  # numerical_grad perturbs x in place; this Tensor sees it
        scales: list[float] = []
        outer: list[float] = []  # the outputs' part of scales alone (see _inner_floor_checked)
        steps: list[tuple[np.ndarray, np.ndarray]] = []  # every op's result and its
        # magnitude, unperturbed (filled only below)

        def f(_: np.ndarray, inputs: list[Tensor] = inputs, scales: list[float] = scales,
              steps: list[tuple[np.ndarray, np.ndarray]] = steps,
              outer: list[float] = outer) -> float:
            if steps:
                o, now = _results(op, inputs, kw)
            else:
                with no_grad():
                    o = op(*inputs, **kw).data
            # the scale of the outputs this perturbation moved: only they add rounding noise,
            # each its own, weighted by G in the sum below (the largest alone missed that: a
            # 2x3x3 `t - t.mean(0)` of y broadcast everywhere has gradient 0, and 18 outputs'
            # rounding gave a numeric -1.3e-11 over the largest's floor); and the results on
            # the way that it moved, which round at their own magnitude before a cancellation
            # shrinks them (`x + 4y` at 6, centred to 1.9: -1.2e-11 over the outputs' floor)
            at = o != out0
            moved = np.abs(np.concatenate([o[at], out0[at]]))
            g = np.abs(np.broadcast_to(G, o.shape)[at])
            weighted = g * np.abs(o[at])
            fine = np.isfinite(moved)
            outer.append(max(float(moved[fine].max(initial=0.0)), float(
                weighted[np.isfinite(weighted)].sum())))
            scales.append(max(outer[-1], _moved_scale(now, steps) * float(g.sum())
                              if steps else 0.0))
            return float((G * (o - out0)).sum())

        gn = numerical_grad(f, x, h=h, order=4)
        # Rounding in op(x +- k h) leaves ~3e-12 * |out| of noise in a numerical derivative
        # (h = 1e-4), |out| over the outputs that element moves, so the relative error's
        # denominator is floored at 1e-4 * that |out| (at least 1e-4), element by element:
        # entries far below their outputs' scale are held to |error| <= tol * 1e-4 * |out|
        # (~25x that noise) instead of to a relative error that finite differences cannot
        # resolve. One floor for all elements (the largest |out|) let exp's 7e10 at x=25 hide
        # analytic 0 vs numeric 0.37 at x=-1. An element that moved no output has no |out| of
        # its own: any output could be one it moves below its rounding, so all of them count
        # (`_unmoved_scale`).
        floor = _floor(scales, x, unmoved)
        ga = np.zeros_like(originals[i]) if ga is None else ga
        if x.size and _errors(ga, gn, floor).max() > tol:  # the results on the way too: they
            # are heard only now, since listening to every op costs a third more time
            steps += _results(op, inputs, kw)[1]
            scales.clear()
            outer.clear()
            gn = numerical_grad(f, x, h=h, order=4)
            floor = _floor(scales, x, unmoved)
        checks.append((i, ga, gn, floor, f, x, _floor(outer, x, unmoved)))

    if (checks and all(leaves[i].grad is None for i in wrt) and any(originals[i].size for i in wrt)
            and not any(c[2].any() for c in checks)):
        # analytic 0 vs numeric 0 everywhere checks nothing (a gradient of zeros that backward
        # did deliver, relu on negatives, still passes)
        raise ValueError(f"check_grad: the op does not depend on the inputs it was given (no "
                         f"input received a gradient and moving each changes nothing): {_COPIES}")
    for i, ga, gn, floor, f, x, floor_out in checks:
        err = _errors(ga, gn, floor)
        if err.size and err.max() > tol:  # a rounding step, not a slope? (checked only here)
            gn = _rounding_steps_out(f, x, ga, gn, floor, err, tol, h)
            err = _errors(ga, gn, floor)
        err, inner_note = _inner_floor_checked(f, x, ga, gn, err, _errors(ga, gn, floor_out),
                                               tol, h)
        if err.size and err.max() > tol:
            k = np.unravel_index(int(np.argmax(err)), err.shape)
            f32 = _float32_note(out0.dtype)  # (then no kink note: float32's rounding steps
            # made the h and h/10 differences disagree, and named a kink the op does not have)
            raise AssertionError(
                f"{who}: input {i} {originals[i].shape}: max relative error {err.max():.3e} > "
                f"{tol:.0e} "
                f"at {tuple(int(j) for j in k)}: analytic {float(ga[k])!r}, "
                f"numeric {float(gn[k])!r}"
                + f32 + _finite_note(ga[k], gn[k]) + inner_note
                + _note("" if f32 else kink_note(f, x, k, h, float(ga[k]), float(gn[k]))))
    if signed is not None:  # after the finite differences, which name a wrong gradient better:
        # backward(-G) must be -backward(G); the seeded G of a one-element output is always
        # positive (1.137), those of shapes (2,) and (3,) all negative, so a backward right for
        # one sign of g only (np.abs(g) * ...) passed every check of such an op
        j, k, a, b = signed
        raise AssertionError(f"{who}: input {list(wrt)[j]}: {LINEAR.format(k=k, a=a, b=b)}")
    # after the finite differences: a backward wrong at one element in C order (`r.reshape(-1)
    # [-1] *= ...`, a copy for a Fortran-ordered r) failed here first, blamed on the layout
    _check_layouts(op, originals, wrt, G, first, kw, who)
    return returned


_COPIES = ("check_grad builds the op's inputs from copies of the arrays — compute from the "
           "op's arguments, not from tensors it closes over")


def _copy_for_check(a: Any, checked: bool) -> np.ndarray:
    """float64 for an input whose gradient is checked and for floating constants (the check
    runs in float64); integer and boolean arrays (class labels, indices) keep their dtype:
    made float64, cross_entropy refused its labels."""
    a = np.asarray(a)
    if checked and a.dtype.kind == "c":  # float64 dropped the imaginary part: a warning, and
        # then only the real part was checked
        raise TypeError(f"check_grad: input is {a.dtype}; gradients are checked for real "
                        "inputs only: pass the real and imaginary parts as two float arrays")
    if checked or a.dtype.kind == "f":
        return np.array(a, dtype=np.float64)
    return np.array(a, copy=True)


def _joined_ref(ref: Callable[..., Any]) -> Callable[..., Any]:
    """ref, its tuple of NumPy results joined as `one_output` joins the op's (floating ones,
    flattened, concatenated), so the forward compares like with like."""
    def joined(*args: Any, **kw: Any) -> Any:
        out = ref(*args, **kw)
        if not isinstance(out, (tuple, list)):
            return out
        parts = [np.asarray(o).reshape(-1) for o in out if np.asarray(o).dtype.kind == "f"]
        return np.concatenate(parts) if parts else np.zeros(0)
    return joined


def _float32_note(dtype: np.dtype) -> str:
    """Why a correct backward can fail: the forward rounded to a narrower float."""
    if dtype.kind == "f" and dtype.itemsize < 8:
        return (f" (note: the op returned {dtype} for float64 inputs; the check runs in "
                f"float64, so {dtype} rounding shows as gradient error: compute in the input's "
                f"dtype)")
    return ""


def _unchanged(who: str, now: Sequence[np.ndarray], before: Sequence[np.ndarray]) -> None:
    """Refuse a forward that wrote into its inputs (`x *= 2` on the array it was given): the
    check then failed later as a memory-layout or random-op error, or compared the wrong
    point."""
    for i, (a, b) in enumerate(zip(now, before)):
        if bits(a) != bits(b):
            raise ValueError(f"{who} modified input {i} in place (`x *= ...` or `x[...] = ...` "
                             "in a forward?): an op must leave its inputs as they were; compute "
                             "a new array (x = x * 2)")


def _note(text: str) -> str:
    return f" (note: {text})" if text else ""


def _finite_note(analytic: float, numeric: float) -> str:
    """Why an error is infinite: which side is not a number."""
    if not np.isfinite(numeric):
        return (" (note: the op is not finite within 2h of this point, so finite differences "
                "give no derivative there: check points inside its domain)")
    if not np.isfinite(analytic):
        return " (note: backward returned a non-finite gradient)"
    return ""


def _normalize_wrt(wrt: Any, n: int) -> list[int]:
    """wrt as non-negative indices into the op's n inputs: negative ones count from the end, as
    Python's do; an out-of-range index, a repeat (wrt=[1, -1] of two inputs is input 1 twice)
    or an empty list raises one line (they reached the engine as "does not require grad", or
    compared a gradient counted twice)."""
    given = [wrt] if isinstance(wrt, (int, np.integer)) else list(wrt)
    out: list[int] = []
    for i in given:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"check_grad: wrt={wrt!r} must list input indices (ints), "
                            f"got {type(i).__name__} {i!r}")
        if not -n <= i < n:
            valid = f"use 0..{n - 1} or -{n}..-1" if n else "give the op its inputs"
            raise IndexError(f"check_grad: wrt={wrt!r} names input {int(i)}, but the op was "
                             f"given {n} input(s): {valid}")
        j = int(i) % n
        if j in out:
            raise ValueError(f"check_grad: wrt={wrt!r} names input {j} twice (of {n} inputs): "
                             f"list each input once")
        out.append(j)
    if not out:
        raise ValueError(f"check_grad: wrt={wrt!r} names no input, so nothing would be checked: "
                         f"list at least one of the {n} input(s), or leave wrt=None for all")
    return out


_DEFAULTS: dict[str, Any] = {"seed": 0, "h": 1e-4, "tol": TOL, "ref": None, "wrt": None}


def _check_own_names(op: Callable[..., Any], given: Any) -> None:
    """check_grad's own keywords (ref, wrt, h, tol, seed) never reach the op: where the op's
    forward takes one of them too, a given value would silently be check_grad's alone (a
    Function's forward, or a plain function's own parameters: `def op(x, h=0.1)`). Only a
    parameter a keyword can reach counts: not a positional-only one (`def op(x, h, /)`), nor
    `*args`, nor a keyword a functools.partial already binds (`partial(op, h=0.1)`)."""
    if not given:
        return
    owner = getattr(op, "__self__", None)  # (Cube.apply: the Function class; a bound method)
    function = isinstance(owner, type) and issubclass(owner, Function)
    try:
        params = inspect.signature(owner.forward if function else op).parameters
    except (TypeError, ValueError):  # (a builtin without a signature)
        return
    bound = op.keywords if isinstance(op, functools.partial) else {}
    names = {k for k, p in params.items() if k not in bound and p.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    clash = sorted(names & given)
    if clash:
        name = f"{owner.__name__}.forward" if function else op_name(op) or "op"
        call = f"{owner.__name__}.apply" if function else op_name(op) or "op"
        raise TypeError(f"check_grad: {', '.join(clash)}= is check_grad's own argument, and "
                        f"{name} takes it too: pass the op's as a lambda, "
                        f"check_grad(lambda *t: {call}(*t, {clash[0]}=...), ...)")


def _check_layouts(op: Callable[..., Tensor], originals: list[np.ndarray], wrt: Any,
                   G: np.ndarray, first: list[np.ndarray | None], kw: dict[str, Any],
                   who: str) -> None:
    """The same gradients with the inputs and the upstream gradient in another memory layout
    (Fortran order, or every other element of a larger array): a backward that reads or writes
    memory as if C-contiguous passed every C-ordered draw."""
    if not any(a.ndim and a.size > 1 for a in originals) and not (G.ndim and G.size > 1):
        return
    leaves = [Tensor(_strided(a), requires_grad=i in wrt) for i, a in enumerate(originals)]
    out = op(*leaves, **kw)
    out.backward(_strided(G))
    for i, g in zip(wrt, first):
        other = leaves[i].grad
        if g is None or other is None:
            assert (g is None or not g.any()) and (other is None or not other.any()), (
                f"{who}: input {i}: a gradient in one memory layout and none in another")
            continue
        other = np.asarray(other)
        k = first_difference(g, other, least=1.0)  # (another order of a sum: its rounding)
        if k is not None:
            raise AssertionError(
                f"{who}: input {i}: another gradient for inputs and upstream gradient in another "
                f"memory layout (Fortran order / strided views) at {k}: "
                f"{float(other[k])!r} there, {float(g[k])!r} in C order: does backward assume "
                "C order?")


def _strided(a: np.ndarray) -> np.ndarray:
    """`a`'s values in another layout: Fortran order (2-D and up), else a strided view."""
    if a.ndim >= 2:
        return np.asfortranarray(a)
    if a.ndim == 1 and a.size > 1:
        wide = np.zeros(2 * a.size, dtype=a.dtype)  # integer labels stay integers
        wide[::2] = a
        return wide[::2]
    return a.copy()
