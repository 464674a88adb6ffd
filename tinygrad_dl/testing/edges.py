"""One table of edge cases for every public op, shared by the project's tests and yours.

Each row (`Edge`) is one op on one awkward input: an empty array, one element, ties, +-inf,
NaN, an argument outside the op's domain. It says what must happen, checked by `check_edge`:

- the value equals NumPy's (`numpy=`, a function of the input arrays; NaN where NumPy gives
  NaN, inf where it gives inf), and where NumPy warns (a RuntimeWarning) the op warns too;
- the gradients equal PyTorch's (`torch=`, a function of `torch` and the input tensors) for an
  upstream gradient of ones, or the explicit `grad=` arrays where this library deliberately
  differs (the row's `note` says why); PyTorch is optional: without it those checks skip;
- where the inputs are finite and the op smooth there (`fd=True`), the gradients also agree
  with central finite differences (`tinygrad_dl.testing.check_grad`);
- where PyTorch refuses, the op refuses: `raises=` is a regex the one-line error must match
  (and it must name the op).

Rows are keyed by the op's public name (`"std"` for `tg.std` and `Tensor.std`, `"add"` for
`+`), so an op table can point at `edges_for(name)`. Add rows for your own ops and check them
the same way:

    from tinygrad_dl.testing.edges import Edge, add_edge, check_edge, edges_for

    add_edge(Edge("cube", "nan", lambda x: Cube.apply(x), (np.array([np.nan]),),
                  numpy=lambda a: a**3, grad=(np.array([np.nan]),)))

    @pytest.mark.parametrize("row", edges_for("cube"), ids=lambda r: r.id)
    def test_cube_edges(row):
        check_edge(row)
"""

from __future__ import annotations

import builtins
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import tinygrad_dl
from tinygrad_dl import Tensor, functional, optable
from tinygrad_dl.testing import check_grad  # defined before the package imports this module

ERRORS = (ValueError, TypeError, RuntimeError, IndexError)


@dataclass(frozen=True)
class Edge:
    """One op on one edge case. `call(*tensors)` runs the op on Tensors made from `inputs`
    (float inputs require grad unless `wrt` lists which do); everything else is optional."""

    op: str  # the public name the row belongs to
    case: str  # "empty", "one element", "ties", "+inf", "nan", "out of domain", ...
    call: Callable[..., Any]
    inputs: tuple[Any, ...]
    numpy: Callable[..., Any] | None = None  # the expected value, from the input arrays
    torch: Callable[..., Any] | None = None  # torch(torch_module, *tensors): expected grads
    grad: tuple[Any, ...] | None = None  # expected gradients, one per input (None: none)
    raises: str | None = None  # the op must refuse: a regex of its one-line message
    warns: str | None = None  # a regex of a RuntimeWarning the forward must give
    numpy_warns: bool = True  # `numpy` is NumPy's own function: warn exactly when it does
    wrt: tuple[int, ...] | None = None  # inputs that require grad (default: the float ones)
    fd: bool = False  # check the gradients against finite differences too
    note: str = ""  # why the row expects what it does (a deliberate difference)

    @property
    def id(self) -> str:
        return f"{self.op}[{self.case}]"

    def arrays(self) -> list[np.ndarray]:
        return [np.array(a) for a in self.inputs]

    def needs_grad(self) -> list[bool]:
        if self.wrt is not None:
            return [i in self.wrt for i in range(len(self.inputs))]
        return [np.asarray(a).dtype.kind == "f" for a in self.inputs]


EDGES: list[Edge] = []


def add_edge(*rows: Edge) -> None:
    """Add rows to the table (your own ops' rows too)."""
    EDGES.extend(rows)


def edges_for(op: str) -> list[Edge]:
    """The rows of one op, by any of its names ("std", "tg.std" and "Tensor.std" alike; "cat"
    and "concatenate" alike: the op table's aliases)."""
    name = key_of(op)
    return [r for r in EDGES if key_of(r.op) == name]


# Tensor methods that are other spellings of a keyed op (operators, reflected and in-place forms)
KEY_OF = {
    "__abs__": "abs", "__neg__": "neg", "__add__": "add", "__radd__": "add", "__sub__": "sub",
    "__rsub__": "sub", "__mul__": "mul", "__rmul__": "mul", "__truediv__": "div",
    "__rtruediv__": "div", "__pow__": "pow", "__rpow__": "pow", "__matmul__": "matmul",
    "__rmatmul__": "matmul", "__mod__": "mod", "__rmod__": "mod", "__getitem__": "getitem",
    "__setitem__": "setitem", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
    "__eq__": "eq", "__ne__": "ne", "__iadd__": "add_", "__isub__": "sub_", "__imul__": "mul_",
    "__itruediv__": "div_", "__floordiv__": "floor_divide", "__rfloordiv__": "floor_divide",
    # torch's aliases of adaptive max pooling with return_indices=True (whose rows they share)
    **{f"adaptive_max_pool{d}d_with_indices": f"adaptive_max_pool{d}d" for d in (1, 2, 3)},
}
# ...and every other spelling of an op of the op table (tinygrad_dl.optable): its NumPy,
# PyTorch, functional and method names lead to its row's name, the key of its edge rows
KEY_OF.update({n: op.name for op in optable.ALL for n in (*op.names, *op.F, *op.methods)
               if n != op.name and n not in KEY_OF})
