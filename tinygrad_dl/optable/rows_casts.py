"""Op-table rows of copies and casts (tinygrad_dl/tensor/casts.py, complex_numbers.py,
functional/tensor_functions.py): clone, detach, astype (CORE); x.byte() (and char, short), conj,
real, conj_physical and torch's complex constructors and views (complex, polar, view_as_real,
view_as_complex)."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..functional.tensor_functions import real
from ..tensor.complex_numbers import complex_of, polar, view_as_complex, view_as_real
from .spec import COPY, OpInfo

# (the topic's first rows, before ROWS on the ops page: table.py keeps the table's order)
CORE: tuple[OpInfo, ...] = (
    # ---- copies and casts (ops/shape.py Clone, ops/unary.py Cast) -------------------------------
    OpInfo("clone", ops.Clone, "a copy that keeps the gradient flowing", COPY, methods=("clone",),
           numpy=("copy",), torch=("clone",), ref=np.copy),
    OpInfo("detach", "a constant Tensor on the same array", "the values, cut from the graph",
           COPY, methods=("detach",), torch=("detach",), ref=lambda a: a,
           no_grad="a constant: it cuts the graph", float32=False),
    OpInfo("astype", ops.Cast, "a copy in another dtype, on the graph (float results pass the "
           "gradient back, cast to x's dtype; integer and bool results are constants)", COPY,
           methods=("astype", "to", "type", "type_as", "double", "float", "half", "long", "int",
                    "bool"),
           numpy=("astype",), call=lambda t: t.astype(t.dtype),
           ref=lambda a: a.astype(a.dtype), grad="cast back to the input's dtype",
           differs="x.float() is float32 and x.int() int32, as in PyTorch; x.type() with no "
           "dtype gives the dtype's name"),
)


ROWS: tuple[OpInfo, ...] = (
    OpInfo("byte", ops.Cast, "torch's x.byte(), x.char(), x.short(): uint8, int8, int16 copies; "
           "x.cfloat(), x.cdouble(): complex64, complex128 ones", "Copies and casts",
           methods=("byte", "char", "short", "cfloat", "cdouble"), sample=None,
           no_grad="a constant: an integer or complex result", float32=False),
    OpInfo("conj", "x itself", "torch's x.conj(), resolve_conj(), resolve_neg(): x itself (a "
           "real tensor; x.conj() of a complex one: its conjugate, a constant)",
           "Copies and casts", methods=("conj", "resolve_conj", "resolve_neg"),
           torch=("conj",), ref=lambda a: a, grad="g (x itself)"),
    OpInfo("real", "x itself", "torch's x.real: x itself (a real tensor; x.imag is refused); of a "
           "complex one: its parts, constants",
           "Copies and casts", methods=("real",), torch=("real",), function=real,
           call=lambda t: t.real, ref=lambda a: a,
           grad="g (x itself)"),
    OpInfo("conj_physical", "clone", "torch's x.conj_physical(): a real tensor's copy; of a "
           "complex one: its conjugate, a constant", "Copies and casts",
           methods=("conj_physical",), torch=("conj_physical",), ref=np.conj,
           grad="g (clone's)"),
    *(OpInfo(name, "NumPy's arrays (no graph)", doc, "Copies and casts", torch=(torch_name,),
             function=fn, tensors=n, sample=None, float32=False,
             no_grad="a constant: complex tensors take no gradient here")
      for name, torch_name, fn, n, doc in (
          ("complex", "complex", complex_of, 2, "torch.complex(real, imag): real + i imag "
           "(two float32 or two float64 tensors, broadcast)"),
          ("polar", "polar", polar, 2, "torch.polar(abs, angle): abs (cos(angle) + i "
           "sin(angle)), as complex's"),
          ("view_as_real", "view_as_real", view_as_real, 1, "torch.view_as_real: a complex "
           "tensor's view as real pairs (..., 2); a write through it changes the tensor"),
          ("view_as_complex", "view_as_complex", view_as_complex, 1, "torch.view_as_complex: a "
           "float tensor of shape (..., 2) seen as complex (a view; torch's stride rules)"))),
)
