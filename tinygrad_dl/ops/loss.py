"""Numerically stable softmax family, as primitives with hand-written backward (the max is
subtracted before exp, and log-softmax never takes the log of a rounded-to-zero probability)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine import Function, unbroadcast
from ..write_guard import private
from .elementwise import as_float, real_only

__all__ = ["NLL", "BCEWithLogits", "BinaryCrossEntropy", "CrossEntropy", "KLDiv", "LogSoftmax",
           "SmoothL1", "Softmax"]

# the ufunc reductions that x.sum(), x.max() and x.min() call, without those methods' Python
# wrappers (numpy/_core/_methods.py): the same results bit for bit, a microsecond less a call
_sum, _max, _min = np.add.reduce, np.maximum.reduce, np.minimum.reduce


# rows of up to this many classes: their max is taken over a column-major copy (`row_max`)
_FEW_CLASSES = 128


def row_max(z: np.ndarray) -> np.ndarray:
    """Each row's max of logits z (n, K), as (n, 1): NumPy reduces a C-ordered row of a few
    classes one short row at a time (100 x 10 float32: 6 us), a column-major copy's rows a
    column at a time, whole columns per call (2 us with the copy). A max is exact and NaN
    propagates either way, so the values are the same (only which of +0 and -0 is the max of
    a row holding both may differ, and z - max and exp read them alike)."""
    if 1 < z.shape[1] <= _FEW_CLASSES and z.shape[0] > 1:
        return _max(np.asfortranarray(z), axis=1, keepdims=True)
    return _max(z, axis=1, keepdims=True)


def _log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def check_labels(op: str, y: np.ndarray, K: int) -> None:
    """Class indices must be integers in [0, K): -1 would silently pick the last class."""
    if y.dtype.kind not in "iu":
        raise ValueError(f"{op}: class labels must be integers, got dtype {y.dtype} (Python "
                         "ints make float64 tensors here: give dtype=np.int64, or pass a NumPy "
                         "integer array)")
    if y.size and outside(y, K):
        raise ValueError(f"{op}: labels must be in [0, {K}), got {y.min()}..{y.max()}")


_FEW = 64  # the labels up to which `outside` reads them as Python ints


def outside(y: np.ndarray, K: int) -> bool:
    """Whether a non-empty integer array holds a value outside [0, K): for a signed one of
    a dtype NumPy knows, one max of it seen as unsigned (`_UNSIGNED`), not a min and a max."""
    u = _UNSIGNED.get(y.dtype) if y.dtype.kind == "i" else None
    if y.ndim == 1 and y.size <= _FEW:  # (a char-RNN's 25 labels, twice per step: a max
        # of Python ints costs half a reduction's setup)
        if u is not None and K <= u[1]:
            return max(y.view(u[0]).tolist()) >= K
        v = y.tolist()
        return max(v) >= K if y.dtype.kind == "u" else min(v) < 0 or max(v) >= K
    return bool(_max(y, axis=None) >= K if y.dtype.kind == "u"
                else _max(y.view(u[0]), axis=None) >= K if u is not None and K <= u[1]
                else _min(y, axis=None) < 0 or _max(y, axis=None) >= K)


# signed integer dtype -> (the unsigned one of its size and byte order, 2**(bits - 1)): seen
# as unsigned, a negative label is at least 2**(bits - 1), so where K is no larger, one max
# over the batch checks both ends of [0, K) (one pass, not a min and a max)
_UNSIGNED = {np.dtype(f"{o}i{n}"): (np.dtype(f"{o}u{n}"), 2 ** (8 * n - 1))
             for o in "<>" for n in (1, 2, 4, 8)}


class Softmax(Function):
    def forward(ctx, z, axis=-1):
        z = as_float(z)
        if not z.size:  # an empty tensor's softmax is empty, as torch's (max would raise)
            out = z.copy() + z.sum(axis=axis, keepdims=True)  # (the sum checks axis)
        else:
            e = np.exp(z - z.max(axis=axis, keepdims=True))
            out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    def backward(ctx, g):
        p = ctx.saved[0]
        return p * (g - (g * p).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    def forward(ctx, z, axis=-1):
        z = as_float(z)
        out = _log_softmax(z, axis) if z.size else z.copy() + z.sum(axis=axis, keepdims=True)
        # (empty: empty, as torch's; the sum checks axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    def backward(ctx, g):
        p = np.exp(ctx.saved[0])
        return g - p * g.sum(axis=ctx.axis, keepdims=True)


class CrossEntropy(Function):
    """Mean (or summed) cross-entropy of logits rows z against targets t.

    t is either class indices (n,) or rows of probabilities / one-hot (n, K).
    L = -sum_i Y_i . log softmax(z_i) / n, and dL/dz = (softmax(z) sum_k Y_ik - Y) / n.
    PyTorch's weight (K,), ignore_index and label_smoothing (`weighted`) make each row's Y
    c_i = (1 - eps) w_{t_i} onehot(t_i) + eps/K w (0 for an ignored label), the mean's divisor
    sum_i w_{t_i} over the labels kept; soft rows c_i = w ((1 - eps) t_i + eps/K), divided by n.
    """

    def forward(ctx, z, targets=None, reduction="mean", weight=None, ignore_index=-100,
                label_smoothing=0.0):
        return ctx._run(z, targets, reduction, True, weight, ignore_index, label_smoothing)

    def prepare(ctx, z, targets=None, reduction="mean", weight=None, ignore_index=-100,
                label_smoothing=0.0):  # softmax for backward, no log or sum
        ctx._run(z, targets, reduction, False, weight, ignore_index, label_smoothing)

    def _run(ctx, z, targets, reduction, value, weight=None, ignore_index=-100,
             label_smoothing=0.0):
        if z.ndim != 2:
            raise ValueError(f"cross_entropy expects logits of shape (n, K), got {z.shape}")
        if z.shape[1] == 0 and z.shape[0]:  # (NumPy's words were "zero-size array to reduction
            raise ValueError(f"cross_entropy: logits of shape {z.shape} have no classes")  # ...")
        targets = private(targets, "cross_entropy: the targets")  # saved for backward: the
        # caller may reuse its buffer
        if z.dtype.kind not in "fc":  # integer or bool logits: float64, as softmax and every
            z = z.astype(np.float64)  # unary op gives them (exp in place below needs floats)
        if weight is not None and weight.dtype != z.dtype:  # (another float dtype: cast here,
            weight = weight.astype(z.dtype)  # so a module's buffer is what a jitted step records)
        n = z.shape[0]
        ctx.scale = 1.0 / n if reduction == "mean" else 1.0
        ctx.reduction = reduction
        if targets.ndim == 1:
            # here, not in functional: per-step targets are re-checked when a step is replayed
            ignored = ignored_labels("cross_entropy", targets, z.shape[1], ignore_index)
            if targets.shape[0] != n:
                raise ValueError(f"cross_entropy: {n} logit rows but {targets.shape[0]} targets")
            if ignored is not None or weight is not None or label_smoothing:
                return ctx._weighted(z, targets, ignored, weight, label_smoothing, value)
            # the common case, in as few passes as the hand-written softmax gradient:
            # -log p_i[t_i] = log sum_k exp(s_ik) - s_i[t_i] with s = z - max(z)
            shifted = z - row_max(z)
            rows = np.arange(n)
            if value:
                picked = shifted[rows, targets]  # taken before shifted is overwritten by exp
            e = np.exp(shifted, out=shifted)  # in place: one (n, K) temporary fewer
            total = _sum(e, axis=1)
            ctx.saved = (e, total, targets, rows)  # (save_for_backward, inline)
            if not value:
                return None
            losses = np.log(total)
            losses -= picked
        else:
            if targets.shape != z.shape:
                raise ValueError(
                    f"one-hot targets {targets.shape} must match logits {z.shape}" + (
                        " (one row per sample, one column per class: the transpose of the "
                        "course's K x n Y?)" if targets.shape == z.shape[::-1] else ""))
            if ignore_index >= 0:  # (PyTorch's words)
                raise ValueError("cross_entropy: ignore_index is not supported for floating "
                                 f"point target (soft targets), got ignore_index={ignore_index}")
            if targets.dtype.kind not in "fbiu":  # (complex rows lost their imaginary part
                # with a ComplexWarning; str or object rows were parsed; torch's: floats only)
                raise ValueError(f"cross_entropy: one-hot / soft targets must hold real "
                                 f"numbers, got dtype {targets.dtype}")
            if targets.dtype != z.dtype:  # soft rows in the logits' float dtype (integer
                # logits are float64 here: rows of 0.5 stay 0.5); cast here, not by the caller,
                # so a jitted step casts each call's labels (int one-hot rows, say) again
                targets = targets.astype(z.dtype)
            if label_smoothing:  # PyTorch's order: smoothed targets, then the weights
                targets = targets * (1 - label_smoothing) + label_smoothing / z.shape[1]
            if weight is not None:
                targets = targets * weight
            logp = _log_softmax(z, axis=1)
            ctx.save_for_backward(logp, targets)
            if not value:
                return None
            losses = _soft_losses(targets, logp)
        if reduction == "none":
            return losses
        total = _sum(losses, axis=None)  # (a real sum's scale 1: x * 1 is x, no call)
        return total if ctx.scale == 1.0 and z.dtype.kind == "f" else total * ctx.scale

    def _weighted(ctx, z, t, ignored, weight, eps, value):
        """Class indices with weights, ignored labels or label smoothing (PyTorch's
        cross_entropy_loss_label_smoothing over nll_loss_nd): one coefficient matrix c."""
        n, K = z.shape
        rows = np.arange(n)
        kept = None if ignored is None else ~ignored
        t0 = t if ignored is None else np.where(ignored, 0, t)  # (any valid row for ignored)
        wy = np.ones(n, z.dtype) if weight is None else weight[t0]
        if kept is not None:
            wy = wy * kept
        logp = _log_softmax(z, axis=1)
        c = np.zeros_like(logp)
        c[rows, t0] = (1 - eps) * wy if eps else wy
        with np.errstate(invalid="ignore"):  # 0 * inf: an ignored row's -inf, set to 0 below
            nll = -logp[rows, t0] * wy
            if eps:
                w = np.ones(K, z.dtype) if weight is None else weight
                smooth = -(logp * w).sum(axis=1)
                c += (eps / K) * (w if kept is None else w * kept[:, None])
        if kept is not None:
            nll[ignored] = 0
            if eps:
                smooth[ignored] = 0
        # the mean divides by the kept labels' weights (0 / 0 = NaN when all are ignored)
        ctx.divisor = _sum(wy, axis=None) if ctx.reduction == "mean" else None
        ctx.save_for_backward(logp, c, kept)
        if not value:
            return None
        with np.errstate(invalid="ignore", divide="ignore"):
            if ctx.reduction == "none":
                return (1 - eps) * nll + (eps / K) * smooth if eps else nll
            total = _sum(nll, axis=None)
            if ctx.divisor is not None:
                total = total / ctx.divisor
            if eps:
                s = _sum(smooth, axis=None)
                total = (1 - eps) * total + (eps / K) * (s / ctx.divisor if ctx.divisor
                                                         is not None else s)
            return np.asarray(total, dtype=z.dtype)

    def backward(ctx, g):
        if len(ctx.saved) == 4:  # class indices: softmax = e / sum(e), minus 1 at the target
            e, total, t, rows = ctx.saved
            d = e / total[:, None]
            d[rows, t] -= 1
        elif len(ctx.saved) == 3:  # weighted / ignored / smoothed class indices
            logp, c, kept = ctx.saved
            p = np.exp(logp)
            if ctx.reduction == "none":
                s = g[:, None]
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    s = g / ctx.divisor if ctx.divisor is not None else g
            if np.isfinite(s).all():
                d = p * c.sum(axis=1, keepdims=True) - c
                d *= s
            else:  # the kept labels weigh 0 in all (a mean's g / 0): PyTorch's order, -c s
                # then log_softmax's backward, whose 0 * inf makes the row NaN (not +-inf)
                with np.errstate(invalid="ignore"):
                    d = c * s
                    d = p * d.sum(axis=1, keepdims=True) - d
            if kept is not None:  # an ignored row: log_softmax's backward of a zero
                # gradient, as PyTorch's (0, even at 0 / 0; NaN where the row's logits are)
                d[~kept] = p[~kept] * 0
            return d
        else:
            logp, t = ctx.saved
            d = np.exp(logp)
            d = d * t.sum(axis=1, keepdims=True) - t  # rows of t need not sum to 1
        if ctx.reduction == "none":
            d *= g[:, None]
        else:
            s = g * ctx.scale
            if s != 1:  # (a sum's loss seeded with 1, the char-RNN's: x * 1 is x, no pass)
                d *= s
        return d


def _soft_losses(targets: np.ndarray, logp: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # 0 * -inf: a masked logit, mended below
        losses = -(targets * logp).sum(axis=1)
        if np.isnan(losses).any():  # a target of 0 at a -inf logit adds 0 (the
            # class-index path's value), not 0 * -inf = nan; a NaN logit stays NaN
            losses = -np.where(targets != 0, targets * logp, 0).sum(axis=1)
    return losses


def ignored_labels(op: str, y: np.ndarray, K: int, ignore_index: int) -> np.ndarray | None:
    """check_labels, where a label equal to ignore_index is skipped (PyTorch's): the mask of
    those labels, or None when there are none. Each call's labels (a replay's too); for the
    default ignore_index (-100, outside [0, K)) one check, as check_labels, unless it fails."""
    if y.dtype.kind not in "iu" or not y.size:
        check_labels(op, y, K)
        return None
    if outside(y, K):
        ignored = y == ignore_index
        if not ignored.any():
            check_labels(op, y, K)  # (raises: no label is ignore_index)
        rest = y[~ignored]
        if rest.size and outside(rest, K):
            raise ValueError(f"{op}: labels must be in [0, {K}) or ignore_index "
                             f"({ignore_index}), got {rest.min()}..{rest.max()}")
        return ignored
    if 0 <= ignore_index < K:
        ignored = y == ignore_index
        return ignored if ignored.any() else None
    return None


class NLL(Function):
    """PyTorch's nll_loss: -x[i, t_i] for log-probabilities x (n, K) and class indices t (n,),
    reduced (mean: over the n rows). d/dx is -1 at each row's target (/ n for the mean), 0
    elsewhere. Checked here, so a replayed step checks each batch too: integer labels in [0,
    K) (-1 would silently pick the last class), and no value above 0 (logits given by mistake
    make a number that means nothing: cross_entropy takes logits). PyTorch's weight (K,)
    scales row i by w[t_i] and ignore_index's rows count 0; the mean divides by the kept
    rows' weights (NaN when none is kept)."""

    def forward(ctx, x, targets=None, reduction="mean", weight=None, ignore_index=-100):
        targets = private(targets, "nll_loss: the targets")
        if x.ndim != 2 or targets.ndim != 1 or targets.shape[0] != x.shape[0]:
            raise ValueError(f"nll_loss: expects log-probabilities (n, K) and class indices "
                             f"(n,), got {x.shape} and {targets.shape}")
        if x.dtype.kind != "f":
            raise ValueError(f"nll_loss: log-probabilities must be floats, got {x.dtype}")
        if x.shape[0] == 0 and reduction == "mean":  # ("sum": 0, "none": empty, as torch's)
            raise ValueError(f"nll_loss: empty batch (input of shape {x.shape}): a mean over "
                             "no samples is undefined")
        if x.shape[1] == 0:  # (all labels ignored: NumPy's IndexError, naming no op)
            raise ValueError(f"nll_loss: input of shape {x.shape} has no classes")
        ignored = ignored_labels("nll_loss", targets, x.shape[1], ignore_index)
        if (x > 0).any():  # (log-probabilities are <= 0; NaN compares False: it propagates)
            raise ValueError("nll_loss: input has values above 0, so its rows are not "
                             "log-probabilities: pass log_softmax(z, dim=1), or give the "
                             "logits to cross_entropy")
        n = x.shape[0]
        ctx.shape, ctx.targets, ctx.reduction = x.shape, targets, reduction
        ctx.wy = None
        if ignored is None and weight is None:
            losses = -x[np.arange(n), targets]
            if reduction == "none":
                return losses
            total = _sum(losses, axis=None)
            return np.asarray(total / n if reduction == "mean" else total, dtype=x.dtype)
        t0 = targets if ignored is None else np.where(ignored, 0, targets)
        wy = np.ones(n, x.dtype) if weight is None else weight[t0].astype(x.dtype)
        if ignored is not None:
            wy[ignored] = 0
        ctx.targets, ctx.wy, ctx.ignored = t0, wy, ignored
        with np.errstate(invalid="ignore"):  # 0 * inf of an ignored row: 0 below
            losses = -x[np.arange(n), t0] * wy
        if ignored is not None:
            losses[ignored] = 0
        if reduction == "none":
            return losses
        total = _sum(losses, axis=None)
        ctx.divisor = _sum(wy, axis=None)
        with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: 0 / 0, NaN
            return np.asarray(total / ctx.divisor if reduction == "mean" else total,
                              dtype=x.dtype)

    def backward(ctx, g):
        n = ctx.shape[0]
        d = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.wy is None:
            d[np.arange(n), ctx.targets] = -(g / n if ctx.reduction == "mean" else g)
            return d
        with np.errstate(invalid="ignore", divide="ignore"):
            s = g / ctx.divisor if ctx.reduction == "mean" else g
            d[np.arange(n), ctx.targets] = -ctx.wy * s
        if ctx.ignored is not None:  # an ignored row gets none (not 0 * inf: PyTorch's 0);
            # a weight of 0 where all weights sum to 0 gives NaN, as PyTorch's
            d[np.arange(n)[ctx.ignored], ctx.targets[ctx.ignored]] = 0
        return d


