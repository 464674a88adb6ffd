"""Seeded torch 2.13 differential of the ops hEX changed (mish, silu, atan, asin, acos, atanh,
log10, log2, pow, hypot, round(decimals), huber_loss, smooth_l1_loss): random shapes (0-d,
empty, transposed, broadcast), float64 and float32, a third of the entries edge values (0, -0,
+-1e-300, +-0.999999, +-1e10, +-1e300, +-inf, NaN); values and gradients as torch's, where
torch is exact (softsign and the tanh GELU are not in its tails: tests/
test_extremes_elementwise_grads_hEX.py checks those against mpmath)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F

torch = pytest.importorskip("torch")
T = torch.nn.functional

EDGE = np.array([0.0, -0.0, 1e-300, -1e-300, 1e-20, 0.5, -0.5, 1.0, -1.0, 0.999999, -0.999999,
                 3.0, -3.0, 30.0, -30.0, 1e10, -1e10, 1e300, -1e300, np.inf, -np.inf, np.nan])

UNARY = {
    "mish": (F.mish, T.mish),
    "silu": (F.silu, T.silu),
    "atan": (lambda t: t.atan(), torch.atan),
    "asin": (lambda t: t.asin(), torch.asin),
    "acos": (lambda t: t.acos(), torch.acos),
    "atanh": (lambda t: t.atanh(), torch.atanh),
    "log10": (lambda t: t.log10(), torch.log10),
    "log2": (lambda t: t.log2(), torch.log2),
    "pow 0.3": (lambda t: t ** 0.3, lambda t: t ** 0.3),
    "pow 2": (lambda t: t ** 2.0, lambda t: t ** 2.0),
    "pow -1/3": (lambda t: t ** (-1 / 3), lambda t: t ** (-1 / 3)),
    "round 3": (lambda t: t.round(decimals=3), lambda t: torch.round(t, decimals=3)),
    "round 40": (lambda t: t.round(decimals=40), lambda t: torch.round(t, decimals=40)),
}
BINARY = {
    "hypot": (tg.hypot, torch.hypot),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b),
    "huber": (lambda a, b: F.huber_loss(a, b, reduction="none", delta=0.7),
              lambda a, b: T.huber_loss(a, b, reduction="none", delta=0.7)),
    "smooth_l1": (lambda a, b: F.smooth_l1_loss(a, b, reduction="none", beta=0.3),
                  lambda a, b: T.smooth_l1_loss(a, b, reduction="none", beta=0.3)),
    "smooth_l1 mean": (lambda a, b: F.smooth_l1_loss(a, b, beta=2.0),
                       lambda a, b: T.smooth_l1_loss(a, b, beta=2.0)),
    "huber sum": (lambda a, b: F.huber_loss(a, b, reduction="sum", delta=3.0),
                  lambda a, b: T.huber_loss(a, b, reduction="sum", delta=3.0)),
}


def _draw(rng, shape, dtype):
    a = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)
    a = np.where(rng.uniform(size=shape) < 0.3, rng.choice(EDGE, shape), a)
    with np.errstate(over="ignore"):
        return a.astype(dtype)


def _assert_close(ours, theirs, dtype, what):
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    assert ours.shape == theirs.shape, what
    tol = (1e-10, 1e-300) if dtype == np.float64 else (2e-5, 1e-37)
    np.testing.assert_allclose(ours, theirs, rtol=tol[0], atol=tol[1], equal_nan=True,
                               err_msg=what)


def _case(rng):
    dtype = rng.choice([np.float64, np.float32])
    shape = tuple(int(d) for d in rng.integers(0, 4, rng.integers(0, 3)))
    return dtype, shape


@pytest.mark.parametrize("seed", range(4))
def test_unary_ops_match_torch_at_random_edges(seed):
    rng = np.random.default_rng(1000 + seed)
    for _ in range(60):
        dtype, shape = _case(rng)
        name = rng.choice(sorted(UNARY))
        ours_fn, torch_fn = UNARY[name]
        a = _draw(rng, shape, dtype)
        if a.ndim == 2 and rng.uniform() < 0.3:
            a = a.T  # (non-contiguous)
        w = rng.standard_normal(a.shape).astype(dtype)
        x, xt = tg.Tensor(a.copy(), requires_grad=True), torch.tensor(a.copy(), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            y = ours_fn(x)
            (y * tg.Tensor(w)).sum().backward()
        yt = torch_fn(xt)
        (yt * torch.tensor(w)).sum().backward()
        what = f"{name} {np.dtype(dtype).name} {shape}: x={a.ravel()[:4]}"
        _assert_close(y.data, yt.detach().numpy(), dtype, what + " value")
        _assert_close(x.grad, xt.grad.numpy(), dtype, what + " gradient")


@pytest.mark.parametrize("seed", range(4))
def test_binary_ops_match_torch_at_random_edges(seed):
    rng = np.random.default_rng(2000 + seed)
    for _ in range(60):
        dtype, shape = _case(rng)
        name = rng.choice(sorted(BINARY))
        ours_fn, torch_fn = BINARY[name]
        other = shape
        if not name.startswith(("huber", "smooth")) and rng.uniform() < 0.4:
            other = tuple(1 if rng.uniform() < 0.5 else d for d in shape)  # (broadcast)
        a, b = _draw(rng, shape, dtype), _draw(rng, other, dtype)
        if name == "pow" and rng.uniform() < 0.5:
            a = np.abs(a)
        x, y = tg.Tensor(a.copy(), requires_grad=True), tg.Tensor(b.copy(), requires_grad=True)
        xt, yt = (torch.tensor(a.copy(), requires_grad=True),
                  torch.tensor(b.copy(), requires_grad=True))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = ours_fn(x, y)
            out.sum().backward()
        out_t = torch_fn(xt, yt)
        out_t.sum().backward()
        what = f"{name} {np.dtype(dtype).name} {shape} {other}: a={a.ravel()[:3]} b={b.ravel()[:3]}"
        _assert_close(out.data, out_t.detach().numpy(), dtype, what + " value")
        _assert_close(x.grad, xt.grad.numpy(), dtype, what + " gradient 0")
        _assert_close(y.grad, yt.grad.numpy(), dtype, what + " gradient 1")
