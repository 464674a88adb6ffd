"""More of PyTorch's top-level names, exported as tinygrad_dl.<name>: the predicates and no-op
conversions as functions (torch.is_signed, resolve_conj, detach_, ...), the in-place functions
still missing (torch.sinc_, addmv_, ...), the *_copy spellings of the view ops (each a
one-liner: the view op, then clone), split_with_sizes, torch.range, fill, put,
constant_pad_nd, torch.batch_norm (its positional signature), the random poisson and
binomial (drawn inside a Draw op: a jitted step replays them afresh), histogramdd and the RNN
cells (rnn_tanh_cell, rnn_relu_cell, gru_cell, lstm_cell)."""

from __future__ import annotations

import builtins
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import write_guard
from ..device import check_device
from ..ops import Draw, Tap
from ..random import as_rng
from ..tensor import Tensor, as_tensor
from ..tensor.counting import torch_linspace
from .joins import pad as _pad
from .joins import stack
from .torch_top import get_default_dtype


def _tensor(name: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, got "
                        f"{type(input).__name__}")
    return input


# ---- predicates and no-op conversions -------------------------------------------------------
def is_same_size(input: Tensor, other: Tensor) -> bool:
    """torch.is_same_size: the two shapes are equal."""
    return _tensor("is_same_size", input).is_same_size(other)


def is_signed(input: Tensor) -> bool:
    """torch.is_signed: a signed dtype (floats, signed integers; not uint8 or bool)."""
    return _tensor("is_signed", input).is_signed()


def is_complex(input: Tensor) -> bool:
    """torch.is_complex: a complex dtype (never here: refused at construction)."""
    return _tensor("is_complex", input).is_complex()


def is_conj(input: Tensor) -> bool:
    """torch.is_conj: False (no lazy conjugation here)."""
    return _tensor("is_conj", input).is_conj()


def is_neg(input: Tensor) -> bool:
    """torch.is_neg: False (no lazy negation here)."""
    return _tensor("is_neg", input).is_neg()


def is_inference(input: Tensor) -> bool:
    """torch.is_inference: False (tensors made under inference_mode are ordinary here)."""
    return _tensor("is_inference", input).is_inference()


def resolve_conj(input: Tensor) -> Tensor:
    """torch.resolve_conj: the input itself (a real tensor)."""
    return _tensor("resolve_conj", input).resolve_conj()


def resolve_neg(input: Tensor) -> Tensor:
    """torch.resolve_neg: the input itself (a real tensor)."""
    return _tensor("resolve_neg", input).resolve_neg()


def detach_(input: Tensor) -> Tensor:
    """torch.detach_: input.detach_() (in place; returns input)."""
    return _tensor("detach_", input).detach_()


# ---- in-place functions: input.<name>(...), in place ---------------------------------------
def sinc_(input: Tensor) -> Tensor: return _tensor("sinc_", input).sinc_()
def i0_(input: Tensor) -> Tensor: return _tensor("i0_", input).i0_()
def arccosh_(input: Tensor) -> Tensor: return _tensor("arccosh_", input).arccosh_()
def arcsinh_(input: Tensor) -> Tensor: return _tensor("arcsinh_", input).arcsinh_()
def arctanh_(input: Tensor) -> Tensor: return _tensor("arctanh_", input).arctanh_()


