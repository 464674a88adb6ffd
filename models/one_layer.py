"""Assignment 1: a one-layer softmax classifier, S = X W^T + b, P = softmax(S).

Its graph (`loss`) and the course's hand-derived gradient (`hand_gradients`) sit side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_dl.nn import Linear, Sequential

from .classifier import Classifier, course_layers, linear_grads, softmax_ce_grad


class OneLayer(Classifier):
    """S = X W^T + b (W (K, d), the course's), P = softmax(S), J = mean CE + lam ||W||^2.

    Parameters: "layers.0.W" (K, d), "layers.0.b" (K,). The course draws W and b from
    N(0, 0.01^2); init="gaussian", std=0.01 draws W so and starts b at 0, as every init here
    does (also "xavier", "he").
    """

    name = "one-layer"
    # Assignment 1: lambda 0.1, eta 0.001, batch 100, 40 epochs, N(0, 0.01^2) init, train on
    # batch 1 / validate on batch 2
    defaults = {**Classifier.defaults}
    help_keys = ("lam", "eta", "n_batch", "epochs", "init", "split")
    weights_are_templates = True

    def __init__(
        self,
        d: int,
        K: int,
        lam: float = 0.0,
        init: str = "gaussian",
        std: float = 0.01,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__(d, K, lam, dtype)
        self.layers = Sequential(Linear(d, K, init=init, std=std, rng=rng, dtype=self.dtype))
        self._finish(d=self.d, K=self.K, init=init, std=float(std))

    @classmethod
    def from_params(cls, params: dict[str, Any], *, d: int, K: int,
                    rng: np.random.Generator, dtype: Any) -> OneLayer:
        p = params
        return cls(d, K, lam=p["lam"], init=p["init"], std=p["std"], rng=rng, dtype=dtype)

    def describe(self) -> str:
        return f"one-layer d={self.d} K={self.K}"

    def hand_gradients(self, X: Any, y: Any) -> dict[str, np.ndarray]:
        """The course's analytic gradient of J (rows are samples, Y one-hot (n, K)):

            S = X W^T + b,  P = softmax(S),  G = (P - Y) / n
            dJ/dW = G^T X + 2 lam W,  dJ/db = 1^T G
        """
        X, y = self._check_batch(X, y)
        (lin,) = course_layers(self, Linear)
        W = lin.W.data
        S = X @ W.T
        S += lin.b.data
        G = softmax_ce_grad(S, y)
        dW, db = linear_grads(X, G, W, self.lam)
        return {"layers.0.W": dW, "layers.0.b": db}
