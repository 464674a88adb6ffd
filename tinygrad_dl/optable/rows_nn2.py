"""Op-table rows of more of torch.nn.functional's and torch.nn's names."""

from __future__ import annotations

from .spec import OpInfo

ROWS: tuple[OpInfo, ...] = ()
