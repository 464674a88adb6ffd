"""The layers' functions: F.linear, the L2 term as one op (sum_of_squares), the
course's fused batch norm and RNN ops with their argument checks, layer_norm and normalize, and
torch.nn.functional's activations that are not Tensor methods (PyTorch has no x.relu6() either):
compositions of ops where those give PyTorch's values and gradients, small ops where a kink's
gradient is PyTorch's choice (hardtanh, relu6, hardsigmoid, hardswish, threshold, celu).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import write_guard
from ..engine import is_grad_enabled, literal, no_grad, notify_write
from ..ops import (
    RNN,
    BatchNorm,
    Cast,
    Linear,
    LookupGradScale,
    SumOfSquares,
    Tap,
    VectorNorm,
)
from ..ops.indexing import check_uint64
from ..ops.shape import InRange
from ..tensor import Tensor, plain_array
from ..tensor import as_tensor as like_tensor  # (a constant in `like`'s float dtype)
from .methods import as_tensor_of, as_tensors, dim_arg, number_arg, takes_out


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


class _DefaultEps(float):
    """batch_norm's default eps (1e-8), one object: `eps is _DEFAULT_EPS` tells a call that
    left eps out (PyTorch's bare three-argument call) from one that gave it."""


_DEFAULT_EPS = _DefaultEps(1e-8)


def batch_norm(
    x: Tensor,
    gamma: Tensor,
    beta: Tensor,
    eps: float = _DEFAULT_EPS,
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
    None) are refused in one line, never read as the other signature. So is its bare call
    `batch_norm(x, running_mean, running_var)` (also with training=True): in training mode,
    without eps, mean or var, gamma and beta that both require no grad (arrays, or tensors
    without requires_grad, as running statistics are) are refused in one line while grad mode
    is on; give eps (e.g. `eps=1e-8`) when they are meant as gamma and beta, frozen ones say.
    Under no_grad, where constants are the rule, that call still runs as this one's.
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
        x, gamma, beta = as_tensors([x, gamma, beta])  # (a layer's call: all three are)
    xs = x.data.shape  # shapes read off .data: this runs once per layer per step
    if len(xs) != 2 or gamma.data.shape != xs[1:] or beta.data.shape != xs[1:]:
        raise ValueError(f"batch_norm: expected x (n, d), gamma (d,), beta (d,); got x "
                         f"{x.shape}, gamma {gamma.shape}, beta {beta.shape}")
    if eps is _DEFAULT_EPS:
        if training and mean is None and var is None and is_grad_enabled() and not (
                _learned(gamma) or _learned(beta)):
            # the course's gamma and beta are parameters (a frozen pair: BatchNorm1d passes
            # its eps); PyTorch's running_mean and running_var never require grad. Not under
            # no_grad: there constants are the rule (finite differences, check_grad's rerun)
            raise TypeError("batch_norm(x, gamma, beta): gamma and beta both require no grad "
                            "and eps is not given, as in PyTorch's F.batch_norm(x, "
                            "running_mean, running_var), which here would normalize with the "
                            "batch's statistics and then scale by running_mean and shift by "
                            "running_var; give eps= (e.g. eps=1e-8) when they are gamma and "
                            "beta, or write batch_norm(x, weight, bias, training=False, "
                            "mean=running_mean, var=running_var) for PyTorch's")
        eps = 1e-8  # (a plain float on to the op)
    dt = x.data.dtype
    if mean is not None:
        mean = np.asarray(mean).astype(dt, copy=False)
    if var is not None:
        var = np.asarray(var).astype(dt, copy=False)
    return BatchNorm.apply(x, gamma, beta, eps=eps, training=training, mean=mean, var=var,
                           on_stats=on_stats)


def _learned(p: Any) -> bool:
    return isinstance(p, Tensor) and p.requires_grad


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
            or b.data.shape != (m,) or h0.data.shape != batch + (m,)
            or (not indices and (len(xs) < 2 or xs[-1] != Us[0]))):
        raise ValueError(
            f"rnn: expected x (T, d) or (T,), U (d, m), W (m, m), b (m,), h0 (m,); got x "
            f"{x.shape}, U {U.shape}, W {W.shape}, b {b.shape}, h0 {h0.shape}"
        )
    if indices and len(xs) != 1:
        raise ValueError(f"rnn: integer x must be indices of shape (T,), got {x.shape}")
    if (W.data.dtype != dt or b.data.dtype != dt or h0.data.dtype != dt
            or (not indices and x.data.dtype != dt)):
        dtypes = {str(t.dtype) for t in (U, W, b, h0) + (() if indices else (x,))}
        raise ValueError(f"rnn: x, U, W, b and h0 must share one float dtype, got "
                         f"{sorted(dtypes)}")
    return RNN.apply(x, U, W, b, h0)


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """x W^T + b for rows x (..., in), W (out, in), b (out,): PyTorch's F.linear, one op. A
    vector W (in,) gives x @ W (one number per row, the out axis dropped), as torch's, with a
    0-d bias (Linear's backward takes a matrix W: it runs on W as one row)."""
    x, W = as_tensors([input, weight])
    if W.ndim == 1:
        bshape = np.shape(bias.data if isinstance(bias, Tensor) else bias)
        if bias is not None and bshape:
            raise ValueError(f"linear: a vector weight {tuple(W.shape)} gives one number per "
                             f"row, so the bias must be 0-d, got shape {bshape}")
        out = Linear.apply(x, W.reshape(1, -1)).reshape(tuple(x.shape[:-1]))
        return out if bias is None else out + like_tensor(bias, x)
    if bias is None:
        return Linear.apply(x, W)
    b = like_tensor(bias, x)
    if b.data.shape == W.data.shape[:1]:
        return Linear.apply(x, W, b)
    out = Linear.apply(x, W)  # a bias of another shape (0-d, (1,), (rows, out)): added as torch
    if x.ndim == 1 and b.data.shape == (1,) + out.shape:  # (torch's 1-D x takes a (1, out) too)
        return (out + b).reshape(out.shape)
    try:  # adds it in place: it may not grow the output
        fits = np.broadcast_shapes(out.shape, b.shape) == out.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"linear: a bias of shape {tuple(b.shape)} does not broadcast to the "
                         f"output's shape {tuple(out.shape)}; give a bias of shape "
                         f"({W.shape[0]},)")
    return out + b  # (Linear's backward sums db to (out,): a 0-d bias's was refused)


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Tensor:
    """PyTorch's layer normalization: over the last dimensions (`normalized_shape`, which must
    be the input's trailing shape), (x - mean) / sqrt(var + eps) with the biased variance,
    then times `weight` and plus `bias` (both of `normalized_shape`) when given. Composed of
    mean, sub, mul, add, sqrt and div: its gradient is theirs."""
    x = as_tensor_of(input)
    dims = (normalized_shape,) if np.ndim(normalized_shape) == 0 else tuple(normalized_shape)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in dims):
        raise TypeError(f"layer_norm: normalized_shape must be integers, got "
                        f"{normalized_shape!r}")  # (int(6.5) would read 6)
    shape = tuple(int(n) for n in dims)
    k = len(shape)
    if not k or x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise ValueError(f"layer_norm: normalized_shape {shape} must be the input's last "
                         f"dimensions, got an input of shape {x.shape}")
    axes = tuple(range(x.ndim - k, x.ndim))
    w = None if weight is None else _normalized(weight, x, shape, "weight")
    b = None if bias is None else _normalized(bias, x, shape, "bias")
    half = x.dtype.kind == "f" and x.dtype.itemsize == 2  # float16 (">f2" too): in float32,
    xc = x.astype(np.float32) if half else x  # weight and bias too, rounded back once
    d = xc - xc.mean(axis=axes, keepdims=True)  # (torch's): its squares overflow past 256
    out = d / ((d * d).mean(axis=axes, keepdims=True) + eps).sqrt()  # (an output of 0)
    if w is not None:
        out = out * w
    if b is not None:
        out = out + b
    if half:  # (a float32 weight or bias: float32, as NumPy's promotion gave before)
        out = out.astype(np.result_type(np.float16, *(p.dtype for p in (w, b) if p is not None)))
    return out


