"""The losses: cross_entropy and nll_loss (one op each), one_hot, PyTorch's regression and
binary losses (compositions of ops: their gradients come with them), kl_div (one pointwise op,
reduced), and the distances cosine_similarity and pairwise_distance.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..engine import is_grad_enabled
from ..ops import (
    NLL,
    BCEWithLogits,
    BinaryCrossEntropy,
    CrossEntropy,
    KLDiv,
    Norm,
    SmoothL1,
    VectorNorm,
)
from ..ops.allocation import check_alloc
from ..ops.dims import dim_value
from ..ops.elementwise import real_only
from ..ops.loss import InUnitInterval, check_labels
from ..ops.shape import Tap
from ..ops.spelling import torch_keywords
from ..tensor import Tensor, data_of, plain_array
from ..tensor import as_tensor as like_tensor  # (a constant in `like`'s float dtype)
from .methods import as_tensor_of, as_tensors


def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (n, K) against class indices (n,) or one-hot / soft rows (n, K);
    PyTorch's (N, K, d1, ...) against (N, d1, ...) (or soft (N, K, d1, ...)), and (K,)
    against one label.

    reduction: "mean" (the course's 1/n sum), "sum", or "none" (one loss per sample). A str
    third argument is the reduction (the course's `cross_entropy(z, y, "sum")`); otherwise the
    arguments are PyTorch's: weight (K,) per class, labels equal to ignore_index skipped (the
    mean divides by the kept labels' weights), label_smoothing in [0, 1]. One op
    (ops.CrossEntropy), which checks the labels on every call (a replayed step's too).
    """
    weight, reduction = weight_or_reduction("cross_entropy", weight, reduction, size_average,
                                             reduce)
    _check_reduction("cross_entropy", reduction)
    ignore_index = ignore_index_arg("cross_entropy", ignore_index)
    eps = label_smoothing_arg("cross_entropy", label_smoothing)
    if isinstance(target, Tensor) and target.requires_grad and is_grad_enabled():
        if ignore_index >= 0:  # (as the op's, PyTorch's words)
            raise ValueError("cross_entropy: ignore_index is not supported for floating point "
                             f"target (soft targets), got ignore_index={ignore_index}")
        return _soft_cross_entropy(as_tensor_of(input), target, weight, reduction, eps)
    t = data_of(target) if isinstance(target, Tensor) else plain_array(
        target, who="cross_entropy: the target")
    logits, shape = as_tensor_of(input), None  # (a NumPy array of logits too)
    z = logits.data
    given = z.shape
    if z.ndim == 1 or z.ndim > 2:  # PyTorch's unbatched (K,) and (N, K, d1, ...): rows of K
        logits, t, shape = _rows_of_classes("cross_entropy", logits, t,
                                            t.ndim == z.ndim)
        z = logits.data
    if z.ndim == 2 and z.shape[0] == 0 and reduction == "mean":  # ("sum": 0, "none": empty,
        raise ValueError("cross_entropy: empty batch (logits of shape "  # as torch's)
                         f"{given}): a mean over no samples is undefined (torch's NaN); "
                         "reduction='sum' gives 0")
    # class indices are checked inside the op (check_labels), so a replayed step checks them too
    if (t.ndim == 2 and t.dtype.kind in "iu" and z.ndim == 2 and t.shape == (z.shape[0], 1)
            and z.shape[1] > 1):  # (not one-hot rows of one class: K = 1 is that shape too)
        raise ValueError(f"cross_entropy: class labels of shape {t.shape}, a column: give them "
                         f"as ({z.shape[0]},), e.g. y.ravel()")
    if weight is None and ignore_index == -100 and not eps:  # the course's call, as before
        out = CrossEntropy.apply(logits, targets=t, reduction=reduction)
    else:
        w = class_weight("cross_entropy", weight, z)
        out = CrossEntropy.apply(logits, targets=t, reduction=reduction, weight=w,
                                 ignore_index=ignore_index, label_smoothing=eps)
    return out.reshape(shape) if shape is not None and reduction == "none" else out


