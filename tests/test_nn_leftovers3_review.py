"""Leftovers of earlier reviews, against torch 2.13: nn.Hardtanh's integer bounds, Geometric's
entropy and ContinuousBernoulli's log_prob at the edges, batch norm of an empty batch, and
AdamW / NAdam / RAdam loading groups with (or without) decoupled_weight_decay."""

import math
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


# ---- nn.Hardtanh keeps its bounds as given (torch's) ----------------------------------------
@pytest.mark.parametrize("lo, hi", [(-2**63, 2**63 - 1), (0, 2**63 - 2), (2**63 - 2, 2**63 - 1),
                                    (-3, 3)])
def test_hardtanh_module_integer_bounds_at_int64_limits(lo, hi):
    a = np.array([-2**63, -5, 0, 5, 2**63 - 2, 2**63 - 1], dtype=np.int64)
    ours, theirs = tg.nn.Hardtanh(lo, hi), torch.nn.Hardtanh(lo, hi)
    y, ty = ours(tg.tensor(a)), theirs(torch.tensor(a))
    assert y.dtype == tg.int64
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert repr(ours) == repr(theirs)


def test_hardtanh_module_refuses_equal_bounds_as_torch():
    with pytest.raises(AssertionError):
        torch.nn.Hardtanh(1, 1)
    with pytest.raises(ValueError, match=r"Hardtanh: min_val \(1\) must be less than max_val"):
        tg.nn.Hardtanh(1, 1)
    with pytest.raises(TypeError, match="Hardtanh: min_val must be a number"):
        tg.nn.Hardtanh("-1", 1)


# ---- Geometric.entropy below eps; ContinuousBernoulli.log_prob(+-inf) ---------------------------
def test_geometric_entropy_tiny_probs_is_exact_not_huge():
    ent = tg.distributions.Geometric(probs=tg.tensor([1e-300, 1e-17, 0.0]),
                                     validate_args=False).entropy().numpy()
    np.testing.assert_allclose(ent[:2], [1 - math.log(1e-300), 1 - math.log(1e-17)], rtol=1e-15)
    assert ent[2] == np.inf  # (torch: 0 / 0, NaN; the limit is inf)
    ent = tg.distributions.Geometric(logits=tg.tensor([-800.0, -math.inf])).entropy().numpy()
    np.testing.assert_allclose(ent, [801.0, np.inf], rtol=1e-15)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_geometric_entropy_ordinary_values_keep_torchs_values_and_grads(kind):
    rng = np.random.default_rng(0)
    a = rng.uniform(1e-3, 1, 30) if kind == "probs" else rng.normal(0, 3, 30)
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    e = tg.distributions.Geometric(**{kind: x}).entropy()
    te = torch.distributions.Geometric(**{kind: tx}).entropy()
    e.sum().backward()
    te.sum().backward()
    np.testing.assert_allclose(e.numpy(), te.detach().numpy(), rtol=1e-9)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-7)


@pytest.mark.parametrize("param", [dict(probs=0.0), dict(probs=1.0), dict(probs=0.3),
                                   dict(logits=800.0), dict(logits=-800.0),
                                   dict(logits=math.inf), dict(logits=-math.inf)])
