"""What a `plan.Plan` decides from a recording before it writes a step: how replay runs each
op (FULL, PREP: its `prepare`, no value, or SKIP) and after which op each value can be let go;
which ops' backwards (`inline_backward`), forwards (`written_forwards`) and indexing
(`index_rows`) it writes out as expressions instead of calling the op's methods (the ops'
declarations, checked by `declared`); and which op parameters are constants (`static`) and
which are arrays looked up per run (`is_dynamic`, `param_outs`)."""

from __future__ import annotations

from typing import Any

from .declared import (
    agrees,
    declared,
    factor_agrees,
    forward_saves,
    joins,
    rows_agree,
    saves_inputs,
    used,
)
from .record import Recording
from .record_types import (
    ARRAY,
    CONST,
    IN,
    OUT,
    PARAM,
    TENSOR,
    BackwardRecord,
    Const,
    Input,
    Out,
    Returned,
    Source,
)

FULL, PREP, SKIP = 0, 1, 2  # how replay runs an op: forward / prepare (no value) / not at all


# ---- backwards written out ------------------------------------------------------------------
def inline_backward(rec: Recording, ev: BackwardRecord, k: int, inputs: tuple[int | None, ...],
                    ctx: Any, cache: dict[Any, bool]) -> tuple[str, ...] | None:
    """The op's `same_shape_backward` expressions where the compiled plan may write them out
    in place of calling its backward: its gradient has the output's shape (at the backward's
    root it is the seed, whose recorded shape is checked here, pinned by the signature and the
    guards; anywhere else it is what its consumers sent, each term checked to have that shape
    by the engine when recorded, and replay runs the recorded shapes); each input has that
    shape too (no broadcasting to undo); and an input needs a gradient exactly where backward
    sends one (`needs_input_grad`), so the expressions compute what backward computes; and
    they are the op's own and give its backward's bits (`declared`, `agrees`; `cache`: those
    already checked, per op class and dtypes)."""
    op = rec.ops[k]
    exprs = declared(type(ctx), "same_shape_backward", "forward", "prepare", "backward")
    shapes = _shaped(rec, op, exprs)
    if shapes is not None:  # its `shaped_backward`, for inputs of the recorded shapes
        exprs = _ask(declared(type(ctx), "shaped_backward", "forward", "prepare", "backward"),
                     shapes)
    if exprs is None or not (len(exprs) == len(op.sources) == len(inputs)
                             == len(ctx.needs_input_grad)):
        return None
    if [bool(n) for n in ctx.needs_input_grad] != [i is not None for i in inputs]:
        return None
    shape = getattr(op.out, "shape", None)
    srcs = (*op.sources, ev.seed) if k == ev.root else op.sources
    # the gradient has the output's shape; with `same_shape_backward`, every input has it too
    if shape is None or any(_shape(rec, s) != tuple(shape)
                            for s in (srcs if shapes is None else srcs[len(op.sources):])):
        return None
    if any(is_dynamic(v) for v in op.params.values()) or not agrees(
            type(ctx), tuple(exprs), tuple(_dtype(rec, s) for s in op.sources),
            {n: static(v) for n, v in op.params.items()}, cache, shapes):
        return None
    return tuple(exprs)


def _ask(shaped: Any, shapes: tuple[tuple[int, ...], ...]) -> Any:
    """A `shaped_*` declaration's answer for these shapes: its expression(s), or None where it
    has none, raises or answers anything else (a user's op: when in doubt, its methods are
    called)."""
    try:
        got = None if shaped is None else shaped(shapes)
    except Exception:  # noqa: BLE001
        return None
    ok = type(got) is str or (type(got) is tuple and all(type(e) is str for e in got))
    return got if ok else None


def _shaped(rec: Recording, op: Any, same_shape: Any) -> tuple[tuple[int, ...], ...] | None:
    """The recorded shapes of op's inputs where it has no parameters and declares
    `shaped_backward` (MatMul: expressions written for those shapes, a one-row product's
    gradient term for an RNN step's h @ W; Add's for a broadcast, `x + b`) as its own, and
    its `same_shape_*` declaration (given as `same_shape`), if any, does not apply (an input
    of another shape than the output's); else None."""
    if op.params or declared(op.fn, "shaped_backward", "forward", "prepare",
                             "backward") is None:
        return None
    shapes = tuple(_shape(rec, s) for s in op.sources)
    out = getattr(op.out, "shape", None)
    if None in shapes or (same_shape is not None and out is not None
                          and all(s == tuple(out) for s in shapes)):
        return None
    return shapes


