"""Edge rows of softmax, log_softmax and softmin over rows and of the cross-entropy losses:
cross_entropy, nll_loss, one_hot, binary_cross_entropy(_with_logits), kl_div; PyTorch's weight=,
ignore_index= and label_smoothing= for cross_entropy and nll_loss, and their (N, K, d1, ...)
layout. `T` in a `torch=` lambda is the torch module; a row with `torch=` and no `numpy=`
compares values and gradients with torch's (float64; float32 is compared in
tests/test_cross_entropy_torch.py).
"""

from __future__ import annotations

import numpy as np

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F

from .edge_table import INF, NAN, E, rows
from .edge_table import a64 as _a

_W = np.array([0.5, 2.0, 1.0])
_Z = np.array([[0.3, -1.2, 2.0], [1.0, 0.5, -0.5], [-2.0, 0.0, 1.5]])
_Y = np.array([0, 2, 1])
_IGN = np.array([0, -100, 1])
_LP = -np.abs(_Z) - 0.5  # log-probabilities, away from 0 (finite differences stay below it)
_NOTE = "compared with torch (weights, ignored labels, smoothing)"


def _tw(T, x):  # the class weights in the input's dtype, as torch needs
    return T.tensor(_W, dtype=x.dtype)


X23 = np.arange(6.0).reshape(2, 3) / 4

# ---- losses, activations over rows, normalisation ------------------------------------------
Z = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0]])
Y = np.array([2, 0])


def _np_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    s = z - z.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


_ROWS = {"empty rows": (np.zeros((0, 3)),), "one class!": (np.array([[0.7], [-0.2]]),),
         "ties!": (np.ones((2, 3)),), "large logits!": (np.array([[1000.0, 999.0, -1000.0]]),),
         "-inf logit": (np.array([[-INF, 0.0, 1.0]]),), "nan": (np.array([[NAN, 0.0, 1.0]]),)}
rows("softmax", F.softmax, _ROWS, numpy=_np_softmax, numpy_warns=False,
     torch=lambda T, z: T.softmax(z, -1))
rows("log_softmax", F.log_softmax, _ROWS, numpy=_np_log_softmax, numpy_warns=False,
     torch=lambda T, z: T.log_softmax(z, -1))
rows("softmax", F.softmax, {"+inf logit": (np.array([[INF, 0.0]]),)},
     numpy=lambda z: _a(NAN, NAN)[None], numpy_warns=False,
     torch=lambda T, z: T.softmax(z, -1))


def _np_ce(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -_np_log_softmax(z)[np.arange(len(y)), y].mean()


rows("cross_entropy", F.cross_entropy, {
    "one class!": (np.array([[0.7], [-0.2]]), np.array([0, 0])),
    "ties!": (np.ones((2, 3)), Y), "large logits!": (np.array([[1000.0, -1000.0]]),
                                                      np.array([1])),
    "-inf logit of another class": (np.array([[-INF, 0.0, 1.0]]), np.array([2])),
    "nan": (np.array([[NAN, 0.0, 1.0]]), np.array([1])),
}, numpy=_np_ce, numpy_warns=False,
     torch=lambda T, z, y: T.nn.functional.cross_entropy(z, y))
rows("cross_entropy", F.cross_entropy, {
    "-inf logit of the target": (np.array([[-INF, 0.0]]), np.array([0]))},
     numpy=_np_ce, numpy_warns=False, grad=(np.array([[-1.0, 1.0]]), None),
     note="the loss is inf; d/dz = softmax - onehot, finite (PyTorch: nan for the target)")
rows("cross_entropy", F.cross_entropy, {
    "empty batch": (np.zeros((0, 3)), np.zeros(0, dtype=np.int64)),
    "label -1": (Z, np.array([-1, 0])), "label = K": (Z, np.array([3, 0])),
    "float labels": (Z, _a(1.0, 0.0)), "wrong count": (Z, np.array([0])),
}, raises="cross_entropy|CrossEntropy")
rows("cross_entropy", lambda z, t: F.cross_entropy(z, t), {
    "soft targets that require grad!": (Z, np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]))},
     torch=lambda T, z, t: T.nn.functional.cross_entropy(z, t))
rows("nll_loss", F.nll_loss, {
    "one class!": (np.array([[-0.7], [-0.2]]), np.array([0, 0])),
    "ties!": (np.full((2, 3), -1.0), Y), "-inf at another class!": (np.array([[-INF, -0.5]]),
                                                                    np.array([1])),
    "-inf at the target": (np.array([[-INF, -0.5]]), np.array([0])),
    "nan": (np.array([[NAN, -1.0]]), np.array([1])),
}, numpy=lambda x, y: -x[np.arange(len(y)), y].mean(), numpy_warns=False,
     torch=lambda T, x, y: T.nn.functional.nll_loss(x, y))
