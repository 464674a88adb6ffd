"""torch.testing.assert_close for tinygrad_dl: are two results close, with PyTorch's default
tolerances per dtype and its error messages.

    import tinygrad_dl as torch
    torch.testing.assert_close(model(x), expected)   # AssertionError naming where they differ

Tensors, NumPy arrays, Python / NumPy numbers, bools and None are compared; sequences (lists,
tuples) and mappings (dicts) are compared item by item, recursively. Needs no hypothesis.
"""

from __future__ import annotations

import cmath
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["assert_close", "default_tolerances"]

# torch's {dtype: (rtol, atol)}; every other dtype (integers, bool) is compared exactly
_PRECISIONS = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}
# a Python number compares as the dtype torch gives it
_NUMBER_DTYPE = {int: np.dtype(np.int64), float: np.dtype(np.float64),
                 complex: np.dtype(np.complex128)}


class _Mismatch(Exception):
    """One failed comparison: the exception type to raise, its message, and the item's path."""

    def __init__(self, kind: type[Exception], msg: str, where: tuple[Any, ...] = ()) -> None:
        super().__init__(msg)
        self.kind, self.msg, self.where = kind, msg, where

    def error(self, msg: str | Callable[[str], str] | None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.msg
        if self.where:
            text += "\n\nThe failure occurred for item " + "".join(f"[{k!r}]" for k in self.where)
        return self.kind(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    """This kind of pair cannot compare the two inputs: the next kind is tried."""


def default_tolerances(*dtypes: Any) -> tuple[float, float]:
    """(rtol, atol): the loosest of torch's defaults over the given dtypes (or tensors/arrays)."""
    pairs = [_PRECISIONS.get(np.dtype(getattr(d, "dtype", d)), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _tolerances(dtypes: Sequence[np.dtype], rtol: float | None, atol: float | None,
                where: tuple[Any, ...]) -> tuple[float, float]:
    if (rtol is None) != (atol is None):  # (atol=0 alone would still pass by rtol: torch's rule)
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or "
                        f"omitted, but got no {'rtol' if rtol is None else 'atol'}.", where)
    if rtol is not None and atol is not None:
        if not (rtol >= 0 and atol >= 0):  # (torch: a RuntimeError deep in torch.isclose)
            raise _Mismatch(ValueError, "assert_close: rtol and atol must be non-negative, "
                            f"but got rtol={rtol}, atol={atol}.", where)
        return rtol, atol
    return default_tolerances(*dtypes)


def _close_msg(identifier: str, extra: str, abs_diff: float, abs_idx: Any, atol: float,
               rel_diff: float, rel_idx: Any, rtol: float) -> str:
    equality = rtol == 0 and atol == 0

    def line(kind: str, diff: float, idx: Any, tol: float) -> str:
        text = (f"{kind.title()} difference: {diff}" if idx is None
                else f"Greatest {kind} difference: {diff} at index {idx}")
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _magnitude(z: complex) -> float:
    """abs(z), inf where Python's complex abs raises OverflowError (|1e308 + 1e308j|)."""
    try:
        return abs(z)
    except OverflowError:
        return float("inf")


def _scalar_msg(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    abs_diff = _magnitude(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / _magnitude(expected)
    return _close_msg("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol,
                      rel_diff, None, rtol)


def _tensor_msg(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float,
                atol: float) -> str:
    n = matches.size
    bad = n - int(matches.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    af, ef, mf = a.ravel(), e.ravel(), matches.ravel()
    if a.dtype.kind in "biu":  # torch: integers and bools as int64, their ratio as float32
        af, ef = af.astype(np.int64), ef.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = np.abs(af - ef)
        abs_diff[mf] = 0
        if a.dtype.kind in "biu":
            rel = abs_diff.astype(np.float32) / np.abs(ef).astype(np.float32)
        else:
            rel = abs_diff / np.abs(ef)
        rel[mf] = 0
    ia, ir = int(np.argmax(abs_diff)), int(np.argmax(rel))  # (the first NaN, as torch.max)
    return _close_msg("Tensor-likes", extra, abs_diff[ia].item(),
                      tuple(int(i) for i in np.unravel_index(ia, a.shape)), atol,
                      rel[ir].item(), tuple(int(i) for i in np.unravel_index(ir, a.shape)), rtol)


def _compare_none(actual: Any, expected: Any, where: tuple[Any, ...], **_: Any) -> None:
    if not (actual is None or expected is None):
        raise _Unsupported
    if not (actual is None and expected is None):
        raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", where)


def _compare_bool(actual: Any, expected: Any, where: tuple[Any, ...], **_: Any) -> None:
    if not all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
        raise _Unsupported
    a, e = bool(actual), bool(expected)
    if a is not e:
        raise _Mismatch(AssertionError, f"Booleans mismatch: {a} is not {e}", where)


def _compare_number(actual: Any, expected: Any, where: tuple[Any, ...], *, rtol: float | None,
                    atol: float | None, equal_nan: bool, check_dtype: bool, **_: Any) -> None:
    if not all(isinstance(x, (int, float, complex, np.number)) and not isinstance(x, bool)
               for x in (actual, expected)):
        raise _Unsupported
    a, e = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
    rtol, atol = _tolerances([_NUMBER_DTYPE[type(a)], _NUMBER_DTYPE[type(e)]], rtol, atol, where)
    if check_dtype and type(a) is not type(e):
        raise _Mismatch(AssertionError,
                        f"The (d)types do not match: {type(a)} != {type(e)}.", where)
    if a == e or (equal_nan and cmath.isnan(a) and cmath.isnan(e)):
        return
    diff = _magnitude(a - e)
    if cmath.isfinite(diff) and diff <= atol + _magnitude(rtol * e):
        return
    raise _Mismatch(AssertionError, _scalar_msg(a, e, rtol, atol), where)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _promoted(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch.promote_types: across categories (bool < integer < float < complex) the higher
    operand's dtype (int64 with float32 is float32, NumPy's float64); within, NumPy's rule."""
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb and min(ca, cb) < 2:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float,
             equal_nan: bool) -> np.ndarray:
    """torch.isclose: equal, or a finite |a - e| within atol + rtol * |e|. Not np.isclose: it
    tests only e's finiteness, so inf against 1 passed once the allowance overflowed to inf
    (atol=inf, or rtol * |e| past the dtype's max); torch fails it, and so does this."""
    matches = a == e  # (exact for integers: no float64 rounding of large int64s)
    if rtol == 0 and atol == 0 and a.dtype.kind in "biu":
        return matches
    with np.errstate(all="ignore"):
        if a.dtype.kind in "biu":  # |a - e| exactly, in uint64 (int64 extremes, no uint8 wrap)
            wide = np.uint64 if a.dtype.kind == "u" else np.int64
            x, y = a.astype(wide), e.astype(wide)
            xu, yu = x.astype(np.uint64), y.astype(np.uint64)
            diff = np.where(x >= y, xu - yu, yu - xu)
            allowed = atol + rtol * np.abs(y.astype(np.float64))
            return matches | (diff <= allowed)
        diff = np.abs(a - e)
        # |rtol * e|, as torch: rtol * |e| would overflow for a complex64 e near the max
        matches |= np.isfinite(diff) & (diff <= atol + np.abs(rtol * e))
        if equal_nan:
            matches |= np.isnan(a) & np.isnan(e)
    return matches


def _array_of(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.data
    a = np.asarray(x)
    if a.dtype.kind not in "biufc":  # (strings, objects: torch.as_tensor refuses them)
        raise _Unsupported
    return a


def _strides(x: Any, a: np.ndarray) -> tuple[int, ...]:
    if isinstance(x, Tensor):
        return tuple(x.stride())
    return tuple(s // a.itemsize for s in a.strides)  # (NumPy's are in bytes, torch's not)


def _compare_tensor(actual: Any, expected: Any, where: tuple[Any, ...], *,
                    allow_subclasses: bool, rtol: float | None, atol: float | None,
                    equal_nan: bool, check_dtype: bool, check_stride: bool, **_: Any) -> None:
    # torch's rule: only "directly related" types (a Tensor and a Tensor, an ndarray and an
    # ndarray), never a Tensor against an ndarray or a list
    if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
        raise _Unsupported
    if not allow_subclasses and type(actual) is not type(expected):
        raise _Unsupported
    a, e = _array_of(actual), _array_of(expected)
    rtol, atol = _tolerances([a.dtype, e.dtype], rtol, atol, where)

    def differ(attribute: str, x: Any, y: Any) -> _Mismatch:
        return _Mismatch(AssertionError, f"The values for attribute '{attribute}' do not "
                         f"match: {x} != {y}.", where)

    if a.shape != e.shape:
        raise differ("shape", a.shape, e.shape)  # (tuples: shapes are tuples here)
    if check_stride and _strides(actual, a) != _strides(expected, e):
        raise differ("stride()", _strides(actual, a), _strides(expected, e))
    if check_dtype and a.dtype != e.dtype:
        raise differ("dtype", a.dtype, e.dtype)
    if a.dtype != e.dtype:  # compared in the promoted dtype (torch.promote_types)
        common = _promoted(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    matches = _isclose(a, e, rtol, atol, equal_nan)
    if matches.all():
        return
    if a.ndim == 0:
        raise _Mismatch(AssertionError, _scalar_msg(a.item(), e.item(), rtol, atol), where)
    raise _Mismatch(AssertionError, _tensor_msg(a, e, matches, rtol, atol), where)


_PAIRS = (_compare_none, _compare_bool, _compare_number, _compare_tensor)


def _compare(actual: Any, expected: Any, where: tuple[Any, ...], options: dict[str, Any],
             failures: list[_Mismatch]) -> None:
    """Recurse through sequences and mappings; compare the leaves with the first pair kind that
    takes them. A structural mismatch raises at once; value mismatches are collected."""
    if (isinstance(actual, Sequence) and not isinstance(actual, str)
            and isinstance(expected, Sequence) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, "The length of the sequences mismatch: "
                            f"{len(actual)} != {len(expected)}", where)
        for i in range(len(actual)):
            _compare(actual[i], expected[i], (*where, i), options, failures)
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        ka, ke = set(actual.keys()), set(expected.keys())
        if ka != ke:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {sorted(ke - ka)}\n"
                            f"Additional keys in the actual mapping: {sorted(ka - ke)}", where)
        try:
            keys: list[Any] = sorted(ka)
        except TypeError:  # (keys of mixed types: their own order)
            keys = list(ka)
        for k in keys:
            _compare(actual[k], expected[k], (*where, k), options, failures)
        return
    for pair in _PAIRS:
        try:
            pair(actual, expected, where, **options)
        except _Unsupported:
            continue
        except _Mismatch as failure:
            if failure.kind is not AssertionError:  # (bad tolerances: not a mismatch)
                raise
            failures.append(failure)
        return
    raise _Mismatch(TypeError, "No comparison pair was able to handle inputs of type "
                    f"{type(actual)} and {type(expected)}.", where)


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """torch.testing.assert_close: raise AssertionError unless `actual` and `expected` are close.

    Close means `|actual - expected| <= atol + rtol * |expected|` elementwise (and equal
    infinities), with equal shapes and, when `check_dtype`, equal dtypes (otherwise both are
    promoted to a common dtype first). Leave `rtol` and `atol` out for torch's defaults, the
    loosest over the two dtypes:

    | dtype | rtol | atol |
    |---|---|---|
    | float16 | 1e-3 | 1e-5 |
    | float32, complex64 | 1.3e-6 | 1e-5 |
    | float64, complex128 | 1e-7 | 1e-7 |
    | integers, bool | 0 | 0 |

    Give both or neither (ValueError otherwise). Python numbers compare as int64, float64 or
    complex128; NumPy numbers as the Python number they hold; a Tensor compares with a Tensor,
    an ndarray with an ndarray (a Tensor against an ndarray or a number is a TypeError, as in
    torch). Lists/tuples and dicts are compared item by item (dict keys must match); the error
    then names the item, e.g. `The failure occurred for item [1]['w']`. NaN equals NaN only with
    `equal_nan=True`. The message counts the mismatched elements and gives the greatest
    absolute and relative differences and their index; `msg` replaces it (a str) or rewrites it
    (a callable taking it). `check_device` and `check_layout` always hold here (one device, one
    layout); `check_stride` compares `.stride()`.
    """
    __tracebackhide__ = True  # (pytest: the failure points at the caller's line)
    del check_device, check_layout  # (every tensor here is a strided CPU one)
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol,
                   equal_nan=equal_nan, check_dtype=check_dtype, check_stride=check_stride)
    failures: list[_Mismatch] = []
    try:
        _compare(actual, expected, (), options, failures)
    except _Mismatch as failure:
        raise failure.error(msg) from None
    if failures:
        raise failures[0].error(msg) from None