def _soft_cross_entropy(x: Tensor, t: Tensor, weight: Any, reduction: str, eps: float
                        ) -> Tensor:
    """cross_entropy against probability targets that require grad (a distillation's
    student-teacher loss): torch's composition, -sum over the class dim (1, or 0 unbatched) of
    log_softmax(x) t' w, t' = t (1 - eps) + eps / K, "mean" over the rows (not the weights),
    so both gradients are torch's (the targets' was refused: the op takes them as data)."""
    who = "cross_entropy"
    if x.ndim == 0 or t.shape != x.shape or t.dtype.kind != "f":
        raise ValueError(f"{who}: targets that require grad must be probabilities of the "
                         f"input's shape {x.shape} (class indices have no gradient), got shape "
                         f"{t.shape} and dtype {t.dtype}; pass targets.detach()")
    c = 0 if x.ndim == 1 else 1
    K = x.shape[c]
    if reduction == "mean" and (x.size == 0 or K == 0):
        raise ValueError(f"{who}: empty batch (logits of shape {x.shape}): a mean over no "
                         "samples is undefined (torch's NaN); reduction='sum' gives 0")
    if eps and K:  # (no classes: nothing to smooth; eps / K raised ZeroDivisionError)
        t = t * (1 - eps) + eps / K
    terms = x.log_softmax(axis=c) * t
    if weight is not None:  # checked on its data; then as given, reshaped by an op (a NumPy
        # view made here was an array made inside a jitted step, refused), and a Tensor that
        # requires grad differentiated (torch's composition: the op's path refuses one)
        tensor_w = isinstance(weight, Tensor)
        class_weight(who, weight.detach() if tensor_w else weight,
                      x.data.reshape(1, K) if x.ndim == 1 else x.data)
        w = weight if tensor_w else like_tensor(weight, terms)
        terms = terms * w.reshape((K,) + (1,) * (x.ndim - c - 1))
    if reduction == "none":
        return -terms.sum(axis=c)
    total = -terms.sum()
    return total / (x.size // K) if reduction == "mean" else total


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """PyTorch's negative log-likelihood: -input[i, target_i] for log-probabilities input
    (n, K) (a log_softmax's) and class indices target (n,) ((N, K, d1, ...) against (N, d1,
    ...) and (K,) against one label too), reduced ("mean": over the n rows); nll_loss(
    log_softmax(z, dim=1), y) is cross_entropy(z, y). PyTorch's weight (K,) and ignore_index
    as cross_entropy's; a str third argument is the reduction. One op (ops.NLL), which
    refuses labels outside [0, K) (other than ignore_index) and input above 0 (logits given
    by mistake) on every batch."""
    weight, reduction = weight_or_reduction("nll_loss", weight, reduction, size_average,
                                             reduce)
    _check_reduction("nll_loss", reduction)
    ignore_index = ignore_index_arg("nll_loss", ignore_index)
    if isinstance(target, Tensor) and target.requires_grad and is_grad_enabled():
        raise ValueError("nll_loss: the targets require grad, but nll_loss does not "
                         "differentiate them; pass target.detach()")
    t = data_of(target) if isinstance(target, Tensor) else plain_array(
        target, who="nll_loss: the target")
    x = as_tensor_of(input)
    shape, given = None, x.shape
    if x.ndim == 1 or x.ndim > 2:
        x, t, shape = _rows_of_classes("nll_loss", x, t, False)
    if x.ndim == 2 and x.shape[0] == 0 and reduction == "mean":  # (the op's check names the
        raise ValueError(f"nll_loss: empty batch (input of shape {given}): a mean over no "
                         "samples is undefined (torch's NaN); reduction='sum' gives 0")  # rows)
    if weight is None and ignore_index == -100:
        out = NLL.apply(x, targets=t, reduction=reduction)
    else:
        out = NLL.apply(x, targets=t, reduction=reduction, ignore_index=ignore_index,
                        weight=class_weight("nll_loss", weight, x.data))
    return out.reshape(shape) if shape is not None and reduction == "none" else out


def weight_or_reduction(who: str, weight: Any, reduction: Any, size_average: Any,
                        reduce: Any, position: str = "third") -> tuple[Any, Any]:
    """The third argument (the first of a loss module): a str is the reduction (this
    library's `cross_entropy(z, y, "sum")`), anything else PyTorch's class weight.
    size_average and reduce (PyTorch's deprecated pair) are refused."""
    if size_average is not None or reduce is not None:
        raise TypeError(f"{who}: size_average and reduce (PyTorch's deprecated arguments) are "
                        "not taken: give reduction='mean', 'sum' or 'none'")
    if isinstance(weight, str):
        if reduction != "mean":
            raise TypeError(f"{who}: reduction given twice ({weight!r} {position} and "
                            f"reduction={reduction!r})")
        return None, weight
    return weight, reduction


def ignore_index_arg(who: str, ignore_index: Any) -> int:
    """PyTorch's ignore_index, an int."""
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"{who}: ignore_index must be an int, got "
                        f"{type(ignore_index).__name__}")
    return int(ignore_index)


