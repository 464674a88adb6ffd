"""Edge rows of torch.linalg and the linear-algebra Tensor methods."""

from __future__ import annotations
