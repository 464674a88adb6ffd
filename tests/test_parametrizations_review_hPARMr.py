"""Second review of the parametrizations (helper hPARMr): a write into a computed weight (nn.init,
in-place ops, reset_parameters) refused in one line instead of reaching no parameter, cached()
seeing an optimizer step inside its block, a deepcopy's own class (removing a parametrization
on the copy left the original without its property), and what was judged right: jit replays
after structural changes, state-dict keys and casts, a course model trained against torch."""

import copy
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn, optim
from tinygrad_dl.jit import jit
from tinygrad_dl.models.two_layer import TwoLayer
from tinygrad_dl.nn.utils import parametrize as P
from tinygrad_dl.nn.utils.parametrizations import spectral_norm, weight_norm

torch = pytest.importorskip("torch")
R = np.random.default_rng(20261207)


def _wn(seed=0):
    tg.manual_seed(seed)
    return weight_norm(nn.Linear(3, 2))


WRITES = {
    "init.zeros_": nn.init.zeros_,
    "init.normal_": nn.init.normal_,
    "init.kaiming_uniform_": nn.init.kaiming_uniform_,
    "add_": lambda t: t.add_(1.0),
    "fill_": lambda t: t.fill_(2.0),
    "copy_": lambda t: t.copy_(tg.Tensor(np.zeros((2, 3)))),
}


@pytest.mark.parametrize("name", sorted(WRITES))
@pytest.mark.parametrize("attr", ["weight", "W"])
def test_write_into_computed_weight_refused_in_one_line(name, attr):
    m = _wn()
    state = {k: np.array(v, copy=True) for k, v in m.state_dict().items()}
    with tg.no_grad(), pytest.raises(RuntimeError,
                                     match=r"computed by its parametrization.*module\.W = value"):
        WRITES[name](getattr(m, attr))  # (torch's write lands in a temporary: no effect)
    assert all(np.array_equal(state[k], np.asarray(v)) for k, v in m.state_dict().items())


def test_reset_parameters_and_numpy_write_refused():
    m = _wn()
    with pytest.raises(RuntimeError, match="Linear.W is computed by its parametrization"):
        m.reset_parameters()
    with pytest.raises(ValueError, match="read-only"):
        m.weight.data[...] = 5.0
    sn = spectral_norm(nn.Linear(3, 4))
    with pytest.raises(RuntimeError, match="computed by its parametrization"):
        nn.init.zeros_(sn.weight)  # (held by its graph: its division saved it)
    w = sn.weight
    (w * w).sum().backward()  # the graph's end makes the array writable again
    with pytest.raises(RuntimeError, match="computed by its parametrization"):
        nn.init.zeros_(w)


def test_writes_that_reach_parameters_still_work():
    m = _wn()
    m.weight = tg.Tensor(np.full((2, 3), 0.5))  # right_inverse: g and v set
    np.testing.assert_allclose(m.weight.data, 0.5, rtol=1e-15)
    with tg.no_grad():
        m.parametrizations.weight.original1.mul_(2.0)
    opt = optim.SGD(m.parameters(), lr=0.1)
    (m(tg.Tensor(np.ones((2, 3)))) ** 2).sum().backward()
    opt.step()
    P.remove_parametrizations(m, "weight")
    nn.init.zeros_(m.weight)  # a plain parameter again
    assert not m.weight.data.any()


class _Same(nn.Module):
    def forward(self, x):
        return x


def test_parametrization_returning_its_input_leaves_it_writable():
    m = P.register_parametrization(nn.Linear(3, 2), "weight", _Same())
    nn.init.constant_(m.weight, 3.0)  # the original itself: the write reaches it
    assert (m.parametrizations.weight.original.data == 3.0).all()
    assert m.parametrizations.weight.original.data.flags.writeable


@pytest.mark.parametrize("kind", ["weight_norm", "spectral_norm"])
def test_cached_block_sees_an_optimizer_step(kind):
    tg.manual_seed(1)
    m = (weight_norm if kind == "weight_norm" else spectral_norm)(nn.Linear(3, 2)).eval()
    opt = optim.SGD(m.parameters(), lr=0.5)
    x = tg.Tensor(R.standard_normal((4, 3)))
    with P.cached():
        w0 = m.weight
        assert m.weight is w0  # computed once while nothing changed
        (m(x) ** 2).sum().backward()
        opt.step()
        opt.zero_grad()
        w1 = m.weight  # torch's stays w0 (stale): here computed afresh
        assert w1 is not w0 and not np.array_equal(w0.data, w1.data)
        (m(x) ** 2).sum().backward()  # a second step in the block: a fresh graph
        got = [p.grad.copy() for p in m.parameters()]
        m.load_state_dict({k: np.asarray(v) * 2 for k, v in m.state_dict().items()})
        assert m.weight is not w1
    opt.zero_grad()
    m.load_state_dict({k: np.asarray(v) / 2 for k, v in m.state_dict().items()})
    (m(x) ** 2).sum().backward()  # eager, outside the block: the same gradients
    for p, g in zip(m.parameters(), got):
        np.testing.assert_allclose(p.grad, g, rtol=1e-13, atol=1e-15)
    assert all(p.data.flags.writeable for p in m.parameters())  # unlocked at the block's end


def test_deepcopy_has_its_own_class():
    m = _wn()
    twin = copy.deepcopy(m)
    P.remove_parametrizations(twin, "weight")  # torch's shared class loses the property
    assert m.weight.data.shape == (2, 3) and P.is_parametrized(m, "weight")
    twin2 = copy.deepcopy(m)
    P.register_parametrization(twin2, "bias", _Same())
    assert m.bias is m._parameters["b"]  # not the copy's property
    assert isinstance(twin, nn.Linear) and P.type_before_parametrizations(twin2) is nn.Linear