def label_smoothing_arg(who: str, eps: Any) -> float:
    """PyTorch's label_smoothing, a number in [0, 1]."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: label_smoothing must be a number, got {type(eps).__name__}")
    if not 0 <= eps <= 1:  # (NaN too; PyTorch takes a negative one as 0)
        raise ValueError(f"{who}: label_smoothing must be between 0.0 and 1.0, got {eps}")
    return float(eps)


def class_weight(who: str, weight: Any, z: np.ndarray) -> np.ndarray | None:
    """PyTorch's class weight: 1-D floats, one per class (the ops compute in the logits' float
    dtype; a constant: PyTorch refuses one that requires grad)."""
    if weight is None:
        return None
    if isinstance(weight, Tensor):
        if weight.requires_grad and is_grad_enabled():
            raise ValueError(f"{who}: weight requires grad, but {who} is not differentiable "
                             "with respect to the class weights (as PyTorch); pass "
                             "weight.detach()")
        w = data_of(weight)
    else:
        w = plain_array(weight, who=f"{who}: weight")
    K = z.shape[1]
    if w.ndim != 1 or w.shape[0] != K:
        raise ValueError(f"{who}: weight must be 1-D with one entry per class ({K},), got "
                         f"shape {w.shape}")
    if w.dtype.kind != "f":
        raise TypeError(f"{who}: weight must hold floats, got dtype {w.dtype}")
    return w  # (cast to the logits' dtype in the op: a copy made here, a module's float64
    # buffer against float32 logits, was an array made inside a jitted step, never replayed)


def _rows_of_classes(who: str, x: Tensor, t: np.ndarray, soft: bool
                     ) -> tuple[Tensor, np.ndarray, tuple[int, ...]]:
    """PyTorch's other layouts as rows of K classes: unbatched (K,) against a 0-d label (or
    soft (K,)) as one row, and (N, K, d1, ...) against (N, d1, ...) (soft: (N, K, d1, ...))
    with the class axis moved last and the rest flattened (ops: their gradients come back);
    the shape of a reduction="none" result."""
    if x.ndim == 0:
        raise ValueError(f"{who}: input must have a class dimension, got a 0-d input")
    if x.ndim == 1:
        if t.shape != (x.shape if soft else ()):
            raise ValueError(f"{who}: unbatched input {x.shape} takes a 0-d class index or "
                             f"soft targets {x.shape}, got target of shape {t.shape}")
        return x.reshape(1, -1), t.reshape(1, -1) if soft else t.reshape(1), ()
    N, K, rest = x.shape[0], x.shape[1], x.shape[2:]
    if K == 0 and N:  # (reshape(-1, 0) below gave NumPy's words, naming no loss)
        raise ValueError(f"{who}: input of shape {x.shape} has no classes")
    want = x.shape if soft else (N, *rest)
    if t.shape != want:
        raise ValueError(f"{who}: input of shape {x.shape} takes targets of shape {want} "
                         f"(class indices: the input's shape without dim 1), got {t.shape}")
    rows = x.moveaxis(1, -1).reshape(-1, K)
    t = np.moveaxis(t, 1, -1).reshape(-1, K) if soft else t.reshape(-1)
    return rows, t, (N, *rest)


@torch_keywords(input="y")
def one_hot(y: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Class indices (n,) -> one-hot rows (n, K); any shape S -> S + (K,), as torch's
    one_hot (a column of labels (n, 1) is (n, 1, K): it was broadcast into a wrong (n, K))."""
    if isinstance(num_classes, (int, np.integer)) and not isinstance(num_classes, bool) \
            and num_classes < 0:  # (check_labels would say "labels must be in [0, -1)")
        raise ValueError(f"one_hot: num_classes={num_classes} (PyTorch's -1 infers it from the "
                         "largest label) is not taken here: pass the number of classes K (a "
                         "batch without the last class would give fewer columns)")
    y = plain_array(y, who="one_hot: the labels")
    if y.size == 0 and y.dtype.kind == "f":  # np.asarray([]) is float64: an empty label list
        y = y.astype(np.int64)
    check_labels("one_hot", y, num_classes)
    check_alloc(lambda: f"one_hot: num_classes={num_classes}", (*y.shape, num_classes), dtype)
    out = np.zeros((*y.shape, num_classes), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


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


def check_reduction(who: str, reduction: Any) -> None:
    """`reduction` is "mean", "sum" or "none", or one line naming `who` (for the losses of
    margin_losses.py: one home for the check; no position named, theirs vary)."""
    if type(reduction) is not str:
        raise TypeError(f"{who}: reduction must be 'mean', 'sum' or 'none', got "
                        f"{type(reduction).__name__} (PyTorch's size_average and reduce are "
                        "not taken: give reduction= by name)")
    _check_reduction(who, reduction)


def reduce_loss(loss: Tensor, reduction: str, who: str) -> Tensor:
    """A loss per element averaged ("mean"), summed ("sum") or kept ("none")."""
    return _reduce(loss, reduction, who)


def _same_shape(input: Any, target: Any, who: str) -> tuple[Tensor, Tensor]:
    """input and target as tensors of one shape. PyTorch broadcasts different shapes with a
    warning ((n, 1) against (n,) makes an (n, n) loss: silently wrong); here it raises."""
    x = as_tensor_of(input)
    y = like_tensor(target, x)
    if x.shape != y.shape:
        raise ValueError(f"{who}: input has shape {x.shape} but target has shape {y.shape}; "
                         "they must match (reshape or flatten one, e.g. input.flatten() for an "
                         "(n, 1) prediction)")
    return x, y


def _weighted_mean(who: str, loss: Tensor, weight: Any, reduction: str) -> Tensor:
    """torch 2.13's weight= of mse_loss and l1_loss: the input's shape, each element's loss
    times its weight, and "mean" the weighted mean, sum(w loss) / sum(w)."""
    _check_reduction(who, reduction)
    w = like_tensor(weight, loss)
    if w.shape != loss.shape:
        raise ValueError(f"{who}: weight must have the input's shape {loss.shape}, got {w.shape}")
    loss = loss * w
    return loss.sum() / w.sum() if reduction == "mean" else _reduce(loss, reduction, who)


def mse_loss(input: Any, target: Any, reduction: str = "mean", weight: Any = None) -> Tensor:
    """(input - target)^2, averaged (reduction "mean"), summed ("sum") or kept ("none");
    times `weight` (the input's shape) when given, "mean" then the weighted mean (torch's)."""
    x, y = _same_shape(input, target, "mse_loss")
    if x.data.dtype.kind == "c" or y.data.dtype.kind == "c":  # ((x - y)^2 of complex: not
        real_only("mse_loss", x.data if x.data.dtype.kind == "c" else y.data)  # |x - y|^2;
    # torch refuses. (Tested on x and y: (x - y) here was one more op in every call's graph.)
    if weight is not None:
        return _weighted_mean("mse_loss", (x - y).square(), weight, reduction)
    return _reduce((x - y).square(), reduction, "mse_loss")


def l1_loss(input: Any, target: Any, reduction: str = "mean", weight: Any = None) -> Tensor:
    """|input - target|, reduced (and weighted) as mse_loss."""
    x, y = _same_shape(input, target, "l1_loss")
    if weight is not None:
        return _weighted_mean("l1_loss", (x - y).abs(), weight, reduction)
    return _reduce((x - y).abs(), reduction, "l1_loss")


def weight_for(w: Any, x: Tensor, name: str, who: str) -> Tensor:
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

    One op, ops.BCEWithLogits: p y softplus(-x) + (1 - y) softplus(x): softplus never
    overflows, and a confident right answer (x = -20 with y = 0, x = 20 with y = 1) keeps its
    tiny loss and gradient (sigmoid(x) - y when p = 1) where (1 - y) x + softplus(-x) cancels
    to 0; a logit of -inf with y > 0 costs inf (torch 2.13's NaN), and an infinite target gives
    NaN (inf - inf; torch's gives +-inf): documented differences (docs/ops.md). The target's
    gradient is formed as (p - 1) softplus(-x) - x (torch's -x for p = 1; (p - 1) softplus(x)
    - p x for x < 0), exact at small x and at negative x.
    """
    who = "binary_cross_entropy_with_logits"
    x, y = _same_shape(input, target, who)
    if pos_weight is None:
        loss = BCEWithLogits.apply(x, y)
    else:
        loss = BCEWithLogits.apply(x, y, weight_for(pos_weight, x, "pos_weight", who))
    if weight is not None:
        loss = loss * weight_for(weight, x, "weight", who)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    """-[y log p + (1 - y) log(1 - p)] per element, from probabilities p in [0, 1] (checked
    on every batch, replayed ones too: a logit here is refused, not taken to a log of a
    negative number) and targets y in [0, 1] (checked too, as torch's: a class label 2 made a
    meaningless number); each log at least -100 (PyTorch's clamp: p = 0 with y = 1 costs
    100, not inf); one op, ops.BinaryCrossEntropy, with PyTorch's gradient (p - y) /
    max(p (1 - p), 1e-12), finite everywhere; times `weight`; reduced as mse_loss. From
    logits, binary_cross_entropy_with_logits is the stable one."""
    who = "binary_cross_entropy"
    x, y = _same_shape(input, target, who)
    x = Tap.apply(x, fn=InUnitInterval(who))
    loss = BinaryCrossEntropy.apply(x, y)  # (which checks y: torch's, NaN refused too)
    if weight is not None:
        loss = loss * weight_for(weight, x, "weight", who)
    return _reduce(loss, reduction, who)


def _scale_arg(who: str, name: str, value: Any, zero_ok: bool) -> float:
    """beta (>= 0) or delta (> 0) as a float, or one line."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__}")
    if not (value >= 0 if zero_ok else value > 0):  # (NaN fails both)
        raise ValueError(f"{who}: {name} must be {'>= 0' if zero_ok else '> 0'}, got {value}")
    return float(value)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0
                   ) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, d = input - target (beta = 0: |d|,
    l1_loss); reduced as mse_loss. One op, ops.SmoothL1, with PyTorch's gradient everywhere
    (d / beta inside, sign(d) outside, 1 at |d| = beta, 0 at d = 0, 1 at |d| = inf, NaN at NaN),
    exact at small d."""
    who = "smooth_l1_loss"
    _check_reduction(who, reduction)
    beta = _scale_arg(who, "beta", beta, zero_ok=True)
    x, y = _same_shape(input, target, who)
    d = x - y
    if beta == 0:
        return _reduce(d.abs(), reduction, who)
    if d.dtype.kind == "c":  # (complex: |d|'s composition)
        a = d.abs()
        m = a.minimum(beta)
        return _reduce(0.5 * m * m / beta + (a - m), reduction, who)
    return _reduce(SmoothL1.apply(d, beta=beta), reduction, who)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), d = input - target: delta times
    smooth_l1_loss with beta = delta (delta > 0); times `weight` (the input's shape) when
    given; reduced as mse_loss. One op, as smooth_l1_loss's (ops.SmoothL1, huber=True)."""
    who = "huber_loss"
    _check_reduction(who, reduction)
    delta = _scale_arg(who, "delta", delta, zero_ok=False)
    x, y = _same_shape(input, target, who)
    d = x - y
    if d.dtype.kind == "c":  # (complex: |d|'s composition)
        a = d.abs()
        m = a.minimum(delta)
        loss = 0.5 * m * m + delta * (a - m)
    else:
        loss = SmoothL1.apply(d, beta=delta, huber=True)
    if weight is not None:
        w = like_tensor(weight, x)
        if w.shape != x.shape:
            raise ValueError(f"{who}: weight must have the input's shape {x.shape}, got "
                             f"{w.shape}")
        loss = loss * w
    return _reduce(loss, reduction, who)


_KL_MEAN = ("reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.")  # PyTorch 2.13's words


def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False
           ) -> Tensor:
    """PyTorch's KL divergence loss of log-probabilities `input` against probabilities
    `target` (log-probabilities with log_target=True): target (log target - input) per element
    (0 where target = 0), one op (ops.KLDiv, differentiable in both), then reduced: "mean" over
    every element (PyTorch's default, with its warning that this is not the KL divergence),
    "batchmean" the sum over the first dimension's length (the KL divergence per sample),
    "sum" or "none"."""
    out = kl_div_unwarned(input, target, reduction, log_target)
    if reduction == "mean":
        warnings.warn(_KL_MEAN, stacklevel=2)
    return out


