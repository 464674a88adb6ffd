"""Activation layers, PyTorch's names: each a Module over one Tensor method or function
(PReLU's learnable slopes are its parameter `weight`), RReLU and Softmax2d."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..device import check_device
from ..functional import (
    celu,
    elu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu6,
    rrelu,
    selu,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)
from ..functional.methods import as_tensor_of, number_arg
from ..random import as_rng
from ..tensor import Tensor, np_dtype
from . import init as nn_init
from .arg_checks import inplace_arg, inplace_repr, size_arg, weight_fits
from .module import Module


class Identity(Module):
    """x itself (a placeholder layer); constructor arguments are ignored, as in PyTorch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class GELU(Module):
    """x Phi(x) (approximate="none", PyTorch's default) or its tanh approximation
    (approximate="tanh"); another value is refused here, not at the first call."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if not isinstance(approximate, str):
            raise TypeError(f"GELU: approximate must be a str, not {type(approximate).__name__}")
        if approximate not in ("none", "tanh"):  # torch's words (it refuses at the first call)
            raise RuntimeError(f"GELU: approximate argument must be either none or tanh, not "
                               f"{approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return x.gelu(self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace_arg("SiLU", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return silu(x, inplace=True) if self.inplace else x.silu()

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """PyTorch's nn.Softplus(beta=1.0, threshold=20.0): F.softplus."""

    beta, threshold = 1.0, 20.0  # (a Softplus pickled before they existed reads these)

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = number_arg("Softplus", "beta", beta), number_arg(
            "Softplus", "threshold", threshold)

    def forward(self, x: Tensor) -> Tensor:
        return softplus(x, self.beta, self.threshold)  # (torch's linear part above threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)
        self.inplace = inplace_arg("LeakyReLU", inplace)

    def forward(self, x: Tensor) -> Tensor:
        if self.inplace:
            return leaky_relu(x, self.negative_slope, inplace=True)
        return x.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + inplace_repr(self)


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = float(alpha)
        self.inplace = inplace_arg("ELU", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return elu(x, self.alpha, inplace=True) if self.inplace else x.elu(self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + inplace_repr(self)


def _dim(dim: int | None, x: Tensor, who: str) -> int:
    """PyTorch's legacy choice when dim is not given (0 for 0-, 1- and 3-d input, else 1), with
    PyTorch's warning: the choice is rarely what was meant for batched input."""
    if dim is not None:
        return dim
    warnings.warn(f"{who}: implicit dimension choice is deprecated; give dim= "
                  f"(e.g. {who}(dim=-1))", stacklevel=3)
    return 0 if x.ndim in (0, 1, 3) else 1


class Softmax(Module):
    """softmax along `dim`: the values along it are positive and sum to 1."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return softmax(x, _dim(self.dim, x, "Softmax"))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax along `dim`, computed without the log of an underflowed probability."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return log_softmax(x, _dim(self.dim, x, "LogSoftmax"))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmin along `dim`: softmax of -x (PyTorch's legacy dim, with its warning, when none
    is given, as Softmax)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return softmin(x, _dim(self.dim, x, "Softmin"))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class _Elementwise(Module):
    """An activation without parameters; inplace=True as PyTorch's (`inplace_arg`)."""

    fn: Any = None
    shows_inplace = True  # in its repr (PyTorch's Hardswish and Hardsigmoid do not)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace_arg(type(self).__name__, inplace)

    def forward(self, x: Tensor) -> Tensor:
        return type(self).fn(x, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace and self.shows_inplace else ""


class ReLU6(_Elementwise):
    """min(max(x, 0), 6); gradient 0 at 0 and 6 (PyTorch's)."""

    fn = staticmethod(relu6)


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6."""

    shows_inplace = False
    fn = staticmethod(hardsigmoid)


class Hardswish(_Elementwise):
    """x relu6(x + 3) / 6."""

    shows_inplace = False
    fn = staticmethod(hardswish)


class Mish(_Elementwise):
    """x tanh(softplus(x))."""

    fn = staticmethod(mish)


class SELU(_Elementwise):
    """scale * elu(x, alpha), PyTorch's constants."""

    fn = staticmethod(selu)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, x: Tensor) -> Tensor:
        return softsign(x)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return tanhshrink(x)


class LogSigmoid(Module):
    """log sigmoid(x) = -softplus(-x), overflow-free."""

    def forward(self, x: Tensor) -> Tensor:
        return logsigmoid(x)


class Hardtanh(Module):
    """x clipped to [min_val, max_val] (gradient 0 on the bounds, PyTorch's); the bounds are
    kept as given, as torch keeps them. min_value= and max_value= are torch's deprecated
    names: each overrides its new one, with torch's FutureWarning."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False, min_value: float | None = None,
                 max_value: float | None = None) -> None:
        super().__init__()
        self.inplace = inplace_arg("Hardtanh", inplace)
        for old, new in (("min_value", "min_val"), ("max_value", "max_val")):
            if (min_value if old == "min_value" else max_value) is not None:
                warnings.warn(f"keyword argument `{old}` is deprecated and renamed to `{new}`",
                              FutureWarning, stacklevel=2)
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        for name, v in (("min_val", min_val), ("max_val", max_val)):
            if not isinstance(v, (bool, np.bool_)):  # (False and True: torch's 0 and 1)
                number_arg("Hardtanh", name, v)
        if max_val <= min_val:  # torch's test: equal bounds refused (F.hardtanh takes them), a
            # NaN bound taken (its output NaN, as torch's)
            raise ValueError(f"Hardtanh: min_val ({min_val}) must be less than max_val "
                             f"({max_val})")
        self.min_val, self.max_val = min_val, max_val  # (as given, torch's: an integer bound
        # reaches F.hardtanh whole, so int64's 2**63 - 1 is not rounded to a float)

    def forward(self, x: Tensor) -> Tensor:
        return hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + inplace_repr(self)


class CELU(Module):
    """x if x > 0 else alpha (e^(x/alpha) - 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace_arg("CELU", inplace)
        if number_arg("CELU", "alpha", alpha) == 0:  # (a bool refused, as F.celu's)
            raise ValueError("CELU: alpha cannot be 0")
        self.alpha = alpha  # (as given, torch's: its repr shows CELU(alpha=2) for 2)

    def forward(self, x: Tensor) -> Tensor:
        return celu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + inplace_repr(self)


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace_arg("Threshold", inplace)
        self.threshold, self.value = threshold, value

    def forward(self, x: Tensor) -> Tensor:
        return threshold(x, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + inplace_repr(self)


class GLU(Module):
    """a * sigmoid(b), a and b the halves of the input along `dim` (even length)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, else weight * x, with a learnable `weight`: one slope
    (num_parameters=1) or one per channel (dim 1 of the input), all starting at `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "PReLU")
        self.num_parameters = size_arg("PReLU", "num_parameters", num_parameters)
        if self.num_parameters < 1:
            raise ValueError("PReLU: num_parameters must be >= 1, got 0")
        dtype = np.float64 if dtype is None else np_dtype(dtype, "PReLU")
        weight_fits("PReLU", (self.num_parameters,), dtype)
        self.weight = Tensor(np.full(self.num_parameters, init, dtype), requires_grad=True)
        self.init = init  # (torch's attribute: reset_parameters fills it again)

    def reset_parameters(self) -> None:
        """torch's: every slope back to `init`, in place."""
        nn_init.constant_(self.weight, self.init)

    def forward(self, x: Any) -> Tensor:
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Hardshrink(Module):
    """x where |x| > lambd, else 0 (F.hardshrink)."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        number_arg("Hardshrink", "lambd", lambd)
        self.lambd = lambd  # (as given, torch's: its repr shows Hardshrink(1) for 1)

    def forward(self, x: Tensor) -> Tensor:
        return hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x - lambd sign(x) where |x| > lambd, else 0; lambd >= 0 (F.softshrink)."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        if not number_arg("Softshrink", "lambd", lambd) >= 0:
            raise ValueError(f"Softshrink: lambd must be >= 0, got {lambd}")
        self.lambd = lambd  # (as given, torch's repr)

    def forward(self, x: Tensor) -> Tensor:
        return softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


# ---- activations, dropout, normalization ----------------------------------------------------
class RReLU(Module):
    """Randomized leaky ReLU: in training x * a where x <= 0, a drawn uniform in [lower,
    upper) per entry (from rng=, else the default generator); in evaluation leaky_relu with
    slope (lower + upper) / 2 (F.rrelu). inplace=True as F.rrelu's."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False,
                 rng: Any = None) -> None:
        super().__init__()
        self.inplace = inplace_arg("RReLU", inplace)
        self.lower, self.upper = lower, upper
        self.rng = as_rng(rng, "RReLU")

    def forward(self, x: Any) -> Tensor:
        return rrelu(x, self.lower, self.upper, self.training, self.inplace, rng=self.rng)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + inplace_repr(self)


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) (dim -3), as torch's."""

    def forward(self, x: Any) -> Tensor:
        x = as_tensor_of(x)
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input (N, C, H, W) or (C, H, W), got "
                             f"{tuple(x.shape)}")
        return x.softmax(-3)
