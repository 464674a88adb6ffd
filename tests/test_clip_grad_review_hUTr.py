"""Second review of the gradient clipping hunt (helper hUTr): clip_grads_with_norm_ with a
negative total_norm (torch's coefficient flipped every gradient; -1e-6 divided by zero), the
L2 total norm of tiny gradients (the sum of squares underflowed: [3e-300, 4e-300] had norm
0), and what the review judged right: get_total_norm's p-norms against an exact reference
(tiny, huge, float16/float32/complex, p = 1 .. 1e6, inf), its API (generators, empty input,
Tensors, the returned float64), NaN/inf and zero clips against torch 2.13."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.nn import utils as U
from tinygrad_dl.optim import clip_grad_norm_

torch = pytest.importorskip("torch")


def _param(grad: np.ndarray) -> Tensor:
    w = Tensor(np.zeros(grad.shape, grad.dtype), requires_grad=True)
    (w * Tensor(grad)).sum().backward()
    return w


def _exact(arrays: list[np.ndarray], p: float) -> float:
    """The p-norm of exact moduli (integer p: in rationals; else a float64 sum of scaled
    powers, each term within an ulp)."""
    mods = [float(v) for a in arrays for v in np.abs(a.astype(np.complex128)).ravel()]
    if math.isinf(p):
        return max(mods, default=0.0)
    m = max(mods, default=0.0)
    if m == 0.0:
        return 0.0
    return m * math.fsum((v / m) ** p for v in mods) ** (1.0 / p)


@pytest.mark.parametrize("total", [-1e-6, -1.0, -math.inf, np.float32(-1e-6)])
def test_clip_grads_with_norm_negative_total_refused(total):
    # torch: -1.0 flips the gradients ([6, 8] -> [-6, -8]), -inf zeroes them; ours divided
    # by zero at -1e-6 (ZeroDivisionError) and flipped them at -1.0
    w = _param(np.array([6.0, 8.0]))
    with pytest.raises(ValueError, match="clip_grads_with_norm_: total_norm must be >= 0"):
        U.clip_grads_with_norm_([w], 1.0, total)
    np.testing.assert_array_equal(w.grad, [6.0, 8.0])


@pytest.mark.parametrize("dt,scale,rtol", [(np.float64, 1e-300, 1e-15),
                                           (np.float64, 1e-160, 1e-15),
                                           (np.float32, 1e-30, 1e-7),
                                           (np.float32, 1e-21, 1e-7)])
def test_l2_total_norm_of_tiny_gradients(dt, scale, rtol):
    # torch 2.13 returns 0 (float64 [3e-300, 4e-300]) as ours did, digits lost from 1e-154
    # (float64) / 1e-19 (float32); the other orders and linalg.vector_norm gave 5e-300
    g = (np.array([3.0, 4.0]) * scale).astype(dt)
    np.testing.assert_allclose(float(U.get_total_norm([g])), 5 * scale, rtol=rtol)
    w = _param(g)
    np.testing.assert_allclose(float(clip_grad_norm_([w], 1.0)), 5 * scale, rtol=rtol)
    np.testing.assert_array_equal(w.grad, g)  # far below max_norm: left as it is


def test_l2_total_norm_of_zero_gradients_is_zero():
    assert U.get_total_norm([np.zeros(3), np.zeros((2, 0))]) == 0.0
    w = _param(np.zeros(2))
    assert clip_grad_norm_([w], 0.0) == 0.0
    np.testing.assert_array_equal(w.grad, [0.0, 0.0])


@pytest.mark.parametrize("p", [1, 1.5, 2, 3, 50, 1e6, math.inf])
def test_total_norm_against_exact(p):
    rng = np.random.default_rng(7 if math.isinf(p) else int(p))
    for _ in range(40):
        dt = [np.float64, np.float32, np.float16, np.complex128][int(rng.integers(4))]
        big = {np.float16: 4, np.float32: 30}.get(dt, 290)
        arrays = []
        for _ in range(int(rng.integers(1, 4))):
            shape = tuple(int(s) for s in rng.integers(0, 4, size=int(rng.integers(0, 3))))
            a = rng.standard_normal(shape) * 10.0 ** rng.uniform(-big, big)
            if dt == np.complex128:
                a = a + 1j * rng.standard_normal(shape) * 10.0 ** rng.uniform(-big, big)
            arrays.append(np.asarray(a).astype(dt))
        got, want = float(U.get_total_norm(arrays, p)), _exact(arrays, p)
        # float32's L2 sum of squares is float32's (torch's too); the rest are float64's
        # (a sum s of powers rounded to 1/p costs |ln s| ulps: up to ~5e-14)
        tol = 1e-6 if p == 2 and dt == np.float32 else 1e-12
        assert got == pytest.approx(want, rel=tol, abs=0.0), (p, dt, [a.shape for a in arrays])


def test_total_norm_rational_reference():
    # [1, 2, 2] at p=3: (1 + 8 + 8)^(1/3) = 17^(1/3), two tensors, float32
    g = [np.array([1.0, 2.0], np.float32), np.array(2.0, np.float32)]
    assert float(U.get_total_norm(g, 3)) == pytest.approx(17 ** (1 / 3), rel=1e-15)
    assert float(Fraction(float(U.get_total_norm(g, 1)))) == 5.0


def test_get_total_norm_api():
    g = [np.array([3.0, 4.0], np.float32), np.array([12.0], np.float32)]
    got = U.get_total_norm(g)
    assert isinstance(got, Tensor) and got.shape == () and got.dtype == np.float64 and got == 13.0
    assert U.get_total_norm(x for x in g) == 13.0  # a generator, read once
    assert U.get_total_norm(Tensor(np.array([3.0, 4.0]))) == 5.0  # one tensor
    assert U.get_total_norm([g[0], g[0]]) == float(np.sqrt(50.0))  # each as often as listed
    for p in (2.0, 3.0, "inf"):
        assert U.get_total_norm([], p) == 0.0 == float(torch.nn.utils.get_total_norm([], p))
    with pytest.raises(TypeError, match="get_total_norm: expected gradients"):
        U.get_total_norm([None])


def test_clip_grads_with_norm_total_forms():
    w = _param(np.array([6.0, 8.0]))
    U.clip_grads_with_norm_([w], 1.0, Tensor(np.array(10.0), requires_grad=True))
    t = torch.tensor([0.0, 0.0], dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor([6.0, 8.0], dtype=torch.float64)
    torch.nn.utils.clip_grads_with_norm_([t], 1.0, torch.tensor(10.0, dtype=torch.float64,
                                                         requires_grad=True))
    np.testing.assert_array_equal(w.grad, t.grad.numpy())
    # a NaN total norm: torch multiplies by NaN, and so does ours (clip_grad_norm_ leaves them)
    U.clip_grads_with_norm_([w], 1.0, np.float32(np.nan))
    assert np.isnan(w.grad).all()


def test_zero_clips_against_torch():
    g = np.array([np.nan, np.inf, -np.inf, -3.0, 3.0, 0.0])
    w = _param(np.zeros(6))
    w.grad[...] = g
    U.clip_grad_value_([w], 0)
    t = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_value_([t], 0)
    np.testing.assert_array_equal(w.grad, t.grad.numpy())  # (signs of zeros aside)
    w = _param(np.array([1e300, -1e300]))
    assert clip_grad_norm_([w], 0.0) == pytest.approx(math.sqrt(2) * 1e300, rel=1e-15)
    np.testing.assert_array_equal(w.grad, [0.0, 0.0])
