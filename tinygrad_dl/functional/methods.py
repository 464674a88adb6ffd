"""Tensor methods as functions: `method_function` (tinygrad_dl.exp(x) from Tensor.exp), `out=`
(`write_out`), the argument helpers (`tensor_arg`, `dim_arg`, ...), PyTorch's in-place forms
(`write_inplace`: F.relu_; `inplace_flag`: the inplace=True of F's activations, dropouts and
their modules), and torch.nn.functional's activations that are Tensor methods.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Sequence
from sys import getrefcount
from typing import Any

import numpy as np

from .. import write_guard
from ..engine import is_grad_enabled, no_grad, notify_read, notify_write
from ..grad import self_overlapping
from ..ops.dims import dim_value
from ..tensor import Tensor, copy_slices, rebase
from ..tensor import as_tensor as like_tensor  # (a constant in `like`'s float dtype)
from ..tensor.conversions import true_divisor
from ..tensor.inplace import write


# ---- arguments as Tensors ----------------------------------------------------------------
def as_tensors(xs: Sequence[Any]) -> list[Tensor]:
    """Tensors as they are, constants as Tensors in the first tensor's float dtype."""
    ref = next((x for x in xs if isinstance(x, Tensor)), None)
    return [like_tensor(x, ref) for x in xs]


def as_tensor_of(x: Any) -> Tensor:
    """`x` itself if a Tensor, else a constant Tensor of it."""
    return x if isinstance(x, Tensor) else Tensor(x)


def tensor_arg(name: str, input: Any) -> Tensor:
    """input itself, or one line refusing what is not a Tensor (torch's words)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, got "
                        f"{type(input).__name__}")
    return input


def dim_arg(who: str, dim: Any, ndim: int) -> int:
    """`dim` checked against an input of `ndim` dimensions, in one line (NumPy's message named
    an op the caller never called); a 0-d integer tensor or array is its int, as torch's."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        dim = dim_value(dim)
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{who}: dim must be an int, got {type(dim).__name__}")
    if not -max(ndim, 1) <= dim < max(ndim, 1) or ndim == 0:
        raise ValueError(f"{who}: dim {dim} is out of range for a {ndim}-D input")
    return int(dim)


def bool_arg(who: str, name: str, value: Any) -> bool:
    """A True/False argument (training=, is_causal=): a string, a number or None is refused,
    not read as truthy (`F.dropout(x, 0.5, "no")` trained without a word); torch refuses them."""
    if value is True or value is False:  # (F.dropout's hot path: first)
        return value
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} must be True or False, got {type(value).__name__}")
    return bool(value)


def tensor_number(who: str, name: str, value: Any) -> Any:
    """A one-element int or float Tensor given for a number argument (torch takes a 0-d tensor
    for dropout's p and rrelu's bounds) as its Python number; anything else as given. Its value
    is a number a jitted step would keep: told to jit (that step runs eagerly, with the
    warning), as `t.item()` in the step's own code is."""
    if isinstance(value, Tensor) and value.data.size == 1 and value.dtype.kind in "fiu":
        notify_read(value, f"{who}'s {name} given as a Tensor (pass a number to replay)")
        return value.data.reshape(()).item()
    return value


def number_arg(who: str, name: str, value: Any) -> float:
    """A real number argument as a float: a Python or NumPy int or float, or a one-element int
    or float Tensor (torch takes a 0-d one) read as its number, as tensor_number; refused in
    one line: a bool, a Tensor that requires grad (its gradient would be lost: torch refuses
    it too), an int past float64's range (Python's bare "int too large to convert")."""
    if isinstance(value, Tensor) and value.requires_grad:
        raise TypeError(f"{who}: {name} is a number, and a tensor that requires grad would "
                        f"lose its gradient (torch refuses it too); pass {name}.item()")
    value = tensor_number(who, name, value)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise OverflowError(f"{who}: {name} is past float64's range (an int of "
                            f"{len(str(abs(value)))} digits, beyond 1.8e308)") from None


