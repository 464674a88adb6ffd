"""What a Module lists as its parameters and runs as its children, each case a silent wrong
number before (found 2026-12-03 by comparing with torch.nn): a layer used twice was listed and
so stepped twice, a Sequential ran the layers it was built with whatever was added or replaced
later, an activation kept on `self` became a parameter, a plain tensor assigned over a
parameter unregistered it, and BatchNorm1d read PyTorch's positional (eps, momentum) as its
own (alpha, eps)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn, optim


def _x(n: int = 4, d: int = 3) -> Tensor:
    return Tensor(np.random.default_rng(0).standard_normal((n, d)))


def test_a_layer_used_twice_is_one_set_of_parameters_stepped_once():
    lin = nn.Linear(3, 3, rng=np.random.default_rng(1))
    m = nn.Sequential(lin, nn.Tanh(), lin)
    assert [n for n, _ in m.named_parameters()] == ["0.W", "0.b"]
    assert m.num_parameters() == 12 and len(m.modules()) == 3 and len(m.children()) == 2
    W0 = lin.W.data.copy()
    opt = optim.SGD(m.parameters(), lr=0.1)
    m(_x()).sum().backward()
    g = lin.W.grad.copy()
    total = optim.clip_grad_norm_(m.parameters(), 1e9)  # the norm counts W once
    assert total == pytest.approx(np.sqrt((g**2).sum() + (lin.b.grad**2).sum()), rel=1e-12)
    opt.step()
    np.testing.assert_array_equal(lin.W.data, W0 - 0.1 * g)  # one step, not two
    assert list(m.state_dict()) == ["0.W", "0.b"]
    m.load_state_dict(m.state_dict())  # its own state dict loads back


def test_a_weight_tied_across_attributes_is_listed_once():
    class Tied(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 3)
            self.b.W = self.a.W

        def forward(self, x):
            return self.b(self.a(x).tanh())

    m = Tied()
    assert [n for n, _ in m.named_parameters()] == ["a.W", "a.b", "b.b"]
    W0 = m.a.W.data.copy()
    opt = optim.SGD(m.parameters(), lr=0.1)
    m(_x()).sum().backward()
    g = m.a.W.grad.copy()
    opt.step()
    np.testing.assert_array_equal(m.a.W.data, W0 - 0.1 * g)


def test_sequential_runs_the_children_it_has_now():
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    m.add_module("2", nn.Linear(4, 1))
    assert m(_x()).shape == (4, 1) and len(m) == 3 and isinstance(m[2], nn.Linear)
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    setattr(m, "0", nn.Linear(3, 4, rng=np.random.default_rng(5)))  # replaced in place: first
    assert [type(c).__name__ for c in m] == ["Linear", "ReLU", "Linear"]
    assert m(_x()).shape == (4, 2)
    new = nn.Linear(4, 5)
    m[2] = new  # PyTorch's seq[i] = module
    assert m[2] is new and m(_x()).shape == (4, 5) and m.parameters()[-2] is new.W
    ref = new(m[1](m[0](_x())))
    np.testing.assert_array_equal(m(_x()).data, ref.data)


def test_an_op_result_kept_on_a_module_is_not_a_parameter():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            self.out = self.fc(x)  # kept for later, as hooks and tutorials do
            return self.out

    net = Net()
    net(_x())
    assert [n for n, _ in net.named_parameters()] == ["fc.W", "fc.b"]
    assert set(net.state_dict()) == {"fc.W", "fc.b"}
    Net().load_state_dict(net.state_dict())


@pytest.mark.parametrize("value", ["constant", "op result"])
def test_a_tensor_that_is_no_parameter_assigned_over_one_is_refused(value):
    lin = nn.Linear(3, 2)
    t = Tensor(np.zeros((2, 3))) if value == "constant" else lin.W * 2.0
    what = "does not require grad" if value == "constant" else "is an op result"
    with pytest.raises(TypeError, match=f"cannot assign a tensor that {what} as parameter 'W'"):
        lin.W = t
    with pytest.raises(TypeError, match="parameter 'W'"):
        lin.weight = t  # (the PyTorch alias goes through the same check)
    assert set(lin.state_dict()) == {"W", "b"}
    lin.W = Tensor(np.ones((2, 3)), requires_grad=True)  # a new parameter: allowed
    assert lin.parameters()[0] is lin.W
    del lin.b
    assert [n for n, _ in lin.named_parameters()] == ["W"]


def test_batchnorm_refuses_pytorchs_positional_eps_and_momentum():
    with pytest.raises(TypeError, match=r"BatchNorm1d\(3, 1e-05, 0.1\): pass alpha= and eps= "
                                        r"by name \(PyTorch's positional order is eps, momentum"):
        nn.BatchNorm1d(3, 1e-5, 0.1)
    bn = nn.BatchNorm1d(3, alpha=0.8, eps=1e-5)
    assert (bn.alpha, bn.eps) == (0.8, 1e-5)
    assert tg.nn.BatchNorm1d(3).alpha == 0.9


def test_batchnorm_takes_pytorchs_momentum_as_one_minus_alpha() -> None:
    """Before: nn.BatchNorm1d(3, momentum=0.1) was Python's bare 'unexpected keyword argument'.
    PyTorch's momentum weighs the NEW batch, the course's alpha the OLD average."""
    torch = pytest.importorskip("torch")

    bn, ref = nn.BatchNorm1d(3, momentum=0.25, eps=1e-5), nn.BatchNorm1d(3, alpha=0.75, eps=1e-5)
    assert bn.alpha == 0.75
    x = np.random.default_rng(0).standard_normal((8, 3))
    for _ in range(2):  # the first batch sets the averages, the second moves them by 0.25
        bn(Tensor(x + _)), ref(Tensor(x + _))
    np.testing.assert_array_equal(bn.running_mean, ref.running_mean)
    tb = torch.nn.BatchNorm1d(3, momentum=0.25).double()
    tb.running_mean[:] = torch.tensor(x.mean(axis=0))  # as the course's first batch set it
    tb(torch.tensor(x + 1))
    np.testing.assert_allclose(bn.running_mean, tb.running_mean.numpy(), rtol=1e-15)
    assert nn.BatchNorm1d(3, momentum=None).momentum is None  # (torch's cumulative average:
    # tests/test_batchnorm_options.py)
    with pytest.raises(TypeError, match="alpha and momentum name one weight"):
        nn.BatchNorm1d(3, momentum=0.1, alpha=0.9)
    with pytest.raises(ValueError, match=r"got -0.5 \(1 - momentum=1.5: momentum in \[0, 1\]\)"):
        nn.BatchNorm1d(3, momentum=1.5)
