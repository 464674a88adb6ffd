"""nn.Module's state (a mixin of Module): state_dict, the copies of every parameter's and
buffer's array by qualified name in torch's order, and load_state_dict, which checks every
entry of a state dict (shapes, dtypes, tied names, torch's spellings) before it copies or
assigns any, and returns what it skipped as `IncompatibleKeys`, PyTorch's named tuple.
Beside them, torch's extra state (`get_extra_state` / `set_extra_state`, saved under
`"<prefix>_extra_state"`) and the four state-dict hooks (`register_state_dict_pre_hook` &
co., in nn/state_hooks.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import Any, NamedTuple

import numpy as np

from .. import engine, write_guard
from ..grad import self_overlapping
from ..ops.indexing import brief_values
from ..tensor import Tensor
from ..tensor.conversions import NUMERIC, refused_dtype
from .arg_checks import flag
from .state_entries import entry_array, every_path, same_value, tied_names
from .state_hooks import StateHookMethods, hooked_modules, run_load_post, run_load_pre, run_save


def _trainable(a: np.ndarray) -> bool:
    """Whether a parameter may hold `a` itself: writable (an optimizer step writes it in
    place), in memory NumPy owns, and no broadcast view. A read-only array (np.broadcast_to's,
    a read-only memory map) made the first step fail with NumPy's "output array is read-only";
    so did a torch tensor's memory, which the write guard can lock but NumPy will not make
    writable again; a writable broadcast view (np.broadcast_arrays', as_strided with a 0
    stride), whose rows are one memory, was refused only at the first step (torch's too)."""
    return a.flags.writeable and write_guard.owns_memory(a) and not self_overlapping(a)


class IncompatibleKeys(NamedTuple):
    """What `Module.load_state_dict` skipped, as PyTorch's named tuple: still a tuple, so
    `missing, unexpected = net.load_state_dict(sd, strict=False)` unpacks as before."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class StateMethods(StateHookMethods):
    """Module's state_dict and load_state_dict (a mixin of Module: it reads the tree's
    listings, `named_parameters` and `named_modules`, and the lazy layers' sizing)."""

    def state_dict(self, *, destination: dict[str, Any] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Any]:
        """Copies of every parameter's and buffer's array, by qualified name (each key after
        `prefix`, into `destination` if given, as torch's); keep_vars=True gives the parameter
        Tensors and buffer arrays themselves. A module whose class defines `get_extra_state`
        adds what it returns under `"<its prefix>_extra_state"`, after its own buffers."""
        out = {} if destination is None else destination
        mods = list(self.named_modules())  # (one walk of the tree for all of it)
        hooked = hooked_modules(mods)
        if hooked:
            run_save(hooked, "save_pre", prefix, keep_vars)
            mods = list(self.named_modules())  # (a pre-hook may have changed the tree)
        entries = self._saved_entries(mods)
        extras = [(_dotted(name, EXTRA), m.get_extra_state()) for name, m in mods
                  if type(m).get_extra_state is not StateMethods.get_extra_state]
        if extras:  # after each module's own entries, before its children's (torch's order)
            entries = _by_module(entries + extras, mods)
        kept = {name for name, _ in extras}  # (extra state goes in as it is, as torch's)
        out.update((prefix + name, v if keep_vars or name in kept else v.data.copy()
                    if isinstance(v, Tensor) else np.array(v, copy=True)) for name, v in entries)
        run_save(hooked, "save_post", prefix, out)
        return out

    def get_extra_state(self) -> Any:
        """torch's: what to save beside the parameters and buffers (any value; a checkpoint
        file holds what `tinygrad_dl.save` can write). Override it with `set_extra_state`."""
        raise RuntimeError(f"{type(self).__name__}.get_extra_state: this module saves no extra "
                           "state; override get_extra_state and set_extra_state to save some")

    def set_extra_state(self, state: Any) -> None:
        """torch's: take back what `get_extra_state` returned (load_state_dict calls it after
        the parameters and buffers are loaded)."""
        raise RuntimeError(f"{type(self).__name__}.set_extra_state: this module loads no extra "
                           "state; override set_extra_state (and get_extra_state) to load some")

    def _saved_entries(self, mods: list[tuple[str, Any]] | None = None
                       ) -> list[tuple[str, Any]]:
        """What state_dict saves and load_state_dict loads (its strict message's order), in
        torch's: each module's parameters (Tensors), then its buffers (arrays, less the
        non-persistent ones), then its children's (buffers listed after all the parameters
        paired, zipped with a torch model's state_dict(), a BatchNorm's W with running_mean)."""
        mods = list(self.named_modules()) if mods is None else mods
        out: list[tuple[str, Any]] = list(self.named_parameters())
        buffers = [(f"{prefix}.{name}" if prefix else name, b) for prefix, mod in mods
                   for name, b in mod._buffers.items()
                   if b is not None and name not in mod.__dict__.get("_non_persistent", ())]
        if buffers and len(mods) > 1:  # (the parameters alone come in module order)
            return _by_module(out + buffers, mods)
        return out + buffers

    def load_state_dict(
        self, state: dict[str, Any], strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy arrays into the parameters and buffers in place (optimizers keep their refs).

        strict: missing or unexpected keys raise ValueError; otherwise they are skipped and
        returned as IncompatibleKeys(missing_keys, unexpected_keys), PyTorch's named tuple.
        A shape mismatch always raises ValueError. All or nothing: every entry is checked
        before any is copied, so a refused load leaves the model as it was (torch's keeps
        the entries it copied before the one it refused). A tied parameter's other names
        (which torch's state_dict lists) load it too, if they agree. assign=True (torch's)
        makes the state dict's arrays the parameters' and buffers' own, in their dtype (the
        parameter Tensors stay the same objects, so optimizers keep them). Lazy layers (inside
        or itself) are sized off their saved weights (torch's lazy load hook); a refused load
        leaves them lazy, and so does a strict=False one without their weights (their keys
        missing; strict=True refuses it in one line).
        """
        who = f"{type(self).__name__}.load_state_dict"
        assign = flag(who, "assign", assign)
        if not isinstance(state, Mapping):  # (np.load's NpzFile is one)
            raise TypeError(f"{who}: expected a dict of arrays, got {type(state).__name__}")
        hooked = hooked_modules(list(self.named_modules()))
        state, more = run_load_pre(who, hooked, state, strict)  # (a copy if there are any)
        # with post-hooks a strict load's key errors are judged after them (they may clear
        # them), so the load happens first, as torch's; without, nothing is written
        post = any(h.load_post for _, _, h in hooked)
        engine.notify_write(f"{who}()")
        sized = self._size_lazy_layers(state)  # (torch's lazy load hook)
        try:
            # strict=False: an unsized lazy layer's keys missing, it left lazy, as torch's
            # (strict: its "run one forward pass first" line, from listing its parameters)
            with nullcontext([]) if strict and not post else self._lazy_left_out() as unsized:
                keys = self._load_entries(who, state, strict and not post, assign, unsized,
                                          more)
        except BaseException:  # a refused load leaves the lazy layers lazy
            self._unsize_lazy_layers(sized)
            raise
        if post:
            run_load_post(hooked, keys)
            if strict and (keys.missing_keys or keys.unexpected_keys):
                raise ValueError(f"{who}: missing keys {keys.missing_keys}, unexpected keys "
                                 f"{keys.unexpected_keys} (after the load's post-hooks; the "
                                 "entries that matched were loaded, as torch's)")
        return keys

    def _load_entries(self, who: str, state: Mapping[str, Any], strict: bool,
                      assign: bool, unsized: list[str],
                      more: tuple[list[str], list[str]] = ([], [])) -> IncompatibleKeys:
        params = dict(self.named_parameters())
        mods = list(self.named_modules())
        targets: dict[str, np.ndarray] = {n: v.data if n in params else v
                                          for n, v in self._saved_entries(mods)}
        extras, other_extras = _extra_targets(self, mods)
        tied = {k: v for k, v in tied_names(self).items() if k not in targets}
        state = self._ours(state, {**targets, **tied})
        state = _legacy_counts(state, mods, targets)
        state = _untie(who, state, tied, targets)
        state = _untie_extra(who, state, other_extras)
        expected = list(targets)  # (torch's order: each module's extra state after its buffers)
        if extras:
            expected = [k for k, _ in _by_module([(k, None) for k in [*targets, *extras]], mods)]
        missing = [k for k in expected if k not in state] + unsized + more[0]
        unexpected = [k for k in state if k not in targets and k not in extras] + more[1]
        if strict and (missing or unexpected):
            raise ValueError(f"{who}: missing keys {missing}, unexpected keys {unexpected}")
        copies, assigns = [], []
        for name, dst in targets.items():
            if name not in state:
                continue
            src = entry_array(who, name, state[name])
            if dst.ndim == 0 and src.shape == (1,):  # torch's rule for a 0-d entry saved as
                src = src.reshape(())  # one element (checkpoints before torch 0.4): refused
            if src.shape != dst.shape:
                hint = ("; a Linear weight saved when W was (in, out)? Linear.W is (out, in) "
                        "now: pass its .T" if src.ndim == 2 and src.shape == dst.shape[::-1]
                        else "")
                raise ValueError(f"{who}: {name!r} has shape {src.shape} in the state dict but "
                                 f"{dst.shape} in the model{hint}")
            what = "parameter" if name in params else "buffer"
            if not assign and self_overlapping(dst):  # (a buffer's copy made every row the last)
                raise write_guard.broadcast_error(f"{who}()", f"{what} {name!r}", dst, "give it "
                                                  "its own array first, or load with assign=True")
            # a parameter's array is only checked here (what writable() would raise): a
            # refused load marked a live graph's arrays as replaced, and its backward then
            # raised naming this load, which had changed nothing
            live = (write_guard.writable(params[name], f"{who}()", check_only=True,
                                         replacing=assign) if name in params else dst)
            if assign:
                if src.dtype not in NUMERIC:  # (a copy casts; the array itself would be kept:
                    raise refused_dtype(f"{who}(assign=True): {name!r}", src, src)  # '>f8')
                if name in params and src.dtype.kind != "f":
                    raise TypeError(f"{who}(assign=True): {name!r} is {src.dtype} in the state "
                                    "dict; a parameter must be floating point")
                assigns.append((name, src))
                continue
            _check_lossless(who, name, src, dst.dtype)
            # (NumPy's "assignment destination is read-only" came after the entries before it
            # were copied: a parameter assign=True made from a read-only array, a buffer too;
            # None: a live graph's array, which the write replaces by a copy first)
            if live is not None and not live.flags.writeable:
                raise ValueError(f"{who}: {what} {name!r} is {write_guard.read_only(live)}; make "
                                 "it a writable one (np.array(a)) to load into it")
            copies.append((name, src))
        _shared_agree(who, copies, targets)
        for name, src in copies:  # every entry passed: only now is anything written
            # a live graph that saved a parameter's old values keeps its own copy
            dst = (write_guard.writable(params[name], f"{who}()") if name in params
                   else targets[name])
            np.copyto(dst, src, casting="unsafe")
        for name, src in assigns:
            self._assign(name, params.get(name), src, who)
        for key, m in extras.items():  # (torch's: after the module's own entries)
            if key in state:
                m.set_extra_state(state[key])
        return IncompatibleKeys(missing, unexpected)

    def _assign(self, name: str, param: Tensor | None, src: np.ndarray, who: str) -> None:
        """load_state_dict(assign=True)'s step: `src` becomes parameter (or buffer) `name`."""
        if param is not None:  # (its dtype was checked with the others': all or nothing)
            # (a live graph that saved the old array then raises at its backward)
            write_guard.writable(param, f"{who}()", replacing=True)
            param.data = src if _trainable(src) else src.copy()
            return
        path, _, local = name.rpartition(".")
        mod = self.get_submodule(path)
        mod.register_buffer(local, src if _trainable(src) else src.copy(),  # (a batch norm's
                            local not in mod.__dict__.get("_non_persistent", ()))  # in place)

    def _ours(self, state: dict[str, Any], targets: dict[str, Any]) -> dict[str, Any]:
        """`state` with PyTorch's names for the course's parameters read as ours (a torch
        Linear's "0.weight" as "0.W"), each only where the state dict lacks our name: one
        that holds both keeps the torch one as an unexpected key."""
        renamed = {}
        for prefix, m in self.named_modules():
            for ours, theirs in type(m).torch_names.items():
                p, t = (f"{prefix}.{ours}", f"{prefix}.{theirs}") if prefix else (ours, theirs)
                if p in targets and p not in state and t in state and t not in targets:
                    renamed[t] = p
        return {renamed.get(k, k): v for k, v in state.items()} if renamed else state


def _legacy_counts(state: Mapping[str, Any], mods: list[tuple[str, Any]],
                   targets: Mapping[str, Any]) -> Mapping[str, Any]:
    """`state` with the num_batches_tracked of each norm layer (a module with a
    `legacy_count` method) filled in where it holds the layer's running_mean but no count: a
    state dict saved before torch 0.4.1 (torch's load fills it in too; strict refused it)."""
    filled = None
    for prefix, m in mods:
        fill = getattr(m, "legacy_count", None)
        key = _dotted(prefix, "num_batches_tracked")
        if (callable(fill) and key in targets and key not in state
                and _dotted(prefix, "running_mean") in state):
            filled = dict(state) if filled is None else filled
            filled[key] = fill()
    return state if filled is None else filled


EXTRA = "_extra_state"  # torch's key for what get_extra_state returns


def _dotted(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _by_module(entries: list[tuple[str, Any]], mods: list[tuple[str, Any]]
               ) -> list[tuple[str, Any]]:
    """`entries` (qualified name, value) sorted stably by their module's place in `mods`, the
    tree's named_modules()."""
    at = {name: i for i, (name, _) in enumerate(mods)}
    return sorted(entries, key=lambda e: at.get(e[0].rpartition(".")[0], 0))


def _extra_targets(root: Any, mods: list[tuple[str, Any]]
                   ) -> tuple[dict[str, Any], dict[str, str]]:
    """{key: module} of each module whose class defines set_extra_state, and {other key: key}
    for one reached under more names (torch's state dict lists its extra state under each)."""
    setters = {_dotted(name, EXTRA): m for name, m in mods
               if type(m).set_extra_state is not StateMethods.set_extra_state}
    if not setters:
        return {}, {}
    first = {id(m): key for key, m in setters.items()}
    others = {_dotted(p, EXTRA): first[id(m)] for p, m in every_path(root) if id(m) in first}
    return setters, {k: v for k, v in others.items() if k != v}


def _under_first_name(state: Mapping[str, Any], others: dict[str, str],
                      agree: Callable[[str, str, Any, Any], None]) -> Mapping[str, Any]:
    """`state` with the entries under an object's other names (`others`: other -> ours) read
    under its first name; `agree(other, ours, a, b)` refuses two names holding different
    values (torch's copies both, and the last one wins without a word)."""
    if not any(k in state for k in others):
        return state
    out = {k: v for k, v in state.items() if k not in others}
    for other, ours in others.items():
        if other not in state:
            continue
        if ours in out:
            agree(other, ours, out[ours], state[other])
        out.setdefault(ours, state[other])
    return out


def _untie_extra(who: str, state: Mapping[str, Any], others: dict[str, str]
                 ) -> Mapping[str, Any]:
    """`state` with the extra state of a module used twice read under its first name (torch's
    sets it once per name, the last one kept); two names holding different values: refused."""
    def agree(other: str, ours: str, a: Any, b: Any) -> None:
        if not same_value(a, b):
            raise ValueError(f"{who}: {other!r} and {ours!r} are the extra state of one module "
                             "used twice here, but the state dict holds different values for "
                             "them; keep one of the two")
    return _under_first_name(state, others, agree)


def _untie(who: str, state: Mapping[str, Any], tied: dict[str, str],
           targets: Mapping[str, np.ndarray]) -> Mapping[str, Any]:
    """`state` with each tied parameter's other names (`tied`: other -> ours) read as ours; two
    names of one parameter holding different values are refused. Values are compared as they
    would load, in the model's dtype (a float64 and a float32 copy of one float32 weight
    agree), NaN equal to NaN (torch lists one tensor under both names)."""
    def agree(other: str, ours: str, first: Any, second: Any) -> None:
        a, b = entry_array(who, ours, first), entry_array(who, other, second)
        if a.shape != b.shape:
            raise ValueError(f"{who}: {other!r} and {ours!r} are one tied parameter here, "
                             f"but the state dict holds shapes {b.shape} and {a.shape}")
        if not _equal_in(targets[ours].dtype, a, b):
            raise ValueError(f"{who}: {other!r} and {ours!r} are one tied parameter here, "
                             "but the state dict holds different values for them")
    return _under_first_name(state, tied, agree)


def _shared_agree(who: str, copies: list[tuple[str, np.ndarray]],
                  targets: Mapping[str, np.ndarray]) -> None:
    """Two names of one shared buffer (`bn2.running_mean = bn1.running_mean`: state_dict
    lists both, as torch's) holding different values are refused, as a tied parameter's are
    (each was copied into the one array, the last kept without a word, torch's)."""
    first: dict[int, tuple[str, np.ndarray]] = {}
    for name, src in copies:
        dst = targets[name]
        seen = first.setdefault(id(dst), (name, src))
        if seen[0] != name and not _equal_in(dst.dtype, seen[1], src):
            raise ValueError(f"{who}: {name!r} and {seen[0]!r} are one shared buffer here, "
                             "but the state dict holds different values for them")


def _equal_in(dtype: np.dtype, a: np.ndarray, b: np.ndarray) -> bool:
    """a and b equal as they would load into a `dtype` entry (a float64 and a float32 copy of
    one float32 weight agree), NaN equal to NaN."""
    if dtype.kind == "f" and a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
        a, b = a.astype(dtype), b.astype(dtype)  # (else _check_lossless refuses them)
    return bool(np.array_equal(a, b, equal_nan=True))


def _check_lossless(who: str, name: str, src: np.ndarray, dtype: np.dtype) -> None:
    """The copy into a `dtype` entry (load_state_dict's, unsafe casting: float64 values into
    a float32 model round, as torch's copy_ does) must not drop what is not rounding: a
    fraction, NaN or out-of-range value into an integer buffer (a BatchNorm's
    num_batches_tracked of 2.7 became 2), or an imaginary part. Else one line."""
    kind = src.dtype.kind
    if dtype.kind in "iu" and kind not in "iub":
        info = np.iinfo(dtype)  # (bounds as floats: max itself rounds up to 2**63)
        ok = kind == "f" and bool(np.isfinite(src).all() and (src == np.round(src)).all()
                                  and (src >= info.min).all()
                                  and (src < 2.0 ** (info.bits - (info.min < 0))).all())
    else:
        ok = not (kind == "c" and dtype.kind != "c" and np.any(np.imag(src)))
    if not ok:
        raise ValueError(f"{who}: {name!r} is {dtype} in the model but the state dict holds "
                         f"{brief_values(src)} ({src.dtype}), which {dtype} cannot hold: "
                         "copying would change it without a word")
