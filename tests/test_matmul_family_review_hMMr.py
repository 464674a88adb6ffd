"""Review of the matrix-product family change (helper hMMr): integer addmm & co. keep their
dtype, so beta and alpha take torch's integer rules (an unsigned tensor takes a negative
alpha as its wrapped value; one past the dtype's range is refused naming the op); x and the
product are scaled in their result dtype (a uint8 x beside an int64 product wrapped x * beta
in uint8; addr's int16 outer product beside a float64 x wrapped 300 * 300); F.linear with a
1-D input takes torch's (1, out) bias."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F


def _u8(a):
    return tg.tensor(np.array(a, dtype=np.uint8))


def test_uint8_addmm_negative_alpha_beta_wraps_as_torch():
    x, a, b = _u8([[9]]), _u8([[200, 3]]), _u8([[7], [5]])
    out = tg.addmm(x, a, b, alpha=-3, beta=-1)
    assert out.dtype == np.uint8
    assert int(out.data[0, 0]) == ((200 * 7 + 3 * 5) * -3 - 9) % 256 == 98  # torch: 98


@pytest.mark.parametrize("op", ["addmv", "addr", "baddbmm", "addbmm"])
def test_uint8_siblings_negative_alpha(op):
    rng = np.random.default_rng(1)
    shapes = {"addmv": ((3,), (3, 2), (2,)), "addr": ((3, 2), (3,), (2,)),
              "baddbmm": ((2, 3, 2), (2, 3, 4), (2, 4, 2)),
              "addbmm": ((3, 2), (2, 3, 4), (2, 4, 2))}[op]
    arrs = [rng.integers(0, 256, s).astype(np.uint8) for s in shapes]
    out = getattr(tg, op)(*[tg.tensor(v) for v in arrs], beta=-2, alpha=-255)
    wide = [v.astype(np.int64) for v in arrs]
    prod = {"addmv": lambda: wide[1] @ wide[2], "addr": lambda: np.outer(wide[1], wide[2]),
            "baddbmm": lambda: wide[1] @ wide[2],
            "addbmm": lambda: (wide[1] @ wide[2]).sum(0)}[op]()
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.data, ((-2 * wide[0] - 255 * prod) % 256).astype(np.uint8))


@pytest.mark.parametrize("v", [300, -129, 2**63])
def test_integer_alpha_past_the_dtype_refused_naming_the_op(v):
    a = tg.tensor(np.ones((2, 2), np.int8))
    with pytest.raises(OverflowError, match=r"addmm: .*alpha"):
        tg.addmm(a, a, a, alpha=v)


def test_uint8_x_beside_int64_product_scaled_in_int64():
    x = _u8([[200]])
    m = tg.tensor(np.array([[1]], dtype=np.int64))
    out = tg.addmm(x, m, m, beta=2)
    assert out.dtype == np.int64 and int(out.data[0, 0]) == 401  # (wrapped: 145)
    out = tg.addmm(x, m, m, beta=-2)
    assert int(out.data[0, 0]) == -399


def test_int8_x_beside_float_product_scaled_exactly():
    x = tg.tensor(np.array([[100]], dtype=np.int8))
    m = tg.tensor(np.array([[0.5]]))
    assert float(tg.addmm(x, m, m, beta=3).data[0, 0]) == 300.25  # (wrapped: 44.25)


def test_addr_int16_vectors_beside_float64_x_in_float64():
    x = tg.tensor(np.array([[1.5, 2.0]]))
    a, b = (tg.tensor(np.array(v, dtype=np.int16)) for v in ([300], [3, 300]))
    np.testing.assert_array_equal(tg.addr(x, a, b, beta=2).data, [[903.0, 90004.0]])


def test_addr_mixed_dtypes_gradient():
    x = tg.tensor(np.array([[1.5, 2.0]]), requires_grad=True)
    a = tg.tensor(np.array([2.0], dtype=np.float32), requires_grad=True)
    b = tg.tensor(np.array([3.0, 4.0], dtype=np.float32), requires_grad=True)
    tg.addr(x, a, b, beta=2, alpha=3).sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0]])
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad, [21.0])
    np.testing.assert_allclose(b.grad, [6.0, 6.0])


@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("out_f", [0, 2, 3])
def test_linear_1d_input_row_bias_as_torch(dt, out_f):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(out_f)
    x0, W0, b0 = (rng.standard_normal(s).astype(dt) for s in ((4,), (out_f, 4), (1, out_f)))
    x, W, b = (tg.tensor(v, requires_grad=True) for v in (x0, W0, b0))
    tx, tW, tb = (torch.tensor(v, requires_grad=True) for v in (x0, W0, b0))
    out, tout = F.linear(x, W, b), torch.nn.functional.linear(tx, tW, tb)
    assert out.shape == tuple(tout.shape) == (out_f,)
    g = rng.standard_normal(out_f).astype(dt)
    (out * tg.tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    tol = 1e-12 if dt == np.float64 else 1e-5
    for ours, theirs in ((out.data, tout), (x.grad, tx.grad), (W.grad, tW.grad), (b.grad, tb.grad)):
        assert np.asarray(ours).shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=tol, atol=tol)


def test_linear_1d_input_other_2d_bias_still_refused():
    x, W = tg.tensor(np.ones(3)), tg.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="linear: a bias of shape"):
        F.linear(x, W, tg.tensor(np.ones((3, 2))))


_DTS = ["int8", "uint8", "int16", "int32", "int64"]


def test_integer_family_against_torch_seeded():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    checked = 0
    for it in range(400):
        op = ["addmm", "addmv", "addr", "baddbmm", "addbmm"][it % 5]
        a, b, c = (int(v) for v in rng.integers(1, 4, 3))
        B = int(rng.integers(1, 3))
        shapes = {"addmm": ((a, c), (a, b), (b, c)), "addmv": ((a,), (a, b), (b,)),
                  "addr": ((a, b), (a,), (b,)), "baddbmm": ((B, a, c), (B, a, b), (B, b, c)),
                  "addbmm": ((a, c), (B, a, b), (B, b, c))}[op]
        dt = np.dtype(_DTS[it % len(_DTS)])
        info = np.iinfo(dt)
        arrs = [rng.integers(info.min, info.max, s, dtype=dt, endpoint=True) for s in shapes]
        lo = -int(info.max) if dt.kind == "u" else int(info.min)
        beta, alpha = (int(v) for v in rng.integers(max(lo, -300), min(int(info.max), 300), 2))
        theirs = getattr(torch, op)(*[torch.tensor(v) for v in arrs], beta=beta, alpha=alpha)
        ours = getattr(tg, op)(*[tg.tensor(v) for v in arrs], beta=beta, alpha=alpha)
        assert ours.dtype == dt
        np.testing.assert_array_equal(ours.data, theirs.numpy(),
                                      err_msg=f"{op} {dt} {beta} {alpha}")
        checked += 1
    assert checked == 400
