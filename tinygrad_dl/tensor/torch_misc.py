"""PyTorch's small Tensor questions about where a tensor lives (is_cpu, get_device), equal,
the casts byte/char/short, msort and vdot, and the print options Tensor's repr follows
(torch.set_printoptions sets them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import engine, tensor  # (tensor.Tensor at call time: it is defined after this module loads)
from ..ops import Hardshrink
from .conversions import no_grad_result

if TYPE_CHECKING:
    from . import Tensor

# torch's print options, as Tensor.__repr__ reads them: 4 decimals, summarized ("...",
# `edgeitems` at each edge) past `threshold` elements; linewidth None is NumPy's (75);
# sci_mode None: NumPy picks, True: always scientific, False: never
PRINT_OPTIONS: dict[str, Any] = {"precision": 4, "threshold": 1000, "edgeitems": 3,
                                 "linewidth": None, "sci_mode": None}


def render(a: np.ndarray, prefix: str) -> str:
    """`a`'s values as Tensor's repr prints them, under PRINT_OPTIONS."""
    o = PRINT_OPTIONS
    kw: dict[str, Any] = {}
    if o["linewidth"] is not None:
        kw["max_line_width"] = o["linewidth"]
    if o["sci_mode"] is True and a.dtype.kind == "f":
        p = o["precision"]
        kw["formatter"] = {"float_kind": lambda x: f"{x:.{p}e}"}
    elif o["sci_mode"] is False:
        kw["suppress_small"] = True
    return np.array2string(a, precision=o["precision"], threshold=o["threshold"],
                           edgeitems=o["edgeitems"], separator=", ", prefix=prefix, **kw)


class TorchMiscMethods:
    """Where a tensor lives, in torch's words (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    @property
    def is_cpu(self) -> bool:
        """torch's Tensor.is_cpu: True (every tensor here is on the CPU)."""
        return True

    def get_device(self) -> int:
        """torch's Tensor.get_device: -1, the CPU's number."""
        return -1

    # ---- complex-number views of a real tensor: the tensor itself (torch's, for real dtypes)
    def conj(self: Tensor) -> Tensor:
        """torch's x.conj(): x itself (a real tensor is its own conjugate); a complex one's
        conjugate, a constant (complex tensors take no gradient here: it returned x itself)."""
        return no_grad_result(np.conj(self.data)) if self.data.dtype.kind == "c" else self

    def resolve_conj(self: Tensor) -> Tensor:
        """torch's x.resolve_conj(): x itself (no lazy conjugate bit here)."""
        return self

    def resolve_neg(self: Tensor) -> Tensor:
        """torch's x.resolve_neg(): x itself (no lazy negative bit here)."""
        return self

    @property
    def real(self: Tensor) -> Tensor:
        """torch's x.real: x itself for a real tensor; a complex one's real part (a
        constant: it returned the complex x)."""
        return no_grad_result(self.data.real.copy()) if self.data.dtype.kind == "c" else self

    @property
    def imag(self: Tensor) -> Tensor:
        """torch's x.imag: refused, as torch refuses it for real dtypes; a complex one's
        imaginary part (a constant)."""
        if self.data.dtype.kind == "c":
            return no_grad_result(self.data.imag.copy())
        raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes "
                           f"(this one is {self.dtype})")

    def adjoint(self: Tensor) -> Tensor:
        """torch's x.adjoint(): the last two dims swapped (real: no conjugate)."""
        if self.ndim < 2:
            raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                               f"matrices. Got {self.ndim}-D tensor.")
        return self.swapaxes(-2, -1).conj()  # (complex: conjugated, as torch's)

    @property
    def mH(self: Tensor) -> Tensor:
        """torch's x.mH: x.adjoint(), the last two dims swapped."""
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of "
                               f"matrices. Got {self.ndim}-D tensor.")
        return self.swapaxes(-2, -1).conj()

    def equal(self: Tensor, other: Tensor) -> bool:
        """torch's x.equal(y): True when both have one shape and equal values (NaN is not
        equal to NaN; dtypes may differ, as torch's)."""
        if not isinstance(other, tensor.Tensor):
            raise TypeError(f"equal: other must be a Tensor, got {type(other).__name__}")
        engine.notify_read(self, ".equal()")  # a value handed to Python, as bool(t == y)
        return self.shape == other.shape and bool(np.array_equal(self.data, other.data))

    def byte(self: Tensor) -> Tensor:
        """torch's x.byte(): a uint8 copy (no gradient: an integer result)."""
        return self.to(np.uint8)

    def char(self: Tensor) -> Tensor:
        """torch's x.char(): an int8 copy."""
        return self.to(np.int8)

    def short(self: Tensor) -> Tensor:
        """torch's x.short(): an int16 copy."""
        return self.to(np.int16)

    def msort(self: Tensor) -> Tensor:
        """torch's x.msort(): sorted along dim 0 (the values of sort(dim=0); a 0-d tensor is
        itself). The gradient flows through the permutation, as sort's."""
        if self.ndim == 0:
            return self.reshape(1).sort(0).values.reshape(())
        return self.sort(0).values

    def hardshrink(self: Tensor, lambd: float = 0.5) -> Tensor:
        """torch's x.hardshrink(lambd): F.hardshrink's op, x where |x| > lambd, else 0."""
        if isinstance(lambd, bool) or not isinstance(lambd, (int, float, np.integer,
                                                             np.floating)):
            raise TypeError(f"hardshrink: lambd must be a number, got {type(lambd).__name__}")
        return Hardshrink.apply(self, lambd=float(lambd))

    def vdot(self: Tensor, other: Tensor) -> Tensor:
        """torch's x.vdot(y): the dot product of two 1-D tensors of one length and one dtype
        (x conjugated where complex, as torch's); an int32 pair sums to int64, as sum() does."""
        if not isinstance(other, tensor.Tensor):
            raise TypeError(f"vdot: other must be a Tensor, got {type(other).__name__}")
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"vdot: 1D tensors expected, but got {self.ndim}D and "
                               f"{other.ndim}D tensors")
        if self.shape != other.shape:
            raise RuntimeError(f"vdot: expected both vectors to have the same number of "
                               f"elements, got {self.shape[0]} and {other.shape[0]}")
        if self.dtype == np.bool_:
            raise TypeError("vdot: not implemented for bool tensors (as torch's)")
        if self.dtype != other.dtype:
            raise RuntimeError(f"vdot: expected both vectors to have same dtype, but found "
                               f"{self.dtype} and {other.dtype}")
        return (self.conj() * other).sum()
