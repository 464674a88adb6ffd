"""PyTorch's Bilinear layer: y = x1^T W x2 + b, F.bilinear over its `weight` (out, in1, in2)
and `bias` (out,), PyTorch's names, shapes and init, so a torch state_dict loads as it is."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..functional.linalg import bilinear
from ..tensor import Tensor, np_dtype
from .arg_checks import size_arg
from .layers import Redraw, init_weights, remember_init
from .module import Module


class Bilinear(Redraw, Module):
    """`Bilinear(in1_features, in2_features, out_features, bias=True)`: y_o = x1^T W_o x2 + b_o
    for x1 (..., in1), x2 (..., in2); `weight` (out, in1, in2) and `bias` (out,) both ~
    U(+-1/sqrt(in1_features)), PyTorch's init, drawn from `rng` (else the default generator)."""

    _fan_in_dims = 2  # (reset_parameters' bound: 1/sqrt(weight.shape[1]), torch's)

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None, *,
                 rng: Any = None) -> None:
        super().__init__()
        check_device(device, "Bilinear")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"Bilinear: bias must be True or False, got {bias!r}")
        self.in1_features = size_arg("Bilinear", "in1_features", in1_features)
        self.in2_features = size_arg("Bilinear", "in2_features", in2_features)
        self.out_features = size_arg("Bilinear", "out_features", out_features)
        dt = np.float64 if dtype is None else np_dtype(dtype, "Bilinear")
        shape = (self.out_features, self.in1_features, self.in2_features)
        w, b = init_weights("pytorch", shape, self.in1_features, 0.0, rng, dt, bool(bias),
                            "Bilinear")
        remember_init(self, "pytorch", self.in1_features, 0.0, rng)
        self.weight = Tensor(w, requires_grad=True)
        self.register_parameter("bias", None if b is None else Tensor(b, requires_grad=True))

    def forward(self, input1: Any, input2: Any) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
