"""The four course models built on tinygrad_dl, each with its graph (`loss`) and the course's
hand-derived NumPy gradient (`hand_gradients`) side by side."""

from __future__ import annotations

from typing import Any

from tinygrad_dl.nn import Module

from .char_rnn import CharRNN
from .classifier import Classifier
from .k_layer import KLayer
from .one_layer import OneLayer
from .two_layer import TwoLayer

MODELS: dict[str, type[Module]] = {
    "one-layer": OneLayer,
    "two-layer": TwoLayer,
    "k-layer": KLayer,
    "char-rnn": CharRNN,
}


def build(name: str, **config: Any) -> Module:
    """MODELS[name](**config), with a clear error for an unknown name."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name](**config)


__all__ = ["MODELS", "CharRNN", "Classifier", "KLayer", "OneLayer", "TwoLayer", "build"]
