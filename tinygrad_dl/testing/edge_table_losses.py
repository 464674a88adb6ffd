"""Edge rows of losses: multilabel_margin_loss, triplet_margin_with_distance_loss. `T` in a
`torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's value is the
reference."""

from __future__ import annotations

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows
from .edge_table import a64 as _a

_NOTE = "compared with torch (NumPy has none)"


# ---- losses --------------------------------------------------------------------------------------
_Y = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, 1, -1, 0]])
_S = np.array([[0.5, -1.0, 2.0, 1.5], [1.0, 1.25, -0.5, 3.0], [0.2, 0.2, 1.2, -2.0]])
for _red in ("mean", "sum", "none"):
    rows("multilabel_margin_loss", lambda x, r=_red: F.multilabel_margin_loss(
        x, _Y, reduction=r), {f"{_red}: -1 ends a row, repeats, all targets!": (_S,),
                              f"{_red}: a margin of exactly 0": (np.round(_S),),
                              f"{_red}: inf and nan": (np.where(_S > 2, INF, np.where(
                                  _S < -1.5, NAN, _S)),)},
         torch=lambda T, x, r=_red: T.nn.functional.multilabel_margin_loss(
             x, T.tensor(_Y), reduction=r), note=_NOTE)
rows("multilabel_margin_loss", lambda x: F.multilabel_margin_loss(x, _Y[0]), {
    "unbatched!": (_S[0],)},
     torch=lambda T, x: T.nn.functional.multilabel_margin_loss(x, T.tensor(_Y[0])), note=_NOTE)
rows("multilabel_margin_loss", lambda x: F.multilabel_margin_loss(x, _Y + 2), {
    "a class past C": (_S,)}, raises=r"multilabel_margin_loss: target values must be in \[-1, 4\)")
rows("multilabel_margin_loss", lambda x: F.multilabel_margin_loss(x, _Y[:2]), {
    "target of another shape": (_S,)}, raises="multilabel_margin_loss: expected input")
for _swap in (False, True):
    rows("triplet_margin_with_distance_loss", lambda a, p, n, s=_swap:
         F.triplet_margin_with_distance_loss(a, p, n, swap=s), {
             f"swap={_swap}!": (_S[:2], _S[1:], _S[[2, 0]]),
             f"swap={_swap}, a tie at the margin": (_a(0.0, 0.0), _a(0.0, 0.0), _a(1.0, 0.0)),
             f"swap={_swap}, empty": (np.zeros((0, 3)),) * 3},
         torch=lambda T, a, p, n, s=_swap: T.nn.functional.triplet_margin_with_distance_loss(
             a, p, n, swap=s), note=_NOTE)
rows("triplet_margin_with_distance_loss", lambda a, p, n: F.triplet_margin_with_distance_loss(
    a, p, n, distance_function=lambda u, v: (u - v).abs().sum(-1), margin=0.5,
    reduction="none"), {"an L1 distance!": (_S[:2], _S[1:], _S[[2, 0]])},
     torch=lambda T, a, p, n: T.nn.functional.triplet_margin_with_distance_loss(
         a, p, n, distance_function=lambda u, v: (u - v).abs().sum(-1), margin=0.5,
         reduction="none"), note=_NOTE)
rows("triplet_margin_with_distance_loss", lambda a, p, n: F.triplet_margin_with_distance_loss(
    a, p, n, margin=0.0), {"margin 0": (_S, _S, _S)},
     raises="triplet_margin_with_distance_loss: margin must be greater than 0")
rows("triplet_margin_with_distance_loss", F.triplet_margin_with_distance_loss, {
    "dims differ": (_S, _S, _S[0])},
     raises="triplet_margin_with_distance_loss: anchor, positive and negative must have")
