"""PyTorch's `nn.Module` and `Parameter`: a module finds its parameters (Tensors with
requires_grad), buffers (ndarrays registered with `register_buffer`) and children (Modules)
from its attributes, in assignment order; qualified names look like "layers.0.W". Calling a
module runs `forward` inside a name scope (its attribute name under its parent, else its class
name) so a drawn graph clusters per module. train / eval, to, apply and the rest of PyTorch's
Module API live here; state_dict / load_state_dict in nn/module_state.py, the listing and
lookup methods in nn/module_tree.py and the hooks in nn/module_hooks.py (mixins of Module), and
the checks of the layers' arguments (`size_arg`, ...) in nn/arg_checks.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .. import engine, hooks, write_guard
from ..device import check_device, device
from ..engine import name_scope
from ..grad import check_hand_grad, cleared
from ..tensor import Tensor, named_as_methods_of, np_dtype
from . import module_hooks
from .arg_checks import (  # noqa: F401 (nn.module's names, as before)
    channel_groups,
    flag,
    inplace_arg,
    inplace_repr,
    size_arg,
)
from .module_hooks import HookMethods
from .module_state import IncompatibleKeys, StateMethods  # noqa: F401 (nn.module's, as before)
from .module_tree import TreeMethods


class _ParameterType(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.is_leaf and obj.requires_grad


class Parameter(metaclass=_ParameterType):
    """PyTorch's `nn.Parameter(tensor)`: a leaf Tensor that requires grad, sharing the given
    tensor's array. A Module lists every such Tensor assigned to it as a parameter, so this is
    a plain Tensor; `isinstance(t, nn.Parameter)` is True for any leaf that requires grad."""

    def __new__(cls, data: Any = None, requires_grad: bool = True) -> Tensor:  # type: ignore[misc]
        if not requires_grad:
            raise ValueError("Parameter(..., requires_grad=False): a Module lists only tensors "
                             "that require grad as parameters, so this one would not be in "
                             "parameters() nor state_dict(); keep a constant with "
                             "self.register_buffer(name, array)")
        if data is None:
            data = np.zeros(0)
        if not isinstance(data, Tensor):
            return Tensor(data, requires_grad=True)
        out = Tensor(data.data, requires_grad=True)
        if out.data is data.data and (data._ctx is not None or write_guard.sharing(data)):
            # (an op's result `h`, or its detach(): noted as sharing h's array, a recorded write
            # into h must reach it, or refuse; a leaf's: nothing to note, nothing to pay)
            write_guard.alias(out, data.data, noted_only=True)
        return out


class Buffer(np.ndarray):
    """torch 2.13's `nn.Buffer(data, persistent=True)`: assigned to a Module attribute, it is
    registered as a buffer (`m.b = nn.Buffer(x)` is `m.register_buffer("b", x)`). The value
    is an ndarray marked for that assignment (buffers are arrays here), sharing data's
    values; `persistent=False` leaves it out of state_dict, as register_buffer's."""

    persistent: bool

    def __new__(cls, data: Any = None, *, persistent: bool = True) -> Buffer:
        if data is None:
            data = np.zeros(0)
        if not isinstance(data, (Tensor, np.ndarray)):
            raise TypeError(f"nn.Buffer: data must be a Tensor or an ndarray, got "
                            f"{type(data).__name__}")
        out = np.asarray(data.data if isinstance(data, Tensor) else data).view(cls)
        out.persistent = flag("nn.Buffer", "persistent", persistent)
        return out


