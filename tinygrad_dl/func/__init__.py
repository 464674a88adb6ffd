"""PyTorch's `torch.func`, the part reverse mode gives: `functional_call`, `grad`,
`grad_and_value` and `vjp`.

    def loss_fn(params, x, t):
        return ((functional_call(model, params, (x,)) - t) ** 2).mean()

    params = {k: v.detach() for k, v in model.named_parameters()}
    grads = grad(loss_fn)(params, x, t)          # a dict shaped as params

`grad(func, argnums=0, has_aux=False)` returns a function that calls `func` and gives the
gradient of its scalar output with respect to the arguments at `argnums` (an int or a tuple
of ints); an argument may be a Tensor or a dict, tuple (a namedtuple too) or list of Tensors
(nested), and its gradient has the same shape (zeros where the output does not depend on
it). `func` runs on fresh leaves that share the arguments' arrays, with grad mode on (as
torch's: an outer no_grad() does not reach inside), so the caller's tensors and their `.grad`
are untouched.
`vjp(func, *primals, has_aux=False)` gives `(output, vjp_fn)`; `vjp_fn(cotangents)` (shaped
as the output) gives one gradient per primal, and may be called again.

What differs from torch's (one clear line, never a silently wrong number): there is no
double backward here (backward runs on NumPy), so a transform inside another (`grad` of
`grad`) is refused, and a result computed from tensors that require grad outside (the
model's parameters, say) is a Tensor whose backward raises, where torch's would carry the
second derivative. `jacrev`, `jacfwd`, `hessian`, `vmap`, `jvp` and `linearize` need
transforms that are not here: they raise, naming `tinygrad_dl.autograd.functional`'s
`jacobian` (one backward per output entry) or a loop instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import autograd, engine, hooks
from ..engine import enable_grad, is_grad_enabled
from ..nn.utils.stateless import functional_call
from ..tensor import Tensor
from ..tensor.backward_to import below

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "linearize", "vjp", "vmap"]

_inside = threading.local()  # how deep in a transform's call this thread is (nesting refused)


class FirstOrderOnly(engine.Function):
    """A transform's result (a gradient, or an output computed on its fresh leaves) hung
    below the caller's tensors that require grad: its backward raises, where torch's would
    give the second derivative (here backward records no graph of itself)."""

    def forward(self, *arrays: np.ndarray, value: np.ndarray, who: str) -> np.ndarray:
        self.who = who
        return value

    def backward(self, grad: np.ndarray) -> Any:
        raise NotImplementedError(f"tinygrad_dl.func.{self.who}: a backward through its result "
                                  "is not supported: it would need the second derivative "
                                  "(no double backward here: backward runs on NumPy); detach "
                                  "the result, or use autograd.grad on the outputs directly")


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """torch.func.grad: a function giving d func(*args) / d args[argnums] (with has_aux,
    func returns (output, aux) and this gives (gradient, aux))."""
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = both(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """torch.func.grad_and_value: as grad, giving (gradient, output) (with has_aux,
    (gradient, (output, aux)))."""
    nums, many = _argnums(argnums)
    has_aux = _flag(has_aux, "has_aux")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        who = "grad_and_value(f)(*args)"
        at = [_position(n, len(args)) for n in nums]
        if len(set(at)) != len(at):  # ((0, -1) of one argument: one input twice)
            raise RuntimeError(f"argnums must be unique, got {argnums!r} for {len(args)} "
                               "positional inputs")
        fresh = list(args)
        leaves: list[list[Tensor]] = []
        for i in at:
            fresh[i], got = _fresh(args[i])
            leaves.append(got)
        with _transform("grad"), hooks.attach(transform="grad"), enable_grad():
            out = func(*fresh, **kwargs)  # (a backward in it refused: see hooks.refuse_backward)
        out, aux = _split_aux(out, has_aux, who)
        if not isinstance(out, Tensor):
            raise RuntimeError(f"{who}: Expected f(*args) to return a Tensor, got "
                               f"{type(out).__name__}")
        if out.data.ndim != 0:
            raise RuntimeError(f"{who}: Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {out.data.ndim} dims. Maybe you wanted to use the vjp "
                               "API instead?")
        flat = [t for group in leaves for t in group]
        gs = (autograd.grad(out, flat, allow_unused=True, materialize_grads=True)
              if out.requires_grad and flat else [Tensor(np.zeros_like(t.data)) for t in flat])
        outer = _outer(args, [out], flat)
        gs = iter([_hung(g.data, outer, "grad") for g in gs])
        shaped = tuple(_rebuilt(args[i], gs) for i in at)
        value = _hung(out.data, outer, "grad_and_value")
        if has_aux:
            value = (value, _mapped(aux, lambda t: _hung(t.data, outer, "grad")))
        return (shaped if many else shaped[0]), value

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """torch.func.vjp: (func(*primals), vjp_fn) (with has_aux, and aux last);
    vjp_fn(cotangents), cotangents shaped as the output, gives a tuple of one gradient per
    primal, each shaped as it (zeros where the output does not depend on it)."""
    has_aux = _flag(has_aux, "has_aux")
    fresh, leaves = [], []
    for p in primals:
        f, got = _fresh(p)
        fresh.append(f)
        leaves.extend(got)
    with _transform("vjp"), hooks.attach(transform="vjp"), enable_grad():
        out = func(*fresh)
    out, aux = _split_aux(out, has_aux, "vjp(f, *primals)")
    outs = _tensors_of(out, "vjp(f, *primals): output")
    outer = _outer(primals, outs, leaves)

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        with _transform("vjp"):  # (called inside a grad: refused, as a nested transform)
            return _pulled_back(cotangents)

    def _pulled_back(cotangents: Any) -> tuple[Any, ...]:
        cots = _tensors_of(cotangents, "vjp_fn: cotangents")
        if _structure(cotangents) != _structure(out):
            raise RuntimeError("vjp_fn: Expected pytree structure of cotangents to be the same "
                               f"as pytree structure of outputs to the function. cotangents: "
                               f"{_structure(cotangents)}, primal output: {_structure(out)}")
        for o, c in zip(outs, cots):
            if c.data.shape != o.data.shape:
                raise RuntimeError(f"vjp_fn: Mismatch in shape: a cotangent has a shape of "
                                   f"{c.data.shape} and its output a shape of {o.data.shape}")
        pairs = [(o, c) for o, c in zip(outs, cots) if o.requires_grad]
        gs = (autograd.grad([o for o, _ in pairs], leaves, [c for _, c in pairs],
                            retain_graph=True, allow_unused=True, materialize_grads=True)
              if pairs else [Tensor(np.zeros_like(t.data)) for t in leaves])
        also = [c for c in cots if c.requires_grad and is_grad_enabled()]
        it = iter([_hung(g.data, outer + also, "vjp") for g in gs])
        return tuple(_rebuilt(p, it) for p in primals)

    shown = _mapped(out, lambda t: _hung(t.data, outer, "vjp"))
    if has_aux:
        return shown, vjp_fn, _mapped(aux, lambda t: _hung(t.data, outer, "vjp"))
    return shown, vjp_fn


def _refused(name: str, instead: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"tinygrad_dl.func.{name}: not supported (no vmap or "
                                  f"forward-mode transforms here); use {instead}")

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"torch.func.{name}: refused in one line; use {instead}."
    return refuse


_JAC = "tinygrad_dl.autograd.functional.jacobian(func, inputs) (one backward per output entry)"
jacrev = _refused("jacrev", _JAC)
jacfwd = _refused("jacfwd", _JAC)
jvp = _refused("jvp", "tinygrad_dl.autograd.functional.jvp(func, inputs, v)")
linearize = _refused("linearize", "tinygrad_dl.autograd.functional.jvp(func, inputs, v)")
vmap = _refused("vmap", "a Python loop over the batch (or one batched call of the function)")
hessian = _refused("hessian", "none: second derivatives need a double backward, which is not "
                   "here (tinygrad_dl.gradcheck checks a hand-written one)")


# ---- the pieces ----------------------------------------------------------------------------
class _transform:
    """Marks a transform's call; one inside another is refused (no double backward here)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        if getattr(_inside, "depth", 0):
            raise NotImplementedError(f"tinygrad_dl.func.{self.name} inside another func "
                                      "transform (grad of grad): not supported, there is no "
                                      "double backward here (backward runs on NumPy)")
        _inside.depth = 1

    def __exit__(self, *exc: Any) -> None:
        _inside.depth = 0


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"tinygrad_dl.func: {name} must be True or False, got {value!r}")
    return bool(value)


