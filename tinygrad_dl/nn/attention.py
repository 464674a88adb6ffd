"""PyTorch's `nn.MultiheadAttention`, as torch's `F.multi_head_attention_forward` writes it,
over the graph's ops (so its gradient is theirs):

    q, k, v = query W_qᵀ + b_q, key W_kᵀ + b_k, value W_vᵀ + b_v      (then split in heads)
    head_i  = softmax(q_i k_iᵀ / sqrt(head_dim) + mask) v_i
    out     = concat(head_1, ..., head_h) W_oᵀ + b_o

with torch's parameter names and shapes (in_proj_weight (3E, E) when key and value have the
query's width E, else q_proj_weight, k_proj_weight, v_proj_weight; in_proj_bias (3E);
bias_k, bias_v (1, 1, E); out_proj.weight, out_proj.bias), so a torch state_dict loads as it
is, and its initialisation scheme (xavier-uniform projections, zero biases, out_proj.weight
U(±1/sqrt(E)), bias_k/bias_v xavier-normal), drawn from `rng=` or the default generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..device import check_device
from ..functional.attention import flag
from ..functional.methods import as_tensor_of
from ..functional.mha_forward import multi_head_attention_forward
from ..ops import Tap
from ..random import as_rng, normal, uniform
from ..tensor import Tensor, np_dtype
from .arg_checks import dropout_arg, size_arg, weight_fits
from .layers import Linear
from .module import Module


class NonDynamicallyQuantizableLinear(Linear):
    """nn.Linear under PyTorch's state_dict names, `weight` and `bias` (a plain Linear lists
    them as the course's `W` and `b`), torch's class of MultiheadAttention.out_proj; also the
    transformer layers' linear1 and linear2, so a torch state_dict of theirs loads as it is.
    `W` and `b` are the same Tensors, as `weight` and `bias` are on a Linear."""

    # the registry names are weight/bias: class attributes that are not properties (Linear's
    # WeightBias makes them aliases of W/b), and W/b become the aliases instead
    weight: Any = None
    bias: Any = None
    # (so no course names to map: Linear's {"W": "weight"} sent parametrize and prune to a
    # parameter `W` it does not register, refusing out_proj.weight)
    torch_names: dict[str, str] = {}

    @property
    def W(self) -> Tensor:  # type: ignore[override]
        return self.weight

    @W.setter
    def W(self, value: Tensor) -> None:
        self.weight = value

    @property
    def b(self) -> Tensor | None:  # type: ignore[override]
        return self.bias

    @b.setter
    def b(self, value: Tensor | None) -> None:
        self.bias = value


def _param(shape: tuple[int, ...], values: np.ndarray) -> Tensor:
    return Tensor(values.reshape(shape), requires_grad=True)


def _xavier_uniform(shape: tuple[int, int], dtype: Any, rng: Any) -> Tensor:
    """nn.init.xavier_uniform_ of a new (out, in) weight: U(±sqrt(6 / (in + out)))."""
    # (in nn.init.xavier_uniform_'s order, torch's: sqrt(6 / n) was 1 ulp off its bound)
    bound = math.sqrt(3.0) * math.sqrt(2.0 / max(shape[0] + shape[1], 1))
    return _param(shape, uniform(shape, -bound, bound, dtype, rng, "init"))


class MultiheadAttention(Module):
    """`MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
    add_zero_attn=False, kdim=None, vdim=None, batch_first=False)`: called as
    `forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)` on query (L, N, E), key (S, N, kdim), value
    (S, N, vdim) ((N, L, E)... with batch_first; (L, E)... unbatched), returns (output
    (L, N, E), weights or None): the weights (N, L, S) averaged over the heads, or
    (N, num_heads, L, S) with average_attn_weights=False, when need_weights.

    Masks mean what they mean in PyTorch's MultiheadAttention: a bool True means "may NOT
    attend" (key_padding_mask (N, S): the padding keys; attn_mask (L, S) or
    (N * num_heads, L, S)), a float mask is added to the scores. is_causal=True is torch's
    hint that attn_mask is the causal mask: it needs attn_mask (as torch) and one that is not
    causal is refused (torch would use a causal mask in its place on some paths and the given
    one on others). Dropout (p=dropout) on the weights in training, its masks from the module's
    `rng` (the returned weights are the dropped ones, as torch's). A query whose keys are all
    masked gives NaN weights and output when need_weights (torch's softmax), zeros when not
    (torch's scaled_dot_product_attention).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None, *, rng: Any = None) -> None:
        super().__init__()
        who = "MultiheadAttention"
        check_device(device, who)
        E = self.embed_dim = size_arg(who, "embed_dim", embed_dim)
        H = self.num_heads = size_arg(who, "num_heads", num_heads)
        if E <= 0 or H <= 0:
            raise ValueError(f"{who}: embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={E} and num_heads={H}")
        if E % H:
            raise ValueError(f"{who}: embed_dim ({E}) must be divisible by num_heads ({H})")
        self.kdim = E if kdim is None else size_arg(who, "kdim", kdim)
        self.vdim = E if vdim is None else size_arg(who, "vdim", vdim)
        self.dropout, self.head_dim = dropout_arg(who, dropout), E // H
        self.batch_first, self.add_zero_attn = bool(batch_first), bool(add_zero_attn)
        self.rng = as_rng(rng, who)  # the dropout masks' generator (and the init's)
        dt = np.float64 if dtype is None else np_dtype(dtype, who)
        weight_fits(who, (E, 2 * E + self.kdim + self.vdim), dt)  # (the in and out projections)
        # torch's order of registration, so state_dict lists the keys in torch's order
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _xavier_uniform((3 * E, E), dt, rng)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)  # (torch's: a plain tensor is refused)
        else:
            self.q_proj_weight = _xavier_uniform((E, E), dt, rng)
            self.k_proj_weight = _xavier_uniform((E, self.kdim), dt, rng)
            self.v_proj_weight = _xavier_uniform((E, self.vdim), dt, rng)
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias",
                                _param((3 * E,), np.zeros(3 * E, dt)) if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(E, E, bool(bias), dtype=dt, rng=rng)
        if bias:  # (torch zeroes it after Linear's init drew it)
            self.out_proj.bias.data[...] = 0.0
        self.bias_k = self.bias_v = None
        if add_bias_kv:  # xavier_normal_ of (1, 1, E): fan_in = fan_out = E
            std = math.sqrt(1.0 / E)
            self.bias_k = _param((1, 1, E), normal((1, 1, E), dt, rng, "init") * std)
            self.bias_v = _param((1, 1, E), normal((1, 1, E), dt, rng, "init") * std)

    @property
    def _qkv_same_embed_dim(self) -> bool:
        return self.kdim == self.embed_dim and self.vdim == self.embed_dim

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True, is_causal: bool = False
                ) -> tuple[Tensor, Tensor | None]:
        for name, given in (("need_weights", need_weights), ("is_causal", is_causal),
                            ("average_attn_weights", average_attn_weights)):
            flag(name, given, "MultiheadAttention")
        same = query is key and key is value  # (self-attention: one projection of the three)
        q, k, v = (as_tensor_of(t) for t in (query, key, value))
        batched = self._check_inputs(q, k, v, key_padding_mask, attn_mask)
        if is_causal:
            self._check_causal(attn_mask, q.shape[-2 if batched and self.batch_first else 0],
                               k.shape[-2 if batched and self.batch_first else 0])
        if batched and self.batch_first:  # (once when self-attention: one projection)
            q, k, v = (q.swapaxes(0, 1),) * 3 if same else (t.swapaxes(0, 1) for t in (q, k, v))
        elif same:
            k = v = q
        out, weights = multi_head_attention_forward(
            q, k, v, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight,
            self.out_proj.bias, self.training, key_padding_mask, need_weights, attn_mask,
            not self._qkv_same_embed_dim, self.q_proj_weight, self.k_proj_weight,
            self.v_proj_weight, average_attn_weights=average_attn_weights, is_causal=is_causal,
            rng=self.rng)  # (is_causal passed on: torch's causal mask then covers the extra keys)
        return (out.swapaxes(0, 1) if batched and self.batch_first else out), weights

    def _check_inputs(self, q: Tensor, k: Tensor, v: Tensor, kpm: Any, mask: Any) -> bool:
        """torch's shape checks, each one line; True when the input is batched."""
        who = "MultiheadAttention"
        qs, ks, vs = tuple(q.shape), tuple(k.shape), tuple(v.shape)
        layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
        got = f"got query {qs}, key {ks}, value {vs}"
        if len(qs) not in (2, 3) or len(ks) != len(qs) or len(vs) != len(qs):
            raise ValueError(f"{who}: query, key and value must all be batched {layout} or "
                             f"all unbatched (L, E); {got}")
        batched = len(qs) == 3
        E, bf = self.embed_dim, batched and self.batch_first
        if qs[-1] != E or ks[-1] != self.kdim or vs[-1] != self.vdim:
            raise ValueError(f"{who}: expected the last dimensions of query, key and value to "
                             f"be embed_dim={E}, kdim={self.kdim}, vdim={self.vdim}; {got}")
        if ks[:-1] != vs[:-1] or (batched and qs[1 - bf] != ks[1 - bf]):
            raise ValueError(f"{who}: key and value must have the same length and batch size, "
                             f"and the batch size of query; {got}")
        L, S = qs[bf], ks[bf]
        N = qs[1 - bf] if batched else 1  # (the masks cover the given keys only: bias_k
        # and add_zero_attn add a column of their own)
        if kpm is not None:
            shape = tuple(np.shape(kpm.data if isinstance(kpm, Tensor) else kpm))
            want = (N, S) if batched else (S,)
            if shape != want:
                raise ValueError(f"{who}: key_padding_mask must have shape {want} (batch, "
                                 f"source length), got {shape}")
        if mask is not None:
            shape = tuple(np.shape(mask.data if isinstance(mask, Tensor) else mask))
            wants = [(L, S), (N * self.num_heads, L, S)]
            if shape not in wants:
                raise ValueError(f"{who}: attn_mask must have shape {wants[0]} or "
                                 f"{wants[1]} (batch * num_heads, L, S), got {shape}")
        return batched

    def _check_causal(self, attn_mask: Any, L: int, S: int) -> None:
        if attn_mask is None:  # torch's error, word for word
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use "
                               "the Transformer module method `generate_square_subsequent_mask`"
                               " to create this mask.")
        # checked by an op, so a replayed step (jit) checks each call's mask too
        Tap.apply(attn_mask if isinstance(attn_mask, Tensor) else Tensor(attn_mask),
                  fn=_IsCausal(L, S))

    def extra_repr(self) -> str:
        return ""  # (torch's repr shows only out_proj)


@dataclass(frozen=True)
class _IsCausal:
    """A `Tap` check that an (L, S) attn_mask is the causal one (True / -inf exactly above
    the diagonal, False / 0 elsewhere), as is_causal=True says. Equal by value, so the two
    recordings of a jitted step agree and each replayed call's mask is checked (checked in
    Python, a mask recorded causal replayed a later non-causal one without a word)."""

    L: int
    S: int

    def __call__(self, data: np.ndarray) -> None:
        above = np.triu(np.ones((self.L, self.S), dtype=bool), 1)
        if data.dtype == bool:
            causal = bool((data == above).all())
        else:
            causal = bool((np.where(above, np.isneginf(data), data == 0)).all())
        if not causal:
            raise ValueError("MultiheadAttention: is_causal=True says attn_mask is the causal "
                             "mask, and it is not (True / -inf exactly above the diagonal); "
                             "pass is_causal=False to use this mask")
