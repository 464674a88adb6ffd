"""The one check for "this output would need N bytes": an op whose arguments ask for more memory
than the machine (or this process) has refuses in one line naming the op, the shape and the
bytes, before allocating. (NumPy raised "Unable to allocate 7.11 PiB for an array with shape
(1000000000000000,)" naming no op, or "array is too big", or began filling tens of GiB; torch
raises DefaultCPUAllocator's "you tried to allocate N bytes".)

`check_alloc` costs a multiplication and a comparison for outputs under 1 GiB; only larger
ones read the machine's memory (and the process's RLIMIT_AS), each time, so a limit set after
import counts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

try:
    import resource
except ImportError:  # (Windows)
    resource = None  # type: ignore[assignment]

__all__ = ["TooBig", "check_alloc", "check_count", "memory_limit", "size_text", "swap_bytes"]

_FREE_PASS = 1 << 30  # outputs up to 1 GiB are not weighed against the machine's memory


class TooBig(MemoryError, ValueError):
    """An op's output larger than memory: a MemoryError (what it is, and what `except
    MemoryError` catches) and a ValueError (an argument's fault, as the size refusals of
    bincount, histc and conv2d's padding were)."""


def swap_bytes() -> int:
    """The machine's swap space (Linux's /proc/meminfo SwapTotal), 0 where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("SwapTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def memory_limit() -> int:
    """The most bytes one array could get: the machine's physical memory and swap (Linux's
    default overcommit refuses one allocation past the two, no less), or less where this
    process's address space is limited (RLIMIT_AS); 2**63 where neither is known."""
    limit = 1 << 63
    try:
        limit = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") + swap_bytes()
    except (AttributeError, ValueError, OSError):
        pass
    if resource is not None:
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY and 0 < soft < limit:
            limit = soft
    return limit


def size_text(nbytes: float) -> str:
    """Bytes as NumPy writes them: 7.11 PiB, 74.5 GiB, 512 B (an int past float's range, as
    10**160 squared is, in its digits: 7.88e+295 EiB)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if nbytes < 1024 or unit == "EiB":
            if unit == "B":
                return f"{int(nbytes)} B"
            if nbytes > 1e300:
                digits = str(int(nbytes))
                return f"{digits[0]}.{digits[1:3]}e+{len(digits) - 1} {unit}"
            return f"{nbytes:.3g} {unit}"
        nbytes = nbytes // 1024 if nbytes > 1e300 else nbytes / 1024
    return f"{nbytes:.3g} EiB"  # (unreachable)


def _text(part: str | Callable[[], str]) -> str:
    return part if isinstance(part, str) else part()


def check_count(who: str | Callable[[], str], count: int, itemsize: int,
                what: str | Callable[[], str], hint: str) -> None:
    """Refuse (TooBig) `count` entries of `itemsize` bytes beyond memory_limit(): `who` names
    the op and the argument ("tile: reps (10**14,)"), `what` the output ("an output of shape
    (3, 10**14) float64"), `hint` what to do. `who` and `what` may be functions making the
    text: they run only for a refusal (an f-string of shapes costs microseconds per call)."""
    nbytes = count * itemsize
    if nbytes <= _FREE_PASS:
        return
    limit = memory_limit()
    if nbytes > limit:
        raise TooBig(f"{_text(who)}: {_text(what)} would need {size_text(nbytes)}, more than "
                     f"the {size_text(limit)} of memory this process can have; {hint}")


def check_alloc(who: str | Callable[[], str], shape: Iterable[Any], dtype: Any = np.float64,
                hint: str = "use smaller sizes", what: str = "an output") -> None:
    """check_count for `what` (an output) of `shape` and `dtype` (nothing for a shape with a
    negative or non-integer size: the op's own checks name those). `dtype` may be any spelling
    with an itemsize (torch.float32's 4); one neither NumPy nor that reads is weighed as
    float64."""
    if type(shape) is not tuple:
        shape = tuple(shape)
    try:  # (as Python ints: NumPy ints' product wraps, (2**32, 2**32) made 0)
        count = math.prod(map(int, shape))
    except (TypeError, ValueError, OverflowError):  # (a spelling only the op's own checks
        return  # read: the op names it)
    if count <= _FREE_PASS >> 5:  # (the common sizes, of any itemsize up to 32: nothing more)
        return
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        return
    try:
        dt = np.dtype(dtype)
        itemsize, name = dt.itemsize, dt.name
    except TypeError:  # (torch.float32: its own itemsize; else weighed as float64)
        itemsize = getattr(dtype, "itemsize", None)
        if type(itemsize) is not int:
            itemsize = 8
        name = str(dtype)
    check_count(who, count, max(itemsize, 1), f"{what} of shape {shape} {name}", hint)
