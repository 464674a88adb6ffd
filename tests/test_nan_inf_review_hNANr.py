"""Second review of the NaN/inf/-0.0 hunt (hNAN, commit 15bcc7c), helper hNANr: the signs of
zeros it set, in the dtypes, layouts and forms it did not try, against torch 2.13.

Fixed here: float16 relu / elu / selu (and relu_, inplace=True, out=) of -0.0 gave 0.0 (NumPy's
float16 maximum keeps its first operand; before 15bcc7c it was -0.0, torch's); elu with a
negative alpha gave 0.0 at -0.0 and -0.0 at 0.0 (torch keeps x at a zero for any alpha);
cumsum / logcumsumexp of a 0-d -0.0 gave 0.0 (torch copies it: -0.0); a complex cumsum kept a
leading -0.0 - 0.0j (torch's starts from 0j, as its real one); clamp with two number bounds, one
of them 0, took a masked copy wherever x held a zero (10x np.clip at 1e6 entries): now one
pass per bound. And where NumPy's maximum/minimum are not found to keep their second operand at
a tie (float16 here; any dtype on another machine: TIE_UNSURE), relu and clamp still give
torch's signs (simulated below).
"""
import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.ops import elementwise, float_parts

torch = pytest.importorskip("torch")
TF = torch.nn.functional
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

ZEROS = np.array([-0.0, 0.0, -1.0, 1.0, np.nan, -np.inf, np.inf, 0.5] * 3)  # (24: vector loops)


def _same(ours, ref):
    a = np.asarray(ours.numpy() if isinstance(ours, Tensor) else ours)
    b = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    if a.dtype.kind == "c":
        a, b = a.reshape(-1).view(a.real.dtype), b.reshape(-1).view(b.real.dtype)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-3, atol=0)
    np.testing.assert_array_equal(np.signbit(a[~np.isnan(a)]), np.signbit(b[~np.isnan(b)]))


def _layouts(x):
    """x as it is, 0-d (its first entry), strided and transposed."""
    yield x
    yield x[0].reshape(())
    yield np.repeat(x, 2)[::2]
    yield np.ascontiguousarray(np.stack([x, x[::-1]], 1)).T


ACTS = {"relu": (F.relu, TF.relu), "elu": (F.elu, TF.elu), "selu": (F.selu, TF.selu),
        "elu_neg": (lambda a, **k: F.elu(a, -1.0, **k), lambda a, **k: TF.elu(a, -1.0, **k)),
        "elu_0": (lambda a, **k: F.elu(a, 0.0, **k), lambda a, **k: TF.elu(a, 0.0, **k))}


