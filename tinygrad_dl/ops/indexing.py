"""Ops that read or write a tensor's entries by an index: indexing (`x[index]`, `GetItem`,
whose gradient is a `Sparse` term the accumulator adds in at the index), take_along_axis
(torch's gather) and scatter / scatter_add, with torch's checks of their indices
(`check_gather`, `GatherCheck`, `check_scatter`) and the brief forms of values and indices that
their error messages show."""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np

from ..engine import Function
from ..grad import masked_error, masked_within, own_array
from ..write_guard import private

__all__ = ["GetItem", "Scatter", "TakeAlongAxis"]

def _is_basic(index) -> bool:
    """Basic indexing (slices, ints, None, ...) never selects an element twice."""
    if type(index) is slice or type(index) is int:  # (an RNN step's row: skip the loop)
        return True
    if type(index) is np.ndarray:  # (an embedding's U[X], once per step: no generator)
        return False
    items = index if isinstance(index, tuple) else (index,)
    # (a bool is an int to Python but an advanced index to NumPy: x[True] is a copy, and the
    # gradient added into it was lost)
    return all(isinstance(i, (slice, int, np.integer, type(None), type(Ellipsis)))
               and type(i) is not bool for i in items)


def _ints_for_0d(index):
    """The index with its 0-d integer arrays read as ints, when that makes it basic (else
    None: NumPy's advanced indexing as given)."""
    items = index if isinstance(index, tuple) else (index,)
    if not any(type(i) is np.ndarray and i.ndim == 0 and i.dtype.kind in "iu" for i in items):
        return None
    out = tuple(int(i) if type(i) is np.ndarray and i.ndim == 0 and i.dtype.kind in "iu" else i
                for i in items)
    return (out if isinstance(index, tuple) else out[0]) if _is_basic(out) else None


_ALL = slice(None)  # `:`


def check_uint64(who: str, idx: Any, n: int, axis: int | str = 0) -> None:
    """Refuse, in one line, a uint64 index (an array or a NumPy scalar) holding a value outside
    [0, n): NumPy casts uint64 indices to intp without a word, so 2**64 - 1 read the LAST entry
    (it wraps to -1) and 2**63 gave a message naming -2**63, an index nobody wrote (torch
    refuses uint64 indices outright). Other dtypes pass at the cost of the dtype test (an
    int64 index, the course models' x[arange, y] and U[X], skips the rest); a uint64 index
    within range is NumPy's, as given."""
    dt = getattr(idx, "dtype", None)
    if dt is None or dt.kind != "u" or dt.itemsize != 8 or not np.size(idx):
        return
    # (max of a plain view: a jit recording's watched argument would report the read and the
    # step never replayed; the decision is not frozen: GetItem and TakeAlongAxis run this in
    # each replayed forward, and embedding's InRange Tap sees the uint64 before its cast)
    hi = int(np.asarray(idx).max())
    if hi >= n:
        raise IndexError(f"{who}: index {hi} (uint64) is out of bounds for axis {axis} of size "
                         f"{n}")


def check_uint64_items(who: str, index: Any, shape: tuple[int, ...]) -> None:
    """check_uint64 for each uint64 item of a NumPy index (`x[index]`, `x[index] = v`) into a
    tensor of `shape`, against the axis it indexes; an index NumPy refuses for another reason
    (too many indices, two `...`) is left to NumPy's own error."""
    items = index if type(index) is tuple else (index,)
    for item in items:
        dt = getattr(item, "dtype", None)
        if dt is not None and dt.kind == "u" and dt.itemsize == 8:
            break
    else:  # (the common case: no uint64 item, one pass of attribute reads)
        return
    takes = []  # the axes each item takes: None and a 0-d bool none, a mask its ndim
    for item in items:
        if item is None or item is Ellipsis or type(item) is bool:  # (x[True]: a new axis)
            takes.append(0)
        elif isinstance(item, (np.ndarray, np.generic, list)) and np.asarray(item).dtype == bool:
            takes.append(np.ndim(item))
        else:
            takes.append(1)
    ell = len(shape) - sum(takes)
    axis = 0
    for item, k in zip(items, takes):
        if item is Ellipsis:
            axis += max(ell, 0)
            continue
        if axis < len(shape) and k == 1:
            check_uint64(who, item, shape[axis], axis)
        axis += k


