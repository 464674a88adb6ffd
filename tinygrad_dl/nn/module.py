"""PyTorch's `nn.Module` and `Parameter`: a module finds its parameters (Tensors with
requires_grad), buffers (ndarrays registered with `register_buffer`) and children (Modules)
from its attributes, in assignment order; qualified names look like "layers.0.W". Calling a
module runs `forward` inside a name scope (its attribute name under its parent, else its class
name) so a drawn graph clusters per module. state_dict / load_state_dict, train / eval, to,
apply and the rest of PyTorch's Module API live here; `size_arg` checks the layers' sizes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any, NamedTuple

import numpy as np

from .. import engine, write_guard
from ..device import check_device, device
from ..engine import name_scope
from ..grad import cleared
from ..ops.shape import brief_values
from ..tensor import Tensor, np_dtype
from . import module_hooks
from .module_hooks import HookMethods
from .module_tree import TreeMethods
from .state_entries import entry_array, tied_names


def _trainable(a: np.ndarray) -> bool:
    """Whether a parameter may hold `a` itself: writable (an optimizer step writes it in
    place) and in memory NumPy owns. A read-only array (np.broadcast_to's, a read-only memory
    map) made the first step fail with NumPy's "output array is read-only"; so did a torch
    tensor's memory, which the write guard can lock but NumPy will not make writable again."""
    if not a.flags.writeable:
        return False
    base = a
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return isinstance(base, np.ndarray)


class IncompatibleKeys(NamedTuple):
    """What `Module.load_state_dict` skipped, as PyTorch's named tuple: still a tuple, so
    `missing, unexpected = net.load_state_dict(sd, strict=False)` unpacks as before."""

    missing_keys: list[str]
    unexpected_keys: list[str]


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
        return Tensor(data.data if isinstance(data, Tensor) else data, requires_grad=True)


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
        out.persistent = _flag("nn.Buffer", "persistent", persistent)
        return out


