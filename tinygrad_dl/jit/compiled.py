"""A plan's steps compiled once per recording into one straight-line Python function.

`plan.Plan` describes a replay as a list of steps (`Forward`, `Backward`). Running that list
would pay, per op and per run, for unpacking a record, branching on its kind and keying
gradients in a dict. `compile_steps` writes the same work out once as Python source:

- the start: a copy of the register list, the arguments and the parameters' arrays into it;
- per forward op one line, `r7 = f7(r3, r5, axis=p8)`, the registers as locals and the
  op's parameters as keyword arguments (globals), then `r3 = None` for what nothing reads
  later (written by `plan.Plan`);
- per backward, the recorded order written out: each op's backward called on the local that
  holds its output's gradient (`g12`), and per input the accumulation written out with the
  gradient in a local (`g5`) and whether it is ours to add into (`o5`): the first gradient is
  kept, ours when it is a fresh array that nothing else holds; the next are added in place
  when the pending one is ours, else into a new one (`engine.Pending.run`'s rule, in its
  order, so replay stays bit-identical to eager). Anything that is not a plain array (a
  gradient term such as an indexing op's rows, a NumPy scalar) goes through `_add`: a term
  that `defers` (MatMul's one-row products, one per RNN step) into the engine's
  `Pending.deferred`, as `Pending.run` puts it; a term with `add_into` (indexing's rows)
  adds itself into the pending array by `Pending.own`'s rule (`grad.own_array`), any
  other through the engine's own `Pending` (`_add`, `_pop`; on a called backward's line
  `_addc`, which counts references as `Pending.run` does for an array after a None); each
  leaf's gradient into `.grad` through `Pending.store`: those rules live in one place.

A parameter's gradient is written straight into the array its `.grad` held the step before,
when that parameter's .grad was None when recorded (the loop zeroes with `zero_grad()`), its
first gradient comes from an op with `backward_into` (`Linear`'s dW and db, the L2 term's), and
nothing but the plan refers to that array or a view of it any more (`refcounts.reuse`: reference
counts; a `.grad` the user kept, a view of it, an array built on it keep it theirs, and a new
one is made). The same NumPy call with `out=`: the same numbers, one parameter-sized array
fewer per step.

The source holds only our own names, ints, the ops' keyword names (plain ASCII
identifiers: `plan._keyword`) and the backward expressions ops declare
(`plan_choices.inline_backward`); the objects it calls (the ops' bound methods, their
parameters, the parameter Tensors) are the function's globals. It is compiled with `compile`,
as the guards are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from sys import getrefcount
from typing import Any

import numpy as np

from ..engine import Pending
from ..grad import GradArray, add_terms, own_array
from .compact import share_locals, without_columns
from .declared import declared, home
from .refcounts import ALONE_ADD, ALONE_OUT, keep, reuse

ndarray = np.ndarray
FLIP = re.compile(r"{(\d+)}\.T\b")  # `{1}.T` in an op's written-out backward: a transpose


def _fresh(x: np.ndarray, g: Any, grads: tuple[Any, ...]) -> bool:
    """Pending.run's ownership test for a first gradient: a fresh array given to one input."""
    n = len(grads)
    return (x is not g and x.base is None and x.flags.writeable and (n == 1 or (
        grads[0] is not grads[1] if n == 2 else _once(x, grads))))


def _once(x: Any, grads: tuple[Any, ...]) -> bool:
    """Whether `x` is in `grads` once (by identity: `==` on arrays compares elements)."""
    return [h is x for h in grads].count(True) == 1


