"""Second review of the porting-journey messages: the `from ... import` spellings of the names
that raise one line (Python turned the AttributeError into "cannot import name"), and
NumPy's memoryview attributes on a gradient's `.data` (now the array itself)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg


@pytest.mark.parametrize("line, match", [
    ("from tinygrad_dl import autocast", r"^tinygrad_dl\.autocast: mixed precision is not"),
    ("from tinygrad_dl import compile", r"^tinygrad_dl\.compile: there is no torch\.compile"),
    ("from tinygrad_dl import amp", r"^tinygrad_dl\.amp: mixed precision"),
    ("from tinygrad_dl import cpu", r"^tinygrad_dl\.cpu: there is no torch\.cpu module.*"
     r"torch\.cpu\.amp\.autocast: mixed precision is not implemented"),
    ("from tinygrad_dl.autograd import gradcheck",
     r"^tinygrad_dl\.autograd\.gradcheck: not here; use tinygrad_dl\.gradcheck\.gradcheck"),
])
def test_from_import_of_a_missing_torch_name_says_what_to_write(line: str, match: str) -> None:
    # `from torch.autograd import gradcheck` is torch's docs' spelling; it said only
    # "cannot import name 'gradcheck' from 'tinygrad_dl.autograd'"
    with pytest.raises(ImportError, match=match):
        exec(line, {})
    # the attribute spelling stays an AttributeError (hasattr, getattr with a default)
    name = line.rsplit(" ", 1)[1]
    mod = tg.autograd if "autograd" in line else tg
    assert not hasattr(mod, name) and getattr(mod, name, None) is None
    with pytest.raises(ImportError, match=r"cannot import name 'nope'"):
        exec("from tinygrad_dl import nope", {})


@pytest.mark.parametrize("name", ["readonly", "c_contiguous", "cast", "format"])
def test_a_memoryview_attribute_on_grad_data_names_memoryview(name: str) -> None:
    # `p.grad.data` was NumPy's memoryview (`g.data.readonly` worked); now it is the array,
    # and the message said "PyTorch's .readonly() is not there"
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with pytest.raises(AttributeError, match=rf"memoryview\(g\)\.{name} for that$"):
        getattr(w.grad.data, name)
    assert getattr(memoryview(w.grad), name) is not None and w.grad.data is w.grad
    np.testing.assert_array_equal(np.frombuffer(w.grad.data, np.float64), [2.0, 4.0])


def test_cpu_amp_autocast_says_mixed_precision_is_not_implemented() -> None:
    # the CPU's spelling of autocast (`torch.cpu.amp.autocast(dtype=torch.bfloat16)`) said
    # "module 'tinygrad_dl' has no attribute 'cpu'", beside torch.autocast's and cuda.amp's lines
    with pytest.raises(AttributeError, match=r"^tinygrad_dl\.cpu: .*mixed precision is not"):
        tg.cpu.amp.autocast(dtype=tg.float32)  # type: ignore[attr-defined]

