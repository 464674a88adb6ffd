"""Edge rows of torch's top-level spellings of F's ops (functional/torch_spellings.py):
torch.layer_norm, torch.group_norm, torch.dropout, torch.trapz and the other such wrappers.
`T` in a `torch=` lambda is the torch module; where a row has no `numpy=`, PyTorch's value is
the reference."""

from __future__ import annotations

import re

import numpy as np

import tinygrad_dl as tg

from .edge_table import E2, INF, NAN, E, rows
from .edge_table import a64 as _a

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])
X234 = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.0


# ---- torch's top-level spellings of F's ops (functional/torch_spellings.py) ---------------------
# (the names that are F's function itself have F's rows; these are the wrappers' own signatures)
rows("layer_norm", lambda x: tg.layer_norm(x, (3,), None, None, 1e-5, False), {
    "2x3!": (X23,), "inf and nan": (np.array([[INF, 1.0, 2.0], [NAN, 0.0, 1.0]]),),
    "constant rows": (np.ones((2, 3)),), "empty batch": (np.zeros((0, 3)),)},
     torch=lambda T, x: T.layer_norm(x, (3,), None, None, 1e-5, False))
rows("group_norm", lambda x: tg.group_norm(x, 2, None, None, 1e-5, True), {
    "2 groups!": (X234.reshape(2, 4, 3),), "constant": (np.ones((1, 4, 2)),)},
     torch=lambda T, x: T.group_norm(x, 2, None, None, 1e-5, True))
rows("instance_norm", lambda x: tg.instance_norm(x, None, None, None, None, True, 0.1, 1e-5,
                                                 False),
     {"batch!": (X234,), "constant": (np.ones((1, 2, 3)),)},
     torch=lambda T, x: T.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False))
rows("embedding", lambda w, i: tg.embedding(w, i), {
    "weight first!": (X34, np.array([2, 0, 2])), "0-d index": (X34, np.array(1)),
    "no indices": (X34, np.zeros(0, np.int64))},
     torch=lambda T, w, i: T.embedding(w, i), wrt=(0,))
rows("embedding", lambda w, i: tg.embedding(w, i, 2),
     {"padding row (no gradient)": (X34, np.array([2, 0, 2]))},
     torch=lambda T, w, i: T.embedding(w, i, 2), wrt=(0,))
rows("embedding", lambda w, i: tg.embedding(w, i), {"past the end": (X34, np.array([3]))},
     raises=re.escape("embedding: indices must lie in [0, 3), got 3..3"))
rows("embedding", lambda w, i: tg.embedding(w, i, -3), {"padding_idx -3": (X34, np.array([0]))},
     raises="embedding: padding_idx must be -1 \\(none\\) or a row index >= 0")
for _r in (0, 1, 2):
    rows("kl_div", lambda x, y, r=_r: tg.kl_div(x, y, r), {
        "2x3!": (X23, np.abs(X23) + 0.1), "zero target": (X23, np.zeros((2, 3))),
        "empty": (E, E)},
         torch=lambda T, x, y, r=_r: T.kl_div(x, y, r))
    rows("hinge_embedding_loss", lambda x, y, r=_r: tg.hinge_embedding_loss(x, y, 1.0, r), {
        "2x3!": (X23, np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])),
        "inf": (_a(INF, -INF), _a(-1.0, 1.0))},
         torch=lambda T, x, y, r=_r: T.hinge_embedding_loss(x, y, 1.0, r), wrt=(0,))
    rows("binary_cross_entropy_with_logits",
         lambda x, y, r=_r: tg.binary_cross_entropy_with_logits(x, y, None, None, r),
         {"2x3!": (X23, np.full((2, 3), 0.25)), "large logits": (_a(800.0, -800.0), _a(1.0, 0.0))},
         torch=lambda T, x, y, r=_r: T.binary_cross_entropy_with_logits(x, y, None, None, r))
rows("kl_div", lambda x, y: tg.kl_div(x, y, "mean"), {"a string reduction": (X23, X23)},
     raises="kl_div: reduction must be an int 0 \\(none\\), 1 \\(mean\\) or 2 \\(sum\\)")
rows("margin_ranking_loss", lambda x, y, t: tg.margin_ranking_loss(x, y, t), {
    "default none!": (_a(1.0, 2.0, 0.5), _a(0.3, 2.5, 0.9), _a(1.0, -1.0, 1.0))},
     torch=lambda T, x, y, t: T.margin_ranking_loss(x, y, t), wrt=(0, 1))
rows("poisson_nll_loss", lambda x, y: tg.poisson_nll_loss(x, y, True, True, 1e-8, 1), {
    "full!": (X23, np.array([[0.0, 1.0, 2.0], [3.0, 0.5, 1.0]]))},
     torch=lambda T, x, y: T.poisson_nll_loss(x, y, True, True, 1e-8, 1), wrt=(0,))
rows("dropout", lambda x: tg.dropout(x, 0.5, False), {"not training!": (X23,), "empty": (E2,)},
     torch=lambda T, x: T.dropout(x, 0.5, False))
rows("dropout", lambda x: tg.dropout(x, 0.5, 1), {"train an int": (X23,)},
     raises="dropout: train must be a bool")
rows("trapz", lambda y: tg.trapz(y), {"2x3!": (X23,), "inf and nan": (_a(1.0, INF, NAN),)},
     torch=lambda T, y: T.trapz(y))
rows("trapz", lambda y, x: tg.trapz(y, x), {"sample points!": (_a(1.0, 2.0, 4.0),
                                                               _a(0.0, 0.5, 2.0))},
     torch=lambda T, y, x: T.trapz(y, x))
rows("hardshrink", lambda x: x.hardshrink(0.5), {
    "at +-lambd": (_a(-0.5, 0.5, 0.0),), "away from it!": (_a(-1.0, 0.2, 0.9),),
    "inf": (_a(INF, -INF),), "empty": (E,)}, torch=lambda T, x: x.hardshrink(0.5))
rows("feature_dropout", lambda x: tg.feature_dropout(x, 0.5, False), {"not training!": (X234,),
     "empty": (E2,)}, torch=lambda T, x: T.feature_dropout(x, 0.5, False))
rows("feature_dropout", lambda x: tg.feature_dropout(x, 1.0, True), {"p = 1!": (X234,)},
     torch=lambda T, x: T.feature_dropout(x, 1.0, True))
rows("feature_dropout", lambda x: tg.feature_dropout(x, 0.5, True), {"a 1-D input": (_a(1.0),)},
     raises="feature_dropout: feature dropout needs at least 2 dimensions")
for _name in ("dropout_", "alpha_dropout_", "feature_alpha_dropout_", "feature_dropout_"):
    rows(_name, lambda x, n=_name: getattr(tg, n)(x * 1, 0.5, False), {"not training!": (X23,)},
         torch=lambda T, x, n=_name: getattr(T, n)(x * 1, 0.5, False))
    rows(_name, lambda x, n=_name: getattr(tg, n)(x * 1, 0.5, 1), {"train an int": (X23,)},
         raises=f"{_name}: train must be a bool")
