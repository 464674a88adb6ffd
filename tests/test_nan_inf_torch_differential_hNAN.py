"""NaN, +-inf and -0.0 through the ops that pick, order or reduce, against torch 2.13 (helper
hNAN): a seeded differential subset (values with NaN positions and signs of zeros, index
outputs, dtypes, the gradient of a random-weighted sum) plus the named regressions.

Fixed here: relu, elu and selu of -0.0 gave 0.0 (torch's -0.0, in its scalar and vector
kernels alike); clamp / clip / clamp_min / clamp_max / clamp_ with a number bound of 0 gave
the bound where x equals it (clamp(-0.0, min=0) was 0.0, torch's -0.0: torch keeps x at a
tie); cumsum and logcumsumexp of a leading -0.0 gave -0.0 (torch's sums start from +0.0, as
our sum's do); fmax / fmin of a 0.0, -0.0 tie gave NumPy's second operand from 4 elements on
(its SIMD loop) and the first below, where torch's is x at any size.

Not ours (kept, see the report): torch's amax/amin gradient over a slice holding NaN is NaN
everywhere (0/0), where max() gives it to the NaN entries; torch's cdist(p=inf) drops NaN
and gives a tie the whole gradient at each entry; cdist(p=0) with NaN is NaN, where its
vector_norm(p=0) counts it; 2- and 3-norms, std and cdist of 1e300 overflow to inf in
torch; logsumexp / logcumsumexp gradients beside 1e300 lose the weight (torch 1 where 1/2
or the full weight is exact); the gradient of elu / hardtanh / relu6 at NaN is 0 in torch's
vector kernel and g in its scalar one (ours: g); maximum / minimum of a 0.0, -0.0 tie is
torch's first operand below 8 (float64) elements and its second from there.
"""
import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional
# (NumPy's "invalid value" warnings of NaN and inf inputs, as np.var's or a division's own)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

EDGE = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.0, 2.0, 0.5, 3.0])


def _same(ours, ref, sign=True):
    a = np.asarray(ours.numpy() if isinstance(ours, Tensor) else ours)
    b = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    if a.dtype.kind != "f":
        np.testing.assert_array_equal(a, b)
        return
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-10, atol=1e-15)
    if sign:  # (a NaN's sign bit is not compared)
        np.testing.assert_array_equal(np.signbit(a[~np.isnan(a)]), np.signbit(b[~np.isnan(b)]))


# ---- named regressions ---------------------------------------------------------------------
ZEROS = np.array([-0.0, 0.0, -1.0, 1.0, np.nan, -np.inf, np.inf] * 3)  # (21: vector kernels too)


@pytest.mark.parametrize("name", ["relu", "elu", "selu", "relu6", "leaky_relu", "celu"])
@pytest.mark.parametrize("n", [1, 21])
def test_activations_keep_negative_zero(name, n):
    # relu / elu / selu of -0.0 were 0.0; torch's -0.0 (scalar and vector kernels)
    x = ZEROS[:n] if n > 1 else np.array([-0.0])
    _same(getattr(F, name)(Tensor(x)), getattr(TF, name)(torch.tensor(x)))
    if name == "relu":
        t = Tensor(x.copy())
        t.relu_()
        _same(t, torch.relu(torch.tensor(x)))


