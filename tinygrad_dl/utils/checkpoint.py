"""PyTorch's `torch.utils.checkpoint`: activation checkpointing, memory traded for time.

    y = checkpoint(block, x, use_reentrant=False)      # block: a Module or any function
    y = checkpoint_sequential(model, 4, x, use_reentrant=False)

Normally every op of the forward keeps what its backward needs (a Linear its input, a ReLU its
mask) until backward runs: a deep net holds all its activations at once. `checkpoint(f, x)`
keeps only f's inputs: as soon as f has run, the graph f built is dropped (its saved arrays
freed) and one op, `Checkpoint`, stands for all of f. Its backward runs f again, with grad on,
on the same inputs, backprops the gradient through that new graph and hands the gradients on.
So the peak memory is that of the kept boundaries plus ONE block's activations, at the price of
a second forward of each block (measured in docs/performance.md).

The gradients reach every tensor f reads that requires grad: its arguments (positional or
keyword) and the parameters it closes over (a Module's weights), found by walking f's graph
down to the tensors made before f ran. The dropout masks drawn inside f are drawn again alike
(`preserve_rng_state`: the default generator's state, and that of the generators f's modules
hold, are set back for the second run, then restored). Never silently wrong: if the second run
gives other outputs than the first (other shapes, dtypes or values: a global changed, a module
written to, a generator the state restore cannot see), or reads other tensors requiring grad
(a leaf made inside anew, a closed-over tensor replaced: the gradient would be lost), backward
raises `CheckpointError` (torch checks only shapes and dtypes); the inputs and parameters f
read are locked by the write guard, as every op's saved arrays are, so writing one in place
raises, and an optimizer step between forward and backward makes backward raise.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import detached, engine, hooks
from ..engine import enable_grad, is_grad_enabled, no_grad
from ..ops.indexing import Sparse
from ..random import default_generator
from ..tensor import Tensor

__all__ = ["CheckpointError", "checkpoint", "checkpoint_sequential", "noop_context_fn"]


class CheckpointError(RuntimeError):
    """The recomputation in backward gave other outputs than the forward (torch's name)."""


def noop_context_fn() -> tuple[contextlib.nullcontext, contextlib.nullcontext]:
    """The default `context_fn`: no context around the forward nor the recomputation."""
    return contextlib.nullcontext(), contextlib.nullcontext()


_MODES = ("default", "none")
_FREED = ("backward through an op of a function given to checkpoint(), whose saved arrays were "
          "freed when the function returned: a tensor made inside a checkpointed function is "
          "used outside it; return it from the function")


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable[[], Any] = noop_context_fn, determinism_check: str = "default",
               debug: bool = False, early_stop: bool = True, **kwargs: Any) -> Any:
    """Run `function(*args, **kwargs)` keeping only what it reads, not its activations; backward
    runs it again. Returns what `function` returns (a Tensor, or a tuple, list or dict of them
    and other values). `preserve_rng_state=True` (a keyword) draws the same random numbers in the
    recomputation. `use_reentrant`: None warns (as torch 2.13) and means True; True keeps torch's
    reentrant rules (no keyword arguments, no `context_fn`/`debug`, and when no positional
    tensor requires grad, a warning and an output without gradient); both compute the same
    gradients. `context_fn()` returns two context managers, around the forward and around the
    recomputation. determinism_check: "default" compares the recomputed outputs' values with the
    forward's (bit for bit), "none" does not; their number, shapes and dtypes are always
    compared (a gradient cannot be taken through other ones). `debug` and `early_stop` are
    accepted and ignored (the recomputation always runs the whole function).
    """
    preserve = kwargs.pop("preserve_rng_state", True)
    if use_reentrant is None:
        warnings.warn("checkpoint: pass use_reentrant explicitly (False is recommended); "
                      "without it torch 2.13 uses True, and so do we", stacklevel=2)
        use_reentrant = True
    if determinism_check not in _MODES:
        raise ValueError(f"checkpoint: determinism_check should be one of {list(_MODES)}, but "
                         f"got {determinism_check!r}")
    if use_reentrant:
        if kwargs:
            raise ValueError("checkpoint: unexpected keyword arguments: " + ",".join(kwargs) +
                             " (use_reentrant=True passes none on; use use_reentrant=False)")
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("checkpoint: passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False")
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):  # (under
            # no_grad too, as torch's)
            warnings.warn("checkpoint: none of the inputs have requires_grad=True; gradients "
                          "will be None (use_reentrant=True, as torch)", stacklevel=2)
            with no_grad():
                return function(*args)
    if not is_grad_enabled():  # no graph to save memory in: just run it
        return function(*args, **kwargs)
    if hooks.recording():  # a replay would run the recorded ops of both forwards, no memory
        hooks.attached.recorder.fail("checkpoint() inside the step (its backward runs Python: "
                                     "the forward again)")  # saved: the step runs eagerly
    fwd_ctx, re_ctx = context_fn()
    run = _Run(function, args, kwargs, preserve, determinism_check, re_ctx)
    return run.forward(fwd_ctx)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Run `functions` (a Sequential or a list of modules/functions) in turn on `input`, in
    `segments` parts: each part but the last under `checkpoint` (torch's split: len //
    segments functions each, the rest in the last part, which is not checkpointed, as its
    backward comes first). Only `preserve_rng_state=` may be passed as a keyword."""
    if use_reentrant is None:
        warnings.warn("checkpoint_sequential: pass use_reentrant explicitly (False is "
                      "recommended); without it torch 2.13 uses True, and so do we", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("checkpoint_sequential: unexpected keyword arguments: " + ",".join(kwargs))
    fs = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if isinstance(segments, bool) or not isinstance(segments, (int, np.integer)) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be an int >= 1, got {segments!r}")
    if segments > len(fs):  # (torch's: "range() arg 3 must not be zero")
        raise ValueError(f"checkpoint_sequential: {segments} segments of {len(fs)} functions: "
                         "give at most one segment per function")
    size = len(fs) // int(segments)
    end = -1
    for start in range(0, size * (int(segments) - 1), size):
        end = start + size - 1
        input = checkpoint(_Chain(fs[start:end + 1]), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return _Chain(fs[end + 1:])(input)


class _Chain:
    """Some of checkpoint_sequential's functions, one after another (their modules' generators
    are found through `modules()`, as a Module's)."""

    def __init__(self, fs: list[Any]) -> None:
        self.fs = fs

    def __call__(self, x: Any) -> Any:
        for f in self.fs:
            x = f(x)
        return x

    def modules(self) -> Iterator[Any]:
        for f in self.fs:
            yield from _modules(f)


