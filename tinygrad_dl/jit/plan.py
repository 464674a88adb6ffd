"""Replaying a recording: the plan made once from it, compiled into one function.

A plan is a register file and a list of steps. Registers: one per op output (by op index),
then the step's arguments (by position), then the parameter Tensors' arrays (read afresh every
run: optimizers may rebind .data), then constants. A `Forward` step calls an op's forward (or
its `prepare`, when nothing reads the value) on registers into its own register; a `Backward`
step is engine.backward's loop over the recorded order, keyed by register. `compiled` writes
the steps out once as one straight-line Python function (`Plan.source`; registers there are
locals, `r7`, and constants' global names), which `run` calls:
the NumPy calls and the order of every sum are eager's, so the numbers are bit-identical; no
Tensor, graph or toposort is made, and values nothing reads are not computed (the loss, when
the step does not return it). What the plan decides from the recording before it writes a step
(how each op runs, when values are let go, what is written out) is in plan_choices.py.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from keyword import iskeyword
from types import MethodType
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor
from .compiled import Shared, Writer, bound, compile_steps
from .declared import home
from .guards import Guards
from .plan_choices import (
    FULL,
    PREP,
    SKIP,
    factor_rows,
    in_backward,
    index_rows,
    inline_backward,
    is_dynamic,
    op_frees,
    op_modes,
    param_outs,
    prepare_saves_inputs,
    static,
    user_shapes,
    written_forwards,
)
from .record import Recording
from .record_types import (
    ARRAY,
    IN,
    OUT,
    PARAM,
    TENSOR,
    VALUE,
    BackwardRecord,
    Const,
    Input,
    Out,
    Returned,
    Source,
)


class Forward(NamedTuple):
    """Run op `i` into register i: `fn(*registers[args], **params)`."""

    i: int
    fn: Callable[..., Any]  # the op's forward, or its prepare (its value is not needed)
    args: tuple[int, ...]  # the registers of its inputs
    params: dict[str, Any]  # constants baked in
    dynamic: tuple[str, ...] | None  # the params to resolve per run (arguments, op outputs)
    free: tuple[int, ...] | None  # registers no later step reads: let go after this one
    drop_saved: bool  # no backward reads what forward saved: drop it now
    rows: Any = None  # (index,): an `indexes_by` op written out, `r7 = r3[index]` (`index_rows`)
    # its `same_shape_forward`, written out: `r7 = r6 + r5` (`written_forwards`)
    expr: str | None = None


class BackwardOp(NamedTuple):
    """One op of a backward (as `engine.Pending.run` would read it): its output's register,
    its inputs' registers, its backward, and what frees what its forward saved."""

    key: int
    inputs: tuple[int | None, ...]
    backward: Callable[..., Any]
    release: Callable[[], None]
    # the backward as one expression per input (the op's `same_shape_backward`), where the
    # compiled plan may write it out instead of calling it (`inline_backward`); else None
    inline: tuple[str, ...] | None = None
    # with `inline`: the registers of the op's inputs, read in place of what forward saved
    # (its `prepare` is then not run); None: read ctx.saved
    args: tuple[int, ...] | None = None
    # (index, the input's shape, its dtype): an `indexes_by` op, its backward written out as
    # g added into the input's gradient at index (`index_rows`); None: call its backward
    rows: tuple[Any, tuple[int, ...], Any] | None = None
    # a user's op (one not of this package): its inputs' recorded shapes (None for one that
    # needs no gradient), what each gradient its backward returns is checked against at
    # replay as `engine.Pending.run` checks it (`compiled._check`); None for ours
    shapes: tuple[tuple[int, ...] | None, ...] | None = None
    # (the register of a concatenation of its value, the rows (lo, hi) of it the factor is
    # computed over or None for all, its rows' start and stop in those, its
    # `rowwise_factor`): `inline` read as g times its rows of the factor, computed once over
    # those rows of the concatenation (`plan_choices.factor_rows`); None: `inline` as it is
    factor: tuple[int, tuple[int, int] | None, int, int, str] | None = None


