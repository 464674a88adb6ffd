"""Checkpoints: one .npz of arrays plus a JSON `__meta__`; no pickles, so loading runs no code.

Three kinds, the PyTorch habits:
- a state dict of ANY Module: `save(model.state_dict(), path)` then
  `model.load_state_dict(load(path))` (`load` returns the dict of arrays);
- a course model in one call: `save_model(model, path, **extra)` / `load_model(path)` rebuild it
  from its registry name and config (`save(model, ...)` / `load(path) -> (model, extra)` are the
  same thing under the older names). `normalization=(mean, std)` stores the training data's
  statistics with a classifier, so new images can be classified without the training data;
- a training checkpoint, torch's `save({"model": sd, "optimizer": opt.state_dict(), "epoch": 3})`:
  any dict of dicts, lists, tuples, numbers, str and arrays, kind "tree" (see `_write_tree`);
  `load` gives the object back (a state dict of arrays alone is still written as the first
  kind; a Python number, str, None, list or tuple in a dict makes it a tree, given back as is).

Linear's weight is (out, in) since version 3 (PyTorch's layout, the course's K x d); before, it
was (in, out). A version 1-2 course model loads correctly (each Linear's W is transposed as it is
read); a version 1-2 state dict holding a 2-D array named W is refused by `load` (it cannot tell
a Linear's W from another matrix), and `read` hands out its arrays as saved.

Layout: every state entry is the array `state/<name>`, the normalisation `data/mean`, `data/std`;
`__meta__` is a JSON string {"format", "version", "kind", "model", "config", "extra"}, "modes"
where a course model has modules in eval mode or parameters that require no grad (their names,
restored by load as torch.load restores a pickled model's), and "extra_state" where a
module's `get_extra_state` returned something that is not an array: its JSON by key
(`"<prefix>_extra_state"`; numbers, strings, lists, dicts with str keys, at most 30 levels
deep; tuples come back lists).

A checkpoint is a `tinygrad_dl.container` file, read by its one hostile-file reader: every
member's npy header is checked against the member's size and the limits BEFORE anything is
inflated or allocated (a forged header, a deflate bomb, GiBs of metadata or JSON nested 10**6
deep), the metadata is checked against the schema of its kind (`SCHEMAS`), a config's sizes
against the saved arrays before a model is built, and NaN/inf weights are refused
(`allow_nonfinite=True` to inspect such a file). Every failure is one ValueError naming the
file. Saving is atomic (`files.atomic_write`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import container
from .container import MAX_BYTES, number_list_array
from .files import jsonable
from .models import MODELS, registry_name
from .nn import Linear
from .nn.module_state import EXTRA
from .nn.state_entries import from_torch
from .nn.utils.prune import is_pruned
from .ops.indexing import brief_values
from .tensor import Tensor

__all__ = ["MAX_BYTES", "load", "load_model", "read", "save", "save_model"]

FORMAT = "tinygrad_dl.checkpoint"
# 2 added "kind" and the data/ arrays; 3: Linear.W is (out, in), was (in, out) (see _upgrade)
VERSION = 3
_PREFIX, _DATA = "state/", "data/"


# ---- saving ------------------------------------------------------------------------------------
def save(obj: Any, path: str | os.PathLike[str], **extra: Any) -> Path:
    """Save a state dict (`model.state_dict()`, any Module) or a course model (= save_model)."""
    if isinstance(obj, Mapping):
        if not _is_flat(obj):  # torch's habit: {"model": sd, "optimizer": opt_sd, "epoch": 3}
            return _write_tree(Path(path), obj, extra)
        return _write(Path(path), "state_dict", dict(obj), None, None, extra, None)
    if hasattr(obj, "state_dict") and type(obj) not in MODELS.values():
        raise ValueError(f"cannot checkpoint a {type(obj).__name__} as a model: it is not one of "
                         f"the registered models {sorted(MODELS)}; save its state dict "
                         "instead: checkpoint.save(model.state_dict(), path)")
    return save_model(obj, path, **extra)


def _is_flat(obj: Mapping[Any, Any]) -> bool:
    """A state dict as today's kind holds it (arrays by name; a module's extra state), not an
    optimizer's state dict, a dict of dicts, nor one holding Python numbers, lists or str
    (those are saved as a "tree", which gives them back as they were: today's kind gave
    `{"epoch": 3, "lrs": [0.1]}` back as array(3) and array([0.1]), where torch.load gives 3
    and [0.1], and `if ck["lrs"] == [0.1]:` raised on the array)."""
    if {"type", "param_groups", "state"} <= obj.keys() or not all(isinstance(k, str) for k in obj):
        return False  # (an int key: a tree's, as torch.save's {0: t}; the flat kind refused it)
    return not any(_plain(v) and not _extra_state(k, v) for k, v in obj.items())


def _plain(v: Any) -> bool:
    """Whether v is a value only a tree gives back as it was: None, a str, a number (Python's
    or NumPy's: np.int64(3) came back a 0-d array), a list, a tuple or a dict."""
    return v is None or isinstance(v, (str, bool, int, float, list, tuple, Mapping, np.generic))


def save_model(model: Any, path: str | os.PathLike[str], *,
               normalization: tuple[np.ndarray, np.ndarray] | None = None, **extra: Any) -> Path:
    """A course model + its config + JSON-able `extra` (+ the data mean/std), atomically."""
    name = registry_name(model)
    if is_pruned(model):  # (the file was written, and load_model failed on it: no W in it)
        raise ValueError(f"save_model({path}): refused: the {name} is pruned (weight_orig and "
                         "weight_mask in place of W) and load_model rebuilds it unpruned from "
                         "its config: prune.remove() each pruned weight first, or save the "
                         "state dict: checkpoint.save(model.state_dict(), path)")
    _refuse_ties(model, path)
    if normalization is not None:
        check_normalization(*normalization, getattr(model, "d", None), f"save_model({path})")
    return _write(Path(path), "model", model.state_dict(), name, model.config(), extra,
                  normalization, _modes(model))


def _refuse_ties(model: Any, path: Any) -> None:
    """A parameter or buffer reachable under two names (a weight tied across layers, a module
    used twice, a shared running mean), or two whose arrays share memory (a view of another's
    array, `bn.running_mean = lin.W.data`), is refused: load_model rebuilds the model from its
    config, untied, so the file either failed to load (a tied name missing) or came back as
    two arrays that train apart (the tie lost without a word)."""
    first: dict[int, str] = {}
    held: dict[int, list[tuple[str, np.ndarray]]] = {}  # arrays by the memory they view
    for n, a in [*model.named_parameters(remove_duplicate=False),
                 *model.named_buffers(remove_duplicate=False)]:
        tie = first.setdefault(id(a), n)
        arr = a.data if isinstance(a, Tensor) else np.asarray(a)
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        group = held.setdefault(id(root if root.base is None else root.base), [])
        if tie == n:  # (a name of an array already seen is its tie, found above)
            tie = next((o for o, b in group if np.shares_memory(arr, b)), n)
            group.append((n, arr))
        if tie != n:
            how = "is" if first[id(a)] == tie else "shares its memory with"
            raise ValueError(f"save_model({path}): refused: {n!r} {how} {tie!r} (a tied "
                             "weight, a module used twice or a shared buffer) and load_model "
                             "rebuilds the model from its config, untied: save the state dict "
                             "(checkpoint.save(model.state_dict(), path)) and load it into a "
                             "model tied the same way")


def _modes(model: Any) -> dict[str, list[str]] | None:
    """What torch.save(model) keeps besides the arrays and a rebuilt model would lose: the
    modules in eval mode (an eval'd model came back training: its batch norms normalized by
    the batch and moved their averages) and the parameters that require no grad. None when
    every module trains and every parameter requires grad (the file is then as before)."""
    modes = {"eval": [n for n, m in model.named_modules() if not m.training],
             "frozen": [n for n, p in model.named_parameters() if not p.requires_grad]}
    return modes if modes["eval"] or modes["frozen"] else None


def check_normalization(mean: Any, std: Any, d: int | None, where: Any) -> None:
    """The training data's mean/std kept with a classifier: finite, std > 0, each of shape
    (d,): a NaN in them made every prediction class 0, and a (1,) mean broadcast silently."""
    mean, std = np.asarray(mean), np.asarray(std)
    want = (d,) if d is not None else mean.shape
    if mean.shape != want or std.shape != want or mean.ndim != 1:
        raise ValueError(f"{where}: normalization mean {mean.shape} and std {std.shape} must "
                         f"both have shape {want if d is not None else '(d,)'}")
    if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
        raise ValueError(f"{where}: refused: normalization statistics with NaN/inf or a std "
                         "<= 0 (each feature's std must be positive)")


def _write(path: Path, kind: str, state: dict[str, Any], name: str | None,
           config: dict[str, Any] | None, extra: dict[str, Any],
           normalization: tuple[np.ndarray, np.ndarray] | None,
           modes: dict[str, list[str]] | None = None) -> Path:
    meta: dict[str, Any] = {"version": VERSION, "model": name, "config": config, "extra": extra}
    if modes is not None:
        meta["modes"] = modes
    arrays = {}
    for k, v in state.items():
        if kind == "state_dict" and _extra_state(k, v):  # get_extra_state(): JSON in meta
            try:
                json.dumps(v, allow_nan=False)
            except (TypeError, ValueError) as e:
                raise TypeError(f"checkpoint {path}: state entry {k!r} (a module's "
                                f"get_extra_state()) is not JSON ({e}); return numbers, "
                                "strings, lists, dicts or arrays from get_extra_state") from None
            problem = _json_changes(v, container.MAX_DEPTH - 2)
            if problem:  # (json kept {0: 'a'} as {'0': 'a'}; too deep: read refused the file)
                raise TypeError(f"checkpoint {path}: state entry {k!r} (a module's "
                                f"get_extra_state()) {problem}; load could not give it back")
            meta.setdefault("extra_state", {})[k] = v
            continue
        arrays[_PREFIX + k] = _check_entry(path, k, v)
    _write_checked(path, extra)
    if normalization is not None:
        mean, std = (np.asarray(a, dtype=np.float64) for a in normalization)
        arrays[_DATA + "mean"], arrays[_DATA + "std"] = mean, std
    try:
        return container.save(path, arrays, meta, format=FORMAT, kind=kind)
    except TypeError as e:
        raise TypeError(f"checkpoint {e} (config/extra must be JSON-able)") from None


def _extra_state(key: Any, value: Any) -> bool:
    """Whether a state entry is what a module's get_extra_state() returned and is no array:
    its key ends in `_extra_state` (nn.Module's) and it is a JSON-like value."""
    return (isinstance(key, str) and key.rsplit(".", 1)[-1] == EXTRA
            and (value is None or isinstance(value, (Mapping, list, tuple, str, bool, int, float))))


def _json_changes(value: Any, depth: int) -> str | None:
    """What writing `value` (JSON already) into a checkpoint's metadata would lose, or None: a
    dict key that is no str (JSON's keys are: {0: 'a'} came back {'0': 'a'}), or nesting
    deeper than `depth` (the reader refuses the file)."""
    if isinstance(value, (list, tuple, dict)) and depth <= 0:
        return f"is nested deeper than the {container.MAX_DEPTH - 2} levels a checkpoint holds"
    for key, item in value.items() if isinstance(value, dict) else enumerate(
            value if isinstance(value, (list, tuple)) else ()):
        if isinstance(value, dict) and not isinstance(key, str):
            return f"has the dict key {key!r:.40}, which JSON keeps as the str {str(key)!r:.40}"
        problem = _json_changes(item, depth - 1)
        if problem:
            return problem
    return None


def _check_entry(path: Path, key: Any, value: Any) -> np.ndarray:
    """A state entry as the array saved, or one line naming the file and the key: a name
    that is not a str a zip member can carry (a NUL ended the member's name, so the file
    was written and then refused as holding 'state/a'; a lone surrogate raised UnicodeError),
    an array that is not real numbers (complex was "entry 'state/a' must be a str name ...
    (config/extra must be JSON-able)"), or a batch count that is not a whole number."""
    if not isinstance(key, str):
        raise TypeError(f"checkpoint {path}: state entry {key!r} must have a str name")
    if "\0" in key:
        raise ValueError(f"checkpoint {path}: state entry {key!r} has a NUL character in its "
                         "name, which a zip member cannot hold: rename it")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"checkpoint {path}: state entry {key!r} is not valid UTF-8 text "
                         "(a lone surrogate): rename it") from None
    try:  # (torch.save's habit: a dict of torch tensors; a meta or sparse one holds no array)
        a = np.asarray(from_torch(value))  # (lists and numbers go to a tree: save's _plain)
    except (TypeError, ValueError, RuntimeError, NotImplementedError) as e:
        raise TypeError(f"checkpoint {path}: state entry {key!r} is not an array of numbers "
                        f"({type(value).__name__}: {' '.join(str(e).split())[:160]})") from None
    if a.dtype.kind not in "biuf":
        what = ("complex numbers: save a.real and a.imag as two entries"
                if a.dtype.kind == "c" else "not an array of numbers")
        if a.dtype == object and all(map(_is_int, a.flat)):
            what = ("an int beyond 64 bits, or ints no one integer dtype holds (a negative "
                    "one beside one >= 2**63): split them, or save floats")
        raise TypeError(f"checkpoint {path}: state entry {key!r} has dtype {a.dtype}; a "
                        f"checkpoint holds bool, integer and float arrays, and this is {what}")
    return _count(path, key, a)


