"""NumPy references and test calls for the rows of the op table that need more than a name
(ops that take a list, return pieces, or need labels or a fixed random mask)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .spec import REAL, Case, Domain


def listed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Test call of a function that takes a list of tensors: fn([a, b], **kw)."""
    return lambda *ts, **kw: fn(list(ts), **kw)


def joined(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Test call of a function that returns a list: its pieces, weighted and joined."""
    return lambda *ts, **kw: F.concatenate(
        [p.reshape(-1) * (i + 1) for i, p in enumerate(fn(*ts, **kw))])


def ref_joined(ref: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *a, **kw: np.concatenate(
        [np.reshape(p, -1) * (i + 1) for i, p in enumerate(ref(*a, **kw))])


def softmax_ref(a: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_ref(a: np.ndarray, axis: int = -1) -> np.ndarray:
    s = a - a.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


# erf and erfc from Python's math module, one element at a time: slow, but an independent
# oracle (NumPy has no erf; the op computes its own, ops/erf.py)
_ERF = np.vectorize(math.erf, otypes=[np.float64])
_ERFC = np.vectorize(math.erfc, otypes=[np.float64])


def erf_ref(a: np.ndarray) -> np.ndarray:
    return _ERF(a)


def erfc_ref(a: np.ndarray) -> np.ndarray:
    return _ERFC(a)


def gelu_ref(a: np.ndarray, approximate: str = "none") -> np.ndarray:
    if approximate == "tanh":
        return 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a**3)))
    return 0.5 * a * _ERFC(-a / np.sqrt(2))  # (erfc: 1 + erf(x/sqrt 2) cancels for x < 0)


def sigmoid_ref(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def dropout_call(x: Tensor, p: float = 0.5) -> Tensor:
    # a fresh generator of one seed per call: finite differences see one mask
    return F.dropout(x, p, rng=np.random.default_rng(0))


def _class_labels(shape: tuple[int, ...], ignored: bool) -> np.ndarray:
    """Labels for inputs (N, K, d1, ...): (N, d1, ...), every class in turn; `ignored`:
    every third one is -100 (PyTorch's ignore_index)."""
    t = np.arange(shape[0] * int(np.prod(shape[2:]))).reshape(shape[:1] + shape[2:]) % shape[1]
    if ignored:
        t.reshape(-1)[::3] = -100
    return t


def ce_call(z: Tensor, weight: Any = None, ignored: bool = False, **kw: Any) -> Tensor:
    w = None if weight is None else np.array(weight, dtype=z.dtype)
    return F.cross_entropy(z, _class_labels(z.shape, ignored), w, **kw)


def _weighted_nll(x: np.ndarray, weight: Any, ignored: bool, reduction: str, eps: float
                  ) -> np.ndarray:
    """PyTorch's weighted, smoothed nll_loss of log-probabilities (N, K, d1, ...), written
    out: per label (1 - eps) w[t] nll + eps/K sum_k w_k (-x_k), 0 where ignored; the mean
    divided by the kept labels' weights."""
    K, labels = x.shape[1], _class_labels(x.shape, ignored)
    x, t = np.moveaxis(x, 1, -1).reshape(-1, K), labels.reshape(-1)
    w = np.ones(K) if weight is None else np.array(weight)
    keep = t != -100
    t0 = np.where(keep, t, 0)
    wt = w[t0] * keep
    per = (1 - eps) * -x[np.arange(len(t)), t0] * wt + eps / K * -(x * w).sum(1) * keep
    if reduction == "none":
        return per.reshape(labels.shape)
    return per.sum() / (wt.sum() if reduction == "mean" else 1)


def ce_ref(z: np.ndarray, weight: Any = None, ignored: bool = False, reduction: str = "mean",
           label_smoothing: float = 0.0) -> np.ndarray:
    return _weighted_nll(log_softmax_ref(z, 1), weight, ignored, reduction, label_smoothing)


def nll_call(x: Tensor, weight: Any = None, ignored: bool = False, **kw: Any) -> Tensor:
    w = None if weight is None else np.array(weight, dtype=x.dtype)
    return F.nll_loss(x, _class_labels(x.shape, ignored), w, **kw)


def nll_ref(x: np.ndarray, weight: Any = None, ignored: bool = False, reduction: str = "mean"
            ) -> np.ndarray:
    return _weighted_nll(x, weight, ignored, reduction, 0.0)


def bn_call(x: Tensor, g: Tensor, b: Tensor) -> Tensor:
    return F.batch_norm(x, g, b, eps=1e-5)


def bn_ref(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    return g * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) + b


def rnn_ref(x: np.ndarray, U: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    h, out = np.zeros(W.shape[0]), []
    for xt in x:
        h = np.tanh(xt @ U + h @ W + b)
        out.append(h)
    return np.array(out)


EINSUMS = (("ij,jk->ik", (2, 3), (3, 4)), ("ii->", (3, 3)), ("ii->i", (3, 3)),
            ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)), ("ij->", (2, 3)), ("i,j->ij", (2,), (3,)),
            ("ij,ij->i", (2, 3), (2, 3)), ("ijk->kji", (2, 3, 4)), ("ij,j", (2, 3), (3,)),
            ("iij,jk->ik", (2, 2, 3), (3, 2)), ("ij,kl->", (2, 2), (1, 3)),
            ("...ij,...jk->...ik", (2, 3, 4), (2, 4, 2)), ("...ij,jk", (2, 2, 3), (3, 2)),
            ("i...->...", (2, 3)), ("...,...", (2, 3), (3,)), ("...i,...i->...", (2, 3), (2, 3)),
            ("ij...,j...->i...", (2, 3), (3,)), ("b...ii->b...", (2, 3, 2, 2)),
            ("...ii->...i", (3, 3)), ("... ij , jk -> ... ik", (2, 3), (3, 2)),
            # length-1 axes broadcast (torch's and NumPy's), a contracted one too
            ("...i,...i->...", (2, 1, 3), (4, 3)), ("ij,jk->ik", (2, 1), (3, 4)))
# NumPy's sublist form: (operand shapes, (sublist per operand[, output sublist]))
SUBLISTS = ((((2, 3), (3, 4)), ((0, 1), (1, 2), (0, 2))), (((3, 3),), ((0, 0),)),
             (((2, 2, 3), (3,)), ((Ellipsis, 0, 1), (1,), (Ellipsis, 0))),
             (((2, 3), (3,)), ((0, 1), (1,))))


def _sublist_args(xs: tuple, subs: tuple) -> list[Any]:
    args: list[Any] = []
    for x, s in zip(xs, subs):
        args += [x, list(s)]
    return args + [list(subs[-1])] if len(subs) > len(xs) else args


def einsum_call(*ts: Tensor, spec: str = "", subs: tuple = ()) -> Tensor:
    return F.einsum(*_sublist_args(ts, subs)) if subs else F.einsum(spec, *ts)


def einsum_ref(*a: np.ndarray, spec: str = "", subs: tuple = ()) -> np.ndarray:
    return np.einsum(*_sublist_args(a, subs)) if subs else np.einsum(spec, *a)


def case(*shapes: tuple[int, ...], domain: Domain = REAL, **kwargs: Any) -> Case:
    return Case(tuple(shapes), kwargs, domain)



def _reduced(loss: np.ndarray, reduction: str = "mean") -> np.ndarray:
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


def bce_prob_ref(p: np.ndarray, y: np.ndarray, reduction: str = "mean") -> np.ndarray:
    return _reduced(-(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100)),
                    reduction)


