"""Edge rows of shape and view ops: the splits (array_split, hsplit, ..., unflatten,
Tensor.unfold), row_stack, adjoint / mH, H, narrow_copy, the unsafe_ splits and the *_copy
functions, channel_shuffle. `T` in a `torch=` lambda is the torch module; where a row has no
`numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import re

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import functional as F

from .edge_table import E2, INF, NAN, rows
from .edge_table import a64 as _a
from .edge_table import joined as _joined

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3
X34 = np.array([[0.5, -1.2, 3.0, 2.2], [1.0, 0.0, -0.7, 4.1], [2.5, 1.5, -3.0, 0.3]])
X234 = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.0
_X4 = np.arange(24.0).reshape(1, 2, 3, 4) / 7 - 1.2
_NOTE = "compared with torch (NumPy has none)"


# ---- splits and reshapes ---------------------------------------------------------------------
for _name, _arg, _x in (("tensor_split", 3, _a(1.0, 2.0, 3.0, 4.0)),
                        ("tensor_split", [-1, 2, 9], _a(1.0, 2.0, 3.0, 4.0, 5.0)),
                        ("tensor_split", [3, 1], X34),
                        ("hsplit", [1, 3], X34), ("hsplit", 2, _a(1.0, 2.0)),
                        ("vsplit", 3, X34), ("dsplit", [2], X234),
                        ("split_with_sizes", [1, 0, 2], X34)):
    rows(_name, lambda x, n=_name, a=_arg: _joined(getattr(x, n)(a)), {
        f"{_arg!r}, shape {_x.shape}": (_x,)},
         torch=lambda T, x, n=_name, a=_arg: _joined(getattr(x, n)(a)))
rows("tensor_split", lambda x: _joined(x.tensor_split(2, dim=1)), {"empty dim": (E2,)},
     torch=lambda T, x: _joined(x.tensor_split(2, dim=1)))
rows("tensor_split", lambda x: x.tensor_split(2), {"0-d": (np.float64(1.0),)},
     raises="tensor_split: expects a tensor of 1 or more dims")
rows("tensor_split", lambda x: x.tensor_split(0), {"0 sections": (_a(1.0),)},
     raises="tensor_split: sections must be positive")
rows("tensor_split", lambda x: x.tensor_split(1.5), {"a float": (_a(1.0),)},
     raises="tensor_split: sections must be an int")
rows("hsplit", lambda x: x.hsplit(3), {"uneven": (X34,)},
     raises="hsplit: dim 1 of length 4 .* does not split into 3 equal pieces")
rows("vsplit", lambda x: x.vsplit(1), {"1-D": (_a(1.0),)},
     raises="vsplit: expects a tensor of 2 or more dims")
rows("dsplit", lambda x: x.dsplit(1), {"2-D": (X23,)},
     raises="dsplit: expects a tensor of 3 or more dims")
rows("split_with_sizes", lambda x: x.split_with_sizes([1, 1]), {"sizes short": (X34,)},
     raises="split_with_sizes: sizes \\[1, 1\\] do not add up to the length 3")
rows("unflatten", lambda x: x.unflatten(-1, (2, -1)), {"-1!": (X34,), "empty": (np.zeros((0, 4)),)},
     torch=lambda T, x: x.unflatten(-1, (2, -1)))
rows("unflatten", lambda x: x.unflatten(1, (3, 2)), {"wrong sizes": (X34,)},
     raises="unflatten: sizes \\[3, 2\\] do not make the length 4")
rows("unflatten", lambda x: x.unflatten(0, ()), {"no sizes": (X34,)},
     raises="unflatten: sizes must be non-empty")
rows("Tensor.unfold", lambda x: x.unfold(1, 2, 1), {"overlapping!": (X34,)},
     torch=lambda T, x: x.unfold(1, 2, 1))
rows("Tensor.unfold", lambda x: x.unfold(0, 2, 2), {"a step past a window": (_a(1, 2, 3, 4, 5),),
                                                    "nan and inf": (_a(NAN, INF, -INF, 1.0),)},
     torch=lambda T, x: x.unfold(0, 2, 2))
rows("Tensor.unfold", lambda x: x.unfold(0, 0, 1), {"size 0": (_a(1.0, 2.0),)},
     torch=lambda T, x: x.unfold(0, 0, 1))
rows("Tensor.unfold", lambda x: x.unfold(0, 1, 1), {"0-d": (np.float64(2.0),)},
     torch=lambda T, x: x.unfold(0, 1, 1))
rows("Tensor.unfold", lambda x: x.unfold(0, 3, 1), {"size past the end": (_a(1.0, 2.0),)},
     raises="unfold: size 3 is not in \\[0, 2\\]")
rows("Tensor.unfold", lambda x: x.unfold(0, 1, 0), {"step 0": (_a(1.0, 2.0),)},
     raises="unfold: step must be positive")

rows("row_stack", lambda x, y: tg.row_stack([x, y]), {
    "1-D rows!": (_a(1.0, 2.0), _a(3.0, 4.0)), "nan": (_a(1.0, 2.0), _a(3.0, NAN)),
    "2-D with 1-D": (X23, _a(1.0, 2.0, 3.0)),
    "empty rows": (E2, E2)}, torch=lambda T, x, y: T.row_stack([x, y]))
rows("row_stack", lambda x, y: tg.row_stack([x, y]), {"mismatched": (X23, _a(1.0, 2.0))},
     raises="Concatenate: cannot apply to shapes \\(2, 3\\) and \\(1, 2\\)")

for _name, _call in (("adjoint", lambda x: x.adjoint()), ("mH", lambda x: x.mH)):
    rows(_name, _call, {"empty": (E2,), "2x3!": (X23,), "batch!": (X234,),
                        "inf and nan": (np.array([[INF, NAN, -INF]]),)},
         torch=lambda T, x, c=_call: c(x))
    rows(_name, _call, {"1-D": (_a(1.0, 2.0),)},
         raises=re.escape(f"tensor.{'adjoint()' if _name == 'adjoint' else 'mH'} is only "
                          "supported on matrices or batches of matrices. Got 1-D tensor."))

# ---- H, angle --------------------------------------------------------------------------------
rows("H", lambda x: x.H, {"matrix!": (X23,), "empty rows": (E2,)}, torch=lambda T, x: x.H)
rows("H", lambda x: x.H, {"1-D": (_a(1.0, 2.0),)},
     raises=r"tensor.H is only supported on matrices \(2-D tensors\). Got 1-D tensor")
rows("H", lambda x: x.H, {"3-D": (np.zeros((2, 2, 2)),)}, raises="consider using tensor.mH")

# ---- narrow_copy, the unsafe_ splits, the *_copy functions ------------------------------------
rows("narrow_copy", lambda x: x.narrow_copy(1, -2, 2), {"negative start!": (X34,)},
     torch=lambda T, x: x.narrow(1, -2, 2).clone(),
     note="torch 2.13's own narrow_copy backward raises for a negative start: narrow's is "
     "the reference")
rows("narrow_copy", lambda x: x.narrow_copy(0, 1, 2), {"start 1!": (X34,)},
     torch=lambda T, x: x.narrow_copy(0, 1, 2))
rows("narrow_copy", lambda x: tg.narrow_copy(x, 0, 0, 0), {"empty result": (X23,)},
     numpy=lambda a: a[:0], grad=(np.zeros((2, 3)),),
     note="torch 2.13's own backward of an empty narrow_copy raises (a size mismatch)")
rows("narrow_copy", lambda x: x.narrow_copy(0, 1, 5), {"too long": (X23,)}, raises="narrow")
rows("unsafe_chunk", lambda x: _joined(x.unsafe_chunk(2, 1)), {"odd!": (X23,)},
     torch=lambda T, x: _joined(x.unsafe_chunk(2, 1)))
rows("unsafe_split", lambda x: _joined(x.unsafe_split(2, -1)), {"ragged!": (X34,)},
     torch=lambda T, x: _joined(x.unsafe_split(2, -1)))
rows("unsafe_split_with_sizes", lambda x: _joined(x.unsafe_split_with_sizes([1, 0, 2])), {
    "a zero size": (X34,)}, torch=lambda T, x: _joined(x.unsafe_split_with_sizes([1, 0, 2])))
rows("unsafe_split_with_sizes", lambda x: x.unsafe_split_with_sizes([1, 1]), {
    "sizes not adding up": (X34,)}, raises="split_with_sizes")
for _name, _call in (
        ("t_copy", lambda m, x: m.t_copy(x)), ("view_copy", lambda m, x: m.view_copy(x, (3, 2))),
        ("permute_copy", lambda m, x: m.permute_copy(x, (1, 0))),
        ("transpose_copy", lambda m, x: m.transpose_copy(x, 0, -1)),
        ("squeeze_copy", lambda m, x: m.squeeze_copy(x[:1])),
        ("unsqueeze_copy", lambda m, x: m.unsqueeze_copy(x, -1)),
        ("expand_copy", lambda m, x: m.expand_copy(x, (4, 2, 3))),
        ("diagonal_copy", lambda m, x: m.diagonal_copy(x, 1)),
        ("select_copy", lambda m, x: m.select_copy(x, 1, -1)),
        ("slice_copy", lambda m, x: m.slice_copy(x, 1, 0, 9, 2)),
        ("unfold_copy", lambda m, x: m.unfold_copy(x, 1, 2, 1)),
        ("alias_copy", lambda m, x: m.alias_copy(x)),
        ("split_copy", lambda m, x: _joined(m.split_copy(x, 2, 1))),
        ("split_with_sizes_copy", lambda m, x: _joined(m.split_with_sizes_copy(x, [1, 2], 1))),
        ("unbind_copy", lambda m, x: _joined(m.unbind_copy(x, 1)))):
    rows(_name, lambda x, c=_call: c(tg, x), {"2x3!": (X23.copy(),)},
         torch=lambda T, x, c=_call: c(T, x))
rows("detach_copy", tg.detach_copy, {"no gradient": (X23,)}, numpy=lambda a: a, grad=(None,))
rows("slice_copy", lambda x: tg.slice_copy(x, 0, None, None, 0), {"step 0": (X23,)},
     raises="slice_copy: step must be greater than zero")
rows("select_copy", lambda x: tg.select_copy(x, 0, 5), {"out of range": (X23,)},
     raises="select")

rows("channel_shuffle", lambda x: F.channel_shuffle(x, 2), {
    "4 channels, 2 groups!": (_X4.reshape(1, 4, 3, 2),), "empty batch": (np.zeros((0, 4, 2)),)},
     torch=lambda T, x: T.nn.functional.channel_shuffle(x, 2), note=_NOTE)
rows("channel_shuffle", lambda x: F.channel_shuffle(x, 3), {"channels not divisible": (_X4,)},
     raises=r"channel_shuffle: the number of channels \(2\)")
rows("channel_shuffle", lambda x: F.channel_shuffle(x, 2), {"2-D": (_X4[0, 0],)},
     raises="channel_shuffle: expected an input of 3 or more dims")
