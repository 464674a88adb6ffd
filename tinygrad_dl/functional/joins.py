"""Joining, splitting and reshaping NumPy's way (concatenate, stack, where, pad, split, the
*stack family and row_stack, atleast_*d, rollaxis, sort, broadcast_tensors and
broadcast_shapes, meshgrid) and torch.constant_pad_nd: the Tensor methods and ops do the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import literal
from ..grad import masked_error
from ..ops import (
    Concatenate,
    Pad,
    Stack,
)
from ..ops.allocation import check_alloc
from ..ops.shape import axis_of
from ..ops.spelling import one_name, torch_keywords
from ..tensor import Tensor, plain_array, split_at
from ..tensor.conversions import int_arg, number_fits, zero_d_int
from .methods import as_tensor_of, as_tensors, takes_out, write_out


def _skipping_1d_empties(ts: list[Tensor], axis: int) -> Tensor:
    """torch.cat's documented legacy rule: a 1-D empty tensor is skipped, so the pattern
    `out = torch.cat([out, batch])` from `out = torch.tensor([])` works (NumPy raised on the
    number of dims). Each is joined as an empty piece of the others' shape (0 along axis), so
    it still takes part in the result's dtype and gets its gradient, of shape (0,), torch's.
    All of them: (0,), any dim."""
    kept = [t for t in ts if t.shape != (0,)]
    if not kept:
        return Concatenate.apply(*ts, axis=0)
    nd = kept[0].ndim
    shape = list(kept[0].shape)
    if not -nd <= axis < nd or any(  # (pieces that do not join: NumPy's error naming them)
            t.ndim != nd or [*t.shape[:axis % nd], *t.shape[axis % nd + 1:]] !=
            shape[:axis % nd] + shape[axis % nd + 1:] for t in kept):
        return Concatenate.apply(*kept, axis=axis)
    shape[axis] = 0
    return Concatenate.apply(*(t.reshape(shape) if t.shape == (0,) else t for t in ts),
                             axis=axis)


def concatenate(tensors: Sequence[Any], axis: int | None = 0, *, dim: int | None = None,
                out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing axis (np.concatenate, torch.cat; axis None: flattened)."""
    tensors = list(tensors)
    axis = axis if dim is None else one_name("concatenate", axis, "axis", dim, "dim", 0)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    if type(axis) is not int and axis is not None:  # (NumPy's words named no op; 0-d int: an int)
        axis = int_arg("concatenate", "dim", zero_d_int("concatenate", "dim", axis))
    ts = as_tensors(tensors)
    if axis is None:
        ts, axis = [t.reshape(-1) for t in ts], 0
    try:
        result = Concatenate.apply(*ts, axis=axis)
    except ValueError:  # (the check below costs nothing on the common path)
        if not any(t.shape == (0,) for t in ts):
            raise
        result = _skipping_1d_empties(ts, axis)
    return result if out is None else write_out("concatenate", result, out)


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None,
          out: Tensor | None = None) -> Tensor:
    """Join tensors along a new axis (np.stack, torch.stack)."""
    tensors, axis = list(tensors), one_name("stack", axis, "axis", dim, "dim", 0)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    if type(axis) is not int:  # (np.stack took True as dim 1 without a word; torch refuses)
        axis = int_arg("stack", "dim", zero_d_int("stack", "dim", axis))
    result = Stack.apply(*as_tensors(tensors), axis=axis)
    return result if out is None else write_out("stack", result, out)



_NO_ARGUMENT = object()


