"""PyTorch's window functions: hann_window, hamming_window, blackman_window, bartlett_window
and kaiser_window (periodic=True by default, as torch's; leaves in the default dtype, float64
here, torch's float32)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..device import check_device
from ..ops import I0, I0e
from ..tensor import Tensor, np_dtype
from .constructors import leaf_tensor, length_arg
from .methods import number_arg


def _window_args(who: str, n: Any, periodic: Any, dtype: Any, device: Any) -> tuple[int, np.dtype]:
    """The length, checked, and the dtype (float64 by default); periodic must be a bool (None
    or "no" made a symmetric or a periodic window without a word; torch refuses them)."""
    check_device(device, who)  # (device="cuda" gave a CPU window without a word)
    if not isinstance(periodic, (bool, np.bool_)):
        raise TypeError(f"{who}: periodic must be True or False, got {type(periodic).__name__} "
                        f"{periodic!r}")
    if isinstance(n, Tensor) and n.ndim == 0 and n.data.dtype.kind in "iu":  # (torch's too)
        n = n.data.item()
    n = length_arg(who, n)
    dt = np.dtype(np.float64 if dtype is None else np_dtype(dtype, who))
    if dt.kind != "f":
        raise TypeError(f"{who}: expects a floating point dtype, got {dt}")
    return n, dt


def _number(who: str, name: str, v: Any) -> float:
    """alpha, beta: a real number or a one-element real Tensor, as torch's (None or "x" gave
    float()'s error naming neither; a bool is refused)."""
    if isinstance(v, Tensor) and v.data.size == 1 and v.data.dtype.kind in "iuf":
        v = v.data.item()
    return number_arg(who, name, v)


def _cosine_window(who: str, n: Any, periodic: Any, coefficients: tuple[Any, ...],
                   dtype: Any, requires_grad: bool, device: Any) -> Tensor:
    """sum_k (-1)^k a_k cos(2 pi k i / (N - 1)), N = n + 1 for a periodic window (its last
    value dropped), as torch's hann/hamming/blackman windows."""
    n, dt = _window_args(who, n, periodic, dtype, device)
    if n <= 1:
        return leaf_tensor(np.ones(n, dt), requires_grad)
    m = n + 1 if periodic else n
    phase = np.arange(m) * (2 * math.pi / (m - 1))
    w = np.zeros(m)
    for k in range(len(coefficients) - 1, -1, -1):  # the highest term first, as torch sums
        # them (blackman's 0.42 - 0.5 + 0.08 was -1.4e-17 at its ends, torch's order gives 0)
        w = w + (-1) ** k * coefficients[k] * np.cos(k * phase)
    return leaf_tensor(np.asarray(w[:n], dtype=dt), requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.hann_window: 0.5 - 0.5 cos(2 pi i / (N - 1)); periodic (the default) uses
    N = window_length + 1, as torch's (NumPy's np.hanning is the symmetric one)."""
    return _cosine_window("hann_window", window_length, periodic, (0.5, 0.5), dtype,
                          requires_grad, device)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, requires_grad: bool = False,
                   device: Any = None) -> Tensor:
    """torch.hamming_window: alpha - beta cos(2 pi i / (N - 1)) (periodic by default)."""
    who = "hamming_window"
    ab = (_number(who, "alpha", alpha), _number(who, "beta", beta))
    return _cosine_window(who, window_length, periodic, ab, dtype, requires_grad, device)


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.blackman_window: 0.42 - 0.5 cos(2 pi i / (N - 1)) + 0.08 cos(4 pi i / (N - 1))."""
    return _cosine_window("blackman_window", window_length, periodic, (0.42, 0.5, 0.08), dtype,
                          requires_grad, device)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.bartlett_window: the triangle 1 - |2 i / (N - 1) - 1| (periodic by default)."""
    n, dt = _window_args("bartlett_window", window_length, periodic, dtype, device)
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
    (periodic by default); computed in float64 whatever the dtype, past beta ~ 714 (where
    I0(beta) overflows: torch's NaN, and its float32 one's past ~ 89) by the scaled I0e."""
    n, dt = _window_args("kaiser_window", window_length, periodic, dtype, device)
    beta = _number("kaiser_window", "beta", beta)
    if n <= 1:
        return leaf_tensor(np.ones(n, dt), requires_grad)
    m = n + 1 if periodic else n
    k = np.arange(m, dtype=np.float64)
    # 1 - ((k - a) / a)^2 = k (m - 1 - k) / a^2, a = (m - 1) / 2: the product exact (torch's
    # 1 - r^2 cancels near the ends: kaiser_window(10**6, beta=616.)[1] was 1e-11 off)
    root = np.sqrt(k * (m - 1 - k)) * (2.0 / (m - 1))
    with np.errstate(invalid="ignore", over="ignore"):  # (beta NaN or inf: NaN, as torch's)
        arg = np.append(beta * root, beta)
        i0 = I0.apply(Tensor(arg)).data  # (Cephes' I0, as torch's)
        w = i0[:-1] / i0[-1]
        if np.isinf(i0[-1]):  # I0(x) / I0(beta) = I0e(x) / I0e(beta) exp(|x| - |beta|),
            # |x| - |beta| = -|beta| r^2 / (1 + root), r = (k - a) / a: no cancellation (the
            # difference of the rounded |x|, |beta| was 1e-12 off at beta 1e4 in the middle)
            i0e = I0e.apply(Tensor(arg)).data
            r = (k - (m - 1) / 2.0) * (2.0 / (m - 1))
            w = i0e[:-1] / i0e[-1] * np.exp(-abs(beta) * (r * r) / (1.0 + root))
    return leaf_tensor(w[:n].astype(dt), requires_grad)