def check_masked(what: str, index: Any) -> None:
    """Refuse a NumPy masked array as an index (alone or in a tuple; `what` names it): NumPy's
    indexing reads the values under its mask (x[np.ma.array([0, 1], mask=[0, 1])] is
    x[[0, 1]]), so the op used the masked entries without a word."""
    if isinstance(index, _MASKED) or (type(index) is tuple and any(
            isinstance(i, _MASKED) for i in index)) or (
            type(index) is list and masked_within(index)):  # (one in a list: the same)
        raise masked_error(what)


def check_empty_mask(who: str, index: Any, shape: tuple[int, ...]) -> None:
    """Refuse a 1-D boolean mask of length 0 against an axis that is not empty: NumPy reads it
    as picking nothing (x[np.zeros(0, bool)] of a (3, 4) x is (0, 4), the write x[m] = v is
    lost), where any other mask of the wrong length is refused, torch 2.13's too. (`who`
    ends in ": ", or is empty where the caller's except names the op. Called where the index
    holds an empty array, or the result is empty: the other indexing pays nothing.)"""
    items = index if type(index) is tuple else (index,)
    used = sum(0 if i is None or i is Ellipsis or type(i) in (bool, np.bool_) else
               i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1 for i in items)
    axis = 0
    for i in items:
        if i is Ellipsis:
            axis += len(shape) - used
        elif isinstance(i, np.ndarray) and i.dtype == bool:
            if i.ndim == 1 and not i.size and axis < len(shape) and shape[axis]:
                raise IndexError(f"{who}a boolean mask of length 0 against axis {axis} of "
                                 f"length {shape[axis]} (shape {shape}): NumPy picks nothing "
                                 f"without a word, torch refuses; give a mask of length "
                                 f"{shape[axis]}")
            axis += i.ndim
        elif not (i is None or type(i) in (bool, np.bool_)):
            axis += 1


_MASKED = np.ma.MaskedArray  # (bound once: two attribute lookups per check otherwise)


