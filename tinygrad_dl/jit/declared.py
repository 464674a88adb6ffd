"""What an op declares for replay, and the checks that let replay trust it.

Replay runs what an op says stands in for its methods: `prepare` for `forward` (the value
unread), `backward_into` for `backward`, the `same_shape_backward` expressions for `backward`
over what `forward` saved (and `shaped_backward`'s, written for the recorded shapes: MatMul's
2-D products), and `indexes_by` (the op is `x[index]`) for both, written out as a view and a
rows' add. A declaration is trusted only where it holds:

- it is the op's own, not a parent's under a subclass's own method (`declared`): a `Mul`
  subclass with its own backward inherits `Mul`'s expressions, which are not its backward;
- the expressions give backward's bits (`agrees`: run once per op class and dtypes on a small
  sample, or on inputs of the recorded shapes for `shaped_backward`, as
  tests/test_jit_inline.py runs the library's own): a user op's declaration is not
  exercised by its gradcheck, which runs eagerly;
- where replay reads an op's inputs in place of what its `prepare` saved (`plan`'s direct
  ops), the `prepare` saves exactly those inputs (`saves_inputs`);
- an `indexes_by` op gives x[index] and, as its gradient, g added into zeros at index, bit
  for bit, on an input of the recorded shape and dtype (`rows_agree`);
- a `same_shape_forward` expression gives forward's value bit for bit on a small sample, and
  what forward saved is its inputs or that value, each the very object (`forward_saves`);
- a `rowwise_factor` (Tanh's: its backward is `g * (factor)`, the factor a function of its
  value `{0}`) is what its `same_shape_backward` multiplies g by, and gives on a stack of
  rows what it gives on each row alone, bit for bit (`factor_agrees`): a replay computes it
  once over a concatenation of such values and reads rows, where the concatenation's op
  declares `joins_along` (its value is its inputs joined along that parameter) as its own
  and gives np.concatenate's bits on a small sample (`joins`).
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..random import default_generator


def declared(cls: type, attr: str, *over: str) -> Any:
    """`cls.attr`, a replay declaration that stands in for the methods `over`, or None where
    the class declares none or a subclass redefines one of those methods below the class
    that declares `attr`."""
    mro = cls.__mro__
    owner = next((c for c in mro if attr in vars(c)), None)
    if owner is None:
        return None
    for name in over:
        defined = next((c for c in mro if name in vars(c)), None)
        if defined is not None and not issubclass(owner, defined):
            return None
    return vars(owner)[attr]


def home(cls: type, value: Any, attr: str, shaped: str | None = None) -> dict[str, Any]:
    """The globals the names in `value`, a replay declaration of `cls` (its `attr`, or with
    `shaped` the answer of that one where it is not `attr`'s value), are read from: those of
    the module of the class that declares it. A subclass defined elsewhere (`class
    Bias(Add)` beside a course's own `unbroadcast`) inherits the expressions with their
    names, not its module's: the checks here and the compiled code (`compiled.bound`) read
    the same ones."""
    if shaped is not None and value != getattr(cls, attr, None):
        attr = shaped
    owner = next((c for c in cls.__mro__ if attr in vars(c)), cls)
    return vars(sys.modules[owner.__module__])


@contextmanager
def _draws_undone() -> Iterator[None]:
    """What runs inside draws from the random streams as if it had not run (an op run here,
    once per plan, must not shift the stream the step's own ops draw from, eager or
    replayed): NumPy's global one and the default generator are put back after. Their bit
    generators' locks (reentrant: the op's own draws pass) are held meanwhile, so another
    thread's draws wait instead of being undone too (they were: a loader thread drawing while
    a plan was built drew the same numbers again after it)."""
    with _held(np.random.get_bit_generator().lock), _held(default_generator.rng.bit_generator
                                                            .lock):
        legacy, ours = np.random.get_state(), default_generator.get_state()
        try:
            yield
        finally:
            np.random.set_state(legacy)
            default_generator.set_state(ours)


_RLOCK = type(threading.RLock())


@contextmanager
def _held(lock: Any) -> Iterator[None]:
    """`lock` held inside when it is reentrant (a plain Lock would block the op's own draws
    on this thread: then not held)."""
    if type(lock) is not _RLOCK:
        yield
        return
    with lock:
        yield


def used(exprs: tuple[str, ...]) -> int:
    """How many of what forward saved the expressions read (`{0}`, `{1}`, ...)."""
    return 1 + max((int(i) for e in exprs for i in re.findall(r"{(\d+)}", e)), default=-1)


def agrees(cls: type, exprs: tuple[str, ...], dtypes: tuple[Any, ...], params: dict[str, Any],
           cache: dict[Any, bool], shapes: tuple[tuple[int, ...], ...] | None = None) -> bool:
    """Whether `exprs`, evaluated as the compiled plan writes them (over `g` and what forward
    saved, other names the declaring module's globals: `home`), give `cls.backward`'s results
    bit for bit (`same`) on three elements per input of `dtypes`, or on inputs of `shapes` (a
    `shaped_backward`'s, written for those shapes; at most `SHAPED_SAMPLE` elements in all),
    and a gradient of the output's dtype. Any exception, in the op or the expressions: False
    (its backward is then called), as for an op with a callable parameter (Dropout's
    `sample`: an effect not to run here)."""
    if any(callable(v) for v in params.values()) or _too_big(shapes):
        return False
    key: Any = (cls, dtypes, tuple(sorted(params.items())), exprs, shapes)
    try:
        ok = cache.get(key)
    except TypeError:  # a parameter that is not hashable (an array): not cached
        key, ok = None, None
    if ok is not None:
        return ok
    ok = False
    try:
        rng = np.random.default_rng(0)
        xs = [rng.uniform(0.5, 2.0, 3 if shapes is None else s).astype(d)
              for d, s in zip(dtypes, shapes or dtypes)]
        ctx = cls()
        ctx.needs_input_grad = [True] * len(xs)
        with np.errstate(all="ignore"), _draws_undone():
            out = ctx.forward(*xs, **params)
            g = rng.standard_normal(np.shape(out)).astype(np.result_type(out))
            want = ctx.backward(g)
            want = want if type(want) is tuple else (want,)
            saved = tuple(getattr(ctx, "saved", ()))
            names = {**home(cls, exprs, "same_shape_backward", "shaped_backward"), "g": g,
                     "__saved": saved}
            ok = len(want) == len(exprs) and len(saved) >= used(exprs)
            for e, ref in zip(exprs, want):
                got = eval(e.format(*[f"__saved[{i}]" for i in range(len(saved))]),  # noqa: S307
                           names)
                ok = ok and same(got, ref)
    except Exception:  # noqa: BLE001  (when in doubt, call backward)
        ok = False
    if key is not None:
        cache[key] = ok
    return ok


SHAPED_SAMPLE = 1 << 18  # `agrees` runs a shaped_backward's op on this many elements at most


def _too_big(shapes: tuple[tuple[int, ...], ...] | None) -> bool:
    """Whether inputs of `shapes` (None: the small default sample) hold more than
    `SHAPED_SAMPLE` elements in all: a check would then run the op on too much."""
    return shapes is not None and sum(int(np.prod(s, dtype=np.int64)) for s in shapes) > \
        SHAPED_SAMPLE


def same(got: Any, ref: Any) -> bool:
    """Whether an expression's result is backward's, bit for bit: of one type, arrays and
    NumPy scalars of one dtype, shape and bytes, a gradient term (a tuple, MatMul's `Outer`)
    the same item by item, anything else equal."""
    if type(got) is not type(ref):
        return False
    if isinstance(got, tuple):
        return len(got) == len(ref) and all(same(a, b) for a, b in zip(got, ref))
    if isinstance(got, (np.ndarray, np.generic)):
        return (got.dtype == ref.dtype and got.shape == ref.shape
                and got.tobytes() == ref.tobytes())
    return bool(got == ref)


def forward_saves(cls: type, expr: str, dtypes: tuple[Any, ...], cache: dict[Any, Any],
                  shapes: tuple[tuple[int, ...], ...] | None = None
                  ) -> tuple[int | None, ...] | None:
    """Whether `expr` (an op's `same_shape_forward`, over its inputs `{0}`, `{1}`, ..., other
    names the declaring module's globals: `home`) gives `cls.forward`'s value bit for bit on
    three elements per input of `dtypes`, and if so what forward saved: per item, the index
    of the input it is, or None for the value itself (a replay that writes the forward out
    reads those registers in place of `ctx.saved`). None where the value differs, anything saved is
    neither, or anything raises. Cached per op class, expression and dtypes. With `shapes`
    (a `shaped_forward`'s, written for inputs of those shapes): on inputs of those shapes,
    at most `SHAPED_SAMPLE` elements in all."""
    key = ("forward", cls, expr, dtypes, shapes)
    if key in cache:
        return cache[key]
    where: tuple[int | None, ...] | None = None
    if _too_big(shapes):
        return None
    try:
        rng = np.random.default_rng(0)  # (one stream: each input its own values, so
        xs = [rng.uniform(0.5, 2.0, 3 if shapes is None else s).astype(d)  # swapped
              for d, s in zip(dtypes, shapes or dtypes)]  # operands show)
        ctx = cls()
        ctx.needs_input_grad = [True] * len(xs)
        with np.errstate(all="ignore"), _draws_undone():
            out = ctx.forward(*xs)
            names = {**home(cls, expr, "same_shape_forward", "shaped_forward"), "__xs": xs}
            got = eval(expr.format(*[f"__xs[{i}]" for i in range(len(xs))]),  # noqa: S307
                       names)
        found = tuple(None if a is out else next((j for j, x in enumerate(xs) if a is x), -1)
                      for a in getattr(ctx, "saved", ()))
        if same(got, out) and -1 not in found:
            where = found
    except Exception:  # noqa: BLE001  (when in doubt, call forward)
        where = None
    cache[key] = where
    return where


def saves_inputs(cls: type, arrays: list[Any], params: dict[str, Any], n: int) -> bool:
    """Whether `cls.prepare` on `arrays` saves the first `n` of them as they are, in order
    (then `{0}` in an expression may read input 0 itself; a `prepare` that saves cos(x)
    fails here)."""
    if any(callable(v) for v in params.values()):
        return False
    ctx = cls()
    with _draws_undone():
        ctx.prepare(*arrays, **params)
    saved = tuple(getattr(ctx, "saved", ()))[:n]
    return len(saved) == n and all(s is a for s, a in zip(saved, arrays))


ROWS_SAMPLE = 1 << 18  # rows_agree runs the op on an input this large at most


def rows_agree(cls: type, name: str, index: Any, shape: tuple[int, ...], dtype: Any,
               gdtype: Any, cache: dict[Any, Any]) -> bool:
    """Whether an `indexes_by` op with this constant index (its parameter `name`) may be
    written out on an input of `shape` and `dtype`: `x[index]` is a view (not a copy, not a
    NumPy scalar, not empty), checked per op on a stand-in with no memory; and the op, run
    on an arange of that shape (each element its own value), gives `x[index]` as a view of x
    and as its gradient for a `g` of `gdtype` what `acc = zeros; v = acc[index]; v += g`
    leaves in acc (the lines replay writes in place of calling forward and backward), bit
    for bit: checked once per op class, dtypes and kind of index (the types of its items, a
    slice's direction), as `agrees` checks expressions once per class and dtypes, so that an
    RNN's T row slices cost one run of the op, not T of the whole input. Larger inputs and
    any exception: False (replay then calls the op's methods)."""
    try:
        probe = np.broadcast_to(np.empty((), dtype), shape)  # (no memory: any shape)
        view = probe[index]
        if type(view) is not np.ndarray or not view.size or not np.may_share_memory(view,
                                                                                     probe):
            return False
        items = index if type(index) is tuple else (index,)
        kind = tuple((type(i), None if type(i) is not slice else (i.step or 1) > 0)
                     for i in items)
        key = ("rows", cls, name, np.dtype(dtype), np.dtype(gdtype), len(shape), kind)
    except Exception:  # noqa: BLE001  (an index NumPy refuses: the op's own error, eagerly)
        return False
    if key not in cache:
        cache[key] = _rows_run(cls, name, index, shape, dtype, gdtype)
    return cache[key]


def _rows_run(cls: type, name: str, index: Any, shape: tuple[int, ...], dtype: Any,
              gdtype: Any) -> bool:
    """rows_agree's run of the op on an arange of `shape` (see there)."""
    size = int(np.prod(shape, dtype=np.int64))
    if not 0 < size <= ROWS_SAMPLE:
        return False
    try:
        x = np.arange(size).astype(dtype).reshape(shape)
        view = x[index]
        ctx = cls()
        ctx.needs_input_grad = [True]
        with np.errstate(all="ignore"), _draws_undone():
            out = ctx.forward(x, **{name: index})
            g = np.random.default_rng(0).standard_normal(view.shape).astype(gdtype)
            term = ctx.backward(g)
        # its gradient must be a term that adds itself (Sparse): a dense array of zeros with g
        # placed in it would differ from the rows' add where g holds -0.0 (0 + -0 is +0)
        into = getattr(term, "add_into", None)
        if into is None or type(out) is not np.ndarray or not np.may_share_memory(out, x):
            return False  # (and its value a view, as the written-out x[index] is)
        want = into(None, False)
        got = np.zeros(shape, dtype)
        v = got[index]
        v += g
        return (out.dtype == view.dtype and out.shape == view.shape
                and out.tobytes() == view.tobytes() and type(want) is np.ndarray
                and want.dtype == got.dtype and want.shape == got.shape
                and want.tobytes() == got.tobytes())
    except Exception:  # noqa: BLE001  (when in doubt, call the methods)
        return False


def factor_agrees(cls: type, dtype: Any, cache: dict[Any, Any]) -> str | None:
    """`cls`'s `rowwise_factor` where it is its own (`declared`), its `same_shape_backward`
    is exactly `("g * (factor)",)` (so `agrees` has checked the factor's bits inside the
    backward's), and the factor of a (4, 3) sample of `dtype` is, row by row, the factor of
    each row alone, bit for bit and in that dtype (an elementwise function: a row's factor
    read from a stack of rows is the op's own); else None. Cached per class and dtype."""
    key = ("factor", cls, np.dtype(dtype))
    if key in cache:
        return cache[key]
    f = declared(cls, "rowwise_factor", "forward", "prepare", "backward")
    exprs = declared(cls, "same_shape_backward", "forward", "prepare", "backward")
    ok = type(f) is str and exprs == (f"g * ({f})",)
    try:
        if ok:
            y = np.random.default_rng(0).uniform(-1.0, 1.0, (4, 3)).astype(dtype)
            names = {**home(cls, f, "rowwise_factor"), "__y": y}
            with np.errstate(all="ignore"), _draws_undone():
                whole = eval(f.format("__y"), names)  # noqa: S307 - the op's own declaration
                rows = [eval(f.format(f"__y[{i}:{i + 1}]"), names) for i in range(4)]  # noqa: S307
            ok = type(whole) is np.ndarray and whole.dtype == y.dtype and all(
                same(r, whole[i:i + 1]) for i, r in enumerate(rows))
    except Exception:  # noqa: BLE001  (when in doubt, each op computes its own)
        ok = False
    cache[key] = f if ok else None
    return cache[key]


def joins(cls: type, cache: dict[Any, Any]) -> str | None:
    """The parameter `cls` declares it joins its inputs along (`joins_along`), where the
    declaration is its own and its forward gives np.concatenate's value, bit for bit, on two
    small pieces along axis 0 and along axis 1; else None. Cached per class."""
    key = ("joins", cls)
    if key not in cache:
        name = declared(cls, "joins_along", "forward")
        try:
            rng = np.random.default_rng(0)
            xs = (rng.standard_normal((1, 3)), rng.standard_normal((2, 3)))
            ok = type(name) is str and all(
                same(cls().forward(*parts, **{name: axis}), np.concatenate(parts, axis=axis))
                for axis, parts in ((0, xs), (1, (xs[0].T, xs[1].T))))
        except Exception:  # noqa: BLE001  (when in doubt, no rows are read from its value)
            ok = False
        cache[key] = name if ok else None
    return cache[key]
