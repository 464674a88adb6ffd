"""Distances and similarities against torch 2.13 (helper hDIST): tg.cdist (p 0, 1, 2, inf,
fractional in (0, 1) and above 2; batch dims that broadcast; empty sets; coincident rows),
F.pdist, F.cosine_similarity (dim, eps, broadcasting, zero vectors), F.pairwise_distance (p,
eps, keepdim), tg.dist, F.normalize, linalg.vector_norm (ord 0, +-1, 2, +-inf, 0.5, 3 over
dims), nn.CosineSimilarity / nn.PairwiseDistance, the triplet losses (swap, p, eps, margin,
reduction, a custom distance function) and F.cosine_embedding_loss: values, dtypes and the
gradients of a random weighted sum of the outputs, float64 to 1e-10 (float32 to 2e-5, a few
hundred ulps of float32's sums). The random draws stay where torch's numbers are the right ones;
left out, each checked by hand in the hunt and documented in docs/pytorch.md ("What differs"):
inputs past 1e15 or below 1e-15 and inf/NaN entries (torch's norms overflow; the NaN rules),
ties of the inf-norm in cdist/pdist (torch gives each tied coordinate the whole gradient),
cosine_similarity norms below eps (torch's backward is not its value's derivative), ord 0's
gradient dtype (torch's is the default dtype) and dist(p=0)'s backward (torch raises). torch
2.13's pdist backward of 0 rows segfaults, so pdist draws at least one row here.
Then one named test per finding: cdist's compute_mode (torch's keyword; its matmul form loses
every digit far from the origin, ours computes the differences), cdist's one-line refusal of
batch dims that do not broadcast, cosine_embedding_loss of large inputs (ATen's product of
squared norms overflowed to a cosine of 0), F.normalize's out= and dim as a tuple of dims,
and cosine_similarity's refusal of a negative eps (torch's)."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from oracle import (  # noqa: F401 (torch_float64: the fixture)
    grads_compared,
    one_line,
    outputs_compared,
    strict_replays_match,
    torch_float64,
)

import tinygrad_dl as tg
import tinygrad_dl.nn as nn
import tinygrad_dl.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
pytestmark = pytest.mark.usefixtures("torch_float64")

PS = [0, 1, 2, math.inf, 0.5, 0.3, 3, 1.5, 2.5, 4]


def _arr(rng, shape, dt, ties):
    a = np.array(rng.standard_normal(shape))
    if ties:  # (exact zeros and equal coordinates; not with p = inf, whose ties differ)
        a = np.round(a * 2) / 2
    return a.astype(dt)


def _shape(rng, nd, low=0):
    return tuple(int(s) for s in rng.integers(low, 4, size=nd))


def _broadcast_partner(rng, shape):
    s = tuple(1 if rng.random() < 0.3 else d for d in shape)
    return s[1:] if s and rng.random() < 0.3 else s


def _case(rng):
    """(name, torch's function, ours, arrays) for one random draw."""
    dt = np.float64 if rng.random() < 0.8 else np.float32
    p = float(rng.choice(PS))
    if p == 0 and dt == np.float32:  # (torch's 0-norm gradient is of the default dtype)
        p = 1.0
    ties = p != math.inf and rng.random() < 0.3
    arr = lambda shape: _arr(rng, shape, dt, ties)  # noqa: E731
    kind = int(rng.integers(0, 11))
    m = int(rng.integers(0, 5))
    if kind == 0:
        b1 = _shape(rng, int(rng.integers(0, 3)), 1)
        b2 = _broadcast_partner(rng, b1)
        a, b = arr(b1 + (int(rng.integers(0, 5)), m)), arr(b2 + (int(rng.integers(0, 5)), m))
        if a.shape[:-2] == b.shape[:-2] and a.shape[-2] and b.shape[-2]:
            b[..., 0, :] = a[..., 0, :]  # coincident rows: distance 0, gradient 0
        return (f"cdist p={p}", lambda x, y: torch.cdist(x, y, p),
                lambda x, y: tg.cdist(x, y, p), [a, b])
    if kind == 1:
        a = arr((int(rng.integers(1, 5)), m))
        if len(a) >= 2:
            a[1] = a[0]
        return f"pdist p={p}", lambda x: TF.pdist(x, p), lambda x: F.pdist(x, p), [a]
    nd = int(rng.integers(0, 4))
    shape = _shape(rng, nd)
    dim = int(rng.integers(-max(nd, 1), max(nd, 1)))
    if kind == 2:
        a, b = arr(shape), arr(_broadcast_partner(rng, shape))
        if rng.random() < 0.2:
            a = a * 0  # zero vectors: norm clamped at eps, gradient 0 through it
        return (f"cosine_similarity dim={dim}", lambda x, y: TF.cosine_similarity(x, y, dim),
                lambda x, y: F.cosine_similarity(x, y, dim), [a, b])
    if kind == 3:
        a, b = arr(shape), arr(_broadcast_partner(rng, shape))
        eps, kd = float(rng.choice([1e-6, 0.0, 0.1])), bool(rng.random() < 0.5)
        return (f"pairwise_distance p={p} eps={eps} keepdim={kd}",
                lambda x, y: TF.pairwise_distance(x, y, p, eps, kd),
                lambda x, y: F.pairwise_distance(x, y, p, eps, kd), [a, b])
    if kind == 4:
        a = arr(shape)
        b = a.copy() if rng.random() < 0.3 else arr(_broadcast_partner(rng, shape))
        p = p or 1.0  # (torch's dist(p=0) backward raises)
        return (f"dist p={p}", lambda x, y: torch.dist(x, y, p),
                lambda x, y: tg.dist(x, y, p), [a, b])
    if kind == 5:
        eps = float(rng.choice([1e-12, 0.1]))
        return (f"normalize p={p} dim={dim} eps={eps}", lambda x: TF.normalize(x, p, dim, eps),
                lambda x: F.normalize(x, p, dim, eps), [arr(shape)])
    if kind == 6:
        dims = None
        if nd and rng.random() < 0.7:
            dims = tuple(int(d) for d in rng.choice(np.arange(-nd, 0), size=int(
                rng.integers(1, nd + 1)), replace=False))
        kd, o = bool(rng.random() < 0.5), float(rng.choice([1, 2, math.inf, -math.inf, 0.5, 3]))
        if abs(o) == math.inf:
            ties = False
        return (f"vector_norm ord={o} dim={dims} keepdim={kd}",
                lambda x: torch.linalg.vector_norm(x, o, dims, kd),
                lambda x: tg.linalg.vector_norm(x, o, dims, kd), [_arr(rng, shape, dt, ties)])
    if kind in (7, 8):
        shape = _shape(rng, int(rng.integers(1, 3)))
        a, b, c = arr(shape), arr(shape), arr(shape)
        if rng.random() < 0.3:
            c = b.copy()  # (swap's tie: d(a, n) == d(p, n) split evenly, as torch's)
        margin, swap = float(rng.choice([1.0, 0.5, 2.0])), bool(rng.random() < 0.5)
        red = str(rng.choice(["mean", "sum", "none"]))
        if kind == 7:
            eps, q = float(rng.choice([1e-6, 0.0])), float(rng.choice([1, 2, 3, 0.5]))
            kw = dict(margin=margin, p=q, eps=eps, swap=swap, reduction=red)
            return (f"triplet_margin_loss {kw}", lambda x, y, z: TF.triplet_margin_loss(
                x, y, z, **kw), lambda x, y, z: F.triplet_margin_loss(x, y, z, **kw), [a, b, c])
        which = int(rng.integers(0, 2))
        tdf = [None, lambda x, y: (x - y).abs().sum(-1)][which]
        odf = [None, lambda x, y: (x - y).abs().sum(-1)][which]
        return (f"triplet_margin_with_distance_loss df={which} swap={swap} {red}",
                lambda x, y, z: TF.triplet_margin_with_distance_loss(
                    x, y, z, distance_function=tdf, margin=margin, swap=swap, reduction=red),
                lambda x, y, z: F.triplet_margin_with_distance_loss(
                    x, y, z, distance_function=odf, margin=margin, swap=swap, reduction=red),
                [a, b, c])
    if kind == 9:
        n, d = int(rng.integers(0, 4)), int(rng.integers(0, 4))
        shape = (d,) if rng.random() < 0.3 else (n, d)
        a, b = arr(shape), arr(shape)
        if rng.random() < 0.2:
            a = a * 0
        y = rng.choice([1.0, -1.0], size=shape[:-1]).astype(dt)
        margin, red = float(rng.choice([0.0, 0.5, -0.5])), str(rng.choice(["mean", "sum", "none"]))
        return (f"cosine_embedding_loss margin={margin} {red}",
                lambda x, z, t: TF.cosine_embedding_loss(x, z, t.detach(), margin, reduction=red),
                lambda x, z, t: F.cosine_embedding_loss(x, z, t.detach(), margin, reduction=red),
                [a, b, y])
    shape = _shape(rng, max(nd, 1), 1)
    dim = int(rng.integers(-len(shape), len(shape)))
    return (f"CosineSimilarity({dim}) + PairwiseDistance({p}, keepdim=True)",
            lambda x, y: (torch.nn.CosineSimilarity(dim)(x, y),
                          torch.nn.PairwiseDistance(p, keepdim=True)(x, y)),
            lambda x, y: (nn.CosineSimilarity(dim)(x, y),
                          nn.PairwiseDistance(p, keepdim=True)(x, y)),
            [arr(shape), arr(shape)])


@pytest.mark.parametrize("seed", range(6))
def test_random_draws_match_torch(seed):
    rng, errors = np.random.default_rng(seed), []
    for _ in range(60):
        name, theirs, ours, arrays = _case(rng)
        rtol = 1e-10 if arrays[0].dtype == np.float64 else 2e-5
        tt = [torch.tensor(a, requires_grad=True) for a in arrays]
        oo = [tg.Tensor(a.copy(), requires_grad=True) for a in arrays]
        try:
            want = theirs(*tt)
        except RuntimeError:  # (the inf-norms over an empty axis: ours refuses too)
            with pytest.raises(ValueError) as e:
                ours(*oo)
            one_line(e, "empty")
            continue
        errs, tl, ol = outputs_compared(want, ours(*oo), rtol)
        if not errs and not isinstance(tl, int):
            tl.backward()
            ol.backward()
            errs = grads_compared(list(zip(tt, oo)), rtol)
        errors += [f"{name} {[a.shape for a in arrays]}: {e}" for e in errs]
    assert not errors, errors[:5]


def test_a_jitted_step_of_the_distances_replays_as_eager():
    rng = np.random.default_rng(0)
    w = tg.Tensor(rng.standard_normal((3, 4)), requires_grad=True)

    def draw():
        x = rng.standard_normal((5, 3))
        x[1] = x[0]  # coincident rows every call
        return tg.Tensor(x)

    def step(x):
        h = x @ w
        loss = (tg.cdist(h, h[:3], 0.5).sum() + F.pdist(h, 3).sum()
                + F.cosine_similarity(h, h[:1]).sum() + F.normalize(h, 3, 0).sum()
                + F.triplet_margin_loss(h, h.flip(0), h.roll(1, 0), swap=True))
        loss.backward()
        return loss

    strict_replays_match(step, draw, w, calls=5)


# ---- cdist's compute_mode (torch's keyword; the differences whatever it says) ----------------
def _exact_cdist(a, b):
    out = np.zeros((len(a), len(b)))
    for i, r in enumerate(a):
        for j, s in enumerate(b):
            sq = sum((Fraction(float(u)) - Fraction(float(v))) ** 2 for u, v in zip(r, s))
            out[i, j] = math.sqrt(sq)  # (the exact square, rounded once, then its sqrt)
    return out


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary",
                                  "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"])
