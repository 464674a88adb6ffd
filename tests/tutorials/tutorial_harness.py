"""Run a PyTorch script twice, on torch and on tinygrad_dl (`import tinygrad_dl as torch`), and
compare the numbers it prints.

Only import lines are rewritten (IMPORTS); a caller's `edits` may also cut iteration counts and
download blocks. Random numbers: the two runs must draw the same values, so the torch run's
random functions (randn, rand, the *_like ones, nn.Linear's init) are routed, for that run only,
through tinygrad_dl.random's draws on a NumPy generator seeded like tinygrad_dl's default
generator (manual_seed(SEED)), in the same order and the same way tinygrad_dl draws them, and
nn.Conv2d's init copies a tinygrad_dl Conv2d drawn on that generator; Python's
`random` is seeded alike. Printed numbers are read after dropping what is not a value (object
reprs, dtype/device/grad_fn annotations) and compared with rtol=atol=RTOL.
"""

from __future__ import annotations

import contextlib
import io
import math
import random
import re
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

import tinygrad_dl
from tinygrad_dl import random as tgrandom

SEED = 0
RTOL = 1e-5

IMPORTS = [  # (PyTorch's import line, tinygrad_dl's): the only lines a tutorial changes
    ("import torch\n", "import tinygrad_dl as torch\n"),
    ("from torch import nn\n", "from tinygrad_dl import nn\n"),
    ("import torch.nn.functional as F\n", "import tinygrad_dl.nn.functional as F\n"),
    ("import torch.nn as nn\n", "import tinygrad_dl.nn as nn\n"),
    ("from torch.utils.data import DataLoader\n",
     "from tinygrad_dl.utils.data import DataLoader\n"),
    ("from torch.utils.data import DataLoader, TensorDataset\n",
     "from tinygrad_dl.utils.data import DataLoader, TensorDataset\n"),
]


def apply_edits(src: str, edits: list[tuple[str, str]], where: str) -> str:
    """Each (old, new) must match exactly once: a changed upstream script fails loudly here."""
    for old, new in edits:
        n = src.count(old)
        if n != 1:
            raise AssertionError(f"{where}: expected exactly one {old!r}, found {n}: the script "
                                 "changed upstream; update the edits")
        src = src.replace(old, new)
    return src


def to_tinygrad(src: str) -> str:
    for old, new in IMPORTS:
        src = re.sub(rf"(?m)^{re.escape(old)}", lambda m, new=new: new, src)
    return src


# ---- the torch run's random numbers, drawn as tinygrad_dl draws them ------------------------
def _shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and not isinstance(size[0], int):
        return tuple(size[0])
    return tuple(size)


@contextlib.contextmanager
def torch_draws_like_tinygrad(torch: Any, seed: int = SEED) -> Iterator[None]:
    gen = np.random.default_rng(seed)  # = tinygrad_dl's default generator after manual_seed(seed)

    def make(arr: np.ndarray, dtype: Any, requires_grad: bool) -> Any:
        t = torch.from_numpy(arr).to(dtype or torch.get_default_dtype())
        return t.requires_grad_(requires_grad)

    def randn(*size, dtype=None, requires_grad=False, **kw):
        return make(tgrandom.normal(_shape(size), np.float64, gen), dtype, requires_grad)

    def rand(*size, dtype=None, requires_grad=False, **kw):
        return make(tgrandom.uniform(_shape(size), 0.0, 1.0, np.float64, gen), dtype,
                    requires_grad)

    def rand_like(x, dtype=None, requires_grad=False, **kw):
        return rand(tuple(x.shape), dtype=dtype or x.dtype, requires_grad=requires_grad)

    def randn_like(x, dtype=None, requires_grad=False, **kw):
        return randn(tuple(x.shape), dtype=dtype or x.dtype, requires_grad=requires_grad)

    def reset_parameters(self):  # nn.Linear: weight then bias ~ U(+-1/sqrt(in)), as ours
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        with torch.no_grad():
            w = tgrandom.uniform(tuple(self.weight.shape), -bound, bound, np.float64, gen)
            self.weight.copy_(torch.from_numpy(w))
            if self.bias is not None:
                b = tgrandom.uniform(tuple(self.bias.shape), -bound, bound, np.float64, gen)
                self.bias.copy_(torch.from_numpy(b))

    def conv_reset_parameters(self):  # nn.Conv2d: drawn by tinygrad_dl's own Conv2d (its init)
        ours = tinygrad_dl.nn.Conv2d(self.in_channels, self.out_channels, self.kernel_size,
                                     groups=self.groups, bias=self.bias is not None, rng=gen)
        with torch.no_grad():
            self.weight.copy_(torch.from_numpy(ours.W.data))
            if self.bias is not None:
                self.bias.copy_(torch.from_numpy(ours.b.data))

    patches = [(torch, "randn", randn), (torch, "rand", rand), (torch, "rand_like", rand_like),
               (torch, "randn_like", randn_like),
               (torch.nn.Linear, "reset_parameters", reset_parameters),
               (torch.nn.Conv2d, "reset_parameters", conv_reset_parameters)]
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    for obj, name, fn in patches:
        setattr(obj, name, fn)
    try:
        yield
    finally:
        for obj, name, fn in saved:
            setattr(obj, name, fn)