@takes_out
@torch_keywords(condition="cond", input="x", other="y")
def where(cond: Any, x: Any = _NO_ARGUMENT, y: Any = _NO_ARGUMENT) -> Any:
    """Elementwise x where cond else y; cond is a constant (its gradient is not defined).
    Two constants take their dtype together, as NumPy's and torch's (where(c, 1, 0) is int64,
    where(c, True, False) bool: Tensor(1) alone made float64). where(cond) alone is
    nonzero(cond, as_tuple=True), as np.where's and torch.where's."""
    if x is _NO_ARGUMENT and y is _NO_ARGUMENT:
        return (cond if isinstance(cond, Tensor) else Tensor(plain_array(
            cond, who="where: the condition"))).nonzero(
            as_tuple=True)
    if x is _NO_ARGUMENT or y is _NO_ARGUMENT:
        raise TypeError("where: give both x and y (or neither: where(cond) is "
                        "nonzero(cond, as_tuple=True))")
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        dt = np.result_type(np.asarray(x), np.asarray(y))
        return Tensor(x, dtype=dt).where(cond, Tensor(y, dtype=dt))
    for a, t, what in ((x, y, "input"), (y, x, "other")):  # (a number past the tensor's
        if isinstance(t, Tensor) and not isinstance(a, Tensor) and t.dtype != np.float16:
            number_fits("where", a, t.data.dtype, what)  # (see Tensor.where)
    x, y = as_tensors([x, y])
    return x.where(cond, y)





# ---- joining, splitting and shape (NumPy's functions; Tensor methods do the work) --------
@torch_keywords(input="x")
def pad(x: Any, pad_width: Any = None, mode: str = "constant", constant_values: float = 0.0, *,
        value: float | None = None, pad: Any = None) -> Tensor:
    """np.pad: pad_width as np.pad takes it (an int, a (before, after) pair for every axis,
    or one pair per axis). PyTorch's F.pad(x, (left, right, top, bottom, ...), mode, value=0)
    works too: a flat tuple of 4, 6, ... widths, pairs from the last axis backwards. A flat
    pair on a tensor of 2 or more axes means every axis to NumPy and only the last to PyTorch:
    that one is an error naming both spellings. mode: "constant" (one op, ops.Pad), or
    torch's "reflect" (np.pad's too: the edge not repeated; each width below the axis's
    length), "replicate" (np.pad's "edge") and "circular" (np.pad's "wrap"; each width at most
    the axis's length): index_select along each padded axis, so the gradient adds up where an
    entry is copied, as torch's. Negative widths crop, as torch's, only in PyTorch's flat
    spelling (NumPy's refuses them): "reflect" and "replicate" pad from the whole axis, then
    crop; "circular" crops, then wraps what is left (torch's order); the result is always a
    new tensor.
    `pad=` (PyTorch's keyword) is always read as PyTorch's flat tuple, a pair included."""
    if pad is not None:
        if pad_width is not None:
            raise TypeError("pad() got both pad_width= and pad=: NumPy's and PyTorch's names "
                            "for the widths; pass one")
        pad_width = tuple(pad)
        given = len(pad_width) // 2  # (the axes PyTorch's tuple names: torch's crop rules)
        if not pad_width:  # torch's F.pad(x, ()): no widths, a copy
            pad_width = (0, 0) * max(np.ndim(as_tensor_of(x).data), 1)
        elif given > np.ndim(as_tensor_of(x).data):  # (a 0-d x: np.pad's broadcast was a copy)
            raise ValueError(f"pad: {len(pad_width)} widths pad {given} axes, x has "
                             f"{np.ndim(as_tensor_of(x).data)} (pad= is PyTorch's flat tuple)")
        if len(pad_width) == 2 and np.ndim(as_tensor_of(x).data) >= 2:
            pad_width += (0, 0)  # (the last axis only: PyTorch's reading, unambiguous here)
    elif pad_width is None:
        raise TypeError("pad() missing the widths: pad(x, pad_width) or F.pad(x, pad=...)")
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(map(repr, _PAD_MODES))}, got "
                         f"{mode!r}")
    x = as_tensor_of(x)
    if _PAD_MODES[mode] != "constant":
        if (value is not None and value != 0) or constant_values != 0.0:  # (torch's rule)
            raise ValueError(f"pad: mode {mode!r} takes no fill value (value= / "
                             "constant_values=)")
        constant_values = 0.0
    fill = one_name("pad", constant_values, "constant_values", value, "value", 0.0)
    if isinstance(fill, np.ma.MaskedArray):  # (np.pad filled in the value under its mask)
        raise masked_error("pad: the fill value")
    widths = plain_array(pad_width, who="pad: the widths")
    if widths.size and widths.dtype.kind not in "iu":  # (NumPy's astype would truncate 1.5;
        # bools: torch's "must be tuple of ints", np.pad's "must be of integral type")
        raise TypeError(f"pad: the widths must be integers (as torch's and np.pad's), got "
                        f"{pad_width if pad is None else pad!r}")
    if pad is None:
        given = widths.size // 2 if widths.ndim == 1 else 0
        if not widths.size:  # F.pad(x, ()): torch's copy (np.pad refused it in its own words)
            pad_width = 0
    if widths.ndim == 1 and widths.size % 2:  # (1,): NumPy's every axis, an error to PyTorch
        w = tuple(widths.tolist())
        raise ValueError(
            f"pad(x, {w}): an odd number of widths; PyTorch's F.pad takes (before, after) "
            f"pairs from the last axis back, e.g. ({w[0]}, {w[0]}); NumPy's same width on "
            f"every axis is pad(x, {w[0]})")
    if widths.ndim == 1 and widths.size >= 4 and widths.size % 2 == 0:  # PyTorch's flat tuple
        pairs = widths.reshape(-1, 2)[::-1].tolist()
        if len(pairs) > x.ndim:
            raise ValueError(f"pad: {widths.size} widths pad {len(pairs)} axes, x has {x.ndim}")
        pad_width = [(0, 0)] * (x.ndim - len(pairs)) + pairs
    elif widths.shape == (2,) and x.ndim >= 2:
        a, b = widths.tolist()
        raise ValueError(
            f"pad(x, ({a}, {b})) of a {x.ndim}-D tensor: NumPy pads every axis by ({a}, {b}), "
            f"PyTorch only the last; write (({a}, {b}),) * x.ndim for NumPy's or "
            f"pad=({a}, {b}) for PyTorch's" + (
                "" if min(a, b) < 0 else f" (or ((0, 0),) * (x.ndim - 1) + (({a}, {b}),))"))
    if _PAD_MODES[mode] == "constant":
        if widths.ndim == 1:  # PyTorch's flat spelling: a negative width crops (NumPy's raise)
            x, pad_width = _crop(x, pad_width)
        return Pad.apply(x, pad_width=pad_width, value=_fill(x, fill, pad_width))
    return _pad_by_index(x, pad_width, _PAD_MODES[mode], given if widths.ndim == 1 else 0)


