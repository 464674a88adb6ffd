"""ContinuousBernoulli given logits: cdf and icdf as one op each (ops.ContinuousBernoulliCdf
and ContinuousBernoulliIcdf, float64 inside, exact partial derivatives in backward), where
hXr's compositions of ~90 Tensor ops made cdf/icdf/rsample 3-6x slower. Gradients against
finite differences and against closed forms at the limits, dtypes, no warnings, jit replay."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import step_records

from tinygrad_dl import Tensor
from tinygrad_dl import distributions as D
from tinygrad_dl.ops import ContinuousBernoulliCdf, ContinuousBernoulliIcdf
from tinygrad_dl.testing import check_grad


def _cdf_ref(x, L):
    return np.expm1(L * x) / np.expm1(L)


def _icdf_ref(u, L):
    return np.log1p(u * np.expm1(L)) / L


SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 4)), ((), (2, 2)), ((4,), ())]


@settings(deadline=None, max_examples=40)
@given(st.sampled_from(SHAPES), st.integers(0, 2**32 - 1), st.sampled_from([0.1, 1.0, 8.0]))
def test_cdf_gradient_is_finite_differences(shapes, seed, scale):
    """Both sides of the series' end (|L| = 1/4) and of x = 1/2 (the reflection)."""
    r = np.random.default_rng(seed)
    x = r.uniform(0.02, 0.98, shapes[0])
    L = r.uniform(0.05, 1.0, shapes[1]) * scale * r.choice([-1.0, 1.0], shapes[1])
    check_grad(ContinuousBernoulliCdf.apply, x, L, ref=_cdf_ref)


@settings(deadline=None, max_examples=40)
@given(st.sampled_from(SHAPES), st.integers(0, 2**32 - 1), st.sampled_from([0.1, 1.0, 8.0]))
def test_icdf_gradient_is_finite_differences(shapes, seed, scale):
    """Both sides of |L| = 1/4, of u = 1/2 and of the far branch (the quantile past 1/2)."""
    r = np.random.default_rng(seed)
    u = r.uniform(0.02, 0.98, shapes[0])
    L = r.uniform(0.05, 1.0, shapes[1]) * scale * r.choice([-1.0, 1.0], shapes[1])
    check_grad(ContinuousBernoulliIcdf.apply, u, L, ref=_icdf_ref)


def _grads(op, a, L):
    t, s = Tensor(a.copy(), requires_grad=True), Tensor(L.copy(), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = op.apply(t, s)
        out.sum().backward()
    return out.data, t.grad, s.grad


def test_cdf_at_infinite_logits_has_the_point_masses_zero_gradients():
    """Before: d cdf / dx NaN inside (0, 1) at logits +-inf (cdf is constant there: 0)."""
    x = np.array([1e-300, 1e-8, 0.3, 0.5, 0.9, 1 - 1e-12] * 2)
    L = np.repeat([np.inf, -np.inf], 6)
    value, gx, gl = _grads(ContinuousBernoulliCdf, x, L)
    assert (value == np.repeat([0.0, 1.0], 6)).all()
    assert (gx == 0).all() and (gl == 0).all()


def test_icdf_slope_at_the_ends_is_one_over_the_density():
    """d icdf / du at u = 0 is expm1(L) / L (inf where it overflows, past L = 709.8; before:
    0 there); at u = 1 with logits -L the same by symmetry; logits +-inf: 0."""
    L = np.array([2.0, 700.0, 745.0, 1e4, np.inf, -np.inf])
    _, gu, gl = _grads(ContinuousBernoulliIcdf, np.zeros(6), L)
    with np.errstate(over="ignore"):
        want = np.expm1(L[:4]) / L[:4]
    np.testing.assert_allclose(gu[:4], want, rtol=1e-14)
    assert (gu[4:] == 0).all() and (gl == 0).all()
    _, gu1, _ = _grads(ContinuousBernoulliIcdf, np.ones(6), -L)
    assert gu1.tobytes() == gu.tobytes()


def test_nan_logits_give_nan_gradients_and_nan_u_no_number():
    for op in (ContinuousBernoulliCdf, ContinuousBernoulliIcdf):
        value, ga, gl = _grads(op, np.array([0.3, 0.7]), np.array([np.nan, np.nan]))
        assert np.isnan(value).all() and np.isnan(ga).all() and np.isnan(gl).all()
        value, ga, gl = _grads(op, np.array([np.nan, np.nan]), np.array([1.0, -3.0]))
        assert np.isnan(value).all() and (ga == 0).all() and (gl == 0).all()


@pytest.mark.parametrize("op", [ContinuousBernoulliCdf, ContinuousBernoulliIcdf])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_narrow_dtypes_are_computed_in_float64_and_rounded_once(op, dtype):
    r = np.random.default_rng(3)
    a = r.uniform(0.01, 0.99, 50).astype(dtype)
    L = (r.standard_normal(50) * 6).astype(dtype)
    value, ga, gl = _grads(op, a, L)
    wide, ga64, gl64 = _grads(op, a.astype(np.float64), L.astype(np.float64))
    assert value.dtype == ga.dtype == gl.dtype == dtype
    assert value.tobytes() == wide.astype(dtype).tobytes()
    assert ga.tobytes() == ga64.astype(dtype).tobytes()
    assert gl.tobytes() == gl64.astype(dtype).tobytes()


def test_distribution_uses_one_op_each():
    """cdf and icdf (so rsample) given logits: one op on the logits, not ~90."""
    L = Tensor(np.array([-3.0, 0.1, 40.0]), requires_grad=True)
    d = D.ContinuousBernoulli(logits=L)
    for out in (d.cdf(Tensor(np.array([0.2, 0.5, 0.9]))), d.icdf(np.array([0.2, 0.5, 0.9]))):
        assert out.grad_fn.name in ("ContinuousBernoulliCdf", "ContinuousBernoulliIcdf")
        assert out.grad_fn.next_functions[1][0] is None  # straight from the logits leaf


def _steps(xs, w0, use_jit):
    w = Tensor(w0.copy(), requires_grad=True)

    def step(x):
        d = D.ContinuousBernoulli(logits=w * 3.0)
        c = d.cdf(x) + d.icdf(x)
        c.sum().backward()
        return c

    return step_records(step, xs, w, use_jit)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_jitted_step_replays_bit_for_bit(dtype):
    """Both branches of every switch across the calls: the masks are made inside the ops."""
    r = np.random.default_rng(7)
    w0 = np.array([-300.0, -1.0, -0.05, 0.0, 0.05, 1.0, 300.0, np.inf], dtype)
    xs = [Tensor(r.permutation(np.array([0.0, 1e-9, 0.2, 0.5, 0.7, 0.99, 1.0, 0.4], dtype)))
          for _ in range(5)]
    eager, _ = _steps(xs, w0, False)
    jitted, f = _steps(xs, w0, True)
    assert f.replays == len(xs) - 2
    assert jitted == eager
