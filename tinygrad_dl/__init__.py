"""tinygrad_dl: a small, honest reverse-mode autodiff on NumPy, and the four course models."""

import os as _os
import signal as _signal
import sys as _sys

if _os.path.basename(_sys.argv[0] if _sys.argv else "").startswith("tinygrad-dl"):
    # The `tinygrad-dl` program: Ctrl-C while its modules load (seconds on a busy machine) is
    # one line and exit 130, not a 30-line traceback; nothing is open yet, so nothing is lost.
    # `cli.main` replaces this handler before it parses the command line.
    def _interrupted(signum: int, frame: object) -> None:
        _os.write(2, b"\ntinygrad-dl: interrupted\n")
        _os._exit(130)

    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, _interrupted)

from .engine import (
    AnomalyError,
    Function,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    name_scope,
    no_grad,
    unbroadcast,
)
from .functional import (
    arccos,
    arcsin,
    arctan,
    arctan2,
    argmax,
    argmin,
    broadcast_to,
    ceil,
    concatenate,
    cos,
    cosh,
    cumsum,
    diag,
    dot,
    einsum,
    exp2,
    expand_dims,
    expm1,
    flatten,
    flip,
    floor,
    hstack,
    hypot,
    inner,
    log1p,
    log2,
    log10,
    logaddexp,
    logsumexp,
    maximum,
    minimum,
    mod,
    moveaxis,
    outer,
    pad,
    prod,
    reciprocal,
    remainder,
    repeat,
    rnn,
    roll,
    sign,
    sin,
    sinh,
    split,
    square,
    squeeze,
    stack,
    std,
    swapaxes,
    tan,
    tensor,
    tensordot,
    tile,
    trace,
    tril,
    triu,
    unsqueeze,
    vstack,
    where,
)
from .tensor import Tensor, as_tensor

zeros = Tensor.zeros
ones = Tensor.ones
randn = Tensor.randn

__version__ = "0.1.0"

__all__ = [
    "AnomalyError", "Function", "Tensor", "arccos", "arcsin", "arctan", "arctan2", "argmax",
    "argmin", "as_tensor", "broadcast_to", "ceil", "concatenate", "cos", "cosh", "cumsum",
    "detect_anomaly", "diag", "dot", "einsum", "enable_grad", "exp2", "expand_dims", "expm1",
    "flatten", "flip", "floor", "hstack", "hypot", "inner", "is_grad_enabled", "log1p", "log2",
    "log10", "logaddexp", "logsumexp", "maximum", "minimum", "mod", "moveaxis", "name_scope",
    "no_grad", "ones", "outer", "pad", "prod", "randn", "reciprocal", "remainder", "repeat",
    "rnn", "roll", "sign", "sin", "sinh", "split", "square", "squeeze", "stack", "std",
    "swapaxes", "tan", "tensor", "tensordot", "tile", "trace", "tril", "triu", "unbroadcast",
    "unsqueeze", "vstack", "where", "zeros",
]