def _fill(x: Tensor, fill: Any, pad_width: Any) -> Any:
    """The constant mode's fill as torch takes it: 0 where nothing is padded (torch never
    reads it: an int tensor's NaN fill passes there); refused in one line where it does not
    fit x's dtype, as torch's "cannot be converted ... without overflow" (NumPy's cast wrapped
    -1 into a uint8's 255, made 1e300 a float32's (or complex64's) inf, dropped a complex
    fill's imaginary part, raised its own words for an int tensor's NaN). np.pad's per-axis
    fills (a sequence, an array, a Tensor's values) are checked where they pad."""
    if isinstance(fill, (int, float, complex, np.number)):
        if fill == 0:
            return fill
        try:
            return _fits(x.data.dtype, fill)
        except (TypeError, ValueError, OverflowError):
            if not (np.asarray(pad_width) > 0).any():  # (checked only where it would refuse)
                return 0
            raise
    if isinstance(fill, Tensor):  # (its values: the fill takes no gradient)
        if fill.requires_grad:
            raise TypeError("pad: a value that requires grad would get no gradient through "
                            "the fill (torch takes a number only); pass value=float(v), or "
                            "add v times a padded mask of ones")
        fill = fill.data
    if not isinstance(fill, (list, tuple, np.ndarray)) or not x.ndim:
        return fill
    try:  # np.pad's pairs: the fills where a width pads (np.pad's errors otherwise)
        pairs = np.broadcast_to(np.asarray(fill), (x.ndim, 2))
        padded = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2)) > 0
    except ValueError:
        return fill
    if pairs.dtype.kind not in "biufc":
        return fill
    for v in set(pairs[padded].tolist()):
        _fill(x, v, 1)
    if pairs.dtype.kind == "c" and x.data.dtype.kind not in "bc":
        pairs = pairs.real  # (checked: no imaginary part; NumPy's cast warned)
    return np.where(padded, pairs, 0)  # (NumPy cast an unpadded side's fill too)


