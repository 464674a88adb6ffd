"""Every public function of the framework: losses, the softmax family, one-hot, joining and
selecting tensors, and the fused batch-norm and RNN ops (with their argument checks).

Rows are samples: logits have shape (n, K), one row per sample, one column per class.
Each function is a thin wrapper over one op's `Function.apply` (ops in `tinygrad_dl.ops`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .device import check_device
from .engine import is_grad_enabled, literal
from .ops import (
    ELU,
    GELU,
    RNN,
    Arccos,
    Arcsin,
    Arctan,
    Arctan2,
    AvgPool2d,
    BatchNorm,
    Ceil,
    Concatenate,
    Conv2d,
    Cos,
    Cosh,
    CrossEntropy,
    Diag,
    Einsum,
    Exp2,
    Expm1,
    Floor,
    Hypot,
    LeakyReLU,
    Linear,
    Log1p,
    Log2,
    Log10,
    LogAddExp,
    LogSoftmax,
    Maximum,
    MaxPool2d,
    Minimum,
    Mod,
    Pad,
    Reciprocal,
    ReLU,
    Round,
    Sigmoid,
    Sign,
    SiLU,
    Sin,
    Sinh,
    Softmax,
    Softplus,
    Square,
    Stack,
    SumOfSquares,
    Tan,
    Tanh,
    Tril,
    Triu,
    Where,
)
from .ops.loss import check_labels
from .tensor import Tensor, as_tensor

__all__ = [
    "arccos", "arcsin", "arctan", "arctan2", "argmax", "argmin", "avg_pool2d", "batch_norm",
    "broadcast_to", "ceil", "concatenate", "conv2d", "cos", "cosh", "cross_entropy", "cumsum",
    "diag", "dot", "einsum", "elu", "exp2", "expand_dims", "expm1", "flatten", "flip", "floor",
    "gelu", "hstack", "hypot", "inner", "leaky_relu", "log1p", "log2", "log10", "log_softmax",
    "logaddexp", "logsumexp", "max_pool2d", "maximum", "minimum", "mod", "moveaxis", "one_hot",
    "outer", "pad", "prod", "reciprocal", "relu", "remainder", "repeat", "rnn", "roll", "round",
    "sigmoid", "sign", "silu", "sin", "sinh", "softmax", "softplus", "split", "square",
    "squeeze", "stack", "std", "sum_of_squares", "swapaxes", "tan", "tanh", "tensor",
    "tensordot", "tile", "trace", "tril", "triu", "unsqueeze", "vstack", "where",
]


def softmax(z: Tensor, axis: int = -1) -> Tensor:
    """exp(z - max z) / sum exp(z - max z) along `axis`."""
    return Softmax.apply(z, axis=axis)


def log_softmax(z: Tensor, axis: int = -1) -> Tensor:
    """(z - max z) - log sum exp(z - max z): never the log of an underflowed probability."""
    return LogSoftmax.apply(z, axis=axis)


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits (n, K) against class indices (n,) or one-hot rows (n, K).

    reduction: "mean" (the course's 1/n sum), "sum", or "none" (one loss per sample).
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be mean, sum or none, not {reduction!r}")
    if isinstance(targets, Tensor) and targets.requires_grad and is_grad_enabled():
        raise ValueError("cross_entropy: the targets require grad, but cross_entropy does not "
                         "differentiate them (it would drop their gradient); pass "
                         "targets.detach()")
    t = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    z = logits.data if isinstance(logits, Tensor) else np.asarray(logits)
    if z.ndim == 2 and z.shape[0] == 0:
        raise ValueError("cross_entropy: empty batch (logits of shape "
                         f"{z.shape}): a mean over no samples is undefined")
    # class indices are checked inside the op (check_labels), so a replayed step checks them too
    if t.ndim == 2 and t.dtype != logits.dtype:
        t = t.astype(logits.dtype)
    return CrossEntropy.apply(logits, targets=t, reduction=reduction)


def one_hot(y: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Class indices (n,) -> one-hot rows (n, K)."""
    y = np.asarray(y)
    if y.size == 0 and y.dtype.kind == "f":  # np.asarray([]) is float64: an empty label list
        y = y.astype(np.int64)
    check_labels("one_hot", y, num_classes)
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def _as_tensors(xs: Sequence[Any]) -> list[Tensor]:
    """Tensors as they are, constants as Tensors in the first tensor's float dtype."""
    ref = next((x for x in xs if isinstance(x, Tensor)), None)
    return [as_tensor(x, ref) for x in xs]


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (np.concatenate)."""
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    return Concatenate.apply(*_as_tensors(tensors), axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along a new axis (np.stack)."""
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    return Stack.apply(*_as_tensors(tensors), axis=axis)


