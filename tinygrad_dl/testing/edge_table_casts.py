"""Edge rows of dtype casts and the complex-number views: astype, to, float, half, double, long,
int, bool; byte / char / short, conj, resolve_conj, resolve_neg, real; type_as; conj_physical,
complex, polar, view_as_real, view_as_complex. `T` in a `torch=` lambda is the torch module;
where a row has no `numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor

from .edge_table import E2, INF, NAN, E, rows
from .edge_table import a64 as _a

# ---- casts -----------------------------------------------------------------------------------
_CAST = {"empty": (E2,), "one element": (_a(0.7),), "inf and nan": (_a(INF, -INF, NAN),)}
for _name, _call, _dt, _tdt in (
        ("astype", lambda x: x.astype(np.float32), np.float32, "float32"),
        ("to", lambda x: x.to(np.float32), np.float32, "float32"),
        ("float", lambda x: x.float(), np.float32, "float32"),
        ("half", lambda x: x.half(), np.float16, "float16"),
        ("type", lambda x: x.type(np.float32), np.float32, "float32"),
        ("double", lambda x: x.astype(np.float32).double(), np.float64, "float64")):
    rows(_name, _call, _CAST,
         numpy=lambda x, d=_dt, n=_name: x.astype(np.float32).astype(d) if n == "double"
         else x.astype(d),
         torch=lambda T, x, d=_tdt, n=_name: (x.float() if n == "double" else x).to(
             getattr(T, d)))
rows("astype", lambda x: x.astype(np.float32), {"overflow": (_a(1e300, -1e300),)},
     numpy=lambda x: x.astype(np.float32), grad=(_a(1.0, 1.0),),
     note="the float32 value is inf; the gradient is cast back (1, as PyTorch's to())")
rows("astype", lambda x: x.astype(np.float64), {"same dtype: a recorded copy!": (_a(0.7),)},
     numpy=lambda x: x.astype(np.float64), torch=lambda T, x: x.clone())
for _name, _call, _dt in (("long", Tensor.long, np.int64), ("int", Tensor.int, np.int32),
                          ("bool", Tensor.bool, np.bool_)):
    rows(_name, _call, {"empty": (E,), "one element": (_a(-1.7),), "zero and ties": (
        _a(0.0, -0.0, 0.5),)},
         numpy=lambda x, d=_dt: x.astype(d), grad=(None,),
         note="integer and bool results carry no gradient (PyTorch's .long(), .bool())")
rows("bool", Tensor.bool, {"inf and nan": (_a(INF, NAN),)}, numpy=lambda x: x.astype(bool),
     grad=(None,))
rows("long", Tensor.long, {"inf and nan": (_a(INF, NAN),)},
     numpy=lambda x: x.astype(np.int64), grad=(None,),
     note="torch's value (NumPy's), with a warning naming the cast at the caller's line")
rows("astype", lambda x: x.astype(np.complex128), {"complex of a grad tensor": (_a(1.0),)},
     raises="astype: cannot cast a tensor that requires grad to complex128")
rows("to", lambda x: x.to("cuda"), {"another device": (_a(1.0),)},
     raises="to: device 'cuda' is not available: tinygrad_dl runs on the CPU")
rows("astype", lambda x: x.astype("float33"), {"no such dtype": (_a(1.0),)},
     raises="astype: 'float33' is not a dtype")


for _name, _dt in (("byte", np.uint8), ("char", np.int8), ("short", np.int16)):
    rows(_name, lambda x, n=_name: getattr(x, n)(), {
        "empty": (E,), "fractions": (_a(0.0, 0.5, 2.9, 100.7),), "bool": (np.array([True, False]),),
        "ints": (np.array([0, 7, 100]),)},
         torch=lambda T, x, n=_name: getattr(x, n)(), grad=(None,),
         note="integer results carry no gradient (torch's)")
for _name, _call in (("conj", lambda x: x.conj()), ("resolve_conj", lambda x: x.resolve_conj()),
                     ("resolve_neg", lambda x: x.resolve_neg()), ("real", lambda x: x.real)):
    rows(_name, _call, {"inf and nan": (_a(INF, NAN, -0.0),), "empty": (E2,),
                        "0-d!": (np.float64(0.5),), "ints": (np.array([1, -2]),)},
         torch=lambda T, x, c=_call: c(x))

# ---- type_as ---------------------------------------------------------------------------------
rows("type_as", lambda x, y: x.type_as(y), {
    "to float32": (_a(0.5, 1.25), np.zeros(1, np.float32)),
    "same dtype: x itself!": (_a(0.5, 1.25), _a(0.0))},
     numpy=lambda x, y: x.astype(y.dtype), wrt=(0,), torch=lambda T, x, y: x.type_as(y))
rows("type_as", lambda x, y: x.type_as(y), {"to int64": (_a(1.5, -2.5), np.zeros(1, np.int64))},
     numpy=lambda x, y: x.astype(y.dtype), wrt=(0,), grad=(None, None))
rows("type_as", lambda x: x.type_as(np.float32), {"a dtype, not a tensor": (_a(1.0),)},
     raises="type_as: other must be a Tensor")

# ---- conj_physical and torch's complex constructors and views (constants) -------------------
rows("conj_physical", lambda x: x.conj_physical(), {"inf and nan": (_a(INF, NAN, -0.0),),
                                                    "empty": (E2,), "0-d!": (np.float64(0.5),)},
     torch=lambda T, x: x.conj_physical(), note="a real tensor's copy; its gradient g")
rows("conj_physical", lambda x: x.conj_physical(), {"complex": (np.array([1 + 2j, -0.5j]),)},
     torch=lambda T, x: x.conj_physical().resolve_conj(), grad=(None,))
for _name in ("complex", "polar"):
    rows(_name, lambda x, y, n=_name: getattr(tg, n)(x, y), {
        "zero, inf and nan": (_a(0.0, 1.0, INF), _a(0.5, NAN, -0.0)),
        "broadcast": (_a(1.0, 2.0), np.array([[3.0], [4.0]])), "empty": (E, E)},
         wrt=(), grad=(None, None), torch=lambda T, x, y, n=_name: getattr(T, n)(x, y))
    rows(_name, lambda x, y, n=_name: getattr(tg, n)(x, y), {"requires grad": (_a(1.0), _a(2.0))},
         raises=f"{_name}: a tensor of shape \\(1,\\) requires grad")
    rows(_name, lambda x, y, n=_name: getattr(tg, n)(x, y), {
        "float32 with float64": (np.ones(1, np.float32), _a(2.0))}, wrt=(),
         raises=f"{_name}: expects two tensors of one dtype")
rows("view_as_real", lambda x: tg.view_as_real(x), {
    "complex": (np.array([[1 + 2j, complex(NAN, -0.0)]]),), "empty": (np.zeros(0, complex),)},
     torch=lambda T, x: T.view_as_real(x), grad=(None,))
rows("view_as_real", lambda x: tg.view_as_real(x), {"a real tensor": (_a(1.0),)}, wrt=(),
     raises="view_as_real is only supported for complex tensors")
rows("view_as_complex", lambda x: tg.view_as_complex(x), {
    "pairs": (np.array([[1.0, 2.0], [INF, NAN]]),), "empty": (np.zeros((0, 2)),)}, wrt=(),
     grad=(None,), torch=lambda T, x: T.view_as_complex(x))
rows("view_as_complex", lambda x: tg.view_as_complex(x), {"last dim 3": (np.ones((2, 3)),)},
     wrt=(), raises="view_as_complex: Tensor must have a last dimension of size 2")
rows("view_as_complex", lambda x: tg.view_as_complex(x), {"requires grad": (np.ones((1, 2)),)},
     raises="view_as_complex: a tensor of shape \\(1, 2\\) that requires grad")