def _fits(dt: np.dtype, fill: Any) -> Any:
    """A nonzero number fill (a Python or NumPy one) for dtype dt: refused where it does not
    fit; a complex one's real part on a real dtype (NumPy's cast warned ComplexWarning)."""
    is_complex = isinstance(fill, (complex, np.complexfloating))
    if dt.kind == "b" or dt == np.complex128 or (dt == np.float64 and not is_complex):
        return fill  # (bool: nonzero is True)
    if dt.kind == "c":  # complex64: both parts in float32 (NumPy's cast gave inf past it)
        number_fits("pad", fill.real, np.dtype(np.float32), "value's real part")
        number_fits("pad", fill.imag, np.dtype(np.float32), "value's imaginary part")
        return fill
    if is_complex:
        if fill.imag:
            raise TypeError(f"pad: a complex value {fill!r} cannot fill a {dt} tensor "
                            "(torch refuses it too); pad a complex tensor or give a real value")
        fill = fill.real
    if dt.kind in "iu":
        info = np.iinfo(dt)
        fill = fill.item() if isinstance(fill, np.generic) else fill  # (np.float16(1) beside
        # -2**31 warned "overflow encountered in cast")
        if not info.min <= fill <= info.max:  # (NaN too; in range it is truncated)
            raise OverflowError(f"pad: value {fill!r} does not fit the tensor's dtype {dt} "
                                f"(NumPy's cast would wrap it around or raise; torch refuses "
                                f"it, or wraps one past int64's range); give a value in "
                                f"[{info.min}, {info.max}]")
        return fill
    number_fits("pad", fill, dt, "value")
    return fill


def _crop(x: Tensor, pad_width: Any) -> tuple[Tensor, Any]:
    """torch's negative widths in constant mode: those sides cropped (a slice) first; returns
    the tensor and the widths left to pad (x itself and pad_width when none is negative)."""
    try:
        widths = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    except ValueError:
        return x, pad_width  # (Pad's own message)
    if widths.dtype.kind not in "iu" or not (widths < 0).any():
        return x, pad_width
    cut = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(widths.tolist(), x.shape))
    if any(c.start > c.stop for c in cut):
        raise ValueError(f"pad: widths {pad_width!r} crop more than the input's shape "
                         f"{tuple(x.shape)}")
    return x[cut], tuple(map(tuple, np.maximum(widths, 0).tolist()))  # (ints: jit replays)


# torch's names and np.pad's for the same modes
_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "edge": "edge",
              "circular": "wrap", "wrap": "wrap"}