rows("nll_loss", F.nll_loss, {
    "empty batch": (np.zeros((0, 3)), np.zeros(0, dtype=np.int64)),
    "label -1": (-np.ones((2, 3)), np.array([-1, 0])), "label = K": (-np.ones((2, 3)),
                                                                   np.array([3, 0])),
    "float labels": (-np.ones((2, 3)), _a(1.0, 0.0)), "wrong count": (-np.ones((2, 3)),
                                                                      np.array([0])),
    "logits (a value above 0)": (np.ones((2, 3)), np.array([0, 1])),
}, raises="nll_loss")
rows("one_hot", lambda y: Tensor(F.one_hot(y.data, 3)), {
    "empty": (np.zeros(0, dtype=np.int64),), "one label": (np.array([2]),)},
     numpy=lambda y: np.eye(3)[y])
rows("one_hot", lambda y: F.one_hot(y.data, 3), {
    "label -1": (np.array([-1]),), "label = K": (np.array([3]),),
    "float labels": (_a(1.0),)}, raises="one_hot")


def _np_bce(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return ((1 - y) * x + np.logaddexp(0, -x)).mean()


rows("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, {
    "one element!": (_a(0.7), _a(1.0)), "large logits!": (_a(800.0, -800.0), _a(0.0, 1.0)),
    "soft targets!": (X23, np.full((2, 3), 0.25))},
     numpy=_np_bce, torch=lambda T, x, y: T.nn.functional.binary_cross_entropy_with_logits(x, y))
rows("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, {
    "shapes differ": (np.ones((2, 1)), np.ones(2))}, raises="binary_cross_entropy_with_logits")


rows("binary_cross_entropy", F.binary_cross_entropy, {
    "one element!": (_a(0.7), _a(0.75)), "soft targets!": (_a(0.2, 0.9), _a(0.25, 0.5)),
    "empty": (E, E)},
     numpy=lambda p, y: (-(y * np.log(p) + (1 - y) * np.log1p(-p))).mean(), numpy_warns=False,
     torch=lambda T, p, y: T.nn.functional.binary_cross_entropy(p, y))
rows("binary_cross_entropy", F.binary_cross_entropy, {
    "probability 0 or 1": (_a(0.0, 1.0, 0.0), _a(1.0, 0.0, 0.0))},
     numpy=lambda p, y: np.float64(200.0 / 3),
     grad=(_a(-1 / 3, 1 / 3, 0.0) / float(np.float32(1e-12)), _a(100 / 3, -100 / 3, 100 / 3)),
     note="each log clamped at -100 (PyTorch's value); p's gradient is PyTorch's (p - y) / "
     "max(p (1 - p), 1e-12): -1e12 at p = 0 for y = 1, and 0 (not the true 1) for y = 0; "
     "y's is the derivative of the clamped value, 100 (PyTorch's -logit(p) is inf there)")
rows("binary_cross_entropy", F.binary_cross_entropy, {
    "a logit": (_a(1.5, 0.2), _a(1.0, 0.0)), "NaN": (_a(NAN), _a(1.0)),
    "a target above 1": (_a(0.5, 0.2), _a(2.0, 0.0)), "a NaN target": (_a(0.5), _a(NAN)),
    "shapes differ": (np.full((2, 1), 0.5), np.ones(2))},
     raises="binary_cross_entropy")


_Z3 = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0]])
rows("softmin", lambda z: F.softmin(z, -1), {
    "empty rows": (np.zeros((0, 3)),), "one class!": (np.array([[0.7], [-0.2]]),),
    "ties!": (np.ones((2, 3)),), "large logits!": (np.array([[1000.0, 999.0, -1000.0]]),),
    "+inf logit": (np.array([[INF, 0.0, 1.0]]),), "-inf logit": (np.array([[-INF, 0.0]]),),
    "nan": (np.array([[NAN, 0.0, 1.0]]),), "rows!": (_Z3,)},
     numpy=lambda z: _np_softmax(-z), numpy_warns=False,
     torch=lambda T, z: T.nn.functional.softmin(z, -1))


