"""What an op declares for replay, and the checks that let replay trust it.

Replay runs what an op says stands in for its methods: `prepare` for `forward` (the value
unread), `backward_into` for `backward`, the `same_shape_backward` expressions for `backward`
over what `forward` saved. A declaration is trusted only where it holds:

- it is the op's own, not a parent's under a subclass's own method (`declared`): a `Mul`
  subclass with its own backward inherits `Mul`'s expressions, which are not its backward;
- the expressions give backward's bits (`agrees`: run once per op class and dtypes on a small
  sample, as tests/test_jit_inline.py runs the library's own): a user op's declaration is
  not exercised by its gradcheck, which runs eagerly;
- where replay reads an op's inputs in place of what its `prepare` saved (`plan`'s direct
  ops), the `prepare` saves exactly those inputs (`saves_inputs`).
"""

from __future__ import annotations

import re
import sys
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


@contextmanager
def _draws_undone() -> Iterator[None]:
    """What runs inside draws from the random streams as if it had not run (an op run here,
    once per plan, must not shift the stream the step's own ops draw from, eager or
    replayed): NumPy's global one and the default generator are put back after."""
    legacy, ours = np.random.get_state(), default_generator.get_state()
    try:
        yield
    finally:
        np.random.set_state(legacy)
        default_generator.set_state(ours)


def used(exprs: tuple[str, ...]) -> int:
    """How many of what forward saved the expressions read (`{0}`, `{1}`, ...)."""
    return 1 + max((int(i) for e in exprs for i in re.findall(r"{(\d+)}", e)), default=-1)


def agrees(cls: type, exprs: tuple[str, ...], dtypes: tuple[Any, ...], params: dict[str, Any],
           cache: dict[Any, bool]) -> bool:
    """Whether `exprs`, evaluated as the compiled plan writes them (over `g` and what forward
    saved, the other names the op module's globals), give `cls.backward`'s arrays bit for bit
    on three elements per input of `dtypes` (and a gradient of the output's dtype). Any
    exception, in the op or the expressions: False (its backward is then called), as for an
    op with a callable parameter (Dropout's `sample`: an effect not to run here)."""
    if any(callable(v) for v in params.values()):
        return False
    key: Any = (cls, dtypes, tuple(sorted(params.items())))
    try:
        ok = cache.get(key)
    except TypeError:  # a parameter that is not hashable (an array): not cached
        key, ok = None, None
    if ok is not None:
        return ok
    ok = False
    try:
        rng = np.random.default_rng(0)
        xs = [rng.uniform(0.5, 2.0, 3).astype(d) for d in dtypes]
        ctx = cls()
        ctx.needs_input_grad = [True] * len(xs)
        with np.errstate(all="ignore"), _draws_undone():
            out = ctx.forward(*xs, **params)
            g = rng.standard_normal(np.shape(out)).astype(np.result_type(out))
            want = ctx.backward(g)
            want = want if type(want) is tuple else (want,)
            saved = tuple(getattr(ctx, "saved", ()))
            names = {**vars(sys.modules[cls.__module__]), "g": g, "__saved": saved}
            ok = len(want) == len(exprs) and len(saved) >= used(exprs)
            for e, ref in zip(exprs, want):
                got = eval(e.format(*[f"__saved[{i}]" for i in range(len(saved))]),  # noqa: S307
                           names)
                ok = ok and type(got) is type(ref) and np.asarray(got).dtype == \
                    np.asarray(ref).dtype and np.asarray(got).tobytes() == \
                    np.asarray(ref).tobytes()
    except Exception:  # noqa: BLE001  (when in doubt, call backward)
        ok = False
    if key is not None:
        cache[key] = ok
    return ok


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
