"""nn.init and the random fills against torch 2.13: the deterministic parts exactly (gains, fans,
the bounds and stds the inits hand to their draws, the errors), the draws statistically (seeded
moments with tolerances from the sample size, support edges, chi-square on discrete outcomes)."""

import itertools
import math

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.nn import attention

torch = pytest.importorskip("torch")
TI = torch.nn.init
init = nn.init


def _outcome(f):
    try:
        return "ok", f()
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return "err", None


# ---- deterministic parts ----------------------------------------------------------------------
@pytest.mark.parametrize("nl", ["linear", "conv1d", "conv3d", "conv_transpose2d", "sigmoid",
                                "tanh", "relu", "leaky_relu", "selu", "gelu", "Relu", ""])
def test_calculate_gain_matches_torchs_for_every_nonlinearity_and_param(nl):
    for param in (None, 0, 0.0, 1, -1, 0.2, -0.5, 1e200, True, False, np.float64(0.3),
                  np.float32(0.3), np.int64(2), "0.1", [0.1]):
        ours = _outcome(lambda p=param: init.calculate_gain(nl, p))
        theirs = _outcome(lambda p=param: TI.calculate_gain(nl, p))
        assert ours[0] == theirs[0], (nl, param, ours, theirs)
        if ours[0] == "ok":
            assert ours[1] == theirs[1], (nl, param)


def test_fans_and_their_refusals_match_torchs():
    for shape in [(0,), (3,), (2, 3), (0, 3), (3, 0), (0, 0), (2, 3, 4), (2, 3, 0),
                  (4, 3, 2, 2), (2, 3, 1, 2, 3), (2, 0, 2, 2, 2)]:
        ours = _outcome(lambda s=shape: init._calculate_fan_in_and_fan_out(tg.zeros(*s)))
        theirs = _outcome(lambda s=shape: TI._calculate_fan_in_and_fan_out(torch.zeros(s)))
        assert ours == theirs, shape
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(tg.tensor(0.0))


def _bounds_handed_to_the_draw(monkeypatch):
    """Record the (a, b) / (mean, std) that ours and torch's inits pass to their fills."""
    seen = {}
    monkeypatch.setattr(init, "uniform_", lambda t, a=0.0, b=1.0, generator=None:
                        seen.__setitem__("ours", (a, b)) or t)
    monkeypatch.setattr(init, "normal_", lambda t, mean=0.0, std=1.0, generator=None:
                        seen.__setitem__("ours", (mean, std)) or t)
    monkeypatch.setattr(torch.Tensor, "uniform_", lambda t, a=0.0, b=1.0, generator=None:
                        seen.__setitem__("torch", (a, b)) or t)
    monkeypatch.setattr(torch.Tensor, "normal_", lambda t, mean=0.0, std=1.0, generator=None:
                        seen.__setitem__("torch", (mean, std)) or t)
    return seen


def test_kaiming_and_xavier_bounds_are_torchs_to_the_last_bit(monkeypatch):
    seen = _bounds_handed_to_the_draw(monkeypatch)
    rnd = np.random.default_rng(0)
    for _ in range(400):
        shape = tuple(int(s) for s in rnd.integers(1, 8, rnd.integers(2, 5)))
        fn = str(rnd.choice(["kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
                             "xavier_normal_"]))
        if fn.startswith("kaiming"):
            kw = dict(a=[0, 0.01, math.sqrt(5), 0.2, -0.3, None][rnd.integers(6)],
                      mode=str(rnd.choice(["fan_in", "fan_out", "FAN_IN"])),
                      nonlinearity=str(rnd.choice(["leaky_relu", "relu", "tanh", "selu",
                                                   "linear"])))
        else:
            kw = dict(gain=float(rnd.choice([1.0, 0.5, math.sqrt(2), 5 / 3, -1.0])))
        seen.clear()
        getattr(init, fn)(tg.zeros(*shape), **kw)
        getattr(TI, fn)(torch.zeros(shape), **kw)
        assert tuple(map(float, seen["ours"])) == tuple(map(float, seen["torch"])), (fn, shape, kw)


def test_xavier_uniform_bound_of_a_3x0_weight_is_torchs(monkeypatch):
    seen = _bounds_handed_to_the_draw(monkeypatch)
    init.xavier_uniform_(tg.zeros(3, 0))  # gain * sqrt(6 / n) gave 1.4142135623730951
    TI.xavier_uniform_(torch.zeros(3, 0))
    assert seen["ours"] == seen["torch"] == (-1.414213562373095, 1.414213562373095)


