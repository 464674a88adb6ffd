"""Assignment 3: a k-layer ReLU network with optional batch normalization and dropout.

Hidden block l: S_l = H_{l-1} W_l^T (+ b_l), [batch norm: gamma_l * S^_l + beta_l], ReLU,
[inverted dropout]; then the output layer S = H W_k^T + b_k (each W_l (d_out, d_in)). Its
graph (`loss`) and the course's hand-derived gradient, BatchNormBackPass included
(`hand_gradients`), sit side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_dl.nn import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    Dropout,
    Dropout2d,
    Dropout3d,
    Linear,
    ReLU,
    Sequential,
)
from tinygrad_dl.random import as_rng

from .base import integer
from .classifier import Classifier, linear_grads, softmax_ce_grad


class KLayer(Classifier):
    """A k-layer net: hidden=[50, 50] gives k = 3 Linear layers.

    Each hidden block is Linear -> BatchNorm1d (if batch_norm) -> ReLU -> Dropout (if
    dropout > 0); the last layer is a Linear to K logits. With batch norm the hidden Linear
    layers have no bias: the batch mean is subtracted right after, so a bias would get exactly
    zero gradient (beta is the shift). Parameter names follow the flat Sequential, e.g.
    "layers.0.W", "layers.1.gamma", "layers.1.beta", "layers.3.W", ...
    init "he" (default), "xavier" or "gaussian" (N(0, std^2) for every layer: the course's
    sensitivity-to-initialization experiment); alpha is batch norm's running-average weight.
    """

    name = "k-layer"
    # Assignment 3: He init, batch norm, lambda 0.005, n_s = 5 floor(n / n_batch), 2 cycles
    defaults = {**Classifier.defaults, "hidden": [50, 50], "batch_norm": True, "dropout": 0.0,
                "lam": 0.005, "schedule": "cyclic", "cycles": 2, "init": "he", "split": "all"}
    help_keys = ("hidden", "batch_norm", "lam", "eta_min", "eta_max", "cycles", "n_batch",
                 "init", "split")
    n_s_epochs = 5

    def __init__(
        self,
        d: int,
        hidden: Sequence[int],
        K: int,
        batch_norm: bool = True,
        dropout: float = 0.0,
        lam: float = 0.0,
        init: str = "he",
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
        *,
        std: float = 0.01,
        alpha: float = 0.9,
    ) -> None:
        super().__init__(d, K, lam, dtype)
        rng = as_rng(rng)  # the given generator, else the default one (tinygrad_dl.random)
        self.hidden = [integer("KLayer", "hidden sizes", h, 1) for h in hidden]
        self.batch_norm, self.dropout = bool(batch_norm), float(dropout)
        if not 0.0 <= self.dropout < 1.0:  # (-0.5 or NaN: no Dropout layer, without a word)
            raise ValueError(f"KLayer: dropout must be in [0, 1), got {dropout}")
        layers: list[Any] = []
        d_in = self.d
        for h in self.hidden:
            layers.append(Linear(d_in, h, init=init, std=std, rng=rng, dtype=self.dtype,
                                 bias=not self.batch_norm))
            if self.batch_norm:
                layers.append(BatchNorm1d(h, alpha=alpha, dtype=self.dtype))
            layers.append(ReLU())
            if self.dropout > 0:
                layers.append(Dropout(self.dropout, rng=rng))
            d_in = h
        layers.append(Linear(d_in, K, init=init, std=std, rng=rng, dtype=self.dtype))
        self.layers = Sequential(*layers)
        self._finish(d=self.d, hidden=self.hidden, K=self.K, batch_norm=self.batch_norm,
                     dropout=self.dropout, init=init, std=float(std), alpha=float(alpha))

    @classmethod
    def from_params(cls, params: dict[str, Any], *, d: int, K: int,
                    rng: np.random.Generator, dtype: Any) -> KLayer:
        p = params
        return cls(d, p["hidden"], K, batch_norm=p["batch_norm"], dropout=p["dropout"],
                   lam=p["lam"], init=p["init"], std=p["std"], rng=rng, dtype=dtype)

    def describe(self) -> str:
        return (f"k-layer d={self.d} hidden={self.hidden} K={self.K} "
                f"batch_norm={self.batch_norm}")

    def hand_gradients(self, X: Any, y: Any) -> dict[str, np.ndarray]:
        """The course's backprop, in the current mode (train: batch statistics, as loss()):
        each module's own mode, as loss() reads it (a batch norm put in eval() alone, to freeze
        its statistics, is affine here too).

        Forward, hidden layer l (rows are samples):
            S = H W^T (+ b);  mu = mean(S), v = mean((S - mu)^2)        (biased, as the course)
            S^ = (S - mu) / sqrt(v + eps);  S~ = gamma * S^ + beta;  H = max(0, S~) * mask
        Backward, from G = (P - Y) / n at the output:
            dW = G^T H_{l-1} + 2 lam W,  db = 1^T G,  G = G W
            G = G * mask * 1[H > 0]                                     (dropout, ReLU)
            dgamma = 1^T (G * S^),  dbeta = 1^T G,  G = G * gamma
            BatchNormBackPass: sigma1 = (v + eps)^-1/2, sigma2 = (v + eps)^-3/2,
                G1 = G * sigma1, G2 = G * sigma2, D = S - mu, c = 1^T (G2 * D),
                G = G1 - 1^T G1 / n - D * c / n
              computed as G1 - mean(G1) - S^ * mean(G1 * S^)   (D sigma1 = S^, same thing).
        In eval mode batch norm is affine (running mu_av, v_av): G = G * gamma / sqrt(v_av + eps)
        (a batch norm without running averages, track_running_stats=False, uses the batch's
        statistics in eval too; affine=False / bias=False: gamma 1 / beta 0, not returned).
        Like loss(), a training-mode call updates the running averages and draws the dropout
        masks through the Dropout modules (so a fixed mask is shared with the graph). A module
        in several places of model.layers (one ReLU reused, a tied Linear) runs at each, as in
        forward, its gradients summed (a tied W's L2 term counted once, as in loss()).
        """
        X, y = self._check_batch(X, y)
        lam = self.lam
        # each module's own mode, as its forward reads it (model.training alone gave batch
        # statistics and dropout to a module set to eval() on its own: silently wrong grads)
        if len(X) < 2 and any(isinstance(m, BatchNorm1d) and _batch_statistics(m)
                              for m in self.layers):
            # (the op's refusal: one row is its own mean, the gradients all zero, and as the
            # first batch it would set running_var to 0)
            raise ValueError(f"KLayer.hand_gradients: batch norm expects more than 1 row per "
                             f"feature in training mode, got X of shape {X.shape}")
        tape: list[tuple[Any, ...]] = []
        # ReLU and dropout work on H in place: never on the caller's X (a first module other
        # than a Linear, after `model.layers = ...`, clipped the caller's batch to >= 0)
        H = X if isinstance(next(iter(self.layers), None), Linear) else X.copy()
        # the layers as they are now (one replaced or deleted since __init__ included), each
        # use of a module shared between places (one ReLU instance reused, a tied Linear)
        # as forward runs it: named_children() lists it once (its later uses were skipped)
        names = {id(p): q for q, p in self.named_parameters()}
        paths = {id(m): f"layers.{k}" for k, m in self.layers.named_children()}
        first: dict[int, tuple[Any, ...]] = {}  # each Linear's first use: its L2 term, once
        for mod in self.layers:
            if isinstance(mod, _IMAGES):  # (subclasses whose forward refuses (n, h) rows: a
                # BatchNorm2d was run as a BatchNorm1d here, a Dropout2d drew one mask for all)
                raise TypeError(f"KLayer.hand_gradients: no backward for {type(mod).__name__} "
                                f"(its forward takes images, not the rows (n, h) of a layer)")
            if isinstance(mod, Linear):
                tape.append((mod, H))
                first.setdefault(id(mod), tape[-1])
                S = H @ mod.W.data.T
                if mod.b is not None:
                    S += mod.b.data
                H = S
            elif isinstance(mod, BatchNorm1d):
                training = _batch_statistics(mod)
                if training:
                    mu = H.mean(axis=0)
                    D = H - mu
                    v = np.einsum("ij,ij->j", D, D) / H.shape[0]
                    # (forward's condition: track_running_stats set False after init
                    # freezes the running averages, which hand_gradients moved)
                    if mod.training and mod.track_running_stats and mod.running_mean is not None:
                        mod.update_running_stats(mu, v)
                    sigma1 = 1.0 / np.sqrt(v + mod.eps)
                else:
                    sigma1 = 1.0 / np.sqrt(mod.running_var + mod.eps)
                    D = H - mod.running_mean
                S_hat = D
                S_hat *= sigma1
                tape.append((mod, S_hat, sigma1, training))
                H = S_hat * _gamma_of(mod)
                if mod.beta is not None:
                    H += mod.beta.data
            elif isinstance(mod, ReLU):
                np.maximum(H, 0.0, out=H)
                tape.append((mod, H))
            elif isinstance(mod, Dropout):
                if mod.training and mod.p > 0:
                    mask = mod.sample_mask(H.shape, H.dtype)
                    H *= mask
                    tape.append((mod, mask))
            else:
                raise TypeError(f"KLayer.hand_gradients: no backward for {type(mod).__name__}")

        grads: dict[str, np.ndarray] = {}

        def add(mod: Any, attr: str, g: np.ndarray) -> None:  # (a shared module's uses add up)
            # a W the layer computes (pruned, parametrized) is no parameter: keyed by its layer,
            # "layers.0.W", as OneLayer's (a KeyError on its id before)
            p = getattr(mod, attr)
            q = names.get(id(p)) or f"{paths[id(mod)]}.{attr}"
            grads[q] = grads[q] + g if q in grads else g

        # a last ReLU (or ReLU then dropout) left H in its tape entry: softmax_ce_grad works
        # in place, so its mask 1[H > 0] read the sign of G instead (silently wrong grads)
        G = softmax_ce_grad(H.copy() if any(e[1] is H for e in tape) else H, y)
        for entry in reversed(tape):
            mod = entry[0]
            if isinstance(mod, Linear):
                W = mod.W.data
                # the L2 term once per weight, however many places share it
                dW, db = linear_grads(entry[1], G, W, lam if entry is first[id(mod)] else 0.0,
                                      bias=mod.b is not None)
                add(mod, "W", dW)
                if db is not None:
                    add(mod, "b", db)
                if entry is not tape[0]:  # no gradient needed for the input
                    G = G @ W
            elif isinstance(mod, Dropout):
                G *= entry[1]
            elif isinstance(mod, ReLU):
                G *= entry[1] > 0
            else:  # BatchNorm1d
                S_hat, sigma1, training = entry[1:]
                if mod.gamma is not None:
                    add(mod, "gamma", np.einsum("ij,ij->j", G, S_hat))
                if mod.beta is not None:
                    add(mod, "beta", G.sum(axis=0))
                G *= _gamma_of(mod) * sigma1  # G1 = G * gamma * sigma1
                if training:
                    c = np.einsum("ij,ij->j", G, S_hat) / G.shape[0]
                    G -= G.mean(axis=0)
                    G -= S_hat * c
        # order like named_parameters() (then the computed weights', which have no parameter)
        return {q: grads[q] for q in [*names.values(), *grads] if q in grads}


# the subclasses of BatchNorm1d and Dropout that take images, not rows
_IMAGES = (BatchNorm2d, BatchNorm3d, Dropout2d, Dropout3d)


def _batch_statistics(bn: BatchNorm1d) -> bool:
    """Does bn normalize by the batch's statistics, as its forward: in training, and in eval
    without running ones (track_running_stats=False). (hand_gradients took every eval-mode
    batch norm as affine: a TypeError on running_var None.) eps <= 0 is refused there, as
    the forward refuses it (one row of zero variance would divide by 0)."""
    batch = bn.training or bn.running_mean is None
    if bn.eps < 0 or (batch and bn.eps <= 0):
        raise ValueError(f"KLayer.hand_gradients: batch norm's eps must be positive with batch "
                         f"statistics and non-negative with running ones, got {bn.eps}")
    return batch


def _gamma_of(bn: BatchNorm1d) -> Any:
    """bn's scale gamma, 1 where it has none (affine=False: x_hat is not scaled)."""
    return 1.0 if bn.gamma is None else bn.gamma.data
