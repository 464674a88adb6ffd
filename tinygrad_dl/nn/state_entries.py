"""What Module.load_state_dict reads from a state dict before it writes anything: each entry as
an array of numbers (a torch tensor too), the other names of tied parameters (and every path
of a module used twice), and whether two extra states agree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..grad import masked_error, masked_within
from ..tensor import Tensor


def from_torch(value: Any) -> Any:
    """A torch tensor as NumPy can read it (detached, on the CPU, its conjugate and negative
    bits resolved: `.numpy()` refused `c.conj().imag`; bfloat16, which NumPy lacks, widened
    exactly to float32); anything else unchanged. torch is never imported here."""
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        value = value.detach().cpu()
        for resolve in ("resolve_conj", "resolve_neg"):  # (a copy only where the bit is set)
            if hasattr(value, resolve):
                value = getattr(value, resolve)()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()
    return value


def entry_array(who: str, name: str, value: Any) -> np.ndarray:
    """A state-dict entry as an array of numbers, or one line naming the entry: NumPy's own
    message for a ragged list or an object array named neither. A torch tensor is read as
    torch's load_state_dict reads it (`from_torch`): one that requires grad is taken
    detached, and bfloat16 as float32, to be cast into the model's dtype."""
    if isinstance(value, np.ma.MaskedArray) or (  # (np.asarray read the values under the
            isinstance(value, (list, tuple)) and masked_within(value)):  # mask without a word)
        raise masked_error(f"{who}: {name!r}")
    try:
        value = from_torch(value)  # (a meta tensor, which holds no values, raises here)
        a = np.asarray(value)
    except (TypeError, ValueError, RuntimeError, NotImplementedError) as e:
        raise ValueError(f"{who}: {name!r} is not an array of numbers "
                         f"({type(value).__name__}: {str(e).split('. ')[0][:120]})") from None
    if a.dtype.kind not in "biufc":
        raise ValueError(f"{who}: {name!r} holds {a.dtype} values ({type(value).__name__}), "
                         "not numbers")
    return a


def tied_names(module: Any) -> dict[str, str]:
    """{other name: the name state_dict() lists} for every parameter reachable under more than
    one name (a weight tied across layers, a module used twice), torch's spelling of each
    other name included ("b.weight" for "b.W"), and every saved buffer of a module used twice.
    torch's state_dict lists every name, so a torch model with tied weights has them all; ours
    lists the first only."""
    first = {id(p): n for n, p in module.named_parameters()}
    # a module reached under two names (Sequential(bn, bn)) has its saved buffers listed under
    # both by torch too ("1.running_mean"): read as the first name's
    buffers = {(id(m), n): f"{prefix}.{n}" if prefix else n
               for prefix, m in module.named_modules() for n, b in m._buffers.items()
               if b is not None and n not in m.__dict__.get("_non_persistent", ())}
    out: dict[str, str] = {}
    for prefix, mod in every_path(module):
        theirs = getattr(type(mod), "torch_names", {})
        for n, p in mod._parameters.items():
            full = f"{prefix}.{n}" if prefix else n
            if p is not None and id(p) in first and first[id(p)] != full:
                out[full] = first[id(p)]
                if n in theirs:  # (torch's name there: "1.weight" of Sequential(lin, lin))
                    out[f"{prefix}.{theirs[n]}" if prefix else theirs[n]] = first[id(p)]
        for n in mod._buffers:
            full = f"{prefix}.{n}" if prefix else n
            ours = buffers.get((id(mod), n))
            if ours is not None and ours != full:
                out[full] = ours
    return out


def every_path(module: Any) -> Iterator[tuple[str, Any]]:
    """(name, module) for every path to every module under `module`, not named_modules()'s
    first one only (torch's state_dict walks each path of a module used twice); a cycle is
    walked once."""
    stack: list[tuple[str, Any, tuple[int, ...]]] = [("", module, ())]
    while stack:
        prefix, mod, above = stack.pop()
        yield prefix, mod
        above = (*above, id(mod))
        for n, child in mod._modules.items():
            if child is not None and id(child) not in above:
                stack.append((f"{prefix}.{n}" if prefix else n, child, above))


def same_value(a: Any, b: Any) -> bool:
    """Whether two extra states (what get_extra_state returned: any values) are equal: dicts,
    lists and tuples item by item, arrays and tensors by value (NaN equal to NaN), anything
    else by ==; a comparison that cannot decide is no match."""
    if a is b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same_value, a, b))
    a, b = (v.data if isinstance(v, Tensor) else from_torch(v) for v in (a, b))
    try:
        if hasattr(a, "__array__") or hasattr(b, "__array__"):  # (a torch tensor too)
            a, b = np.asarray(a), np.asarray(b)
            numbers = a.dtype.kind in "biufc" and b.dtype.kind in "biufc"
            return bool(np.array_equal(a, b, equal_nan=numbers))
        return bool(a == b) or (a != a and b != b)
    except (TypeError, ValueError, RuntimeError):
        return False