def written_forwards(rec: Recording, modes: list[int], inline: dict[Any, Any], in_bwd: set[int],
                     cache: dict[Any, Any]) -> dict[int, tuple[str, tuple[int | None, ...]]]:
    """Op -> (its `same_shape_forward` expression, what forward saves: per item an input's
    index or None for the value) where the op's value is read (FULL), it has no parameters,
    every backward that reaches it writes its backward out (`inline_backward`), the expression is
    its own (`declared`) and gives forward's bits, and forward saves its inputs or its value
    and nothing else (`forward_saves`). Replay then writes the forward out and the backward
    reads those registers."""
    by_op: dict[int, list[Any]] = {}  # (one pass: a step may have many ops)
    for (_, i), v in inline.items():
        by_op.setdefault(i, []).append(v)
    out = {}
    for k in sorted(in_bwd):
        op = rec.ops[k]
        expr = declared(op.fn, "same_shape_forward", "forward", "prepare", "backward")
        shapes = _shaped(rec, op, expr)
        if shapes is not None:  # its `shaped_forward`, for inputs of the recorded shapes
            expr = _ask(declared(op.fn, "shaped_forward", "forward", "prepare", "backward"),
                        shapes)
        if expr is None or modes[k] != FULL or op.params or None in by_op.get(k, [None]):
            continue
        where = forward_saves(op.fn, expr, tuple(_dtype(rec, s) for s in op.sources), cache,
                              shapes)
        if where is not None and used(by_op[k][0]) <= len(where):
            out[k] = (expr, where)
    return out


def factor_rows(rec: Recording, modes: list[int], inline: dict[Any, Any],
                direct: dict[int, tuple[int, ...]], cache: dict[Any, Any]
                ) -> dict[int, tuple[int, tuple[int, int] | None, int, int, str]]:
    """Op -> (the register of a concatenation its value is rows of, the rows (lo, hi) of it
    the factor is computed over (None: all), the op's start and stop in those rows, its
    `rowwise_factor`), where every backward that reaches it writes it out as its
    `same_shape_backward`, `g * (factor)`, the factor an elementwise function of its value
    (`factor_agrees`) read from its own register (`direct`: a written-out forward), and its
    value is rows of a concatenation along axis 0 (an op that `joins`, `Concatenate`) whose
    value replay computes before the first backward that reaches the op, in that
    concatenation's dtype (an RNN's hidden states: H = concatenate([h_1, ..., h_T])).
    Replay then computes the factor once over rows lo:hi of the concatenation, a run of such
    ops' values and nothing else (another piece's factor, x*x of a large x, could warn where
    eager computes nothing), and each op's gradient is g times its rows: the same bits, one
    NumPy pass for T steps' three calls each."""
    exprs: dict[int, set[Any]] = {}
    for (_, i), v in inline.items():
        exprs.setdefault(i, set()).add(v)
    at: dict[int, int] = {}  # op -> its place in the events; -> the first backward reaching it
    first: dict[int, int] = {}
    for e, ev in enumerate(rec.events):
        if type(ev) is BackwardRecord:
            for v in ev.order:
                first.setdefault(int(v.key), e)
        else:
            at.setdefault(ev, e)
    out: dict[int, tuple[int, tuple[int, int] | None, int, int, str]] = {}
    for c, op in enumerate(rec.ops):
        shape, dtype = getattr(op.out, "shape", None), getattr(op.out, "dtype", None)
        name = joins(op.fn, cache)
        if (name is None or modes[c] != FULL or list(op.params) != [name]
                or is_dynamic(op.params[name]) or shape is None or not len(shape)
                or c not in at):
            continue
        axis = static(op.params[name])
        if type(axis) is not int or axis % len(shape):
            continue
        start, run, runs = 0, [], []  # (op, start, stop, factor) of consecutive pieces
        for src in op.sources:
            rows = _shape(rec, src)
            if rows is None or len(rows) != len(shape):
                break
            k = src.ref if src.kind == OUT and _dtype(rec, src) == dtype else None
            f = None if k is None else out[k][4] if k in out else _factor(
                rec, k, c, dtype, (at, first, direct, exprs), cache)
            if run and run[0][3] != f:  # the run so far ends here
                runs.append(run)
                run = []
            if f is not None:
                run.append((k, start, start + rows[0], f))
            start += rows[0]
        runs.append(run)
        for each in runs:
            lo, hi = (each[0][1], each[-1][2]) if each else (0, 0)
            span = None if (lo, hi) == (0, shape[0]) else (lo, hi)
            for k, a, b, f in each:
                if k not in out:  # (a value met twice reads its first rows)
                    out[k] = (c, span, a - lo, b - lo, f)
    return out


