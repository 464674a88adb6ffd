"""Edge rows of torch.special and the special functions."""

from __future__ import annotations
