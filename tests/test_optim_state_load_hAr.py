"""Review of the load_state_dict checks (test_optim_state_load_hA): states this library's own
optimizers save still load and resume bit for bit (a setting switched on mid-run, a float32
LBFGS run whose H_diag underflowed to 0), and a counter or a ranged number given as an array
of the parameter's shape is refused instead of loading as a buffer."""

import copy
import warnings

import numpy as np
import pytest

import tinygrad_dl.optim as O
from tinygrad_dl import Tensor

G = np.array([0.3, -0.2, 0.1])


def _param(x=(1.0, 2.0, 3.0)):
    return Tensor(np.array(x), requires_grad=True)


@pytest.mark.parametrize("cls, key, value", [
    (O.Adam, "amsgrad", True), (O.AdamW, "amsgrad", True),
    (O.RMSprop, "momentum", 0.9), (O.RMSprop, "centered", True),
])
def test_a_setting_switched_on_mid_run_saves_loads_and_resumes_bit_for_bit(cls, key, value):
    """step() allows switching amsgrad, momentum or centered on in a run (the buffer starts at
    zeros); the state saved right after loads (with a warning) and continues as the run does.
    Before: refused, 'lacks max_exp_avg_sq' (the library's own state dict not loadable)."""
    p = _param()
    opt = cls([p])
    p.grad = G.copy()
    opt.step()
    opt.param_groups[0][key] = value
    sd = copy.deepcopy(opt.state_dict())
    q = _param(p.data.copy())
    resumed = cls([q])
    with pytest.warns(RuntimeWarning, match=rf"which its group's {key}="):
        resumed.load_state_dict(sd)
    assert resumed.param_groups[0][key] == value
    for k in range(3):
        p.grad = G * (k + 2)
        q.grad = G * (k + 2)
        opt.step()
        resumed.step()
    np.testing.assert_array_equal(q.data, p.data)


def test_a_float32_lbfgs_run_with_h_diag_underflowed_to_zero_resumes():
    """x^4 from lr=7 in float32: the weights grow (finite), y.s / y.y underflows to 0.0. The
    run's own state dict was refused ('H_diag' must be > 0); it loaded before the checks."""
    def run(x):
        def closure():
            x.grad = None
            loss = (x * x * x * x).sum()
            loss.backward()
            return loss
        return closure

    x = Tensor(np.linspace(-2, 2, 5).astype(np.float32), requires_grad=True)
    opt = O.LBFGS([x], lr=7.0, max_iter=5, history_size=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (overflow on the way: the run's own)
        for _ in range(2):
            opt.step(run(x))
        sd = copy.deepcopy(opt.state_dict())
        assert sd["state"][0]["H_diag"] == 0.0 and np.isfinite(x.data).all()
        y = Tensor(x.data.copy(), requires_grad=True)
        resumed = O.LBFGS([y], lr=7.0, max_iter=5, history_size=3)
        resumed.load_state_dict(sd)
        opt.step(run(x))
        resumed.step(run(y))
    np.testing.assert_array_equal(y.data, x.data)


def test_lbfgs_ro_entries_of_zero_load():
    """ro = 1 / y.s is 0 where y.s overflowed to inf: a run's own value, not refused."""
    x = Tensor(np.array([1.5, -0.5, 2.0]), requires_grad=True)

    def closure():
        x.grad = None
        loss = (x * x * x * x).sum()
        loss.backward()
        return loss
    opt = O.LBFGS([x], max_iter=4)
    opt.step(closure)
    sd = opt.state_dict()
    assert sd["state"][0]["ro"]
    sd["state"][0]["ro"] = [0.0] * len(sd["state"][0]["ro"])
    fresh = O.LBFGS([Tensor(x.data.copy(), requires_grad=True)], max_iter=4)
    fresh.load_state_dict(sd)
    assert all(r == 0 for r in fresh.state[0]["ro"])


def _lbfgs_state():
    x = Tensor(np.array([1.5, -0.5, 2.0]), requires_grad=True)

    def closure():
        x.grad = None
        loss = ((x - 0.3) ** 2).sum() + (x ** 4).sum()
        loss.backward()
        return loss
    opt = O.LBFGS([x], max_iter=3)
    opt.step(closure)
    return opt, closure


@pytest.mark.parametrize("key", ["t", "H_diag", "n_iter"])
def test_lbfgs_scalar_given_as_an_array_of_the_parameters_shape_is_refused(key):
    """An array of parameter 0's shape loaded as a buffer: t and H_diag then scaled the step
    element by element without a word (the range checks skipped)."""
    opt, closure = _lbfgs_state()
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][0][key] = np.array([0.1, 0.2, 0.3])
    opt.step(closure)
    before = copy.deepcopy(opt.state_dict()["state"][0])
    with pytest.raises(ValueError, match=rf"^LBFGS.load_state_dict: parameter 0's "
                       rf"(state|step count) '{key}' must be .*got ndarray"):
        opt.load_state_dict(sd)
    after = opt.state_dict()["state"][0]
    assert after.keys() == before.keys() and after["n_iter"] == before["n_iter"]
    np.testing.assert_array_equal(after["d"], before["d"])


@pytest.mark.parametrize("cls, key", [
    (O.Adam, "step"), (O.NAdam, "mu_product"), (O.ASGD, "eta"), (O.ASGD, "mu"),
    (O.RMSprop, "step"),
])
def test_a_counter_or_ranged_number_as_a_parameter_shaped_array_is_refused(cls, key):
    """Adam's step as an array of the parameter's shape corrected each element by its own
    count; NAdam's mu_product, ASGD's eta or mu skipped their range check: loaded as buffers."""
    p = _param()
    opt = cls([p])
    p.grad = G.copy()
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][0][key] = np.array([0.5, 0.5, 0.5])
    before = copy.deepcopy(opt.state)
    with pytest.raises(ValueError, match=rf"^{cls.__name__}.load_state_dict: parameter 0's "
                       rf"(state|step count) '{key}' must be .*got ndarray"):
        opt.load_state_dict(sd)
    assert opt.state[0].keys() == before[0].keys()
    for k in before[0]:
        np.testing.assert_array_equal(opt.state[0][k], before[0][k])