def kl_div_unwarned(input: Any, target: Any, reduction: str, log_target: bool) -> Tensor:
    """kl_div without its warning for "mean" (torch.kl_div, whose reduction 1 is that mean,
    gives none): not a `warnings.catch_warnings()` block around kl_div, whose filters are the
    process's, so two threads' blocks left the filter in place for good (every later
    F.kl_div(..., "mean") silent) or hid the warning of another thread's F.kl_div."""
    who = "kl_div"
    if type(reduction) is not str:
        raise TypeError(f"{who}: reduction (the third argument) must be 'mean', 'batchmean', "
                        f"'sum' or 'none', got {type(reduction).__name__}")
    if reduction not in ("mean", "batchmean", "sum", "none"):
        raise ValueError(f"{who}: reduction must be 'mean', 'batchmean', 'sum' or 'none', got "
                         f"{reduction!r}")
    x, t = _same_shape(input, target, who)
    loss = KLDiv.apply(x, t, log_target=bool(log_target))
    if reduction == "batchmean":
        return loss.sum() / x.shape[0] if x.ndim else loss.sum()
    return _reduce(loss, reduction, who)


def _broadcast_pair(x1: Any, x2: Any, who: str) -> tuple[Tensor, Tensor, tuple[int, ...]]:
    a, b = as_tensors([x1, x2])
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{who}: x1 of shape {a.shape} and x2 of shape {b.shape} do not "
                         "broadcast") from None
    return a, b, shape


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 . x2 / (max(||x1||, eps) max(||x2||, eps)) along dim, after broadcasting x1 and x2
    to one shape (dim counts in it): PyTorch's order, each input divided by its own clamped
    norm first, so the result stays in [-1, 1]. The norm's gradient is PyTorch's (0 at a zero
    vector); PyTorch clamps the norms outside autograd, so for a norm strictly between 0 and
    eps its gradient still flows through the norm, where this clamp's is 0."""
    who = "cosine_similarity"
    a, b, shape = _broadcast_pair(x1, x2, who)
    real_only(who, a.data), real_only(who, b.data)  # (no conjugate: torch refuses complex)
    nd = len(shape)
    if not isinstance(dim, (int, np.integer)):
        dim = dim_value(dim)  # (a 0-d integer tensor or array: its int, as torch's)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{who}: dim must be an int, got {type(dim).__name__}")
    if not -max(nd, 1) <= dim < max(nd, 1):  # (0-d inputs take dims 0 and -1, as torch's)
        raise ValueError(f"{who}: dim {dim} is out of range for inputs broadcast to {nd}-D "
                         f"shape {shape}")
    if not eps >= 0:  # (torch's refusal; a negative eps gave NaN for a zero vector)
        raise ValueError(f"{who}: eps must be non-negative, got {eps}")
    a = a if a.shape == shape else a.broadcast_to(shape)
    b = b if b.shape == shape else b.broadcast_to(shape)
    na = Norm.apply(a, axis=int(dim), keepdims=True).clamp(min=eps)
    nb = Norm.apply(b, axis=int(dim), keepdims=True).clamp(min=eps)
    return ((a / na) * (b / nb)).sum(axis=int(dim))


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last dimension (of the broadcast shape), PyTorch's: eps
    keeps the norm of equal rows off 0. Any p (inf, 0 and negative ones too, as torch's vector
    norm); one op over the difference (ops.VectorNorm), PyTorch's gradient."""
    who = "pairwise_distance"
    a, b, shape = _broadcast_pair(x1, x2, who)
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: p must be a number, got {type(p).__name__}")
    d = a - b + eps
    return VectorNorm.apply(d, ord=float(p), axis=-1 if d.ndim else None,
                            keepdims=bool(keepdim))
