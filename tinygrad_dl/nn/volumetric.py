"""PyTorch's 3-D (volumetric) layers over (N, C, D, H, W) or (C, D, H, W): Conv3d,
ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d, LPPool3d,
MaxUnpool3d, BatchNorm3d, InstanceNorm3d, Dropout3d and the 3-D padding layers, each the module
of a function of functional/volumetric_conv.py, functional/pooling3d.py or F.pad (or of its 2-D
sibling's machinery), with torch's arguments, reprs and state_dict keys."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..functional import (
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
    avg_pool3d,
    conv_transpose3d,
    lp_pool3d,
    max_pool3d,
    max_unpool3d,
    pad,
)
from ..functional.methods import as_tensor_of, bool_arg
from ..functional.pooling import adaptive_sizes
from ..functional.pooling_indices import pool_args
from ..functional.volumetric_conv import conv3d_of, conv3d_padding, triple
from ..tensor import Tensor, np_dtype
from .arg_checks import channel_groups, mode_padding_arg, padding_mode_arg
from .batchnorm import BatchNorm1d
from .conv_transpose import ConvTranspose2d
from .dropout import Dropout1d
from .layers import INITS, Redraw, init_weights, remember_init
from .module import Module
from .normalization import InstanceNorm2d
from .padding import ConstantPad2d, ReflectionPad2d, ReplicationPad2d
from .pooling import LPPool1d, MaxUnpool2d


class Conv3d(Redraw, Module):
    """y = conv3d(x, weight, bias, stride, padding, dilation, groups) for x (N, C_in, D, H, W)
    or (C_in, D, H, W), PyTorch's signature and parameters: weight (C_out, C_in / groups, KD,
    KH, KW) and bias (C_out,) (torch's names: a torch state_dict loads as it is), both ~
    U(+-1/sqrt(fan_in)), fan_in = C_in / groups * KD * KH * KW (init="pytorch", the default;
    "he", "xavier", "gaussian": weight ~ N(0, std^2), bias 0). padding_mode "zeros",
    "reflect", "replicate" or "circular" (F.pad's modes, then a conv3d without padding)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None, *,
                 init: str = "pytorch", std: float = 0.01, rng: Any = None) -> None:
        super().__init__()
        who = "Conv3d"
        check_device(device, who)
        padding_mode_arg(who, padding_mode)
        if init not in INITS:
            raise ValueError(f"{who}: unknown init {init!r}; choose one of {', '.join(INITS)}")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"{who}: bias must be True or False, got {bias!r}")
        mode_padding_arg(who, padding, padding_mode)
        self.kernel_size = triple(who, "kernel_size", kernel_size)
        self.stride = triple(who, "stride", stride, one=True)  # (a 1-tuple too, as torch's)
        self.dilation = triple(who, "dilation", dilation, one=True)
        self.padding: Any = padding if isinstance(padding, str) else triple(
            who, "padding", padding, 0, one=True)
        self.pads = conv3d_padding(who, padding, self.stride, self.dilation, self.kernel_size)
        in_channels, out_channels, groups = channel_groups(who, in_channels, out_channels, groups)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.groups, self.padding_mode, self.init = groups, padding_mode, init
        dtype = np.float64 if dtype is None else np_dtype(dtype, who)
        fan_in = self.in_channels // groups * int(np.prod(self.kernel_size))
        shape = (self.out_channels, self.in_channels // groups) + self.kernel_size
        w, b = init_weights(init, shape, fan_in, std, rng, dtype, bool(bias), who)
        remember_init(self, init, fan_in, std, rng)
        self.weight = Tensor(w, requires_grad=True)
        self.register_parameter("bias", None if b is None else Tensor(b, requires_grad=True))

    def forward(self, input: Any) -> Tensor:
        who = f"Conv3d({self.in_channels}, {self.out_channels})"
        pads = self.pads  # (torch's: the other modes' padding as it was built)
        if self.padding_mode == "zeros":  # the padding as it is now, as torch's: `m.padding =
            # 1` after construction (or on a LazyConv3d before its first call) was ignored
            pads = conv3d_padding(who, self.padding, triple(who, "stride", self.stride, one=True),
                                  triple(who, "dilation", self.dilation, one=True),
                                  self.kernel_size)
        x = input
        if self.padding_mode != "zeros" and any(a or b for a, b in pads):
            x = as_tensor_of(input)
            if x.ndim in (4, 5):  # (else conv3d_of names the shape)
                x = pad(x, ((0, 0),) * (x.ndim - 3) + tuple(pads), mode=self.padding_mode)
            pads = ((0, 0),) * 3
        return conv3d_of(who, x, self.weight, self.bias, self.stride, 0, self.dilation,
                         self.groups, pads=pads)

    def extra_repr(self) -> str:
        # PyTorch's words: `print(model)` reads the same
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s + (f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros"
                    else "")


class ConvTranspose3d(ConvTranspose2d):
    """ConvTranspose2d's 3-D twin over x (N, C_in, D, H, W) or (C_in, D, H, W): weight
    (C_in, C_out / groups, KD, KH, KW), bias (C_out,), the options ints or triples
    (F.conv_transpose3d); forward(x, output_size=None) as torch's."""

    k = 3
    fn = staticmethod(conv_transpose3d)


class MaxPool3d(Module):
    """`MaxPool3d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
    ceil_mode=False)`: F.max_pool3d; return_indices=True: (values, indices), as MaxUnpool3d
    takes."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False
                 ) -> None:
        super().__init__()
        pool_args("MaxPool3d", 3, kernel_size, stride, padding, dilation)  # (checked now)
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = stride if stride is not None else kernel_size
        self.return_indices = bool(return_indices)
        self.ceil_mode = bool_arg("MaxPool3d", "ceil_mode", ceil_mode)

    def forward(self, x: Any) -> Any:
        return max_pool3d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool3d(Module):
    """`AvgPool3d(kernel_size, stride=None, padding=0, ceil_mode=False,
    count_include_pad=True, divisor_override=None)`: F.avg_pool3d."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: Any = None) -> None:
        super().__init__()
        triple("AvgPool3d", "kernel_size", kernel_size, one=True)
        triple("AvgPool3d", "padding", padding, 0, one=True)
        if stride is not None:
            triple("AvgPool3d", "stride", stride, one=True)
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size
        self.ceil_mode = bool_arg("AvgPool3d", "ceil_mode", ceil_mode)
        self.count_include_pad = bool_arg("AvgPool3d", "count_include_pad", count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Any) -> Tensor:
        return avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(Module):
    """`AdaptiveAvgPool3d(output_size)`: F.adaptive_avg_pool3d (an int or a triple; None keeps
    that axis)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        adaptive_sizes(type(self).__name__, 3, output_size)
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return adaptive_avg_pool3d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool3d(AdaptiveAvgPool3d):
    """`AdaptiveMaxPool3d(output_size, return_indices=False)`: F.adaptive_max_pool3d."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = bool(return_indices)

    def forward(self, x: Any) -> Any:
        return adaptive_max_pool3d(x, self.output_size, self.return_indices)


class LPPool3d(LPPool1d):
    """`LPPool3d(norm_type, kernel_size, stride=None, ceil_mode=False)`: (sum of x^p over
    each window)^(1/p) (F.lp_pool3d)."""

    fn = staticmethod(lp_pool3d)


class MaxUnpool3d(MaxUnpool2d):
    """`MaxUnpool3d(kernel_size, stride=None, padding=0)`: MaxPool3d's partial inverse,
    forward(input, indices, output_size=None) (F.max_unpool3d)."""

    dims = 3

    def forward(self, input: Any, indices: Any, output_size: Any = None) -> Tensor:
        return max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding,
                            output_size)


