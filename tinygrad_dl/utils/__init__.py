"""PyTorch's `torch.utils` path: `tinygrad_dl.utils.data` holds Dataset, TensorDataset, Subset,
ConcatDataset, IterableDataset, ChainDataset, random_split, the samplers (from
`tinygrad_dl.utils.sampler`) and DataLoader."""

from . import data

__all__ = ["data"]
