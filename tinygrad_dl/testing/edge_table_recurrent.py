"""Edge rows of the RNN cells: rnn_tanh_cell, rnn_relu_cell, gru_cell, lstm_cell. `T` in a `torch=`
lambda is the torch module; where a row has no `numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from .edge_table import joined as _joined
from .edge_table import rows

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