def _add(P: Pending, k: int, prev: Any, ours: Any, x: Any, g: Any, grads: tuple[Any, ...]
         ) -> tuple[Any, Any]:
    """Gradient `x` of key `k` added to `prev` (`ours`: may be added into) where the compiled
    lines do not: returns the new (pending, ours); None (no gradient) leaves both as they
    are. `P` holds no key between these calls."""
    if x is None:
        return prev, ours
    if type(x) is not ndarray:
        into = getattr(x, "add_into", None)
        if into is not None:  # a term that adds itself into an array (GetItem's rows)
            return into(prev, ours), True
        if getattr(x, "defers", False):  # a term that waits in P.deferred for its key's
            # gradient to be complete (MatMul's one-row products), as engine.Pending.run
            P.deferred.setdefault(k, []).append(x)  # puts it (the compiled lines too)
            return (prev, bool(ours)) if prev is not None else (None, False)
        if hasattr(x, "add_to"):  # a gradient term: the engine's accumulator adds it
            if prev is not None:
                P.grads[k] = prev
                if ours:
                    P.owned.add(k)
            x.add_to(P, k)
            if not P.grads:  # deferred (MatMul's one-row terms): nothing pending yet
                return None, False
            g = P.grads.pop(k, None)
            if k in P.owned:
                P.owned.discard(k)
                return g, True
            return g, False
        x = np.asarray(x)  # a NumPy scalar (a full reduction): a 0-d array
    if prev is None:
        return x, _fresh(x, g, grads)
    if ours:
        prev += x
        return prev, True
    return _sum(prev, x), True


def _addc(P: Pending, k: int, prev: Any, ours: Any, x: Any, g: Any, grads: tuple[Any, ...]
          ) -> tuple[Any, Any]:
    """`_add` on a called backward's line (whose first-gradient test counts references): an
    array that comes first after Nones or waiting terms is ours only where nothing but these
    lines holds it, as Pending.run counts (a backward may return an array it keeps, such as
    its saved output: added into in place, it would change that value)."""
    if prev is None and type(x) is ndarray:
        one, item, tup = ALONE_ADD  # (counted before `return x, ...` puts x on the stack)
        ours = x.base is None and (getrefcount(x) == one if len(grads) == 1 else
                                   getrefcount(x) == item and getrefcount(grads) == tup)
        return x, ours and x.flags.writeable
    return _add(P, k, prev, ours, x, g, grads)


def _check(r: Any, shapes: tuple[tuple[int, ...] | None, ...], name: str) -> None:
    """What a user's op's backward returned (`r`), checked as `engine.Pending.run` checks it:
    one gradient per input, each of its input's shape (`plan.BackwardOp.shapes`), else the
    engine's error. A recording checks only the backwards that ran. (Per replay: arrays of
    their inputs' shapes pass in one loop, no generator; the rest `_check_slow`.)"""
    got = r if type(r) is tuple else (r,)
    if len(got) == len(shapes):
        for x, s in zip(got, shapes):
            if x is not None and s is not None and (type(x) is not ndarray or x.shape != s):
                break
        else:
            return
    _check_slow(got, shapes, name)


def _check_slow(got: tuple[Any, ...], shapes: tuple[tuple[int, ...] | None, ...],
                name: str) -> None:
    """`_check` past its arrays of the right shapes: lists, scalars, terms, errors."""
    if len(got) != len(shapes) or any(type(x) is list and np.shape(x) != s
                                       for x, s in zip(got, shapes) if s is not None):
        if len(got) == 1 and type(got[0]) is list:
            raise RuntimeError(f"{name}.backward returned a list of {len(got[0])}: return "
                               "one array per input, several as a tuple (return gx, gy)")
        raise RuntimeError(f"{name}.backward returned {len(got)} gradients for "
                           f"{len(shapes)} inputs")
    for x, shape in zip(got, shapes):
        if x is not None and shape is not None:
            has = tuple(x.shape if type(x) is ndarray or hasattr(x, "add_to") else np.shape(x))
            if has != shape:
                raise RuntimeError(f"{name}.backward returned a gradient of shape {has} for "
                                   f"an input of shape {shape}")


def _sum(prev: np.ndarray, x: np.ndarray) -> np.ndarray:
    """prev + x as a new array (two 0-d arrays add up to a NumPy scalar)."""
    total = prev + x
    return total if type(total) is ndarray else np.asarray(total)


