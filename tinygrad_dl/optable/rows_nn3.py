"""Op-table rows of the torch.nn leftovers' functions (functional/fractional_pool.py): the
fractional max pools, called with fixed _random_samples (binary fractions with exact window
arithmetic, so float32 picks float64's windows), against a NumPy reference that places torch's
windows by their formula and takes each window's max."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from .. import functional as F
from .. import ops
from ..tensor import Tensor
from .refs import case
from .spec import DISTINCT, Cases, Domain, OpInfo

NN = "Neural-network functions"
_SAMPLES = (0.25, 0.5, 0.75, 0.125, 0.625, 0.375)


def _samples(n: int, c: int, dims: int, dtype: Any) -> np.ndarray:
    return np.resize(np.array(_SAMPLES), (n, c, dims)).astype(dtype)


def _starts(u: float, n_in: int, n_out: int, k: int) -> list[int]:
    """torch's window starts: int((i + u) * alpha) - int(u * alpha), the last at n_in - k."""
    if n_out == 1:
        return [n_in - k]
    alpha = (n_in - k) / (n_out - 1)
    return [math.trunc((i + u) * alpha) - math.trunc(u * alpha)
            for i in range(n_out - 1)] + [n_in - k]


def fractional_ref(x: np.ndarray, kernel_size: Any, output_size: Any) -> np.ndarray:
    """Each plane's windows placed by its samples (2-d: the width's sample first), the max of
    each window, window by window."""
    dims = x.ndim - 2
    k = (kernel_size,) * dims if isinstance(kernel_size, int) else tuple(kernel_size)
    o = (output_size,) * dims if isinstance(output_size, int) else tuple(output_size)
    s = _samples(x.shape[0], x.shape[1], dims, np.float64)
    out = np.zeros(x.shape[:2] + o)
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        u = s[n, c][::-1] if dims == 2 else s[n, c]
        starts = [_starts(float(u[j]), x.shape[2 + j], o[j], k[j]) for j in range(dims)]
        for pos in itertools.product(*(range(oj) for oj in o)):
            cut = tuple(slice(starts[j][pos[j]], starts[j][pos[j]] + k[j]) for j in range(dims))
            out[(n, c) + pos] = x[(n, c) + cut].max()
    return out


def _call(fn: Any, j: int | None = None) -> Any:
    def call(x: Tensor, **kw: Any) -> Tensor:
        s = _samples(x.shape[0], x.shape[1], x.ndim - 2, x.dtype)
        r = fn(x, _random_samples=s, **kw)
        return r if j is None else r[j]
    return call


_CASES2 = Cases((case((2, 2, 6, 7), domain=DISTINCT, kernel_size=2, output_size=3),
                 case((1, 3, 5, 6), domain=DISTINCT, kernel_size=(2, 3), output_size=(4, 2))))
_CASES3 = Cases((case((1, 2, 6, 5, 7), domain=DISTINCT, kernel_size=2, output_size=(3, 2, 3)),))

ROWS: tuple[OpInfo, ...] = (
    OpInfo("fractional_max_pool2d", ops.FractionalMaxPool,
           "max over torch's pseudo-random windows (N, C, H, W), output_size or output_ratio, "
           "_random_samples, return_indices", NN, F=("fractional_max_pool2d",),
           function=F.fractional_max_pool2d, call=_call(F.fractional_max_pool2d),
           ref=fractional_ref, sample=_CASES2,
           grad="to each window's first maximum (the last NaN), as torch's"),
    OpInfo("fractional_max_pool2d_with_indices", ops.FractionalMaxPool,
           "(values, int64 flat indices) of fractional_max_pool2d", NN,
           F=("fractional_max_pool2d_with_indices",),
           function=F.fractional_max_pool2d_with_indices,
           call=_call(F.fractional_max_pool2d_with_indices, 0), ref=fractional_ref,
           sample=_CASES2, grad="fractional_max_pool2d's (the indices are constants)"),
    OpInfo("fractional_max_pool3d", ops.FractionalMaxPool,
           "max over torch's pseudo-random windows (N, C, T, H, W)", NN,
           F=("fractional_max_pool3d",), function=F.fractional_max_pool3d,
           call=_call(F.fractional_max_pool3d), ref=fractional_ref, sample=_CASES3,
           grad="to each window's first maximum (the last NaN), as torch's"),
    OpInfo("fractional_max_pool3d_with_indices", ops.FractionalMaxPool,
           "(values, int64 flat indices) of fractional_max_pool3d", NN,
           F=("fractional_max_pool3d_with_indices",),
           function=F.fractional_max_pool3d_with_indices,
           call=_call(F.fractional_max_pool3d_with_indices, 0), ref=fractional_ref,
           sample=_CASES3, grad="fractional_max_pool3d's (the indices are constants)"),
)


