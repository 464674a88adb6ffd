"""Numerical accuracy of reductions, statistics and norms at hard inputs (helper hR2), against
exact references (fractions, math.fsum, float64 of the float32 inputs) with torch 2.13 as a
second opinion.

Fixed here: var/std/var_mean/std_mean and cov of data with a large offset (the mean's rounding
biased every deviation: float32 var of 2000 copies of 1e8 was 64, torch.var's too, the exact 0);
2-norms and p-norms of two or more entries that overflow or underflow in the sum of powers
(norm([1e200, 1e200]) inf, norm([1e-200, 1e-200]) 0, torch's too: dist, cdist, pdist,
pairwise_distance, normalize and cosine_similarity with them); float32 cumsum / cumprod /
logcumsumexp summed in float32 (10**6 uniforms 2e-5 and 4.7e-4 off; torch accumulates in
float64: 6e-8).
"""
import math
from fractions import Fraction

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _exact_var(x: np.ndarray, correction: int) -> float:
    fr = [Fraction(float(v)) for v in np.ravel(x)]
    m = sum(fr) / len(fr)
    return float(sum((v - m) ** 2 for v in fr) / (len(fr) - correction))


def _grad(f, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = tg.tensor(x, requires_grad=True)
    out = f(t)
    (out * tg.tensor(w.astype(x.dtype).reshape(out.shape))).sum().backward()
    return out.numpy(), np.asarray(t.grad)


# ---- named regressions ---------------------------------------------------------------------

@pytest.mark.parametrize("correction", [0, 1])
def test_float32_var_of_a_constant_large_value_is_zero(correction):
    x = np.full(2000, 1e8, np.float32)
    assert torch.var(torch.tensor(x), correction=correction).item() > 60  # (torch's: 64)
    assert tg.var(tg.tensor(x), correction=correction).item() == 0.0  # (before: 64)
    assert tg.std(tg.tensor(x), correction=correction).item() == 0.0  # (before: 8)
    v, m = tg.var_mean(tg.tensor(x), correction=correction)
    s, _ = tg.std_mean(tg.tensor(x), correction=correction)
    assert v.item() == 0.0 and s.item() == 0.0 and m.item() == pytest.approx(1e8, rel=1e-7)


@pytest.mark.parametrize("dtype, offset, tol", [(np.float32, 1e4, 3e-7), (np.float32, 1e6, 3e-6),
                                                (np.float64, 1e10, 1e-14)])
def test_var_and_std_with_a_large_offset_are_accurate(dtype, offset, tol):
    rng = np.random.default_rng(0)
    x = (offset + rng.standard_normal(500)).astype(dtype)
    for c in (0, 1):
        want = _exact_var(x, c)
        assert tg.var(tg.tensor(x), correction=c).item() == pytest.approx(want, rel=tol)
        assert tg.std(tg.tensor(x), correction=c).item() == pytest.approx(math.sqrt(want),
                                                                          rel=tol)
    # the gradient 2 (x - mean) / (n - 1), against float64's of the same inputs
    w = rng.standard_normal(1)
    _, g = _grad(lambda t: tg.var(t, correction=1), x, w)
    x64 = x.astype(np.float64)
    d = np.array([Fraction(float(v)) for v in x64])
    mean = d.sum() / len(d)
    want_g = np.array([float(2 * (v - mean) / (len(d) - 1)) for v in d]) * w[0]
    assert np.abs(g - want_g).max() <= 50 * tol * np.abs(want_g).max()


def test_float32_var_with_a_large_offset_beats_its_old_error_along_an_axis():
    rng = np.random.default_rng(1)
    x = (1e6 + rng.standard_normal((64, 16))).astype(np.float32)
    got = tg.var(tg.tensor(x), 0, correction=0).numpy()
    want = np.array([_exact_var(col, 0) for col in x.T])
    assert np.abs(got - want).max() <= 1e-5 * want.max()  # (before: 1.1e-2; torch 1e-10)


def test_float32_cov_of_a_constant_large_row_is_zero():
    x = np.stack([np.full(2000, 1e8, np.float32), np.arange(2000, dtype=np.float32)])
    assert torch.cov(torch.tensor(x))[0, 0].item() > 60  # (torch's: 64)
    c = tg.cov(tg.tensor(x)).numpy()
    assert c[0, 0] == 0.0 and c[0, 1] == 0.0  # (before: 64)


def test_float32_cov_and_corrcoef_with_an_offset_are_accurate():
    rng = np.random.default_rng(2)
    a = (1e4 + rng.standard_normal(2000)).astype(np.float32)
    x = np.stack([a, a[::-1] * np.float32(0.5) + np.float32(3)])
    want = np.cov(x.astype(np.float64))
    assert np.abs(tg.cov(tg.tensor(x)).numpy() - want).max() <= 1e-6 * np.abs(want).max()
    want_r = np.corrcoef(x.astype(np.float64))
    assert np.abs(tg.corrcoef(tg.tensor(x)).numpy() - want_r).max() <= 1e-6  # (before 7e-6)


NORMS = {
    "vector_norm": (lambda t: tg.linalg.vector_norm(t), lambda t: torch.linalg.vector_norm(t)),
    "vector_norm p=3": (lambda t: tg.linalg.vector_norm(t, 3),
                        lambda t: torch.linalg.vector_norm(t, 3)),
    "vector_norm p=0.5": (lambda t: tg.linalg.vector_norm(t, 0.5),
                          lambda t: torch.linalg.vector_norm(t, 0.5)),
    "linalg.norm": (lambda t: tg.linalg.norm(t), lambda t: torch.linalg.norm(t)),
    "tg.norm": (lambda t: tg.norm(t), lambda t: torch.norm(t)),
    "Tensor.norm": (lambda t: t.norm(), lambda t: t.norm()),
    "matrix_norm": (lambda t: tg.linalg.matrix_norm(t.reshape(1, -1)),
                    lambda t: torch.linalg.matrix_norm(t.reshape(1, -1))),
    "dist": (lambda t: tg.dist(t, t * 0), lambda t: torch.dist(t, t * 0)),
    "cdist": (lambda t: tg.cdist(t.reshape(1, 1, -1), t.reshape(1, 1, -1) * 0),
              lambda t: torch.cdist(t.reshape(1, 1, -1), t.reshape(1, 1, -1) * 0)),
    "pdist": (lambda t: F.pdist(tg.stack([t, t * 0])), lambda t: TF.pdist(torch.stack([t, t * 0]))),
    "pairwise_distance": (lambda t: F.pairwise_distance(t, t * 0, eps=0),
                          lambda t: TF.pairwise_distance(t, t * 0, eps=0)),
}
EXTREMES = [(1e200, np.float64), (1e-200, np.float64), (1e308, np.float64),
            (1e-310, np.float64), (1e30, np.float32), (1e-30, np.float32)]


@pytest.mark.parametrize("name", sorted(NORMS))
@pytest.mark.parametrize("v, dtype", EXTREMES)
def test_norms_of_huge_and_tiny_entries_neither_overflow_nor_underflow(name, v, dtype):
    """torch 2.13 gives inf above sqrt(max) and 0 below sqrt(tiny) (with gradient 0): the exact
    norm of [v, v] is 2^(1/p) v, its gradient (v / norm)^(p - 1) = 2^((1 - p) / p)."""
    ours, _ = NORMS[name]
    p = 3.0 if "p=3" in name else 0.5 if "p=0.5" in name else 2.0
    x = np.array([v, v], dtype)
    stored = float(x[0])
    t = tg.tensor(x, requires_grad=True)
    out = ours(t)
    want = stored * 2 ** (1 / p)
    if want > np.finfo(dtype).max:  # (the exact norm is past the largest float: inf is right)
        assert math.isinf(out.item())
        return
    tol = 1e-6 if dtype == np.float32 else 1e-12
    if stored < np.finfo(dtype).tiny:  # (a subnormal: digits short)
        tol = 1e-6
    assert float(out.item()) == pytest.approx(want, rel=tol, abs=0)
    out.sum().backward()
    assert np.allclose(np.asarray(t.grad, np.float64), 2 ** ((1 - p) / p), rtol=max(tol, 1e-7))


def test_torch_overflows_where_we_do_not():
    """(A record of torch 2.13's value, so that a change there is noticed.)"""
    assert math.isinf(torch.linalg.vector_norm(torch.tensor([1e200, 1e200])).item())
    assert torch.linalg.vector_norm(torch.tensor([1e-200, 1e-200])).item() == 0.0


def test_normalize_and_cosine_similarity_of_huge_vectors():
    x = np.array([[1e200, 1e200]])
    assert TF.normalize(torch.tensor(x)).numpy()[0, 0] == 0.0  # (torch's: 1e200 / inf)
    assert np.allclose(F.normalize(tg.tensor(x)).numpy(), 2 ** -0.5, rtol=1e-15)  # (before 0)
    assert F.cosine_similarity(tg.tensor(x), tg.tensor(x)).item() == pytest.approx(1.0)
    x32 = np.array([[1e30, -1e30]], np.float32)
    assert np.allclose(F.normalize(tg.tensor(x32)).numpy(), [[2 ** -0.5, -2 ** -0.5]],
                       rtol=1e-6)


def test_norm_of_zeros_and_of_empty_axes_stay_zero():
    assert tg.linalg.vector_norm(tg.tensor(np.zeros(3))).item() == 0.0
    assert tg.linalg.vector_norm(tg.tensor(np.zeros((0, 3))), 3, 0).tolist() == [0.0] * 3
    for p in (2, 3):  # (no slices at all: nothing to rescale)
        assert tg.linalg.vector_norm(tg.tensor(np.zeros((0, 3))), p, 1).shape == (0,)
    assert tg.tensor(np.zeros((0, 4, 2))).norm(axis=(1, 2)).shape == (0,)
    z = tg.tensor(np.zeros(3), requires_grad=True)
    tg.linalg.vector_norm(z, 3).backward()
    assert np.asarray(z.grad).tolist() == [0.0] * 3


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "logcumsumexp"])
def test_float32_scans_over_long_arrays_are_accurate(op):
    rng = np.random.default_rng(3)
    n = 100_000
    x = rng.random(n).astype(np.float32)
    if op == "cumprod":
        x = (1 + (x - 0.5) * 1e-3).astype(np.float32)
    ref = {"cumsum": np.cumsum, "cumprod": np.cumprod,
           "logcumsumexp": np.logaddexp.accumulate}[op](x.astype(np.float64))
    got = getattr(tg, op)(tg.tensor(x), 0).numpy()
    assert got.dtype == np.float32
    assert np.max(np.abs(got - ref) / np.abs(ref)) <= 1.2e-7  # (before: 3.7e-6, 2e-5, 4.4e-6)
    want_torch = getattr(torch, op)(torch.tensor(x), 0).numpy()
    assert np.max(np.abs(got.astype(np.float64) - want_torch) / np.abs(ref)) <= 1.2e-7