# public names that are not ops on a tensor's values (no edge rows needed), and why
NOT_OPS = {
    **dict.fromkeys(["AnomalyError", "Function", "Tensor", "detect_anomaly", "enable_grad",
                     "is_grad_enabled", "name_scope", "no_grad", "set_grad_enabled"],
                    "engine machinery"),
    **dict.fromkeys(["as_tensor", "tensor", "zeros", "ones", "randn"], "a constructor"),
    "unbroadcast": "a helper for writing backward functions",
    **dict.fromkeys(["backward", "draw", "zero_grad", "retain_grad", "retains_grad",
                     "register_hook", "register_post_accumulate_grad_hook"], "graph machinery"),
    **dict.fromkeys(["item", "numpy", "tolist", "__float__", "__int__", "__bool__", "__index__",
                     "__len__", "__repr__", "__format__", "__array__", "__contains__",
                     "__complex__"],
                    "reads the value out (Python's and NumPy's rules)"),
    **dict.fromkeys(["__init__", "__hash__", "shape", "dtype", "ndim", "size", "is_leaf",
                     "numel", "nelement", "dim", "ndimension", "grad_fn", "requires_grad_",
                     "Size"], "not an op"),
    **dict.fromkeys(["device", "cpu", "is_cuda", "cuda", "backends", "accelerator",
                     "get_default_device", "set_default_device"], "devices: the CPU only"),
    **dict.fromkeys(["Generator", "default_generator", "manual_seed", "seed", "initial_seed"],
                    "random number generation"),
    **dict.fromkeys(["save", "load"], "files (tests/test_torch_api.py)"),
    **dict.fromkeys(["nn", "optim", "autograd", "utils"], "a module"),
    "inference_mode": "engine machinery",
    **dict.fromkeys(["Generator", "default_generator", "initial_seed", "manual_seed", "seed"],
                    "random numbers' state"),
    **dict.fromkeys(["accelerator", "backends", "cuda", "device", "get_default_device",
                     "set_default_device"], "devices (the CPU)"),
    **dict.fromkeys(["autograd", "nn", "optim", "utils", "functional"], "a module"),
    **dict.fromkeys(["save", "load"], "checkpoints"),
    **dict.fromkeys(["inference_mode"], "engine machinery"),
    **dict.fromkeys(["Size", "ValuesIndices"], "a result type"),
    "method_function": "makes a function of a Tensor method",
    "is_tensor": "a type test",
    **dict.fromkeys(["pi", "e", "inf", "nan", "newaxis"], "a constant (torch.pi, ...)"),
    "frombuffer": "a constructor (a view of a buffer)",
    "is_floating_point": "a dtype test",
    **dict.fromkeys(["is_inference_mode_enabled", "typename"], "a torch.* question: a bool, "
                    "a name (functional/settings.py, dtypes.py)"),
    **dict.fromkeys(optable.DTYPES, "a dtype name"),
    **dict.fromkeys([n for op in optable.CONSTRUCTORS for n in (op.name, *op.names)],
                    "a constructor"),
    **dict.fromkeys(optable.NOT_OPS, "not an op (tinygrad_dl.optable.NOT_OPS)"),
    **dict.fromkeys([n for n in (*functional.dtypes.__all__, *functional.settings.__all__,
                                 "broadcast_shapes")
                     if n not in ("typename", "is_inference_mode_enabled")],
                    "a torch.* utility: dtypes, promotion, threads, switches, the rng state"),
}


def key_of(name: str) -> str:
    """The public name whose edge rows cover `name` (an alias, an operator, a method)."""
    name = name.rsplit(".", 1)[-1]
    return KEY_OF.get(name, name)


def public_ops() -> list[str]:
    """Every public op's key: the functions of tinygrad_dl and tinygrad_dl.functional, and the
    Tensor methods (operators under their KEY_OF names), less NOT_OPS."""
    names = set(tinygrad_dl.__all__) | set(functional.__all__)
    # (and the op table's rows exported under a builtin's name, which __all__ leaves out for
    # `from tinygrad_dl import *`: tg.complex)
    names |= {op.name for op in optable.ALL if hasattr(builtins, op.name)
              and op.name in vars(tinygrad_dl)}
    names |= {n for c in Tensor.__mro__[:-1] for n, v in vars(c).items()  # (and its bases')
              if (not n.startswith("_") or n in KEY_OF)
              and (callable(v) or isinstance(v, (property, staticmethod)))}
    return sorted({key_of(n) for n in names} - set(NOT_OPS))


