"""Op-table rows of constant makers (functional/constructors.py, windows.py, sampling.py):
logspace, the windows (hann, hamming, blackman, bartlett, kaiser), scalar_tensor and
randint_like. `constructors`
gives the constructor rows bernoulli and multinomial their Tensor methods."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..functional import constructors, sampling, windows
from .spec import OpInfo

NEW = "Constructors"
_CONST = "a constant: numbers made from the arguments, no tensor input"


def _made(name: str, doc: str, function: Any) -> OpInfo:
    return OpInfo(name, "NumPy (no graph)", doc, NEW, torch=(name,), function=function,
                  sample=None, no_grad=_CONST, float32=False)


ROWS: tuple[OpInfo, ...] = (
    _made("logspace", "torch.logspace(start, end, steps, base=10): base ** linspace",
          constructors.logspace),
    *(_made(f"{w}_window", f"torch.{w}_window(n, periodic=True, ...): the {w} window "
            "(periodic by default, as torch's)", getattr(windows, f"{w}_window"))
      for w in ("hann", "hamming", "blackman", "bartlett", "kaiser")),
    _made("scalar_tensor", "torch.scalar_tensor(s): a 0-d tensor, float64 by default",
          constructors.scalar_tensor),
    _made("randint_like", "torch.randint_like(x, low=0, high): integers on [low, high) in x's "
          "shape and dtype", sampling.randint_like),
)

_METHODS = {"bernoulli": ("bernoulli",), "multinomial": ("multinomial",)}


def constructors(rows: tuple[OpInfo, ...]) -> tuple[OpInfo, ...]:
    """The constructor rows, bernoulli and multinomial with their Tensor methods
    (x.bernoulli(), x.multinomial(n): tensor/sampling.py)."""
    return tuple(replace(r, methods=_METHODS[r.name]) if r.name in _METHODS else r
                 for r in rows)