def test_float32_cumsum_gradient_over_a_long_array():
    rng = np.random.default_rng(4)
    x, g = rng.random(100_000).astype(np.float32), rng.standard_normal(100_000)
    t = tg.tensor(x, requires_grad=True)
    tg.cumsum(t, 0).backward(tg.tensor(g.astype(np.float32)))
    want = np.cumsum(g.astype(np.float32).astype(np.float64)[::-1])[::-1]
    assert np.abs(np.asarray(t.grad) - want).max() <= 1e-6 * np.abs(want).max()


# ---- seeded differential subset -----------------------------------------------------------

def _case(rng):
    dtype = [np.float64, np.float32][rng.integers(2)]
    shape = tuple(int(s) for s in rng.integers(1, 5, size=rng.integers(1, 4)))
    scale = 10.0 ** rng.choice([-150, -20, 0, 0, 0, 20, 150])
    offset = [0.0, 0.0, 1e3, 1e6][rng.integers(4)]
    if dtype == np.float32:
        scale = min(max(scale, 1e-15), 1e15)
    x = (offset + scale * rng.standard_normal(shape)).astype(dtype)
    if rng.random() < 0.3 and x.ndim > 1:
        x = np.ascontiguousarray(x.T).T  # a transposed layout
    return x


OPS = [
    ("var", lambda m, x, a: m.var(x, a, correction=0)),
    ("std", lambda m, x, a: m.std(x, a, correction=1)),
    # (torch.var_mean's own float64 variance of 1e6 + N(0, 1) is 5e-11 off: its var's is not)
    ("var_mean", lambda m, x, a: m.var_mean(x, a, correction=1)[0] if m is tg else
     m.var(x, a, correction=1)),
    ("vector_norm", lambda m, x, a: m.linalg.vector_norm(x, 2, a)),
    ("vector_norm3", lambda m, x, a: m.linalg.vector_norm(x, 3, a)),
    ("vector_norm1", lambda m, x, a: m.linalg.vector_norm(x, 1, a)),
    ("cumsum", lambda m, x, a: m.cumsum(x, a)),
    ("cumprod", lambda m, x, a: m.cumprod(x, a)),
    ("logcumsumexp", lambda m, x, a: m.logcumsumexp(x, a)),
]


