"""Review of hS2 (e52d5d8): logaddexp/logaddexp2's gradient where the result rounds to the larger
input, atan2's gradient at a subnormal radius beside the origin, and the edge cases of sinc,
i0e/i1e and xlogy hS2 changed, against torch and mpmath."""

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.special as S

torch = pytest.importorskip("torch")
mp = pytest.importorskip("mpmath")


def _grads(op, a, b, dtype=np.float64):
    x, y = tg.Tensor(np.array(a, dtype)), tg.Tensor(np.array(b, dtype))
    x.requires_grad = y.requires_grad = True
    op(x, y).sum().backward()
    return np.asarray(x.grad), np.asarray(y.grad)


def _torch_grads(op, a, b, dtype=torch.float64):
    x = torch.tensor(a, dtype=dtype, requires_grad=True)
    y = torch.tensor(b, dtype=dtype, requires_grad=True)
    op(x, y).sum().backward()
    return x.grad.numpy(), y.grad.numpy()


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
@pytest.mark.parametrize("big", [1e17, 1e300, -1e300, 2.0**60])
def test_logaddexp_weights_where_the_result_rounds_to_the_larger(name, big):
    # logaddexp(1e17, 1e17) rounds to 1e17: exp(x - out) gave weights (1, 1), not (1/2, 1/2)
    a, b = [big, big, big], [big, big - 2 * np.spacing(big), big + 2 * np.spacing(big)]
    ours = _grads(lambda x, y: getattr(x, name)(y), a, b)
    want = _torch_grads(getattr(torch, name), a, b)
    np.testing.assert_allclose(ours[0], want[0], rtol=1e-15)
    np.testing.assert_allclose(ours[1], want[1], rtol=1e-15)
    np.testing.assert_allclose(ours[0] + ours[1], 1.0, rtol=1e-15)


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp_weights_edge_values(name):
    inf, nan = np.inf, np.nan
    a = [-inf, inf, nan, -inf, inf, 0.0, 3.0, -inf, 1e308]
    b = [-inf, inf, 0.0, 0.0, 0.0, -700.0, 3.0, inf, -1e308]
    ours = _grads(lambda x, y: getattr(x, name)(y), a, b)
    want = _torch_grads(getattr(torch, name), a, b)
    np.testing.assert_array_equal(ours[0], want[0])
    np.testing.assert_array_equal(ours[1], want[1])


def test_logaddexp_subnormal_weight_exact():
    ours = _grads(lambda x, y: x.logaddexp(y), [0.0, -745.0, 1e17], [-744.0, 0.0, 1e17 + 16])
    want = [float(1 / (1 + mp.exp(mp.mpf(b) - mp.mpf(a)))) for a, b in
            [(0.0, -744.0), (-745.0, 0.0), (1e17, 1e17 + 16)]]
    np.testing.assert_allclose(ours[0], want, rtol=1e-15)


def test_atan2_gradient_subnormal_radius_beside_the_origin():
    # (y, x) = (0, 1e-310) beside (0, 0): 0 * (1 / r) * (1 / r) = 0 * inf gave NaN for d/dy's
    # partner; torch's -y / (x^2 + y^2) is -0 there
    gy, gx = _grads(lambda y, x: y.atan2(x), [0.0, 0.0, 1e-310], [0.0, 1e-310, 0.0])
    assert not np.isnan(gx).any() and not np.isnan(gy).any()
    np.testing.assert_array_equal(gx, [0.0, 0.0, -np.inf])
    np.testing.assert_array_equal(gy, [0.0, np.inf, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_atan2_gradient_mixed_batch_matches_scaled_points(dtype):
    # overflowing, underflowing, origin and ordinary points in one batch: each gradient as alone
    big, small = (1e20, 1e-20) if dtype == np.float32 else (1e200, 1e-170)
    ys, xs = [big, small, 0.0, 3.0, 0.0], [big, small, 0.0, 4.0, -2.0]
    gy, gx = _grads(lambda y, x: y.atan2(x), ys, xs, dtype)
    for i, (y0, x0) in enumerate(zip(ys, xs)):
        r2 = mp.mpf(float(x0)) ** 2 + mp.mpf(float(y0)) ** 2
        wy, wx = (0.0, 0.0) if r2 == 0 else (float(x0 / r2), float(-y0 / r2))
        np.testing.assert_allclose([gy[i], gx[i]], np.array([wy, wx], dtype), rtol=4e-7 if
                                   dtype == np.float32 else 4e-16)


@pytest.mark.parametrize("x", [0.0, -0.0, 5e-324, 1e-300, 3 + 1e-10, 1e6 + 2**-30, 2.0**52 - 0.5,
                               2.0**52 + 1, -7.5, 0.25, 1e300])
def test_sinc_and_slope_against_mpmath(x):
    with mp.workdps(700):  # (pi x at 1e300, cos(pi x) - 1 at 1e-300: the digits)
        t = tg.Tensor(np.array([x]))
        t.requires_grad = True
        out = t.sinc()
        out.sum().backward()
        m = mp.mpf(x)
        want = 1 if m == 0 else mp.sin(mp.pi * m) / (mp.pi * m)
        slope = 0 if m == 0 else (mp.cos(mp.pi * m) - mp.sin(mp.pi * m) / (mp.pi * m)) / m
    assert abs(out.numpy()[0] - float(want)) <= 2 * abs(np.spacing(float(want)))
    assert abs(t.grad[0] - float(slope)) <= 4 * abs(np.spacing(float(slope)))


@pytest.mark.parametrize("name", ["i0e", "i1e"])
def test_bessel_slopes_continuous_and_symmetric_at_30(name):
    xs = np.array([30 - 1e-12, 30.0, 30 + 1e-12, 8 + 1e-12])
    t = tg.Tensor(np.concatenate([xs, -xs]))
    t.requires_grad = True
    getattr(S, name)(t).sum().backward()
    g = np.asarray(t.grad)
    sign = -1 if name == "i0e" else 1  # i0e's slope odd, i1e's even
    np.testing.assert_array_equal(g[4:], sign * g[:4])
    with mp.workdps(40):
        for x, gi in zip(xs, g):
            m = mp.mpf(x)
            d = mp.besseli(1, m) - mp.besseli(0, m)
            want = d if name == "i0e" else -d - mp.besseli(1, m) / m
            assert abs(gi - float(want * mp.exp(-m))) <= 40 * np.spacing(abs(gi))