def _pad_by_index(x: Tensor, pad_width: Any, mode: str, crop: int = 0) -> Tensor:
    """np.pad's "reflect", "edge" and "wrap" modes as one index_select per padded axis; crop
    (PyTorch's flat spelling: the number of (before, after) pairs it gave, 0 for NumPy's):
    negative widths crop, as torch's."""
    try:
        widths = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape "
                         f"{tuple(x.shape)}") from None
    if widths.dtype.kind not in "iu":
        raise ValueError(f"pad: widths must be integers, got {pad_width!r}")
    if x.ndim == 0:  # no axis to pad: np.pad's copy (a negative width refused, as np.pad's)
        if (np.asarray(pad_width) < 0).any():
            raise ValueError(f"pad: widths must be >= 0 for a 0-d tensor, got {pad_width!r}")
        return Pad.apply(x, pad_width=0)
    start, pairs = x, widths.tolist()
    check_alloc(lambda: f"pad: widths {pairs} of {tuple(x.shape)}",  # (the padded shape)
                [n + max(a, 0) + max(b, 0) for n, (a, b) in zip(x.shape, pairs)], x.dtype)
    if crop and min(map(min, pairs)) < 0:  # (on lists: no NumPy call on the common path)
        _crop_checks(tuple(x.shape), pairs, mode, crop)
        if mode == "wrap":  # torch's circular pad crops first, then wraps what is left
            x, pairs = _crop(x, widths)
    for axis, (before, after) in enumerate(pairs):
        if not before and not after:
            continue
        n = x.shape[axis]
        most = {"reflect": n - 1, "wrap": n, "edge": max(before, after) if n else -1}[mode]
        if max(before, after) > most or (min(before, after) < 0 and not crop):
            rule = {"reflect": "below", "wrap": "at most", "edge": "for"}[mode]
            raise ValueError(f"pad: mode {mode!r} needs widths >= 0 and {rule} the length of "
                             f"the axis ({n} in dim {axis} of shape {tuple(x.shape)}), got "
                             f"({before}, {after})" if mode != "edge" else
                             f"pad: mode 'replicate' needs widths >= 0 and a non-empty axis, "
                             f"got ({before}, {after}) on dim {axis} of shape {tuple(x.shape)}")
        i = np.arange(-before, n + after)  # (negative widths: the crop of the padded axis)
        if mode == "reflect":
            i = np.abs(i)
            i = np.where(i > n - 1, 2 * (n - 1) - i, i)
        elif mode == "edge":
            i = np.clip(i, 0, n - 1)
        else:
            i = i % n
        x = x.index_select(axis, literal(i))  # (from shapes only: a jitted step replays)
    return x if x is not start else Pad.apply(x, pad_width=0)  # a new tensor, as torch's


def _crop_checks(shape: tuple[int, ...], widths: list[list[int]], mode: str, given: int) -> None:
    """torch's limits on negative widths in "reflect", "replicate" and "circular" modes
    (given: how many of the last axes PyTorch's flat tuple named). "reflect" and "replicate",
    torch's rule: no axis cropped below 0 entries, and not every named axis to 0 (one
    cropped to 0 beside another that keeps entries gives an empty tensor, as torch's);
    "circular": no more cropped than there is, and it wraps only the entries the crop leaves
    (torch reads uninitialized memory or raises)."""
    name = {"reflect": "reflect", "edge": "replicate", "wrap": "circular"}[mode]
    named = range(len(shape) - given, len(shape))
    for axis, ((before, after), n) in enumerate(zip(widths, shape)):
        if min(before, after) >= 0:
            continue
        left = n - max(-before, 0) - max(-after, 0)
        if mode != "wrap" and (n + before + after < 0 or all(
                shape[a] + sum(widths[a]) < 1 for a in named)):
            raise ValueError(f"pad: mode {name!r} with widths ({before}, {after}) leaves "
                             f"{n + before + after} entries on dim {axis} of shape {shape} "
                             "(torch's rule: none below 0, and at least one padded dim keeps "
                             "entries; then an empty tensor)")
        if mode == "wrap" and left < 0:
            raise ValueError(f"pad: mode 'circular' with widths ({before}, {after}) crops more "
                             f"than the {n} entries of dim {axis} of shape {shape}")
        if mode == "wrap" and max(before, after) > left:
            raise ValueError(f"pad: mode 'circular' with widths ({before}, {after}) on dim "
                             f"{axis} of shape {shape}: the {left} entries left by the crop "
                             f"cannot wrap {max(before, after)} (torch reads uninitialized "
                             "memory or raises there)")


def _cuts(op: str, x: Tensor, sections: Any, axis: int, equal: bool) -> tuple[int, list[int]]:
    """(axis, cut positions) of np.split (equal) / np.array_split (sections as even as can be)
    / explicit indices (as NumPy slices them: negative from the end, past the end clamped)."""
    axis = axis_of(op, axis, x.ndim)  # (a bool refused, torch's; NumPy took True as axis 1)
    n = x.shape[axis]
    sections = zero_d_int(op, "sections", sections)  # (np.split(a, np.array(3)): 3 sections)
    if isinstance(sections, (int, np.integer)):
        k = int(sections)
        if k <= 0 or (equal and n % k):
            raise ValueError(f"{op}: axis {axis} of length {n} does not split into {k} "
                             "equal sections")
        size, extra = divmod(n, k)
        return axis, [i * size + min(i, extra) for i in range(1, k)]
    if not hasattr(sections, "__len__"):  # (int() cut 1.5 at 1 without a word; NumPy refuses)
        raise TypeError(f"{op}: indices_or_sections must be an int or a list of ints, got "
                        f"{sections!r:.40}")
    cuts = [c if isinstance(c, (int, np.integer)) else int_arg(op, "an index", c) for c in (
        sections.tolist() if isinstance(sections, (Tensor, np.ndarray)) else sections)]
    return axis, [min(max(int(c) + n if c < 0 else int(c), 0), n) for c in cuts]