def addmv_(input: Tensor, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """torch.addmv_: input = beta * input + alpha * mat @ vec, in place."""
    return _tensor("addmv_", input).addmv_(mat, vec, beta=beta, alpha=alpha)


# ---- the shifts with a Python int first (the op table exports these as tinygrad_dl.<name>) ---
def _shift_input(name: str, input: Any, other: Any) -> Tensor:
    if isinstance(input, Tensor):
        return input
    if type(input) is int and isinstance(other, Tensor) and other.dtype.kind in "iu":
        return Tensor(np.asarray(input, other.dtype))  # (a Python int keeps the tensor's dtype)
    raise TypeError(f"{name}: expects an integer tensor (or a Python int and an integer "
                    f"tensor), got {type(input).__name__}")


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    """torch.bitwise_left_shift(input, other): input << other (see Tensor's)."""
    return _shift_input("bitwise_left_shift", input, other).bitwise_left_shift(other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    """torch.bitwise_right_shift(input, other): input >> other (see Tensor's)."""
    return _shift_input("bitwise_right_shift", input, other).bitwise_right_shift(other)


# ---- the *_copy spellings: the view op's values as a new tensor (gradients as the op's) ----
def t_copy(input: Tensor) -> Tensor: return input.t().clone()
def view_copy(input: Tensor, size: Any) -> Tensor:  # (torch's copies any layout: no refusal)
    return input.reshape(size).clone()
def permute_copy(input: Tensor, dims: Any) -> Tensor: return input.permute(dims).clone()
def unsqueeze_copy(input: Tensor, dim: int) -> Tensor: return input.unsqueeze(dim).clone()
def detach_copy(input: Tensor) -> Tensor: return input.detach().clone()
def alias_copy(input: Tensor) -> Tensor: return input.clone()
def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    return input.select(dim, index).clone()


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return input.swapaxes(dim0, dim1).clone()  # (torch's transpose: two dims swapped)


def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:
    return (input.squeeze() if dim is None else input.squeeze(dim=dim)).clone()


def expand_copy(input: Tensor, size: Any, *, implicit: bool = False) -> Tensor:
    return input.expand(*size).clone()


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return input.diagonal(offset, dim1=dim1, dim2=dim2).clone()


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    return input.unfold(dimension, size, step).clone()


def split_copy(input: Tensor, split_size: int, dim: int = 0) -> list[Tensor]:
    return [p.clone() for p in input.split(split_size, dim)]


def split_with_sizes_copy(input: Tensor, split_sizes: Any, dim: int = 0) -> list[Tensor]:
    return [p.clone() for p in input.split_with_sizes(split_sizes, dim)]


def unbind_copy(input: Tensor, dim: int = 0) -> list[Tensor]:
    return [p.clone() for p in input.unbind(dim)]


def slice_copy(input: Tensor, dim: int = 0, start: Any = None, end: Any = None,
               step: int = 1) -> Tensor:
    """torch.slice_copy: input[start:end:step] along dim (step > 0), as a new tensor."""
    if step <= 0:
        raise ValueError(f"slice_copy: step must be greater than zero, got {step}")
    if input.ndim == 0:
        raise IndexError("slice_copy: slice() cannot be applied to a 0-dim tensor")
    d = dim + input.ndim if dim < 0 else dim
    if not 0 <= d < input.ndim:
        raise IndexError(f"slice_copy: dim {dim} is out of range for a {input.ndim}-D tensor")
    return input[(slice(None),) * d + (slice(start, end, step),)].clone()


def split_with_sizes(input: Tensor, split_sizes: Any, dim: int = 0) -> list[Tensor]:
    """torch.split_with_sizes: pieces of the given sizes (summing to the dim's length)."""
    return list(_tensor("split_with_sizes", input).split_with_sizes(split_sizes, dim))


# ---- constants and fills ---------------------------------------------------------------------
def range(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None,  # noqa: A001
          requires_grad: bool = False, device: Any = None) -> Tensor:
    """torch.range (deprecated, with torch's warning): start, start + step, ... up to end
    INCLUDED; the default float dtype unless dtype= is given."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if end is None:
        raise TypeError("range: expects range(start, end, step=1)")
    dt = np.dtype(get_default_dtype() if dtype is None else dtype)
    if dt.kind in "iu":  # torch's: start, end and step in the integer type first (truncated)
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise ValueError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"range: upper bound and larger bound inconsistent with step sign "
                         f"(start={start}, end={end}, step={step})")
    check_device(device, "range")
    if dt.kind in "iu":
        out = Tensor((start + np.arange((end - start) // step + 1) * step).astype(dt))
    else:
        n = int(np.floor((end - start) / step)) + 1
        out = Tensor((start + np.arange(n, dtype=np.float64) * step).astype(dt))
    return out.requires_grad_(requires_grad) if requires_grad else out


def fill(input: Tensor, value: Any) -> Tensor:
    """torch.fill (out of place): a tensor of input's shape and dtype filled with value (a
    number or a 0-d tensor; a float into an integer tensor truncates, as torch's)."""
    input = _tensor("fill", input)
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"fill: only supports 0-dimension value tensor but got tensor "
                             f"with {value.ndim} dimensions")
        value = value.data
    elif not _fits(value, input.dtype):  # (a tensor value wraps, as torch's; a number may not)
        raise OverflowError(f"fill: value {value!r} cannot be converted to type "
                            f"{input.dtype} without overflow")
    v = np.asarray(value)
    if input.dtype.kind in "iu" and v.dtype.kind == "f":
        v = np.trunc(v)
    return Tensor(np.full(input.shape, v).astype(input.dtype))


def _fits(value: Any, dt: np.dtype) -> bool:
    """Does the number `value` convert to dtype dt without overflow (torch's check: an
    integer type's range, before truncation; a float type's largest finite value)?"""
    if dt.kind == "b" or isinstance(value, (bool, np.bool_)):
        return True
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return bool(info.min <= value <= info.max)  # (False for NaN; ints compared exactly)
    try:
        f = float(value)
    except OverflowError:
        return False
    return bool(not np.isfinite(f) or abs(f) <= np.finfo(dt).max)


def put(input: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """torch.put: input.put(index, source, accumulate) (flat indices)."""
    return _tensor("put", input).put(index, source, accumulate)


def constant_pad_nd(input: Tensor, pad: Any, value: Any = 0) -> Tensor:
    """torch.constant_pad_nd: F.pad's constant mode (pairs from the last dim backwards;
    negative widths crop)."""
    widths = tuple(int(p) for p in pad)
    if len(widths) % 2 or len(widths) > 2 * input.ndim:
        raise ValueError(f"constant_pad_nd: the padding length {len(widths)} must be even and "
                         f"at most twice the input's {input.ndim} dims")
    if len(widths) == 2 and input.ndim >= 2:  # (a flat pair is ambiguous to pad: spell it out)
        widths = widths + (0, 0)
    if not widths:
        return input.clone()
    return _pad(input, widths, value=value)


# ---- batch norm with torch's positional signature -------------------------------------------
class _BatchStats:
    """A `Tap` that moves torch.batch_norm's running_mean and running_var (Tensors, either
    may be None) by momentum toward the batch's mean and unbiased variance over `axes`, in
    place. Equal when it moves the same tensors alike, so the two recordings of a jitted step
    agree and each replay moves them."""

    def __init__(self, mean: Any, var: Any, momentum: float, axes: tuple[int, ...]) -> None:
        self.mean, self.var, self.momentum, self.axes = mean, var, momentum, axes

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, _BatchStats) and self.mean is other.mean
                and self.var is other.var and self.momentum == other.momentum
                and self.axes == other.axes)

    def __hash__(self) -> int:
        return hash((id(self.mean), id(self.var), self.momentum, self.axes))

    def __call__(self, x: np.ndarray) -> None:
        m = self.momentum
        for run, new in ((self.mean, lambda: x.mean(axis=self.axes)),
                         (self.var, lambda: x.var(axis=self.axes, ddof=1))):
            if run is not None:  # (write_guard: a graph that saved the array keeps its values)
                a = write_guard.writable(run, "batch_norm's running statistics")
                np.copyto(a, (1 - m) * a + m * new(), casting="same_kind")


