"""The write guard: the arrays a live graph saved for backward stay as they were.

The arrays of the leaf tensors (parameters, inputs) that a recorded op saved for backward (x and W
of a matmul, or W through the view W.T) must not change before that backward runs, or its gradient
is silently wrong. NumPy cannot report a write, so such an array is made read-only (a write raises
NumPy's "assignment destination is read-only") while any graph that read it lives, and writable
again when backward frees the graph or the graph is dropped. So is an op's result that an op saved,
its own (tanh's output, which its backward reads) or a later op's input (`h` of `h * h`):
`y.data[0] = 0` gave tanh's gradient at 0 without a word. A result no op saved stays writable, as
no backward reads it. An op reading a view op's result (`X.reshape(1, 3)`, `W.T`) also locks each
view it was made from (`X.data` of `Tensor(big[0, :3])`): NumPy's lock of the memory's owner leaves
the views made before it writable. The locks belong to one `Graph` object per forward computation,
which its ops reference (`Function.graph`, set by the engine from `join`): one object per graph,
not per op, keeps this to a few attribute reads per op. Our own writers (optimizer steps,
load_state_dict) call `writable`, which gives the tensor a copy instead, and a backward through a
graph that still holds the old array then raises (`check_saved`, as PyTorch's version counters do).
Parameters that other NumPy views may share are copied and compared before backward (`Graph.watch`,
`check_views`). MyGrad keeps its array locks in a module of their own likewise
(`_utils/lock_management.py`).

The engine calls `join` for every recorded op, `check_saved` before an op's backward when
`replaced` is not empty, and `check_views` before a backward when `watching` is not 0. An op
defined outside this package runs its forward on read-only views of its inputs, and its
backward with its upstream gradient and what forward saved read-only (`user_op`, the engine's
`Function.__init_subclass__`, in `user_op_guard`): a write into one of them raises.
"""

from __future__ import annotations

import sys
import threading
import weakref
from typing import Any

import numpy as np

from . import view_bases
from .grad import adds_in_place, masked_error, masked_within, self_overlapping  # noqa: F401
from .saved_memory import array_base, saves
from .user_op_guard import user_op, user_ops  # noqa: F401 (user_op: the engine's, at this path)

_setflags = np.ndarray.setflags
_locks: dict[int, int] = {}  # id(array we made read-only) -> how many live graphs hold it
# id -> that array, alive while counted: a count an interrupted unlock left behind (a Ctrl-C
# at the first line of Graph.__del__, which no code can catch) then keeps its array, not a
# free id that a new array would take, its lock then skipped (and `replaced` pinned on it)
_kept: dict[int, np.ndarray] = {}
replaced: dict[int, str] = {}  # id(locked array) -> who took a copy to write
# id(owner) -> views of it whose last lock ended while the owner was still locked (parameters
# that are views of one flat buffer, held by two graphs): made writable with their owner
_waiting: dict[int, list[np.ndarray]] = {}
watching = 0  # live graphs that keep copies of parameters to compare (Graph.watch)
_suspect: set[int] = set()  # id(locked parameter array) that may have views we cannot lock
# tensors from `leaf.detach()` (or copy.copy, from_numpy...), which share another tensor's
# array: a copy for them would not reach it (torch's write does), so a write while a live graph
# holds that array is refused
_aliases: dict[int, Any] = {}  # id -> a weak reference (by identity: Tensor's == is elementwise)
_sharing: dict[int, list[Any]] = {}  # id(array) -> weak refs of tensors sharing it (sharing)
computed: dict[int, Any] = {}  # id(array) -> (weak ref, why): a parametrized weight's, read-only
_guard = threading.RLock()  # counts are shared by threads (a Dask worker's batches share X)


def alias(t: Any, a: np.ndarray | None = None, noted_only: bool = False) -> None:
    """Remember `t`, a tensor on another's array `a` (`leaf.detach()`, `copy.copy(t)`, None:
    t.data), while it lives; `noted_only` (`nn.Parameter(h)`): only as sharing it (`sharing`)."""
    if not noted_only:
        key = id(t)
        _aliases[key] = weakref.ref(t, lambda _, k=key: _aliases.pop(k, None))
    _share(t.data if a is None else a, t)


def _share(a: np.ndarray, t: Any) -> None:  # (`t`: an alias, a result's detach(), a view)
    _sharing.setdefault(key := id(a), []).append(weakref.ref(t, lambda r, k=key: _unshare(k, r)))


