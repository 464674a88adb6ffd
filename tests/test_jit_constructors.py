"""full, eye, arange, linspace and empty made from Python numbers inside a jitted step are
literals (as Tensor.zeros is): the step replays (it ran eagerly with a warning about an array
made inside the step). Made from the data, they are judged as any array the step makes: never
replayed stale. Each case runs jitted and eagerly side by side, compared bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

RNG = np.random.default_rng(0)
BATCHES = [RNG.standard_normal((4, 3)) for _ in range(3)] + [RNG.standard_normal((5, 3))] * 2


def weights() -> tg.Tensor:
    return tg.Tensor(np.random.default_rng(1).standard_normal((3, 3)), requires_grad=True)


def constructors(W: tg.Tensor):
    def step(x):
        n = x.shape[0]  # (a shape: part of the signature)
        z = tg.Tensor(x) @ W
        pos = tg.arange(n, dtype=np.float64)[:, None] + tg.empty(n, 3)  # position codes
        ortho = ((W @ W.T - tg.eye(3)) ** 2).sum()  # an orthogonality penalty
        ramp = tg.linspace(0, 1, 3) * W
        out = (z * tg.full((n, 3), 0.5)).sum() + (pos * z).mean() + ortho + ramp.sum()
        out = out + (tg.arange(1.0, 2.0, 0.25)[:3] * z).sum()
        out.backward()
        return out
    return step


def filled_from(value_of):
    """A step filling a tensor with a value of its data: `value_of(x)`."""
    def make(W: tg.Tensor):
        def step(x):
            z = tg.Tensor(x) @ W
            out = (z * tg.full(z.shape, value_of(x))).sum()
            out.backward()
            return out
        return step
    return make


from_data = filled_from(lambda x: x.mean())  # a NumPy scalar of the data
from_data_item = filled_from(lambda x: float(x.max()))  # read in Python


def run_both(make, replays: int | None, strict: bool):
    """The step jitted and eagerly on the same batches: equal values, gradients, updates."""
    Wa, Wb = weights(), weights()
    eager, step = make(Wa), jit(make(Wb), strict=strict)
    for x in BATCHES:
        for W in (Wa, Wb):
            W.grad = None
        a, b = eager(x), step(x)
        assert a.item() == b.item()
        np.testing.assert_array_equal(Wa.grad, Wb.grad)
        for W in (Wa, Wb):
            W.data -= 0.1 * W.grad
    if replays is not None:
        assert step.replays == replays
    return step


def test_constructors_of_python_numbers_replay():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_both(constructors, replays=1, strict=True)  # 3 of one shape, 2 of another


@pytest.mark.parametrize("make", [from_data, from_data_item])
def test_constructors_of_the_data_are_never_replayed_stale(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        step = run_both(make, replays=0, strict=False)  # each call's own value
    assert any("running it eagerly" in str(w.message) for w in caught)
    assert step.replays == 0


def test_a_fill_value_from_a_closure_number_is_guarded():
    def make(W):
        scale = 0.5

        def step(x):
            out = (tg.Tensor(x) @ W * tg.full((x.shape[0], 3), scale)).sum()
            out.backward()
            return out

        def set_scale(v):
            nonlocal scale
            scale = v
        return step, set_scale

    W = weights()
    fn, set_scale = make(W)
    step = jit(fn, strict=True)
    x = BATCHES[0]
    for _ in range(3):
        W.grad = None
        first = step(x).item()
    set_scale(2.0)
    W.grad = None
    assert step(x).item() == pytest.approx(4 * first, rel=1e-15)
    assert step.rerecords == 1


def test_a_constructor_asked_for_a_gradient_is_no_literal():
    def step(x):
        b = tg.full((3,), 0.5, requires_grad=True)  # a new leaf every call
        out = (tg.Tensor(x) * b).sum()
        out.backward()
        return out, b.grad

    jitted = jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in BATCHES[:3]:
            (ja, jg), (ea, eg) = jitted(x), step(x)
            assert ja.item() == ea.item()
            np.testing.assert_array_equal(jg, eg)
