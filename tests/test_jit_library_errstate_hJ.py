"""The library's own quiet NumPy work inside a jitted step: a step calling it is replayed.

tinygrad_dl.jit fails a recording whose ops run under an np.errstate() set inside the step
(replay would run them under the caller's settings). linalg.cond with p None, 2, -2 divided
s_max / s_min under its own np.errstate (torch's quiet inf for a singular matrix, NaN for a
zero one), so every jitted step calling it ran eagerly with a warning telling the user to move
an errstate they never wrote. The division is now `ops.QuietDiv` (Div with a quiet forward,
Div's backward): the step replays, bit for bit with eager (values, gradients, the warnings of
backward), singular and zero matrices included, and eager cond is what it was.

The other np.errstate blocks of tinygrad_dl/, models/ and viz/ wrap NumPy only (inside an op's
forward or backward, or NumPy helpers), except cond's p='nuc' branch, which reads A's values
in Python first (a documented eager fallback of its own)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import step_records

from tinygrad_dl import Tensor, linalg
from tinygrad_dl.jit import jit
from tinygrad_dl.ops import Div, QuietDiv
from tinygrad_dl.testing import check_grad

RNG = np.random.default_rng(20250611)


def _inputs(shape: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """Six inputs of `shape`: random ones, and ones whose matrices are singular (a zero row,
    a zero column: s_min = 0, cond inf) or zero (0 / 0: NaN)."""
    r = np.random.default_rng(seed)
    xs = [r.standard_normal(shape) for _ in range(6)]
    xs[1][..., 0, :] = 0.0
    xs[2][...] = 0.0
    xs[4][..., :, -1] = 0.0
    if len(shape) > 2:  # a batch: one matrix of it zero, the others not
        xs[5][0] = 0.0
    return xs


def _steps(p, xs, w0, use_jit):
    """cond(W * X, p) and its gradient to the parameter W, call after call."""
    w = Tensor(w0.copy(), requires_grad=True)

    def step(x):
        c = linalg.cond(w * x, p)
        c.sum().backward()
        return c

    return step_records(step, xs, w, use_jit)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (4, 2), (2, 4), (1, 1)])
@pytest.mark.parametrize("p", [None, 2, -2])
def test_cond_in_a_jitted_step_replays_bit_for_bit(p, shape, dtype):
    xs = [x.astype(dtype) for x in _inputs(shape, 1)]
    w0 = RNG.standard_normal(shape).astype(dtype)
    eager, _ = _steps(p, xs, w0, False)
    jitted, f = _steps(p, xs, w0, True)
    assert f.replays == len(xs) - 2  # two recordings, then every call replayed
    assert jitted == eager  # values, gradients (bits, dtypes) and backward's warnings


@pytest.mark.parametrize("order", [(2, 0, 1, 3, 4, 5), (1, 4, 2, 0, 3, 5), (0, 3, 2, 1, 5, 4)])
@pytest.mark.parametrize("p", [None, -2])
def test_cond_replays_whatever_the_recordings_saw(p, order):
    """Recorded on a zero matrix, a singular one or regular ones: the replays of the others
    (inf, NaN or finite) are eager's."""
    base = _inputs((3, 3), 2)
    xs = [base[k] for k in order] * 2
    w0 = RNG.standard_normal((3, 3))
    eager, _ = _steps(p, xs, w0, False)
    jitted, f = _steps(p, xs, w0, True)
    assert f.replays == len(xs) - 2
    assert jitted == eager


def test_cond_of_singular_and_zero_matrices_is_quiet_inf_and_nan_in_replay():
    w = Tensor(np.ones((3, 3)))
    step = jit(lambda x: linalg.cond(w * x), strict=True)
    xs = [np.diag([2.0, 1.0, 0.5]), np.diag([2.0, 1.0, 0.0]), np.zeros((3, 3))] * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no jit fallback, no NumPy warning from the forward
        got = [float(step(x).data) for x in xs]
    assert step.replays == len(xs) - 2
    assert got[6] == 4.0 and got[7] == np.inf and np.isnan(got[8])


def _old_cond(a: Tensor, p) -> Tensor:
    """cond before: Div under np.errstate (the eager values and gradients to keep)."""
    s = linalg.svdvals(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]


@pytest.mark.parametrize("p", [None, 2, -2])
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (4, 2), (1, 1)])
def test_eager_cond_is_unchanged(p, shape):
    for x in _inputs(shape, 4):
        g = RNG.standard_normal(shape[:-2])
        got = []
        for fn in (lambda a: linalg.cond(a, p), lambda a: _old_cond(a, p)):
            a = Tensor(x.copy(), requires_grad=True)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # quiet forward, as torch's
                c = fn(a)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                c.backward(Tensor(g))
            got.append((c.data.tobytes(), a.grad.tobytes(), [str(m.message) for m in caught]))
        assert got[0] == got[1]


# ---- QuietDiv: Div's values and gradients, without NumPy's warnings in forward -------------
def test_quiet_div_is_divs_value_without_a_warning():
    x = np.array([1.0, -1.0, 0.0, 2.0, np.nan, np.inf])
    y = np.array([0.0, 0.0, 0.0, 4.0, 1.0, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = QuietDiv.apply(Tensor(x), Tensor(y)).data
    with np.errstate(divide="ignore", invalid="ignore"):
        want = x / y
    assert got.tobytes() == want.tobytes()
    with np.errstate(all="raise"):  # the caller's settings for the rest: over still raises
        with pytest.raises(FloatingPointError, match="overflow"):
            QuietDiv.apply(Tensor(np.array([1e308])), Tensor(np.array([1e-308])))


@settings(deadline=None, max_examples=40)
@given(st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 4)), ((), (2, 2))]),
       st.integers(0, 2**32 - 1))
def test_quiet_div_gradient_is_finite_differences(shapes, seed):
    r = np.random.default_rng(seed)
    x = r.uniform(-2.0, 2.0, shapes[0])
    y = r.uniform(0.5, 2.0, shapes[1]) * r.choice([-1.0, 1.0], shapes[1])
    check_grad(QuietDiv.apply, x, y, ref=np.divide)


@settings(deadline=None, max_examples=40)
@given(st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 4))]),
       st.integers(0, 2**32 - 1), st.sampled_from([np.float64, np.float32]))
def test_quiet_div_gradient_is_divs_bit_for_bit(shapes, seed, dtype):
    """Zeros in y and x included: Div's backward (its inf, NaN and warnings) unchanged."""
    r = np.random.default_rng(seed)
    x = (r.standard_normal(shapes[0]) * (r.random(shapes[0]) > 0.3)).astype(dtype)
    y = (r.standard_normal(shapes[1]) * (r.random(shapes[1]) > 0.3)).astype(dtype)
    g = r.standard_normal(np.broadcast_shapes(*shapes)).astype(dtype)
    got = []
    for op in (QuietDiv, Div):
        a, b = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = op.apply(a, b)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            z.backward(Tensor(g))
        got.append((z.data.tobytes(), a.grad.tobytes(), b.grad.tobytes(),
                    [str(m.message) for m in caught]))
    assert got[0] == got[1]
