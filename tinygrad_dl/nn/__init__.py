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
from .containers import ModuleDict, ModuleList
from .embedding import Embedding
from .layers import (
    INITS,
    REDUCTIONS,
    AvgPool2d,
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
from .loss import BCEWithLogitsLoss, L1Loss, MSELoss, NLLLoss

sys.modules[__name__ + ".functional"] = functional

# PyTorch names that are not here, with what to write instead
_ELSEWHERE = {
    "utils": "tinygrad_dl.optim.clip_grad_norm_ / clip_grad_value_ (there is no nn.utils)",
    "init": "the layer's init= argument ('pytorch', 'he', 'xavier', 'gaussian') and rng=",
}


def __getattr__(name: str) -> object:
    if name in _ELSEWHERE:
        raise AttributeError(f"tinygrad_dl.nn.{name} does not exist: use {_ELSEWHERE[name]}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ELU", "GELU", "INITS", "REDUCTIONS", "AvgPool2d", "BCEWithLogitsLoss", "BatchNorm1d",
    "Conv2d", "CrossEntropyLoss", "Dropout", "Embedding", "Flatten", "Identity", "L1Loss",
    "LeakyReLU",
    "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "ModuleDict", "ModuleList",
    "NLLLoss", "Parameter", "ReLU", "Sequential",
    "SiLU",
    "Sigmoid", "Softmax", "Softplus", "Tanh", "functional", "init_std", "init_weights",
]
