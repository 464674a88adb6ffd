"""PyTorch's further activations and losses (nn.ReLU6 ... nn.PReLU, nn.SmoothL1Loss ...
nn.PairwiseDistance) against torch's own modules: values and input gradients on random float64
inputs, the losses in every reduction, PReLU's weight gradient, kl_div's reductions and
log_target, huber_loss = delta * smooth_l1_loss(beta=delta), one-line refusals of bad
arguments, and a jitted step through them that replays (their kinks' masks are made inside
their ops, not by comparisons the replay would refuse). The op table adds their
finite-difference rows and the edge table their kink, inf, NaN and empty rows."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

R = np.random.default_rng(11)


def _torch():  # torch is an optional oracle: the tests that need it skip without it
    return pytest.importorskip("torch")


def _run(module, torch_module, *xs, seed=0):
    """Both modules on the same float64 inputs, backward with the same random upstream
    gradient; returns (our output, torch's output, our input grads, torch's input grads)."""
    torch = _torch()
    ours = [Tensor(x, requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # KLDivLoss("mean"): both warn (below)
        out, tout = module(*ours), torch_module(*theirs)
    G = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(G)
    tout.backward(torch.tensor(G))
    return (out.data, tout.detach().numpy(), [t.grad for t in ours],
            [t.grad.numpy() for t in theirs])


def _close(out, tout, grads, tgrads, grad_rtol=1e-10):
    np.testing.assert_allclose(out, tout, rtol=1e-12, atol=1e-13)
    for g, tg_ in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg_, rtol=grad_rtol, atol=1e-12)


# ---- activations -------------------------------------------------------------------------------
ACTIVATIONS = [
    ("ReLU6", lambda m: m.ReLU6()), ("Hardtanh", lambda m: m.Hardtanh()),
    ("Hardtanh(-0.5, 2)", lambda m: m.Hardtanh(-0.5, 2.0)),
    ("Hardswish", lambda m: m.Hardswish()), ("Hardsigmoid", lambda m: m.Hardsigmoid()),
    ("Mish", lambda m: m.Mish()), ("SELU", lambda m: m.SELU()), ("CELU", lambda m: m.CELU()),
    ("CELU(0.5)", lambda m: m.CELU(0.5)), ("CELU(-2)", lambda m: m.CELU(-2.0)),
    ("Softsign", lambda m: m.Softsign()), ("Tanhshrink", lambda m: m.Tanhshrink()),
    ("LogSigmoid", lambda m: m.LogSigmoid()), ("Softmin(1)", lambda m: m.Softmin(1)),
    ("Softmin(0)", lambda m: m.Softmin(dim=0)),
    ("Threshold(0.1, 20)", lambda m: m.Threshold(0.1, 20.0)), ("GLU", lambda m: m.GLU()),
    ("GLU(0)", lambda m: m.GLU(0)),
]


@pytest.mark.parametrize("name,make", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_modules_are_torchs_values_and_gradients(name, make):
    torch = _torch()
    x = R.standard_normal((4, 6)) * 4  # across every kink's two sides (none on one: floats)
    out, tout, g, tg_ = _run(make(nn), make(torch.nn).double(), x)
    # Hardsigmoid: torch's float64 backward multiplies by 1/6 rounded to float32 (3e-8 off);
    # ours is the exact 1/6, checked below
    _close(out, tout, g, tg_, grad_rtol=1e-7 if name == "Hardsigmoid" else 1e-10)


def test_hardsigmoid_gradient_is_the_exact_sixth_where_torchs_is_float32s():
    torch = _torch()
    x = Tensor(np.array([-2.0, 0.0, 2.5]), requires_grad=True)
    nn.Hardsigmoid()(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(3, 1.0) / 6)
    t = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    torch.nn.Hardsigmoid()(t).sum().backward()
    assert t.grad.item() == float(np.float32(1 / 6))  # what this test works around


@pytest.mark.parametrize("num_parameters, shape", [(1, (4, 3)), (3, (4, 3)), (3, (2, 3, 4, 5)),
                                                   (1, (5,)), (1, ())])
def test_prelu_values_and_input_and_weight_gradients_are_torchs(num_parameters, shape):
    torch = _torch()
    x = R.standard_normal(shape) * 2
    ours = nn.PReLU(num_parameters)
    theirs = torch.nn.PReLU(num_parameters, dtype=torch.float64)
    assert ours.weight.shape == (num_parameters,)
    np.testing.assert_array_equal(ours.weight.data, 0.25)  # init=0.25, as torch's
    w = R.uniform(-0.5, 0.5, num_parameters)
    ours.weight.data[...] = w
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
    out, tout, g, tg_ = _run(ours, theirs, x)
    _close(out, tout, g, tg_)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-10,
                               atol=1e-12)
    assert [n for n, _ in ours.named_parameters()] == ["weight"]
    assert repr(ours) == repr(theirs)


def test_prelu_is_the_method_and_takes_init():
    torch = _torch()
    x = R.standard_normal((3, 2))
    w = np.array([0.1, -0.3])
    np.testing.assert_allclose(Tensor(x).prelu(Tensor(w)).data,
                               torch.tensor(x).prelu(torch.tensor(w)).numpy(), rtol=1e-15)
    assert F.prelu(Tensor(x), w).shape == (3, 2)
    np.testing.assert_array_equal(nn.PReLU(2, init=0.5).weight.data, [0.5, 0.5])
    assert nn.PReLU(dtype=np.float32).weight.dtype == np.float32


# ---- losses ------------------------------------------------------------------------------------
REDUCTIONS = ["mean", "sum", "none"]
REGRESSION = [
    ("SmoothL1Loss", lambda m, r: m.SmoothL1Loss(reduction=r)),
    ("SmoothL1Loss(beta=0.5)", lambda m, r: m.SmoothL1Loss(reduction=r, beta=0.5)),
    ("SmoothL1Loss(beta=0)", lambda m, r: m.SmoothL1Loss(reduction=r, beta=0.0)),
    ("HuberLoss", lambda m, r: m.HuberLoss(reduction=r)),
    ("HuberLoss(delta=2.5)", lambda m, r: m.HuberLoss(reduction=r, delta=2.5)),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,make", REGRESSION, ids=[a[0] for a in REGRESSION])
def test_regression_losses_are_torchs_in_every_reduction(name, make, reduction):
    torch = _torch()
    x, y = R.standard_normal((5, 4)) * 3, R.standard_normal((5, 4))  # |d| on both sides
    out, tout, g, tg_ = _run(make(nn, reduction), make(torch.nn, reduction), x, y)
    _close(out, tout, g, tg_)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_loss_weight_is_torchs(reduction):
    torch = _torch()
    x, y, w = R.standard_normal((4, 3)) * 3, R.standard_normal((4, 3)), R.uniform(0, 2, (4, 3))
    out, tout, g, tg_ = _run(
        lambda a, b: F.huber_loss(a, b, reduction, 1.5, weight=w),
        lambda a, b: torch.nn.functional.huber_loss(a, b, reduction, 1.5, torch.tensor(w)), x, y)
    _close(out, tout, g, tg_)


@pytest.mark.parametrize("delta", [0.3, 1.0, 4.0])
def test_huber_is_delta_times_smooth_l1_at_beta_delta(delta):
    x, y = R.standard_normal(20) * 3, R.standard_normal(20)
    a, b = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    huber = F.huber_loss(a, y, "none", delta=delta)
    smooth = F.smooth_l1_loss(b, y, "none", beta=delta)
    np.testing.assert_allclose(huber.data, delta * smooth.data, rtol=1e-14, atol=1e-15)
    huber.sum().backward()
    smooth.sum().backward()
    np.testing.assert_allclose(a.grad, delta * b.grad, rtol=1e-14, atol=1e-15)
    # beta = delta = |d| on the seam: both sides agree there (the gradient is continuous)
    assert F.huber_loss(Tensor([delta]), [0.0], delta=delta).item() == 0.5 * delta * delta


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
def test_kl_div_is_torchs_for_every_reduction_and_log_target(reduction, log_target):
    torch = _torch()
    z = R.standard_normal((4, 5))
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    q = R.dirichlet(np.ones(5), 4)
    q[0, 1] = 0.0  # a zero probability: 0 log 0 = 0 (its target gradient is NaN in both)
    target = np.log(q + 1e-3) if log_target else q
    out, tout, g, tg_ = _run(nn.KLDivLoss(reduction, log_target),
                             torch.nn.KLDivLoss(reduction=reduction, log_target=log_target),
                             logp, target)
    _close(out, tout, g, tg_)
    if not log_target:
        assert np.isnan(g[1][0, 1]) and np.isnan(tg_[1][0, 1])
    if reduction == "batchmean":  # the KL divergence per sample: the sum over the batch / n
        per = (np.exp(target) * (target - logp) if log_target else
               np.where(q > 0, q * np.log(np.where(q > 0, q, 1)), 0) - q * logp)
        np.testing.assert_allclose(out, per.sum() / 4, rtol=1e-13)


def test_kl_div_mean_warns_as_torch_does_and_batchmean_does_not():
    torch = _torch()
    x, t = np.log(np.full((2, 3), 1 / 3)), np.full((2, 3), 1 / 3)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size") as ours:
        F.kl_div(Tensor(x), t)
    with pytest.warns(UserWarning) as theirs:
        torch.nn.functional.kl_div(torch.tensor(x), torch.tensor(t))
    assert str(ours[0].message) == str(theirs[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(Tensor(x), t, reduction="batchmean")
        nn.KLDivLoss(reduction="sum")(Tensor(x), t)


@pytest.mark.parametrize("dim, shapes", [(1, ((4, 3), (4, 3))), (0, ((5,), (5,))),
                                         (-1, ((2, 1, 3), (4, 3))), (1, ((2, 3), (3,)))])
def test_cosine_similarity_is_torchs(dim, shapes):
    torch = _torch()
    x1, x2 = (R.standard_normal(s) for s in shapes)
    out, tout, g, tg_ = _run(nn.CosineSimilarity(dim=dim), torch.nn.CosineSimilarity(dim=dim),
                             x1, x2)
    _close(out, tout, g, tg_)


def test_cosine_similarity_of_a_zero_vector_is_torchs():
    torch = _torch()
    x1 = np.vstack([np.zeros(3), R.standard_normal(3)])
    out, tout, g, tg_ = _run(nn.CosineSimilarity(), torch.nn.CosineSimilarity(), x1,
                             R.standard_normal((2, 3)))
    _close(out, tout, g, tg_)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf"), -1.0])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_is_torchs(p, keepdim):
    torch = _torch()
    x1, x2 = R.standard_normal((4, 5)), R.standard_normal((4, 5))
    out, tout, g, tg_ = _run(nn.PairwiseDistance(p, keepdim=keepdim),
                             torch.nn.PairwiseDistance(p, keepdim=keepdim), x1, x2)
    _close(out, tout, g, tg_)


@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, 0), (3.0, -1), (float("inf"), 1)])
def test_normalize_is_torchs(p, dim):
    torch = _torch()
    x = R.standard_normal((3, 4))
    x[1] = 0.0  # a zero row: divided by eps, as torch's
    out, tout, g, tg_ = _run(lambda a: F.normalize(a, p, dim),
                             lambda a: torch.nn.functional.normalize(a, p, dim), x)
    _close(out, tout, g, tg_)


# ---- bad arguments: one line each --------------------------------------------------------------
def _one_line(excinfo):
    assert "\n" not in str(excinfo.value), str(excinfo.value)


@pytest.mark.parametrize("call, match", [
    (lambda: F.smooth_l1_loss(Tensor([1.0]), [0.0], "avg"),
     "smooth_l1_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: F.smooth_l1_loss(Tensor([1.0]), [0.0], "batchmean"), "smooth_l1_loss: reduction"),
    (lambda: F.huber_loss(Tensor([1.0]), [0.0], reduction="batchmean"), "huber_loss: reduction"),
    (lambda: F.kl_div(Tensor([-1.0]), [0.5], "avg"),
     "kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got 'avg'"),
    (lambda: nn.SmoothL1Loss(reduction="batchmean"), "SmoothL1Loss: reduction must be one of"),
    (lambda: nn.HuberLoss("avg"), "HuberLoss: reduction must be one of"),
    (lambda: nn.KLDivLoss("avg"), "KLDivLoss: reduction must be one of"),
    (lambda: F.smooth_l1_loss(Tensor([1.0]), [0.0], beta=-0.5),
     "smooth_l1_loss: beta must be >= 0, got -0.5"),
    (lambda: nn.SmoothL1Loss(beta=-1.0), "SmoothL1Loss: beta must be >= 0"),
    (lambda: F.huber_loss(Tensor([1.0]), [0.0], delta=-1.0), "huber_loss: delta must be > 0"),
    (lambda: F.huber_loss(Tensor([1.0]), [0.0], delta=0.0), "huber_loss: delta must be > 0"),
    (lambda: nn.HuberLoss(delta=0.0), "HuberLoss: delta must be > 0"),
    (lambda: F.glu(Tensor(np.ones((2, 3)))), "glu: dimension -1 has odd length 3"),
    (lambda: nn.GLU(0)(Tensor(np.ones((3, 2)))), "glu: dimension 0 has odd length 3"),
    (lambda: F.glu(Tensor(np.ones(4)), dim=1), "glu: dim 1 is out of range for a 1-D input"),
    (lambda: F.prelu(Tensor(np.ones((2, 3))), np.ones(2)),
     r"prelu: weight has 2 parameters but the input has 3 channels"),
    (lambda: nn.PReLU(4)(Tensor(np.ones((2, 3)))), "prelu: weight has 4 parameters"),
    (lambda: F.hardtanh(Tensor([0.0]), 1.0, -1.0), "hardtanh: min_val"),
    (lambda: nn.Hardtanh(1.0, -1.0), "Hardtanh: min_val"),
    (lambda: F.celu(Tensor([0.0]), 0.0), "celu: alpha cannot be 0"),
    (lambda: nn.CELU(0.0), "CELU: alpha cannot be 0"),
    (lambda: F.cosine_similarity(Tensor(np.ones(3)), np.ones(3)),
     "cosine_similarity: dim 1 is out of range"),
    (lambda: F.pairwise_distance(Tensor(np.ones((2, 3))), np.ones(2)),
     r"pairwise_distance: x1 of shape \(2, 3\) and x2 of shape \(2,\) do not broadcast"),
    (lambda: F.normalize(Tensor(np.ones(3))), "normalize: dim 1 is out of range"),
    (lambda: F.kl_div(Tensor(np.ones((2, 1))), np.ones(2), "sum"),
     r"kl_div: input has shape \(2, 1\) but target has shape \(2,\)"),
])
def test_bad_arguments_raise_one_clear_line(call, match):
    with pytest.raises(ValueError, match=match) as excinfo:
        call()
    _one_line(excinfo)


def test_non_numbers_and_non_strings_are_type_errors():
    with pytest.raises(TypeError, match="smooth_l1_loss: beta must be a number"):
        F.smooth_l1_loss(Tensor([1.0]), [0.0], beta="1")
    with pytest.raises(TypeError, match="kl_div: reduction"):
        F.kl_div(Tensor([-1.0]), [0.5], Tensor([1.0]))


# ---- a replayed step through them --------------------------------------------------------------
def test_a_jitted_step_through_the_new_layers_replays_as_eager():
    """Their kinks are decided inside ops (Hardtanh, Hardswish, Threshold, PReLU, CELU, the
    clamp of smooth_l1): no comparison mask made in the step, which replay would refuse."""
    rng = np.random.default_rng(0)
    lin = nn.Linear(4, 6, rng=rng)
    act = nn.Sequential(nn.PReLU(6), nn.Hardswish(), nn.ReLU6(), nn.CELU(0.7), nn.Mish(),
                        nn.Threshold(-0.5, 0.25), nn.GLU())
    params = [*lin.parameters(), *act.parameters()]
    loss_fn = nn.SmoothL1Loss(beta=0.5)

    def step(X, Y):  # returns nothing: the gradients land in .grad, replayed or not
        loss_fn(act(lin(Tensor(X))), Y).backward()

    def grads(run, X, Y):
        for p in params:
            p.grad = None
        run(X, Y)
        return [np.array(p.grad) for p in params]

    replayed = jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager would warn
        for _ in range(4):
            X, Y = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
            for a, b in zip(grads(replayed, X, Y), grads(step, X, Y)):
                np.testing.assert_array_equal(a, b)
    assert replayed.replays == 2


def test_softmin_takes_dim_or_axis_not_both():
    x = Tensor(R.standard_normal((2, 3)))
    np.testing.assert_array_equal(F.softmin(x, axis=0).data, F.softmin(x, dim=0).data)
    np.testing.assert_allclose(F.softmin(x).data.sum(-1), 1.0)
    with pytest.raises(TypeError, match="both axis= and dim="):
        F.softmin(x, dim=0, axis=1)
    with pytest.warns(UserWarning, match="softmin: no dim given for a 3-D tensor"):
        F.softmin(Tensor(np.ones((2, 2, 2))))


def test_an_infinite_upstream_gradient_at_a_clipped_entry_gives_0_not_nan():
    """Before: relu, clamp, hardtanh, relu6 and hardsigmoid multiplied the upstream gradient by
    a 0/1 mask, so sqrt's infinite gradient at a clipped 0 became inf * 0 = NaN (PyTorch: 0)."""
    cases = [(F.relu, [0.0, 0.0, 0.35355339059327373, 0.1889822365046136]),
             (F.relu6, [0.0, 0.0, 0.35355339059327373, 0.0]),
             (lambda t: F.hardtanh(t, 0.0, 1.0), [0.0, 0.0, 0.0, 0.0]),
             (lambda t: F.hardsigmoid(t - 3.0), [0.0, 0.0, 0.14433756729740643, 0.0]),
             (lambda t: t.clamp(-0.5, 6.0), [0.0, np.inf, 0.35355339059327373, 0.0])]
    for f, want in cases:
        x = Tensor(np.array([-1.0, 0.0, 2.0, 7.0]), requires_grad=True)
        f(x).clamp(0.0, None).sqrt().sum().backward()
        np.testing.assert_allclose(x.grad, want, rtol=1e-15)
