"""The `Distribution` base class (PyTorch's torch.distributions.Distribution) and what the
distributions share: `broadcast_all` of their parameters, the `validate_args` checks, and the
random draws.

Two rules keep a jitted step that builds, samples or scores a distribution honest (a replay
runs the recorded ops, none of the step's Python):
- a check of a parameter or a value runs inside a `Tap` op, so each replay checks again;
- a draw happens inside a `Draw` op, so each replay draws afresh (as F.dropout's mask does),
  from the default generator (tinygrad_dl.random: `tg.manual_seed` seeds it), as torch's
  distributions draw from torch's global generator.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import functional as F
from ..engine import enable_grad
from ..ops import Draw, Tap
from ..ops.indexing import NUMPY_PRINT_DEFAULTS
from ..random import as_rng, below
from ..tensor import Tensor, as_tensor
from . import constraints
from .constraints import Constraint

__all__ = ["Distribution", "broadcast_all", "check", "computed", "draw", "lazy_property",
           "normal_draws", "shape_of", "uniform_draws"]


class lazy_property(functools.cached_property):
    """torch's lazy_property: a parameter computed from the other one at its first use, then
    kept; computed with grad enabled (as torch's), so a first use under no_grad (`with
    no_grad(): a = d.sample()`, Bernoulli.sample's own no_grad) does not keep a value cut
    from the graph: entropy() and log_prob() after it still reach the given parameter."""

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        with enable_grad():
            return super().__get__(instance, owner)


def shape_of(sample_shape: Any, who: str) -> tuple[int, ...]:
    """`sample_shape` as a tuple of non-negative ints (an int n is (n,), as NumPy's size=)."""
    if isinstance(sample_shape, (int, np.integer)) and not isinstance(sample_shape, bool):
        sample_shape = (sample_shape,)
    try:
        shape = tuple(sample_shape)
    except TypeError:
        shape = None
    if shape is None or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                and n >= 0 for n in shape):
        raise TypeError(f"{who}: sample_shape must be a tuple of non-negative ints, got "
                        f"{sample_shape!r}")
    return tuple(int(n) for n in shape)


def broadcast_all(*values: Any, names: tuple[str, ...] = (), who: str = "broadcast_all"
                  ) -> list[Tensor]:
    """torch.distributions.utils.broadcast_all: the values (Tensors, NumPy arrays, Python
    numbers) as float Tensors of one broadcast shape, on the graph. Numbers take the first float
    tensor's dtype (float64 when there is none); integer and bool arrays become float64."""
    ts: list[Tensor | None] = []
    for v in values:
        if isinstance(v, np.ndarray):
            v = Tensor(v)
        if isinstance(v, Tensor):
            ts.append(v if v.dtype.kind == "f" else v.astype(np.float64))
        elif isinstance(v, (int, float, np.number, bool, np.bool_)):
            ts.append(None)
        else:
            raise ValueError(f"{who}: parameters must be Tensors, NumPy arrays or numbers, "
                             f"got {type(v).__name__}")
    ref = next((t for t in ts if t is not None), None)
    ts = [t if t is not None else (as_tensor(float(v), ref) if ref is not None
                                   else Tensor(float(v))) for t, v in zip(ts, values)]
    try:
        shape = np.broadcast_shapes(*(t.shape for t in ts))
    except ValueError:
        what = ", ".join(f"{n} of shape {t.shape}" for n, t in zip(names or ("?",) * len(ts), ts))
        raise ValueError(f"{who}: the parameters do not broadcast together: {what}") from None
    return [t if t.shape == shape else t.broadcast_to(shape) for t in ts]


def _few(a: np.ndarray) -> str:
    """Up to six entries of `a`, on one line."""
    flat = a.reshape(-1)
    text = np.array2string(flat[:6], separator=", ", **{**NUMPY_PRINT_DEFAULTS, "precision": 8,
                           "threshold": 1000, "max_line_width": 10**6})
    return text[:-1] + ", ...]" if flat.size > 6 else text


@dataclass(frozen=True)
class _Satisfies:
    """A `Tap` check: `constraint` holds for every entry (or row) of the array, else one line:
    `what`, then the invalid values. Equal by value, so two recordings of a jitted step agree
    and each replay checks its own values."""

    what: str
    constraint: Constraint

    def __call__(self, a: np.ndarray) -> None:
        ok = np.asarray(self.constraint.check(a))
        if not ok.all():
            raise ValueError(f"{self.what}, but found invalid values: {_few(a[~ok])}")


@dataclass(frozen=True)
class _AllTrue:
    """A `Tap` check that a boolean array computed by ops is all True, else error(what)."""

    what: str
    error: type[Exception] = ValueError

    def __call__(self, a: np.ndarray) -> None:
        if not a.all():
            raise self.error(self.what)


def check(t: Tensor, constraint: Constraint | None, what: str,
          error: type[Exception] = ValueError) -> None:
    """Check `t` against `constraint` (None: `t` is a boolean tensor that must be all True,
    else `error` is raised) inside a Tap op, so a jitted step's replay checks again; raises
    ValueError for a constraint."""
    Tap.apply(t.detach(), fn=_AllTrue(what, error) if constraint is None else
              _Satisfies(what, constraint))


@dataclass(frozen=True)
class _Normal:
    """`Draw`'s sampler: standard normal draws of `shape` in the input's dtype."""

    gen: Any
    shape: tuple[int, ...]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.gen.standard_normal(self.shape).astype(x.dtype, copy=False)


@dataclass(frozen=True)
class _Uniform:
    """`Draw`'s sampler: uniform draws on [0, 1) of `shape` in the input's dtype."""

    gen: Any
    shape: tuple[int, ...]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return below(self.gen.random(self.shape), 1.0, 0.0, x.dtype)


def draw(x: Tensor, sampler: Any) -> Tensor:
    """`sampler(x's array)` inside a Draw op: a constant tensor, drawn afresh at each replay."""
    return Draw.apply(x.detach(), sample=sampler)


@dataclass(frozen=True)
class _Computed:
    """`Draw`'s function for a constant computed from values: `fn(*operands)`. Equal by value
    (fn a module-level function or a frozen dataclass), so two recordings of a step agree."""

    fn: Any

    def __call__(self, a: np.ndarray) -> np.ndarray:
        return self.fn(*a)


def computed(fn: Any, *ts: Tensor) -> Tensor:
    """`fn` of the arrays of `ts` (broadcast together, as floats) as a constant tensor (no
    gradient) made inside a Draw op. A comparison (`t < u`) or an argmax gives an array made
    by the step's Python, which a jitted step cannot replay: it ran eagerly, with a warning,
    at every call; an op is replayed, computing afresh from each call's values."""
    return draw(F.stack(broadcast_all(*ts)), _Computed(fn))


def normal_draws(like: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Standard normal draws of `shape` in `like`'s dtype, from the default generator."""
    return draw(like, _Normal(as_rng(None), shape))


def uniform_draws(like: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Uniform draws on [0, 1) of `shape` in `like`'s dtype, from the default generator."""
    return draw(like, _Uniform(as_rng(None), shape))


class Distribution:
    """PyTorch's torch.distributions.Distribution: `batch_shape` (independent, differently
    parametrized distributions), `event_shape` (one draw's shape), `sample` / `rsample`
    (sample_shape + batch_shape + event_shape), `log_prob`, `entropy`, `mean`, `variance`.

    With `validate_args` (the default, `Distribution.set_default_validate_args` changes it)
    parameters outside their constraints and values outside the support raise ValueError.
    """

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict[str, Constraint] = {}
    _validate_args = True  # torch's default (__debug__)

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn validation on or off for distributions made without validate_args=."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: value must be True or False, got "
                             f"{value!r}")
        Distribution._validate_args = bool(value)

    def __init__(self, batch_shape: Any = (), event_shape: Any = (),
                 validate_args: bool | None = None) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is not None:
            self._validate_args = bool(validate_args)
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(getattr(type(self), param, None),
                                                             (functools.cached_property, property)):
                    continue  # the parameter not given, computed from the other: not checked
                self._check_param(param, getattr(self, param), constraint)

    def _check_param(self, param: str, value: Tensor, constraint: Constraint) -> None:
        check(value, constraint, f"{type(self).__name__}: expected parameter {param} (Tensor "
              f"of shape {value.shape}) to satisfy the constraint {constraint!r}")

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self._event_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """torch's expand: a distribution of the same family with its parameters broadcast to
        `batch_shape` (on the graph: values and gradients reach the same parameters)."""
        name = type(self).__name__
        new_batch = shape_of(batch_shape, f"{name}.expand")
        old = self._batch_shape
        try:
            fits = np.broadcast_shapes(old, new_batch) == new_batch
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"{name}.expand: batch_shape {old} cannot be expanded to "
                             f"{new_batch}")
        new = object.__new__(type(self))
        moved: dict[int, Tensor] = {}
        k = len(old)
        for attr, v in self.__dict__.items():
            # a parameter holds batch_shape + its own event dims; a private unbroadcast value
            # (MultivariateNormal's scale_tril) is kept, broadcasting as it did
            if isinstance(v, Tensor) and not attr.startswith("_") and v.shape[:k] == old:
                moved[id(v)] = v.broadcast_to(new_batch + v.shape[k:])
        for attr, v in self.__dict__.items():
            if isinstance(v, Distribution) and v.batch_shape[:k] == old:
                v = v.expand(new_batch + v.batch_shape[k:])
            new.__dict__[attr] = moved.get(id(v), v) if isinstance(v, Tensor) else v
        new._batch_shape = new_batch
        return new

    @property
    def support(self) -> Constraint:
        raise NotImplementedError(f"{type(self).__name__} does not define support")

    def _extended_shape(self, sample_shape: Any = ()) -> tuple[int, ...]:
        who = f"{type(self).__name__}.sample"
        return shape_of(sample_shape, who) + self._batch_shape + self._event_shape

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draws of shape sample_shape + batch_shape + event_shape, off the graph."""
        return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Reparameterized draws: differentiable in the parameters."""
        raise NotImplementedError(f"{type(self).__name__} has no rsample: its draws are not "
                                  "differentiable in its parameters; use sample() (and "
                                  "log_prob for a score-function gradient)")

    def log_prob(self, value: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement "
                                  "enumerate_support")

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def _validate_sample(self, value: Any, support: Constraint | None = None) -> Tensor:
        """`value` as a tensor (Tensors, arrays and numbers are taken), its shape checked
        against batch_shape + event_shape and, with validate_args, its values against the
        support (inside a Tap op: a jitted step checks each replayed value), or against
        `support` where a method takes other values (LogNormal.cdf takes 0)."""
        name = type(self).__name__
        if not isinstance(value, Tensor):
            if not isinstance(value, (np.ndarray, int, float, np.number, bool, np.bool_)):
                raise ValueError(f"{name}: the value must be a Tensor, got "
                                 f"{type(value).__name__}")
            value = Tensor(value)
        if not self._validate_args:
            return value
        shape, event = value.shape, self._event_shape
        if shape[len(shape) - len(event):] != event:
            raise ValueError(f"{name}: the right-most size of value must match event_shape: "
                             f"{shape} vs {event}")
        expected = self._batch_shape + event
        if any(i != 1 and j != 1 and i != j for i, j in zip(reversed(shape), reversed(expected))):
            raise ValueError(f"{name}: value of shape {shape} is not broadcastable with "
                             f"batch_shape+event_shape {expected}")
        if support is None:
            self._check_support(value)
        else:
            Distribution._check_support(self, value, support)
        return value

    def _check_support(self, value: Tensor, support: Constraint | None = None) -> None:
        support = self.support if support is None else support
        check(value, support, f"{type(self).__name__}: expected value (Tensor of shape "
              f"{value.shape}) to be within the support ({support!r})")

    def __repr__(self) -> str:
        shown = []
        for k in self.arg_constraints:
            t = self.__dict__.get(k)
            if isinstance(t, Tensor):  # torch's: the value of a one-entry tensor, else the shape
                shown.append(f"{k}: {t.data.reshape(-1)[0] if t.data.size == 1 else t.shape}")
        return f"{type(self).__name__}({', '.join(shown)})"


class LocCentered(Distribution):
    """A distribution whose mean and mode are its `loc` (Normal, Laplace, the multivariate
    normals): one home for the two properties."""

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc
