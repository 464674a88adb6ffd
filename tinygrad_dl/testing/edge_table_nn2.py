"""Edge rows of more of torch.nn.functional's and torch.nn's names (tests/test_torch_nn2.py):
the max pools with indices and max_unpool, lp_pool, the in-place activations, rrelu, the alpha
dropouts, gumbel_softmax, local_response_norm, channel_shuffle, the deprecated upsample names
and two losses. `T` in a `torch=` lambda is the torch module; a row with `torch=` and no
`numpy=` compares values and gradients with torch's. Random ops' rows are their deterministic
parts (evaluation, p = 1, one class) and their refusals.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows


def _a(*v: Any) -> np.ndarray:
    return np.array(v, dtype=np.float64)


_X3 = np.array([[[0.5, -1.0, 2.0, 1.5, 0.25], [1.0, 1.25, -0.5, 3.0, -2.0]]])  # (1, 2, 5)
_X4 = np.arange(24.0).reshape(1, 2, 3, 4) / 7 - 1.2
_ODD = np.array([[[1.0, 1.0, -INF, -INF, 2.0, 2.0, NAN, 0.0, NAN]]])  # ties, -inf, NaNs
_NOTE = "compared with torch (NumPy has none)"

# ---- max pools with indices, max_unpool --------------------------------------------------------
for _d, _x in ((1, _X3), (2, _X4)):
    _name = f"max_pool{_d}d_with_indices"
    _fn, _tn = getattr(F, _name), f"max_pool{_d}d"
    for _j in (0, 1):  # the values (gradients to torch's positions), then the indices
        rows(_name, lambda x, f=_fn, j=_j: f(x, 2, 1, 1)[j], {
            "overlapping windows, padding" + ("!" if _j == 0 else ""): (_x,),
            "unbatched": (_x[0],), "ties": (np.round(_x),),
            "inf and nan": (np.where(_x > 1, INF, np.where(_x < -1, NAN, _x)),),
            "empty batch": (np.zeros((0,) + _x.shape[1:]),)},
             torch=lambda T, x, n=_tn, j=_j: getattr(T.nn.functional, n)(
                 x, 2, 1, 1, return_indices=True)[j], note=_NOTE)
        rows(_name, lambda x, f=_fn, j=_j: f(x, 2, 2, 0, 2, True)[j], {
            "dilation 2, ceil_mode": (_x,)},
             torch=lambda T, x, n=_tn, j=_j: getattr(T.nn.functional, n)(
                 x, 2, 2, 0, 2, True, return_indices=True)[j], note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 3, padding=2), {"padding above kernel // 2": (_x,)},
         raises=f"max_pool{_d}d: padding must be at most")
    rows(_name, lambda x, f=_fn: f(x, 2), {"too few dims": (_x[0, 0] if _d == 2 else _a(1, 2),)},
         raises=f"max_pool{_d}d: expected input")
    rows(_name, lambda x, f=_fn: f(x, 2, dilation=5), {"output too small": (_x,)},
         raises=f"max_pool{_d}d: the output would be")
rows("max_pool1d_with_indices", lambda x: F.max_pool1d_with_indices(x, 3, 1, 1)[1], {
    "torch's rule: first max, last NaN, first real position of -inf": (_ODD,)},
     torch=lambda T, x: T.nn.functional.max_pool1d(x, 3, 1, 1, return_indices=True)[1],
     note=_NOTE)
rows("max_pool1d_with_indices", lambda x: F.max_pool1d_with_indices(x, 2)[0], {
    "a bool input": (np.ones((1, 1, 4), bool),)}, raises="max_pool1d: expected a float")

# indices from torch's own pool: (1, 2, 3) values at positions of a length-6 (1-D) input and of
# a 4 x 4 (2-D) one; in 1-D the pool had stride 1, so position 3 is named twice
_I1 = np.array([[[1, 3, 3], [0, 2, 5]]])
_I2 = np.array([[[[5, 7], [13, 15]], [[0, 2], [9, 11]]]])
rows("max_unpool1d", lambda x: F.max_unpool1d(x, _I1, 2, 2), {
    "a position named twice: its value once, its gradient to both": (_X3[:, :, :3],),
    "inf and nan": (_a(INF, NAN, 1, 2, 3, -INF).reshape(1, 2, 3),)},
     torch=lambda T, x: T.nn.functional.max_unpool1d(x, T.tensor(_I1), 2, 2), note=_NOTE)
rows("max_unpool1d", lambda x: F.max_unpool1d(x, _I1, 2, 2, output_size=(7,)), {
    "output_size": (_X3[:, :, :3],)},
     torch=lambda T, x: T.nn.functional.max_unpool1d(x, T.tensor(_I1), 2, 2, output_size=(7,)),
     note=_NOTE)
rows("max_unpool1d", lambda x: F.max_unpool1d(x, _I1 + 4, 2, 2), {"an index past the end": (
    _X3[:, :, :3],)}, raises="max_unpool1d: found an invalid max index 9")
rows("max_unpool1d", lambda x: F.max_unpool1d(x, _I1.astype(np.int32), 2, 2), {
    "int32 indices": (_X3[:, :, :3],)}, raises="max_unpool1d: indices must be int64")
rows("max_unpool2d", lambda x: F.max_unpool2d(x, _I2 if x.ndim == 4 else _I2[0], 2), {
    "2 x 2 windows!": (_X4[:, :, :2, :2],), "unbatched": (_X4[0, :, :2, :2],)},
     torch=lambda T, x: T.nn.functional.max_unpool2d(
         x, T.tensor(_I2 if x.ndim == 4 else _I2[0]), 2), note=_NOTE)
rows("max_unpool2d", lambda x: F.max_unpool2d(x, _I2, 2, output_size=(5, 5)), {
    "output_size!": (_X4[:, :, :2, :2],)},
     torch=lambda T, x: T.nn.functional.max_unpool2d(x, T.tensor(_I2), 2, output_size=(5, 5)),
     note=_NOTE)
rows("max_unpool2d", lambda x: F.max_unpool2d(x, _I2, 2, output_size=(6, 4)), {
    "output_size beyond the stride": (_X4[:, :, :2, :2],)}, raises="max_unpool2d: output_size")
rows("max_unpool2d", lambda x: F.max_unpool2d(x, _I2[..., :1], 2), {
    "indices of another shape": (_X4[:, :, :2, :2],)}, raises="max_unpool2d: indices of shape")

# ---- lp_pool ---------------------------------------------------------------------------------
for _d, _x in ((1, np.abs(_X3) + 0.1), (2, np.abs(_X4) + 0.1)):
    _name = f"lp_pool{_d}d"
    for _p in (2.0, 3, INF):
        rows(_name, lambda x, n=_name, p=_p: getattr(F, n)(x, p, 2), {
            f"p = {_p}!": (_x,), f"p = {_p}, unbatched": (_x[0],),
            f"p = {_p}, empty batch": (np.zeros((0,) + _x.shape[1:]),)},
             torch=lambda T, x, n=_name, p=_p: getattr(T.nn.functional, n)(x, p, 2), note=_NOTE)
    rows(_name, lambda x, n=_name: getattr(F, n)(x, 2.0, 2), {
        "negative and zero": (np.where(_x > 1, -_x, np.where(_x < 0.3, 0.0, _x)),)},
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 2.0, 2), note=_NOTE)
    rows(_name, lambda x, n=_name: getattr(F, n)(x, 2.0, 9), {"kernel larger than the input": (
        _x,)}, raises=f"{_name}: kernel_size")
    rows(_name, lambda x, n=_name: getattr(F, n)(x, 2.0, 2, ceil_mode=True), {"ceil_mode!": (
        _x,)}, torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 2.0, 2, ceil_mode=True),
         note=_NOTE)

# ---- in-place activations ----------------------------------------------------------------------
_V = _a(-2.0, -0.5, 0.0, 0.1, 3.0, INF, -INF, NAN)
_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)
_INPLACE = {  # name: (arguments, torch's values as NumPy formulas)
    "relu_": ((), lambda x: np.maximum(x, 0.0)),
    "elu_": ((0.7,), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "leaky_relu_": ((0.2,), lambda x: np.where(x > 0, x, 0.2 * x)),
    "hardtanh_": ((-0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8)),
    "threshold_": ((0.1, -2.0), lambda x: np.where(x <= 0.1, -2.0, x)),
    "selu_": ((), lambda x: _SELU[1] * np.where(x > 0, x, _SELU[0] * np.expm1(x))),
    "celu_": ((1.3,), lambda x: np.where(x > 0, x, 1.3 * np.expm1(x / 1.3))),
    "rrelu_": ((0.1, 0.3), lambda x: np.where(x > 0, x, 0.2 * x)),  # (evaluation's slope)
}
for _name, (_args, _ref) in _INPLACE.items():
    rows(_name, lambda x, n=_name, a=_args: getattr(F, n)(x, *a), {
        "edges, written in place": (_V,), "empty": (np.zeros((0, 3)),), "0-d": (_a(-1.5)[0],)},
         wrt=(), numpy=_ref, numpy_warns=False, note="torch's in-place function's values")
    rows(_name, lambda x, n=_name, a=_args: getattr(F, n)(x, *a), {
        "a leaf that requires grad": (_V,)}, raises=f"F.{_name}: a leaf Variable")
    rows(_name, lambda x, n=_name, a=_args: getattr(F, n)(x * 2, *a), {
        "an op's result": (_V,)}, raises=f"F.{_name}: in-place on the result of Mul")
rows("elu_", F.elu_, {"an integer tensor": (np.array([-1, 2]),)}, raises="F.elu_: ")

# ---- rrelu, alpha dropouts, gumbel_softmax -----------------------------------------------------
rows("rrelu", lambda x: F.rrelu(x, 0.1, 0.3), {
    "evaluation: the mean slope, kink at 0": (_V,), "empty": (np.zeros((0, 2)),)},
     torch=lambda T, x: T.nn.functional.rrelu(x, 0.1, 0.3), note=_NOTE)
rows("rrelu", lambda x: F.rrelu(x, 0.3, 0.3, training=True), {
    "lower == upper: a fixed slope in training!": (_a(-2.0, -0.5, 0.1, 3.0),),
    "lower == upper, the kink at 0: the slope's gradient": (_a(0.0, -0.0),)},
     torch=lambda T, x: T.nn.functional.rrelu(x, 0.3, 0.3, training=True), note=_NOTE)
rows("rrelu", lambda x: F.rrelu(x, 0.5, 0.1), {"lower above upper": (_V,)},
     raises="rrelu: lower .* at most upper")
for _name in ("alpha_dropout", "feature_alpha_dropout"):
    _fn = getattr(F, _name)
    rows(_name, lambda x, f=_fn: f(x, 0.5), {"evaluation: x itself": (_X4,),
                                            "empty": (np.zeros((0, 2, 3)),)},
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 0.5), note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 1.0, True), {"p = 1: zeros (NaN for inf and nan)": (
        np.where(_X4 > 1, INF, np.where(_X4 < -1, NAN, _X4)),)},
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 1.0, True), note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 1.5, True), {"p above 1": (_X4,)},
         raises=f"{_name}: dropout probability has to be between 0 and 1")
    rows(_name, lambda x, f=_fn: f(x, 0.5, True, True), {
        "inplace=True on a leaf that requires grad": (_X4,)}, wrt=(0,),
         raises=fr"F\.{_name}\(inplace=True\): a leaf Variable that requires grad")
rows("feature_alpha_dropout", lambda x: F.feature_alpha_dropout(x, 0.5, True), {
    "a 1-D input": (_a(1.0, 2.0),)}, raises="feature_alpha_dropout: feature dropout needs")
rows("gumbel_softmax", lambda x: F.gumbel_softmax(x, hard=True), {
    "one class: always 1, gradient 0": (_a(0.5, 3.0).reshape(2, 1),)},
     numpy=lambda x: np.ones_like(x), grad=(np.zeros((2, 1)),), numpy_warns=False)
rows("gumbel_softmax", F.gumbel_softmax, {"integer logits": (np.array([1, 2]),)},
     raises="gumbel_softmax: expected float logits")
rows("gumbel_softmax", lambda x: F.gumbel_softmax(x, dim=2), {"dim out of range": (_X4[0, 0],)},
     raises="gumbel_softmax: dim 2 is out of range")

# ---- local_response_norm, channel_shuffle, upsample names --------------------------------------
for _x in (_X3, _X4, _X4.reshape(1, 2, 3, 2, 2)):
    rows("local_response_norm", lambda x: F.local_response_norm(x, 3, 0.5, 0.7, 1.2), {
        f"{_x.ndim}-D!": (_x,), f"{_x.ndim}-D, inf and nan": (np.where(_x > 1.2, INF, np.where(
            _x < -1.1, NAN, _x)),)},
         torch=lambda T, x: T.nn.functional.local_response_norm(x, 3, 0.5, 0.7, 1.2),
         note=_NOTE)
rows("local_response_norm", lambda x: F.local_response_norm(x, 2), {
    "empty": (np.zeros((0, 2, 3)),)},
     torch=lambda T, x: T.nn.functional.local_response_norm(x, 2), note=_NOTE)
rows("local_response_norm", lambda x: F.local_response_norm(x, 2), {"2-D": (_X4[0, 0],)},
     raises="local_response_norm: expected an input of 3 or more dims")
rows("channel_shuffle", lambda x: F.channel_shuffle(x, 2), {
    "4 channels, 2 groups!": (_X4.reshape(1, 4, 3, 2),), "empty batch": (np.zeros((0, 4, 2)),)},
     torch=lambda T, x: T.nn.functional.channel_shuffle(x, 2), note=_NOTE)
rows("channel_shuffle", lambda x: F.channel_shuffle(x, 3), {"channels not divisible": (_X4,)},
     raises=r"channel_shuffle: the number of channels \(2\)")
rows("channel_shuffle", lambda x: F.channel_shuffle(x, 2), {"2-D": (_X4[0, 0],)},
     raises="channel_shuffle: expected an input of 3 or more dims")
rows("upsample_nearest", lambda x: F.upsample_nearest(x, scale_factor=2), {
    "scale 2!": (_X4,), "inf and nan": (np.where(_X4 > 1, INF, np.where(_X4 < -1, NAN, _X4)),)},
     torch=lambda T, x: T.nn.functional.upsample_nearest(x, scale_factor=2), note=_NOTE)
rows("upsample_bilinear", lambda x: F.upsample_bilinear(x, size=(4, 7)), {
    "align_corners=True!": (_X4,), "one pixel": (_X4[:, :, :1, :1],)},
     torch=lambda T, x: T.nn.functional.upsample_bilinear(x, size=(4, 7)), note=_NOTE)

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

# ---- embedding_bag -------------------------------------------------------------------------------
_EB = _S.T[:4].copy()  # (4, 3) weight; bags of indices into it
_IDX, _OFF = np.array([1, 2, 1, 3, 0, 3]), np.array([0, 2, 2, 5])  # one bag empty, a repeat
for _mode in ("sum", "mean", "max"):
    rows("embedding_bag", lambda w, m=_mode: F.embedding_bag(_IDX, w, _OFF, mode=m), {
        f"{_mode}: an empty bag, a repeated index" + ("" if _mode == "max" else "!"): (_EB,),
        f"{_mode}: inf and nan": (np.where(_EB > 1.4, INF, np.where(_EB < -1.9, NAN, _EB)),)},
         torch=lambda T, w, m=_mode: T.nn.functional.embedding_bag(
             T.tensor(_IDX), w, T.tensor(_OFF), mode=m), note=_NOTE)
    rows("embedding_bag", lambda w, m=_mode: F.embedding_bag(_IDX.reshape(2, 3), w, mode=m,
                                                             padding_idx=3), {
        f"{_mode}: 2-D bags, padding_idx left out!": (_EB,)},
         torch=lambda T, w, m=_mode: T.nn.functional.embedding_bag(
             T.tensor(_IDX.reshape(2, 3)), w, mode=m, padding_idx=3), note=_NOTE)
rows("embedding_bag", lambda w, p: F.embedding_bag(_IDX, w, _OFF, mode="sum",
                                                   per_sample_weights=p), {
    "per_sample_weights!": (_EB, _a(0.5, -1.0, 2.0, 1.5, 0.25, 3.0))},
     torch=lambda T, w, p: T.nn.functional.embedding_bag(
         T.tensor(_IDX), w, T.tensor(_OFF), mode="sum", per_sample_weights=p), note=_NOTE)
rows("embedding_bag", lambda w: F.embedding_bag(_IDX, w, np.array([1, 3])), {
    "offsets not starting at 0": (_EB,)}, raises="embedding_bag: offsets must start at 0")
rows("embedding_bag", lambda w: F.embedding_bag(_IDX + 1, w, _OFF), {
    "an index past the table": (_EB,)}, raises="embedding_bag")
rows("embedding_bag", lambda w: F.embedding_bag(_IDX, w, _OFF, mode="max",
                                                per_sample_weights=np.ones(6)), {
    "per_sample_weights with max": (_EB,)}, raises="embedding_bag: per_sample_weights is only")
