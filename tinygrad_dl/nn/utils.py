"""PyTorch's `torch.nn.utils` path to gradient clipping: `clip_grad_norm_(parameters,
max_norm, norm_type=2.0, error_if_nonfinite=False)` and `clip_grad_value_(parameters,
clip_value)`, the very functions of `tinygrad_dl.optim` (one home, two paths)."""

from ..optim.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