# ---- a Tensor method as a function (tinygrad_dl.exp(x), F.relu(x)) --------------------------
def method_function(method: Callable[..., Any], tensors: int = 1) -> Callable[..., Any]:
    """The function spelling of a Tensor method: its first `tensors` arguments become Tensors
    (constants take the first Tensor's float dtype), then the method runs. `out=` writes the
    result into an existing Tensor, as NumPy and PyTorch do (see write_out)."""

    sig = inspect.signature(method)
    first, *rest = sig.parameters.values()
    name = "x" if any(p.name == "input" for p in rest) else "input"  # (torch's, if free)
    aliases = getattr(method, "torch_aliases", {})  # (x.pow(exponent=): torch.pow's too)
    by_name = [(name,), *((p.name, *(a for a, q in aliases.items() if q == p.name))
                          for p in rest[:tensors - 1])]  # each tensor's keyword names

    @functools.wraps(method)
    def function(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Any:
        if name in kwargs or len(args) < tensors:  # torch.add(input=x, other=y)
            args = tensors_by_name(method.__name__, args, kwargs, by_name)
        if len(args) < tensors:
            raise TypeError(f"{method.__name__}() needs {tensors} tensor argument"
                            f"{'s' if tensors > 1 else ''}, got {len(args)}")
        if isinstance(args[0], Tensor) and (tensors == 1 or isinstance(args[1], Tensor)
                                            or getattr(method, "reads_numbers", False)):
            # the common case: Tensors already (or a method that reads a Python number as
            # such: pow refuses an integer tensor to a negative int power, as torch's)
            result = method(*args, **kwargs)
        elif getattr(method, "numbers_dtype", None) is not None and all(
                isinstance(a, (Tensor, int, float, np.integer, np.floating))
                for a in args[:tensors]):
            # float_power: a real number in the result's float64, not the tensor's dtype
            # (float_power(1e5, x16) was inf); Tensor() marks a Python number a literal, so a
            # jitted step replays, and refuses None or a str (np.asarray read them as nan, 2.0)
            ts = [a if isinstance(a, Tensor) else Tensor(a, dtype=method.numbers_dtype)
                  for a in args[:tensors]]
            result = method(*ts, *args[tensors:], **kwargs)
        else:
            try:
                ts = as_tensors(args[:tensors])
            except OverflowError:  # an int outside an integer tensor's dtype: the method's
                if isinstance(args[0], Tensor):  # own rule (torch.div(a, -2) of uint8 a:
                    ts = args[:tensors]  # -3.5, as a / -2); here, not in as_tensors, whose
                elif (getattr(method, "true_division", False)  # other callers (stack, where)
                      and kwargs.get("rounding_mode") is None):  # would get the int itself
                    ts = (true_divisor(args[0], args[1]), args[1])  # (tg.div(-1, u8): -1/u8)
                else:
                    raise
            result = method(*ts, *args[tensors:], **kwargs)
        return result if out is None else write_out(method.__name__, result, out)

    kw_only = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
    varkw = [p for p in rest if p.kind is inspect.Parameter.VAR_KEYWORD]
    # (a method's own out=, NumPy's for np.max(t): the function's out= is taken before it)
    rest = [p for p in rest if p.kind is not inspect.Parameter.VAR_KEYWORD and p.name != "out"]
    function.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[first.replace(name=name), *rest, kw_only, *varkw])
    return function