# scores within a few units: a saturated softmax leaves gradients of 1e-11 that finite
# differences cannot resolve
_SMALL = Domain(-0.5, 0.5)


def _mha_call(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor, ow: Tensor, ob: Tensor,
              num_heads: int = 2, need_weights: bool = False) -> Tensor:
    out, weights = F.multi_head_attention_forward(
        q, k, v, q.shape[-1], num_heads, w, b, None, None, False, 0.0, ow, ob,
        need_weights=need_weights, average_attn_weights=False)
    if weights is None:
        return out
    # the weights times a ramp (their plain sum is 1 per row: no gradient to check)
    count = int(np.prod(weights.shape))
    ramp = (np.arange(count).reshape(weights.shape) / count).astype(weights.dtype)
    return out.sum() + (weights * ramp).sum()


def mha_ref(q: np.ndarray, k: np.ndarray, v: np.ndarray, w: np.ndarray, b: np.ndarray,
            ow: np.ndarray, ob: np.ndarray, num_heads: int = 2,
            need_weights: bool = False) -> np.ndarray:
    """Per sample n and head h: softmax(q_h k_hᵀ / sqrt(hd)) v_h, the heads concatenated,
    then the output projection."""
    L, N, E = q.shape
    hd = E // num_heads
    out = np.zeros((L, N, E))
    ramp = np.arange(N * num_heads * L * k.shape[0]).reshape(N, num_heads, L, -1) / (
        N * num_heads * L * k.shape[0])
    wsum = 0.0
    for n in range(N):
        qp, kp, vp = (x[:, n] @ w[i * E:(i + 1) * E].T + b[i * E:(i + 1) * E]
                      for i, x in enumerate((q, k, v)))
        heads = []
        for h in range(num_heads):
            cut = slice(h * hd, (h + 1) * hd)
            s = qp[:, cut] @ kp[:, cut].T / np.sqrt(hd)
            p = np.exp(s - s.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            wsum += (p * ramp[n, h]).sum()
            heads.append(p @ vp[:, cut])
        out[:, n] = np.concatenate(heads, axis=1) @ ow.T + ob
    return out if not need_weights else out.sum() + wsum


ROWS += (
    OpInfo("multi_head_attention_forward", "linear, the attention's matmuls and softmax "
           "(functional/attention.attend), linear (nn.MultiheadAttention's forward)",
           "torch's functional multi-head attention given its weights (L, N, E), masks, "
           "bias_k/bias_v, add_zero_attn, static_k/static_v, dropout", NN,
           F=("multi_head_attention_forward",), function=F.multi_head_attention_forward,
           tensors=3, call=_mha_call, ref=mha_ref,
           sample=Cases((case((3, 2, 4), (5, 2, 4), (5, 2, 4), (12, 4), (12,), (4, 4), (4,),
                              domain=_SMALL),
                         case((2, 1, 4), (3, 1, 4), (3, 1, 4), (12, 4), (12,), (4, 4), (4,),
                              domain=_SMALL, need_weights=True, num_heads=1))),
           grad="its ops' (the projections, scores, softmax, weighted sum, output projection)"),
)
