"""Tensor's complex-number methods, torch's (a real tensor is its own conjugate): conj,
resolve_conj, resolve_neg, real, imag, angle, the conjugate transposes adjoint, mH and H,
and the lazy-bit questions is_conj, is_neg (always False here).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from .. import tensor
from .conversions import no_grad_result

if TYPE_CHECKING:
    from . import Tensor


class ComplexMethods:
    """Complex numbers, in torch's words (a base of Tensor)."""

    __slots__ = ()  # (Tensor's instances keep no __dict__: every base's slots are empty)

    # ---- complex-number views of a real tensor: the tensor itself (torch's, for real dtypes) ----
    def conj(self: Tensor) -> Tensor:
        """torch's x.conj(): x itself (a real tensor is its own conjugate); a complex one's
        conjugate, a constant (complex tensors take no gradient here: it returned x itself)."""
        if self.data.dtype.kind != "c":
            return self
        return no_grad_result(np.conj(complex_constant("conj", self)))

    def resolve_conj(self: Tensor) -> Tensor:
        """torch's x.resolve_conj(): x itself (no lazy conjugate bit here)."""
        return self

    def resolve_neg(self: Tensor) -> Tensor:
        """torch's x.resolve_neg(): x itself (no lazy negative bit here)."""
        return self

    @property
    def real(self: Tensor) -> Tensor:
        """torch's x.real: x itself for a real tensor; a complex one's real part, a view as
        torch's (a write through it changes x; a constant: it returned the complex x)."""
        if self.data.dtype.kind != "c":
            return self
        return no_grad_result(complex_constant("real", self).real)

    @property
    def imag(self: Tensor) -> Tensor:
        """torch's x.imag: refused, as torch refuses it for real dtypes; a complex one's
        imaginary part, a view as torch's (a write through it changes x; a constant)."""
        if self.data.dtype.kind == "c":
            return no_grad_result(complex_constant("imag", self).imag)
        raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes "
                           f"(this one is {self.dtype})")

    def angle(self: Tensor) -> Tensor:
        """torch.angle of a real tensor: pi where x < 0, else 0 (NaN stays NaN); an integer
        or bool x gives float32 (torch's default dtype). Gradient 0, as torch's. A complex
        x: its argument in (-pi, pi] (-pi on the negative real axis with a -0.0 imaginary
        part, as torch's), real of its precision (complex64: float32, computed in float64 and
        rounded once: NumPy's float32 arctan2 was 1 ulp off in 4 of 10), a constant."""
        if self.data.dtype.kind == "c":
            z = complex_constant("angle", self)
            return no_grad_result(np.angle(z.astype(np.complex128)).astype(z.real.dtype))
        x = self if self.dtype.kind == "f" else self.astype(np.float32)
        s = x.sign()  # (its gradient is 0: the path that gives x a zero gradient)
        return (s < 0).astype(x.dtype) * np.pi + s * 0

    # ---- conjugate transposes ----------------------------------------------------------------
    def adjoint(self: Tensor) -> Tensor:
        """torch's x.adjoint(): the last two dims swapped (real: no conjugate); a 0-d tensor's
        conjugate, with torch's deprecation warning."""
        if self.ndim == 0:
            return _zero_d_adjoint(self, "adjoint()")
        if self.ndim < 2:
            raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                               f"matrices. Got {self.ndim}-D tensor.")
        return self.swapaxes(-2, -1).conj()  # (complex: conjugated, as torch's)

    @property
    def mH(self: Tensor) -> Tensor:
        """torch's x.mH: x.adjoint(), the last two dims swapped."""
        if self.ndim == 0:
            return _zero_d_adjoint(self, "Tensor.mH")
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of "
                               f"matrices. Got {self.ndim}-D tensor.")
        return self.swapaxes(-2, -1).conj()

    @property
    def H(self) -> Tensor:
        """torch's x.H: a matrix's conjugate transpose (x.T for a real one); a 0-d tensor is
        itself (deprecated there, a warning, as torch's); other ndims refused, as torch."""
        if self.ndim == 0:  # (conjugated, as torch's: 1+2j gave 1+2j)
            return _zero_d_adjoint(self, "Tensor.H")
        if self.ndim != 2:
            tip = (" For batches of matrices, consider using tensor.mH" if self.ndim > 2
                   else "")
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self.ndim}-D tensor.{tip}")
        return self.swapaxes(0, 1).conj()  # (complex: conjugated, as torch's and x.mH)

    # ---- no lazy conjugate or negative bits here ---------------------------------------------
    def is_conj(self) -> bool: return False  # (no lazy conjugation here: always False)
    def is_neg(self) -> bool: return False  # (no lazy negation here: always False)

    def conj_physical(self: Tensor) -> Tensor:
        """torch's x.conj_physical(): a complex tensor's conjugate (a new array, a constant);
        a real tensor's copy (its gradient passes, as clone's)."""
        if self.data.dtype.kind != "c":
            return self.clone()
        return no_grad_result(np.conj(complex_constant("conj_physical", self)))


def complex_constant(who: str, x: Tensor) -> np.ndarray:
    """x's complex array, for a result that is a constant (complex tensors take no gradient
    here); x that requires grad (an op's complex result on a real input's path) is refused
    in one line, as the result would cut the graph and drop that path's gradient silently."""
    if x.requires_grad:
        raise TypeError(f"{who}: of a complex tensor of shape {x.data.shape} that requires grad "
                        "(a complex result on a real input's path): complex autograd is not "
                        "supported here; keep the real and imaginary parts as two real tensors")
    return x.data