def test_deepcopy_trained_leaves_original():
    m = _wn()
    state = {k: np.array(v, copy=True) for k, v in m.state_dict().items()}
    twin = copy.deepcopy(m)
    opt = optim.SGD(twin.parameters(), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        (twin(tg.Tensor(np.ones((2, 3)))) ** 2).sum().backward()
        opt.step()
    assert all(np.array_equal(state[k], np.asarray(v)) for k, v in m.state_dict().items())
    assert not np.array_equal(twin.weight.data, m.weight.data)


def _structural(kind):
    def remove(m):
        P.remove_parametrizations(m, "weight")

    def chain(m):
        P.register_parametrization(m, "weight", nn.Tanh())

    def bias(m):
        P.register_parametrization(m, "bias", nn.Tanh())

    def assign(m):
        m.weight = tg.Tensor(np.ones((2, 3)))

    def load(m):
        m.load_state_dict({k: np.asarray(v) * 3 for k, v in m.state_dict().items()})

    def eval_(m):  # (train again at the next call: u and v stepped again)
        m.train(not m.training)
    return {"remove": remove, "chain": chain, "bias": bias, "assign": assign, "load": load,
            "eval": eval_}[kind]


@pytest.mark.parametrize("sn", [False, True])
@pytest.mark.parametrize("kind", ["remove", "chain", "bias", "assign", "load", "eval"])
def test_jit_replay_after_a_structural_change_matches_eager(kind, sn):
    tg.manual_seed(3)
    m = spectral_norm(nn.Linear(3, 2)) if sn else weight_norm(nn.Linear(3, 2))
    twin = copy.deepcopy(m)

    def make(mod):
        def step(x):
            (mod(tg.Tensor(x)) ** 2).sum().backward()
        return step
    jitted, eager, mutate = jit(make(m)), make(twin), _structural(kind)
    for i in range(8):
        x = R.standard_normal((4, 3))
        if i == 3 or (i == 4 and kind == "eval"):
            mutate(m)
            mutate(twin)
        for p in [*m.parameters(), *twin.parameters()]:
            p.grad = None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            jitted(x)
        eager(x)
        for p, q in zip(m.parameters(), twin.parameters(), strict=True):
            assert p.grad.tobytes() == q.grad.tobytes()
            p.data = p.data - 0.1 * p.grad
            q.data = q.data - 0.1 * q.grad
    assert jitted.replays >= 2


def test_state_dict_keys_refusal_casts_and_save_like_torch(tmp_path):
    tg.manual_seed(4)
    m = spectral_norm(weight_norm(nn.Linear(3, 2)), "bias")
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 2).double())
    tm = torch.nn.utils.parametrizations.spectral_norm(tm, "bias")
    assert sorted(m.state_dict()) == sorted(tm.state_dict())
    sd = m.state_dict()
    sd.pop("parametrizations.weight.original0")
    sd["junk"] = np.zeros(1)
    with pytest.raises(Exception, match=r"parametrizations\.weight\.original0.*junk"):
        m.load_state_dict(sd)
    path = tmp_path / "sd.pt"
    tg.save(m.state_dict(), path)
    m2 = spectral_norm(weight_norm(nn.Linear(3, 2)), "bias")
    m2.load_state_dict(tg.load(path))
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in m.state_dict().items()})
    for mod in (m, m2, tm):
        mod.eval()
    np.testing.assert_array_equal(m2.weight.data, m.weight.data)
    np.testing.assert_allclose(tm.weight.detach().numpy(), m.weight.data, rtol=1e-13)
    np.testing.assert_allclose(tm.bias.detach().numpy(), m.bias.data, rtol=1e-13)
    s = spectral_norm(nn.Linear(3, 4)).float()
    assert {np.asarray(v).dtype for v in s.state_dict().values()} == {np.dtype(np.float32)}
    assert s(tg.Tensor(np.ones((1, 3), np.float32))).dtype == np.float32
    s.double()
    assert {np.asarray(v).dtype for v in s.state_dict().values()} == {np.dtype(np.float64)}


@pytest.mark.parametrize("kind", ["weight_norm", "spectral_norm"])
def test_course_two_layer_sgd_steps_match_torch(kind):
    net = TwoLayer(5, 4, 3, lam=0.1, rng=np.random.default_rng(1))
    tnet = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(),
                               torch.nn.Linear(4, 3)).double()
    ours = weight_norm if kind == "weight_norm" else spectral_norm
    theirs = getattr(torch.nn.utils.parametrizations, kind)
    for i in (0, 2):
        ours(net.layers[i], "W")
        theirs(tnet[i])
    net.layers.load_state_dict({k: v.detach().numpy().copy()
                                for k, v in tnet.state_dict().items()})
    opt, topt = optim.SGD(net.parameters(), lr=0.1), torch.optim.SGD(tnet.parameters(), lr=0.1)
    for _ in range(5):
        X, y = R.standard_normal((6, 5)), R.integers(0, 3, 6)
        J = net.loss(tg.Tensor(X), tg.Tensor(y))
        opt.zero_grad()
        J.backward()
        opt.step()
        pen = 0.1 * sum((tnet[i].weight ** 2).sum() for i in (0, 2))  # (ours: L2 term first)
        tJ = torch.nn.functional.cross_entropy(tnet(torch.tensor(X)), torch.tensor(y)) + pen
        topt.zero_grad()
        tJ.backward()
        topt.step()
        assert abs(float(J.data) - tJ.item()) < 1e-13
    tsd = tnet.state_dict()
    for k, v in net.layers.state_dict().items():
        k = k[:-1] + "bias" if k.endswith(".b") else k
        np.testing.assert_allclose(np.asarray(v), tsd[k].numpy(), rtol=1e-12, atol=1e-14)