def _take(P: Pending, k: int, g: Any) -> tuple[Any, bool]:
    """`g` taken back from `P` with whether it is ours; `P` keeps nothing of `k`."""
    if k in P.owned:
        P.owned.discard(k)
        return g, True
    return g, False


def _pop(P: Pending, k: int, prev: Any, ours: Any) -> tuple[Any, bool]:
    """Key `k`'s gradient is complete: add in the terms deferred to it (Pending.pop; the
    terms of a local list, `_wait_locally`: `grad.add_terms`, the same rule)."""
    if prev is not None:
        P.grads[k] = prev
        if ours:
            P.owned.add(k)
    return _take(P, k, P.pop(k))


OURS, NOT_OURS = -1, -2  # keys that P.owned always / never holds: store(key, t, g) reads it
BUSY: Any = object()  # what a compiled function returns when it did not run (never a result)


def _reset(P: Pending) -> None:
    """Empty `P` (after an exception left a run half done)."""
    P.grads.clear()
    P.deferred.clear()
    P.owned.clear()
    P.owned.add(OURS)


class Shared:
    """What every function compiled from one plan shares (its run and jit's entry, which
    replay the same steps): the engine's accumulator for what is not written out, and the
    kept-array slots (`_reuse`), so that a step replayed through either finds the arrays
    the other kept, and no slot holds a parameter-sized array the other no longer uses."""

    def __init__(self) -> None:
        self.P = Pending(None, None)
        _reset(self.P)  # (holds no key between two lines of the compiled code)
        self.slots: dict[Any, list[Any]] = {}
        # one token, taken while a function compiled from the plan runs: P, the slots and the
        # ops' ctx (what their forwards save) are one per plan, so a second thread's replay at
        # the same time would mix them (a gradient from the other thread's inputs); it gets
        # BUSY instead. (list.pop is atomic and costs a third of a Lock's acquire + release.)
        self.token = [True]

    def slot(self, key: Any) -> list[Any]:
        """The kept-array slot [array, its .grad view] of `key` (made empty once)."""
        return self.slots.setdefault(key, [None, None])


class Writer:
    """Source lines and the objects they name."""

    def __init__(self, shared: Shared | None = None) -> None:
        self.lines: list[str] = []
        self.shared = Shared() if shared is None else shared
        self.P = self.shared.P  # the engine's accumulator, for what is written out
        self.env: dict[str, Any] = {"_add": _add, "_addc": _addc, "_pop": _pop, "_sum": _sum,
                                    "_total": add_terms,
                                    "_check": _check, "_once": _once,
                                    "P": self.P, "D": self.P.deferred, "ndarray": ndarray,
                                    "GradArray": GradArray, "_reuse": reuse,
                                    "_keep": keep, "_own": own_array,
                                    "_refs": getrefcount}

        self.names: dict[tuple[str, int], str] = {}  # (prefix, id(obj)) -> its name
        # the source of register r (`start` sets the plan's: locals and constants' names)
        self.reg: Callable[[int], str] = lambda r: f"R[{int(r)}]"
        self.spare = 0  # the next local `r<spare>` no register uses (`compile_steps` sets it)
        # per backward (`_backward`, `_wait_locally`): the lines that put a term in D for a
        # key, the keys an `_add` line may put one for, each key's line that pops D
        self.waits: dict[int, list[int]] = {}
        self.adds: set[int] = set()
        self.pops: dict[int, int] = {}

    def name(self, prefix: str, obj: Any) -> str:
        """A global name for `obj` (one per object and prefix: a char-RNN's 25 tanh lines
        read one `np_`, not 25; each name is kept by the function as long as it lives)."""
        key = self.names.get((prefix, id(obj)))
        if key is None:
            key = self.names[prefix, id(obj)] = f"{prefix}{len(self.env)}"
            self.env[key] = obj  # (which keeps obj, and so its id, for the names' lifetime)
        return key

    def __call__(self, depth: int, line: str) -> None:
        self.lines.append("    " * (depth + 1) + line)  # (inside the function's `try:`)


