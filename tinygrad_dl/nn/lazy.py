"""PyTorch's nn.LazyLinear: a Linear whose in_features is read off the first input. Until that
call it has no parameters to list or save, and reading them (parameters(), state_dict(), an
optimizer, a parent's state_dict) is refused in one line rather than silently leaving the layer
out; the first call draws W and b as Linear does and makes the module a Linear (torch's
`cls_to_become`). A load_state_dict (its own or a parent's) sizes it off the saved weight."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..tensor import Tensor, np_dtype
from .arg_checks import size_arg
from .layers import Linear, init_weights, remember_init
from .module import Module


class NotMaterialized(dict):
    """A LazyLinear's parameter registry before its first call: listing it raises (so nothing
    that walks parameters leaves the layer out without a word); assignment works."""

    def refuse(self, *_: Any) -> Any:
        raise RuntimeError("LazyLinear: in_features is inferred at the first call and the "
                           "parameters do not exist yet; run one forward pass first (or "
                           "load_state_dict on the LazyLinear itself)")

    items = values = keys = __iter__ = __len__ = refuse

    def __reduce__(self) -> Any:  # (empty until the first call: copy and pickle make another)
        return (NotMaterialized, ())


class LazyLinear(Linear):
    """`LazyLinear(out_features, bias=True, device=None, dtype=None)`: Linear with
    in_features taken from the last axis of the first input (then it is an nn.Linear, as
    torch's); `init`, `std` and `rng` as Linear's."""

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None, *, init: str = "pytorch", std: float = 0.01,
                 rng: Any = None) -> None:
        Module.__init__(self)
        check_device(device, "LazyLinear")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"LazyLinear: bias must be True or False, got {bias!r}")
        self.__dict__["_parameters"] = NotMaterialized()
        self.d_in, self.d_out = 0, size_arg("LazyLinear", "out_features", out_features)
        self.init, self.std, self.rng, self.bias_on = init, std, rng, bool(bias)
        self.dtype_ = np.float64 if dtype is None else np_dtype(dtype, "LazyLinear")
        self.__dict__["lazy_keys"] = ("W", "b") if bias else ("W",)  # (its state's, once sized)
        init_weights(init, (self.d_out, 1), 1, std, np.random.default_rng(0), self.dtype_,
                     False)  # (checks init= now, on a throwaway generator)

    def materialize(self, d_in: int) -> None:
        """W (out_features, d_in) and b drawn as Linear's; the module becomes a Linear."""
        w, b = init_weights(self.init, (self.d_out, d_in), d_in, self.std, self.rng,
                            self.dtype_, self.bias_on)
        # (what Linear.reset_parameters draws from: without it, it raised on this layer)
        remember_init(self, self.init, d_in, self.std, self.rng)
        d = self.__dict__
        d["_parameters"] = {}
        for name in ("rng", "std", "bias_on", "dtype_", "lazy_keys"):
            d.pop(name, None)
        object.__setattr__(self, "__class__", Linear)  # (Module.__setattr__ would store it)
        d["_scope"] = "Linear"
        self.d_in = d_in
        self.W = Tensor(w, requires_grad=True)
        self.register_parameter("b", None if b is None else Tensor(b, requires_grad=True))

    def reset_parameters(self) -> None:
        """torch's: nothing to draw before the first input sets in_features (it raised)."""

    def forward(self, x: Tensor) -> Tensor:
        shape = np.shape(x.data if isinstance(x, Tensor) else x)
        if len(shape) == 0:
            raise ValueError("LazyLinear: a 0-d input has no features to infer in_features from")
        self.materialize(int(shape[-1]))
        return Linear.forward(self, x if isinstance(x, Tensor) else Tensor(x))

    def materialize_from(self, state: dict[str, Any]) -> None:
        """Sized from a state dict's 2-D weight (its own keys), if it holds one
        (load_state_dict, its own or a parent's, calls this: torch's lazy load hook)."""
        key = "weight" if "weight" in state else "W"
        if key in state:
            if np.ndim(state[key]) != 2:  # (it raised "run one forward pass first")
                raise ValueError(f"LazyLinear.load_state_dict: {key!r} has shape "
                                 f"{np.shape(state[key])}; expected 2 axes")
            self.materialize(int(np.shape(state[key])[1]))

    def extra_repr(self) -> str:
        return f"in_features=0, out_features={self.d_out}, bias={self.bias_on}"