def where(cond: Any, x: Any, y: Any) -> Tensor:
    """Elementwise x where cond else y; cond is a constant (its gradient is not defined)."""
    cond = np.asarray(cond.data if isinstance(cond, Tensor) else cond, dtype=bool)
    x, y = _as_tensors([x, y])
    try:  # Function.apply's message would name only x's and y's shapes
        np.broadcast_shapes(cond.shape, x.shape, y.shape)
    except ValueError:
        raise ValueError(
            f"Where: cannot broadcast cond {cond.shape}, x {x.shape} and y {y.shape} together"
        ) from None
    return Where.apply(x, y, cond=cond)


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise max; at ties the gradient is split evenly."""
    x, y = _as_tensors([x, y])
    return Maximum.apply(x, y)


def sum_of_squares(*xs: Tensor, scale: float = 1.0) -> Tensor:
    """scale * (sum of x ** 2 over all entries of all the given tensors), as one graph node."""
    if not xs:
        raise ValueError("sum_of_squares needs at least one tensor")
    return SumOfSquares.apply(*xs, scale=scale)


def batch_norm(
    x: Tensor,
    gamma: Tensor,
    beta: Tensor,
    eps: float = 1e-8,
    training: bool = True,
    mean: np.ndarray | None = None,
    var: np.ndarray | None = None,
    on_stats: Callable[[np.ndarray, np.ndarray], Any] | None = None,
) -> Tensor:
    """gamma * (x - mean) / sqrt(var + eps) + beta over the rows of x (n, d), as one op.

    training=True: mean/var are x's batch mean and biased variance (computed when None; pass
    them when already computed, e.g. for running averages) and gradients flow through them.
    training=False: mean/var are required constants (running averages); the op is affine.
    on_stats(mean, var) is called with the statistics used (BatchNorm1d's running averages).
    """
    if not training and (mean is None or var is None):
        raise ValueError("batch_norm: evaluation mode needs the running mean and var")
    x, gamma, beta = _as_tensors([x, gamma, beta])
    if x.ndim != 2 or gamma.shape != (x.shape[1],) or beta.shape != (x.shape[1],):
        raise ValueError(f"batch_norm: expected x (n, d), gamma (d,), beta (d,); got x "
                         f"{x.shape}, gamma {gamma.shape}, beta {beta.shape}")
    dt = x.dtype
    if mean is not None:
        mean = np.asarray(mean).astype(dt, copy=False)
    if var is not None:
        var = np.asarray(var).astype(dt, copy=False)
    return BatchNorm.apply(x, gamma, beta, eps=eps, training=training, mean=mean, var=var,
                           on_stats=on_stats)


def rnn(x: Any, U: Tensor, W: Tensor, b: Tensor, h0: Any = None) -> Tensor:
    """All hidden states H (T, m) of h_t = tanh(x_t U + h_{t-1} W + b), as one op.

    x: (T, d) float rows or (T,) integer indices (one-hot rows); U (d, m), W (m, m), b (m,);
    h0: initial state (m,) (Tensor or array; zeros when None). All floats must share a dtype.
    """
    U = U if isinstance(U, Tensor) else Tensor(U)
    W = as_tensor(W, U)
    b = as_tensor(b, U)
    indices = (x.data if isinstance(x, Tensor) else np.asarray(x)).dtype.kind in "iu"
    if not isinstance(x, Tensor):
        x = Tensor(x) if indices else as_tensor(x, U)
    dt, m = U.data.dtype, W.data.shape[-1]
    batch = () if indices else x.data.shape[1:-1]
    if h0 is None:
        h0 = Tensor(literal(np.zeros(batch + (m,), dtype=dt)))  # a constant, not data
    elif not isinstance(h0, Tensor):
        h0 = Tensor(np.asarray(h0, dtype=dt))
    # shapes read off .data directly: this runs once per training update
    xs, Us = x.data.shape, U.data.shape
    if (len(xs) == 0 or len(Us) != 2 or W.data.shape != (m, m) or Us[1] != m
            or b.data.shape != (m,) or h0.data.shape != batch + (m,)):
        raise ValueError(
            f"rnn: expected x (T, d) or (T,), U (d, m), W (m, m), b (m,), h0 (m,); got x "
            f"{x.shape}, U {U.shape}, W {W.shape}, b {b.shape}, h0 {h0.shape}"
        )
    if (W.data.dtype != dt or b.data.dtype != dt or h0.data.dtype != dt
            or (not indices and x.data.dtype != dt)):
        dtypes = {str(t.dtype) for t in (U, W, b, h0) + (() if indices else (x,))}
        raise ValueError(f"rnn: x, U, W, b and h0 must share one float dtype, got "
                         f"{sorted(dtypes)}")
    return RNN.apply(x, U, W, b, h0)


# ---- conveniences (PyTorch habits) ----------------------------------------------------------
def tensor(data: Any, requires_grad: bool = False, dtype: Any = None,
           name: str | None = None, device: Any = None) -> Tensor:
    """torch.tensor's spelling of Tensor(...) (device: the CPU, the only one)."""
    check_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# ---- activations and elementwise math (ops/unary.py; Tensor methods of the same names) -----
def relu(x: Any) -> Tensor: return ReLU.apply(_t(x))
def tanh(x: Any) -> Tensor: return Tanh.apply(_t(x))
def sigmoid(x: Any) -> Tensor: return Sigmoid.apply(_t(x))
def softplus(x: Any) -> Tensor: return Softplus.apply(_t(x))
def leaky_relu(x: Any, slope: float = 0.01) -> Tensor: return LeakyReLU.apply(_t(x), slope=slope)
def elu(x: Any, alpha: float = 1.0) -> Tensor: return ELU.apply(_t(x), alpha=alpha)
def gelu(x: Any) -> Tensor: return GELU.apply(_t(x))
def silu(x: Any) -> Tensor: return SiLU.apply(_t(x))
def sin(x: Any) -> Tensor: return Sin.apply(_t(x))
def cos(x: Any) -> Tensor: return Cos.apply(_t(x))
def tan(x: Any) -> Tensor: return Tan.apply(_t(x))
def arcsin(x: Any) -> Tensor: return Arcsin.apply(_t(x))
def arccos(x: Any) -> Tensor: return Arccos.apply(_t(x))
def arctan(x: Any) -> Tensor: return Arctan.apply(_t(x))
def sinh(x: Any) -> Tensor: return Sinh.apply(_t(x))
def cosh(x: Any) -> Tensor: return Cosh.apply(_t(x))
def log1p(x: Any) -> Tensor: return Log1p.apply(_t(x))
def expm1(x: Any) -> Tensor: return Expm1.apply(_t(x))
def log2(x: Any) -> Tensor: return Log2.apply(_t(x))
def log10(x: Any) -> Tensor: return Log10.apply(_t(x))
def exp2(x: Any) -> Tensor: return Exp2.apply(_t(x))
def square(x: Any) -> Tensor: return Square.apply(_t(x))
def reciprocal(x: Any) -> Tensor: return Reciprocal.apply(_t(x))
def sign(x: Any) -> Tensor: return Sign.apply(_t(x))
def floor(x: Any) -> Tensor: return Floor.apply(_t(x))
def ceil(x: Any) -> Tensor: return Ceil.apply(_t(x))
def round(x: Any) -> Tensor: return Round.apply(_t(x))  # noqa: A001  (NumPy's name)


# ---- binary (ops/binary.py) -----------------------------------------------------------------
def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise min; at ties the gradient is split evenly."""
    return Minimum.apply(*_as_tensors([x, y]))


def arctan2(y: Any, x: Any) -> Tensor: return Arctan2.apply(*_as_tensors([y, x]))
def hypot(x: Any, y: Any) -> Tensor: return Hypot.apply(*_as_tensors([x, y]))
def logaddexp(x: Any, y: Any) -> Tensor: return LogAddExp.apply(*_as_tensors([x, y]))
def mod(x: Any, y: Any) -> Tensor: return Mod.apply(*_as_tensors([x, y]))
def remainder(x: Any, y: Any) -> Tensor: return Mod.apply(*_as_tensors([x, y]))


# ---- reductions: NumPy's function spellings of the Tensor methods ---------------------------
def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).prod(axis, keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    return _t(x).std(axis, keepdims, ddof)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).logsumexp(axis, keepdims)


def cumsum(x: Any, axis: int | None = None) -> Tensor: return _t(x).cumsum(axis)
def argmax(x: Any, axis: int | None = None) -> Tensor: return _t(x).argmax(axis)
def argmin(x: Any, axis: int | None = None) -> Tensor: return _t(x).argmin(axis)


# ---- linear algebra (einsum and compositions of it; ops/linalg.py) --------------------------
def einsum(subscripts: str, *operands: Any) -> Tensor:
    """np.einsum: "ij,jk->ik", "ii->", "bij,bjk->bik", "...ij,...jk->...ik", implicit output.
    The axes "..." stands for must have equal lengths (no broadcasting of length-1 axes)."""
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: the subscripts must be a str such as 'ij,jk->ik', got "
                        f"{type(subscripts).__name__} {subscripts!r:.40}")
    if not subscripts.isascii() or any(not (c.isalpha() or c in ",.-> ") for c in subscripts):
        bad = next(c for c in subscripts if not (c.isascii() and (c.isalpha() or c in ",.-> ")))
        raise ValueError(f"einsum: subscript {bad!r} in {subscripts!r:.60}: use ASCII letters, "
                         "',', '->' and '...'")
    if not operands:
        raise ValueError("einsum needs at least one operand")
    return Einsum.apply(*_as_tensors(operands), subscripts=subscripts)


_L = "abcdefghijklmnopqrstuvwxyz"


def dot(x: Any, y: Any) -> Tensor:
    """np.dot: matrix product for 2-D, inner product for 1-D, last axis of x with the
    second-to-last of y otherwise."""
    x, y = _as_tensors([x, y])
    return x.dot(y)


def inner(x: Any, y: Any) -> Tensor:
    """np.inner: the sum over the last axes of x and y."""
    x, y = _as_tensors([x, y])
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    a, b = _L[:x.ndim - 1] + "z", _L[13:13 + y.ndim - 1] + "z"
    return Einsum.apply(x, y, subscripts=f"{a},{b}->{a[:-1]}{b[:-1]}")


def outer(x: Any, y: Any) -> Tensor:
    """np.outer: x and y flattened, out[i, j] = x[i] y[j]."""
    x, y = _as_tensors([x, y])
    return Einsum.apply(x.reshape(-1), y.reshape(-1), subscripts="i,j->ij")


def tensordot(x: Any, y: Any, axes: Any = 2) -> Tensor:
    """np.tensordot: sum over the last `axes` axes of x and the first of y, or over the
    axes listed in the pair `axes` = (x's axes, y's axes)."""
    x, y = _as_tensors([x, y])
    if isinstance(axes, (int, np.integer)):
        ax, ay = list(range(x.ndim - int(axes), x.ndim)), list(range(int(axes)))
    else:
        ax, ay = (np.atleast_1d(a).tolist() for a in axes)
    try:
        ax = [a % x.ndim if -x.ndim <= a < x.ndim else _bad(a) for a in ax]
        ay = [a % y.ndim if -y.ndim <= a < y.ndim else _bad(a) for a in ay]
        if len(ax) != len(ay) or any(x.shape[i] != y.shape[j] for i, j in zip(ax, ay)):
            raise ValueError(f"axes {ax} and {ay} do not match in length or size")
    except ValueError as e:
        raise ValueError(f"tensordot: shapes {x.shape} and {y.shape}: {e}") from None
    a, b = list(_L[:x.ndim]), list(_L[13:13 + y.ndim])
    for i, j in zip(ax, ay):
        b[j] = a[i]
    out = [c for k, c in enumerate(a) if k not in ax] + [c for k, c in enumerate(b) if k not in ay]
    return Einsum.apply(x, y, subscripts=f"{''.join(a)},{''.join(b)}->{''.join(out)}")


def _bad(axis: int) -> int:
    raise ValueError(f"axis {axis} is out of bounds")


def trace(x: Any, k: int = 0) -> Tensor: return _t(x).trace(k)


def diag(x: Any, k: int = 0) -> Tensor:
    """np.diag: a 1-D x -> a matrix with x on diagonal k; a 2-D x -> its diagonal k."""
    return Diag.apply(_t(x), k=k)


def tril(x: Any, k: int = 0) -> Tensor: return Tril.apply(_t(x), k=k)
def triu(x: Any, k: int = 0) -> Tensor: return Triu.apply(_t(x), k=k)


# ---- shape: NumPy's function spellings (compositions of reshape/transpose/getitem) ----------
def squeeze(x: Any, axis: Any = None) -> Tensor: return _t(x).squeeze(axis)
def expand_dims(x: Any, axis: Any) -> Tensor: return _t(x).expand_dims(axis)
def unsqueeze(x: Any, axis: int) -> Tensor: return _t(x).expand_dims(axis)
def flatten(x: Any, start: int = 0, end: int = -1) -> Tensor: return _t(x).flatten(start, end)
def swapaxes(x: Any, a: int, b: int) -> Tensor: return _t(x).swapaxes(a, b)
def moveaxis(x: Any, src: Any, dst: Any) -> Tensor: return _t(x).moveaxis(src, dst)
def broadcast_to(x: Any, shape: Any) -> Tensor: return _t(x).broadcast_to(shape)
def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    return _t(x).repeat(repeats, axis)


def tile(x: Any, reps: Any) -> Tensor: return _t(x).tile(reps)
def flip(x: Any, axis: Any = None) -> Tensor: return _t(x).flip(axis)
def roll(x: Any, shift: Any, axis: Any = None) -> Tensor: return _t(x).roll(shift, axis)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0.0) -> Tensor:
    """np.pad in "constant" mode (the only one): pad_width as np.pad takes it."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, not {mode!r}")
    return Pad.apply(_t(x), pad_width=pad_width, value=constant_values)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """np.split: n equal sections, or pieces cut at the given indices; views via getitem."""
    x = _t(x)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"split: axis {axis} is out of bounds for shape {x.shape}")
    axis, n = axis % x.ndim, x.shape[axis % x.ndim]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: axis {axis} of length {n} does not split into {k} "
                             "equal sections")
        cuts = [n // k * i for i in range(1, k)]
    else:  # as NumPy slices x[a:b]: a negative cut counts from the end, past the end clamps
        cuts = [min(max(int(c) + n if c < 0 else int(c), 0), n) for c in indices_or_sections]
    lead = (slice(None),) * axis
    bounds = [0] + cuts + [n]
    return [x[lead + (slice(a, max(a, b)),)] for a, b in zip(bounds, bounds[1:])]


def vstack(tensors: Sequence[Any]) -> Tensor:
    """np.vstack: 1-D inputs become rows, then concatenate along axis 0."""
    ts = [t if t.ndim >= 2 else t.reshape(1, -1) for t in _as_tensors(list(tensors))]
    return concatenate(ts, axis=0)


def hstack(tensors: Sequence[Any]) -> Tensor:
    """np.hstack: concatenate along axis 1 (axis 0 for 1-D inputs)."""
    ts = [t if t.ndim else t.reshape(1) for t in _as_tensors(list(tensors))]
    return concatenate(ts, axis=0 if ts and ts[0].ndim == 1 else 1)


# ---- convolution and pooling (NCHW; ops/conv.py) --------------------------------------------
def _pos_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _pair(name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
    """One int for both axes, or a pair (rows, columns): PyTorch's two spellings."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an integer or a pair (rows, columns) of "
                             f"integers >= {minimum}, got {value!r}")
        return _pos_int(name, value[0], minimum), _pos_int(name, value[1], minimum)
    v = _pos_int(name, value, minimum)
    return v, v


def _conv2d_args(x: Tensor, w: Tensor, stride: Any, padding: Any, dilation: Any, groups: Any
                 ) -> dict[str, Any]:
    """conv2d's options checked and spelled out for the op: stride (sh, sw), padding
    ((top, bottom), (left, right)), dilation (dh, dw), groups. Every argument check of conv2d's
    options lives here, before anything is allocated (the shapes are checked by the op,
    ops/conv.py ConvGeometry)."""
    if w.ndim == 4 and w.shape[0] == 0:
        raise ValueError(f"conv2d: the weight {w.shape} has 0 filters; it needs at least one")
    stride = _pair("conv2d: stride", stride)
    dilation = _pair("conv2d: dilation", dilation)
    groups = _pos_int("conv2d: groups", groups)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"conv2d: padding must be 'valid', 'same', an integer or pairs, "
                             f"got {padding!r}")
        if padding == "same" and stride != (1, 1):
            raise ValueError(f"conv2d: padding='same' needs stride 1 (as in PyTorch), got "
                             f"stride {stride}")
        if padding == "valid" or w.ndim != 4:  # a bad w: the op names its shape
            pads: Any = ((0, 0), (0, 0))
        else:  # PyTorch's split: the odd pixel of d (k - 1) goes to the bottom / right
            total = [d * (k - 1) for d, k in zip(dilation, w.shape[2:])]
            pads = tuple((t // 2, t - t // 2) for t in total)
    elif (isinstance(padding, (tuple, list)) and len(padding) == 2
          and all(isinstance(p, (tuple, list)) for p in padding)):
        pads = tuple(_pair("conv2d: padding", p, 0) for p in padding)
    elif isinstance(padding, (tuple, list)) and len(padding) == 4:
        raise ValueError(f"conv2d: padding {tuple(padding)!r} is ambiguous: write "
                         "((top, bottom), (left, right)) per side (F.pad's (left, right, top, "
                         f"bottom) is (({padding[2]}, {padding[3]}), ({padding[0]}, "
                         f"{padding[1]})))")
    else:
        ph, pw = _pair("conv2d: padding", padding, 0)
        pads = ((ph, ph), (pw, pw))
    if x.ndim == 4 and w.ndim == 4:  # beyond this, padding adds nothing but zeros to allocate
        most = max(*x.shape[2:], *w.shape[2:])
        if max(max(p) for p in pads) > most:
            raise ValueError(f"conv2d: padding={padding} is larger than the input's "
                             f"{x.shape[2:]} and the kernel's {w.shape[2:]} sizes; at most "
                             f"{most} adds anything but zeros")
    return dict(stride=stride, padding=pads, dilation=dilation, groups=groups)


def conv2d(x: Any, w: Any, b: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: Any = 1) -> Tensor:
    """2-D cross-correlation of x (N, C, H, W) with filters w (F, C/groups, KH, KW) (+ bias b
    (F,)) -> (N, F, OH, OW), OH = (H + top + bottom - dh (KH - 1) - 1) // sh + 1, as PyTorch's
    F.conv2d (same argument order). stride and dilation: an int or (rows, columns); padding: an
    int, (rows, columns), per side ((top, bottom), (left, right)), "valid" or "same"; groups:
    C and F split into that many groups, group g's filters seeing only group g's channels."""
    ts = _as_tensors([x, w] if b is None else [x, w, b])
    return Conv2d.apply(*ts, **_conv2d_args(ts[0], ts[1], stride, padding, dilation, groups))


def _pool_args(op: str, kernel: Any, kernel_size: Any, stride: Any, padding: Any
               ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(kernel, stride, padding) pairs of a pooling call; kernel_size is PyTorch's name."""
    if kernel_size is not None:
        if kernel is not None:
            raise ValueError(f"{op}: give kernel or kernel_size (the same thing), not both")
        kernel = kernel_size
    kernel = _pair(f"{op}: kernel", 2 if kernel is None else kernel)
    stride = kernel if stride is None else _pair(f"{op}: stride", stride)
    padding = _pair(f"{op}: padding", padding, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        half = (kernel[0] // 2, kernel[1] // 2)
        raise ValueError(f"{op}: padding must be at most kernel // 2 = "
                         f"{half[0] if half[0] == half[1] else half} on each side, got "
                         f"{padding[0] if padding[0] == padding[1] else padding}")
    return kernel, stride, padding


def max_pool2d(x: Any, kernel: Any = None, stride: Any = None, padding: Any = 0, *,
               kernel_size: Any = None) -> Tensor:
    """Max over kernel (default 2; an int or (rows, columns); PyTorch's kernel_size) windows
    every `stride` (default: the kernel) pixels of x (N, C, H, W), after padding each side of H
    and W with `padding` (at most half the kernel on that axis) pixels of -inf."""
    kernel, stride, padding = _pool_args("max_pool2d", kernel, kernel_size, stride, padding)
    x = _pool_pad(_t(x), padding, -np.inf, "max_pool2d")
    return MaxPool2d.apply(x, kernel=kernel, stride=stride)


def avg_pool2d(x: Any, kernel: Any = None, stride: Any = None, padding: Any = 0, *,
               kernel_size: Any = None) -> Tensor:
    """Mean over kernel windows every `stride` pixels of x (N, C, H, W), as max_pool2d, after
    zero-padding each side by `padding` (the zeros count: PyTorch's count_include_pad)."""
    kernel, stride, padding = _pool_args("avg_pool2d", kernel, kernel_size, stride, padding)
    x = _pool_pad(_t(x), padding, 0.0, "avg_pool2d")
    return AvgPool2d.apply(x, kernel=kernel, stride=stride)


def _pool_pad(x: Tensor, padding: tuple[int, int], value: float, op: str) -> Tensor:
    """x padded for pooling by (rows, columns) pixels of `value` on each side."""
    if padding == (0, 0):
        return x
    if x.ndim != 4:
        raise ValueError(f"{op} expects x (N, C, H, W), got {x.shape}")
    (ph, pw) = padding
    return pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


# ---- regression and binary losses (compositions of ops: their gradients come with them) ------
__all__ += ["binary_cross_entropy_with_logits", "l1_loss", "linear", "mse_loss"]


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """x W^T + b for rows x (..., in), W (out, in), b (out,): PyTorch's F.linear, one op."""
    x, W = _as_tensors([input, weight])
    if bias is None:
        return Linear.apply(x, W)
    return Linear.apply(x, W, as_tensor(bias, x))



def _reduce(loss: Tensor, reduction: str, who: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _same_shape(input: Any, target: Any, who: str) -> tuple[Tensor, Tensor]:
    """input and target as tensors of one shape. PyTorch broadcasts different shapes with a
    warning ((n, 1) against (n,) makes an (n, n) loss: silently wrong); here it raises."""
    x = _t(input)
    y = as_tensor(target, x)
    if x.shape != y.shape:
        raise ValueError(f"{who}: input has shape {x.shape} but target has shape {y.shape}; "
                         "they must match (reshape or flatten one, e.g. input.flatten() for an "
                         "(n, 1) prediction)")
    return x, y


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2, averaged (reduction "mean"), summed ("sum") or kept ("none")."""
    x, y = _same_shape(input, target, "mse_loss")
    return _reduce((x - y).square(), reduction, "mse_loss")


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced as mse_loss."""
    x, y = _same_shape(input, target, "l1_loss")
    return _reduce((x - y).abs(), reduction, "l1_loss")


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """-[p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))] per element, from logits x and
    targets y in [0, 1], p = pos_weight (1 by default), times `weight`; reduced as mse_loss.

    Written as (1 - y) x + (1 + (p - 1) y) softplus(-x): softplus never overflows and its
    gradient is smooth at 0 (the per-element gradient is sigmoid(x) - y when p = 1).
    """
    x, y = _same_shape(input, target, "binary_cross_entropy_with_logits")
    if pos_weight is None:
        loss = (1 - y) * x + Softplus.apply(-x)
    else:
        p = as_tensor(pos_weight, x)
        loss = (1 - y) * x + (1 + (p - 1) * y) * Softplus.apply(-x)
    if weight is not None:
        loss = loss * as_tensor(weight, x)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")