class Checkpoint(engine.Function):
    """The one op standing for a checkpointed function: its inputs are every tensor the function
    read that requires grad; forward hands out the (flattened) outputs computed already; backward
    recomputes and backprops (`_Run.grads`)."""

    def forward(self, *arrays: np.ndarray, out: np.ndarray, run: _Run, kept: tuple = ()
                ) -> np.ndarray:
        self.run = run
        # locked by the write guard while the graph lives: an in-place write into an input or
        # parameter raises, an optimizer step makes backward raise (check_saved)
        self.save_for_backward(*arrays, *kept)
        return out.copy() if any(np.may_share_memory(out, a) for a in arrays) else out

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return self.run.grads(g)


class CheckpointOutput(engine.Function):
    """One of several outputs: its part of the Checkpoint op's flat result (a view); its
    backward tells the run that a gradient reached this output."""

    def forward(self, flat: np.ndarray, at: int, shape: tuple, run: _Run, k: int) -> np.ndarray:
        self.run, self.k, self.flat, self.at = run, k, (flat.shape, flat.dtype), at
        return flat[at:at + int(np.prod(shape))].reshape(shape)

    def backward(self, g: np.ndarray) -> Sparse:
        self.run.used.add(self.k)
        part = slice(self.at, self.at + g.size)
        return Sparse((*self.flat, part, g.reshape(-1), True))


