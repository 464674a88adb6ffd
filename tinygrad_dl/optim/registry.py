"""OPTIMIZERS: the optimizer classes by lower-case name."""

from __future__ import annotations

from .adaptive import AdaGrad, Adam, AdamW, RMSprop
from .optimizer import Optimizer
from .sgd import SGD

OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adagrad": AdaGrad, "adam": Adam,
                                          "adamw": AdamW, "rmsprop": RMSprop}
