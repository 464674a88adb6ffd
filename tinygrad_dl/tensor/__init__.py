"""Tensor: an n-d array that records the ops applied to it, for reverse-mode autodiff.

Every method is a one-liner over an op's `Function.apply` (the ops are in `tinygrad_dl.ops`, the
engine that records and backpropagates them in `tinygrad_dl.engine`), or a short composition of
them (std, trace, rot90, diff, sort). Methods take NumPy's argument names and PyTorch's
(`axis=`/`dim=`, `keepdims=`/`keepdim=`: ops/spelling.py). Each is an op of the op table
(tinygrad_dl.optable), which also makes its `tinygrad_dl.<name>` function.

This module holds the class and its core: its slots, constructors, introspection, the values handed
to Python, copy and pickle, backprop and the arithmetic operators. Tensor's other methods are
written, one topic per module beside this one, in the classes it derives from (each with empty
`__slots__`, so a tensor still has no `__dict__`; no method is defined in two of them):
`elementwise`, `comparisons` (and the logical ops), `bitwise` (and the shifts, gcd, lcm),
`reductions`, `scans` (cumsum, cummax, logcumsumexp, ...), `shape`, `splits`, `gathering` (sort,
gather, scatter, masks), `writes` (index_put, index_fill, ..._scatter), `counting` (nonzero,
unique, bincount, histc, histogram), `linalg`, `fused` (addmm, addcmul, baddbmm, ...),
`complex_numbers`, `statistics`, `special`, `casts`, `layout` (numel, stride, device),
`autograd_flags` (requires_grad_, grad_fn, detach_), `inplace`, `inplace_forms` (the `_` forms of
the out-of-place methods) and `sampling` (bernoulli, random_, ...). The helpers they share are
`conversions` (`as_tensor`, `data_of`, `plain_array`, `filled`, ...), `results` (`Size`,
`ValuesIndices`), `habits` (the warnings where a PyTorch habit would misread a NumPy result),
`printing` (the repr's print options) and `backward_to` (backward's `inputs=`, and the walk
autograd.grad shares). Those modules read `tensor.Tensor` when called (it is defined after them).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import engine, hooks, tensor_hooks, write_guard
from ..device import check_device
from ..ops import Abs, Add, Div, FloorDivide, MatMul, Maximum, Mul, Neg, Pow, Sub, TruncDivide
from ..ops.elementwise import int_exponent_checked
from ..ops.spelling import torch_keywords
from ..random import float_dtype, normal
from .autograd_flags import AutogradMethods
from .backward_to import backward_to, named_inputs
from .bitwise import BitwiseMethods
from .casts import CastMethods, np_dtype
from .comparisons import ComparisonMethods
from .complex_numbers import ComplexMethods
from .conversions import (
    NUMERIC,
    Axis,
    alpha_number,
    as_data,
    as_tensor,
    data_of,
    filled,
    plain_array,
    refused_dtype,
    shape_arg,
    sub_operand,
    true_divisor,
)
from .counting import CountingMethods
from .elementwise import ElementwiseMethods
from .fused import FusedMethods
from .gathering import GatheringMethods
from .habits import array_in, values_only_iterated
from .inplace import InPlaceMethods
from .inplace_forms import InPlaceFormMethods
from .layout import LayoutMethods
from .linalg import LinalgMethods
from .printing import render
from .reductions import ReductionMethods
from .results import Size, ValuesIndices
from .sampling import SamplingMethods
from .scans import ScanMethods
from .shape import ShapeMethods
from .special import SpecialMethods
from .splits import SplitMethods, split_at
from .statistics import StatisticsMethods
from .writes import WriteMethods

# the names other modules import from tinygrad_dl.tensor (each but Tensor: from its module above)
__all__ = ["Axis", "Size", "Tensor", "ValuesIndices", "as_tensor", "data_of", "filled",
           "np_dtype", "plain_array", "scaled_by_alpha", "split_at"]


_new = object.__new__  # (Tensor.from_result: one global read, not a class attribute's)


def _sizes(sizes: tuple[Any, ...], size: Any, who: str) -> tuple[Any, ...]:
    """x.new_zeros(2, 3), new_zeros((2, 3)) and PyTorch's new_zeros(size=(2, 3)) alike."""
    if size is None:
        return sizes
    if sizes:
        raise TypeError(f"{who}: sizes given twice (positionally and as size=)")
    return (size,)


