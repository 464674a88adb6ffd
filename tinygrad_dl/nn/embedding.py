"""PyTorch's Embedding: a table of rows looked up by integer indices."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..ops import Tap
from ..ops.shape import InRange
from ..random import normal
from ..tensor import Tensor, np_dtype
from .module import Module, size_arg


class Embedding(Module):
    """`Embedding(num_embeddings, embedding_dim)`: `weight` (num_embeddings, embedding_dim)
    ~ N(0, 1), PyTorch's init (`rng=` as the other layers), looked up by integer indices of any
    shape: the result has the indices' shape plus (embedding_dim,), and the gradient adds into
    the rows looked up. The char-RNN's x_t U (a one-hot row times U) is this lookup, U[x_t].
    Indices outside [0, num_embeddings) raise (NumPy's -1 would read the last row without a
    word), checked by an op, so a replayed step (jit) checks each batch too."""

    def __init__(self, num_embeddings: int, embedding_dim: int, device: Any = None,
                 dtype: Any = None, *, rng: Any = None) -> None:
        super().__init__()
        check_device(device, "Embedding")
        self.num_embeddings = size_arg("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = size_arg("Embedding", "embedding_dim", embedding_dim)
        dtype = np.float64 if dtype is None else np_dtype(dtype, "Embedding")
        self.weight = Tensor(normal((self.num_embeddings, self.embedding_dim), dtype, rng,
                                    "init"), requires_grad=True)

    def forward(self, indices: Any) -> Tensor:
        idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
        if idx.dtype.kind not in "iu" and not (idx.size == 0 and idx.dtype.kind == "f"):
            raise TypeError(f"Embedding: indices must be integers, got dtype {idx.dtype}")
        idx = idx.astype(np.intp, copy=False)
        Tap.apply(Tensor(idx), fn=InRange("Embedding", self.num_embeddings))
        return self.weight[idx]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
