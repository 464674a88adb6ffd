"""The four course models built on tinygrad_dl, each with its graph (`loss`) and the course's
hand-derived NumPy gradient (`hand_gradients`) side by side, a ConvNet beyond the course
(autograd only), and the one registry of them.

Every model class names itself (`name`), carries its course training `defaults`, says which
training `loop` trains it (`Loop.MINIBATCH` / `Loop.SEQUENCE`) and builds itself from training
parameters (`from_params`). `MODELS` maps the names to the classes: the only list of models.
"""

from __future__ import annotations

from typing import Any

from .base import CourseModel, Loop
from .char_rnn import CharRNN
from .classifier import Classifier
from .convnet import ConvNet
from .k_layer import KLayer
from .one_layer import OneLayer
from .two_layer import TwoLayer

MODELS: dict[str, type[CourseModel]] = {
    cls.name: cls for cls in (OneLayer, TwoLayer, KLayer, CharRNN, ConvNet)
}


def model_class(name: str) -> type[CourseModel]:
    """`MODELS[name]`, with a clear error for an unknown name."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name]


def build(name: str, **config: Any) -> CourseModel:
    """`MODELS[name](**config)`, with a clear error for an unknown name."""
    return model_class(name)(**config)


def registry_name(model: Any) -> str:
    """The key of type(model) in MODELS."""
    for name, cls in MODELS.items():
        if type(model) is cls:
            return name
    raise ValueError(
        f"cannot checkpoint a {type(model).__name__}: it is not one of the registered models "
        f"{sorted(MODELS)} (tinygrad_dl.models.MODELS)"
    )


__all__ = [
    "MODELS", "CharRNN", "Classifier", "ConvNet", "CourseModel", "KLayer", "Loop", "OneLayer",
    "TwoLayer", "build", "model_class", "registry_name",
]