def batch_norm(input: Tensor, weight: Any, bias: Any, running_mean: Any, running_var: Any,
               training: bool, momentum: float, eps: float, cudnn_enabled: bool) -> Tensor:
    """torch.batch_norm: over every dim but the second (channels) of (N, C, ...): the batch's
    statistics in training (the running ones, when given, updated in place: (1 - momentum) *
    old + momentum * new, the variance unbiased), the running ones otherwise."""
    x = _tensor("batch_norm", input)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of 2 or more dims (N, C, ...), got "
                         f"shape {x.shape}")
    c = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and tuple(np.shape(t.data if isinstance(t, Tensor) else t)) != (c,):
            raise ValueError(f"batch_norm: {name} must have shape ({c},), got "
                             f"{np.shape(t.data if isinstance(t, Tensor) else t)}")
    axes = (0, *builtins.range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    if training:
        n = x.data.size // c if c else 0
        if n <= 1 and x.data.size:  # (no values, torch's too: an empty output, the running
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input size {x.shape}")
        runs = [r for r in (running_mean, running_var) if r is not None]
        if any(not isinstance(r, Tensor) for r in runs):
            bad = next(r for r in runs if not isinstance(r, Tensor))
            raise TypeError(f"batch_norm: the running statistics must be Tensors (updated in "
                            f"place in training), got {type(bad).__name__}")
        if runs:
            if isinstance(momentum, bool) or not isinstance(
                    momentum, (int, float, np.integer, np.floating)):
                raise TypeError(f"batch_norm: momentum must be a number, got {momentum!r}")
            # an op, not a copy_ here: a jitted step (which runs no Python of the step on
            # replay) moves the running statistics on every call too
            if x.data.size:
                x = Tap.apply(x, fn=_BatchStats(running_mean, running_var, float(momentum),
                                                axes))
        if not x.data.size:  # statistics unchanged, the weight's and bias's gradients 0)
            mean, var = Tensor.zeros(c, dtype=x.dtype), Tensor.ones(c, dtype=x.dtype)
        else:
            mean = x.mean(axis=axes)
            var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var must be defined in "
                             "evaluation mode")
        mean, var = as_tensor(running_mean, x), as_tensor(running_var, x)
    out = (x - mean.reshape(shape)) / (var.reshape(shape) + eps).sqrt()
    if weight is not None:
        out = out * as_tensor(weight, x).reshape(shape)
    if bias is not None:
        out = out + as_tensor(bias, x).reshape(shape)
    return out


