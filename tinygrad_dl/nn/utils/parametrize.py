"""PyTorch's `torch.nn.utils.parametrize`: `register_parametrization(module, "weight", P)` makes
`module.weight` a computed tensor, P(original), read afresh at each access from the tensor(s)
kept as `module.parametrizations.weight.original` (or `original0`, `original1`, ... where P's
`right_inverse` returns several: weight norm's g and v). Those are the parameters now (listed
by parameters(), saved as "parametrizations.weight.original0", ..., torch's keys, trained by
an optimizer); the computed weight is on the graph, so a loss sends them their gradients.
As torch's, the module's class becomes a subclass, `Parametrized<Name>`, with a property for
the tensor; assigning to it runs P's right_inverse into the originals.
`remove_parametrizations(module, name, leave_parametrized=True)` puts back a plain parameter
(the current value), `is_parametrized(module, name=None)`, `type_before_parametrizations`,
`transfer_parametrizations_and_params`, and `cached()`, a block within which each parametrized
tensor is computed once.

The course's layers keep torch's names as aliases (Linear's `weight` is `W`): either name may
be passed; the tensor parametrized is the course's (so forward sees the computed one) and the
key under `parametrizations` is torch's ("weight"), so state dicts are torch's.
Not supported (one line each): a buffer's parametrization, pickling a parametrized module
(torch's refusal too: save its state_dict), and a write into the computed tensor (nn.init,
in-place ops, reset_parameters: torch's lands in a temporary, silently; its array is
read-only here, registered in write_guard.computed for our writers' one-line refusal)."""

from __future__ import annotations

import copy
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ... import engine, write_guard
from ...grad_mode import no_grad
from ...tensor import Tensor, data_of
from ..containers import ModuleDict, ModuleList
from ..module import Module

__all__ = ["ParametrizationList", "cached", "is_parametrized", "mark_computed",
           "register_parametrization",
           "remove_parametrizations", "transfer_parametrizations_and_params",
           "type_before_parametrizations"]

_cache_depth = 0
# (id(module), name) -> (the tensor, what it was computed from (`_inputs`), the arrays' lock,
# a weak reference to the module)
_cache: dict[tuple[int, str], Any] = {}


@contextmanager
def cached() -> Iterator[None]:
    """torch's: within the block a parametrized tensor is computed at its first access and
    that one result reused (one graph node for a weight read by several calls); the results
    are dropped when the outermost block ends. Unlike torch's, an optimizer step (or
    load_state_dict) within the block is seen, on the originals or on a parametrization's own
    parameters, and so is a parametrization registered, replaced or removed: the next read
    computes the tensor afresh. (A plain attribute of a parametrization changed within it, or
    a buffer written in place, is not.)"""
    global _cache_depth, _cache
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if not _cache_depth:
            _cache = {}


def _array(x: Any, who: str) -> np.ndarray:
    if isinstance(x, Tensor):
        return data_of(x)
    if isinstance(x, np.ndarray):
        return x
    raise ValueError(f"{who}: right_inverse must return a Tensor or a sequence of Tensors, got "
                     f"a {type(x).__name__}")


def _set(dest: Tensor, src: np.ndarray, who: str) -> None:
    """dest takes src's values (torch's set_: its shape too), as a new array: a live graph
    that saved the old one keeps it (its backward then raises naming `who`)."""
    write_guard.writable(dest, who, replacing=True)
    dest.data = np.array(src, dtype=dest.data.dtype, copy=True)