class Backward(NamedTuple):
    """One backward(): the seed gradient's register, the ops in order, the leaves' keys."""

    root: int
    seed: int
    order: tuple[BackwardOp, ...]
    leaves: tuple[tuple[int, Any], ...]
    retain_graph: bool


class Plan:
    """A recording made ready for replay: `steps` over registers laid out as `template`, and
    the `guards` checked (compiled, as `stale`) before each run."""

    def __init__(self, rec: Recording, frozen: list[Const],
                 borrowed: Sequence[tuple[Any, np.ndarray]] = (),
                 layouts: Sequence[int] = ()) -> None:
        n = len(rec.ops)
        modes, srcs = op_modes(rec)
        free = op_frees(rec, modes, srcs)
        self.ctxs: list[Any] = []  # (after `build`, None for an op it does not call)
        for i, op in enumerate(rec.ops):
            ctx = op.fn()
            ctx.needs_input_grad = list(op.needs) if op.needs else [False] * len(srcs[i])
            self.ctxs.append(ctx)
        self.n = n
        self.n_args = len(rec.arrays)  # (every run gets as many: the signature says so)
        self.template: list[Any] = [None] * (n + len(rec.arrays))
        self.params: list[tuple[int, Any]] = []  # (register, parameter Tensor)
        self._registers: dict[Any, int] = {}
        in_bwd = in_backward(rec)
        checked: dict[Any, Any] = {}  # the declarations' checks, once per kind (declared.py)
        inline = {(id(ev), k): inline_backward(rec, ev, k, inputs, self.ctxs[k], checked)
                  for ev in rec.events if type(ev) is BackwardRecord for k, inputs in ev.order}
        # ops written out in every backward that reaches them, whose value nothing reads and
        # whose inputs are arguments, parameters or constants (registers that live through
        # the run): their expressions read those registers (`{0}`, `{1}`: what an op's
        # `prepare` saves is its inputs), so `prepare` is not run, and there is nothing to
        # release. (The recorded sources: `srcs` has shapes in place of op outputs.) Checked
        # once here, as no op declares it: its `prepare` saves exactly those inputs.
        direct = {k: tuple(self.register(s) for s in rec.ops[k].sources) for k in in_bwd
                  if modes[k] == PREP and all(src.kind != OUT for src in rec.ops[k].sources)
                  and all(v is not None for (_, i), v in inline.items() if i == k)
                  and prepare_saves_inputs(rec, k,
                                           next(v for (_, i), v in inline.items() if i == k))}
        # ops that are x[index] with a constant index selecting a view: written out, forward
        # and backward, so nothing is saved on their ctx (`index_rows`)
        rows = {k: r for k in range(n) if modes[k] == FULL and (r := index_rows(rec, k, checked))}
        # ops whose value is read and whose backward is written out wherever it runs, that
        # give their forward as an expression too (`same_shape_forward`): written out, and
        # what forward saved (their inputs or their value) read from those registers, kept
        # alive for the backward, in place of ctx.saved, so nothing is saved or released
        forwards = written_forwards(rec, modes, inline, in_bwd, checked)
        for k, (_, where) in forwards.items():
            direct[k] = tuple(k if j is None else self.register(rec.ops[k].sources[j])
                              for j in where)
        # ops whose backward reads rows of a factor computed once over a concatenation of
        # their values: that concatenation lives on for the backward too
        factors = factor_rows(rec, modes, inline, direct, checked)
        held = {r for k in forwards for r in direct[k] if r < n} | {
            c for c, *_ in factors.values()}
        free = [[r for r in f if r not in held] for f in free]
        self.steps: list[Forward | Backward] = []
        for ev in rec.events:
            if type(ev) is BackwardRecord:
                # release: empty the op's __dict__ (what forward saved; slots such as a
                # conv's scratch buffers stay), the dict forward refills on the next run
                order = tuple(BackwardOp(k, inputs, self.ctxs[k].backward,
                                         self.ctxs[k].__dict__.clear, inline[id(ev), k],
                                         direct.get(k), rows.get(k), user_shapes(
                                             rec, k, inputs, self.ctxs[k]), factors.get(k))
                              for k, inputs in ev.order)
                self.steps.append(Backward(ev.root, self.register(ev.seed), order, ev.leaves,
                                           ev.retain_graph))
            elif ev in direct and ev not in forwards:
                continue
            elif modes[ev] != SKIP:
                i, ctx = ev, self.ctxs[ev]
                params = {k: static(v) for k, v in rec.ops[i].params.items()}
                dynamic = tuple(k for k, v in params.items() if is_dynamic(v))
                idx = tuple(self.register(s) for s in srcs[i])
                self.steps.append(Forward(
                    i, ctx.forward if modes[i] == FULL else ctx.prepare, idx, params,
                    dynamic or None, tuple(free[i]) or None, i not in in_bwd,
                    rows[i][:1] if i in rows else None,
                    forwards[i][0] if i in forwards else None))
        out = rec.outputs
        self.outputs = None if out is None or (out.how is VALUE and out.ref is None) else out
        self.guards = Guards(trainable=[t for _, t in self.params], frozen=frozen,
                             modules=list(rec.modules.values()),
                             grad_none=list(rec.grad_none.values()), aliases=rec.aliases,
                             borrowed=list(borrowed), bindings=rec.bindings,
                             layouts=[(j, rec.arrays[j].strides) for j in sorted(layouts)])
        self._fresh = frozenset(rec.grad_none)  # .grad None when recorded: kept arrays
        self._param_regs = frozenset(int(r) for r, _ in self.params)
        self._shared = Shared()  # the accumulator and kept arrays of the compiled steps
        self.stale = self.guards.compiled()  # True when a guard fails: then guards.why_stale
        # the steps as one straight-line function (`build`); with jit's checks it is also
        # the entry, `entry(arrays)`, and `run` calls it as `entry(arrays, True)`
        self._run: Callable[..., Any] | None = None
        self.entry: Callable[[Any], Any] | None = None
        self._text: bytes | None = None  # `source`, once built

    def register(self, src: Source) -> int:
        """The register that holds `src` at every run."""
        kind, ref = src
        if kind == OUT:
            return ref
        if kind == IN:
            return self.n + ref
        obj = ref if kind == PARAM else ref.array
        key = (kind, id(obj))
        if key not in self._registers:
            self._registers[key] = len(self.template)
            self.template.append(None if kind == PARAM else obj)
            if kind == PARAM:
                self.params.append((self._registers[key], ref))
        return self._registers[key]

    def _compile(self, run: bool, checks: tuple[list[str], dict[str, Any]] | None = None
                 ) -> tuple[Any, str]:
        def start(w: Writer) -> None:
            self._start(w, unpack=checks is None)  # (jit's checks unpack the arguments)
        return compile_steps(self.template, self.steps, Backward, start, self._forward,
                             self._end, run, self._fresh, checks, self._shared)

    def arguments(self) -> list[str]:
        """The locals the compiled function keeps the step's arguments in (`entry`'s checks
        unpack `arrays` into them)."""
        return [f"r{self.n + j}" for j in range(self.n_args)]

    def build(self, checks: tuple[list[str], dict[str, Any]] | None = None) -> None:
        """Compile the steps, once: `run(arrays)`; with `checks` (lines over the names in the
        dict: jit's checks, which return early when the call is not this plan's and unpack
        `arrays` into `arguments()`) one function `entry(arrays)` that runs them first, one
        Python call per replay, and that `run` calls as `entry(arrays, True)`, the checks
        skipped (its caller made them). One function, not a second copy of the steps: for a
        char-RNN's unrolled graph each copy is ~100 KB of bytecode."""
        if self._text is not None:  # (its steps are gone: a second build would compile none)
            raise RuntimeError("Plan.build: this plan is built already")
        if checks is None:
            self._run, text = self._compile(run=True)
        else:
            lines, names = checks
            unpack = "".join(f"{r}, " for r in self.arguments())
            lines = ["if not checked:", *(f"    {line}" for line in lines),
                     "else:", f"    {unpack}= arrays" if unpack else "    pass"]
            self._run, text = self._compile(True, (lines, names))
            self.entry = self._run
        # what `source` shows, compressed (a tenth of the text), and no steps: their records
        # were a char-RNN plan's largest part after its bytecode, kept for `source` alone
        self._text, self.steps = zlib.compress(text.encode()), []
        # nor the ctx of an op the function does not call (written out, forward and backward:
        # a char-RNN plan's 101 of 109, 27 KiB): None in its place
        # (bound methods only: a user object among the checks' names may raise on any read)
        called = {id(v.__self__ if type(v) is MethodType else v)
                  for v in self._run.__globals__.values()}
        self.ctxs = [c if id(c) in called else None for c in self.ctxs]

    @property
    def source(self) -> str:
        """The Python of the compiled step, to read: as compiled (jit's entry: its checks
        first), or before `build` written from the steps."""
        if self._text is not None:
            return zlib.decompress(self._text).decode()
        return self._compile(run=False)[1]

    def run(self, arrays: list[np.ndarray]) -> Any:
        """The step on these arguments (checked by the caller): its return value (the steps,
        compiled: `compiled`)."""
        if self.entry is not None:
            return self.entry(arrays, True)  # type: ignore[call-arg]
        if self._run is None:
            self.build()
        return self._run(arrays)  # type: ignore[misc]

    def _reg(self, w: Writer, r: int) -> str:
        """Register r in the source: a local `r7` (op outputs, arguments, parameters' arrays),
        or a constant's global name."""
        r = int(r)
        if r < self.n + self.n_args or r in self._param_regs:
            return f"r{r}"
        name = f"k{r}"
        w.env[name] = self.template[r]
        return name

    def _start(self, w: Writer, unpack: bool = True) -> None:
        """Write the run's first lines: the arguments (unless `unpack` is False: jit's entry
        has unpacked them) and the parameters' arrays, read afresh (optimizers may rebind
        .data), into their registers (locals)."""
        w.reg = lambda r: self._reg(w, r)
        k = self.n_args
        if k and unpack:
            w(1, "".join(f"r{self.n + j}, " for j in range(k)) + "= arrays")
        for r, t in self.params:
            w(1, f"r{int(r)} = {w.name('t', t)}.data")

    def _end(self, w: Writer) -> None:
        """Write the return: the step's value rebuilt from the registers it reads, or None."""
        if self.outputs is None:
            w(1, "return None")
            return
        out = self.outputs
        if out.how is TENSOR and out.ref.kind == OUT:  # (a loss: one call, no dict of registers)
            cls = f", {w.name('cls', out.cls)}" if out.cls is not None else ""
            w(1, f"return {w.name('tensor', _tensor)}({self._reg(w, out.ref.ref)}{cls})")
            return
        regs: set[int] = set()
        _returned_registers(out, self.n, regs)
        live = "{" + ", ".join(f"{r}: {self._reg(w, r)}" for r in sorted(regs)) + "}"
        w(1, f"return {w.name('build', _build)}({w.name('out', out)}, {live}, {int(self.n)})")

    def _forward(self, w: Writer, step: Forward) -> None:
        """Write one Forward step: `r7 = f(r3, r5, axis=p8)`, then let go of what nothing
        reads later."""
        i, fn, args, params, dynamic, free, drop_saved, rows, expr = step
        call = [self._reg(w, r) for r in args]
        if rows is not None or expr is not None:  # written out: `index_rows`, `written_forwards`
            value = (f"{call[0]}[{w.name('p', rows[0])}]" if rows is not None
                     else bound(w, expr, home(type(self.ctxs[i]), expr, "same_shape_forward",
                                              "shaped_forward")).format(*call))
            if free is not None and i in free:  # (a view nothing reads: nothing to do)
                free = tuple(r for r in free if r != i) or None
            else:
                w(1, f"r{int(i)} = {value}")
            if free is not None:
                w(1, " = ".join(f"r{int(r)}" for r in free) + " = None")
            return
        dyn = dynamic or ()
        if all(_keyword(k) for k in params):  # (always, for ops)
            for k, v in params.items():  # keyword arguments: no dict to unpack per call
                call.append(f"{k}={_source(v, w, self) if k in dyn else w.name('p', v)}")
        elif dynamic is not None:  # parameters that are arguments or op outputs: per run
            w.env["_resolved"] = _resolved
            call.append(f"**_resolved({w.name('p', params)}, {w.name('d', dynamic)}, "
                        f"[{', '.join(f'r{self.n + j}' for j in range(self.n_args))}], "
                        f"{{{', '.join(f'{o}: r{o}' for o in param_outs(params))}}})")
        elif params:
            call.append(f"**{w.name('p', params)}")
        if free is not None and i in free:  # nothing reads the value: no local holds it
            free = tuple(r for r in free if r != i) or None
            w(1, f"{w.name('f', fn)}({', '.join(call)})")
        else:
            w(1, f"r{int(i)} = {w.name('f', fn)}({', '.join(call)})")
        if free is not None:
            w(1, " = ".join(f"r{int(r)}" for r in free) + " = None")
        if drop_saved:  # no backward reads what forward saved
            w(1, f"{w.name('c', self.ctxs[i].__dict__.clear)}()")