class KLDiv(Function):
    """PyTorch's pointwise KL divergence term of log-probabilities x against a target t:
    xlogy(t, t) - t x (0 where t = 0, NaN where t < 0), or, with log_target, e^t (t - x).
    The gradients are PyTorch's (its autograd of that formula): -t and log t + 1 - x (NaN at
    t = 0, where d/dt of t log t has no finite value); with log_target -e^t and e^t (t - x + 1).
    Reductions are composed on top (F.kl_div)."""

    def forward(ctx, x, t, log_target=False):
        ctx.save_for_backward(x, t)
        ctx.shapes, ctx.log_target = (x.shape, t.shape), log_target
        if log_target:
            return np.exp(t) * (t - x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log of 0 (masked) and of t < 0
            return np.where(t == 0, 0, t * np.log(t)) - t * x

    def backward(ctx, g):
        x, t = ctx.saved
        nx, nt = ctx.needs_input_grad
        if ctx.log_target:
            e = np.exp(t)
            gx = -e * g if nx else None
            gt = e * (t - x + 1) * g if nt else None
        else:
            gx = -t * g if nx else None
            gt = None
            if nt:
                with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 at t = 0: NaN
                    gt = (np.where(t != 0, np.log(t), 0) + t / t - x) * g
        sx, st = ctx.shapes
        return (None if gx is None else unbroadcast(gx, sx),
                None if gt is None else unbroadcast(gt, st))


class SmoothL1(Function):
    """PyTorch's smooth L1 term of d = input - target: 0.5 d^2 / beta where |d| < beta, else
    |d| - 0.5 beta; with huber=True, Huber's (delta = beta): 0.5 d^2, else beta (|d| - 0.5 beta).
    The gradient is PyTorch's, clip(d / beta, -1, 1) (Huber: clip(d, -beta, beta)), formed
    directly: composed of min(|d|, beta), its d / beta came out of (d / beta - 1) + 1 and lost
    digits at small d (float32 at d = 1e-3: 2e-5 relative; float64 at 1e-8: 1e-8). NaN gives
    NaN; |d| = inf gives 1 (beta). The value is torch's 0.5 d d / beta but where 0.5 d^2 over-
    or underflows (`_smooth_l1`); float16's is computed in float32 and rounded once."""

    def forward(ctx, d, beta, huber=False):
        ctx.save_for_backward(d)
        ctx.beta, ctx.huber = beta, huber
        a = np.abs(d)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # (the branch
            if huber:  # not taken: d^2 past the dtype's range; / beta where beta rounds to 0)
                return np.where(a < beta, 0.5 * d * d, beta * (a - 0.5 * beta))
            if d.dtype == np.float16:  # in float32, rounded once: 0.5 d^2 is subnormal
                # in float16 below |d| = 1.1e-2 (d = 1e-3 at beta 0.1 was 5% off)
                return _smooth_l1(d.astype(np.float32), a.astype(np.float32), beta
                                  ).astype(d.dtype)
            return _smooth_l1(d, a, beta)

    def backward(ctx, g):
        d, beta = ctx.saved[0], ctx.beta
        with np.errstate(over="ignore"):
            if ctx.huber:
                return g * np.clip(d, -beta, beta)
            if d.dtype.kind == "f" and not d.dtype.type(min(beta, 1.0)):  # beta below the
                return g * np.sign(d)  # dtype's least step: |d| < beta only at d = 0 (0/0)
            return g * np.clip(d / beta, -1, 1)


# |d| where 0.5 d^2 leaves a dtype's normal range: below, float32 0.5 * 1e-20 * 1e-20 / 1e-3
# was 0 (5e-38); above, 0.5 * 5e19 * 5e19 / 1e20 was inf (1.25e19): 0.5 d (d / beta) there
_SQUARE_SAFE = {np.dtype(t): (2 * math.sqrt(np.finfo(t).tiny), math.sqrt(np.finfo(t).max))
                for t in (np.float32, np.float64)}


def _smooth_l1(d: np.ndarray, a: np.ndarray, beta: float) -> np.ndarray:
    """SmoothL1's value (a = |d|): torch's 0.5 d d / beta, else |d| - 0.5 beta; 0.5 d (d / beta)
    where 0.5 d^2 over- or underflows and the value does not (beta < 1 or beta > sqrt(max))."""
    out = np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    if d.dtype.kind == "f" and a.size:
        lo, hi = _SQUARE_SAFE.get(d.dtype, (0.0, math.inf))
        if (beta < 1 and np.fmin.reduce(a, axis=None) < lo
                or beta > hi and np.fmax.reduce(a, axis=None) > hi):
            far = (a < beta) & ((a < lo) if beta < 1 else (a > hi))
            out = np.where(far, 0.5 * d * (d / beta), out)
    return out


def _softpluses(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """softplus(x), softplus(-x) and e^-|x|, overflow-free (ops.Softplus's formulas)."""
    e = np.exp(-np.abs(x))
    lg = np.log1p(e)
    return np.maximum(x, 0) + lg, np.maximum(-x, 0) + lg, e


class BCEWithLogits(Function):
    """The binary cross-entropy term of logits x against targets y: p y softplus(-x) + (1 - y)
    softplus(x), p = pos_weight (a third input, broadcast onto x; else 1). Gradients: x's
    (1 - y) sigmoid(x) - p y sigmoid(-x) (the composition's: a confident right answer keeps its
    tiny gradient); y's p softplus(-x) - softplus(x), formed as (p - 1) softplus(-x) - x
    for x >= 0 and (p - 1) softplus(x) - p x below (PyTorch's -x when p = 1): the difference
    of the two softpluses lost digits at small x (float32 at x = 1e-3: 1e-4 relative, float64
    at 1e-6: 1e-10), the first form alone at negative x unless p = 1; p's y softplus(-x)."""

    def forward(ctx, x, y, *pos_weight):
        real_only("binary_cross_entropy_with_logits", x)  # (|x| and max(x, 0) of complex x:
        ctx.save_for_backward(x, y, *pos_weight)  # a number without a word; torch refuses)
        spp, spn, _ = _softpluses(x)
        return (pos_weight[0] * y if pos_weight else y) * spn + (1 - y) * spp

    def backward(ctx, g):
        x, y, *pw = ctx.saved
        needs = ctx.needs_input_grad
        spp, spn, e = _softpluses(x)
        p = pw[0] if pw else 1
        gx = gy = gp = None
        if needs[0]:
            sig, sig_neg = np.where(x >= 0, 1 / (1 + e), e / (1 + e)), np.where(
                x >= 0, e / (1 + e), 1 / (1 + e))  # sigmoid(x), sigmoid(-x): no 1 - s
            gx = g * ((1 - y) * sig - (p * y) * sig_neg)
            gx = unbroadcast(gx, x.shape).astype(x.dtype, copy=False)
        if needs[1]:
            with np.errstate(invalid="ignore"):  # (p - 1) inf at x = -inf: p spn - spp there
                # x < 0: (p - 1) softplus(x) - p x, where (p - 1) softplus(-x) - x cancelled
                # (p = 0 at x = -20: float32 0 for -2.1e-9, float16 6% off)
                if pw:
                    up = x >= 0
                    d = (p - 1) * np.where(up, spn, spp) - x * np.where(up, 1, p)
                    d = np.where(np.isfinite(x), d, p * spn - spp)
                else:
                    d = -x
            gy = unbroadcast(g * d, y.shape).astype(y.dtype, copy=False)
        if pw and needs[2]:
            gp = unbroadcast(g * y * spn, pw[0].shape).astype(pw[0].dtype, copy=False)
        return (gx, gy, gp) if pw else (gx, gy)


_EPS = float(np.float32(1e-12))  # PyTorch's EPSILON, a float: 9.99999996e-13 in float64 too


def _clamped_logs(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """max(log p, -100) and max(log1p(-p), -100): PyTorch's binary_cross_entropy's logs."""
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped
        return np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)


def _bce_dtype(p: np.ndarray) -> np.ndarray:
    """p in the dtype the loss is computed in: float16 in float32 (its smallest subnormal's log
    is -16.6, above the clamp), integers in float64."""
    if p.dtype.kind != "f":
        return p.astype(np.float64)
    return p.astype(np.float32) if p.dtype.itemsize < 4 else p


@dataclass(frozen=True)
class InUnitInterval:
    """A check that probabilities lie in [0, 1] (NaN does not): a logit given where a
    probability goes would take log of a negative number (binary_cross_entropy's input, a
    `Tap`). Equal by value, as InRange. target=True words it for binary_cross_entropy's targets
    (torch refuses one outside [0, 1], NaN too: a class label 2 given as a target made a number
    that meant nothing), checked in ops.BinaryCrossEntropy itself: no op more per call."""

    what: str
    target: bool = False

    def __call__(self, p: np.ndarray) -> None:
        # (a min and a max, NaN's NaN failing both: half the time of two masks and all())
        if p.size and not (_min(p, axis=None) >= 0 and _max(p, axis=None) <= 1):
            nan = np.isnan(p)
            seen = f"values in [{p[~nan].min()}, {p[~nan].max()}]" if not nan.all() else ""
            seen += " and NaN" if seen and nan.any() else "NaN" if nan.any() else ""
            if self.target:
                raise ValueError(f"{self.what}: target must hold values in [0, 1] (as "
                                 f"torch's), got {seen}")
            raise ValueError(f"{self.what}: input must hold probabilities in [0, 1], got "
                             f"{seen}: apply sigmoid first, or give the logits to "
                             "binary_cross_entropy_with_logits")


_BCE_TARGETS = InUnitInterval("binary_cross_entropy", target=True)


class BinaryCrossEntropy(Function):
    """PyTorch's binary cross-entropy term of probabilities p against targets y (one shape
    and dtype): (y - 1) max(log1p(-p), -100) - y max(log p, -100); log1p keeps 1 - p's
    rounding out (p = 1e-10: 1e-6 relative error in float64). p's gradient is PyTorch's,
    (p - y) / max(p (1 - p), 1e-12): finite everywhere (the true -y / p was -inf in float32
    at a subnormal p = 1e-40, 4e39 in float64, and 0 where a log is clamped: no signal at
    p = 0 for y = 1, where PyTorch's is -1e12); below p (1 - p) = 1e-12 it is PyTorch's
    formula, not the true derivative (p / 1e-12, not 1, at p < 1e-12 with y = 0: documented,
    as PyTorch trains). y's gradient is the difference of the clamped logs, the derivative
    of the value as computed (PyTorch's -logit(p) ignores the clamp: inf at p = 0, where the
    loss is 100 y). float16 is computed in float32. Weight and reduction are composed on top
    (F.binary_cross_entropy)."""

    def forward(ctx, p, y):
        _BCE_TARGETS(y)  # (torch's check, here: a replayed step's batch is checked too)
        ctx.save_for_backward(p, y)
        w = _bce_dtype(p)
        lp, lq = _clamped_logs(w)
        out = (y - 1) * lq - y * lp
        # p's and y's promoted dtype, as the composition's and mse_loss's (float32 p with a
        # float64 target gives float64); float16 p back from float32
        dt = np.result_type(p, y)
        return out.astype(dt, copy=False) if dt.kind == "f" else out

    def backward(ctx, g):
        p, y = ctx.saved
        need_p, need_y = ctx.needs_input_grad
        w = _bce_dtype(p)
        gp = gy = None
        if need_p:  # (float16: past its 65504, +-inf as PyTorch's; its 0 / 0 NaNs not)
            with np.errstate(over="ignore"):
                gp = (g * (w - y) / np.maximum((1 - w) * w, _EPS)).astype(p.dtype, copy=False)
        if need_y:
            lp, lq = _clamped_logs(w)
            gy = (g * (lq - lp)).astype(y.dtype, copy=False)
        return gp, gy