@torch_keywords(tensor="x")  # (torch.split(tensor=x, ...))
def split(x: Any, indices_or_sections: Any = None, axis: int = 0, *,
          dim: int | None = None, split_size_or_sections: Any = None
          ) -> list[Tensor] | tuple[Tensor, ...]:
    """np.split: n equal sections, or pieces cut at the given indices (views via getitem), in
    NumPy's list. With PyTorch's dim= or split_size_or_sections=, torch.split: pieces of the
    given size (the last may be smaller), or of the listed sizes, in torch's tuple."""
    x = as_tensor_of(x)
    if split_size_or_sections is not None:  # (torch's name: torch's call, dim 0 by default)
        if indices_or_sections is not None:
            raise TypeError("split() got both indices_or_sections (NumPy's) and "
                            "split_size_or_sections= (PyTorch's); pass one")
        indices_or_sections, dim = split_size_or_sections, one_name(
            "split", axis, "axis", dim, "dim", 0)
    elif indices_or_sections is None:
        raise TypeError("split() missing the sections: split(x, indices_or_sections) "
                        "(NumPy's) or split(x, split_size, dim=d) (PyTorch's)")
    if dim is None:
        return split_at(x, *_cuts("split", x, indices_or_sections, axis, equal=True))
    one_name("split", axis, "axis", dim, "dim", 0)
    _cuts("split", x, [], dim, True)  # (dim's bounds, in np.split's words)
    return x.split(indices_or_sections, dim=dim)


@torch_keywords(input="x", sections="indices_or_sections", indices="indices_or_sections",
                tensor_indices_or_sections="indices_or_sections")  # (torch.tensor_split's)
def array_split(x: Any, indices_or_sections: Any, axis: int = 0, *,
                dim: int | None = None) -> list[Tensor]:
    """np.array_split / torch.tensor_split: like split, but n sections need not be equal
    (the first n % len get one more)."""
    x = as_tensor_of(x)
    axis = one_name("array_split", axis, "axis", dim, "dim", 0)
    if isinstance(indices_or_sections, (Tensor, np.ndarray)):  # (torch's: a 0-d one counts,
        return list(x.tensor_split(indices_or_sections, axis))  # a 1-D one cuts)
    return split_at(x, *_cuts("array_split", x, indices_or_sections, axis, equal=False))


@takes_out
def vstack(tensors: Sequence[Any]) -> Tensor:
    """np.vstack: 1-D inputs become rows, then concatenate along axis 0."""
    ts = [t if t.ndim >= 2 else t.reshape(1, -1) for t in as_tensors(list(tensors))]
    return concatenate(ts, axis=0)


@takes_out
def hstack(tensors: Sequence[Any]) -> Tensor:
    """np.hstack: concatenate along axis 1 (axis 0 for 1-D inputs)."""
    ts = [t if t.ndim else t.reshape(1) for t in as_tensors(list(tensors))]
    return concatenate(ts, axis=0 if ts and ts[0].ndim == 1 else 1)


@takes_out
def column_stack(tensors: Sequence[Any]) -> Tensor:
    """np.column_stack: 1-D (and 0-d) inputs become columns, then concatenate along axis 1."""
    ts = [t if t.ndim >= 2 else t.reshape(-1, 1) for t in as_tensors(list(tensors))]
    return concatenate(ts, axis=1)


def append(x: Any, values: Any, axis: int | None = None) -> Tensor:
    """np.append: x and values joined along axis (None: both flattened first)."""
    return concatenate([x, values], axis=axis)