def test_kaiming_uniform_bound_of_a_6x2_relu_weight_is_torchs(monkeypatch):
    seen = _bounds_handed_to_the_draw(monkeypatch)
    init.kaiming_uniform_(tg.zeros(6, 2), nonlinearity="relu")
    TI.kaiming_uniform_(torch.zeros(6, 2), nonlinearity="relu")
    assert seen["ours"] == seen["torch"] == (-1.7320508075688772, 1.7320508075688772)


def test_multihead_attention_in_proj_bound_is_xavier_uniforms_to_the_last_bit(monkeypatch):
    got = []
    real = attention.uniform
    monkeypatch.setattr(attention, "uniform", lambda shape, lo, hi, *a: got.append(hi) or
                        real(shape, lo, hi, *a))
    nn.MultiheadAttention(3, 1)  # in_proj (9, 3): torch's bound 0.8660254037844387
    seen = _bounds_handed_to_the_draw(monkeypatch)
    TI.xavier_uniform_(torch.zeros(9, 3))
    assert got[0] == seen["torch"][1]


def test_init_refusals_match_torchs():
    cases = [
        (lambda: init.eye_(tg.zeros(2, 2, 2)), lambda: TI.eye_(torch.zeros(2, 2, 2))),
        (lambda: init.dirac_(tg.zeros(4, 2)), lambda: TI.dirac_(torch.zeros(4, 2))),
        (lambda: init.dirac_(tg.zeros(4, 2, 3), 3), lambda: TI.dirac_(torch.zeros(4, 2, 3), 3)),
        (lambda: init.orthogonal_(tg.zeros(4)), lambda: TI.orthogonal_(torch.zeros(4))),
        (lambda: init.sparse_(tg.zeros(2, 2, 2), 0.5),
         lambda: TI.sparse_(torch.zeros(2, 2, 2), 0.5)),
        (lambda: init.trunc_normal_(tg.zeros(3), 0, 0),
         lambda: TI.trunc_normal_(torch.zeros(3), 0, 0)),
        (lambda: init.normal_(tg.zeros(3), 0, -1), lambda: TI.normal_(torch.zeros(3), 0, -1)),
        (lambda: init.kaiming_uniform_(tg.zeros(3, 2), mode="x"),
         lambda: TI.kaiming_uniform_(torch.zeros(3, 2), mode="x")),
    ]
    for ours, theirs in cases:
        with pytest.raises((ValueError, TypeError)):
            ours()
        with pytest.raises((ValueError, TypeError, RuntimeError, ZeroDivisionError)):
            theirs()
    for shape in [(4, 2, 3), (6, 3, 3, 3), (2, 4, 1, 2, 3)]:  # dirac_ with groups: exact
        for g in (1, 2):
            ours = init.dirac_(tg.zeros(*shape), g).numpy()
            assert np.array_equal(ours, TI.dirac_(torch.zeros(shape), g).numpy())
    for shape in [(3, 5), (5, 3), (0, 3)]:
        assert np.array_equal(init.eye_(tg.zeros(*shape)).numpy(), TI.eye_(torch.zeros(shape)))


def test_orthogonal_tall_wide_and_gain():
    for shape, dt in [((5, 3), tg.float64), ((3, 5), tg.float64), ((2, 3, 2), tg.float32)]:
        w = init.orthogonal_(tg.zeros(*shape, dtype=dt), gain=2.0,
                             generator=tg.Generator().manual_seed(0)).numpy().reshape(shape[0], -1)
        small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        np.testing.assert_allclose(small, 4 * np.eye(len(small)), atol=1e-5)


# ---- the draws ----------------------------------------------------------------------------------
def _moments(x, mean, var, lo=None, hi=None):
    x = np.asarray(x, dtype=np.float64).ravel()
    assert abs(x.mean() - mean) < 6 * math.sqrt(var / x.size), (x.mean(), mean)
    assert abs(x.var() / var - 1) < 0.05, (x.var(), var)
    assert lo is None or x.min() >= lo
    assert hi is None or x.max() <= hi


def _chi2_ok(counts, probs):
    counts, probs = np.asarray(counts, float), np.asarray(probs, float)
    assert counts[probs == 0].sum() == 0
    e = counts.sum() * probs[probs > 0]
    stat = ((counts[probs > 0] - e) ** 2 / e).sum()
    dof = (probs > 0).sum() - 1
    assert stat < dof + 8 * math.sqrt(2 * dof), stat  # (about 1e-6 false alarms a run)