class ParametrizationList(ModuleList):
    """torch's: the parametrizations of one tensor ("0", "1", ... applied in order) and the
    unconstrained tensor(s) they are computed from, `original` (one) or `original0`, ... (what
    the first's right_inverse returned: a sequence). Calling it computes the tensor."""

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules")
        super().__init__(modules)
        who = f"register_parametrization({type(modules[0]).__name__})"
        self.unsafe = bool(unsafe)
        shape, dtype = original.data.shape, original.data.dtype
        new: Any = original
        with no_grad():
            for m in reversed(list(self)):
                if hasattr(m, "right_inverse"):
                    try:
                        new = m.right_inverse(new)
                    except NotImplementedError:
                        pass
        if isinstance(new, (Tensor, np.ndarray)):
            arr = _array(new, who)
            if arr.dtype != dtype:
                raise ValueError(f"{who}: right_inverse returned one tensor of dtype "
                                 f"{arr.dtype}, but the original is {dtype}; it may not change "
                                 "the dtype")
            self.__dict__["is_tensor"], self.__dict__["ntensors"] = True, 1
            before = original.data
            if new is not original:
                _set(original, arr, who)
            _register(self, "original", original)
        elif isinstance(new, Sequence):
            self.__dict__["is_tensor"], self.__dict__["ntensors"] = False, len(new)
            for i, x in enumerate(new):
                t = Tensor(np.array(_array(x, who), copy=True), requires_grad=True)
                t.requires_grad = original.requires_grad  # (a frozen one stays frozen)
                _register(self, f"original{i}", t)
        else:
            raise ValueError(f"{who}: right_inverse must return a Tensor or a sequence of "
                             f"Tensors, got a {type(new).__name__}")
        if not self.unsafe:
            try:
                _check_same(who, "the parametrization", self(), shape, dtype, "unparametrized")
            except Exception:
                if self.is_tensor:  # (refused: the module's tensor as it was)
                    original.data = before
                raise

    def forward(self) -> Tensor:  # type: ignore[override]
        layers = list(self)
        if self.is_tensor:
            x = layers[0](self.original)
        else:
            x = layers[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for m in layers[1:]:
            x = m(x)
        return x

    def right_inverse(self, value: Any) -> None:
        """torch's: `module.weight = value` sets the originals so that the parametrization
        gives `value` back (each parametrization's right_inverse, last first), in place."""
        who = "setting a parametrized tensor"
        engine.notify_write(who)  # (a write a jit replay would not redo)
        with no_grad():
            for m in reversed(list(self)):
                if not hasattr(m, "right_inverse"):
                    raise RuntimeError(f"{who}: parametrization {type(m).__name__} does not "
                                       "implement right_inverse")
                value = m.right_inverse(value)
        if self.is_tensor:
            arr = _array(value, who)
            if arr.dtype != self.original.data.dtype:
                raise ValueError(f"{who}: right_inverse returned dtype {arr.dtype} while "
                                 f"`original` is {self.original.data.dtype}")
            self._check_shape(who, 0, arr, self.original)
            _set(self.original, arr, who)
            return
        if isinstance(value, (Tensor, np.ndarray)) or not isinstance(value, Sequence):
            raise ValueError(f"{who}: right_inverse must return a sequence of tensors, got a "
                             f"{type(value).__name__}")
        if len(value) != self.ntensors:
            raise ValueError(f"{who}: right_inverse must return a sequence of {self.ntensors} "
                             f"tensors, got {len(value)}")
        arrays = [_array(v, who) for v in value]
        for i, arr in enumerate(arrays):  # (all checked before any is written)
            dt = getattr(self, f"original{i}").data.dtype
            if arr.dtype != dt:
                raise ValueError(f"{who}: tensor {i} returned by right_inverse has dtype "
                                 f"{arr.dtype} while `original{i}` has dtype {dt}")
            self._check_shape(who, i, arr, getattr(self, f"original{i}"))
        for i, arr in enumerate(arrays):
            _set(getattr(self, f"original{i}"), arr, who)


    def _check_shape(self, who: str, i: int, arr: np.ndarray, original: Tensor) -> None:
        """A value of another shape (torch's set_ takes it, and the layer then computes with a
        weight of the wrong shape) only where the parametrization was registered unsafe."""
        if not self.unsafe and arr.shape != original.data.shape:
            name = "original" if self.is_tensor else f"original{i}"
            raise ValueError(f"{who}: right_inverse gave shape {arr.shape} for {name} of shape "
                             f"{original.data.shape}; assign a value of the tensor's shape (or "
                             "register with unsafe=True)")


def _register(module: Module, name: str, t: Tensor) -> None:
    """register_parameter, also for a frozen tensor (requires_grad False: still a parameter,
    as after requires_grad_(False))."""
    frozen = not t.requires_grad
    t.requires_grad = True
    module.register_parameter(name, t)
    t.requires_grad = not frozen


def _check_same(who: str, what: str, z: Any, shape: tuple[int, ...], dtype: np.dtype,
                before: str) -> None:
    if not isinstance(z, Tensor):
        raise ValueError(f"{who}: {what} must return a Tensor, got a {type(z).__name__}")
    if z.data.dtype != dtype or z.data.shape != shape:
        raise ValueError(f"{who}: {what} changed the tensor's dtype/shape from {dtype} "
                         f"{shape} ({before}) to {z.data.dtype} {z.data.shape}; pass "
                         "unsafe=True if that is meant")


def tensor_names(module: Module, tensor_name: str) -> tuple[str, str]:
    """(the course's attribute, torch's name): ("W", "weight") for a Linear given either."""
    if not isinstance(tensor_name, str):
        raise TypeError(f"parametrize: tensor_name must be a string, got "
                        f"{type(tensor_name).__name__}")
    names = getattr(type_before_parametrizations(module), "torch_names", {})
    ours = {t: o for o, t in names.items()}.get(tensor_name, tensor_name)
    return ours, names.get(ours, ours)


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """torch's: does `module` have a parametrization (on `tensor_name`, else on any)?"""
    plist = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(plist, ModuleDict):
        return False
    if tensor_name is None:
        return len(plist) > 0
    return tensor_names(module, tensor_name)[1] in plist


def type_before_parametrizations(module: Module) -> type:
    """torch's: the module's class as it was before its first parametrization."""
    cls = type(module)
    return cls.__bases__[0] if getattr(cls, "_parametrized_class", False) else cls


def _getstate(self: Any) -> Any:
    raise RuntimeError(f"{type(self).__name__}: a parametrized module cannot be pickled "
                       "(torch's refusal too): save its state_dict() and load it into a "
                       "module parametrized the same way")


def _deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    out = memo.get(id(self))
    if out is None:  # (a class of its own: removing or adding a parametrization on the copy
        cls = type(self)  # deletes or adds a property there, which must not reach this one)
        dct = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
        out = memo[id(self)] = object.__new__(type(cls.__name__, cls.__bases__, dct))
        out.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return out


def _inject_class(module: Module) -> None:
    cls = type(module)
    dct: dict[str, Any] = {"_parametrized_class": True, "__getstate__": _getstate,
                           "__module__": cls.__module__}
    if not hasattr(cls, "__deepcopy__"):
        dct["__deepcopy__"] = _deepcopy
    object.__setattr__(module, "__class__", type(f"Parametrized{cls.__name__}", (cls,), dct))


def _originals(plist: ParametrizationList) -> list[Tensor]:
    if plist.is_tensor:
        return [plist.original]
    return [getattr(plist, f"original{i}") for i in range(plist.ntensors)]


def _inputs(plist: ParametrizationList) -> list[Any]:
    """What cached() checks a parametrized tensor's entry against: the list and each module in
    it (a parametrization registered, replaced or removed since) and their parameters' arrays
    (the originals', a learned scale's), by identity. Walked here, not by parameters(), whose
    listing tripled the cost of a cache hit."""
    out: list[Any] = []
    todo: list[Any] = [plist]
    seen: set[int] = set()
    while todo:
        m = todo.pop()
        if id(m) in seen:  # (a module reached twice: once, as parameters() lists it)
            continue
        seen.add(id(m))
        out.append(m)
        for p in m._parameters.values():
            if p is not None:
                out.append(p.data)
        for c in m._modules.values():
            if c is not None:
                todo.append(c)
    return out


def _read_only(t: Any, plist: ParametrizationList, why: str) -> Any:
    """The computed tensor, its array read-only (write_guard.computed: our writers refuse in
    `why`'s line, NumPy's own write says it is read-only); not one sharing an original's memory
    (a parametrization returning its input, or a view of it: a write there reaches it)."""
    a = getattr(t, "data", None)
    if type(a) is not np.ndarray or id(a) in write_guard.computed:
        return t
    for o in _originals(plist):  # (an array owning its memory shares it only with itself)
        if a is o.data or (a.base is not None and np.may_share_memory(a, o.data)):
            return t
    mark_computed(a, why)
    return t


def mark_computed(a: np.ndarray, why: str) -> None:
    """Make `a`, the array of a tensor computed afresh from others (a parametrized or
    pruned weight), read-only: our writers (nn.init, in-place ops, reset_parameters) refuse in
    one line saying `why`, NumPy's own write says it is read-only."""
    if a.flags.writeable:  # (else a graph holds it, spectral norm's division: refused while
        a.flags.writeable = False  # it does, by write_guard.writable)
    k = id(a)
    write_guard.computed[k] = (weakref.ref(a, lambda _, k=k: write_guard.computed.pop(k, None)),
                               why)


def _inject_property(module: Module, ours: str, key: str) -> None:
    why = (f"{type_before_parametrizations(module).__name__}.{ours} is computed by its "
           "parametrization at each read, so a write into it (nn.init, an in-place op, "
           f"reset_parameters) would reach no parameter: assign module.{ours} = value "
           "(right_inverse sets the originals), or write into "
           f"module.parametrizations.{key}.original* under no_grad()")

    def get(self: Any) -> Tensor:
        plist = self.parametrizations[key]
        if not _cache_depth:
            return _read_only(plist(), plist, why)
        # the very module too (torch's gave a value gone stale: a module freed in the block
        # leaves its id to a new one, whose originals may be the same arrays, a tied weight)
        k, now = (id(self), key), _inputs(plist)
        hit = _cache.get(k)
        if (hit is None or hit[3]() is not self or len(hit[1]) != len(now)
                or any(a is not b for a, b in zip(hit[1], now))):
            graph = write_guard.Graph()  # (the arrays locked while cached: an optimizer's step
            graph.hold([a for a in now if isinstance(a, np.ndarray)])  # gives them new arrays,
            hit = _cache[k] = (_read_only(plist(), plist, why), now, graph,  # so the value is
                               weakref.ref(self))  # computed afresh)
        return hit[0]

    def put(self: Any, value: Any) -> None:
        self.parametrizations[key].right_inverse(value)

    setattr(type(module), ours, property(get, put))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """torch's: make `module.<tensor_name>` computed as `parametrization(original)`; again on
    a parametrized tensor, `parametrization` is applied after the ones there. Checks (unless
    unsafe=True) that the dtype and shape stay; returns `module`."""
    who = f"register_parametrization({type(module).__name__}, {tensor_name!r})"
    if not isinstance(module, Module) or not isinstance(parametrization, Module):
        raise TypeError(f"{who}: module and parametrization must be nn.Modules, got "
                        f"{type(module).__name__} and {type(parametrization).__name__}")
    ours, key = tensor_names(module, tensor_name)
    parametrization.train(module.training)
    if is_parametrized(module, key):
        if not unsafe:
            y = getattr(module, ours)
            x = parametrization(y)
            _check_same(who, "the parametrization", x, y.data.shape, y.data.dtype,
                        f"module.{tensor_name}")
            if hasattr(parametrization, "right_inverse"):
                try:
                    z = parametrization.right_inverse(x)
                except NotImplementedError:
                    pass
                else:
                    _check_same(who, "its right_inverse", z, y.data.shape, y.data.dtype,
                                f"module.{tensor_name}")
        engine.notify_write(f"{who}")
        plist = module.parametrizations[key]
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or bool(unsafe)
        return module
    if ours in module._buffers:
        raise ValueError(f"{who}: {tensor_name!r} is a buffer; parametrizing a buffer is not "
                         "supported here (only parameters)")
    original = module._parameters.get(ours)
    if original is None:
        raise ValueError(f"{who}: {type(module).__name__} has no parameter or parametrized "
                         f"tensor named {tensor_name!r}")
    engine.notify_write(f"{who}")
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, ours)
    if not is_parametrized(module):
        _inject_class(module)
        module.parametrizations = ModuleDict()
    _inject_property(module, ours, key)
    module.parametrizations[key] = plist
    return module


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """torch's: `module.<tensor_name>` a plain parameter again, holding its current
    (parametrized) value with leave_parametrized=True, else the original (which must then be
    one tensor). A single original stays the same Tensor object (optimizers keep it)."""
    who = f"remove_parametrizations({type(module).__name__}, {tensor_name!r})"
    if not isinstance(leave_parametrized, (bool, np.bool_)):
        raise TypeError(f"{who}: leave_parametrized must be True or False, got "
                        f"{leave_parametrized!r}")
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"{who}: {type(module).__name__} has no parametrization on "
                         f"{tensor_name!r}")
    ours, key = tensor_names(module, tensor_name)
    plist = module.parametrizations[key]
    engine.notify_write(who)
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, ours)
            _set(original, data_of(t), who)
    elif leave_parametrized:
        with no_grad():
            t = getattr(module, ours)
        original = Tensor(np.array(data_of(t), copy=True), requires_grad=True)
        original.requires_grad = plist.original0.requires_grad
    else:
        raise ValueError(f"{who}: cannot leave unparametrized (leave_parametrized=False) a "
                         "tensor parametrized by a sequence of tensors (weight norm's g and v)")
    delattr(type(module), ours)
    del module.parametrizations[key]
    _register(module, ours, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        object.__setattr__(module, "__class__", type_before_parametrizations(module))
    return module


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: str | None = None) -> Module:
    """torch's: the parametrizations of `from_module` (on `tensor_name`, else all) registered
    on `to_module` too, the same parametrization modules, its originals the very same tensors
    (tied: training either trains both); `to_module` gets the parameter first if it lacks it.
    Returns `to_module`."""
    if not is_parametrized(from_module):
        return to_module
    keys = list(from_module.parametrizations) if tensor_name is None else [
        tensor_names(from_module, tensor_name)[1]]
    for key in keys:
        src = from_module.parametrizations[key]
        ours = tensor_names(to_module, key)[0]
        if not hasattr(to_module, ours):
            value = data_of(getattr(from_module, tensor_names(from_module, key)[0]))
            setattr(to_module, ours, Tensor(np.array(value, copy=True), requires_grad=True))
        for p in src:
            register_parametrization(to_module, ours, p)
        dst = to_module.parametrizations[tensor_names(to_module, key)[1]]
        for name in (["original"] if src.is_tensor else
                     [f"original{i}" for i in range(src.ntensors)]):
            setattr(dst, name, getattr(src, name))
    return to_module
