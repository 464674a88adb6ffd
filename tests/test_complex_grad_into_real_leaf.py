"""A complex gradient reaching a real tensor in backward. Ops on complex values may record
(`x * 1j` with x requiring grad: only a complex leaf is refused), but their backwards do not
conjugate as torch's convention does, so the gradient at x can be wrong even in its real part:
`(x * 1j).abs().sum()` gave x.grad = -1 (torch +1), the imaginary part dropped with only
NumPy's ComplexWarning. Now one TypeError naming the tensor; real graphs and complex results
without a gradient are as before."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor

J = np.array([1j, 1j])


@pytest.mark.parametrize("loss", [
    lambda z: z.abs().sum(),  # wrong before: -1 where torch gives +1
    lambda z: (z + 1.0).abs().sum(),
    lambda z: (z * z).abs().sum(),
])
def test_complex_gradient_into_a_real_leaf_is_refused(loss) -> None:
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning on the way to the error
        with pytest.raises(TypeError, match=r"^backward: a complex gradient \(complex128\) "
                                            r"reached 'x' of dtype float64"):
            loss(x * Tensor(J)).backward()
    assert x.grad is None


def test_retained_real_intermediate_and_unnamed_leaf() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    with pytest.raises(TypeError, match=r"reached a tensor of shape \(2,\) of dtype float64"):
        (h * Tensor(J)).abs().sum().backward()


def test_the_abs_case_was_wrong_not_only_complex() -> None:
    torch = pytest.importorskip("torch")
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (tx * torch.from_numpy(J)).abs().sum().backward()
    assert tx.grad.tolist() == [1.0, 1.0]  # what a dropped imaginary part turned into -1


def test_real_graphs_and_dtype_casts_unchanged() -> None:
    x = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    (x * Tensor(np.array([3.0, 4.0]))).sum().backward()  # float64 gradient into float32
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 4.0]
    z = Tensor(J) * 2.0  # complex, no gradient: computed as before
    assert z.data.tolist() == [2j, 2j]
    with tg.no_grad():
        w = Tensor([1.0], requires_grad=True) * Tensor(np.array([1j]))
    assert w.data.tolist() == [1j]
