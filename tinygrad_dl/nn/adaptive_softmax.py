"""PyTorch's nn.AdaptiveLogSoftmaxWithLoss (Grave et al.'s adaptive softmax): a head Linear over
the shortlist of frequent classes plus one logit per tail cluster, each cluster a two-Linear
projection (in_features -> in_features // div_value^(i+1) -> cluster size, no biases). Its
parameters and state_dict keys are torch's (head, tail.i.0, tail.i.1), each Linear initialised
as torch's default, so a torch module's state_dict loads here and gives torch's numbers."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..functional.joins import concatenate
from ..tensor import Tensor
from .containers import ModuleList
from .layers import Linear, Sequential
from .module import Module

# torch's _ASMoutput: forward's (output, loss), readable as .output and .loss
ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


def _cutoffs(cutoffs: Any, n_classes: int) -> list[int]:
    try:
        cuts = list(cutoffs)
    except TypeError:
        raise TypeError(f"AdaptiveLogSoftmaxWithLoss: cutoffs must be a sequence of ints, got "
                        f"{cutoffs!r}") from None
    if not cuts:
        raise ValueError("cutoffs should be a sequence of length larger than 0")
    if (cuts != sorted(cuts) or min(cuts) <= 0 or max(cuts) > n_classes - 1
            or len(set(cuts)) != len(cuts) or any(int(c) != c for c in cuts)):
        raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in "
                         "an increasing order, where each value is between 1 and n_classes-1")
    return [int(c) for c in cuts]


class AdaptiveLogSoftmaxWithLoss(Module):
    """`AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=4.0,
    head_bias=False)`: forward(input (N, in_features) or (in_features,), target (N,) or ())
    gives (output, loss): output the log-probability of each row's target, loss the mean of
    -output; log_prob(input) every class's log-probability, predict(input) the likeliest
    class."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Any, div_value: float = 4.0,
                 head_bias: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        cuts = _cutoffs(cutoffs, n_classes)
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cuts + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device,
                           dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(
                Linear(in_features, hsz, bias=False, device=device, dtype=dtype),
                Linear(hsz, osz, bias=False, device=device, dtype=dtype)))

    def reset_parameters(self) -> None:
        """Each Linear drawn afresh, as torch's default."""
        for lin in [self.head] + [m for seq in self.tail for m in seq]:
            fresh = Linear(lin.in_features, lin.out_features, bias=lin.b is not None,
                           dtype=lin.W.dtype)
            lin.W.data[...] = fresh.W.data
            if lin.b is not None:
                lin.b.data[...] = fresh.b.data

    def forward(self, input: Tensor, target: Any) -> Any:  # noqa: A002
        x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
        t = np.asarray(target.data if isinstance(target, Tensor) else target)
        if t.ndim == 1:
            if x.shape[0] != t.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch "
                                   "dimension.")
            if x.ndim != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found "
                                   f"inputs with size {tuple(x.shape)}")
        elif t.ndim == 0:
            if x.ndim != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found "
                                   f"inputs with size {tuple(x.shape)}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if x.shape[-1] != self.in_features:  # (else a tail Linear's shapes were named)
            raise RuntimeError(f"AdaptiveLogSoftmaxWithLoss: expected input (N, "
                               f"{self.in_features}) or ({self.in_features},), got "
                               f"{tuple(x.shape)}")
        if t.dtype.kind not in "iu":
            raise TypeError(f"AdaptiveLogSoftmaxWithLoss: target must hold integers, got "
                            f"{t.dtype}")
        batched = t.ndim > 0
        if not batched:
            x, t = x.reshape((1,) + tuple(x.shape)), t.reshape(1)
        n = t.shape[0]
        if n and ((t < 0).any() or (t >= self.n_classes).any()):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{t.min()}, {t.max()}] were found. ")
        gather = t.copy()
        pieces, order = [], []
        bounds = [0] + self.cutoffs
        for i in range(len(bounds) - 1):
            rows = np.flatnonzero((t >= bounds[i]) & (t < bounds[i + 1]))
            if rows.size == 0:
                continue
            if i == 0:
                pieces.append(Tensor(np.zeros(rows.size, dtype=x.dtype)))
            else:
                gather[rows] = self.shortlist_size + i - 1
                logp = self.tail[i - 1](x[rows]).log_softmax(dim=1)
                pieces.append(logp.take_along_dim((t[rows] - bounds[i])[:, None],
                                                  axis=1).reshape(rows.size))
            order.append(rows)
        head = self.head(x).log_softmax(dim=1)
        picked = head.take_along_dim(gather[:, None], axis=1).reshape(n)
        if pieces:
            inverse = np.argsort(np.concatenate(order), kind="stable")
            output = concatenate(pieces)[inverse] + picked
        else:
            output = picked
        loss = (-output).mean()
        return ASMoutput(output if batched else output.reshape(()), loss)

    def _full_log_prob(self, x: Tensor, head_output: Tensor) -> Tensor:
        head = head_output.log_softmax(dim=1)
        parts = [head[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            logp = self.tail[i](x).log_softmax(dim=1)
            parts.append(logp + head[:, self.shortlist_size + i:self.shortlist_size + i + 1])
        return concatenate(parts, axis=1)

    def _rows(self, who: str, input: Any) -> Tensor:  # noqa: A002
        x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
        if x.ndim != 2 or x.shape[1] != self.in_features:  # (torch: an IndexError on 1-d)
            raise ValueError(f"AdaptiveLogSoftmaxWithLoss.{who}: expected input (N, "
                             f"{self.in_features}), got {tuple(x.shape)}")
        return x

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002
        """Every class's log-probability, (N, n_classes), of input (N, in_features)."""
        x = self._rows("log_prob", input)
        return self._full_log_prob(x, self.head(x))

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002
        """The likeliest class of each row (int64), as torch's: the head's argmax where it is
        in the shortlist, else the argmax of the full log-probabilities."""
        x = self._rows("predict", input)
        head = self.head(x)
        out = np.argmax(head.data, axis=1).astype(np.int64)
        far = out >= self.shortlist_size
        if far.any():
            rows = np.flatnonzero(far)
            full = self._full_log_prob(x[rows], head[rows])
            out[rows] = np.argmax(full.data, axis=1)
        return Tensor(out)
