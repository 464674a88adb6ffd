"""Edge rows of losses and F.linear: linear, mse_loss, l1_loss, smooth_l1_loss, huber_loss;
multilabel_margin_loss, triplet_margin_with_distance_loss, the margin, ranking and embedding
losses (margin_ranking_loss, hinge_embedding_loss, soft_margin_loss,
multilabel_soft_margin_loss, cosine_embedding_loss, triplet_margin_loss, multi_margin_loss),
poisson_nll_loss, gaussian_nll_loss. `T` in a `torch=` lambda is the torch module; where a row
has no `numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, E, rows
from .edge_table import a64 as _a

_NOTE = "compared with torch (NumPy has none)"


X23 = np.arange(6.0).reshape(2, 3) / 4

# ---- PyTorch's losses and F.linear (compositions, or the one Linear op) ------------------------
_W23 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
rows("linear", F.linear, {"one row!": (X23[:1], _W23), "empty batch": (np.zeros((0, 3)), _W23),
                          "inf and nan": (np.array([[INF, 0.0, NAN]]), _W23)},
     numpy=lambda x, w: x @ w.T, numpy_warns=False,
     torch=lambda T, x, w: T.nn.functional.linear(x, w))
rows("linear", F.linear, {"inner sizes differ": (X23, np.ones((2, 2)))}, raises="[Ll]inear")
for _name, _fn, _np_fn in (("mse_loss", F.mse_loss, lambda d: d * d),
                          ("l1_loss", F.l1_loss, np.abs)):
    rows(_name, _fn, {"one element!": (_a(0.7), _a(-0.2)), "2x3!": (X23, X23[::-1]),
                      "inf target": (_a(1.0), _a(INF))},
         numpy=lambda x, y, f=_np_fn: f(x - y).mean(),
         torch=lambda T, x, y, n=_name: getattr(T.nn.functional, n)(x, y))
    rows(_name, _fn, {"empty": (E, E)}, numpy=lambda x, y, f=_np_fn: f(x - y).mean(),
         torch=lambda T, x, y, n=_name: getattr(T.nn.functional, n)(x, y))
    rows(_name, _fn, {"shapes differ": (np.ones((2, 1)), np.ones(2))}, raises=_name)


def _np_sl1(beta: float, huber: bool = False) -> Any:
    def ref(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        d = np.abs(x - y)
        if huber:
            return np.where(d < beta, 0.5 * d * d, beta * (d - 0.5 * beta)).mean()
        return (np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta) if beta else d).mean()
    return ref


_LOSS_EDGES = {"one element!": (_a(0.7), _a(-0.2)), "2x3!": (X23, X23[::-1] * 3),
               "kinks: d = +-1 and 0": (_a(1.0, -1.0, 0.0), _a(0.0, 0.0, 0.0)),
               "inf target": (_a(1.0, 1.0), _a(INF, -INF)), "nan": (_a(NAN, 1.0), _a(0.0, 0.0)),
               "empty": (E, E)}
rows("smooth_l1_loss", F.smooth_l1_loss, _LOSS_EDGES, numpy=_np_sl1(1.0), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.smooth_l1_loss(x, y))
rows("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, beta=0.0), {
    "beta 0: l1_loss, kink at 0": (_a(0.0, 0.5), _a(0.0, 0.0))}, numpy=_np_sl1(0.0),
     numpy_warns=False, torch=lambda T, x, y: T.nn.functional.smooth_l1_loss(x, y, beta=0.0))
rows("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, "sum", beta=0.5), {
    "beta 0.5, on the kink": (_a(0.5, -0.25, 2.0), _a(0.0, 0.0, 0.0))},
     numpy=lambda x, y: 3 * _np_sl1(0.5)(x, y), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.smooth_l1_loss(x, y, reduction="sum", beta=0.5))
rows("huber_loss", F.huber_loss, _LOSS_EDGES, numpy=_np_sl1(1.0, huber=True), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.huber_loss(x, y))
rows("huber_loss", lambda x, y: F.huber_loss(x, y, delta=2.0), {
    "delta 2, on the kink": (_a(2.0, -3.0, 0.5), _a(0.0, 0.0, 0.0))},
     numpy=_np_sl1(2.0, huber=True), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.huber_loss(x, y, delta=2.0))
rows("huber_loss", lambda x, y, w: F.huber_loss(x, y, "sum", weight=w), {
    "weight!": (_a(0.5, -2.0), _a(0.0, 0.0), _a(2.0, 0.5))},
     numpy=lambda x, y, w: (w * np.where(np.abs(x - y) < 1, 0.5 * (x - y) ** 2,
                                         np.abs(x - y) - 0.5)).sum(), numpy_warns=False,
     torch=lambda T, x, y, w: T.nn.functional.huber_loss(x, y, "sum", weight=w))
for _name, _arg in (("smooth_l1_loss", "beta"), ("huber_loss", "delta")):
    _fn = getattr(F, _name)
    rows(_name, lambda x, y, f=_fn, a=_arg: f(x, y, **{a: -1.0}), {
        f"negative {_arg}": (_a(1.0), _a(0.0))}, raises=f"{_name}: {_arg} must be")
    rows(_name, lambda x, y, f=_fn: f(x, y, "batchmean"), {"batchmean": (_a(1.0), _a(0.0))},
         raises=f"{_name}: reduction must be")
    rows(_name, _fn, {"shapes differ": (np.ones((2, 1)), np.ones(2))}, raises=_name)
rows("huber_loss", lambda x, y: F.huber_loss(x, y, delta=0.0), {"delta 0": (_a(1.0), _a(0.0))},
     raises="huber_loss: delta must be > 0")
rows("huber_loss", lambda x, y, w: F.huber_loss(x, y, weight=w), {
    "weight of another shape": (_a(1.0, 2.0), _a(0.0, 0.0), _a(1.0))},
     raises="huber_loss: weight must have")


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

# ---- margin, ranking and embedding losses -------------------------------------------------------
_Y6 = _a(1.0, -1.0, 1.0, -1.0, 1.0, -1.0)
_L1, _L2 = _a(0.5, -1.0, 2.0, 0.3, 0.0, 1.0), _a(0.5, -1.0, 1.0, 1.3, -0.25, 4.0)
for _red in ("mean", "sum", "none"):
    rows("margin_ranking_loss", lambda a, b, y, r=_red: F.margin_ranking_loss(a, b, y,
                                                                              reduction=r), {
        f"{_red}: ties on the kink": (_L1, _L2, _Y6)},
        torch=lambda T, a, b, y, r=_red: T.nn.functional.margin_ranking_loss(a, b, y,
                                                                             reduction=r))
rows("margin_ranking_loss", lambda a, b, y: F.margin_ranking_loss(a, b, y, 0.5), {
    "margin 0.5, on the kink": (_L1, _L1 - 0.5, _Y6), "inf and nan": (
        _a(INF, NAN, 1.0), _a(0.0, 0.0, -INF), _a(1.0, 1.0, -1.0)), "empty": (E, E, E)},
     torch=lambda T, a, b, y: T.nn.functional.margin_ranking_loss(a, b, y, 0.5))
rows("margin_ranking_loss", F.margin_ranking_loss, {
    "shapes differ": (np.ones((2, 1)), np.ones((2, 1)), np.ones(2))},
     raises="margin_ranking_loss: input1 \\(2, 1\\), input2 \\(2, 1\\), target \\(2,\\)")
rows("margin_ranking_loss", lambda a, b, y: F.margin_ranking_loss(a, b, y, reduction="avg"), {
    "a bad reduction": (_L1, _L2, _Y6)}, raises="margin_ranking_loss: reduction must be")
_H = _a(1.0, 0.5, -0.3, 2.0, 1.0, 0.0)
rows("hinge_embedding_loss", lambda x, y: F.hinge_embedding_loss(x, y, reduction="none"), {
    "on the margin and at 0": (_H, _Y6), "a target of neither sign": (_H[:2], _a(0.0, 2.0)),
    "inf and nan": (_a(INF, -INF, NAN, INF), _a(1.0, -1.0, 1.0, -1.0))},
     wrt=(0,), torch=lambda T, x, y: T.nn.functional.hinge_embedding_loss(x, y, reduction="none"))
rows("hinge_embedding_loss", lambda x, y: F.hinge_embedding_loss(x, y, 2.0), {
    "margin 2, on the kink": (_H, _Y6), "empty": (E, E)}, wrt=(0,),
     torch=lambda T, x, y: T.nn.functional.hinge_embedding_loss(x, y, 2.0))
rows("hinge_embedding_loss", F.hinge_embedding_loss, {"shapes differ": (_H, _Y6[:2])},
     raises="hinge_embedding_loss: input \\(6,\\), target \\(2,\\) must have one shape")
rows("soft_margin_loss", F.soft_margin_loss, {
    "finite!": (_L1, _Y6), "large: no overflow": (_a(-30.0, 30.0), _a(1.0, -1.0)),
    "nan": (_a(NAN, 1.0), _a(1.0, 1.0)), "empty": (E, E)}, wrt=(0,),
     torch=lambda T, x, y: T.nn.functional.soft_margin_loss(x, y))
rows("soft_margin_loss", F.soft_margin_loss, {"a target that requires grad": (_L1, _Y6)},
     raises="soft_margin_loss: the target requires grad")
_ML = np.array([[0.5, -1.0, 2.0, 0.0], [1.5, 0.25, -3.0, 0.7], [-0.2, 0.9, 1.1, -1.4]])
_MY = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
rows("multilabel_soft_margin_loss", F.multilabel_soft_margin_loss, {
    "finite!": (_ML, _MY), "one sample (C,)": (_ML[0], _MY[0]),
    "large: no overflow": (np.array([[40.0, -40.0]]), np.array([[0.0, 1.0]])),
    "inf and nan": (np.array([[INF, NAN]]), np.array([[1.0, 0.0]]))},
     torch=lambda T, x, y: T.nn.functional.multilabel_soft_margin_loss(x, y))
rows("multilabel_soft_margin_loss", lambda x, y, w: F.multilabel_soft_margin_loss(
    x, y, w, reduction="none"), {"class weights!": (_ML, _MY, _a(0.5, 1.0, 2.0, 0.0))},
     torch=lambda T, x, y, w: T.nn.functional.multilabel_soft_margin_loss(x, y, w,
                                                                          reduction="none"))
rows("multilabel_soft_margin_loss", lambda x, y, w: F.multilabel_soft_margin_loss(x, y, w), {
    "a weight of another length": (_ML, _MY, _a(1.0, 2.0))},
     raises="multilabel_soft_margin_loss: weight of shape \\(2,\\) does not broadcast")
_CA = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [1.5, 0.25, -0.5], [1.0, 2.0, 3.0]])
_CB = np.array([[1.0, 0.5, 0.0], [1.0, 2.0, 0.5], [1.5, 0.25, -0.5], [-1.0, -2.0, -3.0]])
rows("cosine_embedding_loss", lambda a, b, y: F.cosine_embedding_loss(a, b, y, 0.1, "none"), {
    "a zero row, equal rows, opposite rows": (_CA, _CB, _a(1.0, -1.0, -1.0, 1.0)),
    "finite!": (_CA[2:] + 0.5, _CB[:2], _a(1.0, -1.0)),
    "a target of 0: no loss": (_CA[:1], _CB[:1], _a(0.0)),
    "cos at the margin": (np.array([[1.0, 0.0]]), np.array([[0.1, np.sqrt(0.99)]]), _a(-1.0))},
     wrt=(0, 1), torch=lambda T, a, b, y: T.nn.functional.cosine_embedding_loss(
         a, b, y, 0.1, reduction="none"))
rows("cosine_embedding_loss", F.cosine_embedding_loss, {
    "one pair, a 0-d target, cos 0 on the kink": (_CA[0], _CB[0], np.float64(-1.0)),
    "empty batch": (np.zeros((0, 3)), np.zeros((0, 3)), E)},
     wrt=(0, 1), torch=lambda T, a, b, y: T.nn.functional.cosine_embedding_loss(a, b, y))
rows("cosine_embedding_loss", F.cosine_embedding_loss, {
    "a target per feature": (_CA, _CB, np.ones((4, 3)))},
     raises="cosine_embedding_loss: expected inputs \\(N, D\\) with target \\(N,\\)")
_TA = np.array([[0.5, -1.0], [1.5, 0.25], [0.0, 2.0]])
_TP, _TN = _TA + 0.3, np.array([[0.8, -0.7], [1.0, 1.0], [0.0, 2.0]])
for _kw in ({}, {"swap": True}, {"p": 1.0, "margin": 0.5}):
    rows("triplet_margin_loss", lambda a, p, n, k=_kw: F.triplet_margin_loss(
        a, p, n, reduction="none", **k), {
        f"{_kw}: a tie, a negative on the anchor": (_TA, _TP, _TN),
        f"{_kw}: one triplet (D,)!": (_TA[0], _TP[0], _TN[1])},
        torch=lambda T, a, p, n, k=_kw: T.nn.functional.triplet_margin_loss(
            a, p, n, reduction="none", **k))
rows("triplet_margin_loss", F.triplet_margin_loss, {
    "empty batch": (np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 2)))},
     torch=lambda T, a, p, n: T.nn.functional.triplet_margin_loss(a, p, n))
rows("triplet_margin_loss", lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=0.0), {
    "margin 0": (_TA, _TP, _TN)}, raises="triplet_margin_loss: margin must be greater than 0")
rows("triplet_margin_loss", F.triplet_margin_loss, {"shapes differ": (_TA, _TP[:1], _TN)},
     raises="triplet_margin_loss: anchor \\(3, 2\\), positive \\(1, 2\\)")
_MM = np.array([[0.5, -1.0, 1.5, 0.0], [1.5, 0.25, -3.0, 0.7], [-0.2, 0.9, 1.1, -1.4]])
_MT = np.array([0, 3, 1])  # row 0: 1.5 - 0.5 = margin 1, on the kink
for _p in (1, 2):
    for _red in ("mean", "sum", "none"):
        rows("multi_margin_loss", lambda x, t, p=_p, r=_red: F.multi_margin_loss(
            x, t, p, reduction=r), {f"p={_p}, {_red}: on the kink": (_MM, _MT)},
            torch=lambda T, x, t, p=_p, r=_red: T.nn.functional.multi_margin_loss(
                x, t, p, reduction=r))
rows("multi_margin_loss", lambda x, t, w: F.multi_margin_loss(x, t, 1, 0.5, w), {
    "class weights": (_MM, _MT, _a(0.5, 2.0, 1.0, 0.0))}, wrt=(0,),
     torch=lambda T, x, t, w: T.nn.functional.multi_margin_loss(x, t, 1, 0.5, w))
rows("multi_margin_loss", F.multi_margin_loss, {
    "one sample (C,), a 0-d target, on the kink": (_MM[0], np.int64(2)),
    "off the kinks!": (_MM[1], np.int64(1)),
    "inf": (np.array([[INF, 0.0, 2.0]]), np.array([1])),
    "one class": (np.array([[0.5], [1.0]]), np.array([0, 0]))},
     torch=lambda T, x, t: T.nn.functional.multi_margin_loss(x, t))
rows("multi_margin_loss", F.multi_margin_loss, {"nan: NaN": (np.array([[INF, 0.0, NAN]]),
                                                              np.array([1]))},
     numpy=lambda x, t: np.float64(NAN), numpy_warns=False,
     note="torch 2.13's kernel skips a NaN term (its `z > 0` is false) and gives inf here")
rows("multi_margin_loss", F.multi_margin_loss, {"a label out of range": (_MM, np.array([0, 4, 1])),
                                                "float labels": (_MM, _a(0.0, 1.0, 2.0))},
     raises="multi_margin_loss: ")
rows("multi_margin_loss", lambda x, t: F.multi_margin_loss(x, t, p=3), {"p=3": (_MM, _MT)},
     raises="multi_margin_loss: only p == 1 and p == 2")
rows("multi_margin_loss", F.multi_margin_loss, {"labels of another length": (
    _MM, np.array([0, 1]))}, raises="multi_margin_loss: expected input \\(N, C\\)")

# ---- Poisson and Gaussian negative log-likelihoods ----------------------------------------------
_PT = _a(0.0, 1.0, 2.0, 3.5, 0.5, 7.0)
_PX = _a(0.5, -1.0, 2.0, 0.3, -0.2, 1.7)
for _li in (True, False):
    for _full in (False, True):
        rows("poisson_nll_loss", lambda x, t, a=_li, b=_full: F.poisson_nll_loss(
            x, t, a, b, reduction="none"), {
            f"log_input={_li}, full={_full}: targets 0, 1 and above!": (
                _PX if _li else np.abs(_PX), _PT)}, wrt=(0,),
            torch=lambda T, x, t, a=_li, b=_full: T.nn.functional.poisson_nll_loss(
                x, t, a, b, reduction="none"))
rows("poisson_nll_loss", F.poisson_nll_loss, {
    "the target's gradient too!": (_PX, _PT + 0.5), "empty": (E, E),
    "inf and nan": (_a(INF, NAN, -INF), _a(1.0, 1.0, 2.0))},
     torch=lambda T, x, t: T.nn.functional.poisson_nll_loss(x, t))
rows("poisson_nll_loss", F.poisson_nll_loss, {"shapes differ": (_PX, _PT[:2])},
     raises="poisson_nll_loss: input \\(6,\\), target \\(2,\\)")
_GX = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
_GT = np.array([[1.0, -1.0, 0.0], [0.5, 0.5, 0.5]])
_GV = np.array([[0.5, 0.0, 1e-8], [2.0, 1.0, 1e-6]])  # 0 and 1e-8: clamped to eps, on eps
rows("gaussian_nll_loss", F.gaussian_nll_loss, {
    "variances at and below eps (the gradient passes)": (_GX, _GT, _GV),
    "finite!": (_GX, _GT, _GV + 0.5),
    "one variance per row": (_GX, _GT, _a(0.5, 2.0)),
    "one variance per column": (_GX, _GT, np.array([[0.5, 1.0, 2.0]])),
    "empty": (np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3))),
    "inf and nan": (_a(INF, NAN, 1.0), _a(0.0, 0.0, 1.0), _a(1.0, 1.0, INF))},
     torch=lambda T, x, t, v: T.nn.functional.gaussian_nll_loss(x, t, v))
rows("gaussian_nll_loss", lambda x, t, v: F.gaussian_nll_loss(x, t, v, True, 0.1, "none"), {
    "full, eps 0.1 (a variance below it)": (_GX, _GT, _GV + 0.05)},
     torch=lambda T, x, t, v: T.nn.functional.gaussian_nll_loss(x, t, v, True, 0.1, "none"))
rows("gaussian_nll_loss", lambda x, t: F.gaussian_nll_loss(x, t, 0.5, reduction="sum"), {
    "a number for var!": (_GX, _GT)},
     torch=lambda T, x, t: T.nn.functional.gaussian_nll_loss(x, t, 0.5, reduction="sum"))
rows("gaussian_nll_loss", F.gaussian_nll_loss, {
    "a negative variance": (_GX, _GT, _GV - 0.1)}, raises="gaussian_nll_loss: var has negative")
rows("gaussian_nll_loss", F.gaussian_nll_loss, {
    "var of another size": (_GX, _GT, np.ones((3, 2)))},
     raises="gaussian_nll_loss: var of shape \\(3, 2\\) is of incorrect size")
