"""PyTorch's `nn.RNN`: the Elman network of the course's char-RNN, for float inputs, as a loop of
the graph's ops (one Linear of all the steps' inputs per layer, then per step a Linear of the
hidden state, an add and the nonlinearity), so its gradient is backprop through time over them.

    h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)

The parameters carry PyTorch's names (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
`bias_hh_l0`, then `_l1`, ...), so a torch state_dict loads as it is. The course's CharRNN
(tinygrad_dl.models) takes character indices and has its output layer; this takes vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..functional import linear, stack
from ..random import uniform
from ..tensor import Tensor, np_dtype
from .layers import Module, size_arg


class RNN(Module):
    """`RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
    batch_first=False)`: called on input (L, N, input_size) ((N, L, input_size) with
    batch_first, (L, input_size) unbatched) and an optional initial state hx (num_layers, N,
    hidden_size), returns (output, h_n): every step's last-layer state and each layer's last
    state. Weights ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), PyTorch's init (`rng=` as
    the other layers). `bidirectional` and `dropout` between layers are not implemented and
    are refused in one line."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None, *, rng: Any = None) -> None:
        super().__init__()
        check_device(device, "RNN")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        if bidirectional:
            raise NotImplementedError("RNN(bidirectional=True) is not implemented: run a second "
                                      "RNN on the input reversed in time (x.flip(0)) and "
                                      "concatenate the outputs")
        if dropout:
            raise NotImplementedError("RNN(dropout=...) between layers is not implemented: "
                                      "stack one-layer RNNs with nn.Dropout between them")
        self.input_size = size_arg("RNN", "input_size", input_size)
        self.hidden_size = size_arg("RNN", "hidden_size", hidden_size)
        self.num_layers = size_arg("RNN", "num_layers", num_layers)
        if self.num_layers < 1:
            raise ValueError("RNN: num_layers must be at least 1")
        self.nonlinearity, self.bias, self.batch_first = nonlinearity, bool(bias), bool(batch_first)
        dtype = np.float64 if dtype is None else np_dtype(dtype, "RNN")
        bound = 1.0 / np.sqrt(self.hidden_size)
        for k in range(self.num_layers):
            d_in = self.input_size if k == 0 else self.hidden_size
            shapes = [("weight_ih", (self.hidden_size, d_in)),
                      ("weight_hh", (self.hidden_size, self.hidden_size))]
            if self.bias:
                shapes += [("bias_ih", (self.hidden_size,)), ("bias_hh", (self.hidden_size,))]
            for name, shape in shapes:
                setattr(self, f"{name}_l{k}", Tensor(uniform(shape, -bound, bound, dtype, rng,
                                                             "init"), requires_grad=True))

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x = input if isinstance(input, Tensor) else Tensor(input)
        batched = x.ndim == 3
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ValueError(f"RNN: input must be (L, N, {self.input_size}) "
                             f"{'(N, L, ...) with batch_first ' if self.batch_first else ''}"
                             f"or unbatched (L, {self.input_size}), got {x.shape}")
        if not batched:
            x = x.reshape(x.shape[0], 1, self.input_size)
        elif self.batch_first:
            x = x.swapaxes(0, 1)  # time first
        steps, n = x.shape[0], x.shape[1]
        h0 = self._initial(hx, n, batched, x)
        act = Tensor.tanh if self.nonlinearity == "tanh" else Tensor.relu
        last = []
        for k in range(self.num_layers):
            b_ih = getattr(self, f"bias_ih_l{k}") if self.bias else None
            b_hh = getattr(self, f"bias_hh_l{k}") if self.bias else None
            w_hh = getattr(self, f"weight_hh_l{k}")
            inputs = linear(x, getattr(self, f"weight_ih_l{k}"), b_ih)  # every step at once
            h = h0[k]
            states = []
            for t in range(steps):
                h = act(inputs[t] + linear(h, w_hh, b_hh))
                states.append(h)
            x = stack(states) if states else inputs[:0]
            last.append(h)
        out, h_n = x, stack(last)
        if not batched:
            return out.reshape(steps, self.hidden_size), h_n.reshape(self.num_layers,
                                                                     self.hidden_size)
        return (out.swapaxes(0, 1) if self.batch_first else out), h_n

    def _initial(self, hx: Any, n: int, batched: bool, x: Tensor) -> Tensor:
        """hx as (num_layers, N, hidden_size), zeros when None, in x's dtype."""
        want = (self.num_layers, n, self.hidden_size) if batched else (self.num_layers,
                                                                      self.hidden_size)
        if hx is None:  # (Tensor.zeros: a constant of the step's code, which jit may keep)
            return Tensor.zeros(self.num_layers, n, self.hidden_size, dtype=x.dtype)
        h = hx if isinstance(hx, Tensor) else Tensor(np.asarray(hx, dtype=x.dtype))
        if h.shape != want:
            raise ValueError(f"RNN: hx must have shape {want}, got {h.shape}")
        return h if batched else h.reshape(self.num_layers, 1, self.hidden_size)

    def extra_repr(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in (
            ("num_layers", self.num_layers), ("nonlinearity", self.nonlinearity),
            ("bias", self.bias), ("batch_first", self.batch_first))
            if v != {"num_layers": 1, "nonlinearity": "tanh", "bias": True,
                     "batch_first": False}[k])
        return f"{self.input_size}, {self.hidden_size}{extra}"
