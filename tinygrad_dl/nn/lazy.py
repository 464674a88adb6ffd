"""PyTorch's nn.LazyLinear: a Linear whose in_features is read off the first input. Until that
call it has no parameters to list or save, and reading them (parameters(), state_dict(), an
optimizer, a parent's state_dict) is refused in one line rather than silently leaving the layer
out; the first call draws W and b as Linear does and makes the module a Linear (torch's
`cls_to_become`). A load_state_dict (its own or a parent's) sizes it off the saved weight.

The lazy layers beyond LazyLinear: LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d,
LazyBatchNorm1d/2d/3d and LazyInstanceNorm1d/2d/3d. Each takes its layer's arguments without
the input channels, which the first call reads off the input (or load_state_dict, its own or a
parent's, off the saved weight); it then builds the layer as `target(channels, *args,
**kwargs)` would and becomes it (torch's `cls_to_become`), keeping its training flag and hooks.
Until then it has no parameters to list or save, and reading them is refused in one line (as
LazyLinear's)."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..device import check_device
from ..tensor import Tensor, np_dtype
from .arg_checks import size_arg
from .batchnorm import BatchNorm1d
from .conv1d import Conv1d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d
from .layers import Conv2d, Linear, init_weights, remember_init
from .module import Module
from .normalization import BatchNorm2d, InstanceNorm1d, InstanceNorm2d
from .volumetric import BatchNorm3d, Conv3d, ConvTranspose3d, InstanceNorm3d


class NotMaterialized(dict):
    """A LazyLinear's parameter registry before its first call: listing it raises (so nothing
    that walks parameters leaves the layer out without a word); assignment works."""

    def refuse(self, *_: Any) -> Any:
        raise RuntimeError("LazyLinear: in_features is inferred at the first call and the "
                           "parameters do not exist yet; run one forward pass first (or "
                           "load_state_dict on the LazyLinear itself)")

    items = values = keys = __iter__ = __len__ = refuse

    def __reduce__(self) -> Any:  # (empty until the first call: copy and pickle make another)
        return (NotMaterialized, ())


class LazyLinear(Linear):
    """`LazyLinear(out_features, bias=True, device=None, dtype=None)`: Linear with
    in_features taken from the last axis of the first input (then it is an nn.Linear, as
    torch's); `init`, `std` and `rng` as Linear's."""

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None, *, init: str = "pytorch", std: float = 0.01,
                 rng: Any = None) -> None:
        Module.__init__(self)
        check_device(device, "LazyLinear")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"LazyLinear: bias must be True or False, got {bias!r}")
        self.__dict__["_parameters"] = NotMaterialized()
        self.d_in, self.d_out = 0, size_arg("LazyLinear", "out_features", out_features)
        self.init, self.std, self.rng, self.bias_on = init, std, rng, bool(bias)
        self.dtype_ = np.float64 if dtype is None else np_dtype(dtype, "LazyLinear")
        self.__dict__["lazy_keys"] = ("W", "b") if bias else ("W",)  # (its state's, once sized)
        init_weights(init, (self.d_out, 1), 1, std, np.random.default_rng(0), self.dtype_,
                     False)  # (checks init= now, on a throwaway generator)

    def materialize(self, d_in: int) -> None:
        """W (out_features, d_in) and b drawn as Linear's; the module becomes a Linear."""
        w, b = init_weights(self.init, (self.d_out, d_in), d_in, self.std, self.rng,
                            self.dtype_, self.bias_on)
        # (what Linear.reset_parameters draws from: without it, it raised on this layer)
        remember_init(self, self.init, d_in, self.std, self.rng)
        d = self.__dict__
        d["_parameters"] = {}
        for name in ("rng", "std", "bias_on", "dtype_", "lazy_keys"):
            d.pop(name, None)
        object.__setattr__(self, "__class__", Linear)  # (Module.__setattr__ would store it)
        d["_scope"] = "Linear"
        self.d_in = d_in
        self.W = Tensor(w, requires_grad=True)
        self.register_parameter("b", None if b is None else Tensor(b, requires_grad=True))

    def reset_parameters(self) -> None:
        """torch's: nothing to draw before the first input sets in_features (it raised)."""

    def forward(self, x: Tensor) -> Tensor:
        shape = np.shape(x.data if isinstance(x, Tensor) else x)
        if len(shape) == 0:
            raise ValueError("LazyLinear: a 0-d input has no features to infer in_features from")
        self.materialize(int(shape[-1]))
        return Linear.forward(self, x if isinstance(x, Tensor) else Tensor(x))

    def materialize_from(self, state: dict[str, Any]) -> None:
        """Sized from a state dict's 2-D weight (its own keys), if it holds one
        (load_state_dict, its own or a parent's, calls this: torch's lazy load hook)."""
        key = "weight" if "weight" in state else "W"
        if key in state:
            if np.ndim(state[key]) != 2:  # (it raised "run one forward pass first")
                raise ValueError(f"LazyLinear.load_state_dict: {key!r} has shape "
                                 f"{np.shape(state[key])}; expected 2 axes")
            self.materialize(int(np.shape(state[key])[1]))

    def extra_repr(self) -> str:
        return f"in_features=0, out_features={self.d_out}, bias={self.bias_on}"


class Unsized(NotMaterialized):
    """A lazy layer's parameter registry before its first call: listing it raises."""

    def __init__(self, who: str = "") -> None:
        super().__init__()
        self.who = who

    def refuse(self, *_: Any) -> Any:
        raise RuntimeError(f"{self.who}: the input's channels are inferred at the first call "
                           "and the parameters do not exist yet; run one forward pass first (or "
                           f"load_state_dict on the {self.who} itself)")

    items = values = keys = __iter__ = __len__ = refuse

    def __reduce__(self) -> Any:
        return (Unsized, (self.who,))


class _Lazy(Module):
    """target(channels, *args, **kwargs) once the channels are known; `spatial`: how many
    axes follow the channels (None: the channels are the input's axis 1, BatchNorm's)."""

    target: Any = Module
    spatial: int | None = None
    channels_of = "in_channels"  # the target's first argument, for the messages
    sized = ("d", "num_features", "c_in", "in_channels")  # the targets' names of the channels

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        Module.__init__(self)
        who = type(self).__name__
        d = self.__dict__
        d["_parameters"] = Unsized(who)
        d["lazy_args"] = (args, kwargs)
        try:  # the arguments checked now, on a throwaway layer (its own generator)
            bound = inspect.signature(self.target).bind(1, *args, **kwargs).arguments
        except TypeError as e:
            raise TypeError(f"{who}: {e}") from None
        groups = bound.get("groups", 1)
        extra = {"rng": np.random.default_rng(0)} if "rng" in inspect.signature(
            self.target).parameters else {}
        probe = self.target(groups if isinstance(groups, (int, np.integer)) and groups > 0
                            else 1, *args, **{**kwargs, **extra})
        d["lazy_repr"] = "0," + probe.extra_repr().partition(",")[2]  # torch's: 0 channels
        d["lazy_keys"] = tuple(probe.state_dict())  # (its state's names, once sized)

    def materialize(self, channels: int) -> None:
        """Build the layer for `channels` input channels and become it."""
        args, kwargs = self.__dict__["lazy_args"]
        real = self.target(channels, *args, **kwargs)
        old = self.__dict__
        # what the user set before this call (`lazy.eps = 1e-3`, `lazy.momentum = None`, a
        # parameter, buffer or module registered): set again on the layer, as torch's keeps
        # them (the constructor's values silently won, a buffer was no longer saved), but
        # the channels, which this call sets (torch's); on `real` first, so that a refusal
        # leaves this layer lazy
        own = {k: v for k, v in old.items() if not k.startswith(("_", "lazy_"))
               and k not in ("training", *self.sized)}
        for k, v in own.items():
            _set_again(real, self, k, v)
        new = dict(real.__dict__)
        for k, v in old.items():  # (hooks stay)
            if k not in new and k not in self.sized and not k.startswith("lazy_"):
                new[k] = v
        new["training"] = old["training"]
        if old["_scope"] != type(self).__name__:  # the name a parent gave it ("features.0")
            new["_scope"] = old["_scope"]
        new["_version"] = old["_version"] + new["_version"] + 1  # (only ever up: jit's guard)
        old.clear()
        old.update(new)
        object.__setattr__(self, "__class__", type(real))  # (Module.__setattr__ would store it)

    def forward(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        # (the rest goes to the layer's forward: ConvTranspose's output_size on a first call)
        shape = np.shape(x.data if hasattr(x, "data") else x)
        k = self.spatial
        ranks = (2,) if k is None else (k + 1, k + 2)
        if len(shape) not in ranks and not (k is None and len(shape) > 2):
            raise ValueError(f"{type(self).__name__}: expected an input of "
                             f"{' or '.join(map(str, ranks))} dims to infer "
                             f"{self.channels_of} from, got {tuple(shape)}")
        self.materialize(int(shape[1] if k is None else shape[-k - 1]))
        return type(self).forward(self, x, *args, **kwargs)  # (the layer's; hooks ran)

    def materialize_from(self, state: dict[str, Any]) -> None:
        """Sized from a state dict's weight or running_mean (its own keys), if it holds one
        (load_state_dict, its own or a parent's, calls this: torch's lazy load hook)."""
        for key in ("weight", "W", "running_mean", "gamma"):
            if key in state:
                # (a conv's weight has 2 + spatial axes: another shape would size it wrongly)
                want = 1 if self.channels_of != "in_channels" else 2 + int(self.spatial or 0)
                if np.ndim(state[key]) != want:
                    raise ValueError(f"{type(self).__name__}.load_state_dict: {key!r} has "
                                     f"shape {np.shape(state[key])}; expected {want} axes")
                self.materialize(self.channels_in(np.shape(state[key])))
                break

    def channels_in(self, weight_shape: tuple[int, ...]) -> int:
        return int(weight_shape[0])

    def extra_repr(self) -> str:
        return self.__dict__["lazy_repr"]


def _set_again(real: Module, lazy: Module, k: str, v: Any) -> None:
    """`lazy.k = v`, set before the first call, set on `real`, the layer it becomes: a
    registered buffer (persistent or not), an empty parameter or module stay registered."""
    d = lazy.__dict__
    try:
        if k in d["_buffers"]:
            real.register_buffer(k, v, k not in d["_non_persistent"])
        elif v is None and k in d["_parameters"]:
            real.register_parameter(k, None)
        elif v is None and k in d["_modules"]:
            real.add_module(k, None)
        else:
            setattr(real, k, v)
    except (AttributeError, KeyError, TypeError) as e:  # (a read-only property, a name taken)
        why = e.args[0] if e.args else e
        raise (AttributeError if isinstance(e, AttributeError) else TypeError)(
            f"{type(lazy).__name__}: {k!r}, set before the first call, cannot be set on the "
            f"{type(real).__name__} it becomes ({why}); pass it to {type(lazy).__name__}(...) "
            "or del it first") from None


class _LazyConv(_Lazy):
    def channels_in(self, weight_shape: tuple[int, ...]) -> int:
        args, kwargs = self.__dict__["lazy_args"]
        groups = inspect.signature(self.target).bind(1, *args, **kwargs).arguments.get(
            "groups", 1)
        return int(weight_shape[1]) * int(groups)


def _lazy(name: str, base: Any, target: Any, spatial: int | None, doc: str,
          channels: str = "in_channels") -> Any:
    return type(name, (base,), {"target": target, "spatial": spatial, "__doc__": doc,
                                "channels_of": channels, "__module__": __name__})


_CONV = ("`{0}(out_channels, kernel_size, ...)`: {1} with in_channels read off the first "
         "input (dim 1, or 0 unbatched); {1}'s arguments and defaults otherwise.")
_NORM = ("`{0}(...)`: {1} with num_features read off the first input's channels; {1}'s "
         "arguments and defaults otherwise{2}.")
_IN = (", except affine=True and track_running_stats=True by default, as torch's "
       "LazyInstanceNorm")

LazyConv1d = _lazy("LazyConv1d", _LazyConv, Conv1d, 1, _CONV.format("LazyConv1d", "Conv1d"))
LazyConv2d = _lazy("LazyConv2d", _LazyConv, Conv2d, 2, _CONV.format("LazyConv2d", "Conv2d"))
LazyConv3d = _lazy("LazyConv3d", _LazyConv, Conv3d, 3, _CONV.format("LazyConv3d", "Conv3d"))
LazyConvTranspose1d = _lazy("LazyConvTranspose1d", _Lazy, ConvTranspose1d, 1,
                            _CONV.format("LazyConvTranspose1d", "ConvTranspose1d"))
LazyConvTranspose2d = _lazy("LazyConvTranspose2d", _Lazy, ConvTranspose2d, 2,
                            _CONV.format("LazyConvTranspose2d", "ConvTranspose2d"))
LazyConvTranspose3d = _lazy("LazyConvTranspose3d", _Lazy, ConvTranspose3d, 3,
                            _CONV.format("LazyConvTranspose3d", "ConvTranspose3d"))
LazyBatchNorm1d = _lazy("LazyBatchNorm1d", _Lazy, BatchNorm1d, None,
                        _NORM.format("LazyBatchNorm1d", "BatchNorm1d", ""), "num_features")
LazyBatchNorm2d = _lazy("LazyBatchNorm2d", _Lazy, BatchNorm2d, None,
                        _NORM.format("LazyBatchNorm2d", "BatchNorm2d", ""), "num_features")
LazyBatchNorm3d = _lazy("LazyBatchNorm3d", _Lazy, BatchNorm3d, None,
                        _NORM.format("LazyBatchNorm3d", "BatchNorm3d", ""), "num_features")


class _LazyInstanceNorm(_Lazy):
    channels_of = "num_features"

    def __init__(self, eps: float = 1e-5, momentum: Any = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None,
                 *, bias: bool = True) -> None:
        super().__init__(eps, momentum, affine, track_running_stats, device, dtype, bias=bias)


LazyInstanceNorm1d = _lazy("LazyInstanceNorm1d", _LazyInstanceNorm, InstanceNorm1d, 1,
                           _NORM.format("LazyInstanceNorm1d", "InstanceNorm1d", _IN),
                           "num_features")
LazyInstanceNorm2d = _lazy("LazyInstanceNorm2d", _LazyInstanceNorm, InstanceNorm2d, 2,
                           _NORM.format("LazyInstanceNorm2d", "InstanceNorm2d", _IN),
                           "num_features")
LazyInstanceNorm3d = _lazy("LazyInstanceNorm3d", _LazyInstanceNorm, InstanceNorm3d, 3,
                           _NORM.format("LazyInstanceNorm3d", "InstanceNorm3d", _IN),
                           "num_features")