# ---- running and reading --------------------------------------------------------------------
def run(src: str, name: str, lib: str, inject: dict[str, Any] | None = None) -> str:
    """What the script prints, run with `lib` ("torch" or "tinygrad_dl") from seeded RNGs."""
    out = io.StringIO()
    ns: dict[str, Any] = {"__name__": "__main__", **(inject or {})}
    random.seed(SEED)
    if lib == "torch":
        import torch

        ctx: Any = torch_draws_like_tinygrad(torch)
    else:
        src = to_tinygrad(src)
        tinygrad_dl.manual_seed(SEED)
        ctx = contextlib.nullcontext()
    with warnings.catch_warnings():  # the scripts' docstrings hold `\sin`: not our warning
        warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
        code = compile(src, name, "exec")
    with ctx, contextlib.redirect_stdout(out):
        exec(code, ns)  # noqa: S102  (the tutorial itself)
    return out.getvalue()


_NOT_VALUES = [
    r"<[^<>]*>",  # <AddBackward0 object at 0x...>, <class 'float'>, <Add op>
    r"\bdtype=[\w.]+", r"\bdevice=\S+?(?=[,)\s])", r"\bgrad_fn=\S+?(?=[,)\s])",
    r"\brequires_grad=\w+", r"\bop=\w+", r"\bname='[^']*'", r"\b(?:torch\.)?(?:float|int)\d+\b",
    r"[A-Za-z_][\w.]*\.\d+\.(?:weight|bias|W|b)\b",  # parameter names: their layer index stays
]
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|\binf\b")


def printed(text: str) -> list[str]:
    """The numbers a script printed, as printed."""
    for pat in _NOT_VALUES[:-1]:
        text = re.sub(pat, " ", text)
    text = re.sub(_NOT_VALUES[-1], lambda m: " " + m.group(0).split(".")[-2] + " ", text)
    return _NUMBER.findall(text)


def numbers(text: str) -> list[float]:
    return [float(s) for s in printed(text)]


def _half_ulp(s: str) -> float:
    """Half a unit in the last printed decimal of a fixed-point number (0.0193 -> 5e-5): a
    number printed to 4 decimals claims no more than that (NumPy prints .grad with 8, torch's
    tensors with 4); 0 for integers and scientific notation, compared by RTOL alone."""
    if "." not in s or "e" in s.lower():
        return 0.0
    return 0.5 * 10.0 ** -len(s.split(".")[1])


def compare(ours: str, theirs: str) -> None:
    a, b = printed(ours), printed(theirs)
    assert len(a) == len(b), (f"printed {len(a)} numbers, torch printed {len(b)}\n--- ours:\n"
                              f"{ours[:3000]}\n--- torch:\n{theirs[:3000]}")
    bad = []
    for i, (x, y) in enumerate(zip(a, b)):
        tol = max(RTOL * max(abs(float(x)), abs(float(y)), 1.0), _half_ulp(x), _half_ulp(y))
        if not abs(float(x) - float(y)) <= tol:
            bad.append((i, x, y))
    assert not bad, (f"{len(bad)} of {len(a)} printed numbers differ beyond {RTOL} (or their "
                     f"printed precision): (index, ours, torch) {bad[:8]}\n--- ours:\n"
                     f"{ours[:3000]}\n--- torch:\n{theirs[:3000]}")