def _unshare(key: int, r: Any) -> None:
    if (refs := _sharing.get(key)) is not None and r in refs:  # (a dead ref: by identity)
        refs.remove(r)
        if not refs:
            del _sharing[key]


def sharing(t: Any) -> list[Any]:
    """The live tensors noted as sharing t's memory (t itself if it was made an alias: alias(),
    an op result's detach() or no_grad view, hold_result), who would see a write into t's
    array: tensor/rebase.py asks before recording one."""
    refs = _sharing.get(id(t.data)) if _sharing else None
    a = t.data
    return [s for r in refs or () if (s := r()) is not None and np.may_share_memory(s.data, a)]


class Graph:
    """The leaf arrays one forward computation locked, unlocked when no op of it is left.

    An op takes the graph of its first parent that has one. It need not merge the graphs of
    its other parents: their ops are its ancestors, which it keeps alive anyway.
    """

    __slots__ = ("held", "copies")

    def __init__(self) -> None:
        self.held: dict[int, np.ndarray] = {}
        # (array, copy at the forward) of parameters that are views of another array (see
        # `watch`); None for the usual graph, which has none
        self.copies: list[tuple[np.ndarray, np.ndarray]] | None = None

    def watch(self, a: np.ndarray) -> None:
        """Keep a copy of `a`, a parameter's array that other NumPy views may share (it is a
        view itself, or has references the engine cannot account for), to compare at
        backward: locking `a` (and its owner) cannot reach views made before the forward
        (`v = w.data[:]`, a flat buffer's, `big` of `Tensor(big[:, :2],
        requires_grad=True)`), which NumPy has no way to list, so a write through one of
        those is found by comparison."""
        global watching
        if self.copies is None:
            self.copies = []
            with _guard:
                watching += 1
        else:
            for w, _ in self.copies:
                if w is a:
                    return
        self.copies.append((a, a.copy()))

    def hold(self, arrays: list[np.ndarray]) -> None:
        """Lock `arrays` (a view with the array owning its memory) while this graph lives;
        an array several graphs hold unlocks with the last of them."""
        held = self.held
        for a in arrays:
            if id(a) not in held:
                break
        else:  # all held already: the common case for an op inside a graph
            return
        with _guard:  # (not acquire(): an interrupt right after it would keep the lock held)
            for a in arrays:
                if id(a) in held:
                    continue
                base = a.base
                if base is not None and type(base) is np.ndarray:
                    _lock(base, held)  # the owner first: a view unlocks only after it
                _lock(a, held)

    def __del__(self) -> None:
        global watching
        with _guard:  # (not acquire(): an interrupt right after it would keep the lock held)
            if self.copies is not None:
                self.copies = None
                watching -= 1
            held, stop = self.held, None
            while held:
                left = len(held)
                try:  # each key leaves `held` and the counts before any call that could be
                    for key in [*held]:  # interrupted: a retry below redoes none of them
                        a = held[key]
                        n = _locks.get(key)
                        if n is None:  # not counted: a Graph copied by hand (its loop spun
                            del held[key]  # for good on the KeyError); nothing to let go
                            continue
                        if n > 1:
                            _locks[key] = n - 1
                            del held[key]
                            continue
                        del held[key], _locks[key]
                        _kept.pop(key, None)
                        if replaced:
                            replaced.pop(key, None)
                        if _suspect:
                            _suspect.discard(key)
                        try:  # writable again, and the views of it that had to wait for it
                            _setflags(a, True)
                        except ValueError:  # a view whose owner a live graph still holds
                            _wait_for_owner(a)
                            continue
                        if _waiting:
                            for view in _waiting.pop(key, ()):
                                if id(view) not in _locks:  # not locked again meanwhile
                                    _setflags(view, True)
                except BaseException as e:  # noqa: BLE001 - a KeyboardInterrupt (a signal's
                    # handler) in the loop: Python drops an exception from __del__, and the
                    # arrays left in `held` would stay read-only and counted for good (an id
                    # reused by a new array then skips its lock); unlock them, then raise
                    stop = e if stop is None else stop
                    if len(held) == left:  # no key let go: one that fails every time (not an
                        del held[next(iter(held))]  # interrupt) is dropped, or this never ends
            if stop is not None:
                raise stop


def _wait_for_owner(a: np.ndarray) -> None:
    """`a`, a view NumPy refuses to make writable while its owner is read-only: writable when
    the owner is, if a live graph holds the owner (else it is read-only of its own, so is a)."""
    if id(a.base) in _locks:
        _waiting.setdefault(id(a.base), []).append(a)


