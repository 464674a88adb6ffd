"""Edge rows of rnn and the RNN cells: rnn_tanh_cell, rnn_relu_cell, gru_cell, lstm_cell. `T` in
a `torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's value is the
reference."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from .edge_table import NAN, rows
from .edge_table import a64 as _a
from .edge_table import joined as _joined

_U, _W, _b = np.array([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2]]), np.eye(2) * 0.5, _a(0.1, -0.1)


def _np_rnn(x: np.ndarray, U: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    h, out = np.zeros(W.shape[0]), []
    for t in range(len(x)):
        a = U[x[t]] if x.dtype.kind in "iu" else x[t] @ U
        h = np.tanh(a + h @ W + b)
        out.append(h)
    return np.array(out).reshape(len(x), W.shape[0])


rows("rnn", tg.rnn, {
    "one step!": (np.array([[0.3, -0.7, 0.2]]), _U, _W, _b),
    "indices": (np.array([2, 0, 2]), _U, _W, _b),
    "nan input": (np.array([[NAN, 0.0, 0.0]]), _U, _W, _b),
}, numpy=_np_rnn, numpy_warns=False,
     torch=lambda T, x, U, W, b: _torch_rnn(T, x, U, W, b))
rows("rnn", tg.rnn, {"issue: negative index": (np.array([-1, 0]), _U, _W, _b),
                     "index = d": (np.array([3]), _U, _W, _b)},
     raises="rnn: indices must be in")
rows("rnn", tg.rnn, {"no steps": (np.zeros((0, 3)), _U, _W, _b)},
     numpy=lambda x, U, W, b: np.zeros((0, 2)), numpy_warns=False,
     grad=(np.zeros((0, 3)), np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2)))


def _torch_rnn(T: Any, x: Any, U: Any, W: Any, b: Any) -> Any:
    h, out = T.zeros(W.shape[0], dtype=U.dtype), []
    for t in range(len(x)):
        a = U[x[t]] if not x.is_floating_point() else x[t] @ U
        h = T.tanh(a + h @ W + b)
        out.append(h)
    return T.stack(out)


# ---- RNN cells ----------------------------------------------------------------------------------
_R = np.random.default_rng(3)
_XI, _H = _R.normal(size=(2, 3)), _R.normal(size=(2, 4))
for _name, _g in (("rnn_tanh_cell", 1), ("rnn_relu_cell", 1), ("gru_cell", 3)):
    _W = (_R.normal(size=(_g * 4, 3)), _R.normal(size=(_g * 4, 4)), _R.normal(size=_g * 4),
          _R.normal(size=_g * 4))
    rows(_name, lambda x, h, a, b, c, d, n=_name: getattr(tg, n)(x, h, a, b, c, d),
         {"batch of 2!": (_XI, _H, *_W)},
         torch=lambda T, x, h, a, b, c, d, n=_name: getattr(T, n)(x, h, a, b, c, d))
    rows(_name, lambda x, h, a, b, n=_name: getattr(tg, n)(x, h, a, b),
         {"no biases": (_XI, _H, *_W[:2])},
         torch=lambda T, x, h, a, b, n=_name: getattr(T, n)(x, h, a, b))
_W4 = (_R.normal(size=(16, 3)), _R.normal(size=(16, 4)), _R.normal(size=16),
       _R.normal(size=16))
rows("lstm_cell", lambda x, h, c, *w: _joined(tg.lstm_cell(x, (h, c), *w)), {
    "batch of 2!": (_XI, _H, _H[::-1].copy(), *_W4)},
     torch=lambda T, x, h, c, *w: _joined(T.lstm_cell(x, (h, c), *w)))
rows("lstm_cell", lambda x, h: tg.lstm_cell(x, h, *(Tensor(w) for w in _W4)), {
    "hx not a pair": (_XI, _H)}, raises="lstm_cell: hx must be a pair")