def _argnums(argnums: Any) -> tuple[tuple[int, ...], bool]:
    many = isinstance(argnums, tuple)
    nums = argnums if many else (argnums,)
    if many and not nums:
        raise RuntimeError("argnums must be non-empty")
    for n in nums:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {argnums!r}")
    if len(set(nums)) != len(nums):
        raise RuntimeError(f"argnums must be unique, got {argnums!r}")
    return tuple(int(n) for n in nums), many


def _position(n: int, count: int) -> int:
    if not -count <= n < count:
        raise RuntimeError(f"Got argnum={n}, but only {count} positional inputs")
    return n % count


def _fresh(value: Any) -> tuple[Any, list[Tensor]]:
    """`value` (a Tensor, or a dict/tuple/list of them) with fresh leaves that require grad
    in place of its Tensors (the same arrays), and those leaves in order."""
    leaves: list[Tensor] = []

    def leaf(t: Any) -> Tensor:
        if not isinstance(t, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")
        if t.data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, "
                               f"got {t.data.dtype}")
        leaves.append(Tensor(t.data, requires_grad=True))
        return leaves[-1]

    return _mapped(value, leaf), leaves


def _mapped(value: Any, fn: Callable[[Any], Any]) -> Any:
    """fn applied to each leaf of nested dicts, tuples and lists (their shapes kept)."""
    if isinstance(value, dict):
        return type(value)((k, _mapped(v, fn)) for k, v in value.items())
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # (a namedtuple: torch's
        return type(value)(*(_mapped(v, fn) for v in value))  # pytree walks it too)
    if isinstance(value, (tuple, list)):
        return type(value)(_mapped(v, fn) for v in value)
    return fn(value)