def check_layout(who: str, index: Any, shape: tuple[int, ...]) -> None:
    """Refuse, in one line, an index whose advanced axes NumPy and torch put in different
    places, so `x[1, :, idx]` means one thing whichever library the script was written for.
    NumPy counts an int (or a 0-d integer array) as an advanced index, and advanced indices
    not side by side (a slice, None or `...` between them, even a `...` of no axes) put their
    axes first; torch selects the ints away before it looks, and takes a `...` of no axes as
    nothing, so it keeps the axes in place: for a (2, 3, 4) x, NumPy's x[1, :, [0, 1, 2]] is
    the transpose of torch's, with the same shape. In the same pass, a uint64 item goes to
    check_uint64_items (NumPy wraps 2**64 - 1 to -1): one loop over the items, not two, on
    the per-step picks. A masked array in it is refused (as check_masked): t[i] = v always
    comes here, t[i] only on the advanced path (not for basic indexing, nor one plain index
    array), so the per-step picks pay nothing for that."""
    if type(index) is not tuple:  # one index array, or basic indexing: no layout to differ
        if type(index) is not int:  # (t[3] = v: no lookup)
            if isinstance(index, _MASKED) or (type(index) is list and masked_within(index)):
                raise masked_error(f"{who}: the index")  # (t[[m]] = v: one in a list)
            if isinstance(index, np.ndarray) and not index.size:  # (t[m] = v of an empty
                check_empty_mask(f"{who}: ", index, shape)  # mask; a np.memmap one too)
        check_uint64_items(who, index, shape)
        return
    # The layouts can differ only where the index holds an int (or 0-d index) or a `...`, and
    # a slice, None or `...`: the picks x[arange(n), y] and x[:, idx] (per step, and per jit
    # replay) leave here after one pass
    cut = apart = wide = empty = False
    for item in index:
        if item is Ellipsis:
            cut = apart = True
        elif item is None or type(item) is slice:
            apart = True
        elif type(item) is np.ndarray:  # (an index array: its dtype read once, unsigned or not)
            cut = cut or item.ndim == 0
            wide = wide or item.dtype.kind == "u"
            empty = empty or not item.size
        elif type(item) is int or isinstance(item, np.integer):
            cut = True
            wide = wide or isinstance(item, np.unsignedinteger)
        elif isinstance(item, np.ndarray):  # a subclass (np.memmap, a jit recording's watched
            # argument): as an index array (its uint64 2**64 - 1 read the last column)
            if isinstance(item, _MASKED):
                raise masked_error(f"{who}: the index")
            cut = cut or item.ndim == 0
            wide = wide or item.dtype.kind == "u"
            empty = empty or not item.size
        elif type(item) is list and masked_within(item):  # (t[:, [m]] = v: NumPy read the
            raise masked_error(f"{who}: the index")  # values under its mask)
    if wide:
        check_uint64_items(who, index, shape)
    if empty:  # (NumPy's empty 1-D mask against a non-empty axis)
        check_empty_mask(f"{who}: ", index, shape)
    if not (cut and apart):
        return
    # i: an int, a: an index array, t: a 0-d True (an index array of one row), s: slice,
    # n: None, e: `...`
    kinds, used, nested = [], 0, None
    for item in index:
        if isinstance(item, (bool, np.bool_)):  # (before int: a bool is one)
            kinds.append("t" if item else "a")
        elif isinstance(item, (int, np.integer)):
            kinds.append("i")
            used += 1
        elif isinstance(item, (np.ndarray, list, tuple, range)):
            # (a tuple or range inside the index is an index array to NumPy and torch alike,
            # as a list is: x[1, :, range(2)] transposes as x[1, :, [0, 1]] does)
            try:
                a = np.asarray(item)
            except ValueError:  # (ragged: NumPy's own error follows)
                return
            if a.dtype == object:
                return
            kinds.append("a" if a.ndim else "i" if a.dtype.kind in "iu" else
                         "t" if a.dtype == bool and a else "a")
            used += a.ndim if a.dtype == bool else 1
            if a.dtype == bool and a.ndim > 1 and type(item) is not np.ndarray:
                nested = nested or item
        elif item is None or item is Ellipsis or type(item) is slice:
            kinds.append("n" if item is None else "e" if item is Ellipsis else "s")
            used += type(item) is slice
        else:  # NumPy's own error follows
            return
    # (too many indices, or two `...`: NumPy's own error follows)
    if ("a" not in kinds and "t" not in kinds) or used > len(shape) or kinds.count("e") > 1:
        return
    ell = max(len(shape) - used, 0)  # the axes a `...` stands for
    if nested is not None and "e" in kinds and any(
            type(i) is not slice or i != _ALL for i in index[kinds.index("e") + 1:]):
        # torch 2.13 counts a nested bool list as one indexed axis when it sizes the `...`
        # (a bool tensor as its ndim, as NumPy does), so its `...` covers more axes and what
        # follows it lands elsewhere, is skipped or fails (bare `:`s alone come out alike):
        # x[L, ..., [1]] is (3, 2) here, (3, 2, 3) there (L = [[True, False]] * 3, x (3, 2, 2, 3))
        raise IndexError(f"{who}: torch counts a nested bool list beside `...` as one axis, "
                         f"NumPy as {np.ndim(nested)}, so the `...` and what follows it differ; "
                         f"give the mask as a bool tensor, tensor(L), which both read alike "
                         f"(torch reads np.array(L) as the list) (a tensor of shape {shape}, "
                         f"index {brief_index(index)})")

    def place(ks: list[str], adv: str) -> int:
        """Where the advanced axes land: first when they are apart, else after the axes of
        the items before them."""
        at = [p for p, k in enumerate(ks) if k in adv]
        if at[-1] - at[0] + 1 != len(at):
            return 0
        return sum(1 if k in "sn" else ell if k == "e" else 0 for k in ks[:at[0]])

    torch_kinds = [k for k in kinds if k != "i" and not (k == "e" and ell == 0)]
    if place(kinds, "iat") == place(torch_kinds, "at"):
        return
    if "a" not in kinds and set(torch_kinds[:torch_kinds.index("t")]) <= {"n"}:
        return  # one row moved past only None's axes (x[0, None, True]): the same either way
    if "i" in kinds:
        # (a `...` of no axes, dropped: it is what sets torch apart from NumPy there too)
        first, arrays = _rewrites(*zip(*[(i, k) for i, k in zip(index, kinds)
                                         if not (k == "e" and ell == 0)]))
        fix = (f"index the ints first ({first}) or give them as index arrays ({arrays}), which "
               "both libraries read alike")
    else:
        fix = "drop the `...` that stands for no axes"
    raise IndexError(f"{who}: NumPy puts this index's advanced axes first, torch keeps them in "
                     f"place (an int, a 0-d index or a `...` stands between index arrays and a "
                     f"slice or None): {fix} (a tensor of shape {shape}, index "
                     f"{brief_index(index)})")


