"""Edge rows of more of PyTorch's Tensor methods."""

from __future__ import annotations