def _exact_spread(x: np.ndarray, axis: int, name: str, w: np.ndarray):
    """var (correction 0 for "var", 1 otherwise) or std along axis, and the gradient of
    sum(w * it), from the exact mean (fractions; then rounded)."""
    c = 0 if name == "var" else 1
    xm = np.moveaxis(x.astype(np.float64), axis, -1)
    out, grad = np.empty(xm.shape[:-1]), np.empty(xm.shape)
    for i in np.ndindex(xm.shape[:-1]):
        fr = [Fraction(float(v)) for v in xm[i]]
        m = sum(fr) / len(fr)
        var = sum((v - m) ** 2 for v in fr) / (len(fr) - c)
        d = np.array([float(v - m) for v in fr])
        if name == "std":
            out[i] = math.sqrt(var)
            grad[i] = w[i] * d / ((len(fr) - c) * out[i]) if out[i] else 0.0
        else:
            out[i] = float(var)
            grad[i] = w[i] * 2 * d / (len(fr) - c)
    return out, np.moveaxis(grad, -1, axis)


def test_reductions_agree_with_float64_references_on_seeded_cases():
    rng = np.random.default_rng(20261206)
    checked = 0
    for _ in range(300):
        x = _case(rng)
        axis = int(rng.integers(x.ndim))
        name, f = OPS[rng.integers(len(OPS))]
        if name == "cumprod" or name == "logcumsumexp":
            x = (1 + 0.1 * rng.standard_normal(x.shape)).astype(x.dtype)
        if name in ("std", "var_mean") and x.shape[axis] < 2:
            continue
        t = tg.tensor(x, requires_grad=True)
        out = f(tg, t, axis)
        w = rng.standard_normal(out.shape)
        (out * tg.tensor(w.astype(x.dtype))).sum().backward()
        if name in ("var", "std", "var_mean"):  # exact (torch's float64 var along a dim of
            ref, gref = _exact_spread(x, axis, name, w)  # 1e6 + N(0, 1) is 3e-10 off)
        else:  # torch in float64 of the inputs, scaled by a power of two near max |x| (each
            # op is homogeneous of degree 1) so that it neither overflows nor underflows
            # (torch's own norm of 1e-150s is 0)
            k = 0 if name in ("cumprod", "logcumsumexp") else 1
            sc = 2.0 ** round(math.log2(np.abs(x).max())) if k else 1.0
            r = torch.tensor(x.astype(np.float64) / sc, requires_grad=True)
            ro = f(torch, r, axis)
            (ro * torch.tensor(w)).sum().backward()
            ref, gref = ro.detach().numpy() * sc ** k, r.grad.numpy() * sc ** (k - 1)
        tol = 1e-5 if x.dtype == np.float32 else 1e-12
        got = out.numpy().astype(np.float64)
        assert got.shape == ref.shape and out.dtype == x.dtype, name
        s = np.abs(ref).max()
        assert np.isfinite(got).all() and np.abs(got - ref).max() <= tol * s, (name, x.dtype)
        gs = np.abs(gref).max()
        if np.isfinite(gs) and gs > 0:
            g = np.asarray(t.grad, np.float64)
            assert np.abs(g - gref).max() <= 10 * tol * gs, (name, x.dtype, x.shape, axis)
        checked += 1
    assert checked > 200


@pytest.mark.parametrize("dtype, v", [(np.float32, 1e20), (np.float64, 1e200),
                                      (np.float16, 6e4)])
def test_clip_grad_norm_of_gradients_whose_squares_overflow(dtype, v):
    """Exploding gradients: float32 ones of 1e20 have the norm 1.41e20, not inf (they went
    unclipped, the step applied them; torch 2.13 returns inf and zeroes them)."""
    w = tg.tensor(np.zeros(2, dtype), requires_grad=True)
    w.grad = np.array([v, v], dtype)
    total = tg.nn.utils.clip_grad_norm_([w], 1.0)
    assert total == pytest.approx(float(dtype(v)) * math.sqrt(2), rel=1e-6)
    assert np.allclose(np.asarray(w.grad, np.float64), 2 ** -0.5, rtol=2e-3)
    assert w.grad.dtype == dtype


def test_clip_grad_norm_still_passes_a_non_finite_gradient_through():
    w = tg.tensor(np.zeros(2), requires_grad=True)
    w.grad = np.array([np.inf, 1e200])
    assert math.isinf(tg.nn.utils.clip_grad_norm_([w], 1.0))
    assert np.asarray(w.grad).tolist() == [np.inf, 1e200]
