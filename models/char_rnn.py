"""Assignment 4: a vanilla character-level RNN trained with BPTT, and text synthesis.

Row-vector convention, one-hot x_t (K,), hidden h_t (m,):
    a_t = x_t U + h_{t-1} W + b,   h_t = tanh(a_t),   o_t = h_t V + c,   p_t = softmax(o_t)
    L = sum_t -log p_t[y_t]        (summed over the sequence, as the course)
Its graph (`loss`, an explicit loop over t) and the course's BPTT (`hand_gradients`) sit side
by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_dl import Tensor, name_scope
from tinygrad_dl import functional as F
from tinygrad_dl.engine import literal
from tinygrad_dl.functional.methods import number_arg
from tinygrad_dl.ops import Tap
from tinygrad_dl.ops.loss import outside
from tinygrad_dl.random import as_rng
from tinygrad_dl.tensor import plain_array

from .base import CourseModel, Loop, integer, real_numbers


class CharRNN(CourseModel):
    """Vanilla RNN over K characters with m hidden units.

    Parameters U (K, m), W (m, m), V (m, K), b (m,), c (K,); the course's init:
    U, W, V ~ N(0, std^2) with std = 0.01, b = c = 0. fused=True runs the recurrence as the
    single `tinygrad_dl.rnn` op (same values and gradients, one graph node instead of ~4 per step).
    """

    name = "char-rnn"
    loop = Loop.SEQUENCE
    # Assignment 4: m = 100, AdaGrad eta 0.1, seq_length 25, clip to [-5, 5]
    defaults = {
        "m": 100, "eta": 0.1, "seq_length": 25, "n_updates": 100_000, "epochs": None,
        "clip": 5.0, "sample_every": 10_000, "sample_length": 200, "temperature": 1.0,
        "log_every": None, "dtype": "float64", "optimizer": "adagrad", "restore_best": False,
    }
    help_keys = ("m", "eta", "seq_length", "n_updates", "clip", "sample_every")

    def __init__(
        self,
        K: int,
        m: int = 100,
        std: float = 0.01,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
        fused: bool = False,
    ) -> None:
        super().__init__()
        rng = as_rng(rng)  # the given generator, else the default one (tinygrad_dl.random)
        self.K, self.m = integer("CharRNN", "K", K, 1), integer("CharRNN", "m", m, 1)
        self.std = float(std)
        if not 0 <= self.std < np.inf:  # (NaN / inf drew NaN / inf weights without a word)
            raise ValueError(f"CharRNN: std must be a finite number >= 0, got {std}")
        self.dtype = np.dtype(dtype)
        self.fused = bool(fused)

        def gauss(*shape: int) -> Tensor:
            w = (rng.standard_normal(shape) * self.std).astype(self.dtype, copy=False)
            return Tensor(w, requires_grad=True)

        self.U = gauss(self.K, self.m)
        self.W = gauss(self.m, self.m)
        self.V = gauss(self.m, self.K)
        self.b = Tensor(np.zeros(self.m, dtype=self.dtype), requires_grad=True)
        self.c = Tensor(np.zeros(self.K, dtype=self.dtype), requires_grad=True)
        self.h_last: np.ndarray | None = None  # final hidden state of the last loss()/forward()
        self.last_loss: float | None = None  # the loss of the last hand_gradients() call
        self.name_parameters()

    @classmethod
    def from_params(cls, params: dict[str, Any], *, d: int, K: int,
                    rng: np.random.Generator, dtype: Any) -> CharRNN:
        """d = K = the vocabulary size."""
        return cls(K, m=params["m"], rng=rng, dtype=dtype)

    def describe(self) -> str:
        return f"char-rnn K={self.K} m={self.m}"

    def config(self) -> dict[str, Any]:
        return {"K": self.K, "m": self.m, "std": self.std, "dtype": self.dtype.name,
                "fused": self.fused}

    # ---- inputs --------------------------------------------------------------------------
    def _indices(self, X: Any, what: str = "X", in_python: bool = True) -> np.ndarray:
        """X as a 1-D int index array; its range is checked here when `in_python`, else by an
        op of the graph (forward's Tap, the rnn op, cross_entropy), so that a replayed step
        (jit), which runs no Python of the step, checks each call's indices too (a check
        here would be skipped, and U[X] would wrap a -1 around)."""
        X = plain_array(X.data if isinstance(X, Tensor) else X)  # (a view jit sees as X)
        if X.ndim != 1 or X.size == 0 or X.dtype.kind not in "iu":
            raise ValueError(f"CharRNN: {what} must be a non-empty 1-D int index array, "
                             f"got shape {X.shape} dtype {X.dtype}")
        if in_python:
            self._in_range(X, what)
        return X

    def _in_range(self, X: np.ndarray, what: str = "X") -> None:
        if outside(X, self.K):  # (one pass over X where its dtype allows: run every step)
            raise ValueError(f"CharRNN: {what} indices must lie in [0, {self.K}), "
                             f"got {X.min()}..{X.max()}")

    def _h0(self, h0: Any) -> np.ndarray:
        if h0 is None:  # a constant, not data: a jit recording may keep it
            return literal(np.zeros(self.m, dtype=self.dtype))
        # (a complex h0 lost its imaginary part in the cast, with only NumPy's ComplexWarning)
        h0 = real_numbers("CharRNN", "h0", plain_array(h0.data if isinstance(h0, Tensor) else h0))
        h0 = h0.astype(self.dtype, copy=False)
        if h0.shape != (self.m,):
            raise ValueError(f"CharRNN: h0 must have shape ({self.m},), got {h0.shape}")
        return h0

    def _h0_tensor(self, h0: Tensor) -> Tensor:
        """h0 (m,) that requires grad, in the model's dtype through the recorded cast."""
        if h0.data.shape != (self.m,):
            raise ValueError(f"CharRNN: h0 must have shape ({self.m},), got {h0.shape}")
        return h0 if h0.data.dtype == self.dtype else h0.astype(self.dtype)

    # ---- the graph -----------------------------------------------------------------------
    def step(self, a_t: Tensor, h: Tensor) -> Tensor:
        """One step of the recurrence: h_t = tanh(a_t + h_{t-1} W), a_t = x_t U + b (1, m)."""
        return (a_t + h @ self.W).tanh()

    def recurrence(self, A: Tensor, h: Tensor) -> Tensor:
        """H (T, m): the hidden states h_1..h_T from the input terms A (T, m) and h_0 (1, m)."""
        hs = []
        for t in range(A.shape[0]):
            with name_scope(f"t={t}"):
                h = self.step(A[t : t + 1], h)
            hs.append(h)
        return F.concatenate(hs, axis=0)

    def forward(self, X: Any, h0: Any = None) -> Tensor:
        """Logits O (T, K) for the input indices X (T,), from h0 (zeros if None).

        x_t U with a one-hot x_t is row x_t of U, so U[X] (a gather) equals onehot(X) @ U and
        A = U[X] + b holds every step's input term at once. Sets self.h_last = h_T.
        """
        X = self._indices(X, in_python=False)
        # an h0 that requires grad stays in the graph (a learned initial state gets its
        # gradient, as in PyTorch; its .data alone left h0.grad None, never trained)
        h0 = self._h0_tensor(h0) if isinstance(h0, Tensor) and h0.requires_grad else \
            self._h0(h0)
        if self.fused:  # (the rnn op checks its indices itself)
            H = F.rnn(X, self.U, self.W, self.b, h0)
        else:
            Tap.apply(Tensor(X), fn=self._in_range)  # a bound method: equal call to call
            A = self.U[X] + self.b
            # h0 as a (1, m) row through a Reshape op, not a NumPy view: a jit recording then
            # sees the caller's h0 array itself, a per-step input
            h0 = h0 if isinstance(h0, Tensor) else Tensor(h0)
            H = self.recurrence(A, h0.reshape(1, self.m))
        Tap.apply(H, fn=self._keep_last)  # an op, so a replayed step (jit) sets h_last too
        return H @ self.V + self.c

    def _keep_last(self, H: np.ndarray) -> None:
        # a plain attribute (no Module registry, no version bump): replay runs this every step
        self.__dict__["h_last"] = H[-1].copy()

    def loss(self, X: Any, Y: Any, h0: Any = None) -> Tensor:
        """Sum over t of -log p_t[y_t]; X, Y: input and next-character target indices (T,)."""
        Y = self._indices(Y, "Y", in_python=False)  # (cross_entropy checks the labels)
        n_x = len(np.asarray(X))
        if len(Y) != n_x:
            raise ValueError(f"CharRNN.loss: X and Y must have the same length, got "
                             f"{n_x} and {len(Y)}")
        return F.cross_entropy(self(X, h0), Y, reduction="sum")

    # ---- the course's BPTT, in NumPy -----------------------------------------------------
    def hand_gradients(self, X: Any, Y: Any, h0: Any = None) -> dict[str, np.ndarray]:
        """Full backprop through time of the summed loss (rows are time steps):

            G = P - Y_onehot                     dL/do_t = p_t - y_t
            dV = H^T G,  dc = 1^T G
            dh_t = dL/do_t V^T + da_{t+1} W^T    (no second term at t = T)
            da_t = dh_t * (1 - h_t^2)
            dW = H_prev^T dA  (H_prev rows h_0..h_{T-1}),  db = 1^T dA,
            dU = onehot(X)^T dA                  (row x_t of dU gets da_t)
        Sets self.h_last = h_T, like loss(), and self.last_loss = L (a float), the value
        loss() would return, so a hand-written training loop has its loss for free.
        """
        X, Y = self._indices(X), self._indices(Y, "Y")
        if len(X) != len(Y):
            raise ValueError(f"CharRNN.hand_gradients: X and Y lengths differ ({len(X)}, "
                             f"{len(Y)})")
        self.refresh_pruned()  # (a pruned W: the one forward computes now)
        U, W, V, b, c = (p.data for p in (self.U, self.W, self.V, self.b, self.c))
        T = len(X)
        Hp = np.empty((T + 1, self.m), dtype=self.dtype)  # rows h_0, h_1, ..., h_T
        Hp[0] = self._h0(h0)
        A = U[X]
        A += b
        for t in range(T):
            a = A[t] + Hp[t] @ W
            np.tanh(a, out=Hp[t + 1])
        H = Hp[1:]
        self.h_last = H[-1].copy()

        G = H @ V
        G += c
        G -= G.max(axis=1, keepdims=True)
        rows = np.arange(T)
        picked = G[rows, Y]  # shifted target logits, for the loss
        np.exp(G, out=G)
        total = G.sum(axis=1, keepdims=True)
        # the loss too, as loss() computes it (a training loop logs it every update, for the
        # smooth loss): sum_t log sum_k exp(o_tk - max) - (o_t[y_t] - max); 3 small NumPy calls
        losses = np.log(total[:, 0])
        losses -= picked
        self.last_loss = float(losses.sum())
        G /= total
        G[rows, Y] -= 1.0
        dV = H.T @ G
        dc = G.sum(axis=0)

        dA = G @ V.T  # dL/dh_t through o_t; becomes da_t in place
        dtanh = 1.0 - H * H
        WT = W.T
        dA[T - 1] *= dtanh[T - 1]
        for t in range(T - 2, -1, -1):
            dA[t] += dA[t + 1] @ WT
            dA[t] *= dtanh[t]
        dW = Hp[:-1].T @ dA
        db = dA.sum(axis=0)
        dU = F.one_hot(X, self.K, dtype=self.dtype).T @ dA
        return {"U": dU, "W": dW, "V": dV, "b": db, "c": dc}

    # ---- sampling ------------------------------------------------------------------------
    def synthesize(
        self,
        h0: Any,
        x0: int,
        n: int,
        temperature: float = 1.0,
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        """n character indices sampled one at a time, each fed back as the next input.

        p = softmax(o_t / temperature); temperature 0 takes the argmax (greedy), small
        temperatures approach it, large ones flatten p. x0 is the first input's index.
        NumPy on the weights, not a forward: the model's hooks do not run (a pruned W is
        recomputed first, as forward's pre-hook would).
        """
        # int() would truncate a float (x0 2.7 read as 2, n 2.5 as 2 samples): integers only
        x, n = integer("CharRNN.synthesize", "x0", x0), integer("CharRNN.synthesize", "n", n)
        if not 0 <= x < self.K:
            raise ValueError(f"CharRNN.synthesize: x0 must be in [0, {self.K}), got {x0}")
        if n < 0:
            raise ValueError(f"CharRNN.synthesize: n must be >= 0, got {n}")
        # (True sampled at temperature 1; a str failed at its comparison with 0)
        number_arg("CharRNN.synthesize", "temperature", temperature)
        if not temperature >= 0:  # (NaN too: it sampled the last character every step)
            raise ValueError(f"CharRNN.synthesize: temperature must be >= 0, got {temperature}")
        rng = as_rng(rng)  # the given generator, else the default one (tinygrad_dl.random)
        self.refresh_pruned()  # (a pruned W: the one forward computes now, not the last one's)
        U, W, V, b, c = (p.data for p in (self.U, self.W, self.V, self.b, self.c))
        h = self._h0(h0)
        out = np.empty(n, dtype=np.int64)
        for i in range(n):
            h = np.tanh(U[x] + h @ W + b)
            o = h @ V + c
            if temperature == 0:
                x = int(np.argmax(o))  # (the first NaN, where there is one)
                if not np.isfinite(o[x]):
                    self._not_finite(i)
            else:
                # shifted first, in float64: o / T rounded to the ulp of |o| / T (o ~ 10, a
                # float32 T of 6e-7 or a float16 one of 5e-3: a p of 0.18 drawn as 0.27), a
                # float32 T of 1e-300 was 0, and T ~ 1e-320 overflowed (inf - inf = NaN); the
                # max's z is 0 and the others' under ~-745 underflow to p = 0 (T 1: the same bits)
                with np.errstate(over="ignore", invalid="ignore"):
                    z = (o.astype(np.float64, copy=False) - o.max()) / temperature
                p = np.exp(z)  # (NaN/+inf scores: NaN)
                cp = np.cumsum(p, dtype=np.float64)  # (in float32 a char of p < 6e-8 was
                # lost in the running sum, never drawn; one of 1e-6 drawn up to 6% off)
                if not np.isfinite(cp[-1]):  # NaN/+inf scores: searchsorted took the last one
                    self._not_finite(i)
                x = min(int(np.searchsorted(cp, rng.random() * cp[-1], side="right")), self.K - 1)
            out[i] = x
        return out

    def _not_finite(self, i: int) -> None:
        raise ValueError(f"CharRNN.synthesize: the scores o_t at character {i} are not finite "
                         "(NaN/inf in the weights or h0, e.g. a diverged model): there is no "
                         "distribution to sample from")

