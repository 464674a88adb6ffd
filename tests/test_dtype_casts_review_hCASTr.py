"""Second review of the dtype-cast hunt (hCAST): the integer casts inside a jitted step
(ConstantCast, and Tensor(x, dtype=) of a step argument) against eager and torch 2.13, and the
complex -> integer casts' values against torch (hCASTr)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")

ODD = np.array([np.nan, np.inf, -np.inf, -1.0, -1.5, 3e9, 5e9, -3e9, 2.0**32 + 7, 1e19, -1e19,
                1e300, 4294967295.0, 2.0**31, -2.0**31 - 1, 300.0, -70000.0])


def _bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _quiet(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args)


def _eager_and_jit(make, inputs: list, strict: bool = True) -> list:
    """(outputs, gradients) of each call, eagerly and jitted (strict: replayed): the pairs."""
    runs = []
    for jitted in (False, True):
        step, params = make()
        f = jit(step, strict=strict) if jitted else step
        out = []
        for x in inputs:
            for p in params:
                p.grad = None
            r = _quiet(f, x)
            r = r if isinstance(r, tuple) else (r,)
            out.append(([np.asarray(t.data).copy() for t in r],
                        [np.asarray(p.grad).copy() for p in params]))
        runs.append(out)
        if jitted and strict:
            assert f.replays >= len(inputs) - 2
    return list(zip(*runs, strict=True))


def _assert_same(pairs: list) -> None:
    for (o, g), (oj, gj) in pairs:
        assert all(_bits(a, b) for a, b in zip(o, oj, strict=True))
        assert all(_bits(a, b) for a, b in zip(g, gj, strict=True))


# ---- bugs ----------------------------------------------------------------------------------
@pytest.mark.parametrize("cdt", ["complex128", "complex64"])
def test_a_complex_tensor_into_uint32_is_torchs_value(cdt: str) -> None:
    """Tensor(c).to(uint32) of NaN + 0.5j was 0 (NumPy's strided loop over c.real), torch's
    2**31 (its contiguous loop); and the warning said 'as in torch'."""
    c = (ODD[:14] + 0.5j).astype(cdt)  # (complex64's last entries: torch's other loop)
    theirs = torch.from_numpy(c).to(torch.uint32).numpy()
    assert _bits(_quiet(lambda: Tensor(c).to(np.uint32).data), theirs)
    assert _bits(_quiet(lambda: tg.tensor(c, dtype=np.uint32).data), theirs)
    assert _bits(_quiet(lambda: Tensor(c)[::2].to(np.uint32).data),
                 torch.from_numpy(c)[::2].to(torch.uint32).numpy())


def test_a_complex64_cast_does_not_promise_torchs_number() -> None:
    with pytest.warns(RuntimeWarning, match="real part .its complex one may differ"):
        Tensor(np.array([np.nan + 0j], dtype=np.complex64)).to(np.uint32)
    with pytest.warns(RuntimeWarning, match="as in torch"):
        Tensor(np.array([np.nan])).to(np.uint32)


def test_a_jitted_complex_into_uint32_is_torchs_value() -> None:
    def make():
        w = Tensor(np.ones(14), requires_grad=True)

        def step(x: np.ndarray):
            k = Tensor(x).to(np.uint32)
            c = (k.double() * w).sum()
            c.backward()
            return c, k
        return step, [w]

    xs = [np.roll(ODD[:14], i) + 0.5j for i in range(5)]
    pairs = _eager_and_jit(make, xs)
    _assert_same(pairs)
    for x, (_, (oj, _)) in zip(xs, pairs, strict=True):
        assert _bits(oj[1], torch.from_numpy(x).to(torch.uint32).numpy())


@pytest.mark.parametrize("dt", [np.uint8, np.int8, np.uint16, np.int32, np.int64])
def test_a_jitted_tensor_of_an_argument_with_an_integer_dtype_is_eagers(dt: type) -> None:
    """Tensor(x, dtype=np.uint8) of a step argument was NumPy's astype while recording and at
    replay (a Cast op): -2**31 - 1 became 0 there, 255 eagerly and in torch."""
    def make():
        w = Tensor(np.ones(5), requires_grad=True)

        def step(x: np.ndarray):
            k = Tensor(x, dtype=dt)
            c = (k.double() * w).sum()
            c.backward()
            return c, k
        return step, [w]

    xs = [np.array([-2.0**31 - 1, -3e9, 300.0, -1.5, np.nan if i > 2 else 2.0]) + i
          for i in range(5)]
    pairs = _eager_and_jit(make, xs)
    _assert_same(pairs)
    for x, (_, (oj, _)) in zip(xs, pairs, strict=True):
        assert _bits(oj[1], torch.from_numpy(x).to(getattr(torch, np.dtype(dt).name)).numpy())


def test_a_jitted_tensor_of_a_constant_with_an_integer_dtype_is_eagers() -> None:
    """A step's own array cast by Tensor(a, dtype=np.uint8) while recording: NumPy's 0 for
    -2**31 - 1 (eagerly 255). (Replay then refuses the array made in the step: eager.)"""
    def make():
        w = Tensor(np.ones(3), requires_grad=True)

        def step(x: np.ndarray):
            k = Tensor(np.array([-2.0**31 - 1, -3e9, 300.0]), dtype=np.uint8)
            c = (k.double() * w * Tensor(x)).sum()
            c.backward()
            return c, k
        return step, [w]

    pairs = _eager_and_jit(make, [np.arange(3.0) + i for i in range(4)], strict=False)
    _assert_same(pairs)
    assert pairs[0][1][0][1].tolist() == [255, 0, 44]


# ---- judged right: the recorded casts replay as eager --------------------------------------
def test_jitted_casts_of_changing_values_views_and_parameters_replay_as_eager() -> None:
    """Values that change (a NaN and an inf appearing at replay), a transposed input, a
    parameter's cast, an index and a mask made by casts: bits and gradients as eager."""
    def make():
        w = Tensor(np.linspace(-3, 3, 12).reshape(3, 4), requires_grad=True)

        def step(x: np.ndarray):
            h = Tensor(x).T * w
            k = h.long().clamp(0, 3)
            c = ((h.byte().double() + h.int().double()) * h + w[0][k[0]] * 2
                 + w.long().double() * h + w.where(h.bool(), 0.0)).sum()
            c.backward()
            return c, h.to(np.uint64), h.to(np.uint16)
        return step, [w]

    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((4, 3)) * 10.0**i for i in range(6)]
    xs[4][0, 0], xs[5][1, 2] = np.nan, -np.inf
    _assert_same(_eager_and_jit(make, xs))


def test_a_cast_cuts_the_graph_in_a_jitted_step_as_eagerly() -> None:
    def make():
        w = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)

        def step(x: np.ndarray):
            h = Tensor(x) * w
            k = h.long()
            assert not k.requires_grad
            c = (k.double() * h * h).sum()
            c.backward()
            return c
        return step, [w]

    _assert_same(_eager_and_jit(make, [np.arange(3.0) * (i + 1.7) for i in range(5)]))
