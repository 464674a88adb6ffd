"""PyTorch's top-level spellings of torch.nn.functional's ops (torch.conv1d, torch.layer_norm,
torch.kl_div, ...: `OPS_ALL`), torch.batch_norm (its positional signature, the running statistics
moved in place) and the in-place torch.<name>_(t) functions, exported as tinygrad_dl.<name>; the
torch.* utilities are in dtypes.py and settings.py."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import write_guard
from ..ops import Tap
from ..tensor import Tensor, as_tensor
from . import activations as _activations
from . import ctc as _ctc
from . import dropouts as _dropouts
from . import layers as _layers
from . import losses as _losses
from . import margin_losses as _margin
from . import normalization as _norm
from .activations import celu_ as celu_
from .activations import hardshrink as hardshrink
from .activations import relu_ as relu_
from .activations import selu_ as selu_
from .activations import threshold_ as threshold_
from .conv import channel_shuffle as channel_shuffle
from .conv import conv2d as conv2d
from .conv import conv_transpose1d as conv_transpose1d
from .conv import conv_transpose2d as conv_transpose2d
from .conv import pixel_shuffle as pixel_shuffle
from .conv import pixel_unshuffle as pixel_unshuffle
from .linalg import bilinear as bilinear
from .linalg import pdist as pdist
from .methods import tensor_arg
from .normalization import rms_norm as rms_norm
from .pooling import adaptive_avg_pool1d as adaptive_avg_pool1d
from .pooling import avg_pool1d as avg_pool1d
from .pooling3d import max_pool3d as max_pool3d
from .pooling_indices import adaptive_max_pool1d as _adaptive_max_pool1d
from .pooling_indices import max_pool1d as max_pool1d
from .pooling_indices import max_pool1d_with_indices as max_pool1d_with_indices
from .pooling_indices import max_pool2d as max_pool2d
from .sequence_conv import conv1d as conv1d
from .statistics import trapezoid
from .volumetric_conv import conv3d as conv3d
from .volumetric_conv import conv_transpose3d as conv_transpose3d

# ---- torch.<name> spellings of torch.nn.functional's ops ----------------------------------------
# torch has these at top level too. Where torch's top-level positional signature is F's (or a
# prefix of it), tinygrad_dl.<name> is F's function itself (imported above); where it differs
# (reduction as an int enum defaulting to none, cudnn flags, required train, embedding's
# (weight, indices) order), a wrapper below takes torch's top-level signature exactly. Their
# edge rows are F's, under the same keys, and testing/edge_table_aliases.py's rows of the wrappers.
trapz = trapezoid  # torch.trapz: trapezoid's other name

_REDUCTIONS = ("none", "mean", "sum")  # torch's at::Reduction enum: 0, 1, 2


def _reduction(who: str, reduction: Any) -> str:
    """torch's top-level losses take reduction as an int (0 none, 1 mean, 2 sum) and default to
    0, none (torch's Python binding; F's default is 'mean'); a string (F's spelling) is refused
    as torch refuses it."""
    if isinstance(reduction, bool) or not isinstance(reduction, (builtins.int, np.integer)) \
            or not 0 <= reduction <= 2:
        raise TypeError(f"{who}: reduction must be an int 0 (none), 1 (mean) or 2 (sum) at "
                        f"top level (torch.nn.functional's takes the strings), got {reduction!r}")
    return _REDUCTIONS[builtins.int(reduction)]


def _flag(who: str, name: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise TypeError(f"{who}: {name} must be a bool, got {type(v).__name__} {v!r}")
    return v


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,
               eps: float = 1e-5, cudnn_enable: bool = True) -> Tensor:
    """torch.layer_norm: F.layer_norm; cudnn_enable has no effect on the CPU."""
    _flag("layer_norm", "cudnn_enable", cudnn_enable)
    return _layers.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None,
               eps: float = 1e-5, cudnn_enabled: bool = True) -> Tensor:
    """torch.group_norm: F.group_norm without F's check (one sample of one value per group
    gives 0s, the bias); cudnn_enabled has no effect on the CPU."""
    _flag("group_norm", "cudnn_enabled", cudnn_enabled)
    return _norm.group_norm_of(input, num_groups, weight, bias, eps, lone=True)


def instance_norm(input: Any, weight: Any, bias: Any, running_mean: Any, running_var: Any,
                  use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool) -> Tensor:
    """torch.instance_norm: every argument required, weight and bias first (F's order is
    running_mean, running_var, weight, bias)."""
    _flag("instance_norm", "cudnn_enabled", cudnn_enabled)
    return _norm.instance_norm(input, running_mean, running_var, weight, bias,
                               use_input_stats, momentum, eps)


def dropout(input: Any, p: float, train: bool) -> Tensor:
    """torch.dropout: p and train required (F.dropout's training defaults to True)."""
    return _dropouts.dropout(input, p, _flag("dropout", "train", train))


def alpha_dropout(input: Any, p: float, train: bool) -> Tensor:
    """torch.alpha_dropout: p and train required."""
    return _dropouts.alpha_dropout(input, p, _flag("alpha_dropout", "train", train))


def feature_dropout(input: Any, p: float, train: bool) -> Tensor:
    """torch.feature_dropout: whole channels of (N, C, ...) dropped; p and train required."""
    return _dropouts.feature_dropout(input, p, _flag("feature_dropout", "train", train))


def feature_alpha_dropout(input: Any, p: float, train: bool) -> Tensor:
    """torch.feature_alpha_dropout: p and train required."""
    return _dropouts.feature_alpha_dropout(input, p,
                                           _flag("feature_alpha_dropout", "train", train))


def rrelu(input: Any, lower: float = 1 / 8, upper: float = 1 / 3, training: bool = False,
          generator: Any = None) -> Tensor:
    """torch.rrelu: the fifth argument is the generator (F.rrelu's is inplace)."""
    return _activations.rrelu(input, lower, upper, _flag("rrelu", "training", training),
                              generator=generator)


def rrelu_(input: Tensor, lower: float = 1 / 8, upper: float = 1 / 3, training: bool = False,
           generator: Any = None) -> Tensor:
    """torch.rrelu_: F.rrelu_, the fifth argument the generator; returns input."""
    return _activations.rrelu_(input, lower, upper, _flag("rrelu_", "training", training),
                               generator=generator)


def embedding(weight: Any, indices: Any, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """torch.embedding: weight FIRST, then indices (F.embedding's order is the other); padding_idx
    -1 means none, as torch's (F.embedding turns a negative one into weight.size(0) + it first)."""
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (builtins.int, np.integer)) \
            or padding_idx < -1:
        raise ValueError(f"embedding: padding_idx must be -1 (none) or a row index >= 0 at top "
                         f"level, got {padding_idx!r}")
    return _layers.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                             scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def kl_div(input: Any, target: Any, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    """torch.kl_div: reduction an int, default 0 (none); 1 (mean) is the mean over every
    element."""
    r = _reduction("kl_div", reduction)
    return _losses.kl_div_unwarned(input, target, r, log_target)  # (F's 'mean' warning is F's)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     pos_weight: Any = None, reduction: int = 0) -> Tensor:
    """torch.binary_cross_entropy_with_logits: pos_weight before reduction (an int)."""
    r = _reduction("binary_cross_entropy_with_logits", reduction)
    return _losses.binary_cross_entropy_with_logits(input, target, weight, r, pos_weight)


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0,
                         reduction: int = 0) -> Tensor:
    """torch.hinge_embedding_loss: reduction an int."""
    r = _reduction("hinge_embedding_loss", reduction)
    return _margin.hinge_embedding_loss(input, target, margin, r)


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:
    """torch.cosine_embedding_loss: reduction an int."""
    r = _reduction("cosine_embedding_loss", reduction)
    return _margin.cosine_embedding_loss(input1, input2, target, margin, r)


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:
    """torch.margin_ranking_loss: reduction an int."""
    r = _reduction("margin_ranking_loss", reduction)
    return _margin.margin_ranking_loss(input1, input2, target, margin, r)


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        reduction: int = 0) -> Tensor:
    """torch.triplet_margin_loss: reduction an int."""
    r = _reduction("triplet_margin_loss", reduction)
    return _margin.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, r)