def _normalized(p: Any, x: Tensor, shape: tuple[int, ...], name: str) -> Tensor:
    """layer_norm's weight or bias, which must have the normalized shape (broadcasting one of
    another shape would scale the wrong axes without a word)."""
    t = like_tensor(p, x)
    if t.shape != shape:
        raise ValueError(f"layer_norm: {name} must have the normalized shape {shape}, got "
                         f"{t.shape}")
    return t


@takes_out
def normalize(input: Any, p: float = 2.0, dim: Any = 1, eps: float = 1e-12) -> Tensor:
    """PyTorch's F.normalize: input / max(||input||_p, eps), the p-norm taken along `dim` (any
    p, inf and negative ones too, as torch's vector norm). Its gradient is the composition's:
    the norm's (ops.VectorNorm, PyTorch's), and 0 through it where the norm is below eps;
    `dim` a tuple of dims too (() or None every dim), and torch's out=."""
    x = as_tensor_of(input)
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else None  # (torch's: refused here)
    nd = max(x.ndim, 1)  # (dim 0 or -1 of a 0-d tensor is the tensor itself, torch's)
    try:
        if dim is None:  # (torch's norm over every dim, as ())
            axis: Any = None
        elif dims is None:
            axis = dim_arg("normalize", dim, nd)
        else:  # (vector_norm's rule: no dims is every dim)
            axis = tuple(dim_arg("normalize", d, nd) % nd for d in dims) or None
    except ValueError:
        if x.ndim:
            raise
        raise ValueError(f"normalize: dim {dim} is out of range for a 0-D input (0 or -1)"
                         ) from None
    if isinstance(axis, tuple) and len(set(axis)) != len(axis):  # (0-d's (0, -1) too)
        raise ValueError(f"normalize: dim {dim} names one dim twice (input of shape "
                         f"{x.shape})")
    if x.ndim == 0:
        return normalize(x.reshape(1), p, 0, eps).reshape(())
    norm = VectorNorm.apply(x, ord=number_arg("normalize", "p", p), axis=axis, keepdims=True)
    return x / norm.clamp(min=eps)


