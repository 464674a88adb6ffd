"""The layers with PyTorch's conventions: Linear, ReLU, Sequential, CrossEntropyLoss, Conv2d,
MaxPool2d, AvgPool2d, Flatten, Unflatten, and the weight inits they share. Rows are samples:
a Linear maps X (n, d_in) to X W^T + b, W (d_out, d_in): PyTorch's layout, the course's W."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import engine, write_guard
from ..device import check_device
from ..functional import avg_pool2d, conv2d, cross_entropy, max_pool2d, pad, pair_of_ints, relu
from ..functional.avg_pool_modes import divisor_override_arg
from ..functional.conv import conv2d_padding
from ..functional.losses import ignore_index_arg, label_smoothing_arg, weight_or_reduction
from ..functional.methods import as_tensor_of
from ..ops import Linear as LinearOp
from ..random import as_rng, normal, uniform
from ..tensor import Tensor, np_dtype
from . import init as nn_init
from .arg_checks import (
    channel_groups,
    inplace_arg,
    mode_padding_arg,
    padding_mode_arg,
    redraw_fan_in,
    size_arg,
    weight_fits,
)
from .module import Module
from .sequence_ops import SequenceOperators, names_kept

INITS = ("pytorch", "he", "xavier", "gaussian")
REDUCTIONS = ("mean", "sum", "none")


def init_std(init: str, d_in: int, std: float = 0.01) -> float:
    """The standard deviation of a Gaussian weight init: He sqrt(2/d_in) (ReLU nets), Xavier
    sqrt(1/d_in) (the course's 1/sqrt(d_in)), or a fixed Gaussian `std`."""
    if init == "he":
        return float(np.sqrt(2.0 / d_in))
    if init == "xavier":
        return float(np.sqrt(1.0 / d_in))
    if init == "gaussian":
        if not 0 <= float(std) < np.inf:  # (NaN / inf drew NaN / inf weights, no word)
            raise ValueError(f"init 'gaussian': std must be a finite number >= 0, got {std}")
        return float(std)
    raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")


def init_weights(init: str, shape: tuple[int, ...], fan_in: int, std: float, rng: Any, dtype: Any,
                 bias: bool, who: str = "init", transposed: bool = True) -> tuple[Any, Any]:
    """(weight, bias) of a layer (`who`, named where the weight would not fit in memory).
    "pytorch" (PyTorch's default): both ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), weight drawn
    first; the Gaussian inits: weight ~ N(0, std^2) (init_std), bias 0. Drawn from `rng`, or
    the default generator (tinygrad_dl.random) when None."""
    weight_fits(who, shape, dtype, shape[0] if bias else 0)
    n_out = shape[0]
    if init == "pytorch":
        bound = 1.0 / np.sqrt(fan_in) if fan_in > 0 else 0.0
        w = uniform(shape, -bound, bound, dtype, rng, "init")
        return w, (uniform((n_out,), -bound, bound, dtype, rng, "init") if bias else None)
    # a layer with no inputs has an empty weight (nothing to draw): any std will do, and
    # He's and Xavier's 1/fan_in would raise ZeroDivisionError
    s = init_std(init, max(fan_in, 1), std)
    # drawn as (in, out) and transposed: a seed gives the same weights as when W was (in, out)
    w = (normal(shape[::-1], np.float64, rng, "init").T if transposed  # (Conv2d: W's order)
         else normal(shape, np.float64, rng, "init")) * s
    return np.ascontiguousarray(w, dtype=dtype), (np.zeros(n_out, dtype=dtype) if bias else None)


def torch_alias(ours: str) -> property:
    """PyTorch's name for one of the course's parameters (Linear.weight is W): a property, not
    an attribute, because the Module registry would list a second name per tensor. `del
    lin.weight` (torch's way to unregister one; it raised "property has no deleter") deletes W."""
    return property(lambda self: getattr(self, ours), lambda self, v: setattr(self, ours, v),
                    lambda self: delattr(self, ours),
                    doc=f"PyTorch's name for {ours} (the same Tensor)")


class Redraw:
    """torch's `reset_parameters()`: `weight` and `bias` drawn again, in place, from the init
    the layer was built with (`remember_init` keeps init, std and rng; the fan-in is the weight's
    now, as torch's): a model re-initialised between runs does not keep its trained weights."""

    _draw_transposed = True  # (Conv2d draws its Gaussian weight in W's own order)
    _fan_in_dims: int | None = None  # torch's fan-in: the weight's dims 1: (Bilinear: dim 1)

    def reset_parameters(self) -> None:
        if "_init_draw" not in self.__dict__:  # (unpickled from before it was recorded)
            raise AttributeError(f"{type(self).__name__}.reset_parameters: this layer holds no "
                                 "record of its init (saved by an older version); build it anew")
        init, _, std, rng = self.__dict__["_init_draw"]  # (not its fan-in as built: the weight's
        w, b = self.weight, self.bias  # type: ignore[attr-defined]  # now, replaced or not)
        fan_in = redraw_fan_in(type(self).__name__, w.data.shape, self._fan_in_dims)
        if init == "pytorch":
            bound = 1.0 / np.sqrt(fan_in) if fan_in > 0 else 0.0
            nn_init.uniform_(w, -bound, bound, rng)
            if b is not None:
                nn_init.uniform_(b, -bound, bound, rng)
            return
        # drawn as __init__ drew it (init_weights: as (in, out), transposed; Conv2d: in W's
        # order): after the same seed, the weights it was built with, as torch's gives
        shape = w.data.shape
        z = normal(shape[::-1] if self._draw_transposed else shape, np.float64, rng, "init")
        values = (z.T if self._draw_transposed else z) * init_std(init, max(fan_in, 1), std)
        who = f"{type(self).__name__}.reset_parameters()"
        engine.notify_write(who)  # (a write a jit replay would not redo)
        write_guard.writable(w, who)[...] = values
        if b is not None:
            nn_init.zeros_(b)


def remember_init(m: Module, init: str, fan_in: int, std: float, rng: Any) -> None:
    """What `Redraw.reset_parameters` draws from (not an attribute the registry scans)."""
    m.__dict__["_init_draw"] = (init, fan_in, std, rng)


class WeightBias:
    """PyTorch's `weight`/`bias` names for a layer's `W`/`b` (Linear, Conv2d); a torch state
    dict's "weight"/"bias" load into W/b."""

    torch_names = {"W": "weight", "b": "bias"}
    weight = torch_alias("W")
    bias = torch_alias("b")


class Linear(Redraw, WeightBias, Module):
    """y = x W^T + b for rows x: W (out_features, in_features), PyTorch's layout and the
    course's W (K x d); b (out_features,).

    PyTorch's signature, `Linear(in_features, out_features, bias=True, device=None,
    dtype=None)`, plus the course's keywords: `init` ("pytorch": U(+-1/sqrt(in)) for W and b,
    PyTorch's default; "he", "xavier", "gaussian": W ~ N(0, std^2), b = 0) and `rng` (else the
    default generator). `weight` and `bias` (PyTorch's names) are the very same Tensors as `W`
    and `b` (the course's names), not copies; parameters and state_dict list them once, as W
    and b. dtype defaults to float64, the package's default.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        init: str = "pytorch",
        std: float = 0.01,
        rng: Any = None,
    ) -> None:
        super().__init__()
        check_device(device, "Linear")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"Linear: bias must be True or False, got {bias!r} (the third "
                            "argument is bias, as in PyTorch; give init= by keyword)")
        dtype = np.float64 if dtype is None else np_dtype(dtype, "Linear")
        d_in = size_arg("Linear", "in_features", in_features)
        d_out = size_arg("Linear", "out_features", out_features)
        self.d_in, self.d_out, self.init = d_in, d_out, init
        w, b = init_weights(init, (d_out, d_in), d_in, std, rng, dtype, bool(bias), "Linear")
        remember_init(self, init, d_in, std, rng)
        self.W = Tensor(w, requires_grad=True)
        # (None registered, as torch's: a plain tensor assigned later is refused)
        self.register_parameter("b", None if b is None else Tensor(b, requires_grad=True))

    in_features = property(lambda self: self.d_in)
    out_features = property(lambda self: self.d_out)

    def forward(self, x: Tensor) -> Tensor:
        # one op (ops.fused.Linear): dW = G^T X comes out in W's own layout
        if self.b is None:
            return LinearOp.apply(x, self.W)
        return LinearOp.apply(x, self.W, self.b)

    def extra_repr(self) -> str:
        init = "" if self.init == "pytorch" else f", init={self.init!r}"
        return (f"in_features={self.d_in}, out_features={self.d_out}, "
                f"bias={self.b is not None}{init}")


class ReLU(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace_arg("ReLU", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return relu(x, inplace=True) if self.inplace else x.relu()

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sequential(SequenceOperators, Module):
    """Modules applied in order; the i-th is child "i", or, given one OrderedDict (PyTorch's
    named form, `Sequential(OrderedDict(fc=Linear(2, 3)))`), its keys name the children. Under
    a parent attribute "layers" the container opens no scope of its own: its children's scopes
    are "layers.0", "layers.1"...
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            named = list(modules[0].items())
        else:
            named = [(str(i), m) for i, m in enumerate(modules)]
        for key, m in named:
            # torch's add_module rules: `setattr(self, "forward", m)` would shadow the method
            if not isinstance(key, str) or not key or "." in key or hasattr(self, key):
                raise KeyError(f"Sequential: {key!r} cannot name a layer (a non-empty string "
                               "without '.' that is not a Module attribute)")
            self._check_layer(key, m)
            setattr(self, key, m)

    def _check_layer(self, key: str, m: Any) -> None:
        """Only Module instances: forward skipped anything else, so `Sequential(Linear(2, 3),
        F.relu)` ran without its relu and a list of layers ran nothing, without a word."""
        if isinstance(m, Module):
            return
        cls = type(self).__name__
        where = f"{cls}: argument {key}" if key.isdigit() else f"{cls}: entry {key!r}"
        if isinstance(m, type) and issubclass(m, Module):
            hint = f"the class {m.__name__}, not a layer: write {m.__name__}()"
        elif isinstance(m, (list, tuple)):
            hint = (f"a {type(m).__name__}: pass the layers as separate arguments, "
                    "Sequential(*layers)")
        elif isinstance(m, dict):
            hint = "a dict: give the named layers as an OrderedDict"
        elif callable(m):
            name = getattr(m, "__name__", type(m).__name__)
            layer = _module_named(name)
            hint = f"the function {name}, not a Module: " + (
                f"use its module form, nn.{layer}()" if layer else
                "use its module form (e.g. nn.ReLU() for F.relu) or a Module whose forward "
                "calls it")
        else:
            hint = f"{type(m).__name__} {m!r:.40}, not a Module"
        raise TypeError(f"{where} is {hint}")

    def _attach(self, name: str) -> None:
        self.__dict__["_scope"] = None
        self.__dict__["_prefix"] = f"{name}."
        for key, m in self._modules.items():
            if m is not None:  # (a child set to None keeps its name registered, as torch's)
                m._attach(f"{name}.{key}")

    # the registered children, in order: `add_module`, `seq[i] = m`, `del seq[i]` and `setattr`
    # change what forward runs (a separate list of layers kept the old ones running)
    def forward(self, x: Tensor) -> Tensor:
        for i, (key, m) in enumerate(self._modules.items()):
            if m is None:  # (`setattr(seq, "0", None)`, as torch allows: its call named no layer)
                name = key if key == str(i) else f"{key!r} (index {i})"
                raise TypeError(f"{type(self).__name__}: layer {name} is None (set by setattr "
                                "or add_module), not a Module to call: put a layer there "
                                f"(nn.Identity() to pass x on) or del seq[{i}]")
            x = m(x)
        return x

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):  # a Sequential of the same layer objects, names kept (torch)
            items = list(self._modules.items())[i]
            return names_kept([m for _, m in items], lambda: self._slice(items))
        return list(self._modules.values())[operator.index(i)]

    def _slice(self, items: list[tuple[str, Module]]) -> Sequential:
        return Sequential(OrderedDict(items))

    def __setitem__(self, i: int, module: Module) -> None:
        key = list(self._modules)[operator.index(i)]
        self._check_layer(key, module)
        setattr(self, key, module)

    def __delitem__(self, i: int | slice) -> None:
        keys = list(self._modules)
        for key in (keys[i] if isinstance(i, slice) else [keys[operator.index(i)]]):
            delattr(self, key)
        # renumber "0", "1", ... as torch does, so seq[i], state_dict keys and a later delete
        # agree; the attributes move with the registry (a module's children live in both)
        d = self.__dict__
        d["_version"] += 1
        layers = list(self._modules.items())
        self._modules.clear()
        for key, _ in layers:
            d.pop(key, None)
        prefix = d.get("_prefix", "")
        for j, (_, m) in enumerate(layers):
            self._modules[str(j)] = d[str(j)] = m
            if m is not None:
                m._attach(f"{prefix}{j}")

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    # torch's list methods of Sequential (ModuleList has its own; ModuleDict refuses them)
    def append(self, module: Module) -> Sequential:
        key = str(len(self))
        self._check_layer(key, module)
        setattr(self, key, module)
        return self

    def extend(self, modules: Any) -> Sequential:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        layers, index = list(self), operator.index(index)
        if not -len(layers) <= index <= len(layers):  # (list.insert's clamp appended it)
            raise IndexError(f"Sequential.insert: index {index} out of range for "
                             f"{len(layers)} layers")
        layers.insert(index, module)
        del self[:]
        return self.extend(layers)

    def pop(self, index: int = -1) -> Module:
        m = self[index]
        del self[index]
        return m

    def _joined(self, layers: list[Module], own: list[Module]) -> Sequential:
        # (torch's operators give a Sequential, a subclass's too)
        return names_kept(own, lambda: Sequential(*layers))



