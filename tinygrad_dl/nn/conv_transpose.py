"""PyTorch's ConvTranspose1d and ConvTranspose2d: functional.conv_transpose1d/2d (one
ConvTranspose2d op, the input gradient of conv2d) with PyTorch's parameters: `weight`
(C_in, C_out / groups, *kernel_size) and `bias` (C_out,) under PyTorch's names, so a torch
state_dict loads as it is, and PyTorch's init."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..functional import conv_transpose1d, conv_transpose2d
from ..functional.conv import ints_of
from ..functional.methods import as_tensor_of
from ..random import uniform
from ..tensor import Tensor, np_dtype
from .arg_checks import channel_groups
from .layers import INITS, Redraw, init_weights, remember_init
from .module import Module


class _ConvTransposeNd(Redraw, Module):
    """What ConvTranspose1d and ConvTranspose2d share; `k` spatial dims."""

    k = 2
    fn = staticmethod(conv_transpose2d)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        *,
        init: str = "pytorch",
        std: float = 0.01,
        rng: Any = None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        check_device(device, who)
        if padding_mode != "zeros":
            raise ValueError(f"{who}: padding_mode={padding_mode!r} is not supported (only "
                             "'zeros', as in PyTorch)")
        if init not in INITS:
            raise ValueError(f"{who}: unknown init {init!r}; choose one of {', '.join(INITS)}")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"{who}: bias must be True or False, got {bias!r}")
        k = self.k
        self.kernel_size = ints_of(f"{who}: kernel_size", kernel_size, k)
        self.stride = ints_of(f"{who}: stride", stride, k, one=True)  # (a 1-tuple too, as torch's)
        self.padding = ints_of(f"{who}: padding", padding, k, 0, one=True)
        self.output_padding = ints_of(f"{who}: output_padding", output_padding, k, 0, one=True)
        self.dilation = ints_of(f"{who}: dilation", dilation, k, one=True)
        in_channels, out_channels, groups = channel_groups(who, in_channels, out_channels, groups)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.groups, self.padding_mode, self.init = groups, padding_mode, init
        dtype = np.float64 if dtype is None else np_dtype(dtype, who)
        # PyTorch's fan-in of this weight: its dim 1 (C_out / groups) times the kernel
        fan_in = self.out_channels // groups * int(np.prod(self.kernel_size))
        shape = (self.in_channels, self.out_channels // groups) + self.kernel_size
        w, _ = init_weights(init, shape, fan_in, std, rng, dtype, False, who)
        remember_init(self, init, fan_in, std, rng)
        self.weight = Tensor(w, requires_grad=True)
        b = None
        if bias:  # drawn after the weight, as PyTorch's reset_parameters, and with its bound
            # 1 / sqrt(fan_in) (fan_in ** -0.5 can differ in the last bit: reset_parameters
            # after the same seed gave another bias)
            bound = 1.0 / np.sqrt(fan_in)
            b = (uniform((self.out_channels,), -bound, bound, dtype, rng, "init")
                 if init == "pytorch" else np.zeros(self.out_channels, dtype))
        self.register_parameter("bias", None if b is None else Tensor(b, requires_grad=True))

    def forward(self, input: Any, output_size: Any = None) -> Tensor:
        x = as_tensor_of(input)
        output_padding = (self.output_padding if output_size is None
                          else self._output_padding(x, output_size))
        return self.fn(x, self.weight, self.bias, self.stride, self.padding, output_padding,
                       self.groups, self.dilation)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """PyTorch's rule: the output_padding that gives `output_size` (its last k entries),
        which must lie between the smallest output and that plus stride - 1."""
        who, k = type(self).__name__, self.k
        size = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,)
        lead = x.ndim - k  # 2 batched, 1 unbatched
        if len(size) == lead + k:
            size = size[lead:]
        if len(size) != k or not all(isinstance(n, (int, np.integer)) for n in size):
            raise ValueError(f"{who}: for a {x.ndim}-D input, output_size must have {k} or "
                             f"{k + lead} integers, got {output_size!r}")
        low = tuple((i - 1) * s - 2 * p + d * (kk - 1) + 1 for i, s, p, d, kk in zip(
            x.shape[-k:], self.stride, self.padding, self.dilation, self.kernel_size))
        high = tuple(m + s - 1 for m, s in zip(low, self.stride))
        if any(not lo <= n <= hi for n, lo, hi in zip(size, low, high)):
            raise ValueError(f"{who}: requested an output size of {size}, but valid sizes "
                             f"range from {low} to {high} (for an input of {tuple(x.shape)})")
        return tuple(n - lo for n, lo in zip(size, low))

    def extra_repr(self) -> str:
        # PyTorch's words: `print(model)` reads the same
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        for name, default in (("padding", 0), ("dilation", 1), ("output_padding", 0)):
            v = getattr(self, name)
            if v != (default,) * self.k:
                s += f", {name}={v}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")


class ConvTranspose2d(_ConvTransposeNd):
    """y = conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups,
    dilation) for x (N, C_in, H, W) or (C_in, H, W), PyTorch's signature and parameters:
    weight (C_in, C_out / groups, KH, KW), bias (C_out,), both ~ U(+-1/sqrt(fan_in)) with
    fan_in = C_out / groups * KH * KW (init="pytorch", the default; "he", "xavier",
    "gaussian": weight ~ N(0, std^2), bias 0). forward(x, output_size=None): output_size
    ((H', W'), or with N and C in front) picks the output_padding that gives it, as PyTorch's.
    padding_mode other than "zeros" is refused."""

    k = 2
    fn = staticmethod(conv_transpose2d)


class ConvTranspose1d(_ConvTransposeNd):
    """ConvTranspose2d's 1-D twin over x (N, C_in, L) or (C_in, L): weight (C_in,
    C_out / groups, K), the options ints or 1-tuples (conv_transpose1d)."""

    k = 1
    fn = staticmethod(conv_transpose1d)