class Module(HookMethods, TreeMethods, StateMethods):
    """Base class: subclasses call super().__init__() first, then assign layers and tensors."""

    training: bool
    # the course's parameter names PyTorch spells otherwise (Linear's W is torch's weight):
    # load_state_dict takes a state dict in either spelling
    torch_names: dict[str, str] = {}

    def __init__(self) -> None:
        d = self.__dict__
        d["_parameters"] = {}  # name -> Tensor; the attribute holds the same object
        d["_buffers"] = {}  # name -> ndarray (running statistics, ...), or None (torch's)
        d["_non_persistent"] = set()  # buffers left out of state_dict (persistent=False)
        d["_modules"] = {}  # name -> Module
        d["_scope"] = type(self).__name__  # the name_scope forward runs in
        d["training"] = True
        d["_version"] = 0  # bumped by every attribute assignment: jit's replay guard
        if hooks.active:  # (a jit recording: a module the step builds is its own)
            hooks.notify_module_change(self, made=True)

    # ---- registration: plain attributes, remembered by name ------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning {name!r}"
            )
        if hooks.active:  # (a jit recording hears it before the version moves)
            hooks.notify_module_change(self)
        d["_version"] += 1  # model.W = ..., model.lam = ...: a recorded step is out of date
        if isinstance(value, Buffer):  # (nn.Buffer: registered as a buffer, a plain array)
            alias = isinstance(getattr(type(self), name, None), property)
            if alias or name in d["_parameters"] or name in d["_modules"]:
                # as torch's: a parameter (or child module) silently turned into a buffer
                # would stop being trained
                what = "child module" if name in d["_modules"] else "parameter"
                raise TypeError(f"{type(self).__name__}: cannot assign an nn.Buffer as {what} "
                                f"{name!r}; `del` it first, or pick another name")
            # one plain view per Buffer: one assigned to two modules is one buffer (torch's one
            # tensor), listed once and a tie save_model refuses, not two views of one memory
            plain = value.__dict__.get("plain")
            if plain is None:
                plain = value.__dict__["plain"] = value.view(np.ndarray)
            self.register_buffer(name, plain, value.persistent)
            return
        if isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)  # an alias (Linear.weight): its setter decides
            return
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if (name in buffers and isinstance(value, Tensor) and value._ctx is None
                and not value.requires_grad):  # (torch's `bn.running_mean = torch.zeros(3)`
            value = value.data  # stays a buffer: its array, shared, as register_buffer's)
        elif name in buffers and isinstance(value, Tensor) and value._ctx is not None:
            # an op's result (`self.avg = self.avg * 0.9 + x.mean(0) * 0.1` with grad on) stays
            # a buffer as torch's: its values, copied (a live graph may hold its array), where
            # it silently became a plain attribute, out of state_dict
            value = np.array(value.data)
        elif name in buffers and isinstance(value, np.generic):
            # NumPy's arithmetic on a 0-d buffer gives a scalar (`self.n = self.n + 1`,
            # `bn.num_batches_tracked + 1`): a 0-d array again, a buffer as torch's tensor
            # stays one (it raised TypeError)
            value = np.asarray(value)
        if name in buffers and (value is None or isinstance(value, np.ndarray)):
            buffers[name] = value  # assigning an array (or None) to a buffer keeps it one
            d[name] = value
            return
        # a parameter is a leaf that requires grad; an op's result (`self.out = self.fc(x)`,
        # an activation kept for later) is a plain attribute, as in PyTorch
        is_param = isinstance(value, Tensor) and value.requires_grad and value._ctx is None
        if is_param and name not in params and (not name or "." in name
                                                 or callable(getattr(type(self), name, None))):
            # torch's KeyError (register_parameter's rules): `setattr(m, "a.b", p)` saved a key
            # that reads as a path, and `m.forward = p` shadowed the method (a class attribute
            # that is a default value, `weight = None`, may be overridden, as before)
            raise KeyError(f"{type(self).__name__}: cannot assign a parameter as {name!r}: a "
                           "parameter name is non-empty, holds no '.' and names no method")
        if name in params and isinstance(value, Tensor) and not is_param:
            what = "is an op result" if value._ctx is not None else "does not require grad"
            held = (f"write into {name}.data, " if params[name] is not None else "")
            raise TypeError(f"{type(self).__name__}: cannot assign a tensor that {what} as "
                            f"parameter {name!r} (it would silently stop being trained and "
                            f"saved); assign Tensor(..., requires_grad=True), {held}or `del` "
                            "it first")
        is_module = isinstance(value, Module)
        # torch's TypeError too: `lin.W = np.zeros(...)` or `seq.fc = 3` silently unregistered
        # the parameter (or layer), which then was neither trained nor saved
        # (a parameter or a module over any of them moves it, as torch's)
        if value is not None and not (is_module or isinstance(value, Tensor)):
            for registry, what in ((params, "parameter"), (modules, "child module"),
                                   (buffers, "buffer")):
                if name in registry:
                    raise TypeError(f"{type(self).__name__}: cannot assign a "
                                    f"{type(value).__name__} as {what} {name!r} (a Tensor, a "
                                    "Module or None expected); `del` it first to make it a "
                                    "plain attribute")
        if name in params and is_module:
            # torch's TypeError: the parameter was silently unregistered (neither trained nor
            # saved any more); a Module over a buffer or a child is fine, as there
            raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} "
                            f"(a Module) as parameter {name!r}; `del` it first")
        if name in modules and isinstance(value, Tensor) and not is_param:
            raise TypeError(f"{type(self).__name__}: cannot assign a Tensor that is not a "
                            f"parameter as child module {name!r}")
        # None over a registered parameter or child keeps the name registered, as torch's
        # (`lin.b = None`): a later parameter takes its place in parameters() and state_dict()
        # order, and a later plain Tensor is refused above, where it became a plain attribute
        # (neither trained nor saved) without a word
        keep = params if value is None and name in params else (
            modules if value is None and name in modules else None)
        for registry in (params, buffers, modules):
            # a replaced parameter or child module keeps its place (a Sequential's order)
            if not ((is_param and registry is params) or (is_module and registry is modules)
                    or registry is keep):
                registry.pop(name, None)
        if keep is not None:
            keep[name] = None
        elif is_param:
            params[name] = value
            if value.name is None:
                value.name = name
        elif isinstance(value, Module):
            modules[name] = value
            # under a Sequential that is itself a child, the name its parent gave it comes
            # first (`seq[1] = m` drew m as "1", not "layers.1")
            value._attach(d.get("_prefix", "") + name)
        d[name] = value

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if hooks.active:
            hooks.notify_module_change(self)
        d["_version"] += 1
        for registry in (d["_parameters"], d["_buffers"], d["_modules"]):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: np.ndarray | None,
                        persistent: bool = True) -> None:
        """A non-trainable array saved in state_dict (e.g. BatchNorm's running mean), as
        torch's: persistent=False leaves it out of state_dict, and None registers the name
        with no array (listed nowhere, not saved, until an array is assigned to it)."""
        persistent = flag(f"{type(self).__name__}.register_buffer", "persistent", persistent)
        self._check_name("register_buffer", "buffer", name, "_buffers")
        d = self.__dict__
        if (name in d.get("_parameters", ()) or name in d.get("_modules", ())
                or isinstance(getattr(type(self), name, None), property)):
            # torch's KeyError: a parameter (Linear's W) silently made a buffer, or None,
            # would stop being trained and saved as one
            raise KeyError(f"{type(self).__name__}.register_buffer: attribute '{name}' already "
                           "exists (a parameter, child module or alias); `del` it first")
        if isinstance(array, Tensor):  # (torch's buffers are tensors: its array, shared)
            array = array.data
        self.__setattr__(name, None if array is None else np.asarray(array))
        self.__dict__["_buffers"][name] = self.__dict__[name]
        off = self.__dict__.setdefault("_non_persistent", set())
        off.discard(name) if persistent else off.add(name)

    def _attach(self, name: str) -> None:
        """Called when this module becomes attribute `name` of a parent."""
        self.__dict__["_scope"] = name

    # ---- calling -------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        engine.notify_module(self)  # a jit recording guards this module's state at replay
        if self._hooks:  # register_forward_hook & co. (None, or emptied by remove())
            return module_hooks.call(self, self._forward_in_scope, args, kwargs)
        if self._scope is None:  # a transparent container (Sequential under a parent)
            return self.forward(*args, **kwargs)
        with name_scope(self._scope):
            return self.forward(*args, **kwargs)

    def _forward_in_scope(self, *args: Any, **kwargs: Any) -> Any:
        if self._scope is None:
            return self.forward(*args, **kwargs)
        with name_scope(self._scope):
            return self.forward(*args, **kwargs)

    # ---- traversal -----------------------------------------------------------------------
    # A module or parameter reached twice (a layer used twice, `self.b.W = self.a.W`) is listed
    # once, under its first name, as in PyTorch: else an optimizer would step it twice.
    def register_parameter(self, name: str, param: Tensor | None) -> None:
        self._check_name("register_parameter", "parameter", name, "_parameters")
        if param is not None and not (isinstance(param, Tensor) and param.requires_grad):
            raise TypeError(f"register_parameter({name!r}): expected a Tensor that requires "
                            f"grad (nn.Parameter(...)), got {type(param).__name__}")
        if param is None:  # registered empty, as torch's: `register_parameter("bias", None)`
            # holds the name's place, and a later plain Tensor is refused, not kept unsaved
            self.__dict__["_parameters"][name] = None
        self.__setattr__(name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register `module` as child `name` (torch's rules: a Module or None, and a name that
        is a non-empty string without '.' and not another attribute's)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module({name!r}): "
                            f"{type(module).__name__} is not a Module")
        self._check_name("add_module", "module", name, "_modules")
        if module is None:  # registered empty, as torch's (its place in the order kept)
            self.__dict__["_modules"][name] = None
        self.__setattr__(name, module)

    def register_module(self, name: str, module: Module | None) -> None:
        """`add_module`'s other name, as torch's."""
        self.add_module(name, module)

    def _check_name(self, who: str, kind: str, name: Any, registry: str) -> None:
        """torch's checks of a registered name: 'a.b' made keys that state_dict and
        get_submodule read as a path, '' a key with a leading '.', and an existing attribute
        ('forward', 'train') was shadowed by the entry, without a word."""
        where = f"{type(self).__name__}.{who}"
        if not isinstance(name, str):
            raise TypeError(f"{where}: {kind} name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{where}: {kind} name {name!r} must be non-empty and hold no '.'")
        d = self.__dict__
        attr = getattr(type(self), name, None)
        # (a plain None, not registered, is a user's placeholder: registering over it is fine;
        # one registered as another kind, `add_module("c", None)`, is torch's KeyError too,
        # where register_parameter("c", p) moved it to the parameters without a word)
        exists = (d.get(name) is not None or (attr is not None and not isinstance(attr, property))
                  or any(name in d.get(r, ()) for r in ("_parameters", "_buffers", "_modules")))
        if exists and name not in d.get(registry, ()):
            raise KeyError(f"{where}: attribute {name!r} already exists; `del` it first, or "
                           "pick another name")

    def apply(self, fn: Any) -> Module:
        """fn(m) for every child module, then for this one (PyTorch's order); returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- state ---------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (`.grad` is None, as PyTorch's default); with
        set_to_none=False zero it in place, as PyTorch does (`grad.cleared`)."""
        engine.notify_write(f"{type(self).__name__}.zero_grad()")
        for p in self.parameters():
            p.grad = cleared(p.grad, set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter; they stay this module's parameters."""
        # (bool("False") is True: a string silently unfroze the model; torch's TypeError)
        requires_grad = flag(f"{type(self).__name__}.requires_grad_", "requires_grad",
                              requires_grad)
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    # ---- where and in what dtype (PyTorch's Module.to) ------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """`to(device)`, `to(dtype)`, `to(device, dtype)`, `to(tensor)`, each with torch's
        `non_blocking` after it (positional too): the device must be the CPU (the only one); a
        float dtype casts every float parameter and buffer in place (the parameter Tensors
        stay the same objects, so an optimizer keeps stepping them, as torch's `.data` swap)."""
        who = f"{type(self).__name__}.to()"
        dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"{who}: unexpected argument(s) {sorted(kwargs)}")
        rest = list(args)
        if len(rest) > 1 and isinstance(rest[-1], (bool, np.bool_)):  # (`to(dtype, True)`)
            rest.pop()  # non_blocking: nothing to wait for here
        # two dtypes (or devices) took the last without a word, and `to(dtype, True)`'s
        # flag was read as a dtype (NumPy's "Cannot interpret 'True'" naming nothing); a
        # keyword one and a positional one too (`to(np.float32, dtype=np.float64)`: float32)
        given = {k: v for k, v in (("device", dev), ("dtype", dtype)) if v is not None}
        for a in rest:
            kind = "device" if isinstance(a, device) or _is_device(a) else "dtype"
            if kind in given:
                raise TypeError(f"{who}: two {kind}s given ({given[kind]!r}, {a!r}); torch's "
                                "forms are to(device, dtype, non_blocking), to(dtype, "
                                "non_blocking) and to(tensor, non_blocking)")
            given[kind] = a
        dev = given.get("device", dev)
        dtype = given.get("dtype", dtype)
        if isinstance(dtype, Tensor) or (hasattr(dtype, "dtype") and hasattr(dtype, "device")
                                         and not isinstance(dtype, type)):
            dtype = dtype.dtype  # to(tensor): ours or torch's (its torch dtype read as ours)
        check_device(dev, who)
        if dtype is not None:
            try:
                dt = np.dtype(np_dtype(dtype, who))
            except TypeError:
                raise TypeError(f"{who}: {dtype!r} is neither a dtype nor a device") from None
            self._cast(dt, who)
        return self

    def _cast(self, dtype: np.dtype, who: str) -> None:
        engine.notify_write(who)  # inside a jitted step: not replayable
        if dtype.kind != "f":
            raise TypeError(f"{who}: only a floating-point dtype can hold parameters, got {dtype}")
        params = [(n, p) for n, p in self.named_parameters() if p.data.dtype != dtype]
        for name, p in params:  # (all checked before any is cast: a refusal changes nothing)
            if p.grad is not None:  # a complex .grad of a real parameter lost its imaginary
                check_hand_grad(f"{who}: the .grad of parameter {name!r}", p.grad,
                                p.data.dtype)  # part with only NumPy's ComplexWarning
        for _, p in params:
            p.data = p.data.astype(dtype)
            p.grad = None if p.grad is None else p.grad.astype(dtype)
        for m in self.modules():
            for name, b in list(m._buffers.items()):
                if b is not None and b.dtype.kind == "f" and b.dtype != dtype:
                    # (.get: a module pickled before persistent= has no such set)
                    m.register_buffer(name, b.astype(dtype),
                                      name not in m.__dict__.get("_non_persistent", ()))
            if isinstance(m.__dict__.get("dtype"), np.dtype):  # a course model's own record
                m.__dict__["dtype"] = dtype  # (its config, so a checkpoint rebuilds this dtype)

    def cpu(self) -> Module:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Module:
        check_device("cuda", f"{type(self).__name__}.cuda()")
        return self

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def half(self) -> Module:
        return self.to(np.float16)

    def train(self, mode: bool = True) -> Module:
        """Set training mode here and in every child (BatchNorm, Dropout behave differently)."""
        # bool("False") is True: a string (or a 0/1 int) would silently pick a mode; torch raises
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"{type(self).__name__}.train(mode): mode must be True or False, "
                             f"got {mode!r}")
        # each child's own train(), as torch's: a module that overrides it (to keep its batch
        # norm frozen) was skipped when its parent's train() set every flag directly
        self.__dict__["training"] = bool(mode)
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    @contextmanager
    def evaluating(self) -> Iterator[Module]:
        """Eval mode for the block (this module and every submodule), then each back in the
        mode it was in: `train(was)` would put a batch norm frozen with `.eval()` back on batch
        statistics (its running mean moving) and a dropout turned off back on."""
        modes = [(m, m.training) for m in self.modules()]
        self.eval()
        try:
            yield self
        finally:
            for m, mode in modes:
                m.__dict__["training"] = mode

    # ---- printing ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        """torch's layout: a one-line extra_repr inside the parentheses; with children, or an
        extra_repr of several lines, each on its own line (it was glued to the name, a
        multi-line one's later lines left unindented)."""
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        one_liner = len(lines) == 1 and not self._modules
        lines += [f"({name}): " + add_indent(repr(child))
                  for name, child in self._modules.items()]
        if not lines:
            return f"{type(self).__name__}()"
        if one_liner:
            return f"{type(self).__name__}({lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def add_indent(text: str) -> str:
    """A child's repr under its parent's, as torch's _addindent: each later line two spaces
    in, a blank one left empty (torch 2.13's; "\n  " everywhere left trailing spaces)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [("  " + line) if line.strip() else "" for line in rest])


named_as_methods_of(Module, __name__)  # (its mixins' methods: `Module.state_dict`)


def _is_device(a: Any) -> bool:
    """A device's spelling: "cpu", "cuda:0", torch.device("cpu") (read by its str())."""
    if a is None or isinstance(a, (type, np.dtype, Tensor)):
        return False
    try:
        device(str(a))
    except (TypeError, ValueError):
        return False
    return True
