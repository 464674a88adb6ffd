"""Tensor.cumsum_ / cumprod_ take torch's `dtype=` keyword: the tensor's own dtype computes,
another is refused in one line as torch refuses it (an in-place result keeps its dtype).
Before, `dtype=` was an unexpected keyword."""

import numpy as np
import pytest

import tinygrad_dl as tg


@pytest.mark.parametrize("method", ["cumsum_", "cumprod_"])
@pytest.mark.parametrize("dtype", [np.float64, "float64", tg.float64])
def test_the_tensors_own_dtype_computes(method, dtype):
    a = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])
    x = tg.tensor(a.copy())
    assert getattr(x, method)(1, dtype=dtype) is x
    want = np.cumsum(a, 1) if method == "cumsum_" else np.cumprod(a, 1)
    assert np.array_equal(x.data, want) and x.dtype == np.float64


@pytest.mark.parametrize("method", ["cumsum_", "cumprod_"])
def test_another_dtype_is_refused_as_torch_refuses_it(method):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        getattr(torch.tensor([1.0, 2.0], dtype=torch.float64), method)(0, dtype=torch.float32)
    x = tg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=rf"Tensor\.{method}: dtype=float32 is not the "
                                           r"tensor's float64"):
        getattr(x, method)(0, dtype=np.float32)
    assert np.array_equal(x.data, [1.0, 2.0])  # nothing written
