"""BatchNorm1d, the course's batch normalization layer, with PyTorch's options (BatchNorm2d
and BatchNorm3d, in normalization.py and volumetric.py, are it over the pixels of a channel).

The course's conventions stay where they differ from PyTorch's (the docstring says which);
PyTorch's switches work as its: `affine=False` (no gamma and beta: ones and zeros, not
learned, not saved), `bias=False` (no beta), `track_running_stats=False` (no running
averages: the batch's statistics in evaluation too) and `momentum=None` (the running averages
are the plain mean over the batches seen so far).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import write_guard
from ..device import check_device
from ..functional import batch_norm
from ..grad import self_overlapping
from ..ops.spelling import torch_keywords
from ..tensor import Tensor, np_dtype
from .arg_checks import size_arg, weight_fits
from .layers import torch_alias
from .module import Module

_UNSET: Any = object()  # (a keyword not given: PyTorch's momentum=None means something)


class BatchNorm1d(Module):
    """Batch normalization over the rows, then scale and shift: gamma * x_hat + beta (torch's
    (N, C, L) input too: each channel over its N * L values).
    `weight` and `bias` are PyTorch's names for gamma and beta (a torch state dict loads).

    Training: x_hat = (x - mu) / sqrt(v + eps) with the batch mean mu and the biased batch
    variance v (as the course), and the running averages move as
    mu_av = alpha * mu_av + (1 - alpha) * mu (likewise v_av); the first training batch sets
    them directly. Evaluation: mu_av and v_av replace the batch statistics.
    (alpha is the weight on the OLD average: PyTorch's momentum is 1 - alpha, and
    `momentum=0.1` is taken as alpha = 0.9; `momentum=None`, PyTorch's cumulative average,
    weighs the k-th batch 1/k: alpha = 1 - 1/k.)
    Unlike PyTorch (deliberately, the course's formulas): the running variance averages the
    biased batch variance (PyTorch's the unbiased one), the first batch sets the averages
    (PyTorch's start at 0 and 1), and eps defaults to 1e-8 (PyTorch's 1e-5).
    As PyTorch's: affine=False has no gamma and beta (None; ones and zeros are used), bias=False
    no beta, and track_running_stats=False no running averages (None), the batch's
    statistics then being used in evaluation too.
    """

    @torch_keywords(num_features="d")
    def __init__(
        self, d: int, *positional: Any, alpha: float | None = None, eps: float = 1e-8,
        dtype: Any = np.float64, device: Any = None, momentum: Any = _UNSET,
        affine: bool = True, track_running_stats: bool = True, bias: bool = True,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        if positional:  # BatchNorm1d(3, 1e-5, 0.1): PyTorch's (eps, momentum) would be read
            raise TypeError(f"{who}({d}, {', '.join(map(repr, positional))}): pass alpha= "
                            "and eps= by name (PyTorch's positional order is eps, momentum; "
                            "alpha here is 1 - momentum)")
        for name, flag in (("affine", affine), ("track_running_stats", track_running_stats),
                           ("bias", bias)):
            if not isinstance(flag, (bool, np.bool_)):  # ("False" or 0.5: truthy)
                raise TypeError(f"{who}: {name} must be True or False, got {flag!r}")
        cumulative = False
        if momentum is not _UNSET:  # PyTorch's name: the weight of the NEW batch's statistics
            if alpha is not None:
                raise TypeError(f"{who}(momentum={momentum!r}, alpha={alpha!r}): alpha and "
                                "momentum name one weight (alpha = 1 - momentum); pass one")
            cumulative = momentum is None
            alpha = None if cumulative else 1.0 - float(momentum)
        check_device(device, who)
        dtype = np_dtype(dtype, who)  # torch.float32 too, as the casts take it
        d = size_arg(who, "num_features", d)
        weight_fits(who, (4, d), dtype)  # (gamma, beta and the two running statistics)
        if not cumulative:
            alpha = 0.9 if alpha is None else alpha
            # (torch's momentum=0, alpha 1: the averages the first batch (or a load) set stay)
            if not (0.0 <= alpha < 1.0 or (alpha == 1.0 and momentum is not _UNSET)):
                raise ValueError(f"{who}: alpha must be in [0, 1), got {alpha}" + (
                    "" if momentum is _UNSET else
                    f" (1 - momentum={momentum!r}: momentum in [0, 1])"))
        self.d, self.alpha, self.eps = d, alpha, eps  # alpha None: the cumulative average
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        # (None registered, as torch's: a plain tensor assigned later is refused)
        self.register_parameter("gamma", Tensor(np.ones(d, dtype=dtype), requires_grad=True)
                                if affine else None)
        self.register_parameter("beta", Tensor(np.zeros(d, dtype=dtype), requires_grad=True)
                                if affine and bias else None)
        track = track_running_stats  # (else None buffers, torch's: nothing saved, until set)
        self.register_buffer("running_mean", np.zeros(d, dtype=dtype) if track else None)
        self.register_buffer("running_var", np.ones(d, dtype=dtype) if track else None)
        self.register_buffer("num_batches_tracked",
                             np.zeros((), dtype=np.int64) if track else None)

    num_features = property(lambda self: self.d, doc="PyTorch's name for d")

    @property
    def momentum(self) -> float | None:
        """PyTorch's momentum, 1 - alpha (None: the cumulative average)."""
        return None if self.alpha is None else float(f"{1.0 - self.alpha:.15g}")

    @momentum.setter
    def momentum(self, value: float | None) -> None:
        self.alpha = None if value is None else 1.0 - float(value)

    def update_running_stats(self, mu: np.ndarray, var: np.ndarray) -> None:
        """mu_av = alpha mu_av + (1 - alpha) mu, in place (the first batch sets them)."""
        rm, rv, count = self.running_mean, self.running_var, self.num_batches_tracked
        if count == 0:
            rm[...] = mu
            rv[...] = var
        else:
            a = self.alpha
            if a is None:  # momentum=None: the k-th batch weighs 1/k (torch's 1 / count)
                a = 1.0 - 1.0 / (int(count) + 1)
            if rm.dtype.itemsize == 2:  # float16 buffers, float32 statistics (the op's): in
                # float32, rounded once (torch's; rm *= a rounded twice: an ulp a batch off)
                rm[...] = a * rm.astype(np.float32) + (1.0 - a) * mu
                rv[...] = a * rv.astype(np.float32) + (1.0 - a) * var
                count += 1
                return
            rm *= a
            rm += (1.0 - a) * mu
            rv *= a
            rv += (1.0 - a) * var
        count += 1  # 0-d array, in place

    def legacy_count(self) -> np.ndarray:
        """The num_batches_tracked that a state dict saved without one (torch before 0.4.1)
        loads as: torch's keeps the layer's own count; at least 1 here with a momentum, so
        that the next training batch averages into the loaded statistics as torch's does
        instead of replacing them (the course's first batch sets them). momentum=None keeps
        the layer's own, as torch's: its count 0 replaces them with the next batch too."""
        own = int(self.num_batches_tracked)
        return np.asarray(own if self.alpha is None else max(own, 1), dtype=np.int64)

    def reset_running_stats(self) -> None:
        """PyTorch's: running mean 0, variance 1, no batch counted (in place, as its)."""
        if self.running_mean is None:
            return
        for name, value in (("running_mean", 0), ("running_var", 1),
                            ("num_batches_tracked", 0)):
            a = getattr(self, name)
            if a.flags.writeable:
                a[...] = value
            else:  # read-only: a live graph saved it for its backward, which must see the old
                self.register_buffer(name, np.full_like(a, value))  # values: a new array

    def reset_parameters(self) -> None:
        """PyTorch's: the running statistics reset, gamma ones and beta zeros (new arrays: a
        live graph that saved the old ones keeps them)."""
        self.reset_running_stats()
        for t, fill in ((self.gamma, np.ones_like), (self.beta, np.zeros_like)):
            if t is not None:
                t.data = fill(t.data)

    def forward(self, x: Tensor) -> Tensor:
        xs = x.data.shape if type(x) is Tensor else x.shape  # (.data: once per step)
        if len(xs) != 2 or xs[1] != self.d:
            if len(xs) == 3 and xs[1] == self.d:  # (torch's (N, C, L))
                return self._forward_ncl(x)
            raise ValueError(f"BatchNorm1d({self.d}): expected input (n, {self.d}) or (n, "
                             f"{self.d}, L), got {tuple(x.shape)}")
        if self.eps <= 0 and (self.training or self.eps < 0 or self.running_mean is None):
            # (torch's F.batch_norm's: the batch's statistics, eval() without running ones too)
            raise ValueError(f"{type(self).__name__}: eps must be positive during training "
                             f"(or evaluation without running statistics) and non-negative in "
                             f"evaluation, got {self.eps}")
        gamma, beta = self.gamma, self.beta
        if gamma is None or beta is None:  # affine=False, bias=False: constants, not learned
            like = gamma if gamma is not None else x if isinstance(x, Tensor) else Tensor(x)
            dt = like.data.dtype if like.data.dtype.kind == "f" else np.float64
            gamma = Tensor.ones(self.d, dtype=dt) if gamma is None else gamma
            beta = Tensor.zeros(self.d, dtype=dt) if beta is None else beta
        # one fused op (tinygrad_dl.ops.fused), not ~9 generic ones: same values and
        # gradients, a third of the cost per layer
        if self.training:  # the op computes the batch statistics and hands them to us
            track = self.track_running_stats and self.running_mean is not None
            if track and (0 in self.running_mean.strides or 0 in self.running_var.strides):
                check_running(type(self).__name__, self, ("running_mean", "running_var"))
            return batch_norm(x, gamma, beta, self.eps,
                              on_stats=self.update_running_stats if track else None)
        if self.running_mean is None:  # track_running_stats=False: the batch's, as torch's
            return batch_norm(x, gamma, beta, self.eps)
        return batch_norm(x, gamma, beta, self.eps, training=False,
                          mean=self.running_mean, var=self.running_var)

    def _forward_ncl(self, x: Any) -> Tensor:
        """torch's (N, C, L) input: the N * L positions of each channel as rows, as
        BatchNorm2d's pixels (contiguous out, as torch's)."""
        x = x if isinstance(x, Tensor) else Tensor(x)
        n, c, length = x.shape
        if (self.training or self.running_mean is None) and n * length == 1:
            # (torch's words, the input's shape: the op's would name a row; evaluation
            # without running statistics uses the batch's, as training: torch raises too)
            raise ValueError(f"BatchNorm1d({self.d}): expected more than 1 value per channel "
                             f"in training mode, got input of shape {tuple(x.shape)}")
        rows = x.permute(0, 2, 1).reshape(n * length, c)
        # (BatchNorm1d's own forward, not self.forward: a subclass's forward that calls
        # super().forward(x) would run twice, as BatchNorm2d's super().forward(rows))
        out = BatchNorm1d.forward(self, rows)
        return out.reshape(n, length, c).permute(0, 2, 1).contiguous()

    torch_names = {"gamma": "weight", "beta": "bias"}
    weight = torch_alias("gamma")
    bias = torch_alias("beta")

    def extra_repr(self) -> str:
        flags = "".join(f", {k}=False" for k, v in (
            ("affine", self.affine), ("bias", not self.affine or self.beta is not None),
            ("track_running_stats", self.track_running_stats)) if not v)
        return f"{self.d}, alpha={self.alpha}, eps={self.eps}{flags}"


def check_running(who: str, module: Module, names: tuple[str, ...]) -> None:
    """Refuse running statistics (buffers `names` of `module`) that a training forward would
    update in place while one is a broadcast view (`bn.running_mean = np.broadcast_to(...)`):
    every channel silently took the last channel's value."""
    for name in names:
        a = getattr(module, name)
        if self_overlapping(a):
            raise write_guard.broadcast_error(f"{who} (training)", f"buffer {name!r}", a,
                                              f"give it its own array, m.{name} = "
                                              f"m.{name}.copy()")
