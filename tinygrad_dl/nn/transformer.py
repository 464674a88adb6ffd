"""PyTorch's `nn.TransformerEncoderLayer` and `nn.TransformerEncoder` (below), and
`nn.TransformerDecoderLayer`, `nn.TransformerDecoder` and `nn.Transformer` (the decoder layer
adds attention to the encoder's output, norm2, between the two blocks; see its docstring).
The encoder layer: self-attention and a
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
from .arg_checks import dropout_arg, size_arg
from .attention import MultiheadAttention, NonDynamicallyQuantizableLinear
from .containers import ModuleList
from .dropout import Dropout
from .init import xavier_uniform_
from .module import Module
from .normalization import LayerNorm

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": relu, "gelu": gelu}


def _build_layer(layer: Module, who: str, attentions: tuple[str, ...], d_model: Any,
                 nhead: int, dim_feedforward: Any, dropout: float, activation: Any,
                 layer_norm_eps: float, batch_first: bool, norm_first: bool, bias: bool,
                 device: Any, dtype: Any, rng: Any) -> None:
    """What the encoder and decoder layers are made of, in torch's order and names (so its
    state dicts load): the attentions, linear1, dropout, linear2, then one norm and one
    dropout per block (one block per attention, plus the feed-forward one). Their checks:
    the sizes as ints, the activation a known name or a callable, the device the CPU."""
    check_device(device, who)
    d_model = size_arg(who, "d_model", d_model)
    dim_feedforward = size_arg(who, "dim_feedforward", dim_feedforward)
    dropout = dropout_arg(who, dropout)  # (checked here, named by the layer, not its attention)
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:  # torch's words
            raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    elif not callable(activation):
        raise TypeError(f"{who}: activation must be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    dt = np.float64 if dtype is None else np_dtype(dtype, who)
    for name in attentions:
        setattr(layer, name, MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                batch_first=batch_first, dtype=dt, rng=rng))
    layer.linear1 = NonDynamicallyQuantizableLinear(d_model, dim_feedforward, bias, dtype=dt,
                                                    rng=rng)
    layer.dropout = Dropout(dropout, rng=rng)
    layer.linear2 = NonDynamicallyQuantizableLinear(dim_feedforward, d_model, bias, dtype=dt,
                                                    rng=rng)
    layer.norm_first = bool(norm_first)
    blocks = range(1, len(attentions) + 2)
    for i in blocks:
        setattr(layer, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dt))
    for i in blocks:
        setattr(layer, f"dropout{i}", Dropout(dropout, rng=rng))
    # a string names F.relu / F.gelu; a callable is kept (a module one is a child, torch's)
    layer.activation = _ACTIVATIONS[activation] if isinstance(activation, str) else activation


def _check_has_layers(who: str, layers: ModuleList) -> None:
    """A stack of 0 layers builds (torch's too) but cannot run: torch's forward reads
    layers[0] (IndexError), so this raises there too, in one line, instead of returning its
    input unchanged."""
    if len(layers) == 0:
        raise IndexError(f"{who}.forward: num_layers is 0, so there is no layer to apply (torch "
                         f"raises too); build it with num_layers >= 1")


def _clones(layer: Module, n: int) -> ModuleList:
    """n deep copies of `layer` that share its dropout generators (a deep copy of a generator
    would draw the same masks in every layer)."""
    gens = {id(g): g for m in layer.modules() for g in vars(m).values()
            if isinstance(g, np.random.Generator)}
    return ModuleList([copy.deepcopy(layer, dict(gens)) for _ in range(n)])


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
        _build_layer(self, "TransformerEncoderLayer", ("self_attn",), d_model, nhead,
                     dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                     norm_first, bias, device, dtype, rng)

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
        self.layers = _clones(encoder_layer, n)
        self.num_layers = n
        self.norm = norm
        self.enable_nested_tensor, self.mask_check = bool(enable_nested_tensor), bool(mask_check)

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        _check_has_layers("TransformerEncoder", self.layers)
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoderLayer(Module):
    """`TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation="relu", layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)`:
    self-attention over tgt, attention from tgt to memory (the encoder's output), then the
    feed-forward block, each with a residual connection and a layer norm, as torch writes it:

        post-norm: x = norm1(x + sa(x));  x = norm2(x + mha(x, mem));  x = norm3(x + ff(x))
        pre-norm:  x = x + sa(norm1(x));  x = x + mha(norm2(x), mem);  x = x + ff(norm3(x))

    called as `forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)` on tgt
    (T, N, d_model) and memory (S, N, d_model) ((N, T, d_model)... with batch_first, (T, d_model)
    unbatched); tgt_mask (T, T), memory_mask (T, S), as MultiheadAttention's masks. torch's
    submodule names (self_attn, multihead_attn, linear1, linear2, norm1, norm2, norm3; dropout,
    dropout1, dropout2, dropout3), so a torch state_dict loads as it is."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, rng: Any = None) -> None:
        super().__init__()
        _build_layer(self, "TransformerDecoderLayer", ("self_attn", "multihead_attn"), d_model,
                     nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                     norm_first, bias, device, dtype, rng)

    @property
    def batch_first(self) -> bool:
        return self.self_attn.batch_first

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x: Any, mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout1(x)

    def _mha_block(self, x: Any, mem: Any, mask: Any, key_padding_mask: Any,
                   is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    """`TransformerDecoder(decoder_layer, num_layers, norm=None)`: num_layers deep copies of
    decoder_layer (layers.0, layers.1, ...), applied in turn to tgt with the same memory, then
    `norm` when given; `forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None,
    memory_is_causal=False)` passes the masks to every layer. The copies share the original's
    dropout generator, as TransformerEncoder's."""

    def __init__(self, decoder_layer: Module, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        if not isinstance(decoder_layer, Module):
            raise TypeError(f"TransformerDecoder: decoder_layer must be a Module (a "
                            f"TransformerDecoderLayer), got {type(decoder_layer).__name__}")
        n = size_arg("TransformerDecoder", "num_layers", num_layers)
        self.layers = _clones(decoder_layer, n)
        self.num_layers = n
        self.norm = norm

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        # (tgt_is_causal=None: torch looks whether tgt_mask is the causal mask, to choose a
        # kernel; the mask itself gives the same values, so None is False here)
        _check_has_layers("TransformerDecoder", self.layers)
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """`Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
    dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
    custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)`:
    a TransformerEncoder (encoder.layers.N, encoder.norm) and a TransformerDecoder
    (decoder.layers.N, decoder.norm), each with a final LayerNorm, or the custom modules given;
    `forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None,
    tgt_is_causal=None, memory_is_causal=False)` is decoder(tgt, encoder(src)). torch's init:
    after the layers' own, every parameter with more than one dimension (custom modules' too)
    is drawn again by xavier_uniform_, from `rng=` (else the default generator)."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", custom_encoder: Any = None,
                 custom_decoder: Any = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, rng: Any = None) -> None:
        super().__init__()
        who = "Transformer"
        for name, custom in (("custom_encoder", custom_encoder),
                             ("custom_decoder", custom_decoder)):
            if custom is not None and not isinstance(custom, Module):
                raise TypeError(f"{who}: {name} must be a Module or None, got "
                                f"{type(custom).__name__}")
        d_model = size_arg(who, "d_model", d_model)
        if custom_encoder is None or custom_decoder is None:  # (unused beside both: torch's)
            dropout = dropout_arg(who, dropout)
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias, device, dtype)
        dt = np.float64 if dtype is None else np_dtype(dtype, who)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*args, rng=rng), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dt))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*args, rng=rng), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dt))
        for p in self.parameters():  # torch's _reset_parameters
            if p.ndim > 1:
                xavier_uniform_(p, generator=rng)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, bool(batch_first)

    def forward(self, src: Any, tgt: Any, src_mask: Any = None, tgt_mask: Any = None,
                memory_mask: Any = None, src_key_padding_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        ss, ts = _shape(src), _shape(tgt)
        got = f"got src {ss}, tgt {ts}"
        if len(ss) not in (2, 3) or len(ts) != len(ss):
            raise ValueError(f"Transformer: src and tgt must both be batched (3-D) or both "
                             f"unbatched (2-D); {got}")
        b = 0 if self.batch_first else 1
        if len(ss) == 3 and ss[b] != ts[b]:  # torch's words, with the shapes
            raise RuntimeError(f"the batch number of src and tgt must be equal; {got}")
        if ss[-1] != self.d_model or ts[-1] != self.d_model:
            raise RuntimeError(f"the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}); {got}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None,
                                        dtype: Any = None) -> Tensor:
        """The (sz, sz) causal mask: -inf above the diagonal (may not attend), 0 elsewhere;
        float64 unless `dtype` says otherwise; dtype=bool: True above the diagonal (torch's
        -inf cast to bool, the same mask for MultiheadAttention)."""
        who = "Transformer.generate_square_subsequent_mask"
        check_device(device, who)
        sz = size_arg(who, "sz", sz)
        dt = np.float64 if dtype is None else np_dtype(dtype, who)
        if np.dtype(dt) == np.bool_:
            return Tensor(np.triu(np.ones((sz, sz), bool), 1))
        if np.dtype(dt).kind != "f":  # (torch: -inf does not fit an integer type)
            raise TypeError(f"{who}: dtype must be a floating dtype (the mask holds -inf) or "
                            f"bool, got {np.dtype(dt)}")
        return Tensor(np.triu(np.full((sz, sz), -np.inf, dt), 1))


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))