def layer_norm_call(x: Tensor, w: Tensor, b: Tensor, **kw: Any) -> Tensor:
    """F.layer_norm over the trailing dims the weight names (its normalized_shape)."""
    return F.layer_norm(x, w.shape, w, b, **kw)


def layer_norm_ref(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-5
                   ) -> np.ndarray:
    axes = tuple(range(x.ndim - w.ndim, x.ndim))
    d = x - x.mean(axis=axes, keepdims=True)
    return d / np.sqrt((d * d).mean(axis=axes, keepdims=True) + eps) * w + b


def mse_ref(x: np.ndarray, y: np.ndarray, reduction: str = "mean") -> np.ndarray:
    return _reduced((x - y) ** 2, reduction)


def l1_call(x: Tensor, y: Tensor, **kw: Any) -> Tensor:
    return F.l1_loss(x, y + 7.0, **kw)  # |x - y| kept away from its kink at 0


def l1_ref(x: np.ndarray, y: np.ndarray, reduction: str = "mean") -> np.ndarray:
    return _reduced(np.abs(x - y - 7.0), reduction)


def bce_ref(x: np.ndarray, y: np.ndarray, reduction: str = "mean") -> np.ndarray:
    return _reduced((1 - y) * x + np.logaddexp(0, -x), reduction)


