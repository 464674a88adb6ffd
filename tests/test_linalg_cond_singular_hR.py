"""linalg.cond of singular matrices against torch 2.13: 'nuc' is torch's sum(s) sum(1/s) (it
was norm(A) norm(A^-1): inf for a numerically singular A where torch's is big but finite, inf
for a zero A where torch's is NaN), and 'fro', 1, -1, inf, -inf of a matrix that LAPACK's
inverse found exactly singular but getrf's LU (torch's, the one cond decides on) did not
raised "inverse: ... singular" (torch's: a big finite number; torch.linalg.inv too)."""

import math

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import linalg as LA

SING = np.array([[1.0, 2.0], [2.0, 4.0]])  # singular; s_min is round-off
SING3 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
EXACT = np.diag([1.0, 1.0, 0.0])
ZERO = np.zeros((2, 2))
PS = ["fro", "nuc", 1, -1, math.inf, -math.inf]


def _kind(v):
    return "nan" if math.isnan(v) else "inf" if math.isinf(v) else "finite"


def _cond(m, p):
    return float(LA.cond(Tensor(m), p).data)


def test_nuc_of_a_numerically_singular_matrix_is_big_and_finite():
    for m in (SING, SING3):
        assert 1e15 < _cond(m, "nuc") < math.inf


def test_nuc_of_zero_exact_singular_and_nonfinite_matrices():
    assert math.isnan(_cond(ZERO, "nuc"))
    assert _cond(EXACT, "nuc") == math.inf
    assert math.isnan(_cond(np.array([[math.inf, 1.0], [1.0, 2.0]]), "nuc"))
    batch = LA.cond(Tensor(np.stack([np.array([[1.0, 2.0], [3.0, 4.0]]), ZERO])), "nuc").data
    assert batch[0] == pytest.approx(17.0) and math.isnan(batch[1])


@pytest.mark.parametrize("p", [p for p in PS if p != "nuc"])
def test_norm_ps_of_a_matrix_lapack_calls_singular_is_torchs_big_number(p):
    assert 1e16 < _cond(SING3, p) < math.inf


def test_inverse_of_that_matrix_is_finite_as_torchs():
    x = LA.inv(Tensor(SING3)).data
    assert np.isfinite(x).all() and np.abs(x).max() > 1e15
    with pytest.raises(tg.linalg.LinAlgError, match="singular"):  # (an exact one: refused)
        LA.inv(Tensor(EXACT))


def test_nuc_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    m = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = Tensor(m, requires_grad=True)
    LA.cond(x, "nuc").backward()
    t = torch.tensor(m, requires_grad=True)
    torch.linalg.cond(t, "nuc").backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("p", PS)
@pytest.mark.parametrize("m", [SING, SING3, EXACT, ZERO], ids=["sing", "sing3", "exact", "zero"])
def test_torch_oracle_kind_of_value(m, p):
    """inf, NaN or finite as torch's; finite values within round-off's reach (s_min is
    noise for sing and sing3 with 'nuc', and sing3's inverse is round-off noise whose size
    depends on the CPU's LAPACK kernels (it differed by 40% on another machine), so there
    only the kind and the order of magnitude are compared)."""
    torch = pytest.importorskip("torch")
    ours, theirs = _cond(m, p), float(torch.linalg.cond(torch.tensor(m), p))
    assert _kind(ours) == _kind(theirs)
    if _kind(ours) == "finite" and (p == "nuc" or m is SING3):
        assert 1e15 < ours and 1e15 < theirs
    elif _kind(ours) == "finite":
        assert ours == pytest.approx(theirs, rel=1e-6)
