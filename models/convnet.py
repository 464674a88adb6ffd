"""Beyond the course: a small ConvNet, (conv 3x3 - ReLU - max-pool 2x2) x 2 - Linear.

The classic next step on CIFAR-10 after the MLPs of assignments 1-3: the same classifier
interface (cost J = mean cross-entropy + lam * sum of squared weights, conv filters included),
trained by the same mini-batch loop, on the same (n, 3072) rows, which it reads as NCHW images.
It has no hand-derived gradient: its gradient check is autograd against finite differences
(tests/test_convnet.py), each of its ops being checked the same way in the op tests.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_dl import Tensor, concatenate
from tinygrad_dl.nn import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential
from tinygrad_dl.random import as_rng

from .base import integer
from .classifier import Classifier


def image_shape(d: int) -> tuple[int, int, int]:
    """(C, H, W) of a square image flattened to d features: 3 colour channels when d allows
    (CIFAR-10's 3072 = 3 x 32 x 32, channel-major as its rows are), else 1 grey channel."""
    for c in (3, 1):
        side = math.isqrt(d // c)
        if d % c == 0 and side * side * c == d:
            return c, side, side
    raise ValueError(f"convnet: {d} features are not a square image of 3 or 1 channels "
                     "(3 x 32 x 32 = 3072 for CIFAR-10)")


class ConvNet(Classifier):
    """X (n, C*H*W) -> images (n, C, H, W) -> [Conv2d(3x3, pad 1) - ReLU - MaxPool2d(2)] for
    each of `channels` -> Flatten -> Linear -> logits (n, K). H and W must be divisible by
    2 ** len(channels). Parameters: "layers.0.W" (c1, C, 3, 3), "layers.0.b", "layers.3.W",
    ..., the last Linear's W (K, c_last * H' * W') and b. He init by default."""

    name = "convnet"
    # SGD with the course's cyclical learning rate, as the two-layer net; n_s = 2 epochs, so 3
    # cycles are 12 epochs (52% test accuracy on the CIFAR-10 subset, see docs/results.md)
    defaults = {**Classifier.defaults, "channels": [16, 32], "lam": 0.001, "schedule": "cyclic",
                "cycles": 3, "eta_min": 1e-4, "eta_max": 5e-2, "init": "he", "split": "all",
                "n_batch": 100}
    graph_d = 3 * 8 * 8  # the smallest colour image two 2x2 poolings leave 2x2 pixels of
    help_keys = ("channels", "lam", "eta_min", "eta_max", "cycles", "n_batch", "split")

    def __init__(
        self,
        d: int | None = None,
        K: int = 10,
        channels: Any = (16, 32),
        lam: float = 0.0,
        init: str = "he",
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
        *,
        std: float = 0.01,
        image: Any = None,
    ) -> None:
        # the image (C, H, W) is given directly, or read off the row length d
        if image is not None:
            image = tuple(integer("convnet", "image sides", n) for n in image)
            if len(image) != 3 or min(image) < 1 or (d is not None and d != math.prod(image)):
                raise ValueError(f"convnet: image must be (C, H, W) with C*H*W = d, got "
                                 f"{image} for d={d}")
        elif d is None:
            raise ValueError("convnet: give d (features per row) or image (C, H, W)")
        super().__init__(math.prod(image) if image is not None else d, K, lam, dtype)
        rng = as_rng(rng)  # the given generator, else the default one (tinygrad_dl.random)
        self.image = image if image is not None else image_shape(self.d)
        self.channels = [integer("convnet", "channels", c) for c in channels]
        c, h, w = self.image
        scale = 2 ** len(self.channels)
        if not self.channels or min(self.channels) < 1 or h % scale or w % scale:
            raise ValueError(f"convnet: {len(self.channels)} conv-pool stages need image sides "
                             f"divisible by {scale} and channels >= 1; got a {h}x{w} image "
                             f"and channels {self.channels}")
        layers: list[Any] = []
        for out in self.channels:
            layers += [Conv2d(c, out, 3, padding=1, init=init, std=std, rng=rng, dtype=self.dtype),
                       ReLU(), MaxPool2d(2)]
            c = out
        features = c * (h // scale) * (w // scale)
        layers += [Flatten(), Linear(features, K, init=init, std=std, rng=rng, dtype=self.dtype)]
        self.layers = Sequential(*layers)
        # the config names the image, not d: every size in a checkpoint's config must be
        # bounded by its arrays' dimensions (checkpoint's guard against hostile files)
        self._finish(image=list(self.image), K=self.K, channels=self.channels, init=init,
                     std=float(std))

    # the L2 penalty covers the conv filters as well as the Linear weights (not biases)
    penalised = (Linear, Conv2d)
    chunk = 500  # images per im2col: evaluating 10,000 at once would need GBs of columns

    def forward(self, X: Any) -> Tensor:
        """Logits S (n, K) of the rows of X read as (C, H, W) images, in chunks of images."""
        X = self._input(X)
        n = X.shape[0]
        if n <= self.chunk:
            return self.layers(X.reshape(n, *self.image))
        parts = [self.layers(X[i:i + self.chunk].reshape(-1, *self.image))
                 for i in range(0, n, self.chunk)]
        return concatenate(parts, axis=0)

    @classmethod
    def from_params(cls, params: dict[str, Any], *, d: int, K: int,
                    rng: np.random.Generator, dtype: Any) -> ConvNet:
        p = params
        return cls(d, K, channels=p["channels"], lam=p["lam"], init=p["init"], std=p["std"],
                   rng=rng, dtype=dtype)

    @classmethod
    def backed_sizes(cls, config: dict[str, Any]) -> dict[str, Any]:
        """The image's sides after the poolings, H / 2^s and W / 2^s (s = len(channels)): the
        sides no parameter has (3x3 filters), and what the last Linear's input backs. (The
        full sides refused to reload a valid model: image 8x8 with channels [1, 1] saved
        arrays no larger than 4.)"""
        image, channels = config.get("image"), config.get("channels")
        if not (isinstance(image, list) and len(image) == 3 and isinstance(channels, list)
                and all(type(n) is int for n in image)):
            return config  # (the constructor refuses what it cannot build)
        c, h, w = image
        return {**config, "image": [c, h >> len(channels), w >> len(channels)]}

    def describe(self) -> str:
        c, h, w = self.image
        return f"convnet {c}x{h}x{w} channels={','.join(map(str, self.channels))} K={self.K}"