def _rebuilt(like: Any, items: Any) -> Any:
    """The next gradients from `items`, shaped as `like`'s tree."""
    return _mapped(like, lambda _: next(items))


def _structure(value: Any) -> str:
    """A tree's shape, as torch's pytree prints it: `*` a leaf."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_structure(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return f"{type(value).__name__}(" + ", ".join(
            f"{k}={_structure(v)}" for k, v in zip(value._fields, value)) + ")"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_structure(v) for v in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else (
            f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
    return "*"


def _tensors_of(value: Any, what: str) -> list[Tensor]:
    out: list[Tensor] = []

    def keep(t: Any) -> Any:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"{what}: Expected tensors, got unsupported type {type(t)}")
        out.append(t)
        return t

    _mapped(value, keep)
    return out


def _split_aux(out: Any, has_aux: bool, who: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{who}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    _tensors_of(out[1], f"{who}: aux")
    return out


def _outer(args: Any, outs: list[Tensor], fresh: list[Tensor]) -> list[Tensor]:
    """The tensors outside the transform that require grad and that its results depend on:
    the arguments' (any of them), and those the outputs' graphs reach other than the fresh
    leaves (a closure's parameters). None when grad mode is off: torch's results then carry
    no graph either."""
    if not is_grad_enabled():
        return []
    mine = {id(t) for t in fresh}
    found: dict[int, Tensor] = {}

    def keep(t: Any) -> Any:
        if isinstance(t, Tensor) and t.requires_grad:
            found.setdefault(id(t), t)
        return t

    for a in args:
        _mapped(a, keep)
    _, leaves = below([o for o in outs if o.requires_grad])
    for t in leaves:
        if t.requires_grad and id(t) not in mine:
            found.setdefault(id(t), t)
    return list(found.values())


def _hung(value: np.ndarray, outer: list[Tensor], who: str) -> Tensor:
    """A result as a Tensor: plain, or (depending on tensors that require grad outside)
    below them through FirstOrderOnly, whose backward refuses."""
    if not outer:
        return Tensor(value)
    return FirstOrderOnly.apply(*outer, value=value, who=who)
