"""The norm of one entry per slice is |x| (helper hB), torch's value for every ord but 0: the
2-norm sqrt(x * x) of [1e-310] (or of anything below 1.5e-162) was 0 and of [1e200] inf,
where torch gives the entry; its gradient is sign(x) (torch's for ord 2; for ord 3 torch's
is nan there), nan at +-inf (torch's). Two or more entries keep sqrt(sum x^2), bit for bit
(torch's 0 for [1e-310, 2e-310] too). And the 2-norm of a complex tensor is real (x * x made
[1j, 1]'s 0j)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor

ORDS = [2, 3, -1, 0.5]  # (1 and +-inf gave |x| already)
ONE = [1e-310, 5e-324, -1e-170, 1e-200, 1e200, -1.7e308, 1.1, 0.0]


@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm_of_one_entry_is_torchs(ord) -> None:
    torch = pytest.importorskip("torch")
    for v in ONE:
        want = torch.linalg.vector_norm(torch.tensor([v], dtype=torch.float64), ord=ord).item()
        assert want == abs(v)
        got = tg.linalg.vector_norm(Tensor(np.array([v])), ord=ord).item()
        assert got == want, (v, ord, got)


def test_norm_spellings_of_one_entry() -> None:
    torch = pytest.importorskip("torch")
    x = np.array([[1e-200], [-3e-310]])
    tx = torch.from_numpy(x)
    pairs = [
        (Tensor(x[:1, 0]).norm(), torch.tensor(x[:1, 0]).norm()),
        (tg.linalg.norm(Tensor(x[:1])), torch.linalg.norm(tx[:1])),
        (tg.linalg.matrix_norm(Tensor(x[:1])), torch.linalg.matrix_norm(tx[:1])),
        (tg.linalg.vector_norm(Tensor(x), dim=1), torch.linalg.vector_norm(tx, dim=1)),
        (Tensor(x).norm(axis=1, keepdims=True), tx.norm(dim=1, keepdim=True)),
        (tg.linalg.vector_norm(Tensor(np.float64(1e-200))),
         torch.linalg.vector_norm(torch.tensor(1e-200, dtype=torch.float64))),
    ]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert (tg.linalg.vector_norm(Tensor(np.array([1e-40], np.float32))).item()
            == np.float32(1e-40))  # (float32 squares underflow from 1e-23)


@pytest.mark.parametrize("ord", [2, 3, 1, -1])
def test_one_entry_gradient_is_sign(ord) -> None:
    torch = pytest.importorskip("torch")
    for v in [1e-200, -1e-310, -2.5]:
        x = Tensor(np.array([v]), requires_grad=True)
        tg.linalg.vector_norm(x, ord=ord).backward()
        assert x.grad[0] == math.copysign(1.0, v), (v, ord)
        if ord in (1, 2):  # torch's (its ord 3 and -1 give nan at 1e-200)
            tx = torch.tensor([v], dtype=torch.float64, requires_grad=True)
            torch.linalg.vector_norm(tx, ord=ord).backward()
            assert tx.grad.item() == x.grad[0]
    x = Tensor(np.array([1e-200]), requires_grad=True)
    x.norm().backward()
    assert x.grad[0] == 1.0  # (before: 0, the norm's 0)
    for v in [math.inf, -math.inf]:  # x / |x|: nan, torch's
        x = Tensor(np.array([v]), requires_grad=True)
        tg.linalg.vector_norm(x, ord=ord).backward()
        tx = torch.tensor([v], dtype=torch.float64, requires_grad=True)
        torch.linalg.vector_norm(tx, ord=ord).backward()
        np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_several_entries_keep_the_sum_of_squares() -> None:
    """Not |x|: the common path, bit for bit; where the sum of squares underflows, rescaled
    (torch's underflows to 0: the exact norm is 2.236e-310)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for dt in (np.float32, np.float64):
        x = rng.standard_normal((5, 7)).astype(dt)
        for axis in (None, 0, 1):
            want = np.sqrt(np.add.reduce(x * x, axis=axis))
            assert tg.linalg.vector_norm(Tensor(x), dim=axis).data.tobytes() == want.tobytes()
            assert Tensor(x).norm(axis=axis).data.tobytes() == want.tobytes()
    tiny = np.array([1e-310, 2e-310])
    assert torch.linalg.vector_norm(torch.from_numpy(tiny)).item() == 0.0
    got = tg.linalg.vector_norm(Tensor(tiny)).item()  # (before: 0)
    assert abs(got - math.sqrt(5) * 1e-310) <= 1e-6 * 1e-310
    assert tg.linalg.vector_norm(Tensor(np.array([5e-324]))).item() == 5e-324  # (before: 0)


def test_complex_two_norm_is_real() -> None:
    torch = pytest.importorskip("torch")
    for dt in (np.complex128, np.complex64):
        z = np.array([1j, 1, 3 - 4j], dt)
        for ours, theirs in [(Tensor(z).norm(), torch.from_numpy(z).norm()),
                             (Tensor(z).norm(p=2, axis=0), torch.from_numpy(z).norm(p=2, dim=0))]:
            assert ours.data.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
            np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
