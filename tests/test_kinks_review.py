"""Review of gradients (and values) at kinks, ties, boundaries and special points, against
PyTorch 2.13 in float64 and float32: max/min(dim) ties go to the index returned (they were
split evenly), and an inf or NaN upstream gradient gives the input that maximum/minimum/fmax/
fmin did not pick an exact 0 (it was g * 0 = NaN), and clamp by a tensor bound that broadcasts
x to a larger shape differentiates (its backward raised). The table at the end pins the cases
that already agreed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional
DTYPES = [np.float64, np.float32]
INF, NAN = np.inf, np.nan


def _a(*v: float) -> np.ndarray:
    return np.array(v, dtype=np.float64)


def _same(got: np.ndarray, want: np.ndarray, what: str, dtype) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (what, got, want)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert np.array_equal(np.isnan(got), np.isnan(want)), (what, got, want)
    assert np.allclose(got, want, rtol=rtol, atol=0, equal_nan=True), (what, got, want)


def _compare(ours, theirs, inputs, dtype, up=None, wrt=None) -> None:
    """ours(*Tensors) and theirs(*torch tensors): the values and the gradients of the float
    inputs (wrt: their positions) for the upstream gradient `up` (1, 2, 3, ... by default)."""
    ins = [np.asarray(x, dtype=dtype) for x in inputs]
    wrt = range(len(ins)) if wrt is None else wrt
    tt = [torch.tensor(x, requires_grad=i in wrt) for i, x in enumerate(ins)]
    ts = [Tensor(x.copy(), requires_grad=i in wrt) for i, x in enumerate(ins)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = theirs(*tt), ours(*ts)
        _same(got.data, want.detach().numpy(), "value", dtype)
        u = (np.arange(1, want.numel() + 1).reshape(want.shape) if up is None else up)
        u = np.asarray(u, dtype=dtype)
        want.backward(torch.tensor(u))
        got.backward(Tensor(u.copy()))
    for i in wrt:
        g = tt[i].grad
        g = np.zeros_like(ins[i]) if g is None or g._is_zerotensor() else g.numpy()
        mine = np.zeros_like(ins[i]) if ts[i].grad is None else np.asarray(ts[i].grad)
        _same(mine, g, f"gradient {i}", dtype)


_TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [NAN, 1.0, NAN], [-0.0, 0.0, -1.0]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_dim_ties_route_the_gradient_to_the_returned_index(op, dtype):
    """x.max(dim=1) of [1, 3, 3] gave each 3 half the gradient (and each NaN of [nan, 1, nan]
    half); torch gives it all to the index it returns (the first), as these now do."""
    for keep in (False, True):
        _compare(lambda x, k=keep: getattr(x, op)(dim=1, keepdim=k)[0],
                 lambda x, k=keep: getattr(x, op)(dim=1, keepdim=k)[0], (_TIES,), dtype)
    _compare(lambda x: getattr(tg, op)(x, dim=0).values,
             lambda x: getattr(torch, op)(x, dim=0).values, (_TIES,), dtype)
    _compare(lambda x: getattr(x.T, op)(dim=0)[0], lambda x: getattr(x.T, op)(dim=0)[0],
             (_TIES,), dtype)  # a transposed (non-contiguous) input
    _compare(lambda x: getattr(x, op)(dim=1)[0], lambda x: getattr(x, op)(dim=1)[0],
             (np.ones((2, 3, 2)),), dtype)
    _compare(lambda x: getattr(x, op)(dim=0)[0], lambda x: getattr(x, op)(dim=0)[0],
             (np.array(2.0),), dtype)  # 0-d
    x = Tensor(_TIES.astype(dtype))
    indices = getattr(x, op)(dim=1).indices
    assert np.array_equal(indices.data, getattr(torch.tensor(_TIES), op)(dim=1).indices.numpy())


def test_max_dim_of_an_empty_dim_still_refuses():
    with pytest.raises(ValueError, match="Max: cannot apply to shapes \\(2, 0\\)"):
        Tensor(np.zeros((2, 0))).max(dim=1)
    values, indices = Tensor(np.zeros((0, 3)), requires_grad=True).max(dim=1)
    assert values.shape == indices.shape == (0,)


@pytest.mark.parametrize("dtype", DTYPES)
def test_amax_and_full_max_still_split_ties_evenly(dtype):
    """amax/amin and max() over everything: torch splits a tie evenly (unchanged here)."""
    m = _TIES[:2]
    _compare(lambda x: x.amax(dim=1), lambda x: x.amax(dim=1), (m,), dtype)
    _compare(lambda x: x.amin(dim=0), lambda x: x.amin(dim=0), (m,), dtype)
    _compare(lambda x: x.max(), lambda x: x.max(), (m,), dtype)
    _compare(lambda x: x.min(), lambda x: x.min(), (_a(1.0, 1.0, 2.0),), dtype)


@pytest.mark.parametrize("op", ["fmax", "fmin"])
def test_fmax_fmin_keep_their_documented_even_split_at_a_tie(op):
    """A deliberate difference (the edge table's note): torch's fmax gives a tie all to x."""
    x = Tensor(_a(1.0, NAN, NAN), requires_grad=True)
    y = Tensor(_a(1.0, 2.0, NAN), requires_grad=True)
    getattr(tg, op)(x, y).backward(Tensor(_a(INF, 3.0, 5.0)))
    assert np.array_equal(x.grad, [INF, 0.0, 5.0]) and np.array_equal(y.grad, [INF, 3.0, 0.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["maximum", "minimum", "fmax", "fmin"])
def test_the_input_not_picked_gets_zero_for_an_inf_or_nan_gradient(op, dtype):
    """maximum([1, 2], [1, 1]) with upstream [inf, nan]: torch gives y [inf/2, 0]; it was
    [inf, nan] (g * 0 for the loser)."""
    x, y = _a(1.0, 2.0, 0.0, NAN), _a(1.0, 1.0, 3.0, 1.0)
    if op.startswith("f"):  # (no tie: torch's fmax gives a tie all to x, ours splits it)
        x[0] = 5.0
    _compare(getattr(tg, op), getattr(torch, op), (x, y), dtype, up=_a(INF, NAN, -INF, INF))
    _compare(getattr(tg, op), getattr(torch, op), (x, y), dtype, up=_a(INF, INF, 1.0, NAN))


@pytest.mark.parametrize("dtype", DTYPES)
def test_clamp_by_a_bound_that_broadcasts_x_up_sums_its_gradient_back(dtype):
    """x (2,) clamped by lo (3, 2): the forward gave (3, 2), backward raised NumPy's
    "non-broadcastable output operand with shape (2,)"; torch sums the gradient back."""
    x, hi = _a(0.0, 1.0), np.array([[0.7, 0.2]])
    lo = np.array([[0.5, 0.5], [1.0, 1.0], [-1.0, 2.0]])
    _compare(lambda x, lo: x.clamp(min=lo), lambda x, lo: x.clamp(min=lo), (x, lo), dtype,
             wrt=[0])
    _compare(lambda x, lo, hi: x.clamp(lo, hi), lambda x, lo, hi: x.clamp(lo, hi),
             (x, lo[:, :1], hi), dtype, wrt=[0])
    _compare(lambda x, hi: tg.clamp_max(x, hi), lambda x, hi: torch.clamp_max(x, hi),
             (x, lo), dtype, wrt=[0])


# ---- cases that already agreed with torch (pinned) -------------------------------------------
_X = _a(-1.0, 0.0, -0.0, 1.0)
_C = _a(-1.0, 1.0, 0.0, 2.0, -2.0)
_AGREED = {
    "abs at 0": (lambda x: x.abs(), lambda x: x.abs(), (_X,)),
    "relu at 0": (F.relu, TF.relu, (_X,)),
    "relu6 at 0, 6": (F.relu6, TF.relu6, (_a(-0.0, 0.0, 6.0, 5.5, 6.5),)),
    "hardtanh at -1, 1": (F.hardtanh, TF.hardtanh, (_a(-1.0, 1.0, 0.0, -1.5, 1.5),)),
    "hardswish at -3, 3": (F.hardswish, TF.hardswish, (_a(-3.0, 3.0, 0.0, -2.5, 2.5),)),
    "hardshrink at +-0.5": (F.hardshrink, TF.hardshrink, (_a(-0.5, 0.5, 0.0, 0.6),)),
    "softshrink at +-0.5": (F.softshrink, TF.softshrink, (_a(-0.5, 0.5, 0.0, 0.6),)),
    "threshold at 1": (lambda x: F.threshold(x, 1.0, -5.0),
                       lambda x: TF.threshold(x, 1.0, -5.0), (_a(1.0, 0.5, 1.5),)),
    "leaky_relu at 0": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), (_X,)),
    "elu at 0": (lambda x: F.elu(x, 2.0), lambda x: TF.elu(x, 2.0), (_X,)),
    "selu at 0": (F.selu, TF.selu, (_X,)),
    "celu at 0": (lambda x: F.celu(x, 0.5), lambda x: TF.celu(x, 0.5), (_X,)),
    "gelu tanh at 0": (lambda x: F.gelu(x, approximate="tanh"),
                       lambda x: TF.gelu(x, approximate="tanh"), (_X,)),
    "silu at 0": (F.silu, TF.silu, (_X,)),
    "clamp on the bounds": (lambda x: x.clamp(-1.0, 1.0), lambda x: x.clamp(-1.0, 1.0), (_C,)),
    "clamp min > max": (lambda x: x.clamp(1.0, -1.0), lambda x: x.clamp(1.0, -1.0), (_C,)),
    "clamp tensor bounds, min > max": (
        lambda x, lo, hi: x.clamp(lo, hi), lambda x, lo, hi: x.clamp(lo, hi),
        (_C, _a(-1.0, 1.0, 0.5, 3.0, 3.0), _a(1.0, 1.0, 0.0, 2.0, -3.0)), [0]),
    "maximum ties": (tg.maximum, torch.maximum, (_a(1.0, 2.0, NAN, 0.0), _a(1.0, 1.0, 1.0, -0.0))),
    "sqrt, rsqrt, log at 0": (lambda x: x.sqrt() + x.rsqrt() + x.log(),
                              lambda x: x.sqrt() + x.rsqrt() + x.log(), (_a(0.0, -0.0, 1.0),)),
    "0 ** y, x ** 0": (lambda x, y: x ** y, lambda x, y: x ** y,
                       (_a(0.0, 0.0, 0.0, 0.0, -2.0, -2.0, 2.0),
                        _a(0.0, 1.0, 2.0, -1.0, 3.0, 0.5, 0.0))),
    "where: inf in the unselected branch": (
        lambda x: tg.where(Tensor(np.array([True, False, True])), x.log(), x),
        lambda x: torch.where(torch.tensor([True, False, True]), x.log(), x), (_a(1.0, 0.0, 2.0),)),
    "vector_norm of 0": (lambda x: tg.linalg.vector_norm(x) + x.norm(1) + x.norm(INF),
                         lambda x: torch.linalg.vector_norm(x) + x.norm(1) + x.norm(INF),
                         (np.zeros(3),)),
    "cdist at coincident points": (lambda x, y: tg.cdist(x, y), lambda x, y: torch.cdist(x, y),
                                   (np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[1.0, 2.0]]))),
    "logsumexp rows of -inf, +inf": (
        lambda x: x.logsumexp(1), lambda x: x.logsumexp(1),
        (np.array([[-INF, -INF], [INF, 0.0], [-INF, 1.0]]),)),
    "log_softmax with -inf": (lambda x: x.log_softmax(1), lambda x: x.log_softmax(1),
                              (np.array([[-INF, 0.0, 1.0], [-INF, -INF, 2.0]]),)),
    "prod with one and two zeros": (lambda x: x.prod(1), lambda x: x.prod(1),
                                    (np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0]]),)),
    "cumprod with zeros": (lambda x: x.cumprod(0), lambda x: x.cumprod(0),
                           (_a(2.0, 0.0, 3.0, 0.0, 5.0),)),
    "atan2, hypot at (0, 0)": (lambda y, x: tg.atan2(y, x) + tg.hypot(y, x),
                               lambda y, x: torch.atan2(y, x) + torch.hypot(y, x),
                               (_a(0.0, -0.0, 0.0), _a(0.0, 0.0, -0.0))),
    "fmod, remainder at jumps": (lambda x, y: tg.fmod(x, y) + tg.remainder(x, y),
                                 lambda x, y: torch.fmod(x, y) + torch.remainder(x, y),
                                 (_a(2.0, -2.0, 3.0, -3.0), _a(1.0, 1.0, 1.5, 2.0))),
    "copysign at +-0": (tg.copysign, torch.copysign, (_a(0.0, -0.0, 2.0), _a(-0.0, 0.0, -0.0))),
    "xlogy at (0, 0)": (tg.xlogy, torch.xlogy, (_a(0.0, 0.0, 0.0, 1.0), _a(0.0, 1.0, NAN, 0.0))),
    "logit eps at 0, 1": (lambda x: x.logit(1e-6), lambda x: x.logit(1e-6),
                          (_a(0.0, 1.0, 1e-6, 1 - 1e-6, 0.5),)),
    "erfinv at +-1": (lambda x: x.erfinv(), lambda x: x.erfinv(), (_a(1.0, -1.0, 0.0),)),
    "smooth_l1 at beta, beta = 0": (
        lambda x, y: F.smooth_l1_loss(x, y, beta=0.5) + F.smooth_l1_loss(x, y, beta=0.0),
        lambda x, y: TF.smooth_l1_loss(x, y, beta=0.5) + TF.smooth_l1_loss(x, y, beta=0.0),
        (_a(0.5, -0.5, 0.0, 1.0), _a(0.0, 0.0, 0.0, 0.0))),
    "nll at ignore_index": (lambda x: F.nll_loss(x, np.array([0, -100])),
                            lambda x: TF.nll_loss(x, torch.tensor([0, -100])),
                            (np.log(np.array([[0.2, 0.8], [0.5, 0.5]])),)),
    "cosine_similarity with a zero vector": (
        lambda x, y: F.cosine_similarity(x, y), lambda x, y: TF.cosine_similarity(x, y),
        (np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[1.0, 2.0], [0.0, 0.0]]))),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", sorted(_AGREED))
def test_kinks_agree_with_torch(case, dtype):
    ours, theirs, inputs, *wrt = _AGREED[case]
    _compare(ours, theirs, inputs, dtype, wrt=wrt[0] if wrt else None)
