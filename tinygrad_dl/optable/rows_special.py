"""Op-table rows of torch.special and the special functions."""

from __future__ import annotations

from .spec import OpInfo

ROWS: tuple[OpInfo, ...] = ()