class _Run:
    """One checkpointed call: what it needs to run again, and the forward's outputs to compare."""

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, preserve: bool,
                 check: str, re_ctx: Any) -> None:
        self.fn, self.args, self.kwargs, self.check, self.re_ctx = fn, args, kwargs, check, re_ctx
        self.held = list(_holders(fn, args, kwargs))  # (what fn reads beyond its graph)
        self.gens = _generators(self.held) if preserve else []
        self.states = [g.bit_generator.state for g in self.gens]

    def forward(self, fwd_ctx: Any) -> Any:
        mark = next(engine.made_count)  # the ops made from here on are the function's own
        reads = [*_tensors((*self.args, *self.kwargs.values())),
                 *[h for h in self.held if isinstance(h, Tensor)]]  # (a global list: not read)
        with fwd_ctx, _own_graph(reads):
            out = self.fn(*self.args, **self.kwargs)
        self.held = None
        leaves, self.rebuild = _flatten(out, "checkpoint: the function's output")
        self.diff = [i for i, t in enumerate(leaves) if isinstance(t, Tensor) and t.requires_grad]
        self.meta = [(type(t), getattr(t, "shape", None), getattr(getattr(t, "data", None),
                                                                  "dtype", None)) for t in leaves]
        if not self.diff:
            return out
        arrays = [leaves[i].data for i in self.diff]
        dtypes = {a.dtype for a in arrays}
        if len(dtypes) > 1:  # (they travel as one flat array)
            raise NotImplementedError(f"checkpoint: the function returns tensors requiring grad "
                                      f"of dtypes {sorted(map(str, dtypes))}: one dtype only")
        ops, self.ins = _walk([leaves[i] for i in self.diff], mark)
        kept_grad = False
        for t in ops:  # the activations go now: the point of checkpointing
            t._ctx.release()
            t._ctx.freed_by = _FREED  # (for a tensor of them used outside the function)
            kept_grad = kept_grad or (t._retain is not False and t.retains_grad)
        if kept_grad:  # (backward fills the recomputation's tensor, which no one holds)
            warnings.warn("checkpoint: retain_grad() on a tensor made inside the function: its "
                          ".grad stays None (torch's is filled); call it on the returned tensor "
                          "or outside the function", stacklevel=3)
        self.kept = tuple(arrays) if self.check == "default" else ()
        flat = arrays[0] if len(arrays) == 1 else np.concatenate([a.ravel() for a in arrays])
        # the tensor arguments that require no grad are inputs too (no gradient): the write
        # guard locks their arrays, as it does the others', against in-place writes
        seen = {id(t) for t in self.ins}
        self.consts = [a for a in _tensors((*self.args, *self.kwargs.values()))
                       if id(a) not in seen and not seen.add(id(a))]
        y = Checkpoint.apply(*self.ins, *self.consts, out=flat, run=self, kept=self.kept)
        new = list(leaves)
        self.used: set[int] = set()  # (several outputs: those a backward reached)
        if len(arrays) == 1:
            new[self.diff[0]] = y
        else:
            at = 0
            for k, (i, a) in enumerate(zip(self.diff, arrays)):
                new[i] = CheckpointOutput.apply(y, at=at, shape=a.shape, run=self, k=k)
                at += a.size
        return self.rebuild(new)

    def grads(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """Run the function again with grad on (the forward's random state set back), then
        backprop `g` through that graph to the inputs (no leaf's .grad touched: the engine
        adds what this returns, as for any op)."""
        used, self.used = self.used, set()  # (this backward's; the next one's start anew)
        now = [g_.bit_generator.state for g_ in self.gens]
        mark = next(engine.made_count)
        try:
            for gen, s in zip(self.gens, self.states):
                gen.bit_generator.state = s
            with enable_grad(), self.re_ctx, _own_graph(self.ins):
                out = self.fn(*self.args, **self.kwargs)
        finally:
            for gen, s in zip(self.gens, now):
                gen.bit_generator.state = s
        leaves, _ = _flatten(out, "checkpoint: the recomputed output")
        self._compare(leaves)
        outs = [leaves[i] for i in self.diff]
        ops, ins = _walk(outs, mark)
        # an op made before an in-place write inside fn reads the version it used, as
        # engine.toposort gives it (else its gradient reached the written tensor too late: lost)
        while detached.rebased and detached.redirect(ops):
            ops, ins = _walk(outs, mark)
        _same_reads(ins, self.ins)
        gs = ([g] if len(outs) == 1 else
              np.split(g, np.cumsum([t.data.size for t in outs])[:-1]))
        if len(outs) > 1:  # only the outputs the gradient reached: a tensor read by the others
            # alone gets None, not zeros (as without checkpoint: an optimizer skips it)
            outs, gs = zip(*[(t, gi) for k, (t, gi) in enumerate(zip(outs, gs)) if k in used])
        pending = engine.Pending(outs[0], gs[0].reshape(outs[0].data.shape))
        for t, gi in zip(outs[1:], gs[1:]):
            gi = gi.reshape(t.data.shape)
            prev = pending.grads.get(t)  # (the same tensor returned twice: summed)
            pending.grads[t] = gi if prev is None else prev + gi
        pending.run(ops, False)
        got = {id(t): pending.pop(t) for t in ins}
        return (*[got.get(id(t)) for t in self.ins], *[None] * len(self.consts))

    def _compare(self, leaves: list[Any]) -> None:
        """Raise CheckpointError if the recomputation is not the forward: the same number,
        kinds, shapes and dtypes of outputs, always (else there is nothing to backprop the
        gradient through), and with "default" the same values (torch's checks shapes and
        dtypes)."""
        meta = [(type(t), getattr(t, "shape", None), getattr(getattr(t, "data", None),
                                                             "dtype", None)) for t in leaves]
        what = None
        if len(meta) != len(self.meta):
            what = f"{len(meta)} outputs, the forward {len(self.meta)}"
        else:
            for i, (m, m0) in enumerate(zip(meta, self.meta)):
                if m != m0:
                    what = f"output {i} is {_says(m)}, the forward's {_says(m0)}"
                    break
        if what is None:
            for i in self.diff:
                if not leaves[i].requires_grad:
                    what = f"output {i} requires no grad, the forward's did"
                    break
        if what is None and self.check == "default":
            for i, a in zip(self.diff, self.kept):
                if not np.array_equal(leaves[i].data, a, equal_nan=a.dtype.kind in "fc"):
                    what = (f"output {i} has other values (largest difference "
                            f"{np.max(np.abs(leaves[i].data - a)):.3g})")
                    break
        if what is not None:
            raise CheckpointError(f"checkpoint: recomputing the function in backward gave other "
                                  f"results than its forward: {what}; it must compute the same "
                                  "(a changed global or module, a generator not restored?)" +
                                  (", or pass determinism_check='none'" * ("values" in what)))


def _same_reads(ins: list[Tensor], before: list[Tensor]) -> None:
    """Raise CheckpointError if the recomputation read other tensors requiring grad than the
    forward: the gradient would go to the ones it read (a leaf made inside the function anew,
    a closed-over tensor replaced since), while the forward's got none, without a word."""
    old, now = {id(t) for t in before}, {id(t) for t in ins}
    new = [t for t in ins if id(t) not in old]
    gone = [t for t in before if id(t) not in now and t.requires_grad]  # (frozen since: no
    # gradient, as a graph without checkpoint gives it)
    if new or gone:
        t, what = ((new[0], "read a tensor requiring grad that the forward did not") if new else
                   (gone[0], "did not read a tensor requiring grad that the forward read"))
        raise CheckpointError(
            f"checkpoint: recomputing the function in backward {what} (shape "
            f"{tuple(t.data.shape)}): its gradient would be lost; create the tensors the "
            "function reads outside it (a leaf made inside is made anew) and keep them until "
            "backward")


@contextlib.contextmanager
def _own_graph(tensors: list[Any]) -> Iterator[None]:
    """Inside, the function's ops lock what they save in a write-guard graph of their own, freed
    with them: an op joins the graph of its first input that has one, and the graph of the
    input's op (the previous checkpoint's) lives to the end of backward; the arrays the
    function saved were held in it till then, which undid the saving. `tensors`: the
    arguments (one level in a tuple, list or dict), the closure's and the named globals'
    (one read otherwise, an object's attribute, still lends its graph: documented)."""
    ctxs = [t._ctx for t in tensors if isinstance(t, Tensor) and t._ctx is not None
            and not t._ctx.released]
    before = [c.graph for c in ctxs]  # (kept here: a graph that no op holds would unlock)
    for c in ctxs:
        c.graph = None
    try:
        yield
    finally:
        for c, g in zip(ctxs, before):
            c.graph = g


def _says(m: tuple) -> str:
    kind, shape, dtype = m
    return f"a {kind.__name__}" + (f" {tuple(shape)} {dtype}" if shape is not None else "")


def _walk(outs: list[Tensor], mark: int) -> tuple[list[Tensor], list[Tensor]]:
    """(the function's own ops, outputs first; the tensors it read that require grad, made
    before `mark`: a leaf, or an op's result from before the call, where the walk stops)."""
    ops: list[Tensor] = []
    ins: dict[int, Tensor] = {}
    seen: set[int] = set()
    todo = list(outs)
    while todo:
        t = todo.pop()
        if id(t) in seen or not t.requires_grad:
            continue
        seen.add(id(t))
        if t._ctx is None or t._ctx.made < mark:
            ins[id(t)] = t
        else:
            ops.append(t)
            todo.extend(t._ctx.parents)
    ops.sort(key=lambda t: t._ctx.made, reverse=True)
    return ops, list(ins.values())


def _flatten(out: Any, who: str) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """The values of a Tensor, or of a tuple, list or dict of values (one level), and the
    function that puts new ones back; a tensor nested deeper would get no gradient: refused."""
    if isinstance(out, (tuple, list)):
        kind = type(out)
        leaves = list(out)
        rebuild: Callable[[list[Any]], Any] = (
            (lambda v: kind(v)) if kind in (tuple, list) else (lambda v: kind(*v)))
    elif isinstance(out, dict):  # (an OrderedDict, a defaultdict: of its kind; one passed
        keys = list(out)  # through as one value kept its graph, the memory not saved)
        leaves = [out[k] for k in keys]
        empty = copy.copy(out)  # (not `out`: the forward's outputs would keep its activations)
        empty.clear()
        rebuild = lambda v: _filled(empty, zip(keys, v))  # noqa: E731
    else:
        return [out], lambda v: v[0]
    for v in leaves:
        if isinstance(v, (tuple, list, dict)) and _has_tensor(v):
            raise TypeError(f"{who} holds tensors nested in a {type(v).__name__}: return a "
                            "Tensor, or a tuple, list or dict of Tensors (one level)")
    return leaves, rebuild


def _filled(empty: dict, items: Any) -> dict:
    d = copy.copy(empty)
    d.update(items)
    return d


def _has_tensor(v: Any) -> bool:
    if isinstance(v, Tensor):
        return True
    vals = v.values() if isinstance(v, dict) else v if isinstance(v, (tuple, list)) else ()
    return any(_has_tensor(x) for x in vals)


def _modules(f: Any) -> Iterator[Any]:
    """The modules of a Module, of a Module's bound method, of a _Chain; else none."""
    if isinstance(f, (type, types.ModuleType)):  # (a class's `modules` is no Module's)
        return
    owner = getattr(f, "__self__", f)
    mods = getattr(owner, "modules", None)
    if callable(mods):
        try:
            yield from mods()
        except TypeError:  # a modules() that is no Module's
            return


def _holders(fn: Any, args: tuple, kwargs: dict) -> Iterator[Any]:
    """What may hold the generators fn draws from: fn, a partial's function and arguments,
    the variables a Python function's code names (its closure's cells, the globals it reads:
    `lambda h: block(h)`), and the call's arguments (`checkpoint(run, block, x)`)."""
    while isinstance(fn, functools.partial):
        yield from (*fn.args, *fn.keywords.values())
        fn = fn.func
    yield fn
    f = fn.__func__ if isinstance(fn, types.MethodType) else fn
    if isinstance(f, types.FunctionType):
        for cell in f.__closure__ or ():
            with contextlib.suppress(ValueError):  # (an empty cell)
                yield cell.cell_contents
        glob = f.__globals__
        yield from (glob[n] for n in f.__code__.co_names if n in glob)
    yield from (*args, *kwargs.values())


def _tensors(values: Any) -> Iterator[Tensor]:
    """The Tensors among `values` and in the tuples, lists and dicts among them (one level)."""
    for v in values:
        if isinstance(v, Tensor):
            yield v
        elif isinstance(v, (tuple, list, dict)):
            yield from (t for t in (v.values() if isinstance(v, dict) else v)
                        if isinstance(t, Tensor))


def _generators(held: list[Any]) -> list[np.random.Generator]:
    """The random streams to set back for the recomputation: the default generator's, each
    generator (NumPy's, or a tinygrad_dl Generator's stream) fn holds or names, and each `rng`
    of the modules it holds or names or is passed (Dropout(rng=...)); one each."""
    gens: dict[int, np.random.Generator] = {id(default_generator.rng.bit_generator):
                                            default_generator.rng}
    for h in held:
        if isinstance(h, Tensor):  # (the usual argument: no generator, a slow getattr)
            continue
        for r in (h, getattr(h, "rng", None), *[getattr(m, "rng", None) for m in _modules(h)]):
            if isinstance(r, np.random.Generator):
                gens.setdefault(id(r.bit_generator), r)
    return list(gens.values())