def _keyword(k: str) -> bool:
    """Whether `k=` in source passes the keyword k: an identifier, not a keyword, ASCII
    (Python reads a non-ASCII name as its NFKC form: "\ufb01" as "fi", another keyword)
    and not __debug__ (a SyntaxError as a keyword argument)."""
    return k.isascii() and k.isidentifier() and not iskeyword(k) and k != "__debug__"


def _source(v: Any, w: Writer, plan: Plan) -> str:
    """A dynamic parameter as an expression over the registers: an argument's or an op
    output's local, tuples and lists of them, constants by global name."""
    t = type(v)
    if t is Input:
        return f"r{plan.n + int(v.j)}"
    if t is Out:
        return f"r{int(v.i)}"
    if t is tuple:
        return "(" + "".join(f"{_source(x, w, plan)}, " for x in v) + ")"
    if t is list:
        return "[" + ", ".join(_source(x, w, plan) for x in v) + "]"
    return w.name("p", v)


def _resolved(params: dict[str, Any], dynamic: tuple[str, ...], arrays: list[np.ndarray],
              regs: dict[int, Any]) -> dict[str, Any]:
    params = dict(params)
    for key in dynamic:
        params[key] = _resolve(params[key], arrays, regs)
    return params


def _resolve(v: Any, arrays: list[np.ndarray], regs: dict[int, Any]) -> Any:
    t = type(v)
    if t is Input:
        return arrays[v.j]
    if t is Out:
        return regs[v.i]
    if t in (tuple, list):
        return t(_resolve(x, arrays, regs) for x in v)
    return v