def compile_steps(template: list[Any], steps: Sequence[Any], backward_type: type,
                  start: Callable[[Writer], None], forward: Callable[[Writer, Any], None],
                  end: Callable[[Writer], None], run: bool = True,
                  fresh: frozenset[int] = frozenset(),
                  checks: tuple[list[str], dict[str, Any]] | None = None,
                  shared: Shared | None = None) -> tuple[Callable[[Any], Any] | None, str]:
    """One function `run(arrays)` and its source (with run=False: the source only): it fills
    R, a copy of the registers `template` (`start` writes those lines), does `steps` in order
    on it (`forward` writes a forward step, `_backward` a backward) and returns (`end` writes
    that line). `fresh`: the ids of the parameters whose .grad was None when recorded.
    `checks`: (lines, the names they use) written first, before the `try:`, the function
    then `entry(arrays, checked=False)` in file "<jit entry>" (jit's entry: its checks return
    MISS, and should read `checked`, True when the caller has made them: `Plan.build`).
    `shared`: the plan's `Shared` (each function compiled from the plan gets the same).
    Either function returns BUSY, running nothing, while another runs (`Shared.token`)."""
    w = Writer(shared)
    w.spare = len(template)
    head = ["def run(arrays):"]
    if checks is not None:
        lines, names = checks
        clash = names.keys() & w.env.keys()
        if clash:
            raise ValueError(f"compile_steps: the checks' names {sorted(clash)} are taken")
        w.env.update(names)
        head = ["def entry(arrays, checked=False):", *(f"    {line}" for line in lines)]
    start(w)
    for step in steps:
        if type(step) is backward_type:
            _backward(w, step, fresh)
        else:
            forward(w, step)
    end(w)
    source = [*head, "    try: _t = _take()", "    except IndexError: return BUSY",
              "    try:", *w.lines, "    except BaseException:", "        _reset(P)",
              "        raise", "    finally:", "        _give(_t)"]
    body = len(head) + 3
    text = "\n".join(share_locals(source, range(body, body + len(w.lines)), w.env)) + "\n"
    if not run:
        return None, text
    w.env["_reset"] = _reset
    w.env["_take"], w.env["_give"], w.env["BUSY"] = (w.shared.token.pop,
                                                     w.shared.token.append, BUSY)
    name, file = ("run", "<jit plan>") if checks is None else ("entry", "<jit entry>")
    exec(compile(text, file, "exec"), w.env)  # noqa: S102 - names and ints only
    fn = w.env[name]
    fn.__code__ = without_columns(fn.__code__)
    return fn, text


