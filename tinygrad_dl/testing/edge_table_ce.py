"""Edge rows of PyTorch's weight=, ignore_index= and label_smoothing= for cross_entropy and
nll_loss, and their (N, K, d1, ...) layout. `T` in a `torch=` lambda is the torch module; a
row with `torch=` and no `numpy=` compares values and gradients with torch's (float64; float32
is compared in tests/test_cross_entropy_torch.py).
"""

from __future__ import annotations

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows

_W = np.array([0.5, 2.0, 1.0])
_Z = np.array([[0.3, -1.2, 2.0], [1.0, 0.5, -0.5], [-2.0, 0.0, 1.5]])
_Y = np.array([0, 2, 1])
_IGN = np.array([0, -100, 1])
_LP = -np.abs(_Z) - 0.5  # log-probabilities, away from 0 (finite differences stay below it)
_NOTE = "compared with torch (weights, ignored labels, smoothing)"


def _tw(T, x):  # the class weights in the input's dtype, as torch needs
    return T.tensor(_W, dtype=x.dtype)


rows("cross_entropy", lambda z, y: F.cross_entropy(z, y, _W.astype(z.dtype)), {
    "class weights!": (_Z, _Y), "weights, a label ignored!": (_Z, _IGN),
    "weights, all labels ignored": (_Z, np.full(3, -100)),
    "weights, nan logit": (np.where(_Z > 1.9, NAN, _Z), _Y),
    "weights, -inf logit of another class": (np.where(_Z > 1.9, -INF, _Z), _Y),
}, torch=lambda T, z, y: T.nn.functional.cross_entropy(z, y, _tw(T, z)), note=_NOTE)
rows("cross_entropy", lambda z, y: F.cross_entropy(z, y, reduction="sum"), {
    "a label ignored, sum!": (_Z, _IGN), "all labels ignored, sum": (_Z, np.full(3, -100))},
     torch=lambda T, z, y: T.nn.functional.cross_entropy(z, y, reduction="sum"), note=_NOTE)
rows("cross_entropy", lambda z, y: F.cross_entropy(z, y, ignore_index=1, reduction="none"), {
    "ignore_index in [0, K), none!": (_Z, _Y)},
     torch=lambda T, z, y: T.nn.functional.cross_entropy(z, y, ignore_index=1,
                                                         reduction="none"), note=_NOTE)
for _eps in (0.2, 1.0):
    rows("cross_entropy", lambda z, y, e=_eps: F.cross_entropy(
        z, y, _W.astype(z.dtype), label_smoothing=e), {
        f"label_smoothing {_eps}, weights, a label ignored!": (_Z, _IGN),
        f"label_smoothing {_eps}, all labels ignored": (_Z, np.full(3, -100)),
        f"label_smoothing {_eps}, -inf logit": (np.where(_Z > 1.9, -INF, _Z), _Y)},
         torch=lambda T, z, y, e=_eps: T.nn.functional.cross_entropy(
             z, y, _tw(T, z), label_smoothing=e), note=_NOTE)
rows("cross_entropy", lambda z, t: F.cross_entropy(z, t, _W.astype(z.dtype),
                                                   label_smoothing=0.3), {
    "soft targets, weights, smoothing!": (_Z, np.full((3, 3), 1 / 3))},
     torch=lambda T, z, t: T.nn.functional.cross_entropy(z, t, _tw(T, z), label_smoothing=0.3),
     wrt=(0,), note=_NOTE)
rows("cross_entropy", lambda z, y: F.cross_entropy(z, y, _W.astype(z.dtype)), {
    "(N, K, d) logits, a label ignored!": (_Z.reshape(1, 3, 3), _IGN.reshape(1, 3)),
    "(K,) logits, one label!": (_Z[0], np.array(2))},
     torch=lambda T, z, y: T.nn.functional.cross_entropy(z, y, _tw(T, z)), note=_NOTE)
rows("cross_entropy", F.cross_entropy, {
    "weight of the wrong length": (_Z, _Y, np.ones(2)),
    "label_smoothing above 1": (_Z, _Y, None, None, -100, None, "mean", 1.5),
    "ignore_index with soft targets": (_Z, np.full((3, 3), 1 / 3), None, None, 0),
    "a label outside [0, K) beside an ignored one": (_Z, np.array([0, -100, 5])),
}, wrt=(0,), raises="cross_entropy")
rows("nll_loss", lambda x, y: F.nll_loss(x, y, _W.astype(x.dtype)), {
    "class weights!": (_LP, _Y), "weights, a label ignored!": (_LP, _IGN),
    "weights, all labels ignored": (_LP, np.full(3, -100)),
    "weights, -inf at an ignored row": (np.where(_Z > 1.9, -INF, _LP), _IGN),
    "(N, K, d), a label ignored!": (_LP.reshape(1, 3, 3), _IGN.reshape(1, 3))},
     torch=lambda T, x, y: T.nn.functional.nll_loss(x, y, _tw(T, x)), note=_NOTE)
rows("nll_loss", F.nll_loss, {
    "weight of the wrong length": (_LP, _Y, np.ones(4)),
    "a label outside [0, K) beside an ignored one": (_LP, np.array([-1, -100, 0]))},
     wrt=(0,), raises="nll_loss")
