"""Optimizers (SGD, the course's AdaGrad, PyTorch's Adagrad, Adam, AdamW, RMSprop, Adadelta,
Adamax, NAdam, RAdam, Rprop, ASGD, LBFGS), gradient clipping, the course's schedules (ConstantLR,
CyclicLR: callables update step -> eta) and, in `lr_scheduler`, PyTorch's schedulers that set
an optimizer's rates."""

from . import lr_scheduler
from .adadelta_rprop_asgd import ASGD, Adadelta, Rprop
from .adam_variants import Adamax, NAdam, RAdam
from .adaptive import AdaGrad, Adagrad, Adam, AdamW, RMSprop
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .registry import OPTIMIZERS
from .schedules import ConstantLR, CyclicLR
from .sgd import SGD

# Two classes, not an alias: PyTorch's Adagrad divides by sqrt(m) + eps, the course's AdaGrad
# by sqrt(m + eps) (and their defaults differ)

__all__ = [
    "ASGD", "LBFGS", "OPTIMIZERS", "SGD", "AdaGrad", "Adadelta", "Adagrad", "Adam", "AdamW",
    "Adamax", "ConstantLR", "CyclicLR", "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop",
    "clip_grad_norm_", "clip_grad_value_", "lr_scheduler",
]
