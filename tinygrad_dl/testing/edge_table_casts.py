"""Edge rows of dtype casts and the complex-number views: byte / char / short, conj, resolve_conj,
resolve_neg, real; type_as. `T` in a `torch=` lambda is the torch module; where a row has no
`numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import numpy as np

from .edge_table import E2, INF, NAN, E, rows
from .edge_table import a64 as _a

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