def _lock(a: np.ndarray, held: dict[int, np.ndarray]) -> None:
    key = id(a)
    if key in held:
        return
    n = _locks.get(key)
    if n is None:
        if not a.flags.writeable:  # read-only of its own (or a view of a locked array)
            return
        _locks[key] = 1  # counted and held before the call: an interrupt right after it
        _kept[key] = held[key] = a  # (a KeyboardInterrupt) must not leave it read-only
        _setflags(a, False)
        return
    _locks[key] = n + 1
    held[key] = a


def join(ctx: Any, inputs: tuple[Any, ...], out: Any = None) -> Graph | None:
    """The graph a newly recorded op belongs to, holding the arrays of the leaves and views it
    read whose memory it saved (`x @ W.T` with both requiring grad locks W's array; with x
    constant mm saves x only, and W stays writable; an add saves nothing), and of the op
    results it saved: an input's (`h` of `h * h`) or its own result `out` (tanh's). What it
    did not save stays writable. A user's op (`user_ops`) holds every leaf it read, the long
    way, if it saved anything: its ctx may keep them other ways (`ctx.x = x`)."""
    graph = reads = params = None
    saved = ctx.saved
    for p in inputs:
        c = p._ctx
        if c is not None:
            if graph is None:
                graph = c.graph
            if not saved:
                continue
            a = p.data  # an op's result: held already (tanh's, read by the next step's
            if a.base is None:  # h @ W), or not read by this backward: nothing to hold
                if graph is not None and id(a) in graph.held or not saves(saved, a):
                    continue
                # read by it: checked for NumPy views made before (`v = h.data[:1]`) as a
                params = [a] if params is None else [*params, a]  # parameter is, below
            elif graph is None or id(a) not in graph.held:  # a view op's (x.reshape(1, 3),
                if type(ctx) not in user_ops and not saves(saved, a):  # (W.T of `X @ W.T`
                    continue  # with X constant: mm saved X only, W stays writable, as torch's)
                up, leaf = _made_from(p, _base(a))  # W.T): the views it was made from
                if up is not None:
                    reads = up if reads is None else [*reads, *up]
                if leaf is not None:  # (then dropped: a reference _counts does not count)
                    params = [leaf] if params is None else [*params, leaf]
                    leaf = None
        elif not saved or type(ctx) not in user_ops and not saves(saved, p.data):
            continue  # (a leaf this op did not save: torch checks no version of it either)
        elif p.requires_grad:  # a parameter
            params = [p.data] if params is None else [*params, p.data]
        reads = [p.data] if reads is None else [*reads, p.data]
    if saved and isinstance(out, np.ndarray) and saves(saved, out):  # (tanh's, exp's)
        fresh = _base(out) is None and out.flags.writeable and type(ctx) not in user_ops
        for p in inputs:  # (a loop: `any` of a generator costs 0.4 us, a third of this)
            if p.data is out:  # its input's array (a parameter's: its checks above)
                fresh = False
        if fresh:  # made by one of our ops just now: no graph holds it, no other thread
            if graph is None:  # knows it, so `_lock`'s checks and `_guard` have nothing
                graph = Graph()  # to do (0.3 us)
            key = id(out)
            _kept[key] = graph.held[key] = out  # held, then counted, then locked: an
            _locks[key] = 1  # interrupt between two of them leaves it writable, never
            _setflags(out, False)  # counted without being held
        else:  # a view (Max's reshape of what it saved), an input's, a user op's: counted
            reads = [out] if reads is None else [*reads, out]
    if reads is not None:
        if graph is None:
            graph = Graph()
        watch = None
        if params is not None:  # before hold(): its dict would add a reference
            held = graph.held
            counts = None
            for a in params:
                key = id(a)
                if key in held:  # checked when this graph first read it
                    continue
                if key in _locks:  # read-only since a live graph's first lock: that check
                    if key in _suspect:  # stands (views made since are read-only too)
                        watch = [a] if watch is None else [*watch, a]
                    continue
                if a.base is None:
                    if counts is None:  # (once per op: an L2 term reads k weights)
                        counts = _counts(saved, reads, params)
                    if _refs(a) <= _EXTRA + counts[key]:
                        continue
                if a.flags.writeable:
                    _suspect.add(key)  # for the other graphs of this lock's life
                watch = [a] if watch is None else [*watch, a]
        graph.hold(reads)
        if watch is not None:
            for a in watch:
                graph.watch(a)
    return graph


