"""scatter_reduce / index_reduce with reduce="prod": the gradient of each member is the product of
the OTHER members of its group. Review of the hSC rewrite (helper hSCr): it formed that product
as (the group's product) / (the member), which is silently wrong where the group's product over-
or underflows though the product of the others fits: [1e-200, 1e-200, 1e200] gave [0, 0, 0]
(exact [1, 1, 0]); float32 [1e-25, 1e-25, 1e25] likewise; [1e300, 1e300, 1e-300] gave inf for 1
(x.prod()'s gradient gives the exact values; torch 2.13's scatter_reduce divides too, so it is
off there as well). Checked against the exact product of the others (fractions.Fraction), rounded
once. Groups whose product stays normal keep the fast division (a product that goes subnormal
midway and comes back loses digits in the forward value as well: not covered here)."""

import warnings
from fractions import Fraction

import numpy as np
import pytest
from oracle import jit_matches_eager

import tinygrad_dl as tg


def _exact(p: Fraction) -> float:
    try:
        return float(p)
    except OverflowError:
        return float("inf") if p > 0 else float("-inf")


def _reference(x: np.ndarray, idx: np.ndarray, src: np.ndarray, include_self: bool):
    """d sum(out) / d x and / d src, 1-D, exactly (Fraction), rounded once."""
    gx, gs = np.ones(len(x)), np.zeros(len(src))
    for i in range(len(x)):
        members = [("s", j) for j in np.flatnonzero(idx == i)]
        if not members:
            continue
        members = ([("x", i)] if include_self else []) + members
        if not include_self:
            gx[i] = 0.0
        for who in members:
            p = Fraction(1)
            for other in members:
                if other != who:
                    p *= Fraction(float(x[other[1]] if other[0] == "x" else src[other[1]]))
            (gx if who[0] == "x" else gs)[who[1]] = _exact(p)
    return gx, gs


def _grads(op, x, idx, src, include_self, dt):
    xt = tg.Tensor(x.astype(dt), requires_grad=True)
    st = tg.Tensor(src.astype(dt), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the forward's own overflow warning)
        getattr(xt, op)(0, tg.tensor(idx), st, "prod", include_self=include_self).sum().backward()
    return np.asarray(xt.grad, np.float64), np.asarray(st.grad, np.float64)


@pytest.mark.parametrize("op", ["scatter_reduce", "index_reduce"])
@pytest.mark.parametrize(("vals", "dt", "want"), [
    ([1e-200, 1e-200, 1e200], np.float64, [1.0, 1.0, 0.0]),  # the product underflows to 0
    ([1e300, 1e300, 1e-300], np.float64, [1.0, 1.0, np.inf]),  # and overflows to inf
    ([1e-25, 1e-25, 1e25], np.float32, [1.0, 1.0, 0.0]),
    ([1e30, 1e30, 1e-30], np.float32, [1.0, 1.0, np.inf]),
    ([1e-200, 0.0, 1e-200, 3.0], np.float64, [0.0, 0.0, 0.0, 0.0]),  # 3e-400 for the zero
    ([-1e-200, 0.0, 1e200, 3.0], np.float64, [0.0, -3.0, 0.0, 0.0]),
])
def test_prod_gradient_where_the_group_product_over_or_underflows(op, vals, dt, want):
    src = np.array(vals)
    idx = np.zeros(len(src), np.int64)
    gx, gs = _grads(op, np.array([5.0, 2.0]), idx, src, False, dt)
    np.testing.assert_allclose(gs, want, rtol=1e-6)
    np.testing.assert_array_equal(gx, [0.0, 1.0])


def test_prod_gradient_with_include_self_and_other_groups():
    """x's own member counts; a group that over/underflows beside ordinary and zero groups."""
    x = np.array([2.0, 3.0, 0.0, 4.0])
    idx = np.array([0, 0, 0, 1, 2, 2, 1])
    src = np.array([1e-200, 1e-200, 1e200, 0.5, 7.0, 1e300, -2.0])
    for inc in (True, False):
        gx, gs = _grads("scatter_reduce", x, idx, src, inc, np.float64)
        rx, rs = _reference(x, idx, src, inc)
        np.testing.assert_allclose(gx, rx, rtol=1e-14)
        np.testing.assert_allclose(gs, rs, rtol=1e-14)


def test_prod_gradient_of_a_large_group_that_underflows_midway():
    """150 members 2^-8 then 150 members 2^8: the running product underflows to 0 and stays 0;
    each 2^-8 member's others multiply to 2^8, each 2^8 member's to 2^-8 (exact)."""
    src = np.r_[np.full(150, 2.0 ** -8), np.full(150, 2.0 ** 8)]
    idx = np.zeros(300, np.int64)
    for dt in (np.float64, np.float32):
        gx, gs = _grads("scatter_reduce", np.array([1.0]), idx, src, False, dt)
        np.testing.assert_array_equal(gs, np.r_[np.full(150, 2.0 ** 8), np.full(150, 2.0 ** -8)])


@pytest.mark.parametrize("seed", range(4))
def test_prod_gradient_matches_the_exact_product_of_the_others(seed):
    """Random groups of 0..10 members at scales 1e-150..1e150 (float64) and 1e-30..1e30
    (float32), zeros among them, include_self both ways, both ops."""
    rng = np.random.default_rng(seed)
    for _ in range(60):
        dt = np.float64 if rng.random() < 0.6 else np.float32
        big = 1e150 if dt == np.float64 else 1e19
        nx, ns = int(rng.integers(1, 5)), int(rng.integers(0, 11))
        idx = rng.integers(0, nx, ns)

        def draw(k, rng=rng, big=big, dt=dt):
            a = rng.choice([1 / big, big, 2.0, -0.5, 3.0, 0.0], k) * rng.choice([1, -1], k)
            return a.astype(dt).astype(np.float64)

        x, src, inc = draw(nx), draw(ns), bool(rng.random() < 0.5)
        op = "scatter_reduce" if rng.random() < 0.5 else "index_reduce"
        gx, gs = _grads(op, x, idx, src, inc, dt)
        rx, rs = _reference(x, idx, src, inc)
        with np.errstate(over="ignore"):  # (rounded once to dt: inf past its range)
            rx, rs = rx.astype(dt).astype(np.float64), rs.astype(dt).astype(np.float64)
        tol = 1e-13 if dt == np.float64 else 1e-5
        np.testing.assert_allclose(gx, rx, rtol=tol, err_msg=f"{op} {x} {idx} {src} {inc}")
        np.testing.assert_allclose(gs, rs, rtol=tol, err_msg=f"{op} {x} {idx} {src} {inc}")


def test_jit_of_prod_at_extremes_is_eager_bit_for_bit():
    w = tg.Tensor(np.array([1e-200, 2.0, 1e200]), requires_grad=True)
    idx = np.array([0, 0, 0, 1])

    def step(x):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = w.scatter_reduce(0, idx, x, "prod").sum()
        out.backward()
        return out

    xs = [tg.Tensor(np.array([1e-200, 1e200, 3.0, 1e-300]) * s) for s in (1.0, 2.0, -1.0, 0.5)]
    jit_matches_eager(step, xs, w)
    w.grad = None
    step(xs[0])
    np.testing.assert_allclose(np.asarray(w.grad), [3.0, 1e-300, 1.0])  # (division gave [0, .., 1])
