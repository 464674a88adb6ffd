"""Inverted dropout as PyTorch's `nn.Dropout`, and `Dropout1d` / `Dropout2d`, which zero whole
channels; AlphaDropout and FeatureAlphaDropout (F.alpha_dropout's, for SELU networks); masks
from the module's `rng=` (or the default generator), in training only."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional.dropouts import (
    alpha_dropout,
    channel_dropout,
    channel_mask,
    dropout_p,
    feature_alpha_dropout,
)
from ..functional.methods import inplace_flag
from ..ops import Dropout as DropoutOp
from ..random import Generator, as_rng
from ..tensor import Tensor
from .arg_checks import inplace_arg
from .module import Module


class Dropout(Module):
    """Inverted dropout: in training keep each unit with probability 1 - p and scale the kept
    ones by 1 / (1 - p), so evaluation is the identity.

    The last mask used (already scaled) is `self.mask`; `fix_mask(keep)` pins a boolean keep
    mask (for gradient checks), `fix_mask(None)` goes back to random masks.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, rng: Any = None) -> None:
        super().__init__()
        who = type(self).__name__  # (Dropout1d, Dropout2d too)
        # (p = 1 drops every unit, as torch's: zeros, no 1 / 0 scale); an int kept (its repr)
        checked = dropout_p(who, p)
        self.p = p if type(p) in (int, float) else checked
        if isinstance(inplace, (np.random.Generator, Generator)) and rng is None:  # the
            inplace, rng = False, inplace  # layer's older order, Dropout(p, rng)
        self.inplace = inplace_arg(who, inplace)  # (PyTorch's second argument; 0 / 1 too)
        # the given generator, or the default generator's (reseeded in place by manual_seed)
        self.rng = as_rng(rng, who)
        self.mask: np.ndarray | None = None
        self.fixed_keep: np.ndarray | None = None

    def fix_mask(self, keep: np.ndarray | None) -> None:
        self.fixed_keep = None if keep is None else np.asarray(keep, dtype=bool)

    def sample_mask(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """The scaled mask for an input of `shape` (fixed or freshly drawn); remembered."""
        keep = self.fixed_keep
        if keep is None:
            keep = self.rng.random(shape) >= self.p
        elif keep.shape != tuple(shape):
            raise ValueError(f"Dropout: fixed mask has shape {keep.shape}, input has {shape}")
        mask = np.multiply(keep, 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p), dtype=dtype)
        self.__dict__["mask"] = mask  # a plain attribute: skip the registry on the hot path
        return mask

    def forward(self, x: Tensor) -> Tensor:
        if self.inplace:
            return inplace_flag(type(self).__name__.lower(), x, self.dropped,
                                drops=self.training and self.p != 0)
        return self.dropped(x)

    def checked_p(self) -> None:
        """`self.p` not a float or int in [0, 1] (dropped's inline test) checked as each call of
        torch's layer checks it (F.dropout's rule): one set after construction, `d.p = -0.5`
        (every unit kept, scaled by 2/3), 1.5 (-0.0) or NaN, gave a wrong number without a
        word; a number of another type (a NumPy or Tensor p) is kept as its float, as __init__
        keeps it."""
        self.__dict__["p"] = dropout_p(type(self).__name__, self.p)  # (its value: no version)

    def dropped(self, x: Tensor) -> Tensor:
        """The layer's result as a new tensor (or x itself in evaluation)."""
        p = self.p  # (checked at each call, as torch's: `d.p = 1.5` set after construction)
        if (type(p) is not float and type(p) is not int) or not 0 <= p <= 1:
            self.checked_p()
        if not self.training or self.p == 0.0:
            return x
        # the mask is drawn inside the op, so a replayed step (tinygrad_dl.jit) draws afresh
        return DropoutOp.apply(x, sample=self.sample_mask)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"  # (PyTorch's repr)


class Dropout1d(Dropout):
    """Channel dropout (PyTorch's Dropout1d) for (N, C, L) or one (C, L) sample: in training
    each channel of each sample is kept whole with probability 1 - p (scaled by 1 / (1 - p)) or
    zeroed whole; evaluation is the identity (F.dropout1d's one home: channel_dropout). Masks
    come from the module's `rng`, as Dropout's; `fix_mask(keep)` takes a boolean keep mask per
    channel, (N, C) or (C,)."""

    spatial = 1  # trailing axes a channel spans

    def sample_mask(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        channels = tuple(shape[:-self.spatial])  # one draw per (sample, channel)
        keep = self.fixed_keep
        if keep is None:
            keep = self.rng.random(channels) >= self.p
        elif keep.shape != channels:
            raise ValueError(f"{type(self).__name__}: fixed mask has shape {keep.shape}, one "
                             f"per channel of the input {tuple(shape)} is {channels}")
        mask = channel_mask(keep, self.p, self.spatial, dtype)
        self.__dict__["mask"] = mask
        return mask

    def dropped(self, x: Tensor) -> Tensor:
        p = self.p  # (checked at each call, as torch's: `d.p = 1.5` set after construction)
        if (type(p) is not float and type(p) is not int) or not 0 <= p <= 1:
            self.checked_p()
        return channel_dropout(type(self).__name__, x, self.spatial, self.training, self.p,
                               self.sample_mask)


class Dropout2d(Dropout1d):
    """Channel dropout (PyTorch's Dropout2d) for images (N, C, H, W): in training each
    channel of each sample is kept whole with probability 1 - p (scaled by 1 / (1 - p)) or
    zeroed whole; evaluation is the identity; masks from the module's `rng`."""

    spatial = 2


class AlphaDropout(Module):
    """Alpha dropout for SELU networks (F.alpha_dropout): in training only, masks from rng=
    (else the default generator). inplace=True as F.alpha_dropout's."""

    fn = staticmethod(alpha_dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False, rng: Any = None) -> None:
        super().__init__()
        who = type(self).__name__
        checked = dropout_p(who, p, "dropout probability has to be between 0 and 1")
        self.p = p if type(p) in (int, float) else checked
        self.inplace = inplace_arg(who, inplace)
        self.rng = as_rng(rng, who)

    def forward(self, x: Any) -> Tensor:
        return type(self).fn(x, self.p, self.training, self.inplace, rng=self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class FeatureAlphaDropout(AlphaDropout):
    """Alpha dropout of whole channels of (N, C, ...) (F.feature_alpha_dropout)."""

    fn = staticmethod(feature_alpha_dropout)