# ---- random draws inside a Draw op ------------------------------------------------------------
@dataclass(frozen=True)
class _PoissonDraw:
    """`Draw`'s sampler: Poisson draws of the given rates, in their dtype."""

    gen: Any

    def __call__(self, rate: np.ndarray) -> np.ndarray:
        if not (np.isfinite(rate).all() and (rate >= 0).all()):
            raise ValueError("poisson: invalid Poisson rate, expected rate to be finite and "
                             "non-negative")
        try:
            return self.gen.poisson(rate).astype(rate.dtype)
        except ValueError:  # (NumPy's "lam value too large", said as the Draw op's)
            raise ValueError(f"poisson: a rate of {rate.max():g} is beyond NumPy's Poisson "
                             "sampler (rates up to about 9.2e18)") from None


@dataclass(frozen=True)
class _BinomialDraw:
    """`Draw`'s sampler: binomial draws of (count, prob) stacked, in their dtype."""

    gen: Any

    def __call__(self, cp: np.ndarray) -> np.ndarray:
        count, prob = cp[0], cp[1]
        if not ((count >= 0).all() and np.isfinite(count).all() and (count == np.floor(
                count)).all() and (prob >= 0).all() and (prob <= 1).all()):
            raise ValueError("binomial: count must hold non-negative whole numbers and prob "
                             "values in [0, 1]")
        return self.gen.binomial(count.astype(np.int64), prob).astype(cp.dtype)


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """torch.poisson: a Poisson draw for each rate in input (float; rates >= 0), from
    generator= or the default generator. A constant (no gradient)."""
    x = _tensor("poisson", input)
    if x.dtype.kind != "f":
        raise TypeError(f"poisson: expects a float tensor of rates, got dtype {x.dtype}")
    return Draw.apply(x.detach(), sample=_PoissonDraw(as_rng(generator, "poisson")))


def binomial(count: Tensor, prob: Tensor, generator: Any = None) -> Tensor:
    """torch.binomial: a draw of the number of successes in count trials of chance prob
    (float tensors of one dtype, broadcast together). A constant (no gradient)."""
    count, prob = _tensor("binomial", count), as_tensor(prob, count)
    if count.dtype.kind != "f" or prob.dtype != count.dtype:
        raise TypeError(f"binomial: expects float count and prob of one dtype, got "
                        f"{count.dtype} and {prob.dtype}")
    shape = np.broadcast_shapes(count.shape, prob.shape)
    both = stack([count.detach().broadcast_to(shape), prob.detach().broadcast_to(shape)])
    return Draw.apply(both, sample=_BinomialDraw(as_rng(generator, "binomial")))


