"""Reference counts the compiled step compares against (`compiled.py`): which arrays
nothing else holds, so that the step may add into them or write into them again. The
numbers are measured in this Python at import (`calibrate*`), not constants: 3.14 borrows
references on its stack, so its counts are lower, and a constant from 3.11 would there take
one outside reference for none.
"""

from __future__ import annotations

from sys import getrefcount
from typing import Any
from weakref import getweakrefcount

import numpy as np

from ..grad import GradArray

ndarray = np.ndarray


def counts(K: list[Any]) -> tuple[int, int]:
    """The references to K's .grad view and to its array, as `reuse` holds them (`buf`)."""
    buf = K[0]
    return getrefcount(K[1]), getrefcount(buf)


def calibrate() -> tuple[int, int]:
    """`counts` of a kept pair nothing else refers to, measured in this Python: the numbers
    are not constants (3.14 borrows references on its stack, so its counts are lower; a
    constant from 3.11 would there take one outside reference for none)."""
    a = np.empty(1)
    K = [a, a.view(GradArray)]
    del a
    buf = K[0]  # (as `reuse` holds it while it counts)
    n = counts(K)
    del buf
    return n


ALONE = calibrate()


def calibrate_out() -> tuple[int, int, int]:
    """`refs` of a first gradient nothing else holds, in the compiled lines' shape: alone
    (a one-input op's), in the tuple backward returned, and that tuple's (grad.FRESH for
    these lines, whose locals hold what Pending.run's loop does not)."""
    env: dict[str, Any] = {"_refs": getrefcount}
    exec(compile("def probe(b):\n    x = b()\n    g1 = x; one = _refs(x)\n"  # noqa: S102
                 "    r = (b(),)\n    x = r[0]\n    g2 = x; return one, _refs(x), _refs(r)\n",
                 "<jit probe>", "exec"), env)
    return env["probe"](lambda: np.empty(1))


ALONE_OUT = calibrate_out()


def calibrate_add() -> tuple[int, int, int]:
    """What `_addc` counts for an array nothing else holds, called as the compiled lines call
    it: alone (a one-input op's, with its `(x,)`), an item of the returned tuple, and that
    tuple's (measured in this Python, as `calibrate_out`)."""
    got: list[int] = []

    def probe_add(P: Any, k: Any, prev: Any, ours: Any, x: Any, g: Any, grads: Any) -> Any:
        got.extend((getrefcount(x), getrefcount(grads)))
        return None, None
    env: dict[str, Any] = {"_addc": probe_add, "ndarray": ndarray}
    exec(compile("def probe(b):\n    g = g1 = o1 = None\n    x = b()\n"  # noqa: S102
                 "    if type(x) is ndarray and g1 is not None: pass\n"
                 "    else: g1, o1 = _addc(None, 1, g1, o1, x, g, (x,))\n"
                 "    r = (b(), b())\n    x = r[1]\n"
                 "    if type(x) is ndarray and g1 is not None: pass\n"
                 "    else: g1, o1 = _addc(None, 1, g1, o1, x, g, r)\n",
                 "<jit probe>", "exec"), env)
    env["probe"](lambda: np.empty(1))
    return got[0], got[2], got[3]


ALONE_ADD = calibrate_add()


def reuse(K: list[Any], t: Any) -> np.ndarray | None:
    """The array kept in `K` ([array, the .grad view of it], from `keep`) to write `t`'s
    gradient into, if nothing but K refers to it or to its view any more; else None (and K
    lets go of it: it is the user's now)."""
    buf = K[0]
    if buf is None:
        return None
    # the references to the view (K's item) and to buf (K's item, `buf`, the view's .base),
    # as `calibrate` measured them; any other (a kept .grad, a view, np.asarray of it, a
    # graph that read it) is someone else's; so is one a weak reference reaches (it would
    # see the new gradient where, eagerly, the old array is gone)
    if t.grad is None and counts(K) == ALONE and buf.flags.writeable \
            and not getweakrefcount(buf) and not getweakrefcount(K[1]):
        return buf
    K[0] = K[1] = None
    return None


def keep(K: list[Any], t: Any, g: Any) -> None:
    """After `g` was stored into t.grad: keep g for the next step when t.grad is a view of it
    (stored as it was, not added into an existing .grad or cast to another dtype)."""
    v = t.grad
    if v is not None and type(g) is ndarray and v.base is g and g.base is None:
        K[0], K[1] = g, v
    else:
        K[0] = K[1] = None
