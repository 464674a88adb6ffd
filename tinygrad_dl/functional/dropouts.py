"""torch.nn.functional's dropouts: F.dropout (one op), the channel dropouts F.dropout1d /
dropout2d / dropout3d (nn.Dropout1d / 2d / 3d's one home) and torch.feature_dropout's (any
rank), and the alpha dropouts for SELU networks, F.alpha_dropout and F.feature_alpha_dropout.

Random draws come from rng= / generator=, else the default generator (tinygrad_dl.random); they
are constants of the graph (the gradient of a dropout is its drawn mask and scale)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import literal
from ..ops import Draw, Dropout
from ..ops.spelling import torch_keywords
from ..tensor import Tensor
from .constructors import rng_of
from .methods import as_tensor_of, bool_arg, inplace_flag, tensor_number


def dropout_p(who: str, p: Any, what: str = "p must be in [0, 1]") -> float:
    """A dropout probability as a float: a number in [0, 1], or a one-element Tensor holding
    one (torch takes a 0-d tensor too). NaN and a bool are refused: `F.dropout(x, True)` reads
    True as p = 1 in torch (every unit dropped), usually meant as training=True. (A Tensor p
    in a jitted step: that step runs eagerly, with the warning, `tensor_number`.)"""
    if (type(p) is float or type(p) is int) and 0 <= p <= 1:  # (F.dropout's hot path: first)
        return float(p)
    p = tensor_number(who, "p", p)
    if isinstance(p, (bool, np.bool_)):
        raise ValueError(f"{who}: {what}, got {p!r} (a bool: `training=` is the third "
                         "argument; pass p as a number)")
    if not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: {what}, got a {type(p).__name__} ({p!r:.40})")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: {what}, got {p!r}")
    return float(p)


@torch_keywords(input="x")
def dropout(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False,
            rng: Any = None, generator: Any = None) -> Tensor:
    """F.dropout: in training, zero each entry with probability p and scale the rest by
    1 / (1 - p) (inverted dropout); otherwise x itself. The mask is drawn inside the op, from
    rng= (or generator=), else the seeded default generator."""
    p, training = dropout_p("dropout", p), bool_arg("dropout", "training", training)
    if inplace:  # (PyTorch's in-place form: written into x where it may be)
        return inplace_flag("dropout", x, lambda t: dropout(t, p, training, rng=rng,
                                                            generator=generator),
                            drops=training and p != 0)
    x = as_tensor_of(x)
    if not training or p == 0.0:
        return x
    return Dropout.apply(x, sample=_DropoutMask(rng_of(rng, generator, "dropout"), p))


@dataclasses.dataclass(frozen=True)
class _DropoutMask:
    """F.dropout's mask sampler: equal when it draws from the same generator object with the
    same p, so a jitted step that calls F.dropout records the same op twice and replays (a new
    closure per call differed every time); a fresh generator per call (rng=seed) differs."""

    gen: np.random.Generator
    p: float

    def __call__(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        keep = self.gen.random(shape) >= self.p
        return np.multiply(keep, 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p), dtype=dtype)


# ---- channel dropout: F.dropout1d / F.dropout2d and nn.Dropout1d / Dropout2d's one home -------
_CHANNEL_RANKS = {1: ((2, 3), "(N, C, L) or (C, L)"), 2: ((4,), "(N, C, H, W)"),
                  3: ((4, 5), "(N, C, D, H, W) or (C, D, H, W)")}


def channel_mask(keep: np.ndarray, p: float, spatial: int, dtype: Any) -> np.ndarray:
    """A keep mask with one entry per (sample, channel), scaled by 1 / (1 - p) (0 when p = 1)
    and shaped to broadcast over the `spatial` trailing axes of each channel."""
    mask = np.multiply(keep, 0.0 if p == 1.0 else 1.0 / (1.0 - p), dtype=dtype)
    return mask.reshape(keep.shape + (1,) * spatial)


@dataclasses.dataclass(frozen=True)
class _ChannelMask:
    """F.dropout1d / F.dropout2d's mask sampler: one draw per channel; equal by value, as
    _DropoutMask."""

    gen: np.random.Generator
    p: float
    spatial: int

    def __call__(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        keep = self.gen.random(tuple(shape[:len(shape) - self.spatial])) >= self.p
        return channel_mask(keep, self.p, self.spatial, dtype)


def feature_dropout(input: Any, p: float, training: bool, inplace: bool = False) -> Tensor:
    """torch.feature_dropout (and feature_dropout_ with inplace): whole channels of (N, C, ...)
    of any rank >= 2 zeroed in training, the rest scaled by 1 / (1 - p) (F.dropout2d's for a
    4-D input; of a 2-D (N, C) one, F.dropout's); otherwise the input itself."""
    who = "feature_dropout_" if inplace else "feature_dropout"
    p = dropout_p(who, p, "dropout probability has to be between 0 and 1")
    training = bool_arg(who, "train", training)
    if inplace:
        return inplace_flag(who, input, lambda t: feature_dropout(t, p, training),
                            drops=training and p != 0)
    x = as_tensor_of(input)
    # (torch's order, as alpha_dropout_of's: nothing dropped is x itself, of any rank (the
    # rank was refused in evaluation); p = 1 is x * 0 of any rank, an integer x kept integer)
    if not training or p == 0.0 or x.data.size == 0:
        return x
    if p == 1:
        return x * Tensor(literal(np.zeros((), x.dtype)))
    if x.ndim < 2:
        raise ValueError(f"{who}: feature dropout needs at least 2 dimensions (N, C, ...), "
                         f"got {tuple(x.shape)}")
    if x.dtype.kind not in "fc":  # (torch's: the scaled mask cannot be cast to an integer)
        raise TypeError(f"{who}: expected a float input, got {x.dtype}")
    return Dropout.apply(x, sample=_ChannelMask(rng_of(None, None, who), p, x.ndim - 2))


def channel_dropout(who: str, input: Any, spatial: int, training: bool, p: float,
                    sample: Callable[[tuple[int, ...], Any], np.ndarray]) -> Tensor:
    """Whole channels zeroed in training, `sample(shape, dtype)` giving the scaled mask; the
    input's rank is checked in evaluation too (as torch's). Used by F.dropout1d/2d and
    nn.Dropout1d/2d (`who` names which in the messages)."""
    x = as_tensor_of(input)
    ranks, expects = _CHANNEL_RANKS[spatial]
    if x.ndim not in ranks:
        raise ValueError(f"{who}: expected input {expects}, got {tuple(x.shape)}" + (
            "; a 3-D input is ambiguous (PyTorch reads it as (N, C, L), with a warning that "
            f"this will change to (C, H, W)): use {who[0]}ropout1d for (N, C, L), "
            "x.unsqueeze(0) for one (C, H, W) image" if x.ndim == 3 and spatial == 2 else ""))
    if not training or p == 0.0:
        return x
    return Dropout.apply(x, sample=sample)


def _channel_dropout_fn(who: str, spatial: int, input: Any, p: float, training: bool,
                        inplace: bool, rng: Any, generator: Any) -> Tensor:
    p, training = dropout_p(who, p, "p must be a number in [0, 1]"), bool_arg(who, "training",
                                                                           training)
    if inplace:
        return inplace_flag(who, input, lambda t: _channel_dropout_fn(
            who, spatial, t, p, training, False, rng, generator), drops=training and p != 0)
    sample = _ChannelMask(rng_of(rng, generator, who), p, spatial)
    return channel_dropout(who, input, spatial, training, p, sample)


def dropout1d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False,
              rng: Any = None, generator: Any = None) -> Tensor:
    """PyTorch's F.dropout1d: in training each channel of each sample of (N, C, L) or (C, L)
    is zeroed whole with probability p, the rest scaled by 1 / (1 - p); otherwise x itself.
    The mask is drawn inside the op from rng= (or generator=), else the default generator."""
    return _channel_dropout_fn("dropout1d", 1, input, p, training, inplace, rng, generator)


