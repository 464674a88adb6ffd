"""Review of the einsum hunt (11dfef5, hEI): its matmul / optimized fast path (ops/linalg.py's
_contract) against NumPy's loop, float64 references and torch 2.13. Regressions: operands of
two dtypes (bool beside int64, float16 beside float32, int8 beside int64) had the letters of
one operand alone summed in that operand's own dtype (bool OR'ed, float16 overflowed to inf,
int8 wrapped) where the loop sums in the common dtype; float16 einsum (loop and fast path)
added float16 products into a float16 output (32, not 50; torch accumulates in float32); the
fast path also took contractions it slows down (outer and elementwise products, row dots,
the bilinear three-operand form): _pays decides now. Every path is bit-identical in a jit
replay."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from test_jit_inline import t, twin_runs

import tinygrad_dl as tg
from tinygrad_dl.ops import linalg as linalg_ops

torch = pytest.importorskip("torch")


def _exact(spec, arrays):
    """The float64 (complex128) value of the einsum: the reference."""
    kind = np.result_type(*arrays).kind
    wide = np.complex128 if kind == "c" else np.float64
    return np.einsum(spec, *[a.astype(wide) for a in arrays])


# ---- two dtypes: the fast path summed one operand's letters in its own dtype --------------------

@pytest.mark.parametrize("da,db,scale", [(np.bool_, np.int64, 1), (np.bool_, np.float64, 1),
                                         (np.float16, np.float32, 3000), (np.int8, np.int64, 100),
                                         (np.float32, np.float64, 1), (np.int32, np.float32, 100)])
def test_a_sum_within_one_operand_beside_a_wider_one_is_in_the_common_dtype(da, db, scale):
    """einsum("ijk,il->l") of a (64, 32, 4) bool and a (64, 16) int64: j, k summed in bool gave
    [70 56 66] (an OR, then counted over i), the loop's (and NumPy's) [8960 7168 8448]."""
    rng = np.random.default_rng(0)
    a = (rng.random((64, 32, 4)) * scale).astype(da)
    b = (rng.random((64, 16)) * 3).astype(db)
    got = tg.einsum("ijk,il->l", tg.tensor(a), tg.tensor(b))
    want = np.einsum("ijk,il->l", a, b)
    assert got.dtype == want.dtype
    if want.dtype.kind in "iu":
        assert np.array_equal(got.numpy(), want)
    else:
        np.testing.assert_allclose(got.numpy(), _exact("ijk,il->l", [a, b]),
                                   rtol=1e-12 if want.dtype == np.float64 else 1e-5)


def test_three_operands_of_two_dtypes_contract_in_the_common_dtype():
    """A float16 chain beside a float32 matrix: NumPy's optimized order multiplied the float16
    pair in float16 first (inf past 65504) where the result is float32 and finite."""
    rng = np.random.default_rng(1)
    a = (rng.random((32, 32)) * 100).astype(np.float16)
    b = (rng.random((32, 32)) * 100).astype(np.float16)
    c = rng.random((32, 32)).astype(np.float32)
    got = tg.einsum("ij,jk,kl->il", tg.tensor(a), tg.tensor(b), tg.tensor(c)).numpy()
    assert got.dtype == np.float32 and np.isfinite(got).all()
    np.testing.assert_allclose(got, _exact("ij,jk,kl->il", [a, b, c]), rtol=1e-5)


def test_mixed_dtype_gradients_match_the_float64_contraction():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((16, 64, 8)).astype(np.float32), rng.standard_normal((16, 32))
    x, y = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    w = rng.standard_normal(32)
    (tg.einsum("ijk,il->l", x, y) * tg.tensor(w)).sum().backward()
    np.testing.assert_allclose(np.asarray(y.grad), np.einsum(
        "ijk,l->il", a.astype(np.float64), w), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(x.grad), np.broadcast_to(
        (b @ w)[:, None, None], a.shape), rtol=1e-5)


def test_a_count_in_one_bool_operand_makes_no_int64_copy_of_it():
    """hEI's int64 count cast the whole operand first: a (2000, 2000) bool mask made a 32 MB
    int64 copy (8x its bytes, 4x slower than casting as NumPy's loop reads)."""
    rng = np.random.default_rng(5)
    m = rng.random((2000, 2000)) < .5
    x = tg.tensor(m)
    tracemalloc.start()
    try:
        got = tg.einsum("ij->i", x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got.dtype == np.int64 and np.array_equal(got.numpy(), m.sum(1))
    assert peak < 4_000_000, f"einsum('ij->i') of a 4 MB mask peaked at {peak} bytes"


# ---- float16: contracted in float32 and rounded once, as torch's ------------------------------

@pytest.mark.parametrize("spec,shapes", [
    ("ij,jk->ik", [(1, 5000), (5000, 2)]), ("ij,jk->ik", [(8, 5000), (5000, 8)]),
    ("ij,ij->j", [(5000, 4), (5000, 4)]), ("ji,j->i", [(5000, 4), (5000,)]),
    ("ij->j", [(5000, 4)]), ("ij->i", [(4, 5000)]), ("i,i->", [(5000,), (5000,)]),
    ("ij,jk,kl->il", [(2, 100), (100, 100), (100, 2)])])
def test_float16_einsum_accumulates_as_torch(spec, shapes):
    """NumPy's loop added each float16 product into the float16 output: "ij,jk->ik" of 5000
    0.1 * 0.1 gave 32 (torch 49.97), "ij->j" of 5000 0.1s 256 (torch 500). Gradients too."""
    arrays = [np.full(s, 0.1, np.float16) for s in shapes]
    xs = [tg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    got, want = tg.einsum(spec, *xs), torch.einsum(spec, *ts)
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.numpy().astype(float), want.detach().numpy().astype(float),
                               rtol=2e-3)
    (got * 2).sum().backward()
    (want * 2).sum().backward()
    for x, tt in zip(xs, ts):
        assert x.grad.dtype == np.float16
        np.testing.assert_allclose(np.asarray(x.grad, float), tt.grad.numpy().astype(float),
                                   rtol=2e-3)


def test_float16_dot_inner_tensordot_accumulate_as_torch():
    a, b = np.full((4, 5000), 0.1, np.float16), np.full((5000, 3), 0.1, np.float16)
    x, y = tg.tensor(a), tg.tensor(b)
    for got in (x[0].dot(y[:, 0]), tg.inner(x, y.T), tg.tensordot(x, y, dims=1)):
        np.testing.assert_allclose(np.asarray(got.numpy(), float), 49.97, rtol=2e-3)


# ---- which contractions take the fast path ------------------------------------------------------

@pytest.mark.parametrize("ins,out,sizes,fast", [
    (["ij", "jk"], "ik", dict(i=100, j=3072, k=10), True),      # the course's layer
    (["bqd", "bkd"], "bqk", dict(b=32, q=32, k=32, d=16), True),  # attention scores
    (["ij", "ij"], "ij", dict(i=256, j=256), False),            # elementwise: 5x slower
    (["i", "j"], "ij", dict(i=256, j=256), False),              # outer: 3x slower
    (["bi", "bi"], "b", dict(b=16384, i=8), False),             # row dots: 2x slower
    (["bs", "bsr"], "br", dict(b=16384, s=2, r=2), False),      # matrix-vector: 3x slower
    (["ij", "jk", "kl"], "il", dict(i=32, j=32, k=32, l=32), True),  # a chain: 20x faster
    (["ni", "oij", "nj"], "no", dict(n=64, o=8, i=16, j=16), False),  # bilinear: 40% slower
    (["ij", "ij", "ij"], "ij", dict(i=256, j=256), False),      # elementwise: 2x slower
    (["ij", "jk"], "ik", dict(i=8, j=8, k=8), False)])          # small: the loop
def test_the_fast_path_is_taken_where_it_pays(ins, out, sizes, fast):
    """11dfef5 took every contraction of >= 32,768 products without a diagonal or a stretched
    length 1; NumPy's loop was up to 5x faster for the ones without reuse (measured, this box,
    one BLAS thread). Values agree either way (the tests above and hEI's)."""
    assert linalg_ops._pays(ins, out, sizes) is fast


@pytest.mark.parametrize("spec,shapes", [("ij,ij->ij", [(256, 256)] * 2),
                                         ("i,j->ij", [(256,), (256,)]),
                                         ("bi,bi->b", [(4096, 16)] * 2)])
def test_contractions_without_reuse_agree_with_torch_bit_for_bit_in_float64(spec, shapes):
    """No sum (or one short one): the loop's products are torch's, to the last bit."""
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in shapes]
    got = tg.einsum(spec, *map(tg.tensor, arrays)).numpy()
    want = torch.einsum(spec, *map(torch.tensor, arrays)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


# ---- the jit: every path replays bit for bit ---------------------------------------------------

def test_jit_replays_the_fast_paths_mixed_dtypes_and_float16_bit_for_bit():
    rng = np.random.default_rng(4)
    A, B = t(rng.standard_normal((60, 70))), t(rng.standard_normal((70, 10)))
    C = t(rng.standard_normal((40, 40)))
    H = t(rng.standard_normal((64, 16)).astype(np.float16))
    F = t(rng.standard_normal((64, 16, 8)).astype(np.float32))
    mask, N = tg.tensor(rng.random((64, 32, 4)) < .5), tg.tensor(rng.integers(0, 3, (64, 16)))

    def step():
        (tg.einsum("ij,jk->ki", A, B).tanh().sum()              # the pair (matmul)
         + tg.einsum("ij,jk,kl->il", C, C, C).mean()             # NumPy's optimized order
         + tg.einsum("ij,ij->i", C, C).sum()                     # the loop (no reuse)
         + tg.einsum("ijk,il->l", mask, N).sum() * A[0, 0]     # bool beside int64
         + tg.einsum("ij,ijk->k", H, F).sum()                    # float16 beside float32
         + tg.einsum("ij,jk->ik", H.T, H).sum()).backward()     # float16 in float32

    twin_runs(step, (A, B, C, H, F), ())