@pytest.mark.parametrize("lo,hi", [(0.0, None), (None, 0.0), (-0.0, None), (None, -0.0),
                                   (0.0, 1.0), (-1.0, -0.0), (0.0, -0.0), (-0.0, 0.0),
                                   (1.0, -0.0), (0.0, -1.0), (0.0, 0.0), (np.nan, 0.0),
                                   (-1e-300, None), (None, 1e-300)])  # (float32: +-0.0)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clamp_keeps_x_where_it_equals_a_zero_bound(lo, hi, dtype):
    # clamp(-0.0, min=0) was 0.0 (np.clip with one bound gives the bound), torch's -0.0; a
    # bound that rounds to 0 in x's dtype too
    x = ZEROS.astype(dtype)
    ref = torch.tensor(x).clamp(lo, hi)
    _same(Tensor(x).clamp(lo, hi), ref)
    _same(Tensor(x).clip(lo, hi), ref)
    if hi is None:
        _same(Tensor(x).clamp_min(lo), ref)
    if lo is None:
        _same(Tensor(x).clamp_max(hi), ref)
    t = Tensor(x.copy())
    t.clamp_(lo, hi)
    _same(t, ref)
    a = Tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    a.clamp(lo, hi).sum().backward()
    b.clamp(lo, hi).sum().backward()
    _same(a.grad, b.grad, sign=False)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cumsum_and_logcumsumexp_of_a_leading_negative_zero(dtype):
    # cumsum([-0.0, ...]) began with -0.0; torch's running sums start from +0.0
    x = np.array([[-0.0, -0.0, 1.0], [-0.0, np.nan, -0.0]], dtype)
    for d in (0, 1):
        _same(Tensor(x).cumsum(d), torch.tensor(x).cumsum(d))
        _same(Tensor(x).logcumsumexp(d), torch.tensor(x).logcumsumexp(d))
    _same(Tensor(x).sum(1), torch.tensor(x).sum(1))  # (already torch's)


@pytest.mark.parametrize("name", ["fmax", "fmin"])
@pytest.mark.parametrize("n", [1, 3, 4, 9, 33])
def test_fmax_fmin_keep_x_at_a_signed_zero_tie(name, n):
    # NumPy's fmax(0.0, -0.0) gave -0.0 from 4 elements on (its SIMD loop); torch's is x
    x, y = np.zeros(n), np.full(n, -0.0)
    for a, b in ((x, y), (y, x)):
        _same(getattr(tg, name)(Tensor(a), Tensor(b)), getattr(torch, name)(torch.tensor(a),
                                                                        torch.tensor(b)))


def test_jit_replay_of_a_step_with_the_changed_ops_is_eagers():
    W = Tensor(np.array([[1.0, -1.0, 0.5], [-2.0, 0.25, 1.0]]), requires_grad=True)

    def step(X):
        X = Tensor(X)
        r = F.relu(X).clamp(min=0.0) + tg.fmax(X * 0.0, 0.0)  # (-0.0 at X's -0.0)
        h = F.relu(r @ W)
        out = F.elu(h).cumsum(1) + h.logcumsumexp(1) + F.selu(-h).clamp(max=-0.0)
        out.sum().backward()
        return out, r

    def run(f, s):
        W.grad = None
        out, r = f(xs(s))
        return np.concatenate([out.numpy(), r.numpy()], 1), np.array(W.grad)

    def xs(s):
        X = np.random.default_rng(s).standard_normal((5, 2))
        X[0] = [-0.0, 0.0]
        X[1] = [np.nan, 1.0]
        return X

    eager = [run(step, s) for s in range(4)]
    f = jit(step, strict=True)
    got = [run(f, s) for s in range(4)]
    assert f.replays == 2
    assert np.signbit(eager[3][0]).any() and (eager[3][0] == 0).any()
    for (o1, g1), (o2, g2) in zip(eager, got):
        np.testing.assert_array_equal(o1, o2)
        np.testing.assert_array_equal(np.signbit(o1), np.signbit(o2))
        np.testing.assert_array_equal(g1, g2)


# ---- the seeded differential subset ----------------------------------------------------------
def _draw(rng, shape):
    x = rng.standard_normal(shape).round(1)
    m = rng.random(shape) < rng.choice([0.2, 0.5, 1.0])
    x[m] = rng.choice(EDGE, size=int(m.sum()))
    return x