class Module(HookMethods, TreeMethods):
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

    # ---- registration: plain attributes, remembered by name ------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning {name!r}"
            )
        d["_version"] += 1  # model.W = ..., model.lam = ...: a recorded step is out of date
        if isinstance(value, Buffer):  # (nn.Buffer: registered as a buffer, a plain array)
            alias = isinstance(getattr(type(self), name, None), property)
            if alias or name in d["_parameters"] or name in d["_modules"]:
                # as torch's: a parameter (or child module) silently turned into a buffer
                # would stop being trained
                what = "child module" if name in d["_modules"] else "parameter"
                raise TypeError(f"{type(self).__name__}: cannot assign an nn.Buffer as {what} "
                                f"{name!r}; `del` it first, or pick another name")
            self.register_buffer(name, value.view(np.ndarray), value.persistent)
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
        if name in params and isinstance(value, Tensor) and not is_param:
            what = "is an op result" if value._ctx is not None else "does not require grad"
            raise TypeError(f"{type(self).__name__}: cannot assign a tensor that {what} as "
                            f"parameter {name!r} (it would silently stop being trained and "
                            f"saved); assign Tensor(..., requires_grad=True), write into "
                            f"{name}.data, or `del` it first")
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
        for registry in (params, buffers, modules):
            # a replaced parameter or child module keeps its place (a Sequential's order)
            if not ((is_param and registry is params) or (is_module and registry is modules)):
                registry.pop(name, None)
        if is_param:
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
        d["_version"] += 1
        for registry in (d["_parameters"], d["_buffers"], d["_modules"]):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: np.ndarray | None,
                        persistent: bool = True) -> None:
        """A non-trainable array saved in state_dict (e.g. BatchNorm's running mean), as
        torch's: persistent=False leaves it out of state_dict, and None registers the name
        with no array (listed nowhere, not saved, until an array is assigned to it)."""
        persistent = _flag(f"{type(self).__name__}.register_buffer", "persistent", persistent)
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
        self.__setattr__(name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register `module` as child `name` (torch's rules: a Module or None, and a name that
        is a non-empty string without '.' and not another attribute's)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module({name!r}): "
                            f"{type(module).__name__} is not a Module")
        self._check_name("add_module", "module", name, "_modules")
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
        # (a plain None is this library's unregistered placeholder, `self.b = None` for a
        # layer without bias, where torch registers None: registering over it is fine)
        exists = d.get(name) is not None or (attr is not None and not isinstance(attr, property))
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
        requires_grad = _flag(f"{type(self).__name__}.requires_grad_", "requires_grad",
                              requires_grad)
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    # ---- where and in what dtype (PyTorch's Module.to) ------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """`to(device)`, `to(dtype)`, `to(device, dtype)`, `to(tensor)`: the device must be the
        CPU (the only one); a float dtype casts every float parameter and buffer in place."""
        who = f"{type(self).__name__}.to()"
        dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"{who}: unexpected argument(s) {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, device) or (isinstance(a, str) and _is_device(a)):
                dev = a
            else:
                dtype = a
        check_device(dev, who)
        if dtype is not None:
            self._cast(np.dtype(np_dtype(dtype, who)), who)
        return self

    def _cast(self, dtype: np.dtype, who: str) -> None:
        engine.notify_write(who)  # inside a jitted step: not replayable
        if dtype.kind != "f":
            raise TypeError(f"{who}: only a floating-point dtype can hold parameters, got {dtype}")
        for _, p in self.named_parameters():
            if p.data.dtype != dtype:
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

    def state_dict(self, *, destination: dict[str, Any] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Any]:
        """Copies of every parameter's and buffer's array, by qualified name (each key after
        `prefix`, into `destination` if given, as torch's); keep_vars=True gives the parameter
        Tensors and buffer arrays themselves."""
        out = {} if destination is None else destination
        out.update((prefix + name, v if keep_vars else v.data.copy() if isinstance(v, Tensor)
                    else np.array(v, copy=True)) for name, v in self._saved_entries())
        return out

    def _saved_entries(self) -> list[tuple[str, Any]]:
        """What state_dict saves and load_state_dict loads (its strict message's order), in
        torch's: each module's parameters (Tensors), then its buffers (arrays, less the
        non-persistent ones), then its children's (buffers listed after all the parameters
        paired, zipped with a torch model's state_dict(), a BatchNorm's W with running_mean)."""
        mods = list(self.named_modules())
        out: list[tuple[str, Any]] = list(self.named_parameters())
        buffers = [(f"{prefix}.{name}" if prefix else name, b) for prefix, mod in mods
                   for name, b in mod._buffers.items()
                   if b is not None and name not in mod.__dict__.get("_non_persistent", ())]
        if buffers and len(mods) > 1:  # (the parameters alone come in module order)
            at = {name: i for i, (name, _) in enumerate(mods)}
            return sorted(out + buffers, key=lambda e: at.get(e[0].rpartition(".")[0], 0))
        return out + buffers

    def load_state_dict(
        self, state: dict[str, Any], strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy arrays into the parameters and buffers in place (optimizers keep their refs).

        strict: missing or unexpected keys raise ValueError; otherwise they are skipped and
        returned as IncompatibleKeys(missing_keys, unexpected_keys), PyTorch's named tuple.
        A shape mismatch always raises ValueError. All or nothing: every entry is checked
        before any is copied, so a refused load leaves the model as it was (torch's keeps
        the entries it copied before the one it refused). A tied parameter's other names
        (which torch's state_dict lists) load it too, if they agree. assign=True (torch's)
        makes the state dict's arrays the parameters' and buffers' own, in their dtype (the
        parameter Tensors stay the same objects, so optimizers keep them). Lazy layers (inside
        or itself) are sized off their saved weights (torch's lazy load hook); a refused load
        leaves them lazy, and so does a strict=False one without their weights (their keys
        missing; strict=True refuses it in one line).
        """
        who = f"{type(self).__name__}.load_state_dict"
        assign = _flag(who, "assign", assign)
        if not isinstance(state, Mapping):  # (np.load's NpzFile is one)
            raise TypeError(f"{who}: expected a dict of arrays, got {type(state).__name__}")
        engine.notify_write(f"{who}()")
        sized = self._size_lazy_layers(state)  # (torch's lazy load hook)
        try:
            # strict=False: an unsized lazy layer's keys missing, it left lazy, as torch's
            # (strict: its "run one forward pass first" line, from listing its parameters)
            with nullcontext([]) if strict else self._lazy_left_out() as unsized:
                return self._load_entries(who, state, strict, assign, unsized)
        except BaseException:  # a refused load leaves the lazy layers lazy
            self._unsize_lazy_layers(sized)
            raise

    def _load_entries(self, who: str, state: Mapping[str, Any], strict: bool,
                      assign: bool, unsized: list[str]) -> IncompatibleKeys:
        params = dict(self.named_parameters())
        targets: dict[str, np.ndarray] = {n: v.data if n in params else v
                                          for n, v in self._saved_entries()}
        tied = {k: v for k, v in tied_names(self).items() if k not in targets}
        state = self._ours(state, {**targets, **tied})
        state = _untie(who, state, tied, targets)
        missing = [k for k in targets if k not in state] + unsized
        unexpected = [k for k in state if k not in targets]
        if strict and (missing or unexpected):
            raise ValueError(f"{who}: missing keys {missing}, unexpected keys {unexpected}")
        copies, assigns = [], []
        for name, dst in targets.items():
            if name not in state:
                continue
            src = entry_array(who, name, state[name])
            if src.shape != dst.shape:
                hint = ("; a Linear weight saved when W was (in, out)? Linear.W is (out, in) "
                        "now: pass its .T" if src.ndim == 2 and src.shape == dst.shape[::-1]
                        else "")
                raise ValueError(f"{who}: {name!r} has shape {src.shape} in the state dict but "
                                 f"{dst.shape} in the model{hint}")
            # a parameter's array is only checked here (what writable() would raise): a
            # refused load marked a live graph's arrays as replaced, and its backward then
            # raised naming this load, which had changed nothing
            live = (write_guard.writable(params[name], f"{who}()", check_only=True)
                    if name in params else dst)
            if assign:
                if name in params and src.dtype.kind != "f":
                    raise TypeError(f"{who}(assign=True): {name!r} is {src.dtype} in the state "
                                    "dict; a parameter must be floating point")
                assigns.append((name, src))
                continue
            _check_lossless(who, name, src, dst.dtype)
            # (NumPy's "assignment destination is read-only" came after the entries before it
            # were copied: a parameter assign=True made from a read-only array, a buffer too;
            # None: a live graph's array, which the write replaces by a copy first)
            if live is not None and not live.flags.writeable:
                what = "parameter" if name in params else "buffer"
                raise ValueError(f"{who}: {what} {name!r} is a read-only array; make it a "
                                 "writable one (np.array(a)) to load into it")
            copies.append((name, src))
        for name, src in copies:  # every entry passed: only now is anything written
            # a live graph that saved a parameter's old values keeps its own copy
            dst = (write_guard.writable(params[name], f"{who}()") if name in params
                   else targets[name])
            np.copyto(dst, src, casting="unsafe")
        for name, src in assigns:
            self._assign(name, params.get(name), src, who)
        return IncompatibleKeys(missing, unexpected)

    def _assign(self, name: str, param: Tensor | None, src: np.ndarray, who: str) -> None:
        """load_state_dict(assign=True)'s step: `src` becomes parameter (or buffer) `name`."""
        if param is not None:  # (its dtype was checked with the others': all or nothing)
            # (a live graph that saved the old array then raises at its backward)
            write_guard.writable(param, f"{who}()")
            param.data = src if _trainable(src) else src.copy()
            return
        path, _, local = name.rpartition(".")
        mod = self.get_submodule(path)
        mod.register_buffer(local, src if _trainable(src) else src.copy(),  # (a batch norm's
                            local not in mod.__dict__.get("_non_persistent", ()))  # in place)

    def _ours(self, state: dict[str, Any], targets: dict[str, Any]) -> dict[str, Any]:
        """`state` with PyTorch's names for the course's parameters read as ours (a torch
        Linear's "0.weight" as "0.W"), each only where the state dict lacks our name: one
        that holds both keeps the torch one as an unexpected key."""
        renamed = {}
        for prefix, m in self.named_modules():
            for ours, theirs in type(m).torch_names.items():
                p, t = (f"{prefix}.{ours}", f"{prefix}.{theirs}") if prefix else (ours, theirs)
                if p in targets and p not in state and t in state and t not in targets:
                    renamed[t] = p
        return {renamed.get(k, k): v for k, v in state.items()} if renamed else state

    # ---- printing ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")"
        lines = [head]
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


def _untie(who: str, state: Mapping[str, Any], tied: dict[str, str],
           targets: Mapping[str, np.ndarray]) -> Mapping[str, Any]:
    """`state` with each tied parameter's other names (`tied`: other -> ours) read as ours; two
    names of one parameter holding different values are refused (torch's copies both, and the
    last one wins without a word). Values are compared as they would load, in the model's
    dtype (a float64 and a float32 copy of one float32 weight agree), NaN equal to NaN (torch
    lists one tensor under both names)."""
    if not any(k in state for k in tied):
        return state
    out = {k: v for k, v in state.items() if k not in tied}
    for other, ours in tied.items():
        if other not in state:
            continue
        if ours in out:
            a, b = entry_array(who, ours, out[ours]), entry_array(who, other, state[other])
            if a.shape != b.shape:
                raise ValueError(f"{who}: {other!r} and {ours!r} are one tied parameter here, "
                                 f"but the state dict holds shapes {b.shape} and {a.shape}")
            dtype = targets[ours].dtype
            if dtype.kind == "f" and a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
                a, b = a.astype(dtype), b.astype(dtype)  # (else _check_lossless refuses them)
            if not np.array_equal(a, b, equal_nan=True):
                raise ValueError(f"{who}: {other!r} and {ours!r} are one tied parameter here, "
                                 "but the state dict holds different values for them")
        out.setdefault(ours, state[other])
    return out


def _check_lossless(who: str, name: str, src: np.ndarray, dtype: np.dtype) -> None:
    """The copy into a `dtype` entry (load_state_dict's, unsafe casting: float64 values into
    a float32 model round, as torch's copy_ does) must not drop what is not rounding: a
    fraction, NaN or out-of-range value into an integer buffer (a BatchNorm's
    num_batches_tracked of 2.7 became 2), or an imaginary part. Else one line."""
    kind = src.dtype.kind
    if dtype.kind in "iu" and kind not in "iub":
        info = np.iinfo(dtype)  # (bounds as floats: max itself rounds up to 2**63)
        ok = kind == "f" and bool(np.isfinite(src).all() and (src == np.round(src)).all()
                                  and (src >= info.min).all()
                                  and (src < 2.0 ** (info.bits - (info.min < 0))).all())
    else:
        ok = not (kind == "c" and dtype.kind != "c" and np.any(np.imag(src)))
    if not ok:
        raise ValueError(f"{who}: {name!r} is {dtype} in the model but the state dict holds "
                         f"{brief_values(src)} ({src.dtype}), which {dtype} cannot hold: "
                         "copying would change it without a word")


def size_arg(layer: str, name: str, value: Any) -> int:
    """A layer's size argument as an int: int(3.5) would silently build a 3-feature layer and
    a bool is an int to Python (True = 1 feature), so both raise, as torch's TypeError does;
    NumPy integers (a shape read from an array) are fine."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{layer}: {name} must be an integer, got {value!r} "
                        f"({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{layer}: {name} must be >= 0, got {value}")
    return int(value)


def channel_groups(layer: str, in_channels: Any, out_channels: Any, groups: Any
                   ) -> tuple[int, int, int]:
    """A convolution's (in_channels, out_channels, groups) as ints: groups >= 1 dividing both
    channel counts, each a positive int (a bool too is refused: True would build 1 channel)."""
    groups = size_arg(layer, "groups", groups)
    if groups < 1:
        raise ValueError(f"{layer}: groups must be >= 1, got {groups}")
    for name, n in (("in_channels", in_channels), ("out_channels", out_channels)):
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) \
                or n < 1 or n % groups:
            raise ValueError(f"{layer}: {name} must be a positive multiple of groups="
                             f"{groups}, got {n!r}")
    return int(in_channels), int(out_channels), groups


def inplace_arg(layer: str, inplace: Any) -> bool:
    """PyTorch's `inplace=` of an activation or dropout layer, a bool: True writes the result
    into the input where it may be (F's `inplace_flag`: an op's result is not written). An int
    0 or 1 is torch's spelling too (nn.ReLU(1), nn.AlphaDropout(0.5, 1)): read as a bool."""
    if type(inplace) is int and inplace in (0, 1):
        return bool(inplace)
    if not isinstance(inplace, (bool, np.bool_)):
        raise TypeError(f"{layer}: inplace must be a bool, got {type(inplace).__name__}"
                        f"{' (the generator goes in rng=)' if 'ropout' in layer else ''}")
    return bool(inplace)


def inplace_repr(m: Module) -> str:
    """", inplace=True" for a layer made in place (PyTorch's repr), else nothing."""
    return ", inplace=True" if m.inplace else ""


def _is_device(s: str) -> bool:
    try:
        device(s)
    except ValueError:
        return False
    return True


def _flag(who: str, name: str, value: Any) -> bool:
    """A True/False argument (persistent=): a string or a number is refused, not read as truthy."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} must be True or False, got {value!r}")
    return bool(value)
