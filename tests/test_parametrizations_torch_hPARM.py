"""nn.utils.parametrize (register_parametrization, remove_parametrizations, is_parametrized,
cached) and nn.utils.parametrizations (weight_norm, spectral_norm) against torch 2.13: the
computed weight, the originals as parameters under torch's state-dict keys, gradients to g and
v (float64, rtol 1e-10), an optimizer training them, torch's state dicts loading, removal,
spectral norm's u/v updated in training only, cached(), a jitted step, and the refusals."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.gradcheck import gradcheck
from tinygrad_dl.jit import jit
from tinygrad_dl.nn.utils import parametrize as P
from tinygrad_dl.nn.utils.parametrizations import spectral_norm, weight_norm

torch = pytest.importorskip("torch")
TP = torch.nn.utils.parametrize
TN = torch.nn.utils.parametrizations
R = np.random.default_rng(7)


def _pair_linear(d_in=3, d_out=4):
    t = torch.nn.Linear(d_in, d_out).double()
    m = nn.Linear(d_in, d_out)
    m.W.data[...] = t.weight.detach().numpy()
    m.b.data[...] = t.bias.detach().numpy()
    return t, m


def _close(ours, theirs, rtol=1e-10, atol=0.0):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    ours = ours.data if isinstance(ours, tg.Tensor) else ours
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def _torch_keys(m):
    return [k if k != "b" else "bias" for k in m.state_dict()]


@pytest.mark.parametrize("dim", [0, 1, -1, -2, None])
def test_weight_norm_linear_values_grads_and_keys_match_torch(dim):
    t, m = _pair_linear()
    TN.weight_norm(t, dim=-1 if dim is None else dim)
    weight_norm(m, dim=dim)
    assert type(m).__name__ == "ParametrizedLinear" and P.is_parametrized(m, "weight")
    assert _torch_keys(m) == list(t.state_dict())
    assert [n for n, _ in m.named_parameters()] == ["b", "parametrizations.weight.original0",
                                                   "parametrizations.weight.original1"]
    g, v = m.parametrizations.weight.original0, m.parametrizations.weight.original1
    _close(g, t.parametrizations.weight.original0)
    _close(v, t.parametrizations.weight.original1)
    _close(m.weight, t.weight, rtol=1e-14)
    assert m.weight.data.tobytes() == m.W.data.tobytes()  # (torch's name and the course's)
    x = R.standard_normal((5, 3))
    gy = R.standard_normal((5, 4))
    (m(tg.Tensor(x)) * tg.Tensor(gy)).sum().backward()
    (t(torch.tensor(x)) * torch.tensor(gy)).sum().backward()
    _close(g.grad, t.parametrizations.weight.original0.grad)
    _close(v.grad, t.parametrizations.weight.original1.grad)
    _close(m.b.grad, t.bias.grad)


def test_weight_norm_conv2d_dim1_and_sgd_training_match_torch():
    t = torch.nn.Conv2d(2, 3, 3).double()
    m = nn.Conv2d(2, 3, 3)
    m.load_state_dict(t.state_dict())
    TN.weight_norm(t, dim=1)
    weight_norm(m, dim=1)
    assert m.parametrizations.weight.original0.shape == (1, 2, 1, 1)
    opt = tg.optim.SGD(m.parameters(), lr=0.1)  # (torch's side by hand: torch.optim's first
    x = R.standard_normal((2, 2, 5, 5))  # use costs seconds of imports)
    for _ in range(3):
        opt.zero_grad()
        t.zero_grad()
        (m(tg.Tensor(x)) ** 2).mean().backward()
        (t(torch.tensor(x)) ** 2).mean().backward()
        opt.step()
        with torch.no_grad():
            for p in t.parameters():
                p -= 0.1 * p.grad
    for k, v in t.state_dict().items():
        _close(m.state_dict()[{"bias": "b"}.get(k, k)], v)


def test_torch_state_dicts_load_the_new_keys_and_the_old_g_v_ones():
    t, m = _pair_linear()
    TN.weight_norm(t)
    weight_norm(m)
    t2 = torch.nn.Linear(3, 4).double()
    TN.weight_norm(t2)
    m.load_state_dict(t2.state_dict())
    _close(m.weight, t2.weight, rtol=1e-14)
    old = {"weight_g": torch.full((4, 1), 2.0, dtype=torch.float64),
           "weight_v": torch.ones(4, 3, dtype=torch.float64), "bias": torch.zeros(4)}
    m.load_state_dict(old)
    np.testing.assert_allclose(m.weight.data, np.full((4, 3), 2 / np.sqrt(3)), rtol=1e-15)
    with pytest.raises(ValueError, match="missing keys"):
        m.load_state_dict({"bias": torch.zeros(4)})


def test_remove_parametrizations_leaves_a_plain_parameter_with_the_value():
    t, m = _pair_linear()
    weight_norm(m)
    g = m.parametrizations.weight.original0
    g.data *= 2.0
    want = m.weight.data.copy()
    with pytest.raises(ValueError, match="sequence of tensors"):
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
    P.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and not P.is_parametrized(m)
    assert "parametrizations" not in m._modules and list(m.state_dict()) == ["b", "W"]
    assert m.W is m.weight and m.W.requires_grad and m.W._ctx is None
    assert m.W.data.tobytes() == want.tobytes()
    assert type(m.W) is tg.Tensor and isinstance(m.W, nn.Parameter)
    # a single original stays the same Tensor object (an optimizer keeps stepping it)
    s = nn.Linear(3, 4)
    w = s.W
    spectral_norm(s).eval()  # (in training each read of s.weight steps u and v, as torch's)
    assert s.parametrizations.weight.original is w
    want = s.weight.data.copy()
    P.remove_parametrizations(s, "W")
    assert s.W is w and w.data.tobytes() == want.tobytes()
    with pytest.raises(ValueError, match="no parametrization"):
        P.remove_parametrizations(s, "weight")


def _pair_spectral(train=True, shape=(5, 4), dim=None):
    t = torch.nn.Linear(shape[1], shape[0]).double()
    m = nn.Linear(shape[1], shape[0])
    m.W.data[...] = t.weight.detach().numpy()
    m.b.data[...] = t.bias.detach().numpy()
    TN.spectral_norm(t, n_power_iterations=2, dim=dim)
    spectral_norm(m, n_power_iterations=2, dim=dim)
    m.load_state_dict(t.state_dict())  # (torch draws u and v: its own taken)
    t.train(train)
    m.train(train)
    return t, m


@pytest.mark.parametrize("train", [True, False])
def test_spectral_norm_u_v_sigma_and_grads_match_torch(train):
    t, m = _pair_spectral(train)
    assert _torch_keys(m) == list(t.state_dict())
    assert [n for n, _ in m.named_buffers()] == ["parametrizations.weight.0._u",
                                                "parametrizations.weight.0._v"]
    sn, tsn = m.parametrizations.weight[0], t.parametrizations.weight[0]
    u0 = sn._u.copy()
    x = R.standard_normal((3, 4))
    for _ in range(2):
        y = m(tg.Tensor(x))
        ty = t(torch.tensor(x))
        _close(sn._u, tsn._u, rtol=1e-12)
        _close(sn._v, tsn._v, rtol=1e-12)
        _close(y, ty, rtol=1e-12)
    assert (sn._u.tobytes() == u0.tobytes()) is not train  # updated in training only
    y.sum().backward()
    ty.sum().backward()
    _close(m.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad,
           rtol=1e-10)


def test_spectral_norm_defaults_dims_and_a_1d_weight():
    ct = nn.ConvTranspose2d(2, 3, 3)
    spectral_norm(ct)
    assert ct.parametrizations.weight[0].dim == 1 and ct.parametrizations.weight[0]._u.shape == (3,)
    tt = torch.nn.ConvTranspose2d(2, 3, 3)
    TN.spectral_norm(tt)
    assert tt.parametrizations.weight[0]._u.shape == (3,)
    t, m = _pair_spectral(True, dim=1)
    _close(m.weight, t.weight, rtol=1e-12)
    bn = nn.Linear(3, 4)
    spectral_norm(bn, "bias")
    np.testing.assert_allclose(bn.bias.data, bn.parametrizations.bias.original.data
                               / np.linalg.norm(bn.parametrizations.bias.original.data))
    with pytest.raises(IndexError, match="out of range"):
        spectral_norm(nn.Linear(3, 4), dim=2)
    with pytest.raises(ValueError, match="positive"):
        spectral_norm(nn.Linear(3, 4), n_power_iterations=0)


class _Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).T


class _TSymmetric(torch.nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).T


def test_register_parametrization_symmetric_chain_setter_and_cached_match_torch():
    t, m = _pair_linear(4, 4)
    P.register_parametrization(m, "weight", _Symmetric())
    TP.register_parametrization(t, "weight", _TSymmetric())
    _close(m.weight, t.weight, rtol=0)
    assert list(m.state_dict()) == ["b", "parametrizations.weight.original"]
    P.register_parametrization(m, "weight", _Scale())  # chained after the first
    TP.register_parametrization(t, "weight", _TScale())
    _close(m.weight, t.weight, rtol=0)
    x = R.standard_normal((2, 4))
    m(tg.Tensor(x)).sum().backward()
    t(torch.tensor(x)).sum().backward()
    _close(m.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad)
    # the setter: right_inverse of each, last first (_Symmetric has none: torch's error)
    with pytest.raises(RuntimeError, match="right_inverse"):
        m.weight = np.eye(4)
    with P.cached():
        a = m.weight
        assert a is m.weight and a is m.W
        with P.cached():
            assert m.weight is a
    assert m.weight is not a
    w = nn.Linear(4, 4)
    weight_norm(w)
    w.weight = np.full((4, 4), 3.0)  # weight norm's right_inverse: g = ||row||, v = row
    np.testing.assert_allclose(w.parametrizations.weight.original0.data, np.full((4, 1), 6.0))
    np.testing.assert_allclose(w.W.data, np.full((4, 4), 3.0), rtol=1e-15)


class _Scale(nn.Module):
    def forward(self, x):
        return x * 2.0

    def right_inverse(self, x):
        return x / 2.0


class _TScale(torch.nn.Module):
    def forward(self, x):
        return x * 2.0

    def right_inverse(self, x):
        return x / 2.0


def test_refusals_each_in_one_line():
    m = nn.Linear(3, 4)
    with pytest.raises(ValueError, match="shape"):  # unsafe=False: the shape must stay
        P.register_parametrization(m, "weight", _Row())
    assert not P.is_parametrized(m) and type(m) is nn.Linear and m.W.shape == (4, 3)
    P.register_parametrization(m, "weight", _Row(), unsafe=True)
    assert m.weight.shape == (3,)
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="buffer"):
        weight_norm(bn, "running_mean")
    with pytest.raises(ValueError, match="no parameter"):
        weight_norm(nn.Linear(3, 4), "nothing")
    wn = weight_norm(nn.Linear(3, 4))
    with pytest.raises(RuntimeError, match="pickled"):
        pickle.dumps(wn)
    twin = copy.deepcopy(wn)
    assert type(twin).__name__ == type(wn).__name__ and type(twin) is not type(wn)  # (its own)
    assert twin.weight.data.tobytes() == wn.weight.data.tobytes()
    assert twin.parametrizations.weight.original1 is not wn.parametrizations.weight.original1


class _Row(nn.Module):
    def forward(self, x):
        return x[0]


def test_jitted_weight_norm_step_replays_as_eager_bit_for_bit():
    m = weight_norm(nn.Linear(3, 4))
    params = m.parameters()

    def step(x):
        (m(tg.Tensor(x)) ** 2).sum().backward()

    jitted = jit(step, strict=True)
    for _ in range(4):
        x = R.standard_normal((5, 3))
        for p in params:
            p.grad = None
        step(x)
        want = [p.grad.copy() for p in params]
        for p in params:
            p.grad = None
        jitted(x)
        assert all(p.grad.tobytes() == w.tobytes() for p, w in zip(params, want))
        for p in params:  # a training step between calls: replay reads the new g and v
            p.data -= 0.01 * p.grad
    assert jitted.replays == 2


@pytest.mark.parametrize("train", [True, False])
def test_jitted_spectral_norm_step_replays_power_iteration_as_eager(train):
    m = spectral_norm(nn.Linear(3, 4)).train(train)
    twin = copy.deepcopy(m)
    params, twin_params = m.parameters(), twin.parameters()

    def step(x):
        (m(tg.Tensor(x)) ** 2).sum().backward()

    jitted = jit(step, strict=True)
    sn, tw = m.parametrizations.weight[0], twin.parametrizations.weight[0]
    for _ in range(5):
        x = R.standard_normal((5, 3))
        jitted(x)
        (twin(tg.Tensor(x)) ** 2).sum().backward()
        for p, q in zip(params, twin_params):
            assert p.grad.tobytes() == q.grad.tobytes()
            p.data -= 0.1 * p.grad  # (trained between calls: replay reads the new weight)
            q.data -= 0.1 * q.grad
            p.grad = q.grad = None
        assert sn._u.tobytes() == tw._u.tobytes() and sn._v.tobytes() == tw._v.tobytes()
    assert jitted.replays == 3


def test_course_names_two_tensors_and_partial_removal():
    m = nn.Linear(3, 4)
    weight_norm(m, "W")  # the course's name: torch's key all the same
    spectral_norm(m, "bias")
    assert P.is_parametrized(m, "W") and P.is_parametrized(m, "weight")
    assert P.type_before_parametrizations(m) is nn.Linear
    assert list(m.state_dict()) == ["parametrizations.weight.original0",
                                    "parametrizations.weight.original1",
                                    "parametrizations.bias.original"]
    P.remove_parametrizations(m, "weight")
    assert type(m).__name__ == "ParametrizedLinear" and not P.is_parametrized(m, "W")
    b0 = m.parametrizations.bias.original
    want = b0.data.copy()
    P.remove_parametrizations(m, "b", leave_parametrized=False)  # the original, unnormalized
    assert type(m) is nn.Linear and m.b is b0 and m.b.data.tobytes() == want.tobytes()
    assert list(m.state_dict()) == ["W", "b"]
    frozen = nn.Linear(3, 4).requires_grad_(False)  # a frozen weight's g and v stay frozen
    weight_norm(frozen)
    assert [p.requires_grad for p in frozen.parameters()] == [False, False, False]


def test_a_refused_registration_or_assignment_changes_nothing():
    m = nn.Linear(3, 3)
    w = m.W.data.copy()
    with pytest.raises(ValueError, match="shape"):  # right_inverse ran: W is put back
        P.register_parametrization(m, "weight", _HalfRow())
    assert type(m) is nn.Linear and m.W.data.tobytes() == w.tobytes()
    P.register_parametrization(m, "weight", _Scale())
    with pytest.raises(ValueError, match="shape"):
        m.weight = np.ones((2, 2))
    np.testing.assert_array_equal(m.weight.data, w)
    m.weight = np.full((3, 3), 4.0)
    np.testing.assert_array_equal(m.parametrizations.weight.original.data, np.full((3, 3), 2.0))


class _HalfRow(_Scale):
    def forward(self, x):
        return x[0] * 2.0


def test_transfer_parametrizations_ties_the_originals_as_torch():
    a = weight_norm(nn.Linear(3, 4))
    b = nn.Linear(3, 4)
    P.transfer_parametrizations_and_params(a, b)
    ta = TN.weight_norm(torch.nn.Linear(3, 4))
    tb = TP.transfer_parametrizations_and_params(ta, torch.nn.Linear(3, 4))
    assert _torch_keys(b) == list(tb.state_dict())
    pa, pb = a.parametrizations.weight, b.parametrizations.weight
    assert pb.original0 is pa.original0 and pb.original1 is pa.original1 and pb[0] is pa[0]
    assert b.weight.data.tobytes() == a.weight.data.tobytes()
    c = nn.Linear(3, 4)
    del c.W  # (no weight: made from a's, as torch's)
    P.transfer_parametrizations_and_params(a, c, "weight")
    assert c.weight.data.tobytes() == a.weight.data.tobytes()


def test_the_parametrizations_gradients_pass_gradcheck():
    m = weight_norm(nn.Conv2d(2, 3, 2), dim=1)
    wn = m.parametrizations.weight[0]
    g = tg.Tensor(R.uniform(0.5, 2.0, (1, 2, 1, 1)), requires_grad=True)
    v = tg.Tensor(R.standard_normal((3, 2, 2, 2)), requires_grad=True)
    assert gradcheck(lambda a, b: wn(a, b), [g, v]).passed
    s = spectral_norm(nn.Linear(3, 4)).eval()  # (eval: u and v fixed, as the gradient takes them)
    sn = s.parametrizations.weight[0]
    w = tg.Tensor(R.standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda a: sn(a), [w]).passed


def test_weight_norm_of_huge_or_tiny_v_is_g_times_its_direction():
    m = weight_norm(nn.Linear(3, 4))
    pl = m.parametrizations.weight
    for scale in (1e200, 1e-200):  # (v * v summed: inf or 0, the weight 0 or NaN)
        pl.original1.data[...] = scale
        np.testing.assert_allclose(m.weight.data, pl.original0.data / np.sqrt(3) * np.ones(3),
                                   rtol=1e-15)
