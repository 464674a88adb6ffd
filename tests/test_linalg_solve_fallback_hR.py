"""The solve family where NumPy's LAPACK kernel meets an exact zero pivot that getrf's order
(torch's; the LU inv_ex and solve_ex decide on) misses at round-off: [[1,2,3],[4,5,6],
[7,8,9]] in float64. inverse fell back to the LU path, but solve, solve(left=False),
solve_ex (info 0 yet raising), tensorsolve and solve's backward still raised "singular"
(torch's are finite). An exactly singular matrix is still refused with the same line."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import linalg as LA

SING3 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
EXACT = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 0.0, 1.0]])


def test_solve_ex_with_info_zero_does_not_raise():
    x, info = LA.solve_ex(Tensor(SING3), Tensor(np.eye(3)))
    assert int(info.data) == 0 and np.isfinite(x.data).all()


@pytest.mark.parametrize("left", [True, False])
def test_solve_is_finite_and_agrees_with_inv(left):
    x = LA.solve(Tensor(SING3), Tensor(np.eye(3)), left=left).data
    np.testing.assert_allclose(x, LA.inv(Tensor(SING3)).data, rtol=1e-12)


def test_tensorsolve_and_solve_gradient():
    assert np.isfinite(LA.tensorsolve(Tensor(SING3), Tensor(np.ones(3))).data).all()
    a = Tensor(SING3, requires_grad=True)
    b = Tensor(np.eye(3), requires_grad=True)
    LA.solve(a, b).sum().backward()
    assert np.isfinite(np.asarray(a.grad)).all() and np.isfinite(np.asarray(b.grad)).all()


def test_batched_with_nan_and_exactly_singular():
    nan = np.array([[np.nan, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    x = LA.solve(Tensor(np.stack([SING3, nan, np.eye(3)])), Tensor(np.eye(3)[None])).data
    assert np.isfinite(x[0]).all() and np.isnan(x[1]).all()
    np.testing.assert_allclose(x[2], np.eye(3), atol=1e-15)
    for m in (EXACT, np.stack([SING3, EXACT])):
        with pytest.raises(tg.linalg.LinAlgError, match=r"^solve: a matrix A of the input"):
            LA.solve(Tensor(m), Tensor(np.eye(3)))
        with pytest.raises(tg.linalg.LinAlgError, match=r"^inverse: a matrix of the input"):
            LA.inv(Tensor(m))


def test_torch_oracle():
    """Finite and huge as torch's: the entries themselves are round-off noise whose values
    depend on the CPU's LAPACK kernels (ours and torch's differed in sign on one machine)."""
    torch = pytest.importorskip("torch")
    t = torch.tensor(SING3)
    for left in (True, False):
        ours = LA.solve(Tensor(SING3), Tensor(np.eye(3)), left=left).data
        theirs = torch.linalg.solve(t, torch.eye(3, dtype=t.dtype), left=left).numpy()
        for x in (ours, theirs):
            assert np.isfinite(x).all() and np.abs(x).max() > 1e15