# ---- the step's return value -----------------------------------------------------------------
def _returned_registers(out: Returned, n: int, acc: set[int]) -> None:
    """The registers `_build` reads to rebuild `out`."""
    if (out.how is TENSOR or out.how is ARRAY) and out.ref.kind in (OUT, IN):
        acc.add(out.ref.ref if out.ref.kind == OUT else n + out.ref.ref)
    for x in out.items:
        _returned_registers(x, n, acc)


def _tensor(a: Any, cls: Any = Tensor) -> Tensor:
    """The returned `cls` (Tensor or eager's subclass) of an op's result, as eager's
    (from_result: no Tensor() checks to pay again): t.data an array, also where the op's
    forward gave a NumPy scalar (made here: a loss's scalar through Tensor()'s general
    conversion cost a microsecond per replay); anything else through cls()'s conversion, as
    eager's _output."""
    if type(a) is np.ndarray:
        return cls.from_result(a)
    return cls.from_result(np.asarray(a)) if isinstance(a, np.generic) else cls(a)


def _build(out: Returned, regs: dict[int, Any], n: int) -> Any:
    how, ref = out.how, out.ref
    if how is TENSOR or how is ARRAY:
        kind, r = ref
        a = (regs[r] if kind == OUT else regs[n + r] if kind == IN
             else r.data if kind == PARAM else r.array)
        if how is TENSOR:
            if kind == OUT:
                return _tensor(a, out.cls or Tensor)
            return Tensor(np.asarray(a) if isinstance(a, np.generic) else a)
        return a if kind == IN else np.asarray(a)
    if how is VALUE:
        return ref
    items = (_build(x, regs, n) for x in out.items)
    return dict(zip(ref, items)) if how is dict else how(items)