def poisson_nll_loss(input: Any, target: Any, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """torch.poisson_nll_loss: every argument required and positional, reduction an int."""
    r = _reduction("poisson_nll_loss", reduction)
    return _margin.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=r)


def ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: int = 0, zero_infinity: bool = False) -> Tensor:
    """torch.ctc_loss: F.ctc_loss with reduction an int (0 none, 1 mean, 2 sum), default 0
    (per sample: torch's binding's default, F's is 'mean')."""
    r = _reduction("ctc_loss", reduction)
    return _ctc.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, r,
                         zero_infinity)


def adaptive_max_pool1d(input: Any, output_size: Any) -> Any:
    """torch.adaptive_max_pool1d: always (values, indices), as torch's top-level one."""
    return _adaptive_max_pool1d(input, output_size, return_indices=True)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.dropout_: torch.dropout written into input; returns input."""
    return _dropouts.dropout(input, p, _flag("dropout_", "train", train), inplace=True)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.alpha_dropout_: torch.alpha_dropout written into input; returns input."""
    return _dropouts.alpha_dropout(input, p, _flag("alpha_dropout_", "train", train),
                                   inplace=True)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.feature_dropout_: torch.feature_dropout written into input; returns input."""
    return _dropouts.feature_dropout(input, p, _flag("feature_dropout_", "train", train),
                                     inplace=True)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.feature_alpha_dropout_: torch.feature_alpha_dropout written into input."""
    return _dropouts.feature_alpha_dropout(
        input, p, _flag("feature_alpha_dropout_", "train", train), inplace=True)


