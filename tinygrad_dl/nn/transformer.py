"""PyTorch's `nn.TransformerEncoderLayer` and `nn.TransformerEncoder`: self-attention and a
feed-forward block, each with a residual connection and a layer norm, as torch writes them:

    post-norm (norm_first=False):  x = norm1(x + sa(x));        x = norm2(x + ff(x))
    pre-norm  (norm_first=True):   x = x + sa(norm1(x));        x = x + ff(norm2(x))
    sa(x) = dropout1(self_attn(x, x, x)[0]),   ff(x) = dropout2(linear2(dropout(act(linear1(x)))))

with torch's submodule names (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1,
dropout2; layers.0, layers.1, ... and norm in the encoder), so a torch state_dict loads as it
is. Always the plain path: torch's inference "fast path" (evaluation without gradients) gives
the same values, except that TransformerEncoder's nested tensors put 0 at padded positions
where this gives their ordinary values.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ..device import check_device
from ..functional import gelu, relu
from ..tensor import Tensor, np_dtype
from .attention import MultiheadAttention, NonDynamicallyQuantizableLinear
from .containers import ModuleList
from .dropout import Dropout
from .module import Module, size_arg
from .normalization import LayerNorm

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": relu, "gelu": gelu}


class TransformerEncoderLayer(Module):
    """`TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation="relu", layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)`,
    called as `forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)` on src
    (S, N, d_model) ((N, S, d_model) with batch_first, (S, d_model) unbatched); the masks as
    MultiheadAttention's. activation: "relu", "gelu" (F.gelu, the exact one, as torch's) or a
    callable (a function or a module).
    Dropout modules draw from `rng=` (else the default generator)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, rng: Any = None) -> None:
        super().__init__()
        who = "TransformerEncoderLayer"
        check_device(device, who)
        d_model = size_arg(who, "d_model", d_model)
        dim_feedforward = size_arg(who, "dim_feedforward", dim_feedforward)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:  # torch's words
                raise RuntimeError(f"activation should be relu/gelu, not {activation}")
        elif not callable(activation):
            raise TypeError(f"{who}: activation must be 'relu', 'gelu' or a callable, got "
                            f"{type(activation).__name__}")
        dt = np.float64 if dtype is None else np_dtype(dtype, who)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dt, rng=rng)
        self.linear1 = NonDynamicallyQuantizableLinear(d_model, dim_feedforward, bias,
                                                       dtype=dt, rng=rng)
        self.dropout = Dropout(dropout, rng=rng)
        self.linear2 = NonDynamicallyQuantizableLinear(dim_feedforward, d_model, bias,
                                                       dtype=dt, rng=rng)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dt)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dt)
        self.dropout1 = Dropout(dropout, rng=rng)
        self.dropout2 = Dropout(dropout, rng=rng)
        # a string names F.relu / F.gelu; a callable is kept (a module one is a child, torch's)
        self.activation = _ACTIVATIONS[activation] if isinstance(activation, str) else activation

    @property
    def batch_first(self) -> bool:
        return self.self_attn.batch_first

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Any, mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """`TransformerEncoder(encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
    mask_check=True)`: num_layers deep copies of encoder_layer (layers.0, layers.1, ...),
    applied in turn, then `norm` when given; `forward(src, mask=None, src_key_padding_mask=None,
    is_causal=None)` passes the masks to every layer. The copies share the original's dropout
    generator (a deep copy of it would draw the same masks in every layer).
    enable_nested_tensor and mask_check choose torch's inference fast path, which this does
    not have: they are kept as attributes and change nothing."""

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module (a "
                            f"TransformerEncoderLayer), got {type(encoder_layer).__name__}")
        n = size_arg("TransformerEncoder", "num_layers", num_layers)
        gens = {id(g): g for m in encoder_layer.modules() for g in vars(m).values()
                if isinstance(g, np.random.Generator)}
        self.layers = ModuleList([copy.deepcopy(encoder_layer, dict(gens)) for _ in range(n)])
        self.num_layers = n
        self.norm = norm
        self.enable_nested_tensor, self.mask_check = bool(enable_nested_tensor), bool(mask_check)

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
