"""torch.nn.functional's activations that are not Tensor methods (hardtanh, relu6,
hardsigmoid, hardswish, mish, selu, celu, softsign, tanhshrink, logsigmoid, softmin,
threshold, glu, hardshrink, softshrink): compositions of ops, or an op of their own where
PyTorch's gradient at a kink needs one; the in-place F.relu_, elu_, leaky_relu_, hardtanh_,
threshold_, selu_, celu_ and rrelu_ (Tensor's in-place rules), rrelu and gumbel_softmax
(their random draws from rng= / generator=, else the default generator: constants of the
graph)."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops import (
    CELU,
    ELU,
    Draw,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Mish,
    Softmax,
    Softplus,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)
from ..ops.spelling import numpy_keywords
from ..tensor import Tensor
from ..tensor.conversions import number_fits
from .constructors import rng_of
from .methods import (
    as_tensor_of,
    bool_arg,
    dim_arg,
    elu,
    inplace_flag,
    leaky_relu,
    number_arg,
    tensor_number,
    write_inplace,
)

# ---- torch.nn.functional's activations that are not Tensor methods ---------------------------
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient is 1 strictly inside and 0 on the bounds
    (PyTorch's; clip's is 1 on them), a NaN passes it on."""
    if inplace:  # (PyTorch's in-place form: written into input where it may be)
        return inplace_flag("hardtanh", input, lambda x: hardtanh(x, min_val, max_val))
    if isinstance(min_val, (bool, np.bool_)) or isinstance(max_val, (bool, np.bool_)):
        min_val, max_val = (int(v) if isinstance(v, (bool, np.bool_)) else v  # torch's 0, 1
                            for v in (min_val, max_val))
    lo, hi = number_arg("hardtanh", "min_val", min_val), number_arg("hardtanh", "max_val", max_val)
    if lo > hi:
        raise ValueError(f"hardtanh: min_val ({lo}) cannot be greater than max_val ({hi})")
    x = as_tensor_of(input)
    if x.data.dtype.kind in "iu":  # an integer bound as given (torch's toLong): 2**63 - 1 fits
        lo, hi = (v if isinstance(v, (int, np.integer)) else f  # int64; its float does not
                  for v, f in ((min_val, lo), (max_val, hi)))
    return Hardtanh.apply(x, lo=lo, hi=hi)


