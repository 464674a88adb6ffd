"""float16 cumsum's backward rounds its result to float16 before the op below it reads it, as
torch's (each op's result a float16 tensor): x.grad of cumsum(x * c) * w bit for bit torch's.
Found by mutation testing (helper hM): handing float32 on was not caught."""
import numpy as np
import pytest

from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")


def test_float16_cumsum_gradient_through_a_product_is_torchs_bit_for_bit():
    rng = np.random.default_rng(0)
    xn = rng.uniform(-1, 1, 2000).astype(np.float16)
    wn = rng.uniform(-1, 1, 2000).astype(np.float16)
    c = np.full(1, 1.37, np.float16)
    x = Tensor(xn, requires_grad=True)
    ((x * Tensor(c)).cumsum(0) * Tensor(wn)).sum().backward()
    tx = torch.tensor(xn, requires_grad=True)
    ((tx * torch.tensor(c)).cumsum(0) * torch.tensor(wn)).sum().backward()
    assert x.grad.dtype == np.float16
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