# torch.sin_(x) and the other top-level in-place functions: x.sin_() (the Tensor method, its
# rules, its edge rows); only the names torch has at top level
INPLACE_FUNCTIONS = (
    "abs_", "acos_", "acosh_", "arccos_", "arcsin_", "arctan_", "asin_", "asinh_", "atan_",
    "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "conj_physical_", "cos_",
    "cosh_", "deg2rad_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_",
    "frac_", "gcd_", "index_put_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_",
    "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "round_", "rsqrt_",
    "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_",
    "zero_",
)


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
    x = tensor_arg("batch_norm", input)
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
    elif not x.data.size and (running_mean is None or running_var is None):  # (torch's:
        mean, var = Tensor.zeros(c, dtype=x.dtype), Tensor.ones(c, dtype=x.dtype)  # empty)
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


def _inplace_function(name: str) -> Any:
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be a Tensor, got "
                            f"{type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}(input, ...): input.{name}(...), in place; returns input."
    return fn


globals().update({n: _inplace_function(n) for n in INPLACE_FUNCTIONS})

__all__ = OPS_ALL = [
    *INPLACE_FUNCTIONS, "trapz", "batch_norm",
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "alpha_dropout", "alpha_dropout_",
    "avg_pool1d", "bilinear",
    "binary_cross_entropy_with_logits", "celu_", "channel_shuffle", "conv1d", "conv2d",
    "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "cosine_embedding_loss", "ctc_loss", "dropout", "dropout_", "embedding",
    "feature_alpha_dropout", "feature_alpha_dropout_", "feature_dropout", "feature_dropout_",
    "group_norm", "hardshrink",
    "hinge_embedding_loss",
    "instance_norm", "kl_div", "layer_norm", "margin_ranking_loss", "max_pool1d",
    "max_pool1d_with_indices", "max_pool2d", "max_pool3d", "pdist", "pixel_shuffle",
    "pixel_unshuffle",
    "poisson_nll_loss", "relu_", "rms_norm", "rrelu", "rrelu_", "selu_", "threshold_",
    "triplet_margin_loss",
]  # tinygrad_dl.<name> for these too (tinygrad_dl/__init__.py); edge rows under F's keys