# ---- torch's functions between complex tensors and pairs of real ones -----------------------
def _real_pair(who: str, a: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """The arrays of torch.complex / torch.polar's two float tensors of one dtype (torch's
    rules: float32 or float64 (float16 too: NumPy has no complex32), no mix), broadcast."""
    for t in (a, b):
        if not isinstance(t, tensor.Tensor):
            raise TypeError(f"{who}: expects two Tensors, got {type(t).__name__}")
        if t.dtype not in (np.float32, np.float64):
            raise TypeError(f"{who}: expects float32 or float64 tensors, got {t.dtype}")
        if t.requires_grad:
            raise TypeError(f"{who}: a tensor of shape {t.data.shape} requires grad: complex "
                            "autograd is not supported here; keep the two real tensors")
    if a.dtype != b.dtype:
        raise TypeError(f"{who}: expects two tensors of one dtype, got {a.dtype} and {b.dtype}")
    try:
        return np.broadcast_arrays(a.data, b.data)
    except ValueError:
        raise ValueError(f"{who}: shapes {a.data.shape} and {b.data.shape} do not broadcast"
                         ) from None


def complex_of(real: Tensor, imag: Tensor) -> Tensor:
    """torch.complex(real, imag): real + i imag, a new complex tensor (complex64 of float32,
    complex128 of float64; broadcast), a constant."""
    re, im = _real_pair("complex", real, imag)
    out = np.empty(re.shape, np.complex64 if re.dtype == np.float32 else np.complex128)
    out.real, out.imag = re, im
    return no_grad_result(out)


def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002 (torch's argument name)
    """torch.polar(abs, angle): abs (cos(angle) + i sin(angle)), as complex_of's, a constant."""
    r, theta = _real_pair("polar", abs, angle)
    out = np.empty(r.shape, np.complex64 if r.dtype == np.float32 else np.complex128)
    with np.errstate(invalid="ignore"):  # (an inf angle or 0 * inf: NaN parts, torch's, silently)
        out.real, out.imag = r * np.cos(theta), r * np.sin(theta)
    return no_grad_result(out)


def view_as_real(input: Tensor) -> Tensor:  # noqa: A002 (torch's argument name)
    """torch.view_as_real: a complex tensor's view as real pairs, shape (..., 2) (a write
    through it changes the complex tensor, as torch's); a real tensor refused, as torch."""
    if not isinstance(input, tensor.Tensor) or input.data.dtype.kind != "c":
        what = input.dtype if isinstance(input, tensor.Tensor) else type(input).__name__
        raise RuntimeError(f"view_as_real is only supported for complex tensors, got {what}")
    z = complex_constant("view_as_real", input)
    return no_grad_result(z[..., None].view(z.real.dtype))


def view_as_complex(input: Tensor) -> Tensor:  # noqa: A002 (torch's argument name)
    """torch.view_as_complex: a float32/float64 tensor of shape (..., 2) seen as complex, a
    view (a write through it changes the input); torch's refusals: another last dim, a last
    dim with stride != 1, other strides or the offset not multiples of 2, 0-d; one that
    requires grad."""
    if not isinstance(input, tensor.Tensor) or input.dtype not in (np.float32,
                                                                          np.float64):
        what = input.dtype if isinstance(input, tensor.Tensor) else type(input).__name__
        raise RuntimeError(f"view_as_complex is only supported for float32 and float64 "
                           f"tensors, but got a tensor of scalar type: {what}")
    a = input.data
    if a.ndim == 0:
        raise RuntimeError("view_as_complex: Input tensor must have one or more dimensions")
    if a.shape[-1] != 2:
        raise RuntimeError(f"view_as_complex: Tensor must have a last dimension of size 2, "
                           f"got shape {a.shape}")
    if a.size and a.strides[-1] != a.itemsize:
        raise RuntimeError("view_as_complex: Tensor must have a last dimension with stride 1 "
                           "(x.contiguous() has)")
    if a.size and any(s % (2 * a.itemsize) for n, s in zip(a.shape[:-1], a.strides[:-1])
                      if n > 1):
        raise RuntimeError("view_as_complex: Tensor must have a stride divisible by 2 for all "
                           "but last dimension (x.contiguous() has)")
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if a.size and (a.ctypes.data - root.ctypes.data) % (2 * a.itemsize):
        raise RuntimeError("view_as_complex: Tensor must have a storage_offset divisible by 2 "
                           "(x.contiguous() has)")
    if input.requires_grad:
        raise TypeError(f"view_as_complex: a tensor of shape {a.shape} that requires grad: "
                        "complex autograd is not supported here; view input.detach()")
    c = np.complex64 if a.dtype == np.float32 else np.complex128
    return no_grad_result(a.view(c)[..., 0] if a.size else np.empty(a.shape[:-1], c))


def _zero_d_adjoint(x: Tensor, name: str) -> Tensor:
    """A 0-d x's H, mH or adjoint(): its conjugate (x itself if real, a new tensor on its
    graph), with torch 2.13's deprecation warning."""
    warnings.warn(f"{name} is deprecated on 0-D tensors. Consider using x.conj().",
                  UserWarning, stacklevel=3)
    return x.reshape(()).conj()
