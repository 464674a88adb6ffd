"""Data augmentation of CIFAR-10 mini-batches, as the course's bonus exercises do it: each
training image mirrored left-right with probability `flip`, and translated by a whole number of
pixels in [-translate, translate] along each axis, the uncovered border filled with 0 (the
training mean, once the data are normalized).

Rows are images in CIFAR's layout (3072 = 3 channels x 32 x 32, each channel row-major), the
layout of `load_cifar10`'s X. A batch is augmented afresh at every update, from the generator
`update_generator(seed, step)`: the same run draws the same flips and shifts, a run resumed from
a checkpoint draws what the uninterrupted one would have, and no draw repeats those of the
generator default_rng(seed) that shuffles the data (nor run_training's initialization).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinygrad_dl.random import as_rng
from tinygrad_dl.tensor import plain_array

__all__ = ["Augment", "update_generator"]


@dataclass(frozen=True)
class Augment:
    """Random mirroring and translation of image rows (n, channels * side * side)."""

    flip: float = 0.0  # probability that an image is mirrored left-right
    translate: int = 0  # largest shift in pixels, along each axis
    side: int = 32
    channels: int = 3

    def __post_init__(self) -> None:
        # (translate=2.5 drew shifts in [-2, 2] without a word, and a str or None gave
        # Python's bare '<=' error naming neither Augment nor the setting)
        if isinstance(self.flip, bool) or not isinstance(self.flip, (int, float, np.integer,
                                                                     np.floating)):
            raise TypeError(f"Augment: flip is a probability in [0, 1], got "
                            f"{type(self.flip).__name__} {self.flip!r}")
        if isinstance(self.translate, bool) or not isinstance(self.translate, (int, np.integer)):
            raise TypeError(f"Augment: translate is a whole number of pixels, got "
                            f"{type(self.translate).__name__} {self.translate!r}")
        for name in ("side", "channels"):  # (side=0 was "translate must be in [0, -1]", and
            v = getattr(self, name)  # side=True or channels=-1 described rows of 3 or -1024)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Augment: {name} must be a whole number >= 1, got {v!r}")
        for name in ("translate", "side", "channels"):  # (NumPy's small ints overflowed:
            # side=np.uint8(32) wanted rows of 0 features, -np.uint8(3) was 253: "low >= high")
            object.__setattr__(self, name, int(getattr(self, name)))
        if not 0.0 <= self.flip <= 1.0:
            raise ValueError(f"Augment: flip is a probability in [0, 1], got {self.flip!r}")
        if not 0 <= self.translate < self.side:
            raise ValueError(f"Augment: translate must be in [0, {self.side - 1}] pixels, got "
                             f"{self.translate!r}")

    @property
    def active(self) -> bool:
        return self.flip > 0 or self.translate > 0

    def __call__(self, X: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """A new array: the rows of X, each mirrored and shifted by its own draw (X itself is
        never written: it is the training set's rows). rng: an np.random.Generator or a
        tinygrad_dl.Generator; None, the default one (tinygrad_dl.manual_seed seeds it)."""
        rng = as_rng(rng, "augment")  # (an int seed or a RandomState: NumPy's AttributeError)
        S, C = self.side, self.channels
        X = plain_array(X, who="augment: the rows X")  # (a masked array: values under its mask)
        if X.ndim != 2 or X.shape[1] != C * S * S:
            raise ValueError(f"augment: rows must be {C}x{S}x{S} images ({C * S * S} features, "
                             f"CIFAR-10's layout), got a batch of shape {X.shape}")
        n = len(X)
        out = X.reshape(n, C, S, S).copy()
        if self.flip > 0:
            mirrored = rng.random(n) < self.flip
            out[mirrored] = out[mirrored, :, :, ::-1]
        if self.translate > 0:
            t = self.translate
            shifts = rng.integers(-t, t + 1, size=(n, 2))  # (dy, dx): down and right
            src = out
            out = np.zeros_like(src)
            for dy, dx in np.unique(shifts, axis=0):  # at most (2t + 1)^2 groups of rows
                rows = np.flatnonzero((shifts[:, 0] == dy) & (shifts[:, 1] == dx))
                out[rows, :, _to(dy, S), _to(dx, S)] = src[rows, :, _from(dy, S), _from(dx, S)]
        return out.reshape(n, C * S * S)


def update_generator(seed: int, step: int) -> np.random.Generator:
    """The generator that augments update `step`'s batch of a run seeded with `seed`: child
    `step` of SeedSequence(seed), independent of default_rng(seed), which orders the data.
    (default_rng((seed, step)) was it: NumPy pads entropy with zeros, so step 0's was the very
    generator that shuffles the data, and run_training's default_rng([seed, 0]) init.)"""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        # (None or a Generator met NumPy's "object of type 'NoneType' has no len()")
        raise TypeError(f"augment: each update's flips and shifts are drawn from (seed, step), "
                        f"so the run's seed must be an integer >= 0, got {seed!r}")
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(step,)))


def _to(d: int, S: int) -> slice:
    """Where a shift by d lands along an axis of S pixels."""
    return slice(max(d, 0), S + min(d, 0))


def _from(d: int, S: int) -> slice:
    """What a shift by d moves along an axis of S pixels."""
    return slice(max(-d, 0), S + min(-d, 0))