def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False,
              rng: Any = None, generator: Any = None) -> Tensor:
    """PyTorch's F.dropout2d for images (N, C, H, W): each channel of each sample zeroed whole
    with probability p in training, the rest scaled by 1 / (1 - p). A 3-D input is refused as
    ambiguous (torch reads it as (N, C, L) with a warning; use dropout1d)."""
    return _channel_dropout_fn("dropout2d", 2, input, p, training, inplace, rng, generator)


def dropout3d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False,
              rng: Any = None, generator: Any = None) -> Tensor:
    """PyTorch's F.dropout3d for volumes (N, C, D, H, W) or (C, D, H, W): each channel of each
    sample zeroed whole with probability p in training, the rest scaled by 1 / (1 - p)."""
    return _channel_dropout_fn("dropout3d", 3, input, p, training, inplace, rng, generator)


# ---- alpha dropout --------------------------------------------------------------------------
_ALPHA = 1.7580993408473766  # -SELU's scale * alpha: the value SELU tends to at -inf, negated


@dataclasses.dataclass(frozen=True)
class _AlphaKeep:
    """`Draw`'s sampler for alpha dropout: the keep mask (1 kept, 0 dropped) in x's dtype, one
    entry per element, or per channel of (N, C, ...) shaped (N, C, 1, ...) when `feature`.
    Drawn inside the op, so a jitted step replays with a fresh mask; equal by value, as
    _DropoutMask."""

    gen: np.random.Generator
    p: float
    feature: bool

    def __call__(self, x: np.ndarray) -> np.ndarray:
        shape = x.shape[:2] + (1,) * (x.ndim - 2) if self.feature else x.shape
        return (self.gen.random(shape) >= self.p).astype(x.dtype)


