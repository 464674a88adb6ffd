"""PyTorch's Embedding: a table of rows looked up by integer indices; and EmbeddingBag (a
`weight` parameter, as torch's), which reduces each bag of looked-up rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import write_guard
from ..device import check_device
from ..functional import embedding_bag
from ..functional.layers import lookup, padding_index
from ..functional.methods import number_arg
from ..random import normal
from ..tensor import Tensor, np_dtype
from . import init as nn_init
from .arg_checks import size_arg, weight_fits
from .module import Module


class Embedding(Module):
    """`Embedding(num_embeddings, embedding_dim)`: `weight` (num_embeddings, embedding_dim)
    ~ N(0, 1), PyTorch's init (`rng=` as the other layers), looked up by integer indices of any
    shape: the result has the indices' shape plus (embedding_dim,), and the gradient adds into
    the rows looked up. The char-RNN's x_t U (a one-hot row times U) is this lookup, U[x_t].
    Indices outside [0, num_embeddings) raise (NumPy's -1 would read the last row without a
    word), checked by an op, so a replayed step (jit) checks each batch too. `padding_idx`:
    that row starts at zeros and gets no gradient, as PyTorch's. `max_norm` (with `norm_type`):
    the rows each forward reads are first renormalized in place to at most that norm, as
    torch's (a jitted step with it runs eagerly, with jit's warning); `scale_grad_by_freq`:
    each row's gradient divided by how often the batch reads it. The lookup is F.embedding's."""

    # (class defaults: a module pickled before these existed reads them too)
    max_norm: float | None = None
    norm_type: float = 2.0
    scale_grad_by_freq: bool = False

    def __init__(self, num_embeddings: int, embedding_dim: int, device: Any = None,
                 dtype: Any = None, *, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Any = None, _freeze: bool = False, rng: Any = None) -> None:
        super().__init__()
        set_table_options(self, "Embedding", max_norm, norm_type, scale_grad_by_freq, sparse)
        if isinstance(device, (int, np.integer)) and not isinstance(device, bool):
            # torch's third positional argument is padding_idx: say so, not "not a device"
            raise TypeError(f"Embedding: the third positional argument is device here (torch's "
                            f"is padding_idx); pass padding_idx={device} by keyword")
        check_device(device, "Embedding")
        self.num_embeddings = size_arg("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = size_arg("Embedding", "embedding_dim", embedding_dim)
        n, shape = self.num_embeddings, (self.num_embeddings, self.embedding_dim)
        padding_idx = padding_index("Embedding", padding_idx, n)
        if _weight is not None:  # (torch's: that table, shared, its padding row kept)
            self.weight = table_parameter("Embedding", _weight, dtype, shape)
            self.weight.requires_grad_(not _freeze)
        else:
            dtype = np.float64 if dtype is None else np_dtype(dtype, "Embedding")
            weight_fits("Embedding", shape, dtype)
            self.weight = Tensor(normal(shape, dtype, rng, "init"), requires_grad=True)
            if padding_idx is not None:
                self.weight.data[padding_idx] = 0
        self.padding_idx = padding_idx
        self.__dict__["_rng"] = rng  # (reset_parameters draws from it again)

    def reset_parameters(self) -> None:
        """torch's: the table drawn again from N(0, 1), in place, its padding row 0."""
        nn_init.normal_(self.weight, generator=self.__dict__.get("_rng"))
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """PyTorch's: an Embedding whose weight is the given 2-D float table (the same array,
        as torch's Parameter shares the tensor's storage; its padding row kept as it is, not
        zeroed), frozen (requires_grad=False) unless freeze=False. Nothing is drawn. max_norm,
        norm_type and scale_grad_by_freq as the constructor's (max_norm writes into that
        shared table, as torch's)."""
        who = "Embedding.from_pretrained"
        e = cls.__new__(cls)  # (not __init__: it would draw a table only to drop it)
        Module.__init__(e)
        set_table_options(e, who, max_norm, norm_type, scale_grad_by_freq, sparse)
        e.weight = table_parameter(who, embeddings, None, None)  # (registered as a parameter,
        e.weight.requires_grad_(not freeze)  # then frozen: in state_dict and parameters())
        e.num_embeddings, e.embedding_dim = e.weight.shape
        e.padding_idx = padding_index(who, padding_idx, e.num_embeddings)
        return e

    def forward(self, indices: Any) -> Tensor:
        return lookup("Embedding", indices, self.weight, self.padding_idx, self.max_norm,
                      self.norm_type, self.scale_grad_by_freq)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}" + table_options(self)


def set_table_options(m: Module, who: str, max_norm: Any, norm_type: Any,
                      scale_grad_by_freq: Any, sparse: Any) -> None:
    """An embedding table's max_norm, norm_type and scale_grad_by_freq, checked at construction
    (not at the first forward); sparse=True refused."""
    if sparse:
        raise ValueError(f"{who}: sparse=True is not supported (only dense gradients, whose "
                         "values are the same)")
    if max_norm is not None:
        number_arg(who, "max_norm", max_norm)
    number_arg(who, "norm_type", norm_type)
    m.max_norm, m.norm_type = max_norm, norm_type  # type: ignore[attr-defined]
    m.scale_grad_by_freq = bool(scale_grad_by_freq)  # type: ignore[attr-defined]


