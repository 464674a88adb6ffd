"""Layers with PyTorch's names and conventions (Module, Linear, ...) and
`tinygrad_dl.nn.functional`, the very module tinygrad_dl.functional under PyTorch's path
(`import tinygrad_dl.nn.functional as F`), registered as os.path is: one home, two names."""

import sys

from .. import functional
from . import init, utils
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
from .loss import BCELoss, BCEWithLogitsLoss, L1Loss, MSELoss, NLLLoss
from .normalization import BatchNorm2d, LayerNorm
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

sys.modules[__name__ + ".functional"] = functional


__all__ = [
    "ELU", "GELU", "INITS", "REDUCTIONS", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "Conv2d", "CrossEntropyLoss", "Dropout", "Embedding", "Flatten", "Identity", "L1Loss",
    "LeakyReLU",
    "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "ModuleDict", "ModuleList",
    "GRU", "GRUCell", "LSTM", "LSTMCell", "NLLLoss", "Parameter", "RNN", "RNNCell", "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid", "Softmax", "Softplus", "Tanh", "functional", "init", "init_std", "init_weights",
    "utils",
]
