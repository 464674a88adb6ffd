"""Layers with PyTorch's names and conventions (Module, Linear, ...) and
`tinygrad_dl.nn.functional`, the very module tinygrad_dl.functional under PyTorch's path
(`import tinygrad_dl.nn.functional as F`), registered as os.path is: one home, two names."""

import sys

from .. import functional
from .activation import (
    ELU,
    GELU,
    Identity,
    LeakyReLU,
    LogSoftmax,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .layers import (
    INITS,
    REDUCTIONS,
    BatchNorm1d,
    Conv2d,
    CrossEntropyLoss,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    Module,
    Parameter,
    ReLU,
    Sequential,
    init_std,
    init_weights,
)
from .loss import BCEWithLogitsLoss, L1Loss, MSELoss

sys.modules[__name__ + ".functional"] = functional

__all__ = [
    "ELU", "GELU", "INITS", "REDUCTIONS", "BCEWithLogitsLoss", "BatchNorm1d", "Conv2d",
    "CrossEntropyLoss", "Dropout", "Flatten", "Identity", "L1Loss", "LeakyReLU", "Linear",
    "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "Parameter", "ReLU", "Sequential", "SiLU",
    "Sigmoid", "Softmax", "Softplus", "Tanh", "functional", "init_std", "init_weights",
]