# ---- histogramdd ------------------------------------------------------------------------------
def histogramdd(input: Tensor, bins: Any = 10, range: Any = None,  # noqa: A002
                weight: Any = None, density: bool = False) -> tuple[Tensor, list[Tensor]]:
    """torch.histogramdd: (hist, bin_edges) of the points input (..., D) (float), bins an int,
    D ints or D edge tensors, range a flat (min0, max0, min1, max1, ...); the last bin of each
    dim holds its right edge, points outside are left out. Constants, in input's dtype."""
    x = _tensor("histogramdd", input)
    a = x.data
    if a.dtype.kind != "f":
        raise TypeError(f"histogramdd: expects a float tensor, got dtype {a.dtype}")
    if a.ndim < 2:  # (a 1-D input read as one point of D dims surprised; torch refuses it)
        raise ValueError(f"histogramdd: input must have at least 2 dims (..., D), got shape "
                         f"{a.shape}; for N values in one dim, pass input.reshape(-1, 1)")
    d = a.shape[-1]
    pts = a.reshape(-1, d)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        bins = [int(bins)] * d
    if len(bins) != d:
        raise ValueError(f"histogramdd: expected {d} bins (one per dim), got {len(bins)}")
    if range is not None and len(range) != 2 * d:
        raise ValueError(f"histogramdd: range must hold {2 * d} numbers, got {len(range)}")
    edges = []
    for k, b in enumerate(bins):
        if isinstance(b, (Tensor, np.ndarray, list, tuple)):
            e = np.asarray(b.data if isinstance(b, Tensor) else b, a.dtype)
            if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) < 0):  # (1 edge: 0 bins)
                raise ValueError(f"histogramdd: the edges of dim {k} must be 1-D, increasing, at "
                                 "least 2 (one bin)")
        else:
            col = pts[:, k]
            lo, hi = ((float(range[2 * k]), float(range[2 * k + 1])) if range is not None
                      else (float(col.min()), float(col.max())) if col.size else (0.0, 1.0))
            if lo > hi:
                raise ValueError(f"histogramdd: min should not exceed max, but got min {lo:g} "
                                 f"max {hi:g} for dimension {k}")
            if not (np.isfinite(lo) and np.isfinite(hi)):
                raise ValueError(f"histogramdd: dimension {k}'s range [{lo:g}, {hi:g}] is not "
                                 "finite")
            if lo == hi:
                lo, hi = lo - 0.5, hi + 0.5
            if isinstance(b, bool) or int(b) < 1:
                raise ValueError(f"histogramdd: bins must be positive, got {b!r}")
            e = torch_linspace(lo, hi, int(b) + 1, a.dtype)
        edges.append(e)
    w = None
    if weight is not None:
        w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
        if w.shape != a.shape[:-1]:
            raise ValueError(f"histogramdd: weight must have shape {a.shape[:-1]}, got {w.shape}")
        w = w.reshape(-1)
    hist, _ = np.histogramdd(pts.astype(np.float64), [e.astype(np.float64) for e in edges],
                             weights=w)
    hist = hist.astype(a.dtype)
    if density:
        widths = np.ix_(*[np.diff(e) for e in edges])
        vol = np.ones(hist.shape, a.dtype)
        for wd in widths:
            vol = vol * wd
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = (hist / (hist.sum() * vol)).astype(a.dtype)
    return Tensor(hist), [Tensor(e) for e in edges]


