"""Tensor's in-place operators (+=, add_, zero_, copy_, t[i] = v, ...): they write into `.data`,
as PyTorch's do. On an op's result that requires grad, in grad mode, the write is recorded as
PyTorch records it (tensor/rebase.py); refused in one line where it would not be (a leaf that
requires grad while grad mode is on, a view of an op's input, a form without a recording).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import engine, hooks, tensor, write_guard
from ..grad import masked_error, masked_within
from ..ops.elementwise import real_only
from ..ops.float_parts import clip_keeping_x
from ..ops.indexing import brief_index, check_layout, float_index_hint
from ..ops.spelling import torch_keywords
from ..random import float_dtype, normal, uniform
from . import constant_writes, copy_slices, old_values, rebase
from .conversions import alpha_number, bool_sub_refused, item_index, number_fits, sub_number

if TYPE_CHECKING:
    from . import Tensor


class InPlaceMethods:
    """In-place operators (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- in-place operators: write into .data, as PyTorch's do ------------------------------
    # Allowed on tensors that need no gradient, and on parameters under no_grad() (the
    # optimizer idiom `with no_grad(): p -= lr * p.grad`); refused on a leaf that requires grad
    # while grad mode is on; recorded on an op's result (see _inplace_target). Integer and bool
    # tensors follow NumPy's in-place casting rule (same_kind): `int_t += 0.5` is refused.
    def __iadd__(self, other: Any) -> Tensor: return self.add_(other)
    def __isub__(self, other: Any) -> Tensor: return self.sub_(other)
    def __imul__(self, other: Any) -> Tensor: return self.mul_(other)
    def __itruediv__(self, other: Any) -> Tensor: return self.div_(other)

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """self += alpha * other, in place."""
        return _write(self, "Tensor.add_ (+=)", other, alpha=alpha,
                      fn=lambda a, b: np.add(a, b, out=a, casting="same_kind"),
                      rebuild="add")

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """self -= alpha * other, in place (a bool operand refused, as torch's)."""
        bool_sub_refused("Tensor.sub_ (-=)", self.data, other.data if isinstance(
            other, tensor.Tensor) else other)
        other = sub_number(other)
        return _write(self, "Tensor.sub_ (-=)", other, alpha=alpha,
                      fn=lambda a, b: np.subtract(a, b, out=a, casting="same_kind"),
                      rebuild="sub")

    def mul_(self, other: Any) -> Tensor:
        return _write(self, "Tensor.mul_ (*=)", other,
                      lambda a, b: np.multiply(a, b, out=a, casting="same_kind"),
                      rebuild="mul")

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self /= other, in place; rounding_mode as div's ("trunc", "floor")."""
        if rounding_mode is not None:
            return _recompute(self, "div", other, operand=other, rounding_mode=rounding_mode)
        return _write(self, "Tensor.div_ (/=)", other,
                      lambda a, b: np.true_divide(a, b, out=a, casting="same_kind"),
                      rebuild="div")

    def zero_(self) -> Tensor:
        return _write(self, "Tensor.zero_", 0, lambda a, _: a.fill(0),  # (bool too: False)
                      rebuild=rebase.constant)

    def fill_(self, value: Any) -> Tensor:
        return _write(self, "Tensor.fill_", value, _fill, rebuild=_filled(value))

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """Write src's values (broadcast to this shape) into this tensor's array (torch's
        non_blocking= taken: a CPU copy is done when this returns)."""
        return _write(self, "Tensor.copy_", src, _copy, rebuild=_filled(src))

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # PyTorch's argument names
        real_only("Tensor.clamp_", self.data)  # (np.clip ordered complex values: torch refuses)
        lo = min.data if isinstance(min, tensor.Tensor) else min
        hi = max.data if isinstance(max, tensor.Tensor) else max
        number_fits("Tensor.clamp_", lo, self.data.dtype, "min")  # (torch refuses 1e300 into
        number_fits("Tensor.clamp_", hi, self.data.dtype, "max")  # float32, as fill_'s)
        return _write(self, "Tensor.clamp_", _grad_bound(min, max),
                      lambda a, _: clip_keeping_x(a, lo, hi, out=a),
                      rebuild=lambda old, _: old.clamp(min, max))

    # PyTorch's in-place forms of ops: the op's own values (computed without a graph) written
    # back into the array, under the rules above (torch users write `x.relu_()`,
    # `w.normal_(0, 0.02)` under no_grad(), `scores.masked_fill_(mask, -inf)`)
    def relu_(self) -> Tensor: return _recompute(self, "relu")
    def sigmoid_(self) -> Tensor: return _recompute(self, "sigmoid")
    def tanh_(self) -> Tensor: return _recompute(self, "tanh")
    def exp_(self) -> Tensor: return _recompute(self, "exp")
    def sqrt_(self) -> Tensor: return _recompute(self, "sqrt")
    def abs_(self) -> Tensor: return _recompute(self, "abs")
    def neg_(self) -> Tensor: return _recompute(self, "neg")
    def sign_(self) -> Tensor: return _recompute(self, "sign")
    def tril_(self, diagonal: int = 0) -> Tensor: return _recompute(self, "tril", diagonal)
    def triu_(self, diagonal: int = 0) -> Tensor: return _recompute(self, "triu", diagonal)

    def clip_(self, min: Any = None, max: Any = None) -> Tensor:  # PyTorch's argument names
        return _recompute(self, "clip", min, max, operand=_grad_bound(min, max))

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        return _recompute(self, "masked_fill", mask, value, operand=value)

    def index_add_(self, dim: int, index: Any, source: Any, alpha: Any = 1) -> Tensor:
        return _recompute(self, "index_add", dim, index, source, alpha, operand=source)

    def scatter_(self, dim: int, index: Any, src: Any = None, value: Any = None,
                 reduce: Any = None) -> Tensor:
        return _recompute(self, "scatter", dim, index, src, value, reduce,
                          operand=src if src is not None else value)

    # the shape in place: the same values, the tensor's array replaced by the reshaped one
    def squeeze_(self, dim: Any = None) -> Tensor:
        # (dim= is PyTorch's squeeze: an axis of another length is left alone)
        return _reshaped(self, "squeeze", **({} if dim is None else {"dim": dim}))

    def unsqueeze_(self, dim: int) -> Tensor: return _reshaped(self, "unsqueeze", dim)

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        return _reshaped(self, "swapaxes", dim0, dim1, op="Tensor.transpose_")

    def t_(self) -> Tensor: return _reshaped(self, "t")

    @torch_keywords(from_="a", to="b")
    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Uniform draws on [a, b) into this float tensor (the default generator's); torch's
        names from_= (its stub's: torch's own call takes `from` only through **{...}) and
        to= work too."""
        dt = float_dtype(self.data.dtype, "Tensor.uniform_", "this tensor's dtype")
        return _write(self, "Tensor.uniform_", None, lambda arr, _: np.copyto(
            arr, uniform(arr.shape, float(a), float(b), dt, generator, "Tensor.uniform_")))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """N(mean, std^2) draws into this float tensor (the default generator's)."""
        dt = float_dtype(self.data.dtype, "Tensor.normal_", "this tensor's dtype")
        if not std >= 0:
            raise ValueError(f"Tensor.normal_: std must be >= 0, got {std}")
        return _write(self, "Tensor.normal_", None, lambda arr, _: np.copyto(arr, (
            float(mean) + float(std) * normal(arr.shape, np.float64, generator,
                                              "Tensor.normal_")).astype(dt)))

    def __setitem__(self, index: Any, value: Any) -> None:
        """t[index] = value writes into t's array (a leaf that requires grad: under no_grad)."""
        op = "Tensor.__setitem__ (t[i] = v)"
        idx = item_index(op, index)
        if copy_slices.skip_set(self, idx, value):  # (`t[i] += v`'s last step: t[i] = t[i])
            engine.notify_write(op)
            return

        def put(a: np.ndarray, v: Any) -> None:
            # A Python int or bool is cast by value, as NumPy's and torch's `img[0] = 0` into
            # uint8 or bool (np.asarray would make it int64 and refuse it; out of range:
            # number_fits' OverflowError); a float into an integer tensor goes on to be refused
            # below (NumPy would truncate `int_t[0] = 2.5`)
            number_fits(op, v, a.dtype)  # (np.float64(1e300), np.int64(300) too: the else
            # branch's same_kind cast gave inf, or wrapped it around)
            if type(v) in (int, bool) or (type(v) is float and a.dtype.kind in "fc"):
                src = v
            else:
                src = np.asarray(v)
                if not np.can_cast(src.dtype, a.dtype, casting="same_kind"):
                    raise TypeError(f"cannot cast {src.dtype} to {a.dtype} with casting rule "
                                    "'same_kind'")
                if src.ndim and src.shape[0] == 1:  # torch drops a value's leading 1s (NumPy
                    # refused them for a mask's or a 0-d tensor's target: x[m] = v[None])
                    lead = next((i for i, n in enumerate(src.shape) if n != 1), src.ndim)
                    src = src.reshape(src.shape[lead:])
            # (and a uint64 item NumPy would wrap: 2**64 - 1 wrote the last row; a masked array)
            check_layout(op, idx, a.shape)
            try:
                a[idx] = src
            except IndexError as e:  # NumPy's words, with the tensor's shape and the index
                raise IndexError(f"{op}: {e} (writing into a tensor of shape {a.shape} at "
                                 f"{brief_index(idx)}){float_index_hint(idx)}") from None

        _write(self, op, value, put,
               rebuild=lambda old, values: rebase.put_values(old, values, value, put))

    # ---- the other augmented assignments torch has (&= |= ^= **= %= <<= >>= //=) -------------
    def __iand__(self, other: Any) -> Tensor: return self.bitwise_and_(other)  # type: ignore[attr-defined]
    def __ior__(self, other: Any) -> Tensor: return self.bitwise_or_(other)  # type: ignore[attr-defined]
    def __ixor__(self, other: Any) -> Tensor: return self.bitwise_xor_(other)  # type: ignore[attr-defined]
    # **= and %= in place, as torch's (without them Python rebound x to x ** y: a view, an
    # alias or a parameter kept its old values, and `int_t **= 0.5` became float64 unsaid)
    def __ipow__(self, other: Any) -> Tensor: return self.pow_(other)  # type: ignore[attr-defined]
    def __imod__(self, other: Any) -> Tensor: return self.remainder_(other)  # type: ignore[attr-defined]
    def __ilshift__(self, other: Any) -> Tensor: return self.bitwise_left_shift_(other)
    def __irshift__(self, other: Any) -> Tensor: return self.bitwise_right_shift_(other)
    # //= in place, as torch's (Python rebound x to x // y otherwise: as **= above)
    def __ifloordiv__(self, other: Any) -> Tensor: return self.floor_divide_(other)  # type: ignore[attr-defined]


def _inplace_target(t: Tensor, op: str, other: Any = None, recordable: Any = None
                    ) -> np.ndarray | None:
    """`t.data`, ready for `op` to write into, None where the write is to be recorded (an op's
    result that requires grad, in grad mode: tensor/rebase.py), or one line saying why not.

    As PyTorch: a leaf that requires grad may be updated in place only under no_grad() (the
    optimizer idiom); an op's result is rebased (`recordable`: the operator has an out-of-place
    form) or, under no_grad(), written as it stands. A write into an array a live graph saved
    gives the tensor a copy first (write_guard.writable), so that graph's backward raises
    instead of using the new values (torch's "modified by an inplace operation")."""
    grad_mode = engine.is_grad_enabled()
    base = copy_slices.base_of(t) if t._ctx is not None else None  # (`v = h[0]; v += 1`:
    # recorded on h, CopySlices)
    if not (recordable and t._ctx is not None and base is None and grad_mode
            and t.requires_grad):  # (a write rebase.record records tells a jitted step,
        engine.notify_write(op)  # which replays it; any other inside a jitted step: a write
        # replay would not repeat, the step runs eagerly)
    if t._ctx is not None:
        old_values.refuse_released(t, op)
        if base is not None and base._ctx is None and base.requires_grad:  # `w[0:2] += 1`
            # (Python adds to w[0:2])
            raise RuntimeError(_LEAF.format(op, "a view of a leaf Variable", _fix(op)))
        if base is None:
            rebase.refuse_view(t, op)
        elif recordable and grad_mode and t.requires_grad:
            copy_slices.check(t, base, op, other)
        if recordable:  # (`d = h.detach()` or `copy.copy(h)` first: the write must reach it)
            rebase.refuse_shared(t, op)
        if recordable and not (grad_mode and t.requires_grad):  # under no_grad(), as torch's:
            return write_guard.writable(t, op)  # written as it stands
        if recordable:
            if (type(other) is list or type(other) is tuple) and _holds_grad(other):
                raise RuntimeError(f"{op}: the operand is a list holding a tensor that "
                                   "requires grad; build a tensor (tg.stack, tg.cat) first")
            return None
        raise RuntimeError(  # (the forms with no out-of-place op to record: squeeze_, ...)
            f"{op}: in-place on the result of {t._ctx.name}, which its graph may have saved "
            f"for backward, is not supported; write {_fix(op)} (a new tensor) instead"
        )
    if grad_mode:
        if t.requires_grad:
            raise RuntimeError(_LEAF.format(op, "a leaf Variable", _fix(op)))
        if isinstance(other, tensor.Tensor):
            if other.requires_grad and recordable:  # recorded, as torch's (a constant base)
                return constant_writes.target(t, op, other)
            if other.requires_grad:
                raise RuntimeError(
                    f"{op}: the operand requires grad, and an in-place update would not record "
                    f"it; write {_fix(op)} (a new tensor) instead, "
                    "or run the update under no_grad()")
        elif (type(other) is list or type(other) is tuple) and _holds_grad(other):
            raise RuntimeError(  # np.asarray would read the tensors' values, drop their grads
                f"{op}: the operand is a list holding a tensor that requires grad, and an "
                "in-place update would not record it; build a new tensor (tg.stack, tg.cat, "
                "tg.where) instead, or run the update under no_grad()")
    return write_guard.writable(t, op)


# each in-place op's out-of-place spelling, for the error on an op's result
_OUT_OF_PLACE = {"Tensor.add_ (+=)": "`x = x + y`", "Tensor.sub_ (-=)": "`x = x - y`",
                 "Tensor.mul_ (*=)": "`x = x * y`", "Tensor.div_ (/=)": "`x = x / y`",
                 "Tensor.zero_": "`x = tg.zeros_like(x)`",
                 "Tensor.fill_": "`x = tg.full_like(x, value)`",
                 "Tensor.copy_": "`x = src.clone()`", "Tensor.clamp_": "`x = x.clamp(lo, hi)`",
                 "Tensor.clip_": "`x = x.clip(lo, hi)`",
                 "Tensor.clamp_min_": "`x = x.clamp_min(lo)`",
                 "Tensor.clamp_max_": "`x = x.clamp_max(hi)`",
                 "Tensor.__setitem__ (t[i] = v)": "`x = tg.where(mask, v, x)`",
                 "Tensor.pow_": "`x = x ** y`", "Tensor.remainder_": "`x = x % y`",
                 "Tensor.floor_divide_": "`x = x // y`",
                 # NumPy's writers into a tensor (optable.numpy_calls)
                 "np.put": "`x = x.put(index, v)`", "np.putmask": "`x = tg.where(mask, v, x)`",
                 "np.place": "`x = x.masked_scatter(mask, v)`",
                 "np.copyto": "`x = src.clone()` or `x = tg.where(mask, src, x)`",
                 "np.fill_diagonal": "`x = x.diagonal_scatter(v)`",
                 "np.put_along_axis": "`x = x.scatter(axis, index, v)`",
                 "Tensor.fill_diagonal_": "`x = tg.where(tg.eye(*x.shape, dtype=bool), v, x)`",
                 # the random fills (x.uniform does not exist, x.bernoulli reads x as p)
                 **{f"Tensor.{f}_": f"`x = tg.empty_like(x).{f}_(...)`" for f in (
                     "uniform", "normal", "bernoulli", "exponential", "random", "geometric",
                     "cauchy", "log_normal")}}

_LEAF = ("{}: {} that requires grad is being used in an in-place operation; update it inside "
         "`with tinygrad_dl.no_grad():` (the optimizer idiom), or write {} for a new tensor")


def _fix(op: str) -> str:
    """The out-of-place spelling of the in-place `op`, for its refusals; a method form without
    an entry names its own method (`x = x.sin(...)`: sin_'s and pow_'s once said `x - y`)."""
    method = op[7:-1] if op.startswith("Tensor.") and op.endswith("_") else ""
    method = method if hasattr(tensor.Tensor, method) else ""  # (no x.uniform: the table)
    return _OUT_OF_PLACE.get(op, f"`x = x.{method}(...)`" if method else "`x = x - y`")


def _recompute(t: Tensor, method: str, *args: Any, operand: Any = None, **kwargs: Any
               ) -> Tensor:
    """`t.<method>_(*args)`: the out-of-place method's values, computed on a constant (no
    graph), written into t's array (same_kind casting: `int_t.sigmoid_()` is refused). Its
    checks come first: a bad argument is refused before anything is written."""
    op = f"Tensor.{method}_"

    def put(a: np.ndarray, _: Any) -> None:
        with engine.no_grad(), hooks.unrecorded():  # (a jitted step: the recorded write
            value = getattr(tensor.Tensor(a), method)(*args, **kwargs).data  # replays)
        if value.shape != a.shape:
            raise ValueError(f"the result's shape {value.shape} is not this tensor's {a.shape}"
                             " (an in-place op cannot broadcast it)")
        if a.dtype.kind == "c" and value.dtype.kind == "f":  # (z.abs_() wrote |z| + 0j)
            raise TypeError(f"{op}: not supported for complex tensors (the result is real, as "
                            f"torch refuses it); write `x = x.{method}()` for a real tensor")
        np.copyto(a, value, casting="same_kind")

    return _write(t, op, operand, put,
                  rebuild=lambda old, _: getattr(old, method)(*args, **kwargs))


def _reshaped(t: Tensor, method: str, *args: Any, op: str = "", **kwargs: Any) -> Tensor:
    """`t.<method>_(*args)` of a shape method: t's array replaced by the reshaped one (the
    values unchanged), under the in-place rules."""
    op = op or f"Tensor.{method}_"
    a = _inplace_target(t, op)
    with engine.no_grad():
        try:
            t.data = getattr(tensor.Tensor(a), method)(*args, **kwargs).data
        except (ValueError, TypeError, IndexError) as e:
            raise type(e)(f"{op}: {e}") from None
    return t


def _grad_bound(lo: Any, hi: Any) -> Any:
    """clamp_/clip_'s operand for the in-place rules: a bound that requires grad (refused while
    grad mode is on: the write would not record its gradient), else None."""
    return next((b for b in (lo, hi) if isinstance(b, tensor.Tensor) and b.requires_grad), None)


def _holds_grad(seq: list | tuple) -> bool:
    """Does a (nested) list or tuple hold a Tensor that requires grad?"""
    for v in seq:
        if isinstance(v, tensor.Tensor) and v.requires_grad:
            return True
        if isinstance(v, (list, tuple)) and _holds_grad(v):
            return True
    return False


def _fill(a: np.ndarray, v: Any) -> None:
    """fill_'s write: a Python int or bool cast by value, as `t[i] = v` (`mask.fill_(1)`; 300
    into uint8, or np.int64(300), is number_fits' OverflowError), anything else under the
    same_kind rule."""
    number_fits("Tensor.fill_", v, a.dtype)
    if type(v) is int or type(v) is bool:
        a[...] = v
    else:
        np.copyto(a, v, casting="same_kind")


def _copy(a: np.ndarray, b: Any) -> None:
    """copy_'s write: b broadcast to a's shape, never to a bigger one (NumPy's copyto drops
    b's leading 1s, `zeros(4).copy_(ones(1, 4))`: torch refuses it, as add_ here)."""
    if (b.ndim if type(b) is np.ndarray else np.ndim(b)) > a.ndim:
        raise ValueError(f"Tensor.copy_: the source's shape {np.shape(b)} has more dimensions "
                         f"than this tensor's {a.shape} (the result would have the broadcast "
                         "shape, as torch refuses it); reshape the source first")
    np.copyto(a, b, casting="same_kind")


def _write(t: Tensor, op: str, other: Any, fn: Any, alpha: Any = 1,
           rebuild: rebase.Rebuild | str | None = None) -> Tensor:
    """fn(t's array, alpha * other's array) writing in place (NumPy's same_kind casting);
    NumPy's errors (shapes, dtypes, read-only arrays) come back as one line naming `op`. On an
    op's result that requires grad (grad mode), fn writes into a copy (its checks, the values)
    and `rebuild(old, values)`, the op out of place, is recorded (rebase.record); a str: that
    method of old with (other, alpha) (add_, sub_, mul_, div_: no closure made per call, as the
    optimizer's `p -= lr * g` and `X -= mean` on constants never record one)."""
    if isinstance(other, np.ma.MaskedArray) or (  # (t[i] = m, copy_(m), add_(m), t[:] = [m,
            isinstance(other, (list, tuple)) and masked_within(other)):  # m]: NumPy's writes
        raise masked_error(f"{op}'s value")  # read the values under the mask)
    a = _inplace_target(t, op, other, rebuild)  # (rebuild: truthy where recordable)
    recorded = a is None
    if recorded:
        a = t.data.copy()
    b = other.data if isinstance(other, tensor.Tensor) else other
    try:
        if not (type(alpha) is int and alpha == 1):  # alpha * other in the result's dtype,
            b = _scaled(op, a, b, alpha)  # (inside: NumPy's errors name the op, as before)
        fn(a, b)
    except TypeError as e:  # NumPy's own subclasses (casting errors) take other arguments
        msg = str(e)  # (a refusal of ours that names the op already: as it is)
        raise TypeError(msg if msg.startswith(op.split(" ")[0]) else f"{op}: {msg}") from None
    except OverflowError as e:  # a Python int out of the dtype's range (`uint8_t[0] = 300`)
        msg = str(e)
        raise OverflowError(msg if msg.startswith(op.split(" ")[0]) else f"{op}: {msg}") from None
    except ValueError as e:
        msg = str(e)  # (a refusal of ours that names the op already: as it is)
        if not a.flags.writeable and not msg.startswith(op.split(" ")[0]):  # (diagonal()'s
            # copy, or an array made read-only)
            raise ValueError(f"{op}: this tensor's array is read-only (an array made so, an "
                             "input inside an autograd.Function's forward, a view of expand()'s "
                             "or broadcast_to()'s result, whose rows share memory, or "
                             "diagonal()'s copy or unfold()'s, which are not torch's views: write "
                             "into the source instead, `x = x + eps * tg.eye(n)`); write into "
                             "t.clone()") from None
        raise ValueError(msg if msg.startswith(op.split(" ")[0]) else f"{op}: {msg}") from None
    if recorded:
        if type(rebuild) is str:
            rebuild = _method(rebuild, other, alpha)
        base = copy_slices.base_of(t)
        if t._ctx is None:  # (a constant: `out = tg.zeros(3); out[0] = x`)
            constant_writes.record(t, base, op, a, rebuild)  # type: ignore[arg-type]
        elif base is None:
            rebase.record(t, op, a, rebuild)  # type: ignore[arg-type]
            if copy_slices.current:  # (views an earlier write rebased see this one too)
                copy_slices.refresh(t)
        else:
            copy_slices.record(t, base, op, a, rebuild)  # type: ignore[arg-type]
    return t


def _method(name: str, other: Any, alpha: Any) -> rebase.Rebuild:
    """The recording of add_ / sub_ (with alpha), mul_ / div_: old's method `name`."""
    if name == "add" or name == "sub":
        return lambda old, _: getattr(old, name)(other, alpha=alpha)
    return lambda old, _: getattr(old, name)(other)


def _filled(value: Any) -> rebase.Rebuild:
    """fill_'s and copy_'s recording: a value that requires grad broadcast over old's shape
    (its gradient summed back), else the written values as a constant."""
    if isinstance(value, tensor.Tensor) and value.requires_grad:
        return lambda old, _: old.where(np.zeros(old.data.shape, bool), value)
    return rebase.constant


def _scaled(op: str, a: np.ndarray, b: Any, alpha: Any) -> Any:
    """add_'s and sub_'s alpha * other in the result's dtype, as add's (a float32 other scaled
    in float32 lost digits); a Python number stays weak, as there."""
    if type(b) is np.ndarray and b.dtype == a.dtype:  # (the usual case: no promotion)
        dt = a.dtype
    else:
        if not (type(b) is int or type(b) is float):
            b = np.asarray(b)
        dt = np.result_type(a, b)
        b = np.asarray(b, dt)
    alpha = alpha_number(op.split(" ")[0], alpha, dt)  # (its refusals name the op)
    return b * alpha if dt.kind != "b" else b & bool(alpha)


# (inplace_forms.py's, writes.py's and sampling.py's in-place forms write under the same rules)
recompute, reshaped, write = _recompute, _reshaped, _write