def _backward(w: Writer, step: Any, fresh: frozenset[int] = frozenset()) -> None:
    """engine.backward's loop over the recorded order, written out: gradient of key k in
    local `gk`, whether it is ours to add into in `ok`, the engine's Pending for the rest."""
    begin, w.waits, w.adds, w.pops = len(w.lines), {}, set(), {}  # (this backward's lines)
    keys = {step.root}
    for op in step.order:
        keys.add(op.key)
        keys.update(k for k in op.inputs if k is not None)
    keys.update(k for k, _ in step.leaves)
    # the root's op runs first on the seed itself: its gradient needs no local, and no term
    # is deferred to it (eager starts each backward with a fresh Pending, and nothing before
    # the root's op in this backward sends one; every key an earlier backward of the run
    # deferred to was popped by it, or `_reset` emptied P on an exception)
    root = int(step.root) if step.order and int(step.order[0].key) == int(step.root) else None
    keys.discard(root)
    if keys:
        w(1, " = ".join([f"g{k}" for k in sorted(keys)] + [f"o{k}" for k in sorted(keys)])
          + " = None")
    if root is None:
        w(1, f"g{step.root} = {w.reg(int(step.seed))}")
    seen = {step.root}  # the keys sent a gradient by the lines so far
    called: set[int] = set()  # those a called backward sent one: only they may hold terms (D)
    leaf = {int(k): t for k, t in step.leaves}
    kept: dict[int, str] = {}  # leaf key -> the name of its kept-array slot (`_reuse`)
    factors: dict[tuple[Any, ...], str] = {}  # (concatenation, rows, factor) -> its local
    # a register's transpose that several written-out backwards read (an RNN step's
    # `g.dot(W.T)`, MatMul's): one view, made where first read, in a local of its own
    flips = Counter(int(op.args[int(p)]) for op in step.order
                    if op.inline is not None and op.args is not None
                    for p in set(FLIP.findall(" ".join(op.inline))))
    flipped: dict[int, str] = {}
    for op in step.order:
        k, inputs = int(op.key), op.inputs
        # the op's own backward_into (not a parent's under a subclass's own backward), bound
        ctx = getattr(op.backward, "__self__", None)
        into = None if ctx is None else declared(type(ctx), "backward_into", "forward",
                                                 "backward")
        into = None if into is None else into.__get__(ctx)
        inline = op.inline if into is None else None
        if inline is not None and op.factor is not None:  # g times rows of the factor,
            c, span, start, stop, f = op.factor  # computed over rows `span` of the
            q = factors.get((c, span, f))  # concatenation (None: all) where first read
            if q is None:
                q = factors[c, span, f] = f"r{w.spare}"
                w.spare += 1
                h = w.reg(c)
                if span is not None:  # (only the rows of values whose factor eager computes)
                    w(1, f"{q} = {h}[{span[0]}:{span[1]}]")
                    h = q
                ns = home(type(op.backward.__self__), f, "rowwise_factor")
                w(1, f"{q} = {bound(w, f, ns).format(h)}")
            inline = (f"g * {q}[{start}:{stop}]",)
        for p in sorted(set(FLIP.findall(" ".join(inline or ())))) if op.args else ():
            r = int(op.args[int(p)])
            if flips[r] > 1:
                if r not in flipped:
                    flipped[r] = f"r{w.spare}"
                    w.spare += 1
                    w(1, f"{flipped[r]} = {w.reg(r)}.T")
                inline = tuple(e.replace(f"{{{p}}}.T", flipped[r]) for e in inline)
        b = "" if inline is not None or op.rows is not None else w.name("b", op.backward)
        if into is not None:  # its gradients may go into the parameters' kept arrays
            outs = []
            for kin in inputs:
                t = None if kin is None else leaf.get(int(kin))
                if (t is not None and id(t) in fresh and int(kin) not in seen
                        and int(kin) not in kept):  # the parameter's first gradient
                    kept[int(kin)] = w.name("K", w.shared.slot((id(step), int(kin))))
                    outs.append(f"_reuse({kept[int(kin)]}, {w.name('t', t)})")
                else:
                    outs.append("None")
            if any(o != "None" for o in outs):
                b = f"{w.name('bi', into)}"
                b_args = f"(g, ({', '.join(outs)},))"
            else:
                b_args = "(g)"
        else:
            b_args = "(g)"
        if k == root:
            w(1, f"g = {w.reg(int(step.seed))}")
            w(1, "if g is not None:")
        else:
            if k in called:
                w.pops[k] = len(w.lines)
                w(1, f"if D and {k} in D: g{k}, o{k} = _pop(P, {k}, g{k}, o{k})")
            w(1, f"if g{k} is not None:")
            w(2, f"g = g{k}; g{k} = None")
        n = len(inputs)
        if inline is not None:  # the backward's arithmetic, written out
            _inline(w, op, inline, seen, called, step.retain_graph, k == root)
            continue
        if op.rows is not None:  # x[index]: g added into x's gradient at index
            _rows(w, op, seen)
            continue
        # (a user's op: what its backward returns checked, as eager does: `_check`)
        who = getattr(op.backward, "__self__", None)  # (eager's message names ctx.name)
        who = who.__name__ if isinstance(who, type) else str(getattr(who, "name", "op"))
        check = "" if op.shapes is None else (
            f"; _check({'x' if n == 1 else 'r'}, {w.name('p', op.shapes)}, "
            f"{w.name('p', who)})")
        if n == 1:  # (one input: no tuple to unpack, none to build)
            w(2, f"x = {b}{b_args}{check}")
            w(2, "if type(x) is tuple: x = x[0]")
        else:
            w(2, f"r = {b}{b_args}{check}")
            w(2, f"if type(r) is not tuple: r = (r,) + (None,) * {n - 1}")
        for p, kin in enumerate(inputs):
            if kin is None:
                continue
            kin = int(kin)
            if n > 1:
                w(2, f"x = r[{p}]")
            # ours: nothing but these lines holds it (the op keeps none: grad.py's rule); a
            # declared backward_into's may be a kept array (`_reuse` counted its holders)
            ours = ("x is not g" + ("" if n == 1 else " and r[0] is not r[1]" if n == 2
                                    else " and _once(x, r)")
                    if into is not None else f"_refs(x) == {ALONE_OUT[0]}" if n == 1 else
                    f"_refs(x) == {ALONE_OUT[1]} and _refs(r) == {ALONE_OUT[2]}")
            _accumulate(w, kin, kin not in seen, ours, "(x,)" if n == 1 else "r")
            seen.add(kin)
            called.add(kin)
        # let go of this op's gradients now (a weight's gradient just added into its pending
        # one would otherwise live on through the ops up to the next multi-input one)
        w(2, "x = None" if n == 1 else "x = r = None")
        if not step.retain_graph:
            w(2, f"{w.name('c', op.release)}()")
    w(1, "g = None")
    _store(w, step, kept, called)
    _wait_locally(w, begin)