def _factor(rec: Recording, k: int, c: int, dtype: Any, where: tuple[Any, ...],
            cache: dict[Any, Any]) -> str | None:
    """Op k's `rowwise_factor` where `factor_rows` may read it from concatenation c's rows
    (`where`: its events' places, first backwards' places, `direct` and written backwards)."""
    at, first, direct, exprs = where
    if direct.get(k) != (k,) or at[c] > first.get(k, -1):
        return None
    f = factor_agrees(rec.ops[k].fn, dtype, cache)
    return f if f is not None and exprs.get(k) == {(f"g * ({f})",)} else None


def index_rows(rec: Recording, k: int, cache: dict[Any, Any]
               ) -> tuple[Any, tuple[int, ...], Any] | None:
    """(index, input shape, input dtype) where op k declares `indexes_by` (it is x[index])
    as its own, the index is a constant, and the op gives x[index], a view, and as gradient g
    added into x's at index, bit for bit on an input of the recorded shape and dtype
    (`rows_agree`): replay then writes `r7 = r3[index]` for its forward and the rows' add
    for its backward, and saves nothing on its ctx. Else None: its methods are called."""
    op = rec.ops[k]
    name = declared(op.fn, "indexes_by", "forward", "prepare", "backward")
    if name is None or len(op.sources) != 1 or list(op.params) != [name] or is_dynamic(
            op.params[name]):
        return None
    index = static(op.params[name])
    shape, dtype = _shape(rec, op.sources[0]), _dtype(rec, op.sources[0])
    gdtype = getattr(op.out, "dtype", None)
    if shape is None or dtype is None or gdtype is None or not rows_agree(
            op.fn, name, index, shape, dtype, gdtype, cache):
        return None
    return index, shape, dtype


def prepare_saves_inputs(rec: Recording, k: int, exprs: tuple[str, ...]) -> bool:
    """Whether op k's `prepare`, run on its recorded inputs (arguments, parameters and
    constants: arrays at hand), saves them as they are, as far as `exprs` read them."""
    op = rec.ops[k]
    if any(is_dynamic(v) for v in op.params.values()):
        return False
    arrays = [rec.arrays[ref] if kind == IN else ref.data if kind == PARAM else ref.array
              for kind, ref in op.sources]
    return saves_inputs(op.fn, arrays, {n: static(v) for n, v in op.params.items()},
                        used(exprs))


def _recorded(rec: Recording, src: Source) -> Any:
    """The array (or `record_types.Spec`) `src` names when recorded (None where it names none)."""
    kind, ref = src
    return (rec.ops[ref].out if kind == OUT else rec.arrays[ref] if kind == IN
            else getattr(ref, "data", None) if kind == PARAM
            else getattr(ref, "array", None) if kind == CONST else None)


def _shape(rec: Recording, src: Source) -> tuple[int, ...] | None:
    """The recorded shape of what `src` names (None where it is not an array's)."""
    shape = getattr(_recorded(rec, src), "shape", None)
    return None if shape is None else tuple(shape)