def _made_from(t: Any, base: Any) -> tuple[list[np.ndarray] | None, np.ndarray | None]:
    """The arrays that `t`'s array, a view of `base` made by view ops (reshape, transpose,
    getitem, expand), was made from through them, up to the tensor owning `base` (which `hold`
    locks): views that existed before any lock (X.data of `Tensor(big[0, :3])`, `h` of
    `h.reshape(1, 3)` where h is a view), which locking `base` does not make read-only (NumPy),
    so each is locked itself; and the array of the tensor at the top when it needs a gradient
    (a parameter, an op's result): checked for other views as a parameter read directly is
    (a write through `big`, or through `v = W.data[:]` before `x @ W.T`)."""
    found = None
    while True:
        c = t._ctx
        if c is None:  # a leaf viewing `base` (Tensor(view), t.data = view, from_numpy)
            if found is not None and base.base is not None and not _lock_can_end(base):
                found = None  # memory of an object with no writable buffer (a torch tensor):
                # NumPy would not set its views writable again; a parameter's writes are found
                # by the comparison at backward, as for `big`
            return found, (t.data if t.requires_grad else None)  # (a constant's other views
            # stay unguarded, docs/engine.md: checking them would copy every input batch)
        for q in c.parents:  # (view ops have one tensor input, getitem maybe an index too)
            d = q.data
            if d is base:  # the owner, which `hold` locks; a parameter's or an op result's
                return found, (d if q.requires_grad else None)  # is checked for views of it
            if isinstance(d, np.ndarray) and _base(d) is base:
                found = [d] if found is None else [*found, d]
                t = q
                break
        else:  # not made from its inputs' memory (a user op's view of a constant)
            return found, None


def _lock_can_end(a: np.ndarray) -> bool:
    """Will NumPy set `a` writable again once read-only: is its memory a NumPy array's or an
    object's writable buffer (a bytearray's), not a torch tensor's?"""
    while isinstance(a, np.ndarray) and a.base is not None:
        a = a.base
    if isinstance(a, np.ndarray):
        return True
    try:
        return not memoryview(a).readonly
    except TypeError:  # no buffer (a torch tensor, via __array_interface__)
        return False


_base = array_base  # .base without a watched array's report (jit.watch)


# A parameter's array may have NumPy views the user made before the forward (`v = w.data[:]`),
# which no lock reaches. A view holds a reference to its array, so the array then has more
# references than the engine accounts for at its first lock: its tensor's slot, what the op
# saved, join's lists, and the call's own (measured below, per Python version). Only then is
# a copy kept and compared before backward (Graph.watch); other references (a variable
# `W = lin.W.data`, an op's saved view `W.T`) cost that copy too, never a missed write.
_refs = sys.getrefcount


def _counts(saved: tuple[Any, ...], reads: list[Any], params: list[Any]) -> dict[int, int]:
    """id(array) -> the references to it that join accounts for, less `_EXTRA`: the tensor's
    slot, its places in the op's saved tuple and join's two lists, and the views of it read
    (`W.T`'s array holds W's) (ids only: counting holds no reference)."""
    n: dict[int, int] = {}
    for h in (saved, reads, params):
        for x in h:
            k = id(x)
            n[k] = n.get(k, 1) + 1
    seen = set()
    for x in reads:  # a view op's result read (W.T): it holds its owner, W's array
        b = _base(x) if isinstance(x, np.ndarray) else None  # (a NumPy scalar's data)
        if b is not None and id(x) not in seen:
            seen.add(id(x))
            n[id(b)] = n.get(id(b), 1) + 1
    return n


def _calibrate() -> int:
    """The references join's check sees beyond the slot and its lists, in this Python."""
    class Slot:
        __slots__ = ("data",)

    s = Slot()
    s.data = np.empty(1)
    lists = ((s.data,), [s.data], [s.data])  # saved, reads, params, as join holds them
    n = 0
    for a in lists[2]:
        n = _refs(a)
    return n - 1 - len(lists)


_EXTRA = _calibrate()


def _unaccounted(base: np.ndarray) -> int:
    """The references to `base`, a locked array's owner, beyond the locks' own (`_kept`, each
    live graph's `held`): `writable`'s view of it and its local, if no one else holds it."""
    key = id(base)
    return _refs(base) - _locks.get(key, 0) - (key in _kept)


def _calibrate_viewed() -> int:
    """`_unaccounted` of an owner only its view references, called as `writable` calls it."""
    a = np.empty(2)[:1]
    base = a.base
    return _unaccounted(base)


