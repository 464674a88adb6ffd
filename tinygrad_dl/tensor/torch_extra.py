"""More of PyTorch's Tensor methods."""

from __future__ import annotations


class TorchExtraMethods:
    __slots__ = ()
