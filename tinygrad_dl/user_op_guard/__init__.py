"""A user's op (a `Function` subclass defined outside this package): its arrays read-only while
it runs (`user_op`, the engine's `Function.__init_subclass__`), so a write into an input, the
upstream gradient or what forward saved raises one line at the write. Apart from the write
guard (`write_guard`, which re-exports `user_op`): the guard of a live graph's arrays and this
guard of one call share no state but `user_ops`, the classes `write_guard.join` locks the long
way."""

from __future__ import annotations

from typing import Any

import numpy as np

_setflags = np.ndarray.setflags

_OURS = __name__.split(".")[0]  # this package's name: its own ops are tested, not guarded


def user_op(cls: type, **kwargs: Any) -> None:
    """engine.Function.__init_subclass__: a user's op (a subclass defined outside this package)
    runs its own forward with its input arrays read-only, and its own backward with `g` and
    what forward saved read-only, as a graph holds arrays. Arrays its forward keeps as
    attributes (`ctx.x = x`, the engine's own style) count as saved when it saved nothing
    (`ctx.saved`): the graph then locks its inputs as for `save_for_backward`. A forward that
    wrote into its input (`x -= x.max(axis=1, keepdims=True)`, the classic softmax slip)
    changed the caller's tensor, a backward's `g *= 2` a sibling's gradient, and a write into
    an input kept as `ctx.x` the gradient, without a word; each now raises one line at the
    write. The ops of this package do not pay for it."""
    if kwargs:
        raise TypeError(f"{cls.__name__}: unexpected class arguments {sorted(kwargs)}")
    if cls.__module__.split(".")[0] == _OURS:
        return
    user_ops.add(cls)  # (its result may be any array it keeps: join locks it the long way)
    for method, why in (("forward", _INPUTS), ("backward", _UPSTREAM)):
        fn = cls.__dict__.get(method)
        if callable(fn):
            setattr(cls, method, _read_only_arrays(fn, f"{cls.__name__}.{method}", why))


user_ops: set[type] = set()  # the ops defined outside this package (user_op)
# what a user's forward and backward must leave as they were, and why (their error's words)
_INPUTS = ("its inputs are read-only while it runs, since a write would change the caller's "
           "tensor (x -= m changes x); compute into a new array (x = x - m)")
_UPSTREAM = ("its upstream gradient g and what forward saved are read-only while it runs, since "
             "g may be another op's gradient too (an add hands one array to both inputs) and a "
             "second backward reads what was saved; compute a new array (return g * 2)")


def _read_only_arrays(fn: Any, name: str, why: str) -> Any:
    """`fn` (a user op's forward or backward) with what it must not write read-only while it
    runs. forward gets read-only views of its input arrays, which other threads may share (a
    parameter): no array's flag changes; what it keeps of them (saved, as attributes, as its
    result) is the input's own array again afterwards, which the graph then locks. backward's
    `g` and what forward saved are this backward's own: their flags are set back after it."""
    backward = why is _UPSTREAM

    def guarded(ctx: Any, *xs: Any, **params: Any) -> Any:
        own: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id(view) -> (view, input)
        if backward:
            held = [a for a in (*xs, *ctx.saved) if type(a) is np.ndarray and a.flags.writeable]
            args: Any = xs
        else:
            args = list(xs)
            for i, x in enumerate(xs):
                if type(x) is np.ndarray and x.flags.writeable:
                    v = args[i] = x.view()
                    own[id(v)] = (v, x)
            held = [v for v, _ in own.values()]
        for a in held:
            _setflags(a, False)
        try:
            out = fn(ctx, *args, **params)
        except ValueError as e:
            if "read-only" not in str(e):
                raise
            raise RuntimeError(f"{name} wrote into a read-only array: {why} ({e})") from None
        finally:
            if backward:
                for a in held:
                    try:
                        _setflags(a, True)
                    except ValueError:  # a view whose owner a graph locked since: stays so
                        pass
        if own:
            out = _own_arrays(ctx, own, out)
        if not backward and type(ctx.saved) not in (tuple, list):  # (the engine reads a tuple)
            raise TypeError(f"{name} set ctx.saved to a {type(ctx.saved).__name__}: call "
                            "ctx.save_for_backward(x, ...), which keeps a tuple, or keep it as "
                            "another attribute (ctx.x = x)")
        if not backward and not ctx.saved:  # kept as attributes (ctx.x = x), not saved:
            kept = _arrays_of(vars(ctx).values())  # the graph holds them all the same
            if kept:
                ctx.saved = kept
        return out
    guarded.__name__, guarded.__qualname__, guarded.__doc__ = (
        fn.__name__, getattr(fn, "__qualname__", name), fn.__doc__)
    guarded.__wrapped__ = fn  # type: ignore[attr-defined]
    return guarded


def _own_arrays(ctx: Any, own: dict[int, tuple[np.ndarray, np.ndarray]], out: Any) -> Any:
    """The inputs' own arrays in place of the read-only views forward got, in what it kept on
    ctx (saved, attributes, one level into tuples and lists) and as its result."""
    d = vars(ctx)
    for k, v in d.items():  # (plain loops: this runs per call of a user's op)
        t = type(v)
        if t is np.ndarray:
            if id(v) in own:
                d[k] = own[id(v)][1]
        elif t is tuple or t is list:
            for a in v:
                if id(a) in own:
                    d[k] = t([own[id(b)][1] if id(b) in own else b for b in v])
                    break
    return own[id(out)][1] if id(out) in own else out


def _arrays_of(values: Any) -> tuple[np.ndarray, ...]:
    """The arrays among `values` and in the tuples and lists among them (one level)."""
    found: list[np.ndarray] = []
    for v in values:
        if isinstance(v, np.ndarray):
            found.append(v)
        elif type(v) in (tuple, list):
            found += [a for a in v if isinstance(a, np.ndarray)]
    return tuple(found)
