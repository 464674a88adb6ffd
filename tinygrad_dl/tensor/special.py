"""The special functions as Tensor methods (torch.special's, x.lgamma(), ...)."""

from __future__ import annotations


class SpecialMethods:
    __slots__ = ()
