"""Review of eac8209 (hLEFT3r): step(epoch) and SequentialLR's restart ran LambdaLR's,
CyclicLR's and OneCycleLR's own get_lr where a subclass overrides it (torch runs the
subclass's: those three have no closed form in torch); a bool subtraction is still refused
in one line where the two bool dtypes are different objects (an unpickled array's)."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
from tinygrad_dl.optim import lr_scheduler as L


def _warm(M, base):
    class Warm(base(M)):  # a course habit: a warm-up written as the rate at the step
        def get_lr(self):
            return [b * min(1.0, (self.last_epoch + 1) / 5) for b in self.base_lrs]
    return Warm


_BASES = {
    "LambdaLR": (lambda M: M.LambdaLR, lambda W, o: W(o, lambda e: 0.5)),
    "CyclicLR": (lambda M: M.CyclicLR, lambda W, o: W(o, 0.01, 0.1, 3, cycle_momentum=False)),
    "OneCycleLR": (lambda M: M.OneCycleLR, lambda W, o: W(o, 0.5, total_steps=40)),
}


def _pair(torch, name):
    base, make = _BASES[name]
    topt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    opt = tg.optim.SGD([tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = make(_warm(torch.optim.lr_scheduler, base), topt)
    return topt, theirs, opt, make(_warm(L, base), opt)


@pytest.mark.parametrize("name", list(_BASES))
def test_step_epoch_runs_a_subclasss_get_lr_as_torch(name):
    torch = pytest.importorskip("torch")
    topt, theirs, opt, ours = _pair(torch, name)
    for epoch in (1, 3, None, 0, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step() if epoch is None else theirs.step(epoch)
            ours.step() if epoch is None else ours.step(epoch)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13), epoch
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-13)


@pytest.mark.parametrize("name", list(_BASES))
def test_sequential_restart_runs_a_subclasss_get_lr_as_torch(name):
    torch = pytest.importorskip("torch")
    T = torch.optim.lr_scheduler
    base, make = _BASES[name]
    topt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    opt = tg.optim.SGD([tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = T.SequentialLR(topt, [T.ConstantLR(topt, 0.5, 2),
                                       make(_warm(T, base), topt)], [2])
    ours = L.SequentialLR(opt, [L.ConstantLR(opt, 0.5, 2), make(_warm(L, base), opt)], [2])
    for _ in range(5):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step()
        ours.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13)


@pytest.mark.parametrize("order", ["b - b", "b - unpickled b", "unpickled b - x", "x - b"])
def test_bool_subtraction_refused_whatever_the_dtype_objects(order):
    b = np.array([True, False])
    u = pickle.loads(pickle.dumps(b))  # (its dtype: another object than b's)
    x = np.array([1.0, 2.0])
    left, right = {"b - b": (b, b), "b - unpickled b": (b, u), "unpickled b - x": (u, x),
                   "x - b": (x, u)}[order]
    with pytest.raises(TypeError) as e:
        tg.tensor(left) - tg.tensor(right)
    one_line(e)
    assert "bool" in str(e.value) and "-" in str(e.value)


def test_cyclic_base_lrs_are_base_lr_after_another_scheduler_as_torch():
    torch = pytest.importorskip("torch")
    T = torch.optim.lr_scheduler
    topt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    opt = tg.optim.SGD([tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        T.ConstantLR(topt, 0.5, 2)  # (sets each group's initial_lr first)
        theirs = T.CyclicLR(topt, 0.01, 0.1, 3, cycle_momentum=False)
    L.ConstantLR(opt, 0.5, 2)
    ours = L.CyclicLR(opt, 0.01, 0.1, 3, cycle_momentum=False)
    assert ours.base_lrs == theirs.base_lrs == [0.01]


@pytest.mark.parametrize("make,epoch", [(lambda o: L.ExponentialLR(o, 1.1), 10**4),
                                        (lambda o: L.StepLR(o, 1, 2.0), 10**6),
                                        (lambda o: L.MultiStepLR(o, [3] * 1100, 2.0), 5)])
def test_step_epoch_past_float64_refused_in_one_line(make, epoch):
    opt = tg.optim.SGD([tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    s = make(opt)
    before = (s.last_epoch, opt.param_groups[0]["lr"], s.get_last_lr())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the deprecation warning)
        with pytest.raises(OverflowError) as e:
            s.step(epoch)
    one_line(e, "step(epoch)", f"epoch {epoch}", "float64")
    assert (s.last_epoch, opt.param_groups[0]["lr"], s.get_last_lr()) == before
