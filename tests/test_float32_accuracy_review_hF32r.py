"""Review of ec6ef9e (float32 accuracy, helper hF32) by hF32r: smooth_l1_loss, huber_loss,
binary_cross_entropy_with_logits, addcmul / addcdiv, and the blocked float32 column sums of
BatchNorm and Linear under jit replay, against exact values (float64 / mpmath-checked) and
torch 2.13.

Fixed here (each named test failed on ec6ef9e):
- ops.SmoothL1 took torch's 0.5 * d * d / beta, undoing hEX's overflow-free value: float32
  d = 5e19 with beta = 1e20 gave inf (1.25e19), float64 d = 1e200, beta = 1e300 inf (5e99),
  float64 d = 1e-201, beta = 1e-200 gave 0 (5e-203), and float16 at ordinary inputs lost digits
  in the subnormal 0.5 d^2 (d = 1e-3, beta = 0.1: 4.77e-6 for 5.0e-6, 5%);
- its gradient was NaN at d = 0 where beta rounds to 0 in the dtype (float16 beta = 1e-8);
- BCEWithLogits' target gradient with pos_weight, (p - 1) softplus(-x) - x, cancelled at
  negative logits unless p = 1 (p = 0, x = -20: float32 0 for -2.06e-9, float64 3e-7 relative);
- BCEWithLogits computed a complex logit (|x|, max(x, 0) of complex) where the composition,
  and torch, refuse it;
- addcdiv (the sibling of the addcmul fix) formed t1 / t2 before the value: float32 1e20 / 1e-20
  times 1e-30 was inf (torch's (value t1) / t2: 1e10), and 20% of its bits differed from torch's.
"""
import math
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn.functional as F
from tinygrad_dl import Tensor, nn
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _smooth_l1_exact(d: float, beta: float) -> float:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, in float64 without overflow."""
    a = abs(d)
    return 0.5 * a * (a / beta) if a < beta else a - 0.5 * beta


# ---- smooth_l1_loss: the value where 0.5 d^2 leaves the dtype's range ------------------------
@pytest.mark.parametrize("dtype, d, beta", [(np.float32, 5e19, 1e20), (np.float32, -3e25, 1e30),
                                            (np.float64, 1e200, 1e300),
                                            (np.float64, -1e-201, 1e-200),
                                            (np.float32, 1e-20, 1e-3),
                                            (np.float32, 2e-25, 1e-12)])
def test_smooth_l1_value_is_finite_and_exact_where_half_d_squared_leaves_the_range(dtype, d,
                                                                                    beta):
    x = tg.tensor(np.array([d, 0.25 * beta, 2 * beta], dtype), requires_grad=True)
    out = F.smooth_l1_loss(x, tg.tensor(np.zeros(3, dtype)), reduction="none", beta=beta)
    want = [_smooth_l1_exact(float(v), beta) for v in x.data]
    assert out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), want, rtol=4 * np.finfo(dtype).eps)
    out.sum().backward()  # (the gradient was right: d / beta, sign(d))
    np.testing.assert_allclose(x.grad, np.clip(x.data.astype(np.float64) / beta, -1, 1),
                               rtol=4 * np.finfo(dtype).eps)


@pytest.mark.parametrize("beta", [1e-2, 0.1, 0.5])
def test_float16_smooth_l1_value_is_rounded_once(beta):
    d = np.array([1e-3, 3e-3, -7e-3, 2e-4, 0.05, 1.0, -3.0], np.float16)
    out = F.smooth_l1_loss(tg.tensor(d), tg.tensor(np.zeros_like(d)), reduction="none",
                           beta=beta)
    want = np.array([_smooth_l1_exact(float(v), beta) for v in d]).astype(np.float16)
    assert out.dtype == np.float16
    # (before: 0.5 d^2 rounded to float16's subnormals first, 4.77e-6 for 5.0e-6 at beta 0.1;
    # torch's float16 is that too)
    np.testing.assert_array_equal(out.numpy(), want)


@pytest.mark.parametrize("dtype, beta", [(np.float16, 1e-8), (np.float16, 1e-300),
                                         (np.float32, 1e-46)])
def test_smooth_l1_gradient_where_beta_rounds_to_zero_is_torchs(dtype, beta):
    d = np.array([0.0, 1e-3, -2.0], dtype)
    x = tg.tensor(d, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no 0 / 0 warning either)
        F.smooth_l1_loss(x, tg.tensor(np.zeros_like(d)), reduction="sum", beta=beta).backward()
    tx = torch.tensor(d, requires_grad=True)
    TF.smooth_l1_loss(tx, torch.zeros(3, dtype=tx.dtype), reduction="sum",
                      beta=beta).backward()
    assert x.grad.tolist() == [0.0, 1.0, -1.0] == tx.grad.tolist()  # (before: NaN at d = 0)


@pytest.mark.parametrize("loss", ["smooth_l1_loss", "huber_loss"])
def test_smooth_l1_and_huber_keep_torchs_bits_at_ordinary_inputs(loss):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 50)) * 10.0 ** rng.uniform(-4, 2, (4, 50))).astype(np.float32)
    for kw in ({}, {"beta": 0.3} if loss == "smooth_l1_loss" else {"delta": 0.3},
               {"beta": 5.0} if loss == "smooth_l1_loss" else {"delta": 5.0}):
        t, tt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out = getattr(F, loss)(t, tg.tensor(np.zeros_like(x)), reduction="none", **kw)
        ref = getattr(TF, loss)(tt, torch.zeros(x.shape), reduction="none", **kw)
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
        # (torch's gradient is d / beta in float32, but its scalar tail loop's differs by an
        # ulp now and then)
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=float(np.finfo(np.float32).eps),
                                   atol=0)


# ---- binary_cross_entropy_with_logits ------------------------------------------------------
def _bce_target_grad_exact(x: float, p: float) -> float:
    """p softplus(-x) - softplus(x), without cancellation (x < 0: (p - 1) softplus(x) - p x)."""
    sp = math.log1p(math.exp(-abs(x)))
    spp, spn = max(x, 0.0) + sp, max(-x, 0.0) + sp
    return (p - 1) * spn - x if x >= 0 else (p - 1) * spp - p * x


@pytest.mark.parametrize("dtype, tol", [(np.float64, 4e-16), (np.float32, 2e-7),
                                        (np.float16, 1e-3)])
def test_bce_with_logits_pos_weight_target_gradient_at_negative_logits(dtype, tol):
    x = np.array([-20.0, -30.0, -5.0, -3.0, -8.0, 2.0, -1e-3], dtype)
    p = np.array([0.0, 0.01, 0.1, 0.0, 0.5, 0.0, 3.0], dtype)
    tx, ty = tg.tensor(x), tg.tensor(np.ones_like(x), requires_grad=True)
    F.binary_cross_entropy_with_logits(tx, ty, reduction="sum",
                                       pos_weight=tg.tensor(p)).backward()
    want = [_bce_target_grad_exact(float(a), float(b)) for a, b in zip(x, p)]
    assert ty.grad.dtype == dtype
    # (before: float32 0 for -2.06e-9 at x = -20, p = 0; float16 6% off at x = -4.8)
    np.testing.assert_allclose(ty.grad, np.array(want).astype(dtype), rtol=tol, atol=0)


def test_bce_with_logits_refuses_complex_logits_in_one_line():
    z = tg.tensor(np.array([1 + 1j, 0.1j]))
    with pytest.raises(TypeError, match="binary_cross_entropy_with_logits: not supported for "
                                        "complex"):
        F.binary_cross_entropy_with_logits(z, tg.tensor(np.zeros(2)))
    with pytest.raises(NotImplementedError):  # (torch's)
        TF.binary_cross_entropy_with_logits(torch.tensor([1 + 1j, 0.1j]),
                                            torch.zeros(2, dtype=torch.complex128))


def test_bce_with_logits_transposed_inputs_and_broadcast_weights_match_torch():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 3)).T * 4
    y = rng.uniform(size=(5, 3)).T
    pw, w = rng.uniform(0, 3, (3, 1)), rng.uniform(0, 2, (5,))
    tx, ty = tg.tensor(x, requires_grad=True), tg.tensor(y, requires_grad=True)
    out = F.binary_cross_entropy_with_logits(tx, ty, weight=w, pos_weight=pw)
    out.backward()
    ttx, tty = (torch.tensor(np.ascontiguousarray(a), requires_grad=True) for a in (x, y))
    ref = TF.binary_cross_entropy_with_logits(ttx, tty, weight=torch.tensor(w),
                                              pos_weight=torch.tensor(pw))
    ref.backward()
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-14)
    np.testing.assert_allclose(tx.grad, ttx.grad.numpy(), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(ty.grad, tty.grad.numpy(), rtol=1e-12, atol=1e-16)


# ---- addcdiv: the value scales tensor1 first, as addcmul's --------------------------------
def test_addcdiv_scales_tensor1_before_the_quotient():
    x = np.ones(4, np.float32)
    a, b = np.full(4, 1e20, np.float32), np.full(4, 1e-20, np.float32)
    got = tg.tensor(x).addcdiv(tg.tensor(a), tg.tensor(b), value=1e-30).numpy()
    assert np.isfinite(got).all()  # (before: inf)
    np.testing.assert_array_equal(
        got, torch.tensor(x).addcdiv(torch.tensor(a), torch.tensor(b), value=1e-30).numpy())
    rng = np.random.default_rng(0)
    x, a, b = (rng.standard_normal(64).astype(np.float32) for _ in range(3))
    np.testing.assert_array_equal(  # torch's bits at ordinary inputs (before: 20% differed)
        tg.tensor(x).addcdiv(tg.tensor(a), tg.tensor(b), value=0.37).numpy(),
        torch.tensor(x).addcdiv(torch.tensor(a), torch.tensor(b), value=0.37).numpy())


# ---- jit: steps through the new ops and the blocked sums replay eager's bits ----------------
def _net(kind: str) -> nn.Module:
    tg.manual_seed(0)
    if kind == "bn1":
        return nn.Sequential(nn.Linear(6, 5, dtype=np.float32), nn.BatchNorm1d(5, dtype=np.float32),
                             nn.ReLU(), nn.Linear(5, 3, dtype=np.float32))
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, dtype=np.float32),
                         nn.BatchNorm2d(3, dtype=np.float32), nn.ReLU(), nn.Flatten(),
                         nn.Linear(48, 3, dtype=np.float32))


def _steps(kind: str, loss: str, rows: int, jitted: bool, keep_grads: bool) -> list:
    net = _net(kind)
    opt = tg.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    pw = Tensor(np.array([0.5, 2.0, 0.0], np.float32))

    def step(X, Y):
        out = net(Tensor(X))
        if loss == "smooth_l1":
            value = F.smooth_l1_loss(out, Tensor(Y), beta=0.5)
        elif loss == "huber":
            value = F.huber_loss(out, Tensor(Y), delta=0.7)
        else:
            value = F.binary_cross_entropy_with_logits(out, Tensor(Y), pos_weight=pw)
        value.backward()
        return value

    run = jit(step) if jitted else step
    seen = []
    for s in range(5):
        r = np.random.default_rng(s)
        shape = (rows, 6) if kind == "bn1" else (rows // 16, 2, 4, 4)
        X = (r.standard_normal(shape) * 3 + 1).astype(np.float32)
        Y = (r.uniform(size=(shape[0], 3)) < 0.5).astype(np.float32)
        value = run(X, Y)
        seen.append((value.numpy().tobytes(), [p.grad.tobytes() for p in net.parameters()],
                     [np.asarray(b).tobytes() for b in net.buffers()]))
        opt.step()
        opt.zero_grad(set_to_none=not keep_grads)
    if jitted:
        assert run.replays == 3
    return seen


@pytest.mark.parametrize("kind, loss, keep", [("bn1", "smooth_l1", False), ("bn1", "bce", True),
                                              ("bn2", "huber", True), ("bn2", "bce", False)])
def test_jit_replays_float32_steps_over_many_rows_bit_for_bit(kind, loss, keep):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # (jit's cannot-replay warning)
        assert _steps(kind, loss, 2048 + 80, True, keep) == _steps(kind, loss, 2048 + 80, False,
                                                                   keep)
