"""Tensor's casts (astype, to, type, type_as, double, float, long, byte, char, short, ...:
dtype conversions that stay in the graph, ops/unary.py's Cast), the dtype questions
(is_floating_point, is_signed, is_complex) and the dtype readers: `np_dtype` (torch's dtypes
for NumPy's dtype= arguments) and `dtype_of`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import hooks, tensor
from ..device import check_device
from ..device import device as Device
from ..ops import Cast, ConstantCast
from ..ops.shape import int_cast
from .conversions import data_of
from .layout import c_order

if TYPE_CHECKING:
    from . import Tensor


class CastMethods:
    """dtype conversions (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- casts: dtype conversions that stay in the graph (ops/unary.py Cast) ------------
    # Last in the class body on purpose: `def float` (and int, bool, type) shadow the builtins
    # for the rest of the class body (not inside methods), so nothing may follow them here.
    def astype(self, dtype: Any, copy: bool = True) -> Tensor:
        """NumPy's astype, recorded: the gradient flows back, cast to this tensor's dtype.
        Always a new tensor (as NumPy), unless copy=False and the dtype is already this one.
        An integer or bool result needs no gradient (as PyTorch's .long()): a constant."""
        dt = dtype_of(dtype, "astype")
        if not copy and dt == self.data.dtype:
            return self
        return _cast(self, dt, "astype")

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False, memory_format: Any = None) -> Tensor:
        """PyTorch's `to`: t.to(np.float32), t.to("cpu"), t.to(other_tensor), dtype=,
        device=, copy=. As PyTorch, returns this tensor itself when nothing changes (and
        copy is False); only the CPU exists here. torch's positional non_blocking and copy
        (t.to(torch.float64, False, True)) are taken after the dtype, device or tensor, and
        its memory_format= as clone's (contiguous or preserve: the one layout here)."""
        c_order(memory_format, "to")
        flags = [a for a in args if isinstance(a, (bool, np.bool_))]
        if len(flags) > 2 or flags and not isinstance(args[-1], (bool, np.bool_)) \
                or flags and len(flags) == len(args):  # (torch read to(True) as to(torch.bool))
            raise TypeError(f"to: {args!r:.80}: only non_blocking and copy may follow the dtype, "
                            "device or tensor as bools (a bool cast is to(torch.bool))")
        copy = copy or (len(flags) == 2 and bool(flags[1]))
        for a in args[:len(args) - len(flags)]:
            if a is None:  # (torch's t.to(None): no change; NumPy's dtype(None) is float64)
                continue
            if isinstance(a, tensor.Tensor):
                dtype = a.data.dtype
            elif isinstance(a, Device):
                check_device(a, "to")
            else:
                try:
                    dtype = dtype_of(a, "to")
                except TypeError:
                    try:
                        check_device(a, "to")
                    except ValueError:
                        if str(a).startswith("torch."):  # a PyTorch dtype NumPy lacks
                            raise TypeError(f"to: {a!r} is not a dtype NumPy knows") from None
                        raise ValueError(f"to: {a!r} is neither a NumPy dtype nor a device; "
                                         "tinygrad_dl runs on the CPU with NumPy") from None
        if device is not None:
            check_device(device, "to")
        if dtype is None:
            return _cast(self, self.data.dtype, "to") if copy else self
        return self.astype(dtype, copy=copy)

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """t.type(np.float32) casts (as astype); t.type() gives the dtype's name. torch's
        tensor-type names cast too: t.type(torch.LongTensor), t.type("torch.FloatTensor");
        torch's non_blocking is taken (nothing is asynchronous here)."""
        if dtype is None:
            return self.data.dtype.name
        name = f"{dtype.__module__}.{dtype.__name__}" if isinstance(dtype, type) else str(dtype)
        legacy = LEGACY_TYPES.get(name.removeprefix("torch."))
        if legacy is None and name.startswith("torch.") and name.endswith("Tensor"):
            raise TypeError(f"type: {name} is not a tensor type here (CPU ones of NumPy's dtypes: "
                            "torch.FloatTensor, torch.LongTensor, ...; no CUDA, bfloat16 or "
                            "torch.Tensor's default); name the dtype, e.g. torch.float32")
        return self.to(dtype if legacy is None else legacy)

    def double(self) -> Tensor: return self.to(np.float64)
    def half(self) -> Tensor: return self.to(np.float16)
    def long(self) -> Tensor: return self.to(np.int64)
    def int(self) -> Tensor: return self.to(np.int32)  # PyTorch's int is 32-bit
    def bool(self) -> Tensor: return self.to(np.bool_)
    def float(self) -> Tensor: return self.to(np.float32)  # PyTorch's float is float32

    # ---- torch's casts by name ---------------------------------------------------------------
    def type_as(self, other: Tensor) -> Tensor:
        """x cast to other's dtype (on the graph, as x.to(other.dtype)); x itself when the
        dtypes already agree, as PyTorch's."""
        if not isinstance(other, tensor.Tensor):
            raise TypeError(f"type_as: other must be a Tensor, got {type(other).__name__}")
        return self.to(other.dtype)

    def byte(self: Tensor) -> Tensor:
        """torch's x.byte(): a uint8 copy (no gradient: an integer result)."""
        return self.to(np.uint8)

    def char(self: Tensor) -> Tensor:
        """torch's x.char(): an int8 copy."""
        return self.to(np.int8)

    def short(self: Tensor) -> Tensor:
        """torch's x.short(): an int16 copy."""
        return self.to(np.int16)

    def cfloat(self: Tensor) -> Tensor:
        """torch's x.cfloat(): a complex64 copy, a constant (refused for a tensor that
        requires grad: complex tensors take no gradient here)."""
        return self.to(np.complex64)

    def cdouble(self: Tensor) -> Tensor:
        """torch's x.cdouble(): a complex128 copy (as cfloat)."""
        return self.to(np.complex128)

    def bfloat16(self: Tensor) -> Tensor:
        """torch's x.bfloat16(): refused in one line, NumPy has no bfloat16."""
        raise TypeError(f"bfloat16: NumPy has no bfloat16 dtype (a tensor of shape "
                        f"{self.data.shape}); use x.half() (float16) or x.float() (float32)")

    # ---- dtype questions ---------------------------------------------------------------------
    def is_floating_point(self) -> bool:
        """Is the dtype a floating-point one (float16/32/64)."""
        return self.data.dtype.kind == "f"

    def is_signed(self) -> bool:
        """torch's is_signed: a signed dtype (floats and signed integers; not uint8, bool)."""
        return self.data.dtype.kind in "fic"

    def is_complex(self) -> bool: return self.data.dtype.kind == "c"