def _rewrites(index: tuple, kinds: tuple[str, ...]) -> tuple[str, str]:
    """check_layout's advice for this index, in its own positions: the ints taken first
    (x[:, 1][:, :, idx] for x[:, 1, :, idx]) and the ints as index arrays (x[:, [1], :, idx])."""
    names: dict[int, str] = {}

    def shown(p: int, item: Any) -> str:
        if kinds[p] == "i":
            return str(int(item))
        if item is None or item is Ellipsis:
            return "None" if item is None else "..."
        if type(item) is slice:
            parts = ["" if v is None else repr(v) for v in (item.start, item.stop, item.step)]
            return ":".join(parts if item.step is not None else parts[:2])
        if isinstance(item, (bool, np.bool_)):
            return repr(bool(item))
        if isinstance(item, (list, tuple, range)) and len(repr(item)) <= 16:
            return repr(item)  # (short: as written)
        names[p] = names.get(p) or ("idx" if not names else f"idx{len(names) + 1}")
        return names[p]

    last = max(p for p, k in enumerate(kinds) if k == "i")
    ell = "e" in kinds[:last]  # (a `...` in the first step: its axes after the ints kept, so it
    # stands for the same axes there)
    def taken(item: Any, k: str) -> int:
        """The axes of x an item of the rest takes: a boolean mask one per dimension (x[m2d, 0]
        is x[:, :, 0] first), None and a 0-d bool none."""
        if k != "a":
            return int(k == "s")
        a = np.asarray(item)
        return a.ndim if a.dtype == bool else 1

    # the first step: the ints, a `:` per axis the rest takes
    one = [s for p, (i, k) in enumerate(zip(index, kinds)) if p <= last or ell
           for s in ([shown(p, i)] if k == "i" else ["..."] if k == "e" else [":"] * taken(i, k))]
    if not ell:
        while one and one[-1] == ":":
            one.pop()
    two = [shown(p, i) for p, (i, k) in enumerate(zip(index, kinds)) if k != "i"]
    while "e" not in kinds and two and two[-1] == ":":  # (after a `...`, a `:` places the rest)
        two.pop()
    arrays = [f"[{shown(p, i)}]" if k == "i" else shown(p, i)
              for p, (i, k) in enumerate(zip(index, kinds))]
    return (f"x[{', '.join(one)}][{', '.join(two)}]", f"x[{', '.join(arrays)}]")


# NumPy's own print defaults, given to every array2string of ours (a Tensor's repr, the values
# in an error message): np.set_printoptions(suppress=True) showed a std of -1e-20 as -0., a
# user's formatter replaced the values
NUMPY_PRINT_DEFAULTS: dict[str, Any] = {"sign": "-", "floatmode": "maxprec", "formatter": {},
                                        "legacy": False, "suppress_small": False}


def brief_values(a: np.ndarray) -> str:
    """An array's first three values in an error message, every digit, on one line."""
    return np.array2string(np.ravel(a)[:3], precision=17, separator=", ", max_line_width=10**6,
                           threshold=1000, **NUMPY_PRINT_DEFAULTS)


def float_index_hint(index: Any) -> str:
    """The end of an index refusal: how to mend a float index (a float tensor of positions,
    often one made by arithmetic), or nothing."""
    items = index if isinstance(index, tuple) else (index,)
    floats = any(isinstance(i, (float, np.floating)) or isinstance(i, np.ndarray)
                 and i.dtype.kind in "fc" for i in items)
    return "; cast a float index with .long()" if floats else ""


def brief_index(index: Any) -> str:
    """An index in an error message: an array by its shape and dtype, else its repr, cut."""
    if isinstance(index, np.ndarray):
        return f"an array of shape {index.shape} {index.dtype}"
    return f"{' '.join(repr(index).split())!s:.60}"  # (one line: a 2-D array's repr is not)