# ---- torch.nn.functional's further activations and losses ----------------------------------
def glu_ref(a: np.ndarray, dim: int = -1) -> np.ndarray:
    first, second = np.split(a, 2, axis=dim)
    return first * sigmoid_ref(second)


def prelu_ref(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """w one slope, or one per channel (dim 1 of x)."""
    w = w.reshape(()) if w.size == 1 else w.reshape((w.size,) + (1,) * (x.ndim - 2))
    return np.where(x > 0, x, w * x)


# the target scaled by 0.01 in the losses' test calls: |input - target| stays off the kinks the
# input's domain avoids (0 and +-beta), as l1_call's shift does for |d|
def smooth_l1_call(x: Tensor, y: Tensor, **kw: Any) -> Tensor:
    return F.smooth_l1_loss(x, y * 0.01, **kw)


def smooth_l1_ref(x: np.ndarray, y: np.ndarray, reduction: str = "mean", beta: float = 1.0
                  ) -> np.ndarray:
    d = np.abs(x - 0.01 * y)
    return _reduced(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def huber_call(x: Tensor, y: Tensor, **kw: Any) -> Tensor:
    return F.huber_loss(x, y * 0.01, **kw)


def huber_ref(x: np.ndarray, y: np.ndarray, reduction: str = "mean", delta: float = 1.0
              ) -> np.ndarray:
    d = np.abs(x - 0.01 * y)
    return _reduced(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def kl_div_ref(x: np.ndarray, t: np.ndarray, reduction: str = "mean",
               log_target: bool = False) -> np.ndarray:
    loss = np.exp(t) * (t - x) if log_target else t * (np.log(t) - x)
    if reduction == "batchmean":
        return loss.sum() / x.shape[0]
    return _reduced(loss, reduction)


def cosine_similarity_ref(a: np.ndarray, b: np.ndarray, dim: int = 1, eps: float = 1e-8
                          ) -> np.ndarray:
    a, b = np.broadcast_arrays(a, b)
    na = np.maximum(np.sqrt((a * a).sum(dim, keepdims=True)), eps)
    nb = np.maximum(np.sqrt((b * b).sum(dim, keepdims=True)), eps)
    return (a / na * (b / nb)).sum(dim)


def _p_norm(a: np.ndarray, p: float, axis: Any, keepdims: bool) -> np.ndarray:
    if np.isinf(p):
        return np.abs(a).max(axis=axis, keepdims=keepdims)
    return (np.abs(a) ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


def normalize_ref(a: np.ndarray, p: float = 2.0, dim: int = 1, eps: float = 1e-12
                  ) -> np.ndarray:
    return a / np.maximum(_p_norm(a, p, dim, True), eps)


def pairwise_distance_call(x: Tensor, y: Tensor, **kw: Any) -> Tensor:
    return F.pairwise_distance(x, y * 0.01, **kw)


def pairwise_distance_ref(x: np.ndarray, y: np.ndarray, p: float = 2.0, eps: float = 1e-6,
                          keepdim: bool = False) -> np.ndarray:
    return _p_norm(x - 0.01 * y + eps, p, -1, keepdim)


def scatter_ref(a: np.ndarray, s: np.ndarray, dim: int = 0, index: Any = (),
                add: bool = True) -> np.ndarray:
    """torch's scatter_add / scatter, one index position at a time."""
    idx, out = np.array(index, dtype=np.intp), a.copy()
    for p in np.ndindex(idx.shape):
        q = list(p)
        q[dim] = idx[p]
        out[tuple(q)] = (out[tuple(q)] if add else 0) + s[p]
    return out


def index_add_ref(a: np.ndarray, s: np.ndarray, dim: int = 0, index: Any = (),
                  alpha: float = 1.0) -> np.ndarray:
    out = a.copy()
    for j, i in enumerate(index):
        out[(slice(None),) * dim + (i,)] += alpha * np.take(s, j, axis=dim)
    return out


def _cubic_ref(d: float) -> float:
    """The cubic convolution kernel (A = -0.75) at distance |d| < 2."""
    a, d = -0.75, abs(d)
    if d <= 1:
        return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
    return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a


def _resample_matrix(mode: str, n: int, m: int, r: float, align_corners: Any) -> np.ndarray:
    """(m, n): output i of one axis as a weighted sum of the n inputs, by torch's rules in
    float64 (r: in / out, or 1 / scale_factor)."""
    w = np.zeros((m, n))
    for i in range(m):
        if mode == "nearest":
            w[i, min(int(np.floor(i * r)), n - 1)] = 1
        elif mode == "nearest-exact":
            w[i, min(int(np.floor((i + 0.5) * r)), n - 1)] = 1
        elif mode == "area":  # the adaptive pool's bin
            lo, hi = i * n // m, -(-(i + 1) * n // m)
            w[i, lo:hi] = 1 / (hi - lo)
        else:
            x = i * ((n - 1) / (m - 1) if m > 1 else 0.0) if align_corners else r * (i + 0.5) - 0.5
            if mode == "bicubic":  # 4 taps about floor(x), clamped to the border
                i0 = int(np.floor(x))
                for j in range(i0 - 1, i0 + 3):
                    w[i, min(max(j, 0), n - 1)] += _cubic_ref(x - j)
                continue
            x = max(x, 0.0)
            i0 = min(int(x), n - 1)
            w[i, i0] += 1 - (x - i0)
            w[i, i0 + (i0 < n - 1)] += x - i0
    return w


def interpolate_ref(a: np.ndarray, size: Any = None, scale_factor: Any = None,
                    mode: str = "nearest", align_corners: Any = None) -> np.ndarray:
    """torch's F.interpolate, one axis at a time, each output entry a weighted sum of its
    source entries (float64 index arithmetic, so the cases keep off float32 ties)."""
    spatial = a.shape[2:]
    k = len(spatial)
    if size is not None:
        sizes = tuple(size) if isinstance(size, tuple) else (size,) * k
        inv = [n / m for n, m in zip(spatial, sizes)]
    else:
        f = tuple(scale_factor) if isinstance(scale_factor, tuple) else (scale_factor,) * k
        sizes = tuple(int(np.floor(n * s)) for n, s in zip(spatial, f))
        inv = [1.0 / s for s in f]
    out = a
    for j, (n, m, r) in enumerate(zip(spatial, sizes, inv)):
        w = _resample_matrix(mode, n, m, r, align_corners)
        out = np.moveaxis(np.tensordot(w, out, axes=([1], [2 + j])), 0, 2 + j)
    return out


# ---- transposed convolution, unfold, fold, pixel shuffle: by their definitions (loops) -------
def _per_axis(v: Any, k: int) -> tuple[int, ...]:
    return (v,) * k if isinstance(v, int) else tuple(v)


def conv_transpose_ref(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                       stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                       groups: int = 1, dilation: Any = 1) -> np.ndarray:
    """torch's conv_transpose1d/2d by definition: pixel p of input channel ci adds
    x[ci, p] * w[ci, co, q] at position p*s + q*d of the uncropped output, whose first and
    last `padding` positions are then cropped (output_padding's extra ones stay 0, + bias)."""
    k = x.ndim - 2
    s, p, o, d = (_per_axis(v, k) for v in (stride, padding, output_padding, dilation))
    n, c_in, cog = x.shape[0], x.shape[1], w.shape[1]
    full = tuple((i - 1) * si + di * (kk - 1) + 1 + oi
                 for i, si, di, kk, oi in zip(x.shape[2:], s, d, w.shape[2:], o))
    y = np.zeros((n, cog * groups) + full)
    for ci in range(c_in):
        g = ci // (c_in // groups)
        for pos in np.ndindex(x.shape[2:]):
            for q in np.ndindex(w.shape[2:]):
                at = tuple(pi * si + qi * di for pi, si, qi, di in zip(pos, s, q, d))
                y[(slice(None), slice(g * cog, (g + 1) * cog)) + at] += (
                    x[(slice(None), ci) + pos][:, None] * w[(ci, slice(None)) + q])
    y = y[(slice(None), slice(None)) + tuple(slice(pi, f - pi) for pi, f in zip(p, full))]
    return y if b is None else y + b.reshape((-1,) + (1,) * k)


def _blocks_ref(size: tuple[int, ...], kernel_size: Any, dilation: Any, padding: Any,
                stride: Any) -> tuple[tuple[int, ...], ...]:
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (_per_axis(v, 2) for v in (
        kernel_size, dilation, padding, stride))
    oh = (size[0] + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (size[1] + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    return (kh, kw), (dh, dw), (ph, pw), (sh, sw), (oh, ow)


def unfold_ref(a: np.ndarray, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
               stride: Any = 1) -> np.ndarray:
    """torch's F.unfold: entry (c*KH*KW + i*KW + j, r*OW + t) is pixel (i, j) of block (r, t)
    of channel c in the zero-padded image."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (oh, ow) = _blocks_ref(
        a.shape[2:], kernel_size, dilation, padding, stride)
    xp = np.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((a.shape[0], a.shape[1] * kh * kw, oh * ow))
    for c, i, j, r, t in np.ndindex(a.shape[1], kh, kw, oh, ow):
        out[:, (c * kh + i) * kw + j, r * ow + t] = xp[:, c, r * sh + i * dh, t * sw + j * dw]
    return out


def fold_ref(a: np.ndarray, output_size: Any, kernel_size: Any, dilation: Any = 1,
             padding: Any = 0, stride: Any = 1) -> np.ndarray:
    """torch's F.fold: unfold_ref's entries added back where they were read, then cropped."""
    size = _per_axis(output_size, 2)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (oh, ow) = _blocks_ref(
        size, kernel_size, dilation, padding, stride)
    c = a.shape[1] // (kh * kw)
    xp = np.zeros((a.shape[0], c, size[0] + 2 * ph, size[1] + 2 * pw))
    for ch, i, j, r, t in np.ndindex(c, kh, kw, oh, ow):
        xp[:, ch, r * sh + i * dh, t * sw + j * dw] += a[:, (ch * kh + i) * kw + j, r * ow + t]
    return xp[:, :, ph:ph + size[0], pw:pw + size[1]]


def pixel_shuffle_ref(a: np.ndarray, upscale_factor: int) -> np.ndarray:
    """torch's F.pixel_shuffle: out[..., c, h r + i, w r + j] = a[..., c r^2 + i r + j, h, w]."""
    r = upscale_factor
    *lead, c, h, w = a.shape
    out = np.zeros((*lead, c // (r * r), h * r, w * r))
    for ch, i, j in np.ndindex(c // (r * r), r, r):
        out[..., ch, i::r, j::r] = a[..., (ch * r + i) * r + j, :, :]
    return out


def pixel_unshuffle_ref(a: np.ndarray, downscale_factor: int) -> np.ndarray:
    """torch's F.pixel_unshuffle: pixel_shuffle_ref's inverse."""
    r = downscale_factor
    *lead, c, h, w = a.shape
    out = np.zeros((*lead, c * r * r, h // r, w // r))
    for ch, i, j in np.ndindex(c, r, r):
        out[..., (ch * r + i) * r + j, :, :] = a[..., ch, i::r, j::r]
    return out


# ---- attention --------------------------------------------------------------------------------
def sdpa_call(q: Tensor, k: Tensor, v: Tensor, mask: Any = None, **kw: Any) -> Tensor:
    """F.scaled_dot_product_attention with a bool attn_mask given as nested tuples."""
    m = None if mask is None else np.array(mask, dtype=bool)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)


def sdpa_ref(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: Any = None,
             is_causal: bool = False, scale: float | None = None,
             enable_gqa: bool = False) -> np.ndarray:
    """softmax(q kᵀ * scale + bias) v; a bool mask (True: attend) or is_causal's lower
    triangle as -inf elsewhere, a float one added; a row with every key masked gives zeros
    (torch 2.13's); enable_gqa repeats key's and value's heads for query's groups."""
    if enable_gqa:
        k, v = (np.repeat(a, q.shape[-3] // a.shape[-3], axis=-3) for a in (k, v))
    s = q @ np.swapaxes(k, -1, -2) * (1 / np.sqrt(q.shape[-1]) if scale is None else scale)
    if s.shape[-1] == 0:  # no keys: zeros
        return s @ v
    if is_causal:
        mask = np.tril(np.ones(s.shape[-2:], dtype=bool))
    if mask is not None:
        mask = np.asarray(mask)
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    dead = np.isneginf(s).all(-1, keepdims=True)
    s = np.where(dead, 0.0, s)
    e = np.exp(s - s.max(-1, keepdims=True))
    return np.where(dead, 0.0, e / e.sum(-1, keepdims=True)) @ v


def unique_consecutive_ref(a: np.ndarray, return_inverse: bool = False,
                           return_counts: bool = False, dim: int | None = None) -> np.ndarray:
    """torch.unique_consecutive by a Python loop over the runs: the values (flattened, or
    slices along dim), else the last of the inverse and the counts asked for."""
    items = list(a.reshape(-1)) if dim is None else list(np.moveaxis(a, dim, 0))
    values: list[Any] = []
    inverse: list[int] = []
    counts: list[int] = []
    for v in items:
        if not values or not np.array_equal(v, values[-1]):
            values.append(v)
            counts.append(0)
        counts[-1] += 1
        inverse.append(len(values) - 1)
    if return_counts:
        return np.array(counts, dtype=np.int64)
    if return_inverse:
        return np.array(inverse, dtype=np.int64).reshape(a.shape if dim is None else -1)
    return np.array(values) if dim is None else np.moveaxis(np.array(values), 0, dim)


def narrow_ref(a: np.ndarray, dim: int, start: int, length: int) -> np.ndarray:
    start = start + a.shape[dim] if start < 0 else start
    return np.take(a, np.arange(start, start + length), axis=dim)


def median_ref(a: np.ndarray, dim: int | None = None, keepdim: bool = False) -> np.ndarray:
    """torch.median: the lower of the two middle values (np.median averages them)."""
    if dim is None:
        return np.sort(a, axis=None)[(a.size - 1) // 2]
    return kthvalue_ref(a, (a.shape[dim] + 1) // 2, dim, keepdim)


def kthvalue_ref(a: np.ndarray, k: int, dim: int = -1, keepdim: bool = False) -> np.ndarray:
    out = np.take(np.sort(a, axis=dim), [k - 1], axis=dim)
    return out if keepdim else np.squeeze(out, dim)


def quantile_ref(a: np.ndarray, q: Any, dim: int | None = None, keepdim: bool = False,
                 interpolation: str = "linear") -> np.ndarray:
    """torch.quantile by np.quantile (the same five methods under NumPy's keywords)."""
    return np.quantile(a, np.asarray(q, dtype=a.dtype), axis=dim, keepdims=keepdim,
                       method=interpolation)


def diag_embed_ref(a: np.ndarray, offset: int = 0, dim1: int = -2, dim2: int = -1) -> np.ndarray:
    """torch.diag_embed by assignment into zeros."""
    n = a.shape[-1]
    m = n + abs(offset)
    out = np.zeros(a.shape[:-1] + (m, m), a.dtype)
    i = np.arange(n)
    out[..., i + max(-offset, 0), i + max(offset, 0)] = a
    nd = out.ndim
    return np.moveaxis(out, (nd - 2, nd - 1), (dim1 % nd, dim2 % nd))


def block_diag_ref(*blocks: np.ndarray) -> np.ndarray:
    """torch.block_diag by assignment into zeros (0-d and 1-d blocks as one row)."""
    bs = [np.reshape(b, (1, -1)) if np.ndim(b) < 2 else b for b in blocks]
    out = np.zeros((sum(b.shape[0] for b in bs), sum(b.shape[1] for b in bs)))
    r = c = 0
    for b in bs:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def histc_ref(a: np.ndarray, bins: int = 100, min: float = 0,  # noqa: A002
              max: float = 0) -> np.ndarray:  # noqa: A002
    """torch.histc's counts by its bin arithmetic, floor((x - min) bins / (max - min)) in x's
    dtype, the last edge in the last bin: np.histogram rounds at the edges otherwise (it put
    -1.6e-183 in the bin below 0, where torch's arithmetic gives 0's)."""
    lo, hi = (a.min(), a.max()) if min == max and a.size else (min, max)
    lo, hi = (lo - 1, hi + 1) if lo == hi else (lo, hi)
    x = a[(a >= lo) & (a <= hi)]
    idx = ((x - a.dtype.type(lo)) * a.dtype.type(bins) / (a.dtype.type(hi) - a.dtype.type(lo)))
    return np.bincount(np.minimum(idx.astype(np.int64), bins - 1), minlength=bins
                       ).astype(a.dtype)
