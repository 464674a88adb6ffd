"""The constructors, NumPy's and PyTorch's (dtype=, requires_grad=, device= the CPU): tensor,
as_tensor, from_numpy, empty/full/eye/arange/linspace, the random draws (rand, randint,
randperm, normal, bernoulli, multinomial), the *_like forms, and torch.range, logspace and
scalar_tensor (leaves in the default dtype, float64 here, torch's float32).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import write_guard
from ..device import check_device
from ..engine import literal
from ..grad import masked_error, masked_within
from ..ops.allocation import check_alloc
from ..ops.indexing import brief_values
from ..ops.shape import int_cast
from ..ops.spelling import one_name, torch_keywords
from ..random import as_rng, exact_range, float_dtype, integers, multinomial_draws, unit_draws
from ..random import normal as random_normal
from ..tensor import Tensor, data_of, filled, np_dtype
from ..tensor.conversions import NUMERIC, is_literal, numeric_array, refused_dtype, zero_d_int
from .dtypes import get_default_dtype


# ---- constructors: NumPy's and PyTorch's (dtype=, requires_grad=, device= the CPU) -----------
# Random draws come from rng= (or PyTorch's generator=), else the seeded default generator
# (tinygrad_dl.random: manual_seed). zeros, ones and randn are Tensor's own static methods.
def _made(who: str, data: np.ndarray, requires_grad: bool, device: Any) -> Tensor:
    check_device(device, who)
    return Tensor(data, requires_grad=requires_grad)


def _constant(who: str, data: np.ndarray, requires_grad: bool, device: Any,
              *values: Any) -> Tensor:
    """`_made` for an array made from its arguments alone (full, eye, arange...): when those
    are Python numbers (or None) and no gradient is asked, a jit recording is told it is a
    literal (as `Tensor.zeros(...)`), so a step making a mask or an identity replays; made
    from anything else (a NumPy scalar of the data) it is judged as any array the step makes.
    (A number read from a global or closure variable is guarded: jit.guards.)"""
    if not requires_grad and all(v is None or is_literal(v) for v in values):
        literal(data)
    return _made(who, data, requires_grad, device)


def _size(shape: Sequence[Any]) -> tuple[int, ...]:
    """rand(2, 3), rand((2, 3)) and rand([2, 3]) are one shape."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def rng_of(rng: Any, generator: Any, who: str) -> np.random.Generator:
    return as_rng(generator if rng is None else rng, who)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, name: str | None = None,
           device: Any = None) -> Tensor:
    """torch.tensor / np.array: a new Tensor holding a copy of data, its dtype inferred as
    NumPy does (integers stay int64, unlike Tensor(...), which makes Python numbers float64)."""
    if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in data):
        Tensor(data)  # raises its clear error: stack() joins tensors and keeps their gradients
    if isinstance(data, Tensor) and data.requires_grad:
        Tensor(data, dtype=dtype)  # raises: a copy would cut it from its graph without a word
    if isinstance(data, np.ma.MaskedArray):  # (np.array dropped the mask without a word)
        raise masked_error("tensor()'s data")
    if isinstance(data, (list, tuple)) and masked_within(data):  # (and read the values under
        raise masked_error("an item of tensor()'s data")  # the mask of one in a list)
    dtype = np_dtype(dtype, "tensor")  # torch.float32 too, as the casts take it
    arr = _array("tensor", np.array, data.data if isinstance(data, Tensor) else data, dtype)
    if dtype is None and type(data) in (list, tuple, int) and arr.dtype.kind in "ufO":
        arr = _int64_fits("tensor", data, arr)
    if arr.dtype not in NUMERIC:  # (an object, string or date array, '>f8', float128: torch's)
        arr = numeric_array("tensor()", arr, data, dtype)
    check_device(device, "tensor")
    return Tensor(arr, requires_grad=requires_grad, name=name)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """torch.as_tensor / np.asarray: `data` as a Tensor without a copy where it can be (a
    Tensor itself, an ndarray's memory), its dtype inferred as NumPy does (a list of ints is
    int64, as in both libraries; `Tensor([1, 2])` makes Python numbers float64)."""
    check_device(device, "as_tensor")
    dtype = np_dtype(dtype, "as_tensor")
    if isinstance(data, np.ma.MaskedArray):  # (np.asarray dropped the mask without a word)
        raise masked_error("as_tensor()'s data")
    if isinstance(data, (list, tuple)) and masked_within(data):
        raise masked_error("an item of as_tensor()'s data")
    if isinstance(data, Tensor):
        return data if dtype is None or np.dtype(dtype) == data.dtype else data.astype(dtype)
    if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in data):
        Tensor(data)  # raises its clear error: stack() joins tensors
    arr = _array("as_tensor", np.asarray, data, dtype)
    if dtype is None and type(data) in (list, tuple, int) and arr.dtype.kind in "ufO":
        arr = _int64_fits("as_tensor", data, arr)
    if arr.dtype not in NUMERIC:  # (an object, string or date array, '>f8', float128: torch's)
        arr = numeric_array("as_tensor()", arr, data, dtype)
    t = Tensor(arr)
    return _sharing(t) if isinstance(data, np.ndarray) and np.may_share_memory(t.data, data) \
        else t


