"""Review of hK's complex change (hKr): ordering ops that hK's real_only missed (max pools,
mode, logit's eps clamp), mse_loss's extra op, and real inputs unchanged."""

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit
from tinygrad_dl.ops import Sub

Z = (np.arange(16) * (1 + 0.7j) * np.array([1, -1] * 8)).reshape(1, 1, 4, 4)


@pytest.mark.parametrize("call", [
    lambda t: F.max_pool2d(t, 2),
    lambda t: F.max_pool2d(t, 3, 1, padding=1),
    lambda t: F.max_pool1d(t[0], 2),
    lambda t: F.adaptive_max_pool1d(t[0], 1),
    lambda t: F.adaptive_max_pool2d(t, 1),
    lambda t: tg.nn.MaxPool2d(2)(t),
], ids=["max_pool2d", "max_pool2d_pad", "max_pool1d", "adaptive_max_pool1d",
        "adaptive_max_pool2d", "nn.MaxPool2d"])
def test_max_pools_refuse_complex(call):
    # NumPy's max ordered complex numbers lexicographically (a silent pick); torch refuses
    with pytest.raises(TypeError, match="complex"):
        call(Tensor(Z.copy()))


def test_mode_refuses_complex():
    # the smallest of equally frequent values: lexicographic for complex before; torch refuses
    with pytest.raises(TypeError, match="mode.*complex"):
        Tensor(np.array([2 + 0j, 1 + 5j, 2 + 0j, 1 + 5j])).mode()


def test_logit_eps_refuses_complex():
    # x < eps on complex compared real parts first (NumPy's order): clamped silently
    with pytest.raises(TypeError, match="logit.*complex"):
        Tensor(np.array([0.5 + 2j, 0.0 + 1j])).logit(1e-3)


def test_logit_without_eps_still_computes_complex():
    z = np.array([0.3 + 0.2j, 2 - 1j])
    np.testing.assert_allclose(Tensor(z).logit().data, np.log(z / (1 - z)), rtol=1e-14)


def test_mse_loss_computes_no_extra_difference(monkeypatch):
    # hK's check computed (x - y) once more (a dead Sub op, its array and graph node) in every
    # call: two Subs per loss
    calls = []
    forward = Sub.forward
    monkeypatch.setattr(Sub, "forward",
                        lambda ctx, *a, **k: calls.append(1) or forward(ctx, *a, **k))
    x = Tensor(np.random.default_rng(0).standard_normal(5), requires_grad=True)
    loss = F.mse_loss(x, Tensor(np.zeros(5)))
    assert len(calls) == 1
    loss.backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data / 5, rtol=1e-15)


def test_mse_loss_still_refuses_complex():
    with pytest.raises(TypeError, match="mse_loss"):
        F.mse_loss(Tensor(np.array([1 + 1j])), Tensor(np.array([0j])))
    with pytest.raises(TypeError, match="mse_loss"):
        F.mse_loss(Tensor(np.array([1.0])), Tensor(np.array([1j])))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.int8])
def test_real_ordering_ops_unchanged(dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4)) * 3
    if dtype in (np.float16, np.float32, np.float64):
        a[0, 0], a[1, 1], a[2, 2] = np.nan, np.inf, -0.0
    a = a.round().astype(dtype) if np.dtype(dtype).kind == "i" else a.astype(dtype)
    t = Tensor(a)
    with np.errstate(invalid="ignore"):
        pairs = [(t.relu().data, np.maximum(a, 0)), (t.max().data, np.max(a)),
                 (t.clamp(-1, 1).data, np.clip(a, -1, 1)),
                 (t.maximum(Tensor(a.T.copy().T[::-1])).data, np.maximum(a, a[::-1])),
                 (t.minimum(Tensor(a[::-1].copy())).data, np.minimum(a, a[::-1])),
                 ((t < 0.5).data, a < 0.5), (t.sign().data, np.sign(a))]
    for ours, ref in pairs:
        np.testing.assert_array_equal(ours, ref)
        assert np.asarray(ours).dtype == np.asarray(ref).dtype


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jitted_step_with_ordering_ops_replays_bit_for_bit(dtype):
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal((3, 4)).astype(dtype)

    def make(W):
        def step(x):
            z = Tensor(x) @ W
            loss = (z.relu().sum() + z.max(1)[0].sum() + z.clamp(-0.5, 0.5).sum()
                    + z.maximum(z * 0.3).sum() + F.relu6(z).sum() + (z * (z > 0.1)).sum()
                    + z.amin(1).sum() + F.mse_loss(z, z.detach() * 0.5))
            loss.backward()
            return loss
        return step

    Wa, Wb = Tensor(w0.copy(), requires_grad=True), Tensor(w0.copy(), requires_grad=True)
    eager, step = make(Wa), jit(make(Wb))
    for _ in range(5):  # (a replay that fell back to eager would warn: an error here)
        x = rng.standard_normal((5, 3)).astype(dtype)
        Wa.grad = Wb.grad = None
        assert eager(x).item() == step(x).item()
        np.testing.assert_array_equal(Wa.grad.data, Wb.grad.data)
        Wa.data -= 0.1 * Wa.grad.data
        Wb.data -= 0.1 * Wb.grad.data


def test_polar_of_inf_and_nan_is_torchs_without_warnings():
    torch = pytest.importorskip("torch")
    r, th = np.array([np.inf, 0.0, 2.0, np.inf]), np.array([0.0, np.inf, np.nan, 1.0])
    with np.errstate(all="raise"):  # (NumPy's "invalid value in cos/multiply" leaked before)
        ours = tg.polar(Tensor(r), Tensor(th)).data
    np.testing.assert_array_equal(ours, torch.polar(torch.tensor(r), torch.tensor(th)).numpy())


@pytest.mark.parametrize("call", [
    lambda t: t.clamp(min=1j), lambda t: t.clamp(-1j, 1j), lambda t: t.clip(max=1j),
    lambda t: t.clamp_min(1j), lambda t: t.clamp_max(1j),
    lambda t: t.clamp(min=Tensor(np.full(5, 1j))), lambda t: t.clamp(Tensor(np.zeros(5)), 2j),
], ids=["min", "both", "clip_max", "clamp_min", "clamp_max", "tensor_min", "tensor_and_number"])
def test_clamp_of_real_by_complex_bound_refused(call):
    # a real x clamped by a complex bound: NumPy's lexicographic order gave [1j, 1j, 1j, 0.5, 2]
    # for x.clamp(min=1j) without a word (torch refuses: not ordered)
    with pytest.raises(TypeError, match="clamp.*complex"):
        call(Tensor(np.array([-2.0, -0.5, 0.0, 0.5, 2.0])))