def alpha_noise(who: str, x: Tensor, p: float, feature: bool, rng: Any,
                generator: Any) -> tuple[Tensor, Tensor]:
    """torch's (scale, shift) of alpha dropout, as tensors (constants of the graph) drawn in a
    Draw op: with a keep mask m (p of entries, or of whole channels, dropped), scale m a and
    shift (m - 1) alpha a + alpha a p, a = 1 / sqrt((alpha^2 p + 1)(1 - p)): mean and variance
    kept for SELU's activations (rounded in x's dtype, step by step as torch's)."""
    if feature and x.ndim < 2:
        raise ValueError(f"{who}: feature dropout needs at least 2 dimensions (N, C, ...), "
                         f"got {tuple(x.shape)}")
    keep = Draw.apply(x.detach(), sample=_AlphaKeep(rng_of(rng, generator, who), p, feature))
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    return keep * a, (keep - 1) * (_ALPHA * a) + _ALPHA * a * p


def alpha_dropout_of(who: str, input: Any, p: Any, training: bool, inplace: bool,
                     feature: bool, rng: Any, generator: Any) -> Tensor:
    p = dropout_p(who, p, "dropout probability has to be between 0 and 1")
    training = bool_arg(who, "training", training)
    if inplace:
        return inplace_flag(who, input, lambda x: alpha_dropout_of(
            who, x, p, training, False, feature, rng, generator), drops=training and p != 0)
    x = as_tensor_of(input)
    if p == 0 or not training or x.data.size == 0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: expected a float input, got {x.dtype}")
    if p == 1:
        return x * Tensor(literal(np.zeros((), x.dtype)))  # (torch's: NaN and inf give NaN)
    scale, shift = alpha_noise(who, x, p, feature, rng, generator)
    return x * scale + shift


def alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False,
                  *, rng: Any = None, generator: Any = None) -> Tensor:
    """PyTorch's F.alpha_dropout (for SELU networks): in training each entry dropped with
    probability p to SELU's negative saturation value, then all scaled and shifted so the mean
    and variance stay; otherwise x itself (training defaults to False, as torch's)."""
    return alpha_dropout_of("alpha_dropout", input, p, training, inplace, False, rng,
                            generator)


def feature_alpha_dropout(input: Any, p: float = 0.5, training: bool = False,
                          inplace: bool = False, *, rng: Any = None,
                          generator: Any = None) -> Tensor:
    """PyTorch's F.feature_alpha_dropout: alpha_dropout of whole channels of (N, C, ...)."""
    return alpha_dropout_of("feature_alpha_dropout", input, p, training, inplace, True, rng,
                            generator)
