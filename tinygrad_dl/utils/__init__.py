"""PyTorch's `torch.utils` path: `tinygrad_dl.utils.data` holds DataLoader and re-exports the
datasets (Dataset, TensorDataset, Subset, ConcatDataset, IterableDataset, ChainDataset,
StackDataset, random_split: `tinygrad_dl.utils.datasets`) and the samplers
(`tinygrad_dl.utils.sampler`); `tinygrad_dl.utils.checkpoint` is torch.utils.checkpoint
(activation checkpointing)."""

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