_VIEWED = _calibrate_viewed()


_BITS = {n: np.dtype(f"u{n}") for n in (1, 2, 4, 8)}  # an unsigned integer per item size


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """a and b hold the same bytes (NaN equals NaN): one pass, unlike array_equal(equal_nan)."""
    bits = _BITS.get(a.itemsize)
    if bits is not None and a.dtype.kind in "fiub":
        if a.nbytes <= 65536:  # small: two byte strings compare faster than a NumPy pass
            return a.tobytes() == b.tobytes()
        return bool((a.view(bits) == b.view(bits)).all())
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def check_views(ops: list[Any]) -> None:
    """Before a backward: has a watched parameter changed since its graph's forward (through
    a view of its memory made before the forward, which no lock reaches)? Then raise."""
    seen: set[int] = set()
    last = None  # (an op's graph is mostly the one before it: skip it without the set)
    for t in ops:
        g = t._ctx.graph
        if g is last or g is None or g.copies is None or id(g) in seen:
            continue
        seen.add(id(g))
        last = g
        for a, copy in g.copies:
            if not _same_bits(a, copy):
                raise RuntimeError(
                    f"backward: an array of shape {a.shape} that this graph saved (a "
                    "parameter's or an op result's), a view of another "
                    "array or shared with one, was written after the forward through another "
                    "view of that memory, so this graph's gradient would be for other values; "
                    "write between backward and the next forward (or give the parameter an "
                    "array of its own: Tensor(a.copy(), requires_grad=True))"
                )


def writable(t: Any, who: str, check_only: bool = False, *,
             replacing: bool = False) -> np.ndarray | None:
    """`t.data`, safe to write in place. If a live graph read that array, `t` gets a copy
    first: the graph keeps the values it used, and a backward through it raises naming `who`.
    check_only=True raises what this would raise and changes nothing: None where `t` would get
    a copy (a check before a write that may not happen: a refused load_state_dict).
    replacing=True: the caller gives `t` a new array instead of writing into this one
    (load_state_dict(assign=True)), so a broadcast view is no reason to refuse."""
    a = t.data
    c = computed.get(id(a)) if computed else None  # (a computed weight, read-only, or made
    if c is not None and c[0]() is a:  # writable again by a graph's end: `why` says what to
        raise RuntimeError(f"{who}: {c[1]}")  # write instead)
    if a.flags.writeable:
        base = a.base
        if base is None:
            return a
        if not replacing and self_overlapping(a):  # (NumPy warns at most: no word on numbers)
            raise broadcast_error(who, "this tensor's array", a, "write into t.clone(), or give "
                                  "it its own array, t.data = t.data.copy()")
        if id(base) not in _locks:
            return a
        # a view made before its array was locked (v = x[0:2], then a forward saved x): it
        # stays writeable, and the write would reach what the graph saved; copied, it would no
        # longer reach x, which a view's write must. Refused.
        raise RuntimeError(f"{who}: this tensor's array is a view of an array a live graph "
                           f"saved for backward (of shape {base.shape}); writing it would "
                           "change that graph's gradient: write after backward(), or write "
                           "into a clone()")
    if id(a) not in _locks:  # read-only of its own (NumPy refuses the write), or a view of
        base = a.base  # a locked array that is not locked itself: one taken under no_grad
        if base is not None and id(base) in _locks:  # (`w[0] += 1`) says why, not NumPy's
            raise ValueError(f"{who}: this tensor's array is read-only, a view of an array a "
                             f"live graph holds for backward (of shape {base.shape}), which a "
                             "write would change: write after backward(), or into a clone()")
        return a
    ref = _aliases.get(id(t)) if _aliases else None
    if ref is not None and ref() is t:  # (a copy would not reach the leaf sharing the array)
        raise RuntimeError(f"{who}: this tensor shares its array with the tensor it was "
                           "detached or copied from (Tensor(t) too, or the NumPy array of "
                           "from_numpy / as_tensor, or an embedding's from_pretrained / _weight "
                           f"table; shape {a.shape}), which a live graph holds "
                           "for backward; "
                           "a copy would leave that one unchanged, where torch's "
                           "write reaches it: write into it under no_grad(), or after backward()")
    base = a.base
    if base is not None and (type(base) is not np.ndarray or _unaccounted(base) > _VIEWED):
        # a copy would untie t from the array it views, which others see (a flat buffer, `big`
        # of Tensor(big[0, :3])); one only t's array references (`randn(12).reshape(3, 4)`,
        # `.T`) is copied as any array is
        raise RuntimeError(f"{who}: this tensor's array (shape {a.shape}) is a view of another "
                           f"array (shape {base.shape}) that a live graph holds for backward; a "
                           "copy would no longer be that array's view, as a write must be: "
                           "write after backward() or once the graph is dropped (del loss), "
                           "or into a clone()")
    if check_only:
        return None
    with _guard:
        held = [id(x) for x in (a, a.base) if x is not None and id(x) in _locks]
        for key in held:
            replaced[key] = who
    if held:
        t.data = a = a.copy()
    return a  # read-only for a reason of its own: NumPy will say so at the write