def relu6(input: Any, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), hardtanh(x, 0, 6): gradient 0 at 0 and at 6 (PyTorch's)."""
    if inplace:
        return inplace_flag("relu6", input, relu6)
    return Hardtanh.apply(as_tensor_of(input), lo=0.0, hi=6.0)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3), else 0 (PyTorch's)."""
    if inplace:
        return inplace_flag("hardsigmoid", input, hardsigmoid)
    return Hardsigmoid.apply(as_tensor_of(input))


def hardswish(input: Any, inplace: bool = False) -> Tensor:
    """x relu6(x + 3) / 6; gradient 0 at -3 and 1 at 3 (PyTorch's)."""
    if inplace:
        return inplace_flag("hardswish", input, hardswish)
    return Hardswish.apply(as_tensor_of(input))


def mish(input: Any, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)), one op (ops.Mish): no overflow for large |x|, and its gradient
    to round-off (the composition's lost 13 float32 ulps at x = -1)."""
    if inplace:
        return inplace_flag("mish", input, mish)
    return Mish.apply(as_tensor_of(input))


def selu(input: Any, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants (alpha 1.6733, scale 1.0507)."""
    if inplace:
        return inplace_flag("selu", input, selu)
    return ELU.apply(as_tensor_of(input), alpha=_SELU_ALPHA) * _SELU_SCALE


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha (e^(x/alpha) - 1); alpha must not be 0."""
    if inplace:
        return inplace_flag("celu", input, lambda x: celu(x, alpha))
    alpha = number_arg("celu", "alpha", alpha)
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0")
    return CELU.apply(as_tensor_of(input), alpha=alpha)


def softsign(input: Any) -> Tensor:
    """x / (1 + |x|), its gradient 1 / (1 + |x|)^2 (ops.Softsign: the composition's cancelled)."""
    return Softsign.apply(as_tensor_of(input))


def tanhshrink(input: Any) -> Tensor:
    """x - tanh(x), its gradient tanh(x)^2 (ops.Tanhshrink: the composition's cancelled)."""
    return Tanhshrink.apply(as_tensor_of(input))


def logsigmoid(input: Any) -> Tensor:
    """log sigmoid(x) = -softplus(-x): never overflows (-800 gives -800, 800 gives 0)."""
    return -Softplus.apply(-as_tensor_of(input))


def softmin(input: Any, dim: int | None = None, *, axis: int | None = None,
            dtype: Any = None) -> Tensor:
    """softmax(-x) along dim (or NumPy's axis=; the last axis when none is given, as F.softmax
    here, with a warning for 3-D and wider input, where PyTorch's legacy choice is another).
    A floating `dtype=` casts the input first, as torch's (and F.softmax's here)."""
    x = numpy_keywords("softmin", as_tensor_of(input), dtype=dtype)
    if axis is not None:
        if dim is not None:
            raise TypeError("softmin() got both axis= and dim=: NumPy's and PyTorch's names "
                            "for one argument; pass one")
        dim = axis
    if dim is None:
        if x.ndim >= 3:
            warnings.warn(f"softmin: no dim given for a {x.ndim}-D tensor: the last axis is "
                          f"used (PyTorch's F.softmin(x) without dim would take dim "
                          f"{0 if x.ndim == 3 else 1}); give dim= to choose", stacklevel=2)
        dim = -1
    if x.ndim == 0:  # (dim 0 or -1 of a 0-d tensor is the tensor itself: 1, as torch's)
        try:
            dim_arg("softmin", dim, 1)
        except ValueError:
            raise ValueError(f"softmin: dim {dim} is out of range for a 0-D input (0 or -1)"
                             ) from None
        return Softmax.apply(-x.reshape(1), axis=0).reshape(())
    return Softmax.apply(-x, axis=dim_arg("softmin", dim, x.ndim))


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value; the gradient is 0 at and below the threshold. An
    integer tensor keeps its dtype, both numbers cast to it (torch's)."""
    if inplace:
        return inplace_flag("threshold", input, lambda x: threshold_of(x, threshold, value))
    threshold, value = (int(v) if isinstance(v, (bool, np.bool_)) else v  # torch's 0, 1
                        for v in (threshold, value))
    number_arg("threshold", "threshold", threshold)
    number_arg("threshold", "value", value)
    x = as_tensor_of(input)
    kind = x.data.dtype.kind
    if kind == "b":  # (NumPy's where made an int64 tensor of it)
        raise TypeError("threshold: not supported for a bool tensor (as torch); cast it "
                        "first, x.int() or x.float()")
    if kind in "iu":  # torch's: both numbers cast to the tensor's dtype (a float truncated
        # toward zero: threshold(x, -0.5, 2.9) compares x <= 0 and writes 2), the result
        # keeps it (NumPy's where promoted it to float64, which threshold_ could not write)
        threshold, value = (_integer_of(x.data.dtype, name, v) for name, v in
                            (("threshold", threshold), ("value", value)))
    elif kind == "f":  # (NumPy's cast gave inf for 1e300 into float32, torch refuses it)
        # torch's: x compared with the threshold in x's dtype (float32 for float16, its
        # opmath: 70000 is a float16 tensor's threshold), value written in x's dtype. NumPy
        # rounded a Python float to float16 (x = 0.6914 > 0.6912 replaced) and promoted with
        # a NumPy scalar (np.float64(0.1) compared float32 x in float64, np.int64(5) made a
        # float16 tensor's result float64)
        cmp = np.dtype(np.float32) if x.data.dtype == np.float16 else x.data.dtype
        if cmp != x.data.dtype and _F32_MAX < abs(threshold) < np.inf:  # (torch's words)
            raise ValueError(f"threshold: threshold {threshold} cannot be converted to float32 "
                             "(a float16 tensor's comparison, as torch's) without overflow")
        number_fits("threshold", threshold, cmp, "threshold")
        number_fits("threshold", value, x.data.dtype, "value")
        threshold, value = cmp.type(threshold), x.data.dtype.type(value)
    return Threshold.apply(x, threshold=threshold, value=value)


_F32_MAX = float(np.finfo(np.float32).max)


def _integer_of(dt: np.dtype, name: str, v: Any) -> int:
    """threshold's number `v` cast to the integer dtype `dt` as torch's (a float truncated
    toward zero), refused where it does not fit (NaN, inf, 300 into int8: NumPy wrapped 1000
    into int8 as -24)."""
    info = np.iinfo(dt)
    if not info.min <= v <= info.max:  # (NaN too; the value before truncation, as torch's)
        raise ValueError(f"threshold: {name} {v} cannot be converted to {dt} without overflow")
    return int(v)


def glu(input: Any, dim: int = -1) -> Tensor:
    """a * sigmoid(b), a and b the two halves of x along dim (which must have an even
    length)."""
    x = as_tensor_of(input)
    if x.ndim == 0:
        raise ValueError("glu: a 0-d input has no dimension to halve")
    axis = dim_arg("glu", dim, x.ndim) % x.ndim
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"glu: dimension {dim} has odd length {n}: it is halved into a and "
                         f"b (a * sigmoid(b)), so it must be even (input shape {x.shape})")
    head = (slice(None),) * axis
    return x[head + (slice(0, n // 2),)] * x[head + (slice(n // 2, n),)].sigmoid()


def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0, one op: the gradient is 1 outside [-lambd, lambd] and 0 on
    and inside it, as PyTorch's; a NaN gives NaN and passes the gradient on (torch's scalar
    kernel's; its vectorized one gives 0 there)."""
    lambd = number_arg("hardshrink", "lambd", lambd)
    return Hardshrink.apply(as_tensor_of(input), lambd=lambd)


def softshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0 (lambd >= 0), one op:
    PyTorch's gradient (1 outside, 0 on and inside the bounds; a NaN as hardshrink's)."""
    lambd = number_arg("softshrink", "lambd", lambd)
    if not lambd >= 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    return Softshrink.apply(as_tensor_of(input), lambd=lambd)


threshold_of = threshold  # (inside threshold, its parameter `threshold` hides the function)


# ---- in-place activations -------------------------------------------------------------------
def inplace(who: str, input: Any, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """F.<who>_: `compute`'s values written into input (`methods.write_inplace`)."""
    return write_inplace(who, input, compute)


def relu_(input: Tensor) -> Tensor:
    """F.relu_: relu written into input (Tensor's in-place rules); returns input."""
    return inplace("relu_", input, lambda x: x.relu())


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """F.elu_: elu written into input; returns input."""
    return inplace("elu_", input, lambda x: elu(x, alpha))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """F.leaky_relu_: leaky_relu written into input; returns input."""
    return inplace("leaky_relu_", input, lambda x: leaky_relu(x, negative_slope))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """F.hardtanh_: hardtanh written into input; returns input."""
    return inplace("hardtanh_", input, lambda x: hardtanh(x, min_val, max_val))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """F.threshold_: threshold written into input; returns input."""
    t = threshold
    return inplace("threshold_", input, lambda x: threshold_of(x, t, value))


def selu_(input: Tensor) -> Tensor:
    """F.selu_: selu written into input; returns input."""
    return inplace("selu_", input, selu)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """F.celu_: celu written into input; returns input."""
    return inplace("celu_", input, lambda x: celu(x, alpha))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False, *, rng: Any = None, generator: Any = None) -> Tensor:
    """F.rrelu_: rrelu written into input (slopes drawn in training); returns input."""
    return inplace("rrelu_", input, lambda x: rrelu(x, lower, upper, training, rng=rng,
                                                     generator=generator))


# ---- rrelu ----------------------------------------------------------------------------------
def rrelu(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False, *, rng: Any = None, generator: Any = None) -> Tensor:
    """PyTorch's F.rrelu: in training x * a where x <= 0, a drawn uniform in [lower, upper)
    per entry (the gradient there is a; elsewhere 1); otherwise leaky_relu with the mean
    slope (lower + upper) / 2. inplace=True: F.rrelu_."""
    lo = number_arg("rrelu", "lower", tensor_number("rrelu", "lower", lower))  # (0-d: torch's)
    hi = number_arg("rrelu", "upper", tensor_number("rrelu", "upper", upper))
    if not np.isfinite(hi - lo):
        raise ValueError(f"rrelu: lower ({lo}) and upper ({hi}) must be finite")
    if lo > hi:
        raise ValueError(f"rrelu: lower ({lo}) must be at most upper ({hi})")
    training = bool_arg("rrelu", "training", training)
    if inplace:
        return inplace_flag("rrelu", input, lambda x: rrelu(x, lo, hi, training, rng=rng,
                                                              generator=generator))
    x = as_tensor_of(input)
    if not training:
        return leaky_relu(x, (lo + hi) / 2)
    if x.dtype.kind != "f":
        raise TypeError(f"rrelu: training draws slopes for a float input, got {x.dtype}")
    return x * Draw.apply(x.detach(), sample=_RReLUSlopes(rng_of(rng, generator, "rrelu"), lo,
                                                          hi))


@dataclasses.dataclass(frozen=True)
class _RReLUSlopes:
    """`Draw`'s sampler for F.rrelu in training: x's multiplier, a slope drawn uniform in
    [lower, upper) (in x's dtype) where x <= 0 and 1 elsewhere. Drawn inside the op, so a jitted
    step replays with fresh slopes; equal by value (the same generator and bounds), so a step
    records the same op twice and replays."""

    gen: np.random.Generator
    lower: float
    upper: float

    def __call__(self, x: np.ndarray) -> np.ndarray:
        slopes = self.gen.uniform(self.lower, self.upper, x.shape).astype(x.dtype)
        return np.where(x <= 0, slopes, np.ones((), x.dtype))


# ---- gumbel_softmax -------------------------------------------------------------------------
def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1, *, rng: Any = None, generator: Any = None) -> Tensor:
    """PyTorch's F.gumbel_softmax: softmax((logits + g) / tau) along dim, g Gumbel(0, 1)
    noise; hard=True: the one-hot of its argmax in the forward, the soft sample's gradient
    (straight through: y_hard - y_soft.detach() + y_soft)."""
    if eps != 1e-10:
        warnings.warn("gumbel_softmax: `eps` is deprecated and has no effect", stacklevel=2)
    tau = number_arg("gumbel_softmax", "tau", tau)
    x = as_tensor_of(logits)
    if x.dtype.kind != "f":
        raise TypeError(f"gumbel_softmax: expected float logits, got {x.dtype}")
    axis = dim_arg("gumbel_softmax", dim, x.ndim)
    noise = Draw.apply(x.detach(), sample=_GumbelNoise(rng_of(rng, generator, "gumbel_softmax")))
    y_soft = ((x + noise) / tau).softmax(axis)
    if not hard:
        return y_soft
    y_hard = Draw.apply(y_soft.detach(), sample=_OneHotOfMax(axis))
    return y_hard - y_soft.detach() + y_soft


@dataclasses.dataclass(frozen=True)
class _GumbelNoise:
    """`Draw`'s sampler for F.gumbel_softmax: Gumbel(0, 1) noise -log(E), E ~ Exp(1), in x's
    dtype (drawn in the op: a jitted step replays with fresh noise)."""

    gen: np.random.Generator

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (-np.log(self.gen.standard_exponential(x.shape))).astype(x.dtype)


@dataclasses.dataclass(frozen=True)
class _OneHotOfMax:
    """`Draw`'s constant for gumbel_softmax(hard=True): the one-hot of y's argmax along axis
    (recomputed at each replay)."""

    axis: int

    def __call__(self, y: np.ndarray) -> np.ndarray:
        out = np.zeros(y.shape, y.dtype)
        np.put_along_axis(out, np.expand_dims(np.argmax(y, axis=self.axis), self.axis), 1.0,
                          axis=self.axis)
        return out