def atleast_1d(*xs: Any) -> Any:
    """np.atleast_1d: 0-d inputs become (1,); others are returned as they are. One input: one
    Tensor, several: a tuple (NumPy 2's and torch's)."""
    xs, many = _atleast_args(xs)
    out = [t if t.ndim >= 1 else t.reshape(1) for t in map(as_tensor_of, xs)]
    return out[0] if len(out) == 1 and not many else tuple(out)


def atleast_2d(*xs: Any) -> Any:
    """np.atleast_2d: (n,) becomes (1, n), a 0-d input (1, 1)."""
    xs, many = _atleast_args(xs)
    out = [t if t.ndim >= 2 else t.reshape(1, -1) for t in map(as_tensor_of, xs)]
    return out[0] if len(out) == 1 and not many else tuple(out)


def atleast_3d(*xs: Any) -> Any:
    """np.atleast_3d: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1), a 0-d input (1, 1, 1)."""
    shapes = {0: lambda s: (1, 1, 1), 1: lambda s: (1, s[0], 1), 2: lambda s: (*s, 1)}
    xs, many = _atleast_args(xs)
    out = [t if t.ndim >= 3 else t.reshape(shapes[t.ndim](t.shape)) for t in map(as_tensor_of, xs)]
    return out[0] if len(out) == 1 and not many else tuple(out)


def _atleast_args(xs: tuple) -> tuple[tuple, bool]:
    """atleast_*d's inputs, and whether a tuple comes back: torch's one list or tuple of tensors
    (`torch.atleast_2d([a, b])`, a tuple back even for one) is its tensors; a list of
    numbers stays one input (NumPy's `np.atleast_1d([1, 2])`)."""
    if (len(xs) == 1 and isinstance(xs[0], (list, tuple)) and xs[0]
            and all(isinstance(t, Tensor) for t in xs[0])):
        return tuple(xs[0]), True
    return xs, len(xs) != 1


def rollaxis(x: Any, axis: int, start: int = 0) -> Tensor:
    """np.rollaxis: move `axis` to sit before position `start` (a transpose)."""
    x = as_tensor_of(x)
    n, axis = x.ndim, axis_of("rollaxis", axis, x.ndim)
    if not -n <= start <= n:
        raise ValueError(f"rollaxis: start {start} is out of bounds for a {n}-D tensor")
    start = start + n if start < 0 else start
    order = list(range(n))
    order.remove(axis)
    order.insert(start - 1 if axis < start else start, axis)
    return x.permute(*order)


