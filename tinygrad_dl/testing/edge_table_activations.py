"""Edge rows of the in-place activations of torch.nn.functional (relu_, elu_, leaky_relu_,
hardtanh_, threshold_, selu_, celu_, rrelu_). `T` in a `torch=` lambda is the torch module;
where a row has no `numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import numpy as np

from tinygrad_dl import functional as F

from .edge_table import INF, NAN, rows
from .edge_table import a64 as _a

# ---- in-place activations ----------------------------------------------------------------------
_V = _a(-2.0, -0.5, 0.0, 0.1, 3.0, INF, -INF, NAN)
_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)
_INPLACE = {  # name: (arguments, torch's values as NumPy formulas)
    "relu_": ((), lambda x: np.maximum(x, 0.0)),
    "elu_": ((0.7,), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "leaky_relu_": ((0.2,), lambda x: np.where(x > 0, x, 0.2 * x)),
    "hardtanh_": ((-0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8)),
    "threshold_": ((0.1, -2.0), lambda x: np.where(x <= 0.1, -2.0, x)),
    "selu_": ((), lambda x: _SELU[1] * np.where(x > 0, x, _SELU[0] * np.expm1(x))),
    "celu_": ((1.3,), lambda x: np.where(x > 0, x, 1.3 * np.expm1(x / 1.3))),
    "rrelu_": ((0.1, 0.3), lambda x: np.where(x > 0, x, 0.2 * x)),  # (evaluation's slope)
}
for _name, (_args, _ref) in _INPLACE.items():
    rows(_name, lambda x, n=_name, a=_args: getattr(F, n)(x, *a), {
        "edges, written in place": (_V,), "empty": (np.zeros((0, 3)),), "0-d": (_a(-1.5)[0],)},
         wrt=(), numpy=_ref, numpy_warns=False, note="torch's in-place function's values")
    rows(_name, lambda x, n=_name, a=_args: getattr(F, n)(x, *a), {
        "a leaf that requires grad": (_V,)}, raises=f"F.{_name}: a leaf Variable")
    rows(_name, lambda x, n=_name, a=_args: getattr(F, n)(x * 2, *a), {
        "an op's result": (_V,)}, raises=f"F.{_name}: in-place on the result of Mul")
rows("elu_", F.elu_, {"an integer tensor": (np.array([-1, 2]),)}, raises="F.elu_: ")
