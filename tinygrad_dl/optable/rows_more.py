"""Op-table rows of more of PyTorch's Tensor methods."""

from __future__ import annotations

from .spec import OpInfo

ROWS: tuple[OpInfo, ...] = ()