class Sparse(tuple):
    """GetItem's gradient: zero but at `index`, where it is `values`. The accumulator adds the
    values in at the index (HIPS autograd's sparse gradient) instead of a full array of zeros
    per use: an RNN that slices its input once per step costs a row per step, not O(T^2).
    Made as `Sparse((shape, dtype, index, values, basic))`, a tuple with named fields (cheap
    to make: one per RNN step, see elementwise.Outer)."""

    __slots__ = ()
    shape = property(itemgetter(0))
    dtype = property(itemgetter(1))
    index = property(itemgetter(2))
    values = property(itemgetter(3))
    basic = property(itemgetter(4))  # a basic index selects no element twice

    def add_to(self, pending: Any, key: Any, out: np.ndarray | None = None) -> None:
        """Add into the pending gradient of `key` (an engine.Pending), at the index."""
        shape, dtype, index, values, basic = self
        if out is None:
            out = pending.own(key, shape, dtype)
        if basic and type(index) is slice:  # (an RNN step's row, once per step: no call)
            view = out[index]
            view += values
            return
        _add_at(out, index, values, basic)

    def add_into(self, prev: np.ndarray | None, ours: bool) -> np.ndarray:
        """`add_to` without a Pending (a jit replay's compiled lines hold the key's pending
        gradient `prev` and whether it is ours in locals): the array that is then ours,
        `prev` itself when it was ours, else a new one (`Pending.own`'s rule, `own_array`)."""
        shape, dtype, index, values, basic = self
        out = own_array(prev, ours, shape, dtype)
        if basic and type(index) is slice:  # (an RNN step's row, as in add_to)
            view = out[index]
            view += values
            return out
        _add_at(out, index, values, basic)
        return out

    @staticmethod
    def total(terms: list[Sparse]) -> np.ndarray:
        out = np.zeros(terms[0].shape, dtype=terms[0].dtype)
        for t in terms:
            t.add_to(None, None, out)
        return out


def _add_at(out: np.ndarray, index: Any, values: Any, basic: bool) -> None:
    """out[index] += values, duplicates of an integer-array index accumulating."""
    if not basic:
        if (type(index) is np.ndarray and index.ndim == 1 and index.dtype.kind in "iu"
                and out.ndim > 1 and out.size and out.flags.c_contiguous
                and type(values) is np.ndarray and values.dtype == out.dtype
                and values.shape == index.shape + out.shape[1:]):
            # whole rows (an embedding's, U[X] of an RNN): np.add.at on the flat array with
            # each row's element indices, NumPy's fast path for a 1-D index (3x faster than
            # rows): every element gets the same additions in the same order, bit for bit
            cols = out.size // out.shape[0]
            # (a valid negative row -k wraps as its flat indices -k*cols + c do: no `% n`;
            # intp: an int32 index times cols must not overflow)
            flat = (index.astype(np.intp, copy=False)[:, None] * cols + np.arange(cols)).ravel()
            np.add.at(out.reshape(-1), flat, values.reshape(-1))
            return
        np.add.at(out, index, values)
        return
    view = out[index]
    if type(view) is np.ndarray:  # a view: added into in place, the same sums as
        view += values  # `out[index] += values` without its copy of the rows onto themselves
    else:  # an int index of a 1-D array: a NumPy scalar, not a view
        out[index] += values


