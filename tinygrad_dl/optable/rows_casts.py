"""Op-table rows of copies and casts (tinygrad_dl/tensor/casts.py, complex_numbers.py,
functional/tensor_functions.py): x.byte() (and char, short), conj and real."""

from __future__ import annotations

from .. import ops
from ..functional.tensor_functions import real
from .spec import OpInfo

ROWS: tuple[OpInfo, ...] = (
    OpInfo("byte", ops.Cast, "torch's x.byte(), x.char(), x.short(): uint8, int8, int16 copies",
           "Copies and casts", methods=("byte", "char", "short"), sample=None,
           no_grad="a constant: an integer result", float32=False),
    OpInfo("conj", "x itself", "torch's x.conj(), resolve_conj(), resolve_neg(): x itself (a "
           "real tensor; x.conj() of a complex one: its conjugate, a constant)",
           "Copies and casts", methods=("conj", "resolve_conj", "resolve_neg"),
           torch=("conj",), ref=lambda a: a, grad="g (x itself)"),
    OpInfo("real", "x itself", "torch's x.real: x itself (a real tensor; x.imag is refused); of a "
           "complex one: its parts, constants",
           "Copies and casts", methods=("real",), torch=("real",), function=real,
           call=lambda t: t.real, ref=lambda a: a,
           grad="g (x itself)"),
)