# torch's tensor-type names (x.type(torch.FloatTensor)), read by t.type() and written by
# tinygrad_dl.typename
LEGACY_TYPES = {"FloatTensor": np.float32, "DoubleTensor": np.float64, "HalfTensor": np.float16,
                "LongTensor": np.int64, "IntTensor": np.int32, "ShortTensor": np.int16,
                "CharTensor": np.int8, "ByteTensor": np.uint8, "BoolTensor": np.bool_,
                "UInt16Tensor": np.uint16, "UInt32Tensor": np.uint32, "UInt64Tensor": np.uint64,
                "ComplexFloatTensor": np.complex64, "ComplexDoubleTensor": np.complex128}


def np_dtype(spec: Any, op: str) -> Any:
    """`spec` for NumPy's dtype= arguments: a PyTorch dtype (torch.float32) read by `_dtype`,
    anything else as given (NumPy reads it, and refuses what it cannot read); the constructors
    and layers pass their dtype through it, so torch's dtypes work there as in the casts."""
    if isinstance(spec, (np.dtype, type)):  # the usual np.float32 / np.dtype: no string work
        return spec
    return dtype_of(spec, op) if str(spec).startswith("torch.") else spec


def dtype_of(spec: Any, op: str) -> np.dtype:
    """A NumPy dtype from a dtype, a type (np.float32, float), a name ("float32"), or a
    PyTorch dtype (torch.float32 is read by its name, without importing torch)."""
    if isinstance(spec, tensor.Tensor):
        return spec.data.dtype
    name = str(spec)
    try:
        if name.startswith("torch."):
            return np.dtype(name[6:])
        return np.dtype(spec)
    except TypeError:
        raise TypeError(f"{op}: {spec!r} is not a dtype NumPy knows") from None


def _cast(t: Tensor, dt: np.dtype, op: str) -> Tensor:
    if dt.kind == "f":
        return Cast.apply(t, dtype=dt)
    if dt.kind == "c" and t.requires_grad:
        raise TypeError(f"{op}: cannot cast a tensor that requires grad to {dt}: gradients "
                        "are for real floating-point tensors; cast t.detach() for a constant")
    if dt.kind in "iub" and hooks.active and hooks.attached.recorder is not None:
        # a jit recording: an op, so that a replay casts again (and warns, as int_cast)
        return ConstantCast.apply(tensor.Tensor(data_of(t)), dtype=dt, op=op)
    if dt.kind not in "iu" or t.data.dtype.kind not in "fc":
        return tensor.Tensor(t.data.astype(dt))  # integers and bools carry no gradient
    return tensor.Tensor(int_cast(t.data, dt, op))  # (as PyTorch)
