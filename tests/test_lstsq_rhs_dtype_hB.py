"""linalg.lstsq checks B as every solve does (helper hB, ops.linalg_lu.rhs_dtype): an integer
B is refused naming B and its shape (the generic "expects a floating-point tensor" named
neither), and a float16 one too (it was solved in float64). torch 2.13 refuses both."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor

_A = np.arange(12.0).reshape(4, 3) ** 0.5


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.float16])
def test_lstsq_refuses_non_lapack_b(dtype) -> None:
    torch = pytest.importorskip("torch")
    b = np.ones((4, 2), dtype)
    with pytest.raises(RuntimeError, match="Expected input and other to have the same dtype"):
        torch.linalg.lstsq(torch.from_numpy(_A), torch.from_numpy(b))
    want = (r"^linalg\.lstsq: dtype float16 is not supported [^\n]*cast B of shape \(4, 2\)"
            if dtype is np.float16 else rf"^linalg\.lstsq: B has dtype {np.dtype(dtype)}; "
            r"expects a floating-point tensor \(float32 or float64\): cast B of shape \(4, 2\)")
    with pytest.raises(TypeError, match=want):
        tg.linalg.lstsq(Tensor(_A), Tensor(b))