def test_continuous_bernoulli_log_prob_of_infinities_unvalidated(param):
    v = [math.inf, -math.inf]
    ours = tg.distributions.ContinuousBernoulli(
        **{k: tg.tensor([x, x]) for k, x in param.items()}, validate_args=False)
    theirs = torch.distributions.ContinuousBernoulli(
        **{k: torch.tensor([x, x], dtype=torch.float64) for k, x in param.items()},
        validate_args=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = ours.log_prob(tg.tensor(v)).numpy()
    np.testing.assert_array_equal(got, theirs.log_prob(torch.tensor(v, dtype=torch.float64)))
    with pytest.raises(ValueError):  # (validated: outside the support, as torch)
        tg.distributions.ContinuousBernoulli(
            **{k: tg.tensor(x) for k, x in param.items()}).log_prob(tg.tensor(math.inf))


def test_continuous_bernoulli_log_prob_of_infinities_gradient():
    x, tx = tg.tensor([0.3, 0.3], requires_grad=True), torch.tensor(
        [0.3, 0.3], dtype=torch.float64, requires_grad=True)
    v = [math.inf, -math.inf]
    tg.distributions.ContinuousBernoulli(probs=x, validate_args=False).log_prob(
        tg.tensor(v)).sum().backward()
    torch.distributions.ContinuousBernoulli(probs=tx, validate_args=False).log_prob(
        torch.tensor(v, dtype=torch.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


# ---- batch norm of an empty batch (torch: an empty output, not an error) ------------------------
@pytest.mark.parametrize("make, shape", [(lambda m: m.BatchNorm1d(3), (0, 3)),
                                         (lambda m: m.BatchNorm2d(3), (0, 3, 2, 2))])
def test_batchnorm_empty_batch_in_training(make, shape):
    ours, theirs = make(tg.nn), make(torch.nn).double()
    ours(tg.tensor(np.arange(8 * 3 * int(np.prod(shape[2:]))).reshape((8, *shape[1:])) * 1.0))
    before = ours.running_mean.copy(), ours.running_var.copy(), int(ours.num_batches_tracked)
    x, tx = tg.zeros(shape, requires_grad=True), torch.zeros(shape, dtype=torch.float64,
                                                             requires_grad=True)
    y, ty = ours(x), theirs(tx)
    y.sum().backward()
    ty.sum().backward()
    assert tuple(y.shape) == tuple(ty.shape) == shape
    assert x.grad.shape == shape
    np.testing.assert_array_equal(ours.gamma.grad, theirs.weight.grad.numpy())
    np.testing.assert_array_equal(ours.beta.grad, theirs.bias.grad.numpy())
    np.testing.assert_array_equal(ours.running_mean, before[0])  # (unchanged, as torch's)
    np.testing.assert_array_equal(ours.running_var, before[1])
    assert int(ours.num_batches_tracked) == before[2]  # (torch counts it: docs/pytorch.md)
    with pytest.raises(ValueError, match="more than 1 row per feature"):
        ours(tg.zeros((1, 3) + (1,) * (len(shape) - 2)))  # (one row: refused, as torch)


def test_torch_batch_norm_of_no_values_in_training():
    x, tx = tg.zeros((0, 3), requires_grad=True), torch.zeros((0, 3), dtype=torch.float64,
                                                              requires_grad=True)
    rm, rv, trm, trv = tg.zeros(3), tg.ones(3), torch.zeros(3, dtype=torch.float64), torch.ones(
        3, dtype=torch.float64)
    w, tw = tg.ones(3, requires_grad=True), torch.ones(3, dtype=torch.float64,
                                                       requires_grad=True)
    tg.batch_norm(x, w, None, rm, rv, True, 0.1, 1e-5, False).sum().backward()
    torch.batch_norm(tx, tw, None, trm, trv, True, 0.1, 1e-5, False).sum().backward()
    np.testing.assert_array_equal(w.grad, tw.grad.numpy())
    np.testing.assert_array_equal(rm.numpy(), trm.numpy())
    np.testing.assert_array_equal(rv.numpy(), trv.numpy())


# ---- AdamW / NAdam / RAdam load_state_dict: torch's __setstate__ --------------------------------
def _after_load(ours_cls, torch_cls, kw, edit):
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    tw = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    o, t = ours_cls([w], lr=0.1, weight_decay=0.5, **kw), torch_cls([tw], lr=0.1,
                                                                   weight_decay=0.5, **kw)
    for opt in (o, t):
        sd = opt.state_dict()
        edit(sd["param_groups"][0])
        opt.load_state_dict(sd)
    assert o.param_groups[0]["decoupled_weight_decay"] == t.param_groups[0][
        "decoupled_weight_decay"]
    for _ in range(3):
        w.grad, tw.grad = np.array([0.3, 0.1]), torch.tensor([0.3, 0.1], dtype=torch.float64)
        o.step()
        t.step()
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-8)


def test_adamw_loads_a_group_saying_not_decoupled_as_adamw():
    _after_load(tg.optim.AdamW, torch.optim.AdamW, {},
                lambda g: g.update(decoupled_weight_decay=False))


@pytest.mark.parametrize("name", ["NAdam", "RAdam"])
def test_nadam_radam_group_saved_without_decoupled_takes_false(name):
    _after_load(getattr(tg.optim, name), getattr(torch.optim, name),
                dict(decoupled_weight_decay=True), lambda g: g.pop("decoupled_weight_decay"))
