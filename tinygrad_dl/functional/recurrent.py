"""PyTorch's RNN cells as functions (torch.rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell:
one step of the recurrence, torch's argument orders and gate orders), exported as
tinygrad_dl.<name>; compositions of matmul, add and the activations, so their gradients are
those ops'. (F.rnn, the course's fused RNN op over a whole sequence, is in layers.py.)"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor
from .methods import tensor_arg

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"]  # (tinygrad_dl.<name>)


# ---- RNN cells (torch's argument orders; weights (gates * hidden, in), biases optional) ------
def _check_cell(who: str, x: Tensor, states: tuple, w_ih: Any, w_hh: Any, gates: int) -> None:
    """torch's checks of a cell's shapes: w_ih (gates * H, in), w_hh (gates * H, H), and each
    hidden state input's batch by H (broadcast, a (N, 1) or (H,) state would give numbers
    without a word)."""
    wi, wh = (np.shape(w.data if isinstance(w, Tensor) else w) for w in (w_ih, w_hh))
    if len(wh) != 2 or wh[0] != gates * wh[1] or len(wi) != 2 or wi[0] != wh[0] or (
            x.shape[-1:] != wi[1:]):
        raise ValueError(f"{who}: expected w_ih ({gates} * hidden, {x.shape[-1]}) and w_hh "
                         f"({gates} * hidden, hidden) for an input of shape {x.shape}, got "
                         f"{wi} and {wh}")
    want = x.shape[:-1] + (wh[1],)
    for k, h in enumerate(states):
        got = tuple(np.shape(h.data if isinstance(h, Tensor) else h))
        if got != want:
            raise ValueError(f"{who}: hidden state {k} must have shape {want} (the input's "
                             f"batch by hidden size {wh[1]}), got {got}")


def _gates(x: Tensor, h: Tensor, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any
           ) -> tuple[Tensor, Tensor]:
    gi = x @ as_tensor(w_ih, x).T
    gh = h @ as_tensor(w_hh, x).T
    if b_ih is not None:
        gi = gi + as_tensor(b_ih, x)
    if b_hh is not None:
        gh = gh + as_tensor(b_hh, x)
    return gi, gh


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Any, w_hh: Any, b_ih: Any = None,
                  b_hh: Any = None) -> Tensor:
    """torch.rnn_tanh_cell: tanh(input w_ih^T + b_ih + hx w_hh^T + b_hh)."""
    _check_cell("rnn_tanh_cell", tensor_arg("rnn_tanh_cell", input), (hx,), w_ih, w_hh, 1)
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).tanh()


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Any, w_hh: Any, b_ih: Any = None,
                  b_hh: Any = None) -> Tensor:
    """torch.rnn_relu_cell: relu(input w_ih^T + b_ih + hx w_hh^T + b_hh)."""
    _check_cell("rnn_relu_cell", tensor_arg("rnn_relu_cell", input), (hx,), w_ih, w_hh, 1)
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).relu()


def lstm_cell(input: Tensor, hx: Any, w_ih: Any, w_hh: Any, b_ih: Any = None,
              b_hh: Any = None) -> tuple[Tensor, Tensor]:
    """torch.lstm_cell: hx = (h, c); the gates i, f, g, o in torch's order; returns (h', c')
    with c' = f c + i g, h' = o tanh(c')."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError("lstm_cell: hx must be a pair (h, c)")
    h, c = hx
    _check_cell("lstm_cell", tensor_arg("lstm_cell", input), (h, c), w_ih, w_hh, 4)
    gi, gh = _gates(input, h, w_ih, w_hh, b_ih, b_hh)
    i, f, g, o = (gi + gh).chunk(4, -1)
    c2 = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c2.tanh(), c2


def gru_cell(input: Tensor, hx: Tensor, w_ih: Any, w_hh: Any, b_ih: Any = None,
             b_hh: Any = None) -> Tensor:
    """torch.gru_cell: r, z, n gates in torch's order; n = tanh(i_n + r (h_n)), h' = n +
    z (hx - n)."""
    _check_cell("gru_cell", tensor_arg("gru_cell", input), (hx,), w_ih, w_hh, 3)
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (hx - n)

