"""Assignment 2: a two-layer ReLU network, H = max(0, X W1^T + b1), S = H W2^T + b2.

Its graph (`loss`) and the course's hand-derived gradient (`hand_gradients`) sit side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_dl.nn import Linear, ReLU, Sequential
from tinygrad_dl.random import as_rng

from .base import integer
from .classifier import Classifier, course_layers, linear_grads, softmax_ce_grad


class TwoLayer(Classifier):
    """H = ReLU(X W1^T + b1) (W1 (m, d)), S = H W2^T + b2 (W2 (K, m)), P = softmax(S),
    J = mean CE + lam (||W1||^2 + ||W2||^2).

    Parameters: "layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b" (layers.1 is the
    ReLU). init="he" draws W ~ N(0, 2/d_in); "xavier" N(0, 1/d_in) (the course's 1/sqrt(d)
    for W1 and 1/sqrt(m) for W2); "gaussian" N(0, std^2). Biases start at 0.
    """

    name = "two-layer"
    # Assignment 2: m = 50, W_l ~ N(0, 1/d_in), cyclical eta 1e-5..1e-1,
    # n_s = 2 floor(n / n_batch), 3 cycles; trains on all five batches less val_size
    defaults = {**Classifier.defaults, "m": 50, "lam": 0.01, "schedule": "cyclic", "cycles": 3,
                "init": "xavier", "split": "all"}
    help_keys = ("m", "lam", "eta_min", "eta_max", "cycles", "n_batch", "init", "split")

    def __init__(
        self,
        d: int,
        m: int,
        K: int,
        lam: float = 0.0,
        init: str = "he",
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
        *,
        std: float = 0.01,
    ) -> None:
        super().__init__(d, K, lam, dtype)
        rng = as_rng(rng)  # the given generator, else the default one (tinygrad_dl.random)
        # (0 failed deep in the init with ZeroDivisionError; int() truncated m=2.5 to 2)
        self.m = integer("TwoLayer", "m (hidden units)", m, 1)
        self.layers = Sequential(
            Linear(d, m, init=init, std=std, rng=rng, dtype=self.dtype),
            ReLU(),
            Linear(m, K, init=init, std=std, rng=rng, dtype=self.dtype),
        )
        self._finish(d=self.d, m=self.m, K=self.K, init=init, std=float(std))

    @classmethod
    def from_params(cls, params: dict[str, Any], *, d: int, K: int,
                    rng: np.random.Generator, dtype: Any) -> TwoLayer:
        p = params
        return cls(d, p["m"], K, lam=p["lam"], init=p["init"], std=p["std"], rng=rng,
                   dtype=dtype)

    def describe(self) -> str:
        return f"two-layer d={self.d} m={self.m} K={self.K}"

    def hand_gradients(self, X: Any, y: Any) -> dict[str, np.ndarray]:
        """The course's backprop for the two-layer net (rows are samples, Y one-hot):

            H = max(0, X W1^T + b1),  P = softmax(H W2^T + b2),  G = (P - Y) / n
            dW2 = G^T H + 2 lam W2,  db2 = 1^T G
            G = G W2 * 1[H > 0]
            dW1 = G^T X + 2 lam W1,  db1 = 1^T G
        """
        X, y = self._check_batch(X, y)
        l1, _, l2 = course_layers(self, Linear, ReLU, Linear)
        W1, W2 = l1.W.data, l2.W.data
        H = X @ W1.T
        H += l1.b.data
        np.maximum(H, 0.0, out=H)
        S = H @ W2.T
        S += l2.b.data
        G = softmax_ce_grad(S, y)
        dW2, db2 = linear_grads(H, G, W2, self.lam)
        G = G @ W2
        G *= H > 0
        dW1, db1 = linear_grads(X, G, W1, self.lam)
        return {"layers.0.W": dW1, "layers.0.b": db1, "layers.2.W": dW2, "layers.2.b": db2}
