"""An optimizer's state after its model's dtype changed between steps (model.float(), .half(),
.double(), .to(dtype)): every state buffer follows the parameter's dtype at the next step, as
load_state_dict casts a loaded state (torch 2.13's SGD kept a float64 momentum buffer for
good, its Adam raised "expected dtype double"). Before, every optimizer kept float64 buffers
for a float32 model, silently."""

import copy

import numpy as np
import pytest

from tinygrad_dl import nn, optim
from tinygrad_dl.tensor import Tensor

CASES = [("SGD", {"lr": 0.1, "momentum": 0.9}),
         ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
         ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
         ("Adam", {"lr": 0.1}), ("Adam", {"lr": 0.1, "amsgrad": True}), ("AdamW", {"lr": 0.1}),
         ("AdaGrad", {"lr": 0.1}), ("Adagrad", {"lr": 0.1}),
         ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}), ("Adadelta", {}),
         ("Adamax", {}), ("NAdam", {}), ("RAdam", {}), ("Rprop", {}), ("ASGD", {})]


def _net(dtype):
    rng = np.random.default_rng(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    for p in m.parameters():
        p.data = rng.standard_normal(p.data.shape)
    return m.to(dtype), rng.standard_normal((5, 3))


def _grads(m, x):
    for p in m.parameters():
        p.grad = None
    ((m(Tensor(x.astype(m[0].weight.data.dtype))) ** 2).sum()).backward()


def _arrays(opt):
    return [(k, v) for s in opt.state for k, v in s.items()
            if isinstance(v, np.ndarray) and v.ndim]


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("start,to", [(np.float64, np.float32), (np.float64, np.float16),
                                      (np.float32, np.float64)])
def test_state_follows_the_model_dtype(name, kw, start, to):
    m, x = _net(start)
    opt = getattr(optim, name)(m.parameters(), **kw)
    for _ in range(2):
        _grads(m, x)
        opt.step()
    m.to(to)
    # the reference: a fresh optimizer given the state as saved now (load_state_dict casts it)
    ref = copy.deepcopy(m)
    ropt = getattr(optim, name)(ref.parameters(), **kw)
    ropt.load_state_dict(opt.state_dict())
    for _ in range(2):
        _grads(m, x)
        opt.step()
        _grads(ref, x)
        ropt.step()
    for p, q in zip(m.parameters(), ref.parameters()):
        assert p.data.dtype == np.dtype(to)
        np.testing.assert_array_equal(p.data, q.data)
    held = _arrays(opt)
    assert held and {v.dtype for _, v in held} == {np.dtype(to)}, [(k, v.dtype) for k, v in held]


def test_sgd_momentum_float_regression():
    """Linear(double) + SGD(momentum), step, .float(), step: momentum_buffer was float64."""
    m, x = _net(np.float64)
    opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    _grads(m, x)
    opt.step()
    m.float()
    _grads(m, x)
    opt.step()
    assert opt.state[0]["momentum_buffer"].dtype == np.float32


def test_adam_half_regression():
    m, x = _net(np.float64)
    opt = optim.Adam(m.parameters(), lr=0.01)
    _grads(m, x)
    opt.step()
    m.half()
    _grads(m, x)
    opt.step()
    s = opt.state[0]
    assert {s["exp_avg"].dtype, s["exp_avg_sq"].dtype} == {np.dtype(np.float16)}
    assert m[0].weight.data.dtype == np.float16


def test_lbfgs_history_follows_the_model_dtype():
    m, x = _net(np.float64)
    opt = optim.LBFGS(m.parameters(), lr=0.1, history_size=3, max_iter=4)

    def closure():
        opt.zero_grad()
        loss = (m(Tensor(x.astype(m[0].weight.data.dtype))) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    m.float()
    opt.step(closure)
    s = opt.state[0]
    arrays = [s["d"], s["prev_flat_grad"], *s["old_dirs"], *s["old_stps"]]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    assert {np.asarray(r).dtype for r in [*s["ro"], s["H_diag"]]} == {np.dtype(np.float32)}


def test_sgd_after_float_agrees_with_torch():
    """torch's SGD keeps its float64 buffer after model.float(); ours casts it: the weights
    agree to float32 round-off."""
    torch = pytest.importorskip("torch")
    m, x = _net(np.float64)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for p, q in zip(m.parameters(), tm.parameters()):
            q.copy_(torch.from_numpy(p.data.copy()))
    tm.double()
    opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)

    def both(dtype):
        _grads(m, x)
        opt.step()
        topt.zero_grad()
        (tm(torch.from_numpy(x.astype(dtype))) ** 2).sum().backward()
        topt.step()

    both(np.float64)
    m.float()
    tm.float()
    for _ in range(3):
        both(np.float32)
    for p, q in zip(m.parameters(), tm.parameters()):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-6)