def _is_int(x: Any) -> bool:
    return type(x) is int or isinstance(x, np.integer)  # (not a bool: a bool is no int here)


def _count(path: Path, key: str, a: np.ndarray) -> np.ndarray:
    """A BatchNorm's `num_batches_tracked` as int64, or one line: a float 2.7 was truncated
    to 2 by load_state_dict without a word. Whole floats (2.0) are the count they hold."""
    if key.rsplit(".", 1)[-1] != "num_batches_tracked" or a.dtype.kind in "iu":
        return a
    if a.dtype.kind == "b" or not (np.isfinite(a).all() and (a == np.round(a)).all()
                                   and (a >= 0).all() and (a < 2.0**63).all()):
        shown = brief_values(a)
        raise ValueError(f"checkpoint {path}: state entry {key!r} is a count of batches, "
                         f"but holds {shown} ({a.dtype}): it must be a whole number >= 0")
    return a.astype(np.int64)


# ---- a training checkpoint: any tree of dicts, lists, tuples, numbers, strings and arrays --------
# meta["tree"] is a flat table of nodes, the root last; each node is [tag, payload]:
# ["v", null|bool|int|float|str], ["f", "nan"|"inf"|"-inf"], ["a", n] (the array member tree/<n>),
# ["s", n] (a NumPy scalar: the 0-d member tree/<n>), ["l", [child, ...]], ["t", [child, ...]]
# (a tuple), ["d", [[key, child], ...]] (key: str or int), ["n", n] (a list of _PACKED or more
# Python floats, ints or bools alone: the 1-D member tree/<n>, given back by tolist()). A child
# is the index of an EARLIER node, each node and each member is used exactly once: no cycle, no
# shared node (2**n copies), and the JSON nests 5 levels whatever the tree's depth (checked
# here: at most MAX_TREE_DEPTH).
_TREE = "tree/"
MAX_TREE_DEPTH, MAX_TREE_NODES, _PACKED = 30, 1 << 18, 256
MAX_TREE_LISTED = 1 << 22  # the numbers of all "n" lists (each a Python object when loaded)
_PACKS = (np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.uint64), np.dtype(np.bool_))
_FLOATS = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def _write_tree(path: Path, obj: Any, extra: dict[str, Any]) -> Path:
    nodes: list[Any] = []
    arrays: dict[str, np.ndarray] = {}
    listed = [0]  # (the numbers in "n" lists so far)

    def enc(x: Any, where: str, depth: int) -> int:
        if depth > MAX_TREE_DEPTH:
            raise ValueError(f"save {path}: {where or 'the object'} is nested deeper than the "
                             f"{MAX_TREE_DEPTH} levels a checkpoint holds")
        if len(nodes) >= MAX_TREE_NODES:
            raise ValueError(f"save {path}: the object has over {MAX_TREE_NODES} entries; keep "
                             "large data in arrays")
        if isinstance(x, Tensor):
            x = x.data
        elif type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach"):
            try:  # (torch.save's habit: torch tensors among the numbers, as the flat kind's)
                x = np.asarray(from_torch(x))
            except (TypeError, ValueError, RuntimeError, NotImplementedError) as e:
                raise TypeError(f"save {path}: {where} is a torch tensor with no array of "
                                f"numbers ({' '.join(str(e).split())[:160]})") from None
        if isinstance(x, (np.ndarray, np.generic)) and not isinstance(x, (np.str_, np.bytes_)):
            a = np.asarray(x)
            if a.dtype.kind not in "biuf":
                raise TypeError(f"save {path}: {where} is an array of {a.dtype}; a checkpoint "
                                "holds bool, integer and float arrays")
            arrays[f"{_TREE}{len(arrays)}"] = a
            node = ["a" if isinstance(x, np.ndarray) else "s", len(arrays) - 1]
        elif x is None or isinstance(x, (bool, str)):
            node = ["v", x]
        elif isinstance(x, int):  # (bool: above)
            if not -2**63 <= x < 2**64:
                raise ValueError(f"save {path}: {where} is the int {str(x)[:24]}..., beyond 64 "
                                 "bits; save it as a str or a float")
            node = ["v", int(x)]
        elif isinstance(x, float):
            x = float(x)
            node = ["v", x] if np.isfinite(x) else ["f", repr(x)]
        elif type(x) is list and _PACKED <= len(x) and (a := number_list_array(x)) is not None:
            listed[0] += a.size
            if listed[0] > MAX_TREE_LISTED:
                raise ValueError(f"save {path}: the object's lists hold over {MAX_TREE_LISTED} "
                                 "numbers; keep large data in arrays")
            arrays[f"{_TREE}{len(arrays)}"] = a  # (a loss history of 10**5 floats: one node
            node = ["n", len(arrays) - 1]  # each was 10 MB of JSON, refused; an array before)
        elif isinstance(x, (list, tuple)):
            kids = [enc(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(x)]
            node = ["t" if isinstance(x, tuple) else "l", kids]
        elif isinstance(x, Mapping):
            pairs = []
            for k, v in x.items():
                if not (isinstance(k, str) or _int64(k)):
                    raise TypeError(f"save {path}: {where} has the key {k!r:.40} "
                                    f"({type(k).__name__}); a checkpoint's dict keys are str "
                                    "or 64-bit int")
                pairs.append([k, enc(v, f"{where}.{k!r}" if where else repr(k), depth + 1)])
            node = ["d", pairs]
        else:
            raise TypeError(f"save {path}: {where or 'the object'} is a {type(x).__name__}, which "
                            "a checkpoint does not hold (no pickles): arrays, Tensors, numbers, "
                            "str, None, and lists, tuples and dicts of them")
        nodes.append(node)
        return len(nodes) - 1

    enc(obj, "", 0)
    _write_checked(path, extra)
    try:
        return container.save(path, arrays, {"version": VERSION, "extra": extra, "tree": nodes},
                              format=FORMAT, kind="tree")
    except TypeError as e:
        raise TypeError(f"checkpoint {e}") from None


def _int64(v: Any) -> bool:
    """An int a tree holds (what save writes: int64 or uint64; not a bool)."""
    return type(v) is int and -2**63 <= v < 2**64


def _write_checked(path: Path, extra: dict[str, Any]) -> None:
    for k, v in extra.items():  # the container's message named neither the key nor the value
        try:
            json.dumps(jsonable(v), allow_nan=False)
        except (TypeError, ValueError) as e:
            raise TypeError(f"checkpoint {path}: extra {k}= is not JSON-able ({e}); pass "
                            "numbers, strings, lists, dicts or arrays of real numbers") from None


def _read_tree(path: Path, nodes: list[Any], arrays: dict[str, np.ndarray]) -> Any:
    """The object a tree's table describes, every node checked first (one line naming the file:
    a tag, key or child of the wrong type, a child that is no earlier node or used twice, a
    member missing, used twice or never, nesting past MAX_TREE_DEPTH)."""
    def bad(i: int, what: str) -> ValueError:
        return ValueError(f"{path}: refused: its tree's node {i} {what}")

    if not nodes or len(nodes) > MAX_TREE_NODES:
        raise ValueError(f"{path}: refused: its tree has {len(nodes)} nodes (1..{MAX_TREE_NODES})")
    used, members, depth = [False] * len(nodes), set(), [0] * len(nodes)
    for i, node in enumerate(nodes):
        if not (isinstance(node, list) and len(node) == 2 and node[0] in tuple("vfasltdn")):
            raise bad(i, "is not [tag, payload] with a known tag")
        tag, val = node
        if tag == "v" and not (val is None or isinstance(val, (bool, str)) or _int64(val)
                               or isinstance(val, float) and np.isfinite(val)):
            raise bad(i, f"holds {val!r:.40}, not null, a bool, a 64-bit int, a float or a str")
        if tag == "f" and not (isinstance(val, str) and val in _FLOATS):
            raise bad(i, f"holds {val!r:.40}, not 'nan', 'inf' or '-inf'")
        if tag in "asn":
            name = f"{_TREE}{val}"
            if type(val) is not int or name not in arrays or name in members:
                raise bad(i, f"refers to the member {name!r:.40}, missing or used twice")
            if tag == "s" and arrays[name].ndim:
                raise bad(i, f"is a scalar, but {name!r} has shape {arrays[name].shape}")
            if tag == "n" and (arrays[name].ndim != 1 or arrays[name].dtype not in _PACKS):
                raise bad(i, f"is a list of numbers, but {name!r} is {arrays[name].dtype} of "
                             f"shape {arrays[name].shape}")
            members.add(name)
        if tag in "ltd":
            if not isinstance(val, list):
                raise bad(i, f"({tag!r}) holds a {type(val).__name__}, not a list")
            keys = set()
            for kid in val:
                if tag == "d":
                    if not (isinstance(kid, list) and len(kid) == 2 and (
                            isinstance(kid[0], str) or _int64(kid[0]))):
                        raise bad(i, f"has the entry {kid!r:.40}, not [str or 64-bit int "
                                     "key, child]")
                    if kid[0] in keys:  # (a dict kept the last silently)
                        raise bad(i, f"has the key {kid[0]!r:.40} twice")
                    keys.add(kid[0])
                    kid = kid[1]
                if type(kid) is not int or not 0 <= kid < i or used[kid]:
                    raise bad(i, f"has the child {kid!r:.40}: no earlier node, or used twice")
                used[kid] = True
                depth[i] = max(depth[i], depth[kid] + 1)
            if depth[i] > MAX_TREE_DEPTH:
                raise bad(i, f"nests deeper than {MAX_TREE_DEPTH} levels")
    if sum(arrays[f"{_TREE}{v}"].size for t, v in nodes if t == "n") > MAX_TREE_LISTED:
        raise bad(len(nodes) - 1, f"has lists of over {MAX_TREE_LISTED} numbers in all")
    if nodes[-1][0] != "d":  # (save writes a dict; load gives a model as a tuple)
        raise bad(len(nodes) - 1, "(the root) is no dict")
    if not all(used[:-1]) or members != arrays.keys():
        raise ValueError(f"{path}: refused: its tree leaves a node or a member unused")
    built: list[Any] = []
    for tag, val in nodes:
        if tag in "ltd":
            kids = [(k[0], built[k[1]]) for k in val] if tag == "d" else [built[k] for k in val]
            for k in val:  # (each child is used once: free it)
                built[k[1] if tag == "d" else k] = None
            built.append(dict(kids) if tag == "d" else tuple(kids) if tag == "t" else kids)
        else:
            a = arrays.get(f"{_TREE}{val}") if tag in "asn" else None
            built.append(val if tag == "v" else _FLOATS[val] if tag == "f"
                         else a if tag == "a" else a.tolist() if tag == "n" else a[()])
    return built[-1]


# ---- reading -----------------------------------------------------------------------------------
_EXTRA = {"*": (str, int, float, bool, list, dict, type(None))}
SCHEMAS = {  # per kind, the metadata (container.check_schema); "model" also in version 1 files
    "model": {"format": str, "kind": str, "version": int, "model": str, "config": {"*": object},
              "extra?": (dict, type(None)), "modes?": {"eval": [str], "frozen": [str]}},
    "state_dict": {"format": str, "kind": str, "version": int, "model?": object,
                   "config?": object, "extra?": (dict, type(None)),
                   "extra_state?": {"*": object}},
    "tree": {"format": str, "kind": str, "version": int, "extra?": (dict, type(None)),
             "tree": [list]},
}


def read(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES,
         allow_nonfinite: bool = False) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, state_dict) of a checkpoint, checked, without building any model.

    `meta["extra"]` holds the extras; for a classifier saved with `normalization`, also
    `meta["extra"]["mean"]` / `["std"]` as arrays.
    """
    path = Path(path)
    meta, arrays = _open(path, max_bytes)
    if meta["kind"] == "tree":
        raise ValueError(f"{path}: holds a training checkpoint (a tree of dicts, e.g. a model's "
                         "and an optimizer's state), not one state dict: tinygrad_dl.load(path) "
                         "gives it back")
    return _state(path, meta, arrays, allow_nonfinite)


def _state(path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray],
           allow_nonfinite: bool) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    version = meta["version"]
    if meta.get("extra") is None:
        meta["extra"] = {}
    unknown = sorted(k for k in arrays if not k.startswith((_PREFIX, _DATA)))
    if unknown:
        raise ValueError(f"{path}: refused: unexpected member {unknown[0]!r:.60}")
    state = {k[len(_PREFIX):]: a for k, a in arrays.items() if k.startswith(_PREFIX)}
    state = {k: _count(path, k, a) for k, a in state.items()}
    if not allow_nonfinite:
        bad = [k for k, a in state.items() if a.dtype.kind == "f" and not np.isfinite(a).all()]
        if bad:
            raise ValueError(f"{path}: refused: NaN/inf in {', '.join(bad[:5])} (a diverged "
                             "run?); read(path, allow_nonfinite=True) to inspect it anyway")
    if _DATA + "mean" in arrays or _DATA + "std" in arrays:
        mean, std = arrays.get(_DATA + "mean"), arrays.get(_DATA + "std")
        if mean is None or std is None:
            raise ValueError(f"{path}: refused: normalization has a mean or a std, not both")
        check_normalization(mean, std, None, path)
        meta["extra"]["mean"], meta["extra"]["std"] = mean, std
    if "extra_state" in meta and version < 3:  # (its `load` read every entry as an array)
        raise ValueError(f"{path}: refused: extra state in a version-{version} checkpoint, "
                         "which tinygrad_dl never wrote (extra state came with version 3)")
    for k, v in meta.pop("extra_state", {}).items():
        if k.rsplit(".", 1)[-1] != EXTRA or k in state:
            raise ValueError(f"{path}: refused: extra state under {k!r:.60}, which is not a "
                             "module's '<prefix>_extra_state' key or is also an array")
        state[k] = v
    return meta, state


def _open(path: Path, max_bytes: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta, arrays = container.read(path, format=FORMAT, schemas=SCHEMAS, what="checkpoint",
                                  default_kind="model", max_bytes=max_bytes)
    version = meta["version"]
    if not 1 <= version <= VERSION:
        raise ValueError(f"{path}: refused: checkpoint version {version!r} is not one this "
                         f"tinygrad_dl reads (1..{VERSION}); a newer tinygrad_dl may read it")
    return meta, arrays


def load(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES,
         allow_nonfinite: bool = False) -> Any:
    """What was saved: a state dict -> that dict; a course model -> (model, extra); a training
    checkpoint (save of a dict of dicts, lists, numbers and arrays) -> that object rebuilt."""
    path = Path(path)
    meta, arrays = _open(path, max_bytes)
    if meta["kind"] == "tree":
        if not allow_nonfinite:  # (a list of Python floats keeps NaN/inf, as a float does)
            ns = {f"{_TREE}{n[-1]}" for n in meta["tree"] if isinstance(n, list) and n[:1] == ["n"]}
            bad = [k for k, a in arrays.items() if a.dtype.kind == "f" and not np.isfinite(a).all()
                   and k not in ns]
            if bad:
                raise ValueError(f"{path}: refused: NaN/inf in the array {bad[0]} (a diverged "
                                 "run?); load(path, allow_nonfinite=True) to take it anyway")
        return _read_tree(path, meta["tree"], arrays)
    meta, state = _state(path, meta, arrays, allow_nonfinite)
    if meta["kind"] == "state_dict":
        if meta["version"] < 3:
            old = [k for k, a in state.items() if a.ndim == 2 and k.rsplit(".", 1)[-1] == "W"]
            if old:
                raise ValueError(
                    f"{path}: refused: a state dict saved when Linear.W was (in, out) (checkpoint "
                    f"version {meta['version']}); its 2-D {', '.join(old[:3])} may be Linear "
                    "weights in that layout: take the arrays with checkpoint.read(path)[1], "
                    "transpose each Linear's W (.T), then model.load_state_dict(them)")
        return state
    return _build(Path(path), meta, state), meta["extra"]


def load_model(path: str | os.PathLike[str], **limits: Any) -> Any:
    """The course model saved by save_model/save (extras: `read(path)[0]["extra"]`)."""
    meta, state = read(path, **limits)
    if meta["kind"] != "model":
        raise ValueError(f"{path}: holds a state dict, not a course model: build the model, then "
                         "model.load_state_dict(checkpoint.load(path))")
    return _build(Path(path), meta, state)


def _build(path: Path, meta: dict[str, Any], state: dict[str, np.ndarray]) -> Any:
    name, config = meta["model"], meta["config"]
    if name not in MODELS:
        raise ValueError(f"{path}: unknown model {name!r}; known models: {sorted(MODELS)}")
    try:  # every size in a config must be backed by the saved arrays, before anything is built
        container.check_sizes(MODELS[name].backed_sizes(config), state.values())
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    try:
        model = MODELS[name](**config)
        model.load_state_dict(_upgrade(model, state, meta["version"]))
    except (TypeError, KeyError, ValueError, AttributeError) as e:
        raise ValueError(f"{path}: cannot rebuild {name} from the checkpoint ({e})") from None
    _set_modes(path, model, meta.get("modes"))
    if "mean" in meta["extra"] and isinstance(meta["extra"]["mean"], np.ndarray):
        check_normalization(meta["extra"]["mean"], meta["extra"]["std"],
                            getattr(model, "d", None), path)
    return model


def _set_modes(path: Path, model: Any, modes: dict[str, list[str]] | None) -> None:
    """Each module's training flag and each parameter's requires_grad as saved (`_modes`)."""
    if modes is None:
        return
    modules, params = dict(model.named_modules()), dict(model.named_parameters())
    unknown = sorted(set(modes["eval"]) - modules.keys() | set(modes["frozen"]) - params.keys())
    if unknown:
        raise ValueError(f"{path}: refused: its modes name {unknown[0]!r:.60}, which is no "
                         f"module or parameter of the {registry_name(model)} it holds")
    eval_names, frozen = set(modes["eval"]), set(modes["frozen"])
    for n, m in modules.items():
        m.__dict__["training"] = n not in eval_names
    for n, p in params.items():
        p.requires_grad = n not in frozen


def _upgrade(model: Any, state: dict[str, np.ndarray], version: int) -> dict[str, np.ndarray]:
    """A state read from a checkpoint of `version`, in today's layout for `model`: before
    version 3 every Linear's W was (in, out), so it is transposed (a course model says which of
    its arrays are Linear weights; a square W would otherwise load silently wrong)."""
    if version >= 3:
        return state
    state = dict(state)
    for name, m in model.named_modules():
        key = f"{name}.W" if name else "W"
        if isinstance(m, Linear) and key in state and state[key].ndim == 2:
            state[key] = np.ascontiguousarray(state[key].T)
    return state