# ---- RNN cells (torch's argument orders; weights (gates * hidden, in), biases optional) ------
def _check_cell(who: str, x: Tensor, states: tuple, w_ih: Any, w_hh: Any, gates: int) -> None:
    """torch's checks of a cell's shapes: w_ih (gates * H, in), w_hh (gates * H, H), and each
    hidden state input's batch by H (broadcast, a (N, 1) or (H,) state would give numbers
    without a word)."""
    wi, wh = (np.shape(w.data if isinstance(w, Tensor) else w) for w in (w_ih, w_hh))
    if len(wh) != 2 or wh[0] != gates * wh[1] or len(wi) != 2 or wi[0] != wh[0] or (
            x.shape[-1:] != wi[1:]):
        raise ValueError(f"{who}: expected w_ih ({gates} * hidden, {x.shape[-1]}) and w_hh "
                         f"({gates} * hidden, hidden) for an input of shape {x.shape}, got "
                         f"{wi} and {wh}")
    want = x.shape[:-1] + (wh[1],)
    for k, h in enumerate(states):
        got = tuple(np.shape(h.data if isinstance(h, Tensor) else h))
        if got != want:
            raise ValueError(f"{who}: hidden state {k} must have shape {want} (the input's "
                             f"batch by hidden size {wh[1]}), got {got}")


def _gates(x: Tensor, h: Tensor, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any
           ) -> tuple[Tensor, Tensor]:
    gi = x @ as_tensor(w_ih, x).T
    gh = h @ as_tensor(w_hh, x).T
    if b_ih is not None:
        gi = gi + as_tensor(b_ih, x)
    if b_hh is not None:
        gh = gh + as_tensor(b_hh, x)
    return gi, gh


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Any, w_hh: Any, b_ih: Any = None,
                  b_hh: Any = None) -> Tensor:
    """torch.rnn_tanh_cell: tanh(input w_ih^T + b_ih + hx w_hh^T + b_hh)."""
    _check_cell("rnn_tanh_cell", _tensor("rnn_tanh_cell", input), (hx,), w_ih, w_hh, 1)
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).tanh()


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Any, w_hh: Any, b_ih: Any = None,
                  b_hh: Any = None) -> Tensor:
    """torch.rnn_relu_cell: relu(input w_ih^T + b_ih + hx w_hh^T + b_hh)."""
    _check_cell("rnn_relu_cell", _tensor("rnn_relu_cell", input), (hx,), w_ih, w_hh, 1)
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).relu()


def lstm_cell(input: Tensor, hx: Any, w_ih: Any, w_hh: Any, b_ih: Any = None,
              b_hh: Any = None) -> tuple[Tensor, Tensor]:
    """torch.lstm_cell: hx = (h, c); the gates i, f, g, o in torch's order; returns (h', c')
    with c' = f c + i g, h' = o tanh(c')."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError("lstm_cell: hx must be a pair (h, c)")
    h, c = hx
    _check_cell("lstm_cell", _tensor("lstm_cell", input), (h, c), w_ih, w_hh, 4)
    gi, gh = _gates(input, h, w_ih, w_hh, b_ih, b_hh)
    i, f, g, o = (gi + gh).chunk(4, -1)
    c2 = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c2.tanh(), c2


def gru_cell(input: Tensor, hx: Tensor, w_ih: Any, w_hh: Any, b_ih: Any = None,
             b_hh: Any = None) -> Tensor:
    """torch.gru_cell: r, z, n gates in torch's order; n = tanh(i_n + r (h_n)), h' = n +
    z (hx - n)."""
    _check_cell("gru_cell", _tensor("gru_cell", input), (hx,), w_ih, w_hh, 3)
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (hx - n)


# tinygrad_dl.<name> for these (tinygrad_dl/__init__.py); `range` is exported there too, but
# left out of __all__ so that `from tinygrad_dl import *` does not shadow Python's range
__all__ = [
    "is_same_size", "is_signed", "is_complex", "is_conj", "is_neg", "is_inference",
    "resolve_conj", "resolve_neg", "detach_", "sinc_", "i0_", "arccosh_", "arcsinh_",
    "arctanh_", "addmv_", "t_copy", "view_copy", "permute_copy", "unsqueeze_copy",
    "detach_copy", "alias_copy", "select_copy", "transpose_copy", "squeeze_copy",
    "expand_copy", "diagonal_copy", "unfold_copy", "split_copy", "split_with_sizes_copy",
    "unbind_copy", "slice_copy", "split_with_sizes", "fill", "put", "constant_pad_nd",
    "batch_norm", "poisson", "binomial", "histogramdd", "rnn_tanh_cell", "rnn_relu_cell",
    "lstm_cell", "gru_cell",
]