@pytest.mark.parametrize("dt", [tg.float32, tg.float16, tg.float64])
def test_in_place_samplers_keep_dtype_and_distribution(dt):
    g = tg.Generator().manual_seed(1)
    t = tg.zeros(40000, dtype=dt)
    t.exponential_(2.0, generator=g)
    assert t.dtype == dt
    _moments(t.numpy(), 0.5, 0.25, lo=0)
    t.geometric_(0.3, generator=g)
    _moments(t.numpy(), 1 / 0.3, 0.7 / 0.09, lo=1)
    t.log_normal_(0.1, 0.5, generator=g)
    _moments(t.numpy(), math.exp(0.225), (math.exp(0.25) - 1) * math.exp(0.45), lo=0)
    t.uniform_(-2, 3, generator=g)
    _moments(t.numpy(), 0.5, 25 / 12, lo=-2)
    assert t.numpy().max() < 3
    t.normal_(1, 2, generator=g)
    _moments(t.numpy(), 1, 4)
    t.cauchy_(1.0, 2.0, generator=g)
    q = np.percentile(t.numpy().astype(float), [25, 50, 75])
    assert abs(q[1] - 1) < 0.1 and abs(q[2] - q[0] - 4) < 0.25
    t.random_(3, 9, generator=g)
    _chi2_ok(np.bincount(t.numpy().astype(int), minlength=9), [0] * 3 + [1 / 6] * 6)
    init.trunc_normal_(t, 0.5, 1.0, -1, 1.2, generator=g)
    # moments of N(0.5, 1) kept to [-1, 1.2] (scipy.stats.truncnorm's)
    _moments(t.numpy(), 0.23563565913849027, 0.33283612149025044, lo=-1,
             hi=float(np.asarray(1.2, t.numpy().dtype)))


def test_random_no_bounds_reaches_the_dtype_top_as_torchs():
    torch.manual_seed(0)
    for name in ("int8", "uint8", "bool", "float16"):  # (each top missed with odds < 1e-4)
        t = getattr(tg, name)
        ours = tg.zeros(20000, dtype=t)
        ours.random_(generator=tg.Generator().manual_seed(0))
        theirs = torch.zeros(20000, dtype=getattr(torch, name)).random_()
        assert ours.numpy().astype(float).max() == theirs.double().max().item(), name
        assert ours.numpy().astype(float).min() == 0


def test_geometric_refuses_a_bool_tensor_as_torch():
    with pytest.raises(RuntimeError):
        torch.zeros(3, dtype=torch.bool).geometric_(0.5)
    with pytest.raises(TypeError, match="bool"):
        tg.zeros(3, dtype=tg.bool).geometric_(0.5)  # every count was written as True


def test_geometric_refuses_a_draw_its_integer_dtype_cannot_hold():
    t = tg.zeros(1000, dtype=tg.int8)
    with pytest.raises(ValueError, match="int8"):  # 200 trials were wrapped to -56
        t.geometric_(0.001, generator=tg.Generator().manual_seed(0))
    assert not t.numpy().any()  # nothing written
    t.geometric_(0.5, generator=tg.Generator().manual_seed(0))
    assert t.numpy().min() >= 1


def test_multinomial_without_replacement_draws_ordered_pairs_as_sequential_sampling():
    w = np.array([1.0, 2, 0, 3, 4])
    tg.manual_seed(2)
    d = tg.multinomial(tg.tensor(np.tile(w, (20000, 1))), 2).numpy()
    keys = list(itertools.permutations(range(5), 2))
    exact = [w[i] / w.sum() * w[j] / (w.sum() - w[i]) for i, j in keys]
    _chi2_ok([((d[:, 0] == i) & (d[:, 1] == j)).sum() for i, j in keys], exact)
    with pytest.raises(ValueError):  # torch 2.13 hands back a zero-weight category here
        tg.multinomial(tg.tensor(w), 5)
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor([[1.0, 1], [0, 0]]), 1)
    with pytest.raises(ValueError):
        tg.multinomial(tg.tensor([[1.0, 1], [0, 0]]), 1)


def test_normal_broadcasts_tensor_mean_and_std_and_refuses_a_negative_std():
    m, s = tg.tensor([[-1.0], [2.0]]), tg.tensor([0.5, 1.0, 3.0])
    x = tg.normal(m, s, generator=tg.Generator().manual_seed(0)).numpy()
    assert x.shape == tuple(torch.normal(torch.zeros(2, 1), torch.ones(3)).shape)
    tg.manual_seed(0)
    draws = np.stack([tg.normal(m, s).numpy() for _ in range(4000)])
    np.testing.assert_allclose(draws.mean(0), [[-1] * 3, [2] * 3], atol=0.2)
    np.testing.assert_allclose(draws.std(0), [[0.5, 1, 3]] * 2, rtol=0.06)
    assert np.array_equal(tg.normal(2.0, 0.0, (4,)).numpy(), np.full(4, 2.0))
    for bad in (lambda: tg.normal(1.0, -2.0, (2,)), lambda: tg.normal(tg.zeros(3), -tg.ones(3))):
        with pytest.raises(ValueError):
            bad()
    with pytest.raises(RuntimeError):
        torch.normal(1.0, -2.0, (2,))