def _np_kl(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = np.where(t == 0, 0.0, t * np.log(t)) - t * x
    return loss.sum() / x.shape[0]


rows("kl_div", lambda x, t: F.kl_div(x, t, "batchmean"), {
    "one element!": (_a(-0.7), _a(0.4)), "rows!": (np.log(np.array([[0.2, 0.8], [0.5, 0.5]])),
                                                  np.array([[0.3, 0.7], [0.9, 0.1]])),
    "a zero target": (_a(-1.0, -2.0), _a(0.0, 1.0)), "a negative target": (_a(-1.0), _a(-0.1)),
    "-inf input": (_a(-INF, -1.0), _a(0.0, 1.0)), "nan": (_a(NAN, -1.0), _a(0.5, 0.5)),
    "empty batch": (np.zeros((0, 3)), np.zeros((0, 3)))},
     numpy=_np_kl, numpy_warns=False,
     torch=lambda T, x, t: T.nn.functional.kl_div(x, t, reduction="batchmean"))
rows("kl_div", lambda x, t: F.kl_div(x, t, "batchmean"), {"0-d: batchmean is the sum": (
    np.float64(-0.5), np.float64(0.25))}, numpy=lambda x, t: t * (np.log(t) - x),
     numpy_warns=False, torch=lambda T, x, t: T.nn.functional.kl_div(x, t, reduction="batchmean"))
rows("kl_div", lambda x, t: F.kl_div(x, t, "sum", log_target=True), {
    "log target!": (_a(-0.7, -1.2), _a(-0.5, -2.0)), "-inf log target": (_a(-1.0), _a(-INF)),
    "large log target": (_a(-1.0), _a(700.0))},
     numpy=lambda x, t: (np.exp(t) * (t - x)).sum(), numpy_warns=False,
     torch=lambda T, x, t: T.nn.functional.kl_div(x, t, reduction="sum", log_target=True))
rows("kl_div", lambda x, t: F.kl_div(x, t, "none"), {"none!": (_a(-0.7, -1.2), _a(0.5, 0.25))},
     numpy=lambda x, t: t * (np.log(t) - x), numpy_warns=False,
     torch=lambda T, x, t: T.nn.functional.kl_div(x, t, reduction="none"))
rows("kl_div", lambda x, t: F.kl_div(x, t, "average"), {"reduction 'average'": (_a(-1.0),
                                                                             _a(0.5))},
     raises="kl_div: reduction must be")
rows("kl_div", F.kl_div, {"shapes differ": (np.ones((2, 1)), np.ones(2))}, raises="kl_div")


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
    "a label outside [0, K) beside an ignored one": (_Z, np.array([0, -100, 5])),
}, wrt=(0,), raises="cross_entropy")
# (by keyword: as positional inputs None and "mean" were object and string tensors, and both
# rows were refused for them, "size_average and reduce ... are not taken", not their own)
rows("cross_entropy", lambda z, y: F.cross_entropy(z, y, label_smoothing=1.5), {
    "label_smoothing above 1": (_Z, _Y)}, wrt=(0,),
     raises=r"cross_entropy: label_smoothing must be between 0\.0 and 1\.0, got 1\.5")
rows("cross_entropy", lambda z, t: F.cross_entropy(z, t, ignore_index=0), {
    "ignore_index with soft targets": (_Z, np.full((3, 3), 1 / 3))}, wrt=(0,),
     raises="cross_entropy: ignore_index is not supported for floating point target")
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

# torch 2.13's linear_cross_entropy (x W^T then cross_entropy), on the reference path and on
# the chunked one (options: blocks of 1 row, so every case crosses blocks)
_W3 = np.array([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]])
for _opts in (False, True):
    _tag = ", chunked" if _opts else ""
    rows("linear_cross_entropy", lambda x, w, t, o=_opts: F.linear_cross_entropy(
        x, w, t, options=nn.LinearCrossEntropyOptions(batch_chunk_size=1) if o else None), {
        "ties" + _tag + "!": (np.ones((2, 2)), np.ones((3, 2)), np.array([0, 2])),
        "large logits" + _tag + "!": (np.array([[400.0, -300.0]]), _W3, np.array([1])),
        "one class" + _tag + "!": (np.array([[0.7, -0.2], [0.1, 0.3]]), _W3[:1], np.array([0, 0])),
        "nan" + _tag: (np.array([[NAN, 0.0], [0.5, 1.0]]), _W3, np.array([1, 2])),
        "inf input" + _tag: (np.array([[INF, 0.0]]), _W3, np.array([1])),
    }, torch=lambda T, x, w, t, o=_opts: T.nn.functional.linear_cross_entropy(
        x, w, t, options=T.nn.LinearCrossEntropyOptions(batch_chunk_size=1) if o else None))
rows("linear_cross_entropy", lambda x, w, t: F.linear_cross_entropy(x, w, t), {
    "width mismatch": (np.ones((2, 3)), _W3, np.array([0, 1]))}, raises="linear")