class Tensor(ElementwiseMethods, ComparisonMethods, BitwiseMethods, ReductionMethods, ScanMethods,
             ShapeMethods, SplitMethods, GatheringMethods, WriteMethods, CountingMethods,
             LinalgMethods, FusedMethods, ComplexMethods, StatisticsMethods, SpecialMethods,
             CastMethods, LayoutMethods, AutogradMethods, InPlaceMethods, InPlaceFormMethods,
             SamplingMethods):
    """An n-d array that remembers the op that produced it, for reverse-mode autodiff.

    Rows are samples: a batch of n d-dimensional inputs is an (n, d) Tensor.
    """

    # _values_only: (op, axis), set only on NumPy's values-only max/min/sort result whose
    # PyTorch spelling returns (values, indices); _view_of: view_bases'; unset elsewhere
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "name", "_retain", "_values_only",
                 "_view_of", "__weakref__")
    __array_ufunc__ = None  # make `ndarray op Tensor` defer to Tensor's reflected operators
    # (__array_function__, NumPy's functions on a tensor, is set by the package from the op
    # table: tinygrad_dl/optable/numpy_calls.py, a layer above this one)
    __array_priority__ = 1000

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if name is not None and not isinstance(name, str):  # or drawing it fails much later
            raise TypeError(f"Tensor(): name must be a str or None, got {type(name).__name__} "
                            f"{name!r}")
        if type(data) is not np.ndarray or dtype is not None:
            if type(requires_grad) is int and type(data) is int:  # (not True/False: bools)
                raise TypeError(f"Tensor({data}, {requires_grad}): requires_grad must be a "
                                "bool (torch.Tensor(n, m)'s sizes: use tg.zeros(n, m))")
            if isinstance(data, Tensor) and data.requires_grad:
                raise TypeError(
                    "Tensor(): the given tensor requires grad, and a new Tensor of its array "
                    "would cut it from its graph; use the tensor itself, t.astype(dtype) to "
                    "convert it, or t.detach() for a constant"
                )
            shared = data.data if isinstance(data, Tensor) else None
            data = as_data(data, dtype if dtype is None else np_dtype(dtype, "Tensor"))
            if shared is data:  # Tensor(w.detach()) shares w's array: as detach() (see alias);
                write_guard.alias(self, data, requires_grad)  # a new parameter's only noted:
                # optimizers write it copy-on-write (Tensor(t * 0.1, requires_grad=True))
        if data.dtype not in NUMERIC:  # ('<U1': t + t gave ['11', '22']; '>f8', float128...)
            raise refused_dtype("Tensor()", data, data)
        if requires_grad and data.dtype.kind != "f":  # complex too: backward is real-only
            hint = ("keep the real and imaginary parts as two float tensors"
                    if data.dtype.kind == "c" else "cast with .astype(np.float64) first")
            raise TypeError(
                f"only real floating-point tensors can require grad, got dtype {data.dtype}"
                f"{f' for {name!r}' if name else ''}; {hint}"
            )
        self.data: np.ndarray = data
        self.grad: np.ndarray | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._ctx: engine.Function | None = None  # the op that made this tensor, if recorded
        self.name = name
        self._retain = False  # retain_grad(), register_hook(): see tensor_hooks

    @classmethod
    def from_result(cls, data: np.ndarray) -> Tensor:
        """A constant `cls` on `data`, an ndarray made of tensors' arrays (an op's result, a
        mask, a number in a tensor's dtype), without Tensor()'s checks: what an op makes of
        NUMERIC dtypes is one. A subclass's __init__ is not run (torch's results skip it too)."""
        t = _new(cls)
        t.data = data
        t.grad = None
        t.requires_grad = False
        t._ctx = None
        t.name = None
        t._retain = False
        return t

    # ---- constructors (device= is accepted for PyTorch code: the CPU, the only one) ---------
    @staticmethod
    @torch_keywords(size="shape")  # (torch.zeros(size=(2, 3)))
    def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False,
              device: Any = None) -> Tensor:
        check_device(device, "zeros")
        data = engine.literal(np.zeros(shape_arg(shape, "zeros", dtype), np_dtype(dtype, "zeros")))
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    @torch_keywords(size="shape")  # (torch.ones(size=(2, 3)))
    def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False,
             device: Any = None) -> Tensor:
        check_device(device, "ones")
        data = engine.literal(np.ones(shape_arg(shape, "ones", dtype), np_dtype(dtype, "ones")))
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    @torch_keywords(size="shape")  # (torch.randn(size=(2, 3)))
    def randn(
        *shape: Any,
        rng: Any = None,
        dtype: Any = np.float64,
        requires_grad: bool = False,
        generator: Any = None,
        device: Any = None,
    ) -> Tensor:
        """N(0, 1) draws from `rng` (or PyTorch's `generator=`), else from the seeded default
        generator (tinygrad_dl.random)."""
        check_device(device, "randn")
        dtype = float_dtype(np_dtype(dtype, "randn"), "randn", complex_ok=True)  # (not int)
        data = normal(shape_arg(shape, "randn", dtype), dtype, generator if rng is None else rng)
        return Tensor(data, requires_grad=requires_grad)

    # PyTorch's x.new_*: a constant of x's dtype unless dtype= says another (not on the graph)
    def new_zeros(self, *sizes: Any, size: Any = None, dtype: Any = None,
                  requires_grad: bool = False, device: Any = None) -> Tensor:
        return self._new("new_zeros", np.zeros, _sizes(sizes, size, "new_zeros"), dtype,
                         requires_grad, device)

    def new_ones(self, *sizes: Any, size: Any = None, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None) -> Tensor:
        return self._new("new_ones", np.ones, _sizes(sizes, size, "new_ones"), dtype,
                         requires_grad, device)

    def new_empty(self, *sizes: Any, size: Any = None, dtype: Any = None,
                  requires_grad: bool = False, device: Any = None) -> Tensor:
        """Zeros (NumPy's empty would hand out whatever memory held: never read unset)."""
        return self._new("new_empty", np.zeros, _sizes(sizes, size, "new_empty"), dtype,
                         requires_grad, device)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None) -> Tensor:
        return self._new("new_full", lambda shape, dt: filled(shape, fill_value, dt,
                                                              "new_full"),
                         (size,), dtype, requires_grad, device)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False,
                   device: Any = None) -> Tensor:
        """A copy of `data` in x's dtype (or dtype=), a constant: of a tensor, its values (as
        PyTorch's data.clone().detach())."""
        values = data_of(data) if isinstance(data, Tensor) else data
        return self._new("new_tensor", lambda shape, dt: array_in(values, dt, "new_tensor"), (),
                         dtype, requires_grad, device)

    def _new(self, name: str, make: Any, size: tuple[Any, ...], dtype: Any,
             requires_grad: bool, device: Any) -> Tensor:
        check_device(device, name)
        dt = self.data.dtype if dtype is None else np.dtype(np_dtype(dtype, name))
        shape = shape_arg(size)
        if any(not isinstance(n, (int, np.integer)) or n < 0 for n in shape):
            raise ValueError(f"{name}: sizes must be non-negative ints, got {size!r:.60}")
        return Tensor(engine.literal(make(shape_arg(shape, name, dt), dt)), requires_grad)

    # ---- introspection -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: Size(self.data.size, self.data.shape))

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    # ---- values handed to Python: each one goes through engine.notify_read, so a jit
    # recording knows the step's Python saw the data (replay would freeze what it did) -----
    def numpy(self, force: bool = False) -> np.ndarray:  # (torch's force=: nothing to force)
        engine.notify_read(self, ".numpy()")
        return self.data

    def item(self) -> float:
        if self.data.size != 1:  # (NumPy's message names neither the call nor the shape)
            raise ValueError(f".item() of a tensor of shape {self.shape}: only one-element "
                             "tensors can be converted to Python scalars")
        engine.notify_read(self, ".item()")
        return self.data.item()

    def _scalar(self, kind: str) -> Any:
        if self.data.size != 1:
            raise TypeError(f"{kind}() of a tensor of shape {self.shape}: only one-element "
                            "tensors can be converted to Python scalars")
        engine.notify_read(self, f"{kind}()")
        return self.data.item()

    def __float__(self) -> float: return float(self._scalar("float"))
    def __complex__(self) -> complex: return complex(self._scalar("complex"))  # (a complex
    # tensor's: without it Python's complex(t) fell back to __float__, which refused it)
    def __int__(self) -> int: return int(self._scalar("int"))
    def __bool__(self) -> bool: return bool(self._scalar("bool"))
    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return int(self._scalar("index"))

    def tolist(self) -> Any:
        engine.notify_read(self, ".tolist()")
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """np.asarray(t), np.array(t): the values (a copy if a dtype or copy=True asks).

        Refused for an op's result on a live graph while grad mode is on (PyTorch refuses any
        tensor that requires grad): NumPy converts the tensors in a list without asking
        (`np.mean([loss1, loss2])`), and a plain number added back to a tensor gave a loss
        whose gradient skipped them without a word. A parameter's values pass
        (np.asarray(W)); matplotlib's plot indexes what it gets first, an op: plot W.data."""
        if self._ctx is not None and self.requires_grad and engine.is_grad_enabled():
            raise TypeError(
                f"np.asarray() of the result of {self._ctx.name} (shape {self.shape}), on a live "
                "graph: its values would be cut from backward without a word (a NumPy function"
                " on a list of tensors does this, and matplotlib on a tensor); keep it a "
                "Tensor (tg.stack(ts).mean(), sum(ts)), or take the values with t.item() / "
                "t.detach() / t.numpy() (plot t.data)")
        engine.notify_read(self, "np.asarray()")
        a = self.data
        if dtype is not None and a.dtype != dtype:
            if copy is False:
                raise ValueError(f"np.asarray(tensor, dtype={np.dtype(dtype)}, copy=False): "
                                 f"the tensor holds {a.dtype}, so a copy is needed")
            return a.astype(dtype)
        return a.copy() if copy else a

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}" formats a one-element tensor's value, as PyTorch's does; f"{loss}"
        with no spec too for a 0-d tensor (PyTorch's rule: other shapes print as str(t))."""
        if not spec and self.data.ndim:
            return str(self)
        if self.data.size != 1:
            raise TypeError(f"format spec {spec!r} for a tensor of shape {self.shape}: only "
                            "one-element tensors format as a number; format t.tolist() instead")
        engine.notify_read(self, "formatting")
        return format(self.data.item(), spec)

    def __len__(self) -> int:
        try:
            return len(self.data)
        except TypeError:  # (NumPy's "len() of unsized object" named no tensor)
            raise TypeError("len() of a 0-d tensor (as torch); use t.numel() or t.item()"
                            ) from None

    def __contains__(self, element: Any) -> bool:
        """`v in t`: is any entry equal to v (a number, or a Tensor broadcast against t), as
        torch's; Python's default iterated the rows, so a row `in` a matrix raised bool()'s
        error and a string was quietly not found."""
        if isinstance(element, Tensor):
            engine.notify_read(element, "`in`")
            element = data_of(element)
        elif not isinstance(element, (int, float, complex, np.number, np.bool_)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you "
                               f"passed in a {type(element)}.")
        engine.notify_read(self, "`in`")
        return bool((self.data == element).any())

    def __iter__(self) -> Iterator[Tensor]:
        """The rows, t[0], t[1], ... (without this, Python iterated a 0-d tensor as empty:
        `sum(loss)` was 0 and `for v in loss:` skipped its body)."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor (as torch); use t.item() for its "
                            "number")
        flagged = getattr(self, "_values_only", None)
        if flagged is not None:
            values_only_iterated(*flagged)
        return (self[i] for i in range(len(self.data)))

    def __repr__(self) -> str:
        engine.notify_read(self, "repr()")
        extra = ""
        if self._ctx is not None:
            extra = f", op={self._ctx.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        # PyTorch's print options (torch.set_printoptions): 4 decimals, summarized ("...", 3
        # edge items) past 1000 elements unless set
        body = render(self.data, prefix="Tensor(")
        return f"Tensor({body}, dtype={self.data.dtype}{extra})"

    def detach(self) -> Tensor:
        """A constant Tensor sharing this one's array (the one method that cuts the graph).

        The array of an op's result is locked while its graph lives, as a leaf's is: a write
        through the detached tensor must not change what the graph saved."""
        if self._ctx is not None:  # (from_result: its array, checked when it was made)
            return write_guard.hold_result(self, Tensor.from_result(  # (noted as sharing it)
                self.data if not hooks.active else data_of(self)))
        out = Tensor.from_result(self.data if not hooks.active else data_of(self))
        write_guard.alias(out)  # (a write while a graph holds the array: refused)
        return out

    # ---- copy, deepcopy, pickle: torch's rules. Python's defaults copied the slots as they
    # were: copy.copy shared the .grad array (a backward through the copy added into the
    # original's .grad), deepcopy of an op's result copied its graph (backward reached copies
    # of the leaves, whose .grad nobody reads), and a pickled graph hung at its release ----
    def __copy__(self) -> Tensor:
        """The same array and graph, without the gradient (as torch's copy.copy)."""
        t = Tensor.__new__(Tensor)
        t.data, t.grad, t.requires_grad = self.data, None, self.requires_grad
        t._ctx, t.name = self._ctx, self.name
        h = self._retain  # (its hooks are copied, not shared: one registered later on the
        t._retain = h if type(h) is bool else h.copy()  # copy must not reach the original)
        write_guard.alias(t)  # (a write while a graph holds the array: refused, as detach's;
        return t  # a copy-on-write left the original unchanged, where torch's write reaches it)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """A leaf's copy, values and `.grad` (as torch's); an op's result raises, as torch."""
        if self._ctx is not None:
            raise RuntimeError(
                f"copy.deepcopy of an op's result (a {self._ctx.name} of shape {self.shape}): "
                "only leaf tensors can be deep-copied (its graph's copy would send gradients "
                "to copies of the leaves); deep-copy t.detach(), or the model before forward"
            )
        t = Tensor.__new__(Tensor)
        memo[id(self)] = t
        t.data = copy.deepcopy(self.data, memo)  # (writable, though a live graph locks ours)
        t.grad = copy.deepcopy(self.grad, memo)
        t.requires_grad, t._ctx, t.name, t._retain = self.requires_grad, None, self.name, False
        return t

    def __getstate__(self) -> tuple[Any, ...]:
        """Pickled: values, `.grad`, flag and name; never the graph (an op's result comes back
        a leaf, as torch's)."""
        return (self.data, self.grad, self.requires_grad, self.name)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.data, self.grad, self.requires_grad, self.name = state
        self._ctx, self._retain = None, False

    def zero_grad(self) -> None:
        engine.notify_write("Tensor.zero_grad()")
        self.grad = None

    def retain_grad(self) -> Tensor:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        tensor_hooks.retain(self)
        return self

    @property
    def retains_grad(self) -> bool:
        """Does backward keep `.grad` on this op's result (retain_grad() was called)?"""
        return tensor_hooks.retains(self)

    def register_hook(self, hook: Any) -> tensor_hooks.RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is complete in a backward; `grad` is
        a Tensor (read-only), and what the hook returns (a Tensor of its shape and dtype, or
        None to keep it) is the gradient used from there on, as in PyTorch. Returns a handle
        whose `remove()` unregisters it."""
        return tensor_hooks.add(self, hook)

    def register_post_accumulate_grad_hook(self, hook: Any) -> tensor_hooks.RemovableHandle:
        """Call `hook(tensor)` after backward has added into this leaf's `.grad` (PyTorch's:
        an optimizer step per parameter, as soon as its gradient is ready)."""
        return tensor_hooks.add(self, hook, post=True)

    # ---- backprop ----------------------------------------------------------------------------
    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None, *, grad: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` that requires grad.

        `gradient` (PyTorch's name; `grad=` too) is the gradient of some scalar w.r.t. this
        tensor; it defaults to 1 for a one-element tensor. Saved intermediates are freed
        afterwards unless retain_graph. `inputs`: only these tensors' `.grad` is filled, by
        the ops between them and self (PyTorch's `inputs=`; see tensor/backward_to.py).
        """
        if grad is not None:
            if gradient is not None:
                raise TypeError("backward() got both gradient= and grad=: they are one "
                                "argument (PyTorch's name and this package's)")
            gradient = grad
        if create_graph:
            raise NotImplementedError("backward: create_graph=True is not supported: backward "
                                      "runs on NumPy arrays, so it records no graph of itself "
                                      "(no second derivatives)")
        gradient = self._seed(gradient)
        ins = None if inputs is None else named_inputs(inputs, "backward")
        if ins is None:
            engine.backward(self, gradient, bool(retain_graph))
        else:
            backward_to([(self, gradient)], bool(retain_graph), ins)
        hooks.notify_backward_done()  # (a jit recording checks .grad from here on)

    def _seed(self, gradient: Any) -> np.ndarray:
        """backward's `gradient` as an array of this tensor's shape and dtype (1 for a
        one-element tensor when None); autograd.backward's several tensors' too."""
        if not self.requires_grad:
            raise RuntimeError(
                f"backward() on a tensor that does not require grad (shape {self.shape}): "
                "no input of the graph has requires_grad=True, or it was built under no_grad()"
            )
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() on a non-scalar tensor of shape {self.shape} needs an explicit "
                    "gradient of that shape (the gradient of the final scalar w.r.t. this "
                    "tensor)"
                )
            shape, dt = self.data.shape, self.data.dtype  # (a 0-d loss: np.array, not np.ones)
            return engine.literal(np.array(1, dt) if shape == () else np.ones(shape, dt))
        gdt = getattr(gradient, "dtype", None)  # (a Tensor's or array's: np.iscomplexobj
        # would read a jit-watched one's data, and the step would not replay)
        if self.data.dtype.kind != "c" and (gdt.kind == "c" if isinstance(gdt, np.dtype)
                                            else np.iscomplexobj(gradient)):
            # the cast dropped its imaginary part with only NumPy's ComplexWarning; torch
            # refuses it with a RuntimeError (autograd.grad's too)
            raise RuntimeError(f"backward(): a complex gradient for a {self.data.dtype} "
                               "tensor (its imaginary part would be dropped); pass "
                               "gradient.real if meant")
        gradient = as_data(gradient, self.data.dtype, "backward()'s gradient")
        if gradient.shape != self.shape:
            raise ValueError(f"backward(): gradient has shape {gradient.shape} but the "
                             f"tensor has shape {self.shape}")
        return gradient

    def draw(self, **kwargs: Any) -> Any:
        """The graphviz.Digraph of the graph that produced this tensor (see viz.draw_graph)."""
        from ..viz import draw_graph  # the one upward import: drawing is optional here

        return draw_graph(self, **kwargs)

    # ---- arithmetic (NumPy broadcasting; constants on either side) --------------------------
    def __add__(self, other: Any) -> Tensor: return Add.apply(self, as_tensor(other, self))
    def __radd__(self, other: Any) -> Tensor: return Add.apply(as_tensor(other, self), self)
    def __sub__(self, other: Any) -> Tensor: return Sub.apply(self, sub_operand(other, self))
    def __rsub__(self, other: Any) -> Tensor: return Sub.apply(sub_operand(other, self), self)
    def __mul__(self, other: Any) -> Tensor: return Mul.apply(self, as_tensor(other, self))
    def __rmul__(self, other: Any) -> Tensor: return Mul.apply(as_tensor(other, self), self)
    def __truediv__(self, other: Any) -> Tensor:
        try:
            y = as_tensor(other, self)
        except OverflowError:  # (an int tensor / an int outside its dtype: see true_divisor)
            y = true_divisor(other, self)
        return Div.apply(self, y)

    def __rtruediv__(self, other: Any) -> Tensor:
        try:
            y = as_tensor(other, self)
        except OverflowError:
            y = true_divisor(other, self)
        return Div.apply(y, self)

    def __pow__(self, other: Any) -> Tensor:
        return Pow.apply(self, as_tensor(int_exponent_checked(self.dtype, other), self))
    def __rpow__(self, other: Any) -> Tensor: return Pow.apply(as_tensor(other, self), self)
    def __matmul__(self, other: Any) -> Tensor: return MatMul.apply(self, as_tensor(other, self))
    def __rmatmul__(self, other: Any) -> Tensor: return MatMul.apply(as_tensor(other, self), self)
    def __neg__(self) -> Tensor: return Neg.apply(self)
    def __abs__(self) -> Tensor: return Abs.apply(self)
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self + alpha * other (PyTorch's alpha=)."""
        return Add.apply(self, scaled_by_alpha("add", self, other, alpha))

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self - alpha * other (PyTorch's alpha=)."""
        return Sub.apply(self, scaled_by_alpha("sub", self, sub_operand(other, self, "sub"), alpha))

    def mul(self, other: Any) -> Tensor: return Mul.apply(self, as_tensor(other, self))
    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self / other; rounding_mode "trunc" (toward 0) or "floor" rounds the quotient, as
        torch's: integers stay integers, computed exactly; its gradient is 0."""
        if rounding_mode is None:
            return self.__truediv__(other)
        if not isinstance(rounding_mode, str) or rounding_mode not in ("trunc", "floor"):
            raise ValueError("div expected rounding_mode to be one of None, 'trunc', or 'floor'"
                             f" but found {rounding_mode!r}")
        op = TruncDivide if rounding_mode == "trunc" else FloorDivide
        return op.apply(self, as_tensor(other, self))

    def true_divide(self, other: Any) -> Tensor: return self.__truediv__(other)
    def neg(self) -> Tensor: return Neg.apply(self)
    def matmul(self, other: Any) -> Tensor: return MatMul.apply(self, as_tensor(other, self))
    @torch_keywords(exponent="other")
    def pow(self, other: Any) -> Tensor: return self.__pow__(other)
    pow.reads_numbers = sub.reads_numbers = True  # type: ignore[attr-defined]  # (numbers as is)
    div.true_division = True  # type: ignore[attr-defined]  # (tg.div(-1, u8): method_function)
    def maximum(self, other: Any) -> Tensor: return Maximum.apply(self, as_tensor(other, self))
    subtract, multiply, divide, negative, mm, bmm = sub, mul, div, neg, matmul, matmul
    mm = bmm = torch_keywords(mat2="other")(matmul)  # (torch's name of mm's and bmm's other)


def scaled_by_alpha(op: str, self: Tensor, other: Any, alpha: Any) -> Tensor:
    """alpha * other for add/sub's alpha=, as PyTorch's: scaled in the RESULT's dtype (a float32
    other scaled in float32 before a float64 add lost digits; a bool other times 2 was int64,
    which made a float32 sum float64); a float alpha is refused where the result is an integer
    or bool (1.0 and 2.0 too, as torch); a bool result reads alpha as a bool."""
    other = as_tensor(other, self)
    if type(alpha) is int and alpha == 1:  # the default: nothing to scale (the hot path)
        return other
    dt = np.result_type(self.data, other.data)
    alpha = alpha_number(op, alpha, dt, self.data, other.data)
    if alpha == 1 or dt == np.bool_:  # (1.0: no Mul in the graph; a bool: alpha read as one)
        return other if alpha else other * False
    if other.data.dtype != dt:
        other = other.astype(dt)
    return other * alpha


def named_as_methods_of(cls: type, module: str) -> None:
    """Name the methods `cls` takes from its bases (mixins) `<cls>.<name>` of `module`, as they
    were when one class body held them all: Python's argument errors name a function by its
    __qualname__ ("Tensor.sum() got an unexpected keyword argument 'foo'", not the mixin's
    name), and pickle finds a function by __module__ and __qualname__ (Tensor's, Module's)."""
    for base in cls.__mro__[1:-1]:
        for value in vars(base).values():
            fn = value.fget if isinstance(value, property) else value
            while callable(fn) and hasattr(fn, "__code__"):  # a function, and what it wraps
                fn.__qualname__, fn.__module__ = f"{cls.__name__}.{fn.__name__}", module
                fn = getattr(fn, "__wrapped__", None)


named_as_methods_of(Tensor, __name__)
