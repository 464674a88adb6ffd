"""Op-table rows of the activations (ops/elementwise.py, unary.py, loss.py;
functional/activations.py): relu, sigmoid, softplus, the leaky and exponential units, gelu,
silu, softmax, log_softmax, dropout, the hard and shrink functions, glu and prelu."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .. import ops
from .refs import (
    case,
    dropout_call,
    gelu_ref,
    glu_ref,
    log_softmax_ref,
    prelu_ref,
    sigmoid_ref,
    softmax_ref,
)
from .spec import ACT, KINK0, REAL, Cases, Domain, Elementwise, OpInfo, Reduction
from .spec import unary as _unary


def _act(name: str, impl: Any, ref: Any, doc: str, domain: Domain = REAL,
         **kw: Any) -> OpInfo:
    """A torch.nn.functional activation that is no Tensor method (PyTorch has no x.relu6())."""
    return OpInfo(name, impl, doc, ACT, F=(name,), function=getattr(F, name), ref=ref,
                  sample=kw.pop("sample", Elementwise((domain,))), **kw)


_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)


ROWS: tuple[OpInfo, ...] = (
    # ---- activations (torch.nn.functional) ---------------------------------------------------
    _unary("relu", ops.ReLU, lambda a: np.maximum(a, 0), "max(x, 0)", ("relu",), KINK0,
           numpy=(), F=("relu",), function=F.relu, group=ACT, grad="0 at x = 0"),
    _unary("sigmoid", ops.Sigmoid, sigmoid_ref, "1 / (1 + e^-x), never overflows",
           ("sigmoid",), Domain(-8.0, 8.0), numpy=(), F=("sigmoid",), function=F.sigmoid,
           group=ACT),
    _unary("softplus", ops.Softplus, lambda a: np.logaddexp(a, 0), "log(1 + e^x), never "
           "overflows", numpy=(), F=("softplus",), function=F.softplus, group=ACT,
           domain=Domain(-8.0, 8.0)),
    _unary("leaky_relu", ops.LeakyReLU, lambda a: np.where(a > 0, a, 0.01 * a), "x if x > 0 "
           "else slope x (slope= or PyTorch's negative_slope=, default 0.01)", numpy=(),
           F=("leaky_relu",), function=F.leaky_relu, group=ACT, domain=KINK0,
           grad="slope at 0"),
    _unary("elu", ops.ELU, lambda a: np.where(a > 0, a, np.expm1(a)), "x if x > 0 else "
           "alpha (e^x - 1)", numpy=(), F=("elu",), function=F.elu, group=ACT, domain=KINK0,
           grad="alpha at 0"),
    OpInfo("gelu", (ops.GELU, ops.GELUTanh), "x Phi(x), Phi the normal CDF (PyTorch's "
           "default, approximate='none'), or its tanh approximation (approximate='tanh')",
           ACT, methods=("gelu",), F=("gelu",), function=F.gelu, ref=gelu_ref,
           sample=Cases((case((2, 3)), case((4,), domain=Domain(-8.0, -2.0)),
                         case((3, 2), approximate="tanh"))),
           grad="Phi(x) + x phi(x); the negative tail keeps its digits (PyTorch's 1 + erf "
           "cancels there)"),
    _unary("silu", ops.SiLU, lambda a: a * sigmoid_ref(a), "x sigmoid(x) (swish)", numpy=(),
           F=("silu",), function=F.silu, group=ACT),
    OpInfo("softmax", ops.Softmax, "exp(x) / sum exp(x) along axis (default -1), max-shifted",
           ACT, methods=("softmax",), torch=("softmax",), F=("softmax",), function=F.softmax,
           ref=softmax_ref, sample=Reduction(Domain(-5.0, 5.0), tuple_axes=False,
                                              keepdims=False, none_axis=False)),
    OpInfo("log_softmax", ops.LogSoftmax, "x - logsumexp(x) along axis (default -1): never "
           "the log of an underflowed probability", ACT, methods=("log_softmax",),
           torch=("log_softmax",), F=("log_softmax",), function=F.log_softmax,
           ref=log_softmax_ref, sample=Reduction(Domain(-5.0, 5.0), tuple_axes=False,
                                                  keepdims=False, none_axis=False)),
    OpInfo("dropout", ops.Dropout, "F.dropout(x, p=0.5, training=True): inverted dropout "
           "(zero with probability p, scale the rest by 1/(1-p)); x itself when not training",
           ACT, F=("dropout",), function=F.dropout, call=dropout_call,
           sample=Elementwise(), grad="the mask (a constant)"),
    _act("relu6", ops.Hardtanh, lambda a: np.minimum(np.maximum(a, 0), 6), "min(max(x, 0), 6)",
         Domain(-2.0, 8.0, avoid=(0.0, 6.0)),
         grad="1 strictly inside (0, 6), 0 at 0 and at 6 (PyTorch's); a NaN passes it on"),
    _act("hardtanh", ops.Hardtanh, lambda a, min_val=-1.0, max_val=1.0: np.clip(
             a, min_val, max_val), "x clipped to [min_val, max_val] (default [-1, 1])",
         sample=Cases((case((2, 3), domain=Domain(avoid=(-1.0, 1.0))),
                       case((4,), domain=Domain(avoid=(-0.5, 2.0)), min_val=-0.5,
                            max_val=2.0))),
         grad="1 strictly inside, 0 on the bounds (PyTorch's; clip's is 1 there); a NaN "
         "passes it on"),
    _act("hardsigmoid", ops.Hardsigmoid, lambda a: np.clip(a + 3, 0, 6) / 6,
         "relu6(x + 3) / 6", Domain(-5.0, 5.0, avoid=(-3.0, 3.0)),
         grad="1/6 strictly inside (-3, 3), 0 at -3, at 3 and at NaN (PyTorch's; its float64 "
         "kernel's 1/6 is rounded to float32, 3e-8 off, this one's is exact)"),
    _act("hardswish", ops.Hardswish, lambda a: a * np.clip(a + 3, 0, 6) / 6,
         "x relu6(x + 3) / 6", Domain(-5.0, 5.0, avoid=(-3.0, 3.0)),
         grad="x/3 + 1/2 inside (-3, 3), 0 at -3 and below, 1 at 3 and above and at NaN "
         "(PyTorch's)"),
    _act("mish", ops.Mish, lambda a: a * np.tanh(np.logaddexp(a, 0)),
         "x tanh(softplus(x)), never overflows"),
    _act("selu", "elu, mul composition", lambda a: _SELU[1] * np.where(
             a > 0, a, _SELU[0] * np.expm1(np.minimum(a, 0))),
         "scale elu(x, alpha), PyTorch's alpha 1.6733 and scale 1.0507", KINK0,
         torch=("selu",), grad="scale alpha at 0 (PyTorch's)"),
    _act("celu", ops.CELU, lambda a, alpha=1.0: np.where(
             a > 0, a, alpha * np.expm1(np.minimum(a, 0) / alpha)),
         "x if x > 0 else alpha (e^(x/alpha) - 1) (alpha=1; not 0)", torch=("celu",),
         sample=Cases((case((2, 3), domain=KINK0), case((4,), domain=KINK0, alpha=2.0),
                       case((3,), domain=KINK0, alpha=-0.5))),
         grad="e^(x/alpha) for x <= 0: 1 at 0 from both sides; a NaN passes it on"),
    _act("softsign", ops.Softsign, lambda a: a / (1 + np.abs(a)),
         "x / (1 + |x|)", KINK0),
    _act("tanhshrink", ops.Tanhshrink, lambda a: a - np.tanh(a), "x - tanh(x)"),
    _act("logsigmoid", "softplus composition: -softplus(-x)", lambda a: -np.logaddexp(0, -a),
         "log sigmoid(x), never overflows", Domain(-8.0, 8.0)),
    _act("softmin", "softmax of -x", lambda a, axis=-1: softmax_ref(-a, axis),
         "softmax(-x) along dim (default: the last axis)",
         sample=Reduction(Domain(-5.0, 5.0), tuple_axes=False, keepdims=False,
                          none_axis=False)),
    _act("threshold", ops.Threshold, lambda a, threshold, value: np.where(
             a <= threshold, value, a), "x where x > threshold, else value",
         torch=("threshold",),
         sample=Cases((case((2, 3), domain=Domain(avoid=(0.5,)), threshold=0.5, value=-2.0),
                       case((4,), domain=KINK0, threshold=0.0, value=0.0))),
         grad="1 above the threshold (and at NaN), 0 at and below it (PyTorch's)"),
    _act("hardshrink", ops.Hardshrink, lambda a, lambd=0.5: np.where(np.abs(a) > lambd, a, 0),
         "x where |x| > lambd (default 0.5), else 0", methods=("hardshrink",),
         sample=Cases((case((2, 3), domain=Domain(avoid=(-0.5, 0.5))),
                       case((4,), domain=Domain(avoid=(-1.0, 1.0)), lambd=1.0))),
         grad="1 outside [-lambd, lambd] and at NaN, 0 on and inside it (PyTorch's)"),
    _act("softshrink", ops.Softshrink, lambda a, lambd=0.5: a - np.clip(a, -lambd, lambd),
         "x - lambd sign(x) where |x| > lambd (default 0.5), else 0",
         sample=Cases((case((2, 3), domain=Domain(avoid=(-0.5, 0.5))),
                       case((4,), domain=Domain(avoid=(-1.0, 1.0)), lambd=1.0))),
         grad="1 outside [-lambd, lambd] and at NaN, 0 on and inside it (PyTorch's)"),
    _act("glu", "getitem, sigmoid, mul composition", glu_ref,
         "a * sigmoid(b), a and b the halves of x along dim (default -1; even length)",
         sample=Cases((case((2, 4)), case((4, 3), dim=0), case((2, 2, 6), dim=-1),
                       case((6,))))),
    OpInfo("prelu", ops.PReLU, "x if x > 0 else weight x, weight one slope or one per channel "
           "(dim 1 of x)", ACT, methods=("prelu",), torch=("prelu",), F=("prelu",),
           function=F.prelu, tensors=2, ref=prelu_ref,
           sample=Cases((case((2, 3), (3,), domain=KINK0), case((2, 3, 4), (1,), domain=KINK0),
                         case((4,), (), domain=KINK0), case((3, 2, 2), (2,), domain=KINK0))),
           grad="the slope at 0 and at NaN (PyTorch's); d/dweight is x where x <= 0, summed "
           "over the channel's elements"),
)
