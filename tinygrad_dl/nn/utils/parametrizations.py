"""PyTorch's `torch.nn.utils.parametrizations`: `weight_norm(module, name="weight", dim=0)`
(w = g v / ||v||, the norm over every dim but `dim`; dim=None or -1: the whole tensor's; g is
`parametrizations.weight.original0`, v `original1`, torch's keys) and
`spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None)` (w / sigma,
sigma the largest singular value of w as a (w.shape[dim], -1) matrix, estimated by power
iteration; its vectors are the buffers `parametrizations.weight.0._u` and `_v`, updated in
training mode only, as torch's). Both on nn/utils/parametrize.py.

torch draws spectral_norm's first u and v from its own generator; here they come from this
package's default generator (`manual_seed`): copy torch's in (load_state_dict) to compare."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import random as tg_random
from ...engine import Function
from ...functional import normalize
from ...grad_mode import no_grad
from ...tensor import Tensor, data_of
from ..conv_transpose import ConvTranspose1d, ConvTranspose2d
from ..module import Module
from .parametrize import register_parametrization, tensor_names

__all__ = ["spectral_norm", "weight_norm"]


def _int(who: str, name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{who}: {name} must be an int, got {value!r}")
    return int(value)


def _other_axes(ndim: int, dim: int) -> tuple[int, ...] | None:
    """The axes weight norm sums over: all but `dim` (None: all of them, dim -1)."""
    return None if dim == -1 else tuple(a for a in range(ndim) if a != dim % ndim)


class _WeightNorm(Module):
    """torch's: forward(g, v) = v * (g / ||v||), right_inverse(w) = (||w||, w)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else _int("weight_norm", "dim", dim)

    def _axes(self, ndim: int) -> tuple[int, ...] | None:
        if self.dim != -1 and not -max(ndim, 1) <= self.dim < max(ndim, 1):
            raise IndexError(f"weight_norm: dim {self.dim} is out of range for a {ndim}-D "
                             f"weight (-1 for the whole tensor, else in [{-ndim}, {ndim - 1}])")
        return _other_axes(ndim, self.dim) if ndim else None

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        axes = self._axes(weight_v.ndim)  # (one norm op: no overflow of the squares)
        return weight_v * (weight_g / weight_v.norm(2, axis=axes, keepdims=axes is not None))

    def right_inverse(self, weight: Any) -> tuple[np.ndarray, np.ndarray]:
        w = data_of(weight) if isinstance(weight, Tensor) else np.asarray(weight)
        axes = self._axes(w.ndim)
        with no_grad():
            g = Tensor(w).norm(2, axis=axes, keepdims=axes is not None)
        return np.asarray(data_of(g), dtype=w.dtype), w


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """torch's `parametrizations.weight_norm`: `module.<name>` becomes g * v / ||v|| (unsafe
    registration, as torch's); a state dict with the old `<name>_g` / `<name>_v` keys (the
    deprecated `nn.utils.weight_norm`'s) loads into them. Returns `module`."""
    register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    key = tensor_names(module, name)[1]

    def compat(mod: Module, state: Any, prefix: str, *args: Any) -> None:  # torch's pre-hook
        g_key, v_key = f"{prefix}{key}_g", f"{prefix}{key}_v"
        if g_key in state and v_key in state:
            state[f"{prefix}parametrizations.{key}.original0"] = state.pop(g_key)
            state[f"{prefix}parametrizations.{key}.original1"] = state.pop(v_key)

    module.register_load_state_dict_pre_hook(compat)
    return module


class _SpectralNorm(Module):
    """torch's: forward(w) = w / sigma, sigma = u . (W v), W the weight as a matrix with `dim`
    first; in training mode u and v first take n_power_iterations steps of power iteration
    (15 at registration), inside the op `SpectralSigma`. A 1-D weight is normalized instead
    (w / max(||w||, eps))."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        who = "spectral_norm"
        ndim = weight.ndim
        dim = _int(who, "dim", dim)
        if not -ndim <= dim < ndim:
            raise IndexError(f"{who}: dim {dim} is out of range for a {ndim}-D weight (expected "
                             f"in [{-ndim}, {ndim - 1}])")
        n = _int(who, "n_power_iterations", n_power_iterations)
        if n <= 0:
            raise ValueError(f"{who}: n_power_iterations must be positive, got {n}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = float(eps)
        if ndim > 1:
            self.n_power_iterations = n
            mat = self._matrix(data_of(weight))
            h, w = mat.shape
            u, v = (tg_random.normal((k,), mat.dtype) for k in (h, w))
            self.register_buffer("_u", u / max(float(np.linalg.norm(u)), self.eps))
            self.register_buffer("_v", v / max(float(np.linalg.norm(v)), self.eps))
            self._power_method(mat, 15)

    def _matrix(self, w: Any) -> Any:
        """The weight (an array or a Tensor) as a matrix, `dim`'s axis as its rows."""
        if self.dim != 0:
            axes = (self.dim, *(a for a in range(w.ndim) if a != self.dim))
            w = w.transpose(axes) if isinstance(w, np.ndarray) else w.permute(*axes)
        return w.reshape(w.shape[0], -1)

    def _power_method(self, mat: np.ndarray, n: int) -> None:
        """n steps of power iteration on u and v, in place (torch's out=)."""
        u, v, eps = self._u, self._v, self.eps
        for _ in range(n):
            x = mat @ v
            np.divide(x, max(float(np.linalg.norm(x)), eps), out=u)
            x = mat.conj().T @ u
            np.divide(x, max(float(np.linalg.norm(x)), eps), out=v)

    def vectors(self, mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """u and v for sigma (copies: a graph keeps them), after the power iteration's steps
        in training mode. Called by the op, so a replayed step (jit) steps them too."""
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        return self._u.copy(), self._v.copy()

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = self._matrix(weight)
        return weight / SpectralSigma.apply(mat, vectors=self.vectors)

    def right_inverse(self, value: Any) -> Any:
        return value


class SpectralSigma(Function):
    """sigma = u . (mat v) for mat (h, w), 0-d, u and v from `vectors(mat)` (constants, as
    torch's clones: the gradient is g u v^T); the power iteration runs inside, as BatchNorm's
    running averages do, so a jit replay redoes it."""

    def forward(ctx, mat, vectors=None):
        u, v = vectors(mat)
        ctx.save_for_backward(u, v)
        return np.asarray(np.vdot(u, mat @ v))

    def backward(ctx, g):
        u, v = ctx.saved
        return np.multiply.outer(u, v) * g


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """torch's `parametrizations.spectral_norm`: `module.<name>` becomes w / sigma(w); dim
    defaults to 1 for a ConvTranspose (its out channels), else 0. Returns `module`."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0
    return register_parametrization(module, name,
                                    _SpectralNorm(weight, n_power_iterations, dim, eps))