def table_options(m: Any) -> str:
    """torch's extra_repr words for an embedding table's options that are not the default."""
    s = "" if m.max_norm is None else f", max_norm={m.max_norm}"
    if m.norm_type != 2:
        s += f", norm_type={m.norm_type}"
    return s + (", scale_grad_by_freq=True" if m.scale_grad_by_freq else "")


# ---- EmbeddingBag ---------------------------------------------------------------------------
class EmbeddingBag(Module):
    """`EmbeddingBag(num_embeddings, embedding_dim, mode='mean')`: `weight` ~ N(0, 1)
    (torch's init; padding_idx's row zeros), forward(input, offsets=None,
    per_sample_weights=None) the sum, mean or max of each bag's rows (F.embedding_bag), with
    its max_norm / norm_type renorm and scale_grad_by_freq (sum and mean); sparse=True refused."""

    max_norm: float | None = None  # (class defaults: as Embedding's)
    norm_type: float = 2.0
    scale_grad_by_freq: bool = False

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: Any = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device: Any = None, dtype: Any = None, *,
                 rng: Any = None) -> None:
        super().__init__()
        check_device(device, "EmbeddingBag")
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        if scale_grad_by_freq and mode == "max":  # (torch's refusal, at its forward)
            raise ValueError("EmbeddingBag: max mode does not support scaling the gradient by "
                             "the frequency (scale_grad_by_freq=True)")
        set_table_options(self, "EmbeddingBag", max_norm, norm_type, scale_grad_by_freq, sparse)
        n = self.num_embeddings = size_arg("EmbeddingBag", "num_embeddings", num_embeddings)
        self.embedding_dim = size_arg("EmbeddingBag", "embedding_dim", embedding_dim)
        padding_idx = padding_index("EmbeddingBag", padding_idx, n)
        if _weight is not None:  # (torch's: that table, shared, its padding row kept)
            self.weight = table_parameter("EmbeddingBag", _weight, dtype,
                                          (n, self.embedding_dim))
        else:
            dtype = np.float64 if dtype is None else np_dtype(dtype, "EmbeddingBag")
            weight_fits("EmbeddingBag", (n, self.embedding_dim), dtype)
            w = normal((n, self.embedding_dim), dtype, rng, "init")
            if padding_idx is not None:
                w[padding_idx] = 0
            self.weight = Tensor(w, requires_grad=True)
        self.__dict__["_rng"] = rng  # (reset_parameters draws from it again)
        self.mode, self.include_last_offset = mode, bool(include_last_offset)
        self.padding_idx = padding_idx

    def reset_parameters(self) -> None:
        """torch's: the table drawn again from N(0, 1), in place, its padding row 0."""
        nn_init.normal_(self.weight, generator=self.__dict__.get("_rng"))
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, max_norm: Any = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """PyTorch's: an EmbeddingBag whose weight is the given 2-D float table (the same array,
        its dtype, its padding row kept as it is), frozen (requires_grad=False) unless
        freeze=False; the options as the constructor's. Nothing is drawn."""
        n, dim = table_parameter("EmbeddingBag.from_pretrained", embeddings, None, None).shape
        e = cls(n, dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings,
                include_last_offset, padding_idx)
        e.weight.requires_grad_(not freeze)
        return e

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, mode=self.mode,
                             per_sample_weights=per_sample_weights,
                             include_last_offset=self.include_last_offset,
                             padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return (f"{self.num_embeddings}, {self.embedding_dim}" + table_options(self)
                + f", mode='{self.mode}'{pad}")


def table_parameter(who: str, table: Any, dtype: Any, shape: tuple[int, ...] | None) -> Tensor:
    """The weight of an embedding given a table (torch's `_weight`, from_pretrained's
    embeddings): a parameter on the same float array (torch's Parameter shares the tensor's
    storage), of `shape` (None: any 2-D). `dtype` must be the table's or None (torch ignores
    it here: the table is shared as it is). The tie holds: while a live graph holds the array,
    a write through the weight (a step, max_norm's renorm, load_state_dict) or through the
    given Tensor is refused, as a detach()'s, where a copy would silently untie them (the
    user's table, or a second module given the same table, left at the old values)."""
    w = table.data if isinstance(table, Tensor) else np.asarray(table)
    if w.dtype.kind != "f":
        raise TypeError(f"{who}: the table must hold floats (a parameter needs them), got dtype "
                        f"{w.dtype}; cast it with .astype(np.float32) first")
    if dtype is not None and (want := np.dtype(np_dtype(dtype, who))) != w.dtype:
        raise TypeError(f"{who}: dtype={want} differs from the given table's "
                        f"{w.dtype}, which is shared as it is (torch ignores dtype here); cast "
                        "the table first, or leave dtype out")
    if shape is None and w.ndim != 2:
        raise ValueError(f"{who}: embeddings must be a 2-D float table, got shape {w.shape}")
    if shape is not None and w.shape != shape:
        raise ValueError(f"{who}: _weight must have shape {shape}, got {w.shape}")
    p = Tensor(w, requires_grad=True)
    if isinstance(table, Tensor) and table._ctx is None:  # (an op's result: its graph may
        write_guard.alias(table)  # hold its array for as long as it lives; a step copies)
        write_guard.alias(p)
    elif isinstance(table, np.ndarray) and np.may_share_memory(w, table):
        write_guard.alias(p)
    return p