def embedding(input: Any, weight: Any, padding_idx: int | None = None,
              max_norm: Any = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """F.embedding: the rows of `weight` (num_embeddings, dim) at integer indices of any shape,
    `weight[input]` (the result: the indices' shape plus (dim,)); the gradient adds into the
    rows looked up, duplicates accumulating, except padding_idx's row, which gets none (its
    value is still read). Indices outside [0, num_embeddings) raise (NumPy's -1 would read the
    last row without a word), checked by an op, so a replayed step (jit) checks each batch.
    max_norm: each row looked up whose norm_type-norm exceeds it is first scaled in place to
    max_norm (torch's embedding_renorm_, see `renorm_rows`); scale_grad_by_freq: each row's
    gradient divided by how often its index appears in `input`. sparse=True is refused.
    nn.Embedding calls this."""
    return lookup("embedding", input, weight, padding_idx, max_norm, norm_type,
                  scale_grad_by_freq, sparse)


def padding_index(who: str, padding_idx: Any, n: int) -> int | None:
    """An embedding table's padding_idx (None, or an int in [-n, n)) as a row in [0, n)."""
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)) \
            or not -n <= padding_idx < n:
        raise ValueError(f"{who}: padding_idx must be an integer in [-{n}, {n}), got "
                         f"{padding_idx!r}")
    return int(padding_idx) % n


