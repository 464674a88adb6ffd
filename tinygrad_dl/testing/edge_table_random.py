"""Edge rows of random ops' deterministic parts and refusals: the random fills' ranges
(exponential_, ...), poisson, binomial, rrelu, the alpha dropouts, gumbel_softmax, dropout1d /
dropout2d, uniform_ / normal_. `T` in a `torch=` lambda is the torch module; where a row has no
`numpy=`, PyTorch's value is the reference. Also F.dropout's evaluation mode and p = 1."""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F

from .edge_table import E2, INF, NAN, E, rows
from .edge_table import a64 as _a
from .edge_table import inplace_call as _inplace

_X4 = np.arange(24.0).reshape(1, 2, 3, 4) / 7 - 1.2
_NOTE = "compared with torch (NumPy has none)"
_V = _a(-2.0, -0.5, 0.0, 0.1, 3.0, INF, -INF, NAN)


# dropout in evaluation mode is the identity; p = 1 zeroes every value, inf and NaN included
rows("dropout", lambda x: F.dropout(x, 0.5, training=False), {
    "empty": (E2,), "one element!": (_a(0.7),), "+inf": (_a(INF),), "-inf": (_a(-INF),),
    "nan": (_a(NAN),)}, numpy=lambda x: x, numpy_warns=False,
    torch=lambda T, x: T.nn.functional.dropout(x, 0.5, training=False))
rows("dropout", lambda x: F.dropout(x, 1.0), {"p = 1": (_a(0.5, INF, NAN),)},
     numpy=lambda x: x * 0.0, torch=lambda T, x: T.nn.functional.dropout(x, 1.0))


# ---- random fills: the draws' range (tests/test_torch_names8.py checks their statistics) -------
def _within(method: str, lo: float, hi: float, *args: Any) -> Any:
    def call(x: Tensor) -> Tensor:
        d = getattr(x, method)(*args).data
        return Tensor(((d >= lo) & (d < hi)).astype(float))
    return call


for _name, _args, _lo, _hi in (("exponential_", (2.0,), 0.0, INF), ("geometric_", (0.3,), 1.0, INF),
                               ("log_normal_", (0.0, 1.0), 0.0, INF),
                               ("cauchy_", (1.0, 2.0), -INF, INF), ("random_", (2, 5), 2.0, 5.0)):
    rows(_name, _within(_name, _lo, _hi, *_args), {"within range": (np.zeros(200),),
                                                   "empty": (E,)},
         numpy=np.ones_like, wrt=(), grad=(None,))
    rows(_name, _inplace(_name, *_args), {"a leaf that requires grad": (np.zeros(2),)},
         wrt=(0,), raises=f"Tensor.{_name}.*a leaf Variable that requires grad")
rows("random_", _within("random_", 0.0, 256.0), {"uint8: all of it": (np.zeros(50, np.uint8),)},
     numpy=np.ones_like, wrt=(), grad=(None,))
rows("random_", _inplace("random_", 300), {"past uint8": (np.zeros(2, np.uint8),)},
     raises="Tensor.random_: \\[0, 300\\) does not fit this tensor's dtype uint8")
rows("random_", _inplace("random_", 3, 3), {"from = to": (np.zeros(2),)},
     raises="Tensor.random_: expects from < to")
rows("exponential_", _inplace("exponential_", 0.0), {"lambd 0": (np.zeros(2),)},
     raises="Tensor.exponential_: lambd must be > 0")
rows("exponential_", _inplace("exponential_"), {"an integer tensor": (np.zeros(2, np.int64),)},
     raises="Tensor.exponential_: this tensor's dtype int64 cannot hold random floats")
rows("geometric_", _inplace("geometric_", 1.0), {"p 1": (np.zeros(2),)},
     raises="Tensor.geometric_: p must be in \\(0, 1\\)")
rows("log_normal_", _inplace("log_normal_", 0.0, 0.0), {"std 0": (np.zeros(2),)},
     raises="Tensor.log_normal_: std must be > 0")
rows("cauchy_", _inplace("cauchy_", 0.0, -1.0), {"negative sigma": (np.zeros(2),)},
     raises="Tensor.cauchy_: sigma must be > 0")

# ---- poisson, binomial (draws: the deterministic cases and refusals) ----------------------------
rows("poisson", tg.poisson, {"rate 0": (np.zeros(3),), "empty": (E,)},
     numpy=lambda a: a * 0, grad=(None,))
rows("poisson", tg.poisson, {"negative rate": (_a(-1.0),), "nan rate": (_a(NAN),)},
     raises="poisson: invalid Poisson rate")
rows("binomial", tg.binomial, {"prob 0 and 1": (_a(5.0, 3.0), _a(0.0, 1.0))},
     numpy=lambda c, p: c * p, grad=(None, None))
rows("binomial", tg.binomial, {"prob > 1": (_a(5.0), _a(1.5)), "count < 0": (_a(-1.0),
                                                                             _a(0.5))},
     raises="binomial: count must hold non-negative whole numbers")
rows("binomial", tg.binomial, {"int count": (np.array([5]), _a(0.5))},
     raises="binomial: expects float count and prob")

