"""Op-table rows of attention given its weights (functional/mha_forward.py):
multi_head_attention_forward, against a NumPy reference computed head by head."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .refs import case
from .spec import NN, Cases, Domain, OpInfo

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




ROWS: tuple[OpInfo, ...] = (
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