def _array(who: str, make: Any, data: Any, dtype: Any) -> np.ndarray:
    """np.array / np.asarray of data, its refusal (a ragged list, NaN or 300 into an integer
    dtype) in one line naming the call: NumPy's named neither."""
    try:
        if (dtype is not None and isinstance(data, np.ndarray) and data.dtype.kind in "fc"
                and np.dtype(dtype).kind in "iu"):  # (a NaN into int64 warned in NumPy's
            return int_cast(data, np.dtype(dtype), who)  # words, at this line)
        return make(data, dtype=dtype)
    except (ValueError, OverflowError, TypeError) as e:  # (TypeError: a complex into float64)
        into = "" if dtype is None else f" of dtype {np.dtype(dtype)}"
        kind = next(k for k in (OverflowError, TypeError, ValueError) if isinstance(e, k))
        raise kind(f"{who}(): cannot make an array{into} from {str(data)[:60]!r}: "
                   f"{str(e).splitlines()[0]}") from None


def _int64_fits(who: str, data: Any, arr: np.ndarray) -> np.ndarray:
    """Python ints (and bools), none a float, are int64 to torch.tensor, which refuses one
    past int64's ends; NumPy made `[2**63]` uint64 and `[1, 2**63 + 1]` float64 (its last
    digits lost) without a word. Raises for such a literal; a float among them is a float
    tensor, as torch's (NumPy's object array of `[10**30, 1.5]` too: returned as float64).
    Only a list NumPy made uint64, float64 with no float first and a number past 2**63, or
    object is looked at further: a list of floats costs a walk down its first items."""
    if arr.dtype != np.float64 and arr.dtype.kind != "O" and arr.dtype != np.uint64:
        return arr
    if arr.dtype == np.float64:
        first = data  # (a float first: no int past int64 can raise; the usual float list)
        while type(first) in (list, tuple) and first:
            first = first[0]
        if type(first) is float or not (np.abs(arr) >= 2.0**63).any():
            return arr
    if not is_literal(data):
        return arr
    leaves = list(_leaves(data))
    kinds = {type(v) for v in leaves}
    if float in kinds or complex in kinds:
        if arr.dtype.kind == "O":  # (NumPy keeps an int past uint64 beside a float as itself)
            return np.array(data, dtype=np.complex128 if complex in kinds else np.float64)
        return arr
    big = next((v for v in leaves if type(v) is int and not -2**63 <= v < 2**63), None)
    if big is not None:
        raise OverflowError(f"{who}(): the Python int {big} does not fit int64, the dtype of "
                            "Python ints (as torch's 'Overflow when unpacking long long'); "
                            "pass dtype=np.float64 (np.uint64 below 2**64), or a float")
    return arr


