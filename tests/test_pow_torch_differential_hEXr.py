"""x ** p against torch 2.13 over seeded random cases: Python, 0-d and broadcast tensor
exponents mixing p whose p - 1 is exact and rounded (0.3, 1e-8), 0, integers, inf and NaN,
negative bases, float64 and float32: values, and both gradients of a random-weighted sum.
Left out, as docs/pytorch.md says: the slope where p - 1 rounds to p at a negative base (the
exact sign here) and where x^p is NaN (NaN here); float32 bases to a Python exponent under
float32's range (cast to 0 here; torch keeps it in double) and the sqrt-like slope at -0."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

_VALS = [0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0, -3.0, 0.3, 1 / 3, 2.2, -0.7, 1e-8, 1e20, -1e20,
         np.inf, -np.inf, np.nan, 1e-300, 1e300, 0.1, 7.0, -2.5]


def _draw(rng, shape, kind):
    if kind == 0:
        return rng.choice(_VALS, size=shape)
    if kind == 1:
        return np.exp(2 * rng.standard_normal(shape))
    if kind == 2:
        return rng.integers(-3, 4, shape).astype(float)
    return 3 * rng.standard_normal(shape)


def _case(rng):
    nd = int(rng.integers(0, 3))
    sx = tuple(int(s) for s in rng.integers(0, 4, nd))
    sp = tuple(1 if rng.random() < 0.4 else max(s, 1) for s in sx)
    if rng.random() < 0.3:
        sp = ()
    dt = np.float64 if rng.random() < 0.6 else np.float32
    x = np.array(_draw(rng, sx, int(rng.integers(0, 4))), dt)
    x[x == 0] = 0.0  # (no -0: torch's x ** 0.5 slope there is sqrt's -inf)
    if rng.random() < 0.3:
        p = float(rng.choice(_VALS))
        if dt == np.float32 and p == 1e-300:
            p = 1e-8
        return x, p, dt
    return x, np.array(_draw(rng, sp, int(rng.integers(0, 4))), dt), dt


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("seed", range(4))
def test_pow_values_and_gradients_against_torch(seed):
    rng = np.random.default_rng(1000 + seed)
    checked = 0
    for _ in range(150):
        x, p, dt = _case(rng)
        tensor_p = not isinstance(p, float)
        X, XT = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        P = tg.Tensor(p, requires_grad=True) if tensor_p else p
        PT = torch.tensor(p, requires_grad=True) if tensor_p else p
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            y, yt = X ** P, XT ** PT
            w = rng.standard_normal(tuple(yt.shape)).astype(dt)
            (y * tg.Tensor(w)).sum().backward()
            (yt * torch.tensor(w)).sum().backward()
        tol = 1e-12 if dt == np.float64 else 2e-5
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=tol, equal_nan=True)
        xb, pb = np.broadcast_arrays(x, np.asarray(p, dt))
        big = 2.0 ** 53 if dt == np.float64 else 2.0 ** 24
        skip = ((xb < 0) & (np.abs(pb) >= big)) | np.isnan(yt.detach().numpy())
        if skip.any():  # (the documented differences: compare the other entries alone)
            continue
        np.testing.assert_allclose(X.grad, XT.grad.numpy(), rtol=tol, equal_nan=True)
        if tensor_p:
            np.testing.assert_allclose(P.grad, PT.grad.numpy(), rtol=tol, equal_nan=True)
        checked += 1
    assert checked > 60