def _cases(rng):
    """(name, ours, torch's, inputs, compare signs of zeros, compare gradients)."""
    nd = int(rng.integers(1, 4))
    shape = tuple(int(s) for s in rng.integers(1, 5, nd))
    x, y = _draw(rng, shape), _draw(rng, shape)
    d, kd = int(rng.integers(-nd, nd)), bool(rng.integers(2))
    k = int(rng.integers(1, shape[d] + 1))
    desc = bool(rng.integers(2))
    mask = rng.random(shape) < 0.4
    s = float(rng.choice(EDGE))
    L = int(rng.integers(2, 7))
    ks, st = int(rng.integers(1, min(L, 3) + 1)), int(rng.integers(1, 3))
    pd = int(rng.integers(0, ks // 2 + 1))
    x1, x2 = _draw(rng, (1, 2, L)), _draw(rng, (1, 2, L, L))
    os_ = int(rng.integers(1, L + 1))
    bnd = np.sort(rng.standard_normal(5).round(1))
    return [
        ("max", lambda a: a.max(), lambda a: a.max(), [x], False, True),
        ("max_dim", lambda a: a.max(dim=d, keepdim=kd), lambda a: a.max(d, kd), [x], True, True),
        ("min_dim", lambda a: a.min(dim=d, keepdim=kd), lambda a: a.min(d, kd), [x], True, True),
        ("amax", lambda a: a.amax(d, kd), lambda a: a.amax(d, kd), [x], False, False),
        ("argmax", lambda a: a.argmax(d, kd), lambda a: a.argmax(d, kd), [x], True, False),
        ("argmin", lambda a: a.argmin(), lambda a: a.argmin(), [x], True, False),
        ("maximum", tg.maximum, torch.maximum, [x, y], False, True),
        ("minimum", tg.minimum, torch.minimum, [x, y], False, True),
        ("fmax", tg.fmax, torch.fmax, [x, y], True, False),
        ("fmin", tg.fmin, torch.fmin, [x, y], True, False),
        ("clamp_s", lambda a: a.clamp(s, -s), lambda a: a.clamp(s, -s), [x], True, True),
        ("clamp_min", lambda a: a.clamp(min=s), lambda a: a.clamp(min=s), [x], True, True),
        ("clamp_t", lambda a, b: a.clamp(b), lambda a, b: a.clamp(b), [x, y], False, True),
        ("sort", lambda a: a.sort(d, desc, stable=True),
         lambda a: a.sort(dim=d, descending=desc, stable=True), [x], True, True),
        ("argsort", lambda a: a.argsort(dim=d, descending=desc, stable=True),
         lambda a: a.argsort(dim=d, descending=desc, stable=True), [x], True, False),
        ("topk", lambda a: a.topk(k, d, desc)[0], lambda a: a.topk(k, d, desc)[0], [x], False,
         False),
        ("kthvalue", lambda a: a.kthvalue(k, d, kd)[0], lambda a: a.kthvalue(k, d, kd)[0], [x],
         False, False),
        ("median", lambda a: a.median(d, kd)[0], lambda a: a.median(d, kd)[0], [x], False, False),
        ("nanmedian", lambda a: a.nanmedian(d, kd)[0], lambda a: a.nanmedian(d, kd)[0], [x],
         False, False),
        *[(f"quantile_{it}", lambda a, it=it: a.quantile(0.7, d, kd, interpolation=it),
           lambda a, it=it: a.quantile(0.7, d, kd, interpolation=it), [x], False, True)
          for it in ("lower", "higher", "nearest")],
        ("cummax", lambda a: a.cummax(d), lambda a: a.cummax(d), [x], True, True),
        ("cummin", lambda a: a.cummin(d), lambda a: a.cummin(d), [x], True, True),
        ("cumsum", lambda a: a.cumsum(d), lambda a: a.cumsum(d), [x], True, True),
        ("cumprod", lambda a: a.cumprod(d), lambda a: a.cumprod(d), [x], False, False),
        ("logcumsumexp", lambda a: a.logcumsumexp(d), lambda a: a.logcumsumexp(d), [x], True,
         True),
        ("logsumexp", lambda a: a.logsumexp(d, kd), lambda a: a.logsumexp(d, kd), [x], True,
         True),
        ("softmax", lambda a: F.softmax(a, d), lambda a: TF.softmax(a, d), [x], True, True),
        ("log_softmax", lambda a: F.log_softmax(a, d), lambda a: TF.log_softmax(a, d), [x],
         True, True),
        ("masked_fill", lambda a: a.masked_fill(Tensor(mask), s),
         lambda a: a.masked_fill(torch.tensor(mask), s), [x], True, True),
        ("where", lambda a, b: tg.where(Tensor(mask), a, b),
         lambda a, b: torch.where(torch.tensor(mask), a, b), [x, y], True, True),
        ("nan_to_num", lambda a: a.nan_to_num(nan=1.5, posinf=7.0, neginf=-0.0),
         lambda a: a.nan_to_num(nan=1.5, posinf=7.0, neginf=-0.0), [x], True, True),
        ("isclose", lambda a, b: tg.isclose(a, b, equal_nan=desc),
         lambda a, b: torch.isclose(a, b, equal_nan=desc), [x, y], True, False),
        *[(c, lambda a, b, c=c: getattr(a, c)(b), lambda a, b, c=c: getattr(a, c)(b), [x, y],
           True, False) for c in ("eq", "ne", "lt", "ge")],
        ("relu", F.relu, TF.relu, [x], True, True),
        ("elu", F.elu, TF.elu, [x], True, False),
        ("selu", F.selu, TF.selu, [x], True, False),
        ("leaky_relu", lambda a: F.leaky_relu(a, 0.1), lambda a: TF.leaky_relu(a, 0.1), [x],
         True, True),
        ("threshold", lambda a: F.threshold(a, 0.0, -0.0), lambda a: TF.threshold(a, 0.0, -0.0),
         [x], True, True),
        ("hardtanh", F.hardtanh, TF.hardtanh, [x], True, False),
        ("abs", lambda a: a.abs(), lambda a: a.abs(), [x], True, True),
        ("copysign", tg.copysign, torch.copysign, [x, y], True, True),
        ("nansum", lambda a: a.nansum(d, kd), lambda a: a.nansum(d, kd), [x], True, True),
        ("nanmean", lambda a: a.nanmean(d, kd), lambda a: a.nanmean(d, kd), [x], True, True),
        ("var", lambda a: a.var(d, correction=0), lambda a: a.var(d, correction=0), [x], True,
         True),
        ("histc", lambda a: a.histc(5, -2, 2), lambda a: a.histc(5, -2, 2), [x], True, False),
        ("bucketize", lambda a: tg.bucketize(a, Tensor(bnd), right=desc),
         lambda a: torch.bucketize(a, torch.tensor(bnd), right=desc), [x], True, False),
        ("max_pool1d", lambda a: F.max_pool1d(a, ks, st, pd, return_indices=True),
         lambda a: TF.max_pool1d(a, ks, st, pd, return_indices=True), [x1], True, True),
        ("max_pool2d", lambda a: F.max_pool2d(a, ks, st, pd, return_indices=True),
         lambda a: TF.max_pool2d(a, ks, st, pd, return_indices=True), [x2], True, True),
        ("amp1d", lambda a: F.adaptive_max_pool1d(a, os_, return_indices=True),
         lambda a: TF.adaptive_max_pool1d(a, os_, return_indices=True), [x1], True, True),
        ("amp2d", lambda a: F.adaptive_max_pool2d(a, os_, return_indices=True),
         lambda a: TF.adaptive_max_pool2d(a, os_, return_indices=True), [x2], True, True),
    ]


def _flat(o):
    if isinstance(o, (Tensor, torch.Tensor)):
        return [o]
    return [t for v in o for t in _flat(v)]


@pytest.mark.parametrize("seed", range(12))
def test_edge_values_against_torch(seed):
    rng = np.random.default_rng(seed)
    for name, ours, ref, xs, sign, grad in _cases(rng):
        a = [Tensor(v.copy(), requires_grad=grad) for v in xs]
        b = [torch.tensor(v.copy(), requires_grad=grad) for v in xs]
        oa, ob = _flat(ours(*a)), _flat(ref(*b))
        assert len(oa) == len(ob), name
        for u, v in zip(oa, ob):
            try:
                _same(u, v, sign)
            except AssertionError as e:
                raise AssertionError(f"{name} seed {seed}: {e}") from None
        if not grad:
            continue
        w = rng.integers(1, 5, ob[0].shape).astype(np.float64)
        (oa[0] * Tensor(w)).sum().backward()
        (ob[0] * torch.tensor(w)).sum().backward()
        for u, v in zip(a, b):
            got = np.zeros(u.shape) if u.grad is None else np.asarray(u.grad)
            try:
                _same(got, v.grad, sign=False)
            except AssertionError as e:
                raise AssertionError(f"{name} seed {seed} gradient: {e}") from None
