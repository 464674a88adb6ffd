"""An integer B in the solve family: cholesky_solve took it as float64 whatever the factor's
dtype (a float32 L gave a float64 result), the others refused it in a line not naming B (and
solve_ex, tensorsolve named linalg.solve). Now each refuses it with one message naming the op
and B (torch 2.13 refuses it too, saying A and B differ). float32 beside float64 stays
NumPy's promotion (float64) across the family, as docs/pytorch.md says."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import linalg as LA

A = np.array([[4.0, 1.0], [1.0, 3.0]])
L = np.linalg.cholesky(A)
BI = np.array([[1, 2], [3, 4]])


def _calls(a_dt, b):
    a = Tensor(A.astype(a_dt))
    fac = Tensor(L.astype(a_dt))
    tri = Tensor(np.triu(A).astype(a_dt))
    return [
        ("linalg.solve", lambda: LA.solve(a, b)),
        ("linalg.solve_ex", lambda: LA.solve_ex(a, b)),
        ("linalg.lu_solve", lambda: LA.lu_solve(*LA.lu_factor(a), b)),
        ("linalg.solve_triangular", lambda: LA.solve_triangular(tri, b, upper=True)),
        ("cholesky_solve", lambda: tg.cholesky_solve(b, fac)),
        ("cholesky_solve", lambda: b.cholesky_solve(fac)),
        ("triangular_solve", lambda: tg.triangular_solve(b, tri)[0]),
        ("lu_solve", lambda: b.lu_solve(*LA.lu_factor(a))),
        ("linalg.tensorsolve", lambda: LA.tensorsolve(a, b[:, 0])),
    ]


@pytest.mark.parametrize("a_dt", [np.float32, np.float64])
@pytest.mark.parametrize("i", range(9))
def test_an_integer_b_is_refused_by_every_solve_naming_b(a_dt, i):
    who, call = _calls(a_dt, tg.tensor(BI))[i]
    with pytest.raises(TypeError, match=rf"^{who}: B has dtype int64; expects a floating-point "
                                        r"tensor \(float32 or float64\): cast B of shape \(2,"):
        call()


@pytest.mark.parametrize("i", range(9))
def test_float32_beside_float64_is_float64_across_the_family(i):
    for a_dt, b_dt in ((np.float32, np.float64), (np.float64, np.float32)):
        who, call = _calls(a_dt, Tensor(BI.astype(b_dt)))[i]
        x = call()
        x = x[0] if isinstance(x, tuple) else x
        assert x.dtype == np.float64, who
    who, call = _calls(np.float32, Tensor(BI.astype(np.float32)))[i]
    assert (lambda r: r[0] if isinstance(r, tuple) else r)(call()).dtype == np.float32, who


def test_cholesky_solve_values_with_a_cast_b_match_numpy():
    x = tg.cholesky_solve(Tensor(BI.astype(np.float64)), Tensor(L)).data
    np.testing.assert_allclose(x, np.linalg.solve(A, BI), rtol=1e-12)


def test_torch_oracle_refuses_an_integer_b():
    torch = pytest.importorskip("torch")
    lt = torch.tensor(L)
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.cholesky_solve(torch.tensor(BI), lt)
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.linalg.solve(torch.tensor(A), torch.tensor(BI))