def test_cdist_takes_torchs_compute_mode_and_stays_exact_far_from_the_origin(mode):
    """torch's matmul form sqrt(|x|^2 + |y|^2 - 2 x.y), its default above 25 rows, gives these
    float32 points near 1000 a 1e-3 apart distances up to 800 times off; ours keep ~1 ulp
    whatever the mode (the keyword was refused: TypeError)."""
    rng = np.random.default_rng(1)
    a = (1000 + 1e-3 * rng.standard_normal((30, 8))).astype(np.float32)
    b = (1000 + 1e-3 * rng.standard_normal((30, 8))).astype(np.float32)
    b[0] = a[0]
    got = tg.cdist(tg.Tensor(a), tg.Tensor(b), compute_mode=mode).data
    want = _exact_cdist(a, b)
    assert got.dtype == np.float32 and got[0, 0] == 0
    np.testing.assert_allclose(got, want, rtol=4e-7)
    direct = torch.cdist(torch.tensor(a), torch.tensor(b),
                         compute_mode="donot_use_mm_for_euclid_dist").numpy()
    np.testing.assert_allclose(got, direct, rtol=4e-7)


@pytest.mark.parametrize("mode", ["bogus", None, 1, "USE_MM_FOR_EUCLID_DIST"])
def test_cdist_refuses_an_unknown_compute_mode_in_one_line(mode):
    x = tg.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError) as e:
        tg.cdist(x, x, compute_mode=mode)
    one_line(e, "cdist", repr(mode), "compute_mode", "donot_use_mm_for_euclid_dist")
    with pytest.raises(ValueError, match="not a valid value for compute_mode"):
        torch.cdist(torch.ones(2, 3), torch.ones(2, 3), compute_mode=mode)