def _wait_locally(w: Writer, start: int) -> None:
    """The terms that wait in D for a key that only written-out lines send a term (MatMul's
    one-row `Outer`, one per RNN step) appended to a local list (`dw7`) instead, summed by
    the line that pops the key (`_total`, grad.add_terms: the same list, in the same order,
    Pending.pop's rule; no `_add` line names the key). D stays empty through the RNN's
    steps: each step's `if D and k in D` stops at `D`, and no `D.setdefault` runs per step."""
    insert: list[tuple[int, str]] = []
    for k, at in w.waits.items():
        pop = w.pops.get(k)
        if k in w.adds or pop is None or pop < start:
            continue
        for i in at:
            w.lines[i] = w.lines[i].replace(f"D.setdefault({k}, []).append(", f"dw{k}.append(", 1)
        pad = w.lines[pop][:len(w.lines[pop]) - len(w.lines[pop].lstrip())]  # (depth 1)
        w.lines[pop] = f"{pad}if dw{k}: g{k}, o{k} = _total(dw{k}, g{k}, o{k})"
        insert.append((start, f"{pad}dw{k} = []"))
    for i, line in sorted(insert, key=lambda x: x[0], reverse=True):
        w.lines.insert(i, line)


def _accumulate(w: Writer, kin: int, first: bool, fresh: str, grads: str) -> None:
    """Gradient `x` (a local) of key `kin` into its pending local, by Pending.run's rule: the
    first gradient is kept, ours when it is a fresh array (`fresh`: that nothing else holds
    it, or for a declared expression `x is not g`); the next are added in place when the
    pending one is ours, else into a new one (`_sum`); anything else (None, a term, a NumPy
    scalar, a term that waits in D for its key's gradient to be complete: MatMul's one-row
    products) through `_add`, on one line: each line is bytecode the interpreter streams
    through once per step and a plan keeps (a char-RNN's backward is T copies of these
    lines; a line of its own for the waiting terms was a third of its plan's bytecode)."""
    if first:  # the first gradient sent to kin: g{kin} is None
        # (`fresh` first where it is `x is not g`: for Add's `x = g` it is False at once, no
        # attribute read; the base first where it counts references: a view (a split's
        # pieces, one per RNN step) is not ours without two calls)
        # A written-out expression's result (`x is not g`: NumPy arithmetic, made just now)
        # that is no view is a new array, writeable by NumPy's rules: its flags are not read
        # (an object made per call, 0.3 us of a tiny step's 2). A read-only one could come
        # only from an ndarray subclass's __array_wrap__, and adding into it raises; a call's
        # result (an op's own backward, which may return an array it locked) is checked.
        test = (f"x.base is None and {fresh} and x.flags.writeable"
                if fresh.startswith("_refs") else f"{fresh} and x.base is None"
                if fresh == "x is not g" else f"{fresh} and x.base is None and x.flags.writeable")
        w(2, f"if type(x) is ndarray: g{kin} = x; o{kin} = {test}")
    else:  # (a first array after Nones, too, goes through `_add`: one call line, not two)
        w(2, f"if type(x) is ndarray and g{kin} is not None:")
        w(3, f"if o{kin}: g{kin} += x")
        # (arrays of one shape: their sum is an array but for 0-d ones', a NumPy scalar that
        # `_sum` makes an array; its call costs 0.1 us, once per RNN step: a split's piece
        # of h's gradient, not ours, plus the next step's)
        w(3, f"else: g{kin} = g{kin} + x if x.ndim else _sum(g{kin}, x); o{kin} = True")
    # (a called backward's: `_addc`, which counts references as `fresh` does, for an array
    # that comes after Nones or waiting terms)
    add = "_addc" if fresh.startswith("_refs") else "_add"
    w.adds.add(kin)  # (which may put a term in D for kin: `_wait_locally`)
    w(2, f"else: g{kin}, o{kin} = {add}(P, {kin}, g{kin}, o{kin}, x, g, {grads})")


