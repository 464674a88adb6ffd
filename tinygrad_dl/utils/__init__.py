"""PyTorch's `torch.utils` path: `tinygrad_dl.utils.data` holds Dataset, TensorDataset and
DataLoader."""

from . import data

__all__ = ["data"]
