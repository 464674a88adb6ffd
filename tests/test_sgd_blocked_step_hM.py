"""SGD's block-by-block step (parameters over grad.BLOCKED_FROM entries) against torch's, for
each of its guards: weight decay without momentum (not the plain theta -= eta g blocks), a
parameter that is not C-contiguous (a flat view would be a copy, the update lost), a gradient
overlapping the parameter (a block would read what an earlier block wrote) and a momentum
buffer that is not C-contiguous. Found by mutation testing (helper hM): each guard could be
dropped with every test passing."""
import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl.grad import BLOCKED_FROM
from tinygrad_dl.optim import SGD

torch = pytest.importorskip("torch")

N = BLOCKED_FROM + 3011  # blocked, and not a whole number of blocks
SHAPE = (97, (N + 96) // 97)


def _against_torch(d0, g0, steps=2, **kw):
    p = Tensor(d0, requires_grad=True)
    opt = SGD([p], lr=0.1, **kw)
    tp = torch.tensor(np.ascontiguousarray(d0), requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.1, **kw)
    for k in range(steps):
        p.grad = g0 * (k + 1)
        tp.grad = torch.tensor(g0 * (k + 1))
        opt.step()
        topt.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-13, atol=1e-15)
    return p, opt


@pytest.mark.parametrize("kw", [{"weight_decay": 0.05}, {"momentum": 0.9},
                                {"momentum": 0.9, "weight_decay": 0.05}])
def test_blocked_steps_with_decay_or_momentum_are_torchs(kw):
    rng = np.random.default_rng(0)
    _against_torch(rng.standard_normal(N), rng.standard_normal(N), **kw)


@pytest.mark.parametrize("kw", [{}, {"weight_decay": 0.05}, {"momentum": 0.9}])
def test_a_fortran_ordered_parameter_is_updated(kw):
    rng = np.random.default_rng(1)
    d0 = np.asfortranarray(rng.standard_normal(SHAPE))
    assert not d0.flags.c_contiguous and d0.size > BLOCKED_FROM
    _against_torch(d0, rng.standard_normal(SHAPE), **kw)


def test_a_gradient_overlapping_its_parameter_is_read_before_the_write():
    base = np.random.default_rng(2).standard_normal(N + 1)
    want = base[1:] - 0.1 * base[:-1]  # `d -= lr * g`: the product made before any write
    p = Tensor(base[1:], requires_grad=True)
    assert np.shares_memory(p.data, base)
    p.grad = base[:-1]  # (its entry k is the parameter's entry k - 1)
    SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, want)


def test_a_fortran_ordered_momentum_buffer_is_updated():
    rng = np.random.default_rng(3)
    g = rng.standard_normal(SHAPE)
    p = Tensor(rng.standard_normal(SHAPE), requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = g.copy()
    opt.step()
    opt.state[0]["momentum_buffer"] = np.asfortranarray(opt.state[0]["momentum_buffer"])
    v0, d0 = np.array(opt.state[0]["momentum_buffer"]), p.data.copy()
    p.grad = g.copy()
    opt.step()
    v = 0.9 * v0 + g
    np.testing.assert_allclose(opt.state[0]["momentum_buffer"], v, rtol=1e-15)
    np.testing.assert_allclose(p.data, d0 - 0.1 * v, rtol=1e-14, atol=1e-15)