def _run(row: Edge) -> tuple[Tensor, list[Tensor], list[warnings.WarningMessage]]:
    leaves = [Tensor(a, requires_grad=g) for a, g in zip(row.arrays(), row.needs_grad())]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = row.call(*leaves)
    return out, leaves, list(caught)


def _runtime(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


def check_edge(row: Edge, torch_module: Any = None) -> None:
    """Check one row: refusal, value and warnings, gradients (PyTorch's, or `grad`), finite
    differences. `torch_module`: PyTorch, or None to import it if installed (else skip those)."""
    if row.raises is not None:
        _check_refusal(row)
        return
    out, leaves, caught = _run(row)
    value = out.data if isinstance(out, Tensor) else np.asarray(out)
    if row.numpy is not None:
        with warnings.catch_warnings(record=True) as ref_caught:
            warnings.simplefilter("always")
            expected = np.asarray(row.numpy(*row.arrays()))
        assert value.shape == expected.shape, f"{row.id}: shape {value.shape} != {expected.shape}"
        _close(value, expected, f"{row.id}: value")
        if row.numpy_warns:
            ours, theirs = _runtime(caught), _runtime(ref_caught)
            assert bool(ours) == bool(theirs), (
                f"{row.id}: NumPy {'warns ' + repr(theirs) if theirs else 'does not warn'}, "
                f"the op {'warns ' + repr(ours) if ours else 'does not'}")
    if row.warns is not None:
        assert any(re.search(row.warns, m) for m in _runtime(caught)), (
            f"{row.id}: expected a RuntimeWarning matching {row.warns!r}, got "
            f"{_runtime(caught)}")
    if not isinstance(out, Tensor) or not out.requires_grad:
        assert row.grad is None or all(g is None for g in row.grad), f"{row.id}: no gradient"
        if isinstance(out, Tensor) and row.torch is not None and row.grad is None:
            # no graph (an op that computed on x.data, or a constant): PyTorch's gradients must
            # be zeros too, and its value is the row's where `numpy` is not (both passed unseen)
            _check_torch(row, value, [np.zeros(t.shape) if t.requires_grad else None
                                      for t in leaves], torch_module)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf - inf in a backward: expected
        out.backward(np.ones(out.shape, out.dtype))
    grads = [t.grad if t.grad is not None or not t.requires_grad else np.zeros_like(t.data)
             for t in leaves]
    if row.grad is not None:
        for i, (g, e) in enumerate(zip(grads, row.grad)):
            if e is None:
                assert g is None, f"{row.id}: input {i} got a gradient"
            else:
                _close(g, np.asarray(e), f"{row.id}: gradient {i}")
    elif row.torch is not None:
        _check_torch(row, value, grads, torch_module)
    if row.fd:
        _check_fd(row)


def _check_fd(row: Edge) -> None:
    """check_grad on the inputs that require grad; the others stay constants of their dtype."""
    arrays, wrt = row.arrays(), [i for i, g in enumerate(row.needs_grad()) if g]

    def call(*ts: Tensor) -> Any:
        args = [Tensor(a) for a in arrays]
        for i, t in zip(wrt, ts):
            args[i] = t
        return row.call(*args)

    check_grad(call, *[arrays[i] for i in wrt])


def _check_refusal(row: Edge) -> None:
    leaves = [Tensor(a, requires_grad=g) for a, g in zip(row.arrays(), row.needs_grad())]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = row.call(*leaves)
            if isinstance(out, Tensor) and out.requires_grad:
                out.backward(np.ones(out.shape, out.dtype))
    except ERRORS as e:
        msg = str(e)
        assert "\n" not in msg, f"{row.id}: a multi-line error: {msg!r}"
        assert re.search(row.raises, msg), f"{row.id}: {msg!r} does not match {row.raises!r}"
        return
    raise AssertionError(f"{row.id}: expected a refusal matching {row.raises!r}, got a result")


def _check_torch(row: Edge, value: np.ndarray, grads: list[Any], torch_module: Any) -> None:
    torch = torch_module if torch_module is not None else import_torch()
    if torch is None:
        return
    ts = [torch.tensor(a, requires_grad=g) for a, g in zip(row.arrays(), row.needs_grad())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = row.torch(torch, *ts)
        if row.numpy is None:
            _close(value, ref.detach().numpy(), f"{row.id}: value vs PyTorch")
        if ref.requires_grad:  # (a constant of PyTorch's, a comparison's: no gradient)
            ref.backward(torch.ones_like(ref))
    for i, (g, t) in enumerate(zip(grads, ts)):
        if t.requires_grad:
            expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            _close(g, expected, f"{row.id}: gradient {i} vs PyTorch")


def import_torch() -> Any:
    """PyTorch if installed (the test oracle), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def _close(actual: Any, expected: np.ndarray, what: str) -> None:
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if actual.dtype.kind in "fc" or expected.dtype.kind in "fc":
        np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12, equal_nan=True,
                                   err_msg=what)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)

