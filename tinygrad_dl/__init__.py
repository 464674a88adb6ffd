"""tinygrad_dl: a small, honest reverse-mode autodiff on NumPy, and the four course models.

Every op is reachable here under its NumPy and PyTorch names (`tg.exp`, `tg.cat`,
`tg.concatenate`, ...): they come from the one op table, tinygrad_dl.optable, as do the
dtype names (`tg.float32`, `tg.float`, `tg.long`, ...).
"""

import os as _os
import signal as _signal
import sys as _sys

# Only for the `tinygrad-dl` console script itself, by its exact names (pip's launchers: the
# script; on Windows an .exe, or a -script.py(w) beside it): a user's own script, say
# tinygrad-dl-mytrain.py, keeps Python's Ctrl-C (its except/finally must run).
if _os.path.basename(_sys.argv[0] if _sys.argv else "") in (
        "tinygrad-dl", "tinygrad-dl.exe", "tinygrad-dl-script.py", "tinygrad-dl-script.pyw"):
    # The `tinygrad-dl` program: Ctrl-C while its modules load (seconds on a busy machine) is
    # one line and exit 130, not a 30-line traceback; nothing is open yet, so nothing is lost.
    # `cli.main` replaces this handler before it parses the command line.
    def _interrupted(signum: int, frame: object) -> None:
        # (a newline first only on a terminal, after its echo of ^C: in a pipe or a log it
        # was a blank line before the one line)
        _os.write(2, b"\ntinygrad-dl: interrupted\n"[0 if _os.isatty(2) else 1:])
        _os._exit(130)

    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, _interrupted)

import builtins
import importlib
import math
import os
from collections.abc import Mapping
from typing import Any

from . import functional
from .anomaly import AnomalyError, detect_anomaly
from .device import absent_name as _absent_name
from .device import (
    accelerator,
    backends,
    cuda,
    device,
    get_default_device,
    set_default_device,
)
from .device import check_device as device_check
from .engine import (
    Function,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    name_scope,
    no_grad,
    unbroadcast,
)
from .functional import dtypes as _dtypes  # (torch.get_default_dtype, finfo, typename, ...)
from .functional import recurrent as _recurrent  # (torch.lstm_cell, gru_cell, ...)
from .functional import sampling as _sampling  # (torch.poisson, binomial)
from .functional import settings as _settings  # (torch.set_printoptions, set_num_threads, ...)
from .functional import tensor_functions as _tensor_functions  # (torch.fill, t_copy, ...)
from .functional import torch_spellings as _torch_spellings  # (torch.conv1d, torch.sin_, ...)
from .functional.buffers import frombuffer  # (torch.frombuffer: shares the buffer)
from .functional.constructors import range as range  # noqa: A004 (torch.range: not in __all__)
from .functional.counting import histogramdd
from .functional.joins import broadcast_shapes, constant_pad_nd
from .grad_mode import set_grad_enabled
from .optable import namespace, numpy_calls
from .random import Generator, default_generator, initial_seed, manual_seed, seed
from .tensor import Size, Tensor, ValuesIndices

# torch's constants: torch.pi, torch.e, torch.inf, torch.nan (Python floats), torch.newaxis (None)
pi, e, inf, nan, newaxis = math.pi, math.e, math.inf, math.nan, None

_OPS = namespace()  # every op under each of its NumPy and PyTorch names, and the dtype names
globals().update(_OPS)
_TORCH_FUNCTIONS = (_dtypes, _settings, _torch_spellings, _tensor_functions, _sampling,
                    _recurrent)  # (their __all__: tinygrad_dl.<name>, after the op table's)
for _module in _TORCH_FUNCTIONS:
    globals().update({n: getattr(_module, n) for n in _module.__all__})
# NumPy's functions on a tensor (np.concatenate([a, b]), np.where(m, x, 0)): the op of that
# name, on the graph, or NumPy's own code where its result carries no gradient (see there)
Tensor.__array_function__ = numpy_calls.array_function

# PyTorch's paths: `import tinygrad_dl as torch` then torch.nn.Linear, torch.optim.SGD,
# torch.autograd.Function, torch.utils.data.DataLoader (imported last: they build on the above)
from . import autograd, nn, optim, utils  # noqa: E402  isort: skip
# (torch.optim.swa_utils builds on nn, which imports optim: so not optim/__init__'s, but here)
from .optim import swa_utils as _swa_utils  # noqa: E402, F401  isort: skip
from . import linalg  # noqa: E402, F401  isort: skip  (torch.linalg: tg.linalg.svd)
from . import special  # noqa: E402, F401  isort: skip  (torch.special: tg.special.ndtr)
from . import distributions  # noqa: E402, F401  isort: skip  (torch.distributions)
from . import func  # noqa: E402, F401  isort: skip  (torch.func: tg.func.functional_call)
from .linalg import torch_norms as _torch_norms  # noqa: E402  isort: skip  (torch.nuclear_norm)

globals().update({n: getattr(_torch_norms, n) for n in _torch_norms.__all__})