def takes_out(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` with PyTorch's keyword-only `out=` (write_out's rules), for functions that are not
    `method_function`s (tg.where, tg.sort(x, dim=1) into (values, indices), tg.outer, ...)."""
    name = fn.__name__

    @functools.wraps(fn)
    def call(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        return result if out is None else write_out(name, result, out)

    params = list(inspect.signature(fn).parameters.values())
    varkw = [p for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
    call.__signature__ = inspect.signature(fn).replace(  # type: ignore[attr-defined]
        parameters=[*(p for p in params if p not in varkw),
                    inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None),
                    *varkw])
    return call


def tensors_by_name(op: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                    names: list[tuple[str, ...]]) -> tuple[Any, ...]:
    """The leading tensor arguments given by keyword (PyTorch's `input=`, `other=`; `names`:
    each one's accepted names) moved after the positional ones, in their order; one given
    twice is a TypeError, as Python's own."""
    args = tuple(args)
    for i, keys in enumerate(names):
        given = [k for k in keys if k in kwargs]
        if i < len(args) and given or len(given) > 1:
            raise TypeError(f"{op}() got multiple values for argument '{keys[0]}'")
        if i >= len(args):
            if not given:
                break
            args = (*args, kwargs.pop(given[0]))
    return args


def write_out(op: str, result: Any, out: Any) -> Any:
    """`out=`: copy a result into the Tensor `out`, as torch: the result cast to out's dtype
    where torch.can_cast allows it (int64 into uint8 too, where every value fits: torch wraps
    the others, refused here), an empty out given the result's shape silently and another of
    a wrong shape with a warning (refused where another tensor or array sees out's memory, as
    torch's would see the new values: _resize_out); a tuple result (max(x, dim=1), sort, frexp)
    into a tuple of Tensors of its dtypes that share no memory, returned as the result's type.
    Not while a gradient is being recorded (the copy would not be on the graph); the write is
    Tensor.copy_'s (a leaf that requires grad only under no_grad(), an array a live graph saved
    for backward given a copy, its backward then refused)."""
    if isinstance(result, tuple) and isinstance(out, (tuple, list)):
        return _write_outs(op, result, out)
    if isinstance(out, (tuple, list)) and isinstance(result, Tensor):
        raise TypeError(f"{op}(out=...): out is a {type(out).__name__} but this call returns "
                        f"one Tensor (NumPy's {op}(x, 1): values only); for values and indices "
                        f"call {op}(x, dim=1, out=(values, indices))")
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(out=...): out must be a Tensor, got {type(out).__name__}")
    if not isinstance(result, Tensor):
        raise TypeError(f"{op}(out=...): this op returns {type(result).__name__}, not one "
                        "Tensor; drop out=")
    _no_grad_out(op, result, out)
    if not _can_cast(result.data.dtype, out.data.dtype):
        raise TypeError(f"{op}(out=...): the result's dtype {result.data.dtype} can't be cast "
                        f"to out's dtype {out.data.dtype} (torch.can_cast); give out of dtype "
                        f"{result.data.dtype}")
    _fits_int_out(op, result.data, out.data.dtype)
    value = result.data.astype(out.data.dtype, copy=False)
    if out.shape != result.shape:
        _resize_out(op, out, result.shape, (result.data, value))
    return _copy_into(op, out, value)


def _no_grad_out(op: str, result: Tensor, out: Tensor) -> None:
    if result.requires_grad or out.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}(out=...) does not record a gradient (as in PyTorch): write "
                           f"`y = {op}(...)` instead, or compute under no_grad()")


def _copy_into(op: str, out: Tensor, value: np.ndarray) -> Tensor:
    """value (cast to out's dtype already) written into out's array, by Tensor.copy_'s rules:
    an array a live graph saved gives out a copy (that graph's backward then refused, naming
    this call), a view's base gets the values, a jitted step runs eagerly saying so."""
    who = f"{op}(out=...)"
    try:
        if out.grad_fn is not None:  # (an op's result: Tensor.copy_'s refusal, in its words)
            out.copy_(value)
        notify_write(who)
        target = write_guard.writable(out, who)
        if not target.flags.writeable:  # (expand()'s view: entries sharing memory; torch
            raise ValueError(f"{who}: out's array is read-only (a view of expand()'s or "  # too)
                             "broadcast_to()'s result, whose entries share memory, or an "
                             "array made read-only); give out a tensor of its own, t.clone()")
        np.copyto(target, value, casting="unsafe")
    except (TypeError, ValueError, RuntimeError) as e:
        msg = str(e).replace("Tensor.copy_", who)
        raise type(e)(msg if msg.startswith(who) else f"{who}: cannot write into out: {msg}"
                      ) from None
    return out


def _fits_int_out(op: str, a: np.ndarray, dst: np.dtype) -> None:
    """An integer result narrowed into an integer out: every value must fit (torch wraps
    -6 into uint8 as 250 without a word; refused in one line, as Tensor.copy_ refuses it)."""
    if a.dtype.kind not in "iu" or dst.kind not in "iu" or np.can_cast(a.dtype, dst) or not a.size:
        return
    lo, hi, info = a.min(), a.max(), np.iinfo(dst)
    if lo < info.min or hi > info.max:
        bad = lo if lo < info.min else hi
        raise OverflowError(f"{op}(out=...): the result holds {bad}, outside out's dtype {dst} "
                            f"([{info.min}, {info.max}]; torch would wrap it silently); give out "
                            f"a wider dtype, such as {a.dtype}")


def _can_cast(src: np.dtype, dst: np.dtype) -> bool:
    """torch.can_cast: no float or complex into an integer (or bool), no complex into a real
    float, nothing but bool into bool; any integer into another (NumPy's same_kind refuses
    int64 into uint8, which torch wraps)."""
    order = "buifc"  # (bool < unsigned, signed < float < complex)
    k_src, k_dst = src.kind, dst.kind
    if k_src not in order or k_dst not in order:
        return bool(np.can_cast(src, dst, "same_kind"))
    if k_dst == "b":
        return k_src == "b"
    return max(order.index(k_src), 2) <= max(order.index(k_dst), 2) or k_src == k_dst


def _refs(t: Any) -> int:
    return getrefcount(t.data)


def _base_refs(t: Any) -> int:
    return getrefcount(t.data.base)


class _Slot:
    __slots__ = ("data",)


_S = _Slot()
_S.data = np.empty(2)
_ALONE = _refs(_S)  # (t.data's references where t's slot holds the only one)
_S.data = np.empty(2)[1:]
_BASE_ALONE = _base_refs(_S)  # (a view's base that the view alone holds)
del _S


def _shared(out: Tensor, own: tuple[np.ndarray, ...]) -> bool:
    """Whether anything but out (and `own`, the result's arrays, views of out's maybe) holds
    out's array or, for a view, the array it views (counted by references, as write_guard's)."""
    a = out.data
    owner = a if a.base is None else a.base
    mine = len({id(x) for x in own if x.base is owner})
    del owner
    if a.base is None:
        del a
        return _refs(out) > _ALONE + mine
    del a
    return (type(out.data.base) is not np.ndarray or _refs(out) > _ALONE
            or _base_refs(out) > _BASE_ALONE + mine)


def _resize_out(op: str, out: Tensor, shape: tuple[int, ...],
                own: tuple[np.ndarray, ...]) -> None:
    """out given a new array of `shape` (its dtype), as torch's resize of out: silently where
    out is empty, with torch's warning otherwise. Refused where another tensor or array sees
    out's memory (a view `out[0:1]`, `np.asarray(out)`, from_numpy's array, `out.detach()`,
    or out a view of an array something else holds): torch's views see the resized storage
    (and torch fills a view's base from the view's start), where these would keep the old
    values without a word. An empty out that is not a view is resized regardless."""
    _copy_into(op, out, out.data)  # (copy_'s refusals, and a live graph's array let go)
    if (out.data.size or out.data.base is not None) and _shared(out, own):
        raise ValueError(f"{op}(out=...): out has shape {out.shape}, the result {shape}, and "
                         "out's memory is shared (a view of out such as out[0:1], "
                         "np.asarray(out), from_numpy's array, out.detach(), or out a view of "
                         "another tensor), which a resize would leave holding the old values; "
                         f"give out of shape {shape}, or a tensor of its own")
    if out.data.size:
        warnings.warn(f"{op}(out=...): an output with one or more elements was resized since "
                      f"it had shape {list(out.shape)}, which does not match the required "
                      f"output shape {list(shape)} (as torch, which deprecates it); resize it "
                      "to zero elements to reuse it", UserWarning, stacklevel=4)
    out.data = np.zeros(shape, out.data.dtype)


def _write_outs(op: str, result: tuple[Any, ...], out: tuple[Any, ...] | list[Any]) -> Any:
    """A tuple result (max(x, dim=1)'s values and indices) written into the Tensors of `out`, of
    the result's dtypes (as torch's, which take no other), returned as the result's type."""
    if len(out) != len(result) or not all(isinstance(o, Tensor) for o in out) or not all(
            isinstance(r, Tensor) for r in result):
        raise TypeError(f"{op}(out=...): out must be a tuple of {len(result)} Tensors (the "
                        f"result's), got {type(out).__name__} of "
                        f"{[type(o).__name__ for o in out]}")
    for i, (r, o) in enumerate(zip(result, out)):
        _no_grad_out(op, r, o)
        for j in range(i):  # (torch writes one over the other: sort(x, out=(b, b)) of ints
            if np.shares_memory(o.data, out[j].data):  # gave the indices as values)
                raise ValueError(f"{op}(out=...): out[{j}] and out[{i}] share memory (the "
                                 "same tensor, or overlapping views), so one result would "
                                 "overwrite the other; give each its own tensor")
        if r.data.dtype != o.data.dtype:
            raise TypeError(f"{op}(out=...): out[{i}] has dtype {o.data.dtype}, the result "
                            f"{r.data.dtype} (as torch, a tuple's outs take their own dtype)")
    written = [write_out(op, r, o) for r, o in zip(result, out)]
    return type(result)(*written) if hasattr(result, "_fields") else tuple(written)


# ---- in place: F.relu_(x), F.relu(x, inplace=True), nn.ReLU(inplace=True) --------------------
def write_inplace(who: str, input: Any, compute: Callable[[Tensor], Tensor],
                  base: str | None = None) -> Tensor:
    """`compute`'s values written into input's array, returned, under Tensor's in-place rules
    (`h.relu_()`'s): refused on a leaf that requires grad while grad mode is on; on an op's
    result that requires grad, in grad mode, recorded as torch records it (tensor/rebase.py:
    `compute` applied once to the old value, so a dropout's mask or rrelu's slopes are drawn
    once); written as it stands otherwise (same_kind casting: `F.elu_` of an integer tensor is
    refused). `who` names the call in errors, `base` the function to write instead (F.relu_:
    relu)."""
    base = base or who.rstrip("_")
    if not isinstance(input, Tensor):
        raise TypeError(f"F.{who}: expected a Tensor to write into, got {type(input).__name__}")
    grad_mode = is_grad_enabled()
    op = f"F.{who}"  # (a backward through a graph that saved the array names F.relu_)
    if input.grad_fn is not None and input.requires_grad and grad_mode:  # recorded
        return write(input, op, None, _nothing, rebuild=lambda old, _: _same_kind(
            op, compute(old), input.data.dtype))
    if input.requires_grad and grad_mode:
        raise RuntimeError(f"F.{who}: a leaf Variable that requires grad is being used in an "
                           f"in-place operation; write `x = F.{base}(x)`, or run it under "
                           "tinygrad_dl.no_grad()")
    with no_grad():
        value = compute(Tensor(input.data)).data  # (the argument checks, before any write)
    notify_write(f"F.{who}, a write into its input,")  # (a jitted step: named, not copy_)
    return write(input, op, None, lambda a, _: np.copyto(a, value, casting="same_kind"),
                 rebuild=_nothing)  # (an op's result under no_grad(): written, as torch's)


def _nothing(*_: Any) -> None:
    """The recorded write's scratch write (its values come from the recording)."""


def _same_kind(op: str, new: Tensor, dtype: np.dtype) -> Tensor:
    """The recorded result, refused in one line where NumPy's same_kind rule would refuse
    writing it into the tensor's dtype (the unrecorded path's copyto refuses it so)."""
    if not np.can_cast(new.data.dtype, dtype, casting="same_kind"):
        raise TypeError(f"{op}: cannot cast the result's {new.data.dtype} to this tensor's "
                        f"{dtype} with casting rule 'same_kind'")
    return new


def inplace_flag(who: str, input: Any, compute: Callable[[Tensor], Tensor],
                 drops: bool | None = None) -> Tensor:
    """PyTorch's `inplace=True` of F.<who> (and of its module): the values written into
    input, which is returned, by `write_inplace`'s rules (an op's result in grad mode: the
    write recorded, as torch's; a view of one, `h[0]`, `h.T`: recorded on it as CopySlices, as
    F.relu_'s). A result that is a view in torch but a copy here (diagonal(), unfold()) is
    not written: the result is a new tensor and the input keeps its values, said in a
    warning. `drops` (the dropouts): False where nothing is dropped (not training, p = 0),
    where, as for an empty tensor, torch's dropout_ returns its input itself without the
    in-place checks (a leaf that requires grad in evaluation: no refusal)."""
    if drops is not None and isinstance(input, Tensor) and (not drops or input.data.size == 0):
        compute(input)  # (its argument checks: a channel dropout's rank)
        return input
    if isinstance(input, Tensor) and input.grad_fn is not None:
        if _viewed_leaf(input):  # (`w[:, ::2]`, `w.T`, `w.reshape(-1)`, `w.expand(...)`)
            if is_grad_enabled():
                raise RuntimeError(f"F.{who}(inplace=True): a view of a leaf Variable that "
                                   "requires grad is being used in an in-place operation (as "
                                   f"torch); write `x = F.{who}(x)`")
            # (under no_grad torch writes the leaf through it; here the view's graph is in
            # the way: refused rather than a new tensor that leaves the leaf as it was)
            raise RuntimeError(f"F.{who}(inplace=True): the input is a view of a leaf that "
                               "requires grad taken outside no_grad(), which is not written "
                               "through here (torch writes the leaf); take the view inside "
                               f"no_grad() too, or write `x = F.{who}(x)`")
        # (`h[0]`, `h.T`: written through, recorded as CopySlices on h, as F.relu_'s; a copy
        # torch views, diagonal(), unfold()'s transpose: not; an expand(): refused, as torch)
        base = copy_slices.base_of(input)
        try:
            if base is None or not self_overlapping(input.data):
                rebase.refuse_view(input, f"F.{who}(inplace=True)", copies_only=base is not None)
        except RuntimeError:
            warnings.warn(f"F.{who}(inplace=True): the input is the result of "
                          f"{input.grad_fn.name}, a view of its input in torch but a copy "
                          "here, which is not written in place (torch writes through it to "
                          "that input): the result is a new tensor and the input keeps its "
                          "values (PyTorch would change them); pass inplace=False",
                          RuntimeWarning, stacklevel=3)
            return compute(input)
    return write_inplace(f"{who}(inplace=True)", input, compute, base=who)


def _viewed_leaf(t: Tensor) -> bool:
    """Is t, an op's result, a view of a leaf that requires grad: an op chain back to that leaf
    whose every result shares its parent's memory (basic indexing, a transpose, a reshape or an
    expand of w; torch's in-place refusal)? Advanced indexing (`w[[0, 1]]`) copies: not one."""
    while t.grad_fn is not None:
        parents = t.grad_fn.parents
        if not parents:
            return False
        a, b = t.data, parents[0].data  # (bounds that overlap: O(1), not np.shares_memory's
        # exact search; an empty array has none: `w[0:0]`, `w.T` of a (0, 3) w share its base)
        if not (np.may_share_memory(a, b) if a.size and b.size else _root(a) is _root(b)):
            return False
        t = parents[0]
    return t.requires_grad


def _root(a: np.ndarray) -> object:
    """The object at the end of a's base chain (the allocation a view of it shares)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a if a.base is None else a.base


# ---- torch.nn.functional's activations: the Tensor methods ----------------------------------
_relu = method_function(Tensor.relu)
tanh = method_function(Tensor.tanh)
sigmoid = method_function(Tensor.sigmoid)
_softplus = method_function(Tensor.softplus)
_leaky_relu = method_function(Tensor.leaky_relu)
_elu = method_function(Tensor.elu)
gelu = method_function(Tensor.gelu)
_silu = method_function(Tensor.silu)
softmax = method_function(Tensor.softmax)
log_softmax = method_function(Tensor.log_softmax)
prelu = method_function(Tensor.prelu, 2)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0, *,
             out: Tensor | None = None) -> Tensor:
    """PyTorch's F.softplus: log(1 + exp(beta x)) / beta, and x itself where beta x >
    threshold (torch's linear part, gradient 1; the defaults too: Tensor.softplus is the
    exact log(1 + e^x) everywhere, 2e-9 above x itself at x = 20). beta=0 is refused."""
    beta = number_arg("softplus", "beta", beta)
    threshold = number_arg("softplus", "threshold", threshold)
    if beta == 0:  # (torch: inf everywhere, from a 0 / 0 limit of its gradient's formula)
        raise ValueError("softplus: beta=0 makes log(1 + exp(0 x)) / 0 infinite; give a "
                         "non-zero beta")
    x = as_tensor_of(input)
    z = x if beta == 1.0 else x * beta
    smooth = z.softplus() if beta == 1.0 else z.softplus() / beta
    result = x.where(z > threshold, smooth)
    return result if out is None else write_out("softplus", result, out)


# (PyTorch's signatures, inplace= included: F.relu(x, inplace=True), as nn.ReLU(inplace=True))
def relu(input: Any, inplace: bool = False, *, out: Tensor | None = None) -> Tensor:
    """max(x, 0); inplace=True: written into input where it may be (`inplace_flag`)."""
    return inplace_flag("relu", input, Tensor.relu) if inplace else _relu(input, out=out)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False, *,
               out: Tensor | None = None) -> Tensor:
    """x if x > 0 else negative_slope * x; inplace=True as relu's."""
    if inplace:
        return inplace_flag("leaky_relu", input, lambda x: x.leaky_relu(negative_slope))
    return _leaky_relu(input, negative_slope, out=out)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False, *,
        out: Tensor | None = None) -> Tensor:
    """x if x > 0 else alpha (e^x - 1); inplace=True as relu's."""
    if inplace:
        return inplace_flag("elu", input, lambda x: x.elu(alpha))
    return _elu(input, alpha, out=out)


def silu(input: Any, inplace: bool = False, *, out: Tensor | None = None) -> Tensor:
    """x sigmoid(x); inplace=True as relu's."""
    return inplace_flag("silu", input, Tensor.silu) if inplace else _silu(input, out=out)
