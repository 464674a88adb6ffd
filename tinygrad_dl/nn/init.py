"""PyTorch's `torch.nn.init`: fill a tensor's values in place and return the tensor.

    nn.init.kaiming_normal_(layer.W, nonlinearity="relu")   # He: N(0, 2 / fan_in)
    nn.init.xavier_uniform_(layer.W)                         # U(±sqrt(6 / (fan_in + fan_out)))
    nn.init.zeros_(layer.b)

The fans are PyTorch's: a weight of shape (out, in, *kernel) has fan_in = in * prod(kernel) and
fan_out = out * prod(kernel), the layout of `nn.Linear.W` and `nn.Conv2d.W` here. Random fills
draw float64 numbers from `generator=` (a `tinygrad_dl.Generator` or an `np.random.Generator`)
or the default generator (`tinygrad_dl.manual_seed`), cast to the tensor's dtype, which must be
floating (an integer tensor would hold them truncated). A write into an array that a live
graph saved for backward gives the tensor a copy first, so that graph's backward raises rather
than use values it never computed with (as optimizer steps do).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import engine, random, write_guard
from ..tensor import Tensor

__all__ = ["calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_",
           "kaiming_uniform_", "normal_", "ones_", "orthogonal_", "sparse_", "trunc_normal_",
           "uniform_", "xavier_normal_", "xavier_uniform_", "zeros_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid", "identity")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain for a nonlinearity: 1 (linear, conv, sigmoid), 5/3 (tanh),
    sqrt(2) (relu), sqrt(2 / (1 + slope^2)) (leaky_relu, slope `param`, default 0.01), 3/4
    (selu)."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; one of "
                     f"{', '.join((*_LINEAR, 'tanh', 'relu', 'leaky_relu', 'selu'))}")


def _fans(t: Tensor, who: str) -> tuple[int, int]:
    shape = _tensor(t, who).data.shape
    if len(shape) < 2:
        raise ValueError(f"nn.init.{who}: fan in and fan out need a tensor of 2 or more "
                         f"dimensions (a weight), got shape {shape}")
    field = math.prod(shape[2:])
    return shape[1] * field, shape[0] * field


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight, torch's private helper under its name: custom
    reset_parameters copied from torch's layers call it."""
    return _fans(tensor, "_calculate_fan_in_and_fan_out")


def _fan(t: Tensor, mode: str, who: str) -> int:
    mode = mode.lower() if isinstance(mode, str) else mode  # (torch's: "FAN_OUT" is fan_out)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"nn.init.{who}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(t, who)
    return fan_in if mode == "fan_in" else fan_out


def _tensor(t: Any, who: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"nn.init.{who}: expected a Tensor (a layer's W or b), got "
                        f"{type(t).__name__}")
    return t


def _fill(t: Tensor, values: Any, who: str) -> Tensor:
    """Write `values` into t's array in place (a copy first if a live graph saved it)."""
    engine.notify_write(f"nn.init.{who}()")  # (a write a jit replay would not redo)
    a = write_guard.writable(t, f"nn.init.{who}")
    a[...] = values
    return t