class GetItem(Function):
    """x[index]; with integer-array indices, duplicates accumulate their gradients."""

    # for a jit replay (`jit.declared.rows_agree`): the value is x[index], and the gradient is
    # g added into x's at index, so where the index is a constant that selects a view, replay
    # writes both out (an RNN's row per step) instead of calling forward and backward
    indexes_by = "index"

    def forward(ctx, x, index=None):
        ctx.shape, ctx.dtype = x.shape, x.dtype
        # (an RNN step's row slice, once per step: no call to find it basic; an embedding's
        # U[X], one array of indices, once per step: no layout to check, no 0-d int in it)
        array = type(index) is np.ndarray and index.ndim > 0
        ctx.basic = basic = not array and (type(index) is slice or _is_basic(index))
        # index arrays: our own copy
        ctx.index = index if basic else private(index, "getitem: the index")
        if not basic and not array:  # (outside the try: its one line names the op and shape)
            check_layout("getitem", index, x.shape)  # (and a uint64 item NumPy would wrap)
        elif array and index.dtype.kind == "u" and x.ndim:  # (NumPy wraps 2**64 - 1 to -1)
            check_uint64("getitem", index, x.shape[0])
        try:
            # A 0-d integer tensor in the index is an int to torch (`x[i]` for `i = y.argmax()`
            # is a view) but an advanced index, a copy, to NumPy: read as the int it holds
            # (the gradient still goes through ctx.index, per call)
            view = index if basic else None if array else _ints_for_0d(index)
            if view is None:
                out = x[index]
                if not out.size:  # (NumPy's empty mask against a non-empty axis: refused)
                    check_empty_mask("", index, x.shape)  # (the except names the op)
                return out
            out = x[view]
            if not isinstance(out, np.ndarray):
                # an int per axis gives NumPy's scalar, a copy: `x[0, 1].add_(1)` was lost
                # without a word, where torch's 0-d result is a view. With a trailing `...`
                # NumPy gives the 0-d view of that element
                out = x[(*view, Ellipsis) if isinstance(view, tuple) else (view, Ellipsis)]
            return out
        except (IndexError, OverflowError) as e:  # NumPy's words, with the op and the shape
            # (a uint64 scalar past 2**63: NumPy's OverflowError names no index; say which)
            check_uint64_items("getitem", index, x.shape)
            raise IndexError(f"getitem: {e} (indexing a tensor of shape {x.shape} with "
                             f"{brief_index(index)}){float_index_hint(index)}") from None

    @staticmethod
    def shape_arrays(index=None) -> list[np.ndarray]:
        """Boolean masks: x[mask] has as many rows as the mask has True entries."""
        items = index if isinstance(index, tuple) else (index,)
        return [i for i in items if isinstance(i, np.ndarray) and i.dtype == bool]

    def backward(ctx, g):
        return Sparse((ctx.shape, ctx.dtype, ctx.index, g, ctx.basic))


class TakeAlongAxis(Function):
    """np.take_along_axis(x, indices, axis): x's entries picked along one axis by an integer
    array (sort's permutation, torch's gather); x and indices broadcast on the other axes.
    The gradient is scattered back, duplicates adding up."""

    def forward(ctx, x, indices=None, axis=-1):
        if -x.ndim <= axis < x.ndim:  # (NumPy wraps a uint64 2**64 - 1 to -1: the last entry)
            check_uint64("take_along_axis (take_along_dim)", indices, x.shape[axis], axis)
        try:
            out = np.take_along_axis(x, indices, axis)
        except (IndexError, ValueError) as e:  # NumPy's words, with both shapes and the axis
            raise type(e)(f"take_along_axis (take_along_dim): {e} (input of shape {x.shape}, "
                          f"indices of shape {np.shape(indices)}, axis {axis})") from None
        axis %= x.ndim
        # the full index of every output element into x: (broadcast) positions on the other
        # axes, the given indices on `axis`
        grid = list(np.ogrid[tuple(slice(n) for n in out.shape)])
        for d, n in enumerate(x.shape):
            if d != axis and n == 1:
                grid[d] = np.zeros_like(grid[d])
        grid[axis] = np.where(indices < 0, indices + x.shape[axis], indices)
        ctx.shape, ctx.index = x.shape, tuple(grid)
        return out

    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(out, ctx.index, g)
        return out


class Scatter(Function):
    """torch's scatter_add (reduce "add") and scatter (reduce None), out of place: a copy of x
    with src's entries (the index's corner of src) added into, or written at, the positions
    that `index` names along `dim` (every other coordinate kept). The gradient to x is g (with
    the written positions zeroed for scatter), to src g read back at those positions. The
    caller checks torch's rules (`check_scatter`)."""

    def forward(ctx, x, src, index=None, dim=0, reduce="add"):
        idx = private(index, "scatter: the index")
        grid = list(np.indices(idx.shape, sparse=True))
        grid[dim] = idx
        corner = tuple(slice(0, n) for n in idx.shape)
        ctx.target, ctx.corner, ctx.src_shape, ctx.reduce = tuple(grid), corner, src.shape, reduce
        out = np.array(x, copy=True)
        if reduce == "add":
            np.add.at(out, ctx.target, src[corner])
        else:
            out[ctx.target] = src[corner]
        return out

    def backward(ctx, g):
        gx = g
        if ctx.reduce != "add":
            gx = g.copy()
            gx[ctx.target] = 0
        gs = np.zeros(ctx.src_shape, dtype=g.dtype)
        gs[ctx.corner] = g[ctx.target]
        return gx, gs


