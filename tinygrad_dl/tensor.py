"""Tensor, the Function base class, and reverse-mode backprop over the recorded DAG.

Every op is a `Function` subclass with `forward(ctx, *arrays, **params)` and
`backward(ctx, grad)` side by side; `Function.apply` runs the forward on NumPy arrays and,
when a gradient is needed, records the op as the output's `_ctx` with its parent tensors.
`Tensor.backward` walks that DAG in reverse topological order (computed iteratively, so
graphs of millions of ops need no recursion) and hands each op the gradient of its output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

_GRAD_ENABLED = [True]
_SCOPE: list[str | None] = [None]  # innermost name_scope, recorded on each op for drawing


def is_grad_enabled() -> bool:
    return _GRAD_ENABLED[0]


class no_grad(contextlib.ContextDecorator):
    """Record nothing inside: `with no_grad(): ...` or `@no_grad()` on a function."""

    _mode = False

    def __init__(self) -> None:
        # a stack, not one slot: a decorated function may recurse, and an instance be re-entered
        self._prev: list[bool] = []

    def __enter__(self) -> no_grad:
        self._prev.append(_GRAD_ENABLED[0])
        _GRAD_ENABLED[0] = self._mode
        return self

    def __exit__(self, *exc: object) -> None:
        _GRAD_ENABLED[0] = self._prev.pop()


class enable_grad(no_grad):
    """Turn recording back on inside a `no_grad` block."""

    _mode = True


class name_scope(contextlib.ContextDecorator):
    """Tag the ops recorded inside with a scope name ("layers.0", "t=3"), nested with "/".

    Modules enter their own scope when called; draw_graph clusters ops by scope.
    (A small class rather than @contextmanager: an RNN enters one per time step.)
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        outer = _SCOPE[-1]
        _SCOPE.append(self.name if outer is None else f"{outer}/{self.name}")

    def __exit__(self, *exc: object) -> None:
        _SCOPE.pop()


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`: the adjoint of NumPy broadcasting (every elementwise op)."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:  # leading dims that broadcasting added (axis=0 is the bias of a Linear)
        grad = grad.sum(axis=0 if extra == 1 else tuple(range(extra)))
        if grad.shape == shape:
            return grad
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if kept:
        grad = grad.sum(axis=kept, keepdims=True)
    return grad


class Function:
    """One primitive op. Subclasses define forward(ctx, *arrays) and backward(ctx, grad).

    `ctx` is the Function instance itself: forward stores what backward needs on it
    (via `ctx.save_for_backward(...)` or plain attributes). backward returns one gradient per
    tensor input (None where an input needs none); `ctx.needs_input_grad[i]` says which.
    Backward may return `grad` itself or views of it (the engine never writes into those), but
    no other pre-existing array: anything else it returns is taken as freshly allocated.
    """

    parents: tuple[Tensor, ...] = ()
    saved: tuple[Any, ...] = ()
    released: bool = False

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved = arrays

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    @property
    def name(self) -> str:
        return type(self).__name__

    def release(self) -> None:
        """Free what forward saved (the graph's structure stays, for drawing)."""
        d = self.__dict__  # a fresh dict of the four structure keys: the fastest way to drop
        self.__dict__ = {  # everything else (this runs once per op per backward)
            "parents": d.get("parents", ()), "params": d.get("params"),
            "needs_input_grad": d.get("needs_input_grad"), "scope": d.get("scope"),
            "released": True,
        }

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        ctx = cls()
        try:  # unary and binary ops (nearly all) skip building two lists
            if len(inputs) == 1:
                x = inputs[0]
                ctx.needs_input_grad = needs = [x.requires_grad]
                data = ctx.forward(x.data, **params)
            elif len(inputs) == 2:
                x, y = inputs
                ctx.needs_input_grad = needs = [x.requires_grad, y.requires_grad]
                data = ctx.forward(x.data, y.data, **params)
            else:
                ctx.needs_input_grad = needs = [t.requires_grad for t in inputs]
                data = ctx.forward(*[t.data for t in inputs], **params)
        except ValueError as e:
            shapes = " and ".join(str(t.data.shape) for t in inputs)
            raise ValueError(f"{cls.__name__}: cannot apply to shapes {shapes}: {e}") from None
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out.name = None
        out._retain = False
        if _GRAD_ENABLED[0] and True in needs:
            ctx.parents = inputs
            ctx.params = params
            ctx.scope = _SCOPE[-1]
            out.requires_grad = True
            out._ctx = ctx
        else:
            out.requires_grad = False
            out._ctx = None
        return out


def _as_data(x: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    if isinstance(x, Tensor):
        return _as_data(x.data, dtype)
    arr = np.asarray(x, dtype=dtype)
    if dtype is None and arr.dtype.kind in "biu" and not isinstance(x, np.generic):
        arr = arr.astype(np.float64)  # Python numbers and lists default to float64
    return arr


class Tensor:
    """An n-d array that remembers the op that produced it, for reverse-mode autodiff.

    Rows are samples: a batch of n d-dimensional inputs is an (n, d) Tensor.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "name", "_retain", "__weakref__")
    __array_ufunc__ = None  # make `ndarray op Tensor` defer to Tensor's reflected operators
    __array_priority__ = 1000

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        arr = _as_data(data, dtype)
        if requires_grad and arr.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require grad, got dtype {arr.dtype}"
                f"{f' for {name!r}' if name else ''}; cast with .astype(np.float64) first"
            )
        self.data: np.ndarray = arr
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx: Function | None = None
        self.name = name
        self._retain = False

    # ---- introspection -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        extra = ""
        if self._ctx is not None:
            extra = f", op={self._ctx.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        body = np.array2string(self.data, precision=4, threshold=20, separator=", ")
        return f"Tensor({body}, dtype={self.data.dtype}{extra})"

    def detach(self) -> Tensor:
        return Tensor(self.data)

    def astype(self, dtype: Any) -> Tensor:
        return Tensor(self.data.astype(dtype), requires_grad=self.requires_grad, name=self.name)

    def zero_grad(self) -> None:
        self.grad = None

    def retain_grad(self) -> Tensor:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        self._retain = True
        return self

    # ---- backprop ------------------------------------------------------------------------
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` that requires grad.

        `grad` is the gradient of some scalar w.r.t. this tensor; it defaults to 1 for a
        one-element tensor. Saved intermediates are freed afterwards unless retain_graph.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"backward() on a tensor that does not require grad (shape {self.shape}): "
                "no input of the graph has requires_grad=True, or it was built under no_grad()"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() on a non-scalar tensor of shape {self.shape} needs an explicit "
                    "grad of that shape (the gradient of the final scalar w.r.t. this tensor)"
                )
            grad = np.ones(self.data.shape, self.data.dtype)  # (np.ones_like: a slower wrapper)
        else:
            grad = _as_data(grad, self.data.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(): grad has shape {grad.shape} but the tensor has shape {self.shape}"
                )
        ops, leaves = _toposort(self)
        grads: dict[int, np.ndarray] = {id(self): grad}  # pending gradient of each tensor
        owned: set[int] = set()  # ids of tensors whose pending grad array we allocated
        pop, get, own, disown = grads.pop, grads.get, owned.add, owned.discard  # hot-loop aliases
        for t in ops:  # every op's output, each before the ops that made its inputs
            g = pop(id(t), None)
            if g is None:  # nothing downstream sent it a gradient
                continue
            if t._retain:
                t._accumulate(g, id(t) in owned)
            ctx = t._ctx
            if ctx.released:
                raise RuntimeError(
                    f"backward through {ctx.name} a second time: its saved arrays were freed by "
                    "the first backward(); call backward(retain_graph=True) the first time"
                )
            in_grads = ctx.backward(g)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            parents = ctx.parents
            n_in = len(in_grads)
            if n_in != len(parents):
                raise RuntimeError(
                    f"{ctx.name}.backward returned {n_in} gradients for {len(parents)} inputs"
                )
            for p, pg in zip(parents, in_grads):
                if pg is None or not p.requires_grad:
                    continue
                if type(pg) is not np.ndarray:  # a NumPy scalar (a full reduction) can't
                    pg = np.asarray(pg)  # be accumulated into in place: make it a 0-d array
                if pg.shape != p.data.shape:
                    raise RuntimeError(
                        f"{ctx.name}.backward returned a gradient of shape {pg.shape} for an "
                        f"input of shape {p.data.shape}"
                    )
                key = id(p)
                prev = get(key)
                if prev is None:
                    grads[key] = pg
                    # ours to add into later only if fresh: not g, not a view, and not the
                    # same array handed to another input of this op as well
                    if (pg is not g and pg.base is None and pg.flags.writeable
                            and (n_in == 1 or (in_grads[0] is not in_grads[1] if n_in == 2
                                               else _only_once(pg, in_grads)))):
                        own(key)
                    else:
                        disown(key)
                elif key in owned:
                    prev += pg
                else:
                    total = prev + pg
                    if type(total) is not np.ndarray:  # 0-d + 0-d gives a NumPy scalar
                        total = np.asarray(total)
                    grads[key] = total
                    own(key)
            if not retain_graph:
                ctx.release()
        for t in leaves:  # all their gradient has arrived: add it into .grad
            key = id(t)
            g = pop(key, None)
            if g is None:
                continue
            if t.grad is None:
                t.grad = g if key in owned else g.copy()  # store g itself only if ours
            else:
                t.grad += g

    def _accumulate(self, g: np.ndarray, mine: bool) -> None:
        """Add a finished gradient into .grad; store `g` itself only if nothing else holds it."""
        if self.grad is None:
            self.grad = g if mine else g.copy()
        else:
            self.grad += g

    # ---- operators (the ops themselves live in tinygrad_dl.ops) --------------------------
    def _lift(self, other: Any) -> Tensor:
        """Wrap a constant operand; Python scalars take this tensor's dtype (no upcast)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float)) and self.data.dtype.kind == "f":
            return Tensor(np.asarray(other, dtype=self.data.dtype))
        return Tensor(other)

    def draw(self, **kwargs: Any) -> Any:
        """The graphviz.Digraph of the graph that produced this tensor (see viz.draw_graph)."""
        from .viz import draw_graph

        return draw_graph(self, **kwargs)

    @property
    def T(self) -> Tensor:
        return self.transpose()


def _only_once(a: np.ndarray, arrays: tuple[Any, ...]) -> bool:
    n = 0
    for s in arrays:
        if s is a:
            n += 1
    return n == 1


_DONE = object()  # stack marker: the node below it has had all its parents finished


def _toposort(root: Tensor) -> tuple[list[Tensor], list[Tensor]]:
    """(ops, leaves) of the graph below root, restricted to tensors that need a gradient.

    ops: the non-leaf tensors, root first, each before all of its parents (iterative DFS,
    so deep graphs need no recursion). leaves: the leaves, in the order first reached. Leaves
    are kept apart because backward only has to add their finished gradient into .grad, after
    every op has run; this also spares the DFS two stack operations per leaf.
    """
    order: list[Tensor] = []
    leaves: list[Tensor] = []
    if root._ctx is None:
        return order, [root]
    visited: set[int] = set()
    stack: list[Any] = [root]
    push, pop, finish, seen, leaf, mark = (
        stack.append, stack.pop, order.append, visited.add, leaves.append, _DONE)
    while stack:
        node = pop()
        if node is mark:
            finish(pop())
            continue
        # mark on expansion, not on push: a node pushed early via one path but reached again
        # via a deeper one must still finish after every node that uses it
        key = id(node)
        if key in visited:
            continue
        seen(key)
        push(node)
        push(mark)
        for p in node._ctx.parents:
            if p.requires_grad:
                key = id(p)
                if key in visited:
                    continue
                if p._ctx is None:  # a leaf is done as soon as it is found
                    seen(key)
                    leaf(p)
                else:
                    push(p)
    order.reverse()
    return order, leaves


# ---- constructors ------------------------------------------------------------------------
def _shape(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], Iterable):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def randn(
    *shape: Any,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float64,
    requires_grad: bool = False,
) -> Tensor:
    rng = np.random.default_rng() if rng is None else rng
    data = rng.standard_normal(_shape(shape)).astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad)


Tensor.zeros = staticmethod(zeros)  # type: ignore[attr-defined]
Tensor.ones = staticmethod(ones)  # type: ignore[attr-defined]
Tensor.randn = staticmethod(randn)  # type: ignore[attr-defined]