def _leaves(data: Any) -> Any:
    if type(data) in (list, tuple):
        for v in data:
            yield from _leaves(v)
    else:
        yield data


def from_numpy(a: np.ndarray) -> Tensor:
    """torch.from_numpy: a Tensor on the very same array (writes to one show in the other)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(a).__name__}")
    if a.dtype not in NUMERIC:  # (torch refuses object, string, date, '>f8', float128 too)
        raise refused_dtype("from_numpy", a, a)
    t = Tensor(a)
    return _sharing(t) if np.may_share_memory(t.data, a) else t


def _sharing(t: Tensor) -> Tensor:
    """`t` on the caller's array `a` (from_numpy, as_tensor of an ndarray): a write through t
    while a live graph holds `a` must be refused, as through `w.detach()`: the copy the write
    guard gives a writer would leave `a` (and w of `from_numpy(w.detach().numpy())`, made
    before or after the forward) unchanged, where torch's from_numpy shares the memory. An
    array no live graph holds is written as ever."""
    write_guard.alias(t)
    return t


zeros, ones, randn = Tensor.zeros, Tensor.ones, Tensor.randn


@torch_keywords(size="shape")
def empty(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """Zeros: an uninitialised tensor would make runs irreproducible for no gain here."""
    size, dt = _size(shape), np_dtype(dtype, "empty")
    check_alloc("empty", size, dt)
    return _constant("empty", np.zeros(size, dtype=dt), requires_grad,
                     device, size)


@torch_keywords(size="shape")
def full(shape: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """np.full / torch.full; the dtype follows fill_value (an int gives int64) unless given."""
    if dtype is None and type(fill_value) is int and not -2**63 <= fill_value < 2**63:
        raise OverflowError(f"full: the Python int fill value {fill_value} does not fit int64, "
                            "the dtype of Python ints (torch refuses it too; NumPy made it "
                            "uint64); pass dtype=")
    data = filled(shape, fill_value, np_dtype(dtype, "full"), "full")
    return _constant("full", data, requires_grad, device, shape, fill_value)


def eye(n: int, m: int | None = None, k: int = 0, dtype: Any = np.float64,
        requires_grad: bool = False, device: Any = None) -> Tensor:
    dt = np_dtype(dtype, "eye")
    check_alloc("eye", (n, n if m is None else m), dt)
    return _constant("eye", np.eye(n, m, k, dtype=dt), requires_grad,
                     device, n, m, k)


def arange(start: Any = None, stop: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False, device: Any = None, *, end: Any = None) -> Tensor:
    """np.arange / torch.arange (torch's end= is stop): integers give int64, floats float64.
    Floats are start + i * step in float64 (a narrower float rounded once), their count
    ceil((stop - start) / step), as torch's; an integer dtype truncates start, stop and step
    toward 0 first, as torch's int64. (NumPy stepped by (start + step) - start, in the dtype:
    arange(5.9, dtype=int64) had 6 values, torch's 5, arange(-0.5, 8, dtype=int16) all 0, and
    float32 arange(1e8, 1e8 + 64) was 1e8 64 times.)"""
    stop = one_name("arange", stop, "stop", end, "end")
    if start is None:  # (torch's arange(end=5))
        if stop is None:
            raise TypeError("arange: expects arange(end), arange(start, end[, step]) or end=")
        start = 0
    s, e, st = (0, start, step) if stop is None else (start, stop, step)
    if dtype is None and type(s) is int and type(e) is int and type(st) is int and st \
            and max(abs(s), abs(e), abs(st)) < 2**52:  # the usual arange(n): NumPy's, exact
        # (NumPy counts in float64: arange(0, 2**53 + 1, 2**51) had 4 values, torch's 5)
        check_alloc("arange", (max(0, (e - s + st - (1 if st > 0 else -1)) // st),), np.int64)
        return _constant("arange", np.arange(s, e, st, dtype=np.int64), requires_grad, device,
                         start, stop, step)
    dt = np_dtype(dtype, "arange")
    s, e, st = _arange_number(s), _arange_number(e), _arange_number(st)
    if dt is None:
        dt = np.float64 if any(isinstance(v, float) for v in (s, e, st)) else np.int64
    dt = np.dtype(dt)
    if dt.kind in "iu" and not float(st).is_integer():  # (NumPy stepped by int(start +
        # step) - int(start): arange(0, 2, 0.5, dtype=int64) was [0, 0, 0, 0])
        raise ValueError(f"arange: step {st} is not a whole number, which a {dt} arange "
                         "cannot step by; make it in float64 and cast (.long())")
    if not all(math.isfinite(v) for v in (s, e, st) if isinstance(v, float)):
        raise ValueError(f"arange: unsupported range {s} -> {e} (step {st}): start, end and "
                         "step must be finite")
    if dt.kind in "iu":
        s, e, st = int(s), int(e), int(st)
    if st == 0:
        raise ValueError(f"arange: step must be nonzero, got {st}")
    if dt.kind in "iu":
        n = max(0, (e - s + st - (1 if st > 0 else -1)) // st)  # torch's int64 count
        check_alloc("arange", (n,), dt)
        data = _int_steps(s, st, n, dt)
    elif dt.kind == "f":
        n = max(0, int(np.ceil((float(e) - float(s)) / float(st))))
        check_alloc("arange", (n,), dt)
        data = _float_steps(float(s), float(e), float(st), n).astype(dt, copy=False)
    else:  # (bool: NumPy's, at most two values; complex)
        data = np.arange(s, e, st, dtype=dt)
    return _constant("arange", data, requires_grad, device, start, stop, step)


def _arange_number(v: Any) -> int | float:
    """An arange bound or step as a Python int or float (a 0-d Tensor or NumPy number
    too); complex refused."""
    if isinstance(v, Tensor):
        if v.data.size != 1:
            raise ValueError(f"arange: a bound or step must be a number, got a tensor of shape "
                             f"{v.shape}")
        v = v.data.item()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, complex) or not isinstance(v, (int, float)):
        raise TypeError(f"arange: start, end and step must be real numbers, got {v!r}")
    return v


def _int_steps(start: int, step: int, n: int, dt: np.dtype) -> np.ndarray:
    """start + i * step for i < n in the integer dtype dt; a value dt cannot hold is refused
    (torch's uint8 arange(-2, 2) wraps to [254, 255, 0, 1] without a word)."""
    last = start + (n - 1) * step
    lo, hi = (-2**63, 2**63 - 1) if dt == np.int64 else exact_range(dt)
    if n and not (lo <= min(start, last) and max(start, last) <= hi):
        raise ValueError(f"arange: values {start} to {last} do not all fit {dt} ([{lo}, {hi}]); "
                         "pass a wider dtype")
    return np.arange(start, start + n * step, step, dtype=dt)  # (exact: all of them fit dt)


def _float_steps(start: float, stop: float, step: float, n: int) -> np.ndarray:
    """start + i * step for i < n, each rounded once from its exact value (within an ulp), as
    torch's fused multiply-add: rounding i * step first lost a value near 0, where start and
    step differ in sign (arange(-19, 4.1, 0.1)[190] was 0.0, exactly 1.05e-15, as torch's).
    i * step is split exactly in two (Veltkamp) and summed with start compensated (TwoSum)."""
    exact = step.as_integer_ratio()[0].bit_length() + n.bit_length() <= 53  # (0.5, 3.0)
    if start * step >= 0 or exact or n > 2**26:  # no cancellation, or i * step exact: one
        # rounding after the product, which NumPy's own fill is where it steps by step itself
        data = np.arange(start, stop, step) if (start + step) - start == step else None
        if data is not None and len(data) == n:
            return data
        i = np.arange(n, dtype=np.float64)
        return np.add(np.multiply(i, step, out=i), start, out=i)
    c = 134217729.0 * step  # (2**27 + 1: hi keeps 26 bits, so i < 2**26 times it is exact)
    hi = c - (c - step)
    out, a, z = np.empty(n), np.empty(min(n, 8192)), np.empty(min(n, 8192))
    for k in np.arange(0, n, 8192).tolist():  # (in blocks that stay in the cache)
        b = np.arange(k, min(n, k + 8192), dtype=np.float64)
        m = len(b)
        t, ak, zk = out[k:k + m], a[:m], z[:m]
        np.multiply(b, hi, out=ak)
        np.multiply(b, step - hi, out=b)  # ak + b == i * step exactly
        np.add(ak, start, out=t)
        np.subtract(t, start, out=zk)  # the TwoSum of start and ak: t + e == start + ak
        np.subtract(ak, zk, out=ak)
        np.subtract(t, zk, out=zk)
        np.subtract(start, zk, out=zk)
        np.add(zk, ak, out=zk)  # e
        np.add(zk, b, out=zk)
        np.add(t, zk, out=t)
    return out


def linspace(start: float, stop: float | None = None, num: int | None = None,
             endpoint: bool = True, dtype: Any = None, requires_grad: bool = False,
             device: Any = None, *, end: float | None = None,
             steps: int | None = None) -> Tensor:
    """np.linspace(start, stop, num=50) / torch.linspace(start, end, steps): evenly spaced
    numbers from start to stop (inclusive unless endpoint=False)."""
    stop = one_name("linspace", stop, "stop", end, "end")
    num = one_name("linspace", num, "num", steps, "steps", 50)
    if stop is None:
        raise TypeError("linspace() needs start and stop (end=)")
    num = length_arg("linspace", num, "steps")  # (int(2.7) made 2 points without a word)
    dtype = _ends_dtype("linspace", dtype, start, stop)
    check_alloc("linspace", (num,), dtype)
    if np.dtype(dtype).kind in "iu" and endpoint:
        data = _whole(_int_linspace(start, stop, num), np.dtype(dtype), "linspace")
    else:
        data = np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype)
    return _constant("linspace", data, requires_grad, device, start, stop, num)