def _inline(w: Writer, op: Any, exprs: tuple[str, ...], seen: set[int], called: set[int],
            retain: bool, root: bool) -> None:
    """An op whose backward the plan writes out (`plan.BackwardOp.inline`): per input that
    needs a gradient, its expression over `g` and what forward saved (`ctx.saved`: `{0}`,
    `{1}`, ...), the same NumPy calls its backward makes, in the same order. An expression
    makes a new array (no uniqueness test) or is `g` itself (Add's), then not ours (`x is
    not g`; a NumPy-scalar `g` becomes a new 0-d array per input, ours where eager copies
    it: the same values); what is added into in between is a pending gradient of ours, which
    no expression reads. Its other names are the declaring class's module's (Tanh's `_ONE`),
    but for keyword arguments' (`axis=`). A `shaped_backward`'s expression may give a term
    that waits in D (MatMul's one-row `Outer`): its input is then in `called`, popped from D
    before its gradient is read."""
    used = 1 + max((int(i) for e in exprs for i in re.findall(r"{(\d+)}", e)), default=-1)
    cls = type(op.backward.__self__)
    terms = declared(cls, "shaped_backward", "forward", "prepare", "backward") is not None \
        and exprs != declared(cls, "same_shape_backward", "forward", "prepare", "backward")
    ns = home(cls, exprs, "same_shape_backward", "shaped_backward")
    exprs = tuple(bound(w, e, ns) for e in exprs)
    if op.args is not None:  # the inputs' registers, alive through the run
        saved = [w.reg(int(r)) for r in op.args]
    else:
        saved = [f"q{p}" for p in range(used)]
        if saved:
            w(2, f"{''.join(f'{q}, ' for q in saved)}= "
              f"{w.name('C', op.backward.__self__)}.saved")
    for p, kin in enumerate(op.inputs):
        if kin is None:
            continue
        kin = int(kin)
        if exprs[p] == "g" and kin not in seen and not root:  # Add's: the first gradient is
            # g itself, not ours (a pending gradient, an ndarray as every one is; at the root
            # g is the seed, which may be anything)
            w(2, f"g{kin} = g; o{kin} = False")
        elif _deferring(w, exprs[p]):  # a term that waits in D (MatMul's one-row `Outer`):
            # put there as `_add` would, without its call (one per RNN step; its pending
            # gradient stays as it is: None, or the array it holds)
            w.waits.setdefault(kin, []).append(len(w.lines))
            w(2, f"D.setdefault({kin}, []).append({exprs[p].format(*saved)})")
        else:
            w(2, f"x = {exprs[p].format(*saved)}")
            _accumulate(w, kin, kin not in seen, "x is not g", "(x,)")
        seen.add(kin)
        if terms:
            called.add(kin)
    if op.args is not None:  # (forward saved nothing: nothing to let go of)
        w(2, "x = None")
        return
    w(2, " = ".join(["x", *saved]) + " = None")
    if not retain:
        w(2, f"{w.name('c', op.release)}()")


