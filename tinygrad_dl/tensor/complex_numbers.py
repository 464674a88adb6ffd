"""Tensor's complex-number methods, torch's (a real tensor is its own conjugate): conj,
resolve_conj, resolve_neg, real, imag, angle, the conjugate transposes adjoint, mH and H,
and the lazy-bit questions is_conj, is_neg (always False here).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

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

    def angle(self) -> Tensor:
        """torch.angle of a real tensor: pi where x < 0, else 0 (NaN stays NaN); an integer
        or bool x gives float32 (torch's default dtype). Gradient 0, as torch's."""
        x = self if self.dtype.kind == "f" else self.astype(np.float32)
        s = x.sign()  # (its gradient is 0: the path that gives x a zero gradient)
        return (s < 0).astype(x.dtype) * np.pi + s * 0

    # ---- conjugate transposes ----------------------------------------------------------------
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

    @property
    def H(self) -> Tensor:
        """torch's x.H: a matrix's conjugate transpose (x.T for a real one); a 0-d tensor is
        itself (deprecated there, a warning, as torch's); other ndims refused, as torch."""
        if self.ndim == 0:
            warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                          UserWarning, stacklevel=2)
            return self.reshape(())
        if self.ndim != 2:
            tip = (" For batches of matrices, consider using tensor.mH" if self.ndim > 2
                   else "")
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self.ndim}-D tensor.{tip}")
        return self.swapaxes(0, 1).conj()  # (complex: conjugated, as torch's and x.mH)

    # ---- no lazy conjugate or negative bits here ---------------------------------------------
    def is_conj(self) -> bool: return False  # (no lazy conjugation here: always False)
    def is_neg(self) -> bool: return False  # (no lazy negation here: always False)