@pytest.mark.parametrize("name", sorted(ACTS))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_activations_keep_x_at_a_zero_in_every_dtype_layout_and_form(name, dtype):
    # float16 relu/elu/selu(-0.0) were 0.0 (NumPy's float16 maximum keeps its first: -0.0
    # before 15bcc7c); elu(-0.0, alpha=-1) was 0.0 and elu(0.0, alpha=-1) -0.0; torch keeps x
    ours, ref = ACTS[name]
    for x in _layouts(ZEROS.astype(dtype)):
        _same(ours(Tensor(x)), ref(torch.tensor(x)))
        t, r = Tensor(x.copy()), torch.tensor(x.copy())
        ours(t, inplace=True)
        ref(r, inplace=True)
        _same(t, r)
    if name == "relu":
        t = Tensor(ZEROS.astype(dtype))
        t.relu_()
        _same(t, torch.relu(torch.tensor(ZEROS.astype(dtype))))
        o = Tensor(np.empty(24, dtype))
        F.relu(Tensor(ZEROS.astype(dtype)), out=o)
        _same(o, torch.relu(torch.tensor(ZEROS.astype(dtype))))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elu_gradient_with_a_negative_alpha_unchanged(dtype):
    x = ZEROS.astype(dtype)
    a, b = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    w = np.arange(1.0, 25.0).astype(dtype)
    (F.elu(a, -0.5) * Tensor(w)).sum().backward()
    (TF.elu(b, -0.5) * torch.tensor(w)).sum().backward()
    ok = ~np.isnan(x)  # (torch's gradient at a NaN is its kernel's: see docs/pytorch.md)
    np.testing.assert_allclose(np.asarray(a.grad)[ok], b.grad.numpy()[ok], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_scans_of_a_0d_negative_zero_keep_it(dtype):
    # a 0-d cumsum / logcumsumexp is a copy in torch (-0.0); 15bcc7c's += 0 made it 0.0
    x = np.array(-0.0, dtype)
    for d in (0, -1):
        _same(Tensor(x).cumsum(d), torch.tensor(x).cumsum(d))
        _same(tg.cumsum(Tensor(x), dim=d), torch.cumsum(torch.tensor(x), d))
        _same(Tensor(x).logcumsumexp(d), torch.tensor(x).logcumsumexp(d))
    x1 = np.array([-0.0], dtype)  # (a (1,) one starts from +0.0, as torch's)
    _same(Tensor(x1).cumsum(0), torch.tensor(x1).cumsum(0))
    _same(Tensor(x1).logcumsumexp(0), torch.tensor(x1).logcumsumexp(0))


def test_complex_cumsum_starts_from_positive_zero():
    # cumsum([-0.0-0.0j, ...]) kept -0.0-0.0j; torch's running sum starts from 0j
    x = np.array([[complex(-0.0, -0.0), complex(-0.0, 1.0)], [complex(1.0, -0.0), -0.0]])
    for d in (0, 1):
        _same(Tensor(x).cumsum(d), torch.tensor(x).cumsum(d))
    _same(Tensor(np.array(complex(-0.0, -0.0))).cumsum(0),
          torch.tensor(np.array(complex(-0.0, -0.0))).cumsum(0))


BOUNDS = [(0.0, 1.0), (-1.0, 0.0), (0.0, -0.0), (-0.0, 0.0), (1.0, 0.0), (0.0, -1.0),
          (0.0, 0.0), (np.nan, 0.0), (0.0, np.nan), (0, 6), (0.0, None), (None, -0.0)]


@pytest.mark.parametrize("lo,hi", BOUNDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_clamp_two_number_bounds_in_every_layout_and_form(lo, hi, dtype):
    # the two-bound path was np.clip plus a masked copy of x's zeros; now max then min
    for x in _layouts(np.tile(ZEROS, 5).astype(dtype)):
        ref = torch.tensor(x).clamp(lo, hi)
        _same(Tensor(x).clamp(lo, hi), ref)
        _same(np.clip(Tensor(x), lo, hi), ref)
        t = Tensor(x.copy())
        t.clamp_(lo, hi)
        _same(t, ref)
        o = Tensor(np.empty(x.shape, dtype))
        tg.clamp(Tensor(x), lo, hi, out=o)
        _same(o, ref)
        a, b = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        a.clamp(lo, hi).sum().backward()
        b.clamp(lo, hi).sum().backward()
        np.testing.assert_array_equal(np.asarray(a.grad), b.grad.numpy())


def test_clamp_with_a_zero_number_and_an_array_bound_keeps_np_clips_dtype_and_shape():
    # (torch refuses a number beside a tensor bound; ours takes it, as np.clip: a float64
    # array bound promotes float32 x, and one of a larger shape broadcasts x)
    x = ZEROS.astype(np.float32)[:8]
    hi = np.full((3, 8), 0.5)
    for lo_, hi_ in ((0.0, Tensor(hi)), (Tensor(-hi), -0.0), (0.0, Tensor(np.float64(0.5)))):
        got = Tensor(x).clamp(lo_, hi_)
        lo_a = lo_.data if isinstance(lo_, Tensor) else lo_
        hi_a = hi_.data if isinstance(hi_, Tensor) else hi_
        want = np.clip(x, lo_a, hi_a)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want)


def test_relu_and_clamp_keep_torchs_signs_where_numpy_keeps_its_first(monkeypatch):
    # on a machine whose maximum/minimum loops keep their first operand at a tie (float16
    # here) the probe lists the dtype in TIE_UNSURE: relu and clamp must not rely on the tie
    monkeypatch.setattr(float_parts, "TIE_UNSURE", "efdg")
    monkeypatch.setattr(elementwise, "TIE_UNSURE", "efdg")
    for dtype in (np.float32, np.float64):
        for x in _layouts(ZEROS.astype(dtype)):
            _same(F.relu(Tensor(x)), TF.relu(torch.tensor(x)))
            for lo, hi in BOUNDS:
                _same(Tensor(x).clamp(lo, hi), torch.tensor(x).clamp(lo, hi))
                t = Tensor(x.copy())
                t.clamp_(lo, hi)
                _same(t, torch.tensor(x).clamp(lo, hi))


def test_jit_replay_of_the_reviewed_ops_is_eagers():
    W = Tensor(np.array([[1.0, -1.0, 0.5], [-2.0, 0.25, 1.0]]), requires_grad=True)

    def step(X):
        X = Tensor(X)
        h = (X @ W) * 0.0  # (signed zeros)
        outs = (F.elu(h, -1.0), F.relu(h.half()).float(), h.clamp(0.0, 1.0),
                h.clamp(-1.0, -0.0), (X @ W).clamp(0, 1), h[0, 0].cumsum(0),
                h[0, 0].logcumsumexp(0))
        sum(o.sum() for o in outs).backward()
        return outs

    def run(f, s):
        W.grad = None
        X = np.random.default_rng(s).standard_normal((5, 2))
        X[0] = [-1.0, 0.5]  # (h[0, 0] is -0.0)
        outs = [o.numpy() for o in f(X)]
        return [np.signbit(o) for o in outs] + outs + [np.array(W.grad)]

    eager = [run(step, s) for s in range(4)]
    f = jit(step, strict=True)
    got = [run(f, s) for s in range(4)]
    for e, g in zip(eager, got):
        for u, v in zip(e, g):
            np.testing.assert_array_equal(u, v)
    assert all(eager[0][i].any() for i in (0, 1, 2, 3, 5, 6))  # (the -0.0s the step is about)
