"""PyTorch's `torch.nn.utils`: gradient clipping, `clip_grad_norm_(parameters, max_norm,
norm_type=2.0, error_if_nonfinite=False)` and `clip_grad_value_(parameters, clip_value)` (the
very functions of `tinygrad_dl.optim`: one home, two paths), its two halves
`get_total_norm(grads, norm_type=2.0, error_if_nonfinite=False)` and
`clip_grads_with_norm_(parameters, max_norm, total_norm)` (torch 2.6's), and a model's
parameters as one vector and back (`parameters_to_vector`, `vector_to_parameters`); and
`nn.utils.rnn` (rnn.py): padded and packed batches of sequences (PackedSequence); and
`nn.utils.parametrize` / `nn.utils.parametrizations` (weight_norm, spectral_norm): a
parameter computed from others (parametrize.py, parametrizations.py); `nn.utils.prune`
(prune.py): torch's pruning masks; and `nn.utils.stateless.functional_call`
(stateless.py), torch.func.functional_call's older path."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ... import engine, write_guard
from ...functional import concatenate
from ...optim.clip_grad import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from ...tensor import Tensor, data_of
from . import parametrizations, parametrize, prune, rnn, stateless

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "parametrizations", "parametrize", "prune",
           "rnn", "stateless", "vector_to_parameters"]


def _tensors(parameters: Any, who: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"nn.utils.{who}: expected Tensors (model.parameters()), got a "
                            f"{type(p).__name__}")
    return params


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined in order, on the graph (PyTorch's): a loss of the
    vector sends each parameter its gradient."""
    params = _tensors(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("nn.utils.parameters_to_vector: no parameters")
    return concatenate([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Any, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive pieces of `vec` (1-D, as long as all the parameters together) into
    each parameter's array, in place (optimizers keep their references; a live graph that
    saved the old values keeps its own copy). Not recorded: a write, as load_state_dict.
    Values for an integer or bool tensor must be ones it holds exactly (else ValueError,
    before any write: NumPy's cast would drop 1.5's fraction, or wrap 300 to 44 in an int8,
    without a word)."""
    params = _tensors(parameters, "vector_to_parameters")
    values = data_of(vec) if isinstance(vec, Tensor) else np.asarray(vec)
    total = sum(p.data.size for p in params)
    if values.ndim != 1 or values.size != total:
        raise ValueError(f"nn.utils.vector_to_parameters: vec must be 1-D with {total} values "
                         f"(the parameters' sizes together), got shape {values.shape}")
    if values.dtype.kind not in "fiub":
        raise TypeError(f"nn.utils.vector_to_parameters: vec must be real numbers, got "
                        f"{values.dtype}")
    start = 0  # (checked before any write: a refused call changes nothing)
    for p in params:
        piece, start = values[start:start + p.data.size], start + p.data.size
        if _lossy(piece, p.data.dtype):
            raise ValueError(f"nn.utils.vector_to_parameters: a {p.data.dtype} tensor "
                             f"{tuple(p.data.shape)} cannot hold the {values.dtype} values "
                             "given for it (a fraction, inf, NaN or a value out of its range "
                             "would be changed without a word)")
    engine.notify_write("nn.utils.vector_to_parameters()")
    start = 0
    for p in params:
        n = p.data.size
        dst = write_guard.writable(p, "nn.utils.vector_to_parameters()")
        dst[...] = values[start:start + n].reshape(p.data.shape)
        start += n


def _lossy(piece: np.ndarray, dtype: np.dtype) -> bool:
    """Whether writing `piece` into an integer or bool array of `dtype` changes a value."""
    if dtype.kind not in "iub" or piece.size == 0 or np.can_cast(piece.dtype, dtype):
        return False
    if piece.dtype.kind == "f":
        with np.errstate(invalid="ignore", over="ignore"):  # (a round trip: lossless?)
            return not (np.isfinite(piece).all()
                        and (piece.astype(dtype).astype(piece.dtype) == piece).all())
    lo, hi = (0, 1) if dtype.kind == "b" else (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
    return not lo <= int(piece.min()) <= int(piece.max()) <= hi