def broadcast_error(who: str, what: str, a: np.ndarray, fix: str) -> RuntimeError:
    """The one refusal of a write into `a`, a broadcast view (`self_overlapping`): `what`
    names it (a tensor's array, a module's buffer), `fix` says what to do."""
    return RuntimeError(f"{who}: {what} is a broadcast view (shape {a.shape}, strides "
                        f"{a.strides}: np.broadcast_arrays, as_strided) whose elements share "
                        "memory, so a write would leave each the last value written (torch "
                        f"refuses it too): {fix}")


def owns_memory(a: np.ndarray) -> bool:
    """Is `a`'s memory a NumPy array's (its own, or its owner's)? Not for a view of another
    object's memory (np.lib.stride_tricks.as_strided's, a torch tensor's), which NumPy will
    not make writable again once read-only, as a live graph's lock leaves it (Graph.__del__)."""
    base = a
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return isinstance(base, np.ndarray)


def read_only(a: np.ndarray) -> str:
    """`a`, a read-only array, in a refusal's words: why, where NumPy's flag does not say."""
    if owns_memory(a):
        return "a read-only array"
    return ("a read-only array, a view of memory no NumPy array owns (np.lib.stride_tricks."
            "as_strided's, a torch tensor's), which NumPy will not set writable again once "
            "read-only (a forward sets a parameter's array read-only while its graph holds it "
            "for backward)")


def private(value: Any, who: str = "an op's array argument") -> Any:
    """A copy of an array-valued op parameter that backward reads (a where condition, an
    index array, class labels, repeat counts): the caller may rewrite its buffer before
    backward without changing the gradient. Tuples are copied item by item, lists become
    arrays, anything else (ints, slices, None) is returned as it is. A masked array is
    refused (np.array read the values under its mask: roll's shifts, cross_entropy's targets);
    `who` names the argument."""
    if isinstance(value, np.ndarray):
        if isinstance(value, np.ma.MaskedArray):
            raise masked_error(who)
        return np.array(value)
    if isinstance(value, list):
        if masked_within(value):
            raise masked_error(f"{who} (an item)")
        return np.array(value)
    if type(value) is tuple:
        return tuple(private(v, who) for v in value)
    return value


def hold_result(t: Any, out: Any) -> Any:
    """Lock the array of `t`, an op's result, while its graph lives: `detach()` hands that
    array to a constant tensor `out`, whose writes must not reach what the graph saved (`out`
    noted as sharing it, returned)."""
    _share(t.data, out)
    ctx = t._ctx
    if ctx.released:  # its backward ran: what it saved is gone
        return out
    graph = ctx.graph
    if graph is None:
        ctx.graph = graph = Graph()
    graph.hold([t.data])
    return out


def hold_viewed(inputs: tuple[Any, ...], out: Any) -> None:
    """An op not recorded returned a view `out` (noted: view_bases): of an op's result, it shares
    the array that result's graph may have saved, as `detach()` does, and is locked likewise (a
    write through it then raises); of a tensor noted as sharing one, noted too (`sharing`)."""
    view_bases.note(out, inputs[0])  # (a write that requires grad through it reaches inputs[0])
    for p in inputs:
        if p._ctx is not None:
            hold_result(p, out)
        elif _sharing and id(a := p.data if id(p.data) in _sharing else p.data.base) in _sharing:
            _share(a, out)  # (`h.detach()[0:2]`: a recorded write into h must reach it too)


def check_saved(ctx: Any) -> None:
    for a in ctx.saved:
        if isinstance(a, np.ndarray):
            who = replaced.get(id(a)) or replaced.get(id(a.base))
            if who is not None:
                raise RuntimeError(
                    f"backward through {ctx.describe()}: an array of shape "
                    f"{a.shape} it saved was replaced by {who} after the forward, so this "
                    f"graph's gradient would be for the old values; run the forward again "
                    f"after {who}"
                )


