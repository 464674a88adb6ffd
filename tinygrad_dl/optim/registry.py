"""OPTIMIZERS: the optimizer classes by lower-case name."""

from __future__ import annotations

from .adadelta_rprop_asgd import ASGD, Adadelta, Rprop
from .adam_variants import Adamax, NAdam, RAdam
from .adaptive import AdaGrad, Adam, AdamW, RMSprop
from .optimizer import Optimizer
from .sgd import SGD

OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adagrad": AdaGrad, "adam": Adam,
                                          "adamw": AdamW, "rmsprop": RMSprop,
                                          "adadelta": Adadelta, "adamax": Adamax, "nadam": NAdam,
                                          "radam": RAdam, "rprop": Rprop, "asgd": ASGD}