# PyTorch's names a ported training script meets that have no counterpart here: one line naming
# what to write instead (it was "module 'tinygrad_dl' has no attribute 'autocast'")
_NOT_HERE = {
    "autocast": "mixed precision is not implemented: each op computes in its tensors' own "
                "dtype (float64 by default, or float32); drop the `with torch.autocast(...)` "
                "line, or cast the model and batches with .float()",
    "amp": "mixed precision (autocast, GradScaler) is not implemented: drop the scaler, "
           "writing loss.backward() for scaler.scale(loss).backward(), opt.step() for "
           "scaler.step(opt), and nothing for scaler.update()",
    "cpu": "there is no torch.cpu module (everything runs on the CPU); for "
           "torch.cpu.amp.autocast: mixed precision is not implemented (each op computes in "
           "its tensors' own dtype): drop the `with torch.cpu.amp.autocast(...)` line",
    "compile": "there is no torch.compile: call the model as it is, or compile a whole "
               "training step with tinygrad_dl.jit.jit (docs/jit.md)",
    "embedding_bag": "torch.embedding_bag is ATen's kernel (weight first, mode an int, a "
                     "4-tuple of its internals back); call "
                     "tinygrad_dl.nn.functional.embedding_bag(input, weight, offsets, ...)",
}


def __getattr__(name: str) -> Any:
    if name == "testing":  # torch.testing (assert_close, make_tensor): loaded on first use, as
        # the package's edge table (~0.8 s) and hypothesis kit would slow every import by 40%;
        # it sits above this package's layers, so an import statement here would be one too
        return importlib.import_module(".testing", __name__)
    if name in _NOT_HERE:
        msg = f"tinygrad_dl.{name}: {_NOT_HERE[name]}"
        # `from torch import autocast` (IMPORT_FROM) turns an AttributeError into Python's
        # "cannot import name 'autocast'": there the line is raised as the ImportError
        _absent_name(__name__, msg)
    raise AttributeError(f"module 'tinygrad_dl' has no attribute {name!r}")


def numel(input: Tensor) -> int:
    """torch.numel: the number of entries of a tensor."""
    return input.numel()


def is_tensor(obj: Any) -> bool:
    """torch.is_tensor: is `obj` a tinygrad_dl Tensor (an ndarray is not)."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """torch.is_floating_point: is the tensor's dtype a floating-point one."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point: expects a Tensor, got {type(input).__name__}")
    return input.is_floating_point()


def save(obj: Any, f: Any) -> Any:
    """PyTorch's `torch.save` on tinygrad_dl's checkpoint format (an .npz, no pickle): a state
    dict (`model.state_dict()`, arrays or Tensors), a course model, or a training checkpoint (a
    dict of state dicts, optimizer/scheduler state, numbers: checkpoint's kind "tree"), to `f`."""
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"save: f must be a file path (checkpoints are written atomically to "
                        f"a path), got {type(f).__name__}")
    if isinstance(obj, Tensor):
        raise TypeError("save: a bare Tensor; save a dict of them, e.g. save({'x': t}, path), "
                        "or np.save for one array")
    if isinstance(obj, Mapping):
        obj = {k: (v.data if isinstance(v, Tensor) else v) for k, v in obj.items()}
    return _checkpoint.save(obj, f)


def load(f: Any, map_location: Any = None, pickle_module: Any = None, *, weights_only: Any = None,
         mmap: Any = None, **limits: Any) -> Any:
    """PyTorch's `torch.load`: what `save` wrote, a state dict (arrays by name, for
    `model.load_state_dict`) or the course model itself. map_location must be the CPU; files
    are never unpickled (weights_only is always true here; mmap changes nothing); `limits`:
    checkpoint.read's max_bytes and allow_nonfinite."""
    for where in (map_location.values() if isinstance(map_location, Mapping) else [map_location]):
        device_check(where, "load(map_location=...)")  # ({"cuda:0": "cpu"}: CPU arrays stay)
    if pickle_module is not None:  # (torch's 3rd positional: it was taken as weights_only)
        name = getattr(pickle_module, "__name__", type(pickle_module).__name__)
        raise TypeError(f"load: pickle_module={name} is not taken: files are never unpickled "
                        "here; leave it out")
    if mmap not in (None, False, True):
        raise TypeError(f"load: mmap must be a bool or None, got {type(mmap).__name__}")
    unknown = sorted(set(limits) - {"max_bytes", "allow_nonfinite"})
    if unknown:  # (was "read() got an unexpected keyword argument", naming no load)
        raise TypeError(f"load() got an unexpected keyword argument {unknown[0]!r}: it takes "
                        "map_location, weights_only, mmap, max_bytes and allow_nonfinite")
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"load: f must be a file path, got {type(f).__name__}")
    obj = _checkpoint.load(f, **limits)
    return obj[0] if isinstance(obj, tuple) else obj  # a model: (model, extra) -> model

# the checkpoint format behind save/load sits above the models: imported last, when everything
# the models import from this package is defined
from . import checkpoint as _checkpoint  # noqa: E402  isort: skip

__version__ = "0.1.0"

# `from tinygrad_dl import *` must not shadow Python's builtins (float, int, max, sum, ...):
# float(loss) would silently become np.float32(loss); they stay reachable as tg.float, tg.max
__all__ = [
    "Generator", "Size", "accelerator", "autograd", "backends", "cuda", "default_generator",
    "device", "get_default_device", "inference_mode", "initial_seed", "is_floating_point",
    "is_tensor", "load", "pi", "e", "inf", "nan", "newaxis", "frombuffer",
    "manual_seed", "numel",
    "nn", "optim", "save", "seed", "set_default_device", "set_grad_enabled", "utils",
    "AnomalyError", "Function", "Tensor", "ValuesIndices", "detect_anomaly", "enable_grad",
    "functional", "is_grad_enabled", "name_scope", "no_grad", "unbroadcast",
    *(n for m in _TORCH_FUNCTIONS for n in m.__all__),
    "broadcast_shapes", "constant_pad_nd", "histogramdd",  # (`range` is left out: the
    # star import keeps Python's range)
    *_torch_norms.__all__,
    *sorted(n for n in _OPS if not hasattr(builtins, n)),
]