def test_cdist_names_batch_dims_that_do_not_broadcast():
    """The subtraction's message named Sub and the unsqueezed shapes (0, 3, 1, 2) and
    (2, 1, 4, 2), not cdist or its inputs."""
    with pytest.raises(ValueError) as e:
        tg.cdist(tg.Tensor(np.zeros((0, 3, 2))), tg.Tensor(np.zeros((2, 4, 2))))
    one_line(e, "cdist", "batch dims", "(0, 3, 2)", "(2, 4, 2)", "do not broadcast")


def test_pdist_of_no_rows_has_an_empty_gradient():
    """(torch 2.13's pdist backward of 0 rows segfaults; ours is the empty gradient)"""
    x = tg.Tensor(np.zeros((0, 3)), requires_grad=True)
    out = F.pdist(x, 2.5)
    assert out.shape == (0,)
    out.sum().backward()
    assert x.grad.shape == (0, 3)


# ---- cosine_embedding_loss of large inputs ------------------------------------------------
@pytest.mark.parametrize("scale, dtype", [(1e10, np.float32), (1e20, np.float32),
                                          (1e80, np.float64), (1e160, np.float64)])
def test_cosine_embedding_loss_of_large_inputs_is_their_cosines(scale, dtype):
    """ATen's sqrt((|x1|^2 + e) (|x2|^2 + e)) overflowed: a cosine of 0 (loss [1, 0] for a
    pair 0.994 alike with y = 1 and one with y = -1) or NaN once the squares did. The loss of
    s x is the loss of 1e3 x (e is negligible there) and its gradient 1e3 / s times that one."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 8))
    b = a + 0.1 * rng.standard_normal((2, 8))
    y = tg.Tensor(np.array([1.0, -1.0], dtype))
    x1 = tg.Tensor((a * scale).astype(dtype), requires_grad=True)
    got = F.cosine_embedding_loss(x1, tg.Tensor((b * scale).astype(dtype)), y, reduction="none")
    got.sum().backward()
    r = tg.Tensor((a * 1e3).astype(dtype), requires_grad=True)  # (e: 1e-19 of |x|^2 here)
    want = F.cosine_embedding_loss(r, tg.Tensor((b * 1e3).astype(dtype)), y, reduction="none")
    want.sum().backward()
    tol = 1e-14 if dtype == np.float64 else 5e-7  # (a few ulps of the cosine, near 1)
    assert got.dtype == dtype
    np.testing.assert_allclose(got.data, want.data, rtol=0, atol=tol)
    # (the gradient's two terms, ~1 / |x| = 3.5e-4 each, cancel: atol in their scale)
    np.testing.assert_allclose(x1.grad * scale / 1e3, r.grad, rtol=0, atol=4e-3 * tol)


def test_cosine_embedding_loss_keeps_torchs_values_and_gradients_at_zero_inputs():
    """each input over its own sqrt(|x|^2 + e): at a zero input the gradient is still
    torch's y / sqrt(e (|y|^2 + e)), e ATen's float32 1e-12"""
    rng = np.random.default_rng(2)
    a, b = np.zeros((3, 4)), rng.standard_normal((3, 4))
    y = np.array([1.0, -1.0, 1.0])
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    oa, ob = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)
    errs, tl, ol = outputs_compared(TF.cosine_embedding_loss(ta, tb, torch.tensor(y), -0.5,
                                                             reduction="none"),
                                    F.cosine_embedding_loss(oa, ob, tg.Tensor(y), -0.5,
                                                            reduction="none"), 1e-12)
    tl.backward()
    ol.backward()
    assert not errs + grads_compared([(ta, oa), (tb, ob)], 1e-12)


# ---- F.normalize(out=) -------------------------------------------------------------------
def test_normalize_takes_torchs_out():
    a = np.random.default_rng(3).standard_normal((2, 3))
    out = tg.Tensor(np.zeros((2, 3)))
    assert F.normalize(tg.Tensor(a), 2.0, 1, out=out) is out
    want = torch.zeros(2, 3)
    TF.normalize(torch.tensor(a), 2.0, 1, out=want)
    np.testing.assert_allclose(out.data, want.numpy(), rtol=1e-15)
    with pytest.raises(RuntimeError) as e:  # (torch: out= does not differentiate)
        F.normalize(tg.Tensor(a, requires_grad=True), out=tg.Tensor(np.zeros((2, 3))))
    one_line(e, "normalize", "out=")


@pytest.mark.parametrize("dim", [(0, 1), [0, 2], (1,), (), (-1, 1), (2, -3)])
@pytest.mark.parametrize("p", [2, 1, math.inf, 0.5])
def test_normalize_over_a_tuple_of_dims_is_torchs(dim, p):
    """torch's F.normalize takes dim as a tuple (vector_norm's dims; () is every dim); it was
    refused ("dim must be an int, got tuple")."""
    rng = np.random.default_rng(4)
    a, w = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    t, o = torch.tensor(a, requires_grad=True), tg.Tensor(a, requires_grad=True)
    errs, tl, ol = outputs_compared(TF.normalize(t, p, dim) * torch.tensor(w),
                                    F.normalize(o, p, dim) * tg.Tensor(w), 1e-12)
    tl.backward()
    ol.backward()
    assert not errs + grads_compared([(t, o)], 1e-12)


def test_normalize_refuses_a_dim_named_twice_in_one_line():
    with pytest.raises(ValueError) as e:
        F.normalize(tg.Tensor(np.ones((2, 3))), dim=(1, -1))
    one_line(e, "normalize", "(1, -1)", "twice", "(2, 3)")


@pytest.mark.parametrize("eps", [-1e-8, math.nan])
def test_cosine_similarity_refuses_a_negative_eps_as_torch(eps):
    """torch: "eps must be non-negative"; here a negative eps gave a number (NaN for a zero
    vector)."""
    x = np.ones((2, 3))
    with pytest.raises(RuntimeError, match="non-negative"):
        TF.cosine_similarity(torch.tensor(x), torch.tensor(x), eps=eps)
    for f in (lambda a, b: F.cosine_similarity(a, b, eps=eps),
              lambda a, b: nn.CosineSimilarity(eps=eps)(a, b)):
        with pytest.raises(ValueError) as e:
            f(tg.Tensor(x), tg.Tensor(x))
        one_line(e, "cosine_similarity", "eps", "non-negative")
