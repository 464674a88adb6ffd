"""The matrix-product family against torch 2.13 (CPU): matmul/@ (1-D and N-D, broadcast
leading dims, 0-size dims), mm, bmm, mv, dot, vdot, inner, outer/ger, addmm, addmv, addr,
baddbmm, addbmm (beta = 0 ignores NaN in the input), chain_matmul, linalg.multi_dot,
tensordot, einsum, kron, F.linear and F.bilinear: values, shapes, dtypes and the gradient of
every input (a random weighted sum), on float32 and float64, transposed and reversed inputs;
plus the regressions found by the hunt and a jit replay of a step using them, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from test_jit_inline import t, twin_runs

import tinygrad_dl as tg
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _arr(rng, shape, dt, layout):
    a = rng.standard_normal(shape).astype(dt)
    if layout == "T" and a.ndim >= 2:  # a transposed view
        return np.swapaxes(np.ascontiguousarray(np.swapaxes(a, -1, -2)), -1, -2)
    if layout == "R" and a.ndim >= 1:  # a reversed (negative-stride) view
        return np.ascontiguousarray(a[..., ::-1])[..., ::-1]
    return a


def _compare(ours, theirs, arrays, rng, rtol):
    """Forward of both on `arrays`, then the gradients of a random weighted sum."""
    tt = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    ot = [tg.tensor(a, requires_grad=True) for a in arrays]
    want, got = theirs(*tt), ours(*ot)
    w = want.detach().numpy()
    assert got.shape == w.shape and got.dtype == w.dtype
    np.testing.assert_allclose(got.numpy(), w, rtol=rtol, atol=rtol)
    wt = rng.standard_normal(w.shape)
    (want * torch.tensor(wt, dtype=want.dtype)).sum().backward()
    (got * tg.tensor(wt.astype(w.dtype))).sum().backward()
    for a, b in zip(tt, ot):
        g = np.zeros(a.shape, w.dtype) if a.grad is None else a.grad.numpy()
        assert b.grad is not None and b.grad.shape == g.shape and b.grad.dtype == g.dtype
        np.testing.assert_allclose(np.asarray(b.grad), g, rtol=10 * rtol, atol=10 * rtol)


def _cases(rng):
    """(name, ours, torch's, shapes) with random sizes 0..3."""
    n, m, p, b = (int(v) for v in rng.integers(0, 4, 4))
    beta, alpha = (float(v) for v in rng.choice([0.0, 1.0, 0.5, -2.0], 2))
    kw = {"beta": beta, "alpha": alpha}
    yield "matmul 1-D x 3-D", tg.matmul, torch.matmul, [(m,), (b, m, p)]
    yield "matmul 3-D x 1-D", tg.matmul, torch.matmul, [(b, n, m), (m,)]
    yield "matmul 1-D x 1-D", tg.matmul, torch.matmul, [(m,), (m,)]
    yield "matmul broadcast", tg.matmul, torch.matmul, [(2, 1, n, m), (b, m, p)]
    yield "mm", tg.mm, torch.mm, [(n, m), (m, p)]
    yield "bmm", tg.bmm, torch.bmm, [(b, n, m), (b, m, p)]
    yield "mv", tg.mv, torch.mv, [(n, m), (m,)]
    yield "dot", tg.dot, torch.dot, [(m,), (m,)]
    yield "vdot", tg.vdot, torch.vdot, [(m,), (m,)]
    yield "inner", tg.inner, torch.inner, [(b, m), (n, m)]
    yield "outer", tg.outer, torch.outer, [(n,), (p,)]
    yield "ger", tg.ger, torch.ger, [(n,), (p,)]
    yield ("addmm", lambda *a: tg.addmm(*a, **kw), lambda *a: torch.addmm(*a, **kw),
           [(1, p), (n, m), (m, p)])
    yield ("addmv", lambda *a: tg.addmv(*a, **kw), lambda *a: torch.addmv(*a, **kw),
           [(n,), (n, m), (m,)])
    yield ("addr", lambda *a: tg.addr(*a, **kw), lambda *a: torch.addr(*a, **kw),
           [(n, 1), (n,), (p,)])
    yield ("baddbmm", lambda *a: tg.baddbmm(*a, **kw), lambda *a: torch.baddbmm(*a, **kw),
           [(b, n, p), (b, n, m), (b, m, p)])
    yield ("addbmm", lambda *a: tg.addbmm(*a, **kw), lambda *a: torch.addbmm(*a, **kw),
           [(n, p), (b, n, m), (b, m, p)])
    yield ("multi_dot", lambda *a: tg.linalg.multi_dot(list(a)),
           lambda *a: torch.linalg.multi_dot(list(a)), [(m,), (m, n), (n, p), (p, 3), (3,)])
    yield "chain_matmul", tg.chain_matmul, torch.chain_matmul, [(n, m), (m, p), (p, 2)]
    yield ("tensordot pairs", lambda x, y: tg.tensordot(x, y, dims=([-1, 0], [1, -3])),
           lambda x, y: torch.tensordot(x, y, dims=([-1, 0], [1, -3])), [(n, p, m), (n, m, b)])
    yield ("tensordot int", lambda x, y: tg.tensordot(x, y, dims=2),
           lambda x, y: torch.tensordot(x, y, dims=2), [(b, n, m), (n, m, p)])
    for eq, shapes in (("ii->i", [(m, m)]), ("...ij,...jk->...k", [(b, 1, n, m), (1, 2, m, p)]),
                       ("bij,bjk", [(b, n, m), (b, m, p)]), ("i,j,ij", [(n,), (p,), (n, p)]),
                       ("iji->j", [(n, m, n)]), ("i...,...i->...", [(m, 2, 1), (1, 3, m)])):
        yield (f"einsum {eq}", lambda *a, eq=eq: tg.einsum(eq, *a),
               lambda *a, eq=eq: torch.einsum(eq, *a), shapes)
    yield "kron", tg.kron, torch.kron, [(n, 2), (m, p, 1)]
    yield "linear", F.linear, TF.linear, [(b, 2, m), (p, m), (p,)]
    # (torch refuses 0 in1/in2 features: "cannot reshape tensor of 0 elements"; ours computes)
    yield "bilinear", F.bilinear, TF.bilinear, [(3, n + 1), (3, m + 1), (p, n + 1, m + 1), (p,)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(4))
def test_the_family_matches_torch_values_and_gradients(seed, dtype):
    rng = np.random.default_rng(seed)
    rtol = 1e-10 if dtype == np.float64 else 2e-4
    for name, ours, theirs, shapes in _cases(rng):
        layout = str(rng.choice(["C", "T", "R"]))
        arrays = [_arr(rng, s, dtype, layout) for s in shapes]
        try:
            _compare(ours, theirs, arrays, rng, rtol)
        except AssertionError as e:
            raise AssertionError(f"{name} {[a.shape for a in arrays]} {layout}: {e}") from None


@pytest.mark.parametrize("op", ["addmm", "addmv", "addr", "baddbmm", "addbmm"])
def test_beta_zero_ignores_nan_in_the_input_as_torch(op):
    rng = np.random.default_rng(3)
    shapes = {"addmm": [(2, 3), (2, 4), (4, 3)], "addmv": [(2,), (2, 4), (4,)],
              "addr": [(2, 3), (2,), (3,)], "baddbmm": [(2, 2, 3), (2, 2, 4), (2, 4, 3)],
              "addbmm": [(2, 3), (2, 2, 4), (2, 4, 3)]}[op]
    arrays = [rng.standard_normal(s) for s in shapes]
    arrays[0][...] = np.nan
    _compare(lambda *a: getattr(tg, op)(*a, beta=0, alpha=1.5),
             lambda *a: getattr(torch, op)(*a, beta=0, alpha=1.5), arrays, rng, 1e-10)


# ---- regressions -----------------------------------------------------------------------------

@pytest.mark.parametrize("x_shape", [(4, 4, 3), (2, 0, 3), (4, 3)])
def test_linear_with_no_outputs_has_gradients_as_torch(x_shape):
    """F.linear(x (..., 3), W (0, 3)): the backward reshaped g (..., 0) with -1 ("cannot
    reshape array of size 0 into shape (0)") for 3-D x."""
    rng = np.random.default_rng(0)
    _compare(F.linear, TF.linear, [rng.standard_normal(x_shape), np.zeros((0, 3))], rng, 1e-10)
    _compare(F.linear, TF.linear, [rng.standard_normal(x_shape), np.zeros((0, 3)),
                                   np.zeros(0)], rng, 1e-10)


@pytest.mark.parametrize("x_shape,b_shape", [((3, 2, 3), ()), ((1,), ()), ((4, 3), (1,)),
                                            ((4, 3), (4, 2)), ((4, 3), (4, 1)),
                                            ((5, 4, 3), (4, 2))])
def test_linear_broadcasts_a_bias_of_another_shape_as_torch(x_shape, b_shape):
    """A 0-d (or (rows, out)) bias: forward added it, backward returned db of shape (out,) for
    it ("Linear.backward returned a gradient of shape (2,) for an input of shape ()")."""
    rng = np.random.default_rng(1)
    w = (2, 3) if x_shape != (1,) else (2, 1)
    _compare(F.linear, TF.linear, [rng.standard_normal(x_shape), rng.standard_normal(w),
                                   rng.standard_normal(b_shape)], rng, 1e-10)


@pytest.mark.parametrize("x_shape,b_shape", [((4, 3), (5, 4, 2)), ((5, 4, 3), (3,))])
def test_linear_refuses_a_bias_that_does_not_fit_in_one_line(x_shape, b_shape):
    with pytest.raises(ValueError, match=r"^linear: a bias of shape .* give a bias of shape "
                                         r"\(2,\)$"):
        F.linear(tg.ones(*x_shape), tg.ones(2, 3), tg.ones(*b_shape))


@pytest.mark.parametrize("dims", [-1, -2])
def test_tensordot_refuses_a_negative_count_as_torch(dims):
    """dims=-1 summed over range(-1) (nothing): an outer product, silently; torch refuses."""
    with pytest.raises(ValueError, match=r"^tensordot: dims=-\d is a negative count"):
        tg.tensordot(tg.ones(3, 3), tg.ones(3, 4), dims=dims)
    with pytest.raises(ValueError, match="negative count"):
        tg.tensordot(tg.ones(3, 3), tg.ones(3, 4), dims=tg.tensor(dims))
    with pytest.raises(RuntimeError):
        torch.tensordot(torch.ones(3, 3), torch.ones(3, 4), dims=dims)


def test_jit_replays_a_linear_with_no_outputs_as_eager():
    """The jit's backward_into reshaped g (n, 0) with -1 too."""
    rng = np.random.default_rng(2)
    x, W, b = t(rng.standard_normal((4, 3))), t(np.zeros((0, 3))), t(np.zeros(0))
    twin_runs(lambda: (F.linear(x, W, b).sum() + (x * x).sum()).backward(), (x, W, b), ())


# ---- the jit -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jit_replays_a_step_of_the_family_bit_for_bit(dtype):
    rng = np.random.default_rng(5)

    def p(*s):
        return t(rng.standard_normal(s).astype(dtype))

    x, W, bias, B1, B2, v, M = p(5, 4), p(3, 4), p(3), p(2, 5, 3), p(2, 3, 4), p(4), p(3, 3)

    def step():
        h = F.linear(x, W, bias).tanh()  # (5, 3)
        y = tg.bmm(B1, B2).sum(0) @ v + tg.einsum("ij,jk->i", h, M)  # (5,)
        z = tg.tensordot(h, M, dims=([1], [0])) + tg.addmm(h, x, W.T, beta=0.5, alpha=2.0)
        (y.sum() + (z * z).mean() + tg.outer(v, bias).sum() + tg.mv(M, bias).dot(bias)
         ).backward()

    twin_runs(step, (x, W, bias, B1, B2, v, M), ())


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
@pytest.mark.parametrize("op", ["addmm", "addmv", "addr", "baddbmm", "addbmm"])
@pytest.mark.parametrize("beta,alpha", [(2, 3), (0, 1), (1, np.int64(-2))])
def test_integer_tensors_with_integer_beta_alpha_stay_integers_as_torch(op, dtype, beta, alpha):
    """float(beta), float(alpha) made an integer result float64 (and addbmm's NumPy sum made
    int32 int64); torch keeps the tensors' integer dtype."""
    rng = np.random.default_rng(4)
    shapes = {"addmm": [(2, 3), (2, 4), (4, 3)], "addmv": [(2,), (2, 4), (4,)],
              "addr": [(2, 3), (2,), (3,)], "baddbmm": [(2, 2, 3), (2, 2, 4), (2, 4, 3)],
              "addbmm": [(2, 3), (2, 2, 4), (2, 4, 3)]}[op]
    arrays = [rng.integers(-5, 6, s).astype(dtype) for s in shapes]
    want = getattr(torch, op)(*map(torch.tensor, arrays), beta=beta, alpha=alpha).numpy()
    got = getattr(tg, op)(*map(tg.tensor, arrays), beta=beta, alpha=alpha)
    assert got.dtype == want.dtype and np.array_equal(got.numpy(), want)


def test_a_fractional_alpha_with_integer_tensors_computes_in_float64():
    """(torch's addmm truncates alpha=0.5 to 0, its addr refuses it: ours is the exact value)"""
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    got = tg.addmm(tg.tensor(np.ones((2, 4), np.int64)), tg.tensor(a), tg.tensor(b), alpha=0.5)
    assert got.dtype == np.float64 and np.array_equal(got.numpy(), 1 + 0.5 * (a @ b))


@pytest.mark.parametrize("shapes", [[(2, 0), (0, 2), (2, 2)], [(2, 0), (0, 0), (0, 2), (2, 2)],
                                    [(3, 1), (1, 0), (0, 4), (4, 4)]])
@pytest.mark.parametrize("op", ["multi_dot", "chain_matmul"])
def test_the_chain_is_multiplied_in_torchs_order(op, shapes):
    """Left to right gave (A B) = 0 (an empty sum) times a NaN: NaN, where torch's cheapest
    order, A (B C), never meets it; (and ran (n, n) @ (n, n) @ (n, 1) as n^3 products)."""
    arrays = [np.ones(s) for s in shapes]
    arrays[-1][0, 1] = np.nan
    ours = tg.linalg.multi_dot if op == "multi_dot" else lambda ms: tg.chain_matmul(*ms)
    theirs = torch.linalg.multi_dot if op == "multi_dot" else lambda ms: torch.chain_matmul(*ms)
    want = theirs([torch.tensor(a) for a in arrays]).numpy()
    got = ours([tg.tensor(a) for a in arrays]).numpy()
    np.testing.assert_array_equal(got, want)
