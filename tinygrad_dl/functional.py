"""The public functions that are not Tensor methods: losses, one-hot, joining and splitting
tensors, einsum and its relatives, the fused batch-norm and RNN ops (with their argument
checks), convolution and pooling, the constructors, and PyTorch's `torch.nn.functional` names
for the activations (delegating to the Tensor methods).

Rows are samples: logits have shape (n, K), one row per sample, one column per class.
Functions that a Tensor method already computes are not repeated here: `method_function` makes
`tinygrad_dl.exp(x)` from `Tensor.exp`, and tinygrad_dl.optable exports every op, once, under
its NumPy and PyTorch names.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .device import check_device
from .engine import is_grad_enabled, literal
from .ops import (
    NLL,
    RNN,
    AvgPool2d,
    BatchNorm,
    Concatenate,
    Conv2d,
    CrossEntropy,
    Diag,
    Dropout,
    Einsum,
    Linear,
    MaxPool2d,
    Pad,
    Softplus,
    Stack,
    SumOfSquares,
)
from .ops.linalg import sublist_subscripts
from .ops.loss import check_labels
from .ops.shape import InUnitInterval, Tap, axis_of
from .ops.spelling import one_name
from .random import as_rng, below, float_dtype, integers
from .tensor import Tensor, data_of, np_dtype, plain_array, split_at
from .tensor import as_tensor as like_tensor  # (a constant in `like`'s float dtype)

__all__ = [
    "append", "arange", "array_split", "atleast_1d", "atleast_2d", "atleast_3d", "avg_pool2d",
    "batch_norm", "column_stack", "concatenate", "conv2d", "cross", "cross_entropy", "diag",
    "as_tensor", "dropout", "einsum", "elu", "empty", "empty_like", "eye", "from_numpy", "full",
    "full_like",
    "gelu", "hstack", "inner", "kron", "leaky_relu", "linspace", "log_softmax", "max_pool2d",
    "method_function", "nll_loss", "one_hot", "ones", "ones_like", "outer", "pad", "rand",
    "rand_like",
    "randint", "randn", "randn_like", "relu", "rnn", "rollaxis", "sigmoid", "silu", "softmax",
    "softplus", "sort", "split", "stack", "sum_of_squares", "tanh", "tensor", "tensordot",
    "vstack", "where", "zeros", "zeros_like", "ones_like",
]


# ---- a Tensor method as a function (tinygrad_dl.exp(x), F.relu(x)) --------------------------
def method_function(method: Callable[..., Any], tensors: int = 1) -> Callable[..., Any]:
    """The function spelling of a Tensor method: its first `tensors` arguments become Tensors
    (constants take the first Tensor's float dtype), then the method runs. `out=` writes the
    result into an existing Tensor, as NumPy and PyTorch do (see write_out)."""

    @functools.wraps(method)
    def function(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Any:
        if len(args) < tensors:
            raise TypeError(f"{method.__name__}() needs {tensors} tensor argument"
                            f"{'s' if tensors > 1 else ''}, got {len(args)}")
        if isinstance(args[0], Tensor) and (tensors == 1 or isinstance(args[1], Tensor)):
            result = method(*args, **kwargs)  # the common case: Tensors already
        else:
            result = method(*_as_tensors(args[:tensors]), *args[tensors:], **kwargs)
        return result if out is None else write_out(method.__name__, result, out)

    sig = inspect.signature(method)
    first, *rest = sig.parameters.values()
    name = "input" if any(p.name == "x" for p in rest) else "x"
    kw_only = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
    varkw = [p for p in rest if p.kind is inspect.Parameter.VAR_KEYWORD]
    # (a method's own out=, NumPy's for np.max(t): the function's out= is taken before it)
    rest = [p for p in rest if p.kind is not inspect.Parameter.VAR_KEYWORD and p.name != "out"]
    function.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[first.replace(name=name), *rest, kw_only, *varkw])
    return function


def write_out(op: str, result: Any, out: Any) -> Tensor:
    """`out=`: copy a result into the Tensor `out` (same shape; cast as NumPy's same_kind).
    Like PyTorch, not while a gradient is being recorded: the copy would not be on the graph."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(out=...): out must be a Tensor, got {type(out).__name__}")
    if not isinstance(result, Tensor):
        raise TypeError(f"{op}(out=...): this op returns {type(result).__name__}, not one "
                        "Tensor; drop out=")
    if result.requires_grad or out.requires_grad:
        raise RuntimeError(f"{op}(out=...) does not record a gradient (as in PyTorch): write "
                           f"`y = {op}(...)` instead, or compute under no_grad()")
    if out.shape != result.shape:
        raise ValueError(f"{op}(out=...): out has shape {out.shape}, the result {result.shape}")
    try:
        np.copyto(out.data, result.data, casting="same_kind")
    except (TypeError, ValueError) as e:  # a cast NumPy refuses, or a read-only array
        raise ValueError(f"{op}(out=...): cannot write into out ({out.dtype}): {e}") from None
    return out


# ---- torch.nn.functional's activations: the Tensor methods ----------------------------------
relu = method_function(Tensor.relu)
tanh = method_function(Tensor.tanh)
sigmoid = method_function(Tensor.sigmoid)
softplus = method_function(Tensor.softplus)
leaky_relu = method_function(Tensor.leaky_relu)
elu = method_function(Tensor.elu)
gelu = method_function(Tensor.gelu)
silu = method_function(Tensor.silu)
softmax = method_function(Tensor.softmax)
log_softmax = method_function(Tensor.log_softmax)


def dropout(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False,
            rng: Any = None, generator: Any = None) -> Tensor:
    """F.dropout: in training, zero each entry with probability p and scale the rest by
    1 / (1 - p) (inverted dropout); otherwise x itself. The mask is drawn inside the op, from
    rng= (or generator=), else the seeded default generator."""
    if inplace:
        raise ValueError("dropout(inplace=True) is not supported: write x = F.dropout(x, p)")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    x = _t(x)
    if not training or p == 0.0:
        return x
    return Dropout.apply(x, sample=_DropoutMask(_rng(rng, generator, "dropout"), p))


@dataclasses.dataclass(frozen=True)
class _DropoutMask:
    """F.dropout's mask sampler: equal when it draws from the same generator object with the
    same p, so a jitted step that calls F.dropout records the same op twice and replays (a new
    closure per call differed every time); a fresh generator per call (rng=seed) differs."""

    gen: np.random.Generator
    p: float

    def __call__(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        keep = self.gen.random(shape) >= self.p
        return np.multiply(keep, 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p), dtype=dtype)

def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits (n, K) against class indices (n,) or one-hot rows (n, K).

    reduction: "mean" (the course's 1/n sum), "sum", or "none" (one loss per sample).
    """
    _check_reduction("cross_entropy", reduction, "; PyTorch's class weight= is not taken")
    if isinstance(targets, Tensor) and targets.requires_grad and is_grad_enabled():
        raise ValueError("cross_entropy: the targets require grad, but cross_entropy does not "
                         "differentiate them (it would drop their gradient); pass "
                         "targets.detach()")
    t = data_of(targets) if isinstance(targets, Tensor) else plain_array(targets)
    z = logits.data if isinstance(logits, Tensor) else plain_array(logits)
    if z.ndim == 2 and z.shape[0] == 0:
        raise ValueError("cross_entropy: empty batch (logits of shape "
                         f"{z.shape}): a mean over no samples is undefined")
    # class indices are checked inside the op (check_labels), so a replayed step checks them too
    if (t.ndim == 2 and t.dtype.kind in "iu" and z.ndim == 2 and t.shape == (z.shape[0], 1)
            and z.shape[1] > 1):  # (not one-hot rows of one class: K = 1 is that shape too)
        raise ValueError(f"cross_entropy: class labels of shape {t.shape}, a column: give them "
                         f"as ({z.shape[0]},), e.g. y.ravel()")
    if t.ndim == 2 and t.dtype != z.dtype:  # soft rows in the logits' float dtype; integer
        # logits compute in float64 (CrossEntropy), which keeps rows of 0.5 (int64 made them 0)
        t = t.astype(z.dtype if z.dtype.kind in "fc" else np.float64)
    return CrossEntropy.apply(logits, targets=t, reduction=reduction)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """PyTorch's negative log-likelihood: -input[i, target_i] for log-probabilities input
    (n, K) (a log_softmax's) and class indices target (n,), reduced ("mean": over the n rows);
    nll_loss(log_softmax(z, dim=1), y) is cross_entropy(z, y). One op (ops.NLL), which refuses
    labels outside [0, K) and input above 0 (logits given by mistake) on every batch."""
    _check_reduction("nll_loss", reduction, "; PyTorch's class weight= is not taken")
    if isinstance(target, Tensor) and target.requires_grad and is_grad_enabled():
        raise ValueError("nll_loss: the targets require grad, but nll_loss does not "
                         "differentiate them; pass target.detach()")
    t = data_of(target) if isinstance(target, Tensor) else plain_array(target)
    return NLL.apply(_t(input), targets=t, reduction=reduction)


def one_hot(y: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Class indices (n,) -> one-hot rows (n, K); any shape S -> S + (K,), as torch's
    one_hot (a column of labels (n, 1) is (n, 1, K): it was broadcast into a wrong (n, K))."""
    y = np.asarray(y)
    if y.size == 0 and y.dtype.kind == "f":  # np.asarray([]) is float64: an empty label list
        y = y.astype(np.int64)
    check_labels("one_hot", y, num_classes)
    out = np.zeros((*y.shape, num_classes), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


def _as_tensors(xs: Sequence[Any]) -> list[Tensor]:
    """Tensors as they are, constants as Tensors in the first tensor's float dtype."""
    ref = next((x for x in xs if isinstance(x, Tensor)), None)
    return [like_tensor(x, ref) for x in xs]


def concatenate(tensors: Sequence[Any], axis: int | None = 0, *, dim: int | None = None,
                out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing axis (np.concatenate, torch.cat; axis None: flattened)."""
    tensors = list(tensors)
    axis = axis if dim is None else one_name("concatenate", axis, "axis", dim, "dim", 0)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    ts = _as_tensors(tensors)
    if axis is None:
        ts, axis = [t.reshape(-1) for t in ts], 0
    result = Concatenate.apply(*ts, axis=axis)
    return result if out is None else write_out("concatenate", result, out)


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None,
          out: Tensor | None = None) -> Tensor:
    """Join tensors along a new axis (np.stack, torch.stack)."""
    tensors, axis = list(tensors), one_name("stack", axis, "axis", dim, "dim", 0)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    result = Stack.apply(*_as_tensors(tensors), axis=axis)
    return result if out is None else write_out("stack", result, out)



def where(cond: Any, x: Any, y: Any) -> Tensor:
    """Elementwise x where cond else y; cond is a constant (its gradient is not defined)."""
    x, y = _as_tensors([x, y])
    return x.where(cond, y)




def sum_of_squares(*xs: Tensor, scale: float = 1.0) -> Tensor:
    """scale * (sum of x ** 2 over all entries of all the given tensors), as one graph node."""
    if not xs:
        raise ValueError("sum_of_squares needs at least one tensor")
    if isinstance(scale, np.generic):  # np.float64(lam): a Python number, as beside any
        scale = scale.item()  # float tensor, or float32 weights would give a float64 penalty
    return SumOfSquares.apply(*xs, scale=scale)


# what every refusal of a PyTorch-style batch_norm call says (one line)
_BN_ORDER = ("this is the course's batch_norm(x, gamma, beta, eps=1e-8, training=True, mean=None, "
             "var=None); PyTorch's F.batch_norm(x, running_mean, running_var, weight, bias, "
             "training) is batch_norm(x, weight, bias, training=..., mean=running_mean, "
             "var=running_var) here, or use nn.BatchNorm1d")


def batch_norm(
    x: Tensor,
    gamma: Tensor,
    beta: Tensor,
    eps: float = 1e-8,
    training: bool = True,
    mean: np.ndarray | None = None,
    var: np.ndarray | None = None,
    on_stats: Callable[[np.ndarray, np.ndarray], Any] | None = None,
    **torch_only: Any,
) -> Tensor:
    """gamma * (x - mean) / sqrt(var + eps) + beta over the rows of x (n, d), as one op.

    training=True: mean/var are x's batch mean and biased variance (computed when None; pass
    them when already computed, e.g. for running averages) and gradients flow through them.
    training=False: mean/var are required constants (running averages); the op is affine.
    on_stats(mean, var) is called with the statistics used (BatchNorm1d's running averages).

    PyTorch's F.batch_norm(x, running_mean, running_var, weight, bias, training=False, ...)
    takes the running statistics second and third, where this takes gamma and beta: its
    keywords (weight=, running_mean=, ...) and a non-number where eps goes (its weight, or
    None) are refused in one line, never read as the other signature. Its bare three-argument
    call `batch_norm(x, running_mean, running_var)` cannot be told from this one's (docs/
    pytorch.md): write `batch_norm(x, weight, bias, training=False, mean=..., var=...)`.
    """
    if torch_only:  # PyTorch's keywords: weight=, bias=, running_mean=, running_var=, ...
        raise TypeError(f"batch_norm: unexpected keyword {sorted(torch_only)[0]}=; {_BN_ORDER}")
    if not isinstance(eps, (int, float, np.floating, np.integer)) or isinstance(eps, bool):
        raise TypeError(f"batch_norm: eps (the 4th argument) must be a number, got "
                        f"{type(eps).__name__}; {_BN_ORDER}")
    if not isinstance(training, (bool, np.bool_)):  # ("False", a tensor: truthy)
        raise TypeError(f"batch_norm: training must be True or False, got "
                        f"{type(training).__name__}; {_BN_ORDER}")
    if not training and (mean is None or var is None):
        raise ValueError("batch_norm: evaluation mode needs the running mean and var")
    if not (type(x) is Tensor and type(gamma) is Tensor and type(beta) is Tensor):
        x, gamma, beta = _as_tensors([x, gamma, beta])  # (a layer's call: all three are)
    xs = x.data.shape  # shapes read off .data: this runs once per layer per step
    if len(xs) != 2 or gamma.data.shape != xs[1:] or beta.data.shape != xs[1:]:
        raise ValueError(f"batch_norm: expected x (n, d), gamma (d,), beta (d,); got x "
                         f"{x.shape}, gamma {gamma.shape}, beta {beta.shape}")
    dt = x.data.dtype
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
    W = like_tensor(W, U)
    b = like_tensor(b, U)
    indices = (x.data if isinstance(x, Tensor) else np.asarray(x)).dtype.kind in "iu"
    if not isinstance(x, Tensor):
        x = Tensor(x) if indices else like_tensor(x, U)
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


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# ---- constructors: NumPy's and PyTorch's (dtype=, requires_grad=, device= the CPU) -----------
# Random draws come from rng= (or PyTorch's generator=), else the seeded default generator
# (tinygrad_dl.random: manual_seed). zeros, ones and randn are Tensor's own static methods.
def _made(who: str, data: np.ndarray, requires_grad: bool, device: Any) -> Tensor:
    check_device(device, who)
    return Tensor(data, requires_grad=requires_grad)


def _size(shape: Sequence[Any]) -> tuple[int, ...]:
    """rand(2, 3), rand((2, 3)) and rand([2, 3]) are one shape."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _rng(rng: Any, generator: Any, who: str) -> np.random.Generator:
    return as_rng(generator if rng is None else rng, who)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, name: str | None = None,
           device: Any = None) -> Tensor:
    """torch.tensor / np.array: a new Tensor holding a copy of data, its dtype inferred as
    NumPy does (integers stay int64, unlike Tensor(...), which makes Python numbers float64)."""
    if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in data):
        Tensor(data)  # raises its clear error: stack() joins tensors and keeps their gradients
    if isinstance(data, Tensor) and data.requires_grad:
        Tensor(data, dtype=dtype)  # raises: a copy would cut it from its graph without a word
    dtype = np_dtype(dtype, "tensor")  # torch.float32 too, as the casts take it
    arr = np.array(data.data if isinstance(data, Tensor) else data, dtype=dtype)
    if arr.dtype == object:
        raise TypeError(f"tensor(): cannot make a numeric array from {str(data)[:60]!r}")
    check_device(device, "tensor")
    return Tensor(arr, requires_grad=requires_grad, name=name)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """torch.as_tensor / np.asarray: `data` as a Tensor without a copy where it can be (a
    Tensor itself, an ndarray's memory), its dtype inferred as NumPy does (a list of ints is
    int64, as in both libraries; `Tensor([1, 2])` makes Python numbers float64)."""
    check_device(device, "as_tensor")
    dtype = np_dtype(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or np.dtype(dtype) == data.dtype else data.astype(dtype)
    if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in data):
        Tensor(data)  # raises its clear error: stack() joins tensors
    arr = np.asarray(data, dtype=dtype)
    if arr.dtype == object:
        raise TypeError(f"as_tensor(): cannot make a numeric array from {str(data)[:60]!r}")
    return Tensor(arr)


def from_numpy(a: np.ndarray) -> Tensor:
    """torch.from_numpy: a Tensor on the very same array (writes to one show in the other)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(a).__name__}")
    return Tensor(a)


zeros, ones, randn = Tensor.zeros, Tensor.ones, Tensor.randn


def empty(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """Zeros: an uninitialised tensor would make runs irreproducible for no gain here."""
    return _made("empty", np.zeros(_size(shape), dtype=np_dtype(dtype, "empty")), requires_grad,
                 device)


def full(shape: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """np.full / torch.full; the dtype follows fill_value (an int gives int64) unless given."""
    data = np.full(shape, fill_value, dtype=np_dtype(dtype, "full"))
    return _made("full", data, requires_grad, device)


def eye(n: int, m: int | None = None, k: int = 0, dtype: Any = np.float64,
        requires_grad: bool = False, device: Any = None) -> Tensor:
    return _made("eye", np.eye(n, m, k, dtype=np_dtype(dtype, "eye")), requires_grad, device)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False, device: Any = None, *, end: Any = None) -> Tensor:
    """np.arange / torch.arange (torch's end= is stop): integers give int64, floats float64."""
    stop = one_name("arange", stop, "stop", end, "end")
    dtype = np_dtype(dtype, "arange")
    # a narrower float is made in float64 and rounded once, as torch does: NumPy steps in the
    # dtype itself (float32 arange(1e8, 1e8 + 64) was 1e8 64 times, arange(-5, 5, 0.3) 13 ulps off)
    dt = dtype
    if dtype is not None and np.dtype(dtype).kind == "f" and np.dtype(dtype).itemsize < 8:
        dt = np.float64
    data = np.arange(start, dtype=dt) if stop is None else np.arange(start, stop, step, dtype=dt)
    return _made("arange", data if dt is dtype else data.astype(dtype), requires_grad, device)


def linspace(start: float, stop: float | None = None, num: int | None = None,
             endpoint: bool = True, dtype: Any = np.float64, requires_grad: bool = False,
             device: Any = None, *, end: float | None = None,
             steps: int | None = None) -> Tensor:
    """np.linspace(start, stop, num=50) / torch.linspace(start, end, steps): evenly spaced
    numbers from start to stop (inclusive unless endpoint=False)."""
    stop = one_name("linspace", stop, "stop", end, "end")
    num = one_name("linspace", num, "num", steps, "steps", 50)
    if stop is None:
        raise TypeError("linspace() needs start and stop (end=)")
    dtype = np_dtype(dtype, "linspace")
    return _made("linspace", np.linspace(start, stop, int(num), endpoint=endpoint, dtype=dtype),
                 requires_grad, device)


def rand(*shape: Any, rng: Any = None, dtype: Any = np.float64, requires_grad: bool = False,
         generator: Any = None, device: Any = None) -> Tensor:
    """Uniform numbers in [0, 1) (torch.rand, np.random.rand)."""
    dtype = float_dtype(np_dtype(dtype, "rand"), "rand")  # an int or bool draw would truncate
    data = below(_rng(rng, generator, "rand").random(_size(shape)), 1.0, 0.0, dtype)
    return _made("rand", data, requires_grad, device)


def randint(low: int, high: Any = None, size: Any = None, dtype: Any = np.int64, rng: Any = None,
            generator: Any = None, device: Any = None) -> Tensor:
    """Integers in [low, high): np.random.randint(low, high, size) and torch.randint(high,
    size) / torch.randint(low, high, size)."""
    if isinstance(high, (tuple, list)) and size is None:  # torch.randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    size = () if size is None else (size,) if isinstance(size, (int, np.integer)) else size
    dtype = np_dtype(dtype, "randint")
    data = integers(low, high, size, dtype, _rng(rng, generator, "randint"), "randint")
    return _made("randint", data, False, device)


def _like(x: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    a = x.data if isinstance(x, Tensor) else np.asarray(x)
    return a.shape, np.dtype(a.dtype if dtype is None else np_dtype(dtype, "*_like"))


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    shape, dt = _like(x, dtype)
    return _made("zeros_like", np.zeros(shape, dt), requires_grad, device)


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    shape, dt = _like(x, dtype)
    return _made("ones_like", np.ones(shape, dt), requires_grad, device)


def empty_like(x: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """Zeros (see empty)."""
    return zeros_like(x, dtype, requires_grad, device)


def full_like(x: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    shape, dt = _like(x, dtype)
    return _made("full_like", np.full(shape, fill_value, dt), requires_grad, device)


def _random_like(op: str, x: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    shape, dt = _like(x, dtype)
    return shape, float_dtype(dt, op, "x has dtype" if dtype is None else "dtype")


def rand_like(x: Any, dtype: Any = None, rng: Any = None, requires_grad: bool = False,
              generator: Any = None, device: Any = None) -> Tensor:
    shape, dt = _random_like("rand_like", x, dtype)
    data = below(_rng(rng, generator, "rand_like").random(shape), 1.0, 0.0, dt)
    return _made("rand_like", data, requires_grad, device)


def randn_like(x: Any, dtype: Any = None, rng: Any = None, requires_grad: bool = False,
               generator: Any = None, device: Any = None) -> Tensor:
    shape, dt = _random_like("randn_like", x, dtype)
    data = _rng(rng, generator, "randn_like").standard_normal(shape).astype(dt)
    return _made("randn_like", data, requires_grad, device)


# ---- linear algebra (einsum and compositions of it; ops/linalg.py) --------------------------
def einsum(subscripts: Any, *operands: Any, optimize: Any = False) -> Tensor:
    """np.einsum: "ij,jk->ik", "ii->", "bij,bjk->bik", "...ij,...jk->...ik", implicit output;
    NumPy's sublist form einsum(a, [0, 1], b, [1, 2], [0, 2]) and torch's list of operands
    einsum("ij,jk", [a, b]) too. The axes "..." stands for must have equal lengths (no
    broadcasting of length-1 axes). NumPy's `optimize=` is taken and changes nothing: the op
    contracts in its own order, forward and backward alike."""
    if not isinstance(subscripts, str) and operands and isinstance(operands[0], (list, tuple)):
        subscripts, operands = sublist_subscripts((subscripts, *operands))
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: the subscripts must be a str such as 'ij,jk->ik' (or NumPy's "
                        f"sublists), got {type(subscripts).__name__} {subscripts!r:.40}")
    if not subscripts.isascii() or any(not (c.isalpha() or c in ",.-> ") for c in subscripts):
        bad = next(c for c in subscripts if not (c.isascii() and (c.isalpha() or c in ",.-> ")))
        raise ValueError(f"einsum: subscript {bad!r} in {subscripts!r:.60}: use ASCII letters, "
                         "',', '->' and '...'")
    if not operands:
        raise ValueError("einsum needs at least one operand")
    return Einsum.apply(*_as_tensors(operands), subscripts=subscripts)


_L = "abcdefghijklmnopqrstuvwxyz"


def inner(x: Any, y: Any) -> Tensor:
    """np.inner: the sum over the last axes of x and y."""
    x, y = _as_tensors([x, y])
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    a, b = _L[:x.ndim - 1] + "z", _L[13:13 + y.ndim - 1] + "z"
    return Einsum.apply(x, y, subscripts=f"{a},{b}->{a[:-1]}{b[:-1]}")


def matrix_transpose(x: Any) -> Tensor:
    """np.matrix_transpose: the last two axes exchanged (x.mT)."""
    return as_tensor(x).mT


def outer(x: Any, y: Any) -> Tensor:
    """np.outer: x and y flattened, out[i, j] = x[i] y[j]."""
    x, y = _as_tensors([x, y])
    return x.outer(y)


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



def diag(x: Any, k: int = 0) -> Tensor:
    """np.diag: a 1-D x -> a matrix with x on diagonal k; a 2-D x -> its diagonal k."""
    return Diag.apply(_t(x), k=k)


def kron(x: Any, y: Any) -> Tensor:
    """np.kron / torch.kron: every x[i] times all of y, blocks laid out like x (a product of
    reshaped, broadcast copies, then a reshape)."""
    x, y = _as_tensors([x, y])
    n = max(x.ndim, y.ndim)
    xs, ys = (1,) * (n - x.ndim) + x.shape, (1,) * (n - y.ndim) + y.shape
    a = x.reshape([d for s in xs for d in (s, 1)])
    b = y.reshape([d for s in ys for d in (1, s)])
    return (a * b).reshape([p * q for p, q in zip(xs, ys)])


def cross(x: Any, y: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """np.cross / torch.linalg.cross of 3-vectors along axis (default the last); the other axes
    broadcast. Each component is a difference of two products."""
    x, y = _as_tensors([x, y])
    axis = one_name("cross", axis, "axis", dim, "dim", -1)
    a, b = x.moveaxis(axis, -1), y.moveaxis(axis, -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ValueError(f"cross: vectors of length 3 only, along axis {axis}; got shapes "
                         f"{x.shape} and {y.shape}")
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return out.moveaxis(-1, axis)


# ---- joining, splitting and shape (NumPy's functions; Tensor methods do the work) --------
def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0.0, *,
        value: float | None = None) -> Tensor:
    """np.pad in "constant" mode (the only one): pad_width as np.pad takes it (an int, a
    (before, after) pair for every axis, or one pair per axis). PyTorch's F.pad(x, (left,
    right, top, bottom, ...), value=0) works too: a flat tuple of 4, 6, ... widths, pairs from
    the last axis backwards. A flat pair on a tensor of 2 or more axes means every axis to
    NumPy and only the last to PyTorch: that one is an error naming both spellings."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, not {mode!r}")
    x = _t(x)
    fill = one_name("pad", constant_values, "constant_values", value, "value", 0.0)
    widths = np.asarray(pad_width)
    if widths.ndim == 1 and widths.size % 2:  # (1,): NumPy's every axis, an error to PyTorch
        w = tuple(widths.tolist())
        raise ValueError(
            f"pad(x, {w}): an odd number of widths; PyTorch's F.pad takes (before, after) "
            f"pairs from the last axis back, e.g. ({w[0]}, {w[0]}); NumPy's same width on "
            f"every axis is pad(x, {w[0]})")
    if widths.ndim == 1 and widths.size >= 4 and widths.size % 2 == 0:  # PyTorch's flat tuple
        pairs = widths.reshape(-1, 2)[::-1].tolist()
        if len(pairs) > x.ndim:
            raise ValueError(f"pad: {widths.size} widths pad {len(pairs)} axes, x has {x.ndim}")
        pad_width = [(0, 0)] * (x.ndim - len(pairs)) + pairs
    elif widths.shape == (2,) and x.ndim >= 2:
        a, b = widths.tolist()
        raise ValueError(
            f"pad(x, ({a}, {b})) of a {x.ndim}-D tensor: NumPy pads every axis by ({a}, {b}), "
            f"PyTorch only the last; write (({a}, {b}),) * x.ndim for NumPy's or "
            f"((0, 0),) * (x.ndim - 1) + (({a}, {b}),) for PyTorch's")
    return Pad.apply(x, pad_width=pad_width, value=fill)


def _cuts(op: str, x: Tensor, sections: Any, axis: int, equal: bool) -> tuple[int, list[int]]:
    """(axis, cut positions) of np.split (equal) / np.array_split (sections as even as can be)
    / explicit indices (as NumPy slices them: negative from the end, past the end clamped)."""
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{op}: axis {axis} is out of bounds for shape {x.shape}")
    axis, n = axis % x.ndim, x.shape[axis % x.ndim]
    if isinstance(sections, (int, np.integer)):
        k = int(sections)
        if k <= 0 or (equal and n % k):
            raise ValueError(f"{op}: axis {axis} of length {n} does not split into {k} "
                             "equal sections")
        size, extra = divmod(n, k)
        return axis, [i * size + min(i, extra) for i in range(1, k)]
    return axis, [min(max(int(c) + n if c < 0 else int(c), 0), n) for c in sections]


def split(x: Any, indices_or_sections: Any, axis: int = 0, *,
          dim: int | None = None) -> list[Tensor]:
    """np.split: n equal sections, or pieces cut at the given indices (views via getitem).
    With PyTorch's dim=, torch.split: pieces of the given size (the last may be smaller), or
    of the listed sizes."""
    x = _t(x)
    if dim is None:
        return split_at(x, *_cuts("split", x, indices_or_sections, axis, equal=True))
    one_name("split", axis, "axis", dim, "dim", 0)
    _cuts("split", x, [], dim, True)  # (dim's bounds, in np.split's words)
    return x.split(indices_or_sections, dim=dim)


def array_split(x: Any, indices_or_sections: Any, axis: int = 0, *,
                dim: int | None = None) -> list[Tensor]:
    """np.array_split / torch.tensor_split: like split, but n sections need not be equal
    (the first n % len get one more)."""
    x = _t(x)
    axis = one_name("array_split", axis, "axis", dim, "dim", 0)
    return split_at(x, *_cuts("array_split", x, indices_or_sections, axis, equal=False))


def vstack(tensors: Sequence[Any]) -> Tensor:
    """np.vstack: 1-D inputs become rows, then concatenate along axis 0."""
    ts = [t if t.ndim >= 2 else t.reshape(1, -1) for t in _as_tensors(list(tensors))]
    return concatenate(ts, axis=0)


def hstack(tensors: Sequence[Any]) -> Tensor:
    """np.hstack: concatenate along axis 1 (axis 0 for 1-D inputs)."""
    ts = [t if t.ndim else t.reshape(1) for t in _as_tensors(list(tensors))]
    return concatenate(ts, axis=0 if ts and ts[0].ndim == 1 else 1)


def column_stack(tensors: Sequence[Any]) -> Tensor:
    """np.column_stack: 1-D (and 0-d) inputs become columns, then concatenate along axis 1."""
    ts = [t if t.ndim >= 2 else t.reshape(-1, 1) for t in _as_tensors(list(tensors))]
    return concatenate(ts, axis=1)


def append(x: Any, values: Any, axis: int | None = None) -> Tensor:
    """np.append: x and values joined along axis (None: both flattened first)."""
    return concatenate([x, values], axis=axis)


def atleast_1d(*xs: Any) -> Any:
    """np.atleast_1d: 0-d inputs become (1,); others are returned as they are. One input: one
    Tensor, several: a list."""
    out = [t if t.ndim >= 1 else t.reshape(1) for t in map(_t, xs)]
    return out[0] if len(out) == 1 else out


def atleast_2d(*xs: Any) -> Any:
    """np.atleast_2d: (n,) becomes (1, n), a 0-d input (1, 1)."""
    out = [t if t.ndim >= 2 else t.reshape(1, -1) for t in map(_t, xs)]
    return out[0] if len(out) == 1 else out


def atleast_3d(*xs: Any) -> Any:
    """np.atleast_3d: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1), a 0-d input (1, 1, 1)."""
    shapes = {0: lambda s: (1, 1, 1), 1: lambda s: (1, s[0], 1), 2: lambda s: (*s, 1)}
    out = [t if t.ndim >= 3 else t.reshape(shapes[t.ndim](t.shape)) for t in map(_t, xs)]
    return out[0] if len(out) == 1 else out


def rollaxis(x: Any, axis: int, start: int = 0) -> Tensor:
    """np.rollaxis: move `axis` to sit before position `start` (a transpose)."""
    x = _t(x)
    n, axis = x.ndim, axis_of("rollaxis", axis, x.ndim)
    if not -n <= start <= n:
        raise ValueError(f"rollaxis: start {start} is out of bounds for a {n}-D tensor")
    start = start + n if start < 0 else start
    order = list(range(n))
    order.remove(axis)
    order.insert(start - 1 if axis < start else start, axis)
    return x.permute(*order)


def sort(x: Any, axis: int | None = -1, kind: str | None = None, *, dim: int | None = None,
         descending: bool = False, stable: bool = False) -> Any:
    """np.sort: the sorted values along axis (None: flattened). With PyTorch's dim= or
    descending=, torch.sort's (values, indices). The gradient flows through the permutation;
    the sort is always stable (kind and stable are accepted for their spellings)."""
    x = _t(x)
    if dim is None and not descending:
        values = x.sort(axis).values
        if isinstance(axis, (int, np.integer)):  # torch.sort(x, 1) is (values, indices)
            values._values_only = ("sort", int(axis))
        return values
    return x.sort(one_name("sort", axis, "axis", dim, "dim", -1),
                  descending)


# ---- convolution and pooling (NCHW; ops/conv.py) --------------------------------------------
def _pos_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def pair_of_ints(name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
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
    stride = pair_of_ints("conv2d: stride", stride)
    dilation = pair_of_ints("conv2d: dilation", dilation)
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
        pads = tuple(pair_of_ints("conv2d: padding", p, 0) for p in padding)
    elif isinstance(padding, (tuple, list)) and len(padding) == 4:
        raise ValueError(f"conv2d: padding {tuple(padding)!r} is ambiguous: write "
                         "((top, bottom), (left, right)) per side (F.pad's (left, right, top, "
                         f"bottom) is (({padding[2]}, {padding[3]}), ({padding[0]}, "
                         f"{padding[1]})))")
    else:
        ph, pw = pair_of_ints("conv2d: padding", padding, 0)
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
    kernel = pair_of_ints(f"{op}: kernel", 2 if kernel is None else kernel)
    stride = kernel if stride is None else pair_of_ints(f"{op}: stride", stride)
    padding = pair_of_ints(f"{op}: padding", padding, 0)
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
    x = _t(x)
    # the pad never wins a window (padding <= kernel // 2 leaves a real pixel in each): -inf
    # for floats, the smallest value for integers (which keep their dtype, as torch's)
    kind = x.dtype.kind
    low = -np.inf if kind in "fc" else (False if kind == "b" else np.iinfo(x.dtype).min)
    x = _pool_pad(x, padding, low, "max_pool2d")
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
__all__ += ["binary_cross_entropy", "binary_cross_entropy_with_logits", "l1_loss", "layer_norm",
            "linear", "mse_loss"]


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """x W^T + b for rows x (..., in), W (out, in), b (out,): PyTorch's F.linear, one op."""
    x, W = _as_tensors([input, weight])
    if bias is None:
        return Linear.apply(x, W)
    return Linear.apply(x, W, like_tensor(bias, x))



def _check_reduction(who: str, reduction: Any, torch_hint: str = "") -> None:
    """`reduction` is "mean", "sum" or "none", or one line. A Tensor in its place (PyTorch's
    positional weight, size_average or reduce) was compared elementwise and failed on
    "bool() of a tensor"."""
    if type(reduction) is not str:
        raise TypeError(f"{who}: reduction (the third argument) must be 'mean', 'sum' or "
                        f"'none', got {type(reduction).__name__}{torch_hint}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str, who: str) -> Tensor:
    _check_reduction(who, reduction)  # (the one place a bad reduction is refused)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _same_shape(input: Any, target: Any, who: str) -> tuple[Tensor, Tensor]:
    """input and target as tensors of one shape. PyTorch broadcasts different shapes with a
    warning ((n, 1) against (n,) makes an (n, n) loss: silently wrong); here it raises."""
    x = _t(input)
    y = like_tensor(target, x)
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


def _weight_for(w: Any, x: Tensor, name: str, who: str) -> Tensor:
    """A weight that broadcasts onto x without changing x's shape: (n,) weights against (n, 1)
    logits would make an (n, n) loss, silently wrong (torch refuses it too)."""
    t = like_tensor(w, x)
    try:
        shape = np.broadcast_shapes(x.shape, t.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        made = "does not broadcast with" if shape is None else f"would broadcast to {shape} with"
        raise ValueError(f"{who}: {name} of shape {t.shape} {made} the input's shape {x.shape}; "
                         "it must broadcast to the input's shape unchanged")
    return t


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """-[p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))] per element, from logits x and
    targets y in [0, 1], p = pos_weight (1 by default), times `weight`; reduced as mse_loss.

    Written as p y softplus(-x) + (1 - y) softplus(x): softplus never overflows, and a
    confident right answer (x = -20 with y = 0, x = 20 with y = 1) keeps its tiny loss and
    gradient (sigmoid(x) - y when p = 1) where (1 - y) x + softplus(-x) cancels to 0.
    """
    who = "binary_cross_entropy_with_logits"
    x, y = _same_shape(input, target, who)
    if pos_weight is None:
        loss = y * Softplus.apply(-x) + (1 - y) * Softplus.apply(x)
    else:
        p = _weight_for(pos_weight, x, "pos_weight", who)
        loss = p * y * Softplus.apply(-x) + (1 - y) * Softplus.apply(x)
    if weight is not None:
        loss = loss * _weight_for(weight, x, "weight", who)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


_LOG_FLOOR = float(np.exp(-100.0))  # PyTorch's binary_cross_entropy clamps each log at -100


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    """-[y log p + (1 - y) log(1 - p)] per element, from probabilities p in [0, 1] (checked
    on every batch, replayed ones too: a logit here is refused, not taken to a log of a
    negative number) and targets y; each log at least -100 (PyTorch's clamp: p = 0 with y = 1
    costs 100, not inf, with gradient 0); times `weight`; reduced as mse_loss. From logits,
    binary_cross_entropy_with_logits is the stable one."""
    who = "binary_cross_entropy"
    x, y = _same_shape(input, target, who)
    x = Tap.apply(x, fn=InUnitInterval(who))
    loss = -(y * x.clamp(min=_LOG_FLOOR).log() + (1 - y) * (1 - x).clamp(min=_LOG_FLOOR).log())
    if weight is not None:
        loss = loss * _weight_for(weight, x, "weight", who)
    return _reduce(loss, reduction, who)


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Tensor:
    """PyTorch's layer normalization: over the last dimensions (`normalized_shape`, which must
    be the input's trailing shape), (x - mean) / sqrt(var + eps) with the biased variance,
    then times `weight` and plus `bias` (both of `normalized_shape`) when given. Composed of
    mean, sub, mul, add, sqrt and div: its gradient is theirs."""
    x = _t(input)
    shape = ((int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer))
             else tuple(int(n) for n in normalized_shape))
    k = len(shape)
    if not k or x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise ValueError(f"layer_norm: normalized_shape {shape} must be the input's last "
                         f"dimensions, got an input of shape {x.shape}")
    axes = tuple(range(x.ndim - k, x.ndim))
    d = x - x.mean(axis=axes, keepdims=True)
    out = d / ((d * d).mean(axis=axes, keepdims=True) + eps).sqrt()
    if weight is not None:
        out = out * _normalized(weight, x, shape, "weight")
    if bias is not None:
        out = out + _normalized(bias, x, shape, "bias")
    return out


def _normalized(p: Any, x: Tensor, shape: tuple[int, ...], name: str) -> Tensor:
    """layer_norm's weight or bias, which must have the normalized shape (broadcasting one of
    another shape would scale the wrong axes without a word)."""
    t = like_tensor(p, x)
    if t.shape != shape:
        raise ValueError(f"layer_norm: {name} must have the normalized shape {shape}, got "
                         f"{t.shape}")
    return t
