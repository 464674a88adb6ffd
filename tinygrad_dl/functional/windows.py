"""PyTorch's window functions: hann_window, hamming_window, blackman_window, bartlett_window
and kaiser_window (periodic=True by default, as torch's; leaves in the default dtype, float64
here, torch's float32)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import I0
from ..tensor import Tensor, np_dtype
from .constructors import leaf_tensor, length_arg


def _float_dtype(who: str, dtype: Any) -> np.dtype:
    dt = np.dtype(np.float64 if dtype is None else np_dtype(dtype, who))
    if dt.kind != "f":
        raise TypeError(f"{who}: expects a floating point dtype, got {dt}")
    return dt


def _cosine_window(who: str, n: int, periodic: bool, coefficients: tuple[float, ...],
                   dtype: Any, requires_grad: bool) -> Tensor:
    """sum_k (-1)^k a_k cos(2 pi k i / (N - 1)), N = n + 1 for a periodic window (its last
    value dropped), as torch's hann/hamming/blackman windows."""
    n, dt = length_arg(who, n), _float_dtype(who, dtype)
    if n <= 1:
        return leaf_tensor(np.ones(n, dt), requires_grad)
    m = n + 1 if periodic else n
    phase = np.arange(m) * (2 * math.pi / (m - 1))
    w = sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))
    return leaf_tensor(np.asarray(w[:n], dtype=dt), requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.hann_window: 0.5 - 0.5 cos(2 pi i / (N - 1)); periodic (the default) uses
    N = window_length + 1, as torch's (NumPy's np.hanning is the symmetric one)."""
    del device
    return _cosine_window("hann_window", window_length, periodic, (0.5, 0.5), dtype,
                          requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, requires_grad: bool = False,
                   device: Any = None) -> Tensor:
    """torch.hamming_window: alpha - beta cos(2 pi i / (N - 1)) (periodic by default)."""
    del device
    return _cosine_window("hamming_window", window_length, periodic,
                          (float(alpha), float(beta)), dtype, requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.blackman_window: 0.42 - 0.5 cos(2 pi i / (N - 1)) + 0.08 cos(4 pi i / (N - 1))."""
    del device
    return _cosine_window("blackman_window", window_length, periodic, (0.42, 0.5, 0.08), dtype,
                          requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.bartlett_window: the triangle 1 - |2 i / (N - 1) - 1| (periodic by default)."""
    del device
    n, dt = length_arg("bartlett_window", window_length), _float_dtype("bartlett_window", dtype)
    if n <= 1:
        return leaf_tensor(np.ones(n, dt), requires_grad)
    m = n + 1 if periodic else n
    w = np.arange(m) * (2.0 / (m - 1))
    half = (m - 1) // 2 + 1
    w[half:] = 2.0 - w[half:]  # (torch's two halves)
    return leaf_tensor(w[:n].astype(dt), requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.kaiser_window: I0(beta sqrt(1 - ((i - a) / a)^2)) / I0(beta), a = (N - 1) / 2
    (periodic by default)."""
    del device
    n, dt = length_arg("kaiser_window", window_length), _float_dtype("kaiser_window", dtype)
    if n <= 1:
        return leaf_tensor(np.ones(n, dt), requires_grad)
    m = n + 1 if periodic else n
    a = (m - 1) / 2.0
    r = (np.arange(m) - a) / a
    arg = float(beta) * np.sqrt(np.maximum(1 - r * r, 0.0))
    i0 = I0.apply(Tensor(np.append(arg, float(beta)))).data  # (Cephes' I0, as torch's)
    return leaf_tensor((i0[:-1] / i0[-1])[:n].astype(dt), requires_grad)
