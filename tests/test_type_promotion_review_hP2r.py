"""Second review of the type-promotion change (pow, float_power, addcmul/addcdiv, lerp, the
binary float ops): tg.float_power's function spelling read a Python number through
np.asarray (a jitted step calling it no longer replayed; None read as nan, '2' as 2.0),
float_power dropped a complex operand's imaginary part; and guards of what the change got
right (torch 2.13 as the oracle)."""

import warnings

import numpy as np
import pytest
from oracle import replays_as_eager

import tinygrad_dl as tg
from tinygrad_dl import Tensor

torch = pytest.importorskip("torch")


# ---- bugs: each failed before the fix ------------------------------------------------------
@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("spelling", ["x, 2", "2, x"])
def test_float_power_function_with_a_number_replays_in_a_jitted_step(dt, spelling):
    # Tensor(np.asarray(2, float64)) was an array made inside the step: replay refused
    w = Tensor(np.array([0.5, 1.5, 2.5], dt), requires_grad=True)

    def step(X):
        y = tg.float_power(w, 2) if spelling == "x, 2" else tg.float_power(2, w)
        out = (y * Tensor(X)).sum()
        out.backward()
        return out

    xs = [np.array([1.0, -2.0, 0.5]) * k for k in range(1, 6)]
    replays_as_eager(step, xs, w)


@pytest.mark.parametrize("bad", [None, "2", [1, None]])
@pytest.mark.parametrize("first", [True, False])
def test_float_power_function_refuses_what_is_not_a_number(bad, first):
    x = Tensor(np.array([1.0, 2.0]))
    with pytest.raises(TypeError):  # (None was read as nan, "2" as 2.0: torch refuses both)
        tg.float_power(x, bad) if first else tg.float_power(bad, x)


def test_float_power_of_a_complex_tensor_is_complex128_as_torch():
    xc = np.array([1 + 1j, 2 - 0.5j, -3 + 0j])
    for got, want in ((Tensor(xc).float_power(2), torch.tensor(xc).float_power(2)),
                      (tg.float_power(Tensor(xc), 2.5), torch.float_power(torch.tensor(xc), 2.5)),
                      (tg.float_power(Tensor(xc.astype(np.complex64)), Tensor(np.array(2.0))),
                       torch.float_power(torch.tensor(xc.astype(np.complex64)),
                                         torch.tensor(2.0, dtype=torch.float64)))):
        assert got.dtype == np.complex128  # (was float64 [0., 3.75, 9.]: the real part's)
        np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-12)


def test_float_power_to_a_complex_tensor_exponent_is_complex128_as_torch():
    x, e = np.array([1.0, 2.0, 0.5], np.float32), np.array([1j, 2 + 0j, 0.5 - 1j], np.complex64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (NumPy's ComplexWarning was the only word)
        got = Tensor(x).float_power(Tensor(e))
    want = torch.tensor(x).float_power(torch.tensor(e))
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-12)


# ---- guards of what the change got right (pass before and after) ---------------------------
@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
def test_pow_and_the_promoted_binary_ops_replay_bit_for_bit(dt):
    rng = np.random.default_rng(2)
    w = Tensor((rng.random(6) + 0.5).astype(dt), requires_grad=True)

    def step(X):
        x = Tensor(X)
        y = ((w ** 2).sum() + (w ** 0.5).sum() + (2 ** w).sum() + (w ** x).sum()
             + (x.abs() ** w).sum() + tg.pow(w, 3).sum() + tg.pow(2, w).sum()
             + tg.atan2(w, x).sum() + tg.hypot(w, x).sum() + tg.xlogy(w, x.abs()).sum()
             + tg.copysign(w, x).sum() + tg.logaddexp2(w, x).sum()
             + tg.addcmul(w, w, x, value=0.5).sum() + tg.addcdiv(w, w, x.abs() + 3).sum()
             + w.lerp(x, 0.3).sum() + w.lerp(x, 0.7).sum() + w.lerp(x, x.abs()).sum())
        y.backward()
        return y

    replays_as_eager(step, [rng.standard_normal(6).astype(dt) for _ in range(5)], w)


def test_integer_pow_with_a_negative_exponent_tensor_replays():
    P = Tensor(np.array([-2, -1, 0, 1, 2, 3]))
    w = Tensor(np.ones(6), requires_grad=True)

    def step(X):
        y = (w * (Tensor(X) ** P)).sum()
        y.backward()
        return y

    xs = [np.array([2, -1, 1, 0, 3, -2]) * k for k in (1, -1, 2, 1, -1)]
    outs = replays_as_eager(step, xs, w)
    for x, (y,) in zip(xs, outs):  # torch's 0, 1 or -1 where the exponent is negative
        assert y == (torch.tensor(x) ** torch.tensor([-2, -1, 0, 1, 2, 3])).sum().item()


def _same(got, want):
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_array_equal(got.data, want.numpy())


def test_integer_pow_edges_as_torch():
    xi = [2, -1, 1, 0, 3]
    T, tt = lambda v, d=np.int64: Tensor(np.array(v, d)), torch.tensor
    _same(T(xi) ** T(-1), tt(xi) ** tt(-1))  # a 0-d int tensor exponent: computed
    _same(T(2) ** T(-2), tt(2) ** tt(-2))
    _same(T([True, False], bool) ** T([-1, -1]), tt([True, False]) ** tt([-1, -1]))
    _same(2 ** T([-1, 2, -3]), 2 ** tt([-1, 2, -3]))
    _same((-1) ** T([-1, 2, -3]), (-1) ** tt([-1, 2, -3]))
    _same(tg.pow(1, T([-1, 2, -3])), torch.pow(1, tt([-1, 2, -3])))
    _same(T(xi).pow_(T([-1] * 5)), tt(xi).pow_(tt([-1] * 5)))
    _same(T([255, 1], np.uint8) ** T([-1, -1], np.int8),
          tt([255, 1], dtype=torch.uint8) ** tt([-1, -1], dtype=torch.int8))


@pytest.mark.parametrize("call", [
    lambda m, x: x ** -1, lambda m, x: x ** np.int64(-1), lambda m, x: x.pow(-2),
    lambda m, x: m.pow(x, -1), lambda m, x: m.pow(x, exponent=-1), lambda m, x: x.pow_(-1),
    lambda m, x: x.__ipow__(-1)])
@pytest.mark.parametrize("dt", [np.int64, np.uint8, np.bool_])
def test_integer_tensor_to_a_negative_python_int_is_refused_as_torch(call, dt):
    with pytest.raises(RuntimeError, match="negative integer powers"):
        call(tg, Tensor(np.array([1, 0, 1], dt)))
    with pytest.raises(RuntimeError):
        call(torch, torch.tensor(np.array([1, 0, 1], dt)))
    got = call(tg, Tensor(np.array([1.0, 2.0])))  # a float tensor computes
    np.testing.assert_array_equal(got.data, call(torch, torch.tensor([1.0, 2.0])).numpy())