def lookup(who: str, input: Any, weight: Any, padding_idx: int | None = None,
           max_norm: Any = None, norm_type: Any = 2.0, scale_grad_by_freq: bool = False,
           sparse: bool = False) -> Tensor:
    """F.embedding's lookup with its checks, their messages naming `who` (nn.Embedding's
    forward and F.embedding_bag's rows are this too: one home)."""
    if sparse:
        raise ValueError(f"{who}: sparse=True (sparse gradients) is not supported; the dense "
                         "gradient (sparse=False) has the same values")
    weight = renorm_target(who, weight, max_norm)
    if weight.ndim != 2:
        raise ValueError(f"{who}: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {tuple(weight.shape)}")
    n = weight.shape[0]
    idx = input.data if isinstance(input, Tensor) else plain_array(
        input, who=f"{who}: the indices")
    if idx.dtype.kind not in "iu" and not (idx.size == 0 and idx.dtype.kind == "f"):
        raise TypeError(f"{who}: indices must be integers, got dtype {idx.dtype}")
    # the indices as an op's output (a cast when not intp already, not NumPy's copy), so a
    # jitted step replays each call's indices (a copy made in the step was per-step data)
    check_uint64(who, idx, n)  # (before the cast wraps a uint64 2**64 - 1 to -1)
    ids = Tensor(idx)
    # checked before the cast too, so a replayed uint64 batch's 2**64 - 1 is not seen as -1
    Tap.apply(ids, fn=InRange(who, n))
    if idx.dtype != np.intp:  # (Cast, an op: Tensor.astype of integers is NumPy's, unrecorded)
        ids = Cast.apply(ids, dtype=np.dtype(np.intp))
        idx = ids.data
    padding_idx = padding_index(who, padding_idx, n)
    if max_norm is not None:  # (after the index checks, before the rows are read)
        renorm_rows(who, weight, idx, max_norm, norm_type)
    rows = weight[idx]
    if not idx.ndim:  # (one index: NumPy's row is a view of weight, torch's a copy; a lock
        rows = rows.clone()  # on the view reached weight, and a later step's write refused)
    if padding_idx is None and not scale_grad_by_freq:
        return rows
    # the padding row's lookups get no gradient, the others' are divided by their counts: an
    # op of ids (an input), so a jitted step replays each batch's (a mask or counts made in
    # NumPy were per-step data; a detached copy of the table, a constant that changed)
    return LookupGradScale.apply(rows, ids, padding_idx=padding_idx,
                                 by_freq=bool(scale_grad_by_freq))


def renorm_target(who: str, weight: Any, max_norm: Any) -> Tensor:
    """An embedding's weight as a Tensor; with max_norm it must be one already (its rows are
    renormalized in place: a NumPy table would be written behind the caller's back)."""
    if max_norm is not None and not isinstance(weight, Tensor):
        raise TypeError(f"{who}: max_norm renormalizes weight's rows in place, so weight must "
                        f"be a Tensor, got {type(weight).__name__}")
    return as_tensor_of(weight)


def renorm_rows(who: str, weight: Tensor, idx: np.ndarray, max_norm: Any,
                norm_type: Any) -> None:
    """torch's embedding_renorm_ (F.embedding's max_norm): each row of `weight` that `idx`
    names (each once) whose norm_type-norm exceeds max_norm is multiplied, in place and off
    the graph, by max_norm / (norm + 1e-7) (the factor in float64, then in weight's dtype, as
    torch's). A write: through the write guard (a live graph that saved the old table raises
    at its backward, as torch's version counter does) and reported to a jit recording, which
    then runs the step eagerly with its warning (a replay would not redo the renorm)."""
    limit = number_arg(who, "max_norm", max_norm)
    p = number_arg(who, "norm_type", norm_type)
    if weight.dtype.kind != "f":
        raise TypeError(f"{who}: max_norm needs a floating-point weight, got {weight.dtype}")
    what = f"the in-place renorm of {who}(max_norm={max_norm!r})"
    notify_write(what)  # (every call: a later batch may need the renorm that this one did not)
    rows = np.unique(idx)
    if rows.size == 0 or p != p:  # (torch: a NaN norm exceeds nothing)
        return
    old = weight.data[rows]
    with no_grad():  # (torch's row.norm(p): ops.VectorNorm, one home for the p-norms)
        norms = VectorNorm.apply(Tensor(old), ord=p, axis=1).data
    over = norms > limit  # (a NaN norm or limit: never)
    if not over.any():
        return
    scale = limit / (norms[over].astype(np.float64) + 1e-7)
    a = write_guard.writable(weight, what)
    if not a.flags.writeable:  # (a read-only table of its own: np.load(mmap_mode="r"), a
        # broadcast view; NumPy's "assignment destination is read-only" named nothing)
        raise ValueError(f"{who}: max_norm renormalizes weight's rows in place, but its array "
                         f"(shape {a.shape}) is read-only; give it a writable copy "
                         "(weight.data = weight.data.copy())")
    with np.errstate(invalid="ignore"):  # (an inf row: scale 0, inf * 0 NaN, as torch's)
        a[rows[over]] = old[over] * scale.astype(a.dtype)[:, None]