# ---- rrelu, alpha dropouts, gumbel_softmax -----------------------------------------------------
rows("rrelu", lambda x: F.rrelu(x, 0.1, 0.3), {
    "evaluation: the mean slope, kink at 0": (_V,), "empty": (np.zeros((0, 2)),)},
     torch=lambda T, x: T.nn.functional.rrelu(x, 0.1, 0.3), note=_NOTE)
rows("rrelu", lambda x: F.rrelu(x, 0.3, 0.3, training=True), {
    "lower == upper: a fixed slope in training!": (_a(-2.0, -0.5, 0.1, 3.0),),
    "lower == upper, the kink at 0: the slope's gradient": (_a(0.0, -0.0),)},
     torch=lambda T, x: T.nn.functional.rrelu(x, 0.3, 0.3, training=True), note=_NOTE)
rows("rrelu", lambda x: F.rrelu(x, 0.5, 0.1), {"lower above upper": (_V,)},
     raises="rrelu: lower .* at most upper")
for _name in ("alpha_dropout", "feature_alpha_dropout"):
    _fn = getattr(F, _name)
    rows(_name, lambda x, f=_fn: f(x, 0.5), {"evaluation: x itself": (_X4,),
                                            "empty": (np.zeros((0, 2, 3)),)},
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 0.5), note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 1.0, True), {"p = 1: zeros (NaN for inf and nan)": (
        np.where(_X4 > 1, INF, np.where(_X4 < -1, NAN, _X4)),)},
         torch=lambda T, x, n=_name: getattr(T.nn.functional, n)(x, 1.0, True), note=_NOTE)
    rows(_name, lambda x, f=_fn: f(x, 1.5, True), {"p above 1": (_X4,)},
         raises=f"{_name}: dropout probability has to be between 0 and 1")
    rows(_name, lambda x, f=_fn: f(x, 0.5, True, True), {
        "inplace=True on a leaf that requires grad": (_X4,)}, wrt=(0,),
         raises=fr"F\.{_name}\(inplace=True\): a leaf Variable that requires grad")
rows("feature_alpha_dropout", lambda x: F.feature_alpha_dropout(x, 0.5, True), {
    "a 1-D input": (_a(1.0, 2.0),)}, raises="feature_alpha_dropout: feature dropout needs")
rows("gumbel_softmax", lambda x: F.gumbel_softmax(x, hard=True), {
    "one class: always 1, gradient 0": (_a(0.5, 3.0).reshape(2, 1),)},
     numpy=lambda x: np.ones_like(x), grad=(np.zeros((2, 1)),), numpy_warns=False)
rows("gumbel_softmax", F.gumbel_softmax, {"integer logits": (np.array([1, 2]),)},
     raises="gumbel_softmax: expected float logits")
rows("gumbel_softmax", lambda x: F.gumbel_softmax(x, dim=2), {"dim out of range": (_X4[0, 0],)},
     raises="gumbel_softmax: dim 2 is out of range")

_X3 = np.array([[[0.5, -1.0, 2.0, 1.5, 0.25], [1.0, 1.25, -0.5, 3.0, -2.0]]])  # (1, 2, 5)

# ---- dropout1d, dropout2d --------------------------------------------------------------------
for _name, _x in (("dropout1d", _X3), ("dropout2d", _X4)):
    _fn = getattr(F, _name)
    rows(_name, lambda x, f=_fn: f(x, 0.5, training=False), {
        "evaluation: x itself": (_x,), "empty batch": (np.zeros((0,) + _x.shape[1:]),)},
        numpy=lambda x: x, numpy_warns=False)
    rows(_name, lambda x, f=_fn: f(x, 1.0), {"p = 1: zeros": (_x,)},
         numpy=lambda x: np.zeros_like(x), numpy_warns=False)
    rows(_name, lambda x, f=_fn: f(x, 1.5), {"p above 1": (_x,)}, raises=f"{_name}: p must be")
    rows(_name, lambda x, f=_fn: f(x, 0.5, training=False), {"a 1-D input": (_a(1.0, 2.0),)},
         raises=f"{_name}: expected input")
rows("dropout2d", F.dropout2d, {"a 3-D input: ambiguous": (_X3,)},
     raises="dropout2d: expected input .* ambiguous")

# ---- uniform_, normal_ (in place) ------------------------------------------------------------
rows("uniform_", lambda x: Tensor(((x.uniform_(2.0, 3.0).data >= 2) & (x.data < 3)).astype(float)),
     {"within [a, b)": (np.zeros(50),), "empty": (E,)}, numpy=np.ones_like, wrt=(),
     grad=(None,))
rows("uniform_", _inplace("uniform_"), {"an integer tensor": (np.array([1, 2]),)},
     raises="Tensor.uniform_: this tensor's dtype int64 cannot hold random floats")
rows("normal_", lambda x: Tensor(np.asarray(float(x.normal_(5.0, 0.0).data.mean()))),
     {"std 0: the mean": (np.zeros(4),)}, numpy=lambda x: np.array(5.0), wrt=(), grad=(None,))
rows("normal_", _inplace("normal_", 0.0, -1.0), {"negative std": (np.zeros(2),)},
     raises="Tensor.normal_: std must be >= 0")
