"""clip_grad_norm_, clip_grad_value_, get_total_norm / clip_grads_with_norm_ (torch 2.6's
halves), parameters_to_vector / vector_to_parameters and zero_grad against torch 2.13, drawn
from seeds (helper hUT), plus one named regression per bug found: an inf norm that skipped a
NaN after a finite gradient, complex gradients' p-norms without their imaginary parts, a NaN
L2 norm of inf+0j, clip_grad_value_ ordering complex numbers, max_norm / clip_value 0
refused, the two torch 2.6 names missing."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_dl.functional as F
from tinygrad_dl import Tensor, nn
from tinygrad_dl.jit import jit
from tinygrad_dl.nn import utils as U
from tinygrad_dl.optim import SGD

torch = pytest.importorskip("torch")

ORDERS = [2.0, 1.0, 3.5, math.inf, "inf", 1, 2]


def _draw(rng: np.random.Generator) -> list:
    out = []
    for _ in range(int(rng.integers(0, 4))):
        shape = tuple(int(s) for s in rng.integers(0, 4, size=int(rng.integers(0, 3))))
        dt = [np.float64, np.float32, np.complex128][int(rng.integers(3))] \
            if rng.random() < 0.3 else np.float64
        g = np.asarray(rng.standard_normal(shape) * 10 ** rng.uniform(-3, 3))
        if dt == np.complex128:
            g = g + 1j * rng.standard_normal(shape)
        g = np.asarray(g).astype(dt)
        if g.size and rng.random() < 0.1:
            g.flat[int(rng.integers(g.size))] = [np.nan, np.inf, -np.inf][int(rng.integers(3))]
        if g.ndim == 2 and rng.random() < 0.3:
            g = np.array(g.T).T  # a non-contiguous gradient
        out.append((None if rng.random() < 0.15 else g, shape, dt))
    return out


def _build(draw: list) -> tuple[list, list]:
    ours, theirs = [], []
    for g, shape, dt in draw:
        o = Tensor(np.zeros(shape, dt))
        t = torch.zeros(shape, dtype=torch.from_numpy(np.zeros(1, dt)).dtype, requires_grad=True)
        o.grad = None if g is None else g.copy()
        t.grad = None if g is None else torch.from_numpy(np.array(g, order="C"))
        ours.append(o)
        theirs.append(t)
    return ours, theirs


def _close(a, b, tol: float) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.allclose(a, b, rtol=tol, atol=0, equal_nan=True)


def _tol(draw: list) -> float:
    return 1e-5 if any(dt == np.float32 and g is not None for g, _, dt in draw) else 1e-10


def _torch_refuses_empty_inf(e: Exception | None) -> bool:
    # torch: "cannot compute the inf norm on an empty tensor"; ours is 0, the max over nothing
    return e is not None and "empty tensor" in str(e)


def _run(fn, *args, **kw):
    try:
        return fn(*args, **kw), None
    except Exception as e:  # noqa: BLE001 (compared with the other side's)
        return None, e


@pytest.mark.parametrize("seed0", [0, 100])
def test_clip_grad_norm_random_against_torch(seed0: int) -> None:
    checked = 0
    for seed in range(seed0, seed0 + 100):
        rng = np.random.default_rng(seed)
        draw = _draw(rng)
        ours, theirs = _build(draw)
        mn = float(rng.choice([0.0, 1e-8, 1.0, 5.0, 1e30]))
        nt = ORDERS[int(rng.integers(len(ORDERS)))]
        kw = dict(error_if_nonfinite=bool(rng.random() < 0.3),
                  foreach=[None, True, False][int(rng.integers(3))])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ro, eo = _run(U.clip_grad_norm_, (p for p in ours), mn, nt, **kw)
        rt, et = _run(torch.nn.utils.clip_grad_norm_, iter(theirs), mn, nt, **kw)
        if eo is None and _torch_refuses_empty_inf(et):
            continue
        assert (eo is None) == (et is None), (seed, eo, et)
        if eo is not None:
            continue
        tol = _tol(draw)
        assert _close(ro, rt.item(), tol), (seed, ro, rt)
        assert isinstance(ro, np.float64)
        if math.isfinite(rt.item()):  # (a non-finite norm: ours unscaled, documented)
            for o, t in zip(ours, theirs):
                if o.grad is not None:
                    assert _close(o.grad, t.grad.numpy(), tol), seed
                    assert o.grad.dtype == t.grad.numpy().dtype
        checked += 1
    assert checked > 50


@pytest.mark.parametrize("seed0", [0, 100])
def test_get_total_norm_then_clip_grads_with_norm_random_against_torch(seed0: int) -> None:
    for seed in range(seed0, seed0 + 100):
        rng = np.random.default_rng(seed)
        draw = _draw(rng)
        ours, theirs = _build(draw)
        nt = ORDERS[int(rng.integers(len(ORDERS)))]
        ro, eo = _run(U.get_total_norm, [o.grad for o in ours if o.grad is not None], nt)
        rt, et = _run(torch.nn.utils.get_total_norm,
                      [t.grad for t in theirs if t.grad is not None], nt)
        if eo is None and _torch_refuses_empty_inf(et):
            continue
        assert eo is None and et is None, (seed, eo, et)
        assert _close(ro, rt.item(), _tol(draw)), (seed, ro, rt)
        mn = float(rng.choice([0.0, 1.0, 5.0]))
        U.clip_grads_with_norm_(ours, mn, ro)
        torch.nn.utils.clip_grads_with_norm_(theirs, mn, rt)
        if math.isfinite(ro):
            for o, t in zip(ours, theirs):
                if o.grad is not None:
                    assert _close(o.grad, t.grad.numpy(), _tol(draw)), seed


def test_clip_grad_value_random_against_torch_bits() -> None:
    for seed in range(150):
        rng = np.random.default_rng(seed)
        draw = [(g, s, dt) for g, s, dt in _draw(rng) if dt != np.complex128]
        ours, theirs = _build(draw)
        cv = float(rng.choice([0.0, 0.5, 1.0, 1e-3, math.inf]))
        U.clip_grad_value_(ours, cv, foreach=[None, False][int(rng.integers(2))])
        if any(t.grad is not None for t in theirs):  # (torch fails on no gradient at all)
            torch.nn.utils.clip_grad_value_(theirs, cv)
        for o, t in zip(ours, theirs):
            if o.grad is not None:
                np.testing.assert_array_equal(o.grad, t.grad.numpy())


# ---- named regressions ------------------------------------------------------------------------
def _params(*grads: np.ndarray) -> list[Tensor]:
    ps = []
    for g in grads:
        ps.append(Tensor(np.zeros_like(g)))
        ps[-1].grad = g.copy()
    return ps


def test_inf_norm_sees_a_nan_in_a_later_gradient() -> None:
    # Python's max() skipped a NaN after a finite number: the norm was 5.0, the gradients
    # (NaN among them) were scaled, and error_if_nonfinite=True did not raise; torch: nan
    ps = _params(np.array([1.0, 5.0]), np.array([np.nan, 1.0]))
    assert math.isnan(U.clip_grad_norm_(ps, 1.0, "inf"))
    np.testing.assert_array_equal(ps[0].grad, [1.0, 5.0])  # non-finite: left as they are
    with pytest.raises(RuntimeError, match="not finite"):
        U.clip_grad_norm_(ps, 1.0, math.inf, error_if_nonfinite=True)


@pytest.mark.parametrize("order", [1.0, 3.5])
def test_complex_gradient_p_norm_counts_the_imaginary_part(order: float) -> None:
    # the p-norm (p != 2, inf) cast |g| after astype(float64): [3+4j, 1j] had 1-norm 3 (with a
    # ComplexWarning), torch's 6
    g = np.array([3 + 4j, 1j])
    ps = _params(g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        total = U.clip_grad_norm_(ps, 1.0, order)
    expect = (5.0 ** order + 1.0) ** (1 / order)
    assert total == pytest.approx(expect, rel=1e-14)
    np.testing.assert_allclose(ps[0].grad, g / (expect + 1e-6), rtol=1e-14)


def test_complex_inf_gradient_has_an_infinite_l2_norm_not_nan() -> None:
    # vdot(inf+0j, inf+0j) is inf * 0 in a part: the norm was NaN, torch's inf
    assert U.clip_grad_norm_(_params(np.array([np.inf + 0j, 1.0])), 1.0) == math.inf


def test_clip_grad_value_refuses_a_complex_gradient() -> None:
    # np.clip ordered complex numbers by their real parts: [3+4j, 1j] became [1, 1j] without a
    # word; torch's clamp refuses complex
    ps = _params(np.array([3 + 4j, 1j]))
    with pytest.raises(TypeError, match="clip_grad_value_: a complex128 gradient"):
        U.clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad, [3 + 4j, 1j])


def test_max_norm_and_clip_value_zero_zero_the_gradients_as_torch() -> None:
    # both were refused ("must be > 0"); torch's coefficient 0 zeroes the gradients
    ps = _params(np.array([3.0, -4.0]))
    assert U.clip_grad_norm_(ps, 0.0) == 5.0
    np.testing.assert_array_equal(ps[0].grad, [0.0, 0.0])
    ps = _params(np.array([3.0, -4.0]))
    U.clip_grad_value_(ps, 0.0)
    np.testing.assert_array_equal(ps[0].grad, [0.0, 0.0])


@pytest.mark.parametrize("call", [lambda ps: U.clip_grad_norm_(ps, -1.0),
                                  lambda ps: U.clip_grad_value_(ps, -1.0),
                                  lambda ps: U.clip_grad_norm_(ps, 1.0, 0.0),
                                  lambda ps: U.clip_grad_norm_(ps, 1.0, -math.inf)],
                         ids=["max_norm<0", "clip_value<0", "norm_type 0", "norm_type -inf"])
def test_refusals_torch_computes_are_one_line_and_change_nothing(call) -> None:
    # documented in docs/pytorch.md: a negative coefficient flips the gradients, clamp(1, -1)
    # sets them all to -1, and an order of 0 or below is no size (torch's ord 0 counts
    # tensors; 0 < p < 1 is torch's quasi-norm, computed: test_leftovers_hLEFT.py)
    ps = _params(np.array([3.0, -4.0]))
    with pytest.raises(ValueError, match=r"must be (>= 0|a number > 0)"):
        call(ps)
    np.testing.assert_array_equal(ps[0].grad, [3.0, -4.0])


def test_get_total_norm_and_clip_grads_with_norm_are_torchs_halves() -> None:
    # torch 2.6's names were missing from nn.utils
    rng = np.random.default_rng(3)
    gs = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    ps, ref = _params(*gs), _params(*gs)
    total = float(U.get_total_norm([p.grad for p in ps], 3.5))
    assert total == pytest.approx(torch.nn.utils.get_total_norm(
        [torch.tensor(g) for g in gs], 3.5).item(), rel=1e-13)
    assert float(U.get_total_norm(Tensor(gs[0]))) == pytest.approx(np.linalg.norm(gs[0]), rel=1e-14)
    U.clip_grads_with_norm_(ps, 0.5, Tensor(np.array(total)))
    assert U.clip_grad_norm_(ref, 0.5, 3.5) == total
    for p, r in zip(ps, ref):
        np.testing.assert_array_equal(p.grad, r.grad)
    with pytest.raises(TypeError, match="get_total_norm: expected gradients"):
        U.get_total_norm([None])
    with pytest.raises(TypeError, match="clip_grads_with_norm_: total_norm must be one"):
        U.clip_grads_with_norm_(ps, 1.0, np.ones(2))


# ---- the rest of the brief: aliasing, jit, the vector round trip, zero_grad -------------------
def test_a_parameter_listed_twice_is_one_gradient() -> None:
    # deliberate (docs/pytorch.md): torch counts it twice in the norm (7.07 for [3, 4]) and
    # scales it twice
    ps = _params(np.array([3.0, 4.0]))
    assert U.clip_grad_norm_([ps[0], ps[0]], 1.0) == 5.0
    np.testing.assert_allclose(ps[0].grad, np.array([3.0, 4.0]) / (5.0 + 1e-6), rtol=1e-15)


@pytest.mark.parametrize("max_norm", [1e-3, 100.0])  # clipped, and the coefficient clamped to 1
def test_clip_inside_a_jitted_step_is_the_eager_bits(max_norm: float) -> None:
    def train(use_jit: bool) -> list[np.ndarray]:
        rng = np.random.default_rng(0)
        m = nn.Linear(4, 3, rng=np.random.default_rng(1))
        opt = SGD(m.parameters(), lr=0.1)

        def step(X, y):
            F.cross_entropy(m(Tensor(X)), y).backward()
            U.clip_grad_norm_(m.parameters(), max_norm)
        f = jit(step) if use_jit else step
        for _ in range(4):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # (jit's "not replayed: clip_grad_*_")
                f(rng.standard_normal((8, 4)), rng.integers(0, 3, 8))
            opt.step()
            opt.zero_grad()
        return [p.data.copy() for p in m.parameters()]
    for a, b in zip(train(False), train(True)):
        np.testing.assert_array_equal(a, b)


def test_parameters_to_vector_and_back_against_torch() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal(2).astype(np.float32)
    A, B = Tensor(np.asfortranarray(a), requires_grad=True), Tensor(b, requires_grad=True)
    At, Bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    v, vt = U.parameters_to_vector([A, B]), torch.nn.utils.parameters_to_vector([At, Bt])
    assert v.dtype == np.float64 and vt.dtype == torch.float64
    np.testing.assert_array_equal(v.data, vt.detach().numpy())
    w = rng.standard_normal(14)
    (v * Tensor(w)).sum().backward()
    (vt * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(A.grad, At.grad.numpy())
    np.testing.assert_array_equal(B.grad, Bt.grad.numpy())
    assert B.grad.dtype == np.float32
    for n in (13, 15):  # (torch ignores a 15th value without a word: refused here, documented)
        with pytest.raises(ValueError, match="vector_to_parameters: vec must be 1-D with 14"):
            U.vector_to_parameters(np.zeros(n), [A, B])
    U.vector_to_parameters(np.arange(14.0), [A, B])
    np.testing.assert_array_equal(A.data, np.arange(12.0).reshape(3, 4))
    assert B.dtype == np.float32  # (torch's param.data = ... makes it float64: documented)
    np.testing.assert_array_equal(B.data, [12.0, 13.0])


def test_zero_grad_of_shared_and_view_gradients() -> None:
    p1, p2 = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    base = np.ones(6)
    p1.grad, p2.grad = base[:3], base[3:]
    SGD([p1, p2], lr=0.1).zero_grad(set_to_none=False)
    np.testing.assert_array_equal(base, np.zeros(6))  # in place, through the views
    shared = np.ones(3)
    p1.grad = p2.grad = shared
    m = nn.Module()
    m.a, m.b = p1, p2
    m.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p1.grad, 0.0)
    np.testing.assert_array_equal(p2.grad, 0.0)
    m.zero_grad()
    assert p1.grad is None and p2.grad is None