def check_scatter(op: str, shape: tuple[int, ...], dim: int, index: Any,
                  src_shape: tuple[int, ...], unique: bool = False) -> np.ndarray:
    """torch's rules for scatter / scatter_add, one line for each broken one: index holds
    integers, has the input's number of dims, is no larger than src anywhere nor than the input
    apart from dim, and its values lie in [0, shape[dim]); `unique`: no position written twice
    (torch's scatter leaves which write wins undefined). The index as an intp array."""
    idx = np.asarray(index)
    where = (f"(input of shape {shape}, index of shape {idx.shape}, src of shape {src_shape}, "
             f"dim {dim})")
    if idx.dtype.kind not in "iu" and not (idx.size == 0 and idx.dtype.kind == "f"):
        raise IndexError(f"{op}: index must hold integers, got {idx.dtype} {where}")
    if not (idx.ndim == len(shape) == len(src_shape)):
        raise ValueError(f"{op}: index, input and src must have the same number of dims {where}")
    for d, (n, m, k) in enumerate(zip(shape, idx.shape, src_shape)):
        if m > k or (d != dim and m > n):
            raise IndexError(f"{op}: index is larger than src, or than the input apart from "
                             f"dim, at dim {d} {where}")
    if idx.size:  # (on the given dtype: a uint64 2**64 - 1 cast to intp is -1)
        lo, hi, n = int(idx.min()), int(idx.max()), shape[dim]
        if lo < 0 or hi >= n:
            raise IndexError(f"{op}: index {lo if lo < 0 else hi} is out of bounds for dim {dim} "
                             f"with size {n} {where}")
    idx = idx.astype(np.intp)
    if idx.size:
        if unique and idx.shape[dim] > 1:
            s = np.sort(idx, axis=dim)
            if (np.diff(s, axis=dim) == 0).any():
                raise ValueError(f"{op}: index names one position twice along dim {dim} "
                                 f"{where}: torch's result is then undefined; use "
                                 "scatter_add to add them up")
    return idx


def check_gather(shape: tuple[int, ...], dim: int, index: Any) -> None:
    """torch.gather's rules, one line for each broken one: index has the input's number of
    dims, is no larger than it apart from `dim`, and holds integers in [0, shape[dim]).
    NumPy's take_along_axis would broadcast a larger index and wrap a negative one, reading
    values a torch script never meant (torch raises there)."""
    idx = np.asarray(index)
    where = f"(input of shape {shape}, index of shape {idx.shape}, dim {dim})"
    if idx.dtype.kind not in "iu":
        raise IndexError(f"gather: index must hold integers, got {idx.dtype} {where}")
    if idx.ndim != len(shape):
        raise ValueError(f"gather: index must have as many dims as the input {where}")
    for d, (n, m) in enumerate(zip(shape, idx.shape)):
        if d != dim and m > n:
            raise IndexError(f"gather: index is larger than the input at dim {d} {where}, as "
                             "torch.gather refuses; take_along_dim broadcasts")
    if idx.size:
        lo, hi, n = int(idx.min()), int(idx.max()), shape[dim]
        if lo < 0 or hi >= n:
            raise IndexError(f"gather: index {lo if lo < 0 else hi} is out of bounds for dim "
                             f"{dim} with size {n} {where}; torch.gather takes [0, {n}), "
                             "take_along_dim wraps negative indices")


@dataclass(frozen=True)
class GatherCheck:
    """A `Tap` running torch.gather's checks (`check_gather`) on the index of each call, so a
    replayed step (tinygrad_dl.jit) checks each batch's index too: checked once in Python, a
    recording on good indices replayed a later -1 as NumPy's last entry without a word.
    `flat`: a gather with a 0-d input or index (Tensor.gather's `_gather_0d`), the index
    checked flattened against `shape` (1-D) at dim 0, the message naming `given` instead.
    Equal by value, as InRange."""

    shape: tuple[int, ...]
    dim: int
    flat: bool = False
    given: str = ""

    def __call__(self, idx: np.ndarray) -> None:
        if not self.flat:
            check_gather(self.shape, self.dim, idx)
            return
        flat = np.reshape(idx, -1)
        try:
            check_gather(self.shape, 0, flat)
        except (IndexError, ValueError) as e:  # the shapes as given, not as checked
            raise type(e)(str(e).replace(
                f"(input of shape {self.shape}, index of shape {flat.shape}, dim 0)",
                self.given)) from None