def _deferring(w: Writer, expr: str) -> bool:
    """Whether `expr` (bound) is one call of a class whose instances wait in D (`defers`):
    its value is such a term at every run, whatever the registers hold. Only a class made as
    tuple's or object's `__new__` and `type.__call__` make it: one whose `__new__` (or
    metaclass) may hand back something else (a plain array, another class's term) goes
    through `_add`, which treats the value by its type, as the engine does."""
    m = re.match(r"(\w+)\(", expr)
    cls = w.env.get(m.group(1)) if m else None
    if not (isinstance(cls, type) and getattr(cls, "defers", False) is True
            and cls.__new__ in (tuple.__new__, object.__new__)
            and type(cls).__call__ is type.__call__):
        return False
    depth = 0
    for i, c in enumerate(expr):
        depth += (c == "(") - (c == ")")
        if depth == 0 and c == ")":
            return i == len(expr) - 1  # (its call's ")" ends it: no `Outer(...) + x`)
    return False


def bound(w: Writer, expr: str, ns: dict[str, Any]) -> str:
    """An op's declared expression with the names of the globals `ns` it reads (`np`, Tanh's
    `_ONE`; `declared.home`: the declaring class's module's) bound to globals of the compiled
    function, but for `g` and keyword arguments' names (`axis=`)."""
    return re.sub(r"(?<![\w.])[A-Za-z_]\w*\b(?!\s*=(?!=))",  # (not `key=`)
                  lambda m: w.name(f"{m[0]}_", ns[m[0]]) if m[0] != "g" and m[0] in ns
                  else m[0], expr)


def _rows(w: Writer, op: Any, seen: set[int]) -> None:
    """An `indexes_by` op's backward written out (`plan_choices.index_rows`): `g` added into
    its input's pending gradient at the index, made ours first by `Pending.own`'s rule (`own_array`:
    zeros when there is none yet, a copy when it is not ours), as `Sparse.add_into` does for
    a view: the same NumPy calls. Its forward saved nothing (it was written out too)."""
    index, shape, dtype = op.rows
    if op.inputs[0] is None:  # (the input needs no gradient)
        return
    kin = int(op.inputs[0])
    w(2, f"if not o{kin}: g{kin} = _own(g{kin}, o{kin}, {w.name('p', shape)}, "
      f"{w.name('p', dtype)}); o{kin} = True")
    w(2, f"x = g{kin}[{w.name('p', index)}]; x += g; x = None")
    seen.add(kin)


def _store(w: Writer, step: Any, kept: dict[int, str], called: set[int]) -> None:
    """The finished gradients of the leaves into their .grad, in the recorded order."""
    for k, t in step.leaves:  # the finished gradients into .grad: Pending.store
        k = int(k)
        if k in called:  # (a written-out backward defers no term)
            w.pops[k] = len(w.lines)
            w(1, f"if D and {k} in D: g{k}, o{k} = _pop(P, {k}, g{k}, o{k})")
        tk = w.name("t", t)
        # Pending.store's common case written out (ours, a plain array of t's dtype, no
        # .grad yet: the array itself becomes .grad); any other through Pending.store
        w(1, f"if g{k} is not None:")
        w(2, f"if o{k} and {tk}.grad is None and type(g{k}) is ndarray "
          f"and g{k}.dtype is {tk}.data.dtype: {tk}.grad = g{k}.view(GradArray)")
        w(2, f"else: P.store({OURS} if o{k} else {NOT_OURS}, {tk}, g{k})")
        if k in kept:  # keep the array .grad now views, for the next step's `_reuse`
            w(2, f"_keep({kept[k]}, {tk}, g{k})")