@takes_out
@torch_keywords(input="x")
def sort(x: Any, axis: int | None = -1, kind: str | bool | None = None, *,
         dim: int | None = None,
         descending: bool | None = None, stable: bool = False) -> Any:
    """np.sort: the sorted values along axis (None: flattened). With PyTorch's dim= or
    descending= (False too), or a bool third positional (torch.sort(x, 1, True)'s descending;
    NumPy's kind is a str), torch.sort's (values, indices). The gradient flows through the
    permutation; the sort is always stable (kind and stable are accepted for their
    spellings)."""
    x = as_tensor_of(x)
    if stable is not None and not isinstance(stable, (bool, np.bool_)):
        raise TypeError(f"sort: stable must be a bool, got {type(stable).__name__}")
    if isinstance(kind, (bool, np.bool_)):  # torch.sort(x, 1, True): its positional
        # descending (NumPy's kind is a str: it refuses a bool), which sorted ascending here
        if descending is not None:
            raise TypeError("sort: descending given twice (the third positional, torch's "
                            "descending, and descending=)")
        kind, descending = None, bool(kind)
    elif kind is not None and not isinstance(kind, str):
        raise TypeError(f"sort: kind must be a str (NumPy's) or a bool (torch's positional "
                        f"descending), got {type(kind).__name__}")
    if dim is None and descending is None:
        values = x.sort(axis).values
        if isinstance(axis, (int, np.integer)):  # torch.sort(x, 1) is (values, indices)
            values._values_only = ("sort", int(axis))
        return values
    return x.sort(axis if dim is None else one_name("sort", axis, "axis", dim, "dim", -1),
                  False if descending is None else descending)  # (axis=None: flattened)


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors broadcast to their common shape (torch.broadcast_tensors,
    np.broadcast_arrays), each on the graph: its gradient is summed back to its own shape."""
    ts = as_tensors(tensors)
    try:
        shape = np.broadcast_shapes(*(t.shape for t in ts))
    except ValueError:
        raise ValueError("broadcast_tensors: shapes " + ", ".join(str(t.shape) for t in ts)
                         + " do not broadcast together") from None
    return tuple(t if t.shape == shape else t.broadcast_to(shape) for t in ts)


def meshgrid(*xs: Any, indexing: str | None = None, sparse: bool = False,
             copy: bool = True) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors (np.meshgrid, torch.meshgrid), on the graph. The two
    libraries' defaults differ (NumPy's indexing="xy" swaps the first two axes, PyTorch's "ij"
    does not), so with two or more inputs `indexing` must be given: either default would give
    the other library's users transposed grids without a word. sparse=True is not supported."""
    if len(xs) == 1 and isinstance(xs[0], (list, tuple)):  # torch.meshgrid([a, b])
        xs = tuple(xs[0])
    ts = [t.reshape(-1) for t in as_tensors(xs)]
    if indexing is None and len(ts) > 1:
        raise ValueError("meshgrid: give indexing='xy' (NumPy's default) or indexing='ij' "
                         "(PyTorch's): the two give transposed grids")
    if indexing not in (None, "xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    if sparse:
        raise ValueError("meshgrid(sparse=True) is not supported: the grids are broadcast "
                         "views already (use x.reshape for a sparse one)")
    shape = [len(t.data) for t in ts]
    order = list(range(len(ts)))
    if indexing == "xy" and len(ts) > 1:  # NumPy's: x varies along the second axis
        shape[0], shape[1] = shape[1], shape[0]
        order[0], order[1] = 1, 0
    out = []
    for i, t in enumerate(ts):
        at = [1] * len(ts)
        at[order[i]] = -1
        out.append(t.reshape(*at).broadcast_to(tuple(shape)))
    return tuple(out)


_pad = pad  # (constant_pad_nd's parameter `pad` is torch's name: it hides this function)


def constant_pad_nd(input: Tensor, pad: Any, value: Any = 0) -> Tensor:
    """torch.constant_pad_nd: F.pad's constant mode (pairs from the last dim backwards;
    negative widths crop)."""
    widths = tuple(int(p) for p in pad)
    if len(widths) % 2 or len(widths) > 2 * input.ndim:
        raise ValueError(f"constant_pad_nd: the padding length {len(widths)} must be even and "
                         f"at most twice the input's {input.ndim} dims")
    if len(widths) == 2 and input.ndim >= 2:  # (a flat pair is ambiguous to pad: spell it out)
        widths = widths + (0, 0)
    if not widths:
        return input.clone()
    return _pad(input, widths, value=value)


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """torch.broadcast_shapes: the shape tensors of these shapes broadcast to (an int is a
    1-d shape, as torch's)."""
    shs = []
    for s in shapes:
        s = (s,) if isinstance(s, (int, np.integer)) and not isinstance(s, bool) else s
        if not isinstance(s, (tuple, list)) or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in s):
            raise TypeError(f"broadcast_shapes: each shape must be an int or a tuple of ints, "
                            f"got {s!r}")
        if any(n < 0 for n in s):
            raise RuntimeError(f"broadcast_shapes: trying to create a tensor with negative "
                               f"dimension in shape {tuple(int(n) for n in s)}")
        shs.append(tuple(int(n) for n in s))
    try:
        return tuple(np.broadcast_shapes(*shs))  # (a tensor's .shape is a tuple here too)
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {', '.join(map(str, shs))} cannot be "
                           f"broadcast to a single shape") from None


@takes_out
def row_stack(tensors: Any) -> Tensor:
    """torch.row_stack: vstack's other name (1-D tensors become rows)."""
    return vstack(tensors)