class BatchNorm3d(BatchNorm1d):
    """`BatchNorm3d(num_features)` for volumes (N, C, D, H, W): BatchNorm1d over the N*D*H*W
    positions of each channel, with BatchNorm1d's (the course's) conventions, as BatchNorm2d:
    the first training batch sets the running averages, the running variance averages the
    biased batch variance, eps defaults to 1e-8 (pass eps=1e-5 for PyTorch's outputs)."""

    def forward(self, x: Tensor) -> Tensor:
        shape = x.data.shape if isinstance(x, Tensor) else np.shape(x)
        if len(shape) != 5 or shape[1] != self.d:
            raise ValueError(f"BatchNorm3d({self.d}): expected input (N, {self.d}, D, H, W), "
                             f"got {tuple(shape)}")
        n, c, d, h, w = shape
        rows = as_tensor_of(x).permute(0, 2, 3, 4, 1).reshape(n * d * h * w, c)
        # (contiguous, as torch's and BatchNorm2d's: `bn(x).view(N, -1)` warned and copied)
        return super().forward(rows).reshape(n, d, h, w, c).permute(0, 4, 1, 2, 3).contiguous()


class InstanceNorm3d(InstanceNorm2d):
    """`InstanceNorm3d(num_features, ...)`: InstanceNorm1d for (N, C, D, H, W) or
    (C, D, H, W), each channel normalized over its D * H * W positions."""

    dims = 3


class Dropout3d(Dropout1d):
    """Channel dropout (PyTorch's Dropout3d) for volumes (N, C, D, H, W) or (C, D, H, W): in
    training each channel of each sample is kept whole with probability 1 - p (scaled by
    1 / (1 - p)) or zeroed whole; evaluation is the identity; masks from the module's `rng`."""

    spatial = 3


class ConstantPad3d(ConstantPad2d):
    """`ConstantPad3d(padding, value)`: `value` around the last three axes of
    (N, C, D, H, W) or (C, D, H, W); padding an int or (left, right, top, bottom, front,
    back); negative widths crop."""

    dims = 3


class ZeroPad3d(ConstantPad3d):
    """`ZeroPad3d(padding)`: ConstantPad3d with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad3d(ReflectionPad2d):
    """`ReflectionPad3d(padding)`: the last three axes mirrored (F.pad's "reflect"), each
    width below its axis's length."""

    dims = 3


class ReplicationPad3d(ReplicationPad2d):
    """`ReplicationPad3d(padding)`: the edge values repeated over the last three axes (F.pad's
    "replicate")."""

    dims = 3


class CircularPad3d(ReflectionPad2d):
    """`CircularPad3d(padding)`: the last three axes wrapped around (F.pad's "circular"),
    each width at most its axis's length."""

    dims, mode = 3, "circular"
