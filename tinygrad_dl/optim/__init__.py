"""Optimizers (SGD, AdaGrad, Adam, RMSprop), gradient clipping, the course's schedules
(ConstantLR, CyclicLR: callables update step -> eta) and, in `lr_scheduler`, PyTorch's
schedulers that set an optimizer's rates."""

from . import lr_scheduler
from .optimizers import (
    OPTIMIZERS,
    SGD,
    AdaGrad,
    Adam,
    ConstantLR,
    CyclicLR,
    Optimizer,
    RMSprop,
    clip_grad_norm_,
    clip_grad_value_,
)

# No `Adagrad` alias: PyTorch's divides by sqrt(m) + eps, the course's AdaGrad by sqrt(m + eps)

__all__ = [
    "OPTIMIZERS", "SGD", "AdaGrad", "Adam", "ConstantLR", "CyclicLR", "Optimizer",
    "RMSprop", "clip_grad_norm_", "clip_grad_value_", "lr_scheduler",
]
