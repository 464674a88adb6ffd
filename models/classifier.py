"""What the three image classifiers share: the cost J = mean cross-entropy + lam * sum ||W||^2,
prediction, accuracy, config, and the NumPy pieces their hand-derived gradients reuse.

Each classifier holds `self.layers`, a Sequential whose Linear layers carry the L2-penalised
weights (biases and batch-norm gamma/beta are not penalised).
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

import numpy as np

from tinygrad_dl import Tensor, engine, hooks, name_scope, no_grad
from tinygrad_dl import functional as F
from tinygrad_dl.nn import Linear, Module, module_hooks
from tinygrad_dl.ops.loss import check_labels
from tinygrad_dl.tensor import plain_array

from .base import CourseModel, Loop, integer, real_numbers


class Classifier(CourseModel):
    """Base of OneLayer, TwoLayer, KLayer: subclasses build `self.layers` and `hand_gradients`."""

    loop = Loop.MINIBATCH
    # the course's settings shared by the classifiers (assignment 1's); subclasses update them
    defaults: ClassVar[dict[str, Any]] = {
        "lam": 0.1, "n_batch": 100, "epochs": 40, "eta": 0.001, "schedule": "constant",
        "cycles": 1, "eta_min": 1e-5, "eta_max": 1e-1, "n_s": None, "split": "batch1",
        "val_size": 1000, "dtype": "float64", "clip": None, "clip_norm": None,
        "optimizer": "sgd", "momentum": 0.0, "n_updates": None, "eval_every": None,
        "restore_best": False, "init": "gaussian", "std": 0.01,
        # the course's loop (`for j = 1:n/n_batch`) forms full batches only: the remainder of
        # each shuffled epoch is left out (PyTorch's DataLoader keeps it: drop_last=False)
        "drop_last": True,
        # the bonus exercises' data augmentation, off as in the assignments' main runs
        "flip": 0.0, "translate": 0,
    }
    # a cyclical schedule's n_s defaults to n_s_epochs * floor(n / n_batch)
    n_s_epochs: ClassVar[int] = 2
    # its weights W (K, d) hold one template per class, row k (weights.png after training)
    weights_are_templates: ClassVar[bool] = False

    def __init__(self, d: int, K: int, lam: float, dtype: Any) -> None:
        super().__init__()
        who = type(self).__name__
        if isinstance(lam, (bool, np.bool_)) or not isinstance(
                lam, (int, float, np.integer, np.floating)):  # ('0.1' failed on `<=` unnamed)
            raise TypeError(f"{who}: lam must be a number, got {lam!r}")
        if not 0 <= lam < np.inf:  # (NaN passed `lam < 0`: a NaN cost from the first update)
            raise ValueError(f"{who}: lam must be a finite number >= 0, got {lam}")
        # (int() truncated: d=3072.5 built 3072 inputs)
        self.d, self.K, self.lam = integer(who, "d", d, 1), integer(who, "K", K, 1), float(lam)
        self.dtype = np.dtype(dtype)
        self._config: dict[str, Any] = {}

    def _finish(self, **config: Any) -> None:
        """Record the JSON-able constructor kwargs and give parameters their qualified names."""
        self._config = config
        self.name_parameters()

    # the layers whose weights W the L2 term penalises (ConvNet adds its Conv2d filters)
    penalised: ClassVar[tuple[type[Module], ...]] = (Linear,)

    @property
    def linears(self) -> list[Module]:
        """The layers whose W the L2 term penalises, read off self.layers at every call: a
        layer replaced after construction (`model.layers[2] = Linear(...)`) is the one the
        cost penalises (a list kept from __init__ penalised the old one, without a word).
        A layer used in several places (a tied Linear) is listed once: its W is one weight
        (listed twice, the cost's gradient held 4 lam W for it, hand_gradients' 2 lam W)."""
        return list({id(m): m for m in self.layers if isinstance(m, self.penalised)}.values())

    # ---- the graph ---------------------------------------------------------------------------
    def _input(self, X: Any) -> Tensor:
        if type(X) is np.ndarray and X.dtype == self.dtype:  # a batch as given: no conversion
            X = Tensor(X)
        elif not isinstance(X, Tensor):
            # (a view jit sees: tensor.plain_array)
            X = Tensor(_real(self, "forward", plain_array(X)), dtype=self.dtype)
        elif X.data.dtype != self.dtype:
            _real(self, "forward", X.data)
            # a Tensor is converted as an array is (and as hand_gradients does), or a float64
            # batch would make a float32 model compute in float64 without a word; through the
            # recorded cast, so an input that requires grad still gets its gradient
            X = X.astype(self.dtype)
        shape = X.data.shape
        if len(shape) != 2 or shape[1] != self.d:
            raise ValueError(
                f"{type(self).__name__}: expected X of shape (n, {self.d}), one row per sample; "
                f"got {X.shape}" + (" (the course's d x n, one column per sample: pass X.T)"
                                    if len(shape) == 2 and shape[0] == self.d else "")
            )
        return X

    def layer_groups(self) -> list[list[Module]]:
        """The course's layers: each Linear with the modules after it (BN, ReLU, Dropout)."""
        groups: list[list[Module]] = []
        for m in self.layers:
            if isinstance(m, Linear) or not groups:
                groups.append([])
            groups[-1].append(m)
        return groups

    def course_names(self) -> dict[str, str]:
        """Qualified parameter name -> the course's name: layers.3.W -> W2, layers.4.gamma ->
        gamma2 (layers numbered from 1, as in the assignments; one layer: plain W, b)."""
        qualified = {id(p): q for q, p in self.named_parameters()}
        groups = self.layer_groups()
        return {qualified[id(p)]: name + (str(l) if len(groups) > 1 else "")
                for l, group in enumerate(groups, 1)
                for m in group for name, p in m.named_parameters()}

    def forward(self, X: Any) -> Tensor:
        """Logits S (n, K)."""
        h = self._input(X)
        layers = self.layers
        if layers._hooks:  # hooks on the Sequential itself run, as torch's self.layers(h) runs
            # them (skipped before: a forward hook never called, its returned output dropped)
            engine.notify_module(layers)
            return module_hooks.call(layers, self._layers, (h,), {})
        return self._layers(h)

    def _layers(self, h: Tensor) -> Tensor:
        """self.layers' forward, course layer by course layer."""
        # one name scope per course layer ("layer 3": its Linear, BN, ReLU, Dropout), so a
        # drawn graph reads layer 1..9; each module's own scope would be a Sequential index.
        # The groups are read off self.layers at every call: ones kept from __init__ ran the
        # old modules after `model.layers[i] = ...` (no gradient for the new layer's weights).
        # A module with hooks is called (its hooks run, as torch's: a forward hook, a pruned
        # layer's pre-hook computing W = W_orig * mask, skipped by forward() alone)
        for l, group in enumerate(self.layer_groups(), 1):
            with name_scope(f"layer {l}"):
                for m in group:
                    h = m(h) if m._hooks else m.forward(h)
        return h

    def cross_entropy(self, X: Any, y: Any) -> Tensor:
        """Mean cross-entropy of the logits against class indices y (n,), without L2."""
        return F.cross_entropy(self(X), plain_array(y))

    def loss(self, X: Any, y: Any) -> Tensor:
        """The cost J = mean cross-entropy + lam * sum of squared weights (not biases/BN)."""
        if not self.lam:
            return self.cross_entropy(X, y)
        # the L2 term first: recorded first, its backward (2 lam W, a pass over each weight)
        # runs last, after the first layer's dW = G^T X, which then finds X still in cache
        # (as the hand-written step, which adds 2 lam W after that product). J is the same
        # sum bit for bit: one addition of two numbers, in either order.
        lins = self.linears
        if any(lin._hooks for lin in lins):
            # a pre-hook may compute W in forward (a pruned layer's W_orig * mask): the L2 term
            # reads that W after it (before, the last call's: stale after a step, graph freed)
            ce = self.cross_entropy(X, y)
            return ce + F.sum_of_squares(*[lin.W for lin in lins], scale=self.lam)
        l2 = F.sum_of_squares(*[lin.W for lin in lins], scale=self.lam)
        return self.cross_entropy(X, y) + l2

    # ---- evaluation --------------------------------------------------------------------------
    def predict(self, X: Any) -> np.ndarray:
        """Class labels (n,) int64, in eval mode (running BN statistics, no dropout); every
        module is left in the mode it was in."""
        with self.evaluating(), no_grad():
            out = self(X)
        # the model's values handed to Python (accuracy's float): inside a jitted step, replay
        # would return the recorded ones, so a recording hears of it as of float(t)
        hooks.notify_read(out, "predict() (or accuracy())")
        return out.data.argmax(axis=1).astype(np.int64)

    def accuracy(self, X: Any, y: Any) -> float:
        """The fraction of rows of X whose predicted class is y's: class indices (n,), or
        one-hot / soft rows (n, K) (their argmax), as cross_entropy takes them."""
        pred = self.predict(X)
        if not len(pred):  # (np.mean of nothing: NaN, with NumPy's "Mean of empty slice")
            raise ValueError(f"{type(self).__name__}.accuracy: no samples (X of shape "
                             f"{tuple(np.shape(X))}): the fraction correct of none is undefined")
        return float(np.mean(pred == self.labels(y, len(pred), "accuracy")))

    def labels(self, y: Any, n: int, who: str) -> np.ndarray:
        """Class indices (n,) in [0, K) from y (indices, or rows of K class scores: their
        argmax); another shape is a ValueError (NumPy would broadcast it into a wrong mean)."""
        # (np.asarray read a masked array's values under its mask: loss() refuses it)
        y = plain_array(y.data if isinstance(y, Tensor) else y,
                        who=f"{type(self).__name__}.{who}: y")
        # rows of any number type, as loss() (cross_entropy) reads them: integer one-hot rows
        # (np.eye(K, dtype=int)[y]) were refused here while the cost took them
        if y.ndim == 2 and y.shape == (n, self.K):
            y = y.argmax(axis=1) if y.dtype.kind in "fbiu" else _not_numbers(self, who, y)
        if y.shape != (n,):
            raise ValueError(f"{type(self).__name__}.{who}: expected labels (n,) = ({n},) or "
                             f"one-hot rows ({n}, {self.K}), got shape {y.shape}")
        check_labels(f"{type(self).__name__}.{who}", y, self.K)
        return y

    def config(self) -> dict[str, Any]:
        """JSON-able constructor kwargs: `type(model)(**model.config())` rebuilds it."""
        return {**self._config, "lam": self.lam, "dtype": self.dtype.name}

    # ---- shared pieces of the hand-derived backward pass -------------------------------------
    def _check_batch(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        # (np.asarray read a masked array's values under its mask, where loss() refuses it)
        X = plain_array(X.data if isinstance(X, Tensor) else X, who=_HAND_X)
        if X.dtype != self.dtype:
            _real(self, "hand_gradients", X)
            X = X.astype(self.dtype)
        y = plain_array(y.data if isinstance(y, Tensor) else y, who=_HAND_Y)
        # class indices (n,), or rows (n, K) of class probabilities (one-hot: the course's Y),
        # as loss() takes them (rows were refused here while the cost took them)
        rows = X.ndim == 2 and y.shape == (X.shape[0], self.K)
        if rows and y.dtype.kind not in "fbiu":
            _not_numbers(self, "hand_gradients", y)
        if X.ndim != 2 or X.shape[1] != self.d or not (rows or y.shape == (X.shape[0],)):
            raise ValueError(
                f"{type(self).__name__}.hand_gradients: expected X (n, {self.d}) and y (n,) "
                f"(or one-hot / soft rows (n, {self.K})), got {X.shape} and {y.shape}"
            )
        if not len(y):  # as loss() refuses it (softmax_ce_grad's 1 / n: ZeroDivisionError)
            raise ValueError(f"{type(self).__name__}.hand_gradients: empty batch (X of shape "
                             f"{X.shape}): the mean cost over no samples is undefined")
        self.refresh_pruned()  # (a pruned W: the one forward computes now)
        if rows:
            return X, y.astype(self.dtype)
        # as loss() does: a label -1 would pick the last class (S[rows, y] -= 1) silently
        check_labels(f"{type(self).__name__}.hand_gradients", y, self.K)
        return X, y


_HAND_X, _HAND_Y = "hand_gradients: X", "hand_gradients: y"  # (masked arrays' refusals)


def _real(model: Classifier, who: str, X: np.ndarray) -> np.ndarray:
    """X, refused in one line unless it holds real numbers (base.real_numbers)."""
    return real_numbers(f"{type(model).__name__}.{who}", "X", X)


def _not_numbers(model: Classifier, who: str, y: np.ndarray) -> NoReturn:
    """Refuse label rows (n, K) that hold no numbers (complex, str, object), as cross_entropy
    does (the message named their shape, which was right)."""
    raise ValueError(f"{type(model).__name__}.{who}: one-hot / soft label rows {y.shape} must "
                     f"hold real numbers, got dtype {y.dtype}")


def course_layers(model: Classifier, *kinds: type[Module]) -> list[Module]:
    """model.layers as a list, refused in one line unless they are `kinds` in order, each
    Linear with its bias: the architecture a hand-derived backward is written for. (loss()
    runs whatever self.layers holds; a ReLU replaced by another module was still taken as a
    ReLU here, and a Linear without bias failed on None.data.)"""
    layers = list(model.layers)
    # (one Linear in two places, d = m = K: its gradient was one use's, keyed by both names)
    shared = len(layers) > 1 and len({id(m) for m in layers}) != len(layers)
    if len(layers) != len(kinds) or shared or not all(
            isinstance(m, k) and (k is not Linear or m.b is not None)
            for m, k in zip(layers, kinds)):
        raise TypeError(
            f"{type(model).__name__}.hand_gradients: the course's backward is written for the "
            f"layers {', '.join(k.__name__ for k in kinds)} (each Linear its own, with a bias); "
            f"model.layers now holds " + ", ".join(
                type(m).__name__ + (" (bias=False)" if isinstance(m, Linear) and m.b is None
                                    else "") for m in layers)
            + (" (one module in two places)" if shared else ""))
    return layers


def softmax_ce_grad(S: np.ndarray, y: np.ndarray) -> np.ndarray:
    """G = dJ/dS for J = mean CE(softmax(S), y): (P - Y_onehot) / n, computed in place in S.
    y: class indices (n,), or rows Y (n, K) of class probabilities: (P * (1^T Y) - Y) / n,
    the course's P - Y where each row of Y sums to 1 (the same bits for one-hot rows)."""
    n = S.shape[0]
    S -= S.max(axis=1, keepdims=True)
    np.exp(S, out=S)
    S /= S.sum(axis=1, keepdims=True)  # S now holds P
    if y.ndim == 2:
        S *= y.sum(axis=1, keepdims=True)
        S -= y
    else:
        S[np.arange(n), y] -= 1.0
    S *= 1.0 / n
    return S


def linear_grads(
    H: np.ndarray, G: np.ndarray, W: np.ndarray, lam: float, bias: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """dW = G^T H + 2 lam W and db = 1^T G for S = H W^T + b (G = dJ/dS, already / n):
    the course's dJ/dW = G_batch X^T / n + 2 lam W, with rows as samples."""
    dW = G.T @ H
    if lam:
        dW += (2.0 * lam) * W
    return dW, (G.sum(axis=0) if bias else None)