def user_shapes(rec: Recording, k: int, inputs: tuple[int | None, ...], ctx: Any
                ) -> tuple[tuple[int, ...] | None, ...] | None:
    """A user's op's inputs' recorded shapes (None for one that needs no gradient), for the
    replay to check what its backward returns (`BackwardOp.shapes`); None for an op of this
    package. A recording checks only the backwards that ran: one reached only on a later
    call (a user's backward returned None while recorded) would otherwise add a gradient
    of the wrong shape, or as many as it returned, where eager raises."""
    if type(ctx).__module__.split(".")[0] == __name__.split(".")[0]:
        return None
    return tuple(None if i is None else _shape(rec, s)
                 for s, i in zip(rec.ops[k].sources, inputs))


def _dtype(rec: Recording, src: Source) -> Any:
    return getattr(_recorded(rec, src), "dtype", None)


# ---- which ops replay runs, and when their values can be let go ------------------------------
def in_backward(rec: Recording) -> set[int]:
    return {v.key for ev in rec.events if type(ev) is BackwardRecord for v in ev.order}


def _read_outputs(rec: Recording) -> set[int]:
    """The ops whose values are read after the step: returned, or a backward's seed."""
    needed: set[int] = set()
    _needed_outputs(rec.outputs, needed)
    for ev in rec.events:
        if type(ev) is BackwardRecord and ev.seed.kind == OUT:
            needed.add(ev.seed.ref)
    return needed


def op_modes(rec: Recording) -> tuple[list[int], list[tuple[Source, ...]]]:
    """Per op: FULL, PREP or SKIP, and the sources it reads (recorded shapes stand in for the
    values a `prepare` that reads no values would get)."""
    ops, n = rec.ops, len(rec.ops)
    in_bwd, needed = in_backward(rec), _read_outputs(rec)
    modes, srcs = [SKIP] * n, [()] * n
    for i in range(n - 1, -1, -1):
        op = ops[i]
        # the op's own, if it has one (not a parent's under a subclass's own forward)
        prepare = declared(op.fn, "prepare", "forward")
        effects = any(callable(v) for v in op.params.values())
        if i in needed or effects or (i in in_bwd and prepare is None):
            modes[i], reads = FULL, True
        elif i in in_bwd:
            reads = declared(op.fn, "prepare_reads_values", "prepare")
            modes[i], reads = PREP, True if reads is None else reads
        else:
            continue
        needed.update(param_outs(op.params))
        if reads:
            needed.update(r for k, r in op.sources if k == OUT)
            srcs[i] = op.sources
        else:  # shapes are all it reads: the recorded ones
            srcs[i] = tuple(Source(CONST, Const(None, ops[r].out, True)) if k == OUT
                            else Source(k, r) for k, r in op.sources)
    return modes, srcs


def op_frees(rec: Recording, modes: list[int], srcs: list[tuple[Source, ...]]) -> list[list[int]]:
    """Per op: the op outputs to let go after it (their last reader), except those read after
    the step."""
    n = len(rec.ops)
    last = list(range(n))
    for i in range(n):
        if modes[i] != SKIP:
            for r in [r for k, r in srcs[i] if k == OUT] + param_outs(rec.ops[i].params):
                last[r] = i
    keep = _read_outputs(rec)
    free: list[list[int]] = [[] for _ in range(n)]
    for r in range(n):
        if r not in keep:
            free[last[r]].append(r)
    return free


# ---- op parameters: constants baked in, arguments and op outputs looked up per run ------------
def static(v: Any) -> Any:
    if isinstance(v, Const):
        return v.array
    if type(v) in (tuple, list):
        return type(v)(static(x) for x in v)
    return v


def is_dynamic(v: Any) -> bool:
    if type(v) in (Input, Out):
        return True
    return type(v) in (tuple, list) and any(is_dynamic(x) for x in v)


def param_outs(params: dict[str, Any]) -> list[int]:
    """The ops whose outputs these parameters are."""
    out: list[int] = []

    def visit(v: Any) -> None:
        if type(v) is Out:
            out.append(v.i)
        elif type(v) in (tuple, list):
            for x in v:
                visit(x)

    for v in params.values():
        visit(v)
    return out


# ---- the step's return value: the ops it reads ------------------------------------------------
def _needed_outputs(out: Returned | None, acc: set[int]) -> None:
    if out is None:
        return
    if out.how in (TENSOR, ARRAY) and out.ref.kind == OUT:
        acc.add(out.ref.ref)
    for x in out.items:
        _needed_outputs(x, acc)