class CrossEntropyLoss(Module):
    """`F.cross_entropy` as a module, as in PyTorch: `CrossEntropyLoss()(logits, y)`.

    logits (n, K); y class indices (n,) or one-hot / soft rows (n, K); reduction "mean" (the
    course's 1/n sum), "sum" or "none". The course models' L2 term is not here: see optim.SGD.
    PyTorch's arguments too: weight (K,) per class (a buffer: state_dict's "weight", as
    torch's), ignore_index, label_smoothing. A str first argument is the reduction (the
    course's `CrossEntropyLoss("sum")`).
    """

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean", label_smoothing: float = 0.0
                 ) -> None:
        super().__init__()
        weight, reduction = class_weight_args("CrossEntropyLoss", weight, reduction,
                                              size_average, reduce)
        # checked now, by F.cross_entropy's rules (a bad one raised on the first batch)
        self.ignore_index = ignore_index_arg("CrossEntropyLoss", ignore_index)
        self.label_smoothing = label_smoothing_arg("CrossEntropyLoss", label_smoothing)
        self.reduction = reduction
        if weight is None:
            self.weight = None
        else:
            self.register_buffer("weight", weight)

    def forward(self, logits: Tensor, y: Any) -> Tensor:
        if self.weight is None and self.ignore_index == -100 and not self.label_smoothing:
            return cross_entropy(logits, y, reduction=self.reduction)  # (the course's call)
        return cross_entropy(logits, y, self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


def class_weight_args(layer: str, weight: Any, reduction: Any, size_average: Any, reduce: Any
                      ) -> tuple[np.ndarray | None, str]:
    """CrossEntropyLoss's and NLLLoss's first arguments by F.cross_entropy's rule (a str first
    is the reduction, anything else PyTorch's class weight, `weight_or_reduction`), the
    weight as an array (a buffer, the layer's own copy)."""
    weight, reduction = weight_or_reduction(layer, weight, reduction, size_average, reduce,
                                            "first")
    if not isinstance(reduction, str):  # `in REDUCTIONS` would ask a Tensor for bool()
        raise TypeError(f"{layer}: reduction must be one of {REDUCTIONS}, got "
                        f"{type(reduction).__name__}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{layer}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if weight is None:
        return None, reduction
    if isinstance(weight, Tensor):
        if weight.requires_grad:
            raise ValueError(f"{layer}: weight requires grad, but the loss is not "
                             "differentiable with respect to the class weights (as PyTorch); "
                             "pass weight.detach()")
        weight = weight.data
    w = np.array(weight)  # (a copy: the buffer is the layer's own, as torch's)
    if w.ndim != 1 or w.dtype.kind != "f":
        raise ValueError(f"{layer}: weight must be 1-D floats, one per class, got shape "
                         f"{w.shape} and dtype {w.dtype}")
    return w, reduction


# ---- convolutional layers (NCHW, as PyTorch) ---------------------------------------------------
class Conv2d(Redraw, WeightBias, Module):
    """y = conv2d(x, W, b, stride, padding, dilation, groups) for x (N, C_in, H, W), PyTorch's
    argument order: W (C_out, C_in / groups, KH, KW) ~ N(0, std^2) with std from `init` over
    the fan-in C_in / groups * KH * KW, b = 0. kernel_size, stride and dilation: an int or
    (rows, columns); padding as functional.conv2d. `weight` and `bias` are PyTorch's names for
    W and b (the same Tensors)."""

    _draw_transposed = False  # (its __init__ draws W in its own order)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        init: str = "he",
        std: float = 0.01,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
        device: Any = None,
    ) -> None:
        super().__init__()
        kh, kw = pair_of_ints("Conv2d: kernel_size", kernel_size)
        self.padding_mode = padding_mode_arg("Conv2d", padding_mode)
        mode_padding_arg("Conv2d", padding, padding_mode)
        # (other modes: F.pad's, then a conv without padding, as torch's; checked now)
        self.pads = None if padding_mode == "zeros" else conv2d_padding(
            "Conv2d", padding, pair_of_ints("Conv2d: stride", stride, one=True),
            pair_of_ints("Conv2d: dilation", dilation, one=True), (kh, kw))
        in_channels, out_channels, groups = channel_groups("Conv2d", in_channels, out_channels,
                                                           groups)
        check_device(device, "Conv2d")
        dtype = np_dtype(dtype, "Conv2d")
        remember_init(self, init, fan_in := in_channels // groups * kh * kw, std, rng)
        rng = as_rng(rng, "Conv2d")  # the given generator, else the default one
        self.c_in, self.c_out, self.kernel = in_channels, out_channels, (kh, kw)
        self.stride, self.padding, self.init = stride, padding, init
        self.dilation, self.groups = dilation, groups
        w, b = init_weights(init, (out_channels, in_channels // groups, kh, kw), fan_in, std,
                            rng, dtype, bool(bias), "Conv2d", transposed=False)
        self.W = Tensor(w, requires_grad=True)
        self.register_parameter("b", None if b is None else Tensor(b, requires_grad=True))

    in_channels = property(lambda self: self.c_in)  # (torch's names, read-only, as Conv1d's)
    out_channels = property(lambda self: self.c_out)
    kernel_size = property(lambda self: self.kernel)

    def forward(self, x: Tensor) -> Tensor:
        pads = getattr(self, "pads", None)  # (a Conv2d pickled before padding_mode: zeros)
        if pads is None or not any(map(any, pads)):
            padding = self.padding if pads is None else 0
            return conv2d(x, self.W, self.b, self.stride, padding, self.dilation, self.groups)
        x = as_tensor_of(x)
        if x.ndim in (3, 4):  # (C, H, W) or (N, C, H, W); else conv2d names the shape
            x = pad(x, ((0, 0),) * (x.ndim - 2) + tuple(pads), mode=self.padding_mode)
        return conv2d(x, self.W, self.b, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        # PyTorch's words, so `print(model)` reads (and a tutorial prints) the same numbers:
        # kernel_size and stride always, the others only when they are not the default
        def pair(v: Any) -> Any:
            return (v, v) if isinstance(v, (int, np.integer)) else (
                tuple(v) if isinstance(v, (tuple, list)) else v)

        s = f"{self.c_in}, {self.c_out}, kernel_size={self.kernel}, stride={pair(self.stride)}"
        for k, v, default in (("padding", pair(self.padding), (0, 0)),
                              ("dilation", pair(self.dilation), (1, 1)),
                              ("groups", self.groups, 1)):
            if v != default:
                s += f", {k}={v}"
        s += "" if self.b is not None else ", bias=False"
        mode = getattr(self, "padding_mode", "zeros")
        return s + (f", padding_mode={mode}" if mode != "zeros" else "")


class _Pool2d(Module):
    """kernel (PyTorch's kernel_size) and stride: an int or (rows, columns); stride None is the
    kernel; padding per axis at most half the kernel (see functional.max_pool2d)."""

    pool = staticmethod(max_pool2d)

    def __init__(self, kernel: Any = None, stride: Any = None, padding: Any = 0, *,
                 kernel_size: Any = None) -> None:
        super().__init__()
        if kernel_size is not None:
            if kernel is not None:
                raise ValueError(f"{type(self).__name__}: give kernel or kernel_size, not both")
            kernel = kernel_size
        self.kernel = 2 if kernel is None else kernel
        self.stride, self.padding = stride, padding

    kernel_size = property(lambda self: self.kernel)  # (torch's name, read-only)

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(x, self.kernel, self.stride, self.padding)

    def extra_repr(self) -> str:
        pad = f", padding={self.padding}" if self.padding else ""
        return f"kernel={self.kernel}, stride={self.stride or self.kernel}{pad}"


class MaxPool2d(_Pool2d):
    """Max over kernel windows every `stride` (default kernel) pixels, NCHW, after padding each
    side with `padding` pixels of -inf (at most half the kernel, as in PyTorch)."""


class AvgPool2d(_Pool2d):
    """Mean over kernel windows every `stride` (default kernel) pixels, NCHW, after padding
    each side with `padding` zeros; ceil_mode, count_include_pad and divisor_override as
    F.avg_pool2d's (torch's)."""

    pool = staticmethod(avg_pool2d)

    def __init__(self, kernel: Any = None, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None, *, kernel_size: Any = None) -> None:
        super().__init__(kernel, stride, padding, kernel_size=kernel_size)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad  # (F checks them)
        self.divisor_override = divisor_override_arg("AvgPool2d", divisor_override)

    def forward(self, x: Tensor) -> Tensor:
        d = self.__dict__  # (.get: an AvgPool2d pickled before these options: torch's defaults)
        return avg_pool2d(x, self.kernel, self.stride, self.padding, d.get("ceil_mode", False),
                          d.get("count_include_pad", True), d.get("divisor_override"))


class Flatten(Module):
    """Axes start_dim..end_dim merged into one (PyTorch's Flatten): by default (N, ...) ->
    (N, prod(...)), the bridge from conv feature maps to a Linear; Flatten(0, 1) turns an
    (n, 1) prediction into (n,)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = _dim_arg("Flatten", "start_dim", start_dim)
        self.end_dim = _dim_arg("Flatten", "end_dim", end_dim)

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Axis `dim` split into `unflattened_size` (PyTorch's Unflatten, Flatten's inverse): a
    tuple or list of sizes, at most one of them -1 (inferred); (N, 12) with
    Unflatten(1, (3, 4)) -> (N, 3, 4)."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim = _dim_arg("Unflatten", "dim", dim)
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple or list of sizes, got "
                            f"{unflattened_size!r}")
        sizes = tuple(_dim_arg("Unflatten", "unflattened_size", n) for n in unflattened_size)
        if not sizes or sum(n == -1 for n in sizes) > 1 or any(n < -1 for n in sizes):
            raise ValueError(f"Unflatten: unflattened_size must be sizes >= 0 with at most one "
                             f"-1, got {tuple(unflattened_size)}")
        self.unflattened_size = sizes

    def forward(self, x: Tensor) -> Tensor:
        shape = tuple(x.shape)
        if not -len(shape) <= self.dim < len(shape):
            raise ValueError(f"Unflatten: dim {self.dim} is out of range for an input of "
                             f"shape {shape}")
        d = self.dim % len(shape)
        sizes, n = self.unflattened_size, shape[d]
        known = int(np.prod([k for k in sizes if k != -1]))
        if (n != known) if -1 not in sizes else (known == 0 or n % known):
            raise ValueError(f"Unflatten: sizes {sizes} do not multiply to the size {n} of dim "
                             f"{self.dim} of the input {shape}")
        sizes = tuple(n // known if k == -1 else k for k in sizes)
        return x.reshape(shape[:d] + sizes + shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _dim_arg(layer: str, name: str, value: Any) -> int:
    """An axis argument as an int (negative counts from the end); int(1.5) would truncate."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{layer}: {name} must be an integer, got {value!r} "
                        f"({type(value).__name__})")
    return int(value)


def _module_named(function: str) -> str | None:
    """The Module class spelling a function (relu -> ReLU, leaky_relu -> LeakyReLU), if any."""
    key = function.replace("_", "").lower()
    todo, seen = [Module], set()
    while todo:
        cls = todo.pop()
        if cls.__name__.lower() == key and cls.__module__.startswith("tinygrad_dl.nn"):
            return cls.__name__
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return None