def _ends_dtype(who: str, dtype: Any, *ends: Any) -> np.dtype:
    """dtype=, else complex128 for a complex end (torch's; it was float64, dropping the imaginary
    parts), else float64; complex ends beside a real dtype= refused, as torch's."""
    cplx = any(np.iscomplexobj(v) for v in ends)
    dt = np.dtype(np_dtype(dtype, who) if dtype is not None else "c16" if cplx else "f8")
    if cplx and dt.kind != "c":
        raise TypeError(f"{who}: complex ends {ends} need a complex dtype, got dtype={dt}")
    return dt


def _int_linspace(start: Any, stop: Any, n: int) -> np.ndarray:
    """torch's integer linspace, in float64 before its truncation: the ends truncated to
    integers, the values stepped in float64 from the nearer end (NumPy's floors, from the
    start: linspace(-73, 69, 4) had -26 where torch has -25, and linspace(33.6, -6.7, 31)
    differed in 8 places)."""
    first, last = int(start), int(stop)
    if n <= 1:
        return np.full(n, first, dtype=np.float64)
    step = (float(last) - float(first)) / (n - 1)
    i = np.arange(n)
    return np.where(i < n // 2, first + step * i, last - step * (n - 1 - i))


def _whole(values: np.ndarray, dt: np.dtype, who: str) -> np.ndarray:
    """Float values truncated toward 0 into the integer dtype dt, as torch's; one dt cannot
    hold is refused (the cast wrapped linspace(0, 300, 4, dtype=uint8)'s 300 to 44, and gave
    int64's minimum for a NaN)."""
    lo, hi = np.iinfo(dt).min, np.iinfo(dt).max
    bad = ~((values > lo - 1.0) & (values < hi + 1.0))  # (NaN too)
    if bad.any():
        raise ValueError(f"{who}: value {values[bad][0]} does not fit {dt} ([{lo}, {hi}]); "
                         "pass a wider dtype")
    return values.astype(dt)


@torch_keywords(size="shape")
def rand(*shape: Any, rng: Any = None, dtype: Any = np.float64, requires_grad: bool = False,
         generator: Any = None, device: Any = None) -> Tensor:
    """Uniform numbers in [0, 1) (torch.rand, np.random.rand)."""
    dtype = float_dtype(np_dtype(dtype, "rand"), "rand", complex_ok=True)  # (an int would
    check_alloc("rand", _size(shape), dtype)  # truncate)
    data = unit_draws(rng_of(rng, generator, "rand"), _size(shape), dtype)
    return _made("rand", data, requires_grad, device)


def randint(low: Any = None, high: Any = None, size: Any = None, dtype: Any = np.int64,
            rng: Any = None, generator: Any = None, device: Any = None) -> Tensor:
    """Integers in [low, high): np.random.randint(low, high, size) and torch.randint(high,
    size) / torch.randint(low, high, size) (or randint(high=, size=))."""
    if isinstance(high, (tuple, list)) and size is None:  # torch.randint(high, size)
        low, high, size = 0, low, high
    if low is None and high is None:
        raise TypeError("randint: expects randint(high, size) or randint(low, high, size), "
                        "got no high")
    if high is None:
        low, high = 0, low
    if low is None:  # (torch.randint(high=5, size=(3,)))
        low = 0
    for name, v in (("low", low), ("high", high)):  # (NumPy drew below 2.5's floor, unsaid)
        if isinstance(v, (float, np.floating)) and not float(v).is_integer():
            raise TypeError(f"randint: {name}={v} is not a whole number; pass an int")
    size = () if size is None else (size,) if isinstance(size, (int, np.integer)) else size
    dtype = np_dtype(dtype, "randint")
    check_alloc("randint", (size,) if isinstance(size, (int, np.integer)) else size, dtype)
    data = integers(low, high, size, dtype, rng_of(rng, generator, "randint"), "randint")
    return _made("randint", data, False, device)


def randperm(n: int, generator: Any = None, dtype: Any = np.int64, rng: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """0..n-1 in a random order (torch.randperm, np.random.permutation(n))."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    dt = np.dtype(np_dtype(dtype, "randperm"))
    # n - 1 must fit, as torch's: the cast wrapped randperm(300, dtype=uint8)'s 256 to 0
    if dt.kind in "biufc" and n - 1 > exact_range(dt)[1]:
        raise ValueError(f"randperm: n={n} does not fit dtype {dt} (whole numbers up to "
                         f"{exact_range(dt)[1]}); pass a wider dtype")
    check_alloc("randperm", (n,), np.int64)
    order = rng_of(rng, generator, "randperm").permutation(int(n))
    return _made("randperm", order.astype(dt), requires_grad, device)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, generator: Any = None,
           dtype: Any = None, rng: Any = None, device: Any = None) -> Tensor:
    """Draws from N(mean, std^2): torch.normal(mean, std) elementwise over tensors or arrays
    of mean and std (broadcast), or torch.normal(mean, std, size) for numbers. A constant (no
    gradient to mean or std, as PyTorch's)."""
    m = data_of(mean) if isinstance(mean, Tensor) else np.asarray(mean)
    s = data_of(std) if isinstance(std, Tensor) else np.asarray(std)
    if size is not None and (m.ndim or s.ndim):
        raise ValueError("normal: size= goes with a number mean and std; tensors of them give "
                         "the shape themselves")
    if not np.all(s >= 0):  # (NaN too)
        raise ValueError(f"normal: std must be >= 0, got {brief_values(s[~(s >= 0)])}")
    shape = np.broadcast_shapes(m.shape, s.shape) if size is None else _size(
        (size,) if isinstance(size, (int, np.integer)) else (tuple(size),))
    if dtype is None:  # the float dtype of the tensors among mean and std (two: promoted,
        # where torch takes mean's); numbers and integers float64. (np.result_type promoted a
        # float32 mean by a number std's float64 0-d array: float64 draws, torch's float32)
        tensors = [a.dtype for v, a in ((mean, m), (std, s))
                   if isinstance(v, (Tensor, np.ndarray)) and a.dtype.kind == "f"]
        dt = np.result_type(*tensors) if tensors else np.dtype(np.float64)
    else:
        dt = float_dtype(np_dtype(dtype, "normal"), "normal")
    check_alloc("normal", shape)
    z = rng_of(rng, generator, "normal").standard_normal(shape)
    return _made("normal", (z * s + m).astype(dt), False, device)


def bernoulli(input: Any, p: Any = None, generator: Any = None, rng: Any = None) -> Tensor:
    """1 with probability `input` (or `p`, a number, with input's shape), else 0, in input's
    dtype (torch.bernoulli; an array or list is read as float64). A constant: the one rule is
    Tensor.bernoulli's."""
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input, dtype=np.float64))
    return x.bernoulli(p, generator=rng_of(rng, generator, "bernoulli"))


def multinomial(input: Any, num_samples: int, replacement: bool = False, generator: Any = None,
                rng: Any = None) -> Tensor:
    """Indices drawn in proportion to the non-negative weights of each row of input (1-D or
    2-D), int64 (torch.multinomial): a character sampled from an RNN's softmax. Without
    replacement, no index twice in a row."""
    w = data_of(input) if isinstance(input, Tensor) else np.asarray(input, dtype=np.float64)
    check_alloc("multinomial", (*w.shape[:-1], num_samples), np.int64)
    draws = multinomial_draws(w, num_samples, replacement, rng_of(rng, generator, "multinomial"))
    return _made("multinomial", draws, False, None)


def _like(x: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    a = x.data if isinstance(x, Tensor) else np.asarray(x)
    return a.shape, np.dtype(a.dtype if dtype is None else np_dtype(dtype, "*_like"))


@torch_keywords(input="x")
def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    shape, dt = _like(x, dtype)
    return _made("zeros_like", np.zeros(shape, dt), requires_grad, device)


@torch_keywords(input="x")
def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    shape, dt = _like(x, dtype)
    return _made("ones_like", np.ones(shape, dt), requires_grad, device)


@torch_keywords(input="x")
def empty_like(x: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """Zeros (see empty)."""
    return zeros_like(x, dtype, requires_grad, device)


@torch_keywords(input="x")
def full_like(x: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    shape, dt = _like(x, dtype)
    return _made("full_like", filled(shape, fill_value, dt, "full_like"), requires_grad, device)


def _random_like(op: str, x: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    shape, dt = _like(x, dtype)
    return shape, float_dtype(dt, op, "x has dtype" if dtype is None else "dtype", True)


@torch_keywords(input="x")
def rand_like(x: Any, dtype: Any = None, rng: Any = None, requires_grad: bool = False,
              generator: Any = None, device: Any = None) -> Tensor:
    shape, dt = _random_like("rand_like", x, dtype)
    data = unit_draws(rng_of(rng, generator, "rand_like"), shape, dt)
    return _made("rand_like", data, requires_grad, device)


@torch_keywords(input="x")
def randn_like(x: Any, dtype: Any = None, rng: Any = None, requires_grad: bool = False,
               generator: Any = None, device: Any = None) -> Tensor:
    shape, dt = _random_like("randn_like", x, dtype)
    data = random_normal(shape, dt, rng_of(rng, generator, "randn_like"), "randn_like")
    return _made("randn_like", data, requires_grad, device)


# ---- PyTorch's torch.range, logspace and scalar_tensor -----------------------------------------
def length_arg(who: str, n: Any, what: str = "window_length") -> int:
    """A count argument (window_length, steps): an int >= 0, in one line."""
    n = zero_d_int(who, what, n)  # (a 0-d integer tensor: torch's linspace(0, 1, tensor(5)))
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{who}: {what} must be an int, got {n!r}")
    if n < 0:
        raise RuntimeError(f"{who} requires non-negative {what}, got {what}={n}")
    check_alloc(who, (n,))
    return int(n)


def leaf_tensor(data: np.ndarray, requires_grad: bool) -> Tensor:
    """A new leaf holding data (requires_grad as a bool)."""
    return Tensor(data, requires_grad=bool(requires_grad))


def range(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None,  # noqa: A001
          requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.range (deprecated, with torch's warning): start, start + step, ... up to end
    INCLUDED; the default float dtype unless dtype= is given."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if end is None:
        raise TypeError("range: expects range(start, end, step=1)")
    dt = np.dtype(get_default_dtype() if dtype is None else dtype)
    if (end - start) * step < 0:  # (the ends as given, as torch's: range(4.9, 4.2, 3,
        # dtype=int32) was [4])
        raise ValueError(f"range: upper bound and larger bound inconsistent with step sign "
                         f"(start={start}, end={end}, step={step})")
    if dt.kind in "iu":  # torch's: start, end and step in the integer type first (truncated)
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise ValueError("range: step must be nonzero")
    check_device(device, "range")
    if dt.kind in "iu":
        check_alloc("range", ((end - start) // step + 1,), np.int64)
        out = Tensor((start + np.arange((end - start) // step + 1) * step).astype(dt))
    else:
        n = int(np.floor((end - start) / step)) + 1
        check_alloc("range", (n,))
        out = Tensor((start + np.arange(n, dtype=np.float64) * step).astype(dt))
    return out.requires_grad_(requires_grad) if requires_grad else out


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.logspace: base ** linspace(start, end, steps); an integer dtype truncates, as
    torch's."""
    check_device(device, "logspace")  # (as every creation function: the CPU, or one line)
    steps = length_arg("logspace", steps, "steps")
    ends = [v.item() if isinstance(v, Tensor) else v for v in (start, end)]
    dt = _ends_dtype("logspace", dtype, *ends)
    ends = [v if dt.kind == "c" else float(v) for v in ends]
    with np.errstate(all="ignore"):  # (torch's inf and NaN for base 0 or below, quietly)
        if dt.kind in "iu":  # torch's: the ends truncated first (one step: start as given)
            exps = _int_linspace(*ends, steps) if steps != 1 else np.array(ends[:1])
            return leaf_tensor(_whole(np.power(float(base), exps), dt, "logspace"),
                               requires_grad)
        values = np.power(float(base), np.linspace(ends[0], ends[1], steps))
    return leaf_tensor(values.astype(dt), requires_grad)


def scalar_tensor(s: Any, *, dtype: Any = None, requires_grad: bool = False,
                  device: Any = None) -> Tensor:
    """torch.scalar_tensor(s): a 0-d tensor holding the number s, float64 by default (torch's
    default dtype is float32) whatever the number's type."""
    check_device(device, "scalar_tensor")
    s = s.item() if isinstance(s, Tensor) else s
    if not isinstance(s, (int, float, np.integer, np.floating, np.bool_)):
        raise TypeError(f"scalar_tensor: s must be a real number, got {type(s).__name__}")
    dt = np.dtype(np.float64 if dtype is None else np_dtype(dtype, "scalar_tensor"))
    return leaf_tensor(np.asarray(s).astype(dt), requires_grad)
