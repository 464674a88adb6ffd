"""Two-operand LAPACK solves refuse float16 in either operand in one line naming the op and
the operand (NumPy's "array type float16 is unsupported in linalg" named neither), and cross
refuses bool inputs naming cross (NumPy's error named the `-` operator)."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import linalg as LA

A = np.eye(3) * 2 + 0.1
B = np.ones((3, 2))
F16, F32 = np.float16, np.float32


def _t(a, dt):
    return tg.Tensor(np.asarray(a, dt))


@pytest.mark.parametrize("call, who, operand", [
    (lambda: LA.solve(_t(A, F32), _t(B, F16)), "linalg.solve", "B"),
    (lambda: LA.solve(_t(A, F32), _t(np.ones(3), F16)), "linalg.solve", "B"),
    (lambda: LA.solve(_t(A, F32), _t(B.T, F16), left=False), "linalg.solve", "B"),
    (lambda: LA.solve(_t(A, F16), _t(B, F32)), "linalg.solve", "A"),
    (lambda: LA.solve(_t(A, F16), _t(B, F16)), "linalg.solve", "A"),
    (lambda: LA.solve_ex(_t(A, F32), _t(B, F16)), "linalg.solve_ex", "B"),
    (lambda: LA.solve_ex(_t(A, F16), _t(B, F16)), "linalg.solve_ex", "A"),
    (lambda: LA.tensorsolve(_t(A, F32), _t(np.ones(3), F16)), "linalg.tensorsolve", "B"),
    (lambda: _t(B, F16).cholesky_solve(_t(np.eye(3), F32)), "cholesky_solve", "B"),
    (lambda: tg.cholesky_solve(_t(B, F16), _t(np.eye(3), F32)), "cholesky_solve", "B"),
    # (the factor named L, not "the input": torch's name for cholesky_solve's B)
    (lambda: _t(B, F32).cholesky_solve(_t(np.eye(3), F16)), "cholesky_solve", "L"),
    (lambda: _t(B, F16).cholesky_solve(_t(np.eye(3), F16)), "cholesky_solve", "L"),
    (lambda: _t(np.eye(3), F16).cholesky_inverse(), "cholesky_inverse", "L"),
])
def test_float16_operand_of_a_solve_is_refused_naming_the_op(call, who, operand):
    with pytest.raises(TypeError, match=rf"^{who}: dtype float16 is not supported .*cast "
                                        rf"{operand} of shape"):
        call()


def test_float16_refusal_is_one_line_with_the_shape():
    with pytest.raises(TypeError) as e:
        LA.solve(_t(A, F32), _t(B, F16))
    assert "\n" not in str(e.value) and "(3, 2)" in str(e.value)


def test_the_same_solves_in_float32_and_float64_still_agree():
    x32 = LA.solve(_t(A, F32), _t(B, F32)).data
    x64 = LA.solve(_t(A, np.float64), _t(B, np.float32)).data  # (NumPy's promotion: kept)
    np.testing.assert_allclose(x32, np.linalg.solve(A, B), rtol=1e-5)
    np.testing.assert_allclose(x64, np.linalg.solve(A, B), rtol=1e-12)
    assert x32.dtype == np.float32 and x64.dtype == np.float64


def test_torch_oracle_refuses_float16_solves():
    torch = pytest.importorskip("torch")
    a, b = torch.tensor(A, dtype=torch.float32), torch.tensor(B, dtype=torch.float32)
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.linalg.solve(a, b.half())
    with pytest.raises(NotImplementedError, match="Half"):
        torch.linalg.solve(a.half(), b.half())
    with pytest.raises(NotImplementedError, match="Bool"):
        torch.linalg.cross(torch.ones(2, 3, dtype=torch.bool), torch.ones(2, 3, dtype=torch.bool))


@pytest.mark.parametrize("call, who", [
    (lambda a, b: LA.cross(a, b), "linalg.cross"),
    (lambda a, b: tg.cross(a, b), "cross"),
    (lambda a, b: a.cross(b), "cross"),
    (lambda a, b: a.cross(b, dim=-1), "cross"),
])
def test_cross_of_bool_inputs_is_refused_naming_cross(call, who):
    a = tg.Tensor(np.array([[True, False, True], [False, True, True]]))
    with pytest.raises(TypeError, match=rf"^{who}: bool inputs are not supported \(shapes "
                                        r"\(2, 3\) and \(2, 3\)\)"):
        call(a, a)


def test_cross_of_int_and_of_bool_with_float_still_works():
    i = tg.Tensor(np.array([[1, 2, 3]]))
    j = tg.Tensor(np.array([[4, 5, 6]]))
    out = LA.cross(i, j)
    assert out.data.dtype == np.int64
    np.testing.assert_array_equal(out.data, np.cross([[1, 2, 3]], [[4, 5, 6]]))
    f = LA.cross(tg.Tensor(np.array([[1.0, 2.0, 3.0]])), tg.Tensor(np.array([[True, False, True]])))
    np.testing.assert_array_equal(f.data, np.cross([[1.0, 2.0, 3.0]], [[1.0, 0.0, 1.0]]))