def _draw(t: Tensor, who: str) -> np.dtype:
    """t's dtype, which must hold random floats."""
    return random.float_dtype(_tensor(t, who).data.dtype, f"nn.init.{who}", "the tensor's dtype")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with draws from U(a, b)."""
    if not (a <= b and math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"nn.init.uniform_: need finite a <= b, got a={a}, b={b}")
    dt = _draw(tensor, "uniform_")
    return _fill(tensor, random.uniform(tensor.data.shape, a, b, dt, generator, "nn.init"),
                 "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None
            ) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    if not std >= 0:
        raise ValueError(f"nn.init.normal_: std must be >= 0, got {std}")
    dt = _draw(tensor, "normal_")
    z = random.normal(tensor.data.shape, np.float64, generator, "nn.init")
    return _fill(tensor, (z * std + mean).astype(dt, copy=False), "normal_")


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """Fill with draws from N(mean, std^2) kept to [a, b] (bounds in the tensor's units, as
    PyTorch's, not in stds): draws outside are drawn again. Bounds the normal reaches less
    than once in a million draws are refused in one line rather than looped on."""
    if not (std > 0 and a < b):
        raise ValueError(f"nn.init.trunc_normal_: need std > 0 and a < b, got std={std}, "
                         f"a={a}, b={b}")
    dt = _draw(tensor, "trunc_normal_")
    cdf = [0.5 * (1.0 + math.erf((v - mean) / (std * math.sqrt(2.0)))) for v in (a, b)]
    if cdf[1] - cdf[0] < 1e-6:
        raise ValueError(f"nn.init.trunc_normal_: [a, b] = [{a}, {b}] holds a fraction "
                         f"{cdf[1] - cdf[0]:.1e} of N({mean}, {std}^2); move the bounds or "
                         "the mean")
    rng = random.as_rng(generator, "nn.init")
    out = np.empty(tensor.data.shape, np.float64).reshape(-1)
    todo = np.arange(out.size)
    while todo.size:  # (each round keeps a fraction cdf[1] - cdf[0] of what is left)
        z = rng.standard_normal(todo.size) * std + mean
        ok = (z >= a) & (z <= b)
        out[todo[ok]] = z[ok]
        todo = todo[~ok]
    # (the cast to float32 may round a draw just inside a bound onto it: still in [a, b])
    return _fill(tensor, np.clip(out.reshape(tensor.data.shape).astype(dt), a, b),
                 "trunc_normal_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`."""
    return _fill(_tensor(tensor, "constant_"), val, "constant_")


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(_tensor(tensor, "zeros_"), 0, "zeros_")


def ones_(tensor: Tensor) -> Tensor:
    return _fill(_tensor(tensor, "ones_"), 1, "ones_")


def eye_(tensor: Tensor) -> Tensor:
    """A 2-D tensor set to the identity (ones on the diagonal, as many as fit)."""
    if _tensor(tensor, "eye_").data.ndim != 2:
        raise ValueError(f"nn.init.eye_: only 2-D tensors, got shape {tensor.data.shape}")
    return _fill(tensor, np.eye(*tensor.data.shape), "eye_")


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    # torch's order of operations, so the bound is torch's to the last bit (gain * sqrt(6 / n)
    # was 1 ulp off it for a third of the shapes)
    bound = math.sqrt(3.0) * (gain * math.sqrt(2.0 / max(fan_in + fan_out, 1)))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / max(fan_in + fan_out, 1)), generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He: U(-bound, bound) with bound = gain * sqrt(3 / fan) (gain from `nonlinearity`, and
    `a` the leaky_relu slope); PyTorch's defaults (nn.Linear's init draws this with a=sqrt(5))."""
    if _empty(tensor, "kaiming_uniform_"):
        return tensor
    fan = _fan(tensor, mode, "kaiming_uniform_")
    # torch's order: std = gain / sqrt(fan), then sqrt(3) * std (sqrt(3) * gain / sqrt(fan)
    # was 1 ulp off torch's bound for some fans)
    bound = math.sqrt(3.0) * (calculate_gain(nonlinearity, a) / math.sqrt(max(fan, 1)))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He: N(0, std^2) with std = gain / sqrt(fan) (`nonlinearity="relu"`: sqrt(2 / fan_in),
    the k-layer assignment's He init)."""
    if _empty(tensor, "kaiming_normal_"):
        return tensor
    fan = _fan(tensor, mode, "kaiming_normal_")
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(max(fan, 1)),
                   generator)


def _empty(t: Tensor, who: str) -> bool:
    """True, with torch's warning, for a tensor of no elements (kaiming's fill is a no-op)."""
    if _tensor(t, who).data.size:
        return False
    warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
    return True


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """A 3-, 4- or 5-D conv weight that passes its input through: 1 at the kernel's centre
    for output channel d of each of `groups` groups and input channel d (as many as fit), 0
    elsewhere."""
    shape = _tensor(tensor, "dirac_").data.shape
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"nn.init.dirac_: only 3-, 4- or 5-D tensors, got shape {shape}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1 \
            or shape[0] % groups:
        raise ValueError(f"nn.init.dirac_: groups must be a positive int dividing dim 0 "
                         f"({shape[0]}), got {groups!r}")
    per = shape[0] // groups
    values = np.zeros(shape)
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(per, shape[1])):
            values[(g * per + d, d, *centre)] = 1
    return _fill(tensor, values, "dirac_")


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None
            ) -> Tensor:
    """A 2-D tensor of N(0, std^2) draws with ceil(sparsity * rows) zeros in each column, at
    rows drawn anew for each column."""
    if _tensor(tensor, "sparse_").data.ndim != 2:
        raise ValueError(f"nn.init.sparse_: only 2-D tensors, got shape {tensor.data.shape}")
    if not std >= 0:
        raise ValueError(f"nn.init.sparse_: std must be >= 0, got {std}")
    rows, cols = tensor.data.shape
    zeros = math.ceil(sparsity * rows)
    rng = random.as_rng(generator, "nn.init")
    dt = _draw(tensor, "sparse_")
    values = rng.standard_normal((rows, cols)) * std
    for c in range(cols):
        values[rng.permutation(rows)[:zeros], c] = 0
    return _fill(tensor, values.astype(dt, copy=False), "sparse_")


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix, times gain: the QR factor Q of a Gaussian matrix with the
    signs of R's diagonal folded in (uniform over orthogonal matrices), an RNN's W's favourite.
    A tensor of more than 2 dimensions is flattened to (shape[0], rest) first."""
    if _tensor(tensor, "orthogonal_").data.ndim < 2:
        raise ValueError(f"nn.init.orthogonal_: needs 2 or more dimensions, got shape "
                         f"{tensor.data.shape}")
    dt = _draw(tensor, "orthogonal_")
    rows = tensor.data.shape[0]
    cols = tensor.data.size // rows if rows else 0
    if rows == 0 or cols == 0:
        return tensor
    flat = random.normal((rows, cols), np.float64, generator, "nn.init")
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.data.shape).astype(dt, copy=False),
                 "orthogonal_")
