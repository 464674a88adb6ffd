"""PyTorch's Conv1d over sequences (N, C, L): functional.conv1d (conv2d over a height of 1),
so its values and gradients are conv2d's (and the reshapes'), with no op of its own."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..functional import pad
from ..functional.methods import as_tensor_of
from ..functional.pooling import one_int
from ..functional.sequence_conv import conv1d_of
from ..tensor import Tensor, np_dtype
from .arg_checks import channel_groups, padding_mode_arg
from .layers import INITS, Redraw, WeightBias, init_weights, remember_init
from .module import Module


class Conv1d(Redraw, WeightBias, Module):
    """y = conv1d(x, W, b) for x (N, C_in, L) or one sample (C_in, L), PyTorch's signature:
    W (C_out, C_in / groups, kernel_size), b (C_out,). stride, dilation: an int (or 1-tuple);
    padding: an int (zeros on both ends), "valid" (0) or "same" (stride 1; an odd total's
    extra zero at the end, as PyTorch). `weight` and `bias` are PyTorch's names for W and b
    (the same Tensors; state_dict lists them as W and b, as Conv2d and Linear do).

    init: "pytorch" (the default, PyTorch's): W and b ~ U(+-1/sqrt(fan_in)), fan_in = C_in /
    groups * kernel_size; "he", "xavier", "gaussian": W ~ N(0, std^2), b = 0 (Conv2d's default
    is "he", the course's convnets'). Drawn from `rng`, else the default generator."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        *,
        init: str = "pytorch",
        std: float = 0.01,
        rng: Any = None,
    ) -> None:
        super().__init__()
        check_device(device, "Conv1d")
        self.padding_mode = padding_mode_arg("Conv1d", padding_mode)
        if init not in INITS:
            raise ValueError(f"Conv1d: unknown init {init!r}; choose one of {', '.join(INITS)}")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"Conv1d: bias must be True or False, got {bias!r}")
        k = one_int("Conv1d", "kernel_size", kernel_size)
        self.stride = one_int("Conv1d", "stride", stride)
        self.dilation = one_int("Conv1d", "dilation", dilation)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Conv1d: padding must be 'valid', 'same' or an integer, got "
                                 f"{padding!r}")
            if padding == "same" and self.stride != 1:
                raise ValueError(f"Conv1d: padding='same' needs stride 1 (as in PyTorch), got "
                                 f"stride {self.stride}")
            self.padding: Any = padding
        else:
            self.padding = one_int("Conv1d", "padding", padding, 0)
        in_channels, out_channels, groups = channel_groups("Conv1d", in_channels, out_channels,
                                                           groups)
        dtype = np.float64 if dtype is None else np_dtype(dtype, "Conv1d")
        self.c_in, self.c_out, self.kernel = int(in_channels), int(out_channels), k
        self.groups, self.init = groups, init
        fan_in = self.c_in // groups * k
        remember_init(self, init, fan_in, std, rng)
        w, b = init_weights(init, (self.c_out, self.c_in // groups, k), fan_in, std, rng,
                            dtype, bool(bias), "Conv1d")
        self.W = Tensor(w, requires_grad=True)
        self.register_parameter("b", None if b is None else Tensor(b, requires_grad=True))

    in_channels = property(lambda self: self.c_in)
    out_channels = property(lambda self: self.c_out)
    kernel_size = property(lambda self: (self.kernel,))

    def forward(self, x: Any) -> Tensor:
        padding = self.padding
        mode = getattr(self, "padding_mode", "zeros")  # (one pickled before it: zeros)
        if mode != "zeros" and padding not in (0, "valid"):
            # F.pad's mode, then a conv without padding, as torch's ("same": the odd one of
            # d (k - 1) at the end)
            total = self.dilation * (self.kernel - 1)
            p = (total // 2, total - total // 2) if padding == "same" else (padding, padding)
            x = as_tensor_of(x)
            if x.ndim in (2, 3):  # (else conv1d_of names the shape)
                x, padding = pad(x, ((0, 0),) * (x.ndim - 1) + (p,), mode=mode), 0
        return conv1d_of(f"Conv1d({self.c_in}, {self.c_out})", x, self.W, self.b, self.stride,
                         padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        # PyTorch's words: `print(model)` reads the same
        s = f"{self.c_in}, {self.c_out}, kernel_size=({self.kernel},), stride=({self.stride},)"
        if self.padding != 0:
            s += f", padding={self.padding}" if isinstance(self.padding, str) else \
                f", padding=({self.padding},)"
        if self.dilation != 1:
            s += f", dilation=({self.dilation},)"
        if self.groups != 1:
            s += f", groups={self.groups}"
        s += "" if self.b is not None else ", bias=False"
        mode = getattr(self, "padding_mode", "zeros")
        return s + (f", padding_mode={mode}" if mode != "zeros" else "")
